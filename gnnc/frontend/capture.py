"""
Capture a PyG model as an aten-level FX graph with torch.export.

torch.export traces straight through PyG's generated `propagate`, but the
aggregation it finds there is spelled differently in every PyG / torch_scatter /
compile-mode combination. So, for the duration of the export, every
MessagePassing instance gets its own `propagate` that

* gathers the `_i` / `_j` arguments with `index_select` on an edge_index row
  (chosen by `flow`),
* runs `message` and `update` inline, so their bodies are traced, and
* emits the aggregation as one `torch.ops.gnn.scatter` node.

`torch_geometric.utils.scatter` is rebound to the same op. The node count N and
edge count E are dynamic (`Dim(min=2)`: export specialises sizes 0 and 1), so the
graph is valid for any graph size. Every module's `__dict__` is snapshotted and
restored, which undoes the patching and side effects such as the tracking IN's
`self.E = ...`.
"""

from __future__ import annotations

import contextlib
import copy
import dataclasses
import inspect
import io
import os
import sys
import traceback
import types
import warnings
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import Tensor, nn
from torch.export import Dim, ExportedProgram

with warnings.catch_warnings():
    # PyG calls torch.jit.script at import time, which torch 2.13 deprecates; not ours to fix.
    warnings.filterwarnings("ignore", message=".*torch.jit.script.* is deprecated", category=DeprecationWarning)
    from torch_geometric.data import Data
    from torch_geometric.nn import MessagePassing
    from torch_geometric.nn import aggr as pyg_aggr

from gnnc.errors import GnncError, UnsupportedModelError
from gnnc.frontend import brevitas
from gnnc.frontend import ops  # noqa: F401  (registers torch.ops.gnn.scatter)
from gnnc.frontend import self_loops

#: Attribute under which the capture wrapper holds the user's model; module
#: paths in the exported graph start with it and are stripped by the importer.
WRAPPED = "model"

#: The end of every "unsupported" message: what gnnc can compile.
SUPPORTED = (
    "gnnc supports: MessagePassing layers (aggr 'add'/'sum'/'mean'/'max'/'min', either flow, any "
    "x_i / x_j / edge arguments, aggr 'softmax', aggr lists); self loops removed or added at run time "
    "(remove_self_loops, add_self_loops, add_remaining_self_loops, gcn_norm: SGConv, TAGConv, "
    "GATv2Conv, ...); GCNConv, GATConv, SAGEConv, GINConv, EdgeConv, GraphConv, "
    "GENConv, TransformerConv, GeneralConv, NNConv, PNAConv (any scalers); per-head values [rows, H, C] (views that "
    "keep the rows, sums/means over heads or channels, broadcasts, per-row products); "
    "gathers (x[edge_index[k]], index_select); scatters (torch_geometric.utils.scatter with "
    "dim_size, index_add_ / scatter_add_ / scatter_reduce_ into zeros with one row per node); "
    "torch_geometric.utils.softmax with num_nodes; torch_geometric.utils.degree with num_nodes; nn.Linear / F.linear; BatchNorm in eval mode; "
    "LayerNorm over the features; "
    "relu, leaky_relu, elu, selu, celu, sigmoid, tanh, silu, gelu (both forms), softplus, mish, "
    "logsigmoid, hardtanh, relu6, hardsigmoid, hardswish; feature slices, torch.split/chunk/narrow, "
    "F.pad with zeros, torch.stack flattened to [rows, k * F], pow by an integer, sum/mean over the features; torch.cat along the feature axis; + - * of two node "
    "(or two edge) matrices, one of them possibly [rows, 1]; + - * / by constants; "
    "repeat_interleave along the feature axis; global_add/mean/max_pool (by a batch input, or "
    "batch=None), x.sum/mean/max/amax(0); softmax over the features (dim=-1); "
    "Brevitas QuantLinear (bias=False), QuantReLU, "
    "QuantIdentity with power-of-two scales"
)


def unsupported(message: str) -> UnsupportedModelError:
    """An UnsupportedModelError whose message ends with what gnnc supports."""
    return UnsupportedModelError(f"{message}\n{SUPPORTED}")


# Kinds of graph inputs.
NODES, EDGES, EDGE_INDEX, OTHER = "nodes", "edges", "edge_index", "other"
#: PyG's per-node graph number of a batch of graphs (a 1-D integer tensor with N entries).
BATCH = "batch"

_FRONTEND_DIR = str(Path(__file__).resolve().parent)
_TORCH_DIR = str(Path(torch.__file__).resolve().parent)

_AGGREGATIONS = {
    pyg_aggr.SumAggregation: "sum",
    pyg_aggr.MeanAggregation: "mean",
    pyg_aggr.MaxAggregation: "max",
    pyg_aggr.MinAggregation: "min",
}
#: Aggregations made of ops gnnc has, also in aggregation lists and under PNA's scalers: traced
#: inline (VarAggregation: mean(x * x) - mean(x)^2 of two rebound mean scatters;
#: StdAggregation: its variance, then gnn::sqrt_above, see _std_forward).
_LISTABLE_AGGREGATIONS = (pyg_aggr.VarAggregation, pyg_aggr.StdAggregation)
#: Traced inline as a layer's aggregation (SoftmaxAggregation is utils.softmax of t * x, then
#: a sum of x * alpha; a learned t is a constant at inference).
_TRACED_AGGREGATIONS = (pyg_aggr.SoftmaxAggregation, *_LISTABLE_AGGREGATIONS)
#: StdAggregation's eps: std = sqrt(var) where var > eps, else 0 (torch_geometric/nn/aggr/basic.py).
STD_EPS = 1e-5

