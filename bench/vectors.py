"""Vectors and unrolled loops (issue 11): cg next to micrograd and PyTorch on the same network.

    pip install micrograd==0.1.0     # optional; PyTorch is used when installed
    python bench/vectors.py          # --quick for smaller sizes

Prints seconds and ratios for
  1. a recurrence h = tanh(W @ h + u * x[t] + b), hidden size H, T steps, then f = sum(h):
     cg parses the program (the loop unrolled into scalar nodes) and runs both passes;
     micrograd builds the same scalar graph from Python and runs backward() (with the tanh
     later micrograd versions add); PyTorch runs the same recurrence on tensors;
  2. a long loop, s = s + sin(s) * 0.5 + 1e-5 for 10^4 .. 10^5 iterations: cg's unrolling
     in linear time (seconds per iteration stay flat);
  3. the gradients of (1) agree between cg and micrograd (max relative difference).
Figures vary with the machine's load; nothing here is asserted (tests/test_vectors.py checks
that the same sizes work).
"""
from __future__ import annotations

import argparse
import gc
import math
import random
import sys
import time

from cgcli import parse
from cgcli.core.passes import backward, forward


def timed(fn, repeat=3):
    best, out = math.inf, None
    for _ in range(repeat):
        gc.collect()
        t = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t)
    return best, out


def weights(H, T, seed=1):
    rnd = random.Random(seed)
    W = [[rnd.uniform(-0.3, 0.3) for _ in range(H)] for _ in range(H)]
    x = [rnd.uniform(-1, 1) for _ in range(T)]
    b = [0.1] * H
    return W, x, b, 0.5


def program(H, T):
    return f"h = {[0] * H}\nfor t in range({T}):\n    h = tanh(W @ h + u * x[t] + b)\nf = sum(h)"


def cg_rnn(H, T, W, x, b, u):
    inputs = {f"W[{i}][{j}]": W[i][j] for i in range(H) for j in range(H)}
    inputs.update({f"x[{t}]": x[t] for t in range(T)})
    inputs.update({f"b[{i}]": b[i] for i in range(H)})
    inputs["u"] = u
    text = program(H, T)
    t_parse, g = timed(lambda: parse(text, shapes={"W": (H, H), "x": (T,), "b": (H,)}))
    full = {**g.defaults, **inputs}

    def passes():
        values = forward(g, full)
        return values, backward(g, values)
    t_pass, (values, grads) = timed(passes)
    named = {name: grads[i] for name, i in g.variables.items()}
    return len(g), t_parse, t_pass, values[g.output], named


def micrograd_rnn(H, T, W, x, b, u):
    from micrograd.engine import Value

    def tanh(v):            # micrograd 0.1.0 has no tanh: the one later versions add
        t = math.tanh(v.data)
        out = Value(t, (v,), "tanh")

        def _backward():
            v.grad += (1 - t * t) * out.grad
        out._backward = _backward
        return out

    sys.setrecursionlimit(max(sys.getrecursionlimit(), 50 * H * T))   # its topological sort recurses

    def build_and_back():
        Wv = [[Value(W[i][j]) for j in range(H)] for i in range(H)]
        bv = [Value(b[i]) for i in range(H)]
        uv = Value(u)
        xv = [Value(x[t]) for t in range(T)]
        h = [Value(0.0) for _ in range(H)]
        for t in range(T):
            h = [tanh(sum((Wv[i][j] * h[j] for j in range(1, H)), Wv[i][0] * h[0]) + uv * xv[t] + bv[i])
                 for i in range(H)]
        f = sum(h[1:], h[0])
        f.backward()
        return f, Wv, uv
    t, (f, Wv, uv) = timed(build_and_back, repeat=1)
    grads = {f"W[{i}][{j}]": Wv[i][j].grad for i in range(H) for j in range(H)}
    grads["u"] = uv.grad
    return t, f.data, grads


def torch_rnn(H, T, W, x, b, u):
    import torch
    torch.set_num_threads(1)

    def tensors():
        Wt = torch.tensor(W, dtype=torch.float64, requires_grad=True)
        bt = torch.tensor(b, dtype=torch.float64)
        xt = torch.tensor(x, dtype=torch.float64)
        h = torch.zeros(H, dtype=torch.float64)
        for t in range(T):
            h = torch.tanh(Wt @ h + u * xt[t] + bt)
        f = h.sum()
        f.backward()
        return f.item()
    t_vec, _ = timed(tensors)
    return t_vec


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true")
    args = ap.parse_args(argv)
    print(f"python {sys.version.split()[0]}")
    sizes = [(4, 25), (16, 100)] if args.quick else [(4, 25), (16, 100), (32, 100)]
    print("\n1. recurrence h = tanh(W @ h + u*x[t] + b), f = sum(h): seconds (best of 3; micrograd 1 run)")
    print(f"{'H':>3} {'T':>4} {'nodes':>8} {'cg parse':>9} {'cg passes':>10} {'cg total':>9} "
          f"{'micrograd':>10} {'ratio':>6} {'torch':>8} {'max rel diff':>13}")
    for H, T in sizes:
        W, x, b, u = weights(H, T)
        n, tp, tb, value, grads = cg_rnn(H, T, W, x, b, u)
        row = f"{H:>3} {T:>4} {n:>8} {tp:>9.3f} {tb:>10.3f} {tp + tb:>9.3f}"
        try:
            tm, mvalue, mgrads = micrograd_rnn(H, T, W, x, b, u)
            diff = max(abs(grads[k] - v) / max(abs(v), 1e-300) for k, v in mgrads.items() if v != 0)
            diff = max(diff, abs(value - mvalue) / abs(mvalue))
            row += f" {tm:>10.3f} {tm / (tp + tb):>6.2f}"
        except ImportError:
            row += f" {'-':>10} {'-':>6}"
            diff = None
        try:
            row += f" {torch_rnn(H, T, W, x, b, u):>8.4f}"
        except ImportError:
            row += f" {'-':>8}"
        row += f" {diff:>13.1e}" if diff is not None else f" {'-':>13}"
        print(row)
    print("   ratio: micrograd's time over cg's total (parse + both passes); torch: tensors, whole run")
    print("\n2. a loop of N iterations, s = s + sin(s)*0.5 + 1e-5 (6 nodes each): linear unrolling")
    print(f"{'N':>7} {'nodes':>8} {'parse':>8} {'passes':>8} {'µs/iteration':>13}")
    for N in ([10_000, 30_000] if args.quick else [10_000, 30_000, 100_000]):
        text = f"s = 0; for t in range({N}): s = s + sin(s) * 0.5 + 1e-5"
        tp, g = timed(lambda: parse(text), repeat=1)
        full = dict(g.defaults)
        tb, _ = timed(lambda: backward(g, forward(g, full)), repeat=1)
        print(f"{N:>7} {len(g):>8} {tp:>8.3f} {tb:>8.3f} {1e6 * (tp + tb) / N:>13.2f}")


if __name__ == "__main__":
    main()
