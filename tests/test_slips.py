"""The grading core's new half: mistake diagnosis (cgcli.check.slips), checked against deliberately
broken backward passes on random graphs, and the texts' two slips."""
import math

from hypothesis import HealthCheck, assume, given, settings, strategies as st

from cgtest import expressions, strict_json

from cgcli import CgError, evaluate
from cgcli.check import slips
from cgcli.check.answers import Tolerance, make_answer, rounded_text, sig_figs
from cgcli.check.grading import grade, grade_one
from cgcli.core.ops import OPS

NEURON = "sigmoid(w0*x0 + w1*x1 + w2)"
NEURON_IN = {"w0": 2, "x0": -1, "w1": -3, "x1": -2, "w2": -3}


# --- a backward pass with one rule broken (written here, independently of cgcli.check.slips) --------

def broken_backward(g, values, edge=None, new_local=None, dropped=(), output=None):
    """The backward pass of cgcli.core.passes, except: edge (j, k) uses `new_local` instead of the
    op table's local; contributions along the edges in `dropped` are not added; and the pass
    may start at another node (`output`: d node / d ...)."""
    n = len(g.ops)
    grads = [0.0] * n
    out = g.output if output is None else output
    grads[out] = 1.0
    for j in range(out, -1, -1):
        up = grads[j]
        if up == 0.0:
            continue
        op = OPS[g.ops[j]]
        if op.arity == 0:
            continue
        args = g.inputs(j)
        L = op.local(*[values[a] for a in args], values[j])
        L = L if isinstance(L, tuple) else (L,)
        for k, a in enumerate(args):
            loc = new_local if (j, k) == edge else L[k]
            if (j, k) not in dropped:
                grads[a] += up * loc
    return grads


def _result(data, smooth=True):
    text, _ = data.draw(expressions(smooth_only=smooth, max_leaves=7), label="expr")
    vals = data.draw(st.lists(st.floats(-2, 2, allow_nan=False).map(lambda v: round(v, 3)),
                              min_size=3, max_size=3), label="values")
    from cgcli import parse
    names = parse(text).variables
    try:
        r = evaluate(text, {k: v for k, v in zip("xyz", vals) if k in names})
    except CgError:
        assume(False)
    assume(r.graph.variables and all(math.isfinite(v) for v in r.grads) and all(map(math.isfinite, r.values)))
    assume(_gates(r))
    return r


def _gates(r, t=None):
    """Gate nodes up to the output (that depend on node t, when given)."""
    g = r.graph
    dep = bytearray(len(g.ops))
    if t is not None:
        dep[t] = 1
    out = []
    for j in range(g.output + 1):
        if OPS[g.ops[j]].arity == 0:
            continue
        dep[j] = dep[j] or any(dep[a] for a in g.inputs(j))
        if t is None or dep[j]:
            out.append(j)
    return out


def _found(r, t_name, number, kind, node):
    """Does the diagnosis of `number` as the answer for d out/d t_name include (kind, node)?"""
    g = r.graph
    t = g.variables.get(t_name, g.assigned.get(t_name))
    tol = Tolerance()
    a = make_answer("grad", t_name, repr(number))
    hits = slips.catalogue(r, t).matching(a, tol)
    row = grade_one(r, a, tol)
    assert not row.ok
    assert row.feedback is not None, (g.source, t_name, number)
    assert row.feedback in {h.text for h in hits} or 'rounded' in row.feedback
    return any(s.kind in ((kind,) if isinstance(kind, str) else kind) and s.node == node for s in hits), hits


def _assume_wrong(r, t, number):
    G = r.grads[t]
    assume(math.isfinite(number))
    assume(abs(number - G) > 1e-4 * (1 + abs(G)))


SLIP_SETTINGS = settings(max_examples=30, deadline=None,
                         suppress_health_check=[HealthCheck.filter_too_much, HealthCheck.too_slow])


# The random-graph tests of each slip (wrong value, fan-out, no upstream, sign, swapped) are in
# tests/test_slip_catalogue.py (issue 17's catalogue, generator in tests/slipgen.py).


@SLIP_SETTINGS
@given(st.data(), st.integers(1, 2))
def test_rounded_too_coarsely(data, sig):
    r = _result(data)
    g = r.graph
    t_name = data.draw(st.sampled_from(sorted(g.variables)), label="target")
    G = r.grads[g.variables[t_name]]
    assume(abs(G) > 1e-3 and abs(G) < 1e6 and G != round(G))
    e = math.floor(math.log10(abs(G))) - sig + 1      # `sig` significant figures, one too few
    assume(-12 < e < 0)                                # (whole numbers: tests/test_grading.py)
    text = rounded_text(G, e)
    assume(sig_figs(text) == sig)                      # 0.98 -> 1.0 has two
    a = make_answer("grad", t_name, text)
    assume(not math.isclose(a.number, G, rel_tol=1e-6, abs_tol=1e-9))
    tol = Tolerance(rounded=True, min_sig_figs=sig + 1)
    row = grade_one(r, a, tol)
    assert not row.ok
    if not row.feedback.startswith(f"{row.label}: right but rounded too coarsely"):
        # a slip that reproduces the answer exactly is named instead
        t = g.variables[t_name]
        assert any(s.text == row.feedback and math.isclose(s.number, a.number, rel_tol=1e-6, abs_tol=1e-9)
                   for s in slips.catalogue(r, t).slips), (text, G, row.feedback)


# --- the texts' two slips ------------------------------------------------------------------

