"""
The importer's rule for values with more than one feature axis: per-head [rows, H, C]
(GATConv, GATv2Conv, TransformerConv, GeneralConv), NNConv's per-edge weights [E, in, out],
a torch.stack [rows, k, F].

A gnn value is a matrix [rows, F]. A torch value [rows, d1, ..., dk] is the matrix of its
rows with the trailing axes flattened row-major (F = d1 ... dk), so `view(-1, H, C)` and
`view(-1, H * C)` are nothing. Every op that reads the trailing axes is one of three gnn
forms, computed once from an index map over the F positions (numpy on `arange(F)`):

* a copy, `gnn.take` (`gnn.repeat` when it is one): a broadcast (`alpha.unsqueeze(-1) * x`,
  a per-head constant), `expand`, `repeat`, a permute, a slice or selection of a trailing
  axis, `torch.cat` / `torch.stack` along one;
* a `gnn.dense` with constant weights: a sum or mean over trailing axes (weights 1 or 1/k:
  per-head dot products, the mean over the heads), `nn.Linear` on the last axis (the weight
  once per leading position: block diagonal);
* the row-wise op itself on the flat matrices, once the operands share one layout (+ - * /,
  activations, gathers, scatters, the edge softmax, which is per column).

A product of two graph values contracted over an axis (NNConv's `x_j.unsqueeze(1) @ W_e`) is
a broadcast of each to [.., m, k, n], a `gnn.mul` and a sum over k. So no gnn op knows about
heads: the emulator, the lowering, the printers and the estimate see matrices.

The importer sends an op here when a graph value among its inputs, or its result, has more
than two axes (`AxisRules.applies`).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import torch
from torch import fx
from xdsl.ir import Operation, SSAValue

from gnnc.dialects import gnn
from gnnc.frontend.importer import (
    _ACTIVATIONS,
    _IDENTITY,
    ConstVal,
    _dense_attr,
    _expr,
    _features,
    _fmt_shape,
    _Importer,
    _is_graph_value,
    _kind,
    _pretty_op,
    _Unsupported,
)

#: Ops that act on each element (or each feature column) alone: the flat matrix's op is theirs.
_ELEMENTWISE = {
    *_IDENTITY, *_ACTIVATIONS,
    *(f"aten::{fn}{suffix}" for fn in ("leaky_relu", "elu", "gelu", "softplus", "hardtanh", "relu6",
                                       "hardsigmoid", "hardswish", "selu", "celu", "neg")
      for suffix in ("", "_")),
    "aten::pow", "aten::square", "aten::dropout", "aten::feature_dropout", "aten::to", "aten::_to_copy",
    "getitem", "gnn::sqrt_above",
}

_VIEWS = {"aten::view", "aten::reshape", "aten::_unsafe_view", "aten::flatten", "aten::squeeze",
          "aten::unsqueeze", "aten::unflatten"}

_WHAT = ("supported on values with several feature axes ([rows, H, C]): views that keep the rows "
         "(view(-1, H, C), flatten, unsqueeze, ...), broadcasting + - * /, sums and means over "
         "the trailing axes, nn.Linear on the last axis, a product with a per-row matrix "
         "(x @ W, W [rows, k, n]), cat/stack/slices/selections/permutes of trailing axes, "
         "expand, activations, gathers and scatters")


def _tensor(arg: Any) -> torch.Tensor | None:
    """The torch value (shape) of an FX argument, if it is a tensor."""
    val = arg.meta.get("val") if isinstance(arg, fx.Node) else None
    return val if isinstance(val, torch.Tensor) else None


def _trailing(val: torch.Tensor) -> tuple[int, ...]:
    """The feature axes of a [rows, d1, ...] value (constant sizes)."""
    dims = tuple(val.shape[1:])
    if not all(isinstance(d, int) for d in dims):
        raise _Unsupported(f"a value of shape {list(val.shape)} whose feature axes depend on the graph size")
    return dims


def _positions(shape: Sequence[int]) -> np.ndarray:
    """arange(F) laid out as the trailing axes: entry = flat feature index."""
    return np.arange(math.prod(shape), dtype=np.int64).reshape(tuple(shape))


def _axis(dim: int, rank: int) -> int:
    """A torch dim as a trailing axis number (0 = the first feature axis); the rows refused."""
    d = dim % rank if -rank <= dim < rank else None
    if d is None:
        raise _Unsupported(f"dimension {dim} of a value with {rank} axes")
    if d == 0:
        raise _Unsupported("an operation along the rows (dimension 0) of a value with several feature axes")
    return d - 1


class AxisRules:
    """The importer's handlers for values with more than one feature axis (one per _Importer)."""

    def __init__(self, importer: _Importer):
        self.im = importer
        self.handlers: dict[str, Callable[..., Any]] = {name: self._view for name in _VIEWS}
        for name in ("add", "sub", "mul", "div", "rsub"):
            self.handlers[f"aten::{name}"] = self.handlers[f"aten::{name}_"] = self._binary(name)
        self.handlers.update({
            "aten::expand": self._expand, "aten::expand_as": self._expand_as, "aten::repeat": self._repeat,
            "aten::permute": self._permute, "aten::transpose": self._transpose, "aten::t": self._t,
            "aten::sum": self._sum, "aten::mean": self._mean,
            "aten::linear": self._linear, "aten::matmul": self._matmul, "aten::bmm": self._matmul,
            "aten::cat": self._cat, "aten::concat": self._cat, "aten::concatenate": self._cat,
            "aten::stack": self._stack,
            "aten::select": self._select, "aten::slice": self._slice, "aten::narrow": self._narrow,
            "aten::split": self._split, "aten::split_with_sizes": self._split, "aten::chunk": self._chunk,
            "aten::unbind": self._unbind, "aten::index": self._index,
            "aten::repeat_interleave": self._repeat_interleave,
            "aten::softmax": self._softmax, "aten::_softmax": self._softmax,
            "aten::index_select": self._along_rows(1), "gnn::scatter": self._along_rows(2),
        })

    # ------------------------------------------------------------ dispatch

    def applies(self, node: fx.Node) -> bool:
        """Whether the op reads or makes a graph value with more than two axes."""
        outs = node.meta.get("val")
        outs = outs if isinstance(outs, (list, tuple)) else [outs]
        if any(isinstance(v, torch.Tensor) and v.dim() > 2 for v in outs):
            return True
        return any(
            _is_graph_value(self.im.env.get(a)) and (v := _tensor(a)) is not None and v.dim() > 2
            for a in node.all_input_nodes
        )

    def dispatch(self, node: fx.Node, name: str, args: tuple, kwargs: dict) -> Any:
        handler = self.handlers.get(name)
        if handler is not None:
            result = handler(node, *args, **kwargs)
        elif name in _ELEMENTWISE:
            return self.im._dispatch_matrix(node, name, args, kwargs)
        else:
            shape = next((_fmt_shape(v, self.im) for a in node.all_input_nodes
                          if (v := _tensor(a)) is not None and v.dim() > 2), _fmt_shape(node.meta.get("val"), self.im))
            raise _Unsupported(f"unsupported operation {_pretty_op(node.target)} on a value of shape {shape}; {_WHAT}")
        if isinstance(result, SSAValue):
            self.im._check_shape(node, result)
        return result

    # ------------------------------------------------------------ helpers

    def _emit(self, node: fx.Node, op: Operation) -> SSAValue:
        """An op of this rule's own (an intermediate: no torch value to check its shape with)."""
        return self.im._emit_free(node, op)

    def _graph(self, value: Any, arg: Any, what: str) -> tuple[SSAValue, tuple[int, ...]]:
        """A graph matrix and its torch feature axes."""
        val = _tensor(arg)
        if _features(value) is None or val is None:
            raise _Unsupported(f"{what} is {_kind(value)}, not a node or edge feature tensor")
        return value, _trailing(val)

    def _out(self, node: fx.Node) -> tuple[int, ...]:
        val = node.meta.get("val")
        if not isinstance(val, torch.Tensor):
            raise _Unsupported("an operation without a tensor result")
        return _trailing(val)

    def _copy(self, node: fx.Node, x: SSAValue, index_map: np.ndarray) -> SSAValue:
        """out[r, k] = x[r, index_map.flat[k]]: nothing, a gnn.repeat or a gnn.take."""
        indices = [int(i) for i in np.asarray(index_map).reshape(-1)]
        n = x.type.num_features  # type: ignore[attr-defined]
        if indices == list(range(n)):
            return x
        if not indices:
            raise _Unsupported("a selection of no features")
        times = len(indices) // n
        if times > 1 and indices == [k // times for k in range(len(indices))]:
            return self._emit(node, gnn.RepeatOp(x, times))
        return self._emit(node, gnn.TakeOp(x, indices))

    def _broadcast(self, node: fx.Node, value: Any, arg: Any, out: tuple[int, ...], what: str,
                   native: bool) -> Any:
        """
        An operand of an elementwise op laid out as the result `out` (a matrix, or a flat
        constant). With `native`, a one-feature matrix stays as it is: gnn.add/sub/mul
        broadcast it over the other operand's features themselves.
        """
        if isinstance(value, ConstVal) or (isinstance(value, (int, float)) and not isinstance(value, bool)):
            t = value.tensor if isinstance(value, ConstVal) else torch.tensor(float(value))
            t = t.detach().to(torch.float64)
            if t.dim() == len(out) + 1:  # [1, ...]: the same for every row
                if t.shape[0] != 1:
                    raise _Unsupported(f"{what} is a constant of shape {list(t.shape)} with one row per "
                                       "node or edge; constants must be the same for every row")
                t = t[0]
            try:
                return ConstVal(t.expand(out).reshape(-1).clone())
            except RuntimeError:
                raise _Unsupported(f"{what}: a constant of shape {list(t.shape)} does not broadcast to "
                                   f"the feature axes {list(out)}") from None
        x, shape = self._graph(value, arg, what)
        if len(shape) != len(out):
            raise _Unsupported(f"{what} has {len(shape) + 1} axes and the result {len(out) + 1}: torch would "
                               "broadcast it along the rows; give it the result's number of axes (unsqueeze)")
        if native and x.type.num_features == 1:
            return x
        try:
            index_map = np.broadcast_to(_positions(shape), out)
        except ValueError:
            raise _Unsupported(f"{what} of shape {list(shape)} does not broadcast to {list(out)}") from None
        return self._copy(node, x, index_map)

    def _reduce(self, node: fx.Node, x: SSAValue, shape: tuple[int, ...], axes: set[int], mean: bool) -> SSAValue:
        """A sum (or mean) over trailing axes: a dense with weights 1 (1/k) from each input to its output."""
        kept = tuple(1 if a in axes else d for a, d in enumerate(shape))
        target = np.broadcast_to(_positions(kept), shape).reshape(-1)
        weight = np.zeros((math.prod(kept), math.prod(shape)))
        weight[target, np.arange(target.size)] = 1.0
        if mean:
            weight /= math.prod(shape) // math.prod(kept)
        return self._emit(node, gnn.DenseOp(x, _dense_attr(torch.from_numpy(weight)), None))

    # ------------------------------------------------------------ views and copies

    def _view(self, node: fx.Node, x: Any, *args: Any, **kwargs: Any) -> SSAValue:
        """A view that keeps the rows and the feature count: the same matrix."""
        src, out = _tensor(node.args[0]), node.meta.get("val")
        x, shape = self._graph(x, node.args[0], "its input")
        if x.type.kind == "graphs":  # one row per graph ([F] or [1, F] for one graph): the shape says
            self.im._check_shape(node, x)
            return x
        if not isinstance(out, torch.Tensor) or out.dim() < 1 or _expr(out.shape[0]) != _expr(src.shape[0]):
            raise _Unsupported(
                f"the view of {_fmt_shape(src, self.im)} as {_fmt_shape(out, self.im)} mixes the rows: a "
                "view must keep one row per node or edge (dimension 0) and reshape only the features, "
                "e.g. view(-1, heads, C) and view(-1, heads * C)"
            )
        if out.dim() == 1 and math.prod(shape) != 1:
            raise _Unsupported(f"the view of {_fmt_shape(src, self.im)} as a vector")
        return x

    def _expand(self, node: fx.Node, x: Any, size: Sequence[Any], *args: Any) -> SSAValue:
        x, shape = self._graph(x, node.args[0], "the input of expand")
        out = self._out(node)
        if len(out) != len(shape):
            raise _Unsupported("expand that adds axes: unsqueeze first")
        return self._copy(node, x, np.broadcast_to(_positions(shape), out))

    def _expand_as(self, node: fx.Node, x: Any, other: Any) -> SSAValue:
        return self._expand(node, x, ())

    def _repeat(self, node: fx.Node, x: Any, repeats: Sequence[Any]) -> SSAValue:
        x, shape = self._graph(x, node.args[0], "the input of repeat")
        if len(repeats) != len(shape) + 1 or repeats[0] != 1:
            raise _Unsupported(f"repeat{tuple(repeats)} of {len(shape) + 1} axes: only the feature axes "
                               "can be repeated (the first count must be 1)")
        return self._copy(node, x, np.tile(_positions(shape), tuple(repeats[1:])))

    def _permute(self, node: fx.Node, x: Any, dims: Sequence[int]) -> SSAValue:
        x, shape = self._graph(x, node.args[0], "the input of permute")
        rank = len(shape) + 1
        order = [d % rank for d in dims]
        if order[0] != 0:
            raise _Unsupported(f"permute{tuple(dims)} moves the rows: dimension 0 must stay first")
        return self._copy(node, x, np.transpose(_positions(shape), [d - 1 for d in order[1:]]))

    def _transpose(self, node: fx.Node, x: Any, dim0: int, dim1: int) -> SSAValue:
        val = _tensor(node.args[0])
        rank = val.dim() if val is not None else 2
        order = list(range(rank))
        a, b = dim0 % rank, dim1 % rank
        order[a], order[b] = order[b], order[a]
        return self._permute(node, x, order)

    def _t(self, node: fx.Node, x: Any) -> SSAValue:
        return self._transpose(node, x, 0, 1)

    def _select(self, node: fx.Node, x: Any, dim: int, index: int) -> SSAValue:
        x, shape = self._graph(x, node.args[0], "the input of select")
        return self._copy(node, x, np.take(_positions(shape), index, axis=_axis(dim, len(shape) + 1)))

    def _slice(self, node: fx.Node, x: Any, dim: int = 0, start: Any = None, end: Any = None,
               step: int = 1) -> SSAValue:
        x, shape = self._graph(x, node.args[0], "the input of a slice")
        if dim in (0, -len(shape) - 1) and start in (None, 0) and (end is None or end >= 2**62) and step == 1:
            return x  # [:, ...]: all rows
        axis = _axis(dim, len(shape) + 1)
        index = [slice(None)] * len(shape)
        index[axis] = slice(start, end, step)
        return self._copy(node, x, _positions(shape)[tuple(index)])

    def _narrow(self, node: fx.Node, x: Any, dim: int, start: int, length: int) -> SSAValue:
        return self._slice(node, x, dim, start, start + length)

    def _pieces(self, node: fx.Node, x: Any, sizes: Sequence[int], dim: int) -> tuple[SSAValue, ...]:
        x, shape = self._graph(x, node.args[0], "the input of split")
        axis = _axis(dim, len(shape) + 1)
        bounds = np.cumsum([0, *sizes])
        positions = _positions(shape)
        return tuple(self._copy(node, x, np.take(positions, range(a, b), axis=axis))
                     for a, b in zip(bounds[:-1], bounds[1:]))

    def _split(self, node: fx.Node, x: Any, size: Any, dim: int = 0) -> tuple[SSAValue, ...]:
        n = _trailing(_tensor(node.args[0]))[_axis(dim, _tensor(node.args[0]).dim())]
        sizes = list(size) if isinstance(size, (list, tuple)) else [min(size, n - k) for k in range(0, n, size)]
        return self._pieces(node, x, sizes, dim)

    def _chunk(self, node: fx.Node, x: Any, chunks: int, dim: int = 0) -> tuple[SSAValue, ...]:
        n = _trailing(_tensor(node.args[0]))[_axis(dim, _tensor(node.args[0]).dim())]
        size = -(-n // chunks)
        return self._pieces(node, x, [min(size, n - k) for k in range(0, n, size)], dim)

    def _unbind(self, node: fx.Node, x: Any, dim: int = 0) -> tuple[SSAValue, ...]:
        x, shape = self._graph(x, node.args[0], "the input of unbind")
        axis = _axis(dim, len(shape) + 1)
        return tuple(self._copy(node, x, np.take(_positions(shape), k, axis=axis)) for k in range(shape[axis]))

    def _index(self, node: fx.Node, x: Any, indices: Sequence[Any]) -> SSAValue:
        """x[edge_index[k]] (a gather of every feature axis) or constant indices along one trailing axis."""
        if len(indices) == 1 and indices[0] is not None and not isinstance(indices[0], ConstVal):
            return self.im._dispatch_matrix(node, "aten::index", (x, indices), {})
        x, shape = self._graph(x, node.args[0], "the indexed tensor")
        picked = [(k, i) for k, i in enumerate(indices) if i is not None]
        if len(picked) != 1 or picked[0][0] == 0 or not isinstance(picked[0][1], ConstVal):
            raise _Unsupported("advanced indexing other than x[edge_index[k]] or one list of constant "
                               "indices along one feature axis")
        axis, index = picked[0][0] - 1, picked[0][1].tensor
        if index.dim() != 1 or index.dtype not in (torch.int64, torch.int32):
            raise _Unsupported("indexing a feature axis with anything but a list of integers")
        return self._copy(node, x, np.take(_positions(shape), index.numpy(), axis=axis))

    def _repeat_interleave(self, node: fx.Node, x: Any, repeats: Any = None, dim: Any = None,
                           *args: Any, **kwargs: Any) -> SSAValue:
        x, shape = self._graph(x, node.args[0], "the input of repeat_interleave")
        if not isinstance(repeats, int) or dim is None:
            raise _Unsupported("repeat_interleave other than of a constant count along one feature axis")
        return self._copy(node, x, np.repeat(_positions(shape), repeats, axis=_axis(dim, len(shape) + 1)))

    def _cat(self, node: fx.Node, tensors: Sequence[Any], dim: int = 0) -> SSAValue:
        return self._join(node, tensors, dim, "torch.cat", np.concatenate)

    def _stack(self, node: fx.Node, tensors: Sequence[Any], dim: int = 0) -> SSAValue:
        out = node.meta.get("val")
        if dim % out.dim() == 0:
            raise _Unsupported(
                f"torch.stack along dimension {dim} (the rows): only along a feature axis; for a sum "
                "of the stacked matrices add them"
            )
        return self._join(node, tensors, dim, "torch.stack", np.stack)

    def _join(self, node: fx.Node, tensors: Sequence[Any], dim: int, what: str,
              join: Callable[..., np.ndarray]) -> SSAValue:
        """cat / stack along a feature axis: a concat of the flat matrices, then their features reordered."""
        graphs = [self._graph(v, a, f"{what} input {k}") for k, (v, a) in enumerate(zip(tensors, node.args[0]))]
        if len({v.type.kind for v, _ in graphs}) > 1:
            raise _Unsupported(f"{what} of node and edge tensors (their rows do not align)")
        rank = len(self._out(node)) + 1
        axis = _axis(dim, rank) if what == "torch.stack" else _axis(dim, len(graphs[0][1]) + 1)
        offsets = np.cumsum([0] + [v.type.num_features for v, _ in graphs])
        index_map = join([_positions(s) + o for (_, s), o in zip(graphs, offsets)], axis=axis)
        values = [v for v, _ in graphs]
        flat = self._emit(node, gnn.ConcatOp(values)) if len(values) > 1 else values[0]
        return self._copy(node, flat, index_map)

    # ------------------------------------------------------------ arithmetic

    def _binary(self, kind: str) -> Callable[..., SSAValue]:
        def handler(node: fx.Node, a: Any, b: Any, alpha: Any = 1, **kwargs: Any) -> SSAValue:
            out = self._out(node)
            args = list(node.args) + [None, None]
            native = _features(a) is not None and _features(b) is not None
            a = self._broadcast(node, a, args[0], out, "the first operand", native)
            b = self._broadcast(node, b, args[1], out, "the second operand", native)
            if kind == "div":
                return self.im._div(node, a, b, **kwargs)
            if kind == "mul":
                return self.im._mul(node, a, b)
            return {"add": self.im._add, "sub": self.im._sub, "rsub": self.im._rsub}[kind](node, a, b, alpha)

        return handler

    def _sum(self, node: fx.Node, x: Any, dim: Any = None, keepdim: bool = False, *args: Any,
             **kwargs: Any) -> SSAValue:
        return self._reduction(node, x, dim, mean=False)

    def _mean(self, node: fx.Node, x: Any, dim: Any = None, keepdim: bool = False, *args: Any,
              **kwargs: Any) -> SSAValue:
        return self._reduction(node, x, dim, mean=True)

    def _reduction(self, node: fx.Node, x: Any, dim: Any, mean: bool) -> SSAValue:
        what = "mean" if mean else "sum"
        x, shape = self._graph(x, node.args[0], f"the input of {what}")
        if dim is None or (isinstance(dim, (list, tuple)) and not dim):
            raise _Unsupported(f"a {what} over all elements: only over feature axes is supported")
        dims = [dim] if isinstance(dim, int) else list(dim)
        axes = {_axis(d, len(shape) + 1) for d in dims}
        return self._reduce(node, x, shape, axes, mean)

    def _linear(self, node: fx.Node, x: Any, weight: Any, bias: Any = None) -> SSAValue:
        """nn.Linear on the last axis: the weight once per position of the other feature axes."""
        x, shape = self._graph(x, node.args[0], "the input of linear")
        if not isinstance(weight, ConstVal) or weight.tensor.dim() != 2 or weight.tensor.shape[1] != shape[-1]:
            raise _Unsupported(f"linear with a weight that is not a constant [out, {shape[-1]}] matrix")
        if bias is not None and not (isinstance(bias, ConstVal) and bias.tensor.dim() == 1):
            raise _Unsupported("linear with a bias that is not a constant vector")
        blocks = math.prod(shape[:-1])
        w = torch.block_diag(*[weight.tensor.to(torch.float64)] * blocks)
        b = _dense_attr(bias.tensor.to(torch.float64).repeat(blocks)) if bias is not None else None
        return self._emit(node, gnn.DenseOp(x, _dense_attr(w), b))

    def _matmul(self, node: fx.Node, a: Any, b: Any) -> SSAValue:
        """x @ W (a constant matrix: a linear) or x @ y of two graph values: broadcast, mul, sum."""
        if isinstance(b, ConstVal) and b.tensor.dim() == 2:
            return self._linear(node, a, ConstVal(b.tensor.t()))
        x, xs = self._graph(a, node.args[0], "the first factor of matmul")
        y, ys = self._graph(b, node.args[1], "the second factor of matmul")
        if len(xs) < 2 or len(ys) < 2 or xs[-1] != ys[-2]:
            raise _Unsupported(
                f"matmul of {_fmt_shape(_tensor(node.args[0]), self.im)} and "
                f"{_fmt_shape(_tensor(node.args[1]), self.im)}: supported is a product per row of "
                "[rows, ..., m, k] and [rows, ..., k, n] tensors"
            )
        if x.type.kind != y.type.kind:  # type: ignore[attr-defined]
            raise _Unsupported("matmul of a node and an edge tensor (their rows do not align)")
        # [.., m, k, 1] * [.., 1, k, n], summed over k
        px, py = _positions(xs)[..., None], _positions(ys)[..., None, :, :]
        try:
            full = np.broadcast_shapes(px.shape, py.shape)
        except ValueError:
            raise _Unsupported(f"matmul of feature axes {list(xs)} and {list(ys)} that do not broadcast") from None
        product = self._emit(node, gnn.MulOp(self._copy(node, x, np.broadcast_to(px, full)),
                                             self._copy(node, y, np.broadcast_to(py, full))))
        return self._reduce(node, product, full, {len(full) - 2}, mean=False)

    def _along_rows(self, dim_arg: int) -> Callable[..., Any]:
        """A gather or a scatter (a pool): the op on the flat matrix, if it runs along the rows
        (dim 0; -2 would be a feature axis of a 3-D value, as in PyG's pools)."""

        def handler(node: fx.Node, *args: Any, **kwargs: Any) -> Any:
            val = _tensor(node.args[0])
            rank = val.dim() if val is not None else 2
            if args[dim_arg] % rank != 0:
                raise _Unsupported(
                    f"along dimension {args[dim_arg]} of {_fmt_shape(val, self.im)}: only along the rows "
                    "(dimension 0) of a value with several feature axes (flatten it first: .flatten(1))"
                )
            args = (*args[:dim_arg], 0, *args[dim_arg + 1:])
            return self.im._dispatch_matrix(node, node.target._schema.name, args, kwargs)

        return handler

    def _softmax(self, node: fx.Node, x: Any, dim: int, *args: Any) -> SSAValue:
        """torch.softmax along an axis that holds every feature of the row (the others of size 1)."""
        x, shape = self._graph(x, node.args[0], "the input of softmax")
        axis = _axis(dim, len(shape) + 1)
        if any(d != 1 for a, d in enumerate(shape) if a != axis):
            raise _Unsupported(
                f"softmax along dimension {dim} of {_fmt_shape(_tensor(node.args[0]), self.im)}: a softmax "
                "per head (over one axis of several) has no gnn op; a softmax over the edges of each node "
                "is torch_geometric.utils.softmax"
            )
        return self.im._dispatch_matrix(node, node.target._schema.name, (x, -1, *args), {})
