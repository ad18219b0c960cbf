"""The host side of a C simulation: one C++ program per design, and the text files it reads and writes.

The program is one `main` that feeds graphs from a text file to the design and prints its
outputs in the same text format, optionally comparing them with an expected file bit for
bit. The file format is described at the top of the generated C++ (see `_HEAD`); the Python
functions here write inputs and expected outputs in it and parse the outputs back, so the
g++ runner (`gnnc.csim`) and the project writers share one definition.

One generator serves every backend (`generate_host`); a backend's `HostFlavor` says how one
graph reaches the design: the Vitis testbench calls the top function, the oneAPI host
program writes host pipes, runs the kernel with `single_task` and reads the output pipes.

Port conventions (docs/architecture.md): the ports are the top function's arguments in list
order; input arrays are `const`, counts are passed by value, arrays have the C shape
`Port.shape(max_nodes, max_edges)`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from gnnc.backends.ports import Port
from gnnc.errors import GnncError

_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
# Widths of the element types whose values a double holds exactly up to 53 bits:
# ap_[u]fixed / ap_[u]int (Vitis) and ac_fixed / ac_int (oneAPI) spell the width first.
_TYPE_WIDTH = re.compile(r"\s*(?:ap_u?(?:fixed|int)|ac_(?:fixed|int))\s*<\s*(\d+)")
_BUILTIN_EXACT = {"float", "double", "bool", "char", "short", "int", "int8_t", "int16_t", "int32_t",
                  "uint8_t", "uint16_t", "uint32_t", "signed char", "unsigned char",
                  "unsigned short", "unsigned", "unsigned int"}

Graph = Mapping[str, np.ndarray]
#: What the rows of a port are; a graph-level array has one row per graph.
ROWS = ("nodes", "edges", "graphs")


# --------------------------------------------------------------------------------------------
# Ports


def check_ports(ports: Sequence[Port], err: type[GnncError] = GnncError) -> None:
    """Reject port lists the testbench cannot drive (a compiler bug, not a user error)."""
    seen: set[str] = set()
    for p in ports:
        where = f"port {p.name!r}"
        if not _IDENT.match(p.name):
            raise err(f"{where}: not a C identifier")
        if p.name in seen:
            raise err(f"{where}: duplicate name")
        seen.add(p.name)
        if p.role == "count":
            if p.direction != "in" or p.rows not in ROWS:
                raise err(f"{where}: a count must be an input with rows 'nodes', 'edges' or 'graphs'")
        elif p.role == "batch":
            if p.direction != "in" or p.rows != "nodes" or p.features != 1:
                raise err(f"{where}: a batch must be an input with one value per node")
        elif p.role == "edge_index":
            if p.direction != "in":
                raise err(f"{where}: edge_index must be an input")
        elif p.role == "features":
            if p.rows not in ROWS or p.features < 1:
                raise err(f"{where}: features need rows 'nodes'/'edges'/'graphs' and at least one column")
        else:
            raise err(f"{where}: unknown role {p.role!r}")
    if not any(p.direction == "out" for p in ports):
        raise err("the top function has no output port")


def data_inputs(ports: Sequence[Port]) -> list[Port]:
    """Input ports that carry arrays (counts come from the graph header)."""
    return [p for p in ports if p.direction == "in" and p.role != "count"]


def outputs(ports: Sequence[Port]) -> list[Port]:
    return [p for p in ports if p.direction == "out"]


def ctype_width(ctype: str) -> int | None:
    """Bit width of an ap_[u]fixed / ap_[u]int / ac_fixed / ac_int type; 0 for a builtin held
    exactly by a double; None if the spelling is not recognised (the testbench's
    static_assert decides)."""
    m = _TYPE_WIDTH.match(ctype)
    if m:
        return int(m.group(1))
    return 0 if " ".join(ctype.split()) in _BUILTIN_EXACT else None


def check_exact_outputs(ports: Sequence[Port], err: type[GnncError] = GnncError) -> None:
    """Outputs are exchanged as `%.17g` of `to_double()`: exact only up to 53 bits."""
    for p in outputs(ports):
        w = ctype_width(p.ctype)
        if w is not None and w > 53:
            raise err(f"output {p.name!r} has type {p.ctype} ({w} bits): the testbench prints "
                      "values as doubles, exact only up to 53 bits; narrow the output type")


def check_index_types(ports: Sequence[Port], max_nodes: int, max_edges: int,
                      err: type[GnncError] = GnncError) -> None:
    """Counts must hold the capacity itself and edge_index every node number; a type too
    narrow would wrap silently. Types other than ap_[u]int<W> and ac_int<W, S> are not
    checked."""
    for p in ports:
        if p.role not in ("count", "edge_index"):
            continue
        width = _int_value_bits(p.ctype)
        if width is None:
            continue
        if p.role == "edge_index":
            need = max_nodes - 1
        else:
            need = {"nodes": max_nodes, "edges": max_edges, "graphs": p.graphs}[p.rows or "nodes"]
        if need >= 1 << width:
            raise err(f"port {p.name!r}: {p.ctype} cannot hold {need}")


def _int_value_bits(ctype: str) -> int | None:
    """Value bits (width less the sign bit) of ap_[u]int<W> or ac_int<W, S>, else None."""
    m = re.fullmatch(r"\s*ap_(u?)int\s*<\s*(\d+)\s*>\s*", ctype)
    if m:
        return int(m.group(2)) - (m.group(1) != "u")
    m = re.fullmatch(r"\s*ac_int\s*<\s*(\d+)\s*(?:,\s*(true|false)\s*)?>\s*", ctype)
    if m:
        return int(m.group(1)) - (m.group(2) != "false")
    return None


# --------------------------------------------------------------------------------------------
# The C++ host program (the Vitis testbench, the oneAPI host)

_HEAD = """\
// Generated by gnnc: {title} for `{top}` (max_nodes={max_nodes}, max_edges={max_edges}).
//
// Usage: {program} [INPUT [OUTPUT [EXPECTED]]]
//   INPUT     graphs to run; default tb_data/input.txt
//   OUTPUT    where the outputs go; default "-" (stdout)
//   EXPECTED  outputs to compare with, bit for bit; with no arguments at all,
//             tb_data/expected.txt is used if it exists{default_note}.
// Exit status: 0 ran (and matched), 1 an output differs (the first difference is printed),
// 2 bad input file or I/O error.
//
// File format, shared by INPUT, OUTPUT and EXPECTED. Tokens are separated by white space;
// '#' at the start of a token starts a comment up to the end of the line. A file holds any
// number of graphs, one after another, each:
//
//   graph <n_nodes> <n_edges>{graph_word}
//   <port> <rows> <cols>          followed by rows*cols values, row-major
//   ...                           one such block per port, in the order below
//
// INPUT ports (the counts come from the graph line and are not repeated):
{input_doc}
// OUTPUT / EXPECTED ports:
{output_doc}
//
// Feature values are decimal numbers read with strtod and converted by the port type's
// constructor from double, so the type's own quantization and overflow modes apply; write
// them with 17 significant digits (or Python's repr) so the double is exact. edge_index
// holds integers in [0, n_nodes): row 0 sources, row 1 targets. Outputs are printed as
// %.17g of to_double(), exact for types of at most 53 bits (a static_assert checks).
// Rows past n_nodes / n_edges are zero on input and are not printed.

