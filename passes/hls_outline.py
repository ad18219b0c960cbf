"""hls-outline: one function per gnn op, called in order from the top function."""

from __future__ import annotations

from dataclasses import dataclass

from xdsl.context import Context
from xdsl.dialects import builtin, func
from xdsl.dialects.builtin import IntegerAttr, MemRefType, StringAttr
from xdsl.ir import Block, BlockArgument, Operation, Region, SSAValue
from xdsl.passes import ModulePass

from gnnc.dialects import hls
from gnnc.errors import GnncError
from gnnc.passes._util import SOURCE_ATTR, hls_top

#: Function attributes: the gnn op a function computes, whether it is inlined into its caller
#: (true: the design's QoR is the flat function's; false: an instance of its own, a row of the
#: vendor's report), and the comment above it (the torch module, op kind and model line).
OP_ATTR = "hls.op"
INLINE_ATTR = "hls.inline"
COMMENT_ATTR = "hls.comment"


@dataclass(frozen=True)
class HlsOutlinePass(ModulePass):
    """
    Move each gnn op's top-level loops (the loops naming it in `op`), with the arrays and
    ROMs only it uses, into a private function named after the op (`R1_layers_0_dense`),
    called where its loops stood. Arrays several ops use stay in the top function and are
    passed (`hls.direction = "in"` when the op only reads them, so they print `const`), with
    their partitioning; a ROM is declared in every function that reads it. `inline` (default
    true) marks the functions `hls.inline = true` (Vitis `INLINE`: the same QoR as the flat
    function); false keeps each an instance of its own (`INLINE off`), pipelined at the top's
    II. Loops that name no op stay in the top function. A dataflow design (hls-dataflow) has
    its stage functions already: they only get their comment. Runs last, after
    hls-partition-arrays.
    """

    name = "hls-outline"

    inline: bool = True

    def apply(self, ctx: Context, op: builtin.ModuleOp) -> None:
        top = hls_top(op)
        if top is None:
            raise GnncError(f"{self.name}: needs an hls module (after convert-gnn-to-hls)")
        if any(isinstance(f, func.FuncOp) and OP_ATTR in f.attributes for f in op.body.block.ops):
            raise GnncError(f"{self.name}: the module is outlined already")
        if "hls.dataflow" in top.attributes:
            for stage in (f for f in op.body.block.ops if isinstance(f, func.FuncOp) and "hls.stage" in f.attributes):
                loops = [o for o in stage.body.block.ops if isinstance(o, hls.ForOp)]
                stage.attributes[COMMENT_ATTR] = StringAttr(_comment(stage.attributes["hls.stage"].data, loops))  # type: ignore[attr-defined]
            return
        names = {o.sym_name.data for o in op.walk() if isinstance(o, func.FuncOp | hls.RomOp)}
        for name, loops in _groups(top):
            fn = _outline(top, name, loops, self.inline, names)
            op.body.block.insert_op_before(fn, top)


def _groups(top: func.FuncOp) -> list[tuple[str, list[hls.ForOp]]]:
    """Each op's top-level loops, in order; an op's loops stand together."""
    block = top.body.block
    first = block.first_op
    for o in list(block.ops):  # declarations first: a call may pass an array declared between loops
        if isinstance(o, hls.AllocaOp | hls.RomOp) and o is not first:
            o.detach()
            block.insert_op_before(o, first)  # type: ignore[arg-type]
        elif o is first:
            first = o.next_op if isinstance(o, hls.AllocaOp | hls.RomOp) else o
    groups: list[tuple[str, list[hls.ForOp]]] = []
    previous: hls.ForOp | None = None
    for o in block.ops:
        if not isinstance(o, hls.ForOp):
            continue
        if o.op is None:
            previous = o
            continue
        name = o.op.data
        if groups and groups[-1][0] == name and previous is groups[-1][1][-1]:
            groups[-1][1].append(o)
        elif any(g == name for g, _ in groups):
            raise GnncError(f"hls-outline: the loops of '{name}' do not stand together in the top function")
        else:
            groups.append((name, [o]))
        previous = o
    return groups


def _comment(name: str, loops: list[hls.ForOp]) -> str:
    """`R1.layers.0: dense, model.py:57` (what the function computes, where the model says it)."""
    path = next((lp.path.data for lp in loops if lp.path is not None), None)
    source = next((lp.attributes[SOURCE_ATTR] for lp in loops if SOURCE_ATTR in lp.attributes), None)
    what = name
    if path is not None:
        kind = name[len(path.replace(".", "_")) + 1:] if name.startswith(path.replace(".", "_") + "_") else name
        what = f"{path}: {kind}"
    return what + (f", {source.data}" if isinstance(source, StringAttr) else "")  # type: ignore[attr-defined]


