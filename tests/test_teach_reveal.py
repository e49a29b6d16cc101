"""Reveal as the passes go, and quiz mode: the HTML page in a real headless Chromium (as
test_teach_html) and cg explain --step in a pseudo-terminal (as test_teach_step)."""
from __future__ import annotations

import re

import pexpect
import pytest

from cgcli.views.explain import number
from cgtest import cg_path, run_cg, strict_json
from test_teach_html import CHROMIUM, FANOUT, NEURON, browser, needs_browser, needs_dot, open_page, write_page  # noqa: F401
from test_teach_step import END, RIGHT, Term

TEXTS = ["(x+y)*z", "--x", "2", "--y", "3", "--z", "-4"]


def final_numbers(args):
    """From cg explain --json: node -> (value, grad) texts at the page's 4 significant digits."""
    doc = strict_json(run_cg("explain", *args, "--json").out)
    n = lambda v: number(v, 4)
    vals = {s["node"]: n(s["value"]) for s in doc["forward"]}
    grads = {s["node"]: n(s["grad"]) for s in doc["backward"]}
    ev = strict_json(run_cg("eval", *args, "--json").out)
    for node in ev["nodes"]:
        vals.setdefault(node["id"], n(node["value"]))
        if node.get("grad") is not None:
            grads.setdefault(node["id"], n(node["grad"]))
    return doc, vals, grads, {k: n(v) for k, v in doc["gradients"].items()}


def boxes(page):
    return page.evaluate("""() => {
        const out = {};
        for (const g of document.querySelectorAll('g.node')) {
          const i = +g.id.slice(1), poly = g.querySelector('polygon').getBBox();
          const v = document.getElementById('tv' + i), gr = document.getElementById('tg' + i);
          out[i] = {v: v ? v.textContent : null, g: gr ? gr.textContent : null, box: poly.width,
                    vw: v ? v.getComputedTextLength() : 0, gw: gr ? gr.getComputedTextLength() : 0};
        }
        return {nodes: out, out: document.getElementById('cg-out').textContent,
                panel: [...document.querySelectorAll('#cg-gradients td.g')].map(e => e.textContent)};
    }""")


@needs_dot
@needs_browser
@pytest.mark.parametrize("args", [FANOUT, NEURON, [*NEURON, "--expand"]], ids=["fan-out", "neuron", "expanded"])
def test_the_page_reveals_as_the_passes_go(browser, tmp_path, args):
    path = write_page(tmp_path, args)
    doc, vals, grads, gradients = final_numbers(args)
    first = doc["forward"][0]["node"]
    computed = {s["node"] for s in doc["forward"]}
    page, problems, requests = open_page(browser, path)
    b = boxes(page)
    for i, box in b["nodes"].items():
        i = int(i)
        assert box["g"] in (None, "grad ?"), (i, box)              # no gradient yet
        if i in computed and i != first:
            assert box["v"] == "value ?", (i, box)                 # not computed yet
        else:
            assert box["v"] == f"value {vals[i]}", (i, box)
    assert set(b["panel"]) == {"?"}
    assert b["out"] == "?" or doc["output"] == first
    widths = {i: box["box"] for i, box in b["nodes"].items()}
    # step by step: each number appears once, a fan-out's running sum as "... + ?"
    seen_partial = False
    n = len(doc["forward"]) + 1 + sum(len(s["edges"]) for s in doc["backward"])
    for k in range(1, n):
        page.keyboard.press("ArrowRight")
        b = boxes(page)
        for i, box in b["nodes"].items():
            assert box["box"] == widths[i]                          # no box moves or grows
            assert box["vw"] <= box["box"] and box["gw"] <= box["box"], (k, i, box)   # the text fits
            seen_partial = seen_partial or (box["g"] or "").endswith(" + ?")
    assert seen_partial == any(len(s["contributions"]) > 1 for s in doc["backward"])
    b = boxes(page)                                                 # the last step: every number
    for i, box in b["nodes"].items():
        i = int(i)
        assert box["v"] == f"value {vals[i]}"
        if box["g"] is not None:
            assert box["g"] == f"grad {grads[i]}"
    assert b["panel"] == list(gradients.values())
    assert b["out"] == number(doc["value"], 4)
    page.keyboard.press("Home")                                     # the box: every number at once
    page.check("#cg-all")
    b = boxes(page)
    assert all("?" not in (box["v"] + (box["g"] or "")) for box in b["nodes"].values())
    page.close()
    assert problems == [] and requests == [path.as_uri()]


@needs_dot
@needs_browser
def test_reveal_all_keeps_todays_page(browser, tmp_path):
    path = tmp_path / "all.html"
    assert run_cg("explain", *FANOUT, "--format", "html", "--reveal", "all", "-o", str(path)).returncode == 0
    page, problems, requests = open_page(browser, path)
    b = boxes(page)
    assert all("?" not in (box["v"] + (box["g"] or "")) for box in b["nodes"].values())
    assert page.evaluate("document.getElementById('cg-all').checked")
    page.close()
    assert problems == []


