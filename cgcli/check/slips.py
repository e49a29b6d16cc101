"""Mistake diagnosis: which slip in the backward pass reproduces a student's wrong number.

For a wrong gradient answer d(out)/d(t), cg considers the backward pass with one rule broken
at a time and names the first slip (in the order below) whose number the answer reproduces
within the answer's tolerance (with rounding when the answer is written precisely enough):

  rounded     the answer is cg's number rounded too coarsely (checked on the answer's text)
  swapped     the answer is the gradient of a node sharing a gate with t (the texts' swapped
              dw1/dx1); any other variable or named node comes later, after "no upstream"
  wrong value a gate's local gradient computed from the wrong node's value: one argument of
              the op table's `local` (an input, or the gate's output) replaced by the value of
              a neighbour: an input of that input (the texts' df/dz = y = 3 where the multiply
              gate needs q = x + y = 5), the gate's other input, the gate's output or input
  fan-out     a node with several consumers whose gradient sums only some of the
              contributions (a strict nonempty subset), at t or at any node between t and
              the output
  no upstream the local gradient d(node)/d(t) given without the upstream factor d(out)/d(node)
  sign        the sign of the whole answer flipped (before "no upstream"), or of one gate's
              local gradient (last)

No answer is hard-coded: every rule runs over the graph and asks the op table (`local`,
`partials`, `gate`) for each gate, so a new op gets its slips for free. The numbers come from
one forward-mode sweep (T[j] = d node j / d t) and the recorded gradients: breaking edge
(j -> a) from local L to L' changes d(out)/d(t) by grads[j] × (L' - L) × T[a], exactly the
result of rerunning the backward pass with that one edge changed (the chain rule is linear in
each edge). The tests check this against deliberately broken backward passes.

The catalogue of a (Result, target) is built once and cached (CACHE_RESULTS results), sorted
by number: diagnosing a wrong answer is a bisection plus a memo lookup by the answer's text.
"""
from __future__ import annotations

import bisect
import math
import re

from ..core.fmt import fmt
from ..core.ops import CONST, OPS, VAR, say_gate

CACHE_RESULTS = 64
MAX_SUBSET = 8          # fan-outs up to this many contributions: every subset; wider: one left out

RANKS = {"rounded": 0, "swapped": 1, "wrong value": 2, "fan-out": 3, "sign": 4, "no upstream": 5,
         "swapped (other)": 6, "edge sign": 7}

_CACHE: dict = {}       # id(result) -> (result, {target node: Catalogue})


def _n(v: float) -> str:
    return fmt(v, 4)


def _sum(parts) -> str:
    return " + ".join(f"({_n(v)})" if v < 0 else _n(v) for v in parts)


class Slip:
    __slots__ = ("number", "kind", "node", "rank", "text")

    def __init__(self, number, kind, node, text):
        self.number = number      # d(out)/d(t) as the broken pass computes it
        self.kind = kind          # one of RANKS
        self.node = node          # the node where the rule is broken
        self.rank = RANKS[kind]
        self.text = text          # the feedback

    def __repr__(self):
        return f"Slip({self.kind!r}, node={self.node}, number={self.number!r})"


class Catalogue:
    __slots__ = ("numbers", "slips", "memo")

    def __init__(self, slips):
        slips = [s for s in slips if math.isfinite(s.number)]
        slips.sort(key=lambda s: s.number)
        self.slips = slips
        self.numbers = [s.number for s in slips]
        self.memo: dict = {}

    def matching(self, answer, tol) -> list:
        """Every slip the answer reproduces, best first."""
        from .answers import matches
        s = answer.number
        if not math.isfinite(s):
            return []
        w = (tol.atol + tol.rtol * abs(s)) / max(1.0 - tol.rtol, 1e-9)
        if answer.exponent is not None:
            w += 10.0 ** answer.exponent
        w = w * (1 + 1e-9) + 1e-300
        lo = bisect.bisect_left(self.numbers, s - w)
        hi = bisect.bisect_right(self.numbers, s + w)
        found = [sl for sl in self.slips[lo:hi] if matches(answer, sl.number, tol)]
        found.sort(key=lambda sl: sl.rank)
        return found


def catalogue(result, t: int, out: str | None = None) -> Catalogue:
    """The slips of d(out)/d(node t), built once per (result, t)."""
    entry = _CACHE.get(id(result))
    if entry is None or entry[0] is not result:
        if len(_CACHE) >= CACHE_RESULTS:
            _CACHE.pop(next(iter(_CACHE)))
        entry = _CACHE[id(result)] = (result, {})
    cat = entry[1].get(t)
    if cat is None:
        cat = entry[1][t] = Catalogue(build(result, t, out))
    return cat


