"""Work folders named `<prefix><pid>-...` that a process killed before it could clean up left
behind: writers' staging folders (backends/write.py) and csim build/run folders (gnnc/csim.py)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process: alive
        return True
    return True


def remove_dead_folders(parent: Path, prefix: str) -> None:
    """Remove the folders `<prefix><pid>-...` in `parent` whose process has ended."""
    for entry in parent.iterdir():  # not glob: a project's name may hold [, * or ?
        if not entry.name.startswith(prefix):
            continue
        pid = entry.name[len(prefix):].split("-", 1)[0]
        if entry.is_dir() and not entry.is_symlink() and pid.isdigit() and not alive(int(pid)):
            shutil.rmtree(entry, ignore_errors=True)
