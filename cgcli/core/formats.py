"""The shelf for file formats: one strict JSON writer and one reader each for text, JSON Lines,
CSV and TOML. Every command reads and writes its files through here.

Writer (strict RFC 8259, no NaN/Infinity literals):
  quote(s)     a JSON string; escapes what a terminal would act on, lone surrogates as \\uXXXX
  number(x)    a JSON number in cg's shortest round-trip form; inf and nan are the strings
               "inf", "-inf", "nan" (numbers(col): a whole column)
  dumps(obj)   one JSON value on one line from None, bools, ints, floats, strings, dicts, lists
  document(obj, indent=None)   a whole document through the standard library's json
               (allow_nan=False: a NaN or infinity is a ValueError, never a literal), with
               json_text's escapes; for documents built as dicts (cg grade, practice, the page)
  json_text(s) JSON text with the raw characters a terminal would act on as \\uXXXX escapes

Readers (each bounded by --max-file-size, core/limits.py; each locates a problem by line and
isolates it: a bad record is yielded as that record's error, and the rest is still read):
  read_text(path, ...)         a UTF-8 file's text (FileProblem naming the file); a BOM
                               dropped, bad bytes kept per row, symbolic links refused on demand
  read_stdin(stream)           stdin's bytes up to the bound, or None when it is longer
  read_lines(stream)           JSON Lines as blocks of (line number, bytes) as they arrive;
                               a line over the bound comes as (line number, None)
  jsonl_records(text)          (line, object, None) or (line, None, exception) per non-blank line
                               (text, or bytes decoded line by line)
  decoder(...) / scanner()     the strict JSON decoder (NaN and Infinity refused; with
                               unique=True a key given twice in one object is refused)
  csv_rows(text)               (line, cells, None) or (line, None, csv.Error) per row
  parse_toml(text)             the document, or TomlProblem(line, reason)

Only the standard library and the core are imported, and those lazily (start-up is paid per
call). Messages that name a command's own file ("the points file", "the key") stay with the
command; the shelf gives the line and the reason.
"""
from __future__ import annotations

from .errors import InputError
from .fmt import json_number as number, json_numbers as numbers

__all__ = ["quote", "number", "numbers", "dumps", "document", "json_text", "read_text", "read_stdin", "read_lines", "too_long",
           "jsonl_records", "decoder", "scanner", "csv_rows", "parse_toml", "TomlProblem"]

# --- the JSON writer -----------------------------------------------------------------------

# JSON string escaping without importing the json package (start-up is paid per call)
_ESCAPES = {i: f"\\u{i:04x}" for i in range(32)}
_ESCAPES.update({ord('"'): '\\"', ord("\\"): "\\\\", ord("\n"): "\\n", ord("\t"): "\\t",
                 ord("\r"): "\\r", 0x2028: "\\u2028", 0x2029: "\\u2029"})
# and what a terminal would act on (views.text): DEL, C1, bidi controls
_ESCAPES.update({i: f"\\u{i:04x}" for i in [*range(0x7f, 0xa0), 0x61c, 0x200e, 0x200f, *range(0x202a, 0x202f),
                                            *range(0x2066, 0x206a)]})


def quote(s: str) -> str:
    """A JSON string for `s` (json.loads gives `s` back; a lone surrogate comes back as itself)."""
    s = s.translate(_ESCAPES)
    if not s.isascii():
        try:
            s.encode("utf-8")
        except UnicodeEncodeError:      # lone surrogates (undecodable bytes in argv): escape them
            s = "".join(c if not 0xD800 <= ord(c) <= 0xDFFF else f"\\u{ord(c):04x}" for c in s)
    return '"' + s + '"'


def dumps(obj) -> str:
    """One JSON value on one line, strict: a float is number(x), never NaN or Infinity. The
    structures written this way are a few levels deep (settings, records), so a plain
    recursive walk over them is fine."""
    if obj is None:
        return "null"
    if obj is True:
        return "true"
    if obj is False:
        return "false"
    if isinstance(obj, int):
        return str(obj)
    if isinstance(obj, float):
        return number(obj)
    if isinstance(obj, str):
        return quote(obj)
    if isinstance(obj, dict):
        return "{" + ", ".join(f"{quote(k)}: {dumps(v)}" for k, v in obj.items()) + "}"
    return "[" + ", ".join(dumps(v) for v in obj) + "]"


