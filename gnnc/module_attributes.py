"""The design settings a printed `gnn` module carries, so that `gnnc-opt --lower-to-hls` rebuilds
the design `gnnc compile` built (docs/passes.md, "Round trip"):

    builtin.module attributes {
      gnnc.graph = {max_nodes = 40 : i64, max_edges = 80 : i64, max_graphs = 1 : i64},
      gnnc.precision = {default = "fixed<12,4>", spec = "{...}"},
      gnnc.directives = {io = "stream", reuse = "reuse-factor=4", strategy = "default=latency ..."}
    } { ... }

`spec` (optional) is the config's precision section without `default`, as JSON (the
`precision` option of gnn-fixed-point); `max_graphs` is optional (default 1). gnnc.directives
holds the lowering's other settings, each only when it is not the default: the options of
gnn-strategy and hls-reuse as written in a pass pipeline, io, top, split_edge_dense, sparse."""

from __future__ import annotations

from dataclasses import dataclass

from xdsl.dialects.builtin import DictionaryAttr, IntegerAttr, ModuleOp, StringAttr, i64

from gnnc.errors import GnncError

GRAPH = "gnnc.graph"
PRECISION = "gnnc.precision"
DIRECTIVES = "gnnc.directives"
ALL = (GRAPH, PRECISION, DIRECTIVES)
_GRAPH_KEYS = ("max_nodes", "max_edges", "max_graphs")
_PRECISION_KEYS = ("default", "spec")
_FLAGS = {"true": True, "false": False}


@dataclass(frozen=True)
class Directives:
    """How a fixed-point design is lowered besides its capacity: what a config's strategy,
    reuse_factor/parallelism, io, top, split_edge_dense and sparse_dense make of the passes."""

    strategy: str = ""  # gnn-strategy's options ("" = every op latency)
    reuse: str = ""  # hls-reuse's options ("" = fully parallel)
    io: str = "parallel"
    top: str = ""  # "" = the model's name
    split_edge_dense: bool = False
    sparse: bool = True
    inline_layers: bool = True  # hls-outline's inline


_DIRECTIVE_KEYS = tuple(Directives.__dataclass_fields__)


@dataclass(frozen=True)
class Settings:
    """What a module's attributes say; None where it says nothing."""

    max_nodes: int | None = None
    max_edges: int | None = None
    max_graphs: int | None = None
    precision: str | None = None
    precision_spec: str | None = None
    directives: Directives = Directives()


def attach(module: ModuleOp, max_nodes: int, max_edges: int, max_graphs: int,
           precision: str, precision_spec: str = "", directives: Directives = Directives()) -> None:
    """Record a design's capacity, precision and lowering directives on `module` (in place)."""
    graph = {"max_nodes": max_nodes, "max_edges": max_edges, "max_graphs": max_graphs}
    module.attributes[GRAPH] = DictionaryAttr({k: IntegerAttr(v, i64) for k, v in graph.items()})
    types: dict = {"default": StringAttr(precision)}
    if precision_spec:
        types["spec"] = StringAttr(precision_spec)
    module.attributes[PRECISION] = DictionaryAttr(types)
    default = Directives()
    changed = {k: getattr(directives, k) for k in _DIRECTIVE_KEYS if getattr(directives, k) != getattr(default, k)}
    if changed:
        module.attributes[DIRECTIVES] = DictionaryAttr(
            {k: StringAttr(str(v).lower() if isinstance(v, bool) else v) for k, v in changed.items()})


def read(module: ModuleOp) -> Settings:
    """The settings of `module`'s attributes; a GnncError naming the attribute when one is malformed."""
    graph = _entries(module, GRAPH, _GRAPH_KEYS)
    sizes = {k: _positive(v, f"{GRAPH}.{k}") for k, v in graph.items()}
    types = _entries(module, PRECISION, _PRECISION_KEYS)
    text = {k: _string(v, f"{PRECISION}.{k}") for k, v in types.items()}
    return Settings(**sizes, precision=text.get("default"), precision_spec=text.get("spec"),
                    directives=_directives(module))


def _directives(module: ModuleOp) -> Directives:
    entries = {k: _string(v, f"{DIRECTIVES}.{k}") for k, v in _entries(module, DIRECTIVES, _DIRECTIVE_KEYS).items()}
    if entries.get("io", "parallel") not in ("parallel", "stream"):
        raise GnncError(f'module attribute {DIRECTIVES}.io must be "parallel" or "stream", got "{entries["io"]}"')
    for flag in ("split_edge_dense", "sparse", "inline_layers"):
        if flag in entries:
            if entries[flag] not in _FLAGS:
                raise GnncError(f'module attribute {DIRECTIVES}.{flag} must be "true" or "false", '
                                f'got "{entries[flag]}"')
            entries[flag] = _FLAGS[entries[flag]]
    return Directives(**entries)


def _entries(module: ModuleOp, name: str, keys: tuple[str, ...]) -> dict:
    attr = module.attributes.get(name)
    if attr is None:
        return {}
    if not isinstance(attr, DictionaryAttr):
        raise GnncError(f"module attribute {name} must be a dictionary {{{', '.join(keys)}}}, got {attr}")
    unknown = [k for k in attr.data if k not in keys]
    if unknown:
        raise GnncError(f"module attribute {name} has unknown key '{unknown[0]}' (expected: {', '.join(keys)})")
    return dict(attr.data)


def _positive(attr, name: str) -> int:
    if not isinstance(attr, IntegerAttr) or attr.value.data < 1:
        raise GnncError(f"module attribute {name} must be a positive integer (e.g. 64 : i64), got {attr}")
    return attr.value.data


def _string(attr, name: str) -> str:
    if not isinstance(attr, StringAttr):
        raise GnncError(f'module attribute {name} must be a string (e.g. "fixed<16,6>"), got {attr}')
    return attr.data
