"""
`gnnc-opt`: xdsl-opt with gnnc's dialects, passes and targets.

```sh
gnnc-opt model.mlir -p 'gnn-fixed-point{default="fixed<16,6>"},cse'
gnnc-opt model.mlir --lower-to-hls --precision 'fixed<16,8>' -t vitis
```

Everything `xdsl-opt` does is inherited (`-p`, `-t`, `--split-input-file`,
`--verify-diagnostics`, `--parsing-diagnostics`, `--print-op-generic`, ...).
What this driver adds:

* gnnc's dialects (`gnn`, `hls`) take precedence over xDSL dialects of the same
  name (xDSL ships an experimental `hls` dialect); gnnc's passes and the
  `vitis` and `oneapi` targets are registered next to xDSL's own. All registration is lazy, so
  a pass or dialect whose module cannot be imported only fails when it is used.
* `--lower-to-hls` prepends the named pipeline `gnnc.passes.lower_to_hls_pipeline`
  to `-p`, tuned by the input module's `gnnc.graph` / `gnnc.precision` / `gnnc.directives` attributes
  (gnnc.module_attributes: what `gnnc mlir` prints), each overridden by `--precision`,
  `--max-nodes`, `--max-edges` when given.
* Every user error (unknown pass or option, malformed pipeline, unreadable file,
  parse or verification error, unknown target, a `GnncError` raised by a pass)
  is reported as one line `gnnc-opt: error: ...` on stderr, followed for IR errors
  by the offending source line and a caret, and the exit status is 1. IR errors
  carry `file:line:col` — also verification errors, which xDSL reports without a
  location. Set `GNNC_TRACEBACK=1` to get the Python traceback of an internal error.
"""

from __future__ import annotations

import argparse
import dataclasses
import difflib
import io
import os
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import IO, Any, NoReturn

from xdsl.context import Context
from xdsl.dialects.builtin import ModuleOp
from xdsl.ir import Operation
from xdsl.parser import Parser
from xdsl.passes import ModulePass, PassPipeline
from xdsl.utils.arg_spec import ArgSpec, parse_pipeline
from xdsl.utils.exceptions import (
    ArgSpecParseError,
    DiagnosticException,
    ParseError,
    PassFailedException,
    VerifyException,
)
from xdsl.utils.lexer import Span
from xdsl.xdsl_opt_main import xDSLOptMain

from gnnc.errors import GnncError, clip_lines, reader_went_away
from gnnc.ir import make_context as _make_context  # noqa: F401 (also installs the lexer fix)

PROG = "gnnc-opt"

DEFAULT_PRECISION = "fixed<16,6>"
DEFAULT_MAX_NODES = 28
DEFAULT_MAX_EDGES = 56


def gnnc_version() -> str:
    try:
        from importlib.metadata import version

        return version("gnnc")
    except Exception:  # not installed (source tree on PYTHONPATH)
        return getattr(sys.modules.get("gnnc"), "__version__", "unknown")


# --------------------------------------------------------------------------- #
# Errors
# --------------------------------------------------------------------------- #


class ToolError(Exception):
    """A user error already phrased for the terminal: one line, then optional context."""

    def __init__(self, message: str, context: str = ""):
        super().__init__(message)
        self.message = message
        self.context = context


def _usage_error(message: str) -> NoReturn:
    """argparse's `error`, but one line and exit 1 (through main) instead of usage + exit 2."""
    raise ToolError(f"{message} (see {PROG} --help)")


def _one_line(text: str) -> str:
    """Collapse a multi-line message (IRDL constraint errors are) onto one line."""
    return " ".join(part.strip() for part in str(text).splitlines() if part.strip())


def _source_context(span: Span[Any]) -> str:
    """The source line(s) of `span` with carets under it, without the location line."""
    lines = span.print_with_context(None).splitlines()
    return "\n".join(lines[1:])


def _span_location(span: Span[Any]) -> str:
    return str(span.get_location())  # file:line:col


