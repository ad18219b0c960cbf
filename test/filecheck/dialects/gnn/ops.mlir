// RUN: gnnc-opt %s | gnnc-opt | filecheck %s
// RUN: GNNC_ROUNDTRIP
// RUN: gnnc-opt %s --print-op-generic | filecheck %s --check-prefix=GENERIC

// Every gnn type and op prints back as it was written (custom form, and custom ->
// generic -> custom). Inputs that are not in canonical form are checked against
// the canonical print.

// --- Types ---------------------------------------------------------------------

func.func @types(
    %ei: !gnn.edge_index,
    %f32: !gnn.nodes<3, f32>,
    %f16: !gnn.edges<1, f16>,
    %f64: !gnn.nodes<2, f64>,
    %bf16: !gnn.edges<2, bf16>,
    %plain: !gnn.nodes<1, !gnn.fixed<16, 6>>,
    %defaults: !gnn.nodes<1, !gnn.fixed<16, 6, signed, trn, wrap>>,
    %unsigned: !gnn.nodes<1, !gnn.fixed<8, 2, unsigned>>,
    %neg_int: !gnn.nodes<1, !gnn.fixed<8, -2>>,
    %wide_int: !gnn.nodes<1, !gnn.fixed<4, 10>>,
    %one_bit: !gnn.nodes<1, !gnn.fixed<1, 1, unsigned>>,
    %max_width: !gnn.nodes<1, !gnn.fixed<1024, 512>>,
    %q_rnd: !gnn.edges<1, !gnn.fixed<16, 6, rnd>>,
    %q_trn_zero: !gnn.edges<1, !gnn.fixed<16, 6, trn_zero>>,
    %q_rnd_zero: !gnn.edges<1, !gnn.fixed<16, 6, rnd_zero>>,
    %q_rnd_inf: !gnn.edges<1, !gnn.fixed<16, 6, rnd_inf>>,
    %q_rnd_min_inf: !gnn.edges<1, !gnn.fixed<16, 6, rnd_min_inf>>,
    %q_rnd_conv: !gnn.edges<1, !gnn.fixed<16, 6, rnd_conv>>,
    %o_sat: !gnn.edges<1, !gnn.fixed<16, 6, sat>>,
    %o_sat_zero: !gnn.edges<1, !gnn.fixed<16, 6, sat_zero>>,
    %o_sat_sym: !gnn.edges<1, !gnn.fixed<16, 6, sat_sym>>,
    %all: !gnn.edges<1, !gnn.fixed<12, 4, unsigned, rnd_conv, sat>>,
    %any_order: !gnn.edges<1, !gnn.fixed<12, 4, sat, rnd, unsigned>>,
    %in_tensor: tensor<2x3x!gnn.fixed<8, 3, rnd, sat>>) {
  func.return
}

// CHECK:      func.func @types(
// CHECK-SAME:   %ei: !gnn.edge_index,
// CHECK-SAME:   %f32: !gnn.nodes<3, f32>,
// CHECK-SAME:   %f16: !gnn.edges<1, f16>,
// CHECK-SAME:   %f64: !gnn.nodes<2, f64>,
// CHECK-SAME:   %bf16: !gnn.edges<2, bf16>,
// CHECK-SAME:   %plain: !gnn.nodes<1, !gnn.fixed<16, 6>>,
// CHECK-SAME:   %defaults: !gnn.nodes<1, !gnn.fixed<16, 6>>,
// CHECK-SAME:   %unsigned: !gnn.nodes<1, !gnn.fixed<8, 2, unsigned>>,
// CHECK-SAME:   %neg_int: !gnn.nodes<1, !gnn.fixed<8, -2>>,
// CHECK-SAME:   %wide_int: !gnn.nodes<1, !gnn.fixed<4, 10>>,
// CHECK-SAME:   %one_bit: !gnn.nodes<1, !gnn.fixed<1, 1, unsigned>>,
// CHECK-SAME:   %max_width: !gnn.nodes<1, !gnn.fixed<1024, 512>>,
// CHECK-SAME:   %q_rnd: !gnn.edges<1, !gnn.fixed<16, 6, rnd>>,
// CHECK-SAME:   %q_trn_zero: !gnn.edges<1, !gnn.fixed<16, 6, trn_zero>>,
// CHECK-SAME:   %q_rnd_zero: !gnn.edges<1, !gnn.fixed<16, 6, rnd_zero>>,
// CHECK-SAME:   %q_rnd_inf: !gnn.edges<1, !gnn.fixed<16, 6, rnd_inf>>,
// CHECK-SAME:   %q_rnd_min_inf: !gnn.edges<1, !gnn.fixed<16, 6, rnd_min_inf>>,
// CHECK-SAME:   %q_rnd_conv: !gnn.edges<1, !gnn.fixed<16, 6, rnd_conv>>,
// CHECK-SAME:   %o_sat: !gnn.edges<1, !gnn.fixed<16, 6, sat>>,
// CHECK-SAME:   %o_sat_zero: !gnn.edges<1, !gnn.fixed<16, 6, sat_zero>>,
// CHECK-SAME:   %o_sat_sym: !gnn.edges<1, !gnn.fixed<16, 6, sat_sym>>,
// CHECK-SAME:   %all: !gnn.edges<1, !gnn.fixed<12, 4, unsigned, rnd_conv, sat>>,
// CHECK-SAME:   %any_order: !gnn.edges<1, !gnn.fixed<12, 4, unsigned, rnd, sat>>,
// CHECK-SAME:   %in_tensor: tensor<2x3x!gnn.fixed<8, 3, rnd, sat>>) {
// CHECK-NEXT:   func.return
// CHECK-NEXT: }

// --- Float ops: both edge ends, every reduce, every activation -------------------

