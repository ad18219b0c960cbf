"""
`gnn::scatter`, the torch custom op that marks a message-passing aggregation in a
captured graph.

Capture replaces PyG's aggregation (whose aten spelling changes with the PyG
version, torch_scatter's presence and compile mode) by this one op, so the
importer sees a single node. The eager implementation keeps a captured graph
runnable; the fake one lets torch.export propagate the symbolic node count.
"""

from __future__ import annotations

import torch
from torch import Tensor

#: PyG spellings of each reduction, mapped onto the gnn dialect's names.
REDUCE_ALIASES = {
    "sum": "sum",
    "add": "sum",
    "mean": "mean",
    "max": "max",
    "amax": "max",
    "min": "min",
    "amin": "min",
}


def canonical_reduce(reduce: str) -> str:
    """"add" -> "sum" etc.; ValueError for a reduction gnn has no op for."""
    try:
        return REDUCE_ALIASES[reduce]
    except KeyError:
        raise ValueError(
            f"unsupported aggregation {reduce!r} (supported: {', '.join(sorted(REDUCE_ALIASES))})"
        ) from None


def _row_index(index: Tensor, src: Tensor, dim: int) -> Tensor:
    """Broadcast a [E] index over the other axes of src, as scatter_reduce wants."""
    shape = [1] * src.dim()
    shape[dim] = -1
    return index.view(shape).expand_as(src)


@torch.library.custom_op("gnn::scatter", mutates_args=())
def scatter(src: Tensor, index: Tensor, dim: int, dim_size: int, reduce: str) -> Tensor:
    """
    out[n] = reduce of src[e] over the e with index[e] == n, along `dim`.

    PyG semantics: rows that receive nothing are 0 for every reduction, and mean
    divides the sum by max(degree, 1).
    """
    reduce = canonical_reduce(reduce)
    dim = dim + src.dim() if dim < 0 else dim
    size = list(src.shape)
    size[dim] = dim_size
    out = src.new_zeros(size)
    if reduce in ("sum", "mean"):
        out = out.index_add(dim, index, src)
        if reduce == "mean":
            deg = torch.zeros(dim_size, dtype=src.dtype, device=src.device)
            deg = deg.index_add(0, index, torch.ones_like(index, dtype=src.dtype))
            shape = [1] * src.dim()
            shape[dim] = -1
            out = out / deg.clamp(min=1).view(shape)
        return out
    # include_self=False on a zero base: empty rows stay 0, others get the true max/min.
    op = "amax" if reduce == "max" else "amin"
    return out.scatter_reduce(dim, _row_index(index, src, dim), src, op, include_self=False)


@scatter.register_fake
def _scatter_fake(src: Tensor, index: Tensor, dim: int, dim_size: int, reduce: str) -> Tensor:
    canonical_reduce(reduce)
    dim = dim + src.dim() if dim < 0 else dim
    size = list(src.shape)
    size[dim] = dim_size
    return src.new_empty(size)


# --------------------------------------------------------------------------- #
# GCN normalisation (gnn.degree_norm, gnn.loop_mask)
# --------------------------------------------------------------------------- #


@torch.library.custom_op("gnn::degree", mutates_args=())
def degree(index: Tensor, num_nodes: int) -> Tensor:
    """[N]: PyG's utils.degree, the number of entries of `index` (a row of edge_index) per node."""
    ones = torch.ones(index.shape, dtype=torch.float32, device=index.device)
    return torch.zeros(num_nodes, dtype=torch.float32, device=index.device).index_add(0, index, ones)


@degree.register_fake
def _degree_fake(index: Tensor, num_nodes: int) -> Tensor:
    return index.new_empty((num_nodes,), dtype=torch.float32)


@torch.library.custom_op("gnn::degree_norm", mutates_args=())
def degree_norm(edge_index: Tensor, num_nodes: int, end: int, add_self_loops: bool) -> Tensor:
    """
    [N, 1]: d^-1/2 per node (0 where d = 0), d = number of edges whose row `end` of
    edge_index is the node. With add_self_loops, self loops are not counted and one is
    added: PyG's gcn_norm after add_remaining_self_loops, without changing the edge list.
    """
    index = edge_index[end]
    ones = torch.ones(index.shape, dtype=torch.float32, device=edge_index.device)
    if add_self_loops:
        ones = ones * (edge_index[0] != edge_index[1]).to(torch.float32)
    deg = torch.zeros(num_nodes, dtype=torch.float32, device=edge_index.device).index_add(0, index, ones)
    if add_self_loops:
        deg = deg + 1
    out = deg.pow(-0.5)
    return out.masked_fill(out == float("inf"), 0.0).view(-1, 1)


@degree_norm.register_fake
def _degree_norm_fake(edge_index: Tensor, num_nodes: int, end: int, add_self_loops: bool) -> Tensor:
    return edge_index.new_empty((num_nodes, 1), dtype=torch.float32)


@torch.library.custom_op("gnn::loop_mask", mutates_args=())
def loop_mask(edge_index: Tensor) -> Tensor:
    """[E, 1]: 0.0 for a self loop (source == target), 1.0 for any other edge."""
    return (edge_index[0] != edge_index[1]).to(torch.float32).view(-1, 1)


@loop_mask.register_fake
def _loop_mask_fake(edge_index: Tensor) -> Tensor:
    return edge_index.new_empty((edge_index.shape[1], 1), dtype=torch.float32)


# --------------------------------------------------------------------------- #
# Run-time self-loop edits (gnn::drop_loops, gnn::self_loops), see frontend/self_loops.py
# --------------------------------------------------------------------------- #


