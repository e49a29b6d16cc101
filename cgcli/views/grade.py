"""Views of a graded class (cgcli.check.grade.ClassGrade): the Rich class summary and per-student
tables, strict JSON (schema "cg.grade/1", README), the CSV gradebook, Gradescope's
results.json, and the blank per-student sheets of `cg key --roster`. They read finished
grades and never compute (the statistics come with the ClassGrade)."""
from __future__ import annotations

import math

from ..check.sheet import CARRIED, GRADED, MISSING, RIGHT, UNREADABLE, WRONG, check_word
from ..core.formats import document
from .text import controls, safe, visible
from ..core.fmt import PRECISION, apart, fmt

SCHEMA = "cg.grade/1"


def _num(v):
    """A JSON-ready number: finite floats as they are, non-finite as "inf", "-inf", "nan"."""
    if v is None:
        return None
    if isinstance(v, float) and not math.isfinite(v):
        return fmt(v)
    return v


def _score(v: float) -> str:
    return fmt(round(v, 4)) if v == v else "—"


# --- JSON -----------------------------------------------------------------------------------

def _mark(m) -> dict:
    return {"target": m.target, "label": m.label, "points": m.points, "answer": m.given,
            "got": _num(m.got), "status": m.status, "credit": m.credit, "score": m.score,
            "message": m.message, "feedback": m.feedback, "slip": _slip(m.slip)}


def _slip(slip):
    """A slip dict with its numbers JSON-ready (None stays None)."""
    if not slip:
        return None
    out = {k: (_num(v) if isinstance(v, float) else v) for k, v in slip.items() if k != "also"}
    if "also" in slip:
        out["also"] = [_slip(o) for o in slip["also"]]
    return out


def student_dict(s) -> dict:
    return {"student": s.student, "file": s.file, "line": s.line, "score": s.score, "points": s.points,
            "problems": [{"id": p.id, "score": p.score, "points": p.points,
                          "inputs": {k: _num(v) for k, v in p.inputs.items()},
                          "answers": [_mark(m) for m in p.marks]} for p in s.problems],
            "unasked": s.unasked, "warnings": s.warnings,
            "slip_profile": getattr(s, "slip_profile", {})}


def error_dict(e) -> dict:
    return {"file": e.file, "line": e.line, "student": e.student, "problem": e.problem,
            "message": e.detail, "exit_code": e.exit_code}


def grade_json(cls, students=None) -> str:
    st = cls.stats
    doc = {"schema": SCHEMA, "key": cls.key.path, "title": cls.key.title, "submissions": cls.source,
           "seed": cls.seed,
           "class": {k: _num(st[k]) for k in ("students", "points", "mean", "median", "min", "max")},
           "problems": [{**{k: _num(v) for k, v in p.items() if k != "answers"},
                         "answers": [{k: _num(v) for k, v in a.items()} for a in p["answers"]]}
                        for p in st["problems"]],
           "students": [student_dict(s) for s in (cls.students if students is None else students)],
           "errors": [error_dict(e) for e in cls.errors], "key_warnings": cls.warnings,
           "misconceptions": cls.misconceptions}
    return document(doc) + "\n"


# the word a status prints as in a sentence (Gradescope's output)
_WORDS = {status: check_word(status) if status == CARRIED else status for status in GRADED}


def _why(m) -> str | None:
    """What was wrong, then the diagnosis: "df/dz is 5, not 3; you used y = 3; ..."."""
    if m.slip and m.slip["code"] == "carried" and m.message:
        return m.message                # "(carried forward: right given your ...)" already
    if m.feedback and m.message and m.feedback != m.message:
        return f"{m.message}; {m.feedback.removeprefix(m.label + ': ')}"
    return m.feedback or m.message


# --- CSV gradebook --------------------------------------------------------------------------

def _notes(s) -> str:
    out = []
    for p in s.problems:
        for m in p.marks:
            if m.status != "right":
                why = _why(m) or m.status
                if m.status == "carried":
                    why = f"carried forward ({m.credit:g} credit): {why}"
                out.append(f"{p.id} {m.label}: {why}")
    out += [f"not asked: {u}" for u in s.unasked]
    out += s.warnings
    return "; ".join(out)