# Arguments of message/aggregate/update that propagate fills in itself.
_SPECIAL_ARGS = frozenset(MessagePassing.special_args)


# --------------------------------------------------------------------------- #
# Graph inputs: which forward arguments are node / edge matrices
# --------------------------------------------------------------------------- #


@dataclass(frozen=True)
class GraphInput:
    """One tensor the model reads: its user-facing name, kind, and where it comes from."""

    name: str
    kind: str  # NODES | EDGES | EDGE_INDEX | OTHER
    key: str | int  # Data attribute name, or position in the forward arguments


@dataclass(frozen=True)
class CallConvention:
    """How the model is called: with one PyG Data, or with positional arguments."""

    uses_data: bool
    inputs: tuple[GraphInput, ...]
    n_args: int = 0  # positional arguments of forward (tensor path)

    def tensors(self, args: Sequence[Any], inputs: Sequence[GraphInput] | None = None) -> list[Tensor]:
        """The tensors of `inputs` (default: all) from arguments forward takes."""
        args = _normalise_args(args)
        inputs = self.inputs if inputs is None else inputs
        if self.uses_data:
            if len(args) != 1 or not isinstance(args[0], Data):
                got = ", ".join(type(a).__name__ for a in args) or "nothing"
                raise GnncError(f"this model takes one torch_geometric Data object, got {got}")
            return [_tensor_attr(args[0], str(i.key)) for i in inputs]
        if len(args) != self.n_args:
            raise GnncError(f"this model takes {self.n_args} arguments, got {len(args)}")
        return [_as_tensor(args[int(i.key)], i.name) for i in inputs]

    def arguments(self, args: Sequence[Any], tensors: Sequence[Tensor]) -> tuple[Any, ...]:
        """Arguments forward takes: `args` with every input's tensor replaced by `tensors` (in the
        order of self.inputs), for an eager call on an edited example (a Data is copied)."""
        args = _normalise_args(args)
        if self.uses_data:
            data = copy.copy(args[0])
            for inp, t in zip(self.inputs, tensors, strict=True):
                data[str(inp.key)] = t
            return (data,)
        out = list(args)
        for inp, t in zip(self.inputs, tensors, strict=True):
            out[int(inp.key)] = t
        return tuple(out)


def _normalise_args(example: Any) -> tuple[Any, ...]:
    """The forward arguments, numpy arrays as tensors (torch.export takes them for constants)."""
    if isinstance(example, (Data, Tensor, np.ndarray)):
        example = (example,)
    return tuple(torch.from_numpy(np.ascontiguousarray(a)) if isinstance(a, np.ndarray) else a
                 for a in example)


def _tensor_attr(data: Data, key: str) -> Tensor:
    value = getattr(data, key, None)
    if isinstance(value, np.ndarray):
        return torch.from_numpy(value)
    if not isinstance(value, Tensor):
        raise GnncError(f"the Data object has no tensor attribute {key!r}")
    return value


def _as_tensor(value: Any, name: str) -> Tensor:
    if isinstance(value, np.ndarray):  # inputs as users have them
        return torch.from_numpy(value)
    if not isinstance(value, Tensor):
        raise GnncError(f"argument {name!r} must be a torch.Tensor or a numpy array, got {type(value).__name__}")
    return value


def _is_edge_index(t: Tensor) -> bool:
    return not t.is_floating_point() and t.dim() == 2 and t.shape[0] == 2


def _node_count(named: Sequence[tuple[str, Tensor]]) -> int | None:
    """Rows of `x`, else of the first 2-D float tensor not named edge*."""
    for name, t in named:
        if name == "x" and t.dim() >= 1:
            return t.shape[0]
    for name, t in named:
        if t.is_floating_point() and t.dim() == 2 and "edge" not in name:
            return t.shape[0]
    return None


def _classify(named: Sequence[tuple[str, Tensor]]) -> list[str]:
    """Kind of each tensor, by name (edge_index, edge_*) and by row count (N or E)."""
    names = [n for n, _ in named]
    ei_pos = names.index("edge_index") if "edge_index" in names else None
    if ei_pos is None or not _is_edge_index(named[ei_pos][1]):
        ei_pos = next((k for k, (_, t) in enumerate(named) if _is_edge_index(t)), None)
    n_edges = named[ei_pos][1].shape[1] if ei_pos is not None else None
    n_nodes = _node_count(named)
    kinds = []
    for k, (name, t) in enumerate(named):
        rows = t.shape[0] if t.dim() >= 1 else None
        if k == ei_pos:
            kinds.append(EDGE_INDEX)
        elif _is_batch(name, t, n_nodes, n_edges):
            kinds.append(BATCH)
        elif rows is not None and rows == n_edges and ("edge" in name or rows != n_nodes):
            kinds.append(EDGES)
        elif rows is not None and rows == n_nodes:
            kinds.append(NODES)
        else:
            kinds.append(OTHER)
    return kinds


