"""cg graph: DOT accepted by the real Graphviz, Mermaid structure, SVG/PNG through dot."""
from __future__ import annotations

import io
import json
import os
import re
import shutil
import subprocess
import sys

import pytest

from cgcli import evaluate
from cgcli import parse
from cgcli.core.graph import display_names
from cgcli.views import picture
from cgtest import invoke, run_cg

DOT = shutil.which("dot")
needs_dot = pytest.mark.skipif(DOT is None, reason="Graphviz's dot is not installed (apt-get install graphviz; .ci/run installs it)")

XYZ = ["(x+y)*z", "--x", "2", "--y", "3", "--z", "-4"]
PROGRAMS = [
    (XYZ[0], dict(x=2, y=3, z=-4)),
    ("q = x + y; f = q * z * 2*pi", dict(x=2, y=3, z=-4)),
    ("sigmoid(w0*x0 + w1*x1 + w2)", dict(w0=2, x0=-1, w1=-3, x1=-2, w2=-3)),
    ("x*x + x/y - y^x + max(x, y)", dict(x=1.5, y=0.25)),
    ("my_var_1 * -1e-7 + abs(b)", {"my_var_1": 3, "b": -2}),
]


def _dot_json(text: str) -> dict:
    p = subprocess.run([DOT, "-Tjson0"], input=text.encode(), capture_output=True, timeout=60)
    assert p.returncode == 0, p.stderr.decode()
    assert not p.stderr, p.stderr.decode()            # no syntax warnings either
    return json.loads(p.stdout)


@needs_dot
@pytest.mark.parametrize("program, point", PROGRAMS)
@pytest.mark.parametrize("with_values", [True, False])
def test_dot_accepted_by_graphviz(program, point, with_values):
    r = evaluate(program, point)
    g = r.graph
    text = picture.dot(g, r if with_values else None)
    d = _dot_json(text)
    assert len(d["objects"]) == len(g)
    edges = sorted((e["tail"], e["head"]) for e in d["edges"])
    assert edges == sorted((a, i) for i in range(len(g)) for a in g.inputs(i))
    names = display_names(g)
    for i, obj in enumerate(d["objects"]):
        label = obj["label"].replace("\\", "")
        assert label.startswith("{ " + names[i])
        if with_values:
            assert f"value {picture.number(r.values[i], 4)}" in label
            if g.needs_grad[i]:
                assert f"grad {picture.number(r.grads[i], 4)}" in label
        else:
            assert "value" not in label and "grad" not in label
    out = d["objects"][g.output]
    assert out.get("penwidth") == "2.5" and out.get("xlabel") == "output"


@needs_dot
def test_dot_rankdir_and_through_the_cli(cg):
    p = cg("graph", *XYZ)
    assert p.returncode == 0, p.err
    assert "rankdir=LR" in p.out
    d = _dot_json(p.out)
    assert [o["label"] for o in d["objects"]][4] == "{ f = n2 * z | value -20 | grad 1 }"   # the output: f


_NODE = re.compile(r'^  (v\d+)(\(\["|\["|\[/")(.*)("\]\)|"\]|"/\])$')
_EDGE = re.compile(r"^  (v\d+) --> (v\d+)$")


def _mermaid(text: str):
    lines = text.splitlines()
    assert lines[0] == "flowchart LR"
    nodes, edges, rest = {}, [], []
    for line in lines[1:]:
        m, e = _NODE.match(line), _EDGE.match(line)
        if m:
            assert m.group(1) not in nodes
            pairs = {'(["': '"])', '["': '"]', '[/"': '"/]'}
            assert pairs[m.group(2)] == m.group(4)
            assert '"' not in m.group(3)
            nodes[m.group(1)] = (m.group(2), m.group(3))
        elif e:
            edges.append((e.group(1), e.group(2)))
        else:
            rest.append(line)
    return nodes, edges, rest


