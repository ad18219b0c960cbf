"""Reliability: bad inputs are GnncErrors naming what is wrong; nothing is lost or silently wrong.

Each test here failed on the main of 2026-12-01 (issue: "Reliability: lose nothing, compile
nothing silently wrong, and bound every input").
"""

from __future__ import annotations

import stat
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from torch import nn

import gnnc
from gnnc.csim import CSim
from gnnc.errors import CSimError, GnncError

from tiny_model import Tiny  # noqa: E402 (test/python)

REPO = Path(__file__).resolve().parents[2]


class Keyword(Tiny):
    def forward(self, new, edge_index):  # `new` is a fine Python name and no C++ one
        return self.propagate(edge_index, x=new)


class Noisy(Tiny):
    def forward(self, x, edge_index):
        return self.propagate(edge_index, x=x + torch.randn(3))


def graph(n: int = 6, e: int = 10, seed: int = 0):
    rng = np.random.default_rng(seed)
    x = torch.tensor(rng.uniform(-2, 2, (n, 3)), dtype=torch.float32)
    ei = torch.tensor(rng.integers(0, n, (2, e)), dtype=torch.long)
    return x, ei


CONFIG = {"graph": {"max_nodes": 8, "max_edges": 12}, "precision": "fixed<16,6>"}


@pytest.fixture(scope="module")
def tiny():
    return gnnc.compile(Tiny(), graph(), CONFIG)


# -- what users write is never lost ------------------------------------------------------


def test_compile_force_onto_a_regular_file_keeps_it(tmp_path, tiny):
    results = tmp_path / "results.csv"
    results.write_text("eff,pur\n0.98,0.97\n")
    with pytest.raises(GnncError, match="is a file, not a project directory"):
        tiny.write(results, force=True)
    assert results.read_text() == "eff,pur\n0.98,0.97\n"


def test_force_keeps_a_vitis_run_inside_the_project(tmp_path, tiny):
    out = tiny.write(tmp_path / "prj")
    run = out / f"{tiny.top}_prj" / "solution1" / "syn" / "report"
    run.mkdir(parents=True)
    (run / "csynth.xml").write_text("<profile/>")
    tiny.write(out, force=True)
    assert (run / "csynth.xml").read_text() == "<profile/>"


# -- nothing silently wrong ------------------------------------------------------------


def test_nan_weights_name_the_module():
    model = Tiny()
    with torch.no_grad():
        model.lin.weight[0, 1] = float("nan")
    with pytest.raises(GnncError, match=r"gnn.dense of module lin: 1 weight value is NaN or infinite"):
        gnnc.compile(model, graph(), CONFIG)


def test_cpp_keyword_as_input_name_is_refused_at_compile():
    with pytest.raises(GnncError, match=r"input 'new' is a C\+\+ keyword; rename the input of forward\(\)"):
        gnnc.compile(Keyword(), graph(), CONFIG)


def test_random_ops_in_forward_are_refused():
    with pytest.raises(GnncError, match=r"\(torch.randn\) draws random numbers at every call; gnnc would have frozen.*in Noisy.forward"):
        gnnc.compile(Noisy(), graph(), CONFIG)


def test_example_above_capacity_writes_its_segments(tmp_path):
    big = graph(20, 30, seed=3)
    design = gnnc.compile(Tiny(), big, CONFIG)  # 20 x 30 at capacity 8 x 12
    segments = design.partition(*big)
    assert len(segments) > 1
    out = design.write(tmp_path / "prj")
    data = (out / "tb_data" / "input.txt").read_text()
    assert data.count("\ngraph ") + data.startswith("graph ") == len(segments)
    assert np.array_equal(design.csim(*big), design.emulate(*big))


# -- inputs as users have them, and bad ones ------------------------------------------


def test_numpy_inputs_equal_tensor_inputs(tiny):
    x, ei = graph()
    assert np.array_equal(tiny.emulate(x.numpy(), ei.numpy()), tiny.emulate(x, ei))


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda x, ei: (x, ei.float()), r"input 'edge_index' must hold integer node indices .* got dtype float32"),
        (lambda x, ei: (x, ei.bool()), r"input 'edge_index' must hold integer node indices .* got dtype bool"),
        (lambda x, ei: (x, ei[:, :3].T.contiguous()), r"input 'edge_index' must have shape \[2, E\], got \[3, 2\]"),
        (lambda x, ei: (x[:, :2], ei), r"input 'x' must have shape \[rows, 3\], got \[6, 2\]"),
        (lambda x, ei: (x, ei + 6), r"input 'edge_index' refers to node \d+, but the graph has nodes 0..5"),
        (lambda x, ei: (x, ei - 7), r"input 'edge_index' refers to node -\d+"),
        (lambda x, ei: (torch.where(x > 1, float("nan"), x), ei), r"input 'x' has NaN or infinite values"),
        (lambda x, ei: (x, ei, x), r"this model takes 2 arguments, got 3"),
        (lambda x, ei: (x.tolist(), ei), r"argument 'x' must be a torch.Tensor or a numpy array, got list"),
    ],
)
def test_bad_inputs_are_gnnc_errors_naming_the_input(tiny, change, message):
    with pytest.raises(GnncError, match=message):
        tiny.emulate(*change(*graph()))


