"""Issue 4: per-input / per-op / per-kind precision, explicit accumulators, table geometry, overflow report."""

import numpy as np
import pytest
from interaction_network import load_tracking_in

import gnnc
from gnnc.precision import fixed_point_pipeline

CAPACITY = {"max_nodes": 128, "max_edges": 256}

PER_OP = {
    "default": "fixed<16,8>",
    "inputs": {"x": "fixed<14,4,rnd>", "edge_attr": "fixed<12,4>"},
    "ops": {
        "R1": {"result": "fixed<14,7>"},
        "R1.layers.2": {"weight": "fixed<10,3,rnd>", "accum": "fixed<24,8>"},
        # a wrapping accumulator that really wraps: exact mod 2^22, the same in C++
        "R2.layers.0": {"accum": "fixed<22,4>", "result": "fixed<16,6,rnd,sat>"},
    },
    "kinds": {
        "dense": {"bias": "fixed<12,4>"},
        "scatter": {"accum": "fixed<24,10>"},
        "sigmoid": {"result": "ufixed<12,1,rnd,sat>", "table": {"size": 2048, "min": -8, "max": 8}},
    },
}


@pytest.fixture(scope="module")
def model(trackml_dir):
    return load_tracking_in("add", "source_to_target", 8, trackml_dir)


def compile_with(model, graphs, precision):
    return gnnc.compile(model, graphs[0], {"graph": CAPACITY, "precision": precision})


def _ops(design, name):
    return [op for op in design.module("fixed").walk() if op.name == name]


def _path(op):
    attr = op.attributes.get("gnn.path")
    return attr.data if attr is not None else None


@pytest.fixture(scope="module")
def per_op(model, graphs):
    return compile_with(model, graphs, PER_OP)


def test_per_op_types_follow_the_most_specific_key(per_op):
    fn = per_op.module("fixed").body.block.ops.first
    args = {str(a.type) for a in fn.args}
    assert "!gnn.nodes<3, !gnn.fixed<14, 4, rnd>>" in args and "!gnn.edges<4, !gnn.fixed<12, 4>>" in args
    dense = {_path(op): op for op in _ops(per_op, "gnn.dense")}
    r1 = dense["R1.layers.2"]
    assert str(r1.result.type.element_type) == "!gnn.fixed<14, 7>"  # ops.R1 covers R1.layers.2
    assert str(r1.weight_type) == "!gnn.fixed<10, 3, rnd>"  # the longer path wins for its fields
    assert str(r1.bias_type) == "!gnn.fixed<12, 4>"  # kinds.dense
    assert str(r1.accum_type) == "!gnn.fixed<24, 8>"
    assert str(dense["R2.layers.0"].accum_type) == "!gnn.fixed<22, 4>"
    assert str(dense["O.layers.0"].weight_type) == "!gnn.fixed<16, 8>"  # default
    # exact accumulator where none is given (accum: auto)
    assert dense["O.layers.0"].accum_type.w > 30
    (scatter,) = _ops(per_op, "gnn.scatter")
    assert str(scatter.accum_type) == "!gnn.fixed<24, 10>"
    (sigmoid,) = [op for op in _ops(per_op, "gnn.activation") if op.fn.data.value == "sigmoid"]
    assert str(sigmoid.result.type.element_type) == "!gnn.fixed<12, 1, unsigned, rnd, sat>"
    assert (sigmoid.table_size.value.data, sigmoid.table_min.value.data, sigmoid.table_scale.value.data) == (
        2048, -8, 128)


def test_per_op_config_is_bit_exact_in_csim(per_op, graphs):
    _, report = per_op.emulate(graphs[0], report=True)
    wrapped = [e for e in report.values() if e["path"] == "R2.layers.0"][0]["accum"]
    assert wrapped["overflows"] > 0, wrapped  # the narrow accumulator really wraps
    simulated = per_op.csim_many([(g,) for g in graphs])
    exact = [np.array_equal(sim[0], per_op.emulate(g)) for sim, g in zip(simulated, graphs)]
    assert all(exact), f"bit-exact on {sum(exact)}/10 graphs"


def test_per_op_config_is_bit_exact_in_oneapi_csim(per_op, graphs):
    simulated = per_op.csim_many([(g,) for g in graphs[:3]], backend="oneapi")
    assert all(np.array_equal(sim[0], per_op.emulate(g)) for sim, g in zip(simulated, graphs[:3]))


