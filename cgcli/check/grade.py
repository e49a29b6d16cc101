"""Grading a class: the teacher's key + the students' submissions -> a graded class.

The key is a homework sheet (cgcli.check.homework's format) with grading settings:

    points = 1            # sheet level: the default points of every answer
    min_sig_figs = 2      # sheet or problem: the --rounded minimum precision (cgcli.check)
    min_decimals = 2
    ecf = 0.5             # sheet or problem: error-carried-forward credit (cgcli.check)
    formula = false       # sheet or problem (true, or a list of targets): formula answers
    decimals = 1          # sheet or problem: how drawn inputs are rounded (per-student numbers)

    [[problem]]
    points = 4                          # the problem's total, split evenly over its answers
    points = { "grad.z" = 2 }           # or points per answer target; the rest get the default
    inputs = { x = "uniform(-3, 3)", n = "randint(1, 5)" }   # ranges: drawn per student

The key is the only source of problems, inputs and tolerances: a submission supplies answers
only. Every answer the key lists is required (its number is not used: cg computes the truth);
an answer the key does not ask for is reported, never graded. Grading itself is
cgcli.check.grading.grade_one, the same core `cg check` uses.

Submissions (one per student): a folder of TOML sheets (the file stem is the student), one
TOML sheet, a CSV (header `student,1a.value,1a.grad.z,...`) or JSON Lines (one object per
student: {"student": "ann", "answers": {"1a": {"value": -20, "grad": {"z": 5}}}} or flat
{"student": "ann", "1a.value": -20, "1a.grad.z": 5}).

Speed: one forward/backward pass per key problem (or per distinct drawn input set), targets
resolved once per problem; per answer: parse the number, compare, one Mark.
"""
from __future__ import annotations

import math
import os
import re

from . import answers as check
from . import grading, homework, variants
from .homework import Located, Locator, problem_head, problem_program, setting
from .sheet import CARRIED, GRADED, MISSING, RIGHT, UNREADABLE, WRONG
from .sheet import GRADING_KEYS, KEY_KEYS as SHEET_KEYS, KEY_PROBLEM_KEYS as PROBLEM_KEYS  # noqa: F401
from .sheet import Problem
from ..core.errors import CgError, InputError
from ..core.fmt import fmt

SATURATE_AT = 6.0          # |input| of a saturating gate (sigmoid, tanh) beyond which a draw is redrawn
MAX_DRAWS = 1000


# --- errors -----------------------------------------------------------------------------------

class SubmissionError(CgError):
    """A key or submission that cannot be read, located: file, line, student, problem."""

    def __init__(self, file, line=None, student=None, problem=None, err: CgError | str = ""):
        detail = err if isinstance(err, str) else err.message.removeprefix("cg: ")
        where = (file or "") + (f":{line}" if line else "")
        parts = [p for p in (where, f"student {student}" if student is not None else None,
                             f"problem {problem}" if problem is not None else None) if p]
        super().__init__("cg: " + ": ".join(parts + [detail]),
                         hint=None if isinstance(err, str) else err.hint)
        if not isinstance(err, str):
            self.exit_code = err.exit_code
        self.file, self.line, self.student, self.problem, self.detail = file, line, student, problem, detail


# --- the key ----------------------------------------------------------------------------------

class Target:
    """One required answer of a key problem."""
    __slots__ = ("kind", "name", "target", "points", "formula", "node", "label", "key")

    def __init__(self, kind, name, points=1.0, formula=False, key=None):
        self.kind, self.name = kind, name
        self.key = key                # the key's own answer as written (not used for grading)
        self.target = "value" if kind == "value" else f"{kind}.{name}"
        self.points = points
        self.formula = formula
        self.node = None
        self.label = None


class Spec:
    """An input drawn per student: uniform(a, b) or randint(a, b)."""
    __slots__ = ("kind", "lo", "hi", "text")

    def __init__(self, kind, lo, hi, text):
        self.kind, self.lo, self.hi, self.text = kind, lo, hi, text

    def draw(self, rng, decimals: int) -> float:
        if self.kind == "randint":
            return float(rng.randint(int(self.lo), int(self.hi)))
        v = round(rng.uniform(self.lo, self.hi), decimals)
        return v + 0.0 if v else 0.0           # no -0.0


_NUM = r"\s*([+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)\s*"
_SPEC = re.compile(rf"\s*(uniform|randint)\s*\({_NUM},{_NUM}\)\s*\Z")
_SPEC_START = re.compile(r"\s*(uniform|randint)\s*\(")


def parse_spec(text: str):
    """A range spec ("uniform(-3, 3)", "randint(1, 5)"), parsed strictly (never eval); None when
    the text is not one (a constant expression); InputError when it looks like one but is bad."""
    if not _SPEC_START.match(text):
        return None
    m = _SPEC.match(text)
    if not m:
        raise InputError(f"cg: bad range {text!r}: write uniform(LOW, HIGH) or randint(LOW, HIGH) with two numbers")
    kind, lo, hi = m.group(1), float(m.group(2)), float(m.group(3))
    if not (math.isfinite(lo) and math.isfinite(hi)) or lo > hi:
        raise InputError(f"cg: bad range {text!r}: LOW must be at most HIGH")
    if kind == "randint" and (lo != int(lo) or hi != int(hi)):
        raise InputError(f"cg: bad range {text!r}: randint takes two integers")
    return Spec(kind, lo, hi, text.strip())


class Key:
    __slots__ = ("path", "title", "sheet", "problems")

    def __init__(self, path, title, sheet, problems):
        self.path, self.title, self.sheet, self.problems = path, title, sheet, problems

    @property
    def drawn(self) -> bool:
        return any(p.specs for p in self.problems)

    @property
    def points(self) -> float:
        return sum(p.points for p in self.problems)


