"""cg eval --check: every gradient of the backward pass against central finite differences."""
from __future__ import annotations

import subprocess
import sys

import pytest
from cgtest import invoke, run_cg, strict_json

from cgcli import parse
from cgcli.check.gradcheck import TOLERANCE, check
from cgcli.core.ops import OPS


def op_expression(op) -> str:
    """The op applied to smooth inner functions of x and y, written from the op table."""
    a, b = "(0.8*x + 0.3*y)", "(y + 0.1*x)"
    if op.infix:
        return f"{a} {op.symbol} {b}"
    if op.arity == 1 and op.prec < 9:
        return f"{op.symbol}{a}"
    if op.arity == 1:
        return f"{op.symbol}({a})"
    return f"{op.symbol}({a}, {b})"


POINTS = [{"x": 0.7, "y": 1.3}, {"x": -0.6, "y": 0.45}, {"x": 2.5, "y": -1.7}]
TABLE_OPS = [op for op in OPS if op.arity]


@pytest.mark.parametrize("op", TABLE_OPS, ids=[op.name for op in TABLE_OPS])
def test_check_passes_for_every_op_of_the_table(op):
    expr = op_expression(op)
    checked = 0
    for point in POINTS:
        argv = ["eval", expr, "--check", "--json"] + [a for k, v in point.items() for a in (f"--{k}", str(v))]
        p = invoke(*argv)
        if p.returncode == 3:              # outside the op's domain at this point (log, sqrt, pow)
            continue
        assert p.returncode == 0, (expr, point, p.err)
        d = strict_json(p.out)["check"]
        assert d["passed"] is True
        for name, v in d["variables"].items():
            assert v["verdict"] == "ok", (expr, point, name, v)
            assert v["error"] <= TOLERANCE
        checked += 1
    assert checked >= 1, f"{op.name}: no point of the test is inside its domain"


def test_check_over_every_op_through_the_installed_command():
    expr = " + ".join(f"0.1*{op_expression(op)}" for op in TABLE_OPS if op.name not in ("log", "sqrt"))
    expr += " + log(x*x + 1) + sqrt(y*y + 2)"
    p = run_cg("eval", expr, "--x", "0.7", "--y", "1.3", "--check", "--format", "tree")
    assert p.returncode == 0, p.err
    assert "gradient check passed" in p.out


def test_table_output_lists_every_variable(cg):
    p = cg("eval", "x^2*sin(y)", "--x", "2", "--y", "1", "--check", "--format", "table")
    assert p.returncode == 0, p.err
    assert "gradient check passed: max relative error" in p.out
    assert "│ x " in p.out and "│ y " in p.out


def _wrong_sin_argv():
    code = OPS[[op.name for op in OPS].index("sin")].code
    script = ("import sys, cgcli.core.passes as p; "
              f"p._LOCAL[{code}] = lambda a, out: 1.01; "       # sin' = 1.01: a wrong op table entry
              "from cgcli.cli.main import main; sys.exit(main(sys.argv[1:]))")
    return script


def test_a_wrong_gradient_exits_1_in_process(monkeypatch):
    import cgcli.core.passes as passes
    code = [op.name for op in OPS].index("sin")
    local = list(passes._LOCAL)
    local[code] = lambda a, out: 1.01
    monkeypatch.setattr(passes, "_LOCAL", local)
    p = invoke("eval", "sin(x)*y", "--x", "0.5", "--y", "2", "--check", "--format", "tree")
    assert p.returncode == 1, p.err
    assert "gradient check FAILED for x (mismatch)" in p.err
    j = invoke("eval", "sin(x)*y", "--x", "0.5", "--y", "2", "--check", "--json")
    assert j.returncode == 1
    d = strict_json(j.out)["check"]
    assert d["passed"] is False
    assert d["variables"]["x"]["verdict"] == "mismatch"
    assert d["variables"]["y"]["verdict"] == "ok"


def test_a_wrong_gradient_exits_1_as_a_process():
    p = subprocess.run([sys.executable, "-c", _wrong_sin_argv(), "eval", "sin(x)", "--x", "0.5", "--check"],
                       capture_output=True, text=True, timeout=60)
    assert p.returncode == 1, p.stderr
    assert "gradient check FAILED" in p.stderr
    assert "Traceback" not in p.stderr


def test_kink_is_not_a_failure(cg):
    p = cg("eval", "relu(x) + abs(y)", "--x", "0", "--y", "0", "--check", "--json")
    assert p.returncode == 0, p.err
    v = strict_json(p.out)["check"]["variables"]
    assert v["x"]["verdict"] == "kink"
    assert "not differentiable here" in v["x"]["note"]
    assert v["y"]["verdict"] == "ok"              # abs: the central difference is 0, as is cg's
    q = cg("eval", "max(x, y) + 2*abs(y)", "--x", "0", "--y", "0", "--check", "--json")
    assert q.returncode == 0, q.err
    v = strict_json(q.out)["check"]["variables"]
    assert v["x"]["verdict"] == v["y"]["verdict"] == "kink"     # ties route to the first


