"""The Design API contract: config errors, capacity, stages of IR, projects, other IN variants."""

import subprocess
import sys

import numpy as np
import pytest
from interaction_network import load_tracking_in

import gnnc
from gnnc.frontend import torch_forward
from gnnc.ir import parse_module

CAPACITY = {"max_nodes": 128, "max_edges": 256}


@pytest.fixture(scope="module")
def design(trackml_dir, graphs):
    model = load_tracking_in("add", "source_to_target", 8, trackml_dir)
    return gnnc.compile(model, graphs[0], {"graph": CAPACITY, "precision": "ap_fixed<16,8>"})


# -- config ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ({"graph": {"max_node": 3}}, "unknown config key graph.max_node"),
        ({"precison": {}}, "unknown config key precison"),
        ({"graph": {"max_nodes": 0}}, "graph.max_nodes: must be a positive integer"),
        ({"precision": {"default": "fixed<16>"}}, "precision.default: 'fixed<16>' needs integer width"),
        ({"precision": {"default": "fixed<16,8,banana>"}}, "precision.default: unknown option 'banana'"),
        ({"precision": {"default": "float32"}}, "precision.default: cannot read 'float32'"),
        ({"backend": "quartus"}, "backend: 'quartus' is not one of vitis"),
        ({"clock_period_ns": -1}, "clock_period_ns: must be positive"),
        ({"io": "streaming"}, "io: 'streaming' is not one of parallel, stream"),
        ({"precision": {"ops": {"R1.layers.0": {"wieght": "fixed<8,2>"}}}},
         "unknown config key precision.ops.R1.layers.0.wieght"),
    ],
)
def test_config_errors_name_the_key(config, message):
    with pytest.raises(gnnc.ConfigError, match=message.replace("(", r"\(").replace("[", r"\[")):
        gnnc.load_config(config)


def test_config_from_yaml(tmp_path):
    path = tmp_path / "cfg.yaml"
    path.write_text("graph: {max_nodes: 28, max_edges: 56}\nprecision:\n  default: ap_fixed<16,6,AP_RND,AP_SAT>\n")
    cfg = gnnc.load_config(path)
    assert (cfg.graph.max_nodes, cfg.graph.max_edges) == (28, 56)
    assert cfg.precision_default == "fixed<16, 6, rnd, sat>"
    with pytest.raises(gnnc.ConfigError, match="does not exist"):
        gnnc.load_config(tmp_path / "missing.yaml")


def test_yaml_flow_mapping_splitting_a_type_is_explained(tmp_path):
    path = tmp_path / "cfg.yaml"
    path.write_text("precision: {default: fixed<16,8>}\n")  # YAML reads `8>` as a second key
    with pytest.raises(gnnc.ConfigError, match="split at its comma; quote it"):
        gnnc.load_config(path)
    path.write_text("precision: {default: 'fixed<16,8>'}\n")
    assert gnnc.load_config(path).precision_default == "fixed<16, 8>"


# -- running ---------------------------------------------------------------------------


def test_graph_over_capacity_runs_in_exact_segments(trackml_dir, graphs):
    model = load_tracking_in("add", "source_to_target", 8, trackml_dir)
    small = gnnc.compile(model, graphs[0], {"graph": {"max_nodes": 60, "max_edges": 100}, "precision": "fixed<16,8>"})
    roomy = gnnc.compile(model, graphs[0], {"graph": CAPACITY, "precision": "fixed<16,8>"})
    too_big = max(graphs, key=lambda g: g.num_edges)
    segments = small.partition(too_big)
    assert len(segments) > 1 and all(n <= 60 and e <= 100 for n, e in (s.size for s in segments))
    assert len(roomy.partition(too_big)) == 1
    whole = roomy.emulate(too_big)
    assert np.array_equal(small.emulate(too_big), whole)
    assert np.array_equal(small.csim(too_big), whole)
    np.testing.assert_allclose(small.emulate(too_big, fixed=False), torch_forward(model, too_big)[0], atol=1e-5, rtol=0)


def test_estimate_is_part_of_the_design(design):
    e = design.estimate()
    assert e["total"]["ii"] == 1 and e["total"]["latency_ns"] == 5 * e["total"]["latency_cycles"]
    assert e["total"]["dsp"] == sum(op["dsp"] for op in e["ops"].values())


