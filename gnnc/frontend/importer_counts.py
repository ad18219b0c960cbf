"""
The importer's rule for functions of a node's edge count (PyG's utils.degree, PNA's scalers).

`gnn::degree` is a count of edges per node (Importer.edge_count: a sum of ones). The ops
applied to it one after another (`deg + 1`, `torch.log`, `deg.clamp(min=1)`, `c / deg`,
`/ c`, `pow`) are collected as a CountVal, a chain of gnn.count_fn steps, until another op
uses it; then it becomes one value: the count with gnn.scale ops while every step is affine
(PNA's 'linear' d / avg), else one gnn.count_fn (a table of f at the integer counts: PNA's
'amplification' log(d + 1) / avg, 'attenuation' avg / log(max(d, 1) + 1), 'inverse_linear'
avg / max(d, 1)).
"""

from __future__ import annotations

from typing import Any

import torch
from torch import fx
from xdsl.ir import SSAValue

from gnnc.dialects import gnn
from gnnc.frontend.importer import ConstVal, CountVal, _Importer, _dense_attr, _Unsupported

#: Reshapes that keep a per-node count a per-node count ([N] <-> [N, 1]).
_SAME_ROWS = {"aten::view", "aten::reshape", "aten::unsqueeze", "aten::squeeze", "aten::flatten",
              "aten::_unsafe_view", "aten::clone", "aten::contiguous", "aten::alias", "aten::detach"}
_AFFINE = ("add", "mul", "div")


def _number(value: Any) -> float | None:
    """A number, or a constant tensor of one element (PNA's avg_deg_lin / avg_deg_log buffers)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, ConstVal) and value.tensor.numel() == 1:
        return float(value.tensor.reshape(()).item())
    return None


class CountRules:
    def __init__(self, importer: _Importer):
        self.im = importer

    def dispatch(self, node: fx.Node, name: str, args: tuple, kwargs: dict) -> Any:
        """gnn::degree, or an op with a CountVal among its arguments."""
        if name == "gnn::degree":
            return CountVal(self.im._dispatch_values(node, name, args, kwargs), (), node)
        step = self._step(node, name, args, kwargs)
        if step is not None:
            count, text = step
            return CountVal(count.count, (*count.steps, *([text] if text else [])), node)
        return self.im._dispatch_values(node, name, self._values(args), self._values(kwargs))

    def _step(self, node: fx.Node, name: str, args: tuple, kwargs: dict) -> tuple[CountVal, str] | None:
        """(the count, its next step; "" for a reshape) if the op is a function of one count."""
        a = args[0] if args else None
        b = args[1] if len(args) > 1 else None
        if name in _SAME_ROWS and isinstance(a, CountVal):
            return a, ""
        if name in ("aten::to", "aten::_to_copy") and isinstance(a, CountVal) and (
                getattr(node.meta.get("val"), "dtype", None) == torch.float32):
            return a, ""
        unary = {"aten::log": "log", "aten::sqrt": "pow 0.5", "aten::rsqrt": "pow -0.5",
                 "aten::reciprocal": "rdiv 1"}
        if name in unary and isinstance(a, CountVal):
            return a, unary[name]
        if name in ("aten::clamp", "aten::clamp_min", "aten::clamp_max") and isinstance(a, CountVal):
            lo = kwargs.get("min", b if name != "aten::clamp_max" else None)
            hi = kwargs.get("max", args[2] if len(args) > 2 else (b if name == "aten::clamp_max" else None))
            bounds = [(k, v) for k, v in (("max", lo), ("min", hi)) if v is not None]
            if any(_number(v) is None for _, v in bounds) or not bounds:
                return None
            return a, ", ".join(f"{k} {_number(v)!r}" for k, v in bounds)
        if name not in ("aten::add", "aten::sub", "aten::mul", "aten::div", "aten::pow", "aten::rsub") or kwargs.get(
                "rounding_mode") is not None or kwargs.get("alpha", 1) != 1:
            return None
        if isinstance(a, CountVal) and _number(b) is not None:
            c = _number(b)
            return a, {"aten::add": f"add {c!r}", "aten::sub": f"add {-c!r}", "aten::mul": f"mul {c!r}",
                       "aten::div": f"div {c!r}", "aten::pow": f"pow {c!r}",
                       "aten::rsub": f"mul -1.0, add {c!r}"}[name]
        if isinstance(b, CountVal) and _number(a) is not None:
            c = _number(a)
            text = {"aten::add": f"add {c!r}", "aten::mul": f"mul {c!r}", "aten::div": f"rdiv {c!r}",
                    "aten::sub": f"mul -1.0, add {c!r}"}.get(name)
            return (b, text) if text is not None else None
        return None

    def _values(self, value: Any) -> Any:
        """Every CountVal in value as one gnn value."""
        if isinstance(value, CountVal):
            return self.value(value)
        if isinstance(value, (list, tuple)):
            return type(value)(self._values(v) for v in value)
        if isinstance(value, dict):
            return {k: self._values(v) for k, v in value.items()}
        return value

    def value(self, count: CountVal) -> SSAValue:
        """The count with gnn.scale ops if every step is affine, else one gnn.count_fn."""
        steps = ", ".join(count.steps)
        parsed = gnn.parse_count_steps(steps) if steps else []
        if any(step not in _AFFINE for step, _ in parsed):
            return self.im._emit_free(count.node, gnn.CountFnOp(count.count, steps))
        value = count.count
        for step, c in parsed:
            assert c is not None
            if step == "div" and c == 0:
                raise _Unsupported("division of a node's edge count by zero")
            if step == "add":
                op = gnn.ScaleOp(value, None, _dense_attr(torch.tensor([c], dtype=torch.float64)))
            else:
                factor = c if step == "mul" else 1.0 / c
                op = gnn.ScaleOp(value, _dense_attr(torch.tensor([factor], dtype=torch.float64)), None)
            value = self.im._emit_free(count.node, op)
        return value
