// RUN: gnnc-opt %s -t vitis | filecheck %s

func.func @layer(%x: memref<4x2x!gnn.fixed<8, 3>> {hls.name = "x", hls.direction = "in", hls.role = "features", hls.rows = "nodes", hls.interface = "ap_vld", hls.partition = [#hls.partition<complete dim 0>]}, %edge_index: memref<2x6xui2> {hls.name = "edge_index", hls.direction = "in", hls.role = "edge_index", hls.interface = "ap_vld"}, %n_nodes: ui3 {hls.name = "n_nodes", hls.direction = "in", hls.role = "count", hls.rows = "nodes", hls.interface = "ap_vld"}, %n_edges: ui3 {hls.name = "n_edges", hls.direction = "in", hls.role = "count", hls.rows = "edges", hls.interface = "ap_vld"}, %y: memref<6x1x!gnn.fixed<8, 3, rnd_conv, sat>> {hls.name = "y", hls.direction = "out", hls.role = "features", hls.rows = "edges", hls.interface = "ap_vld"}) attributes {hls.top, hls.pipeline_ii = 1 : i64, hls.max_nodes = 4 : i64, hls.max_edges = 6 : i64} {
  %w = hls.rom "w" {data = dense<[[16, -32]]> : tensor<1x2xi8>, partition = [#hls.partition<complete dim 0>]} : memref<1x2x!gnn.fixed<8, 3>>
  %tab = hls.rom "sigmoid_table" {data = dense<[1, 2, 3, 4]> : tensor<4xi8>} : memref<4x!gnn.fixed<8, 3, rnd_conv, sat>>
  %buf = hls.alloca {partition = [#hls.partition<cyclic 2 dim 1>]} : memref<6x!gnn.fixed<8, 3>>
  %acc = hls.alloca : memref<!gnn.fixed<18, 8>>
  hls.for %e = 0 to 6 limit %n_edges : ui3 {
    %c0 = hls.constant 0 : index
    %raw = hls.load %edge_index[%c0, %e] : memref<2x6xui2> -> ui2
    %n = hls.index_cast %raw : ui2 -> index
    %zero = hls.constant 0 : !gnn.fixed<18, 8>
    hls.store %zero, %acc[] : !gnn.fixed<18, 8>, memref<!gnn.fixed<18, 8>>
    hls.for %i = 0 to 2 {
      %xv = hls.load %x[%n, %i] : memref<4x2x!gnn.fixed<8, 3>> -> !gnn.fixed<8, 3>
      %c = hls.constant 0 : index
      %wv = hls.load %w[%c, %i] : memref<1x2x!gnn.fixed<8, 3>> -> !gnn.fixed<8, 3>
      %p = hls.mul %xv, %wv : !gnn.fixed<8, 3>, !gnn.fixed<8, 3> -> !gnn.fixed<16, 6>
      %a = hls.load %acc[] : memref<!gnn.fixed<18, 8>> -> !gnn.fixed<18, 8>
      %s = hls.add %a, %p : !gnn.fixed<18, 8>, !gnn.fixed<16, 6> -> !gnn.fixed<18, 8>
      %m = hls.max %s, %zero : !gnn.fixed<18, 8>, !gnn.fixed<18, 8> -> !gnn.fixed<18, 8>
      hls.store %m, %acc[] : !gnn.fixed<18, 8>, memref<!gnn.fixed<18, 8>>
    } {label = "inputs", unroll = 2 : i64, pipeline_ii = 1 : i64}
    %total = hls.load %acc[] : memref<!gnn.fixed<18, 8>> -> !gnn.fixed<18, 8>
    %q = hls.cast %total : !gnn.fixed<18, 8> -> !gnn.fixed<8, 3>
    %row = hls.table_index %q {table_size = 4 : i64, table_min = -2 : i64, table_scale = 1 : i64} : !gnn.fixed<8, 3>
    %yv = hls.load %tab[%row] : memref<4x!gnn.fixed<8, 3, rnd_conv, sat>> -> !gnn.fixed<8, 3, rnd_conv, sat>
    %k = hls.constant 0 : index
    hls.store %yv, %y[%e, %k] : !gnn.fixed<8, 3, rnd_conv, sat>, memref<6x1x!gnn.fixed<8, 3, rnd_conv, sat>>
  } {label = "edges", unroll = 0 : i64}
  func.return
}

// The header declares the top function with one array argument per port.
// CHECK:      // ---- layer.h ----
// CHECK:      void layer(
// CHECK-NEXT:     const ap_fixed<8, 3> x[4][2],
// CHECK-NEXT:     const ap_uint<2> edge_index[2][6],
// CHECK-NEXT:     ap_uint<3> n_nodes,
// CHECK-NEXT:     ap_uint<3> n_edges,
// CHECK-NEXT:     ap_fixed<8, 3, AP_RND_CONV, AP_SAT> y[6][1]
// CHECK-NEXT: );
// The body renders the directives of the IR and nothing else.
// CHECK:      // ---- layer.cpp ----
// CHECK-NEXT: #include "layer.h"
// CHECK-NEXT: #include "layer_weights.h"
// CHECK-NEXT: #include "gnnc_support.h"
// CHECK:      ) {
// CHECK-NEXT: #pragma HLS INTERFACE mode=ap_vld port=x
// CHECK-NEXT: #pragma HLS ARRAY_PARTITION variable=x type=complete dim=0
// CHECK-NEXT: #pragma HLS INTERFACE mode=ap_vld port=edge_index
// CHECK-NEXT: #pragma HLS INTERFACE mode=ap_vld port=n_nodes
// CHECK-NEXT: #pragma HLS INTERFACE mode=ap_vld port=n_edges
// CHECK-NEXT: #pragma HLS INTERFACE mode=ap_vld port=y
// CHECK-NEXT: #pragma HLS PIPELINE II=1
// CHECK-NEXT: #pragma HLS ARRAY_PARTITION variable=w type=complete dim=0
// CHECK-NEXT:   ap_fixed<8, 3> buf[6];
// CHECK-NEXT: #pragma HLS ARRAY_PARTITION variable=buf type=cyclic factor=2 dim=1
// CHECK-NEXT:   ap_fixed<18, 8> acc;
// CHECK-NEXT:   edges: for (int [[E:.*]] = 0; [[E]] < 6; [[E]]++) {
// CHECK-NEXT: #pragma HLS UNROLL
// CHECK-NEXT:     if ([[E]] < n_edges) {
// CHECK-NEXT:       int [[C0:.*]] = 0;
// CHECK-NEXT:       ap_uint<2> [[RAW:.*]] = edge_index[[[C0]]][[[E]]];
// CHECK-NEXT:       int [[N:.*]] = [[RAW]].to_int();
// CHECK-NEXT:       ap_fixed<18, 8> [[ZERO:.*]] = gnnc_raw<ap_fixed<18, 8>>(0LL);
// CHECK-NEXT:       acc = [[ZERO]];
// CHECK-NEXT:       inputs: for (int [[I:.*]] = 0; [[I]] < 2; [[I]]++) {
// CHECK-NEXT: #pragma HLS UNROLL factor=2
// CHECK-NEXT: #pragma HLS PIPELINE II=1
// CHECK-NEXT:         ap_fixed<8, 3> [[XV:.*]] = x[[[N]]][[[I]]];
// CHECK-NEXT:         int [[C:.*]] = 0;
// CHECK-NEXT:         ap_fixed<8, 3> [[WV:.*]] = gnnc_raw<ap_fixed<8, 3>>(w[[[C]]][[[I]]]);
// CHECK-NEXT:         ap_fixed<16, 6> [[P:.*]] = [[XV]] * [[WV]];
// CHECK-NEXT:         ap_fixed<18, 8> [[A:.*]] = acc;
// CHECK-NEXT:         ap_fixed<18, 8> [[S:.*]] = [[A]] + [[P]];
// CHECK-NEXT:         ap_fixed<18, 8> [[M:.*]] = ([[S]] > [[ZERO]]) ? [[S]] : [[ZERO]];
// CHECK-NEXT:         acc = [[M]];
// CHECK-NEXT:       }
// CHECK:            int [[ROW:.*]] = gnnc_table_index<4>({{.*}}, -2, 1);
// CHECK-NEXT:       ap_fixed<8, 3, AP_RND_CONV, AP_SAT> {{.*}} = gnnc_raw<ap_fixed<8, 3, AP_RND_CONV, AP_SAT>>(sigmoid_table[[[ROW]]]);
// CHECK:            y[[[E]]][{{.*}}] = {{.*}};
// CHECK-NEXT:     }
// CHECK-NEXT:   }
// CHECK-NEXT: }
// Weights are raw integers, not ap_fixed initialisers (fast to compile).
// CHECK:      // ---- layer_weights.h ----
// CHECK:      // ap_fixed<8, 3>[1][2]
// CHECK-NEXT: static const int8_t w[1][2] = {{[{][{]}}16, -32{{[}][}]}};
// CHECK:      static const int8_t sigmoid_table[4] = {1, 2, 3, 4};
// CHECK:      // ---- gnnc_support.h ----
// CHECK:      inline T gnnc_raw(R raw) {
