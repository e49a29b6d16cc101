"""The teacher's desk (issue 19): cg check on a key (the self-check), grading tables that fit 80
columns, variants that cannot be mixed up (seed, fingerprint, keys among the submissions), the
whole Gradescope autograder (results.json fields, submission_metadata.json, the example
autograder in a fake /autograder tree), printable sheets and the Moodle export."""
from __future__ import annotations

import base64
import glob
import json
import os
import re
import shutil
import subprocess
import tomllib
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from cgtest import BIN, run_cg, strict_json

ROOT = Path(__file__).resolve().parent.parent
EX = ROOT / "examples"
CLASS = EX / "class"
HAS_DOT = shutil.which("dot") is not None
HAS_PDFLATEX = shutil.which("pdflatex") is not None

# a key whose five sigmoid gradients only differ by their variable's name, with long ids
WIDE_KEY = '''title = "Wide quiz"

[[problem]]
id = "neuron-forward-and-backward"
expression = "sigmoid(w0*x0 + w1*x1 + w2)"
inputs = { w0 = 2, x0 = -1, w1 = -3, x1 = -2, w2 = -3 }
rounded = true
value = 0.73
grad = { w0 = -0.20, x0 = 0.39, w1 = -0.39, x1 = -0.59, w2 = 0.20 }

[[problem]]
id = "2"
program = """
hidden_layer_sum = a * b + c
out = hidden_layer_sum * d
"""
inputs = { a = 1.5, b = 2, c = -1, d = 3 }
node = { hidden_layer_sum = 2 }
grad = { a = 6, b = 4.5, c = 3, d = 2 }
'''
WIDE_TARGETS = ["value", "grad.w0", "grad.x0", "grad.w1", "grad.x1", "grad.w2"]


def write(tmp_path, name, text):
    p = tmp_path / name
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_text(text)
    return str(p)


def table_lines(text):
    return [ln for ln in text.splitlines() if ln[:1] in "┏┃┡│├└"]


# --- item 1: cg check KEY.toml, the teacher's self-check ----------------------------------------

def shipped_keys():
    from cgcli.check.variants import is_key_file
    keys = [p for p in sorted(glob.glob(str(EX / "**" / "*.toml"), recursive=True)) if is_key_file(p)]
    assert len(keys) >= 3          # examples/class/key.toml, template.toml, examples/gradescope/key.toml
    return keys


@pytest.mark.parametrize("path", shipped_keys())
def test_cg_check_passes_on_every_shipped_key(path):
    r = run_cg("check", path)
    assert r.returncode == 0, r.out + r.err
    assert "a key; its own answers checked against cg's" in r.out
    doc = strict_json(run_cg("check", path, "--json").out)
    assert doc["schema"] == "cg.check/1" and doc["passed"] is True and "key" in doc


def test_self_check_grades_the_keys_own_numbers(tmp_path):
    key = write(tmp_path, "k.toml", (CLASS / "key.toml").read_text().replace("z = 5 }", "z = 3 }"))
    r = run_cg("check", key)
    assert r.returncode == 1
    assert "df/dz is 5, not 3" in r.out and "✗ wrong" in r.out
    doc = strict_json(run_cg("check", key, "--json").out)
    assert doc["passed"] is False and doc["correct"] == 7 and doc["total"] == 8
    # a template: nothing of its own to check, and says so
    r = run_cg("check", str(CLASS / "template.toml"), "--json")
    assert r.returncode == 0 and strict_json(r.out)["key"]["drawn"] == ["1a"]
    # a malformed key is exit 2, located
    bad = write(tmp_path, "bad.toml", '[[problem]]\nexpression = "x"\ninputs = { x = 1 }\nvalue = 1\npoints = -1\n')
    r = run_cg("check", bad)
    assert r.returncode == 2 and "bad.toml:5" in r.err and "points" in r.err


# --- item 2: tables for a terminal -------------------------------------------------------------

