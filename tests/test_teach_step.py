"""cg explain --step: the terminal step-through, driven through a pseudo-terminal (pexpect),
its screen read back with a terminal emulator (pyte, where installed; else the raw output)."""
from __future__ import annotations

import os
import re

import pexpect
import pytest

from cgcli import evaluate
from cgcli.teach.steps import frames, walk
from cgcli.views.stepper import FIRST, LAST, NEXT, PREV, QUIT, keys
from cgtest import cg_path, run_cg
from stepcheck import expected_steps


FANOUT = ["q = x + y; f = q * q + q", "--x", "1", "--y", "2"]
NEURON = ["sigmoid(w0*x0 + w1*x1 + w2)", "--w0", "2", "--x0", "-1", "--w1", "-3", "--x1", "-2", "--w2", "-3"]
RIGHT, LEFT, HOME, END = "\x1b[C", "\x1b[D", "\x1b[H", "\x1b[F"
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b[()][A-Z0-9]|\x1b[=>]")


class Term:
    """cg explain --step in a pty of rows × cols; `screen()` is what the terminal shows."""

    def __init__(self, args, rows=45, cols=110):
        self.child = pexpect.spawn(cg_path(), ["explain", *args, "--step"], dimensions=(rows, cols),
                                   encoding="utf-8", env={**os.environ, "TERM": "xterm-256color"})
        try:
            import pyte
            self.vt = pyte.Screen(cols, rows)
            self.stream = pyte.Stream(self.vt)
        except ImportError:
            self.vt = None
        self.raw = ""
        self.wait()

    def wait(self):
        """Until a whole frame has been drawn (its last line is the keys' help)."""
        self.child.expect(r"q quit", timeout=30)
        got = self.child.before + self.child.after
        try:                                         # and whatever follows it in the same redraw
            while True:
                got += self.child.read_nonblocking(65536, timeout=0.1)
        except (pexpect.TIMEOUT, pexpect.EOF):
            pass
        self.raw = got
        if self.vt is not None:
            self.stream.feed(got)

    def press(self, key):
        self.child.send(key)
        self.wait()

    def screen(self) -> list:
        if self.vt is not None:
            return [line.rstrip() for line in self.vt.display]
        return ANSI.sub("", self.raw).replace("\r", "").splitlines()


def test_keys_are_parsed():
    assert keys(b"\x1b[C") == [NEXT] and keys(b" ") == [NEXT] and keys(b"\x1b[D") == [PREV]
    assert keys(b"\x1b[H") == [FIRST] and keys(b"\x1bOF") == [LAST] and keys(b"\x1b[4~") == [LAST]
    assert keys(b"q") == [QUIT] and keys(b"\x1b") == [QUIT]
    assert keys(b"\x1b[C\x1b[C ") == [NEXT, NEXT, NEXT] and keys(b"z") == []


def check_step(t, k, w, total):
    lines = t.screen()
    text = "\n".join(lines)
    assert f"step {k + 1} of {total}" in text, text
    current = [line for line in lines if "◀ current gate" in line or "◀ the output" in line]
    assert len(current) == 1 and re.search(rf"\b{re.escape(w['name'])}\b", current[0]), (k, current)
    arith = next(line for line in lines if w["text"] in line)
    assert arith.strip().endswith(w.get("end", "").strip()), (k, arith)
    if w["edge"] is not None:
        receives = [line for line in lines if "◀ receives" in line]
        assert receives and all(re.search(rf"\b{re.escape(w['target_name'])}\b", line) for line in receives), \
            (k, receives)
        fan = [line for line in lines if "fans out" in line]
        if w["fan"]:
            assert len(fan) == 1 and re.search(w["fan"], fan[0]), (k, w["fan"], fan)
        else:
            assert fan == []


@pytest.mark.parametrize("args", [FANOUT, NEURON, [*NEURON, "--expand"]], ids=["fan-out", "neuron", "expanded"])
def test_step_through_forward_then_backward(args):
    want = expected_steps(args)
    t = Term(args)
    check_step(t, 0, want[0], len(want))
    for k in range(1, len(want)):
        t.press(RIGHT if k % 2 else " ")
        check_step(t, k, want[k], len(want))
    t.press(RIGHT)                                   # past the end: stays on the last step
    check_step(t, len(want) - 1, want[-1], len(want))
    t.press(HOME)
    check_step(t, 0, want[0], len(want))
    t.press(END)
    check_step(t, len(want) - 1, want[-1], len(want))
    t.press(LEFT)
    check_step(t, len(want) - 2, want[-2], len(want))
    t.child.send("q")
    t.child.expect(pexpect.EOF, timeout=30)
    assert f"left at step {len(want) - 1} of {len(want)}" in t.child.before
    t.child.close()
    assert t.child.exitstatus == 0


