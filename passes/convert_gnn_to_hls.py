"""
convert-gnn-to-hls: a fixed-point gnn function becomes an hls top function.

Every gnn value becomes a local array of capacity rows ([max_nodes][F] or [max_edges][F]);
every op becomes a loop nest over its rows whose trip count is the capacity and whose
`limit` is the real count (n_nodes / n_edges, extra ports of the top function), so padding
rows are never read and never change a result. Weights and lookup tables become ROMs of
raw integers. No directive is set here: hls-parallelize and hls-partition-arrays do that.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from xdsl.builder import Builder, InsertPoint
from xdsl.context import Context
from xdsl.dialects import builtin, func
from xdsl.dialects.builtin import (
    IndexType,
    IntegerAttr,
    IntegerType,
    MemRefType,
    Signedness,
    StringAttr,
)
from xdsl.ir import Attribute, Block, Operation, Region, SSAValue
from xdsl.passes import ModulePass

from gnnc.dialects import gnn, hls
from gnnc.emulator import argument_names, output_names, top_function
from gnnc.identifiers import CPP_KEYWORDS, GENERATED, check_identifier
from gnnc.passes._util import SOURCE_ATTR, check_capacity, dense_attr, hls_top, loop_index
from gnnc.passes.gnn_strategy import STRATEGY_ATTR
from gnnc.adder_graph import ADDER_COST, AdderGraph, adder_graph
from gnnc.config import DA
from gnnc.errors import GnncError
from gnnc.fixed import (
    LN_FOUR,
    LN_HALF,
    LN_QUARTER,
    LN_TWO,
    element_fixed,
    layer_norm_types,
    rsqrt_table_values,
    exact_product_type,
    quantize,
    raw_range,
    reciprocal_values,
    exact_sum_type,
    count_fn_values,
    sqrt_geometry,
    sqrt_threshold_raw,
    degree_norm_values,
    softmax_recip_values,
    table_values,
)


def index_bits(count: int) -> int:
    """Bits of an unsigned integer able to hold 0..count."""
    return max(1, count.bit_length())


@dataclass(frozen=True)
class ConvertGnnToHlsPass(ModulePass):
    """
    Lower the gnn function (after gnn-fixed-point) to loops and arrays for a given capacity.
    `top` names the C++ top function (default: the gnn function's name, with `_top`
    appended when that is a C++ keyword such as `main`). `max_graphs`: the graphs one call
    holds when the function takes a `!gnn.batch` (graph-level values then have max_graphs
    rows and the top function an `n_graphs` count); without one a call is one graph.
    `sparse` (default true): a dense
    whose quantized weights have exact zeros (pruned) multiplies only its nonzero weights
    (see `_lower_sparse_dense`); false keeps the dense loops, zeros included.
    """

    name = "convert-gnn-to-hls"

    max_nodes: int = 28
    max_edges: int = 56
    max_graphs: int = 1
    top: str = ""
    sparse: bool = True

    def apply(self, ctx: Context, op: builtin.ModuleOp) -> None:
        check_capacity(self.name, "max-nodes", self.max_nodes)
        check_capacity(self.name, "max-edges", self.max_edges)
        check_capacity(self.name, "max-graphs", self.max_graphs)
        if hls_top(op) is not None:
            raise GnncError(f"{self.name}: the input is hls IR already (it has an hls.top function); "
                            "this pass, and --lower-to-hls, take gnn IR")
        source = top_function(op)
        lowered = _Lowering(self, source).run()
        op.body.block.insert_op_before(lowered, source)
        op.body.block.erase_op(source)


class _Lowering:
    def __init__(self, opts: ConvertGnnToHlsPass, source: func.FuncOp):
        self.opts = opts
        self.source = source
        self.node_index_t = IntegerType(index_bits(opts.max_nodes - 1), Signedness.UNSIGNED)
        self.arrays: dict[SSAValue, SSAValue] = {}
        self.names: set[str] = set()
        self.counter = 0
        self.current_op: tuple[str, str | None] | None = None  # (op name, torch path) being lowered
        self.current_strategy: StringAttr | None = None  # its gnn.strategy (None: latency)
        self.current_source: StringAttr | None = None  # its gnn.source (file.py:line)
        # Graph-level rows: max_graphs of them with a batch input, else one graph per call.
        self.batched = any(isinstance(a.type, gnn.BatchType) for a in source.args)
        self.graph_cap = opts.max_graphs if self.batched else 1
        self.graph_index_t = IntegerType(index_bits(self.graph_cap - 1), Signedness.UNSIGNED)
        self.n_graphs: SSAValue | None = None

    # -- function ------------------------------------------------------------ #

    def run(self) -> func.FuncOp:
        src = self.source
        in_names = argument_names(src)
        out_names = output_names(src)
        arg_types: list[Attribute] = []
        arg_attrs: list[dict[str, Attribute]] = []
        for name, arg in zip(in_names, src.args):
            arg_types.append(self._port_type(arg.type))
            arg_attrs.append(_port_attrs(name, "in", arg.type))
        counts = {}
        capacities = [("nodes", self.opts.max_nodes), ("edges", self.opts.max_edges)]
        if self.batched:
            capacities.append(("graphs", self.graph_cap))
        for rows, cap in capacities:
            counts[rows] = len(arg_types)
            arg_types.append(IntegerType(index_bits(cap), Signedness.UNSIGNED))
            arg_attrs.append(
                {"hls.name": StringAttr(f"n_{rows}"), "hls.role": StringAttr("count"),
                 "hls.rows": StringAttr(rows), "hls.direction": StringAttr("in")}
            )
        ret = src.get_return_op()
        assert ret is not None
        outputs = list(ret.arguments)
        first_out = len(arg_types)
        for name, v in zip(out_names, outputs):
            arg_types.append(self._port_type(v.type))
            arg_attrs.append(_port_attrs(name, "out", v.type))

        block = Block(arg_types=arg_types)
        for k, (attrs, arg) in enumerate(zip(arg_attrs, block.args)):
            arg.name_hint = attrs["hls.name"].data  # type: ignore[attr-defined]
            self.names.add(arg.name_hint)
            if k < len(src.args):
                self.arrays[src.args[k]] = arg
        self.n_nodes = block.args[counts["nodes"]]
        self.n_edges = block.args[counts["edges"]]
        if "graphs" in counts:
            self.n_graphs = block.args[counts["graphs"]]
        self.edge_index = next(
            (self.arrays[a] for a in src.args if isinstance(a.type, gnn.EdgeIndexType)), None
        )

        self.top_builder = Builder(InsertPoint.at_end(block))
        self.rom_builder = Builder(InsertPoint.at_end(block))
        for op in src.body.block.ops:
            if isinstance(op, func.ReturnOp):
                break
            lower = _LOWERINGS.get(type(op))
            if lower is None:
                raise GnncError(f"convert-gnn-to-hls: cannot lower '{op.name}'")
            self.current_op = self.current_strategy = self.current_source = None
            lower(self, op)
        for k, v in enumerate(outputs):
            self._copy(self.arrays[v], block.args[first_out + k], v.type, f"output_{out_names[k]}")
        self.top_builder.insert(func.ReturnOp())

        name = self.opts.top or src.sym_name.data
        if not self.opts.top and name in CPP_KEYWORDS | GENERATED:
            name += "_top"  # `main` is the usual name of an imported function, not a C++ top
        _check_top_name(name)
        fn = func.FuncOp(
            name,
            builtin.FunctionType.from_lists(arg_types, []),
            Region(block),
            arg_attrs=builtin.ArrayAttr([builtin.DictionaryAttr(a) for a in arg_attrs]),
        )
        fn.attributes["hls.top"] = builtin.UnitAttr()
        fn.attributes["hls.max_nodes"] = builtin.IntegerAttr(self.opts.max_nodes, 64)
        fn.attributes["hls.max_edges"] = builtin.IntegerAttr(self.opts.max_edges, 64)
        if self.batched:
            fn.attributes["hls.max_graphs"] = builtin.IntegerAttr(self.graph_cap, 64)
        return fn

    def _port_type(self, t: Attribute) -> MemRefType:
        if isinstance(t, gnn.EdgeIndexType):
            return MemRefType(self.node_index_t, [2, self.opts.max_edges])
        if isinstance(t, gnn.BatchType):  # one graph number per node, as a [max_nodes][1] array
            return MemRefType(self.graph_index_t, [self.opts.max_nodes, 1])
        return self._array_type(t)

    def capacity(self, kind: str) -> int:
        return {"nodes": self.opts.max_nodes, "edges": self.opts.max_edges, "graphs": self.graph_cap}[kind]

    def count(self, kind: str) -> SSAValue | None:
        """The real number of rows of a kind (None: one graph, no count port)."""
        return {"nodes": self.n_nodes, "edges": self.n_edges, "graphs": self.n_graphs}[kind]

    def _array_type(self, t: Attribute, element: Attribute | None = None) -> MemRefType:
        assert isinstance(t, gnn.FeaturesType)
        return MemRefType(element or t.element_type, [self.capacity(t.kind), t.num_features])

    # -- building blocks ------------------------------------------------------ #

    def unique(self, base: str) -> str:
        base = re.sub(r"[^A-Za-z0-9_]", "_", base).strip("_") or "v"
        if base[0].isdigit():
            base = "v_" + base
        name, k = base, 1
        while name in self.names:
            name, k = f"{base}_{k}", k + 1
        self.names.add(name)
        return name

    def op_name(self, op: Operation, kind: str) -> str:
        path = op.attributes.get("gnn.path")
        self.counter += 1
        if isinstance(path, StringAttr):
            name = self.unique(f"{path.data}_{kind}")
        else:
            name = self.unique(f"{kind}{self.counter}")
        # the top-level loops built next belong to this op (see `loop`)
        self.current_op = (name, path.data if isinstance(path, StringAttr) else None)
        source = op.attributes.get("gnn.source")
        self.current_source = source if isinstance(source, StringAttr) else None
        strategy = op.attributes.get(STRATEGY_ATTR)
        self.current_strategy = strategy if isinstance(strategy, StringAttr) else None
        return name

    def alloca(self, t: MemRefType, name: str) -> SSAValue:
        return self.top_builder.insert(hls.AllocaOp(t, name)).result

    def rom(self, name: str, raw: np.ndarray, element: Attribute) -> SSAValue:
        bits = max(8, int(np.max(np.abs(raw), initial=0)).bit_length() + 1)
        bits = next(b for b in (8, 16, 32, 64) if b >= bits)
        data = dense_attr(np.asarray(raw, dtype=np.int64), IntegerType(bits))
        op = hls.RomOp(self.unique(name), data, MemRefType(element, list(raw.shape)))
        return self.rom_builder.insert(op).result

    def loop(self, b: Builder, ub: int, label: str, limit: SSAValue | None, body: Callable[[Builder, SSAValue], None],
             rows: str | None = None) -> None:
        top = b is self.top_builder
        if top and rows is None:
            # loops without a limit at top level run over the node capacity (accumulator inits)
            rows = "edges" if limit is not None and limit is self.n_edges else "nodes"
        op = b.insert(hls.ForOp(ub, limit, label, loop_index(label, rows if top else None)))
        if top:  # a top-level loop names its gnn op and what its rows are
            name, path = self.current_op or (label, None)
            op.op = StringAttr(name)
            if path is not None:
                op.path = StringAttr(path)
            assert rows is not None
            op.rows = StringAttr(rows)
            if self.current_op is not None and self.current_strategy is not None:
                op.strategy = self.current_strategy
            if self.current_op is not None and self.current_source is not None:
                op.attributes[SOURCE_ATTR] = self.current_source  # the model's line (hls-outline's comment)
        body(Builder(InsertPoint.at_end(op.body.block)), op.induction_var)

    def rows_loop(self, t: Attribute, label: str, body: Callable[[Builder, SSAValue], None]) -> None:
        """A loop over the real rows (nodes, edges or graphs) of values of type t."""
        assert isinstance(t, gnn.FeaturesType)
        self.loop(self.top_builder, self.capacity(t.kind), label, self.count(t.kind), body, t.kind)

    def edge_end(self, b: Builder, end: gnn.EdgeEndAttr, e: SSAValue) -> SSAValue:
        """The node index edge_index[end][e]."""
        assert self.edge_index is not None
        row = b.insert(hls.ConstantOp(0 if end.data == gnn.EdgeEnd.SRC else 1, IndexType())).result
        raw = b.insert(hls.LoadOp(self.edge_index, [row, e])).result
        node = b.insert(hls.IndexCastOp(raw, IndexType())).result
        node.name_hint = "src" if end.data == gnn.EdgeEnd.SRC else "dst"
        return node

    def _copy(self, src: SSAValue, dst: SSAValue, t: Attribute, label: str) -> None:
        assert isinstance(t, gnn.FeaturesType)
        self.current_op, self.current_strategy = (label, None), None
        f_count = t.num_features

        def rows(b: Builder, r: SSAValue) -> None:
            def feats(b: Builder, f: SSAValue) -> None:
                v = b.insert(hls.LoadOp(src, [r, f])).result
                b.insert(hls.StoreOp(v, dst, [r, f]))

            self.loop(b, f_count, f"{label}_f", None, feats)

        self.rows_loop(t, label, rows)


def _check_top_name(name: str) -> None:
    check_identifier(name, "convert-gnn-to-hls: the top function name",
                     "pass top=<identifier> (config key `top`)", CPP_KEYWORDS | GENERATED)


def _check_port_name(name: str, direction: str) -> None:
    what = "input" if direction == "in" else "output"
    check_identifier(name, f"the model's {what}", f"rename the {what} of forward() "
                     "(its argument, or the Data attribute, is the port's name in the C++)")


def _port_attrs(name: str, direction: str, t: Attribute) -> dict[str, Attribute]:
    _check_port_name(name, direction)
    attrs: dict[str, Attribute] = {"hls.name": StringAttr(name), "hls.direction": StringAttr(direction)}
    if isinstance(t, gnn.EdgeIndexType):
        attrs["hls.role"] = StringAttr("edge_index")
    elif isinstance(t, gnn.BatchType):
        attrs["hls.role"] = StringAttr("batch")
        attrs["hls.rows"] = StringAttr("nodes")
    else:
        assert isinstance(t, gnn.FeaturesType)
        attrs["hls.role"] = StringAttr("features")
        attrs["hls.rows"] = StringAttr(t.kind)
    return attrs


def _elem(v: SSAValue) -> gnn.FixedType:
    return element_fixed(v, "convert-gnn-to-hls")


def _const(b: Builder, raw: int, t: Attribute) -> SSAValue:
    return b.insert(hls.ConstantOp(raw, t)).result


# --------------------------------------------------------------------------- #
# One lowering per gnn op
# --------------------------------------------------------------------------- #


def _lower_gather(lw: _Lowering, op: gnn.GatherOp) -> None:
    name = lw.op_name(op, "gather")
    out = lw.alloca(lw._array_type(op.result.type), name)
    src = lw.arrays[op.input]
    nf = op.result.type.num_features  # type: ignore[attr-defined]

    def rows(b: Builder, e: SSAValue) -> None:
        node = lw.edge_end(b, op.end, e)

        def feats(b: Builder, f: SSAValue) -> None:
            v = b.insert(hls.LoadOp(src, [node, f])).result
            b.insert(hls.StoreOp(v, out, [e, f]))

        lw.loop(b, nf, f"{name}_f", None, feats)

    lw.rows_loop(op.result.type, name, rows)
    lw.arrays[op.result] = out


def _lower_dense(lw: _Lowering, op: gnn.DenseOp) -> None:
    name = lw.op_name(op, "dense")
    w_t = op.weight_type
    assert w_t is not None
    w_values = np.array(op.weight.get_values(), dtype=np.float64).reshape(op.weight.get_shape())
    w_raw = quantize(w_values, w_t)  # what the hardware multiplies: zeros are exact here
    if lw.current_strategy is not None and lw.current_strategy.data == DA:
        _lower_da_dense(lw, op, name, w_raw)
        return
    if lw.opts.sparse and not w_raw.all():
        _lower_sparse_dense(lw, op, name, w_raw)
        return
    in_t, out_t = _elem(op.input), _elem(op.result)
    acc_t = op.accum_type
    assert acc_t is not None
    out = lw.alloca(lw._array_type(op.result.type), name)
    x = lw.arrays[op.input]
    w = lw.rom(f"{name}_w", w_raw, w_t)
    bias = _bias_rom(lw, op, name)
    prod_t = exact_product_type(in_t, w_t)
    n_out, n_in = op.out_features, op.in_features

    def rows(b: Builder, r: SSAValue) -> None:
        def outs(b: Builder, o: SSAValue) -> None:
            acc = b.insert(hls.AllocaOp(MemRefType(acc_t, []), f"{name}_acc")).result
            start = b.insert(hls.LoadOp(bias, [o])).result if bias is not None else _const(b, 0, acc_t)
            b.insert(hls.StoreOp(b.insert(hls.CastOp(start, acc_t)).result, acc, []))

            def ins(b: Builder, i: SSAValue) -> None:
                xv = b.insert(hls.LoadOp(x, [r, i])).result
                wv = b.insert(hls.LoadOp(w, [o, i])).result
                p = b.insert(hls.MulOp(xv, wv, prod_t)).result
                a = b.insert(hls.LoadOp(acc, [])).result
                b.insert(hls.StoreOp(b.insert(hls.AddOp(a, p, acc_t)).result, acc, []))

            lw.loop(b, n_in, f"{name}_in", None, ins)
            total = b.insert(hls.LoadOp(acc, [])).result
            b.insert(hls.StoreOp(b.insert(hls.CastOp(total, out_t)).result, out, [r, o]))

        lw.loop(b, n_out, f"{name}_out", None, outs)

    lw.rows_loop(op.result.type, name, rows)
    lw.arrays[op.result] = out


def _lower_da_dense(lw: _Lowering, op: gnn.DenseOp, name: str, w_raw: np.ndarray) -> None:
    """
    strategy distributed_arithmetic: per row, alkaid's adder graph of W x (gnnc.adder_graph) as
    straight-line hls ops: the inputs loaded, `hls.shift` / `hls.add` / `hls.sub` / `hls.neg` with
    the graph's exact types (each adder carries alkaid's cost as `hls.adder_cost`), then per
    output the bias added in the accumulator type and the cast to the result type: the latency
    dense's arithmetic whenever its accumulator is exact or wraps, without a multiplier.
    """
    in_t, out_t = _elem(op.input), _elem(op.result)
    w_t, acc_t = op.weight_type, op.accum_type
    assert w_t is not None and acc_t is not None
    graph = adder_graph(w_raw, w_t, in_t)
    out = lw.alloca(lw._array_type(op.result.type), name)
    x = lw.arrays[op.input]
    bias = None
    if op.bias is not None:
        assert op.bias_type is not None
        bias = quantize(np.array(op.bias.get_values(), dtype=np.float64), op.bias_type)

    def rows(b: Builder, r: SSAValue) -> None:
        values = _adder_ops(b, graph, lambda i: b.insert(hls.LoadOp(x, [r, _const(b, i, IndexType())])).result)
        for o, node in enumerate(graph.outputs):
            total = values[node]
            if bias is not None:
                assert op.bias_type is not None
                start = b.insert(hls.CastOp(_const(b, int(bias[o]), op.bias_type), acc_t)).result
                total = b.insert(hls.AddOp(total, start, acc_t)).result
            else:
                total = b.insert(hls.CastOp(total, acc_t)).result
            b.insert(hls.StoreOp(b.insert(hls.CastOp(total, out_t)).result, out, [r, _const(b, o, IndexType())]))

    lw.rows_loop(op.result.type, name, rows)
    lw.arrays[op.result] = out


def _adder_ops(b: Builder, graph: AdderGraph, load: Callable[[int], SSAValue]) -> list[SSAValue]:
    """The graph's nodes as hls ops, in order; `load(i)` reads input i."""
    values: list[SSAValue] = []
    for node in graph.nodes:
        if node.kind == "input":
            v = load(node.amount)
        elif node.kind == "zero":
            v = _const(b, 0, node.t)
        elif node.kind == "shift":
            v = b.insert(hls.ShiftOp(values[node.args[0]], node.amount, node.t)).result
        else:
            args = [values[a] for a in node.args]
            kind = {"add": hls.AddOp, "sub": hls.SubOp, "neg": hls.NegOp}[node.kind]
            adder = b.insert(kind(*args, node.t))
            if node.cost:
                adder.attributes[ADDER_COST] = IntegerAttr(math.ceil(node.cost), 64)
            v = adder.results[0]
        values.append(v)
    return values


