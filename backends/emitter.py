"""
The C++ emitter shared by every backend: an hls-dialect top function, op by op.

`FunctionEmitter` owns everything that is the same for every vendor: value naming,
statements with constants folded and single-use values inlined (`inlining.py`; an inlined
value whose C++ type is not its IR type is wrapped in its type's constructor), loops with their runtime limit, local arrays, scalar variables,
ROMs collected for a weights header of raw integers, and the port list. A vendor
subclass supplies the parts that differ, as a handful of hooks:

| hook | Vitis (`backends/vitis/printer.py`) | oneAPI (`backends/oneapi/printer.py`) |
|---|---|---|
| `c_type` | `ap_fixed<W, I, Q, O>`, `ap_uint<W>` | `ac_fixed<W, I, S, Q, O>`, `ac_int<W, S>` |
| `function_directives` | INTERFACE, ARRAY_PARTITION of ports, PIPELINE | none (they go on the kernel) |
| `loop_open` | `label: for (...) {` + `#pragma HLS UNROLL/PIPELINE` | `// label`, `#pragma unroll`, `[[intel::initiation_interval]]`, `for` |
| `array_decl` | declaration + `#pragma HLS ARRAY_PARTITION` | `[[intel::fpga_register]]` / banking attributes + declaration |
| `rom_directives` | ARRAY_PARTITION of the ROM | none (the attribute is on the ROM's declaration) |
| `rom_attribute` | none | memory attribute before the ROM in the weights header |

Raw-bit conversion is `gnnc_raw<T>(raw)` in both; each vendor's support header defines it
(`range()` for ap types, `set_slc()` for ac types). The printers render the IR's
directives and decide nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np
from xdsl.dialects import builtin, func
from xdsl.dialects.builtin import IndexType, IntegerType, MemRefType, Signedness
from xdsl.ir import Attribute, Operation, SSAValue

from gnnc.backends.inlining import inline_plan
from gnnc.backends.ports import Port
from gnnc.dialects import hls
from gnnc.dialects.gnn import FixedType
from gnnc.errors import GnncError


@dataclass
class Sources:
    """The printed design: file name -> text, and the port list of the top function."""

    top: str
    files: dict[str, str]
    ports: list[Port]
    max_nodes: int
    max_edges: int
    backend: str = "vitis"


def top_function(module: builtin.ModuleOp) -> func.FuncOp:
    for op in module.walk():
        if isinstance(op, func.FuncOp) and "hls.top" in op.attributes:
            return op
    raise GnncError("no hls top function in the module: run convert-gnn-to-hls first")


def stage_functions(module: builtin.ModuleOp) -> list[func.FuncOp]:
    """The functions the top calls, in call order: the dataflow stages of an io: stream design
    (hls-dataflow) or a function per gnn op (hls-outline)."""
    return [op for op in module.body.block.ops
            if isinstance(op, func.FuncOp) and ("hls.stage" in op.attributes or "hls.op" in op.attributes)]


def row_type(t: hls.StreamType, c_type) -> str:
    """The C++ struct one stream transfer carries: a row of the stream's elements."""
    return f"gnnc_row<{c_type(t.element_type)}, {t.row_width}>"


def capacity(fn: func.FuncOp) -> tuple[int, int]:
    """(max_nodes, max_edges) of a top function."""
    return (fn.attributes["hls.max_nodes"].value.data,  # type: ignore[attr-defined]
            fn.attributes["hls.max_edges"].value.data)  # type: ignore[attr-defined]


def graph_capacity(fn: func.FuncOp) -> int:
    """Graphs per call of a top function (`hls.max_graphs`, set with a batch input; else 1)."""
    attr = fn.attributes.get("hls.max_graphs")
    return attr.value.data if attr is not None else 1  # type: ignore[attr-defined]


def arg_attrs(fn: func.FuncOp, k: int) -> dict[str, Attribute]:
    return dict(fn.arg_attrs.data[k].data)  # type: ignore[union-attr]


