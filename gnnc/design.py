"""`gnnc.compile` and the Design it returns: the IR at every stage, emulation, C simulation, projects."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import numpy as np
from xdsl.dialects.builtin import ModuleOp

from gnnc import emulator, passes
from gnnc.config import Config, load_config
from gnnc.dialects import gnn
from gnnc.errors import GnncError

STAGES = ("gnn", "fixed", "hls")


def compile(model: Any, example: Any, config: Config | dict | str | Path | None = None) -> Design:  # noqa: A001
    """Capture `model` on `example` (a tuple of forward arguments, or a PyG Data) and lower it."""
    from gnnc.frontend import import_model

    cfg = load_config(config)
    start = time.perf_counter()
    imported = import_model(model, example)
    example_inputs = imported.bind(*_as_args(example))
    design = Design(imported, cfg, example_inputs)
    design.timings["compile_s"] = time.perf_counter() - start
    return design


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
        n_nodes, n_edges = _graph_size(imported.module, example_inputs)
        self.max_nodes = config.graph.max_nodes or n_nodes
        self.max_edges = config.graph.max_edges or n_edges
        self._example_inputs = example_inputs
        self._modules: dict[str, ModuleOp] = {"gnn": imported.module}
        fixed = imported.module.clone()
        passes.apply(
            fixed,
            f'gnn-fixed-point{{default="{config.precision_default}" max-edges={self.max_edges}}}',
        )
        self._modules["fixed"] = fixed
        hls = fixed.clone()
        passes.apply(
            hls,
            f"convert-gnn-to-hls{{max-nodes={self.max_nodes} max-edges={self.max_edges}"
            + (f" top={config.top}" if config.top else "")
            + "},"
            "hls-parallelize,hls-partition-arrays",
        )
        self._modules["hls"] = hls
        self.top = emulator.top_function(hls).sym_name.data
        self._sources: dict[str, Any] = {}  # per backend
        self._csim: dict[str, Any] = {}

    # -- IR ------------------------------------------------------------------ #

    def mlir(self, stage: str = "gnn") -> str:
        """Textual IR: "gnn" (float, as imported), "fixed" (after gnn-fixed-point) or "hls"."""
        if stage not in STAGES:
            raise GnncError(f"unknown stage {stage!r}; expected one of {', '.join(STAGES)}")
        return str(self._modules[stage])

    def module(self, stage: str = "gnn") -> ModuleOp:
        """A copy of the IR module of a stage."""
        self.mlir(stage)  # validates the name
        return self._modules[stage].clone()

    # -- running ---------------------------------------------------------------- #

    def _inputs(self, inputs: tuple) -> dict[str, np.ndarray]:
        bound = self._imported.bind(*inputs)
        n_nodes, n_edges = _graph_size(self._modules["gnn"], bound)
        if n_nodes > self.max_nodes or n_edges > self.max_edges:
            raise GnncError(
                f"graph of {n_nodes} nodes and {n_edges} edges exceeds the design's capacity "
                f"{self.max_nodes} x {self.max_edges} (config keys graph.max_nodes, graph.max_edges)"
            )
        return bound

    def emulate(self, *inputs: Any, fixed: bool = True):
        """Bit-exact fixed-point outputs (numpy float64), or the float interpretation with fixed=False."""
        bound = self._inputs(inputs)
        stage = "fixed" if fixed else "gnn"
        return _present(emulator.run(self._modules[stage], bound, fixed=fixed))

    def csim(self, *inputs: Any, backend: str | None = None):
        """Compile the generated C++ with g++ (cached) and run it on the inputs.

        backend: "vitis" or "oneapi"; default the config's `backend`."""
        return _present(self.csim_many([inputs], backend=backend)[0])

    def csim_many(self, graphs: list[tuple], backend: str | None = None) -> list[list[np.ndarray]]:
        """C simulation of several graphs in one process run; one list of outputs per graph."""
        runner = self._csim_runner(backend)
        results = runner.run([self._inputs(g) for g in graphs])
        return [[r[name] for name in self.output_names] for r in results]

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
        expected = emulator.run(self._modules["fixed"], self._example_inputs, fixed=True)
        path = write_project(
            out_dir,
            top=src.top,
            firmware=src.files,
            ports=src.ports,
            max_nodes=self.max_nodes,
            max_edges=self.max_edges,
            part=self.config.part,
            clock_period_ns=self.config.clock_period_ns,
            config=self.config.to_dict() | {"backend": backend,
                                            "graph": {"max_nodes": self.max_nodes, "max_edges": self.max_edges}},
            example_inputs=self._example_inputs,
            expected_outputs=dict(zip(self.output_names, expected)),
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


def _graph_size(module: ModuleOp, inputs: dict[str, np.ndarray]) -> tuple[int, int]:
    """(nodes, edges) of a bound graph, read from the arguments the IR declares as nodes / edge_index."""
    fn = emulator.top_function(module)
    n_nodes = n_edges = 0
    for name, arg in zip(emulator.argument_names(fn), fn.args):
        value = inputs[name]
        if isinstance(arg.type, gnn.EdgeIndexType):
            n_edges = value.shape[1]
        elif isinstance(arg.type, gnn.NodesType):
            n_nodes = value.shape[0]
    return n_nodes, n_edges


def _present(outputs: list[np.ndarray]):
    return outputs[0] if len(outputs) == 1 else tuple(outputs)
