"""
The frontend matrix (issue 3): every layer, spelling and surrounding op gnnc supports.

For each case the model is captured once on a 10-node example graph and then checked on
graphs of other sizes (5 to 12 nodes, with a self loop and a node without edges):

* float: the gnn IR interpreted in float (`design.emulate(fixed=False)`) is within 1e-5
  of torch;
* fixed: the fixed-point emulator is within 32 steps of fixed<16,8> (0.125) of the float run
  (FIXED_TOLERANCE);
* csim: the generated C++ of both backends, in both io modes (one g++ build per case, backend
  and io mode, all graphs in one csim_many run) equals the fixed-point emulator bit for bit.

docs/frontend.md shows the matrix with its pass/fail counts.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from torch import nn

import gnnc
from gnnc.emulator import run, top_function
from gnnc.frontend import import_model, torch_forward  # isort: skip  (imports PyG quietly)

from torch_geometric.data import Data  # isort: skip  # noqa: E402
from torch_geometric.nn import (  # isort: skip  # noqa: E402
    ChebConv,
    EdgeConv,
    EGConv,
    GATConv,
    GATv2Conv,
    GCNConv,
    GENConv,
    GeneralConv,
    GINConv,
    GraphConv,
    MessagePassing,
    NNConv,
    PNAConv,
    PointNetConv,
    SAGEConv,
    SGConv,
    TAGConv,
    TransformerConv,
)
from torch_geometric.utils import scatter as pyg_scatter  # isort: skip  # noqa: E402
from torch_geometric.utils import softmax as pyg_softmax  # isort: skip  # noqa: E402

NODE_F, EDGE_F = 3, 2
CAPACITY = {"max_nodes": 12, "max_edges": 40}
CONFIG = {"graph": CAPACITY, "precision": "fixed<16,8>"}
TOLERANCE = 1e-5
EXAMPLE = (10, 30, 0)  # nodes, edges, seed: the capture graph
CHECKS = [(7, 15, 1), (12, 40, 2), (5, 9, 3)]  # other sizes, up to the capacity


def random_graph(n: int, e: int, seed: int) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """x [n, 3], edge_index [2, e], edge_attr [e, 2]; edge 0 is a self loop, node n-1 has no edge."""
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(n, NODE_F, generator=g)
    edge_index = torch.randint(0, n - 1, (2, e), generator=g)
    edge_index[:, 0] = 1
    edge_attr = torch.randn(e, EDGE_F, generator=g)
    return x, edge_index, edge_attr


# --------------------------------------------------------------------------- #
# MessagePassing subclasses
# --------------------------------------------------------------------------- #


class EdgeMLPConv(MessagePassing):
    """message(x_i, x_j, edge_attr) through an MLP; update(aggr_out, x) through a Linear."""

    def __init__(self, aggr: str = "add", flow: str = "source_to_target", f_in: int = NODE_F, f_out: int = 4):
        super().__init__(aggr=aggr, flow=flow)
        self.mlp = nn.Sequential(nn.Linear(2 * f_in + EDGE_F, 8), nn.ReLU(), nn.Linear(8, f_out))
        self.out = nn.Linear(f_in + f_out, f_out)

    def forward(self, x, edge_index, edge_attr):
        return self.propagate(edge_index, x=x, edge_attr=edge_attr)

    def message(self, x_i, x_j, edge_attr):
        return self.mlp(torch.cat([x_i, x_j, edge_attr], dim=1))

    def update(self, aggr_out, x):
        return self.out(torch.cat([x, aggr_out], dim=1))


class EdgeOnlyConv(MessagePassing):
    """message(x_j, edge_attr): no x_i."""

    def __init__(self):
        super().__init__(aggr="add")
        self.lin = nn.Linear(NODE_F + EDGE_F, 4)

    def forward(self, x, edge_index, edge_attr):
        return self.propagate(edge_index, x=x, edge_attr=edge_attr)

    def message(self, x_j, edge_attr):
        return self.lin(torch.cat([x_j, edge_attr], dim=-1))


class TargetOnlyConv(MessagePassing):
    """message(x_i, h_j): the target's own features and a second node tensor of the source."""

    def __init__(self):
        super().__init__(aggr="mean")

    def forward(self, x, h, edge_index):
        return self.propagate(edge_index, x=x, h=h)

    def message(self, x_i, h_j):
        return x_i * h_j


class MixedArgs(nn.Module):
    def __init__(self):
        super().__init__()
        self.a = EdgeOnlyConv()
        self.lin = nn.Linear(NODE_F, 4)
        self.b = TargetOnlyConv()

    def forward(self, x, edge_index, edge_attr):
        h = self.a(x, edge_index, edge_attr)
        return self.b(self.lin(x), h, edge_index)


class RootUpdateConv(MessagePassing):
    """update(aggr_out, x, root): extra arguments of update."""

    def __init__(self):
        super().__init__(aggr="max")
        self.msg = nn.Linear(NODE_F, 4)
        self.root = nn.Linear(NODE_F, 4)
        self.skip = nn.Linear(NODE_F, 4, bias=False)

    def forward(self, x, edge_index):
        return self.propagate(edge_index, x=x, root=x * 2.0)

    def message(self, x_j):
        return self.msg(x_j)

    def update(self, aggr_out, x, root):
        return torch.relu(aggr_out) + self.root(root) + self.skip(x)


class SharedRounds(nn.Module):
    """One layer applied three times (shared weights), with residual connections."""

    def __init__(self):
        super().__init__()
        self.enc = nn.Linear(NODE_F, 4)
        self.conv = EdgeMLPConv(f_in=4, f_out=4)

    def forward(self, x, edge_index, edge_attr):
        h = self.enc(x)
        for _ in range(3):
            h = h + self.conv(h, edge_index, edge_attr)
        return h


class TwoHopConv(MessagePassing):
    """propagate called twice in one forward."""

    def __init__(self):
        super().__init__(aggr="add")
        self.lin = nn.Linear(NODE_F, 4)

    def forward(self, x, edge_index):
        h = self.propagate(edge_index, x=self.lin(x))
        return self.propagate(edge_index, x=torch.tanh(h))


class SeparateRounds(nn.Module):
    """Two layers with their own weights (ModuleList), and a layer that propagates twice."""

    def __init__(self):
        super().__init__()
        self.convs = nn.ModuleList([EdgeMLPConv(f_in=NODE_F, f_out=4), EdgeMLPConv(f_in=4, f_out=4)])
        self.hop = TwoHopConv()

    def forward(self, x, edge_index, edge_attr):
        h = x
        for conv in self.convs:
            h = torch.relu(conv(h, edge_index, edge_attr))
        return torch.cat([h, self.hop(x, edge_index)], dim=1)


class DataModel(nn.Module):
    """forward(data): a PyG Data object, with a field the model never reads (y)."""

    def __init__(self):
        super().__init__()
        self.conv = EdgeMLPConv(aggr="mean")

    def forward(self, data):
        return torch.sigmoid(self.conv(data.x, data.edge_index, data.edge_attr))


def _aggr(aggr: str) -> Callable[[], nn.Module]:
    return lambda: EdgeMLPConv(aggr=aggr)


# --------------------------------------------------------------------------- #
# Stock layers
# --------------------------------------------------------------------------- #


class Stock(nn.Module):
    """A stock layer on (x, edge_index), then ReLU and a Linear."""

    def __init__(self, conv: nn.Module, width: int = 4):
        super().__init__()
        self.conv = conv
        self.head = nn.Linear(width, 2)

    def forward(self, x, edge_index):
        return self.head(torch.relu(self.conv(x, edge_index)))


class PointNet(nn.Module):
    """PointNetConv with x as the positions too (its local_nn sees [x_j, pos_j - pos_i])."""

    def __init__(self, aggr: str = "max"):
        super().__init__()
        self.conv = PointNetConv(nn.Sequential(nn.Linear(2 * NODE_F, 6), nn.ReLU(), nn.Linear(6, 4)),
                                 nn.Linear(4, 4), aggr=aggr)
        self.head = nn.Linear(4, 2)

    def forward(self, x, edge_index):
        return self.head(torch.relu(self.conv(x, x, edge_index)))


