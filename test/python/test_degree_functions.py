"""
Functions of utils.degree (importer_counts.py, docs/frontend.md "Functions of the degree"): the
ops on a count become gnn.scale ops while affine, else one gnn.count_fn, a table of f at the
integer counts; float == torch, and in fixed point each node's value is f(d) quantised once.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

import gnnc
from gnnc.dialects import gnn
from gnnc.errors import GnncError
from gnnc.fixed import parse_fixed, quantize
from gnnc.frontend import import_model  # isort: skip

from torch_geometric.utils import degree  # isort: skip  # noqa: E402

CONFIG = {"graph": {"max_nodes": 12, "max_edges": 40}, "precision": "fixed<16,8>"}


class DegreeFunctions(nn.Module):
    """Each output column a function of the in-degree d: two tables, one affine."""

    def forward(self, x, edge_index):
        d = degree(edge_index[1], x.size(0)).view(-1, 1)
        return torch.cat([d.clamp(min=1).rsqrt(), torch.log(d + 1) * 2.5, 3 - d / 4,
                          x[:, :1] * (1.5 / d.clamp(min=1))], 1)


class Unclamped(nn.Module):
    def forward(self, x, edge_index):
        return x * (2.0 / degree(edge_index[1], x.size(0)).view(-1, 1))


def _graph(n: int, e: int, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    g = torch.Generator().manual_seed(seed)
    edge_index = torch.randint(0, n - 1, (2, e), generator=g)  # node n - 1 has no edges: d = 0
    return torch.randn(n, 3, generator=g), edge_index


def test_affine_steps_are_scales_the_others_count_fn_tables():
    module = import_model(DegreeFunctions(), _graph(10, 30, 0)).module
    steps = sorted(op.steps.data for op in module.walk() if isinstance(op, gnn.CountFnOp))
    assert steps == ["add 1.0, log, mul 2.5", "max 1.0, pow -0.5", "max 1.0, rdiv 1, mul 1.5"]
    scales = [op for op in module.walk() if isinstance(op, gnn.ScaleOp) and isinstance(op.input.owner, gnn.ScatterOp)]
    assert len(scales) == 1  # 3 - d / 4


@pytest.mark.parametrize("n,e,seed", [(7, 15, 1), (12, 40, 2)])
def test_float_matches_torch_and_fixed_is_f_of_d_quantised(n, e, seed):
    model = DegreeFunctions()
    design = gnnc.compile(model, _graph(10, 30, 0), CONFIG)
    x, edge_index = _graph(n, e, seed)
    ref = model(x, edge_index).numpy()
    assert np.abs(design.emulate(x, edge_index, fixed=False) - ref).max() <= 1e-5
    fixed = design.emulate(x, edge_index)
    d = np.bincount(edge_index[1].numpy(), minlength=n).astype(np.float64)
    t = parse_fixed("fixed<16,8>")
    for col, f in ((0, 1 / np.sqrt(np.maximum(d, 1))), (1, np.log(d + 1) * 2.5)):
        expected = quantize(f, t) * 2.0 ** -t.f
        assert np.array_equal(fixed[:, col], expected), col


def test_a_function_infinite_at_a_count_is_refused_naming_it():
    with pytest.raises(GnncError, match=r"not finite at the count 0 .*deg.clamp\(min=1\)"):
        design = gnnc.compile(Unclamped(), _graph(10, 30, 0), CONFIG)
        design.emulate(*_graph(7, 15, 1))
