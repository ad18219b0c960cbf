// RUN: gnnc-opt %s -p 'hls-parallelize' | filecheck %s --check-prefix=PAR
// RUN: gnnc-opt %s -p 'hls-parallelize{ii=2 interface=ap_none},hls-partition-arrays' | filecheck %s --check-prefix=PART
// RUN: gnnc-opt %s -p 'hls-partition-arrays' | filecheck %s --check-prefix=NONE
// RUN: not gnnc-opt %s -p 'hls-parallelize{interface=axi}' 2>&1 | filecheck %s --check-prefix=BAD

func.func @top(%x: memref<4x2x!gnn.fixed<8, 3>> {hls.name = "x", hls.direction = "in", hls.role = "features", hls.rows = "nodes"}, %edge_index: memref<2x6xui2> {hls.name = "edge_index", hls.direction = "in", hls.role = "edge_index"}, %n_edges: ui3 {hls.name = "n_edges", hls.direction = "in", hls.role = "count", hls.rows = "edges"}) attributes {hls.top} {
  %w = hls.rom "w" {data = dense<[1, 2, 3, 4]> : tensor<4xi8>} : memref<4x!gnn.fixed<8, 3>>
  %t = hls.alloca : memref<6x2x!gnn.fixed<8, 3>>
  %acc = hls.alloca : memref<4x!gnn.fixed<8, 3>>
  hls.for %e = 0 to 6 limit %n_edges : ui3 {
    %c0 = hls.constant 0 : index
    %raw = hls.load %edge_index[%c0, %e] : memref<2x6xui2> -> ui2
    %n = hls.index_cast %raw : ui2 -> index
    %wv = hls.load %w[%n] : memref<4x!gnn.fixed<8, 3>> -> !gnn.fixed<8, 3>
    hls.store %wv, %acc[%n] : !gnn.fixed<8, 3>, memref<4x!gnn.fixed<8, 3>>
    hls.for %f = 0 to 2 {
      %v = hls.load %x[%n, %f] : memref<4x2x!gnn.fixed<8, 3>> -> !gnn.fixed<8, 3>
      hls.store %v, %t[%e, %f] : !gnn.fixed<8, 3>, memref<6x2x!gnn.fixed<8, 3>>
    } {label = "feats"}
  } {label = "edges"}
  func.return
}

// Every loop fully unrolled; the top function pipelined at II 1; every port ap_vld.
// PAR:      func.func @top(%x: memref<4x2x!gnn.fixed<8, 3>> {{{[^}]*}}hls.interface = "ap_vld"}, %edge_index: memref<2x6xui2> {{{[^}]*}}hls.interface = "ap_vld"}, %n_edges: ui3 {{{[^}]*}}hls.interface = "ap_vld"}) attributes {hls.top, hls.pipeline_ii = 1 : i64} {
// PAR:      } {label = "feats", unroll = 0 : i64}
// PAR:      } {label = "edges", unroll = 0 : i64}

// Partitioning follows the accesses inside unrolled loops:
// x is read at a computed row and an unrolled column -> every dimension complete;
// edge_index at a constant row and an unrolled column -> complete;
// the ROM read at a computed index is left to HLS (read-only memories are replicated);
// acc is written at a computed index -> complete.
// PART:      %x: memref<4x2x!gnn.fixed<8, 3>> {{{[^}]*}}hls.interface = "ap_none", hls.partition = [#hls.partition<complete dim 0>]}
// PART-SAME: %edge_index: memref<2x6xui2> {{{[^}]*}}hls.partition = [#hls.partition<complete dim 0>]}
// PART-SAME: attributes {hls.top, hls.pipeline_ii = 2 : i64}
// PART-NEXT: %w = hls.rom "w" {data = dense<[1, 2, 3, 4]> : tensor<4xi8>} : memref<4x!gnn.fixed<8, 3>>
// PART-NEXT: %t = hls.alloca {partition = [#hls.partition<complete dim 0>]} : memref<6x2x!gnn.fixed<8, 3>>
// PART-NEXT: %acc = hls.alloca {partition = [#hls.partition<complete dim 0>]} : memref<4x!gnn.fixed<8, 3>>

// Without unrolled loops nothing needs partitioning, except the constant-indexed edge_index row.
// NONE:      %x: memref<4x2x!gnn.fixed<8, 3>> {hls.name = "x", hls.direction = "in", hls.role = "features", hls.rows = "nodes"}
// NONE-SAME: %edge_index: memref<2x6xui2> {{{[^}]*}}hls.partition = [#hls.partition<complete dim 1>]}
// NONE:      %t = hls.alloca : memref<6x2x!gnn.fixed<8, 3>>

// BAD: gnnc-opt: error: hls-parallelize: interface 'axi' is not one of ap_vld, ap_none, ap_hs, ap_memory
