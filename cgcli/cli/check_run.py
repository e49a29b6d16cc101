"""What runs behind cg check, cg key and cg eval's --get / --points / --format toml (the
commands themselves are declared in cli/check.py, which every `cg` call imports; this module
is imported only when one of them runs)."""
from __future__ import annotations

import sys

from .app import load, split_args
from ..core.errors import InputError


def check(args: list, sets: list, request) -> int:
    """cg check: one problem on the command line, a homework file, or --points submissions;
    returns the exit code. `request`: cli/check.py's CheckRequest (`verify`: also check cg's own
    gradients by finite differences; `output`: grade d(NAME)/d(...) and NAME's value instead of
    the last statement's, --output)."""
    value, grads, nodes, cli_tol = request.value, request.grads, request.nodes, request.cli_tol
    json_out, points, precision = request.json_out, request.points, request.precision
    verify, ecf, output = request.verify, request.ecf, request.output
    from ..check import tasks
    answers_given = value is not None or grads or nodes
    expr, raw = split_args(args, sets)
    if verify and points is not None:
        raise InputError("cg: --verify checks cg's gradients at a problem's point; not with --points")
    if expr is not None and expr.endswith(".toml") and expr != "-":
        if raw or answers_given or points is not None or output is not None:
            raise InputError("cg: a homework file brings its own inputs and answers: "
                             "give only the file (and options such as --json, --rounded, --keep-going)")
        return check_homework(expr, request)
    tol = tasks.tolerance(cli_tol)
    if points is not None:
        if answers_given:
            raise InputError("cg: with --points the answers come from each line; leave out --value/--grad/--node")
        if expr == "-" and points == "-":
            raise InputError("cg: the program and the points cannot both come from stdin")
        program, graph, inputs = load(args, sets, require_all=False, command="check", output=output)
        from ..batch.points import open_points
        return check_points(graph, inputs, open_points(points), tol, ecf=ecf)
    program, graph, inputs = load(args, sets, command="check", output=output)
    answers = tasks.cli_answers(value, grads, nodes)
    if not answers:
        raise InputError("cg: no answers to check",
                         hint="give --value ANSWER, --grad NAME=ANSWER or --node NAME=ANSWER")
    report = tasks.grade_problem(graph, inputs, answers, tol, ecf)
    result = report.result
    verified = _verify(result) if verify else None
    if json_out:
        from ..views.check import problem_json
        extra = ""
        if verified is not None:
            from ..views.symbolic import check_json
            extra = f', "verify": {check_json(verified)}'
        sys.stdout.write(problem_json(report, extra))
        for w in result.warnings:
            print(f"cg: warning: {w}", file=sys.stderr)
    else:
        from ..views.check import print_problem
        from ..views.rich import table_console
        print_problem(report, table_console(), precision)
        if verified is not None:
            from ..views.symbolic import print_check
            print_check(verified, precision)
    _verify_failed([verified])
    return 0 if report.passed else 1


def _verify(result):
    """cg's own gradients at this result's point against finite differences (gradcheck)."""
    from ..check.gradcheck import check as gradient_check
    return gradient_check(result.graph, result.inputs, result.grads)


def _verify_failed(reports) -> None:
    """A failed verification is a failed check (exit 1) whatever the answers: cg's own
    gradient disagrees with finite differences."""
    bad = [r for r in reports if r is not None and not r.passed]
    if bad:
        from ..core.errors import CheckFailed
        from ..views.symbolic import check_summary
        raise CheckFailed(f"cg: --verify: {check_summary(bad[0])}")


def key(args: list, sets: list, id: str, title, decimals) -> None:
    """cg key: the answer key as a homework [[problem]] block."""
    from ..core.passes import run
    from ..views.toml import problem_block
    if not id.strip():
        raise InputError("cg: --id must not be empty")
    program, graph, inputs = load(args, sets, command="key")
    result = run(graph, inputs)
    sys.stdout.write(problem_block(result, id, decimals, title))
    for w in result.warnings:
        print(f"cg: warning: {w}", file=sys.stderr)


