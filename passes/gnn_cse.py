"""gnn-cse: common subexpression elimination for gnn functions, across module paths."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from xdsl.context import Context
from xdsl.dialects import builtin, func
from xdsl.ir import Operation
from xdsl.passes import ModulePass
from xdsl.rewriter import Rewriter
from xdsl.traits import Pure

#: Discardable attributes that say where an op came from, not what it computes.
LOCATION_ATTRIBUTES = frozenset({"gnn.path", "gnn.source"})


@dataclass(frozen=True)
class GnnCsePass(ModulePass):
    """
    Replace a pure op by an earlier one of the same name, operands, properties, result
    types and attributes. Unlike xDSL's `cse`, `gnn.path` (the torch module an op came
    from) is ignored, so the same gather or the same GCN normalisation computed by two
    layers becomes one; the survivor is the first and keeps its path. Dead ops are left
    for `dce`.
    """

    name = "gnn-cse"

    def apply(self, ctx: Context, op: builtin.ModuleOp) -> None:
        for fn in op.walk():
            if isinstance(fn, func.FuncOp) and not fn.is_declaration:
                _cse_block(fn)


def _key(op: Operation) -> tuple[Any, ...] | None:
    if not op.has_trait(Pure) or op.regions or not op.results:
        return None
    attrs = tuple(sorted((k, v) for k, v in op.attributes.items() if k not in LOCATION_ATTRIBUTES))
    props = tuple(sorted(op.properties.items()))
    return (op.name, tuple(op.operands), props, attrs, tuple(op.result_types))


def _cse_block(fn: func.FuncOp) -> None:
    seen: dict[tuple[Any, ...], Operation] = {}
    for op in list(fn.body.block.ops):
        key = _key(op)
        if key is None:
            continue
        first = seen.get(key)
        if first is None:
            seen[key] = op
            continue
        for old, new in zip(op.results, first.results):
            old.replace_all_uses_with(new)
        Rewriter.erase_op(op)
