"""Mistake diagnosis: which slip in the backward pass reproduces a student's wrong number.

The catalogue: every slip is a rule over the graph with a precondition (where it means something)
and a number (what the broken backward pass gives). For a wrong gradient answer d(out)/d(t):

  code             precondition                                  the slip's number
  coarse-rounding  (always)                                      cg's own number (the answer rounds it)
  sign             cg's number is not 0                          -G
  value-for-grad   t's value differs from G                      t's forward value
  swapped          t and b are the two inputs of a gate whose    the backward pass with the locals
                   local gradients differ in more than sign      of t and b at that gate exchanged
                   (never add or sub: equal or opposite)         (df/db when both have one path)
  wrong-input      a gate on t's path whose local gradient uses  the backward pass with that value
                   an input q (or its output) that has inputs    replaced (df/dz = y = 3 where the
                   of its own: q's value replaced by one of them multiply needs q = x + y = 5)
                   (or the output by the gate's input)
  fanout-partial   a node used more than once, at t or between   the backward pass summing only a
                   t and the output                              strict subset of its contributions
  no-upstream      a node j between t and the output through     d j / d t (the local gradient
                   which every path from t runs, df/dj not 0, 1  without the upstream df/dj)
  upstream-only    t feeds one gate j once, whose local          df/dj (the upstream gradient
                   gradient for t is not 1                       passed on unchanged)
  other-node       another variable or named node b (not the     df/db
                   output, nor a swap partner whose df/db is
                   the swap's number)
  carried          error carried forward (grading.carry_forward: set there, never matched here)

A value answer (the output's or a node's) has two: coarse-rounding and sign.

Matching is at the precision the student wrote: an answer matches a slip's number exactly
(within the tolerance) or as its rounding to the answer's last written digit ("-0.4" matches
-0.3932 at one significant figure). An exact match outranks a rounded one; among the matches of
the best kind, the slips are ordered by ORDER (the plausibility order below). Different slips that
match equally are all named (the first is the slip, the others `also`), up to MAX_NAMED of them;
more than that is no evidence of any one of them, and none is named.

No answer is hard-coded: every rule runs over the graph and asks the op table (`local`,
`partials`, `gate`) for each gate, so a new op gets its slips for free. The numbers come from one
forward-mode sweep (T[j] = d node j / d t) and the recorded gradients: changing the locals of one
gate j by dL changes d(out)/d(t) by grads[j] × sum_k dL_k × T[input k], exactly the result of
rerunning the backward pass with that gate changed (the chain rule is linear in each edge). The
tests check this against deliberately broken backward passes.

The catalogue of a (Result, target) is built once and cached (CACHE_RESULTS results), sorted by
number: diagnosing a wrong answer is a bisection plus a memo lookup by the answer's text.
"""
from __future__ import annotations

import bisect
import math
import re

from ..core.fmt import fmt
from ..core.graph import display_names, labels, output_name
from ..core.ops import CONST, OPS, VAR, say_gate
from .answers import is_rounding_of, isclose, precise_enough, precision_needed, required_rounding

CACHE_RESULTS = 64
MAX_SUBSET = 8          # fan-outs up to this many contributions: every subset; wider: one left out
MAX_NAMED = 3           # more slips than this matching equally: none is named

# the plausibility order: where different slips match an answer equally, the first is the slip
ORDER = ("coarse-rounding", "sign", "value-for-grad", "swapped", "wrong-input", "fanout-partial",
         "no-upstream", "upstream-only", "other-node")
CODES = ORDER + ("carried",)
RANK = {code: k for k, code in enumerate(CODES)}

# what a class tally says of each slip ("9 students swapped w1/x1")
VERBS = {"coarse-rounding": "rounded too coarsely", "sign": "flipped the sign",
         "value-for-grad": "gave {node}'s forward value", "swapped": "swapped {t}/{node}",
         "wrong-input": "used {node} in the gate {gate}", "fanout-partial": "left out a fan-out branch of {node}",
         "no-upstream": "left out the upstream gradient of {node}",
         "upstream-only": "passed the upstream gradient of {gate} on unchanged",
         "other-node": "gave the gradient of {node}", "carried": "carried an earlier error forward"}

