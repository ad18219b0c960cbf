// RUN: gnnc-opt %s -p 'convert-gnn-to-hls{max-nodes=4 max-edges=6 top=layer},hls-parallelize,hls-dataflow,hls-partition-arrays' | filecheck %s
// RUN: gnnc-opt %s -p 'convert-gnn-to-hls{max-nodes=4 max-edges=6 top=layer},hls-parallelize,hls-reuse{reuse-factor=2},hls-dataflow' | filecheck %s --check-prefix=RF
// RUN: gnnc-opt %s -p 'convert-gnn-to-hls{max-nodes=4 max-edges=6 top=layer},hls-parallelize,hls-dataflow,hls-partition-arrays' | gnnc-opt -t vitis | filecheck %s --check-prefix=VITIS
// RUN: gnnc-opt %s -p 'convert-gnn-to-hls{max-nodes=4 max-edges=6 top=layer},hls-parallelize,hls-dataflow,hls-partition-arrays' | gnnc-opt -t oneapi | filecheck %s --check-prefix=ONEAPI
// RUN: not gnnc-opt %s -p 'convert-gnn-to-hls{max-nodes=4 max-edges=6},hls-dataflow,hls-dataflow' 2>&1 | filecheck %s --check-prefix=TWICE
// RUN: not gnnc-opt %s -p 'convert-gnn-to-hls{max-nodes=4 max-edges=6},hls-dataflow{interface=ap_vld}' 2>&1 | filecheck %s --check-prefix=IFACE
// RUN: not gnnc-opt %s -p 'hls-dataflow' 2>&1 | filecheck %s --check-prefix=NOHLS

// x is read by a gather and by the add; the dense's result by the scatter and the add.
func.func @main(%x: !gnn.nodes<2, !gnn.fixed<8, 3>> {gnn.name = "x"}, %ei: !gnn.edge_index {gnn.name = "edge_index"}) -> !gnn.nodes<2, !gnn.fixed<8, 3>> attributes {gnn.outputs = ["y"]} {
  %xj = gnn.gather src %x, %ei : !gnn.nodes<2, !gnn.fixed<8, 3>> -> !gnn.edges<2, !gnn.fixed<8, 3>>
  %m = gnn.dense %xj {weight = dense<[[0.5, -1.0], [1.0, 0.25]]> : tensor<2x2xf32>, weight_type = !gnn.fixed<8, 3>, accum_type = !gnn.fixed<17, 7>, gnn.path = "mlp.0"} : !gnn.edges<2, !gnn.fixed<8, 3>> -> !gnn.edges<2, !gnn.fixed<8, 3>>
  %a = gnn.scatter sum dst %m, %ei {accum_type = !gnn.fixed<11, 6>} : !gnn.edges<2, !gnn.fixed<8, 3>> -> !gnn.nodes<2, !gnn.fixed<8, 3>>
  %y = gnn.add %a, %x : !gnn.nodes<2, !gnn.fixed<8, 3>>, !gnn.nodes<2, !gnn.fixed<8, 3>> -> !gnn.nodes<2, !gnn.fixed<8, 3>>
  func.return %y : !gnn.nodes<2, !gnn.fixed<8, 3>>
}

