"""
Import a captured FX graph (see capture.py) into the gnn dialect.

The importer is an abstract interpreter over the FX nodes. Each node maps to
one of:

* an SSA value of type `!gnn.nodes` / `!gnn.edges` (a feature matrix; the type
  carries the node/edge kind, so kinds are tracked for free),
* `EdgeIndexVal` (the `!gnn.edge_index` argument) or `RowVal` (one of its rows),
* `ConstVal` (a parameter, buffer, or anything computed only from them),
* `SymVal` (a symbolic size such as N or E),
* plain Python values, tuples of the above, or None (assertions).

Every spelling of an operation is normalised onto one gnn op: `x[ei[k]]`,
`x.index_select(0, ei[k])` and the `_i`/`_j` arguments of `message` all become
`gnn.gather`; `gnn::scatter` becomes `gnn.scatter`; and so on. Anything else
is an UnsupportedModelError naming the op, the module and the source line.
"""

from __future__ import annotations

import re
import traceback
from pathlib import Path
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch
from torch import fx
from torch.export.graph_signature import InputKind, OutputKind
from xdsl.dialects.builtin import (
    ArrayAttr,
    DenseIntOrFPElementsAttr,
    DictionaryAttr,
    Float32Type,
    ModuleOp,
    StringAttr,
)
from xdsl.dialects.func import FuncOp, ReturnOp
from xdsl.ir import Attribute, Block, Operation, Region, SSAValue

from gnnc.dialects import gnn
from gnnc.errors import GnncError, UnsupportedModelError
from gnnc.frontend.capture import (
    BATCH,
    SUPPORTED,
    EDGE_INDEX,
    EDGES,
    NODES,
    WRAPPED,
    Captured,
    GraphInput,
    describe_frame,
    user_frame,
)

# --------------------------------------------------------------------------- #
# Abstract values
# --------------------------------------------------------------------------- #


@dataclass(frozen=True)
class EdgeIndexVal:
    value: SSAValue


@dataclass(frozen=True)
class RowVal:
    """edge_index[0] (src) or edge_index[1] (dst)."""

    end: gnn.EdgeEnd
    edge_index: EdgeIndexVal


@dataclass(frozen=True)
class BroadcastRowVal:
    """An edge_index row broadcast to [E, width], as scatter_add_ wants it."""

    row: RowVal
    width: int


@dataclass(frozen=True)
class ZerosVal:
    """An all-zero [N, F] matrix: the base of index_add_ / scatter_add_ / scatter_reduce_."""

    features: int


@dataclass(frozen=True)
class BatchVal:
    """The `!gnn.batch` argument: each node's graph number."""

    value: SSAValue


@dataclass(frozen=True)
class GraphCountVal:
    """The hidden capture input whose size is the number of graphs (capture._Graphs)."""


@dataclass(frozen=True)
class ConstVal:
    tensor: torch.Tensor


@dataclass(frozen=True)
class LoopedIndexVal:
    """
    edge_index after run-time self-loop edits (frontend/self_loops.py): its E edges, those
    from a node to itself masked out when `drop`, and with `loops` one self loop per node
    after them (E + N columns, kept apart as root terms).
    """

    edge_index: EdgeIndexVal
    drop: bool
    loops: bool


@dataclass(frozen=True)
class LoopedRowVal:
    """Row 0 (src) or 1 (dst) of a LoopedIndexVal."""

    end: gnn.EdgeEnd
    index: LoopedIndexVal

    @property
    def row(self) -> RowVal:
        """The row of the E original edges."""
        return RowVal(self.end, self.index.edge_index)


@dataclass(frozen=True)
class LoopedVal:
    """A per-edge value over E + N edges (self loops added): `edges` [E, F] for the edges,
    `loops` [N, F] for each node's self loop."""

    edges: SSAValue
    loops: SSAValue


@dataclass(frozen=True)
class CountVal:
    """
    f(count) for a per-node edge count `count` ([N, 1], utils.degree); f is `steps`
    (gnn.count_fn's), in order: see importer_counts.py.
    """

    count: SSAValue
    steps: tuple[str, ...]
    node: fx.Node  # the op that made it (its module and line name the ops it becomes)


@dataclass(frozen=True)
class SymVal:
    """A symbolic size; `expr` is a sympy expression over the export's size symbols."""

    expr: Any


class _Unsupported(Exception):
    """Raised by a handler; `_Importer.visit` turns it into an UnsupportedModelError."""


def _expr(size: Any) -> Any:
    """Sympy expression of a SymInt or int (for comparing sizes)."""
    import sympy

    if _is_symbolic(size):
        return size.node.expr
    if isinstance(size, SymVal):
        return size.expr
    if isinstance(size, int):
        return sympy.Integer(size)
    return None


def _features(value: Any) -> gnn.FeaturesType | None:
    if isinstance(value, SSAValue) and isinstance(value.type, gnn.FeaturesType):
        return value.type
    return None


def _kind(value: Any) -> str:
    """How a value is described in messages."""
    t = _features(value)
    if t is not None:
        article = "an" if t.kind == "edges" else "a"
        return f"{article} {t.kind[:-1]} matrix with {t.num_features} features"
    if isinstance(value, EdgeIndexVal):
        return "edge_index"
    if isinstance(value, BatchVal):
        return "the batch vector"
    if isinstance(value, RowVal):
        return f"edge_index[{0 if value.end == gnn.EdgeEnd.SRC else 1}]"
    if isinstance(value, BroadcastRowVal):
        return f"{_kind(value.row)} broadcast over features"
    if isinstance(value, ZerosVal):
        return f"a zero node matrix with {value.features} features"
    if isinstance(value, ConstVal):
        return f"a constant tensor of shape {list(value.tensor.shape)}"
    if isinstance(value, LoopedIndexVal):
        return "edge_index with its self loops " + ("removed and " * value.drop + "added" * value.loops).removesuffix(" and ")
    if isinstance(value, LoopedRowVal):
        return f"a row of {_kind(value.index)}"
    if isinstance(value, CountVal):
        return "a function of each node's edge count (utils.degree)"
    if isinstance(value, LoopedVal):
        return (f"an edge matrix with {value.edges.type.num_features} features over the edges "
                "and the added self loops")
    return repr(value)


def _is_graph_value(value: Any) -> bool:
    if isinstance(value, (list, tuple)):
        return any(_is_graph_value(v) for v in value)
    return isinstance(value, (SSAValue, EdgeIndexVal, RowVal, BroadcastRowVal, ZerosVal, SymVal, BatchVal,
                              CountVal, *_LOOPED))


_LOOPED = (LoopedIndexVal, LoopedRowVal, LoopedVal)


def _any_looped(value: Any) -> bool:
    if isinstance(value, (list, tuple)):
        return any(_any_looped(v) for v in value)
    if isinstance(value, dict):
        return any(_any_looped(v) for v in value.values())
    return isinstance(value, _LOOPED)


def any_count(value: Any) -> bool:
    if isinstance(value, (list, tuple)):
        return any(any_count(v) for v in value)
    if isinstance(value, dict):
        return any(any_count(v) for v in value.values())
    return isinstance(value, CountVal)


def _op_name(target: Any) -> str:
    """'aten::linear' for an OpOverload, 'getitem' for operator.getitem, ..."""
    schema = getattr(target, "_schema", None)
    if schema is not None:
        return schema.name
    return getattr(target, "__name__", str(target))


def _pretty_op(target: Any) -> str:
    """`aten.sort.default (torch.sort)`: the graph's name plus the torch spelling."""
    name = _op_name(target)
    if name.startswith("aten::"):
        base = name[len("aten::"):].rstrip("_")
        return f"{target} (torch.{base})"
    return str(getattr(target, "__qualname__", target))


