"""The JSON Lines batch engine of `cg eval --points`: one JSON object in per line, one
result out per line, streamed.

Lines are read as they arrive (a block at a time, never waiting for a full buffer), so
cg works in a pipe, `head` included; each block's points go through the graph together
(`batch/columns.py`) and their results are written and flushed in line order. A bad line gives
an error record on its own output line and the batch goes on.

The engine decides what each line gives (a point's columns of values and gradients, a Result
from the fallback pass, or a CgError); the text of each output line is the view's
(`views/points.py`, schema "cg.points/1"), handed in as `writer`. The JSON Lines readers
(read_lines, decoder, scanner) are the shelf's (core/formats.py); they, open_points and _number
are shared with `cg check --points`.
"""
from __future__ import annotations

import math
import sys

from ..core.errors import CgError, InputError
from ..core.formats import decoder, read_lines, scanner, too_long


def open_points(path: str):
    """The points file as a binary stream ('-' is stdin)."""
    if path == "-":
        return sys.stdin.buffer if hasattr(sys.stdin, "buffer") else sys.stdin
    from ..core.limits import FileProblem, open_stream
    try:                       # a regular file or a pipe, never a device (/dev/zero) or a folder
        return open_stream(path)
    except FileProblem as e:
        raise InputError(f"cg: cannot read the points file {path}: "
                         f"{e.reason.removeprefix('cannot read it: ')}") from None


def _number(name: str, v, cache: dict) -> float:
    """A point's value: a JSON number, or a string with a constant expression ("pi/4")."""
    t = type(v)
    if t is float or t is int:
        try:
            f = float(v)
        except OverflowError:
            f = math.inf
        if not math.isfinite(f):
            raise InputError(f"cg: the value of {name} must be a finite number, got {v!r}")
        return f
    if t is str:
        f = cache.get(v)
        if f is None:
            from ..core.values import constant_value
            f = cache[v] = constant_value(v, f"the value of {name}", answer=True)   # not a program
        return f
    raise InputError(f"cg: the value of {name} must be a number, got {_json_type(v)}")


def _json_type(v) -> str:
    return {dict: "an object", list: "an array", bool: "true/false", type(None): "null"}.get(type(v), repr(v))


def point_keys_error(d, free: list, fixed: dict) -> InputError:
    """Why a point's keys are not exactly the free variables."""
    if not isinstance(d, dict):
        return InputError(f"cg: a line must be a JSON object of variable values, got {_json_type(d)}")
    for name in d:
        if name in fixed:
            return InputError(f"cg: {name} is fixed on the command line (or by the program: {name} = ...); "
                              f"leave it out of the points")
        if name not in free:
            known = ", ".join(free) or "none"
            return InputError(f"cg: {name} is not a variable of the expression (the points give: {known})")
    missing = [n for n in free if n not in d]
    from ..core.names import missing_values
    return missing_values(missing)


class Tally:
    """Counts lines and remembers the first failure (for the exit code and a stderr summary).
    `render(lineno, err, extra, schema)` is the view's error line (views/points.error_line)."""

    def __init__(self, render=None):
        self.total = 0
        self.failed = 0
        self.first = None          # (line number, CgError)
        self.render = render

    def error(self, lineno: int, err: CgError, extra: str = "", schema: str | None = None) -> str:
        self.failed += 1
        if self.first is None or lineno < self.first[0]:
            self.first = (lineno, err)
        return self.render(lineno, err, extra) if schema is None else self.render(lineno, err, extra, schema)

    def code(self) -> int:
        """0 when every line gave a result, else the exit code of the first line that did not."""
        return 0 if self.first is None else self.first[1].exit_code


