// The entry type of a mean aggregation's 1/deg table: `recip` of precision.kinds.scatter or of
// an ops path (default ufixed<F+3, 1, rnd>); a type that cannot hold 1 is refused.
// RUN: gnnc-opt %s -p 'gnn-fixed-point{default="fixed<16,6>" max-edges=56 precision="{\"kinds\": {\"scatter\": {\"recip\": \"ufixed<20,1,rnd>\"}}}"}' | filecheck %s
// RUN: gnnc-opt %s -p 'gnn-fixed-point{default="fixed<16,6>" max-edges=56}' | filecheck %s --check-prefix=DEFAULT
// RUN: not gnnc-opt %s -p 'gnn-fixed-point{precision="{\"kinds\": {\"scatter\": {\"recip\": \"fixed<12,1>\"}}}"}' 2>&1 | filecheck %s --check-prefix=ONE
// RUN: not gnnc-opt %s -p 'gnn-fixed-point{precision="{\"kinds\": {\"scatter\": {\"recip\": \"ufixed<12>\"}}}"}' 2>&1 | filecheck %s --check-prefix=TYPE

func.func @main(%x: !gnn.nodes<3, f32> {gnn.name = "x"}, %ei: !gnn.edge_index {gnn.name = "edge_index"}) -> !gnn.nodes<3, f32> {
  %xj = gnn.gather src %x, %ei : !gnn.nodes<3, f32> -> !gnn.edges<3, f32>
  %a = gnn.scatter mean dst %xj, %ei : !gnn.edges<3, f32> -> !gnn.nodes<3, f32>
  func.return %a : !gnn.nodes<3, f32>
}

// CHECK:   gnn.scatter mean dst %xj, %ei {accum_type = !gnn.fixed<22, 12>, recip_type = !gnn.fixed<20, 1, unsigned, rnd>}
// DEFAULT: gnn.scatter mean dst %xj, %ei {accum_type = !gnn.fixed<22, 12>, recip_type = !gnn.fixed<13, 1, unsigned, rnd>}
// ONE: precision.kinds.scatter.recip: fixed<12, 1> cannot hold 1/deg = 1 (degree 1)
// TYPE: precision.kinds.scatter.recip: 'ufixed<12>'
