"""A hostile class (issue 16, items 1 and 3-6): limits on work before the work, submissions
read as bounded regular files, one bad item never stopping the batch, formula answers that may
not restate their target.

Every case is built in a temp folder and runs the installed `cg` as a subprocess under a time
limit (a hang guard, never a timing assertion) and an address-space limit of 2 GiB (RLIMIT_AS,
set in the child before it starts). Each run checks the exit code, that every error is one line
of its own (`cg: ...`), that the other students are still graded, and that nothing is written
outside the output folder. The peak memory (ru_maxrss) and time of every run are collected and
printed in pytest's terminal summary.
"""
from __future__ import annotations

import json
import os
import resource
import subprocess
import tempfile
import threading
import time
from pathlib import Path

import pytest

from cgtest import cg_path, strict_json

pytestmark = pytest.mark.skipif(not hasattr(os, "mkfifo") or not os.path.exists("/dev/zero"),
                                reason="needs POSIX FIFOs and /dev/zero")

AS_LIMIT = 2 * 1024 ** 3          # bytes of address space per run
TIME_LIMIT = 120                  # seconds: a hang guard (a run that hits it fails the test)
RUNS: list = []                   # (case, exit code, peak KB, seconds)

KEY = """title = "Backprop quiz"

[[problem]]
id = "1a"
program = \"\"\"
q = x + y
f = q * z
\"\"\"
inputs = { x = 2, y = 3, z = -4 }
value = -20
node = { q = 5 }
grad = { x = -4, y = -4, z = 5 }
"""

GOOD = {"ann": '[[problem]]\nid = "1a"\nvalue = -20\nnode = { q = 5 }\ngrad = { x = -4, y = -4, z = 5 }\n',
        "bob": '[[problem]]\nid = "1a"\nvalue = -20\nnode = { q = 5 }\ngrad = { x = -4, y = -4, z = 3 }\n',
        "cem": '[[problem]]\nid = "1a"\nvalue = -20\nnode = { q = "x + y" }\ngrad = { x = -4, y = -4, z = 5 }\n'}

LOOP_CELL = "a = const(1); for t in range(1e9): a = a + 1"
DEEP = 100_000


def _limit():                     # in the child, before exec
    resource.setrlimit(resource.RLIMIT_AS, (AS_LIMIT, AS_LIMIT))


def run(case: str, *args: str, cwd: Path, input: bytes | None = None):
    """The installed cg in `cwd` under the limits; returns (code, stdout, stderr)."""
    env = dict(os.environ)
    env.pop("FORCE_COLOR", None)
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err, tempfile.TemporaryFile() as inp:
        if input is not None:
            inp.write(input)
            inp.seek(0)
        start = time.monotonic()
        p = subprocess.Popen([cg_path(), *args], cwd=cwd, stdin=inp if input is not None else subprocess.DEVNULL,
                             stdout=out, stderr=err, env=env, preexec_fn=_limit)
        timer = threading.Timer(TIME_LIMIT, p.kill)
        timer.start()
        try:
            _, status, usage = os.wait4(p.pid, 0)
        finally:
            timer.cancel()
        p.returncode = code = os.waitstatus_to_exitcode(status)
        seconds = time.monotonic() - start
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read().decode("utf-8", "replace"), err.read().decode("utf-8", "replace")
    RUNS.append((case, code, usage.ru_maxrss, seconds))
    assert code >= 0, f"{case}: killed by signal {-code} (the time limit is {TIME_LIMIT} s)"
    assert "Traceback" not in stderr and "internal error" not in stderr, stderr[-2000:]
    return code, stdout, stderr


def one_line_errors(stderr: str) -> list:
    """Every line of stderr is a message of its own, starting with cg:."""
    lines = stderr.splitlines()
    assert lines, "no message"
    for line in lines:
        assert line.startswith("cg: "), f"not a one-line message: {line!r}\n{stderr[-2000:]}"
        assert len(line) < 600, line[:200]
    return lines


def snapshot(root: Path, skip: str | None = None) -> dict:
    """Every entry under root (not following links) with its size and mtime."""
    out = {}
    for dirpath, dirnames, filenames in os.walk(root):
        rel = os.path.relpath(dirpath, root)
        if skip and (rel == skip or rel.startswith(skip + os.sep)):
            continue
        for n in dirnames + filenames:
            st = os.lstat(os.path.join(dirpath, n))
            out[os.path.join(rel, n)] = (st.st_mode, st.st_size, st.st_mtime_ns)
    return out


