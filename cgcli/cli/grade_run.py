"""What runs behind cg grade, cg check SHEET --key KEY and cg key TEMPLATE --roster (the
commands are declared in cli/check.py; this module is imported only when one of them runs).

Exit codes: cg grade 0 when every submission was graded (whatever the scores), 2 when a key or
a submission is malformed (with --keep-going the others are still graded and reported);
cg check --key 0 full marks, 1 any answer not right, 2 bad input.
"""
from __future__ import annotations

import os
import sys

from ..core.errors import InputError

def _report_errors(cls, keep_going: bool) -> None:
    from ..views.grade import error_lines
    sys.stderr.write(error_lines(cls, keep_going))


def _collector_paused(run):
    def paused(*args, **kwargs):          # the class and its views: see check.grade.collector_paused
        from ..check.grade import collector_paused
        return collector_paused(run)(*args, **kwargs)
    return paused


@_collector_paused
def grade(key_path: str, source: str, request) -> int:
    """cg grade KEY SUBMISSIONS with cli/check.py's GradeRequest; the exit code."""
    r = request
    student, detail, view, out_dir, keep_going = r.student, r.detail, r.view, r.out_dir, r.keep_going
    roster, seed, cli_tol, ecf, precision = r.roster, r.seed, r.cli_tol, r.ecf, r.precision
    visibility, metadata = r.visibility, r.metadata
    import time
    from ..check import grade as g, tasks
    start = time.monotonic()
    request.check()
    cli = tasks.key_overrides(cli_tol or {}, ecf)
    key = g.read_key(key_path)
    as_student = None
    if metadata is not None:
        from ..check.export import student_from_metadata
        as_student, note = student_from_metadata(metadata, roster)
        if note:
            print(f"cg: {note}", file=sys.stderr)
        try:
            source = tasks.one_sheet(source)
        except InputError as e:          # the student's upload: say so in results.json too
            from ..views.grade import gradescope_error_json
            sys.stdout.write(gradescope_error_json([g.SubmissionError(None, err=e)], time.monotonic() - start))
            raise
        if key.drawn and seed is None:
            raise InputError(f"cg: {key_path} draws inputs per student: give --seed (the one the sheets were made with)")
    names, unused = tasks.class_roster(key, roster, seed)
    if unused and metadata is None:
        print(f"cg: warning: {key_path} draws no inputs from ranges; --roster and --seed change nothing",
              file=sys.stderr)
    cls = g.grade_class(key, source, cli, names, seed, only=student, as_student=as_student)
    for w in cls.warnings:
        print(f"cg: warning: {key_path}: {w}", file=sys.stderr)
    if metadata is not None and cls.errors:
        from ..views.grade import gradescope_error_json
        sys.stdout.write(gradescope_error_json(cls.errors, time.monotonic() - start))
        _report_errors(cls, False)
        return g.exit_code(cls)
    if cls.errors and not keep_going:
        _report_errors(cls, False)
        return g.exit_code(cls)
    chosen = cls.students
    if view == "json":
        from ..views.grade import grade_json
        sys.stdout.write(grade_json(cls))
    elif view == "csv":
        from ..views.grade import write_csv
        write_csv(cls, sys.stdout)
    elif view == "gradescope":
        from ..views.grade import gradescope_json
        elapsed = time.monotonic() - start
        if out_dir is not None:
            _write_gradescope(cls, out_dir, visibility, elapsed)
        else:
            one = chosen[0] if (student is not None or metadata is not None) and chosen else None
            sys.stdout.write(gradescope_json(cls, one, visibility, elapsed))
    else:
        from ..views.grade import print_grade
        from ..views.rich import table_console
        print_grade(cls, chosen, student is not None, detail, table_console(), precision)
    _report_errors(cls, True)
    return g.exit_code(cls)