class LazyPattern:
    """A regex compiled on its first use. Compiling these character classes (code points up to
    U+DFFF, so re builds a 64K-entry charset) costs about 5 ms, which `cg eval` would otherwise
    pay at every start for text it never has to escape (tests/test_startup_imports.py)."""

    def __init__(self, pattern: str):
        self._pattern = pattern

    def __getattr__(self, name):            # until compiled: then the methods are attributes
        import re
        compiled = re.compile(self._pattern)
        for m in ("search", "sub", "fullmatch", "findall", "match", "finditer", "split"):
            setattr(self, m, getattr(compiled, m))
        return getattr(compiled, name)


_JSON_EXTRA = LazyPattern("[\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029\ud800-\udfff]")


def json_text(text: str) -> str:
    """JSON text (from json.dumps(ensure_ascii=False)) with the raw characters a terminal would
    act on (DEL, C1, bidi controls, separators, lone surrogates) as \\uXXXX escapes; json.dumps
    already escapes C0. Such characters occur only inside strings, so the JSON means the same."""
    if _JSON_EXTRA.search(text) is None:
        return text
    return _JSON_EXTRA.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def document(obj, indent: int | None = None) -> str:
    """A whole JSON document (no newline) by the standard library's json, strict: allow_nan=False
    (a NaN or an infinity is a ValueError, never a literal), raw text kept (ensure_ascii=False)
    but for json_text's escapes."""
    import json
    return json_text(json.dumps(obj, allow_nan=False, ensure_ascii=False, indent=indent))


# --- text ----------------------------------------------------------------------------------

def read_text(path: str, pipes: bool = True, follow: bool = True, bom: bool = False,
              bad_bytes: bool = False) -> str:
    """A UTF-8 file's text (a homework sheet, a key, a FILE.cg program, a gradebook);
    limits.FileProblem (an InputError naming the file, `reason` without it) when it is not read.
    `pipes`, `follow`: as limits.read_bytes (follow=False: a sheet in a submissions folder, a
    symbolic link is refused). `bom`: a leading byte-order mark is dropped (spreadsheets write
    one). `bad_bytes`: bytes that are not UTF-8 are kept as lone surrogates U+DC80..U+DCFF
    (surrogateescape) rather than refused, so that only the rows holding them are refused."""
    from .limits import FileProblem, read_bytes
    data = read_bytes(path, pipes=pipes, follow=follow)
    try:
        return data.decode("utf-8-sig" if bom else "utf-8", "surrogateescape" if bad_bytes else "strict")
    except UnicodeDecodeError as e:
        at = e.start + (3 if bom and data.startswith(b"\xef\xbb\xbf") else 0)     # in the file
        raise FileProblem(path, f"not UTF-8 text ({e.reason} at byte {at})") from None


def read_stdin(stream=None) -> bytes | None:
    """The bytes of `stream` (stdin's binary buffer by default) read with the --max-file-size
    bound as a file is (issue 16); None when there are more (the caller says whose input)."""
    from . import limits
    if stream is None:
        import sys
        stream = sys.stdin.buffer
    data = stream.read(limits.max_file_size + 1)
    return None if len(data) > limits.max_file_size else data


# --- JSON Lines ----------------------------------------------------------------------------

BLOCK = 1 << 16          # bytes read at a time
CHUNK = 2048             # lines handed on together at most


def reject_constant(c):
    raise ValueError(f"{c} is not a number cg accepts")


class Twice(ValueError):
    """A key given twice in one JSON object."""


def once(pairs):
    """An object whose keys are all distinct (a key given twice is ambiguous: an error)."""
    import json
    d = {}
    for k, v in pairs:
        if k in d:
            raise Twice(f"the key {json.dumps(k[:60])} appears twice in one object")
        d[k] = v
    return d


def decoder(parse_float=float, unique: bool = False, reject=reject_constant):
    """A strict JSON decoder (NaN and Infinity are errors), built once; with `unique` (for
    submissions), a key given twice in an object is an error too."""
    import json
    return json.JSONDecoder(parse_float=parse_float, parse_constant=reject,
                            object_pairs_hook=once if unique else None).decode


def scanner():
    """The same strict decoder's scanner: scan(text, 0) -> (value, end), in C, without
    decode()'s Python-level whitespace handling (lines arrive stripped)."""
    import json
    return json.JSONDecoder(parse_constant=reject_constant).scan_once


