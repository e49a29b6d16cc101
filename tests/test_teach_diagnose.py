"""Diagnostics: dead relus, saturated sigmoid/tanh, zero and vanishing variable gradients.
Warnings only: the numbers and the exit code never change."""
from __future__ import annotations

import math

import pytest

from cgcli import evaluate
from cgcli.teach.diagnose import LIMIT, SATURATED, TINY, diagnose
from cgtest import strict_json


def _sig(a):
    return 1 / (1 + math.exp(-a))


def test_dead_relu():
    w = diagnose(evaluate("relu(w*x + b) + v", w=1, x=-2, b=0.5, v=3))
    assert any(s.startswith("dead relu at n") and "input is -1.5 <= 0" in s for s in w)
    # w, x, b get gradient 0 through it; v does not
    for name in ("w", "x", "b"):
        assert any(s.startswith(f"{name} gets gradient 0: every path") for s in w)
    assert not any(s.startswith("v ") for s in w)


def test_relu_at_exactly_zero_is_dead_and_positive_is_not():
    assert any("dead relu" in s for s in diagnose(evaluate("relu(x)", x=0)))
    assert diagnose(evaluate("relu(x)", x=1e-300)) == []


@pytest.mark.parametrize("op, local", [("sigmoid", lambda a: _sig(a) * (1 - _sig(a))),
                                       ("tanh", lambda a: 1 - math.tanh(a) ** 2)])
def test_saturation_threshold(op, local):
    # find where the local gradient crosses SATURATED, independently, by bisection
    lo, hi = 0.0, 50.0
    for _ in range(200):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if local(mid) >= SATURATED else (lo, mid)
    inside, outside = lo * 0.99, hi * 1.01
    assert not any("saturated" in s for s in diagnose(evaluate(f"{op}(x)", x=inside)))
    for x in (outside, -outside, 30.0):
        w = diagnose(evaluate(f"{op}(x)", x=x))
        assert any(s.startswith(f"saturated {op} at f = {op}(x)") for s in w), (x, w)


def test_saturated_sigmoid_message_and_vanishing_variable():
    r = evaluate("sigmoid(w*x) + y", w=5, x=3, y=1)
    w = diagnose(r)
    assert any("saturated sigmoid" in s and "vanishing gradient" in s for s in w)
    ratio = abs(r.gradients["w"]) / abs(r.gradients["y"])
    assert ratio < TINY
    assert any(s.startswith("w's gradient") and "tiny next to the largest (y's, 1)" in s for s in w)


def test_variable_that_does_not_reach_the_output():
    w = diagnose(evaluate("q = x*2; y + 1", x=1, y=2))
    assert "x gets gradient 0: it does not reach the output" in w


def test_product_with_zero():
    w = diagnose(evaluate("x*y", x=3, y=0))
    assert any(s.startswith("x gets gradient 0: every path") for s in w)
    assert not any(s.startswith("y ") for s in w)


def test_healthy_expression_has_no_warnings():
    assert diagnose(evaluate("sigmoid(w0*x0 + w1*x1 + w2)", w0=2, x0=-1, w1=-3, x1=-2, w2=-3)) == []
    assert diagnose(evaluate("2*pi")) == []


def test_limit_per_kind():
    n = LIMIT + 3
    program = " + ".join(f"relu(x{i})" for i in range(n))
    w = diagnose(evaluate(program, {f"x{i}": -1 for i in range(n)}))
    assert sum(s.startswith("dead relu") for s in w) == LIMIT
    assert "... and 3 more dead gates" in w
    assert "... and 3 more variables with gradient 0" in w


def test_relu_on_a_constant_is_not_flagged():
    assert diagnose(evaluate("relu(-1) + x", x=2)) == []


def test_deep_expression():
    depth = 20000
    r = evaluate("relu(" * depth + "x" + ")" * depth, x=-1)
    w = diagnose(r)
    assert len([s for s in w if s.startswith("dead relu")]) == LIMIT


# --- through the CLI: warnings only ------------------------------------------------------------

DEAD = ["relu(w*x + b)", "--w", "1", "--x", "-2", "--b", "0.5"]


@pytest.mark.parametrize("cmd", ["eval", "explain"])
def test_cli_warnings_do_not_change_numbers_or_exit_code(cmd, cg):
    p = cg(cmd, *DEAD, "--json")
    assert p.returncode == 0
    d = strict_json(p.out)
    assert d["value"] == 0 and d["gradients"] == {"w": 0, "x": 0, "b": 0}
    assert any(s.startswith("dead relu") for s in d["warnings"])
    assert "cg: warning: dead relu" in p.err
    q = cg(cmd, *DEAD)
    assert q.returncode == 0
    assert "warning: dead relu" in q.out


def test_cli_table_then_warnings(cg):
    p = cg("eval", "sigmoid(x)*y", "--x", "-12", "--y", "2")
    assert p.returncode == 0
    table_end = p.out.rindex("└")
    assert p.out.index("warning: saturated sigmoid") > table_end


def test_cli_healthy_json_has_empty_warnings(cg):
    p = cg("eval", "(x+y)*z", "--x", "2", "--y", "3", "--z", "-4", "--json")
    assert strict_json(p.out)["warnings"] == [] and p.err == ""
