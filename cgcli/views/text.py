"""Untrusted text as data, never markup or control: the one place that renders user-supplied
strings (student names, answers, labels, file names, problem ids, expressions echoed back)
for a terminal, a Rich view, a CSV cell, a JSON string or a Markdown code span
(docs/conventions.md, "Untrusted text").

- visible(s): control characters (C0, DEL, C1), bidi overrides and isolates, line/paragraph
  separators and lone surrogates are written as Python writes them in a string literal
  (`\\x1b`, `\\n`, `\\u202e`, `\\udcff`), and a backslash is doubled, so the shown text maps back
  to the original exactly (original(visible(s)) == s) and no escape sequence reaches a terminal.
- safe(s): visible(s) as a rich Text, which Rich never reads as markup.
- controls(s): only the control characters escaped (a message composed by cg: newlines kept).
- json_text(s): JSON text with the characters above, where raw, as \\uXXXX escapes.
- csv_writer(out): the one CSV writer: every text cell visible(), and a cell starting with
  = + - @ (a formula in a spreadsheet) gets a ' in front (the OWASP rule); numbers stay numbers.
- code_span(s): a Markdown code span whose fence is longer than any run of backticks inside.

No Rich import at module level (start-up is paid on every call; JSON and CSV need none).
"""
from __future__ import annotations


# the shelf's lazily compiled pattern and JSON text escapes (core/formats.py)
from ..core.formats import _JSON_EXTRA, LazyPattern as _LazyPattern, json_text  # noqa: F401


# C0 and DEL and C1; Arabic letter mark, LRM/RLM; LRE/RLE/PDF/LRO/RLO; LRI/RLI/FSI/PDI;
# line and paragraph separators; lone surrogates (undecodable bytes in argv or a file name)
_UNSAFE = "\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029\ud800-\udfff"
_CONTROL = _LazyPattern(f"[{_UNSAFE}]")
_CONTROL_OR_BACKSLASH = _LazyPattern(f"[{_UNSAFE}\\\\]")
_NAMED = {"\\": "\\\\", "\n": "\\n", "\t": "\\t", "\r": "\\r"}


def _escape(c: str) -> str:
    named = _NAMED.get(c)
    if named:
        return named
    n = ord(c)
    return f"\\x{n:02x}" if n < 0x100 else f"\\u{n:04x}"


def visible(s) -> str:
    """`s` with every control character as a visible escape and backslashes doubled."""
    s = str(s)
    if _CONTROL_OR_BACKSLASH.search(s) is None:
        return s
    return _CONTROL_OR_BACKSLASH.sub(lambda m: _escape(m.group()), s)


def controls(s, keep: str = "\n") -> str:
    """`s` with the control characters escaped (not the backslash), those in `keep` left as
    they are: for messages cg composes, which may quote untrusted text."""
    s = str(s)
    if _CONTROL.search(s) is None:
        return s
    return _CONTROL.sub(lambda m: m.group() if m.group() in keep else _escape(m.group()), s)


_UNESCAPE = _LazyPattern(r"\\(\\|n|t|r|x[0-9a-f]{2}|u[0-9a-f]{4})")


def original(shown: str) -> str:
    """The inverse of visible(): the text a visible() rendering stands for."""
    def one(m):
        e = m.group(1)
        return {"\\": "\\", "n": "\n", "t": "\t", "r": "\r"}.get(e) or chr(int(e[1:], 16))
    return _UNESCAPE.sub(one, shown)


def safe(s):
    """A rich Text of visible(s): shown literally, never as markup or a terminal control."""
    from rich.text import Text
    return Text(visible(s))


# --- JSON ----------------------------------------------------------------------------------

# --- stdout: the last line of defence ----------------------------------------------------

_STDOUT_UNSAFE = _LazyPattern("\x1b\\[[0-9;]*m"          # an SGR colour sequence: kept
                            "|[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"
                            "\u2028\u2029\ud800-\udfff]")


def _stdout_escape(m) -> str:
    t = m.group()
    return t if len(t) > 1 else f"\\u{ord(t):04x}"


def stdout_safe(s: str) -> str:
    """Text on its way to stdout with every control character a view let through (C0 but
    newline and tab, DEL, C1, bidi controls, separators, lone surrogates) as a \\uXXXX escape,
    which is also what it means inside a JSON string (where only these can occur raw); the
    only escape sequences kept are SGR colours (ESC [ ... m), as Rich and --help draw them."""
    # the fast paths: every character the pattern matches is one str.isprintable() rejects,
    # so a text printable but for its newlines and tabs needs no search (nor the compiled pattern)
    if s.isprintable() or (len(s) <= 1 << 16 and s.replace("\n", "").replace("\t", "").isprintable()):
        return s
    if _STDOUT_UNSAFE.search(s) is None:
        return s
    return _STDOUT_UNSAFE.sub(_stdout_escape, s)


# --- CSV -----------------------------------------------------------------------------------

_FORMULA = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = _LazyPattern(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")


def csv_cell(v) -> str:
    """One CSV cell: a number (int, float, or a str that is a plain decimal number such as
    "-4" or "0.73") as it is; any other text visible(), with a ' in front when it starts
    with = + - @ (tab or CR cannot start it any more: visible() wrote them as \\t, \\r), so a
    spreadsheet shows it as text instead of running it as a formula; and with a ' in front when
    it starts with ' itself, so a name written '=x is told apart from =x made safe."""
    if v is None:
        return ""
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        return repr(v) if isinstance(v, float) else str(v)
    s = str(v)
    if _NUMBER.fullmatch(s):
        return s
    s = visible(s)
    return "'" + s if s.startswith(_FORMULA) or s.startswith("'") else s


class _CsvWriter:
    def __init__(self, out):
        import csv
        self._w = csv.writer(out, lineterminator="\n")

    def writerow(self, row) -> None:
        self._w.writerow([csv_cell(v) for v in row])


def csv_writer(out) -> _CsvWriter:
    """The one CSV writer of cg: rows of cells through csv_cell()."""
    return _CsvWriter(out)


# --- Markdown ------------------------------------------------------------------------------

_BACKTICKS = _LazyPattern("`+")


def code_span(s) -> str:
    """`s` as a CommonMark code span: the fence is one backtick longer than the longest run
    inside, padded with a space where `s` starts or ends with a backtick (CommonMark strips
    one space on each side). Control characters are visible escapes; newlines become spaces
    (a code span is one line of text)."""
    s = controls(str(s).replace("\n", " "), keep="")
    longest = max((len(r) for r in _BACKTICKS.findall(s)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if s.startswith("`") or s.endswith("`") or (s.startswith(" ") and s.endswith(" ") and s.strip()) else ""
    return f"{fence}{pad}{s}{pad}{fence}"


def md_text(s) -> str:
    """Running Markdown text that may quote untrusted text: control characters visible, and
    < and & as entities, so it cannot open raw HTML."""
    return controls(str(s), keep="").replace("&", "&amp;").replace("<", "&lt;")
