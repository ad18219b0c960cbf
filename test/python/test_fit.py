"""gnnc.fit / config `fit` (docs/fit.md): estimate-only checks of the search, no g++."""

import itertools
import random
import warnings

import pytest
import torch
import yaml
from torch import nn
from torch_geometric.nn import MessagePassing
from tiny_model import Tiny, example

import gnnc
import gnnc.fit_search as fit_module  # the search behind the function gnnc.fit
from gnnc.config import IO_MODES, load_config
from gnnc.parts import RESOURCES, lookup
from gnnc.passes.hls_reuse import divisors

PART = "xczu9eg"
# 1.28 % of a ZU9EG: 3,508 LUTs, 32 DSPs. The fully parallel tiny design needs 3,876 LUTs
# (and 4,860 as distributed arithmetic): the budget forces a trade.
UTILIZATION = 0.0128


def _budget(utilization=UTILIZATION):
    return {r: utilization * v for r, v in lookup(PART).totals().items()}


def _within(total, budget):
    return all(total[r] <= budget[r] for r in RESOURCES)


@pytest.fixture(scope="module")
def fitted():
    return gnnc.fit(Tiny().eval(), example(), {"part": PART, "fit": {"utilization": UTILIZATION}})


def test_fit_chooses_the_fastest_point_within_budget(fitted):
    f = fitted.fit
    assert f.method == "exhaustive" and f.points_evaluated == len(f.evaluated) < f.space_size
    # the per-op stage saw every point at the coarse default (all rows): io x (RF x rows of the
    # dense, latency) + (rows, distributed arithmetic), besides the coarse stage's points
    per_op = [p for p in f.evaluated if not {"edges", "nodes"} & set(p.knobs["parallelism"])]
    assert len(per_op) == len(IO_MODES) * (len(divisors(6)) * 4 + 4)
    assert 0 < f.coarse_points < f.points_evaluated
    assert _within(f.estimate, _budget())
    assert fitted.estimate()["total"] == f.estimate  # the returned design is the chosen point
    fastest = gnnc.compile(Tiny().eval(), example(), {"part": PART}).estimate()["total"]
    assert not _within(fastest, _budget())  # the trade was needed
    key = (f.estimate["latency_cycles"], f.estimate["ii"])
    for p in f.evaluated:
        if _within(p.total, _budget()):
            assert (p.total["latency_cycles"], p.total["ii"]) >= key
    assert f.runners_up and all(p.fits and _within(p.total, _budget()) for p in f.runners_up)
    assert [p.key for p in f.runners_up] == sorted(p.key for p in f.runners_up)
    assert f.runners_up[0].key >= min(p.key for p in f.evaluated if p.fits)
    assert f.seconds > 0


def test_fit_matches_an_independent_brute_force(fitted):
    """Every io x strategy x reuse factor (divisors of the dense's 6 products per row) x
    parallelism (all 6 edges, 4, 2, 1) compiled by gnnc.compile: the best that fits is fit's choice."""
    from gnnc.design import compile_imported
    from gnnc.frontend import import_model

    ex = example()
    imported = import_model(Tiny().eval(), ex)  # captured once; each point is lowered by gnnc.compile's path
    best = None
    for io, strategy, rf, p in itertools.product(IO_MODES, ("latency", "distributed_arithmetic"),
                                                 divisors(6), (6, 4, 2, 1)):
        if strategy == "distributed_arithmetic" and rf > 1:
            continue
        cfg = {"part": PART, "io": io, "strategy": strategy,
               "reuse_factor": {"default": 1, "ops": {"lin_dense": rf}}, "parallelism": {"ops": {"lin_dense": p}}}
        with warnings.catch_warnings():  # most points do not fit the tiny budget: that is the point
            warnings.simplefilter("ignore", gnnc.ResourceWarning)
            t = compile_imported(imported, ex, load_config(cfg), None).estimate()["total"]
        if _within(t, _budget()):
            key = (t["latency_cycles"], t["ii"])
            best = key if best is None or key < best else best
    assert best == (fitted.fit.estimate["latency_cycles"], fitted.fit.estimate["ii"])