def _is_batch(name: str, t: Tensor, n_nodes: int | None, n_edges: int | None) -> bool:
    """PyG's `batch`: a 1-D integer tensor with one entry per node (named like batch when
    the graph has as many edges as nodes)."""
    return (not t.is_floating_point() and t.dim() == 1 and n_nodes is not None
            and t.shape[0] == n_nodes and ("batch" in name or n_nodes != n_edges))


def call_convention(model: nn.Module, example: Any) -> CallConvention:
    """Name and classify the tensors of an example call of `model`."""
    args = _normalise_args(example)
    if len(args) == 1 and isinstance(args[0], Data):
        data = args[0]
        named = [(k, v) for k, v in data.items() if isinstance(v, Tensor)]
        kinds = _classify(named)
        inputs = tuple(GraphInput(n, kd, n) for (n, _), kd in zip(named, kinds))
        return CallConvention(True, inputs)
    if any(isinstance(a, Data) for a in args):
        raise UnsupportedModelError(
            "a Data object must be the only argument of forward; pass the tensors instead"
        )
    names = _forward_arg_names(model, len(args))
    named = [(names[k], a) for k, a in enumerate(args) if isinstance(a, Tensor)]
    positions = [k for k, a in enumerate(args) if isinstance(a, Tensor)]
    kinds = _classify(named)
    inputs = tuple(
        GraphInput(n, kd, pos) for (n, _), kd, pos in zip(named, kinds, positions)
    )
    return CallConvention(False, inputs, n_args=len(args))


def _forward_arg_names(model: nn.Module, n: int) -> list[str]:
    params = list(inspect.signature(model.forward).parameters.values())
    names: list[str] = []
    for p in params:
        if p.kind == p.VAR_POSITIONAL:
            names += [f"{p.name}{k}" for k in range(n - len(names))]
            break
        if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD):
            names.append(p.name)
    if len(names) < n:
        raise UnsupportedModelError(
            f"{type(model).__name__}.forward takes {len(names)} positional arguments, "
            f"the example has {n}"
        )
    return names[:n]


# --------------------------------------------------------------------------- #
# Where is the user's code: module paths and source lines for error messages
# --------------------------------------------------------------------------- #


def _is_user_file(filename: str) -> bool:
    """Frames worth showing a user: not torch's own code, not this frontend."""
    if not filename or filename.startswith("<"):
        return False
    path = str(Path(filename).resolve())
    return not any(path.startswith(d + os.sep) for d in (_TORCH_DIR, _FRONTEND_DIR))


def user_frame(frames: Sequence[traceback.FrameSummary]) -> traceback.FrameSummary | None:
    """The innermost frame of user (or PyG) code."""
    for frame in reversed(frames):
        if _is_user_file(frame.filename):
            return frame
    return None


def describe_frame(frame: traceback.FrameSummary | None) -> str:
    if frame is None:
        return ""
    code = f": {frame.line.strip()}" if frame.line else ""
    return f"{Path(frame.filename).name}:{frame.lineno}, in {frame.name}{code}"


def where(path: str | None, cls: str) -> str:
    """"module 'R1.layers.0' (Linear)", or "InteractionNetwork.forward" for the root."""
    return f"module '{path}' ({cls})" if path else f"{cls}.forward"


class ModuleNames:
    """Finds which module of the model a Python frame belongs to, for error messages."""

    def __init__(self, model: nn.Module):
        self.root = type(model).__name__
        self._by_id = {id(m): (p, type(m).__name__) for p, m in model.named_modules()}

    def describe(self, frames: Iterator[types.FrameType]) -> str:
        """where() of the innermost model module with a method among `frames` (innermost first)."""
        for frame in frames:
            found = self._by_id.get(id(frame.f_locals.get("self")))
            if found is not None:
                return where(*found)
        return where(None, self.root)


def _frames_of_stack(frame: types.FrameType | None) -> Iterator[types.FrameType]:
    while frame is not None:
        yield frame
        frame = frame.f_back


def _frames_of_traceback(tb: types.TracebackType | None) -> Iterator[types.FrameType]:
    frames = []
    while tb is not None:
        frames.append(tb.tb_frame)
        tb = tb.tb_next
    return reversed(frames)


# --------------------------------------------------------------------------- #
# The propagate replacement
# --------------------------------------------------------------------------- #


def _layer(mp: MessagePassing, path: str) -> str:
    cls = type(mp).__name__
    return f"module '{path}' ({cls})" if path else f"{cls} (the model itself)"


def _refuse(mp: MessagePassing, path: str, reason: str) -> UnsupportedModelError:
    """An error naming the layer and, when the model is being traced, the user's line calling it."""
    located = user_frame(traceback.extract_stack(sys._getframe(1)))
    at = f"\n  at {describe_frame(located)}" if located else ""
    return unsupported(f"{_layer(mp, path)}: {reason}{at}")


def _real_type(obj: Any) -> type:
    """
    The class of obj, seen through the AttrProxy subclass that torch.export's module-stack
    tracer gives submodules reached during tracing (it does so for models with Brevitas layers).
    """
    proxy_module = "torch.fx.experimental.proxy_tensor"
    for cls in type(obj).__mro__:
        if cls.__module__ != proxy_module and all(b.__module__ != proxy_module for b in cls.__bases__):
            return cls
    return type(obj)


