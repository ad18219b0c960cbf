"""
Jet taggers with a graph-level output, the L1-trigger use of GNNs on FPGAs: a JEDI-net-style
interaction network and a ParticleNet-style EdgeConv network, each pooled to one row per jet.

* `JediNet` (Moreno et al., arXiv 1908.05318): a fully connected interaction network over the
  particles of one jet (an edge MLP on every ordered pair, summed onto the receiver, a node
  MLP), summed over the particles, then a classifier MLP and a softmax. `JediNetBatched` is the same model
  on a PyG batch of jets (`global_add_pool(x, batch)`).
* `ParticleNetLite` (Qu & Gouskos, arXiv 1902.08570): EdgeConv blocks with a shortcut on a
  k-nearest-neighbour graph, then `global_mean_pool(x, batch)` and a classifier. ParticleNet
  recomputes the kNN graph inside the model (DynamicEdgeConv, torch_cluster); here it is built
  on the host (`knn_graph`) and passed as edge_index, which is what an FPGA design can take.

`probabilities=False` leaves the final softmax out (class scores instead of probabilities).

Weights are random: the examples show what compiles and that it is exact, not a physics result.

    python examples/jet_tagging.py          # compile both, compare float / fixed / C simulation
"""

from __future__ import annotations

import torch
from torch import Tensor, nn
from torch_geometric.data import Batch, Data
from torch_geometric.nn import EdgeConv, MessagePassing, global_add_pool, global_mean_pool

PARTICLE_FEATURES = 16  # JEDI-net's per-particle inputs (the hls4ml jet data set has 16)
CLASSES = 5  # g, q, W, Z, t


def mlp(*sizes: int) -> nn.Sequential:
    """Linear layers with ReLU between them (none after the last)."""
    layers: list[nn.Module] = []
    for a, b in zip(sizes[:-1], sizes[1:]):
        layers += [nn.Linear(a, b), nn.ReLU()]
    return nn.Sequential(*layers[:-1])


class _Interaction(MessagePassing):
    """f_R of JEDI-net on every (receiver, sender) pair, summed onto the receiver."""

    def __init__(self, features: int, hidden: int):
        super().__init__(aggr="add")
        self.f_r = nn.Sequential(mlp(2 * features, hidden, hidden), nn.ReLU())

    def forward(self, x: Tensor, edge_index: Tensor) -> Tensor:
        return self.propagate(edge_index, x=x)

    def message(self, x_i: Tensor, x_j: Tensor) -> Tensor:
        return self.f_r(torch.cat([x_i, x_j], dim=1))


class JediNet(nn.Module):
    """One jet per call: particles [N, P], a fully connected edge_index; class scores [C]."""

    def __init__(self, features: int = PARTICLE_FEATURES, hidden: int = 8, classes: int = CLASSES,
                 probabilities: bool = True):
        super().__init__()
        self.probabilities = probabilities
        self.interaction = _Interaction(features, hidden)
        self.f_o = nn.Sequential(mlp(features + hidden, hidden, hidden), nn.ReLU())
        self.phi_o = mlp(hidden, hidden, classes)

    def particles(self, x: Tensor, edge_index: Tensor) -> Tensor:
        effects = self.interaction(x, edge_index)
        return self.f_o(torch.cat([x, effects], dim=1))

    def classify(self, pooled: Tensor) -> Tensor:
        scores = self.phi_o(pooled)
        return torch.softmax(scores, dim=-1) if self.probabilities else scores

    def forward(self, x: Tensor, edge_index: Tensor) -> Tensor:
        return self.classify(self.particles(x, edge_index).sum(0))


class JediNetBatched(JediNet):
    """A PyG batch of jets per call: scores [G, C], one row per jet."""

    def forward(self, x: Tensor, edge_index: Tensor, batch: Tensor) -> Tensor:
        return self.classify(global_add_pool(self.particles(x, edge_index), batch))