def grade_runs(tmp_path):
    key = write(tmp_path, "wide.toml", WIDE_KEY)
    csv_text = ("student," + ",".join(f"neuron-forward-and-backward.{t}" for t in WIDE_TARGETS)
                + ",2.node.hidden_layer_sum,2.grad.a,2.grad.b,2.grad.c,2.grad.d\n"
                + "ann,0.73,-0.20,0.39,-0.39,-0.59,0.20,2,6,4.5,3,2\n"
                + "bob,0.7,-0.2,0.39,-0.59,-0.39,0.2,2,6,4.5,3,abc\n"
                + "a-student-with-a-long-name,,,,,,,,,,,\n")
    src = write(tmp_path, "answers.csv", csv_text)
    return key, src


@pytest.mark.parametrize("extra", [[], ["--student", "bob"], ["--detail"]])
def test_grading_tables_fit_80_columns_with_full_answer_names(tmp_path, extra):
    key, src = grade_runs(tmp_path)
    r = run_cg("grade", key, src, *extra, env={"COLUMNS": "80"})
    assert r.returncode == 0, r.err
    lines = table_lines(r.out)
    assert lines and max(len(ln) for ln in lines) <= 80, max(lines, key=len)
    if extra[:1] != ["--student"]:
        # every answer named in full in the class summary (a long name may wrap, never be cut)
        first = [ln.split("│")[1].strip() for ln in lines if ln.startswith("│")]
        assert "".join(first).count("neuron-forward-and-backward") == 1
        assert "node.hidden_layer_sum" in "".join(first)
        for t in WIDE_TARGETS[1:] + ["grad.a", "grad.d"]:
            assert t in first, t
        assert "…" not in r.out and "mean" in r.out
    if extra:
        for lab in ("df/dw0", "df/dx0", "df/dw1", "df/dx1", "df/dw2"):
            assert f"│ {lab} " in r.out
        assert "0.7311" in r.out and "0.7310585786300049" not in "\n".join(lines)   # 4 significant digits
        # the feedback is under the table, one message per line, unbroken
        assert any(ln.startswith("df/dw1 is -0.3932238664829637, not -0.59") for ln in r.out.splitlines())


def test_counts_and_units_in_the_class_summary(tmp_path):
    key, src = grade_runs(tmp_path)
    r = run_cg("grade", key, src, env={"COLUMNS": "80"})
    assert "students per verdict" in r.out and "students (points)" in r.out
    row = next(ln for ln in r.out.splitlines() if "neuron-forward-and-backward grad.w1" in ln
               or ("grad.w1" in ln and "│" in ln))
    cells = [c.strip() for c in row.strip("│").split("│")]
    assert cells[-6:] == ["1", "1", "1", "0", "1", "0"]     # points, right, wrong, carried, missing, unreadable


def test_piped_tables_are_plain_and_no_wider_than_80(tmp_path):
    key, src = grade_runs(tmp_path)
    env = {"COLUMNS": ""}
    for args in (["grade", key, src], ["grade", key, src, "--detail"], ["check", str(EX / "homework.toml")]):
        r = run_cg(*args, env=env)
        assert "\x1b[" not in r.out                     # no colour, no escape codes
        assert max(len(ln) for ln in table_lines(r.out)) <= 80
    r = run_cg("check", "(x+y)*z", "--x", "2", "--y", "3", "--z", "-4", "--value", "-20")
    assert max(len(ln) for ln in table_lines(r.out)) == len(table_lines(r.out)[0]) < 60   # as wide as its content


def test_digits_option_and_cg_check_tables(tmp_path):
    key, src = grade_runs(tmp_path)
    r = run_cg("grade", key, src, "--student", "bob", "--digits", "6")
    assert "0.731059" in r.out
    r = run_cg("check", "sigmoid(x)", "--x", "1", "--value", "0.7311", env={"COLUMNS": "80"})
    # a wrong answer is never shown as cg's value: enough digits to tell them apart
    assert r.returncode == 1 and "0.73106" in r.out
    r = run_cg("check", str(EX / "homework.toml"), env={"COLUMNS": "80"})
    assert max(len(ln) for ln in table_lines(r.out)) <= 80


def test_descend_and_fit_tables_use_four_significant_digits():
    r = run_cg("descend", "(x-3)^2", "--x", "0", "--lr", "0.1", "--steps", "60")
    assert r.returncode == 0, r.err
    body = "\n".join(table_lines(r.out))
    assert not re.search(r"\d\.\d{5,}", body), body
    r = run_cg("descend", "(x-3)^2", "--x", "0", "--lr", "0.1", "--steps", "60", "--digits", "12")
    assert re.search(r"\d\.\d{6,}", "\n".join(table_lines(r.out)))


