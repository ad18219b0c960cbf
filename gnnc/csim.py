"""C simulation of a generated design with g++: Vitis against the open ap_types headers,
oneAPI against the HLSLibs ac_types headers and the project's SYCL stand-in.

`CSim` lays out the firmware and the generated host program (the Vitis testbench, or the
oneAPI host program) as the backend's project does, in a cache directory keyed by the
sha256 of everything that affects the binary (backend, sources, flags, compiler version,
header directory), compiles it once, and runs it on any number of graphs in one process.
The text format it exchanges with the host program is defined in `gnnc.backends.testbench`.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np

from gnnc.backends.ports import Port
from gnnc.backends import testbench as tb
from gnnc.errors import CSimError
from gnnc.progress import progress
from gnnc.stale import remove_dead_folders

# -Wno-unknown-pragmas silences `#pragma HLS` and `#pragma unroll`: g++ 12 ignores `#pragma
# GCC diagnostic ignored "-Wunknown-pragmas"` in C++ (GCC bug 53431, fixed in 13), so it
# must be a flag.
CXXFLAGS = ("-std=c++17", "-O1", "-Wall", "-Wextra", "-Wno-unknown-pragmas", "-DGNNC_CSIM")
BACKENDS = ("vitis", "oneapi")
_KEY_VERSION = 2  # bump when the build layout or testbench protocol changes
_compiler_ids: dict[str, str] = {}
#: Seconds a g++ build / a C-simulation run may take before it is stopped (env overrides).
BUILD_TIMEOUT_S, RUN_TIMEOUT_S = 900.0, 900.0
_DIGEST = "binary.sha256"  # beside a cached binary: a binary that no longer matches is rebuilt


def _timeout(name: str, default: float) -> float:
    text = os.environ.get(name)
    if text is None:
        return default
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not value > 0:
        raise CSimError(f"{name}={text!r} must be a positive number of seconds")
    return value


def ap_types_dir() -> Path:
    """The Xilinx ap_types headers: `$GNNC_AP_TYPES_DIR`, else the copy in the hls4ml wheel.

    hls4ml is located without importing it (importing pulls in its whole converter stack)."""
    env = os.environ.get("GNNC_AP_TYPES_DIR")
    if env:
        d = Path(env).expanduser()
        if not (d / "ap_fixed.h").is_file():
            raise CSimError(f"GNNC_AP_TYPES_DIR={env} has no ap_fixed.h")
        return d
    spec = importlib.util.find_spec("hls4ml")
    for loc in (spec.submodule_search_locations or []) if spec else []:
        d = Path(loc) / "templates" / "vivado" / "ap_types"
        if (d / "ap_fixed.h").is_file():
            return d
    raise CSimError("C simulation needs the open ap_types headers shipped with hls4ml: "
                    "pip install --no-deps hls4ml==1.3.0 (or set GNNC_AP_TYPES_DIR to a "
                    "directory holding ap_fixed.h)")


def ac_types_dir() -> Path:
    """The HLSLibs ac_types headers: `$GNNC_AC_TYPES_DIR`, else the copy in the hls4ml wheel
    (`templates/catapult/ac_types/include`). Intel's own copy needs clang's _BitInt."""
    env = os.environ.get("GNNC_AC_TYPES_DIR")
    if env:
        d = Path(env).expanduser()
        if not (d / "ac_fixed.h").is_file():
            raise CSimError(f"GNNC_AC_TYPES_DIR={env} has no ac_fixed.h")
        return d
    spec = importlib.util.find_spec("hls4ml")
    for loc in (spec.submodule_search_locations or []) if spec else []:
        d = Path(loc) / "templates" / "catapult" / "ac_types" / "include"
        if (d / "ac_fixed.h").is_file():
            return d
    raise CSimError("oneAPI C simulation needs the open ac_types headers shipped with hls4ml: "
                    "pip install --no-deps hls4ml==1.3.0 (or set GNNC_AC_TYPES_DIR to a "
                    "directory holding ac_fixed.h)")


def types_dir(backend: str) -> Path:
    """The arbitrary-precision headers a backend's C simulation compiles against."""
    return ac_types_dir() if backend == "oneapi" else ap_types_dir()


def layout(backend: str, top: str, firmware: Mapping[str, str], ports: Sequence[Port],
           max_nodes: int, max_edges: int, err: type[CSimError] = CSimError):
    """The backend's C-simulation layout (files, translation units, include dirs)."""
    if backend == "vitis":
        from gnnc.backends.vitis.project import csim_layout
    elif backend == "oneapi":
        from gnnc.backends.oneapi.project import csim_layout
    else:
        raise CSimError(f"backend {backend!r} has no C simulation; expected one of "
                        f"{', '.join(BACKENDS)}")
    return csim_layout(top, firmware, ports, max_nodes, max_edges, err)


def default_cache_dir() -> Path:
    env = os.environ.get("GNNC_CACHE_DIR")
    return Path(env).expanduser() if env else Path.home() / ".cache" / "gnnc" / "csim"


