"""gnn-canonicalize: algebraic clean-ups of the float gnn IR that make the lowering simpler."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from xdsl.context import Context
from xdsl.dialects import builtin
from xdsl.ir import Operation, SSAValue
from xdsl.passes import ModulePass
from xdsl.rewriter import Rewriter

from gnnc.dialects.gnn import (
    ConcatOp,
    DenseOp,
    EdgeSoftmaxOp,
    FeaturesType,
    FixedType,
    LoopMaskOp,
    MulOp,
    RepeatOp,
    ScaleOp,
    TakeOp,
)
from gnnc.errors import GnncError
from gnnc.passes._util import dense_attr, dense_values, single_use


@dataclass(frozen=True)
class GnnCanonicalizePass(ModulePass):
    """
    Rewrites to a fixed point, on the float IR (before gnn-fixed-point, where folding
    constants would change what is rounded):

    * `gnn.scale` of a `gnn.dense` that nothing else reads: folded into the weights and
      bias (a bias add after a linear layer, a constant factor, a BatchNorm turned scale);
    * `gnn.scale` of a `gnn.scale` that nothing else reads: one scale;
    * `gnn.dense` of a `gnn.scale` that nothing else reads: the scale folded into the weights'
      columns and the shift into the bias (a per-head dot product `(x * att).sum(-1)`, a
      constant factor before a linear layer), unless the dense's weights are Brevitas';
    * `gnn.scale` by 1 with no shift (or shift 0): removed;
    * `gnn.mul` by the `gnn.loop_mask` of an edge list of a value that is already 0 on its
      self loops (a product with the weights of a `gnn.edge_softmax` with a root term over the
      same edges, which gives self loops weight 0): removed (GATConv's messages, masked by the
      self-loop rule and weighted by the softmax that replaces the loops);
    * `gnn.concat` of a single value: removed.
    """

    name = "gnn-canonicalize"

    def apply(self, ctx: Context, op: builtin.ModuleOp) -> None:
        _check_float(op)
        changed = True
        while changed:
            changed = False
            for o in list(op.walk()):
                if o.parent is None:  # erased by an earlier rewrite in this sweep
                    continue
                if isinstance(o, ScaleOp):
                    changed |= _scale(o)
                elif isinstance(o, DenseOp):
                    changed |= _dense_of_scale(o)
                elif isinstance(o, MulOp):
                    changed |= _redundant_loop_mask(o)
                elif isinstance(o, ConcatOp) and len(o.inputs) == 1:
                    _replace(o, o.inputs[0])
                    changed = True


def _check_float(module: builtin.ModuleOp) -> None:
    for o in module.walk():
        for v in (*o.results, *(a for r in o.regions for b in r.blocks for a in b.args)):
            if isinstance(v.type, FeaturesType) and isinstance(v.type.element_type, FixedType):
                raise GnncError(
                    "gnn-canonicalize works on the float gnn IR: run it before gnn-fixed-point"
                )


def _vectors(op: ScaleOp, n: int) -> tuple[np.ndarray, np.ndarray]:
    scale = dense_values(op.scale) if op.scale is not None else np.ones(n)
    shift = dense_values(op.shift) if op.shift is not None else np.zeros(n)
    return scale, shift


def _scale(op: ScaleOp) -> bool:
    x = op.input
    n = x.type.num_features  # type: ignore[attr-defined]
    scale, shift = _vectors(op, n)
    if np.all(scale == 1) and not np.any(shift):
        _replace(op, x)
        return True
    producer = x.owner
    if isinstance(producer, DenseOp) and single_use(x):
        w = dense_values(producer.weight)
        producer.weight = dense_attr(w * scale[:, None])
        if producer.bias is not None or np.any(shift):
            b = dense_values(producer.bias) if producer.bias is not None else np.zeros(n)
            producer.bias = dense_attr(b * scale + shift)
        _replace(op, x)
        return True
    if isinstance(producer, ScaleOp) and single_use(x):
        inner_scale, inner_shift = _vectors(producer, n)
        merged_scale = inner_scale * scale
        merged_shift = inner_shift * scale + shift
        producer.scale = dense_attr(merged_scale) if np.any(merged_scale != 1) else None
        producer.shift = dense_attr(merged_shift) if np.any(merged_shift) else None
        if producer.scale is None and producer.shift is None:
            producer.shift = dense_attr(merged_shift)  # y = x: removed on the next sweep
        _replace(op, x)
        return True
    return False


def _dense_of_scale(op: DenseOp) -> bool:
    """W (x * s + t) + b = (W diag(s)) x + (W t + b)."""
    x = op.input
    producer = x.owner
    if not isinstance(producer, ScaleOp) or not single_use(x) or "gnn.quant.weight" in op.attributes:
        return False
    scale, shift = _vectors(producer, x.type.num_features)  # type: ignore[attr-defined]
    w = dense_values(op.weight)
    if np.any(shift):
        b = dense_values(op.bias) if op.bias is not None else np.zeros(w.shape[0])
        op.bias = dense_attr(b + w @ shift)
    op.weight = dense_attr(w * scale[None, :])
    op.operands[0] = producer.input
    Rewriter.erase_op(producer)
    return True


def _zero_on_loops(value: SSAValue, edge_index: SSAValue) -> bool:
    """Whether every self loop's row of an edge value is 0: softmax weights with a root term
    over `edge_index`, copies of them, products with them."""
    op = value.owner
    if isinstance(op, EdgeSoftmaxOp):
        return value is op.result and op.root is not None and op.edge_index is edge_index
    if isinstance(op, RepeatOp | TakeOp):
        return _zero_on_loops(op.input, edge_index)
    if isinstance(op, MulOp):
        return _zero_on_loops(op.lhs, edge_index) or _zero_on_loops(op.rhs, edge_index)
    return False


def _redundant_loop_mask(op: MulOp) -> bool:
    for mask, other in ((op.lhs, op.rhs), (op.rhs, op.lhs)):
        owner = mask.owner
        if isinstance(owner, LoopMaskOp) and other.type == op.result.type and _zero_on_loops(other, owner.edge_index):
            _replace(op, other)
            return True
    return False


def _replace(op: Operation, value: SSAValue) -> None:
    op.results[0].replace_all_uses_with(value)
    Rewriter.erase_op(op)