_CACHE: dict = {}       # id(result) -> (result, {target node: Catalogue})
_EXACT, _ROUNDED = 0, 1


def _n(v: float) -> str:
    return fmt(v, 4)


def tally_text(slip: dict, target: str | None) -> str:
    """What a class tally says of a slip (a slip_dict): "swapped w1/x1"."""
    return VERBS[slip["code"]].format(t=target or "", node=slip["node"] or "", gate=slip["gate"] or "")


class Slip:
    """One entry of a catalogue: a rule broken at one place, and the number it gives."""
    __slots__ = ("number", "code", "node", "gate", "info", "rank", "key")

    def __init__(self, number, code, node, gate=-1, info=None):
        self.number = number      # d(out)/d(t) as the broken pass computes it
        self.code = code          # one of ORDER
        self.node = node          # the node the slip concerns (see Diagnosis.slip)
        self.gate = gate          # the gate where it happens, or -1
        self.info = info          # what the wording needs (per code)
        self.rank = RANK[code]
        self.key = (code, node, gate)

    def __repr__(self):
        return f"Slip({self.code!r}, node={self.node}, gate={self.gate}, number={self.number!r})"


class Diagnosis:
    """The slips an answer reproduces (best first) and the feedback sentence made from them."""
    __slots__ = ("slips", "text", "slip")

    def __init__(self, slips, text, slip):
        self.slips = slips
        self.text = text          # the prose feedback
        self.slip = slip          # the machine-readable form (a dict, JSON-ready)


class Catalogue:
    __slots__ = ("numbers", "slips", "memo", "names", "t", "G", "local", "T")

    def __init__(self, slips, names, t, G, local, T):
        slips = [s for s in slips if math.isfinite(s.number)]
        slips.sort(key=lambda s: s.number)
        self.slips = slips
        self.numbers = [s.number for s in slips]
        self.memo: dict = {}
        self.names, self.t, self.G, self.local, self.T = names, t, G, local, T

    def matching(self, answer, tol) -> list:
        """The slips the answer reproduces at the best kind of match (exact before rounded),
        in plausibility order; one per distinct slip."""
        s = answer.number
        if not math.isfinite(s):
            return []
        w = (tol.atol + tol.rtol * abs(s)) / max(1.0 - tol.rtol, 1e-9)
        if answer.exponent is not None:
            w = max(w, 10.0 ** answer.exponent)
        w = w * (1 + 1e-9) + 1e-300
        lo = bisect.bisect_left(self.numbers, s - w)
        hi = bisect.bisect_right(self.numbers, s + w)
        best, found = None, []
        for sl in self.slips[lo:hi]:
            q = _quality(answer, sl.number, tol)
            if q is None:
                continue
            if best is None or q < best:
                best, found = q, [sl]
            elif q == best:
                found.append(sl)
        found.sort(key=lambda sl: (sl.rank, sl.node, sl.gate))
        out, seen = [], set()
        for sl in found:
            if sl.key not in seen:
                seen.add(sl.key)
                out.append(sl)
        return out


def _quality(answer, number: float, tol):
    """_EXACT (within the tolerance), _ROUNDED (the answer is `number` rounded to its last
    written digit) or None."""
    if isclose(answer.number, number, tol.rtol, tol.atol):
        return _EXACT
    if answer.exponent is not None and is_rounding_of(answer.text, answer.exponent, number):
        return _ROUNDED
    return None


def catalogue(result, t: int, out: str | None = None) -> Catalogue:
    """The slips of d(out)/d(node t), built once per (result, t)."""
    entry = _CACHE.get(id(result))
    if entry is None or entry[0] is not result:
        if len(_CACHE) >= CACHE_RESULTS:
            _CACHE.pop(next(iter(_CACHE)))
        entry = _CACHE[id(result)] = (result, {})
    cat = entry[1].get(t)
    if cat is None:
        cat = entry[1][t] = build(result, t, out)
    return cat


