"""Writing files into a folder without losing a file gnnc did not write: a file that is there
already is replaced only with force, and only when the folder's manifest says gnnc wrote it
and it is unchanged since (the rule of gnnc.backends.write for projects). The demo writes its
graphs (DIR/graphs) and its plots (DIR/plots) this way."""

from __future__ import annotations

import hashlib
import io
import json
import os
from collections.abc import Mapping
from pathlib import Path

import numpy as np

from gnnc.errors import GnncError

MANIFEST = "gnnc_files.json"


def npz_bytes(arrays: Mapping[str, np.ndarray]) -> bytes:
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
        raise GnncError(f"{path} is not a gnnc file manifest; restore it or choose another --out") from None


def check_owned_folder(folder: Path, names: list[str], force: bool) -> None:
    """Raise before anything is written when writing `names` into `folder` would lose a file."""
    if folder.exists() and not folder.is_dir():
        raise GnncError(f"{folder} is a file, not a folder; choose another --out")
    present = [n for n in names if (folder / n).exists()]
    if not present:
        return
    if not force:
        raise GnncError(f"{folder} already holds {present[0]} (and {len(present) - 1} more); pass --force "
                        "to replace the files gnnc wrote there")
    owned = _manifest(folder)
    foreign = [n for n in present if n not in owned]
    edited = [n for n in present if n in owned and _digest((folder / n).read_bytes()) != owned[n]]
    if foreign or edited:
        name = (foreign or edited)[0]
        why = "gnnc did not write it" if foreign else "it changed since gnnc wrote it"
        raise GnncError(f"not replacing {folder / name}: {why}; move it away or choose another --out")


def write_owned_folder(folder: str | Path, files: Mapping[str, bytes], force: bool) -> Path:
    """Write each `name -> contents` as `folder/name`, and the manifest of what gnnc wrote."""
    folder = Path(folder)
    check_owned_folder(folder, list(files), force)
    folder.mkdir(parents=True, exist_ok=True)
    owned = _manifest(folder)
    for name, data in files.items():
        tmp = folder / f".{name}.tmp-{os.getpid()}"
        tmp.write_bytes(data)
        os.replace(tmp, folder / name)  # a reader never sees half a file
        owned[name] = _digest(data)
    text = json.dumps({"gnnc_files": 1, "files": dict(sorted(owned.items()))}, indent=1) + "\n"
    (folder / f".{MANIFEST}.tmp").write_text(text)
    os.replace(folder / f".{MANIFEST}.tmp", folder / MANIFEST)
    return folder