def _aggregation(mp: MessagePassing, path: str) -> str | None:
    """The gnn reduce of a layer's default aggregate, or None if aggregate is overridden."""
    if type(mp).aggregate is not MessagePassing.aggregate:
        return None
    if isinstance(mp.aggr_module, _TRACED_AGGREGATIONS):
        return None  # its forward is traced: utils.softmax and utils.scatter, both rebound
    if _traced_scalers(mp.aggr_module):
        return None  # traced too: each aggregation a scatter, utils.degree gnn::degree
    reduce = _AGGREGATIONS.get(_real_type(mp.aggr_module))
    if reduce is None:
        raise unsupported(f"{_layer(mp, path)}: {_unsupported_aggregation(mp)}")
    return reduce


#: PNA's scalers: the aggregate itself, and times a function of the degree d (a count of
#: edges, gnn::degree; importer_counts.py makes d / avg gnn.scale ops, the others a
#: gnn.count_fn table).
_SCALERS = ("identity", "amplification", "attenuation", "linear", "inverse_linear")


def _traced_scalers(aggr: Any) -> bool:
    """An aggr list (MultiAggregation, concatenated) of sum/mean/max/min, or PNA's
    DegreeScalerAggregation over one with scalers in _SCALERS."""
    if isinstance(aggr, pyg_aggr.DegreeScalerAggregation):
        return all(s in _SCALERS for s in aggr.scaler) and (
            _listable(aggr.aggr) or _traced_scalers(aggr.aggr))
    return isinstance(aggr, pyg_aggr.MultiAggregation) and aggr.mode == "cat" and all(
        _listable(a) for a in aggr.aggrs)


def _listable(aggr: Any) -> bool:
    return _real_type(aggr) in _AGGREGATIONS or isinstance(aggr, _LISTABLE_AGGREGATIONS)


def _std_forward(module: Any) -> Callable[..., Tensor]:
    """StdAggregation's forward: its variance (traced), then sqrt above eps (gnn.activation sqrt)."""
    def forward(x: Tensor, index: Tensor | None = None, ptr: Tensor | None = None,
                dim_size: int | None = None, dim: int = -2) -> Tensor:
        return torch.ops.gnn.sqrt_above(module.var_aggr(x, index, ptr, dim_size, dim), STD_EPS)

    return forward


def _aggregation_names(aggr: Any) -> str:
    inner = aggr.aggrs if isinstance(aggr, pyg_aggr.MultiAggregation) else [aggr]
    return ", ".join(repr(type(a).__name__.removesuffix("Aggregation").lower()) for a in inner)


def _unsupported_aggregation(mp: MessagePassing) -> str:
    """Why a layer's aggregation module cannot be compiled (PNA's degree scalers by name)."""
    aggr = mp.aggr_module
    supported = "supported: 'add'/'sum', 'mean', 'max', 'min', 'var', 'std', 'softmax' (SoftmaxAggregation)"
    listable = ("sum", "mean", "max", "min", "var", "std")
    if isinstance(aggr, pyg_aggr.DegreeScalerAggregation):
        scalers = [s for s in aggr.scaler if s not in _SCALERS]
        missing = f"scalers {', '.join(repr(s) for s in scalers)} are not known" if scalers else ""
        other = [n for n in _aggregation_names(aggr.aggr).split(", ") if n.strip("'") not in listable]
        aggregators = f"aggregator{'s' * (len(other) > 1)} {', '.join(other)} not supported" if other else ""
        return (
            f"PNA's degree-scaler aggregation (aggregators {_aggregation_names(aggr.aggr)}, scalers "
            f"{', '.join(repr(s) for s in aggr.scaler)}): {'; '.join(p for p in (missing, aggregators) if p)}; "
            f"supported: scalers {', '.join(repr(s) for s in _SCALERS)} over aggregators 'sum', 'mean', "
            "'max', 'min', 'var', 'std'"
        )
    if isinstance(aggr, pyg_aggr.MultiAggregation):
        return (f"the aggregation list {_aggregation_names(aggr)} (mode {aggr.mode!r}) is not supported; "
                "supported: lists of 'sum', 'mean', 'max', 'min', 'var', 'std' concatenated (mode 'cat')")
    return f"aggregation {mp.aggr!r} is not supported; {supported}"


def _check_layer(mp: MessagePassing, path: str) -> None:
    hooks = (
        mp._propagate_forward_pre_hooks, mp._propagate_forward_hooks,
        mp._message_forward_pre_hooks, mp._message_forward_hooks,
        mp._aggregate_forward_pre_hooks, mp._aggregate_forward_hooks,
        mp._edge_update_forward_pre_hooks, mp._edge_update_forward_hooks,
    )
    if any(len(h) for h in hooks):
        raise unsupported(
            f"{_layer(mp, path)}: propagate/message/aggregate hooks are not supported"
        )
    if mp.explain:
        raise unsupported(
            f"{_layer(mp, path)}: explain=True is not supported "
            "(it masks messages with learned edge weights)"
        )
    if getattr(mp, "cached", False):
        raise unsupported(
            f"{_layer(mp, path)}: cached=True reuses the first graph's normalisation (or "
            "propagation) for every later graph, while a gnnc design computes it for each graph; "
            "build the layer with cached=False"
        )
    if mp.node_dim not in (0, -2):
        raise unsupported(
            f"{_layer(mp, path)}: node_dim={mp.node_dim} is not supported "
            "(node features must be [N, F])"
        )
    _aggregation(mp, path)


