"""The answer-key view: a finished Result as a ready-to-use homework [[problem]] block (TOML),
with the value, every named node's value and every gradient filled in (`cg key`,
`cg eval --format toml`). `cg check` grades the block as written (tests round-trip it)."""
from __future__ import annotations

import math

from ..core.fmt import fmt


def toml_string(s: str) -> str:
    """A TOML basic string (one line), or a multi-line basic string when `s` has newlines."""
    out = []
    multi = "\n" in s
    for c in s:
        o = ord(c)
        if c == "\\":
            out.append("\\\\")
        elif c == '"':
            out.append('\\"')
        elif c == "\n" and multi:
            out.append("\n")
        elif c == "\t":
            out.append("\\t")
        elif o < 0x20 or o == 0x7F or 0xD800 <= o <= 0xDFFF:
            out.append(f"\\u{o:04X}" if not 0xD800 <= o <= 0xDFFF else "\\uFFFD")
        else:
            out.append(c)
    body = "".join(out)
    if multi:
        return '"""\n' + body + '"""'
    return '"' + body + '"'


def toml_number(v: float, decimals: int | None = None) -> str:
    """A TOML number that reads back as v (inf, -inf and nan are TOML floats too)."""
    if not math.isfinite(v):
        return fmt(v)
    if decimals is not None:
        return f"{v:.{decimals}f}"
    return fmt(v)


def _key(name: str) -> str:
    return name if name.replace("_", "a").replace("-", "a").isalnum() and name.isascii() else toml_string(name)


def _table(items, decimals=None) -> str:
    return "{ " + ", ".join(f"{_key(k)} = {toml_number(v, decimals)}" for k, v in items) + " }"


def problem_block(result, id: str = "1", decimals: int | None = None, title: str | None = None) -> str:
    """The key for one problem. With `decimals`, answers are written rounded to that many
    decimals and graded with `rounded = true` and `min_decimals = decimals` (as a student would
    write them: the key says which precision rounding accepts)."""
    g = result.graph
    lines = ["[[problem]]", f"id = {toml_string(id)}"]
    if title:
        lines.append(f"title = {toml_string(title)}")
    src = g.source
    if "\n" in src.strip():
        body = src if src.endswith("\n") else src + "\n"
        lines.append(f"program = {toml_string(body)}")
    else:
        lines.append(f"expression = {toml_string(src.strip())}")
    lines.append(f"inputs = {_table(result.inputs.items())}")
    if decimals is not None:
        lines.append("rounded = true")
        lines.append(f"min_decimals = {decimals}")
    lines.append(f"value = {toml_number(result.value, decimals)}")
    named = [(n, i) for n, i in g.assigned.items() if i != g.output and i not in g.variables.values()]
    if named:
        lines.append(f"node = {_table(((n, result.values[i]) for n, i in named), decimals)}")
    # a rebound input's gradient is keyed by its input node's name (x#1): grad.x is its last binding
    grads = [(g.names.get(i, n) if n in g.assigned else n, result.grads[i]) for n, i in g.variables.items()]
    grads += [(n, result.grads[i]) for n, i in named if g.needs_grad[i]]
    if grads:
        lines.append(f"grad = {_table(grads, decimals)}")
    return "\n".join(lines) + "\n"
