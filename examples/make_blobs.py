"""Make examples/blobs.csv: two Gaussian blobs in the plane, the data set of `cg fit`'s example.

    python examples/make_blobs.py [--n 100] [--seed 6] [--out examples/blobs.csv]

Class 0 is centred at (-1.5, -1.5), class 1 at (1.5, 1.5), each coordinate with standard
deviation 0.8, so a line separates them: a sigmoid neuron reaches about 99% training
accuracy. The rows alternate between the classes. Standard library only, fixed seed:
the same command always writes the same file (tests check the shipped file against it).
"""
from __future__ import annotations

import argparse
import random
import sys

CENTRES = ((-1.5, -1.5), (1.5, 1.5))
SPREAD = 0.8


def blobs(n: int, seed: int) -> list:
    """n points per class as (x0, x1, y) rows."""
    rng = random.Random(seed)
    rows = []
    for _ in range(n):
        for label, (cx, cy) in enumerate(CENTRES):
            rows.append((rng.gauss(cx, SPREAD), rng.gauss(cy, SPREAD), label))
    return rows


def csv_text(rows: list) -> str:
    lines = ["x0,x1,y"]
    lines += [f"{x0:.4f},{x1:.4f},{y}" for x0, x1, y in rows]
    return "\n".join(lines) + "\n"


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=100, help="points per class (default 100)")
    ap.add_argument("--seed", type=int, default=6)
    ap.add_argument("--out", default="examples/blobs.csv", help="'-' for stdout")
    args = ap.parse_args(argv)
    text = csv_text(blobs(args.n, args.seed))
    if args.out == "-":
        sys.stdout.write(text)
    else:
        with open(args.out, "w", encoding="utf-8", newline="\n") as f:
            f.write(text)


if __name__ == "__main__":
    main()
