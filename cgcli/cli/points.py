"""`cg eval --points`: the batch engine (batch/points.py) with the cg.points/1 view
(views/points.py), the summary on stderr and the exit code. Its Tally (the summary on stderr)
also counts `cg check --points`'s lines (cli/check_run.py)."""
from __future__ import annotations

import sys

from ..batch.points import Tally as _Tally
from ..batch.points import eval_points as _run
from ..views.points import EvalWriter, error_line, summary


class Tally(_Tally):
    """The engine's tally with the view's error lines; finish() prints the summary."""

    def __init__(self):
        super().__init__(error_line)

    def finish(self) -> int:
        """0 when every line gave a result, else the exit code of the first line that did not."""
        text = summary(self)
        if text is not None:
            print(text, file=sys.stderr)
        return self.code()


def eval_points(graph, fixed: dict, stream, out=None) -> int:
    """Every point of a JSON Lines stream through `graph`, one cg.points/1 line each; the exit code."""
    return _run(graph, fixed, stream, EvalWriter(graph), out, Tally()).finish()
