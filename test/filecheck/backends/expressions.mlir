// RUN: gnnc-opt %s -t vitis | filecheck %s --check-prefix=VITIS
// RUN: gnnc-opt %s -t oneapi | filecheck %s --check-prefix=ONEAPI

// How the printers spell values (backends/inlining.py, backends/emitter.py): constants folded
// into their uses, single-use values inlined into the expression that uses them, identity
// casts dropped, and a value whose C++ type is not its IR type wrapped in its type's
// constructor, so every conversion of the IR stays.
func.func @exprs(%x: memref<2x3x!gnn.fixed<8, 3>> {hls.name = "x", hls.direction = "in", hls.role = "features", hls.rows = "nodes", hls.interface = "ap_vld"}, %n_nodes: ui2 {hls.name = "n_nodes", hls.direction = "in", hls.role = "count", hls.rows = "nodes", hls.interface = "ap_vld"}, %n_edges: ui2 {hls.name = "n_edges", hls.direction = "in", hls.role = "count", hls.rows = "edges", hls.interface = "ap_vld"}, %y: memref<2x8x!gnn.fixed<8, 3>> {hls.name = "y", hls.direction = "out", hls.role = "features", hls.rows = "nodes", hls.interface = "ap_vld"}) attributes {hls.top, hls.max_nodes = 2 : i64, hls.max_edges = 2 : i64} {
  %buf = hls.alloca : memref<!gnn.fixed<8, 3>>
  %half = hls.constant 16 : !gnn.fixed<8, 3>
  hls.for %n = 0 to 2 limit %n_nodes : ui2 {
    %c0 = hls.constant 0 : index
    %c1 = hls.constant 1 : index
    %c2 = hls.constant 2 : index
    %a = hls.load %x[%n, %c0] : memref<2x3x!gnn.fixed<8, 3>> -> !gnn.fixed<8, 3>
    %b = hls.load %x[%n, %c1] : memref<2x3x!gnn.fixed<8, 3>> -> !gnn.fixed<8, 3>
    %s = hls.add %a, %b : !gnn.fixed<8, 3>, !gnn.fixed<8, 3> -> !gnn.fixed<8, 3>
    %p = hls.mul %s, %half : !gnn.fixed<8, 3>, !gnn.fixed<8, 3> -> !gnn.fixed<16, 6>
    %q = hls.cast %p : !gnn.fixed<16, 6> -> !gnn.fixed<8, 3, rnd>
    %same = hls.cast %q : !gnn.fixed<8, 3, rnd> -> !gnn.fixed<8, 3, rnd>
    %back = hls.cast %same : !gnn.fixed<8, 3, rnd> -> !gnn.fixed<8, 3>
    hls.store %back, %y[%n, %c0] : !gnn.fixed<8, 3>, memref<2x8x!gnn.fixed<8, 3>>
    %sq = hls.load %x[%n, %c2] : memref<2x3x!gnn.fixed<8, 3>> -> !gnn.fixed<8, 3>
    %sq2 = hls.mul %sq, %sq : !gnn.fixed<8, 3>, !gnn.fixed<8, 3> -> !gnn.fixed<8, 3>
    hls.store %sq2, %y[%n, %c1] : !gnn.fixed<8, 3>, memref<2x8x!gnn.fixed<8, 3>>
    %one = hls.constant 32 : !gnn.fixed<8, 3>
    hls.store %one, %y[%n, %c2] : !gnn.fixed<8, 3>, memref<2x8x!gnn.fixed<8, 3>>
    %m = hls.load %x[%n, %c1] : memref<2x3x!gnn.fixed<8, 3>> -> !gnn.fixed<8, 3>
    %minus2 = hls.constant -64 : !gnn.fixed<8, 3>
    %mx = hls.max %m, %minus2 : !gnn.fixed<8, 3>, !gnn.fixed<8, 3> -> !gnn.fixed<8, 3>
    %c3 = hls.constant 3 : index
    hls.store %mx, %y[%n, %c3] : !gnn.fixed<8, 3>, memref<2x8x!gnn.fixed<8, 3>>
    %outer = hls.load %x[%n, %c2] : memref<2x3x!gnn.fixed<8, 3>> -> !gnn.fixed<8, 3>
    hls.for %f = 0 to 2 {
      %c4 = hls.constant 4 : index
      %col = hls.add %f, %c4 : index, index -> index
      hls.store %outer, %y[%n, %col] : !gnn.fixed<8, 3>, memref<2x8x!gnn.fixed<8, 3>>
    } {label = "cols", unroll = 0 : i64}
    %old = hls.load %buf[] : memref<!gnn.fixed<8, 3>> -> !gnn.fixed<8, 3>
    hls.store %half, %buf[] : !gnn.fixed<8, 3>, memref<!gnn.fixed<8, 3>>
    %c6 = hls.constant 6 : index
    hls.store %old, %y[%n, %c6] : !gnn.fixed<8, 3>, memref<2x8x!gnn.fixed<8, 3>>
    %cu = hls.constant 1 : ui2
    %t = hls.add %n_nodes, %cu : ui2, ui2 -> ui3
    %count = hls.cast %t : ui3 -> !gnn.fixed<8, 3>
    %c7 = hls.constant 7 : index
    hls.store %count, %y[%n, %c7] : !gnn.fixed<8, 3>, memref<2x8x!gnn.fixed<8, 3>>
  } {label = "rows", unroll = 0 : i64}
  hls.for %n = 0 to 2 limit %n_nodes : ui2 {
    %c7 = hls.constant 7 : index
    %z = hls.constant 0 : !gnn.fixed<8, 3>
    hls.store %z, %y[%n, %c7] : !gnn.fixed<8, 3>, memref<2x8x!gnn.fixed<8, 3>>
  } {label = "again", unroll = 0 : i64}
  func.return
}

