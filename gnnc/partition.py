"""
Lossless graph partitioning: run graphs larger than a design's capacity in segments.

Every output row (a node or an edge of a result) depends on a set of input rows, its halo
(gnnc.halo: k hops for k rounds of message passing, found from the IR). A segment is the
subgraph of the union of the halos of the rows it owns (both endpoints of every edge are
kept, so its edge_index is valid); running the design on it gives exactly the whole-graph
values on those rows, because every value they depend on sees the same inputs in the same
exact arithmetic.

Segments are filled greedily along a locality order of the nodes (METIS parts when pymetis is
installed, else breadth-first; gnnc.row_order): each output row joins the current segment while
the union of halos fits `max_nodes` x `max_edges`, rows that do not fit are skipped for a while
(a later row may still fit), and a closed segment also owns every row whose whole halo it holds.
Components and small graphs follow each other in the order, so they share segments, and a
component that does not fit the rest of a segment is cut there.

A model with a readout (graph-level rows) is never split inside a graph: a graph-level
value depends on every node of its graph. Its segments are bins of whole graphs of the
batch (first fit, largest first: at most max_graphs of them within max_nodes x max_edges);
one graph larger than the capacity is an error (`graph_segments`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from xdsl.dialects import builtin, func

from gnnc.dialects import gnn
from gnnc.emulator import argument_names, top_function
from gnnc import row_order
from gnnc.errors import GnncError
from gnnc.halo import GraphShape, Halos, halos


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


def _ranges(ptr: np.ndarray, ids: np.ndarray, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The CSR entries of `rows`, concatenated, and the position in `rows` each came from."""
    start, count = ptr[rows], ptr[rows + 1] - ptr[rows]
    within = np.arange(int(count.sum())) - np.repeat(np.cumsum(count) - count, count)
    return ids[np.repeat(start, count) + within], np.repeat(np.arange(rows.size), count)


class _Filler:
    """Fills segments along an order of output rows: a row joins the current segment while the
    union of halos fits the capacity; a segment is closed after `patience` consecutive rows that
    do not fit, and then also owns every row whose whole halo it already holds."""

    def __init__(self, h: Halos, kinds: list[str], n_nodes: int, n_edges: int, max_nodes: int, max_edges: int):
        self.h, self.kinds = h, kinds
        self.n_nodes, self.n_edges = n_nodes, n_edges
        self.max_nodes, self.max_edges = max_nodes, max_edges

    def run(self, order: np.ndarray, patience: int = 24) -> list[Segment]:
        h = self.h
        owner = np.full(h.rows, -1, dtype=np.int64)
        in_n = np.zeros(self.n_nodes, dtype=bool)
        in_e = np.zeros(self.n_edges, dtype=bool)
        node_ptr, node_ids, edge_ptr, edge_ids = h.node_ptr.tolist(), h.node_ids, h.edge_ptr.tolist(), h.edge_ids
        pieces: list[tuple[np.ndarray, np.ndarray]] = []
        rows = order.tolist()
        pos = 0
        while pos < len(rows):
            nodes: list[np.ndarray] = []
            edges: list[np.ndarray] = []
            count_n = count_e = misses = 0
            i = pos
            while i < len(rows) and misses < patience:
                r = rows[i]
                i += 1
                if owner[r] >= 0:
                    continue
                nn = node_ids[node_ptr[r] : node_ptr[r + 1]]
                nn = nn[~in_n[nn]]
                ee = edge_ids[edge_ptr[r] : edge_ptr[r + 1]]
                ee = ee[~in_e[ee]]
                if count_n + nn.size > self.max_nodes or count_e + ee.size > self.max_edges:
                    misses += 1
                    continue
                misses = 0
                in_n[nn] = True
                in_e[ee] = True
                nodes.append(nn)
                edges.append(ee)
                count_n += nn.size
                count_e += ee.size
                owner[r] = len(pieces)
            seg_nodes = np.sort(np.concatenate(nodes))
            seg_edges = np.sort(np.concatenate(edges)) if edges else np.zeros(0, dtype=np.int64)
            self._own_inside(seg_nodes, seg_edges, owner, len(pieces), in_n, in_e)
            pieces.append((seg_nodes, seg_edges))
            in_n[seg_nodes] = False
            in_e[seg_edges] = False
            while pos < len(rows) and owner[rows[pos]] >= 0:
                pos += 1
        return self._segments(pieces, owner)

    def _own_inside(self, nodes, edges, owner, segment: int, in_n, in_e) -> None:
        """Give the segment every row not yet owned whose halo lies inside it (it is exact there)."""
        h = self.h
        candidates = np.concatenate([h.offsets[k] + (nodes if kind == "nodes" else edges)
                                     for k, kind in enumerate(self.kinds)])
        candidates = candidates[owner[candidates] < 0]
        outside = np.zeros(candidates.size, dtype=np.int64)
        for ptr, ids, inside in ((h.node_ptr, h.node_ids, in_n), (h.edge_ptr, h.edge_ids, in_e)):
            got, where = _ranges(ptr, ids, candidates)
            outside += np.bincount(where[~inside[got]], minlength=candidates.size)
        owner[candidates[outside == 0]] = segment

    def _segments(self, pieces, owner) -> list[Segment]:
        by_segment = np.argsort(owner, kind="stable")
        bounds = np.searchsorted(owner[by_segment], np.arange(len(pieces) + 1))
        segments = []
        for s, (nodes, edges) in enumerate(pieces):
            rows = by_segment[bounds[s] : bounds[s + 1]]  # sorted: a stable sort of increasing rows
            owned = [rows[(rows >= lo) & (rows < hi)] - lo for lo, hi in zip(self.h.offsets[:-1], self.h.offsets[1:])]
            segments.append(Segment(nodes, edges, owned))
        return segments