@pytest.fixture(scope="module", autouse=True)
def _report(request):
    yield
    if not RUNS:
        return
    lines = [f"hostile input: {len(RUNS)} runs of cg under RLIMIT_AS {AS_LIMIT >> 30} GiB; "
             f"peak memory {max(r[2] for r in RUNS) // 1024} MB, slowest {max(r[3] for r in RUNS):.2f} s, "
             f"total {sum(r[3] for r in RUNS):.1f} s"]
    lines += [f"  {case:<44} exit {code}  {kb // 1024:>5} MB  {s:6.2f} s" for case, code, kb, s in RUNS]
    request.config._cg_hostile_report = lines          # printed in the terminal summary (conftest.py)


@pytest.fixture
def cls(tmp_path):
    """A class folder: the key beside a sheets folder of three good sheets."""
    (tmp_path / "key.toml").write_text(KEY)
    sheets = tmp_path / "sheets"
    sheets.mkdir()
    for name, text in GOOD.items():
        (sheets / f"{name}.toml").write_text(text)
    return tmp_path


def graded(stdout: str) -> dict:
    d = strict_json(stdout)
    return {s["student"]: s["score"] for s in d["students"]}


# --- 1. a work budget, checked before the work ---------------------------------------------------

BUDGET_CASES = [
    ("eval range(1e9)", ["eval", "for t in range(1e9): a = x", "--x", "1"], "1,000,000,000 times"),
    ("eval range(1e9) a = a + 1", ["eval", LOOP_CELL], "1,000,000,000 times"),
    ("eval nested range(100000)", ["eval", "a = x\nfor i in range(100000):\n    for j in range(100000):\n"
                                           "        a = a + 1\na", "--x", "1"], "10,000,000,000"),
    ("eval range(6000000) of 3 nodes", ["eval", "a = x; for t in range(6000000): a = a*a + 1\na", "--x", "1"],
     "per iteration"),
    ("graph sum(W) W=100000x100000", ["graph", "sum(W)", "--shape", "W=100000x100000"], "10,000,000,000"),
    ("graph W @ W, W=1000x1000", ["graph", "sum(W @ W)", "--shape", "W=1000x1000"], "1,999,000,000 nodes"),
    ("diff range(1e9)", ["diff", "for t in range(1e9): a = x"], "1,000,000,000 times"),
    ("descend range(1e9)", ["descend", "a = x; for t in range(1e9): a = a*x\na", "--x", "1", "--params", "x"],
     "1,000,000,000 times"),
]


@pytest.mark.parametrize("case, args, says", BUDGET_CASES, ids=[c[0] for c in BUDGET_CASES])
def test_work_over_the_budget_is_refused_before_it_is_done(tmp_path, case, args, says):
    code, out, err = run(case, *args, cwd=tmp_path)
    assert code == 2, err
    (line,) = one_line_errors(err)
    assert says in line and "--max-nodes N" in line and "10,000,000" in line, line
    assert out == ""
    assert snapshot(tmp_path) == {}


def test_range_bound_that_is_not_a_whole_number(tmp_path):
    code, _, err = run("eval range(1e400)", "eval", "for t in range(1e400): a = x", "--x", "1", cwd=tmp_path)
    assert code == 2 and "whole number" in err


def test_max_nodes_lowers_and_raises_the_budget(tmp_path):
    prog = "a = x; for t in range(50): a = a*x + 1\na"
    code, out, err = run("--max-nodes 20", "eval", prog, "--x", "1", "--get", "value", "--max-nodes", "20",
                         cwd=tmp_path)
    assert code == 2 and "limit of 20 nodes" in err and "--max-nodes N" in err
    code, out, err = run("--max-nodes 1000", "eval", prog, "--x", "1", "--get", "value", "--max-nodes", "1000",
                         cwd=tmp_path)
    assert code == 0 and out.strip() == "51", err
    code, out, err = run("graph --max-nodes 99", "graph", "sum(W)", "--shape", "W=10x10", "--max-nodes", "99",
                         "--format", "dot", cwd=tmp_path)
    assert code == 2 and "the input W, a 10×10 matrix, would build 100 nodes" in err
    code, out, err = run("graph --max-nodes 1000", "graph", "sum(W)", "--shape", "W=10x10", "--max-nodes", "1000",
                         "--format", "dot", cwd=tmp_path)
    assert code == 0 and out.startswith("digraph"), err


