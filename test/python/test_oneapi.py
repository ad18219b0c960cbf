"""The Intel oneAPI backend: bit-identical to the emulator and to the Vitis C simulation.

* the tracking IN (H=8 and H=40 add; mean and max at H=40) on all 10 TrackML graphs:
  oneAPI csim == emulate == Vitis csim, bit for bit;
* ac_fixed (as the oneAPI printer spells types) agrees with gnnc.fixed on random types,
  modes and values: conversions from double and between types, raw-bit construction;
* the written project: layout, CMake targets, README, and it builds and passes with g++;
* the kernel compiles warning-free with g++, and what g++ cannot check (where the loop
  pragmas and attributes stand) is checked on the text.
"""

from __future__ import annotations

import re
import subprocess
import sys

import numpy as np
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
import cpp_harness
from fixed_strategies import cast_cases, double_cases
from interaction_network import load_tracking_in

import gnnc
from gnnc.backends.oneapi import printer as oneapi_printer
from gnnc.backends.vitis import printer as vitis_printer
from gnnc.backends.oneapi.project import fpga_device
from gnnc.csim import CSim, ac_types_dir
from gnnc.dialects import hls
from gnnc.dialects.gnn import FixedType, OverflowMode, QuantMode
from gnnc.fixed import cast, quantize, to_float
from gnnc.ir import parse_module
from gnnc.parts import lookup

CONFIG = {"graph": {"max_nodes": 128, "max_edges": 256}, "precision": "fixed<16,8>"}
MODELS = [("add", 8), ("add", 40), ("mean", 40), ("max", 40)]
WARN_FLAGS = ["-std=c++17", "-O1", "-Wall", "-Wextra", "-Werror", "-Wno-unknown-pragmas"]


@pytest.fixture(scope="module", params=MODELS, ids=[f"{a}-H{h}" for a, h in MODELS])
def design(request, trackml_dir, graphs):
    aggr, hidden = request.param
    model = load_tracking_in(aggr, "source_to_target", hidden, trackml_dir)
    return gnnc.compile(model, graphs[0], CONFIG)


@pytest.fixture(scope="module")
def small(trackml_dir, graphs):
    model = load_tracking_in("add", "source_to_target", 8, trackml_dir)
    return gnnc.compile(model, graphs[0], CONFIG)


# -- bit-exact -------------------------------------------------------------------------------


def test_oneapi_csim_equals_emulator_and_vitis(design, graphs):
    oneapi = design.csim_many([(g,) for g in graphs], backend="oneapi")
    vitis = design.csim_many([(g,) for g in graphs], backend="vitis")
    exact = [np.array_equal(o[0], design.emulate(g)) and np.array_equal(o[0], v[0])
             for o, v, g in zip(oneapi, vitis, graphs)]
    assert all(exact), f"oneAPI bit-exact on {sum(exact)}/10 graphs"
    assert oneapi[0][0].shape == (graphs[0].num_edges, 1)


def test_csim_single_graph_and_per_backend_caches(small, graphs, tmp_path):
    g = graphs[4]
    assert np.array_equal(small.csim(g, backend="oneapi"), small.emulate(g))
    assert set(small._csim) >= {"oneapi"}
    src = small.sources("oneapi")
    keys = {b: CSim(top=src.top, firmware=small.sources(b).files, ports=small.sources(b).ports,
                    max_nodes=128, max_edges=256, cache_dir=tmp_path, backend=b).key()
            for b in ("vitis", "oneapi")}
    assert keys["vitis"] != keys["oneapi"]


def test_config_backend_oneapi_is_the_default(trackml_dir, graphs):
    model = load_tracking_in("add", "source_to_target", 8, trackml_dir)
    d = gnnc.compile(model, graphs[0], {**CONFIG, "backend": "oneapi"})
    assert f"{d.top}.hpp" in d.sources().files
    assert "ap_fixed" not in d.sources().files[f"{d.top}.cpp"]


def test_estimate_is_for_the_part_each_backend_targets(small, tmp_path):
    """A Vitis-configured design written for oneAPI records the estimate on the Agilex 7 that
    project targets, as `design.estimate("oneapi")` gives it (not the config's AMD part's)."""
    amd, intel = small.estimate(), small.estimate("oneapi")
    assert amd["part"]["name"] == "xcvu9p" and intel["part"]["name"] == lookup(fpga_device(small.config.part)).name == "agf014"
    assert intel["part"]["vendor"] == "intel" and intel["total"] != amd["total"]
    written = gnnc.read_report(small.write(tmp_path / "oneapi", backend="oneapi")).estimate
    assert written["part"] == intel["part"] and written["total"] == intel["total"]