class LoopEdits(MessagePassing):
    """A user layer calling the loop utilities itself: remove, then add, then a mean; and a
    remove alone before a sum."""

    def __init__(self):
        super().__init__(aggr="mean")
        self.lin = nn.Linear(NODE_F, 4)

    def forward(self, x, edge_index):
        from torch_geometric.utils import add_remaining_self_loops, remove_self_loops

        h = self.lin(x)
        looped, _ = add_remaining_self_loops(edge_index, num_nodes=x.size(0))
        kept, _ = remove_self_loops(edge_index)
        return self.propagate(looped, x=h) + pyg_scatter(h[kept[0]], kept[1], 0, dim_size=x.size(0))

    def message(self, x_j, x_i):
        return torch.tanh(x_j - x_i) + x_j


class _EdgeStock(Stock):
    """A stock layer on (x, edge_index, edge_attr), then ReLU and a Linear."""

    def forward(self, x, edge_index, edge_attr):
        return self.head(torch.relu(self.conv(x, edge_index, edge_attr)))


class TwoGCN(nn.Module):
    """Two GCN layers: their normalisations are one after gnn-cse."""

    def __init__(self, **kwargs):
        super().__init__()
        self.conv1 = GCNConv(NODE_F, 8, **kwargs)
        self.conv2 = GCNConv(8, 4, **kwargs)

    def forward(self, x, edge_index):
        return self.conv2(torch.relu(self.conv1(x, edge_index)), edge_index)


def _gin(train_eps: bool) -> nn.Module:
    mlp = nn.Sequential(nn.Linear(NODE_F, 8), nn.ReLU(), nn.Linear(8, 4))
    conv = GINConv(mlp, eps=0.25, train_eps=train_eps)
    if train_eps:
        with torch.no_grad():
            conv.eps.fill_(-0.375)
    return Stock(conv)


class GATEdges(nn.Module):
    """GATConv with edge features (edge_dim), without self loops, two heads, then ELU."""

    def __init__(self):
        super().__init__()
        self.conv = GATConv(NODE_F, 4, heads=2, edge_dim=EDGE_F, add_self_loops=False)

    def forward(self, x, edge_index, edge_attr):
        return F.elu(self.conv(x, edge_index, edge_attr))


class LoopFills(nn.Module):
    """add_self_loops with edge values, each fill PyG has: the loops' values are per-node values."""

    def __init__(self):
        super().__init__()
        self.lin = nn.Linear(NODE_F + EDGE_F, 3)

    def forward(self, x, edge_index, edge_attr):
        from torch_geometric.utils import add_self_loops, remove_self_loops

        n, outs = x.size(0), []
        kept, kept_attr = remove_self_loops(edge_index, edge_attr)
        fills = [(kept, kept_attr, "mean"), (kept, kept_attr, "add"), (kept, kept_attr, 0.5),
                 (kept, kept_attr, "max"), (kept, kept_attr, "min"),
                 (edge_index, edge_attr, "max"), (edge_index, edge_attr, "mean"), (kept, kept_attr, None)]
        for ei, ea, fill in fills:
            ei, ea = add_self_loops(ei, ea, fill_value=fill, num_nodes=n)
            m = self.lin(torch.cat([x[ei[0]], ea], dim=1))
            outs.append(pyg_scatter(m, ei[1], 0, dim_size=n, reduce="sum"))
        _, w = remove_self_loops(edge_index, edge_attr[:, 0])  # a 1-D weight, loops filled with 2
        ei, w = add_self_loops(kept, w, fill_value=2.0, num_nodes=n)
        outs.append(pyg_scatter(x[ei[0]] * w.view(-1, 1), ei[1], 0, dim_size=n, reduce="sum"))
        outs.append(pyg_scatter(x[kept[0]], kept[1], 0, dim_size=n, reduce="max"))  # removed only
        return torch.cat(outs, dim=1)


class AttentionConv(MessagePassing):
    """A hand-written attention layer: utils.softmax of per-edge logits inside message."""

    def __init__(self):
        super().__init__(aggr="add")
        self.lin = nn.Linear(NODE_F, 4)
        self.att = nn.Linear(2 * 4, 1)

    def forward(self, x, edge_index):
        return self.propagate(edge_index, x=self.lin(x))

    def message(self, x_i, x_j, index, size_i):
        alpha = pyg_softmax(self.att(torch.cat([x_i, x_j], dim=1)), index, num_nodes=size_i)
        return alpha * x_j


def _edge_conv(aggr: str) -> nn.Module:
    return Stock(EdgeConv(nn.Sequential(nn.Linear(2 * NODE_F, 8), nn.ReLU(), nn.Linear(8, 4)), aggr=aggr))


# --------------------------------------------------------------------------- #
# Plain torch
# --------------------------------------------------------------------------- #


class PlainIndexAdd(nn.Module):
    """x[edge_index[k]], x.index_select, torch.index_select, torch.zeros(...).index_add_."""

    def __init__(self):
        super().__init__()
        self.edge = nn.Linear(3 * NODE_F, 4)
        self.node = nn.Linear(NODE_F + 4, 4)

    def forward(self, x, edge_index):
        src, dst = edge_index
        m = self.edge(torch.cat([x[edge_index[1]], x.index_select(0, src), torch.index_select(x, 0, dst)], 1))
        aggr = torch.zeros(x.size(0), 4).index_add_(0, dst, m)
        return self.node(torch.cat([x, aggr], dim=1))


class PlainScatterAdd(nn.Module):
    """new_zeros(...).scatter_add_ with an index expanded to the message shape."""

    def __init__(self):
        super().__init__()
        self.edge = nn.Linear(2 * NODE_F, 4)

    def forward(self, x, edge_index):
        m = self.edge(torch.cat([x[edge_index[0]], x[edge_index[1]]], dim=1))
        index = edge_index[1].unsqueeze(-1).expand(-1, 4)
        return x.new_zeros((x.size(0), 4)).scatter_add_(0, index, m)


class PlainScatterReduce(nn.Module):
    """torch.zeros(...).scatter_reduce_(..., include_self=False) with amax/amin/sum/mean."""

    def __init__(self, reduce: str):
        super().__init__()
        self.reduce = reduce
        self.edge = nn.Linear(2 * NODE_F, 4)

    def forward(self, x, edge_index):
        m = self.edge(torch.cat([x[edge_index[0]], x[edge_index[1]]], dim=1))
        index = edge_index[1].view(-1, 1).expand_as(m)
        return torch.zeros(x.size(0), 4).scatter_reduce_(0, index, m, reduce=self.reduce, include_self=False)


class UtilsScatter(nn.Module):
    """torch_geometric.utils.scatter with every reduction, dim_size given."""

    def __init__(self):
        super().__init__()
        self.edge = nn.Linear(2 * NODE_F + EDGE_F, 4)

    def forward(self, x, edge_index, edge_attr):
        src, dst = edge_index
        m = self.edge(torch.cat([x[src], x[dst], edge_attr], dim=1))
        n = x.size(0)
        return torch.cat(
            [pyg_scatter(m, dst, 0, n, reduce) for reduce in ("sum", "mean", "max", "min")]
            + [pyg_scatter(m, src, dim=0, dim_size=n, reduce="add")],
            dim=1,
        )


# --------------------------------------------------------------------------- #
# Around the layers
# --------------------------------------------------------------------------- #


class Activations(nn.Module):
    """nn.Sequential with every supported activation, as modules and as functions."""

    def __init__(self):
        super().__init__()
        self.seq = nn.Sequential(
            nn.Linear(NODE_F, 8), nn.LeakyReLU(0.1), nn.Linear(8, 8), nn.ELU(),
            nn.Linear(8, 8), nn.Sigmoid(), nn.Linear(8, 8), nn.Tanh(), nn.Linear(8, 8), nn.ReLU(),
        )
        self.lin = nn.Linear(8, 4)

    def forward(self, x, edge_index):
        h = self.seq(x)
        h = F.elu(self.lin(h), alpha=0.5) + F.leaky_relu(self.lin(h))
        return h[edge_index[0]]


