// Input of gnn-canonicalize.mlir: a fixed-point module.
func.func @fixed(%x: !gnn.nodes<1, !gnn.fixed<16, 8>>) -> !gnn.nodes<1, !gnn.fixed<16, 8>> {
  %y = gnn.scale %x {scale = dense<[1.0]> : tensor<1xf32>, scale_type = !gnn.fixed<16, 8>} : !gnn.nodes<1, !gnn.fixed<16, 8>> -> !gnn.nodes<1, !gnn.fixed<16, 8>>
  func.return %y : !gnn.nodes<1, !gnn.fixed<16, 8>>
}
