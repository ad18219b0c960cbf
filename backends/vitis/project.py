"""Write a Vitis HLS project: firmware, testbench, test data, build scripts, config, README.

The directory is built next to its destination and renamed into place, so a reader never
sees half a project and a failure leaves the old one untouched (DESIGN.md §9).
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from gnnc.backends import project as common
from gnnc.backends.ports import Port
from gnnc.backends.project import GraphsArg
from gnnc.backends.vitis import testbench as tb
from gnnc.errors import GnncError

_PART = re.compile(r"[A-Za-z0-9_.\-]+\Z")
_MARKER = common.MARKER


def csim_layout(top: str, firmware: Mapping[str, str], ports: Sequence[Port], max_nodes: int,
                max_edges: int, err=GnncError):
    """What the g++ C simulation compiles: firmware/ and the testbench, as in the project."""
    tb.check_ports(ports, err)
    for name in firmware:
        if not name or "/" in name or "\\" in name or name.startswith("."):
            raise err(f"firmware file name {name!r} must be a plain file name")
    if f"{top}.h" not in firmware:
        raise err(f"firmware has no {top}.h, which the testbench includes")
    files = {f"firmware/{n}": text for n, text in firmware.items()}
    tb_src = f"tb/{top}_tb.cpp"
    files[tb_src] = tb.generate_testbench(top, ports, max_nodes, max_edges)
    sources = [f"firmware/{n}" for n in sorted(firmware) if n.endswith(common.SOURCE_EXT)]
    return common.CSimLayout(files=files, sources=[*sources, tb_src], include_dirs=["firmware"])


def write_project(out_dir: str | os.PathLike, *, top: str, firmware: Mapping[str, str],
                  ports: Sequence[Port], max_nodes: int, max_edges: int, part: str,
                  clock_period_ns: float, config: Mapping[str, Any],
                  example_inputs: GraphsArg = None, expected_outputs: GraphsArg = None,
                  force: bool = False, estimate: Mapping[str, Any] | None = None,
                  design_files: Mapping[str, str] | None = None) -> Path:
    """Write the project to `out_dir` atomically and return its path.

    example_inputs / expected_outputs: one graph (dict of arrays by port name, real sizes)
    or a list of them; they become tb_data/input.txt and tb_data/expected.txt, which
    `csim_design` runs and checks bit for bit."""
    out = Path(out_dir)
    common.check_destination(out, force)
    files = _render(top=top, firmware=firmware, ports=ports, max_nodes=max_nodes,
                    max_edges=max_edges, part=part, clock_period_ns=clock_period_ns,
                    config=config, example_inputs=example_inputs,
                    expected_outputs=expected_outputs)
    common.add_estimate(files, estimate)
    files.update(design_files or {})  # what gnnc.load reopens the design from
    return common.write_atomically(out, files, force)


def _render(*, top, firmware, ports, max_nodes, max_edges, part, clock_period_ns, config,
            example_inputs, expected_outputs) -> dict[str, str]:
    """Every file of the project by relative path; all checks happen here, before any write."""
    sources = common.check_firmware(top, firmware, ports, f"{top}.h", "testbench")
    if not _PART.match(part):
        raise GnncError(f"part {part!r} is not a valid FPGA part name")
    if not (isinstance(clock_period_ns, (int, float)) and clock_period_ns > 0):
        raise GnncError(f"clock_period_ns must be a positive number, got {clock_period_ns!r}")

    files = {f"firmware/{n}": text for n, text in firmware.items()}
    files[f"tb/{top}_tb.cpp"] = tb.generate_testbench(top, ports, max_nodes, max_edges)
    data, n_graphs, has_expected = common.data_files(
        top, ports, max_nodes, max_edges, example_inputs, expected_outputs, f"tb/{top}_tb.cpp")
    files.update(data)

    clock = f"{float(clock_period_ns):g}"
    has_data = bool(n_graphs)
    files["build_prj.tcl"] = _tcl(top, sources, part, clock, has_data)
    files["hls_config.cfg"] = _cfg(top, sources, part, clock, has_data)
    files[_MARKER] = common.config_file(config)
    files["README.md"] = _readme(top, ports, sources, part, clock, max_nodes, max_edges,
                                 n_graphs, has_expected)
    return files


def _tcl(top: str, sources: list[str], part: str, clock: str, has_data: bool) -> str:
    add_syn = "\n".join(f'add_files firmware/{s} -cflags "-std=c++14"' for s in sources)
    return f"""\
