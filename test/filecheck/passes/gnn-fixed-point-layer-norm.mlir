// RUN: gnnc-opt %s -p 'gnn-fixed-point{default="fixed<16,6>"}' | filecheck %s
// RUN: gnnc-opt %s -p 'gnn-fixed-point{default="fixed<16,6>" precision="{\"kinds\": {\"layer_norm\": {\"weight\": \"fixed<12,4>\", \"bias\": \"fixed<8,3>\", \"result\": \"fixed<18,5>\"}}}"}' | filecheck %s --check-prefix=CFG

// gnn.layer_norm: sqrt(F) * weight and the bias in the default type (or the precision's
// weight and bias), rsqrt's table entries (in (0.5, 1]) in ufixed<F_result + 9, 1, rnd>
// (LN_GUARD_BITS = 8 more fractional bits than the result), 3072 entries over [1, 4).

func.func @main(%x: !gnn.nodes<4, f32> {gnn.name = "x"}) -> (!gnn.nodes<4, f32>, !gnn.nodes<4, f32>) {
  %a = gnn.layer_norm %x {weight = dense<[1.0, 2.0, 0.5, 1.0]> : tensor<4xf32>, bias = dense<[0.0, 1.0, -1.0, 0.5]> : tensor<4xf32>, eps = 1.000000e-05 : f64} : !gnn.nodes<4, f32> -> !gnn.nodes<4, f32>
  %b = gnn.layer_norm %a {eps = 1.000000e-03 : f64} : !gnn.nodes<4, f32> -> !gnn.nodes<4, f32>
  func.return %a, %b : !gnn.nodes<4, f32>, !gnn.nodes<4, f32>
}

// CHECK:      %a = gnn.layer_norm %x {{{.*}}eps = 1.000000e-05 : f64, weight_type = !gnn.fixed<16, 6>, bias_type = !gnn.fixed<16, 6>, rsqrt_type = !gnn.fixed<19, 1, unsigned, rnd>, table_size = 3072 : i64} : !gnn.nodes<4, !gnn.fixed<16, 6>> -> !gnn.nodes<4, !gnn.fixed<16, 6>>
// CHECK-NEXT: %b = gnn.layer_norm %a {eps = 1.000000e-03 : f64, weight_type = !gnn.fixed<16, 6>, rsqrt_type = !gnn.fixed<19, 1, unsigned, rnd>, table_size = 3072 : i64}

// CFG:      %a = gnn.layer_norm %x {{{.*}}weight_type = !gnn.fixed<12, 4>, bias_type = !gnn.fixed<8, 3>, rsqrt_type = !gnn.fixed<22, 1, unsigned, rnd>, table_size = 3072 : i64} : !gnn.nodes<4, !gnn.fixed<16, 6>> -> !gnn.nodes<4, !gnn.fixed<18, 5>>
