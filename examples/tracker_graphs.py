"""
Tracker-sized graphs for trying graph partitioning (design.partition) at a small capacity.

- `tracker_event`: one connected synthetic event: hits on `layers` barrel layers, uniform in
  phi and z, an edge from each hit to every hit of the next layer within a phi and z window
  (the way hit graphs are built), features as in the TrackML sector graphs: x = (r, phi/pi, z)
  and edge_attr = (dr, dphi, dz, dR).
- `sector_union`: the TrackML sector graphs repeated and joined into one disjoint graph.
"""

from __future__ import annotations

import numpy as np
import torch
from torch_geometric.data import Data

RADII = (0.032, 0.072, 0.116, 0.172, 0.26, 0.36, 0.5, 0.66, 0.82, 1.02)  # scaled like the TrackML x[:, 0]


def tracker_event(hits: int = 20_000, layers: int = 8, phi_window: float = 0.0053, z_window: float = 0.1,
                  seed: int = 0) -> Data:
    """About 22,700 edges with the defaults (hits/layers per layer, phi in units of pi)."""
    rng = np.random.default_rng(seed)
    per_layer = hits // layers
    r = np.repeat(np.asarray(RADII[:layers]), per_layer)
    phi = rng.uniform(-1.0, 1.0, r.size)
    z = rng.uniform(-1.0, 1.0, r.size)
    sources, targets = [], []
    for layer in range(layers - 1):
        inner = np.arange(layer * per_layer, (layer + 1) * per_layer)
        outer = np.arange((layer + 1) * per_layer, (layer + 2) * per_layer)
        outer = outer[np.argsort(phi[outer])]
        lo = np.searchsorted(phi[outer], phi[inner] - phi_window)
        hi = np.searchsorted(phi[outer], phi[inner] + phi_window)
        count = hi - lo
        src = np.repeat(inner, count)
        dst = outer[np.repeat(lo, count) + np.arange(count.sum()) - np.repeat(np.cumsum(count) - count, count)]
        keep = np.abs(z[src] - z[dst]) < z_window
        sources.append(src[keep])
        targets.append(dst[keep])
    edge_index = np.stack([np.concatenate(sources), np.concatenate(targets)])
    x = np.stack([r, phi, z], axis=1)
    d = x[edge_index[1]] - x[edge_index[0]]
    edge_attr = np.concatenate([d, np.hypot(d[:, 1:2], d[:, 2:3])], axis=1)
    return Data(x=torch.from_numpy(x).float(), edge_index=torch.from_numpy(edge_index).long(),
                edge_attr=torch.from_numpy(edge_attr).float())


def sector_union(graphs: list[Data], copies: int = 1) -> Data:
    """`copies` times every graph, as one graph with disjoint components."""
    xs, eis, eas, offset = [], [], [], 0
    for _ in range(copies):
        for g in graphs:
            xs.append(g.x)
            eis.append(g.edge_index + offset)
            eas.append(g.edge_attr)
            offset += g.num_nodes
    return Data(x=torch.cat(xs), edge_index=torch.cat(eis, dim=1), edge_attr=torch.cat(eas))
