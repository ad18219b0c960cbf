"""
The tracking IN fitted to a VU9P (docs/fit.md): per hidden size and capacity, the estimate of
the fully parallel latency design, the same with every dense as distributed arithmetic, and
the design `gnnc.fit` chooses at 80 % utilization, with the search's time.

    python examples/fit_tracking_in.py [--hidden 8 40] [--capacity 28x56 128x256] [--utilization 0.8]

Prints a Markdown table. Estimate only: nothing is compiled with g++.
"""

from __future__ import annotations

import argparse
import warnings

from interaction_network import load_trackml_graphs, load_tracking_in

import gnnc

PART = "xcvu9p-flga2104-2L-e"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--hidden", type=int, nargs="+", default=[8, 40])
    parser.add_argument("--capacity", nargs="+", default=["28x56", "128x256"])
    parser.add_argument("--utilization", type=float, default=0.8)
    args = parser.parse_args()
    graph = load_trackml_graphs()[0]
    print("| H | capacity | design | DSP | LUT | FF | BRAM 18K | latency (cycles) | II | search |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for hidden in args.hidden:
        model = load_tracking_in("add", "source_to_target", hidden)
        for capacity in args.capacity:
            nodes, edges = (int(v) for v in capacity.split("x"))
            base = {"part": PART, "graph": {"max_nodes": nodes, "max_edges": edges}}
            with warnings.catch_warnings():  # the unfitted designs do not fit: that is the point
                warnings.simplefilter("ignore", gnnc.ResourceWarning)
                rows = [("latency", gnnc.compile(model, graph, base).estimate()["total"], ""),
                        ("distributed_arithmetic",
                         gnnc.compile(model, graph, base | {"strategy": "distributed_arithmetic"}).estimate()["total"],
                         "")]
            try:
                fitted = gnnc.fit(model, graph, base | {"fit": {"utilization": args.utilization}})
                f = fitted.fit
                rows.append((f"fitted: {knobs_cell(f.knobs)}", f.estimate,
                             f"{f.method}, {f.points_evaluated} points, {f.seconds:.1f} s"))
            except gnnc.FitError as err:
                rows.append(("fitted", None, str(err)))
            for name, t, search in rows:
                cells = (" | ".join(f"{t[k]:,}" for k in ("dsp", "lut", "ff", "bram_18k", "latency_cycles", "ii"))
                         if t is not None else " | ".join("-" * 6))
                print(f"| {hidden} | {capacity} | {name} | {cells} | {search} |", flush=True)


def knobs_cell(knobs: dict) -> str:
    """The chosen knobs (design.fit.knobs) in one short table cell."""
    strategy = knobs["strategy"]
    if isinstance(strategy, dict):  # per-op strategies: the default, then the ops
        strategy = strategy["default"] + " (" + ", ".join(f"{k} {v}" for k, v in strategy["ops"].items()) + ")"
    parts = [knobs["io"], strategy]
    if knobs["reuse_factor"]:
        parts.append("reuse " + ", ".join(f"{k}={v}" for k, v in knobs["reuse_factor"].items()))
    if knobs["parallelism"]:
        parallelism = knobs["parallelism"]
        parts.append("rows/cycle " + ", ".join([f"{k} {v}" for k, v in parallelism.items() if k != "ops"]
                                               + [f"{k}={v}" for k, v in parallelism.get("ops", {}).items()]))
    return "; ".join(parts)


if __name__ == "__main__":
    main()
