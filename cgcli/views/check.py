"""Views of graded answers (cgcli.check.grading.Report): a Rich table per problem, and the strict
JSON report, schema "cg.check/1" (README). They read finished Reports and never compute."""
from __future__ import annotations

from ..check.sheet import CARRIED, check_word
from ..core.fmt import PRECISION, apart, fmt, json_number as _n
from ..core.formats import quote
from .text import safe, visible

SCHEMA = "cg.check/1"


# --- JSON ------------------------------------------------------------------------------------

def _answer_json(row) -> str:
    a = row.answer
    tol = row.tolerance
    t = f'"mode": "{row.mode}", "rtol": {_n(tol.rtol)}, "atol": {_n(tol.atol)}'
    if row.mode == "rounded":
        t += f', "decimals": {-a.exponent}'
        t += f', "min_sig_figs": {tol.min_sig_figs}'
        if tol.min_decimals is not None:
            t += f', "min_decimals": {tol.min_decimals}'
    t += f', "allowed": {_n(row.allowed)}'
    msg = quote(row.message) if row.message else "null"
    fb = quote(row.feedback) if row.feedback else "null"
    formula = ', "formula": true' if a.formula else ""
    slip = slip_json(getattr(row, "slip", None)) if not row.ok else "null"
    return (f'{{"target": {quote(a.target)}, "label": {quote(row.label)}, "answer": {quote(a.text)}{formula}, '
            f'"expected": {_n(row.given)}, "got": {_n(row.got)}, "ok": {"true" if row.ok else "false"}, '
            f'"tolerance": {{{t}}}, "message": {msg}, "feedback": {fb}, "slip": {slip}, '
            f'"credit": {_n(row.credit)}, "status": {quote(check_word(row.status))}}}')


def slip_json(slip) -> str:
    """A slip (cgcli.check.slips.slip_dict) as strict JSON, or null."""
    if not slip:
        return "null"
    parts = []
    for k, v in slip.items():
        if k == "also":
            parts.append(f'"also": [{", ".join(slip_json(o) for o in v)}]')
        elif isinstance(v, str):
            parts.append(f'{quote(k)}: {quote(v)}')
        elif v is None:
            parts.append(f'{quote(k)}: null')
        else:
            parts.append(f'{quote(k)}: {_n(v)}')
    return "{" + ", ".join(parts) + "}"


def _counts(total: int, correct: int, passed: bool, credit: float | None = None) -> str:
    return (f'"passed": {"true" if passed else "false"}, "total": {total}, "correct": {correct}, '
            f'"wrong": {total - correct}, "credit": {_n(correct if credit is None else credit)}')


def _inputs(inputs: dict) -> str:
    return "{" + ", ".join(f"{quote(k)}: {_n(v)}" for k, v in inputs.items()) + "}"


def problem_fields(rep) -> str:
    """The keys of one graded problem (shared by the one-problem report and homework)."""
    r = rep.result
    return (f'"expression": {quote(r.graph.source)}, "inputs": {_inputs(r.inputs)}, '
            f'"value": {_n(r.value)}, {_counts(len(rep.rows), rep.correct, rep.passed, rep.credit)}, '
            f'"answers": [{", ".join(_answer_json(row) for row in rep.rows)}]')


def problem_json(rep, extra: str = "") -> str:
    """`extra`: more members as JSON text (", \"verify\": {...}" from cg check --verify)."""
    return f'{{"schema": "{SCHEMA}", {problem_fields(rep)}{extra}}}\n'


