"""
Distributed arithmetic: a dense's constant matrix-vector product as alkaid's adder graph.

alkaid (PyPI `alkaid`, LGPL-3, the successor of da4ml) is given the quantized weights and the
exact fixed-point interval of the input type, and returns a `CombLogic`: inputs, adders
`a +/- b * 2^s`, negations, constants, and per output a node with a shift and a sign. This
module turns it into `AdderGraph`, a list of typed nodes (input, shift, add, sub, neg, zero)
whose types hold every value exactly, which convert-gnn-to-hls lowers into hls ops and the
emulator evaluates. One graph per (weights, types), cached: the lowering, the emulator and the
estimate of one process see the same graph.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from gnnc.dialects.gnn import FixedType
from gnnc.errors import GnncError
from gnnc.fixed import MAX_INT64_WIDTH, cast

#: the discardable attribute on each hls adder lowered from the graph: alkaid's cost of it
#: (adder bits, the estimate's LUTs; docs/estimate.md)
ADDER_COST = "hls.adder_cost"
#: alkaid's kernel is float32: weights wider than its 24-bit mantissa would be rounded.
MAX_WEIGHT_BITS = 24
#: alkaid's cmvm search options: one decomposition instead of all (about 2x faster on a
#: 40x40 dense, within 1 % of the adder cost on the tracking IN).
_SOLVER = {"search_all_decompose_dc": False}


@dataclass(frozen=True)
class Node:
    """One value of the graph. kind: "input" (x[arg]), "shift" (args[0] * 2^amount, exact),
    "add"/"sub" (args[0] +/- args[1]), "neg" (-args[0]), "zero". `t` holds the value exactly."""

    kind: str
    t: FixedType
    args: tuple[int, ...] = ()
    amount: int = 0  # the input index of "input", the shift of "shift"
    cost: float = 0.0  # alkaid's cost of an adder it built (0: one gnnc added, an output's negation)


@dataclass(frozen=True)
class AdderGraph:
    nodes: tuple[Node, ...]
    outputs: tuple[int, ...]  # per output feature, the node holding sum_i x_i * w[o][i]
    cost: float  # alkaid's cost: the summed widths of its adders (docs/estimate.md)
    depth: int  # adders on the longest input-to-output path

    @property
    def adders(self) -> list[Node]:
        return [n for n in self.nodes if n.kind in ("add", "sub", "neg")]


def adder_graph(w_raw: np.ndarray, w_t: FixedType, in_t: FixedType) -> AdderGraph:
    """The adder graph of y = W x for raw weights `w_raw` [n_out, n_in] of type w_t and
    inputs of type in_t (its whole interval: the graph is exact for every input)."""
    w_raw = np.asarray(w_raw, dtype=np.int64)
    bits = max(int(np.max(np.abs(w_raw), initial=0)).bit_length(), 1)
    if bits > MAX_WEIGHT_BITS:
        raise GnncError(f"distributed_arithmetic: weights of {bits} bits; alkaid takes at most {MAX_WEIGHT_BITS} "
                        "(its kernel is float32); use a narrower weight type or strategy latency")
    return _cached(w_raw.tobytes(), w_raw.shape, w_t, in_t)


@lru_cache(maxsize=256)
def _cached(data: bytes, shape: tuple[int, int], w_t: FixedType, in_t: FixedType) -> AdderGraph:
    try:
        from alkaid.trace import FVArray, trace
    except ImportError:
        raise GnncError("strategy distributed_arithmetic needs alkaid: pip install 'gnnc[da]' (or alkaid==0.8.2)") from None

    w_raw = np.frombuffer(data, dtype=np.int64).reshape(shape)
    n_out, n_in = shape
    k = int(in_t.is_signed)
    inp = FVArray.from_kif(np.full(n_in, k), np.full(n_in, in_t.i - k), np.full(n_in, in_t.f), solver_options=_SOLVER)
    logic = trace(inp, inp @ (w_raw.T * 2.0 ** -w_t.f), keep_dead_inputs=True)
    return _from_logic(logic, in_t, n_out)


def _from_logic(logic, in_t: FixedType, n_out: int) -> AdderGraph:
    nodes: list[Node] = []
    depth: list[int] = []
    index: dict[int, int] = {}  # alkaid buffer -> node

    def add(node: Node, d: int) -> int:
        nodes.append(node)
        depth.append(d)
        return len(nodes) - 1

    def shifted(src: int, s: int) -> int:
        return src if s == 0 else add(Node("shift", shift_type(nodes[src].t, s), (src,), s), depth[src])

    for buf, op in enumerate(logic.ops):
        lo, hi = op.qint.min, op.qint.max
        if op.opcode == -1:  # read input data[0]
            index[buf] = add(Node("input", in_t, (), op.data[0]), 0)
        elif op.opcode in (0, 1):  # a +/- b * 2^shift
            a, b = index[op.addr[0]], shifted(index[op.addr[1]], op.data[0])
            f = max(nodes[a].t.f, nodes[b].t.f)
            index[buf] = add(Node("add" if op.opcode == 0 else "sub", range_type(lo, hi, f), (a, b), 0, op.cost),
                             max(depth[a], depth[b]) + 1)
        elif op.opcode == -2:  # -a
            a = index[op.addr[0]]
            index[buf] = add(Node("neg", range_type(lo, hi, nodes[a].t.f), (a,), 0, op.cost), depth[a] + 1)
        elif op.opcode == 5 and op.data[0] == 0:  # the constant 0 (an all-zero column)
            index[buf] = add(Node("zero", FixedType(1, 1)), 0)
        else:
            raise GnncError(f"distributed_arithmetic: alkaid's adder graph has opcode {op.opcode}, which gnnc "
                            "does not lower (only inputs, adds, subtracts, negations and 0); use strategy latency")
    outputs = []
    for o in range(n_out):
        buf, s, neg = logic.out_idxs[o], logic.out_shifts[o], logic.out_negs[o]
        if buf < 0:
            outputs.append(add(Node("zero", FixedType(1, 1)), 0))
            continue
        v = shifted(index[buf], s)
        if neg:
            t = nodes[v].t
            v = add(Node("neg", FixedType(t.w + 1, t.i + 1, True), (v,)), depth[v] + 1)
        outputs.append(v)
    widest = max(n.t.w for n in nodes)
    if widest > MAX_INT64_WIDTH:
        raise GnncError(f"distributed_arithmetic: an adder of {widest} bits; gnnc's values are at most "
                        f"{MAX_INT64_WIDTH} bits wide (narrow the input or weight type)")
    return AdderGraph(tuple(nodes), tuple(outputs), float(logic.cost), max((depth[o] for o in outputs), default=0))


def shift_type(t: FixedType, s: int) -> FixedType:
    """The type of t * 2^s: the binary point moves s places (a right shift adds fractional
    bits); a left shift past the fractional bits adds integer bits, so a type never has
    negative fractional bits."""
    return FixedType(t.w + max(0, s - t.f), t.i + s, t.is_signed)


def range_type(lo: float, hi: float, f: int) -> FixedType:
    """The narrowest type with f fractional bits holding [lo, hi] (alkaid's exact interval)."""
    raw_lo, raw_hi = math.floor(lo * 2.0 ** f), math.ceil(hi * 2.0 ** f)
    signed = raw_lo < 0
    if signed:
        w = max(max((-raw_lo - 1).bit_length(), raw_hi.bit_length()) + 1, 2)
    else:
        w = max(raw_hi.bit_length(), 1)
    return FixedType(w, w - f, signed)


def shifted_raw(raw: np.ndarray, t: FixedType, s: int) -> np.ndarray:
    """Raw integers of x * 2^s in shift_type(t, s)."""
    return raw << max(0, s - t.f)


def evaluate(graph: AdderGraph, x: np.ndarray) -> list[tuple[np.ndarray, FixedType]]:
    """Raw integers of every output for input rows x [rows, n_in] (raw in the input type),
    with each output's type: the emulator's evaluation of the lowered ops, op by op."""
    values: list[np.ndarray] = []
    for node in graph.nodes:
        if node.kind == "input":
            v = x[:, node.amount].astype(np.int64)
        elif node.kind == "zero":
            v = np.zeros(len(x), dtype=np.int64)
        elif node.kind == "shift":
            (a,) = node.args
            v = shifted_raw(values[a], graph.nodes[a].t, node.amount)
        elif node.kind == "neg":
            (a,) = node.args
            v = cast(-values[a], graph.nodes[a].t.f, node.t)
        else:
            a, b = node.args
            fa, fb = graph.nodes[a].t.f, graph.nodes[b].t.f
            lhs, rhs = values[a] << (node.t.f - fa), values[b] << (node.t.f - fb)
            v = cast(lhs + rhs if node.kind == "add" else lhs - rhs, node.t.f, node.t)
        values.append(v)
    return [(values[o], graph.nodes[o].t) for o in graph.outputs]