def _lazy(kind: str, name: str, factory: Callable[[], Any]) -> Callable[[], Any]:
    """Wrap a registry factory so that a module that cannot be imported is a user error."""

    def load() -> Any:
        try:
            return factory()
        except ImportError as err:
            raise GnncError(f"{kind} '{name}' is registered but cannot be loaded: {err}") from err

    return load


# --------------------------------------------------------------------------- #
# Parser that remembers where each op came from
# --------------------------------------------------------------------------- #


class LocatingParser(Parser):
    """
    A Parser that records the source span of every operation it parses (xDSL
    keeps no locations), so verification errors can name a line, and that turns a
    `VerifyException` raised *while parsing* (attribute and type verifiers run at
    construction) into a `ParseError` at the offending type or attribute.
    """

    def __init__(
        self,
        ctx: Context,
        input: str | bytes,
        name: str,
        locations: dict[Operation, Span[Any]],
        line_offset: int = 0,
    ):
        super().__init__(ctx, input, name)
        self._locations = locations
        self._line_offset = line_offset

    def _span_from(self, start: int) -> Span[Any]:
        end = max(self.pos, start + 1)
        return Span(start, end, self.lexer.input, self._line_offset)

    def parse_operation(self) -> Operation:
        start = self.pos
        try:
            op = super().parse_operation()
        except VerifyException as err:
            raise ParseError(self._span_from(start), _one_line(err)) from None
        # Underline the op's first line (an op with regions spans many).
        content = self.lexer.input.content
        newline = content.find(b"\n" if isinstance(content, bytes) else "\n", start)
        end = len(content) if newline < 0 else newline
        end = max(start + 1, start + len(content[start:end].rstrip()))
        self._locations[op] = Span(start, end, self.lexer.input, self._line_offset)
        return op

    def parse_optional_type(self):  # type: ignore[override]
        start = self.pos
        try:
            return super().parse_optional_type()
        except VerifyException as err:
            raise ParseError(self._span_from(start), _one_line(err)) from None

    def parse_optional_attribute(self):  # type: ignore[override]
        start = self.pos
        try:
            return super().parse_optional_attribute()
        except VerifyException as err:
            raise ParseError(self._span_from(start), _one_line(err)) from None


def find_failing_op(module: Operation) -> tuple[Operation, Exception] | None:
    """The innermost-first op whose own verifier fails (what module.verify() tripped on)."""
    for op in module.walk(region_first=True):
        try:
            op.verify(verify_nested_ops=False)
        except Exception as err:  # VerifyException, or a ValueError on erased values
            return op, err
    return None


# --------------------------------------------------------------------------- #
# The driver
# --------------------------------------------------------------------------- #


@dataclass
class RunState:
    """What an error report needs to know: where ops came from, which pass was running."""

    locations: dict[Operation, Span[Any]] = field(default_factory=dict[Operation, Span[Any]])
    module: ModuleOp | None = None
    current_pass: ModulePass | None = None
    last_pass: ModulePass | None = None

    def pass_prefix(self, message: str = "") -> str:
        """`name: ` of the running pass, unless the message already starts with it."""
        if self.current_pass is None or message.startswith(self.current_pass.name):
            return ""
        return f"{self.current_pass.name}: "


