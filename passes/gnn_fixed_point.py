"""gnn-fixed-point: give every value, weight, bias and accumulator a !gnn.fixed type."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from xdsl.context import Context
from xdsl.dialects import builtin, func
from xdsl.ir import Operation, SSAValue
from xdsl.passes import ModulePass
from xdsl.rewriter import Rewriter

from gnnc.dialects.gnn import (
    AddOp,
    SubOp,
    ActivationFn,
    ActivationOp,
    BatchNormOp,
    CountFnOp,
    DegreeNormOp,
    DenseOp,
    EdgeSoftmaxOp,
    FeaturesType,
    FixedType,
    GatherOp,
    LayerNormOp,
    LoopMaskOp,
    OverflowMode,
    QuantMode,
    Reduce,
    ReadoutOp,
    RepeatOp,
    SoftmaxOp,
    ScaleOp,
    ScatterOp,
    TakeOp,
)
from gnnc.emulator import argument_names
from gnnc.errors import ConfigError, GnncError
from gnnc.fixed import MAX_INT64_WIDTH, element_fixed, exact_product_type, exact_sum_type, format_fixed, parse_fixed
from gnnc.passes._constants import check_constant
from gnnc.passes._util import check_capacity, dense_values
from gnnc.precision import Resolved, Resolver, spec_from_json

# Lookup-table geometry per function: (table_min, table_scale, table_size), covering the
# input range outside which the function is flat or x to 16-bit precision (its tails,
# gnn.TABLE_TAILS): |f - tail| < 2^-10 there.
TABLE_SIZE = 1024
TABLE_GEOMETRY = {
    ActivationFn.SIGMOID: (-8, 64, TABLE_SIZE),  # [-8, 8)
    ActivationFn.TANH: (-4, 128, TABLE_SIZE),  # [-4, 4)
    ActivationFn.ELU: (-8, 128, TABLE_SIZE),  # [-8, 0): its negative half, x above
    ActivationFn.SILU: (-12, 64, 1536),  # [-12, 12): silu(8) - 8 is still -2.7e-3
    ActivationFn.GELU: (-4, 128, TABLE_SIZE),  # [-4, 4)
    ActivationFn.GELU_TANH: (-4, 128, TABLE_SIZE),
    ActivationFn.SOFTPLUS: (-8, 64, TABLE_SIZE),  # [-8, 8) (beta = 1)
    ActivationFn.MISH: (-12, 64, 1280),  # [-12, 8)
    ActivationFn.LOG_SIGMOID: (-8, 64, TABLE_SIZE),  # x below -8, 0 above 8
}
# edge_softmax's exp table over the differences logit - max <= 0: [-8, 0).
SOFTMAX_EXP_GEOMETRY = (-8, 128)
# gnn.layer_norm's rsqrt table over [1, 4): 3072 entries (scale 1024, relative error below
# 2.5e-4), each with LN_GUARD_BITS more fractional bits than the op's result.
LN_TABLE_SIZE = 3072
LN_GUARD_BITS = 8
# Fractional bits that tables of values in [0, 1] (1/deg, deg^-1/2) get beyond the default type.
GUARD_BITS = 3


@dataclass(frozen=True)
class GnnFixedPointPass(ModulePass):
    """
    Convert a float gnn module to fixed point.

    `default` is the type of every value, weight and bias. Accumulators get the exact
    width: dense sums W_x + W_w + ceil(log2(n_in + 1)) bits, scatter sums add
    ceil(log2(max_edges)) bits (no node can receive more than max_edges messages), readout
    sums ceil(log2(max_nodes)) (or max_edges, for edge rows) bits.
    Sigmoid, tanh, elu, silu, gelu, softplus, mish and log_sigmoid become lookup tables; mean divides through a table of 1/deg
    (`recip`, default unsigned with one integer bit and GUARD_BITS - 1 more fractional bits).
    Values with a known range get their own type: gnn.degree_norm (in [0, 1]) an unsigned
    type with one integer bit and GUARD_BITS more fractional bits, gnn.loop_mask (0 or 1)
    one unsigned bit. Constants of gnn.scale, leaky_relu's slope and hardtanh's bounds get the default type.

    `precision` (JSON, optional) refines this per input, per op path and per op kind
    (gnnc.precision, docs/config.md): `result`, `weight`, `bias` types, an explicit
    `accum` (wrap overflow, enough fractional bits for every term), `table` geometry and
    the `recip` type of mean's 1/deg table.
    """

    name = "gnn-fixed-point"

    default: str = "fixed<16,6>"
    max_edges: int = 1024
    max_nodes: int = 1024
    precision: str = ""

    def apply(self, ctx: Context, op: builtin.ModuleOp) -> None:
        check_capacity(self.name, "max-edges", self.max_edges)  # accumulators' guard bits come from it
        t = parse_fixed(self.default, f"{self.name}{{default}}")
        resolver = Resolver(spec_from_json(self.precision, f"{self.name}{{precision}}"))
        for fn in op.walk():
            if isinstance(fn, func.FuncOp) and not fn.is_declaration:
                self._convert_function(fn, t, resolver)
        unused = resolver.unused_paths()
        if unused:
            raise ConfigError(
                f"{', '.join('precision.ops.' + p for p in unused)}: no op has this module path "
                "(or one below it); op paths are the gnn.path attributes of the IR"
            )

    def _convert_function(self, fn: func.FuncOp, t: FixedType, resolver: Resolver) -> None:
        names = argument_names(fn)
        unknown = sorted(set(resolver.spec.get("inputs", {})) - set(names))
        if unknown:
            raise ConfigError(
                f"{', '.join('precision.inputs.' + n for n in unknown)}: the model has no such input; "
                f"its inputs are {', '.join(names)}"
            )
        for index, (name, arg) in enumerate(zip(names, fn.args)):
            given = resolver.input_type(name)
            if given is not None and not isinstance(arg.type, FeaturesType):
                raise ConfigError(f"precision.inputs.{name}: this input is not a feature array")
            if given is None:  # a Brevitas QuantIdentity on the input
                given = _arg_quant(fn, index)
            _retype(arg, parse_fixed(given) if given is not None else t)
        for op in fn.body.walk():
            spec = resolver.resolve(_path(op), op_kinds(op))
            result = spec.get("result")
            brevitas = _op_quant(op, QUANT_RESULT) if result is None else None
            if brevitas not in (None, "exact", "inherit"):
                result = brevitas
            rt = parse_fixed(result) if result is not None else t
            if brevitas == "inherit":  # a concat of Brevitas-quantised values keeps their type
                rt = _covering([_elem(v) for v in op.operands if isinstance(v.type, FeaturesType)])
            for res in op.results:
                _retype(res, rt)
            weight = _op_quant(op, QUANT_WEIGHT)
            if weight is not None and spec.get("weight") is None:
                spec.fields["weight"], spec.keys["weight"] = weight, "the Brevitas weight quantizer"
            if weight is not None and isinstance(op, DenseOp) and op.bias is not None and spec.get("bias") is None:
                # Brevitas' quantised bias (power-of-two scale): a type holding its values exactly
                spec.fields["bias"] = format_fixed(_exact_type(np.array(op.bias.get_values(), dtype=np.float64)))
                spec.keys["bias"] = "the Brevitas bias quantizer"
            self._annotate(op, rt, spec, t)
            _check_constants(op, spec)
            if brevitas == "exact" and isinstance(op, DenseOp | ScatterOp) and op.accum_type is not None:
                # Brevitas adds in float32, exactly: the result is the exact accumulator.
                _set_type(op.results[0], op.accum_type)
            elif brevitas == "exact" and isinstance(op, AddOp | SubOp):
                # A difference the importer needs without overflow (max over loops: m - loop).
                _set_type(op.result, exact_sum_type([_elem(v) for v in op.operands]))
            elif brevitas == "exact" and not isinstance(op, DenseOp | ScatterOp):
                raise GnncError(
                    f"{self.name}: {op.name} has {QUANT_RESULT} = \"exact\", which only gnn.dense, "
                    "gnn.scatter, gnn.add and gnn.sub have (an exact accumulator or sum); use \"inherit\" "
                    "or a type"
                )
        fn.update_function_type()

    def _annotate(
        self, op: Operation, t: FixedType, spec: Resolved | None = None, base: FixedType | None = None
    ) -> None:
        """t: the op's result type; base: the default, which constants (weights, biases) get."""
        spec = spec or Resolved()
        base = base or t
        if isinstance(op, DenseOp):
            w_t = _field(spec, "weight", base)
            op.weight_type = w_t
            terms = [exact_product_type(_elem(op.input), w_t)] * op.in_features
            if op.bias is not None:
                b_t = _field(spec, "bias", base)
                op.bias_type = b_t
                terms.append(b_t)
            op.accum_type = _accum(spec, exact_sum_type(terms), terms)
        elif isinstance(op, ScatterOp) and op.reduce.data in (Reduce.SUM, Reduce.MEAN):
            op.accum_type = _accum(spec, exact_sum_type([_elem(op.input)], count=self.max_edges), [_elem(op.input)])
            if op.reduce.data == Reduce.MEAN:
                op.recip_type = _recip(spec, mean_recip_type(t))
        elif isinstance(op, ReadoutOp):
            self._annotate_readout(op, t, spec)
        elif isinstance(op, ActivationOp) and op.fn.data in TABLE_GEOMETRY:
            lo, scale, size = TABLE_GEOMETRY[op.fn.data]
            table = spec.get("table")
            if table is not None:
                size, lo, scale = table["size"], table["min"], table["size"] // (table["max"] - table["min"])
            op.table_size = builtin.IntegerAttr(size, 64)
            op.table_min = builtin.IntegerAttr(lo, 64)
            op.table_scale = builtin.IntegerAttr(scale, 64)
        elif isinstance(op, ActivationOp) and op.fn.data in (ActivationFn.LEAKY_RELU, ActivationFn.HARDTANH):
            op.alpha_type = _field(spec, "weight", base)
        elif isinstance(op, ScaleOp):
            if op.scale is not None:
                op.scale_type = _field(spec, "weight", base)
            if op.shift is not None:
                op.shift_type = _field(spec, "bias", base)
        elif isinstance(op, EdgeSoftmaxOp):
            self._annotate_softmax(op, t, spec.get("table"), self.max_edges + 1)
        elif isinstance(op, SoftmaxOp):  # a row's features are its terms
            self._annotate_softmax(op, t, spec.get("table"), op.input.type.num_features)  # type: ignore[attr-defined]
        elif isinstance(op, LayerNormOp):
            # sqrt(F) * weight and the bias are constants (the default type); rsqrt's table
            # entries in (0.5, 1] get LN_GUARD_BITS more fractional bits than the result.
            op.weight_type = _field(spec, "weight", base)
            if op.bias is not None:
                op.bias_type = _field(spec, "bias", base)
            op.rsqrt_type = FixedType(t.f + LN_GUARD_BITS + 1, 1, False, QuantMode.RND)
            op.table_size = builtin.IntegerAttr(LN_TABLE_SIZE, 64)
        elif isinstance(op, GatherOp | RepeatOp | TakeOp) or (
            isinstance(op, ScatterOp) and op.reduce.data in (Reduce.MAX, Reduce.MIN)
        ):
            # Copies and selections keep their input's type, which need not be the default
            # (gnn.degree_norm values are gathered onto edges).
            _set_type(op.result, _elem(op.input))
        elif isinstance(op, DegreeNormOp):
            _set_type(op.result, FixedType(t.f + GUARD_BITS + 1, 1, False, QuantMode.RND))
        elif isinstance(op, CountFnOp):  # a count is at most max_edges, plus one added loop
            op.table_size = builtin.IntegerAttr(self.max_edges + 2, 64)
        elif isinstance(op, LoopMaskOp):
            _set_type(op.result, FixedType(1, 1, False))
        elif isinstance(op, BatchNormOp):
            raise GnncError(
                f"{self.name}: gnn.batch_norm has no fixed-point form; run gnn-fold-batchnorm first"
            )


    def _annotate_readout(self, op: ReadoutOp, t: FixedType, spec: Resolved) -> None:
        """As a scatter, with at most max_nodes (edges: max_edges) rows in one graph."""
        if op.reduce.data == Reduce.MAX:  # a selection keeps the input's type
            _set_type(op.result, _elem(op.input))
            return
        rows = self.max_nodes if op.input.type.kind == "nodes" else self.max_edges  # type: ignore[attr-defined]
        op.accum_type = _accum(spec, exact_sum_type([_elem(op.input)], count=rows), [_elem(op.input)])
        if op.reduce.data == Reduce.MEAN:
            op.recip_type = _recip(spec, mean_recip_type(t))

    def _annotate_softmax(self, op: EdgeSoftmaxOp | SoftmaxOp, t: FixedType, table: dict | None,
                          terms: int) -> None:
        """
        Weights, exp values and 1/sum lie in [0, 1] (about): unsigned, one integer bit,
        GUARD_BITS more fractional bits than the default. The sum of at most `terms` exp
        values (edge_softmax: max_edges + 1; softmax: the row's features) is exact. The 1/sum
        table covers [0, 2^k) >= terms + 1 in at least TABLE_SIZE entries; Newton steps
        bring its first guess to full precision.
        """
        unit = FixedType(t.f + GUARD_BITS + 1, 1, False, QuantMode.RND)
        int_bits = terms.bit_length()
        op.exp_type = unit
        op.accum_type = FixedType(int_bits + unit.f, int_bits, False)
        op.recip_type = unit
        lo, scale = SOFTMAX_EXP_GEOMETRY
        exp_size = TABLE_SIZE
        if table is not None:  # the exp table over logit - max <= 0
            exp_size, lo, scale = table["size"], table["min"], table["size"] // (table["max"] - table["min"])
        op.exp_table_size = builtin.IntegerAttr(exp_size, 64)
        op.exp_table_min = builtin.IntegerAttr(lo, 64)
        op.exp_table_scale = builtin.IntegerAttr(scale, 64)
        span = 1 << (terms + 1).bit_length()  # a power of two above the largest sum
        size = max(TABLE_SIZE, span)
        recip_scale = size // span
        op.recip_table_size = builtin.IntegerAttr(size, 64)
        op.recip_table_scale = builtin.IntegerAttr(recip_scale, 64)
        # The first guess is within a relative 1/scale; each step squares the error.
        good_bits, steps = max(1, recip_scale.bit_length() - 1), 0
        while good_bits < unit.f:
            good_bits, steps = 2 * good_bits, steps + 1
        op.newton_steps = builtin.IntegerAttr(steps, 64)
        for res in op.results:
            _set_type(res, unit)


