"""Training speed: epochs per second for the seeds' sigmoid neuron, sigmoid(w0*x0 + w1*x1 + b),
with binary cross-entropy on 10^4 points (two Gaussian blobs), plain gradient descent,
side by side in one run:

  cg        per point (batch 1) and mini-batches: per-point passes, the pure-Python
            column-wise passes (cgcli.batch) and the NumPy column-wise passes (cgcli.batch.arrays)
  micrograd the same loop with micrograd's Value (per point and per mini-batch)
  PyTorch   the same loop with scalar tensors (per point) and with batched tensors
            (skipped with a note when torch is not installed)

    python bench/train.py [--points 10000] [--batch 100] [--seconds 1.5]

Every variant walks the rows in the same fixed order (no shuffling) from zero weights with the
same learning rate, so their losses after one epoch agree; each prints it as a check. The
variants are timed in interleaved rounds (the median is shown), so a drift in the machine's
load hits them all alike. Ratios are epochs/s relative to cg per point.
"""
from __future__ import annotations

import argparse
import io
import math
import os
import statistics
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "examples"))

MODEL = "sigmoid(w0*x0 + w1*x1 + b)"
LR = 0.1


def timed(epoch, seconds: float):
    """Run epoch() until `seconds` have passed (at least once); epochs per second."""
    n = 0
    t0 = time.perf_counter()
    while True:
        epoch()
        n += 1
        dt = time.perf_counter() - t0
        if dt >= seconds:
            return n / dt, n


# --- cg ---------------------------------------------------------------------------------------

def cg_variant(rows, batch: int, engine: str):
    from cgcli.train import data as data_mod
    from cgcli import parse
    from cgcli.train import loop as train
    text = "x0,x1,y\n" + "\n".join(f"{a!r},{b!r},{y}" for a, b, y in rows) + "\n"
    table = data_mod.read("-", stdin=io.StringIO(text))
    graph, pred, spec = train.loss_graph(parse(MODEL), "bce", "y")
    cols = {name: table.column(name) for name in ("x0", "x1", "y")}
    trainer = train.Trainer(graph, pred, cols, ["w0", "w1", "b"], {}, table, engine=engine)
    p = [0.0, 0.0, 0.0]
    opt = train.GD(3, LR)
    order = list(range(len(rows)))

    def epoch():
        train.run_epoch(trainer, order, batch, opt, p)
    return epoch, lambda: _final_loss(rows, p)


# --- micrograd --------------------------------------------------------------------------------

def micrograd_variant(rows, batch: int):
    from micrograd.engine import Value

    if not hasattr(Value, "exp"):       # micrograd 0.1.0 has no exp/log: add them its way
        def _exp(self):
            out = Value(math.exp(self.data), (self,), "exp")

            def _backward():
                self.grad += out.data * out.grad
            out._backward = _backward
            return out

        def _log(self):
            out = Value(math.log(self.data), (self,), "log")

            def _backward():
                self.grad += out.grad / self.data
            out._backward = _backward
            return out
        Value.exp, Value.log = _exp, _log

    w = [Value(0.0), Value(0.0), Value(0.0)]
    def point_loss(x0, x1, y):
        z = w[0] * x0 + w[1] * x1 + w[2]
        p = (1 + (-z).exp()) ** -1
        return -(y * p.log() + (1 - y) * (1 - p).log())

    def epoch():
        for s in range(0, len(rows), batch):
            chunk = rows[s:s + batch]
            loss = point_loss(*chunk[0])
            for r in chunk[1:]:
                loss = loss + point_loss(*r)
            loss = loss * (1.0 / len(chunk))
            for v in w:
                v.grad = 0.0
            loss.backward()
            for v in w:
                v.data -= LR * v.grad
    return epoch, lambda: _final_loss(rows, [v.data for v in w])


def _final_loss(rows, w) -> float:
    total = 0.0
    for x0, x1, y in rows:
        z = w[0] * x0 + w[1] * x1 + w[2]
        total += max(z, 0) - z * y + math.log1p(math.exp(-abs(z)))
    return total / len(rows)


# --- PyTorch ----------------------------------------------------------------------------------

