"""The column-wise (NumPy) passes against the ordinary scalar passes: every op's `vec` entry,
random expressions, and the fall-back to the scalar passes at domain errors."""
from __future__ import annotations

import math

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from cgtest import expressions

np = pytest.importorskip("numpy")

from cgcli import parse  # noqa: E402
from cgcli.core.ops import OPS  # noqa: E402
from cgcli.core.passes import backward, forward  # noqa: E402
from cgcli.batch.arrays import Columns, supports  # noqa: E402

SAMPLES = [-3.0, -1.0, -0.5, 0.0, 0.5, 1.0, 2.0, 3.0, 0.25, -2.5, 40.0, -40.0, 800.0, -800.0]


def same(a, b):
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    return math.isclose(a, b, rel_tol=1e-13, abs_tol=1e-300)


@pytest.mark.parametrize("op", [op for op in OPS if op.arity], ids=lambda op: op.name)
def test_each_ops_vec_entry_matches_its_scalar_functions(op):
    assert op.vec is not None, f"{op.name} has no column-wise form"
    fwd, local = op.vec
    pairs = [(a,) for a in SAMPLES] if op.arity == 1 else [(a, b) for a in SAMPLES for b in SAMPLES]
    cols = [np.array([p[k] for p in pairs]) for k in range(op.arity)]
    with np.errstate(all="ignore"):
        out = np.broadcast_to(fwd(np, *cols), (len(pairs),))
        loc = local(np, *cols, out)
    loc = loc if isinstance(loc, tuple) else (loc,)
    loc = [np.broadcast_to(v, (len(pairs),)) for v in loc]
    for j, args in enumerate(pairs):
        try:
            want = op.forward(*args)
        except (ValueError, ZeroDivisionError, OverflowError):
            assert not math.isfinite(out[j]), (op.name, args, out[j])   # the scalar pass raises
            continue
        if not math.isfinite(want):
            assert not math.isfinite(out[j])
            continue
        assert same(float(out[j]), want), (op.name, args, out[j], want)
        want_local = op.local(*args, want)
        want_local = want_local if isinstance(want_local, tuple) else (want_local,)
        for got_d, want_d in zip(loc, want_local):
            assert same(float(got_d[j]), want_d), (op.name, args, got_d[j], want_d)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(expr=expressions(max_leaves=10), seed=st.integers(0, 2 ** 16))
def test_random_expressions_column_wise_equal_point_by_point(expr, seed):
    text, _ = expr
    g = parse(text)
    if not g.variables:
        return
    assert supports(g)
    rng = np.random.default_rng(seed)
    n = 7
    cols = {name: rng.uniform(-2, 2, n) for name in g.variables}
    want_values, want_grads = [], []
    for r in range(n):
        point = {name: float(c[r]) for name, c in cols.items()}
        try:
            v = forward(g, point)
        except Exception:
            return                      # a domain error somewhere: covered by the test below
        want_values.append(v[g.output])
        want_grads.append(backward(g, v))
    vec = Columns(g, np)
    values = vec.forward(cols)
    assert values is not None
    wanted = list(g.variables.values())
    grads = vec.backward(values, wanted, n)
    if not all(math.isfinite(sum(gr[i] for gr in want_grads)) for i in wanted):
        assert grads is None
        return
    total = vec.total(values, g.output, n)
    assert math.isclose(total, math.fsum(want_values), rel_tol=1e-9, abs_tol=1e-9)
    for k, i in enumerate(wanted):
        want = math.fsum(gr[i] for gr in want_grads)
        assert math.isclose(grads[k], want, rel_tol=1e-8, abs_tol=1e-8), (text, k)


def test_a_domain_error_in_a_batch_is_reported_by_the_scalar_pass(tmp_path):
    from cgtest import invoke
    f = tmp_path / "d.csv"
    f.write_text("x,y\n" + "".join(f"{v},1\n" for v in (1, 2, 3, 4, 5, 6, 7, -8, 9, 10)))
    p = invoke("fit", "a*log(x)", "--data", str(f), "--batch", "10", "--engine", "numpy",
               "--no-shuffle")
    assert p.returncode == 3
    assert "log(x)" in p.err and "argument is -8" in p.err and "line 9" in p.err


def test_a_constant_loss_term_counts_once_per_row():
    """A node that depends on no column is a plain number over the batch: its sum is n × it."""
    from cgcli.train import loop as train
    from cgcli.train.data import Data
    g, pred, _ = train.loss_graph(parse("a*x + b^2"), "mse", "y")
    xs = [0.5, 1.5, -1.0, 2.0]
    ys = [1.0, 0.0, 2.0, -1.0]
    data = Data("mem", ["x", "y"], [2, 3, 4, 5], [[str(x), str(y)] for x, y in zip(xs, ys)], False, 1)
    cols = {"x": data.column("x"), "y": data.column("y")}
    results = []
    for engine in ("python", "numpy"):
        t = train.Trainer(g, pred, cols, ["a", "b"], {}, data, engine=engine)
        t.set_params([0.3, 0.7])
        results.append(t.batch(range(4)))
    (l1, g1), (l2, g2) = results
    assert math.isclose(l1, l2, rel_tol=1e-14)
    assert all(math.isclose(a, b, rel_tol=1e-14) for a, b in zip(g1, g2))
    want_gb = sum(2 * (0.3 * x + 0.49 - y) * 2 * 0.7 for x, y in zip(xs, ys))
    assert math.isclose(g2[1], want_gb, rel_tol=1e-14)