def test_shorthand_and_default_only_configs_are_unchanged(model, graphs):
    a = compile_with(model, graphs, "fixed<16,8>")
    b = compile_with(model, graphs, {"default": "fixed<16,8>", "ops": {}, "kinds": {}})
    assert a.mlir("fixed") == b.mlir("fixed")
    assert gnnc.load_config({"precision": "fixed<16,8>"}).precision_spec == ""


def test_precision_round_trips_through_to_dict():
    cfg = gnnc.load_config({"precision": PER_OP})
    again = gnnc.load_config({"precision": cfg.to_dict()["precision"]})
    assert again == cfg
    assert cfg.to_dict()["precision"]["ops"]["R1"] == {"result": "fixed<14, 7>"}


def test_pipeline_string_carries_the_spec():
    cfg = gnnc.load_config({"precision": PER_OP})
    spec = fixed_point_pipeline(cfg.precision_default, 256, cfg.precision_spec)
    assert spec.startswith('gnn-fixed-point{default="fixed<16, 8>" max-edges=256 precision="{\\"inputs')


@pytest.mark.parametrize(
    ("precision", "message"),
    [
        ({"kinds": {"dens": {}}}, "unknown config key precision.kinds.dens"),
        ({"ops": {"R1": {"reslt": "fixed<8,2>"}}}, "unknown config key precision.ops.R1.reslt"),
        ({"ops": {"R1": {"result": "fixed<8>"}}}, "precision.ops.R1.result: 'fixed<8>'"),
        ({"ops": {"R1": {"result": 8}}}, "precision.ops.R1.result: expected a fixed-point type"),
        ({"inputs": {"x": "fixed<8,2,banana>"}}, "precision.inputs.x: unknown option 'banana'"),
        ({"ops": {"R1": "fixed<8,2>"}}, "precision.ops.R1: expected a mapping"),
        ({"kinds": {"tanh": {"table": {"size": 1000, "min": -3, "max": 4}}}},
         "precision.kinds.tanh.table: size / (max - min) = 1000/7 must be an integer"),
        ({"kinds": {"tanh": {"table": {"size": 1024, "min": 4, "max": 4}}}}, "max (4) must be above min (4)"),
        ({"kinds": {"tanh": {"table": {"size": 1024}}}}, "precision.kinds.tanh.table: expected exactly the keys"),
        ({"kinds": {"tanh": {"table": {"size": 1024, "min": -4.5, "max": 4}}}},
         "precision.kinds.tanh.table.min: expected an integer"),
    ],
)
def test_config_errors_name_the_key(precision, message):
    with pytest.raises(gnnc.ConfigError, match=message.replace("(", r"\(").replace(")", r"\)")):
        gnnc.load_config({"precision": precision})


@pytest.mark.parametrize(
    ("precision", "message"),
    [
        ({"ops": {"R9": {"result": "fixed<8,2>"}}}, "precision.ops.R9: no op has this module path"),
        ({"ops": {"R1.lay": {"result": "fixed<8,2>"}}}, "precision.ops.R1.lay: no op"),  # dot boundaries only
        ({"inputs": {"y": "fixed<8,2>"}}, "precision.inputs.y: the model has no such input"),
        ({"inputs": {"edge_index": "fixed<8,2>"}}, "precision.inputs.edge_index: this input is not a feature"),
        ({"kinds": {"dense": {"accum": "fixed<40,20,sat>"}}}, "precision.kinds.dense.accum: accumulators must wrap"),
        ({"ops": {"O": {"accum": "fixed<40,30>"}}}, "precision.ops.O.accum: fixed<40, 30> has 10 fractional bits"),
    ],
)
def test_compile_errors_name_the_key(model, graphs, precision, message):
    with pytest.raises(gnnc.ConfigError, match=message):
        compile_with(model, graphs, {"default": "fixed<16,8>", **precision})


def test_yaml_flow_mapping_split_is_explained(tmp_path):
    path = tmp_path / "cfg.yaml"
    path.write_text("precision:\n  ops:\n    R1: {result: fixed<8,2>}\n")
    with pytest.raises(gnnc.ConfigError, match="precision.ops.R1: a fixed-point type was split"):
        gnnc.load_config(path)


# -- overflow report ------------------------------------------------------------------