def read_file(path: str, follow: bool = True, **how) -> str:
    """A key's or a submission's text, read on the shelf (core/formats.py) with the size bound:
    only a regular file (or a pipe named on the command line); SubmissionError otherwise.
    `follow`: False for a sheet in a submissions folder (never through a symbolic link);
    `how`: formats.read_text's bom and bad_bytes."""
    from ..core.formats import read_text
    from ..core.limits import FileProblem
    try:
        return read_text(path, pipes=follow, follow=follow, **how)
    except FileProblem as e:
        raise SubmissionError(path, err=e.reason) from None


def load_toml(path: str, follow: bool = True):
    """(doc, text) of a TOML file, numbers keeping their written text; SubmissionError if unreadable."""
    from ..core.formats import TomlProblem, parse_toml
    text = read_file(path, follow)
    try:
        return parse_toml(text, parse_float=check.Written), text
    except TomlProblem as e:
        raise SubmissionError(path, e.line, err=e.reason) from None


def _int_setting(key, v):
    if isinstance(v, bool) or not isinstance(v, int) or v < 0 or v > 17:
        raise InputError(f"cg: {key} must be a whole number from 0 to 17, got {v!r}")
    return v


def _grading_setting(key, v):
    """Check one grading setting (sheet or problem level); `points` and `formula` aside."""
    if key in ("min_sig_figs", "min_decimals", "decimals"):
        return _int_setting(key, v)
    if key == "ecf":
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not 0 <= v <= 1:
            raise InputError(f"cg: ecf must be a number from 0 to 1 (the fraction of a carried-forward "
                             f"answer's points), got {v!r}")
        return float(v)
    return setting(key, v)


def _points_number(v, what):
    if isinstance(v, bool) or not isinstance(v, (int, float)) or not 0 <= v < math.inf:
        raise InputError(f"cg: {what} must be a number >= 0, got {v!r}")
    return float(v)


def key_setting(key, v):
    """One setting at the top of a key (points, formula or a grading setting), checked."""
    if key == "points":
        return _points_number(v, "points")
    if key == "formula":
        if not isinstance(v, bool):
            raise InputError("cg: formula at the top of the key must be true or false")
        return v
    return _grading_setting(key, v)


def _no_problems(path: str, raw):
    if not isinstance(raw, list) or not raw:
        return SubmissionError(path, err="no problems: each problem starts with a [[problem]] line "
                                         "(two brackets)")
    return None


def read_key(path: str) -> Key:
    """The teacher's key; raises SubmissionError (exit 2) at its first mistake, located.
    Read by the one reader, cgcli.check.homework.read, in its KEY mode."""
    sheet, problems, _ = homework.read(path, KEY, collect=False)
    return Key(path, sheet.get("title"), sheet, problems)


def _fill_key(p: Problem, raw, seen: dict, sheet: dict) -> None:
    problem_head(p, raw, seen, PROBLEM_KEYS)
    if "title" in raw:
        try:
            p.title = setting("title", raw["title"])
        except CgError as e:
            raise Located(("title",), e) from None
    for key in ("rtol", "atol", "rounded", "min_sig_figs", "min_decimals", "ecf", "decimals"):
        if key in raw:
            try:
                p.settings[key] = _grading_setting(key, raw[key])
            except CgError as e:
                raise Located((key,), e) from None
    _, p.program, p.graph, raw = problem_program(raw)
    g = p.graph
    for name, v in homework.input_entries(raw, g):
        where = ("inputs", name)
        try:
            if isinstance(v, str):
                spec = parse_spec(v)
                if spec is not None:
                    p.specs[name] = spec
                    continue
            p.inputs[name] = input_value(name, v)
        except CgError as e:
            raise Located(where, e) from None
    missing = [n for n in g.variables if n not in p.inputs and n not in p.specs]
    if missing:
        from ..core.names import missing_values
        raise Located(("inputs",), missing_values(missing, where="inputs: "))
    # the required answers
    names = check.node_names(g)
    targets = []
    if "value" in raw:
        targets.append(Target("value", None, key=raw["value"]))

    def each(kind, name, v):
        check.resolve(g, kind, name, names)
        if isinstance(v, bool) or not isinstance(v, (int, float, str)):
            raise InputError(f"cg: the key's answer must be a number or text, got {v!r}")
        targets.append(Target(kind, name, key=v))
    homework.answer_tables(raw, each)
    if not targets:
        raise Located(None, InputError("cg: the problem asks for no answers (give value, grad or node: "
                                        "every answer the key lists is required)"))
    by_target = {t.target: t for t in targets}
    # formula: true/false or a list of targets
    f = raw.get("formula", sheet.get("formula", False))
    if isinstance(f, bool):
        for t in targets:
            t.formula = f
        if "formula" in raw:
            p.formula = f
    elif isinstance(f, list) and all(isinstance(x, str) for x in f):
        for x in f:
            if x not in by_target:
                raise Located(("formula",), InputError(f"cg: formula: {x!r} is not an answer of the problem",
                                                        hint=f"its answers: {', '.join(by_target)}"))
            by_target[x].formula = True
        if "formula" in raw:
            p.formula = frozenset(f)
    else:
        raise Located(("formula",), InputError("cg: formula must be true, false or a list of answers "
                                                "such as [\"grad.z\", \"grad.x\"]"))
    # points
    default = sheet.get("points", 1.0)
    pts = raw.get("points")
    try:
        if pts is None:
            for t in targets:
                t.points = default
        elif isinstance(pts, dict):
            for t in targets:
                t.points = default
            for k, v in pts.items():
                if k not in by_target:
                    raise InputError(f"cg: points: {k!r} is not an answer of the problem",
                                     hint=f"its answers: {', '.join(by_target)}")
                by_target[k].points = _points_number(v, f"points.{k}")
        else:
            total = _points_number(pts, "points")
            for t in targets:
                t.points = total / len(targets)
    except CgError as e:
        raise Located(("points",), e) from None
    p.targets = targets
    p.points = sum(t.points for t in targets)


