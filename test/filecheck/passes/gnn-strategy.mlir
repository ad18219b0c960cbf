// RUN: gnnc-opt %s -p 'gnn-strategy' | filecheck %s --check-prefix=NONE
// RUN: gnnc-opt %s -p 'gnn-strategy{default=distributed_arithmetic}' | filecheck %s --check-prefix=DA
// RUN: gnnc-opt %s -p 'gnn-strategy{kinds="dense=resource;relu=resource" ops="R1.layers.2=distributed_arithmetic"}' | filecheck %s --check-prefix=MIX
// RUN: gnnc-opt %s -p 'gnn-strategy{ops="R1.layers.2=distributed_arithmetic"},convert-gnn-to-hls{max-nodes=4 max-edges=6}' | filecheck %s --check-prefix=HLS
// RUN: not gnnc-opt %s -p 'gnn-strategy{default=fast}' 2>&1 | filecheck %s --check-prefix=BADNAME
// RUN: not gnnc-opt %s -p 'gnn-strategy{kinds="relu=distributed_arithmetic"}' 2>&1 | filecheck %s --check-prefix=BADKIND
// RUN: not gnnc-opt %s -p 'gnn-strategy{kinds="conv=latency"}' 2>&1 | filecheck %s --check-prefix=UNKNOWNKIND
// RUN: not gnnc-opt %s -p 'gnn-strategy{ops="R1.layers.1=distributed_arithmetic"}' 2>&1 | filecheck %s --check-prefix=NODENSE
// RUN: not gnnc-opt %s -p 'gnn-strategy{ops="R9=resource"}' 2>&1 | filecheck %s --check-prefix=NOPATH

// An edge MLP: dense, relu, dense (paths R1.layers.0/1/2).
func.func @mlp(%e: !gnn.edges<2, !gnn.fixed<8, 3>> {gnn.name = "e"}) -> !gnn.edges<1, !gnn.fixed<8, 3>> {
  %a = gnn.dense %e {weight = dense<[[0.5, -1.0], [1.0, 0.75]]> : tensor<2x2xf32>, weight_type = !gnn.fixed<8, 3>, accum_type = !gnn.fixed<17, 7>, gnn.path = "R1.layers.0"} : !gnn.edges<2, !gnn.fixed<8, 3>> -> !gnn.edges<2, !gnn.fixed<8, 3>>
  %r = gnn.activation relu %a {gnn.path = "R1.layers.1"} : !gnn.edges<2, !gnn.fixed<8, 3>> -> !gnn.edges<2, !gnn.fixed<8, 3>>
  %m = gnn.dense %r {weight = dense<[[1.5, -0.25]]> : tensor<1x2xf32>, weight_type = !gnn.fixed<8, 3>, accum_type = !gnn.fixed<17, 7>, gnn.path = "R1.layers.2"} : !gnn.edges<2, !gnn.fixed<8, 3>> -> !gnn.edges<1, !gnn.fixed<8, 3>>
  func.return %m : !gnn.edges<1, !gnn.fixed<8, 3>>
}

// Latency everywhere: nothing is marked.
// NONE-NOT: gnn.strategy

// The default reaches the denses only: distributed_arithmetic is a product by constant weights.
// DA:      gnn.dense %e {{.*}}gnn.strategy = "distributed_arithmetic"
// DA-NEXT: gnn.activation relu %a {gnn.path = "R1.layers.1"}
// DA-NEXT: gnn.dense %r {{.*}}gnn.strategy = "distributed_arithmetic"

// Most specific wins: the op path over the activation function over the op kind.
// MIX:      gnn.dense %e {{.*}}gnn.strategy = "resource"
// MIX-NEXT: gnn.activation relu %a {{.*}}gnn.strategy = "resource"
// MIX-NEXT: gnn.dense %r {{.*}}gnn.strategy = "distributed_arithmetic"

// convert-gnn-to-hls copies the strategy onto the op's top-level loops.
// HLS:     op = "R1_layers_0_dense", path = "R1.layers.0", rows = "edges"}
// HLS:     op = "R1_layers_2_dense", path = "R1.layers.2", rows = "edges", strategy = "distributed_arithmetic"}

// BADNAME: gnn-strategy{default}: 'fast' is not a strategy; known: latency, resource, distributed_arithmetic
// BADKIND: strategy.kinds.relu: distributed_arithmetic applies to dense ops only
// UNKNOWNKIND: strategy.kinds.conv: unknown op kind; known kinds: dense,
// NODENSE: strategy.ops.R1.layers.1: distributed_arithmetic applies to dense ops only, and R1.layers.1 has none (it has gnn.activation)
// NOPATH: strategy.ops.R9: no op has this module path
