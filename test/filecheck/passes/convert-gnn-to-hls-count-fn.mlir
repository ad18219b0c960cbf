// RUN: gnnc-opt %s -p 'gnn-fixed-point{default="fixed<16,6>" max-edges=6}' | filecheck %s --check-prefix=FIXED
// RUN: gnnc-opt %s -p 'gnn-fixed-point{default="fixed<16,6>" max-edges=6},convert-gnn-to-hls{max-nodes=4 max-edges=6}' | filecheck %s

// gnn.count_fn (PNA's attenuation avg / log(max(d, 1) + 1), avg = 2) of a count of edges:
// gnn-fixed-point gives it a table over the counts 0 .. max_edges + 1; the lowering is a
// ROM of f at those integers in the result type, indexed by the count (hls.table_index, scale 1).

func.func @main(%x: !gnn.nodes<3, f32> {gnn.name = "x"}, %ei: !gnn.edge_index {gnn.name = "edge_index"}) -> !gnn.nodes<3, f32> {
  %m = gnn.loop_mask %ei : !gnn.edges<1, f32>
  %d = gnn.scatter sum dst %m, %ei : !gnn.edges<1, f32> -> !gnn.nodes<1, f32>
  %a = gnn.count_fn %d {steps = "max 1.0, add 1.0, log, rdiv 2.0"} : !gnn.nodes<1, f32> -> !gnn.nodes<1, f32>
  %y = gnn.mul %x, %a : !gnn.nodes<3, f32>, !gnn.nodes<1, f32> -> !gnn.nodes<3, f32>
  func.return %y : !gnn.nodes<3, f32>
}

// FIXED: %a = gnn.count_fn %d {steps = "max 1.0, add 1.0, log, rdiv 2.0", table_size = 8 : i64} : !gnn.nodes<1, !gnn.fixed<16, 6>> -> !gnn.nodes<1, !gnn.fixed<16, 6>>

// 2 / log(2) = 2.885 (counts 0 and 1), 2 / log(3) = 1.820, ... at 10 fractional bits, truncated.
// CHECK:      %count_fn_table = hls.rom "count_fn_table" {data = dense<[2954, 2954, 1864, 1477, 1272, 1143, 1052, 984]> : tensor<8xi16>} : memref<8x!gnn.fixed<16, 6>>
// CHECK:      hls.for %[[R:.*]] = 0 to 4 limit %n_nodes : ui3 {
// CHECK-NEXT:   hls.for %[[F:.*]] = 0 to 1 {
// CHECK-NEXT:     %[[D:.*]] = hls.load %scatter_sum2[%[[R]], %[[F]]]
// CHECK-NEXT:     %[[I:.*]] = hls.table_index %[[D]] {table_size = 8 : i64, table_min = 0 : i64, table_scale = 1 : i64} : !gnn.fixed<16, 6>
// CHECK-NEXT:     %[[V:.*]] = hls.load %count_fn_table[%[[I]]]
// CHECK-NEXT:     hls.store %[[V]], %count_fn3[%[[R]], %[[F]]]
// CHECK-NEXT:   } {label = "count_fn3_f"}
// CHECK-NEXT: } {label = "count_fn3", op = "count_fn3", rows = "nodes"}
