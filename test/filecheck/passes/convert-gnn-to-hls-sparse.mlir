// RUN: gnnc-opt %s -p 'convert-gnn-to-hls{max-nodes=4 max-edges=6}' | filecheck %s
// RUN: gnnc-opt %s -p 'convert-gnn-to-hls{max-nodes=4 max-edges=6 sparse=false}' | filecheck %s --check-prefix=DENSE
// RUN: gnnc-opt %s -p 'convert-gnn-to-hls{max-nodes=4 max-edges=6},hls-parallelize,hls-reuse{reuse-factor=2},hls-partition-arrays' | filecheck %s --check-prefix=RF
// RUN: gnnc-opt %s -p 'convert-gnn-to-hls{max-nodes=4 max-edges=6},hls-parallelize,hls-reuse{reuse-factor=2},hls-partition-arrays' | gnnc-opt -t vitis | filecheck %s --check-prefix=VITIS
// RUN: gnnc-opt %s -p 'convert-gnn-to-hls{max-nodes=4 max-edges=6},hls-parallelize,hls-reuse{reuse-factor=2},hls-partition-arrays' | gnnc-opt -t oneapi | filecheck %s --check-prefix=ONEAPI
// RUN: gnnc-opt %s -p 'convert-gnn-to-hls{max-nodes=4 max-edges=6},hls-parallelize,hls-reuse{reuse-factor=4}' | filecheck %s --check-prefix=CAP
// RUN: not gnnc-opt %s -p 'convert-gnn-to-hls,hls-parallelize,hls-reuse{reuse="mlp.0=4"}' 2>&1 | filecheck %s --check-prefix=BADRF
// RUN: not gnnc-opt %s -p 'convert-gnn-to-hls{sparse=maybe}' 2>&1 | filecheck %s --check-prefix=BADOPT

// Three denses: mlp.0 has two zero weights and 0.01, which is 0 at fixed<8, 3> (what the
// hardware multiplies), so 3 nonzero weights of 6; mlp.1 has no zero; mlp.2 only zeros.
func.func @main(%x: !gnn.nodes<3, !gnn.fixed<8, 3>> {gnn.name = "x"}, %ei: !gnn.edge_index {gnn.name = "edge_index"}) -> !gnn.nodes<1, !gnn.fixed<8, 3>> attributes {gnn.outputs = ["y"]} {
  %a = gnn.dense %x {weight = dense<[[0.5, 0.01, -1.0], [0.0, 0.75, 0.0]]> : tensor<2x3xf32>, bias = dense<[0.25, -0.5]> : tensor<2xf32>, weight_type = !gnn.fixed<8, 3>, bias_type = !gnn.fixed<8, 3>, accum_type = !gnn.fixed<18, 8>, gnn.path = "mlp.0"} : !gnn.nodes<3, !gnn.fixed<8, 3>> -> !gnn.nodes<2, !gnn.fixed<8, 3>>
  %b = gnn.dense %a {weight = dense<[[1.0, -0.5], [0.25, 2.0]]> : tensor<2x2xf32>, weight_type = !gnn.fixed<8, 3>, accum_type = !gnn.fixed<17, 7>, gnn.path = "mlp.1"} : !gnn.nodes<2, !gnn.fixed<8, 3>> -> !gnn.nodes<2, !gnn.fixed<8, 3>>
  %c = gnn.dense %b {weight = dense<[[0.0, 0.0]]> : tensor<1x2xf32>, bias = dense<[0.5]> : tensor<1xf32>, weight_type = !gnn.fixed<8, 3>, bias_type = !gnn.fixed<8, 3>, accum_type = !gnn.fixed<17, 7>, gnn.path = "mlp.2"} : !gnn.nodes<2, !gnn.fixed<8, 3>> -> !gnn.nodes<1, !gnn.fixed<8, 3>>
  func.return %c : !gnn.nodes<1, !gnn.fixed<8, 3>>
}

