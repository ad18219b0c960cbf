"""Train the demo's Interaction Network on the synthetic detector and save the checkpoint
shipped with gnnc (gnnc/demo/tracking_in_h8.pt):

    python -m gnnc.demo.train [--out gnnc/demo/tracking_in_h8.pt] [--epochs 100]

Training, validation and the demo's own graphs come from different seeds, so the figures
printed at the end (and by `gnnc demo`) are on graphs the model never saw. A few minutes on
2 CPU cores; deterministic for the same arguments (torch's CPU kernels, one thread).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import torch
from torch_geometric.data import Batch

from gnnc.demo.detector import generate
from gnnc.demo.interaction_network import InteractionNetwork
from gnnc.demo.metrics import efficiency_purity

HIDDEN = 8
CHECKPOINT = Path(__file__).with_name("tracking_in_h8.pt")
# Separate random streams: the model never sees the validation graphs or the demo's.
TRAIN_SEED, VALIDATION_SEED, DEMO_SEED = 1, 2, 3


def load_checkpoint(path: str | Path = CHECKPOINT) -> InteractionNetwork:
    """The shipped (or a freshly trained) demo model, in eval mode."""
    model = InteractionNetwork("add", "source_to_target", hidden_size=HIDDEN)
    model.load_state_dict(torch.load(path, map_location="cpu", weights_only=True))
    return model.eval()


def evaluate(model: InteractionNetwork, graphs: list) -> tuple[float, float]:
    with torch.no_grad():
        scores = [model(g).numpy() for g in graphs]
    return efficiency_purity(scores, [g.y.numpy() for g in graphs])


def train(epochs: int, n_train: int, batch: int, lr: float, seed: int, log=print) -> InteractionNetwork:
    torch.manual_seed(seed)
    graphs = [g for g, _ in generate(n_train, seed=TRAIN_SEED)]
    validation = [g for g, _ in generate(50, seed=VALIDATION_SEED)]
    model = InteractionNetwork("add", "source_to_target", hidden_size=HIDDEN)
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    schedule = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, epochs)
    loss_fn = torch.nn.BCELoss()
    order = torch.Generator().manual_seed(seed)
    for epoch in range(epochs):
        model.train()
        total = 0.0
        perm = torch.randperm(n_train, generator=order).tolist()
        for start in range(0, n_train, batch):
            data = Batch.from_data_list([graphs[i] for i in perm[start:start + batch]])
            optimizer.zero_grad()
            loss = loss_fn(model(data).reshape(-1), data.y)
            loss.backward()
            optimizer.step()
            total += loss.item() * data.num_graphs
        schedule.step()
        model.eval()
        eff, pur = evaluate(model, validation)
        log(f"epoch {epoch + 1:3d}  loss {total / n_train:.4f}  validation efficiency {eff:.4f} purity {pur:.4f}")
    return model.eval()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(CHECKPOINT), help="checkpoint (state_dict) to write")
    parser.add_argument("--epochs", type=int, default=100)
    parser.add_argument("--graphs", type=int, default=800, help="training graphs")
    parser.add_argument("--batch", type=int, default=8)
    parser.add_argument("--lr", type=float, default=0.02)
    parser.add_argument("--seed", type=int, default=0, help="torch's seed (initial weights, batch order)")
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    start = time.perf_counter()
    model = train(args.epochs, args.graphs, args.batch, args.lr, args.seed)
    torch.save(model.state_dict(), args.out)
    held_out = [g for g, _ in generate(100, seed=DEMO_SEED)]
    eff, pur = evaluate(model, held_out)
    print(f"wrote {args.out} after {time.perf_counter() - start:.0f} s; on 100 held-out graphs "
          f"(seed {DEMO_SEED}) at 0.5: efficiency {eff:.4f}, purity {pur:.4f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