def port_list(fn: func.FuncOp, c_type) -> list[Port]:
    """The ports of the top function, with element types spelled by `c_type`."""
    ports = []
    for k, arg in enumerate(fn.args):
        a = arg_attrs(fn, k)
        t = arg.type
        elem = t.element_type if isinstance(t, MemRefType | hls.StreamType) else t
        rows = a.get("hls.rows")
        features = 0
        if a["hls.role"].data in ("features", "batch"):  # type: ignore[attr-defined]
            features = t.row_width if isinstance(t, hls.StreamType) else t.get_shape()[1]  # type: ignore[union-attr]
        ports.append(
            Port(
                name=a["hls.name"].data,  # type: ignore[attr-defined]
                direction=a["hls.direction"].data,  # type: ignore[attr-defined]
                role=a["hls.role"].data,  # type: ignore[attr-defined]
                rows=rows.data if rows is not None else None,  # type: ignore[attr-defined]
                features=features,
                ctype=c_type(elem),
                frac_bits=elem.f if isinstance(elem, FixedType) else 0,
                stream=isinstance(t, hls.StreamType),
                graphs=graph_capacity(fn),
            )
        )
    return ports


def dims(t: MemRefType) -> str:
    return "".join(f"[{d}]" for d in t.get_shape())


def raw_c_type(t: Attribute) -> str:
    """The builtin integer type that holds the raw bits of a ROM element."""
    assert isinstance(t, IntegerType)
    return f"int{t.width.data}_t"


def guard(name: str) -> str:
    return re.sub(r"\W", "_", name).upper()


def weights_header(top: str, roms: list[hls.RomOp], c_type, rom_attribute=None,
                   *, guard_suffix: str = "_WEIGHTS_H") -> str:
    """The ROMs as raw integer arrays (value = raw * 2^-F), read through gnnc_raw<T>().

    `rom_attribute(rom)` may return a vendor memory attribute to put before a declaration."""
    lines = [
        f"// Generated by gnnc. Weights and tables of {top} as raw integers (value = raw * 2^-F),",
        "// converted with gnnc_raw<T>() where they are read.",
        f"#ifndef {top.upper()}{guard_suffix}",
        f"#define {top.upper()}{guard_suffix}",
        "",
        "#include <cstdint>",
        "",
    ]
    for rom in roms:
        t = rom.result.type
        assert isinstance(t, MemRefType)
        values = np.array(rom.data.get_values(), dtype=np.int64).reshape(t.get_shape())
        attr = rom_attribute(rom) if rom_attribute is not None else ""
        lines.append(f"// {c_type(t.element_type)}{dims(t)}")
        lines.append(
            f"{attr + ' ' if attr else ''}static const {raw_c_type(rom.data.get_element_type())} "
            f"{rom.sym_name.data}{dims(t)} = {_initializer(values)};"
        )
    lines += ["", "#endif", ""]
    return "\n".join(lines)


def _initializer(values: np.ndarray) -> str:
    return _nested(values.tolist(), values.ndim)  # Python ints: str() of each without numpy per entry


def _nested(values: list, ndim: int) -> str:
    if ndim == 1:
        return "{" + ", ".join(map(str, values)) + "}"
    return "{" + ", ".join(_nested(v, ndim - 1) for v in values) + "}"


def partitions(attr: Attribute | None) -> list[hls.PartitionAttr]:
    if not isinstance(attr, builtin.ArrayAttr):
        return []
    parts = list(attr.data)
    assert all(isinstance(p, hls.PartitionAttr) for p in parts)
    return parts  # type: ignore[return-value]


