"""The fast paths print and build exactly what the plain ones do: the JSON nodes written column
by column equal the node-by-node format, the table-driven parser equals Lark's parser and the
reference LALR loop, and the symbolic product keeps its output. (Speed itself is measured by
bench/, never asserted here.)"""
from __future__ import annotations

import io
import json
import math

import pytest
from hypothesis import given, settings, strategies as st

from cgcli.api import run
from cgcli.core.fmt import json_number
from cgcli.core.graph import labels
from cgcli.core.ops import OPS
from cgcli.core.parse import parse
from cgcli.views import json as json_view

from cgtest import run_cg


def _nodes_one_by_one(result) -> str:
    """The cg.eval/1 node list formatted node by node (the format the column-wise writer keeps)."""
    g = result.graph
    lab = labels(g)
    named = {i: g.names.get(i, name) for name, i in g.variables.items()}
    named.update((i, g.names.get(i, name)) for name, i in g.assigned.items() if i not in named)
    out = []
    for i in range(len(g.ops)):
        a, b = g.in0[i], g.in1[i]
        ins = "" if a < 0 else (str(a) if b < 0 else f"{a}, {b}")
        name = f', "name": "{named[i]}"' if i in named else ""
        grad = json_number(result.grads[i]) if g.needs_grad[i] else "null"
        out.append(f'{{"id": {i}, "op": "{OPS[g.ops[i]].name}", "label": "{lab[i]}"{name}, '
                   f'"inputs": [{ins}], "value": {json_number(result.values[i])}, "grad": {grad}}}')
    return ", ".join(out)


def _nodes_column_wise(result) -> str:
    parts = []
    json_view._write_nodes(result, parts.append)
    return "".join(parts)


PROGRAMS = [
    ("(x+y)*z", {"x": 2, "y": 3, "z": -4}),
    ("a = x*0\nb = -a\nc = b*x + 3\nc*c", {"x": -2.5}),           # -0.0 and integral values
    ("sqrt(x) + x^0.5 + 1e300*x", {"x": 0.0}),                      # inf gradients
    ("x^y + y^x", {"x": -2.0, "y": 2.0}),                             # nan gradients
    ("+".join(f"x*{k / 7}" for k in range(-40, 40)), {"x": 1e16}),   # 1e16: repr switches to e+16
    ("q = x + y\nq = q * 2\nmax(q, x) - relu(-q) + abs(y)", {"x": 1.0, "y": -1.0}),
]


@pytest.mark.parametrize("program, inputs", PROGRAMS)
def test_json_nodes_column_wise_equal_node_by_node(program, inputs):
    r = run(parse(program), inputs)
    text = _nodes_column_wise(r)
    assert text == _nodes_one_by_one(r)
    json.loads("[" + text + "]", parse_constant=lambda c: pytest.fail(f"non-strict JSON {c}"))


def test_json_nodes_over_several_blocks():
    program = "\n".join(f"h{i} = x*{(i % 9) - 4} + h{i - 1}" if i else "h0 = x" for i in range(9000))
    r = run(parse(program), {"x": 0.5})
    assert _nodes_column_wise(r) == _nodes_one_by_one(r)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.floats(allow_nan=True, allow_infinity=True) | st.sampled_from([0.0, -0.0, 1.0, 1e16, -1e22]),
                min_size=1, max_size=120))
def test_json_number_columns_equal_json_number(col):
    from array import array
    assert json_view._numbers(array("d", col)) == [json_number(v) for v in col]


def test_cg_eval_json_through_the_installed_cg():
    p = run_cg("eval", "a = x*0; b = -a; b*x + sqrt(x)", "--x", "0", "--json")
    assert p.returncode == 0, p.err
    d = json.loads(p.out)
    assert {n["value"] for n in d["nodes"]} == {0}
    assert d["nodes"][-1]["grad"] == 1 and d["gradients"]["x"] == "inf"
    assert '"value": -0' not in p.out and "NaN" not in p.out and "Infinity" not in p.out
