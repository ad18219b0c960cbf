"""Graph segments (hardware runs) and split time, gnnc against the previous algorithm, in one process.

    python bench/partition.py [--hidden 8] [--max-nodes 128] [--max-edges 256] [--repeat 3]

The tracking Interaction Network (trained weights, fixed<16,8>) compiled at max_nodes x
max_edges, split on three ~20,000-edge graphs:

* a tracker-like event (examples/tracker_graphs.py: 8 layers, 20,000 hits, edges in phi and
  z windows);
* a union of TrackML sector graphs (the 10 stored ones repeated 16 times, disjoint);
* a random graph (10,000 nodes, 20,000 uniformly random edges).

Printed per graph: segments and best-of-`--repeat` split time for gnnc's `partition` and for
the algorithm before this change (gnnc/partition.py at commit BEFORE, loaded from git), with
the lower bounds of gnnc.segment_bounds: the edge bound ceil(E / max_edges), the needed-rows
bound and the halo-aware bound (every segment count is >= each). Both splits are checked
exact: emulating the graph through the segments equals the graph at a capacity that holds it.
"""

from __future__ import annotations

import argparse
import importlib.util
import subprocess
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import torch

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "examples"))

from interaction_network import load_trackml_graphs, load_tracking_in  # noqa: E402
from tracker_graphs import sector_union, tracker_event  # noqa: E402

import gnnc  # noqa: E402
from gnnc import emulator  # noqa: E402
from gnnc.partition import partition, segment_inputs, stitch  # noqa: E402
from gnnc.segment_bounds import lower_bounds  # noqa: E402
from torch_geometric.data import Data  # noqa: E402

BEFORE = "f6c2e28"  # the last commit with the breadth-first, one-halo-at-a-time partitioner


def previous_partition():
    source = subprocess.run(["git", "-C", str(REPO), "show", f"{BEFORE}:gnnc/partition.py"],
                            capture_output=True, text=True, check=True).stdout
    path = Path("/tmp") / f"gnnc_partition_{BEFORE}.py"
    path.write_text(source)
    spec = importlib.util.spec_from_file_location(f"partition_{BEFORE}", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up
    spec.loader.exec_module(module)
    return module.partition


def random_graph(nodes: int = 10_000, edges: int = 20_000, seed: int = 0) -> Data:
    g = torch.Generator().manual_seed(seed)
    return Data(x=torch.rand(nodes, 3, generator=g), edge_index=torch.randint(0, nodes, (2, edges), generator=g),
                edge_attr=torch.rand(edges, 4, generator=g))


def best(repeat: int, run):
    times, out = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        out = run()
        times.append(time.perf_counter() - start)
    return min(times), out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--hidden", type=int, default=8)
    ap.add_argument("--max-nodes", type=int, default=128)
    ap.add_argument("--max-edges", type=int, default=256)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    sectors = load_trackml_graphs()
    model = load_tracking_in("add", "source_to_target", args.hidden)
    cap = {"max_nodes": args.max_nodes, "max_edges": args.max_edges}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # resource warnings of the large check design
        design = gnnc.compile(model, sectors[0], {"graph": cap, "precision": "fixed<16,8>"})
    module = design.module("fixed")
    before = previous_partition()
    graphs = {"tracker event": tracker_event(), "16 x 10 TrackML sectors": sector_union(sectors, 16),
              "random": random_graph()}
    print(f"IN H={args.hidden}, capacity {args.max_nodes} x {args.max_edges}, best of {args.repeat}")
    print(f"{'graph':<24} {'E':>6} {'edge bd':>7} {'needed bd':>9} {'halo bd':>7} | {'gnnc':>5} {'s':>6} "
          f"{'x edge bd':>9} {'x halo bd':>9} | {'before':>6} {'s':>6} {'x edge bd':>9}")
    for name, g in graphs.items():
        inputs = design._imported.bind(g)
        bounds = lower_bounds(module, inputs, args.max_nodes, args.max_edges)
        new_s, new = best(args.repeat, lambda: partition(module, inputs, args.max_nodes, args.max_edges))
        old_s, old = best(1 if name == "random" else args.repeat,
                          lambda: before(module, inputs, args.max_nodes, args.max_edges))
        whole = emulator.run(module, inputs, fixed=True)[0]
        for segs in (new, old):
            parts = [emulator.run(module, segment_inputs(module, inputs, s), fixed=True) for s in segs]
            assert np.array_equal(stitch(module, inputs, segs, parts)[0], whole), name
        edge_bound, halo_bound = bounds["edges"], bounds["halo"]
        print(f"{name:<24} {g.num_edges:>6} {edge_bound:>7} {bounds['needed']:>9} {halo_bound:>7} | "
              f"{len(new):>5} {new_s:>6.2f} {len(new) / edge_bound:>9.2f} {len(new) / halo_bound:>9.2f} | "
              f"{len(old):>6} {old_s:>6.2f} {len(old) / edge_bound:>9.2f}")


if __name__ == "__main__":
    main()
