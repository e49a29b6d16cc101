"""Gradient diagnostics, read off a finished Result: the problems the seeds name (dead
neurons, vanishing gradients), as warning strings. They never change a number.

- a gate whose op has a `dead` predicate (relu) and whose input makes it true: it passes no
  gradient back (a dead relu: input <= 0);
- a gate whose op `saturates` (sigmoid, tanh) with |local derivative| < SATURATED: it is in a
  flat tail, and little gradient flows back through it;
- a variable whose gradient is exactly 0, with the cause cg can prove on this graph (it does
  not reach the output; or every path from it to the output passes a gate with local gradient
  0 (a dead relu, a flat step, a routing max, a product with 0, a stationary x^2 at 0, a
  saturated sigmoid), an underflow, or a node where the contributions cancel; or none), or
  whose |gradient| is below TINY times the largest |gradient| of any variable.
Each kind lists at most LIMIT nodes, then a count. Each warning is a Diagnosis: the text, with
its code, node and causes as data.
"""
from __future__ import annotations

import math
from collections import namedtuple

from ..core.ops import OPS
from ..core.warn import Warn

SATURATED = 0.01     # |local derivative| below this: sigmoid beyond |a| > 4.6, tanh beyond |a| > 3.0
TINY = 1e-6          # a variable's |gradient| below this fraction of the largest one: vanishing
LIMIT = 5            # nodes named per kind of warning

_DEAD = [op.dead for op in OPS]
_SATURATES = [op.saturates for op in OPS]


def diagnose(result) -> list[str]:
    """Warnings about dead gates, saturated gates and vanishing variable gradients."""
    g = result.graph
    values = result.values
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
                out.append(Diagnosis(f"dead {op.name} at {lab(i)}: its input is {fmt(values[in0[i]], 3)} "
                                     f"<= 0, so it passes no gradient back", "dead-gate", i))
            if len(dead) > LIMIT:
                out.append(Diagnosis(f"... and {len(dead) - LIMIT} more dead gates", "more"))
            for i, local in saturated[:LIMIT]:
                op = OPS[ops[i]]
                out.append(Diagnosis(f"saturated {op.name} at {lab(i)}: input {fmt(values[in0[i]], 3)}, "
                                     f"local gradient {fmt(local, 3)} < {SATURATED}: little gradient flows "
                                     f"back (vanishing gradient)", "saturated-gate", i))
            if len(saturated) > LIMIT:
                out.append(Diagnosis(f"... and {len(saturated) - LIMIT} more saturated gates", "more"))
    out += _variable_warnings(result, reach)
    return out


class Diagnosis(Warn):
    """A warning (core/warn.py: the text every view prints, a str, so every view and the JSON
    `warnings` take it as they are), carrying what it says as data: `code` (dead-gate,
    saturated-gate, zero-gradient, vanishing-gradient, more), `node` (the gate, or the
    variable's node; -1 for a count) and, for zero-gradient, `causes`: the Cause records the
    text names (empty where cg cannot prove one)."""

    def __new__(cls, text: str, code: str = "warning", node: int = -1, causes: tuple = ()):
        return super().__new__(cls, text, code, node=node, causes=causes)


# Why gradient stops, as data: Cause(code, node, input, k). `node` is the gate (for cancel: the
# node where the contributions meet), `input` the gate's input the edge leads to, `k` that
# input's position (0 or 1: min(y, y) has two edges into y). code is one of
#   dead        a gate with a `dead` predicate (relu) whose input makes it true: local gradient 0
#   flat        a gate whose local gradient is 0 everywhere (step, sign)
#   routed      max/min: the whole gradient goes to the other input
#   zero-factor a product whose other factor is 0 (or a quotient whose numerator is 0, for the
#               gradient to its denominator)
#   stationary  a smooth gate whose derivative is exactly 0 at this input (x^2 at 0, cos at 0,
#               x^0, 1^b), so the output is stationary through it
#   kink        abs at 0, where cg takes the derivative 0 (a convention at a corner)
#   saturated   sigmoid/tanh so far in a tail that its local gradient rounds to 0 in float
#   underflow   a local gradient, or upstream × local, that is not 0 but rounds to 0 in float
#   cancel      a node whose incoming contributions are not 0 but add up to exactly 0 (input
#               -1): the output is stationary in it
#   unreached   a variable that does not reach the output (node = the variable)
Cause = namedtuple("Cause", "code node input k", defaults=(-1, -1))