def diagnose(result, answer, i: int, tol, lab: str, got: float, out: str | None = None):
    """The feedback for a wrong answer (None when no slip reproduces it)."""
    from .answers import is_rounding_of, precise_enough, precision_needed, required_rounding
    if not math.isfinite(answer.number) or not math.isfinite(got):
        return None
    e = answer.exponent
    rounding = None
    if e is not None and is_rounding_of(answer.text, e, got):
        why = precise_enough(answer, tol)
        if why is not None:
            rounding = (f"{lab}: right but rounded too coarsely ({answer.text} for {_n(got)}); "
                        f"write {precision_needed(tol)}: {required_rounding(got, tol)}")
        else:
            rounding = f"{lab}: right but rounded ({answer.text} for {fmt(got)}): it passes with --rounded"
    if rounding:                # cg's own number, rounded: that explains it best
        return rounding
    if answer.kind != "grad":
        if got != 0 and (abs(answer.number + got) <= tol.atol + tol.rtol * abs(got)):
            return f"{lab}: the sign is wrong ({lab} = {_n(got)})"
        return None
    cat = catalogue(result, i, out)
    key = (answer.text, tol.rtol, tol.atol, tol.rounded, tol.min_sig_figs, tol.min_decimals)
    hit = cat.memo.get(key, False)
    if hit is False:
        found = cat.matching(answer, tol)
        hit = found[0].text if found else None
        if len(cat.memo) > 4096:
            cat.memo.clear()
        cat.memo[key] = hit
    return hit


# --- the rules -----------------------------------------------------------------------------

def _word(op) -> str:
    """What the texts call a gate: the op table's gate text up to its first space or colon."""
    return re.split(r"[ :]", op.gate, maxsplit=1)[0] if op.gate else op.name


class _Names:
    def __init__(self, graph, values, out):
        from .answers import output_name
        from ..core.graph import display_names, labels
        self.short = display_names(graph)
        self.labels = labels(graph)
        self.graph = graph
        self.values = values
        self.out = out or output_name(graph)

    def desc(self, j: int) -> str:
        """"q = x + y = 5", "y = 3", "w0 * x0 = -2"."""
        g = self.graph
        short, lab = self.short[j], self.labels[j]
        v = _n(self.values[j])
        if g.ops[j] == CONST:
            return v
        if j in g.names and short != lab:
            return f"{short} = {lab} = {v}"
        return f"{lab} = {v}"

    def name(self, j: int) -> str:
        """A node as a student refers to it: its name, else its subexpression."""
        g = self.graph
        return self.short[j] if (j in g.names or g.ops[j] in (VAR, CONST)) else f"({self.labels[j]})"

    def d(self, j: int) -> str:
        return f"d{self.out}/d{self.name(j)}"

    def partial(self, j: int, k: int) -> str:
        """The op table's partial for input k of gate j, in the gate's own names."""
        op = OPS[self.graph.ops[j]]
        text = op.partials[k] if k < len(op.partials) else ""
        ins = self.graph.inputs(j)
        sub = {"a": self.name(ins[0]), "b": self.name(ins[1]) if len(ins) > 1 else "b",
               "out": self.name(j)}
        return re.sub(r"\b(a|b|out)\b", lambda m: sub[m.group(1)], text)


