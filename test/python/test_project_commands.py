"""Issue 12: a written project reopened without its model (gnnc.load), and the commands that work on
one: gnnc csim PRJ --data (many graphs, compared with the emulator, outputs saved), gnnc build PRJ
(the vendor tool, or which one is missing), gnnc opt (= gnnc-opt)."""

import json
import os
import stat
import warnings
from pathlib import Path

import numpy as np
import pytest

import gnnc
from gnnc.saved_design import CALL_FILE, IR_FILE
from gnnc.tools import gnnc_cli, gnnc_opt
from interaction_network import load_tracking_in
from tiny_model import Tiny, example

CONFIG = {"graph": {"max_nodes": 28, "max_edges": 56}, "precision": "fixed<16,8>"}


def run(capsys, *args):
    status = gnnc_cli.main([str(a) for a in args])
    out, err = capsys.readouterr()
    return status, out, err


@pytest.fixture(scope="module")
def tracking_project(trackml_dir, graphs, tmp_path_factory):
    model = load_tracking_in("add", "source_to_target", 8, trackml_dir)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", gnnc.ResourceWarning)
        design = gnnc.compile(model, graphs[0], CONFIG | {"reuse_factor": 2})
    return design, design.write(tmp_path_factory.mktemp("prj") / "tracking_in")


def test_load_gives_the_same_design(tracking_project, graphs):
    design, path = tracking_project
    loaded = gnnc.load(path)
    assert loaded.mlir("hls") == design.mlir("hls")
    for backend in ("vitis", "oneapi"):
        assert loaded.sources(backend).files == design.sources(backend).files
    assert loaded.estimate()["total"] == design.estimate()["total"]
    for a, b in zip(loaded.emulate(graphs), design.emulate(graphs)):
        assert np.array_equal(a, b)
    assert np.array_equal(loaded.emulate(graphs[2], fixed=False), design.emulate(graphs[2], fixed=False))


def test_load_of_a_tuple_model_and_its_example(tmp_path):
    model, args = Tiny().eval(), example()
    design = gnnc.compile(model, args, {"graph": {"max_nodes": 8, "max_edges": 8}})
    loaded = gnnc.load(design.write(tmp_path / "tiny"))
    x, edge_index = args
    assert np.array_equal(loaded.emulate(x.numpy(), edge_index.numpy()), design.emulate(x, edge_index))
    # the stored example is the written one: writing the reopened design gives the same project
    again = loaded.write(tmp_path / "again")
    for f in ("tb_data/input.txt", "tb_data/expected.txt", CALL_FILE, "firmware/tiny.cpp"):
        assert (again / f).read_text() == (tmp_path / "tiny" / f).read_text()
    assert gnnc.load(again).mlir("hls") == design.mlir("hls")


def test_load_errors_name_the_folder_and_the_fix(tmp_path, tracking_project):
    with pytest.raises(gnnc.GnncError, match="not a gnnc project"):
        gnnc.load(tmp_path)
    _, path = tracking_project
    old = tmp_path / "old"
    old.mkdir()
    (old / "gnnc_config.yaml").write_text((path / "gnnc_config.yaml").read_text())
    with pytest.raises(gnnc.GnncError, match="did not keep its design; compile it again"):
        gnnc.load(old)
    (old / IR_FILE).write_text((path / IR_FILE).read_text())
    (old / CALL_FILE).write_text(json.dumps({"format": 99}))
    with pytest.raises(gnnc.GnncError, match="format 99 is not 1"):
        gnnc.load(old)
    call = json.loads((path / CALL_FILE).read_text())
    del call["inputs"]
    (old / CALL_FILE).write_text(json.dumps(call))
    with pytest.raises(gnnc.GnncError, match=r"gnnc_design.json: malformed \(KeyError"):
        gnnc.load(old)


def test_csim_command_on_many_graphs(capsys, tracking_project, trackml_dir, graphs, tmp_path):
    design, path = tracking_project
    data = f"{trackml_dir}/graphs/*.npz"
    status, out, _ = run(capsys, "csim", path, "--data", data, "-o", tmp_path / "out")
    assert status == 0, out
    assert "10/10 bit-exact with the emulator (vitis" in out
    saved = sorted((tmp_path / "out").glob("*.npz"))
    assert len(saved) == 10
    for file, want in zip(saved, design.emulate(graphs)):  # graphs and files in the same (name) order
        assert np.array_equal(np.load(file)["out0"], want)
    # a rerun replaces its own outputs; a folder with anything else in it is refused, untouched
    assert run(capsys, "csim", path, "--data", data, "-o", tmp_path / "out")[0] == 0
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "notes.txt").write_text("mine")
    status, _, err = run(capsys, "csim", path, "--data", data, "-o", mine)
    assert status == 1 and "gnnc csim did not write" in err
    assert [p.name for p in mine.iterdir()] == ["notes.txt"]
    status, _, err = run(capsys, "csim", path, "--data", str(tmp_path / "none*.npz"))
    assert status == 1 and "no files match" in err


