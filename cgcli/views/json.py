"""The JSON view: a faithful, strict (RFC 8259) dump of a Result, streamed node by node.

Schema "cg.eval/1" (documented in README.md): non-finite numbers are the strings
"inf", "-inf", "nan"; a node that depends on no variable has "grad": null.
"""
from __future__ import annotations


from itertools import chain
from math import isfinite
from operator import add

from ..core.formats import number as _n, quote
from ..core.graph import labels, output_name
from ..core.ops import CONST, OPS

SCHEMA = "cg.eval/1"


def _obj(d: dict) -> str:
    return "{" + ", ".join(f"{quote(k)}: {_n(v)}" for k, v in d.items()) + "}"


def write(result, out, nodes: bool = True, extra: dict | None = None) -> None:
    """`extra`: more members, key -> JSON text (e.g. "check" from cg eval --check)."""
    g = result.graph
    w = out.write
    w("{" + f'"schema": "{SCHEMA}", "expression": {quote(g.source)}, ')
    w(f'"inputs": {_obj(result.inputs)}, ')
    w(f'"value": {_n(result.value)}, "gradients": {_obj(result.gradients)}, ')
    w(f'"output": {g.output}, "warnings": [{", ".join(quote(x) for x in result.warnings)}]')
    if nodes:
        w(', "nodes": [')
        _write_nodes(result, w)
        w("]")
    for key, text in (extra or {}).items():
        w(f", {quote(key)}: {text}")
    w("}\n")


def _write_nodes(result, w) -> None:
    """The nodes column by column, in blocks: each column (ids, ops, labels, inputs, values,
    gradients) is formatted by C loops (map, join, replace) and the node texts by one %-format
    each; the text is exactly the node-by-node format's."""
    g = result.graph
    lab = labels(g)              # identifiers, numbers and operators only: no escaping needed
    shown = g.names              # a rebound name's versions: c#1, c#2, ..., c (as every view shows them)
    named = {i: shown.get(i, name) for name, i in g.variables.items()}
    named.update((i, shown.get(i, name)) for name, i in g.assigned.items() if i not in named)
    if g.output not in named and g.ops[g.output] != CONST:     # an unnamed output: f, as in every view
        named[g.output] = quote(output_name(g))[1:-1]
    ops, in0, in1, needs = g.ops, g.in0, g.in1, g.needs_grad
    values, grads = result.values, result.grads
    total = len(ops)
    ops_text = [f', "op": "{op.name}", "label": "' for op in OPS]
    names = [_UNNAMED] * total
    for i, name in named.items():
        names[i] = f'", "name": "{name}", "inputs": ['
    # one %-template per node, by its number of inputs and whether it has a gradient; "%.0s"
    # takes an argument and prints nothing, so every node takes the same nine arguments
    kind = [2 * op.arity for op in OPS]
    first = True
    for lo in range(0, total, _BLOCK):
        hi = min(lo + _BLOCK, total)
        template = "".join(map(_TEMPLATES.__getitem__, map(add, map(kind.__getitem__, ops[lo:hi]),
                                                             needs[lo:hi])))
        text = template % tuple(chain.from_iterable(zip(
            range(lo, hi), map(ops_text.__getitem__, ops[lo:hi]), lab[lo:hi], names[lo:hi],
            in0[lo:hi], in1[lo:hi], _numbers(values[lo:hi]), _numbers(grads[lo:hi]))))
        w(text[2:] if first else text)
        first = False


_BLOCK = 8192
_UNNAMED = '", "inputs": ['
# by 2 * arity + needs_grad: id, op, label, name, in0, in1, value, grad
_TEMPLATES = [', {"id": %d%s%s%s' + ins + '], "value": %s, "grad": ' + grad + "}"
              for ins in ("%.0s%.0s", "%d%.0s", "%d, %d") for grad in ("%.0snull", "%s")]


def _numbers(col) -> list:
    """_n of every float in `col` (json_number's rules: integral values without ".0", -0.0 as 0,
    non-finite ones as strings), by C loops over the whole column."""
    if not isfinite(sum(col)):                  # inf, -inf or nan somewhere: value by value
        return list(map(_n, col))
    if len(set(col[:64])) <= 32:                # gradients repeat (1 along sums): format each once
        distinct = list(set(col))
        if 2 * len(distinct) < len(col):
            return list(map(dict(zip(distinct, _numbers(distinct))).__getitem__, col))
    if not any(map(float.is_integer, col)):
        return list(map(repr, col))
    text = "\x00" + "\x00".join(map(repr, col)) + "\x00"
    text = text.replace(".0\x00", "\x00")
    # -0.0 is 0; str.replace skips every other one of a run of them: twice
    text = text.replace("\x00-0\x00", "\x000\x00").replace("\x00-0\x00", "\x000\x00")
    return text[1:-1].split("\x00")
