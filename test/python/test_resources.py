"""The resource model's rules (docs/estimate.md), each checked where its threshold bites, and the parts table."""

import numpy as np
import pytest

import gnnc
from gnnc.dialects.gnn import FixedType
from gnnc.estimate import estimate, over_budget
from gnnc.ir import parse_module
from gnnc.parts import PARTS, lookup
from gnnc.resources import block_ram, csd_digits, decoder, dsp_per_multiplier, fifo, memory, mux


@pytest.mark.parametrize(
    ("wa", "wb", "amd", "intel"),
    [
        (10, 10, 0, 0),  # both <= 10 bits: fabric
        (11, 4, 1, 0.5),
        (18, 18, 1, 0.5),
        (19, 18, 1, 0.5),  # 19 x 18 still one DSP48E2 (27 x 18), half an Intel block (18 x 19)
        (19, 19, 2, 1),  # 19 x 19: two DSP48E2 (B is 18 bits), one Intel 27 x 27
        (27, 18, 1, 1),
        (27, 19, 2, 1),
        (28, 18, 2, 2),  # 28 bits: two 27-bit A slices / two 27 x 27
        (27, 27, 2, 1),
        (32, 20, 4, 2),
    ],
)
def test_dsp_packing_by_operand_widths(wa, wb, amd, intel):
    a, b = FixedType(wa, 4), FixedType(wb, 2)
    assert dsp_per_multiplier(a, b, "amd") == amd == dsp_per_multiplier(b, a, "amd")
    assert dsp_per_multiplier(a, b, "intel") == intel


@pytest.mark.parametrize(
    ("depth", "width", "vendor", "blocks"),
    [
        (1024, 18, "amd", 1),  # 1K x 18
        (1025, 18, "amd", 2),
        (512, 36, "amd", 1),
        (512, 37, "amd", 2),
        (2048, 9, "amd", 1),
        (2048, 10, "amd", 2),
        (16384, 1, "amd", 1),
        (1024, 20, "intel", 1),  # M20K 1K x 20
        (1024, 21, "intel", 2),
        (512, 40, "intel", 1),
    ],
)
def test_block_ram_shapes(depth, width, vendor, blocks):
    assert block_ram(depth, width, vendor) == blocks


def test_memory_lutram_below_64_rows_and_replicas_per_two_reads():
    assert memory(64, 16, 1, 1, "amd", rom=True).lut == 16  # LUTRAM: a LUT6 holds 64 x 1
    assert memory(64, 16, 1, 1, "amd", rom=False).lut == 32  # dual-port RAM64X1D: two per bit
    assert memory(65, 16, 1, 1, "amd", rom=True).bram_18k == 1
    assert memory(1024, 16, 1, 2, "amd", rom=True).bram_18k == 1  # two reads: both ports of one block
    assert memory(1024, 16, 1, 3, "amd", rom=True).bram_18k == 2
    assert memory(1024, 16, 4, 1, "amd", rom=True).bram_18k == 4  # per bank
    assert memory(32, 20, 1, 1, "intel", rom=True).lut == 20  # one MLAB, 10 ALMs
    assert memory(1024, 20, 1, 3, "intel", rom=True).bram_18k == 3  # an M20K copy per read


def test_fifo_srl_then_block_ram():
    assert fifo(1, 48, "amd").lut == 48 and fifo(1, 48, "amd").ff == 0  # SRL32, whatever the depth up to 32
    assert fifo(32, 48, "amd").lut == 48
    assert fifo(33, 48, "amd").bram_18k == block_ram(33, 48, "amd") == 2  # 512 x 36: two blocks for 48 bits


def test_mux_and_decoder():
    assert mux(1, 16).lut == 0
    assert mux(4, 16).lut == 16  # one LUT6 per bit
    assert mux(5, 16).lut == 32
    assert mux(28, 16).lut == 16 * 7
    assert decoder(28, 22).lut == 28 * (22 + 1)  # 5 index bits: one LUT per row decodes them
    assert decoder(128, 22).lut == 128 * (22 + 2)  # 7 index bits: two


