"""Compile/write time and g++ C-simulation build time, gnnc against hls4ml, in one process.

    python bench/compile_and_csim.py [--repeat 3] [--no-csim]

hls4ml cannot convert message passing at all, so the peer is what of the tracking Interaction
Network it can take: its three MLPs (R1 10->H->H->4, O 7->H->H->3, R2 10->H->H->1, each an
nn.Sequential) converted and written one after the other, at the same precision; the
C-simulation build compares against hls4ml's compile() of R1 alone. gnnc compiles the whole
IN (three MLPs, gathers, aggregation, sigmoid; capacity 128 x 256), warm (the capture cache
holds the model's structure: every compile after the first of a process) and afresh (cache
cleared). Everything runs once untimed first (imports, first export). Best and median of
--repeat runs; ratios (of the best) > 1 mean gnnc takes longer.

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


def time_gnnc(hidden: int, graphs, work: Path, warm: bool = True, csim: bool = True) -> dict[str, float]:
    from gnnc.frontend import capture_cache

    if not warm:
        capture_cache.clear()
    model = load_tracking_in("add", "source_to_target", hidden)  # a new instance: hits by structure
    config = {"graph": {"max_nodes": 128, "max_edges": 256}, "precision": {"default": "fixed<16,8>"}}
    start = time.perf_counter()
    design = gnnc.compile(model, graphs[0], config)
    compiled = time.perf_counter()
    design.write(work / f"gnnc_H{hidden}_{time.time_ns()}")  # a new project, as hls4ml writes
    written = time.perf_counter()
    times = {"compile+write": written - start, "compile": compiled - start}
    if not csim:
        return times
    import os

    os.environ["GNNC_CACHE_DIR"] = str(work / f"cache_H{hidden}_{time.time_ns()}")  # force a real build
    design.csim(graphs[0])
    return times | {"csim build": design.timings["csim_build_s"]}


#: The IN's MLPs and their input widths.
MLPS = {"R1": 10, "O": 7, "R2": 10}


def time_hls4ml(hidden: int, work: Path, csim: bool = True) -> dict[str, float]:
    import hls4ml
    import torch.nn as nn

    network = load_tracking_in("add", "source_to_target", hidden)
    start = time.perf_counter()
    models = {}
    for name, width in MLPS.items():
        model = getattr(network, name).layers
        assert isinstance(model, nn.Sequential)
        config = hls4ml.utils.config_from_pytorch_model(
            model, input_shape=(width,), default_precision="ap_fixed<16,8>", backend="Vitis"
        )
        models[name] = hls4ml.converters.convert_from_pytorch_model(
            model, hls_config=config, output_dir=str(work / f"hls4ml_{name}_H{hidden}_{time.time_ns()}"),
            backend="Vitis", io_type="io_parallel",
        )
        models[name].write()
        if name == "R1":
            r1_written = time.perf_counter()
    written = time.perf_counter()
    times = {"compile+write": written - start, "R1 compile+write": r1_written - start}
    if csim:
        models["R1"].compile()
        times["csim build"] = time.perf_counter() - written
    return times


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--no-csim", dest="csim", action="store_false", help="compile+write only")
    args = parser.parse_args()
    graphs = load_trackml_graphs()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        time_gnnc(8, graphs, work, csim=False)  # untimed: imports, the first export, g++ probes
        time_hls4ml(8, work, csim=False)
        print("| H | measure | gnnc, whole IN (s) best / median | hls4ml (s) best / median | ratio gnnc/hls4ml (best) |")
        print("|---|---|---|---|---|")
        for hidden in (8, 40):
            rows = [
                ("compile+write, warm vs 3 MLPs", [time_gnnc(hidden, graphs, work, csim=args.csim)
                                                   for _ in range(args.repeat)], "compile+write"),
                ("compile+write, afresh vs 3 MLPs", [time_gnnc(hidden, graphs, work, warm=False, csim=False)
                                                     for _ in range(args.repeat)], "compile+write"),
            ]
            peer = [time_hls4ml(hidden, work, csim=args.csim) for _ in range(args.repeat)]
            if args.csim:
                rows.append(("csim build vs R1", rows[0][1], "csim build"))
            for label, ours, key in rows:
                peer_key = "csim build" if key == "csim build" else "compile+write"
                a = [r[key] for r in ours]
                b = [r[peer_key] for r in peer]
                print(f"| {hidden} | {label} | {min(a):.3f} / {statistics.median(a):.3f} | "
                      f"{min(b):.3f} / {statistics.median(b):.3f} | {min(a) / min(b):.2f} |")
            r1 = [r["R1 compile+write"] for r in peer]
            print(f"| {hidden} | hls4ml R1 alone, convert+write | - | {min(r1):.3f} / {statistics.median(r1):.3f} | - |")


if __name__ == "__main__":
    main()
