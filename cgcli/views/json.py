"""The JSON view: a faithful, strict (RFC 8259) dump of a Result, streamed node by node.

Schema "cg.eval/1" (documented in README.md): non-finite numbers are the strings
"inf", "-inf", "nan"; a node that depends on no variable has "grad": null.
"""
from __future__ import annotations


from ..core.fmt import json_number as _n
from ..core.graph import labels, output_name
from ..core.ops import CONST, OPS

SCHEMA = "cg.eval/1"

# JSON string escaping without importing the json package (start-up is paid per call)
_ESCAPES = {i: f"\\u{i:04x}" for i in range(32)}
_ESCAPES.update({ord('"'): '\\"', ord("\\"): "\\\\", ord("\n"): "\\n", ord("\t"): "\\t",
                 ord("\r"): "\\r", 0x2028: "\\u2028", 0x2029: "\\u2029"})
# and what a terminal would act on (views.text): DEL, C1, bidi controls
_ESCAPES.update({i: f"\\u{i:04x}" for i in [*range(0x7f, 0xa0), 0x61c, 0x200e, 0x200f, *range(0x202a, 0x202f),
                                            *range(0x2066, 0x206a)]})


def _q(s: str) -> str:
    s = s.translate(_ESCAPES)
    if not s.isascii():
        try:
            s.encode("utf-8")
        except UnicodeEncodeError:      # lone surrogates (undecodable bytes in argv): escape them
            s = "".join(c if not 0xD800 <= ord(c) <= 0xDFFF else f"\\u{ord(c):04x}" for c in s)
    return '"' + s + '"'


def _obj(d: dict) -> str:
    return "{" + ", ".join(f"{_q(k)}: {_n(v)}" for k, v in d.items()) + "}"


def write(result, out, nodes: bool = True, extra: dict | None = None) -> None:
    """`extra`: more members, key -> JSON text (e.g. "check" from cg eval --check)."""
    g = result.graph
    w = out.write
    w("{" + f'"schema": "{SCHEMA}", "expression": {_q(g.source)}, ')
    w(f'"inputs": {_obj(result.inputs)}, ')
    w(f'"value": {_n(result.value)}, "gradients": {_obj(result.gradients)}, ')
    w(f'"output": {g.output}, "warnings": [{", ".join(_q(x) for x in result.warnings)}]')
    if nodes:
        w(', "nodes": [')
        _write_nodes(result, w)
        w("]")
    for key, text in (extra or {}).items():
        w(f", {_q(key)}: {text}")
    w("}\n")


def _write_nodes(result, w) -> None:
    g = result.graph
    lab = labels(g)              # identifiers, numbers and operators only: no escaping needed
    shown = g.names              # a rebound name's versions: c#1, c#2, ..., c (as every view shows them)
    named = {i: shown.get(i, name) for name, i in g.variables.items()}
    named.update((i, shown.get(i, name)) for name, i in g.assigned.items() if i not in named)
    if g.output not in named and g.ops[g.output] != CONST:     # an unnamed output: f, as in every view
        named[g.output] = _q(output_name(g))[1:-1]
    ops, in0, in1, needs = g.ops, g.in0, g.in1, g.needs_grad
    values, grads = result.values, result.grads
    opnames = [f'"op": "{op.name}", "label": "' for op in OPS]
    n = _n
    buf = []
    sep = ""
    for i in range(len(ops)):
        a = in0[i]
        b = in1[i]
        ins = "" if a < 0 else (str(a) if b < 0 else f"{a}, {b}")
        name = named.get(i)
        buf.append(f'{{"id": {i}, {opnames[ops[i]]}{lab[i]}"'
                   f'{"" if name is None else f", {chr(34)}name{chr(34)}: {chr(34)}{name}{chr(34)}"}'
                   f', "inputs": [{ins}], "value": {n(values[i])}, "grad": '
                   f'{n(grads[i]) if needs[i] else "null"}}}')
        if len(buf) >= 8192:
            w(sep + ", ".join(buf))
            sep = ", "
            buf.clear()
    if buf:
        w(sep + ", ".join(buf))
