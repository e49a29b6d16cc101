"""The `cg` entry point: every command registered on the app, argv in, an exit code out.
Errors become exit codes here (0 ok, 1 a failed check, 2 bad input or usage, 3 math domain
error, 4 a bug in cg) and never a traceback."""
import gc
import sys

# Start-up: no garbage collection while Typer and the app are imported (they make many objects
# and no garbage; about 3M instructions of `cg eval`), then the collector as it was.
_COLLECTING = gc.isenabled()
gc.disable()
try:
    from typing import List, Optional

    import typer

    from ..core.errors import CgError
    from .app import DOCS, app
finally:
    if _COLLECTING:
        gc.enable()

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


class _WriteFailed(Exception):
    """stdout cannot take the output (a full disk, an I/O error): the user's to fix, exit 2.
    Not an OSError, so click does not catch it on the way."""

    def __init__(self, error: OSError):
        super().__init__(error.strerror or str(error))
        self.error = error


_CHUNK = 2048           # characters: at most 8 KiB of UTF-8, one buffer of the stream below


class _GuardedStdout:
    """stdout whose broken pipe surfaces as _PipeClosed (click would otherwise catch the
    BrokenPipeError itself and exit 1, which in cg means "a check failed") and whose other
    write errors surface as _WriteFailed. A large write goes out in flushed chunks, so a
    reader that goes away in the middle of it is noticed (one big write to a pipe can end
    short without an error). A stdout that was closed when cg started is a closed pipe.
    No control character that a view let through reaches the terminal (views.text.stdout_safe)."""

    def __init__(self, stream, filtered: bool = True):
        self._stream = stream
        if filtered:
            self._safe = _stdout_safe
            # for cg's Rich consoles, which escape their content themselves and may draw
            # (the step-through's screen): guarded the same way, not filtered
            self.unfiltered = _GuardedStdout(stream, filtered=False)
        else:
            self._safe = str

    def write(self, s):
        if not isinstance(s, str):          # a text stream: click probes with write(b"")
            raise TypeError(f"write() argument must be str, not {type(s).__name__}")
        if self._stream is None:
            raise _PipeClosed
        s = self._safe(s)
        try:
            if len(s) <= _CHUNK:
                return self._stream.write(s)
            for k in range(0, len(s), _CHUNK):
                self._stream.write(s[k:k + _CHUNK])
                self._stream.flush()
            return len(s)
        except BrokenPipeError:
            raise _PipeClosed from None
        except OSError as e:
            raise _WriteFailed(e) from None

    def flush(self):
        if self._stream is None:
            return None
        try:
            return self._stream.flush()
        except BrokenPipeError:
            raise _PipeClosed from None
        except OSError as e:
            raise _WriteFailed(e) from None

    def isatty(self):
        return self._stream is not None and self._stream.isatty()

    def __getattr__(self, name):
        if self._stream is None:
            raise _PipeClosed
        return getattr(self._stream, name)


def _stdout_safe(s: str) -> str:
    """views.text.stdout_safe, imported for the first text that is not printable but for its
    newlines and tabs (start-up: a clean `cg eval --json` never needs it)."""
    if s.isprintable() or (len(s) <= 1 << 16 and s.replace("\n", "").replace("\t", "").isprintable()):
        return s
    from ..views.text import stdout_safe
    return stdout_safe(s)


class _SafeStderr:
    """stderr on which no control character of a message reaches the terminal: a message
    may quote a student's name, a file name or an expression (docs/conventions.md, "Untrusted
    text"); each is shown as a visible escape (\\x1b). Newlines and tabs are kept. A Rich
    console that draws on stderr (the progress bar) writes to `.unfiltered`."""

    def __init__(self, stream):
        self.unfiltered = stream

    def write(self, s):
        if not isinstance(s, str):          # a text stream: click probes with write(b"")
            raise TypeError(f"write() argument must be str, not {type(s).__name__}")
        from ..views.text import controls  # on the first message only (start-up)
        return self.unfiltered.write(controls(s, keep="\n\t"))

    def __getattr__(self, name):
        return getattr(self.unfiltered, name)


def _no_stdin(error: OSError | None = None):
    from ..core.errors import InputError
    import errno
    if error is None or error.errno == errno.EBADF:
        return InputError("cg: no input on stdin (it is closed)")
    return InputError(f"cg: cannot read stdin: {error.strerror or error}")


class _GuardedStdin:
    """stdin, text or binary (`.buffer`), whose read errors are bad input (exit 2); a stdin
    that was closed when cg started (`cg eval - <&-`) reads as "no input on stdin"."""

    def __init__(self, stream):
        self._stream = stream

    def _call(self, name, *args):
        if self._stream is None:
            raise _no_stdin()
        try:
            return getattr(self._stream, name)(*args)
        except OSError as e:
            raise _no_stdin(e) from None

    def read(self, *args):
        return self._call("read", *args)

    def read1(self, *args):
        return self._call("read1", *args)

    def readline(self, *args):
        return self._call("readline", *args)

    def readlines(self, *args):
        return self._call("readlines", *args)

    def readinto(self, *args):
        return self._call("readinto", *args)

    def __iter__(self):
        return self

    def __next__(self):
        line = self.readline()
        if not line:
            raise StopIteration
        return line

    def isatty(self):
        try:
            return self._stream is not None and self._stream.isatty()
        except (OSError, ValueError):
            return False

    def fileno(self):
        return self._call("fileno")

    @property
    def buffer(self):
        if self._stream is None:
            return self
        raw = getattr(self._stream, "buffer", None)
        return _GuardedStdin(raw) if raw is not None else self

    def __getattr__(self, name):
        if self._stream is None:
            raise _no_stdin()
        return getattr(self._stream, name)


