"""What every backend's project writer shares: atomic writing, the force rule, test data.

A project directory is built next to its destination and renamed into place, so a reader
never sees half a project and a failure leaves the old one untouched (DESIGN.md §9). `force`
replaces only a directory that holds a previous gnnc project (it has `gnnc_config.yaml`).
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from gnnc.backends import testbench as tb
from gnnc.backends.ports import Port
from gnnc.errors import GnncError

MARKER = "gnnc_config.yaml"  # what makes a directory safe to replace with force=True

GraphsArg = Mapping[str, np.ndarray] | Sequence[Mapping[str, np.ndarray]] | None


@dataclass(frozen=True)
class CSimLayout:
    """What a backend's g++ C simulation compiles, laid out as in its project: files by
    relative path, the translation units, and the (relative) include directories."""

    files: dict[str, str]
    sources: list[str]
    include_dirs: list[str]


SOURCE_EXT = (".cpp", ".cc", ".cxx")


def check_firmware(top: str, firmware: Mapping[str, str], ports: Sequence[Port], header: str,
                   includer: str, err: type[Exception] = GnncError) -> list[str]:
    """Checks every vendor's project needs before anything is written; returns the sorted C++ sources."""
    tb.check_ports(ports, err)
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", top):
        raise err(f"top function name {top!r} is not a C identifier")
    for name in firmware:
        if not name or "/" in name or "\\" in name or name.startswith("."):
            raise err(f"firmware file name {name!r} must be a plain file name")
    if header not in firmware:
        raise err(f"firmware has no {header}, which the {includer} includes")
    sources = sorted(n for n in firmware if n.endswith(SOURCE_EXT))
    if not sources:
        raise err("firmware has no .cpp source to synthesise")
    return sources


def write_atomically(out_dir: str | os.PathLike, files: Mapping[str, str], force: bool) -> Path:
    """Write `files` (relative path -> text) as the directory `out_dir`, atomically."""
    out = Path(out_dir)
    check_destination(out, force)
    parent = out.absolute().parent
    parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.tmp-", dir=parent))
    try:
        for rel, text in files.items():
            path = tmp / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o777 & ~umask)  # mkdtemp makes it private; a project is not
        if out.exists() or out.is_symlink():
            old = Path(tempfile.mkdtemp(prefix=f".{out.name}.old-", dir=parent)) / "old"
            os.rename(out, old)
            try:
                os.rename(tmp, out)
            except BaseException:
                os.rename(old, out)
                raise
            shutil.rmtree(old.parent, ignore_errors=True)
        else:
            os.rename(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return out


def check_destination(out: Path, force: bool) -> None:
    """Refuse an existing destination without force, and a foreign directory even with it."""
    if out.exists() or out.is_symlink():
        if not force:
            raise GnncError(f"output directory {out} already exists; pass force=True "
                            "(--force on the command line) to replace it")
        check_replaceable(out)


def check_replaceable(out: Path) -> None:
    # force replaces a previous gnnc project, never a directory of the user's own files.
    foreign = out.is_dir() and not out.is_symlink() and not (out / MARKER).is_file()
    if foreign and any(out.iterdir()):
        raise GnncError(f"{out} is not a gnnc project (it has no {MARKER}); not replacing it "
                        "even with force=True: remove it yourself or choose another directory")


def as_graphs(arg: GraphsArg, what: str) -> list[Mapping[str, np.ndarray]]:
    if arg is None:
        return []
    if isinstance(arg, Mapping):
        return [arg]
    graphs = list(arg)
    if not all(isinstance(g, Mapping) for g in graphs):
        raise GnncError(f"{what} must be a dict of arrays by port name, or a list of them")
    return graphs


def data_files(top: str, ports: Sequence[Port], max_nodes: int, max_edges: int,
              example_inputs: GraphsArg, expected_outputs: GraphsArg,
              format_note: str) -> tuple[dict[str, str], int, bool]:
    """tb_data/input.txt and tb_data/expected.txt; returns (files, n_graphs, has_expected)."""
    files: dict[str, str] = {}
    inputs = as_graphs(example_inputs, "example_inputs")
    expected = as_graphs(expected_outputs, "expected_outputs")
    if expected and not inputs:
        raise GnncError("expected_outputs given without example_inputs")
    if inputs:
        text, counts = tb.format_inputs(ports, inputs, max_nodes, max_edges)
        files["tb_data/input.txt"] = f"# inputs of {top}: format in {format_note}\n" + text
        if expected:
            tb.check_exact_outputs(ports)
            files["tb_data/expected.txt"] = (f"# expected outputs of {top}\n"
                                             + tb.format_outputs(ports, counts, expected))
    return files, len(inputs), bool(expected)


def config_file(config: Mapping[str, Any]) -> str:
    return ("# The gnnc config this project was compiled with.\n"
            + yaml.safe_dump(plain(config), sort_keys=False, default_flow_style=False))


def plain(value: Any) -> Any:
    """The config as plain YAML data (numpy scalars, tuples and paths turn up in configs)."""
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, os.PathLike):
        return os.fspath(value)
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    return str(value)


def add_estimate(files: dict[str, str], estimate: Mapping[str, Any] | None) -> None:
    """The design's estimate in a project: estimate.json (for `gnnc report`) and a README section."""
    if estimate is None:
        return
    from gnnc.report import estimate_files, readme_section

    files.update(estimate_files(dict(estimate)))
    files["README.md"] = files.get("README.md", "") + readme_section(dict(estimate))
