"""The vendor flow of a written project: which tool builds it, the commands, and running them.

One place for `gnnc build PRJ` and for the points of `gnnc sweep --build`, so both call the
tools the same way and say the same thing when one is missing.

- Vitis: `vitis_hls -f build_prj.tcl -tclargs csim=1 synth=1 ...`, or the unified CLI
  `vitis-run --mode hls --tcl build_prj.tcl`, which takes no -tclargs (the script reads the
  steps from GNNC_<STEP> variables instead).
- oneAPI: `cmake -S . -B build`, then `cmake --build build --target TARGET` (icpx must be on
  PATH for the configure step to find the SYCL compiler).
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from gnnc.errors import GnncError, clip

VITIS_STEPS = ("csim", "synth", "cosim", "export")
ONEAPI_TARGETS = ("fpga_emu", "report", "fpga_sim", "fpga")


@dataclass(frozen=True)
class BuildPlan:
    commands: list[list[str]]
    env: dict[str, str] = field(default_factory=dict)  # added to the environment of every command


def plan(root: Path, backend: str, steps: tuple[str, ...] = ("csim", "synth"), target: str = "report",
         dry_run: bool = False) -> BuildPlan:
    """The commands that build the project at `root`. A missing tool is a GnncError saying how
    to get it (with `dry_run`, the commands are planned with the tools' usual names instead)."""
    if backend == "vitis":
        return _vitis(root, steps, dry_run)
    if target not in ONEAPI_TARGETS:
        raise GnncError(f"--target {target!r}: expected one of {', '.join(ONEAPI_TARGETS)}")
    cmake = _tool(("cmake",), dry_run, "cmake is not on PATH: install it (apt install cmake, or pip install cmake)")
    _tool(("icpx",), dry_run, "icpx (the oneAPI DPC++/C++ compiler) is not on PATH: source "
          f"/opt/intel/oneapi/setvars.sh first; the C simulation needs no vendor tool: gnnc csim {root} --data ...")
    return BuildPlan([[cmake, "-S", ".", "-B", "build"], [cmake, "--build", "build", "--target", target]])


def run(build: BuildPlan, root: Path, echo: IO[str] | None = None, timeout: float | None = None) -> str | None:
    """Run the commands in order in `root`; None when all succeed, else what went wrong. With
    `echo`, each command is printed there and the tools write to the terminal; without, their
    output is captured and its tail is part of the failure."""
    for command in build.commands:
        if echo is not None:
            print("$ " + shlex.join(command), file=echo, flush=True)
        try:
            done = subprocess.run(command, cwd=root, env=os.environ | build.env, capture_output=echo is None,
                                  text=True, timeout=timeout, check=False)
        except subprocess.TimeoutExpired:
            return f"{' '.join(command)} took more than {timeout:g} s"
        if done.returncode:
            tail = " ".join(((done.stderr or "") + (done.stdout or "")).split()[-40:])
            return f"{command[0]} ended with status {done.returncode}" + (f": {clip(tail, 300)}" if tail else "")
    return None


def _vitis(root: Path, steps: tuple[str, ...], dry_run: bool) -> BuildPlan:
    unknown = [s for s in steps if s not in VITIS_STEPS]
    if unknown or not steps:
        raise GnncError(f"--steps {','.join(steps)!r}: expected a comma-separated list of {', '.join(VITIS_STEPS)}")
    on = {s: int(s in steps) for s in VITIS_STEPS}
    tool = _tool(("vitis_hls", "vitis-run"), dry_run,
                 "Vitis is not on PATH (neither vitis_hls nor vitis-run): source <Vitis>/settings64.sh first; "
                 f"the C simulation needs no vendor tool: gnnc csim {root} --data ...")
    if tool == "vitis-run":
        return BuildPlan([[tool, "--mode", "hls", "--tcl", "build_prj.tcl"]],
                         {f"GNNC_{s.upper()}": str(v) for s, v in on.items()})
    return BuildPlan([[tool, "-f", "build_prj.tcl", "-tclargs", *(f"{s}={v}" for s, v in on.items())]])


def _tool(names: tuple[str, ...], dry_run: bool, missing: str) -> str:
    for name in names:
        if shutil.which(name):
            return name
    if dry_run:
        return names[0]
    raise GnncError(missing)
