"""Issue 5 knobs: reuse factor and row parallelism per op (config, pragmas, estimate, csim == emulate)."""

import re

import numpy as np
import pytest
from interaction_network import load_tracking_in

import gnnc
from gnnc.estimate import estimate
from gnnc.fixed import quantize

BASE = {"graph": {"max_nodes": 128, "max_edges": 256}, "precision": "fixed<16,8>"}
KNOBS = {
    "reuse_factor": {"default": 2, "ops": {"R1.layers.0": 4}},
    "parallelism": {"edges": 8, "nodes": 4, "ops": {"O.layers.0": 2}},
}


def nontrivial_weights(design, path: str, columns: slice = slice(None)) -> int:
    """Weights of a dense (its `columns` of inputs) that need a multiplier: quantized to the
    weight type, neither 0 nor +-2^k (docs/estimate.md: HLS removes those or makes them shifts)."""
    (op,) = [op for op in design.module("fixed").walk()
             if op.name == "gnn.dense" and op.attributes["gnn.path"].data == path]
    w = np.asarray(op.weight.get_values(), dtype=np.float64).reshape(op.out_features, op.in_features)[:, columns]
    raw = np.abs(quantize(w, op.weight_type))
    return int(np.sum((raw != 0) & ((raw & (raw - 1)) != 0)))


@pytest.fixture(scope="module")
def model(trackml_dir):
    return load_tracking_in("add", "source_to_target", 8, trackml_dir)


@pytest.fixture(scope="module")
def design(model, graphs):
    return gnnc.compile(model, graphs[3], BASE | KNOBS)


# -- config ---------------------------------------------------------------------------


def test_config_forms():
    cfg = gnnc.load_config({"reuse_factor": 4, "parallelism": 2})
    assert (cfg.reuse_factor, cfg.parallelism_edges, cfg.parallelism_nodes) == (4, 2, 2)
    cfg = gnnc.load_config(KNOBS)
    assert cfg.reuse_factor == 2 and cfg.reuse_ops == (("R1.layers.0", 4),)
    assert (cfg.parallelism_edges, cfg.parallelism_nodes, cfg.parallelism_ops) == (8, 4, (("O.layers.0", 2),))
    written = cfg.to_dict()  # what a project's gnnc_config.yaml holds reads back
    assert gnnc.load_config({k: written[k] for k in ("reuse_factor", "parallelism")}) == cfg


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ({"reuse_factor": 0}, "reuse_factor.default: must be a positive integer"),
        ({"reuse_factor": {"default": 2, "op": {}}}, "unknown config key reuse_factor.op"),
        ({"reuse_factor": {"ops": {"R1.layers.0": 1.5}}}, "reuse_factor.ops.R1.layers.0: must be a positive integer"),
        ({"parallelism": {"edge": 8}}, "unknown config key parallelism.edge"),
        ({"parallelism": {"ops": {"a=b": 2}}}, "is not an op path"),
        ({"io": "streaming"}, "io: 'streaming' is not one of parallel, stream"),
    ],
)
def test_config_errors(config, message):
    with pytest.raises(gnnc.ConfigError, match=re.escape(message)):
        gnnc.load_config(config)


def test_invalid_reuse_factor_lists_the_valid_ones(model, graphs):
    # R1.layers.0 is 10 -> 8: 80 multiplications per row
    with pytest.raises(gnnc.GnncError, match=re.escape(
        "reuse factor 3 is invalid for R1.layers.0 (R1_layers_0_dense) (80 multiplications per row); "
        "valid reuse factors: 1, 2, 4, 5, 8, 10, 16, 20, 40, 80"
    )):
        gnnc.compile(model, graphs[3], BASE | {"reuse_factor": {"ops": {"R1.layers.0": 3}}})
    with pytest.raises(gnnc.GnncError, match="'R9.layers.0' is not an op of this design; ops: .*R1.layers.0"):
        gnnc.compile(model, graphs[3], BASE | {"reuse_factor": {"ops": {"R9.layers.0": 2}}})


