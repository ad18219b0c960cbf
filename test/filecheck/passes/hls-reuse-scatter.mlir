// RUN: gnnc-opt %s -p 'convert-gnn-to-hls{max-nodes=4 max-edges=6},hls-parallelize,hls-reuse{edges=2},hls-partition-arrays' | filecheck %s
// RUN: gnnc-opt %s -p 'convert-gnn-to-hls{max-nodes=4 max-edges=6},hls-parallelize,hls-reuse{edges=2 copies=false}' | filecheck %s --check-prefix=ONE
// RUN: gnnc-opt %s -p 'convert-gnn-to-hls{max-nodes=4 max-edges=6},hls-parallelize,hls-reuse{edges=2},hls-partition-arrays' | gnnc-opt -t vitis | filecheck %s --check-prefix=CPP

// A min scatter: an accumulator per node and a 1-bit "seen" flag.
func.func @main(%m: !gnn.edges<1, !gnn.fixed<8, 3>> {gnn.name = "m"}, %ei: !gnn.edge_index {gnn.name = "edge_index"}) -> !gnn.nodes<1, !gnn.fixed<8, 3>> attributes {gnn.outputs = ["y"]} {
  %a = gnn.scatter min dst %m, %ei : !gnn.edges<1, !gnn.fixed<8, 3>> -> !gnn.nodes<1, !gnn.fixed<8, 3>>
  func.return %a : !gnn.nodes<1, !gnn.fixed<8, 3>>
}

// Two edges per cycle: both arrays get 2 copies, initialised alike; edge e updates copy e % 2,
// so the two edges of a cycle never touch the same copy, even when they hit the same node.
// CHECK:      %[[ACC:.*]] = hls.alloca {{.*}}: memref<2x4x1x!gnn.fixed<8, 3>>
// CHECK:      %[[SEEN:.*]] = hls.alloca {{.*}}: memref<2x4xui1>
// CHECK:        hls.store %{{.*}}, %[[SEEN]][%{{.*}}, %{{.*}}] : ui1, memref<2x4xui1>
// CHECK:        } {label = "scatter_min1_count_copies", unroll = 0 : i64}
// CHECK:        } {label = "scatter_min1_acc_copies", unroll = 0 : i64}
// CHECK:      } {label = "scatter_min1_init", {{.*}}unroll = 0 : i64}
// CHECK-NEXT: hls.for %[[E:.*]] = 0 to 6 limit %n_edges : ui3 {
// CHECK-NEXT:   %[[TWO:.*]] = hls.constant 2 : index
// CHECK-NEXT:   %[[COPY:.*]] = hls.rem %[[E]], %[[TWO]] : index, index -> index
// CHECK:        hls.store %{{.*}}, %[[SEEN]][%[[COPY]], %{{.*}}]
// CHECK:          %[[OLD:.*]] = hls.load %[[ACC]][%[[COPY]], %{{.*}}, %{{.*}}]
// CHECK-NEXT:     %[[NEW:.*]] = hls.min %{{.*}}, %{{.*}}
// CHECK-NEXT:     hls.store %[[NEW]], %[[ACC]][%[[COPY]], %{{.*}}, %{{.*}}]
// CHECK:      } {label = "scatter_min1_edges", {{.*}}unroll = 2 : i64, pipeline_ii = 1 : i64}
// The node loop merges the copies: seen flags by max (or), values by min.
// CHECK:        %[[S0:.*]] = hls.load %[[SEEN]][%{{.*}}, %{{.*}}] : memref<2x4xui1> -> ui1
// CHECK:        %[[S1:.*]] = hls.load %[[SEEN]][%{{.*}}, %{{.*}}] : memref<2x4xui1> -> ui1
// CHECK-NEXT:   hls.max %[[S0]], %[[S1]] : ui1, ui1 -> ui1
// CHECK:          hls.min
// CHECK:      } {label = "scatter_min1_nodes"

// copies=false keeps one accumulator (HLS then serialises the two updates of a cycle).
// ONE:      hls.alloca : memref<4x1x!gnn.fixed<8, 3>>
// ONE-NOT:  hls.rem

// CPP: int [[C:.*]] = [[E:.*]] % [[TWO:.*]];
