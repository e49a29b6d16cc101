"""What cg check, cg grade and cg key decide beyond the grading core, from a command's options
(cli/check_run.py and cli/grade_run.py only wire these to a view): the tolerance and the key
overrides from the options, one problem and a homework sheet graded into Reports, the one sheet
of a Gradescope upload, each student's drawn inputs, the roster a class is graded with, and
each student's results folder. Nothing here prints.
"""
from __future__ import annotations

import os

from ..core.errors import CgError, InputError


def tolerance(cli_tol: dict):
    """The Tolerance of one problem on the command line: the defaults, then the options given."""
    from .answers import Tolerance
    tol = Tolerance()
    for k, v in cli_tol.items():
        if v is not None:
            setattr(tol, k, v)
    return tol


def cli_answers(value, grads: list, nodes: list) -> list:
    """--value, --node NAME=ANSWER and --grad NAME=ANSWER as Answers."""
    from .answers import answer_from_text, split_answer
    answers = []
    if value is not None:
        answers.append(answer_from_text("value", None, value))
    for spec in nodes:
        name, val = split_answer(spec, "--node")
        answers.append(answer_from_text("node", name, val))
    for spec in grads:
        name, val = split_answer(spec, "--grad")
        answers.append(answer_from_text("grad", name, val))
    return answers


def get_targets(graph, specs: list) -> list:
    """Resolve --get TARGETs against the graph before any pass runs (unknown: exit 2)."""
    from .answers import node_names, parse_target, resolve
    names = node_names(graph)
    out = []
    for spec in specs:
        kind, name = parse_target(spec)
        out.append((kind, resolve(graph, kind, name, names)))
    return out


def grade_problem(graph, inputs: dict, answers: list, tol, ecf=None):
    """One problem on the command line: its answers' targets checked, the passes run, graded."""
    from .grading import Report, check_targets, grade
    from ..core.passes import run
    check_targets(graph, answers)
    result = run(graph, inputs)
    return Report(result=result, rows=grade(result, answers, tol, ecf), tolerance=tol)


def grade_sheet(path: str, sheet: dict, problems: list, errors: list, cli_tol: dict, ecf=None) -> list:
    """A student's homework sheet: one Report per problem that runs (a problem whose passes
    fail is added to `errors`, which is then sorted by line)."""
    from . import homework
    from .grading import Report, grade
    from ..core.passes import run
    reports = []
    for p in problems:
        tol = p.tolerance(cli_tol, sheet)
        try:
            result = run(p.graph, p.inputs)
        except CgError as e:
            errors.append(homework.ProblemError(path, p.line, p.id, e))
            continue
        reports.append(Report(p.id, result, grade(result, p.answers, tol, p.option("ecf", {"ecf": ecf}, sheet)),
                              tolerance=tol,
                              line=p.line, title=p.title))
    errors.sort(key=lambda e: getattr(e, "line", None) or 0)
    return reports


def key_overrides(cli_tol: dict, ecf) -> dict:
    """The options that override a key's settings (--rtol, --atol, --rounded, --ecf)."""
    cli = {k: v for k, v in cli_tol.items() if v is not None}
    if ecf is not None:
        if not 0 <= ecf <= 1:
            raise InputError(f"cg: --ecf must be from 0 to 1, got {ecf:g}")
        cli["ecf"] = ecf
    return cli


def full_marks(s) -> bool:
    """cg check SHEET --key KEY passes: every point earned and every answer right."""
    return s.score == s.points and all(m.status == "right" for p in s.problems for m in p.marks)


def one_sheet(source: str) -> str:
    """The one *.toml sheet of a Gradescope submission (a file, or a folder holding one)."""
    if not os.path.isdir(source):
        return source
    try:
        sheets = sorted(n for n in os.listdir(source) if n.endswith(".toml"))
    except OSError as e:
        raise InputError(f"cg: cannot read the folder {source}: {e.strerror or e}") from None
    if len(sheets) != 1:
        raise InputError(f"cg: the submission {source} holds {len(sheets)} *.toml sheets: upload exactly one"
                         + (f" (found: {', '.join(sheets[:5])})" if sheets else ""))
    return os.path.join(source, sheets[0])


def student_inputs(key, seed, name) -> tuple:
    """A student's drawn inputs per problem of `key` and the sheet's variant fingerprint."""
    from . import grade as g
    from .variants import fingerprint
    inputs = [g.draw_inputs(p, seed, name, p.setting("decimals", {}, key.sheet, 1)) for p in key.problems]
    return inputs, fingerprint([(p.id, i) for p, i in zip(key.problems, inputs)])


def class_roster(key, roster, seed) -> tuple:
    """The roster a class is graded with (its names when --roster and --seed are both given and
    the key draws inputs, else None) and whether a roster was given that changes nothing."""
    from . import grade as g
    names = g.read_roster(roster) if roster is not None and seed is not None else None
    return (names if key.drawn else None), (names is not None and not key.drawn)


def results_folder(student: str) -> str:
    """A student's Gradescope results folder: a name from a submission is never a path."""
    from ..core.filenames import safe_name
    return safe_name(student)
