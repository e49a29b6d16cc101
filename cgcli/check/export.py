"""The desk's ways out of cg: who a Gradescope submission belongs to (submission_metadata.json
against the roster), and the questions of a key as plain data for the printable sheets and the
Moodle export (views/sheets.py, views/moodle.py render them; nothing here formats).

Gradescope's /autograder/submission_metadata.json
(https://gradescope-autograders.readthedocs.io/en/latest/submission_metadata/) lists the
submitters in "users": [{"email": ..., "id": ..., "name": ..., "sid": ...}]. The roster's first
column is the student (the name cg key --roster and cg grade use); optional columns headed
`email` and `sid` hold what Gradescope knows them by.
"""
from __future__ import annotations

import math

from ..core.errors import InputError

MAX_METADATA_BYTES = 1 << 22


def roster_ids(path: str) -> list:
    """[(student, {email and sid values, lower-cased})] in roster order (read_roster's rules for
    the names: the first column; a header row names the other columns)."""
    import csv
    from ..core.formats import csv_rows, read_text
    from ..core.limits import FileProblem
    from .grade import read_roster
    names = read_roster(path)            # the names, checked (twice listed, not a file name, ...)
    try:
        rows = []
        for _, r, err in csv_rows(read_text(path, bom=True)):
            if err is not None:
                raise err
            if r and r[0].strip():
                rows.append(r)
    except (FileProblem, csv.Error) as e:
        raise InputError(f"cg: cannot read the roster {path}: {getattr(e, 'reason', None) or e}") from None
    cols = []
    if rows and rows[0][0].strip().lower() in ("student", "name"):
        cols = [(k, c.strip().lower()) for k, c in enumerate(rows[0]) if c.strip().lower() in ("email", "sid")]
        rows = rows[1:]
    ids = {}
    for row in rows:
        name = row[0].strip()
        ids[name] = {row[k].strip().lower() for k, _ in cols if k < len(row) and row[k].strip()}
    return [(n, ids.get(n, set())) for n in names]


def student_from_metadata(meta_path: str, roster_path: str | None) -> tuple:
    """(the roster's student, a note or None) for a Gradescope submission: the first user of
    submission_metadata.json whose email or sid is a roster student's email, sid or name.
    InputError (exit 2) when the file is not Gradescope's metadata or no user is on the roster."""
    from ..core.formats import decoder
    try:
        with open(meta_path, "rb") as f:
            data = f.read(MAX_METADATA_BYTES + 1)
    except OSError as e:
        raise InputError(f"cg: cannot read {meta_path}: {e.strerror or e}") from None
    if len(data) > MAX_METADATA_BYTES:
        raise InputError(f"cg: {meta_path} is larger than {MAX_METADATA_BYTES} bytes: not Gradescope's metadata")

    def reject(c):
        raise ValueError(f"{c} is not JSON")
    try:
        doc = decoder(reject=reject)(data.decode("utf-8"))       # the shelf's strict decoder
    except (UnicodeDecodeError, ValueError) as e:
        raise InputError(f"cg: {meta_path}: not JSON: {e}") from None
    users = doc.get("users") if isinstance(doc, dict) else None
    if not isinstance(users, list) or not users or not all(isinstance(u, dict) for u in users):
        raise InputError(f"cg: {meta_path}: no \"users\" list (Gradescope's submission_metadata.json "
                         f"names the submitters there)")
    keys = []
    for u in users:
        mine = set()
        for field in ("email", "sid"):
            v = u.get(field)
            if isinstance(v, (str, int)) and not isinstance(v, bool) and str(v).strip():
                mine.add(str(v).strip().lower())
        keys.append(mine)
    if roster_path is None:
        raise InputError("cg: --metadata finds the student on the roster: give --roster ROSTER.csv "
                         "(first column the student, columns email and/or sid)")
    roster = roster_ids(roster_path)
    found = []
    for mine in keys:
        for name, ids in roster:
            if mine & (ids | {name.lower()}):
                if name not in found:
                    found.append(name)
                break
    if not found:
        who = ", ".join(sorted(k for m in keys for k in m)) or "no email or sid"
        raise InputError(f"cg: {meta_path}: no submitter ({who}) is on the roster {roster_path}",
                         hint="the roster's first column is the student; add columns email and/or sid")
    note = None
    if len(found) > 1:
        note = (f"a group submission ({', '.join(found)}): graded as {found[0]}, the first "
                f"submitter on the roster")
    return found[0], note