# --- item 3: variants that cannot be mixed up ----------------------------------------------------

@pytest.fixture
def sheets(tmp_path):
    out = tmp_path / "sheets"
    r = run_cg("key", str(CLASS / "template.toml"), "--roster", str(CLASS / "roster.csv"), "--seed", "42",
               "--out", str(out))
    assert r.returncode == 0, r.err
    return out


def fill_stamped(sheet: Path, dest: Path):
    """The sheet with cg's own answers, keeping its seed and variant."""
    from cgcli.core.parse import parse
    from cgcli.core.passes import run
    from cgcli.views.toml import problem_block
    doc = tomllib.loads(sheet.read_text())
    blocks = [f'seed = "{doc["seed"]}"\nvariant = "{doc["variant"]}"\n']
    for p in doc["problem"]:
        blocks.append(problem_block(run(parse(p.get("program") or p["expression"]), p["inputs"]), p["id"]))
    dest.parent.mkdir(parents=True, exist_ok=True)
    dest.write_text("\n".join(blocks))


def test_sheets_carry_the_seed_and_the_variant(tmp_path, sheets):
    from cgcli.check import grade as g
    from cgcli.check.variants import fingerprint
    key = g.read_key(str(CLASS / "template.toml"))
    seen = set()
    for n in ("ann", "bob", "cem"):
        doc = tomllib.loads((sheets / f"{n}.toml").read_text())
        assert doc["seed"] == "42"
        inputs = [g.draw_inputs(p, "42", n, 1) for p in key.problems]
        assert doc["variant"] == fingerprint([(p.id, i) for p, i in zip(key.problems, inputs)])
        seen.add(doc["variant"])
    assert len(seen) == 3
    fill_stamped(sheets / "ann.toml", tmp_path / "ann.toml")
    r = run_cg("check", str(tmp_path / "ann.toml"))      # a student's cg check reads a stamped sheet
    assert r.returncode == 0, r.err


def test_wrong_seed_is_an_error_per_student(tmp_path, sheets):
    filled = tmp_path / "filled"
    for n in ("ann", "bob", "cem"):
        fill_stamped(sheets / f"{n}.toml", filled / f"{n}.toml")
    roster = str(CLASS / "roster.csv")
    r = run_cg("grade", str(CLASS / "template.toml"), str(filled), "--roster", roster, "--seed", "42", "--json")
    assert r.returncode == 0 and all(s["score"] == s["points"] for s in strict_json(r.out)["students"])
    r = run_cg("grade", str(CLASS / "template.toml"), str(filled), "--roster", roster, "--seed", "43")
    assert r.returncode == 2 and r.out == ""
    assert r.err.count("made with --seed 42, but it is graded with --seed 43") == 3
    assert "ann.toml: student ann" in r.err
    r = run_cg("grade", str(CLASS / "template.toml"), str(filled), "--roster", roster, "--seed", "43",
               "--keep-going", "--json")
    doc = strict_json(r.out)
    assert r.returncode == 2 and doc["students"] == [] and len(doc["errors"]) == 3


def test_another_students_sheet_is_refused(tmp_path, sheets):
    filled = tmp_path / "filled"
    fill_stamped(sheets / "bob.toml", filled / "ann.toml")       # ann hands in bob's sheet
    fill_stamped(sheets / "bob.toml", filled / "bob.toml")
    r = run_cg("grade", str(CLASS / "template.toml"), str(filled), "--roster", str(CLASS / "roster.csv"),
               "--seed", "42", "--keep-going", "--format", "csv")
    assert r.returncode == 2
    assert "student ann: the sheet's numbers (variant" in r.err and "are not this student's" in r.err
    assert [ln.split(",")[0] for ln in r.out.splitlines()[1:]] == ["bob"]


