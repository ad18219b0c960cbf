"""
An independent oracle for gnn-fixed-point's typing rules.

The bit-exact checks compare two implementations of the same typed IR, so a wrong type
chosen by the pass reaches both sides and passes. Here every expected type is derived
from the rule as docs/config.md and docs/passes.md write it (not from the pass or from
gnnc.fixed), at the shapes where an off-by-one shows: n_in a power of two, n_in + bias
crossing one, max_edges at and around powers of two. A second, formula-free check
computes the extreme exact sums with Python integers and requires that they fit.
"""

from __future__ import annotations

import json
import math
from fractions import Fraction

import pytest

from gnnc.dialects.gnn import FixedType
from gnnc.fixed import parse_fixed
from gnnc.ir import make_context, parse_module
from gnnc.passes.gnn_fixed_point import GnnFixedPointPass

# -- the rules, as documented ------------------------------------------------------------


def product_type(a: FixedType, b: FixedType) -> FixedType:
    """ap_fixed's product: widths and integer bits add; signed if either is."""
    return FixedType(a.w + b.w, a.i + b.i, a.is_signed or b.is_signed)


def doc_dense_accum(x: FixedType, w: FixedType, b: FixedType | None, n_in: int) -> FixedType:
    """config.md, `accum: auto`: n_in products plus the bias; the widest term's integer bits
    plus ceil(log2(terms)), the finest term's fractional bits (W_x + W_w + ceil(log2(n_in + 1))
    when the bias is no wider than a product)."""
    terms = [product_type(x, w)] * n_in + ([b] if b is not None else [])
    signed = any(t.is_signed for t in terms)
    i = max(t.i + (1 if signed and not t.is_signed else 0) for t in terms)
    f = max(t.w - t.i for t in terms)
    grow = math.ceil(math.log2(len(terms)))
    return FixedType(i + grow + f, i + grow, signed)


def doc_scatter_accum(t: FixedType, max_edges: int) -> FixedType:
    """config.md: a scatter-sum in W + ceil(log2(max_edges)) bits (integer bits grow)."""
    grow = math.ceil(math.log2(max_edges))
    return FixedType(t.w + grow, t.i + grow, t.is_signed)


def doc_unit(default: FixedType) -> FixedType:
    """config.md: degree_norm's and edge_softmax's weights: unsigned, one integer bit, 3 guard
    bits beyond the default's fractional bits (passes.md: ufixed<F + 4, 1, rnd>)."""
    f = default.w - default.i
    return FixedType(f + 4, 1, False, "rnd")


def doc_recip(default: FixedType) -> FixedType:
    """config.md: the 1/deg table's default entry type ufixed<F+3, 1, rnd>."""
    f = default.w - default.i
    return FixedType(f + 3, 1, False, "rnd")


#: config.md, `table`: defaults 1024 entries over [-8, 8) for sigmoid, [-4, 4) for tanh,
#: elu over its negative half [-8, 0); the index scale is size / (max - min).
DOC_TABLES = {"sigmoid": (1024, -8, 8), "tanh": (1024, -4, 4), "elu": (1024, -8, 0)}
DOC_SOFTMAX_EXP = (1024, -8, 0)


def softmax_sum_int_bits(max_edges: int, unit: FixedType) -> int:
    """passes.md: edge_softmax's sum holds max-edges + 1 exp values, each at most 1."""
    n, ulp = max_edges + 1, Fraction(1, 2 ** (unit.w - unit.i))
    j = 0
    while 2**j - ulp < n:
        j += 1
    return j


# -- the formula-free check ----------------------------------------------------------------


def value_range(t: FixedType) -> tuple[Fraction, Fraction]:
    ulp = Fraction(2) ** (t.i - t.w)
    if t.is_signed:
        return -(2 ** (t.w - 1)) * ulp, (2 ** (t.w - 1) - 1) * ulp
    return Fraction(0), (2**t.w - 1) * ulp


