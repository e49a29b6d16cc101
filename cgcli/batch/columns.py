"""Many points through one graph: the forward and backward passes column by column.

`cgcli.core.passes` runs one point through the graph, a Python loop over the nodes per point.
For thousands of points that loop dominates, so here a chunk of m points is one column per
node, and each node costs one `list(map(op.forward, column_a, column_b))` (the loop over
the points runs in C). The backward pass is the same with each op's local partials.

The op semantics are the op table's, unchanged: the forward functions and local partials
are `ops.OPS[...].forward` / `.local`. Where the table's symbolic partial is a literal
("1", "-1") or names an input or the output ("b", "a", "out"), the column is used directly
instead of calling `local`: the op table says where (`Op.direct`; tests check it against the
symbolic and the numeric partials).

The results are those of `passes.run` point by point, number for number: the same
operations in the same order. Where a chunk cannot follow the scalar rules column-wise (a
math domain error, a silent overflow, a non-finite gradient that needs a warning), it
raises `ChunkFailed` or flags the rows, and the caller reruns those points with
`passes.run`, which names the error.
"""
from __future__ import annotations

import math
from itertools import repeat
from operator import add, itemgetter, mul

from ..core.graph import Graph
from ..core.ops import CONST, OPS

_isfinite = math.isfinite

# how a backward step gets d(node)/d(input) for a column
_ONE, _CONST, _COL, _LOCAL = range(4)


class ChunkFailed(Exception):
    """The chunk hit an error (or a silent overflow): rerun its points one by one."""


def _partial_kind(op, k: int, ins: tuple, out: int):
    """How the backward step takes the op's k-th partial: a literal or one of the node's
    columns where the op table says so (`Op.direct`), else a call of `local`."""
    d = op.direct[k]
    if d is None:
        return _LOCAL, None
    if d == "a" or d == "b":
        return _COL, ins["ab".index(d)]
    if d == "out":
        return _COL, out
    return (_ONE, None) if d == 1.0 else (_CONST, float(d))


class Plan:
    """The graph compiled once into the steps of a column-wise forward and backward pass."""

    def __init__(self, graph: Graph):
        self.graph = graph
        ops, in0, in1, needs = graph.ops, graph.in0, graph.in1, graph.needs_grad
        self.n = len(ops)
        self.output = graph.output
        self.variables = list(graph.variables.items())
        self.consts = [(i, graph.const[i]) for i in range(self.n) if ops[i] == CONST]
        self.forward_steps = []
        for i in range(self.n):
            op = OPS[ops[i]]
            if op.arity:
                self.forward_steps.append((i, op.forward, in0[i], in1[i] if op.arity == 2 else -1))
        self.backward_steps = []
        for i in range(self.output, -1, -1):
            op = OPS[ops[i]]
            if not op.arity or not needs[i]:
                continue
            ins = (in0[i],) if op.arity == 1 else (in0[i], in1[i])
            parts = []
            for k, a in enumerate(ins):
                if not needs[a]:
                    continue
                kind, payload = _partial_kind(op, k, ins, i)
                parts.append((k, a, kind, payload))
            if parts:
                self.backward_steps.append((i, op.local, ins, parts))
        self.grad_nodes = [i for i in range(self.output + 1) if needs[i]]

    def run(self, columns: dict, m: int):
        """Values and gradients of every node for m points, as columns (lists of floats).

        `columns` maps every variable to its m values (finite floats). Returns (values, grads,
        flagged): grads[i] is None where nothing flows back to node i (a gradient of 0), and
        `flagged` lists the rows with a non-finite gradient (rerun them with passes.run for the
        warnings). Raises ChunkFailed on a math error or a non-finite value."""
        vals = [None] * self.n
        defaults = self.graph.defaults
        for name, i in self.variables:
            col = columns.get(name)
            vals[i] = col if col is not None or name not in defaults else [defaults[name]] * m
        for i, c in self.consts:
            vals[i] = [c] * m
        isfinite = _isfinite
        try:
            for i, f, a, b in self.forward_steps:
                col = list(map(f, vals[a], vals[b])) if b >= 0 else list(map(f, vals[a]))
                if not isfinite(sum(col)):        # + - * overflow to inf silently
                    raise ChunkFailed(i)
                vals[i] = col
        except (ValueError, ZeroDivisionError, OverflowError) as e:
            raise ChunkFailed(e) from None
        grads = [None] * self.n
        grads[self.output] = [1.0] * m
        for i, local, ins, parts in self.backward_steps:
            g = grads[i]
            if g is None:
                continue
            loc = None
            for k, a, kind, payload in parts:
                if kind == _ONE:
                    c = g
                else:
                    if kind == _CONST:
                        d = repeat(payload, m)
                    elif kind == _COL:
                        d = vals[payload]
                    else:
                        if loc is None:
                            cols = [vals[j] for j in ins]
                            loc = list(map(local, *cols, vals[i]))
                        d = loc if len(ins) == 1 else list(map(itemgetter(k), loc))
                    c = list(map(mul, g, d))
                    if kind != _CONST and not isfinite(sum(c)):
                        # a zero upstream contributes zero, even through an infinite partial
                        c = [u * v if u else 0.0 for u, v in zip(g, d)]
                prev = grads[a]
                grads[a] = c if prev is None else list(map(add, prev, c))
        flagged = set()
        for i in self.grad_nodes:
            col = grads[i]
            if col is not None and not isfinite(sum(col)):
                flagged.update(j for j, v in enumerate(col) if not isfinite(v))
        return vals, grads, sorted(flagged)
