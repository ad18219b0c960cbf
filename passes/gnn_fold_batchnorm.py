"""gnn-fold-batchnorm: fold eval-mode BatchNorm into the dense layer(s) before it."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from xdsl.context import Context
from xdsl.dialects import builtin
from xdsl.ir import Operation, SSAValue
from xdsl.passes import ModulePass
from xdsl.rewriter import Rewriter

from gnnc.dialects.gnn import AddOp, BatchNormOp, DenseOp, ScaleOp
from gnnc.errors import GnncError
from gnnc.passes._util import dense_attr, dense_values, path_of, single_use


@dataclass(frozen=True)
class GnnFoldBatchNormPass(ModulePass):
    """
    Every `gnn.batch_norm` is y = x * scale + shift with scale = weight / sqrt(variance + eps),
    shift = bias - mean * scale. It disappears into

    * the `gnn.dense` that produces its input, when nothing else reads that dense
      (weights scaled row by row, bias scaled and shifted);
    * both denses of a `gnn.add` of two denses (SAGEConv's lin_l(aggr) + lin_r(x)), when
      nothing else reads the add or the denses (the shift goes into the first bias);
    * otherwise a `gnn.scale` with those constants.

    Runs on the float IR (gnn.batch_norm has no fixed-point form).
    """

    name = "gnn-fold-batchnorm"

    def apply(self, ctx: Context, op: builtin.ModuleOp) -> None:
        for bn in [o for o in op.walk() if isinstance(o, BatchNormOp)]:
            _fold(bn)


def _affine(bn: BatchNormOp) -> tuple[np.ndarray, np.ndarray]:
    var = dense_values(bn.variance) + bn.eps.value.data
    if np.any(var <= 0) or not np.all(np.isfinite(var)):
        raise GnncError(
            f"gnn-fold-batchnorm: {path_of(bn) or 'gnn.batch_norm'}: variance + eps must be "
            "positive and finite in every feature"
        )
    scale = 1.0 / np.sqrt(var)
    if bn.weight is not None:
        scale = scale * dense_values(bn.weight)
    shift = -dense_values(bn.mean) * scale
    if bn.bias is not None:
        shift = shift + dense_values(bn.bias)
    return scale, shift


def _scale_dense(dense: DenseOp, scale: np.ndarray, shift: np.ndarray) -> None:
    w = dense_values(dense.weight)
    dense.weight = dense_attr(w * scale[:, None])
    if dense.bias is None and not np.any(shift):
        return
    b = dense_values(dense.bias) if dense.bias is not None else np.zeros(w.shape[0])
    dense.bias = dense_attr(b * scale + shift)


def _fold(bn: BatchNormOp) -> None:
    scale, shift = _affine(bn)
    x = bn.input
    producer = x.owner
    if isinstance(producer, DenseOp) and single_use(x):
        _scale_dense(producer, scale, shift)
        _replace(bn, x)
        return
    if isinstance(producer, AddOp) and single_use(x):
        denses = [v.owner for v in producer.operands]
        if (
            all(isinstance(d, DenseOp) for d in denses)
            and denses[0] is not denses[1]
            and all(single_use(v) for v in producer.operands)
        ):
            _scale_dense(denses[0], scale, shift)  # type: ignore[arg-type]
            _scale_dense(denses[1], scale, np.zeros_like(shift))  # type: ignore[arg-type]
            _replace(bn, x)
            return
    new = ScaleOp(x, dense_attr(scale), dense_attr(shift))
    path = bn.attributes.get("gnn.path")
    if path is not None:
        new.attributes["gnn.path"] = path
    Rewriter.replace_op(bn, new)


def _replace(op: Operation, value: SSAValue) -> None:
    op.results[0].replace_all_uses_with(value)
    Rewriter.erase_op(op)