def _outline(top: func.FuncOp, name: str, loops: list[hls.ForOp], inline: bool, names: set[str]) -> func.FuncOp:
    block = top.body.block
    owned: list[Operation] = []
    roms: list[hls.RomOp] = []
    within = _Within(loops)
    for o in block.ops:
        if isinstance(o, hls.AllocaOp | hls.RomOp):
            inside = [u for u in o.result.uses if within(u.operation)]
            if inside and len(inside) == len(list(o.result.uses)) and isinstance(o, hls.AllocaOp):
                owned.append(o)
            elif inside and isinstance(o, hls.RomOp):
                roms.append(o)
    params: list[SSAValue] = []
    for lp in loops:
        for inner in lp.walk():
            for v in inner.operands:
                if v not in params and _at_top(v, top) and v.owner not in owned and v.owner not in roms:
                    params.append(v)
    body = Block(arg_types=[v.type for v in params])
    fn_name = _unique(name, names)
    fn = func.FuncOp(fn_name, builtin.FunctionType.from_lists([v.type for v in params], []), Region(body),
                     visibility="private")
    fn.arg_attrs = builtin.ArrayAttr([builtin.DictionaryAttr(_param_attrs(top, v, within, inline)) for v in params])
    for v, arg in zip(params, body.args):
        arg.name_hint = v.name_hint
    fn.attributes[OP_ATTR] = StringAttr(name)
    fn.attributes[INLINE_ATTR] = IntegerAttr.from_bool(inline)
    fn.attributes[COMMENT_ATTR] = StringAttr(_comment(name, loops))
    if not inline and (ii := top.attributes.get("hls.pipeline_ii")) is not None:
        fn.attributes["hls.pipeline_ii"] = ii  # an instance inside the pipelined top is pipelined itself
    call = func.CallOp(fn_name, params, [])
    block.insert_op_before(call, loops[0])
    for rom in roms:  # a ROM is a global of the weights header: each reader declares it
        copy = rom.clone()
        body.add_op(copy)
        rom.result.replace_uses_with_if(copy.result, lambda u: within(u.operation))
        if not rom.result.uses:
            block.erase_op(rom)
    for o in owned + loops:
        o.detach()
        body.add_op(o)
    body.add_op(func.ReturnOp())
    for v, arg in zip(params, body.args):  # every op of fn is in the loops, or a ROM copy
        v.replace_uses_with_if(arg, lambda u: within(u.operation) or u.operation.parent_op() is fn)
    return fn


def _param_attrs(top: func.FuncOp, v: SSAValue, within: _Within, inline: bool) -> dict:
    """A parameter's name, `in` when the op only reads it, and (an instance of its own: the
    caller's partitioning does not reach it) the partitioning of its array."""
    attrs: dict = {"hls.name": StringAttr(v.name_hint or "arg")}
    if isinstance(v, BlockArgument):
        port = dict(top.arg_attrs.data[v.index].data) if top.arg_attrs else {}  # type: ignore[union-attr]
        attrs["hls.name"] = port.get("hls.name", attrs["hls.name"])
        partition = port.get("hls.partition")
    else:
        partition = getattr(v.owner, "partition", None)
    if isinstance(v.type, MemRefType):
        written = any(isinstance(u.operation, hls.StoreOp) and u.operation.memref is v and within(u.operation)
                      for u in v.uses)
        attrs["hls.direction"] = StringAttr("out" if written else "in")
        if partition is not None and not inline:
            attrs["hls.partition"] = partition
    return attrs


def _at_top(v: SSAValue, top: func.FuncOp) -> bool:
    if isinstance(v, BlockArgument):
        return v.owner is top.body.block
    return v.owner.parent_op() is top  # type: ignore[union-attr]


def _unique(base: str, names: set[str]) -> str:
    name, k = base, 1
    while name in names:
        name, k = f"{base}_{k}", k + 1
    names.add(name)
    return name


class _Within:
    """Whether an op is one of `loops` or inside one: the ops of the loops, collected once
    (moving a loop keeps what is inside it)."""

    def __init__(self, loops: list[hls.ForOp]):
        self.ops = {id(o) for lp in loops for o in lp.walk()}
        self.alive = loops

    def __call__(self, op: Operation | None) -> bool:
        return id(op) in self.ops


def flattened(module: builtin.ModuleOp) -> builtin.ModuleOp:
    """A copy of an outlined module with every op function's body back in the top function
    (what the estimate reads: the loops of the top). The module itself when not outlined."""
    if not any(isinstance(f, func.FuncOp) and OP_ATTR in f.attributes for f in module.body.block.ops):
        return module
    module = module.clone()
    funcs = {f.sym_name.data: f for f in module.body.block.ops if isinstance(f, func.FuncOp) and OP_ATTR in f.attributes}
    top = hls_top(module)
    assert top is not None  # outlined: hls-outline found it
    block = top.body.block
    roms: dict[str, SSAValue] = {o.sym_name.data: o.result for o in block.ops if isinstance(o, hls.RomOp)}
    for call in [o for o in block.ops if isinstance(o, func.CallOp)]:
        fn = funcs[call.callee.root_reference.data]
        body = fn.body.block
        for arg, v in zip(body.args, call.arguments):
            arg.replace_all_uses_with(v)
        for o in list(body.ops):
            o.detach()
            if isinstance(o, func.ReturnOp):
                continue
            if isinstance(o, hls.RomOp) and o.sym_name.data in roms:
                o.result.replace_all_uses_with(roms[o.sym_name.data])
                continue
            if isinstance(o, hls.RomOp):
                roms[o.sym_name.data] = o.result
            block.insert_op_before(o, call)
        block.erase_op(call)
    for fn in funcs.values():
        module.body.block.erase_op(fn)
    return module
