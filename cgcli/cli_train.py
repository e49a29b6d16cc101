"""`cg descend` and `cg fit`: the training loop of the seeds on the user's expression.

Wiring only: options -> cgcli.train -> a view. Heavy imports happen inside the commands.
"""
from __future__ import annotations

import sys
from typing import List, Optional

import typer

from .cli import _VAR_OPTIONS, app, constant_value, load
from .errors import DomainError, InputError

# --engine auto (bench/train.py): mini-batches of at least AUTO_COLUMNS points run column-wise
# in pure Python (cgcli.batch), of at least AUTO_NUMPY points column-wise with NumPy when it is
# installed; smaller ones point by point, which is faster there
AUTO_COLUMNS = 4
AUTO_NUMPY = 32
ENGINES = ("auto", "python", "columns", "numpy")


def _names(text: Optional[str], graph, what: str = "--params") -> Optional[list]:
    if text is None:
        return None
    names = [n.strip() for n in text.split(",") if n.strip()]
    if not names:
        raise InputError(f"cg: {what} needs at least one name, e.g. {what} x,y")
    for n in names:
        if n not in graph.variables:
            have = ", ".join(graph.variables) or "none"
            raise InputError(f"cg: {what}: {n} is not a variable of the expression",
                             hint=f"its variables: {have}")
    if len(set(names)) != len(names):
        raise InputError(f"cg: {what} names a variable twice")
    return names


def _check(lr, momentum, beta1, beta2, eps, diverge):
    import math
    if not (math.isfinite(lr) and lr > 0):
        raise InputError(f"cg: --lr must be a positive number, got {lr}")
    if not 0 <= momentum < 1:
        raise InputError(f"cg: --momentum must be in [0, 1), got {momentum}")
    for name, b in (("--beta1", beta1), ("--beta2", beta2)):
        if not 0 <= b < 1:
            raise InputError(f"cg: {name} must be in [0, 1), got {b}")
    if not eps > 0:
        raise InputError(f"cg: --eps must be positive, got {eps}")
    if not diverge > 0:
        raise InputError(f"cg: --diverge must be positive, got {diverge}")


def _outputs(json_out: bool, jsonl: bool, plot: Optional[str]):
    if json_out and jsonl:
        raise InputError("cg: --json and --jsonl are alternatives: give one")
    if plot is not None:
        from .views.plot import check_target
        check_target(plot)


def _finish(run, json_out, jsonl, plot, curve, precision):
    if json_out:
        from .views import train_json
        sys.stdout.write(train_json.document(run))
    elif jsonl:
        from .views import train_json
        sys.stdout.write(train_json.last_line(run))
    else:
        from .views import train_rich
        show = curve if curve is not None else train_rich.console().is_terminal
        train_rich.print_run(run, precision, curve=show)
    if plot is not None:
        from .views import plot as plot_view
        unit, first = ("step", 0) if run.kind == "descend" else ("epoch", 1)
        plot_view.write(plot, list(run.history), f"cg {run.kind}: {run.source.strip()}"[:120], unit, first)
    if run.diverged:
        raise DomainError(run.message)


# shared options
_LR = typer.Option(0.1, "--lr", help="Learning rate (step size).")
_OPT = typer.Option("gd", "--optimizer", metavar="gd|momentum|adam", help="The update rule.")
_MOM = typer.Option(0.9, "--momentum", help="Momentum's decay (with --optimizer momentum).")
_B1 = typer.Option(0.9, "--beta1", help="Adam's decay of the gradient's mean.")
_B2 = typer.Option(0.999, "--beta2", help="Adam's decay of the squared gradient's mean.")
_EPS = typer.Option(1e-8, "--eps", help="Adam's denominator guard.")
_DIV = typer.Option(1e6, "--diverge", metavar="FACTOR",
                    help="Stop (exit 3) when the loss rises above its lowest value so far by more "
                         "than FACTOR × max(1, |lowest|).")
_JSON = typer.Option(False, "--json", help="Print the run as one strict JSON object, with every step.")
_JSON_FIT = typer.Option(False, "--json", help="Print the run as one strict JSON object, with every epoch.")
_JSONL = typer.Option(False, "--jsonl", help="Stream one JSON line per step, then one for the result.")
_JSONL_FIT = typer.Option(False, "--jsonl", help="Stream one JSON line per epoch, then one for the result.")
_PLOT = typer.Option(None, "--plot", metavar="FILE.svg|FILE.png", help="Write the loss curve to a file.")
_CURVE = typer.Option(None, "--curve/--no-curve",
                      help="Show the loss curve in the terminal (default: when stdout is a terminal).")
_PREC = typer.Option(None, "--precision", min=1, max=17, help="Significant digits in the table.")
_SETS = typer.Option(None, "--set", metavar="NAME=VALUE",
                     help="A variable's value, for names that clash with cg's options.")


