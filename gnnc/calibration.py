"""
Automatic precision (`precision.auto`, `gnnc.calibrate`): fixed-point types chosen from the
ranges values take on a calibration set of graphs (docs/precision.md, "Automatic precision").
"""

from __future__ import annotations

import dataclasses
import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from gnnc.config import Config, load_config
from gnnc.errors import ConfigError, GnncError
from gnnc.precision import AutoPrecision, parse_auto, parse_spec
from gnnc.progress import progress

#: The type of the measuring run: 12 integer bits (values up to 2048), 16 fractional bits,
#: exact accumulators still within 62 bits for layers of a few hundred inputs.
PROBE = "fixed<28,12,rnd>"
GRAPHS_KEY = "precision.auto.graphs"


@dataclass
class Calibration:
    """What calibration chose: `precision` (a config `precision` section, explicit entries
    merged in), the compiled `design`, per input/op a row of `report` (range seen, type chosen,
    overflows on the calibration set), and `error`, the largest |output - float output| there.
    With an error budget, `fractional_bits` is the uniform fractional bits chosen."""

    precision: dict[str, Any]
    design: Any
    report: list[dict[str, Any]] = field(default_factory=list)
    error: float = 0.0
    graphs: int = 0
    fractional_bits: int | None = None

    @property
    def width(self) -> int:
        """The widest value type chosen."""
        return max((int(r["type"].split("<")[1].split(",")[0]) for r in self.report), default=0)

    def summary(self) -> str:
        bits = "" if self.fractional_bits is None else f", {self.fractional_bits} fractional bits"
        saturated = sum(r["overflows"] for r in self.report)
        return (f"widest type {self.width} bits{bits}; max |output - float| {self.error:.3g}; "
                f"{saturated} values saturated on {self.graphs} calibration graph{'s' * (self.graphs != 1)}")

    def table(self) -> str:
        """The report as an aligned text table."""
        lines = [f"{'op':40} {'range seen':>22} {'type chosen':>24} {'overflows':>12}"]
        for r in self.report:
            seen = f"[{r['min']:.3g}, {r['max']:.3g}]"
            lines.append(f"{r['label']:40} {seen:>22} {r['type']:>24} {r['overflows']:>5}/{r['values']:<6}")
        return "\n".join(lines)


def integer_bits(lo: float, hi: float, margin_bits: int = 0) -> int:
    """Integer bits (with the sign) of a signed type holding [lo, hi], plus a margin; an unsigned
    type needs one fewer."""
    m = max(abs(lo), abs(hi))
    bits = 1 if m == 0 else max(1, math.floor(math.log2(m)) + 2)
    return bits + margin_bits


def calibrate(
    model: Any,
    graphs: list[Any],
    config: Any = None,
    width: int | None = None,
    margin_bits: int = 1,
    quantization: str = "rnd",
    overflow: str = "sat",
    example: Any = None,
    error_budget: float | None = None,
    max_width: int = 32,
) -> Calibration:
    """
    Choose every input's, op's, weight's and bias's type from the ranges seen on `graphs`:
    integer bits cover the largest magnitude plus `margin_bits`; the rest of `width` bits
    (16 unless `error_budget` is given) are fractional, or, with `error_budget`, the fewest
    uniform fractional bits whose outputs stay within it of the float outputs. Accumulators
    stay exact. `config`'s explicit precision entries win. Compiled on `example` (default
    graphs[0]). The same as compiling with `precision.auto` (docs/precision.md).
    """
    from gnnc.frontend import import_model

    if width is None and error_budget is None:
        width = 16
    request = {"width": width, "error_budget": error_budget, "margin_bits": margin_bits, "max_width": max_width,
               "quantization": quantization, "overflow": overflow}
    auto = parse_auto({k: v for k, v in request.items() if v is not None})
    cfg = dataclasses.replace(load_config(config), precision_auto=auto)
    if not graphs:
        raise GnncError("calibrate needs at least one calibration graph")
    example = graphs[0] if example is None else example
    return calibrate_imported(import_model(model, example), example, cfg, graphs)


