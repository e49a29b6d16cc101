"""cg: parse an expression, build its computational graph, run the forward and backward passes.

    >>> from cgcli import evaluate
    >>> r = evaluate("(x+y)*z", x=2, y=3, z=-4)
    >>> r.value, r.gradients
    (-20.0, {'x': -4.0, 'y': -4.0, 'z': 5.0})
"""
from __future__ import annotations

__version__ = "0.1.0"

from .errors import CgError, CgSyntaxError, DomainError, InputError
from .graph import Graph
from .parse import parse
from .passes import Result, backward, forward, run


def evaluate(program: str, values: dict | None = None, **kwargs) -> Result:
    """Parse `program`, then run the forward and backward passes at `values` (or keywords)."""
    inputs = dict(values or {})
    inputs.update(kwargs)
    return run(parse(program), {k: float(v) for k, v in inputs.items()})


__all__ = ["evaluate", "parse", "run", "forward", "backward", "Result", "Graph",
           "CgError", "CgSyntaxError", "DomainError", "InputError", "__version__"]