{diag_comment}
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"
#endif

#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <string>

{includes}

namespace gnnc_tb {{

const long long kMaxNodes = {max_nodes};
const long long kMaxEdges = {max_edges};

{decls}

// Whole-file tokenizer that keeps the line number for error messages.
struct Reader {{
  const char* path;
  std::string text;
  std::size_t pos;
  long line;
}};

inline bool open_reader(Reader& r, const char* path) {{
  std::FILE* f = std::fopen(path, "rb");
  if (!f) return false;
  r.path = path;
  r.text.clear();
  r.pos = 0;
  r.line = 1;
  char buf[1 << 16];
  std::size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) r.text.append(buf, n);
  std::fclose(f);
  return true;
}}

[[noreturn]] inline void fail(const Reader& r, const std::string& msg) {{
  std::fprintf(stderr, "gnnc tb: %s:%ld: %s\\n", r.path, r.line, msg.c_str());
  std::exit(2);
}}

inline bool next_token(Reader& r, std::string& tok) {{
  const std::string& t = r.text;
  for (;;) {{
    while (r.pos < t.size() && std::isspace(static_cast<unsigned char>(t[r.pos]))) {{
      if (t[r.pos] == '\\n') r.line++;
      r.pos++;
    }}
    if (r.pos < t.size() && t[r.pos] == '#') {{
      while (r.pos < t.size() && t[r.pos] != '\\n') r.pos++;
      continue;
    }}
    break;
  }}
  if (r.pos >= t.size()) return false;
  const std::size_t start = r.pos;
  while (r.pos < t.size() && !std::isspace(static_cast<unsigned char>(t[r.pos]))) r.pos++;
  tok.assign(t, start, r.pos - start);
  return true;
}}

inline std::string need_token(Reader& r, const std::string& what) {{
  std::string tok;
  if (!next_token(r, tok)) fail(r, "unexpected end of file, expected " + what);
  return tok;
}}

inline void expect_word(Reader& r, const std::string& word) {{
  const std::string tok = need_token(r, "'" + word + "'");
  if (tok != word) fail(r, "expected '" + word + "', got '" + tok + "'");
}}

inline long long read_int(Reader& r, const std::string& what) {{
  const std::string tok = need_token(r, what);
  char* end = 0;
  const long long v = std::strtoll(tok.c_str(), &end, 10);
  if (end == tok.c_str() || *end != '\\0') fail(r, "expected an integer (" + what + "), got '" + tok + "'");
  return v;
}}

inline double read_double(Reader& r, const std::string& what) {{
  const std::string tok = need_token(r, what);
  char* end = 0;
  const double v = std::strtod(tok.c_str(), &end);
  if (end == tok.c_str() || *end != '\\0') fail(r, "expected a number (" + what + "), got '" + tok + "'");
  return v;
}}

inline void read_block_header(Reader& r, const char* name, long long rows, long long cols) {{
  expect_word(r, name);
  const long long got_rows = read_int(r, std::string(name) + " rows");
  const long long got_cols = read_int(r, std::string(name) + " cols");
  if (got_rows != rows || got_cols != cols)
    fail(r, std::string(name) + " is " + std::to_string(got_rows) + "x" + std::to_string(got_cols) +
                ", expected " + std::to_string(rows) + "x" + std::to_string(cols));
}}

template <class T, std::size_t R, std::size_t C>
void zero(T (&a)[R][C]) {{
  for (std::size_t i = 0; i < R; i++)
    for (std::size_t j = 0; j < C; j++) a[i][j] = T(0);
}}

template <class T, std::size_t R, std::size_t C>
void read_features(Reader& r, const char* name, T (&a)[R][C], long long rows) {{
  read_block_header(r, name, rows, static_cast<long long>(C));
  for (long long i = 0; i < rows; i++)
    for (std::size_t j = 0; j < C; j++) a[i][j] = T(read_double(r, name));
}}

template <class T, std::size_t C>
void read_edge_index(Reader& r, const char* name, T (&a)[2][C], long long n_edges,
                     long long n_nodes) {{
  read_block_header(r, name, 2, n_edges);
  for (int k = 0; k < 2; k++)
    for (long long e = 0; e < n_edges; e++) {{
      const long long v = read_int(r, name);
      if (v < 0 || v >= n_nodes)
        fail(r, std::string(name) + " value " + std::to_string(v) + " is not a node in [0, " +
                    std::to_string(n_nodes) + ")");
      a[k][e] = T(v);
    }}
}}

// Element value as a double: ap types by to_double(), builtins directly.
template <class T>
double to_double(const T& v) {{ return v.to_double(); }}
inline double to_double(double v) {{ return v; }}
inline double to_double(float v) {{ return v; }}
inline double to_double(int v) {{ return v; }}
inline double to_double(unsigned v) {{ return v; }}

// Whether every value of T is a double exactly (so %.17g round-trips it).
template <class T, class = void>
struct exact_in_double {{
  static const bool value = std::numeric_limits<T>::digits <= 53;
}};
template <class T>
struct exact_in_double<T, decltype(void(T::width))> {{
  static const bool value = T::width <= 53;
}};

{asserts}
{helpers}
template <class T, std::size_t R, std::size_t C>
void write_features(std::FILE* f, const char* name, const T (&a)[R][C], long long rows) {{
  std::fprintf(f, "%s %lld %lld\\n", name, rows, static_cast<long long>(C));
  for (long long i = 0; i < rows; i++) {{
    for (std::size_t j = 0; j < C; j++) std::fprintf(f, j ? " %.17g" : "%.17g", to_double(a[i][j]));
    std::fputc('\\n', f);
  }}
}}

// The graph line: how many rows of each kind the graph (or batch) has.
struct Counts {{
  long long nodes;
  long long edges;
  long long graphs;
}};

inline long long read_count(Reader& r, const char* what, long long max, const char* max_name) {{
  const long long v = read_int(r, what);
  if (v < 0 || v > max)
    fail(r, std::string(what) + " " + std::to_string(v) + " is outside [0, " + max_name + "=" +
                std::to_string(max) + "]");
  return v;
}}

// Reads the counts after a "graph" token ({graph_word_doc}).
inline Counts read_counts(Reader& r) {{
  Counts n;
  n.nodes = read_count(r, "n_nodes", kMaxNodes, "max_nodes");
  n.edges = read_count(r, "n_edges", kMaxEdges, "max_edges");
{read_graphs}  return n;
}}

inline bool same_counts(const Counts& a, const Counts& b) {{
  return a.nodes == b.nodes && a.edges == b.edges && a.graphs == b.graphs;
}}

inline void write_counts(std::FILE* f, const Counts& n) {{
{write_counts}}}

struct Stats {{
  long compared;
  long mismatches;
}};

template <class T, std::size_t R, std::size_t C>
void compare_features(Reader& r, const char* name, const T (&a)[R][C], long long rows, long graph,
                      Stats& s) {{
  read_block_header(r, name, rows, static_cast<long long>(C));
  for (long long i = 0; i < rows; i++)
    for (std::size_t j = 0; j < C; j++) {{
      const double want = read_double(r, name);
      const double got = to_double(a[i][j]);
      s.compared++;
      if (!(got == want) && s.mismatches++ == 0)
        std::fprintf(stderr, "gnnc tb: MISMATCH graph %ld %s[%lld][%lld]: got %.17g, expected %.17g\\n",
                     graph, name, i, static_cast<long long>(j), got, want);
    }}
}}

inline void open_or_exit(Reader& r, const char* path) {{
  if (!open_reader(r, path)) {{
    std::fprintf(stderr, "gnnc tb: cannot read %s\\n", path);
    std::exit(2);
  }}
}}

// ---- one graph through the design -------------------------------------------------------

// Padding rows stay zero, so every graph starts from the same state.
void read_inputs({read_params}) {{
{read_inputs}
}}

{run_doc}
void run({run_params}) {{
{run_body}
}}

void write_outputs(std::FILE* out, const Counts& n) {{
  write_counts(out, n);
{write_outputs}
}}

void compare_outputs(Reader& want, const Counts& n, long graph, Stats& stats) {{
  expect_word(want, "graph");
  if (!same_counts(read_counts(want), n))
    fail(want, "graph " + std::to_string(graph) + " has other counts than the input");
{compare_outputs}
}}

}}  // namespace gnnc_tb

