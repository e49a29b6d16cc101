"""Issue 17: every diagnosis true. The slip catalogue on random graphs (every op of the op table,
fan-out, max/min, loops), each slip injected and written at 1-4 significant figures; random
wrong numbers; the issue's reproduced examples and the seeds' slips, in-process and through the
installed `cg`; machine-readable slips in cg check and cg grade; the class's misconceptions."""
from __future__ import annotations

import csv
import inspect
import io
import json
import re
from collections import Counter

import pytest

import slipgen
from cgcli import evaluate
from cgcli.check import grading, slips
from cgcli.check.answers import Tolerance, make_answer
from cgcli.check.grading import grade, grade_one
from cgcli.core.ops import OPS, say_gate
from cgtest import run_cg, strict_json

NEURON = ["sigmoid(w0*x0 + w1*x1 + w2)", "--w0", "2", "--x0", "-1", "--w1", "-3", "--x1", "-2", "--w2", "-3"]
NEURON_IN = {"w0": 2, "x0": -1, "w1": -3, "x1": -2, "w2": -3}


def diag(src, inputs, target, text, **tol):
    r = evaluate(src, inputs)
    row = grade_one(r, make_answer("grad", target, text), Tolerance(**tol))
    assert not row.ok
    return row


def codes(row) -> list:
    return [s["code"] for s in ([row.slip] + row.slip["also"])] if row.slip else []


# --- the generator ------------------------------------------------------------------------------

def test_injected_slips_are_named_at_the_students_precision():
    """Each slip injected into a right answer and rounded to 1-4 significant figures is named,
    or hidden only by a closer match or by more than MAX_NAMED equal ones; never a false one."""
    seen = Counter()
    bad = []
    for o in slipgen.trials(17, 40):
        seen[(o.code, o.kind)] += 1
        if o.kind in ("miss", "false"):
            bad.append(o)
    assert not bad, bad[:5]
    for code in slipgen.CODES:                     # every slip of the catalogue came up, and was named
        assert seen[(code, "named")] > 0, (code, seen)
    named = sum(v for (c, k), v in seen.items() if k == "named")
    assert named / sum(seen.values()) > 0.9, seen


def test_random_wrong_numbers_get_no_slip():
    n = 0
    for text, slip, _ in slipgen.random_wrong(5, 60, digits=(12,)):
        assert slip is None, (text, slip)
        n += 1
    assert n > 50


def test_random_short_answers_get_only_true_slips():
    """A random 1-3 figure answer may equal some slip's number at its precision; then that slip
    is named truly (its number rounds to the answer), never otherwise."""
    for text, slip, true in slipgen.random_wrong(6, 60, digits=(1, 2, 3)):
        assert true, (text, slip)


def test_the_generator_covers_the_op_table_and_loops():
    import random
    rng = random.Random(3)
    texts = [slipgen.problem(rng)[1] for _ in range(120)]
    joined = " ".join(texts)
    for op in OPS:
        if op.arity:
            assert (op.symbol + "(" in joined) or f" {op.symbol} " in joined or (op.name == "neg" and "-(" in joined), op.name
    assert any("for t in range" in t for t in texts)
    assert any(re.search(r"\bn[a-c]\b.*\bn[a-c]\b", t.partition(";")[2]) for t in texts)


def test_broken_backward_of_the_generator_is_the_real_one_unbroken():
    import random
    rng = random.Random(4)
    for _ in range(30):
        r, _ = slipgen.problem(rng)
        got = slipgen.backward(r.graph, r.values)
        for name, i in r.graph.variables.items():
            assert got[i] == pytest.approx(r.grads[i], rel=1e-9, abs=1e-12)


# --- the issue's examples -----------------------------------------------------------------------

