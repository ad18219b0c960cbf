"""
Graph-level outputs (gnn.readout) and batched inputs.

* every pooling spelling (global_add/mean/max_pool with and without a batch, x.sum/mean/amax(0))
  imports to a readout whose float interpretation equals torch to 1e-5;
* the jet taggers of examples/jet_tagging.py (JEDI-net, ParticleNet-style) compile, and the
  C++ of both backends equals the fixed-point emulator bit for bit on several batches (one g++
  build per design and backend);
* segments of a batch are whole graphs; one graph over the capacity, an edge joining two
  graphs and a model the design cannot run are refused with a message saying what to do.
"""

from __future__ import annotations

import shutil

import numpy as np
import pytest
import torch
from torch import nn

import gnnc
from gnnc.dialects import gnn
from gnnc.emulator import run
from gnnc.errors import ConfigError, GnncError, UnsupportedModelError
from gnnc.frontend import import_model, torch_forward  # isort: skip  (imports PyG quietly)

from jet_tagging import JediNet, JediNetBatched, ParticleNetLite, fully_connected, random_jets  # noqa: E402
from torch_geometric.nn import (  # noqa: E402
    EdgeConv,
    GATConv,
    GCNConv,
    GINConv,
    GraphConv,
    SAGEConv,
    global_add_pool,
    global_max_pool,
    global_mean_pool,
)

needs_gpp = pytest.mark.skipif(shutil.which("g++") is None, reason="g++ not installed")


class Pool(nn.Module):
    """A linear layer, then one pooling spelling, then a linear classifier."""

    def __init__(self, pool, batched: bool):
        super().__init__()
        self.pool, self.batched = pool, batched
        self.lin = nn.Linear(3, 4)
        self.out = nn.Linear(4, 2)

    def forward(self, x, edge_index, batch=None):
        return self.out(torch.relu(self.pool(self.lin(x), batch)))


POOLS = {
    "global_add_pool": (lambda h, b: global_add_pool(h, b), True, "sum"),
    "global_mean_pool": (lambda h, b: global_mean_pool(h, b), True, "mean"),
    "global_max_pool": (lambda h, b: global_max_pool(h, b), True, "max"),
    "global_add_pool(batch=None)": (lambda h, b: global_add_pool(h, None), False, "sum"),
    "global_mean_pool(batch=None)": (lambda h, b: global_mean_pool(h, None), False, "mean"),
    "global_max_pool(batch=None)": (lambda h, b: global_max_pool(h, None), False, "max"),
    "x.sum(0)": (lambda h, b: h.sum(0), False, "sum"),
    "x.mean(0)": (lambda h, b: h.mean(dim=0), False, "mean"),
    "x.max(0)[0]": (lambda h, b: h.max(0)[0], False, "max"),
    "x.amax(0, keepdim=True)": (lambda h, b: h.amax(0, keepdim=True), False, "max"),
}


@pytest.mark.parametrize("spelling", ["torch.softmax(dim=-1)", "F.softmax(dim=1)", "Tensor.softmax(0) of [F]"])
def test_softmax_over_a_graph_level_vector(spelling):
    batched = spelling != "Tensor.softmax(0) of [F]"

    class Probabilities(nn.Module):
        def __init__(self):
            super().__init__()
            self.lin = nn.Linear(3, 4)

        def forward(self, x, edge_index, batch=None):
            if not batched:
                return self.lin(x).sum(0).softmax(0)
            pooled = self.lin(global_add_pool(x, batch))
            if spelling == "torch.softmax(dim=-1)":
                return torch.softmax(pooled, dim=-1)
            return torch.nn.functional.softmax(pooled, dim=1)

    torch.manual_seed(2)
    model = Probabilities().eval()
    imported = import_model(model, _args(batched))
    assert any(isinstance(op, gnn.SoftmaxOp) for op in imported.module.walk())
    args = _args(batched, (6, 2, 9), 5)
    got = run(imported.module, imported.bind(*args))[0]
    np.testing.assert_allclose(got, torch_forward(model, *args)[0].reshape(got.shape), rtol=1e-5, atol=1e-7)


def test_softmax_along_rows_is_refused():
    class Rows(nn.Module):
        def forward(self, x, edge_index):
            return torch.softmax(x, dim=0)

    with pytest.raises(UnsupportedModelError, match="only along the features"):
        import_model(Rows(), _args(False))


