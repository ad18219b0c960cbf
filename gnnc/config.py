"""The compile configuration: a dict or YAML file with the keys of DESIGN §6. Unknown keys are errors."""

from __future__ import annotations

import json
import math
from collections.abc import Hashable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from gnnc.errors import ConfigError, clip
from gnnc.identifiers import check_identifier, shown
from gnnc.fixed import format_fixed, parse_fixed
from gnnc.precision import KINDS, AutoPrecision, parse_auto
from gnnc.precision import parse_spec as parse_precision_spec

BACKENDS = ("vitis", "oneapi")
MAX_CAPACITY = 1 << 22  # nodes or edges of one design: arrays, tables and tb data stay in memory
MIN_CLOCK_NS, MAX_CLOCK_NS = 0.1, 1000.0
MAX_YAML_BYTES = 1 << 20
MAX_CONFIG_VALUES = 100_000  # a config is keys and types, never this many (a YAML alias bomb is)
DEFAULT_PART = "xcvu9p-flga2104-2L-e"


@dataclass(frozen=True)
class GraphCapacity:
    max_nodes: int | None = None  # None: the example graph's size
    max_edges: int | None = None
    max_graphs: int | None = None  # graphs per call of a design with a batch input; None: the example's


@dataclass(frozen=True)
class FitSpec:
    """`fit`: gnnc chooses io, strategy, reuse factors and parallelism (gnnc.fit, docs/fit.md)."""

    utilization: float = 0.8  # the share of each resource of the part the design may use
    latency_ns: float | None = None  # an upper bound on the estimated latency

    def to_dict(self) -> dict[str, Any]:
        return {"utilization": self.utilization,
                **({"latency_ns": self.latency_ns} if self.latency_ns is not None else {})}


#: the config keys `fit` chooses (a config with `fit` must leave them to it)
FIT_CHOOSES = ("io", "strategy", "reuse_factor", "parallelism")


@dataclass(frozen=True)
class Config:
    backend: str = "vitis"
    part: str = DEFAULT_PART
    clock_period_ns: float = 5.0
    graph: GraphCapacity = field(default_factory=GraphCapacity)
    precision_default: str = "fixed<16,6>"
    # inputs / ops / kinds of `precision` as canonical JSON (gnn-fixed-point's `precision` option)
    precision_spec: str = ""
    # `precision.auto`: compile() calibrates and replaces it with the types it chose
    precision_auto: AutoPrecision | None = None
    top: str | None = None
    io: str = "parallel"
    reuse_factor: int = 1
    reuse_ops: tuple[tuple[str, int], ...] = ()  # (op path or name, reuse factor)
    parallelism_edges: int = 0  # rows per cycle of the loops over edges; 0 = all (fully parallel)
    parallelism_nodes: int = 0
    parallelism_ops: tuple[tuple[str, int], ...] = ()
    split_edge_dense: bool = False  # gnn-split-edge-dense before lowering (bit-identical)
    sparse_dense: bool = True  # a dense with zero weights multiplies its nonzero weights only
    inline_layers: bool = True  # false: each gnn op's function an instance of its own (hls-outline)
    # `strategy`: how an op's arithmetic is built (STRATEGIES); per op path and per op kind
    strategy: str = "latency"
    strategy_ops: tuple[tuple[str, str], ...] = ()  # (op path or name, strategy)
    strategy_kinds: tuple[tuple[str, str], ...] = ()  # (op kind, strategy)
    fit: FitSpec | None = None  # compile searches the knobs (gnnc.fit); a fitted design's config has none

    def to_dict(self) -> dict[str, Any]:
        """The config as a plain dict that load_config reads back (what a project's gnnc_config.yaml holds)."""
        graph = {"max_nodes": self.graph.max_nodes, "max_edges": self.graph.max_edges,
                 "max_graphs": self.graph.max_graphs}
        out = {
            "backend": self.backend,
            "part": self.part,
            "clock_period_ns": self.clock_period_ns,
            "graph": {k: v for k, v in graph.items() if v is not None},
            "precision": {
                "default": self.precision_default,
                **json.loads(self.precision_spec or "{}"),
                **({"auto": self.precision_auto.to_dict()} if self.precision_auto else {}),
            },
            "top": self.top,
            "io": self.io,
            "reuse_factor": (
                {"default": self.reuse_factor, "ops": dict(self.reuse_ops)} if self.reuse_ops else self.reuse_factor
            ),
            "parallelism": {
                **{k: v for k, v in (("edges", self.parallelism_edges), ("nodes", self.parallelism_nodes)) if v},
                **({"ops": dict(self.parallelism_ops)} if self.parallelism_ops else {}),
            },
            "split_edge_dense": self.split_edge_dense,
            "sparse_dense": self.sparse_dense,
            "inline_layers": self.inline_layers,
            "strategy": (
                {"default": self.strategy,
                 **({"ops": dict(self.strategy_ops)} if self.strategy_ops else {}),
                 **({"kinds": dict(self.strategy_kinds)} if self.strategy_kinds else {})}
                if self.strategy_ops or self.strategy_kinds else self.strategy
            ),
            "fit": self.fit.to_dict() if self.fit is not None else None,
        }
        if self.fit is not None:  # fit chooses these; a config with fit leaves them out
            out = {k: v for k, v in out.items() if k not in FIT_CHOOSES}
        return {k: v for k, v in out.items() if v is not None and v != {}}


