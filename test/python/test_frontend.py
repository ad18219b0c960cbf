"""The frontend: PyG model -> gnn IR, checked against torch on the TrackML graphs."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest
import torch
from torch import nn
from xdsl.context import Context
from xdsl.dialects.builtin import Builtin, ModuleOp
from xdsl.dialects.func import Func, FuncOp
from xdsl.parser import Parser

from gnnc.dialects import gnn
from gnnc.emulator import run
from gnnc.errors import GnncError, UnsupportedModelError

# gnnc.frontend first: it imports PyG with PyG's own torch.jit deprecation warning silenced.
from gnnc.frontend import import_model, torch_forward  # isort: skip

import torch_geometric.utils  # isort: skip  # noqa: E402
from torch_geometric.nn import GraphConv, MessagePassing, SAGEConv  # isort: skip  # noqa: E402
from torch_geometric.utils import scatter as pyg_scatter  # isort: skip  # noqa: E402

# (aggr, flow, hidden): every trained IN variant the tests cover.
IN_CONFIGS = [
    ("add", "source_to_target", 8),
    ("add", "source_to_target", 40),
    ("mean", "source_to_target", 40),
    ("max", "source_to_target", 40),
    ("add", "target_to_source", 40),
]
IN_OPS = Counter(
    {"gather": 4, "concat": 3, "dense": 9, "relu": 6, "scatter": 1, "sigmoid": 1}
)
TOLERANCE = 1e-5


def _op_histogram(module: ModuleOp) -> Counter:
    hist: Counter = Counter()
    for op in module.walk():
        if isinstance(op, gnn.ActivationOp):
            hist[op.fn.data.value] += 1
        elif op.name.startswith("gnn."):
            hist[op.name[len("gnn."):]] += 1
    return hist


def _func(module: ModuleOp) -> FuncOp:
    return next(op for op in module.ops if isinstance(op, FuncOp))


def _max_error(model: nn.Module, imported, *args) -> float:
    expected = torch_forward(model, *args)
    actual = run(imported.module, imported.bind(*args))
    assert [a.shape for a in actual] == [e.shape for e in expected]
    return max(float(np.abs(a - e).max()) for a, e in zip(actual, expected))


def _random_graph(n: int, e: int, features: int = 3, seed: int = 0):
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(n, features, generator=g)
    # The last node gets no edges, so empty max/mean rows are exercised.
    edge_index = torch.randint(0, n - 1, (2, e), generator=g)
    return x, edge_index


# --------------------------------------------------------------------------- #
# The tracking Interaction Network
# --------------------------------------------------------------------------- #


@pytest.fixture(scope="module", params=IN_CONFIGS, ids=lambda c: "-".join(map(str, c)))
def tracking_in(request, trackml_dir, graphs):
    """(config, model, imported): each IN captured once, on the first graph."""
    from interaction_network import load_tracking_in

    model = load_tracking_in(*request.param, data_dir=trackml_dir)
    return request.param, model, import_model(model, graphs[0])


def test_in_op_multiset(tracking_in):
    (aggr, flow, _), _, imported = tracking_in
    assert _op_histogram(imported.module) == IN_OPS
    (scatter,) = [op for op in imported.module.walk() if isinstance(op, gnn.ScatterOp)]
    assert scatter.reduce.data.value == {"add": "sum"}.get(aggr, aggr)
    # Messages are aggregated at the receiving end of each edge.
    receiver = gnn.EdgeEnd.DST if flow == "source_to_target" else gnn.EdgeEnd.SRC
    assert scatter.end.data == receiver
    gathers = Counter(op.end.data for op in imported.module.walk() if isinstance(op, gnn.GatherOp))
    assert gathers == {gnn.EdgeEnd.SRC: 2, gnn.EdgeEnd.DST: 2}


def test_in_signature(tracking_in):
    (_, _, hidden), _, imported = tracking_in
    func = _func(imported.module)
    assert func.sym_name.data == "interaction_network"
    # data.y is not read by the model, so it is not an input of the design.
    assert imported.input_names == ["x", "edge_index", "edge_attr"]
    assert imported.output_names == ["out0"]
    assert list(func.function_type.inputs.data) == [
        gnn.NodesType(3), gnn.EdgeIndexType(), gnn.EdgesType(4)
    ]
    assert list(func.function_type.outputs.data) == [gnn.EdgesType(1)]
    names = [d.data["gnn.name"].data for d in func.arg_attrs.data]
    assert names == imported.input_names
    assert [s.data for s in func.attributes["gnn.outputs"].data] == ["out0"]
    dense_paths = [op.attributes["gnn.path"].data for op in func.walk() if isinstance(op, gnn.DenseOp)]
    assert dense_paths == [f"{m}.layers.{k}" for m in ("R1", "O", "R2") for k in (0, 2, 4)]
    first = next(op for op in func.walk() if isinstance(op, gnn.DenseOp))
    assert first.weight.get_shape() == (hidden, 10)


def test_in_float_matches_torch_on_all_graphs(tracking_in, graphs):
    _, model, imported = tracking_in
    sizes = {(g.num_nodes, g.num_edges) for g in graphs}
    assert len(sizes) == len(graphs) == 10  # the IR is valid for every graph size
    errors = [_max_error(model, imported, g) for g in graphs]
    assert max(errors) <= TOLERANCE, errors


def test_in_ir_prints_and_parses_back(tracking_in):
    _, _, imported = tracking_in
    ctx = Context()
    for dialect in (Builtin, Func, gnn.Gnn):
        ctx.load_dialect(dialect)
    text = str(imported.module)
    reparsed = Parser(ctx, text).parse_module()
    reparsed.verify()
    assert str(reparsed) == text


def test_bind_shapes_and_dtypes(tracking_in, graphs):
    _, _, imported = tracking_in
    g = graphs[3]
    inputs = imported.bind(g)
    assert list(inputs) == ["x", "edge_index", "edge_attr"]
    assert inputs["x"].dtype == np.float32 and inputs["x"].shape == (g.num_nodes, 3)
    assert inputs["edge_index"].dtype == np.int64 and inputs["edge_index"].shape == (2, g.num_edges)
    assert inputs["edge_attr"].dtype == np.float32 and inputs["edge_attr"].shape == (g.num_edges, 4)


def test_capture_leaves_the_model_unchanged(trackml_dir, graphs):
    from interaction_network import load_tracking_in

    model = load_tracking_in("add", "source_to_target", 8, data_dir=trackml_dir)
    before = torch_forward(model, graphs[1])
    model.train()
    saved_e = model.E
    state = {k: v.clone() for k, v in model.state_dict().items()}

    import_model(model, graphs[0])

    assert model.E is saved_e  # the side effect in message() is undone
    for module in model.modules():
        assert "propagate" not in module.__dict__
        assert "edge_updater" not in module.__dict__
        assert module.training
    assert torch_geometric.utils.scatter is pyg_scatter
    assert all(torch.equal(v, model.state_dict()[k]) for k, v in state.items())
    after = torch_forward(model, graphs[1])
    assert all(np.array_equal(a, b) for a, b in zip(before, after))


class TensorArgsIN(MessagePassing):
    """The IN with tensor arguments instead of a Data object, and no E attribute before forward."""

    def __init__(self, hidden: int):
        from interaction_network import ObjectModel, RelationalModel

        super().__init__(aggr="add")
        self.R1 = RelationalModel(10, 4, hidden)
        self.O = ObjectModel(7, 3, hidden)
        self.R2 = RelationalModel(10, 1, hidden)

    def forward(self, hits, edge_index, edge_features):
        x_tilde = self.propagate(edge_index, x=hits, edge_attr=edge_features)
        m2 = torch.cat([x_tilde[edge_index[1]], x_tilde[edge_index[0]], self.E], dim=1)
        return torch.sigmoid(self.R2(m2))

    def message(self, x_i, x_j, edge_attr):
        self.E = self.R1(torch.cat([x_i, x_j, edge_attr], dim=1))
        return self.E

    def update(self, aggr_out, x):
        return self.O(torch.cat([x, aggr_out], dim=1))


def test_tensor_arguments_are_named_after_forward(trackml_dir, graphs):
    from interaction_network import load_tracking_in

    model = TensorArgsIN(8)
    model.load_state_dict(load_tracking_in("add", "source_to_target", 8, trackml_dir).state_dict())
    args = [(g.x, g.edge_index, g.edge_attr) for g in graphs]
    imported = import_model(model, args[0])
    assert "E" not in model.__dict__
    assert imported.input_names == ["hits", "edge_index", "edge_features"]
    assert _op_histogram(imported.module) == IN_OPS
    assert max(_max_error(model, imported, *a) for a in args) <= TOLERANCE
    with pytest.raises(GnncError, match=r"input 'hits' must have shape \[rows, 3\]"):
        imported.bind(torch.zeros(5, 4), *args[0][1:])


# --------------------------------------------------------------------------- #
# Other spellings and layers
# --------------------------------------------------------------------------- #


class ScatterIN(nn.Module):
    """The IN's first half in plain torch: gathers by indexing, utils.scatter with dim_size."""

    def __init__(self, reduce: str):
        super().__init__()
        self.reduce = reduce
        self.edge = nn.Sequential(nn.Linear(6, 8), nn.ReLU(), nn.Linear(8, 4))
        self.node = nn.Linear(7, 3)

    def forward(self, x, edge_index):
        src, dst = edge_index
        m = self.edge(torch.cat([x[dst], x.index_select(0, src)], dim=1))
        aggr = pyg_scatter(m, dst, dim=0, dim_size=x.size(0), reduce=self.reduce)
        return torch.tanh(self.node(torch.cat([x, aggr], dim=1)))


