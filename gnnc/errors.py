"""User-facing errors. Each names what the user wrote: a config key, a model module, an IR line."""


class GnncError(Exception):
    """Base of every error gnnc reports to a user (printed without traceback by the CLIs)."""


class ConfigError(GnncError):
    """A config key is unknown or its value malformed; the message names the key."""


class UnsupportedModelError(GnncError):
    """The model uses something gnnc cannot compile; the message names the op or module."""


class CSimError(GnncError):
    """The generated C++ failed to compile or run under g++."""


def clip(text: str, limit: int = 1000) -> str:
    """`text` cut to `limit` characters, saying how long it was: messages echo what users wrote,
    and a 50 MB identifier must not become 50 MB of stderr."""
    text = str(text)
    return text if len(text) <= limit else f"{text[:limit]}... ({len(text)} characters)"


def clip_lines(text: str, limit: int = 1000, max_lines: int = 40) -> str:
    lines = str(text).splitlines()
    more = [f"... ({len(lines) - max_lines} more lines)"] if len(lines) > max_lines else []
    return "\n".join([clip(line, limit) for line in lines[:max_lines]] + more)


def reader_went_away() -> int:
    """The exit status after a BrokenPipeError (`gnnc ... | head`): the reader has all it wanted,
    so stop quietly. stdout goes to /dev/null first, so the interpreter's final flush cannot
    raise again; 141 is what a shell reports for a process ended by SIGPIPE."""
    import os
    import sys

    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    return 141