// One stage function per gnn op. An input port read by two stages is split first.
// CHECK:      func.func private @edge_index_split_stage(%n_edges: ui3 {hls.name = "n_edges"}, %edge_index: !hls.stream<2, ui2> {{.*}}, %edge_index_to_gather{{[0-9]+}}: !hls.stream<2, ui2> {{.*}}, %edge_index_to_scatter_sum{{[0-9]+}}: !hls.stream<2, ui2> {{.*}}) attributes {hls.stage = "edge_index_split"}
// CHECK:        hls.for %{{.*}} = 0 to 6 limit %n_edges : ui3 {
// CHECK-NEXT:     %edge_index_row = hls.alloca {partition = [#hls.partition<complete dim 0>]} : memref<2xui2>
// CHECK-NEXT:     hls.stream_read %edge_index into %edge_index_row
// CHECK-NEXT:     hls.stream_write %edge_index_row into %edge_index_to_gather
// CHECK-NEXT:     hls.stream_write %edge_index_row into %edge_index_to_scatter_sum
// CHECK-NEXT:   } {label = "edge_index_split", op = "edge_index_split", rows = "edges", pipeline_ii = 1 : i64}
// CHECK:      func.func private @x_split_stage
// The gather looks nodes up by index: x is read into a local array first; edge_index
// and the gathered rows flow through one row per iteration, without being stored.
// CHECK:      func.func private @gather{{[0-9]+}}_stage(
// CHECK-NEXT:   %x = hls.alloca {partition = [#hls.partition<complete dim 2>]} : memref<4x2x!gnn.fixed<8, 3>>
// CHECK-NEXT:   hls.for %[[N:.*]] = 0 to 4 limit %n_nodes : ui3 {
// CHECK-NEXT:     %x_row = hls.alloca
// CHECK-NEXT:     hls.stream_read %x_to_gather{{[0-9]+}} into %x_row
// CHECK:          hls.store %{{.*}}, %x[%[[N]], %{{.*}}]
// CHECK:        } {label = "x_read", op = "gather{{[0-9]+}}", rows = "nodes", pipeline_ii = 1 : i64}
// CHECK-NEXT:   hls.for %{{.*}} = 0 to 6 limit %n_edges : ui3 {
// CHECK-NEXT:     %gather{{[0-9]+}}_row = hls.alloca
// CHECK-NEXT:     %edge_index_row = hls.alloca
// CHECK-NEXT:     hls.stream_read %edge_index_to_gather{{[0-9]+}} into %edge_index_row
// CHECK-NEXT:     %{{.*}} = hls.constant 0 : index
// CHECK-NEXT:     %{{.*}} = hls.load %edge_index_row[%{{.*}}] : memref<2xui2> -> ui2
// CHECK:          hls.stream_write %gather{{[0-9]+}}_row into %gather{{[0-9]+}}_to_mlp_0_dense
// CHECK-NEXT:   } {label = "gather{{[0-9]+}}", op = "gather{{[0-9]+}}", rows = "edges", pipeline_ii = 1 : i64}
// The dense: one row in, one row out per cycle; its weights are the stage's own.
// CHECK:      func.func private @mlp_0_dense_stage(
// CHECK:        %mlp_0_dense_w = hls.rom "mlp_0_dense_w"
// CHECK:        hls.stream_write %mlp_0_dense_row into %mlp_0_dense_to_scatter_sum{{[0-9]+}}
// CHECK:      } {label = "mlp_0_dense", op = "mlp_0_dense", path = "mlp.0", rows = "edges", pipeline_ii = 1 : i64}
// The scatter keeps its accumulator to itself (init, edges, nodes: one stage).
// CHECK:      func.func private @scatter_sum{{[0-9]+}}_stage(
// CHECK-NEXT:   %scatter_sum{{[0-9]+}}_acc = hls.alloca {partition = [#hls.partition<complete dim 2>]} : memref<4x2x!gnn.fixed<11, 6>>
// CHECK:        } {label = "scatter_sum{{[0-9]+}}_init", {{.*}}pipeline_ii = 1 : i64}
// CHECK:        } {label = "scatter_sum{{[0-9]+}}_edges", {{.*}}pipeline_ii = 1 : i64}
// CHECK:          hls.stream_write %scatter_sum{{[0-9]+}}_row into %scatter_sum{{[0-9]+}}_to_add{{[0-9]+}}
// CHECK:        } {label = "scatter_sum{{[0-9]+}}_nodes", {{.*}}pipeline_ii = 1 : i64}
// The add reads both operands row by row; the output stage writes the port.
// CHECK:      func.func private @add{{[0-9]+}}_stage(
// CHECK:        hls.stream_read %scatter_sum{{[0-9]+}}_to_add{{[0-9]+}} into
// CHECK:        hls.stream_read %x_to_add{{[0-9]+}} into
// CHECK:      func.func private @output_y_stage(
// CHECK:        hls.stream_write %y_row into %y
// The top: stream ports (axis), channels holding a whole array, the stages in order.
// CHECK:      func.func @layer(%x: !hls.stream<2, !gnn.fixed<8, 3>> {{{.*}}hls.interface = "axis"}, %edge_index: !hls.stream<2, ui2> {{.*}}, %n_nodes: ui3 {{.*}}, %n_edges: ui3 {{.*}}, %y: !hls.stream<2, !gnn.fixed<8, 3>> {{.*}})
// CHECK-SAME: hls.dataflow
// CHECK-NOT:  hls.pipeline_ii
// CHECK:        %x_to_gather{{[0-9]+}} = hls.channel {depth = 4 : i64} : !hls.stream<2, !gnn.fixed<8, 3>>
// CHECK:        %gather{{[0-9]+}}_to_mlp_0_dense = hls.channel {depth = 6 : i64}
// CHECK:        func.call @edge_index_split_stage(%n_edges, %edge_index,
// CHECK-NEXT:   func.call @x_split_stage(%n_nodes, %x,
// CHECK-NEXT:   func.call @gather{{[0-9]+}}_stage(
// CHECK-NEXT:   func.call @mlp_0_dense_stage(
// CHECK-NEXT:   func.call @scatter_sum{{[0-9]+}}_stage(
// CHECK-NEXT:   func.call @add{{[0-9]+}}_stage(
// CHECK-NEXT:   func.call @output_y_stage(
// CHECK-NEXT:   func.return