#: parallel: one pipelined function over whole arrays; stream: dataflow stages and streams.
IO_MODES = ("parallel", "stream")

#: hls4ml's names. latency: one multiplier per product (shared by the reuse factor); resource:
#: the same arithmetic with the weights in block RAM; distributed_arithmetic: a dense as alkaid's
#: adder graph of shifts and adds (no multipliers, fully unrolled). docs/config.md#strategy
STRATEGIES = ("latency", "resource", "distributed_arithmetic")
DA = "distributed_arithmetic"
#: the op kinds distributed_arithmetic applies to (a product by constant weights)
DA_KINDS = ("dense",)

_TOP_KEYS = {"backend", "part", "clock_period_ns", "graph", "precision", "top", "io", "reuse_factor", "parallelism",
             "split_edge_dense", "sparse_dense", "inline_layers", "strategy", "fit"}
_GRAPH_KEYS = {"max_nodes", "max_edges", "max_graphs"}
_PRECISION_KEYS = {"default", "inputs", "ops", "kinds", "auto"}


def load_config(source: Config | dict | str | Path | None) -> Config:
    """A Config from a dict, a YAML file path, or None (all defaults)."""
    if isinstance(source, Config):
        return source
    if source is None:
        return Config()
    if isinstance(source, str | Path):
        path = Path(source)
        source = read_yaml(path, "config file")
        base_dir = path.parent  # a relative precision.auto.graphs is next to the YAML file
    else:
        base_dir = None
    if not isinstance(source, dict):
        raise ConfigError(f"config must be a mapping of keys to values, got {type(source).__name__}")
    return _from_dict(source, base_dir)


def _known_part(part: str) -> str:
    """The part string, once gnnc.parts knows its device (the estimate needs its totals)."""
    from gnnc.parts import lookup

    lookup(part)  # ConfigError naming the known devices
    return part


