"""
An exact reference for the fixed-point ops, written with Python fractions from the numeric
semantics of docs/architecture.md (not from gnnc.fixed or the emulator): ap_fixed's
conversion of an exact value to a type, and dense, scatter and table ops built on it. Ops
take float inputs and the typed IR op; they return object arrays of Fractions.
"""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np

from gnnc.dialects.gnn import FixedType


def ref_cast(v: Fraction, t: FixedType) -> Fraction:
    """ap_fixed's conversion of an exact value to `t`: quantization mode, then overflow mode."""
    ulp = Fraction(2) ** (t.i - t.w)
    q = v / ulp
    fl = math.floor(q)
    rest = q - fl
    mode = t.quant_mode.value
    if mode == "trn":
        n = fl
    elif mode == "trn_zero":
        n = fl if q >= 0 else math.ceil(q)
    elif rest != Fraction(1, 2):  # rounding modes differ only at ties
        n = fl + (rest > Fraction(1, 2))
    else:
        up = {"rnd": True, "rnd_zero": q < 0, "rnd_min_inf": False, "rnd_inf": q > 0, "rnd_conv": fl % 2 == 1}[mode]
        n = fl + up
    lo, hi = (-(2 ** (t.w - 1)), 2 ** (t.w - 1) - 1) if t.is_signed else (0, 2**t.w - 1)
    overflow = t.overflow_mode.value
    if overflow == "wrap":
        n = (n - lo) % 2**t.w + lo
    elif overflow == "sat_zero":
        n = 0 if not lo <= n <= hi else n
    else:
        lo = -hi if overflow == "sat_sym" and t.is_signed else lo
        n = min(max(n, lo), hi)
    return n * ulp


def exact(values) -> list:
    return [Fraction(float(v)) for v in np.asarray(values, dtype=np.float64).ravel()]


def ref_dense(x: np.ndarray, op, in_t: FixedType) -> np.ndarray:
    """acc = bias + sum x*w in accum_type, then cast to the result type."""
    out_t = op.result.type.element_type
    w = np.asarray(op.weight.get_values(), dtype=np.float64).reshape(op.out_features, op.in_features)
    wq = [[ref_cast(v, op.weight_type) for v in exact(row)] for row in w]
    bq = [ref_cast(v, op.bias_type) for v in exact(op.bias.get_values())] if op.bias is not None else None
    rows = []
    for row in x:
        xq = [ref_cast(v, in_t) for v in exact(row)]
        out = []
        for o in range(op.out_features):
            acc = sum((a * b for a, b in zip(xq, wq[o])), Fraction(0)) + (bq[o] if bq else 0)
            out.append(ref_cast(ref_cast(acc, op.accum_type), out_t))
        rows.append(out)
    return np.array(rows, dtype=object)


def ref_scatter(x: np.ndarray, edge_index: np.ndarray, n: int, op, in_t: FixedType) -> np.ndarray:
    """sum: exact in accum_type, then cast; mean: that sum times 1/deg rounded to recip_type;
    max/min: selection, 0 for a node without edges."""
    reduce = op.reduce.data.value
    out_t = op.result.type.element_type
    xq = [[ref_cast(v, in_t) for v in exact(row)] for row in x]
    src, dst = edge_index
    rows = []
    for node in range(n):
        msgs = [xq[s] for s, d in zip(src, dst) if d == node]
        out = []
        for f in range(x.shape[1]):
            vals = [m[f] for m in msgs]
            if reduce in ("max", "min"):
                out.append((max if reduce == "max" else min)(vals) if vals else Fraction(0))
                continue
            acc = ref_cast(sum((ref_cast(v, op.accum_type) for v in vals), Fraction(0)), op.accum_type)
            if reduce == "mean":
                recip = ref_cast(Fraction(1, len(vals)), op.recip_type) if vals else Fraction(0)
                acc = acc * recip
            out.append(ref_cast(acc, out_t))
        rows.append(out)
    return np.array(rows, dtype=object)


def ref_sigmoid(x: np.ndarray, op, in_t: FixedType) -> np.ndarray:
    """index clamp(floor((x - min) * scale), 0, size - 1); entry i = f(min + (i + 0.5) / scale)."""
    size, lo, scale = (getattr(op, k).value.data for k in ("table_size", "table_min", "table_scale"))
    out_t = op.result.type.element_type
    out = []
    for v in exact(x):
        i = min(max(math.floor((ref_cast(v, in_t) - lo) * scale), 0), size - 1)
        center = lo + (i + 0.5) / scale
        out.append(ref_cast(Fraction(1.0 / (1.0 + math.exp(-center))), out_t))
    return np.array(out, dtype=object).reshape(x.shape)
