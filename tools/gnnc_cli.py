"""
The `gnnc` command: compile a PyTorch Geometric model file into an HLS project.

```sh
gnnc compile model.py --config config.yaml -o out/ [--backend vitis|oneapi] [--force] [--csim]
gnnc mlir model.py --config config.yaml [--stage gnn|fixed|hls]
gnnc report PRJ [--plot FILE.png]
gnnc csim PRJ --data 'graphs/*.npz' [--backend vitis|oneapi] [-o OUT]
gnnc build PRJ [--steps csim,synth] [--target report] [--print]
gnnc opt [gnnc-opt arguments]          # = gnnc-opt
gnnc sweep model.py --space space.yaml --data 'graphs/*.npz' -o DIR [--scheduler ADDRESS] [--best]
gnnc demo [--out DIR] [--data DIR] [--graphs N] [--widths W,W,...] [--force]
```

MODEL_PY is a Python file that defines two functions:

```python
def model() -> torch.nn.Module: ...   # the trained model, in eval mode
def example(): ...                     # its example input: a tuple of forward() args, or a PyG Data
```

Errors a user can fix (a missing function, a bad config key, an unsupported layer, a
failing C simulation) print one `gnnc: error: ...` line and exit 1; an exception raised
by the model file's own code is reported with its file and line. No Python traceback is
printed unless GNNC_TRACEBACK=1 is set.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import sys
import time
import traceback
import warnings
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType
from typing import IO, Any, NoReturn

from gnnc.errors import GnncError, clip, clip_lines, reader_went_away
from gnnc.tools.project_commands import add_build_parser, add_csim_parser, cmd_build, cmd_csim

PROG = "gnnc"
STAGES = ("gnn", "fixed", "hls")


class _ArgumentParser(argparse.ArgumentParser):
    """Usage errors as one `gnnc: error:` line and exit 1, like every other gnnc error."""

    def error(self, message: str) -> NoReturn:
        raise GnncError(f"{message} (see {self.prog} --help)")


def _version() -> str:
    try:
        from importlib.metadata import version

        return version("gnnc")
    except Exception:
        import gnnc

        return getattr(gnnc, "__version__", "unknown")


def build_parser() -> argparse.ArgumentParser:
    parser = _ArgumentParser(
        prog=PROG,
        description="Compile a trained PyTorch Geometric GNN into an FPGA HLS C++ project.",
        epilog="MODEL_PY defines model() returning the nn.Module and example() returning its "
        "example input (a tuple of forward() arguments, or a PyG Data).",
    )
    parser.add_argument("--version", action="version", version=f"{PROG} {_version()}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_ArgumentParser)
    sub.required = True

    def common(p: argparse.ArgumentParser) -> None:
        p.add_argument("model_py", metavar="MODEL_PY", help="Python file defining model() and example()")
        p.add_argument(
            "--config",
            "-c",
            metavar="CONFIG.yaml",
            help="compile configuration (YAML); all defaults if omitted",
        )

    c = sub.add_parser("compile", help="write the HLS project for a model")
    common(c)
    c.add_argument("-o", "--output", dest="out_dir", required=True, metavar="OUT_DIR", help="project directory")
    c.add_argument("--backend", choices=("vitis", "oneapi"), default=None,
                   help="HLS backend (default: the config's backend, else vitis)")
    c.add_argument("--force", action="store_true", help="replace OUT_DIR if it exists")
    c.add_argument(
        "--csim",
        action="store_true",
        help="also build the C++ with g++, run it on the example and compare it bit for bit "
        "with the fixed-point emulator (exit 1 if they differ)",
    )

    add_report_parser(sub)
    add_csim_parser(sub)
    add_build_parser(sub)
    add_sweep_parser(sub)
    sub.add_parser("opt", help="run passes on textual IR: the same as gnnc-opt (gnnc opt --help)", add_help=False)
    add_demo_parser(sub)

    m = sub.add_parser("mlir", help="print the model's IR at one stage")
    common(m)
    m.add_argument("--stage", choices=STAGES, default="gnn", help="gnn (float, as imported), "
                   "fixed (after gnn-fixed-point) or hls (default: gnn)")
    return parser


# --------------------------------------------------------------------------- #
# Loading MODEL_PY
# --------------------------------------------------------------------------- #


class UserCodeError(GnncError):
    """An exception raised by the user's model file, located at its line there."""


