"""The teacher's self-check: `cg check KEY.toml` grades the key's own numbers against cg's.

A key is a homework sheet with grading settings (points, decimals, ranges); telling one from a
student's sheet is cgcli.check.variants.key_marks (which cg grade also uses to refuse a key
among the submissions). Sheets and keys are read by the one reader, cgcli.check.homework.read
(in its SHEET or KEY mode); `read` picks the mode a file needs (cgcli.check.sheet holds the
fields, the status words and the one problem type).
"""
from __future__ import annotations

from ..core.errors import CgError


def read(path: str, as_key: bool | None = None):
    """Read a sheet or a key: ("key", cgcli.check.grade.Key) when the file carries a key's marks
    (cgcli.check.variants.is_key_file) or `as_key` (cg grade's key argument), else ("sheet",
    (sheet settings, problems, errors)). Both come from the one reader, cgcli.check.homework.read
    (its KEY mode stops at the first mistake, its SHEET mode collects them), and both hold
    cgcli.check.sheet.Problem objects. Errors are the reader's own (located, exit 2)."""
    from .variants import is_key_file
    if as_key or (as_key is None and is_key_file(path)):
        from .grade import read_key
        return "key", read_key(path)
    from .homework import read as read_homework
    return "sheet", read_homework(path)


class SelfCheck:
    """The key graded against cg: a Report per problem with fixed inputs (the key's own numbers
    as the answers; blank ones are left out), and the problems whose inputs are drawn."""

    def __init__(self, key, reports, drawn, blanks):
        self.key, self.reports, self.drawn, self.blanks = key, reports, drawn, blanks


def self_check(path: str, cli: dict, key=None) -> SelfCheck:
    """Read the key (SubmissionError, exit 2, at its first mistake) unless given, and grade its numbers."""
    from . import answers, grading
    from .grade import Prepared, SubmissionError, read_key
    key = read_key(path) if key is None else key
    reports, drawn, blanks = [], [], []
    for p in key.problems:
        if p.specs:
            drawn.append(p)
            continue
        prep = Prepared(p, p.inputs, cli, key.sheet)
        if prep.error is not None:
            raise SubmissionError(path, p.line, None, p.id, prep.error)
        rows = []
        for t in p.targets:
            if t.key is None or (isinstance(t.key, str) and not t.key.strip()):
                blanks.append(f"{p.id} {t.target}")
                continue
            try:
                a = answers.make_answer(t.kind, t.name, t.key, formula=t.formula)
            except CgError as e:
                raise SubmissionError(path, p.line, None, p.id, e) from None
            rows.append(grading.grade_one(prep.result, a, prep.tol, prep.names, prep.out))
        reports.append(grading.Report(p.id, prep.result, rows, tolerance=prep.tol, line=p.line, title=p.title))
    return SelfCheck(key, reports, drawn, blanks)
