"""Demo: the published tracking Interaction Network on the TrackML sample, from PyG to bit-exact
Vitis HLS and oneAPI projects (the flow of `gnnc demo --data`, with a choice of model).

    python examples/tracking_in_demo.py [--hidden 8|40] [--out out/tracking_in] [--force]

Compiles the TrackML-trained model, writes OUT/vitis and OUT/oneapi, C-simulates the generated
C++ with g++ on all 10 TrackML graphs, compares it with the emulator (bit for bit) and reports
edge-classification efficiency and purity at a 0.5 cut for torch, the emulator and each csim.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from interaction_network import default_data_dir, load_trackml_graphs, load_tracking_in

import gnnc
from gnnc.demo.run import PRECISION, run_flow


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hidden", type=int, choices=(8, 40), default=8)
    parser.add_argument("--precision", default=PRECISION)
    parser.add_argument("--out", default="out/tracking_in")
    parser.add_argument("--force", action="store_true", help="replace what an earlier run wrote in OUT")
    parser.add_argument("--data", default=None, help="TrackML data directory (default ../shared/data/trackml-in)")
    args = parser.parse_args(argv)

    data_dir = Path(args.data) if args.data else default_data_dir()
    model = load_tracking_in("add", "source_to_target", args.hidden, data_dir)
    graphs = load_trackml_graphs(data_dir)
    print(f"tracking IN, H={args.hidden}, {len(graphs)} TrackML graphs from {data_dir}")
    try:
        result = run_flow(model, graphs, args.out, precision=args.precision, force=args.force)
    except gnnc.GnncError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    return 0 if result.ok else 1


if __name__ == "__main__":
    sys.exit(main())