# the one reader's key mode (cgcli.check.homework.read): a sheet plus points, settings and ranges
KEY = homework.Mode("key", load_toml, SHEET_KEYS, "at the top of the key", key_setting, _no_problems, _fill_key,
                    lambda path, line, problem, err: SubmissionError(path, line, None, problem, err),
                    collect=False)


def input_value(name: str, v, answer: bool = False) -> float:
    """A fixed input: a number or a constant expression; finite. `answer`: read from a
    submission (parsed under the answer rules of core/limits.py)."""
    if isinstance(v, bool) or not isinstance(v, (int, float, str)):
        raise InputError(f"cg: inputs: the value of {name} must be a number, got {_show(v)}")
    if isinstance(v, str):
        from ..core.values import constant_value
        v = constant_value(v, f"the value of {name}", answer)
    v = float(v)
    if not math.isfinite(v):
        raise InputError(f"cg: inputs: the value of {name} must be finite")
    return v


# --- per-student numbers -----------------------------------------------------------------------

def student_rng(seed, student: str, problem: str):
    import random
    return random.Random(f"{seed}:{student}:{problem}")


def _piecewise() -> list:
    """Per op code: is the op piecewise (a kink or a jump somewhere)? The op table's own list."""
    from ..core.ops import PIECEWISE
    return PIECEWISE


def acceptable(result) -> str | None:
    """Why a drawn point is not a fair problem (None when it is): a non-finite value or
    gradient, a piecewise gate at its kink (relu/abs at 0, max/min with equal inputs), or a
    saturated sigmoid/tanh (|input| > SATURATE_AT). Driven by the op table."""
    from ..core.ops import OPS
    g = result.graph
    values, grads = result.values, result.grads
    needs = g.needs_grad
    for i in range(len(g.ops)):
        if not math.isfinite(values[i]) or (needs[i] and not math.isfinite(grads[i])):
            return f"node {i} is not finite"
    piece = _piecewise()
    ops, in0, in1 = g.ops, g.in0, g.in1
    for i in range(len(ops)):
        c = ops[i]
        op = OPS[c]
        if op.arity == 0 or not needs[i]:
            continue
        args = [values[in0[i]]] if in1[i] < 0 else [values[in0[i]], values[in1[i]]]
        if op.saturates and abs(args[0]) > SATURATE_AT:
            return f"{op.name} saturates"
        if piece[c] and _at_kink(op, args):
            return f"{op.name} at its kink"
    return None


def _at_kink(op, args) -> bool:
    base_f = op.forward(*args)
    base_l = op.local(*args, base_f)
    for k in range(len(args)):
        for sgn in (1.0, -1.0):
            moved = list(args)
            moved[k] += sgn * 1e-7 * (1.0 + abs(args[k]))
            f = op.forward(*moved)
            if abs(f - base_f) > 1e-3 or op.local(*moved, f) != base_l:
                return True
    return False


def draw_inputs(problem: Problem, seed, student: str, decimals: int) -> dict:
    """The student's inputs for a problem with ranges: drawn, redrawn until fair."""
    return draw(problem, seed, student, decimals)[0]


def draw(problem: Problem, seed, student: str, decimals: int) -> tuple:
    """(inputs, Result at them or None) for a student; fixed inputs when the problem has no ranges."""
    from ..core.passes import run
    if not problem.specs:
        return problem.inputs, None
    rng = student_rng(seed, student, problem.id)
    why = None
    for _ in range(MAX_DRAWS):
        inputs = {}
        for name in problem.graph.variables:           # in the variables' order: the draws' order
            spec = problem.specs.get(name)
            inputs[name] = spec.draw(rng, decimals) if spec is not None else problem.inputs[name]
        try:
            result = run(problem.graph, inputs)
        except CgError as e:
            why = e.message.removeprefix("cg: ")
            continue
        why = acceptable(result)
        if why is None:
            return result.inputs, result
    raise InputError(f"cg: problem {problem.id}: no fair inputs in {MAX_DRAWS} draws for {student} "
                     f"(last: {why}); widen the ranges")


# --- prepared problems: one pass per distinct input set ---------------------------------------

class Prepared:
    """A key problem at one input set: the Result, targets resolved, the tolerance."""
    __slots__ = ("problem", "result", "names", "out", "tol", "ecf", "nodes", "labels", "error", "memo")

    def __init__(self, problem: Problem, inputs: dict, cli: dict, sheet: dict, result=None):
        from ..core.passes import run
        self.problem = problem
        self.tol = problem.tolerance(cli, sheet)
        self.ecf = problem.setting("ecf", cli, sheet, 0.0)
        self.error = None
        try:
            self.result = result if result is not None else run(problem.graph, inputs)
        except CgError as e:
            self.result = None
            self.error = e
            return
        g = problem.graph
        self.names = check.node_names(g)
        self.out = check.output_name(g)
        self.nodes = [check.resolve(g, t.kind, t.name, self.names) for t in problem.targets]
        self.labels = [check.label(g, t.kind, t.name, self.out) for t in problem.targets]
        # per target: answer text -> its graded Mark fields (students often write the same text);
        # used only without error carried forward, where a verdict depends on the text alone
        self.memo = [{} for _ in problem.targets]


