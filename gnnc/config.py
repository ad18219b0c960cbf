"""The compile configuration: a dict or YAML file with the keys of DESIGN §6. Unknown keys are errors."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from gnnc.errors import ConfigError
from gnnc.fixed import format_fixed, parse_fixed

BACKENDS = ("vitis", "oneapi")
DEFAULT_PART = "xcvu9p-flga2104-2L-e"


@dataclass(frozen=True)
class GraphCapacity:
    max_nodes: int | None = None  # None: the example graph's size
    max_edges: int | None = None


@dataclass(frozen=True)
class Config:
    backend: str = "vitis"
    part: str = DEFAULT_PART
    clock_period_ns: float = 5.0
    graph: GraphCapacity = field(default_factory=GraphCapacity)
    precision_default: str = "fixed<16,6>"
    top: str | None = None
    io: str = "parallel"
    reuse_factor: int = 1

    def to_dict(self) -> dict[str, Any]:
        """The config as a plain dict (what gnnc_config.yaml in a project holds)."""
        return {
            "backend": self.backend,
            "part": self.part,
            "clock_period_ns": self.clock_period_ns,
            "graph": {"max_nodes": self.graph.max_nodes, "max_edges": self.graph.max_edges},
            "precision": {"default": self.precision_default},
            "top": self.top,
            "io": self.io,
            "reuse_factor": self.reuse_factor,
        }


_TOP_KEYS = {"backend", "part", "clock_period_ns", "graph", "precision", "top", "io", "reuse_factor"}
_GRAPH_KEYS = {"max_nodes", "max_edges"}
_PRECISION_KEYS = {"default", "inputs", "ops"}


def load_config(source: Config | dict | str | Path | None) -> Config:
    """A Config from a dict, a YAML file path, or None (all defaults)."""
    if isinstance(source, Config):
        return source
    if source is None:
        return Config()
    if isinstance(source, str | Path):
        path = Path(source)
        try:
            data = yaml.safe_load(path.read_text())
        except FileNotFoundError:
            raise ConfigError(f"config file {path} does not exist") from None
        except yaml.YAMLError as err:
            raise ConfigError(f"config file {path} is not valid YAML: {err}") from None
        source = data or {}
    if not isinstance(source, dict):
        raise ConfigError(f"config must be a mapping of keys to values, got {type(source).__name__}")
    return _from_dict(source)


def _from_dict(d: dict) -> Config:
    _no_unknown(d, _TOP_KEYS, "")
    kwargs: dict[str, Any] = {}
    if "backend" in d:
        if d["backend"] not in BACKENDS:
            raise ConfigError(f"backend: {d['backend']!r} is not one of {', '.join(BACKENDS)}")
        kwargs["backend"] = d["backend"]
    if "part" in d:
        kwargs["part"] = _typed(d, "part", str)
    if "clock_period_ns" in d:
        period = _typed(d, "clock_period_ns", (int, float))
        if period <= 0:
            raise ConfigError(f"clock_period_ns: must be positive, got {period}")
        kwargs["clock_period_ns"] = float(period)
    if "top" in d:
        kwargs["top"] = _typed(d, "top", str)
    if "graph" in d:
        g = _typed(d, "graph", dict)
        _no_unknown(g, _GRAPH_KEYS, "graph.")
        caps = {}
        for key in _GRAPH_KEYS & g.keys():
            value = g[key]
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise ConfigError(f"graph.{key}: must be a positive integer, got {value!r}")
            caps[key] = value
        kwargs["graph"] = GraphCapacity(**caps)
    if "precision" in d:
        p = d["precision"]
        if isinstance(p, str):  # `precision: fixed<16,6>` is shorthand for the default
            p = {"default": p}
        if not isinstance(p, dict):
            raise ConfigError(f"precision: expected a mapping or a type, got {p!r}")
        _no_unknown(p, _PRECISION_KEYS, "precision.")
        for key in ("inputs", "ops"):
            if p.get(key):
                raise ConfigError(f"precision.{key}: per-input and per-op precision is not supported yet")
        if "default" in p:
            kwargs["precision_default"] = format_fixed(parse_fixed(p["default"], "precision.default"))
    if "io" in d:
        if d["io"] != "parallel":
            raise ConfigError(f"io: {d['io']!r} is not supported yet; use io: parallel")
        kwargs["io"] = "parallel"
    if "reuse_factor" in d:
        if d["reuse_factor"] != 1:
            raise ConfigError(
                f"reuse_factor: {d['reuse_factor']!r} is not supported yet; the design is fully parallel (1)"
            )
    return Config(**kwargs)


def _no_unknown(d: dict, known: set[str], prefix: str) -> None:
    unknown = sorted(str(k) for k in d.keys() - known)
    if any("<" in str(v) and ">" not in str(v) for v in d.values()) or any(">" in k for k in unknown):
        # `{default: fixed<16,8>}`: inside YAML's {...} the comma separates entries
        raise ConfigError(
            f"{prefix}{', '.join(unknown)}: a fixed-point type was split at its comma; "
            "quote it in YAML flow mappings: {default: 'fixed<16,8>'}"
        )
    if unknown:
        raise ConfigError(
            f"unknown config key{'s' if len(unknown) > 1 else ''} "
            f"{', '.join(prefix + k for k in unknown)}; known: {', '.join(sorted(prefix + k for k in known))}"
        )


def _typed(d: dict, key: str, types):
    value = d[key]
    if not isinstance(value, types) or isinstance(value, bool):
        names = types.__name__ if isinstance(types, type) else " or ".join(t.__name__ for t in types)
        raise ConfigError(f"{key}: expected {names}, got {value!r}")
    return value
