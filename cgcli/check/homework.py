"""Homework files: a sheet of problems in TOML (read on the shelf: core/formats.py's parse_toml).

    title = "Backprop, sheet 1"        # optional; so are the defaults below
    rtol = 1e-6
    atol = 1e-9
    rounded = false

    [[problem]]
    id = "1a"                          # optional (default: the problem's position, 1, 2, ...)
    expression = "(x+y)*z"             # or: program = '''...''' (a multi-line program)
    inputs = { x = 2, y = 3, z = -4 }  # numbers, or strings with a constant expression ("pi/4")
    value = -20                        # the answers: any of value, grad, node
    grad = { x = -4, y = -4, z = 5 }   # d output / d NAME for variables and named nodes
    node = { q = 5 }                   # values of named nodes
    rounded = true                     # optional, per problem: rtol, atol, rounded, and
    min_sig_figs = 2                   # the least precision rounding accepts (or min_decimals)
    ecf = 0.5                          # error carried forward: credit for a consistent slip
    formula = ["grad.z"]               # answers graded as formulas (true: every answer)

Every problem is checked before anything is graded; each mistake is reported with the file
name, the problem and the line (found by scanning the text, since the TOML reader gives no
positions once a file parses).
"""
from __future__ import annotations

from .answers import make_answer
from ..core.errors import CgError, InputError

from .sheet import SHEET_KEYS as TOP_KEYS, SHEET_PROBLEM_KEYS as PROBLEM_KEYS, TOLERANCE_KEYS  # noqa: F401
from .sheet import Problem  # the one problem type (cgcli.check.sheet)


class ProblemError(CgError):
    """A problem that cannot be graded, located in the file."""

    def __init__(self, path: str, line: int | None, problem: str | None, err: CgError):
        where = path + (f":{line}" if line else "")
        what = f"problem {problem}: " if problem else ""
        super().__init__(f"cg: {where}: {what}{err.message.removeprefix('cg: ')}",
                         source=err.source, pos=err.pos, hint=err.hint)
        self.exit_code = err.exit_code
        self.line = line
        self.problem = problem
        self.detail = err.message.removeprefix("cg: ")


class Locator:
    """Line numbers in the TOML text: the n-th [[problem]] header and keys inside it."""

    def __init__(self, text: str):
        import re
        self.lines = text.splitlines()
        self.headers = []          # line index of each [[problem]]
        self.tables = []           # (line index, dotted name) of every table header
        head = re.compile(r"\s*\[\[\s*problem\s*\]\]")
        table = re.compile(r"\s*\[\[?\s*([^\]]+?)\s*\]\]?")
        for k, line in enumerate(self.lines):
            if head.match(line):
                self.headers.append(k)
            m = table.match(line)
            if m:
                self.tables.append((k, m.group(1).replace(" ", "")))

    def problem_span(self, index: int) -> tuple:
        if index - 1 >= len(self.headers):
            return 0, len(self.lines)
        start = self.headers[index - 1]
        end = self.headers[index] if index < len(self.headers) else len(self.lines)
        return start, end

    def find(self, index: int | None, *path: str) -> int | None:
        """1-based line of key `path` (e.g. ("grad", "w")) in problem `index` (None: top level)."""
        import re
        if index is None:
            start = 0
            end = self.headers[0] if self.headers else len(self.lines)
        else:
            start, end = self.problem_span(index)
        if not path:
            return start + 1 if index is not None else None
        key = re.escape(path[0])
        q = r"""["']?"""
        # dotted key (grad.w = 3), then a [problem.grad] sub-table, then the key itself
        if len(path) > 1:
            dotted = re.compile(rf"\s*{q}{key}{q}\s*\.\s*{q}{re.escape(path[1])}{q}\s*=")
            sub = re.compile(rf"\s*{q}{re.escape(path[1])}{q}\s*=")
            for k in range(start, end):
                if dotted.match(self.lines[k]):
                    return k + 1
            for k, name in self.tables:
                if start <= k < end and name == f"problem.{path[0]}":
                    stop = min([j for j, _ in self.tables if j > k] + [end])
                    for j in range(k + 1, stop):
                        if sub.match(self.lines[j]):
                            return j + 1
                    return k + 1
        plain = re.compile(rf"\s*{q}{key}{q}\s*[=.]")
        for k in range(start, end):
            if plain.match(self.lines[k]):
                return k + 1
        for k, name in self.tables:
            if start <= k < end and name == f"problem.{path[0]}":
                return k + 1
        return None


