"""What every backend's project writer shares: atomic writing, the force rule, test data.

A project is written by gnnc.backends.write: atomically when new; with `force`, a previous
gnnc project is replaced file by file, touching only the files its manifest says gnnc wrote.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from gnnc.backends import testbench as tb
from gnnc.backends.ports import Port
from gnnc.backends.write import MARKER, check_destination, write_project_dir  # noqa: F401 (used by both writers)
from gnnc.errors import GnncError


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
    """Write `files` (relative path -> text) as the project `out_dir` (see gnnc.backends.write)."""
    return write_project_dir(out_dir, files, force)


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
