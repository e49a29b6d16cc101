"""cg grade: a class graded against the teacher's key (CSV, JSON Lines, a folder of TOML sheets),
required answers, points, tampered inputs, malformed keys / submissions / cells, every output
format, and cg check SHEET --key KEY."""
from __future__ import annotations

import csv
import io
import json
import os

import pytest

from cgtest import invoke, run_cg, strict_json

KEY = '''title = "Backprop quiz"

[[problem]]
id = "1a"
title = "f = (x + y) * z"
program = """
q = x + y
f = q * z
"""
inputs = { x = 2, y = 3, z = -4 }
points = { "grad.z" = 2 }
value = -20
node = { q = 5 }
grad = { x = -4, y = -4, z = 5 }

[[problem]]
id = "2"
expression = "sigmoid(w0*x0 + w1*x1 + w2)"
inputs = { w0 = 2, x0 = -1, w1 = -3, x1 = -2, w2 = -3 }
rounded = true
points = 5
value = 0.73
grad = { w0 = -0.20, x0 = 0.39, w1 = -0.39, x1 = -0.59, w2 = 0.20 }
'''

COLS = ["1a.value", "1a.node.q", "1a.grad.x", "1a.grad.y", "1a.grad.z",
        "2.value", "2.grad.w0", "2.grad.x0", "2.grad.w1", "2.grad.x1", "2.grad.w2"]
# ann: all right; bob: the texts' slip df/dz = 3 and the swapped dw1/dx1; cat: a missing q,
# an unreadable "abc" and "1/0", nothing for problem 2 but the value; dan: constant expressions
CLASS = {
    "ann": ["-20", "5", "-4", "-4", "5", "0.73", "-0.20", "0.39", "-0.39", "-0.59", "0.20"],
    "bob": ["-20", "5", "-4", "-4", "3", "0.73", "-0.20", "0.39", "-0.59", "-0.39", "0.20"],
    "cat": ["-20", "", "-4", "abc", "1/0", "0.73", "", "", "", "", ""],
    "dan": ["-4*5", "10/2", "-4", "-2^2", "5", "0.731", "-0.197", "0.393", "-0.393", "-0.590", "0.197"],
}
# the gradebook: problem 2's five answers and value share 5 points (5/6 each)
SCORES = {"ann": (6, 5, 11), "bob": (4, 5 - 2 * 5 / 6, 9 - 2 * 5 / 6), "cat": (2, 5 / 6, 2 + 5 / 6),
          "dan": (6, 5, 11)}


def write(tmp_path, name, text):
    p = tmp_path / name
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_text(text)
    return str(p)


def class_csv(tmp_path, extra_cols=(), extra=None):
    rows = [["student"] + COLS + list(extra_cols)]
    for s, cells in CLASS.items():
        rows.append([s] + cells + [(extra or {}).get(s, {}).get(c, "") for c in extra_cols])
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(rows)
    return write(tmp_path, "answers.csv", buf.getvalue())


def nested(cells):
    out = {}
    for col, v in zip(COLS, cells):
        if v == "":
            continue
        pid, _, target = col.partition(".")
        table = out.setdefault(pid, {})
        if target == "value":
            table["value"] = v
        else:
            kind, _, name = target.partition(".")
            table.setdefault(kind, {})[name] = v
    return out


def class_jsonl(tmp_path, flat=False):
    lines = []
    for s, cells in CLASS.items():
        if flat:
            d = {"student": s, **{c: v for c, v in zip(COLS, cells) if v != ""}}
        else:
            d = {"student": s, "answers": nested(cells)}
        lines.append(json.dumps(d))
    return write(tmp_path, "answers.jsonl", "\n".join(lines) + "\n")


def sheet_text(cells, inputs1="{ x = 2, y = 3, z = -4 }", expr1=None):
    t = nested(cells)
    out = []
    for pid in ("1a", "2"):
        out.append(f'[[problem]]\nid = "{pid}"')
        if pid == "1a":
            out.append(f'expression = "{expr1}"' if expr1 else 'program = """\nq = x + y\nf = q * z\n"""')
            out.append(f"inputs = {inputs1}")
        table = t.get(pid, {})
        if "value" in table:
            out.append(f'value = "{table["value"]}"')
        for kind in ("node", "grad"):
            if kind in table:
                out.append(f"{kind} = {{ " + ", ".join(f'{k} = "{v}"' for k, v in table[kind].items()) + " }")
    return "\n".join(out) + "\n"


