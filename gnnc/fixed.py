"""
Bit-exact ap_fixed arithmetic on integer arrays.

A value of type `!gnn.fixed<W, I>` is held as its raw integer: value = raw * 2**-F with
F = W - I. Rounding follows Xilinx's ap_fixed_base exactly: the floor of the value is
adjusted by the first dropped bit (qb), whether any lower bit is set (r) and the sign of
the source (neg); overflow is decided on the rounded integer. Raw arrays are int64 while
every width involved is at most 62 bits; wider values use Python ints (dtype=object).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
import re

import numpy as np

from gnnc.dialects.gnn import FixedType, OverflowMode, QuantMode
from gnnc.errors import ConfigError, GnncError

MAX_INT64_WIDTH = 62
MAX_INT_BITS = 256  # |I| of a type: beyond it the binary point is nowhere near its bits

_Q = QuantMode
_O = OverflowMode


def element_fixed(value, needed_by: str) -> FixedType:
    """The !gnn.fixed element type of a gnn value; a clear error when the module is still float."""
    t = value.type
    elem = getattr(t, "element_type", None)
    if not isinstance(elem, FixedType):
        raise GnncError(f"{needed_by} needs a fixed-point module: run gnn-fixed-point first")
    return elem


def int_dtype(width: int) -> type:
    """numpy dtype able to hold `width`-bit raw values and their sums without overflow."""
    return np.int64 if width <= MAX_INT64_WIDTH else object


def raw_range(t: FixedType) -> tuple[int, int]:
    """Smallest and largest raw integer of `t`."""
    if t.is_signed:
        return -(1 << (t.w - 1)), (1 << (t.w - 1)) - 1
    return 0, (1 << t.w) - 1


def _round(floor, qb, r, neg, mode: QuantMode):
    """The increment ap_fixed's quantization_adjust adds to the floor."""
    if mode == _Q.TRN:
        inc = np.zeros_like(qb)
    elif mode == _Q.RND:
        inc = qb
    elif mode == _Q.RND_ZERO:
        inc = qb & (neg | r)
    elif mode == _Q.RND_MIN_INF:
        inc = qb & r
    elif mode == _Q.RND_INF:
        inc = qb & (~neg | r)
    elif mode == _Q.RND_CONV:
        inc = qb & ((floor % 2 != 0) | r)
    elif mode == _Q.TRN_ZERO:
        inc = neg & (qb | r)
    else:  # pragma: no cover - the enum is closed
        raise AssertionError(mode)
    return floor + inc.astype(floor.dtype)


def _overflow(q: np.ndarray, t: FixedType) -> np.ndarray:
    lo, hi = raw_range(t)
    mode = t.overflow_mode
    if mode == _O.WRAP:  # modulo 2^w as a mask: the same on int64 and Python ints, and much faster
        return ((q - lo) & ((1 << t.w) - 1)) + lo
    if mode == _O.SAT_ZERO:
        return np.where((q < lo) | (q > hi), 0, q).astype(q.dtype)
    if mode == _O.SAT_SYM and t.is_signed:
        lo = -hi
    return np.clip(q, lo, hi)


def cast(raw: np.ndarray, frac: int, t: FixedType) -> np.ndarray:
    """Convert exact raw values with `frac` fractional bits to type `t` (quantize, then overflow)."""
    raw = np.asarray(raw)
    low, high = (int(raw.min()), int(raw.max())) if raw.size else (0, 0)
    bits = max(abs(low), abs(high)).bit_length() + 1
    raw = raw.astype(int_dtype(max(t.w, bits) + max(0, t.f - frac) + 1), copy=False)
    shift = frac - t.f
    if shift <= 0:
        q = raw * (1 << -shift) if shift else raw
        low, high = low << -shift, high << -shift
    else:
        if t.quant_mode == _Q.TRN:  # the floor: no rounding bits to look at
            q = raw >> shift
        else:
            floor = raw >> shift
            rest = raw - (floor << shift)  # in [0, 2^shift)
            half = 1 << (shift - 1)
            qb = np.asarray(rest >= half, dtype=bool)
            r = np.asarray(rest & (half - 1) != 0, dtype=bool)
            q = _round(floor, qb, r, np.asarray(raw < 0, dtype=bool), t.quant_mode)
        low, high = low >> shift, (high >> shift) + 1  # rounding adds at most one to the floor
    lo, hi = raw_range(t)
    if not (lo <= low and high <= hi):  # only values outside the range change on overflow
        q = _overflow(q, t)
    return q.astype(int_dtype(t.w), copy=False)


