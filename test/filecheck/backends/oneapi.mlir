// RUN: gnnc-opt %s -t oneapi | filecheck %s
// RUN: not gnnc-opt %S/oneapi-errors.input -t oneapi 2>&1 | filecheck %s --check-prefix=ERR

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

// The interface header: the top function keeps the Vitis signature, with ac types; one host
// pipe per port, its protocol from hls.interface (ap_vld: Avalon streaming without ready);
// the kernel's properties from hls.pipeline_ii.
// CHECK:      // ---- layer.hpp ----
// CHECK:      #include <sycl/sycl.hpp>
// CHECK-NEXT: #include <sycl/ext/intel/fpga_extensions.hpp>
// CHECK-NEXT: #include <sycl/ext/intel/ac_types/ac_fixed.hpp>
// CHECK-NEXT: #include <sycl/ext/intel/ac_types/ac_int.hpp>
// CHECK:      void layer(
// CHECK-NEXT:     const ac_fixed<8, 3, true> x[4][2],
// CHECK-NEXT:     const ac_int<2, false> edge_index[2][6],
// CHECK-NEXT:     ac_int<3, false> n_nodes,
// CHECK-NEXT:     ac_int<3, false> n_edges,
// CHECK-NEXT:     ac_fixed<8, 3, true, AC_RND_CONV, AC_SAT> y[6][1]
// CHECK-NEXT: );
// CHECK:      struct layer_x_t {
// CHECK-NEXT:   ac_fixed<8, 3, true> data[4][2];
// CHECK-NEXT: };
// CHECK-NEXT: class layer_x_pipe_id;
// CHECK-NEXT: using layer_x_pipe = sycl::ext::intel::experimental::pipe<
// CHECK-NEXT:     layer_x_pipe_id, layer_x_t, 0,
// CHECK-NEXT:     decltype(sycl::ext::oneapi::experimental::properties(sycl::ext::intel::experimental::protocol_avalon_streaming))>;
// CHECK:      using layer_n_edges_pipe = sycl::ext::intel::experimental::pipe<
// CHECK-NEXT:     layer_n_edges_pipe_id, ac_int<3, false>, 0,
// CHECK:      struct layer_kernel {
// CHECK-NEXT:   auto get(sycl::ext::oneapi::experimental::properties_tag) {
// CHECK-NEXT:     return sycl::ext::oneapi::experimental::properties{
// CHECK-NEXT:         sycl::ext::intel::experimental::streaming_interface<>,
// CHECK-NEXT:         sycl::ext::intel::experimental::pipelined<1>};
// CHECK-NEXT:   }
// CHECK-NEXT:   SYCL_EXTERNAL void operator()() const;
// CHECK-NEXT: };
// The body: the same statements as for Vitis; directives become attributes and loop pragmas,
// `#pragma unroll [N]` then `[[intel::initiation_interval(n)]]` right before the `for`.
// CHECK:      // ---- layer.cpp ----
// CHECK-NEXT: // Generated by gnnc.
// CHECK-NEXT: #if defined(__GNUC__) && !defined(__clang__)
// CHECK-NEXT: #pragma GCC diagnostic ignored "-Wattributes"
// CHECK:      #endif
// CHECK-NEXT: #include "layer.hpp"
// CHECK-NEXT: #include "layer_weights.hpp"
// CHECK-NEXT: #include "gnnc_support.hpp"
// CHECK:      ) {
// CHECK-NEXT:   {{\[\[}}intel::numbanks(2), intel::bankwidth(sizeof(ac_fixed<8, 3, true>))]] GNNC_LOCAL ac_fixed<8, 3, true> buf[6];
// CHECK-NEXT:   ac_fixed<18, 8, true> acc;
// CHECK-NEXT:   // edges
// CHECK-NEXT:   #pragma unroll
// CHECK-NEXT:   for (int e = 0; e < 6; e++) {
// CHECK-NEXT:     if (e < n_edges) {
// CHECK-NEXT:       int n = edge_index[0][e].to_int();
// CHECK-NEXT:       acc = ac_fixed<18, 8, true>(0);
// CHECK-NEXT:       // inputs
// CHECK-NEXT:       #pragma unroll 2
// CHECK-NEXT:       {{\[\[}}intel::initiation_interval(1)]]
// CHECK-NEXT:       for (int i = 0; i < 2; i++) {
// CHECK-NEXT:         ac_fixed<18, 8, true> s = acc + (x[n][i] * gnnc_raw<ac_fixed<8, 3, true>>(w[0][i]));
// CHECK-NEXT:         acc = (s > ac_fixed<18, 8, true>(0)) ? s : ac_fixed<18, 8, true>(0);
// CHECK-NEXT:       }
// CHECK-NEXT:       y[e][0] = gnnc_raw<ac_fixed<8, 3, true, AC_RND_CONV, AC_SAT>>(sigmoid_table[gnnc_table_index<4>(ac_fixed<8, 3, true>(acc), -2, 1)]);
// CHECK-NEXT:     }
// CHECK-NEXT:   }
// CHECK-NEXT: }
// The kernel reads every input pipe once, calls the top function, writes every output pipe;
// a completely partitioned port is held in registers. Arrays and beats are GNNC_LOCAL
// (static in the C simulation, so large capacities need no large stack), so a beat is
// declared, then read.
// CHECK:      void layer_kernel::operator()() const {
// CHECK-NEXT:   {{\[\[}}intel::fpga_register]] GNNC_LOCAL layer_x_t x;
// CHECK-NEXT:   x = layer_x_pipe::read();
// CHECK-NEXT:   GNNC_LOCAL layer_edge_index_t edge_index;
// CHECK-NEXT:   edge_index = layer_edge_index_pipe::read();
// CHECK-NEXT:   ac_int<3, false> n_nodes = layer_n_nodes_pipe::read();
// CHECK-NEXT:   ac_int<3, false> n_edges = layer_n_edges_pipe::read();
// CHECK-NEXT:   GNNC_LOCAL layer_y_t y;
// CHECK-NEXT:   layer(x.data, edge_index.data, n_nodes, n_edges, y.data);
// CHECK-NEXT:   layer_y_pipe::write(y);
// CHECK-NEXT: }
// Weights are raw integers; a ROM's partition becomes its memory attribute.
// CHECK:      // ---- layer_weights.hpp ----
// CHECK:      // ac_fixed<8, 3, true>[1][2]
// CHECK-NEXT: {{\[\[}}intel::fpga_register]] static const int8_t w[1][2] = {{[{][{]}}16, -32{{[}][}]}};
// CHECK:      // ac_fixed<8, 3, true, AC_RND_CONV, AC_SAT>[4]
// CHECK-NEXT: static const int8_t sigmoid_table[4] = {1, 2, 3, 4};
// Raw bits are set with set_slc; the table row is exact for ac_fixed too.
// CHECK:      // ---- gnnc_support.hpp ----
// CHECK:      #ifdef GNNC_CSIM
// CHECK-NEXT: #define GNNC_LOCAL static
// CHECK-NEXT: #else
// CHECK-NEXT: #define GNNC_LOCAL
// CHECK-NEXT: #endif
// CHECK:      inline T gnnc_raw(R raw) {
// CHECK-NEXT:   T v;
// CHECK-NEXT:   v.set_slc(0, ac_int<T::width, false>(raw));
// CHECK:        return t.to_ac_int().to_int();

// A partitioning Intel's memory attributes cannot express is refused, not approximated.
// ERR: gnnc-opt: error: the oneAPI printer cannot render the partitioning <cyclic 2 dim 1> of array buf (4x2)