# -- config files ------------------------------------------------------------------------

ALIAS_BOMB = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{k}: &{k} [{', '.join([f'*{p}'] * 9)}]\n" for p, k in zip("abcdefgh", "bcdefghi")
)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("graph:\n  max_nodes: 3\n  max_nodes: 4\n", r"cfg.yaml:3: key 'max_nodes' is given twice \(first on line 2\)"),
        (ALIAS_BOMB, r"more than 100000 values once YAML aliases are expanded"),
        ("clock_period_ns: .inf\n", r"clock_period_ns: must be positive, between"),
        ("clock_period_ns: .nan\n", r"clock_period_ns: must be positive, between"),
        ("precision: 'fixed<16,6,rnd,trn>'\n", r"gives its quantization twice \(rnd and trn\)"),
        ('top: "my top"\n', r"top: 'my top' is not a C\+\+ identifier"),
        ("top: int\n", r"top: 'int' is a C\+\+ keyword"),
        ("graph: {max_nodes: 100000000000000000000}\n", r"graph.max_nodes: 100000000000000000000 is more than"),
        ("graph: {max_nodes: 1e20}\n", r"graph.max_nodes: must be a positive integer, got '1e20'"),
        ("", r"cfg.yaml is empty"),
        ("precision:\n  kinds: {sigmoid: {table: {size: 100000000, min: -8, max: 8}}}\n", r"table.size: must be in \[2, 65536\]"),
    ],
)
def test_config_errors_name_the_place(tmp_path, text, message):
    path = tmp_path / "cfg.yaml"
    path.write_text(text)
    with pytest.raises(gnnc.ConfigError, match=message):
        gnnc.load_config(path)


def test_config_that_is_not_text_or_a_file(tmp_path):
    path = tmp_path / "cfg.yaml"
    path.write_bytes(b"top: x\n\xff\xfe\n")
    with pytest.raises(gnnc.ConfigError, match=r"cfg.yaml:2: config file is not UTF-8 text"):
        gnnc.load_config(path)
    with pytest.raises(gnnc.ConfigError, match=r"is a directory, not a YAML file"):
        gnnc.load_config(tmp_path)


# -- the commands ------------------------------------------------------------------------


def _gnnc(*args):
    return subprocess.run([sys.executable, "-m", "gnnc.tools.gnnc_cli", *args], capture_output=True, text=True,
                          timeout=600)




@pytest.fixture()
def model_py():
    return Path(__file__).parent / "tiny_model.py"  # defines model() and example()


