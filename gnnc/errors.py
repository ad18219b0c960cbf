"""User-facing errors. Each names what the user wrote: a config key, a model module, an IR line."""


class GnncError(Exception):
    """Base of every error gnnc reports to a user (printed without traceback by the CLIs)."""


class ConfigError(GnncError):
    """A config key is unknown or its value malformed; the message names the key."""


class UnsupportedModelError(GnncError):
    """The model uses something gnnc cannot compile; the message names the op or module."""


class CSimError(GnncError):
    """The generated C++ failed to compile or run under g++."""
