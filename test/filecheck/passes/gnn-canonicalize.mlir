// RUN: gnnc-opt %s --split-input-file -p gnn-canonicalize | filecheck %s
// RUN: not gnnc-opt %S/Inputs/fixed-scale.mlir -p gnn-canonicalize 2>&1 | filecheck %s --check-prefix=FIXED

// A scale of a dense nothing else reads folds into the weights and the bias
// (GCN's `out + bias` after a linear layer, a constant factor, a BatchNorm turned scale).

func.func @scale_of_dense(%x: !gnn.nodes<2, f32>) -> !gnn.nodes<2, f32> {
  %h = gnn.dense %x {gnn.path = "lin", weight = dense<[[1.0, 2.0], [3.0, 4.0]]> : tensor<2x2xf32>} : !gnn.nodes<2, f32> -> !gnn.nodes<2, f32>
  %y = gnn.scale %h {scale = dense<[2.0, -1.0]> : tensor<2xf32>, shift = dense<[0.5, 0.25]> : tensor<2xf32>} : !gnn.nodes<2, f32> -> !gnn.nodes<2, f32>
  func.return %y : !gnn.nodes<2, f32>
}

// CHECK-LABEL: func.func @scale_of_dense
// CHECK-NEXT:    %h = gnn.dense %x {gnn.path = "lin", weight = dense<{{\[}}[2.000000e+00, 4.000000e+00], [-3.000000e+00, -4.000000e+00]]> : tensor<2x2xf32>, bias = dense<[5.000000e-01, 2.500000e-01]> : tensor<2xf32>}
// CHECK-NEXT:    func.return %h

// -----

// Two scales in a row are one; a scale by one with no shift disappears; so does a concat of one value.

func.func @scales(%x: !gnn.edges<2, f32>) -> (!gnn.edges<2, f32>, !gnn.edges<2, f32>) {
  %a = gnn.scale %x {scale = dense<[2.0, 4.0]> : tensor<2xf32>, shift = dense<[1.0, 1.0]> : tensor<2xf32>} : !gnn.edges<2, f32> -> !gnn.edges<2, f32>
  %b = gnn.scale %a {scale = dense<[0.5, 0.5]> : tensor<2xf32>} : !gnn.edges<2, f32> -> !gnn.edges<2, f32>
  %c = gnn.scale %x {scale = dense<[1.0, 1.0]> : tensor<2xf32>, shift = dense<[0.0, 0.0]> : tensor<2xf32>} : !gnn.edges<2, f32> -> !gnn.edges<2, f32>
  %d = gnn.concat %c : !gnn.edges<2, f32> -> !gnn.edges<2, f32>
  func.return %b, %d : !gnn.edges<2, f32>, !gnn.edges<2, f32>
}

// CHECK-LABEL: func.func @scales
// CHECK-NEXT:    %a = gnn.scale %x {scale = dense<[1.000000e+00, 2.000000e+00]> : tensor<2xf32>, shift = dense<5.000000e-01> : tensor<2xf32>}
// CHECK-NEXT:    func.return %a, %x

// -----

// Nothing to do: the dense result is read twice, and a scale of an argument stays.

func.func @kept(%x: !gnn.nodes<1, f32>) -> (!gnn.nodes<1, f32>, !gnn.nodes<1, f32>) {
  %h = gnn.dense %x {weight = dense<[[3.0]]> : tensor<1x1xf32>} : !gnn.nodes<1, f32> -> !gnn.nodes<1, f32>
  %y = gnn.scale %h {scale = dense<[2.0]> : tensor<1xf32>} : !gnn.nodes<1, f32> -> !gnn.nodes<1, f32>
  %z = gnn.add %h, %y : !gnn.nodes<1, f32>, !gnn.nodes<1, f32> -> !gnn.nodes<1, f32>
  %w = gnn.scale %x {shift = dense<[2.0]> : tensor<1xf32>} : !gnn.nodes<1, f32> -> !gnn.nodes<1, f32>
  func.return %z, %w : !gnn.nodes<1, f32>, !gnn.nodes<1, f32>
}

// CHECK-LABEL: func.func @kept
// CHECK-NEXT:    %h = gnn.dense %x
// CHECK-NEXT:    %y = gnn.scale %h
// CHECK-NEXT:    %z = gnn.add %h, %y
// CHECK-NEXT:    %w = gnn.scale %x
// CHECK-NEXT:    func.return %z, %w

// -----

// A dense of a scale nothing else reads takes the scale into its weights' columns and the
// shift into its bias: a per-head dot product `(x * att).sum(-1)` is one dense. Kept: a
// scale read twice, and a dense with Brevitas weights (their values are the trained ones).

