"""Property-based fuzzing of what users hand gnnc: configs, IR text and graph inputs.

The property is the reliability contract: any input either works or raises a GnncError
(with a message); no other exception escapes. Bounded for CI (a few seconds each).
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import gnnc
from gnnc.config import _TOP_KEYS
from gnnc.errors import GnncError
from gnnc.ir import parse_module

FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

KEYS = sorted(_TOP_KEYS) + ["max_nodes", "max_edges", "default", "inputs", "ops", "kinds", "auto", "edges",
                            "nodes", "table", "size", "min", "max", "weight", "bias", "accum", "width", "utilization", "latency_ns"]
TYPES = ["fixed<16,6>", "ufixed<8,2,rnd,sat>", "ap_fixed<12,4,AP_RND>", "fixed<0,0>", "fixed<63,2>",
         "fixed<8,2,rnd,trn>", "fixed<", "auto"]
scalars = st.one_of(st.none(), st.booleans(), st.integers(-10**25, 10**25), st.floats(allow_nan=True),
                    st.sampled_from(TYPES), st.text(max_size=12))
values = st.recursive(scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(st.one_of(st.sampled_from(KEYS), st.text(max_size=6)), inner,
                                                 max_size=4)), max_leaves=12)
configs = st.dictionaries(st.sampled_from(KEYS), values, max_size=5)


@FUZZ
@given(configs)
def test_any_config_dict_loads_or_is_a_config_error(config):
    try:
        gnnc.load_config(config)
    except gnnc.ConfigError as err:
        assert str(err)


@FUZZ
@given(st.one_of(configs.map(lambda c: yaml.safe_dump(c, allow_unicode=True)), st.text(max_size=200)))
def test_any_yaml_text_loads_or_is_a_config_error(tmp_path_factory, text):
    path = tmp_path_factory.mktemp("cfg") / "c.yaml"
    path.write_text(text)
    try:
        gnnc.load_config(path)
    except gnnc.ConfigError as err:
        assert str(err)


VALID_IR = """\
func.func @main(%x: !gnn.nodes<3, f32> {gnn.name = "x"}, %ei: !gnn.edge_index {gnn.name = "edge_index"}) -> !gnn.nodes<2, f32> {
  %xj = gnn.gather src %x, %ei : !gnn.nodes<3, f32> -> !gnn.edges<3, f32>
  %m = gnn.dense %xj {gnn.path = "lin", weight = dense<[[0.5, -1.25, 3.0], [4.0, 0.75, -6.0]]> : tensor<2x3xf32>} : !gnn.edges<3, f32> -> !gnn.edges<2, f32>
  %r = gnn.activation relu %m : !gnn.edges<2, f32> -> !gnn.edges<2, f32>
  %a = gnn.scatter sum dst %r, %ei : !gnn.edges<2, f32> -> !gnn.nodes<2, f32>
  func.return %a : !gnn.nodes<2, f32>
}
"""
TOKENS = ["gnn.gather", "gnn.scatter", "max", "mean", "!gnn.nodes<", "!gnn.edges<", "!gnn.fixed<16, 6>",
          "%x", "%ei", "%m", "2", "3", "0", "-1", "dense<[1.0]>", "tensor<2x3xf32>", ":", "->", "(", ")", "{",
          "}", ",", "f32", "src", "dst", "\n", "\"", "#", "@main"]


@st.composite
def mutated_ir(draw):
    text = VALID_IR
    for _ in range(draw(st.integers(1, 4))):
        at = draw(st.integers(0, len(text)))
        cut = draw(st.integers(0, 6))
        insert = draw(st.one_of(st.sampled_from(TOKENS), st.text(max_size=3)))
        text = text[:at] + insert + text[at + cut:]
    return text


@FUZZ
@given(mutated_ir())
def test_any_ir_text_parses_or_is_an_error_with_a_place(text):
    try:
        module = parse_module(text, "fuzz.mlir")
    except GnncError as err:
        assert str(err)
        return
    try:  # what parses and verifies also lowers, or says why not
        gnnc.passes.apply(module, "gnn-fixed-point{max-edges=8}")
    except GnncError as err:
        assert str(err)


@pytest.fixture(scope="module")
def tiny():
    from test_reliability import CONFIG, Tiny, graph

    return gnnc.compile(Tiny(), graph(), CONFIG)


DTYPES = [np.float32, np.float64, np.int64, np.int32, np.int8, np.uint8, np.bool_, np.float16, np.complex64]


@st.composite
def graph_inputs(draw):
    n = draw(st.integers(0, 9))
    e = draw(st.integers(0, 13))
    x_shape = draw(st.sampled_from([(n, 3), (n, 2), (n,), (n, 3, 1), (3, n)]))
    ei_shape = draw(st.sampled_from([(2, e), (e, 2), (3, e), (2,)]))
    numbers = st.one_of(st.floats(-1e6, 1e6, width=32), st.sampled_from([float("nan"), float("inf"), 1e30]))
    x = np.asarray(draw(st.lists(numbers,
                                 min_size=int(np.prod(x_shape)), max_size=int(np.prod(x_shape))))).reshape(x_shape)
    ei = np.asarray(draw(st.lists(st.integers(-3, 12), min_size=int(np.prod(ei_shape)),
                                  max_size=int(np.prod(ei_shape))))).reshape(ei_shape)
    x = x.astype(draw(st.sampled_from(DTYPES)))
    ei = ei.astype(draw(st.sampled_from(DTYPES)))
    as_torch = draw(st.booleans())
    if as_torch and x.dtype not in (np.float16, np.complex64, np.uint8) and ei.dtype not in (np.uint8,):
        return torch.from_numpy(x), torch.from_numpy(ei)
    return x, ei


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(graph_inputs())
def test_any_graph_input_runs_or_is_an_error_naming_the_input(tiny, inputs):
    try:
        out = tiny.emulate(*inputs)
    except GnncError as err:
        assert str(err)
        return
    assert np.all(np.isfinite(out))
