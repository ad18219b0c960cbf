"""
The tracking IN fitted to a VU9P (docs/fit.md): per hidden size and capacity, the estimate of
the fully parallel latency design, the same with every dense as distributed arithmetic, and
the design `gnnc.fit` chooses at 80 % utilization, with the search's time.

    python examples/fit_tracking_in.py [--hidden 8 40] [--capacity 28x56 128x256] [--utilization 0.8]
                                       [--csim vitis oneapi]

Prints a Markdown table. The search is estimate only; with --csim each fitted design is then
built with g++ per backend (one build, all graphs) and its C simulation of the 10 TrackML
graphs (in segments of the capacity) is compared with the emulator, value for value.
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
    parser.add_argument("--csim", nargs="*", default=[], choices=["vitis", "oneapi"],
                        help="C-simulate each fitted design on the TrackML graphs against emulate")
    args = parser.parse_args()
    graphs = load_trackml_graphs()
    graph = graphs[0]
    checks = []
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
                checks += [(hidden, capacity, fitted, backend) for backend in args.csim]
            except gnnc.FitError as err:
                rows.append(("fitted", None, str(err)))
            for name, t, search in rows:
                cells = (" | ".join(f"{t[k]:,}" for k in ("dsp", "lut", "ff", "bram_18k", "latency_cycles", "ii"))
                         if t is not None else " | ".join("-" * 6))
                print(f"| {hidden} | {capacity} | {name} | {cells} | {search} |", flush=True)
    for hidden, capacity, fitted, backend in checks:
        print(f"H={hidden} {capacity} fitted, {backend} csim: {csim_check(fitted, graphs, backend)}", flush=True)


def csim_check(design: gnnc.Design, graphs: list, backend: str) -> str:
    """The C simulation of the graphs against the emulator, as one line: values compared, mismatches."""
    args = [(g,) for g in graphs]
    simulated = design.csim_many(args, backend=backend)
    emulated = [out if isinstance(out, tuple) else (out,) for out in design.emulate(list(graphs))]
    values = sum(out.size for outs in emulated for out in outs)
    wrong = sum(int((a != b).sum()) for s_outs, e_outs in zip(simulated, emulated)
                for a, b in zip(s_outs, e_outs))
    return f"{len(graphs)} graphs, {values:,} output values, {wrong} differ from emulate"


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