def test_a_missed_fan_out_sum_is_no_swap_at_an_add_gate():
    row = diag("x*y + x", {"x": 3, "y": -2}, "x", "1")
    assert "swap" not in row.feedback
    assert set(codes(row)) == {"sign", "fanout-partial"}      # 1 is both -(-1) and the + x path alone
    fan = next(s for s in [row.slip] + row.slip["also"] if s["code"] == "fanout-partial")
    assert fan["node"] == "x" and fan["slip_value"] == 1
    assert "(-2) + 1 = -1" in row.feedback and "your 1 is the contribution through x * y + x alone" in row.feedback


def test_the_texts_swap_written_as_the_texts_write_it():
    r = evaluate(NEURON[0], NEURON_IN)
    for tol in (Tolerance(), Tolerance(rounded=True)):
        rows = grade(r, [make_answer("grad", "x1", "-0.4"), make_answer("grad", "w1", "-0.6")], tol)
        for row, other in zip(rows, ("w1", "x1")):
            assert row.slip["code"] == "swapped" and row.slip["node"] == other and row.slip["gate"] == "w1 * x1"
            assert f"your {row.answer.text} is df/d{other} (= {'-0.3932' if other == 'w1' else '-0.5898'} rounded)" \
                in row.feedback
            assert "significant figure" not in row.message          # -0.4 is no rounding of -0.59
    rows = grade(r, [make_answer("grad", "w1", "-0.59"), make_answer("grad", "x1", "-0.39")], Tolerance(rounded=True))
    assert [row.slip["code"] for row in rows] == ["swapped", "swapped"]


def test_no_you_gave_unless_given():
    row = diag("q = x + y; f = q * z", {"x": 2, "y": 3, "z": -4}, "q", "5")
    assert "you gave" not in row.feedback
    assert row.slip["code"] == "value-for-grad" and row.slip["node"] == "q"
    assert row.feedback.startswith("df/dq: your 5 is the forward value of q (q = x + y = 5), not its gradient")
    assert "your 5 is df/dz (= 5)" in row.feedback                   # named too: it matches equally
    assert [s["code"] for s in row.slip["also"]] == ["swapped"]


def test_other_node_wording():
    r = evaluate("a = x*y; f = a * z + y", {"x": 2.5, "y": 3, "z": 0.5})
    row = grade_one(r, make_answer("grad", "x", "2.25"), Tolerance())
    assert row.slip["code"] == "other-node" and row.slip["node"] == "y"
    assert row.feedback == "df/dx: your 2.25 is df/dy (= 2.25), the gradient of y, not df/dx (= 1.5)"


def test_no_garbled_sign_slip():
    row = diag("a = x*y; b = max(a, z); f = b*x + a", {"x": 3, "y": 2, "z": 1}, "y", "6")
    assert row.slip is None and row.feedback is None
    row = diag("w0*x0", {"w0": 2, "x0": -1}, "x0", "-2")
    assert codes(row) == ["sign"] and row.feedback == "df/dx0: the sign is wrong (df/dx0 = 2)"


def test_carried_forward_gets_no_contradicting_slip():
    r = evaluate("a = x*y; f = a + x", {"x": 3, "y": -2})
    plain = grade(r, [make_answer("grad", "a", "0"), make_answer("grad", "x", "1")], Tolerance())
    assert plain[1].slip["code"] in ("sign", "fanout-partial")        # without ecf: a slip
    rows = grade(r, [make_answer("grad", "a", "0"), make_answer("grad", "x", "1")], Tolerance(), ecf=0.5)
    x = rows[1]
    assert x.status == "carried" and x.slip["code"] == "carried" and x.slip["also"] == []
    assert x.feedback == "df/dx: right given your df/da = 0, which gives df/dx = 1 (carried forward)"
    assert "summed" not in x.feedback and "sign" not in x.feedback


def test_seeds_slips():
    row = diag("(x+y)*z", {"x": 2, "y": 3, "z": -4}, "z", "3")
    assert row.slip == {"code": "wrong-input", "node": "y", "gate": "(x + y) * z", "expected": 5,
                        "slip_value": 3, "also": []}
    assert row.feedback.startswith("df/dz: your 3 follows from y = 3 used in place of x + y = 5, the input of "
                                   "the multiply gate (x + y) * z (multiply swaps:")
    row = diag("q = x + y; f = q * z", {"x": 2, "y": 3, "z": -4}, "z", "3")
    assert "y = 3 used in place of q = x + y = 5" in row.feedback