# --- diagnosing one answer --------------------------------------------------------------------

def diagnose(result, answer, i: int, tol, lab: str, got: float, out: str | None = None):
    """The feedback for a wrong answer (None when no slip reproduces it)."""
    d = diagnosis(result, answer, i, tol, lab, got, out)
    return d.text if d is not None else None


def diagnosis(result, answer, i: int, tol, lab: str, got: float, out: str | None = None):
    """The Diagnosis of a wrong answer, or None when no slip reproduces it (or too many do)."""
    if not math.isfinite(answer.number) or not math.isfinite(got):
        return None
    e = answer.exponent
    if e is not None and is_rounding_of(answer.text, e, got) and not isclose(answer.number, got, tol.rtol, tol.atol):
        return _rounding(answer, tol, lab, got, i, result, out)
    if answer.kind != "grad":
        if got != 0 and _quality(answer, -got, tol) is not None:
            sl = Slip(-got, "sign", i)
            names = _Names(result.graph, result.values, out)
            return _make([sl], answer, lab, got, names, _quality(answer, -got, tol), None)
        return None
    cat = catalogue(result, i, out)
    key = (answer.text, answer.number, tol.rtol, tol.atol, lab)
    hit = cat.memo.get(key, False)
    if hit is False:
        found = cat.matching(answer, tol)
        hit = None
        if 0 < len(found) <= MAX_NAMED:
            hit = _make(found, answer, lab, got, cat.names, _quality(answer, found[0].number, tol), cat)
        if len(cat.memo) > 4096:
            cat.memo.clear()
        cat.memo[key] = hit
    return hit


def _rounding(answer, tol, lab, got, i, result, out):
    if precise_enough(answer, tol, got) is not None:
        text = (f"{lab}: right but rounded too coarsely ({answer.text} for {_n(got)}); "
                f"write {precision_needed(tol)}: {required_rounding(got, tol)}")
    elif tol.rounded:
        text = f"{lab}: right but rounded ({answer.text} for {fmt(got)})"
    else:
        text = f"{lab}: right but rounded ({answer.text} for {fmt(got)}): it passes with --rounded"
    names = _Names(result.graph, result.values, out)
    sl = Slip(got, "coarse-rounding", i)
    return Diagnosis([sl], text, slip_dict(sl, names, got, []))


def slip_dict(sl, names, expected: float, also: list) -> dict:
    """The machine-readable slip: code, node, gate, expected, slip_value (and `also`, the other
    slips the answer matches equally, in the same form without `expected`)."""
    d = {"code": sl.code, "node": names.short[sl.node] if sl.node >= 0 else None,
         "gate": names.labels[sl.gate] if sl.gate >= 0 else None,
         "expected": expected, "slip_value": sl.number}
    if also is not None:
        d["also"] = [{k: v for k, v in slip_dict(o, names, expected, None).items() if k != "expected"}
                     for o in also]
    return d


def carried(result, t: int, lab: str, expected: float, value: float, theirs: str, out=None) -> Diagnosis:
    """The diagnosis of an answer carried forward (grading.carry_forward): right given the
    student's own numbers `theirs` ("df/dq = 3"), which give `value`."""
    names = _Names(result.graph, result.values, out)
    sl = Slip(value, "carried", t)
    text = f"{lab}: right given your {theirs}, which gives {lab} = {_n(value)} (carried forward)"
    return Diagnosis([sl], text, slip_dict(sl, names, expected, []))


def _make(found, answer, lab, G, names, quality, cat) -> Diagnosis:
    ans = answer.text if answer.exponent is not None else f"{answer.text} (= {_n(answer.number)})"
    parts = [_say(sl, ans, lab, G, names, cat, quality) for sl in found]
    text = f"{lab}: {parts[0]}"
    if len(parts) > 1:
        text += "; equally: " + "; or: ".join(parts[1:])
    return Diagnosis(found, text, slip_dict(found[0], names, G, found[1:]))