def _bias_rom(lw: _Lowering, op: gnn.DenseOp, name: str) -> SSAValue | None:
    if op.bias is None:
        return None
    assert op.bias_type is not None
    b_values = np.array(op.bias.get_values(), dtype=np.float64)
    return lw.rom(f"{name}_b", quantize(b_values, op.bias_type), op.bias_type)


def _lower_sparse_dense(lw: _Lowering, op: gnn.DenseOp, name: str, w_raw: np.ndarray) -> None:
    """
    A dense with zero weights multiplies only the nonzero ones: ROMs of their output index,
    input index and raw weight (`<name>_w_out`, `<name>_w_in`, `<name>_w`, in (output, input)
    order), and per row one loop over these nnz entries adding into per-output accumulators
    (started at the bias, cast at the end). The accumulator is exact or wraps, so the sum is
    the dense one's whatever the order; every row has nnz multiplications (hls-reuse).
    """
    in_t, out_t = _elem(op.input), _elem(op.result)
    w_t, acc_t = op.weight_type, op.accum_type
    assert w_t is not None and acc_t is not None
    out = lw.alloca(lw._array_type(op.result.type), name)
    x = lw.arrays[op.input]
    n_out, n_in = op.out_features, op.in_features
    nonzero = np.argwhere(w_raw != 0)  # row-major: grouped by output
    nnz = len(nonzero)
    entries = None
    if nnz:
        out_index_t = IntegerType(index_bits(n_out - 1), Signedness.UNSIGNED)
        in_index_t = IntegerType(index_bits(n_in - 1), Signedness.UNSIGNED)
        entries = (
            lw.rom(f"{name}_w_out", nonzero[:, 0], out_index_t),
            lw.rom(f"{name}_w_in", nonzero[:, 1], in_index_t),
            lw.rom(f"{name}_w", w_raw[w_raw != 0], w_t),
        )
    bias = _bias_rom(lw, op, name)
    prod_t = exact_product_type(in_t, w_t)

    def rows(b: Builder, r: SSAValue) -> None:
        acc = b.insert(hls.AllocaOp(MemRefType(acc_t, [n_out]), f"{name}_acc")).result

        def init(b: Builder, o: SSAValue) -> None:
            start = b.insert(hls.LoadOp(bias, [o])).result if bias is not None else _const(b, 0, acc_t)
            b.insert(hls.StoreOp(b.insert(hls.CastOp(start, acc_t)).result, acc, [o]))

        lw.loop(b, n_out, f"{name}_init", None, init)

        def products(b: Builder, k: SSAValue) -> None:
            assert entries is not None
            w_out, w_in, w = entries
            o = b.insert(hls.IndexCastOp(b.insert(hls.LoadOp(w_out, [k])).result, IndexType())).result
            o.name_hint = "out"  # the output this nonzero weight adds to
            i = b.insert(hls.IndexCastOp(b.insert(hls.LoadOp(w_in, [k])).result, IndexType())).result
            xv = b.insert(hls.LoadOp(x, [r, i])).result
            wv = b.insert(hls.LoadOp(w, [k])).result
            p = b.insert(hls.MulOp(xv, wv, prod_t)).result
            a = b.insert(hls.LoadOp(acc, [o])).result
            b.insert(hls.StoreOp(b.insert(hls.AddOp(a, p, acc_t)).result, acc, [o]))

        if nnz:  # all weights zero: the bias alone
            lw.loop(b, nnz, f"{name}_nz", None, products)

        def outs(b: Builder, o: SSAValue) -> None:
            total = b.insert(hls.LoadOp(acc, [o])).result
            b.insert(hls.StoreOp(b.insert(hls.CastOp(total, out_t)).result, out, [r, o]))

        lw.loop(b, n_out, f"{name}_out", None, outs)

    lw.rows_loop(op.result.type, name, rows)
    lw.arrays[op.result] = out