def _user_code_error(err: BaseException, path: Path, doing: str) -> UserCodeError:
    """`model.py:12: NameError: ... (while calling model())` — the innermost frame in the file."""
    frames = traceback.extract_tb(err.__traceback__)
    in_file = [f for f in frames if Path(f.filename).resolve() == path]
    where = f"{path.name}:{in_file[-1].lineno}" if in_file else path.name
    message = str(err).strip().splitlines()[0] if str(err).strip() else ""
    what = f"{type(err).__name__}: {clip(message, 300)}" if message else type(err).__name__
    if isinstance(err, SystemExit):  # the file's own sys.exit() must not end gnnc without a word
        what = f"the model file called sys.exit({err.code!r})"
    return UserCodeError(f"{where}: {what} (while {doing})")


def load_model_file(model_py: str | Path) -> ModuleType:
    """Execute MODEL_PY as a module. Its folder goes on sys.path so it can import its neighbours."""
    path = Path(model_py).resolve()
    if not path.is_file():
        raise GnncError(f"model file {model_py} does not exist")
    name = f"gnnc_model_{abs(hash(str(path)))}"
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise GnncError(f"model file {model_py} cannot be loaded as Python (expected a .py file)")
    module = importlib.util.module_from_spec(spec)
    folder = str(path.parent)
    if folder not in sys.path:
        sys.path.insert(0, folder)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except GnncError:
        raise
    except (Exception, SystemExit) as err:  # the user's code: report where it failed, not our stack
        sys.modules.pop(name, None)
        raise _user_code_error(err, path, f"loading {path.name}") from err
    return module


def model_and_example(model_py: str | Path) -> tuple[Any, Any]:
    """Call model() and example() of MODEL_PY; a missing one is an error naming the file."""
    path = Path(model_py).resolve()
    module = load_model_file(model_py)
    missing = [f for f in ("model", "example") if not callable(getattr(module, f, None))]
    if missing:
        names = " and ".join(f"{f}()" for f in missing)
        raise GnncError(
            f"{model_py} defines no {names}: a model file must define model() returning the "
            "nn.Module and example() returning its example input (a tuple of forward() "
            "arguments, or a PyG Data)"
        )
    results = []
    for fn in ("model", "example"):
        try:
            results.append(getattr(module, fn)())
        except GnncError:
            raise
        except (Exception, SystemExit) as err:
            raise _user_code_error(err, path, f"calling {fn}()") from err
    model, example = results
    try:
        from torch import nn
    except ImportError:  # pragma: no cover - torch is a dependency
        nn = None
    if nn is not None and not isinstance(model, nn.Module):
        raise GnncError(f"{model_py}: model() returned {type(model).__name__}, expected a torch.nn.Module")
    return model, example


# --------------------------------------------------------------------------- #
# Commands
# --------------------------------------------------------------------------- #


def _args_of(example: Any) -> tuple:
    return example if isinstance(example, tuple) else (example,)


def _as_list(outputs: Any) -> list:
    return list(outputs) if isinstance(outputs, tuple | list) else [outputs]


def _op_counts(design: Any, stage: str) -> Counter[str]:
    """Ops of a stage's IR by name, without the func/builtin scaffolding."""
    try:
        module = design.module(stage)
    except Exception:
        from gnnc.ir import parse_module

        module = parse_module(design.mlir(stage), f"<{stage}>")
    skip = ("builtin.", "func.")
    return Counter(op.name for op in module.walk() if not op.name.startswith(skip))