def _collect(
    mp: MessagePassing, names: Sequence[str], edge_index: Tensor,
    size: list[Any], kwargs: dict[str, Any],
) -> dict[str, Any]:
    """PyG's `_collect` for a [2, E] edge_index: `x_j` = x[edge_index[j]], `x_i` = x[edge_index[i]]."""
    i, j = (1, 0) if mp.flow == "source_to_target" else (0, 1)
    out: dict[str, Any] = {}
    for name in names:
        if name in _SPECIAL_ARGS:
            continue
        if name[-2:] not in ("_i", "_j"):
            out[name] = kwargs.get(name, inspect.Parameter.empty)
            continue
        end = j if name.endswith("_j") else i
        data = kwargs.get(name[:-2], inspect.Parameter.empty)
        if isinstance(data, (tuple, list)):  # bipartite (x_src, x_dst)
            if isinstance(data[1 - end], Tensor) and size[1 - end] is None:
                size[1 - end] = data[1 - end].size(0)
            data = data[end]
        if isinstance(data, Tensor):
            if size[end] is None:
                size[end] = data.size(0)
            data = data.index_select(0, edge_index[end])  # the gather
        out[name] = data
    size_i = size[i] if size[i] is not None else size[j]
    size_j = size[j] if size[j] is not None else size[i]
    out.update(
        edge_index=edge_index, adj_t=None, ptr=None, size=size,
        edge_index_i=edge_index[i], edge_index_j=edge_index[j], index=edge_index[i],
        size_i=size_i, size_j=size_j, dim_size=size_i,
    )
    return out


def _call(mp: MessagePassing, fn: str, coll: dict[str, Any], path: str, *first: Any) -> Any:
    """Call message/aggregate/update with the arguments its signature asks for."""
    params = mp.inspector.get_signature(fn).param_dict
    kwargs = {}
    for name, param in params.items():
        value = coll.get(name, inspect.Parameter.empty)
        if value is inspect.Parameter.empty:
            value = param.default
        if value is inspect.Parameter.empty:
            raise _refuse(mp, path, f"{fn}() needs argument {name!r}, which was not passed to propagate")
        kwargs[name] = value
    return getattr(mp, fn)(*first, **kwargs)


def _check_edge_index(mp: MessagePassing, path: str, edge_index: Any) -> Tensor:
    if not isinstance(edge_index, Tensor) or edge_index.layout != torch.strided:
        raise _refuse(
            mp, path,
            "edge_index must be a dense [2, E] integer tensor (SparseTensor / torch.sparse "
            "adjacency is not supported)",
        )
    return edge_index


def _check_node_dim(mp: MessagePassing, path: str, what: str, *values: Any) -> None:
    """PyG gathers and aggregates along node_dim (-2 by default): with 3-D values that is not dim 0."""
    for value in values:
        for t in value if isinstance(value, (tuple, list)) else (value,):
            if mp.node_dim != 0 and isinstance(t, Tensor) and t.dim() > 2:
                raise _refuse(
                    mp, path,
                    f"{what} has {t.dim()} axes and node_dim={mp.node_dim}: PyG gathers and aggregates "
                    f"it along dimension {mp.node_dim}, gnnc along the rows (dimension 0); a layer with "
                    "[rows, H, C] values needs node_dim=0 (as PyG's attention layers set)",
                )


def _make_propagate(mp: MessagePassing, path: str) -> Callable[..., Tensor]:
    def propagate(edge_index: Tensor, size: Any = None, **kwargs: Any) -> Tensor:
        edge_index = _check_edge_index(mp, path, edge_index)
        sizes = [None, None] if size is None else list(size)
        _check_node_dim(mp, path, "an argument of propagate", *kwargs.values())
        coll = _collect(mp, mp._user_args, edge_index, sizes, kwargs)
        out = _call(mp, "message", coll, path)
        _check_node_dim(mp, path, "the message", out)
        reduce = _aggregation(mp, path)
        if reduce is None:  # a user-written aggregate: trace it inline
            out = _call(mp, "aggregate", coll, path, out)
        else:
            if coll["dim_size"] is None:
                raise _refuse(
                    mp, path,
                    "cannot tell the number of target nodes; pass size=(N, N) to propagate or "
                    "use an x_i / x_j argument",
                )
            out = torch.ops.gnn.scatter(out, coll["index"], 0, coll["dim_size"], reduce)
        return _call(mp, "update", coll, path, out)

    return propagate


def _make_edge_updater(mp: MessagePassing, path: str) -> Callable[..., Tensor]:
    def edge_updater(edge_index: Tensor, size: Any = None, **kwargs: Any) -> Tensor:
        edge_index = _check_edge_index(mp, path, edge_index)
        sizes = [None, None] if size is None else list(size)
        coll = _collect(mp, mp._edge_user_args, edge_index, sizes, kwargs)
        return _call(mp, "edge_update", coll, path)

    return edge_updater


# --------------------------------------------------------------------------- #
# PyG utilities: scatter, softmax -> gnn ops; the self-loop edits -> marks (self_loops.py)
# --------------------------------------------------------------------------- #


def _caller(names: ModuleNames) -> str:
    """"in module ... at file:line" for the code that called a PyG utility."""
    here = sys._getframe(2)
    located = user_frame(traceback.extract_stack(here))
    at = f"\n  at {describe_frame(located)}" if located else ""
    return f"\n  in {names.describe(_frames_of_stack(here))}{at}"


