"""Formula answers: an expression in the problem's variables and named nodes, graded as a
function rather than as one number.

A student writes grad.z = "x + y" for (x+y)*z, or grad.x = "z", or an expression naming a
named node (grad.x = "q*w" with q = x + y). The formula is parsed with cg's own grammar
(cgcli.core.parse; never Python's eval) and is right when it equals cg's own derivative (or value)
at the problem's point and at SAMPLES random points near it, each within the tolerance:
- cg's side at a point is the ordinary forward and backward pass there (no symbolic algebra);
- the formula's names take the nodes' forward values at that point (the output too, by the
  name cg gives it: its own name, else f);
- a random point moves every input by up to RADIUS × max(|value|, 0.1), uniformly, and is
  kept only where the problem's forward pass is defined, cg's answer is finite and every
  node keeps its sign (so a point never crosses a domain edge such as log's 0, a relu or abs
  kink, or a zero denominator); up to TRIES draws, halving the radius every 25 failures;
- points where the formula is undefined (a domain error or a non-finite number) are skipped;
  the formula must be defined at the problem's point and at SAMPLES of the POOL points;
- the random generator is seeded from the problem's text, its inputs and the target
  (CRC-32), so grading is reproducible and every student is graded on the same points.
The points and cg's values there are computed once per (Result, target) and cached; a formula
text seen before for the same target is graded from a memo.
"""
from __future__ import annotations

import math

from ..core.errors import CgError, DomainError, InputError
from .answers import isclose, names_in, parse_formula  # noqa: F401  (names_in, parse_formula: re-exported)

SAMPLES = 5         # random points the formula must match (besides the problem's own point)
POOL = 10           # random points drawn, so that a formula undefined at a few still has 5
TRIES = 400
RADIUS = 0.25

_POINTS: dict = {}  # (id(result), kind, node) -> Points


def formula_names(graph) -> dict:
    """The names a formula may use: variables, assigned names, and the output's name."""
    from .answers import output_name
    table = dict(graph.variables)
    table.update(graph.assigned)
    table.setdefault(output_name(graph), graph.output)
    return table


def bind(graph, text: str, what: str) -> tuple:
    """(formula graph, [(its variable, problem node id)]); InputError for an unknown name."""
    f = parse_formula(text, what)
    names = formula_names(graph)
    binding = []
    for name in f.variables:
        i = names.get(name)
        if i is None:
            from ..core.names import suggest
            raise InputError(
                f"cg: {what} must be a number or a constant expression (or a formula in the "
                f"expression's names): {name} is not a variable or named node of the expression",
                hint=suggest(name, names) + f"the names a formula may use: {', '.join(names)}")
        binding.append((name, i))
    return f, binding


class Points:
    """The problem's point and random points near it: node values and cg's target there."""
    __slots__ = ("result", "values", "targets", "inputs", "verdicts", "upstream")

    def __init__(self, result, kind: str, i: int):
        self.result = result
        self.upstream = None          # the nodes strictly upstream of a value target (restates)
        self.values = [result.values]
        self.targets = [result.grads[i] if kind == "grad" else result.values[i]]
        self.inputs = [dict(result.inputs)]
        self.verdicts: dict = {}
        self._sample(result, kind, i)

    def _sample(self, result, kind, i):
        import random
        import zlib
        from ..core.passes import backward, forward
        g = result.graph
        base = result.inputs
        if not base:
            return
        seed = zlib.crc32(f"{g.source}|{sorted(base.items())}|{kind}|{i}".encode())
        rng = random.Random(seed)
        v0 = result.values
        needs = g.needs_grad
        signs = [(j, v0[j] > 0) for j in range(len(v0)) if needs[j] and v0[j] != 0 and math.isfinite(v0[j])]
        radius = RADIUS
        fails = 0
        for _ in range(TRIES):
            if len(self.values) > POOL:
                break
            point = {n: v + radius * max(abs(v), 0.1) * rng.uniform(-1.0, 1.0) for n, v in base.items()}
            try:
                values = forward(g, point)
            except (CgError, ArithmeticError, ValueError):
                values = None
            if values is not None and all((values[j] > 0) == pos and values[j] != 0 for j, pos in signs):
                target = backward(g, values)[i] if kind == "grad" else values[i]
                if math.isfinite(target):
                    self.values.append(values)
                    self.targets.append(target)
                    self.inputs.append(point)
                    continue
            fails += 1
            if fails % 25 == 0:
                radius /= 2


def points(result, kind: str, i: int) -> Points:
    key = (id(result), kind, i)
    p = _POINTS.get(key)
    if p is None or p.result is not result:
        if len(_POINTS) > 256:
            _POINTS.clear()
        p = _POINTS[key] = Points(result, kind, i)
    return p


