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
