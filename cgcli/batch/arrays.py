"""Column-wise forward and backward passes with NumPy: the same two loops as cgcli.core.passes,
over whole columns (one array per node) instead of one number per node.

Used by `cg fit --batch N` (a mini-batch in one pass) when NumPy is installed; NumPy is an
optional dependency (the `fast` extra) and is imported only here. Each op's column-wise
forward and local partials are the `vec` field of its entry in cgcli/core/ops.py.

These passes never raise a domain error: where the scalar pass would raise (log(0), 1/0,
exp(1000), ...) NumPy's floating-point flag is caught and reported back as None, and the
caller redoes that batch with the scalar passes, which raise the error with its exact row
and subexpression. The same goes for a non-finite gradient (the scalar backward skips a zero
upstream gradient, which matters only at an infinite local derivative). Inputs must be
finite (the caller checks the parameters; data files are checked when read).
"""
from __future__ import annotations

from ..core.graph import Graph
from ..core.ops import CONST, OPS, VAR


def numpy():
    """The numpy module, or None when it is not installed."""
    try:
        import numpy as np
    except ImportError:
        return None
    return np


def supports(graph: Graph) -> bool:
    """Every op of the graph has a column-wise form."""
    return all(OPS[code].vec is not None for code in set(graph.ops) - {VAR, CONST})


class Columns:
    """A graph prepared for column-wise passes: per node its column-wise functions."""
    __slots__ = ("graph", "np", "fwd", "local", "arity", "var_of")

    def __init__(self, graph: Graph, np):
        self.graph = graph
        self.np = np
        self.fwd = [OPS[c].vec[0] if OPS[c].vec else None for c in range(len(OPS))]
        self.local = [OPS[c].vec[1] if OPS[c].vec else None for c in range(len(OPS))]
        self.arity = [op.arity for op in OPS]
        self.var_of = {i: name for name, i in graph.variables.items()}

    def forward(self, inputs: dict):
        """Each node's values: an array over the batch, or a plain number where the node
        depends on no column. Returns None where the scalar pass would raise a domain error
        (NumPy's floating-point flags for overflow, division by zero and invalid operations
        are raised as errors here, so no value needs checking afterwards)."""
        g, np = self.graph, self.np
        ops, in0, in1, const = g.ops, g.in0, g.in1, g.const
        fwd, arity, var_of = self.fwd, self.arity, self.var_of
        values: list = [0.0] * len(ops)
        with np.errstate(all="raise", under="ignore"):
            try:
                for i in range(len(ops)):
                    op = ops[i]
                    k = arity[op]
                    if k == 2:
                        values[i] = fwd[op](np, values[in0[i]], values[in1[i]])
                    elif k == 1:
                        values[i] = fwd[op](np, values[in0[i]])
                    elif op == CONST:
                        values[i] = const[i]
                    else:
                        values[i] = inputs[var_of[i]]
            except FloatingPointError:
                return None
        return values

    def total(self, values: list, i: int, n: int) -> float:
        """Node i's values summed over the batch of n rows."""
        v = values[i]
        return float(self.np.sum(v)) if self.np.ndim(v) else float(v) * n

    def backward(self, values: list, wanted: list, n: int):
        """d(output)/d(node) summed over the batch of n rows for the nodes in `wanted`, or
        None if any of them is not finite."""
        g, np = self.graph, self.np
        ops, in0, in1 = g.ops, g.in0, g.in1
        local, arity = self.local, self.arity
        grads: list = [None] * len(ops)
        grads[g.output] = 1.0
        with np.errstate(all="raise", under="ignore"):
            try:
                for i in range(g.output, -1, -1):
                    up = grads[i]
                    if up is None:
                        continue
                    k = arity[ops[i]]
                    if k == 2:
                        a, b = in0[i], in1[i]
                        da, db = local[ops[i]](np, values[a], values[b], values[i])
                        ga, gb = up * da, up * db
                        grads[a] = ga if grads[a] is None else grads[a] + ga
                        grads[b] = gb if grads[b] is None else grads[b] + gb
                    elif k == 1:
                        a = in0[i]
                        ga = up * local[ops[i]](np, values[a], values[i])
                        grads[a] = ga if grads[a] is None else grads[a] + ga
            except FloatingPointError:
                return None
        out = []
        for i in wanted:
            v = grads[i]
            if v is None:
                out.append(0.0)
                continue
            s = float(np.sum(v)) if np.ndim(v) else float(v) * n
            if s != s or s in (float("inf"), float("-inf")):
                return None
            out.append(s)
        return out