def _make_scatter(names: ModuleNames) -> Callable[..., Tensor]:
    def scatter(src: Tensor, index: Tensor, dim: int = 0, dim_size: int | None = None,
                reduce: str = "sum") -> Tensor:
        graphs = GRAPHS.rows_of(index)
        if graphs is not None:  # global_*_pool(x, batch) and friends: one row per graph
            dim_size = graphs
        if dim_size is None:
            # PyG would use index.max() + 1: data dependent, and not N when the
            # last nodes receive no edge.
            raise unsupported(
                "torch_geometric.utils.scatter without dim_size is not supported: the output "
                "size would depend on the index values. For an aggregation onto nodes pass "
                "dim_size=x.size(0); for a graph-level pool (global_add_pool, ...) pass the "
                "batch vector as a model input (data.batch, or a forward argument: a 1-D integer "
                "tensor with one entry per node, named batch if the example graph has as many "
                f"edges as nodes) or batch=None for one graph{_caller(names)}"
            )
        try:
            ops.canonical_reduce(reduce)
        except ValueError as err:
            raise unsupported(f"torch_geometric.utils.scatter: {err}{_caller(names)}") from None
        return torch.ops.gnn.scatter(src, index, dim, dim_size, reduce)

    return scatter


def _make_degree(names: ModuleNames) -> Callable[..., Tensor]:
    def degree(index: Tensor, num_nodes: int | None = None, dtype: torch.dtype | None = None) -> Tensor:
        if num_nodes is None:
            raise unsupported(
                "torch_geometric.utils.degree without num_nodes is not supported: the size would "
                f"depend on the index values; pass num_nodes=x.size(0){_caller(names)}"
            )
        if dtype is not None and not dtype.is_floating_point:
            raise unsupported(f"torch_geometric.utils.degree with dtype={dtype}: gnnc computes in float32; "
                              f"leave dtype out{_caller(names)}")
        return torch.ops.gnn.degree(index, num_nodes)

    return degree


class _Graphs:
    """
    During a capture with a batch input: which traced tensors are the batch, and a hidden
    tensor whose (dynamic) size is the number of graphs G. A scatter indexed by the batch
    gets dim_size G, so every readout of one model has the same symbolic row count.
    """

    def __init__(self) -> None:
        self.batch: list[Tensor] = []
        self.count: Tensor | None = None

    def rows_of(self, index: Any) -> Any:
        if self.count is not None and any(index is b for b in self.batch):
            return self.count.size(0)
        return None


GRAPHS = _Graphs()


def _make_softmax(names: ModuleNames) -> Callable[..., Tensor]:
    def softmax(src: Tensor, index: Tensor | None = None, ptr: Tensor | None = None,
                num_nodes: int | None = None, dim: int = 0) -> Tensor:
        if index is None or ptr is not None:
            raise unsupported(
                f"torch_geometric.utils.softmax with ptr is not supported; pass index{_caller(names)}"
            )
        if num_nodes is None:
            raise unsupported(
                "torch_geometric.utils.softmax without num_nodes is not supported: the size would "
                f"depend on the edge values; pass num_nodes=x.size(0){_caller(names)}"
            )
        if dim not in (0, -2) or src.dim() != 2:
            raise unsupported(
                "torch_geometric.utils.softmax: only [E, H] logits softmaxed along dim 0 are "
                f"supported (a 1-D src can be viewed as [E, 1]){_caller(names)}"
            )
        return torch.ops.gnn.edge_softmax(src, index, num_nodes)

    return softmax


def _refusal(qualname: str, names: ModuleNames) -> Callable[[str], UnsupportedModelError]:
    """Refusals of a replaced PyG utility, naming it, the module and the user's line."""

    def refuse(reason: str) -> UnsupportedModelError:
        return unsupported(f"{qualname}: {reason}{_caller(names)}")

    return refuse


def _replacements(names: ModuleNames) -> dict[Any, Any]:
    import importlib

    from torch_geometric.utils import _scatter as pyg_scatter
    from torch_geometric.utils import _softmax as pyg_softmax

    from torch_geometric.utils import _degree as pyg_degree

    mapping: dict[Any, Any] = {
        pyg_scatter.scatter: _make_scatter(names),
        pyg_softmax.softmax: _make_softmax(names),
        pyg_degree.degree: _make_degree(names),
    }
    for qualname, replacement in self_loops.replacements(lambda fn: _refusal(fn, names)).items():
        module_name, fn = qualname.rsplit(".", 1)
        original = getattr(importlib.import_module(module_name), fn, None)
        if original is not None:
            mapping[original] = replacement
    return mapping


#: Where the names to rebind were found: {ids of the keys: (len(sys.modules) then, [(namespace, name)])}.
_BINDINGS: dict[frozenset[int], tuple[int, list[tuple[dict, str]]]] = {}


def _bound_names(by_id: dict[int, Any]) -> list[tuple[dict, str]]:
    """Module-level names bound to a key. sys.modules is scanned again only once a module has been
    imported since the last scan (a scan of every module costs more than the rest of a small compile);
    __main__ (where a notebook or script binds names late) is always looked at."""
    key = frozenset(by_id)
    cached = _BINDINGS.get(key)
    if cached is None or cached[0] != len(sys.modules):
        found = []
        for module in list(sys.modules.values()):
            namespace = getattr(module, "__dict__", None)
            if isinstance(namespace, dict):
                found += [(namespace, name) for name, value in list(namespace.items()) if id(value) in by_id]
        cached = _BINDINGS[key] = (len(sys.modules), found)
    main = getattr(sys.modules.get("__main__"), "__dict__", {})
    late = [(main, name) for name, value in list(main.items()) if id(value) in by_id]
    places = {(id(ns), name): (ns, name) for ns, name in cached[1] + late}
    return [(ns, name) for ns, name in places.values() if id(ns.get(name)) in by_id]


