"""Issue 4: `precision.auto` (width or error budget) from calibration graphs, via gnnc.compile, YAML and the CLI."""

from pathlib import Path

import numpy as np
import pytest
import torch
import yaml
from interaction_network import load_tracking_in

import gnnc
from gnnc.tools import gnnc_cli

CAPACITY = {"max_nodes": 128, "max_edges": 256}


@pytest.fixture(scope="module")
def model(trackml_dir):
    return load_tracking_in("add", "source_to_target", 8, trackml_dir)


def auto_config(**auto):
    return {"graph": CAPACITY, "precision": {"auto": auto}}


def _dense(design):
    return {op.attributes["gnn.path"].data: op for op in design.module("fixed").walk() if op.name == "gnn.dense"}


@pytest.fixture(scope="module")
def width12(model, graphs):
    return gnnc.compile(model, graphs[0], auto_config(width=12), calibration=graphs[:3])


def test_auto_width_is_what_calibrate_chooses(model, graphs, width12):
    cal = width12.calibration
    assert cal.design is width12 and cal.graphs == 3 and cal.fractional_bits is None
    calibrated = gnnc.calibrate(model, graphs[:3], {"graph": CAPACITY}, width=12)
    assert width12.mlir("fixed") == calibrated.design.mlir("fixed")
    rows = {r["path"]: r for r in cal.report if r["path"]}
    assert rows["O.layers.0"]["type"].startswith("fixed<12, ") and rows["O.layers.1"]["type"].startswith("ufixed<12, ")
    assert sum(r["overflows"] for r in cal.report) == 0
    assert "range seen" in cal.table() and "0 values saturated on 3 calibration graphs" in cal.summary()
    # the error reached is measured, not assumed: it is the emulator's against its float run
    worst = max(np.abs(width12.emulate(g) - width12.emulate(g, fixed=False)).max() for g in graphs[:3])
    assert cal.error == worst > 0


def test_auto_design_is_bit_exact_in_csim(width12, graphs):
    simulated = width12.csim_many([(g,) for g in graphs[3:6]])
    assert all(np.array_equal(sim[0], width12.emulate(g)) for sim, g in zip(simulated, graphs[3:6]))


def test_written_project_records_the_chosen_types(model, graphs, width12, tmp_path):
    out = width12.write(tmp_path / "prj")
    saved = yaml.safe_load((out / "gnnc_config.yaml").read_text())
    assert "auto" not in saved["precision"]
    assert saved["precision"]["ops"]["R1.layers.0"]["result"].startswith("fixed<12,")
    again = gnnc.compile(model, graphs[0], out / "gnnc_config.yaml")  # no calibration graphs needed
    assert again.calibration is None
    assert again.sources().files == width12.sources().files


def test_yaml_names_a_file_of_graphs(model, graphs, width12, tmp_path):
    torch.save(list(graphs[:3]), tmp_path / "cal.pt")
    (tmp_path / "cfg.yaml").write_text(
        "graph: {max_nodes: 128, max_edges: 256}\nprecision:\n  auto: {width: 12, graphs: cal.pt}\n")
    design = gnnc.compile(model, graphs[0], tmp_path / "cfg.yaml")  # relative to the YAML file
    assert design.mlir("fixed") == width12.mlir("fixed") and design.calibration.graphs == 3


def test_without_graphs_the_example_calibrates(model, graphs):
    alone = gnnc.compile(model, graphs[1], auto_config(width=12))
    given = gnnc.compile(model, graphs[1], auto_config(width=12), calibration=[graphs[1]])
    assert alone.calibration.graphs == 1 and alone.mlir("fixed") == given.mlir("fixed")