def _format_counts(counts: Counter[str], limit: int = 6) -> str:
    total = sum(counts.values())
    parts = [f"{name.split('.', 1)[-1]} {n}" for name, n in counts.most_common(limit)]
    more = "" if len(counts) <= limit else ", ..."
    return f"{total} ({', '.join(parts)}{more})"


def _precision(design: Any, config: Any) -> str:
    if getattr(design, "calibration", None) is not None:
        return "automatic (precision.auto), per op below"
    cfg = getattr(design, "config", None) or config
    value = getattr(cfg, "precision_default", None)
    if value is None and hasattr(cfg, "to_dict"):
        value = cfg.to_dict().get("precision", {}).get("default")
    return str(value or "?")


def _files_summary(root: Path, limit: int = 8) -> tuple[str, list[str]]:
    files = sorted(p for p in root.rglob("*") if p.is_file())
    size = sum(p.stat().st_size for p in files)
    listing = [str(p.relative_to(root)) for p in files[:limit]]
    if len(files) > limit:
        listing.append(f"... and {len(files) - limit} more")
    return f"{root}/ ({len(files)} files, {size / 1024:.0f} kB)", listing


def _compare(csim_out: list, emu_out: list, names: Sequence[str]) -> tuple[bool, str]:
    """Bit-identity of csim and emulator outputs, with a one-line account of any difference."""
    import numpy as np

    if len(csim_out) != len(emu_out):
        return False, f"C simulation gave {len(csim_out)} outputs, the emulator {len(emu_out)}"
    values = 0
    for k, (c, e) in enumerate(zip(csim_out, emu_out)):
        c, e = np.asarray(c, dtype=np.float64), np.asarray(e, dtype=np.float64)
        name = names[k] if k < len(names) else f"out{k}"
        if c.shape != e.shape:
            return False, f"output {name}: C simulation shape {c.shape}, emulator {e.shape}"
        differ = c != e
        if differ.any():
            first = tuple(int(i) for i in np.argwhere(differ)[0])
            return False, (
                f"output {name}: {int(differ.sum())} of {c.size} values differ "
                f"(max |diff| {float(np.abs(c - e).max()):.3g}; first at {first}: "
                f"csim {c[first]!r}, emulator {e[first]!r})"
            )
        values += c.size
    return True, f"{len(csim_out)} output{'s' if len(csim_out) != 1 else ''}, {values} values"


def cmd_compile(args: argparse.Namespace, out: IO[str] | None = None) -> int:
    import gnnc

    out = out or sys.stdout
    t0 = time.perf_counter()
    config = gnnc.load_config(args.config)  # config errors before the (slow) model load; read once (a pipe)
    backend = args.backend or config.backend
    model, example = model_and_example(args.model_py)
    t_load = time.perf_counter() - t0

    t1 = time.perf_counter()
    with warnings.catch_warnings():  # the estimate line below says it, once
        warnings.simplefilter("ignore", gnnc.ResourceWarning)
        design = gnnc.compile(model, example, config)
    t_compile = time.perf_counter() - t1

    t2 = time.perf_counter()
    path = Path(design.write(args.out_dir, backend=backend, force=args.force))
    t_write = time.perf_counter() - t2

    csim_line, identical = None, True
    t_csim = 0.0
    if args.csim:
        t3 = time.perf_counter()
        inputs = _args_of(example)
        csim_out = _as_list(design.csim(*inputs, backend=backend))
        emu_out = _as_list(design.emulate(*inputs))
        t_csim = time.perf_counter() - t3
        identical, detail = _compare(csim_out, emu_out, getattr(design, "output_names", []))
        csim_line = ("bit-identical to the emulator: " if identical else "DIFFERS from the emulator: ") + detail

    total = time.perf_counter() - t0
    name = type(model).__name__
    print(f"gnnc {_version()}: compiled {name} from {args.model_py} for {backend}", file=out)
    print(f"  ops        gnn {_format_counts(_op_counts(design, 'gnn'))}", file=out)
    print(f"             hls {_format_counts(_op_counts(design, 'hls'))}", file=out)
    caps = ""
    if hasattr(design, "max_nodes") and hasattr(design, "max_edges"):
        caps = f"; capacity {design.max_nodes} nodes x {design.max_edges} edges"
    top = f"; top function {design.top}" if getattr(design, "top", None) else ""
    print(f"  precision  {_precision(design, config)}{caps}{top}", file=out)
    calibration = getattr(design, "calibration", None)
    if calibration is not None:  # precision.auto: what it chose, per op
        print(f"  auto       {calibration.summary()}", file=out)
        for line in calibration.table().splitlines():
            print(f"               {line}", file=out)
    ins = ", ".join(getattr(design, "input_names", []) or [])
    outs = ", ".join(getattr(design, "output_names", []) or [])
    if ins or outs:
        print(f"  ports      in: {ins}; out: {outs}", file=out)
    if hasattr(design, "estimate"):
        print_estimate(design.estimate(), out)
    head, listing = _files_summary(path)
    print(f"  wrote      {head}", file=out)
    for line in listing:
        print(f"               {line}", file=out)
    if csim_line is not None:
        print(f"  csim       {csim_line}", file=out)
    timing = f"load {t_load:.2f} s, compile {t_compile:.2f} s, write {t_write:.2f} s"
    if args.csim:
        timing += f", csim {t_csim:.2f} s"
    print(f"  time       {total:.2f} s ({timing})", file=out)
    if not identical:
        raise GnncError(
            "the C simulation is not bit-identical to the fixed-point emulator "
            "(the central invariant of gnnc: please report this with the model and config)"
        )
    return 0


