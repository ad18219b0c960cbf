"""hls-dataflow: `io: stream`, the design as dataflow stages connected by streams."""

from __future__ import annotations

from dataclasses import dataclass, field

from xdsl.builder import Builder, InsertPoint
from xdsl.context import Context
from xdsl.dialects import builtin, func
from xdsl.dialects.builtin import MemRefType, StringAttr
from xdsl.ir import Block, BlockArgument, Operation, Region, SSAValue
from xdsl.passes import ModulePass

from gnnc.dialects import hls
from gnnc.passes._util import hls_top, loop_index
from gnnc.errors import GnncError

STREAM_INTERFACES = ("axis", "ap_fifo")


@dataclass(frozen=True)
class HlsDataflowPass(ModulePass):
    """
    Split the top function into one stage function per gnn op (its top-level loops), called
    in order from a top function marked `hls.dataflow`; every array passed between stages
    becomes one `hls.channel` per reading stage, and the array ports become streams
    (`!hls.stream<F, T>`, one row per transfer, `interface` protocol). Runs after
    hls-parallelize / hls-reuse and before hls-partition-arrays.

    A stage that reads (writes) an array only row by row, in one loop over its real rows, reads
    (writes) the stream inside that loop, one row per iteration, into a row buffer: rows flow
    through without being stored. Any other access (a gather's node lookup, a loop over a
    capacity that is not the array's) first copies the whole stream into a local array (or
    drains the local array into the streams after the stage's loops). An input port read by
    several stages gets a `<port>_split` stage that copies each row to every reader.

    Row loops left fully unrolled by hls-parallelize become pipelined loops (II 1: one row
    per cycle, the rate of a stream); loops hls-reuse pipelined keep their II and unroll
    factor. Channels hold a whole array (`depth` = capacity rows), so no stage can block
    another however they interleave: deadlock free by construction, and the numerics are
    those of the io_parallel design, statement for statement.
    """

    name = "hls-dataflow"

    interface: str = "axis"

    def apply(self, ctx: Context, op: builtin.ModuleOp) -> None:
        if self.interface not in STREAM_INTERFACES:
            raise GnncError(f"{self.name}: interface {self.interface!r} is not one of "
                            f"{', '.join(STREAM_INTERFACES)}")
        fn = hls_top(op)
        if fn is None:
            raise GnncError(f"{self.name}: needs an hls module (after convert-gnn-to-hls)")
        if "hls.dataflow" in fn.attributes:
            raise GnncError(f"{self.name}: the top function is already a dataflow design")
        if not streamable(fn):
            raise GnncError(
                f"{self.name}: io: stream does not support graph-level outputs (a readout, "
                "global_*_pool) yet; use io: parallel"
            )
        _Dataflow(fn, op, self.interface).run()


def streamable(fn: func.FuncOp) -> bool:
    """Can the top function become dataflow stages? Not with graph-level outputs: stages and
    streams are cut per node / edge row, and a readout's rows are graphs."""
    return "hls.max_graphs" not in fn.attributes and not any(
        isinstance(o, hls.ForOp) and o.rows is not None and o.rows.data == "graphs" for o in fn.walk())


@dataclass
class _Array:
    """An array passed between stages: who writes it, who reads it, how its rows run."""

    value: SSAValue
    name: str
    writer: str | None  # stage name; None for an input port
    readers: list[str]
    row_dim: int  # the dimension indexed by the row (1 for edge_index [2][E])
    count: SSAValue  # n_nodes or n_edges
    port: int | None = None  # argument number of a port
    channels: dict[str, SSAValue] = field(default_factory=dict)  # reader -> stream


