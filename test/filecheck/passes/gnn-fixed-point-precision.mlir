// The `precision` option of gnn-fixed-point: per input, per op path (prefix at dot boundaries,
// most specific wins field by field), per op kind; explicit accumulators and table geometry.
// RUN: gnnc-opt %s -p 'gnn-fixed-point{default="fixed<16,6>" max-edges=56 precision="{\"inputs\": {\"x\": \"fixed<12,4,rnd>\"}, \"ops\": {\"L\": {\"result\": \"fixed<14,6>\"}, \"L.lin\": {\"weight\": \"fixed<8,4>\", \"accum\": \"fixed<24,8>\"}}, \"kinds\": {\"dense\": {\"bias\": \"fixed<10,4>\"}, \"scatter\": {\"accum\": \"auto\"}, \"sigmoid\": {\"table\": {\"size\": 2048, \"min\": -8, \"max\": 8}}}}"}' | filecheck %s
// RUN: not gnnc-opt %s -p 'gnn-fixed-point{precision="{\"ops\": {\"L.li\": {\"result\": \"fixed<8,2>\"}}}"}' 2>&1 | filecheck %s --check-prefix=NOPATH
// RUN: not gnnc-opt %s -p 'gnn-fixed-point{precision="{\"kinds\": {\"tanh\": {\"table\": {\"size\": 1000, \"min\": -4, \"max\": 3}}}}"}' 2>&1 | filecheck %s --check-prefix=TABLE
// RUN: not gnnc-opt %s -p 'gnn-fixed-point{precision="{\"ops\": {\"L\": {\"accum\": \"fixed<40,20,sat>\"}}}"}' 2>&1 | filecheck %s --check-prefix=SAT
// RUN: not gnnc-opt %s -p 'gnn-fixed-point{precision="{\"opz\": {}}"}' 2>&1 | filecheck %s --check-prefix=KEY
// A weight outside its wrapping type (6.0 in fixed<8,2>) would become another number: an error.
// RUN: not gnnc-opt %s -p 'gnn-fixed-point{precision="{\"ops\": {\"L.lin\": {\"weight\": \"fixed<8,2>\"}}}"}' 2>&1 | filecheck %s --check-prefix=WRAPW
// A saturating weight type clips on purpose (the overflow report counts it).
// RUN: gnnc-opt %s -p 'gnn-fixed-point{precision="{\"ops\": {\"L.lin\": {\"weight\": \"fixed<8,2,sat>\"}}}"}' | filecheck %s --check-prefix=SATW

func.func @main(%x: !gnn.nodes<3, f32> {gnn.name = "x"}, %ei: !gnn.edge_index {gnn.name = "edge_index"}) -> (!gnn.nodes<2, f32>, !gnn.edges<2, f32>) {
  %xj = gnn.gather src %x, %ei : !gnn.nodes<3, f32> -> !gnn.edges<3, f32>
  %m = gnn.dense %xj {gnn.path = "L.lin", weight = dense<[[0.5, -1.25, 3.0], [4.0, 0.75, -6.0]]> : tensor<2x3xf32>, bias = dense<[1.0, -2.0]> : tensor<2xf32>} : !gnn.edges<3, f32> -> !gnn.edges<2, f32>
  %r = gnn.activation relu %m {gnn.path = "L.act"} : !gnn.edges<2, f32> -> !gnn.edges<2, f32>
  %a = gnn.scatter sum dst %r, %ei : !gnn.edges<2, f32> -> !gnn.nodes<2, f32>
  %s = gnn.activation sigmoid %r : !gnn.edges<2, f32> -> !gnn.edges<2, f32>
  func.return %a, %s : !gnn.nodes<2, f32>, !gnn.edges<2, f32>
}

// CHECK:      func.func @main(%x: !gnn.nodes<3, !gnn.fixed<12, 4, rnd>> {gnn.name = "x"}, %ei: !gnn.edge_index {gnn.name = "edge_index"})
// CHECK-NEXT:   %xj = gnn.gather src %x, %ei : !gnn.nodes<3, !gnn.fixed<12, 4, rnd>> -> !gnn.edges<3, !gnn.fixed<12, 4, rnd>>
// CHECK-NEXT:   %m = gnn.dense %xj {{.*}}weight_type = !gnn.fixed<8, 4>, bias_type = !gnn.fixed<10, 4>, accum_type = !gnn.fixed<24, 8>} : !gnn.edges<3, !gnn.fixed<12, 4, rnd>> -> !gnn.edges<2, !gnn.fixed<14, 6>>
// CHECK-NEXT:   %r = gnn.activation relu %m {gnn.path = "L.act"} : !gnn.edges<2, !gnn.fixed<14, 6>> -> !gnn.edges<2, !gnn.fixed<14, 6>>
// Scatter: accum auto = exact, 14-bit terms from %r, 56 edges: 6 more integer bits.
// CHECK-NEXT:   %a = gnn.scatter sum dst %r, %ei {accum_type = !gnn.fixed<20, 12>} : !gnn.edges<2, !gnn.fixed<14, 6>> -> !gnn.nodes<2, !gnn.fixed<16, 6>>
// CHECK-NEXT:   %s = gnn.activation sigmoid %r {table_size = 2048 : i64, table_min = -8 : i64, table_scale = 128 : i64}

// NOPATH: precision.ops.L.li: no op has this module path
// TABLE: precision.kinds.tanh.table: size / (max - min) = 1000/7 must be an integer
// SAT: precision.ops.L.accum: accumulators must wrap
// KEY: unknown key opz in gnn-fixed-point{precision}
// WRAPW: gnn.dense of module L.lin: 3 weight values outside fixed<8, 2> (set by precision.ops.L.lin.weight), e.g. -6, which its wrap overflow would turn into another number; give them a type that holds them, e.g. precision.ops.L.lin.weight: 'fixed<10, 4>'
// SATW: weight_type = !gnn.fixed<8, 2, sat>