def cmd_mlir(args: argparse.Namespace, out: IO[str] | None = None) -> int:
    import gnnc

    out = out or sys.stdout
    config = gnnc.load_config(args.config)  # config errors before the (slow) model load; read once (a pipe)
    model, example = model_and_example(args.model_py)
    design = gnnc.compile(model, example, config)
    text = design.mlir(stage=args.stage)
    out.write(text if text.endswith("\n") else text + "\n")
    return 0


# --------------------------------------------------------------------------- #
# gnnc report: the estimate, and the vendor's synthesis report beside it
# --------------------------------------------------------------------------- #


def add_report_parser(sub: Any) -> None:
    r = sub.add_parser("report", help="a project's estimate per op, beside the Vitis / oneAPI synthesis report")
    r.add_argument("project", metavar="PRJ", help="project directory written by gnnc compile / design.write")
    r.add_argument("--plot", metavar="FILE.png", help="also draw per-op resources against the part's budget "
                   "(needs matplotlib: pip install 'gnnc[plot]')")


def print_estimate(result: dict, out: IO[str], label: str = "") -> None:
    """The `estimate` line of gnnc compile (`estimate LABEL` when given: gnnc demo's backend),
    and one line per resource the part lacks."""
    from gnnc.report import over_budget_line

    total = result["total"]
    use = result.get("utilization", {})
    cells = ", ".join(f"{r} {total[r]:,}" + (f" ({100 * use[r]:.0f} %)" if r in use and use[r] < float("inf")
                      else "") for r in ("dsp", "lut", "ff", "bram_18k", "uram"))
    part = f" of {result['part']['name']}" if "part" in result else ""
    head = f"estimate {label}" if label else "estimate"
    print(f"  {head:<10} {cells}{part}; {total['latency_cycles']:,} cycles, II {total['ii']:,}", file=out)
    line = over_budget_line(result)
    if line is not None:
        print(f"  WARNING    {line}", file=out)


def cmd_report(args: argparse.Namespace, out: IO[str] | None = None) -> int:
    import gnnc

    out = out or sys.stdout
    report = gnnc.read_report(args.project)
    print(report.table(), file=out)
    if args.plot:
        from gnnc.plots import plot_report

        plot_report(report, args.plot)
        print(f"wrote {args.plot}", file=out)
    return 0


# --------------------------------------------------------------------------- #
# gnnc sweep: a design space on Dask, the table and its Pareto front
# --------------------------------------------------------------------------- #