def test_overflow_report_on_a_narrow_precision(model, graphs):
    # fixed<8,2> would wrap trained weights (R1.layers.0 has -8.94): those get 5 integer bits
    narrow = {"default": "fixed<8,2>", "kinds": {"dense": {"weight": "fixed<11,5>", "bias": "fixed<11,5>"}}}
    design = compile_with(model, graphs, narrow)
    outputs, report = design.emulate(graphs[0], report=True)
    assert np.array_equal(outputs, design.emulate(graphs[0]))  # recording changes nothing
    r2 = [e for e in report.values() if e["path"] == "R2.layers.0"][0]
    assert r2["op"] == "gnn.dense" and r2["result"]["type"] == "fixed<8, 2>"
    assert r2["result"]["overflows"] > 0 and r2["result"]["max"] > 2  # needs more integer bits
    assert r2["accum"]["overflows"] == 0  # exact accumulators never overflow
    assert report["input edge_attr"]["result"]["overflows"] > 0  # edge_attr reaches 3.57
    wide = compile_with(model, graphs, "fixed<16,8>")
    _, clean = wide.emulate(graphs[0], report=True)
    assert sum(s["overflows"] for e in clean.values() for k, s in e.items() if isinstance(s, dict)) == 0
    # the same range is seen whatever the type (ranges are of the exact values before the cast)
    c2 = [e for e in clean.values() if e["path"] == "R2.layers.0"][0]
    assert c2["result"]["values"] == r2["result"]["values"]


def test_a_weight_its_type_would_wrap_is_an_error_and_a_saturated_one_is_reported(model, graphs):
    w = model.R1.layers[0].weight.detach().numpy()
    outside = int(((w < -8) | (w >= 8)).sum())  # fixed<10,4> (trn) holds [-8, 8 - 2^-6]
    assert outside >= 1
    plural = "s" if outside > 1 else ""
    with pytest.raises(gnnc.ConfigError, match=rf"R1.layers.0: {outside} weight value{plural} outside fixed<10, 4> "
                       r"\(set by precision.kinds.dense.weight\), e.g. -8.9365.*'fixed<11, 5>'"):
        compile_with(model, graphs, {"default": "fixed<16,8>", "kinds": {"dense": {"weight": "fixed<10,4>"}}})
    sat = compile_with(model, graphs, {"default": "fixed<16,8>", "kinds": {"dense": {"weight": "fixed<10,4,sat>"}}})
    _, report = sat.emulate(graphs[0], report=True)
    weights = {e["path"]: e["weight"] for e in report.values() if "weight" in e}
    assert weights["R1.layers.0"]["overflows"] == outside and weights["R1.layers.0"]["min"] < -8
    assert weights["R1.layers.0"]["type"] == "fixed<10, 4, sat>"


def test_ranges_are_of_exact_values_whatever_the_type(model, graphs):
    narrow = {"default": "fixed<16,8>", "ops": {"R1.layers.0": {"result": "fixed<6,2,sat>"}}}
    design = compile_with(model, graphs, narrow)
    _, report = design.emulate(graphs[1], report=True)
    entry = [e for e in report.values() if e["path"] == "R1.layers.0"][0]["result"]
    exact = compile_with(model, graphs, "fixed<16,8>")
    _, wide = exact.emulate(graphs[1], report=True)
    assert entry["min"] == [e for e in wide.values() if e["path"] == "R1.layers.0"][0]["result"]["min"]
    assert entry["overflows"] > 0  # fixed<6,2,sat> holds [-2, 2): those beyond saturate


def test_report_needs_fixed(model, graphs):
    design = compile_with(model, graphs, "fixed<16,8>")
    with pytest.raises(gnnc.GnncError, match="needs fixed=True"):
        design.emulate(graphs[0], fixed=False, report=True)


# -- automatic precision ----------------------------------------------------------------


@pytest.fixture(scope="module")
def calibrated(model, graphs):
    return gnnc.calibrate(model, graphs[:3], {"graph": CAPACITY}, width=12, margin_bits=1)


