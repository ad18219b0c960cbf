"""Project writer, testbench and g++ C-simulation runner, on a hand-written toy top function.

Nothing here depends on the hls→C++ printer: the toy obeys the port conventions of
docs/architecture.md, and its reference is computed in numpy with ap_fixed<16,8> semantics
(AP_TRN: floor to 2^-8; AP_WRAP: two's complement wrap to 16 bits).
"""

from __future__ import annotations

import os
import sys
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
import yaml

from conftest import skip_outside_ci

from gnnc.backends.ports import Port
from gnnc.backends.vitis import testbench as tb
from gnnc.backends.vitis.project import write_project
from gnnc.errors import CSimError, GnncError

MAX_N, MAX_E = 8, 16
FX = "ap_fixed<16, 8>"

TOY_H = f"""\
#ifndef TOY_H_
#define TOY_H_
#include "ap_fixed.h"
#include "ap_int.h"
typedef ap_fixed<16, 8> data_t;
typedef ap_uint<8> idx_t;
void toy(const data_t x[{MAX_N}][2], const idx_t edge_index[2][{MAX_E}], const data_t edge_attr[{MAX_E}][1],
         idx_t n_nodes, idx_t n_edges, data_t out0[{MAX_E}][2], data_t out1[{MAX_N}][1]);
#endif
"""

# out0[e] = (x[dst][0] + edge_attr[e], x[src][1] * edge_attr[e]); out1[n] = sum of edge_attr
# over edges into n. Rows past the counts are written as 0 (masking, as the real designs do).
TOY_CPP = f"""\
#include "toy.h"
void toy(const data_t x[{MAX_N}][2], const idx_t edge_index[2][{MAX_E}], const data_t edge_attr[{MAX_E}][1],
         idx_t n_nodes, idx_t n_edges, data_t out0[{MAX_E}][2], data_t out1[{MAX_N}][1]) {{
#pragma HLS INTERFACE ap_vld port=x
#pragma HLS ARRAY_PARTITION variable=out0 complete dim=0
  data_t agg[{MAX_N}];
  for (int n = 0; n < {MAX_N}; n++) agg[n] = 0;
  for (int e = 0; e < {MAX_E}; e++) {{
#pragma HLS PIPELINE II=1
    if (e < n_edges) {{
      out0[e][0] = x[edge_index[1][e]][0] + edge_attr[e][0];
      out0[e][1] = x[edge_index[0][e]][1] * edge_attr[e][0];
      agg[edge_index[1][e]] += edge_attr[e][0];
    }} else {{
      out0[e][0] = 0;
      out0[e][1] = 0;
    }}
  }}
  for (int n = 0; n < {MAX_N}; n++) out1[n][0] = n < n_nodes ? agg[n] : data_t(0);
}}
"""

PORTS = [
    Port("x", "in", "features", "nodes", 2, FX, 8),
    Port("edge_index", "in", "edge_index", None, 0, "ap_uint<8>"),
    Port("edge_attr", "in", "features", "edges", 1, FX, 8),
    Port("n_nodes", "in", "count", "nodes", 0, "ap_uint<8>"),
    Port("n_edges", "in", "count", "edges", 0, "ap_uint<8>"),
    Port("out0", "out", "features", "edges", 2, FX, 8),
    Port("out1", "out", "features", "nodes", 1, FX, 8),
]
FIRMWARE = {"toy.h": TOY_H, "toy.cpp": TOY_CPP}
CONFIG = {"part": "xcvu9p-flga2104-2L-e", "clock_period_ns": 5,
          "graph": {"max_nodes": MAX_N, "max_edges": MAX_E}, "precision": {"default": "fixed<16,8>"}}


def _wrap16(raw):
    return (raw + (1 << 15)) % (1 << 16) - (1 << 15)


def _q(v):
    """ap_fixed<16,8>(double) as a raw integer (value * 2^8)."""
    return _wrap16(np.floor(np.asarray(v, dtype=np.float64) * 256).astype(np.int64))


def reference(g):
    x, ea, ei = _q(g["x"]), _q(g["edge_attr"]), np.asarray(g["edge_index"])
    src, dst = ei
    out0 = np.stack([_wrap16(x[dst, 0] + ea[:, 0]),
                     _wrap16((x[src, 1] * ea[:, 0]) >> 8)], axis=1)  # >> floors: AP_TRN
    agg = np.zeros(len(x), dtype=np.int64)
    np.add.at(agg, dst, ea[:, 0])
    return {"out0": out0 / 256.0, "out1": _wrap16(agg)[:, None] / 256.0}


