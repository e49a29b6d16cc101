"""The training loop of the seeds, on the user's own expression:

    repeat: forward pass to the loss, backward pass to the parameters' gradients,
            update W = W - learning_rate * gradient, until a stopping criterion.

`descend` minimises an expression over some of its variables; `fit` trains a model
expression on data, with the loss spliced onto the model's output so that the model and
its loss are ONE graph and the passes are the ordinary ones (cgcli.core.passes, or the
column-wise cgcli.batch.arrays for a mini-batch). Nothing here prints: progress goes to an
optional callback, and the finished run is a `Run` that the views render.
"""
from __future__ import annotations

import math
from array import array

from ..core.errors import DomainError, InputError
from ..core.build import Builder
from ..core.graph import Graph
from ..core.templates import instantiate
from ..core.passes import backward, forward

# --- optimisers: each a few lines on the same loop ------------------------------------------


class GD:
    """Plain gradient descent: p -= lr * g."""
    name = "gd"

    def __init__(self, n: int, lr: float, **_):
        self.lr = lr

    def settings(self) -> dict:
        return {"name": self.name, "lr": self.lr}

    def step(self, p: list, g: list) -> None:
        lr = self.lr
        for i, gi in enumerate(g):
            p[i] -= lr * gi


class Momentum(GD):
    """Heavy ball: v = momentum * v + g; p -= lr * v."""
    name = "momentum"

    def __init__(self, n: int, lr: float, momentum: float = 0.9, **_):
        self.lr, self.momentum, self.v = lr, momentum, [0.0] * n

    def settings(self) -> dict:
        return {"name": self.name, "lr": self.lr, "momentum": self.momentum}

    def step(self, p: list, g: list) -> None:
        v, mu, lr = self.v, self.momentum, self.lr
        for i, gi in enumerate(g):
            v[i] = mu * v[i] + gi
            p[i] -= lr * v[i]


class Adam(GD):
    """Adam (Kingma & Ba): bias-corrected running means of g and g^2."""
    name = "adam"

    def __init__(self, n: int, lr: float, beta1: float = 0.9, beta2: float = 0.999,
                 eps: float = 1e-8, **_):
        self.lr, self.beta1, self.beta2, self.eps = lr, beta1, beta2, eps
        self.m, self.v, self.t = [0.0] * n, [0.0] * n, 0

    def settings(self) -> dict:
        return {"name": self.name, "lr": self.lr, "beta1": self.beta1, "beta2": self.beta2,
                "eps": self.eps}

    def step(self, p: list, g: list) -> None:
        b1, b2, lr, eps, m, v = self.beta1, self.beta2, self.lr, self.eps, self.m, self.v
        self.t += 1
        c1, c2 = 1.0 - b1 ** self.t, 1.0 - b2 ** self.t
        for i, gi in enumerate(g):
            m[i] = b1 * m[i] + (1.0 - b1) * gi
            v[i] = b2 * v[i] + (1.0 - b2) * gi * gi
            p[i] -= lr * (m[i] / c1) / (math.sqrt(v[i] / c2) + eps)


OPTIMIZERS = {"gd": GD, "momentum": Momentum, "adam": Adam}


def optimizer(name: str, n: int, lr: float, **settings):
    cls = OPTIMIZERS.get(name)
    if cls is None:
        raise InputError(f"cg: unknown optimizer {name!r}: choose {', '.join(OPTIMIZERS)}")
    return cls(n, lr, **settings)


# --- stopping ----------------------------------------------------------------------------------

DIVERGE = 1e6      # the default divergence factor (documented in the README)


def grew(loss: float, lowest: float, factor: float) -> bool:
    """Divergence by growth: the loss rose above the lowest loss so far by more than
    factor × max(1, |lowest|)."""
    return loss - lowest > factor * max(1.0, abs(lowest))


