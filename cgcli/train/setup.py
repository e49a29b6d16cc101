"""What `cg descend` and `cg fit` decide before the loop runs: which variables are parameters and
which are data columns, the engine, the start values. The command builds a request
(DescendRequest, FitRequest) from its options, reads the program (cli/app.load) and calls
descend_plan / fit_plan here; the plan's run() runs the loop (loop.py) and gives a Run for a view.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Optional

from ..core.errors import InputError
from ..core.values import constant_value
from . import AUTO_COLUMNS, AUTO_NUMPY, ENGINES


@dataclass
class Update:
    """The update rule and when the loss diverges (--optimizer, --lr, ..., --diverge)."""
    optimizer: str = "gd"
    lr: float = 0.1
    momentum: float = 0.9
    beta1: float = 0.9
    beta2: float = 0.999
    eps: float = 1e-8
    diverge: float = 1e6

    def check(self) -> None:
        """The ranges (the options' types check them too; NaN and callers from Python land here)."""
        if not (math.isfinite(self.lr) and self.lr > 0):
            raise InputError(f"cg: --lr must be a positive number, got {self.lr}")
        if not 0 <= self.momentum < 1:
            raise InputError(f"cg: --momentum must be in [0, 1), got {self.momentum}")
        for name, b in (("--beta1", self.beta1), ("--beta2", self.beta2)):
            if not 0 <= b < 1:
                raise InputError(f"cg: {name} must be in [0, 1), got {b}")
        if not self.eps > 0:
            raise InputError(f"cg: --eps must be positive, got {self.eps}")
        if not self.diverge > 0:
            raise InputError(f"cg: --diverge must be positive, got {self.diverge}")

    def optimizer_for(self, n: int):
        from .loop import optimizer
        return optimizer(self.optimizer, n, self.lr, momentum=self.momentum, beta1=self.beta1,
                         beta2=self.beta2, eps=self.eps)


@dataclass
class DescendRequest:
    """cg descend's options, after the program's argv (read by cli/app.load)."""
    params: Optional[str] = None
    steps: int = 1000
    tol: float = 1e-8
    ftol: Optional[float] = None
    update: Update = field(default_factory=Update)
    shape: Optional[list] = None      # --shape NAME=NxM
    init: str = "0"
    seed: int = 0

    def check(self) -> None:
        self.update.check()


@dataclass
class FitRequest:
    """cg fit's options, after the model's argv (read by cli/app.load)."""
    data: str = "-"
    target: str = "y"
    params: Optional[str] = None
    loss: str = "mse"
    epochs: int = 100
    batch: int = 1
    shuffle: bool = True
    seed: int = 0
    init: str = "0"
    engine: str = "auto"
    update: Update = field(default_factory=Update)
    shape: Optional[list] = None      # --shape NAME=NxM
    inputs: Optional[list] = None     # --input NAME=COL,COL

    def check(self) -> None:
        self.update.check()
        if self.engine not in ENGINES:
            raise InputError(f"cg: unknown engine {self.engine!r}: choose {', '.join(ENGINES)}")


def param_names(text: Optional[str], graph, what: str = "--params") -> Optional[list]:
    """--params x,y (a vector's name: all its elements) -> the variables, or None when not given."""
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


def shapes(specs, inputs) -> tuple:
    """--shape W1=8x2 / b1=8 and --input x=x0,x1 -> ({name: shape}, [(element, column)])."""
    from ..core.values import parse_shapes
    found = parse_shapes(specs)
    aliases: list = []
    for spec in inputs or []:
        name, eq, cols = spec.partition("=")
        name = name.strip()
        columns = [c.strip() for c in cols.split(",") if c.strip()]
        if not eq or not name.isidentifier() or not columns:
            raise InputError(f"cg: --input takes NAME=COLUMN,COLUMN,..., got {spec!r}",
                             hint="example: --input x=x0,x1 makes the model's x[0], x[1] the columns x0, x1")
        if name in found:
            raise InputError(f"cg: {name} has both --shape and --input: its shape is its columns'")
        found[name] = (len(columns),)
        aliases += [(f"{name}[{i}]", c) for i, c in enumerate(columns)]
    return found, aliases


def _start(init: str, seed: int, names, given: dict) -> dict:
    """Start values: given ones kept, the others --init VALUE or (random) uniform in [-0.5, 0.5)."""
    if init == "random":
        import random
        rng = random.Random(seed)
        return {n: given[n] if n in given else rng.uniform(-0.5, 0.5) for n in names}
    v0 = constant_value(init, "--init")
    return {n: given.get(n, v0) for n in names}


@dataclass
class DescendPlan:
    graph: object
    inputs: dict
    names: list
    opt: object              # the optimizer (loop.GD, Momentum, Adam)
    request: DescendRequest

    def run(self, on_step=None):
        from . import loop
        r = self.request
        return loop.descend(self.graph, self.inputs, self.names, self.opt, steps=r.steps, tol=r.tol,
                            ftol=r.ftol, diverge=r.update.diverge, on_step=on_step)


def descend_plan(req: DescendRequest, graph, inputs: dict, shaped: dict) -> DescendPlan:
    """The parameters and start values of cg descend. `shaped`: the --shape inputs (their
    elements without values start from --init)."""
    if shaped:
        from ..core.passes import missing_inputs, with_defaults
        from ..core.values import element_variables
        elements = {v for name in shaped for v in element_variables(graph, name)}
        inputs = with_defaults(graph, inputs)
        missing = missing_inputs(graph, inputs)
        other = [v for v in missing if v not in elements]
        if other:
            from ..core.names import missing_values
            raise missing_values(other)
        inputs.update(_start(req.init, req.seed, missing, {}))
    if not graph.variables:
        raise InputError("cg: the expression has no variables to minimise over",
                         hint='example: cg descend "(x-3)^2" --x 0')
    names = param_names(req.params, graph) or list(graph.variables)
    return DescendPlan(graph, inputs, names, req.update.optimizer_for(len(names)), req)


@dataclass
class FitPlan:
    trainer: object
    program: str
    start: dict
    fixed: dict
    names: list
    size: int                # rows per mini-batch
    engine: str              # the engine used (auto resolved)
    info: dict
    spec: object             # the loss (loop.Loss)
    opt: object
    request: FitRequest

    def run(self, on_epoch=None):
        from . import loop
        r = self.request
        run = loop.fit(self.trainer, self.program, self.start, self.fixed, self.opt, epochs=r.epochs,
                       batch=self.size, shuffle=r.shuffle, seed=r.seed, diverge=r.update.diverge,
                       info=self.info, classification=self.spec.classification, target=r.target,
                       on_epoch=on_epoch)
        run.settings["engine"] = self.engine
        return run


def pick_engine(engine: str, size: int, graph) -> str:
    """--engine: numpy where asked (and possible); auto by the mini-batch's size."""
    if engine == "numpy":
        from ..batch.arrays import numpy, supports
        if numpy() is None:
            raise InputError("cg: --engine numpy needs NumPy, which is not installed",
                             hint="install it with: pip install 'cgcli[fast]'")
        if not supports(graph):
            raise InputError("cg: --engine numpy: an op of the model has no column-wise form")
        return engine
    if engine == "auto":
        use = "columns" if size >= AUTO_COLUMNS else "python"
        if size >= AUTO_NUMPY:          # NumPy is imported only here, and only if installed
            from ..batch.arrays import numpy, supports
            if supports(graph) and numpy() is not None:
                use = "numpy"
        return use
    return engine


def fit_plan(req: FitRequest, program: str, model, given: dict, aliases: list) -> FitPlan:
    """Parameters versus data columns, the loss graph, the engine and the start values of cg fit.
    `given`: the values from the command line; `aliases`: --input's (element, column) pairs."""
    from . import loop
    from . import data as data_mod
    table = data_mod.read(req.data)
    for name, column in aliases:
        if name in model.variables:
            table.alias(name, column)
    columns = set(table.columns)
    target = req.target
    # values written in the model (w = 0.5) start a parameter or hold a variable, as --w 0.5 does
    given = {**{n: v for n, v in model.defaults.items() if n not in columns}, **given}
    names = param_names(req.params, model)
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
    graph, pred, spec = loop.loss_graph(model, req.loss, target)
    cols = {v: table.column(v) for v in data_vars}
    cols[target] = table.column(target)
    if spec.classification:
        bad = next((r for r, t in enumerate(cols[target]) if not 0 <= t <= 1), None)
        if bad is not None:
            raise InputError(f"cg: {table.where(bad)}, column {target}: {cols[target][bad]!r} is not "
                             f"a probability: --loss {spec.name} needs targets between 0 and 1")
    start = _start(req.init, req.seed, names, given)
    n = len(table)
    size = n if req.batch == 0 or req.batch > n else req.batch
    use = pick_engine(req.engine, size, graph)
    trainer = loop.Trainer(graph, pred, cols, names, fixed, table, engine=use)
    opt = req.update.optimizer_for(len(names))
    info = {"file": table.source, "rows": n, "columns": data_vars, "target": target,
            "loss_name": spec.name, "loss_text": spec.text, "engine": use}
    return FitPlan(trainer, program, start, fixed, names, size, use, info, spec, opt, req)
