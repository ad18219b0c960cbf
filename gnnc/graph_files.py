"""Graphs from `.npz` files for `gnnc sweep --data`, shaped like the model file's example.

Each file holds named arrays. For a model whose example is a PyG Data, the Data's attributes
are read by name (`x`, `edge_index`, `edge_attr`, ...); an edge attribute stored [F, E] (the
TrackML files keep edge_attr so) is transposed to the example's [E, F]. For a model whose
example is a tuple, the arrays are forward()'s arguments by parameter name. `y`, when
present, is the label per output row (efficiency / purity).
"""

from __future__ import annotations

import glob
import inspect
import zipfile
from pathlib import Path
from typing import Any

import numpy as np

from gnnc.errors import GnncError

MAX_FILES = 100_000


def graph_paths(pattern: str) -> list[Path]:
    """The files a glob pattern (or one path) names, sorted; none is an error naming the pattern."""
    paths = sorted(Path(p) for p in glob.glob(pattern, recursive=True))
    files = [p for p in paths if p.is_file()]
    if not files:
        raise GnncError(f"--data {pattern!r}: no files match (quote the pattern so the shell leaves it: "
                        "--data 'graphs/*.npz')")
    if len(files) > MAX_FILES:
        raise GnncError(f"--data {pattern!r}: {len(files)} files is more than a sweep reads ({MAX_FILES})")
    return files


def load_graphs(pattern: str, model: Any, example: Any) -> list[Any]:
    """Every graph of the pattern as the model takes it (a Data, or a tuple of tensors)."""
    examples = example if isinstance(example, tuple) else (example,)
    params = list(inspect.signature(model.forward).parameters)[: len(examples)]
    return [_graph(path, _arrays(path), example, params) for path in graph_paths(pattern)]


def load_design_graphs(paths: list[Path], design: Any) -> list[Any]:
    """The graphs of `paths` (from graph_paths) for a Design without its model (gnnc.load):
    arguments named as the IR's inputs, None for a positional argument the IR does not read."""
    from gnnc.saved_design import example_args

    example = example_args(design)
    names = {i.key: i.name for i in design._imported._inputs}
    params = [names.get(k) for k in range(len(example))]
    return [_graph(path, _arrays(path), example if len(example) > 1 else example[0], params) for path in paths]


def _arrays(path: Path) -> dict[str, np.ndarray]:
    try:
        with np.load(path, allow_pickle=False) as f:
            return {k: f[k] for k in f.files}
    except (OSError, ValueError, zipfile.BadZipFile) as err:
        raise GnncError(f"{path}: not a numpy .npz file of arrays ({err})") from None


def _graph(path: Path, arrays: dict[str, np.ndarray], example: Any, params: list[str | None]) -> Any:
    import torch

    if hasattr(example, "keys") and hasattr(example, "edge_index"):  # a PyG Data
        from torch_geometric.data import Data

        n_edges = _need(path, arrays, "edge_index").shape[-1]
        values = {}
        for key in example.keys():
            like = getattr(example, key)
            if not isinstance(like, torch.Tensor) or key == "y":
                continue
            values[key] = _tensor(path, key, _oriented(_need(path, arrays, key), like, n_edges), like)
        if "y" in arrays:
            values["y"] = torch.from_numpy(np.asarray(arrays["y"]))
        return Data(**values)
    examples = example if isinstance(example, tuple) else (example,)
    return tuple(None if name is None or like is None else _tensor(path, name, _need(path, arrays, name), like)
                 for name, like in zip(params, examples))


def _need(path: Path, arrays: dict[str, np.ndarray], key: str) -> np.ndarray:
    if key not in arrays:
        raise GnncError(f"{path}: no array {key!r} (the model's input; the file has {', '.join(arrays) or 'none'})")
    return arrays[key]


def _oriented(array: np.ndarray, like: Any, n_edges: int) -> np.ndarray:
    """[F, E] -> [E, F] when the example has F features per edge and the file has them first."""
    if array.ndim == 2 and like.dim() == 2 and array.shape == (like.shape[1], n_edges) != (n_edges, like.shape[1]):
        return np.ascontiguousarray(array.T)
    return array


def _tensor(path: Path, key: str, array: np.ndarray, like: Any) -> Any:
    import torch

    if array.ndim != like.dim():
        raise GnncError(f"{path}: array {key!r} has shape {array.shape}, the example's is {tuple(like.shape)}")
    return torch.from_numpy(np.ascontiguousarray(array)).to(like.dtype)