# Vitis HLS build script for `{top}`, written by gnnc. Run it from any directory:
#   vitis_hls -f build_prj.tcl                    (Vitis HLS 2020.2 and later)
#   vitis-run --mode hls --tcl build_prj.tcl      (Vitis 2023.2 and later)
#
# Steps, in order: csim (C simulation: tb/ on tb_data/, checked against tb_data/expected.txt),
# synth (C synthesis), cosim (C/RTL co-simulation), export (Vivado IP catalog). Each is on (1)
# or off (0); later sources win:
#   1. the defaults below (all on);
#   2. Tcl, before sourcing this file:  set gnnc_step(cosim) 0; source build_prj.tcl
#   3. environment:  GNNC_SYNTH=0 GNNC_COSIM=0 GNNC_EXPORT=0 vitis-run --mode hls --tcl build_prj.tcl
#   4. arguments:    vitis_hls -f build_prj.tcl -tclargs synth=0 cosim=0 export=0
# reset=0 keeps the previous project and solution, so cosim/export can follow an earlier synth.
# The script ends with `exit` unless gnnc_no_exit is set. Plain Tcl 8.5 (Vitis ships 8.5/8.6).
#
# Reports: {top}_prj/solution1/syn/report/csynth.xml (and csynth.rpt),
#          {top}_prj/solution1/sim/report/{top}_cosim.rpt, {top}_prj/solution1/csim/report/;
# the IP:  {top}_prj/solution1/impl/ip/

set gnnc_root [file dirname [file normalize [info script]]]
set gnnc_cwd [pwd]
cd $gnnc_root

set top {top}
set part {part}
set clock_period {clock}

foreach {{step on}} {{reset 1 csim 1 synth 1 cosim 1 export 1}} {{
    if {{![info exists gnnc_step($step)]}} {{ set gnnc_step($step) $on }}
    set var GNNC_[string toupper $step]
    if {{[info exists ::env($var)]}} {{ set gnnc_step($step) $::env($var) }}
}}
if {{[info exists ::argv]}} {{
    foreach arg $::argv {{
        if {{[regexp {{^(\\w+)=(.*)$}} $arg -> key value] && [info exists gnnc_step($key)]}} {{
            set gnnc_step($key) $value
        }} else {{
            puts "gnnc: ignoring argument '$arg' (expected reset|csim|synth|cosim|export=0|1)"
        }}
    }}
}}
foreach step {{reset csim synth cosim export}} {{
    if {{![string is boolean -strict $gnnc_step($step)]}} {{
        error "gnnc: $step=$gnnc_step($step) is not a boolean (0 or 1)"
    }}
    lappend gnnc_summary "$step=$gnnc_step($step)"
}}
puts "gnnc: steps $gnnc_summary"

if {{$gnnc_step(reset)}} {{ open_project -reset ${{top}}_prj }} else {{ open_project ${{top}}_prj }}
set_top $top
{add_syn}
# The testbench includes ../firmware/{top}.h relative to itself: no -I needed.
add_files -tb tb/{top}_tb.cpp -cflags "-std=c++14"
if {{[file isdirectory tb_data]}} {{ add_files -tb tb_data }}
if {{$gnnc_step(reset)}} {{
    open_solution -reset solution1 -flow_target vivado
}} else {{
    open_solution solution1 -flow_target vivado
}}
set_part $part
create_clock -period $clock_period -name default

set gnnc_has_data [file exists tb_data/input.txt]
if {{$gnnc_step(csim)}} {{
    if {{$gnnc_has_data}} {{
        csim_design
    }} else {{
        puts "gnnc: no tb_data/input.txt (project written without example inputs): skipping csim"
    }}
}}
if {{$gnnc_step(synth)}} {{ csynth_design }}
if {{$gnnc_step(cosim)}} {{
    if {{$gnnc_has_data}} {{
        cosim_design -trace_level none
    }} else {{
        puts "gnnc: no tb_data/input.txt (project written without example inputs): skipping cosim"
    }}
}}
if {{$gnnc_step(export)}} {{ export_design -format ip_catalog }}
if {{[info exists gnnc_no_exit]}} {{ cd $gnnc_cwd }} else {{ exit }}
"""


def _cfg(top: str, sources: list[str], part: str, clock: str, has_data: bool) -> str:
    syn = "\n".join(f"syn.file=firmware/{s}" for s in sources)
    data = "tb.file=tb_data\n" if has_data else ""
    return f"""\
