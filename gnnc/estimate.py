"""
Analytic resource and latency model of an hls-dialect design (documented in docs/estimate.md).

It reads only the IR, so every directive a pass sets (unroll factors, pipeline II) changes
the estimate the way it changes the hardware:

* copies: a loop unrolled fully runs `ub` copies of its body, by N runs N, otherwise 1;
* multipliers: one per copy of an `hls.mul`, except multiplications by a constant weight
  that is 0 or ±2^k (HLS turns those into nothing or a shift); DSPs per multiplier from the
  operand widths (DSP48E2: 27x18; products with both operands <= 10 bits go to fabric);
* reuse: a loop with `mul_limit` (hls-reuse, pipelined at II = RF) has that many
  multipliers (fewer if fewer of its products need one): the budget counts every product
  in the IR, so a dense's zero weights cost slots unless it is lowered sparse (only its
  nonzero weights are multiplied); one iteration takes RF - 1 more cycles (the products
  are spread over RF cycles);
* latency: a stage (top-level loop nest) takes the sum of its ops' latencies; an unrolled
  loop that accumulates into a location it does not index (a dot product, a scatter-sum)
  is an adder tree of ceil(log2(trip)) levels (a sparse dense: of its largest output's
  nonzero weights); a loop that is not unrolled takes
  (trips - 1) * II + body when pipelined, trips * body otherwise. A pipelined loop whose
  P unrolled copies read-modify-write an array at a data-dependent index (a scatter) is
  serialised by HLS: its II is at least P, unless hls-reuse gave it P accumulator copies
  (the update's first index is `row % P`). With the top function pipelined, stages form a
  DAG through the arrays they write and read and the design latency is its longest path;
  without (hls-reuse removes it), the stages run one after another.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np
from xdsl.dialects import builtin, func
from xdsl.ir import BlockArgument, Operation, SSAValue

from gnnc import resources
from gnnc.config import DA
from gnnc.dialects import hls
from gnnc.errors import GnncError
from gnnc.parts import RESOURCES, Part, lookup
from gnnc.resources import Cost, dsp_per_multiplier

__all__ = ["ResourceWarning", "dsp_per_multiplier", "estimate", "over_budget"]

# Cycle costs at a 200-250 MHz clock on UltraScale+ (see docs/estimate.md).
MUL_CYCLES = 1.0
ADD_CYCLES = 0.5  # two adder levels per cycle
SELECT_CYCLES = 0.5
TABLE_CYCLES = 1.0


@dataclass
class OpEstimate:
    multipliers: int = 0
    cost: Cost = field(default_factory=Cost)
    latency_cycles: int = 0
    ii: int = 1

    def as_dict(self) -> dict[str, int]:
        return {**self.cost.rounded(), "multipliers": self.multipliers, "latency_cycles": self.latency_cycles,
                "ii": self.ii}


@dataclass
class _Stage:
    name: str
    latency: float
    multipliers: int
    cost: Cost
    ii: int | None = None  # the loop's effective initiation interval when pipelined
    reads: set[SSAValue] = field(default_factory=set)
    writes: set[SSAValue] = field(default_factory=set)
    ports: dict[SSAValue, int] = field(default_factory=dict)  # reads per cycle of arrays in memories


def estimate(module: builtin.ModuleOp, clock_period_ns: float | None = None, part: str | Part | None = None,
             memo: dict | None = None) -> dict:
    """Per-op and total `dsp`, `lut`, `ff`, `bram_18k`, `uram`, `multipliers`, `latency_cycles`,
    `ii` (and `latency_ns`) of the top function; with a part, its totals (`part`) and each
    resource as a fraction of them (`utilization`).

    `memo` (a dict the caller keeps with the module): for estimating one module again and
    again while only the directives of its top-level loops and the partitions of its arrays
    change, never the loop bodies (gnnc.fit). A top-level loop's stage is then reused while
    its directives and the partitions of the arrays it reads and writes are those of a
    previous estimate: the stage reads nothing else."""
    from gnnc.passes.hls_outline import flattened

    module = flattened(module)  # a function per gnn op (hls-outline): their loops, back in the top
    fn = next((op for op in module.walk() if isinstance(op, func.FuncOp) and "hls.top" in op.attributes), None)
    if fn is None:
        raise GnncError("estimate needs an hls module (after convert-gnn-to-hls)")
    device = lookup(part) if isinstance(part, str) else part
    vendor = device.vendor if device is not None else "amd"
    if "hls.dataflow" in fn.attributes:
        result = _dataflow_estimate(module, fn, clock_period_ns, vendor)
    else:
        result = _pipeline_estimate(module, fn, clock_period_ns, vendor, memo)
    if device is not None:
        totals = device.totals()
        result["part"] = {"name": device.name, "vendor": device.vendor, **totals}
        result["utilization"] = {r: result["total"][r] / totals[r] if totals[r] else
                                 (0.0 if result["total"][r] == 0 else math.inf) for r in RESOURCES}
    return result


class ResourceWarning(UserWarning):  # noqa: A001 (gnnc.ResourceWarning, as the API names it)
    """The estimate of a design exceeds a resource of the part (gnnc.compile warns with it)."""


def over_budget(result: dict) -> list[tuple[str, int, int]]:
    """(resource, estimate, part total) for each resource the design needs more of than the part has."""
    if "part" not in result:
        return []
    return [(r, result["total"][r], result["part"][r]) for r in RESOURCES if result["total"][r] > result["part"][r]]


def _pipeline_estimate(module: builtin.ModuleOp, fn: func.FuncOp, clock_period_ns: float | None, vendor: str,
                       memo: dict | None = None) -> dict:
    loops = [op for op in fn.body.block.ops if isinstance(op, hls.ForOp)]
    stages = [_stage(op, vendor) if memo is None else _memo_stage(op, vendor, memo) for op in loops]
    top_ii = fn.attributes.get("hls.pipeline_ii")
    finish: dict[str, float] = {}
    last_writer: dict[SSAValue, _Stage] = {}
    clock = 0.0
    for s in stages:
        if isinstance(top_ii, builtin.IntegerAttr):  # one pipelined region: a DAG of stages
            start = max((finish[last_writer[a].name] for a in s.reads if a in last_writer), default=0.0)
        else:  # loops of a function that is not pipelined run one after another
            start = clock
        finish[s.name] = clock = start + s.latency
        for a in s.writes:
            last_writer[a] = s
    latency = math.ceil(max(finish.values(), default=0.0)) + 1  # +1: the input register
    ii = top_ii.value.data if isinstance(top_ii, builtin.IntegerAttr) else latency
    ops = _per_op(loops, stages, ii)
    # in one pipelined region an array between stages is wiring (its registers are the ops')
    _add_memories(module, loops, stages, ops, vendor, registers=not isinstance(top_ii, builtin.IntegerAttr))
    return _result(ops, latency, ii, clock_period_ns)


def _dataflow_estimate(module: builtin.ModuleOp, fn: func.FuncOp, clock_period_ns: float | None,
                       vendor: str) -> dict:
    """io: stream (hls-dataflow): stage functions running concurrently, linked by streams.

    A stage's latency L is the sum of its loops' (they run in turn); its depth d is one
    iteration of its last loop (how long a row takes to come out once its inputs are in). A
    stage starts when the first rows of its inputs arrive (start = max over producers of their
    start + d) and finishes no earlier than L after that nor than d after its last producer
    finishes. The design takes a new graph every max L cycles (the slowest stage)."""
    funcs = {f.sym_name.data: f for f in module.body.block.ops if isinstance(f, func.FuncOp)}
    writer: dict[SSAValue, str] = {}
    start: dict[str, float] = {}
    finish: dict[str, float] = {}
    loops: list[hls.ForOp] = []
    stages: list[_Stage] = []
    lengths: list[float] = []
    fifos: list[tuple[SSAValue, hls.ForOp | None]] = []  # each stream and the first loop of its writer
    for call in (op for op in fn.body.block.ops if isinstance(op, func.CallOp)):
        name = call.callee.root_reference.data
        stage_fn = funcs[name]
        own = [op for op in stage_fn.body.block.ops if isinstance(op, hls.ForOp)]
        own_stages = [_stage(op, vendor) for op in own]
        length = sum(s.latency for s in own_stages)
        depth = _body_latency(own[-1].body.block.ops) if own else 0.0
        reads, writes = _stream_uses(stage_fn, call)
        producers = [writer[v] for v in reads if v in writer]
        start[name] = max((start[q] + _depth(funcs[q]) for q in producers), default=0.0)
        finish[name] = max([start[name] + length] + [finish[q] + depth for q in producers])
        for v in writes:
            writer[v] = name
            fifos.append((v, own[0] if own else None))
        loops += own
        stages += own_stages
        lengths.append(length)
    latency = math.ceil(max(finish.values(), default=0.0)) + 1  # +1: the input register
    ii = max(1, math.ceil(max(lengths, default=0.0)))
    ops = _per_op(loops, stages, ii)
    _add_memories(module, loops, stages, ops, vendor)
    for stream, loop in fifos:
        channel = stream.owner
        if isinstance(channel, hls.ChannelOp) and loop is not None:
            t = channel.result.type
            bits = t.row_width * resources.width(t.element_type)
            ops[_loop_op(loop)].cost += resources.fifo(channel.depth.value.data, bits, vendor)
    return _result(ops, latency, ii, clock_period_ns)


def _depth(stage_fn: func.FuncOp) -> float:
    own = [op for op in stage_fn.body.block.ops if isinstance(op, hls.ForOp)]
    return _body_latency(own[-1].body.block.ops) if own else 0.0


def _stream_uses(stage_fn: func.FuncOp, call: func.CallOp) -> tuple[list[SSAValue], list[SSAValue]]:
    """The streams (as the caller names them) a stage reads and writes."""
    reads, writes = [], []
    for param, arg in zip(stage_fn.args, call.arguments):
        kinds = {type(u.operation) for u in param.uses}
        if hls.StreamReadOp in kinds:
            reads.append(arg)
        if hls.StreamWriteOp in kinds:
            writes.append(arg)
    return reads, writes


def _per_op(loops: list[hls.ForOp], stages: list[_Stage], ii: int) -> dict[str, OpEstimate]:
    ops: dict[str, OpEstimate] = {}
    loop_iis: dict[str, list[int]] = {}
    for loop, s in zip(loops, stages):
        name = _loop_op(loop)
        e = ops.setdefault(name, OpEstimate(ii=ii))
        e.multipliers += s.multipliers
        e.cost += s.cost
        e.latency_cycles += math.ceil(s.latency)
        if s.ii is not None:
            loop_iis.setdefault(name, []).append(s.ii)
    for name, iis in loop_iis.items():  # an op with pipelined loops starts a row every `ii` cycles
        ops[name].ii = max(iis)
    return ops


def _loop_op(loop: hls.ForOp) -> str:
    if loop.op is not None:
        return loop.op.data
    return _op_name(loop.label.data if loop.label is not None else f"loop{id(loop)}")


def _result(ops: dict[str, OpEstimate], latency: int, ii: int, clock_period_ns: float | None) -> dict:
    per_op = {k: v.as_dict() for k, v in ops.items()}
    total = {r: sum(e[r] for e in per_op.values()) for r in RESOURCES}
    total |= {"multipliers": sum(e.multipliers for e in ops.values()), "latency_cycles": latency, "ii": ii}
    result = {"ops": per_op, "total": total}
    if clock_period_ns is not None:
        result["total"]["latency_ns"] = latency * clock_period_ns
    return result


def _add_memories(module: builtin.ModuleOp, loops: list[hls.ForOp], stages: list[_Stage],
                  ops: dict[str, OpEstimate], vendor: str, registers: bool = True) -> None:
    """Charge every array to an op: an alloca to the first op that writes it, a ROM to the
    first that reads it. Fully partitioned arrays are registers when they hold values from
    one cycle to a later one (`registers`: stages in sequence, or dataflow stages), else
    wires (in one pipelined region, or private to an iteration of a pipelined loop: a
    dataflow stage's row buffers); a fully partitioned ROM's entries are constants folded into the logic that reads
    them. The others are memories, replicated for the reads they serve per cycle."""
    ports_of: dict[SSAValue, int] = {}
    for s in stages:
        for v, n in s.ports.items():
            ports_of[v] = max(ports_of.get(v, 0), n)
    for op in module.walk():
        if isinstance(op, hls.AllocaOp):
            t, partition, rom = op.result.type, op.partition, False
        elif isinstance(op, hls.RomOp):
            t, partition, rom = op.result.type, op.partition, True
        else:
            continue
        value = op.result
        owner = next(((lp, s) for lp, s in zip(loops, stages) if value in (s.reads if rom else s.writes)), None)
        if owner is None or not t.get_shape():
            continue  # a scalar accumulator is a wire of the datapath; unused arrays cost nothing
        loop, stage = owner
        n, depth, full = resources.banks(t, partition.data if partition is not None else None)
        w = resources.width(t.get_element_type())
        if rom and value not in ports_of:
            cost = Cost()  # every read is at a constant index: the entries are constants of the logic
        elif full:
            held = registers and not rom and not _in_pipelined_loop(op)
            cost = Cost(ff=n * w) if held else Cost()
        else:
            ports = ports_of.get(value, 0)
            cost = resources.memory(depth, w, n, math.ceil(ports / n), vendor, rom)
        ops[_loop_op(loop)].cost += cost.scaled(_enclosing_copies(op))


def _in_pipelined_loop(op: Operation) -> bool:
    parent = op.parent_op()
    while isinstance(parent, hls.ForOp):
        if parent.pipeline_ii is not None:
            return True
        parent = parent.parent_op()
    return False


def _enclosing_copies(op: Operation) -> int:
    """Copies of an array declared inside unrolled loops (one per copy of the body)."""
    copies = 1
    parent = op.parent_op()
    while isinstance(parent, hls.ForOp):
        copies *= _copies(parent)
        parent = parent.parent_op()
    return copies


def _op_name(label: str) -> str:
    for suffix in ("_init", "_edges", "_nodes"):
        if label.endswith(suffix):
            return label[: -len(suffix)]
    return label


def _stage(loop: hls.ForOp, vendor: str = "amd") -> _Stage:
    name = loop.label.data if loop.label is not None else f"loop{id(loop)}"
    needed = [(mul, round(copies * _nontrivial_fraction(mul))) for mul, copies in _muls(loop, 1)]
    share = 1.0
    rf = loop.pipeline_ii.value.data if loop.mul_limit is not None and loop.pipeline_ii is not None else 1
    if loop.mul_limit is not None:
        # hls-reuse: the loop's products share mul_limit multipliers, the budget
        # ceil(P * M / RF) counting every product in the IR (a zero weight of a dense
        # that is not sparse takes its slot too); fewer when fewer products need one
        share = min(1.0, loop.mul_limit.value.data / max(1, sum(count for _, count in needed)))
    mults = 0
    cost = Cost()
    for mul, count in needed:
        if share < 1.0:
            count = math.ceil(count * share)
        mults += count
        one = resources.multiplier(mul, _constant_operand(mul), vendor)
        cost += one.scaled(count)
        cost += resources.shared_inputs(count, resources.width(mul.lhs.type), resources.width(mul.rhs.type), rf)
    ii = _effective_ii(loop) if loop.pipeline_ii is not None else None
    stage = _Stage(name, _loop_latency(loop), mults, cost, ii)
    stage.cost += _datapath(loop, 1, vendor, stage.ports)
    for op in loop.walk():
        if isinstance(op, hls.LoadOp):
            stage.reads.add(op.memref)
        elif isinstance(op, hls.StoreOp):
            stage.writes.add(op.memref)
    return stage


def _memo_stage(loop: hls.ForOp, vendor: str, memo: dict) -> _Stage:
    """`_stage(loop)`, reused while the loop's directives and its arrays' partitions are unchanged
    (estimate's `memo`: the loop's body is the same object with the same ops)."""
    arrays = memo.get(("arrays", id(loop)))
    if arrays is None:
        seen = {op.memref: None for op in loop.walk() if isinstance(op, hls.LoadOp | hls.StoreOp)}
        arrays = memo[("arrays", id(loop))] = (loop, tuple(seen))  # the loop, kept alive: its id stays its own
    key = ("stage", id(loop), vendor, loop.unroll, loop.pipeline_ii, loop.mul_limit,
           tuple(_partition(a) for a in arrays[1]))
    stage = memo.get(key)
    if stage is None:
        stage = memo[key] = _stage(loop, vendor)
    return stage


def _datapath(op: Operation, copies: int, vendor: str, ports: dict[SSAValue, int]) -> Cost:
    """Everything but the multipliers: adders, selects, casts, table indices, and the
    multiplexers / decoders of accesses at data-dependent rows of register arrays; counts
    the reads per cycle of arrays kept in memories (their ports)."""
    if isinstance(op, hls.ForOp):
        copies *= _copies(op)
        total = Cost()
        for inner in op.body.block.ops:
            total += _datapath(inner, copies, vendor, ports)
        return total
    if isinstance(op, hls.LoadOp | hls.StoreOp):
        return _access(op, vendor, ports, copies).scaled(copies)
    return resources.operation(op, vendor).scaled(copies)


def _access(op: hls.LoadOp | hls.StoreOp, vendor: str, ports: dict[SSAValue, int], copies: int) -> Cost:
    t = op.memref.type
    if not isinstance(t, builtin.MemRefType) or not t.get_shape():
        return Cost()
    n, _, full = resources.banks(t, _partition(op.memref))
    if isinstance(op.memref.owner, hls.RomOp) and all(_static(i) for i in op.indices):
        return Cost()  # a constant once the loops are unrolled: folded into the logic reading it
    if not full:  # a memory: its address port does the selection
        if isinstance(op, hls.LoadOp):
            ports[op.memref] = ports.get(op.memref, 0) + copies
        return Cost()
    w = resources.width(t.get_element_type())
    cost = Cost()
    for dim, index in enumerate(op.indices):
        if _data_index(index):  # a row chosen by data (a node index)
            rows = t.get_shape()[dim]
            cost += resources.mux(rows, w) if isinstance(op, hls.LoadOp) else resources.decoder(rows, w)
    return cost


def _data_index(index: SSAValue) -> bool:
    """Is an index read from data (an edge's node), not from a constant table entry?"""
    cast = index.owner
    if not isinstance(cast, hls.IndexCastOp):
        return False
    load = cast.input.owner
    return not (isinstance(load, hls.LoadOp) and isinstance(load.memref.owner, hls.RomOp)
                and all(_static(i) for i in load.indices))


def _static(index: SSAValue) -> bool:
    """Is an index known at compile time once loops are unrolled (a constant, the variable of a
    fully unrolled loop, or a sum of those)?"""
    owner = index.owner
    if isinstance(owner, hls.ConstantOp):
        return True
    if isinstance(owner, hls.AddOp):
        return _static(owner.lhs) and _static(owner.rhs)
    if isinstance(index, BlockArgument):
        loop = index.block.parent_op()
        return isinstance(loop, hls.ForOp) and _copies(loop) == loop.ub.value.data
    return False


def _partition(memref: SSAValue):
    owner = memref.owner
    if isinstance(owner, hls.AllocaOp | hls.RomOp):
        return owner.partition.data if owner.partition is not None else None
    if isinstance(memref, BlockArgument):
        fn = memref.block.parent_op()
        if isinstance(fn, func.FuncOp) and fn.arg_attrs is not None:
            attr = fn.arg_attrs.data[memref.index].data.get("hls.partition")
            return attr.data if attr is not None else None
    return None


def _constant_operand(mul: hls.MulOp) -> np.ndarray | None:
    """The raw values a product's constant operand takes (a constant, or a ROM's entries)."""
    for operand in (mul.lhs, mul.rhs):
        src = operand.owner
        if isinstance(src, hls.ConstantOp):
            return np.array([src.raw.data], dtype=np.int64)
        if isinstance(src, hls.LoadOp) and isinstance(src.memref.owner, hls.RomOp):
            return np.array(src.memref.owner.data.get_values(), dtype=np.int64)
    return None


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
    if loop.strategy is not None and loop.strategy.data == DA:
        body = ADD_CYCLES * _adder_depth(loop.body.block.ops)
    else:
        body = _body_latency(loop.body.block.ops)
    if loop.mul_limit is not None and loop.pipeline_ii is not None:
        body += loop.pipeline_ii.value.data - 1  # shared multipliers: products over RF cycles
    trips = loop.ub.value.data
    copies = _copies(loop)
    serial = math.ceil(trips / copies)
    fan_in = _fan_in(loop, copies)
    tree = ADD_CYCLES * math.ceil(math.log2(fan_in)) if fan_in > 1 and _accumulates(loop) else 0.0
    if serial == 1:
        return body + tree
    if loop.pipeline_ii is not None:
        return (serial - 1) * _effective_ii(loop) + body + tree
    return serial * body + tree


def _effective_ii(loop: hls.ForOp) -> int:
    """The II HLS achieves: the directive's, or more when unrolled copies of a data-dependent
    read-modify-write (a scatter onto nodes) must be serialised, one per cycle."""
    assert loop.pipeline_ii is not None
    ii = loop.pipeline_ii.value.data
    copies = _copies(loop)
    if copies > 1 and _scatters(loop):
        ii = max(ii, copies)
    return ii


def _scatters(loop: hls.ForOp) -> bool:
    """Does the body update an array (declared outside it) at an index computed from data?"""
    for op in loop.body.walk():
        if isinstance(op, hls.StoreOp) and isinstance(op.value.owner, hls.AddOp | hls.MaxOp | hls.MinOp):
            private = loop.is_ancestor(op.memref.owner) if isinstance(op.memref.owner, Operation) else False
            copies = bool(op.indices) and isinstance(op.indices[0].owner, hls.RemOp)  # hls-reuse's copies
            if not private and not copies and any(isinstance(i.owner, hls.IndexCastOp) for i in op.indices):
                return True
    return False


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


def _adder_depth(ops: Iterable[Operation]) -> int:
    """Adder levels on the longest path through straight-line code (a distributed-arithmetic
    row: alkaid's graph, then the bias): its adders run in parallel where they can."""
    level: dict[SSAValue, int] = {}
    deepest = 0
    for op in ops:
        if not op.results:
            continue
        d = max((level.get(v, 0) for v in op.operands), default=0)
        d += 1 if isinstance(op, hls.AddOp | hls.SubOp | hls.NegOp) else 0
        level[op.results[0]] = d
        deepest = max(deepest, d)
    return deepest


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


def _fan_in(loop: hls.ForOp, copies: int) -> int:
    """Terms per accumulator of an unrolled reduction: the copies, or, when the loop adds
    into a location read from a ROM at its variable (a sparse dense's output index), the
    largest number of the ROM's entries naming one location."""
    if copies < loop.ub.value.data:
        return copies
    for op in loop.body.walk():
        if isinstance(op, hls.StoreOp) and isinstance(op.value.owner, hls.AddOp):
            for index in op.indices:
                cast = index.owner
                load = cast.input.owner if isinstance(cast, hls.IndexCastOp) else None
                if isinstance(load, hls.LoadOp) and isinstance(load.memref.owner, hls.RomOp) \
                        and list(load.indices) == [loop.induction_var]:
                    data = np.array(load.memref.owner.data.get_values(), dtype=np.int64)
                    return int(np.unique(data, return_counts=True)[1].max())
    return copies


def _follows(index: SSAValue, iv: BlockArgument) -> bool:
    if index is iv:
        return True
    owner = index.owner
    return (
        isinstance(owner, hls.AddOp)
        and iv in (owner.lhs, owner.rhs)
        and any(isinstance(v.owner, hls.ConstantOp) for v in (owner.lhs, owner.rhs))
    )
