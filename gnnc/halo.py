"""
Exact halos of output rows: the input node and edge rows every output row depends on.

Walking the gnn function backwards, a row-wise op needs the same rows of its operands, a
gather needs the node at its end of each edge, a scatter needs every edge that ends at each
node (all of them: that is what makes a segment's result exact, not approximate). The
closure of one output row is its k-hop halo for k rounds of message passing.

All output rows are walked at once: the rows needed of each value are (output row, row)
pairs in numpy arrays, so a 20,000-edge graph takes milliseconds, not a Python set per row.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from xdsl.dialects import func
from xdsl.ir import SSAValue

from gnnc.dialects import gnn
from gnnc.emulator import argument_names
from gnnc.errors import GnncError


@dataclass(frozen=True)
class Halos:
    """Per output row (all outputs' rows one after another, from `offsets`), the sorted
    global ids of the nodes and the edges it needs, in CSR form."""

    offsets: np.ndarray  # output k owns rows offsets[k]:offsets[k+1]
    node_ptr: np.ndarray
    node_ids: np.ndarray
    edge_ptr: np.ndarray
    edge_ids: np.ndarray

    @property
    def rows(self) -> int:
        return int(self.offsets[-1])

    def nodes(self, row: int) -> np.ndarray:
        return self.node_ids[self.node_ptr[row] : self.node_ptr[row + 1]]

    def edges(self, row: int) -> np.ndarray:
        return self.edge_ids[self.edge_ptr[row] : self.edge_ptr[row + 1]]


class GraphShape:
    """The edge_index, node and edge counts of one bound input, and the edges at each node."""

    def __init__(self, fn: func.FuncOp, inputs: dict[str, np.ndarray]):
        names = argument_names(fn)
        self.edge_index = next(
            (np.asarray(inputs[n], dtype=np.int64) for n, a in zip(names, fn.args) if isinstance(a.type, gnn.EdgeIndexType)),
            None,
        )
        if self.edge_index is None:
            raise GnncError("graph partitioning needs an edge_index input")
        node_rows = [inputs[n].shape[0] for n, a in zip(names, fn.args) if isinstance(a.type, gnn.NodesType)]
        self.num_nodes = node_rows[0] if node_rows else int(self.edge_index.max(initial=-1)) + 1
        self.num_edges = self.edge_index.shape[1]
        self.incident = {}  # per end: edges sorted by that end's node, and each node's slice
        for end, row in ((gnn.EdgeEnd.SRC, 0), (gnn.EdgeEnd.DST, 1)):
            order = np.argsort(self.edge_index[row], kind="stable")
            bounds = np.searchsorted(self.edge_index[row][order], np.arange(self.num_nodes + 1))
            self.incident[end] = (order, bounds)

    def end_nodes(self, end: gnn.EdgeEndAttr, pairs: tuple[np.ndarray, np.ndarray]):
        """(row, edge) pairs -> (row, node at that end of the edge)."""
        return pairs[0], self.edge_index[0 if end.data == gnn.EdgeEnd.SRC else 1][pairs[1]]

    def edges_at(self, end: gnn.EdgeEnd, pairs: tuple[np.ndarray, np.ndarray]):
        """(row, node) pairs -> (row, edge) for every edge whose `end` is that node."""
        order, bounds = self.incident[end]
        start, count = bounds[pairs[1]], bounds[pairs[1] + 1] - bounds[pairs[1]]
        rows = np.repeat(pairs[0], count)
        within = np.arange(int(count.sum())) - np.repeat(np.cumsum(count) - count, count)
        return rows, order[np.repeat(start, count) + within]


_EMPTY = (np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64))


class _Unique(tuple):
    """(rows, cols) pairs already sorted and unique: passed on as they are."""


def _unique(parts: list[tuple[np.ndarray, np.ndarray]], width: int) -> tuple[np.ndarray, np.ndarray]:
    if not parts:
        return _EMPTY
    if len(parts) == 1 and isinstance(parts[0], _Unique):
        return parts[0]
    keys = np.sort(np.concatenate([r * width + c for r, c in parts]))  # a sort: np.unique hashes, 5x slower here
    keys = keys[np.concatenate([[True], keys[1:] != keys[:-1]])] if keys.size else keys
    return _Unique((keys // width, keys % width))


class _Walk:
    """Rows needed of every value, as lists of (output row, row) pair arrays."""

    def __init__(self, graph: GraphShape):
        self.g = graph
        self.need: dict[SSAValue, list] = {}
        self.edges: list = []

    def width(self, v: SSAValue) -> int:
        return max(self.g.num_nodes if v.type.kind == "nodes" else self.g.num_edges, 1)  # type: ignore[attr-defined]

    def take(self, v: SSAValue):
        return _unique(self.need.get(v, []), self.width(v))

    def add(self, v: SSAValue, pairs) -> None:
        self.need.setdefault(v, []).append(pairs)


# How the rows of one op's results depend on its operands and on edges. Each rule adds the
# operand rows it needs and the edges whose edge_index entries it reads.
def _gather_rule(w: _Walk, op: gnn.GatherOp) -> None:
    rows = w.take(op.result)
    w.add(op.input, w.g.end_nodes(op.end, rows))
    w.edges.append(rows)


def _scatter_rule(w: _Walk, op: gnn.ScatterOp) -> None:
    incoming = w.g.edges_at(op.end.data, w.take(op.result))  # all of them: the sum must be complete
    w.add(op.input, incoming)
    w.edges.append(incoming)


def _degree_rule(w: _Walk, op: gnn.DegreeNormOp) -> None:
    w.edges.append(w.g.edges_at(op.end.data, w.take(op.result)))


def _loop_mask_rule(w: _Walk, op: gnn.LoopMaskOp) -> None:
    w.edges.append(w.take(op.result))


def _softmax_rule(w: _Walk, op: gnn.EdgeSoftmaxOp) -> None:
    # A weight is normalised over every edge that ends at the same node (and its root term).
    rows = w.take(op.result)
    parts = [w.g.end_nodes(op.end, rows)]
    if op.root_result is not None:
        parts.append(w.take(op.root_result))
    targets = _unique(parts, max(w.g.num_nodes, 1))
    group = w.g.edges_at(op.end.data, targets)
    w.add(op.logits, group)
    if op.root is not None:
        w.add(op.root, targets)
    w.edges += [group, rows]


_RULES = {
    gnn.GatherOp: _gather_rule,
    gnn.ScatterOp: _scatter_rule,
    gnn.DegreeNormOp: _degree_rule,
    gnn.LoopMaskOp: _loop_mask_rule,
    gnn.EdgeSoftmaxOp: _softmax_rule,
}


def _row_wise(op) -> bool:
    """Ops whose result row r reads row r of each operand: same kind in and out."""
    kinds = {v.type.kind for v in (*op.operands, *op.results) if isinstance(v.type, gnn.FeaturesType)}
    return len(kinds) == 1 and all(isinstance(v.type, gnn.FeaturesType) for v in op.operands)


def _csr(pairs: tuple[np.ndarray, np.ndarray], rows: int) -> tuple[np.ndarray, np.ndarray]:
    """Sorted, unique (row, id) pairs -> row pointers and ids."""
    return np.searchsorted(pairs[0], np.arange(rows + 1)), pairs[1]


def halos(fn: func.FuncOp, inputs: dict[str, np.ndarray], graph: GraphShape | None = None) -> Halos:
    """The input nodes and edges each output row depends on (and the row itself: a node or edge
    whose output row a segment owns must exist there, even when nothing else needs it)."""
    g = graph or GraphShape(fn, inputs)
    outputs = list(fn.get_return_op().arguments)  # type: ignore[union-attr]
    counts = [g.num_nodes if v.type.kind == "nodes" else g.num_edges for v in outputs]  # type: ignore[attr-defined]
    offsets = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
    w = _Walk(g)
    seeds = {"nodes": [], "edges": []}
    for k, v in enumerate(outputs):
        local = np.arange(counts[k], dtype=np.int64)
        w.add(v, (offsets[k] + local, local))
        seeds[v.type.kind].append((offsets[k] + local, local))  # type: ignore[attr-defined]
    for op in reversed(list(fn.body.block.ops)):
        if isinstance(op, func.ReturnOp) or not any(r in w.need for r in op.results):
            continue
        rule = _RULES.get(type(op))
        if rule is not None:
            rule(w, op)
        elif _row_wise(op):
            rows = w.take(op.results[0])
            for v in op.operands:
                w.add(v, rows)
        else:
            raise GnncError(f"graph partitioning does not know how rows of '{op.name}' depend on its inputs")
    node_parts, edge_parts = list(seeds["nodes"]), list(seeds["edges"]) + w.edges
    for arg in fn.args:
        if isinstance(arg.type, gnn.NodesType):
            node_parts += w.need.get(arg, [])
        elif isinstance(arg.type, gnn.EdgesType):
            edge_parts += w.need.get(arg, [])
    edges = _unique(edge_parts, max(g.num_edges, 1))
    for ends in g.edge_index:  # both endpoints: the segment's edge_index stays valid
        node_parts.append((edges[0], ends[edges[1]]))
    nodes = _unique(node_parts, max(g.num_nodes, 1))
    total = int(offsets[-1])
    return Halos(offsets, *_csr(nodes, total), *_csr(edges, total))
