"""Strict JSON (RFC 8259) for training runs: `cg descend` and `cg fit`, whole or as JSON Lines.

Schemas (documented in README.md):
  cg.descend/1       the run: settings, start, final parameters, loss, trajectory
  cg.descend.step/1  one step (--jsonl): step, loss, grad_norm, params, gradients
  cg.fit/1           the run: model, loss, data, settings, final parameters, accuracy, history
  cg.fit.epoch/1     one epoch (--jsonl): epoch, loss (mean over the epoch), params
With --jsonl the last line is the run's object without its trajectory / history.
Numbers are written in cg's shortest round-trip form; inf and nan are strings.
"""
from __future__ import annotations

from ..core.formats import dumps

DESCEND = "cg.descend/1"
DESCEND_STEP = "cg.descend.step/1"
FIT = "cg.fit/1"
FIT_EPOCH = "cg.fit.epoch/1"


def _head(run) -> dict:
    d = {"schema": DESCEND if run.kind == "descend" else FIT}
    if run.kind == "descend":
        d["expression"] = run.source
    else:
        d["model"] = run.source
        d["loss_function"] = {"name": run.info["loss_name"], "expression": run.info["loss_text"]}
        d["data"] = {"file": run.info["file"], "rows": run.info["rows"],
                     "columns": run.info["columns"], "target": run.info["target"]}
    d["params"] = run.params
    d["fixed"] = run.fixed
    d["optimizer"] = run.optimizer
    d["criteria" if run.kind == "descend" else "settings"] = run.settings
    return d


def summary(run) -> dict:
    d = _head(run)
    d["start"] = run.start
    d["final"] = run.final
    d["loss"] = run.loss
    d["grad_norm"] = run.grad_norm
    d["gradients"] = run.gradients
    if run.kind == "descend":
        d["steps"] = run.updates
    else:
        d["epochs"] = len(run.history)
        d["updates"] = run.updates
        d["accuracy"] = run.accuracy
    d["stopped"] = run.stopped
    if run.kind == "descend":
        d["converged"] = run.converged
    d["message"] = run.message or None
    return d


def document(run) -> str:
    """The whole run as one JSON object, with every step (descend) or epoch (fit)."""
    d = summary(run)
    if run.kind == "descend":
        k = len(run.params)
        names = run.params
        path = run.path
        d["trajectory"] = [{"step": i, "loss": run.history[i], "grad_norm": run.gnorms[i],
                            "params": dict(zip(names, path[i * k:(i + 1) * k]))}
                           for i in range(len(run.history))]
    else:
        d["history"] = [{"epoch": e, "loss": v} for e, v in enumerate(run.history, 1)]
    return dumps(d) + "\n"


def step_line(params: list, k: int, loss: float, grad_norm: float, p, g) -> str:
    return dumps({"schema": DESCEND_STEP, "step": k, "loss": loss, "grad_norm": grad_norm,
                  "params": dict(zip(params, p)), "gradients": dict(zip(params, g))}) + "\n"


def epoch_line(params: list, epoch: int, loss: float, p) -> str:
    return dumps({"schema": FIT_EPOCH, "epoch": epoch, "loss": loss,
                  "params": dict(zip(params, p))}) + "\n"


def last_line(run) -> str:
    return dumps(summary(run)) + "\n"
