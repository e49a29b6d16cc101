"""Issue 17 ("the nearby texts made true") and issue 18 item 4 ("one name for the output in
every view"): every sentence about a zero gradient names a cause cg can prove for the user's
own graph; explain's arithmetic checks at the printed precision; the tree marks a fan-out
node's later uses; rebound inputs appear by their version name; an unnamed output is f in
every view; a program file's header names the file; the HTML page's gate rules are those of
the graph; --decimals reaches the picture."""
from __future__ import annotations

import random
import re
import shutil
from decimal import Decimal
from pathlib import Path

import pytest

from cgcli import evaluate
from cgcli.core.ops import OPS
from cgcli.teach.diagnose import Cause, Diagnosis, diagnose, zero_causes, _reaches_output
from cgtest import invoke, run_cg, strict_json

ROOT = Path(__file__).parent.parent
needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot is not installed")


def _zero(program, **values):
    """The zero-gradient Diagnosis records of a program, by the variable's shown name."""
    r = evaluate(program, **values)
    out = {}
    for w in diagnose(r):
        assert isinstance(w, Diagnosis) and isinstance(w, str)
        if w.code == "zero-gradient":
            out[w.split(" gets gradient 0")[0]] = w
    return r, out


# --- the zero-gradient warning names the cause it can prove -----------------------------------

def test_x_squared_at_zero_is_a_stationary_point_not_a_dead_gate():
    r, w = _zero("x^2", x=0)
    d = w["x"]
    assert [c.code for c in d.causes] == ["stationary"] and d.causes[0].node == r.graph.output
    assert "f = x^2, which is stationary at x = 0: its derivative 2·x is 0 there" in d
    for wrong in ("relu", "step", "max", "product"):
        assert wrong not in d


@pytest.mark.parametrize("program, values, var, code, words", [
    ("relu(w*x + b) + v", dict(w=1, x=-2, b=0.5, v=3), "w", "dead",
     "the dead relu n5 = relu(w * x + b) (its input is -1.5 <= 0"),
    ("max(x, y)", dict(x=1, y=1), "y", "routed",
     "routes the whole gradient to its first argument x (a tie at 1: cg routes it to the first argument)"),
    ("max(x, y)", dict(x=1, y=0), "y", "routed", "routes the whole gradient to its first argument x (x = 1 is the larger)"),
    ("min(x, y)*2", dict(x=1, y=0), "x", "routed", "routes the whole gradient to its second argument y (y = 0 is the smaller)"),
    ("y - min(y, y)", dict(y=2), "y", "cancel",
     "y gets gradient 0: the contributions it receives cancel: -1 (from min(y, y)) + 1 (from y - min(y, y)) = 0 "
     "(f is stationary in y here); its other paths to the output pass n1 = min(y, y), which routes the whole "
     "gradient to its first argument y (a tie at 2"),
    ("x*y", dict(x=3, y=0), "x", "zero-factor", "f = x * y, a product whose other factor y is 0"),
    ("x/y + y", dict(x=0, y=2), None, None, None),                      # d/dy = -x/y^2 + 1 = 1: no warning
    ("step(x)*y", dict(x=1, y=2), "x", "flat", "n1 = step(x), a step: flat"),
    ("sign(x) + y", dict(x=-2, y=1), "x", "flat", "a sign: flat"),
    ("abs(x)", dict(x=0), "x", "kink", "at its corner x = 0, where cg takes the derivative of abs as 0"),
    ("cos(x)", dict(x=0), "x", "stationary", "f = cos(x), which is stationary at x = 0"),
    ("x^3 + y", dict(x=0, y=1), "x", "stationary", "its derivative 3·x^2 is 0 there"),
    ("x^0*y", dict(x=3, y=1), "x", "stationary", "a power 0 is constant in its base"),
    ("sigmoid(40*v)", dict(v=1), "v", "saturated", "saturated: at input 40 its local gradient is not 0"),
    ("tanh(x)*y", dict(x=30, y=1), "x", "saturated", "saturated"),
    ("exp(x)*y", dict(x=-800, y=1), "x", "underflow", "n1 = exp(x), whose local gradient at input -800"),
    ("q = x*1e-300; q*1e-300", dict(x=1), "x", "underflow",
     "upstream × local = 1e-300 × 1e-300 is too small for a float and rounds to 0 (underflow)"),
    ("x*x - 2*x", dict(x=1), "x", "cancel",
     "x gets gradient 0: the contributions it receives cancel: 1 (from x * x) + 1 (from x * x) + (-2) "
     "(from 2 * x) = 0 (f is stationary in x here)"),
    ("q = x + y; q*q - 2*q", dict(x=0.5, y=0.5), "y", "cancel",
     "every path from it to the output passes q, where the contributions it receives cancel"),
])
def test_each_cause(program, values, var, code, words):
    r, w = _zero(program, **values)
    if var is None:
        assert all(r.gradients[v] != 0 for v in r.gradients if v in w) or not w
        return
    d = w[var]
    assert code in [c.code for c in d.causes], d
    assert words in d, d


