"""
Table activations, hardtanh and sqrt in fixed point, against their documented rules
(docs/frontend.md, "Activations"; docs/precision.md, "Square root"): every input of a 16-bit
type around the table ends. csim == emulate for the table ones is in test_frontend_matrix.py
(case activations-zoo); for sqrt over every input below.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from xdsl.context import Context
from xdsl.dialects import builtin, func
from xdsl.parser import Parser

from gnnc.dialects.gnn import TABLE_TAILS, ActivationFn, Gnn, Tail
from gnnc.emulator import run
import gnnc.frontend.ops  # noqa: F401  (torch.ops.gnn.sqrt_above)
from gnnc.fixed import TABLE_FUNCTIONS
from gnnc.passes.gnn_fixed_point import TABLE_GEOMETRY, GnnFixedPointPass

FRAC = 8  # fixed<16, 8>: raw = x * 256
PARAMS = {ActivationFn.SOFTPLUS: "{alpha = 1.000000e+00 : f64, threshold = 2.000000e+01 : f64}"}


def _fixed_module(text: str, default: str):
    """Parse a float gnn function and run gnn-fixed-point on it."""
    ctx = Context()
    for dialect in (builtin.Builtin, func.Func, Gnn):
        ctx.load_dialect(dialect)
    module = Parser(ctx, text).parse_module()
    GnnFixedPointPass(default=default).apply(ctx, module)
    return module


def _module(fn: ActivationFn, attrs: str = ""):
    return _fixed_module(f"""
    func.func @main(%x: !gnn.nodes<1, f32> {{gnn.name = "x"}}) -> !gnn.nodes<1, f32> {{
      %y = gnn.activation {fn.value} %x {attrs} : !gnn.nodes<1, f32> -> !gnn.nodes<1, f32>
      func.return %y : !gnn.nodes<1, f32>
    }}""", "fixed<16,8>")


@pytest.mark.parametrize("fn", list(TABLE_GEOMETRY), ids=lambda f: f.value)
def test_tails_are_within_2_to_minus_10(fn):
    """The documented choice of each default range: outside it, |f - tail| < 2^-10."""
    lo, scale, size = TABLE_GEOMETRY[fn]
    end = lo + size // scale
    below, above = TABLE_TAILS[fn]
    f = lambda v: TABLE_FUNCTIONS[fn.value](np.asarray(v, dtype=np.float64), {})  # noqa: E731
    left = np.linspace(lo - 100, lo, 2001)
    right = np.linspace(end, end + 100, 2001)
    err_left = np.abs(f(left) - (left if below == Tail.IDENTITY else f(lo)))
    err_right = np.abs(f(right) - (right if above == Tail.IDENTITY else f(end)))
    assert max(err_left.max(), err_right.max()) < 2.0**-10


@pytest.mark.parametrize("fn", list(TABLE_GEOMETRY), ids=lambda f: f.value)
def test_table_and_tails_follow_the_rule(fn):
    """Every raw input from min - 2 to end + 2: entry floor((x - min) * scale) (clamped) of
    f at the interval's centre, truncated to 8 fractional bits; x itself on an identity tail."""
    module = _module(fn, PARAMS.get(fn, ""))
    lo, scale, size = TABLE_GEOMETRY[fn]
    end = lo + size // scale
    raw = np.arange((lo - 2) << FRAC, (end + 2) << FRAC)
    x = raw / 2.0**FRAC
    actual = run(module, {"x": x.reshape(-1, 1)}, fixed=True)[0][:, 0]
    idx = np.clip(np.floor((x - lo) * scale), 0, size - 1)
    centre = lo + (idx + 0.5) / scale
    alpha = {"alpha": 1.0} if fn == ActivationFn.ELU else {}
    expected = np.floor(TABLE_FUNCTIONS[fn.value](centre, alpha) * 2**FRAC) / 2**FRAC
    below, above = TABLE_TAILS[fn]
    if below == Tail.IDENTITY:
        expected = np.where(x < lo, x, expected)
    if above == Tail.IDENTITY:
        expected = np.where(x >= end, x, expected)
    np.testing.assert_array_equal(actual, expected)


def test_hardtanh_is_an_exact_clamp():
    """Bounds quantized to the constants' type (trn), then min/max: exact for every input."""
    module = _module(ActivationFn.HARDTANH, "{lower = -2.1 : f64, upper = 6.0 : f64}")
    x = np.arange(-12 << FRAC, 12 << FRAC) / 2.0**FRAC
    actual = run(module, {"x": x.reshape(-1, 1)}, fixed=True)[0][:, 0]
    lower = math.floor(-2.1 * 2**FRAC) / 2**FRAC
    np.testing.assert_array_equal(actual, np.clip(x, lower, 6.0))


# --------------------------------------------------------------------------- #
# gnn.layer_norm: the range reduction reaches every q, the table's error is as documented
# --------------------------------------------------------------------------- #

