"""
Analytic resource and latency model of an hls-dialect design (documented in docs/estimate.md).

It reads only the IR, so every directive a pass sets (unroll factors, pipeline II) changes
the estimate the way it changes the hardware:

* copies: a loop unrolled fully runs `ub` copies of its body, by N runs N, otherwise 1;
* multipliers: one per copy of an `hls.mul`, except multiplications by a constant weight
  that is 0 or ±2^k (HLS turns those into nothing or a shift); DSPs per multiplier from the
  operand widths (DSP48E2: 27x18; products with both operands <= 10 bits go to fabric);
* latency: a stage (top-level loop nest) takes the sum of its ops' latencies; an unrolled
  loop that accumulates into a location it does not index (a dot product, a scatter-sum)
  is an adder tree of ceil(log2(trip)) levels; a loop that is not unrolled takes
  (trips - 1) * II + body when pipelined, trips * body otherwise. Stages form a DAG through
  the arrays they write and read; the design latency is its longest path.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np
from xdsl.dialects import builtin, func
from xdsl.dialects.builtin import IntegerType
from xdsl.ir import Attribute, BlockArgument, Operation, SSAValue

from gnnc.dialects import hls
from gnnc.dialects.gnn import FixedType
from gnnc.errors import GnncError

# Cycle costs at a 200-250 MHz clock on UltraScale+ (see docs/estimate.md).
MUL_CYCLES = 1.0
ADD_CYCLES = 0.5  # two adder levels per cycle
SELECT_CYCLES = 0.5
TABLE_CYCLES = 1.0
FABRIC_MAX_WIDTH = 10
DSP_A, DSP_B = 27, 18


@dataclass
class OpEstimate:
    multipliers: int = 0
    dsp: int = 0
    latency_cycles: int = 0
    ii: int = 1

    def as_dict(self) -> dict[str, int]:
        return {"dsp": self.dsp, "multipliers": self.multipliers, "latency_cycles": self.latency_cycles, "ii": self.ii}


@dataclass
class _Stage:
    name: str
    latency: float
    multipliers: int
    dsp: int
    reads: set[SSAValue] = field(default_factory=set)
    writes: set[SSAValue] = field(default_factory=set)


def dsp_per_multiplier(a: Attribute, b: Attribute) -> int:
    wa, wb = sorted((_width(a), _width(b)), reverse=True)
    if wa <= FABRIC_MAX_WIDTH:
        return 0
    return math.ceil(wa / DSP_A) * math.ceil(wb / DSP_B)


def _width(t: Attribute) -> int:
    if isinstance(t, FixedType):
        return t.w
    if isinstance(t, IntegerType):
        return t.width.data
    return 32


def estimate(module: builtin.ModuleOp, clock_period_ns: float | None = None) -> dict:
    """Per-op and total `dsp`, `multipliers`, `latency_cycles`, `ii` of the top function."""
    fn = next((op for op in module.walk() if isinstance(op, func.FuncOp) and "hls.top" in op.attributes), None)
    if fn is None:
        raise GnncError("estimate needs an hls module (after convert-gnn-to-hls)")
    stages = [_stage(op) for op in fn.body.block.ops if isinstance(op, hls.ForOp)]
    finish: dict[str, float] = {}
    last_writer: dict[SSAValue, _Stage] = {}
    for s in stages:
        start = max((finish[last_writer[a].name] for a in s.reads if a in last_writer), default=0.0)
        finish[s.name] = start + s.latency
        for a in s.writes:
            last_writer[a] = s
    top_ii = fn.attributes.get("hls.pipeline_ii")
    latency = math.ceil(max(finish.values(), default=0.0)) + 1  # +1: the input register
    ii = top_ii.value.data if isinstance(top_ii, builtin.IntegerAttr) else latency

    ops: dict[str, OpEstimate] = {}
    for s in stages:
        name = _op_name(s.name)
        e = ops.setdefault(name, OpEstimate(ii=ii))
        e.multipliers += s.multipliers
        e.dsp += s.dsp
        e.latency_cycles += math.ceil(s.latency)
    total = OpEstimate(
        multipliers=sum(e.multipliers for e in ops.values()),
        dsp=sum(e.dsp for e in ops.values()),
        latency_cycles=latency,
        ii=ii,
    )
    result = {"ops": {k: v.as_dict() for k, v in ops.items()}, "total": total.as_dict()}
    if clock_period_ns is not None:
        result["total"]["latency_ns"] = latency * clock_period_ns
    return result


def _op_name(label: str) -> str:
    for suffix in ("_init", "_edges", "_nodes"):
        if label.endswith(suffix):
            return label[: -len(suffix)]
    return label


def _stage(loop: hls.ForOp) -> _Stage:
    name = loop.label.data if loop.label is not None else f"loop{id(loop)}"
    mults = dsp = 0
    for mul, copies in _muls(loop, 1):
        count = copies * _nontrivial_fraction(mul)
        mults += round(count)
        dsp += round(count) * dsp_per_multiplier(mul.lhs.type, mul.rhs.type)
    stage = _Stage(name, _loop_latency(loop), mults, dsp)
    for op in loop.walk():
        if isinstance(op, hls.LoadOp):
            stage.reads.add(op.memref)
        elif isinstance(op, hls.StoreOp):
            stage.writes.add(op.memref)
    return stage


def _copies(loop: hls.ForOp) -> int:
    if loop.unroll is None:
        return 1
    factor = loop.unroll.value.data
    return loop.ub.value.data if factor == 0 else min(factor, loop.ub.value.data)


def _muls(op: Operation, copies: int) -> Iterable[tuple[hls.MulOp, int]]:
    if isinstance(op, hls.ForOp):
        copies *= _copies(op)
        for inner in op.body.block.ops:
            yield from _muls(inner, copies)
    elif isinstance(op, hls.MulOp):
        yield op, copies


def _nontrivial_fraction(mul: hls.MulOp) -> float:
    """Share of a multiplication's copies that need a multiplier: constant operands 0 or ±2^k need none."""
    for operand in (mul.lhs, mul.rhs):
        src = operand.owner
        if isinstance(src, hls.ConstantOp):
            return 0.0 if _is_trivial(np.array([src.raw.data])).all() else 1.0
        if isinstance(src, hls.LoadOp) and isinstance(src.memref.owner, hls.RomOp):
            rom = src.memref.owner
            data = np.array(rom.data.get_values(), dtype=np.int64)
            return float(np.mean(~_is_trivial(data))) if data.size else 0.0
    return 1.0


