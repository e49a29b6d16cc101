"""QA regressions for issues 16-18 on the integrated build: every `-` stdin reader is bounded
like a file, a practice answer line is bounded, --rounded never calls an integer value a
non-integer one, per-student export folders are sanitized file names, and a JSON Lines
submission that gives one key twice is refused per line. Each runs the installed cg."""
from __future__ import annotations

import json
import os
import resource
import subprocess
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cgtest import cg_path, run_cg

ROOT = Path(__file__).resolve().parents[1]
CLASS = ROOT / "examples" / "class"
AS_LIMIT = 1024 ** 3              # a bounded reader needs far less than this


def _limit():
    resource.setrlimit(resource.RLIMIT_AS, (AS_LIMIT, AS_LIMIT))


def run_limited(*args: str, input: bytes, cwd=None) -> subprocess.CompletedProcess:
    env = dict(os.environ)
    env.pop("FORCE_COLOR", None)
    p = subprocess.run([cg_path(), *args], input=input, capture_output=True, timeout=120, env=env,
                       preexec_fn=_limit, cwd=cwd)
    p.out = p.stdout.decode("utf-8", "replace")
    p.err = p.stderr.decode("utf-8", "replace")
    return p


# --- a: stdin is read with the --max-file-size bound -----------------------------------------

STDIN_READERS = [
    ["eval", "-", "--x", "1"],
    ["check", "-", "--x", "1", "--value", "2"],
    ["explain", "-", "--x", "1"],
    ["graph", "-", "--x", "1"],
    ["diff", "-", "--wrt", "x"],
    ["eval", "x*2", "--points", "-"],
    ["check", "x*2", "--x", "1", "--points", "-"],
    ["fit", "w*x", "--w", "0.5", "--data", "-"],
]


@pytest.mark.parametrize("args", STDIN_READERS, ids=lambda a: " ".join(a[:1] + a[-2:]))
def test_stdin_over_the_file_size_limit_is_refused(args):
    p = run_limited(*args, "--max-file-size", "100", input=b"x" * 5000)
    assert p.returncode == 2, (p.returncode, p.err)
    assert "100 bytes" in p.err and "--max-file-size" in p.err, p.err
    assert "Traceback" not in p.err


def test_a_huge_program_on_stdin_stops_at_the_default_limit():
    # 11 MB of one number: past the 10 MB default; the read stops there (bounded memory)
    p = run_limited("eval", "-", input=b"1" * (11 * 1024 * 1024))
    assert p.returncode == 2, p.err
    assert p.err.strip() == ("cg: the program on stdin is larger than the limit of 10 MB "
                             "(--max-file-size BYTES raises it)")


def test_a_program_on_stdin_under_the_limit_still_runs():
    p = run_cg("eval", "-", "--x", "3", "--format", "json", "--max-file-size", "100", input="x*x\n")
    assert p.returncode == 0, p.err
    assert json.loads(p.out)["value"] == 9


def test_a_practice_answer_line_is_bounded():
    # a 50 MB line without a newline, then the next answer: the long line is one (invalid)
    # answer, shown cut, and the next line answers the next question
    data = b"1" * (50 * 1024 * 1024) + b"\n20\n"
    p = run_limited("practice", "--seed", "1", "--count", "1", "--json", input=data)
    assert p.returncode == 0, p.err
    rows = [json.loads(line) for line in p.out.splitlines()]
    first, second = rows[0], rows[1]
    assert first["status"] in ("invalid", "wrong") and len(first["answer"]) < 100
    assert first["answer"].startswith("1" * 40)
    assert second["answer"] == "20" and second["expected"] == 20 and second["status"] == "right"
    assert rows[-1]["type"] == "summary"


# --- b: --rounded says "non-integer" only of a non-integer value -----------------------------

def test_a_whole_number_rounds_an_integer_value():
    # cg's value is 123456 (an integer): 1.2e5 is a rounding of it at 2 significant figures
    p = run_cg("check", "x*y", "--x", "1000", "--y", "123.456", "--value", "1.2e5", "--rounded")
    assert p.returncode == 0, p.out + p.err
    p = run_cg("check", "x*y", "--x", "1000", "--y", "123.456", "--value", "1e5", "--rounded")
    assert p.returncode == 1
    assert "non-integer" not in p.out
    assert "1e5 has 1 significant figure" in p.out
    assert "(e.g. 123456)" in p.out                    # the example given passes itself
    assert run_cg("check", "x*y", "--x", "1000", "--y", "123.456", "--value", "123456",
                  "--rounded").returncode == 0


def test_a_whole_number_still_fails_for_a_non_integer_value():
    p = run_cg("check", "x/3", "--x", "1", "--value", "0", "--rounded")
    assert p.returncode == 1
    assert "a whole number is not accepted as a rounding of a non-integer value" in p.out
    p = run_cg("check", "x/3", "--x", "1000", "--value", "333", "--rounded")
    assert p.returncode == 1 and "non-integer value" in p.out


def test_every_non_integer_sentence_is_true_for_integer_values():
    for value in ("1e5", "2e5", "100000", "1.3e5", "-1e5"):
        p = run_cg("check", "x*y", "--x", "1000", "--y", "123.456", "--value", value, "--rounded",
                   "--json")
        doc = json.loads(p.out)
        for a in doc["answers"]:
            assert "non-integer" not in (a["message"] or "") + (a["feedback"] or ""), a