def _elementwise(lw: _Lowering, op: Operation, kind: str, body: Callable[[Builder, list[SSAValue]], SSAValue]) -> None:
    """out[r][f] = body(inputs[r][f]) over real rows; an input with one feature is read at [r][0]."""
    name = lw.op_name(op, kind)
    res = op.results[0]
    out = lw.alloca(lw._array_type(res.type), name)
    nf = res.type.num_features  # type: ignore[attr-defined]
    srcs = [(lw.arrays[v], v.type.num_features == 1 and nf > 1) for v in op.operands]  # type: ignore[attr-defined]

    def rows(b: Builder, r: SSAValue) -> None:
        def feats(b: Builder, f: SSAValue) -> None:
            vals = []
            for src, broadcast in srcs:
                col = _const(b, 0, IndexType()) if broadcast else f
                vals.append(b.insert(hls.LoadOp(src, [r, col])).result)
            b.insert(hls.StoreOp(body(b, vals), out, [r, f]))

        lw.loop(b, nf, f"{name}_f", None, feats)

    lw.rows_loop(res.type, name, rows)
    lw.arrays[res] = out


def _negate(b: Builder, v: SSAValue) -> SSAValue:
    """-v exactly: v times the constant -1 (a fixed<2, 2>), in the exact product type."""
    t = v.type
    assert isinstance(t, gnn.FixedType)
    minus_one = gnn.FixedType(2, 2)
    return b.insert(hls.MulOp(v, _const(b, -1, minus_one), exact_product_type(t, minus_one))).result


