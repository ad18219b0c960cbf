"""
The gnnc frontend: a trained PyTorch / PyG model in, gnn IR (f32) out.

```python
from gnnc.frontend import import_model, torch_forward
imported = import_model(model, data)            # data: a PyG Data, or a tuple of forward args
print(imported.module)                          # one func.func in the gnn dialect
inputs = imported.bind(other_data)              # {"x": ..., "edge_index": ..., "edge_attr": ...}
reference = torch_forward(model, other_data)    # [float64 array per output]
```

Capture (capture.py) runs torch.export with every MessagePassing's propagate
intercepted; import (importer.py) maps the FX graph onto gnn ops.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch
from torch import nn
from xdsl.dialects.builtin import ModuleOp
from xdsl.dialects.func import FuncOp
from xdsl.ir import Attribute

from gnnc.dialects import gnn
from gnnc.frontend.capture import CallConvention, GraphInput, capture
from gnnc.frontend.importer import import_captured

__all__ = ["ImportedModel", "import_model", "torch_forward"]


@dataclass
class ImportedModel:
    """The gnn IR of a model, and how to turn the model's arguments into its inputs."""

    module: ModuleOp
    input_names: list[str]
    output_names: list[str]
    _inputs: list[GraphInput] = field(repr=False)
    _convention: CallConvention = field(repr=False)

    def bind(self, *args: Any) -> dict[str, np.ndarray]:
        """
        Numpy inputs of the IR, by name, from the arguments forward takes (a Data
        or tensors; any graph size): features float32 [rows, F], edge_index int64 [2, E].
        """
        tensors = self._convention.tensors(args, self._inputs)
        types = self._argument_types()
        return {
            inp.name: _to_numpy(inp, t, type_)
            for inp, t, type_ in zip(self._inputs, tensors, types)
        }

    def _argument_types(self) -> list[Attribute]:
        func = next(op for op in self.module.ops if isinstance(op, FuncOp))
        return list(func.function_type.inputs.data)


def _to_numpy(inp: GraphInput, t: torch.Tensor, type_: Attribute) -> np.ndarray:
    arr = t.detach().cpu().numpy()
    if isinstance(type_, gnn.FeaturesType):
        if arr.ndim == 1 and type_.num_features == 1:  # a vector [rows] (an edge_weight)
            arr = arr.reshape(-1, 1)
        if arr.ndim != 2 or arr.shape[1] != type_.num_features:
            raise ValueError(
                f"{inp.name} must have shape [rows, {type_.num_features}], got {list(arr.shape)}"
            )
        return arr.astype(np.float32, copy=False)
    if arr.ndim != 2 or arr.shape[0] != 2:
        raise ValueError(f"{inp.name} must have shape [2, E], got {list(arr.shape)}")
    return arr.astype(np.int64, copy=False)


@contextmanager
def _eval_mode(model: nn.Module) -> Iterator[None]:
    """Eval mode for the duration; each module's own training flag restored afterwards."""
    flags = [(m, m.training) for m in model.modules()]
    model.eval()
    try:
        yield
    finally:
        for module, flag in flags:
            module.training = flag


def import_model(
    model: nn.Module, example: Any, name: str | None = None, canonicalize: bool = True
) -> ImportedModel:
    """
    Capture `model` on `example` (a PyG Data, or a tuple of forward arguments)
    and import it as gnn IR. The IR is valid for graphs of any size. `name` is
    the function's symbol (default: the model class name in snake case).

    With `canonicalize` (the default, and what gnnc.compile uses) the IR goes through
    gnnc.passes.CANONICALIZE_PIPELINE: BatchNorm folded, constant scalings folded into
    denses, duplicate ops merged, dead ops removed. Without it, the IR is exactly what
    the importer emitted (gnn.batch_norm included, which gnn-fixed-point refuses).

    Raises gnnc.errors.UnsupportedModelError for anything gnnc cannot compile.
    """
    with _eval_mode(model):
        captured = capture(model, example)
    result = import_captured(captured, name)
    if canonicalize:
        from gnnc import passes

        passes.apply(result.module, passes.CANONICALIZE_PIPELINE)
    return ImportedModel(
        module=result.module,
        input_names=[i.name for i in result.inputs],
        output_names=result.output_names,
        _inputs=result.inputs,
        _convention=captured.convention,
    )


def torch_forward(model: nn.Module, *args: Any) -> list[np.ndarray]:
    """Run the torch model (eval, no_grad); outputs as float64 arrays, tuples flattened."""
    with _eval_mode(model), torch.no_grad():
        out = model(*args)
    leaves = torch.utils._pytree.tree_leaves(out)
    return [t.detach().cpu().double().numpy() for t in leaves if isinstance(t, torch.Tensor)]
