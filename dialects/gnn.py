"""
The `gnn` dialect: graph-level operations of a message-passing neural network.

Values are feature matrices whose row axis is either the graph's nodes or its
edges; the row count is not part of the type (graphs differ in size), the kind
is, so the verifier can check that a gather goes nodes -> edges and a scatter
edges -> nodes.

```mlir
func.func @main(%x: !gnn.nodes<3, f32>, %ei: !gnn.edge_index) -> !gnn.nodes<8, f32> {
  %xj = gnn.gather src %x, %ei : !gnn.nodes<3, f32> -> !gnn.edges<3, f32>
  %m = gnn.dense %xj {weight = dense<...> : tensor<8x3xf32>} : !gnn.edges<3, f32> -> !gnn.edges<8, f32>
  %a = gnn.scatter sum dst %m, %ei : !gnn.edges<8, f32> -> !gnn.nodes<8, f32>
  func.return %a : !gnn.nodes<8, f32>
}
```

Element types are `f32` (float model) or `!gnn.fixed<W, I, ...>`, which has
exactly the semantics of Vitis `ap_fixed<W, I, Q, O>` / `ap_ufixed`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from xdsl.dialects.builtin import (
    AnyFloat,
    DenseIntOrFPElementsAttr,
    I64,
    Float32Type,
    IntAttr,
    IntegerAttr,
    TensorType,
)
from xdsl.dialects.utils import EnumAttribute
from xdsl.ir import (
    Attribute,
    Dialect,
    ParametrizedAttribute,
    SpacedOpaqueSyntaxAttribute,
    SSAValue,
    TypeAttribute,
)
from xdsl.irdl import (
    IRDLOperation,
    ParsePropInAttrDict,
    irdl_attr_definition,
    irdl_op_definition,
    operand_def,
    opt_prop_def,
    prop_def,
    result_def,
    traits_def,
    var_operand_def,
)
from xdsl.parser import AttrParser
from xdsl.printer import Printer
from xdsl.traits import Pure
from xdsl.utils.exceptions import VerifyException
from xdsl.utils.str_enum import StrEnum

# --------------------------------------------------------------------------- #
# Enums
# --------------------------------------------------------------------------- #


class QuantMode(StrEnum):
    """ap_fixed quantization modes (AP_TRN, AP_RND, ...)."""

    TRN = "trn"
    RND = "rnd"
    TRN_ZERO = "trn_zero"
    RND_ZERO = "rnd_zero"
    RND_INF = "rnd_inf"
    RND_MIN_INF = "rnd_min_inf"
    RND_CONV = "rnd_conv"


class OverflowMode(StrEnum):
    """ap_fixed overflow modes (AP_WRAP, AP_SAT, ...)."""

    WRAP = "wrap"
    SAT = "sat"
    SAT_ZERO = "sat_zero"
    SAT_SYM = "sat_sym"


class Reduce(StrEnum):
    """Aggregation of a scatter. PyG semantics: empty max/min give 0, mean divides by max(deg, 1)."""

    SUM = "sum"
    MEAN = "mean"
    MAX = "max"
    MIN = "min"


class ActivationFn(StrEnum):
    RELU = "relu"
    SIGMOID = "sigmoid"
    TANH = "tanh"


class EdgeEnd(StrEnum):
    """Row of edge_index: `src` is row 0, `dst` is row 1 (PyG convention)."""

    SRC = "src"
    DST = "dst"


@irdl_attr_definition
class ReduceAttr(EnumAttribute[Reduce], SpacedOpaqueSyntaxAttribute):
    name = "gnn.reduce"


@irdl_attr_definition
class ActivationFnAttr(EnumAttribute[ActivationFn], SpacedOpaqueSyntaxAttribute):
    name = "gnn.activation_fn"


@irdl_attr_definition
class EdgeEndAttr(EnumAttribute[EdgeEnd], SpacedOpaqueSyntaxAttribute):
    name = "gnn.edge_end"


# --------------------------------------------------------------------------- #
# Types
# --------------------------------------------------------------------------- #

FIXED_MAX_WIDTH = 1024
_QUANT = [m.value for m in QuantMode]
_OVERFLOW = [m.value for m in OverflowMode]


@irdl_attr_definition
class FixedType(ParametrizedAttribute, TypeAttribute):
    """
    Fixed-point scalar: W bits in all, I of them integer bits (sign included).

    `!gnn.fixed<16, 6>` is ap_fixed<16, 6> (signed, trn, wrap: the defaults are
    not printed); `!gnn.fixed<8, 2, unsigned, rnd_conv, sat>` is
    ap_ufixed<8, 2, AP_RND_CONV, AP_SAT>. I may be negative or exceed W, as in
    ap_fixed.
    """

    name = "gnn.fixed"

    width: IntAttr
    int_bits: IntAttr
    signed: IntAttr
    quant: IntAttr  # index into QuantMode, kept as IntAttr for compact storage
    overflow: IntAttr

    def __init__(
        self,
        width: int,
        int_bits: int,
        signed: bool = True,
        quant: QuantMode | str = QuantMode.TRN,
        overflow: OverflowMode | str = OverflowMode.WRAP,
    ):
        super().__init__(
            IntAttr(width),
            IntAttr(int_bits),
            IntAttr(int(signed)),
            IntAttr(_QUANT.index(QuantMode(quant).value)),
            IntAttr(_OVERFLOW.index(OverflowMode(overflow).value)),
        )

    @property
    def w(self) -> int:
        return self.width.data

    @property
    def i(self) -> int:
        return self.int_bits.data

    @property
    def f(self) -> int:
        """Fractional bits: a value is raw * 2**-f."""
        return self.width.data - self.int_bits.data

    @property
    def is_signed(self) -> bool:
        return bool(self.signed.data)

    @property
    def quant_mode(self) -> QuantMode:
        return QuantMode(_QUANT[self.quant.data])

    @property
    def overflow_mode(self) -> OverflowMode:
        return OverflowMode(_OVERFLOW[self.overflow.data])

    @classmethod
    def parse_parameters(cls, parser: AttrParser) -> Sequence[Attribute]:
        with parser.in_angle_brackets():
            width = parser.parse_integer(allow_boolean=False, allow_negative=False)
            parser.parse_punctuation(",")
            int_bits = parser.parse_integer(allow_boolean=False)
            signed, quant, overflow = True, QuantMode.TRN, OverflowMode.WRAP
            while parser.parse_optional_punctuation(",") is not None:
                start = parser.pos
                word = parser.parse_identifier(" (a !gnn.fixed option)")
                if word in ("signed", "unsigned"):
                    signed = word == "signed"
                elif word in _QUANT:
                    quant = QuantMode(word)
                elif word in _OVERFLOW:
                    overflow = OverflowMode(word)
                else:
                    parser.raise_error(
                        f"unknown !gnn.fixed option '{word}': expected signed, unsigned, "
                        f"a quantization mode ({', '.join(_QUANT)}) "
                        f"or an overflow mode ({', '.join(_OVERFLOW)})",
                        start,
                        parser.pos,
                    )
        return (
            IntAttr(width),
            IntAttr(int_bits),
            IntAttr(int(signed)),
            IntAttr(_QUANT.index(quant.value)),
            IntAttr(_OVERFLOW.index(overflow.value)),
        )

    def print_parameters(self, printer: Printer) -> None:
        text = f"<{self.w}, {self.i}"
        if not self.is_signed:
            text += ", unsigned"
        if self.quant_mode != QuantMode.TRN:
            text += f", {self.quant_mode.value}"
        if self.overflow_mode != OverflowMode.WRAP:
            text += f", {self.overflow_mode.value}"
        printer.print_string(text + ">")

    def verify(self) -> None:
        if not 1 <= self.w <= FIXED_MAX_WIDTH:
            raise VerifyException(
                f"!gnn.fixed width must be in [1, {FIXED_MAX_WIDTH}], got {self.w}"
            )
        if self.signed.data not in (0, 1):
            raise VerifyException("!gnn.fixed signedness must be 0 or 1")
        if not 0 <= self.quant.data < len(_QUANT):
            raise VerifyException(f"!gnn.fixed quantization index {self.quant.data} out of range")
        if not 0 <= self.overflow.data < len(_OVERFLOW):
            raise VerifyException(f"!gnn.fixed overflow index {self.overflow.data} out of range")
        if self.is_signed and self.w < 2 and self.overflow_mode == OverflowMode.SAT_SYM:
            raise VerifyException("!gnn.fixed sat_sym needs a signed width of at least 2")


ValueElem = AnyFloat | FixedType


class FeaturesType(ParametrizedAttribute, TypeAttribute):
    """Base of !gnn.nodes / !gnn.edges: a [rows, features] matrix of one element type."""

    features: IntAttr
    element_type: Attribute

    KIND: ClassVar[str] = "?"

    @property
    def kind(self) -> str:
        """"nodes" or "edges"."""
        return self.KIND

    def __init__(self, features: int, element_type: Attribute | None = None):
        super().__init__(IntAttr(features), element_type or Float32Type())

    @property
    def num_features(self) -> int:
        return self.features.data

    def with_element(self, element_type: Attribute) -> FeaturesType:
        return type(self)(self.num_features, element_type)

    def with_features(self, features: int) -> FeaturesType:
        return type(self)(features, self.element_type)

    @classmethod
    def parse_parameters(cls, parser: AttrParser) -> Sequence[Attribute]:
        with parser.in_angle_brackets():
            features = parser.parse_integer(allow_boolean=False, allow_negative=False)
            parser.parse_punctuation(",")
            elem = parser.parse_type()
        return (IntAttr(features), elem)

    def print_parameters(self, printer: Printer) -> None:
        printer.print_string(f"<{self.num_features}, ")
        printer.print_attribute(self.element_type)
        printer.print_string(">")

    def verify(self) -> None:
        if self.num_features < 1:
            raise VerifyException(f"!{self.name} needs at least one feature, got {self.num_features}")
        if not isinstance(self.element_type, AnyFloat | FixedType):
            raise VerifyException(
                f"!{self.name} element type must be a float or !gnn.fixed, got {self.element_type}"
            )


@irdl_attr_definition
class NodesType(FeaturesType):
    """`!gnn.nodes<F, T>`: one row of F features per node."""

    name = "gnn.nodes"
    KIND: ClassVar[str] = "nodes"


@irdl_attr_definition
class EdgesType(FeaturesType):
    """`!gnn.edges<F, T>`: one row of F features per edge."""

    name = "gnn.edges"
    KIND: ClassVar[str] = "edges"


@irdl_attr_definition
class EdgeIndexType(ParametrizedAttribute, TypeAttribute):
    """`!gnn.edge_index`: the [2, E] connectivity; row 0 = source, row 1 = target."""

    name = "gnn.edge_index"


# --------------------------------------------------------------------------- #
# Verifier helpers
# --------------------------------------------------------------------------- #


def features_of(value: SSAValue, op: str, what: str) -> FeaturesType:
    if not isinstance(value.type, FeaturesType):
        raise VerifyException(f"'{op}': {what} must be !gnn.nodes or !gnn.edges, got {value.type}")
    return value.type


def _expect_features(t: FeaturesType, n: int, op: str, what: str) -> None:
    if t.num_features != n:
        raise VerifyException(f"'{op}': {what} must have {n} features, got {t.num_features}")


def _is_float(t: Attribute) -> bool:
    return isinstance(t, AnyFloat)


def _expect_fixed_or_float_only(types: Sequence[Attribute], op: str) -> None:
    """Float and fixed values must not meet in one op: gnn-fixed-point converts all of them."""
    kinds = {_is_float(t) for t in types}
    if len(kinds) > 1:
        raise VerifyException(f"'{op}': mixes float and fixed-point element types")


# --------------------------------------------------------------------------- #
# Operations
# --------------------------------------------------------------------------- #


@irdl_op_definition
class GatherOp(IRDLOperation):
    """out[e, :] = input[edge_index[end, e], :] — node rows copied onto edges."""

    name = "gnn.gather"

    end = prop_def(EdgeEndAttr)
    input = operand_def(NodesType)
    edge_index = operand_def(EdgeIndexType)
    result = result_def(EdgesType)

    irdl_options = (ParsePropInAttrDict(),)
    traits = traits_def(Pure())
    assembly_format = "$end $input `,` $edge_index attr-dict `:` type($input) `->` type($result)"

    def __init__(self, end: EdgeEnd, input: SSAValue, edge_index: SSAValue):
        t = input.type
        assert isinstance(t, NodesType)
        super().__init__(
            operands=[input, edge_index],
            result_types=[EdgesType(t.num_features, t.element_type)],
            properties={"end": EdgeEndAttr(end)},
        )

    def verify_(self) -> None:
        src = features_of(self.input, self.name, "input")
        dst = features_of(self.result, self.name, "result")
        _expect_features(dst, src.num_features, self.name, "result")
        if src.element_type != dst.element_type:
            raise VerifyException(
                f"'{self.name}': result element type {dst.element_type} differs from input "
                f"{src.element_type} (a gather copies values)"
            )


@irdl_op_definition
class ScatterOp(IRDLOperation):
    """
    out[n, :] = reduce over edges e with edge_index[end, e] == n of input[e, :].

    After gnn-fixed-point, `accum_type` is the exact sum type (sum, mean) and
    `recip_type` the type of the 1/deg table (mean).
    """

    name = "gnn.scatter"

    reduce = prop_def(ReduceAttr)
    end = prop_def(EdgeEndAttr)
    input = operand_def(EdgesType)
    edge_index = operand_def(EdgeIndexType)
    result = result_def(NodesType)
    accum_type = opt_prop_def(FixedType)
    recip_type = opt_prop_def(FixedType)

    irdl_options = (ParsePropInAttrDict(),)
    traits = traits_def(Pure())
    assembly_format = (
        "$reduce $end $input `,` $edge_index attr-dict `:` type($input) `->` type($result)"
    )

    def __init__(self, reduce: Reduce, end: EdgeEnd, input: SSAValue, edge_index: SSAValue):
        t = input.type
        assert isinstance(t, EdgesType)
        super().__init__(
            operands=[input, edge_index],
            result_types=[NodesType(t.num_features, t.element_type)],
            properties={"reduce": ReduceAttr(reduce), "end": EdgeEndAttr(end)},
        )

    def verify_(self) -> None:
        src = features_of(self.input, self.name, "input")
        dst = features_of(self.result, self.name, "result")
        _expect_features(dst, src.num_features, self.name, "result")
        _expect_fixed_or_float_only([src.element_type, dst.element_type], self.name)
        reduce = self.reduce.data
        if self.recip_type is not None and reduce != Reduce.MEAN:
            raise VerifyException(f"'{self.name}': recip_type only applies to mean, not {reduce.value}")
        if self.accum_type is not None and reduce in (Reduce.MAX, Reduce.MIN):
            raise VerifyException(
                f"'{self.name}': accum_type only applies to sum and mean, not {reduce.value}"
            )
        if isinstance(dst.element_type, FixedType):
            if reduce in (Reduce.SUM, Reduce.MEAN) and self.accum_type is None:
                raise VerifyException(f"'{self.name}': fixed-point {reduce.value} needs accum_type")
            if reduce == Reduce.MEAN and self.recip_type is None:
                raise VerifyException(f"'{self.name}': fixed-point mean needs recip_type")
            if reduce in (Reduce.MAX, Reduce.MIN) and src.element_type != dst.element_type:
                raise VerifyException(
                    f"'{self.name}': {reduce.value} selects values, so input and result "
                    "element types must be equal"
                )


@irdl_op_definition
class DenseOp(IRDLOperation):
    """
    y = x · weightᵀ + bias, row by row. `weight` is [out, in] as in torch.nn.Linear.

    After gnn-fixed-point the op carries weight_type, bias_type and accum_type.
    """

    name = "gnn.dense"

    input = operand_def(FeaturesType)
    result = result_def(FeaturesType)
    weight = prop_def(DenseIntOrFPElementsAttr)
    bias = opt_prop_def(DenseIntOrFPElementsAttr)
    weight_type = opt_prop_def(FixedType)
    bias_type = opt_prop_def(FixedType)
    accum_type = opt_prop_def(FixedType)

    irdl_options = (ParsePropInAttrDict(),)
    traits = traits_def(Pure())
    assembly_format = "$input attr-dict `:` type($input) `->` type($result)"

    def __init__(
        self,
        input: SSAValue,
        weight: DenseIntOrFPElementsAttr,
        bias: DenseIntOrFPElementsAttr | None,
    ):
        t = input.type
        assert isinstance(t, FeaturesType)
        out = weight.get_shape()[0]
        props: dict[str, Attribute] = {"weight": weight}
        if bias is not None:
            props["bias"] = bias
        super().__init__(
            operands=[input], result_types=[t.with_features(out)], properties=props
        )

    @property
    def out_features(self) -> int:
        return self.weight.get_shape()[0]

    @property
    def in_features(self) -> int:
        return self.weight.get_shape()[1]

    def verify_(self) -> None:
        src = features_of(self.input, self.name, "input")
        dst = features_of(self.result, self.name, "result")
        if src.kind != dst.kind:
            raise VerifyException(f"'{self.name}': result must be !gnn.{src.kind} like the input")
        shape = self.weight.get_shape()
        if len(shape) != 2:
            raise VerifyException(f"'{self.name}': weight must be 2-D [out, in], got shape {list(shape)}")
        if shape[1] != src.num_features:
            raise VerifyException(
                f"'{self.name}': weight is [{shape[0]}, {shape[1]}] but the input has "
                f"{src.num_features} features (expected [out, {src.num_features}])"
            )
        _expect_features(dst, shape[0], self.name, "result")
        if self.bias is not None and self.bias.get_shape() != (shape[0],):
            raise VerifyException(
                f"'{self.name}': bias shape {list(self.bias.get_shape())} must be [{shape[0]}]"
            )
        _expect_fixed_or_float_only([src.element_type, dst.element_type], self.name)
        if isinstance(dst.element_type, FixedType):
            missing = [n for n in ("weight_type", "accum_type") if getattr(self, n) is None]
            if self.bias is not None and self.bias_type is None:
                missing.append("bias_type")
            if missing:
                raise VerifyException(f"'{self.name}': fixed-point dense needs {', '.join(missing)}")


@irdl_op_definition
class ActivationOp(IRDLOperation):
    """
    Elementwise activation. In fixed point, sigmoid and tanh are lookup tables
    of `table_size` entries covering [table_min, table_min + table_size / table_scale).
    """

    name = "gnn.activation"

    fn = prop_def(ActivationFnAttr)
    input = operand_def(FeaturesType)
    result = result_def(FeaturesType)
    table_size = opt_prop_def(IntegerAttr[I64])
    table_min = opt_prop_def(IntegerAttr[I64])
    table_scale = opt_prop_def(IntegerAttr[I64])

    irdl_options = (ParsePropInAttrDict(),)
    traits = traits_def(Pure())
    assembly_format = "$fn $input attr-dict `:` type($input) `->` type($result)"

    def __init__(self, fn: ActivationFn, input: SSAValue):
        super().__init__(
            operands=[input],
            result_types=[input.type],
            properties={"fn": ActivationFnAttr(fn)},
        )

    def verify_(self) -> None:
        src = features_of(self.input, self.name, "input")
        dst = features_of(self.result, self.name, "result")
        if src.kind != dst.kind:
            raise VerifyException(f"'{self.name}': result must be !gnn.{src.kind} like the input")
        _expect_features(dst, src.num_features, self.name, "result")
        _expect_fixed_or_float_only([src.element_type, dst.element_type], self.name)
        table = (self.table_size, self.table_min, self.table_scale)
        if any(t is not None for t in table):
            if self.fn.data == ActivationFn.RELU:
                raise VerifyException(f"'{self.name}': relu takes no lookup table")
            if any(t is None for t in table):
                raise VerifyException(
                    f"'{self.name}': table_size, table_min and table_scale go together"
                )
            if self.table_size.value.data < 2 or self.table_scale.value.data < 1:
                raise VerifyException(
                    f"'{self.name}': table_size must be >= 2 and table_scale >= 1"
                )
        elif isinstance(dst.element_type, FixedType) and self.fn.data != ActivationFn.RELU:
            raise VerifyException(
                f"'{self.name}': fixed-point {self.fn.data.value} needs table_size, "
                "table_min and table_scale"
            )


@irdl_op_definition
class ConcatOp(IRDLOperation):
    """Feature-wise concatenation of matrices of the same kind (rows align)."""

    name = "gnn.concat"

    inputs = var_operand_def(FeaturesType)
    result = result_def(FeaturesType)

    irdl_options = (ParsePropInAttrDict(),)
    traits = traits_def(Pure())
    assembly_format = "$inputs attr-dict `:` type($inputs) `->` type($result)"

    def __init__(self, inputs: Sequence[SSAValue]):
        first = inputs[0].type
        assert isinstance(first, FeaturesType)
        total = sum(v.type.num_features for v in inputs)  # type: ignore[attr-defined]
        super().__init__(operands=[list(inputs)], result_types=[first.with_features(total)])

    def verify_(self) -> None:
        if len(self.inputs) < 1:
            raise VerifyException(f"'{self.name}': needs at least one input")
        dst = features_of(self.result, self.name, "result")
        total = 0
        for k, v in enumerate(self.inputs):
            t = features_of(v, self.name, f"input {k}")
            if t.kind != dst.kind:
                raise VerifyException(
                    f"'{self.name}': input {k} is !gnn.{t.kind} but the result is !gnn.{dst.kind} "
                    "(node and edge rows cannot be concatenated)"
                )
            total += t.num_features
        _expect_features(dst, total, self.name, "result")
        _expect_fixed_or_float_only(
            [dst.element_type, *(v.type.element_type for v in self.inputs)], self.name  # type: ignore[attr-defined]
        )


class ElementwiseBinaryOp(IRDLOperation):
    """Base of add/mul: same kind and feature count; computed exactly, then cast to the result type."""

    lhs = operand_def(FeaturesType)
    rhs = operand_def(FeaturesType)
    result = result_def(FeaturesType)

    irdl_options = (ParsePropInAttrDict(),)
    traits = traits_def(Pure())
    assembly_format = "$lhs `,` $rhs attr-dict `:` type($lhs) `,` type($rhs) `->` type($result)"

    def __init__(self, lhs: SSAValue, rhs: SSAValue):
        super().__init__(operands=[lhs, rhs], result_types=[lhs.type])

    def verify_(self) -> None:
        a = features_of(self.lhs, self.name, "lhs")
        b = features_of(self.rhs, self.name, "rhs")
        dst = features_of(self.result, self.name, "result")
        for what, t in (("rhs", b), ("result", dst)):
            if t.kind != a.kind or t.num_features != a.num_features:
                raise VerifyException(f"'{self.name}': {what} type {t} does not match lhs {a}")
        _expect_fixed_or_float_only([a.element_type, b.element_type, dst.element_type], self.name)


@irdl_op_definition
class AddOp(ElementwiseBinaryOp):
    name = "gnn.add"


@irdl_op_definition
class MulOp(ElementwiseBinaryOp):
    name = "gnn.mul"


Gnn = Dialect(
    "gnn",
    [GatherOp, ScatterOp, DenseOp, ActivationOp, ConcatOp, AddOp, MulOp],
    [
        FixedType,
        NodesType,
        EdgesType,
        EdgeIndexType,
        ReduceAttr,
        ActivationFnAttr,
        EdgeEndAttr,
    ],
)
