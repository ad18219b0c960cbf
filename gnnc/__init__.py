"""gnnc: PyTorch Geometric GNNs to bit-exact HLS C++ for FPGAs, built on xDSL.

    import gnnc
    design = gnnc.compile(model, example, {"precision": {"default": "fixed<16,8>"}})
    design.emulate(data)              # bit-exact fixed point
    design.csim(data)                 # the generated C++, compiled with g++
    design.write("out/", backend="vitis")
    gnnc.load("out/")                 # the written project as a Design again, without the model
    gnnc.calibrate(model, graphs, width=16)   # automatic per-op precision from a calibration set
    gnnc.fit(model, example, {"fit": {"utilization": 0.8}})  # io, strategy, reuse, parallelism chosen to fit
    design.estimate()                 # dsp, lut, ff, bram_18k, uram, latency per op; the part's use
    gnnc.read_report("out/")          # the estimate beside Vitis / oneAPI synthesis reports
    gnnc.sweep(model, graphs, {"grid": {"reuse_factor": [1, 2]}}, out_dir="sweep/")  # on Dask
"""

from gnnc.calibration import Calibration, calibrate
from gnnc.config import Config, load_config
from gnnc.design import Design, compile  # noqa: A004
from gnnc.errors import ConfigError, CSimError, GnncError, UnsupportedModelError
from gnnc.estimate import ResourceWarning  # noqa: A004
from gnnc.fit_search import FitError, FitResult, fit
from gnnc.report import Report, read_report
from gnnc.saved_design import load
from gnnc.sweep_run import SweepResult, sweep

__version__ = "0.1.0"

__all__ = [
    "CSimError",
    "Calibration",
    "Config",
    "ConfigError",
    "Design",
    "FitError",
    "FitResult",
    "GnncError",
    "Report",
    "ResourceWarning",
    "SweepResult",
    "UnsupportedModelError",
    "__version__",
    "calibrate",
    "compile",
    "fit",
    "load",
    "load_config",
    "read_report",
    "sweep",
]
