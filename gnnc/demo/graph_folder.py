"""Writing graph files into a folder without losing a file gnnc did not write: a file that
is there already is replaced only with force, and only when the folder's manifest says gnnc
wrote it and it is unchanged since (the rule of gnnc.backends.write for projects)."""

from __future__ import annotations

import hashlib
import io
import json
import os
from collections.abc import Mapping
from pathlib import Path

import numpy as np

from gnnc.errors import GnncError

MANIFEST = "gnnc_graphs.json"


def _npz_bytes(arrays: Mapping[str, np.ndarray]) -> bytes:
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    return buffer.getvalue()


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _manifest(folder: Path) -> dict[str, str]:
    path = folder / MANIFEST
    if not path.is_file():
        return {}
    try:
        files = json.loads(path.read_text())["files"]
        if not isinstance(files, dict):
            raise TypeError
        return {str(k): str(v) for k, v in files.items()}
    except (ValueError, KeyError, TypeError, UnicodeDecodeError):
        raise GnncError(f"{path} is not a gnnc graph manifest; restore it or choose another --out") from None


def check_graph_folder(folder: Path, names: list[str], force: bool) -> None:
    """Raise before anything is written when writing `names` into `folder` would lose a file."""
    if folder.exists() and not folder.is_dir():
        raise GnncError(f"{folder} is a file, not a folder for graphs; choose another --out")
    present = [n for n in names if (folder / n).exists()]
    if not present:
        return
    if not force:
        raise GnncError(f"{folder} already holds {present[0]} (and {len(present) - 1} more); pass --force "
                        "to replace the graphs gnnc wrote there")
    owned = _manifest(folder)
    foreign = [n for n in present if n not in owned]
    edited = [n for n in present if n in owned and _digest((folder / n).read_bytes()) != owned[n]]
    if foreign or edited:
        name = (foreign or edited)[0]
        why = "gnnc did not write it" if foreign else "it changed since gnnc wrote it"
        raise GnncError(f"not replacing {folder / name}: {why}; move it away or choose another --out")


def write_graph_folder(folder: str | Path, graphs: Mapping[str, Mapping[str, np.ndarray]], force: bool) -> Path:
    """Write each `name -> arrays` as `folder/name` (.npz), and the manifest of what gnnc wrote."""
    folder = Path(folder)
    check_graph_folder(folder, list(graphs), force)
    folder.mkdir(parents=True, exist_ok=True)
    owned = _manifest(folder)
    for name, arrays in graphs.items():
        data = _npz_bytes(arrays)
        tmp = folder / f".{name}.tmp-{os.getpid()}"
        tmp.write_bytes(data)
        os.replace(tmp, folder / name)  # a reader never sees half a file
        owned[name] = _digest(data)
    text = json.dumps({"gnnc_graphs": 1, "files": dict(sorted(owned.items()))}, indent=1) + "\n"
    (folder / f".{MANIFEST}.tmp").write_text(text)
    os.replace(folder / f".{MANIFEST}.tmp", folder / MANIFEST)
    return folder