def _from_dict(d: dict, base_dir: Path | None = None) -> Config:
    check_size(d, "config")
    _no_unknown(d, _TOP_KEYS, "")
    kwargs: dict[str, Any] = {}
    if "backend" in d:
        if d["backend"] not in BACKENDS:
            raise ConfigError(f"backend: {d['backend']!r} is not one of {', '.join(BACKENDS)}")
        kwargs["backend"] = d["backend"]
    if "part" in d:
        kwargs["part"] = _known_part(_typed(d, "part", str))
    if "clock_period_ns" in d:
        period = _typed(d, "clock_period_ns", (int, float))
        if not math.isfinite(period) or not MIN_CLOCK_NS <= period <= MAX_CLOCK_NS:
            raise ConfigError(f"clock_period_ns: must be positive, between {MIN_CLOCK_NS} and {MAX_CLOCK_NS} ns "
                              f"({1000 / MAX_CLOCK_NS:g} MHz to {1000 / MIN_CLOCK_NS:g} MHz), got {period}")
        kwargs["clock_period_ns"] = float(period)
    if "top" in d:
        kwargs["top"] = _typed(d, "top", str)
        check_identifier(kwargs["top"], "top:", "choose a C++ identifier such as my_gnn_top", err=ConfigError)
    if "graph" in d:
        g = _typed(d, "graph", dict)
        _no_unknown(g, _GRAPH_KEYS, "graph.")
        caps = {}
        for key in _GRAPH_KEYS & g.keys():
            value = g[key]
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise ConfigError(f"graph.{key}: must be a positive integer, got {clip(repr(value), 60)}")
            if value > MAX_CAPACITY:
                raise ConfigError(f"graph.{key}: {value} is more than gnnc supports ({MAX_CAPACITY}); "
                                  "larger graphs run in segments of a smaller capacity")
            caps[key] = value
        kwargs["graph"] = GraphCapacity(**caps)
    if "precision" in d:
        p = d["precision"]
        if isinstance(p, str):  # `precision: fixed<16,6>` is shorthand for the default
            p = {"default": p}
        if not isinstance(p, dict):
            raise ConfigError(f"precision: expected a mapping or a type, got {p!r}")
        _no_unknown(p, _PRECISION_KEYS, "precision.")
        spec = parse_precision_spec(p)
        if spec:
            kwargs["precision_spec"] = json.dumps(spec, sort_keys=True)
        if "default" in p:
            kwargs["precision_default"] = format_fixed(parse_fixed(p["default"], "precision.default"))
        if p.get("auto") is not None:
            kwargs["precision_auto"] = parse_auto(p["auto"], base_dir)
    if "io" in d:
        if d["io"] not in IO_MODES:
            raise ConfigError(f"io: {d['io']!r} is not one of {', '.join(IO_MODES)}")
        kwargs["io"] = d["io"]
    if "reuse_factor" in d:
        r = d["reuse_factor"]
        if not isinstance(r, dict):  # `reuse_factor: 4` is shorthand for the default
            r = {"default": r}
        _no_unknown(r, {"default", "ops"}, "reuse_factor.")
        if "default" in r:
            kwargs["reuse_factor"] = _positive(r["default"], "reuse_factor.default")
        kwargs["reuse_ops"] = _op_factors(r.get("ops"), "reuse_factor.ops")
    if "parallelism" in d:
        p = d["parallelism"]
        if not isinstance(p, dict):  # `parallelism: 4`: 4 edges and 4 nodes per cycle
            p = {"edges": p, "nodes": p}
        _no_unknown(p, {"edges", "nodes", "ops"}, "parallelism.")
        for key in ("edges", "nodes"):
            if key in p:
                kwargs[f"parallelism_{key}"] = _positive(p[key], f"parallelism.{key}")
        kwargs["parallelism_ops"] = _op_factors(p.get("ops"), "parallelism.ops")
    for key in ("split_edge_dense", "sparse_dense", "inline_layers"):
        if key in d:
            if not isinstance(d[key], bool):
                raise ConfigError(f"{key}: expected true or false, got {d[key]!r}")
            kwargs[key] = d[key]
    if "strategy" in d:
        kwargs.update(_strategy(d["strategy"]))
    if "fit" in d:
        kwargs["fit"] = _fit(d["fit"])
        chosen = [k for k in FIT_CHOOSES if k in d]
        if chosen:
            raise ConfigError(f"fit: chooses {', '.join(FIT_CHOOSES)} itself, and the config also sets "
                              f"{', '.join(chosen)}; remove {'it' if len(chosen) == 1 else 'them'} or remove fit")
    if kwargs.get("strategy") == DA and kwargs.get("reuse_factor", 1) > 1:
        raise ConfigError(
            f"reuse_factor.default: {kwargs['reuse_factor']} with strategy distributed_arithmetic: alkaid's adder "
            "graphs are fully unrolled (every product is shifts and adds of its own), so nothing can be shared; "
            "use reuse_factor 1, or strategy latency/resource for the ops to share multipliers"
        )
    return Config(**kwargs)