func.func @float_ops(%x: !gnn.nodes<3, f32>, %ei: !gnn.edge_index, %ea: !gnn.edges<2, f32>) -> (!gnn.nodes<2, f32>, !gnn.edges<2, f32>) {
  %xs = gnn.gather src %x, %ei : !gnn.nodes<3, f32> -> !gnn.edges<3, f32>
  %xd = gnn.gather dst %x, %ei : !gnn.nodes<3, f32> -> !gnn.edges<3, f32>
  %m = gnn.concat %xs, %xd, %ea : !gnn.edges<3, f32>, !gnn.edges<3, f32>, !gnn.edges<2, f32> -> !gnn.edges<8, f32>
  %h = gnn.dense %m {weight = dense<[[1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.5], [0.0, -1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.25]]> : tensor<2x8xf32>, bias = dense<[0.5, -0.5]> : tensor<2xf32>} : !gnn.edges<8, f32> -> !gnn.edges<2, f32>
  %r = gnn.activation relu %h : !gnn.edges<2, f32> -> !gnn.edges<2, f32>
  %s = gnn.activation sigmoid %r : !gnn.edges<2, f32> -> !gnn.edges<2, f32>
  %t = gnn.activation tanh %s : !gnn.edges<2, f32> -> !gnn.edges<2, f32>
  %sum = gnn.scatter sum dst %t, %ei : !gnn.edges<2, f32> -> !gnn.nodes<2, f32>
  %mean = gnn.scatter mean src %t, %ei : !gnn.edges<2, f32> -> !gnn.nodes<2, f32>
  %max = gnn.scatter max dst %t, %ei : !gnn.edges<2, f32> -> !gnn.nodes<2, f32>
  %min = gnn.scatter min src %t, %ei : !gnn.edges<2, f32> -> !gnn.nodes<2, f32>
  %a = gnn.add %sum, %mean : !gnn.nodes<2, f32>, !gnn.nodes<2, f32> -> !gnn.nodes<2, f32>
  %b = gnn.mul %max, %min : !gnn.nodes<2, f32>, !gnn.nodes<2, f32> -> !gnn.nodes<2, f32>
  %c = gnn.concat %a, %b {gnn.path = "node_mlp"} : !gnn.nodes<2, f32>, !gnn.nodes<2, f32> -> !gnn.nodes<4, f32>
  %y = gnn.dense %c {gnn.path = "node_mlp.lin", weight = dense<[[1.0, 2.0, 3.0, 4.0], [-1.0, -2.0, -3.0, -4.0]]> : tensor<2x4xf32>} : !gnn.nodes<4, f32> -> !gnn.nodes<2, f32>
  func.return %y, %t : !gnn.nodes<2, f32>, !gnn.edges<2, f32>
}

// CHECK:      func.func @float_ops(%x: !gnn.nodes<3, f32>, %ei: !gnn.edge_index, %ea: !gnn.edges<2, f32>) -> (!gnn.nodes<2, f32>, !gnn.edges<2, f32>) {
// CHECK-NEXT:   %xs = gnn.gather src %x, %ei : !gnn.nodes<3, f32> -> !gnn.edges<3, f32>
// CHECK-NEXT:   %xd = gnn.gather dst %x, %ei : !gnn.nodes<3, f32> -> !gnn.edges<3, f32>
// CHECK-NEXT:   %m = gnn.concat %xs, %xd, %ea : !gnn.edges<3, f32>, !gnn.edges<3, f32>, !gnn.edges<2, f32> -> !gnn.edges<8, f32>
// CHECK-NEXT:   %h = gnn.dense %m {weight = dense<[[1.000000e+00, 0.000000e+00, 0.000000e+00, 0.000000e+00, 0.000000e+00, 0.000000e+00, 0.000000e+00, 5.000000e-01], [0.000000e+00, -1.000000e+00, 0.000000e+00, 0.000000e+00, 0.000000e+00, 0.000000e+00, 0.000000e+00, 2.500000e-01]]> : tensor<2x8xf32>, bias = dense<[5.000000e-01, -5.000000e-01]> : tensor<2xf32>} : !gnn.edges<8, f32> -> !gnn.edges<2, f32>
// CHECK-NEXT:   %r = gnn.activation relu %h : !gnn.edges<2, f32> -> !gnn.edges<2, f32>
// CHECK-NEXT:   %s = gnn.activation sigmoid %r : !gnn.edges<2, f32> -> !gnn.edges<2, f32>
// CHECK-NEXT:   %t = gnn.activation tanh %s : !gnn.edges<2, f32> -> !gnn.edges<2, f32>
// CHECK-NEXT:   %sum = gnn.scatter sum dst %t, %ei : !gnn.edges<2, f32> -> !gnn.nodes<2, f32>
// CHECK-NEXT:   %mean = gnn.scatter mean src %t, %ei : !gnn.edges<2, f32> -> !gnn.nodes<2, f32>
// CHECK-NEXT:   %max = gnn.scatter max dst %t, %ei : !gnn.edges<2, f32> -> !gnn.nodes<2, f32>
// CHECK-NEXT:   %min = gnn.scatter min src %t, %ei : !gnn.edges<2, f32> -> !gnn.nodes<2, f32>
// CHECK-NEXT:   %a = gnn.add %sum, %mean : !gnn.nodes<2, f32>, !gnn.nodes<2, f32> -> !gnn.nodes<2, f32>
// CHECK-NEXT:   %b = gnn.mul %max, %min : !gnn.nodes<2, f32>, !gnn.nodes<2, f32> -> !gnn.nodes<2, f32>
// CHECK-NEXT:   %c = gnn.concat %a, %b {gnn.path = "node_mlp"} : !gnn.nodes<2, f32>, !gnn.nodes<2, f32> -> !gnn.nodes<4, f32>
// CHECK-NEXT:   %y = gnn.dense %c {gnn.path = "node_mlp.lin", weight = dense<[[1.000000e+00, 2.000000e+00, 3.000000e+00, 4.000000e+00], [-1.000000e+00, -2.000000e+00, -3.000000e+00, -4.000000e+00]]> : tensor<2x4xf32>} : !gnn.nodes<4, f32> -> !gnn.nodes<2, f32>
// CHECK-NEXT:   func.return %y, %t : !gnn.nodes<2, f32>, !gnn.edges<2, f32>
// CHECK-NEXT: }