def build(result, t: int, out: str | None = None) -> list:
    g = result.graph
    values, grads = result.values, result.grads
    ops, in0, in1, needs = g.ops, g.in0, g.in1, g.needs_grad
    n = len(ops)
    G = grads[t]
    N = _Names(g, values, out)
    lab = N.d(t)
    slips: list = []

    # forward-mode sweep from t: T[j] = d node j / d node t; locals of the gates it reaches
    T = [0.0] * n
    T[t] = 1.0
    dep = bytearray(n)          # structurally downstream of t (T may still be 0 there)
    dep[t] = 1
    local: dict = {}
    consumers: dict = {}
    for j in range(t + 1, g.output + 1):
        op = OPS[ops[j]]
        if op.arity == 0:
            continue
        args = (in0[j],) if op.arity == 1 else (in0[j], in1[j])
        if not any(dep[a] for a in args):
            continue
        dep[j] = 1
        L = op.local(*[values[a] for a in args], values[j])
        L = L if isinstance(L, tuple) else (L,)
        local[j] = L
        T[j] = sum(L[k] * T[a] for k, a in enumerate(args) if T[a])
        for k, a in enumerate(args):
            if dep[a]:
                consumers.setdefault(a, []).append((j, k))

    def add(number, kind, node, text):
        if math.isfinite(number) and number != G:
            slips.append(Slip(number, kind, node, text))

    # swapped: another node's gradient (a node sharing a gate with t first)
    siblings = {}
    for j, k in consumers.get(t, ()):
        for k2, b in enumerate(g.inputs(j)):
            if b != t and needs[b]:
                siblings.setdefault(b, j)
    for b, j in siblings.items():
        op = OPS[ops[j]]
        add(grads[b], "swapped", b,
            f"{lab}: you gave {N.d(b)} = {_n(grads[b])}: the gradients of {N.name(t)} and {N.name(b)} "
            f"are swapped ({say_gate(op.gate, [N.name(x) for x in g.inputs(j)])}; {lab} = upstream × {N.partial(j, list(g.inputs(j)).index(t))} "
            f"= {_n(G)})")
    for name, b in list(g.variables.items()) + list(g.assigned.items()):
        if b != t and b not in siblings and needs[b]:
            add(grads[b], "swapped (other)", b,
                f"{lab}: you gave {N.d(b)} = {_n(grads[b])}, the gradient of {name}, not of {N.name(t)}")

    # wrong value: one argument of a gate's local gradient taken from a neighbour's value
    for j, L in local.items():
        op = OPS[ops[j]]
        args = g.inputs(j)
        xs = [values[a] for a in args]
        word = _word(op)
        for k, a in enumerate(args):
            if not T[a] or grads[j] == 0.0:
                continue
            scale = grads[j] * T[a]
            slots = list(range(len(args))) + ["out"]
            for s in slots:
                if s == "out":
                    right, cands = j, list(args)
                    where = f"the {word} gate's output is {N.desc(j)}"
                else:
                    b = args[s]
                    right = b
                    cands = [c for c in g.inputs(b)] + [c for c in args if c != b] + [j]
                    where = (f"the {word} gate's {'other ' if s != k else ''}input is {N.desc(b)}")
                seen = set()
                for c in cands:
                    if c == right or c in seen or values[c] == values[right]:
                        continue
                    seen.add(c)
                    ys = list(xs)
                    o = values[j]
                    if s == "out":
                        o = values[c]
                    else:
                        ys[s] = values[c]
                    try:
                        L2 = op.local(*ys, o)
                    except (ArithmeticError, ValueError):
                        continue
                    L2 = L2[k] if isinstance(L2, tuple) else L2
                    if L2 == L[k] or not math.isfinite(L2):
                        continue
                    add(G + scale * (L2 - L[k]), "wrong value", j,
                        f"{lab}: you used {N.desc(c)}; {where} "
                        f"(the gate {N.labels[j]} gives {N.name(a)} upstream × {N.partial(j, k)})")

    # fan-out: a node with several consumers, some contributions left out
    for u, edges in consumers.items():
        contrib = [(j, k, grads[j] * local[j][k] if grads[j] != 0.0 else 0.0) for j, k in edges]
        m = len(contrib)
        if m < 2:
            continue
        total = sum(c[2] for c in contrib)
        if m <= MAX_SUBSET:
            subsets = [[c for bit, c in enumerate(contrib) if mask >> bit & 1] for mask in range(1, (1 << m) - 1)]
        else:
            subsets = [[c for c in contrib if c is not left] for left in contrib] + [[c] for c in contrib]
        feeds = ", ".join(N.labels[j] for j, k, _ in contrib)
        for kept in subsets:
            dropped = total - sum(c[2] for c in kept)
            then = "" if u == t else f", and carried that on to {N.name(t)}"
            add(G - dropped * T[u], "fan-out", u,
                f"{lab}: {N.name(u)} feeds {m} gates ({feeds}); its gradient {N.d(u)} is the sum of all "
                f"{m} contributions, {_sum(c[2] for c in contrib)} = {_n(total)}, but you summed "
                f"only {_sum(c[2] for c in kept)}{then}")

    # no upstream: d(node)/d(t) without the factor d(out)/d(node)
    for j in local:
        if j == g.output or grads[j] in (0.0, 1.0):
            continue
        add(T[j], "no upstream", j,
            f"{lab}: you gave the local gradient d{N.name(j)}/d{N.name(t)} = {_n(T[j])} without the "
            f"upstream factor {N.d(j)} = {_n(grads[j])} ({lab} = {_n(grads[j])} × {_n(T[j])} = {_n(G)})")

    # sign: the whole answer, or one gate's local gradient
    add(-G, "sign", t, f"{lab}: the sign is wrong ({lab} = {_n(G)})")
    for j, L in local.items():
        for k, a in enumerate(g.inputs(j)):
            if T[a] and grads[j] != 0.0 and L[k] != 0.0:
                op = OPS[ops[j]]
                add(G - 2 * grads[j] * L[k] * T[a], "edge sign", j,
                    f"{lab}: a sign slip at the {_word(op)} gate {N.labels[j]}: it gives {N.name(a)} "
                    f"upstream × {N.partial(j, k)} = upstream × {_n(L[k])}")
    return slips
