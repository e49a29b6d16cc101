"""`cg practice`: small random problems, asked one number at a time and checked with cg's
grading core (cgcli.check.grading.grade_one), a wrong number named by its slip (teach.quiz).

A problem is a short program of one topic with small integer inputs drawn from a seeded
random generator (random.Random(seed): the same seed gives the same problems). A draw is
kept only when no gate sits at a kink (max's inputs differ), no value asked is 0 and every
slip of every question gives a number of its own (no two slips, and no slip and
the right answer, agree to 4 significant figures; two slips that agree whatever the inputs,
such as "swapped" and "wrong input" at a multiply gate whose upstream is 1, count the same in
every draw) and no two inputs are equal in size; and no number asked is below 0.05 in size
(a saturated gate). The first draw without a tie is taken, else, after MAX_DRAWS draws, the
one with the fewest. The questions: each gate's value on the forward pass, then
d(output)/d(node) for each node the backward pass reaches, output first. With topic
"mixed", the next problem's topic is the one that exercises the learner's last slip
(NEXT_TOPIC), else a random one.
"""
from __future__ import annotations

import math
import random

from ..core.ops import CONST, OPS, VAR, say_gate

SCHEMA = "cg.practice/1"
MAX_DRAWS = 60

# topic -> (program, {variable: the integers it is drawn from})
_SMALL = [-5, -4, -3, -2, -1, 1, 2, 3, 4, 5]
_TINY = [-3, -2, -1, 1, 2, 3]
TEMPLATES = {
    "add": ("s = x + y; f = w * s", {"x": _SMALL, "y": _SMALL, "w": _SMALL}),
    "mul": ("p = x * y; f = p * z", {"x": _SMALL, "y": _SMALL, "z": _SMALL}),
    "max": ("m = max(x, y); f = m * z", {"x": _SMALL, "y": _SMALL, "z": _SMALL}),
    "fanout": ("a = x * y; b = x * z; f = a + b", {"x": _SMALL, "y": _SMALL, "z": _SMALL}),
    "sigmoid": ("z = w * x + b; f = sigmoid(z)", {"w": _TINY, "x": _TINY, "b": _TINY}),
    "tanh": ("z = w * x + b; f = tanh(z)", {"w": _TINY, "x": _TINY, "b": _TINY}),
    "bptt": ("h1 = w * h0 + x1; h2 = w * h1 + x2; f = v * h2",
             {"w": _TINY, "h0": _SMALL, "x1": _SMALL, "x2": _SMALL, "v": _TINY}),
}
TOPICS = tuple(TEMPLATES) + ("mixed",)
# the slip just made -> the topic whose problem exercises it (topic "mixed")
NEXT_TOPIC = {"wrong-input": "mul", "swapped": "mul", "fanout-partial": "fanout", "no-upstream": "add",
              "sign": "tanh", "coarse-rounding": "sigmoid", "other-node": "bptt"}


class Question:
    __slots__ = ("problem", "kind", "name", "node", "target", "text", "expected", "slips", "rule", "every")

    def __init__(self, problem, kind, name, node, target, text, expected, every, rule):
        self.problem = problem      # the Problem
        self.kind = kind            # "value", "node" or "grad" (cg check's answer kinds)
        self.name = name            # the node's name for cg check (None for the output's value)
        self.node = node
        self.target = target        # cg check's target: "value", "node.q", "grad.x"
        self.text = text            # the question
        self.expected = expected    # cg's number
        self.every = every          # [(number, code, message)], best first, ties kept
        self.slips = _distinct(every, expected)     # one per number
        self.rule = rule            # the op table's rule for this number


class Problem:
    __slots__ = ("number", "topic", "source", "inputs", "result", "questions", "ties")

    def __init__(self, number, topic, source, inputs, result, questions, ties):
        self.number, self.topic, self.source, self.inputs = number, topic, source, inputs
        self.result, self.questions, self.ties = result, questions, ties


