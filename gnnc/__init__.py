"""gnnc: PyTorch Geometric GNNs to bit-exact HLS C++ for FPGAs, built on xDSL.

    import gnnc
    design = gnnc.compile(model, example, {"precision": {"default": "fixed<16,8>"}})
    design.emulate(data)              # bit-exact fixed point
    design.csim(data)                 # the generated C++, compiled with g++
    design.write("out/", backend="vitis")
    gnnc.calibrate(model, graphs, width=16)   # automatic per-op precision from a calibration set
"""

from gnnc.calibration import Calibration, calibrate
from gnnc.config import Config, load_config
from gnnc.design import Design, compile  # noqa: A004
from gnnc.errors import ConfigError, CSimError, GnncError, UnsupportedModelError

__version__ = "0.1.0"

__all__ = [
    "CSimError",
    "Calibration",
    "Config",
    "ConfigError",
    "Design",
    "GnncError",
    "UnsupportedModelError",
    "__version__",
    "calibrate",
    "compile",
    "load_config",
]