int main(int argc, char** argv) {{
  using namespace gnnc_tb;
  if (argc > 4) {{
    std::fprintf(stderr, "usage: %s [INPUT [OUTPUT [EXPECTED]]]\\n", argv[0]);
    return 2;
  }}
  const char* in_path = argc > 1 ? argv[1] : "tb_data/input.txt";
  const char* out_path = argc > 2 ? argv[2] : "-";
  const char* want_path = argc > 3 ? argv[3] : 0;
  if (argc == 1) {{  // run like Vitis csim_design: compare when the expected file is there
    std::FILE* f = std::fopen("tb_data/expected.txt", "rb");
    if (f) {{
      std::fclose(f);
      want_path = "tb_data/expected.txt";
    }}
  }}
  const bool check = want_path != 0 && want_path[0] != '\\0';

  Reader in = Reader();
  open_or_exit(in, in_path);
  Reader want = Reader();
  if (check) open_or_exit(want, want_path);
  std::FILE* out = std::strcmp(out_path, "-") == 0 ? stdout : std::fopen(out_path, "w");
  if (!out) {{
    std::fprintf(stderr, "gnnc tb: cannot write %s\\n", out_path);
    return 2;
  }}

{setup}  Stats stats = {{0, 0}};
  long graphs = 0;
  std::string tok;
  while (next_token(in, tok)) {{
    if (tok != "graph") fail(in, "expected 'graph', got '" + tok + "'");
    const Counts n = read_counts(in);
    read_inputs(in, n);
    run({run_args}n);
    write_outputs(out, n);
    if (check) compare_outputs(want, n, graphs, stats);
    graphs++;
  }}
  if (check && next_token(want, tok)) fail(want, "more graphs expected than the input holds");
  if (out != stdout ? std::fclose(out) != 0 : std::fflush(out) != 0) {{
    std::fprintf(stderr, "gnnc tb: error writing %s\\n", out_path);
    return 2;
  }}
  std::fprintf(stderr, "gnnc tb: %ld graph(s)", graphs);
  if (check) std::fprintf(stderr, ", %ld value(s) compared, %ld mismatch(es)", stats.compared, stats.mismatches);
  std::fputc('\\n', stderr);
  return stats.mismatches ? 1 : 0;
}}
"""


def count_name(p: Port) -> str:
    """The host program's expression for the number of rows of a port (`n` is the Counts)."""
    return "n.edges" if p.role == "edge_index" else f"n.{p.rows or 'nodes'}"


