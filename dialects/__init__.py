"""xDSL dialects of gnnc: `gnn` (graph level) and `hls` (loop/array level)."""

from collections.abc import Callable

from xdsl.ir import Dialect


def get_all_dialects() -> dict[str, Callable[[], Dialect]]:
    """Lazy factories, as in xdsl.dialects.get_all_dialects."""

    def get_gnn() -> Dialect:
        from gnnc.dialects.gnn import Gnn

        return Gnn

    def get_hls() -> Dialect:
        from gnnc.dialects.hls import Hls

        return Hls

    return {"gnn": get_gnn, "hls": get_hls}
