"""
Lower bounds on the number of segments any exact partition of a graph needs (benchmarks and
tests compare `partition` against them).

- edges: ceil(E / max_edges), every edge in some segment (the bound issue 14 states goals in);
- needed: only the nodes and edges some output row depends on must be placed, each at least
  once: max(ceil(needed nodes / max_nodes), ceil(needed edges / max_edges));
- halo: a node v lies in at least m(v) segments, where m(v) = max(ceil(|N(v)| / max_nodes),
  ceil(|E(v)| / max_edges)) and N(v), E(v) are the union of the halos of all output rows that
  depend on v (each of those rows is owned by a segment holding v and its whole halo, so the
  segments holding v together hold that union). Segments hold at most max_nodes nodes, so
  there are at least ceil(sum m(v) / max_nodes); the same for edges. >= needed.
"""

from __future__ import annotations

import numpy as np
from xdsl.dialects import builtin

from gnnc.emulator import top_function
from gnnc.halo import GraphShape, Halos, halos

MAX_PAIRS = 30_000_000  # beyond this many (row, halo row) pairs the halo bound falls back to `needed`


def _ceil(a, b):
    return -(-a // b)


def _multiplicity(h: Halos, ptr: np.ndarray, ids: np.ndarray, width: int, graph: GraphShape,
                  max_nodes: int, max_edges: int) -> np.ndarray:
    """m(v) of every row v of one kind (nodes: ptr/ids = h.node_ptr/node_ids; edges likewise)."""
    row_of = np.repeat(np.arange(h.rows), np.diff(ptr))  # the (output row, v) pairs
    m = np.zeros(width, dtype=np.int64)
    for hp, hi, cap, span in ((h.node_ptr, h.node_ids, max_nodes, max(graph.num_nodes, 1)),
                              (h.edge_ptr, h.edge_ids, max_edges, max(graph.num_edges, 1))):
        count = hp[row_of + 1] - hp[row_of]
        within = np.arange(int(count.sum())) - np.repeat(np.cumsum(count) - count, count)
        halo_rows = hi[np.repeat(hp[row_of], count) + within]
        keys = np.unique(np.repeat(ids, count) * span + halo_rows)  # (v, a row of the union) once each
        m = np.maximum(m, _ceil(np.bincount(keys // span, minlength=width), cap))
    return m


def lower_bounds(module: builtin.ModuleOp, inputs: dict[str, np.ndarray], max_nodes: int, max_edges: int) -> dict:
    fn = top_function(module)
    graph = GraphShape(fn, inputs)
    h = halos(fn, inputs, graph)
    needed_nodes, needed_edges = np.unique(h.node_ids).size, np.unique(h.edge_ids).size
    needed = max(_ceil(needed_nodes, max_nodes), _ceil(needed_edges, max_edges))
    out = {"edges": _ceil(graph.num_edges, max_edges), "needed": needed, "halo": needed}
    sizes_n, sizes_e = np.diff(h.node_ptr), np.diff(h.edge_ptr)
    pairs = int((sizes_n * (sizes_n + sizes_e)).sum() + (sizes_e * (sizes_n + sizes_e)).sum())
    if pairs <= MAX_PAIRS:
        m_nodes = _multiplicity(h, h.node_ptr, h.node_ids, graph.num_nodes, graph, max_nodes, max_edges)
        m_edges = _multiplicity(h, h.edge_ptr, h.edge_ids, graph.num_edges, graph, max_nodes, max_edges)
        out["halo"] = max(needed, _ceil(int(m_nodes.sum()), max_nodes), _ceil(int(m_edges.sum()), max_edges))
    return out