# --- the wording: one sentence per code, from the slip and the op table ------------------------

def _gives(number, ans, quality) -> str:
    return f": it gives {_n(number)}, which rounds to your {ans}" if quality == _ROUNDED else ""


def _is(number, quality) -> str:
    """"is 5" / "is -0.3932 rounded"."""
    return f"{_n(number)}" + (" rounded" if quality == _ROUNDED else "")


def _say(sl, ans, lab, G, N, cat, quality) -> str:
    code, info = sl.code, sl.info
    if code == "sign":
        return f"the sign is wrong ({lab} = {_n(G)})"
    t = cat.t
    tn = N.name(t)
    if code == "value-for-grad":
        how = " rounded" if quality == _ROUNDED else ""
        return f"your {ans} is the forward value of {tn}{how} ({N.desc(t)}), not its gradient ({lab} = {_n(G)})"
    if code == "other-node":
        b = sl.node
        return (f"your {ans} is {N.d(b)} (= {_is(sl.number, quality)}), the gradient of {N.name(b)}, "
                f"not {lab} (= {_n(G)})")
    if code == "swapped":
        j, b = sl.gate, sl.node
        kt, kb, pure = info
        s = (f"the gradients of {tn} and {N.name(b)} are swapped at the {N.word(j)} gate {N.labels[j]} "
             f"({N.gate(j)}): {tn} got {N.name(b)}'s share, upstream × {N.partial(j, kb)}")
        if pure:
            return s + f"; your {ans} is {N.d(b)} (= {_is(sl.number, quality)}), not {lab} (= {_n(G)})"
        return s + f", which gives {_is(sl.number, quality)}, not {lab} = {_n(G)}"
    if code == "wrong-input":
        j, c = sl.gate, sl.node
        right = info
        where = "output" if right == j else "input"
        return (f"your {ans} follows from {N.desc(c)} used in place of {N.desc(right)}, the {where} of the "
                f"{N.word(j)} gate {N.labels[j]} ({N.gate(j)}){_gives(sl.number, ans, quality)}; "
                f"with {N.desc(right)}, {lab} = {_n(G)}")
    if code == "fanout-partial":
        u = sl.node
        contrib, kept = info
        m = len(contrib)
        feeds = ", ".join(N.labels[j] for j, _, _ in contrib)
        total = sum(c for _, _, c in contrib)
        kept_txt = " and ".join(N.labels[j] for j, _, _ in kept)
        part = sum(c for _, _, c in kept)
        s = (f"{N.name(u)} is used {m} times ({feeds}); {N.d(u)} is the sum of all {m} contributions, "
             f"{_arith([c for _, _, c in contrib], total)}, but your {ans} "
             f"{'is' if u == t else 'follows from'} the contribution{'s' if len(kept) > 1 else ''} "
             f"through {kept_txt} alone ({_is(part, quality) if u == t else _n(part)})")
        if u != t:
            s += f", carried on to {tn} ({_is(sl.number, quality)})"
        return s
    if code == "no-upstream":
        j = sl.node
        return (f"your {ans} is the local gradient d{N.name(j)}/d{tn} = {_is(sl.number, quality)} without "
                f"the upstream factor {N.d(j)} = {_n(N.grads[j])}; "
                f"{lab} = {N.d(j)} × d{N.name(j)}/d{tn} = {_n(G)}")
    if code == "upstream-only":
        j = sl.gate
        k = info
        return (f"your {ans} is the upstream gradient {N.d(j)} = {_is(sl.number, quality)} passed on "
                f"unchanged; the {N.word(j)} gate {N.labels[j]} multiplies it by {N.partial(j, k)} "
                f"= {_n(cat.local[j][k])} ({N.gate(j)}), so {lab} = {_n(G)}")
    return code