@pytest.mark.parametrize("how", ["copy", "points", "ranges"])
def test_keys_among_the_submissions_are_refused_by_name(tmp_path, how):
    folder = tmp_path / "subs"
    shutil.copytree(CLASS / "sheets", folder)
    if how == "copy":
        shutil.copy(CLASS / "key.toml", folder / "key.toml")
    elif how == "points":         # another key (a typo in its number, points set)
        (folder / "key.toml").write_text((CLASS / "key.toml").read_text().replace("value = -20", "value = -21"))
    else:
        shutil.copy(CLASS / "template.toml", folder / "key.toml")
    r = run_cg("grade", str(CLASS / "key.toml"), str(folder))
    assert r.returncode == 2 and r.out == ""
    assert "key.toml: student key: not a student's sheet: it is" in r.err
    r = run_cg("grade", str(CLASS / "key.toml"), str(folder), "--keep-going", "--json")
    doc = strict_json(r.out)
    assert [s["student"] for s in doc["students"]] == ["ann", "bob", "cem"] and doc["errors"][0]["student"] == "key"
    # the key itself as the submission
    r = run_cg("grade", str(CLASS / "key.toml"), str(CLASS / "key.toml"))
    assert r.returncode == 2 and "it is the key itself" in r.err


# --- item 4: Gradescope -----------------------------------------------------------------------------

# Gradescope's autograder specification (gradescope-autograders.readthedocs.io/en/latest/specs/)
GS_TOP = {"score", "execution_time", "output", "output_format", "test_output_format", "test_name_format",
          "visibility", "stdout_visibility", "extra_data", "tests", "leaderboard"}
GS_TEST = {"score", "max_score", "status", "name", "name_format", "number", "output", "output_format",
           "tags", "visibility", "extra_data"}
GS_VISIBILITY = {"hidden", "after_due_date", "after_published", "visible"}
GS_FORMATS = {"text", "html", "simple_format", "md", "ansi"}


def check_results_json(doc):
    assert set(doc) <= GS_TOP and "tests" in doc
    assert isinstance(doc["execution_time"], int) and doc["execution_time"] >= 0
    assert doc.get("output_format", "md") in GS_FORMATS
    assert doc["score"] == pytest.approx(sum(t["score"] for t in doc["tests"]))
    for t in doc["tests"]:
        assert set(t) <= GS_TEST
        assert t["status"] in ("passed", "failed") and t["visibility"] in GS_VISIBILITY
        assert t["output_format"] in GS_FORMATS and isinstance(t["tags"], list)
        assert (t["status"] == "passed") == (t["score"] == t["max_score"])
        assert isinstance(t["extra_data"], dict)


def test_gradescope_results_follow_the_spec():
    r = run_cg("grade", str(CLASS / "key.toml"), str(CLASS / "sheets"), "--format", "gradescope", "--student", "bob")
    assert r.returncode == 0, r.err
    doc = strict_json(r.out)
    check_results_json(doc)
    t1a, t2 = doc["tests"]
    assert t1a["status"] == "failed" and t1a["visibility"] == "after_due_date"     # states cg's value (5)
    assert "df/dz is 5, not 3" in t1a["output"] and "wrong" in t1a["tags"]
    ann = strict_json(run_cg("grade", str(CLASS / "key.toml"), str(CLASS / "sheets"), "--format", "gradescope",
                             "--student", "ann").out)
    assert [t["status"] for t in ann["tests"]] == ["passed", "passed"]
    assert [t["visibility"] for t in ann["tests"]] == ["visible", "visible"]
    # cem: missing and unreadable answers state no value of cg's
    every = strict_json(run_cg("grade", str(CLASS / "key.toml"), str(CLASS / "answers.csv"),
                               "--format", "gradescope").out)
    for s, d in every.items():
        check_results_json(d)
    r = run_cg("grade", str(CLASS / "key.toml"), str(CLASS / "sheets"), "--format", "gradescope", "--student", "bob",
               "--visibility", "hidden")
    assert {t["visibility"] for t in strict_json(r.out)["tests"]} == {"hidden"}
    r = run_cg("grade", str(CLASS / "key.toml"), str(CLASS / "sheets"), "--format", "gradescope", "--visibility", "soon")
    assert r.returncode == 2 and "visibility" in r.err
    r = run_cg("grade", str(CLASS / "key.toml"), str(CLASS / "sheets"), "--visibility", "hidden")
    assert r.returncode == 2 and "--format gradescope" in r.err


