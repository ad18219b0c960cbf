"""
Automatic precision: `gnnc.calibrate(model, graphs, ...)` chooses fixed-point types from the
ranges values take on a calibration set (docs/precision.md, "Automatic precision").
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from gnnc.config import load_config
from gnnc.errors import ConfigError, GnncError

#: The type of the measuring run: 12 integer bits (values up to 2048), 16 fractional bits,
#: exact accumulators still within 62 bits for layers of a few hundred inputs.
PROBE = "fixed<28,12,rnd>"


@dataclass
class Calibration:
    """What `calibrate` chose: `precision` (a config `precision` section), the compiled
    `design`, and per input/op a row of `report` (range seen, type chosen, overflows)."""

    precision: dict[str, Any]
    design: Any
    report: list[dict[str, Any]] = field(default_factory=list)

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
    width: int = 16,
    margin_bits: int = 1,
    quantization: str = "rnd",
    overflow: str = "sat",
    example: Any = None,
) -> Calibration:
    """
    Choose every input's, op's, weight's and bias's type from the ranges seen on `graphs`:
    integer bits cover the largest magnitude plus `margin_bits`, the rest of `width` bits are
    fractional; accumulators stay exact. Values are measured with `PROBE` types. Ops with a
    module path get `precision.ops[path]`, ops without one `precision.kinds[kind]` (the
    widest of their kind). Then the model is compiled with the result and run again on
    `graphs` to count the values that still overflow (saturate with overflow="sat").
    """
    from gnnc.design import compile as compile_design

    if not graphs:
        raise GnncError("calibrate needs at least one calibration graph")
    if width < 2:
        raise ConfigError(f"calibrate: width must be at least 2, got {width}")
    base = _strip_none(load_config(config).to_dict())
    example = graphs[0] if example is None else example
    probe = compile_design(model, example, base | {"precision": {"default": PROBE}})
    stats: dict[str, dict] = {}
    for g in graphs:
        _, report = probe.emulate(*_args(g), report=True)
        for label, entry in report.items():
            merged = stats.setdefault(label, {"op": entry["op"], "path": entry["path"], "min": np.inf, "max": -np.inf,
                                              "overflows": 0})
            for where, s in entry.items():
                if isinstance(s, dict) and where.startswith("result"):
                    merged["min"], merged["max"] = min(merged["min"], s["min"]), max(merged["max"], s["max"])
                    merged["overflows"] += s["overflows"]
    spilled = [label for label, s in stats.items() if s["overflows"]]
    if spilled:
        raise GnncError(f"calibrate: values beyond the probe type {PROBE} in {', '.join(spilled)}")

    def fixed(lo: float, hi: float, margin: int) -> str:
        # Never-negative values (after relu, sigmoid) get an unsigned type: one more fractional bit.
        unsigned = lo >= 0
        i = integer_bits(lo, hi, margin) - (1 if unsigned else 0)
        opts = "".join(f",{o}" for o in (quantization, overflow) if o)
        return f"{'u' if unsigned else ''}fixed<{max(width, i + 1)},{i}{opts}>"

    inputs, ops, kinds = {}, {}, {}
    groups: dict[tuple[str, str], list[float]] = {}
    for label, s in stats.items():
        if s["op"] == "input":
            inputs[label.removeprefix("input ")] = fixed(s["min"], s["max"], margin_bits)
            continue
        key = ("ops", s["path"]) if s["path"] else ("kinds", s["op"].removeprefix("gnn."))
        lo_hi = groups.setdefault(key, [np.inf, -np.inf])
        lo_hi[0], lo_hi[1] = min(lo_hi[0], s["min"]), max(lo_hi[1], s["max"])
    for (where, name), (lo, hi) in groups.items():
        (ops if where == "ops" else kinds)[name] = {"result": fixed(lo, hi, margin_bits)}
    # Constants are known exactly: no margin.
    for op in probe.module("gnn").walk():
        path = op.attributes.get("gnn.path")
        if op.name != "gnn.dense" or path is None:
            continue
        entry = ops.setdefault(path.data, {})
        for name in ("weight", "bias"):
            attr = getattr(op, name)
            if attr is not None:
                v = np.array(attr.get_values(), dtype=np.float64)
                entry[name] = fixed(float(v.min()), float(v.max()), 0)
    precision: dict[str, Any] = {"default": base["precision"]["default"], "inputs": inputs, "ops": ops,
                                 "kinds": kinds}
    design = compile_design(model, example, base | {"precision": precision})

    final: dict[str, dict] = {}
    for g in graphs:
        _, report = design.emulate(*_args(g), report=True)
        for label, entry in report.items():
            row = final.setdefault(label, {"label": label, "op": entry["op"], "path": entry["path"], "min": np.inf,
                                           "max": -np.inf, "type": "", "values": 0, "overflows": 0})
            for where, s in entry.items():
                if isinstance(s, dict) and where.startswith("result"):
                    row["type"] = s["type"]
                    row["min"], row["max"] = min(row["min"], s["min"]), max(row["max"], s["max"])
                    row["values"] += s["values"]
                    row["overflows"] += s["overflows"]
    return Calibration(precision=precision, design=design, report=list(final.values()))


def _strip_none(d: dict) -> dict:
    return {k: _strip_none(v) if isinstance(v, dict) else v for k, v in d.items() if v is not None}


def _args(g: Any) -> tuple:
    return g if isinstance(g, tuple) else (g,)


__all__ = ["PROBE", "Calibration", "calibrate", "integer_bits"]