def quantize(values, t: FixedType) -> np.ndarray:
    """Float values to raw integers of `t`, as ap_fixed's constructor from double does."""
    if t.w > MAX_INT64_WIDTH:
        raise ConfigError(f"fixed<{t.w},{t.i}>: widths above {MAX_INT64_WIDTH} bits are not supported")
    v = np.asarray(values, dtype=np.float64)
    if not np.all(np.isfinite(v)):
        raise ValueError("cannot convert NaN or infinity to fixed point")
    scaled = np.ldexp(v, t.f)  # exact: scaling by a power of two
    floor = np.floor(scaled)
    rest = scaled - floor  # exact fractional part in [0, 1)
    # rest = scaled - floor is exact except for -0.5 < scaled < 0, where it rounds to 1.0
    # although bits below the half bit are set: those values are never a tie.
    sticky = (rest % 0.5 != 0) | ((scaled < 0) & (scaled > -0.5))
    q = _round(floor, rest >= 0.5, sticky, v < 0, t.quant_mode)
    limit = float(1 << MAX_INT64_WIDTH)
    if t.overflow_mode == _O.WRAP:
        q = np.mod(q, float(1 << t.w))  # exact for integral floats; keeps wrap semantics
    q = np.clip(q, -limit, limit).astype(np.int64)
    return _overflow(q, t)


def out_of_range(values, t: FixedType) -> np.ndarray:
    """Which finite float values leave `t`'s range once rounded by its quantization mode,
    that is, where its overflow mode (wrap, saturate) changes the value."""
    v = np.asarray(values, dtype=np.float64)
    lo, hi = raw_range(t)
    extra = min(2, MAX_INT64_WIDTH - t.w)
    if extra == 0:  # no wider type to round into: compare unrounded (62-bit types only)
        scaled = np.ldexp(v, t.f)
        return (scaled > hi) | (scaled < lo)
    wide = FixedType(t.w + extra, t.i + extra, True, t.quant_mode, OverflowMode.SAT)
    q = quantize(v, wide)  # saturates beyond the wide type, which is still out of `t`'s range
    return (q < lo) | (q > hi)


def to_float(raw: np.ndarray, t: FixedType | int) -> np.ndarray:
    """Raw integers to float64 values (exact while the width is at most 53 bits)."""
    frac = t.f if isinstance(t, FixedType) else t
    return np.ldexp(np.asarray(raw).astype(np.float64), -frac)


def _bits(raw: np.ndarray) -> int:
    """Bits needed to hold every value of `raw` (signed), at least 1."""
    if raw.size == 0:
        return 1
    m = max(abs(int(raw.max())), abs(int(raw.min())))
    return m.bit_length() + 1


# --------------------------------------------------------------------------- #
# Exact result types
# --------------------------------------------------------------------------- #


def exact_sum_type(terms: list[FixedType], count: int = 1) -> FixedType:
    """A type that holds `count` sums of one value of each of `terms` without rounding or overflow."""
    f = max(t.f for t in terms)
    signed = any(t.is_signed for t in terms)
    # Each term's integer part, widened by one if an unsigned term meets a signed sum.
    i = max(t.i + (1 if signed and not t.is_signed else 0) for t in terms)
    n = len(terms) * count
    i += math.ceil(math.log2(n)) if n > 1 else 0
    return FixedType(i + f, i, signed)


def exact_product_type(a: FixedType, b: FixedType) -> FixedType:
    """ap_fixed's product type: widths and integer bits add."""
    signed = a.is_signed or b.is_signed
    return FixedType(a.w + b.w, a.i + b.i, signed)


# --------------------------------------------------------------------------- #
# Lookup tables (sigmoid, tanh, elu, silu, gelu, ..., 1/deg, deg^-1/2)
# --------------------------------------------------------------------------- #

_erf = np.vectorize(math.erf, otypes=[np.float64])


def _softplus(v: np.ndarray, beta: float, threshold: float) -> np.ndarray:
    """torch's softplus: log(1 + exp(beta v)) / beta, or v where beta v > threshold."""
    return np.where(beta * v > threshold, v, np.logaddexp(0.0, beta * v) / beta)


