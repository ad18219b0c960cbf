"""Issue 11: the `strategy` config key (latency | resource | distributed_arithmetic per op)."""

import pytest

import gnnc
from gnnc.config import load_config


def test_strategy_forms_read_back():
    cfg = load_config({"strategy": "resource"})
    assert (cfg.strategy, cfg.strategy_ops, cfg.strategy_kinds) == ("resource", (), ())
    cfg = load_config({"strategy": {"default": "latency", "ops": {"R1.layers.0": "distributed_arithmetic"},
                                    "kinds": {"dense": "resource"}}})
    assert cfg.strategy_ops == (("R1.layers.0", "distributed_arithmetic"),)
    assert cfg.strategy_kinds == (("dense", "resource"),)
    back = load_config({"strategy": cfg.to_dict()["strategy"]})  # what gnnc_config.yaml records
    assert (back.strategy, back.strategy_ops, back.strategy_kinds) == (cfg.strategy, cfg.strategy_ops, cfg.strategy_kinds)
    assert load_config(None).to_dict()["strategy"] == "latency"


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ({"strategy": "fast"}, "strategy.default: 'fast' is not a strategy; known: latency, resource, distributed_arithmetic"),
        ({"strategy": {"op": {}}}, "unknown config key strategy.op"),
        ({"strategy": {"kinds": {"conv": "latency"}}}, "unknown config key strategy.kinds.conv; known kinds: dense"),
        ({"strategy": {"kinds": {"mul": "distributed_arithmetic"}}}, "strategy.kinds.mul: distributed_arithmetic"),
        ({"strategy": {"ops": {"a=b": "latency"}}}, "is not an op path"),
        ({"strategy": {"ops": {"R1": "dsp"}}}, "strategy.ops.R1: 'dsp' is not a strategy"),
        ({"strategy": "distributed_arithmetic", "reuse_factor": 2}, "alkaid's adder graphs are fully unrolled"),
    ],
)
def test_bad_strategy_is_a_config_error(config, message):
    with pytest.raises(gnnc.ConfigError, match=message.replace("(", r"\(").replace(")", r"\)")):
        load_config(config)