def _row_keys(h: Halos, kinds: list[str], rank: np.ndarray, edge_index: np.ndarray) -> np.ndarray:
    """Output rows in the order of their nodes' ranks (an edge at its nearer end)."""
    keys = []
    for kind in kinds:
        if kind == "nodes":
            keys.append(rank.astype(np.float64))
        else:
            ends = rank[edge_index]
            keys.append(np.minimum(ends[0], ends[1]) + np.maximum(ends[0], ends[1]) / (2.0 * max(rank.size, 1)))
    return np.argsort(np.concatenate(keys), kind="stable")


def _check_halos(h: Halos, kinds: list[str], max_nodes: int, max_edges: int) -> None:
    too_big = np.flatnonzero((np.diff(h.node_ptr) > max_nodes) | (np.diff(h.edge_ptr) > max_edges))
    if too_big.size:
        r = int(too_big[0])
        k = int(np.searchsorted(h.offsets, r, side="right")) - 1
        raise GnncError(
            f"output {kinds[k][:-1]} {r - int(h.offsets[k])} depends on {h.nodes(r).size} nodes and "
            f"{h.edges(r).size} edges, more than the design's capacity {max_nodes} x {max_edges}: no partition "
            "can be exact; raise graph.max_nodes / graph.max_edges"
        )

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
    """Bins of whole graphs that fit the capacity (first fit decreasing), for a model with a readout."""
    fn = top_function(module)
    graph = GraphShape(fn, inputs)
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
    too_big = np.flatnonzero((nodes_per > max_nodes) | (edges_per > max_edges))
    if too_big.size:
        first = int(too_big[0])
        raise GnncError(
            f"graph {first} of the batch has {int(nodes_per[first])} nodes and {int(edges_per[first])} "
            f"edges, more than the design's capacity {max_nodes} x {max_edges}; a graph-level output "
            "needs its whole graph in one call: raise graph.max_nodes / graph.max_edges"
        )
    outputs = list(fn.get_return_op().arguments)  # type: ignore[union-attr]
    segments: list[Segment] = []
    for graphs in _first_fit_decreasing(nodes_per, edges_per, max_nodes, max_edges, max_graphs):
        nodes = np.sort(np.concatenate([node_graph_order[node_start[i]:node_start[i + 1]] for i in graphs]))
        edges = np.sort(np.concatenate([edge_order[edge_start[i]:edge_start[i + 1]] for i in graphs]))
        owned = [{"nodes": nodes, "edges": edges, "graphs": graphs}[v.type.kind] for v in outputs]  # type: ignore[attr-defined]
        segments.append(Segment(nodes, edges, owned, graphs))
    return segments