class IndexAddIN(nn.Module):
    """Aggregation spelled torch.zeros(...).index_add_ and scatter_add_ on zeros."""

    def __init__(self):
        super().__init__()
        self.edge = nn.Linear(6, 4)

    def forward(self, x, edge_index):
        m = self.edge(torch.cat([x[edge_index[1]], x[edge_index[0]]], dim=1))
        a = torch.zeros(x.size(0), 4).index_add_(0, edge_index[1], m)
        b = x.new_zeros((x.size(0), 4)).scatter_add_(0, edge_index[0].view(-1, 1).expand_as(m), m)
        return a * b + a


class Sage(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = SAGEConv(3, 8, aggr="mean")
        self.conv2 = GraphConv(8, 2, aggr="max")

    def forward(self, x, edge_index):
        return torch.sigmoid(self.conv2(self.conv1(x, edge_index).relu(), edge_index))


class BatchNormMLP(nn.Module):
    """BatchNorm after a Linear folds into it; after a ReLU it becomes a gnn.scale."""

    def __init__(self):
        super().__init__()
        self.mlp = nn.Sequential(
            nn.Linear(3, 4), nn.BatchNorm1d(4), nn.ReLU(), nn.BatchNorm1d(4, affine=False)
        )
        g = torch.Generator().manual_seed(0)
        for bn in (self.mlp[1], self.mlp[3]):
            bn.running_mean.uniform_(-1, 1, generator=g)
            bn.running_var.uniform_(0.5, 2, generator=g)
        self.mlp[1].weight.data.uniform_(0.5, 2, generator=g)
        self.mlp[1].bias.data.uniform_(-1, 1, generator=g)

    def forward(self, x, edge_index):
        return self.mlp(x)[edge_index[0]]


@pytest.mark.parametrize(
    "model, expected",
    [
        (ScatterIN("sum"), {"gather": 2, "concat": 2, "dense": 3, "relu": 1, "scatter": 1, "tanh": 1}),
        (ScatterIN("mean"), {"gather": 2, "concat": 2, "dense": 3, "relu": 1, "scatter": 1, "tanh": 1}),
        (ScatterIN("max"), {"gather": 2, "concat": 2, "dense": 3, "relu": 1, "scatter": 1, "tanh": 1}),
        (ScatterIN("min"), {"gather": 2, "concat": 2, "dense": 3, "relu": 1, "scatter": 1, "tanh": 1}),
        (IndexAddIN(), {"gather": 2, "concat": 1, "dense": 1, "scatter": 2, "mul": 1, "add": 1}),
        (Sage(), {"gather": 2, "scatter": 2, "dense": 4, "add": 2, "relu": 1, "sigmoid": 1}),
        (BatchNormMLP(), {"dense": 1, "scale": 1, "relu": 1, "gather": 1}),
    ],
    ids=[
        "scatter-sum", "scatter-mean", "scatter-max", "scatter-min", "index-add",
        "sage-graphconv", "batchnorm",
    ],
)
def test_other_spellings(model, expected):
    imported = import_model(model, _random_graph(12, 30))
    assert _op_histogram(imported.module) == Counter(expected)
    assert imported.input_names == ["x", "edge_index"]
    for n, e, seed in ((5, 7, 1), (40, 150, 2)):
        assert _max_error(model, imported, *_random_graph(n, e, seed=seed)) <= TOLERANCE


def test_gnn_scatter_op_matches_pyg():
    src = torch.randn(30, 4)
    index = torch.randint(0, 8, (30,))  # rows 8 and 9 receive nothing
    for reduce in ("sum", "add", "mean", "max", "min"):
        expected = pyg_scatter(src, index, 0, 10, reduce)
        assert torch.allclose(torch.ops.gnn.scatter(src, index, 0, 10, reduce), expected, atol=1e-6)


# --------------------------------------------------------------------------- #
# Unsupported models
# --------------------------------------------------------------------------- #


class SortModel(nn.Module):
    def __init__(self):
        super().__init__()
        self.lin = nn.Linear(3, 4)

    def forward(self, x, edge_index):
        values, _ = torch.sort(self.lin(x), dim=1)
        return values


class NoDimSize(nn.Module):
    def forward(self, x, edge_index):
        return pyg_scatter(x[edge_index[0]], edge_index[1], reduce="sum")


class QuotientConv(MessagePassing):
    def __init__(self):
        super().__init__(aggr="max")
        self.lin = nn.Linear(3, 3)

    def forward(self, x, edge_index):
        return self.propagate(edge_index, x=x)

    def message(self, x_i, x_j):
        return self.lin(x_j / x_i)


class Wrapped(nn.Module):
    def __init__(self):
        super().__init__()
        self.block = nn.ModuleDict({"conv": QuotientConv()})

    def forward(self, x, edge_index):
        return self.block["conv"](x, edge_index)


def _unsupported(model: nn.Module) -> str:
    with pytest.raises(UnsupportedModelError) as info:
        import_model(model, _random_graph(10, 20))
    return str(info.value)


def test_unsupported_op_names_op_location_and_what_is_supported():
    message = _unsupported(SortModel())
    assert "torch.sort" in message
    assert "SortModel.forward" in message
    assert "test_frontend.py" in message and "torch.sort(self.lin(x), dim=1)" in message
    assert "gnnc supports:" in message and "nn.Linear" in message


def test_unsupported_scatter_without_dim_size():
    message = _unsupported(NoDimSize())
    assert "scatter without dim_size" in message
    assert "dim_size=x.size(0)" in message
    assert "NoDimSize.forward" in message and "test_frontend.py" in message


def test_unsupported_op_in_message_names_the_module_path():
    message = _unsupported(Wrapped())
    assert "torch.div" in message and "division by a matrix is not supported" in message
    assert "module 'block.conv' (QuotientConv)" in message
    assert "in message: return self.lin(x_j / x_i)" in message


def test_unsupported_error_has_no_deep_traceback():
    with pytest.raises(UnsupportedModelError) as info:
        import_model(SortModel(), _random_graph(10, 20))
    assert info.value.__cause__ is None and info.value.__suppress_context__


def test_unsupported_data_dependent_size():
    class DataDependent(nn.Module):
        def forward(self, x, edge_index):
            n = int(edge_index.max()) + 1
            return torch.zeros(n, 3).index_add_(0, edge_index[1], x[edge_index[0]])

    message = _unsupported(DataDependent())
    assert "could not capture" in message and "int(edge_index.max())" in message
    assert "values of the graph" in message


def test_rebinding_finds_a_name_bound_after_the_last_scan():
    """capture rebinds PyG's scatter wherever a module imported it; the scan of sys.modules is
    cached, and must be redone once another module (which may hold the name) is imported."""
    import sys
    import types

    from torch_geometric.utils import _scatter

    from gnnc.frontend.capture import _rebind_globals

    replacement = object()
    with _rebind_globals({_scatter.scatter: replacement}):
        pass  # scanned and cached
    late = types.ModuleType("gnnc_test_late_import")
    late.scatter = _scatter.scatter
    sys.modules[late.__name__] = late
    try:
        with _rebind_globals({_scatter.scatter: replacement}):
            assert late.scatter is replacement
        assert late.scatter is _scatter.scatter
    finally:
        del sys.modules[late.__name__]


class _Sage(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = SAGEConv(3, 4)

    def forward(self, x, edge_index):
        return self.conv(x, edge_index)


def test_numpy_example_imports_like_tensors():
    """An example of numpy arrays (issue 13: it failed in torch.export, 'inputs has 0 elements')."""
    g = torch.Generator().manual_seed(0)
    x, edge_index = torch.randn(10, 3, generator=g), torch.randint(0, 9, (2, 30), generator=g)
    model = _Sage()
    from_numpy = import_model(model, (x.numpy(), edge_index.numpy()))
    assert str(from_numpy.module) == str(import_model(model, (x, edge_index)).module)
    out = run(from_numpy.module, {"x": x.numpy(), "edge_index": edge_index.numpy()}, fixed=False)[0]
    assert np.abs(out - model(x, edge_index).detach().numpy()).max() <= 1e-5


def test_numpy_float64_example_is_refused_naming_the_input():
    """As a float64 tensor would be: the message names the argument and the dtype."""
    x, edge_index = np.random.default_rng(0).standard_normal((10, 3)), np.random.default_rng(1).integers(0, 9, (2, 30))
    with pytest.raises(UnsupportedModelError, match=r"input 'x' \(torch.float64"):
        import_model(_Sage(), (x, edge_index))