def graph_rows(ports: Sequence[Port]) -> bool:
    """Whether the design has graph-level rows."""
    return any(p.rows == "graphs" for p in ports)


def batched(ports: Sequence[Port]) -> bool:
    """Whether a call holds several graphs (a batch input; n_graphs is on the graph line)."""
    return any(p.role == "count" and p.rows == "graphs" for p in ports)


def _count_code(ports: Sequence[Port]) -> dict[str, str]:
    """The graph line's C++: reading n_graphs (a batch) or fixing it at 1, and printing it."""
    if not batched(ports):
        return {"graph_word_doc": "n_nodes n_edges",
                "read_graphs": "  n.graphs = 1;  // one graph per call\n",
                "write_counts": '  std::fprintf(f, "graph %lld %lld\\n", n.nodes, n.edges);\n'}
    cap = next(p.graphs for p in ports if p.rows == "graphs")
    return {"graph_word_doc": "n_nodes n_edges n_graphs",
            "read_graphs": f'  n.graphs = read_count(r, "n_graphs", {cap}, "max_graphs");\n',
            "write_counts": '  std::fprintf(f, "graph %lld %lld %lld\\n", n.nodes, n.edges, n.graphs);\n'}


_count = count_name


def _doc_line(p: Port) -> str:
    if p.role == "edge_index":
        return f"//   {p.name} 2 <n_edges>        ({p.ctype})"
    return f"//   {p.name} <n_{p.rows}> {p.features}        ({p.ctype})"