def test_calibrate_chooses_types_covering_the_range(calibrated):
    rows = {r["path"]: r for r in calibrated.report if r["path"]}
    r2 = rows["R2.layers.0"]
    assert r2["type"].startswith("fixed<12, ")
    i = int(r2["type"].split(",")[1])
    assert 2 ** (i - 2) > max(-r2["min"], r2["max"])  # covered with one bit of margin
    assert rows["R1.layers.1"]["type"].startswith("ufixed<12, ")  # relu: never negative
    assert sum(r["overflows"] for r in calibrated.report) == 0  # nothing saturates on the calibration set
    assert calibrated.precision["ops"]["R1.layers.0"]["weight"].startswith("fixed<12,")
    assert "range seen" in calibrated.table()
    assert gnnc.calibration.integer_bits(-3.0, 1.0) == 3 and gnnc.calibration.integer_bits(0, 0.5, 1) == 2


def test_calibrated_design_is_bit_exact_in_csim(calibrated, graphs):
    design = calibrated.design
    simulated = design.csim_many([(g,) for g in graphs[:4]])
    assert all(np.array_equal(sim[0], design.emulate(g)) for sim, g in zip(simulated, graphs[:4]))


def test_calibrated_precision_is_a_valid_config(model, graphs, calibrated):
    again = compile_with(model, graphs, calibrated.precision)
    assert again.mlir("fixed") == calibrated.design.mlir("fixed")


@pytest.mark.parametrize(("overflow", "expected"), [("wrap", (3, 1)), ("sat", (3, 1)), ("sat_zero", (3, 1)),
                                                    ("sat_sym", (4, 2))])  # sat_sym: -8 is out too
def test_overflow_count_is_decided_after_rounding(overflow, expected):
    from gnnc import emulator
    from gnnc.fixed import parse_fixed

    report: dict = {}
    recorder = emulator._Recorder(report)
    recorder.entry = recorder._entry("probe", "probe", None)
    emulator._RECORDING = recorder
    try:
        # fixed<4,4> holds [-8, 7]: -9 and 8, 20 overflow
        emulator.cast(np.array([-9, -8, 7, 8, 20]), 0, parse_fixed(f"fixed<4,4,{overflow}>"))
        # with rnd, 7.5 rounds to 8 and overflows, 6.5 rounds to 7 and fits, -8.5 rounds to -8
        emulator.cast(np.array([15, 13, -17]), 1, parse_fixed(f"fixed<4,4,rnd,{overflow}>"))
    finally:
        emulator._RECORDING = None
    stats = report["probe"]
    rounded = "result:fixed<4, 4, rnd" + ("" if overflow == "wrap" else f", {overflow}") + ">"
    assert (stats["result"]["values"], stats["result"]["overflows"], stats[rounded]["overflows"]) == (5, *expected)
    assert (stats["result"]["min"], stats["result"]["max"]) == (-9, 20)


# -- the 1/deg table of mean aggregation ------------------------------------------------------


@pytest.mark.parametrize(("recip", "ir"), [("ufixed<9,1,rnd>", "fixed<9, 1, unsigned, rnd>"),
                                          ("fixed<14,2>", "fixed<14, 2>")])
def test_mean_recip_type_is_configurable_and_bit_exact(trackml_dir, graphs, recip, ir):
    mean = load_tracking_in("mean", "source_to_target", 40, trackml_dir)
    default = compile_with(mean, graphs, "fixed<16,8>")
    design = compile_with(mean, graphs, {"default": "fixed<16,8>", "kinds": {"scatter": {"recip": recip}}})
    (scatter,) = _ops(design, "gnn.scatter")
    assert str(scatter.recip_type) == f"!gnn.{ir}"
    (d_scatter,) = _ops(default, "gnn.scatter")
    assert str(d_scatter.recip_type) == "!gnn.fixed<11, 1, unsigned, rnd>"  # ufixed<F+3, 1, rnd>
    # a coarser or differently rounded 1/deg changes results: the type is really used
    assert any(not np.array_equal(design.emulate(g), default.emulate(g)) for g in graphs[:4])
    simulated = design.csim_many([(g,) for g in graphs[:4]])
    assert all(np.array_equal(sim[0], design.emulate(g)) for sim, g in zip(simulated, graphs[:4]))


@pytest.mark.parametrize("recip", ["fixed<12,1>", "ufixed<8,0>"])
def test_mean_recip_must_hold_one(trackml_dir, graphs, recip):
    mean = load_tracking_in("mean", "source_to_target", 40, trackml_dir)
    message = r"precision.kinds.scatter.recip: u?fixed<\d+, \d> cannot hold 1/deg = 1"
    with pytest.raises(gnnc.ConfigError, match=message):
        compile_with(mean, graphs, {"kinds": {"scatter": {"recip": recip}}})
