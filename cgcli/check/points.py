"""`cg check --points`: a JSON Lines stream of submissions graded against one program, one
verdict per line, streamed.

The area reads each line and decides its verdict (a Report, or a CgError); the text of each
output line is the view's (`views/check.py`'s SubmissionWriter, schema "cg.check/1"), handed
in as `writer`. The line readers are the --points engine's (batch/points.py).

A submission line: {"id": ..., "inputs": {NAME: value}, "value": answer,
"grad": {NAME: answer}, "node": {NAME: answer}} (docs/schemas.md).
"""
from __future__ import annotations

import sys

from ..core.errors import CgError, InputError

SUBMISSION_KEYS = ("id", "inputs", "value", "grad", "node")


def submission_id(d):
    """The line's "id" (a string or a number), None when it has none; an id of another type
    is an error."""
    from .answers import Written
    sid = d.get("id")
    if sid is not None and (type(sid) not in (str, int, float, Written)):
        raise InputError("cg: id must be a string or a number")
    return sid


def answer_table(kind: str, table) -> dict:
    """A "grad" or "node" table of a submission line: an object of NAME: answer (the one check
    of this table for cg check --points and cg grade's JSON Lines); the message is without
    the "cg: " prefix."""
    if type(table) is not dict:
        raise InputError(f"{kind} must be an object of NAME: answer")
    return table


def read_submission(d, graph, fixed: dict, names, cache: dict):
    """One decoded line -> (inputs, answers): the program's own values, the command line's,
    then the line's inputs; its answers resolved against the graph. Raises CgError."""
    from .answers import Written, answer_from_text, make_answer, resolve
    from ..core.names import missing_values, unknown
    from ..core.passes import missing_inputs, with_defaults
    from ..batch.points import _number

    def answer(kind, name, v):      # a string naming the expression's names: a formula answer
        return answer_from_text(kind, name, v) if type(v) is str else make_answer(kind, name, v)
    for key in d:
        if key not in SUBMISSION_KEYS:
            raise InputError(f"cg: unknown key {key!r} (a submission has: {', '.join(SUBMISSION_KEYS)})")
    inputs = with_defaults(graph, fixed)     # the program's own values, then the line's
    given = d.get("inputs", {})
    if type(given) is not dict:
        raise InputError("cg: inputs must be an object of variable values")
    for name, v in given.items():
        if name in fixed:
            raise InputError(f"cg: {name} is fixed on the command line; leave it out of inputs")
        if name not in graph.variables:
            raise unknown(graph, name, "variables", "inputs")
        inputs[name] = _number(name, float(v) if isinstance(v, Written) else v, cache)
    missing = missing_inputs(graph, inputs)
    if missing:
        raise missing_values(missing, why="(give them on the command line or in \"inputs\")")
    answers = []
    if "value" in d:
        answers.append(answer("value", None, d["value"]))
    for kind in ("node", "grad"):
        try:
            table = answer_table(kind, d.get(kind, {}))
        except InputError as e:
            raise InputError(f"cg: {e.message}") from None
        for name, v in table.items():
            try:
                resolve(graph, kind, name, names)
            except CgError as e:
                raise InputError(f"cg: {kind}.{name}: {e.message.removeprefix('cg: ')}") from None
            answers.append(answer(kind, name, v))
    if not answers:
        raise InputError("cg: the submission has no answers (give value, grad or node)")
    return inputs, answers


class Graded:
    """What a batch of submissions gave: the tally of lines (its code() is the exit code of the
    first line that could not be graded) and the counts of passed and wrong submissions."""

    def __init__(self, tally):
        self.tally = tally
        self.passed = 0
        self.wrong = 0


def check_points(graph, fixed: dict, stream, tol, writer, out=None, tally=None, ecf=None) -> Graded:
    """Grade a JSON Lines stream of submissions, writing one line per submission (the text
    from `writer`, a views.check.SubmissionWriter) to `out` (stdout); returns a Graded."""
    from .answers import Written, node_names
    from .grading import Report, grade
    from ..batch.points import Tally, _decode_line, _json_type, decoder, read_lines, too_long, write
    from ..core.passes import run
    out = out or sys.stdout
    decode = decoder(parse_float=Written, unique=True)   # a key twice is ambiguous
    names = node_names(graph)
    tally = tally or Tally(writer.error)
    graded = Graded(tally)
    results: dict = {}           # inputs -> Result (students share inputs)
    cache: dict = {}
    for block in read_lines(stream):
        texts = []
        for lineno, raw in block:
            raw = raw.strip() if raw is not None else None
            if raw is not None and not raw:
                continue
            tally.total += 1
            sid = None
            try:
                if raw is None:
                    raise too_long()
                d = _decode_line(decode, raw)
                if type(d) is not dict:
                    raise InputError(f"cg: a line must be a JSON object of answers, got {_json_type(d)}")
                sid = submission_id(d)
                inputs, answers = read_submission(d, graph, fixed, names, cache)
                key = tuple(inputs[n] for n in graph.variables)
                result = results.get(key)
                if result is None:
                    if len(results) > 4096:
                        results.clear()
                    result = results[key] = run(graph, {n: inputs[n] for n in graph.variables})
                rep = Report(sid, result, grade(result, answers, tol, ecf), tolerance=tol)
            except CgError as e:
                texts.append(tally.error(lineno, e, writer.id_field(sid), writer.schema))
                continue
            if rep.passed:
                graded.passed += 1
            else:
                graded.wrong += 1
            texts.append(writer.line(lineno, sid, rep))
        if texts:
            write(out, "".join(texts))
    return graded
