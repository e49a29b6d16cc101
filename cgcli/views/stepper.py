"""`cg explain --step`: the passes one step per key on a terminal (Rich Live, no new dependency).

Forward pass gate by gate, then the backward pass edge by edge. Each screen shows the graph as
a tree (the current gate, the edge and the input it feeds highlighted), the step's arithmetic
(upstream × local = contribution) and, where the input fans out, the contributions so far and
their running sum. Keys: → or space (or n, Enter) next, ← (or p, Backspace) back, Home / End
(or g / G), q (or Esc) quit. The steps are computed in Python (cgcli.teach.steps.frames, printed by
explain.step_texts); this module only reads keys and redraws.

Rich Live rather than a Textual app: Rich is already a dependency, a redraw per key is all it
needs, and reading keys is a few lines of termios (cbreak mode, restored on every exit:
a quit, an exception or Ctrl-C).
"""
from __future__ import annotations

import os
import sys

from rich.console import Group
from rich.live import Live
from rich.text import Text

from .explain import step_texts
from .rich import GRAD, VALUE, console, tree

NEXT, PREV, FIRST, LAST, QUIT = "next", "prev", "first", "last", "quit"
KEYS = {
    b"\x1b[C": NEXT, b"\x1bOC": NEXT, b" ": NEXT, b"n": NEXT, b"\r": NEXT, b"\n": NEXT, b"l": NEXT,
    b"\x1b[D": PREV, b"\x1bOD": PREV, b"p": PREV, b"\x7f": PREV, b"\x08": PREV, b"h": PREV,
    b"\x1b[H": FIRST, b"\x1bOH": FIRST, b"\x1b[1~": FIRST, b"\x1b[7~": FIRST, b"g": FIRST,
    b"\x1b[F": LAST, b"\x1bOF": LAST, b"\x1b[4~": LAST, b"\x1b[8~": LAST, b"G": LAST,
    b"q": QUIT, b"Q": QUIT, b"\x1b": QUIT, b"\x03": QUIT, b"\x04": QUIT,
}
CURRENT = "bold black on yellow"
TARGET = "bold white on blue"
FEED = "bold green"


def keys(chunk: bytes) -> list:
    """The actions in what one read returned (a key, or several typed quickly)."""
    out, k = [], 0
    while k < len(chunk):
        for n in (4, 3, 1):
            if chunk[k:k + n] in KEYS and (n > 1 or chunk[k:k + 1] != b"\x1b" or k + 1 == len(chunk)):
                out.append(KEYS[chunk[k:k + n]])
                k += n
                break
        else:
            k += 1                                   # an unknown key: ignored
    return out


