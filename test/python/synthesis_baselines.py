"""Real synthesis results (test/python/data/synthesis_baselines.json) against gnnc's estimate.

    python test/python/synthesis_baselines.py     # the error table of docs/estimate.md

Each case is reproduced in gnnc: the same layers, precision, reuse and part, weights drawn
from the same distribution (the baselines' own weights are random and not published)."""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path

import torch

import gnnc
from gnnc.report import relative_error

DATA = Path(__file__).parent / "data" / "synthesis_baselines.json"
GOALS = {"dsp": 0.25, "lut": 0.40, "ff": 0.40, "bram_18k": 0.25}  # relative error where the structure matches


class DenseActivation(torch.nn.Module):
    """hls4ml's test_activations layers, applied to every node: Dense(64) on one input, then the activation."""

    def __init__(self, activation: str):
        super().__init__()
        self.lin = torch.nn.Linear(1, 64)
        self.act = {"relu": torch.nn.ReLU(), "sigmoid": torch.nn.Sigmoid()}[activation]
        with torch.no_grad():  # Keras lecun_uniform on fan_in 1, zero bias
            self.lin.weight.uniform_(-math.sqrt(3.0), math.sqrt(3.0))
            self.lin.bias.zero_()

    def forward(self, x, edge_index):
        return self.act(self.lin(x))


def cases() -> list[dict]:
    return json.loads(DATA.read_text())["cases"]


def estimate(case: dict) -> dict:
    torch.manual_seed(0)
    model = DenseActivation(case["activation"]).eval()
    example = (torch.rand(2, 1), torch.tensor([[0, 1], [1, 0]]))
    backend = "oneapi" if case["tool"].startswith("oneAPI") else "vitis"
    config = {"precision": "fixed<16,6>", "part": case["part"], "backend": backend,
              "io": case.get("io", "parallel"), "graph": {"max_nodes": 1, "max_edges": 1}}
    return gnnc.compile(model, example, config).estimate()["total"]


def errors(case: dict, total: dict) -> dict[str, float]:
    return {m: relative_error(total[m], act) for m, act in case["actual"].items() if m in GOALS}


def table() -> str:
    metrics = ("dsp", "lut", "ff", "bram_18k", "latency_cycles", "ii")
    lines = ["| case | " + " | ".join(metrics) + " |", "|---|" + "---|" * len(metrics)]
    for case in cases():
        total = estimate(case)
        cells = []
        for m in metrics:
            act = case["actual"].get(m)
            if act is None:
                cells.append("-")
                continue
            err = relative_error(total[m], act)
            cells.append(f"{total[m]:,} / {act:,} ({'inf' if math.isinf(err) else f'{100 * err:.0f} %'})")
        lines.append(f"| {case['id']} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(print(table()))