func.func @dense_of_scale(%x: !gnn.edges<2, f32>) -> (!gnn.edges<1, f32>, !gnn.edges<1, f32>, !gnn.edges<2, f32>, !gnn.edges<1, f32>) {
  %s = gnn.scale %x {scale = dense<[2.0, -1.0]> : tensor<2xf32>, shift = dense<[0.5, 0.25]> : tensor<2xf32>} : !gnn.edges<2, f32> -> !gnn.edges<2, f32>
  %d = gnn.dense %s {gnn.path = "att", weight = dense<[[1.0, 1.0]]> : tensor<1x2xf32>, bias = dense<[1.0]> : tensor<1xf32>} : !gnn.edges<2, f32> -> !gnn.edges<1, f32>
  %t = gnn.scale %x {scale = dense<[3.0, 3.0]> : tensor<2xf32>} : !gnn.edges<2, f32> -> !gnn.edges<2, f32>
  %e = gnn.dense %t {weight = dense<[[1.0, 0.0]]> : tensor<1x2xf32>} : !gnn.edges<2, f32> -> !gnn.edges<1, f32>
  %q = gnn.scale %x {scale = dense<[4.0, 4.0]> : tensor<2xf32>} : !gnn.edges<2, f32> -> !gnn.edges<2, f32>
  %f = gnn.dense %q {weight = dense<[[1.0, 1.0]]> : tensor<1x2xf32>, "gnn.quant.weight" = "fixed<4, 1>"} : !gnn.edges<2, f32> -> !gnn.edges<1, f32>
  func.return %d, %e, %t, %f : !gnn.edges<1, f32>, !gnn.edges<1, f32>, !gnn.edges<2, f32>, !gnn.edges<1, f32>
}

// CHECK-LABEL: func.func @dense_of_scale
// CHECK-NEXT:    %d = gnn.dense %x {gnn.path = "att", weight = dense<{{\[}}[2.000000e+00, -1.000000e+00]]> : tensor<1x2xf32>, bias = dense<1.750000e+00> : tensor<1xf32>}
// CHECK-NEXT:    %t = gnn.scale %x
// CHECK-NEXT:    %e = gnn.dense %t
// CHECK-NEXT:    %q = gnn.scale %x
// CHECK-NEXT:    %f = gnn.dense %q
// CHECK-NEXT:    func.return %d, %e, %t, %f

// -----

// GATConv's messages: weighted by an edge softmax with a root term (self loops get weight 0)
// and masked by the self-loop rule: the mask goes. Kept: a softmax without a root, and a
// mask of another edge list.

func.func @redundant_loop_mask(%l: !gnn.edges<2, f32>, %r: !gnn.nodes<2, f32>, %h: !gnn.edges<4, f32>, %ei: !gnn.edge_index, %other: !gnn.edge_index) -> (!gnn.edges<4, f32>, !gnn.edges<2, f32>, !gnn.edges<4, f32>) {
  %a, %ar = gnn.edge_softmax dst %l, %ei root %r : !gnn.edges<2, f32>, !gnn.nodes<2, f32> -> !gnn.edges<2, f32>, !gnn.nodes<2, f32>
  %w = gnn.repeat %a {times = 2 : i64} : !gnn.edges<2, f32> -> !gnn.edges<4, f32>
  %m = gnn.mul %w, %h : !gnn.edges<4, f32>, !gnn.edges<4, f32> -> !gnn.edges<4, f32>
  %mask = gnn.loop_mask %ei : !gnn.edges<1, f32>
  %masked = gnn.mul %m, %mask : !gnn.edges<4, f32>, !gnn.edges<1, f32> -> !gnn.edges<4, f32>
  %b = gnn.edge_softmax dst %l, %ei : !gnn.edges<2, f32> -> !gnn.edges<2, f32>
  %kept = gnn.mul %mask, %b : !gnn.edges<1, f32>, !gnn.edges<2, f32> -> !gnn.edges<2, f32>
  %mask2 = gnn.loop_mask %other : !gnn.edges<1, f32>
  %kept2 = gnn.mul %m, %mask2 : !gnn.edges<4, f32>, !gnn.edges<1, f32> -> !gnn.edges<4, f32>
  func.return %masked, %kept, %kept2 : !gnn.edges<4, f32>, !gnn.edges<2, f32>, !gnn.edges<4, f32>
}

// CHECK-LABEL: func.func @redundant_loop_mask
// CHECK:         %m = gnn.mul %w, %h
// CHECK-NEXT:    %mask = gnn.loop_mask %ei
// CHECK-NEXT:    %b = gnn.edge_softmax dst %l, %ei :
// CHECK-NEXT:    %kept = gnn.mul %mask, %b
// CHECK-NEXT:    %mask2 = gnn.loop_mask %other
// CHECK-NEXT:    %kept2 = gnn.mul %m, %mask2
// CHECK-NEXT:    func.return %m, %kept, %kept2

// The fixed-point IR is refused: folding constants there would change what is rounded.
// FIXED: gnnc-opt: error: gnn-canonicalize works on the float gnn IR: run it before gnn-fixed-point