def class_folder(tmp_path):
    for s, cells in CLASS.items():
        write(tmp_path, f"subs/{s}.toml", sheet_text(cells))
    return str(tmp_path / "subs")


@pytest.fixture
def key(tmp_path):
    return write(tmp_path, "key.toml", KEY)


def gradebook(text):
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == ["student", "1a", "2", "total", "points", "feedback", "slips"]
    return {r[0]: r[1:] for r in rows[1:]}


def check_gradebook(book):
    assert sorted(book) == sorted(SCORES)
    for s, (p1, p2, total) in SCORES.items():
        row = book[s]
        assert float(row[0]) == pytest.approx(p1, abs=1e-4)
        assert float(row[1]) == pytest.approx(p2, abs=1e-4)
        assert float(row[2]) == pytest.approx(total, abs=1e-4)
        assert float(row[3]) == 11


@pytest.mark.parametrize("fmt", ["csv", "jsonl", "flat", "folder"])
def test_known_gradebook_every_submission_format(tmp_path, key, fmt):
    src = {"csv": class_csv, "jsonl": class_jsonl, "flat": lambda t: class_jsonl(t, flat=True),
           "folder": class_folder}[fmt](tmp_path)
    r = invoke("grade", key, src, "--format", "csv")
    assert r.returncode == 0, r.err
    book = gradebook(r.out)
    check_gradebook(book)
    assert "1a df/dz: df/dz is 5, not 3" in book["bob"][4]
    assert "1a q: missing" in book["cat"][4]
    assert "unreadable" in book["cat"][4] and "abc" in book["cat"][4]
    assert book["ann"][4] == ""


def test_json_report_strict_and_complete(tmp_path, key):
    r = invoke("grade", key, class_csv(tmp_path), "--json")
    assert r.returncode == 0, r.err
    doc = strict_json(r.out)
    assert doc["schema"] == "cg.grade/1"
    assert doc["class"]["students"] == 4 and doc["class"]["points"] == 11
    totals = sorted(t for _, _, t in SCORES.values())
    assert doc["class"]["mean"] == pytest.approx(sum(totals) / 4)
    assert doc["class"]["median"] == pytest.approx((totals[1] + totals[2]) / 2)
    assert doc["class"]["min"] == pytest.approx(totals[0]) and doc["class"]["max"] == 11
    p1 = doc["problems"][0]
    assert p1["id"] == "1a" and p1["points"] == 6
    rates = {a["target"]: a for a in p1["answers"]}
    assert rates["grad.z"]["success_rate"] == 0.5          # ann, dan right; bob wrong; cat unreadable
    assert rates["grad.z"]["wrong"] == 1 and rates["grad.z"]["unreadable"] == 1
    assert rates["node.q"]["missing"] == 1 and rates["grad.z"]["points"] == 2
    students = {s["student"]: s for s in doc["students"]}
    assert students["ann"]["score"] == 11
    cat = students["cat"]["problems"][0]["answers"]
    by = {a["target"]: a for a in cat}
    assert by["node.q"]["status"] == "missing" and by["node.q"]["answer"] is None and by["node.q"]["score"] == 0
    assert by["grad.y"]["status"] == "unreadable" and by["grad.y"]["answer"] == "abc"
    assert by["grad.z"]["status"] == "unreadable" and by["grad.z"]["got"] == 5
    assert by["grad.x"]["status"] == "right" and by["grad.x"]["credit"] == 1
    bob = {a["target"]: a for a in students["bob"]["problems"][0]["answers"]}
    assert bob["grad.z"]["status"] == "wrong" and bob["grad.z"]["got"] == 5 and bob["grad.z"]["answer"] == "3"
    assert doc["errors"] == []


