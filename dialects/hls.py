"""
The `hls` dialect: loops, arrays and scalar fixed-point arithmetic, with HLS directives
as attributes. Printers render it as C++ and decide nothing.

Arrays are builtin memrefs (`memref<56x3x!gnn.fixed<16, 6>>`), indices are `index`,
edge indices and counts are unsigned integers (`ui7` is ap_uint<7>).

```mlir
hls.for %e = 0 to 56 limit %n_edges : ui7 {
  %c1 = hls.constant 1 : index
  %raw = hls.load %edge_index[%c1, %e] : memref<2x56xui5> -> ui5
  %s = hls.index_cast %raw : ui5 -> index
  ...
} {label = "gather_0", unroll = 0 : i64}
```

Arithmetic ops compute exactly and convert to their result type (its quantization and
overflow modes), as an assignment of an ap_fixed expression to an ap_fixed variable does.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from xdsl.dialects.builtin import (
    ArrayAttr,
    DenseIntOrFPElementsAttr,
    IndexType,
    I64,
    IntAttr,
    IntegerAttr,
    IntegerType,
    MemRefType,
    StringAttr,
)
from xdsl.ir import (
    Attribute,
    Block,
    Dialect,
    ParametrizedAttribute,
    Region,
    SSAValue,
    TypeAttribute,
)
from xdsl.irdl import (
    AnyAttr,
    VarConstraint,
    IRDLOperation,
    ParsePropInAttrDict,
    irdl_attr_definition,
    irdl_op_definition,
    operand_def,
    opt_operand_def,
    opt_prop_def,
    prop_def,
    region_def,
    result_def,
    traits_def,
    var_operand_def,
)
from xdsl.parser import AttrParser, Parser
from xdsl.printer import Printer
from xdsl.traits import NoTerminator, Pure
from xdsl.utils.exceptions import VerifyException

from gnnc.dialects.gnn import FixedType

PARTITION_KINDS = ("complete", "cyclic", "block")


@irdl_attr_definition
class PartitionAttr(ParametrizedAttribute):
    """
    ARRAY_PARTITION of one array dimension (1-based; 0 means every dimension):
    `#hls.partition<complete dim 0>`, `#hls.partition<cyclic 4 dim 2>`.
    """

    name = "hls.partition"

    kind: StringAttr
    factor: IntAttr
    dim: IntAttr

    def __init__(self, kind: str, dim: int, factor: int = 0):
        super().__init__(StringAttr(kind), IntAttr(factor), IntAttr(dim))

    @classmethod
    def parse_parameters(cls, parser: AttrParser) -> Sequence[Attribute]:
        with parser.in_angle_brackets():
            start = parser.pos
            kind = parser.parse_identifier(" (complete, cyclic or block)")
            if kind not in PARTITION_KINDS:
                parser.raise_error(
                    f"unknown partition kind '{kind}', expected one of {', '.join(PARTITION_KINDS)}",
                    start,
                    parser.pos,
                )
            factor = 0
            if kind != "complete":
                factor = parser.parse_integer(allow_boolean=False, allow_negative=False)
            parser.parse_keyword("dim")
            dim = parser.parse_integer(allow_boolean=False, allow_negative=False)
        return (StringAttr(kind), IntAttr(factor), IntAttr(dim))

    def print_parameters(self, printer: Printer) -> None:
        factor = f" {self.factor.data}" if self.kind.data != "complete" else ""
        printer.print_string(f"<{self.kind.data}{factor} dim {self.dim.data}>")

    def verify(self) -> None:
        if self.kind.data not in PARTITION_KINDS:
            raise VerifyException(f"unknown partition kind {self.kind.data!r}")
        if self.kind.data != "complete" and self.factor.data < 2:
            raise VerifyException(f"{self.kind.data} partitioning needs a factor of at least 2")


@irdl_attr_definition
class StreamType(ParametrizedAttribute, TypeAttribute):
    """
    `!hls.stream<F, T>`: a FIFO of rows of F elements of scalar type T, one row per transfer
    (a node's or an edge's features, or an edge's two node indices). Vitis spells it
    `hls::stream<gnnc_row<T, F>>`, oneAPI a pipe of `gnnc_row<T, F>`.
    """

    name = "hls.stream"

    width: IntAttr
    element_type: Attribute

    def __init__(self, width: int, element_type: Attribute):
        super().__init__(IntAttr(width), element_type)

    @property
    def row_width(self) -> int:
        return self.width.data

    @classmethod
    def parse_parameters(cls, parser: AttrParser) -> Sequence[Attribute]:
        with parser.in_angle_brackets():
            width = parser.parse_integer(allow_boolean=False, allow_negative=False)
            parser.parse_punctuation(",")
            elem = parser.parse_type()
        return (IntAttr(width), elem)

    def print_parameters(self, printer: Printer) -> None:
        printer.print_string(f"<{self.row_width}, ")
        printer.print_attribute(self.element_type)
        printer.print_string(">")

    def verify(self) -> None:
        if self.row_width < 1:
            raise VerifyException(f"!hls.stream rows need at least one element, got {self.row_width}")
        if not _is_scalar(self.element_type):
            raise VerifyException(f"!hls.stream elements must be scalars, got {self.element_type}")


def _is_scalar(t: Attribute) -> bool:
    return isinstance(t, FixedType | IntegerType | IndexType)


def _check_indices(op: IRDLOperation, memref: SSAValue, indices: Sequence[SSAValue]) -> MemRefType:
    mt = memref.type
    if not isinstance(mt, MemRefType):
        raise VerifyException(f"'{op.name}': expected a memref, got {mt}")
    if len(indices) != mt.get_num_dims():
        raise VerifyException(
            f"'{op.name}': {len(indices)} indices for a {mt.get_num_dims()}-d array"
        )
    for k, i in enumerate(indices):
        if not isinstance(i.type, IndexType):
            raise VerifyException(f"'{op.name}': index {k} must be of type index, got {i.type}")
    return mt


# --------------------------------------------------------------------------- #
# Structure
# --------------------------------------------------------------------------- #


@irdl_op_definition
class ForOp(IRDLOperation):
    """
    `for (int i = 0; i < ub; i++) if (i < limit) { body }`: a constant trip count (so HLS can
    unroll and pipeline it) with an optional runtime limit that masks padding rows.
    Directives: unroll (0 = full, N = factor N), pipeline_ii, label, mul_limit (at most that
    many multipliers serve the loop: multipliers shared RF times, Vitis ALLOCATION).
    A top-level loop of a lowered gnn op names it: `op` (the op's unique name, e.g.
    "R1_layers_0_dense", one per gnn op), `path` (its torch module path, when it has one) and
    `rows` ("nodes", "edges" or "graphs": what the loop iterates over), so passes and the estimate find
    an op's loops without parsing labels; `strategy` ("resource" or "distributed_arithmetic"; absent:
    latency) is the op's config strategy (gnn-strategy).
    """

    name = "hls.for"

    ub = prop_def(IntegerAttr[I64])
    limit = opt_operand_def(IntegerType | IndexType)
    unroll = opt_prop_def(IntegerAttr[I64])
    pipeline_ii = opt_prop_def(IntegerAttr[I64])
    label = opt_prop_def(StringAttr)
    mul_limit = opt_prop_def(IntegerAttr[I64])
    op = opt_prop_def(StringAttr)
    path = opt_prop_def(StringAttr)
    rows = opt_prop_def(StringAttr)
    strategy = opt_prop_def(StringAttr)
    body = region_def("single_block")

    irdl_options = (ParsePropInAttrDict(),)
    traits = traits_def(NoTerminator())

    def __init__(self, ub: int, limit: SSAValue | None = None, label: str | None = None,
                 index: str | None = None):
        props: dict[str, Attribute] = {"ub": IntegerAttr(ub, 64)}
        if label is not None:
            props["label"] = StringAttr(label)
        super().__init__(
            operands=[[limit] if limit is not None else []],
            properties=props,
            regions=[Region(Block(arg_types=[IndexType()]))],
        )
        self.induction_var.name_hint = index  # the C++ loop index (printers make it unique)

    @property
    def induction_var(self) -> SSAValue:
        return self.body.block.args[0]

    def verify_(self) -> None:
        block = self.body.block
        if len(block.args) != 1 or not isinstance(block.args[0].type, IndexType):
            raise VerifyException(f"'{self.name}': the body takes one argument of type index")
        if self.ub.value.data < 1:
            raise VerifyException(f"'{self.name}': trip count must be positive, got {self.ub.value.data}")
        if self.unroll is not None and self.unroll.value.data < 0:
            raise VerifyException(f"'{self.name}': unroll factor must be >= 0 (0 = full)")
        if self.pipeline_ii is not None and self.pipeline_ii.value.data < 1:
            raise VerifyException(f"'{self.name}': pipeline II must be >= 1")
        if self.mul_limit is not None and self.mul_limit.value.data < 1:
            raise VerifyException(f"'{self.name}': mul_limit must be >= 1")
        if self.rows is not None and self.rows.data not in ("nodes", "edges", "graphs"):
            raise VerifyException(
                f"'{self.name}': rows must be \"nodes\", \"edges\" or \"graphs\", got {self.rows.data!r}"
            )

    def print(self, printer: Printer) -> None:
        printer.print_string(" ")
        printer.print_ssa_value(self.induction_var)
        printer.print_string(f" = 0 to {self.ub.value.data}")
        if self.limit is not None:
            printer.print_string(" limit ")
            printer.print_ssa_value(self.limit)
            printer.print_string(" : ")
            printer.print_attribute(self.limit.type)
        printer.print_string(" ")
        printer.print_region(self.body, print_entry_block_args=False)
        props = {k: v for k, v in self.properties.items() if k != "ub"}
        if props:  # after the region, as in scf.for: a leading `{` would read as the body
            printer.print_string(" ")
            printer.print_attr_dict(props)

    @classmethod
    def parse(cls, parser: Parser) -> ForOp:
        iv = parser.parse_argument(expect_type=False)
        parser.parse_punctuation("=")
        start = parser.pos
        if parser.parse_integer(allow_boolean=False) != 0:
            parser.raise_error("hls.for loops start at 0", start, parser.pos)
        parser.parse_keyword("to")
        ub = parser.parse_integer(allow_boolean=False, allow_negative=False)
        limit = None
        if parser.parse_optional_keyword("limit") is not None:
            uses = parser.parse_unresolved_operand()
            parser.parse_punctuation(":")
            limit = parser.resolve_operand(uses, parser.parse_type())
        body = parser.parse_region([iv.resolve(IndexType())])
        attrs = parser.parse_optional_attr_dict()
        return cls.create(
            operands=[limit] if limit is not None else [],
            properties={"ub": IntegerAttr(ub, 64), **attrs},
            regions=[body],
        )


@irdl_op_definition
class AllocaOp(IRDLOperation):
    """A local array (or a scalar variable when the memref is 0-d)."""

    name = "hls.alloca"

    result = result_def(MemRefType)
    partition = opt_prop_def(ArrayAttr[PartitionAttr])

    irdl_options = (ParsePropInAttrDict(),)
    assembly_format = "attr-dict `:` type($result)"

    def __init__(self, t: MemRefType, name_hint: str | None = None):
        super().__init__(result_types=[t])
        self.result.name_hint = name_hint

    def verify_(self) -> None:
        _verify_array(self, self.result.type)


@irdl_op_definition
class RomOp(IRDLOperation):
    """A constant array (weights, lookup tables) of raw fixed-point integers."""

    name = "hls.rom"

    result = result_def(MemRefType)
    data = prop_def(DenseIntOrFPElementsAttr)
    sym_name = prop_def(StringAttr)
    partition = opt_prop_def(ArrayAttr[PartitionAttr])

    irdl_options = (ParsePropInAttrDict(),)
    assembly_format = "$sym_name attr-dict `:` type($result)"

    def __init__(self, name: str, data: DenseIntOrFPElementsAttr, t: MemRefType):
        super().__init__(
            result_types=[t], properties={"data": data, "sym_name": StringAttr(name)}
        )
        self.result.name_hint = name

    def verify_(self) -> None:
        mt = self.result.type
        _verify_array(self, mt)
        assert isinstance(mt, MemRefType)
        if self.data.get_shape() != mt.get_shape():
            raise VerifyException(
                f"'{self.name}': data shape {list(self.data.get_shape())} does not match "
                f"the array shape {list(mt.get_shape())}"
            )
        if not isinstance(self.data.get_element_type(), IntegerType):
            raise VerifyException(f"'{self.name}': data must be raw integers")


def _verify_array(op: IRDLOperation, t: Attribute) -> None:
    assert isinstance(t, MemRefType)
    if not _is_scalar(t.element_type):
        raise VerifyException(f"'{op.name}': element type must be fixed, integer or index, got {t.element_type}")
    partition = op.properties.get("partition")
    if isinstance(partition, ArrayAttr):
        for p in partition.data:
            if p.dim.data > t.get_num_dims():
                raise VerifyException(
                    f"'{op.name}': partition of dim {p.dim.data} on a {t.get_num_dims()}-d array"
                )


# --------------------------------------------------------------------------- #
# Memory access
# --------------------------------------------------------------------------- #


@irdl_op_definition
class LoadOp(IRDLOperation):
    name = "hls.load"

    memref = operand_def(MemRefType)
    indices = var_operand_def(IndexType)
    result = result_def()

    irdl_options = (ParsePropInAttrDict(),)
    assembly_format = "$memref `[` $indices `]` attr-dict `:` type($memref) `->` type($result)"

    def __init__(self, memref: SSAValue, indices: Sequence[SSAValue]):
        mt = memref.type
        assert isinstance(mt, MemRefType)
        super().__init__(operands=[memref, list(indices)], result_types=[mt.element_type])

    def verify_(self) -> None:
        mt = _check_indices(self, self.memref, self.indices)
        if self.result.type != mt.element_type:
            raise VerifyException(
                f"'{self.name}': result type {self.result.type} is not the element type {mt.element_type}"
            )


@irdl_op_definition
class StoreOp(IRDLOperation):
    name = "hls.store"

    value = operand_def()
    memref = operand_def(MemRefType)
    indices = var_operand_def(IndexType)

    irdl_options = (ParsePropInAttrDict(),)
    assembly_format = "$value `,` $memref `[` $indices `]` attr-dict `:` type($value) `,` type($memref)"

    def __init__(self, value: SSAValue, memref: SSAValue, indices: Sequence[SSAValue]):
        super().__init__(operands=[value, memref, list(indices)])

    def verify_(self) -> None:
        mt = _check_indices(self, self.memref, self.indices)
        if self.value.type != mt.element_type:
            raise VerifyException(
                f"'{self.name}': stored value of type {self.value.type} into an array of "
                f"{mt.element_type} (insert hls.cast)"
            )


# --------------------------------------------------------------------------- #
# Scalars
# --------------------------------------------------------------------------- #


@irdl_op_definition
class ConstantOp(IRDLOperation):
    """A scalar constant given by its raw integer (value = raw * 2**-F for fixed types)."""

    name = "hls.constant"

    raw = prop_def(IntAttr)
    result = result_def()

    traits = traits_def(Pure())

    def __init__(self, raw: int, t: Attribute):
        super().__init__(result_types=[t], properties={"raw": IntAttr(raw)})

    def verify_(self) -> None:
        if not _is_scalar(self.result.type):
            raise VerifyException(f"'{self.name}': type must be fixed, integer or index, got {self.result.type}")

    def print(self, printer: Printer) -> None:
        printer.print_string(f" {self.raw.data} : ")
        printer.print_attribute(self.result.type)

    @classmethod
    def parse(cls, parser: Parser) -> ConstantOp:
        raw = parser.parse_integer(allow_boolean=False)
        parser.parse_punctuation(":")
        return cls(raw, parser.parse_type())


class _CastLike(IRDLOperation):
    input = operand_def()
    result = result_def()

    irdl_options = (ParsePropInAttrDict(),)
    traits = traits_def(Pure())
    assembly_format = "$input attr-dict `:` type($input) `->` type($result)"

    def __init__(self, input: SSAValue, t: Attribute):
        super().__init__(operands=[input], result_types=[t])

    def verify_(self) -> None:
        for what, t in (("input", self.input.type), ("result", self.result.type)):
            if not _is_scalar(t):
                raise VerifyException(f"'{self.name}': {what} must be a scalar, got {t}")


@irdl_op_definition
class CastOp(_CastLike):
    """Convert to the result type with its quantization and overflow modes."""

    name = "hls.cast"


@irdl_op_definition
class IndexCastOp(_CastLike):
    """An integer (ui/si or integral fixed) to an array index, or back."""

    name = "hls.index_cast"

    def verify_(self) -> None:
        super().verify_()
        if not (isinstance(self.result.type, IndexType) or isinstance(self.input.type, IndexType)):
            raise VerifyException(f"'{self.name}': one side must be index")


@irdl_op_definition
class TableIndexOp(IRDLOperation):
    """clamp(floor((x - table_min) * table_scale), 0, table_size - 1): the row of a lookup table."""

    name = "hls.table_index"

    input = operand_def(FixedType)
    result = result_def(IndexType)
    table_size = prop_def(IntegerAttr[I64])
    table_min = prop_def(IntegerAttr[I64])
    table_scale = prop_def(IntegerAttr[I64])

    irdl_options = (ParsePropInAttrDict(),)
    traits = traits_def(Pure())
    assembly_format = "$input attr-dict `:` type($input)"

    def __init__(self, input: SSAValue, size: int, lo: int, scale: int):
        super().__init__(
            operands=[input],
            result_types=[IndexType()],
            properties={
                "table_size": IntegerAttr(size, 64),
                "table_min": IntegerAttr(lo, 64),
                "table_scale": IntegerAttr(scale, 64),
            },
        )


class _Binary(IRDLOperation):
    lhs = operand_def()
    rhs = operand_def()
    result = result_def()

    irdl_options = (ParsePropInAttrDict(),)
    traits = traits_def(Pure())
    assembly_format = "$lhs `,` $rhs attr-dict `:` type($lhs) `,` type($rhs) `->` type($result)"

    def __init__(self, lhs: SSAValue, rhs: SSAValue, t: Attribute):
        super().__init__(operands=[lhs, rhs], result_types=[t])

    def verify_(self) -> None:
        for what, v in (("lhs", self.lhs), ("rhs", self.rhs), ("result", self.result)):
            if not _is_scalar(v.type):
                raise VerifyException(f"'{self.name}': {what} must be fixed, integer or index, got {v.type}")


@irdl_op_definition
class AddOp(_Binary):
    name = "hls.add"


@irdl_op_definition
class MulOp(_Binary):
    name = "hls.mul"


@irdl_op_definition
class SubOp(_Binary):
    """lhs - rhs, exact, converted to the result type (an adder of a distributed-arithmetic graph)."""

    name = "hls.sub"


@irdl_op_definition
class NegOp(_CastLike):
    """-input, exact, converted to the result type."""

    name = "hls.neg"


@irdl_op_definition
class ShiftOp(IRDLOperation):
    """input * 2^amount, exactly: the result type must be the input's with the binary point
    moved `amount` places (integer bits + amount), and as many more bits as a left shift past
    the fractional bits needs (the raw value moves left by amount - F). Wiring in hardware."""

    name = "hls.shift"

    input = operand_def(FixedType)
    amount = prop_def(IntegerAttr[I64])
    result = result_def(FixedType)

    irdl_options = (ParsePropInAttrDict(),)
    traits = traits_def(Pure())
    assembly_format = "$input `by` $amount attr-dict `:` type($input) `->` type($result)"

    def __init__(self, input: SSAValue, amount: int, t: Attribute):
        super().__init__(operands=[input], result_types=[t], properties={"amount": IntegerAttr(amount, 64)})

    def verify_(self) -> None:
        a, r, s = self.input.type, self.result.type, self.amount.value.data
        assert isinstance(a, FixedType) and isinstance(r, FixedType)
        want = FixedType(a.w + max(0, s - a.f), a.i + s, a.is_signed)
        if (r.w, r.i, r.is_signed) != (want.w, want.i, want.is_signed):
            raise VerifyException(f"'{self.name}': shifting {a} by {s} gives {want}, not {r}")


@irdl_op_definition
class RemOp(_Binary):
    """lhs % rhs on indices (which accumulator copy an unrolled edge loop's row uses)."""

    name = "hls.rem"

    def verify_(self) -> None:
        for what, v in (("lhs", self.lhs), ("rhs", self.rhs), ("result", self.result)):
            if not isinstance(v.type, IndexType):
                raise VerifyException(f"'{self.name}': {what} must be index, got {v.type}")


class _Select(_Binary):
    """max/min pick one operand, so all three types must be equal."""

    def verify_(self) -> None:
        super().verify_()
        if not self.lhs.type == self.rhs.type == self.result.type:
            raise VerifyException(f"'{self.name}': operands and result must have one type")


@irdl_op_definition
class MaxOp(_Select):
    name = "hls.max"


@irdl_op_definition
class MinOp(_Select):
    name = "hls.min"


@irdl_op_definition
class SelectOp(IRDLOperation):
    """`cond ? a : b`, where cond is `value > 0` of an integer or fixed value."""

    name = "hls.select_positive"

    T: ClassVar = VarConstraint("T", AnyAttr())
    cond = operand_def()
    true_value = operand_def(T)
    false_value = operand_def(T)
    result = result_def(T)

    irdl_options = (ParsePropInAttrDict(),)
    traits = traits_def(Pure())
    assembly_format = (
        "$cond `,` $true_value `,` $false_value attr-dict `:` type($cond) `,` type($result)"
    )

    def __init__(self, cond: SSAValue, a: SSAValue, b: SSAValue):
        super().__init__(operands=[cond, a, b], result_types=[a.type])

    def verify_(self) -> None:
        if not _is_scalar(self.cond.type):
            raise VerifyException(f"'{self.name}': condition must be a scalar, got {self.cond.type}")


# --------------------------------------------------------------------------- #
# Streams (io: stream designs, built by hls-dataflow)
# --------------------------------------------------------------------------- #


@irdl_op_definition
class ChannelOp(IRDLOperation):
    """A stream between two dataflow stages, holding up to `depth` rows."""

    name = "hls.channel"

    depth = prop_def(IntegerAttr[I64])
    result = result_def(StreamType)

    irdl_options = (ParsePropInAttrDict(),)
    assembly_format = "attr-dict `:` type($result)"

    def __init__(self, t: StreamType, depth: int, name_hint: str | None = None):
        super().__init__(result_types=[t], properties={"depth": IntegerAttr(depth, 64)})
        self.result.name_hint = name_hint

    def verify_(self) -> None:
        if self.depth.value.data < 1:
            raise VerifyException(f"'{self.name}': depth must be >= 1, got {self.depth.value.data}")


def _check_row(op: IRDLOperation, stream: SSAValue, row: SSAValue) -> None:
    st, rt = stream.type, row.type
    assert isinstance(st, StreamType)
    if not isinstance(rt, MemRefType) or rt.get_shape() != (st.row_width,) or rt.element_type != st.element_type:
        raise VerifyException(
            f"'{op.name}': the row buffer must be a memref<{st.row_width}x{st.element_type}>, got {rt}"
        )


@irdl_op_definition
class StreamReadOp(IRDLOperation):
    """Take the next row of a stream into a row buffer (blocks while the stream is empty)."""

    name = "hls.stream_read"

    stream = operand_def(StreamType)
    row = operand_def(MemRefType)

    irdl_options = (ParsePropInAttrDict(),)
    assembly_format = "$stream `into` $row attr-dict `:` type($stream) `,` type($row)"

    def __init__(self, stream: SSAValue, row: SSAValue):
        super().__init__(operands=[stream, row])

    def verify_(self) -> None:
        _check_row(self, self.stream, self.row)


@irdl_op_definition
class StreamWriteOp(IRDLOperation):
    """Append a row buffer's contents to a stream (blocks while the stream is full)."""

    name = "hls.stream_write"

    row = operand_def(MemRefType)
    stream = operand_def(StreamType)

    irdl_options = (ParsePropInAttrDict(),)
    assembly_format = "$row `into` $stream attr-dict `:` type($row) `,` type($stream)"

    def __init__(self, row: SSAValue, stream: SSAValue):
        super().__init__(operands=[row, stream])

    def verify_(self) -> None:
        _check_row(self, self.stream, self.row)


Hls = Dialect(
    "hls",
    [
        ForOp,
        AllocaOp,
        RomOp,
        LoadOp,
        StoreOp,
        ConstantOp,
        CastOp,
        IndexCastOp,
        TableIndexOp,
        AddOp,
        SubOp,
        NegOp,
        ShiftOp,
        MulOp,
        RemOp,
        MaxOp,
        MinOp,
        SelectOp,
        ChannelOp,
        StreamReadOp,
        StreamWriteOp,
    ],
    [PartitionAttr, StreamType],
)