def test_infinite_and_undefined_gradients_are_reported_not_failed(cg):
    p = cg("eval", "sqrt(x) + y^z", "--x", "0", "--y", "-2", "--z", "2", "--check", "--json")
    assert p.returncode == 0, p.err
    v = strict_json(p.out)["check"]["variables"]
    assert v["x"]["verdict"] == "infinite" and v["x"]["grad"] == "inf"
    assert v["z"]["verdict"] == "undefined" and v["z"]["numeric"] == "nan"
    assert v["y"]["verdict"] == "ok"


def test_step_is_chosen_per_variable():
    g = parse("sqrt(x) + 1e6*exp(y)")
    r = check(g, {"x": 1e-9, "y": 3.0})
    by = {v.name: v for v in r.variables}
    assert r.passed, [(v.name, v.verdict, v.error) for v in r.variables]
    assert by["x"].step < 1e-12 < by["y"].step           # near sqrt's singularity a tiny step
    assert by["x"].verdict == by["y"].verdict == "ok"


def test_near_a_domain_edge_the_difference_is_one_sided():
    g = parse("sqrt(x - 1)")
    r = check(g, {"x": 1 + 1e-300})
    assert r.variables[0].verdict in ("one-sided", "ok", "infinite", "no estimate")
    assert r.passed


def test_check_is_an_api_for_other_commands():
    from cgcli.core.passes import run
    g = parse("(x+y)*z")
    point = {"x": 2, "y": 3, "z": -4}
    r = check(g, point, run(g, point).grads)
    assert r.passed and r.max_error <= TOLERANCE
    assert [v.name for v in r.variables] == ["x", "y", "z"]
    assert [v.grad for v in r.variables] == [-4, -4, 5]


# --- cg check --verify: the same checker behind the grading command -------------------------------

def test_check_verify_passes_and_reports(cg):
    p = cg("check", "sigmoid(w*x + b)", "--w", "2", "--x", "-1", "--b", "0.5", "--value", "0.18242552380635632",
           "--verify", "--json")
    assert p.returncode == 0, p.err
    d = strict_json(p.out)
    assert d["schema"] == "cg.check/1" and d["passed"] is True
    assert d["verify"]["passed"] is True
    assert set(d["verify"]["variables"]) == {"w", "x", "b"}
    t = cg("check", "(x+y)*z", "--x", "2", "--y", "3", "--z", "-4", "--grad", "z=5", "--verify")
    assert t.returncode == 0, t.err
    assert "gradient check passed" in t.out


def test_check_verify_fails_on_a_wrong_gradient_even_with_right_answers(monkeypatch):
    import cgcli.core.passes as passes
    code = [op.name for op in OPS].index("sin")
    local = list(passes._LOCAL)
    local[code] = lambda a, out: 1.01
    monkeypatch.setattr(passes, "_LOCAL", local)
    p = invoke("check", "sin(x)", "--x", "0.5", "--value", "0.479425538604203", "--verify")
    assert p.returncode == 1, (p.out, p.err)
    assert "--verify: gradient check FAILED for x" in p.err
    q = subprocess.run([sys.executable, "-c", _wrong_sin_argv(), "check", "sin(x)", "--x", "0.5",
                        "--value", "0.479425538604203", "--verify"], capture_output=True, text=True, timeout=60)
    assert q.returncode == 1, q.stderr


def test_check_verify_on_a_homework_file(cg, tmp_path):
    f = tmp_path / "hw.toml"
    f.write_text('[[problem]]\nid = "a"\nexpression = "x*y"\ninputs = {x = 2, y = 3}\nvalue = 6\n')
    p = cg("check", str(f), "--verify", "--json")
    assert p.returncode == 0, p.err
    d = strict_json(p.out)
    assert d["verify"]["a"]["passed"] is True


def test_check_verify_is_not_for_points(cg):
    p = cg("check", "x*y", "--x", "1", "--points", "-", "--verify", input="")
    assert p.returncode == 2
    assert "--verify" in p.err


@pytest.mark.parametrize("extra", [["--get", "grad.x"], ["--points", "-"], ["--format", "toml"]])
def test_eval_check_refuses_the_scripting_outputs(extra, cg):
    p = cg("eval", "x*y", "--x", "1", "--y", "2", "--check", *extra, input="")
    assert p.returncode == 2
    assert "--check goes with the table, tree or json output" in p.err and "Traceback" not in p.err


def test_eval_check_goes_with_expand_sort_and_depth(cg):
    """The teaching options and the check combine: with --expand the check runs on the primitive
    gates (recip, exp, ...), and agrees with the block form's gradients."""
    args = ["eval", "sigmoid(w*x + b) + tanh(x)", "--w", "2", "--x", "0.5", "--b", "-1", "--check"]
    block = strict_json(cg(*args, "--json").out)
    p = cg(*args, "--expand", "--json")
    assert p.returncode == 0, p.err
    d = strict_json(p.out)
    assert d["check"]["passed"] is True
    assert {v["verdict"] for v in d["check"]["variables"].values()} == {"ok"}
    for name, g in block["gradients"].items():
        assert abs(d["gradients"][name] - g) <= 1e-12 * max(1.0, abs(g))
    q = cg(*args, "--expand", "--sort", "grad", "--format", "table")
    assert q.returncode == 0, q.err
    assert "recip" in q.out and "gradient check passed" in q.out
    r = cg(*args, "--format", "tree", "--depth", "2")
    assert r.returncode == 0, r.err
    assert "gradient check passed" in r.out