def _args(batched: bool, sizes=(5, 3, 6), seed: int = 0):
    jets = random_jets(list(sizes) if batched else [sum(sizes)], 3, seed=seed)
    return (jets.x, jets.edge_index, jets.batch) if batched else (jets.x, jets.edge_index)


@pytest.mark.parametrize("name", list(POOLS))
def test_pool_imports_to_readout_and_matches_torch(name):
    pool, batched, reduce = POOLS[name]
    torch.manual_seed(1)
    model = Pool(pool, batched).eval()
    imported = import_model(model, _args(batched))
    readouts = [op for op in imported.module.walk() if isinstance(op, gnn.ReadoutOp)]
    assert [op.reduce.data.value for op in readouts] == [reduce]
    assert (readouts[0].batch is not None) == batched
    for seed, sizes in ((2, (4, 7)), (3, (2, 2, 9, 5))):  # other graph and batch sizes
        args = _args(batched, sizes, seed)
        got = run(imported.module, imported.bind(*args))[0]
        want = torch_forward(model, *args)[0].reshape(got.shape)
        assert got.shape == ((len(sizes) if batched else 1), 2)
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("pool", [global_add_pool, global_mean_pool, global_max_pool])
def test_empty_graph_of_a_batch_pools_to_zero(pool):
    """PyG semantics: a graph without nodes pools to 0 (mean divides by max(n, 1)), in float,
    in fixed point, in torch and in the C++ alike."""

    class Readout(nn.Module):
        def forward(self, x, edge_index, batch):
            return pool(x, batch)

    design = gnnc.compile(Readout(), _args(True), {"graph": {"max_nodes": 16, "max_edges": 64, "max_graphs": 4}})
    x, ei, _ = _args(True, (3, 4))
    batch = torch.tensor([0, 0, 0, 2, 2, 2, 2])  # graph 1 is empty
    want = torch_forward(Readout(), x, ei, batch)[0]
    for fixed in (False, True):
        got = design.emulate(x, ei, batch, fixed=fixed)
        assert got.shape == (3, 3) and not got[1].any()
        np.testing.assert_allclose(got, want, atol=0.02 if fixed else 1e-6)
    if shutil.which("g++"):  # the C++ of both backends, on this batch and two others
        batches = [(x, ei, batch), _args(True, (4, 1, 6), 8), _args(True, (7,), 9)]
        for backend in ("vitis", "oneapi"):
            for args, outputs in zip(batches, design.csim_many(batches, backend=backend)):
                assert np.array_equal(outputs[0], design.emulate(*args))


# --------------------------------------------------------------------------- jet taggers

JETS = {
    # model, batched, particle features, kNN k (None: fully connected), capacity
    "jedi_net": (lambda: JediNet(features=6, hidden=6), False, 6, None,
                 {"max_nodes": 12, "max_edges": 132}),
    "jedi_net_batched": (lambda: JediNetBatched(features=6, hidden=6), True, 6, None,
                         {"max_nodes": 24, "max_edges": 200, "max_graphs": 3}),
    "particle_net": (lambda: ParticleNetLite(features=4, hidden=6), True, 4, 3,
                     {"max_nodes": 32, "max_edges": 96, "max_graphs": 4}),
}
BATCHES = [(6, 8, 5), (10, 7, 6), (4, 12), (11,)]


def _jet_args(name, sizes, seed):
    _, batched, features, k, _ = JETS[name]
    jets = random_jets(list(sizes) if batched else [sizes[0]], features, k=k, seed=seed)
    return (jets.x, jets.edge_index, jets.batch) if batched else (jets.x, jets.edge_index)


@pytest.fixture(scope="module")
def jet_designs():
    designs = {}
    for name, (make, _, _, _, capacity) in JETS.items():
        torch.manual_seed(0)
        model = make().eval()
        designs[name] = (model, gnnc.compile(model, _jet_args(name, BATCHES[0], 0), {"graph": capacity}))
    return designs


@pytest.mark.parametrize("name", list(JETS))
def test_jet_tagger_float_matches_torch(jet_designs, name):
    model, design = jet_designs[name]
    for seed, sizes in enumerate(BATCHES):
        args = _jet_args(name, sizes, seed)
        got = np.atleast_2d(design.emulate(*args, fixed=False))
        want = torch_forward(model, *args)[0].reshape(got.shape)
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5 * np.abs(want).max())