def test_capacity_defaults_to_the_example(trackml_dir, graphs):
    model = load_tracking_in("add", "source_to_target", 8, trackml_dir)
    d = gnnc.compile(model, graphs[3])
    assert (d.max_nodes, d.max_edges) == (graphs[3].num_nodes, graphs[3].num_edges)


def test_padding_never_changes_a_result(design, trackml_dir, graphs):
    # One graph through two designs of different capacity: the same bits, in C++ too.
    model = load_tracking_in("add", "source_to_target", 8, trackml_dir)
    tight = gnnc.compile(
        model, graphs[0], {"graph": {"max_nodes": 114, "max_edges": 184}, "precision": "ap_fixed<16,8>"}
    )
    g = graphs[2]
    assert (g.num_nodes, g.num_edges) != (114, 184)
    roomy = design.csim(g)
    assert roomy.shape == (g.num_edges, 1)
    assert np.array_equal(roomy, tight.csim(g))
    assert np.array_equal(roomy, tight.emulate(g))


# -- IR stages ---------------------------------------------------------------------------


@pytest.mark.parametrize("stage", ["gnn", "fixed", "hls"])
def test_every_stage_parses_back(design, stage):
    text = design.mlir(stage)
    assert str(parse_module(text)) == text


def test_unknown_stage(design):
    with pytest.raises(gnnc.GnncError, match="unknown stage 'llvm'"):
        design.mlir("llvm")


def test_gnn_stage_is_gnnc_opt_input(design):
    result = subprocess.run(
        [sys.executable, "-m", "gnnc.tools.gnnc_opt", "--lower-to-hls", "--precision", "fixed<16,8>",
         "--max-nodes", "128", "--max-edges", "256", "-t", "vitis"],
        input=design.mlir("gnn"), capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stderr
    # Same pipeline, same C++ as the Python API produced.
    assert design.sources().files[f"{design.top}.cpp"] in result.stdout


# -- projects ----------------------------------------------------------------------------


def test_write_refuses_to_overwrite(design, tmp_path):
    out = tmp_path / "prj"
    design.write(out)
    assert (out / "firmware" / f"{design.top}.cpp").is_file()
    assert (out / "build_prj.tcl").is_file()
    with pytest.raises(gnnc.GnncError, match="force"):
        design.write(out)
    design.write(out, force=True)


def test_project_config_reproduces_the_design(design, trackml_dir, graphs, tmp_path):
    out = design.write(tmp_path / "prj")
    config = gnnc.load_config(out / "gnnc_config.yaml")
    model = load_tracking_in("add", "source_to_target", 8, trackml_dir)
    again = gnnc.compile(model, graphs[0], config)
    assert again.sources().files == design.sources().files


def test_project_testbench_passes_on_its_own_data(design, tmp_path):
    """The written project's testbench, built as a user would, reproduces the emulator's bits."""
    from gnnc.csim import ap_types_dir

    out = design.write(tmp_path / "prj")
    exe = tmp_path / "tb"
    build = subprocess.run(
        ["g++", "-std=c++14", "-O1", "-Wno-unknown-pragmas", "-isystem", str(ap_types_dir()),
         "-Ifirmware", f"firmware/{design.top}.cpp", f"tb/{design.top}_tb.cpp", "-o", str(exe)],
        cwd=out, capture_output=True, text=True, timeout=300,
    )
    assert build.returncode == 0, build.stderr[:2000]
    run = subprocess.run([str(exe)], cwd=out, capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stdout + run.stderr


# -- other variants of the IN: mean, max, reversed flow -------------------------------------


@pytest.mark.parametrize(
    ("aggr", "flow"),
    [("mean", "source_to_target"), ("max", "source_to_target"), ("add", "target_to_source")],
)
def test_variants_bit_exact(trackml_dir, graphs, aggr, flow):
    model = load_tracking_in(aggr, flow, 40, trackml_dir)
    d = gnnc.compile(model, graphs[0], {"graph": CAPACITY, "precision": "fixed<16,8>"})
    subset = graphs[:4]
    for g in subset:
        np.testing.assert_allclose(d.emulate(g, fixed=False), torch_forward(model, g)[0], atol=1e-5, rtol=0)
    simulated = d.csim_many([(g,) for g in subset])
    assert all(np.array_equal(s[0], d.emulate(g)) for s, g in zip(simulated, subset))
