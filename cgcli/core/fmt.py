"""Numbers as people and parsers read them: the shortest form that round-trips."""
from __future__ import annotations

import math

# significant digits in every human view (eval's table and tree, explain, graph, the HTML page,
# the step-through): the seeds' examples fit 80 columns; JSON always has every digit
PRECISION = 4


def fmt(v: float, precision: int | None = None) -> str:
    """-20.0 -> '-20', 0.1 -> '0.1', inf -> 'inf'; with `precision`, that many significant digits
    (17 or more: every digit, which is the shortest form that round-trips)."""
    if precision is not None and precision < 17:
        s = format(v, f".{precision}g")
        return "0" if s == "-0" else s
    s = repr(float(v))          # Python's repr is the shortest string that reads back the same
    if s.endswith(".0"):
        return "0" if s == "-0.0" else s[:-2]
    return s


def apart(v: float, given, precision: int | None = None) -> str:
    """fmt(v) at `precision` (default PRECISION) significant digits, with as many more as it
    takes to differ from `given` (an answer that is not right, as text or a number), so a
    table never shows the answer itself as cg's value when it is not."""
    d = PRECISION if precision is None else precision
    text = fmt(v, d)
    try:
        g = float(getattr(given, "text", given))
    except (TypeError, ValueError, OverflowError):
        return text
    while d < 17 and v == v and v != g and float(text) == g:
        d += 1
        text = fmt(v, d)
    return text


def json_number(v: float) -> str:
    """A strict RFC 8259 value: non-finite numbers become the strings "inf", "-inf", "nan"."""
    s = repr(float(v))
    if s[-1] in "fn":           # inf, -inf, nan
        return '"' + s + '"'
    if s.endswith(".0"):
        return "0" if s == "-0.0" else s[:-2]
    return s


def json_numbers(col) -> list:
    """json_number for a whole column of floats, fast: when no value is integral or
    non-finite, json_number(v) is repr(v), which runs in C; otherwise value by value."""
    try:
        if math.isfinite(sum(col)) and not any(map(float.is_integer, col)):
            return list(map(repr, col))
    except TypeError:        # not all floats
        pass
    return list(map(json_number, col))