def calibrate_imported(imported: Any, example: Any, cfg: Config, graphs: list[Any] | None) -> Calibration:
    """Calibrate an imported model under `cfg.precision_auto` on `graphs` (None: the file of
    `precision.auto.graphs`, else the example alone); the design is compiled on the example."""
    auto = cfg.precision_auto
    assert auto is not None
    where = "calibration graph"
    if graphs is None and auto.graphs:
        graphs, where = load_graphs(auto.graphs), f"{GRAPHS_KEY}: {auto.graphs}, graph"
    graphs = [example] if graphs is None else graphs
    if not graphs:
        raise GnncError("calibration needs at least one calibration graph (calibration=[] was given)")
    for k, g in enumerate(graphs):
        _check_fits(imported, g, f"{where} {k}")
    bound = [_args(g) for g in graphs]
    example_inputs = imported.bind(*_args(example))
    user = json.loads(cfg.precision_spec or "{}")

    def build(precision: dict[str, Any]) -> Any:
        from gnnc.design import Design

        spec = json.dumps(parse_spec(precision), sort_keys=True)
        resolved = dataclasses.replace(cfg, precision_auto=None, precision_spec=spec if spec != "{}" else "")
        return Design(imported, resolved, example_inputs)

    probe = _probe(imported, example_inputs, cfg)
    stats = _measure(probe, bound)
    spilled = [label for label, s in stats.items() if s["overflows"]]
    if spilled:
        raise GnncError(f"calibration: values beyond the probe type {PROBE} in {', '.join(spilled)}")
    floats = [_outputs(probe, g, fixed=False) for g in bound]
    kinds_at = _kinds_by_path(probe)

    def attempt(frac: int | None) -> tuple[dict, Any, float]:
        precision = _merge(_choose(stats, probe, auto, frac), user, kinds_at)
        design = build(precision)
        bar.update()
        return precision, design, _error(design, bound, floats)

    frac = None
    # a counter: the bisection's length depends on the error budget
    with progress(None if auto.error_budget is not None else 1, "calibration", "design") as bar:
        if auto.error_budget is None:
            precision, design, error = attempt(None)
        else:
            frac, (precision, design, error) = _search(attempt, _widest_integer_bits(stats, probe, auto), auto)
    report = list(_measure(design, bound).values())
    design.calibration = Calibration(precision, design, report, error, len(bound), frac)
    return design.calibration


def _probe(imported: Any, example_inputs: dict, cfg: Config) -> Any:
    """The measuring design: every type PROBE, accumulators exact, explicit entries ignored."""
    from gnnc.design import Design

    return Design(imported, dataclasses.replace(cfg, precision_auto=None, precision_default=PROBE,
                                                precision_spec=""), example_inputs)


def _search(attempt, widest_int: int, auto: AutoPrecision) -> tuple[int, tuple[dict, Any, float]]:
    """The fewest uniform fractional bits meeting the error budget, by bisection (the error
    falls as bits are added): F meets it and F - 1 does not. Types stay within max_width."""
    top = auto.max_width - widest_int
    key = "precision.auto.error_budget"
    if top < 0:
        raise ConfigError(f"{key}: values need {widest_int} integer bits, more than precision.auto.max_width "
                          f"({auto.max_width})")
    tried = {top: attempt(top)}
    if tried[top][2] > auto.error_budget:
        raise ConfigError(
            f"{key}: {auto.error_budget:g} cannot be met within precision.auto.max_width = {auto.max_width} bits: "
            f"with {top} fractional bits max |output - float output| is {tried[top][2]:.3g} (lookup tables "
            "have their own error: a finer or wider precision.kinds.<sigmoid|tanh|elu>.table may lower it)"
        )
    lo, hi = -1, top  # attempt(lo) fails (or is below range), attempt(hi) meets the budget
    while hi - lo > 1:
        mid = (lo + hi) // 2
        tried[mid] = attempt(mid)
        lo, hi = (lo, mid) if tried[mid][2] <= auto.error_budget else (mid, hi)
    return hi, tried[hi]


