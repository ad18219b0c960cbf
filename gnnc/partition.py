"""
Lossless graph partitioning: run graphs larger than a design's capacity in segments.

Every output row (a node or an edge of a result) depends on a set of input rows, found by
walking the gnn function backwards: a row-wise op needs the same rows of its operands, a
gather needs the node at its end of each edge, a scatter needs every edge that ends at
each node (all of them: that is what makes the result exact, not approximate). The
closure of one output row is its k-hop halo for k rounds of message passing.

Segments are built greedily: output rows in breadth-first order of the graph (neighbours
share most of their halo), each added to the current segment while the union of halos
fits `max_nodes` x `max_edges`. A segment is the subgraph of its halo nodes and edges
(both endpoints of every edge are kept, so its edge_index is valid); running the design
on it gives exactly the whole-graph values on the rows it owns, because every value those
rows depend on sees the same inputs in the same exact arithmetic.

A model with a readout (graph-level rows) is never split inside a graph: a graph-level
value depends on every node of its graph. Its segments are runs of whole graphs of the
batch (at most max_graphs of them, within max_nodes x max_edges); one graph larger than
the capacity is an error (`graph_segments`).
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

import numpy as np
from xdsl.dialects import builtin, func
from xdsl.ir import SSAValue

from gnnc.dialects import gnn
from gnnc.emulator import argument_names, top_function
from gnnc.errors import GnncError


@dataclass
class Segment:
    """A piece of a graph: global ids of its nodes and edges, and the output rows it owns."""

    nodes: np.ndarray
    edges: np.ndarray
    owned: list[np.ndarray] = field(default_factory=list)  # per output: global row ids
    graphs: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))  # whole graphs held (readout)

    @property
    def size(self) -> tuple[int, int]:
        return len(self.nodes), len(self.edges)


@dataclass(frozen=True)
class _Rows:
    """Rows needed of every value, as sets of global ids."""

    nodes: frozenset[int]
    edges: frozenset[int]


class _Graph:
    def __init__(self, fn: func.FuncOp, inputs: dict[str, np.ndarray]):
        self.fn = fn
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
        # edges ending at each node, per end: a scatter needs all of them
        self.incident = {}
        for end, row in ((gnn.EdgeEnd.SRC, 0), (gnn.EdgeEnd.DST, 1)):
            order = np.argsort(self.edge_index[row], kind="stable")
            bounds = np.searchsorted(self.edge_index[row][order], np.arange(self.num_nodes + 1))
            self.incident[end] = (order, bounds)

    def edges_at(self, end: gnn.EdgeEnd, nodes: set[int]) -> set[int]:
        order, bounds = self.incident[end]
        out: set[int] = set()
        for n in nodes:
            out.update(order[bounds[n] : bounds[n + 1]].tolist())
        return out

    def closure(self, seeds: dict[SSAValue, set[int]]) -> _Rows:
        """Input node and edge rows that the seed rows of the given values depend on.

        The seed rows themselves belong to the segment too: a node or edge whose output row
        a segment owns must exist there, even when nothing else needs it (an isolated node)."""
        need: dict[SSAValue, set[int]] = {v: set(r) for v, r in seeds.items()}
        nodes: set[int] = set()
        edges: set[int] = set()
        for v, rows in seeds.items():
            (nodes if v.type.kind == "nodes" else edges).update(rows)  # type: ignore[attr-defined]
        for op in reversed(list(self.fn.body.block.ops)):
            if isinstance(op, func.ReturnOp) or not any(need.get(r) for r in op.results):
                continue
            rule = _RULES.get(type(op))
            if rule is not None:
                edges |= rule(self, op, need)
            elif _row_wise(op):
                rows = need[op.results[0]]
                for v in op.operands:
                    _add(need, v, rows)
            else:
                raise GnncError(f"graph partitioning does not know how rows of '{op.name}' depend on its inputs")
        for arg in self.fn.args:
            rows = need.get(arg, set())
            if isinstance(arg.type, gnn.NodesType):
                nodes |= rows
            elif isinstance(arg.type, gnn.EdgesType):
                edges |= rows
        if edges:
            ends = self.edge_index[:, sorted(edges)]
            nodes |= set(ends.ravel().tolist())  # both endpoints: the segment's edge_index stays valid
        return _Rows(frozenset(nodes), frozenset(edges))


# How the rows of one op's results depend on its operands and on edges. Each rule adds the
# operand rows it needs to `need` and returns the edges whose edge_index entries it reads.
def _gather_rule(g: _Graph, op: gnn.GatherOp, need) -> set[int]:
    rows = need[op.result]
    _add(need, op.input, set(g.edge_index[_end_row(op.end)][sorted(rows)].tolist()))
    return set(rows)


def _scatter_rule(g: _Graph, op: gnn.ScatterOp, need) -> set[int]:
    incoming = g.edges_at(op.end.data, need[op.result])  # all of them: the sum must be complete
    _add(need, op.input, incoming)
    return incoming


def _degree_rule(g: _Graph, op: gnn.DegreeNormOp, need) -> set[int]:
    return g.edges_at(op.end.data, need[op.result])


def _loop_mask_rule(g: _Graph, op: gnn.LoopMaskOp, need) -> set[int]:
    return set(need[op.result])


def _softmax_rule(g: _Graph, op: gnn.EdgeSoftmaxOp, need) -> set[int]:
    # A weight is normalised over every edge that ends at the same node (and its root term).
    targets = set(need.get(op.root_result, set())) if op.root_result is not None else set()
    rows = need.get(op.result, set())
    targets |= set(g.edge_index[_end_row(op.end)][sorted(rows)].tolist())
    group = g.edges_at(op.end.data, targets)
    _add(need, op.logits, group)
    if op.root is not None:
        _add(need, op.root, targets)
    return group | set(rows)


_RULES = {
    gnn.GatherOp: _gather_rule,
    gnn.ScatterOp: _scatter_rule,
    gnn.DegreeNormOp: _degree_rule,
    gnn.LoopMaskOp: _loop_mask_rule,
    gnn.EdgeSoftmaxOp: _softmax_rule,
}


def _add(need: dict[SSAValue, set[int]], v: SSAValue, rows: set[int]) -> None:
    need.setdefault(v, set()).update(rows)


def _end_row(end: gnn.EdgeEndAttr) -> int:
    return 0 if end.data == gnn.EdgeEnd.SRC else 1


def _row_wise(op) -> bool:
    """Ops whose result row r reads row r of each operand: same kind in and out."""
    kinds = {v.type.kind for v in (*op.operands, *op.results) if isinstance(v.type, gnn.FeaturesType)}
    return len(kinds) == 1 and all(isinstance(v.type, gnn.FeaturesType) for v in op.operands)


def _bfs_rank(graph: _Graph) -> np.ndarray:
    """Breadth-first visiting order of nodes over undirected edges: neighbours get near ranks."""
    n = graph.num_nodes
    adjacency: list[list[int]] = [[] for _ in range(n)]
    for s, d in graph.edge_index.T.tolist():
        adjacency[s].append(d)
        adjacency[d].append(s)
    rank = np.full(n, -1, dtype=np.int64)
    counter = 0
    for start in range(n):
        if rank[start] >= 0:
            continue
        rank[start] = counter
        counter += 1
        queue = deque([start])
        while queue:
            for nb in adjacency[queue.popleft()]:
                if rank[nb] < 0:
                    rank[nb] = counter
                    counter += 1
                    queue.append(nb)
    return rank


def has_readout(module: builtin.ModuleOp) -> bool:
    return any(isinstance(op, gnn.ReadoutOp) for op in top_function(module).walk())


def graph_numbers(module: builtin.ModuleOp, inputs: dict[str, np.ndarray], num_nodes: int) -> np.ndarray:
    """The graph of every node: the batch input, or all 0 (one graph)."""
    fn = top_function(module)
    for name, arg in zip(argument_names(fn), fn.args):
        if isinstance(arg.type, gnn.BatchType):
            return np.asarray(inputs[name], dtype=np.int64).reshape(-1)
    return np.zeros(num_nodes, dtype=np.int64)


def graph_segments(module: builtin.ModuleOp, inputs: dict[str, np.ndarray], max_nodes: int, max_edges: int,
                   max_graphs: int) -> list[Segment]:
    """Runs of whole graphs (in graph order) that fit the capacity, for a model with a readout."""
    fn = top_function(module)
    graph = _Graph(fn, inputs)
    batch = graph_numbers(module, inputs, graph.num_nodes)
    n_graphs = int(batch.max()) + 1 if batch.size else 0
    ei = graph.edge_index if graph.edge_index is not None else np.zeros((2, 0), dtype=np.int64)
    joins = np.flatnonzero(batch[ei[0]] != batch[ei[1]]) if ei.size else np.zeros(0, dtype=np.int64)
    if joins.size:
        e = int(joins[0])
        raise GnncError(f"edge {e} joins graph {int(batch[ei[0, e]])} and graph {int(batch[ei[1, e]])} of the "
                        "batch: an edge must stay inside its graph")
    node_graph_order = np.argsort(batch, kind="stable")
    edge_graph = batch[ei[1]] if ei.size else np.zeros(0, dtype=np.int64)
    edge_order = np.argsort(edge_graph, kind="stable")
    nodes_per = np.bincount(batch, minlength=n_graphs)
    edges_per = np.bincount(edge_graph, minlength=n_graphs)
    node_start = np.concatenate([[0], np.cumsum(nodes_per)])
    edge_start = np.concatenate([[0], np.cumsum(edges_per)])
    outputs = list(fn.get_return_op().arguments)  # type: ignore[union-attr]
    segments: list[Segment] = []
    first = 0
    while first < n_graphs:
        last = first
        while (last < n_graphs and last - first < max_graphs
               and node_start[last + 1] - node_start[first] <= max_nodes
               and edge_start[last + 1] - edge_start[first] <= max_edges):
            last += 1
        if last == first:
            raise GnncError(
                f"graph {first} of the batch has {int(nodes_per[first])} nodes and {int(edges_per[first])} "
                f"edges, more than the design's capacity {max_nodes} x {max_edges}; a graph-level output "
                "needs its whole graph in one call: raise graph.max_nodes / graph.max_edges"
            )
        nodes = np.sort(node_graph_order[node_start[first]:node_start[last]])
        edges = np.sort(edge_order[edge_start[first]:edge_start[last]])
        graphs = np.arange(first, last, dtype=np.int64)
        owned = [{"nodes": nodes, "edges": edges, "graphs": graphs}[v.type.kind] for v in outputs]  # type: ignore[attr-defined]
        segments.append(Segment(nodes, edges, owned, graphs))
        first = last
    return segments


def partition(module: builtin.ModuleOp, inputs: dict[str, np.ndarray], max_nodes: int, max_edges: int,
              max_graphs: int = 1) -> list[Segment]:
    """Split a graph into segments of at most max_nodes x max_edges that together give every output row exactly."""
    if has_readout(module):
        return graph_segments(module, inputs, max_nodes, max_edges, max_graphs)
    fn = top_function(module)
    graph = _Graph(fn, inputs)
    ret = fn.get_return_op()
    assert ret is not None
    outputs = list(ret.arguments)
    rank = _bfs_rank(graph)
    seeds: list[tuple[float, int, int]] = []
    for k, v in enumerate(outputs):
        assert isinstance(v.type, gnn.FeaturesType)
        if v.type.kind == "nodes":
            seeds += [(float(rank[r]), k, r) for r in range(graph.num_nodes)]
        else:
            ends = rank[graph.edge_index]
            seeds += [(float(min(ends[0, e], ends[1, e])), k, e) for e in range(graph.num_edges)]
    seeds.sort()

    segments: list[Segment] = []
    nodes: set[int] = set()
    edges: set[int] = set()
    owned: list[list[int]] = [[] for _ in outputs]

    def close() -> None:
        if any(owned):
            segments.append(
                Segment(np.array(sorted(nodes), dtype=np.int64), np.array(sorted(edges), dtype=np.int64),
                        [np.array(o, dtype=np.int64) for o in owned])
            )

    for _, k, row in seeds:
        halo = graph.closure({outputs[k]: {row}})
        if len(halo.nodes) > max_nodes or len(halo.edges) > max_edges:
            kind = outputs[k].type.kind[:-1]  # type: ignore[attr-defined]
            raise GnncError(
                f"output {kind} {row} depends on {len(halo.nodes)} nodes and {len(halo.edges)} edges, "
                f"more than the design's capacity {max_nodes} x {max_edges}: no partition can be exact; "
                "raise graph.max_nodes / graph.max_edges"
            )
        if len(nodes | halo.nodes) > max_nodes or len(edges | halo.edges) > max_edges:
            close()
            nodes, edges, owned = set(), set(), [[] for _ in outputs]
        nodes |= halo.nodes
        edges |= halo.edges
        owned[k].append(row)
    close()
    return segments


def segment_inputs(module: builtin.ModuleOp, inputs: dict[str, np.ndarray], seg: Segment) -> dict[str, np.ndarray]:
    """The inputs of one segment, with node ids renumbered to the segment's own."""
    fn = top_function(module)
    local = {int(g): i for i, g in enumerate(seg.nodes)}
    out: dict[str, np.ndarray] = {}
    for name, arg in zip(argument_names(fn), fn.args):
        value = np.asarray(inputs[name])
        if isinstance(arg.type, gnn.EdgeIndexType):
            sub = value[:, seg.edges]
            out[name] = np.vectorize(local.__getitem__, otypes=[np.int64])(sub) if sub.size else sub.astype(np.int64)
        elif isinstance(arg.type, gnn.NodesType):
            out[name] = value[seg.nodes]
        elif isinstance(arg.type, gnn.BatchType):  # graph numbers from 0 within the segment
            out[name] = np.searchsorted(seg.graphs, value.reshape(-1)[seg.nodes]).astype(np.int64)
        else:
            out[name] = value[seg.edges]
    return out


