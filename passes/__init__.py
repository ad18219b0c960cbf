"""gnnc passes: one ModulePass per file, registered here by kebab-case name."""

from collections.abc import Callable
from typing import Any

from xdsl.passes import ModulePass


def get_all_passes() -> dict[str, Callable[[], type[ModulePass]]]:
    """Lazy factories, as in xdsl.transforms.get_all_passes."""

    def fold_batchnorm():
        from gnnc.passes.gnn_fold_batchnorm import GnnFoldBatchNormPass

        return GnnFoldBatchNormPass

    def canonicalize():
        from gnnc.passes.gnn_canonicalize import GnnCanonicalizePass

        return GnnCanonicalizePass

    def gnn_cse():
        from gnnc.passes.gnn_cse import GnnCsePass

        return GnnCsePass

    def fixed_point():
        from gnnc.passes.gnn_fixed_point import GnnFixedPointPass

        return GnnFixedPointPass

    def strategy():
        from gnnc.passes.gnn_strategy import GnnStrategyPass

        return GnnStrategyPass

    def split_edge_dense():
        from gnnc.passes.gnn_split_edge_dense import GnnSplitEdgeDensePass

        return GnnSplitEdgeDensePass

    def convert_to_hls():
        from gnnc.passes.convert_gnn_to_hls import ConvertGnnToHlsPass

        return ConvertGnnToHlsPass

    def parallelize():
        from gnnc.passes.hls_parallelize import HlsParallelizePass

        return HlsParallelizePass

    def reuse():
        from gnnc.passes.hls_reuse import HlsReusePass

        return HlsReusePass

    def partition():
        from gnnc.passes.hls_partition_arrays import HlsPartitionArraysPass

        return HlsPartitionArraysPass

    def dataflow():
        from gnnc.passes.hls_dataflow import HlsDataflowPass

        return HlsDataflowPass

    def outline():
        from gnnc.passes.hls_outline import HlsOutlinePass

        return HlsOutlinePass

    return {
        "gnn-fold-batchnorm": fold_batchnorm,
        "gnn-canonicalize": canonicalize,
        "gnn-cse": gnn_cse,
        "gnn-fixed-point": fixed_point,
        "gnn-strategy": strategy,
        "gnn-split-edge-dense": split_edge_dense,
        "convert-gnn-to-hls": convert_to_hls,
        "hls-parallelize": parallelize,
        "hls-reuse": reuse,
        "hls-dataflow": dataflow,
        "hls-partition-arrays": partition,
        "hls-outline": outline,
    }


#: The clean-ups `gnnc.compile` (through gnnc.frontend.import_model) runs on every imported
#: model: BatchNorm folded, constants folded into denses, duplicates merged, dead ops removed.
CANONICALIZE_PIPELINE = "gnn-fold-batchnorm,gnn-canonicalize,gnn-cse,dce"


def hls_pipeline(
    max_nodes: int, max_edges: int, top: str | None = None, split_edge_dense: bool = False, reuse: str = "",
    io: str = "parallel", sparse: bool = True, max_graphs: int = 1,
) -> str:
    """Fixed-point gnn -> hls with directives. `reuse`: options of hls-reuse ("" = fully parallel);
    `io`: "parallel" (one pipelined function) or "stream" (dataflow stages and streams);
    `sparse`: a dense with zero weights multiplies its nonzero weights only."""
    return (hls_structure_pipeline(max_nodes, max_edges, top, split_edge_dense, sparse, max_graphs) + ","
            + hls_directives_pipeline(reuse, io))


def hls_structure_pipeline(
    max_nodes: int, max_edges: int, top: str | None = None, split_edge_dense: bool = False,
    sparse: bool = True, max_graphs: int = 1,
) -> str:
    """The first half of hls_pipeline: the loop nests, fully unrolled (what no reuse factor,
    parallelism or io changes; gnnc.fit lowers it once and varies the second half)."""
    return (
        ("gnn-split-edge-dense," if split_edge_dense else "")  # a bit-identical rewrite
        + f"convert-gnn-to-hls{{max-nodes={max_nodes} max-edges={max_edges}"
        + (f" top={top}" if top else "")
        + (f" max-graphs={max_graphs}" if max_graphs != 1 else "")
        + ("" if sparse else " sparse=false")
        + "},hls-parallelize"
    )


def hls_directives_pipeline(reuse: str = "", io: str = "parallel") -> str:
    """The second half of hls_pipeline: reuse factors and parallelism, dataflow, partitions."""
    return (
        (f"hls-reuse{{{reuse}}}," if reuse else "")
        + ("hls-dataflow," if io == "stream" else "")
        + "hls-partition-arrays"
    )


def lower_to_hls_pipeline(
    precision: str = "fixed<16,6>", max_nodes: int = 28, max_edges: int = 56,
    precision_spec: str = "", max_graphs: int = 1, directives: Any = None,
) -> str:
    """The named pipeline behind `gnnc-opt --lower-to-hls`: gnn (float, canonical or not) -> hls.
    `directives` (gnnc.module_attributes.Directives; None = the defaults) are a config's strategy,
    reuse/parallelism, io, top, split_edge_dense and sparse_dense, as `gnnc.compile` applies them."""
    return (
        f"{CANONICALIZE_PIPELINE},"
        + fixed_pipeline(precision, max_nodes, max_edges, precision_spec, directives) + ","
        + directed_hls_pipeline(max_nodes, max_edges, max_graphs, directives)
    )


def fixed_pipeline(precision: str, max_nodes: int, max_edges: int, precision_spec: str = "",
                   directives: Any = None) -> str:
    """Canonical gnn -> fixed-point gnn, with each op's strategy (gnnc.compile's "fixed" stage)."""
    from gnnc.precision import fixed_point_pipeline

    strategy = directives.strategy if directives is not None else ""
    return (fixed_point_pipeline(precision, max_edges, precision_spec, max_nodes)
            + (f",gnn-strategy{{{strategy}}}" if strategy else ""))


def directed_hls_pipeline(max_nodes: int, max_edges: int, max_graphs: int = 1, directives: Any = None) -> str:
    """Fixed-point gnn -> hls with the directives' loop structure and pragmas (the "hls" stage)."""
    if directives is None:
        return hls_pipeline(max_nodes, max_edges, max_graphs=max_graphs) + "," + outline_pipeline()
    d = directives
    return (hls_pipeline(max_nodes, max_edges, d.top or None, d.split_edge_dense, d.reuse, d.io, d.sparse, max_graphs)
            + "," + outline_pipeline(d.inline_layers))


def outline_pipeline(inline: bool = True) -> str:
    """A function per gnn op, inlined (the flat design's QoR) or kept (a report row per layer)."""
    return "hls-outline" if inline else "hls-outline{inline=false}"


def apply(module, pipeline: str) -> None:
    """Run a textual pass pipeline (`a,b{opt=1}`) on `module` in place."""
    from xdsl.passes import PassPipeline

    from gnnc.ir import make_context

    passes = {**_xdsl_passes(), **get_all_passes()}
    PassPipeline.parse_spec(passes, pipeline).apply(make_context(), module)


def _xdsl_passes() -> dict[str, Callable[[], type[ModulePass]]]:
    from xdsl.transforms import get_all_passes as xdsl_passes

    return {k: v for k, v in xdsl_passes().items() if k in ("cse", "dce", "canonicalize")}