def _fake_tool(folder: Path, name: str, status: int = 0) -> Path:
    """An executable that records its arguments, folder and GNNC_* variables: the command line
    gnnc build hands the vendor tool (neither Vitis nor icpx can be installed here)."""
    folder.mkdir(exist_ok=True)
    tool = folder / name
    tool.write_text(f'#!/bin/sh\n{{ pwd; echo "$@"; env | grep ^GNNC_ | sort; }} > "{folder}/{name}.log"\nexit {status}\n')
    tool.chmod(tool.stat().st_mode | stat.S_IEXEC)
    return tool


def test_build_runs_the_vendor_tool_or_names_the_missing_one(capsys, tracking_project, tmp_path, monkeypatch):
    _, path = tracking_project
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    status, _, err = run(capsys, "build", path)
    assert status == 1 and "Vitis is not on PATH (neither vitis_hls nor vitis-run)" in err
    status, out, _ = run(capsys, "build", path, "--print", "--steps", "synth")
    assert status == 0 and "$ vitis_hls -f build_prj.tcl -tclargs csim=0 synth=1 cosim=0 export=0" in out
    assert run(capsys, "build", path, "--steps", "place")[2].count("expected a comma-separated list of csim")

    bin_dir = tmp_path / "bin"
    _fake_tool(bin_dir, "vitis_hls")
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}/usr/bin:/bin")
    status, out, _ = run(capsys, "build", path)
    cwd, argv = (bin_dir / "vitis_hls.log").read_text().splitlines()[:2]
    assert status == 0 and Path(cwd) == path.resolve() and argv == "-f build_prj.tcl -tclargs csim=1 synth=1 cosim=0 export=0"
    assert f"gnnc report {path}" in out
    (bin_dir / "vitis_hls").unlink()
    _fake_tool(bin_dir, "vitis-run", status=3)  # the unified CLI: steps through the script's GNNC_* variables
    status, out, _ = run(capsys, "build", path, "--steps", "csim")
    log = (bin_dir / "vitis-run.log").read_text().splitlines()
    assert status == 1 and "vitis-run ended with status 3" in out
    assert log[1] == "--mode hls --tcl build_prj.tcl" and "GNNC_SYNTH=0" in log and "GNNC_CSIM=1" in log


def test_build_of_a_oneapi_project(capsys, tmp_path, monkeypatch):
    design = gnnc.compile(Tiny().eval(), example(), {"graph": {"max_nodes": 8, "max_edges": 8}})
    path = design.write(tmp_path / "tiny", backend="oneapi")
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    status, _, err = run(capsys, "build", path)
    assert status == 1 and "cmake is not on PATH" in err
    status, out, _ = run(capsys, "build", path, "--print", "--target", "fpga_emu")
    assert out.splitlines() == ["$ cmake -S . -B build", "$ cmake --build build --target fpga_emu"]
    _fake_tool(tmp_path / "bin", "cmake")
    monkeypatch.setenv("PATH", str(tmp_path / "bin"))
    status, _, err = run(capsys, "build", path)
    assert status == 1 and "icpx (the oneAPI DPC++/C++ compiler) is not on PATH" in err


def test_opt_is_gnnc_opt(capsys, tmp_path):
    design = gnnc.compile(Tiny().eval(), example(), {"graph": {"max_nodes": 8, "max_edges": 8}})
    mlir = tmp_path / "tiny.mlir"
    mlir.write_text(design.mlir("gnn"))
    status, out, _ = run(capsys, "opt", mlir, "--lower-to-hls", "-t", "vitis")
    assert status == 0
    assert gnnc_opt.main([str(mlir), "--lower-to-hls", "-t", "vitis"]) == 0
    assert capsys.readouterr().out == out and "void tiny(" in out
    status, out, _ = run(capsys, "opt", "--help")
    assert status == 0 and out.startswith("usage: gnnc-opt")
