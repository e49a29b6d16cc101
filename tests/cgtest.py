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
    from cgcli.cli import main
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