class Run:
    """A finished (or stopped) run: what the views render.

    history[k] is the loss at record k (descend: step k, before its update, record 0 being
    the start; fit: the mean loss over epoch k+1). For descend, gnorms[k] is the gradient
    norm there and path holds the parameters of every record, len(params) numbers each."""
    __slots__ = ("kind", "source", "graph", "params", "start", "fixed", "optimizer", "settings",
                 "history", "gnorms", "path", "final", "gradients", "loss", "grad_norm", "stopped",
                 "message", "updates", "accuracy", "info")

    def __init__(self, kind, source, graph, params, start, fixed, opt, settings):
        self.kind = kind                    # "descend" or "fit"
        self.source = source                # the expression or model as given
        self.graph = graph
        self.params = list(params)
        self.start = dict(start)            # parameter -> start value
        self.fixed = dict(fixed)            # other variables given a value (held fixed)
        self.optimizer = opt.settings()
        self.settings = dict(settings)      # the criteria and options used
        self.history = array("d")
        self.gnorms = array("d")
        self.path = array("d")
        self.final: dict = dict(start)
        self.gradients: dict = {}
        self.loss = math.nan
        self.grad_norm = math.nan
        self.stopped = ""                   # tol | ftol | steps | epochs | diverged
        self.message = ""
        self.updates = 0
        self.accuracy = None                # fit with a classification loss
        self.info: dict = {}                # fit: data file, rows, target, loss text

    @property
    def converged(self) -> bool:
        return self.stopped in ("tol", "ftol")

    @property
    def diverged(self) -> bool:
        return self.stopped == "diverged"


def norm(g) -> float:
    return math.sqrt(math.fsum(x * x for x in g))


# --- cg descend ----------------------------------------------------------------------------------


def descend(graph: Graph, inputs: dict, params: list, opt, *, steps: int, tol: float,
            ftol: float | None = None, diverge: float = DIVERGE, on_step=None) -> Run:
    """Minimise graph's output over `params`, starting from `inputs` (which also hold the
    fixed variables). on_step(k, loss, grad_norm, p, g) is called for every record."""
    fixed = {n: v for n, v in inputs.items() if n not in params}
    run = Run("descend", graph.source, graph, params, {n: inputs[n] for n in params}, fixed, opt,
              {"steps": steps, "tol": tol, "ftol": ftol, "diverge": diverge})
    point = dict(inputs)
    p = [float(inputs[n]) for n in params]
    idx = [graph.variables[n] for n in params]
    out = graph.output
    lowest = math.inf
    prev = None
    k = 0
    while True:
        for name, v in zip(params, p):
            point[name] = v
        try:
            values = forward(graph, point)
        except DomainError as e:
            if k == 0:
                raise
            _stop(run, p, None, "diverged",
                  f"cg: diverged at step {k}: {e.message.removeprefix('cg: ')}; try a smaller --lr")
            return run
        loss = values[out]
        grads = backward(graph, values)
        g = [grads[i] for i in idx]
        gn = norm(g)
        run.history.append(loss)
        run.gnorms.append(gn)
        run.path.extend(p)
        if on_step is not None:
            on_step(k, loss, gn, p, g)
        run.loss, run.grad_norm, run.updates = loss, gn, k
        if not math.isfinite(gn):
            bad = next(n for n, x in zip(params, g) if not math.isfinite(x))
            where = ", ".join(f"{n} = {_num(v)}" for n, v in zip(params, p))
            _stop(run, p, g, "diverged",
                  f"cg: stopped at step {k}: the gradient of {bad} is {_num(g[params.index(bad)])} "
                  f"at {where} (the derivative does not exist there)")
            return run
        if grew(loss, lowest, diverge):
            _stop(run, p, g, "diverged",
                  f"cg: diverged at step {k}: the loss rose to {_num(loss)} from its lowest "
                  f"{_num(lowest)} (more than {_num(diverge)} × max(1, |lowest|)); try a smaller --lr")
            return run
        lowest = min(lowest, loss)
        if gn <= tol:
            _stop(run, p, g, "tol")
            return run
        if ftol is not None and prev is not None and abs(loss - prev) <= ftol:
            _stop(run, p, g, "ftol")
            return run
        if k >= steps:
            _stop(run, p, g, "steps")
            return run
        opt.step(p, g)
        prev = loss
        k += 1


