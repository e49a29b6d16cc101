"""The grading core of `cg check` and `cg grade`: an answer against a finished Result
(grade_one), a problem's answers (grade, Report), and error carried forward (carry_forward).
Tolerance, rounding and targets are answers.py's; formula answers are graded by formula.py,
wrong answers diagnosed by slips.py."""
from __future__ import annotations

import math

from ..core.fmt import fmt
from .answers import (Answer, Row, Tolerance, _what, is_rounding_of, isclose, label, lookup, matches,
                      node_names, output_name, precise_enough, precision_needed, required_rounding,
                      resolve, rounded_text)
from .formula import grade_formula
from .sheet import CARRIED
from .slips import carried, diagnosis


def grade_one(result, answer: Answer, tol: Tolerance, names: dict | None = None, out: str | None = None) -> Row:
    """Grade one answer. A right answer costs a lookup and a comparison; only a wrong one is
    diagnosed (cgcli.check.slips, cached per result and target)."""
    g = result.graph
    i = resolve(g, answer.kind, answer.name, names)
    lab = label(g, answer.kind, answer.name, out)
    if answer.formula:
        return grade_formula(result, answer, tol, i, lab, names, out)
    got = lookup(result, answer.kind, i)
    a = answer.number
    ok = close = isclose(a, got, tol.rtol, tol.atol)
    allowed = tol.atol + tol.rtol * abs(got) if math.isfinite(got) else 0.0
    mode = "isclose"
    rounding = tol.rounded and answer.exponent is not None and math.isfinite(got)
    too_coarse = None
    if rounding:
        mode = "rounded"
        too_coarse = precise_enough(answer, tol, got)
        if too_coarse is None:
            unit = 10.0 ** answer.exponent        # float(rounding_margin(...)), without fractions
            allowed = max(allowed, unit / 2 + unit / 10**9 + 4 * math.ulp(got))
            ok = ok or is_rounding_of(answer.text, answer.exponent, got)
    if ok:
        return Row(answer, lab, got, True, close, mode, tol, allowed, None, node=i)
    message = f"{lab} is {fmt(got)}, not {answer.text}"
    if too_coarse is not None and is_rounding_of(answer.text, answer.exponent, got):
        message += (f": {too_coarse}; rounding needs {precision_needed(tol)} "
                    f"(e.g. {required_rounding(got, tol)})")
    elif rounding:
        message += f" (correctly rounded: {rounded_text(got, answer.exponent)})"
    elif (answer.exponent is not None and math.isfinite(got)
          and is_rounding_of(answer.text, answer.exponent, got) and precise_enough(answer, tol, got) is None):
        message += " (correctly rounded: it passes with --rounded)"
    d = diagnosis(result, answer, i, tol, lab, got, out)
    if d is None:
        return Row(answer, lab, got, False, close, mode, tol, allowed, message, node=i)
    return Row(answer, lab, got, False, close, mode, tol, allowed, message, d.text, node=i, slip=d.slip)


def grade(result, answers: list, tol: Tolerance, ecf: float | None = None) -> list:
    """A Row per answer, in the order given; with `ecf`, wrong gradients that follow from the
    student's own upstream answers earn that credit (carry_forward)."""
    names = node_names(result.graph)
    out = output_name(result.graph)
    rows = [grade_one(result, a, tol, names, out) for a in answers]
    if ecf:
        carry_forward(result, rows, ecf)
    return rows


