"""cg's core, side by side with what a user would otherwise pick, in one run.

    pip install ".[bench]"          # micrograd and SymPy; PyTorch is used when installed
    python bench/core.py            # --quick for smaller sizes

Prints per-node and per-token figures and ratios:
  1. parsing: cg's table-driven LALR loop vs Lark's own LALR parser (building a tree, and with
     cg's graph builder as a parse-time transformer), on the same grammar and text;
  2. forward + backward passes per node vs micrograd (and PyTorch scalar autograd, SymPy),
     on the same expression shapes at 10^3 .. 10^6 nodes;
  3. memory per node (tracemalloc peak) vs micrograd.
Start-up is measured by bench/startup.py.
"""
from __future__ import annotations

import argparse
import gc
import math
import random
import sys
import time
import tracemalloc

from cgcli import run
from cgcli import parse
from cgcli.core.passes import backward, forward


def timed(fn, repeat=1):
    best = math.inf
    out = None
    for _ in range(repeat):
        gc.collect()
        t = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t)
    return best, out


# --- expression shapes: the same maths as cg text and as micrograd / torch code --------------

def balanced_neuron_sum(n_terms: int):
    """sum_i w_i * x_i, summed pairwise (depth log n, so recursive tools can follow it)."""
    rng = random.Random(1)
    ws = [rng.uniform(-1, 1) for _ in range(n_terms)]
    terms = [f"x*{w!r}" for w in ws]
    while len(terms) > 1:
        terms = [f"({terms[i]}+{terms[i + 1]})" if i + 1 < len(terms) else terms[i]
                 for i in range(0, len(terms), 2)]
    return terms[0], ws


def build_micrograd(ws, x0):
    from micrograd.engine import Value
    x = Value(x0)
    terms = [x * w for w in ws]
    while len(terms) > 1:
        terms = [terms[i] + terms[i + 1] if i + 1 < len(terms) else terms[i]
                 for i in range(0, len(terms), 2)]
    return x, terms[0]


def build_torch(ws, x0):
    import torch
    x = torch.tensor(x0, dtype=torch.float64, requires_grad=True)
    terms = [x * w for w in ws]
    while len(terms) > 1:
        terms = [terms[i] + terms[i + 1] if i + 1 < len(terms) else terms[i]
                 for i in range(0, len(terms), 2)]
    return x, terms[0]


# --- 1. parsing ------------------------------------------------------------------------------

def count_tokens(text: str) -> int:
    from cgcli.core.parse import _IGNORE, _master
    return sum(1 for m in _master().finditer(text) if m.lastgroup not in _IGNORE)