def test_explicit_entries_win_over_auto(model, graphs):
    config = auto_config(width=12)
    config["precision"] |= {"inputs": {"x": "fixed<14,4,rnd>"}, "ops": {"R1": {"result": "fixed<14,7>"}},
                            "kinds": {"dense": {"bias": "fixed<12,4>"}}}
    design = gnnc.compile(model, graphs[0], config, calibration=graphs[:3])
    dense = _dense(design)
    fn = design.module("fixed").body.block.ops.first
    assert "!gnn.nodes<3, !gnn.fixed<14, 4, rnd>>" in {str(a.type) for a in fn.args}
    assert str(dense["R1.layers.2"].result.type.element_type) == "!gnn.fixed<14, 7>"  # shorter explicit path wins
    assert {str(op.bias_type) for op in dense.values()} == {"!gnn.fixed<12, 4>"}  # kinds.dense.bias everywhere
    auto_r2 = str(dense["R2.layers.0"].result.type.element_type)
    assert auto_r2.startswith("!gnn.fixed<12, ") and "sat" in auto_r2  # untouched fields stay automatic
    assert str(dense["R1.layers.2"].weight_type).startswith("!gnn.fixed<12, ")  # weight: not given, automatic


# The default sigmoid table (1024 entries over [-8, 8)) alone is ~0.002 from the float sigmoid:
# a finer, wider one lets tighter budgets be met (and shows explicit tables are kept).
SIGMOID = {"sigmoid": {"table": {"size": 32768, "min": -16, "max": 16}}}


def budget_config(budget):
    config = auto_config(error_budget=budget)
    config["precision"]["kinds"] = SIGMOID
    return config


@pytest.fixture(scope="module")
def budget(model, graphs):
    return gnnc.compile(model, graphs[0], budget_config(0.01), calibration=graphs[:5])


def test_error_budget_chooses_the_fewest_fractional_bits(model, graphs, budget):
    cal = budget.calibration
    assert cal.error <= 0.01 and cal.fractional_bits > 0
    assert f"{cal.fractional_bits} fractional bits" in cal.summary()
    # one fractional bit fewer everywhere (same integer bits) misses the budget
    fewer = gnnc.compile(model, graphs[0], {"graph": CAPACITY, "precision": _one_bit_fewer(cal.precision)})
    ops = fewer.module("fixed").walk()
    (sigmoid,) = [op for op in ops if op.name == "gnn.activation" and op.fn.data.value == "sigmoid"]
    assert sigmoid.table_size.value.data == 32768
    assert max(np.abs(fewer.emulate(g) - fewer.emulate(g, fixed=False)).max() for g in graphs[:5]) > 0.01
    tighter = gnnc.compile(model, graphs[0], budget_config(cal.error / 4), calibration=graphs[:5])
    assert tighter.calibration.fractional_bits > cal.fractional_bits and tighter.calibration.error <= cal.error / 4
    # every value type has the same fractional bits: width - integer bits
    for r in cal.report:
        w, i = (int(v) for v in r["type"].split("<")[1].split(",")[:2])
        assert w - i == cal.fractional_bits, r


def _one_bit_fewer(precision):
    """Every type of a precision section one fractional bit narrower (tables kept)."""
    def narrower(t):
        head, rest = t.split("<", 1)
        w, tail = rest.split(",", 1)
        return f"{head}<{int(w) - 1},{tail}"

    def entry(fields):
        return {k: narrower(v) if isinstance(v, str) else v for k, v in fields.items()}

    return {"inputs": entry(precision["inputs"]), "ops": {p: entry(f) for p, f in precision["ops"].items()},
            "kinds": {k: entry(f) for k, f in precision["kinds"].items()}}


def test_error_budget_design_is_bit_exact_in_csim(budget, graphs):
    simulated = budget.csim_many([(g,) for g in graphs[5:8]])
    assert all(np.array_equal(sim[0], budget.emulate(g)) for sim, g in zip(simulated, graphs[5:8]))


def test_unreachable_error_budget_is_an_error(model, graphs):
    with pytest.raises(gnnc.ConfigError, match=r"precision.auto.error_budget: 1e-12 cannot be met within "
                                               r"precision.auto.max_width = 20 bits: with 12 fractional bits"):
        gnnc.compile(model, graphs[0], auto_config(error_budget=1e-12, max_width=20), calibration=graphs[:2])
    # the default sigmoid table's own error: no width helps, the message points at the table
    with pytest.raises(gnnc.ConfigError, match=r"with 24 fractional bits .* is 0.00\d+ \(lookup tables"):
        gnnc.compile(model, graphs[0], auto_config(error_budget=1e-3), calibration=graphs[:2])


