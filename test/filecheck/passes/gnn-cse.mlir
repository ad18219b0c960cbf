// RUN: gnnc-opt %s --split-input-file -p gnn-cse | filecheck %s
// RUN: gnnc-opt %s --split-input-file -p gnn-cse,dce | filecheck %s --check-prefix=DCE
// RUN: gnnc-opt %s --split-input-file -p cse | filecheck %s --check-prefix=XDSL
// RUN: not gnnc-opt %s -p 'gnn-cse{aggressive=1}' 2>&1 | filecheck %s --check-prefix=OPTION

// Two GCN layers compute the same normalisation under different module paths: gnn-cse
// keeps the first (and its path); xDSL's cse compares gnn.path too and keeps both.

func.func @two_layers(%x: !gnn.nodes<2, f32>, %ei: !gnn.edge_index) -> (!gnn.edges<1, f32>, !gnn.edges<1, f32>) {
  %d1 = gnn.degree_norm dst %ei {gnn.path = "conv1", add_self_loops} : !gnn.nodes<1, f32>
  %g1 = gnn.gather src %d1, %ei {gnn.path = "conv1"} : !gnn.nodes<1, f32> -> !gnn.edges<1, f32>
  %d2 = gnn.degree_norm dst %ei {gnn.path = "conv2", add_self_loops} : !gnn.nodes<1, f32>
  %g2 = gnn.gather src %d2, %ei {gnn.path = "conv2"} : !gnn.nodes<1, f32> -> !gnn.edges<1, f32>
  %d3 = gnn.degree_norm dst %ei {gnn.path = "conv3"} : !gnn.nodes<1, f32>
  func.return %g1, %g2 : !gnn.edges<1, f32>, !gnn.edges<1, f32>
}

// CHECK-LABEL: func.func @two_layers
// CHECK-NEXT:    %d1 = gnn.degree_norm dst %ei {gnn.path = "conv1", add_self_loops} : !gnn.nodes<1, f32>
// CHECK-NEXT:    %g1 = gnn.gather src %d1, %ei {gnn.path = "conv1"}
// Different properties (no add_self_loops): a different value.
// CHECK-NEXT:    %d3 = gnn.degree_norm dst %ei {gnn.path = "conv3"}
// CHECK-NEXT:    func.return %g1, %g1

// DCE-LABEL: func.func @two_layers
// DCE-NEXT:    gnn.degree_norm dst %ei {gnn.path = "conv1", add_self_loops}
// DCE-NEXT:    gnn.gather src
// DCE-NEXT:    func.return %g1, %g1

// XDSL-LABEL: func.func @two_layers
// XDSL:         %d2 = gnn.degree_norm dst %ei {gnn.path = "conv2", add_self_loops}

// -----

// Same op, different weights or ends: nothing merges.

func.func @different(%x: !gnn.nodes<1, f32>, %ei: !gnn.edge_index) -> (!gnn.edges<1, f32>, !gnn.edges<1, f32>, !gnn.nodes<1, f32>, !gnn.nodes<1, f32>) {
  %a = gnn.gather src %x, %ei : !gnn.nodes<1, f32> -> !gnn.edges<1, f32>
  %b = gnn.gather dst %x, %ei : !gnn.nodes<1, f32> -> !gnn.edges<1, f32>
  %c = gnn.dense %x {weight = dense<[[1.0]]> : tensor<1x1xf32>} : !gnn.nodes<1, f32> -> !gnn.nodes<1, f32>
  %d = gnn.dense %x {weight = dense<[[2.0]]> : tensor<1x1xf32>} : !gnn.nodes<1, f32> -> !gnn.nodes<1, f32>
  func.return %a, %b, %c, %d : !gnn.edges<1, f32>, !gnn.edges<1, f32>, !gnn.nodes<1, f32>, !gnn.nodes<1, f32>
}

// CHECK-LABEL: func.func @different
// CHECK-NEXT:    %a = gnn.gather src
// CHECK-NEXT:    %b = gnn.gather dst
// CHECK-NEXT:    %c = gnn.dense
// CHECK-NEXT:    %d = gnn.dense
// CHECK-NEXT:    func.return %a, %b, %c, %d

// OPTION: gnnc-opt: error: pass 'gnn-cse' has no option 'aggressive' (options: none)
