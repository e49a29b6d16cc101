"""Limits on work and input (issue 16): checked before the work, so no input can make cg
build, read or wait without bound.

- Nodes: a program builds at most `max_nodes` scalar nodes (default 10^7, `--max-nodes N`),
  and its loops run at most `max_nodes` iterations in all. Every place that multiplies its input
  (a loop, `--shape`, elementwise vector arithmetic, W @ x) checks the budget *before* building.
- Answers: anything read from a submission (an answer, `--value`, a formula answer) is an
  expression, not a program: no loops, no assignments, one statement, at most ANSWER_MAX_CHARS
  characters and ANSWER_MAX_NODES nodes.
- Files: every file cg reads from a user (a homework sheet, a key, a class CSV or JSON Lines,
  a roster, a data file, a FILE.cg program, a points file's lines) is read with a bound of
  `max_file_size` bytes (default 10 MB, `--max-file-size`); only regular files (and pipes
  named on the command line) are read, never a device or a directory.

The command line sets the process-wide limits once (`configure`); a Builder reads them when it
starts. Messages name the limit and the option that raises it.
"""
from __future__ import annotations

from .errors import InputError

DEFAULT_MAX_NODES = 10_000_000
DEFAULT_MAX_FILE_SIZE = 10 * 1024 * 1024
ANSWER_MAX_NODES = 5_000
ANSWER_MAX_CHARS = 20_000

max_nodes = DEFAULT_MAX_NODES
max_file_size = DEFAULT_MAX_FILE_SIZE


class OverBudget(InputError):
    """An input that would make cg do more work, or read more, than its limit allows (exit 2)."""


class NotAnAnswer(InputError):
    """Text from a submission that is a program, not an expression (a loop, an assignment)."""


def configure(nodes: int | None = None, file_size: int | None = None) -> None:
    """Set the process-wide limits (the command line's --max-nodes and --max-file-size)."""
    global max_nodes, max_file_size
    if nodes is not None:
        if nodes < 1:
            raise InputError(f"cg: --max-nodes must be at least 1, got {nodes}")
        max_nodes = nodes
    if file_size is not None:
        if file_size < 1:
            raise InputError(f"cg: --max-file-size must be at least 1, got {file_size}")
        max_file_size = file_size


def count(n: int) -> str:
    return f"{n:,}"


def nodes_over(what: str, limit: int, answer: bool = False) -> OverBudget:
    """`what` is e.g. "the loop at line 1 would run 1,000,000,000 times"."""
    if answer:
        return OverBudget(f"cg: an answer is an expression of at most {count(limit)} nodes: {what}")
    return OverBudget(f"cg: {what}, more than the limit of {count(limit)} nodes of work "
                      f"(--max-nodes N raises it)")


def size_text(n: int) -> str:
    if n >= 1024 * 1024 and n % (1024 * 1024) == 0:
        return f"{n // (1024 * 1024)} MB"
    if n >= 1024 and n % 1024 == 0:
        return f"{n // 1024} KB"
    return f"{count(n)} bytes"


def too_large(path: str, limit: int | None = None) -> str:
    limit = max_file_size if limit is None else limit
    return (f"larger than the limit of {size_text(limit)} (--max-file-size BYTES raises it)")


def kind_of(mode: int) -> str | None:
    """None for a regular file, else what the file is ("a FIFO", "a directory", ...)."""
    import stat
    if stat.S_ISREG(mode):
        return None
    if stat.S_ISDIR(mode):
        return "a directory"
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISCHR(mode):
        return "a character device"
    if stat.S_ISBLK(mode):
        return "a block device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISLNK(mode):
        return "a symbolic link"
    return "not a regular file"


class FileProblem(InputError):
    """A file that cg will not read (not a regular file, too large, unreadable); `reason` is
    the message without the path, for callers that locate it themselves."""

    def __init__(self, path: str, reason: str, message: str | None = None):
        super().__init__(message or f"cg: {path}: {reason}")
        self.path = path
        self.reason = reason


def read_bytes(path: str, pipes: bool = True, follow: bool = True) -> bytes:
    """A user's file, read with the size bound. Never blocks on a FIFO it will not read (opened
    with O_NONBLOCK, checked with fstat first) and never reads a device or a directory.
    `pipes`: a FIFO named on the command line (`<(...)`) is read, up to the bound.
    `follow`: False refuses a symbolic link (a file in a submissions folder)."""
    import os
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
    if not follow:
        flags |= getattr(os, "O_NOFOLLOW", 0)
    try:
        fd = os.open(path, flags)
    except OSError as e:
        import errno
        if e.errno == errno.ELOOP and not follow:
            raise FileProblem(path, "a symbolic link: not read") from None
        raise _unreadable(path, e) from None
    try:
        st = os.fstat(fd)
        kind = kind_of(st.st_mode)
        import stat
        if kind is not None and not (pipes and stat.S_ISFIFO(st.st_mode)):
            raise FileProblem(path, f"{kind}, not a regular file: not read")
        limit = max_file_size
        if st.st_size > limit:
            raise FileProblem(path, too_large(path, limit))
        if kind is not None:                      # a pipe: block while reading it, as `cat` would
            os.set_blocking(fd, True)
        chunks = []
        total = 0
        while True:
            try:
                data = os.read(fd, min(1 << 20, limit + 1 - total))
            except BlockingIOError:
                break
            if not data:
                break
            chunks.append(data)
            total += len(data)
            if total > limit:
                raise FileProblem(path, too_large(path, limit))
        return b"".join(chunks)
    except OSError as e:
        raise _unreadable(path, e) from None
    finally:
        os.close(fd)


def _unreadable(path: str, e: OSError) -> FileProblem:
    why = e.strerror or str(e)
    return FileProblem(path, f"cannot read it: {why}", f"cg: cannot read {path}: {why}")


def open_stream(path: str):
    """A user's file as a binary stream read line by line (a points file): a regular file or a
    pipe, never a device or a directory; the caller bounds each line (max_file_size)."""
    import os
    import stat
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    except OSError as e:
        raise _unreadable(path, e) from None
    try:
        st = os.fstat(fd)
        kind = kind_of(st.st_mode)
        if kind is not None and not stat.S_ISFIFO(st.st_mode):
            raise FileProblem(path, f"{kind}, not a regular file: not read")
        os.set_blocking(fd, True)
    except BaseException:
        os.close(fd)
        raise
    return os.fdopen(fd, "rb")
