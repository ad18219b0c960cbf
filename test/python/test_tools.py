"""The command-line drivers: `gnnc-opt` error handling, stdin, --version; the `gnnc` command."""

from __future__ import annotations

import io
import subprocess
import sys
import textwrap
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
from xdsl.context import Context
from xdsl.dialects import builtin
from xdsl.passes import ModulePass

import gnnc
from gnnc.errors import GnncError

with warnings.catch_warnings():
    # torch_geometric's import calls the deprecated torch.jit.script; import it once here
    # so that the model files these tests load do not trip -W error::DeprecationWarning.
    warnings.simplefilter("ignore", DeprecationWarning)
    import torch_geometric.nn  # noqa: F401
from gnnc.tools import gnnc_cli, gnnc_opt

GOOD = """\
func.func @main(%x: !gnn.nodes<3, f32>, %ei: !gnn.edge_index) -> !gnn.nodes<3, f32> {
  %xj = gnn.gather src %x, %ei : !gnn.nodes<3, f32> -> !gnn.edges<3, f32>
  %a = gnn.scatter sum dst %xj, %ei : !gnn.edges<3, f32> -> !gnn.nodes<3, f32>
  func.return %a : !gnn.nodes<3, f32>
}
"""

# The gather's result (and so the scatter's operand) has 4 features: the gather does not verify.
BAD_VERIFY = GOOD.replace("!gnn.edges<3, f32>", "!gnn.edges<4, f32>")
BAD_PARSE = GOOD.replace("!gnn.nodes<3, f32>,", "!gnn.nodes<3, !gnn.fixed<8, 2, banana>>,", 1)


def run_opt(capsys, args, stdin: str | None = None, monkeypatch=None):
    """main(args) -> (status, stdout, stderr)."""
    if stdin is not None:
        assert monkeypatch is not None
        monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(stdin.encode())))
    status = gnnc_opt.main(args)
    out, err = capsys.readouterr()
    return status, out, err


def assert_one_error(err: str, startswith: str, context_lines: int = 0) -> str:
    lines = err.rstrip("\n").splitlines()
    assert "Traceback" not in err
    assert len(lines) == 1 + context_lines, err
    assert lines[0].startswith(f"gnnc-opt: error: {startswith}"), err
    return lines[0]


@pytest.fixture
def good(tmp_path: Path) -> Path:
    path = tmp_path / "good.mlir"
    path.write_text(GOOD)
    return path


# --------------------------------------------------------------------------- #
# gnnc-opt: normal operation
# --------------------------------------------------------------------------- #


def test_version(capsys):
    status, out, _ = run_opt(capsys, ["--version"])
    assert status == 0
    assert out.strip() == f"gnnc-opt {gnnc.__version__} (xdsl 0.74.0)"


def test_roundtrip_file(capsys, good):
    status, out, err = run_opt(capsys, [str(good)])
    assert status == 0, err
    assert "gnn.scatter sum dst %xj, %ei" in out


def test_stdin(capsys, monkeypatch):
    status, out, err = run_opt(capsys, ["-p", "cse,dce"], stdin=GOOD, monkeypatch=monkeypatch)
    assert status == 0, err
    assert "gnn.gather src %x, %ei" in out


def test_xdsl_flags_still_work(capsys, good):
    status, out, _ = run_opt(capsys, [str(good), "--print-op-generic"])
    assert status == 0
    assert '"gnn.gather"(%x, %ei) <{end = #gnn<edge_end src>}>' in out


def test_unknown_extension_is_mlir(capsys, tmp_path):
    path = tmp_path / "model.ir"
    path.write_text(GOOD)
    status, out, _ = run_opt(capsys, [str(path)])
    assert status == 0
    assert "gnn.gather" in out


def test_gnnc_hls_dialect_replaces_xdsls(capsys, monkeypatch):
    # xDSL ships an experimental dialect also called `hls`; gnnc's must win.
    text = "func.func @f() {\n  %c = hls.constant 1 : index\n  func.return\n}\n"
    status, out, err = run_opt(capsys, [], stdin=text, monkeypatch=monkeypatch)
    assert status == 0, err
    assert "hls.constant 1 : index" in out


def test_lower_to_hls_prepends_named_pipeline():
    tool = gnnc_opt.GnncOptMain(
        ["--lower-to-hls", "--precision", "fixed<8,3>", "--max-nodes", "10", "-p", "cse"]
    )
    expected = gnnc.passes.lower_to_hls_pipeline("fixed<8,3>", 10, 56)
    assert tool.args.passes == f"{expected},cse"
    assert [p.name for p in tool.pipeline.passes][-1] == "cse"