@app.command("descend", context_settings=_VAR_OPTIONS)
def descend_cmd(
    args: Optional[List[str]] = typer.Argument(
        None, metavar="EXPR [--NAME VALUE]...",
        help="The expression to minimise ('-' reads it from stdin), then a start value for each variable."),
    params: Optional[str] = typer.Option(None, "--params", metavar="x,y",
                                         help="The variables to optimise (default: all); the others stay fixed."),
    lr: float = _LR,
    steps: int = typer.Option(1000, "--steps", min=0, help="At most this many updates."),
    tol: float = typer.Option(1e-8, "--tol", min=0.0, help="Stop when the gradient norm is at most this."),
    ftol: Optional[float] = typer.Option(None, "--ftol", min=0.0,
                                         help="Stop when the loss changes by at most this in one step."),
    optimizer: str = _OPT, momentum: float = _MOM, beta1: float = _B1, beta2: float = _B2,
    eps: float = _EPS, diverge: float = _DIV,
    json_out: bool = _JSON, jsonl: bool = _JSONL, plot: Optional[str] = _PLOT,
    curve: Optional[bool] = _CURVE, precision: Optional[int] = _PREC,
    sets: Optional[List[str]] = _SETS,
):
    """Minimise EXPR by gradient descent: forward, backward, update W = W - lr × gradient, repeat.

    \b
    Stops at --steps updates, when the gradient norm is at most --tol, when the loss changes
    by at most --ftol, or (exit 3) when the loss diverges.
    Examples:
      cg descend "(x-3)^2 + (y+1)^2" --x 0 --y 0 --lr 0.1
      cg descend "(x-3)^2 + (y+1)^2" --x 0 --y 0 --optimizer adam --lr 0.3 --json
      cg descend "x^2 + a*y^2" --x 1 --y 1 --a 10 --params x,y --optimizer momentum --lr 0.01
    """
    from . import train
    _outputs(json_out, jsonl, plot)
    _check(lr, momentum, beta1, beta2, eps, diverge)
    program, graph, inputs = load(args or [], sets or [], command="descend")
    if not graph.variables:
        raise InputError("cg: the expression has no variables to minimise over",
                         hint='example: cg descend "(x-3)^2" --x 0')
    names = _names(params, graph) or list(graph.variables)
    opt = train.optimizer(optimizer, len(names), lr, momentum=momentum, beta1=beta1, beta2=beta2, eps=eps)
    from .views.train_rich import Progress
    with Progress(steps, "descend", enabled=not (json_out or jsonl)) as bar:
        if jsonl:
            from .views.train_json import step_line
            write = sys.stdout.write
            flush = sys.stdout.flush

            def on_step(k, loss, gn, p, g):
                write(step_line(names, k, loss, gn, p, g))
                flush()
        elif bar.bar is not None:
            def on_step(k, loss, gn, p, g):
                bar.update(k, loss)
        else:
            on_step = None
        run = train.descend(graph, inputs, names, opt, steps=steps, tol=tol, ftol=ftol,
                            diverge=diverge, on_step=on_step)
    _finish(run, json_out, jsonl, plot, curve, precision)


