"""Compile/write time and g++ C-simulation build time, gnnc against hls4ml, in one process.

    python bench/compile_and_csim.py [--repeat 3]

hls4ml cannot convert message passing at all, so the peer is the largest part of the tracking
Interaction Network it can take: the edge network R1 (Linear 10->H, ReLU, Linear H->H, ReLU,
Linear H->4) as an nn.Sequential, at the same precision. gnnc compiles the whole IN (three
MLPs, gathers, aggregation, sigmoid; capacity 128 x 256). Ratios > 1 mean gnnc takes longer.

Needs the full hls4ml (`pip install hls4ml==1.3.0`, which brings h5py and quantizers) and the
TrackML data beside the repository.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "examples"))

from interaction_network import load_trackml_graphs, load_tracking_in  # noqa: E402

import gnnc  # noqa: E402


def time_gnnc(hidden: int, graphs, work: Path) -> dict[str, float]:
    model = load_tracking_in("add", "source_to_target", hidden)
    config = {"graph": {"max_nodes": 128, "max_edges": 256}, "precision": {"default": "fixed<16,8>"}}
    start = time.perf_counter()
    design = gnnc.compile(model, graphs[0], config)
    compiled = time.perf_counter()
    design.write(work / f"gnnc_H{hidden}", force=True)
    written = time.perf_counter()
    import os

    os.environ["GNNC_CACHE_DIR"] = str(work / f"cache_H{hidden}_{time.time_ns()}")  # force a real build
    design.csim(graphs[0])
    return {
        "compile+write": written - start,
        "compile": compiled - start,
        "csim build": design.timings["csim_build_s"],
    }


def time_hls4ml(hidden: int, work: Path) -> dict[str, float]:
    import hls4ml
    import torch.nn as nn

    model = load_tracking_in("add", "source_to_target", hidden).R1.layers
    assert isinstance(model, nn.Sequential)
    start = time.perf_counter()
    config = hls4ml.utils.config_from_pytorch_model(
        model, input_shape=(10,), default_precision="ap_fixed<16,8>", backend="Vitis"
    )
    hls_model = hls4ml.converters.convert_from_pytorch_model(
        model, hls_config=config, output_dir=str(work / f"hls4ml_H{hidden}_{time.time_ns()}"),
        backend="Vitis", io_type="io_parallel",
    )
    hls_model.write()
    written = time.perf_counter()
    hls_model.compile()
    built = time.perf_counter()
    return {"compile+write": written - start, "csim build": built - written}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    graphs = load_trackml_graphs()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        print("| H | measure | gnnc, whole IN (s) | hls4ml, R1 MLP only (s) | ratio gnnc/hls4ml |")
        print("|---|---|---|---|---|")
        for hidden in (8, 40):
            ours = [time_gnnc(hidden, graphs, work) for _ in range(args.repeat)]
            peer = [time_hls4ml(hidden, work) for _ in range(args.repeat)]
            for key in ("compile+write", "csim build"):
                a = statistics.median(r[key] for r in ours)
                b = statistics.median(r[key] for r in peer)
                print(f"| {hidden} | {key} | {a:.2f} | {b:.2f} | {a / b:.2f} |")


if __name__ == "__main__":
    main()
