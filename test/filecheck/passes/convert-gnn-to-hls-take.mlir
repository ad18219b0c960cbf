// RUN: gnnc-opt %s -p 'gnn-fixed-point{default="fixed<16,6>"},convert-gnn-to-hls{max-nodes=4 max-edges=6}' | filecheck %s
// RUN: gnnc-opt %s -p 'gnn-fixed-point{default="fixed<16,6>"}' | filecheck %s --check-prefix=FIXED

// gnn.take keeps its input's type (a copy) and lowers to
// one load (or a zero) and one store per output feature, unrolled inside the row loop.

func.func @main(%x: !gnn.nodes<3, f32> {gnn.name = "x"}) -> !gnn.nodes<3, f32> {
  %y = gnn.take %x {indices = array<i64: 2, -1, 0>} : !gnn.nodes<3, f32> -> !gnn.nodes<3, f32>
  func.return %y : !gnn.nodes<3, f32>
}

// FIXED: %y = gnn.take %x {indices = array<i64: 2, -1, 0>} : !gnn.nodes<3, !gnn.fixed<16, 6>> -> !gnn.nodes<3, !gnn.fixed<16, 6>>

// CHECK:      hls.for %[[R:.*]] = 0 to 4 limit %n_nodes : ui3 {
// CHECK-NEXT:   %[[C2:.*]] = hls.constant 2 : index
// CHECK-NEXT:   %[[V:.*]] = hls.load %x[%[[R]], %[[C2]]]
// CHECK-NEXT:   %[[K0:.*]] = hls.constant 0 : index
// CHECK-NEXT:   hls.store %[[V]], %take1[%[[R]], %[[K0]]]
// CHECK-NEXT:   %[[Z:.*]] = hls.constant 0 : !gnn.fixed<16, 6>
// CHECK-NEXT:   %[[K1:.*]] = hls.constant 1 : index
// CHECK-NEXT:   hls.store %[[Z]], %take1[%[[R]], %[[K1]]]
// CHECK-NEXT:   %[[C0:.*]] = hls.constant 0 : index
// CHECK-NEXT:   %[[V0:.*]] = hls.load %x[%[[R]], %[[C0]]]
// CHECK-NEXT:   %[[K2:.*]] = hls.constant 2 : index
// CHECK-NEXT:   hls.store %[[V0]], %take1[%[[R]], %[[K2]]]
// CHECK-NEXT: } {label = "take1", op = "take1", rows = "nodes"}
