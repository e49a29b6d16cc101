"""Views of a graded class (cgcli.check.grade.ClassGrade): the Rich class summary and per-student
tables, strict JSON (schema "cg.grade/1", README), the CSV gradebook, Gradescope's
results.json, and the blank per-student sheets of `cg key --roster`. They read finished
grades and never compute (the statistics come with the ClassGrade)."""
from __future__ import annotations

import math

from ..core.fmt import fmt
from .text import controls, json_text, safe, visible

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
    import json
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
    return json_text(json.dumps(doc, allow_nan=False, ensure_ascii=False)) + "\n"


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

def gradescope(s) -> dict:
    """Gradescope's results.json for one student: a test per problem."""
    tests = []
    for p in s.problems:
        lines = []
        for m in p.marks:
            verdict = {"right": "right", "wrong": "wrong", "carried": "carried forward",
                       "missing": "missing", "unreadable": "unreadable"}[m.status]
            text = f"{m.label}: {verdict} ({_score(m.score)}/{_score(m.points)})"
            why = _why(m)
            if m.status != "right" and why and why != m.status:
                text += f": {why}"
            lines.append(text)
        title = next((q.title for q in [p] if q.title), None)
        slips = [{"target": m.target, **_slip(m.slip)} for m in p.marks if m.slip]
        tests.append({"name": f"problem {p.id}" + (f": {title}" if title else ""), "score": p.score,
                      "max_score": p.points, "output": "\n".join(lines),
                      "tags": sorted({sl["code"] for sl in slips}), "extra_data": {"slips": slips}})
    out = [f"not asked (not graded): {u}" for u in s.unasked] + [f"warning: {w}" for w in s.warnings]
    doc = {"score": s.score, "tests": tests}
    if out:
        doc["output"] = "\n".join(out)
    return doc


def gradescope_json(cls, one=None) -> str:
    import json
    if one is not None:
        return json_text(json.dumps(gradescope(one), allow_nan=False, ensure_ascii=False, indent=1)) + "\n"
    return json_text(json.dumps({s.student: gradescope(s) for s in cls.students}, allow_nan=False,
                                ensure_ascii=False)) + "\n"


# --- Rich -----------------------------------------------------------------------------------

STUDENT_ROWS = 200          # the class table lists students up to this many


def print_class(cls, console) -> None:
    from rich.table import Table
    from rich.text import Text
    st = cls.stats
    key = cls.key
    if key.title:
        console.print(Text(visible(key.title), style="bold underline"))
    problems = key.problems
    if cls.students and len(cls.students) <= STUDENT_ROWS:
        t = Table(title="students")
        t.add_column("student", no_wrap=True)
        for p in problems:
            t.add_column(f"{p.id} /{_score(p.points)}", justify="right")
        t.add_column(f"total /{_score(key.points)}", justify="right", style="bold")
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
            t.add_row(safe(s.student), *[_score(p.score) for p in s.problems], _score(s.score), ", ".join(notes))
        console.print(t)
    elif cls.students:
        console.print(f"{len(cls.students)} students (the per-student table shows at most {STUDENT_ROWS}: "
                      f"--format csv writes the gradebook, --student NAME one student)")
    a = Table(title="answers: which step the class gets wrong")
    for col, just in (("problem", "left"), ("answer", "left"), ("points", "right"), ("right", "right"),
                      ("wrong", "right"), ("carried", "right"), ("missing", "right"),
                      ("unreadable", "right"), ("mean", "right")):
        a.add_column(col, justify=just, no_wrap=True)
    n = st["students"]
    for p, ps in zip(problems, st["problems"]):
        for k, (t, ans) in enumerate(zip(p.targets, ps["answers"])):
            rate = ans["success_rate"]
            style = "green" if rate == rate and rate >= 0.8 else ("red" if rate == rate and rate < 0.5 else "yellow")
            a.add_row(safe(p.id) if k == 0 else "", t.target + (" (formula)" if t.formula else ""), _score(t.points),
                      Text(f"{rate:.0%}" if rate == rate else "—", style=style), str(ans["wrong"]),
                      str(ans["carried"]), str(ans["missing"]), str(ans["unreadable"]),
                      f"{_score(ps['mean'])} / {_score(p.points)}" if k == 0 else "")
    console.print(a)
    if n:
        console.print(Text(f"{n} student{'s' if n != 1 else ''} graded: mean {_score(st['mean'])}, median "
                           f"{_score(st['median'])}, min {_score(st['min'])}, max {_score(st['max'])} "
                           f"of {_score(st['points'])} points", style="bold"))
    else:
        console.print(Text("no submission could be graded", style="bold red"))
    if cls.errors:
        console.print(Text(f"{len(cls.errors)} submission{'s' if len(cls.errors) != 1 else ''} could not be "
                           f"graded (listed on stderr)", style="bold red"))
    print_misconceptions(getattr(cls, "misconceptions", []), console)


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


_VERDICT = {"right": ("✓ right", "green"), "wrong": ("✗ wrong", "bold red"),
            "carried": ("~ carried forward", "yellow"), "missing": ("✗ missing", "bold red"),
            "unreadable": ("✗ unreadable", "bold red")}


def print_student(s, console, precision=None) -> None:
    from rich.table import Table
    from rich.text import Text
    console.print(Text(f"student {visible(s.student)}: {_score(s.score)} / {_score(s.points)} points", style="bold"))
    for p in s.problems:
        head = f"problem {visible(p.id)}" + (f" ({visible(p.title)})" if p.title else "") + f": {_score(p.score)} / {_score(p.points)}"
        src = visible("; ".join(line.strip() for line in p.expression.strip().splitlines() if line.strip()))
        head += f"  {src if len(src) <= 120 else src[:117] + '...'}"
        if p.inputs:
            head += "  at  " + ", ".join(f"{k} = {fmt(v, precision)}" for k, v in p.inputs.items())
        t = Table(title=head, title_justify="left")
        t.add_column("answer", no_wrap=True)
        t.add_column("given", justify="right", no_wrap=True)
        t.add_column("cg's value", justify="right", style="green", no_wrap=True)
        t.add_column("verdict", no_wrap=True)
        t.add_column("points", justify="right", no_wrap=True)
        t.add_column("feedback")
        for m in p.marks:
            word, style = _VERDICT[m.status]
            t.add_row(safe(m.label), safe(m.given) if m.given is not None else "—", fmt(m.got, precision),
                      Text(word, style=style), f"{_score(m.score)}/{_score(m.points)}",
                      "" if m.status == "right" else Text(controls(_why(m) or "")))
        console.print(t)
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

def sheet_toml(key, student: str, inputs: list, seed) -> str:
    """A student's sheet: the key's problems at the student's inputs, every answer blank ("")."""
    from .toml import _key, toml_number, toml_string
    lines = [f"# {visible(student)}'s sheet (cg key --seed {seed}): fill in every \"\" with your answer",
             "# (a number, or a constant expression such as \"-1/3\")"]
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
