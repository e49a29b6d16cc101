"""The command line: argv -> Result -> one view. Wiring only; errors become exit codes here.

Exit codes: 0 ok, 1 a failed check, 2 bad input or usage, 3 math domain error.

No `from __future__ import annotations` in the command modules: Typer would then compile every
annotation string at each call (about 2 ms of start-up).
"""
import sys
from typing import List, Optional

import typer

from . import __version__
from .errors import CgError, InputError
from .values import constant_value  # noqa: F401  (re-exported: moved to a core module)

if __name__ == "__main__":     # `python -m cgcli.cli`: the subcommand modules import this module
    sys.modules.setdefault("cgcli.cli", sys.modules[__name__])

# Where the manual is, at the end of every --help (docs/ ships in the sdist; README.md is the start).
DOCS = "Manual: README.md and docs/ in cg's source (mkdocs serve builds the site)."

app = typer.Typer(
    name="cg",
    help="cg: differentiate an expression through its computational graph "
         "(forward pass, backward pass, gradients).",
    # completion costs nothing measurable here: a bare Typer app has it on too (bench/startup.py)
    add_completion=True,
    epilog=DOCS,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    # -h is also help, but only as a word of its own (see main): registered as a short option,
    # click would find it inside an expression such as "-tanh(x)"
    context_settings={"help_option_names": ["--help"]},
)


# options cg eval itself takes; every other --NAME is a variable
_VAR_OPTIONS = {"allow_extra_args": True, "ignore_unknown_options": True}

# Declarations the commands share (Typer reads a default's OptionInfo afresh for each command).
SET_OPTION = typer.Option(None, "--set", metavar="NAME=VALUE",
                          help="A variable's value, for names that clash with cg's options.")

OUTPUT_OPTION = typer.Option(None, "--output", metavar="NAME",
                             help="Differentiate the node NAME (c, or an earlier binding c#2) instead of "
                                  "the last statement.")


SHAPE_OPTION = typer.Option(None, "--shape", metavar="NAME=NxM",
                            help="A vector (NAME=N) or matrix (NAME=NxM) input without values here "
                                 "(its elements come later, e.g. from --points; repeatable).")


def expr_argument(then: str = "then a value for each variable",
                  subject: str = "The expression or program"):
    """EXPR and the --NAME VALUE pairs that follow it (see split_args)."""
    return typer.Argument(None, metavar="EXPR [--NAME VALUE]...",
                          help=f"{subject} ('-' reads it from stdin), {then}.")
FORMATS = ("table", "tree", "json", "toml", "both")


def _version(value: bool):
    if value:
        print(f"cg {__version__}")
        raise typer.Exit()


@app.callback()
def _root(version: bool = typer.Option(False, "--version", callback=_version, is_eager=True,
                                       help="Show cg's version and exit.")):
    pass


def read_program(expr: str) -> str:
    """EXPR, or the whole of stdin for '-' (multi-line programs, texts over argv's limit)."""
    if expr == "-":
        if sys.stdin.isatty():
            print("cg: reading the program from stdin (end it with Ctrl-D)", file=sys.stderr)
        data = sys.stdin.buffer.read()
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError as e:
            raise InputError(f"cg: stdin is not UTF-8 text ({e.reason} at byte {e.start})") from None
    return expr


