"""Parsing and printing gnnc IR with every dialect gnnc understands."""

from xdsl.context import Context
from xdsl.dialects.arith import Arith
from xdsl.dialects.builtin import Builtin, ModuleOp
from xdsl.dialects.func import Func
from xdsl.parser import Parser

from gnnc.errors import GnncError


def _linear_string_literals() -> None:
    """xDSL 0.74 lexes "..." with `"(?:[^"\\\n\v\f]+|\\(...))*"`: the `+` inside the `*` makes
    Python's regex engine try every split of an unterminated string before it fails,
    exponential in its length (a 35-character one took minutes; found by test_fuzz.py).
    The same language without the inner `+` is matched in linear time."""
    import re

    from xdsl.utils.mlir_lexer import MLIRLexer

    MLIRLexer._unescaped_characters_regex = re.compile(r'"(?:[^"\\\n\v\f]|\\(?:["nt\\]|[0-9A-Fa-f]{2}))*"')


_linear_string_literals()


def make_context() -> Context:
    from gnnc.dialects.gnn import Gnn
    from gnnc.dialects.hls import Hls

    ctx = Context()
    for dialect in (Builtin, Func, Arith, Gnn, Hls):
        ctx.load_dialect(dialect)
    return ctx


def parse_module(text: str, name: str = "<string>") -> ModuleOp:
    """Parse and verify; errors carry the file, line and column."""
    from xdsl.utils.exceptions import ParseError, VerifyException

    try:
        module = Parser(make_context(), text, name).parse_module()
        module.verify()
    except (ParseError, VerifyException) as err:
        raise GnncError(str(err)) from None
    return module
