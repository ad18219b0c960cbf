// RUN: gnnc-opt %s -p 'gnn-fixed-point{default="fixed<16,6>" max-nodes=30 max-edges=100}' | filecheck %s
// RUN: not gnnc-opt %s -p 'gnn-fixed-point{precision="{\"kinds\": {\"readout\": {\"accum\": \"fixed<20,10,sat>\"}}}"}' 2>&1 | filecheck %s --check-prefix=SAT

// Readout types (the rule of gnn-fixed-point): a sum over the rows of one graph is exact in
// W + ceil(log2(rows)) bits, rows = max_nodes for node rows (30 -> 5 bits: fixed<21, 11>) and
// max_edges for edge rows (100 -> 7 bits: fixed<23, 13>); mean adds the 1/count table in
// ufixed<F+3, 1, rnd> (F = 10 -> ufixed<13, 1, rnd>); max keeps its input's type.

func.func @main(%x: !gnn.nodes<2, f32>, %ei: !gnn.edge_index, %b: !gnn.batch) -> (!gnn.graphs<2, f32>, !gnn.graphs<2, f32>, !gnn.graphs<2, f32>) {
  %s = gnn.readout sum %x batch %b : !gnn.nodes<2, f32> -> !gnn.graphs<2, f32>
  %e = gnn.gather src %x, %ei : !gnn.nodes<2, f32> -> !gnn.edges<2, f32>
  %m = gnn.readout mean %e : !gnn.edges<2, f32> -> !gnn.graphs<2, f32>
  %mx = gnn.readout max %x batch %b : !gnn.nodes<2, f32> -> !gnn.graphs<2, f32>
  func.return %s, %m, %mx : !gnn.graphs<2, f32>, !gnn.graphs<2, f32>, !gnn.graphs<2, f32>
}

// CHECK:      %s = gnn.readout sum %x batch %b {accum_type = !gnn.fixed<21, 11>} : !gnn.nodes<2, !gnn.fixed<16, 6>> -> !gnn.graphs<2, !gnn.fixed<16, 6>>
// CHECK:      %m = gnn.readout mean %e {accum_type = !gnn.fixed<23, 13>, recip_type = !gnn.fixed<13, 1, unsigned, rnd>} : !gnn.edges<2, !gnn.fixed<16, 6>> -> !gnn.graphs<2, !gnn.fixed<16, 6>>
// CHECK:      %mx = gnn.readout max %x batch %b : !gnn.nodes<2, !gnn.fixed<16, 6>> -> !gnn.graphs<2, !gnn.fixed<16, 6>>

// SAT: precision.kinds.readout.accum: accumulators must wrap

// gnn.softmax of a row of F = 5 values: exp and weights in ufixed<F_d + 4, 1, rnd> = ufixed<14, 1, rnd>,
// the exact sum of 5 of them in 3 integer bits (ufixed<16, 3>), the 1/sum table of 1024 entries over
// [0, 8) (scale 128, a 7-bit first guess) and one Newton step to reach the 13 fractional bits.
func.func @probabilities(%g: !gnn.graphs<5, f32>) -> !gnn.graphs<5, f32> {
  %p = gnn.softmax %g : !gnn.graphs<5, f32> -> !gnn.graphs<5, f32>
  func.return %p : !gnn.graphs<5, f32>
}

// CHECK:      %p = gnn.softmax %g {exp_type = !gnn.fixed<14, 1, unsigned, rnd>, accum_type = !gnn.fixed<16, 3, unsigned>, recip_type = !gnn.fixed<14, 1, unsigned, rnd>, exp_table_size = 1024 : i64, exp_table_min = -8 : i64, exp_table_scale = 128 : i64, recip_table_size = 1024 : i64, recip_table_scale = 128 : i64, newton_steps = 1 : i64} : !gnn.graphs<5, !gnn.fixed<16, 6>> -> !gnn.graphs<5, !gnn.fixed<14, 1, unsigned, rnd>>