def make_graph(rng, n, e):
    g = {"x": rng.normal(0, 60, (n, 2)),  # wide enough that inputs and sums wrap
         "edge_index": rng.integers(0, n, (2, e)),
         "edge_attr": rng.normal(0, 4, (e, 1))}
    if e:
        g["edge_attr"][0, 0] = -0.5  # exact values too
    return g


GRAPHS = [make_graph(np.random.default_rng(1), 5, 7),
          make_graph(np.random.default_rng(2), MAX_N, MAX_E),  # exactly at capacity
          {"x": np.array([[1.25, -3.0]]), "edge_index": np.zeros((2, 0), dtype=np.int64),
           "edge_attr": np.zeros((0, 1))}]  # no edges at all


def _project(path, **kw):
    args = dict(top="toy", firmware=FIRMWARE, ports=PORTS, max_nodes=MAX_N, max_edges=MAX_E,
                part=CONFIG["part"], clock_period_ns=5, config=CONFIG)
    args.update(kw)
    return write_project(path, **args)


# --------------------------------------------------------------------------------------------
# Project writer


def test_project_layout_and_scripts(tmp_path):
    out = _project(tmp_path / "prj", example_inputs=GRAPHS,
                   expected_outputs=[reference(g) for g in GRAPHS])
    assert out == tmp_path / "prj"
    files = sorted(str(p.relative_to(out)) for p in out.rglob("*") if p.is_file())
    assert files == ["README.md", "build_prj.tcl", "firmware/toy.cpp", "firmware/toy.h",
                     "gnnc_config.yaml", "gnnc_manifest.json", "hls_config.cfg", "tb/toy_tb.cpp",
                     "tb_data/expected.txt", "tb_data/input.txt"]
    assert not [p for p in tmp_path.iterdir() if p.name != "prj"]  # no temporary left behind
    assert (out / "firmware/toy.cpp").read_text() == TOY_CPP

    tcl = (out / "build_prj.tcl").read_text()
    order = ["open_project -reset ${top}_prj",
             "set_top $top", 'add_files firmware/toy.cpp -cflags "-std=c++14"',
             'add_files -tb tb/toy_tb.cpp -cflags "-std=c++14"', "add_files -tb tb_data",
             "open_solution -reset solution1 -flow_target vivado", "set_part $part",
             "create_clock -period $clock_period", "csim_design", "csynth_design",
             "cosim_design", "export_design -format ip_catalog"]
    positions = [tcl.index(s) for s in order]
    assert positions == sorted(positions)
    assert "set part xcvu9p-flga2104-2L-e" in tcl and "set clock_period 5\n" in tcl

    cfg = (out / "hls_config.cfg").read_text()
    for line in ["part=xcvu9p-flga2104-2L-e", "[hls]", "flow_target=vivado", "clock=5ns",
                 "syn.top=toy", "syn.file=firmware/toy.cpp", "tb.file=tb/toy_tb.cpp",
                 "tb.file=tb_data", "package.output.format=ip_catalog"]:
        assert line in cfg.splitlines()
    assert yaml.safe_load((out / "gnnc_config.yaml").read_text()) == CONFIG
    readme = (out / "README.md").read_text()
    assert "vitis_hls -f build_prj.tcl" in readme and "g++ -std=c++17" in readme

    text = (out / "tb_data/input.txt").read_text()
    assert text.count("graph ") == 3 and "graph 1 0\nx 1 2\n1.25 -3.0\nedge_index 2 0\n" in text


def test_project_refuses_existing_dir_and_force_replaces(tmp_path):
    out = _project(tmp_path / "prj")
    (out / "stale.txt").write_text("old")
    with pytest.raises(GnncError, match=r"prj already exists.*force=True.*--force"):
        _project(tmp_path / "prj")
    assert (out / "stale.txt").exists()
    _project(tmp_path / "prj", force=True, clock_period_ns=4)
    assert (out / "stale.txt").read_text() == "old"  # not gnnc's: force leaves it
    assert "set clock_period 4\n" in (out / "build_prj.tcl").read_text()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["prj"]