def _stop(run: Run, p: list, g, why: str, message: str = ""):
    run.final = dict(zip(run.params, p))
    if g is not None:
        run.gradients = dict(zip(run.params, g))
    run.stopped = why
    run.message = message


def _num(v: float) -> str:
    from ..core.fmt import fmt
    return fmt(v, 6) if math.isfinite(v) and v != int(v) else fmt(v)


# --- cg fit: the loss spliced onto the model ----------------------------------------------------


class Loss:
    """A loss per data point, as a cg expression in `pred` (the model's output) and `target`.
    `logits`: the same loss written in terms of z where the model's output is sigmoid(z), so
    that it stays finite where sigmoid(z) rounds to exactly 0 or 1."""
    __slots__ = ("name", "text", "classification", "logits", "help")

    def __init__(self, name, text, help, classification=False, logits=""):
        self.name, self.text, self.help = name, text, help
        self.classification, self.logits = classification, logits


LOSSES = {
    "mse": Loss("mse", "(pred - target)^2", "squared error (its mean over the data: MSE)"),
    "bce": Loss("bce", "-(target*log(pred) + (1 - target)*log(1 - pred))",
                "binary cross-entropy (pred in (0, 1), targets 0 or 1); reports accuracy",
                classification=True,
                logits="-(target*log(pred) + (1 - target)*log(sigmoid(-z)))"),
}


def loss_graph(model: Graph, loss: str, target: str) -> tuple:
    """One graph: the model's nodes, then the loss's nodes on the model's output and a
    `target` variable named after the target column. Returns (graph, pred node, Loss)."""
    from ..core.ops import BY_NAME
    from ..core.parse import parse
    spec = LOSSES.get(loss)
    if spec is None:
        text = loss
        lg = parse(text)
        extra = [n for n in lg.variables if n not in ("pred", "target")]
        if extra:
            raise InputError(f"cg: the loss may use only pred and target, not {', '.join(extra)}",
                             hint=f"built-in losses: {', '.join(LOSSES)}; or an expression "
                                  f"such as \"abs(pred - target)\"")
        if "pred" not in lg.variables:
            raise InputError("cg: the loss does not use pred: its gradient would be 0",
                             hint='example: --loss "abs(pred - target)"')
        spec = Loss("custom", text, "your expression")
    if target in model.variables:
        raise InputError(f"cg: {target} is the target column, but the model uses it as an input",
                         hint="give the column with the answers as --target")
    b = Builder.extending(model)
    pred = model.output
    if "pred" not in b.variables and "pred" not in b.assigned:
        b.names.setdefault(pred, "pred")
    t = b.variable(target)
    text = spec.text
    bindings = {"pred": pred, "target": t}
    if spec.logits and model.ops[pred] == BY_NAME["sigmoid"].code:
        text = spec.logits            # what is spliced is what the JSON reports
        bindings["z"] = model.in0[pred]
        spec = Loss(spec.name, text, spec.help, spec.classification)
    out = instantiate(b, text, bindings)
    if out == t:
        raise InputError("cg: the loss does not use pred: its gradient would be 0")
    g = b.finish(out, list(model.warnings))
    return g, pred, spec