def test_a_tall_graph_shows_the_part_around_the_current_gate():
    expr = " + ".join(f"sin(a{k}*x{k})*cos(x{k})" for k in range(6))
    args = [expr] + [a for k in range(6) for a in (f"--a{k}", "0.5", f"--x{k}", str(k))]
    want = expected_steps(args)
    t = Term(args, rows=20, cols=90)
    for key, k in ((END, len(want) - 1), (LEFT, len(want) - 2), (HOME, 0)):
        t.press(key)
        lines = t.screen()
        assert len([line for line in lines if line]) <= 20
        assert sum("q quit" in line for line in lines) == 1
        assert any(re.search(r"… \d+ lines? (below|above)", line) for line in lines)
        check_step(t, k, want[k], len(want))
    t.child.send("q")
    t.child.expect(pexpect.EOF, timeout=30)


def test_the_terminal_is_restored_on_ctrl_c():
    t = Term(FANOUT)
    t.press(RIGHT)
    t.child.sendintr()
    t.child.expect(pexpect.EOF, timeout=30)
    out = t.child.before
    t.child.close()
    assert t.child.exitstatus == 130 and "Traceback" not in out
    assert "\x1b[?1049l" in out                      # the alternate screen is left


def test_the_tty_mode_is_restored():
    """After q, the terminal is back in canonical mode with echo: a shell reads a line again."""
    child = pexpect.spawn("/bin/sh", ["-c", f"'{cg_path()}' explain 'x*y' --x 2 --y 3 --step; "
                                            "stty -a; echo READY; read line; echo GOT:$line"],
                          dimensions=(40, 100), encoding="utf-8")
    child.expect("q quit", timeout=30)
    child.send("q")
    child.expect("READY", timeout=30)
    assert re.search(r"(?<!-)icanon", child.before) and re.search(r"(?<!-)echo\b", child.before)
    child.sendline("hello")
    child.expect("GOT:hello", timeout=10)
    child.expect(pexpect.EOF)


def test_without_a_terminal_it_refuses():
    p = run_cg("explain", *FANOUT, "--step")
    assert p.returncode == 2 and "needs a terminal" in p.err and "Traceback" not in p.err
    child = pexpect.spawn("/bin/sh", ["-c", f"'{cg_path()}' explain 'x*y' --x 2 --y 3 --step < /dev/null"],
                          encoding="utf-8")
    child.expect(pexpect.EOF, timeout=30)
    child.close()
    assert child.exitstatus == 2 and "needs a terminal" in child.before
    p = run_cg("explain", *FANOUT, "--step", "--format", "html")
    assert p.returncode == 2


def test_frames_sum_to_the_recorded_gradients():
    """The running sums the step-through shows end, bit for bit, at the backward pass's grads."""
    for src, vals in [("q = x + y; f = q * q + q", dict(x=1, y=2)),
                      ("sigmoid(w*x + b) * x + x^3 / (1 + x*x)", dict(w=0.3, x=-1.7, b=0.2))]:
        r = evaluate(src, **vals)
        w = walk(r)
        last = {}
        for f in frames(r, w):
            if f.phase == "backward":
                last[f.edge.to] = f.total
        for j, total in last.items():
            assert total == r.grads[j]


from hypothesis import given  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from cgtest import expressions  # noqa: E402


@given(expressions(), st.floats(-2, 2), st.floats(-2, 2), st.floats(-2, 2))
def test_frames_and_step_texts_on_random_expressions(expr, x, y, z):
    """Every gate is one forward step, every backward edge one step; each input's last running
    sum is its recorded gradient bit for bit; every step has its texts."""
    from cgcli.core.errors import CgError
    from cgcli.views.explain import step_texts
    src, _ = expr
    try:
        r = evaluate(src, **{k: v for k, v in dict(x=x, y=y, z=z).items() if k in src})
    except (CgError, TypeError):
        return
    w = walk(r)
    fr = frames(r, w)
    assert sum(f.phase == "forward" for f in fr) == len(w.forward)
    assert sum(f.phase == "backward" for f in fr) == sum(len(e) for e in w.edges.values())
    last = {}
    for f in fr:
        if f.phase == "backward":
            last[f.edge.to] = f.total
    for j, total in last.items():
        assert total == r.grads[j] or (total != total and r.grads[j] != r.grads[j])
    for s in step_texts(r, w, fr):
        assert s["title"] and s["arithmetic"]