#: Brevitas types the importer attaches to ops and arguments (gnnc/frontend/brevitas.py).
QUANT_RESULT = "gnn.quant.result"
QUANT_WEIGHT = "gnn.quant.weight"


def _op_quant(op: Operation, key: str) -> str | None:
    attr = op.attributes.get(key)
    return attr.data if isinstance(attr, builtin.StringAttr) else None


def _arg_quant(fn: func.FuncOp, index: int) -> str | None:
    if fn.arg_attrs is None:
        return None
    attr = fn.arg_attrs.data[index].data.get(QUANT_RESULT)
    return attr.data if isinstance(attr, builtin.StringAttr) else None


def mean_recip_type(t: FixedType) -> FixedType:
    """The 1/deg (scatter mean) and 1/count (readout mean) entries in [0, 1]: one integer bit,
    two fractional guard bits beyond the value type."""
    return FixedType(t.f + 3, 1, False, QuantMode.RND)


def _check_constants(op: Operation, spec: Resolved) -> None:
    """Every trained constant of `op` finite and inside its type (passes/_constants.py)."""
    path = _path(op)
    checks = []
    if isinstance(op, DenseOp):
        checks.append((op.weight, op.weight_type, "weight", "weight"))
        checks.append((op.bias, op.bias_type, "bias", "bias"))
    elif isinstance(op, ScaleOp):
        checks.append((op.scale, op.scale_type, "scale", "weight"))
        checks.append((op.shift, op.shift_type, "shift", "bias"))
    elif isinstance(op, LayerNormOp) and op.weight_type is not None:
        n = op.result.type.num_features  # type: ignore[attr-defined]
        weight = dense_values(op.weight) if op.weight is not None else np.ones(n)
        check_constant(np.sqrt(n) * weight, op.weight_type, "sqrt(F) * weight", "weight", op, path,
                       spec.keys.get("weight"))
        checks.append((op.bias, op.bias_type, "bias", "bias"))
    elif isinstance(op, ActivationOp) and op.alpha is not None and op.alpha_type is not None:
        check_constant(np.array([op.alpha_value]), op.alpha_type, "alpha", "weight", op, path, spec.keys.get("weight"))
    for attr, t, what, field_name in checks:
        if attr is not None and t is not None:
            check_constant(dense_values(attr), t, what, field_name, op, path, spec.keys.get(field_name))


