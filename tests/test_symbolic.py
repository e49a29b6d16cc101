"""cg diff: the command, its formats, and the simplifier's and printer's promises."""
from __future__ import annotations

import math
import random

import pytest
from cgtest import invoke, run_cg, strict_json

from cgcli import evaluate
from cgcli import parse
from cgcli.symbolic.infix import render
from cgcli.core.passes import forward
from cgcli.symbolic.simplify import Store, to_graph
from cgcli.symbolic.diff import Derivatives, diff, notation


def d_text(expr, *wrt):
    """The plain text of one derivative, computed in-process."""
    r = diff(parse(expr), [tuple(wrt)])
    p = render(r.graph, r.roots)
    return p.text(r.roots[0])


# --- the examples ---------------------------------------------------------------------

def test_wrt_prints_the_bare_derivative(cg):
    p = cg("diff", "(x+y)*z", "--wrt", "x")
    assert p.returncode == 0, p.err
    assert p.out == "z\n"


def test_every_variable_one_line_each(cg):
    p = cg("diff", "(x+y)*z")
    assert p.returncode == 0, p.err
    assert p.out.splitlines() == ["∂f/∂x = z", "∂f/∂y = z", "∂f/∂z = x + y"]


def test_values_evaluate_every_derivative(cg):
    p = cg("diff", "(x+y)*z", "--x", "2", "--y", "3", "--z", "-4")
    assert p.returncode == 0, p.err
    assert p.out.splitlines() == ["∂f/∂x = z = -4", "∂f/∂y = z = -4", "∂f/∂z = x + y = 5"]


@pytest.mark.parametrize("expr, want", [
    ("sigmoid(x)", "sigmoid(x)*(1 - sigmoid(x))"),
    ("(x+y)*z", "z"),
    ("tanh(x)", "1 - tanh(x)^2"),
    ("sqrt(x)", "1/(2*sqrt(x))"),
    ("x^3", "3*x^2"),
    ("sin(x)*x", "sin(x) + x*cos(x)"),
    ("log(x)/x", "(1 - log(x))/x^2"),
    ("exp(-x^2)", "-2*x*exp(-x^2)"),
    ("x/y", "1/y"),
    ("recip(x)", "-1/x^2"),
    ("recip(x^2 + 1)", "-2*x/(x^2 + 1)^2"),
])
def test_textbook_forms(expr, want):
    assert d_text(expr, "x") == want


def test_neuron_shares_the_sigmoid_once(cg):
    p = cg("diff", "sigmoid(w0*x0 + w1*x1 + w2)")
    assert p.returncode == 0, p.err
    lines = p.out.splitlines()
    assert lines[0] == "∂f/∂w0 = x0*s*(1 - s)"
    assert lines[-1] == "where s = sigmoid(w0*x0 + w1*x1 + w2)"
    assert len(lines) == 6


def test_neuron_values_match_the_backward_pass():
    point = {"w0": 2, "x0": -1, "w1": -3, "x1": -2, "w2": -3}
    expr = "sigmoid(w0*x0 + w1*x1 + w2)"
    p = run_cg("diff", expr, "--json", *[a for k, v in point.items() for a in (f"--{k}", str(v))])
    assert p.returncode == 0, p.err
    d = strict_json(p.out)
    grads = evaluate(expr, point).gradients
    for der in d["derivatives"]:
        assert math.isclose(der["value"], grads[der["wrt"][0]], rel_tol=1e-12)
    assert d["where"][0]["name"] == "s"
    assert math.isclose(d["where"][0]["value"], 0.7310585786300049)


def test_second_order_by_order_and_by_repeated_wrt(cg):
    a = cg("diff", "x^3*y", "--order", "2")
    assert a.returncode == 0, a.err
    assert a.out.splitlines() == ["∂²f/∂x² = 6*x*y", "∂²f/∂y∂x = 3*x^2", "∂²f/∂y² = 0"]
    b = cg("diff", "x^3*y", "--wrt", "x", "--wrt", "x")
    assert b.out == "6*x*y\n"
    c = cg("diff", "x^3*y", "--wrt", "x", "--order", "2")
    assert c.out == "6*x*y\n"
    d = cg("diff", "x^3*y", "--wrt", "x", "--order", "3")
    assert d.out == "6*y\n"


