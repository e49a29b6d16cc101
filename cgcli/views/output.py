"""Where a view's output goes: stdout or a file (-o FILE), and pictures drawn by Graphviz's
dot program (SVG text, PNG/PDF bytes that never go to a terminal). Used by cg explain, cg graph
and cg practice --html."""
from __future__ import annotations

import sys
from typing import Optional

from ..core.errors import InputError


def write_text(text: str, output: Optional[str]) -> None:
    if output is None:
        sys.stdout.write(text)
        return
    try:
        with open(output, "w", encoding="utf-8") as f:
            f.write(text)
    except OSError as e:
        raise InputError(f"cg: cannot write {output}: {e.strerror}") from None


def svg(dot_text: str, what: str) -> str:
    """SVG text drawn by Graphviz's dot (InputError, exit 2, where dot is not installed)."""
    import shutil
    import subprocess
    exe = shutil.which("dot")
    if exe is None:
        raise InputError(f"cg: {what} draws the graph with Graphviz's dot program, which is not installed",
                         hint="install it (Debian/Ubuntu: apt-get install graphviz), or use --format text, "
                              "markdown or latex")
    p = subprocess.run([exe, "-Tsvg"], input=dot_text.encode("utf-8"), capture_output=True)
    if p.returncode != 0:
        raise InputError(f"cg: Graphviz's dot failed: {p.stderr.decode('utf-8', 'replace').strip()}")
    return p.stdout.decode("utf-8")


def render(dot_text: str, fmt: str, output: Optional[str]) -> None:
    """SVG/PNG through Graphviz's `dot` program; binary output never goes to a terminal."""
    import shutil
    import subprocess
    exe = shutil.which("dot")
    if exe is None:
        raise InputError(f"cg: --format {fmt} needs Graphviz's dot program, which is not installed",
                         hint="install it (Debian/Ubuntu: apt-get install graphviz), or use --format dot "
                              "or --format mermaid for text")
    binary = fmt in ("png", "pdf")
    if output is None and binary and is_terminal(sys.stdout):
        raise InputError(f"cg: not writing a {fmt.upper()} file to the terminal",
                         hint=f"give -o FILE, or redirect: cg graph ... --format {fmt} > graph.{fmt}")
    p = subprocess.run([exe, f"-T{fmt}"], input=dot_text.encode("utf-8"), capture_output=True)
    if p.returncode != 0:
        raise InputError(f"cg: Graphviz's dot failed: {p.stderr.decode('utf-8', 'replace').strip()}")
    data = p.stdout
    if output is not None:
        try:
            with open(output, "wb") as f:
                f.write(data)
        except OSError as e:
            raise InputError(f"cg: cannot write {output}: {e.strerror}") from None
        return
    buffer = getattr(sys.stdout, "buffer", None)
    if buffer is not None:
        sys.stdout.flush()
        buffer.write(data)
        buffer.flush()
    elif binary:
        raise InputError(f"cg: this output cannot take a {fmt.upper()} file", hint="give -o FILE")
    else:
        sys.stdout.write(data.decode("utf-8"))


def is_terminal(stream) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False
