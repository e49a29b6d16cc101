"""Issue 12's slips in the teaching views: gate texts name the node's own inputs, one name for
the output's derivatives, the tree's back-references, cg graph -o by extension, --rankdir,
--edge-grads, explain wrapped to the terminal, one precision default, narrow-terminal tables."""
from __future__ import annotations

import os
import re
import shutil

import pytest

from cgcli import evaluate
from cgcli import parse
from cgcli.core.ops import OPS, say_gate
from cgcli.teach.steps import walk
from cgcli.views import explain as ex
from cgcli.views import picture
from cgtest import invoke, run_cg, strict_json

DOT = shutil.which("dot")
needs_dot = pytest.mark.skipif(DOT is None, reason="Graphviz's dot is not installed (.ci/run installs it)")
NEURON = ["sigmoid(w0*x0 + w1*x1 + w2)", "--w0", "2", "--x0", "-1", "--w1", "-3", "--x1", "-2", "--w2", "-3"]
SEEDS = [["(x+y)*z", "--x", "2", "--y", "3", "--z", "-4"],
         ["q = x + y; f = q * z", "--x", "2", "--y", "3", "--z", "-4"],
         ["p = x + y; g = p * z", "--x", "1", "--y", "3", "--z", "-3"],
         NEURON, [*NEURON, "--expand"]]


# --- gate texts -----------------------------------------------------------------------------

def test_divide_names_numerator_and_denominator(cg):
    p = cg("explain", "b/a", "--a", "2", "--b", "3")
    assert p.returncode == 0, p.err
    assert ("divide: the numerator b gets upstream / a, the denominator a gets upstream × (-b/a²)"
            in p.out)


def test_every_op_gate_text_names_its_inputs():
    """For every op of the table, the gate line explain prints has no template letters left and
    names the node's actual inputs (here variables called p and q, never a or b)."""
    for op in OPS:
        if op.arity == 0:
            continue
        src = f"{op.symbol}(p)" if op.arity == 1 else (
            f"p {op.symbol} q" if op.infix else f"{op.symbol}(p, q)")
        if op.name == "neg":
            src = "-p"
        r = evaluate(src, p=0.7, q=0.4) if op.arity == 2 else evaluate(src, p=0.7)
        text = ex.text(r, walk(r))
        gate = next(line.strip() for line in text.splitlines() if line.startswith("    ") and ":" in line
                    and not line.strip().startswith("to "))
        assert "{" not in gate and "}" not in gate, gate
        assert re.search(r"\bp\b", gate), (op.name, gate)
        if op.arity == 2:
            assert re.search(r"\bq\b", gate), (op.name, gate)
        assert not re.search(r"\b[ab]\b", gate.replace("a variable", "")), (op.name, gate)


def test_gate_in_the_neuron_names_the_node_it_sits_on(cg):
    p = cg("explain", *NEURON, "--expand", "--decimals", "2")
    assert "exp: n10 gets upstream × exp(n10)" in p.out
    assert "exp(a)" not in p.out


def test_say_gate_parenthesises_negative_numbers():
    assert say_gate("{a} gets upstream × {b}", ["x", "-1"]) == "x gets upstream × (-1)"
    assert say_gate("upstream × cos({a})", []) == "upstream × cos(a)"


def test_json_gate_and_pattern_are_rendered(cg):
    p = cg("explain", "sin(u) * v", "--u", "1", "--v", "2", "--json")
    doc = strict_json(p.out)
    by_op = {s["op"]: s for s in doc["backward"]}
    assert by_op["sin"]["gate"] == "sin: u gets upstream × cos(u)"
    assert by_op["sin"]["pattern"] == "upstream × cos(u)"
    assert by_op["mul"]["pattern"] == "swaps"


# --- one name for the output's derivatives ---------------------------------------------------

@pytest.mark.parametrize("src, f", [("(x+y)*z", "f"), ("q = x + y; g = q * z", "g"),
                                    ("f = 1; (x+f)*z", "out")])
def test_output_derivative_has_one_name(src, f):
    args = [src, "--x", "2", "--y", "3", "--z", "-4"] if "y" in src else [src, "--x", "2", "--z", "-4"]
    out = invoke("explain", *args).out
    assert f"∂{f}/∂z" in out and f"∂{f}/∂variable" in out
    assert not re.search(r"∂n\d+/∂z ", out)          # never the output node's n<id>
    assert strict_json(invoke("explain", *args, "--json").out)["output_name"] == f
    diff = invoke("diff", *args).out
    assert f"∂{f}/∂z" in diff
    check = invoke("check", *args, "--grad", "z=0")
    assert f"d{f}/dz" in check.out + check.err