def test_greedy_search_fits_and_its_choice_is_the_best_it_saw(monkeypatch):
    monkeypatch.setattr(fit_module, "EXHAUSTIVE", 0)
    d = gnnc.compile(Tiny().eval(), example(), {"part": PART, "fit": {"utilization": UTILIZATION}})
    f = d.fit
    assert f.method == "greedy" and f.points_evaluated < f.space_size
    assert _within(f.estimate, _budget())
    fitting = [p for p in f.evaluated if _within(p.total, _budget())]
    assert min((p.total["latency_cycles"], p.total["ii"]) for p in fitting) == \
        (f.estimate["latency_cycles"], f.estimate["ii"])


def test_latency_bound_is_honoured(fitted):
    """The search minimises latency, so a bound at the best point's latency keeps it and one
    below it leaves nothing: an error naming latency_ns and the fastest design's time."""
    best = fitted.fit.estimate["latency_ns"]
    d = gnnc.fit(Tiny().eval(), example(), {"part": PART, "fit": {"utilization": UTILIZATION, "latency_ns": best}})
    assert d.fit.estimate == fitted.fit.estimate and d.fit.latency_ns == best
    assert all(p.total["latency_ns"] <= best for p in d.fit.evaluated if p.fits)
    with pytest.raises(gnnc.FitError, match=rf"latency_ns {best - 1:g}: .* takes {best:g} ns"):
        gnnc.fit(Tiny().eval(), example(), {"part": PART, "fit": {"utilization": UTILIZATION, "latency_ns": best - 1}})


def test_no_fit_names_the_smallest_design_and_its_resource():
    with pytest.raises(gnnc.FitError) as err:
        gnnc.fit(Tiny().eval(), example(), {"part": PART, "fit": {"utilization": 0.0001}})
    message = str(err.value)
    assert "smallest" in message and "fit.utilization" in message
    # the smallest design's overflowing resource, with its numbers: DSPs or LUTs of a tiny budget
    assert any(f"needs {r} " in message for r in RESOURCES)
    assert "allowed" in message


@pytest.mark.parametrize("fit, match", [
    ({"utilization": 0}, "fit.utilization"),
    ({"utilization": 1.5}, "fit.utilization"),
    ({"utilization": "most"}, "fit.utilization"),
    ({"latency_ns": -3}, "fit.latency_ns"),
    ({"latency_ns": True}, "fit.latency_ns"),
    ({"budget": 1}, "fit.budget"),
])
def test_fit_config_errors_name_the_key(fit, match):
    with pytest.raises(gnnc.ConfigError, match=match):
        load_config({"fit": fit})


def test_fit_with_a_knob_it_chooses_is_an_error():
    with pytest.raises(gnnc.ConfigError, match="fit: chooses.*reuse_factor"):
        load_config({"fit": {"utilization": 0.5}, "reuse_factor": 2})


def test_fit_shorthand_and_defaults():
    assert load_config({"fit": 0.5}).fit.utilization == 0.5
    assert load_config({"fit": {}}).fit.utilization == 0.8
    assert load_config(load_config({"fit": {"latency_ns": 100}}).to_dict()).fit.latency_ns == 100


def test_written_fitted_design_records_the_chosen_knobs_without_fit(fitted, tmp_path):
    path = fitted.write(tmp_path / "proj")
    recorded = yaml.safe_load((path / "gnnc_config.yaml").read_text())
    assert "fit" not in recorded
    knobs = fitted.fit.knobs
    assert recorded["io"] == knobs["io"] and recorded.get("strategy", "latency") == knobs["strategy"]
    rf = recorded["reuse_factor"]
    assert (rf["ops"] if isinstance(rf, dict) else {}) == knobs["reuse_factor"]
    assert recorded.get("parallelism", {}) == knobs["parallelism"]
    again = gnnc.compile(Tiny().eval(), example(), path / "gnnc_config.yaml")
    assert again.fit is None
    assert again.estimate()["total"] == fitted.estimate()["total"]