def _slips(s) -> str:
    """The gradebook's slips column: "2 grad.w1: swapped; 1a grad.x: fanout-partial"."""
    return "; ".join(f"{p.id} {m.target}: {m.slip['code']}" for p in s.problems for m in p.marks if m.slip)


def write_csv(cls, out) -> None:
    from .text import csv_writer
    w = csv_writer(out)
    w.writerow(["student"] + [p.id for p in cls.key.problems] + ["total", "points", "feedback", "slips"])
    for s in cls.students:
        w.writerow([s.student] + [_score(p.score) for p in s.problems]
                   + [_score(s.score), _score(s.points), _notes(s), _slips(s)])


# --- Gradescope -----------------------------------------------------------------------------
# results.json as Gradescope's autograder specification describes it
# (https://gradescope-autograders.readthedocs.io/en/latest/specs/): top level score,
# execution_time (seconds), output, output_format, extra_data and tests; per test name, score,
# max_score, status ("passed"/"failed"), visibility, output, output_format, tags, extra_data.

VISIBILITIES = ("visible", "hidden", "after_due_date", "after_published")
_MD_SPECIAL = set("\\`*_[]<>|~&")


def md(text: str) -> str:
    """Text (a student's answer, a name) as literal inline Markdown: one line, every character
    that could start markup inline (emphasis, code, links, HTML, entities, tables) escaped."""
    text = " ".join(str(text).splitlines())
    return "".join("\\" + c if c in _MD_SPECIAL else c for c in text)


def slip_codes(m) -> list:
    """The slip codes of a graded answer: its slip's code and those it matches equally; []."""
    sl = m.slip
    if not sl:
        return []
    codes = [sl["code"]]
    return codes + [o["code"] for o in sl.get("also", ()) if o["code"] not in codes]


def shows_value(m) -> bool:
    """Does this answer's feedback state cg's value? (wrong and carried-forward answers: "df/dz
    is 5, not 3"); right, missing and unreadable ones do not."""
    return m.status in ("wrong", "carried")


def gradescope(s, visibility: str | None = None, execution_time: float | None = None) -> dict:
    """Gradescope's results.json for one student: a test per problem. `visibility`: every test's
    (default: after_due_date for a test whose feedback states cg's value, else visible)."""
    tests = []
    for p in s.problems:
        lines, answers, tags = [], [], [f"problem {p.id}"]
        for m in p.marks:
            verdict = _WORDS[m.status]
            text = f"- **{md(m.label)}**: {verdict} ({_score(m.score)}/{_score(m.points)})"
            why = _why(m)
            if m.status != "right" and why and why != m.status:
                text += f": {md(why)}"
            lines.append(text)
            codes = slip_codes(m)
            entry = {"target": m.target, "status": m.status, "score": m.score, "points": m.points}
            if codes:
                entry["slips"] = codes
                entry["slip"] = _slip(m.slip)
                tags += [c for c in codes if c not in tags]
            answers.append(entry)
            if m.status not in tags and m.status != "right":
                tags.append(m.status)
        title = p.title
        passed = all(m.status == "right" for m in p.marks)
        vis = visibility or ("after_due_date" if any(shows_value(m) for m in p.marks) else "visible")
        tests.append({"name": f"problem {p.id}" + (f": {title}" if title else ""), "score": p.score,
                      "max_score": p.points, "status": "passed" if passed else "failed",
                      "visibility": vis, "output": "\n".join(lines), "output_format": "md",
                      "tags": tags, "extra_data": {"problem": p.id, "answers": answers,
                                                   "slips": [{"target": m.target, **_slip(m.slip)}
                                                             for m in p.marks if m.slip]}})
    out = [f"not asked (not graded): {md(u)}" for u in s.unasked] + [f"warning: {md(w)}" for w in s.warnings]
    doc = {"score": s.score, "output_format": "md", "tests": tests,
           "extra_data": {"student": s.student, "points": s.points}}
    if execution_time is not None:
        doc["execution_time"] = max(0, round(execution_time))
    if out:
        doc["output"] = "\n\n".join(out)
    return doc