def quiz_state(page):
    return page.evaluate("""() => ({step: +document.body.dataset.step, answered: document.body.dataset.answered,
        verdict: document.getElementById('cg-verdict').textContent, code: document.body.dataset.verdict || '',
        score: document.getElementById('cg-score').textContent, arith: document.getElementById('cg-arith').textContent,
        z: document.getElementById('tg3').textContent})""")


def answer(page, text):
    page.fill("#cg-answer", text)
    page.press("#cg-answer", "Enter")
    return quiz_state(page)


@needs_dot
@needs_browser
def test_the_quiz_page(browser, tmp_path):
    path = tmp_path / "quiz.html"
    p = run_cg("explain", *TEXTS, "--format", "html", "--quiz", "-o", str(path))
    assert p.returncode == 0, p.err
    page, problems, requests = open_page(browser, path)
    s = quiz_state(page)
    assert s["answered"] == "no" and s["arith"].endswith("= ?") and "5" not in s["arith"]
    assert page.is_disabled("#cg-next") and page.is_disabled("#cg-last")   # no skipping ahead
    s = answer(page, "6")                                           # wrong: stays
    assert s["step"] == 0 and s["verdict"].startswith("✗")
    s = answer(page, "5")                                           # right: advances
    assert s["step"] == 1 and s["verdict"].startswith("✓ right")
    assert answer(page, "-20")["step"] == 2                        # the seed: nothing to ask
    page.click("#cg-next")
    s = answer(page, "-4")                                          # what n4 sends to n2
    assert s["step"] == 4 and s["z"] == "grad ?"
    s = answer(page, "3")                                           # the texts' slip: y for x + y
    assert s["step"] == 4 and s["code"] == "wrong-input"
    assert "multiply gate" in s["verdict"] and "x + y = 5" in s["verdict"]
    assert s["z"] == "grad ?" and s["arith"].endswith("= ?")
    s = answer(page, "-5")
    assert s["code"] == "sign"
    page.click("#cg-show")                                          # show me: revealed
    s = quiz_state(page)
    assert s["answered"] == "yes" and s["z"] == "grad 5" and s["arith"].endswith("= 5")
    page.click("#cg-next")
    assert answer(page, "-4")["step"] == 6                         # what n2 sends to x
    s = answer(page, "-4")                                          # and to y: the last step
    assert s["answered"] == "yes" and s["score"] == "Done: 4 of 6 right first time"
    page.close()
    assert problems == [] and requests == [path.as_uri()]


# --- the terminal -------------------------------------------------------------------------

def tree_lines(t):
    return [line for line in t.screen() if re.search(r"\bvalue\b", line)]


def test_the_terminal_reveals_as_the_passes_go():
    t = Term(FANOUT)
    lines = tree_lines(t)
    assert lines and all("grad ?" in line for line in lines)
    assert any("value ?" in line for line in lines)                 # the output, not yet computed
    columns = [line.index(" grad ") for line in lines]             # where each line's gradient stands
    partial = False
    for _ in range(20):
        t.press(RIGHT)
        partial = partial or any(" + ?" in line for line in tree_lines(t))
    assert partial                                                  # q's running sum
    t.press(END)
    lines = tree_lines(t)
    assert not any("?" in line.split("◀")[0] for line in lines)
    assert "value 12" in lines[0] and "grad 7" in "\n".join(lines)
    assert [line.index(" grad ") for line in lines] == columns      # the layout did not move
    t.child.send("q")
    t.child.expect(pexpect.EOF, timeout=30)


def test_the_terminal_reveal_all_shows_every_number():
    t = Term([*FANOUT, "--reveal", "all"])
    assert not any("?" in line for line in tree_lines(t))
    t.child.send("q")
    t.child.expect(pexpect.EOF, timeout=30)


def test_the_terminal_quiz():
    t = Term([*TEXTS, "--quiz"], rows=30, cols=130)
    screen = "\n".join(t.screen())
    assert "What is the value of n2?" in screen and "your answer" in screen
    t.press("5\r")
    screen = "\n".join(t.screen())
    assert "✓ right: n2 = x + y = 2 + 3 = 5" in screen and "step 2 of 7" in screen
    t.press("-20\r")
    t.press(RIGHT)
    t.press("-4\r")
    screen = "\n".join(t.screen())
    assert "send back to z" in screen
    t.press("3\r")                                                  # the texts' slip
    screen = "\n".join(t.screen())
    assert "your 3 follows from y = 3" in screen and "multiply gate" in screen and "step 5 of 7" in screen
    assert re.search(r"z\s+value -4\s+grad \?", screen)
    t.press("?")                                                    # show me
    screen = "\n".join(t.screen())
    assert re.search(r"z\s+value -4\s+grad 5", screen) and "= 5" in screen
    t.child.send("q")
    t.child.expect(pexpect.EOF, timeout=30)
    assert "3 of 6 right first time" in t.child.before
    t.child.close()
    assert t.child.exitstatus == 0