def _is_trivial(raw: np.ndarray) -> np.ndarray:
    mag = np.abs(raw)
    return (mag == 0) | ((mag & (mag - 1)) == 0)


def _loop_latency(loop: hls.ForOp) -> float:
    body = _body_latency(loop.body.block.ops)
    trips = loop.ub.value.data
    copies = _copies(loop)
    serial = math.ceil(trips / copies)
    tree = ADD_CYCLES * math.ceil(math.log2(copies)) if copies > 1 and _accumulates(loop) else 0.0
    if serial == 1:
        return body + tree
    if loop.pipeline_ii is not None:
        return (serial - 1) * loop.pipeline_ii.value.data + body + tree
    return serial * body + tree


def _body_latency(ops: Iterable[Operation]) -> float:
    total = 0.0
    for op in ops:
        if isinstance(op, hls.ForOp):
            total += _loop_latency(op)
        elif isinstance(op, hls.MulOp):
            total += MUL_CYCLES if dsp_per_multiplier(op.lhs.type, op.rhs.type) or _nontrivial_fraction(op) else 0.0
        elif isinstance(op, hls.AddOp) and not isinstance(op.result.type, builtin.IndexType):
            total += ADD_CYCLES
        elif isinstance(op, hls.MaxOp | hls.MinOp | hls.SelectOp):
            total += SELECT_CYCLES
        elif isinstance(op, hls.TableIndexOp):
            total += TABLE_CYCLES
    return total


def _accumulates(loop: hls.ForOp) -> bool:
    """Does the body combine values into one location across iterations (a reduction)?

    A store is per iteration when one of its indices is the loop variable (or it plus a
    constant), or when its array is allocated inside the loop (private to an iteration); a
    store at an index computed from data (a scatter's target node) or at a fixed place
    declared outside (a dot product's accumulator) may be hit by many iterations."""
    iv = loop.induction_var
    for op in loop.body.walk():
        if isinstance(op, hls.StoreOp) and isinstance(op.value.owner, hls.AddOp | hls.MaxOp | hls.MinOp):
            private = loop.is_ancestor(op.memref.owner) if isinstance(op.memref.owner, Operation) else False
            if not private and not any(_follows(i, iv) for i in op.indices):
                return True
    return False


def _follows(index: SSAValue, iv: BlockArgument) -> bool:
    if index is iv:
        return True
    owner = index.owner
    return (
        isinstance(owner, hls.AddOp)
        and iv in (owner.lhs, owner.rhs)
        and any(isinstance(v.owner, hls.ConstantOp) for v in (owner.lhs, owner.rhs))
    )