class Trainer:
    """One pass over a batch of rows: forward to the loss, backward to the parameters."""

    def __init__(self, graph: Graph, pred: int, columns: dict, params: list, fixed: dict,
                 data, engine: str = "python"):
        self.graph, self.pred, self.data = graph, pred, data
        self.columns = list(columns.items())          # variable name -> column (floats)
        self.params = params
        self.idx = [graph.variables[n] for n in params]
        self.point = dict(fixed)
        self.vec = self.plan = None
        if engine == "columns":          # pure Python, column-wise (cgcli.batch, from cg eval --points)
            from ..batch.columns import Plan
            self.plan = Plan(graph)
        elif engine == "numpy":
            from ..batch.arrays import Columns, numpy
            np = numpy()
            self.vec = Columns(graph, np)
            self.np_columns = [(name, np.asarray(col)) for name, col in self.columns]

    def set_params(self, p: list):
        for name, v in zip(self.params, p):
            self.point[name] = v

    def batch(self, rows, epoch: int = 0):
        """(sum of the losses, sums of the parameters' gradients) over `rows`."""
        if self.vec is not None:
            got = self._batch_numpy(rows)
            if got is not None:
                return got
        elif self.plan is not None and len(rows) > 1:
            got = self._batch_columns(rows)
            if got is not None:
                return got
        return self._batch_python(rows, epoch)

    def _batch_columns(self, rows):
        """The batch as columns through cgcli.batch's pure-Python column-wise passes: the same
        operations in the same order as point by point, so the same numbers. None where that
        pass gives up (a domain error, a non-finite gradient): the per-point passes name it."""
        from ..batch.columns import ChunkFailed
        m = len(rows)
        cols = {name: list(map(col.__getitem__, rows)) for name, col in self.columns}
        for name, v in self.point.items():
            if name not in cols:
                cols[name] = [v] * m
        try:
            values, grads, flagged = self.plan.run(cols, m)
        except ChunkFailed:
            return None
        if flagged:
            return None
        return sum(values[self.graph.output]), [0.0 if grads[i] is None else sum(grads[i]) for i in self.idx]

    def _batch_python(self, rows, epoch):
        graph, point, columns, idx = self.graph, self.point, self.columns, self.idx
        out = graph.output
        acc = [0.0] * len(idx)
        total = 0.0
        for r in rows:
            for name, col in columns:
                point[name] = col[r]
            try:
                values = forward(graph, point)
            except DomainError as e:
                raise self._at(e, r, epoch) from None
            total += values[out]
            grads = backward(graph, values)
            for j, i in enumerate(idx):
                acc[j] += grads[i]
        if not math.isfinite(math.fsum(acc)):
            self._bad_gradient(rows, epoch)
        return total, acc

    def _batch_numpy(self, rows):
        vec = self.vec
        np = vec.np
        if not math.isfinite(math.fsum(self.point.values())):
            return None                 # the scalar pass names the overflowed value
        sel = np.asarray(rows)
        inputs = {name: col[sel] for name, col in self.np_columns}
        for name in self.point:
            if name not in inputs:
                inputs[name] = self.point[name]
        values = vec.forward(inputs)
        if values is None:
            return None
        grads = vec.backward(values, self.idx, len(rows))
        if grads is None:
            return None
        return vec.total(values, self.graph.output, len(rows)), grads

    def predictions(self, rows) -> list:
        """The model's output (pred) at every row, with the current parameters."""
        graph, point, columns = self.graph, self.point, self.columns
        out = []
        for r in rows:
            for name, col in columns:
                point[name] = col[r]
            try:
                out.append(forward(graph, point)[self.pred])
            except DomainError as e:
                raise self._at(e, r, 0) from None
        return out

    def _at(self, e: DomainError, r: int, epoch: int) -> DomainError:
        when = f", epoch {epoch}" if epoch else ""
        return DomainError(f"{e.message} (at {self.data.where(r)}{when})", node=e.node)

    def _bad_gradient(self, rows, epoch):
        graph, point, columns = self.graph, self.point, self.columns
        for r in rows:
            for name, col in columns:
                point[name] = col[r]
            grads = backward(graph, forward(graph, point))
            for name, i in zip(self.params, self.idx):
                if not math.isfinite(grads[i]):
                    when = f", epoch {epoch}" if epoch else ""
                    raise DomainError(f"cg: the gradient of {name} is {_num(grads[i])} at "
                                      f"{self.data.where(r)}{when}: the derivative does not exist there")
        raise DomainError("cg: a gradient is not finite (overflow in the sum over the batch)")


