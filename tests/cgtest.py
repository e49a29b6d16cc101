"""Shared helpers: run the installed `cg` as a subprocess, or in-process through its entry point."""
from __future__ import annotations

import io
import json
import math
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

BIN = Path(sys.executable).parent


def cg_path() -> str:
    exe = BIN / "cg"
    if exe.exists():
        return str(exe)
    found = shutil.which("cg")
    if not found:
        raise RuntimeError("the cg command is not installed next to this Python; run pip install . first")
    return found


def run_cg(*args: str, input: str | bytes | None = None, env: dict | None = None,
           timeout: float = 120) -> subprocess.CompletedProcess:
    """The installed `cg`, as a user runs it from a shell (piped, so no colour)."""
    e = dict(os.environ)
    e.pop("FORCE_COLOR", None)
    e.update(env or {})
    if isinstance(input, str):
        input = input.encode()
    p = subprocess.run([cg_path(), *args], input=input, capture_output=True, timeout=timeout, env=e)
    p.out = p.stdout.decode("utf-8", "replace")
    p.err = p.stderr.decode("utf-8", "replace")
    return p


class Invoked:
    def __init__(self, code, out, err):
        self.returncode, self.out, self.err = code, out, err


def invoke(*args: str, input: str | None = None) -> Invoked:
    """cg's entry point in this process (the same code path as the `cg` script)."""
    from cgcli.cli.main import main
    out, err = io.StringIO(), io.StringIO()
    old = sys.stdin, sys.stdout, sys.stderr
    stdin = io.TextIOWrapper(io.BytesIO((input or "").encode()), encoding="utf-8")
    sys.stdin, sys.stdout, sys.stderr = stdin, out, err
    try:
        code = main(list(args))
    finally:
        sys.stdin, sys.stdout, sys.stderr = old
    return Invoked(code, out.getvalue(), err.getvalue())


def strict_json(text: str):
    """Parse as RFC 8259 JSON: NaN/Infinity literals are errors."""
    def reject(c):
        raise ValueError(f"non-standard JSON constant {c}")
    return json.loads(text, parse_constant=reject)


def close(a: float, b: float, rel: float = 1e-12, abs_: float = 1e-12) -> bool:
    return math.isclose(a, b, rel_tol=rel, abs_tol=abs_)




# --- random expressions with an independent evaluator (for property tests) -------------------
# Each generated expression comes with a Python closure that computes the same value with
# Python's math module, so cg's forward pass is checked against an evaluator it does not share
# code with. `kinks` collects the distance to the nearest non-smooth point (relu at 0, max at a
# tie, ...), so finite-difference checks can skip points where the derivative jumps.

VARS = ("x", "y", "z")


def _sigmoid(u):
    return 1 / (1 + math.exp(-u)) if u >= 0 else math.exp(u) / (1 + math.exp(u))


SMOOTH_UNARY = {
    "sin": (lambda t: f"sin({t})", math.sin),
    "cos": (lambda t: f"cos({t})", math.cos),
    "tanh": (lambda t: f"tanh({t})", math.tanh),
    "sigmoid": (lambda t: f"sigmoid({t})", _sigmoid),
    "exp": (lambda t: f"exp(({t}) / 4)", lambda u: math.exp(u / 4)),
    "log": (lambda t: f"log(1 + ({t})^2)", lambda u: math.log(1 + u ** 2)),
    "ln": (lambda t: f"ln(2 + sin({t}))", lambda u: math.log(2 + math.sin(u))),
    "sqrt": (lambda t: f"sqrt(1 + ({t})^2)", lambda u: math.sqrt(1 + u ** 2)),
    "neg": (lambda t: f"-({t})", lambda u: -u),
    "square": (lambda t: f"({t})^2", lambda u: u ** 2),
    "cube": (lambda t: f"({t}) ** 3", lambda u: u ** 3),
    "tan": (lambda t: f"tan(sin({t}))", lambda u: math.tan(math.sin(u))),
}
SMOOTH_BINARY = {
    "+": (lambda p, q: f"({p}) + ({q})", lambda a, b: a + b),
    "-": (lambda p, q: f"({p}) - ({q})", lambda a, b: a - b),
    "*": (lambda p, q: f"({p}) * ({q})", lambda a, b: a * b),
    "/": (lambda p, q: f"({p}) / (1 + ({q})^2)", lambda a, b: a / (1 + b ** 2)),
    "pow": (lambda p, q: f"pow(1 + ({p})^2, sin({q}))", lambda a, b: (1 + a ** 2) ** math.sin(b)),
}


def _kinked_unary(name):
    def fn(u, kinks):
        kinks.append(abs(u))
        return {"relu": max(u, 0.0), "abs": abs(u), "sign": float((u > 0) - (u < 0)),
                "step": 1.0 if u > 0 else 0.0}[name]
    return fn


def _kinked_binary(name):
    def fn(a, b, kinks):
        kinks.append(abs(a - b))
        return (a if a >= b else b) if name == "max" else (a if a <= b else b)
    return fn


def expressions(smooth_only: bool = False, max_leaves: int = 12):
    """A hypothesis strategy of (cg text, python function(env, kinks) -> value)."""
    from hypothesis import strategies as st

    leaf = st.one_of(
        st.sampled_from(VARS).map(lambda v: (v, lambda env, k, v=v: env[v])),
        st.sampled_from(["2", "0.5", "3", "1.5e0", ".25", "pi", "e"]).map(
            lambda c: (c, lambda env, k, c=c: {"pi": math.pi, "e": math.e}.get(c) or float(c))),
    )

    def extend(children):
        unary = [st.tuples(st.sampled_from(sorted(SMOOTH_UNARY)), children).map(
            lambda t: (SMOOTH_UNARY[t[0]][0](t[1][0]),
                       lambda env, k, f=SMOOTH_UNARY[t[0]][1], g=t[1][1]: f(g(env, k))))]
        binary = [st.tuples(st.sampled_from(sorted(SMOOTH_BINARY)), children, children).map(
            lambda t: (SMOOTH_BINARY[t[0]][0](t[1][0], t[2][0]),
                       lambda env, k, f=SMOOTH_BINARY[t[0]][1], g=t[1][1], h=t[2][1]: f(g(env, k), h(env, k))))]
        if not smooth_only:
            unary.append(st.tuples(st.sampled_from(["relu", "abs", "sign", "step"]), children).map(
                lambda t: (f"{t[0]}({t[1][0]})",
                           lambda env, k, f=_kinked_unary(t[0]), g=t[1][1]: f(g(env, k), k))))
            binary.append(st.tuples(st.sampled_from(["max", "min"]), children, children).map(
                lambda t: (f"{t[0]}({t[1][0]}, {t[2][0]})",
                           lambda env, k, f=_kinked_binary(t[0]), g=t[1][1], h=t[2][1]:
                           f(g(env, k), h(env, k), k))))
        return st.one_of(*unary, *binary)

    return st.recursive(leaf, extend, max_leaves=max_leaves)
