// RUN: gnnc-opt %s -p 'hls-parallelize,hls-reuse' | filecheck %s --check-prefix=NONE
// RUN: gnnc-opt %s -p 'hls-parallelize,hls-reuse{reuse-factor=2},hls-partition-arrays' | filecheck %s --check-prefix=RF
// RUN: gnnc-opt %s -p 'hls-parallelize,hls-reuse{reuse="mlp.0=3" edges=2},hls-partition-arrays' | filecheck %s --check-prefix=OPS
// RUN: gnnc-opt %s -p 'hls-parallelize,hls-reuse{parallelism="mlp.0=4;copy=1" nodes=3}' | filecheck %s --check-prefix=PAR
// RUN: gnnc-opt %s -p 'hls-parallelize,hls-reuse{reuse-factor=2},hls-partition-arrays' | gnnc-opt -t vitis | filecheck %s --check-prefix=VITIS
// RUN: gnnc-opt %s -p 'hls-parallelize,hls-reuse{reuse-factor=2},hls-partition-arrays' | gnnc-opt -t oneapi | filecheck %s --check-prefix=ONEAPI
// RUN: not gnnc-opt %s -p 'hls-parallelize,hls-reuse{reuse-factor=4}' 2>&1 | filecheck %s --check-prefix=BADRF
// RUN: not gnnc-opt %s -p 'hls-parallelize,hls-reuse{reuse="copy=2"}' 2>&1 | filecheck %s --check-prefix=NOMUL
// RUN: not gnnc-opt %s -p 'hls-parallelize,hls-reuse{reuse="R9.layers.0=2"}' 2>&1 | filecheck %s --check-prefix=UNKNOWN

// A dense of 3 outputs x 2 inputs over 6 edges (6 multiplications per row), then a copy over nodes.
func.func @top(%x: memref<6x2x!gnn.fixed<16, 6>> {hls.name = "x", hls.direction = "in", hls.role = "features", hls.rows = "edges"}, %n_nodes: ui3 {hls.name = "n_nodes", hls.direction = "in", hls.role = "count", hls.rows = "nodes"}, %n_edges: ui3 {hls.name = "n_edges", hls.direction = "in", hls.role = "count", hls.rows = "edges"}, %y: memref<4x3x!gnn.fixed<16, 6>> {hls.name = "y", hls.direction = "out", hls.role = "features", hls.rows = "nodes"}) attributes {hls.top, hls.max_nodes = 4 : i64, hls.max_edges = 6 : i64} {
  %d = hls.alloca : memref<6x3x!gnn.fixed<16, 6>>
  %w = hls.rom "w" {data = dense<[[3, 5], [7, 9], [11, 13]]> : tensor<3x2xi16>} : memref<3x2x!gnn.fixed<16, 6>>
  hls.for %r = 0 to 6 limit %n_edges : ui3 {
    hls.for %o = 0 to 3 {
      %acc = hls.alloca : memref<!gnn.fixed<34, 14>>
      %z = hls.constant 0 : !gnn.fixed<34, 14>
      hls.store %z, %acc[] : !gnn.fixed<34, 14>, memref<!gnn.fixed<34, 14>>
      hls.for %i = 0 to 2 {
        %xv = hls.load %x[%r, %i] : memref<6x2x!gnn.fixed<16, 6>> -> !gnn.fixed<16, 6>
        %wv = hls.load %w[%o, %i] : memref<3x2x!gnn.fixed<16, 6>> -> !gnn.fixed<16, 6>
        %p = hls.mul %xv, %wv : !gnn.fixed<16, 6>, !gnn.fixed<16, 6> -> !gnn.fixed<32, 12>
        %a = hls.load %acc[] : memref<!gnn.fixed<34, 14>> -> !gnn.fixed<34, 14>
        %s = hls.add %a, %p : !gnn.fixed<34, 14>, !gnn.fixed<32, 12> -> !gnn.fixed<34, 14>
        hls.store %s, %acc[] : !gnn.fixed<34, 14>, memref<!gnn.fixed<34, 14>>
      } {label = "d_in"}
      %t = hls.load %acc[] : memref<!gnn.fixed<34, 14>> -> !gnn.fixed<34, 14>
      %c = hls.cast %t : !gnn.fixed<34, 14> -> !gnn.fixed<16, 6>
      hls.store %c, %d[%r, %o] : !gnn.fixed<16, 6>, memref<6x3x!gnn.fixed<16, 6>>
    } {label = "d_out"}
  } {label = "mlp_0_dense", op = "mlp_0_dense", path = "mlp.0", rows = "edges"}
  hls.for %n = 0 to 4 limit %n_nodes : ui3 {
    hls.for %f = 0 to 3 {
      %v = hls.load %d[%n, %f] : memref<6x3x!gnn.fixed<16, 6>> -> !gnn.fixed<16, 6>
      hls.store %v, %y[%n, %f] : !gnn.fixed<16, 6>, memref<4x3x!gnn.fixed<16, 6>>
    } {label = "copy_f"}
  } {label = "copy", op = "copy", rows = "nodes"}
  func.return
}

