"""Demo: the published tracking Interaction Network, from PyG to a bit-exact Vitis HLS project.

    python examples/tracking_in_demo.py [--hidden 8|40] [--out out/tracking_in] [--force]

Compiles the trained model, writes the HLS project, C-simulates the generated C++ with g++
on all 10 TrackML graphs, and compares it with the emulator (bit for bit) and with torch
(edge-classification efficiency and purity at a 0.5 cut).
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings
from pathlib import Path

import numpy as np
from interaction_network import default_data_dir, load_trackml_graphs, load_tracking_in
from tracking_metrics import efficiency_purity

import gnnc
from gnnc.frontend import torch_forward
from gnnc.tools.gnnc_cli import print_estimate


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hidden", type=int, choices=(8, 40), default=8)
    parser.add_argument("--precision", default="fixed<16,8>")
    parser.add_argument("--out", default="out/tracking_in")
    parser.add_argument("--force", action="store_true", help="replace an existing project directory")
    parser.add_argument("--data", default=None, help="TrackML data directory (default ../shared/data/trackml-in)")
    args = parser.parse_args(argv)

    data_dir = Path(args.data) if args.data else default_data_dir()
    model = load_tracking_in("add", "source_to_target", args.hidden, data_dir)
    graphs = load_trackml_graphs(data_dir)
    config = {
        "graph": {"max_nodes": 128, "max_edges": 256},
        "precision": {"default": args.precision},
        "part": "xcvu9p-flga2104-2L-e",
        "clock_period_ns": 5,
    }

    start = time.perf_counter()
    try:
        with warnings.catch_warnings():  # print_estimate below says it when the design does not fit
            warnings.simplefilter("ignore", gnnc.ResourceWarning)
            design = gnnc.compile(model, graphs[0], config)
        compiled = time.perf_counter()
        project = design.write(args.out, force=args.force)
    except gnnc.GnncError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    written = time.perf_counter()
    print(f"tracking IN, H={args.hidden}, {args.precision}, capacity 128 nodes x 256 edges")
    print(f"compile {compiled - start:.2f} s, write {written - compiled:.2f} s -> {project}")
    print_estimate(design.estimate(), sys.stdout)  # what it costs on the part, before any synthesis

    simulated = design.csim_many([(g,) for g in graphs])
    print(f"g++ C simulation build {design.timings['csim_build_s']:.2f} s (0 = cached)")
    emulated = [design.emulate(g) for g in graphs]
    exact = sum(np.array_equal(s[0], e) for s, e in zip(simulated, emulated))
    reference = [torch_forward(model, g)[0] for g in graphs]
    float_err = max(float(np.abs(design.emulate(g, fixed=False) - r).max()) for g, r in zip(graphs, reference))
    truths = [g.y.numpy() for g in graphs]
    eff_f, pur_f = efficiency_purity(reference, truths)
    eff_q, pur_q = efficiency_purity(emulated, truths)
    print(f"csim == emulate bit for bit on {exact}/{len(graphs)} graphs")
    print(f"float IR vs torch: max |error| {float_err:.2e}")
    print(f"efficiency: float {eff_f:.4f}  fixed {eff_q:.4f}")
    print(f"purity:     float {pur_f:.4f}  fixed {pur_q:.4f}")
    return 0 if exact == len(graphs) else 1


if __name__ == "__main__":
    sys.exit(main())
