"""Values written as text: a number or a constant expression (pi/4, -1/3, e^-1).

A core helper (parse + forward only), shared by the command line, homework files and the
grading core.
"""
from __future__ import annotations

from .errors import CgError, InputError


def constant_value(text: str, what: str, answer: bool = False) -> float:
    """A value given as text: a number or a constant expression (pi/4, -1/3, e^-1).
    `answer`: the text comes from a submission (parsed as an answer: core/limits.py)."""
    # a plain decimal number ("2", "-4", "0.5"): the float parse() and the forward pass give
    # (a const node, negated by neg), without building a graph; at most 20 characters, so it is
    # finite and within every budget. Anything else (exponents, spaces, names) is parsed.
    digits = text[1:] if text[:1] == "-" else text
    if len(text) <= 20 and digits.isascii() and digits.replace(".", "", 1).isdigit():
        return -float(digits) if digits is not text else float(digits)
    from .parse import parse
    from .passes import forward
    try:
        g = parse(text, answer=answer)
    except CgError as e:
        from .limits import NotAnAnswer, OverBudget
        if isinstance(e, (NotAnAnswer, OverBudget)):      # the answer rules: say which one
            raise InputError(f"cg: {what}: {e.message.removeprefix('cg: ')}", hint=e.hint) from None
        shown = text if len(text) <= 80 else text[:76] + " ..."
        raise InputError(f"cg: {what} must be a number or a constant expression, got {shown!r}",
                         hint=e.render()) from None
    if g.variables:
        shown = text if len(text) <= 80 else text[:76] + " ..."
        raise InputError(f"cg: {what} must be a number or a constant expression, got {shown!r}"
                         f" ({', '.join(g.variables)} is not a number)")
    try:
        value = forward(g, {})[g.output]
    except CgError as e:
        raise InputError(f"cg: {what} is not a finite number: {e.message.removeprefix('cg: ')}") from None
    return value


def read_text(path: str) -> str:
    """A UTF-8 file's text (a homework sheet, a FILE.cg program); InputError naming the file."""
    from .limits import read_bytes
    data = read_bytes(path)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise InputError(f"cg: {path}: not UTF-8 text ({e.reason} at byte {e.start})") from None
