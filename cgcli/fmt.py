"""Numbers as people and parsers read them: the shortest form that round-trips."""
from __future__ import annotations

import math


def fmt(v: float, precision: int | None = None) -> str:
    """-20.0 -> '-20', 0.1 -> '0.1'; with `precision`, that many significant digits."""
    if v != v:
        return "nan"
    if v in (math.inf, -math.inf):
        return "inf" if v > 0 else "-inf"
    if precision is not None:
        s = format(v, f".{precision}g")
        return "0" if s == "-0" else s
    if v == int(v) and abs(v) < 1e16:
        return str(int(v))
    return repr(v)


def json_number(v: float) -> str:
    """A strict RFC 8259 value: non-finite numbers become the strings "inf", "-inf", "nan"."""
    if v != v or v in (math.inf, -math.inf):
        return '"' + fmt(v) + '"'
    return fmt(v)
