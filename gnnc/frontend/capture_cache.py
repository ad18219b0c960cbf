"""
The last few captures, reused when the same model structure is compiled again.

torch.export is most of a warm compile (a tracking IN: ~0.2 s of ~0.3 s), and a sweep, a
notebook or a fit compiles the same model many times. A capture is reused when the model's
*structure* is the same, which is the key of `structure_key`:

* every module: its class, its non-tensor attributes (hooks, flags, PyG's inspector, ...),
  the names, dtypes, shapes and sharing of its parameters and buffers, its submodules;
  plain tensor attributes (not parameters or buffers) by content;
* the code reachable from the model: every function of the module classes (forward, message,
  update, ...) and of user code they read through globals, with the globals they read,
  their defaults and closures; library code (torch, PyG, the standard library) by identity;
* the input signature: the call convention (names and kinds of the inputs), dtypes and
  ranks, the static sizes, and the order of the dynamic sizes (N, E) among themselves, which
  is all a successful export sees of them: it ties N to E when they are equal (the edge
  readings of capture.py) and refuses any other guard on them; non-tensor arguments (and a
  Data's non-tensor fields, both baked into the graph) by value.

Weights are never taken from the cache: `weights` reads every parameter, buffer and tensor
attribute the program names afresh from the live model, on a hit and on a fresh capture
alike (so both import the same way). What else depends on the example's values, the
self-loop probe, runs on the new example after the import in either case. Models with
Brevitas layers are not cached: their capture-time forwards bake quantised weights (and
scales derived from them) into the graph. Nor is anything the key cannot describe (an
object with neither value equality nor attributes): `Uncacheable`, and a fresh capture.
"""

from __future__ import annotations

import sys
import types
from collections import OrderedDict
from collections.abc import Mapping
from typing import Any

import numpy as np
import torch
from torch import Tensor, nn
from torch.export.graph_signature import InputKind

from gnnc.errors import GnncError
from gnnc.frontend.capture import (
    EDGE_INDEX, EDGES, NODES, BATCH, WRAPPED, CallConvention, Captured, _normalise_args, call_convention,
    capture,
)

#: Captures kept (least recently used dropped first).
CAPACITY = 8

_CACHE: OrderedDict[Any, Captured] = OrderedDict()

#: Top-level packages whose code is keyed by identity, not walked (it does not change while
#: a process runs, and walking torch's globals would cost more than the export).
_LIBRARIES = frozenset({
    "torch", "torch_geometric", "torch_scatter", "torch_sparse", "torch_cluster", "numpy", "brevitas",
    "sympy", "typing_extensions", "xdsl",
}) | sys.stdlib_module_names

#: Module-level hooks that run on every module call (torch.nn.modules.module's globals).
_GLOBAL_HOOKS = tuple(
    name for name in dir(nn.modules.module) if name.startswith("_global_") and name.endswith("hooks")
)

#: Values keyed by themselves: equal values make equal keys.
_PLAIN = (type(None), bool, int, float, complex, str, bytes, type(Ellipsis), torch.dtype, torch.device,
          torch.layout, torch.memory_format, types.CodeType)


class Uncacheable(Exception):
    """A model the key cannot describe; it is captured afresh every time."""


def clear() -> None:
    """Forget every cached capture."""
    _CACHE.clear()


def size() -> int:
    """Captures held now."""
    return len(_CACHE)


def cached_capture(model: nn.Module, example: Any) -> Captured:
    """capture(model, example), reused from an earlier call on the same structure; the weights
    (Captured.weights) always the model's current ones."""
    try:
        key = structure_key(model, example)
    except (Uncacheable, GnncError):  # a bad example: capture says what is wrong with it
        key = None
    found = _CACHE.get(key) if key is not None else None
    if found is None:
        found = capture(model, example)
        if key is not None:
            _CACHE[key] = found
            while len(_CACHE) > CAPACITY:
                _CACHE.popitem(last=False)
    else:
        _CACHE.move_to_end(key)
        sys.stderr.write(found.stderr)  # what the export printed (capture replays it too)
    return Captured(found.program, found.convention, found.model_name, stderr=found.stderr,
                    weights=weights(found, model))