class ZooActivations(nn.Module):
    """Every other torch activation: tables with tails (inputs up to +-14 reach them) and exact forms."""

    def __init__(self):
        super().__init__()
        self.lin = nn.Linear(NODE_F, 4)
        self.mods = nn.ModuleList([nn.SiLU(), nn.GELU(), nn.GELU(approximate="tanh"), nn.Softplus(),
                                   nn.Softplus(beta=2, threshold=5), nn.Mish(), nn.LogSigmoid(),
                                   nn.Hardtanh(-2, 3), nn.ReLU6(), nn.Hardsigmoid(), nn.Hardswish(),
                                   nn.SELU(), nn.CELU(0.5), nn.Tanhshrink()])

    def forward(self, x, edge_index):
        h = self.lin(x) * 9
        outs = [m(h) for m in self.mods] + [F.silu(h), F.gelu(h, approximate="tanh"), F.hardtanh(h)]
        return torch.cat(outs, dim=1)[edge_index[0]]


class LayerNorms(nn.Module):
    """GNN4ITk-style MLPs: Linear, LayerNorm, ReLU on edges (in a message) and on nodes; one
    LayerNorm without affine parameters on large inputs (the range reduction's down steps)."""

    def __init__(self):
        super().__init__()
        self.conv = _LayerNormEdgeConv()
        self.node = nn.Sequential(nn.Linear(4, 6), nn.LayerNorm(6), nn.ReLU())
        self.plain = nn.LayerNorm(6, elementwise_affine=False, eps=1e-3)
        with torch.no_grad():
            for ln in (self.conv.mlp[1], self.node[1]):
                ln.weight.uniform_(0.5, 1.5)
                ln.bias.uniform_(-0.5, 0.5)

    def forward(self, x, edge_index):
        h = self.node(self.conv(x, edge_index))
        return torch.cat([h, self.plain(h * 20)], dim=1)


class _LayerNormEdgeConv(MessagePassing):
    def __init__(self):
        super().__init__(aggr="add")
        self.mlp = nn.Sequential(nn.Linear(2 * NODE_F, 5), nn.LayerNorm(5), nn.ReLU(), nn.Linear(5, 4))

    def forward(self, x, edge_index):
        return self.propagate(edge_index, x=x)

    def message(self, x_i, x_j):
        return self.mlp(torch.cat([x_i, x_j], dim=1))


class FeatureOps(nn.Module):
    """Feature slicing, split/chunk/narrow, a constant index list, zero padding, stack then
    flatten, integer powers: every one a gnn.take (or gnn.mul), on nodes and in a message."""

    def __init__(self):
        super().__init__()
        self.lin = nn.Linear(NODE_F, 6)
        self.conv = _SliceConv()
        self.axes = _AxisOps()
        self.head_conv = _HeadSoftmaxConv()

    def forward(self, x, edge_index):
        h = self.lin(x)
        a, b, _ = torch.split(h, 2, dim=1)
        c, d = h.chunk(2, 1)
        e, f = torch.split(h, [1, 5], dim=1)
        parts = [h[:, :3], h[:, 1:], h[:, ::2], a, b * c[:, 1:], d, e, f.pow(3), F.pad(h, (0, 2)),
                 F.pad(h[:, -2:], (1, 1)), h.narrow(1, 1, 2), h[:, [0, 2, 5]], torch.square(c),
                 torch.stack([a, b], 1).flatten(1), torch.stack([a, -b], -1).view(-1, 4),
                 h.sum(-1, keepdim=True), h.mean(1).view(-1, 1), h.view(-1, 1, 6).sum(-1)]
        return torch.cat(parts, dim=1), self.conv(h, edge_index), self.axes(h), self.head_conv(h, edge_index)


class _AxisOps(nn.Module):
    """[N, 2, 3] views of [N, 6]: every op on the feature axes (importer_axes.py)."""

    def __init__(self):
        super().__init__()
        self.per_head = nn.Linear(3, 2)
        self.weight = nn.Parameter(torch.tensor([[0.5, -1.0], [2.0, 0.25], [-0.75, 1.5]]))
        self.att = nn.Parameter(torch.tensor([[[1.0, -2.0, 0.5], [0.25, 1.0, -1.0]]]))

    def forward(self, h):
        v = h.view(-1, 2, 3)
        a, b = v.unbind(1)
        p, q = v.split([1, 2], dim=2)
        parts = [v.permute(0, 2, 1).reshape(-1, 6), v.transpose(1, 2).flatten(1), v[:, 1], v[:, :, 1:].flatten(1),
                 v.select(2, 0), v.sum((1, 2), keepdim=True).flatten(1), v.mean(1), v.sum(-1),
                 (v * self.att).flatten(1), (v * torch.tensor([1.0, -1.0, 2.0]) + v[:, :1]).flatten(1),
                 (v * v.sum(-1, keepdim=True)).flatten(1), v[:, :1].expand(-1, 2, -1).flatten(1),
                 v.repeat(1, 1, 2).flatten(1), torch.cat([v, v * 2], dim=-1).flatten(1),
                 torch.cat([v, -v], dim=1).flatten(1), torch.stack([v, v / 2], dim=2).flatten(1),
                 self.per_head(v).flatten(1), (v @ self.weight).flatten(1), a - b, p.flatten(1), q.flatten(1),
                 v[:, :, [2, 0]].flatten(1), v.repeat_interleave(2, dim=1).flatten(1),
                 (v @ v.transpose(1, 2)).flatten(1), v.reshape(-1, 1, 6).softmax(-1).flatten(1)]
        return torch.cat(parts, dim=1)


class _HeadSoftmaxConv(MessagePassing):
    """Per-head attention in message: [E, 2, 3] values, [E, 2] logits, utils.softmax per head."""

    def __init__(self):
        super().__init__(aggr="add", node_dim=0)  # as PyG's attention layers: the rows are dim 0

    def forward(self, x, edge_index):
        return self.propagate(edge_index, x=x).flatten(1)

    def message(self, x_i, x_j, index, size_i):
        m = x_j.view(-1, 2, 3)
        alpha = pyg_softmax((x_i.view(-1, 2, 3) * m).sum(-1), index, num_nodes=size_i)
        return alpha.unsqueeze(-1) * m


class _SliceConv(MessagePassing):
    """x[:, :3] as positions and x[:, 3:] as features, ParticleNet style."""

    def __init__(self):
        super().__init__(aggr="max")
        self.mlp = nn.Linear(6, 4)

    def forward(self, x, edge_index):
        return self.propagate(edge_index, x=x)

    def message(self, x_i, x_j):
        return self.mlp(torch.cat([x_j[:, :3] - x_i[:, :3], x_j[:, 3:]], dim=1))


class EdgeWeight1D(nn.Module):
    """A 1-D edge_weight [E]: GraphConv's edge_weight.view(-1, 1) * x_j, arithmetic on the
    vector, and the vector broadcast with unsqueeze(-1)."""

    def __init__(self):
        super().__init__()
        self.conv = GraphConv(NODE_F, 4)
        self.lin = nn.Linear(4, 2)

    def forward(self, x, edge_index, edge_weight):
        h = self.conv(x, edge_index, edge_weight * 2 - 1)
        return self.lin(h)[edge_index[0]] * torch.sigmoid(edge_weight).unsqueeze(-1)


class AggrList(MessagePassing):
    """aggr=['mean', 'max', 'sum']: a MultiAggregation, its results concatenated (mode 'cat')."""

    def __init__(self, mode: str = "cat"):
        super().__init__(aggr=["mean", "max", "sum"], aggr_kwargs={"mode": mode})
        self.lin = nn.Linear(NODE_F + EDGE_F, 4)

    def forward(self, x, edge_index, edge_attr):
        return self.propagate(edge_index, x=x, edge_attr=edge_attr)

    def message(self, x_j, edge_attr):
        return self.lin(torch.cat([x_j, edge_attr], dim=-1))


