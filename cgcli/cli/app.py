"""cg's Typer app and what every command shares: the options declared once, and argv ->
(program, graph, inputs) (`load`). The commands live one per module beside this one
(eval.py, check.py, teach.py, train.py, symbolic.py) and register themselves on `app`;
main.py imports them all and is the entry point.

No `from __future__ import annotations` in the command modules: Typer would then compile every
annotation string at each call (about 2 ms of start-up).
"""
import sys
from typing import List, Optional

import typer

from ..core import __version__
from ..core.errors import InputError

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


MAX_NODES_OPTION = typer.Option(None, "--max-nodes", metavar="N", min=1,
                                help="The work budget: at most N scalar nodes and N loop iterations "
                                     "(default 10,000,000), checked before building.")

MAX_FILE_SIZE_OPTION = typer.Option(None, "--max-file-size", metavar="BYTES", min=1,
                                    help="Read no file (or points line) larger than BYTES "
                                         "(default 10485760, 10 MB).")


def float_range(min=None, max=None, min_open: bool = False, max_open: bool = False):
    """A number option's range as its type (click's FloatRange: exit 2 with click's message)."""
    try:
        from typer._click.types import FloatRange     # Typer 0.28 vendors click
    except ImportError:
        from click import FloatRange
    return FloatRange(min, max, min_open=min_open, max_open=max_open)


def set_limits(max_nodes: Optional[int] = None, max_file_size: Optional[int] = None) -> None:
    """--max-nodes and --max-file-size, for the whole run (cgcli.core.limits); the defaults
    when not given (so one call in a process never carries over to the next)."""
    from ..core import limits
    limits.configure(max_nodes or limits.DEFAULT_MAX_NODES, max_file_size or limits.DEFAULT_MAX_FILE_SIZE)


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
    """EXPR, the whole of stdin for '-' (multi-line programs, texts over argv's limit), or the
    contents of a program file named FILE.cg."""
    if expr == "-":
        if sys.stdin.isatty():
            print("cg: reading the program from stdin (end it with Ctrl-D)", file=sys.stderr)
        from ..core import limits
        from ..core.formats import read_stdin
        data = read_stdin(sys.stdin.buffer)        # bounded like a file (issue 16)
        if data is None:
            raise limits.OverBudget(f"cg: the program on stdin is {limits.too_large('-')}")
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError as e:
            raise InputError(f"cg: stdin is not UTF-8 text ({e.reason} at byte {e.start})") from None
    if expr.endswith(".cg") and "\n" not in expr:
        # a program file (examples/micrograd_readme.cg): no expression ends in ".cg" (cg has no
        # attribute access), so the name cannot be mistaken for one
        from ..core.formats import read_text
        return read_text(expr)
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
                        from ..core.names import did_you_mean
                        raise InputError(f"cg: --{name} is not an option of cg {command} "
                                         f"(nor a variable: it has no value)", hint=did_you_mean(close))
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
    try:
        from typer._click.globals import get_current_context     # Typer 0.28 vendors click
    except ImportError:
        from click import get_current_context
    ctx = get_current_context(silent=True)
    if ctx is None:
        return None
    options = [o for p in ctx.command.params for o in getattr(p, "opts", ()) if o.startswith("--")]
    from ..core.names import close
    return close("--" + name, options, cutoff=0.75)


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
    from ..core.values import input_shapes, is_vector_text, split_value
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
    from ..core.values import element_variables
    from ..core.vectors import say_shape
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


def args_hint(args: List[str], sets: List[str], graph, command: str) -> str:
    """missing_hint for the command's argv (cg graph's and cg diff's all_or_none)."""
    expr, raw = split_args(args, sets)
    return missing_hint(expr, graph, raw, command)


def load(args: List[str], sets: List[str], require_all: bool = True, command: str = "eval",
         output: Optional[str] = None, shapes: Optional[dict] = None):
    """argv pieces -> (program text, graph, inputs); raises CgError. The inputs are the given
    values merged with the program's own (`x = 2`; passes.with_defaults). With require_all=False,
    variables may be left without values (views that can draw the structure alone): then the
    inputs are {} when nothing is given and the program's values are not complete.
    `output`: differentiate this named node instead of the last statement (--output).
    `shapes`: name -> shape of vector inputs that have no values here (cg fit's --shape, --input)."""
    from ..core.parse import parse
    from ..core.passes import missing_inputs, with_defaults
    expr, raw = split_args(args, sets, command)
    if expr is None:
        raise InputError("cg: no expression given",
                         hint=f'example: cg {command} "(x+y)*z" --x 2 --y 3 --z -4')
    program = read_program(expr)
    given_shapes, raw, implied = vector_values(raw)
    if shapes:
        for name in given_shapes:
            if name in shapes and shapes[name] != given_shapes[name]:
                from ..core.vectors import say_shape
                raise InputError(f"cg: --{name} gives {say_shape(given_shapes[name])}, but --shape says "
                                 f"{say_shape(shapes[name])}")
    valued = given_shapes
    shapes = {**implied, **(shapes or {}), **given_shapes}
    graph = parse(program, shapes=shapes) if shapes else parse(program)
    if valued:
        check_vector_values(graph, valued, raw)
    if output is not None:
        from ..core.names import with_output
        graph = with_output(graph, output)
    missing = missing_inputs(graph, raw)
    unknown = [n for n in raw if n not in graph.variables]
    if unknown:
        from ..core.passes import unknown_variable
        if graph.variables and any(k.startswith(unknown[0] + "[") for k in graph.variables):
            from ..core.values import element_variables
            have = element_variables(graph, unknown[0])
            raise InputError(f"cg: --{unknown[0]}: {unknown[0]} is a vector here (elements "
                             f"{', '.join(have[:4])}{', ...' if len(have) > 4 else ''})",
                             hint=f"give all its elements: --{unknown[0]} {','.join('1' for _ in have[:8])}"
                                  f"{',...' if len(have) > 8 else ''}, or one: --set \"{have[0]}=1\"")
        err = unknown_variable(graph, unknown[0], option="--")
        close = close_option(unknown[0])
        if close and "did you mean" not in (err.hint or ""):
            from ..core.names import did_you_mean
            err.hint = f"{did_you_mean(close)} (an option of cg {command})\n" + (err.hint or "")
        raise err
    if missing and require_all:
        from ..core.names import missing_values
        raise missing_values(missing, hint=missing_hint(expr, graph, raw, command))
    from ..core.values import constant_value
    inputs = {name: constant_value(val, f"the value of {name}") for name, val in raw.items()}
    if inputs or not missing:
        inputs = with_defaults(graph, inputs)
    return program, graph, inputs