def _lower_activation(lw: _Lowering, op: gnn.ActivationOp) -> None:
    in_t, out_t = _elem(op.input), _elem(op.result)
    fn = op.fn.data
    if fn == gnn.ActivationFn.RELU:
        def relu(b: Builder, v: list[SSAValue]) -> SSAValue:
            m = b.insert(hls.MaxOp(v[0], _const(b, 0, in_t), in_t)).result
            return b.insert(hls.CastOp(m, out_t)).result

        _elementwise(lw, op, "relu", relu)
        return
    if fn == gnn.ActivationFn.LEAKY_RELU:
        a_t = op.alpha_type
        assert a_t is not None
        alpha = int(quantize(op.alpha_value, a_t))

        def leaky(b: Builder, v: list[SSAValue]) -> SSAValue:
            neg = b.insert(hls.MulOp(v[0], _const(b, alpha, a_t), out_t)).result
            pos = b.insert(hls.CastOp(v[0], out_t)).result
            return b.insert(hls.SelectOp(v[0], pos, neg)).result

        _elementwise(lw, op, "leaky_relu", leaky)
        return
    if fn == gnn.ActivationFn.HARDTANH:
        _lower_hardtanh(lw, op, in_t, out_t)
        return
    if fn == gnn.ActivationFn.SQRT:
        _lower_sqrt(lw, op, in_t, out_t)
        return
    size, lo, scale = (a.value.data for a in (op.table_size, op.table_min, op.table_scale))  # type: ignore[union-attr]
    table = lw.rom(f"{fn.value}_table", table_values(fn.value, size, lo, scale, out_t, op.params()), out_t)
    below, above = gnn.TABLE_TAILS[fn]

    def lookup(b: Builder, v: list[SSAValue]) -> SSAValue:
        idx = b.insert(hls.TableIndexOp(v[0], size, lo, scale)).result
        y = b.insert(hls.LoadOp(table, [idx])).result
        if gnn.Tail.IDENTITY in (below, above):
            x = b.insert(hls.CastOp(v[0], out_t)).result
            if above == gnn.Tail.IDENTITY:  # x < end ? table : x
                y = b.insert(hls.SelectOp(_constant_minus(b, int(op.table_end), v[0]), y, x)).result
            if below == gnn.Tail.IDENTITY:  # x < min ? x : table
                y = b.insert(hls.SelectOp(_constant_minus(b, lo, v[0]), x, y)).result
        return y

    _elementwise(lw, op, fn.value, lookup)


def _constant_minus(b: Builder, c: int, v: SSAValue) -> SSAValue:
    """c - v exactly, c an integer (a table end): positive exactly when v < c."""
    neg = _negate(b, v)
    if c == 0:  # elu's table end
        return neg
    c_t = gnn.FixedType(max(2, abs(c).bit_length() + 1), max(2, abs(c).bit_length() + 1))
    return b.insert(hls.AddOp(_const(b, c, c_t), neg, exact_sum_type([c_t, _elem_type(neg)]))).result


def _elem_type(v: SSAValue) -> gnn.FixedType:
    assert isinstance(v.type, gnn.FixedType)
    return v.type


def _lower_hardtanh(lw: _Lowering, op: gnn.ActivationOp, in_t: gnn.FixedType, out_t: gnn.FixedType) -> None:
    """min(max(x, lower), upper) in a type holding x and the bounds (alpha_type) exactly."""
    a_t = op.alpha_type
    assert a_t is not None
    common = exact_sum_type([in_t, a_t])
    p = op.params()
    lo, hi = (int(quantize(p[k], a_t)) << (common.f - a_t.f) for k in ("lower", "upper"))

    def clamp(b: Builder, v: list[SSAValue]) -> SSAValue:
        x = b.insert(hls.CastOp(v[0], common)).result
        m = b.insert(hls.MaxOp(x, _const(b, lo, common), common)).result
        m = b.insert(hls.MinOp(m, _const(b, hi, common), common)).result
        return b.insert(hls.CastOp(m, out_t)).result

    _elementwise(lw, op, "hardtanh", clamp)


def _power_of_two(b: Builder, m: int) -> SSAValue:
    """The constant 2^m: raw 1 of a fixed<2, m + 2>."""
    return _const(b, 1, gnn.FixedType(2, m + 2))


def _lower_sqrt(lw: _Lowering, op: gnn.ActivationOp, in_t: gnn.FixedType, out_t: gnn.FixedType) -> None:
    """
    x > threshold ? cast(y + sticky) : 0 with y = floor(sqrt(x) 2^p) 2^-p found bit by bit, from
    2^(K-1) down to 2^-p: with the remainder r = x - y^2, bit k is set when r >= 2^(k+1) y + 2^(2k)
    (shifts and adds, all exact in r's type); sticky = 2^-(p+1) when the final r > 0. The emulator's
    gnnc.fixed.exact_sqrt computes the same integers.
    """
    k_top, p = sqrt_geometry(in_t, out_t)
    top = in_t.i - 1 if in_t.is_signed else in_t.i
    int_bits = max(k_top, 0) + 2
    y_t = gnn.FixedType(int_bits + p, int_bits)
    v_t = gnn.FixedType(int_bits + p + 1, int_bits)
    r_frac, r_int = max(in_t.f, 2 * p), max(top, 2 * k_top, 0) + 3
    r_t = gnn.FixedType(r_int + r_frac, r_int)
    thr = sqrt_threshold_raw(op.params()["threshold"], in_t)
    thr_bits = max(2, thr.bit_length() + 1)
    thr_t = gnn.FixedType(thr_bits, thr_bits - in_t.f)  # raw thr at x's LSB

    def root(b: Builder, v: list[SSAValue]) -> SSAValue:
        x = v[0]
        r = b.insert(hls.CastOp(x, r_t)).result
        y = _const(b, 0, y_t)
        for k in range(k_top - 1, -p - 1, -1):
            d = b.insert(hls.MulOp(y, _power_of_two(b, k + 1), r_t)).result
            d = b.insert(hls.AddOp(d, _power_of_two(b, 2 * k), r_t)).result
            t = b.insert(hls.AddOp(r, _negate(b, d), r_t)).result
            take = b.insert(hls.AddOp(t, _const(b, 1, r_t), r_t)).result  # t >= 0: t + 1 LSB > 0
            r = b.insert(hls.SelectOp(take, t, r)).result
            y = b.insert(hls.SelectOp(take, b.insert(hls.AddOp(y, _power_of_two(b, k), y_t)).result, y)).result
        sticky = b.insert(hls.SelectOp(r, _const(b, 1, v_t), _const(b, 0, v_t))).result
        rooted = b.insert(hls.CastOp(b.insert(hls.AddOp(y, sticky, v_t)).result, out_t)).result
        above = b.insert(hls.AddOp(x, _negate(b, _const(b, thr, thr_t)), exact_sum_type(
            [in_t, exact_product_type(thr_t, gnn.FixedType(2, 2))]))).result
        return b.insert(hls.SelectOp(above, rooted, _const(b, 0, out_t))).result

    _elementwise(lw, op, "sqrt", root)


