"""How much of each FPGA resource one hls-dialect operation or array costs (docs/estimate.md).

The rules are per operation, from its operand and result widths, and per array, from its
size and partitioning, for the two vendor families of gnnc.parts:

* amd: DSP48E2 (27x18 signed multiplier), LUT6 with a carry chain (one LUT per adder bit),
  BRAM 18K (1Kx18 / 512x36 ...), LUTRAM (64x1 per LUT), SRL32 FIFOs;
* intel: variable-precision DSP (two 18x19 or one 27x27 per block), ALUTs, M20K
  (512x40 / 1Kx20 ...), MLAB (32x20 per 10 ALMs).

estimate.py walks the IR and multiplies these by the copies of a loop body.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields

import numpy as np
from xdsl.dialects import builtin
from xdsl.dialects.builtin import IntegerType, MemRefType
from xdsl.ir import Attribute

from gnnc.adder_graph import ADDER_COST
from gnnc.dialects import hls
from gnnc.dialects.gnn import FixedType, QuantMode

FABRIC_MAX_WIDTH = 10  # products with both operands this narrow go to LUTs (Vitis's default binding)
DSP_A, DSP_B = 27, 18  # DSP48E2 multiplier
INTEL_HALF = (19, 18)  # an Intel DSP block holds two 18x19 multipliers...
INTEL_FULL = 27  # ...or one 27x27
LUTRAM_MAX_DEPTH = 64  # arrays (banks) at most this deep go to LUTRAM / MLAB, deeper ones to block RAM
SRL_MAX_DEPTH = 32  # FIFOs at most this deep are shift registers (SRL32 / MLAB)
BRAM_SHAPES = {  # (depth, width) configurations of one block
    "amd": ((16384, 1), (8192, 2), (4096, 4), (2048, 9), (1024, 18), (512, 36)),
    "intel": ((16384, 1), (8192, 2), (4096, 5), (2048, 10), (1024, 20), (512, 40)),
}


@dataclass
class Cost:
    dsp: float = 0.0
    lut: float = 0.0
    ff: float = 0.0
    bram_18k: float = 0.0
    uram: float = 0.0

    def __add__(self, other: Cost) -> Cost:
        return Cost(*(getattr(self, f.name) + getattr(other, f.name) for f in fields(self)))

    def scaled(self, k: float) -> Cost:
        return Cost(*(getattr(self, f.name) * k for f in fields(self)))

    def rounded(self) -> dict[str, int]:
        return {f.name: math.ceil(getattr(self, f.name) - 1e-9) for f in fields(self)}


def width(t: Attribute) -> int:
    if isinstance(t, FixedType):
        return t.w
    if isinstance(t, IntegerType):
        return t.width.data
    if isinstance(t, builtin.IndexType):
        return 0  # index arithmetic is folded once loops are unrolled
    return 32


def dsp_per_multiplier(a: Attribute, b: Attribute, vendor: str = "amd") -> float:
    """DSP blocks of one wa x wb product (0: it goes to LUTs)."""
    wa, wb = sorted((width(a), width(b)), reverse=True)
    if wa <= FABRIC_MAX_WIDTH:
        return 0
    if vendor == "intel":
        if wa <= INTEL_HALF[0] and wb <= INTEL_HALF[1]:
            return 0.5
        return math.ceil(wa / INTEL_FULL) * math.ceil(wb / INTEL_FULL)
    return math.ceil(wa / DSP_A) * math.ceil(wb / DSP_B)


def csd_digits(raw: np.ndarray) -> np.ndarray:
    """Nonzero digits of each value's canonical signed-digit form (shift-add terms)."""
    n = np.abs(raw.astype(np.int64))
    digits = np.zeros_like(n)
    while n.any():
        odd = (n & 1) == 1
        step = np.where(odd, 2 - (n & 3), 0)  # +1 or -1 digit when odd
        digits += odd
        n = (n - step) >> 1
    return digits


def multiplier(mul: hls.MulOp, constant: np.ndarray | None, vendor: str) -> Cost:
    """One copy of a product that needs a multiplier (0 and ±2^k weights were dropped before).

    On a DSP: its blocks, no fabric (the DSP's own pipeline registers hold the product).
    In fabric: a product by a constant is a shift-add of (CSD digits - 1) adders as wide as
    the variable operand (the shifted copies overlap in that many bits; Vitis and the Intel
    compiler both build it so); by a variable, an array of wa*wb/2 LUTs; registered once
    (1 cycle). Intel's compiler puts every product by a constant in logic (hls4ml's oneAPI
    baselines: dense layers at 0 DSP)."""
    wa, wb, wr = width(mul.lhs.type), width(mul.rhs.type), width(mul.result.type)
    dsp = dsp_per_multiplier(mul.lhs.type, mul.rhs.type, vendor)
    if vendor == "intel" and constant is not None:
        dsp = 0
    if dsp:
        return Cost(dsp=dsp)
    if constant is not None and constant.size:
        digits = csd_digits(constant)
        digits = digits[digits > 1]  # the share with one digit needs no multiplier (counted elsewhere)
        adders = float(np.mean(digits - 1)) if digits.size else 0.0
        variable = wb if mul.lhs.owner is not None and _is_constant(mul.lhs) else wa
        return Cost(lut=adders * variable, ff=wr)
    return Cost(lut=math.ceil(wa * wb / 2), ff=wr)


def _is_constant(v) -> bool:
    owner = v.owner
    return isinstance(owner, hls.ConstantOp) or (isinstance(owner, hls.LoadOp) and isinstance(owner.memref.owner, hls.RomOp))


