"""`gnnc.compile` and the Design it returns: the IR at every stage, emulation, C simulation, projects."""

from __future__ import annotations

import copy
import time
from pathlib import Path
from typing import Any

import numpy as np
from xdsl.dialects.builtin import ModuleOp

from gnnc import emulator, module_attributes, passes, saved_design
from gnnc.backends.emitter import top_function as hls_top_function
from gnnc.config import Config, load_config
from gnnc.dialects import gnn
from gnnc.errors import ConfigError, GnncError
from gnnc.estimate import estimate
from gnnc.partition import Segment, partition, segment_inputs, stitch
from gnnc.passes.gnn_strategy import strategy_options

STAGES = ("gnn", "fixed", "hls")


def compile(  # noqa: A001
    model: Any, example: Any, config: Config | dict | str | Path | None = None, calibration: list[Any] | None = None
) -> Design:
    """Capture `model` on `example` (a tuple of forward arguments, or a PyG Data) and lower it.

    With `precision.auto`, types are chosen on the `calibration` graphs (else the config's
    `precision.auto.graphs` file, else the example); `design.calibration` reports the choice."""
    from gnnc.frontend import import_model

    cfg = load_config(config)
    if calibration is not None and cfg.precision_auto is None:
        raise ConfigError("gnnc.compile(calibration=...) needs precision.auto in the config")
    start = time.perf_counter()
    imported = import_model(model, example)
    if cfg.fit is not None:  # the knobs are searched (gnnc.fit, docs/fit.md)
        from gnnc.fit_search import fit_imported

        design = fit_imported(imported, example, cfg, start, calibration)
    else:
        design = compile_imported(imported, example, cfg, calibration)
    design.timings["compile_s"] = time.perf_counter() - start
    _warn_if_over(design)
    return design


def compile_imported(imported: Any, example: Any, cfg: Config, calibration: list[Any] | None) -> Design:
    """The Design of an imported model under `cfg` (calibrated first with precision.auto)."""
    if cfg.precision_auto is not None:
        from gnnc.calibration import calibrate_imported

        return calibrate_imported(imported, example, cfg, calibration).design
    return Design(imported, cfg, imported.bind(*_as_args(example)))


def _warn_if_over(design: Design) -> None:
    """Say it when the estimate does not fit the part (before anyone starts a synthesis)."""
    import warnings

    from gnnc.estimate import ResourceWarning
    from gnnc.report import over_budget_line

    line = over_budget_line(design.estimate())
    if line is not None:
        warnings.warn(line + " (docs/estimate.md: reuse_factor, parallelism, io: stream)",
                      ResourceWarning, stacklevel=3)


def _as_args(example: Any) -> tuple:
    return example if isinstance(example, tuple) else (example,)


