"""What a written project keeps of its design, so that `gnnc.load(PRJ)` reopens it without the model.

Two files beside `gnnc_config.yaml`:

* `gnnc_design.mlir`: the design's `gnn` IR as imported (float weights, module paths, the
  capacity and precision as module attributes), what `design.mlir("gnn")` prints;
* `gnnc_design.json`: how the model is called (one PyG Data, or positional arguments and
  which of them the IR reads), the output names, and the example graph the project's
  testbench was made from (float32 / int64 values, exact in JSON).

`load` parses both, reads the config, and runs the same passes `gnnc.compile` ran, so the
reopened Design has the same IR, emulator, C simulation, estimate and printed files.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from gnnc import module_attributes
from gnnc.errors import GnncError

if TYPE_CHECKING:
    from gnnc.design import Design

IR_FILE = "gnnc_design.mlir"
CALL_FILE = "gnnc_design.json"
FORMAT = 1


def files(design: Design) -> dict[str, str]:
    """The two files of `design` (relative path -> text)."""
    imported = design._imported
    convention = imported._convention
    call = {
        "format": FORMAT,
        "uses_data": convention.uses_data,
        "n_args": convention.n_args,
        "convention_inputs": [_input(i) for i in convention.inputs],
        "inputs": [_input(i) for i in imported._inputs],
        "output_names": list(design.output_names),
        "example": {name: _array(value) for name, value in design._example_inputs.items()},
    }
    return {IR_FILE: design.mlir("gnn"), CALL_FILE: json.dumps(call, indent=1) + "\n"}


def load(project: str | Path) -> Design:
    """The Design a project was written from (see the module doc); a GnncError naming the
    folder or file when it is not a gnnc project, or one written before gnnc kept its design."""
    from gnnc.backends.write import MARKER
    from gnnc.config import load_config
    from gnnc.design import Design
    from gnnc.frontend import ImportedModel
    from gnnc.frontend.capture import CallConvention
    from gnnc.ir import parse_module

    root = Path(project)
    if not (root / MARKER).is_file():
        raise GnncError(f"{root}: not a gnnc project (no {MARKER}); write one with gnnc compile or design.write")
    missing = [f for f in (IR_FILE, CALL_FILE) if not (root / f).is_file()]
    if missing:
        raise GnncError(f"{root}: has no {missing[0]}: the project was written by a gnnc that did not keep its "
                        "design; compile it again (gnnc compile ... --force replaces only gnnc's own files)")
    config = load_config(root / MARKER)
    call = _read_call(root / CALL_FILE)
    module = parse_module((root / IR_FILE).read_text(), str(root / IR_FILE))
    for name in module_attributes.ALL:  # the config says the same
        module.attributes.pop(name, None)
    try:
        convention = CallConvention(call["uses_data"], tuple(_graph_input(i) for i in call["convention_inputs"]),
                                    call["n_args"])
        imported = ImportedModel(module=module, input_names=[i["name"] for i in call["inputs"]],
                                 output_names=list(call["output_names"]),
                                 _inputs=[_graph_input(i) for i in call["inputs"]], _convention=convention)
        example = {name: _from_array(entry) for name, entry in call["example"].items()}
    except (KeyError, TypeError, ValueError) as err:
        raise GnncError(f"{root / CALL_FILE}: malformed ({type(err).__name__}: {err}); compile the project again") from None
    return Design(imported, config, example)


def example_args(design: Design) -> tuple:
    """The stored example as forward arguments: (Data,) or a tuple with None where the IR reads nothing."""
    import torch

    convention = design._imported._convention
    tensors = {i.key: torch.from_numpy(design._example_inputs[i.name].copy()) for i in design._imported._inputs}
    if convention.uses_data:
        from torch_geometric.data import Data

        return (Data(**{str(k): v for k, v in tensors.items()}),)
    return tuple(tensors.get(k) for k in range(convention.n_args))


def _input(i: Any) -> dict:
    return {"name": i.name, "kind": i.kind, "key": i.key}


def _graph_input(entry: dict) -> Any:
    from gnnc.frontend.capture import GraphInput

    return GraphInput(str(entry["name"]), str(entry["kind"]), entry["key"])


def _array(value: np.ndarray) -> dict:
    value = np.asarray(value)
    # float32 -> Python float is exact, and JSON keeps the shortest repr that reads back the same
    return {"dtype": str(value.dtype), "shape": list(value.shape), "values": value.reshape(-1).tolist()}


def _from_array(entry: dict) -> np.ndarray:
    dtype = np.dtype(entry["dtype"])
    if dtype not in (np.float32, np.int64):
        raise ValueError(f"example dtype {dtype} (expected float32 or int64)")
    return np.asarray(entry["values"], dtype=dtype).reshape(entry["shape"])


def _read_call(path: Path) -> dict:
    try:
        call = json.loads(path.read_text())
    except (OSError, ValueError) as err:
        raise GnncError(f"{path}: not readable JSON ({err}); compile the project again") from None
    if not isinstance(call, dict) or call.get("format") != FORMAT:
        raise GnncError(f"{path}: format {call.get('format') if isinstance(call, dict) else '?'} is not {FORMAT}, "
                        "the one this gnnc reads; compile the project again")
    return call
