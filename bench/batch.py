"""Batch speed: the seeds' 2-D sigmoid neuron, value and all five gradients, at many points.

    python bench/batch.py [--points 100000] [--calls 50] [--sample 20000] [--runs 3]

Side by side, in one run, each doing the same job (value + gradients per point):
  - cg eval EXPR --points FILE      the installed CLI end to end (start-up, JSON in and out)
  - cg eval once per point          --calls runs of `cg eval ... --json`, extrapolated
  - cgcli.batch.columns.Plan in-process     the column-wise passes alone (no JSON)
  - cgcli.run per point in-process  the one-point passes in a Python loop
  - micrograd per point             building the expression from Values and calling backward
                                    (micrograd 0.1.0 has no exp: a sigmoid node in its own style)
  - PyTorch per point               scalar tensors, backward per point (if torch is installed)
  - PyTorch vectorised              one forward/backward over all points at once (if installed)
Loops that take long run over --sample points and are extrapolated. Results are checked
against cg's. Figures are points per second; the CLI's are wall-clock (median of --runs) and
also per CPU second (this machine is shared, so CPU time is the steadier figure).
"""
from __future__ import annotations

import argparse
import json
import math
import os
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import warnings

EXPR = "sigmoid(w0*x0 + w1*x1 + w2)"
NAMES = ["w0", "x0", "w1", "x1", "w2"]


def make_points(n: int, seed: int = 0) -> list:
    rng = random.Random(seed)
    return [{k: rng.uniform(-3, 3) for k in NAMES} for _ in range(n)]


def cg_exe() -> str:
    return shutil.which("cg") or os.path.join(os.path.dirname(sys.executable), "cg")


def bench_cli_points(path: str, runs: int):
    walls, cpus = [], []
    for _ in range(runs):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        t = time.perf_counter()
        with open(os.devnull, "w") as null:
            subprocess.run([cg_exe(), "eval", EXPR, "--points", path], stdout=null, check=True)
        walls.append(time.perf_counter() - t)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpus.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    return statistics.median(walls), statistics.median(cpus)


def bench_cli_per_call(points: list, calls: int) -> float:
    t = time.perf_counter()
    for p in points[:calls]:
        args = [cg_exe(), "eval", EXPR, "--json"] + [a for k in NAMES for a in (f"--{k}", repr(p[k]))]
        subprocess.run(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)  # diagnostics
    return (time.perf_counter() - t) / calls


def bench_plan(points: list):
    from cgcli import parse
    from cgcli.batch.columns import Plan
    g = parse(EXPR)
    plan = Plan(g)
    t = time.perf_counter()
    value = []
    grads = {k: [] for k in NAMES}
    for s in range(0, len(points), 2048):
        chunk = points[s:s + 2048]
        cols = {k: [p[k] for p in chunk] for k in NAMES}
        vals, gr, _ = plan.run(cols, len(chunk))
        value += vals[g.output]
        for k in NAMES:
            grads[k] += gr[g.variables[k]]
    return (time.perf_counter() - t) / len(points), value, grads


def bench_run_loop(points: list) -> float:
    from cgcli import run
    from cgcli import parse
    g = parse(EXPR)
    t = time.perf_counter()
    for p in points:
        run(g, p)
    return (time.perf_counter() - t) / len(points)


def bench_micrograd(points: list):
    from micrograd.engine import Value

    def sigmoid(v):                       # a micrograd node, in the style of its relu
        s = 1 / (1 + math.exp(-v.data)) if v.data >= 0 else math.exp(v.data) / (1 + math.exp(v.data))
        out = Value(s, (v,), "sigmoid")

        def _backward():
            v.grad += s * (1 - s) * out.grad
        out._backward = _backward
        return out

    t = time.perf_counter()
    last = None
    for p in points:
        vs = {k: Value(p[k]) for k in NAMES}
        f = sigmoid(vs["w0"] * vs["x0"] + vs["w1"] * vs["x1"] + vs["w2"])
        f.backward()
        last = (f.data, {k: vs[k].grad for k in NAMES})
    return (time.perf_counter() - t) / len(points), last