class Design:
    """A compiled model. Inputs are what the model's forward takes (tensors or a Data object)."""

    def __init__(self, imported: Any, config: Config, example_inputs: dict[str, np.ndarray]):
        self.config = config
        self._imported = imported
        self.input_names: list[str] = imported.input_names
        self.output_names: list[str] = imported.output_names
        self.timings: dict[str, float] = {}
        self.calibration: Any = None  # gnnc.calibration.Calibration when compiled with precision.auto
        self.fit: Any = None  # gnnc.FitResult when the knobs were searched (config `fit`)
        self._arguments = _argument_types(imported.module)  # read once: graph lists ask per graph
        n_nodes, n_edges = _graph_size(self._arguments, example_inputs)
        self.max_nodes = config.graph.max_nodes or n_nodes
        self.max_edges = config.graph.max_edges or n_edges
        self.max_graphs = config.graph.max_graphs or _graph_count(self._arguments, example_inputs)
        self._example_inputs = example_inputs
        self._modules: dict[str, ModuleOp] = {"gnn": imported.module}
        self.directives = _directives(config)
        fixed = imported.module.clone()
        passes.apply(fixed, passes.fixed_pipeline(config.precision_default, self.max_nodes, self.max_edges,
                                                  config.precision_spec, self.directives))
        self._modules["fixed"] = fixed
        hls = fixed.clone()
        passes.apply(hls, passes.directed_hls_pipeline(self.max_nodes, self.max_edges, self.max_graphs,
                                                       self.directives))
        self._modules["hls"] = hls
        self.top = hls_top_function(hls).sym_name.data
        self._sources: dict[str, Any] = {}  # per backend
        self._csim: dict[str, Any] = {}
        self._programs: dict[bool, emulator.Program] = {}  # weights decoded and quantized once
        self._estimate: dict[str, dict] = {}  # part -> estimate

    # -- IR ------------------------------------------------------------------ #

    def mlir(self, stage: str = "gnn") -> str:
        """Textual IR: "gnn" (float, as imported), "fixed" (after gnn-fixed-point) or "hls".

        The "gnn" module carries the capacity and precision as module attributes
        (gnnc.module_attributes), so `gnnc-opt --lower-to-hls` rebuilds this design from it."""
        return str(self.module(stage))

    def module(self, stage: str = "gnn") -> ModuleOp:
        """A copy of the IR module of a stage (the "gnn" one with its module attributes)."""
        if stage not in STAGES:
            raise GnncError(f"unknown stage {stage!r}; expected one of {', '.join(STAGES)}")
        module = self._modules[stage].clone()
        if stage == "gnn":
            module_attributes.attach(module, self.max_nodes, self.max_edges, self.max_graphs,
                                     self.config.precision_default, self.config.precision_spec, self.directives)
        return module

    # -- running ---------------------------------------------------------------- #

    def _fits(self, bound: dict[str, np.ndarray]) -> bool:
        n_nodes, n_edges = _graph_size(self._arguments, bound)
        graphs = _graph_count(self._arguments, bound)
        return n_nodes <= self.max_nodes and n_edges <= self.max_edges and graphs <= self.max_graphs

    def partition(self, *inputs: Any) -> list[Segment]:
        """The segments a graph is run in: one when it fits the capacity, else pieces with exact halos."""
        bound = self._imported.bind(*inputs)
        if self._fits(bound):
            n_nodes, n_edges = _graph_size(self._arguments, bound)
            everything = Segment(np.arange(n_nodes), np.arange(n_edges))
            everything.graphs = np.arange(_graph_count(self._arguments, bound))
            rows = {"nodes": everything.nodes, "edges": everything.edges, "graphs": everything.graphs}
            everything.owned = [rows[t.kind] for t in self._output_types()]
            return [everything]
        return partition(self._modules["fixed"], bound, self.max_nodes, self.max_edges, self.max_graphs)

    def _output_types(self) -> list[gnn.FeaturesType]:
        fn = emulator.top_function(self._modules["gnn"])
        return list(fn.function_type.outputs.data)  # type: ignore[arg-type]

    def _plan(self, bound: dict[str, np.ndarray]) -> list[Segment] | None:
        """None when the graph fits the design; otherwise the segments it runs in."""
        if self._fits(bound):
            return None
        return partition(self._modules["fixed"], bound, self.max_nodes, self.max_edges, self.max_graphs)

    def _jobs(self, bound: dict[str, np.ndarray], plan: list[Segment] | None) -> list[dict[str, np.ndarray]]:
        if plan is None:
            return [bound]
        return [segment_inputs(self._modules["fixed"], bound, s) for s in plan]

    def _assemble(self, bound, plan: list[Segment] | None, results: list[list[np.ndarray]]) -> list[np.ndarray]:
        return results[0] if plan is None else stitch(self._modules["fixed"], bound, plan, results)

    def emulate(self, *inputs: Any, fixed: bool = True, report: bool = False):
        """Bit-exact fixed-point outputs (numpy float64), or the float interpretation with fixed=False.

        Graphs larger than the capacity run in segments (see `partition`), as the hardware would.
        A list of graphs (each a Data or a tuple of forward arguments) gives a list of outputs,
        and a PyG Batch (for a model without a batch input) the outputs of its graphs one after
        another, as torch does; either way all graphs and segments run together, vectorised over
        all their nodes and edges, with exactly the outputs each graph has on its own.
        report=True returns (outputs, report): per input and op, how many values overflowed
        (wrapped or saturated) in its result cast and its accumulator, and the exact range seen
        (docs/precision.md, "Overflow report"); over all graphs of a list."""
        if report and not fixed:
            raise GnncError("emulate(report=True) needs fixed=True: a float run cannot overflow")
        graphs, given = self._graph_list(inputs)
        program = self._program(fixed)
        stats: dict | None = {} if report else None
        results = self._run(graphs, lambda jobs: program.run_many(jobs, report=stats))
        if given == "batch":  # a Batch: its graphs' rows one after another
            results = [[np.concatenate(rows, axis=0) for rows in zip(*results)]]
        outputs = [_present(r) for r in results]
        outputs = outputs if given == "list" else outputs[0]
        if stats is None:
            return outputs
        return outputs, {label: entry for label, entry in stats.items() if len(entry) > 2}  # ops that cast

    def _graph_list(self, inputs: tuple) -> tuple[list[tuple], str]:
        """The graphs to run, each a tuple of forward arguments, and how they came: "one" graph,
        a "list" or a PyG "batch"."""
        if len(inputs) == 1 and isinstance(inputs[0], list):
            return [g if isinstance(g, tuple) else (g,) for g in inputs[0]], "list"
        batched = (len(inputs) == 1 and hasattr(inputs[0], "to_data_list") and inputs[0].num_graphs > 1
                   and not self._takes_batch())
        if batched:
            return [(g,) for g in inputs[0].to_data_list()], "batch"
        return [inputs], "one"

    def _takes_batch(self) -> bool:
        return any(isinstance(t, gnn.BatchType) for _, t in self._arguments)

    def _program(self, fixed: bool) -> emulator.Program:
        if fixed not in self._programs:
            self._programs[fixed] = emulator.Program(self._modules["fixed" if fixed else "gnn"], fixed)
        return self._programs[fixed]

    def _run(self, graphs: list[tuple], run_jobs) -> list[list[np.ndarray]]:
        """Each graph split into segments if it exceeds the capacity, every segment of every graph
        run by one call of run_jobs (a list of inputs -> a list of outputs), outputs stitched per graph."""
        bound = [self._imported.bind(*g) for g in graphs]
        plans = [self._plan(b) for b in bound]
        results = run_jobs([job for b, plan in zip(bound, plans) for job in self._jobs(b, plan)])
        outputs, k = [], 0
        for b, plan in zip(bound, plans):
            count = 1 if plan is None else len(plan)
            outputs.append(self._assemble(b, plan, results[k : k + count]))
            k += count
        return outputs

    def csim(self, *inputs: Any, backend: str | None = None):
        """Compile the generated C++ with g++ (cached) and run it on the inputs.

        backend: "vitis" or "oneapi"; default the config's `backend`."""
        return _present(self.csim_many([inputs], backend=backend)[0])

    def csim_many(self, graphs: list[tuple], backend: str | None = None) -> list[list[np.ndarray]]:
        """C simulation of several graphs (each split into segments if it exceeds the capacity) in one run."""
        runner = self._csim_runner(backend)
        return self._run(graphs, lambda jobs: [[r[name] for name in self.output_names] for r in runner.run(jobs)])

    def estimate(self, backend: str | None = None) -> dict:
        """Per-op and total dsp, lut, ff, bram_18k, uram, multipliers, latency_cycles, ii, latency_ns from
        the analytic model (docs/estimate.md), with the part's totals and the utilization of each;
        for the part the `backend`'s project targets (default: the config's backend)."""
        part = self.estimate_part(backend)
        if part not in self._estimate:  # the IR does not change: estimated once per part
            self._estimate[part] = estimate(self._modules["hls"], self.config.clock_period_ns, part)
        return copy.deepcopy(self._estimate[part])

    def estimate_part(self, backend: str | None = None) -> str:
        """The device the estimate is for: the config's part, or, for oneAPI given an AMD part,
        the Agilex 7 that the oneAPI project then targets."""
        if self._check_backend(backend) == "oneapi":
            from gnnc.backends.oneapi.project import fpga_device

            return fpga_device(self.config.part)
        return self.config.part

    def _csim_runner(self, backend: str | None):
        backend = self._check_backend(backend)
        if backend not in self._csim:
            from gnnc.csim import CSim

            src = self.sources(backend)
            runner = CSim(
                top=src.top, firmware=src.files, ports=src.ports,
                max_nodes=src.max_nodes, max_edges=src.max_edges, backend=backend,
            )
            runner.build()
            self._csim[backend] = runner
            self.timings["csim_build_s"] = runner.build_seconds
            self.timings[f"csim_build_s.{backend}"] = runner.build_seconds
        return self._csim[backend]

    # -- output ------------------------------------------------------------------ #

    def sources(self, backend: str | None = None):
        """The printed firmware files and the top function's ports (default: the config's backend)."""
        backend = self._check_backend(backend)
        if backend not in self._sources:
            if backend == "oneapi":
                from gnnc.backends.oneapi.printer import print_oneapi as print_sources
            else:
                from gnnc.backends.vitis.printer import print_vitis as print_sources

            self._sources[backend] = print_sources(self._modules["hls"])
        return self._sources[backend]

    def write(self, out_dir: str | Path, backend: str | None = None, force: bool = False) -> Path:
        """Write the HLS project (firmware, testbench or host program, build scripts); refuses to
        overwrite without force. backend: "vitis" or "oneapi"; default the config's `backend`."""
        backend = self._check_backend(backend)
        if backend == "oneapi":
            from gnnc.backends.oneapi.project import write_project
        else:
            from gnnc.backends.vitis.project import write_project

        start = time.perf_counter()
        src = self.sources(backend)
        # An example larger than the capacity goes into the testbench as the segments the
        # hardware runs, each with its expected outputs.
        examples = self._jobs(self._example_inputs, self._plan(self._example_inputs))
        ranges: dict = {}  # each op's type and the values it took on the example (for gnnc report --plot)
        expected = [dict(zip(self.output_names, out))
                    for out in self._program(True).run_many(examples, report=ranges)]
        path = write_project(
            out_dir,
            top=src.top,
            firmware=src.files,
            ports=src.ports,
            max_nodes=self.max_nodes,
            max_edges=self.max_edges,
            part=self.config.part,
            clock_period_ns=self.config.clock_period_ns,
            config=self.config.to_dict()
            | {"backend": backend, "top": self.top, "graph": {"max_nodes": self.max_nodes, "max_edges": self.max_edges, "max_graphs": self.max_graphs}},
            example_inputs=examples,
            expected_outputs=expected,
            estimate=self.estimate(backend) | {"ranges": _value_ranges(ranges)},
            design_files=saved_design.files(self),
            force=force,
        )
        self.timings["write_s"] = time.perf_counter() - start
        return path

    def _check_backend(self, backend: str | None) -> str:
        from gnnc.config import BACKENDS

        if backend is None:
            return self.config.backend
        if backend not in BACKENDS:
            raise GnncError(f"backend {backend!r} is not available; this version supports: "
                            f"{', '.join(BACKENDS)}")
        return backend