def _lower_binary(kind: str):
    def lower(lw: _Lowering, op: gnn.ElementwiseBinaryOp) -> None:
        out_t = _elem(op.result)

        def body(b: Builder, v: list[SSAValue]) -> SSAValue:
            if kind == "mul":
                return b.insert(hls.MulOp(v[0], v[1], out_t)).result
            rhs = _negate(b, v[1]) if kind == "sub" else v[1]
            return b.insert(hls.AddOp(v[0], rhs, out_t)).result

        _elementwise(lw, op, kind, body)

    return lower


def _lower_scale(lw: _Lowering, op: gnn.ScaleOp) -> None:
    name = lw.op_name(op, "scale")
    out_t = _elem(op.result)
    nf = op.result.type.num_features  # type: ignore[attr-defined]
    roms = {}
    for what, attr, t in (("scale", op.scale, op.scale_type), ("shift", op.shift, op.shift_type)):
        if attr is not None:
            assert t is not None
            values = np.array(attr.get_values(), dtype=np.float64)
            roms[what] = (lw.rom(f"{name}_{what}", quantize(values, t), t), t)

    def body(b: Builder, v: list[SSAValue]) -> SSAValue:
        f = v[1]
        y = v[0]
        if "scale" in roms:
            rom, t = roms["scale"]
            s = b.insert(hls.LoadOp(rom, [f])).result
            # exact product (cast to the result only when there is no shift)
            prod_t = exact_product_type(_elem(op.input), t) if "shift" in roms else out_t
            y = b.insert(hls.MulOp(y, s, prod_t)).result
        if "shift" in roms:
            rom, _ = roms["shift"]
            c = b.insert(hls.LoadOp(rom, [f])).result
            y = b.insert(hls.AddOp(y, c, out_t)).result
        return y

    out = lw.alloca(lw._array_type(op.result.type), name)
    x = lw.arrays[op.input]

    def rows(b: Builder, r: SSAValue) -> None:
        def feats(b: Builder, f: SSAValue) -> None:
            v = b.insert(hls.LoadOp(x, [r, f])).result
            b.insert(hls.StoreOp(body(b, [v, f]), out, [r, f]))

        lw.loop(b, nf, f"{name}_f", None, feats)

    lw.rows_loop(op.result.type, name, rows)
    lw.arrays[op.result] = out


def _square_of_difference(lw: _Lowering, b: Builder, e: SSAValue) -> SSAValue:
    """(src - dst)^2 of edge e, an index: > 0 exactly when e is not a self loop."""
    src = lw.edge_end(b, gnn.EdgeEndAttr(gnn.EdgeEnd.SRC), e)
    dst = lw.edge_end(b, gnn.EdgeEndAttr(gnn.EdgeEnd.DST), e)
    idx = IndexType()
    neg = b.insert(hls.MulOp(dst, _const(b, -1, idx), idx)).result
    diff = b.insert(hls.AddOp(src, neg, idx)).result
    return b.insert(hls.MulOp(diff, diff, idx)).result


def _unless_self_loop(lw: _Lowering, b: Builder, e: SSAValue, true_raw: int, false_raw: int, t: Attribute) -> SSAValue:
    """(src != dst) ? true_raw : false_raw for edge e: constants of type t."""
    square = _square_of_difference(lw, b, e)
    return b.insert(hls.SelectOp(square, _const(b, true_raw, t), _const(b, false_raw, t))).result


def _lower_degree_norm(lw: _Lowering, op: gnn.DegreeNormOp) -> None:
    name = lw.op_name(op, "degree_norm")
    out_t = _elem(op.result)
    loops = op.skips_loops
    n_cap, e_cap = lw.opts.max_nodes, lw.opts.max_edges
    count_t = IntegerType(index_bits(e_cap), Signedness.UNSIGNED)
    count = lw.alloca(MemRefType(count_t, [n_cap]), f"{name}_count")
    offset = int(op.add_self_loops is not None)
    table = lw.rom(f"{name}_table", degree_norm_values(e_cap, offset, out_t, op.exponent), out_t)

    def init(b: Builder, n: SSAValue) -> None:
        b.insert(hls.StoreOp(_const(b, 0, count_t), count, [n]))

    lw.loop(lw.top_builder, n_cap, f"{name}_init", None, init)

    def edges(b: Builder, e: SSAValue) -> None:
        node = lw.edge_end(b, op.end, e)
        c = b.insert(hls.LoadOp(count, [node])).result
        step = _unless_self_loop(lw, b, e, 1, 0, count_t) if loops else _const(b, 1, count_t)
        b.insert(hls.StoreOp(b.insert(hls.AddOp(c, step, count_t)).result, count, [node]))

    lw.loop(lw.top_builder, e_cap, f"{name}_edges", lw.n_edges, edges)
    out = lw.alloca(lw._array_type(op.result.type), name)

    def finish(b: Builder, n: SSAValue) -> None:
        c = b.insert(hls.LoadOp(count, [n])).result
        v = b.insert(hls.LoadOp(table, [b.insert(hls.IndexCastOp(c, IndexType())).result])).result
        b.insert(hls.StoreOp(v, out, [n, _const(b, 0, IndexType())]))

    lw.loop(lw.top_builder, n_cap, f"{name}_nodes", lw.n_nodes, finish)
    lw.arrays[op.result] = out


def _lower_count_fn(lw: _Lowering, op: gnn.CountFnOp) -> None:
    """f of a count: the table of f at the integers, indexed by floor(x) (hls.table_index, scale 1)."""
    size = op.table_size.value.data  # type: ignore[union-attr]
    out_t = _elem(op.result)
    table = lw.rom("count_fn_table", count_fn_values(op.steps.data, size, out_t), out_t)

    def lookup(b: Builder, v: list[SSAValue]) -> SSAValue:
        return b.insert(hls.LoadOp(table, [b.insert(hls.TableIndexOp(v[0], size, 0, 1)).result])).result

    _elementwise(lw, op, "count_fn", lookup)


def _lower_loop_mask(lw: _Lowering, op: gnn.LoopMaskOp) -> None:
    name = lw.op_name(op, "loop_mask")
    out_t = _elem(op.result)
    one = int(quantize(1.0, out_t))
    out = lw.alloca(lw._array_type(op.result.type), name)

    def edges(b: Builder, e: SSAValue) -> None:
        v = _unless_self_loop(lw, b, e, one, 0, out_t)
        b.insert(hls.StoreOp(v, out, [e, _const(b, 0, IndexType())]))

    lw.rows_loop(op.result.type, name, edges)
    lw.arrays[op.result] = out


def _lower_concat(lw: _Lowering, op: gnn.ConcatOp) -> None:
    name = lw.op_name(op, "concat")
    out_t = _elem(op.result)
    out = lw.alloca(lw._array_type(op.result.type), name)
    parts = [(lw.arrays[v], v.type.num_features) for v in op.inputs]  # type: ignore[attr-defined]

    def rows(b: Builder, r: SSAValue) -> None:
        offset = 0
        for k, (src, nf) in enumerate(parts):
            def feats(b: Builder, f: SSAValue, src=src, offset=offset) -> None:
                v = b.insert(hls.LoadOp(src, [r, f])).result
                col = f
                if offset:
                    off = _const(b, offset, IndexType())
                    col = b.insert(hls.AddOp(f, off, IndexType())).result
                b.insert(hls.StoreOp(b.insert(hls.CastOp(v, out_t)).result, out, [r, col]))

            lw.loop(b, nf, f"{name}_part{k}", None, feats)
            offset += nf

    lw.rows_loop(op.result.type, name, rows)
    lw.arrays[op.result] = out


def _lower_scatter(lw: _Lowering, op: gnn.ScatterOp) -> None:
    def target(b: Builder, e: SSAValue) -> SSAValue:
        return lw.edge_end(b, op.end, e)

    _lower_reduction(lw, op, f"scatter_{op.reduce.data.value}", "edges", target)


def _lower_readout(lw: _Lowering, op: gnn.ReadoutOp) -> None:
    """As a scatter, onto graphs: row r goes to graph batch[r][0] (graph 0 without a batch)."""
    batch = lw.arrays[op.batch] if op.batch is not None else None

    def target(b: Builder, r: SSAValue) -> SSAValue:
        if batch is None:
            return _const(b, 0, IndexType())
        raw = b.insert(hls.LoadOp(batch, [r, _const(b, 0, IndexType())])).result
        return b.insert(hls.IndexCastOp(raw, IndexType())).result

    _lower_reduction(lw, op, f"readout_{op.reduce.data.value}", op.input.type.kind, target)  # type: ignore[attr-defined]