class PnaAndLists(nn.Module):
    """PNAConv (towers, edge features; scalers identity and linear: d / avg from a count of the
    edges), PNAConv with the log and inverse scalers (gnn.count_fn tables of the count) over std and
    var too, SAGEConv(aggr='std'), an aggregation list, and utils.degree of edited edge lists as
    features, then a Linear."""

    def __init__(self):
        super().__init__()
        deg = torch.tensor([1, 2, 4, 3, 2])  # a training set's in-degree histogram: avg d 2.2
        self.pna = PNAConv(NODE_F, 4, ["mean", "min", "max", "sum"], ["identity", "linear"], deg,
                           edge_dim=EDGE_F, towers=2)
        self.pna_log = PNAConv(NODE_F, 4, ["mean", "max", "std", "var"],
                               ["amplification", "attenuation", "inverse_linear"], deg)
        self.std = SAGEConv(NODE_F, 2, aggr="std")
        self.lists = AggrList()
        self.lin = nn.Linear(4 + 4 + 2 + 12 + 2, 2)

    def forward(self, x, edge_index, edge_attr):
        from torch_geometric.utils import add_remaining_self_loops, degree, remove_self_loops

        n = x.size(0)
        kept, _ = remove_self_loops(edge_index)
        looped, _ = add_remaining_self_loops(edge_index, num_nodes=n)
        degrees = [degree(kept[1], n).view(-1, 1), degree(looped[0], n, dtype=x.dtype).view(-1, 1) / 4]
        return self.lin(torch.cat([self.pna(x, edge_index, edge_attr), self.pna_log(x, edge_index),
                                   self.std(x, edge_index), self.lists(x, edge_index, edge_attr), *degrees], 1))


class BatchNorms(nn.Module):
    """BatchNorm1d after a Linear (folded), after a ReLU (a scale), after SAGEConv's add (folded into both)."""

    def __init__(self):
        super().__init__()
        self.lin = nn.Linear(NODE_F, 8)
        self.bn1 = nn.BatchNorm1d(8)
        self.bn2 = nn.BatchNorm1d(8, affine=False)
        self.sage = SAGEConv(8, 4)
        self.bn3 = nn.BatchNorm1d(4)
        g = torch.Generator().manual_seed(7)
        for bn in (self.bn1, self.bn2, self.bn3):
            bn.running_mean.uniform_(-1, 1, generator=g)
            bn.running_var.uniform_(0.5, 2, generator=g)
            if bn.affine:
                bn.weight.data.uniform_(0.5, 2, generator=g)
                bn.bias.data.uniform_(-1, 1, generator=g)

    def forward(self, x, edge_index):
        h = self.bn2(torch.relu(self.bn1(self.lin(x))))
        return self.bn3(self.sage(h, edge_index))


class Arithmetic(nn.Module):
    """Residual adds, torch.cat, elementwise mul, constant scaling, subtraction, negation, division."""

    def __init__(self):
        super().__init__()
        self.a = nn.Linear(NODE_F, 4)
        self.b = nn.Linear(NODE_F, 4)
        self.gate = nn.Linear(NODE_F, 1)
        self.weight = nn.Parameter(torch.tensor([0.5, -1.0, 2.0, 0.25]))
        self.conv = EdgeOnlyConv()

    def forward(self, x, edge_index, edge_attr):
        a, b = self.a(x), self.b(x)
        h = a + self.conv(x, edge_index, edge_attr)  # residual
        h = h * b - a  # elementwise mul, subtraction
        h = 0.5 * h + h / 4 - 1.0  # constant scaling, division by a constant, a constant shift
        h = (1 - h) * self.weight + torch.add(h, b, alpha=2)  # rsub, per-feature scale, alpha
        g = torch.sigmoid(self.gate(x))
        return torch.cat([-h, g * b, b - g], dim=1)  # neg, broadcast mul and sub of [N, 1]


# --------------------------------------------------------------------------- #
# The matrix
# --------------------------------------------------------------------------- #


@dataclass(frozen=True)
class Case:
    id: str
    group: str
    item: str
    build: Callable[[], nn.Module]
    inputs: str = "x,ei"  # which of x, ei, ea, ew the model takes, in order; "data" for a Data object
    ops: dict[str, int] = field(default_factory=dict)  # expected gnn op counts (subset)
    backends: tuple[str, ...] = ("vitis", "oneapi")  # csim (both io modes); newer cases: one (CI time)

    def args(self, n: int, e: int, seed: int) -> tuple:
        x, ei, ea = random_graph(n, e, seed)
        if self.inputs == "data":
            return (Data(x=x, edge_index=ei, edge_attr=ea, y=torch.zeros(n)),)
        named = {"x": x, "ei": ei, "ea": ea, "ew": ea[:, 0].contiguous()}  # ew: a 1-D edge_weight
        return tuple(named[k] for k in self.inputs.split(","))


MP, STOCK, PLAIN, AROUND = "MessagePassing", "stock layers", "plain torch", "around the layers"

