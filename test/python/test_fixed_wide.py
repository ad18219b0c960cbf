"""
Property test at the widths real accumulators have: gnnc.fixed against g++ ap_fixed (Vitis)
and ac_fixed (oneAPI, as the printer spells types) up to 62 bits, where the emulator's raw
arrays are at the edge of int64 and products go beyond it (Python ints).

Three kinds of case, raw bits in and raw bits out (a double cannot hold 62 bits):
* casts from a type of up to 62 bits to one of up to 62 bits, every mode;
* products of two types of up to 40 bits each (exact, up to 80 bits) cast to a result type;
* sums of up to 9 terms in a wrapping accumulator of up to 62 bits, possibly narrower than
  exact (config.md: exact modulo 2^W whatever the order of the +=), then cast.
Raw values favour the extremes and the tie patterns where the rounding modes differ. One
build per backend holds every case (a seeded generator: hypothesis' first example is the
simplest one, and every further example would be another build).
"""

from __future__ import annotations

import random

import numpy as np
import pytest
from cpp_harness import run_ac, run_ap
from fixed_strategies import OVERFLOW, QUANT

from gnnc.backends.oneapi import printer as oneapi_printer
from gnnc.backends.vitis import printer as vitis_printer
from gnnc.dialects.gnn import FixedType
from gnnc.fixed import cast, raw_range

MAX_W = 62


def type_pool(rng: random.Random, max_width: int, modes: bool, size: int) -> list[FixedType]:
    """A few types the cases share: a g++ build costs per distinct pair of types, not per case."""
    pool = []
    for k in range(size):
        # 0 <= I <= W: the headers assert on reading bits beyond the MSB otherwise (fixed_strategies)
        width = [max_width, max_width - 1, 32, 33][k] if k < 4 else rng.randint(2, max_width)
        quant, overflow = (QUANT[k % len(QUANT)], OVERFLOW[k % len(OVERFLOW)]) if modes else ("trn", "wrap")
        pool.append(FixedType(width, rng.randint(0, width), rng.random() < 0.5, quant, overflow))
    return pool


def wide_type(rng: random.Random, max_width: int = MAX_W, modes: bool = True) -> FixedType:
    key = (max_width, modes)
    if key not in POOLS:
        POOLS[key] = type_pool(random.Random(max_width), max_width, modes, 14 if modes else 6)
    return rng.choice(POOLS[key])


POOLS: dict = {}


def raw_value(rng: random.Random, t: FixedType, drop: int = 0) -> int:
    """A raw value of t: an extreme, a tie or near tie of the `drop` low bits, or any."""
    lo, hi = raw_range(t)
    kind = rng.choice(["any", "extreme", "tie", "tie"])
    if kind == "extreme":
        return rng.choice([lo, lo + 1, hi, hi - 1, 0, -1 if lo < 0 else 1])
    v = rng.randint(lo, hi)
    if kind == "tie" and 0 < drop < t.w:
        v = (v >> drop << drop) + (1 << (drop - 1)) + rng.choice([-1, 0, 0, 1])
    return min(max(v, lo), hi)


def cast_case(rng: random.Random):
    src, dst = wide_type(rng), wide_type(rng)
    return src, dst, raw_value(rng, src, drop=src.f - dst.f)


def product_case(rng: random.Random):
    a, b, dst = wide_type(rng, 40, modes=False), wide_type(rng, 40, modes=False), wide_type(rng)
    return a, b, dst, raw_value(rng, a, drop=a.f + b.f - dst.f - b.f), raw_value(rng, b)


def sum_case(rng: random.Random):
    term = wide_type(rng, 48, modes=False)
    # a wrapping accumulator with the terms' fractional bits and any number of integer bits
    acc_w = min(MAX_W, term.f + rng.randint(1, 14))
    acc = FixedType(acc_w, acc_w - term.f, term.is_signed or rng.random() < 0.5)
    return term, acc, wide_type(rng), [raw_value(rng, term) for _ in range(rng.randint(2, 9))]


def _signed(u: int, t: FixedType) -> int:
    return u - (1 << t.w) if t.is_signed and u >> (t.w - 1) else u


def _emulated(raw, frac: int, t: FixedType) -> int:
    return int(cast(np.array([raw], dtype=object), frac, t)[0])


def _programs(casts, products, sums, c_type, set_raw, get_raw):
    body, expected = [], []
    for k, (src, dst, raw) in enumerate(casts):
        body.append(f"  {{ {set_raw(c_type(src), 's', raw)} {c_type(dst)} d = s; {get_raw('d', dst)} }}\n")
        expected.append((_emulated(raw, src.f, dst), dst, f"cast {c_type(src)} raw {raw} -> {c_type(dst)}"))
    for a, b, dst, ra, rb in products:
        body.append(f"  {{ {set_raw(c_type(a), 'a', ra)} {set_raw(c_type(b), 'b', rb)} {c_type(dst)} d = a * b; "
                    f"{get_raw('d', dst)} }}\n")
        expected.append((_emulated(ra * rb, a.f + b.f, dst), dst,
                         f"{c_type(a)} raw {ra} * {c_type(b)} raw {rb} -> {c_type(dst)}"))
    for term, acc, dst, raws in sums:
        adds = " ".join(f"{{ {set_raw(c_type(term), 't', r)} acc += t; }}" for r in raws)
        body.append(f"  {{ {c_type(acc)} acc = 0; {adds} {c_type(dst)} d = acc; {get_raw('d', dst)} }}\n")
        wrapped = _emulated(sum(raws), term.f, acc)  # the emulator sums exactly and wraps once
        expected.append((_emulated(wrapped, acc.f, dst), dst, f"sum of {raws} in {c_type(acc)} -> {c_type(dst)}"))
    return "".join(body), expected


BACKENDS = {
    "vitis": (vitis_printer.c_type, run_ap,
              lambda ct, name, raw: f"{ct} {name}; {name}.range({name}.width - 1, 0) = {raw}LL;",
              lambda name, t: f'std::printf("%llu\\n", (unsigned long long){name}.range({t.w - 1}, 0).to_uint64());'),
    "oneapi": (oneapi_printer.c_type, run_ac,
               lambda ct, name, raw: f"{ct} {name} = gnnc_raw<{ct}>({raw}LL);",
               lambda name, t: f'std::printf("%llu\\n", (unsigned long long)ac_int<{t.w}, false>'
                               f'({name}.template slc<{t.w}>(0)).to_uint64());'),
}


@pytest.mark.parametrize("backend", list(BACKENDS))
def test_wide_casts_products_and_sums_match_the_vendor_types(tmp_path, backend):
    rng = random.Random(18)  # the same cases every run (a failure lists them)
    casts = [cast_case(rng) for _ in range(120)]
    products = [product_case(rng) for _ in range(40)]
    sums = [sum_case(rng) for _ in range(60)]
    c_type, run, set_raw, get_raw = BACKENDS[backend]
    body, expected = _programs(casts, products, sums, c_type, set_raw, get_raw)
    got = [_signed(int(v), t) for v, (_, t, _) in zip(run(tmp_path, body), expected)]
    assert len(got) == len(expected)
    mismatches = [(case, g, e) for g, (e, _, case) in zip(got, expected) if g != e]
    assert not mismatches, f"{len(mismatches)} of {len(expected)} differ, first: {mismatches[:3]}"
    # the widths that matter are really reached, and every mode is met
    assert sum(t.w >= 60 for _, t, _ in expected) >= 30
    dsts = [c[1] for c in casts]
    assert {t.quant_mode.value for t in dsts} == set(QUANT) and {t.overflow_mode.value for t in dsts} == set(OVERFLOW)