def weights(captured: Captured, model: nn.Module) -> dict[str, Tensor]:
    """Every parameter, buffer and tensor constant of the program, by its name there, read from
    the live `model`; constants made by the traced code itself (lifted tensors, which have
    no attribute) from the program."""
    program = captured.program
    out: dict[str, Tensor] = {}
    for spec in program.graph_signature.input_specs:
        if spec.kind not in (InputKind.PARAMETER, InputKind.BUFFER, InputKind.CONSTANT_TENSOR):
            continue
        live = _resolve(model, spec.target)
        if live is not None:
            out[spec.target] = live
        elif spec.target in program.state_dict:
            out[spec.target] = program.state_dict[spec.target]
        elif spec.target in program.constants:
            out[spec.target] = program.constants[spec.target]
    return out


def _resolve(model: nn.Module, target: str) -> Tensor | None:
    """The tensor at `target` ("model.R1.layers.0.weight") of the wrapped model, or None."""
    prefix, _, path = target.partition(".")
    if prefix != WRAPPED:
        return None
    obj: Any = model
    *parents, last = path.split(".")
    for part in parents:
        obj = obj._modules.get(part) if isinstance(obj, nn.Module) else None
        if obj is None:
            return None
    if not isinstance(obj, nn.Module):
        return None
    for place in (obj._parameters, obj._buffers, obj.__dict__):
        value = place.get(last)
        if isinstance(value, Tensor):
            return value
    return None


# --------------------------------------------------------------------------- #
# The key
# --------------------------------------------------------------------------- #


def structure_key(model: nn.Module, example: Any) -> tuple[Any, ...]:
    """What a capture of `model` on `example` depends on, except the weights (see the module
    docstring); raises Uncacheable when that cannot be told."""
    if any(type(m).__module__.startswith("brevitas.") for m in model.modules()):
        raise Uncacheable("Brevitas layers bake quantised weights into the capture")
    args = _normalise_args(example)
    convention = call_convention(model, args)
    walk = _Walk()
    return (
        walk.value(model),
        tuple(walk.value(getattr(nn.modules.module, name)) for name in _GLOBAL_HOOKS),
        _signature(convention, args, walk),
    )


def _signature(convention: CallConvention, args: tuple[Any, ...], walk: _Walk) -> tuple[Any, ...]:
    """The convention, each input's dtype and sizes (dynamic ones by their order), and the
    values of everything else the example passes."""
    tensors = convention.tensors(args)
    dynamic = {NODES: 0, EDGES: 0, BATCH: 0, EDGE_INDEX: 1}
    sizes = [(t.shape[dynamic[i.kind]] if i.kind in dynamic else None) for i, t in zip(convention.inputs, tensors)]
    order = {s: k for k, s in enumerate(sorted({s for s in sizes if s is not None}))}
    inputs = tuple(
        (t.dtype, tuple(("dyn", order[s]) if d == dynamic.get(i.kind) else n for d, n in enumerate(t.shape)))
        for i, t, s in zip(convention.inputs, tensors, sizes)
    )
    if convention.uses_data:
        rest = [(k, walk.value(v)) for k, v in args[0].items() if not isinstance(v, Tensor)]
    else:
        rest = [(k, walk.value(a)) for k, a in enumerate(args) if not isinstance(a, Tensor)]
    return convention, inputs, tuple(rest)


def _is_library(obj: Any) -> bool:
    module = getattr(obj, "__module__", None) or ""
    return module.partition(".")[0] in _LIBRARIES


