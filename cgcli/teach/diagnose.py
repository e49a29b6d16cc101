"""Gradient diagnostics, read off a finished Result: the problems the seeds name (dead
neurons, vanishing gradients), as warning strings. They never change a number.

- a gate whose op has a `dead` predicate (relu) and whose input makes it true: it passes no
  gradient back (a dead relu: input <= 0);
- a gate whose op `saturates` (sigmoid, tanh) with |local derivative| < SATURATED: it is in a
  flat tail, and little gradient flows back through it;
- a variable whose gradient is exactly 0 (it does not reach the output, or every path is
  blocked), or whose |gradient| is below TINY times the largest |gradient| of any variable.
Each kind lists at most LIMIT nodes, then a count.
"""
from __future__ import annotations

import math

from ..core.ops import OPS

SATURATED = 0.01     # |local derivative| below this: sigmoid beyond |a| > 4.6, tanh beyond |a| > 3.0
TINY = 1e-6          # a variable's |gradient| below this fraction of the largest one: vanishing
LIMIT = 5            # nodes named per kind of warning

_DEAD = [op.dead for op in OPS]
_SATURATES = [op.saturates for op in OPS]


def diagnose(result) -> list[str]:
    """Warnings about dead gates, saturated gates and vanishing variable gradients."""
    g = result.graph
    values, grads = result.values, result.grads
    out: list[str] = []
    codes = set(g.ops)
    reach = None
    if any(_DEAD[c] or _SATURATES[c] for c in codes):
        reach = _reaches_output(g)
        dead, saturated = [], []
        ops, in0, needs = g.ops, g.in0, g.needs_grad
        for i in range(g.output + 1):
            c = ops[i]
            if not (reach[i] and needs[i]):
                continue
            if _DEAD[c] is not None and _DEAD[c](values[in0[i]]):
                dead.append(i)
            elif _SATURATES[c]:
                local = OPS[c].local(values[in0[i]], values[i])
                if abs(local) < SATURATED:
                    saturated.append((i, local))
        if dead or saturated:
            from ..core.fmt import fmt
            lab = _describe(g)
            for i in dead[:LIMIT]:
                op = OPS[ops[i]]
                out.append(f"dead {op.name} at {lab(i)}: its input is {fmt(values[in0[i]], 3)} <= 0, "
                           f"so it passes no gradient back")
            if len(dead) > LIMIT:
                out.append(f"... and {len(dead) - LIMIT} more dead gates")
            for i, local in saturated[:LIMIT]:
                op = OPS[ops[i]]
                out.append(f"saturated {op.name} at {lab(i)}: input {fmt(values[in0[i]], 3)}, local "
                           f"gradient {fmt(local, 3)} < {SATURATED}: little gradient flows back "
                           f"(vanishing gradient)")
            if len(saturated) > LIMIT:
                out.append(f"... and {len(saturated) - LIMIT} more saturated gates")
    out += _variable_warnings(result, reach)
    return out


def _variable_warnings(result, reach) -> list[str]:
    g = result.graph
    grads = result.grads
    finite = [abs(grads[i]) for i in g.variables.values() if math.isfinite(grads[i])]
    largest = max(finite, default=0.0)
    zero, tiny = [], []
    for name, i in g.variables.items():
        v = grads[i]
        if v == 0.0:
            zero.append((name, i))
        elif math.isfinite(v) and abs(v) < TINY * largest:
            tiny.append(name)
    out = []
    if zero:
        if reach is None:
            reach = _reaches_output(g)
        for name, i in zero[:LIMIT]:
            if reach[i]:
                out.append(f"{name} gets gradient 0: every path from it to the output passes a gate "
                           f"with local gradient 0 (a dead relu, step, sign, a routing max/min, "
                           f"or a product with 0)")
            else:
                out.append(f"{name} gets gradient 0: it does not reach the output")
        if len(zero) > LIMIT:
            out.append(f"... and {len(zero) - LIMIT} more variables with gradient 0")
    if tiny:
        from ..core.fmt import fmt
        top = max((n for n, i in g.variables.items() if math.isfinite(grads[i])),
                  key=lambda n: abs(grads[g.variables[n]]))
        for name in tiny[:LIMIT]:
            out.append(f"{name}'s gradient {fmt(grads[g.variables[name]], 3)} is tiny next to the "
                       f"largest ({top}'s, {fmt(grads[g.variables[top]], 3)}): below {TINY:g} "
                       f"of it (vanishing gradient)")
        if len(tiny) > LIMIT:
            out.append(f"... and {len(tiny) - LIMIT} more variables with a vanishing gradient")
    return out


def _reaches_output(g) -> bytearray:
    """1 for every node the output depends on (a loop from the output down: no recursion)."""
    reach = bytearray(len(g.ops))
    reach[g.output] = 1
    in0, in1 = g.in0, g.in1
    for i in range(g.output, -1, -1):
        if reach[i]:
            if in0[i] >= 0:
                reach[in0[i]] = 1
            if in1[i] >= 0:
                reach[in1[i]] = 1
    return reach


def _describe(g):
    from ..core.graph import display_names, labels
    names, lab = display_names(g), labels(g)
    return lambda i: f"{names[i]} = {lab[i]}"


def run_with_diagnostics(graph, inputs: dict):
    """The passes, then the diagnostics (dead relus, saturated gates, vanishing gradients)
    appended to the Result's warnings: what cg eval and cg explain show."""
    from ..core.passes import run
    result = run(graph, inputs)
    result.warnings += diagnose(result)
    return result
