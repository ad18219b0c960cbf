// RUN: gnnc-opt %s -p 'gnn-split-edge-dense' | filecheck %s

// The edge MLP's first dense reads cat[x_i, x_j, e]: W = [W_i | W_j | W_e] (2 + 2 + 1 columns).
func.func @split(%x: !gnn.nodes<2, !gnn.fixed<8, 3>> {gnn.name = "x"}, %ei: !gnn.edge_index {gnn.name = "edge_index"}, %e: !gnn.edges<1, !gnn.fixed<8, 3>> {gnn.name = "e"}) -> !gnn.edges<2, !gnn.fixed<8, 3>> {
  %xi = gnn.gather dst %x, %ei : !gnn.nodes<2, !gnn.fixed<8, 3>> -> !gnn.edges<2, !gnn.fixed<8, 3>>
  %xj = gnn.gather src %x, %ei : !gnn.nodes<2, !gnn.fixed<8, 3>> -> !gnn.edges<2, !gnn.fixed<8, 3>>
  %c = gnn.concat %xi, %xj, %e : !gnn.edges<2, !gnn.fixed<8, 3>>, !gnn.edges<2, !gnn.fixed<8, 3>>, !gnn.edges<1, !gnn.fixed<8, 3>> -> !gnn.edges<5, !gnn.fixed<8, 3>>
  %m = gnn.dense %c {weight = dense<[[0.5, -1.0, 0.25, 2.0, 1.5], [1.0, 0.5, -0.5, 0.75, -2.0]]> : tensor<2x5xf32>, bias = dense<[0.25, -0.5]> : tensor<2xf32>, weight_type = !gnn.fixed<8, 3>, bias_type = !gnn.fixed<8, 3>, accum_type = !gnn.fixed<20, 10>, gnn.path = "R1.layers.0"} : !gnn.edges<5, !gnn.fixed<8, 3>> -> !gnn.edges<2, !gnn.fixed<8, 3>>
  func.return %m : !gnn.edges<2, !gnn.fixed<8, 3>>
}

// Per node: W_i x and W_j x in the exact accumulator type, then gathered; per edge W_e e + bias;
// exact adds, and only the last casts to the dense's result type (the cast the dense did).
// CHECK-LABEL: func.func @split
// CHECK-NEXT:  %[[A:.*]] = gnn.dense %x {gnn.path = "R1.layers.0", weight = dense<{{\[}}[5.000000e-01, -1.000000e+00], [1.000000e+00, 5.000000e-01]]> : tensor<2x2xf32>, weight_type = !gnn.fixed<8, 3>, accum_type = !gnn.fixed<20, 10>} : !gnn.nodes<2, !gnn.fixed<8, 3>> -> !gnn.nodes<2, !gnn.fixed<20, 10>>
// CHECK-NEXT:  %[[GA:.*]] = gnn.gather dst %[[A]], %ei : !gnn.nodes<2, !gnn.fixed<20, 10>> -> !gnn.edges<2, !gnn.fixed<20, 10>>
// CHECK-NEXT:  %[[B:.*]] = gnn.dense %x {gnn.path = "R1.layers.0", weight = dense<{{\[}}[2.500000e-01, 2.000000e+00], [-5.000000e-01, 7.500000e-01]]> : tensor<2x2xf32>{{.*}}} : !gnn.nodes<2, !gnn.fixed<8, 3>> -> !gnn.nodes<2, !gnn.fixed<20, 10>>
// CHECK-NEXT:  %[[GB:.*]] = gnn.gather src %[[B]], %ei
// CHECK-NEXT:  %[[C:.*]] = gnn.dense %e {gnn.path = "R1.layers.0", weight = dense<{{\[}}[1.500000e+00], [-2.000000e+00]]> : tensor<2x1xf32>, {{.*}}bias = dense<[2.500000e-01, -5.000000e-01]> : tensor<2xf32>{{.*}}} : !gnn.edges<1, !gnn.fixed<8, 3>> -> !gnn.edges<2, !gnn.fixed<20, 10>>
// CHECK-NEXT:  %[[S:.*]] = gnn.add %[[GA]], %[[GB]] : {{.*}} -> !gnn.edges<2, !gnn.fixed<20, 10>>
// CHECK-NEXT:  %[[R:.*]] = gnn.add %[[S]], %[[C]] : {{.*}} -> !gnn.edges<2, !gnn.fixed<8, 3>>
// CHECK-NEXT:  func.return %[[R]]

// An accumulator that cannot hold every partial sum exactly: left alone.
func.func @narrow(%x: !gnn.nodes<2, !gnn.fixed<8, 3>> {gnn.name = "x"}, %ei: !gnn.edge_index {gnn.name = "edge_index"}, %e: !gnn.edges<1, !gnn.fixed<8, 3>> {gnn.name = "e"}) -> !gnn.edges<1, !gnn.fixed<8, 3>> {
  %xi = gnn.gather dst %x, %ei : !gnn.nodes<2, !gnn.fixed<8, 3>> -> !gnn.edges<2, !gnn.fixed<8, 3>>
  %c = gnn.concat %xi, %e : !gnn.edges<2, !gnn.fixed<8, 3>>, !gnn.edges<1, !gnn.fixed<8, 3>> -> !gnn.edges<3, !gnn.fixed<8, 3>>
  %m = gnn.dense %c {weight = dense<[[3.5, -3.5, 3.5]]> : tensor<1x3xf32>, weight_type = !gnn.fixed<8, 3>, accum_type = !gnn.fixed<14, 4>} : !gnn.edges<3, !gnn.fixed<8, 3>> -> !gnn.edges<1, !gnn.fixed<8, 3>>
  func.return %m : !gnn.edges<1, !gnn.fixed<8, 3>>
}
// CHECK-LABEL: func.func @narrow
// CHECK:       gnn.concat
// CHECK-NEXT:  gnn.dense %{{.*}} : !gnn.edges<3, !gnn.fixed<8, 3>> -> !gnn.edges<1, !gnn.fixed<8, 3>>

// A concat that casts its parts (a different element type): left alone.
func.func @casting(%x: !gnn.nodes<2, !gnn.fixed<10, 3>> {gnn.name = "x"}, %ei: !gnn.edge_index {gnn.name = "edge_index"}, %e: !gnn.edges<1, !gnn.fixed<8, 3>> {gnn.name = "e"}) -> !gnn.edges<1, !gnn.fixed<8, 3>> {
  %xi = gnn.gather dst %x, %ei : !gnn.nodes<2, !gnn.fixed<10, 3>> -> !gnn.edges<2, !gnn.fixed<10, 3>>
  %c = gnn.concat %xi, %e : !gnn.edges<2, !gnn.fixed<10, 3>>, !gnn.edges<1, !gnn.fixed<8, 3>> -> !gnn.edges<3, !gnn.fixed<8, 3>>
  %m = gnn.dense %c {weight = dense<[[0.5, 0.5, 0.5]]> : tensor<1x3xf32>, weight_type = !gnn.fixed<8, 3>, accum_type = !gnn.fixed<20, 10>} : !gnn.edges<3, !gnn.fixed<8, 3>> -> !gnn.edges<1, !gnn.fixed<8, 3>>
  func.return %m : !gnn.edges<1, !gnn.fixed<8, 3>>
}
// CHECK-LABEL: func.func @casting
// CHECK:       gnn.concat
// CHECK-NEXT:  gnn.dense

