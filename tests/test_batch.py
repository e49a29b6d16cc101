"""The column-wise batch pass (cgcli.batch) against the one-point passes, number for number."""
import math
import random

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from cgtest import expressions

from cgcli import CgError, run
from cgcli import parse
from cgcli.batch.columns import ChunkFailed, Plan, _COL, _CONST, _LOCAL, _ONE, _partial_kind
from cgcli.core.fmt import json_number, json_numbers
from cgcli.core.ops import OPS


def same(a, b):
    return a == b or (a != a and b != b)


def compare(text, points):
    """Run `points` through the batch plan and through passes.run; they must agree exactly."""
    g = parse(text)
    plan = Plan(g)
    # a variable the points leave out takes the program's value (k = 2): the plan fills it in
    cols = {n: [p[n] for p in points] for n in g.variables if all(n in p for p in points)}
    try:
        vals, grads, flagged = plan.run(cols, len(points))
    except ChunkFailed:
        # the batch gave up: then a point fails alone, or the chunk was only conservatively rejected
        for p in points:
            try:
                run(g, p)
            except CgError:
                return "error"
        vals = None
    if vals is None:
        return "rejected"
    for j, p in enumerate(points):
        r = run(g, p)                 # must not raise: the batch computed every node
        for i in range(len(g)):
            assert same(vals[i][j], r.values[i]), (text, p, i)
        for i in range(g.output + 1):
            if g.needs_grad[i]:
                want = r.grads[i]
                got = 0.0 if grads[i] is None else grads[i][j]
                assert same(got, want), (text, p, i, got, want)
        nonfinite = any(g.needs_grad[i] and not math.isfinite(r.grads[i]) for i in range(g.output + 1))
        assert (j in flagged) == nonfinite
    return "ok"


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(expressions(max_leaves=10), st.integers(min_value=0, max_value=2**32 - 1))
def test_batch_equals_passes_on_random_expressions(expr, seed):
    text, _ = expr
    rng = random.Random(seed)
    names = parse(text).variables
    points = [{n: rng.choice([rng.uniform(-3, 3), 0.0, 1.0, -1.0]) for n in names} for _ in range(9)]
    compare(text, points)


@pytest.mark.parametrize("text, points", [
    ("0*sqrt(x) + y", [{"x": 0.0, "y": 1.0}, {"x": 4.0, "y": 2.0}]),      # zero upstream, infinite partial
    ("sqrt(x) + y", [{"x": 0.0, "y": 1.0}, {"x": 4.0, "y": 2.0}]),        # an infinite gradient: flagged
    ("x^0.5 * y", [{"x": 0.0, "y": 0.0}, {"x": 0.0, "y": 3.0}]),
    ("pow(x, y)", [{"x": -2.0, "y": 2.0}, {"x": 2.0, "y": 0.5}]),         # nan partial for the exponent
    ("max(x, y) - min(x, y) + relu(x) + abs(y) + sign(x) + step(y)", [{"x": 0.0, "y": 0.0}, {"x": 1.0, "y": -1.0}]),
    ("k = 2; q = k*x; q*q + k", [{"x": 3.0}, {"x": -1.0}]),
    ("x", [{"x": 1.0}, {"x": 2.0}]),
    ("q = x*2; x", [{"x": 1.5}]),                                          # a named node after the output
    ("tanh(x) / sigmoid(y) - exp(x) * log(y)", [{"x": 0.3, "y": 2.0}, {"x": -5.0, "y": 0.1}]),
])
def test_batch_edge_cases(text, points):
    assert compare(text, points) == "ok"


@pytest.mark.parametrize("text, points", [
    ("log(x)", [{"x": 1.0}, {"x": -1.0}]),
    ("x*y", [{"x": 1e200, "y": 1e200}, {"x": 1.0, "y": 2.0}]),           # silent overflow
    ("1/x", [{"x": 0.0}]),
])
def test_batch_rejects_chunks_with_errors(text, points):
    assert compare(text, points) == "error"


def test_the_batch_shortcuts_agree_with_the_op_tables_numbers():
    """Where the batch reads a symbolic partial as a literal or a column, the numeric
    `local` must give exactly that, so the shortcut is not a second definition of the op."""
    rng = random.Random(1)
    for op in OPS:
        if not op.arity or not op.partials:
            continue
        ins = (0, 1)[:op.arity]
        out = 2
        for k in range(op.arity):
            kind, payload = _partial_kind(op, k, ins, out)
            if kind == _LOCAL:
                continue
            for _ in range(50):
                args = [rng.uniform(0.1, 3) * rng.choice([1, -1]) for _ in ins]
                try:
                    value = op.forward(*args)
                except (ValueError, ZeroDivisionError, OverflowError):
                    continue
                local = op.local(*args, value)
                d = local[k] if op.arity == 2 else local
                cols = dict(zip(ins, args))
                cols[out] = value
                want = {_ONE: 1.0, _CONST: payload, _COL: cols[payload] if kind == _COL else None}[kind]
                assert d == want, (op.name, k, args)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(st.floats(), st.integers(min_value=-10**6, max_value=10**6).map(float)), max_size=20))
def test_json_numbers_is_json_number_column_wise(col):
    assert json_numbers(col) == [json_number(v) for v in col]
