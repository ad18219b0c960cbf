"""hls-outline: a function per gnn op; the estimate and the config key (inline_layers)."""

from pathlib import Path

import pytest

import gnnc
from gnnc import passes
from gnnc.config import load_config
from gnnc.estimate import estimate
from gnnc.ir import parse_module
from gnnc.passes.hls_outline import OP_ATTR, flattened

_GNN = (Path(__file__).parents[1] / "filecheck/tools/lower-to-hls.mlir").read_text()


def _lowered(outline: str | None) -> "object":
    m = parse_module(_GNN)
    pipeline = passes.lower_to_hls_pipeline(max_nodes=4, max_edges=8).rsplit(",hls-outline", 1)[0]
    passes.apply(m, pipeline + (f",{outline}" if outline else ""))
    return m


@pytest.mark.parametrize("outline", ["hls-outline", "hls-outline{inline=false}"])
def test_estimate_reads_the_outlined_design_as_the_flat_one(outline):
    flat, outlined = _lowered(None), _lowered(outline)
    assert any(OP_ATTR in f.attributes for f in outlined.body.block.ops)
    assert estimate(outlined) == estimate(flat)
    assert flattened(flat) is flat


def test_inline_layers_is_a_flag():
    assert load_config({"inline_layers": False}).inline_layers is False
    assert load_config({}).inline_layers is True
    with pytest.raises(gnnc.ConfigError, match="inline_layers: expected true or false"):
        load_config({"inline_layers": "off"})
