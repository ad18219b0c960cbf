// "exact" on gnn.sub / gnn.add (the self-loop max's m - loop): the exact sum type, one more
// integer bit than fixed<16,6> (31.9 - (-32) needs it); "inherit" keeps it through relu, the
// loop mask's product and the max, and the final add is the default type again.
// RUN: gnnc-opt %s -p 'gnn-fixed-point{default="fixed<16,6>" max-edges=64}' | filecheck %s
// RUN: not gnnc-opt %S/Inputs/exact-relu.mlir -p gnn-fixed-point 2>&1 | filecheck %s --check-prefix=BAD

func.func @main(%x: !gnn.nodes<2, f32> {gnn.name = "x"}, %ei: !gnn.edge_index {gnn.name = "edge_index"}) -> !gnn.nodes<2, f32> {
  %m = gnn.gather src %x, %ei : !gnn.nodes<2, f32> -> !gnn.edges<2, f32>
  %b = gnn.gather dst %x, %ei : !gnn.nodes<2, f32> -> !gnn.edges<2, f32>
  %d = gnn.sub %m, %b {gnn.quant.result = "exact"} : !gnn.edges<2, f32>, !gnn.edges<2, f32> -> !gnn.edges<2, f32>
  %s = gnn.add %m, %b {gnn.quant.result = "exact"} : !gnn.edges<2, f32>, !gnn.edges<2, f32> -> !gnn.edges<2, f32>
  %r = gnn.activation relu %d {gnn.quant.result = "inherit"} : !gnn.edges<2, f32> -> !gnn.edges<2, f32>
  %k = gnn.loop_mask %ei : !gnn.edges<1, f32>
  %z = gnn.mul %r, %k {gnn.quant.result = "inherit"} : !gnn.edges<2, f32>, !gnn.edges<1, f32> -> !gnn.edges<2, f32>
  %t = gnn.scatter max dst %z, %ei : !gnn.edges<2, f32> -> !gnn.nodes<2, f32>
  %o = gnn.add %x, %t : !gnn.nodes<2, f32>, !gnn.nodes<2, f32> -> !gnn.nodes<2, f32>
  %p = gnn.sub %m, %b : !gnn.edges<2, f32>, !gnn.edges<2, f32> -> !gnn.edges<2, f32>
  func.return %o : !gnn.nodes<2, f32>
}

// CHECK:      %d = gnn.sub %m, %b {{.*}}-> !gnn.edges<2, !gnn.fixed<17, 7>>
// CHECK-NEXT: %s = gnn.add %m, %b {{.*}}-> !gnn.edges<2, !gnn.fixed<17, 7>>
// CHECK-NEXT: %r = gnn.activation relu %d {{.*}}-> !gnn.edges<2, !gnn.fixed<17, 7>>
// CHECK:      %z = gnn.mul %r, %k {{.*}}-> !gnn.edges<2, !gnn.fixed<17, 7>>
// CHECK-NEXT: %t = gnn.scatter max dst %z, %ei : !gnn.edges<2, !gnn.fixed<17, 7>> -> !gnn.nodes<2, !gnn.fixed<17, 7>>
// CHECK-NEXT: %o = gnn.add %x, %t : {{.*}} -> !gnn.nodes<2, !gnn.fixed<16, 6>>
// Without the mark: the default type.
// CHECK-NEXT: %p = gnn.sub %m, %b : {{.*}} -> !gnn.edges<2, !gnn.fixed<16, 6>>
// BAD: gnn-fixed-point: gnn.activation has gnn.quant.result = "exact", which only gnn.dense, gnn.scatter, gnn.add and gnn.sub have