def _make_cache_dir(path: Path) -> None:
    for folder in (path, *path.parents):
        if folder.exists() and not folder.is_dir():
            raise CSimError(f"the C-simulation cache {path} cannot be created: {folder} is a file "
                            "(set GNNC_CACHE_DIR to a directory)")
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise CSimError(f"the C-simulation cache {path} cannot be created: {err.strerror} "
                        "(set GNNC_CACHE_DIR to a writable directory)") from None


def _file_digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _raise_stack_limit() -> None:  # pragma: no cover - runs in the child before exec
    """The design's arrays are static under -DGNNC_CSIM (GNNC_LOCAL) and the testbench's are
    globals, but a firmware built without the macro (or a hand-written one) keeps them on the
    stack: take what the hard limit allows."""
    import resource

    _, hard = resource.getrlimit(resource.RLIMIT_STACK)
    resource.setrlimit(resource.RLIMIT_STACK, (hard, hard))


def _compiler() -> tuple[str, str]:
    """(command, identity) of the C++ compiler; `$GNNC_CXX` overrides g++."""
    cxx = os.environ.get("GNNC_CXX", "g++")
    if cxx not in _compiler_ids:
        if shutil.which(cxx) is None:
            raise CSimError(f"C++ compiler {cxx!r} not found: install g++ (apt-get install g++) "
                            "or set GNNC_CXX")
        try:
            out = subprocess.run([cxx, "--version"], capture_output=True, text=True, check=False, timeout=60)
        except subprocess.TimeoutExpired:
            raise CSimError(f"C++ compiler {cxx!r} did not answer --version within 60 s") from None
        _compiler_ids[cxx] = out.stdout.strip()
    return cxx, _compiler_ids[cxx]


def _head(text: str, lines: int = 30) -> str:
    rows = text.strip().splitlines()
    more = f"\n... ({len(rows) - lines} more lines)" if len(rows) > lines else ""
    return "\n".join(rows[:lines]) + more


