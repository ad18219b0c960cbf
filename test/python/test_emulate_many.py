"""
design.emulate on a list of graphs (or a PyG Batch): all graphs, and all segments of the
graphs larger than the capacity, run as one disjoint union. Each graph's outputs must be
exactly those it has on its own, for node-, edge- and graph-level outputs; the C simulation
of the list is compared in test_frontend_matrix (csim_many against emulate(list)).
"""

from __future__ import annotations

import shutil
import warnings

import numpy as np
import pytest
import torch
from torch import nn

import gnnc
from gnnc.frontend import torch_forward  # isort: skip  (imports PyG quietly)

from jet_tagging import random_jets  # noqa: E402
from torch_geometric.data import Batch  # noqa: E402
from torch_geometric.nn import global_add_pool, global_mean_pool  # noqa: E402


def _as_list(value) -> list[np.ndarray]:
    return list(value) if isinstance(value, tuple) else [value]


def _assert_same(many, alone) -> None:
    assert len(many) == len(alone)
    for m, a in zip(many, alone):
        for x, y in zip(_as_list(m), _as_list(a), strict=True):
            np.testing.assert_array_equal(x, y)


@pytest.fixture(scope="module")
def tracking(graphs):
    """The trained IN (H=8) at a capacity below the larger TrackML graphs: those run in segments."""
    from interaction_network import load_tracking_in

    model = load_tracking_in("add", "source_to_target", 8)
    config = {"graph": {"max_nodes": 80, "max_edges": 128}, "precision": "fixed<16,8,rnd,sat>"}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the resource estimate is not what is tested here
        design = gnnc.compile(model, graphs[7], config)
    return model, design


def test_list_of_trackml_graphs_equals_one_by_one(tracking, graphs):
    _, design = tracking
    assert any(len(design.partition(g)) > 1 for g in graphs)  # some graphs run in segments
    _assert_same(design.emulate(list(graphs)), [design.emulate(g) for g in graphs])
    for many, alone in zip(design.emulate(list(graphs), fixed=False), [design.emulate(g, fixed=False) for g in graphs]):
        np.testing.assert_allclose(many, alone, rtol=1e-12, atol=1e-15)  # float: BLAS may sum in another order


def test_batch_equals_its_graphs_one_after_another(tracking, graphs):
    model, design = tracking
    batch = Batch.from_data_list(list(graphs[:4]))
    got = design.emulate(batch)
    np.testing.assert_array_equal(got, np.concatenate([design.emulate(g) for g in graphs[:4]]))
    with torch.no_grad():
        assert got.shape == tuple(model(batch).shape)


def test_report_of_a_list_counts_every_graph(tracking, graphs):
    _, design = tracking
    _, together = design.emulate(list(graphs[:3]), report=True)
    counts: dict = {}
    for g in graphs[:3]:
        for label, entry in design.emulate(g, report=True)[1].items():
            counts[label] = counts.get(label, 0) + entry["result"]["values"]
    assert {label: entry["result"]["values"] for label, entry in together.items()} == counts


def test_inputs_of_one_graph_are_checked_alone(tracking, graphs):
    _, design = tracking
    bad = graphs[1].clone()
    bad.edge_index = bad.edge_index.clone()
    bad.edge_index[0, 0] = bad.num_nodes  # a node of the next graph once the list is joined
    with pytest.raises(gnnc.GnncError, match="refers to node"):
        design.emulate([graphs[0], bad, graphs[2]])


class _Pooled(nn.Module):
    """A graph-level output without a batch input (one graph per call) and with one."""

    def __init__(self, pool):
        super().__init__()
        self.pool, self.lin = pool, nn.Linear(3, 4)

    def forward(self, x, edge_index, batch=None):
        return self.pool(torch.relu(self.lin(x)), batch)


@pytest.mark.parametrize("batched", [False, True], ids=["one graph per call", "batch input"])
def test_graph_level_outputs_of_a_list(batched):
    torch.manual_seed(0)
    model = _Pooled(global_mean_pool if batched else global_add_pool).eval()

    def args(sizes, seed):
        jets = random_jets(sizes, 3, seed=seed)
        return (jets.x, jets.edge_index, jets.batch) if batched else (jets.x, jets.edge_index)

    design = gnnc.compile(model, args([5, 3], 0), {"graph": {"max_nodes": 16, "max_edges": 100, "max_graphs": 3},
                                                    "precision": "fixed<16,8>"})
    inputs = [args([4, 6], 1), args([7], 2), args([2, 3, 5, 4], 3) if batched else args([9], 3)]
    many = design.emulate(inputs)
    _assert_same(many, [design.emulate(*a) for a in inputs])
    for a, got in zip(inputs, many):
        assert got.shape == torch_forward(model, *a)[0].shape
    if shutil.which("g++") and batched:  # the C++ on the same list
        _assert_same(design.csim_many(inputs), [_as_list(m) for m in many])