def test_force_never_deletes_a_foreign_directory(tmp_path):
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "thesis.tex").write_text("precious")
    with pytest.raises(GnncError, match="not a gnnc project"):
        _project(mine, force=True)
    assert (mine / "thesis.tex").read_text() == "precious"
    (tmp_path / "empty").mkdir()
    _project(tmp_path / "empty", force=True)  # an empty directory is fine
    assert (tmp_path / "empty" / "build_prj.tcl").is_file()


def test_bad_inputs_leave_nothing_behind(tmp_path):
    _project(tmp_path / "prj")
    before = (tmp_path / "prj" / "build_prj.tcl").read_text()
    too_big = make_graph(np.random.default_rng(0), MAX_N + 1, 3)
    with pytest.raises(GnncError, match=r"input 'x' has 9 nodes.*max_nodes=8"):
        _project(tmp_path / "prj", force=True, example_inputs=too_big)
    assert (tmp_path / "prj" / "build_prj.tcl").read_text() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["prj"]


TCL_STUBS = """\
foreach cmd {open_project set_top add_files open_solution set_part create_clock csim_design
             csynth_design cosim_design export_design} {
    proc $cmd args "puts \\"CALL $cmd \\$args\\""
}
proc exit args { puts EXIT }
"""


def _tcl_calls(project: Path, args=(), env=None):
    stub = project.parent / "stub.tcl"
    stub.write_text(TCL_STUBS + f"set argv {{{' '.join(args)}}}\nsource {project / 'build_prj.tcl'}\n")
    res = subprocess.run(["tclsh", str(stub)], capture_output=True, text=True, cwd="/",
                         env={**os.environ, **(env or {})}, check=True)
    return [line.split()[1] for line in res.stdout.splitlines() if line.startswith("CALL")]


def test_tcl_steps_are_switchable(tmp_path):
    if shutil.which("tclsh") is None:
        skip_outside_ci("tclsh not installed")
    with_data = _project(tmp_path / "a", example_inputs=GRAPHS[:1])
    steps = ["csim_design", "csynth_design", "cosim_design", "export_design"]
    assert _tcl_calls(with_data)[-4:] == steps
    assert _tcl_calls(with_data, ["synth=0", "cosim=0", "export=0"])[-1] == "csim_design"
    assert "csim_design" not in _tcl_calls(with_data, env={"GNNC_CSIM": "0"})
    assert _tcl_calls(with_data, ["csim=1"], env={"GNNC_CSIM": "0"}).count("csim_design") == 1
    no_data = _project(tmp_path / "b")
    calls = _tcl_calls(no_data)
    assert "csim_design" not in calls and "cosim_design" not in calls and "csynth_design" in calls


# --------------------------------------------------------------------------------------------
# Data files (pure Python)


def test_inputs_format_and_count_checks():
    text, counts = tb.format_inputs(PORTS, GRAPHS, MAX_N, MAX_E)
    assert counts == [(5, 7), (MAX_N, MAX_E), (1, 0)]
    first = text.splitlines()
    assert first[:2] == ["graph 5 7", "x 5 2"]
    assert float(first[2].split()[0]) == GRAPHS[0]["x"][0, 0]  # repr round-trips exactly
    with pytest.raises(GnncError, match=r"input 'edge_index' has 17 edges.*max_edges=16"):
        tb.format_inputs(PORTS, [make_graph(np.random.default_rng(0), 4, MAX_E + 1)], MAX_N, MAX_E)
    bad = dict(GRAPHS[0], edge_index=np.array([[0, 1, 2, 3, 4, 5, 6], [0] * 7]))
    with pytest.raises(GnncError, match=r"refers to node 5, outside \[0, 5\)"):
        tb.format_inputs(PORTS, [bad], MAX_N, MAX_E)
    bad = dict(GRAPHS[0], edge_attr=np.zeros((6, 1)))
    with pytest.raises(GnncError, match=r"disagree on the number of edges"):
        tb.format_inputs(PORTS, [bad], MAX_N, MAX_E)
    with pytest.raises(GnncError, match=r"input 'edge_attr' is missing"):
        tb.format_inputs(PORTS, [{"x": GRAPHS[0]["x"], "edge_index": GRAPHS[0]["edge_index"]}], MAX_N, MAX_E)
    with pytest.raises(GnncError, match=r"NaN"):
        tb.format_inputs(PORTS, [dict(GRAPHS[2], x=np.array([[np.nan, 0.0]]))], MAX_N, MAX_E)


