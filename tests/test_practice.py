"""cg practice: well-formed problems for every topic and seed, full marks for cg eval's own
numbers, each injected slip named, a deterministic scripted transcript, a clean EOF."""
from __future__ import annotations

import json

import pytest

from cgtest import run_cg, strict_json

TOPICS = ["add", "mul", "max", "fanout", "sigmoid", "tanh", "bptt", "mixed"]


def lines_json(text):
    return [strict_json(line) for line in text.splitlines() if line.strip()]


def practice(*args, answers=""):
    p = run_cg("practice", *args, input=answers)
    assert p.returncode == 0, p.err
    assert "Traceback" not in p.err
    return p


def questions(topic, seed, count=1):
    """The questions of a problem set: every question skipped (empty lines)."""
    p = practice("--topic", topic, "--seed", str(seed), "--count", str(count), "--json", answers="\n" * 200)
    objs = lines_json(p.out)
    assert objs[-1]["type"] == "summary" and all(o["type"] == "question" for o in objs[:-1])
    return objs[:-1], objs[-1]


def oracle(q):
    """cg eval's own number for a question (an independent run of the problem)."""
    args = ["eval", q["expression"], "--json"]
    for k, v in q["inputs"].items():
        args += [f"--{k}", str(v)]
    doc = strict_json(run_cg(*args).out)
    by = {n.get("name", f"n{n['id']}"): n for n in doc["nodes"]}
    kind, _, name = q["target"].partition(".")
    if kind == "value":
        return doc["value"]
    return by[name]["value"] if kind == "node" else by[name]["grad"]


def answer_text(v):
    return repr(float(v)) if not float(v).is_integer() else str(int(v))


@pytest.mark.parametrize("topic", TOPICS)
@pytest.mark.parametrize("seed", [0, 1, 7])
def test_every_topic_and_seed_gives_a_well_formed_problem_and_full_marks(topic, seed):
    qs, summary = questions(topic, seed)
    assert summary["schema"] == "cg.practice/1" and summary["skipped"] == len(qs) >= 5
    assert summary["seed"] == seed and summary["topic"] == topic
    targets = [q["target"] for q in qs]
    assert len(set(targets)) == len(targets)               # each number asked once
    assert any(t.startswith("grad.") for t in targets) and any(not t.startswith("grad.") for t in targets)
    for q in qs:
        assert set(q) >= {"question", "target", "answer", "expected", "status", "slip"}
        assert q["status"] == "skipped" and q["answer"] is None and q["slip"] is None
        assert q["expected"] == pytest.approx(oracle(q), rel=1e-12, abs=1e-12)
        assert all(float(v).is_integer() and v != 0 for v in q["inputs"].values())
    # no gate at a kink: max's two inputs differ
    if topic == "max":
        x, y = qs[0]["inputs"]["x"], qs[0]["inputs"]["y"]
        assert x != y
    # answering with cg eval's own numbers: full marks
    answers = "".join(answer_text(oracle(q)) + "\n" for q in qs)
    objs = lines_json(practice("--topic", topic, "--seed", str(seed), "--count", "1", "--json",
                               answers=answers).out)
    assert [o["status"] for o in objs[:-1]] == ["right"] * len(qs)
    assert objs[-1]["right_first_time"] == len(qs) and objs[-1]["slips"] == {}


def _problem(topic, seed=3):
    qs, _ = questions(topic, seed)
    return qs, {q["target"]: q for q in qs}


def _answer(topic, seed, qs, wrong: dict):
    """Right answers (cg eval's) except the ones in `wrong` (target -> text)."""
    text = "".join((wrong.get(q["target"]) or answer_text(oracle(q))) + "\n" for q in qs)
    objs = lines_json(practice("--topic", topic, "--seed", str(seed), "--count", "1", "--json", answers=text).out)
    return {o["target"]: o for o in objs[:-1]}, objs[-1]


def test_the_slips_are_named():
    # mul: p = x * y; f = p * z. The texts' slip: df/dz given as an input of p instead of p itself
    qs, by = _problem("mul")
    inp = qs[0]["inputs"]
    x, y, z = inp["x"], inp["y"], inp["z"]
    p = x * y
    got, summary = _answer("mul", 3, qs, {"grad.z": str(x), "grad.x": str(-(y * z)), "grad.y": str(x),
                                          "grad.p": str(z * 2) if z * 2 not in (p, -z) else None})
    assert got["grad.z"]["status"] == "wrong" and got["grad.z"]["slip"]["code"] == "wrong-input"
    assert "multiply" in got["grad.z"]["slip"]["message"]
    assert got["grad.x"]["slip"]["code"] == "sign"
    assert got["grad.y"]["slip"]["code"] == "no-upstream"           # x alone, without the upstream z
    assert "multiply swaps" in got["grad.y"]["rule"]
    assert summary["slips"]["wrong-input"] == 1 and summary["slips"]["sign"] == 1
    # swapped: df/dx given as df/dy
    got, _ = _answer("mul", 3, qs, {"grad.x": str(x * z)})
    assert got["grad.x"]["slip"]["code"] == "swapped"


