"""Grading answers against a finished Result: what `cg check` compares, and how.

An answer names a target — the output's value, the value of a named node, or the gradient
d(output)/d(node) of a variable or named node — and gives a number as written (its text is
kept: with rounding-aware grading, "-0.20" has two decimals). Targets are also what
`cg eval --get` prints: "value", "node.NAME", "grad.NAME".

Tolerance (numpy.isclose with cg's value as the reference):
    ok  when  |answer - got| <= atol + rtol * |got|
Rounding-aware (`rounded`): an answer written as a plain decimal number whose last written
digit has place value u (u = 0.01 for "0.73" and "-0.20", 1 for "5", 0.001 for "1.25e-2")
is also ok when it lies within half a unit of that digit of cg's value, u/2, i.e. it is cg's
value correctly rounded to that digit. A value exactly halfway (0.125 answered as 0.12 or
0.13) accepts both neighbours, whatever the rounding convention; the comparison is exact
(fractions, not floats), with a margin of 1e-9 u plus a few units in the last place of cg's
float, so that floating-point noise in cg's own value never decides a tie. Answers given as
an expression ("-1/3", "e^-1") have no last digit and are graded by the tolerance alone.

Grading never computes values: it reads a Result (passes.run did the work).
"""
from __future__ import annotations

import math
import re

from .errors import InputError
from .fmt import fmt

DEFAULT_RTOL = 1e-6
DEFAULT_ATOL = 1e-9

_DECIMAL = re.compile(r"[+-]?(?:\d+(?:_\d+)*\.?(?:\d+(?:_\d+)*)?|\.\d+(?:_\d+)*)(?:[eE][+-]?\d+)?\Z")
_NONFINITE = {"inf": math.inf, "+inf": math.inf, "-inf": -math.inf,
              "nan": math.nan, "+nan": math.nan, "-nan": math.nan}


class Written(float):
    """A float that remembers how it was written (TOML's and JSON's parse_float hook)."""

    def __new__(cls, text: str):
        self = super().__new__(cls, text)
        self.text = text
        return self


class Answer:
    """One expected answer: a target, the number, and how it was written."""
    __slots__ = ("kind", "name", "text", "number", "exponent", "source")

    def __init__(self, kind: str, name: str | None, text: str, number: float, exponent: int | None,
                 source=None):
        self.kind = kind              # "value", "node" or "grad"
        self.name = name              # the node's name (None for the output's value)
        self.text = text              # as written
        self.number = number
        self.exponent = exponent      # place value of the last written digit is 10**exponent
        self.source = source          # where it came from (a file's key path), for messages

    @property
    def target(self) -> str:
        return "value" if self.kind == "value" else f"{self.kind}.{self.name}"


def parse_number(raw, what: str):
    """(number, text, exponent) for an answer given as text, a TOML/JSON number or a string."""
    if isinstance(raw, bool) or not isinstance(raw, (str, int, float)):
        raise InputError(f"cg: {what} must be a number or a constant expression, got {raw!r}")
    if isinstance(raw, Written):
        text = raw.text
    elif isinstance(raw, int):
        text = str(raw)
    elif isinstance(raw, float):
        text = fmt(raw)
    else:
        text = raw.strip()
    low = text.lower()
    if low in _NONFINITE:
        return _NONFINITE[low], text, None
    if _DECIMAL.match(text):
        from decimal import Decimal
        try:
            number = float(text)
        except (ValueError, OverflowError):
            number = math.inf
        if not math.isfinite(number):
            raise InputError(f"cg: {what} is too large for a float: {text}")
        return number, text, Decimal(text).as_tuple().exponent
    from .cli import constant_value
    return constant_value(text, what), text, None


def make_answer(kind: str, name: str | None, raw, source=None) -> Answer:
    what = {"value": "the answer for the value", "node": f"the answer for {name}",
            "grad": f"the answer for the gradient of {name}"}[kind]
    number, text, exponent = parse_number(raw, what)
    return Answer(kind, name, text, number, exponent, source)


def split_answer(spec: str, option: str) -> tuple:
    """'NAME=ANSWER' from --grad / --node."""
    name, eq, val = spec.partition("=")
    name = name.strip()
    if not eq or not name or not val.strip():
        raise InputError(f"cg: {option} takes NAME=ANSWER, got {spec!r}",
                         hint=f"example: {option} z=3")
    return name, val


# --- targets -----------------------------------------------------------------------------

def node_names(graph) -> dict:
    """Every name a node can be referred to by: variables, assigned names, and the short
    n<id> names of unnamed nodes (as the table and the JSON show them)."""
    from .graph import display_names
    table = {}
    for i, name in enumerate(display_names(graph)):
        if name.isidentifier():
            table.setdefault(name, i)
    table.update(graph.variables)
    table.update(graph.assigned)
    return table


from .graph import output_name  # noqa: E402,F401  (moved to graph.py: every view uses it)


def resolve(graph, kind: str, name: str | None, names: dict | None = None) -> int:
    """The node id an answer or --get target refers to; InputError when there is none."""
    if kind == "value":
        return graph.output
    names = names if names is not None else node_names(graph)
    i = names.get(name)
    if i is None:
        import difflib
        close = difflib.get_close_matches(name, [n for n in names if n in graph.variables or n in graph.assigned], n=1)
        have = ", ".join(list(graph.variables) + list(graph.assigned)) or "none"
        raise InputError(f"cg: {name} is not a variable or named node of the expression",
                         hint=(f"did you mean {close[0]}? " if close else "")
                         + f"the expression's variables and named nodes: {have}")
    if kind == "grad" and not graph.needs_grad[i]:
        raise InputError(f"cg: {name} depends on no variable, so it has no gradient (cg shows —)")
    return i