def test_notation():
    assert notation(("x",)) == "∂f/∂x"
    assert notation(("x", "x")) == "∂²f/∂x²"
    assert notation(("x", "y")) == "∂²f/∂y∂x"
    assert notation(("x", "x", "y")) == "∂³f/∂y∂x²"


def test_hessian_table_symbolic_and_numeric(cg):
    p = cg("diff", "x^3*y", "--hessian", "--x", "1", "--y", "2")
    assert p.returncode == 0, p.err
    assert "6*x*y" in p.out and "3*x^2" in p.out
    assert "Hessian at x = 1, y = 2" in p.out
    rows = [line for line in p.out.splitlines() if line.startswith("│ x │") or line.startswith("│ y │")]
    assert [r.split("│")[2:4] for r in rows][-2:] == [[" 12 ", " 3 "], ["  3 ", " 0 "]]


def test_hessian_json_and_latex(cg):
    p = cg("diff", "x^2*y + sin(y)", "--hessian", "--json", "--x", "1", "--y", "0.5")
    assert p.returncode == 0, p.err
    d = strict_json(p.out)
    h = d["hessian"]
    assert h["variables"] == ["x", "y"]
    assert h["expressions"] == [["2*y", "2*x"], ["2*x", "-sin(y)"]]
    assert h["values"][0] == [1, 2] and math.isclose(h["values"][1][1], -math.sin(0.5))
    t = cg("diff", "x^2*y", "--hessian", "--format", "latex")
    assert t.out.startswith(r"H = \begin{pmatrix} 2 \cdot y & 2 \cdot x \\ 2 \cdot x & 0 \end{pmatrix}")


def test_latex_format(cg):
    p = cg("diff", "sqrt(x)/y", "--format", "latex", "--wrt", "x")
    assert p.returncode == 0, p.err
    assert p.out == r"\frac{\partial f}{\partial x} = \frac{1}{2 \cdot \sqrt{x} \cdot y}" + "\n"
    q = cg("diff", "sigmoid(w0*x0 + w2)", "--format", "latex", "--wrt", "w0")
    assert r"\text{where } s = \sigma\left(w_{0} \cdot x_{0} + w_{2}\right)" in q.out


def test_one_latex_convention_for_diff_and_explain():
    """The op table's `latex` template is read by one helper (cgcli.symbolic.infix) for both printers:
    an op over plain operands prints the same in cg diff's LaTeX and in cg explain's."""
    from cgcli.core.ops import OPS
    from cgcli.core.passes import run
    from cgcli.teach.steps import walk
    from cgcli.views.explain import Explainer
    for op in OPS:
        if not op.arity:
            continue
        text = f"a {op.symbol} b" if op.infix else (
            f"{op.symbol}(a)" if op.arity == 1 else f"{op.symbol}(a, b)")
        g = parse(text)
        r = run(g, {n: 0.5 for n in g.variables})
        explained = Explainer(r, walk(r), latex=True).formula(g.output)
        assert render(g, [g.output], "latex", share=False).text(g.output) == explained, op.name
        assert "$" not in explained and "#" not in explained


@pytest.mark.parametrize("text, want", [
    ("recip(x + 1)^2", r"\left(\frac{1}{x + 1}\right)^{2}"),     # a fraction as a base: parentheses
    ("(x/y)^2", r"\left(\frac{x}{y}\right)^{2}"),
    ("sqrt(x)^2", r"\sqrt{x}^{2}"),
    ("y*recip(x)", r"y \cdot \frac{1}{x}"),
    ("max(x - 1, abs(y))", r"\max\left(x - 1, \left|y\right|\right)"),
    ("relu(-x)", r"\operatorname{relu}\left(-x\right)"),
    ("alpha*w0 + x_max*my_var + pi", r"\alpha \cdot w_{0} + x_{\mathit{max}} \cdot \mathit{my\_var} + \pi"),
])
def test_latex_printer(text, want):
    g = parse(text)
    assert render(g, [g.output], "latex", share=False).text(g.output) == want


