"""Gradient check: every gradient of the backward pass against central finite differences.

For each variable x (value x0) the step is h = cbrt(machine epsilon) * max(1, |x0|)
(about 6e-6 at |x0| <= 1: it balances the difference's truncation error, O(h^2), against
its rounding error, O(eps/h)), rounded so that x0 + h is exact; when that does not agree
and 0 < |x0| < 1, h = cbrt(eps) * |x0| is tried too (sqrt near 0). The estimate is
(f(x0 + h) - f(x0 - h)) / 2h, and

    relative error = |grad - estimate| / max(|grad|, |estimate|, 1)

(an absolute error for gradients below 1 in size). A gradient passes when the error is at
most TOLERANCE plus the rounding noise of the difference itself (about eps·|f| / h,
relative to the same denominator). Special cases, none of them a failure:

- "kink": the central difference disagrees but the one-sided differences disagree with
  each other (relu, abs, max at a tie, ...), and the gradient lies between them (within
  KINK_TOLERANCE: one-sided differences are only accurate to O(h)), as a subgradient
  does: cg's convention at a point where the derivative does not exist.
- "one-sided": x0 - h or x0 + h is outside the domain (sqrt(x) at x = 1e-9); the step is
  halved up to 20 times, then a one-sided difference is compared with KINK_TOLERANCE.
- "infinite" / "undefined": the gradient is inf or nan (sqrt at 0; the exponent of a
  negative base); cg has warned about it, and there is nothing finite to compare.

`check(graph, inputs)` is used by `cg eval --check` and `cg check --verify`.
"""
from __future__ import annotations

import math

from ..core.errors import CgError
from ..core.graph import Graph

TOLERANCE = 1e-6
KINK_TOLERANCE = 1e-3
_EPS = 2.220446049250313e-16
_CBRT_EPS = _EPS ** (1.0 / 3.0)

PASSING = ("ok", "kink", "one-sided", "infinite", "undefined", "no estimate")


class VariableCheck:
    __slots__ = ("name", "value", "grad", "numeric", "error", "step", "verdict", "note")

    def __init__(self, name, value, grad, numeric, error, step, verdict, note=""):
        self.name = name
        self.value = value
        self.grad = grad            # from the backward pass
        self.numeric = numeric      # the finite-difference estimate (nan when none)
        self.error = error          # relative error as defined above (nan when not compared)
        self.step = step            # h
        self.verdict = verdict      # ok, kink, one-sided, infinite, undefined, mismatch, no estimate
        self.note = note

    @property
    def passed(self) -> bool:
        return self.verdict in PASSING


class CheckReport:
    __slots__ = ("variables", "tolerance")

    def __init__(self, variables, tolerance):
        self.variables = variables
        self.tolerance = tolerance

    @property
    def passed(self) -> bool:
        return all(v.passed for v in self.variables)

    @property
    def max_error(self) -> float:
        """The largest error among the gradients compared (not at kinks)."""
        errs = [v.error for v in self.variables if v.error == v.error and v.verdict != "kink"]
        return max(errs) if errs else 0.0

    @property
    def failures(self) -> list:
        return [v for v in self.variables if not v.passed]


def _rel(a: float, b: float) -> float:
    return abs(a - b) / max(abs(a), abs(b), 1.0)


def check(graph: Graph, inputs: dict, grads=None, tolerance: float = TOLERANCE) -> CheckReport:
    """Compare d(output)/d(variable) of the backward pass with finite differences at `inputs`.
    `grads`: the backward pass's node gradients when already computed."""
    from ..core.passes import backward, forward
    values = forward(graph, inputs)
    if grads is None:
        grads = backward(graph, values)
    f0 = values[graph.output]
    out = []
    for name, node in graph.variables.items():
        x0 = float(inputs[name])
        g = grads[node]

        def f(x):
            point = dict(inputs)
            point[name] = x
            try:
                return forward(graph, point)[graph.output]
            except CgError:
                return None

        out.append(_check_one(name, x0, g, f0, f, tolerance))
    return CheckReport(out, tolerance)


def _check_one(name, x0, g, f0, f, tolerance) -> VariableCheck:
    """The step: cbrt(eps)·max(1, |x0|), and for 0 < |x0| < 1 also cbrt(eps)·|x0| (near a
    singularity such as sqrt at 1e-9 only a step on the scale of x0 itself resolves f);
    the estimate that agrees best is kept."""
    best = None
    steps = [_CBRT_EPS * max(1.0, abs(x0))]
    if 0.0 < abs(x0) < 1.0:
        steps.append(_CBRT_EPS * abs(x0))
    for h in steps:
        c = _check_step(name, x0, g, f0, f, tolerance, h)
        if c.passed and c.verdict != "kink" or best is None:
            best = c
        if c.verdict == "ok":
            break
    return best


def _check_step(name, x0, g, f0, f, tolerance, h) -> VariableCheck:
    h = ((x0 + h) - x0) or h                       # a step the float grid represents exactly
    if math.isinf(g):
        return VariableCheck(name, x0, g, math.nan, math.nan, h, "infinite",
                             "the derivative is infinite here: nothing finite to compare")
    if g != g:
        return VariableCheck(name, x0, g, math.nan, math.nan, h, "undefined",
                             "the derivative is undefined here (nan): nothing to compare")
    fp = fm = None
    for _ in range(21):
        fp, fm = f(x0 + h), f(x0 - h)
        if fp is not None and fm is not None:
            break
        h = ((x0 + h / 2) - x0) or h / 2
    if fp is None or fm is None:
        # one side of x0 is outside the domain however small the step: one-sided difference
        if fp is None and fm is None:
            return VariableCheck(name, x0, g, math.nan, math.nan, h, "no estimate",
                                 "f is undefined on both sides of this point")
        est = (fp - f0) / h if fp is not None else (f0 - fm) / h
        err = _rel(g, est)
        verdict = "one-sided" if err <= KINK_TOLERANCE else "mismatch"
        return VariableCheck(name, x0, g, est, err, h, verdict,
                             "one side is outside the domain: one-sided difference")
    est = (fp - fm) / (2 * h)
    err = _rel(g, est)
    scale = max(abs(g), abs(est), 1.0)
    noise = 4 * _EPS * max(abs(fp), abs(fm), abs(f0)) / h / scale
    if err <= tolerance + noise:
        return VariableCheck(name, x0, g, est, err, h, "ok")
    right, left = (fp - f0) / h, (f0 - fm) / h
    lo, hi = min(left, right), max(left, right)
    slack = KINK_TOLERANCE * max(abs(lo), abs(hi), 1.0)
    if _rel(right, left) > KINK_TOLERANCE and lo - slack <= g <= hi + slack:
        return VariableCheck(name, x0, g, est, err, h, "kink",
                             f"not differentiable here: slopes {left:.6g} (left) and {right:.6g} "
                             f"(right); cg's convention gives {g:.6g}")
    if not math.isfinite(est):
        return VariableCheck(name, x0, g, est, err, h, "no estimate", "f overflows near this point")
    return VariableCheck(name, x0, g, est, err, h, "mismatch",
                         f"the backward pass gives {g!r}, finite differences {est!r}")