@pytest.mark.parametrize("answer, says", [
    (LOOP_CELL, "a loop is not allowed"),
    ("a = 2; a", "an assignment is not allowed"),
    ("1; 2", "more than one statement"),
    ("+".join(["x"] * 6000), "at most 5,000 nodes"),
    ("1+" * 15000 + "1", "at most 20,000 characters"),
])
def test_an_answer_is_an_expression_within_a_small_budget(tmp_path, answer, says):
    code, out, err = run(f"check --value {says}", "check", "(x+y)*z", "--x", "2", "--y", "3", "--z", "-4",
                         "--value", answer, cwd=tmp_path)
    assert code == 2 and says in err, err
    assert out == ""


# --- 3, 4: submissions are regular files read with a bound -------------------------------------

def test_links_pipes_devices_and_folders_in_a_sheets_folder(cls):
    sheets = cls / "sheets"
    os.symlink("../key.toml", sheets / "evil.toml")
    os.symlink("/dev/zero", sheets / "zero.toml")
    os.symlink("ann.toml", sheets / "twin.toml")
    os.mkfifo(sheets / "fifo.toml")
    (sheets / "dir.toml").mkdir()
    before = snapshot(cls)
    code, out, err = run("grade: links, FIFO, /dev/zero, folder", "grade", "key.toml", "sheets", "--keep-going",
                         "--json", cwd=cls)
    assert code == 2
    assert graded(out) == {"ann": 5, "bob": 4, "cem": 4}
    lines = one_line_errors(err)
    text = "\n".join(lines)
    assert "sheets/evil.toml: student evil: a symbolic link to the key (../key.toml): not graded" in text
    assert "sheets/zero.toml: student zero: a symbolic link (to /dev/zero): not graded" in text
    assert "sheets/twin.toml: student twin: a symbolic link (to ann.toml): not graded" in text
    assert "sheets/fifo.toml: student fifo: a FIFO (named pipe), not a regular file: not graded" in text
    assert "sheets/dir.toml: student dir: a directory, not a regular file: not graded" in text
    errors = strict_json(out)["errors"]
    assert sorted(e["student"] for e in errors) == ["dir", "evil", "fifo", "twin", "zero"]
    assert snapshot(cls) == before
    # without --keep-going: nothing on stdout, the same exit code, the errors listed
    code, out, err = run("grade: links without --keep-going", "grade", "key.toml", "sheets", cwd=cls)
    assert code == 2 and out == "" and "--keep-going grades the other 3" in err


def test_a_hard_link_to_the_key_and_the_key_as_a_sheet(cls):
    os.link(cls / "key.toml", cls / "sheets" / "copy.toml")
    code, out, err = run("grade: hard link to the key", "grade", "key.toml", "sheets", "--keep-going", "--json",
                         cwd=cls)
    assert code == 2 and graded(out) == {"ann": 5, "bob": 4, "cem": 4}
    assert "student copy: the key key.toml itself (the same file): not graded" in err
    code, out, err = run("check sheet --key: the key", "grade", "key.toml", "key.toml", cwd=cls)
    assert code == 2 and "it is the key itself (key.toml): not graded" in err


def test_size_bound_on_sheets_and_every_file_read(cls):
    big = cls / "sheets" / "big.toml"
    big.write_text("# " + "x" * 2000 + "\n" + GOOD["ann"])
    code, out, err = run("grade --max-file-size 1000", "grade", "key.toml", "sheets", "--keep-going", "--json",
                         "--max-file-size", "1000", cwd=cls)
    assert code == 2 and graded(out) == {"ann": 5, "bob": 4, "cem": 4}
    assert "sheets/big.toml: student big: larger than the limit of 1,000 bytes (--max-file-size BYTES raises it)" in err
    # the default bound: 10 MB (a sheet of 11 MB of comments is not read)
    with open(big, "w") as f:
        f.write(("#" * 1023 + "\n") * (11 * 1024))
    code, out, err = run("grade: 11 MB sheet", "grade", "key.toml", "sheets", "--keep-going", "--json", cwd=cls)
    assert code == 2 and graded(out) == {"ann": 5, "bob": 4, "cem": 4}
    assert "larger than the limit of 10 MB" in err


