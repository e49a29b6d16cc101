"""The one sheet model (issue 19, item 1): one entry point reads sheets and keys
(cgcli.check.keys.read) from one list of fields, and one status vocabulary
(cgcli.check.sheet) is what check, grade and the exports print."""
from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from cgcli.check import grade, homework, keys, sheet
from cgcli.core.errors import CgError
from cgtest import invoke, run_cg, strict_json

import test_check_homework as hw_tests
import test_grade as grade_tests

ROOT = Path(__file__).resolve().parent.parent
SHIPPED_KEYS = sorted(str(p) for p in (ROOT / "examples").rglob("*.toml")
                      if p.parent.name != "sheets" and "homework" not in p.name)


def _write(tmp_path, name, text):
    p = tmp_path / name
    p.write_text(text)
    return str(p)


def _first_error(path, as_key=None) -> str:
    """The first error the one reader reports for a file (raised or collected)."""
    try:
        kind, got = keys.read(path, as_key)
    except CgError as e:
        return e.render().splitlines()[0]
    assert kind == "sheet", "a malformed key must raise"
    errors = sorted(got[2], key=lambda e: getattr(e, "line", None) or 0)
    assert errors, "a malformed sheet must report an error"
    return errors[0].render().splitlines()[0]


# --- the former homework reader's fixtures ---------------------------------------------------

@pytest.mark.parametrize("text, line, pid, needle", hw_tests.MALFORMED)
def test_homework_fixtures_through_the_one_reader(tmp_path, text, line, pid, needle):
    path = _write(tmp_path, "hw.toml", text)
    first = _first_error(path)
    assert first.startswith(f"cg: {path}" + (f":{line}:" if line else ":")), first
    if pid:
        assert f"problem {pid}:" in first
    p = invoke("check", path)                   # the same error, the same exit code, from cg check
    assert p.returncode == 2 and p.err.splitlines()[0] == first, (p.err, first)
    assert needle in p.err


def test_homework_fixture_through_the_installed_cg(tmp_path):
    text = hw_tests.MALFORMED[1][0]
    path = _write(tmp_path, "hw.toml", text)
    p = run_cg("check", path)
    assert p.returncode == 2 and p.err.splitlines()[0] == _first_error(path)


def test_the_shipped_homework_reads_as_a_sheet_with_the_same_problems():
    path = str(ROOT / "examples" / "homework.toml")
    kind, (settings, problems, errors) = keys.read(path)
    s2, p2, e2 = homework.read(path)
    assert kind == "sheet" and not errors and not e2
    assert [(p.id, p.line, p.graph.source, p.inputs, [a.target for a in p.answers]) for p in problems] == \
           [(p.id, p.line, p.graph.source, p.inputs, [a.target for a in p.answers]) for p in p2]
    assert len(problems) > 1


# --- the former key reader's fixtures --------------------------------------------------------

KEY_FIXTURES = [
    ('[[problem]]\nexpression = "x"\ninputs = { x = 1 }\nvalue = 1\npoint = 3\n', "k.toml:5", "unknown key 'point'"),
    ('[[problem]]\nexpression = "x"\ninputs = { x = 1 }\nvalue = 1\npoints = { "grad.y" = 1 }\n', "k.toml:5",
     "'grad.y' is not an answer"),
    ('[[problem]]\nexpression = "x"\ninputs = { x = "uniform(3, 1)" }\nvalue = 1\n', "k.toml:3", "bad range"),
    ('[[problem]]\nexpression = "x"\ninputs = { x = "__import__(1)" }\nvalue = 1\n', "k.toml:3",
     "constant expression"),
    ('ecf = 2\n[[problem]]\nexpression = "x"\ninputs = { x = 1 }\nvalue = 1\n', "k.toml:1", "ecf must be"),
    ('[[problem]\n', "k.toml:1", "not valid TOML"),
]


@pytest.mark.parametrize("text, where, what", KEY_FIXTURES)
def test_key_fixtures_through_the_one_reader(tmp_path, text, where, what):
    key = _write(tmp_path, "k.toml", text)
    with pytest.raises(grade.SubmissionError) as e:
        keys.read(key, as_key=True)
    msg = e.value.render()
    assert where in msg and what in msg, msg
    src = _write(tmp_path, "a.csv", "student,1.value\nann,1\n")
    r = invoke("grade", key, src)                # the same error, the same exit code, from cg grade
    assert r.returncode == 2 and msg.splitlines()[0] in r.err, (r.err, msg)


def test_the_shipped_key_reads_as_a_key_with_the_grade_readers_problems():
    path = str(ROOT / "examples" / "class" / "key.toml")
    kind, k = keys.read(path)
    k2 = grade.read_key(path)
    assert kind == "key"
    assert [(p.id, [t.target for t in p.targets], [t.points for t in p.targets]) for p in k.problems] == \
           [(p.id, [t.target for t in p.targets], [t.points for t in p.targets]) for p in k2.problems]