class Mark:
    """One graded answer of one student."""
    __slots__ = ("target", "label", "points", "given", "got", "status", "credit", "score",
                 "message", "feedback", "row", "slip")

    def __init__(self, target, label, points, given, got, status, credit, message, feedback=None, row=None,
                 slip=None):
        self.target = target          # "value", "grad.z", "node.q"
        self.label = label            # "df/dz"
        self.points = points
        self.given = given            # the answer as written, or None (missing)
        self.got = got                # cg's value
        self.status = status          # right, wrong, carried, missing, unreadable
        self.credit = credit          # 0..1
        self.score = credit * points
        self.message = message        # why it is not right (None when right)
        self.feedback = feedback      # the mistake diagnosis, when the grading core has one
        self.row = row                # cgcli.check.answers.Row (None for missing / unreadable)
        self.slip = slip              # the slip as data (cgcli.check.slips.slip_dict), or None


class ProblemGrade:
    __slots__ = ("id", "title", "marks", "score", "points", "inputs", "expression")

    def __init__(self, id, title, marks, inputs, expression):
        self.id, self.title, self.marks = id, title, marks
        self.score = sum(m.score for m in marks)
        self.points = sum(m.points for m in marks)
        self.inputs = inputs
        self.expression = expression


class StudentGrade:
    __slots__ = ("student", "file", "line", "problems", "score", "points", "unasked", "warnings")

    def __init__(self, student, file, line, problems, unasked, warnings):
        self.student, self.file, self.line = student, file, line
        self.problems = problems
        self.score = sum(p.score for p in problems)
        self.points = sum(p.points for p in problems)
        self.unasked = unasked        # targets the key does not ask ("1a.grad.w", "9")
        self.warnings = warnings

    @property
    def slips(self) -> list:
        """The student's slip profile: (problem id, mark) for every answer with a slip."""
        return [(p.id, m) for p in self.problems for m in p.marks if m.slip]

    @property
    def slip_profile(self) -> dict:
        """code -> how many of the student's answers have that slip (across problems)."""
        out: dict = {}
        for _, m in self.slips:
            out[m.slip["code"]] = out.get(m.slip["code"], 0) + 1
        return out


def grade_problem(prep: Prepared, answers: dict, source=None) -> ProblemGrade:
    """Grade one student's answers (target -> raw answer) for one prepared problem."""
    p = prep.problem
    result = prep.result
    marks = []
    rows = []
    memo = prep.memo if not prep.ecf else None
    targets, labels, Written = p.targets, prep.labels, check.Written
    get = answers.get
    for j in range(len(targets)):
        t = targets[j]
        raw = get(t.target)
        if raw is None or (type(raw) is str and not raw.strip()):
            marks.append(Mark(t.target, labels[j], t.points, None,
                              check.lookup(result, t.kind, prep.nodes[j]), MISSING, 0.0, "missing"))
            continue
        if memo is not None:
            text = raw if type(raw) is str else (raw.text if isinstance(raw, Written) else repr(raw))
            seen = memo[j].get(text)
            if seen is None:
                m = _grade_answer(prep, j, t, raw, source)
                if len(memo[j]) >= 100_000:
                    memo[j].clear()
                memo[j][text] = (m.given, m.got, m.status, m.credit, m.message, m.feedback, m.row, m.slip)
            else:
                m = Mark(t.target, labels[j], t.points, *seen)
        else:
            m = _grade_answer(prep, j, t, raw, source)
        if m.row is not None:
            rows.append(m.row)
        marks.append(m)
    if prep.ecf and rows:
        grading.carry_forward(result, rows, prep.ecf)
        for m in marks:
            r = m.row
            if r is not None:
                c = r.credit
                if c != m.credit:
                    m.credit = float(c)
                    m.score = m.credit * m.points
                    if not r.ok and c > 0:
                        m.status = CARRIED
                m.feedback = r.feedback
                m.slip = r.slip
    return ProblemGrade(p.id, p.title, marks, result.inputs, p.graph.source)


def _grade_answer(prep: Prepared, j: int, t: Target, raw, source) -> Mark:
    """One answer through the grading core (cgcli.check): parse, then grade_one."""
    lab = prep.labels[j]
    try:
        a = check.make_answer(t.kind, t.name, raw, source, formula=bool(t.formula))
    except CgError as e:
        given = raw.text if isinstance(raw, check.Written) else str(raw)
        return Mark(t.target, lab, t.points, given, check.lookup(prep.result, t.kind, prep.nodes[j]),
                    UNREADABLE, 0.0, f"unreadable: {e.message.removeprefix('cg: ')}")
    row = grading.grade_one(prep.result, a, prep.tol, prep.names, prep.out)
    return Mark(t.target, lab, t.points, a.text, row.got, RIGHT if row.ok else WRONG,
                float(row.credit), row.message, row.feedback, row, None if row.ok else row.slip)


# --- submissions ----------------------------------------------------------------------------------

class Submission:
    """One student's answers: problem id -> {target: raw}; plus what the key does not ask."""
    __slots__ = ("student", "file", "line", "answers", "unasked", "warnings", "sheet", "stamp")

    def __init__(self, student, file, line):
        self.student, self.file, self.line = student, file, line
        self.answers = {}
        self.unasked = []
        self.warnings = []
        self.sheet = None             # a TOML sheet's problems (id -> raw table), to compare with the key
        self.stamp = {}               # a sheet's seed and variant (cgcli.check.variants)