def test_missing_answers_count_and_unasked_are_reported_not_graded(tmp_path, key):
    src = class_csv(tmp_path, ["1a.grad.w", "3.value", "1a.bogus"],
                    {"ann": {"1a.grad.w": "7", "3.value": "1", "1a.bogus": "2"}})
    r = invoke("grade", key, src, "--json")
    assert r.returncode == 0, r.err
    doc = strict_json(r.out)
    ann = next(s for s in doc["students"] if s["student"] == "ann")
    assert sorted(ann["unasked"]) == ["1a.bogus", "1a.grad.w", "3.value"]
    assert ann["score"] == 11 and ann["points"] == 11
    # an empty sheet: everything missing, all of it counted
    write(tmp_path, "empty/eve.toml", "")
    r = invoke("grade", key, str(tmp_path / "empty"), "--json")
    assert r.returncode == 0, r.err
    eve = strict_json(r.out)["students"][0]
    assert eve["score"] == 0 and eve["points"] == 11
    assert all(a["status"] == "missing" for p in eve["problems"] for a in p["answers"])


def test_tampered_sheet_is_graded_on_the_keys_problem(tmp_path, key):
    cells = list(CLASS["ann"])
    cells[4] = "-5"                           # right for z = 4 on an edited sheet, wrong for the key
    write(tmp_path, "subs/ann.toml", sheet_text(cells, inputs1="{ x = 2, y = 3, z = 4 }",
                                                expr1="(x+y)*z + 0*q"))
    write(tmp_path, "subs/bob.toml", "rtol = 0.5\n" + sheet_text(CLASS["ann"]).replace(
        'id = "2"', 'id = "2"\nrounded = false\ninputs = { w0 = 2, x0 = -1, w1 = -3, x1 = -2, w2 = -3 }'))
    r = invoke("grade", key, str(tmp_path / "subs"), "--json")
    assert r.returncode == 0, r.err
    st = {s["student"]: s for s in strict_json(r.out)["students"]}
    w = st["ann"]["warnings"]
    assert "sheet changes problem 1a's inputs: graded on the key's" in w
    assert "sheet changes problem 1a's expression: graded on the key's" in w
    assert st["ann"]["problems"][0]["inputs"] == {"x": 2, "y": 3, "z": -4}
    z = next(a for a in st["ann"]["problems"][0]["answers"] if a["target"] == "grad.z")
    assert z["status"] == "wrong" and z["got"] == 5
    wb = st["bob"]["warnings"]
    assert "sheet sets rtol = 0.5: graded on the key's" in wb
    assert "sheet sets problem 2's rounded = false: graded on the key's" in wb
    assert not any("inputs" in x for x in wb)          # the same inputs restated: no warning
    assert st["bob"]["score"] == 11                     # rounded answers still pass: the key's rounded


def test_points_designs(tmp_path):
    key = write(tmp_path, "k.toml", 'points = 2\n[[problem]]\nexpression = "x*y"\ninputs = { x = 2, y = 3 }\n'
                'value = 6\ngrad = { x = 3, y = 2 }\n[[problem]]\nexpression = "x+y"\ninputs = { x = 1, y = 1 }\n'
                'points = { value = 5 }\nvalue = 2\ngrad = { x = 1 }\n[[problem]]\nexpression = "x"\n'
                'inputs = { x = 1 }\npoints = 3\nvalue = 1\ngrad = { x = 1 }\n')
    src = write(tmp_path, "a.csv", "student,1.value,1.grad.x,1.grad.y,2.value,2.grad.x,3.value,3.grad.x\n"
                                   "ann,6,3,0,2,0,1,0\n")
    r = invoke("grade", key, src, "--json")
    doc = strict_json(r.out)
    assert [p["points"] for p in doc["problems"]] == [6, 7, 3]
    ann = doc["students"][0]
    assert [p["score"] for p in ann["problems"]] == [4, 5, 1.5]
    assert ann["score"] == 10.5 and ann["points"] == 16


