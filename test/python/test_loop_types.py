"""
Fixed-point types of the self-loop rules (docs/frontend.md, "Self loops"), derived from the
documented rule, at worst-case inputs.

max over a node's edges and its added loop b is  b + max_e relu(m_e - b) (loops removed only:
b is the min over the node's edges). m_e - b needs one
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
    """PointNetConv's edit (loops removed and added), or loops removed only, then a max or min of x_j."""

    def __init__(self, reduce: str, add: bool):
        super().__init__()
        self.reduce, self.add = reduce, add

    def forward(self, x, edge_index):
        n = x.size(0)
        edge_index, _ = remove_self_loops(edge_index)
        if self.add:
            edge_index, _ = add_self_loops(edge_index, num_nodes=n)
        return scatter(x[edge_index[0]], edge_index[1], 0, dim_size=n, reduce=self.reduce)


@pytest.mark.parametrize("add", [True, False], ids=["loops-added", "loops-removed"])
@pytest.mark.parametrize("reduce, far", [("max", TOP), ("min", -32.0)])
def test_extreme_difference_has_the_exact_type_and_does_not_wrap(reduce, far, add):
    # Node 1 gets the far value (from node 0) and the other end of the range (its own loop b,
    # or with the loops removed only, the base b = the min over its edges: node 3's value);
    # 1 -> 2 and a self loop 2 -> 2 (masked).
    near = -32.0 if reduce == "max" else TOP
    x = torch.tensor([[far], [near], [0.0], [near]])
    edge_index = torch.tensor([[0, 1, 2, 3], [1, 2, 2, 1]])
    model = LoopExtreme(reduce, add).eval()
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