def _first_fit_decreasing(nodes_per: np.ndarray, edges_per: np.ndarray, max_nodes: int, max_edges: int,
                          max_graphs: int) -> list[np.ndarray]:
    """Bins of graph numbers: each graph, largest share of the capacity first, into the first bin
    it fits; bins in the order of their smallest graph, each sorted."""
    size = np.maximum(nodes_per / max_nodes, edges_per / max_edges)
    loads = np.zeros((0, 3), dtype=np.int64)  # per bin: nodes, edges, graphs
    members: list[list[int]] = []
    for g in np.argsort(-size, kind="stable").tolist():
        fits = np.flatnonzero((loads[:, 0] + nodes_per[g] <= max_nodes) & (loads[:, 1] + edges_per[g] <= max_edges)
                              & (loads[:, 2] < max_graphs))
        if fits.size:
            b = int(fits[0])
            loads[b] += (nodes_per[g], edges_per[g], 1)
            members[b].append(g)
        else:
            loads = np.vstack([loads, [nodes_per[g], edges_per[g], 1]])
            members.append([g])
    bins = [np.array(sorted(m), dtype=np.int64) for m in members]
    return sorted(bins, key=lambda b: int(b[0]))


def partition(module: builtin.ModuleOp, inputs: dict[str, np.ndarray], max_nodes: int, max_edges: int,
              max_graphs: int = 1) -> list[Segment]:
    """Split a graph into segments of at most max_nodes x max_edges that together give every output row exactly.

    Segments are filled along a locality order of the nodes (gnnc.row_order)."""
    if has_readout(module):
        return graph_segments(module, inputs, max_nodes, max_edges, max_graphs)
    fn = top_function(module)
    graph = GraphShape(fn, inputs)
    h = halos(fn, inputs, graph)
    kinds = [v.type.kind for v in fn.get_return_op().arguments]  # type: ignore[union-attr, attr-defined]
    _check_halos(h, kinds, max_nodes, max_edges)
    filler = _Filler(h, kinds, graph.num_nodes, graph.num_edges, max_nodes, max_edges)
    return filler.run(_row_keys(h, kinds, _rank(graph, max_nodes), graph.edge_index))


def _rank(graph: GraphShape, max_nodes: int) -> np.ndarray:
    """METIS parts of about half a segment's nodes when pymetis is installed (fewer segments:
    a random 20,000-edge graph at 128 x 256 takes 436 against 518), else breadth-first."""
    metis = row_order.metis_rank(graph.edge_index, graph.num_nodes, -(-graph.num_nodes // max(max_nodes // 2, 1)))
    return metis if metis is not None else row_order.bfs_rank(graph.edge_index, graph.num_nodes)


def segment_inputs(module: builtin.ModuleOp, inputs: dict[str, np.ndarray], seg: Segment) -> dict[str, np.ndarray]:
    """The inputs of one segment, with node ids renumbered to the segment's own."""
    fn = top_function(module)
    out: dict[str, np.ndarray] = {}
    for name, arg in zip(argument_names(fn), fn.args):
        value = np.asarray(inputs[name])
        if isinstance(arg.type, gnn.EdgeIndexType):
            sub = value[:, seg.edges]
            out[name] = np.searchsorted(seg.nodes, sub).astype(np.int64)  # seg.nodes is sorted and holds every end
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
    graph_nodes = GraphShape(fn, inputs).num_nodes
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
