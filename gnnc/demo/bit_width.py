"""The demo's precision scan: efficiency and purity of the fixed-point design against its bit
width (the emulator's figures, which the C simulation reproduces bit for bit), beside torch's
float figures; written as DIR/plots/bit_width.csv and, with matplotlib, bit_width.png."""

from __future__ import annotations

import csv
import io
import warnings
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from gnnc.demo.metrics import efficiency_purity
from gnnc.errors import GnncError

WIDTHS = (6, 8, 10, 12, 14, 16)


def precision_for(width: int) -> str:
    """The scan's type for a width: half the bits integer (at least 5, for the IN's sums), as
    examples/sweep_tracking_in.py does, which makes 16 bits the demo's fixed<16,8>."""
    return f"fixed<{width},{max(5, width // 2)}>"


@dataclass(frozen=True)
class WidthPoint:
    width: int
    precision: str
    efficiency: float
    purity: float
    max_error: float  # max |fixed - float torch| over all edges of all graphs


def scan(model, graphs: list, truths: list, reference: list, config: dict, widths=WIDTHS,
         step: Callable[[int], None] | None = None) -> list[WidthPoint]:
    """Compile `model` at each width (config's other keys unchanged) and emulate every graph."""
    import gnnc

    points = []
    for width in widths:
        precision = precision_for(width)
        with warnings.catch_warnings():  # the design's fit is the demo's main report, not the scan's
            warnings.simplefilter("ignore", gnnc.ResourceWarning)
            design = gnnc.compile(model, graphs[0], {**config, "precision": {"default": precision}})
        scores = design.emulate(list(graphs))
        error = max(float(np.abs(np.asarray(s) - np.asarray(r)).max()) for s, r in zip(scores, reference))
        points.append(WidthPoint(width, precision, *efficiency_purity(scores, truths), error))
        if step:
            step(width)
    return points


def parse_widths(text: str) -> tuple[int, ...]:
    """`--widths 6,8,12` -> (6, 8, 12); 'none' -> () (no scan)."""
    if text.strip().lower() == "none":
        return ()
    try:
        widths = tuple(int(w) for w in text.split(","))
    except ValueError:
        raise GnncError(f"--widths {text!r}: expected bit widths separated by commas (e.g. 6,8,12,16) "
                        "or 'none'") from None
    bad = [w for w in widths if not 4 <= w <= 32]
    if bad:
        raise GnncError(f"--widths: {bad[0]} is outside 4..32 bits")
    return widths


def csv_bytes(points: list[WidthPoint], float_figures: tuple[float, float]) -> bytes:
    text = io.StringIO()
    out = csv.writer(text, lineterminator="\n")
    out.writerow(["width", "precision", "efficiency", "purity", "max_abs_error_vs_float", "float_efficiency",
                  "float_purity"])
    out.writerows([p.width, p.precision, f"{p.efficiency:.6f}", f"{p.purity:.6f}", f"{p.max_error:.6g}",
                   f"{float_figures[0]:.6f}", f"{float_figures[1]:.6f}"] for p in points)
    return text.getvalue().encode()


def png_bytes(points: list[WidthPoint], float_figures: tuple[float, float], title: str) -> bytes | None:
    """The plot as PNG bytes; None when matplotlib is not installed (pip install 'gnnc[plot]')."""
    from gnnc.plots import _pyplot

    try:
        plt = _pyplot()
    except GnncError:
        return None
    widths = [p.width for p in points]
    fig, ax = plt.subplots(figsize=(6.4, 4.2))
    for name, values, ref, colour in (("efficiency", [p.efficiency for p in points], float_figures[0], "tab:blue"),
                                      ("purity", [p.purity for p in points], float_figures[1], "tab:orange")):
        ax.plot(widths, values, "o-", color=colour, label=f"{name}, fixed point (emulator)")
        ax.axhline(ref, color=colour, linestyle="--", linewidth=1, label=f"{name}, float (torch)")
    ax.set_xlabel("bit width W of fixed<W, max(5, W/2)>")
    ax.set_ylabel("edge classification at cut 0.5")
    ax.set_xticks(widths)
    ax.set_title(title)
    ax.grid(alpha=0.3)
    ax.legend(loc="lower right", fontsize=8)
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=110)
    plt.close(fig)
    return buffer.getvalue()
