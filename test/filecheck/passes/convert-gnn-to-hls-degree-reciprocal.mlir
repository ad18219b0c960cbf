// RUN: gnnc-opt %s -p 'convert-gnn-to-hls{max-nodes=4 max-edges=6}' | filecheck %s
// RUN: gnnc-opt %s | filecheck %s --check-prefix=ROUND

// gnn.degree_norm {drop_self_loops, reciprocal}: the mean over the kept edges of add_self_loops'
// fill_value='mean' (after remove_self_loops). Count the edges at dst that are not self loops,
// then read 1/count (0 for no edge) from a table of max-edges + 1 entries (1.0 = 2048 with 11
// fractional bits: 1/3 = 682.67 -> 683, rnd).

func.func @main(%ei: !gnn.edge_index {gnn.name = "edge_index"}) -> !gnn.nodes<1, !gnn.fixed<12, 1, unsigned, rnd>> {
  %dn = gnn.degree_norm dst %ei {drop_self_loops, reciprocal} : !gnn.nodes<1, !gnn.fixed<12, 1, unsigned, rnd>>
  func.return %dn : !gnn.nodes<1, !gnn.fixed<12, 1, unsigned, rnd>>
}

// ROUND: %dn = gnn.degree_norm dst %ei {drop_self_loops, reciprocal} : !gnn.nodes<1, !gnn.fixed<12, 1, unsigned, rnd>>

// CHECK:      %[[C:degree_norm[0-9]+]]_count = hls.alloca : memref<4xui3>
// CHECK-NEXT: %[[C]]_table = hls.rom "[[C]]_table" {data = dense<[0, 2048, 1024, 683, 512, 410, 341]> : tensor<7xi16>} : memref<7x!gnn.fixed<12, 1, unsigned, rnd>>
// CHECK:      hls.for %{{.*}} = 0 to 6 limit %n_edges : ui3 {
// CHECK:        %[[STEP:.*]] = hls.select_positive %{{.*}}, %{{.*}}, %{{.*}} : index, ui3
// CHECK-NEXT:   hls.add %{{.*}}, %[[STEP]] : ui3, ui3 -> ui3
// CHECK:      } {label = "[[C]]_edges"{{.*}}}
// CHECK:        hls.load %[[C]]_table[%{{.*}}]
// CHECK:      } {label = "[[C]]_nodes"{{.*}}}