def bench_parse(quick: bool):
    from cgcli.core._build import lark_parser
    n = 20_000 if quick else 100_000
    cases = {
        "sum of products": "+".join(f"x{i % 10}*{i % 7 + 1}" for i in range(n // 2)),
        "nested parentheses": "(" * n + "x" + ")" * n,
        "chain of sin": "sin(" * (n // 2) + "x" + ")" * (n // 2),
        "neuron program": "\n".join(f"h{i} = sigmoid(w{i % 50}*x{i % 7} + b{i % 13})" for i in range(n // 8)),
    }
    tree_parser = lark_parser()                 # Lark's default: builds a parse tree
    print("\n1. parsing (tokens per second; higher is better)")
    print(f"{'text':22} {'tokens':>8} {'cg':>12} {'lark+builder':>13} {'lark tree':>12} {'cg/lark':>8}")
    for name, text in cases.items():
        tokens = count_tokens(text)
        t_cg, _ = timed(lambda: parse(text), 3)
        try:
            t_lb, _ = timed(lambda: parse(text, engine="lark"), 1)
            lb = f"{tokens / t_lb:13,.0f}"
        except RecursionError:
            t_lb, lb = None, f"{'recursion':>13}"
        try:
            t_lt, _ = timed(lambda: tree_parser.parse(text), 1)
            lt = f"{tokens / t_lt:12,.0f}"
        except RecursionError:
            t_lt, lt = None, f"{'recursion':>12}"
        ref = min(t for t in (t_lb, t_lt) if t is not None) if (t_lb or t_lt) else None
        ratio = f"{ref / t_cg:7.1f}x" if ref else "    n/a"
        print(f"{name:22} {tokens:8,} {tokens / t_cg:12,.0f} {lb} {lt} {ratio}")
    print("   (Lark's tree-less variant runs cg's own builder as Lark's parse-time transformer)")


# --- 2. passes -----------------------------------------------------------------------------

def bench_passes(quick: bool):
    sizes = [10**3, 10**4, 10**5] if quick else [10**3, 10**4, 10**5, 10**6]
    have_torch = have_sympy = True
    try:
        import torch  # noqa: F401
    except ImportError:
        have_torch = False
    try:
        import sympy  # noqa: F401
    except ImportError:
        have_sympy = False
    print("\n2. forward + backward passes (microseconds per node; lower is better)")
    print(f"{'nodes':>9} {'cg fwd':>8} {'cg bwd':>8} {'cg f+b':>8} {'micrograd build+fwd':>20} "
          f"{'micrograd bwd':>14} {'micrograd f+b':>14} {'ratio':>7}" + ("  torch f+b  ratio" if have_torch else ""))
    for size in sizes:
        n_terms = (size + 2) // 3          # x*w and + per term: ~3 nodes per term
        text, ws = balanced_neuron_sum(n_terms)
        g = parse(text)
        n = len(g)
        t_f, values = timed(lambda: forward(g, {"x": 0.5}), 3)
        t_b, grads = timed(lambda: backward(g, values), 3)
        assert math.isclose(grads[g.variables["x"]], math.fsum(ws), rel_tol=1e-9)
        cg_fb = (t_f + t_b) / n * 1e6

        def micro():
            x, out = build_micrograd(ws, 0.5)
            return x, out
        t_mf, (mx, mout) = timed(micro, 1 if size >= 10**5 else 3)
        m_nodes = n_terms * 2 + 1                     # Values: x, each product, each sum
        t_mb, _ = timed(lambda: mout.backward(), 1)
        assert math.isclose(mx.grad, math.fsum(ws), rel_tol=1e-9)
        m_fb = (t_mf + t_mb) / m_nodes * 1e6
        line = (f"{n:9,} {t_f / n * 1e6:8.3f} {t_b / n * 1e6:8.3f} {cg_fb:8.3f} {t_mf / m_nodes * 1e6:20.2f} "
                f"{t_mb / m_nodes * 1e6:14.2f} {m_fb:14.2f} {m_fb / cg_fb:6.1f}x")
        if have_torch and size <= 10**5:
            def tor():
                x, out = build_torch(ws, 0.5)
                out.backward()
                return x
            t_t, tx = timed(tor, 1)
            assert math.isclose(float(tx.grad), math.fsum(ws), rel_tol=1e-9)
            t_fb = t_t / m_nodes * 1e6
            line += f" {t_fb:10.2f} {t_fb / cg_fb:5.1f}x"
        print(line)
        del mx, mout
    print("   cg's f+b excludes parsing (the graph is built once; see 1.); micrograd's includes building")
    print("   its Value objects, which is its forward pass.")
    if have_sympy:
        import sympy
        text, ws = balanced_neuron_sum(300)
        x = sympy.Symbol("x")
        expr = sympy.sympify(text.replace("^", "**"))
        t_s, _ = timed(lambda: (expr.subs(x, 0.5).evalf(), sympy.diff(expr, x).subs(x, 0.5).evalf()), 1)
        g = parse(text)
        t_c, _ = timed(lambda: run(g, {"x": 0.5}), 3)
        print(f"   SymPy (parse excluded; subs+evalf of f and diff(f)) on {len(g)} nodes: "
              f"{t_s / len(g) * 1e6:.1f} us/node, {t_s / t_c:.0f}x cg's passes")
    else:
        print("   SymPy not installed: skipped")
    if not have_torch:
        print("   PyTorch not installed: skipped")

    # depth: the shape micrograd cannot follow
    deep = 100_000
    text = "+".join(["x"] * deep)
    g = parse(text)
    t, r = timed(lambda: run(g, {"x": 1.0}), 1)
    from micrograd.engine import Value
    x = Value(1.0)
    out = x
    for _ in range(deep - 1):
        out = out + x
    try:
        out.backward()
        micro = "ok"
    except RecursionError:
        micro = "RecursionError"
    print(f"   a {deep:,}-term chain (depth {deep:,}): cg {t / len(g) * 1e6:.3f} us/node, "
          f"grad {r.gradients['x']:.0f}; micrograd backward: {micro}")


# --- 3. memory -------------------------------------------------------------------------------

def bench_memory(quick: bool):
    size = 10**5 if quick else 10**6
    n_terms = (size + 2) // 3
    text, ws = balanced_neuron_sum(n_terms)
    gc.collect()
    tracemalloc.start()
    g = parse(text)
    r = run(g, {"x": 0.5})
    _, peak_cg = tracemalloc.get_traced_memory()
    kept_cg, _ = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    n = len(g)
    del g, r
    gc.collect()
    tracemalloc.start()
    x, out = build_micrograd(ws, 0.5)
    out.backward()
    _, peak_m = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    m_nodes = n_terms * 2 + 1
    print(f"\n3. memory (tracemalloc, bytes per node; lower is better) at {n:,} nodes")
    print(f"   cg parse + forward + backward: peak {peak_cg / n:.0f} B/node, kept {kept_cg / n:.0f} B/node")
    print(f"   micrograd build + backward:    peak {peak_m / m_nodes:.0f} B/node "
          f"({peak_m / m_nodes / (peak_cg / n):.0f}x cg)")
    print(f"   (the text itself is {len(text) / n:.0f} B/node of the input)")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="smaller sizes (about a minute)")
    args = ap.parse_args()
    try:
        import micrograd  # noqa: F401
    except ImportError:
        sys.exit("bench/core.py needs micrograd: pip install '.[bench]'")
    print(f"cg core benchmark, Python {sys.version.split()[0]}")
    bench_parse(args.quick)
    bench_passes(args.quick)
    bench_memory(args.quick)


if __name__ == "__main__":
    main()