CASES = [
    Case("mp-flow-source-to-target", MP, "flow source_to_target; message(x_i, x_j, edge_attr); aggr add",
         lambda: EdgeMLPConv("add", "source_to_target"), "x,ei,ea", {"scatter": 1, "gather": 2}),
    Case("mp-flow-target-to-source", MP, "flow target_to_source",
         lambda: EdgeMLPConv("add", "target_to_source"), "x,ei,ea"),
    Case("mp-aggr-sum", MP, "aggr 'sum'", _aggr("sum"), "x,ei,ea"),
    Case("mp-aggr-mean", MP, "aggr 'mean'", _aggr("mean"), "x,ei,ea"),
    Case("mp-aggr-max", MP, "aggr 'max'", _aggr("max"), "x,ei,ea"),
    Case("mp-aggr-min", MP, "aggr 'min'", _aggr("min"), "x,ei,ea"),
    Case("mp-message-args", MP, "message(x_j, edge_attr); message(x_i, h_j) with a second node tensor",
         MixedArgs, "x,ei,ea"),
    Case("mp-update-args", MP, "update(aggr_out, x, root) with extra arguments", RootUpdateConv),
    Case("mp-rounds-shared", MP, "one layer called 3 times (shared weights), residual",
         SharedRounds, "x,ei,ea", {"scatter": 3}),
    Case("mp-rounds-separate", MP, "ModuleList of layers (separate weights); propagate twice in one forward",
         SeparateRounds, "x,ei,ea", {"scatter": 4}),
    Case("mp-data-object", MP, "forward(data) with a Data object", DataModel, "data"),
    Case("mp-utils-softmax", MP, "attention in message with torch_geometric.utils.softmax",
         AttentionConv, ops={"edge_softmax": 1}),
    Case("gcn", STOCK, "GCNConv (self loops as a root term, deg^-1/2 table)",
         lambda: Stock(GCNConv(NODE_F, 4)), ops={"degree_norm": 1, "loop_mask": 1, "scatter": 1}),
    Case("gcn-two-layers", STOCK, "two GCNConv layers share one normalisation (gnn-cse)",
         TwoGCN, ops={"degree_norm": 1, "loop_mask": 1, "scatter": 2}),
    Case("gcn-no-self-loops", STOCK, "GCNConv(add_self_loops=False)",
         lambda: Stock(GCNConv(NODE_F, 4, add_self_loops=False)), ops={"degree_norm": 1, "loop_mask": 0}),
    Case("gcn-no-normalize", STOCK, "GCNConv(normalize=False)",
         lambda: Stock(GCNConv(NODE_F, 4, normalize=False)), ops={"degree_norm": 0}),
    Case("sgconv", STOCK, "SGConv(K=2) (gcn_norm: self loops as root terms, one edge mask)",
         lambda: Stock(SGConv(NODE_F, 4, K=2)), ops={"degree_norm": 1, "loop_mask": 1, "scatter": 2}),
    Case("tagconv", STOCK, "TAGConv(K=2) (gcn_norm, no self loops: one deg^-1/2 table)",
         lambda: Stock(TAGConv(NODE_F, 4, K=2)), ops={"degree_norm": 1}),
    Case("gatv2", STOCK, "GATv2Conv(heads=2) (per-head [N, 2, 2] values; remove_self_loops + add_self_loops: "
         "the loops as the softmax root)",
         lambda: Stock(GATv2Conv(NODE_F, 2, heads=2), width=4), ops={"edge_softmax": 1, "repeat": 2}),
    Case("gatv2-no-self-loops", STOCK, "GATv2Conv(add_self_loops=False, share_weights=True)",
         lambda: Stock(GATv2Conv(NODE_F, 4, add_self_loops=False, share_weights=True)),
         ops={"edge_softmax": 1, "loop_mask": 0}),
    Case("pointnet", STOCK, "PointNetConv (max; self loops removed and added: loop + max of relu(m - loop))",
         PointNet, ops={"loop_mask": 1}),
    Case("pointnet-add", STOCK, "PointNetConv(aggr='add')", lambda: PointNet("add")),
    Case("pointnet-min", STOCK, "PointNetConv(aggr='min') (loop - max of relu(loop - m))", lambda: PointNet("min")),
    Case("mp-loop-utils", MP, "add_remaining_self_loops / remove_self_loops called in a layer's forward; "
         "mean over the edges and the loops", LoopEdits, ops={"loop_mask": 1}),
    Case("gat-edge-dim-loops", STOCK, "GATConv(edge_dim=2, heads=2) with its self loops (fill_value='mean': "
         "the loop's edge features are the mean over the kept edges, 1/d from a count table)",
         lambda: _EdgeStock(GATConv(NODE_F, 2, heads=2, edge_dim=EDGE_F), width=4), "x,ei,ea",
         {"edge_softmax": 1, "degree_norm": 1}, ("vitis",)),
    Case("gatv2-edge-dim-fill", STOCK, "GATv2Conv(edge_dim=2, fill_value=0.5) (a constant loop attribute)",
         lambda: _EdgeStock(GATv2Conv(NODE_F, 4, edge_dim=EDGE_F, fill_value=0.5)), "x,ei,ea",
         {"edge_softmax": 1, "degree_norm": 0}, ("vitis",)),
    Case("mp-loop-fill", MP, "add_self_loops(edge_index, edge_attr, fill_value=...): 'mean', 'add', a number, "
         "'max', 'min', None after remove_self_loops; 'max', 'mean' on the edges as given; a 1-D weight filled "
         "with 2; a max over the kept edges (loops removed, none added)",
         LoopFills, "x,ei,ea", {"degree_norm": 1}, ("vitis",)),
    Case("egconv", STOCK, "EGConv(num_heads=2, num_bases=2) with its default add_self_loops (gcn_norm)",
         lambda: Stock(EGConv(NODE_F, 4, num_heads=2, num_bases=2)), ops={"degree_norm": 1}, backends=("vitis",)),
    Case("pna", STOCK, "PNAConv(towers=2, edge_dim=2) with aggregators mean/min/max/sum and scalers identity, "
         "linear (d / avg: a scatter of ones); PNAConv with scalers amplification, attenuation, inverse_linear "
         "(gnn.count_fn: tables of log(d + 1) / avg, avg / log(max(d, 1) + 1), avg / max(d, 1)) over mean/max/"
         "std/var (var: mean(x^2) - mean(x)^2; std: its exact fixed-point square root above 1e-5); "
         "SAGEConv(aggr='std'); an aggr list "
         "['mean', 'max', 'sum'] (mode 'cat'); utils.degree after remove_self_loops and add_remaining_self_loops",
         PnaAndLists, "x,ei,ea", {"scatter": 15, "count_fn": 3, "activation": 2}),
    Case("sage-mean", STOCK, "SAGEConv(aggr='mean')", lambda: Stock(SAGEConv(NODE_F, 4))),
    Case("sage-max", STOCK, "SAGEConv(aggr='max')", lambda: Stock(SAGEConv(NODE_F, 4, aggr="max"))),
    Case("gin-eps", STOCK, "GINConv(eps=0.25)", lambda: _gin(False), ops={"scale": 1}),
    Case("gin-train-eps", STOCK, "GINConv(train_eps=True)", lambda: _gin(True), ops={"scale": 1}),
    Case("edgeconv-max", STOCK, "EdgeConv(aggr='max')", lambda: _edge_conv("max"), ops={"sub": 1}),
    Case("edgeconv-mean", STOCK, "EdgeConv(aggr='mean')", lambda: _edge_conv("mean"), ops={"sub": 1}),
    Case("graphconv-add", STOCK, "GraphConv(aggr='add')", lambda: Stock(GraphConv(NODE_F, 4, aggr="add"))),
    Case("graphconv-mean", STOCK, "GraphConv(aggr='mean')", lambda: Stock(GraphConv(NODE_F, 4, aggr="mean"))),
    Case("gat", STOCK, "GATConv (one head; edge softmax with the self loop as a root term)",
         lambda: Stock(GATConv(NODE_F, 4)), ops={"edge_softmax": 1, "repeat": 0, "scale": 0, "loop_mask": 0}),
    Case("gat-heads", STOCK, "GATConv(heads=3, concat=True)",
         lambda: Stock(GATConv(NODE_F, 2, heads=3), width=6), ops={"edge_softmax": 1, "loop_mask": 0}),
    Case("gat-heads-mean", STOCK, "GATConv(heads=2, concat=False, residual=True)",
         lambda: Stock(GATConv(NODE_F, 4, heads=2, concat=False, residual=True)), ops={"edge_softmax": 1}),
    Case("gat-edge-dim", STOCK, "GATConv(edge_dim=2, add_self_loops=False, heads=2)",
         GATEdges, "x,ei,ea", {"edge_softmax": 1}),
    Case("genconv", STOCK, "GENConv (softmax aggregation, t = 1; MLP with BatchNorm)",
         lambda: Stock(GENConv(NODE_F, 4)), ops={"edge_softmax": 1}),
    Case("genconv-learn-t", STOCK, "GENConv(edge_dim=2, learn_t=True, t=0.5, norm='layer', num_layers=2)",
         lambda: _EdgeStock(GENConv(NODE_F, 4, edge_dim=EDGE_F, learn_t=True, t=0.5, norm="layer", num_layers=2)),
         "x,ei,ea", {"edge_softmax": 1, "layer_norm": 1}),
    Case("transformer", STOCK, "TransformerConv(heads=2, edge_dim=2, beta=True) (per-head dot products, "
         "alpha.view(-1, H, 1) broadcast, root weight and beta gate)",
         lambda: _EdgeStock(TransformerConv(NODE_F, 2, heads=2, edge_dim=EDGE_F, beta=True), width=4), "x,ei,ea",
         {"edge_softmax": 1, "repeat": 1}),
    Case("generalconv", STOCK, "GeneralConv(heads=2, attention=True, in_edge_channels=2) (per-head attention "
         "with att_msg, the mean over the heads)",
         lambda: _EdgeStock(GeneralConv(NODE_F, 4, in_edge_channels=EDGE_F, heads=2, attention=True)), "x,ei,ea",
         {"edge_softmax": 1}),
    Case("nnconv", STOCK, "NNConv(aggr='mean') (edge-conditioned weights [E, in, out]: x_j @ W_e as a broadcast, "
         "a mul and a sum)",
         lambda: _EdgeStock(NNConv(NODE_F, 4, nn.Sequential(nn.Linear(EDGE_F, 8), nn.ReLU(),
                                                            nn.Linear(8, NODE_F * 4)), aggr="mean")),
         "x,ei,ea", {"repeat": 1, "mul": 1}),
    Case("plain-index-add", PLAIN, "x[edge_index[k]], index_select (method and torch.), zeros().index_add_",
         PlainIndexAdd, ops={"gather": 2, "scatter": 1}),  # x[dst] and index_select(x, 0, dst): one (gnn-cse)
    Case("plain-scatter-add", PLAIN, "new_zeros().scatter_add_", PlainScatterAdd, ops={"scatter": 1}),
    Case("plain-scatter-reduce-amax", PLAIN, "scatter_reduce_('amax', include_self=False)",
         lambda: PlainScatterReduce("amax")),
    Case("plain-scatter-reduce-amin", PLAIN, "scatter_reduce_('amin', include_self=False)",
         lambda: PlainScatterReduce("amin")),
    Case("plain-scatter-reduce-sum", PLAIN, "scatter_reduce_('sum', include_self=False)",
         lambda: PlainScatterReduce("sum")),
    Case("plain-scatter-reduce-mean", PLAIN, "scatter_reduce_('mean', include_self=False)",
         lambda: PlainScatterReduce("mean")),
    Case("plain-utils-scatter", PLAIN, "torch_geometric.utils.scatter sum/add/mean/max/min",
         UtilsScatter, "x,ei,ea", {"scatter": 5}),
    Case("activations", AROUND, "nn.Sequential, Linear, ReLU, LeakyReLU, ELU, Sigmoid, Tanh (modules, F.*)",
         Activations, ops={"activation": 7}),
    Case("activations-zoo", AROUND, "SiLU, GELU (erf, tanh), Softplus (beta, threshold), Mish, LogSigmoid "
         "(tables with tails); Hardtanh, ReLU6, Hardsigmoid, Hardswish (exact clamps); SELU, CELU, Tanhshrink",
         ZooActivations, ops={"activation": 14, "mul": 1}),  # F.* repeats and hardswish's hardsigmoid merge (gnn-cse)
    Case("layernorm", AROUND, "LayerNorm on edge and node MLPs (affine), without affine, eps",
         LayerNorms, ops={"layer_norm": 3}),
    Case("feature-ops", AROUND, "x[:, a:b:s], torch.split/chunk/narrow, x[:, [i, j]], F.pad with zeros, "
         "torch.stack then flatten/view, pow by an integer, torch.square, sum/mean over the features; "
         "on [N, 2, 3] views: permute/transpose, select/slice/unbind/split/index of an axis, sums and means "
         "over axes, broadcasting constants and matrices, expand, repeat, cat/stack along axes, Linear on "
         "the last axis, @ a constant and a per-row product, softmax over one full axis, per-head "
         "attention in a message", FeatureOps),
    Case("edge-weight-1d", AROUND, "a 1-D per-edge weight [E] (GraphConv's edge_weight, vector arithmetic, unsqueeze)",
         EdgeWeight1D, "x,ei,ew"),
    Case("batchnorm", AROUND, "BatchNorm1d folded after Linear, after ReLU, after SAGEConv",
         BatchNorms, ops={"batch_norm": 0, "scale": 1}),
    Case("arithmetic", AROUND, "residual add, cat, mul, constant scaling, sub, neg, division by a constant",
         Arithmetic, "x,ei,ea", {"sub": 2}),
]