@needs_gpp
@pytest.mark.parametrize("backend", ["vitis", "oneapi"])
@pytest.mark.parametrize("name", ["jedi_net", "particle_net"])
def test_jet_tagger_csim_matches_emulator(jet_designs, name, backend):
    _, design = jet_designs[name]
    batches = [_jet_args(name, sizes, seed) for seed, sizes in enumerate(BATCHES)]
    simulated = design.csim_many(batches, backend=backend)
    for args, outputs in zip(batches, simulated):
        assert np.array_equal(np.atleast_2d(outputs[0]), np.atleast_2d(design.emulate(*args)))


@needs_gpp
def test_batched_jedi_csim_matches_emulator_vitis(jet_designs):
    _, design = jet_designs["jedi_net_batched"]
    batches = [_jet_args("jedi_net_batched", sizes, seed) for seed, sizes in enumerate(BATCHES[:3])]
    for args, outputs in zip(batches, design.csim_many(batches, backend="vitis")):
        assert np.array_equal(outputs[0], design.emulate(*args))


# --------------------------------------------------------------------------- segments

def test_batch_beyond_the_capacity_runs_in_whole_graphs(jet_designs):
    _, design = jet_designs["particle_net"]  # 32 nodes, 96 edges, 4 graphs per call
    sizes = (10, 9, 12, 4, 5, 8, 4)
    args = _jet_args("particle_net", sizes, 7)
    segments = design.partition(*args)
    assert [list(s.graphs) for s in segments] == [[0, 1, 2], [3, 4, 5, 6]]
    whole = design.emulate(*args)
    assert whole.shape == (len(sizes), 2)
    starts = np.concatenate([[0], np.cumsum(sizes)])
    for g, n in enumerate(sizes):  # each jet alone gives its row of the batch, bit for bit
        x = args[0][starts[g]:starts[g + 1]]
        keep = (args[1][1] >= starts[g]) & (args[1][1] < starts[g + 1])
        alone = design.emulate(x, args[1][:, keep] - int(starts[g]), torch.zeros(n, dtype=torch.long))
        assert np.array_equal(alone[0], whole[g])


def test_graph_larger_than_the_capacity_is_refused(jet_designs):
    _, design = jet_designs["particle_net"]
    with pytest.raises(GnncError, match=r"graph 1 of the batch has 40 nodes .* needs its whole graph in one call"):
        design.emulate(*_jet_args("particle_net", (5, 40), 0))
    _, single = jet_designs["jedi_net"]
    with pytest.raises(GnncError, match="graph 0 of the batch has 13 nodes"):
        single.emulate(*_jet_args("jedi_net", (13,), 0))


def test_edge_joining_two_graphs_is_refused(jet_designs):
    _, design = jet_designs["particle_net"]
    x, ei, batch = _jet_args("particle_net", (20, 20, 20), 0)
    ei = ei.clone()
    ei[0, 0] = 59  # a node of graph 2 sends to graph 0
    with pytest.raises(GnncError, match="edge 0 joins graph 2 and graph 0"):
        design.emulate(x, ei, batch)


# --------------------------------------------------------------------------- messages

def test_pool_by_a_computed_index_says_what_to_pass():
    class Computed(nn.Module):
        def forward(self, x, edge_index):
            return global_add_pool(x, torch.zeros(x.size(0), dtype=torch.long))

    with pytest.raises(UnsupportedModelError) as err:
        import_model(Computed(), _args(False))
    message = str(err.value)
    assert "pass the batch vector as a model input" in message and "batch=None for one graph" in message


def test_pooling_both_ways_is_refused():
    class Both(nn.Module):
        def forward(self, x, edge_index, batch):
            return global_add_pool(x, batch) + x.sum(0)

    with pytest.raises(UnsupportedModelError, match="pools both by the batch vector and over all nodes"):
        import_model(Both(), _args(True))


def test_any_per_node_integer_vector_is_a_batch():
    class Pooled(nn.Module):
        def forward(self, x, edge_index, graph_of_node):
            return global_mean_pool(x, graph_of_node)

    imported = import_model(Pooled(), _args(True))
    assert imported.input_names == ["x", "edge_index", "graph_of_node"]


def test_ambiguous_integer_vector_gets_a_batch_hint_not_an_edge_weight_hint():
    """With as many edges as nodes a 1-D integer input is a batch only when named like one."""

    class Labels(nn.Module):
        def forward(self, x, edge_index, labels):
            return global_add_pool(x, labels)

    ring = torch.stack([torch.arange(5), (torch.arange(5) + 1) % 5])
    with pytest.raises(UnsupportedModelError) as err:
        import_model(Labels(), (torch.randn(5, 3), ring, torch.zeros(5, dtype=torch.long)))
    assert "named batch if the example graph has as many edges as nodes" in str(err.value)
    assert "per-edge weight" not in str(err.value)