class _Walk:
    """One key computation: values seen before (shared modules and parameters, cycles) are
    referred to by the order they were first seen in."""

    def __init__(self) -> None:
        self.seen: dict[int, int] = {}
        self.alive: list[Any] = []  # keeps every id in `seen` valid for the walk

    def _ref(self, obj: Any) -> tuple[str, int] | None:
        label = self.seen.get(id(obj))
        if label is not None:
            return ("ref", label)
        self.seen[id(obj)] = len(self.seen)
        self.alive.append(obj)
        return None

    def value(self, obj: Any) -> Any:
        if isinstance(obj, _PLAIN):
            return (type(obj), obj)
        ref = self._ref(obj)
        if ref is not None:
            return ref
        if isinstance(obj, nn.Module):
            return self._module(obj)
        if isinstance(obj, Tensor):
            return self._tensor(obj)
        if type(obj).__name__ == "Inspector" and _is_library(type(obj)):
            # PyG's inspector: a cache of what the class's signatures and source say (its
            # source dict fills up lazily, instance by instance), keyed with the class already
            return ("inspector", self.value(obj._cls))
        if isinstance(obj, np.ndarray):
            return ("ndarray", obj.dtype.str, obj.shape, obj.tobytes())
        if isinstance(obj, type):
            return self._class(obj)
        if isinstance(obj, types.FunctionType):
            return self._function(obj)
        if isinstance(obj, types.MethodType):
            return ("method", self.value(obj.__func__), self.value(obj.__self__))
        if isinstance(obj, (staticmethod, classmethod)):
            return (type(obj), self.value(obj.__func__))
        if isinstance(obj, property):
            return (property, self.value(obj.fget), self.value(obj.fset), self.value(obj.fdel))
        if isinstance(obj, types.ModuleType):
            return ("module", obj)
        if isinstance(obj, (tuple, list)):
            return (type(obj), tuple(self.value(v) for v in obj))
        if isinstance(obj, (set, frozenset)):
            return (type(obj), frozenset(self.value(v) for v in obj))
        if isinstance(obj, Mapping):
            return (type(obj), tuple((self.value(k), self.value(v)) for k, v in obj.items()))
        state = getattr(obj, "__dict__", None)
        if isinstance(state, dict):  # (before identity: a library object's state is per instance)
            slots = tuple((s, self.value(getattr(obj, s, None))) for s in getattr(type(obj), "__slots__", ()))
            return (self.value(type(obj)), self.value(state), slots)
        if isinstance(obj, (types.BuiltinFunctionType, types.WrapperDescriptorType, types.MethodWrapperType,
                            types.MethodDescriptorType)) or _is_library(type(obj)) and _hashable(obj):
            return ("same", obj)  # library objects without state of their own: by identity
        if type(obj).__eq__ is not object.__eq__ and _hashable(obj):
            return (type(obj), obj)  # a value type (enum members, typing forms, ...)
        raise Uncacheable(f"cannot key a {type(obj).__name__}")

    def _module(self, module: nn.Module) -> tuple[Any, ...]:
        attrs = []
        for name, value in module.__dict__.items():
            if name == "_parameters" or name == "_buffers":
                attrs.append((name, tuple((k, self._weight(t)) for k, t in value.items())))
            elif isinstance(value, Tensor):  # a tensor attribute: export lifts it, weights() reads it
                attrs.append((name, self._weight(value)))
            else:
                attrs.append((name, self.value(value)))
        return ("nn.Module", self.value(type(module)), tuple(attrs))

    def _weight(self, t: Tensor | None) -> Any:
        """A parameter, buffer or tensor attribute: its form only (and which others it is), never
        its values (export fakes them: a capture cannot depend on them)."""
        if t is None:
            return None
        ref = self._ref(t)
        return ref or ("weight", type(t), t.dtype, tuple(t.shape), t.requires_grad)

    def _tensor(self, t: Tensor) -> Any:
        data = t.detach().cpu().contiguous()
        raw = data.reshape(-1).view(torch.uint8).numpy().tobytes() if data.numel() else b""
        return ("tensor", type(t), t.dtype, tuple(t.shape), t.requires_grad, raw)

    def _class(self, cls: type) -> Any:
        if _is_library(cls):
            return ("class", cls)
        bases = tuple(self.value(b) for b in cls.__bases__)
        body = tuple((k, self.value(v)) for k, v in vars(cls).items() if k not in ("__dict__", "__weakref__"))
        return ("class", cls, bases, body)

    def _function(self, fn: types.FunctionType) -> Any:
        if _is_library(fn):
            return ("function", fn)
        cells = tuple(self.value(_cell(c)) for c in fn.__closure__ or ())
        globals_ = tuple(
            (name, self.value(fn.__globals__[name])) for name in _names(fn.__code__) if name in fn.__globals__
        )
        return ("function", fn.__code__, self.value(fn.__defaults__), self.value(fn.__kwdefaults__), cells,
                globals_)


def _names(code: types.CodeType) -> list[str]:
    """Names the code (and the functions, lambdas and comprehensions inside it) may read as
    globals, in order of first use; attribute names among them only make the key larger."""
    out = dict.fromkeys(code.co_names)
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            out.update(dict.fromkeys(_names(const)))
    return list(out)


def _cell(cell: types.CellType) -> Any:
    try:
        return cell.cell_contents
    except ValueError:  # not yet bound
        return None


def _hashable(obj: Any) -> bool:
    try:
        hash(obj)
    except TypeError:
        return False
    return True