def run_epoch(trainer: Trainer, order: list, batch: int, opt, p: list, epoch: int = 0,
              run: Run | None = None) -> float:
    """One pass over the rows in `order`, updating `p` in place after every mini-batch;
    returns the sum of the point losses (each taken before its batch's update)."""
    total = 0.0
    trainer.set_params(p)
    for s in range(0, len(order), batch):
        rows = order[s:s + batch]
        loss_sum, gsum = trainer.batch(rows, epoch)
        total += loss_sum
        m = len(rows)
        opt.step(p, [x / m for x in gsum])
        trainer.set_params(p)
        if run is not None:
            run.updates += 1
    return total


def fit(trainer: Trainer, source: str, start: dict, fixed: dict, opt, *, epochs: int, batch: int,
        shuffle: bool = True, seed: int = 0, diverge: float = DIVERGE, info: dict | None = None,
        classification: bool = False, target: str = "", on_epoch=None) -> Run:
    """Per epoch: for each mini-batch (of `batch` rows, in shuffled order), forward to the
    loss, backward to the parameters' gradients (their mean over the batch), update.
    on_epoch(epoch, mean loss, p) is called after each epoch."""
    import random
    params = trainer.params
    settings = {"epochs": epochs, "batch": batch, "shuffle": shuffle, "seed": seed,
                "diverge": diverge}
    run = Run("fit", source, trainer.graph, params, start, fixed, opt, settings)
    run.info = dict(info or {})
    n = len(trainer.data)
    order = list(range(n))
    rng = random.Random(seed)
    p = [float(start[name]) for name in params]
    trainer.set_params(p)
    lowest = math.inf
    for epoch in range(1, epochs + 1):
        if shuffle:
            rng.shuffle(order)
        try:
            total = run_epoch(trainer, order, batch, opt, p, epoch, run)
        except DomainError as e:
            if run.updates == 0:
                raise
            run.final = dict(zip(params, p))
            run.stopped = "diverged"
            run.message = (e.message + f"; the parameters had been updated {run.updates} "
                           f"times: if the loss was growing, try a smaller --lr")
            return run
        loss = total / n
        run.history.append(loss)
        if on_epoch is not None:
            on_epoch(epoch, loss, p)
        if not all(map(math.isfinite, p)):
            run.final = dict(zip(params, p))
            run.stopped = "diverged"
            run.message = (f"cg: diverged in epoch {epoch}: the parameters overflowed to "
                           f"{', '.join(f'{k} = {_num(v)}' for k, v in zip(params, p))}; try a smaller --lr")
            return run
        if grew(loss, lowest, diverge):
            run.final = dict(zip(params, p))
            run.stopped = "diverged"
            run.message = (f"cg: diverged in epoch {epoch}: the mean loss rose to {_num(loss)} from "
                           f"its lowest {_num(lowest)} (more than {_num(diverge)} × max(1, |lowest|)); "
                           f"try a smaller --lr")
            return run
        lowest = min(lowest, loss)
    # the result at the final parameters, over all the data
    run.final = dict(zip(params, p))
    run.stopped = "epochs"
    everything = range(n)
    try:
        loss_sum, gsum = trainer.batch(everything, 0)
    except DomainError as e:
        if run.updates == 0:
            raise
        run.stopped = "diverged"
        run.message = e.message + "; try a smaller --lr"
        return run
    run.loss = loss_sum / n
    g = [x / n for x in gsum]
    run.gradients = dict(zip(params, g))
    run.grad_norm = norm(g)
    if classification:
        preds = trainer.predictions(everything)
        tcol = dict(trainer.columns)[target]
        right = sum(1 for r in everything if (preds[r] >= 0.5) == (tcol[r] >= 0.5))
        run.accuracy = right / n
    return run
