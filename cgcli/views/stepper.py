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


def screen(result, steps, k, precision=4, c=None):
    """The renderable for step k: the step's text first, then the tree (the part around the
    current gate that fits the terminal), then the keys."""
    s = steps[k]
    g = result.graph
    marks = {s["node"]: (CURRENT, "◀ current gate" if s["phase"] != "seed" else "◀ the output")}
    if s["target"] is not None:
        marks[(s["node"], s["target"])] = (TARGET, "◀ receives " + s["arithmetic"].rpartition(" = ")[2])
    if s["phase"] == "forward":
        for a in g.inputs(s["node"]):
            marks.setdefault((s["node"], a), (FEED, "▶ input"))
    head = Text()
    head.append(" forward pass " if s["phase"] == "forward" else " backward pass ",
                style="bold white on green" if s["phase"] == "forward" else "bold white on red")
    head.append(f"  step {k + 1} of {len(steps)}   ", style="dim")
    head.append(s["title"], style="bold")
    parts = [head, Text("")]
    parts.append(Text(s["arithmetic"], style=f"bold {GRAD if s['phase'] != 'forward' else VALUE}"))
    for key, style in (("local", ""), ("fanout", "magenta"), ("gate", "italic dim")):
        if s[key]:
            parts.append(Text(s[key], style=style))
    parts.append(Text(""))
    t = tree(result, precision, marks=marks)
    if c is not None:                             # fit the terminal: the text lines may wrap
        used = sum(len(c.render_lines(p, c.options.update(width=c.width), pad=False)) for p in parts)
        t = window(c, t, max(3, c.height - used - 3))
    parts.append(t)
    parts.append(Text(""))
    if c is not None:               # the keys on the last line, every line of the screen redrawn
        used = sum(len(c.render_lines(p, c.options.update(width=c.width), pad=False)) for p in parts)
        parts += [Text("")] * max(0, c.height - 1 - used)
    parts.append(Text("→/space next   ← back   Home/End first/last   q quit", style="dim"))
    return Group(*parts)


def run(result, walk, frames, precision=4, decimals=None, stdin=None, stdout=None) -> int:
    """Step through until q; returns the number of the step shown last (1-based)."""
    import termios
    import tty
    stdin = stdin or sys.stdin
    c = console(stdout)
    steps = step_texts(result, walk, frames, precision, decimals)
    fd = stdin.fileno()
    saved = termios.tcgetattr(fd)
    k = 0
    try:
        tty.setcbreak(fd)
        with Live(screen(result, steps, k, precision, c), console=c, screen=True, auto_refresh=False,
                  redirect_stdout=False, redirect_stderr=False) as live:
            while True:
                chunk = os.read(fd, 32)
                if not chunk:                      # the terminal went away
                    break
                actions = keys(chunk)
                if QUIT in actions:
                    break
                for a in actions:
                    k = {NEXT: min(k + 1, len(steps) - 1), PREV: max(k - 1, 0), FIRST: 0,
                         LAST: len(steps) - 1}[a]
                live.update(screen(result, steps, k, precision, c), refresh=True)
    finally:
        termios.tcsetattr(fd, termios.TCSADRAIN, saved)
    c.print(f"cg explain --step: left at step {k + 1} of {len(steps)}")
    return k + 1