def homework_json(path: str, sheet: dict, reports: list, errors: list, extra: str = "") -> str:
    total = sum(len(r.rows) for r in reports)
    correct = sum(r.correct for r in reports)
    credit = sum(r.credit for r in reports)
    passed = not errors and all(r.passed for r in reports)
    probs = []
    for rep in reports:
        title = f', "title": {quote(rep.title)}' if rep.title else ""
        probs.append(f'{{"id": {quote(rep.id)}{title}, {problem_fields(rep)}}}')
    errs = []
    for e in errors:
        problem = getattr(e, "problem", None)
        line = getattr(e, "line", None)
        errs.append(f'{{"problem": {quote(problem) if problem is not None else "null"}, '
                    f'"line": {line if line is not None else "null"}, '
                    f'"message": {quote(getattr(e, "detail", e.message.removeprefix("cg: ")))}, '
                    f'"exit_code": {e.exit_code}}}')
    title = f'"title": {quote(sheet["title"])}, ' if sheet.get("title") else ""
    return (f'{{"schema": "{SCHEMA}", "file": {quote(path)}, {title}{_counts(total, correct, passed, credit)}, '
            f'"problems_total": {len(reports) + len(errors)}, '
            f'"problems_passed": {sum(1 for r in reports if r.passed)}, '
            f'"problems": [{", ".join(probs)}], "errors": [{", ".join(errs)}]{extra}}}\n')


def submission_json(lineno: int, sid, rep) -> str:
    """One verdict line for a submission in a JSON Lines batch (cg check --points)."""
    idpart = f', "id": {_id(sid)}' if sid is not None else ""
    return (f'{{"schema": "{SCHEMA}", "line": {lineno}{idpart}, '
            f'"value": {_n(rep.result.value)}, {_counts(len(rep.rows), rep.correct, rep.passed, rep.credit)}, '
            f'"answers": [{", ".join(_answer_json(row) for row in rep.rows)}]}}\n')


def _id(sid) -> str:
    if isinstance(sid, str):
        return quote(sid)
    return str(sid) if isinstance(sid, int) else _n(sid)


def homework_errors(errors: list, reports: list) -> str:
    """A sheet's problems that cannot be graded (without --keep-going), for stderr."""
    lines = [e.render() for e in errors]
    if reports:
        s = "s" if len(reports) != 1 else ""
        lines.append(f"cg: {len(errors)} problem{'s' if len(errors) != 1 else ''} cannot be graded; "
                     f"--keep-going grades the other {len(reports)} problem{s} anyway")
    return "".join(line + "\n" for line in lines)


def verify_json(reports: list, verified: list) -> str:
    """The homework report's "verify" field: each problem's finite-difference check."""
    from .symbolic import check_json
    return ', "verify": {' + ", ".join(f"{quote(str(r.id))}: {check_json(v)}"
                                       for r, v in zip(reports, verified)) + "}"


def print_verified(reports: list, verified: list, precision=None) -> None:
    """Each problem's finite-difference check, after the homework table."""
    from .rich import console
    from .symbolic import print_check
    for r, v in zip(reports, verified):
        console().print(f"problem {r.id}:")
        print_check(v, precision)


class SubmissionWriter:
    """The text of cg check --points's lines (check/points.py decides them): a verdict line
    per graded submission, an error line (the cg.points/1 error shape, schema cg.check/1)
    per line that could not be graded."""
    schema = SCHEMA

    @staticmethod
    def line(lineno: int, sid, rep) -> str:
        return submission_json(lineno, sid, rep)

    @staticmethod
    def id_field(sid) -> str:
        """The error line's "id" field, when the line gave one."""
        return f', "id": {_id(sid)}' if sid is not None else ""

    @staticmethod
    def error(lineno: int, err, extra: str = "", schema: str = SCHEMA) -> str:
        from .points import error_line
        return error_line(lineno, err, extra, schema)


# --- Rich ------------------------------------------------------------------------------------

def _heading(rep, precision=None):
    from rich.text import Text
    r = rep.result
    t = Text()
    if rep.id is not None:
        t.append(f"problem {visible(rep.id)}", style="bold")
        if rep.title:
            t.append(f" ({visible(rep.title)})")
        t.append(": ")
    src = visible("; ".join(line.strip() for line in r.graph.source.strip().splitlines() if line.strip()))
    t.append(src if len(src) <= 200 else src[:197] + "...", style="bold")
    if r.inputs:
        t.append("  at  ")
        t.append(", ".join(f"{k} = {fmt(v, precision)}" for k, v in r.inputs.items()))
    return t