def test_csd_digits():
    assert list(csd_digits(np.array([0, 1, -4, 3, 5, 7, 11, -6, 255]))) == [0, 1, 1, 2, 2, 2, 3, 2, 2]


# --------------------------------------------------------------------------- #
# IR-level: the rules summed over the copies of a loop body
# --------------------------------------------------------------------------- #

# One row of a dense layer, y[o] = sum_i x[i] * w[o][i] (hls4ml's shape: one input vector),
# products accumulated straight into the output's accumulator array.
DENSE = """
func.func @top(%x: memref<3x!gnn.fixed<{w}, 4>> {{hls.name = "x", hls.direction = "in", hls.role = "features", hls.rows = "nodes"}},
               %y: memref<2x!gnn.fixed<16, 6>> {{hls.name = "y", hls.direction = "out", hls.role = "features", hls.rows = "nodes"}})
    attributes {{hls.top, hls.pipeline_ii = 1 : i64}} {{
  %w = hls.rom "w" {{data = dense<[[0, 4, 3], [5, -6, 11]]> : tensor<2x3xi16>, partition = [#hls.partition<complete dim 0>]}} : memref<2x3x!gnn.fixed<{w}, 4>>
  %sum = hls.alloca {{partition = [#hls.partition<complete dim 0>]}} : memref<2x!gnn.fixed<34, 14>>
  hls.for %o = 0 to 2 {{
    hls.for %i = 0 to 3 {{
      %wv = hls.load %w[%o, %i] : memref<2x3x!gnn.fixed<{w}, 4>> -> !gnn.fixed<{w}, 4>
      %xv = hls.load %x[%i] : memref<3x!gnn.fixed<{w}, 4>> -> !gnn.fixed<{w}, 4>
      %p = hls.mul %wv, %xv : !gnn.fixed<{w}, 4>, !gnn.fixed<{w}, 4> -> !gnn.fixed<{p}, 8>
      %a = hls.load %sum[%o] : memref<2x!gnn.fixed<34, 14>> -> !gnn.fixed<34, 14>
      %s = hls.add %a, %p : !gnn.fixed<34, 14>, !gnn.fixed<{p}, 8> -> !gnn.fixed<34, 14>
      hls.store %s, %sum[%o] : !gnn.fixed<34, 14>, memref<2x!gnn.fixed<34, 14>>
    }} {{unroll = 0 : i64}}
    %t = hls.load %sum[%o] : memref<2x!gnn.fixed<34, 14>> -> !gnn.fixed<34, 14>
    %c = hls.cast %t : !gnn.fixed<34, 14> -> !gnn.fixed<16, 6>
    hls.store %c, %y[%o] : !gnn.fixed<16, 6>, memref<2x!gnn.fixed<16, 6>>
  }} {{label = "dense", op = "dense", unroll = 0 : i64}}
  func.return
}}
"""


def test_dense_on_dsps_adders_in_luts():
    e = estimate(parse_module(DENSE.format(w=16, p=32)))["ops"]["dense"]
    # weights 0 and 4 need no multiplier, 3, 5, -6, 11 one DSP48E2 each
    assert e["dsp"] == e["multipliers"] == 4
    # 6 adders of 34 bits: a LUT per bit, half a register per bit; the weights are constants
    # (a fully partitioned ROM read at unrolled indices), the truncating cast is wiring, the
    # accumulators wires of the pipelined top function
    assert e["lut"] == 6 * 34
    assert e["ff"] == 6 * 17
    assert e["bram_18k"] == e["uram"] == 0


def test_narrow_products_by_constants_are_shift_adds():
    e = estimate(parse_module(DENSE.format(w=8, p=16)))["ops"]["dense"]
    # 8 x 8 bits: fabric. By a constant: (CSD digits - 1) adders as wide as x (8 bits):
    # 3, 5, -6 have 2 digits, 11 has 3 -> mean 1.25 adders; one register of 16 bits each
    assert e["dsp"] == 0
    assert e["lut"] == 6 * 34 + 4 * 1.25 * 8
    assert e["ff"] == 6 * 17 + 4 * 16