def test_gradescope_output_escapes_markdown(tmp_path):
    src = write(tmp_path, "a.csv", "student,1a.value,2.value\nann,[x](javascript:alert(1)),<b>*hi*</b>\n")
    r = run_cg("grade", str(CLASS / "key.toml"), src, "--format", "gradescope", "--student", "ann")
    out = "\n".join(t["output"] for t in strict_json(r.out)["tests"])
    assert "\\[x\\]" in out and "\\<b\\>\\*hi\\*\\</b\\>" in out and "[x](" not in out


def metadata(tmp_path, **user):
    return write(tmp_path, "submission_metadata.json", json.dumps(
        {"id": 1, "created_at": "2026-12-01T10:00:00", "assignment": {"title": "quiz", "total_points": "4.0"},
         "submission_method": "upload", "users": [user], "previous_submissions": []}))


def test_metadata_picks_the_student_from_the_roster(tmp_path, sheets):
    roster = write(tmp_path, "roster.csv", "student,email,sid\nann,ann@x.edu,11\nbob,bob@x.edu,12\ncem,cem@x.edu,13\n")
    sub = tmp_path / "submission"
    fill_stamped(sheets / "bob.toml", sub / "my answers.toml")
    for who in ({"email": "BOB@x.edu", "id": 5, "name": "Bob"}, {"email": "b@home.org", "sid": "12", "name": "Bob"}):
        r = run_cg("grade", str(CLASS / "template.toml"), str(sub), "--format", "gradescope", "--seed", "42",
                   "--roster", roster, "--metadata", metadata(tmp_path, **who))
        assert r.returncode == 0, r.err
        doc = strict_json(r.out)
        check_results_json(doc)
        assert doc["extra_data"]["student"] == "bob" and doc["score"] == 4
    # ann uploads bob's sheet: an error results.json (score 0, the reason), exit 2
    r = run_cg("grade", str(CLASS / "template.toml"), str(sub), "--format", "gradescope", "--seed", "42",
               "--roster", roster, "--metadata", metadata(tmp_path, email="ann@x.edu"))
    assert r.returncode == 2
    doc = strict_json(r.out)
    assert doc["score"] == 0 and doc["tests"] == [] and "not this student's" in doc["output"]
    # nobody on the roster, or no roster
    r = run_cg("grade", str(CLASS / "template.toml"), str(sub), "--format", "gradescope", "--seed", "42",
               "--roster", roster, "--metadata", metadata(tmp_path, email="zed@x.edu"))
    assert r.returncode == 2 and "no submitter (zed@x.edu) is on the roster" in r.err
    r = run_cg("grade", str(CLASS / "key.toml"), str(sub), "--format", "gradescope",
               "--metadata", metadata(tmp_path, email="ann@x.edu"))
    assert r.returncode == 2 and "--roster" in r.err
    bad = write(tmp_path, "bad.json", '{"users": "everyone"}')
    r = run_cg("grade", str(CLASS / "key.toml"), str(sub), "--format", "gradescope", "--roster", roster,
               "--metadata", bad)
    assert r.returncode == 2 and "users" in r.err


def test_example_autograder_in_a_fake_autograder_tree(tmp_path):
    root = tmp_path / "autograder"
    shutil.copytree(EX / "gradescope", root / "source")
    src = root / "source"
    seed = (src / "seed.txt").read_text().strip()
    made = tmp_path / "made"
    r = run_cg("key", str(src / "key.toml"), "--roster", str(src / "roster.csv"), "--seed", seed, "--out", str(made))
    assert r.returncode == 0, r.err
    fill_stamped(made / "bob.toml", root / "submission" / "answers.toml")
    bob = next(ln for ln in (src / "roster.csv").read_text().splitlines() if ln.startswith("bob,")).split(",")
    (root / "submission_metadata.json").write_text(json.dumps({"users": [{"email": bob[1], "name": "Bob"}]}))
    env = dict(os.environ, CG_AUTOGRADER_ROOT=str(root), PATH=f"{BIN}{os.pathsep}{os.environ['PATH']}")
    run = lambda: subprocess.run(["bash", str(src / "run_autograder")], env=env, capture_output=True, timeout=120)
    p = run()
    assert p.returncode == 0, p.stderr
    doc = strict_json((root / "results" / "results.json").read_text())
    check_results_json(doc)
    assert doc["score"] == 4 and doc["extra_data"]["student"] == "bob"
    assert sorted(os.listdir(root / "results")) == ["results.json"]
    # another student's metadata with bob's sheet: results.json says why, score 0
    (root / "submission_metadata.json").write_text(json.dumps({"users": [{"email": "ann@example.edu"}]}))
    p = run()
    doc = strict_json((root / "results" / "results.json").read_text())
    assert doc["score"] == 0 and "not this student's" in doc["output"]
    # a broken key: cg writes nothing, the script still leaves a results.json
    (src / "key.toml").write_text("not toml [")
    p = run()
    doc = strict_json((root / "results" / "results.json").read_text())
    assert p.returncode == 0 and doc["score"] == 0 and "could not grade" in doc["output"]
    assert subprocess.run(["bash", "-n", str(EX / "gradescope" / "setup.sh")]).returncode == 0
    assert os.access(EX / "gradescope" / "run_autograder", os.X_OK)