def read_lines(stream, limit: int | None = None):
    """Yield lists of (line number, bytes) as blocks arrive; a partial last line waits for
    its newline (or the end of the input). A line longer than `limit` bytes (the
    --max-file-size bound) comes as (line number, None) and is skipped, never kept whole."""
    from . import limits
    limit = limits.max_file_size if limit is None else limit
    read = getattr(stream, "read1", stream.read)
    pending = b""
    lineno = 0
    skipping = False           # inside a line that was too long: drop bytes up to its newline
    while True:
        data = read(BLOCK)
        if not data:
            break
        if skipping:
            cut = data.find(b"\n")
            if cut < 0:
                continue
            data = data[cut + 1:]
            skipping = False
        if pending:
            data = pending + data
        cut = data.rfind(b"\n")
        if cut < 0:
            if len(data) > limit:
                lineno += 1
                yield [(lineno, None)]
                pending, skipping = b"", True
            else:
                pending = data
            continue
        pending = data[cut + 1:]
        lines = data[:cut].split(b"\n")
        batch = []
        for line in lines:
            lineno += 1
            batch.append((lineno, line if len(line) <= limit else None))
        for k in range(0, len(batch), CHUNK):
            yield batch[k:k + CHUNK]
    if pending:
        yield [(lineno + 1, pending if len(pending) <= limit else None)]


def too_long() -> InputError:
    """The error of a line longer than the --max-file-size bound (read_lines gave None)."""
    from .limits import max_file_size, too_large
    return InputError(f"cg: the line is {too_large('', max_file_size)}; it is skipped")


def jsonl_records(text: str | bytes, decode=None):
    """Yield (line number, value, None) for each non-blank line of JSON Lines text, or
    (line number, None, the exception) for a line that is not read: json.JSONDecodeError,
    ValueError (NaN/Infinity, a key twice with decoder(unique=True), a number too long),
    RecursionError (nested too deeply). The other lines are read all the same.
    Given bytes (a file of submissions), lines end at b"\n" only and each is decoded on its
    own: a line that is not UTF-8 is that line's UnicodeDecodeError (a ValueError)."""
    if decode is None:
        def reject(c):
            raise ValueError(f"{c} is not a number JSON allows")
        decode = decoder(reject=reject)
    if isinstance(text, bytes):
        for n, raw in enumerate(text.split(b"\n"), 1):
            raw = raw.strip()
            if not raw:
                continue
            try:
                yield n, decode(raw.decode("utf-8")), None
            except (ValueError, RecursionError) as e:  # UnicodeDecodeError is a ValueError
                yield n, None, e
        return
    for n, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            yield n, decode(line), None
        except (ValueError, RecursionError) as e:      # JSONDecodeError is a ValueError
            yield n, None, e


# --- CSV -----------------------------------------------------------------------------------

def csv_rows(text: str):
    """Yield (line number, cells, None) for each row of CSV text (the line a row ends on), or
    (line number, None, csv.Error) for a row that is not CSV; reading goes on after it. A cell
    may be as long as the --max-file-size bound. `text` is decoded already (a BOM stripped:
    utf-8-sig)."""
    import csv
    import io
    from .limits import max_file_size
    if csv.field_size_limit() < max_file_size:     # a long cell is its row's problem, not the file's
        csv.field_size_limit(max_file_size)
    reader = csv.reader(io.StringIO(text, newline=""))
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as e:
            yield reader.line_num, None, e
            continue
        yield reader.line_num, cells, None


# --- TOML ----------------------------------------------------------------------------------

class TomlProblem(ValueError):
    """Why a TOML text is not read, and the line (None when unknown)."""

    def __init__(self, line: int | None, reason: str):
        super().__init__(reason)
        self.line = line
        self.reason = reason


TOO_LONG_NUMBER = "not read: a number in it has too many digits"


def deepest_line(text: str) -> int:
    """The line with the most brackets and braces (where a too-deep nesting is)."""
    best, line = -1, 1
    for k, t in enumerate(text.split("\n"), 1):
        n = t.count("[") + t.count("{")
        if n > best:
            best, line = n, k
    return line


def long_number_line(text: str) -> int | None:
    """The line of a number too long for Python to read (over 4300 digits), or None."""
    import re
    m = re.search(r"\d{4000,}", text)
    return text.count("\n", 0, m.start()) + 1 if m else None


def parse_toml(text: str, parse_float=float):
    """The TOML document in `text` (tomllib); TomlProblem(line, reason) when it is not read."""
    import tomllib
    try:
        return tomllib.loads(text, parse_float=parse_float)
    except RecursionError:
        raise TomlProblem(deepest_line(text), "not read: its arrays or tables nest too deeply") from None
    except tomllib.TOMLDecodeError as e:
        import re
        msg = str(e)
        line = None
        m = re.search(r"\(at line (\d+), column (\d+)\)", msg)
        if m:
            line = int(m.group(1))
            msg = msg[:m.start()].rstrip()
        raise TomlProblem(line, f"not valid TOML: {msg}") from None
    except ValueError:                 # an integer over Python's 4300 digits
        raise TomlProblem(long_number_line(text), TOO_LONG_NUMBER) from None