// Without options nothing changes: fully unrolled, the top function pipelined.
// NONE:      attributes {hls.top, hls.max_nodes = 4 : i64, hls.max_edges = 6 : i64, hls.pipeline_ii = 1 : i64}
// NONE:      } {label = "mlp_0_dense", op = "mlp_0_dense", path = "mlp.0", rows = "edges", unroll = 0 : i64}
// NONE:      } {label = "copy", op = "copy", rows = "nodes", unroll = 0 : i64}

// A reuse factor applies to every op with multiplications: its row loop is pipelined at II 2,
// one row at a time (P = 1), with 6 / 2 = 3 multipliers; inner loops stay unrolled. The copy
// has no multipliers and stays fully parallel; the top function is no longer pipelined
// (a pipelined function would unroll the loop again).
// RF:      attributes {hls.top, hls.max_nodes = 4 : i64, hls.max_edges = 6 : i64} {
// RF:      } {label = "d_in", unroll = 0 : i64}
// RF:      } {label = "d_out", unroll = 0 : i64}
// RF:      } {label = "mlp_0_dense", op = "mlp_0_dense", path = "mlp.0", rows = "edges", pipeline_ii = 2 : i64, mul_limit = 3 : i64}
// RF:      } {label = "copy", op = "copy", rows = "nodes", unroll = 0 : i64}

// Per-op reuse by torch path, and two edges per cycle: 2 rows x 6 / 3 = 4 multipliers; the
// arrays read or written at the row index become cyclic 2 (x, d).
// OPS:      %x: memref<6x2x!gnn.fixed<16, 6>> {{{.*}}hls.partition = [#hls.partition<cyclic 2 dim 1>, #hls.partition<complete dim 2>]}
// OPS:      %d = hls.alloca {partition = [#hls.partition<complete dim 0>]}
// OPS:      } {label = "mlp_0_dense", op = "mlp_0_dense", path = "mlp.0", rows = "edges", unroll = 2 : i64, pipeline_ii = 3 : i64, mul_limit = 4 : i64}
// OPS:      } {label = "copy", op = "copy", rows = "nodes", unroll = 0 : i64}

// Parallelism alone: per op (by path or op name) over the per-kind default; P = 1 leaves the
// loop rolled, pipelined at II 1.
// PAR:      } {label = "mlp_0_dense", op = "mlp_0_dense", path = "mlp.0", rows = "edges", unroll = 4 : i64, pipeline_ii = 1 : i64}
// PAR:      } {label = "copy", op = "copy", rows = "nodes", pipeline_ii = 1 : i64}

// Both vendors render the directives: Vitis shares multipliers with ALLOCATION.
// VITIS:      mlp_0_dense: for (int {{.*}} < 6; {{.*}}) {
// VITIS-NEXT: #pragma HLS PIPELINE II=2
// VITIS-NEXT: #pragma HLS ALLOCATION operation instances=mul limit=3
// VITIS:      d_out: for
// VITIS-NEXT: #pragma HLS UNROLL
// VITIS-NOT:  #pragma HLS PIPELINE II=1
// VITIS:      copy: for
// ONEAPI:      // mlp_0_dense
// ONEAPI-NEXT: // hls-reuse: at most 3 multipliers
// ONEAPI-NEXT: {{\[\[}}intel::initiation_interval(2)]]
// ONEAPI-NEXT: for (int

// BADRF: gnnc-opt: error: hls-reuse: reuse factor 4 is invalid for mlp.0 (mlp_0_dense) (6 multiplications per row); valid reuse factors: 1, 2, 3, 6
// NOMUL: gnnc-opt: error: hls-reuse: reuse factor 2 for copy: the op has no multipliers
// UNKNOWN: gnnc-opt: error: hls-reuse: reuse: 'R9.layers.0' is not an op of this design; ops: copy, mlp.0, mlp_0_dense