def _load(path: str):
    """(doc, text) of a homework sheet; InputError when the file cannot be read or is not TOML."""
    from .answers import Written
    from ..core.formats import TomlProblem, parse_toml, read_text
    text = read_text(path)
    try:
        return parse_toml(text, parse_float=Written), text
    except TomlProblem as e:
        raise InputError(f"cg: {path}{f':{e.line}' if e.line else ''}: {e.reason}") from None


class Mode:
    """What the one reader (`read`) reads: the sheet's parts or the key's. SHEET is defined here,
    cgcli.check.grade.KEY there (a key's parts live with grading; this module does not import it).
    load(path) -> (doc, text); top_keys and `where` the top-level fields and how an unknown one is
    placed; setting(key, v) checks a top-level setting; no_problems(path, raw) is the error when
    the file has no [[problem]] array (None when it has); fill(problem, raw, seen, sheet) checks
    one [[problem]] table (raises Located); error(path, line, problem, err) locates a mistake;
    collect: whether mistakes are collected (True) or the first raised (False) by default."""

    def __init__(self, name, load, top_keys, where, setting, no_problems, fill, error, collect):
        self.name, self.load, self.top_keys, self.where = name, load, top_keys, where
        self.setting, self.no_problems, self.fill, self.error = setting, no_problems, fill, error
        self.collect = collect


def _no_problems(path: str, raw):
    if raw is None:
        return InputError(f"cg: {path}: no problems: each problem starts with a [[problem]] line")
    if not isinstance(raw, list):
        return InputError(f"cg: {path}: 'problem' must be an array of tables: start each problem "
                          f"with [[problem]] (two brackets)")
    return None


def read(path: str, mode: Mode | None = None, collect: bool | None = None):
    """The one reader of sheets and keys: (settings, problems, errors), every problem a
    cgcli.check.sheet.Problem.

    mode SHEET (the default): a homework sheet (cg check FILE.toml), the fields SHEET_KEYS /
    SHEET_PROBLEM_KEYS, errors are ProblemError. mode cgcli.check.grade.KEY: a teacher's key
    (cg grade, cg key, cg check KEY.toml), the fields KEY_KEYS / KEY_PROBLEM_KEYS; inputs may be
    ranges drawn per student and the answers become targets with points; errors are
    SubmissionError. `collect` (default: True for a sheet, False for a key): problem-level
    mistakes come back in `errors` and the other problems are read (cg check --keep-going);
    False raises the first. A file that cannot be read or is not TOML always raises."""
    mode = mode or SHEET
    if collect is None:
        collect = mode.collect
    doc, text = mode.load(path)
    top_keys = mode.top_keys
    loc = Locator(text)
    errors: list = []

    def report(err):
        if not collect:
            raise err
        errors.append(err)

    def fail(index, problem, path_keys, err):
        line = loc.find(index, *path_keys) if path_keys is not None else None
        if line is None and index is not None:
            line = loc.find(index)
        report(mode.error(path, line, problem, err))

    sheet = {}
    for key, v in doc.items():
        if key not in top_keys:
            fail(None, None, (key,), unknown(key, top_keys, mode.where,
                                             "a problem starts with a [[problem]] line"))
            continue
        if key in ("problem", "seed", "variant"):
            continue
        try:
            sheet[key] = mode.setting(key, v)
        except CgError as e:
            fail(None, None, (key,), e)
    if isinstance(sheet.get("formula"), (set, frozenset)):
        fail(None, None, ("formula",), InputError(
            "cg: formula at the top of the file must be true or false (name targets per problem: "
            "formula = [\"grad.z\"])"))
        sheet.pop("formula")
    raw_problems = doc.get("problem")
    err = mode.no_problems(path, raw_problems)
    if err is not None:
        report(err)
        return sheet, [], errors
    problems = []
    seen = {}
    for index, raw in enumerate(raw_problems, 1):
        p = Problem(index, loc.find(index))
        pid = raw.get("id", index) if isinstance(raw, dict) else index
        name = str(pid) if isinstance(pid, (str, int)) and not isinstance(pid, bool) else str(index)
        try:
            mode.fill(p, raw, seen, sheet)
        except Located as e:
            fail(index, name, e.path, e.err)
            continue
        problems.append(p)
    return sheet, problems, errors


