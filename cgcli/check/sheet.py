"""The one sheet model: what a sheet and a key hold, and the one status vocabulary.

A homework sheet (`cg check FILE.toml`) and a teacher's key (`cg grade`, `cg key`, `cg check
KEY.toml`) are the same TOML format: a key is a sheet plus grading settings (points, decimals)
and drawn inputs. The field lists below are the single source for the one reader,
cgcli.check.homework.read, in its two modes (SHEET, and cgcli.check.grade.KEY: a key's
settings, ranges and points), and cgcli.check.keys.read picks the mode a file needs. `Problem` is the one problem type both
readers build: a key's problem is a sheet's problem plus the key-only fields. This module
imports only the standard library's dataclasses (the views import it freely).

Every graded answer has one status from STATUSES; check, grade, the views and the JSON
schemas use these words. `cg check --json` keeps the two words it printed before the one
vocabulary (see CHECK_WORDS and docs/schemas.md).
"""
from __future__ import annotations

from dataclasses import dataclass, field

# --- the status vocabulary -------------------------------------------------------------------
RIGHT = "right"
WRONG = "wrong"
CARRIED = "carried"            # wrong, but right given the student's own upstream answers (ecf)
MISSING = "missing"            # no answer given
UNREADABLE = "unreadable"      # not a number / a formula that does not parse or names unknown names
NOT_ASKED = "not-asked"        # an answer the key does not ask (reported, never graded)
STATUSES = (RIGHT, WRONG, CARRIED, MISSING, UNREADABLE, NOT_ASKED)
GRADED = (RIGHT, WRONG, CARRIED, MISSING, UNREADABLE)    # the statuses a graded answer can have

# The words `cg check --json` prints (schema cg.check/1, unchanged): carried forward, invalid.
CHECK_WORDS = {CARRIED: "carried forward", UNREADABLE: "invalid"}


def check_word(status: str) -> str:
    """The word cg check's JSON prints for a status."""
    return CHECK_WORDS.get(status, status)


# --- the fields ------------------------------------------------------------------------------
TOLERANCE_KEYS = ("rtol", "atol", "rounded", "min_sig_figs", "min_decimals")
KEY_ONLY_KEYS = ("points", "decimals")    # grading settings only a key sets
# the top of a sheet; seed, variant: the stamp of cg key --roster (check/variants.py)
SHEET_KEYS = ("title",) + TOLERANCE_KEYS + ("ecf", "formula", "problem", "seed", "variant")
# the top of a key
KEY_KEYS = ("title", "rtol", "atol", "rounded", "points", "min_sig_figs", "min_decimals", "ecf",
            "formula", "decimals", "problem")
SHEET_PROBLEM_KEYS = ("id", "title", "expression", "program", "inputs", "value", "grad", "node",
                      "rtol", "atol", "rounded", "min_sig_figs", "min_decimals", "ecf", "formula")
KEY_PROBLEM_KEYS = ("id", "title", "expression", "program", "inputs", "value", "grad", "node",
                    "rtol", "atol", "rounded", "points", "min_sig_figs", "min_decimals", "ecf",
                    "formula", "decimals")
GRADING_KEYS = TOLERANCE_KEYS + ("points", "ecf", "formula", "decimals")



# --- the one problem type --------------------------------------------------------------------
@dataclass(slots=True, eq=False)
class Problem:
    """One [[problem]] of a sheet or a key; both readers build this one type.

    A sheet's problem holds the answers written on it (cgcli.check.answers.Answer); a key's
    problem is the same problem plus the key-only fields: `specs` (inputs drawn per student),
    `targets` (the required answers with their points and formula flag, cgcli.check.grade.Target),
    `points` (their sum) and `settings["decimals"]`."""
    index: int                    # 1-based position in the file
    line: int | None = None       # the [[problem]] header's line
    id: str = ""                  # the id, or the position ("1", "2", ...)
    title: str | None = None
    program: str | None = None    # the expression or program text
    graph: object = field(default=None, repr=False)
    inputs: dict = field(default_factory=dict)     # fixed inputs: name -> float
    settings: dict = field(default_factory=dict)   # the problem's own rtol, atol, rounded,
    #                                                min_sig_figs, min_decimals, ecf (a key: decimals)
    formula: object = None        # the problem's own formula: None, True/False or a frozenset of targets
    answers: list = field(default_factory=list)    # a sheet's answers
    # key-only
    specs: dict = field(default_factory=dict)      # name -> cgcli.check.grade.Spec
    targets: list = field(default_factory=list)    # cgcli.check.grade.Target, in the key's order
    points: float = 0.0

    def __post_init__(self):
        if not self.id:
            self.id = str(self.index)

    @property
    def asked(self) -> list:
        """The answers the problem asks for ("value", "grad.z", "node.q"), in the file's order."""
        return [a.target for a in (self.targets or self.answers)]

    def shared(self) -> dict:
        """What a sheet and a key of the same problem have alike (everything but the key-only fields)."""
        return {"index": self.index, "line": self.line, "id": self.id, "title": self.title,
                "program": self.program, "inputs": self.inputs, "formula": self.formula,
                "settings": {k: v for k, v in self.settings.items() if k not in KEY_ONLY_KEYS},
                "asked": self.asked}

    def setting(self, key: str, cli: dict | None = None, sheet: dict | None = None, default=None):
        """A setting (rtol, atol, rounded, min_sig_figs, min_decimals, ecf, decimals): the command
        line, then the problem's own, then the sheet's; `default` when none sets it."""
        for layer in (cli or {}, self.settings, sheet or {}):
            v = layer.get(key)
            if v is not None:
                return v
        return default

    option = setting

    def tolerance(self, cli: dict | None, sheet: dict | None):
        """The command line wins, then the problem's own setting, then the sheet's, then the default."""
        from .answers import Tolerance
        t = Tolerance()
        for key in TOLERANCE_KEYS:
            v = self.setting(key, cli, sheet)
            if v is not None:
                setattr(t, key, v)
        return t

    def is_formula(self, target: str, sheet: dict | None = None) -> bool:
        """Is the answer for `target` ("value", "grad.z", "node.q") graded as a formula?"""
        if any(a.formula and a.target == target for a in self.answers):
            return True                   # given as { formula = "..." }
        if any(t.formula and t.target == target for t in self.targets):
            return True
        f = self.formula
        if f is None:
            f = (sheet or {}).get("formula")
        return f is True or (isinstance(f, (set, frozenset)) and target in f)