# --- preconditions ----------------------------------------------------------------------------------

@pytest.mark.parametrize("op", ["+", "-"])
def test_no_swap_at_add_or_sub(op):
    r = evaluate(f"(x {op} y) * z", {"x": 2, "y": 3, "z": -4})
    cat = slips.catalogue(r, r.graph.variables["x"])
    assert not [s for s in cat.slips if s.code == "swapped"]


def test_sign_only_for_the_negative_answer():
    r = evaluate("x*y*z + x", {"x": 2, "y": 3, "z": -4})
    cat = slips.catalogue(r, r.graph.variables["x"])
    signs = [s for s in cat.slips if s.code == "sign"]
    assert [s.number for s in signs] == [-r.gradients["x"]]


def test_fan_out_only_at_nodes_used_more_than_once():
    r = evaluate("sin(x) * y", {"x": 2, "y": 3})
    assert not [s for s in slips.catalogue(r, 0).slips if s.code == "fanout-partial"]


def test_no_upstream_only_through_a_node_every_path_runs_through():
    r = evaluate("a = x*y; f = a*z + x", {"x": 2, "y": 3, "z": -4})
    cat = slips.catalogue(r, r.graph.variables["x"])
    assert not [s for s in cat.slips if s.code == "no-upstream"]       # x also reaches f directly
    row = diag("a = x*y; f = sin(a)", {"x": 2, "y": 0.5}, "x", "0.5")    # da/dx = y
    assert row.slip["code"] == "no-upstream" and row.slip["node"] == "a"


def test_upstream_only():
    r = evaluate("a = x*y; f = sin(a)", {"x": 2, "y": 0.7})
    row = grade_one(r, make_answer("grad", "a", "1"), Tolerance())
    assert row.slip["code"] == "upstream-only" and row.slip["gate"] == "sin(a)"
    assert "sin: a gets upstream × cos(a)" in row.feedback         # the op table's gate text


def test_swap_wording_comes_from_the_op_table():
    for op in OPS:
        if op.arity != 2 or op.name in ("add", "sub"):
            continue
        src = f"{op.symbol}(p, q) * 1.5" if not op.infix else f"(p {op.symbol} q) * 1.5"
        r = evaluate(src, {"p": 1.3, "q": 0.7})
        g = r.graph
        p, q = g.variables["p"], g.variables["q"]
        sw = [s for s in slips.catalogue(r, p).slips if s.code == "swapped"]
        assert sw, op.name
        row = grade_one(r, make_answer("grad", "p", repr(sw[0].number)), Tolerance())
        if row.slip and row.slip["code"] == "swapped":
            assert say_gate(op.gate, ["p", "q"]) in row.feedback, (op.name, row.feedback)


def test_too_many_equal_matches_name_none(monkeypatch):
    monkeypatch.setattr(slips, "MAX_NAMED", 0)
    slips._CACHE.clear()
    row = diag("(x+y)*z", {"x": 2, "y": 3, "z": -4}, "z", "3")
    assert row.slip is None and row.feedback is None
    slips._CACHE.clear()


def test_exact_match_outranks_a_rounded_one():
    # answer 3 for (x+y)*z: y = 3 exactly; no candidate that merely rounds to 3 is named
    row = diag("(x+y)*z", {"x": 2, "y": 3, "z": -4}, "z", "3")
    assert codes(row) == ["wrong-input"]


def test_no_import_in_the_per_answer_path():
    for f in (slips.diagnose, slips.diagnosis, slips.Catalogue.matching, slips._quality, grading.grade_one):
        assert not re.search(r"^\s+(from \S+ )?import ", inspect.getsource(f), re.M), f.__name__


