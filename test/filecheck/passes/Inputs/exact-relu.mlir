// "exact" on an op without an exact type (gnn-fixed-point-exact.mlir checks the error).
func.func @main(%x: !gnn.nodes<2, f32> {gnn.name = "x"}, %ei: !gnn.edge_index {gnn.name = "edge_index"}) -> !gnn.edges<2, f32> {
  %m = gnn.gather src %x, %ei : !gnn.nodes<2, f32> -> !gnn.edges<2, f32>
  %r = gnn.activation relu %m {gnn.quant.result = "exact"} : !gnn.edges<2, f32> -> !gnn.edges<2, f32>
  func.return %r : !gnn.edges<2, f32>
}