def _choose(stats: dict, probe: Any, auto: AutoPrecision, frac: int | None) -> dict[str, Any]:
    """Types from the ranges: `auto.width` bits, or `frac` fractional bits, per input, op path and
    kind of pathless op; dense weights and biases from their exact values (no margin)."""

    def fixed(lo: float, hi: float, margin: int) -> str:
        # Never-negative values (after relu, sigmoid) get an unsigned type: one more fractional bit.
        unsigned = lo >= 0
        i = integer_bits(lo, hi, margin) - (1 if unsigned else 0)
        w = max(auto.width, i + 1) if frac is None else max(1, i + frac)
        opts = "".join(f",{o}" for o in (auto.quantization, auto.overflow) if o)
        return f"{'u' if unsigned else ''}fixed<{w},{i}{opts}>"

    inputs, ops, kinds = {}, {}, {}
    for name, (lo, hi) in _ranges(stats).items():
        where, key = name
        target = {"inputs": inputs, "ops": ops, "kinds": kinds}[where]
        if where == "inputs":
            target[key] = fixed(lo, hi, auto.margin_bits)
        else:
            target[key] = {"result": fixed(lo, hi, auto.margin_bits)}
    for path, name, values in _constants(probe):
        ops.setdefault(path, {})[name] = fixed(float(values.min()), float(values.max()), 0)
    return {"inputs": inputs, "ops": ops, "kinds": kinds}


def _ranges(stats: dict) -> dict[tuple[str, str], tuple[float, float]]:
    """[min, max] per input, op path, and kind of the ops without one."""
    out: dict[tuple[str, str], tuple[float, float]] = {}
    for label, s in stats.items():
        if s["op"] == "input":
            key = ("inputs", label.removeprefix("input "))
        else:
            key = ("ops", s["path"]) if s["path"] else ("kinds", s["op"].removeprefix("gnn."))
        lo, hi = out.get(key, (np.inf, -np.inf))
        out[key] = (min(lo, s["min"]), max(hi, s["max"]))
    return out


def _constants(probe: Any):
    """(path, "weight"/"bias", values) of every dense with a module path."""
    for op in probe.module("gnn").walk():
        path = op.attributes.get("gnn.path")
        if op.name != "gnn.dense" or path is None:
            continue
        for name in ("weight", "bias"):
            attr = getattr(op, name)
            if attr is not None:
                yield path.data, name, np.array(attr.get_values(), dtype=np.float64)


def _widest_integer_bits(stats: dict, probe: Any, auto: AutoPrecision) -> int:
    """Integer bits of the widest type _choose makes (its width with no fractional bits)."""
    chosen = _choose(stats, probe, auto, 0)
    types = [*chosen["inputs"].values(), *(t for k in ("ops", "kinds") for e in chosen[k].values() for t in e.values())]
    return max(int(t.split("<")[1].split(",")[1]) for t in types)


def _kinds_by_path(probe: Any) -> dict[str, set[str]]:
    """The kinds (precision.kinds keys) of the ops under each module path."""
    from gnnc.passes.gnn_fixed_point import op_kinds

    out: dict[str, set[str]] = {}
    for op in probe.module("gnn").walk():
        path = op.attributes.get("gnn.path")
        if path is not None:
            out.setdefault(path.data, set()).update(op_kinds(op))
    return out