def window(c, renderable, room: int) -> Text:
    """The renderable's lines, at most `room` of them: where it is taller, the lines around the
    first highlighted one (marked ◀), with a count of the lines left out above and below."""
    lines = c.render_lines(renderable, c.options.update(width=c.width), pad=False, new_lines=False)
    texts = []
    for segs in lines:
        t = Text()
        for seg in segs:
            if not seg.control:
                t.append(seg.text, seg.style)
        texts.append(t)
    if len(texts) > room:
        marked = next((n for n, t in enumerate(texts) if "◀" in t.plain), 0)
        room = max(3, room - 2)
        start = max(0, min(marked - room // 3, len(texts) - room))
        above, below = start, len(texts) - start - room
        more = lambda n, where: Text(f"… {n} line{'s' if n > 1 else ''} {where}", style="dim")
        texts = ([more(above, "above")] if above else []) + texts[start:start + room] \
            + ([more(below, "below")] if below else [])
    return Text("\n").join(texts)


class Numbers:
    """The tree's numbers revealed as the passes go (cgcli.teach.steps.reveal): at(k) is
    node -> (value text, grad text) once k steps are done (at(0): before the first), "?"
    where not yet known, a fan-out's running sum as "-1 + ?"; each padded to the widest text
    it will take, so that the tree keeps its layout from step to step. at(k) replays the
    steps' events (no table of every node at every step is kept)."""

    def __init__(self, result, walk, frames, precision=4):
        from ..core.fmt import fmt
        from ..teach.steps import known_at_start, reveal
        from .rich import _grad
        g = result.graph
        start = known_at_start(result)
        self.init = {i: (fmt(result.values[i], precision) if i in start else "?",
                         "?" if result.grad(i) is not None else _grad(result, i, precision))
                     for i in range(len(g.ops))}
        self.events = []
        wide = {i: [len(v), len(gr)] for i, (v, gr) in self.init.items()}
        for ev in reveal(result, walk, frames):
            mine = []
            for x in ev:
                if x[0] == "value":
                    t = fmt(x[2], precision)
                    mine.append((x[1], 0, t))
                else:
                    t = fmt(x[2], precision) if x[3] else f"{fmt(x[2], precision)} + ?"
                    mine.append((x[1], 1, t))
                w = wide[x[1]]
                w[mine[-1][1]] = max(w[mine[-1][1]], len(t))
            self.events.append(mine)
        self.wide = wide

    def at(self, k: int) -> dict:
        cur = {i: list(v) for i, v in self.init.items()}
        for ev in self.events[:k]:
            for i, field, t in ev:
                cur[i][field] = t
        w = self.wide
        return {i: (v.ljust(w[i][0]), gr.ljust(w[i][1])) for i, (v, gr) in cur.items()}


def screen(result, steps, k, precision=4, c=None, shown=None, ask=None):
    """The renderable for step k: the step's text first, then the tree (the part around the
    current gate that fits the terminal), then the keys. shown: the tree's numbers (Numbers.at);
    ask: the quiz's lines while step k is not yet answered (its result is left out)."""
    s = steps[k]
    g = result.graph
    marks = {s["node"]: (CURRENT, "◀ current gate" if s["phase"] != "seed" else "◀ the output")}
    if s["target"] is not None:
        got = "?" if ask is not None and ask.get("hidden") else s["arithmetic"].rpartition(" = ")[2]
        marks[(s["node"], s["target"])] = (TARGET, "◀ receives " + got)
    if s["phase"] == "forward":
        for a in g.inputs(s["node"]):
            marks.setdefault((s["node"], a), (FEED, "▶ input"))
    head = Text()
    head.append(" forward pass " if s["phase"] == "forward" else " backward pass ",
                style="bold white on green" if s["phase"] == "forward" else "bold white on red")
    head.append(f"  step {k + 1} of {len(steps)}   ", style="dim")
    head.append(s["title"], style="bold")
    parts = [head, Text("")]
    hidden = ask is not None and ask.get("hidden")
    parts.append(Text(ask["known"] if hidden else s["arithmetic"],
                      style=f"bold {GRAD if s['phase'] != 'forward' else VALUE}"))
    for key, style in (("local", ""), ("fanout", "magenta"), ("gate", "italic dim")):
        if s[key] and not hidden:
            parts.append(Text(s[key], style=style))
    if ask is not None:
        if hidden:
            parts.append(Text(ask["question"], style="bold"))
            line = Text("your answer: ", style="bold")
            line.append(ask["typed"] + "█")
            parts.append(line)
        if ask.get("note"):
            parts.append(Text(ask["note"], style="green" if ask["note"].startswith("✓") else "yellow"))
        parts.append(Text(ask["score"], style="dim"))
    parts.append(Text(""))
    t = tree(result, precision, marks=marks, numbers=shown)
    if c is not None:                             # fit the terminal: the text lines may wrap
        used = sum(len(c.render_lines(p, c.options.update(width=c.width), pad=False)) for p in parts)
        t = window(c, t, max(3, c.height - used - 3))
    parts.append(t)
    parts.append(Text(""))
    if c is not None:               # the keys on the last line, every line of the screen redrawn
        used = sum(len(c.render_lines(p, c.options.update(width=c.width), pad=False)) for p in parts)
        parts += [Text("")] * max(0, c.height - 1 - used)
    if ask is not None and ask.get("hidden"):
        parts.append(Text("type the number, Enter check   ? show me   ← back   q quit", style="dim"))
    else:
        parts.append(Text("→/space next   ← back   Home/End first/last   q quit", style="dim"))
    return Group(*parts)


TYPED = set(b"0123456789.-+eE/_")


class Quiz:
    """The terminal quiz's state: which steps are answered, the first verdict of each, the
    answer being typed and the last verdict's line."""

    def __init__(self, result, walk, frames, precision, decimals):
        from ..teach import quiz as Q
        from .prompts import prompts
        self.Q = Q
        self.result, self.walk, self.frames = result, walk, frames
        self.asks = prompts(result, walk, frames, precision, decimals)
        self.done = [a is None for a in self.asks]
        self.first: dict = {}
        self.typed = ""
        self.note = ""
        self.tol = Q.tolerance()

    def reach(self) -> int:
        """The furthest step one may go to: the first one not yet answered."""
        return next((j for j, d in enumerate(self.done) if not d), len(self.done) - 1)

    def questions(self) -> int:
        return sum(1 for a in self.asks if a is not None)

    def score(self) -> str:
        n, right = self.questions(), sum(1 for v in self.first.values() if v == "right")
        answered = sum(1 for j, a in enumerate(self.asks) if a is not None and self.done[j])
        return (f"{'done' if answered == n else 'score'}: {right} of {n} right first time"
                + ("" if answered == n else f" ({answered} answered)"))

    def check(self, k) -> bool:
        f = self.frames[k]
        v = self.Q.judge(self.typed, self.Q.expected(self.result, f),
                         self.Q.step_slips(self.result, self.walk, f), self.tol)
        self.typed = ""
        if v.right:
            self.first.setdefault(k, "right")
            self.done[k] = True
            return True
        if v.status != "invalid":
            self.first.setdefault(k, "wrong")
        self.note = "✗ " + (v.message or f"{v.answer.text} is not right, and cg can name no slip that gives it: "
                                           "try again, or ? to show")
        return False

    def show(self, k):
        self.first.setdefault(k, "shown")
        self.done[k] = True
        self.typed = ""

    def view(self, k) -> dict:
        a = self.asks[k]
        hidden = not self.done[k]
        note, self.note = self.note, ("" if hidden else self.note)
        return {"hidden": hidden, "question": a[0] if a else "", "known": a[1] if a else "", "typed": self.typed,
                "note": note, "score": self.score()}


def run(result, walk, frames, precision=4, decimals=None, stdin=None, stdout=None, reveal="passes",
        quiz=False) -> int:
    """Step through until q; returns the number of the step shown last (1-based). reveal
    "passes": numbers appear as the passes compute them; "all": every number throughout.
    quiz: each step's number is typed (and judged) before the step is revealed."""
    import termios
    import tty
    stdin = stdin or sys.stdin
    c = console(stdout)
    steps = step_texts(result, walk, frames, precision, decimals)
    states = Numbers(result, walk, frames, precision) if reveal != "all" else None
    qz = Quiz(result, walk, frames, precision, decimals) if quiz else None

    def draw(k):
        if qz is None:
            return screen(result, steps, k, precision, c, states.at(k + 1) if states else None)
        ask = qz.view(k)
        return screen(result, steps, k, precision, c, states.at(k if ask["hidden"] else k + 1), ask)

    fd = stdin.fileno()
    saved = termios.tcgetattr(fd)
    k = 0
    try:
        tty.setcbreak(fd)
        with Live(draw(k), console=c, screen=True, auto_refresh=False,
                  redirect_stdout=False, redirect_stderr=False) as live:
            while True:
                chunk = os.read(fd, 32)
                if not chunk:                      # the terminal went away
                    break
                if qz is not None and not qz.done[k]:
                    quit_ = False
                    for b in chunk:
                        ch = bytes([b])
                        if b in TYPED:
                            qz.typed += ch.decode()
                        elif ch in (b"\x7f", b"\x08") and qz.typed:
                            qz.typed = qz.typed[:-1]
                        elif ch in (b"\r", b"\n") and qz.typed.strip():
                            if qz.check(k):
                                qz.note = "✓ right: " + steps[k]["arithmetic"]
                                k = min(k + 1, len(steps) - 1)
                            break
                        elif ch in (b"?", b"\t"):
                            qz.show(k)
                            break
                        elif ch in (b"q", b"Q", b"\x03", b"\x04"):
                            quit_ = True
                            break
                        elif chunk.startswith((b"\x1b[D", b"\x1bOD")) or ch in (b"\x7f", b"\x08"):
                            k = max(k - 1, 0)
                            break
                        elif chunk.startswith((b"\x1b[H", b"\x1bOH", b"\x1b[1~", b"\x1b[7~")):
                            k = 0
                            break
                        elif ch == b"\x1b":
                            break                  # another escape sequence: ignored
                    if quit_:
                        break
                    live.update(draw(k), refresh=True)
                    continue
                actions = keys(chunk)
                if QUIT in actions:
                    break
                last = qz.reach() if qz is not None else len(steps) - 1
                for a in actions:
                    k = {NEXT: min(k + 1, last), PREV: max(k - 1, 0), FIRST: 0, LAST: last}[a]
                live.update(draw(k), refresh=True)
    finally:
        termios.tcsetattr(fd, termios.TCSADRAIN, saved)
    c.print(f"cg explain --step: left at step {k + 1} of {len(steps)}")
    if qz is not None:
        c.print(f"cg explain --step --quiz: {qz.score()}")
    return k + 1
