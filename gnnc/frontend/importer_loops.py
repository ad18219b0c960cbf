"""
The importer's rule for run-time self-loop edits (marks made by frontend/self_loops.py).

* `gnn::drop_loops` masks the edges from a node to itself: a reduction over the edges
  multiplies them by gnn.loop_mask (sum, mean) or leaves them out of the softmax.
* `gnn::self_loops` appends one loop per node. Every value over the E + N edges is a
  LoopedVal: its edge part [E, F] and its loop part [N, F] (a gather of x over the loops
  is x itself). Row-wise ops apply to both parts; a reduction onto the nodes takes the
  loop part as one more term per node (sum: added; mean: counted in the degree; softmax:
  the root term of gnn.edge_softmax). The edge list never grows.
* `gnn::loop_values(edge_attr, loop_attr)` is add_self_loops' edge_attr: a LoopedVal whose
  loop part is a per-node value (`gnn::loop_fill`: a constant; or a scatter of edge_attr).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from typing import Any

from torch import fx
from xdsl.dialects.builtin import StringAttr
from xdsl.ir import SSAValue

from gnnc.dialects import gnn
from gnnc.frontend.importer import (
    EdgeIndexVal,
    LoopedIndexVal,
    LoopedRowVal,
    QUANT_RESULT,
    LoopedVal,
    _expr as expr,
    _features as features,
    _Importer,
    _kind as kind,
    _Unsupported as Unsupported,
)


def _part(value: Any, which: str) -> Any:
    """The edge part or the loop part of every LoopedVal in value."""
    if isinstance(value, LoopedVal):
        return value.edges if which == "edges" else value.loops
    if isinstance(value, (list, tuple)):
        return type(value)(_part(v, which) for v in value)
    if isinstance(value, dict):
        return {k: _part(v, which) for k, v in value.items()}
    return value


def _plain_graph_values(value: Any) -> list[SSAValue]:
    if isinstance(value, (list, tuple)):
        return [v for x in value for v in _plain_graph_values(x)]
    if isinstance(value, dict):
        return [v for x in value.values() for v in _plain_graph_values(x)]
    return [value] if features(value) is not None else []


def _index_parts(value: Any) -> bool:
    if isinstance(value, (list, tuple)):
        return any(_index_parts(v) for v in value)
    if isinstance(value, dict):
        return any(_index_parts(v) for v in value.values())
    return isinstance(value, (LoopedIndexVal, LoopedRowVal))


class SelfLoopRules:
    """The importer's handlers of edited edge lists (one per _Importer)."""

    def __init__(self, importer: _Importer):
        self.im = importer

    def handlers(self) -> dict[str, Callable[..., Any]]:
        """The marks, on a plain edge_index."""
        return {"gnn::drop_loops": self._drop_loops, "gnn::self_loops": self._self_loops,
                "gnn::loop_values": self._loop_values, "gnn::loop_fill": self._loop_fill}

    @contextlib.contextmanager
    def _free_rows(self) -> Iterator[None]:
        """While emitting ops whose torch value has E + N rows (the parts of a LoopedVal)."""
        saved, self.im.rows_free = self.im.rows_free, True
        try:
            yield
        finally:
            self.im.rows_free = saved

    # ------------------------------------------------------------ the marks

    def _drop_loops(self, node: fx.Node, edge_index: Any) -> LoopedIndexVal:
        self.im.loop_drops.append(self.im.describe(node))  # for the self-loop probe (loop_probe.py)
        if isinstance(edge_index, EdgeIndexVal):
            return LoopedIndexVal(edge_index, drop=True, loops=False)
        if isinstance(edge_index, LoopedIndexVal):  # the added loops go again, and the others
            return LoopedIndexVal(edge_index.edge_index, drop=True, loops=False)
        raise Unsupported(f"removing the self loops of {kind(edge_index)}")

    def _self_loops(self, node: fx.Node, edge_index: Any, num_nodes: Any) -> LoopedIndexVal:
        if self.im.n_nodes is None or expr(num_nodes) != self.im.n_nodes:
            raise Unsupported("adding self loops for a node count other than the graph's (num_nodes=x.size(0))")
        if isinstance(edge_index, EdgeIndexVal):
            return LoopedIndexVal(edge_index, drop=False, loops=True)
        if isinstance(edge_index, LoopedIndexVal) and not edge_index.loops:
            return LoopedIndexVal(edge_index.edge_index, drop=edge_index.drop, loops=True)
        raise Unsupported(f"adding self loops to {kind(edge_index)} (two loops per node)")

    def _loop_values(self, node: fx.Node, edges: Any, loops: Any) -> LoopedVal:
        """add_self_loops' edge_attr: the E edges' values and the loops' (per-node) values."""
        te, tl = features(edges), features(loops)
        if te is None or tl is None or te.kind != "edges" or tl.kind != "nodes" or (
            te.num_features != tl.num_features
        ):
            raise Unsupported(f"self-loop values {kind(loops)} for {kind(edges)}")
        return LoopedVal(edges, loops)

    def _loop_fill(self, node: fx.Node, edges: Any, num_nodes: Any, fill: list[float]) -> SSAValue:
        """A constant per node (fill_value=number): a take of no feature of a node input, shifted."""
        import torch

        if self.im.n_nodes is None or expr(num_nodes) != self.im.n_nodes:
            raise Unsupported("self-loop values for a node count other than the graph's (num_nodes=x.size(0))")
        rows = next((a for a in self.im.block.args if isinstance(a.type, gnn.NodesType)), None)
        if rows is None:
            raise Unsupported("a constant fill_value for the self loops of a model without a node input")
        zeros = self._emit_free(node, gnn.TakeOp(rows, [-1] * len(fill)))
        return self.im._scale(node, zeros, None, torch.tensor(fill, dtype=torch.float64))

    # -------------------------------------------------------- the dispatch

    def dispatch(self, node: fx.Node, name: str, args: tuple, kwargs: dict) -> Any:
        """An op with an edited edge list, or a value over one, among its arguments."""
        rule = {
            "gnn::drop_loops": self._drop_loops,
            "gnn::self_loops": self._self_loops,
            "aten::select": self._looped_select,
            "aten::unbind": self._looped_unbind,
            "aten::index_select": self._looped_index_select,
            "aten::index": self._looped_index,
            "gnn::scatter": self._looped_scatter,
            "gnn::edge_softmax": self._looped_softmax,
            "gnn::degree": self._looped_degree,
        }.get(name)
        if rule is not None:
            return rule(node, *args, **kwargs)
        if name in ("aten::clone", "aten::contiguous", "aten::alias", "aten::detach") and isinstance(
            args[0], (LoopedIndexVal, LoopedRowVal)
        ):
            return args[0]
        return self._rowwise(node, name, args, kwargs)

    def _rowwise(self, node: fx.Node, name: str, args: tuple, kwargs: dict) -> Any:
        """A row-wise op on values over E + N edges: the same op on the edge and the loop parts."""
        if _index_parts((args, kwargs)):
            raise Unsupported(
                f"{name} of {kind(next(a for a in args if isinstance(a, (LoopedIndexVal, LoopedRowVal))))}: "
                "an edited edge list can only be gathered from, scattered and softmaxed over"
            )
        plain = _plain_graph_values((args, kwargs))
        if plain:
            raise Unsupported(
                f"{kind(plain[0])} combined with a value over the edges and the added self loops "
                "(E + N rows)"
            )
        with self._free_rows():
            edges = self.im._dispatch(node, name, _part(args, "edges"), _part(kwargs, "edges"))
            loops = self.im._dispatch(node, name, _part(args, "loops"), _part(kwargs, "loops"))
        if isinstance(edges, tuple) and isinstance(loops, tuple):
            return tuple(self._pair(e, n) for e, n in zip(edges, loops, strict=True))
        return self._pair(edges, loops)

    @staticmethod
    def _pair(edges: Any, loops: Any) -> LoopedVal:
        if features(edges) is None or features(loops) is None:
            raise Unsupported(f"a value over the edges and the added self loops that becomes {kind(edges)}")
        return LoopedVal(edges, loops)

    def _looped_degree(self, node: fx.Node, index: Any, num_nodes: Any) -> SSAValue:
        """utils.degree of an edited row: the kept edges (loops masked), plus the added loop."""
        if not isinstance(index, LoopedRowVal):
            raise Unsupported(f"degree of {kind(index)}: only of edge_index[0] / [1]")
        return self.im.edge_count(node, index.row, num_nodes, skip_loops=index.index.drop,
                                  plus_one=index.index.loops)

    # ----------------------------------------------------------- the rows

    def _looped_select(self, node: fx.Node, t: Any, dim: int, index: int) -> LoopedRowVal:
        if not isinstance(t, LoopedIndexVal):
            raise Unsupported(f"selecting one column or row of {kind(t)}")
        return LoopedRowVal(self.im._select(node, t.edge_index, dim, index).end, t)

    def _looped_unbind(self, node: fx.Node, t: Any, dim: int = 0) -> tuple[LoopedRowVal, LoopedRowVal]:
        if not isinstance(t, LoopedIndexVal) or dim not in (0, -2):
            raise Unsupported(f"unbinding {kind(t)}: only `src, dst = edge_index` is supported")
        return (LoopedRowVal(gnn.EdgeEnd.SRC, t), LoopedRowVal(gnn.EdgeEnd.DST, t))

    def _looped_index_select(self, node: fx.Node, x: Any, dim: int, index: Any) -> Any:
        if not isinstance(index, LoopedRowVal) or isinstance(x, LoopedVal):
            raise Unsupported(f"indexing {kind(x)} with {kind(index)}")
        if not index.index.loops:  # only a mask: the E edges as they are
            return self.im._index_select(node, x, dim, index.row)
        with self._free_rows():
            edges = self.im._index_select(node, x, dim, index.row)
        return LoopedVal(edges, x)  # node n's loop reads x[n]

    def _looped_index(self, node: fx.Node, x: Any, indices: Any) -> Any:
        if len(indices) != 1:
            raise Unsupported("advanced indexing other than x[edge_index[k]]")
        return self._looped_index_select(node, x, 0, indices[0])

    # ----------------------------------------------------- the reductions

    def _emit_free(self, node: fx.Node, op: Any) -> SSAValue:
        """An op of a rule's own (no torch value to check its shape against)."""
        return self.im._emit_free(node, op)

    def _looped_scatter(self, node: fx.Node, src: Any, index: Any, dim: int, dim_size: Any,
                        reduce: str) -> SSAValue:
        from gnnc.frontend.ops import canonical_reduce

        if not isinstance(index, LoopedRowVal):
            raise Unsupported(f"scatter of {kind(src)} indexed by {kind(index)}")
        edited = index.index
        if edited.loops != isinstance(src, LoopedVal):
            raise Unsupported(f"scatter of {kind(src)} indexed by {kind(index)}")
        reduce_ = canonical_reduce(reduce)
        if reduce_ == "mean" and edited.loops and not edited.drop:
            raise Unsupported(f"mean aggregation over {kind(edited)} (supported: with the loops both "
                              "removed and added, as add_remaining_self_loops does, or only removed)")
        edges = src.edges if isinstance(src, LoopedVal) else src
        if reduce_ in ("max", "min"):
            return self._extreme(node, edges, src, index, dim, dim_size, reduce_)
        ei = edited.edge_index.value
        if edited.drop:
            edges = self._masked(node, edges, ei)
        with self._free_rows():
            out = self.im._scatter(node, edges, index.row, dim, dim_size, "sum")
        if isinstance(src, LoopedVal):
            out = self._emit_free(node, gnn.AddOp(out, src.loops))
        if reduce_ == "mean" and edited.loops:  # 1 / (edges without loops + 1) = degree_norm(add_self_loops)^2
            dinv = self._emit_free(node, gnn.DegreeNormOp(index.end, ei, True))
            out = self._emit_free(node, gnn.MulOp(out, self._emit_free(node, gnn.MulOp(dinv, dinv))))
        elif reduce_ == "mean":  # over the kept edges only (add_self_loops' fill_value='mean')
            recip = self._emit_free(node, gnn.DegreeNormOp(index.end, ei, False, drop_self_loops=True,
                                                           reciprocal=True))
            out = self._emit_free(node, gnn.MulOp(out, recip))
        return out

    def _masked(self, node: fx.Node, edges: SSAValue, ei: SSAValue, keep_type: bool = False) -> SSAValue:
        """The edge values with the self loops' rows zeroed (gnn.loop_mask); keep_type: in their type."""
        op = gnn.MulOp(edges, self._emit_free(node, gnn.LoopMaskOp(ei)))
        if keep_type:
            op.attributes[QUANT_RESULT] = StringAttr("inherit")
        return self._emit_free(node, op)

    def _extreme(self, node: fx.Node, edges: SSAValue, src: Any, index: LoopedRowVal, dim: int,
                 dim_size: Any, reduce_: str) -> SSAValue:
        """
        max over a node's kept edges and its loop b:  b + max over the edges of relu(a_e - b)
        (0 when no edge is left, so the loop alone), and min:  b - max of relu(b - a_e). A
        masked edge gives 0, which never wins over that. Without added loops (loops removed
        only, as add_self_loops' fill_value='max' after remove_self_loops): b is the min (for
        max) over all of the node's edges, masked or not, which no kept edge is below, and the
        result is multiplied by "has a kept edge" (the max of the loop mask), PyG's 0 otherwise.

        In fixed point a - b needs one more integer bit than a and b (31.9 - (-32) does not fit
        fixed<16,6>): the difference gets its exact type ("exact") and relu, the mask and the
        max keep it ("inherit"), so only the final b + top is cast, and it is one of the
        values reduced.
        """
        edited = index.index
        ei = edited.edge_index.value
        if isinstance(src, LoopedVal):
            base, kept = src.loops, None
        else:  # edited.drop: a LoopedRowVal without loops is a mask
            other = "min" if reduce_ == "max" else "max"
            with self._free_rows():
                base = self.im._scatter(node, edges, index.row, dim, dim_size, other)
            mask = self._emit_free(node, gnn.LoopMaskOp(ei))
            kept = self._emit_free(node, gnn.ScatterOp(gnn.Reduce.MAX, index.end, mask, ei))
        at = self._emit_free(node, gnn.GatherOp(index.end, base, ei))  # b at each edge's end
        diff = gnn.SubOp(edges, at) if reduce_ == "max" else gnn.SubOp(at, edges)
        diff.attributes[QUANT_RESULT] = StringAttr("exact")
        relu = gnn.ActivationOp(gnn.ActivationFn.RELU, self._emit_free(node, diff))
        relu.attributes[QUANT_RESULT] = StringAttr("inherit")
        excess = self._emit_free(node, relu)
        if edited.drop:
            excess = self._masked(node, excess, ei, keep_type=True)
        with self._free_rows():
            top = self.im._scatter(node, excess, index.row, dim, dim_size, "max")
        op = gnn.AddOp(base, top) if reduce_ == "max" else gnn.SubOp(base, top)
        out = self._emit_free(node, op)
        return out if kept is None else self._emit_free(node, gnn.MulOp(out, kept))

    def _looped_softmax(self, node: fx.Node, src: Any, index: Any, num_nodes: Any) -> LoopedVal:
        if not isinstance(index, LoopedRowVal) or not isinstance(src, LoopedVal):
            raise Unsupported(f"softmax of {kind(src)} grouped by {kind(index)}")
        edited = index.index
        if not edited.drop:
            raise Unsupported(
                f"softmax over {kind(edited)}: the loops already in edge_index would count twice; "
                "remove them first (remove_self_loops) as GATConv and GATv2Conv do"
            )
        if self.im.n_nodes is None or expr(num_nodes) != self.im.n_nodes:
            raise Unsupported("softmax with num_nodes other than the graph's node count")
        op = gnn.EdgeSoftmaxOp(index.end, src.edges, edited.edge_index.value, src.loops)
        self._emit_free(node, op)
        assert op.root_result is not None
        return LoopedVal(op.result, op.root_result)