def test_gradescope_shapes(tmp_path, key):
    src = class_csv(tmp_path)
    r = invoke("grade", key, src, "--format", "gradescope", "--student", "bob")
    assert r.returncode == 0, r.err
    one = strict_json(r.out)
    assert set(one) == {"score", "tests", "execution_time", "output_format", "extra_data"}
    assert one["score"] == pytest.approx(SCORES["bob"][2])
    assert [t["name"] for t in one["tests"]] == ["problem 1a: f = (x + y) * z", "problem 2"]
    for t in one["tests"]:
        assert set(t) == {"name", "score", "max_score", "output", "status", "visibility", "output_format",
                          "tags", "extra_data"}
    assert one["tests"][0]["score"] == 4 and one["tests"][0]["max_score"] == 6
    assert "**df/dz**: wrong (0/2): df/dz is 5, not 3" in one["tests"][0]["output"]

    def timeless(d):
        return {k: v for k, v in d.items() if k != "execution_time"}
    r = invoke("grade", key, src, "--format", "gradescope")
    every = strict_json(r.out)
    assert sorted(every) == sorted(CLASS) and timeless(every["bob"]) == timeless(one)
    out = tmp_path / "gs"
    r = invoke("grade", key, src, "--format", "gradescope", "--out", str(out))
    assert r.returncode == 0 and r.out == ""
    for s in CLASS:
        assert timeless(strict_json((out / s / "results.json").read_text())) == timeless(every[s])


def test_table_views(tmp_path, key):
    src = class_csv(tmp_path)
    r = invoke("grade", key, src)
    assert r.returncode == 0, r.err
    assert "answers: which step the class gets wrong" in r.out
    assert "4 students graded" in r.out and "of 11 points" in r.out
    for s in CLASS:
        assert s in r.out
    r = invoke("grade", key, src, "--student", "cat")
    assert "student cat:" in r.out and "missing" in r.out and "unreadable" in r.out
    assert "student ann" not in r.out
    r = invoke("grade", key, src, "--detail")
    assert all(f"student {s}:" in r.out for s in CLASS) and "students graded" in r.out
    r = invoke("grade", key, src, "--student", "zed")
    assert r.returncode == 2 and "no submission for zed" in r.err


# --- malformed keys, submissions and cells ---------------------------------------------------

@pytest.mark.parametrize("text, where, what", [
    ('[[problem]]\nexpression = "x"\ninputs = { x = 1 }\nvalue = 1\npoint = 3\n', "k.toml:5", "unknown key 'point'"),
    ('[[problem]]\nexpression = "x"\ninputs = { x = 1 }\nvalue = 1\npoints = { "grad.y" = 1 }\n', "k.toml:5",
     "'grad.y' is not an answer"),
    ('[[problem]]\nexpression = "x"\ninputs = { x = "uniform(3, 1)" }\nvalue = 1\n', "k.toml:3", "bad range"),
    ('[[problem]]\nexpression = "x"\ninputs = { x = "uniform(1, 2) + 1" }\nvalue = 1\n', "k.toml:3", "bad range"),
    ('[[problem]]\nexpression = "x"\ninputs = { x = "__import__(1)" }\nvalue = 1\n', "k.toml:3",
     "constant expression"),
    ('[[problem]]\nexpression = "x"\ninputs = { x = 1 }\n', "k.toml:1", "asks for no answers"),
    ('ecf = 2\n[[problem]]\nexpression = "x"\ninputs = { x = 1 }\nvalue = 1\n', "k.toml:1", "ecf must be"),
    ('[[problem]]\nexpression = "x"\ninputs = { x = 1 }\nvalue = 1\nformula = ["grad.q"]\n', "k.toml:5",
     "formula"),
    ('[[problem]\n', "k.toml:1", "not valid TOML"),
])
def test_malformed_key_exit_2_located(tmp_path, text, where, what):
    key = write(tmp_path, "k.toml", text)
    src = write(tmp_path, "a.csv", "student,1.value\nann,1\n")
    r = invoke("grade", key, src)
    assert r.returncode == 2 and r.out == ""
    assert where in r.err and what in r.err, r.err
    assert "Traceback" not in r.err


