"""--expand: composite ops lowered to primitive gates give the same values and gradients."""
from __future__ import annotations

import math

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from cgcli import DomainError, run
from cgcli import parse
from cgcli.teach.expand import expand
from cgcli.core.ops import BY_NAME, OPS
from cgtest import strict_json

COMPOSITES = [op.name for op in OPS if op.expand]


def test_the_table_has_composites():
    assert {"sigmoid", "tanh"} <= set(COMPOSITES)


def _expr():
    leaf = st.sampled_from(["x", "y", "z", "2", "0.5", "-1"])

    def grow(inner):
        return st.one_of(
            st.tuples(inner, st.sampled_from(["+", "-", "*"]), inner).map(lambda t: f"({t[0]} {t[1]} {t[2]})"),
            st.tuples(st.sampled_from(["sigmoid", "tanh", "sin", "relu"]), inner).map(lambda t: f"{t[0]}({t[1]})"),
            inner.map(lambda a: f"{a} / (1 + {a}^2)"),
            inner.map(lambda a: f"-{a}"),
        )
    return st.recursive(leaf, grow, max_leaves=12)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_expr(), st.floats(-3, 3), st.floats(-3, 3), st.floats(-3, 3))
def test_expand_keeps_values_and_gradients(text, x, y, z):
    g = parse(text)
    point = {k: v for k, v in {"x": x, "y": y, "z": z}.items() if k in g.variables}
    try:
        plain = run(g, point)
        lowered = run(expand(g), point)
    except DomainError:
        assume(False)
    assert not any(BY_NAME[n].code in set(lowered.graph.ops) for n in COMPOSITES)
    assert list(lowered.graph.variables) == list(g.variables)
    assert math.isclose(lowered.value, plain.value, rel_tol=1e-9, abs_tol=1e-9)
    for name, grad in plain.gradients.items():
        assert math.isclose(lowered.gradients[name], grad, rel_tol=1e-7, abs_tol=1e-9), (name, text)


def test_seed_gates():
    """The seed's gate-by-gate neuron: *, *, +, +, then *-1, exp, +1, 1/x."""
    g = expand(parse("sigmoid(w0*x0 + w1*x1 + w2)"))
    gates = [(OPS[g.ops[i]].name, [g.const[a] for a in g.inputs(i) if OPS[g.ops[a]].name == "const"])
             for i in range(len(g)) if OPS[g.ops[i]].arity]
    assert gates == [("mul", []), ("mul", []), ("add", []), ("add", []),
                     ("mul", [-1.0]), ("exp", []), ("add", [1.0]), ("recip", [])]


def test_names_survive_expansion():
    g = expand(parse("h = sigmoid(w*x); t = tanh(h); t * h"))
    r = run(g, {"w": 0.5, "x": 2})
    assert set(g.assigned) == {"h", "t"}
    assert g.names[g.assigned["h"]] == "h"
    ref = run(parse("h = sigmoid(w*x); t = tanh(h); t * h"), {"w": 0.5, "x": 2})
    assert math.isclose(r.values[g.assigned["t"]], ref.values[ref.graph.assigned["t"]], rel_tol=1e-12)


def test_no_composite_means_same_graph():
    g = parse("x*y + 1")
    assert expand(g) is g


def test_template_constants_are_folded():
    # "a * -1" multiplies by one constant -1 node, not by a negation of the constant 1
    g = expand(parse("sigmoid(x)"))
    assert "neg" not in [OPS[c].name for c in g.ops]
    assert sorted(g.const[i] for i in range(len(g)) if OPS[g.ops[i]].name == "const") == [-1.0, 1.0]


@pytest.mark.parametrize("cmd", ["eval", "explain"])
def test_expand_option_same_gradients(cmd, cg):
    args = ["sigmoid(w0*x0 + w1*x1 + w2) * tanh(x0)", "--w0", "2", "--x0", "-1", "--w1", "-3",
            "--x1", "-2", "--w2", "-3", "--json"]
    a = strict_json(cg(cmd, *args).out)
    b = strict_json(cg(cmd, *args, "--expand").out)
    assert a["gradients"].keys() == b["gradients"].keys()
    for k in a["gradients"]:
        assert math.isclose(a["gradients"][k], b["gradients"][k], rel_tol=1e-12)
    if cmd == "eval":
        ops = [n["op"] for n in b["nodes"]]
        assert "sigmoid" not in ops and "tanh" not in ops and "recip" in ops and "exp" in ops


def test_expand_in_graph(cg):
    p = cg("graph", "sigmoid(x)", "--expand", "--format", "mermaid")
    assert p.returncode == 0, p.err
    assert "recip(" in p.out and "exp(" in p.out and "sigmoid" not in p.out


def test_expanded_tails_overflow_is_a_domain_error(cg):
    # the block form is numerically stable in the tails; the written-out gates are not
    assert cg("eval", "sigmoid(x)", "--x", "-1000").returncode == 0
    p = cg("eval", "sigmoid(x)", "--x", "-1000", "--expand")
    assert p.returncode == 3 and "exp" in p.err


def test_expand_with_get_and_points(cg):
    p = cg("eval", "sigmoid(w*x)", "--w", "2", "--x", "1", "--expand", "--get", "grad.w")
    assert p.returncode == 0, p.err
    assert math.isclose(float(p.out), strict_json(cg("eval", "sigmoid(w*x)", "--w", "2", "--x", "1", "--json").out)["gradients"]["w"], rel_tol=1e-12)
    q = cg("eval", "sigmoid(w*x)", "--points", "-", "--expand", input='{"w": 1, "x": 2}\n')
    assert q.returncode == 2 and "do not apply to --points" in q.err
