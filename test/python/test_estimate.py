"""The analytic estimate reads directives from the IR: copies, trivial weights, reductions, pipelining."""

import pytest
from interaction_network import load_tracking_in

import gnnc
from gnnc.dialects.gnn import FixedType
from gnnc.estimate import dsp_per_multiplier, estimate
from gnnc.ir import parse_module

# A dense layer y[r][o] = sum_i x[r][i] * w[o][i] over 4 rows, 2 outputs, 3 inputs.
# w holds 0 and 4 (trivial: no multiplier) and four other values.
DENSE = """
func.func @top(%x: memref<4x3x!gnn.fixed<16, 6>> {{hls.name = "x", hls.direction = "in", hls.role = "features", hls.rows = "nodes"}},
               %y: memref<4x2x!gnn.fixed<16, 6>> {{hls.name = "y", hls.direction = "out", hls.role = "features", hls.rows = "nodes"}})
    attributes {{hls.top{top_attrs}}} {{
  %w = hls.rom "w" {{data = dense<[[0, 4, 3], [5, -6, 7]]> : tensor<2x3xi16>}} : memref<2x3x!gnn.fixed<16, 6>>
  hls.for %r = 0 to 4 {{
    hls.for %o = 0 to 2 {{
      %acc = hls.alloca : memref<!gnn.fixed<34, 14>>
      %z = hls.constant 0 : !gnn.fixed<34, 14>
      hls.store %z, %acc[] : !gnn.fixed<34, 14>, memref<!gnn.fixed<34, 14>>
      hls.for %i = 0 to 3 {{
        %xv = hls.load %x[%r, %i] : memref<4x3x!gnn.fixed<16, 6>> -> !gnn.fixed<16, 6>
        %wv = hls.load %w[%o, %i] : memref<2x3x!gnn.fixed<16, 6>> -> !gnn.fixed<16, 6>
        %p = hls.mul %xv, %wv : !gnn.fixed<16, 6>, !gnn.fixed<16, 6> -> !gnn.fixed<32, 12>
        %a = hls.load %acc[] : memref<!gnn.fixed<34, 14>> -> !gnn.fixed<34, 14>
        %s = hls.add %a, %p : !gnn.fixed<34, 14>, !gnn.fixed<32, 12> -> !gnn.fixed<34, 14>
        hls.store %s, %acc[] : !gnn.fixed<34, 14>, memref<!gnn.fixed<34, 14>>
      }} {{unroll = {inner} : i64}}
      %t = hls.load %acc[] : memref<!gnn.fixed<34, 14>> -> !gnn.fixed<34, 14>
      %c = hls.cast %t : !gnn.fixed<34, 14> -> !gnn.fixed<16, 6>
      hls.store %c, %y[%r, %o] : !gnn.fixed<16, 6>, memref<4x2x!gnn.fixed<16, 6>>
    }} {{unroll = 0 : i64}}
  }} {{label = "dense"{rows}}}
  func.return
}}
"""


def dense(rows=", unroll = 0 : i64", inner="0", top_attrs=", hls.pipeline_ii = 1 : i64"):
    return parse_module(DENSE.format(rows=rows, inner=inner, top_attrs=top_attrs))


def test_multipliers_skip_zero_and_power_of_two_weights():
    e = estimate(dense())
    # 4 rows x 6 weights, of which 0 and 4 need no multiplier
    assert e["ops"]["dense"]["multipliers"] == 4 * 4
    assert e["total"]["dsp"] == 16  # 16 x 16 bits: one DSP48E2 each


def test_unroll_factor_sets_copies():
    assert estimate(dense(rows=", unroll = 2 : i64"))["total"]["multipliers"] == 2 * 4
    assert estimate(dense(rows=""))["total"]["multipliers"] == 4


def test_reduction_is_an_adder_tree():
    # mul (1) + add (0.5) + tree over 3 inputs: ceil(log2 3) = 2 levels of 0.5 -> 2.5 -> 3 cycles
    assert estimate(dense())["ops"]["dense"]["latency_cycles"] == 3
    # not unrolled and not pipelined: 3 sequential (mul + add) = 4.5 -> 5
    assert estimate(dense(inner="1"))["ops"]["dense"]["latency_cycles"] == 5


def test_rows_loop_pipelined_or_sequential():
    pipelined = estimate(dense(rows=", pipeline_ii = 1 : i64"))["ops"]["dense"]["latency_cycles"]
    sequential = estimate(dense(rows=""))["ops"]["dense"]["latency_cycles"]
    assert pipelined == 6  # (4 - 1) * II + 2.5 -> 5.5 -> 6
    assert sequential == 10  # 4 rows x 2.5


def test_design_ii_and_latency():
    e = estimate(dense(), clock_period_ns=4.0)
    assert e["total"]["ii"] == 1
    assert e["total"]["latency_cycles"] == 3 + 1  # + input register
    assert e["total"]["latency_ns"] == 16.0
    unpipelined = estimate(dense(top_attrs=""))
    assert unpipelined["total"]["ii"] == unpipelined["total"]["latency_cycles"]


@pytest.mark.parametrize(
    ("wa", "wb", "dsp"),
    [(8, 8, 0), (10, 6, 0), (16, 16, 1), (27, 18, 1), (28, 18, 2), (32, 20, 4), (11, 4, 1)],
)
def test_dsp_per_multiplier(wa, wb, dsp):
    assert dsp_per_multiplier(FixedType(wa, 4), FixedType(wb, 2)) == dsp


def test_estimate_needs_hls():
    with pytest.raises(gnnc.GnncError, match="needs an hls module"):
        estimate(parse_module("func.func @f() {\n  func.return\n}"))


def test_tracking_in_scales_with_capacity(trackml_dir, graphs):
    model = load_tracking_in("add", "source_to_target", 8, trackml_dir)

    def total(nodes, edges):
        d = gnnc.compile(model, graphs[3], {"graph": {"max_nodes": nodes, "max_edges": edges}, "precision": "fixed<16,8>"})
        return estimate(d.module("hls"))

    small, large = total(28, 56), total(56, 112)
    assert sum(op["dsp"] for op in small["ops"].values()) == small["total"]["dsp"]
    assert large["total"]["dsp"] == 2 * small["total"]["dsp"]  # every MLP is per node or per edge
    assert large["total"]["latency_cycles"] >= small["total"]["latency_cycles"]  # scatter trees deepen
    assert small["total"]["ii"] == 1
