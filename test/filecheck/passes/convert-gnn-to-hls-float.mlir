// RUN: not gnnc-opt %s -p 'convert-gnn-to-hls' 2>&1 | filecheck %s

// A float module is refused: gnn-fixed-point must run first.
func.func @f(%x: !gnn.nodes<2, f32>, %ei: !gnn.edge_index) -> !gnn.edges<2, f32> {
  %xj = gnn.gather dst %x, %ei : !gnn.nodes<2, f32> -> !gnn.edges<2, f32>
  %r = gnn.activation relu %xj : !gnn.edges<2, f32> -> !gnn.edges<2, f32>
  func.return %r : !gnn.edges<2, f32>
}

// CHECK: gnnc-opt: error: convert-gnn-to-hls needs a fixed-point module: run gnn-fixed-point first