def bench_torch_loop(points: list, torch):
    t = time.perf_counter()
    last = None
    for p in points:
        vs = {k: torch.tensor(p[k], dtype=torch.float64, requires_grad=True) for k in NAMES}
        f = torch.sigmoid(vs["w0"] * vs["x0"] + vs["w1"] * vs["x1"] + vs["w2"])
        f.backward()
        last = (f.item(), {k: vs[k].grad.item() for k in NAMES})
    return (time.perf_counter() - t) / len(points), last


def bench_torch_vector(points: list, torch):
    t = time.perf_counter()
    vs = {k: torch.tensor([p[k] for p in points], dtype=torch.float64, requires_grad=True) for k in NAMES}
    f = torch.sigmoid(vs["w0"] * vs["x0"] + vs["w1"] * vs["x1"] + vs["w2"])
    f.sum().backward()
    out = (f.detach().tolist(), {k: vs[k].grad.tolist() for k in NAMES})
    return (time.perf_counter() - t) / len(points), out


def agree(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-15)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--points", type=int, default=100_000)
    ap.add_argument("--calls", type=int, default=50, help="cg eval calls to extrapolate from")
    ap.add_argument("--sample", type=int, default=20_000, help="points for the slow per-point loops")
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    points = make_points(args.points)
    sample = points[:min(args.sample, len(points))]
    rows = []           # (method, seconds per point, note)
    notes = []

    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "points.jsonl")
        with open(path, "w") as f:
            for p in points:
                f.write(json.dumps(p) + "\n")
        wall, cpu = bench_cli_points(path, args.runs)
        out = subprocess.run([cg_exe(), "eval", EXPR, "--points", path], capture_output=True, check=True).stdout
    first = [json.loads(line) for line in out.splitlines()[:len(sample)]]
    rows.append(("cg eval --points (CLI end to end, wall)", wall / len(points), f"{len(points)} points"))
    rows.append(("cg eval --points (CLI end to end, per CPU s)", cpu / len(points), "user+sys time"))
    per_call = bench_cli_per_call(points, args.calls)
    rows.append(("cg eval once per point (--json)", per_call, f"{args.calls} calls, extrapolated"))

    plan_s, value, grads = bench_plan(points)
    rows.append(("cgcli.batch.columns.Plan in-process (no JSON)", plan_s, f"{len(points)} points"))
    rows.append(("cgcli.run per point in-process", bench_run_loop(sample), f"{len(sample)} points"))
    for k, d in enumerate(first):
        assert d["value"] == value[k] and all(d["gradients"][n] == grads[n][k] for n in NAMES)

    try:
        mg_s, (mv, mg) = bench_micrograd(sample)
        j = len(sample) - 1
        assert agree(mv, value[j]) and all(agree(mg[n], grads[n][j]) for n in NAMES)
        rows.append(("micrograd per point", mg_s, f"{len(sample)} points"))
    except ImportError:
        notes.append("micrograd is not installed (pip install -e '.[bench]'): skipped")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            import torch
        tl_s, (tv, tg) = bench_torch_loop(sample[:max(1, len(sample) // 4)], torch)
        j = max(1, len(sample) // 4) - 1
        assert agree(tv, value[j]) and all(agree(tg[n], grads[n][j]) for n in NAMES)
        rows.append((f"PyTorch {torch.__version__} per point", tl_s, f"{max(1, len(sample) // 4)} points"))
        tvec_s, (vv, vg) = bench_torch_vector(points, torch)
        assert all(agree(vv[k], value[k]) for k in range(0, len(points), 997))
        rows.append((f"PyTorch {torch.__version__} vectorised (one batch)", tvec_s,
                     f"{len(points)} points, {torch.get_num_threads()} threads"))
    except ImportError:
        notes.append("PyTorch is not installed: skipped (pip install torch)")

    ref = rows[0][1]
    print(f"2-D sigmoid neuron {EXPR}: value + 5 gradients per point")
    print(f"{'method':48} {'points/s':>12} {'x cg --points':>14}  note")
    for name, s, note in rows:
        print(f"{name:48} {1 / s:12,.0f} {ref / s:14.3f}  {note}")
    for n in notes:
        print("note:", n)


if __name__ == "__main__":
    main()