def test_the_field_lists_differ_only_by_the_key_only_fields():
    assert set(sheet.KEY_PROBLEM_KEYS) - set(sheet.SHEET_PROBLEM_KEYS) == set(sheet.KEY_ONLY_KEYS)
    assert set(sheet.KEY_KEYS) - set(sheet.SHEET_KEYS) == set(sheet.KEY_ONLY_KEYS)
    assert homework.PROBLEM_KEYS is sheet.SHEET_PROBLEM_KEYS and grade.PROBLEM_KEYS is sheet.KEY_PROBLEM_KEYS


# --- one problem type, one reader -----------------------------------------------------------

SAME_PROBLEMS = """title = "the same problems"
rtol = 1e-6

[[problem]]
id = "1a"
title = "a gate at a time"
program = '''
q = x + y
f = q * z
'''
inputs = { x = 2, y = 3, z = -4 }
value = -20
node = { q = 5 }
grad = { x = -4, y = -4, z = 5 }
ecf = 0.5
rounded = true
min_sig_figs = 2
{key1}
[[problem]]
expression = "sigmoid(w*x)"
inputs = { w = 0, x = "pi/4" }
value = 0.5
grad = { w = "x*sigmoid(w*x)*(1 - sigmoid(w*x))" }
formula = ["grad.w"]
atol = 1e-9
{key2}"""


def _sheet_and_key(tmp_path):
    s = _write(tmp_path, "same.toml", SAME_PROBLEMS.replace("{key1}", "").replace("{key2}", ""))
    k = _write(tmp_path, "same-key.toml", SAME_PROBLEMS.replace("{key1}", "points = 4").replace("{key2}", "decimals = 2"))
    return s, k


def test_a_key_and_a_sheet_of_the_same_problems_give_equal_problems_but_the_key_only_fields(tmp_path):
    s, k = _sheet_and_key(tmp_path)
    kind_s, (settings, sheet_problems, errors) = keys.read(s)
    kind_k, key = keys.read(k)
    assert (kind_s, kind_k, errors) == ("sheet", "key", [])
    assert all(type(p) is sheet.Problem for p in sheet_problems + key.problems)
    assert [p.shared() for p in sheet_problems] == [p.shared() for p in key.problems]
    assert [p.asked for p in key.problems] == [["value", "node.q", "grad.x", "grad.y", "grad.z"],
                                               ["value", "grad.w"]]
    assert sheet_problems[0].settings == {"ecf": 0.5, "rounded": True, "min_sig_figs": 2}
    assert sheet_problems[1].formula == key.problems[1].formula == frozenset({"grad.w"})
    # the key-only fields: points, decimals, targets (and ranges, none here)
    assert [p.points for p in key.problems] == [4.0, 2.0] and [p.points for p in sheet_problems] == [0.0, 0.0]
    assert key.problems[1].settings["decimals"] == 2 and "decimals" not in sheet_problems[1].settings
    assert not any(p.targets for p in sheet_problems) and not any(p.answers for p in key.problems)
    assert [t.formula for t in key.problems[1].targets] == [False, True]
    # the settings the graders use agree: tolerance, ecf, formula
    for a, b in zip(sheet_problems, key.problems):
        ta, tb = a.tolerance({}, settings), b.tolerance({}, key.sheet)
        assert [getattr(ta, f) for f in sheet.TOLERANCE_KEYS] == [getattr(tb, f) for f in sheet.TOLERANCE_KEYS]
        assert a.setting("ecf", {}, settings) == b.setting("ecf", {}, key.sheet)
        assert [a.is_formula(t, settings) for t in a.asked] == [b.is_formula(t, key.sheet) for t in b.asked]
    # both check clean with the installed cg: the sheet graded, the key self-checked
    for path in (s, k):
        r = run_cg("check", path)
        assert r.returncode == 0, (path, r.out, r.err)


def test_one_problem_type_and_one_reader():
    assert homework.Problem is sheet.Problem and grade.Problem is sheet.Problem
    assert not hasattr(grade, "KeyProblem") and not hasattr(grade, "_fill_key_problem")
    assert grade.read_key.__doc__ and "homework.read" in grade.read_key.__doc__
    from cgcli.core.ops import PIECEWISE
    assert grade._piecewise() is PIECEWISE      # the op table's data, not a reading of its text


TWO_MISTAKES = ('ecf = 2\n[[problem]]\nexpression = "x"\ninputs = { x = 1 }\nvalue = 1\n'
                '[[problem]]\nexpression = "x"\ninputs = { x = 1 }\nvalue = 1\npoint = 3\n')


def test_the_one_reader_in_key_mode_stops_or_collects(tmp_path):
    path = _write(tmp_path, "k.toml", TWO_MISTAKES)
    with pytest.raises(grade.SubmissionError) as e:              # the key mode stops at the first
        homework.read(path, grade.KEY)
    assert e.value.render().splitlines()[0].startswith(f"cg: {path}:1: ecf must be")
    settings, problems, errors = homework.read(path, grade.KEY, collect=True)
    assert [type(x) for x in errors] == [grade.SubmissionError] * 2
    assert [x.line for x in errors] == [1, 10] and "unknown key 'point'" in errors[1].message
    assert [p.id for p in problems] == ["1"] and problems[0].targets[0].points == 1.0
    r = run_cg("grade", path, _write(tmp_path, "a.csv", "student,1.value\nann,1\n"))
    assert r.returncode == 2 and r.err.splitlines()[0] == e.value.render().splitlines()[0]