def _covering(types: list[FixedType]) -> FixedType:
    """The narrowest type holding every value of `types` (one of them if all are equal)."""
    if all(t == types[0] for t in types):
        return types[0]
    signed = any(t.is_signed for t in types)
    i = max(t.i + (1 if signed and not t.is_signed else 0) for t in types)
    f = max(t.f for t in types)
    return FixedType(i + f, i, signed)


def _field(spec: Resolved, name: str, default: FixedType) -> FixedType:
    value = spec.get(name)
    return parse_fixed(value, spec.keys[name]) if value is not None else default


def _exact_type(values: np.ndarray) -> FixedType:
    """A signed type holding every one of `values` (dyadic rationals) exactly."""
    f = 0
    while not np.all(np.ldexp(values, f) == np.round(np.ldexp(values, f))):
        f += 1
    raw = np.ldexp(values, f).astype(np.int64)
    # two's complement: p >= 0 needs bit_length(p) + 1 bits, n < 0 bit_length(-n - 1) + 1
    w = 1 + max(int(r).bit_length() if r >= 0 else int(-r - 1).bit_length() for r in raw.ravel())
    if w > MAX_INT64_WIDTH:
        raise GnncError(f"gnn-fixed-point: a Brevitas bias needs {w} bits, more than {MAX_INT64_WIDTH}")
    return FixedType(w, w - f, True)