def split_args(args: List[str], sets: List[str], command: str = "eval") -> tuple:
    """EXPR and the --NAME VALUE pairs, in any order; --set NAME=VALUE for any name."""
    expr = None
    raw: dict = {}
    i = 0
    while i < len(args):
        a = args[i]
        if a.startswith("--") and len(a) > 2:
            name, eq, val = a[2:].partition("=")
            if not (name.isidentifier() or is_element_name(name)):
                raise InputError(f"cg: --{name} is not an option of cg {command} nor a variable name",
                                 hint=f"see cg {command} --help")
            if not eq:
                if i + 1 >= len(args) or (args[i + 1].startswith("--") and len(args[i + 1]) > 2):
                    close = close_option(name)
                    if close:
                        raise InputError(f"cg: --{name} is not an option of cg {command} "
                                         f"(nor a variable: it has no value)", hint=f"did you mean {close}?")
                    raise InputError(f"cg: --{name} needs a value, e.g. --{name} 2")
                val = args[i + 1]
                i += 1
            _put(raw, name, val)
        elif expr is None:
            expr = a
        else:
            raise InputError(f"cg: unexpected argument {a!r}: give one expression, then --NAME VALUE "
                             f"for each variable", hint="quote the expression: cg eval \"(x+y)*z\" --x 2 ...")
        i += 1
    for s in sets or []:
        name, eq, val = s.partition("=")
        if not eq or not name:
            raise InputError(f"cg: --set takes NAME=VALUE, got {s!r}")
        _put(raw, name.strip(), val)
    return expr, raw


def is_element_name(name: str) -> bool:
    """x[0], W[1][0]: an element of a vector input (--set "x[0]=2")."""
    import re
    return re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*(\[\d+\]){1,2}", name) is not None


def close_option(name: str):
    """The invoked command's long option closest to --NAME (a misspelt --json), or None."""
    import difflib
    try:
        from typer._click.globals import get_current_context     # Typer 0.28 vendors click
    except ImportError:
        from click import get_current_context
    ctx = get_current_context(silent=True)
    if ctx is None:
        return None
    options = [o for p in ctx.command.params for o in getattr(p, "opts", ()) if o.startswith("--")]
    close = difflib.get_close_matches("--" + name, options, n=1, cutoff=0.75)
    return close[0] if close else None


def _put(raw: dict, name: str, val: str):
    if not (name.isidentifier() or is_element_name(name)):
        raise InputError(f"cg: {name!r} is not a variable name")
    if name in raw:
        raise InputError(f"cg: {name} is given twice")
    raw[name] = val


def vector_values(raw: dict) -> tuple:
    """Values given as vectors (--x 1,2,3, --W "[[1,2],[3,4]]") -> ({name: shape}, raw with one
    entry per element, x[0] ..., {name: shape} of vectors given only element by element).
    Other values pass through."""
    if not any(("," in v or "[" in v) for v in raw.values()) and not any("[" in k for k in raw):
        return {}, raw, {}
    from .vectors import input_shapes, is_vector_text, split_value
    # --set "x[1]=5" without --x: x is a vector input (its shape from the elements given)
    implied = {k: v for k, v in input_shapes({k: None for k in raw if "[" in k})[0].items() if k not in raw}
    shapes: dict = {}
    out: dict = {}
    for name, val in raw.items():
        if "[" not in name and is_vector_text(val):
            shapes[name], elements = split_value(name, val)
            for k, v in elements:
                if k in raw:
                    raise InputError(f"cg: {k} is given twice (with --{name} and on its own)")
                out[k] = v
        else:
            out[name] = val
    return shapes, out, implied