def test_fanout_partial_and_coarse_rounding_are_named():
    qs, by = _problem("fanout")
    inp = qs[0]["inputs"]
    x, y = inp["x"], inp["y"]
    got, _ = _answer("fanout", 3, qs, {"grad.x": str(y)})        # only x * y's contribution
    assert got["grad.x"]["slip"]["code"] == "fanout-partial"
    assert "sum" in got["grad.x"]["slip"]["message"]
    qs, by = _problem("sigmoid")
    f = by["value"]["expected"]
    got, _ = _answer("sigmoid", 3, qs, {"value": f"{f:.0f}" if round(f) != 0 else "0.3" if f > 0.25 else "0.2"})
    assert got["value"]["status"] == "wrong"
    got, _ = _answer("sigmoid", 3, qs, {"value": f"{f:.1f}"})     # one significant figure: too coarse
    assert got["value"]["slip"]["code"] == "coarse-rounding"
    got, _ = _answer("sigmoid", 3, qs, {"value": f"{f:.3f}"})     # rounded well enough: right
    assert got["value"]["status"] == "right"


def test_the_piped_transcript_is_deterministic():
    answers = "3\n\n-4\n5\nfoo\n1/2\n" * 4
    a = practice("--seed", "11", "--count", "3", answers=answers).out
    b = practice("--seed", "11", "--count", "3", answers=answers).out
    assert a == b and "Summary:" in a and "Problem 3 of 3" in a
    assert "not a number" in a
    c = practice("--seed", "12", "--count", "3", answers=answers).out
    assert c != a
    j1 = practice("--seed", "11", "--count", "3", "--json", answers=answers).out
    assert j1 == practice("--seed", "11", "--count", "3", "--json", answers=answers).out
    objs = lines_json(j1)
    assert [o["answer"] for o in objs[:6]] == ["3", None, "-4", "5", "foo", "1/2"]
    assert objs[4]["status"] == "invalid"


def test_mixed_chooses_the_next_problem_for_the_last_slip():
    qs, _ = questions("mixed", 5, count=1)
    # make a fan-out slip on the first problem when it has a fan-out, else a sign slip
    wrong = {}
    for q in qs:
        if q["target"].startswith("grad."):
            wrong[q["target"]] = answer_text(-oracle(q))
            break
    text = "".join((wrong.get(q["target"]) or answer_text(oracle(q))) + "\n" for q in qs) + "\n" * 40
    objs = lines_json(practice("--seed", "5", "--count", "2", "--json", answers=text).out)
    first = [o for o in objs[:-1] if o["problem"] == 1]
    second = [o for o in objs[:-1] if o["problem"] == 2]
    slips = [o["slip"]["code"] for o in first if o["slip"]]
    assert slips == ["sign"] and second and second[0]["topic"] == "tanh"


def test_eof_ends_cleanly_with_the_summary():
    p = practice("--seed", "2", answers="")
    assert "Summary: 0 of 0 right first time" in p.out
    p = practice("--seed", "2", "--json", answers="5\n")
    objs = lines_json(p.out)
    assert objs[-1]["type"] == "summary" and objs[-1]["questions"] == 1


def test_bad_usage_is_exit_2():
    for args in (["--topic", "div"], ["--count", "0"], ["--html"], ["-o", "x.html"]):
        p = run_cg("practice", *args, input="")
        assert p.returncode == 2 and "Traceback" not in p.err, (args, p.err)


def test_html_writes_one_quiz_page_per_problem(tmp_path):
    import shutil
    if shutil.which("dot") is None:
        pytest.skip("Graphviz's dot is not installed")
    out = tmp_path / "practice.html"
    p = run_cg("practice", "--seed", "4", "--count", "2", "--html", "-o", str(out))
    assert p.returncode == 0, p.err
    page = out.read_text(encoding="utf-8")
    assert page.count("<iframe") == 2 and page.count("srcdoc=") == 2
    for bad in ("http:", "https:", " src=", "<link", "url("):
        assert bad not in page.replace("srcdoc=", ""), bad
    assert "&quot;quiz&quot;: true" in page


def test_play_is_the_answer_loop_in_the_teach_area():
    """teach.practice.play runs the loop without the command line: a problem's questions asked
    in order, each answer read only after its question is shown, graded as Session.answer
    grades it, the input's end giving "end" and then the summary."""
    from cgcli.teach.practice import Session, play
    session = Session("mul", 7, 2)
    script = iter(["12\n", "\n", "oops\r\n"])
    reads = []

    def read():
        reads.append(len(events))
        return next(script, "")

    events = []
    for e in play(session, read):
        events.append(e)
    kinds = [e[0] for e in events]
    assert kinds == ["problem", "ask", "read", "outcome", "ask", "read", "outcome",
                     "ask", "read", "outcome", "ask", "end", "summary"]
    assert [e[2] for e in events if e[0] == "ask"] == [1, 2, 3, 4]
    assert all(events[i - 1][0] == "ask" for i in reads)             # asked, then read
    assert [e[1] for e in events if e[0] == "read"] == ["12", "", "oops"]
    assert [e[1].status for e in events if e[0] == "outcome"][1:] == ["skipped", "invalid"]
    s = events[-1][1]
    assert s["questions"] == 3 and s["skipped"] == 1 and s["problems"] == 1


def test_read_answer_bounds_an_overlong_line():
    import io

    from cgcli.core.limits import ANSWER_MAX_CHARS
    from cgcli.teach.practice import read_answer
    stream = io.StringIO("9" * (ANSWER_MAX_CHARS * 3) + "\n5\n")
    assert read_answer(stream) == "9" * 40 + "…\n"
    assert read_answer(stream) == "5\n" and read_answer(stream) == ""
