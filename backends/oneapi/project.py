"""Write an Intel oneAPI FPGA project: kernel sources, host program, test data, CMake, README,
and the SYCL stand-in with which g++ C-simulates the same sources.

Layout (relative to the project directory):

    src/<top>.hpp, src/<top>.cpp, src/<top>_weights.hpp, src/gnnc_support.hpp   the design
    src/<top>_host.cpp       host program: reads tb_data/, runs the kernel, checks outputs
    tb_data/                 example inputs and expected outputs (the Vitis testbench format)
    CMakeLists.txt           fpga_emu, report, fpga_sim, fpga targets (icpx)
    sycl_standin/            plain-C++ SYCL stand-in for the g++ C simulation
    gnnc_config.yaml, README.md
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from gnnc.backends import project as common
from gnnc.backends import testbench as tb
from gnnc.backends.oneapi import standin
from gnnc.backends.oneapi.printer import beat_type, kernel_name, pipe_name
from gnnc.backends.ports import Port
from gnnc.backends.project import CSimLayout, GraphsArg
from gnnc.errors import GnncError

_DEVICE = re.compile(r"[A-Za-z0-9_.:/\-]+\Z")
# AMD/Xilinx part numbers (xcvu9p-..., xck26-..., xazu..., xqvu...): not an Intel target.
_AMD_PART = re.compile(r"x[acq][a-z]*\d", re.IGNORECASE)
DEFAULT_DEVICE = "Agilex7"  # what icpx targets when -Xstarget is omitted


def host_file(top: str) -> str:
    return f"{top}_host.cpp"


def fpga_device(part: str) -> str:
    """The -Xstarget of a config `part`: Intel names pass through, an AMD part becomes Agilex7."""
    if not _DEVICE.match(part):
        raise GnncError(f"part {part!r} is not a valid FPGA device name for -Xstarget")
    return DEFAULT_DEVICE if _AMD_PART.match(part) else part


# -------------------------------------------------------------------------------------------
# Host program: the shared host generator, talking to the kernel through host pipes.


def _decls(top: str, ports: Sequence[Port], dims: Mapping[str, str]) -> list[str]:
    beats = [p for p in ports if p.name in dims and not p.stream]
    lines = []
    if beats:  # the host fills a pipe beat in place: port::<name> is its array
        lines += ["// One pipe beat per array port: the kernel reads and writes whole arrays.",
                  "namespace beat {"]
        lines += [f"{beat_type(top, p.name)} {p.name};" for p in beats]
        lines += ["}  // namespace beat", ""]
    lines += ["// The design's port arrays, named as in the top function.", "namespace port {"]
    for p in ports:
        if p.name not in dims:
            continue
        if p.stream:  # rows go through the pipe one by one (push_rows / pop_rows)
            lines.append(f"{p.ctype} {p.name}{dims[p.name]};")
        else:
            lines.append(f"{p.ctype} (&{p.name}){dims[p.name]} = beat::{p.name}.data;")
    lines.append("}  // namespace port")
    return lines


def _call(top: str, ports: Sequence[Port]) -> list[str]:
    lines = [f"  sycl::event done = q.single_task({kernel_name(top)}{{}});"]
    for p in sorted(ports, key=lambda p: p.role != "count"):
        if p.direction != "in":
            continue
        pipe = pipe_name(top, p.name)
        if p.stream:
            lines.append(f"  push_{tb.stream_rows(p)}<{pipe}>(q, port::{p.name}, {tb.count_name(p)});")
        else:
            value = tb.count_value(p) if p.role == "count" else f"beat::{p.name}"
            lines.append(f"  {pipe}::write(q, {value});")
    for p in ports:
        if p.direction == "out":
            pipe = pipe_name(top, p.name)
            if p.stream:
                lines.append(f"  pop_rows<{pipe}>(q, port::{p.name}, {tb.count_name(p)});")
            else:
                lines.append(f"  beat::{p.name} = {pipe}::read(q);")
    lines.append("  done.wait();")
    return lines


_STREAMS = """
// io: stream ports: one row (a node's or an edge's values, an edge's two node indices) per
// pipe transfer.
template <class Pipe, class T, std::size_t R, std::size_t C>
void push_rows(sycl::queue& q, const T (&a)[R][C], long long rows) {
  for (long long i = 0; i < rows; i++) {
    gnnc_row<T, C> r;
    for (std::size_t j = 0; j < C; j++) r.v[j] = a[i][j];
    Pipe::write(q, r);
  }
}

template <class Pipe, class T, std::size_t C>
void push_columns(sycl::queue& q, const T (&a)[2][C], long long cols) {
  for (long long e = 0; e < cols; e++) {
    gnnc_row<T, 2> r;
    for (int k = 0; k < 2; k++) r.v[k] = a[k][e];
    Pipe::write(q, r);
  }
}

