"""Class-grading speed: `cg grade KEY answers.csv|answers.jsonl` for a class of --students
students x 5 problems (21 answers each), next to one `cg check SHEET --key KEY` per student.

    python bench/grade.py [--students 10000] [--calls 5] [--runs 3] [--wrong 0.25]

Side by side:
  - cg grade KEY answers.csv --format csv     the installed CLI end to end (wall clock, median of --runs)
  - cg grade KEY answers.jsonl --format csv   the same class as JSON Lines
  - cgcli.check.grade.grade_class in-process        reading + grading, no output
  - cg check SHEET --key KEY per student      --calls runs of the CLI, extrapolated to the class
Figures are answers per second (and CPU-second figures for the CLI: this machine is shared).
About a quarter of the answers are wrong (--wrong 0.5: half, each diagnosed), a few missing or
unreadable.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

KEY = '''title = "bench"
[[problem]]
id = "1"
program = """
q = x + y
f = q * z
"""
inputs = { x = 2, y = 3, z = -4 }
value = ""
node = { q = "" }
grad = { x = "", y = "", z = "" }

[[problem]]
id = "2"
expression = "sigmoid(w0*x0 + w1*x1 + w2)"
inputs = { w0 = 2, x0 = -1, w1 = -3, x1 = -2, w2 = -3 }
rounded = true
grad = { w0 = "", x0 = "", w1 = "", x1 = "", w2 = "" }

[[problem]]
id = "3"
expression = "max(x, y) * x + log(y)"
inputs = { x = 3, y = 1.5 }
points = 5
value = ""
grad = { x = "", y = "" }

[[problem]]
id = "4"
program = """
a = x * y
b = tanh(a)
f = b * b + x
"""
inputs = { x = 0.5, y = -1.5 }
node = { a = "", b = "" }
grad = { x = "", y = "", a = "" }

[[problem]]
id = "5"
expression = "exp(-x^2 / 2) * sin(w * x)"
inputs = { x = 0.7, w = 2 }
points = { "grad.x" = 3 }
value = ""
grad = { x = "", w = "" }
'''


def truth():
    from cgcli.check import grade as g
    path = os.path.join(tempfile.mkdtemp(), "key.toml")
    with open(path, "w") as f:
        f.write(KEY)
    key = g.read_key(path)
    cols = []
    for p in key.problems:
        prep = g.Prepared(p, p.inputs, {}, key.sheet)
        for t, node in zip(p.targets, prep.nodes):
            cols.append((f"{p.id}.{t.target}", g.check.lookup(prep.result, t.kind, node)))
    return path, cols


def make_class(n: int, cols: list, seed: int = 0, wrong: float = 0.25) -> list:
    rng = random.Random(seed)
    right = 0.95 - wrong
    rows = []
    for k in range(n):
        row = {}
        for name, v in cols:
            r = rng.random()
            if r < right:
                cell = repr(v) if not name.startswith("2.") else f"{v:.2f}"
            elif r < 0.95:            # a wrong answer, different for each student
                cell = f"{v * 1.5 + rng.uniform(0.1, 3):.3f}"
            elif r < 0.98:
                cell = ""
            else:
                cell = "abc"
            row[name] = cell
        rows.append((f"s{k:05d}", row))
    return rows


def write_csv(path, rows, cols):
    import csv
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["student"] + [c for c, _ in cols])
        for s, row in rows:
            w.writerow([s] + [row[c] for c, _ in cols])


def write_jsonl(path, rows):
    with open(path, "w") as f:
        for s, row in rows:
            f.write(json.dumps({"student": s, **{k: v for k, v in row.items() if v != ""}}) + "\n")


def write_sheet(path, key_path, row):
    from cgcli.check import grade as g
    key = g.read_key(key_path)
    lines = []
    for p in key.problems:
        lines.append(f'[[problem]]\nid = "{p.id}"')
        for t in p.targets:
            v = row[f"{p.id}.{t.target}"]
            if v:
                lines.append(f'{t.target} = "{v}"' if t.kind == "value" else f'{t.kind}.{t.name} = "{v}"')
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")


def cli_run(cg, args, runs):
    walls, cpus = [], []
    for _ in range(runs):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        t = time.perf_counter()
        p = subprocess.run([cg, *args], capture_output=True)
        walls.append(time.perf_counter() - t)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpus.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
        if p.returncode != 0:
            sys.exit(f"cg {' '.join(args)} exited {p.returncode}: {p.stderr.decode()[:500]}")
    return statistics.median(walls), statistics.median(cpus), p.stdout


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--students", type=int, default=10000)
    ap.add_argument("--calls", type=int, default=5)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--wrong", type=float, default=0.25, help="the fraction of wrong answers (at most 0.95)")
    a = ap.parse_args()
    cg = shutil.which("cg", path=os.path.dirname(sys.executable)) or shutil.which("cg")
    key_path, cols = truth()
    rows = make_class(a.students, cols, wrong=a.wrong)
    d = tempfile.mkdtemp()
    csv_path, jsonl_path = os.path.join(d, "answers.csv"), os.path.join(d, "answers.jsonl")
    write_csv(csv_path, rows, cols)
    write_jsonl(jsonl_path, rows)
    n = a.students * len(cols)
    print(f"{a.students} students x 5 problems = {n} answers, {a.wrong:.0%} of them wrong")

    from cgcli.check import grade as g
    key = g.read_key(key_path)
    t = time.perf_counter()
    cls = g.grade_class(key, csv_path, {})
    inproc = time.perf_counter() - t
    assert len(cls.students) == a.students and not cls.errors
    print(f"  grade_class in-process (CSV)        {n / inproc:12,.0f} answers/s  ({inproc:.2f} s)")

    for label, path in (("CSV", csv_path), ("JSON Lines", jsonl_path)):
        wall, cpu, out = cli_run(cg, ["grade", key_path, path, "--format", "csv"], a.runs)
        assert out.count(b"\n") == a.students + 1
        print(f"  cg grade ... {label:<10} --format csv {n / wall:12,.0f} answers/s  ({wall:.2f} s wall, "
              f"{n / cpu:,.0f} per CPU second)")
    csv_wall = cli_run(cg, ["grade", key_path, csv_path, "--format", "csv"], 1)[0]

    sheets = []
    for k in range(a.calls):
        p = os.path.join(d, f"{rows[k][0]}.toml")
        write_sheet(p, key_path, rows[k][1])
        sheets.append(p)
    t = time.perf_counter()
    for p in sheets:
        r = subprocess.run([cg, "check", p, "--key", key_path], capture_output=True)
        if r.returncode not in (0, 1):
            sys.exit(f"cg check --key exited {r.returncode}: {r.stderr.decode()[:500]}")
    per = (time.perf_counter() - t) / a.calls
    print(f"  cg check SHEET --key KEY per student {len(cols) / per:12,.0f} answers/s  "
          f"({per * 1000:.0f} ms per student, {per * a.students:.0f} s for the class, extrapolated)")
    print(f"  ratio: cg grade (CSV) is {per * a.students / csv_wall:.0f}x faster than one cg check per student")


if __name__ == "__main__":
    main()
