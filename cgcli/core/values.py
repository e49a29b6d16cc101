"""Values written as text: a number or a constant expression (pi/4, -1/3, e^-1).

A core helper (parse + forward only), shared by the command line, homework files and the
grading core.
"""
from __future__ import annotations

from .errors import CgError, InputError


def constant_value(text: str, what: str) -> float:
    """A value given as text: a number or a constant expression (pi/4, -1/3, e^-1)."""
    from .parse import parse
    from .passes import forward
    try:
        g = parse(text)
    except CgError as e:
        raise InputError(f"cg: {what} must be a number or a constant expression, got {text!r}",
                         hint=e.render()) from None
    if g.variables:
        raise InputError(f"cg: {what} must be a number or a constant expression, got {text!r}"
                         f" ({', '.join(g.variables)} is not a number)")
    try:
        value = forward(g, {})[g.output]
    except CgError as e:
        raise InputError(f"cg: {what} is not a finite number: {e.message.removeprefix('cg: ')}") from None
    return value


def read_text(path: str) -> str:
    """A UTF-8 file's text (a homework sheet, a FILE.cg program); InputError naming the file."""
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError as e:
        raise InputError(f"cg: cannot read {path}: {e.strerror or e}") from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise InputError(f"cg: {path}: not UTF-8 text ({e.reason} at byte {e.start})") from None
