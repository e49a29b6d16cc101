"""Answers and how they compare: what `cg check` and `cg grade` read and compare against a
finished Result (the grading itself is grading.py).

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

Minimum precision: rounding accepts only answers written with at least Tolerance.min_sig_figs
significant figures (default 2) or min_decimals decimals; a whole number is a rounding only when
min_decimals <= 0 (so "1" for 0.731 is wrong under --rounded, with the reason).

Formula answers (make_answer(..., formula=True)) are graded as functions by cgcli.check.formula; a
wrong answer is diagnosed by cgcli.check.slips (Row.feedback); carry_forward gives credit for an
error carried forward. A right numeric answer costs a lookup and a comparison, nothing more.

Grading never computes values: it reads a Result (passes.run did the work); only formula
answers and error carried forward rerun the passes, at other points or with the student's numbers.
"""
from __future__ import annotations

import math
import re

from ..core.errors import CgError, InputError
from ..core.fmt import fmt

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
    __slots__ = ("kind", "name", "text", "number", "exponent", "source", "formula")

    def __init__(self, kind: str, name: str | None, text: str, number: float, exponent: int | None,
                 source=None, formula: bool = False):
        self.kind = kind              # "value", "node" or "grad"
        self.name = name              # the node's name (None for the output's value)
        self.text = text              # as written
        self.number = number          # a formula: its value when it is constant, else nan
        self.exponent = exponent      # place value of the last written digit is 10**exponent
        self.source = source          # where it came from (a file's key path), for messages
        self.formula = formula        # an expression in the problem's names, kept unevaluated

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
    from ..core.values import constant_value
    return constant_value(text, what, answer=True), text, None


def _what(kind: str, name: str | None) -> str:
    return {"value": "the answer for the value", "node": f"the answer for {name}",
            "grad": f"the answer for the gradient of {name}"}[kind]


def make_answer(kind: str, name: str | None, raw, source=None, formula: bool = False) -> Answer:
    """An Answer from raw text or a number. formula=True: `raw` is an expression in the
    problem's variables and named nodes (a string, or a number), kept unevaluated and graded
    as a function (cgcli.check.formula); its syntax is checked here, its names when graded."""
    what = _what(kind, name)
    if not formula:
        number, text, exponent = parse_number(raw, what)
        return Answer(kind, name, text, number, exponent, source)
    if isinstance(raw, bool) or not isinstance(raw, (str, int, float)):
        raise InputError(f"cg: {what} must be a formula (a string such as \"x + y\") or a number, got {raw!r}")
    text = raw.text if isinstance(raw, Written) else (str(raw) if isinstance(raw, int) else
                                                     (fmt(raw) if isinstance(raw, float) else raw.strip()))
    g = parse_formula(text, what)
    number = math.nan
    if not g.variables:
        from ..core.values import constant_value
        number = constant_value(text, what, answer=True)
    return Answer(kind, name, text, number, None, source, True)


def answer_from_text(kind: str, name: str | None, text: str, source=None) -> Answer:
    """A command-line answer: a number or a constant expression, or (automatically, when the
    text names a variable) a formula answer."""
    from ..core.errors import CgError
    try:
        return make_answer(kind, name, text, source)
    except CgError as e:
        if not names_in(text):
            raise
        first = e
    try:
        return make_answer(kind, name, text, source, formula=True)
    except CgError:
        raise first from None


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
    from ..core.names import table
    return table(graph, "nodes")


from ..core.graph import output_name  # noqa: E402,F401  (moved to graph.py: every view uses it)


def resolve(graph, kind: str, name: str | None, names: dict | None = None) -> int:
    """The node id an answer or --get target refers to; InputError when there is none."""
    if kind == "value":
        return graph.output
    from ..core.names import resolve as resolve_name
    i = resolve_name(graph, name, "nodes", names=names)
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

DEFAULT_MIN_SIG_FIGS = 2


class Tolerance:
    """rtol/atol (isclose); `rounded`: also accept correct roundings, but only of answers
    written with at least `min_sig_figs` significant figures or (when set) `min_decimals`
    decimals; a whole number is a rounding only when min_decimals <= 0 allows it."""
    __slots__ = ("rtol", "atol", "rounded", "min_sig_figs", "min_decimals")

    def __init__(self, rtol: float = DEFAULT_RTOL, atol: float = DEFAULT_ATOL, rounded: bool = False,
                 min_sig_figs: int = DEFAULT_MIN_SIG_FIGS, min_decimals: int | None = None):
        self.rtol = rtol
        self.atol = atol
        self.rounded = rounded
        self.min_sig_figs = min_sig_figs
        self.min_decimals = min_decimals


def sig_figs(text: str) -> int:
    """Significant figures of a decimal answer as written: from the first nonzero digit to
    the last written one ("0.73" 2, "-0.20" 2, "0.030" 2, "120" 3). A written zero ("0",
    "0.0", "0.00") has no nonzero digit: 0 significant figures."""
    mantissa = text.lower().partition("e")[0]
    digits = mantissa.lstrip("+-").replace("_", "").replace(".", "").lstrip("0")
    return len(digits)


def precision_needed(tol) -> str:
    """"at least 2 significant figures" (or "... or 3 decimals")."""
    need = f"at least {tol.min_sig_figs} significant figure{'s' if tol.min_sig_figs != 1 else ''}"
    if tol.min_decimals is not None:
        need += f" or {tol.min_decimals} decimal{'s' if tol.min_decimals != 1 else ''}"
    return need