def test_two_causes_are_both_named_and_none_is_guessed():
    r, w = _zero("relu(x) + max(x, y)", x=-1, y=3)
    d = w["x"]
    assert sorted(c.code for c in d.causes) == ["dead", "routed"]
    assert "one of these" in d and "relu(x)" in d and "max(x, y)" in d
    # more than CAUSES places: the text says so and names none of them
    program = " + ".join(f"relu(x*{k})" for k in range(1, 6))
    r, w = _zero(program, x=-1)
    assert w["x"].causes == () and "more than 3" in w["x"]


def test_unreached_variable():
    r, w = _zero("q = x*2; y + 1", x=1, y=2)
    assert w["x"] == "x gets gradient 0: it does not reach the output"
    assert w["x"].causes == (Cause("unreached", r.graph.variables["x"]),)


def test_rebound_input_is_named_by_its_version(cg):
    p = cg("eval", "h = 0; for t in range(2): h = relu(w * h + x[t])", "--w", "1", "--x", "-1,-2", "--get", "value")
    assert "warning: h#1 gets gradient 0: every path from it to the output passes the dead relu h = " in p.err
    assert "warning: h gets" not in p.err


def _users(g):
    users = [[] for _ in range(len(g))]
    for i in range(len(g)):
        for a in g.inputs(i):
            users[a].append(i)
    return users


def _check_causes_are_true(r):
    """Every zero-gradient Diagnosis: each Cause holds in this graph, and the causes cut every
    path from the variable to the output (a search that avoids them never reaches it)."""
    g = r.graph
    values, grads = r.values, r.grads
    users = _users(g)
    for w in diagnose(r):
        if w.code != "zero-gradient" or not w.causes or w.causes[0].code == "unreached":
            continue
        v = w.node
        assert grads[v] == 0.0
        cut_edges, cut_nodes = set(), set()
        for c in w.causes:
            if c.code == "cancel":
                assert grads[c.node] == 0.0
                cut_nodes.add(c.node)
                continue
            op = OPS[g.ops[c.node]]
            ins = g.inputs(c.node)
            d = op.local(*[values[a] for a in ins], values[c.node])
            d = d if isinstance(d, tuple) else (d,)
            assert ins[c.k] == c.input
            local = d[c.k]
            if c.code == "underflow":
                assert local == 0.0 or grads[c.node] * local == 0.0
            else:
                assert local == 0.0, (w, c)
            cut_edges.add((c.input, c.node))
        if v in cut_nodes:
            continue
        seen, stack = {v}, [v]
        while stack:
            a = stack.pop()
            assert a != g.output, (g.source, w)
            for i in users[a]:
                if i > g.output or (a, i) in cut_edges or i in cut_nodes or i in seen:
                    continue
                seen.add(i)
                stack.append(i)


def _random_program(rng):
    leaves = ["x", "y", "z", "0", "1", "2"]
    unary = ["relu", "step", "abs", "cos", "sigmoid", "tanh", "exp", "sign"]
    binary = ["+", "-", "*", "max", "min", "^2"]
    exprs = list(leaves)
    for _ in range(rng.randint(2, 7)):
        a, b = rng.choice(exprs), rng.choice(exprs)
        k = rng.random()
        if k < 0.3:
            e = f"{rng.choice(unary)}({a})"
        elif k < 0.5:
            e = f"{rng.choice(['max', 'min'])}({a}, {b})"
        elif k < 0.6:
            e = f"({a})^2"
        else:
            e = f"({a} {rng.choice(['+', '-', '*'])} {b})"
        exprs.append(e)
    return exprs[-1]


