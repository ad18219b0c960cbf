"""
Per-input, per-op and per-kind precision (docs/config.md, "Precision").

`parse_spec` validates the `precision` section of a config (minus `default`) into a plain,
JSON-serialisable dict; gnn-fixed-point takes that JSON as its `precision` option and uses
`Resolver` to decide each op's types. Errors name the config key.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from gnnc.dialects.gnn import ActivationFn, OverflowMode, QuantMode
from gnnc.errors import ConfigError
from gnnc.fixed import MAX_INT64_WIDTH as MAX_WIDTH
from gnnc.fixed import MAX_TABLE_SIZE, format_fixed, parse_fixed

#: Fields of an op's precision: value types, `accum` ("auto" = exact), `table` geometry, and
#: `recip`, the entry type of a mean aggregation's 1/deg table.
OP_KEYS = ("weight", "bias", "result", "accum", "table", "recip")
TABLE_KEYS = ("size", "min", "max")
#: `precision.kinds` keys: gnn op names without the `gnn.` prefix, and activation functions
#: (more specific than `activation`).
OP_KINDS = ("dense", "scatter", "activation", "concat", "add", "sub", "mul", "scale", "edge_softmax",
            "gather", "repeat", "degree_norm", "count_fn", "loop_mask", "readout", "softmax", "layer_norm", "take")
ACTIVATION_KINDS = tuple(fn.value for fn in ActivationFn)
KINDS = OP_KINDS + ACTIVATION_KINDS
SPEC_KEYS = ("inputs", "ops", "kinds")


def parse_spec(p: dict, prefix: str = "precision.") -> dict[str, Any]:
    """Validate `inputs`, `ops` and `kinds` of a precision mapping; types come back canonical."""
    out: dict[str, Any] = {}
    if p.get("inputs") is not None:
        inputs = _mapping(p["inputs"], f"{prefix}inputs")
        out["inputs"] = {str(k): _type(v, f"{prefix}inputs.{k}") for k, v in inputs.items()}
    if p.get("ops") is not None:
        ops = _mapping(p["ops"], f"{prefix}ops")
        out["ops"] = {str(k): _op_spec(v, f"{prefix}ops.{k}") for k, v in ops.items()}
    if p.get("kinds") is not None:
        kinds = _mapping(p["kinds"], f"{prefix}kinds")
        unknown = sorted(str(k) for k in kinds if k not in KINDS)
        if unknown:
            raise ConfigError(
                f"unknown config key {', '.join(prefix + 'kinds.' + k for k in unknown)}; "
                f"known kinds: {', '.join(KINDS)}"
            )
        out["kinds"] = {str(k): _op_spec(v, f"{prefix}kinds.{k}") for k, v in kinds.items()}
    return {k: v for k, v in out.items() if v}


def spec_from_json(text: str, where: str) -> dict[str, Any]:
    if not text:
        return {}
    try:
        data = json.loads(text)
    except json.JSONDecodeError as err:
        raise ConfigError(f"{where}: not valid JSON: {err}") from None
    data = _mapping(data, where)
    unknown = sorted(set(data) - set(SPEC_KEYS))
    if unknown:
        raise ConfigError(f"unknown key{'s' if len(unknown) > 1 else ''} {', '.join(unknown)} in {where}; "
                          f"known: {', '.join(SPEC_KEYS)}")
    return parse_spec(data, "precision.")


def _mapping(value, key: str) -> dict:
    if not isinstance(value, dict):
        raise ConfigError(f"{key}: expected a mapping, got {value!r}")
    return value


def _type(value, key: str) -> str:
    if not isinstance(value, str):
        raise ConfigError(f"{key}: expected a fixed-point type such as 'fixed<16,6>', got {value!r}")
    return format_fixed(parse_fixed(value, key))


def _int(value, key: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise ConfigError(f"{key}: expected an integer, got {value!r}")
    return value


def _op_spec(value, key: str) -> dict[str, Any]:
    spec = _mapping(value, key)
    unknown = sorted(str(k) for k in spec if k not in OP_KEYS)
    if any(">" in k for k in unknown):  # YAML flow mapping {result: fixed<8,2>}: split at the comma
        raise ConfigError(f"{key}: a fixed-point type was split at its comma; "
                          "quote it in YAML flow mappings: {result: 'fixed<8,2>'}")
    if unknown:
        raise ConfigError(
            f"unknown config key{'s' if len(unknown) > 1 else ''} {', '.join(key + '.' + k for k in unknown)}; "
            f"known: {', '.join(key + '.' + k for k in OP_KEYS)}"
        )
    out: dict[str, Any] = {}
    for k in ("weight", "bias", "result", "recip"):
        if spec.get(k) is not None:
            out[k] = _type(spec[k], f"{key}.{k}")
    if spec.get("accum") is not None:
        out["accum"] = "auto" if spec["accum"] == "auto" else _type(spec["accum"], f"{key}.accum")
    if spec.get("table") is not None:
        out["table"] = _table(spec["table"], f"{key}.table")
    return out


def _table(value, key: str) -> dict[str, int]:
    t = _mapping(value, key)
    unknown = sorted(str(k) for k in t if k not in TABLE_KEYS)
    if unknown or set(t) != set(TABLE_KEYS):
        raise ConfigError(f"{key}: expected exactly the keys size, min, max, got {', '.join(map(str, t)) or 'none'}")
    size, lo, hi = (_int(t[k], f"{key}.{k}") for k in TABLE_KEYS)
    if not 2 <= size <= MAX_TABLE_SIZE:
        raise ConfigError(f"{key}.size: must be in [2, {MAX_TABLE_SIZE}], got {size}")
    if hi <= lo:
        raise ConfigError(f"{key}: max ({hi}) must be above min ({lo})")
    if size % (hi - lo):
        raise ConfigError(
            f"{key}: size / (max - min) = {size}/{hi - lo} must be an integer (the table index is "
            f"floor((x - min) * size / (max - min)), computed with an integer scale in hardware); "
            f"choose a size that is a multiple of {hi - lo}"
        )
    return {"size": size, "min": lo, "max": hi}


@dataclass(frozen=True)
class AutoPrecision:
    """`precision.auto`: choose types from ranges on calibration graphs (gnnc.calibration).
    Exactly one of `width` (bits of every value type) and `error_budget` (max |output - float
    output| over the calibration graphs; the fractional bits are searched, types at most
    `max_width` bits). `graphs`: a torch.save file of calibration graphs (absolute path)."""

    width: int | None = None
    error_budget: float | None = None
    margin_bits: int = 1
    max_width: int = 32
    quantization: str = "rnd"
    overflow: str = "sat"
    graphs: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {k: v for k, v in asdict(self).items() if v is not None}


AUTO_KEYS = tuple(AutoPrecision.__dataclass_fields__)
AUTO_MODES = {"quantization": [m.value for m in QuantMode], "overflow": [m.value for m in OverflowMode]}


def parse_auto(value: Any, base_dir: Path | None = None, key: str = "precision.auto") -> AutoPrecision:
    """Validate `precision.auto`; a relative `graphs` path is taken from `base_dir` (the YAML
    file's folder) or the working directory."""
    a = _mapping(value, key)
    unknown = sorted(str(k) for k in a if k not in AUTO_KEYS)
    if unknown:
        raise ConfigError(f"unknown config key{'s' if len(unknown) > 1 else ''} "
                          f"{', '.join(key + '.' + k for k in unknown)}; known: "
                          f"{', '.join(key + '.' + k for k in AUTO_KEYS)}")
    given = [k for k in ("width", "error_budget") if a.get(k) is not None]
    if len(given) != 1:
        raise ConfigError(f"{key}: give exactly one of {key}.width (bits per type) and {key}.error_budget "
                          f"(max |output - float output|), got {' and '.join(given) or 'neither'}")
    out: dict[str, Any] = {}
    for k, lo in (("width", 2), ("max_width", 2), ("margin_bits", 0)):
        if a.get(k) is not None:
            out[k] = _int(a[k], f"{key}.{k}")
            if not lo <= out[k] <= MAX_WIDTH:
                raise ConfigError(f"{key}.{k}: must be in [{lo}, {MAX_WIDTH}], got {out[k]}")
    if a.get("error_budget") is not None:
        budget = a["error_budget"]
        if isinstance(budget, bool) or not isinstance(budget, int | float) or not 0 < budget < math.inf:
            raise ConfigError(f"{key}.error_budget: expected a positive number, got {budget!r}")
        out["error_budget"] = float(budget)
    for k, modes in AUTO_MODES.items():
        if a.get(k) is not None:
            if a[k] not in modes:
                raise ConfigError(f"{key}.{k}: {a[k]!r} is not one of {', '.join(modes)}")
            out[k] = a[k]
    if a.get("graphs") is not None:
        if not isinstance(a["graphs"], str | Path):
            raise ConfigError(f"{key}.graphs: expected the path of a torch.save file of graphs, got {a['graphs']!r}")
        path = Path(a["graphs"]).expanduser()
        path = path if path.is_absolute() or base_dir is None else base_dir / path
        if not path.is_file():
            raise ConfigError(f"{key}.graphs: {path} does not exist")
        out["graphs"] = str(path.resolve())
    return AutoPrecision(**out)


@dataclass
class Resolved:
    """One op's precision: each field with the config key it came from (None: the default)."""

    fields: dict[str, Any] = field(default_factory=dict)
    keys: dict[str, str] = field(default_factory=dict)

    def get(self, name: str):
        return self.fields.get(name)


class Resolver:
    """Most specific wins, field by field: ops path (longest) > activation function > op kind."""

    def __init__(self, spec: dict[str, Any]):
        self.spec = spec
        self.used_paths: set[str] = set()

    def input_type(self, name: str) -> str | None:
        return self.spec.get("inputs", {}).get(name)

    def resolve(self, path: str | None, kinds: list[str]) -> Resolved:
        sources: list[tuple[str, dict]] = []  # least specific first
        for kind in kinds:
            if kind in self.spec.get("kinds", {}):
                sources.append((f"precision.kinds.{kind}", self.spec["kinds"][kind]))
        if path is not None:
            matches = [p for p in self.spec.get("ops", {}) if path == p or path.startswith(p + ".")]
            for p in sorted(matches, key=len):
                self.used_paths.add(p)
                sources.append((f"precision.ops.{p}", self.spec["ops"][p]))
        out = Resolved()
        for key, spec in sources:
            for name, value in spec.items():
                out.fields[name] = value
                out.keys[name] = f"{key}.{name}"
        return out

    def unused_paths(self) -> list[str]:
        return sorted(set(self.spec.get("ops", {})) - self.used_paths)


def fixed_point_pipeline(default: str, max_edges: int, spec_json: str = "", max_nodes: int | None = None) -> str:
    """The gnn-fixed-point pass spec for a config (what `gnnc-opt -p` takes)."""
    options = f'default="{default}" max-edges={max_edges}'
    if max_nodes is not None:  # readout sums over the nodes of a graph
        options += f" max-nodes={max_nodes}"
    if spec_json:
        escaped = spec_json.replace("\\", "\\\\").replace('"', '\\"')
        options += f' precision="{escaped}"'
    return f"gnn-fixed-point{{{options}}}"