def test_unknown_backend_errors(small, graphs, tmp_path):
    for call in (lambda: small.csim(graphs[0], backend="quartus"),
                 lambda: small.sources("quartus"),
                 lambda: small.write(tmp_path / "p", backend="quartus")):
        with pytest.raises(gnnc.GnncError, match="backend 'quartus' is not available; this version supports: vitis, oneapi"):
            call()
    with pytest.raises(gnnc.ConfigError, match="backend: 'quartus' is not one of vitis, oneapi"):
        gnnc.load_config({"backend": "quartus"})
    assert not (tmp_path / "p").exists()


def test_gnnc_opt_target_oneapi_prints_the_same_kernel(small):
    result = subprocess.run(
        [sys.executable, "-m", "gnnc.tools.gnnc_opt", "-t", "oneapi"],
        input=small.mlir("hls"), capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stderr
    for name, text in small.sources("oneapi").files.items():
        assert f"// ---- {name} ----\n{text}" in result.stdout


# -- ac_fixed semantics (as the oneAPI printer spells the types) -----------------------------


def run_ac(tmp_path, body: str) -> list[float]:
    return [float(v) for v in cpp_harness.run_ac(tmp_path, body)]


@settings(max_examples=3, deadline=None, derandomize=True, phases=[Phase.explicit, Phase.generate],
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(double_cases(), min_size=60, max_size=60),
       st.lists(cast_cases(), min_size=60, max_size=60))
def test_ac_fixed_matches_the_emulator(tmp_path, doubles, casts):
    """Every quantization and overflow mode, mapped AP_X -> AC_X, rounds and saturates as the
    emulator (and so as ap_fixed) does; gnnc_raw (set_slc) places raw bits exactly."""
    c_type = oneapi_printer.c_type
    body, expected, cases = [], [], []
    for t, v in doubles:
        body.append(f"  show({c_type(t)}({v!r}));\n")
        expected.append(to_float(quantize([v], t), t)[0])
        cases.append(f"{c_type(t)}({v!r})")
    for k, (src, dst, raw) in enumerate(casts):
        body.append(f"  {{ {c_type(src)} s{k} = gnnc_raw<{c_type(src)}>({raw}LL); "
                    f"{c_type(dst)} d{k} = s{k}; show(s{k}); show(d{k}); }}\n")
        expected += [to_float(np.array([raw]), src)[0], to_float(cast(np.array([raw]), src.f, dst), dst)[0]]
        cases += [f"gnnc_raw<{c_type(src)}>({raw})", f"{c_type(src)} raw {raw} -> {c_type(dst)}"]
    got = run_ac(tmp_path, "".join(body))
    mismatches = [(c, g, e) for c, g, e in zip(cases, got, expected) if g != e]
    assert not mismatches, f"{len(mismatches)} mismatches, first: {mismatches[:3]}"


def test_mode_spelling_is_one_to_one():
    for q in QuantMode:
        for o in OverflowMode:
            t = FixedType(12, 4, True, q.value, o.value)
            vitis = vitis_printer.c_type(t)
            oneapi = oneapi_printer.c_type(t)
            if (q.value, o.value) == ("trn", "wrap"):
                assert (vitis, oneapi) == ("ap_fixed<12, 4>", "ac_fixed<12, 4, true>")
            else:
                assert oneapi == vitis.replace("ap_fixed<12, 4", "ac_fixed<12, 4, true").replace("AP_", "AC_")
    assert oneapi_printer.c_type(FixedType(8, 2, False)) == "ac_fixed<8, 2, false>"


# -- the project -----------------------------------------------------------------------------


def test_project_layout_and_build(small, tmp_path):
    out = small.write(tmp_path / "prj", backend="oneapi")
    top = small.top
    files = sorted(str(p.relative_to(out)) for p in out.rglob("*") if p.is_file())
    assert files == sorted([
        "CMakeLists.txt", "README.md", "gnnc_config.yaml", "estimate.json", "gnnc_manifest.json",
        "gnnc_design.mlir", "gnnc_design.json",
        f"src/{top}.hpp", f"src/{top}.cpp", f"src/{top}_weights.hpp", "src/gnnc_support.hpp",
        f"src/{top}_host.cpp", "tb_data/input.txt", "tb_data/expected.txt",
        "sycl_standin/gnnc_sycl_standin.hpp", "sycl_standin/sycl/sycl.hpp",
        "sycl_standin/sycl/ext/intel/fpga_extensions.hpp",
        "sycl_standin/sycl/ext/intel/experimental/task_sequence.hpp",
        "sycl_standin/sycl/ext/intel/ac_types/ac_fixed.hpp",
        "sycl_standin/sycl/ext/intel/ac_types/ac_int.hpp"])
    cmake = (out / "CMakeLists.txt").read_text()
    for target in ("fpga_emu", "report", "fpga_sim", "fpga"):
        assert re.search(rf"^add_executable\({target}\b", cmake, re.M), target
    for flag in ("-fsycl -fintelfpga ${QACTYPES}", "-qactypes", "-Xshardware", "-Xssimulation",
                 "-fsycl-link=early", "-Xstarget=${FPGA_DEVICE}", "-DFPGA_EMULATOR",
                 "-DFPGA_SIMULATOR", "-DFPGA_HARDWARE", "set(CMAKE_CXX_COMPILER icpx)",
                 'set(FPGA_DEVICE "Agilex7")', 'set(CLOCK_TARGET "5ns")'):
        assert flag in cmake, flag
    readme = (out / "README.md").read_text()
    for text in ("cmake -B build", "--target fpga_emu", "--target report", "--target fpga_sim",
                 "--target fpga ", "`xcvu9p-flga2104-2L-e` is an AMD part", "g++ -std=c++17"):
        assert text in readme, text
    assert "backend: oneapi" in (out / "gnnc_config.yaml").read_text()
    assert "#include <sycl/ext/intel/ac_types/ac_fixed.hpp>" in (out / f"src/{top}.hpp").read_text()

    # Built as the README says, the host program reproduces the emulator's bits on its data.
    exe = tmp_path / "csim"
    build = subprocess.run(
        ["g++", "-std=c++17", "-O1", "-Wno-unknown-pragmas", "-Isycl_standin", "-Isrc", "-isystem",
         str(ac_types_dir()), f"src/{top}.cpp", f"src/{top}_host.cpp", "-o", str(exe)],
        cwd=out, capture_output=True, text=True, timeout=300)
    assert build.returncode == 0, build.stderr[:2000]
    run = subprocess.run([str(exe)], cwd=out, capture_output=True, text=True, timeout=60)
    assert run.returncode == 0 and "0 mismatch(es)" in run.stderr, run.stdout + run.stderr
    with pytest.raises(gnnc.GnncError, match="force"):
        small.write(out, backend="oneapi")
    small.write(out, backend="oneapi", force=True)


def test_fpga_device_from_part():
    assert fpga_device("xcvu9p-flga2104-2L-e") == "Agilex7"
    assert fpga_device("xck26-sfvc784-2LV-c") == "Agilex7"
    for intel in ("Agilex7", "Stratix10", "AGFB014R24A3EV", "intel_s10sx_pac:pac_s10"):
        assert fpga_device(intel) == intel
    with pytest.raises(gnnc.GnncError, match="not a valid FPGA device name"):
        fpga_device("Agilex 7; rm -rf")


def test_kernel_and_host_compile_without_warnings(design, tmp_path):
    """-Wno-unknown-pragmas is for `#pragma unroll` (g++ cannot silence it in-file before
    GCC 13); `[[intel::...]]` attributes are silenced by a g++-only pragma in the kernel."""
    src = tmp_path / "src"
    src.mkdir()
    for name, text in design.sources("oneapi").files.items():
        (src / name).write_text(text)
    runner = design._csim_runner("oneapi")
    for rel, text in runner.layout.files.items():
        path = tmp_path / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    for unit in (f"src/{design.top}.cpp", f"src/{design.top}_host.cpp"):
        result = subprocess.run(
            ["g++", *WARN_FLAGS, "-Isycl_standin", "-Isrc", "-isystem", str(ac_types_dir()),
             "-c", unit, "-o", str(tmp_path / "unit.o")],
            cwd=tmp_path, capture_output=True, text=True, timeout=300)
        assert result.returncode == 0, result.stderr[:3000]


# -- what g++ cannot check ---------------------------------------------------------------------

_LOOP_ATTR = re.compile(r"\[\[intel::(initiation_interval|max_concurrency|ivdep|"
                        r"speculated_iterations|disable_loop_pipelining|loop_coalesce)\b.*\]\]$")
_MEM_ATTR = re.compile(r"\[\[intel::(fpga_register|numbanks|bankwidth|bank_bits|fpga_memory|"
                       r"max_replicates|private_copies|doublepump|singlepump|force_pow2_depth)\b")


def check_structure(cpp: str) -> dict[str, int]:
    """Where oneAPI loop pragmas and attributes may stand, as clang/icpx parse them:
    `#pragma unroll [N]` then loop attributes then the `for`; an attribute list in front of
    a loop pragma is an error ("an attribute list cannot appear here"). Memory attributes
    open a declaration. Returns counts."""
    lines = [ln.strip() for ln in cpp.splitlines()]
    counts = {"unroll": 0, "loop_attr": 0, "mem_attr": 0, "for": 0}
    for k, line in enumerate(lines):
        if line.startswith("#pragma unroll"):
            counts["unroll"] += 1
            assert re.fullmatch(r"#pragma unroll( [1-9]\d*)?", line), line
            j = k + 1
            while _LOOP_ATTR.match(lines[j]):
                j += 1
            assert lines[j].startswith("for ("), f"line {k + 1}: '#pragma unroll' is followed by {lines[j]!r}"
        elif _LOOP_ATTR.match(line):
            counts["loop_attr"] += 1
            j = k + 1
            while _LOOP_ATTR.match(lines[j]):
                j += 1
            assert lines[j].startswith("for ("), f"line {k + 1}: loop attribute before {lines[j]!r}"
            prev = lines[k - 1]
            assert not prev.startswith("[[") or _LOOP_ATTR.match(prev), f"line {k + 1}"
        elif "[[intel::" in line:
            counts["mem_attr"] += 1
            assert _MEM_ATTR.match(line), f"line {k + 1}: unknown or misplaced attribute {line!r}"
            assert re.match(r"\[\[intel::[^\]]*\]\] (static const )?[A-Za-z_][\w<>, ]* \w+(\[\d+\])*( = .*)?;$", line), \
                f"line {k + 1}: a memory attribute must open a declaration: {line!r}"
        if line.startswith("for ("):
            counts["for"] += 1
        # An attribute list directly before a loop pragma does not parse.
        if line.startswith("[[") and k + 1 < len(lines):
            assert not lines[k + 1].startswith("#pragma unroll"), f"line {k + 1}: attribute before #pragma unroll"
    return counts


def test_kernel_structure(design):
    files = design.sources("oneapi").files
    cpp = files[f"{design.top}.cpp"]
    counts = check_structure(cpp)
    module = design.module("hls")
    loops = [op for op in module.walk() if isinstance(op, hls.ForOp)]
    assert counts["for"] == len(loops)
    assert counts["unroll"] == sum(op.unroll is not None for op in loops) == len(loops)
    assert counts["loop_attr"] == sum(op.pipeline_ii is not None for op in loops)
    partitioned = [op for op in module.walk() if isinstance(op, hls.AllocaOp) and op.partition]
    ports = [p for p in design.sources("oneapi").ports if p.role != "count"]
    assert counts["mem_attr"] == len(partitioned) + len(ports)  # every port is held in registers
    check_structure(files[f"{design.top}_weights.hpp"])
    assert "#pragma HLS" not in cpp and "ap_fixed" not in cpp and "ap_int" not in cpp


def test_structure_checker_rejects_misplaced_directives():
    good = "#pragma unroll 2\n[[intel::initiation_interval(1)]]\nfor (int i = 0; i < 4; i++) {\n}\n"
    assert check_structure(good) == {"unroll": 1, "loop_attr": 1, "mem_attr": 0, "for": 1}
    for bad in ("[[intel::initiation_interval(1)]]\n#pragma unroll\nfor (int i = 0; i < 4; i++) {\n}\n",
                "#pragma unroll\nint x = 0;\nfor (int i = 0; i < 4; i++) {\n}\n",
                "[[intel::initiation_interval(1)]]\nx = 1;\n",
                "int a[4]; [[intel::fpga_register]]\n"):
        with pytest.raises(AssertionError):
            check_structure(bad)


def test_interface_without_a_pipe_protocol_is_refused():
    text = """
func.func @t(%x: memref<4x2x!gnn.fixed<8, 3>> {hls.name = "x", hls.direction = "in", hls.role = "features", hls.rows = "nodes", hls.interface = "ap_memory"}, %n: ui3 {hls.name = "n_nodes", hls.direction = "in", hls.role = "count", hls.rows = "nodes"}, %y: memref<4x2x!gnn.fixed<8, 3>> {hls.name = "y", hls.direction = "out", hls.role = "features", hls.rows = "nodes"}) attributes {hls.top, hls.max_nodes = 4 : i64, hls.max_edges = 6 : i64} {
  func.return
}
"""
    with pytest.raises(gnnc.GnncError, match="port 'x': interface 'ap_memory' has no oneAPI host-pipe protocol"):
        oneapi_printer.print_oneapi(parse_module(text))
