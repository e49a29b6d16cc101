"""Rich views of a training run: the progress bar while it runs, then the result table and
the loss curve. They render a finished `cgcli.train.loop.Run` and compute nothing."""
from __future__ import annotations

import sys
import time

from rich.console import Console
from rich.table import Table
from rich.text import Text

from ..core.fmt import PRECISION, fmt
from . import plot
from .rich import GRAD, VALUE, console



class Progress:
    """A Rich progress bar on stderr when stderr is a terminal; otherwise it does nothing.
    update() is cheap to call every step: the bar is redrawn at most every 50 ms."""

    def __init__(self, total: int, what: str, enabled: bool = True):
        self.bar = None
        self.next = 0.0
        err = Console(file=getattr(sys.stderr, "unfiltered", sys.stderr))     # the raw stream: cg's own bar
        if not (enabled and err.is_terminal):
            return
        from rich.progress import BarColumn, MofNCompleteColumn, Progress as P, TextColumn, TimeElapsedColumn
        self.bar = P(TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
                     TextColumn("loss {task.fields[loss]}"), TimeElapsedColumn(),
                     console=err, transient=True)
        self.task = self.bar.add_task(what, total=total, loss="")

    def __enter__(self):
        if self.bar is not None:
            self.bar.start()
        return self

    def __exit__(self, *exc):
        if self.bar is not None:
            self.bar.stop()
        return False

    def update(self, done: int, loss: float, force: bool = False):
        if self.bar is None:
            return
        now = time.monotonic()
        if force or now >= self.next:
            self.next = now + 0.05
            self.bar.update(self.task, completed=done, loss=fmt(loss, 4))


def _title(run, precision) -> Text:
    t = Text()
    text = " ".join(run.source.split())          # one line; a long program is cut short
    t.append(text if len(text) <= 80 else text[:77] + "...", style="bold")
    opt = run.optimizer
    extra = ", ".join(f"{k} {fmt(v)}" for k, v in opt.items() if k not in ("name", "lr"))
    how = f"{opt['name']}, lr {fmt(opt['lr'])}" + (f", {extra}" if extra else "")
    if run.kind == "descend":
        t.append(f"  minimised over {', '.join(run.params)} by {how}")
    else:
        i = run.info
        t.append(f"  fitted to {i['file']} ({i['rows']} rows, target {i['target']}), "
                 f"loss {i['loss_name']}, {how}")
    return t


def _outcome(run) -> Text:
    t = Text()
    st = run.settings
    if run.kind == "descend":
        n = run.updates
        steps = f"{n} step{'s' if n != 1 else ''}"
        gn = fmt(run.grad_norm, 3)
        if run.stopped == "tol":
            t.append(f"converged in {steps}: the gradient norm {gn} ≤ --tol {fmt(st['tol'])}",
                     style="bold green")
        elif run.stopped == "ftol":
            t.append(f"converged in {steps}: the loss changed by at most --ftol {fmt(st['ftol'])}",
                     style="bold green")
        elif run.stopped == "steps":
            t.append(f"stopped after --steps {n}: the gradient norm {gn} is still above "
                     f"--tol {fmt(st['tol'])}", style="yellow")
        else:
            t.append(f"diverged at step {n}", style="bold red")
    else:
        e = len(run.history)
        per = -(-run.info["rows"] // st["batch"])
        t.append(f"{e} epoch{'s' if e != 1 else ''} × {per} batch{'es' if per != 1 else ''} "
                 f"of {st['batch']} = {run.updates} updates")
        if run.diverged:
            t.append(": diverged", style="bold red")
    return t


def table(run, precision=None) -> Table:
    t = Table(caption_justify="left")
    t.add_column("", no_wrap=True)
    t.add_column("start", justify="right", no_wrap=True)
    t.add_column("final", justify="right", style=VALUE, no_wrap=True)
    grad_head = "gradient" if run.kind == "descend" else "gradient (mean)"
    t.add_column(grad_head, justify="right", style=GRAD, no_wrap=True)
    for name in run.params:
        g = run.gradients.get(name)
        t.add_row(name, fmt(run.start[name], precision), fmt(run.final[name], precision),
                  "" if g is None else fmt(g, precision))
    t.add_section()
    if run.kind == "descend":
        first_loss = run.history[0] if run.history else None
        first_norm = run.gnorms[0] if run.gnorms else None
        t.add_row("loss", _f(first_loss, precision), _f(run.loss, precision), "", style="bold")
        t.add_row("‖gradient‖", _f(first_norm, precision), "", _f(run.grad_norm, precision))
    else:
        first = run.history[0] if run.history else None
        t.add_row("loss (mean)", _f(first, precision) + (" ¹" if first is not None else ""),
                  _f(run.loss, precision), "", style="bold")
        t.add_row("‖gradient‖", "", "", _f(run.grad_norm, precision))
        if run.accuracy is not None:
            rows = run.info["rows"]
            right = round(run.accuracy * rows)
            t.add_row("accuracy", "", f"{run.accuracy * 100:.1f}% ({right}/{rows})", "", style="bold")
        if first is not None:
            t.caption = "¹ mean over epoch 1, as the losses came during it"
    if run.fixed:
        fixed = "fixed: " + ", ".join(f"{k} = {fmt(v, precision)}" for k, v in run.fixed.items())
        t.caption = fixed if not t.caption else t.caption + "\n" + fixed
    return t


def _f(v, precision) -> str:
    """A number, or blank where there is none (None; nan = not computed, e.g. after divergence)."""
    return "" if v is None or v != v else fmt(v, precision)


def print_run(run, precision=None, curve: bool = False, file=None) -> None:
    if precision is None:              # the grading tables' number format: 4 significant digits
        precision = PRECISION
    c = console(file)
    c.print(_title(run, precision))
    c.print(table(run, precision))
    c.print(_outcome(run))
    if curve and len(run.history) > 1:
        unit, first = ("step", 0) if run.kind == "descend" else ("epoch", 1)
        lines = plot.curve(list(run.history), unit=unit, first=first)
        c.print(Text("\n".join(lines), style="cyan"))
