// RUN: gnnc-opt %s --split-input-file --verify-diagnostics --parsing-diagnostics | filecheck %s

// One case per verifier error of dialects/gnn.py and per !gnn type error. Type
// errors are reported while parsing (gnnc-opt turns a type verifier's error into a
// parse error at the type), op errors when the module is verified. Op errors are
// matched at the start of a line ({{^}}): that is the diagnostic itself, not its
// repetition inside the module that --verify-diagnostics prints after it.

// --- !gnn.fixed ------------------------------------------------------------------

func.func @f(%x: !gnn.nodes<1, !gnn.fixed<8, 2, banana>>) {
  func.return
}

// CHECK: unknown !gnn.fixed option 'banana': expected signed, unsigned, a quantization mode (trn, rnd, trn_zero, rnd_zero, rnd_inf, rnd_min_inf, rnd_conv) or an overflow mode (wrap, sat, sat_zero, sat_sym)

// -----

func.func @f(%x: !gnn.nodes<1, !gnn.fixed<0, 0>>) {
  func.return
}

// CHECK: !gnn.fixed width must be in [1, 1024], got 0

// -----

func.func @f(%x: !gnn.nodes<1, !gnn.fixed<1025, 8>>) {
  func.return
}

// CHECK: !gnn.fixed width must be in [1, 1024], got 1025

// -----

func.func @f(%x: !gnn.nodes<1, !gnn.fixed<1, 1, sat_sym>>) {
  func.return
}

// CHECK: !gnn.fixed sat_sym needs a signed width of at least 2

// -----

func.func @f(%x: !gnn.nodes<1, !gnn.fixed<-4, 2>>) {
  func.return
}

// CHECK: Expected integer literal

// -----

func.func @f(%x: !gnn.nodes<1, !gnn.fixed<16>>) {
  func.return
}

// CHECK: Expected ','

// -----

// --- !gnn.nodes / !gnn.edges -----------------------------------------------------

func.func @f(%x: !gnn.nodes<0, f32>) {
  func.return
}

// CHECK: !gnn.nodes needs 1 to 65536 features, got 0

// -----

func.func @f(%x: !gnn.edges<0, f32>) {
  func.return
}

// CHECK: !gnn.edges needs 1 to 65536 features, got 0

// -----

// A bound checked up front: arrays and weights grow with the features.
func.func @f(%x: !gnn.nodes<100000000, f32>) {
  func.return
}

// CHECK: !gnn.nodes needs 1 to 65536 features, got 100000000

// -----

func.func @f(%x: !gnn.nodes<3, i32>) {
  func.return
}

// CHECK: !gnn.nodes element type must be a float or !gnn.fixed, got i32

// -----

func.func @f(%x: !gnn.edges<3, index>) {
  func.return
}

// CHECK: !gnn.edges element type must be a float or !gnn.fixed, got index

// -----

func.func @f(%x: !gnn.nodes<f32>) {
  func.return
}

// CHECK: Expected integer literal

// -----

// --- gnn.gather ------------------------------------------------------------------

func.func @f(%x: !gnn.nodes<3, f32>, %ei: !gnn.edge_index) {
  %e = gnn.gather src %x, %ei : !gnn.nodes<3, f32> -> !gnn.edges<4, f32>
  func.return
}

// CHECK: {{^}}'gnn.gather': result must have 3 features, got 4

// -----

func.func @f(%x: !gnn.nodes<3, f32>, %ei: !gnn.edge_index) {
  %e = gnn.gather src %x, %ei : !gnn.nodes<3, f32> -> !gnn.edges<3, f64>
  func.return
}

// CHECK: {{^}}'gnn.gather': result element type f64 differs from input f32 (a gather copies values)

// -----

func.func @f(%x: !gnn.nodes<3, !gnn.fixed<16, 6>>, %ei: !gnn.edge_index) {
  %e = gnn.gather dst %x, %ei : !gnn.nodes<3, !gnn.fixed<16, 6>> -> !gnn.edges<3, !gnn.fixed<16, 6, sat>>
  func.return
}

// CHECK: {{^}}'gnn.gather': result element type !gnn.fixed<16, 6, sat> differs from input !gnn.fixed<16, 6> (a gather copies values)

// -----