def extreme_dense_sums(x: FixedType, w: FixedType, b: FixedType | None, n_in: int) -> tuple[Fraction, Fraction]:
    (xl, xh), (wl, wh) = value_range(x), value_range(w)
    corners = [xl * wl, xl * wh, xh * wl, xh * wh]
    lo, hi = n_in * min(corners), n_in * max(corners)
    if b is not None:
        bl, bh = value_range(b)
        lo, hi = lo + bl, hi + bh
    return lo, hi


def holds_exactly(acc: FixedType, lo: Fraction, hi: Fraction, frac_bits: int) -> bool:
    a_lo, a_hi = value_range(acc)
    return acc.w - acc.i >= frac_bits and a_lo <= lo and hi <= a_hi


# -- running the pass ---------------------------------------------------------------------


def module_text(n_in: int, bias: bool) -> str:
    """One op of every kind gnn-fixed-point types, on an n_in-feature input. Types do not
    depend on the constants' values, but the constants must fit every type tested
    (gnn-fixed-point refuses one its type would wrap): down to fixed<12,-2>, [-1/8, 1/8),
    and an unsigned bias."""
    weight = json.dumps([[0.0625 * (-1) ** (r + c) for c in range(n_in)] for r in range(2)])
    bias_attr = ", bias = dense<[6.250000e-02, 3.125000e-02]> : tensor<2xf32>" if bias else ""
    nx, ex = f"!gnn.nodes<{n_in}, f32>", f"!gnn.edges<{n_in}, f32>"
    n2, e2 = "!gnn.nodes<2, f32>", "!gnn.edges<2, f32>"
    return f"""
func.func @main(%x: {nx} {{gnn.name = "x"}}, %ei: !gnn.edge_index {{gnn.name = "edge_index"}}) -> {n2} {{
  %d = gnn.dense %x {{weight = dense<{weight}> : tensor<2x{n_in}xf32>{bias_attr}}} : {nx} -> {n2}
  %xj = gnn.gather src %x, %ei : {nx} -> {ex}
  %ssum = gnn.scatter sum dst %xj, %ei : {ex} -> {nx}
  %smean = gnn.scatter mean dst %xj, %ei : {ex} -> {nx}
  %smax = gnn.scatter max dst %xj, %ei : {ex} -> {nx}
  %smin = gnn.scatter min dst %xj, %ei : {ex} -> {nx}
  %sg = gnn.activation sigmoid %d : {n2} -> {n2}
  %th = gnn.activation tanh %d : {n2} -> {n2}
  %el = gnn.activation elu %d {{alpha = 1.000000e+00 : f64}} : {n2} -> {n2}
  %lr = gnn.activation leaky_relu %d {{alpha = 6.250000e-02 : f64}} : {n2} -> {n2}
  %sc = gnn.scale %d {{scale = dense<[6.250000e-02, 3.125000e-02]> : tensor<2xf32>, shift = dense<[6.250000e-02, 3.125000e-02]> : tensor<2xf32>}} : {n2} -> {n2}
  %dn = gnn.degree_norm dst %ei {{add_self_loops}} : !gnn.nodes<1, f32>
  %lm = gnn.loop_mask %ei : !gnn.edges<1, f32>
  %g = gnn.gather src %dn, %ei : !gnn.nodes<1, f32> -> !gnn.edges<1, f32>
  %r = gnn.repeat %g {{times = 2 : i64}} : !gnn.edges<1, f32> -> {e2}
  %dj = gnn.gather src %d, %ei : {n2} -> {e2}
  %a, %as = gnn.edge_softmax dst %dj, %ei root %d : {e2}, {n2} -> {e2}, {n2}
  func.return %d : {n2}
}}
"""


def typed_ops(n_in: int, bias: bool, default: str, max_edges: int, precision: dict | None = None) -> dict:
    module = parse_module(module_text(n_in, bias))
    GnnFixedPointPass(default=default, max_edges=max_edges, precision=json.dumps(precision or {})).apply(
        make_context(), module
    )
    ops = {}
    for op in module.walk():
        if op.results and op.results[0].name_hint:
            ops[op.results[0].name_hint] = op
    return ops


def elem(op, k: int = 0) -> FixedType:
    return op.results[k].type.element_type