def test_quiz_and_reveal_need_a_step_through():
    for args in (["--quiz"], ["--reveal", "all"], ["--reveal", "some", "--step"], ["--quiz", "--reveal", "all", "--step"]):
        p = run_cg("explain", *TEXTS, *args)
        assert p.returncode == 2 and "Traceback" not in p.err, (args, p.err)


@needs_dot
@needs_browser
def test_the_practice_page(browser, tmp_path):
    path = tmp_path / "practice.html"
    p = run_cg("practice", "--topic", "mul", "--seed", "3", "--count", "2", "--html", "-o", str(path))
    assert p.returncode == 0, p.err
    page, problems, requests = open_page_any(browser, path)
    frames = [f for f in page.frames if f != page.main_frame]
    assert len(frames) == 2
    f = frames[0]
    f.wait_for_function("document.body.getAttribute('data-step') === '0'")
    assert "value of p" in f.evaluate("document.getElementById('cg-question').textContent")
    f.fill("#cg-answer", "-10")                                     # x * y at seed 3: -2 * 5
    f.press("#cg-answer", "Enter")
    assert f.evaluate("document.body.dataset.step") == "1"
    page.close()
    assert problems == [] and requests == [path.as_uri()]


def open_page_any(ctx, path):
    page = ctx.new_page()
    problems, requests = [], []
    page.on("console", lambda m: problems.append(m.text) if m.type in ("error", "warning") else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.on("request", lambda r: requests.append(r.url))
    page.goto(path.as_uri())
    return page, problems, requests


def test_practice_on_a_terminal():
    child = pexpect.spawn(cg_path(), ["practice", "--topic", "mul", "--seed", "3", "--count", "1"],
                          dimensions=(30, 120), encoding="utf-8")
    child.expect(r"the value of p = x \* y = \? ", timeout=30)
    child.sendline("-10")                                          # x * y at seed 3: -2 * 5
    child.expect("right: -10", timeout=30)
    child.expect(r"the value of f = p \* z = \? ", timeout=30)
    child.sendline("-6O")                                          # a typo: not a number
    child.expect("not a number", timeout=30)
    child.expect(r"df/dz = \? ", timeout=30)
    child.sendline("5")
    child.expect(r"slip \(wrong-input\): df/dz: your 5 follows from y = 5 used in place of p", timeout=30)
    child.expect(r"df/dp \(= x \* y\) = \? ", timeout=30)
    child.sendeof()                                                 # Ctrl-D: the summary, exit 0
    child.expect("Summary: 1 of 3 right first time", timeout=30)
    child.expect(pexpect.EOF, timeout=30)
    child.close()
    assert child.exitstatus == 0


@needs_dot
@needs_browser
@pytest.mark.parametrize("args, step", [(TEXTS, 4), (NEURON, 9), (FANOUT, 5)], ids=["texts", "neuron", "fan-out"])
def test_the_page_judges_as_cg_does(browser, tmp_path, args, step):
    """The page's verdicts (its script) agree with teach.quiz.judge (Python) on many answers."""
    from cgcli import evaluate
    from cgcli.teach.quiz import expected, judge, step_slips
    from cgcli.teach.steps import frames, walk
    path = tmp_path / "q.html"
    assert run_cg("explain", *args, "--format", "html", "--quiz", "-o", str(path)).returncode == 0
    expr, rest = args[0], args[1:]
    r = evaluate(expr, **{rest[k][2:]: float(rest[k + 1]) for k in range(0, len(rest), 2)})
    w = walk(r)
    fr = frames(r, w)
    page, problems, requests = open_page(browser, path)
    for k in range(step):                                           # reveal up to the step
        if page.evaluate("document.body.dataset.answered") == "no":
            page.click("#cg-show")
        page.click("#cg-next")
    assert int(page.evaluate("document.body.dataset.step")) == step
    f = fr[step]
    x, slips = expected(r, f), step_slips(r, w, f)
    tries = [v for v, _, _ in slips] + [-x, 2 * x, x + 0.004, round(x, 1), round(x, 2), 0.5]
    texts = ["abc", "1/3", "-1/3", "1e-3"] + [format(t, ".6g") for t in tries] + [format(x, ".1g"), format(x, ".4g")]
    for t in texts:
        v = judge(t, x, slips)
        page.fill("#cg-answer", t)
        page.press("#cg-answer", "Enter")
        got = page.evaluate("document.body.dataset.verdict")
        if v.right:
            assert got == "right", (t, got)
            break
        want = v.code or ("invalid" if v.status == "invalid" else "wrong")
        assert got == want, (t, want, got, v.message)
        if v.code:
            assert page.evaluate("document.getElementById('cg-verdict').textContent") == "✗ " + v.message
    page.close()
    assert problems == []
