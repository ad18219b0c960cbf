// RUN: gnnc-opt %s -p 'convert-gnn-to-hls{max-nodes=4 max-edges=6 top=layer}' | filecheck %s
// RUN: not gnnc-opt %s -p 'convert-gnn-to-hls{top=void}' 2>&1 | filecheck %s --check-prefix=TOP
// RUN: gnnc-opt %s -p 'convert-gnn-to-hls{max-nodes=4 max-edges=6 top=layer}' | filecheck %s --check-prefix=NAMES

// A gather, a dense and a scatter-sum: each becomes a loop nest over capacity rows,
// masked by the real count, and every value a local array of capacity rows.
func.func @main(%x: !gnn.nodes<2, !gnn.fixed<8, 3>> {gnn.name = "x"}, %ei: !gnn.edge_index {gnn.name = "edge_index"}) -> !gnn.nodes<1, !gnn.fixed<8, 3>> attributes {gnn.outputs = ["y"]} {
  %xj = gnn.gather src %x, %ei : !gnn.nodes<2, !gnn.fixed<8, 3>> -> !gnn.edges<2, !gnn.fixed<8, 3>>
  %m = gnn.dense %xj {weight = dense<[[0.5, -1.0]]> : tensor<1x2xf32>, bias = dense<[0.25]> : tensor<1xf32>, weight_type = !gnn.fixed<8, 3>, bias_type = !gnn.fixed<8, 3>, accum_type = !gnn.fixed<18, 8>, gnn.path = "mlp.0"} : !gnn.edges<2, !gnn.fixed<8, 3>> -> !gnn.edges<1, !gnn.fixed<8, 3>>
  %a = gnn.scatter sum dst %m, %ei {accum_type = !gnn.fixed<11, 6>} : !gnn.edges<1, !gnn.fixed<8, 3>> -> !gnn.nodes<1, !gnn.fixed<8, 3>>
  func.return %a : !gnn.nodes<1, !gnn.fixed<8, 3>>
}