def _questions(problem, result) -> list:
    from ..core.graph import display_names, labels, output_name
    from .quiz import slips_for
    from .steps import walk
    g = result.graph
    names, lab = display_names(g), labels(g)
    f = output_name(g)
    w = walk(result)
    out = []
    for i in w.forward:
        op = OPS[g.ops[i]]
        say = f"{names[i]} = {lab[i]}" if names[i] != lab[i] else names[i]
        kind, name = ("value", None) if i == g.output else ("node", names[i])
        rule = f"{op.name}: {names[i]} = {_formula(g, names, i)}"
        out.append(Question(problem, kind, name, i, "value" if kind == "value" else f"node.{name}",
                            f"the value of {say}", result.values[i], slips_for(result, "value", i, ties=True), rule))
    consumers: dict = {}
    for j in range(len(g.ops)):
        for a in g.inputs(j):
            consumers.setdefault(a, [])
            if j not in consumers[a]:
                consumers[a].append(j)
    for i in w.backward:
        if i == g.output:
            continue
        gates = consumers.get(i, [])
        rules = [say_gate(OPS[g.ops[j]].gate, [names[a] for a in g.inputs(j)]) for j in gates]
        uses = len(w.incoming.get(i, ()))
        rule = "; ".join(rules)
        if uses > 1:
            rule = f"{names[i]} is used {uses} times: its gradient is the sum of what each use sends back; " + rule
        what = names[i] if g.ops[i] == VAR or names[i] == lab[i] else f"{names[i]} (= {lab[i]})"
        out.append(Question(problem, "grad", names[i], i, f"grad.{names[i]}", f"d{f}/d{what}",
                            result.grads[i], slips_for(result, "grad", i, ties=True), rule))
    return out


def _distinct(slips, right):
    from .quiz import _distinct as distinct
    return distinct(slips, right)


def _formula(g, names, i) -> str:
    op = OPS[g.ops[i]]
    ins = [names[a] if g.ops[a] != CONST or a in g.names else _const(g.const[a]) for a in g.inputs(i)]
    if op.infix:
        return f"{ins[0]} {op.symbol} {ins[1]}"
    return f"{op.symbol}({', '.join(ins)})"


def _short(v) -> str:
    from ..core.fmt import fmt
    return fmt(v, 4)


def _const(v) -> str:
    from ..core.fmt import fmt
    return fmt(v)


def _ties(questions) -> int:
    """How many slips of the problem's questions give the right number or the number of a
    slip of another kind (to 4 significant figures), and how many numbers asked are 0."""
    from ..core.fmt import fmt
    bad = 0
    for q in questions:
        if (q.expected == 0 and q.kind != "grad") or not math.isfinite(q.expected):
            bad += 1                          # a value 0 (a gradient 0 is max's rule)
        seen = {fmt(q.expected, 4): None}
        for v, code, _msg in q.every:
            if code == "other-node":          # the catch-all, named last: it never hides another
                continue
            key = fmt(v, 4)
            if key in seen and seen[key] != code:
                bad += 1
            seen.setdefault(key, code)
    return bad


def _kinked(result) -> bool:
    """A max/min whose inputs are equal, a relu/abs/step/sign at 0: a gate at a kink."""
    g = result.graph
    vals = result.values
    for i in range(len(g.ops)):
        name = OPS[g.ops[i]].name
        ins = g.inputs(i)
        if name in ("max", "min") and vals[ins[0]] == vals[ins[1]]:
            return True
        if name in ("relu", "abs", "step", "sign") and vals[ins[0]] == 0:
            return True
    return False


def draw(topic: str, rng: random.Random, number: int = 1) -> Problem:
    """A problem of `topic` (not "mixed") with inputs drawn from rng."""
    from ..core.errors import CgError
    from ..core.parse import parse
    from ..core.passes import run
    source, pools = TEMPLATES[topic]
    graph = parse(source)
    best = fallback = None
    for _ in range(MAX_DRAWS):
        inputs = {v: float(rng.choice(pool)) for v, pool in pools.items()}
        try:
            result = run(graph, inputs)
        except (CgError, ArithmeticError, ValueError):
            continue
        if _kinked(result):
            continue
        p = Problem(number, topic, source, inputs, result, [], 0)
        p.questions = _questions(p, result)
        # inputs equal in size first (x = y = z = 1 leaves few slips to tell apart), then ties
        p.ties = (len(inputs) - len({abs(v) for v in inputs.values()}), _ties(p.questions))
        fallback = fallback or p
        if any(0 < abs(q.expected) < 0.05 for q in p.questions):
            continue                   # a saturated gate: its gradients all but vanish
        if best is None or p.ties < best.ties:
            best = p
        if p.ties == (0, 0):
            break
    if best is None and fallback is None:       # every draw at a kink: take the last one as it is
        p = Problem(number, topic, source, inputs, run(graph, inputs), [], 0)
        p.questions = _questions(p, p.result)
        return p
    return best or fallback


class Outcome:
    __slots__ = ("question", "answer", "status", "code", "message", "why")

    def __init__(self, question, answer, status, code=None, message=None, why=None):
        self.question = question
        self.answer = answer        # as typed (None: skipped)
        self.status = status        # "right", "wrong", "invalid" (not a number) or "skipped"
        self.code = code            # the slip's code, or None
        self.message = message      # the slip's message, or None
        self.why = why              # cg check's message for a wrong answer ("df/dz is 5, not 3")


