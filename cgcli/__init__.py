"""cg: parse an expression, build its computational graph, run the forward and backward passes.

    >>> from cgcli import evaluate
    >>> r = evaluate("(x+y)*z", x=2, y=3, z=-4)
    >>> r.value, r.gradients
    (-20.0, {'x': -4.0, 'y': -4.0, 'z': 5.0})

The package's layers (docs/architecture.md): core <- batch <- areas (check, teach, symbolic,
train) <- views <- cli and this API; tests/test_layers.py keeps the imports one way.
"""
from __future__ import annotations

from .api import Result, evaluate, run
from .core import __version__
from .core.errors import CgError, CgSyntaxError, DomainError, InputError
from .core.graph import Graph
from .core.parse import parse
from .core.passes import backward, forward

__all__ = ["evaluate", "parse", "run", "forward", "backward", "Result", "Graph",
           "CgError", "CgSyntaxError", "DomainError", "InputError", "__version__"]
