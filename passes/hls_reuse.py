"""hls-reuse: reuse factors and row parallelism per op (how many multipliers, rows per cycle)."""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

from xdsl.context import Context
from xdsl.dialects import builtin, func
from xdsl.dialects.builtin import IndexType, IntegerType, MemRefType
from xdsl.ir import Operation, SSAValue
from xdsl.passes import ModulePass
from xdsl.rewriter import InsertPoint, Rewriter

from gnnc.config import DA
from gnnc.dialects import hls
from gnnc.errors import ConfigError, GnncError
from gnnc.passes._util import hls_top


@dataclass(frozen=True)
class HlsReusePass(ModulePass):
    """
    Trade multipliers and rows per cycle for latency, per op. Runs after hls-parallelize
    (which unrolls everything) and before hls-partition-arrays (which derives the cyclic
    partitions from the unroll factors set here).

    An op is the set of top-level loops with the same `op` name (`path` is its torch module
    path); a per-op key may be either. For each op:

    * reuse factor RF (`reuse-factor` for every op with multiplications, `reuse` per op):
      each multiplier serves RF multiplications. A loop with M multiplications per row
      (n_out * n_in for a dense) is pipelined at II = RF and gets `mul_limit` =
      ceil(P * M / RF) (Vitis: ALLOCATION operation instances=mul); its inner loops stay
      fully unrolled (inside a pipelined loop Vitis unrolls them anyway). RF must divide M;
      otherwise the valid factors are listed (the divisors of M, as hls4ml's rule for io_parallel).
      A sparse dense (convert-gnn-to-hls, M = its nonzero weights) takes any RF from 1 to M:
      its products are one flat list, so the last multiplier may be idle for some cycles;
      the default RF is capped at M for it (a per-op RF above M is an error).
    * parallelism P (`edges` / `nodes` for the op's loops over edges / nodes, `parallelism`
      per op; 0 = all rows, fully parallel): the row loop is unrolled by P and pipelined
      (II = RF), so P rows start every RF cycles. RF > 1 without a P means P = 1.
    * a loop with P > 1 that updates an accumulator at a data-dependent index (a scatter's
      edge loop; degree counts, softmax maxima and sums) gets P accumulator copies
      (`accumulator_copies`; option `copies`, default true): the P edges of a cycle update
      different copies, merged where the result is read.

    When any loop is no longer fully unrolled, the top function loses its PIPELINE: a
    pipelined function unrolls every loop in it, which would undo the reuse. The loops then
    run one after another (the design's II is its latency); every pipelined loop keeps its own
    II. Per-op options are `key=value` pairs separated by `;`.
    """

    name = "hls-reuse"

    reuse_factor: int = 1
    reuse: str = ""
    edges: int = 0
    nodes: int = 0
    parallelism: str = ""
    copies: bool = True

    def apply(self, ctx: Context, op: builtin.ModuleOp) -> None:
        fn = hls_top(op)
        if fn is None:
            raise GnncError(f"{self.name}: needs an hls module (after convert-gnn-to-hls)")
        if self.reuse_factor < 1:
            raise GnncError(f"{self.name}: reuse-factor must be >= 1, got {self.reuse_factor}")
        for key, value in (("edges", self.edges), ("nodes", self.nodes)):
            if value < 0:
                raise GnncError(f"{self.name}: {key} parallelism must be >= 0 (0 = all rows), got {value}")
        loops = [o for o in fn.body.block.ops if isinstance(o, hls.ForOp) and o.op is not None]
        ops: dict[str, list[hls.ForOp]] = {}
        for loop in loops:
            assert loop.op is not None
            ops.setdefault(loop.op.data, []).append(loop)
        reuse = _per_op(self.reuse, "reuse", ops, minimum=1)
        parallel = _per_op(self.parallelism, "parallelism", ops, minimum=0)

        changed = False
        for name, op_loops in ops.items():
            keys = _keys(op_loops)
            rf = next((reuse[k] for k in keys if k in reuse), None)
            explicit_rf = rf is not None
            p_op = next((parallel[k] for k in keys if k in parallel), None)
            mults = [muls_per_row(loop) for loop in op_loops]
            if explicit_rf and rf > 1 and any(loop.strategy is not None and loop.strategy.data == DA for loop in op_loops):
                raise ConfigError(
                    f"reuse_factor.ops: {rf} for {_describe(op_loops)}, whose strategy is "
                    "distributed_arithmetic: alkaid's adder graphs are fully unrolled (each product is its own "
                    "shifts and adds, no multiplier to share); give it reuse factor 1 or strategy latency/resource"
                )
            if explicit_rf and rf > 1 and not any(mults):
                raise GnncError(f"{self.name}: reuse factor {rf} for {_describe(op_loops)}: the op has no multipliers")
            for loop, m in zip(op_loops, mults):
                loop_rf = (rf if explicit_rf else self.reuse_factor) if m else 1
                assert loop_rf is not None
                flat = weight_list(loop)
                if flat and not explicit_rf:
                    loop_rf = min(loop_rf, m)  # a heavily pruned dense: one multiplier for all
                if loop_rf > 1 and (loop_rf > m if flat else m % loop_rf):
                    valid = f"1 to {m}" if flat else ", ".join(str(d) for d in divisors(m))
                    raise GnncError(
                        f"{self.name}: reuse factor {loop_rf} is invalid for {_describe(op_loops)} "
                        f"({m} multiplications per row); valid reuse factors: {valid}"
                    )
                p = p_op if p_op is not None else (self.edges if loop.rows and loop.rows.data == "edges" else self.nodes)
                if p == 0 and loop_rf > 1:
                    p = 1
                ub = loop.ub.value.data
                p = min(p, ub)
                if p == 0 or (p == ub and loop_rf == 1):
                    continue  # fully parallel, as hls-parallelize left it
                loop.unroll = builtin.IntegerAttr(p, 64) if p > 1 else None
                loop.pipeline_ii = builtin.IntegerAttr(loop_rf, 64)
                if p > 1 and self.copies:
                    accumulator_copies(op_loops, loop, p)
                if loop_rf > 1:
                    loop.mul_limit = builtin.IntegerAttr(math.ceil(p * m / loop_rf), 64)
                changed = True
        if changed and "hls.pipeline_ii" in fn.attributes:
            del fn.attributes["hls.pipeline_ii"]


