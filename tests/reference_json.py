"""The cg.eval/1 node list written node by node: the format the column-wise writer
(views/json.py) keeps. tests/test_fast_paths.py checks the writer against it, and
bench/front.py times the writer against it."""
from __future__ import annotations

from cgcli.core.fmt import json_number
from cgcli.core.graph import labels, output_name
from cgcli.core.ops import OPS


def nodes_one_by_one(result) -> str:
    """The cg.eval/1 node list formatted node by node (the format the column-wise writer keeps)."""
    g = result.graph
    lab = labels(g)
    named = {i: g.names.get(i, name) for name, i in g.variables.items()}
    named.update((i, g.names.get(i, name)) for name, i in g.assigned.items() if i not in named)
    if g.output not in named and OPS[g.ops[g.output]].name != "const":    # an unnamed output: f
        named[g.output] = output_name(g)
    out = []
    for i in range(len(g.ops)):
        a, b = g.in0[i], g.in1[i]
        ins = "" if a < 0 else (str(a) if b < 0 else f"{a}, {b}")
        name = f', "name": "{named[i]}"' if i in named else ""
        grad = json_number(result.grads[i]) if g.needs_grad[i] else "null"
        out.append(f'{{"id": {i}, "op": "{OPS[g.ops[i]].name}", "label": "{lab[i]}"{name}, '
                   f'"inputs": [{ins}], "value": {json_number(result.values[i])}, "grad": {grad}}}')
    return ", ".join(out)