class GnncOptMain(xDSLOptMain):
    version_format = f"{PROG} {gnnc_version()} (xdsl {{xdsl_version}})"

    def __init__(self, args: Sequence[str] | None = None, state: RunState | None = None):
        self.state = state if state is not None else RunState()
        self._chunk_offset = 0
        super().__init__(description="gnnc modular optimizer driver", args=args)

    # -- registration ------------------------------------------------------ #

    def register_all_dialects(self) -> None:
        from xdsl.universe import Universe

        from gnnc.dialects import get_all_dialects

        ours = get_all_dialects()
        for name, factory in Universe.get_multiverse().all_dialects.items():
            if name not in ours:  # gnnc's `hls` replaces xDSL's experimental one
                self.ctx.register_dialect(name, factory)
        for name, factory in ours.items():
            if name not in self.ctx.registered_dialect_names:
                self.ctx.register_dialect(name, _lazy("dialect", name, factory))

    def register_all_passes(self) -> None:
        from gnnc.passes import get_all_passes

        super().register_all_passes()
        for name, factory in get_all_passes().items():
            self.register_pass(name, _lazy("pass", name, factory))

    def register_all_targets(self) -> None:
        from gnnc.backends import get_all_targets

        super().register_all_targets()
        for name, factory in get_all_targets().items():
            self.available_targets[name] = _lazy("target", name, factory)

    def register_all_frontends(self) -> None:
        super().register_all_frontends()

        def parse_mlir(io: IO[bytes]) -> ModuleOp:
            parser = LocatingParser(
                self.ctx, io.read(), self.get_input_name(), self.state.locations, self._chunk_offset
            )
            return parser.parse_module(not self.args.no_implicit_module)

        self.available_frontends["mlir"] = parse_mlir

    def register_all_arguments(self, arg_parser: argparse.ArgumentParser) -> None:
        from gnnc.passes import lower_to_hls_pipeline

        arg_parser.prog = PROG
        # Usage errors, including the unknown -t target that xDSLOptMain.__init__
        # reports through `arg_parser.error`, become one-line errors with exit 1.
        arg_parser.error = _usage_error  # type: ignore[method-assign]
        super().register_all_arguments(arg_parser)
        group = arg_parser.add_argument_group("gnnc")
        group.add_argument(
            "--lower-to-hls",
            action="store_true",
            help="run the named pipeline from the gnn dialect (f32) to the hls dialect before "
            "any -p passes, sized and typed by the module's gnnc.graph / gnnc.precision "
            "attributes (what `gnnc mlir` prints); --precision, --max-nodes, --max-edges given "
            f"here override them (docs/passes.md). Without either: {lower_to_hls_pipeline()}",
        )
        group.add_argument(
            "--precision",
            default=None,
            metavar="TYPE",
            help="default fixed-point type for --lower-to-hls (overrides gnnc.precision's default; "
            f"without either {DEFAULT_PRECISION})",
        )
        group.add_argument(
            "--max-nodes",
            type=_positive_int,
            default=None,
            metavar="N",
            help="node capacity for --lower-to-hls (overrides gnnc.graph's max_nodes; "
            f"without either {DEFAULT_MAX_NODES})",
        )
        group.add_argument(
            "--max-edges",
            type=_positive_int,
            default=None,
            metavar="E",
            help="edge capacity for --lower-to-hls (overrides gnnc.graph's max_edges; "
            f"without either {DEFAULT_MAX_EDGES})",
        )

    # -- input ------------------------------------------------------------- #

    def get_input_stream(self) -> tuple[IO[bytes], str]:
        if self.args.input_file is None:
            return io.BytesIO(_utf8(sys.stdin.buffer.read(), "<stdin>")), "mlir"
        path = self.args.input_file
        if os.path.isdir(path):
            raise ToolError(f"cannot read '{path}': it is a directory")
        try:
            with open(path, "rb") as f:
                data = f.read()
        except OSError as err:
            raise ToolError(f"cannot read '{path}': {err.strerror or err}") from None
        ext = os.path.splitext(path)[1].lstrip(".")
        # Any file that is not for another registered frontend is MLIR text (.mlir, .ir, .test, ...).
        return io.BytesIO(_utf8(data, path)), ext if ext in self.available_frontends else "mlir"

    def parse_chunk(
        self, chunk: IO[bytes], file_extension: str, start_offset: int = 0
    ) -> ModuleOp | None:
        self._chunk_offset = start_offset
        return super().parse_chunk(chunk, file_extension, start_offset)

    # -- pipeline ---------------------------------------------------------- #

    def setup_pipeline(self) -> None:
        from gnnc import module_attributes

        a = self.args
        if not a.lower_to_hls:
            for flag in ("precision", "max_nodes", "max_edges"):
                if getattr(a, flag) is not None:
                    raise ToolError(f"--{flag.replace('_', '-')} only applies with --lower-to-hls")
        self._user_passes = a.passes
        # Checked now from the flags alone (errors before reading any input); built again per
        # module, with its attributes, in apply_passes.
        self._build_pipeline(self._lowering(module_attributes.Settings()) if a.lower_to_hls else "")

    def _build_pipeline(self, named: str) -> None:
        """`named` (the --lower-to-hls pipeline, or "") followed by the -p passes."""
        self.args.passes = ",".join(p for p in (named, self._user_passes) if p)
        self._check_pipeline(self.args.passes)
        super().setup_pipeline()

        inner = self.pipeline.callback

        def callback(prev: ModulePass | None, module: ModuleOp, nxt: ModulePass | None) -> None:
            self.state.last_pass = prev
            self.state.current_pass = None
            if inner is not None:
                inner(prev, module, nxt)  # verifies the module
            self.state.current_pass = nxt

        self.pipeline = PassPipeline(self.pipeline.passes, callback)

    def _check_pipeline(self, spec: str) -> None:
        """Report the first problem of a pipeline spec as a one-line error."""
        try:
            specs = list(parse_pipeline(spec))
        except ArgSpecParseError as err:
            raise _spec_error("invalid pass pipeline", err) from None
        for s in specs:
            if s.name not in self.available_passes:
                raise ToolError(_unknown("pass", s.name, self.available_passes, _gnnc_pass_names()))
            cls = self.available_passes[s.name]()
            _check_options(s, cls)
            try:
                cls.from_pass_spec(s)
            except Exception as err:
                raise ToolError(f"pass '{s.name}': {_one_line(err)}") from None

    def _lowering(self, found: Any) -> str:
        """The --lower-to-hls pipeline for a module's gnnc.graph / gnnc.precision attributes
        (a gnnc.module_attributes.Settings), each overridden by the flag given on the command line."""
        from gnnc.passes import lower_to_hls_pipeline

        a = self.args

        def pick(flag: Any, attribute: Any, default: Any) -> Any:
            return flag if flag is not None else attribute if attribute is not None else default

        return lower_to_hls_pipeline(
            pick(a.precision, found.precision, DEFAULT_PRECISION),
            pick(a.max_nodes, found.max_nodes, DEFAULT_MAX_NODES),
            pick(a.max_edges, found.max_edges, DEFAULT_MAX_EDGES),
            found.precision_spec or "",
            found.max_graphs or 1,
            found.directives,
        )

    def apply_passes(self, prog: ModuleOp) -> None:
        self.state.module = prog  # for error reports
        self.state.last_pass = self.state.current_pass = None
        try:
            if self.args.lower_to_hls:
                from gnnc import module_attributes

                self._build_pipeline(self._lowering(module_attributes.read(prog)))
            super().apply_passes(prog)
        except GnncError as err:
            # With --verify-diagnostics, a pass's user error is a diagnostic like any
            # other: printed on stdout, exit 0, so FileCheck tests can match it.
            if self.args.verify_diagnostics:
                raise PassFailedException(self.state.pass_prefix(str(err)) + str(err)) from err
            raise

    # -- output ------------------------------------------------------------ #

    def output_resulting_program(self, prog: ModuleOp) -> str:
        self.state.current_pass = None
        return super().output_resulting_program(prog)


