// RUN: gnnc-opt %s -p 'gnn-fixed-point{default="fixed<6,3>"},convert-gnn-to-hls{max-nodes=4 max-edges=6}' | filecheck %s

// gnn.activation sqrt (StdAggregation's root of a variance) lowers to the bit-by-bit exact root
// with existing hls ops only (so both printers render it as they render any arithmetic): x in
// fixed<6, 3> is below 2^2 = 2^(2K), K = 1; the result's LSB is 2^-3, so the root's bits are
// 2^0 .. 2^-4 (p = 4), in r = x - y^2 of fixed<13, 5> (2p = 8 fractional bits) and y of fixed<7, 3>.
// Bit k: t = r - (2^(k+1) y + 2^(2k)); where t + 1 LSB > 0 (t >= 0), r = t and y += 2^k.
// Then the sticky bit 2^-5 where r > 0, one cast, and 0 unless x > threshold (1e-5: x > 0).

func.func @main(%x: !gnn.nodes<1, f32> {gnn.name = "x"}) -> !gnn.nodes<1, f32> {
  %y = gnn.activation sqrt %x {threshold = 1.0e-05 : f64} : !gnn.nodes<1, f32> -> !gnn.nodes<1, f32>
  func.return %y : !gnn.nodes<1, f32>
}

// CHECK:      %[[X:.*]] = hls.load %x[%{{.*}}, %{{.*}}] : memref<4x1x!gnn.fixed<6, 3>> -> !gnn.fixed<6, 3>
// CHECK-NEXT: %[[R0:.*]] = hls.cast %[[X]] : !gnn.fixed<6, 3> -> !gnn.fixed<13, 5>
// CHECK-NEXT: %[[Y0:.*]] = hls.constant 0 : !gnn.fixed<7, 3>
// bit 2^0: 2^1 y + 2^0
// CHECK-NEXT: %[[TWO:.*]] = hls.constant 1 : !gnn.fixed<2, 3>
// CHECK-NEXT: %[[SY:.*]] = hls.mul %[[Y0]], %[[TWO]] : !gnn.fixed<7, 3>, !gnn.fixed<2, 3> -> !gnn.fixed<13, 5>
// CHECK-NEXT: %[[ONE:.*]] = hls.constant 1 : !gnn.fixed<2, 2>
// CHECK-NEXT: %[[D:.*]] = hls.add %[[SY]], %[[ONE]] : !gnn.fixed<13, 5>, !gnn.fixed<2, 2> -> !gnn.fixed<13, 5>
// CHECK-NEXT: %[[M1:.*]] = hls.constant -1 : !gnn.fixed<2, 2>
// CHECK-NEXT: %[[ND:.*]] = hls.mul %[[D]], %[[M1]]
// CHECK-NEXT: %[[T:.*]] = hls.add %[[R0]], %[[ND]] : !gnn.fixed<13, 5>, !gnn.fixed<15, 7> -> !gnn.fixed<13, 5>
// CHECK-NEXT: %[[LSB:.*]] = hls.constant 1 : !gnn.fixed<13, 5>
// CHECK-NEXT: %[[TAKE:.*]] = hls.add %[[T]], %[[LSB]]
// CHECK-NEXT: %[[R1:.*]] = hls.select_positive %[[TAKE]], %[[T]], %[[R0]] : !gnn.fixed<13, 5>, !gnn.fixed<13, 5>
// CHECK-NEXT: %[[BIT:.*]] = hls.constant 1 : !gnn.fixed<2, 2>
// CHECK-NEXT: %[[YB:.*]] = hls.add %[[Y0]], %[[BIT]] : !gnn.fixed<7, 3>, !gnn.fixed<2, 2> -> !gnn.fixed<7, 3>
// CHECK-NEXT: %{{.*}} = hls.select_positive %[[TAKE]], %[[YB]], %[[Y0]] : !gnn.fixed<13, 5>, !gnn.fixed<7, 3>
// the last bit, 2^-4: 2^(2k) = 2^-8
// CHECK:      hls.constant 1 : !gnn.fixed<2, -6>
// CHECK:      %[[YL:.*]] = hls.select_positive %{{.*}} : !gnn.fixed<13, 5>, !gnn.fixed<7, 3>
// CHECK-NEXT: %[[S1:.*]] = hls.constant 1 : !gnn.fixed<8, 3>
// CHECK-NEXT: %[[S0:.*]] = hls.constant 0 : !gnn.fixed<8, 3>
// CHECK-NEXT: %[[ST:.*]] = hls.select_positive %[[RL:.*]], %[[S1]], %[[S0]] : !gnn.fixed<13, 5>, !gnn.fixed<8, 3>
// CHECK-NEXT: %[[V:.*]] = hls.add %[[YL]], %[[ST]] : !gnn.fixed<7, 3>, !gnn.fixed<8, 3> -> !gnn.fixed<8, 3>
// CHECK-NEXT: %[[OUT:.*]] = hls.cast %[[V]] : !gnn.fixed<8, 3> -> !gnn.fixed<6, 3>
// CHECK:      %[[ABOVE:.*]] = hls.add %[[X]], %{{.*}}
// CHECK-NEXT: %[[ZERO:.*]] = hls.constant 0 : !gnn.fixed<6, 3>
// CHECK-NEXT: %[[Y:.*]] = hls.select_positive %[[ABOVE]], %[[OUT]], %[[ZERO]]
// CHECK-NEXT: hls.store %[[Y]], %sqrt1
