"""The TrackML sector-graph .npz format of ../shared/data/trackml-in (see its README), read
and written: `x` [N, 3] float32 (r/1000, phi/(pi/8), z/1000), `edge_index` [2, E] int64
(row 0 the inner, source hit), `edge_attr` [4, E] float32 (dr, dphi, dz, dR; stored
feature-first, the model takes [E, 4]), `y` [E] float32 (1: same particle), `pid` [N] int64."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
from torch_geometric.data import Data

from gnnc.errors import GnncError


def load_graph(path: str | Path) -> Data:
    """One graph file as the model takes it (edge_attr transposed to [E, 4]) with its labels y;
    pid stays in the file (a Data attribute would become a model input)."""
    try:
        f = np.load(path, allow_pickle=False)
    except (OSError, ValueError) as err:
        raise GnncError(f"{path}: not a numpy .npz file of arrays ({err})") from None
    with f:
        missing = [k for k in ("x", "edge_index", "edge_attr", "y") if k not in f.files]
        if missing:
            raise GnncError(f"{path}: no array {missing[0]!r}; a TrackML-format graph holds x, edge_index, "
                            f"edge_attr and y (the file has {', '.join(f.files) or 'none'})")
        return Data(
            x=torch.from_numpy(f["x"]).float(),
            edge_index=torch.from_numpy(f["edge_index"]).long(),
            edge_attr=torch.from_numpy(np.ascontiguousarray(f["edge_attr"].T)).float(),
            y=torch.from_numpy(f["y"]).float(),
        )


def load_graphs(folder: str | Path) -> list[Data]:
    """Every `*.npz` of a folder, sorted by file name; none is an error naming the folder."""
    paths = sorted(Path(folder).glob("*.npz"))
    if not paths:
        raise GnncError(f"no graphs (*.npz in the TrackML format) in {folder}")
    return [load_graph(p) for p in paths]


def graph_arrays(graph: Data, pid: np.ndarray | None = None) -> dict[str, np.ndarray]:
    """The arrays of a graph file, in the format's dtypes and orientation."""
    arrays = {
        "x": graph.x.numpy().astype(np.float32),
        "edge_index": graph.edge_index.numpy().astype(np.int64),
        "edge_attr": np.ascontiguousarray(graph.edge_attr.numpy().T.astype(np.float32)),
        "y": graph.y.numpy().astype(np.float32),
    }
    if pid is not None:
        arrays["pid"] = np.asarray(pid, dtype=np.int64)
    return arrays