def _evaluate(f, binding, values):
    """The formula at one point (node values), or None where it is undefined."""
    from ..core.passes import forward
    try:
        v = forward(f, {name: values[i] for name, i in binding})[f.output]
    except (DomainError, ArithmeticError, ValueError):
        return None
    except CgError:
        return None
    return v if math.isfinite(v) else None


def _where(inputs: dict) -> str:
    from ..core.fmt import fmt
    return ", ".join(f"{k} = {fmt(v, 4)}" for k, v in inputs.items())


def grade_formula(result, answer, tol, i: int, lab: str, names=None, out=None):
    """A Row for a formula answer (mode "formula": tolerance only, no rounding)."""
    from .answers import Row, _what
    got = result.grads[i] if answer.kind == "grad" else result.values[i]
    allowed = tol.atol + tol.rtol * abs(got) if math.isfinite(got) else 0.0
    pts = points(result, answer.kind, i)
    memo_key = (answer.text, tol.rtol, tol.atol)
    verdict = pts.verdicts.get(memo_key)
    if verdict is None:
        verdict = _judge(result, answer, tol, lab, pts, _what(answer.kind, answer.name), i)
        if len(pts.verdicts) > 4096:
            pts.verdicts.clear()
        pts.verdicts[memo_key] = verdict
    ok, given, message, status = verdict
    feedback = slip = None
    if not ok and math.isfinite(given) and not isclose(given, got, tol.rtol, tol.atol):
        # wrong at the problem's point: diagnose its number there as a numeric answer would be
        from .answers import Answer
        from .slips import diagnosis
        d = diagnosis(result, Answer(answer.kind, answer.name, answer.text, given, None), i, tol, lab, got, out)
        if d is not None:
            feedback, slip = d.text, d.slip
    return Row(answer, lab, got, ok, ok and isclose(given, got, tol.rtol, tol.atol), "formula", tol,
               allowed, message, feedback, status=status, node=i, given=given, slip=slip)


def upstream(graph, i: int) -> set:
    """The nodes strictly upstream of node i (those it is computed from), iteratively."""
    in0, in1 = graph.in0, graph.in1
    seen: set = set()
    stack = [i]
    while stack:
        j = stack.pop()
        for k in (in0[j], in1[j]):
            if k >= 0 and k not in seen:
                seen.add(k)
                stack.append(k)
    return seen


def restates(result, answer, binding, i: int, lab: str, pts) -> str | None:
    """Why a formula for a value (the output's, or node.NAME's) restates its target, or None.
    A formula may use the problem's inputs and the named nodes strictly upstream of its target,
    never the target itself (or another name for it) nor a node computed from it or beside it.
    A gradient is not a node: a formula for grad.NAME may use every name."""
    if answer.kind == "grad":
        return None
    g = result.graph
    if pts.upstream is None:
        pts.upstream = upstream(g, i)
    up = pts.upstream
    variables = set(g.variables.values())
    for name, j in binding:
        if j == i:
            why = "the value it answers"
        elif j in up or j in variables:
            continue
        elif i in upstream(g, j):
            why = f"which is computed from {lab}"
        else:
            why = f"which {lab} is not computed from"
        return (f"{lab}: your formula {answer.text} uses {name}, {why}: a formula for {lab} may use only "
                f"the inputs and the named nodes {lab} is computed from")
    return None


def _judge(result, answer, tol, lab, pts, what, i):
    from ..core.fmt import fmt
    from .sheet import UNREADABLE
    try:
        f, binding = bind(result.graph, answer.text, what)
    except CgError as e:
        return False, math.nan, e.message.removeprefix("cg: "), UNREADABLE
    text = answer.text
    why = restates(result, answer, binding, i, lab, pts)
    if why is not None:
        v = _evaluate(f, binding, pts.values[0])
        return False, math.nan if v is None else v, why, "wrong"
    v = _evaluate(f, binding, pts.values[0])
    got = pts.targets[0]
    if v is None:
        return False, math.nan, f"{lab} is {fmt(got)}; your formula {text} is undefined at the problem's point", "wrong"
    if not isclose(v, got, tol.rtol, tol.atol):
        return False, v, f"{lab} is {fmt(got)}; your formula {text} gives {fmt(v)} at the problem's point", "wrong"
    compared = 0
    for values, target, point in zip(pts.values[1:], pts.targets[1:], pts.inputs[1:]):
        w = _evaluate(f, binding, values)
        if w is None:
            continue
        compared += 1
        if not isclose(w, target, tol.rtol, tol.atol):
            return False, v, (f"{lab}: your formula {text} is right at the problem's point ({fmt(v)}) but not "
                              f"as a function: at {_where(point)} it gives {fmt(w)}, {lab} is {fmt(target)}"), "wrong"
        if compared >= SAMPLES:
            break
    available = len(pts.values) - 1
    if compared < min(SAMPLES, available):
        return False, v, (f"{lab}: your formula {text} is undefined at most points near the problem's point "
                          f"(defined at {compared} of {available})"), "wrong"
    return True, v, None, None
