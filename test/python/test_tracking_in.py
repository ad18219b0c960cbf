"""The issue-2 slice on real data: the tracking Interaction Network on all 10 TrackML graphs.

For each model: float IR == torch to 1e-5, g++ csim == emulator bit for bit, and
efficiency / purity of the fixed-point design within 0.01 of the float model.
"""

import numpy as np
import pytest
from interaction_network import load_tracking_in
from tracking_metrics import efficiency_purity

import gnnc
from gnnc.frontend import torch_forward

CONFIG = {"graph": {"max_nodes": 128, "max_edges": 256}, "precision": {"default": "fixed<16,8>"}}


@pytest.fixture(scope="module", params=[8, 40], ids=["H8", "H40"])
def compiled(request, trackml_dir, graphs):
    model = load_tracking_in("add", "source_to_target", request.param, trackml_dir)
    design = gnnc.compile(model, graphs[0], CONFIG)
    reference = [torch_forward(model, g)[0] for g in graphs]
    return design, reference


def test_graph_sizes_differ_from_example(graphs):
    sizes = {(g.num_nodes, g.num_edges) for g in graphs}
    assert len(graphs) == 10 and len(sizes) == 10


def test_float_ir_matches_torch(compiled, graphs):
    design, reference = compiled
    for g, ref in zip(graphs, reference):
        out = design.emulate(g, fixed=False)
        assert out.shape == ref.shape
        np.testing.assert_allclose(out, ref, atol=1e-5, rtol=0)


def test_csim_is_bit_exact_with_emulator(compiled, graphs):
    design, _ = compiled
    simulated = design.csim_many([(g,) for g in graphs])
    exact = [np.array_equal(sim[0], design.emulate(g)) for sim, g in zip(simulated, graphs)]
    assert all(exact), f"bit-exact on {sum(exact)}/10 graphs"


def test_physics_within_one_percent_of_float(compiled, graphs):
    design, reference = compiled
    truths = [g.y.numpy() for g in graphs]
    eff_f, pur_f = efficiency_purity(reference, truths)
    eff_q, pur_q = efficiency_purity([design.emulate(g) for g in graphs], truths)
    assert abs(eff_q - eff_f) <= 0.01, (eff_q, eff_f)
    assert abs(pur_q - pur_f) <= 0.01, (pur_q, pur_f)


def test_float_reference_matches_published_figures(graphs, trackml_dir):
    # README of the data: add, source_to_target, H=8 -> efficiency 0.9810, purity 0.9702.
    model = load_tracking_in("add", "source_to_target", 8, trackml_dir)
    eff, pur = efficiency_purity([torch_forward(model, g)[0] for g in graphs], [g.y.numpy() for g in graphs])
    assert eff == pytest.approx(0.9810, abs=5e-5) and pur == pytest.approx(0.9702, abs=5e-5)


def test_firmware_compiles_without_warnings(compiled, tmp_path):
    import subprocess

    from gnnc.csim import ap_types_dir

    design, _ = compiled
    for name, text in design.sources().files.items():
        (tmp_path / name).write_text(text)
    flags = ["-std=c++17", "-O1", "-Wall", "-Wextra", "-Wno-unknown-pragmas", "-Werror"]
    result = subprocess.run(
        ["g++", *flags, "-isystem", str(ap_types_dir()), "-c", str(tmp_path / f"{design.top}.cpp"),
         "-o", str(tmp_path / "top.o")],
        capture_output=True, text=True,
    )
    assert result.returncode == 0, result.stderr[:3000]


def test_cpp_does_not_grow_with_capacity(trackml_dir, graphs):
    model = load_tracking_in("add", "source_to_target", 8, trackml_dir)

    def cpp(max_nodes, max_edges):
        config = {**CONFIG, "graph": {"max_nodes": max_nodes, "max_edges": max_edges}}
        design = gnnc.compile(model, graphs[0], config)
        return design.sources().files[f"{design.top}.cpp"]

    small, large = cpp(128, 256), cpp(4096, 8192)
    assert len(small.splitlines()) == len(large.splitlines())
    assert "8192" in large and "8192" not in small
