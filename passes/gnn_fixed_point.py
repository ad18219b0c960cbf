"""gnn-fixed-point: give every value, weight, bias and accumulator a !gnn.fixed type."""

from __future__ import annotations

from dataclasses import dataclass

from xdsl.context import Context
from xdsl.dialects import builtin, func
from xdsl.ir import Operation, SSAValue
from xdsl.passes import ModulePass
from xdsl.rewriter import Rewriter

from gnnc.dialects.gnn import (
    ActivationFn,
    ActivationOp,
    BatchNormOp,
    DegreeNormOp,
    DenseOp,
    EdgeSoftmaxOp,
    FeaturesType,
    FixedType,
    GatherOp,
    LoopMaskOp,
    QuantMode,
    Reduce,
    RepeatOp,
    ScaleOp,
    ScatterOp,
)
from gnnc.errors import GnncError
from gnnc.fixed import element_fixed, exact_product_type, exact_sum_type, parse_fixed

# Lookup-table geometry per function: (table_min, table_scale) for 1024 entries,
# covering the input range where the function is not yet flat to 16-bit precision.
TABLE_SIZE = 1024
# elu's table covers its negative half only, [-8, 0).
TABLE_GEOMETRY = {
    ActivationFn.SIGMOID: (-8, 64),
    ActivationFn.TANH: (-4, 128),
    ActivationFn.ELU: (-8, 128),
}
# edge_softmax's exp table over the differences logit - max <= 0: [-8, 0).
SOFTMAX_EXP_GEOMETRY = (-8, 128)
# Fractional bits that tables of values in [0, 1] (1/deg, deg^-1/2) get beyond the default type.
GUARD_BITS = 3


@dataclass(frozen=True)
class GnnFixedPointPass(ModulePass):
    """
    Convert a float gnn module to fixed point.

    `default` is the type of every value, weight and bias. Accumulators get the exact
    width: dense sums W_x + W_w + ceil(log2(n_in + 1)) bits, scatter sums add
    ceil(log2(max_edges)) bits (no node can receive more than max_edges messages).
    Sigmoid, tanh and elu become lookup tables; mean divides through a table of 1/deg.
    Values with a known range get their own type: gnn.degree_norm (in [0, 1]) an unsigned
    type with one integer bit and GUARD_BITS more fractional bits, gnn.loop_mask (0 or 1)
    one unsigned bit. Constants of gnn.scale and leaky_relu's slope get the default type.
    """

    name = "gnn-fixed-point"

    default: str = "fixed<16,6>"
    max_edges: int = 1024

    def apply(self, ctx: Context, op: builtin.ModuleOp) -> None:
        t = parse_fixed(self.default, f"{self.name}{{default}}")
        for fn in op.walk():
            if isinstance(fn, func.FuncOp) and not fn.is_declaration:
                self._convert_function(fn, t)

    def _convert_function(self, fn: func.FuncOp, t: FixedType) -> None:
        for arg in fn.args:
            _retype(arg, t)
        for op in fn.body.walk():
            for res in op.results:
                _retype(res, t)
            self._annotate(op, t)
        fn.update_function_type()

    def _annotate(self, op: Operation, t: FixedType) -> None:
        if isinstance(op, DenseOp):
            op.weight_type = t
            terms = [exact_product_type(_elem(op.input), t)] * op.in_features
            if op.bias is not None:
                op.bias_type = t
                terms.append(t)
            op.accum_type = exact_sum_type(terms)
        elif isinstance(op, ScatterOp) and op.reduce.data in (Reduce.SUM, Reduce.MEAN):
            op.accum_type = exact_sum_type([_elem(op.input)], count=self.max_edges)
            if op.reduce.data == Reduce.MEAN:
                # 1/deg in [0, 1]: one integer bit, two fractional guard bits beyond the value type
                op.recip_type = FixedType(t.f + 3, 1, False, QuantMode.RND)
        elif isinstance(op, ActivationOp) and op.fn.data in TABLE_GEOMETRY:
            lo, scale = TABLE_GEOMETRY[op.fn.data]
            op.table_size = builtin.IntegerAttr(TABLE_SIZE, 64)
            op.table_min = builtin.IntegerAttr(lo, 64)
            op.table_scale = builtin.IntegerAttr(scale, 64)
        elif isinstance(op, ActivationOp) and op.fn.data == ActivationFn.LEAKY_RELU:
            op.alpha_type = t
        elif isinstance(op, ScaleOp):
            if op.scale is not None:
                op.scale_type = t
            if op.shift is not None:
                op.shift_type = t
        elif isinstance(op, EdgeSoftmaxOp):
            self._annotate_softmax(op, t)
        elif isinstance(op, GatherOp | RepeatOp) or (
            isinstance(op, ScatterOp) and op.reduce.data in (Reduce.MAX, Reduce.MIN)
        ):
            # Copies and selections keep their input's type, which need not be the default
            # (gnn.degree_norm values are gathered onto edges).
            _set_type(op.result, _elem(op.input))
        elif isinstance(op, DegreeNormOp):
            _set_type(op.result, FixedType(t.f + GUARD_BITS + 1, 1, False, QuantMode.RND))
        elif isinstance(op, LoopMaskOp):
            _set_type(op.result, FixedType(1, 1, False))
        elif isinstance(op, BatchNormOp):
            raise GnncError(
                f"{self.name}: gnn.batch_norm has no fixed-point form; run gnn-fold-batchnorm first"
            )


    def _annotate_softmax(self, op: EdgeSoftmaxOp, t: FixedType) -> None:
        """
        Weights, exp values and 1/sum lie in [0, 1] (about): unsigned, one integer bit,
        GUARD_BITS more fractional bits than the default. The sum of at most max_edges + 1
        exp values is exact. The 1/sum table covers [0, 2^k) >= max_edges + 2 in at least
        TABLE_SIZE entries; Newton steps bring its first guess to full precision.
        """
        unit = FixedType(t.f + GUARD_BITS + 1, 1, False, QuantMode.RND)
        terms = self.max_edges + 1
        int_bits = terms.bit_length()
        op.exp_type = unit
        op.accum_type = FixedType(int_bits + unit.f, int_bits, False)
        op.recip_type = unit
        lo, scale = SOFTMAX_EXP_GEOMETRY
        op.exp_table_size = builtin.IntegerAttr(TABLE_SIZE, 64)
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