def test_codes_are_the_documented_ones():
    assert set(slips.CODES) == {"wrong-input", "swapped", "fanout-partial", "no-upstream", "upstream-only",
                                "sign", "value-for-grad", "other-node", "coarse-rounding", "carried"}
    doc = open("docs/schemas.md", encoding="utf-8").read() + open("docs/check.md", encoding="utf-8").read()
    for code in slips.CODES:
        assert f"`{code}`" in doc, code


# --- through the installed cg ------------------------------------------------------------------------

ISSUE = [
    (["x*y + x", "--x", "3", "--y", "-2", "--grad", "x=1"], "fanout-partial"),
    ([*NEURON, "--grad", "x1=-0.4", "--grad", "w1=-0.6"], "swapped"),
    ([*NEURON, "--grad", "x1=-0.4", "--grad", "w1=-0.6", "--rounded"], "swapped"),
    (["q = x + y; f = q * z", "--x", "2", "--y", "3", "--z", "-4", "--grad", "q=5"], "value-for-grad"),
    (["a = x*y; b = max(a, z); f = b*x + a", "--x", "3", "--y", "2", "--z", "1", "--grad", "y=6"], None),
    (["w0*x0", "--w0", "2", "--x0", "-1", "--grad", "x0=-2"], "sign"),
    (["(x+y)*z", "--x", "2", "--y", "3", "--z", "-4", "--grad", "z=3"], "wrong-input"),
]


@pytest.mark.parametrize("args, code", ISSUE)
def test_issue_examples_through_cg(args, code):
    p = run_cg("check", *args, "--json")
    assert p.returncode == 1, p.err
    doc = strict_json(p.out)
    for a in doc["answers"]:
        slip = a["slip"]
        if code is None:
            assert slip is None and a["feedback"] is None
            continue
        assert code in [slip["code"]] + [s["code"] for s in slip["also"]]
        assert set(slip) == {"code", "node", "gate", "expected", "slip_value", "also"}
        assert slip["expected"] == a["got"]
        assert "you gave" not in a["feedback"]
    text = run_cg("check", *args).out
    assert "you gave" not in text and "you used" not in text


def test_ecf_through_cg():
    p = run_cg("check", "a = x*y; f = a + x", "--x", "3", "--y", "-2", "--grad", "a=0", "--grad", "x=1",
               "--ecf", "0.5", "--json")
    x = strict_json(p.out)["answers"][1]
    assert x["status"] == "carried forward" and x["slip"]["code"] == "carried"
    assert x["feedback"] == "df/dx: right given your df/da = 0, which gives df/dx = 1 (carried forward)"


KEY = '''
title = "quiz"
[[problem]]
id = "1a"
expression = "x*y + x"
inputs = { x = 3, y = -2 }
grad = { x = -1, y = 3 }

[[problem]]
id = "2"
expression = "sigmoid(w0*x0 + w1*x1 + w2)"
inputs = { w0 = 2, x0 = -1, w1 = -3, x1 = -2, w2 = -3 }
grad = { w1 = -0.39, x1 = -0.59 }
'''
ANSWERS = [["student", "1a.grad.x", "1a.grad.y", "2.grad.w1", "2.grad.x1"],
           ["ann", "-1", "3", "-0.3932238664829637", "-0.5898357997244456"],
           ["bob", "-2", "3", "-0.59", "-0.39"],
           ["cat", "-2", "3", "-0.6", "-0.4"],
           ["dan", "-1", "-3", "-0.59", "-0.5898357997244456"],
           ["eve", "0.123456789", "3", "-0.3932238664829637", "-0.5898357997244456"]]


@pytest.fixture
def klass(tmp_path):
    key = tmp_path / "key.toml"
    key.write_text(KEY)
    subs = tmp_path / "answers.csv"
    with open(subs, "w", newline="") as f:
        csv.writer(f).writerows(ANSWERS)
    return str(key), str(subs)