@contextlib.contextmanager
def _rebind_globals(mapping: dict[Any, Any]) -> Iterator[None]:
    """Rebind every module-level name bound to a key of `mapping` (catches `from x import f`)."""
    by_id = {id(k): v for k, v in mapping.items()}
    undo = []
    for namespace, name in _bound_names(by_id):
        value = namespace[name]
        undo.append((namespace, name, value))
        namespace[name] = by_id[id(value)]
    try:
        yield
    finally:
        for namespace, name, value in reversed(undo):
            namespace[name] = value


# --------------------------------------------------------------------------- #
# State snapshot and the patching context
# --------------------------------------------------------------------------- #

_STATE_DICTS = ("_parameters", "_buffers", "_modules")


def _snapshot(model: nn.Module) -> list[tuple[nn.Module, dict[str, Any], dict[str, dict]]]:
    return [
        (m, dict(m.__dict__), {k: dict(m.__dict__[k]) for k in _STATE_DICTS if k in m.__dict__})
        for m in model.modules()
    ]


def _restore(snapshot: list[tuple[nn.Module, dict[str, Any], dict[str, dict]]]) -> None:
    for module, attrs, state in snapshot:
        for key in [k for k in module.__dict__ if k not in attrs]:
            del module.__dict__[key]
        module.__dict__.update(attrs)
        for key, saved in state.items():
            live = module.__dict__[key]
            live.clear()
            live.update(saved)


@contextlib.contextmanager
def _source_anchors(model: nn.Module) -> Iterator[None]:
    """
    Let export record source lines inside message/update/... too (it keeps only
    `forward` frames by default), so errors there point at the user's line.
    """
    anchors = getattr(torch.fx.proxy, "_STACK_TRACE_ANCHORS", None)  # private; optional
    added = set()
    if isinstance(anchors, set):
        for module in model.modules():
            if isinstance(module, MessagePassing):
                for fn in ("message", "aggregate", "update", "edge_update"):
                    code = getattr(getattr(type(module), fn, None), "__code__", None)
                    key = (code.co_filename, code.co_name) if code else None
                    if key and key not in anchors:
                        anchors.add(key)
                        added.add(key)
    try:
        yield
    finally:
        if isinstance(anchors, set):
            anchors.difference_update(added)


@contextlib.contextmanager
def patched(model: nn.Module) -> Iterator[ModuleNames]:
    """Eval mode, propagate interception and PyG utility rebinding; all undone on exit."""
    snapshot = _snapshot(model)
    names = ModuleNames(model)
    try:
        model.eval()
        for path, module in model.named_modules():
            if isinstance(module, MessagePassing):
                _check_layer(module, path)
                # An instance attribute wins over PyG's generated class attribute.
                module.__dict__["propagate"] = _make_propagate(module, path)
                module.__dict__["edge_updater"] = _make_edge_updater(module, path)
            if isinstance(module, pyg_aggr.MultiAggregation):  # each aggregation a rebound scatter
                module.__dict__["fused_aggr"] = None
            if isinstance(module, pyg_aggr.StdAggregation):
                module.__dict__["forward"] = _std_forward(module)
        # Brevitas layers: the float op plus a gnn::quant mark with their fixed-point types.
        for module, forward in brevitas.leaf_forwards(model).items():
            module.__dict__["forward"] = forward
        with _rebind_globals(_replacements(names)), _source_anchors(model):
            yield names
    finally:
        _restore(snapshot)


# --------------------------------------------------------------------------- #
# Export
# --------------------------------------------------------------------------- #


class _Wrapper(nn.Module):
    """Positional tensors in, the user's call convention out (a Data object if needed)."""

    def __init__(self, model: nn.Module, convention: CallConvention, example: tuple[Any, ...]):
        super().__init__()
        setattr(self, WRAPPED, model)
        self._convention = convention
        self._example = example

    def forward(self, *tensors: Tensor) -> Any:
        model = getattr(self, WRAPPED)
        conv = self._convention
        if len(tensors) > len(conv.inputs):  # the graph-count tensor (see _Graphs)
            GRAPHS.count = tensors[-1]
            tensors = tensors[:-1]
        GRAPHS.batch = [t for i, t in zip(conv.inputs, tensors) if i.kind == BATCH]
        if conv.uses_data:
            fields = {k: v for k, v in self._example[0].items() if not isinstance(v, Tensor)}
            fields.update({str(i.key): t for i, t in zip(conv.inputs, tensors)})
            data = Data(**fields)
            if GRAPHS.count is not None:  # a Batch's num_graphs: the symbolic graph count
                data.num_graphs = GRAPHS.count.size(0)
            return model(data)
        args = list(self._example)
        for inp, t in zip(conv.inputs, tensors):
            args[int(inp.key)] = t
        return model(*args)


