"""What `cg descend` and `cg fit` run, for cli/train.py, which only declares the commands and
builds their requests (so that the module imported on every `cg` call stays small):
request -> cli/app.load -> cgcli.train.setup (the plan) -> the loop -> a view.
"""
from __future__ import annotations

import sys
from typing import Optional

from .app import load
from ..core.errors import DomainError, InputError


def _outputs(json_out: bool, jsonl: bool, plot: Optional[str]):
    if json_out and jsonl:
        raise InputError("cg: --json and --jsonl are alternatives: give one")
    if plot is not None:
        from ..views.plot import check_target
        check_target(plot)


def _finish(run, json_out, jsonl, plot, curve, precision):
    if json_out:
        from ..views import train_json
        sys.stdout.write(train_json.document(run))
    elif jsonl:
        from ..views import train_json
        sys.stdout.write(train_json.last_line(run))
    else:
        from ..views import train_rich
        show = curve if curve is not None else train_rich.console().is_terminal
        train_rich.print_run(run, precision, curve=show)
    if plot is not None:
        from ..views import plot as plot_view
        unit, first = ("step", 0) if run.kind == "descend" else ("epoch", 1)
        plot_view.write(plot, list(run.history), f"cg {run.kind}: {run.source.strip()}"[:120], unit, first)
    if run.diverged:
        raise DomainError(run.message)


def _run(plan, kind: str, total: int, json_out, jsonl):
    """The loop with its live view: JSON lines as it goes (--jsonl), a progress bar, or nothing."""
    from ..views.train_rich import Progress
    with Progress(total, kind, enabled=not (json_out or jsonl)) as bar:
        if jsonl:
            from ..views import train_json
            line = train_json.step_line if kind == "descend" else train_json.epoch_line
            write = sys.stdout.write
            flush = sys.stdout.flush
            names = plan.names

            def on_tick(*a):
                write(line(names, *a))
                flush()
        elif bar.bar is not None:
            def on_tick(k, loss, *_):
                bar.update(k, loss)
        else:
            on_tick = None
        return plan.run(on_tick)


def descend(args, sets, req, json_out, jsonl, plot, curve, precision):
    from ..train import setup
    _outputs(json_out, jsonl, plot)
    req.check()
    shapes, _ = setup.shapes(req.shape, [])
    program, graph, inputs = load(args or [], sets or [], command="descend", shapes=shapes,
                                  require_all=not shapes)
    plan = setup.descend_plan(req, graph, inputs, shapes)
    _finish(_run(plan, "descend", req.steps, json_out, jsonl), json_out, jsonl, plot, curve, precision)


def fit(args, sets, req, json_out, jsonl, plot, curve, precision):
    from ..train import setup
    _outputs(json_out, jsonl, plot)
    req.check()
    shapes, aliases = setup.shapes(req.shape, req.inputs)
    program, model, given = load(args or [], sets or [], require_all=False, command="fit", shapes=shapes)
    plan = setup.fit_plan(req, program, model, given, aliases)
    _finish(_run(plan, "fit", req.epochs, json_out, jsonl), json_out, jsonl, plot, curve, precision)
