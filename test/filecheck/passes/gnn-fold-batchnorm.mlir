// RUN: gnnc-opt %s --split-input-file -p gnn-fold-batchnorm | filecheck %s
// RUN: not gnnc-opt %s --split-input-file -p gnn-fixed-point 2>&1 | filecheck %s --check-prefix=FIXED
// RUN: not gnnc-opt %S/Inputs/bad-batchnorm.mlir -p gnn-fold-batchnorm 2>&1 | filecheck %s --check-prefix=BAD

// BatchNorm after a dense nothing else reads: y = x * scale + shift with
// scale = weight / sqrt(variance + eps) = [1/2, 3/1], shift = bias - mean * scale = [0, 1],
// folded into the dense: W' = diag(scale) W, b' = scale * b + shift.

func.func @after_dense(%x: !gnn.nodes<2, f32>) -> !gnn.nodes<2, f32> {
  %h = gnn.dense %x {gnn.path = "lin", weight = dense<[[1.0, 2.0], [3.0, 4.0]]> : tensor<2x2xf32>, bias = dense<[1.0, -1.0]> : tensor<2xf32>} : !gnn.nodes<2, f32> -> !gnn.nodes<2, f32>
  %y = gnn.batch_norm %h {gnn.path = "bn", mean = dense<[1.0, 0.0]> : tensor<2xf32>, variance = dense<[3.0, 0.0]> : tensor<2xf32>, weight = dense<[1.0, 3.0]> : tensor<2xf32>, bias = dense<[0.5, 1.0]> : tensor<2xf32>, eps = 1.0 : f64} : !gnn.nodes<2, f32> -> !gnn.nodes<2, f32>
  func.return %y : !gnn.nodes<2, f32>
}

// CHECK-LABEL: func.func @after_dense
// CHECK-NEXT:    %h = gnn.dense %x {gnn.path = "lin", weight = dense<{{\[}}[5.000000e-01, 1.000000e+00], [9.000000e+00, 1.200000e+01]]> : tensor<2x2xf32>, bias = dense<[5.000000e-01, -2.000000e+00]> : tensor<2xf32>}
// CHECK-NEXT:    func.return %h : !gnn.nodes<2, f32>

// -----

// The dense is read twice: the BatchNorm becomes a gnn.scale (no weight, no bias: scale = 1/sqrt(4)).

func.func @shared_dense(%x: !gnn.nodes<2, f32>) -> (!gnn.nodes<2, f32>, !gnn.nodes<2, f32>) {
  %h = gnn.dense %x {weight = dense<[[1.0, 2.0], [3.0, 4.0]]> : tensor<2x2xf32>} : !gnn.nodes<2, f32> -> !gnn.nodes<2, f32>
  %y = gnn.batch_norm %h {gnn.path = "bn", mean = dense<[2.0, -2.0]> : tensor<2xf32>, variance = dense<[4.0, 4.0]> : tensor<2xf32>, eps = 0.0 : f64} : !gnn.nodes<2, f32> -> !gnn.nodes<2, f32>
  func.return %y, %h : !gnn.nodes<2, f32>, !gnn.nodes<2, f32>
}

// CHECK-LABEL: func.func @shared_dense
// CHECK-NEXT:    %h = gnn.dense %x {weight = dense<{{\[}}[1.000000e+00, 2.000000e+00], [3.000000e+00, 4.000000e+00]]> : tensor<2x2xf32>}
// CHECK-NEXT:    %y = gnn.scale %h {gnn.path = "bn", scale = dense<5.000000e-01> : tensor<2xf32>, shift = dense<[-1.000000e+00, 1.000000e+00]> : tensor<2xf32>}
// CHECK-NEXT:    func.return %y, %h

// -----

// After the add of two denses (SAGEConv's lin_l(aggr) + lin_r(x)): both are scaled, the shift
// goes into the first one's bias; the second gets no bias.

func.func @after_add(%x: !gnn.nodes<1, f32>, %z: !gnn.nodes<1, f32>) -> !gnn.nodes<1, f32> {
  %a = gnn.dense %x {weight = dense<[[2.0]]> : tensor<1x1xf32>, bias = dense<[1.0]> : tensor<1xf32>} : !gnn.nodes<1, f32> -> !gnn.nodes<1, f32>
  %b = gnn.dense %z {weight = dense<[[4.0]]> : tensor<1x1xf32>} : !gnn.nodes<1, f32> -> !gnn.nodes<1, f32>
  %s = gnn.add %a, %b : !gnn.nodes<1, f32>, !gnn.nodes<1, f32> -> !gnn.nodes<1, f32>
  %y = gnn.batch_norm %s {mean = dense<[1.0]> : tensor<1xf32>, variance = dense<[0.25]> : tensor<1xf32>, eps = 0.0 : f64} : !gnn.nodes<1, f32> -> !gnn.nodes<1, f32>
  func.return %y : !gnn.nodes<1, f32>
}

// CHECK-LABEL: func.func @after_add
// CHECK-NEXT:    %a = gnn.dense %x {weight = dense<4.000000e+00> : tensor<1x1xf32>, bias = dense<0.000000e+00> : tensor<1xf32>}
// CHECK-NEXT:    %b = gnn.dense %z {weight = dense<8.000000e+00> : tensor<1x1xf32>}
// CHECK-NEXT:    %s = gnn.add %a, %b
// CHECK-NEXT:    func.return %s

// -----

// On an argument (nothing to fold into): a gnn.scale.

func.func @on_input(%x: !gnn.edges<1, f32>) -> !gnn.edges<1, f32> {
  %y = gnn.batch_norm %x {mean = dense<[3.0]> : tensor<1xf32>, variance = dense<[1.0]> : tensor<1xf32>, weight = dense<[2.0]> : tensor<1xf32>, eps = 0.0 : f64} : !gnn.edges<1, f32> -> !gnn.edges<1, f32>
  func.return %y : !gnn.edges<1, f32>
}

// CHECK-LABEL: func.func @on_input
// CHECK-NEXT:    %y = gnn.scale %x {scale = dense<2.000000e+00> : tensor<1xf32>, shift = dense<-6.000000e+00> : tensor<1xf32>} : !gnn.edges<1, f32> -> !gnn.edges<1, f32>

// gnn-fixed-point refuses a module that still has a BatchNorm.
// FIXED: gnnc-opt: error: gnn-fixed-point: gnn.batch_norm has no fixed-point form; run gnn-fold-batchnorm first

// A variance + eps that is not positive cannot be folded.
// BAD: gnnc-opt: error: gnn-fold-batchnorm: bn: variance + eps must be positive and finite in every feature
