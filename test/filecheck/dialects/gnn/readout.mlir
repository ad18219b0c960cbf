// RUN: gnnc-opt %s | filecheck %s
// RUN: gnnc-opt %s | gnnc-opt | filecheck %s

// Graph-level rows: gnn.readout takes node (or edge) rows to one row per graph, by the batch
// when there is one; row-wise ops (dense, activation, ...) work on !gnn.graphs as on nodes.

func.func @main(%x: !gnn.nodes<3, f32>, %ei: !gnn.edge_index, %b: !gnn.batch) -> (!gnn.graphs<2, f32>, !gnn.graphs<3, f32>, !gnn.graphs<3, f32>) {
  %s = gnn.readout sum %x batch %b : !gnn.nodes<3, f32> -> !gnn.graphs<3, f32>
  %m = gnn.readout mean %x : !gnn.nodes<3, f32> -> !gnn.graphs<3, f32>
  %e = gnn.gather src %x, %ei : !gnn.nodes<3, f32> -> !gnn.edges<3, f32>
  %mx = gnn.readout max %e : !gnn.edges<3, f32> -> !gnn.graphs<3, f32>
  %d = gnn.dense %s {weight = dense<1.0> : tensor<2x3xf32>} : !gnn.graphs<3, f32> -> !gnn.graphs<2, f32>
  %r = gnn.activation relu %d : !gnn.graphs<2, f32> -> !gnn.graphs<2, f32>
  func.return %r, %m, %mx : !gnn.graphs<2, f32>, !gnn.graphs<3, f32>, !gnn.graphs<3, f32>
}

// CHECK:      func.func @main(%x: !gnn.nodes<3, f32>, %ei: !gnn.edge_index, %b: !gnn.batch)
// CHECK-NEXT:   %s = gnn.readout sum %x batch %b : !gnn.nodes<3, f32> -> !gnn.graphs<3, f32>
// CHECK-NEXT:   %m = gnn.readout mean %x : !gnn.nodes<3, f32> -> !gnn.graphs<3, f32>
// CHECK:        %mx = gnn.readout max %e : !gnn.edges<3, f32> -> !gnn.graphs<3, f32>
// CHECK-NEXT:   %d = gnn.dense %s {{.*}} : !gnn.graphs<3, f32> -> !gnn.graphs<2, f32>
// CHECK-NEXT:   %r = gnn.activation relu %d : !gnn.graphs<2, f32> -> !gnn.graphs<2, f32>

func.func @fixed(%x: !gnn.nodes<2, !gnn.fixed<16, 6>>, %b: !gnn.batch) -> !gnn.graphs<2, !gnn.fixed<16, 6>> {
  %m = gnn.readout mean %x batch %b {accum_type = !gnn.fixed<21, 11>, recip_type = !gnn.fixed<13, 1, unsigned, rnd>} : !gnn.nodes<2, !gnn.fixed<16, 6>> -> !gnn.graphs<2, !gnn.fixed<16, 6>>
  func.return %m : !gnn.graphs<2, !gnn.fixed<16, 6>>
}

// CHECK:      gnn.readout mean %x batch %b {accum_type = !gnn.fixed<21, 11>, recip_type = !gnn.fixed<13, 1, unsigned, rnd>}