// --- Fixed-point ops with their typed properties ---------------------------------

func.func @fixed_ops(%x: !gnn.nodes<3, !gnn.fixed<16, 8>>, %ei: !gnn.edge_index) -> (!gnn.nodes<2, !gnn.fixed<16, 6>>, !gnn.nodes<2, !gnn.fixed<16, 6>>) {
  %xj = gnn.gather src %x, %ei : !gnn.nodes<3, !gnn.fixed<16, 8>> -> !gnn.edges<3, !gnn.fixed<16, 8>>
  %h = gnn.dense %xj {weight = dense<[[0.5, -0.25, 1.0], [0.125, 0.0, -1.0]]> : tensor<2x3xf32>, bias = dense<[0.5, -0.5]> : tensor<2xf32>, weight_type = !gnn.fixed<8, 3>, bias_type = !gnn.fixed<8, 3, rnd>, accum_type = !gnn.fixed<27, 13>} : !gnn.edges<3, !gnn.fixed<16, 8>> -> !gnn.edges<2, !gnn.fixed<16, 6, rnd_conv, sat>>
  %nb = gnn.dense %h {weight = dense<[[1.0, -1.0], [0.5, 0.5]]> : tensor<2x2xf32>, weight_type = !gnn.fixed<4, 2>, accum_type = !gnn.fixed<21, 9>} : !gnn.edges<2, !gnn.fixed<16, 6, rnd_conv, sat>> -> !gnn.edges<2, !gnn.fixed<16, 6>>
  %r = gnn.activation relu %nb : !gnn.edges<2, !gnn.fixed<16, 6>> -> !gnn.edges<2, !gnn.fixed<16, 6, unsigned>>
  %s = gnn.activation sigmoid %nb {table_size = 1024 : i64, table_min = -8 : i64, table_scale = 64 : i64} : !gnn.edges<2, !gnn.fixed<16, 6>> -> !gnn.edges<2, !gnn.fixed<16, 6>>
  %t = gnn.activation tanh %s {table_size = 512 : i64, table_min = -4 : i64, table_scale = 64 : i64} : !gnn.edges<2, !gnn.fixed<16, 6>> -> !gnn.edges<2, !gnn.fixed<16, 6>>
  %sum = gnn.scatter sum dst %t, %ei {accum_type = !gnn.fixed<22, 12>} : !gnn.edges<2, !gnn.fixed<16, 6>> -> !gnn.nodes<2, !gnn.fixed<16, 6>>
  %mean = gnn.scatter mean src %t, %ei {accum_type = !gnn.fixed<22, 12>, recip_type = !gnn.fixed<13, 1, unsigned, rnd>} : !gnn.edges<2, !gnn.fixed<16, 6>> -> !gnn.nodes<2, !gnn.fixed<16, 6>>
  %max = gnn.scatter max dst %t, %ei : !gnn.edges<2, !gnn.fixed<16, 6>> -> !gnn.nodes<2, !gnn.fixed<16, 6>>
  %min = gnn.scatter min src %t, %ei : !gnn.edges<2, !gnn.fixed<16, 6>> -> !gnn.nodes<2, !gnn.fixed<16, 6>>
  %a = gnn.add %sum, %mean : !gnn.nodes<2, !gnn.fixed<16, 6>>, !gnn.nodes<2, !gnn.fixed<16, 6>> -> !gnn.nodes<2, !gnn.fixed<16, 6>>
  %b = gnn.mul %max, %min : !gnn.nodes<2, !gnn.fixed<16, 6>>, !gnn.nodes<2, !gnn.fixed<16, 6>> -> !gnn.nodes<2, !gnn.fixed<16, 6>>
  %rs = gnn.scatter sum dst %r, %ei {accum_type = !gnn.fixed<20, 10, unsigned>} : !gnn.edges<2, !gnn.fixed<16, 6, unsigned>> -> !gnn.nodes<2, !gnn.fixed<16, 6>>
  %c = gnn.concat %a, %rs : !gnn.nodes<2, !gnn.fixed<16, 6>>, !gnn.nodes<2, !gnn.fixed<16, 6>> -> !gnn.nodes<4, !gnn.fixed<16, 6>>
  %y = gnn.dense %c {weight = dense<[[1.0, 2.0, 3.0, 4.0], [-1.0, -2.0, -3.0, -4.0]]> : tensor<2x4xf32>, weight_type = !gnn.fixed<8, 4>, accum_type = !gnn.fixed<26, 12>} : !gnn.nodes<4, !gnn.fixed<16, 6>> -> !gnn.nodes<2, !gnn.fixed<16, 6>>
  func.return %y, %b : !gnn.nodes<2, !gnn.fixed<16, 6>>, !gnn.nodes<2, !gnn.fixed<16, 6>>
}

