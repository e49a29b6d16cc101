"""Random graphs with one slip injected into a right answer, for the slip catalogue's tests
(tests/test_slip_catalogue.py) and its recall figures (bench/slips.py).

The slips' numbers are computed here, independently of cgcli.check.slips: a backward pass with
one rule broken (written out below), at injection sites chosen by the catalogue's documented
preconditions (docs/check.md, "Mistake diagnosis"). An injected number is rounded to 1-4
significant figures, as a student writes it, and graded by the grading core; the outcome is
classified by `judge`.
"""
from __future__ import annotations

import math
import random

from cgcli import CgError, evaluate
from cgcli.check import slips
from cgcli.check.answers import Tolerance, is_rounding_of, isclose, make_answer, rounded_text
from cgcli.check.grade import acceptable
from cgcli.check.grading import grade_one
from cgcli.core.ops import OPS

UNARY = [op for op in OPS if op.arity == 1]
BINARY = [op for op in OPS if op.arity == 2]
CODES = ("coarse-rounding", "sign", "value-for-grad", "swapped", "wrong-input", "fanout-partial",
         "no-upstream", "upstream-only", "other-node")
VARS = ("x", "y", "z", "w")


# --- random programs: every op of the op table, named nodes used more than once, loops ----------

def _call(op, args):
    if op.name == "neg":
        return f"-({args[0]})"
    if op.arity == 1:
        return f"{op.symbol}({args[0]})"
    if op.infix:
        return f"({args[0]}) {op.symbol} ({args[1]})"
    return f"{op.symbol}({args[0]}, {args[1]})"


def _expr(rng, leaves, depth):
    if depth <= 0 or rng.random() < 0.25:
        return rng.choice(leaves)
    if rng.random() < 0.4:
        op = rng.choice(UNARY)
        return _call(op, [_expr(rng, leaves, depth - 1)])
    op = rng.choice(BINARY)
    if op.name == "pow":
        return _call(op, [_expr(rng, leaves, depth - 1), rng.choice(["2", "3", "0.5", rng.choice(leaves)])])
    return _call(op, [_expr(rng, leaves, depth - 1), _expr(rng, leaves, depth - 1)])


def program(rng) -> str:
    """A random cg program: a few named statements (later ones reuse earlier names: fan-out),
    or a loop whose state is rebound (backpropagation through time)."""
    nv = rng.randint(2, 4)
    names = list(VARS[:nv])
    if rng.random() < 0.25:
        body = _expr(rng, ["w * h", "u", "h", "w"] + names[:1], 2)
        if "h" not in body:
            body = f"({body}) * h"
        return f"h = x; for t in range({rng.randint(2, 3)}): h = {rng.choice(['tanh', 'sigmoid', 'sin'])}({body} + u)"
    stmts = []
    leaves = list(names)
    for i in range(rng.randint(0, 3)):
        name = f"n{chr(97 + i)}"
        stmts.append(f"{name} = {_expr(rng, leaves, 2)}")
        leaves = leaves + [name, name]          # named nodes come up twice as often: fan-out
    stmts.append(_expr(rng, leaves, 3))
    return "; ".join(stmts)


def problem(rng):
    """(Result, text) of a random program at random inputs: finite, no kink, no saturation."""
    while True:
        text = program(rng)
        try:
            from cgcli import parse
            g = parse(text)
            inputs = {v: rng.choice([-1, 1]) * round(rng.uniform(0.2, 2.5), 1) for v in g.variables}
            r = evaluate(text, inputs)
        except CgError:
            continue
        if acceptable(r) is None and any(OPS[c].arity for c in r.graph.ops):
            return r, text


# --- the backward pass with one rule broken --------------------------------------------------

def backward(g, values, override=None, drop=(), start=None):
    """cgcli.core.passes' backward pass, except that the edges in `override` ((j, k) -> local)
    use that local gradient, the edges in `drop` add nothing, and it may start at another node
    (d start / d ...)."""
    override = override or {}
    n = len(g.ops)
    grads = [0.0] * n
    out = g.output if start is None else start
    grads[out] = 1.0
    for j in range(out, -1, -1):
        up = grads[j]
        op = OPS[g.ops[j]]
        if up == 0.0 or op.arity == 0:
            continue
        args = g.inputs(j)
        L = op.local(*[values[a] for a in args], values[j])
        L = L if isinstance(L, tuple) else (L,)
        for k, a in enumerate(args):
            if (j, k) not in drop:
                grads[a] += up * override.get((j, k), L[k])
    return grads


def _local(g, values, j):
    op = OPS[g.ops[j]]
    L = op.local(*[values[a] for a in g.inputs(j)], values[j])
    return L if isinstance(L, tuple) else (L,)


