"""
JEDI-net (examples/jet_tagging.py) on a VU9P (docs/fit.md): one jet of up to 16 or 30 particles
with 16 features, fully connected (240 / 870 ordered pairs), the edge MLP f_R on every pair,
summed onto the receiver, the node MLP f_O, summed over the particles, the classifier phi_O.
Per capacity, the estimate of the fully parallel latency design, the same with every dense as
distributed arithmetic (0 DSP), distributed arithmetic at 16 edges and 4 nodes per cycle (set
by hand), and the design `gnnc.fit` chooses at 80 % utilization, with the search's time.

    python examples/fit_jedi_net.py [--particles 16 30] [--utilization 0.8]

Prints a Markdown table. Estimate only: nothing is compiled with g++. Weights are random
(seed 0): the design's size does not depend on their values beyond the adder graphs.
"""

from __future__ import annotations

import argparse
import warnings

import torch
from fit_tracking_in import knobs_cell
from jet_tagging import PARTICLE_FEATURES, JediNet, random_jets

import gnnc

PART = "xcvu9p-flga2104-2L-e"


def jedi_config(particles: int) -> dict:
    """One jet per call: capacity `particles` nodes and all their ordered pairs."""
    return {"part": PART, "graph": {"max_nodes": particles, "max_edges": particles * (particles - 1)}}


def jedi_model() -> JediNet:
    torch.manual_seed(0)
    return JediNet(probabilities=False).eval()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--particles", type=int, nargs="+", default=[16, 30])
    parser.add_argument("--utilization", type=float, default=0.8)
    args = parser.parse_args()
    print("| particles | design | DSP | LUT | FF | BRAM 18K | latency (cycles) | latency (ns) | II | search |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for particles in args.particles:
        for name, t, search in _rows(particles, args.utilization):
            keys = ("dsp", "lut", "ff", "bram_18k", "latency_cycles", "latency_ns", "ii")
            cells = " | ".join(f"{t[k]:,}" for k in keys) if t is not None else " | ".join("-" * len(keys))
            print(f"| {particles} | {name} | {cells} | {search} |", flush=True)


def _rows(particles: int, utilization: float) -> list:
    """(design, estimate totals or None, search) for one capacity."""
    model = jedi_model()
    jet = random_jets([particles], PARTICLE_FEATURES)
    example = (jet.x, jet.edge_index)
    base = jedi_config(particles)
    with warnings.catch_warnings():  # the unfitted designs need more than the part: that is the point
        warnings.simplefilter("ignore", gnnc.ResourceWarning)
        rows = [("latency", gnnc.compile(model, example, base).estimate()["total"], ""),
                ("distributed_arithmetic",
                 gnnc.compile(model, example, base | {"strategy": "distributed_arithmetic"}).estimate()["total"], "")]
        rows.append(("distributed_arithmetic, parallelism edges 16, nodes 4 (by hand)",
                     gnnc.compile(model, example, base | {"strategy": "distributed_arithmetic",
                                                          "parallelism": {"edges": 16, "nodes": 4}}).estimate()["total"],
                     ""))
    try:
        fitted = gnnc.fit(model, example, base | {"fit": {"utilization": utilization}})
        f = fitted.fit
        rows.append((f"fitted: {knobs_cell(f.knobs)}", f.estimate,
                     f"{f.method}, {f.points_evaluated} points, {f.seconds:.1f} s"))
    except gnnc.FitError as err:
        rows.append(("fitted", None, str(err)))
    return rows


if __name__ == "__main__":
    main()