def _snake_case(name: str) -> str:
    name = re.sub(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", "_", name).lower()
    name = re.sub(r"\W", "_", name)
    return name if name and not name[0].isdigit() else f"m_{name}"


_FRAME = re.compile(r'File "(?P<file>[^"]+)", line (?P<line>\d+), in (?P<fn>\S+)\n(?P<code>[^\n]*)')


def _stack_frames(stack_trace: str | None) -> list[traceback.FrameSummary]:
    if not stack_trace:
        return []
    return [
        traceback.FrameSummary(m["file"], int(m["line"]), m["fn"], line=m["code"].strip())
        for m in _FRAME.finditer(stack_trace)
    ]


def source_line(node: fx.Node) -> str | None:
    """`file.py:57`: the model's line an op came from (the printers' comment above its function)."""
    frame = user_frame(_stack_frames(node.meta.get("stack_trace")))
    return f"{Path(frame.filename).name}:{frame.lineno}" if frame is not None else None


def _module_path(node: fx.Node) -> tuple[str | None, str | None]:
    """(path, class name) of the innermost user module the node came from."""
    stack = node.meta.get("nn_module_stack") or {}
    found: tuple[str | None, str | None] = (None, None)
    for path, cls in stack.values():
        name = cls if isinstance(cls, str) else getattr(cls, "__qualname__", str(cls))
        if path == WRAPPED or path.startswith(WRAPPED + "."):
            found = (path[len(WRAPPED) + 1:], name.rsplit(".", 1)[-1])
        elif path and found[0] is not None:
            # Submodules reached through torch.export's AttrProxy (with Brevitas layers) are
            # recorded relative to the module that holds them.
            found = (f"{found[0]}.{path}" if found[0] else path, name.rsplit(".", 1)[-1])
    return found


#: Op (and argument) attributes that carry a Brevitas layer's fixed-point types to
#: gnn-fixed-point: a type, "exact" (the op's exact accumulator; for gnn.add/sub the exact sum type)
#: or "inherit" (its inputs'). The self-loop rules use them too (importer_loops._extreme).
QUANT_RESULT = "gnn.quant.result"
QUANT_WEIGHT = "gnn.quant.weight"

# --------------------------------------------------------------------------- #
# The importer
# --------------------------------------------------------------------------- #

_IGNORED = {
    "aten::_assert_scalar", "aten::sym_constrain_range_for_size", "aten::sym_constrain_range",
    "aten::_assert_tensor_metadata", "aten::_assert_async",
}
_IDENTITY = {
    "aten::clone", "aten::contiguous", "aten::alias", "aten::detach", "aten::lift_fresh_copy",
}
_ACTIVATIONS = {
    "aten::relu": gnn.ActivationFn.RELU,
    "aten::relu_": gnn.ActivationFn.RELU,
    "aten::sigmoid": gnn.ActivationFn.SIGMOID,
    "aten::sigmoid_": gnn.ActivationFn.SIGMOID,
    "aten::tanh": gnn.ActivationFn.TANH,
    "aten::tanh_": gnn.ActivationFn.TANH,
    "aten::silu": gnn.ActivationFn.SILU,
    "aten::silu_": gnn.ActivationFn.SILU,
    "aten::mish": gnn.ActivationFn.MISH,
    "aten::mish_": gnn.ActivationFn.MISH,
    "aten::log_sigmoid": gnn.ActivationFn.LOG_SIGMOID,
}
_RESHAPES = {
    "aten::view", "aten::reshape", "aten::flatten", "aten::squeeze", "aten::unsqueeze",
    "aten::_unsafe_view", "aten::expand", "aten::expand_as", "aten::repeat",
}
# PyG's reduce names and the torch ones of scatter_reduce.
_SCATTER_REDUCE = {"sum": "sum", "mean": "mean", "amax": "max", "amin": "min"}


@dataclass
class ImportResult:
    module: ModuleOp
    inputs: list[GraphInput]  # the function arguments, in order
    output_names: list[str]
    # Where the model removes self loops (module and model line, see loop_probe.py), in order.
    loop_drops: list[str] = field(default_factory=list)


class _Importer:
    def __init__(self, captured: Captured, func_name: str):
        self.captured = captured
        self.program = captured.program
        self.graph = self.program.graph_module.graph
        self.func_name = func_name
        self.block = Block()
        self.env: dict[fx.Node, Any] = {}
        self.inputs: list[GraphInput] = []
        self.n_nodes: Any = None  # sympy expressions of N and E
        self.n_edges: Any = None
        self.n_graphs: Any = None  # sympy expression of G (a batch input), see _readout
        self.graph_rows: Any = None  # rows of every graph-level value: G, or 1 without a batch
        self.loop_drops: list[str] = []  # where self loops are removed (ImportResult.loop_drops)
        # Brevitas: fixed-point types of inputs (by name) and values quantised by a Brevitas
        # layer, whose sums and copies are then kept exact (see _quant).
        self.input_quant: dict[str, str] = {}
        self.quantized: set[SSAValue] = set()
        self.handlers: dict[str, Callable[..., Any]] = {
            "getitem": self._getitem,
            "aten::select": self._select,
            "aten::unbind": self._unbind,
            "aten::index_select": self._index_select,
            "aten::index": self._index,
            "gnn::scatter": self._scatter,
            "aten::zeros": self._zeros,
            "aten::new_zeros": self._new_zeros,
            "aten::zeros_like": self._zeros_like,
            "aten::index_add": self._index_add,
            "aten::index_add_": self._index_add,
            "aten::scatter_add": self._scatter_add,
            "aten::scatter_add_": self._scatter_add,
            "aten::scatter_reduce": self._scatter_reduce,
            "aten::scatter_reduce_": self._scatter_reduce,
            "aten::linear": self._linear,
            "aten::matmul": self._matmul,
            "aten::mm": self._matmul,
            "aten::batch_norm": self._batch_norm,
            "aten::cat": self._cat,
            "aten::concat": self._cat,
            "aten::concatenate": self._cat,
            "aten::add": self._add,
            "aten::add_": self._add,
            "aten::sub": self._sub,
            "aten::sub_": self._sub,
            "aten::rsub": self._rsub,
            "aten::mul": self._mul,
            "aten::mul_": self._mul,
            "aten::div": self._div,
            "aten::div_": self._div,
            "aten::neg": self._neg,
            "aten::neg_": self._neg,
            "aten::leaky_relu": self._leaky_relu,
            "aten::leaky_relu_": self._leaky_relu,
            "aten::elu": self._elu,
            "aten::elu_": self._elu,
            "gnn::degree_norm": self._degree_norm,
            "gnn::degree": self._degree,
            "gnn::loop_mask": self._loop_mask,
            "gnn::quant": self._quant,
            "gnn::edge_softmax": self._edge_softmax,
            "gnn::sqrt_above": self._sqrt_above,
            "aten::repeat_interleave": self._repeat_interleave,
            "aten::dropout": self._dropout,
            "aten::feature_dropout": self._dropout,
            "aten::sum": self._sum,
            "aten::mean": self._mean,
            "aten::amax": self._amax_rows,
            "aten::max": self._max_rows,
            "aten::softmax": self._softmax,
            "aten::_softmax": self._softmax,
            "aten::to": self._to,
            "aten::_to_copy": self._to,
        }
        self.handlers.update(self._zoo_handlers())
        from gnnc.frontend.importer_loops import SelfLoopRules  # (it imports this module)

        self.rows_free = False  # set by the self-loop rules: torch values with E + N rows
        self.loop_rules = SelfLoopRules(self)
        self.handlers.update(self.loop_rules.handlers())
        from gnnc.frontend.importer_axes import AxisRules

        self.axis_rules = AxisRules(self)
        from gnnc.frontend.importer_counts import CountRules

        self.count_rules = CountRules(self)

    # ------------------------------------------------------------------ driver

    def run(self) -> ImportResult:
        self._placeholders()
        outputs: list[SSAValue] = []
        for node in self.graph.nodes:
            if node.op == "call_function":
                self.env[node] = self.visit(node)
            elif node.op == "get_attr":
                self.env[node] = ConstVal(self._attr(node.target))
            elif node.op == "output":
                outputs = self._outputs(node)
        self.block.add_op(ReturnOp(*outputs))
        _dead_code_elimination(self.block)
        return self._finish(outputs)

    def visit(self, node: fx.Node) -> Any:
        name = _op_name(node.target)
        if name in _IGNORED:
            return None
        args = fx.node.map_arg(node.args, lambda n: self.env[n])
        kwargs = fx.node.map_arg(node.kwargs, lambda n: self.env[n])
        val = node.meta.get("val")
        if _is_scalar(val):  # size arithmetic: N, E, x.size(1), ...
            return SymVal(_expr(val)) if _is_symbolic(val) else val
        if not _is_graph_value((args, kwargs)) and isinstance(node.target, torch._ops.OpOverload):
            if torch.Tag.nondeterministic_seeded in node.target.tags:
                # Folding would freeze one draw into the firmware as if it were a weight.
                raise self._error(node, f"{_pretty_op(node.target)} draws random numbers at every call; "
                                  "gnnc would have frozen one draw into the firmware: remove it for inference "
                                  "(or make it a trained buffer)")
            return self._fold(node, args, kwargs)
        try:
            result = self._dispatch(node, name, args, kwargs)
        except _Unsupported as err:
            reason = str(err)
            if not reason.startswith("unsupported operation"):
                reason = f"{_pretty_op(node.target)}: {reason}"
            raise self._error(node, reason) from None
        # In-place ops: later readers of the mutated tensor must see the new value.
        if name.endswith("_") and node.args and isinstance(node.args[0], fx.Node):
            self.env[node.args[0]] = result
        return result

    def _dispatch(self, node: fx.Node, name: str, args: tuple, kwargs: dict) -> Any:
        if name == "gnn::degree" or any_count((args, kwargs)):  # f(utils.degree), importer_counts.py
            return self.count_rules.dispatch(node, name, args, kwargs)
        return self._dispatch_values(node, name, args, kwargs)

    def _dispatch_values(self, node: fx.Node, name: str, args: tuple, kwargs: dict) -> Any:
        if _any_looped((args, kwargs)):  # an edited edge list (self loops removed or added)
            return self.loop_rules.dispatch(node, name, args, kwargs)
        if self.axis_rules.applies(node):  # [rows, H, C] and other values with several feature axes
            return self.axis_rules.dispatch(node, name, args, kwargs)
        return self._dispatch_matrix(node, name, args, kwargs)

    def _dispatch_matrix(self, node: fx.Node, name: str, args: tuple, kwargs: dict) -> Any:
        """An op on [rows, F] matrices (or on several feature axes that it does not tell apart)."""
        if name in _IDENTITY:
            return self._passthrough(node, args[0])
        if name in _ACTIVATIONS:
            return self._activation(node, _ACTIVATIONS[name], args[0])
        if name in _RESHAPES:
            return self._reshape(node, args[0])
        handler = self.handlers.get(name)
        if handler is None:
            raise _Unsupported(f"unsupported operation {_pretty_op(node.target)}")
        return handler(node, *args, **kwargs)

    def _error(self, node: fx.Node, reason: str) -> UnsupportedModelError:
        return UnsupportedModelError(f"{reason} in {self.describe(node)}\n{SUPPORTED}")

    def describe(self, node: fx.Node) -> str:
        """"module 'conv' (GATv2Conv)\\n  at gat_conv.py:275, in forward: ...": where node came from."""
        path, cls = _module_path(node)
        if path:
            where = f"module '{path}' ({cls})"
        else:
            where = f"{self.captured.model_name}.forward"
        frame = user_frame(_stack_frames(node.meta.get("stack_trace")))
        at = f"\n  at {describe_frame(frame)}" if frame else ""
        return f"{where}{at}"

    # ------------------------------------------------------------- arguments

    def _placeholders(self) -> None:
        user_inputs = iter(self.captured.convention.inputs)
        nodes = {n.name: n for n in self.graph.nodes if n.op == "placeholder"}
        for spec in self.program.graph_signature.input_specs:
            node = nodes[spec.arg.name]
            if spec.kind == InputKind.USER_INPUT:
                inp = next(user_inputs, None)
                if inp is None:  # the graph-count tensor capture adds after the user's inputs
                    self.n_graphs = _expr(node.meta["val"].shape[0])
                    self.env[node] = GraphCountVal()
                    continue
                self.env[node] = self._user_input(node, inp)
            elif spec.kind in (InputKind.PARAMETER, InputKind.BUFFER, InputKind.CONSTANT_TENSOR):
                self.env[node] = ConstVal(self._attr(spec.target))
            else:
                raise UnsupportedModelError(
                    f"unsupported model input {spec.arg.name} of kind {spec.kind.name}"
                )
        self._check_edge_index()

    def _attr(self, target: str) -> torch.Tensor:
        weights = self.captured.weights
        if weights is not None and target in weights:
            return weights[target].detach()
        if target in self.program.state_dict:
            return self.program.state_dict[target].detach()
        if target in self.program.constants:
            return self.program.constants[target].detach()
        obj: Any = self.program.graph_module
        for part in target.split("."):
            obj = getattr(obj, part)
        return obj.detach()

    def _user_input(self, node: fx.Node, inp: GraphInput) -> Any:
        if inp.kind != EDGE_INDEX and all(_op_name(u.target) == "aten::sym_size" for u in node.users):
            # e.g. data.y: not read by the model, so not an input of the design. (Export may
            # still read N off it: every tensor with N rows shares one size symbol.)
            return None
        val = node.meta["val"]
        if not inp.name.isidentifier():
            raise UnsupportedModelError(f"input name {inp.name!r} is not a valid C identifier")
        if inp.kind == EDGE_INDEX:
            self.n_edges = _expr(val.shape[1])
            return EdgeIndexVal(self._argument(inp, gnn.EdgeIndexType()))
        if inp.kind == BATCH:
            return BatchVal(self._argument(inp, gnn.BatchType()))
        if inp.kind in (NODES, EDGES) and val.dim() in (1, 2) and val.dtype == torch.float32:
            rows = _expr(val.shape[0])
            # a 1-D [rows] vector (an edge_weight) is the one-feature matrix [rows, 1]
            features = int(val.shape[1]) if val.dim() == 2 else 1
            if inp.kind == NODES:
                self.n_nodes = rows
                return self._argument(inp, gnn.NodesType(features, Float32Type()))
            return self._argument(inp, gnn.EdgesType(features, Float32Type()))
        hint = ""
        if val.dim() == 1 and not val.dtype.is_floating_point and _expr(val.shape[0]) == self.n_nodes:
            hint = (" (a 1-D integer input with one entry per node is a batch vector; name it batch "
                    "when the example graph has as many edges as nodes)")
        raise UnsupportedModelError(
            f"input {inp.name!r} ({val.dtype}, shape {list(val.shape)}) is not a node feature "
            "matrix [N, F] or vector [N] float32, an edge feature matrix [E, F] or vector [E] "
            f"float32, edge_index [2, E] or a batch vector [N]; gnnc designs take only these{hint}"
        )

    def _argument(self, inp: GraphInput, type_: Attribute) -> SSAValue:
        self.inputs.append(inp)
        return self.block.insert_arg(type_, len(self.block.args))

    def _check_edge_index(self) -> None:
        if not any(i.kind == EDGE_INDEX for i in self.inputs):
            raise UnsupportedModelError(
                "the model takes no edge_index ([2, E] integer tensor); gnnc compiles "
                "graph neural networks whose graph is given as edge_index"
            )

    def _outputs(self, node: fx.Node) -> list[SSAValue]:
        specs = self.program.graph_signature.output_specs
        values = [self.env[n] if isinstance(n, fx.Node) else n for n in node.args[0]]
        values = [self.count_rules.value(v) if isinstance(v, CountVal) else v for v in values]
        outs = []
        for k, (spec, value) in enumerate(zip(specs, values)):
            if spec.kind != OutputKind.USER_OUTPUT:
                continue  # in-place updates of inputs/buffers: not results of the design
            if _features(value) is None:
                raise UnsupportedModelError(
                    f"output {k} of {self.captured.model_name} is {_kind(value)}; gnnc designs "
                    "return node, edge or graph feature matrices ([N, F], [E, F], [G, F] or [F] "
                    "for one graph)\n" + SUPPORTED
                )
            val = node.args[0][k].meta.get("val") if isinstance(node.args[0][k], fx.Node) else None
            if isinstance(val, torch.Tensor) and val.dim() > 2:
                raise UnsupportedModelError(
                    f"output {k} of {self.captured.model_name} has shape {_fmt_shape(val, self)}; gnnc "
                    f"designs return matrices: return it as [rows, {value.type.num_features}] (e.g. "
                    ".flatten(1), or .view(-1, heads * C) for per-head values)\n" + SUPPORTED
                )
            if isinstance(val, torch.Tensor) and val.dim() == 1 and value.type.kind != "graphs":
                # (a graph-level [F] is one graph's row: the design returns it as [G, F])
                raise UnsupportedModelError(
                    f"output {k} of {self.captured.model_name} is a vector [{'N' if value.type.kind == 'nodes' else 'E'}]; "
                    "gnnc designs return matrices: return it as [rows, 1] (e.g. without the final "
                    ".squeeze(), or with .view(-1, 1))\n" + SUPPORTED
                )
            outs.append(value)
        return outs

    def _finish(self, outputs: list[SSAValue]) -> ImportResult:
        names = [f"out{k}" for k in range(len(outputs))]
        func = FuncOp(
            self.func_name,
            ([a.type for a in self.block.args], [v.type for v in outputs]),
            Region(self.block),
            arg_attrs=ArrayAttr([DictionaryAttr(
                {"gnn.name": StringAttr(i.name)}
                | ({QUANT_RESULT: StringAttr(self.input_quant[i.name])} if i.name in self.input_quant else {})
            ) for i in self.inputs]),
        )
        func.attributes["gnn.outputs"] = ArrayAttr([StringAttr(n) for n in names])
        module = ModuleOp([func])
        try:
            module.verify()
        except Exception as err:  # a bug in the importer, not in the user's model
            raise GnncError(f"internal error: the imported gnn IR does not verify: {err}") from err
        return ImportResult(module, list(self.inputs), names, list(dict.fromkeys(self.loop_drops)))

    # --------------------------------------------------------------- helpers

    def _emit_free(self, node: fx.Node, op: Operation) -> SSAValue:
        """Add `op`, named by the torch module and model line of `node`; no shape check (an op
        of a rule's own, with no torch value to check it against)."""
        path, _ = _module_path(node)
        if path:
            op.attributes["gnn.path"] = StringAttr(path)
        if (source := source_line(node)) is not None:
            op.attributes["gnn.source"] = StringAttr(source)
        self.block.add_op(op)
        return op.results[0]

    def _emit(self, node: fx.Node, op: Operation) -> SSAValue:
        result = self._emit_free(node, op)
        self._check_shape(node, result)
        self._propagate_quant(op)
        return result

    # ------------------------------------------------------------- Brevitas

    def _propagate_quant(self, op: Operation) -> None:
        """
        Keep Brevitas' float arithmetic on quantised values exact: a sum-scatter of them
        gets its exact accumulator as result type, a concat of them (or a copy) their type.
        """
        inputs = [v for v in op.operands if _features(v) is not None]
        if not inputs or not all(v in self.quantized for v in inputs):
            return
        if isinstance(op, gnn.GatherOp | gnn.RepeatOp):
            self.quantized.add(op.results[0])
        elif isinstance(op, gnn.ConcatOp):
            op.attributes[QUANT_RESULT] = StringAttr("inherit")
            self.quantized.add(op.results[0])
        elif isinstance(op, gnn.ScatterOp) and op.reduce.data == gnn.Reduce.SUM:
            op.attributes[QUANT_RESULT] = StringAttr("exact")
            self.quantized.add(op.results[0])

    def _quant(self, node: fx.Node, x: Any, spec: str) -> SSAValue:
        """A Brevitas mark (gnn::quant): its types go onto the op (or input) that made x."""
        import json

        x = self._feature(x, "the input of a Brevitas quantizer")
        fields = json.loads(spec)
        source = node.args[0]
        users = [u for u in source.users if _op_name(u.target) != "aten::sym_size"]
        if users != [node] or x.uses:
            raise _Unsupported(
                "a Brevitas quantizer on a value that is also used unquantised (gnnc gives each "
                "value one fixed-point type); quantise it once and use the quantised value"
            )
        owner = x.owner
        if isinstance(owner, Block):  # a function argument: the input's type
            name = self.inputs[x.index].name
            if set(fields) != {"result"} or fields["result"] in ("exact", "inherit"):
                raise _Unsupported(f"a Brevitas layer applied directly to the input {name!r}")
            self.input_quant[name] = fields["result"]
        elif isinstance(owner, gnn.GatherOp | gnn.RepeatOp) or (
            isinstance(owner, gnn.ScatterOp) and owner.reduce.data in (gnn.Reduce.MAX, gnn.Reduce.MIN)
        ):
            raise _Unsupported(
                f"a Brevitas quantizer on the result of {owner.name}, which copies its input's type; "
                "quantise the input instead"
            )
        else:
            if QUANT_RESULT in owner.attributes and owner.attributes[QUANT_RESULT].data not in (
                "exact", "inherit"
            ):
                raise _Unsupported("two Brevitas quantizers in a row on one value")
            if "weight" in fields and not isinstance(owner, gnn.DenseOp):
                raise _Unsupported(f"a quantised weight on {owner.name}")
            for key, attr in (("result", QUANT_RESULT), ("weight", QUANT_WEIGHT)):
                if key in fields:
                    owner.attributes[attr] = StringAttr(fields[key])
        self.quantized.add(x)
        return x

    def _check_shape(self, node: fx.Node, value: SSAValue) -> None:
        """
        The torch shape must be [N or E, F] as the gnn type says (catches silent miscompiles);
        [rows, d1, d2, ...] is the matrix of its flattened rows, F = d1 d2 ... (importer_axes.py).
        """
        t = _features(value)
        val = node.meta.get("val")
        if t is None or not isinstance(val, torch.Tensor):
            return
        if t.kind == "graphs":
            self._check_graph_shape(node, t, val)
            return
        rows = self.n_nodes if t.kind == "nodes" else self.n_edges
        if self.rows_free:  # a part of a value over the edges and the added loops
            rows = None
        if val.dim() == 1 and t.num_features == 1:  # a vector [rows] is the matrix [rows, 1]
            val = val.unsqueeze(1)
        if val.dim() > 2 and all(isinstance(d, int) for d in val.shape[1:]):
            val = val.flatten(1)
        if val.dim() != 2 or val.shape[1] != t.num_features or (
            rows is not None and _expr(val.shape[0]) != rows
        ):
            raise _Unsupported(
                f"the result has shape {_fmt_shape(val, self)}, not "
                f"[{'N' if t.kind == 'nodes' else 'E'}, {t.num_features}] (gnn values are "
                "2-D: one row per node or edge)"
            )

    # ------------------------------------------------ readout (graph-level rows)

    def _check_graph_shape(self, node: fx.Node, t: gnn.FeaturesType, val: torch.Tensor) -> None:
        """[G, F] (or, for one graph, [1, F] or [F])."""
        one = self.graph_rows == 1
        if val.dim() > 2 and all(isinstance(d, int) for d in val.shape[1:]):
            val = val.flatten(1)
        if (val.dim() == 2 and val.shape[1] == t.num_features and _expr(val.shape[0]) == self.graph_rows) or (
            one and val.dim() == 1 and val.shape[0] == t.num_features
        ):
            return
        want = "[1, F] or [F]" if one else "[G, F]"
        raise _Unsupported(
            f"the result has shape {_fmt_shape(val, self)}, not {want} with "
            f"F = {t.num_features} (graph-level values have one row per graph)"
        )

    def _readout(self, node: fx.Node, x: Any, reduce: str, batch: BatchVal | None) -> SSAValue:
        t = _features(x)
        if t is None or t.kind == "graphs":
            raise _Unsupported(f"a readout of {_kind(x)}: only node (or edge) matrices can be pooled")
        if batch is not None and t.kind != "nodes":
            raise _Unsupported(f"pooling {_kind(x)} by the batch vector: the batch numbers nodes")
        rows = self.n_graphs if batch is not None else 1
        if self.graph_rows is not None and self.graph_rows != rows:
            raise _Unsupported(
                "a model that pools both by the batch vector and over all nodes at once: pool "
                "every graph-level value by the batch (or none)"
            )
        self.graph_rows = rows
        reduce_ = gnn.Reduce(reduce)
        if reduce_ == gnn.Reduce.MIN:
            raise _Unsupported("min pooling (supported: sum, mean, max)")
        return self._emit(node, gnn.ReadoutOp(reduce_, x, batch.value if batch is not None else None))

    def _row_reduction(self, node: fx.Node, x: Any, dim: Any, reduce: str) -> SSAValue:
        """x.sum(0) / x.mean(0) / x.amax(0) of a node (or edge) matrix: a readout of one graph."""
        dims = [dim] if isinstance(dim, int) else list(dim or [])
        t = _features(x)
        if t is None or t.kind == "graphs" or len(dims) != 1 or dims[0] not in (0, -2):
            raise _Unsupported(
                f"{reduce} of {_kind(x)} over dimension(s) {dims or 'all'}: supported is a node (or "
                "edge) matrix reduced over its rows (dim=0), a graph-level readout"
            )
        return self._readout(node, x, reduce, None)

    def _sum(self, node: fx.Node, x: Any, dim: Any = None, keepdim: bool = False, *args: Any,
             **kwargs: Any) -> SSAValue:
        """Over the rows (dim 0): a readout of one graph; over the features: a dense of ones."""
        if _over_rows(node, dim):
            return self._row_reduction(node, x, dim, "sum")
        return self._sum_features(node, x, dim, keepdim, *args, **kwargs)

    def _mean(self, node: fx.Node, x: Any, dim: Any = None, keepdim: bool = False, *args: Any,
              **kwargs: Any) -> SSAValue:
        if _over_rows(node, dim):
            return self._row_reduction(node, x, dim, "mean")
        return self._mean_features(node, x, dim, keepdim, *args, **kwargs)

    def _amax_rows(self, node: fx.Node, x: Any, dim: Any = (), keepdim: bool = False) -> SSAValue:
        return self._row_reduction(node, x, dim, "max")

    def _max_rows(self, node: fx.Node, x: Any, dim: Any = None, keepdim: bool = False) -> tuple[SSAValue, None]:
        """x.max(0): (values, indices); the indices have no gnn form."""
        return self._row_reduction(node, x, dim, "max"), None

    def _softmax(self, node: fx.Node, x: Any, dim: int, *args: Any) -> SSAValue:
        """torch.softmax over the features of each row (a classifier's class probabilities)."""
        t = self._feature(x, "the input of softmax")
        source = node.args[0].meta.get("val") if isinstance(node.args[0], fx.Node) else None
        rank = source.dim() if isinstance(source, torch.Tensor) else 2
        if dim not in (-1, rank - 1):
            raise _Unsupported(
                f"softmax of {_kind(t)} along dimension {dim}: only along the features (dim=-1) is "
                "supported; a softmax over the edges of each node is torch_geometric.utils.softmax"
            )
        if args and args[0] not in (None, False, torch.float32):
            raise _Unsupported(f"softmax computed in {args[0]}: gnnc computes in float32")
        return self._emit(node, gnn.SoftmaxOp(t))

    def _passthrough(self, node: fx.Node, value: Any) -> Any:
        """clone/contiguous/...: the value itself, for features and edge_index alike."""
        if isinstance(value, (EdgeIndexVal, RowVal, BroadcastRowVal)):
            return value
        return self._feature(value, "its input")

    def _feature(self, value: Any, what: str) -> SSAValue:
        if _features(value) is None:
            raise _Unsupported(f"{what} is {_kind(value)}, not a node or edge feature matrix")
        return value

    def _fold(self, node: fx.Node, args: tuple, kwargs: dict) -> Any:
        """Run an op whose inputs are all constants (e.g. a weight transpose) at import time."""
        unwrap = lambda v: v.tensor if isinstance(v, ConstVal) else v  # noqa: E731
        args = torch.utils._pytree.tree_map(unwrap, args, is_leaf=lambda v: isinstance(v, ConstVal))
        kwargs = torch.utils._pytree.tree_map(
            unwrap, kwargs, is_leaf=lambda v: isinstance(v, ConstVal)
        )
        with torch.no_grad():
            result = node.target(*args, **kwargs)
        return torch.utils._pytree.tree_map(
            lambda v: ConstVal(v) if isinstance(v, torch.Tensor) else v, result
        )

    @staticmethod
    def _node_axis(dim: int, what: str) -> None:
        if dim not in (0, -2):
            raise _Unsupported(f"{what} along dimension {dim}: only the node/edge axis (0) is supported")

    # -------------------------------------------------------------- edge_index

    def _select(self, node: fx.Node, t: Any, dim: int, index: int) -> RowVal | SSAValue:
        if _features(t) is not None and dim in (1, -1):  # x[:, k]: the vector [rows] of one feature
            return self.axis_rules._select(node, t, dim, index)
        if not isinstance(t, EdgeIndexVal):
            raise _Unsupported(
                f"selecting one row of {_kind(t)}: a value is one row per node or edge (a feature is "
                "x[:, k])"
            )
        if dim not in (0, -2) or index not in (0, 1, -1, -2):
            raise _Unsupported(f"edge_index.select({dim}, {index}): only edge_index[0] / [1] is supported")
        return RowVal(gnn.EdgeEnd.SRC if index in (0, -2) else gnn.EdgeEnd.DST, t)

    def _unbind(self, node: fx.Node, t: Any, dim: int = 0) -> tuple[RowVal, RowVal]:
        if not isinstance(t, EdgeIndexVal) or dim not in (0, -2):
            raise _Unsupported(f"unbinding {_kind(t)}: only `src, dst = edge_index` is supported")
        return (RowVal(gnn.EdgeEnd.SRC, t), RowVal(gnn.EdgeEnd.DST, t))

    def _getitem(self, node: fx.Node, seq: Any, index: Any) -> Any:
        if not isinstance(seq, (tuple, list)):
            raise _Unsupported(f"indexing {_kind(seq)} with {index!r}")
        return seq[index]

    # -------------------------------------------------------------- gnn ops

    def _gather(self, node: fx.Node, x: Any, row: Any) -> SSAValue:
        t = _features(x)
        if t is None or t.kind != "nodes":
            raise _Unsupported(
                f"indexing {_kind(x)} by an edge_index row: only node matrices can be gathered onto edges"
            )
        if not isinstance(row, RowVal):
            raise _Unsupported(
                f"indexing a node matrix with {_kind(row)}: only x[edge_index[0]] and "
                "x[edge_index[1]] are supported"
            )
        return self._emit(node, gnn.GatherOp(row.end, x, row.edge_index.value))

    def _index_select(self, node: fx.Node, x: Any, dim: int, index: Any) -> SSAValue:
        self._node_axis(dim, "index_select")
        return self._gather(node, x, index)

    def _index(self, node: fx.Node, x: Any, indices: Sequence[Any]) -> SSAValue:
        if len(indices) == 2 and indices[0] is None and isinstance(indices[1], ConstVal):
            picked = indices[1].tensor  # x[:, [i, j, ...]]: a constant selection of features
            n = self._feature_axis(x, 1, "indexing the features")
            if picked.dim() != 1 or picked.dtype not in (torch.int64, torch.int32):
                raise _Unsupported("indexing the features with anything but a list of integers")
            return self._take(node, x, [int(i) % n for i in picked.tolist()])
        if len(indices) != 1 or indices[0] is None:
            raise _Unsupported("advanced indexing other than x[edge_index[k]]")
        return self._gather(node, x, indices[0])

    def _scatter(self, node: fx.Node, src: Any, index: Any, dim: int, dim_size: Any,
                 reduce: str) -> SSAValue:
        t = _features(src)
        if isinstance(index, BatchVal):  # global_*_pool(x, batch): one row per graph
            self._node_axis(dim, "pooling")
            from gnnc.frontend.ops import canonical_reduce

            return self._readout(node, src, canonical_reduce(reduce), index)
        if t is None or t.kind != "edges":
            raise _Unsupported(f"scatter of {_kind(src)}: only edge matrices can be aggregated onto nodes")
        if not isinstance(index, RowVal):
            raise _Unsupported(f"scatter indexed by {_kind(index)}: only edge_index[0] / [1] is supported")
        self._node_axis(dim, "scatter")
        if self.n_nodes is None or _expr(dim_size) != self.n_nodes:
            raise _Unsupported(
                f"scatter onto {dim_size} rows: the output must have one row per node "
                "(dim_size = x.size(0) of the node features)"
            )
        from gnnc.frontend.ops import canonical_reduce

        reduce_ = gnn.Reduce(canonical_reduce(reduce))
        return self._emit(node, gnn.ScatterOp(reduce_, index.end, src, index.edge_index.value))

    # ------------------------------------------- plain-torch scatter spellings

    def _zeros_of(self, rows: Any, features: Any) -> ZerosVal:
        if self.n_nodes is None or _expr(rows) != self.n_nodes or not isinstance(features, int):
            raise _Unsupported(
                "a zero matrix that is not [N, F] (only zeros with one row per node are "
                "supported, as the base of index_add_ / scatter_add_ / scatter_reduce_)"
            )
        return ZerosVal(features)

    def _zeros(self, node: fx.Node, size: Sequence[Any], *args: Any, **kwargs: Any) -> ZerosVal:
        if len(size) != 2:
            raise _Unsupported(f"a zero tensor of rank {len(size)}")
        return self._zeros_of(size[0], size[1])

    def _new_zeros(self, node: fx.Node, like: Any, size: Sequence[Any], *args: Any, **kwargs: Any) -> ZerosVal:
        return self._zeros(node, size)

    def _zeros_like(self, node: fx.Node, like: Any, *args: Any, **kwargs: Any) -> ZerosVal:
        t = _features(like)
        if t is None or t.kind != "nodes":
            raise _Unsupported(f"zeros_like of {_kind(like)}: only node matrices are supported")
        return ZerosVal(t.num_features)

    def _accumulate(self, node: fx.Node, base: Any, row: Any, src: Any, reduce: str,
                    include_self: bool = True) -> SSAValue:
        """base.index_add_(0, row, src) and friends: a gnn.scatter, plus gnn.add for a non-zero base."""
        t = _features(src)
        if t is None or t.kind != "edges":
            raise _Unsupported(f"accumulating {_kind(src)}: only edge matrices can be aggregated onto nodes")
        if not isinstance(row, RowVal):
            raise _Unsupported(f"accumulating by {_kind(row)}: only edge_index[0] / [1] is supported")
        if isinstance(base, ZerosVal):
            if base.features != t.num_features:
                raise _Unsupported(f"accumulating {_kind(src)} into {_kind(base)}")
            if include_self and reduce != "sum":
                # include_self=True would count the zero base in the mean / max / min.
                raise _Unsupported(
                    f"scatter_reduce {reduce!r} with include_self=True: use include_self=False "
                    "(PyG semantics: empty rows give 0)"
                )
            return self._emit(node, gnn.ScatterOp(gnn.Reduce(reduce), row.end, src, row.edge_index.value))
        tb = _features(base)
        if tb is None or tb.kind != "nodes" or tb.num_features != t.num_features or reduce != "sum":
            raise _Unsupported(
                f"accumulating {_kind(src)} into {_kind(base)} with {reduce!r}: the base must be "
                "zeros (any reduction) or a node matrix of the same width (sum)"
            )
        scatter = gnn.ScatterOp(gnn.Reduce.SUM, row.end, src, row.edge_index.value)
        self._emit(node, scatter)
        return self._emit(node, gnn.AddOp(base, scatter.result))

    def _index_add(self, node: fx.Node, base: Any, dim: int, index: Any, src: Any,
                   alpha: Any = 1) -> SSAValue:
        self._node_axis(dim, "index_add")
        if alpha != 1:
            raise _Unsupported(f"index_add with alpha={alpha}")
        return self._accumulate(node, base, index, src, "sum")

    def _broadcast_row(self, index: Any, src: Any, what: str) -> RowVal:
        """scatter_add_ / scatter_reduce_ read index[e, f]: it must be a row expanded to [E, F]."""
        t = _features(src)
        if isinstance(index, BroadcastRowVal) and t is not None and index.width == t.num_features:
            return index.row
        raise _Unsupported(
            f"{what} indexed by {_kind(index)}: the index must be edge_index[k] expanded to the "
            "shape of the source, e.g. edge_index[1].view(-1, 1).expand_as(msg)"
        )

    def _scatter_add(self, node: fx.Node, base: Any, dim: int, index: Any, src: Any) -> SSAValue:
        self._node_axis(dim, "scatter_add")
        return self._accumulate(node, base, self._broadcast_row(index, src, "scatter_add"), src, "sum")

    def _scatter_reduce(self, node: fx.Node, base: Any, dim: int, index: Any, src: Any,
                        reduce: str, include_self: bool = True) -> SSAValue:
        self._node_axis(dim, "scatter_reduce")
        if reduce not in _SCATTER_REDUCE:
            raise _Unsupported(f"scatter_reduce {reduce!r} (supported: sum, mean, amax, amin)")
        row = self._broadcast_row(index, src, "scatter_reduce")
        return self._accumulate(node, base, row, src, _SCATTER_REDUCE[reduce], include_self)

    # -------------------------------------------------------------- dense

    def _linear(self, node: fx.Node, x: Any, weight: Any, bias: Any = None) -> SSAValue:
        self._feature(x, "the input of linear")
        if not isinstance(weight, ConstVal) or weight.tensor.dim() != 2:
            raise _Unsupported("linear with a weight that is not a constant [out, in] matrix")
        if bias is not None and (not isinstance(bias, ConstVal) or bias.tensor.dim() != 1):
            raise _Unsupported("linear with a bias that is not a constant vector")
        w = _dense_attr(weight.tensor)
        b = _dense_attr(bias.tensor) if bias is not None else None
        return self._emit(node, gnn.DenseOp(x, w, b))

    def _matmul(self, node: fx.Node, x: Any, weight: Any) -> SSAValue:
        # x @ W with W [in, out] is a dense layer with weight W^T.
        if not isinstance(weight, ConstVal) or weight.tensor.dim() != 2:
            raise _Unsupported("matrix product with something other than a constant matrix")
        return self._linear(node, x, ConstVal(weight.tensor.t()))

    def _batch_norm(self, node: fx.Node, x: Any, weight: Any, bias: Any, mean: Any, var: Any,
                    training: bool, momentum: float, eps: float, *args: Any) -> SSAValue:
        """Eval-mode BatchNorm: a gnn.batch_norm, which gnn-fold-batchnorm folds away."""
        t = self._feature(x, "the input of batch_norm")
        if training or not (isinstance(mean, ConstVal) and isinstance(var, ConstVal)):
            raise _Unsupported("batch_norm with batch statistics (training mode or track_running_stats=False)")
        n = t.type.num_features
        w, b, m, v = _constant_vectors(
            "batch_norm", (("weight", weight), ("bias", bias), ("running_mean", mean), ("running_var", var)), n
        )
        return self._emit(node, gnn.BatchNormOp(t, m, v, w, b, float(eps)))

    def _activation(self, node: fx.Node, fn: gnn.ActivationFn, x: Any) -> SSAValue:
        return self._emit(node, gnn.ActivationOp(fn, self._feature(x, f"the input of {fn.value}")))

    def _cat(self, node: fx.Node, tensors: Sequence[Any], dim: int = 0) -> SSAValue:
        values = [self._feature(v, f"concatenated tensor {k}") for k, v in enumerate(tensors)]
        if dim not in (1, -1):
            raise _Unsupported(
                f"torch.cat along dimension {dim}: only the feature axis (dim=1) is supported"
            )
        kinds = {v.type.kind for v in values}
        if len(kinds) > 1:
            raise _Unsupported("torch.cat of node and edge matrices (their rows do not align)")
        if len(values) == 1:
            return values[0]
        return self._emit(node, gnn.ConcatOp(values))

    def _constant_vector(self, value: Any, features: int) -> torch.Tensor | None:
        """A constant broadcast over the features of a [rows, F] matrix, as a float64 [F]; else None."""
        if isinstance(value, bool) or not isinstance(value, (int, float, ConstVal)):
            return None
        t = value.tensor if isinstance(value, ConstVal) else torch.tensor(float(value))
        t = t.detach().to(torch.float64)
        if t.numel() == 1 and t.dim() <= 2:
            return t.reshape(1).expand(features).clone()
        if t.numel() == features and t.dim() in (1, 2) and t.shape[-1] == features:
            return t.reshape(features)
        return None

    def _scale(self, node: fx.Node, x: SSAValue, scale: torch.Tensor | None,
               shift: torch.Tensor | None) -> SSAValue:
        return self._emit(node, gnn.ScaleOp(
            x,
            _dense_attr(scale) if scale is not None else None,
            _dense_attr(shift) if shift is not None else None,
        ))

    def _arith(self, node: fx.Node, kind: str, a: Any, b: Any) -> SSAValue:
        """a (+ - * /) b: two matrices (gnn.add/sub/mul), or a matrix and a constant (gnn.scale)."""
        sym = {"add": "+", "sub": "-", "mul": "*", "div": "/"}[kind]
        ta, tb = _features(a), _features(b)
        if ta is not None and tb is not None:
            if kind == "div":
                raise _Unsupported(
                    f"{_kind(a)} / {_kind(b)}: division by a matrix is not supported (only by constants)"
                )
            if ta.kind != tb.kind or (
                ta.num_features != tb.num_features and 1 not in (ta.num_features, tb.num_features)
            ):
                raise _Unsupported(
                    f"{_kind(a)} {sym} {_kind(b)}: operands must both be node (or both edge) "
                    "matrices with equal feature counts, or one of them with a single feature"
                )
            op = {"add": gnn.AddOp, "sub": gnn.SubOp, "mul": gnn.MulOp}[kind]
            return self._emit(node, op(a, b))
        matrix, other, matrix_first = (a, b, True) if ta is not None else (b, a, False)
        t = ta or tb
        c = self._constant_vector(other, t.num_features) if t is not None else None
        if t is not None and isinstance(other, SymVal):
            raise _Unsupported(
                f"{_kind(a) if matrix_first else self._size_text(other)} {sym} "
                f"{self._size_text(other) if matrix_first else _kind(b)}: a graph size (x.size(0), "
                "edge_index.size(1), ...) is a run-time value of a design, not a constant; for a mean "
                "over a node's edges use aggr='mean' or scatter(..., reduce='mean')"
            )
        if t is None or c is None:
            raise _Unsupported(
                f"{_kind(a)} {sym} {_kind(b)}: supported are two node (or two edge) matrices, or "
                "a matrix and a constant (a number, or a vector of one value per feature)"
            )
        if kind == "add":
            return self._scale(node, matrix, None, c)
        if kind == "sub":
            if matrix_first:
                return self._scale(node, matrix, None, -c)
            return self._scale(node, matrix, -torch.ones_like(c), c)
        if kind == "mul":
            return self._scale(node, matrix, c, None)
        if not matrix_first:
            raise _Unsupported(f"{_kind(a)} / {_kind(b)}: division by a matrix is not supported")
        if bool((c == 0).any()):
            raise _Unsupported("division by zero")
        return self._scale(node, matrix, 1.0 / c, None)

    def _size_text(self, size: SymVal) -> str:
        """"the size E" rather than SymVal(expr=s89)."""
        import sympy

        names = {k: sympy.Symbol(v) for k, v in ((self.n_nodes, "N"), (self.n_edges, "E")) if k is not None}
        return f"the size {str(_expr(size).subs(names)).replace('ToFloat', 'float')}"

    def _alpha(self, node: fx.Node, b: Any, alpha: Any) -> Any:
        """`b * alpha` for add/sub(a, b, alpha=...)."""
        if alpha == 1:
            return b
        if not isinstance(alpha, (int, float)) or isinstance(alpha, bool):
            raise _Unsupported(f"add/sub with alpha={alpha!r}")
        if _features(b) is not None:
            return self._emit(node, gnn.ScaleOp(
                b, _dense_attr(torch.full((b.type.num_features,), float(alpha))), None
            ))
        if isinstance(b, ConstVal):
            return ConstVal(b.tensor * alpha)
        if isinstance(b, (int, float)):
            return b * alpha
        return b

    def _add(self, node: fx.Node, a: Any, b: Any, alpha: Any = 1) -> SSAValue:
        return self._arith(node, "add", a, self._alpha(node, b, alpha))

    def _sub(self, node: fx.Node, a: Any, b: Any, alpha: Any = 1) -> SSAValue:
        return self._arith(node, "sub", a, self._alpha(node, b, alpha))

    def _rsub(self, node: fx.Node, a: Any, b: Any, alpha: Any = 1) -> SSAValue:
        """torch.rsub(a, b) = b - alpha * a."""
        return self._arith(node, "sub", b, self._alpha(node, a, alpha))

    def _mul(self, node: fx.Node, a: Any, b: Any) -> SSAValue:
        return self._arith(node, "mul", a, b)

    def _div(self, node: fx.Node, a: Any, b: Any, rounding_mode: Any = None) -> SSAValue:
        if rounding_mode is not None:
            raise _Unsupported(f"division with rounding_mode={rounding_mode!r}")
        return self._arith(node, "div", a, b)

    def _neg(self, node: fx.Node, x: Any) -> SSAValue:
        t = self._feature(x, "the input of neg")
        return self._scale(node, x, -torch.ones(t.type.num_features, dtype=torch.float64), None)

    def _leaky_relu(self, node: fx.Node, x: Any, negative_slope: Any = 0.01) -> SSAValue:
        x = self._feature(x, "the input of leaky_relu")
        if not isinstance(negative_slope, (int, float)):
            raise _Unsupported(f"leaky_relu with a slope of {_kind(negative_slope)}")
        return self._emit(node, gnn.ActivationOp(gnn.ActivationFn.LEAKY_RELU, x, float(negative_slope)))

    def _elu(self, node: fx.Node, x: Any, alpha: Any = 1.0, scale: Any = 1.0,
             input_scale: Any = 1.0) -> SSAValue:
        x = self._feature(x, "the input of elu")
        if scale != 1 or input_scale != 1:
            raise _Unsupported(f"elu with scale={scale}, input_scale={input_scale} (SELU/CELU)")
        if not isinstance(alpha, (int, float)):
            raise _Unsupported(f"elu with alpha {_kind(alpha)}")
        return self._emit(node, gnn.ActivationOp(gnn.ActivationFn.ELU, x, float(alpha)))

    # --------------------- activations with parameters, composed ones, layer_norm

    def _zoo_handlers(self) -> dict[str, Callable[..., Any]]:
        handlers: dict[str, Callable[..., Any]] = {}
        for name, fn in (("gelu", self._gelu), ("softplus", self._softplus), ("hardtanh", self._hardtanh),
                         ("relu6", self._relu6), ("hardsigmoid", self._hardsigmoid),
                         ("hardswish", self._hardswish), ("selu", self._selu), ("celu", self._celu)):
            handlers[f"aten::{name}"] = handlers[f"aten::{name}_"] = fn
        handlers["aten::layer_norm"] = self._layer_norm
        handlers.update({
            "aten::slice": self._slice, "aten::narrow": self._narrow, "aten::split": self._split,
            "aten::split_with_sizes": self._split_with_sizes, "aten::chunk": self._chunk,
            "aten::pad": self._pad, "aten::constant_pad_nd": self._pad,
            "aten::pow": self._pow, "aten::square": self._square, "aten::stack": self._stack,  # of vectors [rows]: see importer_axes
        })
        return handlers

    # feature selection: one gnn.take each

    def _take(self, node: fx.Node, x: Any, indices: Sequence[int]) -> SSAValue:
        t = x.type
        if list(indices) == list(range(t.num_features)):
            return x
        if not indices:
            raise _Unsupported("a selection of no features")
        return self._emit(node, gnn.TakeOp(x, list(indices)))

    def _feature_axis(self, x: Any, dim: Any, what: str) -> int:
        self._feature(x, f"the input of {what}")
        if dim not in (1, -1):
            raise _Unsupported(f"{what} along dimension {dim}: only the feature axis (dim=1) is supported")
        return x.type.num_features

    def _slice(self, node: fx.Node, x: Any, dim: int = 0, start: Any = None, end: Any = None,
               step: int = 1) -> SSAValue:
        if dim in (0, -2) and start in (None, 0) and self._all_rows(x, end) and step == 1:
            return self._feature(x, "the input of a slice")  # x[:, ...] or x[:x.size(0)]: all rows
        if dim in (0, -2) and not isinstance(end, int | None):
            raise _Unsupported(f"a slice of the rows of {_kind(x)} up to {end}: only all rows are supported")
        n = self._feature_axis(x, dim, "slicing")
        return self._take(node, x, list(range(n))[slice(start, end, step)])

    def _all_rows(self, x: Any, end: Any) -> bool:
        if end is None or (isinstance(end, int) and end >= 2**62):
            return True
        t = _features(x)
        rows = {"nodes": self.n_nodes, "edges": self.n_edges}.get(t.kind) if t is not None else None
        return isinstance(end, SymVal) and rows is not None and _expr(end) == rows

    def _narrow(self, node: fx.Node, x: Any, dim: int, start: int, length: int) -> SSAValue:
        n = self._feature_axis(x, dim, "narrow")
        return self._take(node, x, list(range(n))[start:start + length])

    def _pieces(self, node: fx.Node, x: Any, sizes: Sequence[int]) -> tuple[SSAValue, ...]:
        out, start = [], 0
        for size in sizes:
            out.append(self._take(node, x, list(range(start, start + size))))
            start += size
        return tuple(out)

    def _split(self, node: fx.Node, x: Any, size: Any, dim: int = 0) -> tuple[SSAValue, ...]:
        if isinstance(size, (list, tuple)):
            return self._split_with_sizes(node, x, size, dim)
        n = self._feature_axis(x, dim, "torch.split")
        return self._pieces(node, x, [min(size, n - k) for k in range(0, n, size)])

    def _split_with_sizes(self, node: fx.Node, x: Any, sizes: Sequence[int], dim: int = 0) -> tuple[SSAValue, ...]:
        self._feature_axis(x, dim, "torch.split")
        return self._pieces(node, x, list(sizes))

    def _chunk(self, node: fx.Node, x: Any, chunks: int, dim: int = 0) -> tuple[SSAValue, ...]:
        n = self._feature_axis(x, dim, "torch.chunk")
        size = -(-n // chunks)
        return self._pieces(node, x, [min(size, n - k) for k in range(0, n, size)])

    def _pad(self, node: fx.Node, x: Any, pad: Sequence[int], mode: str = "constant", value: Any = None) -> SSAValue:
        n = self._feature_axis(x, 1, "F.pad")
        if mode != "constant" or value not in (None, 0, 0.0):
            raise _Unsupported(f"F.pad with mode={mode!r}, value={value}: only zero padding is supported")
        if len(pad) != 2:
            raise _Unsupported(f"F.pad of {len(pad) // 2} dimensions: only the feature axis ((left, right)) is supported")
        left, right = int(pad[0]), int(pad[1])
        if left < 0 or right < 0:
            raise _Unsupported("F.pad with negative padding (cropping): slice the features instead")
        return self._take(node, x, [-1] * left + list(range(n)) + [-1] * right)

    def _stack(self, node: fx.Node, tensors: Sequence[Any], dim: int = 0) -> SSAValue:
        return self.axis_rules._stack(node, tensors, dim)

    def _feature_reduction(self, node: fx.Node, x: Any, dims: Any, what: str, scale: float) -> SSAValue:
        """x.sum / x.mean over the features: a dense with weights 1 (or 1/F) into one feature."""
        t = self._feature(x, f"the input of {what}").type
        dims = list(dims) if isinstance(dims, (list, tuple)) else [dims]
        val = node.args[0].meta.get("val") if isinstance(node.args[0], fx.Node) else None
        rank = val.dim() if isinstance(val, torch.Tensor) else 2
        axes = {d % rank for d in dims}
        if axes != {rank - 1}:
            raise _Unsupported(
                f"{what} over dimension(s) {dims} of {_fmt_shape(val, self)}: only over the features "
                "(the last dimension) is supported here"
            )
        n = t.num_features
        weight = torch.full((1, n), scale / n if scale else 1.0, dtype=torch.float64)
        return self._emit(node, gnn.DenseOp(x, _dense_attr(weight.to(torch.float32)), None))

    def _sum_features(self, node: fx.Node, x: Any, dims: Any = None, keepdim: bool = False, *args: Any,
                      **kwargs: Any) -> SSAValue:
        if dims is None:
            raise _Unsupported("a sum over all elements: only over the features (dim=-1) is supported")
        return self._feature_reduction(node, x, dims, "sum", 0.0)

    def _mean_features(self, node: fx.Node, x: Any, dims: Any = None, keepdim: bool = False, *args: Any,
                       **kwargs: Any) -> SSAValue:
        if dims is None:
            raise _Unsupported("a mean over all elements: only over the features (dim=-1) is supported")
        return self._feature_reduction(node, x, dims, "mean", 1.0)

    def _pow(self, node: fx.Node, x: Any, exponent: Any) -> SSAValue:
        """x ** n for an integer n >= 1: products of exact squares (gnn.mul)."""
        self._feature(x, "the input of pow")
        if isinstance(exponent, bool) or not isinstance(exponent, (int, float)) or exponent != int(exponent) or exponent < 1:
            raise _Unsupported(f"pow with the exponent {exponent!r}: only integers >= 1 are supported")
        result, base, k = None, x, int(exponent)
        while k:
            if k & 1:
                result = base if result is None else self._emit(node, gnn.MulOp(result, base))
            k >>= 1
            if k:
                base = self._emit(node, gnn.MulOp(base, base))
        return result

    def _square(self, node: fx.Node, x: Any) -> SSAValue:
        return self._pow(node, x, 2)

    def _layer_norm(self, node: fx.Node, x: Any, normalized_shape: Sequence[Any], weight: Any = None,
                    bias: Any = None, eps: float = 1e-5, *args: Any) -> SSAValue:
        """LayerNorm over the feature axis: a gnn.layer_norm."""
        t = self._feature(x, "the input of layer_norm")
        n = t.type.num_features  # type: ignore[attr-defined]
        if list(normalized_shape) != [n]:
            raise _Unsupported(
                f"layer_norm over the shape {list(normalized_shape)}: only the feature axis ([{n}]) is supported"
            )
        w, b = _constant_vectors("layer_norm", (("weight", weight), ("bias", bias)), n)
        return self._emit(node, gnn.LayerNormOp(t, w, b, float(eps)))

    @staticmethod
    def _number(value: Any, what: str) -> float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise _Unsupported(f"{what} {_kind(value)}: only a number is supported")
        return float(value)

    def _gelu(self, node: fx.Node, x: Any, approximate: str = "none") -> SSAValue:
        fn = {"none": gnn.ActivationFn.GELU, "tanh": gnn.ActivationFn.GELU_TANH}.get(approximate)
        if fn is None:
            raise _Unsupported(f"gelu with approximate={approximate!r} (torch has 'none' and 'tanh')")
        return self._activation(node, fn, x)

    def _softplus(self, node: fx.Node, x: Any, beta: Any = 1.0, threshold: Any = 20.0) -> SSAValue:
        x = self._feature(x, "the input of softplus")
        beta = self._number(beta, "softplus with beta")
        if beta <= 0:
            raise _Unsupported(f"softplus with beta={beta}: only beta > 0 is supported")
        return self._emit(node, gnn.ActivationOp(
            gnn.ActivationFn.SOFTPLUS, x, beta, threshold=self._number(threshold, "softplus with threshold")))

    def _hardtanh(self, node: fx.Node, x: Any, min_val: Any = -1.0, max_val: Any = 1.0) -> SSAValue:
        x = self._feature(x, "the input of hardtanh")
        lower, upper = self._number(min_val, "hardtanh with min_val"), self._number(max_val, "hardtanh with max_val")
        if lower > upper:
            raise _Unsupported(f"hardtanh with min_val={lower} > max_val={upper}")
        return self._emit(node, gnn.ActivationOp(gnn.ActivationFn.HARDTANH, x, lower=lower, upper=upper))

    def _relu6(self, node: fx.Node, x: Any) -> SSAValue:
        return self._hardtanh(node, x, 0.0, 6.0)

    def _hardsigmoid(self, node: fx.Node, x: Any) -> SSAValue:
        """hardtanh(x / 6 + 1/2, 0, 1): a constant scale, then an exact clamp."""
        t = self._feature(x, "the input of hardsigmoid").type
        n = t.num_features  # type: ignore[attr-defined]
        y = self._scale(node, x, torch.full((n,), 1 / 6, dtype=torch.float64), torch.full((n,), 0.5, dtype=torch.float64))
        return self._hardtanh(node, y, 0.0, 1.0)

    def _hardswish(self, node: fx.Node, x: Any) -> SSAValue:
        """x * hardsigmoid(x)."""
        return self._emit(node, gnn.MulOp(x, self._hardsigmoid(node, x)))

    def _selu(self, node: fx.Node, x: Any) -> SSAValue:
        """scale * elu(x, alpha) with torch's constants."""
        alpha, scale = 1.6732632423543772848170429916717, 1.0507009873554804934193349852946
        y = self._elu(node, x, alpha)
        return self._scale(node, y, torch.full((y.type.num_features,), scale, dtype=torch.float64), None)  # type: ignore[attr-defined]

    def _celu(self, node: fx.Node, x: Any, alpha: Any = 1.0) -> SSAValue:
        """alpha * elu(x / alpha, 1) (= max(0, x) + min(0, alpha (exp(x / alpha) - 1)))."""
        alpha = self._number(alpha, "celu with alpha")
        if alpha == 1.0:
            return self._elu(node, x, 1.0)
        if alpha <= 0:
            raise _Unsupported(f"celu with alpha={alpha}: only alpha > 0 is supported")
        n = self._feature(x, "the input of celu").type.num_features  # type: ignore[attr-defined]
        y = self._elu(node, self._scale(node, x, torch.full((n,), 1 / alpha, dtype=torch.float64), None), 1.0)
        return self._scale(node, y, torch.full((n,), alpha, dtype=torch.float64), None)

    # --------------------------------------------------- GCN normalisation

    def _degree_norm(self, node: fx.Node, edge_index: Any, num_nodes: Any, end: int,
                     add_self_loops: bool) -> SSAValue:
        if not isinstance(edge_index, EdgeIndexVal):
            raise _Unsupported(f"degree normalisation of {_kind(edge_index)}")
        if self.n_nodes is None or _expr(num_nodes) != self.n_nodes:
            raise _Unsupported("degree normalisation for a node count other than the graph's")
        e = gnn.EdgeEnd.SRC if end == 0 else gnn.EdgeEnd.DST
        return self._emit(node, gnn.DegreeNormOp(e, edge_index.value, bool(add_self_loops)))

    def _edge_softmax(self, node: fx.Node, src: Any, index: Any, num_nodes: Any) -> SSAValue:
        t = _features(src)
        if t is None or t.kind != "edges":
            raise _Unsupported(f"softmax of {_kind(src)}: only edge matrices [E, H] are supported")
        if not isinstance(index, RowVal):
            raise _Unsupported(f"softmax grouped by {_kind(index)}: only edge_index[0] / [1] is supported")
        if self.n_nodes is None or _expr(num_nodes) != self.n_nodes:
            raise _Unsupported("softmax with num_nodes other than the graph's node count")
        return self._emit(node, gnn.EdgeSoftmaxOp(index.end, src, index.edge_index.value))

    def _sqrt_above(self, node: fx.Node, x: Any, threshold: Any) -> SSAValue:
        """StdAggregation's root of a variance: sqrt(x) where x > threshold, else 0."""
        x = self._feature(x, "the input of sqrt")
        return self._emit(node, gnn.ActivationOp(gnn.ActivationFn.SQRT, x, threshold=float(threshold)))

    def _repeat_interleave(self, node: fx.Node, x: Any, repeats: Any = None, dim: Any = None,
                           *args: Any, **kwargs: Any) -> SSAValue:
        t = self._feature(x, "the input of repeat_interleave")
        if not isinstance(repeats, int) or dim not in (1, -1):
            raise _Unsupported(
                "repeat_interleave other than of a constant count along the feature axis (dim=1)"
            )
        return self._emit(node, gnn.RepeatOp(t, repeats))

    def _degree(self, node: fx.Node, index: Any, num_nodes: Any) -> SSAValue:
        """utils.degree(edge_index[k], N): the count of each node's edges (see edge_count)."""
        if not isinstance(index, RowVal):
            raise _Unsupported(f"degree of {_kind(index)}: only of edge_index[0] / [1]")
        return self.edge_count(node, index, num_nodes)

    def edge_count(self, node: fx.Node, row: RowVal, num_nodes: Any, skip_loops: bool = False,
                   plus_one: bool = False) -> SSAValue:
        """
        [N, 1]: the edges whose `row.end` is the node (without self loops with skip_loops; one
        more with plus_one), as a sum of ones (a loop mask scaled by 0 and shifted by 1, or the
        mask itself) onto the nodes: an ordinary node value (PNA's linear scaler d / avg).
        """
        if self.n_nodes is None or _expr(num_nodes) != self.n_nodes:
            raise _Unsupported("degree for a node count other than the graph's (num_nodes=x.size(0))")
        edge_index = row.edge_index.value
        ones = self._emit_free(node, gnn.LoopMaskOp(edge_index))
        if not skip_loops:
            ones = self._emit_free(node, gnn.ScaleOp(ones, _dense_attr(torch.zeros(1)), _dense_attr(torch.ones(1))))
        count = gnn.ScatterOp(gnn.Reduce("sum"), row.end, ones, edge_index)
        if not plus_one:
            return self._emit(node, count)
        return self._emit(node, gnn.ScaleOp(self._emit_free(node, count), None, _dense_attr(torch.ones(1))))

    def _loop_mask(self, node: fx.Node, edge_index: Any) -> SSAValue:
        if not isinstance(edge_index, EdgeIndexVal):
            raise _Unsupported(f"self-loop mask of {_kind(edge_index)}")
        return self._emit(node, gnn.LoopMaskOp(edge_index.value))

    # ------------------------------------------------------------ no-op ops

    def _dropout(self, node: fx.Node, x: Any, p: float = 0.5, train: bool | None = False) -> SSAValue:
        if train:
            raise _Unsupported("dropout in training mode")
        return self._feature(x, "the input of dropout")

    def _to(self, node: fx.Node, x: Any, *args: Any, **kwargs: Any) -> Any:
        """.float() on features / .long() on edge_index are no-ops; other casts are not."""
        val = node.meta.get("val")
        dtype = getattr(val, "dtype", None)
        if isinstance(x, (EdgeIndexVal, RowVal, BroadcastRowVal)) and dtype in (torch.int64, torch.int32):
            return x
        if dtype != torch.float32:
            raise _Unsupported(f"conversion of {_kind(x)} to {dtype}: gnnc computes in float32")
        return self._feature(x, "the input of .to()")

    def _reshape(self, node: fx.Node, x: Any, *args: Any, **kwargs: Any) -> Any:
        """
        view/reshape/... that keep the rows are no-ops (e.g. x.view(-1, F), importer_axes.py);
        on an edge_index row they make the broadcast index of scatter_add_.
        """
        if isinstance(x, EdgeIndexVal):
            val = node.meta.get("val")
            if isinstance(val, torch.Tensor) and val.dim() == 2 and val.shape[0] == 2:
                return x
            raise _Unsupported(f"reshaping edge_index to {_fmt_shape(val, self)}")
        if isinstance(x, (RowVal, BroadcastRowVal)):
            row = x if isinstance(x, RowVal) else x.row
            val = node.meta.get("val")
            ok = isinstance(val, torch.Tensor) and _expr(val.shape[0]) == self.n_edges
            if ok and val.dim() == 1:
                return row
            if ok and val.dim() == 2 and isinstance(val.shape[1], int):
                return BroadcastRowVal(row, val.shape[1])
            raise _Unsupported(f"reshaping {_kind(x)} to {_fmt_shape(val, self)}")
        return self.axis_rules._view(node, x)


def _constant_vectors(op: str, named: Sequence[tuple[str, Any]], n: int) -> list[DenseIntOrFPElementsAttr | None]:
    """A norm's per-feature parameters: each None or a constant of n values."""
    out: list[DenseIntOrFPElementsAttr | None] = []
    for what, v in named:
        if v is None:
            out.append(None)
        elif isinstance(v, ConstVal) and v.tensor.numel() == n:
            out.append(_dense_attr(v.tensor.reshape(n)))
        else:
            raise _Unsupported(f"{op} whose {what} is {_kind(v)}, not a constant of {n} values")
    return out


def _over_rows(node: fx.Node, dim: Any) -> bool:
    """Whether a sum/mean reduces a [rows, F] value over its rows (dim 0 or -2)."""
    dims = [dim] if isinstance(dim, int) else list(dim or [])
    val = node.args[0].meta.get("val") if node.args and isinstance(node.args[0], fx.Node) else None
    rank = val.dim() if isinstance(val, torch.Tensor) else 2
    return rank == 2 and len(dims) == 1 and dims[0] % rank == 0


def _fmt_shape(val: Any, importer: _Importer) -> str:
    """[N, 1, 8] rather than [s95, 1, 8]."""
    if not isinstance(val, torch.Tensor):
        return "?"
    import sympy

    names = {k: sympy.Symbol(v) for k, v in ((importer.n_nodes, "N"), (importer.n_edges, "E")) if k is not None}
    return "[" + ", ".join(str(_expr(d).subs(names)).replace("*", "") for d in val.shape) + "]"


def _is_symbolic(val: Any) -> bool:
    return isinstance(val, (torch.SymInt, torch.SymFloat, torch.SymBool))


def _is_scalar(val: Any) -> bool:
    return isinstance(val, (torch.SymInt, torch.SymFloat, torch.SymBool, int, float, bool))


def _dense_attr(t: torch.Tensor) -> DenseIntOrFPElementsAttr:
    from gnnc.passes._util import dense_attr

    return dense_attr(t.detach().to(torch.float32).cpu().numpy())


def _dead_code_elimination(block: Block) -> None:
    """Drop ops whose results nobody uses (gnn ops are pure)."""
    for op in reversed(list(block.ops)):
        if isinstance(op, ReturnOp):
            continue
        if all(not r.uses for r in op.results):
            op.detach()
            op.erase()


def import_captured(captured: Captured, func_name: str | None = None) -> ImportResult:
    """Build the gnn IR (one verified func.func in a module) for a captured model."""
    return _Importer(captured, func_name or _snake_case(captured.model_name)).run()