template <class Pipe, class T, std::size_t R, std::size_t C>
void pop_rows(sycl::queue& q, T (&a)[R][C], long long rows) {
  for (long long i = 0; i < rows; i++) {
    gnnc_row<T, C> r = Pipe::read(q);
    for (std::size_t j = 0; j < C; j++) a[i][j] = r.v[j];
  }
}
"""


_SETUP = """\
#if defined(FPGA_SIMULATOR)
  auto selector = sycl::ext::intel::fpga_simulator_selector_v;
#elif defined(FPGA_HARDWARE)
  auto selector = sycl::ext::intel::fpga_selector_v;
#else
  auto selector = sycl::ext::intel::fpga_emulator_selector_v;
#endif
  sycl::queue q(selector);

"""

ONEAPI = tb.HostFlavor(
    title="oneAPI host program",
    program="{top}.fpga_emu",
    default_note="",
    diag_comment=(
        "// The kernel leaves the padding rows of its outputs unset (as the Vitis top function does)\n"
        "// and ac types do not initialise themselves; g++ -O1 reports copying them as\n"
        "// (maybe-)uninitialized use. They are never printed."),
    includes=lambda top: f'#include "{top}.hpp"',
    decls=_decls,
    call=_call,
    run_doc=("// One kernel run: launch it, feed its input pipes (counts first: the kernel reads them\n"
             "// before any row), then drain its output pipes."),
    setup=_SETUP,
    run_param="sycl::queue& q",
    stream_helpers=_STREAMS,
)


def generate_host(top: str, ports: Sequence[Port], max_nodes: int, max_edges: int) -> str:
    """C++ source of `src/<top>_host.cpp`."""
    return tb.generate_host(top, ports, max_nodes, max_edges, ONEAPI)


# -------------------------------------------------------------------------------------------
# C simulation and project files


def _check(top: str, firmware: Mapping[str, str], ports: Sequence[Port], err=GnncError) -> list[str]:
    sources = common.check_firmware(top, firmware, ports, f"{top}.hpp", "host program", err)
    if host_file(top) in firmware:
        raise err(f"firmware must not contain {host_file(top)}: gnnc writes the host program")
    return sources


def csim_layout(top: str, firmware: Mapping[str, str], ports: Sequence[Port], max_nodes: int,
                max_edges: int, err=GnncError) -> CSimLayout:
    sources = _check(top, firmware, ports, err)
    files = {f"src/{n}": text for n, text in firmware.items()}
    files[f"src/{host_file(top)}"] = generate_host(top, ports, max_nodes, max_edges)
    files.update(standin.files())
    return CSimLayout(files=files,
                      sources=[f"src/{s}" for s in sources] + [f"src/{host_file(top)}"],
                      include_dirs=[standin.DIR, "src"])


def write_project(out_dir: str | os.PathLike, *, top: str, firmware: Mapping[str, str],
                  ports: Sequence[Port], max_nodes: int, max_edges: int, part: str,
                  clock_period_ns: float, config: Mapping[str, Any],
                  example_inputs: GraphsArg = None, expected_outputs: GraphsArg = None,
                  force: bool = False, estimate: Mapping[str, Any] | None = None,
                  design_files: Mapping[str, str] | None = None) -> Path:
    """Write the project to `out_dir` atomically and return its path (see the module doc)."""
    out = Path(out_dir)
    common.check_destination(out, force)
    layout = csim_layout(top, firmware, ports, max_nodes, max_edges)
    device = fpga_device(part)
    if not (isinstance(clock_period_ns, (int, float)) and clock_period_ns > 0):
        raise GnncError(f"clock_period_ns must be a positive number, got {clock_period_ns!r}")
    files = dict(layout.files)
    data, n_graphs, has_expected = common.data_files(
        top, ports, max_nodes, max_edges, example_inputs, expected_outputs,
        f"src/{host_file(top)}")
    files.update(data)
    clock = f"{float(clock_period_ns):g}"
    kernel_sources = [s for s in layout.sources if not s.endswith(host_file(top))]
    files["CMakeLists.txt"] = _cmake(top, layout.sources, device, clock)
    files[common.MARKER] = common.config_file(config)
    files["README.md"] = _readme(top, ports, kernel_sources, layout.sources, part, device, clock,
                                 max_nodes, max_edges, n_graphs, has_expected)
    common.add_estimate(files, estimate)
    files.update(design_files or {})  # what gnnc.load reopens the design from
    return common.write_atomically(out, files, force)


def _cmake(top: str, sources: list[str], device: str, clock: str) -> str:
    srcs = " ".join(sources)
    return f"""\
