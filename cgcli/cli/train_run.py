"""What `cg descend` and `cg fit` do, for cli/train.py, which only declares the commands
(so that the module imported on every `cg` call stays small): options -> cgcli.train -> a view.
"""
from __future__ import annotations

import sys
from typing import Optional

from ..core.values import constant_value
from .app import load
from ..train import AUTO_COLUMNS, AUTO_NUMPY, ENGINES
from ..core.errors import DomainError, InputError

def _names(text: Optional[str], graph, what: str = "--params") -> Optional[list]:
    if text is None:
        return None
    names = [n.strip() for n in text.split(",") if n.strip()]
    if not names:
        raise InputError(f"cg: {what} needs at least one name, e.g. {what} x,y")
    if any(n not in graph.variables for n in names):     # a vector's name: all its elements
        from ..core.values import element_variables
        names = [e for n in names for e in (element_variables(graph, n) if n not in graph.variables
                                             and element_variables(graph, n) else [n])]
    for n in names:
        if n not in graph.variables:
            from ..core.names import unknown
            raise unknown(graph, n, "variables", what)
    if len(set(names)) != len(names):
        raise InputError(f"cg: {what} names a variable twice")
    return names


def _shapes(specs, inputs) -> tuple:
    """--shape W1=8x2 / b1=8 and --input x=x0,x1 -> ({name: shape}, [(element, column)])."""
    from ..core.values import parse_shapes
    shapes = parse_shapes(specs)
    aliases: list = []
    for spec in inputs or []:
        name, eq, cols = spec.partition("=")
        name = name.strip()
        columns = [c.strip() for c in cols.split(",") if c.strip()]
        if not eq or not name.isidentifier() or not columns:
            raise InputError(f"cg: --input takes NAME=COLUMN,COLUMN,..., got {spec!r}",
                             hint="example: --input x=x0,x1 makes the model's x[0], x[1] the columns x0, x1")
        if name in shapes:
            raise InputError(f"cg: {name} has both --shape and --input: its shape is its columns'")
        shapes[name] = (len(columns),)
        aliases += [(f"{name}[{i}]", c) for i, c in enumerate(columns)]
    return shapes, aliases


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



def descend(args, sets, params, lr, steps, tol, ftol, optimizer, momentum, beta1, beta2, eps,
            diverge, json_out, jsonl, plot, curve, precision, shape=None, init="0", seed=0):
    from ..train import loop as train
    _outputs(json_out, jsonl, plot)
    _check(lr, momentum, beta1, beta2, eps, diverge)
    shapes, _ = _shapes(shape, [])
    program, graph, inputs = load(args or [], sets or [], command="descend", shapes=shapes,
                                  require_all=not shapes)
    if shapes:                  # --shape: the elements without values start from --init
        from ..core.passes import missing_inputs, with_defaults
        from ..core.values import element_variables
        shaped = {v for name in shapes for v in element_variables(graph, name)}
        inputs = with_defaults(graph, inputs)
        missing = missing_inputs(graph, inputs)
        other = [v for v in missing if v not in shaped]
        if other:
            from ..core.names import missing_values
            raise missing_values(other)
        if init == "random":
            import random
            rng = random.Random(seed)
            inputs.update({v: rng.uniform(-0.5, 0.5) for v in missing})
        else:
            v0 = constant_value(init, "--init")
            inputs.update({v: v0 for v in missing})
    if not graph.variables:
        raise InputError("cg: the expression has no variables to minimise over",
                         hint='example: cg descend "(x-3)^2" --x 0')
    names = _names(params, graph) or list(graph.variables)
    opt = train.optimizer(optimizer, len(names), lr, momentum=momentum, beta1=beta1, beta2=beta2, eps=eps)
    from ..views.train_rich import Progress
    with Progress(steps, "descend", enabled=not (json_out or jsonl)) as bar:
        if jsonl:
            from ..views.train_json import step_line
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


def fit(args, sets, data, target, params, loss, lr, epochs, batch, shuffle, seed, init, engine,
        optimizer, momentum, beta1, beta2, eps, diverge, json_out, jsonl, plot, curve, precision,
        shape=None, inputs=None):
    from ..train import loop as train
    from ..train import data as data_mod
    _outputs(json_out, jsonl, plot)
    _check(lr, momentum, beta1, beta2, eps, diverge)
    if engine not in ENGINES:
        raise InputError(f"cg: unknown engine {engine!r}: choose {', '.join(ENGINES)}")
    shapes, aliases = _shapes(shape, inputs)
    program, model, given = load(args or [], sets or [], require_all=False, command="fit", shapes=shapes)
    table = data_mod.read(data)
    for name, column in aliases:
        if name in model.variables:
            table.alias(name, column)
    columns = set(table.columns)
    # values written in the model (w = 0.5) start a parameter or hold a variable, as --w 0.5 does
    given = {**{n: v for n, v in model.defaults.items() if n not in columns}, **given}
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
        from ..batch.arrays import numpy, supports
        if numpy() is None:
            raise InputError("cg: --engine numpy needs NumPy, which is not installed",
                             hint="install it with: pip install 'cgcli[fast]'")
        if not supports(graph):
            raise InputError("cg: --engine numpy: an op of the model has no column-wise form")
    elif engine == "auto":
        use = "columns" if size >= AUTO_COLUMNS else "python"
        if size >= AUTO_NUMPY:          # NumPy is imported only here, and only if installed
            from ..batch.arrays import numpy, supports
            if supports(graph) and numpy() is not None:
                use = "numpy"
    trainer = train.Trainer(graph, pred, cols, names, fixed, table, engine=use)
    opt = train.optimizer(optimizer, len(names), lr, momentum=momentum, beta1=beta1, beta2=beta2, eps=eps)
    info = {"file": table.source, "rows": n, "columns": data_vars, "target": target,
            "loss_name": spec.name, "loss_text": spec.text, "engine": use}
    from ..views.train_rich import Progress
    with Progress(epochs, "fit", enabled=not (json_out or jsonl)) as bar:
        if jsonl:
            from ..views.train_json import epoch_line
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