def test_outputs_wider_than_53_bits_are_refused():
    wide = [*PORTS[:-1], Port("out1", "out", "features", "nodes", 1, "ap_fixed<64, 32>", 32)]
    with pytest.raises(GnncError, match=r"'out1'.*64 bits"):
        tb.check_exact_outputs(wide)
    from gnnc.csim import CSim

    with pytest.raises(CSimError, match="53 bits"):
        CSim(top="toy", firmware=FIRMWARE, ports=wide, max_nodes=MAX_N, max_edges=MAX_E)


def test_count_and_index_types_must_hold_the_capacity():
    narrow = [Port("n_nodes", "in", "count", "nodes", 0, "ap_uint<3>") if p.name == "n_nodes" else p
              for p in PORTS]
    with pytest.raises(GnncError, match=r"'n_nodes': ap_uint<3> cannot hold 8"):
        tb.generate_testbench("toy", narrow, MAX_N, MAX_E)
    tb.generate_testbench("toy", narrow, 7, MAX_E)  # 7 fits in 3 bits


def test_ap_types_dir(monkeypatch, tmp_path):
    from gnnc import csim

    monkeypatch.delenv("GNNC_AP_TYPES_DIR", raising=False)
    monkeypatch.setattr(csim.importlib.util, "find_spec", lambda name: None)
    with pytest.raises(CSimError, match=r"pip install --no-deps hls4ml==1\.3\.0"):
        csim.ap_types_dir()
    (tmp_path / "ap_fixed.h").write_text("")
    monkeypatch.setenv("GNNC_AP_TYPES_DIR", str(tmp_path))
    assert csim.ap_types_dir() == tmp_path


# --------------------------------------------------------------------------------------------
# g++ C simulation


@pytest.fixture(scope="module")
def ap_dir():
    from gnnc.csim import ap_types_dir

    if shutil.which("g++") is None:
        skip_outside_ci("g++ not installed")
    try:
        return ap_types_dir()
    except CSimError as err:
        skip_outside_ci(str(err))


@pytest.fixture(scope="module")
def built(ap_dir, tmp_path_factory):
    from gnnc.csim import CSim

    cache = tmp_path_factory.mktemp("csim-cache")
    sim = CSim(top="toy", firmware=FIRMWARE, ports=PORTS, max_nodes=MAX_N, max_edges=MAX_E,
               cache_dir=cache)
    sim.build()
    return sim


def test_csim_matches_ap_fixed_reference(built):
    assert built.build_seconds > 0
    results = built.run(GRAPHS)
    assert len(results) == 3
    for g, got in zip(GRAPHS, results):
        want = reference(g)
        assert set(got) == {"out0", "out1"}
        for name in want:
            assert got[name].dtype == np.float64
            np.testing.assert_array_equal(got[name], want[name])
    assert results[2]["out0"].shape == (0, 2) and results[2]["out1"].shape == (1, 1)


def test_csim_cache_hit(built):
    from gnnc.csim import CSim

    again = CSim(top="toy", firmware=dict(FIRMWARE), ports=list(PORTS), max_nodes=MAX_N,
                 max_edges=MAX_E, cache_dir=built.cache_dir)
    assert again.build() == built.binary
    assert again.build_seconds == 0
    changed = CSim(top="toy", firmware={**FIRMWARE, "toy.cpp": TOY_CPP + "// edit\n"},
                   ports=PORTS, max_nodes=MAX_N, max_edges=MAX_E, cache_dir=built.cache_dir)
    assert changed.key() != again.key()


def test_csim_rejects_too_large_input(built):
    with pytest.raises(CSimError, match=r"graph 1: input 'x' has 9 nodes.*max_nodes=8"):
        built.run([GRAPHS[0], make_graph(np.random.default_rng(3), MAX_N + 1, 4)])
    with pytest.raises(CSimError, match="list of graphs"):
        built.run(GRAPHS[0])