def test_random_graphs_never_get_a_false_cause():
    rng = random.Random(17)
    checked = 0
    for _ in range(1000):
        program = _random_program(rng)
        values = {v: rng.choice([-1, 0, 0, 1, 2, 40, -800]) for v in ("x", "y", "z")}
        try:
            r = evaluate(program, **{k: v for k, v in values.items() if re.search(rf"\b{k}\b", program)})
        except Exception:
            continue                               # a domain error: no gradients to explain
        _check_causes_are_true(r)
        checked += any(w.code == "zero-gradient" and w.causes for w in diagnose(r))
    assert checked > 150, checked


def test_cli_x_squared_warning(cg):
    p = cg("eval", "x^2", "--x", "0")
    assert p.returncode == 0
    assert "warning: x gets gradient 0: every path from it to the output passes f = x^2, which is " \
           "stationary at x = 0" in p.out
    assert "dead relu" not in p.out and "routing" not in p.out
    d = strict_json(cg("eval", "x^2", "--x", "0", "--json").out)
    assert d["gradients"] == {"x": 0} and "stationary" in d["warnings"][0]


# --- explain: arithmetic that checks at the printed precision -----------------------------------

NEURON = ["--w0", "2", "--x0", "-1", "--w1", "-3", "--x1", "-2", "--w2", "-3"]
PRODUCT = re.compile(r"upstream × local = (\S+) × (\S+) = (\S+)")
SUM = re.compile(r"∂\w+/∂\w+ = ((?:\(?-?[\d.e+-]+\)? \+ )+\(?-?[\d.e+-]+\)?) = (\S+)")
FORWARD = re.compile(r"^\s+\S+ = .* = (\(?-?[\d.]+\)?) ([-+*]) (\(?-?[\d.]+\)?) = (-?[\d.]+)$", re.M)


def _d(s):
    return Decimal(s.strip("()"))


def _within(exact, shown):
    r = Decimal(shown)
    return abs(exact - r) <= Decimal(1).scaleb(r.as_tuple().exponent) / 2


def _assert_arithmetic_checks(out):
    n = 0
    for a, b, c in PRODUCT.findall(out):
        assert _within(_d(a) * _d(b), c), f"{a} × {b} = {c}"
        n += 1
    for terms, total in SUM.findall(out):
        assert _within(sum(_d(t) for t in terms.split(" + ")), total), f"{terms} = {total}"
        n += 1
    for a, op, b, c in FORWARD.findall(out):
        x, y = _d(a), _d(b)
        assert _within({"+": x + y, "-": x - y, "*": x * y}[op], c), f"{a} {op} {b} = {c}"
        n += 1
    return n


def test_the_neuron_at_two_decimals_checks_by_hand(cg):
    p = cg("explain", "sigmoid(w0*x0 + w1*x1 + w2)", "--expand", "--decimals", "2", *NEURON)
    assert p.returncode == 0
    assert "0.20 × -2.00 = -0.39" not in p.out                 # the line a learner reads as wrong
    assert "upstream × local = 0.197 × -2.00 = -0.39" in p.out
    assert "upstream ∂f/∂n5 = 0.20" in p.out                   # the upstream itself, as the seeds print it
    assert _assert_arithmetic_checks(p.out) >= 15


PROGRAMS = ["sigmoid(w0*x0 + w1*x1 + w2)", "x*y + x*z + x", "q = x*y; q*q + sin(q) + q",
            "tanh(x*y) + y*0.3 + x/7", "2*pi*x + x*x*x"]


@pytest.mark.parametrize("program", PROGRAMS)
@pytest.mark.parametrize("opt", [["--decimals", "1"], ["--decimals", "2"], ["--decimals", "3"],
                                 ["--precision", "2"], ["--precision", "3"], []])
