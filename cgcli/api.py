"""cg's Python API: parse a program, run the passes, read the Result (the top layer: it may use
every other, as the command line does).

    >>> from cgcli import evaluate
    >>> r = evaluate("(x+y)*z", x=2, y=3, z=-4)
    >>> r.value, r.gradients
    (-20.0, {'x': -4.0, 'y': -4.0, 'z': 5.0})
"""
from __future__ import annotations

from .core.parse import parse
from .core.passes import Result as _CoreResult, run as _run


class Result(_CoreResult):
    """The core's Result, plus what a notebook or a script shows of it: JSON (schema cg.eval/1,
    exactly what `cg eval --json` prints), the node table as HTML and the graph as SVG. They
    are views, so they live here, above the core, and are imported when first used."""
    __slots__ = ()

    def to_json(self) -> str:
        """The Result as strict JSON, schema cg.eval/1: exactly what `cg eval --json` prints
        (without the final newline)."""
        import io
        from .views.json import write
        buf = io.StringIO()
        write(self, buf)
        return buf.getvalue().rstrip("\n")

    def to_dict(self) -> dict:
        """to_json() parsed: schema cg.eval/1 as Python data ("inf", "-inf", "nan" as strings)."""
        import json
        return json.loads(self.to_json())

    def _repr_html_(self) -> str:
        """The node table (Jupyter shows it)."""
        from .views.html import result_table
        return result_table(self)

    def _repr_svg_(self):
        """The graph drawn by Graphviz's dot; None (nothing shown) where dot is not installed."""
        from .views.picture import svg
        return svg(self.graph, self)


def _api(result: _CoreResult) -> Result:
    result.__class__ = Result          # the same slots: a view of the same object, no copy
    return result


def run(graph, inputs: dict | None = None) -> Result:
    """The forward and backward passes of a parsed graph at `inputs` (the program's own values
    fill in the rest)."""
    return _api(_run(graph, inputs or {}))


def evaluate(program: str, values: dict | None = None, **kwargs) -> Result:
    """Parse `program`, then run the forward and backward passes at `values` (or keywords),
    with the diagnostics `cg eval` prints (dead relus, saturated gates, vanishing gradients)
    among the warnings: `evaluate(...).to_json()` is what `cg eval --json` prints."""
    from .teach.diagnose import run_with_diagnostics
    inputs = dict(values or {})
    inputs.update(kwargs)
    return _api(run_with_diagnostics(parse(program), {k: float(v) for k, v in inputs.items()}))