def _strategy(s: Any) -> dict[str, Any]:
    """`strategy: NAME` or `{default, ops: {path: NAME}, kinds: {kind: NAME}}` -> Config fields."""
    if not isinstance(s, dict):  # `strategy: resource` is shorthand for the default
        s = {"default": s}
    _no_unknown(s, {"default", "ops", "kinds"}, "strategy.")
    out: dict[str, Any] = {}
    if "default" in s:
        out["strategy"] = _strategy_name(s["default"], "strategy.default")
    for section, known in (("ops", None), ("kinds", KINDS)):
        entries = s.get(section)
        if entries is None:
            continue
        key = f"strategy.{section}"
        if not isinstance(entries, dict):
            raise ConfigError(f"{key}: expected a mapping of op {'paths' if known is None else 'kinds'} "
                              f"to strategies, got {clip(repr(entries), 60)}")
        pairs = []
        for name, value in entries.items():
            if known is None and (not isinstance(name, str) or not name or any(c in name for c in ";= {}\"'")):
                raise ConfigError(f"{key}: {name!r} is not an op path (e.g. R1.layers.0)")
            if known is not None and name not in known:
                raise ConfigError(f"unknown config key {key}.{name}; known kinds: {', '.join(known)}")
            strategy = _strategy_name(value, f"{key}.{name}")
            if known is not None and strategy == DA and name not in DA_KINDS:
                raise ConfigError(f"{key}.{name}: distributed_arithmetic builds a product by constant weights "
                                  f"from shifts and adds; it applies to {', '.join(DA_KINDS)} ops only")
            pairs.append((name, strategy))
        out[f"strategy_{section}"] = tuple(pairs)
    return out


def _fit(f: Any) -> FitSpec:
    """`fit: {utilization: 0.8, latency_ns: 500}` (or `fit: 0.8`, or `fit: {}` for the defaults)."""
    if not isinstance(f, dict):
        f = {"utilization": f}
    _no_unknown(f, {"utilization", "latency_ns"}, "fit.")
    out: dict[str, Any] = {}
    if "utilization" in f:
        u = f["utilization"]
        if not isinstance(u, int | float) or isinstance(u, bool) or not math.isfinite(u) or not 0 < u <= 1:
            raise ConfigError(f"fit.utilization: the share of each resource of the part the design may use, "
                              f"a number in (0, 1] such as 0.8; got {clip(repr(u), 60)}")
        out["utilization"] = float(u)
    if f.get("latency_ns") is not None:
        t = f["latency_ns"]
        if not isinstance(t, int | float) or isinstance(t, bool) or not math.isfinite(t) or t <= 0:
            raise ConfigError(f"fit.latency_ns: an upper bound on the latency in ns, a positive number; "
                              f"got {clip(repr(t), 60)}")
        out["latency_ns"] = float(t)
    return FitSpec(**out)


def _strategy_name(value: Any, key: str) -> str:
    if value not in STRATEGIES:
        raise ConfigError(f"{key}: {clip(repr(value), 60)} is not a strategy; known: {', '.join(STRATEGIES)}")
    return value