def add_sweep_parser(sub: Any) -> None:
    s = sub.add_parser("sweep", help="compile, estimate and emulate every point of a design space on Dask "
                       "(docs/sweep.md)")
    s.add_argument("model_py", metavar="MODEL_PY", help="Python file defining model() and example()")
    s.add_argument("--space", required=True, metavar="SPACE.yaml",
                   help="grid: {config.key: [values]} and/or points: [{config.key: value}]")
    s.add_argument("--data", required=True, metavar="'GLOB'", help="the graphs, .npz files (quote the pattern)")
    s.add_argument("-o", "--output", dest="out_dir", required=True, metavar="DIR",
                   help="points/, sweep.csv, pareto.png; a rerun computes only the points not there")
    s.add_argument("--config", "-c", metavar="CONFIG.yaml", help="the base config the space's keys are set in")
    s.add_argument("--scheduler", metavar="ADDRESS", help="a Dask scheduler (tcp://host:8786); default: a local "
                   "cluster of --workers processes")
    s.add_argument("--workers", type=int, default=None, metavar="N", help="local worker processes (default: cores)")
    s.add_argument("--objective", default=None, help="the column the front maximizes, -COLUMN minimizes "
                   "(default: accuracy with labels y in the files, else -max_abs_error)")
    s.add_argument("--csim", action="store_true", help="also C-simulate every point on the graphs (g++)")
    s.add_argument("--build", nargs="?", const=True, default=False, choices=(True, "vitis", "oneapi"), metavar="BACKEND",
                   help="also synthesize every point with the vendor tool (vitis: vitis_hls synthesis; oneapi: "
                   "the cmake report target) on workers that have it; a row says when a worker has not "
                   "(default backend: the config's)")
    s.add_argument("--best", action="store_true", help="write the chosen point's project to DIR/best")
    s.add_argument("--backend", choices=("vitis", "oneapi"), default=None, help="backend of the --best project")


def cmd_sweep(args: argparse.Namespace, out: IO[str] | None = None) -> int:
    import gnnc
    from gnnc.config import read_yaml
    from gnnc.graph_files import load_graphs

    out = out or sys.stdout
    if args.workers is not None and args.workers < 1:
        raise GnncError(f"--workers must be at least 1, got {args.workers}")
    config = read_yaml(Path(args.config), "config file") if args.config else None
    model, example = model_and_example(args.model_py)
    graphs = load_graphs(args.data, model, example)
    result = gnnc.sweep(model, graphs, args.space, config, args.scheduler, out_dir=args.out_dir,
                        objective=args.objective, csim=args.csim, build=args.build, workers=args.workers)
    failed = [r for r in result.rows if r.get("error")]
    print(f"gnnc sweep: {len(result.rows)} points on {len(graphs)} graphs, {result.computed} computed, "
          f"{len(result.rows) - result.computed} read from {args.out_dir}, {len(failed)} failed; "
          f"{result.wall_s:.1f} s", file=out)
    name = result.objective.lstrip("-")
    for row in result.rows:
        if row.get("front_all"):
            print(f"  front  {row['label']}: {name} {row[name]:.4g}, dsp {row['est_dsp']:,}, lut {row['est_lut']:,}, "
                  f"latency {row['est_latency_ns']:,.0f} ns", file=out)
    for row in failed[:5]:
        print(f"  failed {row['label']}: {row['error']}", file=out)
    for what, path in result.files.items():
        print(f"  wrote  {what} {path}", file=out)
    if args.best:
        best = result.best()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", gnnc.ResourceWarning)
            design = gnnc.compile(model, graphs[0], result.best_config())
        path = design.write(Path(args.out_dir) / "best", backend=args.backend, force=True)
        print(f"  best   {best['label']}: {name} {best[name]:.4g}; project {path}", file=out)
    return 0


def cmd_opt(argv: Sequence[str]) -> int:
    from gnnc.tools.gnnc_opt import main as gnnc_opt

    return gnnc_opt(list(argv))


