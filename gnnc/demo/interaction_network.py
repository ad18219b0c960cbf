"""
The tracking Interaction Network (Elabd et al., arXiv 2112.02048) as a PyG MessagePassing
edge classifier: the model of the TrackML checkpoints in ../shared/data/trackml-in and of
the synthetic checkpoint shipped in this package (tracking_in_h8.pt).
"""

from __future__ import annotations

import torch
from torch import Tensor, nn
from torch_geometric.data import Data
from torch_geometric.nn import MessagePassing

NODE_FEATURES = 3  # (r, phi, z) of a hit
EDGE_FEATURES = 4  # (dr, dphi, dz, dR) of a hit pair
EDGE_OUT = 4  # R1 output, the "effect" of an edge


def _mlp(n_in: int, hidden: int, n_out: int) -> nn.Sequential:
    return nn.Sequential(
        nn.Linear(n_in, hidden),
        nn.ReLU(),
        nn.Linear(hidden, hidden),
        nn.ReLU(),
        nn.Linear(hidden, n_out),
    )


class RelationalModel(nn.Module):
    """Edge block: an MLP over [x_target, x_source, edge features]."""

    def __init__(self, input_size: int, output_size: int, hidden_size: int):
        super().__init__()
        self.layers = _mlp(input_size, hidden_size, output_size)

    def forward(self, m: Tensor) -> Tensor:
        return self.layers(m)


class ObjectModel(nn.Module):
    """Node block: an MLP over [x, aggregated edge effects]."""

    def __init__(self, input_size: int, output_size: int, hidden_size: int):
        super().__init__()
        self.layers = _mlp(input_size, hidden_size, output_size)

    def forward(self, c: Tensor) -> Tensor:
        return self.layers(c)


class InteractionNetwork(MessagePassing):
    """One round of message passing, then an edge classifier (one score per edge)."""

    def __init__(self, aggr: str = "add", flow: str = "source_to_target", hidden_size: int = 40):
        super().__init__(aggr=aggr, flow=flow)
        self.R1 = RelationalModel(2 * NODE_FEATURES + EDGE_FEATURES, EDGE_OUT, hidden_size)
        self.O = ObjectModel(NODE_FEATURES + EDGE_OUT, NODE_FEATURES, hidden_size)
        self.R2 = RelationalModel(2 * NODE_FEATURES + EDGE_OUT, 1, hidden_size)
        self.E: Tensor = torch.empty(0)

    def forward(self, data: Data) -> Tensor:
        x, edge_index, edge_attr = data.x, data.edge_index, data.edge_attr
        x_tilde = self.propagate(edge_index, x=x, edge_attr=edge_attr, size=None)
        if self.flow == "source_to_target":
            r, s = edge_index[1], edge_index[0]
        else:
            r, s = edge_index[0], edge_index[1]
        m2 = torch.cat([x_tilde[r], x_tilde[s], self.E], dim=1)
        return torch.sigmoid(self.R2(m2))

    def message(self, x_i: Tensor, x_j: Tensor, edge_attr: Tensor) -> Tensor:
        # x_i: the receiving hit, x_j: the sending hit (per `flow`).
        m1 = torch.cat([x_i, x_j, edge_attr], dim=1)
        self.E = self.R1(m1)  # kept for the classifier, as in the published code
        return self.E

    def update(self, aggr_out: Tensor, x: Tensor) -> Tensor:
        c = torch.cat([x, aggr_out], dim=1)
        return self.O(c)
