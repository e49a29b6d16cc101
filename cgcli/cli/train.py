"""`cg descend` and `cg fit`: the training loop of the seeds on the user's expression.

Declarations only (this module is imported on every `cg` call): each command builds its
request (cgcli.train.setup) and hands it to train_run.py, imported when one of them runs.
"""
from typing import List, Optional

import typer

from .app import SET_OPTION, _VAR_OPTIONS, app, expr_argument
from .app import MAX_FILE_SIZE_OPTION, MAX_NODES_OPTION, float_range, set_limits

from ..train import AUTO_COLUMNS, AUTO_NUMPY


# shared options
_LR = typer.Option(0.1, "--lr", help="Learning rate (step size).")
_OPT = typer.Option("gd", "--optimizer", metavar="gd|momentum|adam", help="The update rule.")
_MOM = typer.Option(0.9, "--momentum", click_type=float_range(0, 1, max_open=True),
                    help="Momentum's decay (with --optimizer momentum).")
_B1 = typer.Option(0.9, "--beta1", click_type=float_range(0, 1, max_open=True),
                   help="Adam's decay of the gradient's mean.")
_B2 = typer.Option(0.999, "--beta2", click_type=float_range(0, 1, max_open=True),
                   help="Adam's decay of the squared gradient's mean.")
_EPS = typer.Option(1e-8, "--eps", click_type=float_range(0, min_open=True), help="Adam's denominator guard.")
_DIV = typer.Option(1e6, "--diverge", metavar="FACTOR", click_type=float_range(0, min_open=True),
                    help="Stop (exit 3) when the loss rises above its lowest value so far by more "
                         "than FACTOR × max(1, |lowest|).")
_JSON = typer.Option(False, "--json", help="Print the run as one strict JSON object, with every step.")
_JSON_FIT = typer.Option(False, "--json", help="Print the run as one strict JSON object, with every epoch.")
_JSONL = typer.Option(False, "--jsonl", help="Stream one JSON line per step, then one for the result.")
_JSONL_FIT = typer.Option(False, "--jsonl", help="Stream one JSON line per epoch, then one for the result.")
_PLOT = typer.Option(None, "--plot", metavar="FILE.svg|FILE.png", help="Write the loss curve to a file.")
_CURVE = typer.Option(None, "--curve/--no-curve",
                      help="Show the loss curve in the terminal (default: when stdout is a terminal).")
_PREC = typer.Option(None, "--digits", "--precision", min=1, max=17,
                     help="Significant digits in the table (default 4).")
_SHAPE = typer.Option(None, "--shape", metavar="NAME=NxM",
                      help="A vector (NAME=N) or matrix (NAME=NxM) parameter without start values: its "
                           "elements start from --init (repeatable).")


@app.command("descend", context_settings=_VAR_OPTIONS)
def descend_cmd(
    args: Optional[List[str]] = expr_argument(
        "then a start value for each variable", subject="The expression to minimise"),
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
    sets: Optional[List[str]] = SET_OPTION,
    shape: Optional[List[str]] = _SHAPE,
    init: str = typer.Option("0", "--init", metavar="VALUE|random",
                             help="Start value of --shape elements not given; 'random': uniform in [-0.5, 0.5)."),
    seed: int = typer.Option(0, "--seed", help="Seed for --init random."),
    max_nodes: Optional[int] = MAX_NODES_OPTION,
    max_file_size: Optional[int] = MAX_FILE_SIZE_OPTION,
):
    """Minimise EXPR by gradient descent: forward, backward, update W = W - lr × gradient, repeat.

    \b
    Stops at --steps updates, when the gradient norm is at most --tol, when the loss changes
    by at most --ftol, or (exit 3) when the loss diverges.
    Examples:
      cg descend "(x-3)^2 + (y+1)^2" --x 0 --y 0 --lr 0.1
      cg descend "(x-3)^2 + (y+1)^2" --x 0 --y 0 --optimizer adam --lr 0.3 --json
      cg descend "x^2 + a*y^2" --x 1 --y 1 --a 10 --params x,y --optimizer momentum --lr 0.01
      cg descend "sum((W @ x - y)^2)" --shape W=2x2 --x 1,2 --y 3,-1 --params W
    """
    set_limits(max_nodes, max_file_size)
    from ..train.setup import DescendRequest, Update
    from .train_run import descend
    update = Update(optimizer, lr, momentum, beta1, beta2, eps, diverge)
    request = DescendRequest(params, steps, tol, ftol, update, shape, init, seed)
    descend(args, sets, request, json_out, jsonl, plot, curve, precision)


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
    sets: Optional[List[str]] = SET_OPTION,
    shape: Optional[List[str]] = _SHAPE,
    inputs: Optional[List[str]] = typer.Option(None, "--input", metavar="NAME=COL,COL",
                                               help="A vector input read from data columns: --input x=x0,x1 "
                                                    "makes x[0], x[1] the columns x0, x1 (repeatable)."),
    max_nodes: Optional[int] = MAX_NODES_OPTION,
    max_file_size: Optional[int] = MAX_FILE_SIZE_OPTION,
):
    """Train MODEL on data: per mini-batch, forward to the loss, backward to the parameters, update.

    \b
    The data file's columns are the model's other variables; the target column holds the answers.
    Example (the data ships in examples/):
      cg fit "sigmoid(w0*x0 + w1*x1 + b)" --data examples/blobs.csv --target y \\
             --params w0,w1,b --loss bce --lr 0.5 --epochs 200
      cg fit "h = tanh(W1 @ x + b1); out = sigmoid(dot(w2, h) + b2)" --data examples/moons.csv \\
             --input x=x0,x1 --shape W1=8x2 --shape b1=8 --shape w2=8 --init random --loss bce
    """
    set_limits(max_nodes, max_file_size)
    from ..train.setup import FitRequest, Update
    from .train_run import fit
    update = Update(optimizer, lr, momentum, beta1, beta2, eps, diverge)
    request = FitRequest(data, target, params, loss, epochs, batch, shuffle, seed, init, engine,
                         update, shape, inputs)
    fit(args, sets, request, json_out, jsonl, plot, curve, precision)
