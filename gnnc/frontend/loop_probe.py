"""
The self-loop probe: a model whose result depends on what remove_self_loops removes is refused.

A design's edge list is fixed, so `remove_self_loops` (and add_remaining_self_loops, gcn_norm)
keeps all E edges in the capture and masks the loops out of the reductions onto the nodes
(self_loops.py). Everything else that sees the edge list then counts the removed loops: its
size (`edge_index.size(1)`, `.shape[1]`, `.numel()`, `len()`) is E where PyG has fewer, an
output per edge has E rows, a sum or mean over the edges includes them. torch.export reads
every such size from the input's symbol E, so the IR holds no trace of where a size came from.

Instead, when the importer saw self loops removed, import_model runs the model once more on
the example (its first few thousand edges) with a self loop added to every node that has
edges and none: eagerly in torch, and as the float interpretation of the IR. Where only the masked reductions see the loops,
both agree (the frontend invariant, 1e-5); a difference is exactly that dependence, and is
refused with the call's line and the fix. Cost: one eager forward and one float run.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
from torch import Tensor, nn

from gnnc.errors import UnsupportedModelError
from gnnc.frontend.capture import EDGE_INDEX, EDGES, SUPPORTED, GraphInput, _normalise_args

#: Largest |float IR - torch| / max |torch| of an output that still counts as equal (the
#: frontend's float invariant; a dropped loop changes a count of E by at least 1/E).
TOLERANCE = 1e-5

#: Edges of the example the probe keeps (its first ones, all nodes): a 100k-edge example
#: would cost seconds, and a loop per node among a few thousand edges shows any count.
PROBE_EDGES = 4096


def with_self_loops(inputs: tuple[GraphInput, ...], tensors: list[Tensor],
                    max_edges: int = PROBE_EDGES) -> tuple[list[Tensor], int] | None:
    """
    The example's tensors, cut to its first `max_edges` edges (all nodes kept), with a self
    loop i -> i appended for every node i that is the target of an edge and has no loop yet;
    each per-edge input gets the row of i's first incoming edge for it. With the number of
    loops added, or None when there is no such node.
    """
    at = next((k for k, i in enumerate(inputs) if i.kind == EDGE_INDEX), None)
    if at is None:
        return None
    out = list(tensors)
    for k, inp in enumerate(inputs):
        if inp.kind == EDGES:
            out[k] = tensors[k][:max_edges]
    edge_index = out[at] = tensors[at][:, :max_edges]
    src, dst = edge_index[0], edge_index[1]
    kept = (src != dst).nonzero().view(-1)
    targets, inverse = torch.unique(dst[kept], return_inverse=True)
    first = torch.full((targets.numel(),), edge_index.shape[1]).scatter_reduce(0, inverse, kept, "amin")
    free = ~torch.isin(targets, dst[src == dst])
    nodes, rows = targets[free], first[free]
    if nodes.numel() == 0:
        return None
    out[at] = torch.cat([edge_index, torch.stack([nodes, nodes])], dim=1)
    for k, inp in enumerate(inputs):
        if inp.kind == EDGES:
            out[k] = torch.cat([out[k], out[k][rows]], dim=0)
    return out, int(nodes.numel())


def _edges(inputs: tuple[GraphInput, ...], tensors: list[Tensor]) -> int:
    return next(t.shape[1] for i, t in zip(inputs, tensors) if i.kind == EDGE_INDEX)


def _difference(actual: np.ndarray, expected: np.ndarray) -> str | None:
    """How the design's output differs from torch's, or None if within TOLERANCE."""
    if actual.size != expected.size:
        return f"has {actual.shape[0]} rows in the design, {expected.shape[0] if expected.ndim else 1} in torch"
    actual = actual.reshape(expected.shape)  # a graph-level [F] is the design's [1, F]
    both_nan = np.isnan(actual) & np.isnan(expected)
    diff = np.where(both_nan, 0.0, np.abs(actual - expected))
    scale = max(float(np.nanmax(np.abs(expected), initial=0.0)), 1e-6)
    error = float(diff.max(initial=0.0)) / scale
    return None if error <= TOLERANCE else f"differs from torch by {error:.2g} (relative to its largest value)"


def probe_self_loops(imported: Any, model: nn.Module, example: Any, drops: list[str]) -> None:
    """Refuse `imported` (an ImportedModel of `model`) if, on `example` with self loops added,
    its float interpretation differs from torch; `drops` says where the loops are removed."""
    from gnnc import emulator
    from gnnc.frontend import torch_forward

    args = _normalise_args(example)
    convention = imported._convention
    probe = with_self_loops(convention.inputs, convention.tensors(args))
    if probe is None:
        return
    tensors, added = probe
    cut = f" (its first {PROBE_EDGES} edges)" if _edges(convention.inputs, tensors) - added == PROBE_EDGES else ""
    probe_args = convention.arguments(args, tensors)
    expected = torch_forward(model, *probe_args)
    actual = emulator.run(imported.module, imported.bind(*probe_args))
    for k, (a, x) in enumerate(zip(actual, expected, strict=True)):
        difference = _difference(a, x)
        if difference is None:
            continue
        name = imported.output_names[k]
        more = f" (and {len(drops) - 1} more places)" if len(drops) > 1 else ""
        raise UnsupportedModelError(
            f"the model's result depends on the self loops that remove_self_loops removes: on the "
            f"example{cut} with a self loop added to {added} of its nodes, output {k} ({name!r}) {difference}. "
            "A design keeps all E edges after remove_self_loops and masks the loops out of the "
            "reductions onto the nodes (propagate, scatter, softmax), so anything else that reads "
            "the edge list counts them: its size (edge_index.size(1), .shape[1], .numel(), len()), "
            "an output per edge, a sum or mean over the edges, a slice by the edge count.\n"
            f"  self loops removed in {drops[0]}{more}\n"
            "Fix: reduce over the edges onto the nodes instead (e.g. aggr='mean' or "
            "torch_geometric.utils.scatter(..., reduce='mean') rather than dividing by "
            "edge_index.size(1)), or remove the self loops from edge_index before inference "
            f"and drop the remove_self_loops call\n{SUPPORTED}"
        )