LN_TEXT = """
func.func @main(%x: !gnn.nodes<2, f32> {gnn.name = "x"}) -> !gnn.nodes<2, f32> {
  %y = gnn.layer_norm %x {bias = dense<[0.25, -0.5]> : tensor<2xf32>, eps = 0.0 : f64} : !gnn.nodes<2, f32> -> !gnn.nodes<2, f32>
  func.return %y : !gnn.nodes<2, f32>
}"""


def _ln_module():
    return _fixed_module(LN_TEXT, "fixed<16,6>")


def test_layer_norm_normalises_every_magnitude():
    """Rows [a, -a] for every a of fixed<16, 6> (2^-10 .. 32 - 2^-10): q spans 2^-18 .. 2^12,
    so every down and up step is taken; the result is +-1 + bias within the documented
    error: the table's 1 / (4 * 1024) relative, its entries' rounding, one output LSB."""
    a = np.arange(1, 1 << 15) / 1024.0
    x = np.stack([a, -a], axis=1)
    y = run(_ln_module(), {"x": x}, fixed=True)[0]
    bound = 1 / (4 * 1024) + 2.0**-18 + 2.0**-10
    assert np.abs(y - np.array([1.25, -1.5])).max() <= bound


def test_layer_norm_of_a_constant_row_is_the_bias():
    """d = 0 exactly, so y = bias whatever rsqrt(0 + eps) is (q = 0: every up step)."""
    y = run(_ln_module(), {"x": np.array([[0.0, 0.0], [3.5, 3.5], [-20.0, -20.0]])}, fixed=True)[0]
    np.testing.assert_array_equal(y, np.array([[0.25, -0.5]] * 3))


# --------------------------------------------------------------------------- #
# gnn.activation sqrt (StdAggregation): the exact root, rounded as the result type says
# --------------------------------------------------------------------------- #

SQRT_TEXT = """
func.func @main(%x: !gnn.nodes<1, f32> {gnn.name = "x"}) -> !gnn.nodes<1, f32> {
  %y = gnn.activation sqrt %x {threshold = 0.01 : f64} : !gnn.nodes<1, f32> -> !gnn.nodes<1, f32>
  func.return %y : !gnn.nodes<1, f32>
}"""


def _exact_root(raw: int, frac: int, out_frac: int, rounding: str) -> int:
    """sqrt(raw 2^-frac) 2^out_frac rounded to an integer, in decimal arithmetic of 60 digits."""
    from decimal import ROUND_FLOOR, ROUND_HALF_EVEN, Decimal, getcontext

    getcontext().prec = 60
    value = (Decimal(raw) / Decimal(2) ** frac).sqrt() * Decimal(2) ** out_frac
    return int(value.to_integral_value(rounding=ROUND_FLOOR if rounding == "trn" else ROUND_HALF_EVEN))


@pytest.mark.parametrize("default,rounding", [("fixed<16,8>", "trn"), ("ap_fixed<12,3,AP_RND_CONV,AP_SAT>", "rnd_conv")])
def test_sqrt_is_the_exact_root_rounded(default, rounding):
    """Every raw input of the type: 0 at or below the threshold 0.01 (compared exactly), else the
    exact root rounded once to the result (trn: down; rnd_conv: to nearest, ties to even; sat)."""
    module = _fixed_module(SQRT_TEXT, default)
    t = module.body.block.ops.first.args[0].type.element_type
    lo, hi = -(1 << (t.w - 1)), 1 << (t.w - 1)
    raw = np.arange(lo, hi)
    actual = run(module, {"x": (raw / 2.0**t.f).reshape(-1, 1)}, fixed=True)[0][:, 0]
    top = (1 << (t.w - 1)) - 1
    expected = [0 if r * 2.0**-t.f <= 0.01 else min(_exact_root(int(r), t.f, t.f, rounding), top) for r in raw]
    np.testing.assert_array_equal(actual, np.array(expected) / 2.0**t.f)


class _Root(torch.nn.Module):
    """sqrt above 0.01 of every node feature (the op StdAggregation's forward becomes)."""

    def forward(self, x, edge_index):
        return torch.ops.gnn.sqrt_above(x, 0.01)


@pytest.mark.filterwarnings("ignore::ResourceWarning")  # 65,536 roots side by side: no part holds them
@pytest.mark.parametrize("backend", ["vitis", "oneapi"])
def test_sqrt_csim_equals_emulate_on_every_input(backend):
    """The bit-by-bit root of the lowering gives the emulator's bits for each raw of fixed<16,8>."""
    import gnnc

    raw = np.arange(-(1 << 15), 1 << 15).reshape(1024, 64)
    x = torch.from_numpy(raw / 256.0).float()
    edge_index = torch.tensor([[0, 1], [1, 0]])
    design = gnnc.compile(_Root(), (x[:10], edge_index),
                          {"graph": {"max_nodes": 1024, "max_edges": 2}, "precision": "fixed<16,8>"})
    emulated = design.emulate(x, edge_index)
    np.testing.assert_array_equal(design.csim_many([(x, edge_index)], backend=backend)[0][0], emulated)