def test_malformed_submission_names_file_line_student_problem(tmp_path, key):
    write(tmp_path, "subs/ann.toml", sheet_text(CLASS["ann"]))
    write(tmp_path, "subs/bob.toml", '[[problem]]\nid = "1a"\nvalue = -20\n\n[[problem]]\nid = "2"\ngrad = 3\n')
    write(tmp_path, "subs/cat.toml", "[[problem]\n")
    r = invoke("grade", key, str(tmp_path / "subs"), "--format", "csv")
    assert r.returncode == 2 and r.out == ""
    bob = os.path.join(str(tmp_path / "subs"), "bob.toml")
    assert f"{bob}:" in r.err and "student bob: problem 2: grad must be a table" in r.err, r.err
    assert "cat.toml:1: student cat: not valid TOML" in r.err
    assert "--keep-going" in r.err
    r = invoke("grade", key, str(tmp_path / "subs"), "--format", "csv", "--keep-going")
    assert r.returncode == 2
    assert list(gradebook(r.out)) == ["ann"]
    r = invoke("grade", key, str(tmp_path / "subs"), "--json", "--keep-going")
    doc = strict_json(r.out)
    errs = {e["student"]: e for e in doc["errors"]}
    assert sorted(errs) == ["bob", "cat"] and errs["bob"]["problem"] == "2" and errs["bob"]["line"] > 1
    assert errs["cat"]["exit_code"] == 2


def test_malformed_csv_and_jsonl_rows(tmp_path, key):
    src = write(tmp_path, "a.csv", "student,1a.value\nann,-20\nbob,-20,7\n,3\nann,-20\n")
    r = invoke("grade", key, src, "--keep-going", "--json")
    assert r.returncode == 2
    doc = strict_json(r.out)
    assert [s["student"] for s in doc["students"]] == ["ann"]
    msgs = {e["line"]: e for e in doc["errors"]}
    assert msgs[3]["student"] == "bob" and "3 cells" in msgs[3]["message"]
    assert "no student name" in msgs[4]["message"]
    assert msgs[5]["student"] == "ann" and "second submission" in msgs[5]["message"]
    assert "a.csv:3: student bob:" in r.err
    src = write(tmp_path, "b.jsonl", '{"student": "ann", "1a.value": -20}\n{"student": "bob", "answers": '
                                     '{"1a": 3}}\nnot json\n{"student": "cat", "1a.value": NaN}\n[1]\n')
    r = invoke("grade", key, src, "--keep-going", "--json")
    assert r.returncode == 2
    doc = strict_json(r.out)
    assert [s["student"] for s in doc["students"]] == ["ann"]
    lines = sorted(e["line"] for e in doc["errors"])
    assert lines == [2, 3, 4, 5]
    bob = next(e for e in doc["errors"] if e["line"] == 2)
    assert bob["student"] == "bob" and bob["problem"] == "1a"
    r = invoke("grade", key, write(tmp_path, "c.csv", "name,1a.value\nann,1\n"))
    assert r.returncode == 2 and "c.csv:1: the first column must be 'student'" in r.err


def test_a_bad_cell_spoils_only_that_answer(tmp_path, key):
    src = write(tmp_path, "a.jsonl", json.dumps({"student": "ann", "answers": {"1a": {
        "value": -20, "node": {"q": True}, "grad": {"x": "-4", "y": [1], "z": "5"}}}}) + "\n")
    r = invoke("grade", key, src, "--json")
    assert r.returncode == 0, r.err
    marks = {a["target"]: a for a in strict_json(r.out)["students"][0]["problems"][0]["answers"]}
    assert [marks[t]["status"] for t in ("value", "node.q", "grad.x", "grad.y", "grad.z")] == \
        ["right", "unreadable", "right", "unreadable", "right"]


def test_nonfinite_values_are_strings_in_json(tmp_path):
    key = write(tmp_path, "k.toml", '[[problem]]\nexpression = "sqrt(x)"\ninputs = { x = 0 }\ngrad = { x = 0 }\n')
    src = write(tmp_path, "a.csv", "student,1.grad.x\nann,inf\nbob,1e308\n")
    r = invoke("grade", key, src, "--json")
    doc = strict_json(r.out)
    got = [s["problems"][0]["answers"][0] for s in doc["students"]]
    assert got[0]["got"] == "inf" and got[0]["status"] == "right"
    assert got[1]["status"] == "wrong"


def test_scores_do_not_change_the_exit_code(tmp_path, key):
    src = write(tmp_path, "a.csv", "student,1a.value\nann,0\n")
    r = invoke("grade", key, src, "--format", "csv")
    assert r.returncode == 0
    assert gradebook(r.out)["ann"][2] == "0"