def count_value(p: Port) -> str:
    """A count port's value: the graph line's count in the port's type (its constructor)."""
    return f"{p.ctype}({_count(p)})"


@dataclass(frozen=True)
class HostFlavor:
    """What differs between the Vitis testbench and the oneAPI host program.

    decls(top, ports, dims) -> the C++ declaring `port::<name>` (an array of the port's C
    shape, dims[name]) for every data port, and whatever the call needs beside it;
    call(top, ports) -> the body of `run`, one call of the design for the counts `n`."""

    title: str
    program: str  # name in the usage line; {top} is replaced
    default_note: str
    diag_comment: str
    includes: Callable[[str], str]
    decls: Callable[[str, Sequence[Port], Mapping[str, str]], list[str]]
    call: Callable[[str, Sequence[Port]], list[str]]
    run_doc: str  # the comment above `run`
    setup: str = ""  # lines (with newlines) at the start of main's graph loop set-up
    run_param: str = ""  # `run`'s parameter before the counts (the oneAPI queue)
    stream_helpers: str = ""  # C++ moving rows between arrays and stream ports (io: stream)


def array_decls(ports: Sequence[Port], dims: Mapping[str, str]) -> list[str]:
    """`namespace port`: an array per data port, named as in the top function (the
    namespace keeps them apart from the program's own names)."""
    return (["// The design's port arrays, named as in the top function.", "namespace port {"]
            + [f"{p.ctype} {p.name}{dims[p.name]};" for p in ports if p.name in dims]
            + ["}  // namespace port"])


def _vitis_decls(top: str, ports: Sequence[Port], dims: Mapping[str, str]) -> list[str]:
    lines = array_decls(ports, dims)
    streams = [p for p in ports if p.stream]
    if streams:
        lines += ["", "// io: stream ports: the top function reads and writes these; run() moves the rows.",
                  "namespace stream {"]
        lines += [f'hls::stream<gnnc_row<{p.ctype}, {p.row_width}> > {p.name}("{p.name}");' for p in streams]
        lines.append("}  // namespace stream")
    return lines


def stream_rows(p: Port) -> str:
    """The helper moving a port's array to or from its stream: rows, or edge_index's columns."""
    return "columns" if p.role == "edge_index" else "rows"


def _vitis_call(top: str, ports: Sequence[Port]) -> list[str]:
    lines = []
    for p in ports:
        if p.stream and p.direction == "in":
            lines.append(f"  push_{stream_rows(p)}(stream::{p.name}, port::{p.name}, {_count(p)});")
    args = [count_value(p) if p.role == "count" else f"{'stream' if p.stream else 'port'}::{p.name}"
            for p in ports]
    lines.append(f"  ::{top}({', '.join(args)});")
    for p in ports:
        if p.stream and p.direction == "out":
            lines.append(f'  pop_rows(stream::{p.name}, port::{p.name}, {_count(p)}, "{p.name}");')
    for p in ports:
        if p.stream:
            lines.append(f'  check_drained(stream::{p.name}, "{p.name}");')
    return lines