def gradescope_json(cls, one=None, visibility=None, execution_time=None) -> str:
    if one is not None:
        return document(gradescope(one, visibility, execution_time), indent=1) + "\n"
    return document({s.student: gradescope(s, visibility, execution_time) for s in cls.students}) + "\n"


def gradescope_error_json(errors, execution_time=None) -> str:
    """results.json for a submission that cannot be graded (a malformed sheet, another student's
    variant): score 0 and the reasons, visible, so the student can fix and resubmit."""
    doc = {"score": 0, "output_format": "md",
           "output": "Your submission could not be graded:\n\n" + "\n".join(f"- {md(e.detail)}" for e in errors),
           "tests": [], "extra_data": {"errors": [e.detail for e in errors]}}
    if execution_time is not None:
        doc["execution_time"] = max(0, round(execution_time))
    return document(doc, indent=1) + "\n"


# --- Rich -----------------------------------------------------------------------------------

def error_lines(cls, keep_going: bool) -> str:
    """The class's submission errors for stderr, then what became of the others."""
    lines = [e.render() for e in cls.errors]
    if cls.errors:
        n = len(cls.errors)
        s = "s" if n != 1 else ""
        if keep_going:
            m = len(cls.students)
            lines.append(f"cg: {n} submission{s} could not be graded (listed above); the other "
                         f"{m} {'was' if m == 1 else 'were'} graded")
        else:
            lines.append(f"cg: {n} submission{s} cannot be graded; --keep-going grades the other "
                         f"{len(cls.students)} anyway")
    return "".join(line + "\n" for line in lines)


STUDENT_ROWS = 200          # the class table lists students up to this many


def _pts(v: float, digits: int | None = None) -> str:
    """Points at `digits` (default 4) significant digits, never in exponent form: 4.667, 123.5, 12346."""
    if v != v:
        return "—"
    d = PRECISION if digits is None else digits
    whole = len(str(int(abs(v)))) if abs(v) >= 1 else 0
    return fmt(round(v, max(0, d - whole)) + 0.0)


def _fits(widths: list, width: int) -> bool:
    """Would a table with these column content widths fit `width` columns (Rich's heavy-head
    box: one border and two spaces of padding per column, one closing border)?"""
    return sum(widths) + 3 * len(widths) + 1 <= width


