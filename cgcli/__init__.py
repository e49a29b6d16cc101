"""cg: parse an expression, build its computational graph, run the forward and backward passes.

    >>> from cgcli import evaluate
    >>> r = evaluate("(x+y)*z", x=2, y=3, z=-4)
    >>> r.value, r.gradients
    (-20.0, {'x': -4.0, 'y': -4.0, 'z': 5.0})

The package's layers (docs/architecture.md): core <- batch <- areas (check, teach, symbolic,
train) <- views <- cli and the API (api.py); tests/test_layers.py keeps the imports one way.
The names below are imported when first used, so `cg` starts without the API it does not need.
"""
from __future__ import annotations

from .core import __version__

_API = {"evaluate": "api", "run": "api", "Result": "api", "parse": "core.parse",
        "forward": "core.passes", "backward": "core.passes", "Graph": "core.graph",
        "CgError": "core.errors", "CgSyntaxError": "core.errors", "DomainError": "core.errors",
        "InputError": "core.errors"}

__all__ = [*_API, "__version__"]


def __getattr__(name: str):
    module = _API.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    import importlib
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


def __dir__():
    return sorted(set(globals()) | set(_API))
