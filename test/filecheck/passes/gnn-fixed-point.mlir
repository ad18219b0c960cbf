// RUN: gnnc-opt %s -p 'gnn-fixed-point{default="fixed<16,6>" max-edges=56}' | filecheck %s
// RUN: gnnc-opt %s -p 'gnn-fixed-point{default="ap_fixed<8,3,AP_RND,AP_SAT>" max-edges=7}' | filecheck %s --check-prefix=RND
// RUN: not gnnc-opt %s -p 'gnn-fixed-point{default="fixed<16>"}' 2>&1 | filecheck %s --check-prefix=BAD

func.func @main(%x: !gnn.nodes<3, f32> {gnn.name = "x"}, %ei: !gnn.edge_index {gnn.name = "edge_index"}) -> (!gnn.nodes<2, f32>, !gnn.edges<2, f32>) {
  %xj = gnn.gather src %x, %ei : !gnn.nodes<3, f32> -> !gnn.edges<3, f32>
  %m = gnn.dense %xj {weight = dense<[[0.5, -1.25, 3.0], [4.0, 0.75, -6.0]]> : tensor<2x3xf32>, bias = dense<[1.0, -2.0]> : tensor<2xf32>} : !gnn.edges<3, f32> -> !gnn.edges<2, f32>
  %a = gnn.scatter sum dst %m, %ei : !gnn.edges<2, f32> -> !gnn.nodes<2, f32>
  %b = gnn.scatter mean dst %m, %ei : !gnn.edges<2, f32> -> !gnn.nodes<2, f32>
  %c = gnn.scatter max dst %m, %ei : !gnn.edges<2, f32> -> !gnn.nodes<2, f32>
  %s = gnn.activation sigmoid %m : !gnn.edges<2, f32> -> !gnn.edges<2, f32>
  %t = gnn.activation tanh %s : !gnn.edges<2, f32> -> !gnn.edges<2, f32>
  %r = gnn.activation relu %t : !gnn.edges<2, f32> -> !gnn.edges<2, f32>
  %sum = gnn.add %a, %b : !gnn.nodes<2, f32>, !gnn.nodes<2, f32> -> !gnn.nodes<2, f32>
  %y = gnn.mul %sum, %c : !gnn.nodes<2, f32>, !gnn.nodes<2, f32> -> !gnn.nodes<2, f32>
  func.return %y, %r : !gnn.nodes<2, f32>, !gnn.edges<2, f32>
}

// Every value, argument and result becomes the default type.
// CHECK:      func.func @main(%x: !gnn.nodes<3, !gnn.fixed<16, 6>> {gnn.name = "x"}, %ei: !gnn.edge_index {gnn.name = "edge_index"}) -> (!gnn.nodes<2, !gnn.fixed<16, 6>>, !gnn.edges<2, !gnn.fixed<16, 6>>) {
// CHECK-NEXT:   %xj = gnn.gather src %x, %ei : !gnn.nodes<3, !gnn.fixed<16, 6>> -> !gnn.edges<3, !gnn.fixed<16, 6>>
// Dense: exact accumulator = 32-bit products (12 integer bits) summed 3 times plus a bias: 4 terms, 2 more bits.
// CHECK-NEXT:   %m = gnn.dense %xj {{.*}}weight_type = !gnn.fixed<16, 6>, bias_type = !gnn.fixed<16, 6>, accum_type = !gnn.fixed<34, 14>}
// Scatter sums may receive max-edges = 56 messages: ceil(log2 56) = 6 more integer bits.
// CHECK-NEXT:   %a = gnn.scatter sum dst %m, %ei {accum_type = !gnn.fixed<22, 12>}
// CHECK-NEXT:   %b = gnn.scatter mean dst %m, %ei {accum_type = !gnn.fixed<22, 12>, recip_type = !gnn.fixed<13, 1, unsigned, rnd>}
// CHECK-NEXT:   %c = gnn.scatter max dst %m, %ei : !gnn.edges<2, !gnn.fixed<16, 6>> -> !gnn.nodes<2, !gnn.fixed<16, 6>>
// CHECK-NEXT:   %s = gnn.activation sigmoid %m {table_size = 1024 : i64, table_min = -8 : i64, table_scale = 64 : i64}
// CHECK-NEXT:   %t = gnn.activation tanh %s {table_size = 1024 : i64, table_min = -4 : i64, table_scale = 128 : i64}
// CHECK-NEXT:   %r = gnn.activation relu %t : !gnn.edges<2, !gnn.fixed<16, 6>> -> !gnn.edges<2, !gnn.fixed<16, 6>>
// CHECK-NEXT:   %sum = gnn.add %a, %b
// CHECK-NEXT:   %y = gnn.mul %sum, %c
// CHECK-NEXT:   func.return %y, %r : !gnn.nodes<2, !gnn.fixed<16, 6>>, !gnn.edges<2, !gnn.fixed<16, 6>>

// RND:      func.func @main(%x: !gnn.nodes<3, !gnn.fixed<8, 3, rnd, sat>>
// RND:      accum_type = !gnn.fixed<18, 8>}
// RND-NEXT: gnn.scatter sum dst %m, %ei {accum_type = !gnn.fixed<11, 6>}

// BAD: gnnc-opt: error: gnn-fixed-point{default}: 'fixed<16>' needs integer width and integer bits