def _utf8(data: bytes, name: str) -> bytes:
    """IR is UTF-8 text; anything else is an error naming the line, not a decoding traceback."""
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as err:
        line = data[: err.start].count(b"\n") + 1
        raise ToolError(f"{name}:{line}: the input is not UTF-8 text (byte {data[err.start]:#04x})") from None
    return data


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got '{text}'") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {value}")
    return value


def _gnnc_pass_names() -> list[str]:
    from gnnc.passes import get_all_passes

    return list(get_all_passes())


def _unknown(kind: str, name: str, available: Sequence[str], ours: Sequence[str]) -> str:
    close = difflib.get_close_matches(name, list(available), n=1)
    hint = f"did you mean '{close[0]}'? " if close else ""
    return f"unknown {kind} '{name}' ({hint}gnnc {kind}es: {', '.join(ours)}; see {PROG} --help for all)"


def _check_options(spec: ArgSpec, cls: type[ModulePass]) -> None:
    """Name the pass and its options when an option is unknown (xDSL's message does not)."""
    if not dataclasses.is_dataclass(cls):
        return
    fields = [f.name for f in dataclasses.fields(cls) if f.init and f.name != "name"]
    for given in spec.parameters:
        if given.replace("-", "_") not in fields:
            options = [f.replace("_", "-") for f in fields]
            close = difflib.get_close_matches(given.replace("_", "-"), options, n=1)
            hint = f"did you mean '{close[0]}'? " if close else ""
            raise ToolError(
                f"pass '{spec.name}' has no option '{given}' "
                f"({hint}options: {', '.join(options) or 'none'})"
            )


