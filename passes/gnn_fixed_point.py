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
    DenseOp,
    FeaturesType,
    FixedType,
    QuantMode,
    Reduce,
    ScatterOp,
)
from gnnc.fixed import element_fixed, exact_product_type, exact_sum_type, parse_fixed

# Lookup-table geometry per function: (table_min, table_scale) for 1024 entries,
# covering the input range where the function is not yet flat to 16-bit precision.
TABLE_SIZE = 1024
TABLE_GEOMETRY = {ActivationFn.SIGMOID: (-8, 64), ActivationFn.TANH: (-4, 128)}


@dataclass(frozen=True)
class GnnFixedPointPass(ModulePass):
    """
    Convert a float gnn module to fixed point.

    `default` is the type of every value, weight and bias. Accumulators get the exact
    width: dense sums W_x + W_w + ceil(log2(n_in + 1)) bits, scatter sums add
    ceil(log2(max_edges)) bits (no node can receive more than max_edges messages).
    Sigmoid and tanh become lookup tables; mean divides through a table of 1/deg.
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


def _elem(value: SSAValue) -> FixedType:
    return element_fixed(value, "gnn-fixed-point")


def _retype(value: SSAValue, t: FixedType) -> None:
    vt = value.type
    if isinstance(vt, FeaturesType) and not isinstance(vt.element_type, FixedType):
        Rewriter.replace_value_with_new_type(value, vt.with_element(t))
