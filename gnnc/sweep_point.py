"""One point of a sweep, as a worker runs it: compile, estimate, emulate on the graphs,
optionally C-simulate and build with the vendor tool. Returns a flat row of knobs and metrics."""

from __future__ import annotations

import os
import socket
import time
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from gnnc.errors import GnncError, clip
from gnnc.parts import RESOURCES

TOTALS = (*RESOURCES, "multipliers", "latency_cycles", "ii", "latency_ns")
BUILD_TIMEOUT_ENV = "GNNC_SWEEP_BUILD_TIMEOUT"  # seconds a vendor build may take (default: none)


@dataclass(frozen=True)
class Options:
    cut: float = 0.5  # score above which a row is classified positive (efficiency / purity)
    csim: bool = False  # also run the g++ C simulation on every graph and compare with the emulator
    build: bool = False  # also synthesize with the vendor tool when a worker has it
    projects_dir: str | None = None  # where built projects go (a folder every worker can write)
    build_backend: str | None = None  # whose project is built (default: the point's config backend)


def evaluate(model: Any, graphs: list[Any], labels: list[np.ndarray] | None, config: dict, options: Options,
             point_id: str = "point") -> dict:
    """The row of one point. A GnncError (the point cannot be compiled, say) is its `error` column."""
    import gnnc

    row: dict[str, Any] = {"worker": f"{socket.gethostname()}:{os.getpid()}"}
    start = time.perf_counter()
    try:
        with warnings.catch_warnings():  # over budget is a column (utilization > 1), not a warning per point
            warnings.simplefilter("ignore", gnnc.ResourceWarning)
            design = gnnc.compile(model, _args(graphs[0]), config)
        row["compile_s"] = time.perf_counter() - start
        row |= design_knobs(design.config)
        row |= _estimate(design.estimate())
        t = time.perf_counter()
        fixed = [_outputs(design.emulate(*_args(g))) for g in graphs]
        row |= _accuracy(fixed, [_outputs(design.emulate(*_args(g), fixed=False)) for g in graphs], labels, options)
        row["emulate_s"] = time.perf_counter() - t
        if options.csim:
            row |= _csim(design, graphs, fixed)
        if options.build:
            row |= _build(design, options, point_id)
    except GnncError as err:
        row["error"] = clip(" ".join(str(err).split()), 500)
    row["point_s"] = time.perf_counter() - start
    return row


def design_knobs(config: Any) -> dict:
    """The knobs of the design as built, whatever the space set (a `fit` point chooses them
    itself): strategy (`mixed` when ops differ), reuse factor and io; the plot marks strategy."""
    strategies = {config.strategy, *(s for _, s in config.strategy_ops), *(s for _, s in config.strategy_kinds)}
    reuse = {config.reuse_factor, *(r for _, r in config.reuse_ops)}
    return {"strategy": config.strategy if len(strategies) == 1 else "mixed",
            "reuse": config.reuse_factor if len(reuse) == 1 else "per op", "io": config.io}


def _args(graph: Any) -> tuple:
    return graph if isinstance(graph, tuple) else (graph,)


def _outputs(result: Any) -> list[np.ndarray]:
    return [np.asarray(r, dtype=np.float64) for r in (result if isinstance(result, tuple) else (result,))]


def _estimate(est: dict) -> dict:
    row = {f"est_{k}": est["total"][k] for k in TOTALS if k in est["total"]}
    for r, use in est.get("utilization", {}).items():
        row[f"util_{r}"] = use
    row["fits"] = all(u <= 1 for u in est.get("utilization", {}).values())
    return row


def _accuracy(fixed: list[list[np.ndarray]], floating: list[list[np.ndarray]], labels, options: Options) -> dict:
    """max |fixed - float| always; with labels, the fixed and float classifiers' efficiency, purity and accuracy."""
    diffs = [float(np.max(np.abs(f - x), initial=0.0)) for fs, xs in zip(fixed, floating) for f, x in zip(fs, xs)]
    row: dict[str, Any] = {"max_abs_error": max(diffs, default=0.0)}
    if labels is not None:
        row |= _classifier([fs[0] for fs in fixed], labels, options.cut)
        row |= {f"float_{k}": v for k, v in _classifier([xs[0] for xs in floating], labels, options.cut).items()}
    return row


def _classifier(scores: list[np.ndarray], labels: list[np.ndarray], cut: float) -> dict:
    """Efficiency (true rows kept / true rows), purity (true rows kept / rows kept) and accuracy
    (rows classified as labelled / rows), all graphs pooled, of the first output at `cut`."""
    kept_true = kept = true = right = rows = 0
    for s, y in zip(scores, labels):
        keep = np.asarray(s).reshape(-1) > cut
        truth = np.asarray(y).reshape(-1).astype(bool)
        if keep.shape != truth.shape:
            raise GnncError(f"labels: {truth.size} labels for an output of {keep.size} values; "
                            "a label per output row of the first output is needed")
        kept_true += int(np.sum(keep & truth))
        kept += int(np.sum(keep))
        true += int(np.sum(truth))
        right += int(np.sum(keep == truth))
        rows += keep.size
    return {"efficiency": kept_true / max(true, 1), "purity": kept_true / max(kept, 1),
            "accuracy": right / max(rows, 1)}


def _csim(design: Any, graphs: list[Any], fixed: list[list[np.ndarray]]) -> dict:
    t = time.perf_counter()
    simulated = design.csim_many([_args(g) for g in graphs])
    same = all(np.array_equal(c, e) for cs, es in zip(simulated, fixed) for c, e in zip(cs, es))
    return {"csim_identical": same, "csim_s": time.perf_counter() - t}


def _build(design: Any, options: Options, point_id: str) -> dict:
    """Synthesize the point's project with the vendor tool when the worker has it (Vitis: the
    synthesis step alone; oneAPI: the report target); say so in the row when it has not."""
    import gnnc
    from gnnc import vendor_build

    backend = options.build_backend or design.config.backend
    if options.projects_dir is None:
        return {"build": "skipped: no output directory for the projects (give the sweep an out_dir)"}
    prj = Path(options.projects_dir) / point_id
    try:
        build = vendor_build.plan(prj, backend, steps=("synth",), target="report")
    except GnncError as err:
        return {"build": f"skipped on worker {socket.gethostname()}: {err}"}
    design.write(prj, backend=backend, force=True)
    timeout = float(os.environ[BUILD_TIMEOUT_ENV]) if os.environ.get(BUILD_TIMEOUT_ENV) else None
    t = time.perf_counter()
    failure = vendor_build.run(build, prj, timeout=timeout)
    if failure:
        return {"build": f"failed: {failure}" + (f" ({BUILD_TIMEOUT_ENV})" if "took more than" in failure else "")}
    report = gnnc.read_report(prj)
    row: dict[str, Any] = {"build": f"{report.tool or backend} report in {prj}", "build_s": time.perf_counter() - t}
    for k, v in ((report.actual or {}).get("total") or {}).items():
        row[f"synth_{k}"] = v
    return row
