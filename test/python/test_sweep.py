"""gnnc.sweep on a real dask.distributed LocalCluster (2 worker processes): the same rows as a
serial evaluation, no point lost when a worker dies, a rerun that computes nothing, and the
Pareto front and space errors against hand-derived answers."""

import os
import signal

import numpy as np
import pytest
import torch

distributed = pytest.importorskip("distributed")

import gnnc  # noqa: E402
from gnnc import pareto  # noqa: E402
from gnnc.errors import ConfigError  # noqa: E402
from gnnc.space import expand  # noqa: E402
from gnnc.sweep_point import Options, evaluate  # noqa: E402
from tiny_model import Tiny, example  # noqa: E402

SPACE = {"grid": {"precision.default": ["fixed<12,4>", "fixed<16,6>"], "reuse_factor": [1, 2]}}
BASE = {"graph": {"max_nodes": 8, "max_edges": 8}}
TIMING = ("worker", "compile_s", "emulate_s", "point_s")


def _graphs(count=3):
    torch.manual_seed(5)
    x, edge_index = example()
    return [(torch.randn_like(x), edge_index) for _ in range(count)]


def _plain(row):
    return {k: v for k, v in row.items() if k not in TIMING and not k.startswith("front_")}


@pytest.fixture(scope="module")
def client():
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        with distributed.Client(cluster) as c:
            yield c


def test_cluster_rows_equal_serial_and_rerun_computes_nothing(client, tmp_path):
    model, graphs = Tiny().eval(), _graphs()
    result = gnnc.sweep(model, graphs, SPACE, BASE, client=client, out_dir=tmp_path, progress=False)
    assert result.computed == 4 and len(result.rows) == 4
    serial = [evaluate(model, graphs, None, p.config, Options(), "serial") for p in expand(SPACE, BASE)]
    for got, want in zip(result.rows, serial):
        assert not got.get("error"), got
        assert {k: got[k] for k in _plain(want)} == _plain(want)
    # reuse 2 halves the multipliers of the same precision (the estimate's rule)
    assert result.rows[1]["est_multipliers"] < result.rows[0]["est_multipliers"]
    assert (tmp_path / "sweep.csv").is_file() and (tmp_path / "pareto.png").is_file()
    again = gnnc.sweep(model, graphs, SPACE, BASE, client=client, out_dir=tmp_path, progress=False)
    assert again.computed == 0
    assert [_plain(r) for r in again.rows] == [_plain(r) for r in result.rows]


def test_a_worker_killed_mid_sweep_loses_no_point(client, tmp_path):
    """Runs on the module's cluster (its nanny restarts the killed worker): one cluster start
    per file, since starting two worker processes that import torch is most of this file's time."""
    model, graphs = Tiny().eval(), _graphs(2)
    space = {"grid": {"precision.default": [f"fixed<{w},6>" for w in (10, 12, 14)], "reuse_factor": [1, 2]}}
    pids = list(client.run(os.getpid).values())
    killed = []

    def kill_one(row):
        if not killed:
            killed.append(pids[0])
            os.kill(pids[0], signal.SIGKILL)

    result = gnnc.sweep(model, graphs, space, BASE, client=client, out_dir=tmp_path, progress=False,
                        on_point=kill_one)
    assert killed
    assert len(result.rows) == 6 and not any(r.get("error") for r in result.rows)
    assert len(list((tmp_path / "points").glob("*.json"))) == 6


def test_pareto_front_of_a_hand_made_table():
    rows = [
        {"accuracy": 0.90, "est_dsp": 10, "fits": True},
        {"accuracy": 0.95, "est_dsp": 20, "fits": True},
        {"accuracy": 0.94, "est_dsp": 30, "fits": True},   # dominated by row 1
        {"accuracy": 0.99, "est_dsp": 90, "fits": False},
        {"accuracy": 0.80, "est_dsp": 10, "fits": True},   # dominated by row 0
        {"accuracy": 0.97, "est_dsp": 5, "error": "boom"},  # failed points are never on the front
    ]
    assert pareto.front(rows, "accuracy", ("est_dsp",)) == [True, True, False, True, False, False]
    assert pareto.best(rows, "accuracy") == 1  # the most accurate that fits
    assert pareto.front(rows, "-accuracy", ("est_dsp",))[4]  # minimising: the worst is now on it


def test_space_errors_name_the_point_and_key():
    with pytest.raises(ConfigError, match=r"sweep point 1 .*reuse_factor"):
        expand({"grid": {"reuse_factor": [1, 0]}}, BASE)
    with pytest.raises(ConfigError, match="same config as sweep point 0"):
        expand({"points": [{"reuse_factor": 2}, {"reuse_factor": 2}]}, BASE)
    with pytest.raises(ConfigError, match="space.grid"):
        expand({"grid": {"reuse_factor": []}}, BASE)
    assert np.prod([len(v) for v in SPACE["grid"].values()]) == len(expand(SPACE, BASE))


def _stand_in_vitis(folder, report):
    """A `vitis_hls` that records its arguments and leaves a csynth.xml where Vitis writes it
    (no vendor tool can be installed here): what a sweep point's build runs and reads back."""
    folder.mkdir()
    tool = folder / "vitis_hls"
    tool.write_text('#!/bin/sh\necho "$@" > args.log\nmkdir -p tiny_prj/solution1/syn/report\n'
                    f'cp "{report}" tiny_prj/solution1/syn/report/csynth.xml\n')
    tool.chmod(0o755)


def test_build_points_with_the_vendor_tool_or_say_it_is_missing(tmp_path, monkeypatch):
    from test_report import CSYNTH

    model, graphs = Tiny().eval(), _graphs(1)
    config = BASE | {"top": "tiny", "strategy": "distributed_arithmetic"}
    options = Options(build=True, projects_dir=str(tmp_path / "projects"))
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    row = evaluate(model, graphs, None, config, options, "p0")
    assert row["build"].startswith("skipped on worker") and "Vitis is not on PATH" in row["build"]
    assert not (tmp_path / "projects").exists()  # nothing written for a build that cannot run

    report = tmp_path / "csynth.xml"
    report.write_text(CSYNTH.format(top="tiny", modules=""))
    _stand_in_vitis(tmp_path / "bin", report)
    monkeypatch.setenv("PATH", f"{tmp_path / 'bin'}{os.pathsep}/usr/bin:/bin")
    row = evaluate(model, graphs, None, config, options, "p0")
    prj = tmp_path / "projects" / "p0"
    assert (prj / "args.log").read_text().split() == ["-f", "build_prj.tcl", "-tclargs", "csim=0", "synth=1",
                                                       "cosim=0", "export=0"]
    assert row["build"] == f"vitis report in {prj}" and row["synth_dsp"] == 50 and row["synth_lut"] == 4000
    assert (row["strategy"], row["reuse"], row["io"]) == ("distributed_arithmetic", 1, "parallel")
    with pytest.raises(gnnc.GnncError, match="build='quartus'"):
        gnnc.sweep(model, graphs, SPACE, BASE, build="quartus")
