// A type whose quantization or overflow mode alone differs from the default (trn, wrap) keeps
// that mode in the C++ spelling: ap_fixed<8, 3> and ap_fixed<8, 3, AP_RND> round differently.
// RUN: gnnc-opt %s -t vitis | filecheck %s --check-prefix=VITIS
// RUN: gnnc-opt %s -t oneapi | filecheck %s --check-prefix=ONEAPI

func.func @modes(%x: memref<2x1x!gnn.fixed<12, 3>> {hls.name = "x", hls.direction = "in", hls.role = "features", hls.rows = "nodes", hls.interface = "ap_vld"}, %n_nodes: ui2 {hls.name = "n_nodes", hls.direction = "in", hls.role = "count", hls.rows = "nodes", hls.interface = "ap_vld"}, %n_edges: ui2 {hls.name = "n_edges", hls.direction = "in", hls.role = "count", hls.rows = "edges", hls.interface = "ap_vld"}, %y: memref<2x5x!gnn.fixed<8, 3, rnd>> {hls.name = "y", hls.direction = "out", hls.role = "features", hls.rows = "nodes", hls.interface = "ap_vld"}) attributes {hls.top, hls.max_nodes = 2 : i64, hls.max_edges = 2 : i64} {
  hls.for %r = 0 to 2 limit %n_nodes : ui2 {
    %c0 = hls.constant 0 : index
    %v = hls.load %x[%r, %c0] : memref<2x1x!gnn.fixed<12, 3>> -> !gnn.fixed<12, 3>
    %q = hls.cast %v : !gnn.fixed<12, 3> -> !gnn.fixed<8, 3, rnd>
    %o = hls.cast %v : !gnn.fixed<12, 3> -> !gnn.fixed<8, 3, sat>
    %b = hls.cast %v : !gnn.fixed<12, 3> -> !gnn.fixed<8, 3, rnd_conv, sat_sym>
    %u = hls.cast %v : !gnn.fixed<12, 3> -> !gnn.fixed<8, 3, unsigned, trn_zero>
    %d = hls.cast %v : !gnn.fixed<12, 3> -> !gnn.fixed<8, 3>
    %so = hls.cast %o : !gnn.fixed<8, 3, sat> -> !gnn.fixed<8, 3, rnd>
    hls.store %so, %y[%r, %c0] : !gnn.fixed<8, 3, rnd>, memref<2x5x!gnn.fixed<8, 3, rnd>>
  } {label = "rows", unroll = 0 : i64}
  func.return
}

// VITIS:      ap_fixed<12, 3> v = x[r][0];
// VITIS-NEXT: ap_fixed<8, 3, AP_RND, AP_WRAP> q = v;
// VITIS-NEXT: ap_fixed<8, 3, AP_RND_CONV, AP_SAT_SYM> b = v;
// VITIS-NEXT: ap_ufixed<8, 3, AP_TRN_ZERO, AP_WRAP> u = v;
// VITIS-NEXT: ap_fixed<8, 3> d = v;
// VITIS-NEXT: y[r][0] = ap_fixed<8, 3, AP_RND, AP_WRAP>(ap_fixed<8, 3, AP_TRN, AP_SAT>(v));

// ONEAPI:      ac_fixed<12, 3, true> v = x[r][0];
// ONEAPI-NEXT: ac_fixed<8, 3, true, AC_RND, AC_WRAP> q = v;
// ONEAPI-NEXT: ac_fixed<8, 3, true, AC_RND_CONV, AC_SAT_SYM> b = v;
// ONEAPI-NEXT: ac_fixed<8, 3, false, AC_TRN_ZERO, AC_WRAP> u = v;
// ONEAPI-NEXT: ac_fixed<8, 3, true> d = v;
// ONEAPI-NEXT: y[r][0] = ac_fixed<8, 3, true, AC_RND, AC_WRAP>(ac_fixed<8, 3, true, AC_TRN, AC_SAT>(v));
