"""Trained constants (weights, biases, slopes) against the fixed-point types gnn-fixed-point gives them.

A constant outside its type would silently change: wrapped (a weight -8.94 in fixed<10,4>
becomes +7.06) or zeroed (sat_zero). That is never what a user meant, so it is an error
naming the op, the config key that chose the type and one that holds the values. Saturating
types (sat, sat_sym) clip on purpose; the overflow report counts those weights.
"""

from __future__ import annotations

import math

import numpy as np
from xdsl.ir import Operation

from gnnc.dialects.gnn import FixedType, OverflowMode
from gnnc.errors import ConfigError, GnncError
from gnnc.fixed import MAX_INT64_WIDTH, format_fixed, out_of_range

CLIPPING = (OverflowMode.SAT, OverflowMode.SAT_SYM)


def check_constant(values: np.ndarray, t: FixedType, what: str, field: str, op: Operation, path: str | None,
                   key: str | None) -> None:
    """`what` ("weight", "bias", "alpha", ...) of `op` must be finite and, unless `t`
    saturates, fit `t`; `field` is the precision field that types it, `key` the config key
    that set that field (None: precision.default)."""
    where = f"{op.name}" + (f" of module {path}" if path else "")
    v = np.asarray(values, dtype=np.float64)
    if not np.all(np.isfinite(v)):
        bad = int(np.count_nonzero(~np.isfinite(v)))
        raise GnncError(f"{where}: {bad} {what} value{'s are' if bad > 1 else ' is'} NaN or infinite; "
                        "the trained model is broken (check the checkpoint or the training run)")
    if t.overflow_mode in CLIPPING or v.size == 0:
        return
    over = out_of_range(v, t)
    if not over.any():
        return
    worst = float(v[over][np.argmax(np.abs(v[over]))])
    chosen = key or "precision.default"
    wider = _wider(v, t)
    fix = (f"no type of at most {MAX_INT64_WIDTH} bits holds it: rescale the model" if wider is None else
           f"give {'them a type that holds them' if over.sum() > 1 else 'it a type that holds it'}, e.g. precision.ops.{path or '<op path>'}.{field}: "
           f"'{format_fixed(wider)}', or a saturating one")
    raise ConfigError(
        f"{where}: {int(over.sum())} {what} value{'s' if over.sum() > 1 else ''} outside "
        f"{format_fixed(t)} (set by {chosen}), e.g. {worst:.6g}, which its "
        f"{t.overflow_mode.value} overflow would turn into another number; {fix}"
    )


def _wider(v: np.ndarray, t: FixedType) -> FixedType | None:
    """`t` with the integer bits the values need and its fractional bits kept, if one exists."""
    need = max(1, math.ceil(math.log2(float(np.max(np.abs(v))) + 2.0**-t.f)) + (1 if t.is_signed else 0))
    for int_bits in range(need, min(need + 3, MAX_INT64_WIDTH - t.f + 1)):
        wider = FixedType(t.f + int_bits, int_bits, t.is_signed, t.quant_mode, t.overflow_mode)
        if not out_of_range(v, wider).any():
            return wider
    return None
