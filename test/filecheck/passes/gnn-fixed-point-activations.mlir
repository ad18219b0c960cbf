// RUN: gnnc-opt %s -p 'gnn-fixed-point{default="fixed<16,8>"}' | filecheck %s
// RUN: gnnc-opt %s -p 'gnn-fixed-point{default="fixed<16,8>" precision="{\"kinds\": {\"silu\": {\"table\": {\"size\": 512, \"min\": -8, \"max\": 8}}, \"hardtanh\": {\"weight\": \"fixed<8,4>\"}}}"}' | filecheck %s --check-prefix=CFG

// Every table activation gets its own geometry (TABLE_GEOMETRY: the range outside which
// its tails, a flat end or x itself, are within 2^-10 of the function); hardtanh's bounds
// get the default type as alpha_type, like leaky_relu's slope.

func.func @main(%x: !gnn.nodes<2, f32> {gnn.name = "x"}) -> !gnn.nodes<2, f32> {
  %a = gnn.activation silu %x : !gnn.nodes<2, f32> -> !gnn.nodes<2, f32>
  %b = gnn.activation gelu %a : !gnn.nodes<2, f32> -> !gnn.nodes<2, f32>
  %c = gnn.activation gelu_tanh %b : !gnn.nodes<2, f32> -> !gnn.nodes<2, f32>
  %d = gnn.activation softplus %c {alpha = 2.000000e+00 : f64, threshold = 5.000000e+00 : f64} : !gnn.nodes<2, f32> -> !gnn.nodes<2, f32>
  %e = gnn.activation mish %d : !gnn.nodes<2, f32> -> !gnn.nodes<2, f32>
  %f = gnn.activation log_sigmoid %e : !gnn.nodes<2, f32> -> !gnn.nodes<2, f32>
  %g = gnn.activation hardtanh %f {lower = -2.000000e+00 : f64, upper = 3.000000e+00 : f64} : !gnn.nodes<2, f32> -> !gnn.nodes<2, f32>
  func.return %g : !gnn.nodes<2, f32>
}

// CHECK:      %a = gnn.activation silu %x {table_size = 1536 : i64, table_min = -12 : i64, table_scale = 64 : i64} : !gnn.nodes<2, !gnn.fixed<16, 8>> -> !gnn.nodes<2, !gnn.fixed<16, 8>>
// CHECK-NEXT: %b = gnn.activation gelu %a {table_size = 1024 : i64, table_min = -4 : i64, table_scale = 128 : i64}
// CHECK-NEXT: %c = gnn.activation gelu_tanh %b {table_size = 1024 : i64, table_min = -4 : i64, table_scale = 128 : i64}
// CHECK-NEXT: %d = gnn.activation softplus %c {alpha = 2.000000e+00 : f64, threshold = 5.000000e+00 : f64, table_size = 1024 : i64, table_min = -8 : i64, table_scale = 64 : i64}
// CHECK-NEXT: %e = gnn.activation mish %d {table_size = 1280 : i64, table_min = -12 : i64, table_scale = 64 : i64}
// CHECK-NEXT: %f = gnn.activation log_sigmoid %e {table_size = 1024 : i64, table_min = -8 : i64, table_scale = 64 : i64}
// CHECK-NEXT: %g = gnn.activation hardtanh %f {lower = -2.000000e+00 : f64, upper = 3.000000e+00 : f64, alpha_type = !gnn.fixed<16, 8>}

// precision.kinds.<fn> reaches the new functions: a table, the bounds' type.
// CFG:      %a = gnn.activation silu %x {table_size = 512 : i64, table_min = -8 : i64, table_scale = 32 : i64}
// CFG:      %g = gnn.activation hardtanh %f {lower = -2.000000e+00 : f64, upper = 3.000000e+00 : f64, alpha_type = !gnn.fixed<8, 4>}
