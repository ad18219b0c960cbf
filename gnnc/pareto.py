"""The Pareto front of a sweep table: accuracy against each resource and the latency.

A point is on the front of a cost when no other point is at least as accurate and at most as
costly with one of the two strictly better. `front_all` marks the points no other point
dominates in accuracy and every cost at once. Rows with an error or without the columns take
no part.
"""

from __future__ import annotations

import math
from pathlib import Path

from gnnc.errors import GnncError

# Points are drawn per strategy (the design's, so a fit point shows what it chose).
_MARKERS = ("o", "^", "s", "D", "v", "P")
_COLOURS = ("tab:blue", "tab:green", "tab:orange", "tab:purple", "tab:brown", "tab:gray")

COSTS = ("est_dsp", "est_lut", "est_ff", "est_bram_18k", "est_uram", "est_latency_ns")


def objective_of(spec: str) -> tuple[str, bool]:
    """`accuracy` (higher is better) or `-max_abs_error` (a leading minus: lower is better)."""
    return (spec[1:], False) if spec.startswith("-") else (spec, True)


def _value(row: dict, column: str, maximize: bool = False) -> float | None:
    v = row.get(column)
    if isinstance(v, bool) or not isinstance(v, int | float) or math.isnan(v):
        return None
    return -float(v) if maximize else float(v)  # everything as a cost: lower is better


def dominated(a: list[float], b: list[float]) -> bool:
    """b dominates a: no worse in every coordinate (all lower-is-better) and better in one."""
    return all(y <= x for x, y in zip(a, b)) and any(y < x for x, y in zip(a, b))


def front(rows: list[dict], objective: str, costs: tuple[str, ...]) -> list[bool]:
    """For each row, whether it is on the front of `objective` against all of `costs` jointly."""
    name, maximize = objective_of(objective)
    vectors = []
    for row in rows:
        coords = [_value(row, name, maximize), *(_value(row, c) for c in costs)]
        vectors.append(None if row.get("error") or any(v is None for v in coords) else coords)
    return [v is not None and not any(w is not None and dominated(v, w) for w in vectors) for v in vectors]


def mark(rows: list[dict], objective: str, costs: tuple[str, ...] = COSTS) -> list[dict]:
    """The rows with `front_<cost>` per cost (accuracy against that cost alone) and `front_all`."""
    present = tuple(c for c in costs if any(c in r for r in rows))
    marks = {f"front_{c.removeprefix('est_')}": front(rows, objective, (c,)) for c in present}
    marks["front_all"] = front(rows, objective, present)
    return [row | {k: m[i] for k, m in marks.items()} for i, row in enumerate(rows)]


def best(rows: list[dict], objective: str) -> int:
    """The index of the chosen point: among the points that fit the part, the most accurate; on a
    tie the one with the smallest largest utilization, then the shortest latency."""
    name, maximize = objective_of(objective)
    fitting = [i for i, r in enumerate(rows) if r.get("fits") and not r.get("error") and _value(r, name) is not None]
    if not fitting:
        raise GnncError("no point of the sweep fits the part (every one uses more than the part has of some "
                        "resource, or failed); widen the space towards larger reuse factors or io: stream")

    def key(i: int) -> tuple:
        r = rows[i]
        use = max((v for k, v in r.items() if k.startswith("util_")), default=0.0)
        return (_value(r, name, maximize), use, r.get("est_latency_ns", 0.0), i)

    return min(fitting, key=key)


def plot(rows: list[dict], objective: str, path: str | Path, costs: tuple[str, ...] = COSTS) -> Path:
    """One panel per cost that varies: every point (colour and marker by strategy), the front (red,
    joined, circled), the objective on y."""
    from gnnc.plots import _pyplot, save_figure

    plt = _pyplot()
    name, maximize = objective_of(objective)
    present = [c for c in costs if len({r.get(c) for r in rows if not r.get("error")} - {None}) > 1] or list(costs[:1])
    cols = min(3, len(present))
    fig, axes = plt.subplots(math.ceil(len(present) / cols), cols, figsize=(5 * cols, 4 * math.ceil(len(present) / cols)),
                             squeeze=False)
    ok = [r for r in rows if not r.get("error") and _value(r, name) is not None]
    for ax, cost in zip(axes.flat, present):
        have = [r for r in ok if _value(r, cost) is not None]
        pts = [(r[cost], r[name]) for r in have]
        for k, group in enumerate(sorted({str(r.get("strategy", "points")) for r in have})):
            mine = [(r[cost], r[name]) for r in have if str(r.get("strategy", "points")) == group]
            ax.scatter([x for x, _ in mine], [y for _, y in mine], s=16, marker=_MARKERS[k % len(_MARKERS)],
                       color=_COLOURS[k % len(_COLOURS)], alpha=0.7, label=group)
        on = front(ok, objective, (cost,))
        fr = sorted((r[cost], r[name]) for r, f in zip(ok, on) if f)
        ax.plot([x for x, _ in fr], [y for _, y in fr], "-", color="tab:red", linewidth=1.2, label="Pareto front")
        ax.scatter([x for x, _ in fr], [y for _, y in fr], s=40, facecolors="none", edgecolors="tab:red")
        ax.set_xlabel(cost.removeprefix("est_") + (" (estimate)" if cost.startswith("est_") else ""))
        ax.set_ylabel(name + ("" if maximize else " (lower is better)"))
        if all(x > 0 for x, _ in pts) and max(x for x, _ in pts) > 20 * min(x for x, _ in pts):
            ax.set_xscale("log")
        ax.grid(alpha=0.3)
    for ax in list(axes.flat)[len(present):]:
        ax.set_visible(False)
    axes.flat[0].legend(fontsize=8)
    fig.suptitle(f"sweep: {name} against each cost ({len(ok)} points)")
    fig.tight_layout()
    return save_figure(fig, path, dpi=100)

