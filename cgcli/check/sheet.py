"""The one sheet model: what a sheet and a key hold, and the one status vocabulary.

A homework sheet (`cg check FILE.toml`) and a teacher's key (`cg grade`, `cg key`, `cg check
KEY.toml`) are the same TOML format: a key is a sheet plus grading settings (points, decimals)
and drawn inputs. The field lists below are the single source for both readers
(cgcli.check.homework reads a sheet, cgcli.check.grade.read_key a key; both share
homework's Locator, problem_head, problem_program, setting and Located), and
cgcli.check.keys.read picks the reader a file needs. This module imports nothing (the views
import it freely).

Every graded answer has one status from STATUSES; check, grade, the views and the JSON
schemas use these words. `cg check --json` keeps the two words it printed before the one
vocabulary (see CHECK_WORDS and docs/schemas.md).
"""
from __future__ import annotations

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

