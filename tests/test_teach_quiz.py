"""What the step-throughs reveal step by step (teach.steps.reveal) and how quiz mode judges a
step's number (teach.quiz): cg check's tolerance, its slips, a fan-out's single contribution."""
from __future__ import annotations

import pytest

from cgcli import evaluate
from cgcli.teach.quiz import expected, judge, slips_for, step_slips
from cgcli.teach.steps import frames, known_at_start, reveal, walk

CASES = [("(x+y)*z", dict(x=2, y=3, z=-4)), ("q = x + y; f = q * q + q", dict(x=1, y=2)),
         ("sigmoid(w0*x0 + w1*x1 + w2)", dict(w0=2, x0=-1, w1=-3, x1=-2, w2=-3)),
         ("a = x * 2; f = y * 3", dict(x=1, y=2)), ("x", dict(x=4))]


@pytest.mark.parametrize("src, inputs", CASES)
def test_reveal_gives_each_number_once_it_is_computed(src, inputs):
    r = evaluate(src, **inputs)
    w = walk(r)
    fr = frames(r, w)
    g = r.graph
    values = {i: r.values[i] for i in known_at_start(r)}
    grads: dict = {}
    for f, ev in zip(fr, reveal(r, w, fr)):
        for x in ev:
            if x[0] == "value":
                assert f.phase == "forward" and x[1] == f.node and x[1] not in values
                assert all(a in values for a in g.inputs(x[1]))       # its inputs came first
                values[x[1]] = x[2]
            else:
                assert f.phase != "forward" and values.keys() >= set(w.forward)   # the forward pass is done
                assert not grads.get(x[1], (0, False))[1]               # never changed once complete
                grads[x[1]] = (x[2], x[3])
    assert values == {i: r.values[i] for i in range(len(g.ops))}
    assert grads == {i: (r.grads[i], True) for i in range(len(g.ops)) if g.needs_grad[i]}   # bit for bit


def test_a_fan_out_shows_its_running_sum():
    r = evaluate("q = x + y; f = q * q + q", x=1, y=2)
    w = walk(r)
    fr = frames(r, w)
    q = r.graph.assigned["q"]
    sums = [x for ev in reveal(r, w, fr) for x in ev if x[0] == "grad" and x[1] == q]
    assert [(s, done) for _, _, s, done in sums] == [(1.0, False), (4.0, False), (7.0, True)]


def _edge(r, w, gate_name_label, to):
    from cgcli.core.graph import labels
    lab = labels(r.graph)
    return next(e for es in w.edges.values() for e in es if lab[e.node] == gate_name_label and e.to == to)


def test_the_texts_slip_and_a_fan_out_contribution():
    r = evaluate("(x+y)*z", x=2, y=3, z=-4)
    w = walk(r)
    fr = frames(r, w)
    z = r.graph.variables["z"]
    f = next(f for f in fr if f.phase == "backward" and f.edge.to == z)
    v = judge("3", expected(r, f), step_slips(r, w, f))
    assert not v.right and v.code == "wrong-input" and "multiply gate" in v.message and "y = 3" in v.message
    assert judge("5", expected(r, f), step_slips(r, w, f)).right
    assert judge("5.0", expected(r, f), step_slips(r, w, f)).right
    assert judge("-5", expected(r, f), step_slips(r, w, f)).code == "sign"
    assert judge("five", expected(r, f), []).status == "invalid"
    # x fans out: what x * y sends to x is one contribution, upstream w = -2 × local y = 3
    r = evaluate("(x*y + x*z)*w", x=2, y=3, z=5, w=-2)
    w_ = walk(r)
    x = r.graph.variables["x"]
    e = _edge(r, w_, "x * y", x)
    assert e.product == -6.0
    sl = slips_for(r, "edge", e.node, e, w_)
    by = {round(v, 9): code for v, code, _ in sl}
    assert by[6.0] == "sign" and by[3.0] == "no-upstream"
    # the gate's own value in place of an input (upstream × 6) is no slip cg check names (issue 17)
    assert -12.0 not in by
    assert by[-4.0] in ("swapped", "wrong-input")                    # what it sends to y, -2 × 2
    assert all(v != -6.0 for v in by)
    assert judge("3", e.product, sl).code == "no-upstream"


def test_a_coarse_rounding_is_named():
    r = evaluate("sigmoid(x)", x=1)
    w = walk(r)
    f = frames(r, w)[0]
    assert judge("0.73", expected(r, f), step_slips(r, w, f)).right      # 2 significant figures
    v = judge("0.7", expected(r, f), step_slips(r, w, f))
    assert v.code == "coarse-rounding" and "0.73" in v.message