# --- item 5: printable sheets ---------------------------------------------------------------------

@pytest.mark.parametrize("fmt", ["md", "tex"])
def test_printable_sheets(tmp_path, fmt):
    out = tmp_path / "out"
    r = run_cg("key", str(CLASS / "template.toml"), "--roster", str(CLASS / "roster.csv"), "--seed", "7",
               "--out", str(out), "--format", fmt)
    assert r.returncode == 0, r.err
    files = sorted(os.listdir(out))
    assert {f"{n}.{fmt}" for n in ("ann", "bob", "cem", "answers")} <= set(files)
    toml_ann = tomllib.loads(run_cg("key", str(CLASS / "template.toml"), "--roster", str(CLASS / "roster.csv"),
                                    "--seed", "7", "--out", str(tmp_path / "toml")).err and
                             (tmp_path / "toml" / "ann.toml").read_text())
    ann = (out / f"ann.{fmt}").read_text()
    inputs = toml_ann["problem"][0]["inputs"]
    for k, v in inputs.items():
        assert re.search(rf"{k}\W+(\$=\$|=) {re.escape(format(v, 'g'))}", ann), (k, v)
    assert toml_ann["variant"] in ann and "seed 7" in ann
    for lab in ("df/dx", "df/dz"):
        assert lab in ann
    from cgcli.core.parse import parse
    from cgcli.core.passes import run
    res = run(parse(toml_ann["problem"][0]["program"]), inputs)
    answers = (out / f"answers.{fmt}").read_text()
    from cgcli.core.fmt import fmt as f
    assert f(res.value) in answers and f(res.value) not in ann.replace(f" {f(inputs['x'])}", "")
    if HAS_DOT:
        pic = "problem-1a.svg" if fmt == "md" else "problem-1a.pdf"
        assert pic in files and pic in ann
    if fmt == "tex" and HAS_PDFLATEX:
        p = subprocess.run(["pdflatex", "-interaction=nonstopmode", "-halt-on-error", "-no-shell-escape", "ann.tex"],
                           cwd=out, capture_output=True, timeout=120)
        assert p.returncode == 0, p.stdout[-2000:]


@pytest.mark.skipif(not HAS_PDFLATEX, reason="pdflatex is not installed")
def test_pdf_sheets(tmp_path):
    key = write(tmp_path, "k.toml", (CLASS / "key.toml").read_text().replace(
        'title = "Backprop quiz"', 'title = "Quiz #1: 100% & {more} $x_1$ ~ ^_^ \\\\end"'))
    r = run_cg("key", key, "--out", str(tmp_path / "pdf"), "--format", "pdf")
    assert r.returncode == 0, r.err
    for n in ("sheet.pdf", "answers.pdf"):
        assert (tmp_path / "pdf" / n).read_bytes()[:5] == b"%PDF-"


def test_pdf_without_pdflatex_is_a_clear_error(tmp_path):
    r = run_cg("key", str(CLASS / "key.toml"), "--out", str(tmp_path / "o"), "--format", "pdf",
               env={"PATH": str(BIN)})
    assert r.returncode == 2 and "needs pdflatex" in r.err and not (tmp_path / "o").exists()
    r = run_cg("key", str(CLASS / "template.toml"), "--out", str(tmp_path / "o"), "--format", "md")
    assert r.returncode == 2 and "--roster" in r.err
    r = run_cg("key", str(CLASS / "key.toml"), "--format", "md")
    assert r.returncode == 2 and "--out" in r.err
    r = run_cg("key", str(CLASS / "key.toml"), "--format", "docx")
    assert r.returncode == 2 and "unknown --format" in r.err