def _recip(spec: Resolved, default: FixedType) -> FixedType:
    """The 1/deg table's entry type; it must hold 1 (the entry of degree 1)."""
    t = _field(spec, "recip", default)
    if t.i < (2 if t.is_signed else 1):
        raise ConfigError(
            f"{spec.keys['recip']}: {format_fixed(t)} cannot hold 1/deg = 1 (degree 1); give it at least one "
            "integer bit, unsigned (e.g. ufixed<18,1,rnd>), or two signed"
        )
    return t


def _accum(spec: Resolved, exact: FixedType, terms: list[FixedType]) -> FixedType:
    """The exact accumulator unless the config gives one; a given one must keep C++ == emulator."""
    value = spec.get("accum")
    if value is None or value == "auto":
        return exact
    key = spec.keys["accum"]
    acc = parse_fixed(value, key)
    if acc.overflow_mode != OverflowMode.WRAP:
        raise ConfigError(
            f"{key}: accumulators must wrap ({format_fixed(acc)} has overflow mode "
            f"{acc.overflow_mode.value}); the C++ saturates at every +=, which depends on the order of "
            "the terms. Use a wrap accumulator (a wrapped sum is exact whenever the final sum fits) "
            "or saturate the result type instead"
        )
    need = max(term.f for term in terms)
    if acc.f < need:
        raise ConfigError(
            f"{key}: {format_fixed(acc)} has {acc.f} fractional bits, fewer than its terms' {need}; "
            "an accumulator may drop integer bits (it wraps) but not fractional bits"
        )
    return acc


def op_kinds(op: Operation) -> list[str]:
    """Kind names of an op, least specific first."""
    kinds = [op.name.removeprefix("gnn.")]
    if isinstance(op, ActivationOp):
        kinds.append(op.fn.data.value)
    return kinds


def _path(op: Operation) -> str | None:
    path = op.attributes.get("gnn.path")
    return path.data if isinstance(path, builtin.StringAttr) else None


def _elem(value: SSAValue) -> FixedType:
    return element_fixed(value, "gnn-fixed-point")


def _set_type(value: SSAValue, t: FixedType) -> None:
    vt = value.type
    assert isinstance(vt, FeaturesType)
    Rewriter.replace_value_with_new_type(value, vt.with_element(t))


def _retype(value: SSAValue, t: FixedType) -> None:
    vt = value.type
    if isinstance(vt, FeaturesType) and not isinstance(vt.element_type, FixedType):
        Rewriter.replace_value_with_new_type(value, vt.with_element(t))
