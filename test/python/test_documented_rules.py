"""
Documented rules that had no test of their own, on one small design (one g++ build):

* the 62-bit limit (config.md; gnnc/fixed.py): an exact accumulator of exactly 62 bits (the
  emulator's int64 raw arrays) and one of 64 (Python ints) are bit-exact with the C++ and
  with the exact reference; a config type of 63 bits is refused naming its key;
* the rarer modes (trn_zero, rnd_zero, rnd_inf, rnd_min_inf, rnd_conv; sat_zero, sat_sym;
  unsigned) as result types: C++ == emulator == exact reference;
* the 1/deg table of a mean: max_edges + 1 entries, entry d = 1/d rounded to `recip`, 0 first;
* `design.timings`: compile, csim build and write times.
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest
import torch
from exact_reference import ref_cast, ref_dense, ref_scatter

import gnnc
from gnnc.fixed import parse_fixed

MAX_NODES, MAX_EDGES = 8, 16
PRECISION = {
    "default": "fixed<16,6>",
    "inputs": {"x": "fixed<30,10>", "h": "fixed<31,10>"},
    "ops": {
        "a": {"weight": "fixed<30,10>", "result": "fixed<12,4,trn_zero,sat_sym>"},  # accum 30+30+2 = 62 bits
        "b": {"weight": "fixed<31,10>", "result": "fixed<12,4,rnd_zero,sat_zero>"},  # accum 64 bits
        "c": {"result": "ufixed<10,3,rnd_min_inf,sat>"},
    },
    "kinds": {"scatter": {"result": "fixed<14,5,rnd_inf,sat>", "recip": "ufixed<11,1,rnd_conv>"}},
}
# Just below the types' largest values, and float32 (weights are stored as f32: 512 - 2^-20
# would round to 512, which fixed<30,10> cannot hold and gnn-fixed-point refuses to wrap).
X_EXT = H_EXT = 512 - 2.0**-15


class Wide(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.a, self.b, self.c = torch.nn.Linear(3, 2), torch.nn.Linear(3, 2), torch.nn.Linear(3, 1)
        with torch.no_grad():
            self.a.weight.copy_(torch.tensor([[-512.0, -512.0, -512.0], [X_EXT, -512.0, X_EXT]]))
            self.b.weight.copy_(torch.tensor([[-512.0, -512.0, -512.0], [H_EXT, -512.0, H_EXT]]))

    def forward(self, x, h, edge_index):
        from torch_geometric.utils import scatter

        xj, dst, n = self.c(x)[edge_index[0]], edge_index[1], x.size(0)
        return (self.a(x), self.b(h), self.c(x), scatter(xj, dst, 0, n, "sum"), scatter(xj, dst, 0, n, "mean"))


def _graph(seed, extreme=None):
    rng = np.random.default_rng(seed)
    x = rng.normal(0, 100, (MAX_NODES, 3)) if extreme is None else np.full((MAX_NODES, 3), extreme)
    h = rng.normal(0, 100, (MAX_NODES, 3)) if extreme is None else np.full((MAX_NODES, 3), extreme)
    ei = np.stack([rng.integers(0, MAX_NODES - 1, MAX_EDGES), rng.integers(0, MAX_NODES - 1, MAX_EDGES)])
    return torch.tensor(x, dtype=torch.float64).float(), torch.tensor(h).float(), torch.tensor(ei)


GRAPHS = {"random0": _graph(0), "random1": _graph(1), "min": _graph(2, -512.0), "max": _graph(3, 511.0)}


@pytest.fixture(scope="module")
def design():
    torch.manual_seed(0)
    return gnnc.compile(Wide().eval(), GRAPHS["random0"],
                        {"graph": {"max_nodes": MAX_NODES, "max_edges": MAX_EDGES}, "precision": PRECISION})


def _ops(design, name):
    return [op for op in design.module("fixed").walk() if op.name == name]


def test_accumulators_at_and_beyond_62_bits(design):
    dense = {op.attributes["gnn.path"].data: op for op in _ops(design, "gnn.dense")}
    assert (dense["a"].accum_type.w, dense["b"].accum_type.w) == (62, 64)
    for name in ("min", "max"):  # the products at their extremes still fit
        _, report = design.emulate(*GRAPHS[name], report=True)
        assert all(e["accum"]["overflows"] == 0 for e in report.values() if "accum" in e), name


def test_csim_equals_the_emulator_at_62_bits_and_rare_modes(design):
    simulated = design.csim_many(list(GRAPHS.values()))
    for name, sim in zip(GRAPHS, simulated):
        for k, (got, want) in enumerate(zip(sim, design.emulate(*GRAPHS[name]))):
            assert np.array_equal(got, want), (name, design.output_names[k])


@pytest.mark.parametrize("name", list(GRAPHS))
def test_emulator_equals_the_exact_reference(design, name):
    x, h, ei = (t.numpy() for t in GRAPHS[name])
    fn = design.module("fixed").body.block.ops.first
    types = {"x": fn.args[0].type.element_type, "h": fn.args[1].type.element_type}
    dense = {op.attributes["gnn.path"].data: op for op in _ops(design, "gnn.dense")}
    c = ref_dense(x, dense["c"], types["x"])
    c_t = dense["c"].result.type.element_type
    scatters = _ops(design, "gnn.scatter")
    expected = [ref_dense(x, dense["a"], types["x"]), ref_dense(h, dense["b"], types["h"]), c,
                *(ref_scatter(c.astype(np.float64), ei, MAX_NODES, op, c_t) for op in scatters)]
    for k, (got, want) in enumerate(zip(design.emulate(*GRAPHS[name]), expected)):
        assert np.array_equal(got, want.astype(np.float64)), (name, design.output_names[k])


def test_mean_reciprocal_table_has_one_entry_per_degree(design):
    (rom,) = [op for op in design.module("hls").walk() if op.name == "hls.rom" and op.sym_name.data.endswith("_recip")]
    (mean,) = [op for op in _ops(design, "gnn.scatter") if op.reduce.data.value == "mean"]
    t = mean.recip_type
    raw = [int(v) for v in np.asarray(rom.data.get_values()).ravel()]
    assert len(raw) == MAX_EDGES + 1
    expected = [0] + [ref_cast(Fraction(1, d), t) * 2 ** (t.w - t.i) for d in range(1, MAX_EDGES + 1)]
    assert raw == expected


def test_a_type_wider_than_62_bits_is_refused():
    with pytest.raises(gnnc.ConfigError, match="precision.inputs.x.*62"):
        gnnc.load_config({"precision": {"inputs": {"x": "fixed<63,10>"}}}).precision_spec  # noqa: B018
    assert parse_fixed("fixed<62,10>").w == 62


def test_timings(design, tmp_path):
    assert design.timings["compile_s"] > 0
    design.csim(*GRAPHS["random1"])
    assert design.timings["csim_build_s"] >= 0 and "csim_build_s.vitis" in design.timings
    design.write(tmp_path / "prj")
    assert design.timings["write_s"] > 0
