"""
Brevitas (quantisation-aware training) layers in a captured model.

While capturing, every `brevitas.nn.QuantLinear`, `QuantReLU` and `QuantIdentity`
instance gets a `forward` that computes the float op and marks its result with
`torch.ops.gnn.quant(y, spec)`, `spec` a JSON dict of the fixed-point types Brevitas
trained with:

* QuantLinear: `F.linear(x, w_q, b_q)` with Brevitas' own quantised weights
  (`quant_weight().int() * scale`, exact in float32), its quantised bias if it has one (a
  bias quantizer with its own power-of-two scale; gnn-fixed-point gives the bias the exact
  type of its values, as no other field carries it), and
  `{"weight": "fixed<b, b - f>", "result": "exact"}`: the weight type holds Brevitas'
  integers exactly, and the result (a float32 in Brevitas, exact while the sum fits its
  24-bit mantissa) is the dense's exact accumulator.
* QuantReLU / QuantIdentity: `{"result": "[u]fixed<b, b - f, rnd_conv, sat>"}` (`sat_sym`
  for a narrow range): Brevitas computes `clamp(round(x / 2^-f), min, max) * 2^-f` with
  `torch.round` (half to even, ap_fixed's AP_RND_CONV) and a clamp (AP_SAT).

Only power-of-two scales have an exact fixed-point type; any other scale is refused with
an UnsupportedModelError that names the quantizer to use instead. The importer applies a
spec to the op that produced the value (importer.py, `_quant`); gnn-fixed-point uses it
where the precision config says nothing more specific (docs/precision.md, "Brevitas").
"""

from __future__ import annotations

import json
import math
import warnings
from collections.abc import Callable
from typing import Any

import torch
from torch import Tensor, nn

from gnnc.errors import UnsupportedModelError

#: What a QuantLinear's bias should be quantised with.
BIAS_HINT = ("quantise the bias with its own power-of-two scale, e.g. bias_quant="
             "brevitas.quant.fixed_point.Int8BiasPerTensorFixedPointInternalScaling (any bias_bit_width)")
#: What a user should build instead of a float-scaled quantizer.
POWER_OF_TWO_HINT = (
    "fixed-point hardware needs power-of-two scales: use the fixed-point quantizers "
    "(brevitas.quant.Int8WeightPerTensorFixedPoint for weights, Int8ActPerTensorFixedPoint / "
    "Uint8ActPerTensorFixedPoint for activations, with any bit_width), or pass "
    "restrict_scaling_type=RestrictValueType.POWER_OF_TWO"
)


