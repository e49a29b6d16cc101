"""cg diff's work is linear in the size of the expression, counted rather than timed: every
canonical expression the simplifier builds goes through Store._intern, whose key holds the
parts of a sum or product (what building it copies and hashes); a subclass counts them. At
about 10^3 and 10^4 nodes of the family bench/front.py times (sums of random depth-5 terms),
the counts per node must stay nearly flat (sums and products are flattened into their parents
only up to CAP parts, so the parts per node settle once the sums reach it). Nothing is timed."""
from __future__ import annotations

import gc
import io
import random
import weakref

import pytest

import sympy_oracle as so
from cgtest import run_cg
from cgcli.core.parse import parse
from cgcli.symbolic import diff as diff_module
from cgcli.symbolic.diff import Derivatives, diff
from cgcli.symbolic.infix import render
from cgcli.symbolic.simplify import CAP, MUL, SUM, Store
from cgcli.views.symbolic import write_text


class CountingStore(Store):
    def __init__(self):
        self.built = 0          # canonical constructions (found or new)
        self.parts = 0          # parts of the sums and products among them
        super().__init__()

    def _intern(self, kind, data, needs):
        self.built += 1
        if kind == SUM or kind == MUL:
            self.parts += len(data[1])
        return super()._intern(kind, data, needs)


def random_sum(size: int, seed: int) -> str:
    """bench/front.py's cg diff input: random depth-5 terms added up to about `size` nodes."""
    rng = random.Random(seed)
    parts, total = [], 0
    while total < size:
        term = so.random_expression(rng, depth=5)
        parts.append(term)
        total += len(parse(term)) + 1
    return " + ".join(parts)


def work(text: str) -> dict:
    """Per node of the program: what the gradient wrt every variable built, and its text."""
    g = parse(text)
    store = CountingStore()
    d = Derivatives(g, store)
    ids = [d.get((v,)) for v in g.variables]
    graph, roots = d.graph_of(ids)
    p = render(graph, roots, reserved=list(g.variables))
    printed = sum(len(p.text(r)) for r in roots) + sum(len(t) for _, t, _ in p.definitions())
    n = len(g)
    return {"built": store.built / n, "parts": store.parts / n, "store": len(store) / n,
            "graph": len(graph) / n, "printed": printed / n}


@pytest.mark.parametrize("seed", [2, 5])
def test_the_gradient_s_work_per_node_is_flat_from_10_3_to_10_4_nodes(seed):
    small, large = work(random_sum(1000, seed)), work(random_sum(10000, seed))
    for key in ("built", "store", "graph", "printed"):
        assert large[key] <= 1.3 * small[key], (key, small, large)
    # the parts grow while the sums fill up to CAP parts, then stay: quadratic work would be 10x
    assert large["parts"] <= 2 * small["parts"], (small, large)
    assert large["parts"] <= CAP, large


def test_a_long_sum_s_gradient_copies_each_term_a_bounded_number_of_times():
    # x*y1 + x*y2 + ...: f and d/dx each add n terms one by one into one sum; each add copies the
    # sum so far, which is flattened up to CAP terms and then kept whole: at most CAP copies per
    # term each (about 69 in all), where copying every term each time would be n/2
    counts = []
    for n in (2000, 20000):
        store = CountingStore()
        g = parse(" + ".join(f"x*y{k}" for k in range(n)))
        Derivatives(g, store).get(("x",))
        counts.append(store.parts / n)
    assert counts[1] <= 2 * CAP, counts
    assert counts[1] <= 1.1 * counts[0], counts


def test_the_store_is_freed_without_the_cyclic_collector(monkeypatch):
    # a store reachable from a reference cycle would wait for a full collection, which scans
    # every expression it holds; cg diff pauses the collector and frees the store itself
    made = []

    class Watched(Store):
        def __init__(self):
            super().__init__()
            made.append(weakref.ref(self))

    monkeypatch.setattr(diff_module, "Store", Watched)
    paused = gc.isenabled()
    gc.disable()
    try:
        result = diff(parse("sin(x*y)^2 + exp(x - y)/y"), [("x",), ("y",), ("x", "y")])
        assert made and all(ref() is None for ref in made)
    finally:
        if paused:
            gc.enable()
    out = io.StringIO()
    write_text(result, out)
    assert out.getvalue().startswith("∂f/∂x = ")


def test_a_10_4_node_gradient_through_the_installed_cg_prints_what_diff_computes():
    text = random_sum(10000, 3)
    p = run_cg("diff", "-", input=text)
    assert p.returncode == 0, p.err[-2000:]
    g = parse(text)
    out = io.StringIO()
    write_text(diff(g, [(v,) for v in g.variables]), out)
    assert p.out == out.getvalue()
    assert p.out.count("\n") >= len(g.variables)
