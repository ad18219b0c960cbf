"""The capture cache (gnnc/frontend/capture_cache.py): a hit imports exactly what a fresh
capture would, with the model's current weights; anything structural misses."""

from __future__ import annotations

import pytest
import torch
from torch import nn
from torch_geometric.nn import MessagePassing

from gnnc.errors import UnsupportedModelError
from gnnc.frontend import capture_cache, import_model


#: The activation Layer applies: a global its code reads.
ACTIVATION = torch.relu


class Layer(MessagePassing):
    def __init__(self, hidden: int = 4, scale: float = 1.0):
        super().__init__(aggr="add")
        self.lin = nn.Linear(3, hidden)
        self.out = nn.Linear(hidden, 2)
        self.scale = scale

    def forward(self, x, edge_index):
        h = self.propagate(edge_index, x=self.lin(x))
        return self.out(ACTIVATION(h)) * self.scale

    def message(self, x_j):
        return x_j


def _graph(nodes: int = 6, edges: int = 10, seed: int = 0):
    gen = torch.Generator().manual_seed(seed)
    x = torch.randn(nodes, 3, generator=gen)
    edge_index = torch.randint(0, nodes, (2, edges), generator=gen)
    return x, edge_index


def _model(seed: int = 0, **kwargs) -> Layer:
    torch.manual_seed(seed)
    return Layer(**kwargs).eval()


def _ir(model: nn.Module, example) -> str:
    return str(import_model(model, example).module)


@pytest.fixture(autouse=True)
def empty_cache():
    capture_cache.clear()
    yield
    capture_cache.clear()


def _misses(model: nn.Module, example) -> int:
    """How many new captures importing `model` on `example` made (0: a hit); the import
    itself may then refuse the model (a float64 input)."""
    keys = set(capture_cache._CACHE)
    try:
        import_model(model, example)
    except UnsupportedModelError:
        pass
    return len(set(capture_cache._CACHE) - keys)


def test_hit_gives_the_ir_of_a_fresh_capture():
    example = _graph()
    fresh = _ir(_model(), example)
    assert capture_cache.size() == 1
    again = _ir(_model(), example)  # another instance of the same structure: a hit
    assert capture_cache.size() == 1
    assert again == fresh


def test_hit_reads_the_new_weights():
    example = _graph()
    model = _model(seed=0)
    before = _ir(model, example)
    with torch.no_grad():
        model.lin.weight.mul_(3.0)  # retrained in place
    in_place = _ir(model, example)
    retrained = _model(seed=1)  # new parameter objects, same structure
    new_objects = _ir(retrained, example)
    assert capture_cache.size() == 1  # all hits
    assert in_place != before and new_objects != before
    capture_cache.clear()
    assert _ir(model, example) == in_place
    capture_cache.clear()
    assert _ir(retrained, example) == new_objects


def test_hit_on_another_graph_of_the_same_signature():
    fresh = _ir(_model(), _graph(8, 20, seed=3))
    assert _misses(_model(), _graph(7, 25, seed=4)) == 0
    assert _ir(_model(), _graph(7, 25, seed=4)) == fresh


@pytest.mark.parametrize("change", ["attribute", "submodule", "forward", "global", "signature", "dtype", "n_equals_e"])
def test_structural_changes_miss(change, monkeypatch):
    example = _graph(6, 10)
    import_model(_model(), example)
    model = _model()
    if change == "attribute":
        model.scale = 2.0
    elif change == "submodule":
        model.out = nn.Sequential(nn.Linear(4, 2))
    elif change == "forward":
        def forward(self, x, edge_index):
            return self.out(torch.sigmoid(self.propagate(edge_index, x=self.lin(x))))

        monkeypatch.setattr(Layer, "forward", forward)
    elif change == "global":  # a global the code reads, rebound
        monkeypatch.setitem(Layer.forward.__globals__, "ACTIVATION", torch.sigmoid)
    elif change == "signature":  # another feature count (and the layer that takes it)
        model.lin = nn.Linear(5, 4)
        example = (torch.randn(6, 5), example[1])
    elif change == "dtype":
        example = (example[0].double(), example[1])
        model = model.double()
    elif change == "n_equals_e":
        example = _graph(10, 10)
    assert _misses(model, example) == 1


def test_a_changed_global_changes_the_ir(monkeypatch):
    example = _graph()
    before = _ir(_model(), example)
    monkeypatch.setitem(Layer.forward.__globals__, "ACTIVATION", torch.sigmoid)
    after = _ir(_model(), example)
    assert after != before and "sigmoid" in after


def test_the_cache_is_bounded():
    example = _graph()
    for k in range(capture_cache.CAPACITY + 3):
        import_model(_model(scale=float(k + 2)), example)
    assert capture_cache.size() == capture_cache.CAPACITY
    # the oldest were dropped, the newest kept
    assert _misses(_model(scale=2.0), example) == 1
    assert _misses(_model(scale=float(capture_cache.CAPACITY + 4)), example) == 0


def test_tensor_attribute_values_are_read_fresh():
    class Shift(Layer):
        def __init__(self):
            super().__init__()
            self.shift = torch.zeros(2)  # a plain tensor attribute: export lifts it

        def forward(self, x, edge_index):
            return super().forward(x, edge_index) + self.shift

    example = _graph()
    torch.manual_seed(0)
    model = Shift().eval()
    before = _ir(model, example)
    model.shift = torch.full((2,), 0.5)
    after = _ir(model, example)
    assert capture_cache.size() == 1 and after != before
    capture_cache.clear()
    assert _ir(model, example) == after
