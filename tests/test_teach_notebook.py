"""The Python API in a notebook: Result's repr, HTML table, SVG graph, to_dict/to_json, grad_of."""
from __future__ import annotations

import json
import re
import shutil
from html.parser import HTMLParser

import pytest

from cgcli import evaluate
from cgcli import parse
from cgtest import run_cg, strict_json

needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot is not installed")
CASES = [("(x+y)*z", dict(x=2, y=3, z=-4)),
         ("q = x + y; f = q * z", dict(x=2, y=3, z=-4)),
         ("sigmoid(w0*x0 + w1*x1 + w2)", dict(w0=2, x0=-1, w1=-3, x1=-2, w2=-3)),
         ("sqrt(x) + 2*pi + relu(y)", dict(x=0, y=-1)),            # inf gradient, warnings
         ("x / 3 + 1e-9 * y", dict(x=1, y=0.1))]


def _cli_args(src, vals):
    return [src, *[a for k, v in vals.items() for a in (f"--{k}", repr(float(v)))]]


@pytest.mark.parametrize("src, vals", CASES)
def test_to_json_is_cg_eval_json(src, vals):
    r = evaluate(src, vals)              # diagnostics included, as cg eval runs it
    out = run_cg("eval", *_cli_args(src, vals), "--json").out
    assert r.to_json() == out.rstrip("\n")
    assert r.to_dict() == strict_json(out) == json.loads(r.to_json())
    assert r.to_dict()["schema"] == "cg.eval/1"


def test_to_json_is_strict():
    r = evaluate("sqrt(x)", x=0)
    d = strict_json(r.to_json())
    assert d["gradients"]["x"] == "inf"


def test_repr_is_readable():
    r = evaluate("q = x + y; f = q * z", x=2, y=3, z=-4)
    assert repr(r) == "<cg Result 'q = x + y; f = q * z': value -20, gradients x=-4, y=-4, z=5; 5 nodes>"
    r = evaluate("sigmoid(w0*x0 + w1*x1 + w2)", w0=2, x0=-1, w1=-3, x1=-2, w2=-3)
    assert "value 0.7311" in repr(r) and "x1=-0.5898" in repr(r)
    big = evaluate(" + ".join(f"v{k}" for k in range(20)), **{f"v{k}": 1 for k in range(20)})
    assert "(12 more)" in repr(big) and len(repr(big)) < 200


class _Cells(HTMLParser):
    def __init__(self):
        super().__init__()
        self.rows, self.stack = [], []

    def handle_starttag(self, tag, attrs):
        self.stack.append(tag)
        if tag == "tr":
            self.rows.append([])
        elif tag in ("td", "th"):
            self.rows[-1].append("")

    def handle_endtag(self, tag):
        assert self.stack.pop() == tag, tag            # well nested

    def handle_data(self, data):
        if self.rows and self.stack and self.stack[-1] in ("td", "th", "code"):
            self.rows[-1][-1] += data


def test_html_table_has_every_node():
    r = evaluate("q = x + y; f = q * q + q", x=1, y=2)
    p = _Cells()
    p.feed(r._repr_html_())
    head, *rows = p.rows
    assert head == ["id", "name", "op", "computes", "value", "∂f/∂node"]
    assert len(rows) == len(r.graph)
    by_name = {row[1]: row for row in rows if row[1]}
    assert by_name["q"][4:] == ["3", "7"] and by_name["f"][4:] == ["12", "1"]
    assert rows[3][0] == "3" and rows[3][3] == "q * q"


def test_html_table_escapes_and_marks_constants():
    r = evaluate("2*pi + x", x=1)
    html = r._repr_html_()
    assert "—" in html                                 # 2*pi has no gradient


@needs_dot
def test_svg_is_the_graph():
    r = evaluate("(x+y)*z", x=2, y=3, z=-4)
    svg = r._repr_svg_()
    assert svg is not None and "<svg" in svg and "value &#45;20" in svg


def test_no_svg_without_graphviz(monkeypatch):
    monkeypatch.setenv("PATH", "/nonexistent")
    r = evaluate("x*2", x=1)
    assert r._repr_svg_() is None


def test_grad_of():
    r = evaluate("q = x + y; f = q * z", x=2, y=3, z=-4)
    assert r.grad_of("q") == -4 and r.grad_of("z") == 5 and r.grad_of("f") == 1
    r = evaluate("(x+y)*z + 2*pi", x=2, y=3, z=-4)
    assert r.grad_of("n2") == -4                       # an unnamed node, as the table calls it
    assert r.grad_of("pi") is None                     # a constant: no gradient
    with pytest.raises(KeyError, match=r"'qq' is not a node .*did you mean"):
        evaluate("q = x + y; f = q * z", x=2, y=3, z=-4).grad_of("qq")
    with pytest.raises(KeyError, match=r"its names: x, y, z"):
        r.grad_of("w")


def test_methods_only_the_hot_path_is_untouched():
    from cgcli.core.passes import Result
    assert Result.__slots__ == ("graph", "values", "grads", "inputs", "warnings")
