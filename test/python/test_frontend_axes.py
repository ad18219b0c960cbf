"""
Values with several feature axes (importer_axes.py, docs/frontend.md "Several feature axes"):
the gnn forms the documented rule gives, derived here from the rule itself, and per-head
layers over head and channel counts against torch (float, 1e-5). The C simulation of these
layers is in test_frontend_matrix.py (gat-*, gatv2, transformer, generalconv, nnconv).
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from gnnc.dialects import gnn
from gnnc.emulator import run
from gnnc.frontend import import_model, torch_forward  # isort: skip  (imports PyG quietly)
from gnnc.passes._util import dense_values  # isort: skip

from torch_geometric.nn import (  # isort: skip  # noqa: E402
    EGConv,
    FeaStConv,
    GATConv,
    GATv2Conv,
    NNConv,
    SuperGATConv,
    TransformerConv,
    global_add_pool,
)

import gnnc  # isort: skip  # noqa: E402

TOLERANCE = 1e-5


def _graph(n: int, e: int, seed: int, f: int = 3, fe: int = 2):
    g = torch.Generator().manual_seed(seed)
    edge_index = torch.randint(0, n - 1, (2, e), generator=g)
    edge_index[:, 0] = 1  # a self loop; node n-1 has no edge
    return torch.randn(n, f, generator=g), edge_index, torch.randn(e, fe, generator=g)


def _ops(module, cls):
    return [op for op in module.walk() if isinstance(op, cls)]


def _float_error(model: nn.Module, k: int) -> float:
    imported = import_model(model, _graph(10, 30, 0)[:k])
    errors = []
    for n, e, seed in ((7, 15, 1), (12, 40, 2)):
        args = _graph(n, e, seed)[:k]
        out = run(imported.module, imported.bind(*args))[0]
        errors.append(float(np.abs(out - torch_forward(model, *args)[0]).max()))
    return max(errors)


@pytest.mark.parametrize("heads, channels", [(1, 1), (1, 3), (3, 1), (2, 2)])
@pytest.mark.parametrize("layer", ["gat", "gat-mean", "gatv2", "transformer", "transformer-mean"])
def test_per_head_layers_match_torch(layer, heads, channels):
    torch.manual_seed(heads * 10 + channels)
    conv = {
        "gat": lambda: GATConv(3, channels, heads=heads),
        "gat-mean": lambda: GATConv(3, channels, heads=heads, concat=False),
        "gatv2": lambda: GATv2Conv(3, channels, heads=heads),
        "transformer": lambda: TransformerConv(3, channels, heads=heads),
        "transformer-mean": lambda: TransformerConv(3, channels, heads=heads, concat=False),
    }[layer]()
    assert _float_error(conv.eval(), 2) <= TOLERANCE


def test_gat_attention_is_one_dense_per_end_with_the_att_blocks():
    """(x_src * att_src).sum(-1): a sum over the channel axis (weights 1 from channel c of head h
    to head h) of a per-position scale, which gnn-canonicalize folds into the dense: weight[h,
    h*C + c] = att[0, h, c], zero elsewhere. The messages repeat each head's weight C times."""
    torch.manual_seed(0)
    heads, channels = 3, 2
    conv = GATConv(3, channels, heads=heads).eval()
    module = import_model(conv, _graph(10, 30, 0)[:2]).module
    assert not _ops(module, gnn.ScaleOp)
    blocks = []
    for att in (conv.att_src, conv.att_dst):
        expected = np.zeros((heads, heads * channels))
        for h in range(heads):
            expected[h, h * channels:(h + 1) * channels] = att.detach()[0, h].numpy()
        blocks.append(expected)
    weights = [dense_values(op.weight) for op in _ops(module, gnn.DenseOp) if op.weight.get_shape()[0] == heads]
    assert len(weights) == 2
    for w, expected in zip(weights, blocks):
        np.testing.assert_allclose(w, expected, rtol=1e-6)
    (softmax,) = _ops(module, gnn.EdgeSoftmaxOp)
    assert softmax.result.type.num_features == heads and softmax.root is not None
    assert sorted(op.times.value.data for op in _ops(module, gnn.RepeatOp)) == [channels, channels]


def test_mean_over_heads_is_a_dense_of_one_over_h():
    """out.mean(dim=1) of [N, H, C]: weight[c, h*C + c] = 1/H."""
    torch.manual_seed(0)
    heads, channels = 2, 3
    module = import_model(GATConv(3, channels, heads=heads, concat=False, bias=False).eval(),
                          _graph(10, 30, 0)[:2]).module
    (mean,) = [op for op in _ops(module, gnn.DenseOp) if tuple(op.weight.get_shape()) == (channels, heads * channels)]
    np.testing.assert_array_equal(dense_values(mean.weight), np.tile(np.eye(channels), heads) / heads)


