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
from gnnc.errors import GnncError
from gnnc.frontend.capture import CallConvention, GraphInput
from gnnc.frontend.capture_cache import cached_capture
from gnnc.frontend.importer import import_captured
from gnnc.frontend.loop_probe import probe_self_loops

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
        Numpy inputs of the IR, by name, from the arguments forward takes (a Data, tensors
        or numpy arrays; any graph size): features float32 [rows, F], edge_index int64 [2, E].
        An input that is not a graph of the model's kind is a GnncError naming it.
        """
        tensors = self._convention.tensors(args, self._inputs)
        types = self._argument_types()
        bound = {inp.name: _to_numpy(inp, t, type_) for inp, t, type_ in zip(self._inputs, tensors, types)}
        _check_indices(bound, self._inputs, types)
        return bound

    def _argument_types(self) -> list[Attribute]:
        func = next(op for op in self.module.ops if isinstance(op, FuncOp))
        return list(func.function_type.inputs.data)


def _to_numpy(inp: GraphInput, t: torch.Tensor, type_: Attribute) -> np.ndarray:
    arr = t.detach().cpu().numpy()
    if isinstance(type_, gnn.FeaturesType):
        if arr.ndim == 1 and type_.num_features == 1:  # a vector [rows] (an edge_weight)
            arr = arr.reshape(-1, 1)
        if arr.ndim != 2 or arr.shape[1] != type_.num_features:
            raise GnncError(
                f"input {inp.name!r} must have shape [rows, {type_.num_features}], got {list(arr.shape)}"
            )
        if not (np.issubdtype(arr.dtype, np.number) or arr.dtype == np.bool_):
            raise GnncError(f"input {inp.name!r} must hold numbers, got dtype {arr.dtype}")
        arr = arr.astype(np.float32, copy=False)
        if not np.all(np.isfinite(arr)):
            row = int(np.argwhere(~np.isfinite(arr))[0][0])
            raise GnncError(f"input {inp.name!r} has NaN or infinite values (first in row {row})")
        return arr
    if isinstance(type_, gnn.BatchType):
        if arr.ndim != 1:
            raise GnncError(f"input {inp.name!r} must have shape [N] (a graph number per node), got {list(arr.shape)}")
        if not np.issubdtype(arr.dtype, np.integer):
            raise GnncError(f"input {inp.name!r} must hold integer graph numbers (torch.long), got dtype {arr.dtype}")
        if arr.size and arr.min() < 0:
            raise GnncError(f"input {inp.name!r} has a negative graph number ({int(arr.min())})")
        return arr.astype(np.int64, copy=False)
    if arr.ndim != 2 or arr.shape[0] != 2:
        raise GnncError(f"input {inp.name!r} must have shape [2, E], got {list(arr.shape)}")
    if not np.issubdtype(arr.dtype, np.integer):  # a float or bool index would be truncated
        raise GnncError(f"input {inp.name!r} must hold integer node indices (torch.long), got dtype {arr.dtype}")
    return arr.astype(np.int64, copy=False)


def _check_indices(bound: dict[str, np.ndarray], inputs: list[GraphInput], types: list[Attribute]) -> None:
    """Every edge_index entry names a node of the graph: 0 <= index < rows of the node inputs."""
    rows = [bound[i.name].shape[0] for i, t in zip(inputs, types) if isinstance(t, gnn.NodesType)]
    n_nodes = rows[0] if rows else None
    for inp, t in zip(inputs, types):
        if isinstance(t, gnn.NodesType | gnn.BatchType) and bound[inp.name].shape[0] != n_nodes:
            raise GnncError(f"input {inp.name!r} has {bound[inp.name].shape[0]} rows, but the graph has "
                            f"{n_nodes} nodes (the rows of {inputs[0].name!r})")
        if isinstance(t, gnn.EdgeIndexType) and bound[inp.name].size:
            index = bound[inp.name]
            if index.min() < 0 or (n_nodes is not None and index.max() >= n_nodes):
                bad = index.min() if index.min() < 0 else index.max()
                raise GnncError(f"input {inp.name!r} refers to node {int(bad)}, but the graph has nodes "
                                f"0..{(n_nodes or 0) - 1}")
    n_edges = {bound[i.name].shape[1] for i, t in zip(inputs, types) if isinstance(t, gnn.EdgeIndexType)}
    for inp, t in zip(inputs, types):
        if isinstance(t, gnn.EdgesType) and n_edges and bound[inp.name].shape[0] not in n_edges:
            raise GnncError(f"input {inp.name!r} has {bound[inp.name].shape[0]} rows, but the graph has "
                            f"{min(n_edges)} edges")


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

    A model that removes self loops is run once more on the example with self loops added,
    in torch and as float IR (frontend/loop_probe.py): a result that depends on the removed
    loops' count is refused.

    The capture is reused from an earlier call on a model of the same structure and inputs of
    the same signature (frontend/capture_cache.py); the weights are always the model's current ones.

    Raises gnnc.errors.UnsupportedModelError for anything gnnc cannot compile.
    """
    with _eval_mode(model):
        captured = cached_capture(model, example)
    result = import_captured(captured, name)
    if canonicalize:
        from gnnc import passes

        passes.apply(result.module, passes.CANONICALIZE_PIPELINE)
    imported = ImportedModel(
        module=result.module,
        input_names=[i.name for i in result.inputs],
        output_names=result.output_names,
        _inputs=result.inputs,
        _convention=captured.convention,
    )
    if result.loop_drops:  # sizes after remove_self_loops are E in the capture (loop_probe.py)
        probe_self_loops(imported, model, example, result.loop_drops)
    return imported


def torch_forward(model: nn.Module, *args: Any) -> list[np.ndarray]:
    """Run the torch model (eval, no_grad); outputs as float64 arrays, tuples flattened."""
    with _eval_mode(model), torch.no_grad():
        out = model(*args)
    leaves = torch.utils._pytree.tree_leaves(out)
    return [t.detach().cpu().double().numpy() for t in leaves if isinstance(t, torch.Tensor)]
