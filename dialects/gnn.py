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
    DenseArrayBase,
    DenseIntOrFPElementsAttr,
    I64,
    Float32Type,
    Float64Type,
    FloatAttr,
    IntAttr,
    IntegerAttr,
    StringAttr,
    TensorType,
    UnitAttr,
    i64,
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
    opt_operand_def,
    opt_prop_def,
    opt_result_def,
    prop_def,
    result_def,
    traits_def,
    var_operand_def,
)
from xdsl.parser import AttrParser, Parser
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
    LEAKY_RELU = "leaky_relu"
    ELU = "elu"
    SILU = "silu"
    GELU = "gelu"
    GELU_TANH = "gelu_tanh"
    SOFTPLUS = "softplus"
    MISH = "mish"
    LOG_SIGMOID = "log_sigmoid"
    HARDTANH = "hardtanh"
    SQRT = "sqrt"


class Tail(StrEnum):
    """What a table activation gives outside its table's range [table_min, table end)."""

    CLAMP = "clamp"  # the nearest entry (the function is flat there)
    IDENTITY = "identity"  # the input itself (the function is x there)


#: Activations whose fixed-point form is a lookup table (table_size, table_min, table_scale),
#: with the tails (below, above) the table's range: one mechanism for every smooth function.
TABLE_TAILS = {
    ActivationFn.SIGMOID: (Tail.CLAMP, Tail.CLAMP),
    ActivationFn.TANH: (Tail.CLAMP, Tail.CLAMP),
    ActivationFn.ELU: (Tail.CLAMP, Tail.IDENTITY),
    ActivationFn.SILU: (Tail.CLAMP, Tail.IDENTITY),
    ActivationFn.GELU: (Tail.CLAMP, Tail.IDENTITY),
    ActivationFn.GELU_TANH: (Tail.CLAMP, Tail.IDENTITY),
    ActivationFn.SOFTPLUS: (Tail.CLAMP, Tail.IDENTITY),
    ActivationFn.MISH: (Tail.CLAMP, Tail.IDENTITY),
    ActivationFn.LOG_SIGMOID: (Tail.IDENTITY, Tail.CLAMP),
}
TABLE_ACTIVATIONS = tuple(TABLE_TAILS)
#: Activations with a parameter `alpha` (leaky_relu: negative slope; elu: saturation value;
#: softplus: beta).
ALPHA_ACTIVATIONS = (ActivationFn.LEAKY_RELU, ActivationFn.ELU, ActivationFn.SOFTPLUS)


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
#: Features of one value: a bound checked up front, since arrays and weights grow with it.
MAX_FEATURES = 1 << 16
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
        """"nodes", "edges" or "graphs"."""
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
        if not 1 <= self.num_features <= MAX_FEATURES:
            raise VerifyException(f"!{self.name} needs 1 to {MAX_FEATURES} features, got {self.num_features}")
        if not isinstance(self.element_type, AnyFloat | FixedType):
            raise VerifyException(
                f"!{self.name} element type must be a float or !gnn.fixed, got {self.element_type}"
            )


@irdl_attr_definition
class NodesType(FeaturesType):
    """`!gnn.nodes<F, T>`: one row of F features per node."""

    name = "gnn.nodes"
    KIND: ClassVar[str] = "nodes"

    # Re-declared so the generated dataclass compares and hashes them (the base's are not fields).
    features: IntAttr
    element_type: Attribute


@irdl_attr_definition
class EdgesType(FeaturesType):
    """`!gnn.edges<F, T>`: one row of F features per edge."""

    name = "gnn.edges"
    KIND: ClassVar[str] = "edges"

    features: IntAttr
    element_type: Attribute


@irdl_attr_definition
class EdgeIndexType(ParametrizedAttribute, TypeAttribute):
    """`!gnn.edge_index`: the [2, E] connectivity; row 0 = source, row 1 = target."""

    name = "gnn.edge_index"


# --------------------------------------------------------------------------- #
# Graph-level rows: one row per graph of a batch, and the node -> graph map
# --------------------------------------------------------------------------- #


@irdl_attr_definition
class GraphsType(FeaturesType):
    """`!gnn.graphs<F, T>`: one row of F features per graph (the result of a readout)."""

    name = "gnn.graphs"
    KIND: ClassVar[str] = "graphs"

    features: IntAttr
    element_type: Attribute


@irdl_attr_definition
class BatchType(ParametrizedAttribute, TypeAttribute):
    """`!gnn.batch`: PyG's per-node graph number [N] of a batch of graphs (0, 0, 1, 1, 1, 2, ...)."""

    name = "gnn.batch"


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


def _expect_copy(src: FeaturesType, dst: FeaturesType, op: str, what: str) -> None:
    """Copies (gather, repeat, take) keep their input's element type."""
    if src.element_type != dst.element_type:
        raise VerifyException(
            f"'{op}': result element type {dst.element_type} differs from input "
            f"{src.element_type} (a {what} copies values)"
        )


def _expect_rowwise(src: FeaturesType, dst: FeaturesType, op: str) -> None:
    """Row-wise ops (activation, scale, layer_norm): the result has the input's kind and features."""
    if src.kind != dst.kind:
        raise VerifyException(f"'{op}': result must be !gnn.{src.kind} like the input")
    _expect_features(dst, src.num_features, op, "result")


