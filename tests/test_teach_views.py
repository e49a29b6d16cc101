"""The Rich table and tree: gate column, --sort grad, `op name = value  grad g` lines,
collapsed constant subtrees, runs and chains, --depth; readable at 200 nodes."""
from __future__ import annotations

import io

import pytest

from cgcli import evaluate
from cgcli.core.graph import display_names
from cgcli.views import rich as rv


def _render(obj) -> str:
    buf = io.StringIO()
    rv.console(buf).print(obj)
    return buf.getvalue()


def _rows(text: str) -> list[list[str]]:
    return [[c.strip() for c in line.split("│")[1:-1]] for line in text.splitlines() if line.startswith("│")]


def test_table_gate_column():
    r = evaluate("max(x*y, y) + sigmoid(x)", x=2, y=3)
    rows = _rows(_render(rv.table(r)))
    by_op = {row[2]: row[3] for row in rows}
    assert by_op["mul"] == "swaps" and by_op["max"] == "routes" and by_op["add"] == "distributes"
    # the pattern names the node's own input
    assert by_op["sigmoid"] == "upstream × sigmoid(x)·(1 - sigmoid(x))"
    assert by_op["var"] == "sums"


def test_sort_grad():
    r = evaluate("a*1 + b*100 + c*10 + 2*pi", a=1, b=1, c=1)
    rows = _rows(_render(rv.table(r, sort="grad")))
    grads = [row[-1] for row in rows]
    numeric = [abs(float(g)) for g in grads if g != "—"]
    assert numeric == sorted(numeric, reverse=True)
    assert grads[-3:] == ["—"] * 3                    # the constants last
    assert [row[1] for row in rows if row[1] in "abc" and row[1]][:3] == ["b", "c", "a"]


def test_sort_grad_cli(cg):
    p = cg("eval", "a*1 + b*100", "--a", "1", "--b", "1", "--sort", "grad", "--format", "table")
    assert p.returncode == 0
    names = [row[1] for row in _rows(p.out) if row[1]]
    assert names.index("b") < names.index("a")
    q = cg("eval", "a*1", "--a", "1", "--sort", "value")
    assert q.returncode == 2 and "unknown sort" in q.err


def test_tree_lines():
    r = evaluate("q = x + y; f = q * z", x=2, y=3, z=-4)
    lines = _render(rv.tree(r)).splitlines()
    assert lines[0] == "* f  value -20  grad 1"
    assert lines[1].endswith("+ q  value 5  grad -4")
    assert lines[2].endswith("x  value 2  grad -4")
    assert lines[-1].endswith("z  value -4  grad 5")


def test_tree_colours_separate_values_and_gradients():
    r = evaluate("x*y", x=2, y=3)
    t = rv.tree(r)
    spans = {t.label.plain[s.start:s.end]: str(s.style) for s in t.label.spans}
    assert spans["6"] == rv.VALUE and spans["1"] == rv.GRAD


def test_constant_subtree_collapsed():
    r = evaluate("x * (2*pi/3 + 1)", x=1)
    out = _render(rv.tree(r))
    assert "constant: 7 nodes collapsed" in out
    assert "pi" not in out                            # its inner nodes are not drawn


def test_same_op_run_shown_as_one():
    n = 60
    r = evaluate(" + ".join(f"x{i}*x{i}" for i in range(n)), {f"x{i}": i for i in range(n)})
    out = _render(rv.tree(r))
    assert f"({n - 1} + gates in a row, shown as one with {n} inputs)" in out
    for i in range(n):
        assert f"x{i}  value {i}  grad {2 * i}" in out


def test_chain_collapsed():
    depth = 50
    r = evaluate("sin(" * depth + "x" + ")" * depth, x=1)
    out = _render(rv.tree(r))
    names = display_names(r.graph)
    assert f"… {depth - 4} nodes in a chain collapsed ({names[depth - 2]} … {names[3]})" in out
    assert out.rstrip().endswith("x  value 1  grad " + rv.fmt(r.grads[0]))
    assert len(out.splitlines()) < 10


def test_depth_option(cg):
    p = cg("eval", "((x+1)*2+3)*4", "--x", "1", "--format", "tree", "--depth", "1")
    assert p.returncode == 0
    assert "deeper nodes not shown (--depth 1)" in p.out
    assert "x  value 1" not in p.out
    q = cg("eval", "((x+1)*2+3)*4", "--x", "1", "--format", "tree")
    assert "x  value 1  grad 8" in q.out


def test_tree_readable_at_200_nodes():
    # a 2-layer network: 200+ nodes, every line shorter than a wide terminal
    terms = []
    point = {}
    for j in range(10):
        inner = " + ".join(f"w{j}_{i}*x{i}" for i in range(6))
        terms.append(f"v{j}*tanh({inner} + b{j})")
        point.update({f"w{j}_{i}": 0.1 * (i - j) for i in range(6)})
        point[f"v{j}"], point[f"b{j}"] = 0.5, 0.1
    point.update({f"x{i}": 0.3 * i for i in range(6)})
    r = evaluate(" + ".join(terms), point)
    assert len(r.graph) >= 200
    out = _render(rv.tree(r, precision=3))
    lines = out.splitlines()
    assert "… deeper nodes not shown" not in out
    assert max(len(line) for line in lines) < 120
    assert len(lines) < 2 * len(r.graph)


def test_fan_out_shown_once():
    r = evaluate("q = x*y; sin(q) + cos(q)", x=1, y=2)
    out = _render(rv.tree(r))
    assert out.count("* q  value 2") == 1
    assert "q (shown above; total of 2 uses)" in out