def accumulator_copies(op_loops: list[hls.ForOp], edges: hls.ForOp, p: int) -> bool:
    """P accumulator copies for a scatter whose edge loop runs P edges per cycle.

    An array declared at top level and updated in `edges` at a data-dependent index
    (acc[node][f] = acc[node][f] + v, or max/min, or a count / seen flag) becomes P copies:
    the edges of one cycle (e, e+1, ..., consecutive) update copy e % P, so no two of them
    touch the same copy; every copy is initialised like the original, and the loop reading
    the result merges the copies (sum, or max / min; counts sum, seen flags max). Exact:
    the accumulators are exact (or wrap), so the order of a sum does not matter, and max /
    min are order-free. Applied only when the array is used exactly like that (initialised
    by stores, updated in `edges`, read by loads elsewhere in the op); otherwise the loop keeps
    the single accumulator (HLS then serialises the P updates)."""
    targets: dict[SSAValue, type[Operation]] = {}
    for st in edges.body.walk():
        if not isinstance(st, hls.StoreOp) or not isinstance(st.memref.owner, hls.AllocaOp):
            continue
        if st.memref.owner.parent_op() is not edges.parent_op():
            continue  # private to an iteration
        if not any(isinstance(i.owner, hls.IndexCastOp) for i in st.indices):
            continue  # written at the row itself: no conflict
        combine = st.value.owner
        kind = type(combine) if isinstance(combine, hls.AddOp | hls.MaxOp | hls.MinOp) else hls.MaxOp
        if isinstance(combine, hls.ConstantOp) and not isinstance(st.value.type, IntegerType):
            return False
        targets[st.memref] = kind
    if not targets:
        return False
    inside = {id(o) for loop in op_loops for o in loop.walk()}
    block_ops = list(edges.parent_block().ops)  # type: ignore[union-attr]
    at = block_ops.index(edges)
    for array in targets:
        updates = {tuple(u.operation.indices) for u in array.uses
                   if isinstance(u.operation, hls.StoreOp) and edges.is_ancestor(u.operation)}
        for use in array.uses:
            access = use.operation
            if id(access) not in inside or not isinstance(access, hls.LoadOp | hls.StoreOp):
                return False
            if edges.is_ancestor(access):
                if tuple(access.indices) not in updates:  # not the read of a read-modify-write
                    return False
                continue
            top = access
            while top.parent_op() is not edges.parent_op():
                top = top.parent_op()  # type: ignore[assignment]
                assert top is not None
            before = block_ops.index(top) < at
            if before != isinstance(access, hls.StoreOp):  # init before, reads after, nothing else
                return False
    block = edges.body.block
    first = block.first_op
    assert first is not None
    divisor = hls.ConstantOp(p, IndexType())
    copy = hls.RemOp(edges.induction_var, divisor.result, IndexType())
    Rewriter.insert_op([divisor, copy], InsertPoint.before(first))
    for array, kind in targets.items():
        old = array.owner
        assert isinstance(old, hls.AllocaOp)
        t = old.result.type
        assert isinstance(t, MemRefType)
        new = hls.AllocaOp(MemRefType(t.element_type, [p, *t.get_shape()]), array.name_hint)
        Rewriter.insert_op(new, InsertPoint.before(old))
        for use in list(array.uses):
            access = use.operation
            if edges.is_ancestor(access):
                _reindex(access, new.result, copy.result)
            elif isinstance(access, hls.StoreOp):  # initialisation: every copy
                loop = hls.ForOp(p, None, f"{array.name_hint or 'acc'}_copies", "k")
                loop.unroll = builtin.IntegerAttr(0, 64)
                Rewriter.insert_op(loop, InsertPoint.before(access))
                Rewriter.insert_op(
                    hls.StoreOp(access.value, new.result, [loop.induction_var, *access.indices]),
                    InsertPoint.at_end(loop.body.block),
                )
                Rewriter.erase_op(access)
            else:  # a read of the result: merge the copies
                assert isinstance(access, hls.LoadOp)
                merged: list[Operation] = []
                value: SSAValue | None = None
                for k in range(p):
                    index = hls.ConstantOp(k, IndexType())
                    load = hls.LoadOp(new.result, [index.result, *access.indices])
                    merged += [index, load]
                    if value is None:
                        value = load.result
                    else:
                        combine = kind(value, load.result, access.result.type)
                        merged.append(combine)
                        value = combine.result
                Rewriter.insert_op(merged, InsertPoint.before(access))
                assert value is not None
                access.result.replace_all_uses_with(value)
                Rewriter.erase_op(access)
        Rewriter.erase_op(old)
    return True