TABLE = """
func.func @top(%x: memref<3x!gnn.fixed<16, 8>> {{hls.name = "x", hls.direction = "in", hls.role = "features", hls.rows = "nodes"}},
               %y: memref<3x!gnn.fixed<16, 8>> {{hls.name = "y", hls.direction = "out", hls.role = "features", hls.rows = "nodes"}})
    attributes {{hls.top, hls.pipeline_ii = 1 : i64}} {{
  %t = hls.rom "t" {{data = dense<1> : tensor<{depth}xi16>}} : memref<{depth}x!gnn.fixed<16, 8>>
  hls.for %r = 0 to 3 {{
    %v = hls.load %x[%r] : memref<3x!gnn.fixed<16, 8>> -> !gnn.fixed<16, 8>
    %i = hls.table_index %v {{table_size = {depth} : i64, table_min = -8 : i64, table_scale = 64 : i64}} : !gnn.fixed<16, 8>
    %o = hls.load %t[%i] : memref<{depth}x!gnn.fixed<16, 8>> -> !gnn.fixed<16, 8>
    hls.store %o, %y[%r] : !gnn.fixed<16, 8>, memref<3x!gnn.fixed<16, 8>>
  }} {{label = "sigmoid", op = "sigmoid", unroll = {unroll} : i64}}
  func.return
}}
"""


@pytest.mark.parametrize(
    ("depth", "unroll", "lut", "bram"),
    [
        (1024, 0, 3 * 80, 2),  # 3 lookups per cycle: two dual-port copies of a 1K x 18 block
        (1024, 1, 80, 1),  # one lookup per cycle (loop not unrolled)
        (65, 0, 3 * 80, 2),  # 65 rows: block RAM
        (64, 0, 3 * 80 + 2 * 16, 0),  # 64 rows: LUTRAM, 16 LUTs per copy
    ],
)
def test_table_rom_by_size_and_reads_per_cycle(depth, unroll, lut, bram):
    e = estimate(parse_module(TABLE.format(depth=depth, unroll=unroll)))["ops"]["sigmoid"]
    assert (e["lut"], e["bram_18k"]) == (lut, bram)  # table index: 5 LUTs per input bit


# --------------------------------------------------------------------------- #
# Parts
# --------------------------------------------------------------------------- #


def test_parts_table_and_utilization():
    assert lookup("xcvu9p-flga2104-2L-e").dsp == 6840
    assert lookup("xcu55c-fsvh2892-2L-e").name == "xcu55c"
    assert lookup("AGFB014R24A2E2V").vendor == "intel"
    assert lookup("1SG280HU2F50E2VG").name == "1sg280"
    assert {"xcvu9p", "xcvu13p", "xcu250", "xcu55c", "xcvu47p", "xcku115", "xczu9eg", "agf014", "1sg280"} <= {
        p.name for p in PARTS}
    e = estimate(parse_module(DENSE.format(w=16, p=32)), part="xczu9eg-ffvb1156-2-e")
    assert e["part"]["dsp"] == 2520
    assert e["utilization"]["dsp"] == 4 / 2520
    assert e["utilization"]["lut"] == 6 * 34 / 274_080
    assert over_budget(e) == []


def test_unknown_part_is_a_config_error_listing_the_known_ones():
    with pytest.raises(gnnc.ConfigError, match=r"part: unknown device 'xc7z020-clg400-1'.*xcvu9p, xcvu13p"):
        gnnc.load_config({"part": "xc7z020-clg400-1"})
    assert gnnc.load_config({"part": "xcu250-figd2104-2L-e"}).part == "xcu250-figd2104-2L-e"


def test_intel_products_by_constants_go_to_logic():
    e = estimate(parse_module(DENSE.format(w=16, p=32)), part="AGFB014R24A2E2V")
    assert e["total"]["dsp"] == 0  # as hls4ml's oneAPI dense baselines (0 DSP)
    assert e["part"]["name"] == "agf014"
