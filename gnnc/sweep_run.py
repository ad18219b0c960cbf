"""`gnnc.sweep`: every point of a design space on Dask distributed, one result file per point,
a rerun resumes, the table and its Pareto front (docs/sweep.md)."""

from __future__ import annotations

import csv
import hashlib
import json
import logging
import os
import sys
import sysconfig
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from gnnc import pareto
from gnnc.errors import GnncError
from gnnc.progress import progress as progress_bar
from gnnc.space import Point, expand, split_path
from gnnc.sweep_point import Options, evaluate

POINTS_DIR = "points"  # in the output directory: <point id>.json per finished point
TABLE = "sweep.csv"
PLOT = "pareto.png"
_FORMAT = 1  # of a point file; a point written by another format is computed again
_FIRST = ("point", "id", "label")


@dataclass
class SweepResult:
    rows: list[dict]  # one per point, in the space's order, with its knobs, metrics and front marks
    objective: str
    computed: int  # points computed by this call (the others were read from out_dir)
    points: list[Point] = field(default_factory=list)  # each row's point: its values and whole config
    out_dir: Path | None = None
    files: dict[str, Path] = field(default_factory=dict)  # "table", "parquet", "plot"
    wall_s: float = 0.0

    def best(self) -> dict:
        """The chosen point's row (gnnc.pareto.best: the most accurate that fits the part)."""
        return self.rows[pareto.best(self.rows, self.objective)]

    def best_config(self) -> dict:
        """The config of the chosen point (what gnnc.compile takes)."""
        return self.points[pareto.best(self.rows, self.objective)].config


def sweep(model: Any, graphs: list[Any], space: dict | list | str | Path, config: Any = None, client: Any = None, *,
          out_dir: str | Path | None = None, labels: list[np.ndarray] | None = None, objective: str | None = None,
          csim: bool = False, build: bool | str = False, cut: float = 0.5, workers: int | None = None,
          progress: bool | None = None, on_point: Callable[[dict], None] | None = None) -> SweepResult:
    """Compile, estimate and emulate `model` at every point of `space` over `config`, on Dask.

    graphs: the inputs (a PyG Data or a tuple of forward arguments each); the first is the
    compile example. labels: 0/1 per row of the first output per graph (default: each Data's
    `y`), for efficiency / purity / accuracy. client: a dask.distributed Client, a scheduler
    address, or None for a LocalCluster of `workers` processes. out_dir: one JSON file per
    finished point (a rerun computes only the missing ones), the table, the plot.
    objective: the column the front maximizes (`-col` minimizes); default `accuracy` with
    labels, else `-max_abs_error`. build: True (each point's backend) or "vitis" / "oneapi":
    synthesize every point with that vendor tool on the workers that have it."""
    start = time.perf_counter()
    if not graphs:
        raise GnncError("sweep: no graphs given; a sweep emulates every point on at least one graph")
    points = expand(space, config)
    labels = _labels(graphs) if labels is None else [np.asarray(y) for y in labels]
    objective = objective or ("accuracy" if labels is not None else "-max_abs_error")
    _check_objective(objective, labels is not None)
    out = Path(out_dir) if out_dir is not None else None
    if build not in (False, True, "vitis", "oneapi"):
        raise GnncError(f"sweep: build={build!r}; expected True (each point's backend), 'vitis' or 'oneapi'")
    options = Options(cut=cut, csim=csim, build=bool(build), projects_dir=str(out / "projects") if out and build else None,
                      build_backend=build if isinstance(build, str) else None)
    inputs = _digest(model, graphs, labels, options)
    ids = [_point_id(p, inputs) for p in points]
    rows: dict[int, dict] = {}
    if out is not None:
        rows = {p.index: row for p, i in zip(points, ids) if (row := _read_point(out, i)) is not None}
    todo = [p for p in points if p.index not in rows]
    if todo:
        payload = _payload(model, graphs, labels)
        with _client(client, workers) as dask_client:
            for point, row in _run(dask_client, payload, todo, ids, options, progress):
                row = _row(point, ids[point.index], row)
                if out is not None:
                    _write_point(out, ids[point.index], row)
                rows[point.index] = row
                if on_point is not None:
                    on_point(row)
    table = pareto.mark([rows[p.index] for p in points], objective)
    result = SweepResult(table, objective, len(todo), points, out, wall_s=time.perf_counter() - start)
    if out is not None:
        result.files = _write_results(out, table, objective)
    return result


def _row(point: Point, point_id: str, metrics: dict) -> dict:
    knobs = {f"cfg.{k}": _cell(v) for k, v in point.values.items()}
    return {"point": point.index, "id": point_id, "label": point.label, **knobs, **metrics}