// GENERIC: "gnn.dense"(%xj) <{weight = dense<{{.*}}> : tensor<2x3xf32>, bias = dense<{{.*}}> : tensor<2xf32>, weight_type = !gnn.fixed<8, 3>, bias_type = !gnn.fixed<8, 3, rnd>, accum_type = !gnn.fixed<27, 13>}> : (!gnn.edges<3, !gnn.fixed<16, 8>>) -> !gnn.edges<2, !gnn.fixed<16, 6, rnd_conv, sat>>
// GENERIC: "gnn.activation"(%nb) <{fn = #gnn<activation_fn sigmoid>, table_size = 1024 : i64, table_min = -8 : i64, table_scale = 64 : i64}> : (!gnn.edges<2, !gnn.fixed<16, 6>>) -> !gnn.edges<2, !gnn.fixed<16, 6>>
// GENERIC: "gnn.scatter"(%t, %ei) <{reduce = #gnn<reduce mean>, end = #gnn<edge_end src>, accum_type = !gnn.fixed<22, 12>, recip_type = !gnn.fixed<13, 1, unsigned, rnd>}> : (!gnn.edges<2, !gnn.fixed<16, 6>>, !gnn.edge_index) -> !gnn.nodes<2, !gnn.fixed<16, 6>>

// CHECK:      func.func @fixed_ops(%x: !gnn.nodes<3, !gnn.fixed<16, 8>>, %ei: !gnn.edge_index) -> (!gnn.nodes<2, !gnn.fixed<16, 6>>, !gnn.nodes<2, !gnn.fixed<16, 6>>) {
// CHECK-NEXT:   %xj = gnn.gather src %x, %ei : !gnn.nodes<3, !gnn.fixed<16, 8>> -> !gnn.edges<3, !gnn.fixed<16, 8>>
// CHECK-NEXT:   %h = gnn.dense %xj {weight = dense<[[5.000000e-01, -2.500000e-01, 1.000000e+00], [1.250000e-01, 0.000000e+00, -1.000000e+00]]> : tensor<2x3xf32>, bias = dense<[5.000000e-01, -5.000000e-01]> : tensor<2xf32>, weight_type = !gnn.fixed<8, 3>, bias_type = !gnn.fixed<8, 3, rnd>, accum_type = !gnn.fixed<27, 13>} : !gnn.edges<3, !gnn.fixed<16, 8>> -> !gnn.edges<2, !gnn.fixed<16, 6, rnd_conv, sat>>
// CHECK-NEXT:   %nb = gnn.dense %h {weight = dense<[[1.000000e+00, -1.000000e+00], [5.000000e-01, 5.000000e-01]]> : tensor<2x2xf32>, weight_type = !gnn.fixed<4, 2>, accum_type = !gnn.fixed<21, 9>} : !gnn.edges<2, !gnn.fixed<16, 6, rnd_conv, sat>> -> !gnn.edges<2, !gnn.fixed<16, 6>>
// CHECK-NEXT:   %r = gnn.activation relu %nb : !gnn.edges<2, !gnn.fixed<16, 6>> -> !gnn.edges<2, !gnn.fixed<16, 6, unsigned>>
// CHECK-NEXT:   %s = gnn.activation sigmoid %nb {table_size = 1024 : i64, table_min = -8 : i64, table_scale = 64 : i64} : !gnn.edges<2, !gnn.fixed<16, 6>> -> !gnn.edges<2, !gnn.fixed<16, 6>>
// CHECK-NEXT:   %t = gnn.activation tanh %s {table_size = 512 : i64, table_min = -4 : i64, table_scale = 64 : i64} : !gnn.edges<2, !gnn.fixed<16, 6>> -> !gnn.edges<2, !gnn.fixed<16, 6>>
// CHECK-NEXT:   %sum = gnn.scatter sum dst %t, %ei {accum_type = !gnn.fixed<22, 12>} : !gnn.edges<2, !gnn.fixed<16, 6>> -> !gnn.nodes<2, !gnn.fixed<16, 6>>
// CHECK-NEXT:   %mean = gnn.scatter mean src %t, %ei {accum_type = !gnn.fixed<22, 12>, recip_type = !gnn.fixed<13, 1, unsigned, rnd>} : !gnn.edges<2, !gnn.fixed<16, 6>> -> !gnn.nodes<2, !gnn.fixed<16, 6>>
// CHECK-NEXT:   %max = gnn.scatter max dst %t, %ei : !gnn.edges<2, !gnn.fixed<16, 6>> -> !gnn.nodes<2, !gnn.fixed<16, 6>>
// CHECK-NEXT:   %min = gnn.scatter min src %t, %ei : !gnn.edges<2, !gnn.fixed<16, 6>> -> !gnn.nodes<2, !gnn.fixed<16, 6>>
// CHECK-NEXT:   %a = gnn.add %sum, %mean : !gnn.nodes<2, !gnn.fixed<16, 6>>, !gnn.nodes<2, !gnn.fixed<16, 6>> -> !gnn.nodes<2, !gnn.fixed<16, 6>>
// CHECK-NEXT:   %b = gnn.mul %max, %min : !gnn.nodes<2, !gnn.fixed<16, 6>>, !gnn.nodes<2, !gnn.fixed<16, 6>> -> !gnn.nodes<2, !gnn.fixed<16, 6>>
// CHECK-NEXT:   %rs = gnn.scatter sum dst %r, %ei {accum_type = !gnn.fixed<20, 10, unsigned>} : !gnn.edges<2, !gnn.fixed<16, 6, unsigned>> -> !gnn.nodes<2, !gnn.fixed<16, 6>>
// CHECK-NEXT:   %c = gnn.concat %a, %rs : !gnn.nodes<2, !gnn.fixed<16, 6>>, !gnn.nodes<2, !gnn.fixed<16, 6>> -> !gnn.nodes<4, !gnn.fixed<16, 6>>
// CHECK-NEXT:   %y = gnn.dense %c {weight = dense<[[1.000000e+00, 2.000000e+00, 3.000000e+00, 4.000000e+00], [-1.000000e+00, -2.000000e+00, -3.000000e+00, -4.000000e+00]]> : tensor<2x4xf32>, weight_type = !gnn.fixed<8, 4>, accum_type = !gnn.fixed<26, 12>} : !gnn.nodes<4, !gnn.fixed<16, 6>> -> !gnn.nodes<2, !gnn.fixed<16, 6>>
// CHECK-NEXT:   func.return %y, %b : !gnn.nodes<2, !gnn.fixed<16, 6>>, !gnn.nodes<2, !gnn.fixed<16, 6>>
// CHECK-NEXT: }

