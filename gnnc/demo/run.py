"""The demo flow behind `gnnc demo`: graphs (synthetic, or TrackML-format files), the tracking
Interaction Network, compiled for Vitis and oneAPI, both projects written, C-simulated with
g++ (one build per backend, all graphs), and a report: efficiency and purity of torch's float
model, the fixed-point emulator and each C simulation, the bit-exact check, the estimate, and
the same figures against the bit width (DIR/plots)."""

from __future__ import annotations

import sys
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import numpy as np
import torch

from gnnc.demo.detector import generate
from gnnc.demo.bit_width import WIDTHS, WidthPoint, csv_bytes, png_bytes, scan
from gnnc.demo.owned_files import check_owned_folder, npz_bytes, write_owned_folder
from gnnc.demo.metrics import efficiency_purity
from gnnc.demo.trackml_format import graph_arrays, load_graphs
from gnnc.demo.train import CHECKPOINT, DEMO_SEED, HIDDEN, load_checkpoint
from gnnc.errors import GnncError
from gnnc.progress import progress as progress_bar

BACKENDS = ("vitis", "oneapi")
CAPACITY = {"max_nodes": 128, "max_edges": 256}  # every synthetic and TrackML sector graph fits
PRECISION = "fixed<16,8>"
PARALLELISM = 8  # rows per cycle: fits the xcvu9p (about half its DSPs); fully parallel would not
CUT = 0.5
# With --data: the TrackML-trained H=8 model, when the data folder has it (as ../shared does).
TRACKML_CHECKPOINT = Path("trained_models") / f"IN_pyg_small_add_source_to_target_{HIDDEN}_state_dict.pt"


@dataclass
class DemoResult:
    """What the report prints: figures per stage, bit-exact counts per backend, files."""

    graphs: int
    figures: dict[str, tuple[float, float]] = field(default_factory=dict)  # stage -> (efficiency, purity)
    exact: dict[str, int] = field(default_factory=dict)  # backend -> graphs bit-exact with the emulator
    float_error: float = 0.0  # max |float IR - torch|
    estimates: dict[str, dict] = field(default_factory=dict)  # backend -> estimate on the part it targets
    paths: dict[str, Path] = field(default_factory=dict)
    widths: list[WidthPoint] = field(default_factory=list)  # the precision scan
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return all(n == self.graphs for n in self.exact.values())


def demo_inputs(data_dir: Path | None, count: int, seed: int):
    """(model, graphs, what they are, graph folder, files to write) for `gnnc demo`."""
    if data_dir is None:
        generated = generate(count, seed=seed)
        graphs = [g for g, _ in generated]
        files = {f"synthetic_{i:03d}.npz": npz_bytes(graph_arrays(g, pid)) for i, (g, pid) in enumerate(generated)}
        source = f"synthetic detector, {count} graphs (seed {seed})"
        return load_checkpoint(), graphs, source, f"shipped checkpoint {CHECKPOINT.name}", files
    if not data_dir.is_dir():
        raise GnncError(f"--data {data_dir}: no such folder (a folder of TrackML-format graphs/*.npz)")
    folder = data_dir / "graphs" if (data_dir / "graphs").is_dir() else data_dir
    graphs = load_graphs(folder)
    trained = data_dir / TRACKML_CHECKPOINT
    if trained.is_file():
        from gnnc.demo.interaction_network import InteractionNetwork

        model = InteractionNetwork("add", "source_to_target", hidden_size=HIDDEN)
        model.load_state_dict(torch.load(trained, map_location="cpu", weights_only=True))
        model_name = f"{trained.name} from {data_dir}"
    else:
        model, model_name = load_checkpoint(), f"shipped checkpoint {CHECKPOINT.name} (none in {data_dir})"
    return model.eval(), graphs, f"{len(graphs)} graphs from {folder}", model_name, {}


def run_demo(out_dir: str | Path, data_dir: str | Path | None = None, count: int = 20, seed: int = DEMO_SEED,
             force: bool = False, stream: IO[str] | None = None, progress: bool | None = None,
             widths: tuple[int, ...] = WIDTHS) -> DemoResult:
    """`gnnc demo`: everything under out_dir (graphs/, vitis/, oneapi/); see the module docstring."""
    out_dir = Path(out_dir)
    model, graphs, source, model_name, files = demo_inputs(Path(data_dir) if data_dir is not None else None,
                                                           count, seed)
    stream = stream or sys.stdout
    print(f"gnnc demo: {source}", file=stream)
    print(f"  model      Interaction Network, H={HIDDEN}, {model_name}", file=stream)
    return run_flow(model, graphs, out_dir, files=files, force=force, stream=stream, progress=progress,
                    widths=widths)


PLOTS = ("bit_width.csv", "bit_width.png")


def _check_outputs(out_dir: Path, files: dict, force: bool, widths: tuple[int, ...]) -> None:
    """Refuse before any work what would lose a user's file (gnnc.backends.write's rules)."""
    from gnnc.backends.write import check_destination

    for backend in BACKENDS:
        check_destination(out_dir / backend, force)
    if files:
        check_owned_folder(out_dir / "graphs", list(files), force)
    if widths:
        check_owned_folder(out_dir / "plots", list(PLOTS), force)


