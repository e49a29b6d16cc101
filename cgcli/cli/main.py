"""The `cg` entry point: every command registered on the app, argv in, an exit code out.
Errors become exit codes here (0 ok, 1 a failed check, 2 bad input or usage, 3 math domain
error, 4 a bug in cg) and never a traceback."""
import sys
from typing import List, Optional

import typer

from ..core.errors import CgError
from .app import DOCS, app

# The commands, one module each, registered on `app` when imported. Only the invoked command's
# module is imported (start-up is paid on every call from a shell loop); `cg`, `cg --help`,
# completion and unknown commands import them all, and --help lists them in this order.
COMMANDS = {"eval": "eval", "check": "check", "key": "check", "grade": "check", "explain": "teach",
            "graph": "teach", "practice": "practice", "descend": "train", "fit": "train", "diff": "symbolic"}
ORDER = list(COMMANDS)


def import_commands(argv: Optional[List[str]] = None) -> None:
    """Import the command modules `argv` needs (all of them without argv or for an unknown command)."""
    import importlib
    import os
    name = argv[0] if argv and not argv[0].startswith("-") else None
    if name in COMMANDS and not os.environ.get("_CG_COMPLETE"):
        modules = [COMMANDS[name]]
    else:
        modules = list(dict.fromkeys(COMMANDS.values()))
    for m in modules:
        importlib.import_module(f"{__package__}.{m}")


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


def _name(command) -> str:
    return command.name or command.callback.__name__.replace("_", "-")


def _commands_for(argv: List[str]) -> list:
    """Typer builds the click options of every registered command on each call (a few ms for
    all of cg's); build only the command being invoked. `cg`, `cg --help`, `cg --version` and
    unknown commands get the whole app, in ORDER."""
    if argv and not argv[0].startswith("-"):
        chosen = [c for c in app.registered_commands if _name(c) == argv[0]]
        if chosen:
            return chosen
    rank = {n: k for k, n in enumerate(ORDER)}
    return sorted(app.registered_commands, key=lambda c: rank.get(_name(c), len(rank)))


def main(argv: Optional[List[str]] = None) -> int:
    """The `cg` entry point: never lets a traceback reach the user."""
    if argv is None:
        argv = sys.argv[1:]
    argv = ["--help" if a == "-h" else a for a in argv]
    stdout = sys.stdout
    sys.stdout = _GuardedStdout(stdout)
    import_commands(argv)
    every_command = app.registered_commands
    chosen = _commands_for(argv)
    for c in chosen:
        c.epilog = c.epilog or DOCS
    app.registered_commands = list(chosen)
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
        # a command module imported while running (eval uses teach's helpers) registered its
        # commands into the list in use: keep them
        late = [c for c in app.registered_commands if c not in chosen and c not in every_command]
        app.registered_commands = every_command + late


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
