// `gnnc-opt --lower-to-hls` reads the capacity and precision from the module's gnnc.graph and
// gnnc.precision attributes (what `gnnc mlir` prints); a flag given on the command line wins.
// RUN: gnnc-opt %s --lower-to-hls -t vitis | filecheck %s
// RUN: gnnc-opt %s --lower-to-hls --max-nodes 4 --precision 'fixed<8,3>' -t vitis | filecheck %s --check-prefix=FLAGS
// A malformed attribute is a one-line error naming it.
// RUN: sed 's/max_edges = 12 : i64/max_edges = "12"/' %s | not gnnc-opt --lower-to-hls 2>&1 | filecheck %s --check-prefix=BADINT
// RUN: sed 's/default = "fixed<10, 4>"/default = 10 : i64/' %s | not gnnc-opt --lower-to-hls 2>&1 | filecheck %s --check-prefix=BADSTR
// RUN: sed 's/gnnc.graph = {/gnnc.graph = {nodes = 3 : i64, /' %s | not gnnc-opt --lower-to-hls 2>&1 | filecheck %s --check-prefix=BADKEY

builtin.module attributes {gnnc.graph = {max_nodes = 6 : i64, max_edges = 12 : i64}, gnnc.precision = {default = "fixed<10, 4>"}} {
  func.func @main(%x: !gnn.nodes<2, f32> {gnn.name = "x"}, %ei: !gnn.edge_index {gnn.name = "edge_index"}) -> !gnn.nodes<2, f32> {
    %xj = gnn.gather src %x, %ei : !gnn.nodes<2, f32> -> !gnn.edges<2, f32>
    %a = gnn.scatter sum dst %xj, %ei : !gnn.edges<2, f32> -> !gnn.nodes<2, f32>
    func.return %a : !gnn.nodes<2, f32>
  }
}

// CHECK:      void main_top(
// CHECK-NEXT:     const ap_fixed<10, 4> x[6][2],
// CHECK-NEXT:     const ap_uint<{{[0-9]+}}> edge_index[2][12],
// The scatter sums max_edges = 12 messages: 10 + ceil(log2 12) = 14 bits.
// CHECK:      ap_fixed<14, 8> scatter_sum{{[0-9]*}}_acc[6][2];

// FLAGS:      void main_top(
// FLAGS-NEXT:     const ap_fixed<8, 3> x[4][2],
// FLAGS-NEXT:     const ap_uint<{{[0-9]+}}> edge_index[2][12],

// BADINT:     {{^}}gnnc-opt: error: module attribute gnnc.graph.max_edges must be a positive integer (e.g. 64 : i64), got "12"
// BADINT-NOT: {{.}}
// BADSTR:     {{^}}gnnc-opt: error: module attribute gnnc.precision.default must be a string (e.g. "fixed<16,6>"), got 10 : i64
// BADSTR-NOT: {{.}}
// BADKEY:     {{^}}gnnc-opt: error: module attribute gnnc.graph has unknown key 'nodes' (expected: max_nodes, max_edges, max_graphs)
// BADKEY-NOT: {{.}}
