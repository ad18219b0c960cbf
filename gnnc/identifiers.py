"""Names that end up in the generated C++: they must be identifiers the C++ can use.

A model's input and output names become port names, and the config's `top` the top
function's; a keyword there (`new`, `int`) or a name the generated code itself uses would
compile here and fail only in g++ or the vendor tool, so they are refused up front.
"""

from __future__ import annotations

import re

from gnnc.errors import GnncError, clip

IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
MAX_LENGTH = 200  # vendor tools choke on longer names, and a longer one is no name a person chose

CPP_KEYWORDS = frozenset("""
    alignas alignof and and_eq asm auto bitand bitor bool break case catch char char8_t char16_t
    char32_t class compl concept const consteval constexpr constinit const_cast continue co_await
    co_return co_yield decltype default delete do double dynamic_cast else enum explicit export
    extern false float for friend goto if inline int long mutable namespace new noexcept not not_eq
    nullptr operator or or_eq private protected public register reinterpret_cast requires return
    short signed sizeof static static_assert static_cast struct switch template this thread_local
    throw true try typedef typeid typename union unsigned using virtual void volatile wchar_t while
    xor xor_eq main
""".split())

#: Names the generated code declares or uses beside the ports (types, namespaces, count ports).
GENERATED = frozenset("""
    n_nodes n_edges ap_fixed ap_ufixed ap_int ap_uint ac_fixed ac_int hls sycl std gnnc_row
""".split())


def shown(name: str, limit: int = 60) -> str:
    """`name` quoted for a message, cut short when it is long (a 50 MB name is not echoed)."""
    return clip(repr(name), limit)


def check_identifier(name: str, what: str, fix: str, reserved: frozenset[str] = CPP_KEYWORDS | GENERATED,
                     err: type[GnncError] = GnncError) -> None:
    """Raise `err` naming `what` unless `name` can name it in the C++; `fix` says how."""
    if not isinstance(name, str) or not IDENTIFIER.match(name) or len(name) > MAX_LENGTH:
        raise err(f"{what} {shown(str(name))} is not a C++ identifier (letters, digits and _, "
                        f"at most {MAX_LENGTH} characters, not starting with a digit); {fix}")
    if name in reserved:
        kind = "a C++ keyword" if name in CPP_KEYWORDS else "a name the generated C++ uses"
        raise err(f"{what} {name!r} is {kind}; {fix}")
