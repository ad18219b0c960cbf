"""The FPGA devices gnnc knows, with their resource totals, chosen by the config's `part`.

Counts are the whole device as the vendor's data sheet gives it (and as Vitis HLS / the
oneAPI reports print under "available"). BRAM is counted in 18 Kb halves of the 36 Kb
block RAM (what csynth.xml calls BRAM_18K). On Intel parts `lut` counts ALUTs (two per
ALM), `ff` registers (four per ALM on Hyperflex parts' ALM pairs, as the reports print),
and `bram_18k` M20K blocks, the devices' block RAM.
"""

from __future__ import annotations

from dataclasses import dataclass

from gnnc.errors import ConfigError

RESOURCES = ("dsp", "lut", "ff", "bram_18k", "uram")


@dataclass(frozen=True)
class Part:
    name: str  # the device, as a part string starts (xcvu9p-flga2104-2L-e is an xcvu9p)
    vendor: str  # "amd" (DSP48E2, LUT6, BRAM 18K/36K, URAM) or "intel" (variable-precision DSP, ALM, M20K)
    dsp: int
    lut: int
    ff: int
    bram_18k: int
    uram: int
    source: str

    def totals(self) -> dict[str, int]:
        return {r: getattr(self, r) for r in RESOURCES}


# AMD: DS890 "UltraScale Architecture and Product Data Sheet: Overview" (v4.x), the device
# tables for Virtex / Kintex UltraScale(+); DS891 "Zynq UltraScale+ MPSoC Data Sheet:
# Overview" for the ZU9EG; the Alveo cards are the devices they carry (DS962 U200/U250 on a
# VU13P-class die, DS978 U55C on the VU47P die), which is what Vitis reports as available.
# Block RAM below is 2x the 36 Kb block count of the data sheet.
# Intel: "Intel Agilex 7 FPGAs and SoCs F-Series Product Table" (AGF 014: 487,200 ALMs,
# 1,948,800 registers, 7,110 M20K, 4,510 DSP blocks; hls4ml's oneAPI baselines print the same
# as available) and "Intel Stratix 10 GX/SX Product Table" (GX 2800: 933,120 ALMs,
# 3,732,480 registers, 11,721 M20K, 5,760 DSP blocks).
PARTS: tuple[Part, ...] = (
    Part("xcvu9p", "amd", 6_840, 1_182_240, 2_364_480, 4_320, 960, "DS890, Virtex UltraScale+ VU9P"),
    Part("xcvu13p", "amd", 12_288, 1_728_000, 3_456_000, 5_376, 1_280, "DS890, Virtex UltraScale+ VU13P"),
    Part("xcu250", "amd", 12_288, 1_728_000, 3_456_000, 5_376, 1_280, "DS962, Alveo U250 (VU13P-class die)"),
    Part("xcu200", "amd", 6_840, 1_182_240, 2_364_480, 4_320, 960, "DS962, Alveo U200 (VU9P-class die)"),
    Part("xcvu47p", "amd", 9_024, 1_303_680, 2_607_360, 4_032, 960, "DS890, Virtex UltraScale+ HBM VU47P"),
    Part("xcu55c", "amd", 9_024, 1_303_680, 2_607_360, 4_032, 960, "DS978, Alveo U55C (VU47P die)"),
    Part("xcku115", "amd", 5_520, 663_360, 1_326_720, 4_320, 0, "DS890, Kintex UltraScale KU115"),
    Part("xczu9eg", "amd", 2_520, 274_080, 548_160, 1_824, 0, "DS891, Zynq UltraScale+ ZU9EG"),
    Part("agf014", "intel", 4_510, 974_400, 1_948_800, 7_110, 0, "Agilex 7 F-Series product table, AGF 014"),
    Part("1sg280", "intel", 5_760, 1_866_240, 3_732_480, 11_721, 0, "Stratix 10 GX/SX product table, GX 2800"),
)

# Part strings that name a device differently from its table prefix: Intel's ordering codes,
# and the family names icpx takes for -Xstarget (it then targets the family's reference
# board: an AGF 014 for Agilex 7, a GX 2800 for Stratix 10).
_ALIASES = {"agfb014": "agf014", "agfa014": "agf014", "agfc014": "agf014", "1sx280": "1sg280",
            "agilex7": "agf014", "stratix10": "1sg280"}


def part_names() -> list[str]:
    return [p.name for p in PARTS]


def lookup(part: str) -> Part:
    """The device a part string names (`xcvu9p-flga2104-2L-e`, `AGFB014R24A2E2V`, ...)."""
    key = part.strip().lower()
    for alias, name in _ALIASES.items():
        if key.startswith(alias):
            key = name + key[len(alias):]
    # the longest matching prefix wins (xcu55c is not an xcu5...)
    matches = sorted((p for p in PARTS if key.startswith(p.name)), key=lambda p: -len(p.name))
    if not matches:
        raise ConfigError(
            f"part: unknown device {part!r}; known devices (a part string starts with one): "
            f"{', '.join(part_names())} (Intel also AGFB014..., 1SG280...)"
        )
    return matches[0]