# --- a key's questions as data (printable sheets, Moodle) ----------------------------------------

class Question:
    """One answer of a key problem at one set of inputs: what to ask and what is right."""
    __slots__ = ("problem", "target", "kind", "name", "label", "value", "tolerance", "points", "formula")

    def __init__(self, problem, target, kind, name, label, value, tolerance, points, formula):
        self.problem, self.target, self.kind, self.name = problem, target, kind, name
        self.label, self.value, self.tolerance = label, value, tolerance
        self.points, self.formula = points, formula


class Sheet:
    """A key's problems at one student's inputs (or the key's own): per problem its source,
    inputs, Result (for the picture) and Questions."""
    __slots__ = ("title", "student", "seed", "variant", "problems")

    def __init__(self, title, student, seed, variant, problems):
        self.title, self.student, self.seed, self.variant, self.problems = title, student, seed, variant, problems


class SheetProblem:
    __slots__ = ("id", "title", "source", "inputs", "result", "questions", "settings")

    def __init__(self, id, title, source, inputs, result, questions, settings):
        self.id, self.title, self.source, self.inputs = id, title, source, inputs
        self.result, self.questions, self.settings = result, questions, settings


def tolerance_of(value: float, tol) -> float:
    """An absolute tolerance for a plain numerical quiz (Moodle's): cg's |a - v| <= atol + rtol*|v|;
    with `rounded`, half a unit of the coarsest rounding cg accepts (min_sig_figs significant
    figures, or min_decimals decimals when set), so 0.73 passes for 0.7311 as in cg grade."""
    t = tol.atol + tol.rtol * abs(value)
    if tol.rounded and value:
        figs = tol.min_sig_figs
        figs = 2 if figs is None else figs
        if figs:
            t = max(t, 0.5 * 10.0 ** (math.floor(math.log10(abs(value))) - (figs - 1)))
        md = tol.min_decimals
        if md is not None:
            t = max(t, 0.5 * 10.0 ** -md)
    return round_up(t)


def round_up(t: float, figs: int = 3) -> float:
    """t rounded up to `figs` significant figures (a tolerance written short, never tighter)."""
    if not (t > 0 and math.isfinite(t)):
        return t
    unit = 10.0 ** (math.floor(math.log10(t)) - figs + 1)
    return max(math.ceil(t / unit * (1 - 1e-12)) * unit, t)


def key_sheet(key, cli: dict, student=None, seed=None, variant=None, inputs=None) -> Sheet:
    """The key's problems at `inputs` (one dict per problem; default: the key's own, which a
    template does not have) with every answer computed by cg (not the key's written numbers)."""
    from .answers import lookup
    from .grade import Prepared, SubmissionError
    problems = []
    for k, p in enumerate(key.problems):
        at = inputs[k] if inputs is not None else p.inputs
        if inputs is None and p.specs:
            raise InputError(f"cg: {key.path}: problem {p.id} draws {', '.join(p.specs)} per student: "
                             f"give --roster and --seed for per-student sheets")
        prep = Prepared(p, at, cli, key.sheet)
        if prep.error is not None:
            raise SubmissionError(key.path, p.line, None, p.id, prep.error)
        qs = []
        for j, t in enumerate(p.targets):
            v = lookup(prep.result, t.kind, prep.nodes[j])
            tol = tolerance_of(v, prep.tol) if math.isfinite(v) else 0.0
            qs.append(Question(p.id, t.target, t.kind, t.name, prep.labels[j],
                               v, tol, t.points, t.formula))
        problems.append(SheetProblem(p.id, p.title, p.program, dict(prep.result.inputs), prep.result, qs,
                                     {"rounded": bool(prep.tol.rounded)}))
    return Sheet(key.title, student, seed, variant, problems)