class CSim:
    """Build (cached) and run the C simulation of one design."""

    def __init__(self, *, top: str, firmware: Mapping[str, str], ports: Sequence[Port],
                 max_nodes: int, max_edges: int, cache_dir: str | os.PathLike | None = None,
                 backend: str = "vitis"):
        tb.check_ports(ports, CSimError)
        tb.check_exact_outputs(ports, CSimError)
        tb.check_index_types(ports, max_nodes, max_edges, CSimError)
        self.backend = backend
        self.top = top
        self.firmware = dict(firmware)
        self.ports = list(ports)
        self.max_nodes = max_nodes
        self.max_edges = max_edges
        self.cache_dir = Path(cache_dir) if cache_dir is not None else default_cache_dir()
        self.layout = layout(backend, top, self.firmware, self.ports, max_nodes, max_edges)
        self.build_seconds = 0.0
        self.build_log = ""  # compiler warnings of the last real build
        self.binary: Path | None = None

    @property
    def testbench(self) -> str:
        """The generated host program (the Vitis testbench, or the oneAPI host)."""
        return self.layout.files[self.layout.sources[-1]]

    def flags(self) -> list[str]:
        # Relative -I: the build directory is renamed after compiling, and the key must not
        # depend on where it was built.
        return [*CXXFLAGS, "-isystem", str(types_dir(self.backend)),
                *(f"-I{d}" for d in self.layout.include_dirs)]

    def key(self) -> str:
        cxx, ident = _compiler()
        blob = json.dumps({"v": _KEY_VERSION, "backend": self.backend, "cxx": cxx, "id": ident,
                           "flags": self.flags(), "top": self.top,
                           "files": sorted(self.layout.files.items()),
                           "sources": self.layout.sources}, sort_keys=True)
        return hashlib.sha256(blob.encode()).hexdigest()

    def build(self) -> Path:
        """Compile unless an identical build is cached; returns the binary's path."""
        key = self.key()
        final = self.cache_dir / key
        binary = final / f"{self.top}_csim"
        if binary.is_file() and self._intact(final, binary):
            self.build_seconds = 0.0
            self.binary = binary
            return binary
        _make_cache_dir(self.cache_dir)
        remove_dead_folders(self.cache_dir, ".build-")
        work = Path(tempfile.mkdtemp(prefix=f".build-{os.getpid()}-{key[:16]}-", dir=self.cache_dir))
        try:
            self._compile(work, key)
            (work / _DIGEST).write_text(_file_digest(work / f"{self.top}_csim"))
            try:
                os.rename(work, final)
            except OSError:  # another process finished the same build first
                if not binary.is_file():
                    raise
                shutil.rmtree(work, ignore_errors=True)
        except BaseException:
            shutil.rmtree(work, ignore_errors=True)
            raise
        self.binary = binary
        return binary

    @staticmethod
    def _intact(final: Path, binary: Path) -> bool:
        """A cached binary is trusted only while it matches the digest taken when it was built;
        a corrupt or truncated one is removed (the caller rebuilds it)."""
        digest = final / _DIGEST
        if digest.is_file() and digest.read_text().strip() == _file_digest(binary):
            return True
        shutil.rmtree(final, ignore_errors=True)
        return False

    def _compile(self, work: Path, key: str) -> None:
        for rel, text in self.layout.files.items():
            path = work / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
        sources = list(self.layout.sources)
        cxx, _ = _compiler()
        flags = self.flags()

        start = time.perf_counter()
        # One process per translation unit: ap_fixed makes each take about a second.
        procs = [(src, subprocess.Popen([cxx, *flags, "-c", src, "-o", f"{src}.o"], cwd=work,
                                        stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                        text=True)) for src in sources]
        logs, failed = [], False
        deadline = time.monotonic() + _timeout("GNNC_CSIM_BUILD_TIMEOUT", BUILD_TIMEOUT_S)
        bar = progress(len(sources) + 1, f"g++ {self.top} ({self.backend})", "step")
        try:
            for src, proc in procs:  # firmware first: its errors matter most, stop the rest
                if failed:
                    proc.kill()
                out, _ = proc.communicate(timeout=max(1.0, deadline - time.monotonic()))
                if not (failed and proc.returncode < 0):
                    logs.append(out)
                failed |= proc.returncode != 0
                bar.update(1)
            if not failed:
                link = subprocess.run([cxx, *[f"{s}.o" for s in sources], "-o", f"{self.top}_csim"],
                                      cwd=work, capture_output=True, text=True, check=False,
                                      timeout=max(1.0, deadline - time.monotonic()))
                logs.append(link.stdout + link.stderr)
                failed = link.returncode != 0
                bar.update(1)
        except subprocess.TimeoutExpired:
            raise CSimError(f"g++ did not finish the C simulation of {self.top!r} in "
                            f"{_timeout('GNNC_CSIM_BUILD_TIMEOUT', BUILD_TIMEOUT_S):g} s "
                            "(set GNNC_CSIM_BUILD_TIMEOUT to allow more)") from None
        finally:
            bar.close()
            for _, proc in procs:
                if proc.poll() is None:
                    proc.kill()
                    proc.wait()
        log = "".join(logs)
        if failed:
            kept = self.cache_dir / f"{key}.failed"
            shutil.rmtree(kept, ignore_errors=True)
            os.rename(work, kept)
            raise CSimError(f"g++ failed to build the C simulation of {self.top!r} "
                            f"(sources kept in {kept}):\n{_head(log)}")
        self.build_seconds = time.perf_counter() - start
        self.build_log = log
        (work / "build.log").write_text(f"{cxx} {' '.join(flags)}\n{log}")

    def _death(self, status: int) -> str:
        if status >= 0:
            return f"exited with status {status}"
        import signal

        name = signal.Signals(-status).name if -status in signal.Signals._value2member_map_ else "?"
        how = f"was killed by signal {-status} ({name})"
        if -status == signal.SIGSEGV:
            how += (f"; at {self.max_nodes}x{self.max_edges} the design's arrays may not fit the stack "
                    "(`ulimit -s` limits it: raise the hard limit, or compile for a smaller capacity: "
                    "larger graphs run in segments)")
        return how

    def run(self, graphs: Sequence[Mapping[str, np.ndarray]]) -> list[dict[str, np.ndarray]]:
        """Run every graph through the top function in one process.

        Each graph maps input port names to arrays: features [rows, F] (any real dtype),
        edge_index integer [2, E]; n_nodes / n_edges are taken from the arrays. Returns, per
        graph, each output port's real rows as float64 [rows, F], the exact fixed-point values."""
        if isinstance(graphs, Mapping):
            raise CSimError("CSim.run takes a list of graphs (dicts of input arrays), got one dict")
        graphs = list(graphs)
        text, _ = tb.format_inputs(self.ports, graphs, self.max_nodes, self.max_edges, CSimError)
        binary = self.binary if self.binary is not None and self.binary.is_file() else self.build()
        _make_cache_dir(self.cache_dir)
        remove_dead_folders(self.cache_dir, ".run-")
        limit = _timeout("GNNC_CSIM_RUN_TIMEOUT", RUN_TIMEOUT_S)
        with tempfile.TemporaryDirectory(prefix=f".run-{os.getpid()}-", dir=self.cache_dir) as d:
            inp, out = Path(d, "input.txt"), Path(d, "output.txt")
            inp.write_text(text)
            try:
                proc = subprocess.run([str(binary), str(inp), str(out)], capture_output=True,
                                      text=True, check=False, timeout=limit, preexec_fn=_raise_stack_limit)
            except subprocess.TimeoutExpired:
                raise CSimError(f"the C simulation of {self.top!r} did not finish {len(graphs)} graph(s) "
                                f"in {limit:g} s (set GNNC_CSIM_RUN_TIMEOUT to allow more)") from None
            if proc.returncode != 0:
                raise CSimError(f"the C simulation of {self.top!r} {self._death(proc.returncode)}:\n"
                                f"{_head(proc.stderr)}")
            results = tb.parse_outputs(self.ports, out.read_text(), CSimError)
        if len(results) != len(graphs):
            raise CSimError(f"the C simulation returned {len(results)} result(s) for "
                            f"{len(graphs)} graph(s)")
        return results