def operation(op, vendor: str) -> Cost:
    """One copy of an arithmetic or select operation other than a product.

    LUTs: an adder is one LUT per result bit (carry chain); max/min a comparator and a
    multiplexer (2 per bit; against a constant 0, ReLU, 1 per bit: the sign bit masks the
    value); a select 1 per bit; a table index a subtract and a clamp (3 per bit); a cast
    that rounds an adder, one that saturates a comparator and a multiplexer.
    FF: the latency model's registers: half a register per bit after each adder or
    select level (two levels per cycle), none after casts and wiring."""
    if isinstance(op, hls.AddOp | hls.SubOp | hls.NegOp):
        return adder(op)
    if isinstance(op, hls.MaxOp | hls.MinOp):
        w = width(op.result.type)
        against_zero = any(isinstance(v.owner, hls.ConstantOp) and v.owner.raw.data == 0 for v in (op.lhs, op.rhs))
        return Cost(lut=w if against_zero else 2 * w, ff=w / 2)
    if isinstance(op, hls.SelectOp):
        w = width(op.result.type)
        return Cost(lut=w, ff=w / 2)
    if isinstance(op, hls.TableIndexOp):
        w = width(op.input.type)
        return Cost(lut=5 * w, ff=w / 2)
    if isinstance(op, hls.CastOp):
        src, dst = op.input.type, op.result.type
        if not (isinstance(src, FixedType) and isinstance(dst, FixedType)):
            return Cost()
        lut = 0.0
        if dst.f < src.f and dst.quant.data != list(QuantMode).index(QuantMode.TRN):
            lut += dst.w  # rounding: an incrementer
        if dst.i < src.i and dst.overflow.data != 0:
            lut += 2 * dst.w  # saturation: compare the dropped bits, then clamp
        return Cost(lut=lut)
    return Cost()


def adder(op: hls.AddOp | hls.SubOp | hls.NegOp) -> Cost:
    """An adder, subtractor or negation: one LUT per result bit (carry chain), or, for an adder
    of a distributed-arithmetic graph, alkaid's cost of it (`hls.adder_cost`: the bits where
    its operands overlap, the others are wires; one LUT6 + carry bit each on AMD, one ALUT on
    Intel); half a register per result bit (two adder levels per cycle)."""
    w = width(op.result.type)
    cost = op.attributes.get(ADDER_COST)
    return Cost(lut=cost.value.data if isinstance(cost, builtin.IntegerAttr) else w, ff=w / 2)


def mux(rows: int, w: int) -> Cost:
    """A rows:1 multiplexer of w bits (a gather from registers at a data-dependent row):
    a LUT6 is a 4:1 mux, MUXF7/F8 combine them, so about rows/4 LUTs per bit."""
    return Cost(lut=w * math.ceil(rows / 4)) if rows > 1 else Cost()


def decoder(rows: int, w: int) -> Cost:
    """A write at a data-dependent row of a register array: a row decoder and, per row, a
    2:1 multiplexer of w bits choosing the new or the old value."""
    if rows <= 1:
        return Cost()
    index_bits = math.ceil(math.log2(rows))
    return Cost(lut=rows * (w + math.ceil(index_bits / 6)))


def shared_inputs(multipliers: int, wa: int, wb: int, rf: int) -> Cost:
    """Operand multiplexers in front of multipliers shared over rf cycles (reuse factor)."""
    return Cost(lut=multipliers * (wa + wb) * math.ceil(rf / 4)) if rf > 1 else Cost()


def block_ram(depth: int, w: int, vendor: str) -> int:
    """Blocks (BRAM_18K or M20K) for one depth x w memory: the best of the block's shapes."""
    return min(math.ceil(depth / d) * math.ceil(w / bw) for d, bw in BRAM_SHAPES[vendor])


def memory(depth: int, w: int, banks: int, ports: int, vendor: str, rom: bool) -> Cost:
    """`banks` memories of depth x w, each replicated to serve `ports` reads per cycle: two
    per AMD block RAM (true dual port), one per Intel M20K (the oneAPI compiler gives each
    load site its own copy). Shallow banks go to LUTRAM / MLAB: on AMD a LUT6 holds 64x1
    (ROM or RAM); on Intel an MLAB 32x20 bits for 10 ALMs (20 ALUTs)."""
    copies = max(1, ports if vendor == "intel" else math.ceil(ports / 2))
    if depth <= LUTRAM_MAX_DEPTH:
        if vendor == "intel":
            lut = math.ceil(depth / 32) * math.ceil(w / 20) * 20
        else:
            lut = math.ceil(depth / 64) * w * (1 if rom else 2)  # RAM64X1D: two LUTs per bit, dual port
        return Cost(lut=lut * banks * copies)
    return Cost(bram_18k=block_ram(depth, w, vendor) * banks * copies)


def fifo(depth: int, row_bits: int, vendor: str) -> Cost:
    """A stream of `depth` rows: up to 32 rows a shift register (Vitis's `_S` FIFOs: one
    SRL32 LUT per bit per 32 rows, on Intel an MLAB), block RAM beyond."""
    if depth <= SRL_MAX_DEPTH:
        return Cost(lut=row_bits * math.ceil(depth / SRL_MAX_DEPTH))
    return Cost(bram_18k=block_ram(depth, row_bits, vendor))


def banks(t: MemRefType, partition) -> tuple[int, int, bool]:
    """(banks, depth per bank, fully partitioned) of an array under its partition directives."""
    shape = list(t.get_shape()) or [1]
    elements = math.prod(shape)
    n = 1
    for p in partition or ():
        kind, dim, factor = p.kind.data, p.dim.data, p.factor.data
        if kind == "complete":
            n *= elements if dim == 0 else shape[dim - 1]
            if dim == 0:
                break
        else:
            n *= min(factor, shape[dim - 1] if dim else elements)
    n = min(n, elements)
    return n, math.ceil(elements / n), n == elements