def print_class(cls, console, precision=None) -> None:
    from rich.table import Table
    from rich.text import Text
    st = cls.stats

    def P(v):
        return _pts(v, precision)
    key = cls.key
    if key.title:
        console.print(Text(visible(key.title), style="bold underline"))
    problems = key.problems
    means = [ps["mean"] for ps in st["problems"]]
    heads = [f"{p.id} /{P(p.points)}" for p in problems]
    names = [s.student for s in cls.students[:STUDENT_ROWS]]
    # per-problem score columns only where they fit beside the student, the total and 20 columns of notes
    per_problem = _fits([max([7] + [len(n) for n in names[:50]]) if names else 7]
                        + [max(len(h), 5) for h in heads] + [max(9, len(f"total /{P(key.points)}")), 20],
                        console.width)
    if cls.students and len(cls.students) <= STUDENT_ROWS:
        t = Table(title="students (points)")
        t.add_column("student", overflow="fold")
        if per_problem:
            for h in heads:
                t.add_column(h, justify="right", no_wrap=True)
        t.add_column(f"total /{P(key.points)}", justify="right", style="bold", no_wrap=True)
        t.add_column("notes")
        for s in cls.students:
            notes = []
            bad = sum(1 for p in s.problems for m in p.marks if m.status in ("missing", "unreadable"))
            if bad:
                notes.append(f"{bad} missing/unreadable")
            if s.unasked:
                notes.append(f"{len(s.unasked)} not asked")
            if s.warnings:
                notes.append(f"{len(s.warnings)} warning{'s' if len(s.warnings) != 1 else ''}")
            scores = [P(p.score) for p in s.problems] if per_problem else []
            t.add_row(safe(s.student), *scores, P(s.score), ", ".join(notes))
        t.add_section()
        t.add_row("mean", *([P(v) for v in means] if per_problem else []), P(st["mean"]), "",
                  style="bold")
        console.print(t)
        if not per_problem:
            console.print("(each problem's scores: --format csv, or a wider terminal)")
    elif cls.students:
        console.print(f"{len(cls.students)} students (the per-student table shows at most {STUDENT_ROWS}: "
                      f"--format csv writes the gradebook, --student NAME one student)")
    if cls.students and (len(cls.students) > STUDENT_ROWS or not per_problem):
        console.print("mean per problem: " + ", ".join(f"{p.id} {P(v)} / {P(p.points)}"
                                                        for p, v in zip(problems, means)))
    n = st["students"]
    a = Table(title="answers: which step the class gets wrong (students per verdict)")
    a.add_column("answer", overflow="fold")
    for col in ("points",) + GRADED:
        a.add_column(col, justify="right", no_wrap=True)
    many = len(problems) > 1
    # each row names its answer: "1a grad.z"; where such labels would not fit beside the six
    # number columns, a row with the problem's id heads its answers instead
    room = console.width - 62
    grouped = many and any(len(f"{p.id} {t.target} (formula)" if t.formula else f"{p.id} {t.target}") > room
                           for p in problems for t in p.targets)
    for p, ps in zip(problems, st["problems"]):
        if grouped:
            a.add_row(Text(f"problem {p.id}", style="bold"))
        for t, ans in zip(p.targets, ps["answers"]):
            rate = ans["success_rate"]
            style = "green" if rate == rate and rate >= 0.8 else ("red" if rate == rate and rate < 0.5 else "yellow")
            label = ("  " if grouped else f"{p.id} " if many else "") + t.target + (" (formula)" if t.formula else "")
            a.add_row(safe(label), P(t.points), Text(str(ans["right"]), style=style), str(ans["wrong"]),
                      str(ans["carried"]), str(ans["missing"]), str(ans["unreadable"]))
        if many and p is not problems[-1]:
            a.add_section()
    console.print(a)
    if n:
        console.print(Text(f"{n} student{'s' if n != 1 else ''} graded: mean {P(st['mean'])}, median "
                           f"{P(st['median'])}, min {P(st['min'])}, max {P(st['max'])} "
                           f"of {P(st['points'])} points", style="bold"))
    else:
        console.print(Text("no submission could be graded", style="bold red"))
    if cls.errors:
        console.print(Text(f"{len(cls.errors)} submission{'s' if len(cls.errors) != 1 else ''} could not be "
                           f"graded (listed on stderr)", style="bold red"))
    print_misconceptions(cls.misconceptions, console)


MISCONCEPTION_LINES = 20     # the Rich section lists the answers with the most common slips, up to this many


def print_misconceptions(entries: list, console) -> None:
    """The class's misconceptions: per answer, how many students made which slip."""
    from rich.text import Text
    if not entries:
        return
    by_answer: dict = {}
    for e in entries:
        by_answer.setdefault((e["problem"], e["target"]), []).append(e)
    console.print(Text("misconceptions (the slips cg names in wrong answers):", style="bold"))
    items = list(by_answer.items())
    for (pid, target), es in items[:MISCONCEPTION_LINES]:
        said = ", ".join(f"{e['students']} student{'s' if e['students'] != 1 else ''} {e['text']}" for e in es)
        console.print(Text(f"  {pid} {target}: {said}"))
    if len(items) > MISCONCEPTION_LINES:
        console.print(Text(f"  ... and {len(items) - MISCONCEPTION_LINES} more answers (--json: misconceptions)"))


_VERDICT = {RIGHT: ("✓ right", "green"), WRONG: ("✗ wrong", "bold red"),
            CARRIED: ("~ carried forward", "yellow"), MISSING: ("✗ missing", "bold red"),
            UNREADABLE: ("✗ unreadable", "bold red")}


def print_grade(cls, chosen: list, one: bool, detail: bool, console, precision=None) -> None:
    """cg grade's table view: the class summary; a table per student instead with --student
    (`one`) or --detail, then (--detail) the class summary."""
    if one or detail:
        for k, s in enumerate(chosen):
            if k:
                console.print()
            print_student(s, console, precision)
        if detail and not one:
            console.print()
            print_class(cls, console, precision)
    else:
        print_class(cls, console, precision)