# -- directives -------------------------------------------------------------------------


def _loop(cpp: str, label: str) -> str:
    """The pragmas right after `label: for (...) {` in the Vitis source."""
    m = re.search(rf"\n *{label}: for \([^\n]*\n((?:#pragma[^\n]*\n)*)", cpp)
    assert m, label
    return m.group(1)


def test_vitis_pragmas(design):
    cpp = design.sources("vitis").files["interaction_network.cpp"]
    top = cpp.split("gather1: for")[0]
    assert "PIPELINE" not in top  # a pipelined top function would unroll every loop again
    assert _loop(cpp, "R1_layers_0_dense") == (
        "#pragma HLS UNROLL factor=8\n#pragma HLS PIPELINE II=4\n"
        "#pragma HLS ALLOCATION operation instances=mul limit=160\n"  # 8 edges x 80 / 4
    )
    assert _loop(cpp, "O_layers_0_dense") == (
        "#pragma HLS UNROLL factor=2\n#pragma HLS PIPELINE II=2\n"
        "#pragma HLS ALLOCATION operation instances=mul limit=56\n"  # 2 nodes x 56 / 2
    )
    assert _loop(cpp, "R1_layers_1_relu") == "#pragma HLS UNROLL factor=8\n#pragma HLS PIPELINE II=1\n"
    assert _loop(cpp, "scatter_sum9_nodes") == "#pragma HLS UNROLL factor=4\n#pragma HLS PIPELINE II=1\n"
    assert _loop(cpp, "R1_layers_0_dense_in") == "#pragma HLS UNROLL\n"
    assert "ARRAY_PARTITION variable=R1_layers_0_dense_out type=cyclic factor=8 dim=1" in cpp


def test_oneapi_directives(design):
    cpp = design.sources("oneapi").files["interaction_network.cpp"]
    assert re.search(
        r"// R1_layers_0_dense\n *#pragma unroll 8\n *// hls-reuse: at most 160 multipliers\n"
        r" *\[\[intel::initiation_interval\(4\)\]\]\n *for", cpp
    )
    # GNNC_LOCAL: static in the C simulation build only (off the stack), a plain local for icpx
    assert "[[intel::numbanks(8), intel::bankwidth(sizeof(ac_fixed<16, 8, true>)*8)]] " \
        "GNNC_LOCAL ac_fixed<16, 8, true> R1_layers_0_dense_out[256][8];" in cpp


# -- bit-exact -------------------------------------------------------------------------------


@pytest.mark.parametrize("backend", ["vitis", "oneapi"])
def test_csim_equals_emulate(design, graphs, backend):
    chosen = [graphs[0], graphs[5], graphs[9]]
    outputs = design.csim_many([(g,) for g in chosen], backend=backend)
    for g, out in zip(chosen, outputs):
        np.testing.assert_array_equal(out[0], design.emulate(g))


# -- estimate ----------------------------------------------------------------------------