// A reuse factor set by hls-reuse is kept: the dense's row loop at II 2 with two multipliers.
// RF:         } {label = "mlp_0_dense", op = "mlp_0_dense", path = "mlp.0", rows = "edges", pipeline_ii = 2 : i64, mul_limit = 2 : i64}

// VITIS:      static void gather{{[0-9]+}}_stage(
// VITIS:        hls::stream<gnnc_row<ap_fixed<8, 3>, 2> >& x_to_gather{{[0-9]+}},
// VITIS:      #pragma HLS INLINE off
// VITIS:          gnnc_read(x_to_gather{{[0-9]+}}, x_row);
// VITIS:      void layer(
// VITIS-NEXT:     hls::stream<gnnc_row<ap_fixed<8, 3>, 2> >& x,
// VITIS:      #pragma HLS INTERFACE mode=axis port=x
// VITIS:      #pragma HLS DATAFLOW
// VITIS-NEXT:   hls::stream<gnnc_row<ap_fixed<8, 3>, 2> > x_to_gather{{[0-9]+}}("x_to_gather{{[0-9]+}}");
// VITIS-NEXT: #pragma HLS STREAM variable=x_to_gather{{[0-9]+}} depth=4
// VITIS:        edge_index_split_stage(n_edges, edge_index, edge_index_to_gather{{[0-9]+}}, edge_index_to_scatter_sum{{[0-9]+}});
// VITIS:      // ---- gnnc_stream.h ----

// Pipes are types: stages take the counts only, and read and write pipes by name.
// ONEAPI:      using layer_x_to_gather{{[0-9]+}}_pipe = sycl::ext::intel::pipe<layer_x_to_gather{{[0-9]+}}_pipe_id, gnnc_row<ac_fixed<8, 3, true>, 2>, 4>;
// ONEAPI:      static void edge_index_split_stage(
// ONEAPI-NEXT:     ac_int<3, false> n_edges
// ONEAPI-NEXT: ) {
// ONEAPI:          gnnc_read<layer_edge_index_pipe>(edge_index_row);
// ONEAPI-NEXT:     gnnc_write<layer_edge_index_to_gather{{[0-9]+}}_pipe>(edge_index_row);
// ONEAPI:      void layer(
// ONEAPI:        sycl::ext::intel::experimental::task_sequence<edge_index_split_stage> edge_index_split_stage_task;
// ONEAPI-NEXT:   edge_index_split_stage_task.async(n_edges);
// ONEAPI:        output_y_stage_task.get();
// ONEAPI:      void layer_kernel::operator()() const {
// ONEAPI-NEXT:   ac_int<3, false> n_nodes = layer_n_nodes_pipe::read();
// ONEAPI-NEXT:   ac_int<3, false> n_edges = layer_n_edges_pipe::read();
// ONEAPI-NEXT:   layer(n_nodes, n_edges);
// ONEAPI-NEXT: }

// TWICE: hls-dataflow: the top function is already a dataflow design
// IFACE: hls-dataflow: interface 'ap_vld' is not one of axis, ap_fifo
// NOHLS: hls-dataflow: needs an hls module (after convert-gnn-to-hls)