@app.command("fit", context_settings=_VAR_OPTIONS)
def fit_cmd(
    args: Optional[List[str]] = typer.Argument(
        None, metavar="MODEL [--NAME VALUE]...",
        help="The model expression ('-' reads it from stdin); --NAME VALUE gives a parameter's "
             "start value or holds another variable fixed."),
    data: str = typer.Option(..., "--data", metavar="FILE",
                             help="CSV with a header row, or JSON Lines ('-' for stdin)."),
    target: str = typer.Option("y", "--target", metavar="COLUMN", help="The column with the answers."),
    params: Optional[str] = typer.Option(None, "--params", metavar="w0,w1,b",
                                         help="The parameters to train (default: every variable "
                                              "that is not a column of the data)."),
    loss: str = typer.Option("mse", "--loss", metavar="mse|bce|EXPR",
                             help="mse, bce, or an expression in pred and target."),
    lr: float = _LR,
    epochs: int = typer.Option(100, "--epochs", min=0, help="Passes over the data."),
    batch: int = typer.Option(1, "--batch", min=0,
                              help="Points per update (1: per point; 0: the whole data set)."),
    shuffle: bool = typer.Option(True, "--shuffle/--no-shuffle", help="Shuffle the rows every epoch."),
    seed: int = typer.Option(0, "--seed", help="Seed for shuffling and --init random."),
    init: str = typer.Option("0", "--init", metavar="VALUE|random",
                             help="Start value of parameters not given with --NAME VALUE; "
                                  "'random': uniform in [-0.5, 0.5)."),
    engine: str = typer.Option("auto", "--engine", metavar="auto|python|columns|numpy",
                               help="How a mini-batch runs: python, point by point; columns, one "
                                    "column-wise pass in pure Python; numpy, one with NumPy. auto: "
                                    f"columns from --batch {AUTO_COLUMNS}, numpy from --batch "
                                    f"{AUTO_NUMPY} when installed."),
    optimizer: str = _OPT, momentum: float = _MOM, beta1: float = _B1, beta2: float = _B2,
    eps: float = _EPS, diverge: float = _DIV,
    json_out: bool = _JSON_FIT, jsonl: bool = _JSONL_FIT, plot: Optional[str] = _PLOT,
    curve: Optional[bool] = _CURVE, precision: Optional[int] = _PREC,
    sets: Optional[List[str]] = _SETS,
):
    """Train MODEL on data: per mini-batch, forward to the loss, backward to the parameters, update.

    \b
    The data file's columns are the model's other variables; the target column holds the answers.
    Example (the data ships in examples/):
      cg fit "sigmoid(w0*x0 + w1*x1 + b)" --data examples/blobs.csv --target y \\
             --params w0,w1,b --loss bce --lr 0.5 --epochs 200
    """
    from . import train
    from . import data as data_mod
    _outputs(json_out, jsonl, plot)
    _check(lr, momentum, beta1, beta2, eps, diverge)
    if engine not in ENGINES:
        raise InputError(f"cg: unknown engine {engine!r}: choose {', '.join(ENGINES)}")
    program, model, given = load(args or [], sets or [], require_all=False, command="fit")
    table = data_mod.read(data)
    columns = set(table.columns)
    names = _names(params, model)
    if names is None:
        names = [v for v in model.variables if v not in columns and v != target]
    for v in given:
        if v not in names and v in columns:
            raise InputError(f"cg: --{v}: {v} is a column of {table.source}, so its values come from the data",
                             hint=f"to train {v} as a parameter instead, list it in --params")
    fixed = {v: given[v] for v in given if v not in names}
    data_vars = [v for v in model.variables if v not in names and v not in fixed]
    for v in data_vars:
        if v not in columns:
            e = table.missing(v, f", and {v} is not a parameter")
            e.hint += f"\nlist {v} in --params to train it, or hold it fixed with --{v} VALUE"
            raise e
    if not names:
        raise InputError(f"cg: nothing to train: every variable of the model is a column of {table.source}",
                         hint="name the parameters with --params")
    graph, pred, spec = train.loss_graph(model, loss, target)
    cols = {v: table.column(v) for v in data_vars}
    cols[target] = table.column(target)
    if spec.classification:
        bad = next((r for r, t in enumerate(cols[target]) if not 0 <= t <= 1), None)
        if bad is not None:
            raise InputError(f"cg: {table.where(bad)}, column {target}: {cols[target][bad]!r} is not "
                             f"a probability: --loss {spec.name} needs targets between 0 and 1")
    if init == "random":
        import random
        rng = random.Random(seed)
        start = {n: given[n] if n in given else rng.uniform(-0.5, 0.5) for n in names}
    else:
        v0 = constant_value(init, "--init")
        start = {n: given.get(n, v0) for n in names}
    n = len(table)
    size = n if batch == 0 or batch > n else batch
    use = engine
    if engine == "numpy":
        from .vector import numpy, supports
        if numpy() is None:
            raise InputError("cg: --engine numpy needs NumPy, which is not installed",
                             hint="install it with: pip install 'cgcli[fast]'")
        if not supports(graph):
            raise InputError("cg: --engine numpy: an op of the model has no column-wise form")
    elif engine == "auto":
        use = "columns" if size >= AUTO_COLUMNS else "python"
        if size >= AUTO_NUMPY:          # NumPy is imported only here, and only if installed
            from .vector import numpy, supports
            if supports(graph) and numpy() is not None:
                use = "numpy"
    trainer = train.Trainer(graph, pred, cols, names, fixed, table, engine=use)
    opt = train.optimizer(optimizer, len(names), lr, momentum=momentum, beta1=beta1, beta2=beta2, eps=eps)
    info = {"file": table.source, "rows": n, "columns": data_vars, "target": target,
            "loss_name": spec.name, "loss_text": spec.text, "engine": use}
    from .views.train_rich import Progress
    with Progress(epochs, "fit", enabled=not (json_out or jsonl)) as bar:
        if jsonl:
            from .views.train_json import epoch_line
            write = sys.stdout.write
            flush = sys.stdout.flush

            def on_epoch(e, mean, p):
                write(epoch_line(names, e, mean, p))
                flush()
        elif bar.bar is not None:
            def on_epoch(e, mean, p):
                bar.update(e, mean)
        else:
            on_epoch = None
        run = train.fit(trainer, program, start, fixed, opt, epochs=epochs, batch=size,
                        shuffle=shuffle, seed=seed, diverge=diverge, info=info,
                        classification=spec.classification, target=target, on_epoch=on_epoch)
    run.settings["engine"] = use
    _finish(run, json_out, jsonl, plot, curve, precision)