@pytest.mark.parametrize("command", [
    ["grade", "key.toml", "zero.csv"], ["grade", "key.toml", "zero.jsonl"], ["grade", "zero.toml", "sheets"],
    ["check", "zero.toml"], ["eval", "zero.cg"], ["eval", "x", "--points", "zero.jsonl"],
    ["check", "x", "--points", "zero.jsonl"], ["fit", "w*x", "--data", "zero.csv", "--params", "w"],
])
def test_a_link_to_dev_zero_is_never_read(cls, command):
    for name in ("zero.csv", "zero.jsonl", "zero.toml", "zero.cg"):
        os.symlink("/dev/zero", cls / name)
    code, out, err = run("/dev/zero: " + " ".join(command[:2]), *command, cwd=cls)
    assert code == 2 and "a character device, not a regular file" in err, err
    one_line_errors(err)


# --- 5. one bad item never stops the batch ------------------------------------------------------

def test_a_deep_sheet_spoils_that_sheet_only(cls):
    (cls / "sheets" / "deep.toml").write_text('[[problem]]\nid = "1a"\nvalue = ' + "[" * DEEP + "]" * DEEP + "\n")
    (cls / "sheets" / "latin.toml").write_bytes(b'[[problem]]\nid = "1a"\nvalue = "\xe9"\n')
    (cls / "sheets" / "long.toml").write_text('[[problem]]\nid = "1a"\nvalue = 1' + "0" * 10_000 + "\n")
    code, out, err = run("grade: 10^5-deep TOML", "grade", "key.toml", "sheets", "--keep-going", "--json", cwd=cls)
    assert code == 2 and graded(out) == {"ann": 5, "bob": 4, "cem": 4}
    lines = one_line_errors(err)
    assert any("sheets/deep.toml:3: student deep: not read: its arrays or tables nest too deeply" in x for x in lines)
    assert any("sheets/latin.toml: student latin: not UTF-8 text" in x for x in lines)
    assert any("sheets/long.toml:3: student long: not read: a number in it has too many digits" in x for x in lines)
    # the same sheet checked on its own: exit 2 naming the file and line
    (cls / "hw.toml").write_text(KEY + 'extra = ' + "{a=" * 1 + "[" * DEEP + "]" * DEEP + "}\n")
    code, out, err = run("check: 10^5-deep homework", "check", "hw.toml", cwd=cls)
    assert code == 2 and "hw.toml:" in err and "nest too deeply" in err


def test_a_class_csv_and_jsonl_with_hostile_cells(cls):
    head = "student,1a.value,1a.node.q,1a.grad.x,1a.grad.y,1a.grad.z\n"
    rows = (head + "ann,-20,5,-4,-4,5\n"
            + f'bob,"{LOOP_CELL}",5,-4,-4,5\n'
            + "cem,-20," + "x" * 200_000 + ",-4,-4,5\n").encode()
    rows += b"dan,\xff\xfe,5,-4,-4,5\n" + b"eve,-20,5,-4,-4,5\n"
    (cls / "a.csv").write_bytes(rows)
    code, out, err = run("grade: hostile CSV cells", "grade", "key.toml", "a.csv", "--keep-going", "--json", cwd=cls)
    assert code == 2
    d = strict_json(out)
    assert {s["student"]: s["score"] for s in d["students"]} == {"ann": 5, "bob": 4, "cem": 4, "eve": 5}
    marks = {s["student"]: s["problems"][0]["answers"] for s in d["students"]}
    assert marks["bob"][0]["status"] == "unreadable" and "a loop is not allowed" in marks["bob"][0]["message"]
    assert marks["cem"][1]["status"] == "unreadable" and "at most 20,000 characters" in marks["cem"][1]["message"]
    (line,) = [x for x in one_line_errors(err) if "a.csv" in x]
    assert "a.csv:5: student dan: the row is not UTF-8 text: not graded" in line
    lines = [json.dumps({"student": "ann", "1a.value": -20}),
             '{"student": "deep", "1a.value": ' + "[" * DEEP + "]" * DEEP + "}",
             json.dumps({"student": "bob", "answers": {"1a": {"value": "for t in range(100000): a = x"}}}),
             json.dumps({"student": "cem", "1a.value": "-20", "1a.node.q": "5"})]
    (cls / "a.jsonl").write_text("\n".join(lines) + "\n")
    code, out, err = run("grade: 10^5-deep JSONL line", "grade", "key.toml", "a.jsonl", "--keep-going", "--json",
                         cwd=cls)
    assert code == 2 and set(graded(out)) == {"ann", "bob", "cem"}
    assert "a.jsonl:2: not read: the line's JSON nests too deeply" in err


