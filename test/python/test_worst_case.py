"""
Worst-case inputs and an exact reference for the fixed-point ops.

One small design holds a dense whose n_in is a power of two (no bias), one whose n_in + bias
is 5, one whose n_in + bias is 8, sum/mean/max/min scatters and a sigmoid table, at a
capacity of 64 edges (a power of two). On inputs at their types' extremes, with signs
aligned with the weights and a hub node receiving all 64 edges, the exact accumulators
must not overflow, the C++ must equal the emulator (one g++ build for every graph), and
the emulator must equal a reference written here with Python fractions from the numeric
semantics of docs/architecture.md (not from gnnc.fixed).
"""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest
import torch
from exact_reference import ref_cast, ref_dense, ref_scatter, ref_sigmoid

import gnnc
from gnnc import emulator
from gnnc.fixed import parse_fixed

MAX_NODES, MAX_EDGES = 16, 64
DEFAULT = "fixed<16,6>"
# A sigmoid result fine enough that neighbouring table entries differ (near +-8 they are 5e-6 apart)
PRECISION = {"default": DEFAULT, "kinds": {"sigmoid": {"result": "ufixed<24,1,rnd>"}}}
LO, HI = -32.0, 32.0 - 2.0**-10  # the extremes of fixed<16,6>


class Worst(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.a = torch.nn.Linear(8, 2, bias=False)  # n_in a power of two
        self.b = torch.nn.Linear(4, 2)  # n_in + bias = 5
        self.c = torch.nn.Linear(7, 2)  # n_in + bias = 8
        with torch.no_grad():  # weights and biases at the extremes, row 0 all negative
            for lin in (self.a, self.b, self.c):
                signs = torch.ones_like(lin.weight)
                signs[1, ::2] = -1
                lin.weight.copy_(torch.where(signs > 0, HI, LO) if lin is not self.a else torch.full_like(signs, LO))
                if lin.bias is not None:
                    lin.bias.copy_(torch.tensor([HI, LO]))

    def forward(self, x, h, e, edge_index):
        from torch_geometric.utils import scatter

        xj, dst, n = x[edge_index[0]], edge_index[1], x.size(0)
        return (self.a(x), self.b(h), self.c(e), scatter(xj, dst, 0, n, "sum"), scatter(xj, dst, 0, n, "mean"),
                scatter(xj, dst, 0, n, "max"), scatter(xj, dst, 0, n, "min"), torch.sigmoid(h))


def _graph(n, src, dst, x, h, e):
    ei = torch.tensor([src, dst], dtype=torch.int64)
    return (torch.tensor(x, dtype=torch.float32), torch.tensor(h, dtype=torch.float32),
            torch.tensor(e, dtype=torch.float32), ei)


def _hub(value_for: callable):
    """Every one of the 64 edges into node 0, from nodes 1..15; node 15 sends, node 0 only receives."""
    src = [1 + k % (MAX_NODES - 1) for k in range(MAX_EDGES)]
    dst = [0] * MAX_EDGES
    return _graph(MAX_NODES, src, dst, value_for((MAX_NODES, 8)), value_for((MAX_NODES, 4)),
                  value_for((MAX_EDGES, 7)))


def _aligned(shape):
    """Row r: -32 where a weight of row 1 is +max (signs[1, ::2] = -1), else +max: products at their extremes."""
    v = np.full(shape, HI)
    v[:, ::2] = LO
    return v


def _random(seed, n, e, scale=12.0):
    rng = np.random.default_rng(seed)
    src, dst = rng.integers(0, n - 1, e), rng.integers(0, n - 1, e)  # node n-1 has no edge: isolated
    return _graph(n, src.tolist(), dst.tolist(), rng.normal(0, scale, (n, 8)), rng.normal(0, scale, (n, 4)),
                  rng.normal(0, scale, (e, 7)))


WORST = {
    "all-min": _hub(lambda s: np.full(s, LO)),
    "all-max": _hub(lambda s: np.full(s, HI)),
    "aligned": _hub(_aligned),
    "aligned-negated": _hub(lambda s: np.where(_aligned(s) > 0, LO, HI)),
}
RANDOM = {f"random{k}": _random(k, MAX_NODES, MAX_EDGES) for k in range(3)}
RANDOM["sparse"] = _random(7, MAX_NODES, 5)
OVER_CAPACITY = _random(11, 40, 150, scale=3.0)  # runs in segments


@pytest.fixture(scope="module")
def design():
    torch.manual_seed(0)
    return gnnc.compile(Worst().eval(), RANDOM["random0"],
                        {"graph": {"max_nodes": MAX_NODES, "max_edges": MAX_EDGES}, "precision": PRECISION})


@pytest.fixture(scope="module")
def simulated(design):
    graphs = [*WORST.values(), *RANDOM.values(), OVER_CAPACITY]
    return dict(zip([*WORST, *RANDOM, "over-capacity"], design.csim_many(graphs)))


@pytest.mark.parametrize("name", list(WORST))
def test_exact_accumulators_never_overflow_on_worst_case_inputs(design, name):
    _, report = design.emulate(*WORST[name], report=True)
    accums = {label: e["accum"] for label, e in report.items() if "accum" in e}
    assert len(accums) == 5  # three denses, sum and mean
    assert all(a["overflows"] == 0 for a in accums.values()), accums


def test_worst_cases_reach_the_accumulators_bounds(design):
    """The hub's sum is exactly the accumulator's most negative value (-32 x 64 = -2^11), and
    dense a's 8 products of -32 x -32 reach 2^13: one integer bit fewer would overflow."""
    _, report = design.emulate(*WORST["all-min"], report=True)
    by_op = {e["path"] or label.split("#")[0]: e["accum"] for label, e in report.items() if "accum" in e}
    assert by_op["gnn.scatter"]["min"] == -(2.0**11) and by_op["gnn.scatter"]["type"] == "fixed<22, 12>"
    assert by_op["a"]["max"] == 2.0**13 and by_op["a"]["type"] == "fixed<35, 15>"


@pytest.mark.parametrize("name", [*WORST, *RANDOM, "over-capacity"])
def test_csim_equals_the_emulator(design, simulated, name):
    graph = OVER_CAPACITY if name == "over-capacity" else {**WORST, **RANDOM}[name]
    if name == "over-capacity":  # segments stitched in C++ equal the whole graph emulated at once
        assert len(design.partition(*graph)) > 1
        expected = emulator.run(design.module("fixed"), design._imported.bind(*graph), fixed=True)
    else:
        expected = design.emulate(*graph)
    for k, (got, want) in enumerate(zip(simulated[name], expected)):
        assert np.array_equal(got, want), (name, design.output_names[k])


@pytest.mark.parametrize("name", [*WORST, *RANDOM])
def test_emulator_equals_the_exact_reference(design, name):
    graph = {**WORST, **RANDOM}[name]
    x, h, e, ei = (t.numpy() for t in graph)
    fn = design.module("fixed").body.block.ops.first
    args = dict(zip(["x", "h", "e"], fn.args))
    ops = [op for op in fn.body.walk() if op.name in ("gnn.dense", "gnn.scatter", "gnn.activation")]
    dense = {op.attributes["gnn.path"].data: op for op in ops if op.name == "gnn.dense"}
    scatters = [op for op in ops if op.name == "gnn.scatter"]
    (sigmoid,) = [op for op in ops if op.name == "gnn.activation"]
    t = {k: v.type.element_type for k, v in args.items()}
    expected = [
        ref_dense(x, dense["a"], t["x"]), ref_dense(h, dense["b"], t["h"]), ref_dense(e, dense["c"], t["e"]),
        *(ref_scatter(x, ei, x.shape[0], op, t["x"]) for op in scatters),
        ref_sigmoid(h, sigmoid, t["h"]),
    ]
    assert [op.reduce.data.value for op in scatters] == ["sum", "mean", "max", "min"]
    got = design.emulate(*graph)
    for k, (g, want) in enumerate(zip(got, expected)):
        assert np.array_equal(g, want.astype(np.float64)), (name, design.output_names[k])


def test_max_and_min_of_a_node_without_edges_are_zero(design):
    x, h, e, ei = RANDOM["random1"]
    out = dict(zip(design.output_names, design.emulate(x, h, e, ei)))
    isolated = MAX_NODES - 1  # _random never draws node n - 1
    assert not (ei[1] == isolated).any()
    for k in (5, 6):  # scatter max, min
        assert np.all(out[design.output_names[k]][isolated] == 0)
        assert np.any(out[design.output_names[k]][:isolated] != 0)


def test_sigmoid_table_clamps_outside_its_range(design):
    """Inputs below -8 take entry 0, inputs at or above 8 the last entry (config.md, `table`);
    -8 + 1/64 is entry 1, 8 - 1.5/64 entry 1022."""
    h = torch.tensor([[-32.0, -8.0, 7.99, 8.0], [31.0, -8.01, -9.0, 20.0], [-8 + 1 / 64, 8 - 1.5 / 64, 0.0, 0.0]])
    x, e, ei = torch.zeros(3, 8), torch.zeros(1, 7), torch.tensor([[0], [1]])
    s = design.emulate(x, h, e, ei)[-1]
    t = parse_fixed(PRECISION["kinds"]["sigmoid"]["result"])

    def entry(i):
        center = -8 + (i + 0.5) / 64
        return float(ref_cast(Fraction(1 / (1 + math.exp(-center))), t))

    assert entry(0) < entry(1) < entry(1022) < entry(1023)
    assert s[0, 0] == s[0, 1] == s[1, 1] == s[1, 2] == entry(0)
    assert s[0, 2] == s[0, 3] == s[1, 0] == s[1, 3] == entry(1023)
    assert (s[2, 0], s[2, 1]) == (entry(1), entry(1022))


class _GAT(torch.nn.Module):
    def __init__(self):
        super().__init__()
        from torch_geometric.nn import GATConv

        self.conv = GATConv(3, 2)  # adds a self loop: the root term

    def forward(self, x, edge_index):
        return self.conv(x, edge_index)


def test_softmax_sum_of_a_hub_never_overflows():
    """63 edges into one node plus its root term: 64 exp values. At fixed<8,4> the exp entries
    (ufixed<8,1,rnd>, steps of 2^-7) of logit - max = 0 round to exactly 1, so the sum is 64
    and needs the 7th integer bit (passes.md: enough integer bits for max-edges + 1 terms)."""
    torch.manual_seed(0)
    n, e = 64, 63
    hub = torch.tensor([list(range(1, n)), [0] * e])
    design = gnnc.compile(_GAT().eval(), (torch.zeros(n, 3), hub),
                          {"graph": {"max_nodes": n, "max_edges": e}, "precision": "fixed<8,4>"})
    _, report = design.emulate(torch.zeros(n, 3), hub, report=True)
    (softmax,) = [v for v in report.values() if v["op"] == "gnn.edge_softmax"]
    assert softmax["accum"]["max"] == e + 1 and softmax["accum"]["overflows"] == 0, softmax