# --------------------------------------------------------------------------- #
# gnnc-opt: user errors are one line, exit 1, no traceback
# --------------------------------------------------------------------------- #


def test_unknown_pass(capsys, good):
    status, _, err = run_opt(capsys, [str(good), "-p", "cse,canonicalise"])
    assert status == 1
    line = assert_one_error(err, "unknown pass 'canonicalise'")
    assert "did you mean 'canonicalize'?" in line
    assert "gnn-fixed-point" in line


def test_unknown_pass_option(capsys, good):
    status, _, err = run_opt(capsys, [str(good), "-p", "gnn-fixed-point{defualt=1}"])
    assert status == 1
    line = assert_one_error(err, "pass 'gnn-fixed-point' has no option 'defualt'")
    assert "did you mean 'default'?" in line


def test_bad_option_value(capsys, good):
    status, _, err = run_opt(capsys, [str(good), "-p", "gnn-fixed-point{max-edges=many}"])
    assert status == 1
    assert_one_error(err, "pass 'gnn-fixed-point': Incompatible types")


def test_malformed_pipeline(capsys, good):
    status, _, err = run_opt(capsys, [str(good), "-p", "cse{"])
    assert status == 1
    assert_one_error(err, "invalid pass pipeline: Expected argument name here", context_lines=2)


def test_unknown_target(capsys, good):
    status, _, err = run_opt(capsys, [str(good), "-t", "verilog"])
    assert status == 1
    line = assert_one_error(err, "argument -t/--target: invalid choice: 'verilog'")
    assert "vitis" in line


def test_unknown_flag(capsys, good):
    status, _, err = run_opt(capsys, [str(good), "--frobnicate"])
    assert status == 1
    assert_one_error(err, "unrecognized arguments: --frobnicate")


def test_lower_to_hls_flags_need_lower_to_hls(capsys, good):
    status, _, err = run_opt(capsys, [str(good), "--max-edges", "9"])
    assert status == 1
    assert_one_error(err, "--max-edges only applies with --lower-to-hls")


def test_bad_capacity(capsys, good):
    status, _, err = run_opt(capsys, [str(good), "--lower-to-hls", "--max-nodes", "0"])
    assert status == 1
    assert_one_error(err, "argument --max-nodes: expected a positive integer, got 0")


def test_missing_file(capsys, tmp_path):
    status, _, err = run_opt(capsys, [str(tmp_path / "nope.mlir")])
    assert status == 1
    assert_one_error(err, f"cannot read '{tmp_path / 'nope.mlir'}': No such file or directory")


def test_parse_error_points_at_the_line(capsys, tmp_path):
    path = tmp_path / "bad.mlir"
    path.write_text(BAD_PARSE)
    status, _, err = run_opt(capsys, [str(path)])
    assert status == 1
    line = assert_one_error(err, f"{path}:1:52: unknown !gnn.fixed option 'banana'", context_lines=2)
    assert "expected signed, unsigned" in line
    source, caret = err.splitlines()[1:]
    assert source == BAD_PARSE.splitlines()[0]
    assert caret == " " * 51 + "^" * len("banana")


def test_type_verifier_error_is_a_located_parse_error(capsys, monkeypatch):
    text = GOOD.replace("!gnn.nodes<3, f32>,", "!gnn.nodes<0, f32>,", 1)
    status, _, err = run_opt(capsys, [], stdin=text, monkeypatch=monkeypatch)
    assert status == 1
    assert_one_error(err, "stdin:1:21: !gnn.nodes needs 1 to 65536 features, got 0", context_lines=2)


def test_verify_error_points_at_the_op(capsys, tmp_path):
    path = tmp_path / "bad.mlir"
    path.write_text(BAD_VERIFY)
    status, _, err = run_opt(capsys, [str(path)])
    assert status == 1
    assert_one_error(err, f"{path}:2:3: 'gnn.gather': result must have 3 features, got 4", context_lines=2)
    assert err.splitlines()[1] == BAD_VERIFY.splitlines()[1]


def test_verify_error_line_counts_across_split_chunks(capsys, tmp_path):
    path = tmp_path / "split.mlir"
    path.write_text(GOOD + "// -----\n" + BAD_VERIFY)
    status, out, err = run_opt(capsys, [str(path), "--split-input-file"])
    assert status == 1
    assert "gnn.gather" in out  # the first chunk was fine and printed
    assert_one_error(err, f"{path}:8:3: 'gnn.gather'", context_lines=2)


