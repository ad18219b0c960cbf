"""Writing a project directory without ever losing a file that gnnc did not write.

A new project is built in a hidden sibling and renamed into place, so a reader never sees
half of it. Replacing a previous project (force=True) touches only the files that project's
manifest says gnnc wrote, unchanged since: the `<top>_prj` folder of a Vitis run, reports
and the user's notes stay; a file whose text is the same as before is not rewritten. The replacement is journaled: the new files are staged inside
the project with a plan, and a plan that exists is carried out to the end, by this write or,
after a crash, by the next write to the same place; a stage without a plan is discarded.
Leftovers of killed writers (their process is gone) are removed by the next write.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Mapping
from pathlib import Path

from gnnc.errors import GnncError
from gnnc.stale import remove_dead_folders

MARKER = "gnnc_config.yaml"  # what makes a directory a gnnc project
MANIFEST = "gnnc_manifest.json"  # the files gnnc wrote there, with their SHA-256
STAGE = ".gnnc-stage"  # inside a project being replaced: the new files and the plan
PLAN = "plan.json"  # in STAGE: written last; its presence commits the replacement


def write_project_dir(out_dir: str | os.PathLike, files: Mapping[str, str], force: bool) -> Path:
    """Write `files` (relative path -> text) as the project directory `out_dir`."""
    out = Path(out_dir)
    check_destination(out, force)
    parent = out.absolute().parent
    _make_parent(parent)
    remove_dead_folders(parent, f".{out.name}.tmp-")  # hidden build folders of killed writers
    files = {**files, MANIFEST: _manifest(files)}
    if out.is_dir():
        _replace_in_place(out.resolve(), files)
    else:
        _write_new(out, parent, files)
    return out


def check_destination(out: Path, force: bool) -> None:
    """Refuse what would lose a user's file: anything but a directory, an existing project
    without force, and a directory that is not a gnnc project even with force."""
    if out.is_symlink() and not out.exists():
        raise GnncError(f"output {out} is a broken symbolic link; remove it or choose another directory")
    if out.exists() and not out.is_dir():
        raise GnncError(f"output {out} is a file, not a project directory; gnnc never replaces it, "
                        "even with force=True (--force): choose another output directory")
    if not out.exists():
        return
    if not force:
        raise GnncError(f"output directory {out} already exists; pass force=True "
                        "(--force on the command line) to replace it")
    if not (out / MARKER).is_file() and any(p.name != STAGE for p in out.iterdir()):
        raise GnncError(f"{out} is not a gnnc project (it has no {MARKER}); not replacing it "
                        "even with force=True: remove it yourself or choose another directory")


def _make_parent(parent: Path) -> None:
    for folder in (parent, *parent.parents):
        if folder.exists() and not folder.is_dir():
            raise GnncError(f"cannot create the output directory: {folder} is a file")
    try:
        parent.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise GnncError(f"cannot create the output directory's parent {parent}: {err.strerror}") from None


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def _manifest(files: Mapping[str, str]) -> str:
    entries = {rel: _digest(text) for rel, text in sorted(files.items())}
    return json.dumps({"gnnc_manifest": 1, "files": entries}, indent=1) + "\n"


def _write_tree(root: Path, files: Mapping[str, str]) -> None:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


def _write_new(out: Path, parent: Path, files: Mapping[str, str]) -> None:
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.tmp-{os.getpid()}-", dir=parent))
    try:
        _write_tree(tmp, files)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o777 & ~umask)  # mkdtemp makes it private; a project is not
        os.rename(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


# -- replacing a previous project in place ------------------------------------------- #


def _owned(out: Path, files: Mapping[str, str]) -> dict[str, str | None]:
    """The files the previous project's manifest lists (path -> SHA-256). A project written
    before manifests existed is taken to own the paths gnnc writes (path -> None: no hash)."""
    path = out / MANIFEST
    if not path.is_file():
        return {rel: None for rel in files if (out / rel).is_file()} if (out / MARKER).is_file() else {}
    try:
        data = json.loads(path.read_text())
        entries = data["files"]
        if not isinstance(entries, dict):
            raise TypeError
    except (ValueError, KeyError, TypeError, UnicodeDecodeError):
        raise GnncError(f"{path} is not a gnnc manifest; restore it or remove the project yourself") from None
    return {str(rel): str(digest) for rel, digest in entries.items()} | {MANIFEST: None}


def _check_replaceable(out: Path, files: Mapping[str, str], owned: dict[str, str | None]) -> None:
    foreign = [rel for rel in files if rel not in owned and (out / rel).exists()]
    if foreign:
        raise GnncError(f"not replacing the project in {out}: {_listing(foreign)} would be overwritten, "
                        "and gnnc did not write it; move it away first")
    edited = [rel for rel, digest in owned.items()
              if digest is not None and (out / rel).is_file() and _file_digest(out / rel) != digest]
    if edited:
        raise GnncError(f"not replacing the project in {out}: {_listing(edited)} changed since gnnc wrote it; "
                        "move your edits away (or delete the file) first")


def _file_digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _listing(paths: list[str]) -> str:
    shown = ", ".join(sorted(paths)[:5])
    return shown + (f" and {len(paths) - 5} more" if len(paths) > 5 else "")


def _replace_in_place(out: Path, files: Mapping[str, str]) -> None:
    stage = out / STAGE
    finish_interrupted(out)
    owned = _owned(out, files)
    _check_replaceable(out, files, owned)
    # A file the previous project has with the same text is left alone (the check above made
    # sure it is still what that manifest says): a recompile rewrites only what changed.
    changed = {rel: text for rel, text in files.items()
               if rel == MANIFEST or owned.get(rel) != _digest(text) or not (out / rel).is_file()}
    try:
        _write_tree(stage / "files", changed)
        # the manifest goes last: until it is replaced, the old one still describes the folder
        order = [rel for rel in changed if rel != MANIFEST] + [MANIFEST]
        plan = {"write": order, "delete": sorted(set(owned) - set(files))}
        (stage / f"{PLAN}.tmp").write_text(json.dumps(plan))
        os.replace(stage / f"{PLAN}.tmp", stage / PLAN)  # the commit point
    except BaseException:
        shutil.rmtree(stage, ignore_errors=True)
        raise
    _carry_out(out)


def finish_interrupted(out: Path) -> None:
    """Complete a committed replacement that a crash interrupted, or discard an uncommitted one."""
    stage = out / STAGE
    if not stage.exists():
        return
    if (stage / PLAN).is_file():
        _carry_out(out)
    else:
        shutil.rmtree(stage, ignore_errors=True)


def _carry_out(out: Path) -> None:
    """Idempotent: every step can be repeated after a crash in the middle of it."""
    stage = out / STAGE
    plan = json.loads((stage / PLAN).read_text())
    for rel in plan["write"]:
        staged = stage / "files" / rel
        if staged.exists():
            (out / rel).parent.mkdir(parents=True, exist_ok=True)
            os.replace(staged, out / rel)
    for rel in plan["delete"]:
        path = out / rel
        if path.is_file() or path.is_symlink():
            path.unlink()
            _remove_empty_parents(path.parent, out)
    shutil.rmtree(stage)


def _remove_empty_parents(folder: Path, root: Path) -> None:
    while folder != root and folder.is_dir() and not any(folder.iterdir()):
        folder.rmdir()
        folder = folder.parent