def print_student(s, console, precision=None) -> None:
    from rich.table import Table
    from rich.text import Text

    def P(v):
        return _pts(v, precision)
    console.print(Text(f"student {visible(s.student)}: {P(s.score)} / {P(s.points)} points", style="bold"))
    for p in s.problems:
        head = f"problem {visible(p.id)}" + (f" ({visible(p.title)})" if p.title else "") + f": {P(p.score)} / {P(p.points)}"
        src = visible("; ".join(line.strip() for line in p.expression.strip().splitlines() if line.strip()))
        head += f"  {src if len(src) <= 120 else src[:117] + '...'}"
        if p.inputs:
            head += "  at  " + ", ".join(f"{k} = {fmt(v)}" for k, v in p.inputs.items())
        console.print(Text(head))
        t = Table()
        t.add_column("answer", overflow="fold")
        t.add_column("given", justify="right", overflow="fold")
        t.add_column("cg's value", justify="right", style="green", no_wrap=True)
        t.add_column("verdict", no_wrap=True)
        t.add_column("points", justify="right", no_wrap=True)
        why = []
        for m in p.marks:
            word, style = _VERDICT[m.status]
            t.add_row(safe(m.label), safe(m.given) if m.given is not None else "—",
                      apart(m.got, m.given, precision) if m.status != "right" else fmt(m.got, PRECISION if precision is None else precision),
                      Text(word, style=style), f"{P(m.score)}/{P(m.points)}")
            if m.status != "right" and _why(m):
                text = _why(m)
                why.append(text if text.startswith(m.label + " ") else f"{m.label}: {text.removeprefix(m.label + ': ')}")
        console.print(t)
        for w in why:
            console.print(Text(controls(w), style="yellow"))
    slips = s.slips
    if slips:
        where: dict = {}
        for pid, m in slips:
            where.setdefault(m.slip["code"], []).append(f"{pid} {m.target}")
        console.print(Text("slip profile: " + "; ".join(f"{code} ×{len(w)} ({', '.join(w)})"
                                                        for code, w in where.items())))
    for u in s.unasked:
        console.print(Text(f"not asked (not graded): {visible(u)}", style="yellow"))
    for w in s.warnings:
        console.print(Text(f"warning: {w}", style="yellow"))


# --- per-student sheets (cg key --roster) ---------------------------------------------------

def sheet_toml(key, student: str, inputs: list, seed, variant: str | None = None) -> str:
    """A student's sheet: the key's problems at the student's inputs, every answer blank ("");
    stamped with the seed and the variant (cgcli.check.variants) so cg grade can tell sheets apart."""
    from .toml import _key, toml_number, toml_string
    lines = [f"# {visible(student)}'s sheet (cg key --seed {seed}): fill in every \"\" with your answer",
             "# (a number, or a constant expression such as \"-1/3\"); leave seed and variant as they are"]
    lines.append(f"seed = {toml_string(str(seed))}")
    if variant is not None:
        lines.append(f"variant = {toml_string(variant)}")
    if key.title:
        lines.append(f"title = {toml_string(key.title)}")
    for p, values in zip(key.problems, inputs):
        lines += ["", "[[problem]]", f"id = {toml_string(p.id)}"]
        if p.title:
            lines.append(f"title = {toml_string(p.title)}")
        src = p.program
        if "\n" in src.strip():
            lines.append(f"program = {toml_string(src if src.endswith(chr(10)) else src + chr(10))}")
        else:
            lines.append(f"expression = {toml_string(src.strip())}")
        if values:
            lines.append("inputs = { " + ", ".join(f"{_key(k)} = {toml_number(v)}" for k, v in values.items()) + " }")
        for kind in ("value", "node", "grad"):
            names = [t.name for t in p.targets if t.kind == kind]
            if kind == "value" and names:
                lines.append('value = ""')
            elif names:
                lines.append(f"{kind} = {{ " + ", ".join(f'{_key(n)} = ""' for n in names) + " }")
    return "\n".join(lines) + "\n"
