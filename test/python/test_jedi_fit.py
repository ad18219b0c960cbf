"""JEDI-net fitted to a VU9P (examples/fit_jedi_net.py, docs/fit.md): at 8 particles (56 ordered
pairs) the fit keeps every row parallel and makes every dense distributed arithmetic (0 DSP,
the only strategy within 80 % of the LUTs and DSPs). A small JEDI-net (hidden 2, 4 particles, so
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


def test_jedi_fits_a_vu9p_at_zero_dsp(fitted):
    f = fitted.fit
    assert f.knobs["strategy"] == "distributed_arithmetic" and f.estimate["dsp"] == 0
    totals = lookup(PART).totals()
    assert all(f.estimate[r] <= 0.8 * totals[r] for r in RESOURCES)
    # the latency design (the faster one, if it fitted) needs more DSPs than the budget
    latency = next(p for p in f.evaluated if p.knobs["strategy"] == "latency" and not p.knobs["parallelism"]
                   and not p.knobs["reuse_factor"] and p.knobs["io"] == "parallel")
    assert latency.total["latency_cycles"] < f.estimate["latency_cycles"] and latency.total["dsp"] > 0.8 * totals["dsp"]


@pytest.mark.skipif(shutil.which("g++") is None, reason="needs g++")
def test_fitted_jedi_csim_equals_emulate():
    torch.manual_seed(0)
    model = JediNet(hidden=2, probabilities=False).eval()
    jet = random_jets([4], PARTICLE_FEATURES)
    design = gnnc.fit(model, (jet.x, jet.edge_index), {"part": PART, "graph": {"max_nodes": 4, "max_edges": 12},
                                                       "fit": {"utilization": 0.03}})
    assert design.fit.knobs["strategy"] == "distributed_arithmetic" and design.fit.knobs["parallelism"]
    other = random_jets([3], PARTICLE_FEATURES, seed=3)  # fewer particles than the capacity: padding rows
    out = design.csim(other.x, other.edge_index, backend="vitis")
    assert np.array_equal(np.asarray(out), np.asarray(design.emulate(other.x, other.edge_index)))
