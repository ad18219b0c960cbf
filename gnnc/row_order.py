"""
Locality orders of a graph's nodes: segments are filled along one, so nodes near in the order
should share most of their halos.

A recursive median bisection of the hit coordinates (phi, z) was tried too and filled worse
than both (tracker event at 128 x 256: 165 segments against 151 breadth-first and 148 METIS;
bench/README.md), so graph structure alone decides.

- `bfs_rank`: breadth-first from a far node of each component (pure numpy/Python fallback).
- `metis_rank`: METIS k-way parts (pymetis, the optional `partition` extra), parts visited
  breadth-first over the part graph, nodes within a part in breadth-first order.
"""

from __future__ import annotations

from collections import deque

import numpy as np


def _adjacency(edge_index: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Undirected CSR adjacency without self loops."""
    s, d = edge_index
    keep = s != d
    src = np.concatenate([s[keep], d[keep]])
    dst = np.concatenate([d[keep], s[keep]])
    order = np.argsort(src, kind="stable")
    return np.searchsorted(src[order], np.arange(n + 1)), dst[order]


def _bfs(ptr: np.ndarray, nbr: np.ndarray, start: int, rank: np.ndarray, counter: int) -> tuple[int, int]:
    """Visit start's component, numbering from counter; returns (next counter, last node visited)."""
    rank[start] = counter
    counter += 1
    queue = deque([start])
    last = start
    while queue:
        last = queue.popleft()
        for nb in nbr[ptr[last] : ptr[last + 1]].tolist():
            if rank[nb] < 0:
                rank[nb] = counter
                counter += 1
                queue.append(nb)
    return counter, last


def bfs_rank(edge_index: np.ndarray, n: int) -> np.ndarray:
    """Breadth-first rank of every node, each component started from the last node of a first
    search (a far, 'pseudo-peripheral' node: the levels then sweep the component end to end)."""
    ptr, nbr = _adjacency(edge_index, n)
    probe = np.full(n, -1, dtype=np.int64)
    rank = np.full(n, -1, dtype=np.int64)
    counter = 0
    for start in range(n):
        if rank[start] >= 0:
            continue
        _, far = _bfs(ptr, nbr, start, probe, 0)
        counter, _ = _bfs(ptr, nbr, far, rank, counter)
    return rank


def metis_rank(edge_index: np.ndarray, n: int, parts: int) -> np.ndarray | None:
    """Rank from METIS parts, or None when pymetis is not installed."""
    try:
        import pymetis
    except ImportError:
        return None
    ptr, nbr = _adjacency(edge_index, n)
    if parts < 2 or nbr.size == 0:
        return bfs_rank(edge_index, n)
    _, membership = pymetis.part_graph(parts, adjacency=pymetis.CSRAdjacency(adj_starts=ptr, adjacent=nbr))
    membership = np.asarray(membership, dtype=np.int64)
    # the part graph: parts joined by an edge; visited breadth-first so neighbours follow
    a, b = membership[edge_index[0]], membership[edge_index[1]]
    part_order = bfs_rank(np.stack([a[a != b], b[a != b]]), parts)
    within = bfs_rank(edge_index, n)
    return np.lexsort((within, part_order[membership])).argsort()
