"""Make examples/moons.csv: two interleaving half circles ("two moons"), a data set no line
separates, for training a two-layer network with `cg fit` (docs/vectors.md).

    python examples/make_moons.py [--n 100] [--seed 3] [--noise 0.1] [--out examples/moons.csv]

Class 0 lies on the upper half circle of radius 1 around (0, 0), class 1 on the lower half
circle around (1, 0.5), as in scikit-learn's make_moons, each point moved by Gaussian noise.
The rows alternate between the classes. Standard library only, fixed seed: the same command
always writes the same file (a test checks the shipped file against it).
"""
from __future__ import annotations

import argparse
import math
import random
import sys


def moons(n: int, seed: int, noise: float) -> list:
    """n points per class as (x0, x1, y) rows."""
    rng = random.Random(seed)
    rows = []
    for k in range(n):
        a = math.pi * k / (n - 1)
        rows.append((math.cos(a) + rng.gauss(0, noise), math.sin(a) + rng.gauss(0, noise), 0))
        rows.append((1 - math.cos(a) + rng.gauss(0, noise), 0.5 - math.sin(a) + rng.gauss(0, noise), 1))
    return rows


def csv_text(rows: list) -> str:
    lines = ["x0,x1,y"]
    lines += [f"{x0:.4f},{x1:.4f},{y}" for x0, x1, y in rows]
    return "\n".join(lines) + "\n"


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=100, help="points per class (default 100)")
    ap.add_argument("--seed", type=int, default=3)
    ap.add_argument("--noise", type=float, default=0.1)
    ap.add_argument("--out", default="examples/moons.csv", help="'-' for stdout")
    args = ap.parse_args(argv)
    text = csv_text(moons(args.n, args.seed, args.noise))
    if args.out == "-":
        sys.stdout.write(text)
    else:
        with open(args.out, "w", encoding="utf-8", newline="\n") as f:
            f.write(text)


if __name__ == "__main__":
    main()