def test_estimate_follows_the_knobs(model, graphs, design):
    full = gnnc.compile(model, graphs[3], BASE).estimate()
    knobs = design.estimate()
    r1, full_r1 = knobs["ops"]["R1_layers_0_dense"], full["ops"]["R1_layers_0_dense"]
    assert r1["ii"] == 4 and full_r1["ii"] == 1
    # all 256 edges at once: every product but those by a 0 or ±2^k weight has a
    # multiplier; 8 edges every 4 cycles: the ALLOCATION budget, 8 x 80 / 4
    assert full_r1["multipliers"] == 256 * nontrivial_weights(design, "R1.layers.0") < 256 * 80
    assert r1["multipliers"] == 8 * 80 // 4
    assert r1["latency_cycles"] >= (256 // 8 - 1) * 4
    assert knobs["total"]["dsp"] < full["total"]["dsp"] / 20
    assert knobs["total"]["latency_cycles"] > full["total"]["latency_cycles"]
    assert knobs["total"]["ii"] == knobs["total"]["latency_cycles"]  # top function not pipelined
    assert sum(op["dsp"] for op in knobs["ops"].values()) == knobs["total"]["dsp"]


def test_estimate_reuse_and_parallelism_trade_off(model, graphs):
    def total(extra):
        d = gnnc.compile(model, graphs[3], BASE | {"graph": {"max_nodes": 28, "max_edges": 56}} | extra)
        return estimate(d.module("hls"))["total"]

    rf1, rf2 = total({"parallelism": 4}), total({"parallelism": 4, "reuse_factor": 2})
    assert rf2["dsp"] < rf1["dsp"] and rf2["latency_cycles"] > rf1["latency_cycles"]
    p8 = total({"parallelism": 8})
    assert p8["dsp"] > rf1["dsp"] and p8["latency_cycles"] < rf1["latency_cycles"]


# -- gnn-split-edge-dense ----------------------------------------------------------------


def test_split_edge_dense_is_bit_identical(model, graphs):
    from gnnc import emulator, passes

    design = gnnc.compile(model, graphs[3], BASE | {"split_edge_dense": True})
    hls = design.mlir("hls")
    assert 'path = "R1.layers.0", rows = "nodes"' in hls and 'path = "R2.layers.0", rows = "nodes"' in hls
    split = design.module("fixed")
    passes.apply(split, "gnn-split-edge-dense")
    chosen = [graphs[0], graphs[5], graphs[9]]
    outputs = design.csim_many([(g,) for g in chosen])
    for g, out in zip(chosen, outputs):
        reference = design.emulate(g)  # the original fixed-point IR, not split
        np.testing.assert_array_equal(out[0], reference)
        rewritten = emulator.run(split, design._imported.bind(g), fixed=True)[0]
        np.testing.assert_array_equal(rewritten.ravel(), np.asarray(reference).ravel())


def test_split_edge_dense_cuts_first_layer_multipliers(model, graphs):
    small = {"graph": {"max_nodes": 28, "max_edges": 56}}

    def first_layers(split):
        d = gnnc.compile(model, graphs[3], BASE | small | {"split_edge_dense": split})
        ops = d.estimate()["ops"]
        return sum(v["multipliers"] for k, v in ops.items() if k.startswith(("R1_layers_0_dense", "R2_layers_0_dense")))

    # E (2F + Fe) H -> N 2F H + E Fe H per layer (F = 3, Fe = 4), less the 0 and ±2^k weights:
    # the node columns (x_i, x_j) are multiplied once per node, the edge columns once per edge
    before, after = first_layers(False), first_layers(True)
    d = gnnc.compile(model, graphs[3], BASE | small)
    layers = ("R1.layers.0", "R2.layers.0")
    assert before == sum(56 * nontrivial_weights(d, p) for p in layers)
    assert after == sum(28 * nontrivial_weights(d, p, slice(0, 6)) + 56 * nontrivial_weights(d, p, slice(6, 10))
                        for p in layers)
    assert (before, after) == (8512, 5964)  # docs/passes.md quotes these


# -- scatter with several edges per cycle: accumulator copies ---------------------------------


def test_scatter_copies_in_the_knobs_design(design):
    hls = design.mlir("hls")
    assert "memref<8x128x4x!gnn.fixed<24, 16>>" in hls  # 8 copies of the sum accumulator
    assert "hls.rem" in hls
    # conflict-free: the edge loop keeps II 1 in the estimate (a single accumulator would be 8)
    assert design.estimate()["ops"]["scatter_sum9"]["ii"] == 1


@pytest.mark.parametrize("aggr", ["mean", "max"])
def test_scatter_copies_bit_exact(trackml_dir, graphs, aggr):
    model = load_tracking_in(aggr, "source_to_target", 40, trackml_dir)
    design = gnnc.compile(model, graphs[3], BASE | {"parallelism": {"edges": 8, "nodes": 4}})
    assert "hls.rem" in design.mlir("hls")
    chosen = [graphs[0], graphs[5]]
    for g, out in zip(chosen, design.csim_many([(g,) for g in chosen])):
        np.testing.assert_array_equal(out[0], design.emulate(g))