def test_cg_format_is_a_program_cg_reads_back():
    p = run_cg("diff", "sigmoid(w0*x0 + w1*x1 + w2)", "--wrt", "w0", "--format", "cg")
    assert p.returncode == 0, p.err
    assert p.out == "s = sigmoid(w0*x0 + w1*x1 + w2)\nx0*s*(1 - s)\n"
    point = ["--w0", "2", "--x0", "-1", "--w1", "-3", "--x1", "-2", "--w2", "-3"]
    q = run_cg("eval", "-", "--json", *point, input=p.out)
    assert q.returncode == 0, q.err
    want = evaluate("sigmoid(w0*x0 + w1*x1 + w2)", w0=2, x0=-1, w1=-3, x1=-2, w2=-3).gradients["w0"]
    assert math.isclose(strict_json(q.out)["value"], want, rel_tol=1e-12)


def test_json_schema(cg):
    p = cg("diff", "x*y", "--json")
    assert p.returncode == 0, p.err
    d = strict_json(p.out)
    assert d["schema"] == "cg.diff/1"
    assert d["variables"] == ["x", "y"]
    assert "inputs" not in d and "value" not in d
    assert [x["wrt"] for x in d["derivatives"]] == [["x"], ["y"]]
    assert [x["expression"] for x in d["derivatives"]] == ["y", "x"]
    assert set(d["derivatives"][0]) == {"wrt", "notation", "expression", "program", "latex"}


def test_json_non_finite_values_are_strings(cg):
    p = cg("diff", "sqrt(x)", "--json", "--x", "0")
    assert p.returncode == 0, p.err
    d = strict_json(p.out)
    assert d["derivatives"][0]["value"] in ("inf", "nan")
    assert d["warnings"]


def test_stdin_program(cg):
    p = cg("diff", "-", "--wrt", "x", input="q = x*x\nq*y\n")
    assert p.returncode == 0, p.err
    assert p.out == "2*x*y\n"


def test_no_variables(cg):
    p = cg("diff", "2+3")
    assert p.returncode == 0
    assert "no variables" in p.out


# --- errors and exit codes --------------------------------------------------------------------

@pytest.mark.parametrize("argv, code, text", [
    (("diff", "x*y", "--wrt", "q"), 2, "q is not a variable"),
    (("diff", "x*y", "--x", "1"), 2, "missing value for y"),
    (("diff", "x*y", "--format", "bogus"), 2, "unknown format"),
    (("diff", "x*y", "--hessian", "--order", "2"), 2, "drop --order"),
    (("diff", "x*y", "--wrt", "x", "--wrt", "y", "--order", "3"), 2, "does not match"),
    (("diff", "x*y", "--order", "0"), 2, ""),
    (("diff", "2x"), 2, "syntax error"),
    (("diff",), 2, "no expression"),
    (("diff", "log(x)", "--x", "-1"), 3, "math domain error in log(x)"),
])
def test_exit_codes(cg, argv, code, text):
    p = cg(*argv)
    assert p.returncode == code, (p.out, p.err)
    assert text in p.err
    assert "Traceback" not in p.err


# --- the simplifier ---------------------------------------------------------------------------

def _text(store, i, variables=("x", "y", "z")):
    g, (r,) = to_graph(store, [i], variables)
    return render(g, [r]).text(r)


@pytest.mark.parametrize("expr, want", [
    ("x*1", "x"), ("1*x", "x"), ("x+0", "x"), ("0+x", "x"), ("x-0", "x"), ("x*0", "0"),
    ("x^1", "x"), ("x^0", "1"), ("--x", "x"), ("-(-(-x))", "-x"), ("x-x", "0"), ("x/x", "1"),
    ("x+x", "2*x"), ("x*x", "x^2"), ("x*x*x/x", "x^2"), ("2*x+3*x", "5*x"), ("x*2", "2*x"),
    ("2*3*x", "6*x"), ("(2+3)*x", "5*x"), ("sin(0)", "0"), ("x^y*x", "x^(y + 1)"),
    ("x*y*3*x", "3*x^2*y"), ("x - (x - y)", "y"), ("(x^2)^3", "x^6"), ("-(x - y)", "y - x"),
    ("x/2", "x/2"), ("1.5*x", "1.5*x"), ("log(e)*x", "x"), ("2*pi*x", "2*pi*x"),
    ("recip(x)*x", "1"), ("y*recip(x)", "y/x"), ("recip(x) + 1/x", "2/x"), ("recip(2)*x", "x/2"),
])
def test_simplifier_identities(expr, want):
    s = Store()
    from cgcli.symbolic.simplify import to_store
    g = parse(expr)
    m = to_store(g, s)
    assert _text(s, m[g.output]) == want


