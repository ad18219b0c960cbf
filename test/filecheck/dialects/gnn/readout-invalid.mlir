// RUN: gnnc-opt %s --split-input-file --verify-diagnostics | filecheck %s

// One case per verifier error of gnn.readout and gnn.softmax.

func.func @f(%x: !gnn.nodes<2, f32>) {
  %g = gnn.readout min %x : !gnn.nodes<2, f32> -> !gnn.graphs<2, f32>
  func.return
}

// CHECK: {{^}}'gnn.readout': reduce must be sum, mean or max, not min

// -----

func.func @f(%x: !gnn.nodes<2, f32>) {
  %g = gnn.readout sum %x : !gnn.nodes<2, f32> -> !gnn.graphs<3, f32>
  func.return
}

// CHECK: {{^}}'gnn.readout': result must have 2 features, got 3

// -----

func.func @f(%x: !gnn.nodes<2, f32>, %ei: !gnn.edge_index, %b: !gnn.batch) {
  %e = gnn.gather src %x, %ei : !gnn.nodes<2, f32> -> !gnn.edges<2, f32>
  %g = gnn.readout sum %e batch %b : !gnn.edges<2, f32> -> !gnn.graphs<2, f32>
  func.return
}

// CHECK: {{^}}'gnn.readout': a batch maps nodes to graphs; a readout of !gnn.edges takes no batch

// -----

func.func @f(%x: !gnn.nodes<2, !gnn.fixed<16, 6>>) {
  %g = gnn.readout sum %x : !gnn.nodes<2, !gnn.fixed<16, 6>> -> !gnn.graphs<2, !gnn.fixed<16, 6>>
  func.return
}

// CHECK: {{^}}'gnn.readout': fixed-point sum needs accum_type

// -----

func.func @f(%x: !gnn.nodes<2, !gnn.fixed<16, 6>>) {
  %g = gnn.readout mean %x {accum_type = !gnn.fixed<20, 10>} : !gnn.nodes<2, !gnn.fixed<16, 6>> -> !gnn.graphs<2, !gnn.fixed<16, 6>>
  func.return
}

// CHECK: {{^}}'gnn.readout': fixed-point mean needs recip_type

// -----

func.func @f(%x: !gnn.nodes<2, !gnn.fixed<16, 6>>) {
  %g = gnn.readout max %x : !gnn.nodes<2, !gnn.fixed<16, 6>> -> !gnn.graphs<2, !gnn.fixed<8, 3>>
  func.return
}

// CHECK: {{^}}'gnn.readout': max selects values, so input and result element types must be equal

// -----

func.func @f(%x: !gnn.nodes<2, !gnn.fixed<16, 6>>) {
  %g = gnn.readout max %x {accum_type = !gnn.fixed<20, 10>} : !gnn.nodes<2, !gnn.fixed<16, 6>> -> !gnn.graphs<2, !gnn.fixed<16, 6>>
  func.return
}

// CHECK: {{^}}'gnn.readout': accum_type only applies to sum and mean, not max

// -----

func.func @f(%x: !gnn.nodes<2, f32>) {
  %g = gnn.readout sum %x {recip_type = !gnn.fixed<13, 1, unsigned>} : !gnn.nodes<2, f32> -> !gnn.graphs<2, f32>
  func.return
}

// CHECK: {{^}}'gnn.readout': recip_type only applies to mean, not sum

// -----

func.func @f(%x: !gnn.nodes<2, f32>) {
  %g = gnn.readout sum %x : !gnn.nodes<2, f32> -> !gnn.graphs<2, !gnn.fixed<16, 6>>
  func.return
}

// CHECK: {{^}}'gnn.readout': mixes float and fixed-point element types