def stitch(module: builtin.ModuleOp, inputs: dict[str, np.ndarray], segments: list[Segment],
           results: list[list[np.ndarray]]) -> list[np.ndarray]:
    """Whole-graph outputs from the per-segment outputs: each row taken from the segment that owns it."""
    fn = top_function(module)
    graph_nodes = _Graph(fn, inputs).num_nodes
    ret = fn.get_return_op()
    assert ret is not None
    outs = []
    for k, v in enumerate(ret.arguments):
        t = v.type
        assert isinstance(t, gnn.FeaturesType)
        if t.kind == "graphs":
            rows = int(max((seg.graphs[-1] + 1 for seg in segments if seg.graphs.size), default=0))
        else:
            rows = graph_nodes if t.kind == "nodes" else np.asarray(
                next(inputs[n] for n, a in zip(argument_names(fn), fn.args) if isinstance(a.type, gnn.EdgeIndexType))
            ).shape[1]
        full = np.full((rows, t.num_features), np.nan)
        for seg, res in zip(segments, results):
            ids = {"nodes": seg.nodes, "edges": seg.edges, "graphs": seg.graphs}[t.kind]
            position = np.searchsorted(ids, seg.owned[k])
            full[seg.owned[k]] = res[k][position]
        if np.isnan(full).any():  # pragma: no cover - partition() owns every row once
            raise GnncError(f"output {k}: some rows were owned by no segment")
        outs.append(full)
    return outs
