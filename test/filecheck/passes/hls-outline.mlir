// RUN: gnnc-opt %s -p 'convert-gnn-to-hls{max-nodes=4 max-edges=6 top=layer},hls-parallelize,hls-partition-arrays,hls-outline' | filecheck %s
// RUN: gnnc-opt %s -p 'convert-gnn-to-hls{max-nodes=4 max-edges=6 top=layer},hls-parallelize,hls-partition-arrays,hls-outline' | gnnc-opt -t vitis | filecheck %s --check-prefix=VITIS
// RUN: gnnc-opt %s -p 'convert-gnn-to-hls{max-nodes=4 max-edges=6 top=layer},hls-parallelize,hls-partition-arrays,hls-outline{inline=false}' | gnnc-opt -t vitis | filecheck %s --check-prefix=OFF
// RUN: gnnc-opt %s -p 'convert-gnn-to-hls{max-nodes=4 max-edges=6 top=layer},hls-parallelize,hls-partition-arrays,hls-outline' | gnnc-opt -t oneapi | filecheck %s --check-prefix=ONEAPI
// RUN: not gnnc-opt %s -p 'convert-gnn-to-hls{max-nodes=4 max-edges=6 top=layer},hls-parallelize,hls-outline,hls-outline' 2>&1 | filecheck %s --check-prefix=TWICE
// RUN: not gnnc-opt %s -p 'hls-outline' 2>&1 | filecheck %s --check-prefix=GNN

func.func @main(%x: !gnn.nodes<2, !gnn.fixed<8, 3>> {gnn.name = "x"}, %ei: !gnn.edge_index {gnn.name = "edge_index"}) -> !gnn.nodes<2, !gnn.fixed<8, 3>> attributes {gnn.outputs = ["y"]} {
  %xj = gnn.gather src %x, %ei : !gnn.nodes<2, !gnn.fixed<8, 3>> -> !gnn.edges<2, !gnn.fixed<8, 3>>
  %m = gnn.dense %xj {weight = dense<[[0.5, -1.0], [1.0, 0.25]]> : tensor<2x2xf32>, weight_type = !gnn.fixed<8, 3>, accum_type = !gnn.fixed<17, 7>, gnn.path = "mlp.0", gnn.source = "model.py:42"} : !gnn.edges<2, !gnn.fixed<8, 3>> -> !gnn.edges<2, !gnn.fixed<8, 3>>
  %a = gnn.scatter sum dst %m, %ei {accum_type = !gnn.fixed<11, 6>} : !gnn.edges<2, !gnn.fixed<8, 3>> -> !gnn.nodes<2, !gnn.fixed<8, 3>>
  func.return %a : !gnn.nodes<2, !gnn.fixed<8, 3>>
}

// Each op a private function (the dense's ROM inside it), the top a list of calls.
// CHECK:      func.func private @gather1(
// CHECK:      func.func private @mlp_0_dense({{.*}}) attributes {hls.op = "mlp_0_dense", hls.inline = true, hls.comment = "mlp.0: dense, model.py:42"}
// CHECK:        hls.rom "mlp_0_dense_w"
// CHECK:      func.func private @scatter_sum3(
// CHECK:      func.func @layer(
// CHECK-NOT:    hls.rom
// CHECK:        func.call @gather1(
// CHECK-NEXT:   func.call @mlp_0_dense(
// CHECK-NEXT:   func.call @scatter_sum3(

// VITIS:      // mlp.0: dense, model.py:42
// VITIS-NEXT: static void mlp_0_dense(
// VITIS-NEXT:     ap_uint<3> n_edges,
// VITIS-NEXT:     const ap_fixed<8, 3> gather1[6][2],
// VITIS-NEXT:     ap_fixed<8, 3> mlp_0_dense[6][2]
// VITIS-NEXT: ) {
// VITIS-NEXT: #pragma HLS INLINE
// VITIS-NEXT: #pragma HLS ARRAY_PARTITION variable=mlp_0_dense_w type=complete dim=0
// VITIS:      void layer(
// VITIS:      #pragma HLS PIPELINE II=1
// VITIS:        gather1(n_edges, edge_index, x, gather1_out);
// VITIS-NEXT:   mlp_0_dense(n_edges, gather1_out, mlp_0_dense_out);

// inline=false: an instance of its own, pipelined at the top's II, its arrays partitioned.
// OFF:      static void mlp_0_dense(
// OFF:      #pragma HLS ARRAY_PARTITION variable=gather1 type=complete dim=0
// OFF-NEXT: #pragma HLS ARRAY_PARTITION variable=mlp_0_dense type=complete dim=0
// OFF-NEXT: #pragma HLS PIPELINE II=1
// OFF-NEXT: #pragma HLS INLINE off

// oneAPI: static functions icpx inlines, called plainly (no task sequence outside dataflow).
// ONEAPI:     static void mlp_0_dense(
// ONEAPI-NOT: task_sequence
// ONEAPI:       mlp_0_dense(n_edges, gather1_out, mlp_0_dense_out);

// TWICE: hls-outline: the module is outlined already
// GNN: hls-outline: needs an hls module (after convert-gnn-to-hls)