CAUSES = 3           # causes named per variable; beyond that the text names none


def _zero_local(g, values, i, a, k) -> str:
    """Why the local gradient of gate i with respect to its k-th input a is 0 (a float 0)."""
    op = OPS[g.ops[i]]
    ins = g.inputs(i)
    x = values[ins[0]]
    name = op.name
    if op.dead is not None and op.dead(x):
        return "dead"
    if op.partials == ("0",):
        return "flat"
    if name in ("max", "min"):
        return "routed"
    if name == "mul":
        return "zero-factor"
    if name == "div":              # d/da = 1/b is never 0; d/db = -a/b^2: 0 exactly where a = 0
        return "zero-factor" if x == 0.0 else "underflow"
    if name == "abs":
        return "kink"
    if op.saturates:
        return "saturated"
    if name == "pow":
        b = values[ins[1]]
        if k == 0:                 # b*a^(b-1): exactly 0 for b = 0, or a = 0 with b > 1
            return "stationary" if b == 0.0 or x == 0.0 else "underflow"
        return "stationary" if x in (0.0, 1.0) else "underflow"     # a^b*ln a: 0^b and 1^b are flat
    if name == "cos":              # -sin(a): exactly 0 at a = 0 (no other float is a multiple of pi)
        return "stationary" if x == 0.0 else "underflow"
    # exp, recip, sin, tan, log, sqrt: a derivative that is never exactly 0 at a float input
    return "underflow"


def zero_causes(result, reach) -> tuple:
    """({variable node: frozenset of Causes}, {cancel node: its nonzero contributions}) for
    each variable whose gradient is exactly 0 though it reaches the output: every path from
    it to the output passes one of its Causes (at most CAUSES + 1 are kept). One loop from the
    output down over the edges into zero-gradient nodes (no recursion): an edge's contribution
    is 0 because its gate's own gradient is 0 (the gate's causes carry over, shared, not
    copied), its local gradient is 0 (a Cause at that gate), or upstream × local underflows;
    a node whose nonzero contributions sum to 0 is a cancel."""
    g = result.graph
    values, grads = result.values, result.grads
    ops, in0, in1, needs = g.ops, g.in0, g.in1, g.needs_grad
    local = [op.local for op in OPS]
    arity = [op.arity for op in OPS]
    pending: dict = {}             # node -> [nonzero contributions (value, gate) or None, causes]
    cancels: dict = {}
    limit = CAUSES + 1
    empty = frozenset()

    def push(a, causes):
        st = pending.get(a)
        if st is None:
            pending[a] = [None, causes]
        elif st[1] is not causes and not causes <= st[1]:
            got = st[1] | causes
            st[1] = got if len(got) <= limit else frozenset(list(got)[:limit])

    def settle(j):
        st = pending.pop(j, None)
        if st is None:
            return empty
        if st[0]:
            cancels[j] = st[0]
            got = st[1] | {Cause("cancel", j)}
            return got if len(got) <= limit else frozenset(list(got)[:limit])
        return st[1]

    out_i = g.output
    for i in range(out_i, -1, -1):
        if not reach[i] or not needs[i] or arity[ops[i]] == 0:
            continue
        gi = grads[i]
        a, b = in0[i], in1[i]
        if gi == 0.0 and i != out_i:
            causes = settle(i)     # nothing flows back through i: its causes carry over
            if needs[a] and grads[a] == 0.0:
                push(a, causes)
            if b >= 0 and needs[b] and grads[b] == 0.0:
                push(b, causes)
            continue
        if not math.isfinite(gi):
            continue
        if not ((needs[a] and grads[a] == 0.0) or (b >= 0 and needs[b] and grads[b] == 0.0)):
            continue
        ins = (a,) if b < 0 else (a, b)
        d = local[ops[i]](*[values[j] for j in ins], values[i])
        d = d if isinstance(d, tuple) else (d,)
        for k, (j, dj) in enumerate(zip(ins, d)):
            if not needs[j] or grads[j] != 0.0:
                continue
            c = gi * dj
            if c != 0.0:
                st = pending.setdefault(j, [None, empty])
                if st[0] is None:
                    st[0] = []
                st[0].append((c, i))
            elif dj == 0.0:
                push(j, frozenset((Cause(_zero_local(g, values, i, j, k), i, j, k),)))
            else:
                push(j, frozenset((Cause("underflow", i, j, k),)))
    found = {}
    for v in g.variables.values():
        if grads[v] == 0.0 and reach[v] and v != out_i:
            found[v] = settle(v)
    return found, cancels