# --- the tree's back-references ---------------------------------------------------------------

def test_tree_refers_back_only_to_what_is_above(cg):
    p = cg("eval", "q = x + y; f = q * q + q", "--x", "1", "--y", "2", "--format", "tree")
    lines = p.out.splitlines()
    full = next(k for k, line in enumerate(lines) if re.search(r"\+ q\s+value 3", line))
    refs = [k for k, line in enumerate(lines) if "q (shown above; total of 3 uses)" in line]
    assert len(refs) == 2 and all(k > full for k in refs)


def test_tree_back_references_in_random_programs():
    """Every "(shown above)" names a node printed in full on an earlier line."""
    for src in ["a = x*y; b = a + x; c = b*a; c + b*a", "u = x + 1; v = u*u; w = v*u; w + v + u",
                "p = x*y; max(p, p*x) + min(p, x)"]:
        r = evaluate(src, **({"x": 1.5, "y": -2} if "y" in src else {"x": 1.5}))
        from cgcli.views.rich import console, tree
        import io
        buf = io.StringIO()
        console(buf).print(tree(r))
        seen = set()
        for line in buf.getvalue().splitlines():
            m = re.search(r"(\w+) \(shown above\)", line)
            if m:
                assert m.group(1) in seen, (src, line)
            m = re.search(r"[─ ]\S+ (\w+)\s+value", line) or re.match(r"\S+ (\w+)\s+value", line)
            if m:
                seen.add(m.group(1))


# --- cg graph -o, --rankdir, --edge-grads ------------------------------------------------------

MAGIC = {".svg": b"<svg", ".png": b"\x89PNG", ".pdf": b"%PDF"}


@needs_dot
@pytest.mark.parametrize("ext", [".dot", ".gv", ".mmd", ".svg", ".png", ".pdf"])
def test_output_format_from_the_extension(tmp_path, ext):
    path = tmp_path / f"g{ext}"
    p = run_cg("graph", *SEEDS[0], "-o", str(path))
    assert p.returncode == 0, p.err
    data = path.read_bytes()
    if ext in (".dot", ".gv"):
        assert data.startswith(b"digraph cg {")
    elif ext == ".mmd":
        assert data.startswith(b"flowchart ")
    else:
        assert MAGIC[ext] in data[:400]


def test_unknown_extension_is_refused(tmp_path, cg):
    p = cg("graph", *SEEDS[0], "-o", str(tmp_path / "g.txt"))
    assert p.returncode == 2 and "extension" in p.err and "Traceback" not in p.err
    assert not (tmp_path / "g.txt").exists()
    p = cg("graph", *SEEDS[0], "--format", "dot", "-o", str(tmp_path / "g.txt"))   # explicit: fine
    assert p.returncode == 0 and (tmp_path / "g.txt").read_text().startswith("digraph")


def test_dash_is_stdout(tmp_path):
    p = run_cg("graph", *SEEDS[0], "-o", "-", "--format", "mermaid")
    assert p.returncode == 0 and p.out.startswith("flowchart LR")
    p = run_cg("graph", *SEEDS[0], "-o", "-")
    assert p.out.startswith("digraph cg {")
    assert not os.path.exists("-")


def test_rankdir_default_rule_and_option(cg):
    assert "rankdir=LR;" in cg("graph", *SEEDS[0]).out                 # 2 gates deep
    assert "rankdir=LR;" in cg("graph", *NEURON).out                   # 4 gates deep
    assert "rankdir=TB;" in cg("graph", *NEURON, "--expand").out       # 7 gates deep: tall
    assert "rankdir=TB;" in cg("graph", *SEEDS[0], "--rankdir", "TB").out
    assert "rankdir=LR;" in cg("graph", *NEURON, "--expand", "--rankdir", "lr").out
    assert cg("graph", *SEEDS[0], "--format", "mermaid", "--rankdir", "TB").out.startswith("flowchart TB")
    p = cg("graph", *SEEDS[0], "--rankdir", "up")
    assert p.returncode == 2 and "TB" in p.err


def test_edge_grads_are_the_contributions(cg):
    p = cg("graph", "x*y + x", "--x", "3", "--y", "-2", "--edge-grads", "--precision", "17")
    assert p.returncode == 0, p.err
    r = evaluate("x*y + x", x=3, y=-2)
    w = walk(r)
    labels = re.findall(r"v(\d+) -> v(\d+) \[label=\"([^\"]+)\"", p.out)
    got = {(int(a), int(b)): float(t) for a, b, t in labels}
    want = {}
    for edges in w.edges.values():
        for e in edges:
            want[(e.to, e.node)] = e.product
    assert got == want
    x = r.graph.variables["x"]
    assert sum(v for (a, _), v in got.items() if a == x) == r.gradients["x"]   # fan-out sums
    p = cg("graph", "x*y", "--edge-grads")
    assert p.returncode == 2 and "values" in p.err