def _split_column(col: str, ids: dict):
    """'1a.grad.z' -> ('1a', 'grad.z') for a problem id the key has (ids may contain dots)."""
    best = None
    for pid in ids:
        if col.startswith(pid + ".") and (best is None or len(pid) > len(best)):
            best = pid
    if best is None:
        return None, col
    return best, col[len(best) + 1:]


_TARGET = re.compile(r"(value|grad\.[^.]+|node\.[^.]+)\Z")


def read_csv(path: str, key: Key):
    """Yield Submission or SubmissionError per row of a CSV gradebook of answers."""
    from ..core.formats import csv_rows
    ids = {p.id: p for p in key.problems}
    # read with the size bound; bytes that are not UTF-8 spoil their row only (bad_bytes keeps
    # them as lone surrogates, found per row below); bom: spreadsheets write one
    text = read_file(path, bom=True, bad_bytes=True)
    bad_bytes = _NOT_UTF8.search(text) is not None
    rows = csv_rows(text)           # a long cell is that answer's problem, not the row's
    _, header, e = next(rows, (1, None, None))
    if e is not None:
        raise SubmissionError(path, 1, err=f"not a CSV file: {e}")
    if header and _undecodable(header):
        raise SubmissionError(path, 1, err="not UTF-8 text (the header)")
    if not header or header[0].strip().lower() != "student":
        raise SubmissionError(path, 1, err="the first column must be 'student' (header: student,1a.value,1a.grad.z,...)")
    cols = []
    seen = set()
    for k, name in enumerate(header[1:], 2):
        name = name.strip()
        if name in seen:
            raise SubmissionError(path, 1, err=f"column {name!r} appears twice")
        seen.add(name)
        pid, target = _split_column(name, ids)
        cols.append((name, pid, target))
    width = len(header)
    for line, row, e in rows:
        if e is not None:
            yield SubmissionError(path, line, err=f"not CSV: {e}")
            continue
        if not row or (len(row) == 1 and not row[0].strip()):
            continue
        if bad_bytes and _undecodable(row):
            name = row[0].strip()
            yield SubmissionError(path, line, None if _undecodable(row[:1]) or not name else name,
                                  err="the row is not UTF-8 text: not graded")
            continue
        student = row[0].strip()
        if not student:
            yield SubmissionError(path, line, err="no student name in the first column")
            continue
        if len(row) != width:
            yield SubmissionError(path, line, student, err=f"{len(row)} cells, the header has {width}")
            continue
        s = Submission(student, path, line)
        answers = s.answers
        for (name, pid, target), cell in zip(cols, row[1:]):
            if pid is None or not _TARGET.match(target):
                if cell.strip():
                    s.unasked.append(name)
                continue
            d = answers.get(pid)
            if d is None:
                d = answers[pid] = {}
            d[target] = cell
        yield s


_NOT_UTF8 = re.compile("[\udc80-\udcff]")     # bytes kept by surrogateescape


def _undecodable(cells) -> bool:
    """Does a row read with surrogateescape hold bytes that were not UTF-8?"""
    return any(_NOT_UTF8.search(c) for c in cells)


def read_jsonl(path: str, key: Key):
    """Yield Submission or SubmissionError per line of JSON Lines."""
    from ..core.formats import Twice, decoder, jsonl_records
    from ..core.limits import FileProblem, read_bytes
    ids = {p.id: p for p in key.problems}

    def reject(c):
        raise ValueError(f"{c} is not JSON")

    try:                          # bytes, read with the size bound: a line not UTF-8 spoils only itself
        data = read_bytes(path)
    except FileProblem as e:
        raise SubmissionError(path, err=e.reason) from None
    # a key given twice is ambiguous: the line is refused (unique)
    dec = decoder(parse_float=check.Written, unique=True, reject=reject)
    columns: dict = {}            # flat key -> (problem id, target)
    for line, d, e in jsonl_records(data, dec):
        if isinstance(e, RecursionError):
            yield SubmissionError(path, line, err="not read: the line's JSON nests too deeply")
            continue
        if isinstance(e, Twice):
            yield SubmissionError(path, line, err=f"not read: {e}")
            continue
        if e is not None:
            yield SubmissionError(path, line, err=f"not a JSON object: {e}")
            continue
        if type(d) is not dict:
            yield SubmissionError(path, line, err="a line must be a JSON object {\"student\": ..., \"answers\": {...}}")
            continue
        student = d.get("student")
        if isinstance(student, bool) or not isinstance(student, (str, int)) or not str(student).strip():
            yield SubmissionError(path, line, err="no \"student\" (a non-empty string)")
            continue
        student = str(student).strip()
        s = Submission(student, path, line)
        try:
            for k, v in d.items():
                if k == "student":
                    continue
                if k == "answers":
                    if type(v) is not dict:
                        raise InputError("\"answers\" must be an object: {\"1a\": {\"value\": -20, \"grad\": {\"z\": 5}}}")
                    for pid, table in v.items():
                        if pid not in ids:
                            s.unasked.append(pid)
                            continue
                        if type(table) is not dict:
                            raise SubmissionError(path, line, student, pid,
                                                  "a problem's answers must be an object {\"value\": ..., \"grad\": {...}}")
                        s.answers.setdefault(pid, {}).update(_nested(table, pid, path, line, student, s))
                    continue
                split = columns.get(k)
                if split is None:
                    split = _split_column(k, ids)
                    if len(columns) < 100_000:
                        columns[k] = split
                pid, target = split
                if pid is None or not _TARGET.match(target):
                    if v is not None and v != "":
                        s.unasked.append(k)
                    continue
                s.answers.setdefault(pid, {})[target] = v
        except SubmissionError as e:
            yield e
            continue
        except CgError as e:
            yield SubmissionError(path, line, student, None, e)
            continue
        yield s