class _Dataflow:
    def __init__(self, fn: func.FuncOp, module: builtin.ModuleOp, interface: str):
        self.fn = fn
        self.module = module
        self.interface = interface
        self.block = fn.body.block
        self.attrs = [dict(d.data) for d in fn.arg_attrs.data] if fn.arg_attrs else [{} for _ in fn.args]
        self.counts = {a["hls.rows"].data: arg for a, arg in zip(self.attrs, fn.args)  # type: ignore[attr-defined]
                       if a["hls.role"].data == "count"}  # type: ignore[attr-defined]
        self.names = _global_names(module)

    # -- analysis ------------------------------------------------------------------ #

    def stage_of(self, op: Operation) -> str:
        """The stage (gnn op name) of the top-level loop holding op."""
        while op.parent_op() is not self.fn:
            parent = op.parent_op()
            assert parent is not None
            op = parent
        if not isinstance(op, hls.ForOp) or op.op is None:
            raise GnncError(f"hls-dataflow: '{op.name}' at top level is not a loop of a lowered gnn op")
        return op.op.data

    def run(self) -> None:
        self.stages: dict[str, list[Operation]] = {}
        for op in self.block.ops:
            if isinstance(op, hls.ForOp):
                if op.op is None:
                    raise GnncError("hls-dataflow: a top-level loop does not name its gnn op (`op`)")
                self.stages.setdefault(op.op.data, []).append(op)
            elif not isinstance(op, hls.AllocaOp | hls.RomOp | func.ReturnOp):
                raise GnncError(f"hls-dataflow: unexpected '{op.name}' at the top level")
        self.new_args = self._stream_ports()
        arrays = self._arrays()
        for a in arrays:
            self._connect(a)
        for a in arrays:
            for reader in a.readers:
                self._read(a, reader)
            if a.writer is not None:
                self._write(a)
        self._outline()

    def _stream_ports(self) -> list[SSAValue]:
        """The arguments of the new top function: streams for array ports."""
        types = []
        for a, arg in zip(self.attrs, self.fn.args):
            t = arg.type
            if isinstance(t, MemRefType):
                row_dim = 1 if a["hls.role"].data == "edge_index" else 0  # type: ignore[attr-defined]
                t = hls.StreamType(t.get_shape()[1 - row_dim], t.element_type)
                a["hls.interface"] = StringAttr(self.interface)
                a.pop("hls.partition", None)
            types.append(t)
        self.new_block = Block(arg_types=types)
        for new, old in zip(self.new_block.args, self.fn.args):
            new.name_hint = old.name_hint
        return list(self.new_block.args)

    def _arrays(self) -> list[_Array]:
        arrays = []
        for k, (a, arg) in enumerate(zip(self.attrs, self.fn.args)):
            if not isinstance(arg.type, MemRefType):
                continue
            role, direction = a["hls.role"].data, a["hls.direction"].data  # type: ignore[attr-defined]
            rows = "edges" if role == "edge_index" else a["hls.rows"].data  # type: ignore[attr-defined]
            stages = self._stages_using(arg)
            name = a["hls.name"].data  # type: ignore[attr-defined]
            if direction == "in":
                arrays.append(_Array(arg, name, None, stages, 1 if role == "edge_index" else 0,
                                     self.counts[rows], port=k))
            else:
                if len(stages) != 1:
                    raise GnncError(f"hls-dataflow: output {name!r} must be written by one stage")
                arrays.append(_Array(arg, name, stages[0], [], 0, self.counts[rows], port=k))
        for op in list(self.block.ops):
            if isinstance(op, hls.RomOp):
                continue
            if not isinstance(op, hls.AllocaOp):
                continue
            stages = self._stages_using(op.result)
            writers = [s for s in stages if any(isinstance(u.operation, hls.StoreOp) and self.stage_of(u.operation) == s
                                                for u in op.result.uses)]
            if len(writers) != 1:
                raise GnncError(f"hls-dataflow: array {op.result.name_hint!r} has {len(writers)} writing stages")
            if len(stages) > 1:
                arrays.append(_Array(op.result, op.result.name_hint or "array", writers[0],
                                     [s for s in stages if s != writers[0]], 0, self._row_count(op.result)))
        return arrays

    def _stages_using(self, v: SSAValue) -> list[str]:
        used = {self.stage_of(u.operation) for u in v.uses}
        return [s for s in self.stages if s in used]

    def _row_count(self, array: SSAValue) -> SSAValue:
        """n_nodes or n_edges: the limit of the loop whose rows the array's stores index."""
        for use in array.uses:
            store = use.operation
            if isinstance(store, hls.StoreOp):
                loop = _loop_of(store.indices[0])
                if loop is not None and loop.limit is not None:
                    return loop.limit
        raise GnncError(f"hls-dataflow: cannot tell whether {array.name_hint!r} has node or edge rows")

    # -- channels ------------------------------------------------------------------ #

    def _connect(self, a: _Array) -> None:
        t = a.value.type
        assert isinstance(t, MemRefType)
        stream_t = hls.StreamType(t.get_shape()[1 - a.row_dim], t.element_type)
        depth = t.get_shape()[a.row_dim]
        if a.port is not None and a.writer is None and len(a.readers) == 1:
            a.channels[a.readers[0]] = self.new_args[a.port]  # the port is the channel
            return
        if a.port is not None and a.writer is None:
            self._split(a, stream_t, depth)
            return
        if a.port is not None:  # an output: written straight into the port
            a.channels[""] = self.new_args[a.port]
            return
        for reader in a.readers:
            a.channels[reader] = self._channel(stream_t, depth, f"{a.name}_to_{reader}")

    def _channel(self, t: hls.StreamType, depth: int, name: str) -> SSAValue:
        ch = hls.ChannelOp(t, depth, name)
        channels = [op for op in self.block.ops if isinstance(op, hls.ChannelOp)]
        if channels:  # in creation order, at the top
            self.block.insert_op_after(ch, channels[-1])
        else:
            self.block.insert_op_before(ch, self.block.first_op)  # type: ignore[arg-type]
        return ch.result

    def _split(self, a: _Array, t: hls.StreamType, depth: int) -> None:
        """A stage copying every row of an input port to one channel per reader."""
        stage = self._unique(f"{a.name}_split")
        outs = [self._channel(t, depth, f"{a.name}_to_{r}") for r in a.readers]
        port = self.new_args[a.port]  # type: ignore[index]
        first = next(op for op in self.block.ops if isinstance(op, hls.ForOp))

        def body(b: Builder, r: SSAValue) -> None:
            row = b.insert(hls.AllocaOp(MemRefType(t.element_type, [t.row_width]), f"{a.name}_row")).result
            b.insert(hls.StreamReadOp(port, row))
            for out in outs:
                b.insert(hls.StreamWriteOp(row, out))

        self.block.insert_op_before(self._rows_loop(stage, depth, a.count, f"{a.name}_split", body), first)
        self.stages = {stage: [first.prev_op], **self.stages}  # type: ignore[list-item]
        a.channels = dict(zip(a.readers, outs))

    def _rows_loop(self, stage: str, ub: int, count: SSAValue, label: str, body) -> hls.ForOp:
        rows = "nodes" if count is self.counts.get("nodes") else "edges"
        loop = hls.ForOp(ub, count, label, loop_index(label, rows))
        loop.op = StringAttr(stage)
        loop.rows = StringAttr(rows)
        body(Builder(InsertPoint.at_end(loop.body.block)), loop.induction_var)
        return loop

    # -- reading and writing rows ---------------------------------------------------- #

    def _accesses(self, a: _Array, stage: str, kind: type) -> list[Operation]:
        return [u.operation for u in a.value.uses
                if isinstance(u.operation, kind) and self.stage_of(u.operation) == stage]

    def _row_loop(self, a: _Array, accesses: list[Operation]) -> hls.ForOp | None:
        """The one loop over a's real rows indexing every access by its row, if there is one."""
        t = a.value.type
        assert isinstance(t, MemRefType)
        loops = {_loop_of(acc.indices[a.row_dim]) for acc in accesses}  # type: ignore[attr-defined]
        if len(loops) != 1:
            return None
        loop = loops.pop()
        if loop is None or loop.parent_op() is not self.fn or loop.limit is not a.count:
            return None
        return loop if loop.ub.value.data == t.get_shape()[a.row_dim] else None

    def _read(self, a: _Array, stage: str) -> None:
        loads = self._accesses(a, stage, hls.LoadOp)
        stores = self._accesses(a, stage, hls.StoreOp)
        assert not stores, "a reading stage does not write"
        stream = a.channels[stage]
        loop = self._row_loop(a, loads)
        if loop is not None:  # one row per iteration, straight from the stream
            b = Builder(InsertPoint.at_start(loop.body.block))
            row = self._row_buffer(b, a)
            b.insert(hls.StreamReadOp(stream, row))
            for load in loads:
                _retarget(load, row, a.row_dim)
            return
        # the whole array first, into a local copy (row-major: a row per word, edge_index too)
        t = a.value.type
        assert isinstance(t, MemRefType)
        rows, width = t.get_shape()[a.row_dim], t.get_shape()[1 - a.row_dim]
        first = self.stages[stage][0]
        local = hls.AllocaOp(MemRefType(t.element_type, [rows, width]), a.name)
        self.block.insert_op_before(local, first)

        def fill(b: Builder, r: SSAValue) -> None:
            row = self._row_buffer(b, a)
            b.insert(hls.StreamReadOp(stream, row))
            self._copy_row(b, a.name, row, local.result, r, into_row=False)

        self.block.insert_op_before(self._rows_loop(stage, rows, a.count, f"{a.name}_read", fill), first)
        self.stages[stage].insert(0, first.prev_op)  # type: ignore[arg-type]
        for load in loads:
            index = list(load.indices)  # type: ignore[attr-defined]
            _redirect(load, local.result, [index[a.row_dim], index[1 - a.row_dim]])

    def _write(self, a: _Array) -> None:
        stage = a.writer
        assert stage is not None
        stores = self._accesses(a, stage, hls.StoreOp)
        loads = self._accesses(a, stage, hls.LoadOp)
        streams = list(a.channels.values())
        loop = None if loads else self._row_loop(a, stores)
        t = a.value.type
        assert isinstance(t, MemRefType)
        if loop is not None:  # rows leave as they are computed
            row = self._row_buffer(Builder(InsertPoint.at_start(loop.body.block)), a)
            for store in stores:
                _retarget(store, row, a.row_dim)
            b = Builder(InsertPoint.at_end(loop.body.block))
            for s in streams:
                b.insert(hls.StreamWriteOp(row, s))
            if a.port is None:
                a.value.owner.detach()  # type: ignore[union-attr]
                a.value.owner.erase()  # type: ignore[union-attr]
            return
        # computed out of row order: drain the finished array after the stage's loops
        if a.port is not None:
            local = hls.AllocaOp(t, a.name)
            self.block.insert_op_before(local, self.stages[stage][0])
            for acc in stores + loads:
                acc.operands[1 if isinstance(acc, hls.StoreOp) else 0] = local.result
            source = local.result
        else:
            source = a.value

        def drain(b: Builder, r: SSAValue) -> None:
            row = self._row_buffer(b, a)
            self._copy_row(b, a.name, row, source, r, into_row=True)
            for s in streams:
                b.insert(hls.StreamWriteOp(row, s))

        last = self.stages[stage][-1]
        out = self._rows_loop(stage, t.get_shape()[a.row_dim], a.count, f"{a.name}_write", drain)
        self.block.insert_op_after(out, last)
        self.stages[stage].append(out)

    def _row_buffer(self, b: Builder, a: _Array) -> SSAValue:
        t = a.value.type
        assert isinstance(t, MemRefType)
        width = t.get_shape()[1 - a.row_dim]
        return b.insert(hls.AllocaOp(MemRefType(t.element_type, [width]), f"{a.name}_row")).result

    def _copy_row(self, b: Builder, name: str, row: SSAValue, array: SSAValue, r: SSAValue, into_row: bool) -> None:
        """Row r of a row-major array to the row buffer, or back (a fully unrolled loop)."""
        t = row.type
        assert isinstance(t, MemRefType)
        loop = b.insert(hls.ForOp(t.get_shape()[0], None, f"{name}_f", "f"))
        loop.unroll = builtin.IntegerAttr(0, 64)
        inner = Builder(InsertPoint.at_end(loop.body.block))
        f = loop.induction_var
        index = [r, f]
        if into_row:
            inner.insert(hls.StoreOp(inner.insert(hls.LoadOp(array, index)).result, row, [f]))
        else:
            inner.insert(hls.StoreOp(inner.insert(hls.LoadOp(row, [f])).result, array, index))

    # -- stage functions ------------------------------------------------------------- #

    def _outline(self) -> None:
        fn, block = self.fn, self.block
        for old, new in zip(fn.args, self.new_block.args):
            if isinstance(old.type, MemRefType):
                if old.uses:
                    raise GnncError(f"hls-dataflow: port {old.name_hint!r} is still accessed as an array")
            else:
                old.replace_all_uses_with(new)
        calls: list[Operation] = []
        for stage, loops in self.stages.items():
            calls.append(self._stage_function(stage, loops))
        for op in list(block.ops):
            if isinstance(op, hls.RomOp | hls.AllocaOp) and not op.result.uses:
                block.erase_op(op)  # a ROM every stage has its own declaration of
                continue
            op.detach()
            self.new_block.add_op(op)
        ret = next(o for o in self.new_block.ops if isinstance(o, func.ReturnOp))
        for call in calls:
            self.new_block.insert_op_before(call, ret)
        for op in list(self.new_block.ops):
            if not isinstance(op, hls.ChannelOp | func.CallOp | func.ReturnOp):
                raise GnncError(f"hls-dataflow: '{op.name}' is used by several stages")
        top = func.FuncOp(fn.sym_name.data, builtin.FunctionType.from_lists([a.type for a in self.new_block.args], []),
                          Region(self.new_block),
                          arg_attrs=builtin.ArrayAttr([builtin.DictionaryAttr(a) for a in self.attrs]))
        for key, value in fn.attributes.items():
            if key not in ("sym_name", "function_type", "arg_attrs", "hls.pipeline_ii"):
                top.attributes[key] = value
        top.attributes["hls.dataflow"] = builtin.UnitAttr()
        self.module.body.block.insert_op_before(top, fn)
        self.module.body.block.erase_op(fn)

    def _stage_function(self, stage: str, loops: list[Operation]) -> func.CallOp:
        """Move a stage's loops (with the arrays and ROMs only it uses) into a function."""
        owned: list[Operation] = []
        shared: list[hls.RomOp] = []
        for op in self.block.ops:
            if isinstance(op, hls.AllocaOp | hls.RomOp):
                inside = [u for u in op.result.uses if _inside(u.operation, loops)]
                if inside and len(inside) == len(list(op.result.uses)):
                    owned.append(op)
                elif inside and isinstance(op, hls.RomOp):
                    shared.append(op)
        for loop in loops:
            _pipeline_rows(loop)  # type: ignore[arg-type]
        params: list[SSAValue] = []
        for op in loops:
            for inner in op.walk():
                for v in inner.operands:
                    if v in params or not self._defined_at_top(v):
                        continue
                    if v.owner in owned or v.owner in shared:
                        continue
                    params.append(v)
        body = Block(arg_types=[v.type for v in params])
        name = self._unique(f"{stage}_stage")
        new_fn = func.FuncOp(name, builtin.FunctionType.from_lists([v.type for v in params], []),
                             Region(body), visibility="private")
        for v, arg in zip(params, body.args):
            arg.name_hint = v.name_hint
        new_fn.arg_attrs = builtin.ArrayAttr(
            [builtin.DictionaryAttr({"hls.name": StringAttr(v.name_hint or "arg")}) for v in params])
        new_fn.attributes["hls.stage"] = StringAttr(stage)
        for rom in shared:  # a ROM several stages read: each declares it (one definition is printed)
            copy = rom.clone()
            body.add_op(copy)
            rom.result.replace_uses_with_if(copy.result, lambda u: _inside(u.operation, loops))
        for op in owned + loops:
            op.detach()
            body.add_op(op)
        body.add_op(func.ReturnOp())
        _unique_labels(new_fn)
        for v, arg in zip(params, body.args):
            v.replace_uses_with_if(arg, lambda u: _inside(u.operation, [new_fn]))
        self.module.body.block.insert_op_before(new_fn, self.fn)
        return func.CallOp(name, params, [])

    def _defined_at_top(self, v: SSAValue) -> bool:
        if isinstance(v, BlockArgument):
            return v.owner is self.block or v.owner is self.new_block
        return v.owner.parent_op() is self.fn  # type: ignore[union-attr]

    def _unique(self, base: str) -> str:
        name, k = base, 1
        while name in self.names:
            name, k = f"{base}_{k}", k + 1
        self.names.add(name)
        return name