// Ports: inputs, then the real counts, then outputs; node indices need 2 bits for 4 nodes.
// CHECK:      func.func @layer(%x: memref<4x2x!gnn.fixed<8, 3>> {hls.name = "x", hls.direction = "in", hls.role = "features", hls.rows = "nodes"}, %edge_index: memref<2x6xui2> {hls.name = "edge_index", hls.direction = "in", hls.role = "edge_index"}, %n_nodes: ui3 {{{.*}}hls.role = "count", hls.rows = "nodes"{{.*}}}, %n_edges: ui3 {{{.*}}hls.role = "count", hls.rows = "edges"{{.*}}}, %y: memref<4x1x!gnn.fixed<8, 3>> {hls.name = "y", hls.direction = "out", hls.role = "features", hls.rows = "nodes"})
// CHECK-SAME: attributes {hls.top, hls.max_nodes = 4 : i64, hls.max_edges = 6 : i64}
// The gather reads edge_index[0][e] (src) for the real edges only.
// CHECK:      %gather{{[0-9]+}} = hls.alloca : memref<6x2x!gnn.fixed<8, 3>>
// CHECK-NEXT: hls.for %[[E:.*]] = 0 to 6 limit %n_edges : ui3 {
// CHECK-NEXT:   %[[ROW:.*]] = hls.constant 0 : index
// CHECK-NEXT:   %[[RAW:.*]] = hls.load %edge_index[%[[ROW]], %[[E]]] : memref<2x6xui2> -> ui2
// CHECK-NEXT:   %[[NODE:.*]] = hls.index_cast %[[RAW]] : ui2 -> index
// CHECK:          hls.load %x[%[[NODE]], %{{.*}}]
// CHECK:      } {label = "gather[[G:[0-9]+]]", op = "gather[[G]]", rows = "edges"}
// Weights and bias are ROMs of raw integers (0.5 and -1.0 with 5 fractional bits).
// CHECK:      %mlp_0_dense = hls.alloca : memref<6x1x!gnn.fixed<8, 3>>
// CHECK-NEXT: %mlp_0_dense_w = hls.rom "mlp_0_dense_w" {data = dense<{{\[}}[16, -32]]> : tensor<1x2xi8>} : memref<1x2x!gnn.fixed<8, 3>>
// CHECK-NEXT: %mlp_0_dense_b = hls.rom "mlp_0_dense_b" {data = dense<8> : tensor<1xi8>} : memref<1x!gnn.fixed<8, 3>>
// The accumulator starts at the bias and adds exact products.
// CHECK:        %{{.*}} = hls.alloca : memref<!gnn.fixed<18, 8>>
// CHECK:          hls.mul %{{.*}}, %{{.*}} : !gnn.fixed<8, 3>, !gnn.fixed<8, 3> -> !gnn.fixed<16, 6>
// CHECK-NEXT:     hls.load
// CHECK-NEXT:     hls.add %{{.*}}, %{{.*}} : !gnn.fixed<18, 8>, !gnn.fixed<16, 6> -> !gnn.fixed<18, 8>
// CHECK:        hls.cast %{{.*}} : !gnn.fixed<18, 8> -> !gnn.fixed<8, 3>
// Top-level loops name their op, its torch path and their rows (for hls-reuse and the estimate).
// CHECK:      } {label = "mlp_0_dense", op = "mlp_0_dense", path = "mlp.0", rows = "edges"}
// The scatter zeroes an accumulator for every node, adds over real edges at edge_index[1][e],
// and casts the real nodes' sums; its three loops belong to one op.
// CHECK:      hls.alloca : memref<4x1x!gnn.fixed<11, 6>>
// CHECK-NEXT: hls.for %{{.*}} = 0 to 4 {
// CHECK:      } {label = "scatter_sum[[S:[0-9]+]]_init", op = "scatter_sum[[S]]", rows = "nodes"}
// CHECK-NEXT: hls.for %{{.*}} = 0 to 6 limit %n_edges : ui3 {
// CHECK-NEXT:   hls.constant 1 : index
// CHECK:          hls.add %{{.*}}, %{{.*}} : !gnn.fixed<11, 6>, !gnn.fixed<8, 3> -> !gnn.fixed<11, 6>
// CHECK:      } {label = "scatter_sum[[S]]_edges", op = "scatter_sum[[S]]", rows = "edges"}
// CHECK:      hls.for %{{.*}} = 0 to 4 limit %n_nodes : ui3 {
// CHECK:          hls.cast %{{.*}} : !gnn.fixed<11, 6> -> !gnn.fixed<8, 3>
// CHECK:      } {label = "scatter_sum[[S]]_nodes", op = "scatter_sum[[S]]", rows = "nodes"}
// The output port receives the real rows.
// CHECK:      hls.for %{{.*}} = 0 to 4 limit %n_nodes : ui3 {
// CHECK:          hls.store %{{.*}}, %y[%{{.*}}, %{{.*}}]
// CHECK:      } {label = "output_y", op = "output_y", rows = "nodes"}
// CHECK:      func.return

// TOP: gnnc-opt: error: convert-gnn-to-hls: the top function name 'void' is a C++ keyword; pass top=<identifier> (config key `top`)


// Loop indices are named by what they run over (the printers' C++ names, made unique there):
// edges e, nodes n, a dense's outputs o and inputs i, features f; the node an edge reads is
// src or dst.
// NAMES:      hls.for %e = 0 to 6 limit %n_edges
// NAMES:        %src = hls.index_cast
// NAMES-NEXT:   hls.for %f = 0 to 2 {
// NAMES:      hls.for %e_1 = 0 to 6 limit %n_edges
// NAMES-NEXT:   hls.for %o = 0 to 1 {
// NAMES:          hls.for %i = 0 to 2 {
// NAMES:      hls.for %n = 0 to 4 {
// NAMES:      hls.for %e_2 = 0 to 6 limit %n_edges
// NAMES:        %dst = hls.index_cast
