"""gnn-strategy: which arithmetic each op gets (latency, resource, distributed_arithmetic)."""

from __future__ import annotations

from dataclasses import dataclass

from xdsl.context import Context
from xdsl.dialects import builtin, func
from xdsl.ir import Operation
from xdsl.passes import ModulePass

from gnnc.config import DA, DA_KINDS, STRATEGIES
from gnnc.dialects.gnn import DenseOp
from gnnc.errors import ConfigError, GnncError
from gnnc.passes.gnn_fixed_point import op_kinds
from gnnc.precision import KINDS

#: the discardable attribute this pass sets on gnn ops (absent: latency); convert-gnn-to-hls
#: copies it onto the op's top-level loops as their `strategy` property.
STRATEGY_ATTR = "gnn.strategy"


@dataclass(frozen=True)
class GnnStrategyPass(ModulePass):
    """
    Mark each op with its strategy (config key `strategy`, docs/config.md#strategy).
    `default` applies to every op, `kinds` (`"dense=resource;..."`) per op kind, `ops`
    (`"R1.layers.0=distributed_arithmetic;..."`) per torch module path (a path covers the ops
    at or below it); the most specific wins: longest ops path, then activation function,
    then op kind, then default. `distributed_arithmetic` applies to denses only (a product
    by constant weights): a default or a path covering other ops leaves those at latency.
    Sets `gnn.strategy` on every op whose strategy is not latency. Errors: an unknown
    strategy or kind, an ops path that names no op, or one that asks for
    distributed_arithmetic and covers no dense.
    """

    name = "gnn-strategy"

    default: str = "latency"
    ops: str = ""
    kinds: str = ""

    def apply(self, ctx: Context, op: builtin.ModuleOp) -> None:
        default = _checked(self.default, f"{self.name}{{default}}")
        by_kind = dict(_pairs(self.kinds, f"{self.name}{{kinds}}"))
        for kind, strategy in by_kind.items():
            if kind not in KINDS:
                raise ConfigError(f"strategy.kinds.{kind}: unknown op kind; known kinds: {', '.join(KINDS)}")
            if strategy == DA and kind not in DA_KINDS:
                raise ConfigError(f"strategy.kinds.{kind}: distributed_arithmetic applies to "
                                  f"{', '.join(DA_KINDS)} ops only (a product by constant weights)")
        by_path = dict(_pairs(self.ops, f"{self.name}{{ops}}"))
        covered: dict[str, list[Operation]] = {p: [] for p in by_path}
        for fn in op.walk():
            if not isinstance(fn, func.FuncOp) or fn.is_declaration:
                continue
            for o in fn.body.walk():
                if not o.name.startswith("gnn."):
                    continue
                strategy = self._resolve(o, default, by_kind, by_path, covered)
                if strategy == DA and not isinstance(o, DenseOp):
                    strategy = "latency"
                if strategy == "latency":
                    o.attributes.pop(STRATEGY_ATTR, None)
                else:
                    o.attributes[STRATEGY_ATTR] = builtin.StringAttr(strategy)
        for path, ops in covered.items():
            if not ops:
                raise ConfigError(f"strategy.ops.{path}: no op has this module path (or one below it); "
                                  "op paths are the gnn.path attributes of the IR (design.mlir('gnn'))")
            if by_path[path] == DA and not any(isinstance(o, DenseOp) for o in ops):
                raise ConfigError(f"strategy.ops.{path}: distributed_arithmetic applies to dense ops only, "
                                  f"and {path} has none (it has {', '.join(sorted({o.name for o in ops}))})")

    @staticmethod
    def _resolve(o: Operation, default: str, by_kind: dict[str, str], by_path: dict[str, str],
                 covered: dict[str, list[Operation]]) -> str:
        strategy = default
        for kind in op_kinds(o):  # least specific first
            strategy = by_kind.get(kind, strategy)
        path = o.attributes.get("gnn.path")
        if isinstance(path, builtin.StringAttr):
            matches = [p for p in by_path if path.data == p or path.data.startswith(p + ".")]
            for p in sorted(matches, key=len):
                covered[p].append(o)
                strategy = by_path[p]
        return strategy


def strategy_options(default: str, ops: tuple[tuple[str, str], ...], kinds: tuple[tuple[str, str], ...]) -> str:
    """The gnn-strategy pass spec for a config's strategy ("" when everything is latency)."""
    if default == "latency" and not ops and not kinds:
        return ""
    opts = [f"default={default}"]
    if ops:
        opts.append('ops="' + ";".join(f"{k}={v}" for k, v in ops) + '"')
    if kinds:
        opts.append('kinds="' + ";".join(f"{k}={v}" for k, v in kinds) + '"')
    return f"gnn-strategy{{{' '.join(opts)}}}"


def _checked(value: str, key: str) -> str:
    if value not in STRATEGIES:
        raise ConfigError(f"{key}: {value!r} is not a strategy; known: {', '.join(STRATEGIES)}")
    return value


def _pairs(spec: str, option: str) -> list[tuple[str, str]]:
    out = []
    for item in (s.strip() for s in spec.split(";") if s.strip()):
        key, sep, value = item.rpartition("=")
        if not sep or not key.strip():
            raise GnncError(f"{option}: expected key=strategy, got {item!r}")
        out.append((key.strip(), _checked(value.strip(), f"{option} {key.strip()}")))
    return out
