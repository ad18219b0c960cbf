"""Backends: printers from the hls dialect to vendor HLS C++, and project writers."""

from collections.abc import Callable


def get_all_targets() -> dict[str, Callable[[], type]]:
    """Lazy factories of xdsl `Target` classes, for `gnnc-opt -t NAME`."""

    def vitis():
        from gnnc.backends.vitis.target import VitisTarget

        return VitisTarget

    def oneapi():
        from gnnc.backends.oneapi.target import OneApiTarget

        return OneApiTarget

    return {"vitis": vitis, "oneapi": oneapi}