def _lower_reduction(lw: _Lowering, op: gnn.ScatterOp | gnn.ReadoutOp, kind: str, in_rows: str,
                     target: Callable[[Builder, SSAValue], SSAValue]) -> None:
    """
    Reduce the `in_rows` rows of op.input onto the rows of op.result, row r onto row target(r):
    accumulators (and counts, for mean/max/min) initialised over the whole capacity, one
    loop over the real input rows, one over the real output rows (mean: sum · 1/count;
    max/min: 0 where nothing arrived).
    """
    name = lw.op_name(op, kind)
    reduce = op.reduce.data
    in_t, out_t = _elem(op.input), _elem(op.result)
    nf = op.result.type.num_features  # type: ignore[attr-defined]
    src = lw.arrays[op.input]
    out_rows = op.result.type.kind  # type: ignore[attr-defined]
    n_cap, in_cap = lw.capacity(out_rows), lw.capacity(in_rows)
    selecting = reduce in (gnn.Reduce.MAX, gnn.Reduce.MIN)
    acc_t = in_t if selecting else op.accum_type
    assert acc_t is not None
    count_t = IntegerType(1 if selecting else index_bits(in_cap), Signedness.UNSIGNED)
    acc = lw.alloca(MemRefType(acc_t, [n_cap, nf]), f"{name}_acc")
    need_count = reduce != gnn.Reduce.SUM
    count = lw.alloca(MemRefType(count_t, [n_cap]), f"{name}_count") if need_count else None
    lo, hi = raw_range(in_t)
    start_raw = {gnn.Reduce.MAX: lo, gnn.Reduce.MIN: hi}.get(reduce, 0)

    def init(b: Builder, n: SSAValue) -> None:
        if count is not None:
            b.insert(hls.StoreOp(_const(b, 0, count_t), count, [n]))

        def feats(b: Builder, f: SSAValue) -> None:
            b.insert(hls.StoreOp(_const(b, start_raw, acc_t), acc, [n, f]))

        lw.loop(b, nf, f"{name}_init_f", None, feats)

    lw.loop(lw.top_builder, n_cap, f"{name}_init", None, init, out_rows)

    def rows(b: Builder, e: SSAValue) -> None:
        node = target(b, e)
        if count is not None:
            c = b.insert(hls.LoadOp(count, [node])).result
            new = _const(b, 1, count_t) if selecting else b.insert(
                hls.AddOp(c, _const(b, 1, count_t), count_t)
            ).result
            b.insert(hls.StoreOp(new, count, [node]))

        def feats(b: Builder, f: SSAValue) -> None:
            v = b.insert(hls.LoadOp(src, [e, f])).result
            a = b.insert(hls.LoadOp(acc, [node, f])).result
            if selecting:
                pick = hls.MaxOp if reduce == gnn.Reduce.MAX else hls.MinOp
                new = b.insert(pick(a, v, acc_t)).result
            else:
                new = b.insert(hls.AddOp(a, v, acc_t)).result
            b.insert(hls.StoreOp(new, acc, [node, f]))

        lw.loop(b, nf, f"{name}_{in_rows[:-1]}_f", None, feats)

    lw.loop(lw.top_builder, in_cap, f"{name}_{in_rows}", lw.count(in_rows), rows, in_rows)

    out = lw.alloca(lw._array_type(op.result.type), name)
    recip = None
    if reduce == gnn.Reduce.MEAN:
        assert op.recip_type is not None
        recip = lw.rom(f"{name}_recip", reciprocal_values(in_cap, op.recip_type), op.recip_type)

    def finish(b: Builder, n: SSAValue) -> None:
        c = b.insert(hls.LoadOp(count, [n])).result if count is not None else None
        r = None
        if recip is not None:
            assert c is not None
            r = b.insert(hls.LoadOp(recip, [b.insert(hls.IndexCastOp(c, IndexType())).result])).result

        def feats(b: Builder, f: SSAValue) -> None:
            a = b.insert(hls.LoadOp(acc, [n, f])).result
            if r is not None:
                y = b.insert(hls.MulOp(a, r, out_t)).result
            elif selecting:
                assert c is not None
                y = b.insert(hls.SelectOp(c, a, _const(b, 0, acc_t))).result
            else:
                y = b.insert(hls.CastOp(a, out_t)).result
            b.insert(hls.StoreOp(y, out, [n, f]))

        lw.loop(b, nf, f"{name}_f", None, feats)

    lw.loop(lw.top_builder, n_cap, f"{name}_{out_rows}", lw.count(out_rows), finish, out_rows)
    lw.arrays[op.result] = out


def _lower_repeat(lw: _Lowering, op: gnn.RepeatOp) -> None:
    """out[r][f * times + k] = x[r][f]: the column index is computed (index arithmetic)."""
    name = lw.op_name(op, "repeat")
    times = op.times.value.data
    nf = op.input.type.num_features  # type: ignore[attr-defined]
    x = lw.arrays[op.input]
    out = lw.alloca(lw._array_type(op.result.type), name)

    def rows(b: Builder, r: SSAValue) -> None:
        def feats(b: Builder, f: SSAValue) -> None:
            v = b.insert(hls.LoadOp(x, [r, f])).result
            base = b.insert(hls.MulOp(f, _const(b, times, IndexType()), IndexType())).result

            def copies(b: Builder, k: SSAValue) -> None:
                col = b.insert(hls.AddOp(base, k, IndexType())).result
                b.insert(hls.StoreOp(v, out, [r, col]))

            lw.loop(b, times, f"{name}_k", None, copies)

        lw.loop(b, nf, f"{name}_f", None, feats)

    lw.rows_loop(op.result.type, name, rows)
    lw.arrays[op.result] = out


