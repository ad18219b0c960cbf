"""Hypothesis strategies of fixed-point types and cases, shared by the ap_fixed and ac_fixed property tests."""

from hypothesis import strategies as st

from gnnc.dialects.gnn import FixedType, OverflowMode, QuantMode

QUANT = [m.value for m in QuantMode]
OVERFLOW = [m.value for m in OverflowMode]


@st.composite
def fixed_types(draw, max_width=32, int_margin=4):
    width = draw(st.integers(2, max_width))
    int_bits = draw(st.integers(-int_margin, width + int_margin))
    return FixedType(
        width, int_bits, draw(st.booleans()), draw(st.sampled_from(QUANT)), draw(st.sampled_from(OVERFLOW))
    )


@st.composite
def double_cases(draw):
    t = draw(fixed_types())
    scale = 2.0 ** draw(st.integers(-70, t.i + 2))  # down to far below one LSB
    value = draw(st.floats(-4, 4, allow_nan=False, width=32)) * scale
    return t, float(value)


@st.composite
def cast_cases(draw):
    # The ap_types headers assert ("read bit beyond MSB") on casts that round away more bits
    # than the source holds, which needs I < 0 or I > W; those types stay out of cast cases.
    src = draw(fixed_types(max_width=24, int_margin=0))
    dst = draw(fixed_types(int_margin=0))
    lo, hi = (-(1 << (src.w - 1)), (1 << (src.w - 1)) - 1) if src.is_signed else (0, (1 << src.w) - 1)
    return src, dst, draw(st.integers(lo, hi))
