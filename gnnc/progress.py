"""Progress bars for long work (tqdm on stderr), shown only on a terminal unless asked for."""

from __future__ import annotations

import sys
from typing import Any


def progress(total: int, desc: str, unit: str, show: bool | None = None) -> Any:
    """A tqdm bar of `total` steps; quiet when stderr is not a terminal (logs, pipes, CI) and show is None."""
    from tqdm.auto import tqdm

    if show is None:
        show = sys.stderr.isatty()
    return tqdm(total=total, desc=desc, unit=unit, disable=not show, file=sys.stderr)