def test_usage_errors(tmp_path, key):
    src = class_csv(tmp_path)
    for args in (["--format", "xml"], ["--out", str(tmp_path / "o")], ["--roster", src], ["--ecf", "2"]):
        r = invoke("grade", key, src, *args)
        assert r.returncode == 2 and "Traceback" not in r.err, (args, r.err)
    r = invoke("grade", key, str(tmp_path / "nope.csv"))
    assert r.returncode == 2 and "cannot read" in r.err
    r = invoke("grade", key, str(tmp_path / "nothing"))
    assert r.returncode == 2 and "no such file or folder" in r.err


# --- the agreed interface with the grading core ------------------------------------------------

def test_key_settings_flow_to_the_core(tmp_path, monkeypatch):
    from cgcli.check import answers as check
    from cgcli.check import grade
    key = write(tmp_path, "k.toml", 'min_sig_figs = 3\necf = 0.5\nformula = true\n[[problem]]\nid = "p"\n'
                'expression = "(x+y)*z"\ninputs = { x = 1, y = 2, z = 3 }\nmin_decimals = 2\nrounded = true\n'
                'value = 9\ngrad = { x = "z", z = "x + y" }\n[[problem]]\nexpression = "x"\ninputs = { x = 1 }\n'
                'formula = ["grad.x"]\necf = 0\nvalue = 1\ngrad = { x = 1 }\n')
    k = grade.read_key(key)
    p, q = k.problems
    assert [t.formula for t in p.targets] == [True, True, True]
    assert [t.formula for t in q.targets] == [False, True]
    assert p.setting("ecf", {}, k.sheet) == 0.5 and q.setting("ecf", {}, k.sheet) == 0.0
    assert p.setting("ecf", {"ecf": 0.25}, k.sheet) == 0.25
    tol = p.tolerance({}, k.sheet)
    assert tol.rounded is True
    if "min_sig_figs" in getattr(check.Tolerance, "__slots__", ()):
        assert tol.min_sig_figs == 3 and tol.min_decimals == 2
    calls = []
    from cgcli.check import grading
    monkeypatch.setattr(grading, "carry_forward", lambda result, rows, ecf: calls.append((result, list(rows), ecf)),
                        raising=False)
    prep = grade.Prepared(p, p.inputs, {}, k.sheet)
    # formula = true covers the value too: "9" is the constant 9, right at the point only;
    # the formula (x+y)*z is right everywhere, and so is z for d/dx
    g = grade.grade_problem(prep, {"value": "9", "grad.x": "z", "grad.z": "4"})
    assert len(calls) == 1 and calls[0][2] == 0.5 and calls[0][0] is prep.result
    assert [m.status for m in g.marks][:2] == ["wrong", "right"]
    g = grade.grade_problem(prep, {"value": "(x+y)*z", "grad.x": "z", "grad.z": "x + y"})
    assert [m.status for m in g.marks] == ["right", "right", "right"]
    prep = grade.Prepared(q, q.inputs, {}, k.sheet)
    grade.grade_problem(prep, {"value": "1"})
    assert len(calls) == 2                              # ecf = 0: not called again


def test_formula_flag_in_json(tmp_path):
    key = write(tmp_path, "k.toml", '[[problem]]\nexpression = "x*y"\ninputs = { x = 2, y = 3 }\n'
                'formula = ["grad.x"]\ngrad = { x = "y", y = 2 }\n')
    r = invoke("grade", key, write(tmp_path, "a.csv", "student,1.grad.x,1.grad.y\nann,3,2\n"), "--json")
    doc = strict_json(r.out)
    assert [a["formula"] for a in doc["problems"][0]["answers"]] == [True, False]
    # a number is a formula too (a constant): 3 is d(x*y)/dx at the point, but not the function y
    assert doc["students"][0]["score"] == 1
    mark = doc["students"][0]["problems"][0]["answers"][0]
    assert mark["status"] == "wrong" and "not as a function" in (mark["message"] or "") + (mark["feedback"] or "")


# --- cg check SHEET --key KEY -----------------------------------------------------------------

