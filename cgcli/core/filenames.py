"""Safe file names for per-student exports (issue 16): a student name from a submission is
data, never a path. `safe_name` keeps letters, digits and `. _ - + @`, replaces every other
character (`/`, `\\`, NUL, controls, spaces, bidi marks) with `_`, never starts with `.`, and
caps the length; when that changed the name, a short hash of the original name is appended
(`a/b` -> `a_b-3c1e...`), so distinct names stay distinct files inside the output folder."""
from __future__ import annotations

import hashlib

MAX_NAME = 80
_KEEP = "._-+@"


def safe_name(name: str) -> str:
    """A file name for `name` that stays inside its folder (unchanged when already safe)."""
    out = "".join(c if (c.isalnum() and c.isprintable()) or c in _KEEP else "_" for c in name)
    if out.startswith("."):
        out = "_" + out[1:]
    out = out[:MAX_NAME] or "_"
    if out == name:
        return name
    digest = hashlib.sha256(name.encode("utf-8", "surrogatepass")).hexdigest()[:10]
    return f"{out}-{digest}"
