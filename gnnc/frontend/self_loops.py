"""
PyG's run-time self-loop edits, captured without changing the edge list.

A design's edge list is fixed at run time, but many stock layers edit it on every call:
`remove_self_loops` (GATv2Conv, PointNetConv), `add_self_loops`, `add_remaining_self_loops`
and `gcn_norm` (GCNConv, SGConv, TAGConv, ...). During capture these are rebound to
functions spelled with two marks (gnnc/frontend/ops.py) that the importer gives their
meaning, one rule for every layer:

* `gnn::drop_loops(edge_index)`: the same E columns; an edge whose source is its target
  contributes nothing to any reduction over the edges (an edge mask);
* `gnn::self_loops(edge_index, N)`: E + N columns, the last N one loop per node; every
  per-edge value then has an edge part [E, F] and a loop part [N, F], and a reduction onto
  the nodes takes the loop part as one extra (root) term per node. The edge capacity does
  not grow.

Edge values given to add_self_loops come back as `gnn::loop_values(edge_attr, loop_attr)`:
the loops' values are per-node values computed here with ordinary ops, as PyG fills them: a
number (or None: 1) is `gnn::loop_fill`, 'add'/'sum'/'mean'/'max'/'min' the scatter of
edge_attr onto edge_index[1] (over the kept edges when the loops were removed first).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch
from torch import Tensor

from gnnc.frontend import ops  # noqa: F401  (registers torch.ops.gnn.*)

Refuse = Callable[[str], Exception]


def _dense(edge_index: Any, fn: str, refuse: Refuse) -> Tensor:
    if not isinstance(edge_index, Tensor) or edge_index.layout != torch.strided:
        raise refuse(f"{fn} of a SparseTensor / torch.sparse adjacency is not supported; pass a dense "
                     "[2, E] edge_index")
    return edge_index


def _nodes(num_nodes: Any, fn: str, refuse: Refuse) -> Any:
    if isinstance(num_nodes, (tuple, list)):  # bipartite (N_src, N_dst): loops need one node set
        raise refuse(f"{fn} on a bipartite graph (num_nodes={tuple(num_nodes)}) is not supported")
    if num_nodes is None:
        raise refuse(f"{fn} without num_nodes is not supported: the node count would depend on the "
                     "edge values; pass num_nodes=x.size(0)")
    return num_nodes


def _no_edge_values(edge_attr: Any, fn: str, refuse: Refuse) -> None:
    if edge_attr is not None:
        raise refuse(f"{fn} with edge features or weights is not supported (an existing loop keeps "
                     "its value, a missing one gets the fill: a per-node choice between the two). "
                     "Call remove_self_loops and then add_self_loops (with fill_value) instead, or "
                     "add the loops and their values to edge_index and edge_attr before inference "
                     "and build the layer with add_self_loops=False")


_REDUCE_FILLS = ("add", "sum", "mean", "max", "min")


def _loop_attr(edge_index: Tensor, edge_attr: Tensor, fill_value: Any, num_nodes: Any,
               refuse: Refuse) -> Tensor:
    """The added loops' values [N, ...], as PyG's add_self_loops fills them."""
    if not isinstance(edge_attr, Tensor):
        raise refuse(f"add_self_loops with edge_attr of type {type(edge_attr).__name__}: pass a tensor")
    if isinstance(fill_value, str):
        if fill_value not in _REDUCE_FILLS:
            raise refuse(f"add_self_loops with fill_value={fill_value!r} is not supported (supported: a "
                         f"number, {', '.join(repr(f) for f in _REDUCE_FILLS)})")
        return torch.ops.gnn.scatter(edge_attr, edge_index[1], 0, num_nodes, fill_value)
    if isinstance(fill_value, Tensor):
        raise refuse("add_self_loops with a tensor fill_value is not supported (its values are not "
                     "known while capturing); pass a number or 'mean', 'add', 'max', 'min'")
    value = 1.0 if fill_value is None else fill_value
    if not isinstance(value, (int, float)) or isinstance(value, bool):
        raise refuse(f"add_self_loops with fill_value={fill_value!r}: pass a number or a reduction name")
    features = 1
    for d in edge_attr.shape[1:]:
        features *= int(d)
    return torch.ops.gnn.loop_fill(edge_attr, num_nodes, [float(value)] * features)


def replacements(refuse_for: Callable[[str], Refuse]) -> dict[str, Callable[..., Any]]:
    """{qualified PyG name: its capture replacement}; refuse_for(fn) makes the refusals."""

    def remove_self_loops(edge_index: Tensor, edge_attr: Tensor | None = None) -> tuple[Tensor, Any]:
        refuse = refuse_for("torch_geometric.utils.remove_self_loops")
        edge_index = _dense(edge_index, "remove_self_loops", refuse)
        # edge_attr keeps its E rows: the masked edges' rows are simply never reduced.
        return torch.ops.gnn.drop_loops(edge_index), edge_attr

    def add_self_loops(edge_index: Tensor, edge_attr: Tensor | None = None, fill_value: Any = None,
                       num_nodes: Any = None) -> tuple[Tensor, Any]:
        refuse = refuse_for("torch_geometric.utils.add_self_loops")
        edge_index = _dense(edge_index, "add_self_loops", refuse)
        n = _nodes(num_nodes, "add_self_loops", refuse)
        looped = torch.ops.gnn.self_loops(edge_index, n)
        if edge_attr is None:
            return looped, None
        loop_attr = _loop_attr(edge_index, edge_attr, fill_value, n, refuse)
        return looped, torch.ops.gnn.loop_values(edge_attr, loop_attr)

    def add_remaining_self_loops(edge_index: Tensor, edge_attr: Tensor | None = None,
                                 fill_value: Any = None, num_nodes: Any = None) -> tuple[Tensor, None]:
        refuse = refuse_for("torch_geometric.utils.add_remaining_self_loops")
        edge_index = _dense(edge_index, "add_remaining_self_loops", refuse)
        _no_edge_values(edge_attr, "add_remaining_self_loops", refuse)
        n = _nodes(num_nodes, "add_remaining_self_loops", refuse)
        # Without edge values, "add the missing loops" is "replace every loop by one".
        return torch.ops.gnn.self_loops(torch.ops.gnn.drop_loops(edge_index), n), None

    def gcn_norm(edge_index: Tensor, edge_weight: Tensor | None = None, num_nodes: Any = None,
                 improved: bool = False, add_self_loops: bool = True,
                 flow: str = "source_to_target", dtype: Any = None) -> tuple[Tensor, Tensor]:
        """
        D^-1/2 (A + I) D^-1/2 as edge weights over the edited edge list. The degree counts
        come from gnn::degree_norm (an integer count per node: a table in fixed point);
        `improved` only changes the loops' weight when an edge_weight is given, as in PyG.
        """
        refuse = refuse_for("torch_geometric.nn.conv.gcn_conv.gcn_norm")
        edge_index = _dense(edge_index, "gcn_norm", refuse)
        if edge_weight is not None:
            raise refuse(
                "gcn_norm with an edge_weight is not supported (its degree is a sum of weights, "
                "not an edge count); normalise the weights before inference and build the layer "
                "with normalize=False"
            )
        n = _nodes(num_nodes, "gcn_norm", refuse)
        end = 1 if flow == "source_to_target" else 0
        dinv = torch.ops.gnn.degree_norm(edge_index, n, end, bool(add_self_loops))
        if add_self_loops:
            edge_index = torch.ops.gnn.self_loops(torch.ops.gnn.drop_loops(edge_index), n)
        weight = dinv.index_select(0, edge_index[0]) * dinv.index_select(0, edge_index[1])
        return edge_index, weight.view(-1)

    def get_laplacian(edge_index: Any, *args: Any, **kwargs: Any) -> Any:
        raise refuse_for("torch_geometric.utils.get_laplacian")(
            "the graph Laplacian (ChebConv) is not supported: its edge weights start as "
            "torch.ones(E), are normalised by deg.pow(-0.5) of a weight sum, and ChebConv then "
            "edits the loops' weights by a boolean index (edge_weight[loop_mask] -= 1), which has "
            "no form over edges and root terms yet; a ChebConv layer cannot be compiled yet"
        )

    return {
        "torch_geometric.utils.laplacian.get_laplacian": get_laplacian,
        "torch_geometric.utils.loop.remove_self_loops": remove_self_loops,
        "torch_geometric.utils.loop.add_self_loops": add_self_loops,
        "torch_geometric.utils.loop.add_remaining_self_loops": add_remaining_self_loops,
        "torch_geometric.nn.conv.gcn_conv.gcn_norm": gcn_norm,
    }
