"""Issue 4, Brevitas: QuantLinear / QuantReLU / QuantIdentity import with their trained fixed-point types."""

import warnings

import numpy as np
import pytest
import torch

import gnnc
from gnnc.fixed import quantize, to_float

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    import brevitas.nn as qnn
    from brevitas.core.restrict_val import RestrictValueType
    from brevitas.quant import (
        Int8ActPerTensorFixedPoint,
        Int8ActPerTensorFloat,
        Int8WeightPerTensorFixedPoint,
        Int8WeightPerTensorFloat,
        Int32Bias,
        Uint8ActPerTensorFixedPoint,
    )
    from brevitas.quant.fixed_point import Int8BiasPerTensorFixedPointInternalScaling
    from torch_geometric.nn import MessagePassing

CAPACITY = {"max_nodes": 32, "max_edges": 96}


class QuantEdgeConv(MessagePassing):
    """message = QuantReLU(QuantLinear(cat[x_i, x_j])), sum, update = QuantLinear(cat[x, aggr])."""

    def __init__(self, f_in, hidden, f_out, bits, weight_quant=Int8WeightPerTensorFixedPoint,
                 act_quant=Uint8ActPerTensorFixedPoint):
        super().__init__(aggr="add")
        self.msg = qnn.QuantLinear(2 * f_in, hidden, bias=False, weight_quant=weight_quant,
                                   weight_bit_width=bits)
        self.act = qnn.QuantReLU(act_quant=act_quant, bit_width=bits)
        self.upd = qnn.QuantLinear(f_in + hidden, f_out, bias=False, weight_quant=weight_quant,
                                   weight_bit_width=bits)

    def forward(self, x, edge_index):
        return self.propagate(edge_index, x=x)

    def message(self, x_i, x_j):
        return self.act(self.msg(torch.cat([x_i, x_j], dim=1)))

    def update(self, aggr_out, x):
        return self.upd(torch.cat([x, aggr_out], dim=1))


class QuantGNN(torch.nn.Module):
    def __init__(self, bits, **quant):
        super().__init__()
        self.inp = qnn.QuantIdentity(act_quant=Int8ActPerTensorFixedPoint, bit_width=bits)
        self.conv1 = QuantEdgeConv(3, 8, 6, bits, **quant)
        self.mid = qnn.QuantReLU(act_quant=Uint8ActPerTensorFixedPoint, bit_width=bits)
        self.conv2 = QuantEdgeConv(6, 8, 2, bits, **quant)

    def forward(self, x, edge_index):
        return self.conv2(self.mid(self.conv1(self.inp(x), edge_index)), edge_index)


def graph(seed, n=20, e=60):
    g = torch.Generator().manual_seed(seed)
    return torch.randn(n, 3, generator=g) * 2, torch.randint(0, n, (2, e), generator=g)


def calibrated(model, seed=0, steps=4):
    """Random weights; a few forward passes in training mode set the activation scales."""
    torch.manual_seed(seed)
    with torch.no_grad():
        for p in model.parameters():
            p.uniform_(-0.5, 0.5)
    model.train()
    for k in range(steps):
        model(*graph(1000 + k))
    return model.eval()


def brevitas_forward(model, x, edge_index):
    with torch.no_grad():
        return model(x, edge_index).double().numpy()


@pytest.fixture(scope="module", params=[6, 7, 8])
def quant_model(request):
    bits = request.param
    model = calibrated(QuantGNN(bits), seed=bits)
    design = gnnc.compile(model, graph(0), {"graph": CAPACITY})
    return bits, model, design


def test_types_are_brevitas_bit_widths(quant_model):
    bits, model, design = quant_model
    fixed = design.mlir("fixed")
    fn = design.module("fixed").body.block.ops.first
    x_type = fn.args[0].type.element_type
    assert (x_type.w, x_type.is_signed) == (bits, True)
    assert 2.0 ** -x_type.f == float(model.inp.act_quant.scale())
    denses = [op for op in design.module("fixed").walk() if op.name == "gnn.dense"]
    assert len(denses) == 4
    for op in denses:  # Brevitas' integers, exactly
        layer = model.get_submodule(op.attributes["gnn.path"].data)
        qw = layer.quant_weight().detach()
        assert op.weight_type.w == bits and 2.0 ** -op.weight_type.f == float(qw.scale)
    assert f"!gnn.fixed<{bits}, " in fixed and "unsigned, rnd_conv, sat>" in fixed


def test_emulate_equals_brevitas_exactly(quant_model):
    _, model, design = quant_model
    for seed in range(5):
        x, edge_index = graph(seed, n=12 + 3 * seed, e=30 + 10 * seed)
        reference = brevitas_forward(model, x, edge_index)
        assert np.array_equal(design.emulate(x, edge_index), reference), seed


def test_csim_equals_emulate_bit_for_bit(quant_model):
    _, _, design = quant_model
    graphs = [graph(seed) for seed in range(3)]
    simulated = design.csim_many(graphs)
    assert all(np.array_equal(sim[0], design.emulate(*g)) for sim, g in zip(simulated, graphs))