def test_verify_diagnostics_still_exits_zero(capsys, tmp_path):
    path = tmp_path / "bad.mlir"
    path.write_text(BAD_VERIFY)
    status, out, err = run_opt(capsys, [str(path), "--verify-diagnostics"])
    assert status == 0
    assert err == ""
    assert out.startswith("'gnn.gather': result must have 3 features, got 4\n")


def test_parsing_diagnostics_still_exits_zero(capsys, tmp_path):
    path = tmp_path / "bad.mlir"
    path.write_text(BAD_PARSE)
    status, out, err = run_opt(capsys, [str(path), "--parsing-diagnostics"])
    assert status == 0
    assert err == ""
    assert "unknown !gnn.fixed option 'banana'" in out


# --------------------------------------------------------------------------- #
# gnnc-opt: errors raised by passes
# --------------------------------------------------------------------------- #


@dataclass(frozen=True)
class _UserErrorPass(ModulePass):
    name = "test-user-error"

    def apply(self, ctx: Context, op: builtin.ModuleOp) -> None:
        raise GnncError("the graph has no edges")


@dataclass(frozen=True)
class _CrashPass(ModulePass):
    name = "test-crash"

    def apply(self, ctx: Context, op: builtin.ModuleOp) -> None:
        raise KeyError("oops")


@dataclass(frozen=True)
class _BreakIRPass(ModulePass):
    name = "test-break-ir"

    def apply(self, ctx: Context, op: builtin.ModuleOp) -> None:
        from gnnc.dialects import gnn

        gather = next(o for o in op.walk() if isinstance(o, gnn.GatherOp))
        wrong = gnn.GatherOp.create(
            operands=list(gather.operands),
            result_types=[gnn.EdgesType(7)],
            properties=dict(gather.properties),
        )
        block = gather.parent_block()
        assert block is not None
        block.insert_op_before(wrong, gather)


@pytest.fixture
def test_passes(monkeypatch):
    real = gnnc.passes.get_all_passes

    def get_all_passes():
        def missing():
            from gnnc.passes import no_such_module  # type: ignore[attr-defined]  # noqa: F401

        return {
            **real(),
            "test-user-error": lambda: _UserErrorPass,
            "test-crash": lambda: _CrashPass,
            "test-break-ir": lambda: _BreakIRPass,
            "test-missing": missing,
        }

    monkeypatch.setattr(gnnc.passes, "get_all_passes", get_all_passes)


def test_gnnc_error_from_pass(capsys, good, test_passes):
    status, out, err = run_opt(capsys, [str(good), "-p", "cse,test-user-error"])
    assert status == 1
    assert out == ""
    assert_one_error(err, "test-user-error: the graph has no edges")


def test_gnnc_error_from_pass_with_verify_diagnostics(capsys, good, test_passes):
    status, out, err = run_opt(capsys, [str(good), "-p", "test-user-error", "--verify-diagnostics"])
    assert status == 0
    assert err == ""
    assert out.strip() == "test-user-error: the graph has no edges"


def test_internal_error_in_pass(capsys, good, test_passes):
    status, _, err = run_opt(capsys, [str(good), "-p", "test-crash"])
    assert status == 1
    line = err.strip()
    assert "Traceback" not in err and "\n" not in line
    assert line.startswith("gnnc-opt: error: internal error in pass 'test-crash': KeyError: 'oops'")
    assert "GNNC_TRACEBACK=1" in line


def test_pass_that_breaks_the_ir(capsys, good, test_passes):
    status, _, err = run_opt(capsys, [str(good), "-p", "test-break-ir"])
    assert status == 1
    assert_one_error(err, "IR does not verify after pass 'test-break-ir': 'gnn.gather'")


def test_registered_pass_whose_module_is_missing(capsys, good, test_passes):
    status, _, err = run_opt(capsys, [str(good), "-p", "test-missing"])
    assert status == 1
    assert_one_error(err, "pass 'test-missing' is registered but cannot be loaded")


def test_traceback_on_request(good, test_passes, monkeypatch):
    monkeypatch.setenv("GNNC_TRACEBACK", "1")
    with pytest.raises(KeyError):
        gnnc_opt.main([str(good), "-p", "test-crash"])


# --------------------------------------------------------------------------- #
# gnnc-opt as a process
# --------------------------------------------------------------------------- #