def test_stream_io_refuses_graph_level_outputs():
    model = Pool(POOLS["x.sum(0)"][0], False).eval()
    with pytest.raises(GnncError, match="io: stream does not support graph-level outputs"):
        gnnc.compile(model, _args(False), {"io": "stream"})


def test_max_graphs_config_key():
    with pytest.raises(ConfigError, match="graph.max_graphs: must be a positive integer"):
        gnnc.compile(Pool(POOLS["global_add_pool"][0], True), _args(True), {"graph": {"max_graphs": 0}})
    design = gnnc.compile(Pool(POOLS["global_add_pool"][0], True).eval(), _args(True))
    assert design.max_graphs == 3  # the example batch's graphs
    assert "hls.max_graphs = 3" in design.mlir("hls")


def test_estimate_covers_readout_and_softmax(jet_designs):
    """The analytic model works on the hls loops, so the new ops are costed like the others."""
    _, design = jet_designs["particle_net"]
    ops = design.estimate()["ops"]
    readout = next(v for k, v in ops.items() if k.startswith("readout_mean"))
    softmax = next(v for k, v in ops.items() if k.startswith("softmax"))
    assert readout["multipliers"] > 0 and readout["latency_cycles"] > 0  # sum * 1/count per graph
    assert softmax["multipliers"] > 0 and softmax["latency_cycles"] > 0  # Newton steps, exp * 1/sum


def _classifier(conv, pool, width=8):
    class GraphClassifier(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv, self.lin = conv, nn.Linear(width, 3)

        def forward(self, x, edge_index, batch):
            return torch.softmax(self.lin(pool(torch.relu(self.conv(x, edge_index)), batch)), dim=-1)

    return GraphClassifier()


def _mlp(a, b):
    return nn.Sequential(nn.Linear(a, b), nn.ReLU(), nn.Linear(b, b))


STOCK_CLASSIFIERS = {
    "gcn-mean-pool": lambda: _classifier(GCNConv(4, 8), global_mean_pool),
    "gin-add-pool": lambda: _classifier(GINConv(_mlp(4, 8)), global_add_pool),
    "gat-heads-max-pool": lambda: _classifier(GATConv(4, 4, heads=2), global_max_pool),
    "sage-mean-pool": lambda: _classifier(SAGEConv(4, 8), global_mean_pool),
    "graphconv-add-pool": lambda: _classifier(GraphConv(4, 8), global_add_pool),
    "edgeconv-max-pool": lambda: _classifier(EdgeConv(_mlp(8, 8), aggr="max"), global_max_pool),
}


@pytest.mark.parametrize("name", list(STOCK_CLASSIFIERS))
def test_stock_graph_classifier_float_matches_torch(name):
    """PyG's stock layers, pooled per graph of a batch, then a softmax classifier."""
    torch.manual_seed(0)
    model = STOCK_CLASSIFIERS[name]().eval()
    imported = import_model(model, _jet_batch((8, 6, 9), 0))
    args = _jet_batch((7, 10, 5, 4), 3)
    got = run(imported.module, imported.bind(*args))[0]
    np.testing.assert_allclose(got, torch_forward(model, *args)[0], rtol=1e-5, atol=1e-6)


def _jet_batch(sizes, seed):
    jets = random_jets(list(sizes), 4, k=3, seed=seed)
    return jets.x, jets.edge_index, jets.batch


def test_pyg_batch_object_with_num_graphs():
    """forward(data) on a PyG Batch: data.batch is the batch input, data.num_graphs the graph count."""

    class OnBatch(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv = GCNConv(4, 5)

        def forward(self, data):
            h = self.conv(data.x, data.edge_index)
            return global_mean_pool(h, data.batch, size=data.num_graphs)

    model = OnBatch().eval()
    imported = import_model(model, random_jets([5, 7, 6], 4, k=2))
    assert imported.input_names == ["x", "edge_index", "batch"]
    other = random_jets([3, 8], 4, k=2, seed=4)
    got = run(imported.module, imported.bind(other))[0]
    np.testing.assert_allclose(got, torch_forward(model, other)[0], rtol=1e-5, atol=1e-6)
