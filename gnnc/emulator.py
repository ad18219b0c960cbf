"""
The numpy interpreter of the gnn dialect.

`fixed=False` interprets a module in float64 (the import is checked against torch with
it); `fixed=True` interprets a module after gnn-fixed-point on raw integers with exactly
the semantics the generated C++ has (docs/architecture.md, "Numeric semantics").
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np
from xdsl.dialects import builtin, func
from xdsl.ir import Operation, SSAValue

from gnnc.dialects import gnn
from gnnc.errors import GnncError
from gnnc.fixed import (
    _bits,
    element_fixed,
    exact_product_type,
    format_fixed,
    int_dtype,
    out_of_range,
    layer_norm_types,
    quantize,
    raw_range,
    reciprocal_values,
    count_fn_floats,
    exact_sqrt,
    sqrt_geometry,
    sqrt_threshold_raw,
    count_fn_values,
    degree_norm_floats,
    degree_norm_values,
    rsqrt_table_values,
    softmax_recip_values,
    table_index,
    TABLE_FUNCTIONS,
    table_values,
    to_float,
)
from gnnc.fixed import cast as _cast


def top_function(module: builtin.ModuleOp) -> func.FuncOp:
    """The one function of a gnn module (the model's forward)."""
    funcs = [op for op in module.ops if isinstance(op, func.FuncOp) and not op.is_declaration]
    if len(funcs) != 1:
        raise GnncError(f"expected one function in the module, found {len(funcs)}")
    return funcs[0]


def argument_names(fn: func.FuncOp) -> list[str]:
    """Input names from the `gnn.name` argument attributes (arg0, arg1, ... when absent)."""
    names = []
    for k, arg in enumerate(fn.args):
        attrs = fn.arg_attrs.data[k].data if fn.arg_attrs is not None else {}
        name = attrs.get("gnn.name")
        names.append(name.data if isinstance(name, builtin.StringAttr) else arg.name_hint or f"arg{k}")
    return names


def output_names(fn: func.FuncOp) -> list[str]:
    attr = fn.attributes.get("gnn.outputs")
    n = len(fn.function_type.outputs.data)
    if isinstance(attr, builtin.ArrayAttr):
        return [a.data for a in attr.data]  # type: ignore[attr-defined]
    return [f"out{k}" for k in range(n)]


def run(
    module: builtin.ModuleOp, inputs: Mapping[str, np.ndarray], fixed: bool = False, report: dict | None = None
) -> list[np.ndarray]:
    """Interpret the module on one graph; outputs are float64 arrays [rows, features].

    With `report` (a dict, fixed=True), overflow statistics are added to it (see `OverflowReport`)."""
    return Program(module, fixed).run(inputs, report)


class Program:
    """A module ready to interpret many times: its weights decoded and quantized, and its tables
    built, once (on first use), whatever the number of graphs and calls."""

    def __init__(self, module: builtin.ModuleOp, fixed: bool):
        self.module = module  # keeps the ops whose ids key the cache alive
        self.fixed = fixed
        self.fn = top_function(module)
        self.names = argument_names(self.fn)
        self.cache: dict = {}

    def run(self, inputs: Mapping[str, np.ndarray], report: dict | None = None) -> list[np.ndarray]:
        """Outputs of one graph (see `run`)."""
        return self.run_many([inputs], report)[0]

    def run_many(self, jobs: list[Mapping[str, np.ndarray]], report: dict | None = None) -> list[list[np.ndarray]]:
        """Outputs of each graph of `jobs`, computed in one pass over their disjoint union.

        Every op treats each node, edge and graph by itself (gathers and scatters follow the
        edges, which stay inside their graph), so the union gives every graph exactly its own
        outputs; they are split back per graph."""
        for job in jobs:
            self._check(job)
        interp = _Interpreter(self.fixed, self.cache)
        if report is not None and self.fixed:
            interp.recorder = _Recorder(report)
        merged, layout = _union(self.fn, self.names, jobs) if len(jobs) != 1 else (jobs[0], None)
        if layout is not None and not any(isinstance(a.type, gnn.BatchType) for a in self.fn.args):
            interp.node_graph, interp.num_graphs = layout.node_graph, len(jobs)
        for name, arg in zip(self.names, self.fn.args):
            interp.bind(arg, np.asarray(merged[name]), name)
        outputs = interp.run_block(self.fn)
        if layout is None:
            return [outputs]
        types: list[gnn.FeaturesType] = list(self.fn.function_type.outputs.data)  # type: ignore[arg-type]
        split = [np.split(out, layout.bounds[t.kind][1:-1]) for out, t in zip(outputs, types)]
        return [list(per_job) for per_job in zip(*split)]

    def _check(self, inputs: Mapping[str, np.ndarray]) -> None:
        """One graph's inputs: all present, shaped as the IR declares, edge_index inside its nodes."""
        missing = [n for n in self.names if n not in inputs]
        if missing:
            raise GnncError(f"missing input(s) {missing}; the design takes {self.names}")
        nodes = edges = batch = None
        for name, arg in zip(self.names, self.fn.args):
            value, t = np.asarray(inputs[name]), arg.type
            if isinstance(t, gnn.EdgeIndexType):
                if value.ndim != 2 or value.shape[0] != 2:
                    raise GnncError(f"input {name!r}: edge_index must be [2, E], got shape {list(value.shape)}")
                edges = value
            elif isinstance(t, gnn.BatchType):
                batch = _batch_vector(value, name)
            else:
                assert isinstance(t, gnn.FeaturesType)
                if value.ndim != 2 or value.shape[1] != t.num_features:
                    raise GnncError(
                        f"input {name!r}: expected [rows, {t.num_features}], got shape {list(value.shape)}"
                    )
                if t.kind == "nodes":
                    nodes = value.shape[0]
        if edges is not None and nodes is not None and edges.size:
            if edges.min() < 0 or edges.max() >= nodes:
                raise GnncError(f"edge_index refers to nodes outside [0, {nodes})")
        if batch is not None and nodes is not None and len(batch) != nodes:
            raise GnncError(f"batch has {len(batch)} entries for {nodes} nodes (one per node)")


@dataclass
class _Layout:
    """Where each graph's rows are in a union: bounds[kind] = [0, end of graph 0, ..., total]."""

    bounds: dict[str, np.ndarray]
    node_graph: np.ndarray  # the graph of each node of the union


def _union(fn: func.FuncOp, names: list[str], jobs: list[Mapping[str, np.ndarray]]):
    """The disjoint union of several graphs' inputs: node ids and graph numbers offset per graph."""
    counts = {"nodes": [], "edges": [], "graphs": []}
    for job in jobs:
        sizes = {"nodes": 0, "edges": 0, "graphs": 1}
        for name, arg in zip(names, fn.args):
            t, value = arg.type, np.asarray(job[name])
            if isinstance(t, gnn.EdgeIndexType):
                sizes["edges"] = value.shape[1]
            elif isinstance(t, gnn.BatchType):
                sizes["graphs"] = int(value.max()) + 1 if value.size else 0
            elif isinstance(t, gnn.NodesType):
                sizes["nodes"] = value.shape[0]
        for kind in counts:
            counts[kind].append(sizes[kind])
    bounds = {kind: np.concatenate([[0], np.cumsum(c)]).astype(np.int64) for kind, c in counts.items()}
    merged: dict[str, np.ndarray] = {}
    for name, arg in zip(names, fn.args):
        t = arg.type
        values = [np.asarray(job[name]) for job in jobs]
        if isinstance(t, gnn.EdgeIndexType):
            merged[name] = np.concatenate([v.astype(np.int64) + o for v, o in zip(values, bounds["nodes"])], axis=1)
        elif isinstance(t, gnn.BatchType):
            merged[name] = np.concatenate([_batch_vector(v, name) + o for v, o in zip(values, bounds["graphs"])])
        else:
            merged[name] = np.concatenate(values, axis=0)
    node_graph = np.repeat(np.arange(len(jobs), dtype=np.int64), counts["nodes"])
    return merged, _Layout(bounds, node_graph)


class _Interpreter:
    def __init__(self, fixed: bool, cache: dict | None = None):
        self.fixed = fixed
        self.env: dict[SSAValue, np.ndarray] = {}
        self.edge_index: np.ndarray | None = None
        self.num_nodes: int | None = None
        self.recorder: _Recorder | None = None
        self.batch: np.ndarray | None = None  # graph of each node (a !gnn.batch input)
        self.node_graph: np.ndarray | None = None  # graph of each node of a union without a batch input
        self.num_graphs = 1
        self.cache = {} if cache is None else cache  # per op: decoded constants and tables

    def memo(self, op: Operation, key: str, compute: Callable[[], object]):
        """A value derived from op's attributes only (weights, tables), computed once per Program."""
        k = (id(op), key)
        if k not in self.cache:
            self.cache[k] = compute()
        return self.cache[k]

    # -- values ------------------------------------------------------------- #

    def bind(self, arg: SSAValue, value: np.ndarray, name: str) -> None:
        """Bind one input (checked by Program._check)."""
        t = arg.type
        if isinstance(t, gnn.EdgeIndexType):
            self.edge_index = value.astype(np.int64)
            self.env[arg] = self.edge_index
            return
        if isinstance(t, gnn.BatchType):
            self.batch = _batch_vector(value, name)
            self.env[arg] = self.batch
            return
        assert isinstance(t, gnn.FeaturesType)
        if t.kind == "nodes":
            self.num_nodes = value.shape[0]
        if self.fixed:
            self.env[arg] = quantize(value, _fixed(arg))
            if self.recorder is not None:
                self.recorder.input(name, value, _fixed(arg), self.env[arg])
        else:
            self.env[arg] = value.astype(np.float64)

    def run_block(self, fn: func.FuncOp) -> list[np.ndarray]:
        for op in fn.body.block.ops:
            if isinstance(op, func.ReturnOp):
                return [self._output(v) for v in op.arguments]
            impl = _IMPLS.get(type(op))
            if impl is None:
                raise GnncError(f"the emulator cannot run '{op.name}'")
            global _RECORDING
            if self.recorder is not None:
                self.recorder.enter(op)
                _RECORDING = self.recorder
            try:
                value = impl(self, op)
            finally:
                _RECORDING = None
            if len(op.results) == 1:
                self.env[op.results[0]] = value
            else:  # several results: the impl returns one array per result
                for res, v in zip(op.results, value, strict=True):
                    self.env[res] = v
        raise GnncError("function has no func.return")

    def _output(self, v: SSAValue) -> np.ndarray:
        value = self.env[v]
        return to_float(value, _fixed(v)) if self.fixed else value

    def get(self, v: SSAValue) -> np.ndarray:
        return self.env[v]

    def rows(self, end: gnn.EdgeEndAttr) -> np.ndarray:
        assert self.edge_index is not None
        return self.edge_index[0 if end.data == gnn.EdgeEnd.SRC else 1]


def _fixed(v: SSAValue) -> gnn.FixedType:
    return element_fixed(v, "fixed-point emulation")


# --------------------------------------------------------------------------- #
# Overflow statistics (design.emulate(..., report=True))
# --------------------------------------------------------------------------- #

_RECORDING: _Recorder | None = None


def cast(raw: np.ndarray, frac: int, t: gnn.FixedType, where: str = "result") -> np.ndarray:
    """gnnc.fixed.cast, counted in the overflow report when one is being recorded.
    where: "result" (an op's result cast), "accum" (into its accumulator) or "internal"."""
    out = _cast(raw, frac, t)
    if _RECORDING is not None and where != "internal":
        raw = np.asarray(raw)
        if raw.size:
            # The same rounding into a type wide enough never to overflow: what differs overflowed.
            int_bits = max(_bits(raw) - frac + 2, 2)
            wide = gnn.FixedType(int_bits + t.f, int_bits, True, t.quant_mode) if int_bits + t.f > 0 else t
            overflowed = int(np.count_nonzero(out != _cast(raw, frac, wide)))
            values = raw.astype(np.float64) * 2.0**-frac
            _RECORDING.add(where, t, raw.size, overflowed, float(values.min()), float(values.max()))
    return out


def _constant(it: _Interpreter, op: Operation, key: str, values: Callable[[], np.ndarray], t: gnn.FixedType,
              role: str) -> np.ndarray:
    """A trained constant of op (`values()`, decoded once per Program) in its type. gnn-fixed-point
    refuses one its type would wrap, so only a saturating type can clip it; the overflow report
    counts those (role "weight"/"bias")."""

    def quantized():
        v = np.asarray(values(), dtype=np.float64)
        stats = (v.size, int(np.count_nonzero(out_of_range(v, t))), float(v.min()), float(v.max())) if v.size else None
        return quantize(v, t), stats

    raw, stats = it.memo(op, f"{key}:{format_fixed(t)}", quantized)
    if _RECORDING is not None and stats is not None:
        _RECORDING.add(role, t, *stats)
    return raw


def _values(it: _Interpreter, op: Operation, name: str) -> np.ndarray | None:
    """A dense attribute (or optional operand-like field) of op as float64, decoded once per Program."""
    attr = getattr(op, name)
    return None if attr is None else it.memo(op, name, lambda: _dense_values(attr))


class _Recorder:
    """Fills a report: {label: {"op", "path", "result"/"accum": {type, values, overflows, min, max}}}."""

    def __init__(self, report: dict):
        self.report = report
        self.entry: dict | None = None
        self.index = 0

    def _entry(self, label: str, op_name: str, path: str | None) -> dict:
        return self.report.setdefault(label, {"op": op_name, "path": path})

    def enter(self, op: Operation) -> None:
        path = op.attributes.get("gnn.path")
        path = path.data if isinstance(path, builtin.StringAttr) else None
        label = f"{op.name}#{self.index}" + (f" ({path})" if path else "")
        self.index += 1
        self.entry = self._entry(label, op.name, path)

    def input(self, name: str, value: np.ndarray, t: gnn.FixedType, raw: np.ndarray) -> None:
        self.entry = self._entry(f"input {name}", "input", None)
        v = np.asarray(value, dtype=np.float64)
        if v.size:
            int_bits = max(int(np.max(np.abs(v))).bit_length() + 2, 2)
            wide = gnn.FixedType(int_bits + t.f, int_bits, True, t.quant_mode)
            over = int(np.count_nonzero(raw != quantize(v, wide))) if wide.w <= 62 else -1
            self.add("result", t, v.size, over, float(v.min()), float(v.max()))

    def add(self, where: str, t: gnn.FixedType, count: int, overflows: int, lo: float, hi: float) -> None:
        assert self.entry is not None
        stats = self.entry.get(where)
        if stats is not None and stats["type"] != format_fixed(t):  # another type in the same role
            where = f"{where}:{format_fixed(t)}"
            stats = self.entry.get(where)
        if stats is None:
            stats = self.entry[where] = {"type": format_fixed(t), "values": 0, "overflows": 0, "min": lo, "max": hi}
        stats["values"] += count
        stats["overflows"] += overflows
        stats["min"], stats["max"] = min(stats["min"], lo), max(stats["max"], hi)


# --------------------------------------------------------------------------- #
# Op semantics
# --------------------------------------------------------------------------- #


def _gather(it: _Interpreter, op: gnn.GatherOp) -> np.ndarray:
    return it.get(op.input)[it.rows(op.end)]


def _scatter(it: _Interpreter, op: gnn.ScatterOp) -> np.ndarray:
    n = it.num_nodes
    assert n is not None
    return _reduce_rows(it, op, it.rows(op.end), n)


def _reduce_rows(it: _Interpreter, op: gnn.ScatterOp | gnn.ReadoutOp, index: np.ndarray, n: int) -> np.ndarray:
    """Rows of op.input reduced onto n output rows by `index` (scatter onto nodes, readout onto graphs)."""
    src = it.get(op.input)
    reduce = op.reduce.data
    deg = np.bincount(index, minlength=n)[:n]
    if reduce in (gnn.Reduce.MAX, gnn.Reduce.MIN):
        pick = np.maximum if reduce == gnn.Reduce.MAX else np.minimum
        if it.fixed:  # same type in and out: start from the type's extreme raw value
            lo, hi = raw_range(_fixed(op.input))
            acc = np.full((n, src.shape[1]), lo if reduce == gnn.Reduce.MAX else hi, dtype=src.dtype)
            pick.at(acc, index, src)
            return np.where(deg[:, None] > 0, acc, 0).astype(src.dtype)
        acc = np.full((n, src.shape[1]), -np.inf if reduce == gnn.Reduce.MAX else np.inf)
        pick.at(acc, index, src)
        return np.where(deg[:, None] > 0, acc, 0.0)
    if not it.fixed:
        acc = np.zeros((n, src.shape[1]))
        np.add.at(acc, index, src)
        return acc / np.maximum(deg, 1)[:, None] if reduce == gnn.Reduce.MEAN else acc
    in_t, acc_t, out_t = _fixed(op.input), op.accum_type, _fixed(op.result)
    assert acc_t is not None
    terms = cast(src, in_t.f, acc_t, "accum")
    # wide enough for the sum of any node's terms (a narrow accumulator wraps once, at the end)
    acc = np.zeros((n, src.shape[1]), dtype=int_dtype(acc_t.w + max(int(deg.max(initial=0)), 1).bit_length()))
    np.add.at(acc, index, terms)
    acc = cast(acc, acc_t.f, acc_t, "accum")  # the C++ accumulates in acc_t
    if reduce == gnn.Reduce.SUM:
        return cast(acc, acc_t.f, out_t)
    recip_t = op.recip_type
    assert recip_t is not None
    recip = reciprocal_values(int(deg.max(initial=0)), recip_t)[deg]
    prod_t = exact_product_type(acc_t, recip_t)
    prod = acc.astype(int_dtype(prod_t.w)) * recip[:, None].astype(int_dtype(prod_t.w))
    return cast(prod, prod_t.f, out_t)


def _dense(it: _Interpreter, op: gnn.DenseOp) -> np.ndarray:
    x = it.get(op.input)
    w, b = _values(it, op, "weight"), _values(it, op, "bias")
    if not it.fixed:
        y = x @ w.T.astype(np.float64)
        return y + b if b is not None else y
    in_t, w_t, acc_t, out_t = _fixed(op.input), op.weight_type, op.accum_type, _fixed(op.result)
    assert w_t is not None and acc_t is not None
    strategy = op.attributes.get("gnn.strategy")
    if isinstance(strategy, builtin.StringAttr) and strategy.data == "distributed_arithmetic":
        return _da_dense(it, op, x, w, b, in_t, w_t, acc_t, out_t)
    exact_w = in_t.w + w_t.w + (op.in_features + 1).bit_length() + 1
    if op.bias_type is not None:
        exact_w = max(exact_w, op.bias_type.w + acc_t.f - op.bias_type.f + 1) + 1
    dtype = int_dtype(max(acc_t.w, exact_w + max(0, acc_t.f - in_t.f - w_t.f)))  # the exact sum, aligned
    prod_f = in_t.f + w_t.f
    raw_w = _constant(it, op, "weight", lambda: w, w_t, "weight")
    acc = _align(_exact_matmul(it, op, x, raw_w, in_t, w_t, dtype), prod_f, acc_t.f)
    if b is not None:
        b_t = op.bias_type
        assert b_t is not None
        acc = acc + _align(_constant(it, op, "bias", lambda: b, b_t, "bias").astype(dtype), b_t.f, acc_t.f)
    acc = cast(acc, acc_t.f, acc_t, "accum")
    return cast(acc, acc_t.f, out_t)


def _exact_matmul(it: _Interpreter, op: Operation, x: np.ndarray, raw_w: np.ndarray, in_t: gnn.FixedType,
                  w_t: gnn.FixedType, dtype) -> np.ndarray:
    """x @ raw_w.T exactly. In float64 (BLAS) when every product and partial sum is an integer
    below 2^53, so that no rounding can happen in any order of summation; else in integers."""
    if dtype is not object and in_t.w + w_t.w + raw_w.shape[1].bit_length() <= 53:
        w_f = it.memo(op, f"weight-f64:{format_fixed(w_t)}", lambda: np.ascontiguousarray(raw_w.T, dtype=np.float64))
        return (x.astype(np.float64) @ w_f).astype(np.int64)
    return np.dot(x.astype(dtype), raw_w.T.astype(dtype))


def _da_dense(it: _Interpreter, op: gnn.DenseOp, x: np.ndarray, w: np.ndarray, b: np.ndarray | None, in_t: gnn.FixedType,
              w_t: gnn.FixedType, acc_t: gnn.FixedType, out_t: gnn.FixedType) -> np.ndarray:
    """strategy distributed_arithmetic: the adder graph convert-gnn-to-hls lowers, evaluated op
    by op (gnnc.adder_graph), then the bias in the accumulator type and the cast, as the C++."""
    from gnnc.adder_graph import adder_graph, evaluate

    raw_w = _constant(it, op, "weight", lambda: w, w_t, "weight")
    graph = it.memo(op, f"adder-graph:{format_fixed(w_t)}:{format_fixed(in_t)}", lambda: adder_graph(raw_w, w_t, in_t))
    columns = []
    for o, (raw, t) in enumerate(evaluate(graph, x)):
        if b is not None:
            b_t = op.bias_type
            assert b_t is not None
            start = cast(_constant(it, op, "bias", lambda: b, b_t, "bias")[o:o + 1], b_t.f, acc_t, "accum")
            f = max(t.f, acc_t.f)
            acc = cast((raw << (f - t.f)) + (start << (f - acc_t.f)), f, acc_t, "accum")
        else:
            acc = cast(raw, t.f, acc_t, "accum")
        columns.append(cast(acc, acc_t.f, out_t))
    return np.stack(columns, axis=1) if columns else np.zeros((len(x), 0), dtype=np.int64)


def _align(raw: np.ndarray, frac: int, to_frac: int) -> np.ndarray:
    """Exactly rescale raw values to more fractional bits (types are chosen so to_frac >= frac)."""
    if to_frac < frac:
        raise GnncError(f"accumulator has {to_frac} fractional bits, fewer than a term's {frac}")
    return raw * (1 << (to_frac - frac)) if to_frac > frac else raw


def _activation(it: _Interpreter, op: gnn.ActivationOp) -> np.ndarray:
    x = it.get(op.input)
    fn = op.fn.data
    if not it.fixed:
        if fn == gnn.ActivationFn.RELU:
            return np.maximum(x, 0.0)
        if fn == gnn.ActivationFn.LEAKY_RELU:
            return np.where(x > 0, x, op.alpha_value * x)
        if fn == gnn.ActivationFn.HARDTANH:
            p = op.params()
            return np.clip(x, p["lower"], p["upper"])
        if fn == gnn.ActivationFn.SQRT:
            return np.where(x > op.params()["threshold"], np.sqrt(np.maximum(x, 0.0)), 0.0)
        return TABLE_FUNCTIONS[fn.value](x, op.params())
    in_t, out_t = _fixed(op.input), _fixed(op.result)
    if fn == gnn.ActivationFn.RELU:
        return cast(np.maximum(x, 0), in_t.f, out_t)
    if fn == gnn.ActivationFn.LEAKY_RELU:
        # x > 0 ? x : alpha * x, the product exact, each branch cast once.
        a_t = op.alpha_type
        assert a_t is not None
        a = int(_constant(it, op, "alpha", lambda: np.array([op.alpha_value]), a_t, "weight")[0])
        wide = x.astype(int_dtype(in_t.w + a_t.w + 1))
        pos = x > 0  # each branch cast on the values it takes (the report counts only those)
        return np.where(pos, cast(np.where(pos, x, 0), in_t.f, out_t),
                        cast(np.where(pos, 0, wide * a), in_t.f + a_t.f, out_t))
    if fn == gnn.ActivationFn.HARDTANH:
        return _hardtanh(op, x, in_t, out_t)
    if fn == gnn.ActivationFn.SQRT:
        return _sqrt(op, x, in_t, out_t)
    return _table_activation(it, op, x, in_t, out_t)


def _hardtanh(op: gnn.ActivationOp, x: np.ndarray, in_t: gnn.FixedType, out_t: gnn.FixedType) -> np.ndarray:
    """clamp(x, lower, upper) with the bounds in alpha_type, compared exactly, cast once."""
    a_t = op.alpha_type
    assert a_t is not None
    p = op.params()
    f = max(in_t.f, a_t.f)
    dtype = int_dtype(max(in_t.w, a_t.w) + abs(in_t.f - a_t.f) + 1)
    lo, hi = (int(quantize(p[k], a_t)) << (f - a_t.f) for k in ("lower", "upper"))
    return cast(np.clip(x.astype(dtype) << (f - in_t.f), lo, hi), f, out_t)


def _sqrt(op: gnn.ActivationOp, x: np.ndarray, in_t: gnn.FixedType, out_t: gnn.FixedType) -> np.ndarray:
    """x > threshold ? cast(root to 2^-p, then a sticky bit) : 0, the root exact (gnnc.fixed.exact_sqrt)."""
    k, p = sqrt_geometry(in_t, out_t)
    keep = x > sqrt_threshold_raw(op.params()["threshold"], in_t)
    root, inexact = exact_sqrt(np.where(keep, x, 0), in_t.f, p)
    with_sticky = (2 * root + inexact.astype(object)).astype(int_dtype(max(k, 0) + p + 3))
    return np.where(keep, cast(np.where(keep, with_sticky, 0), p + 1, out_t), 0)


def _table_activation(it: _Interpreter, op: gnn.ActivationOp, x: np.ndarray, in_t: gnn.FixedType,
                      out_t: gnn.FixedType) -> np.ndarray:
    """A function table over [table_min, table_end), and the function's tails outside it."""
    fn = op.fn.data
    size, lo, scale = op.table_size.value.data, op.table_min.value.data, op.table_scale.value.data  # type: ignore[union-attr]
    table = it.memo(op, "table", lambda: table_values(fn.value, size, lo, scale, out_t, op.params()))
    looked_up = table[table_index(x, in_t.f, size, lo, scale)]
    if _RECORDING is not None and looked_up.size:  # a table never overflows; its range is reported
        values = to_float(looked_up, out_t)
        _RECORDING.add("result", out_t, looked_up.size, 0, float(values.min()), float(values.max()))
    below, above = gnn.TABLE_TAILS[fn]
    # x compared exactly with the integer ends: both sides scaled to max(f, 0) fractional bits
    xs = x.astype(object) if x.dtype == object else x.astype(int_dtype(in_t.w + max(0, -in_t.f) + 1))
    xs = xs * (1 << max(0, -in_t.f))
    unit = 1 << max(0, in_t.f)
    identity = np.zeros(x.shape, dtype=bool)
    if below == gnn.Tail.IDENTITY:
        identity |= xs < lo * unit
    if above == gnn.Tail.IDENTITY:
        identity |= xs >= int(op.table_end) * unit
    if not identity.any():
        return looked_up
    return np.where(identity, cast(np.where(identity, x, 0), in_t.f, out_t), looked_up)


def _scale(it: _Interpreter, op: gnn.ScaleOp) -> np.ndarray:
    x = it.get(op.input)
    scale, shift = _values(it, op, "scale"), _values(it, op, "shift")
    if not it.fixed:
        y = x * scale if scale is not None else x
        return y + shift if shift is not None else y
    in_t, out_t = _fixed(op.input), _fixed(op.result)
    frac, width = in_t.f, in_t.w
    if scale is not None:
        s_t = op.scale_type
        assert s_t is not None
        width += s_t.w
        x = x.astype(int_dtype(width + 1)) * _constant(it, op, "scale", lambda: scale, s_t, "weight").astype(int_dtype(width + 1))
        frac += s_t.f
    if shift is not None:
        b_t = op.shift_type
        assert b_t is not None
        f = max(frac, b_t.f)
        dtype = int_dtype(width + abs(f - frac) + b_t.w + 2)
        x = x.astype(dtype) * (1 << (f - frac)) + _constant(it, op, "shift", lambda: shift, b_t, "bias").astype(dtype) * (1 << (f - b_t.f))
        frac = f
    return cast(x, frac, out_t)


def _batch_norm(it: _Interpreter, op: gnn.BatchNormOp) -> np.ndarray:
    if it.fixed:
        raise GnncError("'gnn.batch_norm' has no fixed-point form: run gnn-fold-batchnorm first")
    x = it.get(op.input)
    scale = 1.0 / np.sqrt(_dense_values(op.variance) + op.eps.value.data)
    if op.weight is not None:
        scale = scale * _dense_values(op.weight)
    y = (x - _dense_values(op.mean)) * scale
    return y + _dense_values(op.bias) if op.bias is not None else y


def _degree_counts(it: _Interpreter, end: gnn.EdgeEndAttr, skip_loops: bool) -> np.ndarray:
    assert it.edge_index is not None and it.num_nodes is not None
    index = it.rows(end)
    if skip_loops:
        index = index[it.edge_index[0] != it.edge_index[1]]
    return np.bincount(index, minlength=it.num_nodes)[: it.num_nodes]


def _degree_norm(it: _Interpreter, op: gnn.DegreeNormOp) -> np.ndarray:
    offset = int(op.add_self_loops is not None)
    deg = _degree_counts(it, op.end, op.skips_loops)
    top = int(deg.max(initial=0))
    if it.fixed:
        table = degree_norm_values(top, offset, _fixed(op.result), op.exponent)
    else:
        table = degree_norm_floats(top, offset, op.exponent)
    return table[deg][:, None]


def _count_fn(it: _Interpreter, op: gnn.CountFnOp) -> np.ndarray:
    """f of a count; fixed point: the table of f at the integers, indexed by floor(x)."""
    x = it.get(op.input)
    if not it.fixed:
        return count_fn_floats(op.steps.data, x)
    size = op.table_size.value.data  # type: ignore[union-attr]
    table = it.memo(op, "table", lambda: count_fn_values(op.steps.data, size, _fixed(op.result)))
    return table[table_index(x, _fixed(op.input).f, size, 0, 1)]


def _loop_mask(it: _Interpreter, op: gnn.LoopMaskOp) -> np.ndarray:
    assert it.edge_index is not None
    mask = it.edge_index[0] != it.edge_index[1]
    if it.fixed:
        return quantize(mask.astype(np.float64), _fixed(op.result))[:, None]
    return mask.astype(np.float64)[:, None]


def _concat(it: _Interpreter, op: gnn.ConcatOp) -> np.ndarray:
    parts = [it.get(v) for v in op.inputs]
    if it.fixed:
        out_t = _fixed(op.result)
        parts = [cast(p, _fixed(v).f, out_t) for p, v in zip(parts, op.inputs)]
    return np.concatenate(parts, axis=1)


def _binary(combine: Callable[[np.ndarray, np.ndarray], np.ndarray], product: bool):
    """add/sub/mul: exact, then one cast. numpy broadcasts a 1-feature operand like the IR."""

    def impl(it: _Interpreter, op: gnn.ElementwiseBinaryOp) -> np.ndarray:
        a, b = it.get(op.lhs), it.get(op.rhs)
        if not it.fixed:
            return combine(a, b)
        ta, tb, out_t = _fixed(op.lhs), _fixed(op.rhs), _fixed(op.result)
        wide = int_dtype(ta.w + tb.w + 1)
        a, b = a.astype(wide), b.astype(wide)
        if product:
            return cast(a * b, ta.f + tb.f, out_t)
        f = max(ta.f, tb.f)
        return cast(combine(_align(a, ta.f, f), _align(b, tb.f, f)), f, out_t)

    return impl


def _repeat(it: _Interpreter, op: gnn.RepeatOp) -> np.ndarray:
    return np.repeat(it.get(op.input), op.times.value.data, axis=1)


def _edge_softmax(it: _Interpreter, op: gnn.EdgeSoftmaxOp):
    logits, index = it.get(op.logits), it.rows(op.end)
    assert it.edge_index is not None and it.num_nodes is not None
    root = it.get(op.root) if op.root is not None else None
    # With a root term, self loops in edge_index are replaced by it.
    keep = np.ones(len(index), dtype=bool) if root is None else it.edge_index[0] != it.edge_index[1]
    return _grouped_softmax(it, op, logits, index, it.num_nodes, keep, root)


def _row_softmax(it: _Interpreter, op: gnn.SoftmaxOp) -> np.ndarray:
    """gnn.softmax: the grouped softmax with the features of a row as its group."""
    x = it.get(op.input)
    rows, feats = x.shape
    index = np.repeat(np.arange(rows), feats)
    out = _grouped_softmax(it, op, x.reshape(-1, 1), index, rows, np.ones(rows * feats, dtype=bool), None)
    return out.reshape(rows, feats)


def _grouped_softmax(it: _Interpreter, op: gnn.EdgeSoftmaxOp | gnn.SoftmaxOp, logits: np.ndarray, index: np.ndarray,
                     n: int, keep: np.ndarray, root: np.ndarray | None):
    """Softmax of logits [K, H] over the groups index[k] in [0, n) (rows k with keep), per column;
    with a root [n, H], each group also has that term (its weights are the second result)."""
    heads = logits.shape[1]
    if not it.fixed:
        m = np.full((n, heads), -np.inf)
        np.maximum.at(m, index[keep], logits[keep])
        if root is not None:
            m = np.maximum(m, root)
        x = np.zeros_like(logits)
        x[keep] = np.exp(logits[keep] - m[index[keep]])
        total = np.zeros((n, heads))
        np.add.at(total, index, x)
        x_root = np.exp(root - m) if root is not None else None
        if x_root is not None:
            total = total + x_root
        inv = np.divide(1.0, total, out=np.zeros_like(total), where=total > 0)
        alpha = x * inv[index]
        return alpha if x_root is None else (alpha, x_root * inv)
    in_t = _fixed(op.operands[0])
    exp_t, acc_t, rec_t = op.exp_type, op.accum_type, op.recip_type
    assert exp_t is not None and acc_t is not None and rec_t is not None
    size, lo, scale = (a.value.data for a in (op.exp_table_size, op.exp_table_min, op.exp_table_scale))  # type: ignore[union-attr]
    exp_table = it.memo(op, "exp", lambda: table_values("exp", size, lo, scale, exp_t))
    m = np.full((n, heads), raw_range(in_t)[0], dtype=np.int64)
    np.maximum.at(m, index[keep], logits[keep])
    if root is not None:
        m = np.maximum(m, root)

    def exp(values: np.ndarray, top: np.ndarray) -> np.ndarray:  # exact difference, table lookup
        return exp_table[table_index(values.astype(np.int64) - top, in_t.f, size, lo, scale)]

    x = np.where(keep[:, None], exp(logits, m[index]), 0)
    total = np.zeros((n, heads), dtype=int_dtype(acc_t.w))
    np.add.at(total, index, cast(x, exp_t.f, acc_t, "accum"))
    x_root = exp(root, m) if root is not None else None
    if x_root is not None:
        total = total + cast(x_root, exp_t.f, acc_t, "accum")
    total = cast(total, acc_t.f, acc_t, "accum")
    r_size, r_scale = op.recip_table_size.value.data, op.recip_table_scale.value.data  # type: ignore[union-attr]
    recip_table = it.memo(op, "recip", lambda: softmax_recip_values(r_size, r_scale, rec_t))
    r = recip_table[table_index(total, acc_t.f, r_size, 0, r_scale)]
    wide = int_dtype(acc_t.w + 2 * rec_t.w + 4)
    for _ in range(op.newton_steps.value.data):  # type: ignore[union-attr]
        p = total.astype(wide) * r.astype(wide)  # exact, acc_t.f + rec_t.f fractional bits
        u = (2 << (acc_t.f + rec_t.f)) - p  # 2 - sum * r, exact
        r = cast(r.astype(wide) * u, rec_t.f + acc_t.f + rec_t.f, rec_t, "internal")
    prod = int_dtype(exp_t.w + rec_t.w + 1)
    alpha = cast(x.astype(prod) * r[index].astype(prod), exp_t.f + rec_t.f, _fixed(op.results[0]))
    if x_root is None:
        return alpha
    assert isinstance(op, gnn.EdgeSoftmaxOp) and op.root_result is not None
    return alpha, cast(x_root.astype(prod) * r.astype(prod), exp_t.f + rec_t.f, _fixed(op.root_result))


# --------------------------------------------------------------------------- #
# Readout (graph-level rows)
# --------------------------------------------------------------------------- #


def _batch_vector(value: np.ndarray, name: str) -> np.ndarray:
    """PyG's batch, [N] (or [N, 1]) graph numbers >= 0."""
    v = np.asarray(value)
    if v.ndim == 2 and v.shape[1] == 1:
        v = v[:, 0]
    if v.ndim != 1 or (v.size and (not np.all(v == np.round(v)) or v.min() < 0)):
        raise GnncError(f"input {name!r}: a batch is a vector of graph numbers >= 0, one per node, "
                        f"got shape {list(v.shape)}")
    return v.astype(np.int64)


def graph_rows(it: _Interpreter, op: gnn.ReadoutOp) -> tuple[np.ndarray, int]:
    """Graph number of every input row and the number of graphs (1 without a batch)."""
    rows = it.get(op.input).shape[0]
    if op.batch is None:  # one graph, or a union of graphs run together (Program.run_many)
        if it.node_graph is not None:
            return it.node_graph, it.num_graphs
        return np.zeros(rows, dtype=np.int64), 1
    batch = it.get(op.batch)
    return batch, int(batch.max()) + 1 if batch.size else 0


def _readout(it: _Interpreter, op: gnn.ReadoutOp) -> np.ndarray:
    index, g = graph_rows(it, op)
    return _reduce_rows(it, op, index, g)


def _dense_values(attr: builtin.DenseIntOrFPElementsAttr) -> np.ndarray:
    from gnnc.passes._util import dense_values

    return dense_values(attr)


def _layer_norm(it: _Interpreter, op: gnn.LayerNormOp) -> np.ndarray:
    """LayerNorm over each row's features; fixed point as in gnn.LayerNormOp's docstring."""
    x = it.get(op.input)
    n = x.shape[1]
    weight = _values(it, op, "weight")
    weight = np.ones(n) if weight is None else weight
    bias = _values(it, op, "bias")
    eps = op.eps.value.data
    if not it.fixed:
        d = x - x.mean(axis=1, keepdims=True)
        y = d / np.sqrt((d * d).mean(axis=1, keepdims=True) + eps) * weight
        return y + bias if bias is not None else y
    in_t, out_t = _fixed(op.input), _fixed(op.result)
    w_t, r_t, size = op.weight_type, op.rsqrt_type, op.table_size.value.data  # type: ignore[union-attr]
    assert w_t is not None and r_t is not None
    lt = layer_norm_types(in_t, n, eps)
    xo = x.astype(object)  # python integers: the exact intermediates are wider than 64 bits
    d = n * xo - xo.sum(axis=1, keepdims=True)  # F x - s, frac in_t.f
    q = (d * d).sum(axis=1) + lt.eps_raw  # frac 2 in_t.f
    m = q * (1 << (lt.work_t.f - lt.q_t.f))  # in work_t
    j = np.zeros(len(q), dtype=np.int64)
    four = 4 << lt.work_t.f
    one = 1 << lt.work_t.f
    for _ in range(lt.down):
        big = m >= four
        m = np.where(big, m // 4, m)  # exact: m has 2 * down spare fractional bits
        j -= big
    for _ in range(lt.up):
        small = m < one
        m = np.where(small, m * 4, m)
        j += small
    idx = table_index(m, lt.work_t.f, size, 1, size // 3)
    entry = it.memo(op, "rsqrt", lambda: rsqrt_table_values(size, r_t))[idx].astype(object)
    r = entry * np.array([1 << int(k + lt.down) for k in j], dtype=object)  # frac r_t.f + down
    c = _constant(it, op, "weight", lambda: np.sqrt(n) * weight, w_t, "weight").astype(object)
    y = d * r[:, None] * c[None, :]
    frac = in_t.f + r_t.f + lt.down + w_t.f
    if bias is not None:
        b_t = op.bias_type
        assert b_t is not None
        top = max(frac, b_t.f)
        y = y * (1 << (top - frac)) + _constant(it, op, "bias", lambda: bias, b_t, "bias").astype(object)[None, :] * (1 << (top - b_t.f))
        frac = top
    return cast(y, frac, out_t)


def _take(it: _Interpreter, op: gnn.TakeOp) -> np.ndarray:
    x = it.get(op.input)
    idx = np.array(op.index_list, dtype=np.int64)
    out = x[:, np.maximum(idx, 0)].copy()
    out[:, idx < 0] = 0
    return out


_IMPLS: dict[type[Operation], Callable[[_Interpreter, Operation], np.ndarray]] = {
    gnn.GatherOp: _gather,
    gnn.ScatterOp: _scatter,
    gnn.DenseOp: _dense,
    gnn.ActivationOp: _activation,
    gnn.ConcatOp: _concat,
    gnn.AddOp: _binary(np.add, product=False),
    gnn.SubOp: _binary(np.subtract, product=False),
    gnn.MulOp: _binary(np.multiply, product=True),
    gnn.ScaleOp: _scale,
    gnn.BatchNormOp: _batch_norm,
    gnn.DegreeNormOp: _degree_norm,
    gnn.LoopMaskOp: _loop_mask,
    gnn.CountFnOp: _count_fn,
    gnn.RepeatOp: _repeat,
    gnn.EdgeSoftmaxOp: _edge_softmax,
    gnn.ReadoutOp: _readout,
    gnn.SoftmaxOp: _row_softmax,
    gnn.LayerNormOp: _layer_norm,
    gnn.TakeOp: _take,
}