# HLS component config for `{top}`, written by gnnc (Vitis 2024.1 and later).
# Run from this directory (paths are relative to it):
#   v++ -c --mode hls --config hls_config.cfg --work_dir {top}_comp          C synthesis
#   vitis-run --mode hls --csim --config hls_config.cfg --work_dir {top}_comp
#   vitis-run --mode hls --cosim --config hls_config.cfg --work_dir {top}_comp
#   vitis-run --mode hls --package --config hls_config.cfg --work_dir {top}_comp
part={part}

[hls]
flow_target=vivado
clock={clock}ns
syn.top={top}
{syn}
syn.cflags=-std=c++14
tb.file=tb/{top}_tb.cpp
{data}tb.cflags=-std=c++14
csim.O=true
cosim.trace_level=none
package.output.format=ip_catalog
"""


def _readme(top, ports, sources, part, clock, max_nodes, max_edges, n_graphs, has_expected) -> str:
    rows = []
    for p in ports:
        dims = p.shape(max_nodes, max_edges)
        shape = "".join(f"[{d}]" for d in dims) if dims else "scalar"
        rows.append(f"| `{p.name}` | {p.direction} | {p.role} | {shape} | `{p.ctype}` |")
    srcs = " ".join(f"firmware/{s}" for s in sources)
    if n_graphs:
        data = (f"`tb_data/input.txt` holds {n_graphs} example graph(s)"
                + (" and `tb_data/expected.txt` the outputs gnnc's bit-exact emulator computed for "
                   "them; the testbench fails on any differing bit." if has_expected else "."))
    else:
        data = ("The project was written without example inputs: `csim` is skipped until you put "
                "graphs in `tb_data/input.txt` (format in the testbench's header comment).")
    return f"""\
# `{top}`: a Vitis HLS project written by gnnc

Top function `{top}`, compiled for graphs of up to {max_nodes} nodes and {max_edges} edges;
part `{part}`, clock period {clock} ns. Every call also takes the real `n_nodes` / `n_edges`;
rows past them are ignored.

| path | what |
|---|---|
| `firmware/` | the design (synthesised): {", ".join(f"`{s}`" for s in sources)} and headers |
| `tb/{top}_tb.cpp` | C simulation testbench; its header comment defines the data file format |
| `tb_data/` | example inputs and expected outputs for the testbench |
| `build_prj.tcl` | Vitis HLS Tcl script: csim, synthesis, co-simulation, IP export |
| `hls_config.cfg` | the same for the `v++ --mode hls` flow (Vitis 2024.1+) |
| `gnnc_config.yaml` | the gnnc config this project was compiled with |
| `gnnc_design.mlir`, `gnnc_design.json` | the design's gnn IR, how the model is called and the example: `gnnc.load(PRJ)` reopens the design from them |

## Ports (arguments of `{top}`, in order)

| name | direction | role | C shape | element type |
|---|---|---|---|---|
{chr(10).join(rows)}

{data}

## Build with Vitis HLS

```sh
vitis_hls -f build_prj.tcl                                  # csim, synth, cosim, export
vitis_hls -f build_prj.tcl -tclargs synth=0 cosim=0 export=0  # C simulation only
vitis_hls -f build_prj.tcl -tclargs csim=0 cosim=0 export=0   # synthesis only
GNNC_COSIM=0 GNNC_EXPORT=0 vitis-run --mode hls --tcl build_prj.tcl  # Vitis 2023.2+
```

The script works from any directory; the project goes to `{top}_prj/` beside it. Synthesis
reports: `{top}_prj/solution1/syn/report/csynth.rpt` and `csynth.xml`.

With the unified flow (Vitis 2024.1+), from this directory:

```sh
v++ -c --mode hls --config hls_config.cfg --work_dir {top}_comp
vitis-run --mode hls --csim --config hls_config.cfg --work_dir {top}_comp
```

## C simulation without Vitis (g++ and the open ap_types headers)

```sh
AP=$(python -c "import gnnc.csim; print(gnnc.csim.ap_types_dir())")  # or Xilinx's HLS_arbitrary_Precision_Types/include
g++ -std=c++17 -O1 -Wno-unknown-pragmas -DGNNC_CSIM -isystem "$AP" {srcs} tb/{top}_tb.cpp -o {top}_csim
./{top}_csim tb_data/input.txt out.txt{" tb_data/expected.txt" if has_expected else ""}
```

The testbench runs every graph in the input file and writes the outputs (same format) to
the second argument (`-` or nothing: stdout); a third argument is a file of expected
outputs to compare with bit for bit (exit status 1 on the first difference).
"""