# --- c: per-student export folders are safe file names ----------------------------------------

HOSTILE_NAMES = ["ann", "../evil", "a/b", "a_b", "..", "x\x00y", "\u202eevil", ".hidden",
                 "back\\slash", "n" * 300, "=cmd", "tab\tname"]


def _class_csv(path: Path, names) -> None:
    import csv
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["student", "1a.value"])
        for n in names:
            w.writerow([n, "-20"])


def test_gradescope_out_sanitizes_student_folders(tmp_path):
    _class_csv(tmp_path / "class.csv", HOSTILE_NAMES)
    outside = sorted(p.name for p in tmp_path.iterdir())
    p = run_cg("grade", str(CLASS / "key.toml"), str(tmp_path / "class.csv"), "--format", "gradescope",
               "--out", str(tmp_path / "out"))
    assert p.returncode == 0, p.err
    assert "Traceback" not in p.err
    assert sorted(x.name for x in tmp_path.iterdir()) == sorted(outside + ["out"])   # nothing beside
    folders = sorted((tmp_path / "out").iterdir())
    students = set()
    for d in folders:
        assert d.is_dir() and not d.is_symlink() and d.parent == tmp_path / "out"
        assert not d.name.startswith(".") and len(d.name) <= 100
        assert all(c.isalnum() or c in "._-+@=" for c in d.name), d.name
        files = list(d.iterdir())
        assert [f.name for f in files] == ["results.json"]
        doc = json.loads(files[0].read_text())
        students.add(doc["extra_data"]["student"] if "extra_data" in doc else None)
    names = {n.strip() for n in HOSTILE_NAMES}
    assert len(folders) == len(names)                   # distinct names stay distinct folders
    assert (tmp_path / "out" / "ann").is_dir() and (tmp_path / "out" / "a_b").is_dir()
    assert students == names                             # each results.json names its student
    assert "student '../evil' is written as" in p.err and "\\u202eevil" in p.err
    assert "\x00" not in p.err and "\u202e" not in p.err


@settings(max_examples=300, deadline=None)
@given(st.lists(st.text(min_size=1, max_size=12), min_size=2, max_size=6, unique=True))
def test_safe_name_keeps_distinct_names_distinct(names):
    from cgcli.core.filenames import safe_name
    safe = [safe_name(n) for n in names]
    assert len(set(safe)) == len(safe)
    for n, s in zip(names, safe):
        assert s not in (".", "..", "") and "/" not in s and "\\" not in s and "\x00" not in s
        assert not s.startswith(".")
        assert os.path.basename(s) == s
        assert (s == n) == all((c.isalnum() and c.isprintable()) or c in "._-+@" for c in n) \
            or n.startswith(".") or len(n) > 80


# --- probes: duplicate keys, NaN text, 10^5 answers, bidi names ------------------------------

def test_a_json_lines_key_given_twice_is_that_students_error(tmp_path):
    lines = ['{"student": "ann", "1a.value": -20}',
             '{"student": "dup", "1a.value": -20, "1a.value": -21}',
             '{"student": "dup2", "answers": {"1a": {"value": -20, "value": -21}}}',
             '{"student": "bob", "1a.value": -20}']
    (tmp_path / "c.jsonl").write_text("\n".join(lines) + "\n")
    p = run_cg("grade", str(CLASS / "key.toml"), str(tmp_path / "c.jsonl"), "--keep-going", "--json")
    assert p.returncode == 2, p.err
    assert 'c.jsonl:2: not read: the key "1a.value" appears twice in one object' in p.err
    assert 'c.jsonl:3: not read: the key "value" appears twice in one object' in p.err
    assert "the other 2 were graded" in p.err
    assert [s["student"] for s in json.loads(p.out)["students"]] == ["ann", "bob"]


def test_check_points_refuses_a_key_given_twice():
    subs = '{"id": "a", "value": 2, "value": 3}\n{"id": "b", "value": 2}\n'
    p = run_cg("check", "x*2", "--x", "1", "--points", "-", input=subs)
    rows = [json.loads(line) for line in p.out.splitlines()]
    assert p.returncode == 2
    assert rows[0]["error"] == 'the line is not valid JSON: the key "value" appears twice in one object'
    assert rows[1]["id"] == "b" and rows[1]["passed"] is True


def test_hostile_answers_are_graded_per_item(tmp_path):
    rows = [{"student": "big", "1a.value": -20, **{f"1a.node.n{i}": "1" for i in range(100_000)}},
            {"student": "nan", "1a.value": "nan", "1a.grad.x": "inf", "1a.grad.y": "-Infinity",
             "1a.grad.z": "1e999"},
            {"student": "\u202eevil\u202c", "1a.value": -20},
            {"student": "ok", "1a.value": -20}]
    (tmp_path / "c.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    p = run_limited("grade", str(CLASS / "key.toml"), str(tmp_path / "c.jsonl"), "--json", input=b"")
    assert p.returncode == 0, p.err
    doc = json.loads(p.out)
    got = {s["student"]: s["score"] for s in doc["students"]}
    assert got == {"big": 1, "nan": 0, "\u202eevil\u202c": 1, "ok": 1}
    t = run_limited("grade", str(CLASS / "key.toml"), str(tmp_path / "c.jsonl"), input=b"")
    assert t.returncode == 0 and "\u202e" not in t.out and "\\u202eevil\\u202c" in t.out
    assert "Traceback" not in t.err