def _nested(table: dict, pid, path, line, student, s) -> dict:
    from .points import answer_table
    out = {}
    for kind, v in table.items():
        if kind == "value":
            out["value"] = v
        elif kind in ("grad", "node"):
            try:
                answer_table(kind, v)          # the one check of the table (check/points.py)
            except InputError as e:
                raise SubmissionError(path, line, student, pid, e.message) from None
            for name, a in v.items():
                out[f"{kind}.{name}"] = a
        else:
            s.unasked.append(f"{pid}.{kind}")
    return out


def read_sheet(path: str, key: Key, student: str | None = None, follow: bool = True):
    """One student's TOML sheet -> Submission (raises SubmissionError when malformed).
    `follow`: False in a submissions folder (a symbolic link is refused, not followed)."""
    student = student or os.path.splitext(os.path.basename(path))[0]
    try:
        doc, text = load_toml(path, follow)
    except SubmissionError as e:
        raise SubmissionError(path, e.line, student, None, e.detail) from None
    loc = Locator(text)
    s = Submission(student, path, None)
    ids = {p.id: p for p in key.problems}
    for k, v in doc.items():
        if k in variants.STAMP_KEYS:
            continue
        if k not in SHEET_KEYS:
            raise SubmissionError(path, loc.find(None, k), student, None, f"unknown key {k!r} at the top of the sheet")
        if k in GRADING_KEYS and key.sheet.get(k) != v:
            s.warnings.append(f"sheet sets {k} = {_show(v)}: graded on the key's")
    probs = doc.get("problem", [])
    if not isinstance(probs, list):
        raise SubmissionError(path, None, student, None, "'problem' must be an array of tables: [[problem]]")
    s.sheet = {}
    s.stamp = variants.stamp_of(doc)
    for index, raw in enumerate(probs, 1):
        line = loc.find(index)
        if not isinstance(raw, dict):
            raise SubmissionError(path, line, student, None, "a problem must be a table")
        pid = raw.get("id", index)
        if isinstance(pid, bool) or not isinstance(pid, (str, int)):
            raise SubmissionError(path, loc.find(index, "id"), student, None, "id must be a string or an integer")
        pid = str(pid)
        for k in raw:
            if k not in PROBLEM_KEYS:   # a key's fields are read (and warned about), never used
                raise SubmissionError(path, loc.find(index, k), student, pid, f"unknown key {k!r} in a problem")
        if pid in s.sheet:
            raise SubmissionError(path, line, student, pid, f"the id {pid!r} is used twice")
        s.sheet[pid] = raw
        if pid not in ids:
            s.unasked.append(pid)
            continue
        answers = {}
        if "value" in raw:
            answers["value"] = raw["value"]
        for kind in ("node", "grad"):
            t = raw.get(kind)
            if t is None:
                continue
            if not isinstance(t, dict):
                raise SubmissionError(path, loc.find(index, kind), student, pid,
                                      f"{kind} must be a table: {kind} = {{ x = 1 }}")
            for name, a in t.items():
                if isinstance(a, dict):
                    raise SubmissionError(path, loc.find(index, kind, name), student, pid,
                                          f"{kind}.{name} must be an answer, not a table")
                answers[f"{kind}.{name}"] = a
        s.answers[pid] = answers
    return s


def _show(v) -> str:
    if isinstance(v, check.Written):
        text = v.text
    elif isinstance(v, bool):
        text = "true" if v else "false"
    else:
        text = repr(v) if isinstance(v, str) else str(v)
    return text if len(text) <= 80 else text[:76] + " ..."       # a sheet's text, cut for messages


def _norm(src: str) -> list:
    return [" ".join(line.split()) for line in src.strip().splitlines() if line.strip()]


def sheet_warnings(s: Submission, problem: Problem, inputs: dict) -> None:
    """What a student's sheet restates differently from the key: warnings, never grading."""
    raw = s.sheet.get(problem.id) if s.sheet else None
    if raw is None:
        return
    pid = problem.id
    for k in ("expression", "program"):
        if k in raw and (not isinstance(raw[k], str) or _norm(raw[k]) != _norm(problem.program)):
            s.warnings.append(f"sheet changes problem {pid}'s {k}: graded on the key's")
            break
    given = raw.get("inputs")
    if given is not None:
        changed = not isinstance(given, dict) or set(given) != set(inputs)
        if not changed:
            for name, v in given.items():
                try:
                    if input_value(name, v, answer=True) != inputs[name]:
                        changed = True
                        break
                except CgError:
                    changed = True
                    break
        if changed:
            s.warnings.append(f"sheet changes problem {pid}'s inputs: graded on the key's")
    for k in GRADING_KEYS:
        if k in raw:
            mine = problem.settings.get(k)
            if mine is None or mine != raw[k]:
                s.warnings.append(f"sheet sets problem {pid}'s {k} = {_show(raw[k])}: graded on the key's")


def read_submissions(path: str, key: Key):
    """Yield Submission / SubmissionError from a folder of sheets, one sheet, CSV or JSON Lines."""
    if os.path.isdir(path):
        try:
            names = sorted(n for n in os.listdir(path) if n.endswith(".toml"))
        except OSError as e:
            raise SubmissionError(path, err=f"cannot read the folder: {e.strerror or e}") from None
        if not names:
            raise SubmissionError(path, err="no *.toml sheets in the folder")
        for n in names:
            full = os.path.join(path, n)
            why = _not_a_sheet(full, key)
            if why is not None:
                yield SubmissionError(full, None, os.path.splitext(n)[0], None, why)
                continue
            try:
                yield read_sheet(full, key, follow=False)
            except SubmissionError as e:
                yield e
        return
    low = path.lower()
    if low.endswith(".toml"):
        if _same_file(path, key.path):
            yield SubmissionError(path, None, os.path.splitext(os.path.basename(path))[0], None,
                                  f"not a student's sheet: it is the key itself ({key.path}): not graded")
            return
        try:
            yield read_sheet(path, key)
        except SubmissionError as e:
            yield e
    elif low.endswith(".csv"):
        yield from read_csv(path, key)
    elif low.endswith((".jsonl", ".ndjson", ".json")):
        yield from read_jsonl(path, key)
    elif not os.path.exists(path):
        raise SubmissionError(path, err="no such file or folder")
    else:
        raise SubmissionError(path, err="submissions are a folder of *.toml sheets, a *.toml sheet, "
                                        "a *.csv or a *.jsonl file")