def test_simplifier_is_hash_consed():
    s = Store()
    x, y = s.variable("x"), s.variable("y")
    a = s.add(s.mul(x, y), s.num(1))
    b = s.add(s.num(1), s.mul(y, x))
    assert a == b


def test_factoring_takes_common_factors_out():
    assert d_text("(exp(x) * x^x) / (x^3 * z)", "x") == "x^(x - 4)*exp(x)*(2*x + x*log(x) - 3)/z"


def test_shared_subexpressions_are_named_once():
    expr = "sigmoid(x*y + z)^2 + tanh(x*y + z)"
    r = diff(parse(expr), [("x",), ("y",), ("z",)])
    p = render(r.graph, r.roots)
    defs = p.definitions()
    assert defs, "the shared sigmoid and tanh should be named"
    texts = [p.text(i) for i in r.roots] + [t for _, t, _ in defs]
    for name, body, _ in defs:
        uses = sum(t.replace("(", " ").replace(")", " ").replace("*", " ").split().count(name) for t in texts)
        assert uses >= 2, (name, body, texts)
    point = {"x": 0.3, "y": -1.2, "z": 0.7}
    grads = evaluate(expr, point).gradients
    for wrt, root in zip(r.wrts, r.roots):
        assert math.isclose(_value(p.program(root), point), grads[wrt[0]], rel_tol=1e-12)


def test_where_names_avoid_the_variables():
    r = diff(parse("sigmoid(s*t + u)^2"), [("s",)])
    p = render(r.graph, r.roots, reserved=r.variables)
    for name, _, _ in p.definitions():
        assert name not in ("s", "t", "u")


# --- the printer: parses back to the same values -------------------------------------------------

def test_printer_round_trips_random_expressions():
    import sympy_oracle as so
    rng = random.Random(5)
    for _ in range(200):
        text = so.random_expression(rng, depth=4)
        g = parse(text)
        p = render(g, [g.output], share=False)
        back = parse(p.text(g.output))
        point = {v: rng.uniform(0.2, 2.0) for v in g.variables}
        try:
            want = forward(g, point)[g.output]
        except Exception:
            continue
        got = forward(back, point)[back.output]
        assert math.isclose(got, want, rel_tol=1e-12, abs_tol=1e-12), (text, p.text(g.output))


def test_printer_parenthesizes_from_the_op_table():
    cases = ["(a - b) - c", "a - (b - c)", "a/(b*c)", "(a/b)/c", "(a^b)^c", "a^b^c", "-(a + b)",
             "(-a)^2", "-a^2", "a*(-b)", "2^-1", "-(-a)", "(a + b)*(c - d)"]
    for text in cases:
        g = parse(text)
        printed = render(g, [g.output], share=False).text(g.output)
        point = {v: 1.0 + 0.37 * k for k, v in enumerate(g.variables)}
        assert _value(printed, point) == _value(text, point), (text, printed)


def _value(text, point):
    g = parse(text)
    return forward(g, {k: v for k, v in point.items() if k in g.variables})[g.output]


# --- scale ---------------------------------------------------------------------------------------

def test_deep_expression_without_recursion():
    depth = 100_000
    text = "(" * depth + "x*y" + ")" * depth + " + " + "-(" * 2000 + "x" + ")" * 2000
    r = diff(parse(text), [("x",), ("y",)])
    p = render(r.graph, r.roots)
    assert [p.text(i) for i in r.roots] == ["y + 1", "x"]


def test_deep_derivative_prints_without_recursion():
    depth = 20_000
    text = "exp(" * depth + "x" + ")" * depth
    g = parse(text)
    d = Derivatives(g)
    gr, roots = d.graph_of([d.get(("x",))])
    p = render(gr, roots)
    assert p.text(roots[0]).count("*") >= 1
    assert len(p.definitions()) > 100