def _cell(value: Any) -> Any:
    return value if isinstance(value, int | float | str | bool) or value is None else json.dumps(value, sort_keys=True)


def _labels(graphs: list[Any]) -> list[np.ndarray] | None:
    """Each Data's `y` when every graph has one of 0s and 1s; else None (no classifier metrics)."""
    ys = [getattr(g, "y", None) for g in graphs]
    if any(y is None for y in ys):
        return None
    arrays = [np.asarray(y.detach().cpu().numpy() if hasattr(y, "detach") else y) for y in ys]
    return arrays if all(np.isin(a, (0, 1)).all() for a in arrays) else None


def _check_objective(objective: str, labelled: bool) -> None:
    name, _ = pareto.objective_of(objective)
    classifier = ("accuracy", "efficiency", "purity")
    if name in classifier and not labelled:
        raise GnncError(f"sweep objective {name} needs labels (a Data.y of 0/1 per output row, or labels=...); "
                        "without them use -max_abs_error")


# -- identity of a point: its config, the model, the graphs, the options ------------------ #


def _digest(model: Any, graphs: list[Any], labels: Any, options: Options) -> str:
    import gnnc

    h = hashlib.sha256()
    # the class by name only: a model file's module is named anew by each run that loads it
    h.update(f"gnnc {gnnc.__version__} format {_FORMAT} {type(model).__qualname__}".encode())
    _feed(h, model.state_dict() if hasattr(model, "state_dict") else model)
    _feed(h, list(graphs))
    _feed(h, labels)
    h.update(json.dumps(asdict(options) | {"projects_dir": None}, sort_keys=True).encode())
    return h.hexdigest()


def _feed(h: Any, value: Any) -> None:
    """Hash a value by its content: arrays by dtype, shape and bytes; Data by its attributes."""
    import torch

    if isinstance(value, torch.Tensor):
        value = value.detach().cpu().numpy()
    if isinstance(value, np.ndarray):
        h.update(f"{value.dtype}{value.shape}".encode())
        h.update(np.ascontiguousarray(value).tobytes())
    elif isinstance(value, dict):
        for k in sorted(value, key=str):
            h.update(str(k).encode())
            _feed(h, value[k])
    elif isinstance(value, list | tuple):
        h.update(f"[{len(value)}".encode())
        for v in value:
            _feed(h, v)
    elif hasattr(value, "to_dict") and hasattr(value, "keys"):  # a PyG Data
        _feed(h, value.to_dict())
    else:
        h.update(repr(value).encode())


def _point_id(point: Point, inputs: str) -> str:
    text = json.dumps(point.config, sort_keys=True, default=str) + inputs
    return hashlib.sha256(text.encode()).hexdigest()[:16]


# -- result files -------------------------------------------------------------------- #


def _read_point(out: Path, point_id: str) -> dict | None:
    path = out / POINTS_DIR / f"{point_id}.json"
    try:
        stored = json.loads(path.read_text())
    except (OSError, json.JSONDecodeError):
        return None  # not there (or unreadable): compute it
    return stored["row"] if stored.get("format") == _FORMAT and stored.get("id") == point_id else None


def _write_point(out: Path, point_id: str, row: dict) -> None:
    _atomic(out / POINTS_DIR / f"{point_id}.json", json.dumps({"format": _FORMAT, "id": point_id, "row": row},
                                                             indent=1, default=_plain) + "\n")