def torch_variant(rows, batch: int, torch):
    X = torch.tensor([[a, b] for a, b, _ in rows], dtype=torch.float64)
    Y = torch.tensor([y for _, _, y in rows], dtype=torch.float64)
    w = torch.zeros(2, dtype=torch.float64, requires_grad=True)
    b = torch.zeros((), dtype=torch.float64, requires_grad=True)
    bce = torch.nn.functional.binary_cross_entropy_with_logits
    if batch == 1:                       # scalar tensors, one point at a time
        xs = [(X[i, 0], X[i, 1], Y[i]) for i in range(len(rows))]
        w0 = torch.zeros((), dtype=torch.float64, requires_grad=True)
        w1 = torch.zeros((), dtype=torch.float64, requires_grad=True)
        params = (w0, w1, b)

        def epoch():
            for x0, x1, y in xs:
                z = w0 * x0 + w1 * x1 + b
                loss = bce(z, y)
                for p in params:
                    p.grad = None
                loss.backward()
                with torch.no_grad():
                    for p in params:
                        p -= LR * p.grad
        return epoch, lambda: _final_loss(rows, [w0.item(), w1.item(), b.item()])

    def epoch():
        for s in range(0, len(rows), batch):
            z = X[s:s + batch] @ w + b
            loss = bce(z, Y[s:s + batch])
            w.grad = None
            b.grad = None
            loss.backward()
            with torch.no_grad():
                w.sub_(LR * w.grad)
                b.sub_(LR * b.grad)
    return epoch, lambda: _final_loss(rows, [w[0].item(), w[1].item(), b.item()])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--points", type=int, default=10_000)
    ap.add_argument("--batch", type=int, default=100)
    ap.add_argument("--seconds", type=float, default=1.5, help="time per variant (over all rounds)")
    ap.add_argument("--rounds", type=int, default=3, help="interleaved rounds; the median is shown")
    ap.add_argument("--only", default="", help="run only the variants whose name contains this")
    args = ap.parse_args()
    from make_blobs import blobs
    rows = blobs(args.points // 2, seed=1)
    B = args.batch
    variants = {
        "cg, per point (batch 1)": lambda: cg_variant(rows, 1, "python"),
        "cg, batch 4, per-point passes": lambda: cg_variant(rows, 4, "python"),
        "cg, batch 4, Python column-wise": lambda: cg_variant(rows, 4, "columns"),
        "cg, batch 32, Python column-wise": lambda: cg_variant(rows, 32, "columns"),
        "cg, batch 32, NumPy column-wise": lambda: cg_variant(rows, 32, "numpy"),
        f"cg, batch {B}, per-point passes": lambda: cg_variant(rows, B, "python"),
        f"cg, batch {B}, Python column-wise": lambda: cg_variant(rows, B, "columns"),
        f"cg, batch {B}, NumPy column-wise": lambda: cg_variant(rows, B, "numpy"),
        f"cg, full batch ({len(rows)}), Python col.": lambda: cg_variant(rows, len(rows), "columns"),
        f"cg, full batch ({len(rows)}), NumPy": lambda: cg_variant(rows, len(rows), "numpy"),
        "micrograd, per point": lambda: micrograd_variant(rows, 1),
        f"micrograd, batch {B}": lambda: micrograd_variant(rows, B),
    }
    notes = []
    try:
        import torch
        torch.set_num_threads(1)
        variants["PyTorch, per point (scalar tensors)"] = lambda: torch_variant(rows, 1, torch)
        variants[f"PyTorch, batch {B} (batched tensors)"] = lambda: torch_variant(rows, B, torch)
        variants[f"PyTorch, full batch ({len(rows)})"] = lambda: torch_variant(rows, len(rows), torch)
        notes.append(f"torch {torch.__version__}, 1 thread")
    except ImportError:
        notes.append("PyTorch is not installed: skipped (pip install torch==2.13.0 for the CPU build)")
    try:
        import numpy
        notes.append(f"numpy {numpy.__version__}")
    except ImportError:
        notes.append("NumPy is not installed: the column-wise cg rows fall back to per-point passes")
    print(f"sigmoid neuron + BCE, {len(rows)} points, gd lr {LR}, Python {sys.version.split()[0]}; "
          + "; ".join(notes))
    print(f"{'variant':40} {'epochs/s':>10} {'ms/epoch':>10} {'x cg/pt':>8}  {'loss after 1 epoch':>22}")
    ready = {}
    for name, make in variants.items():
        if args.only not in name:
            continue
        try:
            epoch, final = make()
        except ImportError as e:
            print(f"{name:40} skipped: {e}")
            continue
        epoch()                          # the check: the loss after one epoch from zero
        ready[name] = (epoch, final())
    rates = {name: [] for name in ready}
    for _ in range(args.rounds):         # interleaved rounds: load drifts hit every variant
        for name, (epoch, _) in ready.items():
            rates[name].append(timed(epoch, args.seconds / args.rounds)[0])
    base = None
    for name, (_, check) in ready.items():
        rate = statistics.median(rates[name])
        base = base or rate
        print(f"{name:40} {rate:10.2f} {1000 / rate:10.1f} {rate / base:8.2f}  {check:22.15f}")

if __name__ == "__main__":
    main()