def _histogram(module) -> Counter:
    hist: Counter = Counter()
    for op in module.walk():
        if op.name.startswith("gnn."):
            hist[op.name[len("gnn."):]] += 1
    return hist


@pytest.fixture(scope="module", params=CASES, ids=lambda c: c.id)
def compiled(request):
    """(case, model, design): each case captured and compiled once."""
    case: Case = request.param
    torch.manual_seed(0)
    model = case.build().eval()
    design = gnnc.compile(model, case.args(*EXAMPLE), CONFIG)
    return case, model, design


def _outputs(value) -> list[np.ndarray]:
    return list(value) if isinstance(value, tuple) else [value]


def test_float_matches_torch(compiled):
    case, model, design = compiled
    for n, e, seed in CHECKS:
        args = case.args(n, e, seed)
        expected = torch_forward(model, *args)
        actual = _outputs(design.emulate(*args, fixed=False))
        assert [a.shape for a in actual] == [x.shape for x in expected]
        error = max(float(np.abs(a - x).max()) for a, x in zip(actual, expected))
        assert error <= TOLERANCE, f"{case.id} on {n}x{e}: {error}"


# Fixed point (fixed<16,8>: steps of 2^-8) against the float run of the same IR. Each op
# rounds (trn) once, less than a step, and the few layers of these models multiply that by
# sums of |w| and degrees; tables add under 2^-9 (sigmoid: steps of 1/64, slope <= 1/4).
# Measured at most 17 steps over the matrix; 32 steps leave room while a wrong type
# (a wrapping accumulator, a dropped bias, a mean by the wrong degree) shows far above it.
FIXED_TOLERANCE = 32 * 2.0**-8


def test_fixed_close_to_float(compiled):
    case, _, design = compiled
    for n, e, seed in CHECKS:
        args = case.args(n, e, seed)
        fixed, exact = _outputs(design.emulate(*args)), _outputs(design.emulate(*args, fixed=False))
        error = max(float(np.abs(a - x).max()) for a, x in zip(fixed, exact))
        assert error <= FIXED_TOLERANCE, f"{case.id} on {n}x{e}: |fixed - float| = {error}"


def test_list_equals_one_by_one(compiled):
    """emulate(list) runs the graphs as one union; each graph must get exactly its own outputs."""
    case, _, design = compiled
    graphs = [case.args(n, e, seed) for n, e, seed in CHECKS]
    for fixed in (True, False):
        for many, args in zip(design.emulate(graphs, fixed=fixed), graphs, strict=True):
            for m, a in zip(_outputs(many), _outputs(design.emulate(*args, fixed=fixed)), strict=True):
                if fixed:
                    np.testing.assert_array_equal(m, a)
                else:  # float: BLAS may sum in another order for another row count
                    np.testing.assert_allclose(m, a, rtol=1e-12, atol=1e-12)


def test_expected_ops(compiled):
    case, _, design = compiled
    hist = _histogram(design.module("gnn"))
    assert {k: hist[k] for k in case.ops} == case.ops, hist


def _assert_csim_exact(case, design, backend):
    graphs = [case.args(n, e, seed) for n, e, seed in CHECKS]
    simulated = design.csim_many(graphs, backend=backend)
    for sim, emulated in zip(simulated, design.emulate(graphs), strict=True):  # the list run together
        emulated = _outputs(emulated)
        assert len(sim) == len(emulated)
        for s, x in zip(sim, emulated):
            np.testing.assert_array_equal(s, x)


@pytest.mark.parametrize("backend", ["vitis", "oneapi"])
def test_csim_matches_emulator(compiled, backend):
    case, _, design = compiled
    if backend not in case.backends:
        pytest.skip(f"{case.id}: csim on {', '.join(case.backends)} only")
    _assert_csim_exact(case, design, backend)


@pytest.mark.parametrize("backend", ["vitis", "oneapi"])
def test_stream_csim_matches_emulator(compiled, backend):
    """The same model as dataflow stages and streams (io: stream): the same bits."""
    case, model, _ = compiled
    if backend not in case.backends:
        pytest.skip(f"{case.id}: csim on {', '.join(case.backends)} only")
    design = gnnc.compile(model, case.args(*EXAMPLE), {**CONFIG, "io": "stream"})
    _assert_csim_exact(case, design, backend)


# --------------------------------------------------------------------------- #
# Models that would compute something else if captured naively
# --------------------------------------------------------------------------- #


class SageTuple(nn.Module):
    """SAGEConv called with (x, x): PyG tests isinstance(x, Tensor) and reads x[1]."""

    def __init__(self):
        super().__init__()
        self.conv = SAGEConv(NODE_F, 4)

    def forward(self, x, edge_index):
        return self.conv(x, edge_index) + self.conv((x, x), edge_index)


class TorchIndexSelect(nn.Module):
    """torch.index_select, which PyG 2.8 replaces by a Python wrapper (for HashTensor)."""

    def forward(self, x, edge_index):
        return torch.index_select(x, 0, edge_index[0]) - torch.index_select(x, -2, edge_index[1])


def _float_error(model: nn.Module) -> float:
    imported = import_model(model, random_graph(*EXAMPLE)[:2])
    errors = []
    for n, e, seed in CHECKS:
        args = random_graph(n, e, seed)[:2]
        expected = torch_forward(model, *args)
        errors.append(max(float(np.abs(a - x).max()) for a, x in zip(run(imported.module, imported.bind(*args)), expected)))
    return max(errors)


def test_pitfall_isinstance_in_sage_conv():
    """Under torch.fx, isinstance(Proxy, Tensor) is False and SAGEConv silently uses row 1 of x."""
    assert _float_error(SageTuple().eval()) <= TOLERANCE


def test_pitfall_torch_index_select_wrapper():
    """Under torch.fx, PyG's torch.index_select wrapper fails; export must still see a gather."""
    model = TorchIndexSelect().eval()
    hist = _histogram(import_model(model, random_graph(*EXAMPLE)[:2]).module)
    assert hist == Counter({"gather": 2, "sub": 1})
    assert _float_error(model) <= TOLERANCE


def test_pitfall_gcn_improved_without_edge_weight():
    """PyG ignores improved=True when edge_weight is None (the self loops get weight 1); so do we."""
    torch.manual_seed(0)
    assert _float_error(Stock(GCNConv(NODE_F, 4, improved=True)).eval()) <= TOLERANCE