def test_the_one_reader_in_sheet_mode_collects_or_stops(tmp_path):
    text = TWO_MISTAKES.replace("ecf = 2", "rtol = -1").replace("point = 3", "pointz = 3")
    path = _write(tmp_path, "s.toml", text)
    settings, problems, errors = homework.read(path)              # the sheet mode collects
    assert [type(x) for x in errors] == [homework.ProblemError] * 2 and [x.line for x in errors] == [1, 10]
    assert [p.id for p in problems] == ["1"]
    assert homework.read(path, homework.SHEET)[2][0].message == errors[0].message
    with pytest.raises(homework.ProblemError) as e:
        homework.read(path, collect=False)
    assert e.value.message == errors[0].message
    r = run_cg("check", path)
    assert r.returncode == 2 and r.err.splitlines()[0] == errors[0].render().splitlines()[0]
    assert errors[1].render().splitlines()[0] in r.err


# --- the teacher's self-check ----------------------------------------------------------------

def test_shipped_keys_found():
    assert len(SHIPPED_KEYS) >= 3, SHIPPED_KEYS


@pytest.mark.parametrize("path", SHIPPED_KEYS)
def test_cg_check_passes_every_shipped_key(path):
    p = run_cg("check", path)
    assert p.returncode == 0, (p.out, p.err)
    assert "Traceback" not in p.err


def test_key_only_fields_in_a_students_sheet_are_refused_by_name(tmp_path):
    key = _write(tmp_path, "key.toml", grade_tests.KEY)
    os.mkdir(tmp_path / "subs")
    _write(tmp_path, "subs/ann.toml", grade_tests.sheet_text(grade_tests.CLASS["ann"]))
    _write(tmp_path, "subs/eve.toml", 'rtol = 1\npoints = 100\n' + grade_tests.sheet_text(grade_tests.CLASS["ann"]))
    r = run_cg("grade", key, str(tmp_path / "subs"), "--format", "csv")
    assert r.returncode == 2 and "eve" in r.err and "key" in r.err, r.err


# --- one status vocabulary -------------------------------------------------------------------

def test_the_vocabulary():
    assert sheet.STATUSES == ("right", "wrong", "carried", "missing", "unreadable", "not-asked")
    assert set(sheet.GRADED) < set(sheet.STATUSES)
    assert [sheet.check_word(s) for s in sheet.GRADED] == ["right", "wrong", "carried forward", "missing",
                                                            "invalid"]


def test_statuses_in_check_grade_and_gradescope_come_from_the_one_vocabulary(tmp_path):
    # cg check --json: right, wrong, carried (printed "carried forward"), unreadable ("invalid")
    words = {sheet.check_word(s) for s in sheet.GRADED}
    p = run_cg("check", "a = x*y; f = a + x", "--x", "3", "--y", "-2", "--grad", "a=0", "--grad", "x=1",
               "--ecf", "0.5", "--json")
    seen = {a["status"] for a in strict_json(p.out)["answers"]}
    lines = '{"id": 1, "grad": {"z": "x + y"}}\n{"id": 2, "grad": {"z": "x + w", "x": 5}}\n'
    p = run_cg("check", "(x+y)*z", "--x", "2", "--y", "3", "--z", "-4", "--points", "-", input=lines)
    seen |= {a["status"] for line in p.out.splitlines() for a in strict_json(line)["answers"]}
    assert seen == {"right", "wrong", "carried forward", "invalid"} and seen <= words
    # cg grade --json: the statuses of every answer, and the per-answer counts by status
    key = _write(tmp_path, "key.toml", grade_tests.KEY)
    src = grade_tests.class_csv(tmp_path)
    r = run_cg("grade", key, src, "--json")
    doc = strict_json(r.out)
    statuses = {a["status"] for s in doc["students"] for p in s["problems"] for a in p["answers"]}
    assert statuses <= set(sheet.GRADED) and {"right", "wrong", "missing"} <= statuses
    for p in doc["problems"]:
        for a in p["answers"]:
            assert set(sheet.GRADED) <= set(a)
    # Gradescope: the tags name statuses from the same set
    out = tmp_path / "gs"
    r = run_cg("grade", key, src, "--format", "gradescope", "--out", str(out))
    tags = set()
    files = sorted(out.rglob("results.json"))
    assert files
    for f in files:
        for t in json.loads(f.read_text())["tests"]:
            tags |= set(t.get("tags", []))
    assert tags & set(sheet.GRADED)
    graded_words = {t for t in tags if t in sheet.STATUSES or t in sheet.CHECK_WORDS.values()}
    assert graded_words <= set(sheet.GRADED), tags