def check_homework(path: str, request) -> int:
    """cg check FILE.toml: a student's sheet graded (or a key's self-check, check_key), with
    `request`'s tolerance, --json, --keep-going, --digits, --verify and --ecf (a CheckRequest)."""
    from ..check import keys
    from ..check.tasks import grade_sheet
    json_out, precision, verify = request.json_out, request.precision, request.verify
    kind, got = keys.read(path)         # one entry point: a key (self-check) or a student's sheet
    if kind == "key":
        return check_key(path, request, got)
    sheet, problems, errors = got
    reports = grade_sheet(path, sheet, problems, errors, request.cli_tol, request.ecf)
    if errors and not request.keep_going:
        from ..views.check import homework_errors
        sys.stderr.write(homework_errors(errors, reports))
        return errors[0].exit_code
    verified = [_verify(r.result) for r in reports] if verify else []
    if json_out:
        from ..views.check import homework_json, verify_json
        extra = verify_json(reports, verified) if verify else ""
        sys.stdout.write(homework_json(path, sheet, reports, errors, extra))
    else:
        from ..views.check import print_homework, print_verified
        from ..views.rich import table_console
        print_homework(path, sheet, reports, errors, table_console(), precision)
        if verify:
            print_verified(reports, verified, precision)
    for e in errors:
        print(e.render(), file=sys.stderr)
    _verify_failed(verified)
    if errors:
        return errors[0].exit_code
    return 0 if all(r.passed for r in reports) else 1


def check_key(path: str, request, key=None) -> int:
    """cg check KEY.toml (a key: points, decimals or ranges): the key's own numbers against
    cg's, a teacher's self-check, with `request`'s tolerance, --json and --digits (a
    CheckRequest). Exit 0 when they all agree, 1 when one does not, 2 bad key."""
    from ..check.keys import self_check
    precision = request.precision
    sc = self_check(path, {k: v for k, v in request.cli_tol.items() if v is not None}, key)
    if request.json_out:
        from ..views.check import key_check_json
        sys.stdout.write(key_check_json(sc))
    else:
        from ..views.check import print_key_check
        from ..views.rich import table_console
        print_key_check(sc, table_console(), precision)
    return 0 if all(r.passed for r in sc.reports) else 1


def check_points(graph, fixed: dict, stream, tol, out=None, ecf=None) -> int:
    """Grade a JSON Lines stream of submissions (check/points.py), one cg.check/1 verdict line
    per submission (views/check.py). Exit code: that of the first line that could not be graded
    (2 or 3), else 1 when any submission has a wrong answer, else 0."""
    from ..check.points import check_points as grade_points
    from ..views.check import SubmissionWriter
    from .points import Tally
    graded = grade_points(graph, fixed, stream, tol, SubmissionWriter(), out, Tally(), ecf)
    code = graded.tally.finish()
    if code:
        return code
    if graded.wrong:
        print(f"cg: {graded.passed} of {graded.passed + graded.wrong} submissions passed", file=sys.stderr)
        return 1
    return 0


def get_targets(graph, specs: list) -> list:
    """Resolve --get TARGETs against the graph before any pass runs (unknown: exit 2)."""
    from ..check.tasks import get_targets as resolve_targets
    return resolve_targets(graph, specs)


def print_targets(result, targets: list) -> None:
    """One bare number per line, as cg prints numbers (shortest round-trip form)."""
    from ..check.answers import lookup
    from ..core.fmt import fmt
    sys.stdout.write("".join(fmt(lookup(result, kind, i)) + "\n" for kind, i in targets))
    for w in result.warnings:
        print(f"cg: warning: {w}", file=sys.stderr)


def eval_points(args: list, sets: list, path: str, get: list, view: str, shape=None) -> int:
    """cg eval EXPR --points FILE: JSON Lines in, one cg.points/1 line out per point."""
    if get:
        raise InputError("cg: --get prints one point's numbers; with --points every line is a JSON "
                         "result (pick fields with jq, e.g. | jq .gradients.x)")
    if view not in ("json", "both"):
        raise InputError("cg: with --points the output is JSON Lines; leave out --format")
    expr, _ = split_args(args, sets)
    if expr == "-" and path == "-":
        raise InputError("cg: the program and the points cannot both come from stdin")
    shapes = None
    if shape:                   # vector inputs whose elements come from the points (x[0], x[1])
        from ..core.values import parse_shapes
        shapes = parse_shapes(shape)
    program, graph, fixed = load(args, sets, require_all=False, shapes=shapes)
    from ..batch.points import open_points
    from .points import eval_points as run_points
    stream = open_points(path)
    for w in graph.warnings:
        print(f"cg: warning: {w}", file=sys.stderr)
    return run_points(graph, fixed, stream)


def print_toml(result) -> None:
    from ..views.toml import problem_block
    sys.stdout.write(problem_block(result))
    for w in result.warnings:
        print(f"cg: warning: {w}", file=sys.stderr)
