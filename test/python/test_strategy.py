"""Issue 11: the `strategy` config key (latency | resource | distributed_arithmetic per op)."""

import pytest

import gnnc
from gnnc.config import load_config


def test_strategy_forms_read_back():
    cfg = load_config({"strategy": "resource"})
    assert (cfg.strategy, cfg.strategy_ops, cfg.strategy_kinds) == ("resource", (), ())
    cfg = load_config({"strategy": {"default": "latency", "ops": {"R1.layers.0": "distributed_arithmetic"},
                                    "kinds": {"dense": "resource"}}})
    assert cfg.strategy_ops == (("R1.layers.0", "distributed_arithmetic"),)
    assert cfg.strategy_kinds == (("dense", "resource"),)
    back = load_config({"strategy": cfg.to_dict()["strategy"]})  # what gnnc_config.yaml records
    assert (back.strategy, back.strategy_ops, back.strategy_kinds) == (cfg.strategy, cfg.strategy_ops, cfg.strategy_kinds)
    assert load_config(None).to_dict()["strategy"] == "latency"


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ({"strategy": "fast"}, "strategy.default: 'fast' is not a strategy; known: latency, resource, distributed_arithmetic"),
        ({"strategy": {"op": {}}}, "unknown config key strategy.op"),
        ({"strategy": {"kinds": {"conv": "latency"}}}, "unknown config key strategy.kinds.conv; known kinds: dense"),
        ({"strategy": {"kinds": {"mul": "distributed_arithmetic"}}}, "strategy.kinds.mul: distributed_arithmetic"),
        ({"strategy": {"ops": {"a=b": "latency"}}}, "is not an op path"),
        ({"strategy": {"ops": {"R1": "dsp"}}}, "strategy.ops.R1: 'dsp' is not a strategy"),
        ({"strategy": "distributed_arithmetic", "reuse_factor": 2}, "alkaid's adder graphs are fully unrolled"),
    ],
)
def test_bad_strategy_is_a_config_error(config, message):
    with pytest.raises(gnnc.ConfigError, match=message.replace("(", r"\(").replace(")", r"\)")):
        load_config(config)


# -- distributed_arithmetic on the tracking IN (10 TrackML graphs) --------------------

from interaction_network import load_tracking_in  # noqa: E402

import numpy as np  # noqa: E402

DA_BASE = {"graph": {"max_nodes": 28, "max_edges": 56}, "precision": "fixed<16,8>"}


@pytest.fixture(scope="module")
def tracking(trackml_dir):
    return load_tracking_in("add", "source_to_target", 8, trackml_dir)


@pytest.mark.parametrize("accum", [None, "fixed<24,8>"], ids=["exact", "wrapping"])
def test_da_equals_latency_bit_for_bit(tracking, graphs, accum):
    cfg = DA_BASE | ({"precision": {"default": "fixed<16,8>", "kinds": {"dense": {"accum": accum}}}} if accum else {})
    latency = gnnc.compile(tracking, graphs[3], cfg)
    da = gnnc.compile(tracking, graphs[3], cfg | {"strategy": "distributed_arithmetic"})
    assert "hls.mul" not in da.mlir("hls") and "hls.shift" in da.mlir("hls") and "hls.sub" in da.mlir("hls")
    for a, b in zip(da.emulate(graphs), latency.emulate(graphs)):  # vectorised: the 10 graphs at once
        assert np.array_equal(a, b)


@pytest.mark.parametrize("backend", ["vitis", "oneapi"])
def test_da_csim_equals_emulate(tracking, graphs, backend):
    # R1's last dense is the smallest whose adder graph has every DA op (shift, add, sub, neg):
    # g++ time grows with the number of distinct ap_fixed types the graph instantiates.
    cfg = DA_BASE | {"strategy": {"default": "latency", "ops": {"R1.layers.4": "distributed_arithmetic"}}}
    design = gnnc.compile(tracking, graphs[3], cfg)
    hls = design.mlir("hls")
    assert all(op in hls for op in ("hls.shift", "hls.add", "hls.sub", "hls.neg"))
    outs = design.csim_many([(g,) for g in graphs], backend=backend)  # one g++ build, 10 graphs
    for g, out in zip(graphs, outs):
        assert np.array_equal(out[0], design.emulate(g))


def test_da_estimate_has_no_dsp(tracking, graphs):
    da = gnnc.compile(tracking, graphs[3], DA_BASE | {"strategy": {"ops": {"R1.layers.0": "distributed_arithmetic"}}})
    ops = da.estimate()["ops"]
    assert ops["R1_layers_0_dense"]["dsp"] == 0 and ops["R1_layers_2_dense"]["dsp"] > 0


def test_da_estimate_follows_the_documented_rule(tracking, graphs):
    """docs/estimate.md: a DA dense has 0 DSP; per row, LUTs = alkaid's cost of each adder of
    its graph (hls.adder_cost) plus one per result bit of the other adds (bias, negations),
    FF half a bit per adder result bit; latency = ADD_CYCLES * adder levels on its longest path."""
    from gnnc.adder_graph import ADDER_COST, adder_graph
    from gnnc.dialects import hls
    from gnnc.estimate import ADD_CYCLES
    from gnnc.fixed import quantize

    design = gnnc.compile(tracking, graphs[3], DA_BASE | {"strategy": {"ops": {"O.layers.0": "distributed_arithmetic"}}})
    (dense,) = [o for o in design.module("fixed").walk() if o.name == "gnn.dense" and o.attributes["gnn.path"].data == "O.layers.0"]
    w = np.asarray(dense.weight.get_values(), dtype=np.float64).reshape(dense.out_features, dense.in_features)
    graph = adder_graph(quantize(w, dense.weight_type), dense.weight_type, dense.input.type.element_type)
    (loop,) = [o for o in design.module("hls").walk() if isinstance(o, hls.ForOp) and o.op is not None
               and o.op.data == "O_layers_0_dense"]
    adders = [o for o in loop.body.walk() if isinstance(o, hls.AddOp | hls.SubOp | hls.NegOp)]
    assert sum(o.attributes[ADDER_COST].value.data for o in adders if ADDER_COST in o.attributes) == graph.cost
    lut = sum(o.attributes[ADDER_COST].value.data if ADDER_COST in o.attributes else o.result.type.w for o in adders)
    ff = sum(o.result.type.w for o in adders) / 2
    rows = design.max_nodes
    est = design.estimate()["ops"]["O_layers_0_dense"]
    assert (est["dsp"], est["lut"], est["ff"]) == (0, rows * lut, int(np.ceil(rows * ff)))
    depth = graph.depth + (1 if dense.bias is not None else 0)
    assert est["latency_cycles"] == int(np.ceil(ADD_CYCLES * depth))
