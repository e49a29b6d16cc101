"""Grading core speed: grade_one per student answer, as `cg grade` calls it.

    python bench/grading.py [--students 10000] [--runs 3]

One key problem (the seeds' sigmoid neuron), --students answers per target, graded in-process:
  - right answers (the cheap path: no diagnosis)
  - wrong answers, all different (each diagnosed: bisection in the cached slip catalogue)
  - wrong answers, the same few numbers (memo hits)
  - formula answers (the problem's point and 5 random points; memo per text)
  - carry_forward over each student's rows
and the one-off cost of building a slip catalogue and the formula points. Figures are answers
per second (best of --runs); ratios are against the right-answer path.
"""
from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from cgcli import evaluate                                             # noqa: E402
from cgcli.check import formula  # noqa: E402
from cgcli.check import slips  # noqa: E402
from cgcli.check.answers import Tolerance, make_answer, node_names, output_name  # noqa: E402
from cgcli.check.grading import carry_forward, grade_one  # noqa: E402

NEURON = "sigmoid(w0*x0 + w1*x1 + w2)"
NEURON_IN = {"w0": 2, "x0": -1, "w1": -3, "x1": -2, "w2": -3}


def best(fn, runs):
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--students", type=int, default=10000)
    ap.add_argument("--runs", type=int, default=3)
    a = ap.parse_args()
    n = a.students
    r = evaluate(NEURON, NEURON_IN)
    names, out = node_names(r.graph), output_name(r.graph)
    tol = Tolerance(rounded=True)
    rng = random.Random(1)
    targets = list(r.graph.variables)

    t0 = time.perf_counter()
    for t in targets:
        slips.catalogue(r, r.graph.variables[t])
    build = (time.perf_counter() - t0) / len(targets)
    t0 = time.perf_counter()
    formula.points(r, "grad", r.graph.variables["w2"])
    pts = time.perf_counter() - t0

    right = [make_answer("grad", t, f"{r.grads[r.graph.variables[t]]:.2f}") for t in targets for _ in range(n // len(targets))]
    wrong = [make_answer("grad", t, f"{rng.uniform(-1, 1):.3f}") for t in targets for _ in range(n // len(targets))]
    same = [make_answer("grad", "w1", "-0.59") for _ in range(n)]
    forms = [make_answer("grad", "w2", rng.choice(["f*(1-f)", "f - f^2", "f*f", "sigmoid(w0*x0+w1*x1+w2)^2"]),
                         formula=True) for _ in range(n)]
    rows_per_student = [[make_answer("grad", "w1", "3"), make_answer("grad", "x1", f"{rng.uniform(-1, 1):.2f}")]
                        for _ in range(n // 2)]

    def grade_all(answers):
        def run():
            for ans in answers:
                grade_one(r, ans, tol, names, out)
        return run

    def ecf_all():
        for pair in rows_per_student:
            carry_forward(r, [grade_one(r, x, tol, names, out) for x in pair], 0.5)

    res = {}
    for label, answers in (("right", right), ("wrong, all different", wrong), ("wrong, the same number", same),
                           ("formula", forms)):
        res[label] = len(answers) / best(grade_all(answers), a.runs)
    res["grade + carry_forward"] = 2 * len(rows_per_student) / best(ecf_all, a.runs)
    print(f"slip catalogue: {build * 1e3:.2f} ms per target (once); formula points: {pts * 1e3:.2f} ms (once)")
    base = res["right"]
    for label, v in res.items():
        print(f"{label:26s} {v:12,.0f} answers/s   {v / base:5.2f} x right")


if __name__ == "__main__":
    main()