@needs_dot
def test_expanded_neuron_is_not_a_banner(tmp_path):
    path = tmp_path / "n.svg"
    assert run_cg("graph", *NEURON, "--expand", "-o", str(path)).returncode == 0
    m = re.search(r'<svg width="(\d+)pt" height="(\d+)pt"', path.read_text())
    assert int(m.group(1)) < int(m.group(2))          # top to bottom: taller than wide


# --- explain wraps to the terminal ----------------------------------------------------------

def test_wrap_breaks_at_spaces_only():
    r = evaluate("sigmoid(w0*x0 + w1*x1 + w2)", w0=2, x0=-1, w1=-3, x1=-2, w2=-3)
    text = ex.text(r, walk(r))
    for width in (60, 40):
        wrapped = ex.wrap(text, width)
        assert wrapped.split() == text.split()        # the same words, none cut
        for line in wrapped.splitlines():
            assert len(line) <= width or " " not in line.strip(), line


def test_explain_piped_is_not_wrapped():
    p = run_cg("explain", *NEURON, env={"COLUMNS": "40"})
    assert max(len(line) for line in p.out.splitlines()) > 40


def test_explain_wraps_on_a_60_column_terminal():
    import pexpect
    from cgtest import cg_path
    child = pexpect.spawn(cg_path(), ["explain", *NEURON], dimensions=(200, 60), encoding="utf-8",
                          env={**os.environ, "TERM": "xterm"})
    child.expect(pexpect.EOF, timeout=60)
    out = child.before.replace("\r\n", "\n")
    lines = [line for line in out.splitlines() if line]
    assert max(len(line) for line in lines) <= 60
    piped = run_cg("explain", *NEURON).out
    assert out.split() == piped.split()              # same words: no word broken


# --- one precision default, and tables on narrow terminals ------------------------------------

def test_one_precision_default_for_the_human_views(cg):
    args = ["x/3", "--x", "1"]
    assert "0.3333 " in cg("eval", *args, "--format", "tree").out
    assert "= 0.3333" in cg("explain", *args).out
    assert "value 0.3333 " in cg("graph", *args).out
    assert strict_json(cg("eval", *args, "--json").out)["value"] == 1 / 3     # JSON: every digit
    assert "0.3333333333333333" in cg("eval", *args, "--format", "tree", "--precision", "17").out


@pytest.mark.parametrize("width", [80, 60])
@pytest.mark.parametrize("args", SEEDS, ids=["xyz", "qf", "pg", "neuron", "neuron-expanded"])
def test_tables_fit_narrow_terminals(width, args):
    p = run_cg("eval", *args, "--format", "table",
               env={"FORCE_COLOR": "1", "NO_COLOR": "1", "COLUMNS": str(width)})
    text = re.sub(r"\x1b\[[0-9;]*m", "", p.out)
    assert p.returncode == 0, p.err
    lines = text.splitlines()
    assert max(len(line) for line in lines) <= width
    assert "…" not in text                              # nothing cut short
    header = next(line for line in lines if "┃ id" in line)
    cells = [c.strip() for c in header.strip("┃").split("┃")]
    assert cells[:3] == ["id", "name", "op"] and "value" in cells and "grad" in cells
    r = evaluate_args(args)
    for name, i in r.graph.variables.items():        # every gradient, at 4 digits, whole
        assert re.search(rf"│\s+{i} │ {name}\s.*│\s+{re.escape(format(r.grads[i], '.4g'))} │", text), name


def evaluate_args(args):
    src, rest = args[0], [a for a in args[1:] if a != "--expand"]
    vals = {rest[k][2:]: float(rest[k + 1]) for k in range(0, len(rest), 2)}
    g = parse(src)
    if "--expand" in args:
        from cgcli.teach.expand import expand
        g = expand(g)
    from cgcli.core.passes import run
    return run(g, vals)


@needs_dot
def test_edge_grads_drawn_by_dot(tmp_path):
    path = tmp_path / "g.svg"
    p = run_cg("graph", "x*y + x", "--x", "3", "--y", "-2", "--edge-grads", "-o", str(path))
    assert p.returncode == 0, p.err
    svg = path.read_text()
    assert svg.count('fill="#c0392b"') == 4 and ">3<" in svg and ">&#45;2<" in svg and ">1<" in svg