def _arith(parts, total) -> str:
    """"3 + (-4) = -1", with as many digits as it takes for the shown sum to check."""
    for p in (4, 6, 8, 10, 12, 17):
        shown = [fmt(v, p) for v in parts]
        s = fmt(total, p)
        if fmt(math.fsum(float(x) for x in shown), p) == s or p == 17:
            return " + ".join(f"({x})" if x.startswith("-") else x for x in shown) + f" = {s}"
    return ""


class _Names:
    def __init__(self, graph, values, out, grads=None):
        self.short = display_names(graph)
        self.labels = labels(graph)
        self.graph = graph
        self.values = values
        self.grads = grads
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

    def word(self, j: int) -> str:
        """What the texts call gate j: the op table's gate text up to its first space or colon."""
        op = OPS[self.graph.ops[j]]
        return re.split(r"[ :]", op.gate, maxsplit=1)[0] if op.gate else op.name

    def gate(self, j: int) -> str:
        """The op table's gate description, in gate j's own names."""
        return say_gate(OPS[self.graph.ops[j]].gate, [self.name(x) for x in self.graph.inputs(j)])

    def partial(self, j: int, k: int) -> str:
        """The op table's partial for input k of gate j, in the gate's own names."""
        op = OPS[self.graph.ops[j]]
        text = op.partials[k] if k < len(op.partials) else ""
        ins = self.graph.inputs(j)
        sub = {"a": self.name(ins[0]), "b": self.name(ins[1]) if len(ins) > 1 else "b",
               "out": self.name(j)}
        return re.sub(r"\b(a|b|out)\b", lambda m: sub[m.group(1)], text)


# --- the rules ---------------------------------------------------------------------------------

def _locals(op, xs, o):
    try:
        L = op.local(*xs, o)
    except (ArithmeticError, ValueError):
        return None
    return L if isinstance(L, tuple) else (L,)