def _global_names(module: builtin.ModuleOp) -> set[str]:
    names = set()
    for op in module.walk():
        if isinstance(op, func.FuncOp):
            names.add(op.sym_name.data)
        elif isinstance(op, hls.RomOp):
            names.add(op.sym_name.data)
    return names


def _unique_labels(fn: func.FuncOp) -> None:
    """Loop labels are C++ labels: unique within the stage function."""
    seen: set[str] = set()
    for loop in fn.walk():
        if isinstance(loop, hls.ForOp) and loop.label is not None:
            base = label = loop.label.data
            k = 1
            while label in seen:
                label, k = f"{base}_{k}", k + 1
            seen.add(label)
            loop.label = StringAttr(label)


def _loop_of(index: SSAValue) -> hls.ForOp | None:
    if isinstance(index, BlockArgument) and isinstance(index.owner.parent_op(), hls.ForOp):
        return index.owner.parent_op()  # type: ignore[return-value]
    return None


def _retarget(access: Operation, row: SSAValue, row_dim: int) -> None:
    """array[.., r, ..] -> row[the other index]."""
    assert isinstance(access, hls.LoadOp | hls.StoreOp)
    _redirect(access, row, [i for d, i in enumerate(access.indices) if d != row_dim])


def _redirect(access: Operation, memref: SSAValue, indices: list[SSAValue]) -> None:
    """Replace a load or store by the same access to memref[indices]."""
    assert isinstance(access, hls.LoadOp | hls.StoreOp)
    if isinstance(access, hls.LoadOp):
        new: Operation = hls.LoadOp(memref, indices)
        access.results[0].replace_all_uses_with(new.results[0])
    else:
        new = hls.StoreOp(access.value, memref, indices)
    parent = access.parent_block()
    assert parent is not None
    parent.insert_op_before(new, access)
    parent.erase_op(access)


def _pipeline_rows(loop: hls.ForOp) -> None:
    """A row loop hls-parallelize unrolled completely streams one row per cycle instead."""
    if loop.unroll is not None and loop.unroll.value.data == 0:
        loop.unroll = None
        loop.pipeline_ii = builtin.IntegerAttr(1, 64)
    elif loop.unroll is None and loop.pipeline_ii is None:
        loop.pipeline_ii = builtin.IntegerAttr(1, 64)


def _inside(op: Operation, roots: list[Operation]) -> bool:
    while op is not None:
        if any(op is r for r in roots):
            return True
        op = op.parent_op()  # type: ignore[assignment]
    return False