def test_cli_config_from_a_pipe_is_read_once(tmp_path, model_py):
    config = "graph: {max_nodes: 8, max_edges: 12}\nprecision: 'fixed<12,4>'\n"
    proc = subprocess.run(
        ["bash", "-c", f'"{sys.executable}" -m gnnc.tools.gnnc_cli mlir {model_py} --stage fixed -c <(cat)'],
        input=config, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr
    assert "!gnn.fixed<12, 4>" in proc.stdout


def test_cli_output_under_a_file_and_sys_exit_in_a_model_file(tmp_path, model_py):
    (tmp_path / "notes.txt").write_text("mine")
    proc = _gnnc("compile", str(model_py), "-o", str(tmp_path / "notes.txt" / "prj"))
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert "notes.txt is a file" in proc.stderr
    exits = tmp_path / "exits.py"
    exits.write_text("import sys\nsys.exit(3)\n")
    proc = _gnnc("compile", str(exits), "-o", str(tmp_path / "p"))
    assert proc.returncode == 1
    assert proc.stderr.strip() == "gnnc: error: exits.py:2: the model file called sys.exit(3) (while loading exits.py)"


def test_gnnc_opt_errors_a_user_can_act_on(tmp_path):
    ir = tmp_path / "m.mlir"
    ir.write_text('func.func @main(%x: !gnn.nodes<2, f32> {gnn.name = "x"}) -> !gnn.nodes<2, f32> {\n'
                  "  func.return %x : !gnn.nodes<2, f32>\n}\n")
    opt = [sys.executable, "-m", "gnnc.tools.gnnc_opt"]

    def run(*args):
        return subprocess.run([*opt, *args], capture_output=True, text=True, timeout=600)

    bad = run(str(ir), "-p", "gnn-fixed-point{max-edges=-3}")
    assert bad.returncode == 1 and "max-edges must be in [1, 4194304], got -3" in bad.stderr
    hls_ir = tmp_path / "h.mlir"
    hls_ir.write_text(run(str(ir), "--lower-to-hls").stdout)
    again = run(str(hls_ir), "--lower-to-hls")
    assert again.returncode == 1 and "the input is hls IR already" in again.stderr
    binary = tmp_path / "b.mlir"
    binary.write_bytes(b"func.func @main() {\n\xff}\n")
    assert "b.mlir:2: the input is not UTF-8 text" in run(str(binary)).stderr
    huge = tmp_path / "huge.mlir"
    huge.write_text(ir.read_text().replace('gnn.name = "x"', f'gnn.name = "{"a b" * 1_000_000}"'))
    long = run(str(huge), "--lower-to-hls")
    assert long.returncode == 1 and len(long.stderr) < 2000 and "(3000002 characters)" in long.stderr


# -- C simulation: bounded, and its cache trusted only while intact ------------------


def _hanging_compiler(tmp_path: Path) -> str:
    script = tmp_path / "slow-g++"
    script.write_text('#!/bin/sh\nif [ "$1" = "--version" ]; then echo "slow-g++ 1.0"; exit 0; fi\nexec sleep 600\n')
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    return str(script)


def test_hanging_compiler_times_out(tmp_path, tiny, monkeypatch):
    src = tiny.sources("vitis")
    monkeypatch.setenv("GNNC_CXX", _hanging_compiler(tmp_path))
    monkeypatch.setenv("GNNC_CSIM_BUILD_TIMEOUT", "2")
    sim = CSim(top=src.top, firmware=src.files, ports=src.ports, max_nodes=8, max_edges=12,
               cache_dir=tmp_path / "cache")
    with pytest.raises(CSimError, match=r"g\+\+ did not finish .* in 2 s \(set GNNC_CSIM_BUILD_TIMEOUT"):
        sim.build()
    assert not [p for p in (tmp_path / "cache").iterdir()]  # nothing left behind


def test_cache_is_checked_and_cleaned(tmp_path, tiny):
    src = tiny.sources("vitis")
    cache = tmp_path / "cache"
    sim = CSim(top=src.top, firmware=src.files, ports=src.ports, max_nodes=8, max_edges=12, cache_dir=cache)
    binary = sim.build()
    x, ei = graph()
    bound = {"x": x.numpy(), "edge_index": ei.numpy()}
    first = sim.run([bound])
    binary.write_bytes(binary.read_bytes()[:1000])  # a corrupt cached binary
    again = CSim(top=src.top, firmware=src.files, ports=src.ports, max_nodes=8, max_edges=12, cache_dir=cache)
    again.build()
    assert again.build_seconds > 0  # rebuilt, not trusted
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True,
                          text=True, check=True).stdout.strip()
    (cache / f".run-{dead}-xyz").mkdir()  # a killed run's folder
    name = tiny.output_names[0]
    assert np.array_equal(again.run([bound])[0][name], first[0][name])
    assert not (cache / f".run-{dead}-xyz").exists()
    with pytest.raises(CSimError, match=r"cannot be created: .*cache-file is a file \(set GNNC_CACHE_DIR"):
        (tmp_path / "cache-file").write_text("")
        CSim(top=src.top, firmware=src.files, ports=src.ports, max_nodes=8, max_edges=12,
             cache_dir=tmp_path / "cache-file" / "csim").build()


def test_hanging_testbench_times_out(tmp_path, tiny, monkeypatch):
    src = tiny.sources("vitis")
    sim = CSim(top=src.top, firmware=src.files, ports=src.ports, max_nodes=8, max_edges=12,
               cache_dir=tmp_path / "cache")
    sim.build()
    assert sim.binary is not None
    real = sim.binary
    hang = tmp_path / "hang.sh"
    hang.write_text("#!/bin/sh\nexec sleep 600\n")
    hang.chmod(hang.stat().st_mode | stat.S_IEXEC)
    sim.binary = hang
    monkeypatch.setenv("GNNC_CSIM_RUN_TIMEOUT", "1")
    x, ei = graph()
    with pytest.raises(CSimError, match=r"did not finish 1 graph\(s\) in 1 s \(set GNNC_CSIM_RUN_TIMEOUT"):
        sim.run([{"x": x.numpy(), "edge_index": ei.numpy()}])
    assert real.is_file()


def test_csim_at_a_large_capacity():
    """20000 x 60000: the testbench's arrays exceed the default 8 MiB stack."""
    x, ei = graph(50, 120, seed=5)
    big = gnnc.compile(Tiny(), (x, ei), {"graph": {"max_nodes": 20000, "max_edges": 60000}})
    assert np.array_equal(big.csim(x, ei), big.emulate(x, ei))