@dataclass
class FunctionEmitter:
    """Print one hls top function as C++; subclasses are the vendors."""

    fn: func.FuncOp
    lines: list[str] = field(default_factory=list)
    names: dict[SSAValue, str] = field(default_factory=dict)
    used: set[str] = field(default_factory=set)
    callees: set[str] = field(default_factory=set)
    suffixes: dict[str, int] = field(default_factory=dict)  # next suffix to try per base name
    roms: list[hls.RomOp] = field(default_factory=list)
    signature: str = ""
    indent: int = 1
    preset_names: dict[int, str] = field(default_factory=dict)  # argument number -> C name
    tasks: list[str] = field(default_factory=list)  # stages launched (oneAPI task sequences)
    inline: set[SSAValue] = field(default_factory=set)  # values printed at their use (inlining.py)
    exprs: dict[SSAValue, "Expr"] = field(default_factory=dict)  # their expressions, once printed
    rom_ranges: dict[hls.RomOp, bool] = field(default_factory=dict)  # integer ROMs whose entries fit their type

    vendor = "C++"
    streams_are_params = True  # False: streams are global names (oneAPI pipes), not arguments

    # -- vendor hooks ------------------------------------------------------------ #

    def c_type(self, t: Attribute) -> str:
        """The C++ spelling of a scalar type."""
        raise NotImplementedError

    def function_directives(self) -> None:
        """Lines right after the opening brace of the top function."""

    def loop_open(self, op: hls.ForOp, i: str) -> None:
        """Emit everything up to and including `for (...) {` of a loop."""
        raise NotImplementedError

    def array_decl(self, name: str, t: MemRefType, parts: list[hls.PartitionAttr]) -> None:
        """Declare a local array (or scalar variable, for a 0-d memref)."""
        raise NotImplementedError

    def rom_directives(self, op: hls.RomOp) -> None:
        """Lines where a ROM op stands in the body (its data lives in the weights header)."""

    # io: stream designs (hls-dataflow): streams, stage functions and the calls to them

    def stream_param(self, name: str, t: hls.StreamType) -> str | None:
        """A stream parameter of a function (None: the vendor names streams globally)."""
        raise GnncError(f"the {self.vendor} printer has no streams")

    def channel_decl(self, name: str, t: hls.StreamType, depth: int) -> None:
        raise GnncError(f"the {self.vendor} printer has no streams")

    def stream_access(self, what: str, stream: str, row: str) -> None:
        """`what` is "read" (stream -> row buffer) or "write" (row buffer -> stream)."""
        raise GnncError(f"the {self.vendor} printer has no streams")

    def call(self, callee: str, args: list[str]) -> None:
        self.emit(f"{callee}({', '.join(args)});")

    def finish_body(self) -> None:
        """Lines before the closing brace of the function."""

    # -- skeleton ----------------------------------------------------------------- #

    def name(self, v: SSAValue) -> str:
        if v not in self.names:
            base = re.sub(r"\W", "_", v.name_hint or "v")
            if base in self.callees:  # the array a called function fills: hls4ml's `layer_out`
                base += "_out"
            k = self.suffixes.get(base, 0)  # where the last search for this base stopped: linear, not quadratic
            name = f"{base}_{k}" if k else base
            while name in self.used:
                k += 1
                name = f"{base}_{k}"
            self.suffixes[base] = k
            self.used.add(name)
            self.names[v] = name
        return self.names[v]

    def emit(self, text: str) -> None:
        self.lines.append("  " * self.indent + text)

    def print_function(self, qualifier: str = "") -> str:
        fn = self.fn
        params = []
        # functions it calls are named by their op, as the arrays they fill are: arrays give way
        self.callees = {op.callee.root_reference.data for op in fn.body.block.ops if isinstance(op, func.CallOp)}
        self.used.update(self.callees)
        for k, arg in enumerate(fn.args):
            attrs = arg_attrs(fn, k)
            arg.name_hint = attrs["hls.name"].data  # type: ignore[attr-defined]
            if k in self.preset_names:
                self.names[arg] = self.preset_names[k]
            name = self.name(arg)
            t = arg.type
            if isinstance(t, MemRefType):
                const = "const " if attrs.get("hls.direction", builtin.StringAttr("")).data == "in" else ""  # type: ignore[attr-defined]
                params.append(f"{const}{self.c_type(t.element_type)} {name}{dims(t)}")
            elif isinstance(t, hls.StreamType):
                if (param := self.stream_param(name, t)) is not None:
                    params.append(param)
            else:
                params.append(f"{self.c_type(t)} {name}")
        self.signature = f"void {fn.sym_name.data}(" + (
            "\n    " + ",\n    ".join(params) + "\n" if params else "") + ")"
        self.lines.append(qualifier + self.signature + " {")
        for op in fn.walk():  # ROMs keep their names: taken before any local is named
            if isinstance(op, hls.RomOp):
                self.names[op.result] = op.sym_name.data
                self.used.add(op.sym_name.data)
        self.inline = inline_plan(fn, self.can_inline)
        self.function_directives()
        for op in fn.body.block.ops:
            self.op(op)
        self.finish_body()
        self.lines.append("}")
        return "\n".join(self.lines) + "\n"

    def op(self, op: Operation) -> None:
        if isinstance(op, func.ReturnOp):
            return
        handler = getattr(self, f"_{type(op).__name__}", None)
        if handler is None:
            raise GnncError(f"the {self.vendor} printer cannot print '{op.name}'")
        handler(op)

    def value(self, op: Operation, expr: Expr) -> None:
        """The result of op: kept as an expression for its one use, or declared as a variable."""
        res = op.results[0]
        if res in self.inline:
            self.exprs[res] = expr
        else:
            self.emit(f"{self.c_type(res.type)} {self.name(res)} = {expr.text};")

    def raw(self, t: Attribute, expr: str) -> str:
        """A fixed-point value of type t from its raw bits."""
        return f"gnnc_raw<{self.c_type(t)}>({expr})"

    # -- expressions (backends/inlining.py decides which values are inlined) ---- #

    def can_inline(self, op: Operation) -> bool:
        """Whether op's result can be written as an expression at its use."""
        if isinstance(op, hls.CastOp):  # fixed to fixed: a constructor; others stay assignments
            return op.input.type == op.result.type or (
                isinstance(op.input.type, FixedType) and isinstance(op.result.type, FixedType))
        if isinstance(op, hls.AddOp | hls.SubOp | hls.MulOp | hls.NegOp):
            # index arithmetic is int arithmetic only on ints
            return not isinstance(op.results[0].type, IndexType) or all(
                isinstance(o.type, IndexType) for o in op.operands)
        return isinstance(op, _EXPRESSIONS)

    def expr(self, v: SSAValue) -> Expr:
        """v as printed: its inlined expression, or its variable."""
        return self.exprs.get(v) or Expr(self.name(v))

    def typed(self, v: SSAValue) -> Expr:
        """v as an expression of exactly v's C++ type."""
        e = self.expr(v)
        return e if e.typed else Expr(f"{self.c_type(v.type)}({e.text})")

    def valued(self, v: SSAValue) -> Expr:
        """v as an expression with v's value (an integer literal may keep its own type)."""
        e = self.expr(v)
        return e if e.exact else self.typed(v)

    def constant(self, raw: int, t: Attribute) -> Expr:
        """The literal of a constant: a number, or the type's constructor."""
        if isinstance(t, IndexType):
            return Expr(str(raw), atomic=raw >= 0)
        if isinstance(t, IntegerType):
            lo, hi = _int_range(t)
            if lo <= raw < hi and -(1 << 31) <= raw < (1 << 31):
                return Expr(str(raw), typed=False, exact=True, atomic=raw >= 0)  # the same value as an int
            return Expr(f"{self.c_type(t)}({raw}LL)")
        assert isinstance(t, FixedType)
        lo, hi = (-(1 << (t.w - 1)), 1 << (t.w - 1)) if t.is_signed else (0, 1 << t.w)
        whole = raw << -t.f if t.f <= 0 else (raw >> t.f if raw % (1 << t.f) == 0 else None)
        if lo <= raw < hi and whole is not None and -(1 << 31) <= whole < (1 << 31):
            return Expr(f"{self.c_type(t)}({whole})")  # an int the type holds exactly
        return Expr(self.raw(t, f"{raw}LL"))

    # -- structure ------------------------------------------------------------ #

    def _ForOp(self, op: hls.ForOp) -> None:
        i = self.name(op.induction_var)
        self.loop_open(op, i)
        self.indent += 1
        if op.limit is not None:
            self.emit(f"if ({i} < {self.valued(op.limit).operand})"" {")
            self.indent += 1
        for inner in op.body.block.ops:
            self.op(inner)
        if op.limit is not None:
            self.indent -= 1
            self.emit("}")
        self.indent -= 1
        self.emit("}")

    def for_statement(self, op: hls.ForOp, i: str) -> str:
        return f"for (int {i} = 0; {i} < {op.ub.value.data}; {i}++) {{"

    def _ChannelOp(self, op: hls.ChannelOp) -> None:
        t = op.result.type
        assert isinstance(t, hls.StreamType)
        self.channel_decl(self.name(op.result), t, op.depth.value.data)

    def _StreamReadOp(self, op: hls.StreamReadOp) -> None:
        self.stream_access("read", self.name(op.stream), self.name(op.row))

    def _StreamWriteOp(self, op: hls.StreamWriteOp) -> None:
        self.stream_access("write", self.name(op.stream), self.name(op.row))

    def _CallOp(self, op: func.CallOp) -> None:
        self.call(op.callee.root_reference.data,
                  [self.expr(a).text for a in op.arguments
                   if self.streams_are_params or not isinstance(a.type, hls.StreamType)])

    def _AllocaOp(self, op: hls.AllocaOp) -> None:
        t = op.result.type
        assert isinstance(t, MemRefType)
        self.array_decl(self.name(op.result), t, partitions(op.partition))

    def _RomOp(self, op: hls.RomOp) -> None:
        self.roms.append(op)
        self.rom_directives(op)

    # -- memory ---------------------------------------------------------------- #

    def _access(self, memref: SSAValue, indices) -> str:
        return self.name(memref) + "".join(f"[{self.valued(i).text}]" for i in indices)

    def _LoadOp(self, op: hls.LoadOp) -> None:
        ref = self._access(op.memref, op.indices)
        if isinstance(op.memref.owner, hls.RomOp):
            # raw integers: a fixed value is rebuilt from its bits, an integer converted
            if isinstance(op.result.type, FixedType):
                self.value(op, Expr(self.raw(op.result.type, ref)))
            else:  # its value when every entry is in the element type's range
                self.value(op, Expr(ref, typed=False, exact=self._rom_in_range(op.memref.owner)))
        else:
            self.value(op, Expr(ref))

    def _rom_in_range(self, rom: hls.RomOp) -> bool:
        if rom not in self.rom_ranges:
            t = rom.result.type.element_type  # type: ignore[attr-defined]
            values = rom.data.get_values()
            lo, hi = _int_range(t) if isinstance(t, IntegerType) else (-(1 << 31), 1 << 31)
            self.rom_ranges[rom] = not values or (lo <= int(min(values)) and int(max(values)) < hi)
        return self.rom_ranges[rom]

    def _StoreOp(self, op: hls.StoreOp) -> None:
        # the array's element type is the value's: assignment converts as the value's declaration would
        self.emit(f"{self._access(op.memref, op.indices)} = {self.expr(op.value).text};")

    # -- scalars ----------------------------------------------------------------- #

    def _ConstantOp(self, op: hls.ConstantOp) -> None:
        self.exprs[op.result] = self.constant(op.raw.data, op.result.type)

    def _CastOp(self, op: hls.CastOp) -> None:
        # Both ap_fixed and ac_fixed convert with the target's modes, on construction as on assignment.
        if op.input.type == op.result.type:  # identity: the value itself
            self.value(op, self.typed(op.input))
        elif op.result in self.inline:
            self.value(op, Expr(f"{self.c_type(op.result.type)}({self.valued(op.input).text})"))
        else:
            self.value(op, self.valued(op.input))

    def _IndexCastOp(self, op: hls.IndexCastOp) -> None:
        if isinstance(op.result.type, IndexType):
            e = self.expr(op.input)
            if e.exact and not e.typed:  # a C++ integer already (a literal, a ROM entry)
                self.value(op, Expr(e.text, atomic=e.atomic))
            else:
                self.value(op, Expr(f"{self.typed(op.input).operand}.to_int()"))
        elif op.result in self.inline:
            self.value(op, Expr(f"{self.c_type(op.result.type)}({self.valued(op.input).text})"))
        else:
            self.value(op, self.valued(op.input))

    def _TableIndexOp(self, op: hls.TableIndexOp) -> None:
        size, lo, scale = (a.value.data for a in (op.table_size, op.table_min, op.table_scale))
        self.value(op, Expr(f"gnnc_table_index<{size}>({self.typed(op.input).text}, {lo}, {scale})"))

    def _binary(self, op: Operation, sign: str) -> None:
        lhs, rhs, res = op.operands[0], op.operands[1], op.results[0]
        text = f"{self.valued(lhs).operand} {sign} {self.valued(rhs).operand}"
        self.value(op, Expr(text, typed=_cxx_type_is(sign, lhs.type, rhs.type, res.type), atomic=False))

    def _AddOp(self, op: hls.AddOp) -> None:
        self._binary(op, "+")

    # distributed arithmetic (alkaid's adder graphs): subtract, negate, shift

    def _SubOp(self, op: hls.SubOp) -> None:
        self._binary(op, "-")

    def _NegOp(self, op: hls.NegOp) -> None:
        self.value(op, Expr(f"-{self.valued(op.input).operand}", typed=False, atomic=False))

    def _ShiftOp(self, op: hls.ShiftOp) -> None:
        # x * 2^s: widened first to a type holding x and the result, where the shift is exact
        # (ap_fixed and ac_fixed shift within their own type), then assigned to the result type
        a, r, s = op.input.type, op.result.type, op.amount.value.data
        assert isinstance(a, FixedType) and isinstance(r, FixedType)
        wide = FixedType(max(a.i, r.i) + max(a.f, r.f), max(a.i, r.i), a.is_signed)
        self.value(op, Expr(f"{self.c_type(wide)}({self.valued(op.input).text}) {'<<' if s > 0 else '>>'} {abs(s)}",
                            typed=False, atomic=False))

    def _MulOp(self, op: hls.MulOp) -> None:
        self._binary(op, "*")

    def _RemOp(self, op: hls.RemOp) -> None:
        self._binary(op, "%")

    def _select(self, op: Operation, sign: str) -> None:
        a, b = self.typed(op.operands[0]).operand, self.typed(op.operands[1]).operand
        self.value(op, Expr(f"({a} {sign} {b}) ? {a} : {b}", atomic=False))

    def _MaxOp(self, op: hls.MaxOp) -> None:
        self._select(op, ">")

    def _MinOp(self, op: hls.MinOp) -> None:
        self._select(op, "<")

    def _SelectOp(self, op: hls.SelectOp) -> None:
        cond = self.valued(op.cond).operand
        self.value(op, Expr(f"({cond} > 0) ? {self.typed(op.true_value).operand} : "
                            f"{self.typed(op.false_value).operand}", atomic=False))