def _present_props(**props: Attribute | None) -> dict[str, Attribute]:
    """The optional properties that are given."""
    return {k: v for k, v in props.items() if v is not None}


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
        _expect_copy(src, dst, self.name, "gather")


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
    Elementwise activation.

    * relu: max(x, 0).
    * leaky_relu: x if x > 0 else alpha * x (`alpha` is the negative slope; fixed point:
      `alpha_type`, the product is exact and cast once).
    * elu: x if x >= 0 else alpha * (exp(x) - 1).
    * silu, gelu (erf form), gelu_tanh (tanh approximation), softplus (`alpha` = beta,
      `threshold`: x where beta * x > threshold), mish, log_sigmoid: torch's definitions.
    * hardtanh: clamp(x, lower, upper) (relu6 is hardtanh(0, 6)); fixed point: the bounds
      in `alpha_type`, exact comparisons, one cast.
    * sqrt: sqrt(x) where x > threshold, else 0 (PyG's std of a variance: threshold 1e-5);
      fixed point: x > threshold compared exactly (the threshold truncated to x's LSB), an
      exact integer square root to one bit below the result's LSB plus a sticky bit (the
      remainder is not 0), one cast: the exact root rounded as the result type says.
    * sigmoid, tanh, elu, silu, gelu, gelu_tanh, softplus, mish, log_sigmoid in fixed point
      are lookup tables of `table_size` entries covering [table_min, table_end), table_end =
      table_min + table_size / table_scale; outside it each function has a tail
      (TABLE_TAILS): the nearest entry, or the input itself (an identity tail needs an
      integer table_end, so the comparison with it is exact).
    """

    name = "gnn.activation"

    fn = prop_def(ActivationFnAttr)
    input = operand_def(FeaturesType)
    result = result_def(FeaturesType)
    alpha = opt_prop_def(FloatAttr[Float64Type])
    threshold = opt_prop_def(FloatAttr[Float64Type])
    lower = opt_prop_def(FloatAttr[Float64Type])
    upper = opt_prop_def(FloatAttr[Float64Type])
    alpha_type = opt_prop_def(FixedType)
    table_size = opt_prop_def(IntegerAttr[I64])
    table_min = opt_prop_def(IntegerAttr[I64])
    table_scale = opt_prop_def(IntegerAttr[I64])

    irdl_options = (ParsePropInAttrDict(),)
    traits = traits_def(Pure())
    assembly_format = "$fn $input attr-dict `:` type($input) `->` type($result)"

    def __init__(self, fn: ActivationFn, input: SSAValue, alpha: float | None = None,
                 **params: float):
        """`params`: threshold (softplus), lower and upper (hardtanh)."""
        props: dict[str, Attribute] = {"fn": ActivationFnAttr(fn)}
        for name, value in (("alpha", alpha), *params.items()):
            if value is not None:
                props[name] = FloatAttr(float(value), Float64Type())
        super().__init__(operands=[input], result_types=[input.type], properties=props)

    @property
    def alpha_value(self) -> float:
        assert self.alpha is not None
        return self.alpha.value.data

    def params(self) -> dict[str, float]:
        """The function's float parameters (alpha, threshold, lower, upper) that are set."""
        out = {}
        for name in ("alpha", "threshold", "lower", "upper"):
            attr = self.properties.get(name)
            if attr is not None:
                out[name] = attr.value.data  # type: ignore[attr-defined]
        return out

    @property
    def table_end(self) -> float:
        """table_min + table_size / table_scale: where the table's range ends."""
        size, lo, scale = (a.value.data for a in (self.table_size, self.table_min, self.table_scale))  # type: ignore[union-attr]
        return lo + size / scale

    def verify_(self) -> None:
        src = features_of(self.input, self.name, "input")
        dst = features_of(self.result, self.name, "result")
        _expect_rowwise(src, dst, self.name)
        _expect_fixed_or_float_only([src.element_type, dst.element_type], self.name)
        fn = self.fn.data
        fixed = isinstance(dst.element_type, FixedType)
        if fn in ALPHA_ACTIVATIONS and self.alpha is None:
            raise VerifyException(f"'{self.name}': {fn.value} needs alpha")
        if fn not in ALPHA_ACTIVATIONS and self.alpha is not None:
            raise VerifyException(f"'{self.name}': {fn.value} takes no alpha")
        if (self.threshold is not None) != (fn in (ActivationFn.SOFTPLUS, ActivationFn.SQRT)):
            raise VerifyException(f"'{self.name}': threshold goes with softplus and sqrt (only and always)")
        if fn == ActivationFn.SQRT and self.threshold.value.data < 0:  # type: ignore[union-attr]
            raise VerifyException(f"'{self.name}': sqrt needs a threshold >= 0 (below it the result is 0)")
        bounds = [b is not None for b in (self.lower, self.upper)]
        if bounds != [fn == ActivationFn.HARDTANH] * 2:
            raise VerifyException(f"'{self.name}': lower and upper go with hardtanh (only and always)")
        if fn == ActivationFn.HARDTANH and self.lower.value.data > self.upper.value.data:  # type: ignore[union-attr]
            raise VerifyException(f"'{self.name}': hardtanh needs lower <= upper")
        typed = (ActivationFn.LEAKY_RELU, ActivationFn.HARDTANH)
        if self.alpha_type is not None and fn not in typed:
            raise VerifyException(f"'{self.name}': alpha_type only applies to leaky_relu and hardtanh")
        if fixed and fn in typed and self.alpha_type is None:
            raise VerifyException(f"'{self.name}': fixed-point {fn.value} needs alpha_type")
        table = (self.table_size, self.table_min, self.table_scale)
        if any(t is not None for t in table):
            if fn not in TABLE_ACTIVATIONS:
                raise VerifyException(f"'{self.name}': {fn.value} takes no lookup table")
            if any(t is None for t in table):
                raise VerifyException(
                    f"'{self.name}': table_size, table_min and table_scale go together"
                )
            if self.table_size.value.data < 2 or self.table_scale.value.data < 1:
                raise VerifyException(
                    f"'{self.name}': table_size must be >= 2 and table_scale >= 1"
                )
            if Tail.IDENTITY in TABLE_TAILS[fn] and self.table_size.value.data % self.table_scale.value.data:
                raise VerifyException(
                    f"'{self.name}': {fn.value} continues as x outside its table, so the table end "
                    "table_min + table_size / table_scale must be an integer"
                )
        elif fixed and fn in TABLE_ACTIVATIONS:
            raise VerifyException(
                f"'{self.name}': fixed-point {fn.value} needs table_size, "
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
    """
    Base of add/sub/mul: operands of one kind; computed exactly, then cast to the result type.

    Feature counts are equal, or one operand has a single feature, which is broadcast
    over the other's features (torch's `[R, 1] * [R, F]`).
    """

    lhs = operand_def(FeaturesType)
    rhs = operand_def(FeaturesType)
    result = result_def(FeaturesType)

    irdl_options = (ParsePropInAttrDict(),)
    traits = traits_def(Pure())
    assembly_format = "$lhs `,` $rhs attr-dict `:` type($lhs) `,` type($rhs) `->` type($result)"

    def __init__(self, lhs: SSAValue, rhs: SSAValue):
        a, b = lhs.type, rhs.type
        assert isinstance(a, FeaturesType) and isinstance(b, FeaturesType)
        out = a if a.num_features >= b.num_features else a.with_features(b.num_features)
        super().__init__(operands=[lhs, rhs], result_types=[out])

    def verify_(self) -> None:
        a = features_of(self.lhs, self.name, "lhs")
        b = features_of(self.rhs, self.name, "rhs")
        dst = features_of(self.result, self.name, "result")
        if b.kind != a.kind or (
            b.num_features != a.num_features and 1 not in (a.num_features, b.num_features)
        ):
            raise VerifyException(
                f"'{self.name}': rhs type {b} does not match lhs {a} (one kind; equal feature "
                "counts, or one operand with 1 feature, broadcast)"
            )
        width = max(a.num_features, b.num_features)
        if dst.kind != a.kind or dst.num_features != width:
            raise VerifyException(
                f"'{self.name}': result type {dst} does not match lhs {a} "
                f"(expected !gnn.{a.kind} with {width} features)"
            )
        _expect_fixed_or_float_only([a.element_type, b.element_type, dst.element_type], self.name)


@irdl_op_definition
class AddOp(ElementwiseBinaryOp):
    name = "gnn.add"


@irdl_op_definition
class SubOp(ElementwiseBinaryOp):
    """lhs - rhs."""

    name = "gnn.sub"


@irdl_op_definition
class MulOp(ElementwiseBinaryOp):
    name = "gnn.mul"


def _vector(attr: DenseIntOrFPElementsAttr | None, n: int, op: str, what: str) -> None:
    if attr is not None and attr.get_shape() != (n,):
        raise VerifyException(f"'{op}': {what} shape {list(attr.get_shape())} must be [{n}]")


@irdl_op_definition
class ScaleOp(IRDLOperation):
    """
    y[r, f] = x[r, f] * scale[f] + shift[f]: per-feature constants (constant scaling,
    bias adds, GIN's (1 + eps), BatchNorm not next to a dense). Either may be absent
    (scale 1, shift 0). Fixed point: `scale_type`, `shift_type`; the product and the sum
    are exact, then cast once to the result type.
    """

    name = "gnn.scale"

    input = operand_def(FeaturesType)
    result = result_def(FeaturesType)
    scale = opt_prop_def(DenseIntOrFPElementsAttr)
    shift = opt_prop_def(DenseIntOrFPElementsAttr)
    scale_type = opt_prop_def(FixedType)
    shift_type = opt_prop_def(FixedType)

    irdl_options = (ParsePropInAttrDict(),)
    traits = traits_def(Pure())
    assembly_format = "$input attr-dict `:` type($input) `->` type($result)"

    def __init__(
        self,
        input: SSAValue,
        scale: DenseIntOrFPElementsAttr | None,
        shift: DenseIntOrFPElementsAttr | None,
    ):
        props = _present_props(scale=scale, shift=shift)
        super().__init__(operands=[input], result_types=[input.type], properties=props)

    def verify_(self) -> None:
        src = features_of(self.input, self.name, "input")
        dst = features_of(self.result, self.name, "result")
        _expect_rowwise(src, dst, self.name)
        if self.scale is None and self.shift is None:
            raise VerifyException(f"'{self.name}': needs scale, shift or both")
        _vector(self.scale, src.num_features, self.name, "scale")
        _vector(self.shift, src.num_features, self.name, "shift")
        _expect_fixed_or_float_only([src.element_type, dst.element_type], self.name)
        if isinstance(dst.element_type, FixedType):
            missing = []
            if self.scale is not None and self.scale_type is None:
                missing.append("scale_type")
            if self.shift is not None and self.shift_type is None:
                missing.append("shift_type")
            if missing:
                raise VerifyException(f"'{self.name}': fixed-point scale needs {', '.join(missing)}")
        for what, t, v in (("scale_type", self.scale_type, self.scale),
                           ("shift_type", self.shift_type, self.shift)):
            if t is not None and v is None:
                raise VerifyException(f"'{self.name}': {what} without {what[:-5]}")


@irdl_op_definition
class BatchNormOp(IRDLOperation):
    """
    Eval-mode BatchNorm1d: y = (x - mean) / sqrt(variance + eps) * weight + bias.

    A float-only op: gnn-fold-batchnorm folds it into the dense before it or turns it
    into a gnn.scale, before gnn-fixed-point.
    """

    name = "gnn.batch_norm"

    input = operand_def(FeaturesType)
    result = result_def(FeaturesType)
    mean = prop_def(DenseIntOrFPElementsAttr)
    variance = prop_def(DenseIntOrFPElementsAttr)
    weight = opt_prop_def(DenseIntOrFPElementsAttr)
    bias = opt_prop_def(DenseIntOrFPElementsAttr)
    eps = prop_def(FloatAttr[Float64Type])

    irdl_options = (ParsePropInAttrDict(),)
    traits = traits_def(Pure())
    assembly_format = "$input attr-dict `:` type($input) `->` type($result)"

    def __init__(
        self,
        input: SSAValue,
        mean: DenseIntOrFPElementsAttr,
        variance: DenseIntOrFPElementsAttr,
        weight: DenseIntOrFPElementsAttr | None,
        bias: DenseIntOrFPElementsAttr | None,
        eps: float,
    ):
        props: dict[str, Attribute] = {
            "mean": mean, "variance": variance, "eps": FloatAttr(float(eps), Float64Type()),
        }
        if weight is not None:
            props["weight"] = weight
        if bias is not None:
            props["bias"] = bias
        super().__init__(operands=[input], result_types=[input.type], properties=props)

    def verify_(self) -> None:
        src = features_of(self.input, self.name, "input")
        dst = features_of(self.result, self.name, "result")
        if dst != src:
            raise VerifyException(f"'{self.name}': result type {dst} must equal the input type {src}")
        if not _is_float(src.element_type):
            raise VerifyException(
                f"'{self.name}': batch_norm is a float op; run gnn-fold-batchnorm before gnn-fixed-point"
            )
        n = src.num_features
        for what in ("mean", "variance", "weight", "bias"):
            _vector(getattr(self, what), n, self.name, what)
        if self.eps.value.data < 0:
            raise VerifyException(f"'{self.name}': eps must be non-negative")


@irdl_op_definition
class DegreeNormOp(IRDLOperation):
    """
    GCN's normalisation, one value per node: d^-1/2 (0 where d = 0), where d counts the
    edges whose `end` is the node. With `add_self_loops`, edges from a node to itself are
    not counted and one is added (PyG's add_remaining_self_loops: every node gets exactly
    one self loop, which gnn models as a root term so the edge list never changes). With
    `drop_self_loops` they are not counted and none is added (remove_self_loops). With
    `reciprocal` the value is d^-1 (0 where d = 0): a mean over the counted edges.

    Fixed point: a table indexed by the integer d, computed once and emitted as constants.
    """

    name = "gnn.degree_norm"

    end = prop_def(EdgeEndAttr)
    edge_index = operand_def(EdgeIndexType)
    result = result_def(NodesType)
    add_self_loops = opt_prop_def(UnitAttr)
    drop_self_loops = opt_prop_def(UnitAttr)
    reciprocal = opt_prop_def(UnitAttr)

    irdl_options = (ParsePropInAttrDict(),)
    traits = traits_def(Pure())
    assembly_format = "$end $edge_index attr-dict `:` type($result)"

    def __init__(self, end: EdgeEnd, edge_index: SSAValue, add_self_loops: bool,
                 element_type: Attribute | None = None, *, drop_self_loops: bool = False,
                 reciprocal: bool = False):
        props: dict[str, Attribute] = {"end": EdgeEndAttr(end)}
        for key, on in (("add_self_loops", add_self_loops), ("drop_self_loops", drop_self_loops),
                        ("reciprocal", reciprocal)):
            if on:
                props[key] = UnitAttr()
        super().__init__(
            operands=[edge_index], result_types=[NodesType(1, element_type)], properties=props
        )

    @property
    def skips_loops(self) -> bool:
        """Edges from a node to itself are not counted."""
        return self.add_self_loops is not None or self.drop_self_loops is not None

    @property
    def exponent(self) -> float:
        """d^-exponent."""
        return 1.0 if self.reciprocal is not None else 0.5

    def verify_(self) -> None:
        dst = features_of(self.result, self.name, "result")
        _expect_features(dst, 1, self.name, "result")
        if self.add_self_loops is not None and self.drop_self_loops is not None:
            raise VerifyException(
                f"'{self.name}': add_self_loops and drop_self_loops exclude each other (the loops "
                "are either replaced by one per node or removed)"
            )


#: The steps of a gnn.count_fn, applied in order to the count x: `add c` (x + c), `mul c`,
#: `div c` (x / c), `rdiv c` (c / x), `max c` / `min c` (a clamp), `pow c`, `log`.
COUNT_STEPS_WITH_CONSTANT = ("add", "mul", "div", "rdiv", "max", "min", "pow")
COUNT_STEPS = (*COUNT_STEPS_WITH_CONSTANT, "log")


def parse_count_steps(text: str) -> list[tuple[str, float | None]]:
    """`"add 1, log, rdiv 1.6"` -> [("add", 1.0), ("log", None), ("rdiv", 1.6)]; ValueError if malformed."""
    steps: list[tuple[str, float | None]] = []
    for part in text.split(","):
        words = part.split()
        if not words or words[0] not in COUNT_STEPS:
            raise ValueError(f"step {part.strip()!r} is not one of {', '.join(COUNT_STEPS)}")
        takes = words[0] in COUNT_STEPS_WITH_CONSTANT
        if len(words) != 1 + takes:
            raise ValueError(f"step {part.strip()!r}: {words[0]} takes {'one constant' if takes else 'no constant'}")
        try:
            steps.append((words[0], float(words[1]) if takes else None))
        except ValueError:
            raise ValueError(f"step {part.strip()!r}: {words[1]!r} is not a number") from None
    return steps


@irdl_op_definition
class CountFnOp(IRDLOperation):
    """
    out = f(x) for a per-node count x (PyG's utils.degree: an integer from 0 to the edge
    capacity, plus one for an added self loop), f the chain of `steps` (COUNT_STEPS), e.g.
    PNA's amplification `add 1, log, div 2.1`, attenuation `max 1, add 1, log, rdiv 2.1`,
    inverse_linear `max 1, rdiv 3.5`.

    Fixed point: a table of f at the integers 0 .. table_size - 1 in the result type, indexed
    by floor(x) clamped to the table: each value is f of the count quantised once, as
    gnn.degree_norm's d^-1/2 is.
    """

    name = "gnn.count_fn"

    input = operand_def(NodesType)
    result = result_def(NodesType)
    steps = prop_def(StringAttr)
    table_size = opt_prop_def(IntegerAttr[I64])

    irdl_options = (ParsePropInAttrDict(),)
    traits = traits_def(Pure())
    assembly_format = "$input attr-dict `:` type($input) `->` type($result)"

    def __init__(self, input: SSAValue, steps: str):
        super().__init__(operands=[input], result_types=[input.type], properties={"steps": StringAttr(steps)})

    def step_list(self) -> list[tuple[str, float | None]]:
        return parse_count_steps(self.steps.data)

    def verify_(self) -> None:
        src = features_of(self.input, self.name, "input")
        dst = features_of(self.result, self.name, "result")
        _expect_rowwise(src, dst, self.name)
        _expect_fixed_or_float_only([src.element_type, dst.element_type], self.name)
        try:
            self.step_list()
        except ValueError as err:
            raise VerifyException(f"'{self.name}': {err}") from None
        fixed = isinstance(dst.element_type, FixedType)
        if fixed and self.table_size is None:
            raise VerifyException(f"'{self.name}': fixed-point count_fn needs table_size")
        if not fixed and self.table_size is not None:
            raise VerifyException(f"'{self.name}': table_size only applies to fixed-point count_fn")
        if self.table_size is not None and self.table_size.value.data < 1:
            raise VerifyException(f"'{self.name}': table_size must be at least 1")


@irdl_op_definition
class LoopMaskOp(IRDLOperation):
    """One value per edge: 0 for a self loop (source == target), 1 for any other edge."""

    name = "gnn.loop_mask"

    edge_index = operand_def(EdgeIndexType)
    result = result_def(EdgesType)

    irdl_options = (ParsePropInAttrDict(),)
    traits = traits_def(Pure())
    assembly_format = "$edge_index attr-dict `:` type($result)"

    def __init__(self, edge_index: SSAValue, element_type: Attribute | None = None):
        super().__init__(operands=[edge_index], result_types=[EdgesType(1, element_type)])

    def verify_(self) -> None:
        dst = features_of(self.result, self.name, "result")
        _expect_features(dst, 1, self.name, "result")


@irdl_op_definition
class RepeatOp(IRDLOperation):
    """
    out[r, f] = input[r, f // times]: every feature repeated `times` times in place
    (torch.repeat_interleave(x, times, dim=1)); GAT spreads each head's attention weight
    over that head's channels with it. A copy: the element type is kept.
    """

    name = "gnn.repeat"

    input = operand_def(FeaturesType)
    result = result_def(FeaturesType)
    times = prop_def(IntegerAttr[I64])

    irdl_options = (ParsePropInAttrDict(),)
    traits = traits_def(Pure())
    assembly_format = "$input attr-dict `:` type($input) `->` type($result)"

    def __init__(self, input: SSAValue, times: int):
        t = input.type
        assert isinstance(t, FeaturesType)
        super().__init__(
            operands=[input],
            result_types=[t.with_features(t.num_features * times)],
            properties={"times": IntegerAttr(times, 64)},
        )

    def verify_(self) -> None:
        src = features_of(self.input, self.name, "input")
        dst = features_of(self.result, self.name, "result")
        times = self.times.value.data
        if times < 1:
            raise VerifyException(f"'{self.name}': times must be >= 1, got {times}")
        if src.kind != dst.kind:
            raise VerifyException(f"'{self.name}': result must be !gnn.{src.kind} like the input")
        _expect_features(dst, src.num_features * times, self.name, "result")
        _expect_copy(src, dst, self.name, "repeat")


_SOFTMAX_FIXED_PROPS = (
    "exp_type", "accum_type", "recip_type", "exp_table_size", "exp_table_min",
    "exp_table_scale", "recip_table_size", "recip_table_scale", "newton_steps",
)


def _verify_softmax_fixed(op: IRDLOperation, fixed: bool) -> None:
    """The exp / 1/sum geometry of edge_softmax and softmax: all of it in fixed point, none in float."""
    kind = op.name.removeprefix("gnn.")
    present = [p for p in _SOFTMAX_FIXED_PROPS if op.properties.get(p) is not None]
    if fixed:
        missing = [p for p in _SOFTMAX_FIXED_PROPS if p not in present]
        if missing:
            raise VerifyException(f"'{op.name}': fixed-point {kind} needs {', '.join(missing)}")
        sizes = ("exp_table_size", "exp_table_scale", "recip_table_size", "recip_table_scale")
        if any(op.properties[a].value.data < 1 for a in sizes):  # type: ignore[attr-defined]
            raise VerifyException(f"'{op.name}': table sizes and scales must be positive")
        if op.properties["newton_steps"].value.data < 0:  # type: ignore[attr-defined]
            raise VerifyException(f"'{op.name}': newton_steps must be >= 0")
    elif present:
        raise VerifyException(f"'{op.name}': {', '.join(present)} only apply to fixed-point {kind}")


class SoftmaxTables(IRDLOperation):
    """Base of edge_softmax and softmax: the fixed-point geometry of exp and 1/sum they share."""

    exp_type = opt_prop_def(FixedType)
    accum_type = opt_prop_def(FixedType)
    recip_type = opt_prop_def(FixedType)
    exp_table_size = opt_prop_def(IntegerAttr[I64])
    exp_table_min = opt_prop_def(IntegerAttr[I64])
    exp_table_scale = opt_prop_def(IntegerAttr[I64])
    recip_table_size = opt_prop_def(IntegerAttr[I64])
    recip_table_scale = opt_prop_def(IntegerAttr[I64])
    newton_steps = opt_prop_def(IntegerAttr[I64])


@irdl_op_definition
class EdgeSoftmaxOp(SoftmaxTables):
    """
    Softmax of edge logits over the edges that share a node at `end` (PyG's
    utils.softmax(logits, edge_index[end]); one softmax per feature, i.e. per head):

        alpha[e] = exp(logits[e] - m[n]) / sum over e' at n of exp(logits[e'] - m[n]),

    m[n] the largest logit at n. With a `root` operand (one logit per node), every node
    also has its self loop as a root term: it takes part in m and in the sum, its weight
    is the second result, and edges from a node to itself get weight 0 (PyG's
    remove_self_loops + add_self_loops, without changing the edge list).

    Fixed point: exp is a table over [exp_table_min, exp_table_min + size / scale) in
    `exp_type`, indexed by the exact difference logits - m; the sum is exact in
    `accum_type`; 1/sum starts from a table (`recip_table_size` entries of
    1/max(center, 1) over [0, size / scale)) in `recip_type` and takes `newton_steps`
    steps r <- r * (2 - sum * r), each exact and then cast to `recip_type`; the weights are
    exp * r, cast to the result types.
    """

    name = "gnn.edge_softmax"

    end = prop_def(EdgeEndAttr)
    logits = operand_def(EdgesType)
    edge_index = operand_def(EdgeIndexType)
    root = opt_operand_def(NodesType)
    result = result_def(EdgesType)
    root_result = opt_result_def(NodesType)

    irdl_options = (ParsePropInAttrDict(),)
    traits = traits_def(Pure())

    def __init__(self, end: EdgeEnd, logits: SSAValue, edge_index: SSAValue, root: SSAValue | None = None):
        super().__init__(
            operands=[logits, edge_index, [root] if root is not None else []],
            result_types=[logits.type, [root.type] if root is not None else []],
            properties={"end": EdgeEndAttr(end)},
        )

    def verify_(self) -> None:
        src = features_of(self.logits, self.name, "logits")
        dst = features_of(self.result, self.name, "result")
        _expect_features(dst, src.num_features, self.name, "result")
        types = [src.element_type, dst.element_type]
        if (self.root is None) != (self.root_result is None):
            raise VerifyException(f"'{self.name}': a root operand and a root result go together")
        if self.root is not None and self.root_result is not None:
            r = features_of(self.root, self.name, "root")
            rr = features_of(self.root_result, self.name, "root result")
            _expect_features(r, src.num_features, self.name, "root")
            _expect_features(rr, src.num_features, self.name, "root result")
            if r.element_type != src.element_type:
                raise VerifyException(f"'{self.name}': root and logits must have one element type")
            types += [rr.element_type]
        _expect_fixed_or_float_only(types, self.name)
        _verify_softmax_fixed(self, isinstance(dst.element_type, FixedType))

    def print(self, printer: Printer) -> None:
        printer.print_string(f" {self.end.data.value} ")
        printer.print_ssa_value(self.logits)
        printer.print_string(", ")
        printer.print_ssa_value(self.edge_index)
        if self.root is not None:
            printer.print_string(" root ")
            printer.print_ssa_value(self.root)
        attrs = {k: v for k, v in self.properties.items() if k != "end"} | dict(self.attributes)
        if attrs:
            printer.print_string(" ")
            printer.print_attr_dict(attrs)
        printer.print_string(" : ")
        printer.print_attribute(self.logits.type)
        if self.root is not None:
            printer.print_string(", ")
            printer.print_attribute(self.root.type)
        printer.print_string(" -> ")
        printer.print_attribute(self.result.type)
        if self.root_result is not None:
            printer.print_string(", ")
            printer.print_attribute(self.root_result.type)

    @classmethod
    def parse(cls, parser: Parser) -> EdgeSoftmaxOp:
        start = parser.pos
        word = parser.parse_identifier(" (src or dst)")
        if word not in ("src", "dst"):
            parser.raise_error(f"expected src or dst, got '{word}'", start, parser.pos)
        logits = parser.parse_unresolved_operand()
        parser.parse_punctuation(",")
        edge_index = parser.parse_unresolved_operand()
        root = None
        if parser.parse_optional_keyword("root") is not None:
            root = parser.parse_unresolved_operand()
        attrs = parser.parse_optional_attr_dict()
        parser.parse_punctuation(":")
        logits_t = parser.parse_type()
        root_t = None
        if root is not None:
            parser.parse_punctuation(",")
            root_t = parser.parse_type()
        parser.parse_punctuation("->")
        result_t = parser.parse_type()
        root_result_t = None
        if parser.parse_optional_punctuation(",") is not None:
            root_result_t = parser.parse_type()
        operands = [parser.resolve_operand(logits, logits_t), parser.resolve_operand(edge_index, EdgeIndexType())]
        root_operands = []
        if root is not None and root_t is not None:
            root_operands.append(parser.resolve_operand(root, root_t))
        props = {k: v for k, v in attrs.items() if k in cls.get_irdl_definition().properties}
        props["end"] = EdgeEndAttr(EdgeEnd(word))
        return cls.create(
            operands=[*operands, *root_operands],
            result_types=[result_t, *([root_result_t] if root_result_t is not None else [])],
            properties=props,
            attributes={k: v for k, v in attrs.items() if k not in props},
        )

# --------------------------------------------------------------------------- #
# Readout: node (or edge) rows to one row per graph
# --------------------------------------------------------------------------- #


@irdl_op_definition
class ReadoutOp(IRDLOperation):
    """
    out[g, :] = reduce over the rows r of graph g of input[r, :] (PyG's global_add_pool,
    global_mean_pool, global_max_pool; x.sum(0), x.mean(0), x.amax(0)).

    With a `batch` operand (node rows only) row r belongs to graph batch[r] and there are
    as many graphs as the batch holds; without one every real row belongs to graph 0 and
    there is one graph. PyG semantics: mean divides by max(count, 1), max of no row is 0.
    Fixed point: `accum_type` (sum, mean: the exact sum), `recip_type` (mean: a table of
    1/count); max selects, so input and result element types are equal.
    """

    name = "gnn.readout"

    reduce = prop_def(ReduceAttr)
    input = operand_def(NodesType | EdgesType)
    batch = opt_operand_def(BatchType)
    result = result_def(GraphsType)
    accum_type = opt_prop_def(FixedType)
    recip_type = opt_prop_def(FixedType)

    irdl_options = (ParsePropInAttrDict(),)
    traits = traits_def(Pure())
    assembly_format = (
        "$reduce $input (`batch` $batch^)? attr-dict `:` type($input) `->` type($result)"
    )

    def __init__(self, reduce: Reduce, input: SSAValue, batch: SSAValue | None = None):
        t = input.type
        assert isinstance(t, FeaturesType)
        super().__init__(
            operands=[input, [batch] if batch is not None else []],
            result_types=[GraphsType(t.num_features, t.element_type)],
            properties={"reduce": ReduceAttr(reduce)},
        )

    def verify_(self) -> None:
        src = features_of(self.input, self.name, "input")
        dst = features_of(self.result, self.name, "result")
        _expect_features(dst, src.num_features, self.name, "result")
        _expect_fixed_or_float_only([src.element_type, dst.element_type], self.name)
        reduce = self.reduce.data
        if reduce == Reduce.MIN:
            raise VerifyException(f"'{self.name}': reduce must be sum, mean or max, not min")
        if self.batch is not None and src.kind != "nodes":
            raise VerifyException(
                f"'{self.name}': a batch maps nodes to graphs; a readout of !gnn.{src.kind} "
                "takes no batch"
            )
        if self.recip_type is not None and reduce != Reduce.MEAN:
            raise VerifyException(f"'{self.name}': recip_type only applies to mean, not {reduce.value}")
        if self.accum_type is not None and reduce == Reduce.MAX:
            raise VerifyException(f"'{self.name}': accum_type only applies to sum and mean, not max")
        if isinstance(dst.element_type, FixedType):
            if reduce != Reduce.MAX and self.accum_type is None:
                raise VerifyException(f"'{self.name}': fixed-point {reduce.value} needs accum_type")
            if reduce == Reduce.MEAN and self.recip_type is None:
                raise VerifyException(f"'{self.name}': fixed-point mean needs recip_type")
            if reduce == Reduce.MAX and src.element_type != dst.element_type:
                raise VerifyException(
                    f"'{self.name}': max selects values, so input and result element types must be equal"
                )


@irdl_op_definition
class SoftmaxOp(SoftmaxTables):
    """
    Softmax over the features of each row (torch.softmax(x, dim=-1); a classifier's class
    probabilities, typically on graph rows):

        out[r, f] = exp(x[r, f] - m[r]) / sum over f' of exp(x[r, f'] - m[r]),  m[r] = max_f x[r, f].

    Fixed point: as gnn.edge_softmax, with the features of a row as the group: exp table in
    `exp_type`, exact sum in `accum_type`, 1/sum from a table in `recip_type` refined by
    `newton_steps` Newton steps, weights exp * r cast to the result type.
    """

    name = "gnn.softmax"

    input = operand_def(FeaturesType)
    result = result_def(FeaturesType)

    irdl_options = (ParsePropInAttrDict(),)
    traits = traits_def(Pure())
    assembly_format = "$input attr-dict `:` type($input) `->` type($result)"

    def __init__(self, input: SSAValue):
        super().__init__(operands=[input], result_types=[input.type])

    def verify_(self) -> None:
        src = features_of(self.input, self.name, "input")
        dst = features_of(self.result, self.name, "result")
        if src.kind != dst.kind:
            raise VerifyException(f"'{self.name}': result must be !gnn.{src.kind} like the input")
        _expect_features(dst, src.num_features, self.name, "result")
        _expect_fixed_or_float_only([src.element_type, dst.element_type], self.name)
        _verify_softmax_fixed(self, isinstance(dst.element_type, FixedType))


# --------------------------------------------------------------------------- #
# Feature selection: slices, splits, zero padding (the model zoo, issue 13)
# --------------------------------------------------------------------------- #


@irdl_op_definition
class TakeOp(IRDLOperation):
    """
    out[r, k] = input[r, indices[k]], or 0 where indices[k] = -1: every rearrangement of a
    row's features by constants (x[:, a:b:s], torch.split / chunk / narrow, x[:, [i, j]],
    F.pad with zeros). A copy: the element type is kept.
    """

    name = "gnn.take"

    input = operand_def(FeaturesType)
    result = result_def(FeaturesType)
    indices = prop_def(DenseArrayBase)

    irdl_options = (ParsePropInAttrDict(),)
    traits = traits_def(Pure())
    assembly_format = "$input attr-dict `:` type($input) `->` type($result)"

    def __init__(self, input: SSAValue, indices: Sequence[int]):
        t = input.type
        assert isinstance(t, FeaturesType)
        super().__init__(
            operands=[input],
            result_types=[t.with_features(len(indices))],
            properties={"indices": DenseArrayBase.from_list(i64, list(indices))},
        )

    @property
    def index_list(self) -> list[int]:
        return [int(v) for v in self.indices.get_values()]

    def verify_(self) -> None:
        src = features_of(self.input, self.name, "input")
        dst = features_of(self.result, self.name, "result")
        if src.kind != dst.kind:
            raise VerifyException(f"'{self.name}': result must be !gnn.{src.kind} like the input")
        indices = self.index_list
        _expect_features(dst, len(indices), self.name, "result")
        bad = [k for k in indices if not -1 <= k < src.num_features]
        if bad:
            raise VerifyException(
                f"'{self.name}': indices {bad} outside [0, {src.num_features}) (or -1 for a zero)"
            )
        _expect_copy(src, dst, self.name, "take")


# --------------------------------------------------------------------------- #
# Normalisation over a row's features (the model zoo, issue 13)
# --------------------------------------------------------------------------- #


@irdl_op_definition
class LayerNormOp(IRDLOperation):
    """
    torch.nn.LayerNorm over the F features of each row (biased variance):

        y = (x - mean) / sqrt(var + eps) * weight + bias.

    Fixed point (exact except one rsqrt and one cast): with s = sum of x, d = F x - s,
    q = sum of d^2 + F^3 eps (eps in q's type), y = d * rsqrt(q) * (sqrt(F) weight) + bias,
    the same value. s, d and q are exact; rsqrt(q) = table[m] * 2^j where m = q * 4^j is in
    [1, 4) (exact steps m * 4 or m / 4, counted in j), the table has `table_size` entries of
    rsqrt at the centres of [1, 4) in `rsqrt_type`; sqrt(F) weight is in `weight_type`,
    bias in `bias_type`; the product and the sum are exact, then cast to the result type.
    """

    name = "gnn.layer_norm"

    input = operand_def(FeaturesType)
    result = result_def(FeaturesType)
    weight = opt_prop_def(DenseIntOrFPElementsAttr)
    bias = opt_prop_def(DenseIntOrFPElementsAttr)
    eps = prop_def(FloatAttr[Float64Type])
    weight_type = opt_prop_def(FixedType)
    bias_type = opt_prop_def(FixedType)
    rsqrt_type = opt_prop_def(FixedType)
    table_size = opt_prop_def(IntegerAttr[I64])

    irdl_options = (ParsePropInAttrDict(),)
    traits = traits_def(Pure())
    assembly_format = "$input attr-dict `:` type($input) `->` type($result)"

    def __init__(self, input: SSAValue, weight: DenseIntOrFPElementsAttr | None,
                 bias: DenseIntOrFPElementsAttr | None, eps: float):
        props = {"eps": FloatAttr(float(eps), Float64Type())} | _present_props(weight=weight, bias=bias)
        super().__init__(operands=[input], result_types=[input.type], properties=props)

    def verify_(self) -> None:
        src = features_of(self.input, self.name, "input")
        dst = features_of(self.result, self.name, "result")
        _expect_rowwise(src, dst, self.name)
        _vector(self.weight, src.num_features, self.name, "weight")
        _vector(self.bias, src.num_features, self.name, "bias")
        if self.eps.value.data < 0:
            raise VerifyException(f"'{self.name}': eps must be non-negative")
        _expect_fixed_or_float_only([src.element_type, dst.element_type], self.name)
        fixed_props = {"weight_type": self.weight_type, "rsqrt_type": self.rsqrt_type,
                       "table_size": self.table_size}
        if self.bias is not None:
            fixed_props["bias_type"] = self.bias_type
        if isinstance(dst.element_type, FixedType):
            missing = [k for k, v in fixed_props.items() if v is None]
            if missing:
                raise VerifyException(f"'{self.name}': fixed-point layer_norm needs {', '.join(missing)}")
            size = self.table_size.value.data  # type: ignore[union-attr]
            if size < 3 or size % 3:
                raise VerifyException(
                    f"'{self.name}': table_size must be a positive multiple of 3 (the table covers [1, 4) "
                    f"with an integer scale), got {size}"
                )
        else:
            present = [k for k in ("weight_type", "bias_type", "rsqrt_type", "table_size")
                       if self.properties.get(k) is not None]
            if present:
                raise VerifyException(f"'{self.name}': {', '.join(present)} only apply to fixed-point layer_norm")
        if self.bias is None and self.bias_type is not None:
            raise VerifyException(f"'{self.name}': bias_type without bias")


Gnn = Dialect(
    "gnn",
    [
        GatherOp,
        ScatterOp,
        DenseOp,
        ActivationOp,
        ConcatOp,
        AddOp,
        SubOp,
        MulOp,
        ScaleOp,
        BatchNormOp,
        DegreeNormOp,
        LoopMaskOp,
        CountFnOp,
        RepeatOp,
        EdgeSoftmaxOp,
        ReadoutOp,
        SoftmaxOp,
        LayerNormOp,
        TakeOp,
    ],
    [
        FixedType,
        NodesType,
        EdgesType,
        EdgeIndexType,
        GraphsType,
        BatchType,
        ReduceAttr,
        ActivationFnAttr,
        EdgeEndAttr,
    ],
)