def test_pitfall_self_loops_in_edge_index():
    """Layers that remove or replace self loops already in edge_index (several per node here)."""
    torch.manual_seed(0)
    for conv in (GCNConv(NODE_F, 4), GATConv(NODE_F, 4, heads=2), SGConv(NODE_F, 4), GATv2Conv(NODE_F, 4)):
        model = Stock(conv, width=conv.out_channels * getattr(conv, "heads", 1)).eval()
        imported = import_model(model, random_graph(*EXAMPLE)[:2])
        x, edge_index, _ = random_graph(6, 12, 4)
        edge_index[:, :4] = torch.tensor([[2, 2, 2, 3], [2, 2, 2, 3]])
        actual = run(imported.module, imported.bind(x, edge_index))[0]
        np.testing.assert_allclose(actual, torch_forward(model, x, edge_index)[0], atol=TOLERANCE)


class EdgeWeightNotNamedEdge(nn.Module):
    """A per-edge weight not named edge*: with N == E in the example it looks per-node."""

    def __init__(self):
        super().__init__()
        self.lin = nn.Linear(NODE_F, 4)

    def forward(self, x, edge_index, w):
        m = self.lin(x)[edge_index[0]] * w
        return pyg_scatter(m, edge_index[1], 0, dim_size=x.size(0), reduce="sum")


def test_pitfall_example_with_as_many_nodes_as_edges():
    """N == E: the first reading (w per node) ties N to E in torch.export; the per-edge
    reading is tried next and is the one that captures; it then works for every N != E."""
    torch.manual_seed(0)
    model = EdgeWeightNotNamedEdge().eval()
    x, edge_index, _ = random_graph(10, 10, 0)
    design = gnnc.compile(model, (x, edge_index, torch.randn(10, 1)), CONFIG)
    assert top_function(design.module("gnn")).args[2].type.kind == "edges"
    for n, e, seed in CHECKS:
        x, edge_index, w = random_graph(n, e, seed)
        args = (x, edge_index, w[:, :1])
        error = np.abs(design.emulate(*args, fixed=False) - torch_forward(model, *args)[0]).max()
        assert error <= TOLERANCE


# --------------------------------------------------------------------------- #
# Unsupported models: the op or module, the user's line, the supported list
# --------------------------------------------------------------------------- #


class Softsign(nn.Module):
    def __init__(self):
        super().__init__()
        self.lin = nn.Linear(NODE_F, 4)

    def forward(self, x, edge_index):
        return F.softshrink(self.lin(x))[edge_index[0]]


class NodeRow(nn.Module):
    def forward(self, x, edge_index):
        return x[1] * x  # one node's row broadcast over all nodes: not a graph operation