def check_vector_values(graph, shapes: dict, raw: dict) -> None:
    """A vector given for a name the program binds to numbers must have the program's shape."""
    from .vectors import element_variables, say_shape
    for name, shape in shapes.items():
        have = element_variables(graph, name)
        given = [k for k in raw if k.startswith(name + "[")]
        if have and set(have) != set(given):
            rows = {k.split("]")[0] for k in have}
            ref = (len(rows), len(have) // len(rows)) if have[0].count("[") == 2 else (len(have),)
            raise InputError(f"cg: --{name} gives {say_shape(shape)}, but the program's {name} is "
                             f"{say_shape(ref)}")


def missing_hint(expr: str, graph, raw: dict, command: str = "eval") -> str:
    import shlex
    parts = [f"cg {command}", shlex.quote(expr)]
    for name in graph.variables:
        if name in raw or name not in graph.defaults:
            parts.append(f"--{name} {raw.get(name, '<value>')}")
    return "try: " + " ".join(parts)


def load(args: List[str], sets: List[str], require_all: bool = True, command: str = "eval",
         output: Optional[str] = None, shapes: Optional[dict] = None):
    """argv pieces -> (program text, graph, inputs); raises CgError. The inputs are the given
    values merged with the program's own (`x = 2`; passes.with_defaults). With require_all=False,
    variables may be left without values (views that can draw the structure alone): then the
    inputs are {} when nothing is given and the program's values are not complete.
    `output`: differentiate this named node instead of the last statement (--output).
    `shapes`: name -> shape of vector inputs that have no values here (cg fit's --shape, --input)."""
    from .parse import parse
    from .passes import missing_inputs, with_defaults
    expr, raw = split_args(args, sets, command)
    if expr is None:
        raise InputError("cg: no expression given",
                         hint=f'example: cg {command} "(x+y)*z" --x 2 --y 3 --z -4')
    program = read_program(expr)
    given_shapes, raw, implied = vector_values(raw)
    if shapes:
        for name in given_shapes:
            if name in shapes and shapes[name] != given_shapes[name]:
                from .vectors import say_shape
                raise InputError(f"cg: --{name} gives {say_shape(given_shapes[name])}, but --shape says "
                                 f"{say_shape(shapes[name])}")
    valued = given_shapes
    shapes = {**implied, **(shapes or {}), **given_shapes}
    graph = parse(program, shapes=shapes) if shapes else parse(program)
    if valued:
        check_vector_values(graph, valued, raw)
    if output is not None:
        from .graph import with_output
        graph = with_output(graph, output)
    missing = missing_inputs(graph, raw)
    unknown = [n for n in raw if n not in graph.variables]
    if unknown:
        from .passes import unknown_variable
        if graph.variables and any(k.startswith(unknown[0] + "[") for k in graph.variables):
            from .vectors import element_variables
            have = element_variables(graph, unknown[0])
            raise InputError(f"cg: --{unknown[0]}: {unknown[0]} is a vector here (elements "
                             f"{', '.join(have[:4])}{', ...' if len(have) > 4 else ''})",
                             hint=f"give all its elements: --{unknown[0]} {','.join('1' for _ in have[:8])}"
                                  f"{',...' if len(have) > 8 else ''}, or one: --set \"{have[0]}=1\"")
        err = unknown_variable(graph, unknown[0], option="--")
        close = close_option(unknown[0])
        if close and "did you mean" not in (err.hint or ""):
            err.hint = f"did you mean {close}? (an option of cg {command})\n" + (err.hint or "")
        raise err
    if missing and require_all:
        s = "s" if len(missing) > 1 else ""
        raise InputError(f"cg: missing value{s} for {', '.join(missing)}",
                         hint=missing_hint(expr, graph, raw, command))
    inputs = {name: constant_value(val, f"the value of {name}") for name, val in raw.items()}
    if inputs or not missing:
        inputs = with_defaults(graph, inputs)
    return program, graph, inputs


@app.command("eval", context_settings=_VAR_OPTIONS)
def eval_cmd(
    args: Optional[List[str]] = expr_argument(),
    json_out: bool = typer.Option(False, "--json", help="Print one strict JSON object (same as --format json)."),
    format: Optional[str] = typer.Option(None, "--format", metavar="table|tree|json|toml",
                                         help="What to show; the default shows the table and the tree; "
                                              "toml is an answer key (see cg key)."),
    precision: Optional[int] = typer.Option(None, "--precision", min=1, max=17,
                                            help="Significant digits in the table and tree "
                                                 "(default 4; 17: every digit)."),
    sets: Optional[List[str]] = SET_OPTION,
    get: Optional[List[str]] = typer.Option(None, "--get", metavar="TARGET",
                                            help="Print only this number: value, grad.NAME or node.NAME "
                                                 "(repeatable: one per line)."),
    points: Optional[str] = typer.Option(None, "--points", metavar="FILE",
                                         help="JSON Lines: one object of variable values per line ('-' is "
                                              "stdin); writes one JSON result per line."),
    expand: bool = typer.Option(False, "--expand",
                                help="Lower composite functions (sigmoid, tanh) to primitive gates."),
    sort: Optional[str] = typer.Option(None, "--sort", metavar="grad",
                                       help="Table rows by |gradient|, largest first."),
    depth: Optional[int] = typer.Option(None, "--depth", min=1, help="Tree levels shown (default 30)."),
    check: bool = typer.Option(False, "--check",
                               help="Also compare every gradient with central finite differences; "
                                    "exit 1 on a mismatch."),
    output: Optional[str] = OUTPUT_OPTION,
    shape: Optional[List[str]] = SHAPE_OPTION,
):
    """Evaluate EXPR and its gradients: forward pass, then backward pass.

    \b
    Examples:
      cg eval "(x+y)*z" --x 2 --y 3 --z -4
      cg eval "sigmoid(w0*x0 + w1*x1 + w2)" --w0 2 --x0 -1 --w1 -3 --x1 -2 --w2 -3
      cg eval "q = x + y; f = q * z" --x 2 --y 3 --z -4 --json
      cg eval "sin(x)^2" --x pi/4 --format tree
      echo "x*x" | cg eval - --x 3
      cg eval "(x+y)*z" --x 2 --y 3 --z -4 --get grad.z
      cg eval "sigmoid(w*x + b)" --w 2 --b -1 --points points.jsonl
      cg eval "x^2*sin(y)" --x 2 --y 1 --check
      cg eval "h = tanh(W @ x); f = sum(h)" --W "[[1,2],[3,4]]" --x 0.5,-1
    """
    from .cli_teach import lowered, run_with_diagnostics
    view = "json" if json_out else (format or "both")
    if view not in FORMATS:
        raise InputError(f"cg: unknown format {view!r}: choose table, tree, json or toml")
    if sort not in (None, "grad"):
        raise InputError(f"cg: unknown sort {sort!r}: --sort grad orders the table by |gradient|")
    if check and (get or points is not None or view == "toml"):
        raise InputError("cg: --check goes with the table, tree or json output, not --get, --points or toml")
    if points is not None:                    # scripting outputs: check_run.py
        if expand or sort or depth:
            raise InputError("cg: --expand, --sort and --depth do not apply to --points (JSON Lines)")
        if output is not None:
            raise InputError("cg: --output does not apply to --points; end the program with the output's name")
        from .check_run import eval_points
        raise typer.Exit(eval_points(args or [], sets or [], points, get or [], view, shape))
    if get and (json_out or format):
        raise InputError("cg: --get prints bare numbers; leave out --json and --format")
    shapes = None
    if shape:
        from .vectors import parse_shapes
        shapes = parse_shapes(shape)
    program, graph, inputs = load(args or [], sets or [], output=output, shapes=shapes)
    graph = lowered(graph, expand)
    if get:
        from .check_run import get_targets, print_targets
        targets = get_targets(graph, get)
    result = run_with_diagnostics(graph, inputs)
    report = None
    if check:
        from .gradcheck import check as gradient_check
        report = gradient_check(graph, inputs, result.grads)
    if get:
        print_targets(result, targets)
    elif view == "toml":
        from .check_run import print_toml
        print_toml(result)
    elif view == "json":
        from .views import json as json_view
        extra = None
        if report is not None:
            from .views.symbolic import check_json
            extra = {"check": check_json(report)}
        json_view.write(result, sys.stdout, extra=extra)
        for w in result.warnings:
            print(f"cg: warning: {w}", file=sys.stderr)
    else:
        from .views import rich as rich_view
        from .fmt import PRECISION
        rich_view.print_eval(result, view, precision or PRECISION, sort=sort, depth=depth)
        if report is not None:
            from .views.symbolic import print_check
            print_check(report, precision)
    if report is not None and not report.passed:
        from .errors import CheckFailed
        from .views.symbolic import check_summary
        raise CheckFailed(f"cg: {check_summary(report)}")


# --- subcommands: each area keeps its commands in its own module, registered on `app` on import.
# Keep these modules light (import heavy things inside the command functions): every `cg` call
# imports them.
from . import cli_check  # noqa: E402,F401  cg check, cg key; eval's --get, --points, --format toml
from . import cli_teach  # noqa: E402,F401  cg explain, cg graph (issue 4)
from . import cli_train  # noqa: E402,F401  (cg descend, cg fit)
from . import cli_symbolic  # noqa: E402,F401  cg diff; eval --check (issue 5)

for _command in app.registered_commands:
    _command.epilog = _command.epilog or DOCS


class _PipeClosed(Exception):
    """stdout's reader went away (`cg ... | head`): not an error of cg's."""


class _GuardedStdout:
    """stdout whose broken pipe surfaces as _PipeClosed: click would otherwise catch the
    BrokenPipeError itself and exit 1, which in cg means "a check failed"."""

    def __init__(self, stream):
        self._stream = stream

    def write(self, s):
        try:
            return self._stream.write(s)
        except BrokenPipeError:
            raise _PipeClosed from None

    def flush(self):
        try:
            return self._stream.flush()
        except BrokenPipeError:
            raise _PipeClosed from None

    def __getattr__(self, name):
        return getattr(self._stream, name)


def _commands_for(argv: List[str]) -> list:
    """Typer builds the click options of every registered command on each call (a few ms for
    all of cg's); build only the command being invoked. `cg`, `cg --help`, `cg --version` and
    unknown commands get the whole app."""
    if argv and not argv[0].startswith("-"):
        chosen = [c for c in app.registered_commands
                  if (c.name or c.callback.__name__.replace("_", "-")) == argv[0]]
        if chosen:
            return chosen
    return app.registered_commands


def main(argv: Optional[List[str]] = None) -> int:
    """The `cg` entry point: never lets a traceback reach the user."""
    if argv is None:
        argv = sys.argv[1:]
    argv = ["--help" if a == "-h" else a for a in argv]
    stdout = sys.stdout
    sys.stdout = _GuardedStdout(stdout)
    every_command = app.registered_commands
    app.registered_commands = _commands_for(argv)
    try:
        # with standalone_mode=False, click returns a typer.Exit's code instead of raising it
        code = app(args=argv, prog_name="cg", standalone_mode=False)
        return code if isinstance(code, int) else 0
    except _PipeClosed:
        _quiet_stdout(stdout)
        return 0
    except CgError as e:
        _stderr(e.render())
        return e.exit_code
    except typer.Exit as e:
        return e.exit_code
    except KeyboardInterrupt:
        _stderr("cg: interrupted")
        return 130
    except BrokenPipeError:
        _quiet_stdout(stdout)
        return 0
    except Exception as e:  # click's usage errors, and anything unforeseen
        return _other(e)
    finally:
        sys.stdout = stdout
        app.registered_commands = every_command


def _other(e: Exception) -> int:
    # click's exceptions, duck-typed: Typer 0.28 vendors click as typer._click, older Typers use click
    if callable(getattr(e, "show", None)) and isinstance(getattr(e, "exit_code", None), int):
        e.show()
        return e.exit_code
    if type(e).__name__ == "Abort":
        _stderr("cg: aborted")
        return 130
    if isinstance(e, MemoryError):
        _stderr("cg: out of memory: the expression is too large for this machine")
        return 2
    if isinstance(e, RecursionError):
        _stderr("cg: the expression nests too deeply")
        return 2
    _stderr(f"cg: internal error ({type(e).__name__}: {e}); this is a bug in cg, please report it")
    return 4


def _stderr(text: str):
    try:
        print(text, file=sys.stderr)
    except Exception:
        pass


def _quiet_stdout(stdout):
    """Point stdout at /dev/null so the interpreter's final flush cannot complain."""
    import os
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, stdout.fileno())
    except Exception:
        pass


def run_main():
    sys.exit(main())


if __name__ == "__main__":
    # `python -m cgcli.cli`: run the package's own module, whose `app` the subcommands registered on
    from cgcli.cli import run_main as _run_main
    _run_main()