def elem_of(value) -> FixedType:
    return value.type.element_type


def ints(op, *names: str) -> tuple[int, ...]:
    return tuple(getattr(op, n).value.data for n in names)


# -- dense ----------------------------------------------------------------------------------

N_IN = [1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 31, 32]
DEFAULTS = ["fixed<16,6>", "fixed<8,3,rnd,sat>", "fixed<18,18>", "fixed<12,-2>"]


@pytest.mark.parametrize("default", DEFAULTS)
@pytest.mark.parametrize("bias", [True, False], ids=["bias", "nobias"])
@pytest.mark.parametrize("n_in", N_IN)
def test_dense_accumulator_follows_the_documented_rule(n_in, bias, default):
    t = parse_fixed(default)
    d = typed_ops(n_in, bias, default, 8)["d"]
    assert d.weight_type == t and elem(d) == t
    assert (d.bias_type == t) if bias else d.bias_type is None
    b = t if bias else None
    assert d.accum_type == doc_dense_accum(t, t, b, n_in), (n_in, bias, default)
    p = product_type(t, t)
    lo, hi = extreme_dense_sums(t, t, b, n_in)
    assert holds_exactly(d.accum_type, lo, hi, p.w - p.i)


def test_the_documented_width_is_wx_plus_ww_plus_ceil_log2_terms():
    # config.md's formula, spelt out at the shapes where ceil(log2) changes
    for n_in, bias, grow in [(3, True, 2), (4, True, 3), (7, True, 3), (8, True, 4), (8, False, 3), (9, False, 4)]:
        d = typed_ops(n_in, bias, "fixed<16,6>", 8)["d"]
        assert (d.accum_type.w, d.accum_type.i) == (32 + grow, 12 + grow), (n_in, bias)


BIAS_TYPES = ["fixed<24,14>", "fixed<20,2>", "fixed<40,30,rnd>", "ufixed<10,4>"]


@pytest.mark.parametrize("bias_type", BIAS_TYPES)
@pytest.mark.parametrize("n_in", [3, 4, 7, 8])
def test_dense_accumulator_with_a_bias_of_its_own_type(n_in, bias_type):
    """A bias wider (integer or fractional bits) than the products sets the accumulator."""
    spec = {"kinds": {"dense": {"bias": bias_type, "weight": "fixed<10,3>"}}}
    d = typed_ops(n_in, True, "fixed<12,4>", 8, spec)["d"]
    x, w, b = parse_fixed("fixed<12,4>"), parse_fixed("fixed<10,3>"), parse_fixed(bias_type)
    assert (d.weight_type, d.bias_type) == (w, b)
    assert d.accum_type == doc_dense_accum(x, w, b, n_in)
    lo, hi = extreme_dense_sums(x, w, b, n_in)
    assert holds_exactly(d.accum_type, lo, hi, max(x.w - x.i + w.w - w.i, b.w - b.i))


def test_weights_and_biases_not_given_take_the_default_not_the_result():
    d = typed_ops(4, True, "fixed<16,6>", 8, {"kinds": {"dense": {"result": "fixed<10,4>"}}})["d"]
    assert elem(d) == parse_fixed("fixed<10,4>")
    assert d.weight_type == d.bias_type == parse_fixed("fixed<16,6>")


# -- scatter -------------------------------------------------------------------------------

MAX_EDGES = [1, 2, 3, 4, 5, 56, 63, 64, 65, 255, 256, 257, 1024]


@pytest.mark.parametrize("default", DEFAULTS[:2])
@pytest.mark.parametrize("max_edges", MAX_EDGES)
def test_scatter_types_follow_the_documented_rules(max_edges, default):
    t = parse_fixed(default)
    ops = typed_ops(3, True, default, max_edges)
    for name in ("ssum", "smean"):
        assert ops[name].accum_type == doc_scatter_accum(t, max_edges), (name, max_edges)
        assert elem(ops[name]) == t
        # a hub node receiving every one of max_edges extreme messages still fits
        lo, hi = value_range(t)
        assert holds_exactly(ops[name].accum_type, max_edges * lo, max_edges * hi, t.w - t.i)
    assert ops["smean"].recip_type == doc_recip(t)
    assert ops["ssum"].recip_type is None
    for name in ("smax", "smin", "xj"):  # selections and copies keep their input's type
        assert elem(ops[name]) == t and getattr(ops[name], "accum_type", None) is None


