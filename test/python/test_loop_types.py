"""
Fixed-point types of the self-loop rules (docs/frontend.md, "Self loops"), derived from the
documented rule, at worst-case inputs.

max over a node's edges and its added loop b is  b + max_e relu(m_e - b). m_e - b needs one
integer bit more than m and b (docs: the difference has the exact sum type, relu, the mask and
the max keep it): with fixed<16,6> (values in [-32, 32)), m = 32 - 2^-10 and b = -32 differ
by 64 - 2^-10, which wraps in fixed<16,6>: without that bit node 1 would get b.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

import gnnc
from gnnc.dialects import gnn
from gnnc.fixed import exact_sum_type, parse_fixed
from gnnc.frontend import torch_forward  # isort: skip  (imports PyG quietly)

from torch_geometric.utils import add_self_loops, remove_self_loops, scatter  # isort: skip  # noqa: E402

DEFAULT = "fixed<16,6>"
TOP = 32 - 2.0**-10  # the largest fixed<16,6>


class LoopExtreme(nn.Module):
    """PointNetConv's edit: loops removed and added, then a max (or min) of x_j."""

    def __init__(self, reduce: str):
        super().__init__()
        self.reduce = reduce

    def forward(self, x, edge_index):
        n = x.size(0)
        edge_index, _ = remove_self_loops(edge_index)
        edge_index, _ = add_self_loops(edge_index, num_nodes=n)
        return scatter(x[edge_index[0]], edge_index[1], 0, dim_size=n, reduce=self.reduce)


@pytest.mark.parametrize("reduce, far", [("max", TOP), ("min", -32.0)])
def test_extreme_difference_has_the_exact_type_and_does_not_wrap(reduce, far):
    # node 0 holds the far value, node 1 the other end of the range, the loop b; 0 -> 1, 1 -> 2
    # and a self loop 2 -> 2 (masked).
    near = -32.0 if reduce == "max" else TOP
    x = torch.tensor([[far], [near], [0.0]])
    edge_index = torch.tensor([[0, 1, 2], [1, 2, 2]])
    model = LoopExtreme(reduce).eval()
    design = gnnc.compile(model, (x, edge_index), {"graph": {"max_nodes": 4, "max_edges": 4},
                                                   "precision": DEFAULT})
    t = parse_fixed(DEFAULT)
    subs = [op for op in design.module("fixed").walk() if isinstance(op, gnn.SubOp)]
    widened = [op for op in subs if op.attributes.get("gnn.quant.result") is not None]
    assert len(widened) == 1
    assert widened[0].result.type.element_type == exact_sum_type([t, t])  # one more integer bit
    expected = torch_forward(model, x, edge_index)[0]
    assert expected[1, 0] == far
    np.testing.assert_array_equal(design.emulate(x, edge_index), expected)
    np.testing.assert_array_equal(design.csim(x, edge_index, backend="vitis"), expected)
