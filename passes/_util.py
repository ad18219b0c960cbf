"""Helpers shared by the gnn canonicalisation passes."""

from __future__ import annotations

import numpy as np
from xdsl.dialects.builtin import DenseIntOrFPElementsAttr, Float32Type, StringAttr, TensorType
from xdsl.ir import Operation, SSAValue


def dense_values(attr: DenseIntOrFPElementsAttr) -> np.ndarray:
    """A dense constant as a float64 array of its shape."""
    return np.array(attr.get_values(), dtype=np.float64).reshape(attr.get_shape())


def dense_attr(values: np.ndarray) -> DenseIntOrFPElementsAttr:
    """A float64 array as an f32 dense constant (the gnn IR stores weights as f32)."""
    arr = np.asarray(values, dtype=np.float32)
    return DenseIntOrFPElementsAttr.from_list(
        TensorType(Float32Type(), list(arr.shape)), [float(v) for v in arr.ravel()]
    )


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
