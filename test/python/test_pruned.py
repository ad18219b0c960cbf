"""Pruned weights (exact zeros after quantization) cost no multiplier: the sparse dense.

The tracking IN with the smallest-magnitude half of every layer's weights zeroed
(torch.nn.utils.prune): each dense is lowered to a loop over its nonzero weights; C
simulation equals the emulator bit for bit on both backends, fully parallel and with reuse;
the estimate counts the nonzero products, and at RF > 1 the sparse form needs
ceil(nnz / RF) multipliers per row where the dense form needs M / RF.
"""

import copy
import math
import re
import subprocess

import numpy as np
import pytest
import torch
from interaction_network import load_tracking_in
from torch.nn.utils import prune

import gnnc
from gnnc import passes
from gnnc.csim import ac_types_dir, ap_types_dir
from gnnc.dialects import gnn, hls
from gnnc.estimate import estimate
from gnnc.fixed import quantize

BASE = {"graph": {"max_nodes": 128, "max_edges": 256}, "precision": "fixed<16,8>"}
SMALL = {"graph": {"max_nodes": 28, "max_edges": 56}, "precision": "fixed<16,8>"}


def pruned_in(trackml_dir, hidden: int, amount: float) -> torch.nn.Module:
    """The trained IN with the `amount` smallest-magnitude weights of every Linear zeroed."""
    model = copy.deepcopy(load_tracking_in("add", "source_to_target", hidden, trackml_dir))
    for module in model.modules():
        if isinstance(module, torch.nn.Linear):
            prune.l1_unstructured(module, "weight", amount)
            prune.remove(module, "weight")
    return model


def quantized_weights(design) -> dict[str, np.ndarray]:
    """Raw weights of every dense as the hardware multiplies them, by lowered op name."""
    weights = {}
    for op in design.module("fixed").walk():
        if isinstance(op, gnn.DenseOp):
            path = op.attributes["gnn.path"].data  # type: ignore[attr-defined]
            w = np.array(op.weight.get_values(), dtype=np.float64).reshape(op.weight.get_shape())
            weights[re.sub(r"\W", "_", path) + "_dense"] = quantize(w, op.weight_type)
    return weights


def lowered(design, sparse: bool, reuse: str = "", capacity=(28, 56)):
    """The design's fixed-point IR lowered with or without the sparse form."""
    module = design.module("fixed")
    passes.apply(
        module,
        f"convert-gnn-to-hls{{max-nodes={capacity[0]} max-edges={capacity[1]} sparse={str(sparse).lower()}}},"
        f"hls-parallelize,{f'hls-reuse{{{reuse}}},' if reuse else ''}hls-partition-arrays",
    )
    return module


def rows(name: str) -> int:
    return 56 if name.startswith(("R1", "R2")) else 28  # edge MLPs R1, R2; node MLP O


def nontrivial(w: np.ndarray) -> int:
    """Weights that need a multiplier fully unrolled: neither 0 nor ±2^k."""
    mag = np.abs(w)
    return int(np.sum((mag != 0) & ((mag & (mag - 1)) != 0)))


@pytest.fixture(scope="module")
def half(trackml_dir):
    return pruned_in(trackml_dir, 8, 0.5)


@pytest.fixture(scope="module")
def design(half, graphs):
    return gnnc.compile(half, graphs[3], BASE)


def test_every_pruned_dense_is_sparse(design):
    weights = quantized_weights(design)
    roms = {op.sym_name.data: op for op in design.module("hls").walk() if isinstance(op, hls.RomOp)}
    assert len(weights) == 9
    for name, w in weights.items():
        nnz = int(np.count_nonzero(w))
        assert nnz <= w.size // 2
        assert roms[f"{name}_w"].result.type.get_shape() == (nnz,)  # the nonzero weights only
        out, inp = (np.array(roms[f"{name}_w_{k}"].data.get_values()) for k in ("out", "in"))
        np.testing.assert_array_equal(w[out, inp], np.array(roms[f"{name}_w"].data.get_values()))


@pytest.mark.parametrize("backend", ["vitis", "oneapi"])
@pytest.mark.parametrize("knobs", [{}, {"reuse_factor": 4}], ids=["rf1", "rf4"])
def test_csim_equals_emulate(half, graphs, backend, knobs):
    design = gnnc.compile(half, graphs[3], BASE | knobs)
    assert "_w_out" in design.mlir("hls")
    outputs = design.csim_many([(g,) for g in graphs], backend=backend)
    for g, out in zip(graphs, outputs):
        np.testing.assert_array_equal(out[0], design.emulate(g))


def test_csim_equals_emulate_short_last_group_and_parallelism(half, graphs):
    # RF 3 divides few of the nonzero counts: the last multiplier of a row is idle for a cycle
    design = gnnc.compile(half, graphs[3], BASE | {"reuse_factor": 3, "parallelism": {"edges": 8, "nodes": 4}})
    nnz = {name: int(np.count_nonzero(w)) for name, w in quantized_weights(design).items()}
    assert any(n % 3 for n in nnz.values())
    limits = {op.op.data: op.mul_limit.value.data for op in design.module("hls").walk()
              if isinstance(op, hls.ForOp) and op.mul_limit is not None}
    for name, n in nnz.items():
        p = 8 if rows(name) == 56 else 4  # edges / nodes per cycle
        assert limits[name] == math.ceil(p * n / 3)
    chosen = [graphs[0], graphs[5], graphs[9]]
    for g, out in zip(chosen, design.csim_many([(g,) for g in chosen])):
        np.testing.assert_array_equal(out[0], design.emulate(g))