_VITIS_STREAMS = """
// io: stream ports: one row (a node's or an edge's values, an edge's two node indices) per
// transfer. A design must read every input row and write exactly its output rows.
template <class S, class T, std::size_t R, std::size_t C>
void push_rows(S& s, const T (&a)[R][C], long long rows) {
  for (long long i = 0; i < rows; i++) {
    gnnc_row<T, C> r;
    for (std::size_t j = 0; j < C; j++) r.v[j] = a[i][j];
    s.write(r);
  }
}

template <class S, class T, std::size_t C>
void push_columns(S& s, const T (&a)[2][C], long long cols) {
  for (long long e = 0; e < cols; e++) {
    gnnc_row<T, 2> r;
    for (int k = 0; k < 2; k++) r.v[k] = a[k][e];
    s.write(r);
  }
}

template <class S, class T, std::size_t R, std::size_t C>
void pop_rows(S& s, T (&a)[R][C], long long rows, const char* name) {
  for (long long i = 0; i < rows; i++) {
    if (s.empty()) {
      std::fprintf(stderr, "gnnc tb: output %s: the design wrote %lld of %lld rows\\n", name, i, rows);
      std::exit(1);
    }
    gnnc_row<T, C> r = s.read();
    for (std::size_t j = 0; j < C; j++) a[i][j] = r.v[j];
  }
}

template <class S>
void check_drained(S& s, const char* name) {
  if (!s.empty()) {
    std::fprintf(stderr, "gnnc tb: stream %s: %d transfer(s) left over\\n", name, static_cast<int>(s.size()));
    std::exit(1);
  }
}
"""


VITIS = HostFlavor(
    title="C-simulation testbench",
    program="{top}_tb",
    default_note=" (how Vitis csim_design runs it)",
    diag_comment=("// ap_private's default constructor reads its own bits before they are set; once inlined\n"
                  "// here, g++ -O1 reports that as (maybe-)uninitialized use in this file. Not ours to fix."),
    includes=lambda top: f'#include "../firmware/{top}.h"',
    decls=_vitis_decls,
    call=_vitis_call,
    run_doc="// One call of the top function: the counts by value, in their port types.",
    stream_helpers=_VITIS_STREAMS,
)


def generate_host(top: str, ports: Sequence[Port], max_nodes: int, max_edges: int,
                  flavor: HostFlavor = VITIS) -> str:
    """C++ source of the program that runs graphs from a data file through the design."""
    check_ports(ports)
    check_index_types(ports, max_nodes, max_edges)
    if not _IDENT.match(top):
        raise GnncError(f"top function name {top!r} is not a C identifier")
    dims = {p.name: "".join(f"[{d}]" for d in p.shape(max_nodes, max_edges))
            for p in ports if p.role != "count"}
    read = [f"  zero(port::{p.name});" for p in ports if p.role != "count"]
    for p in data_inputs(ports):
        if p.role == "edge_index":
            read.append(f'  read_edge_index(in, "{p.name}", port::{p.name}, n.edges, n.nodes);')
        else:
            read.append(f'  read_features(in, "{p.name}", port::{p.name}, {_count(p)});')
    write = [f'  write_features(out, "{p.name}", port::{p.name}, {_count(p)});' for p in outputs(ports)]
    compare = [f'  compare_features(want, "{p.name}", port::{p.name}, {_count(p)}, graph, stats);'
               for p in outputs(ports)]
    asserts = "\n".join(
        f"static_assert(exact_in_double<{p.ctype} >::value,\n"
        f'              "output {p.name}: wider than 53 bits, not printable exactly as a double");'
        for p in outputs(ports))
    return _HEAD.format(
        top=top, max_nodes=max_nodes, max_edges=max_edges, title=flavor.title,
        program=flavor.program.format(top=top), default_note=flavor.default_note,
        diag_comment=flavor.diag_comment, includes=flavor.includes(top), setup=flavor.setup,
        graph_word=" <n_graphs>" if batched(ports) else "", **_count_code(ports),
        input_doc="\n".join(_doc_line(p) for p in data_inputs(ports)),
        output_doc="\n".join(_doc_line(p) for p in outputs(ports)),
        decls="\n".join(flavor.decls(top, ports, dims)), asserts=asserts,
        read_inputs="\n".join(read), write_outputs="\n".join(write),
        compare_outputs="\n".join(compare), run_doc=flavor.run_doc,
        run_body="\n".join(flavor.call(top, ports)), read_params=_params(read, "Reader& in", "const Counts& n"),
        run_params=_params(flavor.call(top, ports), *filter(None, [flavor.run_param]), "const Counts& n"),
        run_args=f"{flavor.run_param.split()[-1]}, " if flavor.run_param else "",
        helpers=flavor.stream_helpers if any(p.stream for p in ports) else "")


def _params(body: Sequence[str], *params: str) -> str:
    """A generated function's parameters, `[[maybe_unused]]` where its body does not use one
    (a design with no count port, no input rows), which -Wextra would report."""
    def used(name: str) -> bool:
        return any(re.search(rf"\b{name}\b", line) for line in body)
    return ", ".join(p if used(p.split()[-1]) else f"[[maybe_unused]] {p}" for p in params)