def test_check_points_goes_on_after_deep_long_and_hostile_lines(tmp_path):
    lines = ['{"id": 1, "value": -20}',
             '{"id": 2, "value": ' + "[" * DEEP + "]" * DEEP + "}",
             '{"id": 3, "value": "' + "1+" * 160_000 + '1"}',
             '{"id": 4, "value": "' + LOOP_CELL + '"}',
             '{"id": 5, "value": "f", "node": {"q": "q"}}',
             '{"id": 6, "grad": {"z": "x + y"}}']
    (tmp_path / "subs.jsonl").write_text("\n".join(lines) + "\n")
    code, out, err = run("check --points: hostile lines", "check", "q = x + y; f = q*z", "--x", "2", "--y", "3",
                         "--z", "-4", "--points", "subs.jsonl", "--max-file-size", "300000", cwd=tmp_path)
    assert code == 2, err
    got = {d["line"]: d for d in map(strict_json, out.splitlines())}
    assert sorted(got) == [1, 2, 3, 4, 5, 6]
    assert got[1]["passed"] and got[6]["passed"]
    assert "nests too deeply" in got[2]["error"]
    assert "larger than the limit of 300,000 bytes" in got[3]["error"]
    assert "a loop is not allowed" in got[4]["error"]          # that line only: the batch goes on
    assert not got[5]["passed"]
    assert [a["ok"] for a in got[5]["answers"]] == [False, False]
    assert "the value it answers" in got[5]["answers"][0]["message"]
    one_line_errors(err)


def test_eval_points_goes_on_after_a_deep_and_an_endless_line(tmp_path):
    data = b'{"x": 1}\n{"x": ' + b"[" * DEEP + b"]" * DEEP + b"}\n" + b"7" * 400_000 + b'\n{"x": 2}\n'
    code, out, err = run("eval --points: deep and long lines", "eval", "x*x", "--points", "-", "--max-file-size",
                         "300000", cwd=tmp_path, input=data)
    assert code == 2
    got = {d["line"]: d for d in map(strict_json, out.splitlines())}
    assert got[1]["value"] == 1 and got[4]["value"] == 4
    assert "nests too deeply" in got[2]["error"] and "larger than the limit" in got[3]["error"]


def test_fit_data_names_the_file_and_line_of_a_deep_row(tmp_path):
    rows = ['{"x": 1, "y": 2}', '{"x": ' + "[" * DEEP + "]" * DEEP + ', "y": 1}', '{"x": 2, "y": 4}']
    (tmp_path / "d.jsonl").write_text("\n".join(rows) + "\n")
    code, out, err = run("fit --data: deep JSONL row", "fit", "w*x", "--data", "d.jsonl", "--params", "w",
                         "--target", "y", cwd=tmp_path)
    assert code == 2
    (line,) = one_line_errors(err)
    assert line == "cg: d.jsonl, line 2: not read: the line's JSON nests too deeply"


# --- 6. a formula answer may not restate its target ---------------------------------------------

def test_tautologies_are_wrong_under_a_formula_key(tmp_path):
    key = KEY.replace('value = -20', 'formula = true\nvalue = "q*z"').replace('node = { q = 5 }', 'node = { q = "x+y" }')
    (tmp_path / "key.toml").write_text(key)
    (tmp_path / "a.csv").write_text(
        "student,1a.value,1a.node.q,1a.grad.x,1a.grad.y,1a.grad.z\n"
        "ann,q*z,x+y,z,z,q\n"            # right: upstream names only
        "tau,f,q,z,z,q\n"                # restates the value and q
        "down,f/z*z,f/z,z,z,x+y\n"       # downstream of q, and the value itself
        f'loop,"{LOOP_CELL}",x+y,z,z,q\n')  # a program as a formula: that answer is unreadable
    code, out, err = run("grade: formula tautologies", "grade", "key.toml", "a.csv", "--json", cwd=tmp_path)
    assert code == 0, err
    d = strict_json(out)
    marks = {s["student"]: {m["target"]: m for m in s["problems"][0]["answers"]} for s in d["students"]}
    assert all(m["status"] == "right" for m in marks["ann"].values())
    assert marks["tau"]["value"]["status"] == "wrong" and "the value it answers" in marks["tau"]["value"]["message"]
    assert marks["tau"]["node.q"]["status"] == "wrong"
    assert marks["down"]["node.q"]["status"] == "wrong"
    assert "which is computed from q" in marks["down"]["node.q"]["message"]
    assert marks["down"]["value"]["status"] == "wrong"
    assert marks["tau"]["grad.z"]["status"] == "right"      # a gradient is not a node: q is fine there
    assert marks["loop"]["value"]["status"] == "unreadable" and "a loop is not allowed" in marks["loop"]["value"]["message"]
    assert [m["status"] for t, m in marks["loop"].items() if t != "value"] == ["right"] * 4


