"""The generated testbench (Vitis) and host program (oneAPI) read like the top function: the
port arrays are named as in it, a graph is a short list of calls, counts are cast with the
port type's constructor, and nothing is an SSA-style copy (`t_x`, `p_x`, `b_x`)."""

import re
import shutil
import subprocess

import pytest

from gnnc.backends.oneapi.project import generate_host
from gnnc.backends.ports import Port
from gnnc.backends.testbench import generate_testbench

FX = "ap_fixed<16, 8>"
PORTS = [
    Port("x", "in", "features", "nodes", 2, FX, 8),
    Port("edge_index", "in", "edge_index", None, 0, "ap_uint<3>"),
    Port("n_nodes", "in", "count", "nodes", 0, "ap_uint<4>"),
    Port("n_edges", "in", "count", "edges", 0, "ap_uint<4>"),
    Port("y", "out", "features", "edges", 1, FX, 8),
]


def _function(src: str, head: str) -> list[str]:
    """The body lines of the generated function whose definition starts with `head`."""
    lines = src.splitlines()
    start = next(k for k, line in enumerate(lines) if line.startswith(head))
    end = next(k for k in range(start, len(lines)) if lines[k] == "}")
    return [line.strip() for line in lines[start + 1:end]]


def test_vitis_testbench_names_ports_like_the_top():
    src = generate_testbench("toy", PORTS, 8, 8)
    assert not re.search(r"\b[tpbs]_(x|edge_index|n_nodes|n_edges|y)\b", src)
    assert "namespace port {\nap_fixed<16, 8> x[8][2];\nap_uint<3> edge_index[2][8];\nap_fixed<16, 8> y[8][1];\n}" in src
    assert _function(src, "void run(") == [
        "::toy(port::x, port::edge_index, ap_uint<4>(n.nodes), ap_uint<4>(n.edges), port::y);"]
    assert _function(src, "void read_inputs(") == [
        "zero(port::x);", "zero(port::edge_index);", "zero(port::y);",
        'read_features(in, "x", port::x, n.nodes);',
        'read_edge_index(in, "edge_index", port::edge_index, n.edges, n.nodes);']
    loop = _function(src, "int main(")
    calls = loop[loop.index("const Counts n = read_counts(in);"):]
    assert calls[:5] == ["const Counts n = read_counts(in);", "read_inputs(in, n);", "run(n);",
                         "write_outputs(out, n);", "if (check) compare_outputs(want, n, graphs, stats);"]


def test_oneapi_host_fills_the_pipe_beats_in_place():
    ports = [Port(p.name, p.direction, p.role, p.rows, p.features,
                  p.ctype.replace("ap_fixed<16, 8>", "ac_fixed<16, 8, true>").replace("ap_uint<3>", "ac_int<3, false>")
                  .replace("ap_uint<4>", "ac_int<4, false>"), p.frac_bits) for p in PORTS]
    src = generate_host("toy", ports, 8, 8)
    assert not re.search(r"\b[tpbs]_(x|edge_index|n_nodes|n_edges|y)\b", src)
    assert "namespace beat {\ntoy_x_t x;\ntoy_edge_index_t edge_index;\ntoy_y_t y;\n}" in src
    assert "ac_fixed<16, 8, true> (&x)[8][2] = beat::x.data;" in src
    assert _function(src, "void run(sycl::queue& q, const Counts& n)") == [
        "sycl::event done = q.single_task(toy_kernel{});",
        "toy_n_nodes_pipe::write(q, ac_int<4, false>(n.nodes));",  # counts first: read before rows
        "toy_n_edges_pipe::write(q, ac_int<4, false>(n.edges));",
        "toy_x_pipe::write(q, beat::x);", "toy_edge_index_pipe::write(q, beat::edge_index);",
        "beat::y = toy_y_pipe::read(q);", "done.wait();"]
    assert "    run(q, n);" in src


@pytest.mark.skipif(shutil.which("g++") is None, reason="needs g++")
def test_unused_parameters_compile_without_warnings(tmp_path):
    """A design without count ports: run() does not use the counts, marked [[maybe_unused]]
    so -Wall -Wextra stay quiet (syntax only: the ap headers, no design to link)."""
    from gnnc.csim import ap_types_dir

    ports = [p for p in PORTS if p.role != "count"]
    src = generate_testbench("toy", ports, 8, 8)
    assert "void run([[maybe_unused]] const Counts& n) {" in src
    (tmp_path / "firmware").mkdir()
    (tmp_path / "firmware" / "toy.h").write_text(
        '#include "ap_fixed.h"\n#include "ap_int.h"\n'
        "void toy(const ap_fixed<16, 8> x[8][2], const ap_uint<3> edge_index[2][8], ap_fixed<16, 8> y[8][1]);\n")
    (tmp_path / "tb").mkdir()
    (tmp_path / "tb" / "toy_tb.cpp").write_text(src)
    proc = subprocess.run(["g++", "-std=c++17", "-Wall", "-Wextra", "-Werror", "-fsyntax-only",
                           "-isystem", str(ap_types_dir()), "tb/toy_tb.cpp"],
                          cwd=tmp_path, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr[-2000:]