func.func @f(%x: !gnn.edges<3, f32>, %ei: !gnn.edge_index) {
  %e = "gnn.gather"(%x, %ei) <{end = #gnn<edge_end src>}> : (!gnn.edges<3, f32>, !gnn.edge_index) -> !gnn.edges<3, f32>
  func.return
}

// CHECK: {{^}}operand 'input' at position 0 does not verify:
// CHECK-NEXT: !gnn.edges<3, f32> should be of base attribute gnn.nodes

// -----

// --- gnn.scatter -----------------------------------------------------------------

func.func @f(%m: !gnn.edges<3, f32>, %ei: !gnn.edge_index) {
  %n = gnn.scatter sum dst %m, %ei : !gnn.edges<3, f32> -> !gnn.nodes<2, f32>
  func.return
}

// CHECK: {{^}}'gnn.scatter': result must have 3 features, got 2

// -----

func.func @f(%m: !gnn.edges<3, f32>, %ei: !gnn.edge_index) {
  %n = gnn.scatter sum dst %m, %ei : !gnn.edges<3, f32> -> !gnn.nodes<3, !gnn.fixed<16, 6>>
  func.return
}

// CHECK: {{^}}'gnn.scatter': mixes float and fixed-point element types

// -----

func.func @f(%m: !gnn.edges<3, !gnn.fixed<16, 6>>, %ei: !gnn.edge_index) {
  %n = gnn.scatter sum dst %m, %ei {accum_type = !gnn.fixed<20, 10>, recip_type = !gnn.fixed<12, 1>} : !gnn.edges<3, !gnn.fixed<16, 6>> -> !gnn.nodes<3, !gnn.fixed<16, 6>>
  func.return
}

// CHECK: {{^}}'gnn.scatter': recip_type only applies to mean, not sum

// -----

func.func @f(%m: !gnn.edges<3, !gnn.fixed<16, 6>>, %ei: !gnn.edge_index) {
  %n = gnn.scatter max dst %m, %ei {accum_type = !gnn.fixed<20, 10>} : !gnn.edges<3, !gnn.fixed<16, 6>> -> !gnn.nodes<3, !gnn.fixed<16, 6>>
  func.return
}

// CHECK: {{^}}'gnn.scatter': accum_type only applies to sum and mean, not max

// -----

func.func @f(%m: !gnn.edges<3, !gnn.fixed<16, 6>>, %ei: !gnn.edge_index) {
  %n = gnn.scatter sum src %m, %ei : !gnn.edges<3, !gnn.fixed<16, 6>> -> !gnn.nodes<3, !gnn.fixed<16, 6>>
  func.return
}

// CHECK: {{^}}'gnn.scatter': fixed-point sum needs accum_type

// -----

func.func @f(%m: !gnn.edges<3, !gnn.fixed<16, 6>>, %ei: !gnn.edge_index) {
  %n = gnn.scatter mean src %m, %ei : !gnn.edges<3, !gnn.fixed<16, 6>> -> !gnn.nodes<3, !gnn.fixed<16, 6>>
  func.return
}

// CHECK: {{^}}'gnn.scatter': fixed-point mean needs accum_type

// -----

func.func @f(%m: !gnn.edges<3, !gnn.fixed<16, 6>>, %ei: !gnn.edge_index) {
  %n = gnn.scatter mean src %m, %ei {accum_type = !gnn.fixed<20, 10>} : !gnn.edges<3, !gnn.fixed<16, 6>> -> !gnn.nodes<3, !gnn.fixed<16, 6>>
  func.return
}

// CHECK: {{^}}'gnn.scatter': fixed-point mean needs recip_type

// -----

func.func @f(%m: !gnn.edges<3, !gnn.fixed<16, 6>>, %ei: !gnn.edge_index) {
  %n = gnn.scatter min dst %m, %ei : !gnn.edges<3, !gnn.fixed<16, 6>> -> !gnn.nodes<3, !gnn.fixed<8, 3>>
  func.return
}

// CHECK: {{^}}'gnn.scatter': min selects values, so input and result element types must be equal

// -----

func.func @f(%m: !gnn.edges<3, f32>, %ei: !gnn.edge_index) {
  %n = gnn.scatter sum dst %m, %ei {accum_type = f32} : !gnn.edges<3, f32> -> !gnn.nodes<3, f32>
  func.return
}

// CHECK: {{^}}f32 should be of base attribute gnn.fixed

// -----

// --- gnn.dense -------------------------------------------------------------------

func.func @f(%x: !gnn.nodes<2, f32>) {
  %y = gnn.dense %x {weight = dense<[[1.0, 2.0]]> : tensor<1x2xf32>} : !gnn.nodes<2, f32> -> !gnn.edges<1, f32>
  func.return
}

// CHECK: {{^}}'gnn.dense': result must be !gnn.nodes like the input

// -----

func.func @f(%x: !gnn.nodes<2, f32>) {
  %y = gnn.dense %x {weight = dense<[1.0, 2.0]> : tensor<2xf32>} : !gnn.nodes<2, f32> -> !gnn.nodes<1, f32>
  func.return
}

// CHECK: {{^}}'gnn.dense': weight must be 2-D [out, in], got shape [2]

// -----

func.func @f(%x: !gnn.nodes<3, f32>) {
  %y = gnn.dense %x {weight = dense<[[1.0, 2.0]]> : tensor<1x2xf32>} : !gnn.nodes<3, f32> -> !gnn.nodes<1, f32>
  func.return
}

// CHECK: {{^}}'gnn.dense': weight is [1, 2] but the input has 3 features (expected [out, 3])

// -----

func.func @f(%x: !gnn.nodes<2, f32>) {
  %y = gnn.dense %x {weight = dense<[[1.0, 2.0]]> : tensor<1x2xf32>} : !gnn.nodes<2, f32> -> !gnn.nodes<2, f32>
  func.return
}

// CHECK: {{^}}'gnn.dense': result must have 1 features, got 2

// -----

func.func @f(%x: !gnn.nodes<2, f32>) {
  %y = gnn.dense %x {weight = dense<[[1.0, 2.0]]> : tensor<1x2xf32>, bias = dense<[1.0, 2.0]> : tensor<2xf32>} : !gnn.nodes<2, f32> -> !gnn.nodes<1, f32>
  func.return
}

// CHECK: {{^}}'gnn.dense': bias shape [2] must be [1]

// -----

func.func @f(%x: !gnn.nodes<2, f32>) {
  %y = gnn.dense %x {weight = dense<[[1.0, 2.0]]> : tensor<1x2xf32>, weight_type = !gnn.fixed<8, 3>, accum_type = !gnn.fixed<24, 10>} : !gnn.nodes<2, f32> -> !gnn.nodes<1, !gnn.fixed<16, 6>>
  func.return
}

// CHECK: {{^}}'gnn.dense': mixes float and fixed-point element types

// -----

func.func @f(%x: !gnn.nodes<2, !gnn.fixed<16, 6>>) {
  %y = gnn.dense %x {weight = dense<[[1.0, 2.0]]> : tensor<1x2xf32>, bias = dense<[1.0]> : tensor<1xf32>} : !gnn.nodes<2, !gnn.fixed<16, 6>> -> !gnn.nodes<1, !gnn.fixed<16, 6>>
  func.return
}

// CHECK: {{^}}'gnn.dense': fixed-point dense needs weight_type, accum_type, bias_type

// -----

func.func @f(%x: !gnn.nodes<2, !gnn.fixed<16, 6>>) {
  %y = gnn.dense %x {weight = dense<[[1.0, 2.0]]> : tensor<1x2xf32>, weight_type = !gnn.fixed<8, 3>} : !gnn.nodes<2, !gnn.fixed<16, 6>> -> !gnn.nodes<1, !gnn.fixed<16, 6>>
  func.return
}

// CHECK: {{^}}'gnn.dense': fixed-point dense needs accum_type

// -----

func.func @f(%x: !gnn.nodes<2, f32>) {
  %y = "gnn.dense"(%x) : (!gnn.nodes<2, f32>) -> !gnn.nodes<1, f32>
  func.return
}

// CHECK: {{^}}property 'weight' expected in operation 'gnn.dense'

// -----

// --- gnn.activation --------------------------------------------------------------

func.func @f(%x: !gnn.nodes<2, f32>) {
  %y = gnn.activation relu %x : !gnn.nodes<2, f32> -> !gnn.edges<2, f32>
  func.return
}

// CHECK: {{^}}'gnn.activation': result must be !gnn.nodes like the input

// -----

func.func @f(%x: !gnn.edges<2, f32>) {
  %y = gnn.activation tanh %x : !gnn.edges<2, f32> -> !gnn.edges<3, f32>
  func.return
}

// CHECK: {{^}}'gnn.activation': result must have 2 features, got 3

// -----

func.func @f(%x: !gnn.edges<2, !gnn.fixed<16, 6>>) {
  %y = gnn.activation relu %x : !gnn.edges<2, !gnn.fixed<16, 6>> -> !gnn.edges<2, f32>
  func.return
}

// CHECK: {{^}}'gnn.activation': mixes float and fixed-point element types

// -----

func.func @f(%x: !gnn.edges<2, !gnn.fixed<16, 6>>) {
  %y = gnn.activation relu %x {table_size = 1024 : i64, table_min = -8 : i64, table_scale = 64 : i64} : !gnn.edges<2, !gnn.fixed<16, 6>> -> !gnn.edges<2, !gnn.fixed<16, 6>>
  func.return
}

// CHECK: {{^}}'gnn.activation': relu takes no lookup table

// -----

func.func @f(%x: !gnn.edges<2, !gnn.fixed<16, 6>>) {
  %y = gnn.activation sigmoid %x {table_size = 1024 : i64, table_min = -8 : i64} : !gnn.edges<2, !gnn.fixed<16, 6>> -> !gnn.edges<2, !gnn.fixed<16, 6>>
  func.return
}

// CHECK: {{^}}'gnn.activation': table_size, table_min and table_scale go together

// -----

func.func @f(%x: !gnn.edges<2, !gnn.fixed<16, 6>>) {
  %y = gnn.activation sigmoid %x {table_size = 1 : i64, table_min = -8 : i64, table_scale = 64 : i64} : !gnn.edges<2, !gnn.fixed<16, 6>> -> !gnn.edges<2, !gnn.fixed<16, 6>>
  func.return
}

// CHECK: {{^}}'gnn.activation': table_size must be >= 2 and table_scale >= 1

// -----

func.func @f(%x: !gnn.edges<2, !gnn.fixed<16, 6>>) {
  %y = gnn.activation tanh %x {table_size = 1024 : i64, table_min = -4 : i64, table_scale = 0 : i64} : !gnn.edges<2, !gnn.fixed<16, 6>> -> !gnn.edges<2, !gnn.fixed<16, 6>>
  func.return
}

// CHECK: {{^}}'gnn.activation': table_size must be >= 2 and table_scale >= 1

// -----

func.func @f(%x: !gnn.edges<2, !gnn.fixed<16, 6>>) {
  %y = gnn.activation tanh %x : !gnn.edges<2, !gnn.fixed<16, 6>> -> !gnn.edges<2, !gnn.fixed<16, 6>>
  func.return
}

// CHECK: {{^}}'gnn.activation': fixed-point tanh needs table_size, table_min and table_scale

// -----

func.func @f(%x: !gnn.edges<2, f32>) {
  %y = gnn.activation softsign %x : !gnn.edges<2, f32> -> !gnn.edges<2, f32>
  func.return
}

// CHECK: Expected `relu`, `sigmoid`, `tanh`, `leaky_relu`, `elu`, `silu`, `gelu`, `gelu_tanh`, `softplus`, `mish`, `log_sigmoid`, `hardtanh`, or `sqrt`.

// -----

// --- gnn.concat ------------------------------------------------------------------

func.func @f() {
  %y = "gnn.concat"() : () -> !gnn.nodes<1, f32>
  func.return
}

// CHECK: {{^}}'gnn.concat': needs at least one input

// -----

func.func @f(%x: !gnn.nodes<2, f32>, %e: !gnn.edges<2, f32>) {
  %y = gnn.concat %x, %e : !gnn.nodes<2, f32>, !gnn.edges<2, f32> -> !gnn.nodes<4, f32>
  func.return
}

// CHECK: {{^}}'gnn.concat': input 1 is !gnn.edges but the result is !gnn.nodes (node and edge rows cannot be concatenated)

// -----

func.func @f(%x: !gnn.nodes<2, f32>, %z: !gnn.nodes<3, f32>) {
  %y = gnn.concat %x, %z : !gnn.nodes<2, f32>, !gnn.nodes<3, f32> -> !gnn.nodes<4, f32>
  func.return
}

// CHECK: {{^}}'gnn.concat': result must have 5 features, got 4

// -----

func.func @f(%x: !gnn.nodes<2, f32>, %z: !gnn.nodes<3, !gnn.fixed<16, 6>>) {
  %y = gnn.concat %x, %z : !gnn.nodes<2, f32>, !gnn.nodes<3, !gnn.fixed<16, 6>> -> !gnn.nodes<5, f32>
  func.return
}

// CHECK: {{^}}'gnn.concat': mixes float and fixed-point element types

// -----

// --- gnn.add / gnn.mul -----------------------------------------------------------

func.func @f(%a: !gnn.nodes<2, f32>, %b: !gnn.nodes<3, f32>) {
  %y = gnn.add %a, %b : !gnn.nodes<2, f32>, !gnn.nodes<3, f32> -> !gnn.nodes<2, f32>
  func.return
}

// CHECK: {{^}}'gnn.add': rhs type !gnn.nodes<3, f32> does not match lhs !gnn.nodes<2, f32>

// -----

func.func @f(%a: !gnn.nodes<2, f32>, %b: !gnn.edges<2, f32>) {
  %y = gnn.mul %a, %b : !gnn.nodes<2, f32>, !gnn.edges<2, f32> -> !gnn.nodes<2, f32>
  func.return
}

// CHECK: {{^}}'gnn.mul': rhs type !gnn.edges<2, f32> does not match lhs !gnn.nodes<2, f32>

// -----

func.func @f(%a: !gnn.edges<2, f32>, %b: !gnn.edges<2, f32>) {
  %y = gnn.mul %a, %b : !gnn.edges<2, f32>, !gnn.edges<2, f32> -> !gnn.edges<4, f32>
  func.return
}

// CHECK: {{^}}'gnn.mul': result type !gnn.edges<4, f32> does not match lhs !gnn.edges<2, f32>

// -----

func.func @f(%a: !gnn.nodes<2, f32>, %b: !gnn.nodes<2, !gnn.fixed<16, 6>>) {
  %y = gnn.add %a, %b : !gnn.nodes<2, f32>, !gnn.nodes<2, !gnn.fixed<16, 6>> -> !gnn.nodes<2, f32>
  func.return
}

// CHECK: {{^}}'gnn.add': mixes float and fixed-point element types

// -----

// --- broadcasting add / sub / mul ------------------------------------------------

func.func @f(%a: !gnn.nodes<1, f32>, %b: !gnn.nodes<3, f32>) {
  %y = gnn.mul %a, %b : !gnn.nodes<1, f32>, !gnn.nodes<3, f32> -> !gnn.nodes<1, f32>
  func.return
}

// CHECK: {{^}}'gnn.mul': result type !gnn.nodes<1, f32> does not match lhs !gnn.nodes<1, f32> (expected !gnn.nodes with 3 features)

// -----

func.func @f(%a: !gnn.edges<2, f32>, %b: !gnn.nodes<1, f32>) {
  %y = gnn.sub %a, %b : !gnn.edges<2, f32>, !gnn.nodes<1, f32> -> !gnn.edges<2, f32>
  func.return
}

// CHECK: {{^}}'gnn.sub': rhs type !gnn.nodes<1, f32> does not match lhs !gnn.edges<2, f32> (one kind; equal feature counts, or one operand with 1 feature, broadcast)

// -----

// --- leaky_relu / elu ------------------------------------------------------------

func.func @f(%x: !gnn.nodes<2, f32>) {
  %y = gnn.activation leaky_relu %x : !gnn.nodes<2, f32> -> !gnn.nodes<2, f32>
  func.return
}

// CHECK: {{^}}'gnn.activation': leaky_relu needs alpha

// -----

func.func @f(%x: !gnn.nodes<2, f32>) {
  %y = gnn.activation relu %x {alpha = 1.0 : f64} : !gnn.nodes<2, f32> -> !gnn.nodes<2, f32>
  func.return
}

// CHECK: {{^}}'gnn.activation': relu takes no alpha

// -----

func.func @f(%x: !gnn.nodes<2, !gnn.fixed<16, 8>>) {
  %y = gnn.activation leaky_relu %x {alpha = 1.000000e-01 : f64} : !gnn.nodes<2, !gnn.fixed<16, 8>> -> !gnn.nodes<2, !gnn.fixed<16, 8>>
  func.return
}

// CHECK: {{^}}'gnn.activation': fixed-point leaky_relu needs alpha_type

// -----

func.func @f(%x: !gnn.nodes<2, !gnn.fixed<16, 8>>) {
  %y = gnn.activation elu %x {alpha = 1.0 : f64, alpha_type = !gnn.fixed<16, 8>, table_size = 8 : i64, table_min = -8 : i64, table_scale = 1 : i64} : !gnn.nodes<2, !gnn.fixed<16, 8>> -> !gnn.nodes<2, !gnn.fixed<16, 8>>
  func.return
}

// CHECK: {{^}}'gnn.activation': alpha_type only applies to leaky_relu and hardtanh

// -----

func.func @f(%x: !gnn.nodes<2, !gnn.fixed<16, 8>>) {
  %y = gnn.activation elu %x {alpha = 1.0 : f64} : !gnn.nodes<2, !gnn.fixed<16, 8>> -> !gnn.nodes<2, !gnn.fixed<16, 8>>
  func.return
}

// CHECK: {{^}}'gnn.activation': fixed-point elu needs table_size, table_min and table_scale

// -----

func.func @f(%x: !gnn.nodes<2, f32>) {
  %y = gnn.activation leaky_relu %x {alpha = 0.1 : f64, table_size = 8 : i64, table_min = -8 : i64, table_scale = 1 : i64} : !gnn.nodes<2, f32> -> !gnn.nodes<2, f32>
  func.return
}

// CHECK: {{^}}'gnn.activation': leaky_relu takes no lookup table

// -----

// --- gnn.scale -------------------------------------------------------------------

func.func @f(%x: !gnn.nodes<2, f32>) {
  %y = gnn.scale %x : !gnn.nodes<2, f32> -> !gnn.nodes<2, f32>
  func.return
}

// CHECK: {{^}}'gnn.scale': needs scale, shift or both

// -----

func.func @f(%x: !gnn.nodes<3, f32>) {
  %y = gnn.scale %x {scale = dense<[1.0, 2.0]> : tensor<2xf32>} : !gnn.nodes<3, f32> -> !gnn.nodes<3, f32>
  func.return
}

// CHECK: {{^}}'gnn.scale': scale shape [2] must be [3]

// -----

func.func @f(%x: !gnn.nodes<2, f32>) {
  %y = gnn.scale %x {shift = dense<[1.0, 2.0]> : tensor<2xf32>} : !gnn.nodes<2, f32> -> !gnn.edges<2, f32>
  func.return
}

// CHECK: {{^}}'gnn.scale': result must be !gnn.nodes like the input

// -----

func.func @f(%x: !gnn.nodes<2, !gnn.fixed<16, 8>>) {
  %y = gnn.scale %x {scale = dense<[1.0, 2.0]> : tensor<2xf32>, shift = dense<[1.0, 2.0]> : tensor<2xf32>, shift_type = !gnn.fixed<16, 8>} : !gnn.nodes<2, !gnn.fixed<16, 8>> -> !gnn.nodes<2, !gnn.fixed<16, 8>>
  func.return
}

// CHECK: {{^}}'gnn.scale': fixed-point scale needs scale_type

// -----

func.func @f(%x: !gnn.nodes<2, !gnn.fixed<16, 8>>) {
  %y = gnn.scale %x {shift = dense<[1.0, 2.0]> : tensor<2xf32>, shift_type = !gnn.fixed<16, 8>, scale_type = !gnn.fixed<16, 8>} : !gnn.nodes<2, !gnn.fixed<16, 8>> -> !gnn.nodes<2, !gnn.fixed<16, 8>>
  func.return
}

// CHECK: {{^}}'gnn.scale': scale_type without scale

// -----

// --- gnn.batch_norm --------------------------------------------------------------

func.func @f(%x: !gnn.nodes<2, !gnn.fixed<16, 8>>) {
  %y = gnn.batch_norm %x {mean = dense<[0.0, 0.0]> : tensor<2xf32>, variance = dense<[1.0, 1.0]> : tensor<2xf32>, eps = 1.0e-05 : f64} : !gnn.nodes<2, !gnn.fixed<16, 8>> -> !gnn.nodes<2, !gnn.fixed<16, 8>>
  func.return
}

// CHECK: {{^}}'gnn.batch_norm': batch_norm is a float op; run gnn-fold-batchnorm before gnn-fixed-point

// -----

func.func @f(%x: !gnn.nodes<2, f32>) {
  %y = gnn.batch_norm %x {mean = dense<[0.0, 0.0]> : tensor<2xf32>, variance = dense<[1.0, 1.0, 1.0]> : tensor<3xf32>, eps = 1.0e-05 : f64} : !gnn.nodes<2, f32> -> !gnn.nodes<2, f32>
  func.return
}

// CHECK: {{^}}'gnn.batch_norm': variance shape [3] must be [2]

// -----

func.func @f(%x: !gnn.nodes<2, f32>) {
  %y = gnn.batch_norm %x {mean = dense<[0.0, 0.0]> : tensor<2xf32>, variance = dense<[1.0, 1.0]> : tensor<2xf32>, eps = -1.0 : f64} : !gnn.nodes<2, f32> -> !gnn.nodes<2, f32>
  func.return
}

// CHECK: {{^}}'gnn.batch_norm': eps must be non-negative

// -----

func.func @f(%x: !gnn.nodes<2, f32>) {
  %y = gnn.batch_norm %x {mean = dense<[0.0, 0.0]> : tensor<2xf32>, variance = dense<[1.0, 1.0]> : tensor<2xf32>, eps = 1.0e-05 : f64} : !gnn.nodes<2, f32> -> !gnn.nodes<2, f64>
  func.return
}

// CHECK: {{^}}'gnn.batch_norm': result type !gnn.nodes<2, f64> must equal the input type !gnn.nodes<2, f32>

// -----

// --- gnn.degree_norm / gnn.loop_mask ---------------------------------------------

func.func @f(%ei: !gnn.edge_index) {
  %y = gnn.degree_norm dst %ei : !gnn.nodes<2, f32>
  func.return
}

// CHECK: {{^}}'gnn.degree_norm': result must have 1 features, got 2

// -----

func.func @f(%ei: !gnn.edge_index) {
  %y = gnn.degree_norm dst %ei {add_self_loops, drop_self_loops} : !gnn.nodes<1, f32>
  func.return
}

// CHECK: {{^}}'gnn.degree_norm': add_self_loops and drop_self_loops exclude each other

// -----

func.func @f(%ei: !gnn.edge_index) {
  %y = "gnn.degree_norm"(%ei) <{end = #gnn<edge_end dst>}> : (!gnn.edge_index) -> !gnn.edges<1, f32>
  func.return
}

// CHECK: {{^}}result 'result' at position 0 does not verify:
// CHECK-NEXT: !gnn.edges<1, f32> should be of base attribute gnn.nodes

// -----

func.func @f(%ei: !gnn.edge_index) {
  %y = gnn.loop_mask %ei : !gnn.edges<3, f32>
  func.return
}

// CHECK: {{^}}'gnn.loop_mask': result must have 1 features, got 3

// -----

// --- gnn.repeat ------------------------------------------------------------------

func.func @f(%x: !gnn.edges<2, f32>) {
  %y = gnn.repeat %x {times = 0 : i64} : !gnn.edges<2, f32> -> !gnn.edges<2, f32>
  func.return
}

// CHECK: {{^}}'gnn.repeat': times must be >= 1, got 0

// -----

func.func @f(%x: !gnn.edges<2, f32>) {
  %y = gnn.repeat %x {times = 3 : i64} : !gnn.edges<2, f32> -> !gnn.edges<4, f32>
  func.return
}

// CHECK: {{^}}'gnn.repeat': result must have 6 features, got 4

// -----

func.func @f(%x: !gnn.edges<2, !gnn.fixed<16, 8>>) {
  %y = gnn.repeat %x {times = 2 : i64} : !gnn.edges<2, !gnn.fixed<16, 8>> -> !gnn.edges<4, !gnn.fixed<16, 6>>
  func.return
}

// CHECK: {{^}}'gnn.repeat': result element type !gnn.fixed<16, 6> differs from input !gnn.fixed<16, 8> (a repeat copies values)

// -----

// --- gnn.edge_softmax ------------------------------------------------------------

func.func @f(%l: !gnn.edges<2, f32>, %ei: !gnn.edge_index) {
  %y = gnn.edge_softmax middle %l, %ei : !gnn.edges<2, f32> -> !gnn.edges<2, f32>
  func.return
}

// CHECK: expected src or dst, got 'middle'

// -----

func.func @f(%l: !gnn.edges<2, f32>, %ei: !gnn.edge_index) {
  %y = gnn.edge_softmax dst %l, %ei : !gnn.edges<2, f32> -> !gnn.edges<3, f32>
  func.return
}

// CHECK: {{^}}'gnn.edge_softmax': result must have 2 features, got 3

// -----

func.func @f(%l: !gnn.edges<2, f32>, %ei: !gnn.edge_index) {
  %y, %z = "gnn.edge_softmax"(%l, %ei) <{end = #gnn<edge_end dst>}> : (!gnn.edges<2, f32>, !gnn.edge_index) -> (!gnn.edges<2, f32>, !gnn.nodes<2, f32>)
  func.return
}

// CHECK: {{^}}'gnn.edge_softmax': a root operand and a root result go together

// -----

func.func @f(%l: !gnn.edges<2, f32>, %ei: !gnn.edge_index, %r: !gnn.nodes<1, f32>) {
  %y, %z = gnn.edge_softmax dst %l, %ei root %r : !gnn.edges<2, f32>, !gnn.nodes<1, f32> -> !gnn.edges<2, f32>, !gnn.nodes<2, f32>
  func.return
}

// CHECK: {{^}}'gnn.edge_softmax': root must have 2 features, got 1

// -----

func.func @f(%l: !gnn.edges<2, f32>, %ei: !gnn.edge_index, %r: !gnn.nodes<2, f64>) {
  %y, %z = gnn.edge_softmax dst %l, %ei root %r : !gnn.edges<2, f32>, !gnn.nodes<2, f64> -> !gnn.edges<2, f32>, !gnn.nodes<2, f32>
  func.return
}

// CHECK: {{^}}'gnn.edge_softmax': root and logits must have one element type

// -----

func.func @f(%l: !gnn.edges<2, !gnn.fixed<16, 8>>, %ei: !gnn.edge_index) {
  %y = gnn.edge_softmax dst %l, %ei {exp_type = !gnn.fixed<12, 1, unsigned>} : !gnn.edges<2, !gnn.fixed<16, 8>> -> !gnn.edges<2, !gnn.fixed<16, 8>>
  func.return
}

// CHECK: {{^}}'gnn.edge_softmax': fixed-point edge_softmax needs accum_type, recip_type, exp_table_size, exp_table_min, exp_table_scale, recip_table_size, recip_table_scale, newton_steps

// -----

func.func @f(%l: !gnn.edges<2, !gnn.fixed<16, 8>>, %ei: !gnn.edge_index) {
  %y = gnn.edge_softmax dst %l, %ei {exp_type = !gnn.fixed<12, 1, unsigned>, accum_type = !gnn.fixed<18, 7, unsigned>, recip_type = !gnn.fixed<12, 1, unsigned>, exp_table_size = 1024 : i64, exp_table_min = -8 : i64, exp_table_scale = 128 : i64, recip_table_size = 1024 : i64, recip_table_scale = 0 : i64, newton_steps = 2 : i64} : !gnn.edges<2, !gnn.fixed<16, 8>> -> !gnn.edges<2, !gnn.fixed<16, 8>>
  func.return
}

// CHECK: {{^}}'gnn.edge_softmax': table sizes and scales must be positive

// -----

func.func @f(%l: !gnn.edges<2, f32>, %ei: !gnn.edge_index) {
  %y = gnn.edge_softmax dst %l, %ei {newton_steps = 2 : i64} : !gnn.edges<2, f32> -> !gnn.edges<2, f32>
  func.return
}

// CHECK: {{^}}'gnn.edge_softmax': newton_steps only apply to fixed-point edge_softmax

// -----

// --- activations of the model zoo (issue 13) ---------------------------------------

func.func @f(%x: !gnn.nodes<2, f32>) {
  %y = gnn.activation softplus %x {alpha = 1.0 : f64} : !gnn.nodes<2, f32> -> !gnn.nodes<2, f32>
  func.return
}

// CHECK: {{^}}'gnn.activation': threshold goes with softplus and sqrt (only and always)

// -----

func.func @f(%x: !gnn.nodes<2, f32>) {
  %y = gnn.activation silu %x {threshold = 20.0 : f64} : !gnn.nodes<2, f32> -> !gnn.nodes<2, f32>
  func.return
}

// CHECK: {{^}}'gnn.activation': threshold goes with softplus and sqrt (only and always)

// -----

func.func @f(%x: !gnn.nodes<2, f32>) {
  %y = gnn.activation softplus %x {threshold = 20.0 : f64} : !gnn.nodes<2, f32> -> !gnn.nodes<2, f32>
  func.return
}

// CHECK: {{^}}'gnn.activation': softplus needs alpha

// -----

func.func @f(%x: !gnn.nodes<2, f32>) {
  %y = gnn.activation hardtanh %x {lower = -1.0 : f64} : !gnn.nodes<2, f32> -> !gnn.nodes<2, f32>
  func.return
}

// CHECK: {{^}}'gnn.activation': lower and upper go with hardtanh (only and always)

// -----

func.func @f(%x: !gnn.nodes<2, f32>) {
  %y = gnn.activation relu %x {lower = -1.0 : f64, upper = 1.0 : f64} : !gnn.nodes<2, f32> -> !gnn.nodes<2, f32>
  func.return
}

// CHECK: {{^}}'gnn.activation': lower and upper go with hardtanh (only and always)

// -----

func.func @f(%x: !gnn.nodes<2, f32>) {
  %y = gnn.activation hardtanh %x {lower = 2.0 : f64, upper = 1.0 : f64} : !gnn.nodes<2, f32> -> !gnn.nodes<2, f32>
  func.return
}

// CHECK: {{^}}'gnn.activation': hardtanh needs lower <= upper

// -----

func.func @f(%x: !gnn.nodes<2, !gnn.fixed<16, 8>>) {
  %y = gnn.activation hardtanh %x {lower = -1.0 : f64, upper = 1.0 : f64} : !gnn.nodes<2, !gnn.fixed<16, 8>> -> !gnn.nodes<2, !gnn.fixed<16, 8>>
  func.return
}

// CHECK: {{^}}'gnn.activation': fixed-point hardtanh needs alpha_type

// -----

func.func @f(%x: !gnn.nodes<2, !gnn.fixed<16, 8>>) {
  %y = gnn.activation silu %x : !gnn.nodes<2, !gnn.fixed<16, 8>> -> !gnn.nodes<2, !gnn.fixed<16, 8>>
  func.return
}

// CHECK: {{^}}'gnn.activation': fixed-point silu needs table_size, table_min and table_scale

// -----

func.func @f(%x: !gnn.nodes<2, !gnn.fixed<16, 8>>) {
  %y = gnn.activation gelu %x {table_size = 100 : i64, table_min = -4 : i64, table_scale = 32 : i64} : !gnn.nodes<2, !gnn.fixed<16, 8>> -> !gnn.nodes<2, !gnn.fixed<16, 8>>
  func.return
}

// CHECK: {{^}}'gnn.activation': gelu continues as x outside its table, so the table end table_min + table_size / table_scale must be an integer

// -----

func.func @f(%x: !gnn.nodes<2, !gnn.fixed<16, 8>>) {
  %y = gnn.activation hardtanh %x {lower = -1.0 : f64, upper = 1.0 : f64, alpha_type = !gnn.fixed<8, 4>, table_size = 8 : i64, table_min = -2 : i64, table_scale = 2 : i64} : !gnn.nodes<2, !gnn.fixed<16, 8>> -> !gnn.nodes<2, !gnn.fixed<16, 8>>
  func.return
}

// CHECK: {{^}}'gnn.activation': hardtanh takes no lookup table

// -----

// --- gnn.layer_norm --------------------------------------------------------------

func.func @f(%x: !gnn.nodes<2, f32>) {
  %y = gnn.layer_norm %x {eps = 1.0e-05 : f64} : !gnn.nodes<2, f32> -> !gnn.edges<2, f32>
  func.return
}

// CHECK: {{^}}'gnn.layer_norm': result must be !gnn.nodes like the input

// -----

func.func @f(%x: !gnn.nodes<2, f32>) {
  %y = gnn.layer_norm %x {eps = 1.0e-05 : f64, weight = dense<[1.0, 2.0, 3.0]> : tensor<3xf32>} : !gnn.nodes<2, f32> -> !gnn.nodes<2, f32>
  func.return
}

// CHECK: {{^}}'gnn.layer_norm': weight shape [3] must be [2]

// -----

func.func @f(%x: !gnn.nodes<2, f32>) {
  %y = gnn.layer_norm %x {eps = -1.0 : f64} : !gnn.nodes<2, f32> -> !gnn.nodes<2, f32>
  func.return
}

// CHECK: {{^}}'gnn.layer_norm': eps must be non-negative

// -----

func.func @f(%x: !gnn.nodes<2, !gnn.fixed<16, 6>>) {
  %y = gnn.layer_norm %x {eps = 1.0e-05 : f64, bias = dense<[1.0, 2.0]> : tensor<2xf32>, weight_type = !gnn.fixed<16, 6>, rsqrt_type = !gnn.fixed<19, 1, unsigned, rnd>, table_size = 3072 : i64} : !gnn.nodes<2, !gnn.fixed<16, 6>> -> !gnn.nodes<2, !gnn.fixed<16, 6>>
  func.return
}

// CHECK: {{^}}'gnn.layer_norm': fixed-point layer_norm needs bias_type

// -----

func.func @f(%x: !gnn.nodes<2, !gnn.fixed<16, 6>>) {
  %y = gnn.layer_norm %x {eps = 1.0e-05 : f64, weight_type = !gnn.fixed<16, 6>, rsqrt_type = !gnn.fixed<19, 1, unsigned, rnd>, table_size = 1000 : i64} : !gnn.nodes<2, !gnn.fixed<16, 6>> -> !gnn.nodes<2, !gnn.fixed<16, 6>>
  func.return
}

// CHECK: {{^}}'gnn.layer_norm': table_size must be a positive multiple of 3 (the table covers [1, 4) with an integer scale), got 1000

// -----

func.func @f(%x: !gnn.nodes<2, f32>) {
  %y = gnn.layer_norm %x {eps = 1.0e-05 : f64, table_size = 3072 : i64} : !gnn.nodes<2, f32> -> !gnn.nodes<2, f32>
  func.return
}

// CHECK: {{^}}'gnn.layer_norm': table_size only apply to fixed-point layer_norm

// -----

func.func @f(%x: !gnn.nodes<2, f32>, %y: !gnn.nodes<2, !gnn.fixed<16, 6>>) {
  %z = gnn.layer_norm %x {eps = 1.0e-05 : f64} : !gnn.nodes<2, f32> -> !gnn.nodes<2, !gnn.fixed<16, 6>>
  func.return
}

// CHECK: {{^}}'gnn.layer_norm': mixes float and fixed-point element types

// -----

// --- gnn.take --------------------------------------------------------------------

func.func @f(%x: !gnn.nodes<3, f32>) {
  %y = gnn.take %x {indices = array<i64: 0, 3>} : !gnn.nodes<3, f32> -> !gnn.nodes<2, f32>
  func.return
}

// CHECK: {{^}}'gnn.take': indices [3] outside [0, 3) (or -1 for a zero)

// -----

func.func @f(%x: !gnn.nodes<3, f32>) {
  %y = gnn.take %x {indices = array<i64: 0, 1>} : !gnn.nodes<3, f32> -> !gnn.nodes<3, f32>
  func.return
}

// CHECK: {{^}}'gnn.take': result must have 2 features, got 3

// -----

func.func @f(%x: !gnn.nodes<3, f32>) {
  %y = gnn.take %x {indices = array<i64: 0, 1>} : !gnn.nodes<3, f32> -> !gnn.edges<2, f32>
  func.return
}

// CHECK: {{^}}'gnn.take': result must be !gnn.nodes like the input

// -----

func.func @f(%x: !gnn.nodes<3, !gnn.fixed<16, 6>>) {
  %y = gnn.take %x {indices = array<i64: 0, 1>} : !gnn.nodes<3, !gnn.fixed<16, 6>> -> !gnn.nodes<2, !gnn.fixed<12, 6>>
  func.return
}

// CHECK: {{^}}'gnn.take': result element type !gnn.fixed<12, 6> differs from input !gnn.fixed<16, 6> (a take copies values)

// -----

// --- gnn.count_fn ------------------------------------------------------------------

func.func @f(%d: !gnn.nodes<1, f32>) {
  %y = gnn.count_fn %d {steps = "add 1, exp"} : !gnn.nodes<1, f32> -> !gnn.nodes<1, f32>
  func.return
}

// CHECK: {{^}}'gnn.count_fn': step 'exp' is not one of add, mul, div, rdiv, max, min, pow, log

// -----

func.func @f(%d: !gnn.nodes<1, f32>) {
  %y = gnn.count_fn %d {steps = "log 2"} : !gnn.nodes<1, f32> -> !gnn.nodes<1, f32>
  func.return
}

// CHECK: {{^}}'gnn.count_fn': step 'log 2': log takes no constant

// -----

func.func @f(%d: !gnn.nodes<1, f32>) {
  %y = gnn.count_fn %d {steps = "add one"} : !gnn.nodes<1, f32> -> !gnn.nodes<1, f32>
  func.return
}

// CHECK: {{^}}'gnn.count_fn': step 'add one': 'one' is not a number

// -----

func.func @f(%d: !gnn.nodes<1, !gnn.fixed<16, 6>>) {
  %y = gnn.count_fn %d {steps = "log"} : !gnn.nodes<1, !gnn.fixed<16, 6>> -> !gnn.nodes<1, !gnn.fixed<16, 6>>
  func.return
}

// CHECK: {{^}}'gnn.count_fn': fixed-point count_fn needs table_size

// -----

func.func @f(%d: !gnn.nodes<1, f32>) {
  %y = gnn.count_fn %d {steps = "log", table_size = 4 : i64} : !gnn.nodes<1, f32> -> !gnn.nodes<1, f32>
  func.return
}

// CHECK: {{^}}'gnn.count_fn': table_size only applies to fixed-point count_fn

// -----

func.func @f(%d: !gnn.nodes<1, f32>) {
  %y = gnn.count_fn %d {steps = "log"} : !gnn.nodes<1, f32> -> !gnn.nodes<2, f32>
  func.return
}

// CHECK: {{^}}'gnn.count_fn': result must have 1 features, got 2

// -----

// --- gnn.activation sqrt -------------------------------------------------------------

func.func @f(%x: !gnn.nodes<1, f32>) {
  %y = gnn.activation sqrt %x : !gnn.nodes<1, f32> -> !gnn.nodes<1, f32>
  func.return
}

// CHECK: {{^}}'gnn.activation': threshold goes with softplus and sqrt (only and always)

// -----

func.func @f(%x: !gnn.nodes<1, f32>) {
  %y = gnn.activation sqrt %x {threshold = -1.0 : f64} : !gnn.nodes<1, f32> -> !gnn.nodes<1, f32>
  func.return
}

// CHECK: {{^}}'gnn.activation': sqrt needs a threshold >= 0 (below it the result is 0)
