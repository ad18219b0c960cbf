// Exact accumulator widths where ceil(log2(terms)) changes (docs/config.md, `accum: auto`):
// n_in a power of two with and without a bias, n_in + bias reaching one, max-edges at a power
// of two and one past it. A 3-input dense would not tell the rule from an off-by-one.
// RUN: gnnc-opt %s -p 'gnn-fixed-point{default="fixed<16,6>" max-edges=64}' | filecheck %s --check-prefixes=CHECK,E64
// RUN: gnnc-opt %s -p 'gnn-fixed-point{default="fixed<16,6>" max-edges=65}' | filecheck %s --check-prefixes=CHECK,E65
// RUN: gnnc-opt %s -p 'gnn-fixed-point{default="fixed<16,6>" max-edges=62}' | filecheck %s --check-prefixes=CHECK,E62
// RUN: gnnc-opt %s -p 'gnn-fixed-point{default="fixed<16,6>" max-edges=63}' | filecheck %s --check-prefixes=CHECK,E63

func.func @main(%x4: !gnn.nodes<4, f32> {gnn.name = "x4"}, %x7: !gnn.nodes<7, f32> {gnn.name = "x7"}, %x8: !gnn.nodes<8, f32> {gnn.name = "x8"}, %ei: !gnn.edge_index {gnn.name = "edge_index"}) -> !gnn.nodes<1, f32> {
  %d4b = gnn.dense %x4 {weight = dense<[[1.0, 1.0, 1.0, 1.0]]> : tensor<1x4xf32>, bias = dense<[1.0]> : tensor<1xf32>} : !gnn.nodes<4, f32> -> !gnn.nodes<1, f32>
  %d4 = gnn.dense %x4 {weight = dense<[[1.0, 1.0, 1.0, 1.0]]> : tensor<1x4xf32>} : !gnn.nodes<4, f32> -> !gnn.nodes<1, f32>
  %d7b = gnn.dense %x7 {weight = dense<[[1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0]]> : tensor<1x7xf32>, bias = dense<[1.0]> : tensor<1xf32>} : !gnn.nodes<7, f32> -> !gnn.nodes<1, f32>
  %d8 = gnn.dense %x8 {weight = dense<[[1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0]]> : tensor<1x8xf32>} : !gnn.nodes<8, f32> -> !gnn.nodes<1, f32>
  %d8b = gnn.dense %x8 {weight = dense<[[1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0]]> : tensor<1x8xf32>, bias = dense<[1.0]> : tensor<1xf32>} : !gnn.nodes<8, f32> -> !gnn.nodes<1, f32>
  %xj = gnn.gather src %d4, %ei : !gnn.nodes<1, f32> -> !gnn.edges<1, f32>
  %s = gnn.scatter sum dst %xj, %ei : !gnn.edges<1, f32> -> !gnn.nodes<1, f32>
  %a, %as = gnn.edge_softmax dst %xj, %ei root %d4 : !gnn.edges<1, f32>, !gnn.nodes<1, f32> -> !gnn.edges<1, f32>, !gnn.nodes<1, f32>
  func.return %s : !gnn.nodes<1, f32>
}

// Products are fixed<32, 12>. 4 of them and a bias: 5 terms, ceil(log2 5) = 3 more bits.
// CHECK:      %d4b = gnn.dense %x4 {{.*}}accum_type = !gnn.fixed<35, 15>}
// 4 products, no bias: 2 more bits.
// CHECK-NEXT: %d4 = gnn.dense %x4 {{.*}}accum_type = !gnn.fixed<34, 14>}
// 7 products and a bias: 8 terms, 3 more bits.
// CHECK-NEXT: %d7b = gnn.dense %x7 {{.*}}accum_type = !gnn.fixed<35, 15>}
// 8 products: 3 more bits (8 x (-32 x -32) = 2^13 needs them all); with a bias, 9 terms: 4.
// CHECK-NEXT: %d8 = gnn.dense %x8 {{.*}}accum_type = !gnn.fixed<35, 15>}
// CHECK-NEXT: %d8b = gnn.dense %x8 {{.*}}accum_type = !gnn.fixed<36, 16>}
// A scatter-sum of max-edges messages: ceil(log2 64) = 6, ceil(log2 65) = 7 more integer bits
// (64 x -32 = -2^11 is exactly the most negative fixed<22, 12>).
// E64:        gnn.scatter sum dst %xj, %ei {accum_type = !gnn.fixed<22, 12>}
// E65:        gnn.scatter sum dst %xj, %ei {accum_type = !gnn.fixed<23, 13>}
// E62:        gnn.scatter sum dst %xj, %ei {accum_type = !gnn.fixed<22, 12>}
// E63:        gnn.scatter sum dst %xj, %ei {accum_type = !gnn.fixed<22, 12>}
// edge_softmax sums max-edges + 1 exp values, each at most 1: 63 of them fit 6 integer bits,
// 64 (max-edges = 63) need 7.
// E62:        accum_type = !gnn.fixed<19, 6, unsigned>
// E63:        accum_type = !gnn.fixed<20, 7, unsigned>
// E64:        accum_type = !gnn.fixed<20, 7, unsigned>
// E65:        accum_type = !gnn.fixed<20, 7, unsigned>
