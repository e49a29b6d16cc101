"""cg check (grade answers: one problem, a homework file, or a JSON Lines batch of
submissions), cg key (an answer key as homework TOML), and cg eval's scripting outputs
(--get, --points, --format toml), which cli.eval_cmd hands over to the functions here.

Exit codes: 0 every answer right, 1 any answer wrong, 2 bad input, 3 math domain error.
Imported on every `cg` call: module level stays light (typer and cg's own cli only).
"""
from dataclasses import dataclass, field
from typing import List, Optional

import typer

from .app import OUTPUT_OPTION, SET_OPTION, _VAR_OPTIONS, app, expr_argument
from .app import MAX_FILE_SIZE_OPTION, MAX_NODES_OPTION, set_limits


# --- cg check ---------------------------------------------------------------------------------

@dataclass
class CheckRequest:
    """cg check's options after the program's argv (cli/check_run.check reads it)."""
    value: Optional[str] = None
    grads: list = field(default_factory=list)
    nodes: list = field(default_factory=list)
    cli_tol: dict = field(default_factory=dict)    # rtol, atol, rounded, min_sig_figs, min_decimals
    json_out: bool = False
    keep_going: bool = False
    points: Optional[str] = None
    precision: Optional[int] = None
    verify: bool = False
    ecf: Optional[float] = None
    output: Optional[str] = None


@app.command("check", context_settings=_VAR_OPTIONS)
def check_cmd(
    args: Optional[List[str]] = typer.Argument(
        None, metavar="EXPR|FILE.toml [--NAME VALUE]...",
        help="The expression ('-' reads it from stdin) and a value for each variable; "
             "or a homework file (*.toml); a teacher's key (points, ranges) checks the key's own numbers."),
    value: Optional[str] = typer.Option(None, "--value", metavar="ANSWER",
                                        help="Your answer for the output's value."),
    grads: Optional[List[str]] = typer.Option(None, "--grad", metavar="NAME=ANSWER",
                                              help="Your answer for d output / d NAME (a variable or named node)."),
    nodes: Optional[List[str]] = typer.Option(None, "--node", metavar="NAME=ANSWER",
                                              help="Your answer for the value of a named node."),
    rtol: Optional[float] = typer.Option(None, "--rtol", min=0.0,
                                         help="Relative tolerance, cg's value as the reference (default 1e-6)."),
    atol: Optional[float] = typer.Option(None, "--atol", min=0.0,
                                         help="Absolute tolerance (default 1e-9)."),
    rounded: Optional[bool] = typer.Option(None, "--rounded/--no-rounded",
                                           help="Also accept an answer that is cg's value correctly rounded "
                                                "to the answer's last written digit (0.73 for 0.7310...)."),
    min_sig_figs: Optional[int] = typer.Option(None, "--min-sig-figs", min=0,
                                               help="With --rounded: the fewest significant figures a rounded "
                                                    "answer may have (default 2)."),
    min_decimals: Optional[int] = typer.Option(None, "--min-decimals",
                                               help="With --rounded: also accept answers with at least this many "
                                                    "decimals (0 allows whole numbers)."),
    ecf: Optional[float] = typer.Option(None, "--ecf", min=0.0, max=1.0, metavar="F",
                                        help="Error carried forward: a wrong gradient that is right given your own "
                                             "upstream answers earns credit F (e.g. 0.5)."),
    json_out: bool = typer.Option(False, "--json", help="Print the report as one strict JSON object."),
    keep_going: bool = typer.Option(False, "--keep-going",
                                    help="Homework files: grade every valid problem even when some are malformed."),
    points: Optional[str] = typer.Option(None, "--points", metavar="FILE",
                                         help="JSON Lines of submissions (one object of answers per line, "
                                              "'-' is stdin); one verdict line out per submission."),
    precision: Optional[int] = typer.Option(None, "--digits", "--precision", min=1, max=17,
                                            help="Significant digits for cg's values in the table (default 4)."),
    sets: Optional[List[str]] = SET_OPTION,
    verify: bool = typer.Option(False, "--verify",
                                help="Also verify cg's own gradients against central finite differences "
                                     "(cg eval --check); a mismatch exits 1."),
    key: Optional[str] = typer.Option(None, "--key", metavar="KEY.toml",
                                      help="Grade the sheet against the teacher's key, as cg grade does: "
                                           "the key's problems and inputs, every key answer required."),
    output: Optional[str] = OUTPUT_OPTION,
    max_nodes: Optional[int] = MAX_NODES_OPTION,
    max_file_size: Optional[int] = MAX_FILE_SIZE_OPTION,
):
    """Check answers (values and gradients) against cg's forward and backward pass.

    \b
    Exit code: 0 every answer right, 1 any answer wrong, 2 bad input, 3 math domain error.
    \b
    Examples:
      cg check "(x+y)*z" --x 2 --y 3 --z -4 --value -20 --grad x=-4 --grad y=-4 --grad z=5
      cg check "q = x + y; f = q * z" --x 2 --y 3 --z -4 --node q=5 --grad q=-4
      cg check "sigmoid(w0*x0 + w1*x1 + w2)" --w0 2 --x0 -1 --w1 -3 --x1 -2 --w2 -3 --value 0.73 --rounded
      cg check "(x+y)*z" --x 2 --y 3 --z -4 --grad "z=x + y"
      cg check homework.toml
      cg check "(x+y)*z" --x 2 --y 3 --z -4 --points submissions.jsonl
      cg check homework.toml --verify
      cg check ann.toml --key key.toml
      cg check key.toml
      cg check "c = x*x; c = c + 1; c = 3*c" --x 2 --output c#2 --grad x=4
    """
    set_limits(max_nodes, max_file_size)
    if key is not None:
        from .app import split_args
        from ..core.errors import InputError
        expr, raw = split_args(args or [], sets or [], "check")
        if (expr is None or raw or value is not None or grads or nodes or points is not None or verify
                or output is not None):
            raise InputError("cg: --key grades one student's sheet: give only the sheet "
                             "(and --json, --rounded, --rtol, --atol)")
        from .grade_run import check_with_key
        raise typer.Exit(check_with_key(expr, key, json_out=json_out, precision=precision,
                                        cli_tol={"rtol": rtol, "atol": atol, "rounded": rounded}))
    from .check_run import check
    request = CheckRequest(value, grads or [], nodes or [],
                           {"rtol": rtol, "atol": atol, "rounded": rounded, "min_sig_figs": min_sig_figs,
                            "min_decimals": min_decimals}, json_out, keep_going, points, precision, verify,
                           ecf, output)
    raise typer.Exit(check(args or [], sets or [], request))