def parse_target(text: str) -> tuple:
    """--get's TARGET: 'value', 'node.NAME' or 'grad.NAME' -> (kind, name)."""
    t = text.strip()
    if t == "value":
        return "value", None
    kind, dot, name = t.partition(".")
    if dot and kind in ("grad", "node") and name:
        return kind, name
    raise InputError(f"cg: unknown target {text!r}",
                     hint="targets: value, grad.NAME (d output / d NAME), node.NAME (the value of NAME)")


def lookup(result, kind: str, i: int) -> float:
    return result.grads[i] if kind == "grad" else result.values[i]


# --- tolerance and verdicts ----------------------------------------------------------------

class Tolerance:
    __slots__ = ("rtol", "atol", "rounded")

    def __init__(self, rtol: float = DEFAULT_RTOL, atol: float = DEFAULT_ATOL, rounded: bool = False):
        self.rtol = rtol
        self.atol = atol
        self.rounded = rounded


def isclose(answer: float, got: float, rtol: float, atol: float) -> bool:
    """numpy.isclose(answer, got): got is the reference; equal infinities and two nans match."""
    if not (math.isfinite(answer) and math.isfinite(got)):
        return answer == got or (answer != answer and got != got)
    return abs(answer - got) <= atol + rtol * abs(got)


def rounding_margin(exponent: int, got: float):
    """Half a unit of the last written digit, plus the noise margin (exact, a Fraction)."""
    from fractions import Fraction
    unit = Fraction(10) ** exponent
    return unit / 2 + unit / 10**9 + Fraction(4 * math.ulp(got))


def is_rounding_of(text: str, exponent: int, got: float) -> bool:
    """Is `text` (a decimal number) `got` correctly rounded to its last written digit?"""
    if not math.isfinite(got):
        return False
    a = float(text.replace("_", ""))        # a quick no for answers far off (no Fractions)
    if exponent < 300 and math.isfinite(a) and abs(a - got) > 10.0 ** exponent + 8 * math.ulp(max(abs(a), abs(got))):
        return False
    from fractions import Fraction
    return abs(Fraction(text.replace("_", "")) - Fraction(got)) <= rounding_margin(exponent, got)


def rounded_text(got: float, exponent: int) -> str:
    """`got` rounded to the place 10**exponent, written as a student would."""
    if exponent >= 0:
        return fmt(round(got, -exponent))
    return f"{got:.{-exponent}f}"


class Row:
    """One graded answer."""
    __slots__ = ("answer", "label", "got", "ok", "close", "mode", "tolerance", "allowed", "message")

    def __init__(self, answer, label, got, ok, close, mode, tolerance, allowed, message):
        self.answer = answer          # the Answer
        self.label = label            # "df/dz", "q", "f"
        self.got = got                # cg's value
        self.ok = ok
        self.close = close            # within rtol/atol (ok may also come from rounding)
        self.mode = mode              # "isclose" or "rounded"
        self.tolerance = tolerance    # the Tolerance used
        self.allowed = allowed        # the largest |answer - got| accepted
        self.message = message        # for a wrong answer: "df/dz is 5, not 3"


def label(graph, kind: str, name: str | None, out: str | None = None) -> str:
    out = out or output_name(graph)
    if kind == "value":
        return out
    if kind == "node":
        return name
    return f"d{out}/d{name}"


def grade_one(result, answer: Answer, tol: Tolerance, names: dict | None = None, out: str | None = None) -> Row:
    g = result.graph
    i = resolve(g, answer.kind, answer.name, names)
    got = lookup(result, answer.kind, i)
    lab = label(g, answer.kind, answer.name, out)
    a = answer.number
    ok = close = isclose(a, got, tol.rtol, tol.atol)
    allowed = tol.atol + tol.rtol * abs(got) if math.isfinite(got) else 0.0
    mode = "isclose"
    rounding = tol.rounded and answer.exponent is not None and math.isfinite(got)
    if rounding:
        mode = "rounded"
        allowed = max(allowed, float(rounding_margin(answer.exponent, got)))
        ok = ok or is_rounding_of(answer.text, answer.exponent, got)
    message = None
    if not ok:
        message = f"{lab} is {fmt(got)}, not {answer.text}"
        if rounding:
            message += f" (correctly rounded: {rounded_text(got, answer.exponent)})"
        elif (answer.exponent is not None and math.isfinite(got)
              and is_rounding_of(answer.text, answer.exponent, got)):
            message += " (correctly rounded: it passes with --rounded)"
    return Row(answer, lab, got, ok, close, mode, tol, allowed, message)


def grade(result, answers: list, tol: Tolerance) -> list:
    """A Row per answer, in the order given."""
    names = node_names(result.graph)
    out = output_name(result.graph)
    return [grade_one(result, a, tol, names, out) for a in answers]


def check_targets(graph, answers: list) -> None:
    """Raise InputError for the first answer whose target the expression lacks."""
    names = node_names(graph)
    for a in answers:
        resolve(graph, a.kind, a.name, names)


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
    def wrong(self) -> int:
        return sum(1 for r in self.rows if not r.ok)

    @property
    def passed(self) -> bool:
        return self.error is None and self.wrong == 0
