"""hls-partition-arrays: ARRAY_PARTITION directives derived from how arrays are accessed."""

from __future__ import annotations

from dataclasses import dataclass

from xdsl.context import Context
from xdsl.dialects import builtin, func
from xdsl.dialects.builtin import MemRefType
from xdsl.ir import BlockArgument, Operation, SSAValue
from xdsl.passes import ModulePass

from gnnc.dialects import hls


@dataclass(frozen=True)
class HlsPartitionArraysPass(ModulePass):
    """
    For each array dimension, look at the index of every access:

    * the induction variable of a fully unrolled loop -> complete (all elements at once);
    * of a loop unrolled by N -> cyclic N (N banks serve N consecutive iterations);
    * a computed index (a gathered node, a table row) that differs between the copies of an
      unrolled loop (it is computed inside one) -> complete for writable arrays; ROMs are
      left to HLS, which replicates read-only memories;
    * a row buffer a stream reads into or writes from (io: stream) -> complete: a transfer
      moves the whole row at once;
    * a constant index -> complete, so different constants are separate registers;
    * otherwise nothing. Dimensions that all end up complete collapse to `dim 0`.
    """

    name = "hls-partition-arrays"

    def apply(self, ctx: Context, op: builtin.ModuleOp) -> None:
        for fn in op.walk():
            if not isinstance(fn, func.FuncOp) or fn.is_declaration:
                continue
            for arg in fn.args:
                if isinstance(arg.type, MemRefType) and arg.type.get_num_dims():
                    _set_arg_partition(fn, arg, _partition(arg, read_only=False))
            for o in fn.body.walk():
                if isinstance(o, hls.AllocaOp | hls.RomOp) and o.result.type.get_num_dims():
                    parts = _partition(o.result, read_only=isinstance(o, hls.RomOp))
                    o.partition = builtin.ArrayAttr(parts) if parts else None


def _partition(array: SSAValue, read_only: bool) -> list[hls.PartitionAttr]:
    t = array.type
    assert isinstance(t, MemRefType)
    dims = t.get_num_dims()
    needs: list[str | int | None] = [None] * dims  # "complete", cyclic factor, or None
    for use in array.uses:
        access = use.operation
        if isinstance(access, hls.StreamReadOp | hls.StreamWriteOp):
            needs = [_merge(n, "complete") for n in needs]
            continue
        if not isinstance(access, hls.LoadOp | hls.StoreOp):
            continue
        for d, index in enumerate(access.indices):
            needs[d] = _merge(needs[d], _need(index, access, read_only))
    if all(n == "complete" for n in needs):
        return [hls.PartitionAttr("complete", 0)]
    parts = []
    for d, n in enumerate(needs):
        if n == "complete":
            parts.append(hls.PartitionAttr("complete", d + 1))
        elif isinstance(n, int) and n > 1 and t.get_shape()[d] > n:
            parts.append(hls.PartitionAttr("cyclic", d + 1, n))
    return parts


def _need(index: SSAValue, access: Operation, read_only: bool) -> str | int | None:
    if isinstance(index, BlockArgument) and isinstance(index.owner.parent_op(), hls.ForOp):
        loop = index.owner.parent_op()
        assert isinstance(loop, hls.ForOp)
        if loop.unroll is None:
            return None
        factor = loop.unroll.value.data
        return "complete" if factor == 0 or factor >= loop.ub.value.data else factor
    if isinstance(index.owner, hls.ConstantOp):
        return "complete"
    if read_only or not _varies_in_unrolled_loop(index, access):
        return None
    return "complete"


def _varies_in_unrolled_loop(index: SSAValue, access: Operation) -> bool:
    """Whether `index` is computed inside an unrolled loop around `access` (so each unrolled
    copy of the access may touch another element at once)."""
    definer = index.owner if isinstance(index.owner, Operation) else index.owner.parent_op()
    parent = access.parent_op()
    while parent is not None:
        if isinstance(parent, hls.ForOp) and parent.unroll is not None and parent.is_ancestor(definer):
            return True
        parent = parent.parent_op()
    return False


def _merge(a: str | int | None, b: str | int | None) -> str | int | None:
    if a is None:
        return b
    if b is None or a == b:
        return a
    if "complete" in (a, b):
        return "complete"
    return max(a, b)  # two cyclic factors: the larger serves both


def _set_arg_partition(fn: func.FuncOp, arg: BlockArgument, parts: list[hls.PartitionAttr]) -> None:
    if not parts:
        return
    attrs = [dict(d.data) for d in fn.arg_attrs.data] if fn.arg_attrs else [{} for _ in fn.args]
    attrs[arg.index]["hls.partition"] = builtin.ArrayAttr(parts)
    fn.arg_attrs = builtin.ArrayAttr([builtin.DictionaryAttr(a) for a in attrs])
