// RUN: gnnc-opt %s --lower-to-hls --precision 'fixed<16,8>' --max-nodes 4 --max-edges 8 | filecheck %s
// RUN: gnnc-opt %s --lower-to-hls --max-nodes 4 --max-edges 8 -t vitis | filecheck %s --check-prefix=CPP

// Raw imported IR: a dense followed by a BatchNorm. The named pipeline folds the BatchNorm
// into the dense before typing and lowering it.
func.func @main(%x: !gnn.nodes<2, f32> {gnn.name = "x"}, %ei: !gnn.edge_index {gnn.name = "edge_index"}) -> !gnn.nodes<2, f32> {
  %xj = gnn.gather src %x, %ei : !gnn.nodes<2, f32> -> !gnn.edges<2, f32>
  %a = gnn.scatter sum dst %xj, %ei : !gnn.edges<2, f32> -> !gnn.nodes<2, f32>
  %d = gnn.dense %a {weight = dense<[[1.0, 0.0], [0.0, 1.0]]> : tensor<2x2xf32>} : !gnn.nodes<2, f32> -> !gnn.nodes<2, f32>
  %y = gnn.batch_norm %d {mean = dense<[1.0, 2.0]> : tensor<2xf32>, variance = dense<[4.0, 4.0]> : tensor<2xf32>, eps = 0.0 : f64} : !gnn.nodes<2, f32> -> !gnn.nodes<2, f32>
  func.return %y : !gnn.nodes<2, f32>
}

// CHECK-NOT: gnn.batch_norm
// hls-outline: each gnn op a function (its ROMs inside), the top a list of calls.
// CHECK:     func.func private @dense3(
// The folded dense: weight 1/sqrt(4) = 0.5 (raw 128 with 8 fractional bits) on the diagonal,
// bias -mean/2. Its zeros make it sparse: the nonzero weights (0, 0) and (1, 1) only.
// CHECK:     hls.rom "dense{{[0-9]*}}_w_out" {data = dense<[0, 1]>
// CHECK:     hls.rom "dense{{[0-9]*}}_w_in" {data = dense<[0, 1]>
// CHECK:     hls.rom "dense{{[0-9]*}}_w" {data = dense<128> : tensor<2xi16>
// CHECK:     hls.rom "dense{{[0-9]*}}_b" {data = dense<[-128, -256]> : tensor<2xi16>
// CHECK:     hls.inline = true
// CHECK:     func.func @main_top(%x: memref<4x2x!gnn.fixed<16, 8>>
// CHECK:     func.call @gather1(
// CHECK:     func.call @scatter_sum2(
// CHECK:     func.call @dense3(

// CPP: static void scatter_sum2(
// CPP: #pragma HLS INLINE
// The types of the whole data path (default fixed<16,6>): the scatter sums max-edges = 8
// messages in 16 + ceil(log2 8) = 19 bits, adds each fixed<16,6> message in that type and
// casts the sum once to the result type.
// CPP:      ap_fixed<19, 9> scatter_sum2_acc[4][2];
// CPP:      scatter_sum2_acc[dst][[[F:f_[0-9]+]]] = scatter_sum2_acc[dst][[[F]]] + gather1[e][[[F]]];
// CPP:      scatter_sum2[{{.*}}] = ap_fixed<16, 6>(scatter_sum2_acc[{{.*}}]);
// The dense: 2 products of fixed<32, 12> and a bias, 3 terms: 34 bits; the bias cast into the
// accumulator, each product (exact in C++ too) added in it, one cast to the result.
// CPP:      ap_fixed<34, 14> dense3_acc[2];
// CPP:      dense3_acc[o] = ap_fixed<34, 14>(gnnc_raw<ap_fixed<16, 6>>(dense3_b[o]));
// CPP:      dense3_acc[out] = dense3_acc[out] + (scatter_sum2[{{.*}}][dense3_w_in[k]] * gnnc_raw<ap_fixed<16, 6>>(dense3_w[k]));
// CPP:      dense3[[[N:n(_[0-9]+)?]]][[[O:o_[0-9]+]]] = ap_fixed<16, 6>(dense3_acc[[[O]]]);
// CPP: void main_top(
// CPP: #pragma HLS PIPELINE II=1
// CPP:      gather1(n_edges, edge_index, x, gather1_out);
// CPP-NEXT: scatter_sum2(