def _cause_text(g, values, grads, c: Cause, cancels: dict, fname: str) -> str:
    """One cause as a clause, true for this graph at the numbers shown."""
    from ..core.fmt import fmt
    from ..core.graph import display_names, labels
    names, lab = display_names(g), labels(g)
    i, a = c.node, c.input

    def gate(j):
        return f"{names[j]} = {lab[j]}"

    def num(v):
        return fmt(v, 3)
    code = c.code
    if code == "cancel":
        terms = sorted(cancels.get(i, []), key=lambda t: t[1])
        shown = " + ".join(f"{fmt(v) if k == 0 or v >= 0 else f'({fmt(v)})'} (from {lab[j]})"
                           for k, (v, j) in enumerate(terms[:4]))
        if len(terms) > 4:
            shown += f" + … ({len(terms) - 4} more)"
        return (f"{names[i]}, where the contributions it receives cancel: {shown} = 0 "
                f"({fname} is stationary in {names[i]} here)")
    op = OPS[g.ops[i]]
    ins = g.inputs(i)
    x = values[ins[0]]
    if code == "dead":
        return f"the dead {op.name} {gate(i)} (its input is {num(x)} <= 0: it passes no gradient back)"
    if code == "flat":
        return f"{gate(i)}, a {op.name}: flat, it passes no gradient back"
    other = ins[1 - c.k] if len(ins) == 2 and c.k in (0, 1) else -1
    if code == "routed":
        which = "first" if c.k == 1 else "second"
        if values[ins[0]] == values[ins[1]]:
            why = f"a tie at {num(x)}: cg routes it to the first argument"
        else:
            why = (f"{names[other]} = {num(values[other])} is the "
                   f"{'larger' if op.name == 'max' else 'smaller'}")
        return f"{gate(i)}, which routes the whole gradient to its {which} argument {names[other]} ({why})"
    if code == "zero-factor":
        if op.name == "div":
            return f"{gate(i)}, a quotient whose numerator {names[ins[0]]} is 0 (its gradient to the denominator, -a/b², is 0)"
        return f"{gate(i)}, a product whose other factor {names[other]} is 0"
    if code == "kink":
        return f"{gate(i)} at its corner {names[a]} = 0, where cg takes the derivative of abs as 0"
    if code == "stationary":
        if op.name == "pow":
            b = values[ins[1]]
            if c.k == 0:
                if b == 0.0:
                    return f"{gate(i)}: a power 0 is constant in its base (its derivative is 0)"
                power = names[a] if b == 2.0 else f"{names[a]}^{fmt(b - 1)}"
                return (f"{gate(i)}, which is stationary at {names[a]} = 0: its derivative "
                        f"{fmt(b)}·{power} is 0 there")
            return f"{gate(i)}: the base {names[ins[0]]} = {fmt(x)}, so it is constant in the exponent (derivative 0)"
        return f"{gate(i)}, which is stationary at {names[a]} = {fmt(x)}: its derivative is 0 there"
    if code == "saturated":
        return (f"{gate(i)}, saturated: at input {num(x)} its local gradient is not 0 but rounds to 0 "
                f"in floating point")
    # underflow
    if grads[i] != 0.0:
        from ..core.passes import _LOCAL
        d = _LOCAL[g.ops[i]](*[values[j] for j in ins], values[i])
        d = d[c.k] if isinstance(d, tuple) else d
        if d != 0.0:
            return (f"{gate(i)}, where upstream × local = {num(grads[i])} × {num(d)} is too small for a "
                    f"float and rounds to 0 (underflow)")
    return (f"{gate(i)}, whose local gradient at input {num(x)} is not 0 but rounds to 0 in floating "
            f"point (underflow)")


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
        from ..core.graph import display_names, output_name
        names, fname = display_names(g), output_name(g)
        found, cancels = zero_causes(result, reach) if any(reach[i] for _, i in zero) else ({}, {})
        for name, i in zero[:LIMIT]:
            shown = names[i]
            if not reach[i]:
                out.append(Diagnosis(f"{shown} gets gradient 0: it does not reach the output",
                                     "zero-gradient", i, (Cause("unreached", i),)))
                continue
            got = sorted(found.get(i, ()), key=lambda c: (-c.node, c.input))
            if not got or len(got) > CAUSES:
                out.append(Diagnosis(f"{shown} gets gradient 0: more than {CAUSES} gates or sums on its "
                                     f"paths to the output give 0 (--format json lists every node's gradient)"
                                     if got else f"{shown} gets gradient 0", "zero-gradient", i, ()))
                continue
            own = Cause("cancel", i)
            texts = [_cause_text(g, result.values, grads, c, cancels, fname) for c in got if c != own]
            if own in got:          # the contributions into the variable itself cancel
                text = (f"{shown} gets gradient 0: "
                        + _cause_text(g, result.values, grads, own, cancels, fname).replace(
                            f"{shown}, where the", "the", 1))
                if texts:
                    text += ("; its other paths to the output pass "
                             + (texts[0] if len(texts) == 1 else "one of these: " + "; ".join(texts)))
            elif len(got) == 1:
                text = f"{shown} gets gradient 0: every path from it to the output passes " + texts[0]
            else:
                text = (f"{shown} gets gradient 0: every path from it to the output passes one of these: "
                        + "; ".join(texts))
            out.append(Diagnosis(text, "zero-gradient", i, tuple(got)))
        if len(zero) > LIMIT:
            out.append(Diagnosis(f"... and {len(zero) - LIMIT} more variables with gradient 0", "more"))
    if tiny:
        from ..core.fmt import fmt
        top = max((n for n, i in g.variables.items() if math.isfinite(grads[i])),
                  key=lambda n: abs(grads[g.variables[n]]))
        from ..core.graph import display_names
        shown = display_names(g)            # a rebound input by its version name (h#1)
        top_shown = shown[g.variables[top]]
        for name in tiny[:LIMIT]:
            out.append(Diagnosis(
                f"{shown[g.variables[name]]}'s gradient {fmt(grads[g.variables[name]], 3)} is tiny next to the "
                f"largest ({top_shown}'s, {fmt(grads[g.variables[top]], 3)}): below {TINY:g} "
                f"of it (vanishing gradient)", "vanishing-gradient", g.variables[name]))
        if len(tiny) > LIMIT:
            out.append(Diagnosis(f"... and {len(tiny) - LIMIT} more variables with a vanishing gradient", "more"))
    return out


def _reaches_output(g) -> bytearray:
    """1 for every node the output depends on (core.graph.reaching: a loop, no recursion)."""
    from ..core.graph import reaching
    return reaching(g)


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