def _value_ranges(report: dict) -> dict[str, dict]:
    """{op label: {"type", "min", "max"}} of each op's result on the example (from the overflow report)."""
    return {label: {k: entry["result"][k] for k in ("type", "min", "max")}
            for label, entry in report.items() if "result" in entry}


def _directives(config: Config) -> module_attributes.Directives:
    """The config's lowering settings, as the passes take them and the gnn module records them."""
    strategy = strategy_options(config.strategy, config.strategy_ops, config.strategy_kinds)
    return module_attributes.Directives(
        strategy=strategy.removeprefix("gnn-strategy{").removesuffix("}"), reuse=_reuse_options(config),
        io=config.io, top=config.top or "", split_edge_dense=config.split_edge_dense, sparse=config.sparse_dense,
        inline_layers=config.inline_layers)


def _reuse_options(config: Config) -> str:
    """The hls-reuse options for the config's reuse factors and parallelism ("" when fully parallel)."""
    opts = []
    if config.reuse_factor != 1:
        opts.append(f"reuse-factor={config.reuse_factor}")
    if config.reuse_ops:
        opts.append('reuse="' + ";".join(f"{k}={v}" for k, v in config.reuse_ops) + '"')
    for key in ("edges", "nodes"):
        if value := getattr(config, f"parallelism_{key}"):
            opts.append(f"{key}={value}")
    if config.parallelism_ops:
        opts.append('parallelism="' + ";".join(f"{k}={v}" for k, v in config.parallelism_ops) + '"')
    return " ".join(opts)


def _graph_size(arguments: list, inputs: dict[str, np.ndarray]) -> tuple[int, int]:
    """(nodes, edges) of a bound graph, read from the arguments the IR declares as nodes / edge_index."""
    n_nodes = n_edges = 0
    for name, t in arguments:
        value = inputs[name]
        if isinstance(t, gnn.EdgeIndexType):
            n_edges = value.shape[1]
        elif isinstance(t, gnn.NodesType):
            n_nodes = value.shape[0]
    return n_nodes, n_edges


def _graph_count(arguments: list, inputs: dict[str, np.ndarray]) -> int:
    """Graphs in a bound batch (1 + its largest graph number); 1 for a model without a batch input."""
    for name, t in arguments:
        if isinstance(t, gnn.BatchType) and np.asarray(inputs[name]).size:
            return int(np.max(inputs[name])) + 1
    return 1


def _argument_types(module: ModuleOp) -> list:
    """(name, type) of each argument of the module's function."""
    fn = emulator.top_function(module)
    return list(zip(emulator.argument_names(fn), fn.function_type.inputs.data))


def _present(outputs: list[np.ndarray]):
    return outputs[0] if len(outputs) == 1 else tuple(outputs)
