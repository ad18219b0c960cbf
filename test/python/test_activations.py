"""
Table activations and hardtanh in fixed point, against their documented rules
(docs/frontend.md, "Activations"): every input of a 16-bit type around the table ends.
csim == emulate for all of them is in test_frontend_matrix.py (case activations-zoo).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from xdsl.context import Context
from xdsl.dialects import builtin, func
from xdsl.parser import Parser

from gnnc.dialects.gnn import TABLE_TAILS, ActivationFn, Gnn, Tail
from gnnc.emulator import run
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