# --- cg key -----------------------------------------------------------------------------------

@app.command("key", context_settings=_VAR_OPTIONS)
def key_cmd(
    args: Optional[List[str]] = expr_argument(),
    id: str = typer.Option("1", "--id", help="The problem's id in the key."),
    title: Optional[str] = typer.Option(None, "--title", help="A title for the problem."),
    decimals: Optional[int] = typer.Option(None, "--decimals", min=0, max=17,
                                           help="Write the answers rounded to this many decimals, "
                                                "graded with rounded = true."),
    sets: Optional[List[str]] = SET_OPTION,
    roster: Optional[str] = typer.Option(None, "--roster", metavar="ROSTER.csv",
                                         help="With a template (*.toml): write one sheet per student "
                                              "(the roster's first column), inputs drawn from its ranges."),
    seed: Optional[str] = typer.Option(None, "--seed", metavar="S",
                                       help="With --roster: the seed of the draws (the same for cg grade)."),
    out: Optional[str] = typer.Option(None, "--out", metavar="DIR",
                                      help="With --roster: the folder for the sheets (DIR/<student>.toml)."),
    max_nodes: Optional[int] = MAX_NODES_OPTION,
    max_file_size: Optional[int] = MAX_FILE_SIZE_OPTION,
    view: str = typer.Option("toml", "--format", metavar="FORMAT",
                             help="toml (default); with a key file: moodle (a Moodle XML quiz on stdout), or "
                                  "md, tex or pdf with --out DIR (printable sheets and the answer sheet)."),
):
    """Print the answer key: the problem as a homework TOML block, every value and gradient filled in.

    The block is ready for `cg check FILE.toml`.

    \b
    Examples:
      cg key "(x+y)*z" --x 2 --y 3 --z -4 --id 1a >> homework.toml
      cg key "sigmoid(w0*x0 + w1*x1 + w2)" --w0 2 --x0 -1 --w1 -3 --x1 -2 --w2 -3 --decimals 2
      cg key template.toml --roster roster.csv --seed 7 --out sheets/
      cg key template.toml --roster roster.csv --seed 7 --out sheets/ --format pdf
      cg key key.toml --format moodle > quiz.xml
    """
    set_limits(max_nodes, max_file_size)
    if view != "toml":
        from .grade_run import export_key
        raise typer.Exit(export_key(args or [], sets or [], view, roster, seed, out))
    if roster is not None or seed is not None or out is not None:
        from ..core.errors import InputError
        a = args or []
        if len(a) != 1 or not a[0].endswith(".toml") or sets or roster is None or seed is None or out is None:
            raise InputError("cg: per-student sheets: cg key TEMPLATE.toml --roster ROSTER.csv --seed S --out DIR")
        from .grade_run import make_sheets
        raise typer.Exit(make_sheets(a[0], roster, seed, out))
    from .check_run import key
    key(args or [], sets or [], id, title, decimals)


# --- cg grade ---------------------------------------------------------------------------------

