// RUN: gnnc-opt %s -p 'convert-gnn-to-hls{max-nodes=4 max-edges=6}' | filecheck %s

// Lowering of the ops added for the frontend's breadth (the output of gnn-fixed-point-breadth.mlir
// with max-edges=6). Only existing hls ops are used: negation is a product with -1, a
// comparison src != dst is (src - dst)^2 > 0 on indices, tables are ROMs.

func.func @main(%x: !gnn.nodes<2, !gnn.fixed<16, 8>> {gnn.name = "x"}, %ei: !gnn.edge_index {gnn.name = "edge_index"}) -> (!gnn.nodes<2, !gnn.fixed<12, 1, unsigned, rnd>>, !gnn.edges<2, !gnn.fixed<16, 8>>) {
  %s = gnn.scale %x {scale = dense<[5.000000e-01, 2.000000e+00]> : tensor<2xf32>, shift = dense<[1.000000e+00, -1.000000e+00]> : tensor<2xf32>, scale_type = !gnn.fixed<16, 8>, shift_type = !gnn.fixed<16, 8>} : !gnn.nodes<2, !gnn.fixed<16, 8>> -> !gnn.nodes<2, !gnn.fixed<16, 8>>
  %l = gnn.activation leaky_relu %s {alpha = 2.000000e-01 : f64, alpha_type = !gnn.fixed<16, 8>} : !gnn.nodes<2, !gnn.fixed<16, 8>> -> !gnn.nodes<2, !gnn.fixed<16, 8>>
  %u = gnn.activation elu %l {alpha = 1.000000e+00 : f64, table_size = 1024 : i64, table_min = -8 : i64, table_scale = 128 : i64} : !gnn.nodes<2, !gnn.fixed<16, 8>> -> !gnn.nodes<2, !gnn.fixed<16, 8>>
  %d = gnn.sub %u, %x : !gnn.nodes<2, !gnn.fixed<16, 8>>, !gnn.nodes<2, !gnn.fixed<16, 8>> -> !gnn.nodes<2, !gnn.fixed<16, 8>>
  %dn = gnn.degree_norm dst %ei {add_self_loops} : !gnn.nodes<1, !gnn.fixed<12, 1, unsigned, rnd>>
  %lm = gnn.loop_mask %ei : !gnn.edges<1, !gnn.fixed<1, 1, unsigned>>
  %g = gnn.gather src %dn, %ei : !gnn.nodes<1, !gnn.fixed<12, 1, unsigned, rnd>> -> !gnn.edges<1, !gnn.fixed<12, 1, unsigned, rnd>>
  %w = gnn.mul %g, %lm : !gnn.edges<1, !gnn.fixed<12, 1, unsigned, rnd>>, !gnn.edges<1, !gnn.fixed<1, 1, unsigned>> -> !gnn.edges<1, !gnn.fixed<16, 8>>
  %r = gnn.repeat %g {times = 2 : i64} : !gnn.edges<1, !gnn.fixed<12, 1, unsigned, rnd>> -> !gnn.edges<2, !gnn.fixed<12, 1, unsigned, rnd>>
  %xe = gnn.gather src %d, %ei : !gnn.nodes<2, !gnn.fixed<16, 8>> -> !gnn.edges<2, !gnn.fixed<16, 8>>
  %m = gnn.mul %w, %xe : !gnn.edges<1, !gnn.fixed<16, 8>>, !gnn.edges<2, !gnn.fixed<16, 8>> -> !gnn.edges<2, !gnn.fixed<16, 8>>
  %a, %as = gnn.edge_softmax dst %m, %ei root %d {exp_type = !gnn.fixed<12, 1, unsigned, rnd>, accum_type = !gnn.fixed<14, 3, unsigned>, recip_type = !gnn.fixed<12, 1, unsigned, rnd>, exp_table_size = 1024 : i64, exp_table_min = -8 : i64, exp_table_scale = 128 : i64, recip_table_size = 1024 : i64, recip_table_scale = 64 : i64, newton_steps = 1 : i64} : !gnn.edges<2, !gnn.fixed<16, 8>>, !gnn.nodes<2, !gnn.fixed<16, 8>> -> !gnn.edges<2, !gnn.fixed<12, 1, unsigned, rnd>>, !gnn.nodes<2, !gnn.fixed<12, 1, unsigned, rnd>>
  %y = gnn.mul %a, %r : !gnn.edges<2, !gnn.fixed<12, 1, unsigned, rnd>>, !gnn.edges<2, !gnn.fixed<12, 1, unsigned, rnd>> -> !gnn.edges<2, !gnn.fixed<16, 8>>
  func.return %as, %y : !gnn.nodes<2, !gnn.fixed<12, 1, unsigned, rnd>>, !gnn.edges<2, !gnn.fixed<16, 8>>
}