def _same_file(a: str, b: str) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


def _not_a_sheet(full: str, key: Key) -> str | None:
    """Why a *.toml entry of a submissions folder is not graded (checked with lstat, before any
    open: a FIFO never blocks, a link is never followed), or None for a regular file."""
    import stat
    from ..core.limits import kind_of
    try:
        st = os.lstat(full)
    except OSError as e:
        return f"cannot read it: {e.strerror or e}"
    if stat.S_ISLNK(st.st_mode):
        try:
            target = os.readlink(full)
        except OSError:
            target = "?"
        if _same_file(full, key.path):
            return f"a symbolic link to the key ({target}): not graded"
        return f"a symbolic link (to {target}): not graded; a sheet must be a regular file in the folder"
    kind = kind_of(st.st_mode)
    if kind is not None:
        return f"{kind}, not a regular file: not graded"
    if _same_file(full, key.path):
        return f"the key {key.path} itself (the same file): not graded"
    return None


# --- the class --------------------------------------------------------------------------------

def read_roster(path: str) -> list:
    """Student names: a CSV whose first column is the student (an optional 'student' header)."""
    from ..core.formats import csv_rows, read_text
    from ..core.limits import FileProblem
    try:
        rows = list(csv_rows(read_text(path, bom=True)))
    except FileProblem as e:
        raise InputError(f"cg: cannot read the roster {path}: {e.reason}") from None
    bad = next((e for _, _, e in rows if e is not None), None)
    if bad is not None:
        raise InputError(f"cg: cannot read the roster {path}: {bad}")
    names, seen = [], {}
    for line, (_, row, _) in enumerate(rows, 1):
        if not row or not row[0].strip():
            continue
        name = row[0].strip()
        if line == 1 and name.lower() in ("student", "name"):
            continue
        if name in seen:
            raise InputError(f"cg: {path}:{line}: student {name} is listed twice (also line {seen[name]})")
        if name in (".", "..") or "/" in name or "\\" in name or any(ord(c) < 32 for c in name):
            raise InputError(f"cg: {path}:{line}: {name!r} cannot be a file name")
        seen[name] = line
        names.append(name)
    if not names:
        raise InputError(f"cg: the roster {path} lists no students")
    return names


class ClassGrade:
    """Every student's grade, the errors, and the class statistics (computed here, not in views)."""

    def __init__(self, key: Key, source: str, students: list, errors: list, seed=None):
        self.key, self.source, self.students, self.errors, self.seed = key, source, students, errors, seed
        self.warnings = []            # about the key itself (its own numbers that cg does not confirm)
        self.stats = class_stats(key, students)
        self.misconceptions = misconceptions(key, students)


