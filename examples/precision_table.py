"""
Efficiency and purity of the tracking IN at several precisions (the table of docs/precision.md).

    python examples/precision_table.py [--hidden 8 40] [--auto-widths 16 12 10 8]

Uniform types come from `precision.default`; `auto` rows from `gnnc.calibrate` on graphs
0-4. Scores are the emulator's, which is bit-exact with the generated C++.
"""

from __future__ import annotations

import argparse

from interaction_network import load_trackml_graphs, load_tracking_in
from tracking_metrics import efficiency_purity

import gnnc
from gnnc.frontend import torch_forward

GRAPH = {"max_nodes": 128, "max_edges": 256}
UNIFORM = ["fixed<16,8>", "fixed<16,6>", "fixed<12,6>", "fixed<10,5>", "fixed<8,4>"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--hidden", type=int, nargs="+", default=[8, 40])
    parser.add_argument("--auto-widths", type=int, nargs="*", default=[16, 12, 10, 8])
    parser.add_argument("--margin-bits", type=int, default=1)
    args = parser.parse_args()
    graphs = load_trackml_graphs()
    truths = [g.y.numpy() for g in graphs]
    print("| H | precision | efficiency | purity |\n|---|---|---|---|")
    for hidden in args.hidden:
        model = load_tracking_in("add", "source_to_target", hidden)
        rows = [("float (torch)", [torch_forward(model, g)[0] for g in graphs])]
        for p in UNIFORM:
            design = gnnc.compile(model, graphs[0], {"graph": GRAPH, "precision": p})
            rows.append((f"`{p}`", [design.emulate(g) for g in graphs]))
        for width in args.auto_widths:
            cal = gnnc.calibrate(model, graphs[:5], {"graph": GRAPH}, width=width, margin_bits=args.margin_bits)
            rows.append((f"auto, {width} bits", [cal.design.emulate(g) for g in graphs]))
        for name, scores in rows:
            eff, pur = efficiency_purity(scores, truths)
            print(f"| {hidden} | {name} | {eff:.4f} | {pur:.4f} |", flush=True)


if __name__ == "__main__":
    main()