def problem_table(rep, precision=None):
    from rich.table import Table
    from rich.text import Text
    digits = PRECISION if precision is None else precision
    t = Table()
    t.add_column("answer", overflow="fold")
    t.add_column("expected", justify="right", overflow="fold")
    t.add_column("cg's value", justify="right", style="green", no_wrap=True)
    t.add_column("verdict", no_wrap=True)
    for row in rep.rows:
        if row.ok:
            how = " (rounded)" if row.mode == "rounded" and not row.close else ""
            how = " (formula)" if row.mode == "formula" else how
            verdict = Text("✓ right" + how, style="green")
        elif row.status == CARRIED:
            verdict = Text(f"~ carried forward ({fmt(row.credit)})", style="bold yellow")
        else:
            verdict = Text("✗ wrong", style="bold red")
        got = fmt(row.got, digits) if row.ok else apart(row.got, row.given, digits)
        t.add_row(safe(row.label), safe(row.answer.text), got, verdict)
    return t


def print_problem(rep, console, precision=None, summary: bool = True) -> None:
    from rich.text import Text
    console.print(_heading(rep, precision))
    console.print(problem_table(rep, precision))
    for row in rep.rows:
        if not row.ok:
            console.print(Text(f"wrong: {row.message}", style="red"))
            slip = getattr(row, "slip", None)
            if row.feedback and not (slip and slip["code"] == "carried"):   # the message says it
                console.print(Text(f"  why: {row.feedback}", style="yellow"))
    for w in rep.result.warnings:
        console.print(Text(f"warning: {w}", style="yellow"))
    if summary:
        console.print(_summary(len(rep.rows), rep.correct, _credit(rep.credit, rep.correct)))


def _credit(credit: float, correct: int) -> str:
    return f" (credit {fmt(round(credit, 6))})" if credit != correct else ""


def _summary(total: int, correct: int, extra: str = ""):
    from rich.text import Text
    style = "bold green" if correct == total else "bold red"
    return Text(f"{correct}/{total} answer{'s' if total != 1 else ''} correct{extra}", style=style)


def print_homework(path: str, sheet: dict, reports: list, errors: list, console, precision=None) -> None:
    from rich.text import Text
    if sheet.get("title"):
        console.print(Text(visible(sheet["title"]), style="bold underline"))
    for k, rep in enumerate(reports):
        if k:
            console.print()
        print_problem(rep, console, precision, summary=False)
    total = sum(len(r.rows) for r in reports)
    correct = sum(r.correct for r in reports)
    n = len(reports) + len(errors)
    extra = _credit(sum(r.credit for r in reports), correct)
    extra += f" in {len(reports)} problem{'s' if len(reports) != 1 else ''}"
    extra += f"; {sum(1 for r in reports if r.passed)}/{n} problems passed"
    if errors:
        extra += f"; {len(errors)} could not be graded"
    if reports:
        console.print()
    console.print(_summary(total, correct, extra) if not errors else
                  Text(f"{correct}/{total} answers correct{extra}", style="bold red"))


# --- a key's self-check (cg check KEY.toml) ----------------------------------------------------

def _key_notes(sc) -> list:
    notes = []
    for p in sc.drawn:
        names = ", ".join(p.specs)
        notes.append(f"problem {p.id} draws {names} per student: no numbers of its own to check "
                     f"(cg grade ... --roster R --seed S grades each student at theirs)")
    if sc.blanks:
        notes.append(f"left blank in the key (cg computes them when grading): {', '.join(sc.blanks)}")
    return notes


def print_key_check(sc, console, precision=None) -> None:
    """The key's own numbers against cg's: the homework tables, then what was not checked."""
    from rich.text import Text
    console.print(Text(f"{sc.key.path}: a key; its own answers checked against cg's", style="bold"))
    print_homework(sc.key.path, {"title": sc.key.title}, sc.reports, [], console, precision)
    for n in _key_notes(sc):
        console.print(Text(n, style="yellow"))


def key_check_json(sc) -> str:
    """cg.check/1 for a key's self-check: the homework report plus "key": {drawn, blank}."""
    drawn = ", ".join(quote(p.id) for p in sc.drawn)
    blank = ", ".join(quote(b) for b in sc.blanks)
    extra = f', "key": {{"drawn": [{drawn}], "blank": [{blank}]}}'
    return homework_json(sc.key.path, {"title": sc.key.title}, sc.reports, [], extra)
