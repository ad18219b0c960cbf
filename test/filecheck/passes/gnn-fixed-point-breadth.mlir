// RUN: gnnc-opt %s -p 'gnn-fixed-point{default="fixed<16,8>" max-edges=40}' | filecheck %s
// RUN: gnnc-opt %s -p 'gnn-fixed-point{default="fixed<16,8>" max-edges=2000}' | filecheck %s --check-prefix=BIG

// Typing of the ops added for the frontend's breadth.

func.func @main(%x: !gnn.nodes<2, f32> {gnn.name = "x"}, %ei: !gnn.edge_index {gnn.name = "edge_index"}) -> (!gnn.nodes<2, f32>, !gnn.edges<2, f32>) {
  %s = gnn.scale %x {scale = dense<[0.5, 2.0]> : tensor<2xf32>, shift = dense<[1.0, -1.0]> : tensor<2xf32>} : !gnn.nodes<2, f32> -> !gnn.nodes<2, f32>
  %l = gnn.activation leaky_relu %s {alpha = 2.000000e-01 : f64} : !gnn.nodes<2, f32> -> !gnn.nodes<2, f32>
  %u = gnn.activation elu %l {alpha = 1.000000e+00 : f64} : !gnn.nodes<2, f32> -> !gnn.nodes<2, f32>
  %d = gnn.sub %u, %x : !gnn.nodes<2, f32>, !gnn.nodes<2, f32> -> !gnn.nodes<2, f32>
  %dn = gnn.degree_norm dst %ei {add_self_loops} : !gnn.nodes<1, f32>
  %lm = gnn.loop_mask %ei : !gnn.edges<1, f32>
  %g = gnn.gather src %dn, %ei : !gnn.nodes<1, f32> -> !gnn.edges<1, f32>
  %w = gnn.mul %g, %lm : !gnn.edges<1, f32>, !gnn.edges<1, f32> -> !gnn.edges<1, f32>
  %r = gnn.repeat %g {times = 2 : i64} : !gnn.edges<1, f32> -> !gnn.edges<2, f32>
  %xe = gnn.gather src %d, %ei : !gnn.nodes<2, f32> -> !gnn.edges<2, f32>
  %m = gnn.mul %w, %xe : !gnn.edges<1, f32>, !gnn.edges<2, f32> -> !gnn.edges<2, f32>
  %a, %as = gnn.edge_softmax dst %m, %ei root %d : !gnn.edges<2, f32>, !gnn.nodes<2, f32> -> !gnn.edges<2, f32>, !gnn.nodes<2, f32>
  %y = gnn.mul %a, %r : !gnn.edges<2, f32>, !gnn.edges<2, f32> -> !gnn.edges<2, f32>
  func.return %as, %y : !gnn.nodes<2, f32>, !gnn.edges<2, f32>
}

// Constants of gnn.scale and leaky_relu's slope get the default type; elu is a table over [-8, 0).
// CHECK:      %s = gnn.scale %x {{{.*}}scale_type = !gnn.fixed<16, 8>, shift_type = !gnn.fixed<16, 8>} : !gnn.nodes<2, !gnn.fixed<16, 8>> -> !gnn.nodes<2, !gnn.fixed<16, 8>>
// CHECK-NEXT: %l = gnn.activation leaky_relu %s {alpha = 2.000000e-01 : f64, alpha_type = !gnn.fixed<16, 8>}
// CHECK-NEXT: %u = gnn.activation elu %l {alpha = 1.000000e+00 : f64, table_size = 1024 : i64, table_min = -8 : i64, table_scale = 128 : i64}
// CHECK-NEXT: %d = gnn.sub %u, %x : !gnn.nodes<2, !gnn.fixed<16, 8>>, !gnn.nodes<2, !gnn.fixed<16, 8>> -> !gnn.nodes<2, !gnn.fixed<16, 8>>
// deg^-1/2 in [0, 1]: unsigned, one integer bit, 3 fractional bits more than the default.
// CHECK-NEXT: %dn = gnn.degree_norm dst %ei {add_self_loops} : !gnn.nodes<1, !gnn.fixed<12, 1, unsigned, rnd>>
// CHECK-NEXT: %lm = gnn.loop_mask %ei : !gnn.edges<1, !gnn.fixed<1, 1, unsigned>>
// Gathers and repeats copy, so they keep their input's type.
// CHECK-NEXT: %g = gnn.gather src %dn, %ei : !gnn.nodes<1, !gnn.fixed<12, 1, unsigned, rnd>> -> !gnn.edges<1, !gnn.fixed<12, 1, unsigned, rnd>>
// CHECK-NEXT: %w = gnn.mul %g, %lm : !gnn.edges<1, !gnn.fixed<12, 1, unsigned, rnd>>, !gnn.edges<1, !gnn.fixed<1, 1, unsigned>> -> !gnn.edges<1, !gnn.fixed<16, 8>>
// CHECK-NEXT: %r = gnn.repeat %g {times = 2 : i64} : !gnn.edges<1, !gnn.fixed<12, 1, unsigned, rnd>> -> !gnn.edges<2, !gnn.fixed<12, 1, unsigned, rnd>>
// CHECK-NEXT: %xe = gnn.gather src %d
// CHECK-NEXT: %m = gnn.mul %w, %xe : !gnn.edges<1, !gnn.fixed<16, 8>>, !gnn.edges<2, !gnn.fixed<16, 8>> -> !gnn.edges<2, !gnn.fixed<16, 8>>
// The softmax sums at most 41 exp values < 1: 6 integer bits; 1/sum from a 1024-entry table
// over [0, 64) (scale 16), then 2 Newton steps to 12 fractional bits.
// CHECK-NEXT: %a, %as = gnn.edge_softmax dst %m, %ei root %d {exp_type = !gnn.fixed<12, 1, unsigned, rnd>, accum_type = !gnn.fixed<17, 6, unsigned>, recip_type = !gnn.fixed<12, 1, unsigned, rnd>, exp_table_size = 1024 : i64, exp_table_min = -8 : i64, exp_table_scale = 128 : i64, recip_table_size = 1024 : i64, recip_table_scale = 16 : i64, newton_steps = 2 : i64} : !gnn.edges<2, !gnn.fixed<16, 8>>, !gnn.nodes<2, !gnn.fixed<16, 8>> -> !gnn.edges<2, !gnn.fixed<12, 1, unsigned, rnd>>, !gnn.nodes<2, !gnn.fixed<12, 1, unsigned, rnd>>
// CHECK-NEXT: %y = gnn.mul %a, %r {{.*}} -> !gnn.edges<2, !gnn.fixed<16, 8>>
// CHECK-NEXT: func.return %as, %y : !gnn.nodes<2, !gnn.fixed<12, 1, unsigned, rnd>>, !gnn.edges<2, !gnn.fixed<16, 8>>

// With 2000 edges the 1/sum table grows to 2048 entries over [0, 2048) (scale 1) and
// needs 4 Newton steps.
// BIG: accum_type = !gnn.fixed<22, 11, unsigned>
// BIG-SAME: recip_table_size = 2048 : i64, recip_table_scale = 1 : i64, newton_steps = 4 : i64
