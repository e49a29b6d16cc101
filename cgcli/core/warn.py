"""Warnings as small typed records: the one place a warning's text is built.

A warning is a `Warn`: its text (a str, so every view prints it as it is and JSON carries it
as a string) with what it says as data: `code`, its kind, and the fields the text is built
from. Code that picks warnings out reads `code_of(w)`, never the text. Where cg makes a
warning, it calls one of the constructors below (the diagnostics of teach/diagnose.py are
`Diagnosis`, a Warn with their own codes: dead-gate, saturated-gate, zero-gradient,
vanishing-gradient, more).

Adding a kind of warning: a code constant and a constructor here, called where the warning
arises; the views print it with the others (docs/development.md).

(A str subclass rather than a dataclass: warnings travel through lists every layer keeps
and prints, and start-up is paid on every call: see core/ops.py's Op.)
"""
from __future__ import annotations

# the kinds of warning core makes (code_of(w) is one of these, a Diagnosis code, or WARNING)
WARNING = "warning"                          # a warning made as plain text (no kind recorded)
NO_EFFECT = "no-effect"                      # a statement neither assigned nor the output
IMPORT_LEFT_OUT = "import-left-out"          # a pasted Python import line, blanked
NONFINITE_LOCAL = "nonfinite-local"          # a non-finite local derivative met a gradient
NONFINITE_GRADIENT = "nonfinite-gradient"    # a variable's gradient is not finite
UNDEFINED_DERIVATIVE = "undefined-derivative"  # cg diff: the backward pass's value stands in
NONFINITE_DERIVATIVE = "nonfinite-derivative"  # cg diff: a higher derivative is not finite


class Warn(str):
    """A warning: its text, with `code` and the fields the text was built from as attributes."""

    code = WARNING

    def __new__(cls, message: str, code: str | None = None, /, **fields):
        self = super().__new__(cls, message)
        if code is not None:
            self.code = code
        self.__dict__.update(fields)
        return self


def code_of(w) -> str:
    """The kind of a warning (WARNING for one made as plain text)."""
    return getattr(w, "code", WARNING)


def no_effect(statement: int) -> Warn:
    return Warn(f"statement {statement} is neither assigned nor the output: it has no effect",
                NO_EFFECT, statement=statement)


def import_left_out(line: int, text: str) -> Warn:
    return Warn(f"line {line}: `{text}` is left out: cg knows its functions (and Value) without an import",
                IMPORT_LEFT_OUT, line=line, text=text)


def nonfinite_local(node: int, input: int, label: str, input_label: str, value: str, infinite: bool,
                    gradient: str) -> Warn:
    """The derivative of node `node` (printed `label`) with respect to its input `input` is
    infinite or undefined at the input's value (`value`, formatted): gradients through it are
    `gradient` (formatted)."""
    what = "infinite" if infinite else "undefined"
    return Warn(f"the derivative of {label} with respect to {input_label} is {what} at "
                f"{input_label} = {value}: gradients through it are {gradient}",
                NONFINITE_LOCAL, node=node, input=input, infinite=infinite)


def nonfinite_gradient(names: list) -> Warn:
    return Warn(f"the gradient of {', '.join(names)} is not finite", NONFINITE_GRADIENT, names=list(names))


def undefined_derivative(notation: str, value: str) -> Warn:
    """cg diff: a first derivative's expression is undefined at the point; the backward pass's
    value (`value`, formatted) stands in."""
    return Warn(f"{notation}: the expression is undefined at this point; its value "
                f"{value} is the backward pass's (cg's conventions at such points)",
                UNDEFINED_DERIVATIVE, notation=notation)


def nonfinite_derivative(notation: str, value: float) -> Warn:
    """cg diff: a higher derivative's expression is undefined or infinite at the point."""
    return Warn(f"{notation} is {value!r} at this point "
                f"(the derivative's expression is undefined or infinite there)",
                NONFINITE_DERIVATIVE, notation=notation, value=value)