def test_float_quantizers_restricted_to_power_of_two_scales_are_accepted():
    model = QuantGNN(8)
    pot = {"restrict_scaling_type": RestrictValueType.POWER_OF_TWO}
    model.inp = qnn.QuantIdentity(act_quant=Int8ActPerTensorFloat, bit_width=8, **pot)
    model.conv1.msg = qnn.QuantLinear(6, 8, bias=False, weight_quant=Int8WeightPerTensorFloat,
                                      weight_bit_width=8, weight_restrict_scaling_type=RestrictValueType.POWER_OF_TWO)
    model = calibrated(model, seed=3)
    design = gnnc.compile(model, graph(0), {"graph": CAPACITY})
    for seed in range(3):
        x, edge_index = graph(seed)
        assert np.array_equal(design.emulate(x, edge_index), brevitas_forward(model, x, edge_index))


@pytest.mark.parametrize(
    ("quant", "what"),
    [
        ({"weight_quant": Int8WeightPerTensorFloat}, "the weight quantizer of QuantLinear"),
        ({"act_quant": Int8ActPerTensorFloat}, "the activation quantizer of QuantReLU"),
    ],
)
def test_float_scales_are_refused(quant, what):
    model = calibrated(QuantGNN(8, **quant))
    with pytest.raises(gnnc.UnsupportedModelError) as err:
        gnnc.compile(model, graph(0), {"graph": CAPACITY})
    message = str(err.value)
    assert what in message and "not a power of two" in message
    assert "fixed-point hardware needs power-of-two scales" in message
    assert "Int8WeightPerTensorFixedPoint" in message and "RestrictValueType.POWER_OF_TWO" in message


def with_biases(bits, bias_quant=Int8BiasPerTensorFixedPointInternalScaling, **kw):
    """QuantGNN whose QuantLinears have biases."""
    model = QuantGNN(bits)
    for conv, f_in, f_out in ((model.conv1, 3, 6), (model.conv2, 6, 2)):
        conv.msg = qnn.QuantLinear(2 * f_in, 8, bias=True, weight_quant=Int8WeightPerTensorFixedPoint,
                                   weight_bit_width=bits, bias_quant=bias_quant, **kw)
        conv.upd = qnn.QuantLinear(f_in + 8, f_out, bias=True, weight_quant=Int8WeightPerTensorFixedPoint,
                                   weight_bit_width=bits, bias_quant=bias_quant, **kw)
    return model


@pytest.mark.parametrize(("bits", "bias_bits"), [(6, 8), (8, 8), (8, 12)])
def test_power_of_two_bias_is_exact(bits, bias_bits):
    model = calibrated(with_biases(bits, bias_bit_width=bias_bits), seed=bits + bias_bits)
    design = gnnc.compile(model, graph(0), {"graph": CAPACITY})
    denses = [op for op in design.module("fixed").walk() if op.name == "gnn.dense"]
    assert all(op.bias_type is not None for op in denses)
    for op in denses:  # Brevitas' quantised bias, held exactly, in at most its bit width
        layer = model.get_submodule(op.attributes["gnn.path"].data)
        values = np.array(op.bias.get_values(), dtype=np.float64)
        assert np.array_equal(values, layer.bias_quant(layer.bias).value.detach().double().numpy())
        assert np.array_equal(to_float(quantize(values, op.bias_type), op.bias_type), values)
        assert op.bias_type.w <= bias_bits and np.any(values != 0)
    graphs = [graph(seed, n=12 + 3 * seed, e=30 + 10 * seed) for seed in range(4)]
    for g in graphs:
        assert np.array_equal(design.emulate(*g), brevitas_forward(model, *g))
    if (bits, bias_bits) == (8, 12):  # one g++ build: the widest bias; the others are checked by the emulator
        simulated = design.csim_many(graphs[:2])
        assert all(np.array_equal(sim[0], design.emulate(*g)) for sim, g in zip(simulated, graphs[:2]))


@pytest.mark.parametrize(
    ("bias_quant", "message"),
    [
        (None, r"conv1.msg.*float bias \(no bias_quant\) has no exact fixed-point form"),
        (Int32Bias, r"conv1.msg.*the bias quantizer Int32Bias scales the bias by the input scale x weight scale"),
    ],
)
def test_bias_without_exact_form_is_refused(bias_quant, message):
    model = with_biases(8, bias_quant=bias_quant).eval()  # Brevitas itself cannot run Int32Bias here
    with pytest.raises(gnnc.UnsupportedModelError, match=message) as err:
        gnnc.compile(model, graph(0), {"graph": CAPACITY})
    assert "Int8BiasPerTensorFixedPointInternalScaling" in str(err.value)


def test_explicit_precision_config_overrides_brevitas(quant_model):
    bits, model, _ = quant_model
    design = gnnc.compile(model, graph(0), {"graph": CAPACITY,
                                            "precision": {"inputs": {"x": "fixed<16,6>"}}})
    x_type = design.module("fixed").body.block.ops.first.args[0].type.element_type
    assert (x_type.w, x_type.i) == (16, 6)


def test_oneapi_csim_equals_emulate():
    """The bit widths' matrix runs on Vitis; one oneAPI build (8 bits) covers that printer."""
    design = gnnc.compile(calibrated(QuantGNN(8), seed=8), graph(0), {"graph": CAPACITY})
    x, edge_index = graph(11)
    (sim,) = design.csim_many([(x, edge_index)], backend="oneapi")
    assert np.array_equal(sim[0], design.emulate(x, edge_index))
