"""Which derivatives `cg diff` asks for: --wrt (repeated: one differentiation each), --order
(every combination of the variables) and --hessian, as multi-indices for symbolic/diff.py."""
from __future__ import annotations

from ..core.errors import InputError


def derivatives(graph, wrt: list, order, hessian: bool) -> tuple:
    """(multi-indices, Hessian variables or None); an unknown --wrt name or a clash of the
    options is an InputError."""
    names = list(graph.variables)
    for v in wrt:
        if v not in graph.variables:
            from ..core.names import suggest
            raise InputError(f"cg: --wrt {v}: {v} is not a variable of the expression",
                             hint=suggest(v, names, "--wrt ") + f"the expression's variables: {', '.join(names) or 'none'}")
    return _multi_indices(names, wrt, order, hessian)


def _multi_indices(names, wrt, order, hessian):
    if hessian:
        if order is not None:
            raise InputError("cg: --hessian gives the second derivatives; drop --order")
        return [], (list(dict.fromkeys(wrt)) if wrt else names)
    if len(wrt) > 1:
        if order is not None and order != len(wrt):
            raise InputError(f"cg: --order {order} does not match the {len(wrt)} --wrt variables "
                             f"(each --wrt is one differentiation)")
        return [tuple(wrt)], None
    k = order or 1
    if wrt:
        return [tuple(wrt) * k], None
    from itertools import combinations_with_replacement
    return [c for c in combinations_with_replacement(names, k)], None