def _lower_edge_softmax(lw: _Lowering, op: gnn.EdgeSoftmaxOp) -> None:
    """
    Five loops: max per node (the root logit, or the type's minimum, to start), exp per
    edge and its exact sum per node, 1/sum per node (table, Newton steps; the root term
    added first), the edge weights, and the root weights.
    """
    name = lw.op_name(op, "edge_softmax")
    in_t = _elem(op.logits)
    exp_t, acc_t, rec_t = op.exp_type, op.accum_type, op.recip_type
    assert exp_t is not None and acc_t is not None and rec_t is not None
    out_t = _elem(op.result)
    heads = op.logits.type.num_features  # type: ignore[attr-defined]
    n_cap, e_cap = lw.opts.max_nodes, lw.opts.max_edges
    logits = lw.arrays[op.logits]
    root = lw.arrays[op.root] if op.root is not None else None
    exp_table, recip_table = _softmax_tables(lw, op, name)
    top = lw.alloca(MemRefType(in_t, [n_cap, heads]), f"{name}_max")
    total = lw.alloca(MemRefType(acc_t, [n_cap, heads]), f"{name}_sum")
    inverse = lw.alloca(MemRefType(rec_t, [n_cap, heads]), f"{name}_inv")
    ex = lw.alloca(MemRefType(exp_t, [e_cap, heads]), f"{name}_exp_e")
    lowest = raw_range(in_t)[0]

    def heads_loop(b: Builder, label: str, body: Callable[[Builder, SSAValue], None]) -> None:
        lw.loop(b, heads, f"{name}_{label}_h", None, body)

    def exp_of(b: Builder, v: SSAValue, m: SSAValue) -> SSAValue:
        return _softmax_exp(b, op, exp_table, v, m)

    def init(b: Builder, n: SSAValue) -> None:
        def h_body(b: Builder, h: SSAValue) -> None:
            start = b.insert(hls.LoadOp(root, [n, h])).result if root is not None else _const(b, lowest, in_t)
            b.insert(hls.StoreOp(start, top, [n, h]))
            b.insert(hls.StoreOp(_const(b, 0, acc_t), total, [n, h]))

        heads_loop(b, "init", h_body)

    lw.loop(lw.top_builder, n_cap, f"{name}_init", lw.n_nodes, init)

    def maxima(b: Builder, e: SSAValue) -> None:
        node = lw.edge_end(b, op.end, e)

        def h_body(b: Builder, h: SSAValue) -> None:
            v = b.insert(hls.LoadOp(logits, [e, h])).result
            if root is not None:  # self loops are the root term's
                v = b.insert(hls.SelectOp(_square_of_difference(lw, b, e), v, _const(b, lowest, in_t))).result
            m = b.insert(hls.LoadOp(top, [node, h])).result
            b.insert(hls.StoreOp(b.insert(hls.MaxOp(m, v, in_t)).result, top, [node, h]))

        heads_loop(b, "max", h_body)

    lw.loop(lw.top_builder, e_cap, f"{name}_max", lw.n_edges, maxima)

    def exps(b: Builder, e: SSAValue) -> None:
        node = lw.edge_end(b, op.end, e)

        def h_body(b: Builder, h: SSAValue) -> None:
            v = b.insert(hls.LoadOp(logits, [e, h])).result
            m = b.insert(hls.LoadOp(top, [node, h])).result
            x = exp_of(b, v, m)
            if root is not None:
                x = b.insert(hls.SelectOp(_square_of_difference(lw, b, e), x, _const(b, 0, exp_t))).result
            b.insert(hls.StoreOp(x, ex, [e, h]))
            s = b.insert(hls.LoadOp(total, [node, h])).result
            b.insert(hls.StoreOp(b.insert(hls.AddOp(s, x, acc_t)).result, total, [node, h]))

        heads_loop(b, "exp", h_body)

    lw.loop(lw.top_builder, e_cap, f"{name}_exp", lw.n_edges, exps)

    root_out = None
    if op.root_result is not None:
        root_out = lw.alloca(lw._array_type(op.root_result.type), f"{name}_root")
    root_out_t = _elem(op.root_result) if op.root_result is not None else None

    def inverses(b: Builder, n: SSAValue) -> None:
        def h_body(b: Builder, h: SSAValue) -> None:
            s = b.insert(hls.LoadOp(total, [n, h])).result
            x_root = None
            if root is not None:
                v = b.insert(hls.LoadOp(root, [n, h])).result
                m = b.insert(hls.LoadOp(top, [n, h])).result
                x_root = exp_of(b, v, m)
                s = b.insert(hls.AddOp(s, x_root, acc_t)).result
            r = _softmax_inverse(b, op, recip_table, s)
            b.insert(hls.StoreOp(r, inverse, [n, h]))
            if root_out is not None and x_root is not None and root_out_t is not None:
                b.insert(hls.StoreOp(b.insert(hls.MulOp(x_root, r, root_out_t)).result, root_out, [n, h]))

        heads_loop(b, "inv", h_body)

    lw.loop(lw.top_builder, n_cap, f"{name}_inv", lw.n_nodes, inverses)
    out = lw.alloca(lw._array_type(op.result.type), name)

    def weights(b: Builder, e: SSAValue) -> None:
        node = lw.edge_end(b, op.end, e)

        def h_body(b: Builder, h: SSAValue) -> None:
            x = b.insert(hls.LoadOp(ex, [e, h])).result
            r = b.insert(hls.LoadOp(inverse, [node, h])).result
            b.insert(hls.StoreOp(b.insert(hls.MulOp(x, r, out_t)).result, out, [e, h]))

        heads_loop(b, "weight", h_body)

    lw.loop(lw.top_builder, e_cap, f"{name}_weight", lw.n_edges, weights)
    lw.arrays[op.result] = out
    if op.root_result is not None:
        lw.arrays[op.root_result] = root_out


def _softmax_tables(lw: _Lowering, op: gnn.EdgeSoftmaxOp | gnn.SoftmaxOp, name: str) -> tuple[SSAValue, SSAValue]:
    """The exp table and the first-guess 1/sum table of a (edge) softmax, as ROMs."""
    exp_t, rec_t = op.exp_type, op.recip_type
    assert exp_t is not None and rec_t is not None
    size, lo, scale = (a.value.data for a in (op.exp_table_size, op.exp_table_min, op.exp_table_scale))  # type: ignore[union-attr]
    r_size, r_scale = op.recip_table_size.value.data, op.recip_table_scale.value.data  # type: ignore[union-attr]
    return (lw.rom(f"{name}_exp", table_values("exp", size, lo, scale, exp_t), exp_t),
            lw.rom(f"{name}_recip", softmax_recip_values(r_size, r_scale, rec_t), rec_t))


def _softmax_exp(b: Builder, op: gnn.EdgeSoftmaxOp | gnn.SoftmaxOp, exp_table: SSAValue, v: SSAValue,
                 m: SSAValue) -> SSAValue:
    """exp(v - m) from the table, indexed by the exact difference."""
    in_t = _elem(op.operands[0])
    diff_t = exact_sum_type([in_t, exact_product_type(in_t, gnn.FixedType(2, 2))])
    size, lo, scale = (a.value.data for a in (op.exp_table_size, op.exp_table_min, op.exp_table_scale))  # type: ignore[union-attr]
    d = b.insert(hls.AddOp(v, _negate(b, m), diff_t)).result
    i = b.insert(hls.TableIndexOp(d, size, lo, scale)).result
    return b.insert(hls.LoadOp(exp_table, [i])).result


def _softmax_inverse(b: Builder, op: gnn.EdgeSoftmaxOp | gnn.SoftmaxOp, recip_table: SSAValue, s: SSAValue) -> SSAValue:
    """1/s: the table's first guess, then newton_steps steps r <- r (2 - s r), each exact, cast to recip_type."""
    acc_t, rec_t = op.accum_type, op.recip_type
    assert acc_t is not None and rec_t is not None
    r_size, r_scale = op.recip_table_size.value.data, op.recip_table_scale.value.data  # type: ignore[union-attr]
    prod_t = exact_product_type(acc_t, rec_t)
    two_t = gnn.FixedType(3, 3)
    u_t = exact_sum_type([two_t, exact_product_type(prod_t, gnn.FixedType(2, 2))])
    i = b.insert(hls.TableIndexOp(s, r_size, 0, r_scale)).result
    r = b.insert(hls.LoadOp(recip_table, [i])).result
    for _ in range(op.newton_steps.value.data):  # type: ignore[union-attr]
        p = b.insert(hls.MulOp(s, r, prod_t)).result
        u = b.insert(hls.AddOp(_const(b, 2, two_t), _negate(b, p), u_t)).result
        r = b.insert(hls.MulOp(r, u, rec_t)).result
    return r


def _lower_softmax(lw: _Lowering, op: gnn.SoftmaxOp) -> None:
    """Per real row: the max over its features, exp of each difference and their exact sum, 1/sum, the weights."""
    name = lw.op_name(op, "softmax")
    in_t, out_t = _elem(op.input), _elem(op.result)
    exp_t, acc_t = op.exp_type, op.accum_type
    assert exp_t is not None and acc_t is not None
    nf = op.input.type.num_features  # type: ignore[attr-defined]
    x = lw.arrays[op.input]
    exp_table, recip_table = _softmax_tables(lw, op, name)
    out = lw.alloca(lw._array_type(op.result.type), name)

    def rows(b: Builder, r: SSAValue) -> None:
        top = b.insert(hls.AllocaOp(MemRefType(in_t, []), f"{name}_max")).result
        total = b.insert(hls.AllocaOp(MemRefType(acc_t, []), f"{name}_sum")).result
        ex = b.insert(hls.AllocaOp(MemRefType(exp_t, [nf]), f"{name}_exp_f")).result
        b.insert(hls.StoreOp(_const(b, raw_range(in_t)[0], in_t), top, []))
        b.insert(hls.StoreOp(_const(b, 0, acc_t), total, []))

        def maxima(b: Builder, f: SSAValue) -> None:
            v = b.insert(hls.LoadOp(x, [r, f])).result
            m = b.insert(hls.LoadOp(top, [])).result
            b.insert(hls.StoreOp(b.insert(hls.MaxOp(m, v, in_t)).result, top, []))

        lw.loop(b, nf, f"{name}_max_f", None, maxima)

        def exps(b: Builder, f: SSAValue) -> None:
            v = b.insert(hls.LoadOp(x, [r, f])).result
            e = _softmax_exp(b, op, exp_table, v, b.insert(hls.LoadOp(top, [])).result)
            b.insert(hls.StoreOp(e, ex, [f]))
            s = b.insert(hls.LoadOp(total, [])).result
            b.insert(hls.StoreOp(b.insert(hls.AddOp(s, e, acc_t)).result, total, []))

        lw.loop(b, nf, f"{name}_exp_f", None, exps)
        inv = _softmax_inverse(b, op, recip_table, b.insert(hls.LoadOp(total, [])).result)

        def weights(b: Builder, f: SSAValue) -> None:
            e = b.insert(hls.LoadOp(ex, [f])).result
            b.insert(hls.StoreOp(b.insert(hls.MulOp(e, inv, out_t)).result, out, [r, f]))

        lw.loop(b, nf, f"{name}_weight_f", None, weights)

    lw.rows_loop(op.result.type, name, rows)
    lw.arrays[op.result] = out