def test_project_testbench_checks_expected_outputs(built, tmp_path):
    """The no-argument run is what Vitis csim_design does: tb_data/ in the working directory."""
    expected = [reference(g) for g in GRAPHS]
    out = _project(tmp_path / "prj", example_inputs=GRAPHS, expected_outputs=expected)
    ok = subprocess.run([str(built.binary)], cwd=out, capture_output=True, text=True)
    assert ok.returncode == 0, ok.stderr
    assert "3 graph(s), 60 value(s) compared, 0 mismatch(es)" in ok.stderr
    assert tb.parse_outputs(PORTS, ok.stdout)[1]["out0"].tolist() == expected[1]["out0"].tolist()

    expected[1]["out0"][3, 1] += 2.0**-8  # one bit off
    out = _project(tmp_path / "prj", force=True, example_inputs=GRAPHS, expected_outputs=expected)
    bad = subprocess.run([str(built.binary)], cwd=out, capture_output=True, text=True)
    assert bad.returncode == 1
    assert "MISMATCH graph 1 out0[3][1]" in bad.stderr and "1 mismatch(es)" in bad.stderr

    (out / "tb_data/input.txt").write_text("graph 2 1\nx 2 2\n0 0 0 0\nedge_index 2 1\n0\n7\n")
    broken = subprocess.run([str(built.binary)], cwd=out, capture_output=True, text=True)
    assert broken.returncode == 2 and "input.txt:6: edge_index value 7" in broken.stderr


# C++17 as gnnc's g++ builds it (-O1 runs the flow-sensitive warnings); C++14 is what the
# Vitis scripts pass, for the older compilers bundled with Vitis HLS.
@pytest.mark.parametrize("std, mode", [("c++17", "-c"), ("c++14", "-fsyntax-only")])
def test_testbench_compiles_without_warnings(ap_dir, tmp_path, std, mode):
    (tmp_path / "firmware").mkdir()
    (tmp_path / "tb").mkdir()
    (tmp_path / "firmware/toy.h").write_text(TOY_H)
    (tmp_path / "tb/toy_tb.cpp").write_text(tb.generate_testbench("toy", PORTS, MAX_N, MAX_E))
    res = subprocess.run(["g++", f"-std={std}", "-O1", "-Wall", "-Wextra", "-isystem", str(ap_dir),
                          mode, "tb/toy_tb.cpp", "-o", "tb.o"], cwd=tmp_path,
                         capture_output=True, text=True)
    assert res.returncode == 0, res.stderr
    assert res.stderr == ""


def test_compile_error_is_reported(ap_dir, tmp_path):
    from gnnc.csim import CSim

    broken = {**FIRMWARE, "toy.cpp": TOY_CPP.replace("agg[n] = 0;", "agg[n] = undefined_name;")}
    sim = CSim(top="toy", firmware=broken, ports=PORTS, max_nodes=MAX_N, max_edges=MAX_E,
               cache_dir=tmp_path)
    with pytest.raises(CSimError, match=r"(?s)g\+\+ failed.*undefined_name"):
        sim.build()
    assert [p.name for p in tmp_path.iterdir()] == [f"{sim.key()}.failed"]


_BIG_CAPACITY = """
import sys, warnings
warnings.simplefilter("ignore")
sys.path.insert(0, "examples")
import numpy as np, gnnc
from interaction_network import load_trackml_graphs, load_tracking_in
graphs = load_trackml_graphs()
design = gnnc.compile(load_tracking_in("add", "source_to_target", int(sys.argv[1])), graphs[0],
                      {"graph": {"max_nodes": 8192, "max_edges": 16384}, "precision": "fixed<16,8>"})
sim = design.csim(graphs[1], backend=sys.argv[2])
assert np.array_equal(sim, design.emulate(graphs[1]))
print("exact")
"""


@pytest.mark.skipif(shutil.which("g++") is None or shutil.which("bash") is None, reason="needs g++ and bash")
@pytest.mark.parametrize("hidden, backend", [(40, "vitis"), (8, "oneapi")])
def test_big_capacity_csim_needs_no_big_stack(trackml_dir, tmp_path, hidden, backend):
    """At 8192 x 16384 the IN's H=40 arrays are ~100 MB (H=8: ~20 MB): the C simulation keeps
    them off the stack (GNNC_LOCAL, static under GNNC_CSIM only; on oneAPI the kernel's pipe
    beats too), so it runs under an 8 MB hard stack limit (it segfaulted on both backends)."""
    repo = Path(__file__).resolve().parents[2]
    env = dict(os.environ, GNNC_TRACKML_DIR=str(trackml_dir), GNNC_CACHE_DIR=str(tmp_path / "cache"))
    script = [_BIG_CAPACITY, str(hidden), backend]
    proc = subprocess.run(["bash", "-c", f'ulimit -Hs 8192 && exec "{sys.executable}" -c "$0" "$1" "$2"', *script],
                          cwd=repo, env=env, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0 and "exact" in proc.stdout, proc.stderr[-2000:]