@dataclass(frozen=True)
class Expr:
    """A printed value: its text, whether its C++ type is exactly its IR type (`typed`),
    whether its value is the IR value (`exact`: an int literal is, with another type; an
    unconverted sum is not), and whether it can stand as an operand without parentheses."""

    text: str
    typed: bool = True
    exact: bool | None = None  # None: as typed
    atomic: bool = True

    def __post_init__(self) -> None:
        if self.exact is None:
            object.__setattr__(self, "exact", self.typed)

    @property
    def operand(self) -> str:
        return self.text if self.atomic else f"({self.text})"


# ops whose result can be an expression at its use (the others are statements)
_EXPRESSIONS = (hls.LoadOp, hls.IndexCastOp, hls.TableIndexOp, hls.ShiftOp, hls.RemOp,
                hls.MaxOp, hls.MinOp, hls.SelectOp)


def _int_range(t: IntegerType) -> tuple[int, int]:
    """[lo, hi) of an integer type's values."""
    w = t.width.data
    return (0, 1 << w) if t.signedness.data == Signedness.UNSIGNED else (-(1 << (w - 1)), 1 << (w - 1))


def _cxx_type_is(sign: str, a: Attribute, b: Attribute, r: Attribute) -> bool:
    """Whether C++ gives `a sign b` exactly the IR result type r (then no constructor around it).

    int op int is int; ap_fixed and ac_fixed multiply into <W1 + W2, I1 + I2>, signed if
    either is, with the default modes. Anything else is converted by the result's constructor."""
    if all(isinstance(t, IndexType) for t in (a, b, r)):
        return True
    if sign == "*" and isinstance(a, FixedType) and isinstance(b, FixedType) and isinstance(r, FixedType):
        return r == FixedType(a.w + b.w, a.i + b.i, a.is_signed or b.is_signed)
    return False