#: The float definitions (torch's) of the functions gnnc evaluates through tables;
#: `p` holds the op's parameters (alpha, threshold).
TABLE_FUNCTIONS = {
    "sigmoid": lambda v, p: 1.0 / (1.0 + np.exp(-v)),
    "tanh": lambda v, p: np.tanh(v),
    "elu": lambda v, p: np.where(v > 0, v, p.get("alpha", 1.0) * np.expm1(np.minimum(v, 0.0))),
    "exp": lambda v, p: np.exp(v),
    "silu": lambda v, p: v / (1.0 + np.exp(-v)),
    "gelu": lambda v, p: 0.5 * v * (1.0 + _erf(v / math.sqrt(2.0))),
    "gelu_tanh": lambda v, p: 0.5 * v * (1.0 + np.tanh(math.sqrt(2.0 / math.pi) * (v + 0.044715 * v**3))),
    "softplus": lambda v, p: _softplus(v, p.get("alpha", 1.0), p.get("threshold", 20.0)),
    "mish": lambda v, p: v * np.tanh(np.logaddexp(0.0, v)),
    "log_sigmoid": lambda v, p: -np.logaddexp(0.0, -v),
}


MAX_TABLE_SIZE = 1 << 16  # entries of a function table (a ROM; 64 Ki entries is already large)
MAX_RECIP_TABLE_SIZE = 1 << 24  # edge_softmax's 1/sum table grows with max_edges


def check_table_size(size: int, what: str, limit: int = MAX_TABLE_SIZE) -> None:
    """Bound a table before it is built: an IR's table_size of 1e8 would take minutes and GBs."""
    if not 2 <= size <= limit:
        raise GnncError(f"{what} has {size} entries; it must have 2 to {limit}")


def table_values(fn: str, size: int, lo: int, scale: int, t: FixedType,
                 params: dict[str, float] | None = None) -> np.ndarray:
    """
    Raw entries of a function table: entry i holds fn at the midpoint of its input interval.
    `params`: the function's parameters (elu's alpha, softplus's alpha = beta and threshold).
    """
    check_table_size(size, f"the {fn} table")
    centers = lo + (np.arange(size, dtype=np.float64) + 0.5) / scale
    return quantize(TABLE_FUNCTIONS[fn](centers, params or {}), t)


def table_index(raw: np.ndarray, frac: int, size: int, lo: int, scale: int) -> np.ndarray:
    """clamp(floor((x - lo) * scale), 0, size - 1), computed exactly on raw values."""
    raw = np.asarray(raw).astype(object) if raw.dtype == object else np.asarray(raw, dtype=np.int64)
    if frac >= 0:
        idx = ((raw - (lo << frac)) * scale) >> frac
    else:
        idx = (raw * (1 << -frac) - lo) * scale
    return np.clip(idx, 0, size - 1).astype(np.int64)


def reciprocal_values(max_degree: int, t: FixedType) -> np.ndarray:
    """Raw entries of the 1/deg table for mean aggregation; entry 0 (no edges) is 0."""
    d = np.arange(max_degree + 1, dtype=np.float64)
    recip = np.divide(1.0, d, out=np.zeros_like(d), where=d > 0)
    return quantize(recip, t)


def softmax_recip_values(size: int, scale: int, t: FixedType) -> np.ndarray:
    """
    Raw entries of edge_softmax's first guess of 1/sum: 1/max(center, 1) at the midpoint
    of each interval of [0, size / scale). A sum with at least one term is about 1 or more,
    so clamping below 1 keeps every guess where Newton's iteration converges.
    """
    check_table_size(size, "edge_softmax's 1/sum table", MAX_RECIP_TABLE_SIZE)
    centers = (np.arange(size, dtype=np.float64) + 0.5) / scale
    return quantize(1.0 / np.maximum(centers, 1.0), t)


def degree_norm_floats(max_count: int, offset: int, exponent: float = 0.5) -> np.ndarray:
    """
    (count + offset)^-exponent for count = 0..max_count (1/2: GCN's d^-1/2; 1: a mean's
    1/d), with 0 where the base is 0 (PyG's inf -> 0).
    """
    d = np.arange(max_count + 1, dtype=np.float64) + offset
    base = np.sqrt(d) if exponent == 0.5 else d ** exponent
    return np.divide(1.0, base, out=np.zeros_like(d), where=d > 0)


def degree_norm_values(max_count: int, offset: int, t: FixedType, exponent: float = 0.5) -> np.ndarray:
    """Raw entries of gnn.degree_norm's table, indexed by the integer edge count."""
    return quantize(degree_norm_floats(max_count, offset, exponent), t)