def generate_testbench(top: str, ports: Sequence[Port], max_nodes: int, max_edges: int) -> str:
    """C++ source of the Vitis `tb/<top>_tb.cpp`; it includes `../firmware/<top>.h`."""
    return generate_host(top, ports, max_nodes, max_edges, VITIS)


# --------------------------------------------------------------------------------------------
# Data files


def _fmt_rows(a: np.ndarray) -> str:
    # repr of a Python float is the shortest string that strtod reads back to the same double.
    return "".join(" ".join(map(repr, row)) + "\n" for row in a.tolist())


def _fmt_int_rows(a: np.ndarray) -> str:
    return "".join(" ".join(map(str, row)) + "\n" for row in a.tolist())


def graph_counts(ports: Sequence[Port], graph: Graph, max_nodes: int, max_edges: int,
                 err: type[GnncError] = GnncError,
                 label: str = "graph") -> tuple[tuple[int, ...], dict[str, np.ndarray]]:
    """Check one graph's inputs against the ports and capacity.

    Returns the counts of the graph line, (n_nodes, n_edges) or, with a batch input,
    (n_nodes, n_edges, n_graphs), and the arrays: features as float64 [rows, F], edge_index as
    int64 [2, E], a batch as float64 [N, 1]. n_nodes comes from the node-feature inputs (or a
    key named like the n_nodes count port, or 1 + the largest node index); n_edges from
    edge_index; n_graphs from the n_graphs key, else 1 + the largest graph number."""
    ins = data_inputs(ports)
    names = {p.name for p in ins} | {p.name for p in ports if p.role == "count"}
    unknown = sorted(set(graph) - names)
    if unknown:
        raise err(f"{label}: unknown input(s) {unknown}; the design's inputs are "
                  f"{[p.name for p in ins]}")
    arrays: dict[str, np.ndarray] = {}
    rows: dict[str, list[tuple[str, int]]] = {"nodes": [], "edges": [], "graphs": []}
    for p in ins:
        if p.name not in graph:
            raise err(f"{label}: input {p.name!r} is missing")
        a = np.asarray(graph[p.name])
        if p.role == "edge_index":
            if a.ndim != 2 or a.shape[0] != 2:
                raise err(f"{label}: input {p.name!r} must have shape [2, E], got {list(a.shape)}")
            if a.size and not np.issubdtype(a.dtype, np.integer):
                raise err(f"{label}: input {p.name!r} must hold integers, got {a.dtype}")
            arrays[p.name] = a.astype(np.int64)
            rows["edges"].append((p.name, a.shape[1]))
        else:
            if p.role == "batch" and a.ndim == 1:  # PyG's [N] batch vector
                a = a.reshape(-1, 1)
            if a.ndim != 2 or a.shape[1] != p.features:
                raise err(f"{label}: input {p.name!r} must have shape [{p.rows}, {p.features}], "
                          f"got {list(a.shape)}")
            if not np.issubdtype(a.dtype, np.number) or np.iscomplexobj(a):
                raise err(f"{label}: input {p.name!r} must be real numbers, got {a.dtype}")
            f = a.astype(np.float64)
            if not np.isfinite(f).all():
                raise err(f"{label}: input {p.name!r} holds NaN or infinity")
            arrays[p.name] = f
            rows[p.rows].append((p.name, a.shape[0]))

    indices = [arrays[p.name] for p in ins if p.role == "edge_index"]

    def count(kind: str, cap: int) -> int:
        given = list(rows[kind])
        port = next((p for p in ports if p.role == "count" and p.rows == kind), None)
        if port is not None and port.name in graph:
            given.append((port.name, int(graph[port.name])))
        if not given and kind == "nodes":  # no node features: the nodes edge_index names
            given = [("edge_index", max((int(a.max()) + 1 for a in indices if a.size), default=0))]
        if not given:
            return 0
        first, n = given[0]
        for name, r in given[1:]:
            if r != n:
                raise err(f"{label}: inputs disagree on the number of {kind}: "
                          f"{first!r} has {n}, {name!r} has {r}")
        if n > cap:
            raise err(f"{label}: input {first!r} has {n} {kind}, more than the design's "
                      f"max_{kind}={cap}; compile with a larger graph.max_{kind} or split "
                      "the graph")
        return n

    n_nodes = count("nodes", max_nodes)
    n_edges = count("edges", max_edges)
    for p, a in zip([p for p in ins if p.role == "edge_index"], indices):
        bad = a[(a < 0) | (a >= n_nodes)]
        if bad.size:
            raise err(f"{label}: input {p.name!r} refers to node {int(bad[0])}, "
                      f"outside [0, {n_nodes})")
    if not batched(ports):
        return (n_nodes, n_edges), arrays
    batch = next(arrays[p.name] for p in ins if p.role == "batch")
    if batch.size and (not np.all(batch == np.round(batch)) or batch.min() < 0):
        raise err(f"{label}: the batch must hold graph numbers >= 0")
    cap = next(p.graphs for p in ports if p.rows == "graphs")
    if not any(p.role == "count" and p.rows == "graphs" and p.name in graph for p in ports):
        rows["graphs"].append(("batch", int(batch.max()) + 1 if batch.size else 0))
    n_graphs = count("graphs", cap)
    if batch.size and batch.max() >= n_graphs:
        raise err(f"{label}: the batch refers to graph {int(batch.max())}, outside [0, {n_graphs})")
    return (n_nodes, n_edges, n_graphs), arrays


