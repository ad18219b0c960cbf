// RUN: gnnc-opt %s -p 'gnn-strategy{default=distributed_arithmetic},convert-gnn-to-hls{max-nodes=4 max-edges=6}' | filecheck %s
// RUN: gnnc-opt %s -p 'gnn-strategy{default=distributed_arithmetic},convert-gnn-to-hls{max-nodes=4 max-edges=6}' -t vitis | filecheck %s --check-prefix=VITIS
// RUN: gnnc-opt %s -p 'gnn-strategy{default=distributed_arithmetic},convert-gnn-to-hls{max-nodes=4 max-edges=6}' -t oneapi | filecheck %s --check-prefix=ONEAPI
// RUN: gnnc-opt %s -p 'gnn-strategy{default=distributed_arithmetic},convert-gnn-to-hls{max-nodes=4 max-edges=6},hls-parallelize,hls-reuse{reuse-factor=2}' | filecheck %s --check-prefix=DEFAULTRF
// RUN: not gnnc-opt %s -p 'gnn-strategy{default=distributed_arithmetic},convert-gnn-to-hls{max-nodes=4 max-edges=6},hls-parallelize,hls-reuse{reuse="R1.layers.0=2"}' 2>&1 | filecheck %s --check-prefix=RF

// W = [[0.5, -1], [1, 0.75]] on x in fixed<8,3> (x0, x1 in [-4, 4)): alkaid's adder graph
// computes out0 = (x0 - 2 x1) / 2 and out1 = (x0 + x1) - x1 / 4 with shifts and two-input adders.
// Every type is the exact range of its value at the inputs' resolution (x1/4 has 7 fractional
// bits; x0 + 0.75 x1 lies in [-7, 7)), so the sums equal the multiply-accumulate bit for bit.
func.func @mlp(%e: !gnn.edges<2, !gnn.fixed<8, 3>> {gnn.name = "e"}) -> !gnn.edges<2, !gnn.fixed<8, 3>> {
  %a = gnn.dense %e {weight = dense<[[0.5, -1.0], [1.0, 0.75]]> : tensor<2x2xf32>, weight_type = !gnn.fixed<8, 3>, accum_type = !gnn.fixed<17, 7>, gnn.path = "R1.layers.0"} : !gnn.edges<2, !gnn.fixed<8, 3>> -> !gnn.edges<2, !gnn.fixed<8, 3>>
  func.return %a : !gnn.edges<2, !gnn.fixed<8, 3>>
}

// No multiplier and no weight ROM: straight-line adders per row, each with alkaid's cost.
// CHECK-NOT: hls.mul
// CHECK-NOT: hls.rom
// CHECK:      hls.for %[[R:.*]] = 0 to 6 limit %n_edges : ui3 {
// CHECK:        %[[X0:.*]] = hls.load %e[%[[R]], %{{.*}}]
// CHECK:        %[[X1:.*]] = hls.load %e[%[[R]], %{{.*}}]
// CHECK-NEXT:   %[[S:.*]] = hls.add %[[X0]], %[[X1]] {hls.adder_cost = 8 : i64} : !gnn.fixed<8, 3>, !gnn.fixed<8, 3> -> !gnn.fixed<9, 4>
// CHECK-NEXT:   %[[Q:.*]] = hls.shift %[[X1]] by -2 : !gnn.fixed<8, 3> -> !gnn.fixed<8, 1>
// CHECK-NEXT:   %[[O1:.*]] = hls.sub %[[S]], %[[Q]] {hls.adder_cost = 10 : i64} : !gnn.fixed<9, 4>, !gnn.fixed<8, 1> -> !gnn.fixed<11, 4>
// CHECK-NEXT:   %[[D:.*]] = hls.shift %[[X1]] by 1 : !gnn.fixed<8, 3> -> !gnn.fixed<8, 4>
// CHECK-NEXT:   %[[T:.*]] = hls.sub %[[X0]], %[[D]] {hls.adder_cost = 8 : i64} : !gnn.fixed<8, 3>, !gnn.fixed<8, 4> -> !gnn.fixed<10, 5>
// CHECK-NEXT:   %[[O0:.*]] = hls.shift %[[T]] by -1 : !gnn.fixed<10, 5> -> !gnn.fixed<10, 4>
// Then, per output, the accumulator type (the bias would be added here) and the result cast.
// CHECK-NEXT:   %[[A0:.*]] = hls.cast %[[O0]] : !gnn.fixed<10, 4> -> !gnn.fixed<17, 7>
// CHECK-NEXT:   %[[R0:.*]] = hls.cast %[[A0]] : !gnn.fixed<17, 7> -> !gnn.fixed<8, 3>
// CHECK:        hls.store %[[R0]], %R1_layers_0_dense[%[[R]], %{{.*}}]
// CHECK:        %[[A1:.*]] = hls.cast %[[O1]] : !gnn.fixed<11, 4> -> !gnn.fixed<17, 7>
// CHECK:      } {label = "R1_layers_0_dense", op = "R1_layers_0_dense", path = "R1.layers.0", rows = "edges", strategy = "distributed_arithmetic"}

// Both printers widen before shifting (ap_fixed / ac_fixed shift within their own type):
// x1 / 4 goes through a type with x1's integer bits and the result's fractional bits.
// VITIS-DAG: ap_fixed<10, 3>({{[^)]*}}) >> 2
// VITIS-DAG: ap_fixed<9, 4>({{[^)]*}}) << 1
// ONEAPI-DAG: ac_fixed<10, 3, true>({{[^)]*}}) >> 2
// ONEAPI-DAG: ac_fixed<9, 4, true>({{[^)]*}}) << 1

// A design-wide reuse factor leaves the DA dense alone (it has no multiplier to share): no
// pipelining of its rows, no multiplier limit.
// DEFAULTRF-NOT: mul_limit
// DEFAULTRF:     strategy = "distributed_arithmetic"
// DEFAULTRF-NOT: pipeline_ii = 2
// An explicit one for it is an error that says why.
// RF: reuse_factor.ops: 2 for R1.layers.0 (R1_layers_0_dense), whose strategy is distributed_arithmetic: alkaid's adder graphs are fully unrolled