def test_fitted_design_csim_equals_emulate_on_trackml(graphs):
    """A design whose knobs the fit chose (not the fastest, fully parallel point) is an
    ordinary design: g++ csim == emulate bit for bit on TrackML graphs (segments of 28 x 56)."""
    import numpy as np

    pairs = [(g.x, g.edge_index) for g in graphs[:2]]
    d = gnnc.fit(Tiny().eval(), pairs[0], {"part": PART, "graph": {"max_nodes": 28, "max_edges": 56},
                                           "fit": {"utilization": 0.02}})
    assert d.fit.knobs["parallelism"] or d.fit.knobs["reuse_factor"] or d.fit.knobs["io"] == "stream"
    outs = d.csim_many(pairs, backend="vitis")  # one g++ build, both graphs
    for pair, out in zip(pairs, outs):
        assert np.array_equal(out[0], d.emulate(*pair))


class _TwoLayer(MessagePassing):
    """A message MLP and a node update: three denses, a scatter between them (ops that share arrays)."""

    def __init__(self):
        super().__init__(aggr="add")
        torch.manual_seed(2)
        self.msg = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))
        self.upd = nn.Linear(5, 2)

    def forward(self, x, edge_index):
        return self.upd(torch.cat([x, self.propagate(edge_index, x=x)], dim=1))

    def message(self, x_j):
        return self.msg(x_j)


def _search(model, config):
    from gnnc.design import _as_args
    from gnnc.frontend import import_model

    cfg = load_config(config)
    imported = import_model(model, example())
    return fit_module._Search(imported, imported.bind(*_as_args(example())), cfg, 0.0128, None)


def test_in_place_estimate_equals_a_fresh_copy():
    """The fast path (directives reset and rerun on a working copy, stages reused) gives the
    estimate of a fresh copy, per op and in total, on 40 parallel-io points of each strategy
    of a three-dense model drawn from its whole space (coarse edges / nodes per cycle too, so
    the scatter gets accumulator copies on some: a working copy per set of copies) in a
    shuffled order (each after others)."""
    search = _search(_TwoLayer().eval(), {"part": PART})
    rng = random.Random(0)
    for strategy, st in search.structures.items():
        assert len(st.spaces) == 3 and st.copying
        points = list(itertools.product(st.coarse["edges"], st.coarse["nodes"], *[
            list(itertools.product(range(len(o.reuse)), range(len(o.parallel)))) for o in st.spaces]))
        rng.shuffle(points)
        for edges, nodes, *ops in points[:40]:
            cfg = fit_module.Knobs("parallel", strategy, tuple(ops), edges, nodes).config(search.cfg, st.spaces)
            assert st.estimate_in_place(cfg) == st.estimate_copy(cfg), (strategy, edges, nodes, ops)
        assert len(st.works) > 2  # points with accumulator copies of different counts were estimated in place


def test_fast_search_chooses_what_the_copying_search_chooses(monkeypatch):
    """The greedy search over the three-dense model's space (12,416 points: io x strategy x RF x
    parallelism) estimates the same points and chooses the same one whether points are
    estimated in place or each on a fresh copy (gnnc.fit before the fast path)."""
    monkeypatch.setattr(fit_module, "EXHAUSTIVE", 0)
    config = {"part": PART, "fit": {"utilization": 0.03}}
    fast = gnnc.fit(_TwoLayer().eval(), example(), config).fit
    monkeypatch.setattr(fit_module._Structure, "estimate_in_place", fit_module._Structure.estimate_copy)
    slow = gnnc.fit(_TwoLayer().eval(), example(), config).fit
    assert fast.method == slow.method == "greedy"
    assert (fast.knobs, fast.estimate) == (slow.knobs, slow.estimate)
    assert [(p.knobs, p.total) for p in fast.evaluated] == [(p.knobs, p.total) for p in slow.evaluated]
    print(f"fast {fast.seconds:.1f} s, copying {slow.seconds:.1f} s, {fast.space_size} points")