def _rows_of(p: Port, counts: tuple[int, ...]) -> int:
    """Real rows of a port in a call with these counts (n_graphs is 1 without a batch)."""
    return {"nodes": counts[0], "edges": counts[1], "graphs": counts[2] if len(counts) > 2 else 1}[p.rows or "nodes"]


def format_inputs(ports: Sequence[Port], graphs: Sequence[Graph], max_nodes: int, max_edges: int,
                  err: type[GnncError] = GnncError) -> tuple[str, list[tuple[int, ...]]]:
    """Text of an INPUT file for these graphs, and each graph's counts (see graph_counts)."""
    parts, counts = [], []
    for i, g in enumerate(graphs):
        c, arrays = graph_counts(ports, g, max_nodes, max_edges, err, f"graph {i}")
        counts.append(c)
        parts.append(f"graph {' '.join(map(str, c))}\n")
        for p in data_inputs(ports):
            a = arrays[p.name]
            parts.append(f"{p.name} {a.shape[0]} {a.shape[1]}\n")
            parts.append(_fmt_int_rows(a) if p.role == "edge_index" else _fmt_rows(a))
    return "".join(parts), counts


def format_outputs(ports: Sequence[Port], counts: Sequence[tuple[int, ...]],
                   results: Sequence[Graph], err: type[GnncError] = GnncError) -> str:
    """Text of an EXPECTED file: per graph, each output port at its real size."""
    if len(results) != len(counts):
        raise err(f"{len(results)} expected output set(s) for {len(counts)} input graph(s)")
    parts = []
    for i, (c, res) in enumerate(zip(counts, results)):
        parts.append(f"graph {' '.join(map(str, c))}\n")
        missing = [p.name for p in outputs(ports) if p.name not in res]
        extra = sorted(set(res) - {p.name for p in outputs(ports)})
        if missing or extra:
            raise err(f"expected outputs of graph {i}: missing {missing}, unknown {extra}")
        for p in outputs(ports):
            a = np.asarray(res[p.name], dtype=np.float64)
            rows = _rows_of(p, c)
            if a.shape != (rows, p.features):
                raise err(f"expected output {p.name!r} of graph {i} must have shape "
                          f"[{rows}, {p.features}], got {list(a.shape)}")
            parts.append(f"{p.name} {rows} {p.features}\n")
            parts.append(_fmt_rows(a))
    return "".join(parts)


def parse_outputs(ports: Sequence[Port], text: str,
                  err: type[GnncError] = GnncError) -> list[dict[str, np.ndarray]]:
    """Read an OUTPUT file written by the testbench."""
    toks = text.split()
    pos = 0

    def take(what: str) -> str:
        nonlocal pos
        if pos >= len(toks):
            raise err(f"testbench output ended early, expected {what}")
        pos += 1
        return toks[pos - 1]

    result = []
    while pos < len(toks):
        if take("'graph'") != "graph":
            raise err(f"testbench output: expected 'graph' at token {pos}")
        c = (int(take("n_nodes")), int(take("n_edges")))
        if batched(ports):
            c += (int(take("n_graphs")),)
        graph = {}
        for p in outputs(ports):
            name, rows, cols = take(p.name), int(take("rows")), int(take("cols"))
            want = _rows_of(p, c)
            if name != p.name or rows != want or cols != p.features:
                raise err(f"testbench output: expected block {p.name} {want} {p.features}, "
                          f"got {name} {rows} {cols}")
            vals = toks[pos:pos + rows * cols]
            if len(vals) != rows * cols:
                raise err(f"testbench output ended inside {p.name!r}")
            pos += rows * cols
            graph[p.name] = np.array([float(v) for v in vals], dtype=np.float64).reshape(rows, cols)
        result.append(graph)
    return result

