"""hls-parallelize: the directives of a low-latency io_parallel design."""

from __future__ import annotations

from dataclasses import dataclass

from xdsl.context import Context
from xdsl.dialects import builtin, func
from xdsl.passes import ModulePass

from gnnc.dialects import hls
from gnnc.errors import GnncError


@dataclass(frozen=True)
class HlsParallelizePass(ModulePass):
    """
    Fully unroll every loop and pipeline the top function with initiation interval `ii`
    (one graph accepted every `ii` cycles); ports get the `interface` protocol.
    This is the io_parallel, reuse-factor-1 design of hls4ml; hls-reuse then sets reuse
    factors and partial unrolling (rows per cycle) per op.
    """

    name = "hls-parallelize"

    ii: int = 1
    interface: str = "ap_vld"

    def apply(self, ctx: Context, op: builtin.ModuleOp) -> None:
        if self.ii < 1:
            raise GnncError(f"{self.name}: ii must be >= 1, got {self.ii}")
        if self.interface not in ("ap_vld", "ap_none", "ap_hs", "ap_memory"):
            raise GnncError(
                f"{self.name}: interface {self.interface!r} is not one of ap_vld, ap_none, ap_hs, ap_memory"
            )
        for fn in op.walk():
            if isinstance(fn, func.FuncOp) and "hls.top" in fn.attributes:
                fn.attributes["hls.pipeline_ii"] = builtin.IntegerAttr(self.ii, 64)
                attrs = [dict(d.data) for d in fn.arg_attrs.data] if fn.arg_attrs else [{} for _ in fn.args]
                for a in attrs:
                    a["hls.interface"] = builtin.StringAttr(self.interface)
                fn.arg_attrs = builtin.ArrayAttr([builtin.DictionaryAttr(a) for a in attrs])
        for loop in op.walk():
            if isinstance(loop, hls.ForOp):
                loop.unroll = builtin.IntegerAttr(0, 64)