def _plain(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    raise TypeError(f"{type(value).__name__} is not JSON")


def _atomic(path: Path, text: str) -> None:
    """Write a file by renaming a finished temporary beside it: a reader (or a rerun after a
    crash) sees the old file or the whole new one."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise GnncError(f"cannot create the sweep directory {path.parent}: {err.strerror}") from None
    if path.is_dir():
        raise GnncError(f"{path} is a directory; the sweep writes a file there: choose another output directory")
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w") as f:
            f.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _write_results(out: Path, rows: list[dict], objective: str) -> dict[str, Path]:
    columns = list(_FIRST)
    for row in rows:
        columns += [k for k in row if k not in columns]
    files = {"table": out / TABLE}
    lines: list[str] = []

    class _Lines:
        def write(self, s: str) -> None:
            lines.append(s)

    writer = csv.DictWriter(_Lines(), fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    _atomic(files["table"], "".join(lines))
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError:
        pass
    else:
        files["parquet"] = out / "sweep.parquet"
        pq.write_table(pa.Table.from_pylist([{c: r.get(c) for c in columns} for r in rows]), files["parquet"])
    try:
        files["plot"] = pareto.plot(rows, objective, out / PLOT)
    except GnncError as err:  # no matplotlib: the table is the result, the plot an extra
        print(f"gnnc sweep: no plot: {err}", file=sys.stderr)
    return files


# -- Dask ------------------------------------------------------------------------------ #


def _dask():
    try:
        import distributed
    except ImportError:
        raise GnncError("gnnc.sweep runs on Dask: pip install 'gnnc[sweep]' (dask[distributed])") from None
    return distributed


class _client:
    """The Client to use: the caller's (left open), one for a scheduler address, or a LocalCluster."""

    def __init__(self, client: Any, workers: int | None):
        self.given, self.workers, self.owned = client, workers, []

    def __enter__(self):
        distributed = _dask()
        if isinstance(self.given, distributed.Client):
            return self.given
        if isinstance(self.given, str):
            try:
                client = distributed.Client(self.given, timeout="30s")
            except OSError as err:
                raise GnncError(f"cannot reach the Dask scheduler at {self.given}: {err}") from None
            self.owned = [client]
            return client
        if self.given is not None:
            raise GnncError(f"sweep client: expected a dask.distributed Client or a scheduler address, "
                            f"got {type(self.given).__name__}")
        cluster = distributed.LocalCluster(n_workers=self.workers or os.cpu_count() or 1, threads_per_worker=1,
                                           processes=True, dashboard_address=None, silence_logs=logging.ERROR)
        self.owned = [distributed.Client(cluster), cluster]
        return self.owned[0]

    def __exit__(self, *exc):
        for thing in self.owned:
            thing.close()


def _payload(model: Any, graphs: list[Any], labels: Any) -> bytes:
    """The model, graphs and labels as bytes every worker can load: the model's own code (a
    model file, examples/ next to a script) goes by value, as workers may not have it."""
    import cloudpickle

    user = _user_modules(model)
    for module in user:
        cloudpickle.register_pickle_by_value(module)
    try:
        return cloudpickle.dumps((model, list(graphs), labels))
    finally:
        for module in user:
            cloudpickle.unregister_pickle_by_value(module)


def _user_modules(model: Any) -> list[Any]:
    """Modules defining the model's classes, and the functions those classes hold (PyG keeps a
    `propagate` generated from a template in a module of its own), that are not installed
    packages (nor gnnc, torch, PyG)."""
    paths = sysconfig.get_paths()
    installed = {Path(paths[k]).resolve() for k in ("purelib", "platlib", "stdlib")}
    classes = {type(m) for m in model.modules()} if hasattr(model, "modules") else {type(model)}
    names = {c.__module__ for c in classes}
    names |= {getattr(v, "__module__", None) for c in classes for v in vars(c).values() if callable(v)} - {None}
    found = []
    for name in sorted(names):
        module = sys.modules.get(name)
        path = getattr(module, "__file__", None)
        if path is None or name.split(".")[0] in ("gnnc", "torch", "torch_geometric"):
            continue
        if not any(p in installed for p in Path(path).resolve().parents):
            found.append(module)
    return found


_LOADED: dict[str, tuple] = {}  # per worker process: payload digest -> (model, graphs, labels)


def _evaluate_task(payload: bytes, digest: str, config: dict, options: Options, point_id: str) -> dict:
    if digest not in _LOADED:
        import cloudpickle

        _LOADED.clear()
        _LOADED[digest] = cloudpickle.loads(payload)
    model, graphs, labels = _LOADED[digest]
    return evaluate(model, graphs, labels, config, options, point_id)


def _hold(payload: bytes) -> bytes:
    return payload


def _run(client: Any, payload: bytes, todo: list[Point], ids: list[str], options: Options, progress: bool | None):
    """(point, row) as each finishes. The payload is a task (not scattered data), so the scheduler
    recomputes it when the worker holding it is lost; a point lost with its worker runs again
    elsewhere (the scheduler's allowed-failures), and a raised exception is retried once."""
    distributed = _dask()
    digest = hashlib.sha256(payload).hexdigest()
    shared = client.submit(_hold, payload, key=f"gnnc-sweep-payload-{digest[:16]}")
    futures = {
        client.submit(_evaluate_task, shared, digest, p.config, options, ids[p.index],
                      key=f"gnnc-point-{p.index}-{ids[p.index]}", retries=1): p
        for p in todo
    }
    bar = progress_bar(len(todo), "gnnc sweep", "point", progress)
    try:
        for future in distributed.as_completed(futures):
            point = futures[future]
            try:
                row = future.result()
            except Exception as err:
                raise GnncError(f"sweep point {point.index} ({point.label}) failed on the cluster: "
                                f"{type(err).__name__}: {err}") from err
            bar.update(1)
            yield point, row
    finally:
        bar.close()
        client.cancel([*futures, shared])


__all__ = ["SweepResult", "split_path", "sweep"]