# -- errors --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("auto", "message"),
    [
        ({}, "precision.auto: give exactly one of precision.auto.width"),
        ({"width": 12, "error_budget": 0.1}, "got width and error_budget"),
        ({"width": 1}, r"precision.auto.width: must be in \[2, 62\]"),
        ({"error_budget": -1}, "precision.auto.error_budget: expected a positive number"),
        ({"width": 8, "overflow": "clamp"}, "precision.auto.overflow: 'clamp' is not one of"),
        ({"width": 8, "widht": 3}, "unknown config key precision.auto.widht"),
        ({"width": 8, "graphs": "missing.pt"}, "precision.auto.graphs: missing.pt does not exist"),
        ({"width": 8, "graphs": 3}, "precision.auto.graphs: expected the path"),
    ],
)
def test_auto_config_errors_name_the_key(auto, message):
    with pytest.raises(gnnc.ConfigError, match=message):
        gnnc.load_config({"precision": {"auto": auto}})


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"not a torch file", "precision.auto.graphs: cannot read .* with torch.load"),
        ({"x": 1}, "must hold a non-empty list of graphs .* it holds dict"),
        ([], "it holds an empty list"),
        ([1, 2], "it holds a list of int"),
        ([(torch.zeros(3, 3),)], "precision.auto.graphs: .*cal.pt, graph 0 does not fit the model's forward"),
    ],
)
def test_bad_graph_files_are_errors_naming_the_key(model, graphs, tmp_path, content, message):
    path = tmp_path / "cal.pt"
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        torch.save(content, path)
    with pytest.raises(gnnc.ConfigError, match=message):
        gnnc.compile(model, graphs[0], auto_config(width=8, graphs=str(path)))


def test_calibration_graphs_need_auto(model, graphs):
    with pytest.raises(gnnc.ConfigError, match=r"calibration=...\) needs precision.auto"):
        gnnc.compile(model, graphs[0], {"graph": CAPACITY}, calibration=graphs[:2])


def test_auto_round_trips_through_to_dict(tmp_path):
    torch.save([], tmp_path / "g.pt")
    auto = {"error_budget": 0.05, "max_width": 24, "graphs": str(tmp_path / "g.pt")}
    cfg = gnnc.load_config({"precision": {"auto": auto}})
    assert gnnc.load_config(cfg.to_dict()).precision_auto == cfg.precision_auto
    assert cfg.to_dict()["precision"]["auto"]["max_width"] == 24


# -- the gnnc command ----------------------------------------------------------------------------


TINY_MODEL = (Path(__file__).parent / "tiny_model.py").read_text()  # model() and example()


def test_cli_compiles_with_auto_and_a_file_of_tuples(tmp_path, capsys):
    (tmp_path / "tiny.py").write_text(TINY_MODEL)
    gen = torch.Generator().manual_seed(3)
    cal = [(torch.randn(6, 3, generator=gen), torch.tensor([[0, 1, 2, 3, 4, 5, 0], [1, 2, 3, 4, 5, 0, 3]]))
           for _ in range(4)]
    torch.save(cal, tmp_path / "cal.pt")
    (tmp_path / "cfg.yaml").write_text(
        "graph: {max_nodes: 8, max_edges: 12}\nprecision:\n  auto: {width: 10, graphs: cal.pt}\n")
    status = gnnc_cli.main(["compile", str(tmp_path / "tiny.py"), "-c", str(tmp_path / "cfg.yaml"),
                            "-o", str(tmp_path / "prj"), "--csim"])
    out, err = capsys.readouterr()
    assert status == 0, err
    assert "precision  automatic (precision.auto)" in out and "on 4 calibration graphs" in out
    assert "gnn.dense#1 (lin)" in out and "range seen" in out and "bit-identical to the emulator" in out
    saved = yaml.safe_load((tmp_path / "prj" / "gnnc_config.yaml").read_text())
    assert saved["precision"]["ops"]["lin"]["result"].startswith("fixed<10,")