def _dynamic_shapes(convention: CallConvention) -> tuple[tuple[dict[int, Dim] | None, ...]]:
    n, e = Dim("N", min=2), Dim("E", min=2)
    dims = {NODES: {0: n}, EDGES: {0: e}, EDGE_INDEX: {1: e}, BATCH: {0: n}, OTHER: None}
    shapes = [dims[i.kind] for i in convention.inputs]
    if has_batch(convention):
        shapes.append({0: Dim("G", min=2)})  # the graph-count tensor
    return (tuple(shapes),)


def has_batch(convention: CallConvention) -> bool:
    return any(i.kind == BATCH for i in convention.inputs)


#: Rows of the graph-count tensor in the export (any size >= 2: only its symbol matters).
GRAPH_COUNT_ROWS = 2


@dataclass
class Captured:
    """An exported model and how its inputs map onto graph inputs."""

    program: ExportedProgram
    convention: CallConvention
    model_name: str
    stderr: str = ""  # what torch printed while exporting (shown again on a cache hit)
    #: The program's parameters, buffers and tensor constants by name, read from the live model
    #: (capture_cache.weights); None: the program's own.
    weights: dict[str, Tensor] | None = None


def _check_example(convention: CallConvention, tensors: Sequence[Tensor]) -> None:
    for inp, t in zip(convention.inputs, tensors):
        if inp.kind in (NODES, EDGES) and t.shape[0] < 2:
            raise UnsupportedModelError(
                f"the example input {inp.name!r} has {t.shape[0]} rows; use an example graph "
                "with at least 2 nodes and 2 edges (export specialises sizes 0 and 1)"
            )
        if inp.kind == EDGE_INDEX and t.shape[1] < 2:
            raise UnsupportedModelError(
                "the example graph has fewer than 2 edges; use one with at least 2 "
                "(export specialises sizes 0 and 1)"
            )


def _export_error(err: Exception, names: ModuleNames) -> UnsupportedModelError:
    """A short, user-facing account of a failed torch.export."""
    frames = traceback.extract_tb(err.__traceback__)
    frame = user_frame(frames)
    first = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
    at = f"\n  at {describe_frame(frame)}" if frame else ""
    hint = ""
    if "data-dependent" in str(err) or "GuardOnDataDependent" in type(err).__name__:
        hint = "\n  the computation depends on the values of the graph, not only its size"
    elif "Constraints violated" in str(err) or "specialized" in str(err):
        hint = "\n  the model only works for one graph size; gnnc needs any N and E"
    module = names.describe(_frames_of_traceback(err.__traceback__))
    return unsupported(
        f"could not capture the model: {type(err).__name__}: {first}\n  in {module}{at}{hint}"
    )


def capture(model: nn.Module, example: Any) -> Captured:
    """Export `model` called on `example` with dynamic node and edge counts."""
    args = _normalise_args(example)
    convention = call_convention(model, args)
    tensors = convention.tensors(args)
    _check_example(convention, tensors)
    if has_batch(convention):
        tensors = [*tensors, torch.zeros(GRAPH_COUNT_ROWS)]
    # On failure torch prints a partial graph to stderr; our error replaces it.
    stderr = io.StringIO()
    with patched(model) as names, warnings.catch_warnings(), contextlib.redirect_stderr(stderr):
        # Expected for side effects like the IN's `self.E = ...`; restored afterwards.
        warnings.filterwarnings("ignore", message=".*was assigned during export.*")
        program, first_error = None, None
        for attempt in (convention, *_edge_readings(convention, tensors)):
            try:
                program = torch.export.export(
                    _Wrapper(model, attempt, args), tuple(tensors),
                    dynamic_shapes=_dynamic_shapes(attempt), strict=False,
                )
                convention = attempt
                break
            except UnsupportedModelError:
                raise
            except Exception as err:  # noqa: BLE001 - summarised for the user, no deep traceback
                first_error = first_error or err
                if "Constraints violated" not in str(err):
                    break
            finally:
                GRAPHS.__init__()
        if program is None:
            assert first_error is not None
            raise _export_error(first_error, names) from None
    sys.stderr.write(stderr.getvalue())
    return Captured(program, convention, type(model).__name__, stderr=stderr.getvalue())


def _edge_readings(convention: CallConvention, tensors: Sequence[Tensor]) -> list[CallConvention]:
    """
    Other readings of an example where N == E: the tensors read as per-node features that
    could be per-edge ones (E rows, not named edge*, not the tensor N is taken from), all of
    them as edges, then each alone. Tried in turn when the first reading makes torch tie
    N to E ("Constraints violated"): the model decides which reading is right.
    """
    counts = [t.shape[1] for i, t in zip(convention.inputs, tensors) if i.kind == EDGE_INDEX]
    nodes = [k for k, i in enumerate(convention.inputs) if i.kind == NODES]
    if not counts or not nodes:
        return []
    source = next((k for k in nodes if convention.inputs[k].name == "x"), nodes[0])
    flips = [k for k in nodes if k != source and tensors[k].shape[0] == counts[0]]
    groups = [flips] + ([[k] for k in flips] if len(flips) > 1 else [])

    def flipped(group: list[int]) -> CallConvention:
        inputs = tuple(GraphInput(i.name, EDGES, i.key) if k in group else i
                       for k, i in enumerate(convention.inputs))
        return dataclasses.replace(convention, inputs=inputs)

    return [flipped(g) for g in groups if g]
