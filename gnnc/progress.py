"""Progress bars for long work (tqdm on stderr), shown only on a terminal unless asked for."""

from __future__ import annotations

import sys
from typing import Any


def progress(total: int | None, desc: str, unit: str, show: bool | None = None, leave: bool = True) -> Any:
    """A tqdm bar of `total` steps (None: a counter); quiet when stderr is not a terminal (logs,
    pipes, CI) and show is None; `leave=False` clears it when done (before a report is printed)."""
    from tqdm.auto import tqdm

    if show is None:
        show = sys.stderr.isatty()
    return tqdm(total=total, desc=desc, unit=unit, disable=not show, file=sys.stderr, leave=leave)