class GcnEdgeWeight(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = GCNConv(NODE_F, 4)

    def forward(self, x, edge_index, edge_attr):
        return self.conv(x, edge_index, edge_attr)


class SoftmaxWithoutSize(MessagePassing):
    def __init__(self):
        super().__init__(aggr="add")

    def forward(self, x, edge_index):
        return self.propagate(edge_index, x=x)

    def message(self, x_j, index):
        return pyg_softmax(x_j, index) * x_j


class IncludeSelf(nn.Module):
    def forward(self, x, edge_index):
        m = x[edge_index[0]]
        return torch.zeros(x.size(0), NODE_F).scatter_reduce_(0, edge_index[1].view(-1, 1).expand_as(m), m, "amax")


class HeadsView(nn.Module):
    """Per-head [rows, 2, 2] values the axis rule refuses (each `kind` one)."""

    def __init__(self, kind: str):
        super().__init__()
        self.kind = kind
        self.lin = nn.Linear(NODE_F, 4)

    def forward(self, x, edge_index):
        h = self.lin(x)
        heads = h.view(-1, 2, 2)
        if self.kind == "output":  # a 3-D result
            return heads[edge_index[0]]
        if self.kind == "rows":  # a view that is not per row: [N, 4] as [2N, 2]
            return h.view(-1, 2)
        if self.kind == "transpose":  # the rows moved
            return heads.transpose(0, 1).sum(0)
        if self.kind == "softmax":  # a softmax per head: no gnn op
            return torch.softmax(heads, dim=-1).flatten(1)
        return heads.amax(dim=1)  # a max over the heads


class HeadsNodeDim(MessagePassing):
    """[E, 2, 2] messages with PyG's default node_dim=-2: PyG would aggregate along the heads."""

    def __init__(self):
        super().__init__(aggr="add")
        self.lin = nn.Linear(NODE_F, 4)

    def forward(self, x, edge_index):
        return self.propagate(edge_index, x=self.lin(x)).flatten(1)

    def message(self, x_j):
        return x_j.view(-1, 2, 2)


class GraphView(nn.Module):
    def __init__(self):
        super().__init__()
        self.lin = nn.Linear(NODE_F, 4)

    def forward(self, x, edge_index):
        return self.lin(x).sum(0).view(2, 2)  # one graph's row [4] as two rows


class VectorOutput(nn.Module):
    def forward(self, x, edge_index):
        return x[edge_index[0]][:, :1].squeeze(-1)


class PowHalf(nn.Module):
    def forward(self, x, edge_index):
        return x.pow(0.5)[edge_index[0]]


class PadReflect(nn.Module):
    def forward(self, x, edge_index):
        return F.pad(x, (1, 1), mode="reflect")[edge_index[0]]


class StackRows(nn.Module):
    def forward(self, x, edge_index):
        return torch.stack([x, 2 * x], 0).sum(0)[edge_index[0]]


class RowSlice(nn.Module):
    def forward(self, x, edge_index):
        return x[edge_index[0]][: x.size(0)]


class LoopRefusals(nn.Module):
    """Self-loop edits the rule refuses (each `kind` one)."""

    def __init__(self, kind: str):
        super().__init__()
        self.kind = kind

    def forward(self, x, edge_index, edge_attr=None):
        from torch_geometric.utils import add_remaining_self_loops, add_self_loops, remove_self_loops

        n = x.size(0)
        if self.kind == "fill-mul":
            edge_index, edge_attr = add_self_loops(edge_index, edge_attr, fill_value="mul", num_nodes=n)
            return pyg_scatter(x[edge_index[0]] * edge_attr[:, :1], edge_index[1], 0, dim_size=n)
        if self.kind == "remaining-attr":  # kept loops keep their values: a per-node choice
            return add_remaining_self_loops(edge_index, edge_attr, num_nodes=n)[1][edge_index[0]]
        if self.kind == "no-num-nodes":
            edge_index, _ = add_self_loops(edge_index)
        elif self.kind == "twice":
            edge_index, _ = add_self_loops(add_self_loops(edge_index, num_nodes=n)[0], num_nodes=n)
        elif self.kind in ("mean", "softmax"):  # the loops in edge_index are kept: two per node
            edge_index, _ = add_self_loops(edge_index, num_nodes=n)
        m = x[edge_index[0]]
        if self.kind == "softmax":
            m = pyg_softmax(m, edge_index[1], num_nodes=n) * m
        reduce = {"mean": "mean"}.get(self.kind, "sum")
        return pyg_scatter(m, edge_index[1], 0, dim_size=n, reduce=reduce)


class EdgeCountAfterLoops(MessagePassing):
    """Reads the edge list after remove_self_loops other than by reducing it onto the nodes:
    PyG sees the kept edges, a design all E (the loops masked). Each `kind` one reading."""

    def __init__(self, kind: str):
        super().__init__(aggr="add")
        self.kind = kind
        self.lin = nn.Linear(NODE_F, 4)

    def forward(self, x, edge_index, edge_attr):
        from torch_geometric.utils import remove_self_loops

        edge_index, _ = remove_self_loops(edge_index)
        h = self.lin(x)
        if self.kind == "size":  # size arithmetic: refused by the importer itself
            return h / edge_index.size(1)
        if self.kind == "edges-mean":  # a mean over the edges: PyG divides by the kept count
            return h[edge_index[0]].mean(0, keepdim=True)
        if self.kind == "count-slice":  # edge_attr was not filtered: its first (kept count) rows
            return self.propagate(edge_index, x=h, w=edge_attr[: edge_index.size(1), :1])
        return h[edge_index[0]]  # one row per kept edge in PyG

    def message(self, x_j, w):
        return x_j * w


_LOOP_COUNT = ["depends on the self loops that remove_self_loops removes", "with a self loop added to",
               "self loops removed in EdgeCountAfterLoops.forward",
               "in forward: edge_index, _ = remove_self_loops(edge_index)", "edge_index.size(1)"]


UNSUPPORTED = [
    ("softshrink", Softsign, "x,ei", ["torch.softshrink", "Softsign.forward", "F.softshrink(self.lin(x))"]),
    ("heads-output", lambda: HeadsView("output"), "x,ei",
     ["output 0 of HeadsView has shape [E, 2, 2]", "return it as [rows, 4]", ".flatten(1)"]),
    ("view-mixes-rows", lambda: HeadsView("rows"), "x,ei",
     ["torch.view): the view of [N, 4] as [2N, 2] mixes the rows", "view(-1, heads, C)", "h.view(-1, 2)"]),
    ("heads-transpose-rows", lambda: HeadsView("transpose"), "x,ei",
     ["torch.transpose", "moves the rows: dimension 0 must stay first"]),
    ("heads-softmax", lambda: HeadsView("softmax"), "x,ei",
     ["torch.softmax): softmax along dimension -1 of [N, 2, 2]", "a softmax per head"]),
    ("heads-node-dim", HeadsNodeDim, "x,ei",
     ["HeadsNodeDim (the model itself)", "the message has 3 axes and node_dim=-2", "node_dim=0"]),
    ("heads-max", lambda: HeadsView("max"), "x,ei",
     ["unsupported operation aten.amax.default (torch.amax) on a value of shape [N, 2, 2]",
      "sums and means over the trailing axes"]),
    ("loops-remaining-edge-attr", lambda: LoopRefusals("remaining-attr"), "x,ei,ea",
     ["add_remaining_self_loops with edge features or weights", "remove_self_loops and then add_self_loops"]),
    ("chebconv-laplacian", lambda: Stock(ChebConv(NODE_F, 4, K=2)), "x,ei",
     ["module 'conv' (ChebConv)", "torch_geometric.utils.get_laplacian", "boolean index",
      "cannot be compiled yet"]),
    ("loops-without-num-nodes", lambda: LoopRefusals("no-num-nodes"), "x,ei",
     ["add_self_loops without num_nodes", "pass num_nodes=x.size(0)", "LoopRefusals.forward"]),
    ("loops-added-twice", lambda: LoopRefusals("twice"), "x,ei", ["two loops per node"]),
    ("loops-mean-kept", lambda: LoopRefusals("mean"), "x,ei",
     ["mean aggregation over edge_index with its self loops added", "pyg_scatter(m, edge_index[1]"]),
    ("loops-softmax-kept", lambda: LoopRefusals("softmax"), "x,ei", ["would count twice", "remove_self_loops"]),
    ("loops-fill-mul", lambda: LoopRefusals("fill-mul"), "x,ei,ea",
     ["add_self_loops with fill_value='mul' is not supported", "'mean'"]),
    ("loops-then-size", lambda: EdgeCountAfterLoops("size"), "x,ei,ea",
     ["torch.div", "a node matrix with 4 features / the size E", "a run-time value of a design",
      "return h / edge_index.size(1)"]),
    ("loops-then-edges-mean", lambda: EdgeCountAfterLoops("edges-mean"), "x,ei,ea",
     [*_LOOP_COUNT, "output 0 ('out0') differs from torch by"]),
    ("loops-then-count-slice", lambda: EdgeCountAfterLoops("count-slice"), "x,ei,ea",
     [*_LOOP_COUNT, "differs from torch by"]),
    ("loops-then-edge-output", lambda: EdgeCountAfterLoops("edge-output"), "x,ei,ea",
     [*_LOOP_COUNT, "output 0 ('out0') has 32 rows in the design, 22 in torch"]),
    ("aggr-list-sum-mode", lambda: AggrList("sum"), "x,ei,ea",
     ["AggrList (the model itself)", "the aggregation list 'mean', 'max', 'sum' (mode 'sum')", "(mode 'cat')"]),
    ("rows-slice", RowSlice, "x,ei", ["a slice of the rows of an edge matrix with 3 features", "only all rows"]),
    ("graph-view", GraphView, "x,ei", ["torch.view): the result has shape [2, 2], not [1, F] or [F] with F = 4"]),
    ("vector-output", VectorOutput, "x,ei", ["output 0 of VectorOutput is a vector [E]", "return it as [rows, 1]"]),
    ("pow-half", PowHalf, "x,ei", ["torch.pow", "only integers >= 1", "x.pow(0.5)"]),
    ("pad-reflect", PadReflect, "x,ei", ["only zero padding", "mode='reflect'"]),
    ("stack-dim-0", StackRows, "x,ei", ["torch.stack along dimension 0", "add them"]),
    ("node-row", NodeRow, "x,ei", ["torch.select", "selecting one row of a node matrix", "return x[1] * x"]),
    ("sage-normalize", lambda: Stock(SAGEConv(NODE_F, 4, normalize=True)), "x,ei",
     ["torch.linalg_vector_norm", "module 'conv' (SAGEConv)", "F.normalize"]),
    ("sage-lstm", lambda: Stock(SAGEConv(NODE_F, 4, aggr="lstm")), "x,ei",
     ["module 'conv' (SAGEConv)", "aggregation 'lstm' is not supported"]),
    ("gcn-cached", lambda: Stock(GCNConv(NODE_F, 4, cached=True)), "x,ei",
     ["module 'conv' (GCNConv)", "cached=True", "build the layer with cached=False"]),
    ("gcn-edge-weight", GcnEdgeWeight, "x,ei,ea", ["module 'conv' (GCNConv)", "with an edge_weight"]),
    ("softmax-without-num-nodes", SoftmaxWithoutSize, "x,ei",
     ["softmax without num_nodes", "pyg_softmax(x_j, index) * x_j"]),
    ("scatter-reduce-include-self", IncludeSelf, "x,ei",
     ["torch.scatter_reduce", "include_self=True", "IncludeSelf.forward"]),
]


@pytest.mark.parametrize("build, inputs, expected", [u[1:] for u in UNSUPPORTED], ids=[u[0] for u in UNSUPPORTED])
def test_unsupported_is_refused_at_compile(build, inputs, expected):
    case = Case("unsupported", "", "", build, inputs)
    with pytest.raises(gnnc.UnsupportedModelError) as info:
        gnnc.compile(build(), case.args(*EXAMPLE), CONFIG)
    message = str(info.value)
    for text in expected:
        assert text in message, message
    assert "gnnc supports:" in message and "GATConv" in message
    assert info.value.__cause__ is None and "Traceback" not in message
    first = message.splitlines()[0]
    assert all(first.count(op) == 1 for op in re.findall(r"aten\.\w+\.\w+", first)), first  # named once


class LoopsFromData(nn.Module):
    """forward(data) around a layer that removes self loops: the probe edits a copy of the Data."""

    def __init__(self, conv: nn.Module):
        super().__init__()
        self.conv = conv

    def forward(self, data):
        return self.conv(data.x, data.edge_index, data.edge_attr)


def test_self_loop_probe_with_a_data_object():
    """The probe calls the model on a copy of the example Data (one loop more per node) and leaves
    the user's Data as it was; GATv2Conv passes it, a per-edge output is refused."""
    torch.manual_seed(0)
    data = Case("data", "", "", nn.Identity, "data").args(*EXAMPLE)[0]
    before = data.edge_index.clone()
    gat = LoopsFromData(GATv2Conv(NODE_F, 4, edge_dim=EDGE_F)).eval()
    imported = import_model(gat, data)
    assert torch.equal(data.edge_index, before) and data.edge_attr.shape[0] == before.shape[1]
    for n, e, seed in CHECKS:
        other = Case("data", "", "", nn.Identity, "data").args(n, e, seed)[0]
        error = np.abs(run(imported.module, imported.bind(other))[0] - torch_forward(gat, other)[0]).max()
        assert error <= TOLERANCE
    with pytest.raises(gnnc.UnsupportedModelError, match="has 32 rows in the design, 22 in torch"):
        import_model(LoopsFromData(EdgeCountAfterLoops("edge-output")).eval(), data)
