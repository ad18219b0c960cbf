"""
The `gnnc` commands that work on a written project, without the model (gnnc.load):

```sh
gnnc csim PRJ --data 'graphs/*.npz' [--backend vitis|oneapi] [-o OUT]
gnnc build PRJ [--steps csim,synth,cosim,export] [--target fpga_emu|report|fpga_sim|fpga] [--print]
```

`csim` C-simulates the project's design on many graphs (one g++ build) and compares every
output with the emulator; `build` runs the vendor tool the project was written for, when it is
on PATH, and says which one is missing otherwise.
"""

from __future__ import annotations

import argparse
import json
import shlex
import sys
from pathlib import Path
from typing import IO, Any

import numpy as np

from gnnc.errors import GnncError
from gnnc.vendor_build import ONEAPI_TARGETS, VITIS_STEPS

CHUNK = 64  # graphs per C-simulation run: the progress bar moves, and one run's files stay small
CSIM_MARKER = "gnnc_csim.json"  # what makes an output folder gnnc csim's, so a rerun may replace it


def add_csim_parser(sub: Any) -> None:
    c = sub.add_parser(
        "csim", help="C-simulate a project on many graphs and compare with the emulator",
        description="Build the project's C++ with g++ once, run it on every graph, compare each output bit for "
        "bit with the fixed-point emulator, and save the outputs.",
        epilog="example: gnnc csim out/tracking_in --data 'graphs/*.npz' -o out/csim",
    )
    c.add_argument("project", metavar="PRJ", help="project directory written by gnnc compile / design.write")
    c.add_argument("--data", required=True, metavar="'GLOB'",
                   help="the graphs, .npz files named like the model's inputs (quote the pattern)")
    c.add_argument("--backend", choices=("vitis", "oneapi"), default=None,
                   help="whose C++ to simulate (default: the project's backend)")
    c.add_argument("-o", "--output", dest="out_dir", default=None, metavar="OUT",
                   help="where the outputs go, one .npz per graph (default: PRJ/csim/BACKEND)")


def cmd_csim(args: argparse.Namespace, out: IO[str] | None = None) -> int:
    import gnnc
    from gnnc.graph_files import graph_paths, load_design_graphs
    from gnnc.progress import progress

    out = out or sys.stdout
    design = gnnc.load(args.project)
    backend = args.backend or design.config.backend
    paths = graph_paths(args.data)
    graphs = load_design_graphs(paths, design)  # the files globbed once: outputs are named by the same list
    target = Path(args.out_dir) if args.out_dir else Path(args.project) / "csim" / backend
    _check_output_folder(target)
    exact, first_diff = 0, None
    outputs: list[list[np.ndarray]] = []
    with progress(total=len(graphs), desc=f"csim {backend}", unit="graph") as bar:
        for start in range(0, len(graphs), CHUNK):
            chunk = [g if isinstance(g, tuple) else (g,) for g in graphs[start:start + CHUNK]]
            simulated = design.csim_many(chunk, backend=backend)
            emulated = design.emulate(chunk)
            for k, (sim, emu) in enumerate(zip(simulated, emulated)):
                emu = emu if isinstance(emu, tuple) else (emu,)
                same = all(np.array_equal(s, e) for s, e in zip(sim, emu))
                exact += same
                if not same and first_diff is None:
                    first_diff = paths[start + k]
                outputs.append(sim)
            bar.update(len(chunk))
    _save(target, paths, outputs, design.output_names, backend)
    build = design.timings.get(f"csim_build_s.{backend}")
    print(f"gnnc csim: {exact}/{len(graphs)} bit-exact with the emulator ({backend}"
          + (f", g++ build {build:.1f} s" if build is not None else "") + ")", file=out)
    print(f"  outputs  {target}/<graph>.npz ({', '.join(design.output_names)})", file=out)
    if first_diff is not None:
        print(f"  first difference: {first_diff}", file=out)
        return 1
    return 0


def _check_output_folder(target: Path) -> None:
    """Write only into a new folder or one an earlier gnnc csim wrote (its marker lists its files)."""
    if target.exists() and not target.is_dir():
        raise GnncError(f"-o {target}: is a file, not a folder")
    if target.is_dir() and any(target.iterdir()) and not (target / CSIM_MARKER).is_file():
        raise GnncError(f"-o {target}: the folder has files gnnc csim did not write; give another folder "
                        "(nothing in it is replaced)")


def _save(target: Path, paths: list[Path], outputs: list[list[np.ndarray]], names: list[str], backend: str) -> None:
    target.mkdir(parents=True, exist_ok=True)
    marker = target / CSIM_MARKER
    old = set(json.loads(marker.read_text()).get("files", [])) if marker.is_file() else set()
    written = []
    for path, outs in zip(paths, outputs):
        name = f"{path.stem}.npz"
        if (target / name).exists() and name not in old:
            raise GnncError(f"{target / name}: exists and gnnc csim did not write it; nothing was replaced")
        np.savez(target / name, **dict(zip(names, outs)))
        written.append(name)
    for stale in old - set(written):  # outputs of graphs no longer in --data, written by an earlier run
        (target / stale).unlink(missing_ok=True)
    marker.write_text(json.dumps({"backend": backend, "files": written}, indent=1) + "\n")


# --------------------------------------------------------------------------- #
# gnnc build: the vendor tool on the project
# --------------------------------------------------------------------------- #


def add_build_parser(sub: Any) -> None:
    b = sub.add_parser(
        "build", help="synthesize a project with the vendor tool (vitis_hls / vitis-run, or cmake + icpx)",
        description="Run the vendor flow of the project's backend in the project folder. Vitis: build_prj.tcl "
        "with the chosen steps. oneAPI: cmake configure, then the chosen target.",
        epilog="examples: gnnc build out/tracking_in --steps csim,synth    "
        "gnnc build out/tracking_in_oneapi --target report",
    )
    b.add_argument("project", metavar="PRJ", help="project directory written by gnnc compile / design.write")
    b.add_argument("--steps", default="csim,synth", metavar="LIST",
                   help=f"Vitis: the steps to run, of {','.join(VITIS_STEPS)} (default: csim,synth)")
    b.add_argument("--target", default="report", choices=ONEAPI_TARGETS,
                   help="oneAPI: the CMake target (default: report, the optimization report and RTL)")
    b.add_argument("--print", dest="dry_run", action="store_true",
                   help="print the commands instead of running them (the tool need not be installed)")


def cmd_build(args: argparse.Namespace, out: IO[str] | None = None) -> int:
    from gnnc import vendor_build
    from gnnc.backends.write import MARKER
    from gnnc.config import load_config

    out = out or sys.stdout
    root = Path(args.project)
    if not (root / MARKER).is_file():
        raise GnncError(f"{root}: not a gnnc project (no {MARKER}); write one with gnnc compile or design.write")
    steps = tuple(s.strip() for s in args.steps.split(",") if s.strip())
    build = vendor_build.plan(root, load_config(root / MARKER).backend, steps, args.target, dry_run=args.dry_run)
    if args.dry_run:
        for command in build.commands:
            print("$ " + shlex.join(command), file=out)
        return 0
    failure = vendor_build.run(build, root, echo=out)
    if failure:
        print(f"gnnc build: {failure}", file=out)
        return 1
    print(f"gnnc build: done; the estimate beside the synthesis report: gnnc report {root}", file=out)
    return 0