# --- item 6: Moodle -----------------------------------------------------------------------------

def test_moodle_export(tmp_path):
    from cgcli.check import grade as g
    from cgcli.check.export import key_sheet
    r = run_cg("key", str(CLASS / "key.toml"), "--format", "moodle")
    assert r.returncode == 0, r.err
    root = ET.fromstring(r.out.encode())
    assert root.tag == "quiz" and r.out.startswith('<?xml version="1.0" encoding="UTF-8"?>\n<quiz>')
    qs = root.findall("question[@type='numerical']")
    key = g.read_key(str(CLASS / "key.toml"))
    assert len(qs) == sum(len(p.targets) for p in key.problems) == 8
    truth = [q for p in key_sheet(key, {}).problems for q in p.questions]
    for q, t in zip(qs, truth):
        ans = q.findall("answer")
        assert len(ans) == 1 and ans[0].get("fraction") == "100"
        assert float(ans[0].find("text").text) == t.value
        tol = float(ans[0].find("tolerance").text)
        assert tol >= t.tolerance * (1 - 1e-12)
        assert float(q.find("defaultgrade").text) == t.points
        assert q.find("questiontext").get("format") == "html"
        assert "<pre>" in q.find("questiontext/text").text
    # cg's rule: |a - v| <= atol + rtol |v|; rounded answers (problem 2): 0.73 passes, 0.74 does not
    f = next(q for q in qs if q.find("name/text").text == "2: f")
    v, tol = float(f.find("answer/text").text), float(f.find("answer/tolerance").text)
    assert abs(0.73 - v) <= tol < abs(0.74 - v)
    assert float(qs[0].find("answer/tolerance").text) >= 1e-9 + 1e-6 * 20
    if HAS_DOT:
        files = qs[0].findall("questiontext/file")
        assert files and files[0].get("encoding") == "base64"
        assert b"<svg" in base64.b64decode(files[0].text)
        assert f'@@PLUGINFILE@@/{files[0].get("name")}' in qs[0].find("questiontext/text").text


def test_moodle_escapes_text_and_refuses_templates(tmp_path):
    key = write(tmp_path, "k.toml", '''title = "A <b>&amp;</b> ]]> quiz"

[[problem]]
id = "1<2"
title = "</text></question><question>"
expression = "x * y"
inputs = { x = 2, y = 3 }
formula = ["grad.x"]
value = 6
grad = { x = "y", y = 2 }
''')
    r = run_cg("key", key, "--format", "moodle")
    assert r.returncode == 0, r.err
    root = ET.fromstring(r.out.encode())
    qs = root.findall("question[@type='numerical']")
    assert len(qs) == 2 and "grad.x" in r.err            # the formula answer has no numerical question
    text = qs[0].find("questiontext/text").text
    assert "&lt;/text&gt;&lt;/question&gt;" in text and "1&lt;2" in text
    assert root.find("question[@type='category']/category/text").text == "$course$/top/A <b>&amp;<-b> ]]> quiz"   # / would nest categories
    r = run_cg("key", str(CLASS / "template.toml"), "--format", "moodle")
    assert r.returncode == 2 and "per student" in r.err


def test_metadata_with_no_sheet_in_the_upload_still_writes_results(tmp_path):
    roster = write(tmp_path, "roster.csv", "student,email\nbob,bob@x.edu\n")
    sub = tmp_path / "submission"
    sub.mkdir()
    (sub / "answers.pdf").write_bytes(b"%PDF-")
    r = run_cg("grade", str(CLASS / "key.toml"), str(sub), "--format", "gradescope", "--roster", roster,
               "--metadata", metadata(tmp_path, email="bob@x.edu"))
    assert r.returncode == 2 and "upload exactly one" in r.err
    doc = strict_json(r.out)
    assert doc["score"] == 0 and "upload exactly one" in doc["output"]