// One statement: the sum of two <8, 3> is <9, 4> in C++, so it keeps its constructor (it
// wraps to <8, 3> before the product); the product of two <8, 3> is <16, 6> in C++ too, so
// it needs none; the rounding cast stays, the identity cast after it goes, the cast back to
// <8, 3> stays. 0.5 is not an integer: it stays raw bits.
// VITIS:      rows: for (int n = 0; n < 2; n++) {
// VITIS:        if (n < n_nodes) {
// VITIS-NEXT:     y[n][0] = ap_fixed<8, 3>(ap_fixed<8, 3, AP_RND, AP_WRAP>(ap_fixed<8, 3>(x[n][0] + x[n][1]) * gnnc_raw<ap_fixed<8, 3>>(16LL)));
// A value used twice is a variable; a store converts as the variable's declaration would.
// VITIS-NEXT:     ap_fixed<8, 3> sq = x[n][2];
// VITIS-NEXT:     y[n][1] = sq * sq;
// An integer constant is the type's constructor of that integer.
// VITIS-NEXT:     y[n][2] = ap_fixed<8, 3>(1);
// max spells its operands twice: a load it uses stays a variable, constants are folded.
// VITIS-NEXT:     ap_fixed<8, 3> m = x[n][1];
// VITIS-NEXT:     y[n][3] = (m > ap_fixed<8, 3>(-2)) ? m : ap_fixed<8, 3>(-2);
// A value computed outside a loop stays outside it; index arithmetic is int arithmetic.
// VITIS-NEXT:     ap_fixed<8, 3> outer = x[n][2];
// VITIS-NEXT:     cols: for (int f = 0; f < 2; f++) {
// VITIS-NEXT: #pragma HLS UNROLL
// VITIS-NEXT:       y[n][f + 4] = outer;
// VITIS-NEXT:     }
// A load does not move past a store.
// VITIS-NEXT:     ap_fixed<8, 3> old = buf;
// VITIS-NEXT:     buf = gnnc_raw<ap_fixed<8, 3>>(16LL);
// VITIS-NEXT:     y[n][6] = old;
// An integer constant folds as an int; the integer sum keeps its type's constructor where a
// cast (here to fixed, an assignment) converts it.
// VITIS-NEXT:     ap_fixed<8, 3> count = ap_uint<3>(n_nodes + 1);
// VITIS-NEXT:     y[n][7] = count;
// VITIS-NEXT:   }
// VITIS-NEXT: }
// Loop indices are unique within the function.
// VITIS:      again: for (int n_1 = 0; n_1 < 2; n_1++) {
// VITIS:          y[n_1][7] = ap_fixed<8, 3>(0);

// The same statements with ac types.
// ONEAPI:      for (int n = 0; n < 2; n++) {
// ONEAPI-NEXT:   if (n < n_nodes) {
// ONEAPI-NEXT:     y[n][0] = ac_fixed<8, 3, true>(ac_fixed<8, 3, true, AC_RND, AC_WRAP>(ac_fixed<8, 3, true>(x[n][0] + x[n][1]) * gnnc_raw<ac_fixed<8, 3, true>>(16LL)));
// ONEAPI-NEXT:     ac_fixed<8, 3, true> sq = x[n][2];
// ONEAPI-NEXT:     y[n][1] = sq * sq;
// ONEAPI-NEXT:     y[n][2] = ac_fixed<8, 3, true>(1);
// ONEAPI-NEXT:     ac_fixed<8, 3, true> m = x[n][1];
// ONEAPI-NEXT:     y[n][3] = (m > ac_fixed<8, 3, true>(-2)) ? m : ac_fixed<8, 3, true>(-2);
// ONEAPI-NEXT:     ac_fixed<8, 3, true> outer = x[n][2];
// ONEAPI:            y[n][f + 4] = outer;
// ONEAPI:          ac_fixed<8, 3, true> old = buf;
// ONEAPI-NEXT:     buf = gnnc_raw<ac_fixed<8, 3, true>>(16LL);
// ONEAPI-NEXT:     y[n][6] = old;
// ONEAPI-NEXT:     ac_fixed<8, 3, true> count = ac_int<3, false>(n_nodes + 1);
// ONEAPI:          for (int n_1 = 0; n_1 < 2; n_1++) {
// ONEAPI:            y[n_1][7] = ac_fixed<8, 3, true>(0);
