"""Hostile text through every output (issue 16, items 2, 7-13): a class whose students' names and
answers are Rich markup, terminal escapes, spreadsheet formulas, tabs and CRs; stdouts that
cannot take the output (an ASCII or Latin-1 encoding, a full disk, a reader that leaves after
one byte); a closed stdin; a Markdown handout whose label holds backticks and HTML.

Each case runs the installed `cg` as a subprocess under a time limit and an address-space
limit (2 GiB), and asserts exit codes, messages, and that no live markup, escape sequence or
formula reaches the output while every name survives in meaning (docs/conventions.md,
"Untrusted text"). The property test at the end runs cg's entry point in-process (the same
code path as the script) over random names."""
from __future__ import annotations

import csv
import io
import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from cgtest import cg_path, invoke, strict_json

ROOT = Path(__file__).resolve().parent.parent
CLASS = ROOT / "examples" / "class"
TIMEOUT = 60
AS_LIMIT = 2 << 30

# what must never reach a terminal raw: C0 but newline, DEL, C1, bidi controls, separators
RAW = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029]")

HOSTILE = [
    "[/x]",                                   # closes a tag that is not open: MarkupError, exit 4
    "[bold]ann",                              # would show as a bold "ann"
    "[link=https://evil.example]bob[/link]",  # would show as "bob" carrying a hyperlink
    ":smile:",                                # an emoji code
    '=HYPERLINK("http://evil.example","x")',  # a spreadsheet formula
    "+cmd|' /C calc'!A0",                     # DDE
    "-2+3",
    "@SUM(A1)",
    "tab\tinside",                            # a tab (a name is read stripped, so never first)
    "cr\rover",                               # CR: overwrites what came before on a terminal
    "clear\x1b[2Jscreen",                     # CSI: clears the teacher's screen
    "title\x1b]0;pwned\x07",                  # OSC: sets the terminal's title
    "link\x1b]8;;http://evil.example\x1b\\x\x1b]8;;\x1b\\",
    "csi8\x9b2J",                             # 8-bit CSI (C1)
    "rtl\u202egnp.exe",                       # bidi override
    "back\\slash",
]


def _limits():                                # runs in the child before exec
    import resource
    resource.setrlimit(resource.RLIMIT_AS, (AS_LIMIT, AS_LIMIT))


def run(*args, env=None, stdin=None, input=None, close_stdin=False, stdout=subprocess.PIPE, close=()):
    """The installed cg, piped (no colour), limited in time and memory."""
    e = {k: v for k, v in os.environ.items() if k not in ("FORCE_COLOR", "TTY_COMPATIBLE")}
    e.update(env or {})

    def pre():
        _limits()
        if close_stdin:
            os.close(0)
        for fd in close:
            os.close(fd)
    p = subprocess.run([cg_path(), *args], input=input, stdin=stdin if input is None else None,
                       stdout=stdout, stderr=subprocess.PIPE, timeout=TIMEOUT, env=e, preexec_fn=pre)
    p.out = p.stdout.decode("utf-8", "surrogateescape") if p.stdout is not None else ""
    p.err = p.stderr.decode("utf-8", "surrogateescape")
    return p


def visible(s: str) -> str:
    """The documented rendering, written out independently of cg's: Python's string-literal
    escapes for every control character, a backslash doubled."""
    out = []
    for c in s:
        if c == "\\":
            out.append("\\\\")
        elif c in "\n\t\r":
            out.append({"\n": "\\n", "\t": "\\t", "\r": "\\r"}[c])
        elif RAW.match(c) or 0xD800 <= ord(c) <= 0xDFFF:
            out.append(f"\\x{ord(c):02x}" if ord(c) < 0x100 else f"\\u{ord(c):04x}")
        else:
            out.append(c)
    return "".join(out)


def shown_back(s: str) -> str:
    """What a visible() rendering stands for."""
    return re.sub(r"\\(\\|n|t|r|x[0-9a-f]{2}|u[0-9a-f]{4})",
                  lambda m: {"\\": "\\", "n": "\n", "t": "\t", "r": "\r"}.get(m.group(1))
                  or chr(int(m.group(1)[1:], 16)), s)


