"""cg diff against SymPy's diff: output size (sympy.count_ops) and time, side by side.

    python bench/symbolic.py [--n 300] [--seed 1] [--big 1000]

1. Random expressions using every op of the op table (depth 3 and 4). For each derivative
   (first order wrt each variable, and second order d²/dx²), the op count of cg's printed
   derivative (its text plus each `where` definition once, parsed back by SymPy) is divided
   by the op count of SymPy's plain `diff` of the same expression with the same functions.
   Prints the mean and the 95th percentile of that ratio (target: both <= 1.5). Expressions
   whose SymPy derivative is nan or zoo (a 0^(negative) term, say) are skipped and counted.
2. One expression of about --big nodes: the time of `cg diff` (in-process and as the
   installed command) and of SymPy's diff (+ count_ops), and both output sizes.
Needs the `test` extra (sympy).
"""
from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tests"))

import sympy as sp  # noqa: E402

import sympy_oracle as so  # noqa: E402
from cgcli import parse  # noqa: E402
from cgcli.symbolic.infix import render  # noqa: E402
from cgcli.symbolic.diff import Derivatives  # noqa: E402


def cg_derivatives(text, wrts):
    g = parse(text)
    d = Derivatives(g)
    ids = [d.get(w) for w in wrts]
    G, roots = d.graph_of(ids)
    p = render(G, roots)
    return [(p.text(r), [(n, t) for n, t, _ in p.definitions([r])]) for r in roots], list(g.variables)


def percentile(xs, q):
    xs = sorted(xs)
    k = min(len(xs) - 1, max(0, int(round(q * (len(xs) - 1)))))
    return xs[k]


def size_study(n, seed):
    rng = random.Random(seed)
    rows = {1: [], 2: []}
    t_cg = t_sp = 0.0
    done = skipped = 0
    while done < n:
        text = so.random_expression(rng, depth=rng.choice([3, 4]))
        g = parse(text)
        names = list(g.variables)
        if not names:
            continue
        syms = so.symbols(names)
        f = so.to_sympy(g, "size", syms)
        wrts = [(v,) for v in names] + [(names[0], names[0])]
        t0 = time.perf_counter()
        printed, _ = cg_derivatives(text, wrts)
        t1 = time.perf_counter()
        ref = [sp.diff(f, *[syms[v] for v in w]) for w in wrts]
        t2 = time.perf_counter()
        if any(r.has(sp.nan, sp.zoo) for r in ref):    # SymPy: undefined (0^-0.4): no size to compare
            skipped += 1
            continue
        done += 1
        t_cg += t1 - t0
        t_sp += t2 - t1
        for w, (txt, where), r in zip(wrts, printed, ref):
            ours = so.count_printed(txt, where, names)
            theirs = int(sp.count_ops(r))
            rows[len(w)].append((ours, theirs, text, txt))
    return rows, t_cg, t_sp, skipped


def big_expression(rng, nodes):
    """Sum of random depth-5 terms until the graph has about `nodes` nodes. A term whose
    derivative SymPy finds undefined (nan or zoo, as for (y - y)^(z/y) = 0^(z/y)) is skipped:
    one such term makes SymPy's whole gradient nan, which count_ops counts as 0 ops."""
    parts = []
    while True:
        term = so.random_expression(rng, depth=5)
        g = parse(term)
        syms = so.symbols(g.variables)
        f = so.to_sympy(g, "size", syms)
        if any(sp.diff(f, s).has(sp.nan, sp.zoo) for s in syms.values()):
            continue
        parts.append(term)
        text = " + ".join(parts)
        if len(parse(text)) >= nodes:
            return text


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=300)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--big", type=int, default=1000)
    args = ap.parse_args()

    rows, t_cg, t_sp, skipped = size_study(args.n, args.seed)
    print(f"size of the printed derivative vs SymPy's diff ({args.n} random expressions, every op; "
          f"{skipped} more skipped where SymPy's derivative is nan or zoo)")
    print(f"{'order':>5} {'derivatives':>11} {'cg ops':>8} {'sympy ops':>9} {'mean ratio':>10} "
          f"{'p95 ratio':>9} {'sum ratio':>9}")
    for order, rs in rows.items():
        ratios = [max(a, 1) / max(b, 1) for a, b, _, _ in rs]
        ours = sum(a for a, _, _, _ in rs)
        theirs = sum(b for _, b, _, _ in rs)
        print(f"{order:>5} {len(rs):>11} {ours:>8} {theirs:>9} {statistics.mean(ratios):>10.3f} "
              f"{percentile(ratios, 0.95):>9.3f} {ours / max(theirs, 1):>9.3f}")
    worst = sorted(rows[1] + rows[2], key=lambda r: -max(r[0], 1) / max(r[1], 1))[:3]
    for a, b, text, txt in worst:
        print(f"  worst: {a} vs {b} ops  f = {text}\n         cg: {txt}")
    print(f"time for all of them: cg {t_cg:.2f} s, SymPy diff {t_sp:.2f} s")

    rng = random.Random(args.seed + 1)
    text = big_expression(rng, args.big)
    g = parse(text)
    names = list(g.variables)
    t0 = time.perf_counter()
    printed, _ = cg_derivatives(text, [(v,) for v in names])
    t_cg_api = time.perf_counter() - t0
    cg_bin = shutil.which("cg") or os.path.join(os.path.dirname(sys.executable), "cg")
    t0 = time.perf_counter()
    p = subprocess.run([cg_bin, "diff", text], capture_output=True, text=True)
    t_cg_cli = time.perf_counter() - t0
    assert p.returncode == 0, p.stderr
    syms = so.symbols(names)
    t0 = time.perf_counter()
    f = so.to_sympy(g, "size", syms)
    ref = [sp.diff(f, syms[v]) for v in names]
    t_sp_diff = time.perf_counter() - t0
    ours = sum(so.count_printed(t, w, names) for t, w in printed)
    theirs = sum(int(sp.count_ops(r)) for r in ref)
    print(f"\none expression of {len(g)} nodes, gradient wrt {len(names)} variables:")
    print(f"  cg diff (in-process)  {t_cg_api * 1000:8.1f} ms   output {ours} ops")
    print(f"  cg diff (command)     {t_cg_cli * 1000:8.1f} ms   ({len(p.stdout)} characters)")
    print(f"  SymPy diff            {t_sp_diff * 1000:8.1f} ms   output {theirs} ops")
    print(f"  ratio cg/SymPy: time {t_cg_api / t_sp_diff:.2f}x (in-process), size {ours / max(theirs, 1):.2f}x")


if __name__ == "__main__":
    main()