def test_texts_multiply_gate_slip():
    r = evaluate("q = x + y; f = q * z", {"x": 2, "y": 3, "z": -4})
    row = grade(r, [make_answer("grad", "z", "3")], Tolerance())[0]
    assert not row.ok and row.credit == 0
    assert row.feedback.startswith("df/dz: your 3 follows from y = 3 used in place of q = x + y = 5, the input "
                                   "of the multiply gate q * z")
    r = evaluate("(x+y)*z", {"x": 2, "y": 3, "z": -4})
    row = grade(r, [make_answer("grad", "z", "3")], Tolerance())[0]
    assert row.feedback.startswith("df/dz: your 3 follows from y = 3 used in place of x + y = 5")


def test_texts_swapped_neuron_gradients():
    r = evaluate(NEURON, NEURON_IN)
    tol = Tolerance(rounded=True)
    rows = grade(r, [make_answer("grad", "w1", "-0.59"), make_answer("grad", "x1", "-0.39")], tol)
    assert [row.ok for row in rows] == [False, False]
    assert "swapped" in rows[0].feedback and "w1" in rows[0].feedback and "x1" in rows[0].feedback
    assert rows[0].feedback.startswith("df/dw1: the gradients of w1 and x1 are swapped at the multiply gate w1 * x1")
    assert "your -0.59 is df/dx1 (= -0.5898 rounded), not df/dw1 (= -0.3932)" in rows[0].feedback
    assert "your -0.39 is df/dw1 (= -0.3932 rounded), not df/dx1 (= -0.5898)" in rows[1].feedback


def test_fan_out_feedback_names_the_node_and_numbers():
    r = evaluate("x*y + x*z", {"x": 2, "y": 3, "z": -4})
    row = grade(r, [make_answer("grad", "x", "3")], Tolerance())[0]
    assert row.feedback == ("df/dx: x is used 2 times (x * y, x * z); df/dx is the sum of all 2 "
                            "contributions, 3 + (-4) = -1, but your 3 is the contribution through x * y alone (3)")


def test_right_answers_get_no_diagnosis(monkeypatch):
    calls = []
    monkeypatch.setattr(slips, "diagnose", lambda *a: calls.append(a))
    r = evaluate(NEURON, NEURON_IN)
    rows = grade(r, [make_answer("grad", k, repr(v)) for k, v in r.gradients.items()], Tolerance())
    assert all(row.ok and row.feedback is None and row.credit == 1.0 for row in rows)
    assert calls == []


def test_catalogue_is_built_once_per_result_and_target(monkeypatch):
    built = []
    real = slips.build
    monkeypatch.setattr(slips, "build", lambda *a: built.append(a[1]) or real(*a))
    r = evaluate(NEURON, NEURON_IN)
    tol = Tolerance()
    for k in range(200):
        grade_one(r, make_answer("grad", "w1", str(k / 7)), tol)
    assert len(built) == 1
    grade_one(r, make_answer("grad", "x1", "1"), tol)
    assert len(built) == 2


def test_value_answers_get_sign_and_rounding_feedback():
    r = evaluate(NEURON, NEURON_IN)
    row = grade_one(r, make_answer("value", None, "-0.7310585786300049"), Tolerance())
    assert row.feedback == "f: the sign is wrong (f = 0.7311)"
    row = grade_one(r, make_answer("value", None, "0.73"), Tolerance())
    assert "passes with --rounded" in row.feedback


def test_feedback_in_the_json_report(cg):
    p = cg("check", "q = x + y; f = q * z", "--x", "2", "--y", "3", "--z", "-4",
           "--grad", "z=3", "--grad", "x=-4", "--json")
    assert p.returncode == 1
    d = strict_json(p.out)
    a, b = d["answers"]
    assert a["feedback"].startswith("df/dz: your 3 follows from y = 3") and a["credit"] == 0 and a["status"] == "wrong"
    assert b["feedback"] is None and b["credit"] == 1 and b["status"] == "right"
    assert d["credit"] == 1


def test_feedback_in_the_table(cg):
    p = cg("check", "q = x + y; f = q * z", "--x", "2", "--y", "3", "--z", "-4", "--grad", "z=3")
    assert p.returncode == 1
    assert "why: df/dz: your 3 follows from y = 3" in p.out


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.filter_too_much, HealthCheck.too_slow])
@given(st.data())
def test_grading_never_crashes_on_any_graph(data):
    """Kinked ops, points at kinks and domain edges, any wrong number, any formula text."""
    text, _ = data.draw(expressions(smooth_only=False, max_leaves=8), label="expr")
    vals = data.draw(st.lists(st.sampled_from([0.0, 1.0, -1.0, 0.5, 2.0, -3.0, 1e-8]), min_size=3, max_size=3))
    from cgcli import parse
    names = parse(text).variables
    try:
        r = evaluate(text, {k: v for k, v in zip("xyz", vals) if k in names})
    except CgError:
        assume(False)
    assume(names)
    t = data.draw(st.sampled_from(sorted(names)))
    number = data.draw(st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.integers(-5, 5).map(float)))
    tol = Tolerance(rounded=data.draw(st.booleans()))
    for a in (make_answer("grad", t, repr(number)),
              make_answer("grad", t, data.draw(st.sampled_from(["x", "1/x", "log(y)", "sqrt(z - 1)", "x^y", "f"]))
                          if set("xyz") & set(names) else "1", formula=True)):
        row = grade_one(r, a, tol)
        assert row.ok in (True, False) and 0.0 <= row.credit <= 1.0
    grade(r, [make_answer("grad", n, repr(number)) for n in sorted(names)], tol, ecf=0.5)