def _merge(auto: dict, user: dict, kinds_at: dict[str, set[str]]) -> dict[str, Any]:
    """The automatic types with the explicit ones on top: an automatic field is dropped wherever
    an explicit `ops` path covering its op, or an explicit `kinds` entry of one of its ops, sets it
    (otherwise the automatic, more specific, path would win in resolution)."""
    user_ops, user_kinds = user.get("ops", {}), user.get("kinds", {})

    def explicit(path: str, name: str) -> bool:
        return (any(name in f for p, f in user_ops.items() if path == p or path.startswith(p + "."))
                or any(name in user_kinds.get(k, {}) for k in kinds_at.get(path, ())))

    ops = {p: {n: t for n, t in f.items() if not explicit(p, n)} for p, f in auto["ops"].items()}
    kinds = {k: {n: t for n, t in f.items() if n not in user_kinds.get(k, {})} for k, f in auto["kinds"].items()}
    for p, f in user_ops.items():
        ops[p] = ops.get(p, {}) | f
    for k, f in user_kinds.items():
        kinds[k] = kinds.get(k, {}) | f
    return {"inputs": auto["inputs"] | user.get("inputs", {}),
            "ops": {p: f for p, f in ops.items() if f}, "kinds": {k: f for k, f in kinds.items() if f}}


def _measure(design: Any, bound: list[tuple]) -> dict[str, dict]:
    """Per report label over the graphs: op, path, the range of the exact values before their
    result casts, how many values were cast and overflowed, and the result type."""
    out: dict[str, dict] = {}
    for g in bound:
        _, report = design.emulate(*g, report=True)
        for label, entry in report.items():
            row = out.setdefault(label, {"label": label, "op": entry["op"], "path": entry["path"], "min": np.inf,
                                         "max": -np.inf, "type": "", "values": 0, "overflows": 0})
            for where, s in entry.items():
                if isinstance(s, dict) and where.startswith("result"):
                    row["type"] = s["type"]
                    row["min"], row["max"] = min(row["min"], s["min"]), max(row["max"], s["max"])
                    row["values"] += s["values"]
                    row["overflows"] += s["overflows"]
    return out


def _outputs(design: Any, g: tuple, fixed: bool = True) -> list[np.ndarray]:
    out = design.emulate(*g, fixed=fixed)
    return list(out) if isinstance(out, tuple) else [out]


def _error(design: Any, bound: list[tuple], floats: list[list[np.ndarray]]) -> float:
    """max |fixed output - float output| over the graphs and outputs."""
    return max(float(np.max(np.abs(a - b), initial=0.0))
               for g, ref in zip(bound, floats) for a, b in zip(_outputs(design, g), ref))


def load_graphs(path: str | Path) -> list[Any]:
    """The calibration graphs of `precision.auto.graphs`: a torch.save'd non-empty list of PyG
    Data objects or of tuples of forward() arguments."""
    import torch

    try:
        # Data objects are pickled Python objects: the file is the user's own, as is the model.
        data = torch.load(path, map_location="cpu", weights_only=False)
    except FileNotFoundError:
        raise ConfigError(f"{GRAPHS_KEY}: {path} does not exist") from None
    except Exception as err:
        raise ConfigError(f"{GRAPHS_KEY}: cannot read {path} with torch.load: {type(err).__name__}: {err}") from None
    if not isinstance(data, list) or not data or not all(_is_graph(g) for g in data):
        got = type(data).__name__ if not isinstance(data, list) else (
            "an empty list" if not data else f"a list of {', '.join(sorted({type(g).__name__ for g in data}))}")
        raise ConfigError(f"{GRAPHS_KEY}: {path} must hold a non-empty list of graphs (PyG Data objects, or "
                          f"tuples of forward() arguments), saved with torch.save; it holds {got}")
    return data


def _is_graph(g: Any) -> bool:
    from torch_geometric.data.data import BaseData

    return isinstance(g, tuple | BaseData)


def _check_fits(imported: Any, g: Any, where: str) -> None:
    """A graph that does not fit the model's forward is an error naming where it came from."""
    try:
        imported.bind(*_args(g))
    except Exception as err:
        raise ConfigError(f"{where} does not fit the model's forward(): {type(err).__name__}: {err}") from None


def _args(g: Any) -> tuple:
    return g if isinstance(g, tuple) else (g,)


__all__ = ["PROBE", "Calibration", "calibrate", "calibrate_imported", "integer_bits", "load_graphs"]