def test_grade_json_slips_and_misconceptions(klass):
    p = run_cg("grade", *klass, "--json")
    assert p.returncode == 0, p.err
    doc = strict_json(p.out)
    st = {s["student"]: s for s in doc["students"]}
    marks = {(s, pr["id"], a["target"]): a for s in st for pr in st[s]["problems"] for a in pr["answers"]}
    assert marks[("bob", "1a", "grad.x")]["slip"]["code"] == "fanout-partial"
    assert marks[("bob", "2", "grad.w1")]["slip"]["code"] == "swapped"
    assert marks[("eve", "1a", "grad.x")]["slip"] is None
    assert marks[("ann", "1a", "grad.x")]["slip"] is None                 # right: no slip
    assert st["bob"]["slip_profile"] == {"fanout-partial": 1, "swapped": 2}
    assert st["dan"]["slip_profile"] == {"sign": 1, "swapped": 1}
    mis = {(m["problem"], m["target"], m["code"]): m for m in doc["misconceptions"]}
    assert mis[("2", "grad.w1", "swapped")]["students"] == 3
    assert mis[("2", "grad.w1", "swapped")]["text"] == "swapped w1/x1"
    assert mis[("1a", "grad.x", "fanout-partial")]["students"] == 2
    assert mis[("1a", "grad.x", "fanout-partial")]["text"] == "left out a fan-out branch of x"
    assert [m["problem"] for m in doc["misconceptions"]] == sorted(m["problem"] for m in doc["misconceptions"])


def test_grade_rich_misconceptions_and_student_profile(klass):
    p = run_cg("grade", *klass)
    assert "misconceptions" in p.out
    assert "2 grad.w1: 3 students swapped w1/x1" in p.out
    assert "1a grad.x: 2 students left out a fan-out branch of x" in p.out
    p = run_cg("grade", *klass, "--student", "bob")
    assert "slip profile: fanout-partial ×1 (1a grad.x); swapped ×2 (2 grad.w1, 2 grad.x1)" in p.out


def test_gradebook_csv_has_a_slips_column(klass):
    p = run_cg("grade", *klass, "--format", "csv")
    rows = list(csv.reader(io.StringIO(p.out)))
    assert rows[0][-1] == "slips"
    by = {r[0]: r for r in rows[1:]}
    assert by["bob"][-1] == "1a grad.x: fanout-partial; 2 grad.w1: swapped; 2 grad.x1: swapped"
    assert by["ann"][-1] == "" and by["eve"][-1] == ""


def test_gradescope_tags_and_extra_data(klass):
    p = run_cg("grade", *klass, "--format", "gradescope", "--student", "cat")
    doc = json.loads(p.out)
    t1, t2 = doc["tests"]
    assert "fanout-partial" in t1["tags"] and "swapped" in t2["tags"]
    assert not {"swapped", "sign", "wrong-input"} & set(t1["tags"]) and "fanout-partial" not in t2["tags"]
    assert [s["target"] for s in t2["extra_data"]["slips"]] == ["grad.w1", "grad.x1"]
    assert t2["extra_data"]["slips"][0]["code"] == "swapped"


def test_grade_ecf_carried_slip(tmp_path):
    key = tmp_path / "key.toml"
    key.write_text('ecf = 0.5\n[[problem]]\nid = "1"\nexpression = "a = x*y; f = a + x"\n'
                   'inputs = { x = 3, y = -2 }\ngrad = { a = 1, x = -1 }\n')
    subs = tmp_path / "s.csv"
    subs.write_text("student,1.grad.a,1.grad.x\nann,0,1\n")
    doc = strict_json(run_cg("grade", str(key), str(subs), "--json").out)
    a, x = doc["students"][0]["problems"][0]["answers"]
    assert x["status"] == "carried" and x["slip"]["code"] == "carried"
    assert "summed" not in (x["feedback"] or "") and "sign" not in (x["feedback"] or "")
    assert [m["code"] for m in doc["misconceptions"] if m["target"] == "grad.x"] == ["carried"]
    p = run_cg("grade", str(key), str(subs), "--format", "csv")
    assert p.out.splitlines()[1].endswith(",1 grad.x: carried")
