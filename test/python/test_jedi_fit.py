"""JEDI-net fitted to a VU9P (examples/fit_jedi_net.py, docs/fit.md): at 8 particles (56 ordered
pairs) the fit keeps every row parallel and makes the denses distributed arithmetic (the
latency strategy alone needs more than 80 % of the DSPs), a few latency where that is faster. At 16 particles (240 pairs) only the
coarse stage (every op's edges / nodes per cycle) finds designs that fit. A small JEDI-net (hidden 2, 4 particles, so
that g++ is quick) fitted to 3 % of the part is distributed arithmetic with an edge dense at 4 of
12 pairs per cycle; its C simulation equals the emulator on a jet (one g++ build, Vitis)."""

import shutil

import numpy as np
import pytest
import torch
from fit_jedi_net import PART, jedi_config, jedi_model
from jet_tagging import PARTICLE_FEATURES, JediNet, random_jets

import gnnc
from gnnc.parts import RESOURCES, lookup

PARTICLES = 8


@pytest.fixture(scope="module")
def fitted():
    jet = random_jets([PARTICLES], PARTICLE_FEATURES)
    return gnnc.fit(jedi_model(), (jet.x, jet.edge_index), jedi_config(PARTICLES) | {"fit": {"utilization": 0.8}})


def test_jedi_fits_a_vu9p_with_distributed_arithmetic(fitted):
    """Distributed arithmetic by default, and the per-op strategy stage gives some denses
    strategy latency (their multipliers within the DSPs left): faster than every dense as DA."""
    f = fitted.fit
    strategy = f.knobs["strategy"]
    assert strategy["default"] == "distributed_arithmetic" and set(strategy["ops"].values()) == {"latency"}
    totals = lookup(PART).totals()
    assert all(f.estimate[r] <= 0.8 * totals[r] for r in RESOURCES)
    da = next(p for p in f.evaluated if p.knobs == {"io": "parallel", "strategy": "distributed_arithmetic",
                                                    "reuse_factor": {}, "parallelism": {}})
    assert da.fits and da.total["dsp"] == 0  # the fully parallel DA design fits: the fit is no slower
    assert f.estimate["latency_cycles"] < da.total["latency_cycles"]
    # the latency design (the faster one, if it fitted) needs more DSPs than the budget
    latency = next(p for p in f.evaluated if p.knobs["strategy"] == "latency" and not p.knobs["parallelism"]
                   and not p.knobs["reuse_factor"] and p.knobs["io"] == "parallel")
    assert latency.total["latency_cycles"] < f.estimate["latency_cycles"] and latency.total["dsp"] > 0.8 * totals["dsp"]


def _within(total, utilization=0.8):
    totals = lookup(PART).totals()
    return all(total[r] <= utilization * totals[r] for r in RESOURCES)


def test_jedi_16_particles_fits_through_the_coarse_stage():
    """Fully parallel, the gathers / concat / ReLU / scatter over 240 edges alone need more LUTs
    than the part; with every op's edge loop at fewer edges per cycle a design fits. The chosen
    point is within 80 % of every resource of the VU9P (parts.py's totals), no point the search
    estimated that is within them is faster, and a rebuild of the recorded config (no fit) is
    the same design."""
    model, jet = jedi_model(), random_jets([16], PARTICLE_FEATURES)
    design = gnnc.fit(model, (jet.x, jet.edge_index), jedi_config(16) | {"fit": {"utilization": 0.8}})
    f = design.fit
    assert _within(f.estimate) and design.estimate()["total"] == f.estimate
    assert f.knobs["parallelism"].get("edges") and f.coarse_points > 0
    key = (f.estimate["latency_cycles"], f.estimate["ii"])
    assert all((p.total["latency_cycles"], p.total["ii"]) >= key for p in f.evaluated if _within(p.total))
    fully_parallel = next(p for p in f.evaluated if p.knobs == {"io": "parallel", "strategy": "distributed_arithmetic",
                                                              "reuse_factor": {}, "parallelism": {}})
    assert not _within(fully_parallel.total)
    again = gnnc.compile(model, (jet.x, jet.edge_index), design.config.to_dict())
    assert again.fit is None and again.estimate()["total"] == f.estimate


@pytest.mark.skipif(shutil.which("g++") is None, reason="needs g++")
def test_fitted_jedi_csim_equals_emulate():
    torch.manual_seed(0)
    model = JediNet(hidden=2, probabilities=False).eval()
    jet = random_jets([4], PARTICLE_FEATURES)
    design = gnnc.fit(model, (jet.x, jet.edge_index), {"part": PART, "graph": {"max_nodes": 4, "max_edges": 12},
                                                       "fit": {"utilization": 0.03}})
    strategy = design.fit.knobs["strategy"]  # a name, or {"default", "ops"} with denses at latency
    assert (strategy if isinstance(strategy, str) else strategy["default"]) == "distributed_arithmetic"
    assert design.fit.knobs["parallelism"]
    other = random_jets([3], PARTICLE_FEATURES, seed=3)  # fewer particles than the capacity: padding rows
    out = design.csim(other.x, other.edge_index, backend="vitis")
    assert np.array_equal(np.asarray(out), np.asarray(design.emulate(other.x, other.edge_index)))