def _lower_take(lw: _Lowering, op: gnn.TakeOp) -> None:
    """One copy (or a zero) per output feature, unrolled: the indices are constants."""
    name = lw.op_name(op, "take")
    t = _elem(op.result)
    out = lw.alloca(lw._array_type(op.result.type), name)
    x = lw.arrays[op.input]

    def rows(b: Builder, r: SSAValue) -> None:
        for k, i in enumerate(op.index_list):
            v = _const(b, 0, t) if i < 0 else b.insert(hls.LoadOp(x, [r, _const(b, i, IndexType())])).result
            b.insert(hls.StoreOp(v, out, [r, _const(b, k, IndexType())]))

    lw.rows_loop(op.result.type, name, rows)
    lw.arrays[op.result] = out


def _lower_layer_norm(lw: _Lowering, op: gnn.LayerNormOp) -> None:
    """
    Per row: s = sum x; d[f] = F x[f] - s (kept in a row buffer) and q = sum d^2 + F^3 eps;
    the range reduction of q to m in [1, 4) with 2^j beside it; r = table[m] * 2^j;
    y[f] = cast(d[f] * r * c[f] + b[f]). Every step but the table and the cast is exact
    (types from gnnc.fixed.layer_norm_types, as in the emulator).
    """
    name = lw.op_name(op, "layer_norm")
    in_t, out_t = _elem(op.input), _elem(op.result)
    n = op.result.type.num_features  # type: ignore[attr-defined]
    w_t, r_t, size = op.weight_type, op.rsqrt_type, op.table_size.value.data  # type: ignore[union-attr]
    assert w_t is not None and r_t is not None
    eps = op.eps.value.data
    lt = layer_norm_types(in_t, n, eps)
    weight = np.array(op.weight.get_values(), dtype=np.float64) if op.weight is not None else np.ones(n)
    c_rom = lw.rom(f"{name}_scale", quantize(np.sqrt(n) * weight, w_t), w_t)
    b_rom = None
    if op.bias is not None:
        assert op.bias_type is not None
        b_rom = lw.rom(f"{name}_bias", quantize(np.array(op.bias.get_values(), dtype=np.float64), op.bias_type), op.bias_type)
    table = lw.rom(f"{name}_rsqrt", rsqrt_table_values(size, r_t), r_t)
    out = lw.alloca(lw._array_type(op.result.type), name)
    x = lw.arrays[op.input]
    dd_t = exact_product_type(lt.dev_t, lt.dev_t)
    r_full = exact_product_type(r_t, lt.shift_t)
    p1_t = exact_product_type(lt.dev_t, r_full)
    p2_t = exact_product_type(p1_t, w_t)

    def rows(b: Builder, r: SSAValue) -> None:
        total = b.insert(hls.AllocaOp(MemRefType(lt.sum_t, []), f"{name}_sum")).result
        b.insert(hls.StoreOp(_const(b, 0, lt.sum_t), total, []))

        def sums(b: Builder, f: SSAValue) -> None:
            v = b.insert(hls.LoadOp(x, [r, f])).result
            a = b.insert(hls.LoadOp(total, [])).result
            b.insert(hls.StoreOp(b.insert(hls.AddOp(a, v, lt.sum_t)).result, total, []))

        lw.loop(b, n, f"{name}_sum", None, sums)
        neg = _negate(b, b.insert(hls.LoadOp(total, [])).result)
        dev = b.insert(hls.AllocaOp(MemRefType(lt.dev_t, [n]), f"{name}_dev")).result
        q = b.insert(hls.AllocaOp(MemRefType(lt.q_t, []), f"{name}_q")).result
        b.insert(hls.StoreOp(b.insert(hls.CastOp(_const(b, lt.eps_raw, lt.eps_t), lt.q_t)).result, q, []))

        def deviations(b: Builder, f: SSAValue) -> None:
            v = b.insert(hls.LoadOp(x, [r, f])).result
            fx = b.insert(hls.MulOp(v, _const(b, n, lt.count_t), lt.fx_t)).result
            d = b.insert(hls.AddOp(fx, neg, lt.dev_t)).result
            b.insert(hls.StoreOp(d, dev, [f]))
            sq = b.insert(hls.MulOp(d, d, dd_t)).result
            a = b.insert(hls.LoadOp(q, [])).result
            b.insert(hls.StoreOp(b.insert(hls.AddOp(a, sq, lt.q_t)).result, q, []))

        lw.loop(b, n, f"{name}_dev", None, deviations)
        m = b.insert(hls.CastOp(b.insert(hls.LoadOp(q, [])).result, lt.work_t)).result
        j = _const(b, 1 << lt.down, lt.shift_t)  # 2^0
        for _ in range(lt.down):  # m >= 4: m / 4, 2^j / 2
            keep = _constant_minus(b, 4, m)
            m = b.insert(hls.SelectOp(keep, m, _scaled(b, m, LN_QUARTER, 1, lt.work_t))).result
            j = b.insert(hls.SelectOp(keep, j, _scaled(b, j, LN_HALF, 1, lt.shift_t))).result
        for _ in range(lt.up):  # m < 1: m * 4, 2^j * 2
            grow = _constant_minus(b, 1, m)
            m = b.insert(hls.SelectOp(grow, _scaled(b, m, LN_FOUR, 4, lt.work_t), m)).result
            j = b.insert(hls.SelectOp(grow, _scaled(b, j, LN_TWO, 2, lt.shift_t), j)).result
        idx = b.insert(hls.TableIndexOp(m, size, 1, size // 3)).result
        rs = b.insert(hls.MulOp(b.insert(hls.LoadOp(table, [idx])).result, j, r_full)).result

        def outputs(b: Builder, f: SSAValue) -> None:
            d = b.insert(hls.LoadOp(dev, [f])).result
            p = b.insert(hls.MulOp(d, rs, p1_t)).result
            p = b.insert(hls.MulOp(p, b.insert(hls.LoadOp(c_rom, [f])).result, p2_t if b_rom is not None else out_t)).result
            if b_rom is not None:
                p = b.insert(hls.AddOp(p, b.insert(hls.LoadOp(b_rom, [f])).result, out_t)).result
            b.insert(hls.StoreOp(p, out, [r, f]))

        lw.loop(b, n, f"{name}_out", None, outputs)

    lw.rows_loop(op.result.type, name, rows)
    lw.arrays[op.result] = out


def _scaled(b: Builder, v: SSAValue, t: gnn.FixedType, raw: int, to: gnn.FixedType) -> SSAValue:
    """v times a power-of-two constant (raw in t), exact, in `to` (which holds the result)."""
    return b.insert(hls.MulOp(v, _const(b, raw, t), to)).result


_LOWERINGS: dict[type[Operation], Callable[[_Lowering, Operation], None]] = {
    gnn.GatherOp: _lower_gather,
    gnn.DenseOp: _lower_dense,
    gnn.ActivationOp: _lower_activation,
    gnn.ConcatOp: _lower_concat,
    gnn.ScatterOp: _lower_scatter,
    gnn.AddOp: _lower_binary("add"),
    gnn.SubOp: _lower_binary("sub"),
    gnn.MulOp: _lower_binary("mul"),
    gnn.ScaleOp: _lower_scale,
    gnn.DegreeNormOp: _lower_degree_norm,
    gnn.LoopMaskOp: _lower_loop_mask,
    gnn.CountFnOp: _lower_count_fn,
    gnn.RepeatOp: _lower_repeat,
    gnn.EdgeSoftmaxOp: _lower_edge_softmax,
    gnn.ReadoutOp: _lower_readout,
    gnn.SoftmaxOp: _lower_softmax,
    gnn.LayerNormOp: _lower_layer_norm,
    gnn.TakeOp: _lower_take,
}