def test_every_line_checks(program, opt):
    values = {"w0": 2, "x0": -1, "w1": -3, "x1": -2, "w2": -3, "x": 0.77, "y": -1.31, "z": 2.9}
    args = [a for k, v in values.items() if re.search(rf"\b{k}\b", program) for a in (f"--{k}", str(v))]
    for fmt in ("text", "markdown"):
        out = invoke("explain", program, *args, *opt, "--format", fmt).out
        _assert_arithmetic_checks(out.replace("`", ""))


def test_exact_operands_keep_their_places():
    out = invoke("explain", "sigmoid(w0*x0 + w1*x1 + w2)", "--expand", "--decimals", "2", *NEURON).out
    assert "n2 = w0 * x0 = 2.00 * -1.00 = -2.00" in out and "-0.20 × -1.00 = 0.20" in out


# --- the tree: a fan-out node's later appearances refer to the first --------------------------

def test_tree_marks_fanout_variables(cg):
    p = cg("eval", "x*y + x*z", "--x", "1", "--y", "2", "--z", "3", "--format", "tree")
    lines = p.out.splitlines()
    assert "x  value 1  grad 5  (total of 2 uses)" in p.out
    assert "x (shown above; total of 2 uses)" in p.out
    assert sum("x  value" in line for line in lines) == 1          # the total once, not per branch
    p = cg("eval", "q = x + y; f = q * q + q", "--x", "1", "--y", "2", "--format", "tree")
    assert p.out.count("q (shown above; total of 3 uses)") == 2


# --- rebound names: the BPTT start state is h#1, never the output's name ----------------------

BPTT = ["h = 0; for t in range(3): h = tanh(w * h + u * x[t])", "--w", "0.5", "--u", "-0.8", "--x", "1,0.5,-1"]


def test_bptt_start_state_by_its_version_name(cg):
    out = cg("explain", *BPTT).out
    grads = out[out.index("Gradients:"):].splitlines()
    assert grads[1].split() == ["variable", "value", "∂h/∂variable"]
    assert grads[2].split()[0] == "h#1"
    assert not any(line.split()[:1] == ["h"] for line in grads[2:])
    assert "Inputs: h#1 = 0, w = 0.5" in out
    md = cg("explain", *BPTT, "--format", "markdown").out
    assert "| h#1 | 0 |" in md and "| h | " not in md
    tex = cg("explain", *BPTT, "--format", "latex").out
    assert "$h\\#1$ & $0$" in tex
    both = cg("eval", *BPTT, "--format", "both").out          # > 12 nodes: the gradients table
    table = both[both.index("gradients"):]
    assert "│ h#1 " in table and "│ h " not in table
    # the JSON keeps the input's own name: it is the --h option
    assert "h" in strict_json(cg("eval", *BPTT, "--json").out)["gradients"]


@needs_dot
def test_bptt_html_gradients_panel(tmp_path):
    page = tmp_path / "p.html"
    assert run_cg("explain", *BPTT, "--format", "html", "-o", str(page)).returncode == 0
    panel = page.read_text()
    panel = panel[panel.index('id="cg-gradients"'):]
    assert "<td>h#1</td>" in panel and "<td>h</td>" not in panel


# --- issue 18, item 4: one name for the output --------------------------------------------------

XYZ = ["(x+y)*z", "--x", "2", "--y", "3", "--z", "-4"]