@pytest.mark.parametrize("program, point", PROGRAMS)
def test_mermaid_structure(program, point):
    r = evaluate(program, point)
    g = r.graph
    nodes, edges, rest = _mermaid(picture.mermaid(g, r))
    assert list(nodes) == [f"v{i}" for i in range(len(g))]
    assert sorted(edges) == sorted((f"v{a}", f"v{i}") for i in range(len(g)) for a in g.inputs(i))
    for a, b in edges:
        assert a in nodes and b in nodes
    assert rest == ["  classDef output stroke-width:3px", f"  class v{g.output} output"]
    names = display_names(g)
    for i in range(len(g)):
        shape, label = nodes[f"v{i}"]
        assert label.split("<br/>")[0].split(" = ")[0] == names[i]
        assert (shape == '(["') == (g.op(i).name == "var")
        assert f"value {picture.number(r.values[i], 4)}" in label


def test_mermaid_structure_only(cg):
    p = cg("graph", "(x+y)*z", "--format", "mermaid")
    assert p.returncode == 0, p.err
    nodes, edges, _ = _mermaid(p.out)
    assert len(nodes) == 5 and len(edges) == 4
    assert "value" not in p.out and "grad" not in p.out
    assert nodes["v4"] == ('["', "f = n2 * z")


@needs_dot
@pytest.mark.parametrize("fmt, magic", [("svg", b"<svg"), ("png", b"\x89PNG")])
def test_rendered_to_file(fmt, magic, tmp_path, cg):
    out = tmp_path / f"g.{fmt}"
    p = cg("graph", *XYZ, "--format", fmt, "-o", str(out))
    assert p.returncode == 0, p.err
    assert p.out == ""
    assert magic in out.read_bytes()[:400]


@needs_dot
def test_svg_to_stdout_and_png_to_a_pipe():
    p = run_cg("graph", *XYZ, "--format", "svg")
    assert p.returncode == 0 and "<svg" in p.out and "f = n2 * z" in p.out
    p = run_cg("graph", *XYZ, "--format", "png")
    assert p.returncode == 0 and p.stdout.startswith(b"\x89PNG")


@needs_dot
def test_png_never_to_a_terminal(monkeypatch):
    class Tty(io.StringIO):
        def isatty(self):
            return True
    from cgcli.cli.main import main
    out, err = Tty(), io.StringIO()
    monkeypatch.setattr(sys, "stdout", out)
    monkeypatch.setattr(sys, "stderr", err)
    assert main(["graph", *XYZ, "--format", "png"]) == 2
    assert "not writing a PNG file to the terminal" in err.getvalue() and out.getvalue() == ""


def test_without_graphviz_a_clear_message(tmp_path, monkeypatch):
    env = {"PATH": str(tmp_path)}                     # a PATH without dot
    p = run_cg("graph", *XYZ, "--format", "svg", env=env)
    assert p.returncode == 2
    assert "needs Graphviz's dot program" in p.err and "apt-get install graphviz" in p.err
    monkeypatch.setenv("PATH", str(tmp_path))
    q = invoke("graph", *XYZ, "--format", "png", "-o", str(tmp_path / "g.png"))
    assert q.returncode == 2 and "needs Graphviz's dot program" in q.err
    assert not (tmp_path / "g.png").exists()
    # DOT and Mermaid text need no Graphviz
    assert run_cg("graph", *XYZ, env=env).returncode == 0


@pytest.mark.parametrize("args, message", [
    (["(x+y)*z", "--x", "1"], "missing values for y, z"),
    (["(x+y)*z", "--format", "gif"], "unknown format 'gif'"),
    (["(x+y)*z", "--w", "1"], "w is not a variable"),
    (["(x+"], "syntax error"),
])
def test_errors(args, message, cg):
    p = cg("graph", *args)
    assert p.returncode == 2
    assert message in p.err and "Traceback" not in p.err


def test_domain_error_exit_3(cg):
    p = cg("graph", "log(x)", "--x", "-1")
    assert p.returncode == 3 and "math domain error" in p.err


def test_output_file_for_text(tmp_path, cg):
    out = tmp_path / "g.dot"
    p = cg("graph", *XYZ, "-o", str(out))
    assert p.returncode == 0 and p.out == ""
    assert out.read_text().startswith("digraph cg {")
    p = cg("graph", *XYZ, "-o", str(tmp_path / "no" / "such" / "dir.dot"))
    assert p.returncode == 2 and "cannot write" in p.err


def test_escaping_in_labels():
    assert picture._dot_escape('a{b}|<c>"') == 'a\\{b\\}\\|\\<c\\>\\"'
    assert picture._mermaid_escape('"<&>') == "#quot;#lt;#amp;#gt;"