def assert_inert(p):
    """No raw control character on stdout or stderr, no internal error."""
    for where, text in (("stdout", p.out), ("stderr", p.err)):
        bad = RAW.search(text)
        assert bad is None, f"raw {bad.group()!r} on {where}: {text[max(0, bad.start() - 40):bad.end() + 40]!r}"
    assert "internal error" not in p.err and "Traceback" not in p.err


@pytest.fixture(scope="module")
def klass(tmp_path_factory):
    """examples/class with a JSON Lines class of hostile names: each answers problem 1a right
    except one wrong answer whose text is the name itself (so --detail echoes it too)."""
    d = tmp_path_factory.mktemp("class")
    shutil.copy(CLASS / "key.toml", d / "key.toml")
    lines = []
    for name in HOSTILE:
        lines.append(json.dumps({"student": name, "answers": {
            "1a": {"value": -20, "node": {"q": 5}, "grad": {"x": -4, "y": -4, "z": name}},
            "2": {"value": 0.73, "grad": {"w0": -0.20, "w1": -0.39}}}}))
    (d / "class.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return d


def grade(klass, *more):
    return run("grade", str(klass / "key.toml"), str(klass / "class.jsonl"), *more)


# --- item 2 and 8: names in the Rich views --------------------------------------------------

def test_rich_class_table_shows_every_name_literally(klass):
    # wide enough that no name is folded over two lines of its cell (80 columns fold long names)
    p = run("grade", str(klass / "key.toml"), str(klass / "class.jsonl"), env={"COLUMNS": "400"})
    assert p.returncode == 0, p.err
    assert_inert(p)
    for name in HOSTILE:
        assert visible(name) in p.out, name
    assert "\x1b" not in p.out and "\x9b" not in p.out        # no link, no colour, no clearing
    assert f"{len(HOSTILE)} students graded" in p.out


def test_rich_detail_echoes_names_and_answers_as_text(klass):
    p = grade(klass, "--detail")
    assert p.returncode == 0, p.err
    assert_inert(p)
    for name in HOSTILE:
        assert f"student {visible(name)}: " in p.out, name
        # the answer (the name again) in the "given" column, or quoted in the feedback
        assert p.out.count(visible(name)) >= 2, name


@pytest.mark.parametrize("name", HOSTILE)
def test_rich_one_student(klass, name):
    p = grade(klass, "--student", name)
    assert p.returncode == 0, p.err
    assert_inert(p)
    assert p.out.startswith(f"student {visible(name)}: 6 / 9 points"), p.out[:200]


# --- JSON holds the names exactly -----------------------------------------------------------

def test_json_and_gradescope_hold_names_exactly(klass):
    p = grade(klass, "--format", "json")
    assert p.returncode == 0, p.err
    assert_inert(p)
    doc = strict_json(p.out)
    assert [s["student"] for s in doc["students"]] == HOSTILE
    answers = {s["student"]: s["problems"][0]["answers"] for s in doc["students"]}
    for name in HOSTILE:
        assert any(a["answer"] == name for a in answers[name])
    g = run("grade", str(klass / "key.toml"), str(klass / "class.jsonl"), "--format", "gradescope")
    assert g.returncode == 0, g.err
    assert_inert(g)
    assert list(strict_json(g.out)) == HOSTILE


# --- item 7: the CSV gradebook --------------------------------------------------------------

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def restore_cell(cell: str) -> str:
    """The documented rule undone: one ' in front of a formula character or of ', then visible()."""
    if cell.startswith("'") and cell[1:].startswith(FORMULA_START + ("'",)):
        cell = cell[1:]
    return shown_back(cell)


def test_csv_gradebook_has_no_live_formula(klass):
    p = grade(klass, "--format", "csv")
    assert p.returncode == 0, p.err
    assert_inert(p)
    rows = list(csv.reader(io.StringIO(p.out)))
    assert rows[0] == ["student", "1a", "2", "total", "points", "feedback", "slips"]
    names = [r[0] for r in rows[1:]]
    assert [restore_cell(c) for c in names] == HOSTILE
    for row in rows[1:]:
        for cell in row:
            assert not cell.startswith(FORMULA_START) or re.fullmatch(r"-?\d+(\.\d+)?", cell), cell
    assert all(r[3:5] == ["6", "9"] for r in rows[1:])          # totals: numbers, as they are
    assert names[4] == "'=HYPERLINK(\"http://evil.example\",\"x\")"
    assert "'@SUM(A1)" in names and "'-2+3" in names and "'+cmd|' /C calc'!A0" in names
    assert "tab\\tinside" in names and "cr\\rover" in names   # tab and CR: shown, never raw


def test_csv_numbers_stay_numbers(tmp_path):
    """A score or a name that is a plain number is a number, not a formula: no quote."""
    (tmp_path / "c.csv").write_text("student,1a.value\n-4,-20\n1e3,1\n", encoding="utf-8")
    p = run("grade", str(CLASS / "key.toml"), str(tmp_path / "c.csv"), "--format", "csv")
    assert p.returncode == 0, p.err
    rows = list(csv.reader(io.StringIO(p.out)))
    assert [r[0] for r in rows[1:]] == ["-4", "1e3"]
    assert rows[1][1:5] == ["1", "0", "1", "9"]


# --- items 9-12: output and input errors ----------------------------------------------------

ENCODINGS = [{"LC_ALL": "C", "PYTHONUTF8": "0", "PYTHONIOENCODING": ""}, {"PYTHONIOENCODING": "latin-1"}]
SHEETS = str(CLASS / "sheets")
CHECK = ["check", "q = x + y; f = q * z", "--x", "2", "--y", "3", "--z", "-4", "--value", "-20"]
# (args, exit code, what the output says in ASCII, in Latin-1: × and · are Latin-1, ∂ ✓ ✗ are not)
NON_UTF8 = [
    (["explain", "(x+y)*z", "--x", "2", "--y", "3", "--z", "-4"], 0,
     "upstream x local = 1 x -4", "upstream × local = 1 × -4"),
    (["explain", "(x+y)*z", "--x", "2", "--y", "3", "--z", "-4", "--format", "markdown"], 0,
     "`df/dz` = upstream x local = `1 x 5 = 5`", "`df/dz` = upstream × local = `1 × 5 = 5`"),
    (["diff", "(x+y)*z", "--x", "2", "--y", "3", "--z", "-4"], 0, "df/dx = z = -4", "df/dx = z = -4"),
    (CHECK + ["--grad", "z=5"], 0, "ok right", "ok right"),
    (CHECK + ["--grad", "z=3"], 1, "X wrong", "X wrong"),
    (["grade", str(CLASS / "key.toml"), SHEETS, "--format", "csv"], 0, "upstream x q", "upstream × q"),
    (["grade", str(CLASS / "key.toml"), SHEETS, "--detail"], 0, "ok right", "ok right"),
    (["descend", "(w-3)^2", "--w", "0", "--steps", "3"], 0, "|gradient|", "|gradient|"),
    (["fit", "sigmoid(w*x0 + b)", "--data", str(ROOT / "examples" / "blobs.csv"), "--w", "0", "--b", "0",
      "--epochs", "2"], 0, "epochs x", "epochs ×"),
    (["--help"], 0, "Usage: cg", "Usage: cg"),
    (["grade", "--help"], 0, "Usage: cg grade", "Usage: cg grade"),
]


@pytest.mark.parametrize("env", ENCODINGS, ids=["C-locale", "latin-1"])
@pytest.mark.parametrize("args,code,ascii,latin1", NON_UTF8,
                         ids=[" ".join(a[:1] + a[-2:]) for a, *_ in NON_UTF8])
def test_non_utf8_stdout_falls_back_to_ascii_forms(env, args, code, ascii, latin1):
    p = run(*args, env=env)
    assert p.returncode == code, p.err
    assert "internal error" not in p.err and "UnicodeEncodeError" not in p.err
    if env.get("LC_ALL") == "C":
        text = p.stdout.decode("ascii")              # every byte is ASCII
        assert ascii in text, text[:600]
    else:
        text = p.stdout.decode("latin-1")
        assert latin1 in text, text[:600]
        # no UTF-8 sneaked in: the bytes of ∂ ✓ ✗ × in UTF-8 read as Latin-1 start with â or Ã
        assert "â\x88" not in text and "â\x9c" not in text and "Ã\x97" not in text


@pytest.mark.parametrize("args", [
    ["eval", "(x+y)*z", "--x", "2", "--y", "3", "--z", "-4"],
    ["eval", "(x+y)*z", "--x", "2", "--y", "3", "--z", "-4", "--format", "json"],
    ["explain", "(x+y)*z", "--x", "2", "--y", "3", "--z", "-4"],
    ["grade", str(CLASS / "key.toml"), SHEETS, "--format", "csv"],
    ["--help"],
], ids=["eval", "eval-json", "explain", "grade-csv", "help"])
def test_full_disk_is_a_user_error(args):
    with open("/dev/full", "wb") as full:
        p = run(*args, stdout=full)
    assert p.returncode == 2
    assert p.err == "cg: cannot write to stdout: No space left on device\n"


@pytest.mark.parametrize("args", [
    ["eval", "-", "--x", "1"],
    ["eval", "x*x", "--points", "-"],
    ["check", "-", "--x", "1", "--value", "1"],
    ["check", "x*x", "--x", "1", "--points", "-"],
    ["explain", "-", "--x", "1"],
    ["graph", "-", "--x", "1"],
    ["diff", "-"],
    ["descend", "-", "--x", "1"],
    ["fit", "w*x0", "--data", "-", "--w", "0"],
], ids=lambda a: " ".join(a[:2]))
def test_closed_stdin_is_no_input(args):
    p = run(*args, close_stdin=True)
    assert p.returncode == 2, p.err
    assert p.err == "cg: no input on stdin (it is closed)\n"


@pytest.mark.parametrize("args", [
    ["eval", "(x+y)*z", "--x", "2", "--y", "3", "--z", "-4"],
    ["eval", "(x+y)*z", "--x", "2", "--y", "3", "--z", "-4", "--json"],
    ["grade", str(CLASS / "key.toml"), SHEETS, "--format", "csv"],
    ["check", "(x+y)*z", "--x", "2", "--y", "3", "--z", "-4", "--value", "-20"],
    ["--help"],
], ids=["eval", "eval-json", "grade-csv", "check", "help"])
def test_closed_stdout_ends_quietly(args):
    p = run(*args, close=(1,))
    assert p.returncode == 0
    assert p.err == ""


def test_closed_stderr_keeps_messages_off_stdout():
    p = run("eval", "x +", "--x", "1", close=(2,))
    assert p.returncode == 2
    assert p.out == ""


def head_c1(args, stdin_path=None):
    """`cg ARGS | head -c1`: read one byte, close the pipe, wait."""
    stdin = open(stdin_path, "rb") if stdin_path else subprocess.DEVNULL
    try:
        q = subprocess.Popen([cg_path(), *args], stdin=stdin, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             preexec_fn=_limits)
        first = q.stdout.read(1)
        q.stdout.close()
        err = q.stderr.read()
        q.wait(timeout=TIMEOUT)
    finally:
        if stdin_path:
            stdin.close()
    return q.returncode, first, err.decode("utf-8", "replace")


@pytest.fixture(scope="module")
def big(tmp_path_factory):
    d = tmp_path_factory.mktemp("big")
    subs = (ROOT / "examples" / "submissions.jsonl").read_text()
    (d / "subs.jsonl").write_text(subs * 100)       # 200 kB of verdicts in one write: the pipe closes inside it
    (d / "sum.cg").write_text(" + ".join(f"sin(x*{k})" for k in range(4000)) + "\n")
    lines = ["student," + ",".join(["1a.value", "1a.grad.z"])]
    lines += [f"s{k},-20,{k % 7}" for k in range(3000)]
    (d / "class.csv").write_text("\n".join(lines) + "\n")
    return d


@pytest.mark.parametrize("case", ["check-points", "eval-json", "eval-table", "explain", "grade-csv", "grade-json"])
def test_closed_pipe_after_one_byte_ends_quietly(big, case):
    args, stdin = {
        "check-points": (["check", "q = x + y; f = q * z", "--x", "2", "--y", "3", "--z", "-4",
                          "--points", str(big / "subs.jsonl")], None),
        "eval-json": (["eval", "-", "--x", "1", "--format", "json"], big / "sum.cg"),
        "eval-table": (["eval", "-", "--x", "1", "--format", "both"], big / "sum.cg"),
        "explain": (["explain", "-", "--x", "1"], big / "sum.cg"),
        "grade-csv": (["grade", str(CLASS / "key.toml"), str(big / "class.csv"), "--format", "csv"], None),
        "grade-json": (["grade", str(CLASS / "key.toml"), str(big / "class.csv"), "--format", "json"], None),
    }[case]
    code, first, err = head_c1(args, stdin)
    assert len(first) == 1
    assert code == 0, err
    assert err == "" or case == "check-points" and "submissions passed" not in err, err
    assert "Traceback" not in err and "Exception ignored" not in err


# --- item 13: Markdown code spans -------------------------------------------------------------

def test_markdown_backticks_cannot_open_html():
    # a one-line expression is echoed in the heading (a program by its name and statement count)
    program = "x*y   # a `label` with `` `<img src=x onerror=alert(1)>` ``"
    p = run("explain", program, "--x", "1", "--y", "2", "--format", "markdown")
    assert p.returncode == 0, p.err
    assert_inert(p)
    from markdown_it import MarkdownIt
    html = MarkdownIt("commonmark").render(p.out)
    assert "<img" not in html                        # the tag is text inside <code>, escaped
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
    heading = p.out.splitlines()[0]
    fence = re.match(r"# Backpropagation through (`+)", heading).group(1)
    assert len(fence) > max(len(r) for r in re.findall("`+", program))
    code = re.search(r"<h1>Backpropagation through <code>(.*)</code></h1>", html).group(1)
    assert code.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", '"') == " ".join(program.split())


def test_html_page_escapes_a_label():
    program = "q = x*y   # </script><script>alert(1)</script> <b>bold</b>\nf = q + 1\n"
    p = run("explain", "-", "--x", "1", "--y", "2", "--format", "html", input=program.encode())
    assert p.returncode == 0, p.err
    assert "<script>alert(1)" not in p.out and "<b>bold</b>" not in p.out


# --- stderr and argv: messages quote hostile text as data -------------------------------------

def test_errors_show_escapes_not_controls(tmp_path):
    p = run("eval", "x\x1b]0;pwned\x07 +", "--x", "1")
    assert p.returncode == 2
    assert_inert(p)
    assert "\\x1b]0;pwned\\x07" in p.err
    (tmp_path / "c.csv").write_text("student,1a.value\nann\x1b[2J,-20,5\n", encoding="utf-8")
    q = run("grade", str(CLASS / "key.toml"), str(tmp_path / "c.csv"), "--keep-going")
    assert q.returncode == 2
    assert_inert(q)
    assert "ann\\x1b[2J" in q.err


# --- the property: any name survives every output in meaning --------------------------------

def _names():
    from hypothesis import strategies as st
    controls = st.sampled_from(["\x00", "\x07", "\x08", "\x1b", "\x1b[2J", "\x1b]0;t\x07", "\r", "\t", "\n",
                                "\x7f", "\x85", "\x9b", "\u202e", "\u2066", "\u2028", "\\", "[", "]", "[/",
                                "[bold]", ":smile:", "=", "+", "-", "@", "`", "'", '"', ",", "\ud800"])
    chunk = st.one_of(st.text(min_size=1, max_size=4), controls)
    name = st.lists(chunk, min_size=1, max_size=5).map("".join).map(str.strip).filter(bool)
    return st.lists(name, min_size=1, max_size=4, unique=True)


def test_property_any_name_survives_every_output(tmp_path_factory, monkeypatch):
    from hypothesis import given, settings
    monkeypatch.setenv("COLUMNS", "400")          # no name folded over two lines of its cell

    key = str(CLASS / "key.toml")

    @settings(max_examples=40)
    @given(_names())
    def check(names):
        d = tmp_path_factory.mktemp("prop")
        src = d / "class.jsonl"
        src.write_text("".join(json.dumps({"student": n, "answers": {"1a": {"value": -20}}}) + "\n"
                               for n in names), encoding="utf-8")
        j = invoke("grade", key, str(src), "--format", "json")
        assert j.returncode == 0, j.err
        assert [s["student"] for s in strict_json(j.out)["students"]] == names         # exactly
        g = invoke("grade", key, str(src), "--format", "gradescope")
        assert list(strict_json(g.out)) == names
        c = invoke("grade", key, str(src), "--format", "csv")
        rows = list(csv.reader(io.StringIO(c.out)))
        assert [restore_cell(r[0]) for r in rows[1:]] == names
        assert not any(r[0].startswith(FORMULA_START) and not re.fullmatch(r"[+-]?[\d.eE+-]+", r[0])
                       for r in rows[1:])
        t = invoke("grade", key, str(src))
        assert t.returncode == 0, t.err
        for out in (c.out, t.out):
            bad = RAW.search(out.replace("\n", ""))
            assert bad is None, (out, bad)
        for n in names:
            assert visible(n) in t.out and shown_back(visible(n)) == n
            s = invoke("grade", key, str(src), "--student", n)
            assert s.returncode == 0, s.err
            assert s.out.startswith(f"student {visible(n)}: "), s.out[:200]
    check()


# --- cg check: a student's sheet, a batch, and cg's own echo of a program ---------------------

def test_check_sheet_title_ids_and_answers_are_text(tmp_path):
    head = ('title = "[bold]Quiz\\u001b]0;pwned\\u0007 [link=https://evil.example]x[/link]"\n\n'
            '[[problem]]\nid = "[/x]\\u001b[2J"\ntitle = ":smile: \\u202eevil"\n'
            'program = """\nq = x + y\nf = q * z\n"""\ninputs = { x = 2, y = 3, z = -4 }\n')
    sheet = tmp_path / "hw.toml"
    sheet.write_text(head + 'value = "-20"\ngrad = { z = "3" }\n', encoding="utf-8")
    p = run("check", str(sheet))
    assert p.returncode == 1, p.err
    assert_inert(p)
    assert "[bold]Quiz\\x1b]0;pwned\\x07 [link=https://evil.example]x[/link]" in p.out
    assert "problem [/x]\\x1b[2J (:smile: \\u202eevil)" in p.out
    j = run("check", str(sheet), "--json")
    assert_inert(j)
    doc = strict_json(j.out)
    assert doc["title"] == "[bold]Quiz\x1b]0;pwned\x07 [link=https://evil.example]x[/link]"
    assert doc["problems"][0]["id"] == "[/x]\x1b[2J"
    assert [a["answer"] for a in doc["problems"][0]["answers"]] == ["-20", "3"]
    bad = tmp_path / "bad.toml"
    bad.write_text(head + 'value = "[/bold]\\u001b[31m-20"\n', encoding="utf-8")
    q = run("check", str(bad))
    assert q.returncode == 2
    assert_inert(q)
    assert "got '[/bold]\\x1b[31m-20'" in q.err


def test_check_points_ids_stay_exact_in_json(tmp_path):
    ids = ["\x1b]0;pwned\x07", "[/x]", "\u202eevil", "\x9b2J"]
    (tmp_path / "s.jsonl").write_text("".join(json.dumps({"id": i, "value": -20}) + "\n" for i in ids))
    p = run("check", "(x+y)*z", "--x", "2", "--y", "3", "--z", "-4", "--points", str(tmp_path / "s.jsonl"))
    assert p.returncode == 0, p.err
    assert_inert(p)
    assert [strict_json(line)["id"] for line in p.out.splitlines()] == ids


@pytest.mark.parametrize("fmt", ["table", "tree", "json"])
def test_eval_echoes_a_comment_without_its_escapes(fmt):
    p = run("eval", "-", "--x", "2", "--format", fmt,
            input="f = x*x   # \x1b]0;pwned\x07 \x1b[2J \x9b2J \u202e [bold]x[/bold]\n".encode())
    assert p.returncode == 0, p.err
    assert_inert(p)


@pytest.mark.parametrize("fmt", ["text", "markdown", "latex", "json", "html"])
def test_explain_echoes_a_comment_without_its_escapes(fmt):
    p = run("explain", "-", "--x", "2", "--format", fmt,
            input="f = x*x   # \x1b]0;pwned\x07 \x1b[2J \x9b2J \u202e\n".encode())
    assert p.returncode == 0, p.err
    assert_inert(p)


def test_usage_errors_quote_argv_as_text():
    p = run("ev\x1b[2Jal")
    assert p.returncode == 2
    assert_inert(p)
    assert "No such command 'ev\\x1b[2Jal'" in p.err and "b''" not in p.err
    q = run("eval", "x", "--x", "1", "--a\x1b]0;t\x07")
    assert q.returncode == 2
    assert_inert(q)


@pytest.mark.parametrize("name, cell", [("=x", "'=x"), ("'=x", "''=x"), ("'ann", "''ann"), ("ann", "ann")])
def test_csv_cell_is_told_apart_from_a_made_safe_one(name, cell):
    # found by the property test: a name that starts with ' and one made safe must differ
    from cgcli.views.text import csv_cell
    assert csv_cell(name) == cell and restore_cell(cell) == name