def test_check_with_key(tmp_path, key, cg):
    ann = write(tmp_path, "ann.toml", sheet_text(CLASS["ann"]))
    r = cg("check", ann, "--key", key)
    assert r.returncode == 0, r.err
    assert "student ann: 11 / 11 points" in r.out
    cells = list(CLASS["ann"])
    cells[4] = "-5"
    bob = write(tmp_path, "bob.toml", sheet_text(cells, inputs1="{ x = 2, y = 3, z = 4 }"))
    r = cg("check", bob, "--key", key)
    assert r.returncode == 1
    assert "sheet changes problem 1a's inputs: graded on the key's" in r.out
    r = cg("check", bob, "--key", key, "--json")
    assert r.returncode == 1
    doc = strict_json(r.out)
    assert doc["schema"] == "cg.grade/1" and doc["students"][0]["score"] == 9
    # without --key the sheet's own inputs stand, as before (the student's own check)
    own = write(tmp_path, "own.toml", '[[problem]]\nid = "1a"\nexpression = "(x+y)*z"\n'
                                      'inputs = { x = 2, y = 3, z = 4 }\ngrad = { z = "5" }\n')
    r = cg("check", own)
    assert r.returncode == 0 and "student" not in r.out
    r = cg("check", own, "--key", key)
    assert r.returncode == 1 and "graded on the key's" in r.out
    r = cg("check", bob, "--key", key, "--value", "3")
    assert r.returncode == 2


def test_installed_cg_grades_a_class(tmp_path, key):
    src = class_csv(tmp_path)
    r = run_cg("grade", key, src, "--format", "csv")
    assert r.returncode == 0, r.err
    check_gradebook(gradebook(r.out))
    r = run_cg("grade", key, class_folder(tmp_path), "--json")
    assert r.returncode == 0
    assert strict_json(r.out)["class"]["students"] == 4
    r = run_cg("grade", key, write(tmp_path, "bad.csv", "student,1a.value\nann\n"))
    assert r.returncode == 2 and "bad.csv:2: student ann" in r.err and r.out == ""


def test_key_typos_are_warned_not_used(tmp_path):
    key = write(tmp_path, "k.toml", KEY.replace("z = 5 }", "z = 3 }"))
    r = invoke("grade", key, class_csv(tmp_path), "--json")
    assert r.returncode == 0
    assert "problem 1a: the key says df/dz = 3, but cg computes 5; grading uses cg's value" in r.err
    doc = strict_json(r.out)
    assert doc["key_warnings"] == ["problem 1a: the key says df/dz = 3, but cg computes 5; grading uses cg's value"]
    check_gradebook({s["student"]: [str(p["score"]) for p in s["problems"]] + [str(s["score"]), "11"]
                     for s in doc["students"]})
    r = invoke("grade", write(tmp_path, "k2.toml", KEY), class_csv(tmp_path))
    assert "warning" not in r.err


def test_spreadsheet_bom(tmp_path, key):
    src = tmp_path / "bom.csv"
    src.write_bytes("\ufeffstudent,1a.value\nann,-20\n".encode("utf-8"))
    r = invoke("grade", key, str(src), "--json")
    assert r.returncode == 0, r.err
    assert strict_json(r.out)["students"][0]["score"] == 1