# The lookup-table row, shared text: exact for ap_fixed and ac_fixed alike. `x - lo` and
# `* scale` with C ints widen to an exact fixed-point type in both libraries (the int
# becomes a 32-bit integral fixed-point value), the comparisons with ints are exact, and
# the row is the floor of a value in [0, N). The floor is `to_int()` for ap_fixed; for
# ac_fixed it is `to_ac_int().to_int()`, because ac_fixed::to_int() does not compile once
# the type has more than 64 integer bits (as t has: 32 + 32 + I).
TABLE_INDEX = """\
// Row of a lookup table: clamp(floor((x - lo) * scale), 0, N - 1), computed exactly.
template <int N, class T>
inline int gnnc_table_index(T x, int lo, int scale) {{
{inline}  auto t = (x - lo) * scale;
  if (t < 0) return 0;
  if (t >= N) return N - 1;
  return {floor};
}}
"""


def print_stages(module: builtin.ModuleOp, make_emitter) -> tuple[list[str], list[hls.RomOp]]:
    """Every stage function printed (`static`), and the ROMs they read, by `make_emitter(fn)`."""
    texts, roms = [], []
    for fn in stage_functions(module):
        printer = make_emitter(fn)
        comment = fn.attributes.get("hls.comment")  # the torch module, op and model line (hls-outline)
        text = printer.print_function("static ")
        texts.append(f"// {comment.data}\n{text}" if isinstance(comment, builtin.StringAttr) else text)
        roms += printer.roms
    return texts, roms


def unique_roms(roms: list[hls.RomOp]) -> list[hls.RomOp]:
    """One definition per ROM name: stages reading the same ROM each declare it."""
    seen: dict[str, hls.RomOp] = {}
    for rom in roms:
        seen.setdefault(rom.sym_name.data, rom)
    return list(seen.values())


def write_files(files: dict[str, str], output) -> None:
    """All printed files to one stream, each after a `// ---- <name> ----` line (what `gnnc-opt -t` shows)."""
    for name, text in files.items():
        output.write(f"// ---- {name} ----\n{text}")
