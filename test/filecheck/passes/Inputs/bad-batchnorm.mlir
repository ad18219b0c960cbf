// Input of gnn-fold-batchnorm.mlir: a BatchNorm whose variance + eps is 0 in one feature.
func.func @bad(%x: !gnn.nodes<2, f32>) -> !gnn.nodes<2, f32> {
  %y = gnn.batch_norm %x {gnn.path = "bn", mean = dense<[0.0, 0.0]> : tensor<2xf32>, variance = dense<[1.0, 0.0]> : tensor<2xf32>, eps = 0.0 : f64} : !gnn.nodes<2, f32> -> !gnn.nodes<2, f32>
  func.return %y : !gnn.nodes<2, f32>
}
