"""Data files for `cg fit`: CSV with a header row, or JSON Lines (one object per line).

The format is told by the content: a file whose first non-blank character is `{` is JSON
Lines, anything else is CSV (comma-separated, a header row naming the columns). Only the
columns a command asks for are converted to numbers, so other columns may hold text.
Every problem is an InputError (exit 2) that names the file and the line.
"""
from __future__ import annotations

import math
from array import array

from ..core.errors import InputError


class Data:
    """Rows of a data file; `column(name)` gives one column as floats."""
    __slots__ = ("source", "columns", "lines", "header_line", "_rows", "_index", "_json", "_cache")

    def __init__(self, source: str, columns: list, lines: list, rows: list, is_json: bool,
                 header_line: int = 0):
        self.source = source            # the file name as given ("<stdin>" for -)
        self.columns = columns          # every column name, in file order
        self.lines = lines              # each row's line number in the file (1-based)
        self.header_line = header_line  # CSV: the header's line number
        self._rows = rows               # CSV: lists of cells; JSON Lines: dicts
        self._index = {name: k for k, name in enumerate(columns)}
        self._json = is_json
        self._cache: dict = {}

    def __len__(self) -> int:
        return len(self._rows)

    def where(self, row: int) -> str:
        """'points.csv, line 7' for data row `row` (0-based)."""
        return f"{self.source}, line {self.lines[row]}"

    def missing(self, name: str, why: str = "") -> InputError:
        """The error for a column the file lacks, naming the header line (CSV) or the first line."""
        if self._json:
            return InputError(f"cg: {self.where(0)}: no value for {name}{why}",
                              hint=f"the keys in the file: {', '.join(self.columns)}")
        return InputError(f"cg: {self.source}, line {self.header_line}: the header has no column {name}{why}",
                          hint=f"its columns: {', '.join(self.columns)}")

    def alias(self, name: str, column: str) -> None:
        """Read column `column` also as `name` (cg fit's --input x=x0,x1 makes x[0] the column x0)."""
        self._cache[name] = self.column(column)
        self._index[name] = self._index[column]
        self.columns.append(name)

    def column(self, name: str) -> array:
        """The column as floats; an InputError names the first bad cell's line."""
        col = self._cache.get(name)
        if col is not None:
            return col
        if name not in self._index:
            raise self.missing(name)
        col = array("d")
        isfinite = math.isfinite
        if self._json:
            for r, obj in enumerate(self._rows):
                if name not in obj:
                    raise InputError(f"cg: {self.where(r)}: no value for {name}")
                v = obj[name]
                if isinstance(v, bool) or not isinstance(v, (int, float)):
                    raise InputError(f"cg: {self.where(r)}, column {name}: {_show(v)} is not a number")
                v = float(v)
                if not isfinite(v):
                    raise InputError(f"cg: {self.where(r)}, column {name}: {_show(v)} is not a finite number")
                col.append(v)
        else:
            k = self._index[name]
            for r, cells in enumerate(self._rows):
                cell = cells[k].strip()
                try:
                    v = float(cell)
                except ValueError:
                    what = "the cell is empty" if not cell else f"{cell!r} is not a number"
                    raise InputError(f"cg: {self.where(r)}, column {name}: {what}") from None
                if not isfinite(v):
                    raise InputError(f"cg: {self.where(r)}, column {name}: {cell!r} is not a finite number")
                col.append(v)
        self._cache[name] = col
        return col


def _show(v) -> str:
    import json
    try:
        return json.dumps(v)[:40]
    except ValueError:
        return repr(v)


def read(path: str, stdin=None) -> Data:
    """Read a CSV or JSON Lines file ('-' for stdin)."""
    if path == "-":
        from ..core import limits
        from ..core.formats import read_stdin
        source = "<stdin>"
        raw = read_stdin(stdin)              # with the size bound, as a file
        if raw is None:
            raise InputError(f"cg: {source}: {limits.too_large(source)}")
    else:
        source = path
        import os
        from ..core.limits import FileProblem, read_bytes
        try:
            raw = read_bytes(path)            # with the size bound (core/limits.py)
        except FileProblem as e:
            if os.path.isdir(path):
                raise InputError(f"cg: cannot read {path}: it is a directory") from None
            if not os.path.exists(path):
                raise InputError(f"cg: cannot read {path}: no such file") from None
            raise InputError(f"cg: cannot read {path}: {e.reason.removeprefix('cannot read it: ')}") from None
    if isinstance(raw, str):
        text = raw
    else:
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError as e:
            raise InputError(f"cg: {source} is not UTF-8 text (byte {e.start})") from None
    stripped = text.lstrip()
    if not stripped:
        raise InputError(f"cg: {source} is empty: expected a header row naming the columns, "
                         f"then one row per data point",
                         hint="example:\nx0,x1,y\n0.5,-1.2,1")
    if stripped[0] == "{":
        data = _read_jsonl(text, source)
    else:
        data = _read_csv(text, source)
    if not len(data):
        raise InputError(f"cg: {source} has no data rows" + ("" if data._json else " (only a header)"))
    return data


def _read_csv(text: str, source: str) -> Data:
    from ..core.formats import csv_rows
    header = None
    header_line = 0
    rows: list = []
    lines: list = []
    for line, cells, err in csv_rows(text):       # the shelf's CSV reader: the first bad row stops
        if err is not None:
            raise InputError(f"cg: {source}, line {line}: not valid CSV ({err})")
        if not cells or all(not c.strip() for c in cells):
            continue                        # blank lines
        if header is None:
            header = [c.strip() for c in cells]
            header_line = line
            _check_header(header, source, line)
            continue
        if len(cells) != len(header):
            raise InputError(f"cg: {source}, line {line}: {len(cells)} field"
                             f"{'s' if len(cells) != 1 else ''}, but the header has {len(header)} "
                             f"({', '.join(header)})")
        rows.append(cells)
        lines.append(line)
    return Data(source, header or [], lines, rows, False, header_line)


def _check_header(header: list, source: str, line: int):
    seen = set()
    for k, name in enumerate(header):
        if not name:
            raise InputError(f"cg: {source}, line {line}: column {k + 1} of the header has no name")
        if name in seen:
            raise InputError(f"cg: {source}, line {line}: the column {name} appears twice in the header")
        seen.add(name)


def _read_jsonl(text: str, source: str) -> Data:
    import json
    from ..core.formats import jsonl_records
    rows: list = []
    lines: list = []
    columns: dict = {}
    for n, obj, e in jsonl_records(text):        # the shelf's JSON Lines reader: the first bad line stops
        if isinstance(e, RecursionError):
            raise InputError(f"cg: {source}, line {n}: not read: the line's JSON nests too deeply")
        if isinstance(e, json.JSONDecodeError):
            raise InputError(f"cg: {source}, line {n}: not valid JSON ({e.msg} at column {e.colno})")
        if e is not None:
            raise InputError(f"cg: {source}, line {n}: {e}")
        if not isinstance(obj, dict):
            raise InputError(f"cg: {source}, line {n}: expected a JSON object such as "
                             f'{{"x0": 0.5, "y": 1}}, got {_show(obj)}')
        for k in obj:
            columns.setdefault(k, None)
        rows.append(obj)
        lines.append(n)
    return Data(source, list(columns), lines, rows, True)
