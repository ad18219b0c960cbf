// RUN: gnnc-opt %s -p 'convert-gnn-to-hls{max-nodes=4 max-edges=6}' | filecheck %s

// gnn.layer_norm with F = 2 features of fixed<8, 4> and a 6-entry rsqrt table over [1, 4)
// (scale 2). The intermediate types follow gnnc.fixed.layer_norm_types: s = sum x in
// fixed<9, 5>; d = 2 x - s in fixed<12, 8>; q = sum d^2 + F^3 eps in fixed<26, 18> (F^3 eps
// = 0.08 with q's 8 fractional bits: 20.48 truncated, raw 20 of fixed<6, -2>); m in
// fixed<42, 18> (2 * 8 spare fractional bits for the steps m / 4); 2^j in ufixed<13, 5>.
// down = ceil((18 - 3) / 2) = 8 steps m / 4 while m >= 4, up = ceil(8 / 2) = 4 steps m * 4
// while m < 1: every q from 2^-8 to 2^17 ends in [1, 4).

func.func @main(%x: !gnn.nodes<2, !gnn.fixed<8, 4>> {gnn.name = "x"}) -> !gnn.nodes<2, !gnn.fixed<8, 4>> {
  %a = gnn.layer_norm %x {weight = dense<[1.0, 2.0]> : tensor<2xf32>, bias = dense<[0.0, 1.0]> : tensor<2xf32>, eps = 1.000000e-02 : f64, weight_type = !gnn.fixed<8, 4>, bias_type = !gnn.fixed<8, 4>, rsqrt_type = !gnn.fixed<6, 1, unsigned, rnd>, table_size = 6 : i64} : !gnn.nodes<2, !gnn.fixed<8, 4>> -> !gnn.nodes<2, !gnn.fixed<8, 4>>
  func.return %a : !gnn.nodes<2, !gnn.fixed<8, 4>>
}

// sqrt(2) * [1, 2] = [1.414, 2.828] truncated to 4 fractional bits: [22, 45]; entry i is
// 1/sqrt(1 + (i + 0.5) / 2) rounded to 5 fractional bits.
// CHECK:      %layer_norm1_scale = hls.rom "layer_norm1_scale" {data = dense<[22, 45]> : tensor<2xi8>}
// CHECK-NEXT: %layer_norm1_bias = hls.rom "layer_norm1_bias" {data = dense<[0, 16]> : tensor<2xi8>}
// CHECK-NEXT: %layer_norm1_rsqrt = hls.rom "layer_norm1_rsqrt" {data = dense<[29, 24, 21, 19, 18, 17]> : tensor<6xi8>} : memref<6x!gnn.fixed<6, 1, unsigned, rnd>>
// CHECK:        hls.add %{{.*}}, %{{.*}} : !gnn.fixed<9, 5>, !gnn.fixed<8, 4> -> !gnn.fixed<9, 5>
// CHECK:      } {label = "layer_norm1_sum"}
// CHECK:        %[[EPS:.*]] = hls.constant 20 : !gnn.fixed<6, -2>
// CHECK-NEXT:   hls.cast %[[EPS]] : !gnn.fixed<6, -2> -> !gnn.fixed<26, 18>
// CHECK:        %[[FX:.*]] = hls.mul %{{.*}}, %{{.*}} : !gnn.fixed<8, 4>, !gnn.fixed<3, 3> -> !gnn.fixed<11, 7>
// CHECK-NEXT:   %[[D:.*]] = hls.add %[[FX]], %{{.*}} : !gnn.fixed<11, 7>, !gnn.fixed<11, 7> -> !gnn.fixed<12, 8>
// CHECK-NEXT:   hls.store %[[D]], %layer_norm1_dev
// CHECK-NEXT:   hls.mul %[[D]], %[[D]] : !gnn.fixed<12, 8>, !gnn.fixed<12, 8> -> !gnn.fixed<24, 16>
// CHECK:      } {label = "layer_norm1_dev"}
// CHECK:        hls.cast %{{.*}} : !gnn.fixed<26, 18> -> !gnn.fixed<42, 18>
// CHECK-COUNT-8: hls.mul %{{.*}}, %{{.*}} : !gnn.fixed<42, 18>, !gnn.fixed<2, 0, unsigned> -> !gnn.fixed<42, 18>
// CHECK-NOT:    !gnn.fixed<2, 0, unsigned> -> !gnn.fixed<42, 18>
// CHECK-COUNT-4: hls.mul %{{.*}}, %{{.*}} : !gnn.fixed<42, 18>, !gnn.fixed<3, 3, unsigned> -> !gnn.fixed<42, 18>
// CHECK-NOT:    !gnn.fixed<3, 3, unsigned> -> !gnn.fixed<42, 18>
// CHECK:        %[[I:.*]] = hls.table_index %{{.*}} {table_size = 6 : i64, table_min = 1 : i64, table_scale = 2 : i64} : !gnn.fixed<42, 18>
// CHECK-NEXT:   %[[T:.*]] = hls.load %layer_norm1_rsqrt[%[[I]]]
// CHECK-NEXT:   %[[R:.*]] = hls.mul %[[T]], %{{.*}} : !gnn.fixed<6, 1, unsigned, rnd>, !gnn.fixed<13, 5, unsigned> -> !gnn.fixed<19, 6, unsigned>
// CHECK:          %[[P:.*]] = hls.mul %{{.*}}, %[[R]] : !gnn.fixed<12, 8>, !gnn.fixed<19, 6, unsigned> -> !gnn.fixed<31, 14>
// CHECK:          %[[P2:.*]] = hls.mul %[[P]], %{{.*}} : !gnn.fixed<31, 14>, !gnn.fixed<8, 4> -> !gnn.fixed<39, 18>
// CHECK:          hls.add %[[P2]], %{{.*}} : !gnn.fixed<39, 18>, !gnn.fixed<8, 4> -> !gnn.fixed<8, 4>
// CHECK:      } {label = "layer_norm1", op = "layer_norm1", rows = "nodes"}