def test_a_sibling_with_the_same_value_is_not_upstream(tmp_path):
    code, out, err = run("check: sibling restatement", "check", "q = x + y; p = x + y; f = q*p", "--x", "2",
                         "--y", "3", "--node", "q=p", "--node", "p=x+y", "--json", cwd=tmp_path)
    assert code == 1
    rows = strict_json(out)["answers"]
    assert [r["ok"] for r in rows] == [False, True]
    assert "which q is not computed from" in rows[0]["message"]


# --- nothing written outside the output folder ---------------------------------------------------

def test_gradescope_out_writes_only_under_its_folder(cls):
    os.symlink("../key.toml", cls / "sheets" / "evil.toml")
    before = snapshot(cls)
    code, out, err = run("grade --out: only under out/", "grade", "key.toml", "sheets", "--format", "gradescope",
                         "--out", "out", "--keep-going", cwd=cls)
    assert code == 2
    after = snapshot(cls, skip="out")
    assert after.pop(os.path.join(".", "out"))
    assert after == before
    assert sorted(p.name for p in (cls / "out").iterdir()) == ["ann", "bob", "cem"]
    assert (cls / "key.toml").read_text() == KEY


# --- the budget in-process: what is counted, and that the words are true ----------------------------

def test_budget_counts_nodes_and_iterations_exactly():
    from cgcli.core.limits import OverBudget
    from cgcli.core.parse import parse
    from cgcli.core.passes import run
    prog = "a = x\nfor i in range(100):\n    for j in range(i):\n        a = a + 1\na"
    g = parse(prog, max_nodes=10_000)            # 9,901 nodes and 5,050 iterations: within
    assert run(g, {"x": 1.0}).value == 4951
    with pytest.raises(OverBudget, match="limit of 9,900 nodes"):
        parse(prog, max_nodes=9_900)
    # the enclosing loops' iterations left: exact for plain-number bounds, "at least" past range(i)
    with pytest.raises(OverBudget, match=r"would run 50 times \(5,000 times with the iterations"):
        parse("a = x\nfor i in range(100):\n    for j in range(50):\n        a = a + 1\na", max_nodes=4_000)
    with pytest.raises(OverBudget, match=r"would run 50 times \(at least 150 times with the iterations"):
        parse("a = x\nfor i in range(10):\n  for k in range(i):\n    for j in range(50):\n      a = x\na",
              max_nodes=200)


def test_answers_are_expressions_within_the_answer_budget():
    from cgcli.core.limits import ANSWER_MAX_NODES, NotAnAnswer, OverBudget
    from cgcli.core.parse import parse
    assert parse("q*z + sin(x)", answer=True).variables
    for text in ("a = 1; a", "x; y", "for t in range(2): x", "a += 1"):
        with pytest.raises(NotAnAnswer):
            parse(text, answer=True)
    with pytest.raises(OverBudget, match="at most 5,000 nodes"):
        parse("+".join(["x"] * (ANSWER_MAX_NODES + 1)), answer=True)
    assert parse("+".join(["x"] * (ANSWER_MAX_NODES + 1))).variables      # a program's budget is larger


def test_a_formula_may_use_only_what_its_target_is_computed_from():
    from cgcli import evaluate
    from cgcli.check.answers import Tolerance, make_answer
    from cgcli.check.grading import grade_one
    r = evaluate("q = x + y; p = x*y; f = q*z + p", {"x": 2, "y": 3, "z": -4})

    def verdict(kind, name, text):
        row = grade_one(r, make_answer(kind, name, text, formula=True), Tolerance())
        return row.ok, row.message or ""
    assert verdict("value", None, "q*z + p")[0]
    assert verdict("value", None, "(x + y)*z + x*y")[0]
    ok, why = verdict("value", None, "f")
    assert not ok and "uses f, the value it answers" in why
    ok, why = verdict("node", "q", "f - p - q*z + q")
    assert not ok and "which is computed from q" in why
    ok, why = verdict("node", "q", "p - x*y + x + y")
    assert not ok and "which q is not computed from" in why
    assert verdict("node", "q", "x + y")[0]
    assert verdict("grad", "z", "q")[0] and verdict("grad", "x", "z + y")[0]
    assert verdict("grad", "p", "f/f")[0]          # a gradient is not a node: every name may be used