def _write_gradescope(cls, out_dir: str, visibility=None, elapsed=None) -> None:
    from ..check.tasks import results_folder
    from ..views.grade import gradescope_json
    from ..views.text import visible
    for s in cls.students:
        folder = results_folder(s.student)
        if folder != s.student:
            print(f"cg: note: student '{visible(s.student)}' is written as {out_dir}/{folder}/results.json",
                  file=sys.stderr)
        d = os.path.join(out_dir, folder)
        try:
            os.makedirs(d, exist_ok=True)
            with open(os.path.join(d, "results.json"), "w", encoding="utf-8") as f:
                f.write(gradescope_json(cls, s, visibility, elapsed))
        except OSError as e:
            raise InputError(f"cg: cannot write {d}/results.json: {e.strerror or e}") from None
    print(f"cg: wrote {len(cls.students)} results.json under {out_dir}", file=sys.stderr)


def check_with_key(sheet: str, key_path: str, *, json_out=False, cli_tol=None, ecf=None,
                   precision=None) -> int:
    """cg check SHEET --key KEY: one student's sheet graded as cg grade grades it."""
    from ..check import grade as g, tasks
    if not sheet.endswith(".toml") or os.path.isdir(sheet):
        raise InputError("cg: --key grades a student's sheet: give the sheet (*.toml) and --key KEY.toml")
    cli = tasks.key_overrides(cli_tol or {}, ecf)
    key = g.read_key(key_path)
    if key.drawn:
        raise InputError(f"cg: {key_path} draws inputs per student: grade the sheet with "
                         f"cg grade {key_path} {sheet} --roster ROSTER.csv --seed S --student NAME")
    cls = g.grade_class(key, sheet, cli)
    if cls.errors:
        _report_errors(cls, False)
        return g.exit_code(cls)
    s = cls.students[0]
    if json_out:
        from ..views.grade import grade_json
        sys.stdout.write(grade_json(cls))
    else:
        from ..views.grade import print_student
        from ..views.rich import table_console
        print_student(s, table_console(), precision)
    return 0 if tasks.full_marks(s) else 1


def make_sheets(template: str, roster: str, seed, out_dir: str, view: str = "toml") -> int:
    """cg key TEMPLATE --roster R --seed S --out DIR [--format md|tex|pdf]: one blank sheet per
    student (TOML, for cg grade; or printable, with the teacher's answer sheet)."""
    if view != "toml":
        return _printable(template, roster, seed, out_dir, view)
    from ..check import grade as g
    from ..check.tasks import student_inputs
    from ..views.grade import sheet_toml
    key = g.read_key(template)
    names = g.read_roster(roster)
    if not key.drawn:
        print(f"cg: warning: {template} draws no inputs from ranges: every sheet has the same numbers",
              file=sys.stderr)
    try:
        os.makedirs(out_dir, exist_ok=True)
    except OSError as e:
        raise InputError(f"cg: cannot create {out_dir}: {e.strerror or e}") from None
    for name in names:
        inputs, variant = student_inputs(key, seed, name)
        path = os.path.join(out_dir, f"{name}.toml")
        try:
            with open(path, "w", encoding="utf-8") as f:
                f.write(sheet_toml(key, name, inputs, seed, variant))
        except OSError as e:
            raise InputError(f"cg: cannot write {path}: {e.strerror or e}") from None
    print(f"cg: wrote {len(names)} sheets under {out_dir}", file=sys.stderr)
    return 0


SHEET_FORMATS = ("md", "tex", "pdf")


def export_key(args: list, sets: list, view: str, roster, seed, out_dir) -> int:
    """cg key KEY.toml --format moodle|md|tex|pdf (cli/check.py's key command with --format)."""
    formats = ("toml", "moodle") + SHEET_FORMATS
    if view not in formats:
        raise InputError(f"cg: unknown --format {view!r} for cg key", hint=f"formats: {', '.join(formats)}")
    if len(args) != 1 or not args[0].endswith(".toml") or sets:
        raise InputError(f"cg: --format {view} exports a key file: cg key KEY.toml --format {view}"
                         + (" --out DIR [--roster ROSTER.csv --seed S]" if view in SHEET_FORMATS else ""))
    if view == "moodle":
        if roster is not None or seed is not None or out_dir is not None:
            raise InputError("cg: --format moodle writes one quiz to stdout (the key's own inputs): "
                             "leave out --roster, --seed and --out")
        return export_moodle(args[0])
    if out_dir is None:
        raise InputError(f"cg: --format {view} writes files: give --out DIR")
    if (roster is None) != (seed is None):
        raise InputError("cg: --roster and --seed go together")
    return _printable(args[0], roster, seed, out_dir, view)


