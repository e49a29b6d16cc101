"""Keys as keys: telling a teacher's key from a student's sheet, and the teacher's self-check.

`cg check KEY.toml` grades the key's own numbers against cg's (a key is a homework sheet with
grading settings: points, decimals, ranges); `cg grade` refuses a key found among the
submissions by name. Both read the key with cgcli.check.grade.read_key.
"""
from __future__ import annotations

from ..core.errors import CgError
from .variants import is_key_file, key_marks  # noqa: F401  (the self-check's test: is it a key?)


class SelfCheck:
    """The key graded against cg: a Report per problem with fixed inputs (the key's own numbers
    as the answers; blank ones are left out), and the problems whose inputs are drawn."""

    def __init__(self, key, reports, drawn, blanks):
        self.key, self.reports, self.drawn, self.blanks = key, reports, drawn, blanks


def self_check(path: str, cli: dict) -> SelfCheck:
    """Read the key (SubmissionError, exit 2, at its first mistake) and grade its numbers."""
    from . import answers, grading
    from .grade import Prepared, SubmissionError, read_key
    key = read_key(path)
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