def test_thousand_node_expression_is_fast_enough_to_run():
    import sympy_oracle as so
    rng = random.Random(3)
    parts = []
    while len(parse(" + ".join(parts) or "0")) < 1000:
        parts.append(so.random_expression(rng, depth=5))
    p = run_cg("diff", " + ".join(parts))
    assert p.returncode == 0, p.err
    assert p.out.count("∂f/∂") == 3


def test_a_new_op_is_one_entry_in_the_table(tmp_path):
    """Add `cube` to a copy of the op table: cg diff, its printer and --check pick it up."""
    import os
    import shutil
    import subprocess
    import sys

    import cgcli
    src = os.path.dirname(cgcli.__file__)
    dst = tmp_path / "cgcli"
    shutil.copytree(src, dst, ignore=shutil.ignore_patterns("__pycache__"))
    ops = (dst / "core" / "ops.py").read_text()
    marker = "\n]\n\nfor _code, _op in enumerate(OPS):"
    assert marker in ops
    entry = ('\n    Op("cube", "cube", 1, lambda a: a * a * a, lambda a, out: 3.0 * a * a,'
             ' partials=("3*a^2",), gate="cube: upstream × 3a²"),')
    (dst / "core" / "ops.py").write_text(ops.replace(marker, entry + marker, 1))
    runner = (f"import sys; sys.path.insert(0, {str(tmp_path)!r}); "
              "from cgcli.cli.main import main; sys.exit(main(sys.argv[1:]))")

    def cg(*argv):
        return subprocess.run([sys.executable, "-c", runner, *argv], capture_output=True, text=True,
                              timeout=60, cwd=tmp_path)

    p = cg("diff", "cube(sin(x))", "--x", "0.5", "--json")
    assert p.returncode == 0, p.stderr
    d = strict_json(p.stdout)["derivatives"]
    assert d[0]["expression"] == "3*sin(x)^2*cos(x)"
    assert math.isclose(d[0]["value"], 3 * math.sin(0.5) ** 2 * math.cos(0.5), rel_tol=1e-14)
    assert d[0]["latex"] == r"3 \cdot \sin\left(x\right)^{2} \cdot \cos\left(x\right)"
    q = cg("diff", "cube(x*y)", "--wrt", "x", "--wrt", "x", "--format", "latex")
    assert q.returncode == 0, q.stderr
    assert q.stdout.strip() == r"\frac{\partial^{2} f}{\partial x^{2}} = 6 \cdot x \cdot y^{3}"
    r = cg("eval", "cube(x) + cube(x*y)", "--x", "0.7", "--y", "-1.2", "--check")
    assert r.returncode == 0, r.stderr
    assert "gradient check passed" in r.stdout


def test_command_declarations_have_no_string_annotations():
    """Typer compiles string annotations (from __future__ import annotations) at every call:
    the command modules, cg diff's included, keep real ones for start-up's sake."""
    from cgcli.cli.app import app
    from cgcli.cli.main import import_commands
    import_commands()
    assert any(c.name == "diff" for c in app.registered_commands)
    for c in app.registered_commands:
        hints = c.callback.__annotations__
        assert hints and not any(isinstance(h, str) for h in hints.values()), c.name


def test_first_derivative_where_its_expression_is_undefined_takes_the_backward_pass_value(cg):
    # 1/(2*sqrt(x)) is undefined at 0; cg eval's backward pass says inf (one-sided), and so does diff
    p = cg("diff", "sqrt(x)", "--x", "0", "--json")
    assert p.returncode == 0, p.err
    d = strict_json(p.out)
    assert d["derivatives"][0]["value"] == "inf"
    assert any("backward pass" in w for w in d["warnings"])
    eval_grad = strict_json(cg("eval", "sqrt(x)", "--x", "0", "--json").out)["gradients"]["x"]
    assert eval_grad == "inf"
    # x^y*log(x) at x = 0: the backward pass's convention (0^y is flat in y) gives 0
    d = strict_json(cg("diff", "x^y", "--wrt", "y", "--x", "0", "--y", "2", "--json").out)
    assert d["derivatives"][0]["value"] == 0