// A dense with zeros is sparse: ROMs of the nonzero weights' output index, input index and
// raw value, in (output, input) order; per row, per-output accumulators start at the bias,
// one loop over the 3 entries adds x[r][in] * w at out, and the sums are cast.
// CHECK:      %mlp_0_dense = hls.alloca : memref<4x2x!gnn.fixed<8, 3>>
// CHECK-NEXT: %mlp_0_dense_w_out = hls.rom "mlp_0_dense_w_out" {data = dense<[0, 0, 1]> : tensor<3xi8>} : memref<3xui1>
// CHECK-NEXT: %mlp_0_dense_w_in = hls.rom "mlp_0_dense_w_in" {data = dense<[0, 2, 1]> : tensor<3xi8>} : memref<3xui2>
// CHECK-NEXT: %mlp_0_dense_w = hls.rom "mlp_0_dense_w" {data = dense<[16, -32, 24]> : tensor<3xi8>} : memref<3x!gnn.fixed<8, 3>>
// CHECK-NEXT: %mlp_0_dense_b = hls.rom "mlp_0_dense_b" {data = dense<[8, -16]> : tensor<2xi8>} : memref<2x!gnn.fixed<8, 3>>
// CHECK-NEXT: hls.for %[[R:.*]] = 0 to 4 limit %n_nodes : ui3 {
// CHECK-NEXT:   %[[ACC:.*]] = hls.alloca : memref<2x!gnn.fixed<18, 8>>
// CHECK-NEXT:   hls.for %[[O:.*]] = 0 to 2 {
// CHECK-NEXT:     %[[B:.*]] = hls.load %mlp_0_dense_b[%[[O]]]
// CHECK-NEXT:     %[[B18:.*]] = hls.cast %[[B]] : !gnn.fixed<8, 3> -> !gnn.fixed<18, 8>
// CHECK-NEXT:     hls.store %[[B18]], %[[ACC]][%[[O]]]
// CHECK-NEXT:   } {label = "mlp_0_dense_init"}
// CHECK-NEXT:   hls.for %[[K:.*]] = 0 to 3 {
// CHECK-NEXT:     %[[OR:.*]] = hls.load %mlp_0_dense_w_out[%[[K]]] : memref<3xui1> -> ui1
// CHECK-NEXT:     %[[OUT:.*]] = hls.index_cast %[[OR]] : ui1 -> index
// CHECK-NEXT:     %[[IR:.*]] = hls.load %mlp_0_dense_w_in[%[[K]]] : memref<3xui2> -> ui2
// CHECK-NEXT:     %[[IN:.*]] = hls.index_cast %[[IR]] : ui2 -> index
// CHECK-NEXT:     %[[XV:.*]] = hls.load %x[%[[R]], %[[IN]]]
// CHECK-NEXT:     %[[WV:.*]] = hls.load %mlp_0_dense_w[%[[K]]]
// CHECK-NEXT:     %[[P:.*]] = hls.mul %[[XV]], %[[WV]] : !gnn.fixed<8, 3>, !gnn.fixed<8, 3> -> !gnn.fixed<16, 6>
// CHECK-NEXT:     %[[A:.*]] = hls.load %[[ACC]][%[[OUT]]]
// CHECK-NEXT:     %[[S:.*]] = hls.add %[[A]], %[[P]] : !gnn.fixed<18, 8>, !gnn.fixed<16, 6> -> !gnn.fixed<18, 8>
// CHECK-NEXT:     hls.store %[[S]], %[[ACC]][%[[OUT]]]
// CHECK-NEXT:   } {label = "mlp_0_dense_nz"}
// CHECK-NEXT:   hls.for %[[O2:.*]] = 0 to 2 {
// CHECK-NEXT:     %[[T:.*]] = hls.load %[[ACC]][%[[O2]]]
// CHECK-NEXT:     %[[C:.*]] = hls.cast %[[T]] : !gnn.fixed<18, 8> -> !gnn.fixed<8, 3>
// CHECK-NEXT:     hls.store %[[C]], %mlp_0_dense[%[[R]], %[[O2]]]
// CHECK-NEXT:   } {label = "mlp_0_dense_out"}
// CHECK-NEXT: } {label = "mlp_0_dense", op = "mlp_0_dense", path = "mlp.0", rows = "nodes"}
// A dense without zeros keeps the dense loops (one weight ROM [out][in], a scalar accumulator).
// CHECK:      %mlp_1_dense_w = hls.rom "mlp_1_dense_w" {data = dense<{{\[}}[32, -16], [8, 64]]> : tensor<2x2xi8>} : memref<2x2x!gnn.fixed<8, 3>>
// CHECK:          hls.alloca : memref<!gnn.fixed<17, 7>>
// CHECK:          } {label = "mlp_1_dense_in"}
// All weights zero: the bias alone, no multiplication.
// CHECK:      %mlp_2_dense_b = hls.rom "mlp_2_dense_b"
// CHECK-NOT:  hls.mul
// CHECK:      } {label = "mlp_2_dense_init"}
// CHECK-NEXT: hls.for
// CHECK-NOT:  hls.mul
// CHECK:      } {label = "mlp_2_dense", op = "mlp_2_dense", path = "mlp.2", rows = "nodes"}

