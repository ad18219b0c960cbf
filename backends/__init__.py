"""Backends: printers from the hls dialect to vendor HLS C++, and project writers."""

from collections.abc import Callable


def get_all_targets() -> dict[str, Callable[[], type]]:
    """Lazy factories of xdsl `Target` classes, for `gnnc-opt -t NAME`."""

    def vitis():
        from gnnc.backends.vitis.target import VitisTarget

        return VitisTarget

    return {"vitis": vitis}