def test_nnconv_product_is_a_broadcast_a_mul_and_a_sum():
    """x_j.unsqueeze(1) @ W_e ([E, 1, in] @ [E, in, out]): x_j repeated `out` times (position
    i*out + o reads x_j[i]), times W_e, then a dense with weight[o, i*out + o] = 1."""
    torch.manual_seed(0)
    f_in, f_out = 3, 4
    conv = NNConv(f_in, f_out, nn.Linear(2, f_in * f_out), aggr="add", root_weight=False, bias=False).eval()
    module = import_model(conv, _graph(10, 30, 0)).module
    (repeat,) = _ops(module, gnn.RepeatOp)
    assert repeat.times.value.data == f_out
    (mul,) = _ops(module, gnn.MulOp)
    assert repeat.result in mul.operands
    (total,) = [op for op in _ops(module, gnn.DenseOp) if op.input == mul.result]
    np.testing.assert_array_equal(dense_values(total.weight), np.tile(np.eye(f_out), f_in))
    assert _float_error(conv, 3) <= TOLERANCE


class _Broadcasts(nn.Module):
    """A [N, 2, 1] factor times [N, 2, 3] is a gnn.repeat; [N, 1, 3] plus [N, 2, 3] a gnn.take
    (the one row copied to both heads); a one-feature [N, 1, 1] is broadcast by gnn.mul itself."""

    def __init__(self):
        super().__init__()
        self.lin = nn.Linear(3, 6)

    def forward(self, x, edge_index):
        v = self.lin(x).view(-1, 2, 3)
        return (v.sum(-1, keepdim=True) * v + v[:, :1] + v * v.sum((1, 2), keepdim=True)).flatten(1)


def test_broadcasts_are_the_copies_the_rule_gives():
    module = import_model(_Broadcasts().eval(), _graph(10, 30, 0)[:2]).module
    (repeat,) = _ops(module, gnn.RepeatOp)
    assert repeat.times.value.data == 3
    takes = [list(op.indices.get_values()) for op in _ops(module, gnn.TakeOp)]
    expected_take = np.broadcast_to(np.arange(3).reshape(1, 3), (2, 3)).reshape(-1).tolist()
    assert expected_take in takes, takes
    assert [list(t) for t in takes if t != expected_take] == [[0, 1, 2]]  # the slice v[:, :1]
    assert _float_error(_Broadcasts().eval(), 2) <= TOLERANCE


class _HeadsPool(nn.Module):
    """PyG's pools reduce along dim -2: of a [N, 2, 2] value that is the head axis, not the nodes."""

    def __init__(self):
        super().__init__()
        self.lin = nn.Linear(3, 4)

    def forward(self, x, edge_index, batch):
        return global_add_pool(self.lin(x).view(-1, 2, 2), batch).flatten(1)


def test_pool_along_a_feature_axis_is_refused():
    x, edge_index, _ = _graph(10, 30, 0)
    batch = torch.tensor([0] * 5 + [1] * 5)
    with pytest.raises(gnnc.UnsupportedModelError) as info:
        gnnc.compile(_HeadsPool().eval(), (x, edge_index, batch), {"graph": {"max_nodes": 12, "max_edges": 40}})
    message = str(info.value)
    assert "along dimension -2 of [N, 2, 2]: only along the rows" in message and ".flatten(1)" in message
    assert message.count("gnn::scatter") == 1


class _GraphRowViews(nn.Module):
    """One graph's readout [F] viewed as [1, F] and as [1, 2, 2] (then flattened)."""

    def __init__(self):
        super().__init__()
        self.lin = nn.Linear(3, 4)

    def forward(self, x, edge_index):
        g = self.lin(x[edge_index[0]]).sum(0)
        return g.view(1, -1) + g.view(1, 2, 2).flatten(1)


def test_graph_rows_keep_their_views():
    assert _float_error(_GraphRowViews().eval(), 2) <= TOLERANCE


class _StackVectors(nn.Module):
    """torch.stack of per-edge vectors [E] along dim 1: a [E, 2] matrix (a concat)."""

    def forward(self, x, edge_index, edge_attr):
        w = edge_attr[:, 0]
        return torch.stack([w, 2 * w], dim=1) * x[edge_index[0]][:, :2]


@pytest.mark.parametrize("build", [
    lambda: _StackVectors(),
    lambda: FeaStConv(3, 4, heads=2),  # [E, heads, C] attention, a sum over the heads
    lambda: SuperGATConv(3, 2, heads=2),  # GAT-style heads with self loops
    lambda: EGConv(3, 4, aggregators=["sum", "max", "mean"], num_heads=2, num_bases=2, add_self_loops=False),
], ids=["stack-vectors", "feast", "supergat", "egconv"])
def test_other_layers_with_several_axes_match_torch(build):
    torch.manual_seed(0)
    model = build().eval()
    assert _float_error(model, 3 if isinstance(model, _StackVectors) else 2) <= TOLERANCE
