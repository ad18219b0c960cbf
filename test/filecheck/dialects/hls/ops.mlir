// RUN: gnnc-opt %s | filecheck %s
// RUN: GNNC_ROUNDTRIP

func.func @top(%x: memref<28x3x!gnn.fixed<16, 6>>, %ei: memref<2x56xui5>, %n: ui7, %out: memref<56x3x!gnn.fixed<16, 6>>) {
  %w = hls.rom "w0" {data = dense<[[1, -2, 3], [4, 5, 6]]> : tensor<2x3xi16>} : memref<2x3x!gnn.fixed<16, 6>>
  %t = hls.alloca {partition = [#hls.partition<complete dim 1>, #hls.partition<cyclic 4 dim 2>, #hls.partition<block 2 dim 1>]} : memref<56x8x!gnn.fixed<16, 6>>
  %acc = hls.alloca : memref<!gnn.fixed<34, 14>>
  hls.for %e = 0 to 56 limit %n : ui7 {
    %c1 = hls.constant 1 : index
    %raw = hls.load %ei[%c1, %e] : memref<2x56xui5> -> ui5
    %s = hls.index_cast %raw : ui5 -> index
    hls.for %f = 0 to 3 {
      %v = hls.load %x[%s, %f] : memref<28x3x!gnn.fixed<16, 6>> -> !gnn.fixed<16, 6>
      %p = hls.mul %v, %v : !gnn.fixed<16, 6>, !gnn.fixed<16, 6> -> !gnn.fixed<32, 12>
      %q = hls.cast %p : !gnn.fixed<32, 12> -> !gnn.fixed<16, 6, rnd, sat>
      %z = hls.constant -3 : !gnn.fixed<16, 6>
      %m = hls.max %v, %z : !gnn.fixed<16, 6>, !gnn.fixed<16, 6> -> !gnn.fixed<16, 6>
      %mi = hls.min %v, %z : !gnn.fixed<16, 6>, !gnn.fixed<16, 6> -> !gnn.fixed<16, 6>
      %a = hls.add %m, %mi : !gnn.fixed<16, 6>, !gnn.fixed<16, 6> -> !gnn.fixed<17, 7>
      %sh = hls.shift %a by -3 : !gnn.fixed<17, 7> -> !gnn.fixed<17, 4>
      %up = hls.shift %v by 12 : !gnn.fixed<16, 6> -> !gnn.fixed<18, 18>
      %d = hls.sub %a, %sh {hls.adder_cost = 17 : i64} : !gnn.fixed<17, 7>, !gnn.fixed<17, 4> -> !gnn.fixed<21, 8>
      %ng = hls.neg %v : !gnn.fixed<16, 6> -> !gnn.fixed<17, 7>
      %ti = hls.table_index %m {table_size = 1024 : i64, table_min = -8 : i64, table_scale = 64 : i64} : !gnn.fixed<16, 6>
      %sel = hls.select_positive %raw, %m, %z : ui5, !gnn.fixed<16, 6>
      hls.store %sel, %out[%e, %f] : !gnn.fixed<16, 6>, memref<56x3x!gnn.fixed<16, 6>>
    }
  } {label = "gather_0", unroll = 0 : i64, pipeline_ii = 1 : i64}
  func.return
}

// CHECK:      %w = hls.rom "w0" {data = dense<{{\[}}[1, -2, 3], [4, 5, 6]]> : tensor<2x3xi16>} : memref<2x3x!gnn.fixed<16, 6>>
// CHECK-NEXT: %t = hls.alloca {partition = [#hls.partition<complete dim 1>, #hls.partition<cyclic 4 dim 2>, #hls.partition<block 2 dim 1>]} : memref<56x8x!gnn.fixed<16, 6>>
// CHECK-NEXT: %acc = hls.alloca : memref<!gnn.fixed<34, 14>>
// CHECK-NEXT: hls.for %e = 0 to 56 limit %n : ui7 {
// CHECK-NEXT:   %c1 = hls.constant 1 : index
// CHECK-NEXT:   %raw = hls.load %ei[%c1, %e] : memref<2x56xui5> -> ui5
// CHECK-NEXT:   %s = hls.index_cast %raw : ui5 -> index
// CHECK-NEXT:   hls.for %f = 0 to 3 {
// CHECK-NEXT:     %v = hls.load %x[%s, %f] : memref<28x3x!gnn.fixed<16, 6>> -> !gnn.fixed<16, 6>
// CHECK-NEXT:     %p = hls.mul %v, %v : !gnn.fixed<16, 6>, !gnn.fixed<16, 6> -> !gnn.fixed<32, 12>
// CHECK-NEXT:     %q = hls.cast %p : !gnn.fixed<32, 12> -> !gnn.fixed<16, 6, rnd, sat>
// CHECK-NEXT:     %z = hls.constant -3 : !gnn.fixed<16, 6>
// CHECK-NEXT:     %m = hls.max %v, %z : !gnn.fixed<16, 6>, !gnn.fixed<16, 6> -> !gnn.fixed<16, 6>
// CHECK-NEXT:     %mi = hls.min %v, %z : !gnn.fixed<16, 6>, !gnn.fixed<16, 6> -> !gnn.fixed<16, 6>
// CHECK-NEXT:     %a = hls.add %m, %mi : !gnn.fixed<16, 6>, !gnn.fixed<16, 6> -> !gnn.fixed<17, 7>
// CHECK-NEXT:     %sh = hls.shift %a by -3 : !gnn.fixed<17, 7> -> !gnn.fixed<17, 4>
// CHECK-NEXT:     %up = hls.shift %v by 12 : !gnn.fixed<16, 6> -> !gnn.fixed<18, 18>
// CHECK-NEXT:     %d = hls.sub %a, %sh {hls.adder_cost = 17 : i64} : !gnn.fixed<17, 7>, !gnn.fixed<17, 4> -> !gnn.fixed<21, 8>
// CHECK-NEXT:     %ng = hls.neg %v : !gnn.fixed<16, 6> -> !gnn.fixed<17, 7>
// CHECK-NEXT:     %ti = hls.table_index %m {table_size = 1024 : i64, table_min = -8 : i64, table_scale = 64 : i64} : !gnn.fixed<16, 6>
// CHECK-NEXT:     %sel = hls.select_positive %raw, %m, %z : ui5, !gnn.fixed<16, 6>
// CHECK-NEXT:     hls.store %sel, %out[%e, %f] : !gnn.fixed<16, 6>, memref<56x3x!gnn.fixed<16, 6>>
// CHECK-NEXT:   }
// CHECK-NEXT: } {label = "gather_0", unroll = 0 : i64, pipeline_ii = 1 : i64}