// --- Generic form of the enum properties -----------------------------------------

func.func @generic(%x: !gnn.nodes<2, f32>, %ei: !gnn.edge_index) -> !gnn.nodes<2, f32> {
  %e = "gnn.gather"(%x, %ei) <{end = #gnn<edge_end dst>}> : (!gnn.nodes<2, f32>, !gnn.edge_index) -> !gnn.edges<2, f32>
  %r = "gnn.activation"(%e) <{fn = #gnn<activation_fn relu>}> : (!gnn.edges<2, f32>) -> !gnn.edges<2, f32>
  %n = "gnn.scatter"(%r, %ei) <{reduce = #gnn<reduce mean>, end = #gnn<edge_end src>}> : (!gnn.edges<2, f32>, !gnn.edge_index) -> !gnn.nodes<2, f32>
  func.return %n : !gnn.nodes<2, f32>
}

// GENERIC:      ^bb0(%x: !gnn.nodes<2, f32>, %ei: !gnn.edge_index):
// GENERIC-NEXT:   %e = "gnn.gather"(%x, %ei) <{end = #gnn<edge_end dst>}> : (!gnn.nodes<2, f32>, !gnn.edge_index) -> !gnn.edges<2, f32>
// GENERIC-NEXT:   %r = "gnn.activation"(%e) <{fn = #gnn<activation_fn relu>}> : (!gnn.edges<2, f32>) -> !gnn.edges<2, f32>
// GENERIC-NEXT:   %n = "gnn.scatter"(%r, %ei) <{reduce = #gnn<reduce mean>, end = #gnn<edge_end src>}> : (!gnn.edges<2, f32>, !gnn.edge_index) -> !gnn.nodes<2, f32>
// GENERIC-NEXT:   "func.return"(%n) : (!gnn.nodes<2, f32>) -> ()

// CHECK:      func.func @generic(%x: !gnn.nodes<2, f32>, %ei: !gnn.edge_index) -> !gnn.nodes<2, f32> {
// CHECK-NEXT:   %e = gnn.gather dst %x, %ei : !gnn.nodes<2, f32> -> !gnn.edges<2, f32>
// CHECK-NEXT:   %r = gnn.activation relu %e : !gnn.edges<2, f32> -> !gnn.edges<2, f32>
// CHECK-NEXT:   %n = gnn.scatter mean src %r, %ei : !gnn.edges<2, f32> -> !gnn.nodes<2, f32>
// CHECK-NEXT:   func.return %n : !gnn.nodes<2, f32>
// CHECK-NEXT: }

// --- Ops added for the frontend's breadth (issue 3) -------------------------------

func.func @breadth_float(%x: !gnn.nodes<3, f32>, %ei: !gnn.edge_index, %w: !gnn.nodes<1, f32>) -> (!gnn.nodes<3, f32>, !gnn.edges<2, f32>, !gnn.nodes<2, f32>) {
  %d = gnn.sub %x, %x : !gnn.nodes<3, f32>, !gnn.nodes<3, f32> -> !gnn.nodes<3, f32>
  %b = gnn.mul %w, %d : !gnn.nodes<1, f32>, !gnn.nodes<3, f32> -> !gnn.nodes<3, f32>
  %c = gnn.add %b, %w : !gnn.nodes<3, f32>, !gnn.nodes<1, f32> -> !gnn.nodes<3, f32>
  %s = gnn.scale %c {scale = dense<[1.0, 2.0, -0.5]> : tensor<3xf32>, shift = dense<[0.0, 1.0, 0.25]> : tensor<3xf32>} : !gnn.nodes<3, f32> -> !gnn.nodes<3, f32>
  %t = gnn.scale %s {shift = dense<[1.0, 1.0, 1.0]> : tensor<3xf32>} : !gnn.nodes<3, f32> -> !gnn.nodes<3, f32>
  %n = gnn.batch_norm %t {mean = dense<[0.0, 1.0, 2.0]> : tensor<3xf32>, variance = dense<[1.0, 2.0, 4.0]> : tensor<3xf32>, weight = dense<[1.0, 1.0, 2.0]> : tensor<3xf32>, eps = 1.000000e-05 : f64} : !gnn.nodes<3, f32> -> !gnn.nodes<3, f32>
  %l = gnn.activation leaky_relu %n {alpha = 1.000000e-01 : f64} : !gnn.nodes<3, f32> -> !gnn.nodes<3, f32>
  %u = gnn.activation elu %l {alpha = 1.000000e+00 : f64} : !gnn.nodes<3, f32> -> !gnn.nodes<3, f32>
  %dn = gnn.degree_norm dst %ei {add_self_loops} : !gnn.nodes<1, f32>
  %dn2 = gnn.degree_norm src %ei : !gnn.nodes<1, f32>
  %lm = gnn.loop_mask %ei : !gnn.edges<1, f32>
  %g = gnn.gather src %dn, %ei : !gnn.nodes<1, f32> -> !gnn.edges<1, f32>
  %lg = gnn.mul %g, %lm : !gnn.edges<1, f32>, !gnn.edges<1, f32> -> !gnn.edges<1, f32>
  %r = gnn.repeat %lg {times = 2 : i64} : !gnn.edges<1, f32> -> !gnn.edges<2, f32>
  %a = gnn.edge_softmax dst %r, %ei : !gnn.edges<2, f32> -> !gnn.edges<2, f32>
  %root = gnn.concat %dn, %dn2 : !gnn.nodes<1, f32>, !gnn.nodes<1, f32> -> !gnn.nodes<2, f32>
  %e, %self = gnn.edge_softmax src %a, %ei root %root {gnn.path = "conv"} : !gnn.edges<2, f32>, !gnn.nodes<2, f32> -> !gnn.edges<2, f32>, !gnn.nodes<2, f32>
  func.return %u, %e, %self : !gnn.nodes<3, f32>, !gnn.edges<2, f32>, !gnn.nodes<2, f32>
}

// CHECK:      func.func @breadth_float(%x: !gnn.nodes<3, f32>, %ei: !gnn.edge_index, %w: !gnn.nodes<1, f32>) -> (!gnn.nodes<3, f32>, !gnn.edges<2, f32>, !gnn.nodes<2, f32>) {
// CHECK-NEXT:   %d = gnn.sub %x, %x : !gnn.nodes<3, f32>, !gnn.nodes<3, f32> -> !gnn.nodes<3, f32>
// CHECK-NEXT:   %b = gnn.mul %w, %d : !gnn.nodes<1, f32>, !gnn.nodes<3, f32> -> !gnn.nodes<3, f32>
// CHECK-NEXT:   %c = gnn.add %b, %w : !gnn.nodes<3, f32>, !gnn.nodes<1, f32> -> !gnn.nodes<3, f32>
// CHECK-NEXT:   %s = gnn.scale %c {scale = dense<[1.000000e+00, 2.000000e+00, -5.000000e-01]> : tensor<3xf32>, shift = dense<[0.000000e+00, 1.000000e+00, 2.500000e-01]> : tensor<3xf32>} : !gnn.nodes<3, f32> -> !gnn.nodes<3, f32>
// CHECK-NEXT:   %t = gnn.scale %s {shift = dense<1.000000e+00> : tensor<3xf32>} : !gnn.nodes<3, f32> -> !gnn.nodes<3, f32>
// CHECK-NEXT:   %n = gnn.batch_norm %t {mean = dense<[0.000000e+00, 1.000000e+00, 2.000000e+00]> : tensor<3xf32>, variance = dense<[1.000000e+00, 2.000000e+00, 4.000000e+00]> : tensor<3xf32>, weight = dense<[1.000000e+00, 1.000000e+00, 2.000000e+00]> : tensor<3xf32>, eps = 1.000000e-05 : f64} : !gnn.nodes<3, f32> -> !gnn.nodes<3, f32>
// CHECK-NEXT:   %l = gnn.activation leaky_relu %n {alpha = 1.000000e-01 : f64} : !gnn.nodes<3, f32> -> !gnn.nodes<3, f32>
// CHECK-NEXT:   %u = gnn.activation elu %l {alpha = 1.000000e+00 : f64} : !gnn.nodes<3, f32> -> !gnn.nodes<3, f32>
// CHECK-NEXT:   %dn = gnn.degree_norm dst %ei {add_self_loops} : !gnn.nodes<1, f32>
// CHECK-NEXT:   %dn2 = gnn.degree_norm src %ei : !gnn.nodes<1, f32>
// CHECK-NEXT:   %lm = gnn.loop_mask %ei : !gnn.edges<1, f32>
// CHECK-NEXT:   %g = gnn.gather src %dn, %ei : !gnn.nodes<1, f32> -> !gnn.edges<1, f32>
// CHECK-NEXT:   %lg = gnn.mul %g, %lm : !gnn.edges<1, f32>, !gnn.edges<1, f32> -> !gnn.edges<1, f32>
// CHECK-NEXT:   %r = gnn.repeat %lg {times = 2 : i64} : !gnn.edges<1, f32> -> !gnn.edges<2, f32>
// CHECK-NEXT:   %a = gnn.edge_softmax dst %r, %ei : !gnn.edges<2, f32> -> !gnn.edges<2, f32>
// CHECK-NEXT:   %root = gnn.concat %dn, %dn2 : !gnn.nodes<1, f32>, !gnn.nodes<1, f32> -> !gnn.nodes<2, f32>
// CHECK-NEXT:   %e, %self = gnn.edge_softmax src %a, %ei root %root {gnn.path = "conv"} : !gnn.edges<2, f32>, !gnn.nodes<2, f32> -> !gnn.edges<2, f32>, !gnn.nodes<2, f32>
// CHECK-NEXT:   func.return %u, %e, %self : !gnn.nodes<3, f32>, !gnn.edges<2, f32>, !gnn.nodes<2, f32>
// CHECK-NEXT: }

func.func @breadth_fixed(%x: !gnn.nodes<2, !gnn.fixed<16, 8>>, %ei: !gnn.edge_index) -> (!gnn.nodes<2, !gnn.fixed<16, 8>>, !gnn.edges<2, !gnn.fixed<12, 1, unsigned, rnd>>) {
  %s = gnn.scale %x {scale = dense<[0.5, 2.0]> : tensor<2xf32>, shift = dense<[1.0, -1.0]> : tensor<2xf32>, scale_type = !gnn.fixed<16, 8>, shift_type = !gnn.fixed<8, 4>} : !gnn.nodes<2, !gnn.fixed<16, 8>> -> !gnn.nodes<2, !gnn.fixed<16, 8>>
  %l = gnn.activation leaky_relu %s {alpha = 2.000000e-01 : f64, alpha_type = !gnn.fixed<16, 8>} : !gnn.nodes<2, !gnn.fixed<16, 8>> -> !gnn.nodes<2, !gnn.fixed<16, 8>>
  %u = gnn.activation elu %l {alpha = 1.000000e+00 : f64, table_size = 1024 : i64, table_min = -8 : i64, table_scale = 128 : i64} : !gnn.nodes<2, !gnn.fixed<16, 8>> -> !gnn.nodes<2, !gnn.fixed<16, 8>>
  %dn = gnn.degree_norm dst %ei {add_self_loops} : !gnn.nodes<1, !gnn.fixed<12, 1, unsigned, rnd>>
  %lm = gnn.loop_mask %ei : !gnn.edges<1, !gnn.fixed<1, 1, unsigned>>
  %y = gnn.sub %u, %x : !gnn.nodes<2, !gnn.fixed<16, 8>>, !gnn.nodes<2, !gnn.fixed<16, 8>> -> !gnn.nodes<2, !gnn.fixed<16, 8>>
  %g = gnn.gather dst %y, %ei : !gnn.nodes<2, !gnn.fixed<16, 8>> -> !gnn.edges<2, !gnn.fixed<16, 8>>
  %m = gnn.mul %lm, %g : !gnn.edges<1, !gnn.fixed<1, 1, unsigned>>, !gnn.edges<2, !gnn.fixed<16, 8>> -> !gnn.edges<2, !gnn.fixed<16, 8>>
  %a, %r = gnn.edge_softmax dst %m, %ei root %y {exp_type = !gnn.fixed<12, 1, unsigned, rnd>, accum_type = !gnn.fixed<18, 7, unsigned>, recip_type = !gnn.fixed<12, 1, unsigned, rnd>, exp_table_size = 1024 : i64, exp_table_min = -8 : i64, exp_table_scale = 128 : i64, recip_table_size = 1024 : i64, recip_table_scale = 16 : i64, newton_steps = 2 : i64} : !gnn.edges<2, !gnn.fixed<16, 8>>, !gnn.nodes<2, !gnn.fixed<16, 8>> -> !gnn.edges<2, !gnn.fixed<12, 1, unsigned, rnd>>, !gnn.nodes<2, !gnn.fixed<12, 1, unsigned, rnd>>
  func.return %y, %a : !gnn.nodes<2, !gnn.fixed<16, 8>>, !gnn.edges<2, !gnn.fixed<12, 1, unsigned, rnd>>
}

// CHECK:      func.func @breadth_fixed(
// CHECK-NEXT:   %s = gnn.scale %x {scale = dense<[5.000000e-01, 2.000000e+00]> : tensor<2xf32>, shift = dense<[1.000000e+00, -1.000000e+00]> : tensor<2xf32>, scale_type = !gnn.fixed<16, 8>, shift_type = !gnn.fixed<8, 4>} : !gnn.nodes<2, !gnn.fixed<16, 8>> -> !gnn.nodes<2, !gnn.fixed<16, 8>>
// CHECK-NEXT:   %l = gnn.activation leaky_relu %s {alpha = 2.000000e-01 : f64, alpha_type = !gnn.fixed<16, 8>}
// CHECK-NEXT:   %u = gnn.activation elu %l {alpha = 1.000000e+00 : f64, table_size = 1024 : i64, table_min = -8 : i64, table_scale = 128 : i64}
// CHECK-NEXT:   %dn = gnn.degree_norm dst %ei {add_self_loops} : !gnn.nodes<1, !gnn.fixed<12, 1, unsigned, rnd>>
// CHECK-NEXT:   %lm = gnn.loop_mask %ei : !gnn.edges<1, !gnn.fixed<1, 1, unsigned>>
// CHECK-NEXT:   %y = gnn.sub %u, %x
// CHECK-NEXT:   %g = gnn.gather dst %y, %ei
// CHECK-NEXT:   %m = gnn.mul %lm, %g : !gnn.edges<1, !gnn.fixed<1, 1, unsigned>>, !gnn.edges<2, !gnn.fixed<16, 8>> -> !gnn.edges<2, !gnn.fixed<16, 8>>
// CHECK-NEXT:   %a, %r = gnn.edge_softmax dst %m, %ei root %y {exp_type = !gnn.fixed<12, 1, unsigned, rnd>, accum_type = !gnn.fixed<18, 7, unsigned>, recip_type = !gnn.fixed<12, 1, unsigned, rnd>, exp_table_size = 1024 : i64, exp_table_min = -8 : i64, exp_table_scale = 128 : i64, recip_table_size = 1024 : i64, recip_table_scale = 16 : i64, newton_steps = 2 : i64} : !gnn.edges<2, !gnn.fixed<16, 8>>, !gnn.nodes<2, !gnn.fixed<16, 8>> -> !gnn.edges<2, !gnn.fixed<12, 1, unsigned, rnd>>, !gnn.nodes<2, !gnn.fixed<12, 1, unsigned, rnd>>

// GENERIC: "gnn.degree_norm"(%ei) <{end = #gnn<edge_end dst>, add_self_loops}> : (!gnn.edge_index) -> !gnn.nodes<1, f32>
// GENERIC: "gnn.edge_softmax"(%a, %ei, %root) <{end = #gnn<edge_end src>}> {gnn.path = "conv"} : (!gnn.edges<2, f32>, !gnn.edge_index, !gnn.nodes<2, f32>) -> (!gnn.edges<2, f32>, !gnn.nodes<2, f32>)

// --- Activations of the model zoo (issue 13): tables with tails, hardtanh --------

func.func @zoo_activations(%x: !gnn.nodes<2, f32>, %q: !gnn.nodes<2, !gnn.fixed<16, 8>>) -> (!gnn.nodes<2, f32>, !gnn.nodes<2, !gnn.fixed<8, 4>>) {
  %a = gnn.activation silu %x : !gnn.nodes<2, f32> -> !gnn.nodes<2, f32>
  %b = gnn.activation gelu %a : !gnn.nodes<2, f32> -> !gnn.nodes<2, f32>
  %c = gnn.activation gelu_tanh %b : !gnn.nodes<2, f32> -> !gnn.nodes<2, f32>
  %d = gnn.activation softplus %c {alpha = 2.0 : f64, threshold = 5.0 : f64} : !gnn.nodes<2, f32> -> !gnn.nodes<2, f32>
  %e = gnn.activation mish %d : !gnn.nodes<2, f32> -> !gnn.nodes<2, f32>
  %f = gnn.activation log_sigmoid %e : !gnn.nodes<2, f32> -> !gnn.nodes<2, f32>
  %g = gnn.activation hardtanh %f {lower = 0.0 : f64, upper = 6.0 : f64} : !gnn.nodes<2, f32> -> !gnn.nodes<2, f32>
  %s = gnn.activation silu %q {table_size = 1536 : i64, table_min = -12 : i64, table_scale = 64 : i64} : !gnn.nodes<2, !gnn.fixed<16, 8>> -> !gnn.nodes<2, !gnn.fixed<16, 8>>
  %h = gnn.activation hardtanh %s {lower = -2.5 : f64, upper = 3.0 : f64, alpha_type = !gnn.fixed<8, 4>} : !gnn.nodes<2, !gnn.fixed<16, 8>> -> !gnn.nodes<2, !gnn.fixed<8, 4>>
  func.return %g, %h : !gnn.nodes<2, f32>, !gnn.nodes<2, !gnn.fixed<8, 4>>
}

// CHECK:      func.func @zoo_activations(
// CHECK-NEXT:   %a = gnn.activation silu %x : !gnn.nodes<2, f32> -> !gnn.nodes<2, f32>
// CHECK-NEXT:   %b = gnn.activation gelu %a
// CHECK-NEXT:   %c = gnn.activation gelu_tanh %b
// CHECK-NEXT:   %d = gnn.activation softplus %c {alpha = 2.000000e+00 : f64, threshold = 5.000000e+00 : f64}
// CHECK-NEXT:   %e = gnn.activation mish %d
// CHECK-NEXT:   %f = gnn.activation log_sigmoid %e
// CHECK-NEXT:   %g = gnn.activation hardtanh %f {lower = 0.000000e+00 : f64, upper = 6.000000e+00 : f64}
// CHECK-NEXT:   %s = gnn.activation silu %q {table_size = 1536 : i64, table_min = -12 : i64, table_scale = 64 : i64}
// CHECK-NEXT:   %h = gnn.activation hardtanh %s {lower = -2.500000e+00 : f64, upper = 3.000000e+00 : f64, alpha_type = !gnn.fixed<8, 4>} : !gnn.nodes<2, !gnn.fixed<16, 8>> -> !gnn.nodes<2, !gnn.fixed<8, 4>>
// GENERIC: "gnn.activation"(%f) <{fn = #gnn<activation_fn hardtanh>, lower = 0.000000e+00 : f64, upper = 6.000000e+00 : f64}>

// --- gnn.layer_norm (issue 13) ---------------------------------------------------

func.func @layer_norm(%x: !gnn.edges<3, f32>, %q: !gnn.nodes<2, !gnn.fixed<16, 6>>) -> (!gnn.edges<3, f32>, !gnn.nodes<2, !gnn.fixed<16, 6>>) {
  %a = gnn.layer_norm %x {weight = dense<[1.0, 2.0, 0.5]> : tensor<3xf32>, bias = dense<[0.0, 1.0, -1.0]> : tensor<3xf32>, eps = 1.000000e-05 : f64} : !gnn.edges<3, f32> -> !gnn.edges<3, f32>
  %b = gnn.layer_norm %q {eps = 1.000000e-05 : f64, weight_type = !gnn.fixed<16, 6>, rsqrt_type = !gnn.fixed<19, 1, unsigned, rnd>, table_size = 3072 : i64} : !gnn.nodes<2, !gnn.fixed<16, 6>> -> !gnn.nodes<2, !gnn.fixed<16, 6>>
  func.return %a, %b : !gnn.edges<3, f32>, !gnn.nodes<2, !gnn.fixed<16, 6>>
}

// CHECK:      func.func @layer_norm(
// CHECK-NEXT:   %a = gnn.layer_norm %x {weight = dense<[1.000000e+00, 2.000000e+00, 5.000000e-01]> : tensor<3xf32>, bias = dense<[0.000000e+00, 1.000000e+00, -1.000000e+00]> : tensor<3xf32>, eps = 1.000000e-05 : f64} : !gnn.edges<3, f32> -> !gnn.edges<3, f32>
// CHECK-NEXT:   %b = gnn.layer_norm %q {eps = 1.000000e-05 : f64, weight_type = !gnn.fixed<16, 6>, rsqrt_type = !gnn.fixed<19, 1, unsigned, rnd>, table_size = 3072 : i64} : !gnn.nodes<2, !gnn.fixed<16, 6>> -> !gnn.nodes<2, !gnn.fixed<16, 6>>
// GENERIC: "gnn.layer_norm"(%x) <{weight = dense<[1.000000e+00, 2.000000e+00, 5.000000e-01]> : tensor<3xf32>, bias = dense<[0.000000e+00, 1.000000e+00, -1.000000e+00]> : tensor<3xf32>, eps = 1.000000e-05 : f64}> : (!gnn.edges<3, f32>) -> !gnn.edges<3, f32>

// --- gnn.take (issue 13) ---------------------------------------------------------

func.func @take(%x: !gnn.nodes<3, f32>) -> !gnn.nodes<5, f32> {
  %y = gnn.take %x {indices = array<i64: -1, 2, 0, 0, -1>} : !gnn.nodes<3, f32> -> !gnn.nodes<5, f32>
  func.return %y : !gnn.nodes<5, f32>
}

// CHECK:      func.func @take(%x: !gnn.nodes<3, f32>) -> !gnn.nodes<5, f32> {
// CHECK-NEXT:   %y = gnn.take %x {indices = array<i64: -1, 2, 0, 0, -1>} : !gnn.nodes<3, f32> -> !gnn.nodes<5, f32>
// GENERIC: "gnn.take"(%x) <{indices = array<i64: -1, 2, 0, 0, -1>}> : (!gnn.nodes<3, f32>) -> !gnn.nodes<5, f32>
