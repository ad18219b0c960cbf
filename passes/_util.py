"""Helpers shared by the passes."""

from __future__ import annotations

import numpy as np
from xdsl.dialects.builtin import BytesAttr, DenseIntOrFPElementsAttr, Float32Type, StringAttr, TensorType
from xdsl.dialects import builtin, func
from xdsl.ir import Operation, SSAValue


def hls_top(module: builtin.ModuleOp) -> func.FuncOp | None:
    """The module's hls top function (convert-gnn-to-hls marks it `hls.top`), or None."""
    return next((f for f in module.body.block.ops if isinstance(f, func.FuncOp) and "hls.top" in f.attributes), None)


def dense_values(attr: DenseIntOrFPElementsAttr) -> np.ndarray:
    """A dense constant as a float64 array of its shape, read straight from its little-endian buffer."""
    return np.frombuffer(attr.data.data, dtype=np.dtype(attr.get_element_type().format)).astype(
        np.float64).reshape(attr.get_shape())


def dense_attr(values: np.ndarray, element=None) -> DenseIntOrFPElementsAttr:
    """An array as one dense constant of `element` (default f32: the gnn IR stores weights as f32),
    built from one numpy buffer rather than value by value (xDSL's from_list)."""
    element = Float32Type() if element is None else element
    arr = np.ascontiguousarray(values, dtype=np.dtype(element.format))
    return DenseIntOrFPElementsAttr(TensorType(element, list(arr.shape)), BytesAttr(arr.tobytes()))


def single_use(value: SSAValue) -> bool:
    return len(list(value.uses)) == 1


def path_of(op: Operation) -> str | None:
    path = op.attributes.get("gnn.path")
    return path.data if isinstance(path, StringAttr) else None


def check_capacity(pass_name: str, option: str, value: int, minimum: int = 1) -> None:
    """A pass option counting rows (max-nodes, max-edges): what the config allows (graph.*)."""
    from gnnc.config import MAX_CAPACITY
    from gnnc.errors import GnncError

    if not minimum <= value <= MAX_CAPACITY:
        raise GnncError(f"{pass_name}: {option} must be in [{minimum}, {MAX_CAPACITY}], got {value}")


# The C++ name of a loop's index: what the loop runs over. A loop over rows is `e` (edges),
# `n` (nodes) or `g` (graphs); an inner loop is named by its label's last word: a dense's
# `o`utputs and `i`nputs, `k` for nonzeros and copies, `h` for heads, else `f` (features).
_ROW_INDEX = {"edges": "e", "nodes": "n", "graphs": "g"}
_LABEL_INDEX = {"in": "i", "out": "o", "init": "o", "nz": "k", "k": "k", "h": "h"}


def loop_index(label: str, rows: str | None) -> str:
    """The index name of a loop over `rows` (None: an inner loop, named by its label)."""
    if rows is not None:
        return _ROW_INDEX[rows]
    return _LABEL_INDEX.get(label.rsplit("_", 1)[-1], "f")


#: The model's source line of a gnn op (`file.py:57`, from torch.export's stack trace), kept
#: on the op's top-level loops by the lowering: hls-outline's comment above the op's function.
SOURCE_ATTR = "gnn.source"