def problem_head(p, raw, seen: dict, known: tuple) -> None:
    """A [[problem]] table's keys and id (unique in the file), for homework sheets and keys."""
    if not isinstance(raw, dict):
        raise Located(None, InputError("cg: a problem must be a table"))
    for key in raw:
        if key not in known:
            raise Located((key,), unknown(key, known, "in a problem"))
    if "id" in raw:
        pid = raw["id"]
        if isinstance(pid, bool) or not isinstance(pid, (str, int)) or str(pid).strip() == "":
            raise Located(("id",), InputError("cg: id must be a non-empty string or an integer"))
        p.id = str(pid)
    if p.id in seen:
        raise Located(("id",), InputError(f"cg: the id {p.id!r} is used twice (also problem {seen[p.id]})"))
    seen[p.id] = p.index


def problem_program(raw) -> tuple:
    """(key, text, graph, raw) of a problem's expression or program; vector inputs (x = [1, 2])
    give the parser their shapes and come back in raw["inputs"] one element at a time."""
    from ..core.parse import parse
    given = [k for k in ("expression", "program") if k in raw]
    if not given:
        raise Located(None, InputError("cg: the problem has no expression (give expression = \"...\" "
                                        "or a multi-line program = '''...''')"))
    if len(given) > 1:
        raise Located(("program",), InputError("cg: give either expression or program, not both"))
    key = given[0]
    text = raw[key]
    if not isinstance(text, str):
        raise Located((key,), InputError(f"cg: {key} must be a string"))
    from ..core.values import input_shapes
    shapes = {}
    if "inputs" in raw:                 # vectors: x = [1, 2] or "x[0]" = 1 (cgcli/core/vectors.py)
        raw = dict(raw)
        shapes, raw["inputs"] = input_shapes(raw["inputs"])
    try:
        graph = parse(text, shapes=shapes) if shapes else parse(text)
    except CgError as e:
        raise Located((key,), e) from None
    return key, text, graph, raw


class Located(Exception):
    def __init__(self, path, err):
        self.path = path
        self.err = err


def input_entries(raw, g):
    """The (name, value) entries of a problem's inputs table (a sheet's, a key's), each name a
    variable of the graph g: a table that is not one, or a name that is not a variable, raises
    Located at its place."""
    inputs = raw.get("inputs", {})
    if not isinstance(inputs, dict):
        raise Located(("inputs",), InputError("cg: inputs must be a table: inputs = { x = 2, y = 3 }"))
    for name, v in inputs.items():
        if name not in g.variables:
            from ..core.names import unknown
            raise Located(("inputs", name), unknown(g, name, "variables", "inputs"))
        yield name, v


def answer_tables(raw, each) -> None:
    """each(kind, name, answer) for each entry of a problem's node and grad tables (a sheet's
    answers, a key's): a table that is not one, or a CgError from `each`, raises Located at its
    place, the message prefixed with kind.name."""
    for kind in ("node", "grad"):
        if kind not in raw:
            continue
        table = raw[kind]
        if not isinstance(table, dict):
            raise Located((kind,), InputError(f"cg: {kind} must be a table: {kind} = {{ x = 1 }}"))
        for name, v in table.items():
            try:
                each(kind, name, v)
            except CgError as e:
                raise Located((kind, name), InputError(f"cg: {kind}.{name}: {e.message.removeprefix('cg: ')}",
                                                        hint=e.hint)) from None


def unknown(key: str, known: tuple, where: str, extra: str = "") -> InputError:
    from ..core.names import suggest
    hint = suggest(key, known) + f"known keys: {', '.join(known)}"
    if extra:
        hint += f"\n{extra}"
    return InputError(f"cg: unknown key {key!r} {where}", hint=hint)