def _downstream(g, t):
    """Nodes that depend on t, and the consumer edges (j, k) of each such node."""
    dep = {t}
    into = {}
    for j in range(t + 1, g.output + 1):
        for k, a in enumerate(g.inputs(j) if OPS[g.ops[j]].arity else ()):
            if a in dep:
                dep.add(j)
                into.setdefault(a, []).append((j, k))
    return dep, into


def _avoids(g, into, t, j) -> bool:
    """Is there a path from t to the output that avoids j?"""
    stack, seen = [t], {t}
    while stack:
        a = stack.pop()
        if a == g.output:
            return True
        for c, _ in into.get(a, ()):
            if c != j and c not in seen:
                seen.add(c)
                stack.append(c)
    return False


def sites(r, t) -> dict:
    """code -> every (number, description) the slip gives for d out / d t, where its
    precondition holds."""
    g, values, grads = r.graph, r.values, r.grads
    G = grads[t]
    dep, into = _downstream(g, t)
    out = {c: [] for c in CODES}
    out["coarse-rounding"].append((G, "cg's number"))
    if G != 0:
        out["sign"].append((-G, "sign"))
    out["value-for-grad"].append((values[t], "value"))
    partners = set()
    for j, kt in into.get(t, ()):
        args = g.inputs(j)
        if len(args) == 2 and args[1 - kt] != t and g.needs_grad[args[1 - kt]] and grads[j] != 0:
            L = _local(g, values, j)
            if abs(L[0]) != abs(L[1]):
                number = backward(g, values, {(j, kt): L[1 - kt]})[t]
                if isclose(number, grads[args[1 - kt]], 1e-9, 1e-12):
                    partners.add(args[1 - kt])
                out["swapped"].append((number, ("swap", j)))
    for j in sorted(dep):
        if j == t or grads[j] == 0:
            continue
        op = OPS[g.ops[j]]
        args = g.inputs(j)
        xs = [values[a] for a in args]
        subs = [(s, c) for s, q in enumerate(args) if OPS[g.ops[q]].arity
                for c in g.inputs(q) if values[c] != values[q]]
        subs += [("out", c) for c in args if values[c] != values[j]]
        for s, c in subs:
            ys, o = list(xs), values[j]
            if s == "out":
                o = values[c]
            else:
                ys[s] = values[c]
            try:
                L2 = op.local(*ys, o)
            except (ArithmeticError, ValueError):
                continue
            L2 = L2 if isinstance(L2, tuple) else (L2,)
            over = {(j, k): L2[k] for k in range(len(args))}
            out["wrong-input"].append((backward(g, values, over)[t], ("fed", j, s, c)))
    for u in sorted(dep):
        edges = into.get(u, [])
        if len(edges) < 2:
            continue
        contrib = {e: grads[e[0]] * _local(g, values, e[0])[e[1]] for e in edges}
        if len(edges) <= slips.MAX_SUBSET:          # every strict part; wider: all but one, or one
            parts = [[e for b, e in enumerate(edges) if mask >> b & 1] for mask in range(1, (1 << len(edges)) - 1)]
        else:
            parts = [[e for e in edges if e != left] for left in edges] + [[e] for e in edges]
        for kept in parts:
            if any(contrib[e] == 0 for e in kept):
                continue
            drop = {e for e in edges if e not in kept}
            out["fanout-partial"].append((backward(g, values, drop=drop)[t], ("fan", u)))
    for j in sorted(dep):
        if j in (t, g.output) or grads[j] in (0.0, 1.0) or _avoids(g, into, t, j):
            continue
        out["no-upstream"].append((backward(g, values, start=j)[t], ("local", j)))
    if len(into.get(t, [])) == 1:
        j, k = into[t][0]
        if _local(g, values, j)[k] != 1.0:
            out["upstream-only"].append((grads[j], ("up", j)))
    for b in list(g.variables.values()) + list(g.assigned.values()):
        if b not in (t, g.output) and g.needs_grad[b] and b not in partners:
            out["other-node"].append((grads[b], ("other", b)))
    keep = {}
    for code, found in out.items():
        found = [(v, d) for v, d in found if math.isfinite(v) and not isclose(v, G, 1e-9, 1e-12)]
        if code == "coarse-rounding":
            found = [(G, "cg's number")] if math.isfinite(G) else []
        if found:
            keep[code] = found
    return keep


def written(v: float, sig: int) -> str:
    """v rounded to `sig` significant figures, as a student writes it."""
    if v == 0:
        return "0"
    e = math.floor(math.log10(abs(v))) - sig + 1
    if e > 0:                       # "1.3e3": a whole number's trailing zeros would be digits
        return format(v, f".{sig - 1}e").replace("e+0", "e").replace("e+", "e")
    return rounded_text(v, e)