# Intel oneAPI FPGA build of `{top}`, written by gnnc. Needs icpx (oneAPI DPC++/C++ compiler
# with the FPGA support package). From this directory:
#
#   cmake -B build [-DFPGA_DEVICE=<family | part number | bsp:variant>]
#   cmake --build build --target fpga_emu   # emulator, seconds:        build/{top}.fpga_emu
#   cmake --build build --target report     # report + RTL, minutes:    build/{top}.report.prj/reports/report.html
#   cmake --build build --target fpga_sim   # RTL simulation (Questa):  build/{top}.fpga_sim
#   cmake --build build --target fpga       # hardware image, hours:    build/{top}.fpga
#
# Run an executable from this directory (it reads tb_data/ here), e.g. build/{top}.fpga_emu.
# Extra flags: -DUSER_FLAGS="..." (every compile and link), -DUSER_HARDWARE_FLAGS="..." (FPGA
# backend: report, fpga_sim, fpga).

cmake_minimum_required(VERSION 3.13)
if(UNIX)
  set(CMAKE_CXX_COMPILER icpx)
else()
  set(CMAKE_CXX_COMPILER icx-cl)
endif()

project({top} CXX)

set(SOURCE_FILES {srcs})
set(TARGET_NAME {top})

# -Xstarget: an FPGA family (Agilex7, Stratix10, ...), a part number or a board <bsp>:<variant>.
if(NOT DEFINED FPGA_DEVICE)
  set(FPGA_DEVICE "{device}")
endif()
# -Xsclock: the schedule fMAX target, from the gnnc config's clock_period_ns.
if(NOT DEFINED CLOCK_TARGET)
  set(CLOCK_TARGET "{clock}ns")
endif()
message(STATUS "gnnc: FPGA_DEVICE=${{FPGA_DEVICE}} CLOCK_TARGET=${{CLOCK_TARGET}}")

if(WIN32)
  set(QACTYPES -Qactypes)
  set(PLATFORM_FLAGS /EHsc)
else()
  set(QACTYPES -qactypes)
  set(PLATFORM_FLAGS)
endif()

set(COMPILE_FLAGS -fsycl -fintelfpga ${{QACTYPES}} -Wall ${{PLATFORM_FLAGS}} ${{USER_FLAGS}})
set(LINK_FLAGS -fsycl -fintelfpga ${{QACTYPES}} ${{USER_FLAGS}})
set(BACKEND_FLAGS -Xstarget=${{FPGA_DEVICE}} -Xsclock=${{CLOCK_TARGET}} ${{USER_HARDWARE_FLAGS}})

# FPGA emulator: the kernel runs on the CPU (the only target `cmake --build build` builds).
add_executable(fpga_emu ${{SOURCE_FILES}})
target_include_directories(fpga_emu PRIVATE src)
target_compile_options(fpga_emu PRIVATE ${{COMPILE_FLAGS}} -DFPGA_EMULATOR)
target_link_options(fpga_emu PRIVATE ${{LINK_FLAGS}})
set_target_properties(fpga_emu PROPERTIES OUTPUT_NAME ${{TARGET_NAME}}.fpga_emu)

# Optimization report and RTL, no bitstream: stop after the early link.
add_executable(report EXCLUDE_FROM_ALL ${{SOURCE_FILES}})
target_include_directories(report PRIVATE src)
target_compile_options(report PRIVATE ${{COMPILE_FLAGS}} -DFPGA_HARDWARE)
target_link_options(report PRIVATE -fsycl -fintelfpga ${{USER_FLAGS}} -Xshardware ${{BACKEND_FLAGS}} -fsycl-link=early)
set_target_properties(report PROPERTIES OUTPUT_NAME ${{TARGET_NAME}}.report)

# Simulation of the generated RTL (needs a simulator, e.g. Questa FPGA Edition).
add_executable(fpga_sim EXCLUDE_FROM_ALL ${{SOURCE_FILES}})
target_include_directories(fpga_sim PRIVATE src)
target_compile_options(fpga_sim PRIVATE ${{COMPILE_FLAGS}} -Xssimulation -DFPGA_SIMULATOR)
target_link_options(fpga_sim PRIVATE ${{LINK_FLAGS}} -Xssimulation ${{BACKEND_FLAGS}})
set_target_properties(fpga_sim PROPERTIES OUTPUT_NAME ${{TARGET_NAME}}.fpga_sim)