class ParticleNetLite(nn.Module):
    """EdgeConv blocks (mean aggregation, shortcut) on a kNN graph, mean-pooled per jet."""

    def __init__(self, features: int = 4, hidden: int = 8, classes: int = 2, probabilities: bool = True):
        super().__init__()
        self.probabilities = probabilities
        self.conv1 = EdgeConv(mlp(2 * features, hidden, hidden), aggr="mean")
        self.shortcut1 = nn.Linear(features, hidden)
        self.conv2 = EdgeConv(mlp(2 * hidden, hidden, hidden), aggr="mean")
        self.classifier = mlp(hidden, hidden, classes)

    def forward(self, x: Tensor, edge_index: Tensor, batch: Tensor) -> Tensor:
        x = torch.relu(self.conv1(x, edge_index) + self.shortcut1(x))
        x = torch.relu(self.conv2(x, edge_index) + x)
        scores = self.classifier(global_mean_pool(x, batch))
        return torch.softmax(scores, dim=-1) if self.probabilities else scores


def fully_connected(n: int) -> Tensor:
    """edge_index of every ordered pair of distinct particles: n (n - 1) edges."""
    i, j = torch.meshgrid(torch.arange(n), torch.arange(n), indexing="ij")
    keep = i != j
    return torch.stack([j[keep], i[keep]])


def knn_graph(pos: Tensor, k: int) -> Tensor:
    """edge_index from each particle's k nearest neighbours (in `pos`) to it: n k edges."""
    d = torch.cdist(pos, pos)
    d.fill_diagonal_(float("inf"))
    neighbours = d.topk(k, largest=False).indices
    return torch.stack([neighbours.reshape(-1), torch.arange(pos.shape[0]).repeat_interleave(k)])


def random_jets(sizes: list[int], features: int, k: int | None = None, seed: int = 0) -> Batch:
    """A PyG batch of jets of the given particle counts: fully connected, or kNN (in the
    first two features) with k neighbours."""
    gen = torch.Generator().manual_seed(seed)
    jets = []
    for n in sizes:
        x = torch.randn(n, features, generator=gen)
        jets.append(Data(x=x, edge_index=fully_connected(n) if k is None else knn_graph(x[:, :2], k)))
    return Batch.from_data_list(jets)


def main() -> None:
    import shutil

    import numpy as np

    import gnnc
    from gnnc.frontend import torch_forward

    torch.manual_seed(0)
    cases = [
        ("JEDI-net, one jet", JediNet(), random_jets([20], PARTICLE_FEATURES), False,
         {"graph": {"max_nodes": 30, "max_edges": 30 * 29}}),
        ("JEDI-net, batch of jets", JediNetBatched(), random_jets([16, 20, 25], PARTICLE_FEATURES), True,
         {"graph": {"max_nodes": 64, "max_edges": 1500, "max_graphs": 4}}),
        ("ParticleNet-style", ParticleNetLite(), random_jets([12, 9, 15, 10], 4, k=4), True,
         {"graph": {"max_nodes": 48, "max_edges": 192, "max_graphs": 4}}),
    ]
    for title, model, jets, batched, config in cases:
        model.eval()
        args = (jets.x, jets.edge_index, jets.batch) if batched else (jets.x, jets.edge_index)
        design = gnnc.compile(model, args, config)
        reference = torch_forward(model, *args)[0].reshape(-1, design.emulate(*args).shape[-1])
        floats = np.atleast_2d(design.emulate(*args, fixed=False))
        fixed = np.atleast_2d(design.emulate(*args))
        line = (f"{title}: float vs torch {np.abs(floats - reference).max():.2e}, "
                f"fixed vs float {np.abs(fixed - floats).max():.2e}")
        if shutil.which("g++"):
            line += f", csim == emulate: {np.array_equal(np.atleast_2d(design.csim(*args)), fixed)}"
        print(line)


if __name__ == "__main__":
    main()