def test_estimate_counts_nonzero_products(design):
    weights = quantized_weights(design)
    for reuse in ("", "reuse-factor=4"):
        sparse = estimate(lowered(design, True, reuse))["ops"]
        dense = estimate(lowered(design, False, reuse))["ops"]
        for name, w in weights.items():
            nnz = int(np.count_nonzero(w))
            if not reuse:  # fully unrolled, HLS drops the zero products either way
                assert sparse[name]["multipliers"] == dense[name]["multipliers"] == rows(name) * nontrivial(w)
            else:  # one row every 4 cycles: the ALLOCATION budget
                assert sparse[name]["multipliers"] == math.ceil(nnz / 4)
                assert dense[name]["multipliers"] == w.size // 4
            assert sparse[name]["dsp"] == sparse[name]["multipliers"]  # 16 x 16 bits: one DSP48E2
            assert sparse[name]["latency_cycles"] <= dense[name]["latency_cycles"]
        if reuse:  # the DSPs drop with the zeros
            share = sum(np.count_nonzero(w) for w in weights.values()) / sum(w.size for w in weights.values())
            ratio = sum(sparse[n]["dsp"] for n in weights) / sum(dense[n]["dsp"] for n in weights)
            assert ratio == pytest.approx(share, abs=0.02)


def test_dense_without_zeros_is_unchanged(trackml_dir, graphs):
    design = gnnc.compile(load_tracking_in("add", "source_to_target", 8, trackml_dir), graphs[3], SMALL)
    weights = quantized_weights(design)
    assert 0 < sum(w.all() for w in weights.values()) < len(weights)  # the trained IN has both kinds

    def loops(module):
        fn = next(op for op in module.walk() if isinstance(op, hls.ForOp)).parent_op()
        return {op.op.data: str(op) for op in fn.body.block.ops if isinstance(op, hls.ForOp)}

    sparse, dense = loops(lowered(design, True)), loops(lowered(design, False))
    for name, w in weights.items():
        assert (sparse[name] == dense[name]) == bool(w.all()), name


def test_reuse_factor_up_to_the_nonzero_weights(half, graphs, design):
    nnz = int(np.count_nonzero(quantized_weights(design)["R2_layers_4_dense"]))
    gnnc.compile(half, graphs[3], SMALL | {"reuse_factor": {"ops": {"R2.layers.4": nnz}}})
    with pytest.raises(gnnc.GnncError, match=re.escape(
        f"reuse factor {nnz + 1} is invalid for R2.layers.4 (R2_layers_4_dense) "
        f"({nnz} multiplications per row); valid reuse factors: 1 to {nnz}"
    )):
        gnnc.compile(half, graphs[3], SMALL | {"reuse_factor": {"ops": {"R2.layers.4": nnz + 1}}})
    # the default RF is capped at the op's nonzero weights instead: one multiplier
    capped = gnnc.compile(half, graphs[3], SMALL | {"reuse_factor": nnz + 1}).estimate()["ops"]["R2_layers_4_dense"]
    assert (capped["ii"], capped["multipliers"]) == (nnz, 1)


@pytest.mark.parametrize("backend", ["vitis", "oneapi"])
def test_sparse_kernel_compiles_without_warnings(half, graphs, backend, tmp_path):
    design = gnnc.compile(half, graphs[3], BASE | {"reuse_factor": 4})
    src = tmp_path / "src"
    src.mkdir()
    for name, text in design.sources(backend).files.items():
        (src / name).write_text(text)
    for rel, text in design._csim_runner(backend).layout.files.items():  # the SYCL stand-in
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(text)
    types = ap_types_dir() if backend == "vitis" else ac_types_dir()
    result = subprocess.run(
        ["g++", "-std=c++17", "-O1", "-Wall", "-Wextra", "-Werror", "-Wno-unknown-pragmas",
         "-Isycl_standin", "-Isrc", "-isystem", str(types), "-c", f"src/{design.top}.cpp", "-o", "unit.o"],
        cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[:3000]


def test_config_key_turns_the_sparse_form_off(half, graphs):
    """`sparse_dense: false`: the dense form, whose zero weights take multiplier slots at RF > 1."""
    config = {**BASE, "reuse_factor": 4}
    sparse = gnnc.compile(half, graphs[0], config)
    dense = gnnc.compile(half, graphs[0], {**config, "sparse_dense": False})
    assert "_w_out" in sparse.mlir("hls") and "_w_out" not in dense.mlir("hls")
    assert sparse.estimate()["total"]["dsp"] < dense.estimate()["total"]["dsp"]
    with pytest.raises(gnnc.ConfigError, match="sparse_dense: expected true or false"):
        gnnc.compile(half, graphs[0], {**config, "sparse_dense": "no"})