def test_random_classes_match_an_independent_gradebook(tmp_path, key):
    """Random classes: each answer right (cg's value), wrong, missing or unreadable, in CSV and
    JSON Lines; the scores are computed here from the key's points, not by cg."""
    import random
    from cgcli.core.parse import parse
    from cgcli.core.passes import run
    truth = {}
    g = parse("q = x + y\nf = q * z")
    r = run(g, {"x": 2, "y": 3, "z": -4})
    truth.update({"1a.value": -20.0, "1a.node.q": 5.0, "1a.grad.x": r.grads[g.variables["x"]],
                  "1a.grad.y": r.grads[g.variables["y"]], "1a.grad.z": r.grads[g.variables["z"]]})
    g2 = parse("sigmoid(w0*x0 + w1*x1 + w2)")
    r2 = run(g2, {"w0": 2, "x0": -1, "w1": -3, "x1": -2, "w2": -3})
    truth["2.value"] = r2.value
    for n in ("w0", "x0", "w1", "x1", "w2"):
        truth[f"2.grad.{n}"] = r2.grads[g2.variables[n]]
    points = {c: (2.0 if c == "1a.grad.z" else 1.0) if c.startswith("1a") else 5 / 6 for c in COLS}
    rng = random.Random(4)
    for trial in range(3):
        rows, expect, lines = [], {}, []
        for k in range(rng.randint(1, 40)):
            s = f"s{trial}_{k}"
            cells, score = [], 0.0
            for c in COLS:
                kind = rng.choice(["right", "right", "wrong", "missing", "bad"])
                v = truth[c]
                cell = {"right": repr(v), "wrong": repr(v + 1.5), "missing": "", "bad": "x1"}[kind]
                score += points[c] if kind == "right" else 0.0
                cells.append(cell)
            rows.append([s] + cells)
            expect[s] = score
            lines.append(json.dumps({"student": s, **{c: float(v) for c, v in zip(COLS, cells) if v not in ("", "x1")},
                                     **{c: v for c, v in zip(COLS, cells) if v == "x1"}}))
        buf = io.StringIO()
        csv.writer(buf, lineterminator="\n").writerows([["student"] + COLS] + rows)
        src = write(tmp_path, f"r{trial}.csv", buf.getvalue())
        jl = write(tmp_path, f"r{trial}.jsonl", "\n".join(lines) + "\n")
        for path in (src, jl):
            res = invoke("grade", key, path, "--json")
            assert res.returncode == 0, res.err
            doc = strict_json(res.out)
            got = {st["student"]: st["score"] for st in doc["students"]}
            assert got.keys() == expect.keys()
            for s, v in expect.items():
                assert got[s] == pytest.approx(v, abs=1e-9), (path, s)
            assert doc["class"]["mean"] == pytest.approx(sum(expect.values()) / len(expect))


def test_big_class_table_and_unasked_problem(tmp_path, key):
    rows = "\n".join(f"s{k},-20" for k in range(201))
    r = invoke("grade", key, write(tmp_path, "big.csv", "student,1a.value\n" + rows + "\n"))
    assert r.returncode == 0
    assert "201 students (the per-student table shows at most 200" in r.out
    assert "201 students graded" in r.out
    write(tmp_path, "s/ann.toml", sheet_text(CLASS["ann"]) + '\n[[problem]]\nid = "9"\nvalue = 1\n')
    r = invoke("grade", key, str(tmp_path / "s"), "--json")
    ann = strict_json(r.out)["students"][0]
    assert ann["unasked"] == ["9"] and ann["score"] == 11


def test_check_key_with_ranges_points_to_cg_grade(tmp_path):
    key = write(tmp_path, "t.toml", '[[problem]]\nexpression = "x"\ninputs = { x = "uniform(1, 2)" }\nvalue = ""\n')
    sheet = write(tmp_path, "ann.toml", '[[problem]]\nvalue = 1\n')
    r = invoke("check", sheet, "--key", key)
    assert r.returncode == 2 and "--roster ROSTER.csv --seed S --student NAME" in r.err


def _exact_rounding_of(text, exponent, got):
    import math
    from fractions import Fraction
    from cgcli.check.answers import rounding_margin
    if not math.isfinite(got):
        return False
    return abs(Fraction(text.replace("_", "")) - Fraction(got)) <= rounding_margin(exponent, got)


from hypothesis import given, strategies as st  # noqa: E402


@given(st.floats(allow_nan=False, allow_infinity=False, min_value=-1e12, max_value=1e12),
       st.integers(-12, 6), st.integers(-3, 3))
def test_rounding_precheck_agrees_with_the_exact_rule(got, exponent, nudge):
    """check.is_rounding_of's quick float pre-check never changes a verdict."""
    from decimal import Decimal
    from cgcli.check.answers import is_rounding_of
    unit = Decimal(10) ** exponent
    d = (Decimal(got) / unit).to_integral_value() * unit + nudge * unit / 2
    text = format(d, "f") if exponent < 0 else format(d.quantize(Decimal(1)), "f")
    exp = Decimal(text).as_tuple().exponent
    assert is_rounding_of(text, exp, got) == _exact_rounding_of(text, exp, got)
