"""cg's own error types. They carry what the user needs to see; only the CLI turns them
into stderr text and exit codes (2 bad input or usage, 3 math domain error)."""
from __future__ import annotations


class CgError(Exception):
    exit_code = 2

    def __init__(self, message: str, *, source: str | None = None, pos: int | None = None,
                 hint: str | None = None):
        super().__init__(message)
        self.message = message
        self.source = source
        self.pos = pos
        self.hint = hint

    def render(self) -> str:
        """The message, then the offending line with a caret under the column, then a hint."""
        lines = [self.message]
        if self.source is not None and self.pos is not None:
            start = self.source.rfind("\n", 0, self.pos) + 1
            end = self.source.find("\n", self.pos)
            end = len(self.source) if end < 0 else end
            line = self.source[start:end]
            col = self.pos - start
            if len(line) > 100:           # show a window of a long line around the column
                lo = max(0, col - 50)
                line, col = ("..." if lo else "") + line[lo:lo + 100] + ("..." if lo + 100 < len(line) else ""), col - lo + (3 if lo else 0)
            lines.append("  " + line.replace("\t", " "))
            lines.append("  " + " " * col + "^")
        if self.hint:
            lines.append(self.hint)
        return "\n".join(lines)


class CgSyntaxError(CgError):
    """The text is not a program: bad token, misplaced operator, unknown function, ..."""


class InputError(CgError):
    """Bad values or options: a missing or unused variable, a value that is not a number."""


class DomainError(CgError):
    """A math domain error in the forward pass; names the failing subexpression."""
    exit_code = 3

    def __init__(self, message: str, node: int | None = None):
        super().__init__(message)
        self.node = node


class CheckFailed(CgError):
    """A check found a wrong answer or gradient (exit code 1, not a domain error)."""
    exit_code = 1