def export_moodle(path: str) -> int:
    from ..check import grade as g
    from ..check.export import key_sheet
    from ..views.moodle import moodle_xml
    from ..views.sheets import picture
    key = g.read_key(path)
    sheet = key_sheet(key, {})
    pictures = {}
    for p, kp in zip(sheet.problems, key.problems):
        svg = picture(kp.graph, "svg")
        if svg is not None:
            pictures[p.id] = svg
    if not pictures:
        print("cg: Graphviz's dot is not installed: the questions have no picture of the graph", file=sys.stderr)
    text, skipped = moodle_xml(sheet, pictures)
    sys.stdout.write(text)
    for s in skipped:
        print(f"cg: warning: {s}: no numerical question for it (left out)", file=sys.stderr)
    return 0


def _printable(path: str, roster, seed, out_dir: str, view: str) -> int:
    """Each student's problem sheet (or the key's one sheet without a roster) and the answer sheet."""
    import shutil
    from ..check import grade as g
    from ..check.export import key_sheet
    from ..check.tasks import student_inputs
    from ..views import sheets as V
    if view == "pdf" and shutil.which("pdflatex") is None:
        raise InputError("cg: --format pdf needs pdflatex (TeX Live), which is not installed",
                         hint="install it (e.g. apt-get install texlive-latex-recommended), or write "
                              "--format tex and compile the .tex files elsewhere")
    key = g.read_key(path)
    names = g.read_roster(roster) if roster is not None else [None]
    if names == [None] and key.drawn:
        raise InputError(f"cg: {path} draws inputs per student: give --roster ROSTER.csv --seed S")
    try:
        os.makedirs(out_dir, exist_ok=True)
    except OSError as e:
        raise InputError(f"cg: cannot create {out_dir}: {e.strerror or e}") from None
    kind = "svg" if view == "md" else "pdf"
    pictures = {}
    for p in key.problems:                # one picture per problem: the structure is everyone's
        data = V.picture(p.graph, kind)
        if data is not None:
            pictures[p.id] = V.picture_name(p.id, kind)
            _write(os.path.join(out_dir, pictures[p.id]), data)
    if not pictures:
        print("cg: Graphviz's dot is not installed: the sheets have no picture of the graph", file=sys.stderr)
    sheets = []
    for name in names:
        if name is None:
            sheets.append(key_sheet(key, {}))
            continue
        inputs, variant = student_inputs(key, seed, name)
        sheets.append(key_sheet(key, {}, name, seed, variant, inputs))
    ext = "md" if view == "md" else "tex"
    render, answers = (V.sheet_md, V.answers_md) if view == "md" else (V.sheet_tex, V.answers_tex)
    files = []
    for sh in sheets:
        files.append(os.path.join(out_dir, f"{sh.student or 'sheet'}.{ext}"))
        _write(files[-1], render(sh, pictures).encode("utf-8"))
    files.append(os.path.join(out_dir, f"answers.{ext}"))
    _write(files[-1], answers(sheets).encode("utf-8"))
    if view == "pdf":
        for f in files:
            why = V.compile_pdf(f)
            if why is not None:
                raise InputError(f"cg: {why}")
    n = len(sheets)
    print(f"cg: wrote {n} sheet{'s' if n != 1 else ''} and the answer sheet (answers.{'pdf' if view == 'pdf' else ext}) "
          f"under {out_dir}", file=sys.stderr)
    return 0


def _write(path: str, data: bytes) -> None:
    try:
        with open(path, "wb") as f:
            f.write(data)
    except OSError as e:
        raise InputError(f"cg: cannot write {path}: {e.strerror or e}") from None
