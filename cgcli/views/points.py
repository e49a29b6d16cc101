"""The lines of `cg eval --points` (schema "cg.points/1", README): per input line with a point,
    {"schema": "cg.points/1", "line": 3, "value": ..., "gradients": {...},
     "nodes": {...}  (only when the program names intermediate nodes), "warnings": [...]}
and per bad line
    {"schema": "cg.points/1", "line": 4, "error": "...", "exit_code": 2}
Blank lines are skipped (their numbers still count). The engine that decides what each line
gives is batch/points.py; this module only writes the text.
"""
from __future__ import annotations

from ..core.errors import CgError
from ..core.fmt import json_number, json_numbers
from ..core.formats import quote

SCHEMA = "cg.points/1"


def error_line(lineno: int, err: CgError, extra: str = "", schema: str = SCHEMA) -> str:
    msg = err.message.removeprefix("cg: ")
    return (f'{{"schema": "{schema}", "line": {lineno}{extra}, "error": {quote(msg)}, '
            f'"exit_code": {err.exit_code}}}\n')


class EvalWriter:
    """Formats each point's result as one cg.points/1 line."""

    def __init__(self, graph):
        self.graph = graph
        var_ids = list(graph.variables.values())
        grads = ", ".join(f"{quote(n)}: %s" for n in graph.variables)
        named = [(n, i) for n, i in graph.assigned.items()]
        self.node_ids = [i for _, i in named]
        self.node_needs = [bool(graph.needs_grad[i]) for _, i in named]
        nodes = ""
        if named:
            nodes = ', "nodes": {' + ", ".join(f'{quote(n)}: {{"value": %s, "grad": %s}}' for n, _ in named) + "}"
        self.template = (f'{{"schema": "{SCHEMA}", "line": %d, "value": %s, "gradients": {{{grads}}}'
                         f'{nodes}, "warnings": [%s]}}\n')
        self.var_ids = var_ids

    error = staticmethod(error_line)

    def rows(self, linenos, vals, grads, m):
        """The lines for m points evaluated together (columns of values and gradients)."""
        N = json_numbers
        g = self.graph
        zeros = ["0"] * m
        cols = [linenos, N(vals[g.output])]
        for i in self.var_ids:
            col = grads[i]
            cols.append(zeros if col is None else N(col))
        for i, needs in zip(self.node_ids, self.node_needs):
            cols.append(N(vals[i]))
            if not needs:
                cols.append(["null"] * m)
            else:
                cols.append(zeros if grads[i] is None else N(grads[i]))
        cols.append([""] * m)
        t = self.template
        return [t % row for row in zip(*cols)]

    def result_row(self, lineno, result) -> str:
        """The line for one point run by passes.run (the fallback path)."""
        N = json_number
        g = self.graph
        row = [lineno, N(result.value)]
        row += [N(result.grads[i]) for i in self.var_ids]
        for i, needs in zip(self.node_ids, self.node_needs):
            row.append(N(result.values[i]))
            row.append(N(result.grads[i]) if needs else "null")
        row.append(", ".join(quote(w) for w in result.warnings if w not in g.warnings))
        return self.template % tuple(row)


def summary(tally) -> str | None:
    """The stderr line of a batch with failed lines (None when every line gave a result)."""
    if tally.first is None:
        return None
    lineno, err = tally.first
    s = "s" if tally.total != 1 else ""
    return (f"cg: {tally.failed} of {tally.total} line{s} failed; first: line {lineno}: "
            f"{err.message.removeprefix('cg: ')}")
