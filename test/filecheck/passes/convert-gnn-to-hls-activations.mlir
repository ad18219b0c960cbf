// RUN: gnnc-opt %s -p 'convert-gnn-to-hls{max-nodes=4 max-edges=6}' | filecheck %s

// Table activations with tails (gnn.TABLE_TAILS) and hardtanh's exact clamp, with small
// tables (8 entries over [-2, 2)) so the ROMs can be read. Only existing hls ops are used:
// "x < c" is "c - x > 0", computed exactly.

func.func @main(%x: !gnn.nodes<2, !gnn.fixed<16, 8>> {gnn.name = "x"}) -> (!gnn.nodes<2, !gnn.fixed<16, 8>>, !gnn.nodes<2, !gnn.fixed<16, 8>>, !gnn.nodes<2, !gnn.fixed<16, 8>>, !gnn.nodes<2, !gnn.fixed<8, 4>>) {
  %s = gnn.activation silu %x {table_size = 8 : i64, table_min = -2 : i64, table_scale = 2 : i64} : !gnn.nodes<2, !gnn.fixed<16, 8>> -> !gnn.nodes<2, !gnn.fixed<16, 8>>
  %l = gnn.activation log_sigmoid %x {table_size = 8 : i64, table_min = -2 : i64, table_scale = 2 : i64} : !gnn.nodes<2, !gnn.fixed<16, 8>> -> !gnn.nodes<2, !gnn.fixed<16, 8>>
  %g = gnn.activation sigmoid %x {table_size = 8 : i64, table_min = -2 : i64, table_scale = 2 : i64} : !gnn.nodes<2, !gnn.fixed<16, 8>> -> !gnn.nodes<2, !gnn.fixed<16, 8>>
  %h = gnn.activation hardtanh %x {lower = -2.500000e+00 : f64, upper = 6.000000e+00 : f64, alpha_type = !gnn.fixed<8, 4>} : !gnn.nodes<2, !gnn.fixed<16, 8>> -> !gnn.nodes<2, !gnn.fixed<8, 4>>
  func.return %s, %l, %g, %h : !gnn.nodes<2, !gnn.fixed<16, 8>>, !gnn.nodes<2, !gnn.fixed<16, 8>>, !gnn.nodes<2, !gnn.fixed<16, 8>>, !gnn.nodes<2, !gnn.fixed<8, 4>>
}

// silu: clamp below, x from the table end 2 up: 2 - x > 0 ? table[x] : x.
// Entry 0 is silu(-1.75) = -0.2597 = -66.5 / 256, rounded down by trn.
// CHECK:      %silu_table = hls.rom "silu_table" {data = dense<[-67, -72, -62, -29, 35, 130, 248, 381]> : tensor<8xi16>}
// CHECK:        %[[X:.*]] = hls.load %x
// CHECK-NEXT:   %[[I:.*]] = hls.table_index %[[X]] {table_size = 8 : i64, table_min = -2 : i64, table_scale = 2 : i64}
// CHECK-NEXT:   %[[T:.*]] = hls.load %silu_table[%[[I]]]
// CHECK-NEXT:   %[[ID:.*]] = hls.cast %[[X]] : !gnn.fixed<16, 8> -> !gnn.fixed<16, 8>
// CHECK-NEXT:   %[[M1:.*]] = hls.constant -1 : !gnn.fixed<2, 2>
// CHECK-NEXT:   %[[NX:.*]] = hls.mul %[[X]], %[[M1]] : !gnn.fixed<16, 8>, !gnn.fixed<2, 2> -> !gnn.fixed<18, 10>
// CHECK-NEXT:   %[[END:.*]] = hls.constant 2 : !gnn.fixed<3, 3>
// CHECK-NEXT:   %[[D:.*]] = hls.add %[[END]], %[[NX]] : !gnn.fixed<3, 3>, !gnn.fixed<18, 10> -> !gnn.fixed<19, 11>
// CHECK-NEXT:   hls.select_positive %[[D]], %[[T]], %[[ID]] : !gnn.fixed<19, 11>, !gnn.fixed<16, 8>
// CHECK:      } {label = "silu1", op = "silu1", rows = "nodes"}

// log_sigmoid: x below the table's start -2, clamp above: -2 - x > 0 ? x : table[x].
// CHECK:      %log_sigmoid_table = hls.rom "log_sigmoid_table"
// CHECK:        %[[T2:.*]] = hls.load %log_sigmoid_table
// CHECK-NEXT:   %[[ID2:.*]] = hls.cast
// CHECK-NEXT:   hls.constant -1 : !gnn.fixed<2, 2>
// CHECK-NEXT:   %[[NX2:.*]] = hls.mul
// CHECK-NEXT:   %[[START:.*]] = hls.constant -2 : !gnn.fixed<3, 3>
// CHECK-NEXT:   %[[D2:.*]] = hls.add %[[START]], %[[NX2]]
// CHECK-NEXT:   hls.select_positive %[[D2]], %[[ID2]], %[[T2]] : !gnn.fixed<19, 11>, !gnn.fixed<16, 8>

// sigmoid clamps on both sides: the table entry is the result.
// CHECK:        %[[T3:.*]] = hls.load %sigmoid_table
// CHECK-NEXT:   hls.store %[[T3]], %sigmoid3

// hardtanh: max then min in a type holding x and the bounds exactly (fixed<17, 9>: -2.5 =
// -640 / 256, 6 = 1536 / 256), one cast to the result.
// CHECK:        %[[X4:.*]] = hls.load %x
// CHECK-NEXT:   %[[W:.*]] = hls.cast %[[X4]] : !gnn.fixed<16, 8> -> !gnn.fixed<17, 9>
// CHECK-NEXT:   %[[LO:.*]] = hls.constant -640 : !gnn.fixed<17, 9>
// CHECK-NEXT:   %[[MX:.*]] = hls.max %[[W]], %[[LO]] : !gnn.fixed<17, 9>, !gnn.fixed<17, 9> -> !gnn.fixed<17, 9>
// CHECK-NEXT:   %[[HI:.*]] = hls.constant 1536 : !gnn.fixed<17, 9>
// CHECK-NEXT:   %[[MN:.*]] = hls.min %[[MX]], %[[HI]] : !gnn.fixed<17, 9>, !gnn.fixed<17, 9> -> !gnn.fixed<17, 9>
// CHECK-NEXT:   hls.cast %[[MN]] : !gnn.fixed<17, 9> -> !gnn.fixed<8, 4>
// CHECK:      } {label = "hardtanh4", op = "hardtanh4", rows = "nodes"}