def _reindex(access: Operation, array: SSAValue, copy: SSAValue) -> None:
    if isinstance(access, hls.LoadOp):
        new = hls.LoadOp(array, [copy, *access.indices])
        Rewriter.insert_op(new, InsertPoint.before(access))
        access.result.replace_all_uses_with(new.result)
    else:
        assert isinstance(access, hls.StoreOp)
        Rewriter.insert_op(hls.StoreOp(access.value, array, [copy, *access.indices]), InsertPoint.before(access))
    Rewriter.erase_op(access)


def muls_per_row(loop: hls.ForOp) -> int:
    """Multiplications in one iteration of `loop` (inner loops counted by their trip counts)."""
    return sum(_muls(op, 1) for op in loop.body.block.ops)


def _muls(op: Operation, trips: int) -> int:
    if isinstance(op, hls.ForOp):
        return sum(_muls(inner, trips * op.ub.value.data) for inner in op.body.block.ops)
    return trips if isinstance(op, hls.MulOp) else 0


def weight_list(loop: hls.ForOp) -> bool:
    """Does the loop add its products at indices read from a ROM (a sparse dense's list of
    nonzero weights)? Its products are a flat list, so any RF up to their number works:
    ceil(M / RF) multipliers, the last one idle in some of the RF cycles."""
    for st in loop.body.walk():
        if isinstance(st, hls.StoreOp):
            for index in st.indices:
                cast = index.owner
                if isinstance(cast, hls.IndexCastOp) and isinstance(cast.input.owner, hls.LoadOp) \
                        and isinstance(cast.input.owner.memref.owner, hls.RomOp):
                    return True
    return False


def divisors(n: int) -> list[int]:
    return [d for d in range(1, n + 1) if n % d == 0]


def _keys(loops: list[hls.ForOp]) -> list[str]:
    """The names a per-op option may use for an op: its torch path first, then its op name."""
    first = loops[0]
    keys = [first.path.data] if first.path is not None else []
    assert first.op is not None
    return keys + [first.op.data]


def _describe(loops: list[hls.ForOp]) -> str:
    first = loops[0]
    assert first.op is not None
    return f"{first.path.data} ({first.op.data})" if first.path is not None else first.op.data


def _per_op(spec: str, option: str, ops: dict[str, list[hls.ForOp]], minimum: int) -> dict[str, int]:
    """`key=value;key=value` -> {key: value}; keys must name an op (its path or op name)."""
    known = {k for loops in ops.values() for k in _keys(loops)}
    result: dict[str, int] = {}
    for item in _items(spec):
        key, sep, value = item.rpartition("=")
        key = key.strip()
        if not sep or not key or not value.strip().lstrip("-").isdigit():
            raise GnncError(f"hls-reuse: {option}: expected key=integer, got {item!r}")
        number = int(value)
        if number < minimum:
            raise GnncError(f"hls-reuse: {option}: {key} must be >= {minimum}, got {number}")
        if key not in known:
            raise GnncError(
                f"hls-reuse: {option}: {key!r} is not an op of this design; ops: {', '.join(sorted(known))}"
            )
        result[key] = number
    return result


def _items(spec: str) -> Iterable[str]:
    return (s.strip() for s in spec.split(";") if s.strip())
