"""`gnnc mlir` -> `gnnc-opt --lower-to-hls -t vitis` rebuilds the design `gnnc.compile` built:
the printed gnn module carries its capacity and precision (gnnc.module_attributes)."""

from __future__ import annotations

import re
import sys
import warnings
from pathlib import Path

import pytest

import gnnc

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)  # torch_geometric's import (see test_tools)
    import torch_geometric.nn  # noqa: F401
from gnnc.tools import gnnc_cli, gnnc_opt  # noqa: E402

sys.path.insert(0, str(Path(__file__).parent))
from tiny_model import example, model  # noqa: E402

# Nothing here is a default: capacity, default type, and a per-kind type.
CONFIG = {
    "graph": {"max_nodes": 9, "max_edges": 13},
    "precision": {"default": "fixed<12,5>", "kinds": {"dense": {"bias": "fixed<10,3>"}}},
}


@pytest.fixture(scope="module")
def design():
    return gnnc.compile(model(), example(), CONFIG)


def _files(text: str) -> dict[str, str]:
    """The files of `gnnc-opt -t vitis` output, by name (each after a `// ---- <name> ----` line)."""
    parts = re.split(r"^// ---- (.+) ----\n", text, flags=re.MULTILINE)
    return dict(zip(parts[1::2], parts[2::2]))


def test_mlir_carries_capacity_and_precision(design):
    text = design.mlir()
    header = text.splitlines()[0]
    assert "gnnc.graph = {max_nodes = 9 : i64, max_edges = 13 : i64, max_graphs = 1 : i64}" in header
    assert 'default = "fixed<12, 5>"' in header and "spec = " in header


def test_gnnc_opt_rebuilds_the_compiled_design(design, tmp_path, capsys):
    model_py = tmp_path / "tiny_model.py"  # the same file name: the comments name the model line
    model_py.write_text((Path(__file__).parent / "tiny_model.py").read_text())
    config = tmp_path / "c.yaml"
    import yaml

    config.write_text(yaml.safe_dump(CONFIG))
    assert gnnc_cli.main(["mlir", str(model_py), "-c", str(config)]) == 0
    mlir = tmp_path / "m.mlir"
    mlir.write_text(capsys.readouterr().out)

    assert gnnc_opt.main([str(mlir), "--lower-to-hls", "-t", "vitis"]) == 0
    out, err = capsys.readouterr()
    printed, expected = _files(out), design.sources("vitis").files
    top = f"{design.top}.cpp"
    assert top in printed, err
    assert printed[top] == expected[top]
    assert printed == expected  # header and weights too


def test_flags_override_the_attributes(design, tmp_path, capsys):
    mlir = tmp_path / "m.mlir"
    mlir.write_text(design.mlir())
    assert gnnc_opt.main([str(mlir), "--lower-to-hls", "--max-nodes", "7", "-t", "vitis"]) == 0
    out = capsys.readouterr().out
    assert "x[7][3]" in out and "edge_index[2][13]" in out and "ap_fixed<12, 5>" in out


# Every directive away from its default (two designs: stream cannot take DA on this model's
# one dense and full-graph reuse at once).
DIRECTED = [
    {"strategy": {"default": "distributed_arithmetic"}, "parallelism": {"edges": 4}, "top": "tiny_top",
     "sparse_dense": False, "inline_layers": False},
    {"io": "stream", "reuse_factor": 3, "split_edge_dense": True, "strategy": {"kinds": {"dense": "resource"}}},
]


@pytest.mark.parametrize("directives", DIRECTED, ids=["da-parallelism-top", "stream-reuse-split"])
def test_directives_travel_with_the_module(directives, tmp_path, capsys):
    design = gnnc.compile(model(), example(), {**CONFIG, **directives})
    text = design.mlir()
    assert "gnnc.directives = {" in text.splitlines()[0]
    mlir = tmp_path / "m.mlir"
    mlir.write_text(text)
    assert gnnc_opt.main([str(mlir), "--lower-to-hls", "-t", "vitis"]) == 0
    out, err = capsys.readouterr()
    assert _files(out) == design.sources("vitis").files, err
    # and without the attribute, the defaults: a different design
    plain = gnnc.compile(model(), example(), CONFIG)
    assert _files(out) != plain.sources("vitis").files


def test_malformed_directives_name_the_attribute(tmp_path, capsys):
    text = gnnc.compile(model(), example(), {**CONFIG, "io": "stream"}).mlir()
    for bad, message in (('io = "stream"', 'gnnc.directives.io must be "parallel" or "stream", got "serial"'),
                         ('io = "stream"', "gnnc.directives has unknown key 'reuse_factor'")):
        broken = text.replace(bad, 'io = "serial"' if "serial" in message else 'reuse_factor = "2"', 1)
        mlir = tmp_path / "bad.mlir"
        mlir.write_text(broken)
        assert gnnc_opt.main([str(mlir), "--lower-to-hls", "-t", "vitis"]) != 0
        assert message in capsys.readouterr().err