class Session:
    """The problems one at a time: next() the next question (None when all are asked),
    answer(question, text) its Outcome; summary() at any time."""

    def __init__(self, topic: str = "mixed", seed: int = 0, count: int = 3):
        self.topic, self.seed, self.count = topic, seed, count
        self.rng = random.Random(seed)
        self.problems: list = []
        self.outcomes: list = []
        self._queue: list = []
        self._last_slip = None

    def _next_topic(self) -> str:
        if self.topic != "mixed":
            return self.topic
        if self._last_slip in NEXT_TOPIC:
            return NEXT_TOPIC[self._last_slip]
        return self.rng.choice(list(TEMPLATES))

    def next(self):
        if not self._queue:
            if len(self.problems) >= self.count:
                return None
            p = draw(self._next_topic(), self.rng, len(self.problems) + 1)
            self._last_slip = None
            self.problems.append(p)
            self._queue = list(p.questions)
        return self._queue.pop(0)

    def each_problem(self):
        """The session's problems one after another, none of their questions asked here (a
        quiz page asks them)."""
        while True:
            q = self.next()
            if q is None:
                return
            self._queue = []                          # the page asks the questions: the next problem
            yield q.problem

    def answer(self, q: Question, text) -> Outcome:
        from ..check.answers import make_answer
        from ..check.grading import grade_one
        from ..core.errors import CgError
        from .quiz import judge, tolerance
        if text is None or not text.strip():
            o = Outcome(q, None, "skipped")
        else:
            text = text.strip()
            try:
                a = make_answer(q.kind, q.name, text)
            except CgError:
                a = None
            if a is None or not math.isfinite(a.number):
                o = Outcome(q, text, "invalid", None, f"{text!r} is not a number (examples: -4, 0.25, 1/3)")
            else:
                tol = tolerance()
                row = grade_one(q.problem.result, a, tol)          # cg check's grading core
                if row.ok:
                    o = Outcome(q, text, "right")
                else:
                    v = judge(text, q.expected, q.slips, tol)      # which slip gives this number
                    o = Outcome(q, text, "wrong", v.code, v.message, f"{row.label} is {_short(q.expected)}, not {text}")
                    if v.code:
                        self._last_slip = v.code
        self.outcomes.append(o)
        return o

    def summary(self) -> dict:
        asked = len(self.outcomes)
        right = sum(1 for o in self.outcomes if o.status == "right")
        slips: dict = {}
        for o in self.outcomes:
            if o.status == "wrong" and o.code:
                slips[o.code] = slips.get(o.code, 0) + 1
        return {"problems": len(self.problems), "questions": asked, "right_first_time": right,
                "wrong": sum(1 for o in self.outcomes if o.status in ("wrong", "invalid")),
                "skipped": sum(1 for o in self.outcomes if o.status == "skipped"),
                "slips": dict(sorted(slips.items())),
                "unnamed": sum(1 for o in self.outcomes if o.status == "wrong" and not o.code)}


def random_seed() -> int:
    """A seed for a session when none is given (shown in the header, so it can be replayed)."""
    return random.SystemRandom().randrange(1_000_000)


def read_answer(stream) -> str:
    """One answer line, read with a bound (issue 16): a line longer than an answer may be is
    read to its end in chunks and kept only as its start plus an ellipsis (which is no number).
    '' at the end of the input."""
    from ..core.limits import ANSWER_MAX_CHARS
    line = stream.readline(ANSWER_MAX_CHARS + 1)
    if len(line) <= ANSWER_MAX_CHARS or line.endswith("\n"):
        return line
    while True:                                      # drain the rest of the over-long line
        rest = stream.readline(1 << 16)
        if not rest or rest.endswith("\n"):
            break
    return line[:40] + "…\n"


def play(session: Session, read):
    """`cg practice`'s answer loop: each question in turn, its answer read with read() (a line,
    '' at the end of the input), graded (Session.answer), then the next (the session picks the
    next problem). Yields what happens, in order, for a view to show:
    ("problem", Problem) as a problem starts; ("ask", Question, k) before its k-th question's
    answer is read; ("read", text) the answer read, without its line end; ("outcome", Outcome);
    ("end", None) where the input ends before the questions do; last ("summary", dict)."""
    shown, k = None, 0
    while True:
        q = session.next()
        if q is None:
            break
        if q.problem is not shown:
            shown, k = q.problem, 0
            yield "problem", q.problem
        k += 1
        yield "ask", q, k
        line = read()
        if not line:                                 # EOF: the summary, and done
            yield "end", None
            break
        text = line.rstrip("\r\n")
        yield "read", text
        yield "outcome", session.answer(q, text)
    yield "summary", session.summary()