# Full hardware compile (Quartus), hours.
add_executable(fpga EXCLUDE_FROM_ALL ${{SOURCE_FILES}})
target_include_directories(fpga PRIVATE src)
target_compile_options(fpga PRIVATE ${{COMPILE_FLAGS}} -DFPGA_HARDWARE)
target_link_options(fpga PRIVATE ${{LINK_FLAGS}} -Xshardware ${{BACKEND_FLAGS}})
set_target_properties(fpga PROPERTIES OUTPUT_NAME ${{TARGET_NAME}}.fpga)
"""


def _readme(top, ports, kernel_sources, sources, part, device, clock, max_nodes, max_edges,
            n_graphs, has_expected) -> str:
    rows = []
    for p in ports:
        dims = p.shape(max_nodes, max_edges)
        shape = "".join(f"[{d}]" for d in dims) if dims else "scalar"
        rows.append(f"| `{p.name}` | {p.direction} | {p.role} | {shape} | `{p.ctype}` | "
                    f"`{pipe_name(top, p.name)}` |")
    if n_graphs:
        data = (f"`tb_data/input.txt` holds {n_graphs} example graph(s)"
                + (" and `tb_data/expected.txt` the outputs gnnc's bit-exact emulator computed for "
                   "them; the host program fails on any differing bit." if has_expected else "."))
    else:
        data = ("The project was written without example inputs: put graphs in "
                "`tb_data/input.txt` (format in the host program's header comment) to run it.")
    device_note = (f"`{device}`" if device == part else
                   f"`{device}` (the config's part `{part}` is an AMD part, not an Intel target)")
    return f"""\
# `{top}`: an Intel oneAPI FPGA project written by gnnc

Kernel `{kernel_name(top)}` around the top function `{top}`, compiled for graphs of up to
{max_nodes} nodes and {max_edges} edges; FPGA device {device_note}, schedule target
{clock} ns. Every graph also passes its real `n_nodes` / `n_edges`; rows past them are ignored.

| path | what |
|---|---|
| `src/{top}.hpp` | the top function's declaration, one host pipe per port, the kernel functor |
| {", ".join(f"`{s}`" for s in kernel_sources)} | the design: top function and kernel body (`[[intel::...]]`, `#pragma unroll`) |
| `src/{top}_weights.hpp`, `src/gnnc_support.hpp` | weights as raw integers; raw-bit and table helpers |
| `src/{top}_host.cpp` | host program: runs `tb_data/input.txt` through the kernel; its header comment defines the data format |
| `tb_data/` | example inputs and expected outputs |
| `CMakeLists.txt` | `fpga_emu`, `report`, `fpga_sim` and `fpga` targets (icpx) |
| `sycl_standin/` | plain-C++ stand-in for SYCL, for the g++ C simulation only |
| `gnnc_config.yaml` | the gnnc config this project was compiled with |
| `gnnc_design.mlir`, `gnnc_design.json` | the design's gnn IR, how the model is called and the example: `gnnc.load(PRJ)` reopens the design from them |

## Ports (arguments of `{top}`, in order; each is a host pipe of the kernel)

| name | direction | role | C shape | element type | pipe |
|---|---|---|---|---|---|
{chr(10).join(rows)}

An array port's pipe carries one `struct {{ T data[...]; }}` per graph; a count's pipe carries
the scalar. The host launches the kernel, writes one beat into every input pipe and reads one
beat from every output pipe per graph.

{data}

## Build with oneAPI (icpx)

```sh
cmake -B build                                  # or -DFPGA_DEVICE=Stratix10, a part, a bsp:variant
cmake --build build --target fpga_emu && build/{top}.fpga_emu        # emulator, seconds
cmake --build build --target report     # build/{top}.report.prj/reports/report.html
cmake --build build --target fpga_sim && build/{top}.fpga_sim        # RTL simulation
cmake --build build --target fpga && build/{top}.fpga                # hardware, hours
```

Run the executables from this directory: with no arguments they read `tb_data/input.txt`
and compare with `tb_data/expected.txt`; `{top}.fpga_emu INPUT OUTPUT [EXPECTED]` runs other
graphs. Exit status 1 means an output differs from the expected one.

## C simulation without oneAPI (g++, the open ac_types headers and the stand-in)

```sh
AC=$(python -c "import gnnc.csim; print(gnnc.csim.ac_types_dir())")  # or HLSLibs ac_types/include
g++ -std=c++17 -O1 -Wno-unknown-pragmas -Isycl_standin -Isrc -isystem "$AC" \\
    {" ".join(sources)} -o {top}_csim
./{top}_csim tb_data/input.txt out.txt{" tb_data/expected.txt" if has_expected else ""}
```

`sycl_standin/` implements the queue, `single_task` and the pipes as plain C++ (the kernel
runs when the host reads its outputs), so the kernel source is the one icpx compiles;
`-Wno-unknown-pragmas` is for `#pragma unroll`, which g++ does not know.
"""
