"""The manual cannot drift from the program: every example in README.md and docs/ that shows
output is run against the installed `cg`, and its output must be what the page shows.

An example is a fenced block whose first line starts with `$ `: each `$ COMMAND` line is run
by bash in the repository's root (so `examples/...` paths work), with stdout and stderr
together as a terminal user sees them, and what follows it up to the next `$ ` line is the
expected output. Trailing white space is ignored. A block fenced as ```sh (commands without
output) is not run. A command that must fail shows its exit code as the page's last line,
e.g. `$ cg eval "x/0" --x 1; echo "exit $?"`. Every command runs with NO_COLOR=1, COLUMNS=100 and
TERM=dumb (one terminal width, no colour), stdin from /dev/null. An example that pipes into `jq`
is skipped, saying so, where jq is not installed (CI installs it: .ci/run).
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from cgtest import BIN

ROOT = Path(__file__).resolve().parent.parent
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))] if (ROOT / "docs").is_dir() \
    else [ROOT / "README.md"]
FENCE = re.compile(r"^(```+|~~~+)([^\n]*)\n(.*?)^\1[ \t]*$", re.S | re.M)


def examples():
    for page in PAGES:
        text = page.read_text(encoding="utf-8")
        for m in FENCE.finditer(text):
            lang, body = m.group(2).strip(), m.group(3)
            if lang not in ("", "console") or not body.startswith("$ "):
                continue
            line = text.count("\n", 0, m.start()) + 1
            command, expected = None, []
            for row in body.splitlines():
                if command is not None and not expected and _open(command):
                    command += "\n" + row          # a quoted program that spans lines
                elif row.startswith("$ "):
                    if command is not None:
                        yield page, line, command, expected
                    command, expected = row[2:], []
                else:
                    expected.append(row)
            if command is not None:
                yield page, line, command, expected


def _open(command: str) -> bool:
    """Is a quote still open (the command goes on on the next line)?"""
    import shlex
    try:
        shlex.split(command)
    except ValueError:
        return True
    return command.endswith("\\")


CASES = list(examples())


def _id(case):
    page, line, command, _ = case
    return f"{page.relative_to(ROOT)}:{line}:{command[:40]}"


def _normal(lines):
    out = [row.rstrip() for row in lines]
    while out and not out[-1]:
        out.pop()
    return out


def test_the_manual_has_examples():
    assert len(CASES) >= 5, "no runnable examples found in README.md / docs/"


def _run(command: str) -> list[str]:
    """What a terminal user sees for `command` (stdout and stderr together), trailing blanks off."""
    env = dict(os.environ)
    for k in ("FORCE_COLOR", "CLICOLOR_FORCE"):
        env.pop(k, None)
    # a fixed, plain environment: no colour, one terminal width, one hash seed
    env.update({"PATH": f"{BIN}{os.pathsep}{env.get('PATH', '')}", "NO_COLOR": "1", "COLUMNS": "100",
                "LINES": "40", "TERM": "dumb", "PYTHONHASHSEED": "0", "LC_ALL": "C.UTF-8"})
    # stderr goes into the same pipe as stdout, for every command of a line (`a; echo "exit $?"`)
    p = subprocess.run(["bash", "-c", command], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, timeout=120, stdin=subprocess.DEVNULL)
    return _normal(p.stdout.decode("utf-8", "replace").splitlines())


@pytest.mark.parametrize("case", CASES, ids=[_id(c) for c in CASES])
def test_example_output_matches(case):
    page, line, command, expected = case
    if re.search(r"\bjq\b", command) and shutil.which("jq") is None:
        pytest.skip("jq is not installed (apt-get install jq); this example pipes into it")
    got = _run(command)
    assert got == _normal(expected), f"{page.name}:{line}: `{command}` printed:\n" + "\n".join(got)
