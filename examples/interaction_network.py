"""
The tracking Interaction Network (Elabd et al., arXiv 2112.02048; the model class lives in
gnnc.demo.interaction_network), plus loaders for its trained weights and the
TrackML sector graphs in `../shared/data/trackml-in/` (see its README).

Run `python examples/interaction_network.py` to import the model with gnnc and
print its gnn IR.
"""

from __future__ import annotations

import os
from pathlib import Path

import torch
from torch_geometric.data import Data

from gnnc.demo.interaction_network import (  # noqa: F401 (re-exported for the examples and tests)
    EDGE_FEATURES,
    EDGE_OUT,
    NODE_FEATURES,
    InteractionNetwork,
    ObjectModel,
    RelationalModel,
)
from gnnc.demo.trackml_format import load_graphs


def default_data_dir() -> Path:
    env = os.environ.get("GNNC_TRACKML_DIR")
    if env:
        return Path(env)
    return Path(__file__).resolve().parents[1].parent / "shared" / "data" / "trackml-in"


def load_tracking_in(
    aggr: str = "add",
    flow: str = "source_to_target",
    hidden: int = 40,
    data_dir: str | Path | None = None,
) -> InteractionNetwork:
    """The trained IN for (aggr, flow, hidden), in eval mode."""
    data_dir = Path(data_dir) if data_dir is not None else default_data_dir()
    path = data_dir / "trained_models" / f"IN_pyg_small_{aggr}_{flow}_{hidden}_state_dict.pt"
    if not path.is_file():
        raise FileNotFoundError(f"no trained Interaction Network at {path}")
    model = InteractionNetwork(aggr=aggr, flow=flow, hidden_size=hidden)
    model.load_state_dict(torch.load(path, map_location="cpu", weights_only=True))
    return model.eval()


def load_trackml_graphs(data_dir: str | Path | None = None) -> list[Data]:
    """The sector graphs, sorted by file name; edge_attr transposed to [E, 4]."""
    data_dir = Path(data_dir) if data_dir is not None else default_data_dir()
    return load_graphs(data_dir / "graphs")


def main() -> None:
    from gnnc.frontend import import_model

    graphs = load_trackml_graphs()
    model = load_tracking_in("add", "source_to_target", 8)
    imported = import_model(model, graphs[0])
    print(imported.module)


if __name__ == "__main__":
    main()
