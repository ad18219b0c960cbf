"""io: stream: the design as dataflow stages connected by streams (hls-dataflow), bit for bit
the emulator's numerics on both backends, on the real tracking IN."""

import numpy as np
import pytest
import yaml

import gnnc
from gnnc.errors import ConfigError

CAPACITY = {"max_nodes": 128, "max_edges": 256}


def _config(**extra):
    return {"graph": dict(CAPACITY), "precision": {"default": "fixed<16,8>"}, "io": "stream", **extra}


def _tracking(trackml_dir, hidden, aggr="add"):
    from interaction_network import load_tracking_in

    return load_tracking_in(aggr, "source_to_target", hidden, trackml_dir)


def _assert_csim_exact(design, graphs, backend):
    simulated = design.csim_many([(g,) for g in graphs], backend=backend)
    for k, (g, sim) in enumerate(zip(graphs, simulated)):
        np.testing.assert_array_equal(sim[0], design.emulate(g), err_msg=f"graph {k}")


@pytest.mark.parametrize("backend", ["vitis", "oneapi"])
@pytest.mark.parametrize("hidden, aggr", [(8, "add"), (40, "mean")])
def test_tracking_in_csim_equals_emulate(trackml_dir, graphs, hidden, aggr, backend):
    design = gnnc.compile(_tracking(trackml_dir, hidden, aggr), graphs[0], _config())
    _assert_csim_exact(design, graphs, backend)


def test_stream_and_parallel_designs_compute_the_same(trackml_dir, graphs):
    """Same numerics in both io modes: the g++ runs of the two designs agree bit for bit."""
    model = _tracking(trackml_dir, 8)
    stream = gnnc.compile(model, graphs[0], _config())
    parallel = gnnc.compile(model, graphs[0], _config(io="parallel"))
    picked = [(g,) for g in graphs[:3]]
    for s, p in zip(stream.csim_many(picked), parallel.csim_many(picked)):
        np.testing.assert_array_equal(s[0], p[0])


def test_reuse_and_parallelism_in_stream_mode(trackml_dir, graphs):
    """Row loops unrolled by P (several stream rows per iteration, P accumulator copies in
    the scatter) and shared multipliers keep the numerics."""
    config = _config(reuse_factor={"default": 1, "ops": {"R1.layers.0": 2}}, parallelism={"edges": 2, "nodes": 2})
    design = gnnc.compile(_tracking(trackml_dir, 8), graphs[0], config)
    hls = design.mlir("hls")
    assert "unroll = 2 : i64" in hls and "pipeline_ii = 2 : i64" in hls
    _assert_csim_exact(design, graphs[:3], "vitis")
    _assert_csim_exact(design, graphs[:2], "oneapi")


def test_over_capacity_graphs_run_in_segments(trackml_dir, graphs):
    config = _config(graph={"max_nodes": 48, "max_edges": 64})
    design = gnnc.compile(_tracking(trackml_dir, 8), graphs[0], config)
    assert len(design.partition(graphs[0])) > 1
    _assert_csim_exact(design, graphs[:2], "vitis")


def test_stage_structure(trackml_dir, graphs):
    design = gnnc.compile(_tracking(trackml_dir, 8), graphs[0], _config())
    module = design.module("hls")
    from xdsl.dialects import func

    from gnnc.dialects import hls

    funcs = [op for op in module.body.block.ops if isinstance(op, func.FuncOp)]
    top = funcs[-1]
    assert "hls.dataflow" in top.attributes and "hls.pipeline_ii" not in top.attributes
    stages = [f.attributes["hls.stage"].data for f in funcs[:-1]]
    # splits of the inputs read by several stages, then one stage per gnn op, then the output
    assert stages[:2] == ["edge_index_split", "x_split"] and stages[-1] == "output_out0"
    assert any(s.startswith("scatter_sum") for s in stages)
    calls = [op.callee.root_reference.data for op in top.body.block.ops if isinstance(op, func.CallOp)]
    assert calls == [f.sym_name.data for f in funcs[:-1]]
    # every channel has one writer and one reader, and holds a whole array
    for ch in (op for op in top.body.block.ops if isinstance(op, hls.ChannelOp)):
        assert len([u for u in ch.result.uses]) == 2
        assert ch.depth.value.data in (CAPACITY["max_nodes"], CAPACITY["max_edges"])
    ports = design.sources("vitis").ports
    assert [p.stream for p in ports] == [True, True, True, False, False, True]


@pytest.mark.parametrize("backend", ["vitis", "oneapi"])
def test_project_round_trip(trackml_dir, graphs, tmp_path, backend):
    model = _tracking(trackml_dir, 8)
    design = gnnc.compile(model, graphs[0], _config())
    out = design.write(tmp_path / "prj", backend=backend)
    saved = yaml.safe_load((out / "gnnc_config.yaml").read_text())
    assert saved["io"] == "stream"
    again = gnnc.compile(model, graphs[0], saved)
    assert again.mlir("hls") == design.mlir("hls")
    stream_header = "firmware/gnnc_stream.h" if backend == "vitis" else "src/gnnc_stream.hpp"
    assert (out / stream_header).is_file()


def test_io_mode_is_checked():
    with pytest.raises(ConfigError, match="io: 'axis' is not one of parallel, stream"):
        gnnc.load_config({"io": "axis"})


def test_estimate_of_a_dataflow_design(trackml_dir, graphs):
    """Streams trade latency for area: one row's multipliers per op instead of every row's,
    stages overlapping, a new graph when the slowest stage is done."""
    model = _tracking(trackml_dir, 8)
    stream = gnnc.compile(model, graphs[0], _config()).estimate()
    parallel = gnnc.compile(model, graphs[0], _config(io="parallel")).estimate()
    dense = "R1_layers_0_dense"
    # a row loop pipelined at II 1: the multipliers of one edge, not of all 256
    assert stream["ops"][dense]["dsp"] * CAPACITY["max_edges"] == parallel["ops"][dense]["dsp"]
    assert stream["ops"][dense]["ii"] == 1
    total = stream["total"]
    # the slowest stage sets the II: the scatter (init 128 nodes, 256 edges, 128 nodes)
    assert total["ii"] >= CAPACITY["max_nodes"] + CAPACITY["max_edges"]
    assert total["ii"] < total["latency_cycles"] < sum(op["latency_cycles"] for op in stream["ops"].values())
    assert {"x_split", "edge_index_split", "output_out0"} <= set(stream["ops"])