def _spec_error(what: str, err: ArgSpecParseError) -> ToolError:
    # ArgSpecParseError's text: "Error parsing ...:\n<loc>\n<spec>\n<carets>\n<message>"
    lines = [line for line in str(err).splitlines() if line.strip()]
    message = lines[-1].strip() if lines else str(err)
    context = "\n".join(lines[2:-1]) if len(lines) >= 4 else ""
    return ToolError(f"{what}: {message}", context)


def _report(message: str, context: str = "") -> None:
    print(f"{PROG}: error: {clip_lines(message)}", file=sys.stderr)
    if context:
        print(clip_lines(context.rstrip("\n")), file=sys.stderr)


def describe(err: BaseException, state: RunState) -> ToolError:
    """Turn any exception out of the driver into a one-line user error."""
    if isinstance(err, ToolError):
        return err
    if isinstance(err, ParseError):
        return ToolError(
            f"{_span_location(err.span)}: {_one_line(err.msg)}", _source_context(err.span)
        )
    if isinstance(err, ArgSpecParseError):
        return _spec_error("invalid target", err)
    if isinstance(err, GnncError):
        return ToolError(state.pass_prefix(str(err)) + _one_line(err))
    if isinstance(err, VerifyException):
        return _verify_error(err, state)
    if isinstance(err, DiagnosticException):
        return ToolError(state.pass_prefix(str(err)) + _one_line(err))
    if isinstance(err, OSError):
        name = f" '{err.filename}'" if err.filename else ""
        return ToolError(f"I/O error{name}: {err.strerror or err}")
    where = f" in pass '{state.current_pass.name}'" if state.current_pass is not None else ""
    return ToolError(
        f"internal error{where}: {type(err).__name__}: {_one_line(err)} "
        "(set GNNC_TRACEBACK=1 for the traceback, and please report it)"
    )


def _verify_error(err: VerifyException, state: RunState) -> ToolError:
    after = f" after pass '{state.last_pass.name}'" if state.last_pass is not None else ""
    message = _one_line(err)
    found = find_failing_op(state.module) if state.module is not None else None
    if found is not None:
        op, op_err = found
        message = _one_line(op_err) or message
        if not message.startswith(f"'{op.name}'"):
            message = f"'{op.name}': {message}"
        span = state.locations.get(op)
        if span is not None and not after:
            return ToolError(f"{_span_location(span)}: {message}", _source_context(span))
    # Built by a pass, or not traceable to one op: no source line to point at.
    return ToolError(f"IR does not verify{after}: {message}")


def main(args: Sequence[str] | None = None) -> int:
    """Entry point of `gnnc-opt`; returns the exit status (0, or 1 on any error)."""
    state = RunState()
    try:
        GnncOptMain(args=args, state=state).run()
    except SystemExit as exit_:  # --help, --version, --shrink
        code = exit_.code
        return code if isinstance(code, int) else (0 if code is None else 1)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return reader_went_away()
    except (Exception, ArgSpecParseError) as err:
        if os.environ.get("GNNC_TRACEBACK"):
            raise
        try:
            desc = describe(err, state)
        except Exception:  # reporting must never be what crashes
            desc = ToolError(f"{type(err).__name__}: {_one_line(err)}")
        sys.stdout.flush()
        _report(desc.message, desc.context)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
