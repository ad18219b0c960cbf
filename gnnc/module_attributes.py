"""The design settings a printed `gnn` module carries, so that `gnnc-opt --lower-to-hls` rebuilds
the design `gnnc compile` built (docs/passes.md, "Round trip"):

    builtin.module attributes {
      gnnc.graph = {max_nodes = 40 : i64, max_edges = 80 : i64, max_graphs = 1 : i64},
      gnnc.precision = {default = "fixed<12,4>", spec = "{...}"}
    } { ... }

`spec` (optional) is the config's precision section without `default`, as JSON (the
`precision` option of gnn-fixed-point); `max_graphs` is optional (default 1)."""

from __future__ import annotations

from dataclasses import dataclass

from xdsl.dialects.builtin import DictionaryAttr, IntegerAttr, ModuleOp, StringAttr, i64

from gnnc.errors import GnncError

GRAPH = "gnnc.graph"
PRECISION = "gnnc.precision"
_GRAPH_KEYS = ("max_nodes", "max_edges", "max_graphs")
_PRECISION_KEYS = ("default", "spec")


@dataclass(frozen=True)
class Settings:
    """What a module's attributes say; None where it says nothing."""

    max_nodes: int | None = None
    max_edges: int | None = None
    max_graphs: int | None = None
    precision: str | None = None
    precision_spec: str | None = None


def attach(module: ModuleOp, max_nodes: int, max_edges: int, max_graphs: int,
           precision: str, precision_spec: str = "") -> None:
    """Record a design's capacity and precision on `module` (in place)."""
    graph = {"max_nodes": max_nodes, "max_edges": max_edges, "max_graphs": max_graphs}
    module.attributes[GRAPH] = DictionaryAttr({k: IntegerAttr(v, i64) for k, v in graph.items()})
    types: dict = {"default": StringAttr(precision)}
    if precision_spec:
        types["spec"] = StringAttr(precision_spec)
    module.attributes[PRECISION] = DictionaryAttr(types)


def read(module: ModuleOp) -> Settings:
    """The settings of `module`'s attributes; a GnncError naming the attribute when one is malformed."""
    graph = _entries(module, GRAPH, _GRAPH_KEYS)
    sizes = {k: _positive(v, f"{GRAPH}.{k}") for k, v in graph.items()}
    types = _entries(module, PRECISION, _PRECISION_KEYS)
    text = {k: _string(v, f"{PRECISION}.{k}") for k, v in types.items()}
    return Settings(**sizes, precision=text.get("default"), precision_spec=text.get("spec"))


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
