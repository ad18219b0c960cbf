"""gnn-split-edge-dense: compute the node parts of an edge MLP's first dense per node, then gather."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from xdsl.context import Context
from xdsl.dialects import builtin
from xdsl.ir import Operation, SSAValue
from xdsl.passes import ModulePass
from xdsl.rewriter import Rewriter

from gnnc.dialects import gnn
from gnnc.fixed import quantize, raw_range
from gnnc.passes._util import dense_attr, dense_values


@dataclass(frozen=True)
class GnnSplitEdgeDensePass(ModulePass):
    """
    `dense(concat[gather(x_a), gather(x_b), ..., e, ...])` over edges becomes

        sum over node parts k:  gather_k(dense(x_k, W_k))   (per node: N rows)
      + dense(concat[edge parts], W_e, bias)                 (per edge)

    with W_k the columns of W that read part k. Multiplications of the layer drop from
    E * (sum of all part widths) * H to N * (node part widths) * H + E * (edge widths) * H.

    Runs on fixed-point IR (after gnn-fixed-point). Bit-identical to the original: every
    partial result has the dense's accumulator type, and the adds between them are exact,
    so the only rounding is the final add's cast to the dense's result type — the cast the
    dense did. The rewrite is applied only when that holds: the concat casts nothing (its
    inputs have its element type) and the accumulator holds every partial sum exactly
    (|bias| + sum |W| * max|x| fits; true for the default exact accumulators). Ops it makes
    keep the dense's `gnn.path`.
    """

    name = "gnn-split-edge-dense"

    def apply(self, ctx: Context, op: builtin.ModuleOp) -> None:
        for dense in [o for o in op.walk() if isinstance(o, gnn.DenseOp)]:
            _split(dense)


def _split(dense: gnn.DenseOp) -> bool:
    concat = dense.input.owner
    if not isinstance(concat, gnn.ConcatOp) or not isinstance(dense.result.type, gnn.EdgesType):
        return False
    out_elem = dense.result.type.element_type
    acc_t = dense.accum_type
    if not isinstance(out_elem, gnn.FixedType) or acc_t is None or dense.weight_type is None:
        return False
    cat_elem = concat.result.type.element_type  # type: ignore[attr-defined]
    if any(v.type.element_type != cat_elem for v in concat.inputs):  # type: ignore[attr-defined]
        return False  # the concat would cast a part
    parts = list(concat.inputs)
    gathered = [isinstance(p.owner, gnn.GatherOp) for p in parts]
    if not any(gathered) or not _exact(dense, cat_elem):
        return False

    w = dense_values(dense.weight)
    bias = dense.bias
    path = dense.attributes.get("gnn.path")
    h = dense.out_features
    new: list[Operation] = []
    terms: list[SSAValue] = []

    def make_dense(x: SSAValue, cols: np.ndarray, with_bias: bool) -> SSAValue:
        t = x.type
        assert isinstance(t, gnn.FeaturesType)
        props = {"weight": dense_attr(cols), "weight_type": dense.weight_type, "accum_type": acc_t}
        if with_bias and bias is not None:
            props["bias"] = bias
            assert dense.bias_type is not None
            props["bias_type"] = dense.bias_type
        d = gnn.DenseOp.create(operands=[x], result_types=[type(t)(h, acc_t)], properties=props)
        if path is not None:
            d.attributes["gnn.path"] = path
        new.append(d)
        return d.result

    offset, edge_parts, edge_cols = 0, [], []
    bias_placed = False
    for part, is_gather in zip(parts, gathered):
        width = part.type.num_features  # type: ignore[attr-defined]
        cols = w[:, offset : offset + width]
        offset += width
        if is_gather:
            g = part.owner
            assert isinstance(g, gnn.GatherOp)
            per_node = make_dense(g.input, cols, with_bias=False)
            gather = gnn.GatherOp(g.end.data, per_node, g.edge_index)
            new.append(gather)
            terms.append(gather.result)
        else:
            edge_parts.append(part)
            edge_cols.append(cols)
    if edge_parts:
        e = edge_parts[0]
        if len(edge_parts) > 1:
            cat = gnn.ConcatOp(edge_parts)
            new.append(cat)
            e = cat.result
        terms.append(make_dense(e, np.concatenate(edge_cols, axis=1), with_bias=True))
        bias_placed = True
    if not bias_placed and bias is not None:
        # no edge part: the bias goes on the first node part (exact either way)
        first = new[0]
        assert isinstance(first, gnn.DenseOp)
        first.properties["bias"] = bias
        assert dense.bias_type is not None
        first.properties["bias_type"] = dense.bias_type
    total = terms[0]
    for k, term in enumerate(terms[1:], start=2):
        last = k == len(terms)
        add = gnn.AddOp.create(
            operands=[total, term],
            result_types=[dense.result.type if last else gnn.EdgesType(h, acc_t)],
        )
        new.append(add)
        total = add.result
    if len(terms) == 1:  # a single gathered part: its per-node dense result still needs the cast
        return False
    Rewriter.insert_op(new, _before(dense))
    dense.result.replace_all_uses_with(total)
    Rewriter.erase_op(dense)
    if not list(concat.result.uses):
        Rewriter.erase_op(concat)
        for p in parts:
            owner = p.owner
            if isinstance(owner, gnn.GatherOp) and not list(owner.result.uses):
                Rewriter.erase_op(owner)
    return True


def _before(op: Operation):
    from xdsl.rewriter import InsertPoint

    return InsertPoint.before(op)


def _exact(dense: gnn.DenseOp, in_t: gnn.FixedType) -> bool:
    """Does the accumulator hold |bias| + sum |w| * max |x| (every partial sum) without overflow?"""
    acc_t, w_t = dense.accum_type, dense.weight_type
    assert acc_t is not None and w_t is not None
    lo, hi = raw_range(in_t)
    x_max = max(abs(lo), abs(hi)) * 2.0 ** -in_t.f
    w_raw = quantize(dense_values(dense.weight), w_t).astype(np.float64) * 2.0 ** -w_t.f
    bound = np.abs(w_raw).sum(axis=1) * x_max
    if dense.bias is not None:
        assert dense.bias_type is not None
        b = quantize(dense_values(dense.bias), dense.bias_type).astype(np.float64) * 2.0 ** -dense.bias_type.f
        bound = bound + np.abs(b)
    a_lo, a_hi = raw_range(acc_t)
    return bool((bound <= min(-a_lo, a_hi) * 2.0 ** -acc_t.f).all()) and acc_t.f >= in_t.f + w_t.f
