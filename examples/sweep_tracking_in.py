"""
A design-space sweep of the tracking IN on Dask (docs/sweep.md): bit width 6..16 x (strategy
latency with reuse factor 1/2/4/8, or distributed_arithmetic, whose adder graphs take reuse 1
only) at a 28 x 56 capacity, emulated on the 10 TrackML graphs, H = 8 and 40.

    python examples/sweep_tracking_in.py --out out/sweep_in [--workers 2] [--hidden 8 40]

Prints the Pareto points (accuracy against each resource and the latency) as a Markdown
table and writes per model a folder with the points, sweep.csv and pareto.png. A rerun on the
same folder computes nothing new.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from interaction_network import load_trackml_graphs, load_tracking_in

import gnnc

# Integer bits: 5 holds every trained weight (|w| < 16); wider types give the extra bits to
# the integer part up to Elabd et al.'s fixed<16,8>.
WIDTHS = range(6, 17)
KNOBS = [{"strategy": "latency", "reuse_factor": r} for r in (1, 2, 4, 8)] + [{"strategy": "distributed_arithmetic"}]
SPACE = {"points": [{"precision.default": f"fixed<{w},{max(5, w // 2)}>"} | knobs for w in WIDTHS for knobs in KNOBS]}
CONFIG = {"graph": {"max_nodes": 28, "max_edges": 56}}
COLUMNS = ("efficiency", "purity", "accuracy", "est_dsp", "est_lut", "est_ff", "est_bram_18k", "est_latency_ns")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=Path("out/sweep_in"))
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--hidden", type=int, nargs="+", default=[8, 40])
    args = parser.parse_args()
    graphs = load_trackml_graphs()
    print("| H | precision | strategy | reuse | " + " | ".join(c.removeprefix("est_") for c in COLUMNS) + " | front of |")
    print("|---" * (len(COLUMNS) + 5) + "|")
    for hidden in args.hidden:
        model = load_tracking_in("add", "source_to_target", hidden)
        start = time.perf_counter()
        result = gnnc.sweep(model, graphs, SPACE, CONFIG, out_dir=args.out / f"H{hidden}", workers=args.workers)
        wall = time.perf_counter() - start
        for row in result.rows:
            fronts = [k.removeprefix("front_") for k, v in row.items() if k.startswith("front_") and v and k != "front_all"]
            if fronts:
                cells = " | ".join(_fmt(row.get(c)) for c in COLUMNS)
                print(f"| {hidden} | `{row['cfg.precision.default']}` | {row.get('cfg.strategy', 'latency')} | {row.get('cfg.reuse_factor', 1)} | {cells} | "
                      f"{', '.join(fronts)} |")
        best = result.best()
        print(f"\nH={hidden}: {len(result.rows)} points, {result.computed} computed, {wall:.1f} s wall with "
              f"{args.workers} worker(s); best that fits: {best['label']} (accuracy {best['accuracy']:.4f}); "
              f"{result.files.get('plot')}\n", flush=True)


def _fmt(v) -> str:
    if isinstance(v, float):
        return f"{v:.4f}" if v < 10 else f"{v:,.0f}"
    return f"{v:,}" if isinstance(v, int) else str(v)


if __name__ == "__main__":
    main()