def _opt_process(args: list[str], stdin: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "gnnc.tools.gnnc_opt", *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_process_stdin_roundtrip():
    proc = _opt_process(["-p", "cse"], GOOD)
    assert proc.returncode == 0, proc.stderr
    assert "gnn.scatter sum dst" in proc.stdout


def test_process_error_exit_status_and_no_traceback():
    proc = _opt_process([], BAD_VERIFY)
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr
    assert proc.stderr.startswith("gnnc-opt: error: stdin:2:3: 'gnn.gather': result must have 3 features")


# --------------------------------------------------------------------------- #
# gnnc (the compile driver)
# --------------------------------------------------------------------------- #

TINY_MODEL = (Path(__file__).parent / "tiny_model.py").read_text()  # model() and example()


def run_cli(capsys, args):
    status = gnnc_cli.main(args)
    out, err = capsys.readouterr()
    return status, out, err


@pytest.fixture
def model_py(tmp_path: Path) -> Path:
    path = tmp_path / "tiny.py"
    path.write_text(TINY_MODEL)
    return path


class _FakeDesign:
    """Stands in for gnnc.Design (the CLI's contract with the API), for fast CLI tests."""

    input_names = ["x", "edge_index"]
    output_names = ["out0"]
    max_nodes, max_edges, top = 8, 12, "tiny"

    def __init__(self, csim_offset: float = 0.0):
        self.csim_offset = csim_offset

    def mlir(self, stage: str = "gnn") -> str:
        return GOOD

    def write(self, out_dir, backend="vitis", force=False) -> Path:
        out = Path(out_dir)
        if out.exists() and not force:
            raise GnncError(f"{out} exists; pass --force to replace it")
        (out / "firmware").mkdir(parents=True, exist_ok=True)
        (out / "firmware" / "tiny.cpp").write_text("// C++\n")
        (out / "build.tcl").write_text("# tcl\n")
        return out

    def emulate(self, *inputs, fixed=True):
        return np.array([[0.5, -0.25]])

    def csim(self, *inputs, backend="vitis"):
        return np.array([[0.5, -0.25 + self.csim_offset]])


class _FakeCompile:
    def __init__(self):
        self.calls: list[tuple] = []
        self.design = _FakeDesign()

    def __call__(self, model, example, config=None):
        self.calls.append((model, example, config))
        return self.design


@pytest.fixture
def fake_compile(monkeypatch) -> _FakeCompile:
    fake = _FakeCompile()
    monkeypatch.setattr(gnnc, "compile", fake)
    return fake


def test_cli_version(capsys):
    status, out, _ = run_cli(capsys, ["--version"])
    assert status == 0
    assert out.strip() == f"gnnc {gnnc.__version__}"


def test_cli_usage_error_is_one_line(capsys):
    status, _, err = run_cli(capsys, ["compile", "model.py"])
    assert status == 1
    assert "Traceback" not in err
    assert err.strip() == "gnnc: error: the following arguments are required: -o/--output (see gnnc compile --help)"


def test_cli_compile_summary(capsys, model_py, tmp_path, fake_compile):
    out_dir = tmp_path / "proj"
    config_yaml = tmp_path / "c.yaml"
    config_yaml.write_text('precision: {default: "fixed<12,4>"}\n')
    status, out, err = run_cli(
        capsys, ["compile", str(model_py), "--config", str(config_yaml), "-o", str(out_dir), "--csim"]
    )
    assert status == 0, err
    ((model, example, config),) = fake_compile.calls
    assert type(model).__name__ == "Tiny" and isinstance(example, tuple)
    assert config == gnnc.load_config(config_yaml)  # read once by the CLI (a pipe could not be read twice)
    assert "precision  fixed<12, 4>; capacity 8 nodes x 12 edges" in out.replace("<12,4>", "<12, 4>")
    assert "compiled Tiny from" in out
    assert "gnn 2 (gather 1, scatter 1)" in out
    assert "capacity 8 nodes x 12 edges" in out
    assert f"wrote      {out_dir}/ (2 files" in out
    assert "firmware/tiny.cpp" in out
    assert "csim       bit-identical to the emulator: 1 output, 2 values" in out
    assert len(out.splitlines()) <= 24  # one screen


def test_cli_csim_mismatch_fails(capsys, model_py, tmp_path, fake_compile):
    fake_compile.design = _FakeDesign(csim_offset=2.0**-10)
    status, out, err = run_cli(capsys, ["compile", str(model_py), "-o", str(tmp_path / "p"), "--csim"])
    assert status == 1
    assert "DIFFERS from the emulator: output out0: 1 of 2 values differ" in out
    assert err.startswith("gnnc: error: the C simulation is not bit-identical")


def test_cli_refuses_to_overwrite(capsys, model_py, tmp_path, fake_compile):
    out_dir = tmp_path / "p"
    out_dir.mkdir()
    status, _, err = run_cli(capsys, ["compile", str(model_py), "-o", str(out_dir)])
    assert status == 1
    assert err.strip() == f"gnnc: error: {out_dir} exists; pass --force to replace it"
    status, _, err = run_cli(capsys, ["compile", str(model_py), "-o", str(out_dir), "--force"])
    assert status == 0, err


def test_cli_mlir_prints_the_ir(capsys, model_py, fake_compile):
    status, out, _ = run_cli(capsys, ["mlir", str(model_py), "--stage", "fixed"])
    assert status == 0
    assert out == GOOD


def test_cli_model_file_without_functions(capsys, tmp_path, fake_compile):
    path = tmp_path / "empty_model.py"
    path.write_text("import torch\n\ndef example():\n    return ()\n")
    status, _, err = run_cli(capsys, ["mlir", str(path)])
    assert status == 1
    assert "Traceback" not in err
    assert err.startswith(f"gnnc: error: {path} defines no model(): a model file must define model()")


def test_cli_missing_model_file(capsys, tmp_path):
    status, _, err = run_cli(capsys, ["mlir", str(tmp_path / "nope.py")])
    assert status == 1
    assert err.strip() == f"gnnc: error: model file {tmp_path / 'nope.py'} does not exist"


def test_cli_model_file_that_raises(capsys, tmp_path, fake_compile):
    path = tmp_path / "broken.py"
    path.write_text(textwrap.dedent("""\
        def model():
            return undefined_name

        def example():
            return ()
        """))
    status, _, err = run_cli(capsys, ["mlir", str(path)])
    assert status == 1
    assert "Traceback" not in err
    assert err.strip() == (
        "gnnc: error: broken.py:2: NameError: name 'undefined_name' is not defined "
        "(while calling model())"
    )


def test_cli_model_must_be_a_module(capsys, tmp_path, fake_compile):
    path = tmp_path / "notnn.py"
    path.write_text("def model():\n    return 42\n\ndef example():\n    return ()\n")
    status, _, err = run_cli(capsys, ["mlir", str(path)])
    assert status == 1
    assert err.strip() == f"gnnc: error: {path}: model() returned int, expected a torch.nn.Module"


def test_cli_gnnc_error_from_compile(capsys, model_py, monkeypatch):
    def compile(model, example, config=None):  # noqa: A001
        raise gnnc.ConfigError("unknown config key precison; known: backend, graph, precision")

    monkeypatch.setattr(gnnc, "compile", compile)
    status, _, err = run_cli(capsys, ["mlir", str(model_py)])
    assert status == 1
    assert err.strip() == "gnnc: error: unknown config key precison; known: backend, graph, precision"


def test_cli_config_checked_before_the_model_loads(capsys, tmp_path, fake_compile):
    config = tmp_path / "c.yaml"
    config.write_text("precison: fixed<8,3>\n")
    status, _, err = run_cli(capsys, ["mlir", str(tmp_path / "not-loaded.py"), "--config", str(config)])
    assert status == 1
    assert err.startswith("gnnc: error: unknown config key precison")


def test_cli_end_to_end(capsys, model_py, tmp_path):
    """The real API: compile the tiny model, write the project, C-simulate it."""
    config = tmp_path / "config.yaml"
    config.write_text('precision: {default: "fixed<16,6>"}\ngraph: {max_nodes: 8, max_edges: 12}\n')
    out_dir = tmp_path / "proj"
    status, out, err = run_cli(
        capsys, ["compile", str(model_py), "--config", str(config), "-o", str(out_dir), "--csim"]
    )
    assert status == 0, err
    assert "precision  fixed<16, 6>; capacity 8 nodes x 12 edges" in out.replace("<16,6>", "<16, 6>")
    assert "csim       bit-identical to the emulator" in out
    assert out_dir.is_dir()


@pytest.mark.parametrize("module", ["gnnc.tools.gnnc_opt", "gnnc.tools.gnnc_cli"])
def test_a_reader_that_goes_away_ends_the_command_quietly(module):
    """`gnnc-opt m.mlir | head`: the pipe closes before gnnc writes; no traceback, no 'internal error'."""
    source = Path(__file__).parents[1] / "filecheck" / "tools" / "lower-to-hls.mlir"
    args = [str(source), "--lower-to-hls", "--max-nodes", "4", "--max-edges", "8", "-t", "vitis"]
    if module.endswith("cli"):
        args = ["--help"]
    proc = subprocess.Popen([sys.executable, "-m", module, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    proc.stdout.close()  # the reader is gone before the first write
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=300) in (0, 141), err
    assert "Traceback" not in err and "internal error" not in err, err