def sqrt_geometry(in_t: FixedType, out_t: FixedType) -> tuple[int, int]:
    """
    gnn.activation sqrt's root bits: (K, p) with every x of in_t below 2^(2K), so the root has
    the bits 2^(K-1) .. 2^-p; p = out_t.f + 1 (one bit below the result's LSB; a sticky bit
    below it makes the one cast round the exact root).
    """
    top = in_t.i - 1 if in_t.is_signed else in_t.i
    return -(-top // 2), out_t.f + 1


def sqrt_threshold_raw(threshold: float, in_t: FixedType) -> int:
    """floor(threshold 2^f): x > threshold exactly when raw > this (raw an integer)."""
    return math.floor(threshold * 2.0**in_t.f)


def exact_sqrt(raw: np.ndarray, frac: int, p: int) -> tuple[np.ndarray, np.ndarray]:
    """floor(sqrt(x) 2^p) and whether sqrt(x) is not that exactly, for raw >= 0, x = raw 2^-frac."""
    shift = 2 * p - frac
    flat = [int(r) for r in np.asarray(raw).ravel()]
    roots, inexact = [], []
    for r in flat:
        n = r << shift if shift >= 0 else r >> -shift
        a = math.isqrt(n)
        roots.append(a)
        inexact.append((a * a << max(0, -shift)) != (r << max(0, shift)))
    shape = np.shape(raw)
    return (np.array(roots, dtype=object).reshape(shape), np.array(inexact, dtype=bool).reshape(shape))


def count_fn_floats(steps: str, x: np.ndarray) -> np.ndarray:
    """gnn.count_fn's f(x) in float64: its steps (gnn.COUNT_STEPS) in order."""
    from gnnc.dialects.gnn import parse_count_steps

    y = np.asarray(x, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        for step, c in parse_count_steps(steps):
            y = {
                "add": lambda: y + c, "mul": lambda: y * c, "div": lambda: y / c, "rdiv": lambda: c / y,
                "max": lambda: np.maximum(y, c), "min": lambda: np.minimum(y, c), "pow": lambda: y ** c,
                "log": lambda: np.log(y),
            }[step]()
    return y


def count_fn_values(steps: str, size: int, t: FixedType) -> np.ndarray:
    """Raw entries of gnn.count_fn's table: f(0), ..., f(size - 1) in t."""
    values = count_fn_floats(steps, np.arange(size, dtype=np.float64))
    bad = np.flatnonzero(~np.isfinite(values))
    if bad.size:
        raise GnncError(
            f"gnn.count_fn {steps!r} is not finite at the count {int(bad[0])} (a node with that many "
            "edges): clamp the count first, as PyG's scalers do (deg.clamp(min=1))"
        )
    return quantize(values, t)


# --------------------------------------------------------------------------- #
# Textual precision specs, as in configs
# --------------------------------------------------------------------------- #

_SPEC = re.compile(r"^\s*(ap_|ac_)?(u?)fixed\s*<([^>]*)>\s*$")
_AP_NAMES = {f"AP_{m.value.upper()}": m.value for m in (*QuantMode, *OverflowMode)}


def parse_fixed(text: str, where: str = "precision") -> FixedType:
    """`fixed<16,6>`, `ufixed<8,2,rnd,sat>`, `ap_fixed<16,6,AP_RND,AP_SAT>`, `fixed<16,6,unsigned>`."""
    m = _SPEC.match(str(text))
    if not m:
        raise ConfigError(
            f"{where}: cannot read {text!r} as a fixed-point type; "
            "write e.g. fixed<16,6> or ap_fixed<16,6,AP_RND,AP_SAT>"
        )
    parts = [p.strip() for p in m.group(3).split(",")]
    try:
        width, int_bits = int(parts[0]), int(parts[1])
    except (ValueError, IndexError):
        raise ConfigError(f"{where}: {text!r} needs integer width and integer bits") from None
    signed = m.group(2) != "u"
    quant, overflow = QuantMode.TRN, OverflowMode.WRAP
    given: dict[str, str] = {"sign": m.group(2)} if m.group(2) else {}  # option role -> its word
    for p in parts[2:]:
        word = _AP_NAMES.get(p, p).lower()
        if word in ("signed", "unsigned", "true", "false"):
            role, signed = "sign", word in ("signed", "true")
        elif word in [q.value for q in QuantMode]:
            role, quant = "quantization", QuantMode(word)
        elif word in [o.value for o in OverflowMode]:
            role, overflow = "overflow", OverflowMode(word)
        else:
            raise ConfigError(f"{where}: unknown option {p!r} in {text!r}")
        if role in given:  # `rnd,trn`: which one was meant cannot be guessed
            first = "ufixed" if given[role] == "u" else given[role]
            raise ConfigError(f"{where}: {text!r} gives its {role} twice ({first} and {p}); keep one")
        given[role] = p
    if not 1 <= width <= MAX_INT64_WIDTH:
        raise ConfigError(f"{where}: width {width} in {text!r} must be in [1, {MAX_INT64_WIDTH}]")
    if abs(int_bits) > MAX_INT_BITS:
        raise ConfigError(f"{where}: integer bits {int_bits} in {text!r} must be in [-{MAX_INT_BITS}, {MAX_INT_BITS}]")
    return FixedType(width, int_bits, signed, quant, overflow)


def format_fixed(t: FixedType) -> str:
    """The config spelling of a type, inverse of parse_fixed."""
    opts = []
    if t.quant_mode != QuantMode.TRN:
        opts.append(t.quant_mode.value)
    if t.overflow_mode != OverflowMode.WRAP:
        opts.append(t.overflow_mode.value)
    prefix = "fixed" if t.is_signed else "ufixed"
    return f"{prefix}<{', '.join([str(t.w), str(t.i), *opts])}>"


# --------------------------------------------------------------------------- #
# LayerNorm (gnn.layer_norm): the exact intermediate types, shared by the emulator and
# convert-gnn-to-hls so both compute the same integers
# --------------------------------------------------------------------------- #

#: Unsigned constants of the range-reduction steps: 4, 1/4 (for m), 2, 1/2 (for 2^j).
LN_FOUR, LN_QUARTER = FixedType(3, 3, False), FixedType(2, 0, False)
LN_TWO, LN_HALF = FixedType(2, 2, False), FixedType(1, 0, False)


@dataclass(frozen=True)
class LayerNormTypes:
    """
    s = sum x (`sum_t`), d = F x - s (`dev_t`, via F x in `fx_t` and -s in `neg_t`),
    q = sum d^2 + F^3 eps (`q_t`; the eps term is `eps_raw` in `eps_t`); m = q * 4^j in
    [1, 4) (`work_t`) after `down` steps m / 4 (while m >= 4) and `up` steps m * 4 (while
    m < 1); 2^j in `shift_t`.
    """

    count_t: FixedType
    fx_t: FixedType
    sum_t: FixedType
    neg_t: FixedType
    dev_t: FixedType
    q_t: FixedType
    eps_t: FixedType
    eps_raw: int
    work_t: FixedType
    shift_t: FixedType
    down: int
    up: int


def layer_norm_types(in_t: FixedType, features: int, eps: float) -> LayerNormTypes:
    bits = features.bit_length() + 1
    count_t = FixedType(bits, bits)
    fx_t = exact_product_type(in_t, count_t)
    sum_t = exact_sum_type([in_t], count=features)
    neg_t = exact_product_type(sum_t, FixedType(2, 2))
    dev_t = exact_sum_type([fx_t, neg_t])
    dd_t = exact_product_type(dev_t, dev_t)
    eps_raw = int(math.floor(features**3 * eps * 2.0**dd_t.f))
    e_w = max(2, eps_raw.bit_length() + 1)
    eps_t = FixedType(e_w, e_w - dd_t.f)
    q_t = exact_sum_type([dd_t, eps_t], count=features)
    up = max(0, math.ceil(q_t.f / 2))  # the smallest q > 0, 2^-f, times 4^up is >= 1
    down = max(0, math.ceil((q_t.i - 3) / 2))  # the largest q, < 2^(i-1), over 4^down is < 4
    work_i = max(q_t.i, 4)
    work_t = FixedType(work_i + q_t.f + 2 * down, work_i)
    shift_t = FixedType(up + down + 1, up + 1, False)
    return LayerNormTypes(count_t, fx_t, sum_t, neg_t, dev_t, q_t, eps_t, eps_raw, work_t, shift_t, down, up)


def rsqrt_table_values(size: int, t: FixedType) -> np.ndarray:
    """Raw entries of gnn.layer_norm's table: 1/sqrt at the centres of `size` intervals of [1, 4)."""
    centers = 1.0 + (np.arange(size, dtype=np.float64) + 0.5) * 3.0 / size
    return quantize(1.0 / np.sqrt(centers), t)