def carry_forward(result, rows: list, ecf: float) -> list:
    """Error carried forward: a wrong gradient answer for node t that is right given the
    student's own answers gets credit `ecf`, status "carried" (cgcli.check.sheet; cg check --json prints "carried forward") and a note in its
    message. "Given their answers" is the backward pass with the student's gradient answers
    put in for the nodes between t and the output (df/dx = their df/dq × dq/dx; at a fan-out
    the sum over consumers, with the student's answers where given and cg's own elsewhere),
    and the local gradients computed from the student's forward values (value / node
    answers) where they gave them (df/dz = their q for f = q * z)."""
    if not ecf:
        return rows
    grads_given, values_given = {}, {}
    for r in rows:
        a = r.answer
        if a.formula or r.node < 0 or not math.isfinite(a.number) or r.ok:
            continue
        (grads_given if a.kind == "grad" else values_given)[r.node] = r
    if not grads_given:
        return rows
    for r in rows:
        a = r.answer
        if r.ok or a.kind != "grad" or a.formula or r.node < 0:
            continue
        t = r.node
        over = {j: o.answer.number for j, o in grads_given.items() if j > t}
        vals = {j: o.answer.number for j, o in values_given.items()}
        if not over and not vals:
            continue
        value, used = _backward_with(result, t, over, vals)
        if not used or isclose(value, result.grads[t], r.tolerance.rtol, r.tolerance.atol):
            continue
        if not matches(a, value, r.tolerance):
            continue
        r.credit = float(ecf)
        r.status = CARRIED
        given = {**values_given, **grads_given}
        theirs = ", ".join(f"{given[j].label} = {given[j].answer.text}" for j in used)
        r.message = (r.message or "") + f" (carried forward: right given your {theirs}, which gives {fmt(value)})"
        d = carried(result, t, r.label, result.grads[t], value, theirs)
        r.feedback, r.slip = d.text, d.slip
    return rows


def _backward_with(result, t: int, over: dict, vals: dict | None = None) -> tuple:
    """d output / d node t by the backward pass, with the gradients of the nodes in `over`
    and the values in `vals` (used in the local gradients) replaced by the student's numbers;
    and which of those nodes it used on the way to t."""
    from ..core.ops import OPS
    g = result.graph
    values = result.values
    if vals:
        values = list(values)
        for j, v in vals.items():
            values[j] = v
    ops, in0, in1 = g.ops, g.in0, g.in1
    dep = bytearray(len(ops))
    dep[t] = 1
    for j in range(t + 1, g.output + 1):
        a, b = in0[j], in1[j]
        if a >= 0 and (dep[a] or (b >= 0 and dep[b])):
            dep[j] = 1
    grads = [0.0] * len(ops)
    grads[g.output] = 1.0
    used = set()
    for j in range(g.output, t, -1):
        if not dep[j]:
            continue
        if j in over:
            grads[j] = over[j]
            used.add(j)
        up = grads[j]
        if up == 0.0:
            continue
        op = OPS[ops[j]]
        if op.arity == 0:
            continue
        args = (in0[j],) if op.arity == 1 else (in0[j], in1[j])
        if vals:
            used.update(v for v in (j,) + args if v in vals)
        try:
            L = op.local(*[values[a] for a in args], values[j])
        except (ArithmeticError, ValueError):
            return math.nan, []
        L = L if isinstance(L, tuple) else (L,)
        for k, a in enumerate(args):
            grads[a] += up * L[k]
    return grads[t], sorted(used)


def check_targets(graph, answers: list) -> None:
    """Raise InputError for the first answer whose target the expression lacks, or whose
    formula names something the expression lacks."""
    names = node_names(graph)
    for a in answers:
        resolve(graph, a.kind, a.name, names)
        if a.formula:
            from .formula import bind
            bind(graph, a.text, _what(a.kind, a.name))


class Report:
    """A graded problem: its result (or the error that stopped it) and a Row per answer.
    Other checks (e.g. a finite-difference verification) may append Rows of their own."""
    __slots__ = ("id", "result", "rows", "error", "tolerance", "line", "title")

    def __init__(self, id=None, result=None, rows=None, error=None, tolerance=None, line=None, title=None):
        self.id = id
        self.result = result
        self.rows = rows or []
        self.error = error            # a CgError when the problem could not be graded
        self.tolerance = tolerance
        self.line = line
        self.title = title

    @property
    def correct(self) -> int:
        return sum(1 for r in self.rows if r.ok)

    @property
    def credit(self) -> float:
        return sum(r.credit for r in self.rows)

    @property
    def wrong(self) -> int:
        return sum(1 for r in self.rows if not r.ok)

    @property
    def passed(self) -> bool:
        return self.error is None and self.wrong == 0
