// RUN: gnnc-opt %s --split-input-file -p 'convert-gnn-to-hls{max-nodes=5 max-edges=6 max-graphs=3}' | filecheck %s

// Readout lowering. With a batch: the batch is a [max_nodes][1] port of graph numbers in
// ap_uint<bits(max_graphs - 1)>, n_graphs a count port holding max_graphs, graph-level arrays
// have max_graphs rows. As a scatter: accumulators (and counts) initialised over the graph
// capacity, one loop over the real nodes adding at batch[n][0], one over the real graphs
// (mean: sum * table[count], the table of 1/count for 0..max_nodes; max: 0 for an empty graph).

func.func @main(%x: !gnn.nodes<2, !gnn.fixed<16, 6>> {gnn.name = "x"}, %ei: !gnn.edge_index {gnn.name = "edge_index"}, %b: !gnn.batch {gnn.name = "batch"}) -> (!gnn.graphs<2, !gnn.fixed<16, 6>>, !gnn.graphs<2, !gnn.fixed<16, 6>>) {
  %m = gnn.readout mean %x batch %b {accum_type = !gnn.fixed<19, 9>, recip_type = !gnn.fixed<13, 1, unsigned, rnd>} : !gnn.nodes<2, !gnn.fixed<16, 6>> -> !gnn.graphs<2, !gnn.fixed<16, 6>>
  %mx = gnn.readout max %x batch %b : !gnn.nodes<2, !gnn.fixed<16, 6>> -> !gnn.graphs<2, !gnn.fixed<16, 6>>
  func.return %m, %mx : !gnn.graphs<2, !gnn.fixed<16, 6>>, !gnn.graphs<2, !gnn.fixed<16, 6>>
}

// CHECK:      func.func @main_top(%x: memref<5x2x!gnn.fixed<16, 6>> {{.*}}, %batch: memref<5x1xui2> {hls.name = "batch", hls.direction = "in", hls.role = "batch", hls.rows = "nodes"}, %n_nodes: ui3 {{.*}}, %n_edges: ui3 {{.*}}, %n_graphs: ui2 {hls.name = "n_graphs", hls.role = "count", hls.rows = "graphs", hls.direction = "in"}, %out0: memref<3x2x!gnn.fixed<16, 6>> {{.*}}hls.rows = "graphs"}, %out1: {{.*}}) attributes {{{.*}}hls.max_graphs = 3 : i64}
// CHECK:        %readout_mean1_acc = hls.alloca : memref<3x2x!gnn.fixed<19, 9>>
// CHECK-NEXT:   %readout_mean1_count = hls.alloca : memref<3xui3>
// CHECK:        } {label = "readout_mean1_init", op = "readout_mean1", rows = "graphs"}
// CHECK-NEXT:   hls.for %[[N:.*]] = 0 to 5 limit %n_nodes : ui3 {
// CHECK-NEXT:     %[[Z:.*]] = hls.constant 0 : index
// CHECK-NEXT:     %[[B:.*]] = hls.load %batch[%[[N]], %[[Z]]] : memref<5x1xui2> -> ui2
// CHECK-NEXT:     %[[G:.*]] = hls.index_cast %[[B]] : ui2 -> index
// CHECK:            hls.add %{{.*}}, %{{.*}} : !gnn.fixed<19, 9>, !gnn.fixed<16, 6> -> !gnn.fixed<19, 9>
// CHECK:        } {label = "readout_mean1_nodes", op = "readout_mean1", rows = "nodes"}
// CHECK:        %readout_mean1_recip = hls.rom "readout_mean1_recip" {data = dense<[0, 4096, 2048, 1365, 1024, 819]> : tensor<6xi16>}
// CHECK-NEXT:   hls.for %{{.*}} = 0 to 3 limit %n_graphs : ui2 {
// CHECK:            hls.mul %{{.*}}, %{{.*}} : !gnn.fixed<19, 9>, !gnn.fixed<13, 1, unsigned, rnd> -> !gnn.fixed<16, 6>
// CHECK:        } {label = "readout_mean1_graphs", op = "readout_mean1", rows = "graphs"}
// CHECK:            hls.constant -32768 : !gnn.fixed<16, 6>
// CHECK:            hls.max %{{.*}}, %{{.*}} : !gnn.fixed<16, 6>, !gnn.fixed<16, 6> -> !gnn.fixed<16, 6>
// CHECK:            hls.select_positive %{{.*}}, %{{.*}}, %{{.*}} : ui1, !gnn.fixed<16, 6>
// CHECK:        } {label = "output_out0", op = "output_out0", rows = "graphs"}

// -----

// Without a batch a call is one graph: [1][F] graph arrays, graph 0 for every node, no n_graphs.