def test_unnamed_output_is_f_in_every_view(cg):
    out = cg("explain", *XYZ).out
    assert "n4" not in out
    assert "f = n2 * z    upstream ∂f/∂f = 1 (the output)" in out and "The output is f = -20." in out
    for fmt in ("markdown", "latex"):
        assert "n4" not in cg("explain", *XYZ, "--format", fmt).out and "n_{4}" not in cg(
            "explain", *XYZ, "--format", fmt).out
    table = cg("eval", *XYZ, "--format", "table").out
    assert re.search(r"│\s+4 │ f\s+│ mul", table)
    tree = cg("eval", *XYZ, "--format", "tree").out
    assert tree.splitlines()[1] == "* f  value -20  grad 1"
    d = strict_json(cg("eval", *XYZ, "--json").out)
    assert {"value": d["value"], "gradients": d["gradients"]} == {"value": -20, "gradients": {"x": -4, "y": -4, "z": 5}}
    assert d["nodes"][4]["name"] == "f" and "name" not in d["nodes"][2]
    e = strict_json(cg("explain", *XYZ, "--json").out)
    assert e["output_name"] == "f" and e["forward"][-1]["name"] == "f"
    assert 'v4 [label="{ f = n2 * z | value -20 | grad 1 }"' in cg("graph", *XYZ).out
    assert "f = n2 * z" in cg("graph", *XYZ, "--format", "mermaid").out
    # the old name still addresses the node in answers (scripts written before)
    assert cg("check", *XYZ, "--grad", "n4=1", "--node", "f=-20").returncode == 0


def test_output_name_when_f_is_taken():
    d = strict_json(invoke("eval", "f*x", "--f", "2", "--x", "3", "--json").out)
    assert d["nodes"][-1]["name"] == "out"
    d = strict_json(invoke("eval", "f*out", "--f", "2", "--out", "3", "--json").out)
    assert d["nodes"][-1]["name"] == "output"


def test_a_named_output_and_a_constant_keep_their_names():
    assert "The output is g = -12." in invoke(
        "explain", "p = x + y; g = p * z", "--x", "1", "--y", "3", "--z", "-3").out
    d = strict_json(invoke("eval", "2", "--json").out)           # a constant output: its value
    assert "name" not in d["nodes"][-1]
    d = strict_json(invoke("eval", "2*pi", "--json").out)        # an unnamed gate: f
    assert d["nodes"][-1]["name"] == "f"


def test_program_file_header(cg, monkeypatch):
    monkeypatch.chdir(ROOT)
    out = cg("explain", "examples/micrograd_readme.cg").out
    first = out.splitlines()[0]
    assert first == "Backpropagation through examples/micrograd_readme.cg (12 statements)"
    assert "#" not in first and "micrograd.engine" not in out.splitlines()[0]
    md = cg("explain", "examples/micrograd_readme.cg", "--format", "markdown").out
    assert md.splitlines()[0] == "# Backpropagation through `examples/micrograd_readme.cg` (12 statements)"
    p = cg("explain", "-", "--x", "3", input="# a comment\nq = x*x\nq + 1\n")
    assert p.out.splitlines()[0] == "Backpropagation through the program on stdin (2 statements)"
    assert cg("explain", *XYZ).out.splitlines()[0] == "Backpropagation through (x+y)*z"


def test_program_file_header_in_process_cwd(monkeypatch):
    monkeypatch.chdir(ROOT)
    tex = invoke("explain", "examples/micrograd_readme.cg", "--format", "latex").out
    assert r"\section*{Backpropagation through \texttt{examples/micrograd\_readme.cg} (12 statements)}" in tex


@needs_dot
def test_html_gate_rules_and_decimals_in_the_picture(tmp_path):
    page = tmp_path / "p.html"
    assert run_cg("explain", "sigmoid(x)", "--x", "1", "--format", "html", "-o", str(page)).returncode == 0
    rules = re.findall(r"<li><b>(\w+)</b>", page.read_text())
    assert rules == ["sigmoid"]
    assert run_cg("explain", "x*y + x", "--x", "3", "--y", "-2", "--decimals", "2", "--format", "html",
                  "-o", str(page)).returncode == 0
    text = page.read_text()
    assert re.findall(r"<li><b>(\w+)</b>", text) == ["add", "mul"]
    svg = text[text.index("<svg"):text.index("</svg>")]
    values = re.findall(r">(?:value|grad) ([^<]*)<", svg)
    assert values and all(re.fullmatch(r"(&#45;|-)?\d+\.\d\d", v) for v in values), values
    p = run_cg("explain", str(ROOT / "examples" / "micrograd_readme.cg"), "--format", "html", "-o", str(page))
    assert p.returncode == 0
    head = page.read_text()
    head = head[head.index("<h1>"):head.index("</h1>")]
    assert "micrograd_readme.cg</code> (12 statements)" in head and "micrograd.engine" not in head