def _median(xs: list) -> float:
    if not xs:
        return math.nan
    s = sorted(xs)
    n = len(s)
    return s[n // 2] if n % 2 else (s[n // 2 - 1] + s[n // 2]) / 2


def class_stats(key: Key, students: list) -> dict:
    n = len(students)
    totals = [s.score for s in students]
    # one pass over the marks: per problem and answer, the count of each status
    index = {status: i for i, status in enumerate(GRADED)}
    counts = [[[0] * 5 for _ in p.targets] for p in key.problems]
    scores = [[] for _ in key.problems]
    for s in students:
        for k, pg in enumerate(s.problems):
            scores[k].append(pg.score)
            row = counts[k]
            for j, m in enumerate(pg.marks):
                row[j][index[m.status]] += 1
    probs = []
    for k, p in enumerate(key.problems):
        answers = []
        for t, c in zip(p.targets, counts[k]):
            answers.append({"target": t.target, "points": t.points, "formula": t.formula,
                            "success_rate": c[0] / n if n else math.nan,
                            **{name: c[i] for name, i in index.items()}})
        sc = scores[k]
        probs.append({"id": p.id, "title": p.title, "points": p.points,
                      "mean": sum(sc) / n if n else math.nan, "median": _median(sc),
                      "answers": answers})
    return {"students": n, "points": key.points,
            "mean": sum(totals) / n if n else math.nan, "median": _median(totals),
            "min": min(totals) if totals else math.nan, "max": max(totals) if totals else math.nan,
            "problems": probs}


def misconceptions(key: Key, students: list) -> list:
    """The class's slips: per problem and answer, how many students made each slip (the same
    code at the same node and gate), most first. Each entry: problem, target, label, code, node,
    gate, students, text ("swapped w1/x1")."""
    from .slips import tally_text
    order = {p.id: k for k, p in enumerate(key.problems)}
    tally: dict = {}
    for s in students:
        for p in s.problems:
            for j, m in enumerate(p.marks):
                sl = m.slip
                if sl:
                    k = (p.id, j, sl["code"], sl["node"], sl["gate"])
                    e = tally.get(k)
                    if e is None:
                        name = m.target.partition(".")[2] or None
                        e = tally[k] = {"problem": p.id, "target": m.target, "label": m.label,
                                        "code": sl["code"], "node": sl["node"], "gate": sl["gate"],
                                        "students": 0, "text": tally_text(sl, name)}
                    e["students"] += 1
    return [e for k, e in sorted(tally.items(), key=lambda kv: (order.get(kv[0][0], 0), kv[0][1],
                                                                 -kv[1]["students"], kv[0][2:]))]


def collector_paused(grade):
    """`grade` with Python's cyclic collector paused. The collector re-scans every live container
    at each of its collections, and a class's marks are many: it took about a quarter of cg
    grade's time. Grading and its views make no garbage cycles for it to find (it frees any once
    it runs again), so it is paused meanwhile, as in cg diff (cgcli/symbolic/diff.py)."""
    import functools

    @functools.wraps(grade)
    def paused(*args, **kwargs):
        import gc
        was = gc.isenabled()
        gc.disable()
        try:
            return grade(*args, **kwargs)
        finally:
            if was:
                gc.enable()
    return paused


@collector_paused
def grade_class(key: Key, source: str, cli: dict, roster=None, seed=None, only=None, as_student=None) -> ClassGrade:
    """Grade every submission in `source` against the key. `roster`/`seed`: per-student inputs
    drawn from the key's ranges. `only`: grade this student alone. `as_student`: the one
    submission is this student's, whatever its file is called (Gradescope's metadata says who)."""
    if key.drawn and roster is None:
        raise InputError(f"cg: {key.path} draws inputs from ranges: give --roster and --seed "
                         f"(the ones the sheets were made with)")
    roster_set = set(roster) if roster is not None else None
    fixed = None
    if not key.drawn:
        fixed = [Prepared(p, p.inputs, cli, key.sheet) for p in key.problems]
        for prep in fixed:
            if prep.error is not None:
                raise SubmissionError(key.path, prep.problem.line, None, prep.problem.id, prep.error)
    warnings = []
    for prep in fixed or []:
        warnings += key_disagreements(prep)
    cache: dict = {}
    students, errors, seen = [], [], {}
    for s in read_submissions(source, key):
        if isinstance(s, SubmissionError):
            if only is None or s.student == only:
                errors.append(s)
            continue
        if as_student is not None:
            s.student = as_student
        if only is not None and s.student != only:
            continue
        if s.student in seen:
            errors.append(SubmissionError(s.file, s.line, s.student, None,
                                          f"a second submission for {s.student} (the first: {seen[s.student]})"))
            continue
        seen[s.student] = f"{s.file}:{s.line}" if s.line else s.file
        try:
            foreign = variants.foreign_sheet(s.file, key, s.stamp) if s.sheet is not None else None
            if foreign:
                raise InputError(f"cg: not a student's sheet: {foreign}; take it out of the submissions")
            if fixed is not None:
                preps = fixed
            else:
                if s.student not in roster_set:
                    raise InputError(f"cg: {s.student} is not on the roster, so there are no numbers to grade against")
                preps = []
                for p in key.problems:
                    inputs, result = draw(p, seed, s.student, p.setting("decimals", cli, key.sheet, 1))
                    ck = (p.id, tuple(inputs.values()))
                    prep = cache.get(ck)
                    if prep is None:
                        if len(cache) > 65536:
                            cache.clear()
                        prep = cache[ck] = Prepared(p, inputs, cli, key.sheet, result)
                    if prep.error is not None:
                        raise prep.error
                    preps.append(prep)
            why = variants.variant_error(s.stamp, seed, [(q.problem.id, q.result.inputs) for q in preps])
            if why:
                raise InputError(f"cg: {why}")
        except CgError as e:
            errors.append(SubmissionError(s.file, s.line, s.student, None, e))
            continue
        grades = []
        for prep in preps:
            if s.sheet is not None:
                sheet_warnings(s, prep.problem, prep.result.inputs)
            grades.append(grade_problem(prep, s.answers.get(prep.problem.id, {})))
        students.append(StudentGrade(s.student, s.file, s.line, grades, _unasked(s, key), s.warnings))
    if only is not None and not students and not any(e.student == only for e in errors):
        raise InputError(f"cg: no submission for {only} in {source}")
    errors.sort(key=lambda e: (e.file or "", e.line or 0))
    cls = ClassGrade(key, source, students, errors, seed)
    cls.warnings = warnings
    return cls


def _unasked(s: Submission, key: Key) -> list:
    """Answers given for targets the key does not ask (reported, not graded)."""
    out = list(s.unasked)
    for p in key.problems:
        table = s.answers.get(p.id)
        if not table:
            continue
        asked = {t.target for t in p.targets}
        for target, v in table.items():
            if target not in asked and not (v is None or (type(v) is str and not v.strip())):
                out.append(f"{p.id}.{target}")
    return out


def key_disagreements(prep: Prepared) -> list:
    """The key's own numbers that cg does not confirm (a typo in the key): warnings only, since
    grading uses cg's values. Formula answers and blanks are skipped."""
    out = []
    for j, t in enumerate(prep.problem.targets):
        if t.formula or t.key is None or (isinstance(t.key, str) and not t.key.strip()):
            continue
        try:
            a = check.make_answer(t.kind, t.name, t.key)
        except CgError:
            continue
        row = grading.grade_one(prep.result, a, prep.tol, prep.names, prep.out)
        if not row.ok:
            out.append(f"problem {prep.problem.id}: the key says {prep.labels[j]} = {a.text}, but cg computes "
                       f"{fmt(row.got)}; grading uses cg's value")
    return out


def exit_code(cls: ClassGrade) -> int:
    return cls.errors[0].exit_code if cls.errors else 0