@dataclass
class GradeRequest:
    """cg grade's options after the key and the submissions (cli/grade_run.grade reads it)."""
    student: Optional[str] = None
    detail: bool = False
    view: str = "table"                 # table, json, csv or gradescope
    out_dir: Optional[str] = None
    keep_going: bool = False
    roster: Optional[str] = None
    seed: Optional[str] = None
    cli_tol: dict = field(default_factory=dict)    # rtol, atol, rounded
    ecf: Optional[float] = None
    precision: Optional[int] = None
    visibility: Optional[str] = None
    metadata: Optional[str] = None

    FORMATS = ("table", "json", "csv", "gradescope")

    def check(self) -> None:
        """The options that go together (cg's own messages: exit 2)."""
        from ..core.errors import InputError
        view = self.view
        if view not in self.FORMATS:
            raise InputError(f"cg: unknown --format {view!r}", hint=f"formats: {', '.join(self.FORMATS)}")
        if self.out_dir is not None and view != "gradescope":
            raise InputError("cg: --out DIR writes Gradescope's DIR/<student>/results.json: use it with --format gradescope")
        if (self.visibility is not None or self.metadata is not None) and view != "gradescope":
            raise InputError("cg: --visibility and --metadata are for Gradescope: use them with --format gradescope")
        if self.visibility is not None:
            from ..views.grade import VISIBILITIES
            if self.visibility not in VISIBILITIES:
                raise InputError(f"cg: unknown --visibility {self.visibility!r}",
                                 hint=f"one of: {', '.join(VISIBILITIES)}")
        if self.metadata is not None and (self.student is not None or self.out_dir is not None):
            raise InputError("cg: --metadata names the student of one submission: leave out --student and --out")
        if (self.roster is None) != (self.seed is None) and not (self.metadata is not None and self.seed is None):
            raise InputError("cg: --roster and --seed go together (the sheets' numbers come from both)")


@app.command("grade")
def grade_cmd(
    key: str = typer.Argument(..., metavar="KEY.toml", help="The teacher's key: a homework sheet with points and options."),
    submissions: str = typer.Argument(..., metavar="SUBMISSIONS",
                                      help="A folder of TOML sheets (one per student), a sheet, a CSV or JSON Lines."),
    student: Optional[str] = typer.Option(None, "--student", metavar="NAME", help="Grade and show one student."),
    detail: bool = typer.Option(False, "--detail", help="A table per student, then the class summary."),
    json_out: bool = typer.Option(False, "--json", help="One strict JSON object (schema cg.grade/1)."),
    view: str = typer.Option("table", "--format", metavar="FORMAT",
                             help="table, json, csv (the gradebook) or gradescope (results.json)."),
    out: Optional[str] = typer.Option(None, "--out", metavar="DIR",
                                      help="With --format gradescope: write DIR/<student>/results.json."),
    keep_going: bool = typer.Option(False, "--keep-going",
                                    help="Grade the other submissions when some are malformed (still exit 2)."),
    roster: Optional[str] = typer.Option(None, "--roster", metavar="ROSTER.csv",
                                         help="Per-student numbers: the roster cg key --roster used."),
    seed: Optional[str] = typer.Option(None, "--seed", metavar="S", help="With --roster: the seed used."),
    ecf: Optional[float] = typer.Option(None, "--ecf", metavar="FRACTION",
                                        help="Error carried forward: the credit for an answer right given the "
                                             "student's own upstream answer (overrides the key's ecf)."),
    rtol: Optional[float] = typer.Option(None, "--rtol", min=0.0, help="Override the key's relative tolerance."),
    atol: Optional[float] = typer.Option(None, "--atol", min=0.0, help="Override the key's absolute tolerance."),
    rounded: Optional[bool] = typer.Option(None, "--rounded/--no-rounded", help="Override the key's rounded."),
    max_nodes: Optional[int] = MAX_NODES_OPTION,
    max_file_size: Optional[int] = MAX_FILE_SIZE_OPTION,
    precision: Optional[int] = typer.Option(None, "--digits", "--precision", min=1, max=17,
                                            help="Significant digits for numbers in the tables (default 4)."),
    visibility: Optional[str] = typer.Option(None, "--visibility", metavar="WHEN",
                                             help="With --format gradescope: every test's visibility: visible, hidden, "
                                                  "after_due_date or after_published (default: after_due_date where "
                                                  "the feedback states cg's value, else visible)."),
    metadata: Optional[str] = typer.Option(None, "--metadata", metavar="FILE",
                                           help="With --format gradescope: Gradescope's submission_metadata.json; "
                                                "the submitter (email or sid) is found on --roster."),
):
    """Grade a class: every submission against the teacher's key.

    The key is the only source of problems, inputs and tolerances; every answer it lists is required (missing = wrong); answers it does not ask for are reported, not graded.

    \b
    Exit code: 0 every submission graded (whatever the scores), 2 a malformed key or submission.
    \b
    Examples:
      cg grade key.toml submissions/
      cg grade key.toml answers.csv --format csv > gradebook.csv
      cg grade key.toml answers.jsonl --student ann
      cg grade key.toml submissions/ --format gradescope --out results/
      cg grade template.toml sheets/ --roster roster.csv --seed 7
      cg grade key.toml /autograder/submission --format gradescope --metadata submission_metadata.json --roster roster.csv
    """
    set_limits(max_nodes, max_file_size)
    from .grade_run import grade
    request = GradeRequest(student=student, detail=detail, view="json" if json_out else view, out_dir=out,
                           keep_going=keep_going, roster=roster, seed=seed, ecf=ecf, precision=precision,
                           cli_tol={"rtol": rtol, "atol": atol, "rounded": rounded},
                           visibility=visibility, metadata=metadata)
    raise typer.Exit(grade(key, submissions, request))