def _brevitas_nn() -> Any | None:
    """brevitas.nn if Brevitas is installed, else None (gnnc does not need it)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            import brevitas.nn as qnn
    except ImportError:
        return None
    return qnn


def _other_layers() -> tuple[type, ...]:
    """Brevitas layer bases: a quantised layer gnnc does not map must not run as float."""
    from brevitas.nn import quant_layer

    return (quant_layer.QuantWeightBiasInputOutputLayer, quant_layer.QuantNonLinearActLayer,
            quant_layer.QuantInputOutputLayer)


def _refuse(path: str, module: nn.Module, reason: str) -> UnsupportedModelError:
    from gnnc.frontend.capture import unsupported, where

    return unsupported(f"{where(path, type(module).__name__)}: {reason}")


def _fraction_bits(scale: Tensor, what: str, path: str, module: nn.Module) -> int:
    """f with scale == 2^-f exactly; refused otherwise."""
    s = scale.detach().double().reshape(-1)
    if s.numel() != 1:
        raise _refuse(path, module, f"{what} has a scale per channel ({s.numel()} scales); "
                                    "only per-tensor scales are supported")
    value = float(s[0])
    if not value > 0 or not math.isfinite(value):
        raise _refuse(path, module, f"{what} has scale {value}")
    mantissa, exponent = math.frexp(value)
    if mantissa != 0.5:
        raise _refuse(
            path, module,
            f"{what} has scale {value:.6g}, not a power of two (a floating-point scale such as "
            f"Int8ActPerTensorFloat's); {POWER_OF_TWO_HINT}",
        )
    return 1 - exponent  # value == 2^(exponent - 1) == 2^-f


def _check_common(proxy: Any, what: str, path: str, module: nn.Module) -> tuple[int, bool, bool]:
    """(bit width, signed, narrow range) of a quant proxy; zero point and rounding checked."""
    zero = proxy.zero_point() if callable(getattr(proxy, "zero_point", None)) else None
    if zero is not None and bool(torch.any(zero.detach() != 0)):
        raise _refuse(path, module, f"{what} has a non-zero zero point (asymmetric quantization); "
                                    "fixed-point types are symmetric around 0")
    rounding = getattr(proxy, "rounding_mode", "ROUND")
    if str(rounding).upper() != "ROUND":
        raise _refuse(path, module, f"{what} rounds with {rounding!r}; only ROUND (torch.round, "
                                    "half to even = AP_RND_CONV) is supported")
    bits = float(proxy.bit_width().detach())
    if bits != int(bits) or not 1 <= bits <= 32:
        raise _refuse(path, module, f"{what} has bit width {bits}")
    return int(bits), bool(proxy.is_signed), bool(proxy.is_narrow_range)


def _act_type(proxy: Any, path: str, module: nn.Module) -> str:
    what = f"the activation quantizer of {type(module).__name__}"
    bits, signed, narrow = _check_common(proxy, what, path, module)
    with torch.no_grad():
        f = _fraction_bits(proxy.scale(), what, path, module)
    overflow = "sat_sym" if narrow and signed else "sat"
    if narrow and not signed:
        raise _refuse(path, module, f"{what} is unsigned with a narrow range")
    return f"{'fixed' if signed else 'ufixed'}<{bits}, {bits - f}, rnd_conv, {overflow}>"


def _spec(**fields: str) -> str:
    return json.dumps(fields, sort_keys=True)


def _linear_forward(module: nn.Module, path: str) -> Callable[..., Tensor]:
    if module.input_quant.is_quant_enabled or module.output_quant.is_quant_enabled:
        raise _refuse(path, module, "QuantLinear with input_quant or output_quant is not supported; "
                                    "put a QuantIdentity before it or a QuantReLU / QuantIdentity after it")
    if not module.weight_quant.is_quant_enabled:
        raise _refuse(path, module, "QuantLinear without a weight quantizer: use nn.Linear")
    what = "the weight quantizer of QuantLinear"
    bits, _, _ = _check_common(module.weight_quant, what, path, module)
    with torch.no_grad():
        qw = module.quant_weight()
        f = _fraction_bits(qw.scale, what, path, module)
        ints = qw.int().to(torch.float64)
        weight = (ints * 2.0 ** -f).to(torch.float32)
    bias = _quant_bias(module, path) if module.bias is not None else None
    # A signed b-bit integer times 2^-f (the value Brevitas multiplies with, exactly). The
    # bias (integers times its own 2^-f) gets a type holding it exactly in gnn-fixed-point.
    spec = _spec(weight=f"fixed<{bits}, {bits - f}>", result="exact")

    def forward(x: Tensor) -> Tensor:
        if not isinstance(x, Tensor):
            raise _refuse(path, module, "QuantLinear on a QuantTensor input (return_quant_tensor=True "
                                        "upstream) is not supported; use return_quant_tensor=False")
        y = torch.nn.functional.linear(x, weight, bias)
        return torch.ops.gnn.quant(y, spec)

    return forward


def _quant_bias(module: nn.Module, path: str) -> Tensor:
    """Brevitas' quantised bias, when it has an exact fixed-point form: its own per-tensor
    power-of-two scale. A float bias, or one scaled by the input's scale, is refused."""
    proxy = module.bias_quant
    if not proxy.is_quant_enabled:
        raise _refuse(path, module, "QuantLinear with a float bias (no bias_quant) has no exact fixed-point "
                                    f"form; {BIAS_HINT}, or build it with bias=False")
    if proxy.requires_input_scale:
        raise _refuse(path, module, f"the bias quantizer {_quantizer_name(proxy)} scales the bias by the input "
                                    "scale x weight scale, which needs QuantLinear's input_quant (not supported); "
                                    f"{BIAS_HINT}")
    what = "the bias quantizer of QuantLinear"
    _check_common(proxy, what, path, module)
    with torch.no_grad():
        qb = proxy(module.bias)
        f = _fraction_bits(qb.scale, what, path, module)
        return (qb.int().to(torch.float64) * 2.0 ** -f).to(torch.float32)


def _quantizer_name(proxy: Any) -> str:
    injector = getattr(proxy, "quant_injector", None)
    return getattr(injector, "__name__", type(proxy).__name__)


def _act_forward(module: nn.Module, path: str, relu: bool) -> Callable[..., Tensor]:
    proxy = module.act_quant
    if getattr(module, "return_quant_tensor", False):
        raise _refuse(path, module, "return_quant_tensor=True is not supported; use the default False")
    if not proxy.is_quant_enabled:
        spec = None
    else:
        if getattr(module, "input_quant", None) is not None and module.input_quant.is_quant_enabled:
            raise _refuse(path, module, "input_quant on an activation is not supported")
        spec = _spec(result=_act_type(proxy, path, module))

    def forward(x: Tensor) -> Tensor:
        y = torch.relu(x) if relu else x
        return torch.ops.gnn.quant(y, spec) if spec is not None else y

    return forward


def leaf_forwards(model: nn.Module) -> dict[nn.Module, Callable[..., Tensor]]:
    """The capture-time forward of every Brevitas layer of `model` (none without Brevitas)."""
    qnn = _brevitas_nn()
    if qnn is None:
        return {}
    out: dict[nn.Module, Callable[..., Tensor]] = {}
    for path, module in model.named_modules():
        if isinstance(module, qnn.QuantLinear):
            out[module] = _linear_forward(module, path)
        elif isinstance(module, qnn.QuantReLU):
            out[module] = _act_forward(module, path, relu=True)
        elif isinstance(module, qnn.QuantIdentity):
            out[module] = _act_forward(module, path, relu=False)
        elif isinstance(module, _other_layers()):
            raise _refuse(path, module, "this Brevitas layer is not supported (supported: "
                                        "QuantLinear, QuantReLU, QuantIdentity)")
    return out
