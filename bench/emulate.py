"""Fixed-point emulation throughput against the float torch model, in one process.

    python bench/emulate.py [--graphs 1000] [--repeat 3] [--hidden 40]

The tracking Interaction Network (trained weights, fixed<16,8>, capacity 128 x 256) on
`--graphs` TrackML sector graphs (the 10 stored graphs cycled). Measured, best of `--repeat`:

* gnnc `design.emulate(graphs)`: the list run together (bit-exact fixed point);
* gnnc one graph per call (`design.emulate(g)` in a loop, weights cached on the design);
* torch float32 forward graph by graph, and on the same graphs as one PyG Batch (the Batch is
  built outside the timing).

Ratios > 1 mean gnnc is faster. The script first checks that the list gives exactly the
outputs of the one-by-one calls.
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import torch

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "examples"))

from interaction_network import load_trackml_graphs, load_tracking_in  # noqa: E402

import gnnc  # noqa: E402
from torch_geometric.data import Batch  # noqa: E402  (after gnnc: imports PyG quietly)


def best(repeat: int, run) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--graphs", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--hidden", type=int, default=40)
    args = parser.parse_args()
    stored = load_trackml_graphs()
    graphs = [stored[k % len(stored)] for k in range(args.graphs)]
    model = load_tracking_in("add", "source_to_target", args.hidden)
    config = {"graph": {"max_nodes": 128, "max_edges": 256}, "precision": {"default": "fixed<16,8>"}}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the resource estimate of a fully parallel IN exceeds the part
        design = gnnc.compile(model, stored[0], config)
    together = design.emulate(graphs)
    alone = [design.emulate(g) for g in stored]
    if not all(np.array_equal(a, b) for a, b in zip(together, alone)):
        raise SystemExit("emulate(list) differs from one graph per call")
    batch = Batch.from_data_list(graphs)
    t_list = best(args.repeat, lambda: design.emulate(graphs))
    t_loop = best(args.repeat, lambda: [design.emulate(g) for g in graphs])
    with torch.no_grad():
        t_torch = best(args.repeat, lambda: [model(g) for g in graphs])
        t_batch = best(args.repeat, lambda: model(batch))
    n, e = sum(g.num_nodes for g in graphs), sum(g.num_edges for g in graphs)
    print(f"IN H={args.hidden}, {args.graphs} TrackML graphs ({n} nodes, {e} edges), best of {args.repeat}, "
          f"torch {torch.get_num_threads()} threads")
    print("| measure | seconds | graphs/s | ratio (peer time / gnnc time) |")
    print("|---|---|---|---|")
    print(f"| gnnc emulate(list), fixed point | {t_list:.3f} | {args.graphs / t_list:,.0f} | - |")
    print(f"| gnnc emulate one graph per call | {t_loop:.3f} | {args.graphs / t_loop:,.0f} | "
          f"{t_loop / t_list:.2f} (list vs loop) |")
    print(f"| torch float, graph by graph | {t_torch:.3f} | {args.graphs / t_torch:,.0f} | {t_torch / t_list:.2f} |")
    print(f"| torch float, one Batch | {t_batch:.3f} | {args.graphs / t_batch:,.0f} | {t_batch / t_list:.2f} |")


if __name__ == "__main__":
    main()
