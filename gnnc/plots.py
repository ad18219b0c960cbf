"""`gnnc report PRJ --plot FILE.png`: per-op resources against the part, and per-op precision
against the values seen on the example (like hls4ml's profiling plots). Needs matplotlib
(`pip install 'gnnc[plot]'`)."""

from __future__ import annotations

import math
from pathlib import Path

from gnnc.errors import GnncError
from gnnc.fixed import parse_fixed
from gnnc.parts import RESOURCES
from gnnc.report import Report

_COLOURS = {"dsp": "tab:red", "lut": "tab:blue", "ff": "tab:green", "bram_18k": "tab:orange", "uram": "tab:purple"}


def _pyplot():
    try:
        import matplotlib

        matplotlib.use("Agg")  # files only, no display needed
        import matplotlib.pyplot as plt
    except ImportError:
        raise GnncError("gnnc report --plot needs matplotlib: pip install 'gnnc[plot]'") from None
    return plt


def save_figure(fig, path: str | Path, dpi: int) -> Path:
    """Write a figure (any format matplotlib writes) and close it; an unwritable path is a GnncError."""
    out = Path(path)
    try:
        fig.savefig(out, dpi=dpi)
    except (OSError, ValueError) as err:
        raise GnncError(f"cannot write the plot to {out}: {err}") from None
    finally:
        _pyplot().close(fig)
    return out


def plot_report(report: Report, path: str | Path) -> Path:
    """Write the two panels to `path` (any format matplotlib writes: .png, .pdf, .svg)."""
    plt = _pyplot()
    ranges = report.estimate.get("ranges", {})
    fig, axes = plt.subplots(1, 2 if ranges else 1, figsize=(16 if ranges else 9, 0.32 * _rows(report) + 2.5),
                             squeeze=False)
    _resources(axes[0][0], report)
    if ranges:
        _precision(axes[0][1], ranges)
    fig.tight_layout()
    return save_figure(fig, path, dpi=110)


def _rows(report: Report) -> int:
    return max(len(report.estimate["ops"]), len(report.estimate.get("ranges", {})))


def _resources(ax, report: Report) -> None:
    """Horizontal bars: each op's share of each resource of the part (1 = the whole part)."""
    est = report.estimate
    ops = [op for op, e in est["ops"].items() if any(e[r] for r in RESOURCES)]
    part = est.get("part")
    height = 0.8 / len(RESOURCES)
    for k, r in enumerate(RESOURCES):
        budget = part[r] if part and part[r] else None
        values = [est["ops"][op][r] / budget if budget else est["ops"][op][r] for op in ops]
        ax.barh([i + k * height for i in range(len(ops))], values, height=height, color=_COLOURS[r], label=r)
    if part:
        ax.axvline(1.0, color="black", linestyle="--", linewidth=1)
        ax.set_xlabel(f"fraction of the {part['name']} (dashed: the whole part); total " + ", ".join(
            f"{r} {100 * est['utilization'][r]:.1f} %" for r in ("dsp", "lut", "ff", "bram_18k")))
    else:
        ax.set_xlabel("resources")
    ax.set_xscale("log")
    ax.set_yticks([i + 0.4 - height / 2 for i in range(len(ops))], ops, fontsize=8)
    ax.invert_yaxis()
    ax.legend(loc="lower right", fontsize=8)
    ax.set_title("estimate per op")


def _precision(ax, ranges: dict[str, dict]) -> None:
    """Per op: the range its type represents (bar, from one LSB to the largest magnitude) and
    the largest |value| seen on the example (dot); a dot past its bar overflowed."""
    labels = list(ranges)
    for i, label in enumerate(labels):
        entry = ranges[label]
        t = parse_fixed(entry["type"])
        lsb, top = 2.0 ** -t.f, 2.0 ** (t.i - (1 if t.is_signed else 0))
        ax.barh(i, math.log2(top) - math.log2(lsb), left=math.log2(lsb), color="lightsteelblue", height=0.6)
        seen = max(abs(entry["min"]), abs(entry["max"]))
        if seen > 0:
            ax.plot(math.log2(seen), i, "o", color="tab:red" if seen >= top else "black", markersize=4)
    ax.set_yticks(range(len(labels)), [f"{lbl}  {ranges[lbl]['type']}" for lbl in labels], fontsize=7)
    ax.invert_yaxis()
    ax.set_xlabel("log2 |value|: the type's range (bar) and the largest value on the example (dot)")
    ax.set_title("precision per op")
