"""Variants that cannot be mixed up: the stamp of a per-student sheet and the checks made where
cg grade matches a sheet to a student.

`cg key TEMPLATE --roster R --seed S` writes, at the top of each sheet,

    seed = "S"              # the seed the numbers were drawn with
    variant = "3f9a1c0e"    # a short fingerprint of this student's inputs (fingerprint())

and `cg grade` refuses, per student (exit 2; --keep-going grades the others):
- a sheet made with another seed than the one given (`--seed 43` for sheets made with 42),
- a sheet whose variant is not the fingerprint of the inputs the student is graded on (another
  student's sheet, another template or roster),
- a file among the submissions that is a key: the key itself (the same file or the same bytes)
  or a file with what only keys have (points, decimals, inputs drawn from ranges).
Sheets without a stamp (written by hand, CSV and JSON Lines rows) are graded as before.
"""
from __future__ import annotations

import hashlib
import os
import re

STAMP_KEYS = ("seed", "variant")
FINGERPRINT_CHARS = 8
_RANGE = re.compile(r"\s*(uniform|randint)\s*\(")     # a range, as grade.parse_spec starts reading it


def fingerprint(problems: list) -> str:
    """A short fingerprint of a student's inputs: `problems` is [(problem id, {name: value})].
    The same inputs give the same fingerprint on every machine (exact float text, names sorted)."""
    h = hashlib.sha256()
    for pid, inputs in problems:
        h.update(f"{pid}\x1f".encode())
        for name in sorted(inputs):
            h.update(f"{name}={float(inputs[name])!r}\x1e".encode())
        h.update(b"\x1d")
    return h.hexdigest()[:FINGERPRINT_CHARS]


def stamp_of(doc: dict) -> dict:
    """The stamp a sheet carries ({} when none): seed and variant as text; and under "key", why
    the document is a key rather than a sheet (key_marks), when it is one."""
    out = {}
    for k in STAMP_KEYS:
        v = doc.get(k)
        if v is not None and not isinstance(v, (dict, list)):
            out[k] = v.text if hasattr(v, "text") else str(v)
    why = key_marks(doc)
    if why:
        out["key"] = why
    return out


def variant_error(stamp: dict, seed, inputs: list) -> str | None:
    """Why a stamped sheet is not this student's variant (None when it is, or is not stamped).
    `seed`: the seed given to cg grade (None without --roster); `inputs`: [(id, inputs)] the
    student is graded on."""
    if not stamp:
        return None
    made = stamp.get("seed")
    if made is not None and seed is not None and made != str(seed):
        return (f"the sheet was made with --seed {made}, but it is graded with --seed {seed}: "
                f"grade with the seed the sheets were made with")
    given = stamp.get("variant")
    if given is not None:
        mine = fingerprint(inputs)
        if given != mine:
            return (f"the sheet's numbers (variant {given}) are not this student's (variant {mine}): "
                    f"another student's sheet, or one made from another template, roster or seed")
    return None


# what only a key has: points, the rounding of drawn inputs, inputs drawn from ranges
KEY_ONLY = ("points", "decimals")


def key_marks(doc) -> str | None:
    """Why a parsed TOML document is a teacher's key rather than a student's sheet (None when it
    is not one): it sets points or decimals, or draws inputs from ranges."""
    if not isinstance(doc, dict):
        return None
    for k in KEY_ONLY:
        if k in doc:
            return f"it sets {k}"
    probs = doc.get("problem")
    for raw in probs if isinstance(probs, list) else []:
        if not isinstance(raw, dict):
            continue
        for k in KEY_ONLY:
            if k in raw:
                return f"a problem sets {k}"
        inputs = raw.get("inputs")
        for v in inputs.values() if isinstance(inputs, dict) else []:
            if isinstance(v, str) and _RANGE.match(v):
                return "it draws inputs from ranges"
    return None


def is_key_file(path: str) -> str | None:
    """key_marks of a TOML file; None when it is not one or cannot be read (the homework reader
    then reports what is wrong with it)."""
    from ..core.errors import CgError
    from ..core.formats import parse_toml, read_text
    try:                               # the bounded reader: a link to /dev/zero is refused, not read
        return key_marks(parse_toml(read_text(path)))
    except (CgError, ValueError):      # ValueError: TomlProblem (not TOML, too deep, 4300+ digits)
        return None


_KEY_BYTES: dict = {}


def foreign_sheet(path: str, key, stamp: dict | None = None) -> str | None:
    """Why a file among the submissions is a key, not a student's sheet (None when it is a sheet):
    it is the key (the same file or the same bytes), or it has what only keys have (`stamp`'s
    "key", from stamp_of when the sheet was read)."""
    try:
        st = os.stat(path)
        mine = os.stat(key.path)
    except OSError:
        st = mine = None
    if st is not None and os.path.samestat(st, mine):
        return "it is the key itself"
    if st is not None and st.st_size == mine.st_size:
        data = _KEY_BYTES.get(key.path)
        try:
            if data is None:
                with open(key.path, "rb") as f:
                    data = _KEY_BYTES[key.path] = f.read()
            with open(path, "rb") as f:
                if f.read() == data:
                    return "it is a copy of the key"
        except OSError:
            pass
    why = (stamp or {}).get("key")
    return f"it is a key ({why})" if why else None