def run_flow(model: Any, graphs: list, out_dir: str | Path, precision: str = PRECISION, files: dict | None = None,
             force: bool = False, stream: IO[str] | None = None, progress: bool | None = None,
             widths: tuple[int, ...] = WIDTHS) -> DemoResult:
    """Compile `model` on graphs[0], write both backends' projects under out_dir (and `files`,
    name -> npz bytes, into out_dir/graphs), C-simulate every graph on both, scan the bit
    widths `widths` with the emulator (out_dir/plots) and print the report."""
    import gnnc
    from gnnc.frontend import torch_forward
    from gnnc.tools.gnnc_cli import print_estimate

    out_dir, files, stream = Path(out_dir), files or {}, stream or sys.stdout
    _check_outputs(out_dir, files, force, widths)
    start = time.perf_counter()
    result = DemoResult(graphs=len(graphs))
    truths = [g.y.numpy() for g in graphs]
    config = {"graph": CAPACITY, "precision": {"default": precision}, "parallelism": PARALLELISM,
              "part": "xcvu9p-flga2104-2L-e", "clock_period_ns": 5}
    bar = progress_bar(3 + 2 * len(BACKENDS) + (1 if files else 0) + len(widths), "gnnc demo", "step",
                       show=progress, leave=False)
    try:
        if files:
            bar.set_description_str("gnnc demo: writing graphs")
            result.paths["graphs"] = write_owned_folder(out_dir / "graphs", files, force)
            bar.update()
        bar.set_description_str("gnnc demo: torch reference")
        reference = [torch_forward(model, g)[0] for g in graphs]
        bar.update()
        bar.set_description_str("gnnc demo: compiling")
        with warnings.catch_warnings():  # print_estimate says it when the design does not fit
            warnings.simplefilter("ignore", gnnc.ResourceWarning)
            design = gnnc.compile(model, graphs[0], config)
        bar.update()
        bar.set_description_str("gnnc demo: emulating")
        emulated = design.emulate(list(graphs))
        result.float_error = max(float(np.abs(f - r).max())
                                 for f, r in zip(design.emulate(list(graphs), fixed=False), reference))
        bar.update()
        result.figures["float (torch)"] = efficiency_purity(reference, truths, CUT)
        result.figures["fixed (emulator)"] = efficiency_purity(emulated, truths, CUT)
        for backend in BACKENDS:
            bar.set_description_str(f"gnnc demo: writing {backend}")
            result.paths[backend] = design.write(out_dir / backend, backend=backend, force=force)
            bar.update()
            bar.set_description_str(f"gnnc demo: g++ csim {backend}")
            simulated = [s[0] for s in design.csim_many([(g,) for g in graphs], backend=backend)]
            result.exact[backend] = sum(np.array_equal(s, e) for s, e in zip(simulated, emulated))
            result.figures[f"csim {backend}"] = efficiency_purity(simulated, truths, CUT)
            bar.update()
        if widths:
            bar.set_description_str("gnnc demo: bit-width scan")
            result.widths = scan(model, graphs, truths, reference, config, widths, step=lambda _: bar.update())
            result.paths["plots"] = _write_plots(out_dir / "plots", result, force)
    finally:
        bar.close()
    result.estimates = {backend: design.estimate(backend) for backend in BACKENDS}
    result.seconds = time.perf_counter() - start
    _print_report(result, design, precision, stream, print_estimate)
    return result


def _write_plots(folder: Path, result: DemoResult, force: bool) -> Path:
    float_figures = result.figures["float (torch)"]
    files = {"bit_width.csv": csv_bytes(result.widths, float_figures)}
    png = png_bytes(result.widths, float_figures, f"tracking IN H={HIDDEN}, {result.graphs} graphs")
    if png is not None:
        files["bit_width.png"] = png
    return write_owned_folder(folder, files, force)


def _print_report(result: DemoResult, design: Any, precision: str, out: IO[str], print_estimate) -> None:
    print(f"  design     {precision}, capacity {design.max_nodes} nodes x {design.max_edges} edges, "
          f"parallelism {PARALLELISM}, top {design.top}", file=out)
    for backend, estimate in result.estimates.items():
        print_estimate(estimate, out, label=backend)
    print(f"  cut {CUT}    {'efficiency':>10}  {'purity':>8}", file=out)
    for stage, (eff, pur) in result.figures.items():
        print(f"    {stage:<18} {eff:>8.4f}  {pur:>8.4f}", file=out)
    if result.widths:
        print("  bits         " + "  ".join(f"{p.width:>6}" for p in result.widths), file=out)
        for name, values in (("efficiency", [p.efficiency for p in result.widths]),
                             ("purity", [p.purity for p in result.widths])):
            print(f"    {name:<10} " + "  ".join(f"{v:>6.4f}" for v in values), file=out)
    exact = ", ".join(f"{b} {n}/{result.graphs}" for b, n in result.exact.items())
    verdict = "bit-exact" if result.ok else "NOT bit-exact"
    print(f"  csim       {verdict} with the emulator on {exact} graphs; float IR vs torch max |error| "
          f"{result.float_error:.1e}", file=out)
    for what, path in result.paths.items():
        print(f"  wrote      {what:<7}{path}", file=out)
    if result.widths and not (result.paths["plots"] / "bit_width.png").is_file():
        print("  plot       pip install 'gnnc[plot]' (matplotlib) for plots/bit_width.png", file=out)
    print(f"  time       {result.seconds:.1f} s (g++ builds: "
          + ", ".join(f"{b} {design.timings.get(f'csim_build_s.{b}', 0.0):.1f} s" for b in BACKENDS)
          + "; 0 = cached)", file=out)
    if result.ok:
        print(f"  next       gnnc report {result.paths['vitis']}  (the estimate per op)", file=out)
