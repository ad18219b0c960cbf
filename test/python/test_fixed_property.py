"""Property test: gnnc.fixed agrees with ap_fixed compiled by g++, for random types, modes and values.

Each hypothesis example is a batch of cases compiled into one C++ program (a g++ build
costs seconds, a case microseconds): conversions from double (the testbench's input path)
and conversions between fixed-point types (every cast in the generated C++).
"""

import numpy as np
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from fixed_strategies import OVERFLOW, QUANT, cast_cases, double_cases

from cpp_harness import run_ap
from gnnc.dialects.gnn import FixedType
from gnnc.fixed import cast, quantize, to_float

def c_type(t: FixedType) -> str:
    base = "ap_fixed" if t.is_signed else "ap_ufixed"
    return f"{base}<{t.w}, {t.i}, AP_{t.quant_mode.value.upper()}, AP_{t.overflow_mode.value.upper()}>"


def run_cpp(tmp_path, body: str) -> list[float]:
    return [float(v) for v in run_ap(tmp_path, body)]


# No shrinking: every shrink step is a g++ build; the failure message lists the cases instead.
@settings(
    max_examples=3,
    deadline=None,
    derandomize=True,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(st.lists(double_cases(), min_size=60, max_size=60), st.lists(cast_cases(), min_size=60, max_size=60))
def test_emulator_matches_ap_fixed(tmp_path, doubles, casts):
    body = []
    expected = []
    for t, v in doubles:
        body.append(f"  show({c_type(t)}({v!r}));\n")
        expected.append(to_float(quantize([v], t), t)[0])
    for k, (src, dst, raw) in enumerate(casts):
        body.append(
            f"  {{ {c_type(src)} s{k}; s{k}.range({src.w - 1}, 0) = {raw}LL; {c_type(dst)} d{k} = s{k}; show(d{k}); }}\n"
        )
        expected.append(to_float(cast(np.array([raw]), src.f, dst), dst)[0])
    got = run_cpp(tmp_path, "".join(body))
    cases = [f"{c_type(t)}({v!r})" for t, v in doubles] + [
        f"{c_type(s)} raw {r} -> {c_type(d)}" for s, d, r in casts
    ]
    mismatches = [(c, g, e) for c, g, e in zip(cases, got, expected) if g != e]
    assert not mismatches, f"{len(mismatches)} mismatches, first: {mismatches[:3]}"


def test_tiny_ties_and_near_ties_in_every_mode(tmp_path):
    """Values around zero and around half an LSB, where the rounding modes differ."""
    lsb = 2.0**-8
    values = [0.0, -0.0, 1e-20, -1e-20, 1e-300, -1e-300, lsb / 2, -lsb / 2, lsb / 2 * (1 + 2**-40),
              -lsb / 2 * (1 + 2**-40), lsb / 2 * (1 - 2**-40), -lsb / 2 * (1 - 2**-40), 1.5 * lsb, -1.5 * lsb,
              2.5 * lsb, -2.5 * lsb, 127.998, -128.0, -128.002, 300.0, -300.0]
    types = [FixedType(16, 8, signed, q, o) for signed in (True, False) for q in QUANT for o in OVERFLOW]
    body, expected = [], []
    for t in types:
        for v in values:
            body.append(f"  show({c_type(t)}({v!r}));\n")
            expected.append(to_float(quantize([v], t), t)[0])
    got = run_cpp(tmp_path, "".join(body))
    cases = [f"{c_type(t)}({v!r})" for t in types for v in values]
    mismatches = [(c, g, e) for c, g, e in zip(cases, got, expected) if g != e]
    assert not mismatches, f"{len(mismatches)} of {len(cases)} differ, first: {mismatches[:3]}"