// sparse=false: every dense is lowered with its full weight matrix, zeros included.
// DENSE-NOT:  _w_out
// DENSE:      %mlp_0_dense_w = hls.rom "mlp_0_dense_w" {data = dense<{{\[}}[16, 0, -32], [0, 24, 0]]> : tensor<2x3xi8>} : memref<2x3x!gnn.fixed<8, 3>>
// DENSE:      } {label = "mlp_0_dense_in"}
// DENSE:      %mlp_2_dense_w = hls.rom "mlp_2_dense_w" {data = dense<0> : tensor<1x2xi8>}
// DENSE-NOT:  _w_out

// hls-reuse: the sparse dense has 3 multiplications per row; RF 2 need not divide them:
// ceil(3 / 2) = 2 multipliers. The dense mlp.1 has 4: 2 multipliers. mlp.2 has none and stays
// fully parallel. The entry ROMs and the accumulators are read at unrolled or constant
// indices: complete.
// RF:      %mlp_0_dense_w_out = hls.rom "mlp_0_dense_w_out" {{{.*}}partition = [#hls.partition<complete dim 0>]}
// RF:      %mlp_0_dense_acc = hls.alloca {partition = [#hls.partition<complete dim 0>]} : memref<2x!gnn.fixed<18, 8>>
// RF:      } {label = "mlp_0_dense_nz", unroll = 0 : i64}
// RF:      } {label = "mlp_0_dense", op = "mlp_0_dense", path = "mlp.0", rows = "nodes", pipeline_ii = 2 : i64, mul_limit = 2 : i64}
// RF:      } {label = "mlp_1_dense", op = "mlp_1_dense", path = "mlp.1", rows = "nodes", pipeline_ii = 2 : i64, mul_limit = 2 : i64}
// RF:      } {label = "mlp_2_dense", op = "mlp_2_dense", path = "mlp.2", rows = "nodes", unroll = 0 : i64}

// Both printers print it with what they already know: integer ROM entries become indices
// (as they are: every entry is in its element type's range).
// VITIS:      mlp_0_dense: for (int n = 0; n < 4; n++) {
// VITIS-NEXT: #pragma HLS PIPELINE II=2
// VITIS-NEXT: #pragma HLS ALLOCATION operation instances=mul limit=2
// VITIS:        ap_fixed<18, 8> mlp_0_dense_acc[2];
// VITIS:        mlp_0_dense_nz: for (int k = 0; k < 3; k++) {
// VITIS-NEXT: #pragma HLS UNROLL
// VITIS-NEXT:     int out = mlp_0_dense_w_out[k];
// VITIS-NEXT:     mlp_0_dense_acc[out] = mlp_0_dense_acc[out] + (x[n][mlp_0_dense_w_in[k]] * gnnc_raw<ap_fixed<8, 3>>(mlp_0_dense_w[k]));
// VITIS:      static const int8_t mlp_0_dense_w_out[3] = {0, 0, 1};
// VITIS:      static const int8_t mlp_0_dense_w_in[3] = {0, 2, 1};
// VITIS:      static const int8_t mlp_0_dense_w[3] = {16, -32, 24};
// ONEAPI:      // mlp_0_dense
// ONEAPI-NEXT: // hls-reuse: at most 2 multipliers
// ONEAPI-NEXT: {{\[\[}}intel::initiation_interval(2)]]
// ONEAPI:      // mlp_0_dense_nz
// ONEAPI-NEXT: #pragma unroll
// ONEAPI-NEXT: for (int k = 0; k < 3; k++) {
// ONEAPI-NEXT:   int out = mlp_0_dense_w_out[k];
// ONEAPI:      static const int8_t mlp_0_dense_w_out[3] = {0, 0, 1};

// The default RF is capped at a sparse dense's nonzero weights: mlp.0 runs its 3 products on
// one multiplier at II 3; the dense mlp.1 (4 products) takes RF 4.
// CAP: } {label = "mlp_0_dense", op = "mlp_0_dense", path = "mlp.0", rows = "nodes", pipeline_ii = 3 : i64, mul_limit = 1 : i64}
// CAP: } {label = "mlp_1_dense", op = "mlp_1_dense", path = "mlp.1", rows = "nodes", pipeline_ii = 4 : i64, mul_limit = 1 : i64}

// A per-op RF above the number of nonzero weights is an error listing the valid range.
// BADRF: gnnc-opt: error: hls-reuse: reuse factor 4 is invalid for mlp.0 (mlp_0_dense) (3 multiplications per row); valid reuse factors: 1 to 3

// BADOPT: gnnc-opt: error: pass 'convert-gnn-to-hls': Incompatible types: given ('maybe',), expected <class 'bool'>