# --- one trial ---------------------------------------------------------------------------------

class Outcome:
    __slots__ = ("code", "kind", "text", "named", "detail")

    def __init__(self, code, kind, text, named, detail=""):
        self.code, self.kind, self.text, self.named, self.detail = code, kind, text, named, detail

    def __repr__(self):
        return f"Outcome({self.code}, {self.kind}, {self.text!r}, named={self.named}, {self.detail})"


def _named(slip) -> list:
    if not slip:
        return []
    return [slip] + list(slip.get("also", []))


def _matches_text(a, v) -> bool:
    return isclose(a.number, v, 1e-6, 1e-9) or (a.exponent is not None and is_rounding_of(a.text, a.exponent, v))


def judge(r, t_name, t, code, number, sig, numbers=()) -> Outcome | None:
    """Grade the injected number written with `sig` significant figures; None when the written
    text is right (a correct answer) or cg's own number rounded while another slip is injected.
    kind: "named" (the slip is named), "hidden" (another slip matches better, or too many match
    equally: the answer names none or others that match it just as well), "miss" (the slip
    matches as well as any and is not named: a catalogue defect), "false" (a named slip's
    number does not match the answer at its precision)."""
    G = r.grads[t]
    text = written(number, sig)
    a = make_answer("grad", t_name, text)
    tol = Tolerance()
    row = grade_one(r, a, tol)
    if row.ok:
        return None
    if code != "coarse-rounding" and is_rounding_of(text, a.exponent, G):
        return None
    if code == "coarse-rounding" and not is_rounding_of(text, a.exponent, G):
        return None
    named = _named(row.slip)
    for s in named:
        if not _matches_text(a, s["slip_value"]):
            return Outcome(code, "false", text, named, "named slip does not match the answer")
    if named and row.slip.get("expected") != G:
        return Outcome(code, "false", text, named, "expected is not cg's number")
    if any(s["code"] == code for s in named):
        if numbers and not any(isclose(s["slip_value"], v, 1e-9, 1e-12)
                               for s in named if s["code"] == code for v in numbers):
            return Outcome(code, "false", text, named, "the named slip's number is no such slip's")
        return Outcome(code, "named", text, named)
    found = slips.catalogue(r, t).matching(a, tol)
    if any(s.code == code for s in found):
        if len(found) > slips.MAX_NAMED:
            return Outcome(code, "hidden", text, named, "too many equal matches")
        return Outcome(code, "miss", text, named, "matched but not named")
    # not among the best matches: is the injected number matched at all, and only by rounding
    # while something else matches exactly?
    if found and _quality(a, number) > _quality(a, found[0].number):
        return Outcome(code, "hidden", text, named, "a closer match")
    return Outcome(code, "miss", text, named, "not in the catalogue")


def _quality(a, v):
    return 0 if isclose(a.number, v, 1e-6, 1e-9) else 1


def trials(seed: int, problems: int):
    """Yield an Outcome per (problem, target, slip code, precision) of `problems` random problems."""
    rng = random.Random(seed)
    for _ in range(problems):
        r, text = problem(rng)
        g = r.graph
        names = [n for n, i in list(g.variables.items()) + list(g.assigned.items())
                 if i != g.output and g.needs_grad[i] and not n.startswith("h#")]
        for t_name in names:
            t = g.variables.get(t_name, g.assigned.get(t_name))
            if not math.isfinite(r.grads[t]):
                continue
            for code, found in sites(r, t).items():
                number, _ = rng.choice(found)
                for sig in (1, 2, 3, 4):
                    o = judge(r, t_name, t, code, number, sig, [v for v, _ in found])
                    if o is not None:
                        o.detail = f"{o.detail} [{text} @ {r.inputs} d/d{t_name}]"
                        yield o


def random_wrong(seed: int, problems: int, digits=(12,)):
    """Yield (text, slip) for random wrong answers written with `digits` significant figures,
    and whether a named slip's number truly matches the answer."""
    rng = random.Random(seed)
    for _ in range(problems):
        r, _ = problem(rng)
        g = r.graph
        for t_name, t in g.variables.items():
            if not g.needs_grad[t]:
                continue
            v = rng.uniform(-10, 10)
            for sig in digits:
                text = written(v, sig)
                a = make_answer("grad", t_name, text)
                row = grade_one(r, a, Tolerance())
                if row.ok:
                    continue
                yield text, row.slip, all(_matches_text(a, s["slip_value"]) for s in _named(row.slip))
