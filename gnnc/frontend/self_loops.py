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
        raise refuse(f"{fn} with edge features or weights is not supported yet (the added loops' "
                     "values are filled in at run time). A layer with an add_self_loops option "
                     "(GATv2Conv(edge_dim=...), ...): add the loops and their values to edge_index and "
                     "edge_attr before inference and build it with add_self_loops=False; a layer that "
                     "adds them on every call (ChebConv's get_laplacian) cannot be compiled yet")


def replacements(refuse_for: Callable[[str], Refuse]) -> dict[str, Callable[..., Any]]:
    """{qualified PyG name: its capture replacement}; refuse_for(fn) makes the refusals."""

    def remove_self_loops(edge_index: Tensor, edge_attr: Tensor | None = None) -> tuple[Tensor, Any]:
        refuse = refuse_for("torch_geometric.utils.remove_self_loops")
        edge_index = _dense(edge_index, "remove_self_loops", refuse)
        # edge_attr keeps its E rows: the masked edges' rows are simply never reduced.
        return torch.ops.gnn.drop_loops(edge_index), edge_attr

    def add_self_loops(edge_index: Tensor, edge_attr: Tensor | None = None, fill_value: Any = None,
                       num_nodes: Any = None) -> tuple[Tensor, None]:
        refuse = refuse_for("torch_geometric.utils.add_self_loops")
        edge_index = _dense(edge_index, "add_self_loops", refuse)
        _no_edge_values(edge_attr, "add_self_loops", refuse)
        return torch.ops.gnn.self_loops(edge_index, _nodes(num_nodes, "add_self_loops", refuse)), None

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

    return {
        "torch_geometric.utils.loop.remove_self_loops": remove_self_loops,
        "torch_geometric.utils.loop.add_self_loops": add_self_loops,
        "torch_geometric.utils.loop.add_remaining_self_loops": add_remaining_self_loops,
        "torch_geometric.nn.conv.gcn_conv.gcn_norm": gcn_norm,
    }