class _StrictLoader(yaml.SafeLoader):
    """YAML that refuses a key given twice in one mapping (PyYAML would keep the last)."""

    def construct_mapping(self, node, deep=False):
        if isinstance(node, yaml.MappingNode):
            seen: dict[Any, int] = {}
            for key_node, _ in node.value:
                if key_node.tag == "tag:yaml.org,2002:merge":
                    continue
                key = self.construct_object(key_node, deep=True)
                line = key_node.start_mark.line + 1
                if isinstance(key, Hashable) and key in seen:
                    raise ConfigError(f"{key_node.start_mark.name}:{line}: key {shown(str(key))} is given twice "
                                      f"(first on line {seen[key]}); keep one")
                if isinstance(key, Hashable):
                    seen[key] = line
        return super().construct_mapping(node, deep=deep)


def read_yaml(path: Path, what: str) -> dict:
    """A YAML mapping from a file (or a pipe, read once), with errors that name the file."""
    if path.is_dir():
        raise ConfigError(f"{what} {path} is a directory, not a YAML file")
    try:
        with open(path, "rb") as f:
            data = f.read(MAX_YAML_BYTES + 1)
    except FileNotFoundError:
        raise ConfigError(f"{what} {path} does not exist") from None
    except OSError as err:
        raise ConfigError(f"{what} {path} cannot be read: {err.strerror}") from None
    if len(data) > MAX_YAML_BYTES:
        raise ConfigError(f"{what} {path} is larger than {MAX_YAML_BYTES // 1024} KiB; a config is a few lines")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as err:
        line = data[: err.start].count(b"\n") + 1
        raise ConfigError(f"{path}:{line}: {what} is not UTF-8 text") from None
    try:
        loaded = yaml.load(text, Loader=_loader_for(str(path)))  # noqa: S506 (a SafeLoader)
    except yaml.YAMLError as err:
        raise ConfigError(f"{what} {path} is not valid YAML: {shown(str(err), 400)}") from None
    if loaded is None:
        raise ConfigError(f"{what} {path} is empty; write at least one key (docs/config.md), "
                          "or leave the config out for all defaults")
    check_size(loaded, f"{what} {path}")
    if not isinstance(loaded, dict):
        raise ConfigError(f"{what} {path} must be a mapping of keys to values, got {type(loaded).__name__}")
    return loaded


def _loader_for(name: str):
    def make(stream):
        loader = _StrictLoader(stream)
        loader.name = name
        return loader

    return make


def check_size(value: Any, what: str) -> None:
    """Refuse a structure with more than MAX_CONFIG_VALUES values once aliases are expanded,
    counted without expanding them (a shared list counts each time it is used)."""
    sizes: dict[int, int] = {}

    def size(v: Any) -> int:
        if id(v) in sizes:
            return sizes[id(v)]
        sizes[id(v)] = MAX_CONFIG_VALUES + 1  # a cycle counts as too big
        if isinstance(v, dict):
            n = 1 + sum(size(k) + size(x) for k, x in v.items())
        elif isinstance(v, list | tuple):
            n = 1 + sum(size(x) for x in v)
        else:
            n = 1
        sizes[id(v)] = n = min(n, MAX_CONFIG_VALUES + 1)
        return n

    if size(value) > MAX_CONFIG_VALUES:
        raise ConfigError(f"{what} holds more than {MAX_CONFIG_VALUES} values once YAML aliases are expanded; "
                          "a config is a few keys (an alias bomb?)")


def _positive(value: Any, key: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise ConfigError(f"{key}: must be a positive integer, got {value!r}")
    return value


def _op_factors(ops: Any, key: str) -> tuple[tuple[str, int], ...]:
    """`{torch module path or op name: factor}`; whether the ops exist is checked by hls-reuse."""
    if ops is None:
        return ()
    if not isinstance(ops, dict):
        raise ConfigError(f"{key}: expected a mapping of op paths to factors, got {ops!r}")
    result = []
    for name, value in ops.items():
        if not isinstance(name, str) or not name or any(c in name for c in ";= {}\"'"):
            raise ConfigError(f"{key}: {name!r} is not an op path (e.g. R1.layers.0)")
        result.append((name, _positive(value, f"{key}.{name}")))
    return tuple(result)


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