def eval_points(graph, fixed: dict, stream, writer, out=None, tally=None) -> Tally:
    """Run every point of a JSON Lines stream through `graph`, writing one line per point
    (the text from `writer`, a views.points.EvalWriter); returns the Tally (its code() is the
    exit code)."""
    from .columns import ChunkFailed, Plan
    from ..core.passes import run, with_defaults
    fixed = with_defaults(graph, fixed)       # the program's own values (k = 2) hold for every point
    out = out or sys.stdout
    plan = Plan(graph)
    decode = decoder()
    scan = scanner()
    free = [n for n in graph.variables if n not in fixed]
    free_set = set(free)
    cache: dict = {}
    tally = tally or Tally(writer.error)
    for block in read_lines(stream):
        results = {}               # line number -> output text
        good_lines, points = [], []
        for lineno, raw in block:
            if raw is None:
                results[lineno] = tally.error(lineno, too_long())
                continue
            raw = raw.strip()
            if not raw:
                continue
            try:                   # the fast path: one C call per line
                text = raw.decode()
                d, end = scan(text, 0)
                if end == len(text) and type(d) is dict and d.keys() == free_set:
                    good_lines.append(lineno)
                    points.append(d)
                    continue
            except (StopIteration, ValueError, RecursionError):
                pass
            try:                   # the slow path says what is wrong with the line
                d = _decode_line(decode, raw)
                if type(d) is not dict or d.keys() != free_set:
                    raise point_keys_error(d, free, fixed)
            except CgError as e:
                results[lineno] = tally.error(lineno, e)
                continue
            good_lines.append(lineno)
            points.append(d)
        tally.total += len(good_lines) + len(results)
        if points:
            cols = _columns(points, free, good_lines, results, cache, tally)
            m = len(good_lines)
            if m:
                for name, v in fixed.items():
                    cols[name] = [v] * m
                try:
                    vals, grads, flagged = plan.run(cols, m)
                    texts = writer.rows(good_lines, vals, grads, m)
                    redo = flagged
                except ChunkFailed:
                    texts = [None] * m
                    redo = range(m)
                for j in redo:      # passes.run names the error, or gives the warnings
                    point = {name: col[j] for name, col in cols.items()}
                    try:
                        texts[j] = writer.result_row(good_lines[j], run(graph, point))
                    except CgError as e:
                        texts[j] = tally.error(good_lines[j], e)
                results.update(zip(good_lines, texts))
        if results:
            write(out, "".join([results[k] for k in sorted(results)]))
    return tally


def write(out, text: str) -> None:
    """Write and flush, so `head` and pipes see each block as it is done. A reader that has
    gone away ends cg quietly (cli.main turns the closed pipe into exit 0)."""
    out.write(text)
    out.flush()


def _decode_line(decode, raw: bytes):
    try:
        return decode(raw.decode("utf-8"))
    except RecursionError:
        raise InputError("cg: the line is not read: its JSON nests too deeply") from None
    except UnicodeDecodeError as e:
        raise InputError(f"cg: the line is not UTF-8 text ({e.reason} at byte {e.start})") from None
    except ValueError as e:
        raise InputError(f"cg: the line is not valid JSON: {e}") from None


def _columns(points: list, free: list, linenos: list, results: dict, cache: dict, tally) -> dict:
    """Column per free variable; rows with a bad value become error lines (and are dropped
    from `points` and `linenos` in place)."""
    cols = {}
    fast = True
    for name in free:
        raw = [d[name] for d in points]
        if not set(map(type, raw)) <= {float, int}:
            fast = False
            break
        try:
            col = list(map(float, raw))
        except OverflowError:
            fast = False
            break
        if not math.isfinite(sum(col)):
            fast = False
            break
        cols[name] = col
    if fast:
        return cols
    keep_pts, keep_lines = [], []
    rows = []
    for lineno, d in zip(linenos, points):
        try:
            rows.append([_number(name, d[name], cache) for name in free])
        except CgError as e:
            results[lineno] = tally.error(lineno, e)
            continue
        keep_pts.append(d)
        keep_lines.append(lineno)
    points[:] = keep_pts
    linenos[:] = keep_lines
    return {name: [r[k] for r in rows] for k, name in enumerate(free)}