def test_scatter_recip_of_its_own_type():
    ops = typed_ops(3, True, "fixed<16,6>", 8, {"kinds": {"scatter": {"recip": "ufixed<20,1,rnd>"}}})
    assert ops["smean"].recip_type == parse_fixed("ufixed<20,1,rnd>")


# -- tables, constants and known-range values -----------------------------------------------


@pytest.mark.parametrize("default", DEFAULTS[:2])
def test_activation_tables_and_constants(default):
    t = parse_fixed(default)
    ops = typed_ops(4, True, default, 8)
    for fn, (size, lo, hi) in DOC_TABLES.items():
        op = ops[{"sigmoid": "sg", "tanh": "th", "elu": "el"}[fn]]
        assert ints(op, "table_size", "table_min", "table_scale") == (size, lo, size // (hi - lo)), fn
        assert elem(op) == t
    assert ops["lr"].alpha_type == t
    assert ops["sc"].scale_type == t and ops["sc"].shift_type == t


def test_table_geometry_from_the_config():
    spec = {"kinds": {"sigmoid": {"table": {"size": 2048, "min": -4, "max": 4}},
                      "edge_softmax": {"table": {"size": 512, "min": -16, "max": 0}}}}
    ops = typed_ops(4, True, "fixed<16,6>", 8, spec)
    assert ints(ops["sg"], "table_size", "table_min", "table_scale") == (2048, -4, 256)
    assert ints(ops["a"], "exp_table_size", "exp_table_min", "exp_table_scale") == (512, -16, 32)


@pytest.mark.parametrize("default", DEFAULTS[:3])
def test_degree_norm_and_loop_mask_have_their_documented_types(default):
    t = parse_fixed(default)
    ops = typed_ops(4, True, default, 8)
    assert elem(ops["dn"]) == doc_unit(t)  # 3 guard bits
    assert elem(ops["g"]) == elem(ops["r"]) == doc_unit(t)  # gathered and repeated, unchanged
    assert elem(ops["lm"]) == FixedType(1, 1, False)


@pytest.mark.parametrize("max_edges", [1, 2, 3, 6, 7, 8, 40, 62, 63, 64, 1021, 1022, 1023, 2000])
@pytest.mark.parametrize("default", ["fixed<16,6>", "fixed<16,8>", "fixed<24,4>"])
def test_edge_softmax_types_follow_the_documented_rules(max_edges, default):
    t = parse_fixed(default)
    a = typed_ops(4, True, default, max_edges)["a"]
    unit = doc_unit(t)
    assert a.exp_type == a.recip_type == unit and elem(a, 0) == elem(a, 1) == unit
    j = softmax_sum_int_bits(max_edges, unit)
    assert a.accum_type == FixedType(j + unit.w - unit.i, j, False), max_edges
    size, lo, hi = DOC_SOFTMAX_EXP
    assert ints(a, "exp_table_size", "exp_table_min", "exp_table_scale") == (size, lo, size // (hi - lo))
    # the 1/sum table: at least 1024 entries over [0, 2^k) containing [0, max_edges + 2)
    rsize, rscale = ints(a, "recip_table_size", "recip_table_scale")
    span, rem = divmod(rsize, rscale)
    assert rem == 0 and span & (span - 1) == 0 and span >= max_edges + 2 and rsize >= 1024
    assert rsize == max(1024, span)
    # the first guess is good to log2(scale) bits, each Newton step doubles them; as few as reach F
    good = max(1, rscale.bit_length() - 1)
    (steps,) = ints(a, "newton_steps")
    f = unit.w - unit.i
    assert good * 2**steps >= f and (steps == 0 or good * 2 ** (steps - 1) < f), (good, steps, f)
