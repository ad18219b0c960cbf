"""
Which SSA values the C++ printers write inside the expression that uses them, instead of
as a variable of their own (readable C++: `acc = acc + w[o][i] * x[e][i];`, not four
temporaries).

A value is inlined when
* its op can be printed as an expression (the printer says which: `can_inline`),
* it has exactly one use, in the same block (a value computed outside a loop stays outside:
  inlining it would recompute it per iteration, and per unrolled copy in hardware); a use by
  max/min counts twice, since `(a > b) ? a : b` spells each operand twice;
* it is a load, and nothing with a side effect (a store, a loop, a call, a stream access)
  stands between the load and the statement that finally prints it: the read moves there.

Constants are not planned here: the printers fold every constant into each of its uses.
The plan changes the spelling only; which C++ types the expressions keep is the printer's
job (an inlined value whose C++ type is not its IR type is wrapped in that type's
constructor, so every intermediate conversion of the IR stays).
"""

from __future__ import annotations

from collections.abc import Callable

from xdsl.dialects import func
from xdsl.ir import Block, Operation, SSAValue
from xdsl.traits import Pure

from gnnc.dialects import hls


def _weight(op: Operation) -> int:
    return 2 if isinstance(op, hls.MaxOp | hls.MinOp) else 1


def _side_effect(op: Operation) -> bool:
    return not (op.has_trait(Pure) or isinstance(op, hls.LoadOp | hls.AllocaOp | hls.RomOp))


def inline_plan(fn: func.FuncOp, can_inline: Callable[[Operation], bool]) -> set[SSAValue]:
    """The values of `fn` to print inline at their one use."""
    inlined: set[SSAValue] = set()
    for op in fn.walk():
        for region in op.regions:
            for block in region.blocks:
                _plan_block(block, can_inline, inlined)
    return inlined


def _plan_block(block: Block, can_inline: Callable[[Operation], bool], inlined: set[SSAValue]) -> None:
    ops = list(block.ops)
    position = {op: k for k, op in enumerate(ops)}
    effects = [0]  # effects[k]: side-effecting ops among ops[:k]
    for op in ops:
        effects.append(effects[-1] + _side_effect(op))
    printed_at: dict[Operation, Operation] = {}  # inlined op -> the statement that prints it
    for op in reversed(ops):  # a user is decided before the ops it uses
        if len(op.results) != 1 or isinstance(op, hls.ConstantOp) or not can_inline(op):
            continue
        uses = list(op.results[0].uses)
        if len(uses) != 1 or _weight(uses[0].operation) != 1:
            continue
        user = uses[0].operation
        if user.parent_block() is not block or isinstance(user, hls.ForOp):
            continue
        at = printed_at.get(user, user)
        if isinstance(op, hls.LoadOp) and effects[position[at]] - effects[position[op] + 1]:
            continue
        printed_at[op] = at
        inlined.add(op.results[0])
