"""Quiz mode (`cg explain --quiz`, `cg practice`): the number a learner types for a step, judged
with cg check's grading core and diagnosed with its slips.

A step asks for one number: a forward step the gate's value, a backward step the gradient the
gate sends along one edge (upstream × local); `cg practice` also asks for the whole gradient
d(output)/d(node). An answer is right when `cgcli.check.answers.matches` accepts it under
TOLERANCE (cg check's default rtol/atol with its rounding rule, `--rounded`: a correct
rounding written with at least 2 significant figures). A wrong one is named by the first
slip (best first) whose number it reproduces; the slips come from cgcli.check.slips through
one adapter, `slips_for`, so that a change of that module's API touches one function.
"""
from __future__ import annotations

import math

from ..core.fmt import fmt



def tolerance():
    """cg check's tolerance with its rounding rule (`cg check --rounded`)."""
    from ..check.answers import Tolerance
    return Tolerance(rounded=True)


def _n(v: float) -> str:
    return fmt(v, 4)


def slips_for(result, kind: str, node: int, edge=None, walk=None, ties=False) -> list:
    """The adapter to cgcli.check.slips: [(number, code, message)], best first, one per
    number, none equal to the right number. kind "value": the value of `node`; "grad":
    d(output)/d(node), cg check's catalogue; "edge": what `edge` (a steps.Edge of `walk`)
    sends to its input: where that input has one use, its whole gradient (the catalogue
    again); where it fans out, the slips of that one contribution. ties: keep every slip
    (cg practice checks that no two give the same number)."""
    from ..check import slips as S
    from ..core.graph import display_names, output_name
    g = result.graph
    names = display_names(g)
    out: list = []
    if kind == "value":
        v = result.values[node]
        if v != 0 and math.isfinite(v):
            lab = output_name(g) if node == g.output else names[node]
            out.append((-v, "sign", f"{lab}: the sign is wrong ({lab} = {_n(v)})"))
        return out
    if kind == "edge" and len(walk.incoming.get(edge.to, ())) == 1:
        kind, node = "grad", edge.to
    if kind == "grad":
        G = result.grads[node]
        out = [(s.number, s.code, text) for s, text in _worded(S, result, node)]
        return out if ties else _distinct(out, G)
    # one contribution into a fan-out node a: P = upstream × local, sent by gate j
    from ..core.ops import OPS, say_gate
    e = edge
    j, a, P = e.node, e.to, e.product
    U, L = result.grads[j], e.local
    args = g.inputs(j)
    op = OPS[g.ops[j]]
    gate = say_gate(op.gate, [names[x] for x in args])
    what = f"the contribution {names[j]} sends to {names[a]}"
    alone = args.count(a) == 1 and not any(b != a and _depends(g, b, a) for b in args)
    if alone:                          # cg check's slips at this gate, moved onto this edge
        G = result.grads[a]
        for s, text in _worded(S, result, a):
            if s.gate == j and s.code == "wrong-input":
                out.append((s.number - G + P, s.code, f"{what}: {text}"))
    out.append((-P, "sign", f"{what}: the sign is wrong ({what} = {_n(U)} × {_n(L)} = {_n(P)})"))
    if U not in (0.0, 1.0):
        out.append((L, "no-upstream", f"{what}: you gave the local gradient ∂{names[j]}/∂{names[a]} = {_n(L)} "
                                      f"without the upstream factor ∂{output_name(g)}/∂{names[j]} = {_n(U)} "
                                      f"({_n(U)} × {_n(L)} = {_n(P)})"))
    if walk is not None:
        for o in walk.edges.get(j, ()):
            if o.to != a:
                out.append((o.product, "swapped", f"{what}: you gave what it sends to {names[o.to]} ({_n(o.product)}): "
                                                  f"{gate}"))
    return out if ties else _distinct(out, P)


def _worded(S, result, node: int) -> list:
    """cg check's catalogue for d(output)/d(node), plausible first: (slip, the feedback cg check
    gives an answer equal to the slip's number), for the slips it would name for that number."""
    from ..check.answers import Tolerance, label, make_answer
    from ..core.graph import display_names
    g = result.graph
    G = result.grads[node]
    name = display_names(g)[node]           # n<id> where unnamed: the label only words the text
    lab = label(g, "grad", name)
    tol = Tolerance()
    out = []
    for s in sorted(S.catalogue(result, node).slips, key=lambda s: s.rank):
        if s.code == "coarse-rounding" or not math.isfinite(s.number) or s.number == G:
            continue
        written = str(int(s.number)) if s.number.is_integer() and abs(s.number) < 1e15 else repr(s.number)
        d = S.diagnosis(result, make_answer("grad", name, written), node, tol, lab, G)
        if d is not None and d.slip and d.slip["code"] == s.code:
            out.append((s, d.text))
    return out