# --------------------------------------------------------------------------- #
# gnnc demo: the whole flow on the synthetic detector the package ships
# --------------------------------------------------------------------------- #


def add_demo_parser(sub: Any) -> None:
    d = sub.add_parser(
        "demo", help="the whole flow on a shipped tracking Interaction Network: compile, write, C-simulate, report",
        description="Generate sector graphs of the synthetic tracking detector (gnnc/demo/detector.py), compile "
        "the Interaction Network trained on it (shipped checkpoint) for Vitis and oneAPI, write both "
        "projects, C-simulate every graph with g++ and report efficiency and purity of torch, the "
        "fixed-point emulator and each C simulation, the bit-exact check and the estimate.",
        epilog="example: gnnc demo --out out/demo   (writes out/demo/graphs/*.npz, out/demo/vitis, "
        "out/demo/oneapi); gnnc demo --out out/trackml --data ../shared/data/trackml-in",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    d.add_argument("--out", default="out/demo", metavar="DIR", help="output folder (default: out/demo)")
    d.add_argument("--data", metavar="DIR", help="run on TrackML-format graphs (DIR/graphs/*.npz) instead, with "
                   "DIR/trained_models' H=8 model when it is there, else the shipped one")
    d.add_argument("--graphs", type=int, default=20, metavar="N", help="synthetic graphs to generate (default 20)")
    d.add_argument("--seed", type=int, default=None, help="the detector's seed (default: the held-out stream)")
    d.add_argument("--widths", default="6,8,10,12,14,16", metavar="W,W,...",
                   help="bit widths of the precision scan (emulator; DIR/plots/bit_width.csv and .png), "
                   "or 'none' (default 6,8,10,12,14,16)")
    d.add_argument("--force", action="store_true", help="replace what an earlier gnnc demo wrote in DIR "
                   "(only gnnc's own files: nothing else there is touched)")


def cmd_demo(args: argparse.Namespace, out: IO[str] | None = None) -> int:
    from gnnc.demo.bit_width import parse_widths
    from gnnc.demo.run import run_demo
    from gnnc.demo.train import DEMO_SEED

    if args.graphs < 1:
        raise GnncError(f"--graphs must be at least 1, got {args.graphs}")
    seed = DEMO_SEED if args.seed is None else args.seed
    result = run_demo(args.out, args.data, count=args.graphs, seed=seed, force=args.force, stream=out or sys.stdout,
                      widths=parse_widths(args.widths))
    if not result.ok:
        raise GnncError("the C simulation is not bit-identical to the fixed-point emulator on every graph "
                        "(the central invariant of gnnc: please report this)")
    return 0


COMMANDS = {"compile": cmd_compile, "mlir": cmd_mlir, "report": cmd_report, "csim": cmd_csim, "build": cmd_build,
            "sweep": cmd_sweep, "demo": cmd_demo}


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of `gnnc`; returns the exit status (0, or 1 on any error)."""
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv[:1] == ["opt"]:  # everything after `opt` is gnnc-opt's, --help included
        return cmd_opt(argv[1:])
    try:
        args = build_parser().parse_args(argv)
        return COMMANDS[args.command](args)
    except SystemExit as exit_:  # --help, --version
        code = exit_.code
        return code if isinstance(code, int) else (0 if code is None else 1)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return reader_went_away()
    except GnncError as err:
        if os.environ.get("GNNC_TRACEBACK"):
            raise
        sys.stdout.flush()
        print(f"{PROG}: error: {clip_lines(str(err).strip())}", file=sys.stderr)
        return 1
    except Exception as err:
        if os.environ.get("GNNC_TRACEBACK"):
            raise
        sys.stdout.flush()
        message = clip(" ".join(str(err).split())) or "(no message)"
        print(
            f"{PROG}: error: internal error: {type(err).__name__}: {message} "
            "(set GNNC_TRACEBACK=1 for the traceback, and please report it)",
            file=sys.stderr,
        )
        return 1


if __name__ == "__main__":
    sys.exit(main())