def setting(key: str, v):
    if key == "title":
        if not isinstance(v, str):
            raise InputError("cg: title must be a string")
        return v
    if key == "rounded":
        if not isinstance(v, bool):
            raise InputError(f"cg: rounded must be true or false, got {v!r}")
        return v
    if key in ("min_sig_figs", "min_decimals"):
        if isinstance(v, bool) or not isinstance(v, int) or (key == "min_sig_figs" and v < 0):
            raise InputError(f"cg: {key} must be an integer{' >= 0' if key == 'min_sig_figs' else ''}, got {v!r}")
        return v
    if key == "ecf":
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not 0 <= v <= 1:
            raise InputError(f"cg: ecf must be a number from 0 to 1 (the credit for an error carried "
                             f"forward), got {v!r}")
        return float(v)
    if key == "formula":
        if isinstance(v, bool):
            return v
        if isinstance(v, list) and all(isinstance(t, str) for t in v):
            from .answers import parse_target
            for t in v:
                parse_target(t)
            return frozenset(t.strip() for t in v)
        raise InputError(f"cg: formula must be true, false or a list of targets such as "
                         f"[\"grad.z\", \"value\"], got {v!r}")
    if isinstance(v, bool) or not isinstance(v, (int, float)) or not v >= 0 or v == float("inf"):
        raise InputError(f"cg: {key} must be a number >= 0, got {v!r}")
    return float(v)


def _fill(p: Problem, raw, seen: dict, sheet: dict | None = None) -> None:
    """Check one [[problem]] table and fill `p`; raises Located(key path, error)."""
    problem_head(p, raw, seen, PROBLEM_KEYS)
    for key in ("title",) + TOLERANCE_KEYS + ("ecf", "formula"):
        if key in raw:
            try:
                v = setting(key, raw[key])
            except CgError as e:
                raise Located((key,), e) from None
            if key in ("title", "formula"):
                setattr(p, key, v)
            else:
                p.settings[key] = v
    key, p.program, p.graph, raw = problem_program(raw)
    g = p.graph
    from ..core.values import constant_value
    for name, v in input_entries(raw, g):
        if isinstance(v, bool) or not isinstance(v, (int, float, str)):
            raise Located(("inputs", name), InputError(f"cg: inputs: the value of {name} must be a number, got {v!r}"))
        if isinstance(v, str):
            try:
                v = constant_value(v, f"the value of {name}")
            except CgError as e:
                raise Located(("inputs", name), e) from None
        v = float(v)
        if v != v or v in (float("inf"), float("-inf")):
            raise Located(("inputs", name), InputError(f"cg: inputs: the value of {name} must be finite"))
        p.inputs[name] = v
    from ..core.passes import missing_inputs
    missing = missing_inputs(g, p.inputs)      # a variable the program gives a value (x = 2) may be left out
    if missing:
        from ..core.names import missing_values
        raise Located(("inputs",) if "inputs" in raw else (key,), missing_values(missing, where="inputs: "))
    from .answers import _what, node_names, parse_target, resolve
    names = node_names(g)
    if isinstance(p.formula, frozenset):
        for t in p.formula:
            kind, name = parse_target(t)
            if (kind == "value" and "value" not in raw) or (kind != "value" and name not in raw.get(kind, {})):
                raise Located(("formula",), InputError(f"cg: formula names {t}, which the problem "
                                                        f"has no answer for"))

    def answer(kind, name, v, where):
        formula = p.is_formula("value" if kind == "value" else f"{kind}.{name}", sheet)
        if isinstance(v, dict):           # one answer marked as a formula: { formula = "x + y" }
            if set(v) != {"formula"}:
                raise InputError(f"cg: an answer given as a table takes one key, formula: "
                                 f"{{ formula = \"x + y\" }}, got {', '.join(map(repr, v)) or 'none'}")
            v, formula = v["formula"], True
        try:
            a = make_answer(kind, name, v, where, formula=formula)
        except CgError as e:
            from .formula import names_in
            if formula or not isinstance(v, str) or not names_in(v):
                raise
            target = "value" if kind == "value" else f"{kind}.{name}"
            raise InputError(e.message, hint=f"to grade it as a formula, mark it in the problem: "
                                             f"formula = [\"{target}\"] (or formula = true)") from None
        if formula:
            from .formula import bind
            bind(g, a.text, _what(kind, name))
        return a

    if "value" in raw:
        try:
            p.answers.append(answer("value", None, raw["value"], ("value",)))
        except CgError as e:
            raise Located(("value",), e) from None

    def each(kind, name, v):
        resolve(g, kind, name, names)
        p.answers.append(answer(kind, name, v, (kind, name)))
    answer_tables(raw, each)
    if not p.answers:
        raise Located(None, InputError("cg: the problem has no answers to check (give value, grad or node)"))


SHEET = Mode("sheet", _load, TOP_KEYS, "at the top of the file", setting, _no_problems, _fill,
             lambda path, line, problem, err: ProblemError(path, line, problem, err), collect=True)