def build(result, t: int, out: str | None = None) -> Catalogue:
    g = result.graph
    values, grads = result.values, result.grads
    ops, in0, in1, needs = g.ops, g.in0, g.in1, g.needs_grad
    n = len(ops)
    G = grads[t]
    N = _Names(g, values, out, grads)
    slips: list = []
    out_node = g.output

    # forward-mode sweep from t: T[j] = d node j / d node t; locals of the gates it reaches
    T = [0.0] * n
    T[t] = 1.0
    dep = bytearray(n)          # structurally downstream of t (T may still be 0 there)
    dep[t] = 1
    local: dict = {}
    consumers: dict = {}
    for j in range(t + 1, out_node + 1):
        op = OPS[ops[j]]
        if op.arity == 0:
            continue
        args = (in0[j],) if op.arity == 1 else (in0[j], in1[j])
        if not any(dep[a] for a in args):
            continue
        dep[j] = 1
        L = _locals(op, [values[a] for a in args], values[j])
        if L is None:
            L = (math.nan,) * len(args)
        local[j] = L
        T[j] = sum(L[k] * T[a] for k, a in enumerate(args) if T[a])
        for k, a in enumerate(args):
            if dep[a]:
                consumers.setdefault(a, []).append((j, k))

    def far(number) -> bool:
        return math.isfinite(number) and not isclose(number, G, 1e-9, 1e-12)

    def add(number, code, node, gate=-1, info=None):
        if far(number):
            slips.append(Slip(number, code, node, gate, info))

    # sign: the whole answer's
    if G != 0.0:
        add(-G, "sign", t)

    # value-for-grad: t's own forward value
    add(values[t], "value-for-grad", t)

    # swapped: t and b, the two inputs of one gate whose locals differ in more than sign
    partners = set()
    for j, kt in consumers.get(t, ()):
        args = g.inputs(j)
        if len(args) != 2 or grads[j] == 0.0:
            continue
        kb = 1 - kt
        b = args[kb]
        L = local[j]
        if b == t or not needs[b] or not all(map(math.isfinite, L)) or abs(L[0]) == abs(L[1]):
            continue
        number = G + grads[j] * (L[kb] - L[kt])
        pure = isclose(number, grads[b], 1e-9, 1e-12) and len(consumers.get(t, ())) == 1
        if isclose(number, grads[b], 1e-9, 1e-12):
            partners.add(b)         # its gradient is the swap's number: one explanation, not two
        add(number, "swapped", b, j, (kt, kb, pure))

    # wrong-input: a gate's locals computed with an input q replaced by an input of q, or with
    # its output replaced by its input
    for j, L in local.items():
        if grads[j] == 0.0:
            continue
        op = OPS[ops[j]]
        args = g.inputs(j)
        xs = [values[a] for a in args]
        subs = []
        for s, q in enumerate(args):
            if OPS[ops[q]].arity:
                subs += [(s, q, c) for c in dict.fromkeys(g.inputs(q)) if values[c] != values[q]]
        subs += [("out", j, c) for c in dict.fromkeys(args) if values[c] != values[j]]
        for s, right, c in subs:
            ys, o = list(xs), values[j]
            if s == "out":
                o = values[c]
            else:
                ys[s] = values[c]
            L2 = _locals(op, ys, o)
            if L2 is None:
                continue
            delta = sum((L2[k] - L[k]) * T[a] for k, a in enumerate(args) if T[a] and L2[k] != L[k])
            if delta:
                add(G + grads[j] * delta, "wrong-input", c, j, right)

    # fanout-partial: a node used more than once, some of its contributions left out
    for u, edges in consumers.items():
        if len(edges) < 2 or not T[u]:
            continue
        contrib = [(j, k, grads[j] * local[j][k] if grads[j] != 0.0 else 0.0) for j, k in edges]
        m = len(contrib)
        if m <= MAX_SUBSET:
            subsets = [[c for bit, c in enumerate(contrib) if mask >> bit & 1] for mask in range(1, (1 << m) - 1)]
        else:
            subsets = [[c for c in contrib if c is not left] for left in contrib] + [[c] for c in contrib]
        total = sum(c[2] for c in contrib)
        for kept in subsets:
            if any(c[2] == 0.0 for c in kept):
                continue            # a contribution of 0 kept says nothing
            dropped = total - sum(c[2] for c in kept)
            add(G - dropped * T[u], "fanout-partial", u, -1, (contrib, kept))

    # no-upstream: d j / d t for a node j every path from t runs through
    through = _through(g, dep, t)
    for j in local:
        if j == out_node or grads[j] in (0.0, 1.0) or not T[j] or not through[j]:
            continue
        if isclose(grads[j] * T[j], G, 1e-9, 1e-12):
            add(T[j], "no-upstream", j)

    # upstream-only: t feeds one gate once; the upstream gradient passed on unchanged
    edges = consumers.get(t, ())
    if len(edges) == 1:
        j, k = edges[0]
        if local[j][k] != 1.0:
            add(grads[j], "upstream-only", j, j, k)

    # other-node: another variable's or named node's gradient
    for b in list(g.variables.values()) + list(g.assigned.values()):
        if b != t and b != out_node and needs[b] and b not in partners:
            add(grads[b], "other-node", b)
    return Catalogue(slips, N, t, G, local, T)


def _through(g, dep, t) -> bytearray:
    """Per node: does every path from t to the output run through it? (In topological order, j
    is on every path iff no edge a -> c between nodes on such paths has a < j < c.)"""
    n = g.output + 1
    live = bytearray(n)
    live[g.output] = dep[g.output]
    in0, in1 = g.in0, g.in1
    for j in range(g.output, t - 1, -1):
        if live[j]:
            for a in (in0[j], in1[j]):
                if a >= 0 and dep[a]:
                    live[a] = 1
    cross = [0] * (n + 1)
    for c in range(t + 1, n):
        if not live[c]:
            continue
        for a in (in0[c], in1[c]):
            if a >= 0 and live[a] and c - a > 1:
                cross[a + 1] += 1
                cross[c] -= 1
    out = bytearray(n)
    run = 0
    for j in range(n):
        run += cross[j]
        out[j] = 1 if (live[j] and run == 0) else 0
    return out