def _integer(got) -> bool:
    return got is not None and math.isfinite(got) and float(got).is_integer()


def precise_enough(answer, tol, got: float | None = None) -> str | None:
    """None when rounding may accept `answer` (written precisely enough), else why not. A whole
    number rounds an integer value `got` under the significant-figure rule (1.2e5 for 123456),
    never a non-integer one."""
    e = answer.exponent
    if e is None:
        return "it has no last digit"
    if tol.min_decimals is not None and -e >= tol.min_decimals:
        return None
    if e >= 0 and not _integer(got):
        return "a whole number is not accepted as a rounding of a non-integer value"
    n = sig_figs(answer.text)
    if n >= tol.min_sig_figs:
        return None
    return f"{answer.text} has {n} significant figure{'s' if n != 1 else ''}"


def required_rounding(got: float, tol) -> str:
    """cg's value rounded just precisely enough for the minimum (the example to give)."""
    if not math.isfinite(got) or got == 0:
        return fmt(got)
    e = math.floor(math.log10(abs(got))) - max(tol.min_sig_figs, 1) + 1
    if tol.min_decimals is not None:
        e = max(e, -tol.min_decimals)
    if _integer(got) and e >= 0:
        return fmt(got)            # an integer value: the exact integer (120000 is no rounding)
    if e >= 0 and (tol.min_decimals is None or tol.min_decimals > 0):
        e = -1                     # a whole number is never accepted then
    return rounded_text(got, e)


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
    # fast path in floats, far from the boundary (their error is far below 1e-6 of the unit)
    half = 0.5 * 10.0 ** exponent
    diff = abs(float(text.replace("_", "")) - got)
    slack = 1e-6 * half + 8 * math.ulp(got) + 8 * math.ulp(diff)
    if diff > half + slack:
        return False
    if diff < half - slack:
        return True
    from fractions import Fraction
    return abs(Fraction(text.replace("_", "")) - Fraction(got)) <= rounding_margin(exponent, got)


def rounded_text(got: float, exponent: int) -> str:
    """`got` rounded to the place 10**exponent, written as a student would."""
    if exponent >= 0:
        return fmt(round(got, -exponent))
    return f"{got:.{-exponent}f}"


class Row:
    """One graded answer."""
    __slots__ = ("answer", "label", "got", "ok", "close", "mode", "tolerance", "allowed", "message",
                 "feedback", "credit", "status", "node", "given", "slip")

    def __init__(self, answer, label, got, ok, close, mode, tolerance, allowed, message,
                 feedback=None, credit=None, status=None, node=-1, given=None, slip=None):
        self.answer = answer          # the Answer
        self.label = label            # "df/dz", "q", "f"
        self.got = got                # cg's value
        self.ok = ok
        self.close = close            # within rtol/atol (ok may also come from rounding)
        self.mode = mode              # "isclose", "rounded" or "formula"
        self.tolerance = tolerance    # the Tolerance used
        self.allowed = allowed        # the largest |answer - got| accepted
        self.message = message        # for a wrong answer: "df/dz is 5, not 3"
        self.feedback = feedback      # the mistake diagnosed (cgcli.check.slips), or None
        self.credit = (1.0 if ok else 0.0) if credit is None else credit   # 0..1
        self.status = status or ("right" if ok else "wrong")   # or "carried", "unreadable" (cgcli.check.sheet)
        self.node = node              # the target's node id
        self.given = answer.number if given is None else given   # the answer's number at the point
        self.slip = slip              # the slip as data (cgcli.check.slips.slip_dict), or None


def label(graph, kind: str, name: str | None, out: str | None = None) -> str:
    out = out or output_name(graph)
    if kind == "value":
        return out
    if kind == "node":
        return name
    return f"d{out}/d{name}"


def matches(answer, number: float, tol) -> bool:
    """Does the answer reproduce `number` within the tolerance (with rounding when the
    answer was written precisely enough)?"""
    if isclose(answer.number, number, tol.rtol, tol.atol):
        return True
    return (answer.exponent is not None and math.isfinite(number)
            and precise_enough(answer, tol, number) is None
            and is_rounding_of(answer.text, answer.exponent, number))


# --- formula text (graded as functions in formula.py) ----------------------------------------

_PARSED: dict = {}


def names_in(text: str) -> bool:
    """Does the text parse as an expression that names a variable?"""
    try:
        return bool(parse_formula(text, "").variables)
    except CgError:
        return False


def parse_formula(text: str, what: str):
    """The formula's own graph (parsed once per text and kept). A formula is an answer: one
    expression, no loops or bindings, within the answer budget (core/limits.py)."""
    g = _PARSED.get(text)
    if g is None:
        from ..core.parse import parse
        try:
            g = parse(text, answer=True)
        except CgError as e:
            g = InputError(f"cg: {what} is not a valid formula: {e.message.removeprefix('cg: ')}",
                           hint=e.render())
        if len(_PARSED) > 4096:
            _PARSED.clear()
        _PARSED[text] = g
    if isinstance(g, CgError):
        if what and what not in g.message:
            raise InputError(f"cg: {what} is not a valid formula: {g.message.split('formula: ', 1)[-1]}",
                             hint=g.hint)
        raise g
    return g