# --- output an encoding cannot hold: ASCII forms instead of a crash ---------------------------

ASCII_FORMS = {
    "×": "x", "·": "*", "∂": "d", "✓": "ok", "✗": "X", "—": "-", "–": "-", "−": "-", "…": "...",
    "→": "->", "←": "<-", "◀": "<", "▶": ">", "‖": "||", "≤": "<=", "≥": ">=", "≠": "!=",
    "≈": "~", "Σ": "sum", "Π": "prod", "∑": "sum", "∏": "prod", "∞": "inf", "π": "pi",
    "√": "sqrt", "∇": "grad", "«": "<<", "»": ">>", "‘": "'", "’": "'", "“": '"', "”": '"',
    "•": "*", "°": " deg", "µ": "u", "±": "+/-", "⁻": "-",
    "│": "|", "┃": "|", "║": "|", "─": "-", "━": "-", "═": "=",
    **{c: "+" for c in "┌┐└┘├┤┬┴┼┏┓┗┛┣┫┳┻╋┡┩╇┢┪╈╔╗╚╝╠╣╦╩╬╭╮╯╰"},
}
_SUPERSCRIPTS = dict(zip("⁰¹²³⁴⁵⁶⁷⁸⁹⁻", "0123456789-"))


def _ascii_forms(error):
    """A codec error handler ("cg-ascii"): each character the output encoding cannot hold
    as its ASCII form (x for ×, d for ∂, ok for ✓, x^2 for x²), else without its accents
    (é as e), else as a \\uXXXX escape."""
    if not isinstance(error, UnicodeEncodeError):
        raise error
    import unicodedata
    out = []
    text = error.object[error.start:error.end]
    k = 0
    while k < len(text):
        c = text[k]
        if c in _SUPERSCRIPTS:                      # a run of superscripts is one power: x^-12
            j = k
            while j < len(text) and text[j] in _SUPERSCRIPTS:
                j += 1
            out.append("^" + "".join(_SUPERSCRIPTS[d] for d in text[k:j]))
            k = j
            continue
        form = ASCII_FORMS.get(c)
        if form is None:
            form = unicodedata.normalize("NFKD", c).encode("ascii", "ignore").decode()
            if not form or not form.isprintable():
                n = ord(c)
                form = f"\\x{n:02x}" if n < 0x100 else (f"\\u{n:04x}" if n < 0x10000 else f"\\U{n:08x}")
        out.append(form)
        k += 1
    return "".join(out), error.end


def _fall_back_to_ascii(*streams) -> None:
    """Output the stream's encoding cannot hold (LC_ALL=C, PYTHONIOENCODING=latin-1, a lone
    surrogate from argv) is written in ASCII forms: one error handler on the real streams,
    so every view, Rich and --help included, is covered."""
    import codecs
    try:
        codecs.lookup_error("cg-ascii")
    except LookupError:
        codecs.register_error("cg-ascii", _ascii_forms)
    for stream in streams:
        if callable(getattr(stream, "reconfigure", None)):
            try:
                stream.reconfigure(errors="cg-ascii")
            except Exception:
                pass


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
    stdin, stdout, stderr = sys.stdin, sys.stdout, sys.stderr
    _fall_back_to_ascii(stdout, stderr)
    sys.stdout = _GuardedStdout(stdout)
    sys.stdin = _GuardedStdin(stdin)
    if stderr is None:                  # 2>&-: messages go nowhere (print would use stdout)
        import os
        sys.stderr = open(os.devnull, "w")
    sys.stderr = _SafeStderr(sys.stderr)
    import_commands(argv)
    every_command = app.registered_commands
    chosen = _commands_for(argv)
    for c in chosen:
        c.epilog = c.epilog or DOCS
    app.registered_commands = list(chosen)
    try:
        # with standalone_mode=False, click returns a typer.Exit's code instead of raising it
        code = app(args=argv, prog_name="cg", standalone_mode=False)
        sys.stdout.flush()              # a full disk or closed pipe is noticed here, not at exit
        return code if isinstance(code, int) else 0
    except _PipeClosed:
        _quiet_stdout(stdout)
        return 0
    except _WriteFailed as e:
        _quiet_stdout(stdout)
        _stderr(f"cg: cannot write to stdout: {e}")
        return 2
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
        sys.stdin, sys.stdout, sys.stderr = stdin, stdout, stderr
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
    """The `cg` command. The process ends with this call, so what is alive once the invoked
    command's module is imported (the modules, Typer, the app) lives to the end: gc.freeze
    takes it out of the collector's sight, which then scans only what the command makes, in
    each collection and in the one at exit (start-up: about 30M instructions of `cg eval`,
    bench/startup.py). Not in main(), which a long-lived process may call many times."""
    import_commands(sys.argv[1:])
    gc.freeze()
    sys.exit(main())
