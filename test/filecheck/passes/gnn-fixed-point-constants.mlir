// gnn-fixed-point refuses trained constants that a wrapping or
// sat_zero type would change into other numbers (a slope, a scale, a shift, a bias).
// RUN: gnnc-opt %s --split-input-file --verify-diagnostics -p 'gnn-fixed-point{default="fixed<10,4>"}' | filecheck %s
// (NaN and infinite weights: test_reliability.py, from a torch model; the IR's parser has no NaN literal)

func.func @huge_weight(%x: !gnn.nodes<2, f32> {gnn.name = "x"}) -> !gnn.nodes<1, f32> {
  %y = gnn.dense %x {gnn.path = "mlp.0", weight = dense<[[1.0e+38, 1.0]]> : tensor<1x2xf32>} : !gnn.nodes<2, f32> -> !gnn.nodes<1, f32>
  func.return %y : !gnn.nodes<1, f32>
}
// CHECK: 1 weight value outside fixed<10, 4> (set by precision.default), e.g. 1e+38, {{.*}}; no type of at most 62 bits holds it: rescale the model

// -----

func.func @bias_at_the_edge(%x: !gnn.nodes<2, f32> {gnn.name = "x"}) -> !gnn.nodes<1, f32> {
  // fixed<10,4> holds [-8, 8 - 2^-6]: -8 fits, 8 does not.
  %y = gnn.dense %x {gnn.path = "mlp.0", weight = dense<[[-8.0, 1.0]]> : tensor<1x2xf32>, bias = dense<[8.0]> : tensor<1xf32>} : !gnn.nodes<2, f32> -> !gnn.nodes<1, f32>
  func.return %y : !gnn.nodes<1, f32>
}
// CHECK: gnn.dense of module mlp.0: 1 bias value outside fixed<10, 4> (set by precision.default), e.g. 8, {{.*}}; give it a type that holds it, e.g. precision.ops.mlp.0.bias: 'fixed<11, 5>', or a saturating one

// -----

func.func @slope(%x: !gnn.nodes<2, f32> {gnn.name = "x"}) -> !gnn.nodes<2, f32> {
  %y = gnn.activation leaky_relu %x {gnn.path = "act", alpha = 9.5 : f64} : !gnn.nodes<2, f32> -> !gnn.nodes<2, f32>
  func.return %y : !gnn.nodes<2, f32>
}
// CHECK: gnn.activation of module act: 1 alpha value outside fixed<10, 4> {{.*}} precision.ops.act.weight: 'fixed<11, 5>'