def _depends(g, b: int, a: int) -> bool:
    """Does node b depend on node a (a path a -> b)? A sweep over the ids between them."""
    if b < a:
        return False
    if b == a:
        return True
    dep = {a}
    in0, in1 = g.in0, g.in1
    for j in range(a + 1, b + 1):
        if in0[j] in dep or (in1[j] >= 0 and in1[j] in dep):
            dep.add(j)
    return b in dep


def _distinct(slips: list, right: float) -> list:
    seen, out = set(), []
    for v, code, msg in slips:
        if not math.isfinite(v) or v == right or v in seen:
            continue
        seen.add(v)
        out.append((v, code, msg))
    return out


def step_slips(result, walk, frame) -> list:
    """The slips of a step of cgcli.teach.steps.frames ([] for the seed, which asks nothing)."""
    if frame.phase == "forward":
        return slips_for(result, "value", frame.node)
    if frame.phase == "backward":
        return slips_for(result, "edge", frame.node, frame.edge, walk)
    return []


def expected(result, frame):
    """The number a step asks for (None for the seed)."""
    if frame.phase == "forward":
        return result.values[frame.node]
    if frame.phase == "backward":
        return frame.edge.product
    return None


class Verdict:
    """status: "right", "wrong" or "invalid" (not a number); code and message: the slip named
    (code None where cg names none)."""
    __slots__ = ("status", "code", "message", "answer")

    def __init__(self, status, code=None, message=None, answer=None):
        self.status, self.code, self.message, self.answer = status, code, message, answer

    @property
    def right(self) -> bool:
        return self.status == "right"


def parse(text: str):
    """The answer as cg check reads it (a number or a constant expression), or None."""
    from ..check.answers import make_answer
    from ..core.errors import CgError
    try:
        a = make_answer("grad", "x", text.strip())
    except CgError:
        return None
    return a if math.isfinite(a.number) else None


def judge(text: str, expected_number: float, slips: list, tol=None) -> Verdict:
    """An answer's verdict: right by cg check's grading (answers.matches), else the first
    slip it reproduces, else a right number rounded too coarsely."""
    from ..check.answers import is_rounding_of, matches, precision_needed, required_rounding
    tol = tol or tolerance()
    a = parse(text)
    if a is None:
        return Verdict("invalid", None, f"{text.strip()!r} is not a number (examples: -4, 0.25, 1/3)")
    if matches(a, expected_number, tol):
        return Verdict("right", answer=a)
    if a.exponent is not None and is_rounding_of(a.text, a.exponent, expected_number):
        return Verdict("wrong", "coarse-rounding",
                       f"right but rounded too coarsely ({a.text} for {_n(expected_number)}); write "
                       f"{precision_needed(tol)}: {required_rounding(expected_number, tol)}", a)
    for v, code, msg in slips:
        if matches(a, v, tol):
            return Verdict("wrong", code, msg, a)
    return Verdict("wrong", None, None, a)


def page_data(result, walk, frames) -> list:
    """Per frame, what the quiz page needs to judge in the browser: None for the seed, else
    {"expected", "slips": [[number, code, message]], "rounding": the hint for a right number
    rounded too coarsely}. Numbers at full precision; the page compares as judge does."""
    from ..check.answers import precision_needed, required_rounding
    tol = tolerance()
    out = []
    for f in frames:
        x = expected(result, f)
        if x is None or not math.isfinite(x):
            out.append(None)
            continue
        out.append({"expected": x, "shown": _n(x),
                    "slips": [[v, c, m] for v, c, m in step_slips(result, walk, f)],
                    "rounding": f"write {precision_needed(tol)}: {required_rounding(x, tol)}"})
    return out


def tolerance_data() -> dict:
    t = tolerance()
    return {"rtol": t.rtol, "atol": t.atol, "min_sig_figs": t.min_sig_figs}