@torch.library.custom_op("gnn::drop_loops", mutates_args=())
def drop_loops(edge_index: Tensor) -> Tensor:
    """
    edge_index with its self loops marked as removed. The edge list keeps its E columns
    (a design's edge list does not change at run time): the importer masks every edge whose
    source is its target out of the reductions over it. Eagerly a copy, only a mark.
    """
    return edge_index.clone()


@drop_loops.register_fake
def _drop_loops_fake(edge_index: Tensor) -> Tensor:
    return torch.empty_like(edge_index)


@torch.library.custom_op("gnn::self_loops", mutates_args=())
def self_loops(edge_index: Tensor, num_nodes: int) -> Tensor:
    """
    [2, E + N]: edge_index followed by one self loop per node (PyG's add_self_loops). The
    importer keeps the loops apart, as one root term per node: the edge list does not grow.
    """
    loops = torch.arange(num_nodes, dtype=edge_index.dtype, device=edge_index.device)
    return torch.cat([edge_index, loops.expand(2, -1)], dim=1)


@self_loops.register_fake
def _self_loops_fake(edge_index: Tensor, num_nodes: int) -> Tensor:
    return edge_index.new_empty((2, edge_index.shape[1] + num_nodes))


@torch.library.custom_op("gnn::loop_values", mutates_args=())
def loop_values(edge_values: Tensor, loop_values: Tensor) -> Tensor:
    """
    [E + N, ...]: per-edge values followed by one row per added self loop (the edge_attr
    add_self_loops returns). The importer keeps the two parts apart (a LoopedVal).
    """
    return torch.cat([edge_values, loop_values], dim=0)


@loop_values.register_fake
def _loop_values_fake(edge_values: Tensor, loop_values: Tensor) -> Tensor:
    return edge_values.new_empty((edge_values.shape[0] + loop_values.shape[0], *edge_values.shape[1:]))


@torch.library.custom_op("gnn::loop_fill", mutates_args=())
def loop_fill(edge_values: Tensor, num_nodes: int, fill: list[float]) -> Tensor:
    """
    [N, ...] shaped like one row of edge_values: the constant `fill` (one value per feature,
    row-major) for every node: add_self_loops' loop attributes for a number fill_value.
    """
    row = torch.tensor(fill, dtype=edge_values.dtype, device=edge_values.device).view(edge_values.shape[1:])
    return row.expand(num_nodes, *edge_values.shape[1:]).clone()


@loop_fill.register_fake
def _loop_fill_fake(edge_values: Tensor, num_nodes: int, fill: list[float]) -> Tensor:
    return edge_values.new_empty((num_nodes, *edge_values.shape[1:]))


# --------------------------------------------------------------------------- #
# The square root of a variance (gnn.activation sqrt): PyG's StdAggregation
# --------------------------------------------------------------------------- #


@torch.library.custom_op("gnn::sqrt_above", mutates_args=())
def sqrt_above(x: Tensor, threshold: float) -> Tensor:
    """sqrt(x) where x > threshold, else 0: StdAggregation's clamp(min=eps).sqrt() masked to 0 at sqrt(eps)."""
    return torch.where(x > threshold, x.clamp(min=threshold).sqrt(), torch.zeros_like(x))


@sqrt_above.register_fake
def _sqrt_above_fake(x: Tensor, threshold: float) -> Tensor:
    return torch.empty_like(x)


# --------------------------------------------------------------------------- #
# Edge softmax (gnn.edge_softmax): PyG's utils.softmax
# --------------------------------------------------------------------------- #


def _softmax(src: Tensor, index: Tensor, num_nodes: int) -> Tensor:
    """Softmax of src's rows grouped by index, per column."""
    m = torch.full((num_nodes, src.shape[1]), float("-inf"), dtype=src.dtype, device=src.device)
    m = m.scatter_reduce(0, _row_index(index, src, 0), src, "amax", include_self=True)
    m = m.masked_fill(m == float("-inf"), 0.0)
    x = (src - m.index_select(0, index)).exp()
    total = torch.zeros_like(m).index_add(0, index, x)
    inv = torch.where(total > 0, 1.0 / total, torch.zeros_like(total))
    return x * inv.index_select(0, index)


@torch.library.custom_op("gnn::edge_softmax", mutates_args=())
def edge_softmax(src: Tensor, index: Tensor, num_nodes: int) -> Tensor:
    """torch_geometric.utils.softmax(src, index, num_nodes=num_nodes) for [E, H] src."""
    return _softmax(src, index, num_nodes)


@edge_softmax.register_fake
def _edge_softmax_fake(src: Tensor, index: Tensor, num_nodes: int) -> Tensor:
    return torch.empty_like(src)


# --------------------------------------------------------------------------- #
# Brevitas quantisation marks (gnnc/frontend/brevitas.py)
# --------------------------------------------------------------------------- #


@torch.library.custom_op("gnn::quant", mutates_args=())
def quant(x: Tensor, spec: str) -> Tensor:
    """
    x, marked with the fixed-point types a Brevitas layer computes it in (`spec`, JSON:
    `result` a type, "exact" or "inherit"; `weight` a type). The importer moves the types
    onto the op that produced x. Eagerly: x cast to a `result` type, else x.
    """
    import json

    import numpy as np

    from gnnc.fixed import parse_fixed, quantize, to_float

    result = json.loads(spec).get("result")
    if result in (None, "exact", "inherit"):
        return x.clone()
    t = parse_fixed(result)
    raw = quantize(x.detach().cpu().double().numpy(), t)
    return torch.from_numpy(np.asarray(to_float(raw, t))).to(x.dtype)


@quant.register_fake
def _quant_fake(x: Tensor, spec: str) -> Tensor:
    return torch.empty_like(x)
