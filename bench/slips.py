"""The slip catalogue's recall and false diagnoses on random graphs (issue 17).

    python bench/slips.py [--problems 300] [--seed 1]

Random programs over every op of the op table (named nodes reused: fan-out; max/min; loops that
rebind a state: backpropagation through time) at random inputs; for every variable and named node
t, every slip whose precondition holds at d out/d t is injected into the right answer (its number
computed by a deliberately broken backward pass, independently of cgcli.check.slips), written
with 1, 2, 3 and 4 significant figures, and graded by the grading core. Per slip code:

  named    the diagnosis names the injected slip
  hidden   it names another slip that matches the answer better (exactly, where the injected one
           only rounds to it), or none because more than MAX_NAMED slips match equally
  miss     the injected slip matches as well as any and is not named (a catalogue defect)
  false    a named slip's number does not match the answer at its precision

recall = named / trials. Then random wrong numbers: written with 12 significant figures (any
slip named is a false diagnosis) and with 1-3 (a slip may match by coincidence; it must match).
The generator is tests/slipgen.py, shared with tests/test_slip_catalogue.py.
"""
from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

import slipgen  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--problems", type=int, default=300)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    t0 = time.perf_counter()
    seen = Counter()
    by_sig = Counter()
    for o in slipgen.trials(args.seed, args.problems):
        seen[(o.code, o.kind)] += 1
        sig = len(o.text.partition("e")[0].replace("-", "").replace(".", "").lstrip("0")) or 1
        by_sig[(sig, o.kind == "named")] += 1
    kinds = ("named", "hidden", "miss", "false")
    print(f"{'code':<16}{'trials':>8}" + "".join(f"{k:>8}" for k in kinds) + f"{'recall':>9}")
    total = Counter()
    for code in slipgen.CODES:
        n = sum(seen[(code, k)] for k in kinds)
        for k in kinds:
            total[k] += seen[(code, k)]
        rec = seen[(code, "named")] / n if n else float("nan")
        print(f"{code:<16}{n:>8}" + "".join(f"{seen[(code, k)]:>8}" for k in kinds) + f"{rec:>9.1%}")
    n = sum(total.values())
    print(f"{'all':<16}{n:>8}" + "".join(f"{total[k]:>8}" for k in kinds) + f"{total['named'] / n:>9.1%}")
    print("recall by significant figures written: " + ", ".join(
        f"{s}: {by_sig[(s, True)] / max(1, by_sig[(s, True)] + by_sig[(s, False)]):.1%}" for s in (1, 2, 3, 4)))
    full = [slip for _, slip, _ in slipgen.random_wrong(args.seed + 1, args.problems, digits=(12,))]
    short = list(slipgen.random_wrong(args.seed + 2, args.problems, digits=(1, 2, 3)))
    print(f"random wrong answers, 12 figures: {len(full)}, with a slip named: {sum(1 for s in full if s)} "
          f"(false diagnoses)")
    print(f"random wrong answers, 1-3 figures: {len(short)}, with a slip named: "
          f"{sum(1 for _, s, _ in short if s)} (coincidences at that precision), of which false: "
          f"{sum(1 for _, s, ok in short if s and not ok)}")
    print(f"false diagnoses in all: {total['false'] + sum(1 for s in full if s) + sum(1 for _, s, ok in short if s and not ok)}"
          f"; {time.perf_counter() - t0:.1f} s")


if __name__ == "__main__":
    main()
