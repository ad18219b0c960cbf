"""`gnnc-opt -t vitis`: print the firmware files of an hls module to one stream."""

from __future__ import annotations

from dataclasses import dataclass
from typing import IO

from xdsl.context import Context
from xdsl.dialects.builtin import ModuleOp
from xdsl.utils.target import Target

from gnnc.backends.emitter import write_files
from gnnc.backends.vitis.printer import print_vitis


@dataclass(frozen=True)
class VitisTarget(Target):
    """Each file is preceded by a `// ---- <name> ----` line."""

    name = "vitis"

    def emit(self, ctx: Context, module: ModuleOp, output: IO[str]) -> None:
        write_files(print_vitis(module).files, output)