func.func @one(%x: !gnn.nodes<2, !gnn.fixed<16, 6>> {gnn.name = "x"}, %ei: !gnn.edge_index {gnn.name = "edge_index"}) -> !gnn.graphs<2, !gnn.fixed<16, 6>> {
  %s = gnn.readout sum %x {accum_type = !gnn.fixed<19, 9>} : !gnn.nodes<2, !gnn.fixed<16, 6>> -> !gnn.graphs<2, !gnn.fixed<16, 6>>
  func.return %s : !gnn.graphs<2, !gnn.fixed<16, 6>>
}

// CHECK:      func.func @one(%x: {{.*}}, %n_nodes: ui3 {{.*}}, %n_edges: ui3 {{.*}}, %out0: memref<1x2x!gnn.fixed<16, 6>> {{.*}}) attributes {hls.top, hls.max_nodes = 5 : i64, hls.max_edges = 6 : i64} {
// CHECK:        hls.for %[[N:.*]] = 0 to 5 limit %n_nodes : ui3 {
// CHECK-NEXT:     %[[G:.*]] = hls.constant 0 : index
// CHECK:            hls.load %readout_sum1_acc[%[[G]], %{{.*}}]
// CHECK:        hls.for %{{.*}} = 0 to 1 {
// CHECK:            hls.cast %{{.*}} : !gnn.fixed<19, 9> -> !gnn.fixed<16, 6>
// CHECK:        } {label = "readout_sum1_graphs", op = "readout_sum1", rows = "graphs"}

// -----

// gnn.softmax: per real row, the max over its features, exp of each exact difference and their
// exact sum, 1/sum (table, one Newton step), the weights exp * 1/sum.

func.func @probabilities(%x: !gnn.nodes<2, !gnn.fixed<16, 6>> {gnn.name = "x"}, %ei: !gnn.edge_index {gnn.name = "edge_index"}) -> !gnn.graphs<2, !gnn.fixed<14, 1, unsigned, rnd>> {
  %s = gnn.readout sum %x {accum_type = !gnn.fixed<19, 9>} : !gnn.nodes<2, !gnn.fixed<16, 6>> -> !gnn.graphs<2, !gnn.fixed<16, 6>>
  %p = gnn.softmax %s {exp_type = !gnn.fixed<14, 1, unsigned, rnd>, accum_type = !gnn.fixed<15, 2, unsigned>, recip_type = !gnn.fixed<14, 1, unsigned, rnd>, exp_table_size = 1024 : i64, exp_table_min = -8 : i64, exp_table_scale = 128 : i64, recip_table_size = 1024 : i64, recip_table_scale = 256 : i64, newton_steps = 1 : i64} : !gnn.graphs<2, !gnn.fixed<16, 6>> -> !gnn.graphs<2, !gnn.fixed<14, 1, unsigned, rnd>>
  func.return %p : !gnn.graphs<2, !gnn.fixed<14, 1, unsigned, rnd>>
}

// CHECK:      %softmax2_exp = hls.rom "softmax2_exp"
// CHECK-NEXT: %softmax2_recip = hls.rom "softmax2_recip"
// CHECK:        hls.for %[[R:.*]] = 0 to 1 {
// CHECK-NEXT:     %softmax2_max = hls.alloca : memref<!gnn.fixed<16, 6>>
// CHECK-NEXT:     %softmax2_sum = hls.alloca : memref<!gnn.fixed<15, 2, unsigned>>
// CHECK-NEXT:     %softmax2_exp_f = hls.alloca : memref<2x!gnn.fixed<14, 1, unsigned, rnd>>
// CHECK:          hls.max %{{.*}}, %{{.*}} : !gnn.fixed<16, 6>, !gnn.fixed<16, 6> -> !gnn.fixed<16, 6>
// CHECK:          } {label = "softmax2_max_f"}
// CHECK:            hls.table_index %{{.*}} {table_size = 1024 : i64, table_min = -8 : i64, table_scale = 128 : i64} : !gnn.fixed<19, 9>
// CHECK:            hls.add %{{.*}}, %{{.*}} : !gnn.fixed<15, 2, unsigned>, !gnn.fixed<14, 1, unsigned, rnd> -> !gnn.fixed<15, 2, unsigned>
// CHECK:          } {label = "softmax2_exp_f"}
// CHECK:          hls.table_index %{{.*}} {table_size = 1024 : i64, table_min = 0 : i64, table_scale = 256 : i64} : !gnn.fixed<15, 2, unsigned>
// CHECK:          hls.mul %{{.*}}, %{{.*}} : !gnn.fixed<14, 1, unsigned, rnd>, !gnn.fixed<14, 1, unsigned, rnd> -> !gnn.fixed<14, 1, unsigned, rnd>
// CHECK:        } {label = "softmax2_weight_f"}
// CHECK-NEXT: } {label = "softmax2", op = "softmax2", rows = "graphs"}