// gnn.scale: exact product with the per-feature ROM, exact sum with the shift, one cast.
// CHECK:      %scale1_scale = hls.rom "scale1_scale" {data = dense<[128, 512]> : tensor<2xi16>}
// CHECK-NEXT: %scale1_shift = hls.rom "scale1_shift" {data = dense<[256, -256]> : tensor<2xi16>}
// CHECK:        %[[S:.*]] = hls.mul %{{.*}}, %{{.*}} : !gnn.fixed<16, 8>, !gnn.fixed<16, 8> -> !gnn.fixed<32, 16>
// CHECK:        hls.add %[[S]], %{{.*}} : !gnn.fixed<32, 16>, !gnn.fixed<16, 8> -> !gnn.fixed<16, 8>
// leaky_relu: x > 0 ? x : alpha * x (alpha = 0.2 is 51 / 256).
// CHECK:        %[[A:.*]] = hls.constant 51 : !gnn.fixed<16, 8>
// CHECK-NEXT:   %[[NEG:.*]] = hls.mul %[[X:.*]], %[[A]] : !gnn.fixed<16, 8>, !gnn.fixed<16, 8> -> !gnn.fixed<16, 8>
// CHECK-NEXT:   %[[POS:.*]] = hls.cast %[[X]]
// CHECK-NEXT:   hls.select_positive %[[X]], %[[POS]], %[[NEG]]
// elu: -x > 0 ? table[x] : x.
// CHECK:        %[[T:.*]] = hls.load %elu_table
// CHECK-NEXT:   %[[P:.*]] = hls.cast
// CHECK-NEXT:   %[[M1:.*]] = hls.constant -1 : !gnn.fixed<2, 2>
// CHECK-NEXT:   %[[MX:.*]] = hls.mul %{{.*}}, %[[M1]] : !gnn.fixed<16, 8>, !gnn.fixed<2, 2> -> !gnn.fixed<18, 10>
// CHECK-NEXT:   hls.select_positive %[[MX]], %[[T]], %[[P]]
// gnn.sub: lhs + (-1 * rhs), exact, then one cast.
// CHECK:        hls.mul %{{.*}}, %{{.*}} : !gnn.fixed<16, 8>, !gnn.fixed<2, 2> -> !gnn.fixed<18, 10>
// CHECK-NEXT:   hls.add %{{.*}}, %{{.*}} : !gnn.fixed<16, 8>, !gnn.fixed<18, 10> -> !gnn.fixed<16, 8>
// CHECK:      } {label = "sub4"{{.*}}}
// gnn.degree_norm: count the edges at dst that are not self loops, then read (count + 1)^-1/2
// from a table of max-edges + 1 entries (1.0 = 2048 with 11 fractional bits).
// CHECK:      %degree_norm5_count = hls.alloca : memref<4xui3>
// CHECK-NEXT: %degree_norm5_table = hls.rom "degree_norm5_table" {data = dense<[2048, 1448, 1182, 1024, 916, 836, 774]> : tensor<7xi16>} : memref<7x!gnn.fixed<12, 1, unsigned, rnd>>
// CHECK:      hls.for %{{.*}} = 0 to 6 limit %n_edges : ui3 {
// CHECK:        %[[D:.*]] = hls.add %{{.*}}, %{{.*}} : index, index -> index
// CHECK-NEXT:   %[[SQ:.*]] = hls.mul %[[D]], %[[D]] : index, index -> index
// CHECK-NEXT:   %[[ONE:.*]] = hls.constant 1 : ui3
// CHECK-NEXT:   %[[ZERO:.*]] = hls.constant 0 : ui3
// CHECK-NEXT:   %[[STEP:.*]] = hls.select_positive %[[SQ]], %[[ONE]], %[[ZERO]] : index, ui3
// CHECK-NEXT:   hls.add %{{.*}}, %[[STEP]] : ui3, ui3 -> ui3
// CHECK:      } {label = "degree_norm5_edges"{{.*}}}
// CHECK:        hls.load %degree_norm5_table[%{{.*}}]
// CHECK:      } {label = "degree_norm5_nodes"{{.*}}}
// gnn.loop_mask: 1 unless src == dst.
// CHECK:        hls.select_positive %{{.*}}, %{{.*}}, %{{.*}} : index, !gnn.fixed<1, 1, unsigned>
// CHECK:      } {label = "loop_mask6"{{.*}}}
// gnn.repeat: column f * times + k.
// CHECK:      %repeat9 = hls.alloca : memref<6x2x!gnn.fixed<12, 1, unsigned, rnd>>
// CHECK:          %[[B:.*]] = hls.mul %{{.*}}, %{{.*}} : index, index -> index
// CHECK-NEXT:     hls.for %[[K:.*]] = 0 to 2 {
// CHECK-NEXT:       %[[COL:.*]] = hls.add %[[B]], %[[K]] : index, index -> index
// CHECK-NEXT:       hls.store %{{.*}}, %repeat9[%{{.*}}, %[[COL]]]
// A [E, 1] operand is read at column 0 (broadcast).
// CHECK:      %mul11 = hls.alloca : memref<6x2x!gnn.fixed<16, 8>>
// CHECK-NEXT: hls.for %[[R:.*]] = 0 to 6 limit %n_edges : ui3 {
// CHECK-NEXT:   hls.for %[[F:.*]] = 0 to 2 {
// CHECK-NEXT:     %[[C0:.*]] = hls.constant 0 : index
// CHECK-NEXT:     hls.load %mul8[%[[R]], %[[C0]]]
// CHECK-NEXT:     hls.load %gather10[%[[R]], %[[F]]]
// gnn.edge_softmax with a root term: tables, then five loops.
// CHECK:      %edge_softmax12_exp = hls.rom "edge_softmax12_exp" {{.*}} : memref<1024x!gnn.fixed<12, 1, unsigned, rnd>>
// CHECK-NEXT: %edge_softmax12_recip = hls.rom "edge_softmax12_recip" {{.*}} : memref<1024x!gnn.fixed<12, 1, unsigned, rnd>>
// CHECK:      } {label = "edge_softmax12_init"{{.*}}}
// Self loops do not take part in the maximum (they get the type's minimum).
// CHECK:          %[[LOW:.*]] = hls.constant -32768 : !gnn.fixed<16, 8>
// CHECK-NEXT:     %[[CAND:.*]] = hls.select_positive %{{.*}}, %{{.*}}, %[[LOW]] : index, !gnn.fixed<16, 8>
// CHECK:          hls.max %{{.*}}, %[[CAND]]
// CHECK:      } {label = "edge_softmax12_max"{{.*}}}
// exp of the exact difference logit - max; self loops get 0; the sum is exact.
// CHECK:          hls.add %{{.*}}, %{{.*}} : !gnn.fixed<16, 8>, !gnn.fixed<18, 10> -> !gnn.fixed<19, 11>
// CHECK-NEXT:     hls.table_index %{{.*}} {table_size = 1024 : i64, table_min = -8 : i64, table_scale = 128 : i64} : !gnn.fixed<19, 11>
// CHECK:          hls.add %{{.*}}, %{{.*}} : !gnn.fixed<14, 3, unsigned>, !gnn.fixed<12, 1, unsigned, rnd> -> !gnn.fixed<14, 3, unsigned>
// CHECK:      } {label = "edge_softmax12_exp"{{.*}}}
// The root term joins the sum; 1/sum: table, then Newton r * (2 - sum * r).
// CHECK:          hls.table_index %{{.*}} {table_size = 1024 : i64, table_min = 0 : i64, table_scale = 64 : i64} : !gnn.fixed<14, 3, unsigned>
// CHECK:          hls.mul %{{.*}}, %{{.*}} : !gnn.fixed<14, 3, unsigned>, !gnn.fixed<12, 1, unsigned, rnd> -> !gnn.fixed<26, 4, unsigned>
// CHECK-NEXT:     hls.constant 2 : !gnn.fixed<3, 3>
// CHECK:          hls.mul %{{.*}}, %{{.*}} : !gnn.fixed<12, 1, unsigned, rnd>, !gnn.fixed<29, 7> -> !gnn.fixed<12, 1, unsigned, rnd>
// CHECK:          hls.store %{{.*}}, %edge_softmax12_root
// CHECK:      } {label = "edge_softmax12_inv"{{.*}}}
// CHECK:      } {label = "edge_softmax12_weight"{{.*}}}
