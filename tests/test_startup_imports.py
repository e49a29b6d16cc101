"""Start-up is paid on every `cg` call from a shell loop: `cg eval` imports only what it uses.
(Timings are measured by bench/startup.py, never asserted; this checks the imports, which are
what start-up costs and do not depend on the machine's load.)"""
from __future__ import annotations

import json
import subprocess
import sys

import pytest

SCRIPT = """
import io, sys
out = io.StringIO()
sys.stdout, real = out, sys.stdout
from cgcli.cli.main import main
code = main(sys.argv[1:])
sys.stdout = real
mods = sorted(m for m in sys.modules if m.startswith(("cgcli", "rich", "lark", "json", "difflib", "numpy")))
import json
print(json.dumps({"code": code, "modules": mods}))
"""


def loaded(*argv):
    p = subprocess.run([sys.executable, "-c", SCRIPT, *argv], capture_output=True, text=True, timeout=60)
    assert p.returncode == 0, p.stderr
    d = json.loads(p.stdout.strip().splitlines()[-1])
    return d["code"], set(d["modules"])


def test_eval_json_imports_only_its_own_path():
    code, mods = loaded("eval", "(x+y)*z", "--x", "2", "--y", "3", "--z", "-4", "--json")
    assert code == 0
    # the other commands' modules, the API, Rich, Lark, NumPy and the json module stay unloaded
    for m in ("cgcli.cli.check", "cgcli.cli.train", "cgcli.cli.symbolic", "cgcli.cli.teach", "cgcli.api",
              "cgcli.cli.practice", "cgcli.teach.practice", "cgcli.teach.quiz",
              "cgcli.check.answers", "cgcli.symbolic.diff", "cgcli.train.loop", "rich", "lark", "numpy", "json",
              # merged later: untrusted-text escaping (its patterns cost ~5 ms to compile), the slip
              # catalogue, the step-through, vectors, batches: none is on the eval path
              "cgcli.views.text", "cgcli.views.rich", "cgcli.check", "cgcli.check.slips", "cgcli.teach.steps",
              "cgcli.core.vectors", "cgcli.batch"):
        assert m not in mods, f"{m} is imported by cg eval --json"
    assert "cgcli.cli.eval" in mods and "cgcli.core.passes" in mods


@pytest.mark.parametrize("command, module", [("check", "cgcli.cli.check"), ("grade", "cgcli.cli.check"),
                                             ("explain", "cgcli.cli.teach"), ("fit", "cgcli.cli.train"),
                                             ("diff", "cgcli.cli.symbolic"), ("practice", "cgcli.cli.practice")])
def test_a_command_imports_its_module_and_not_the_others(command, module):
    code, mods = loaded(command, "--help")
    assert code == 0 and module in mods
    others = {"cgcli.cli.check", "cgcli.cli.teach", "cgcli.cli.train", "cgcli.cli.symbolic", "cgcli.cli.eval",
              "cgcli.cli.practice"} - {module}
    assert not (mods & others), mods & others


def test_help_lists_every_command_in_order():
    from cgcli.cli.main import ORDER, import_commands
    from cgcli.cli.app import app
    import_commands()
    assert sorted(c.name for c in app.registered_commands) == sorted(ORDER)


def test_untrusted_text_patterns_compile_on_first_use():
    """views.text's character classes (up to U+DFFF) compile on first use, not at import: any
    command that imports it for one function does not pay for the others' patterns."""
    code = ("import re, sys\n"
            "before = re._cache.copy() if hasattr(re, '_cache') else {}\n"
            "from cgcli.views import text\n"
            "lazy = [n for n in ('_CONTROL', '_CONTROL_OR_BACKSLASH', '_JSON_EXTRA', '_STDOUT_UNSAFE')\n"
            "        if 'search' not in vars(getattr(text, n))]\n"
            "assert text.visible('a\\x1bb') == 'a\\\\x1bb'\n"
            "assert text.stdout_safe('ok\\n') == 'ok\\n' and text.stdout_safe('\\u202e') == '\\\\u202e'\n"
            "print(len(lazy), 'search' in vars(text._CONTROL_OR_BACKSLASH))")
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert p.returncode == 0, p.stderr
    assert p.stdout.split() == ["4", "True"]


@pytest.mark.parametrize("collecting", [True, False])
def test_the_collector_is_left_as_it_was(collecting):
    """main.py pauses garbage collection while Typer and the app are imported, and only the `cg`
    command (run_main, whose process ends with it) freezes what is alive then: importing the CLI
    or calling main() in a long-lived process leaves the collector as it was."""
    code = ("import gc, io, sys\n"
            f"gc.enable() if {collecting} else gc.disable()\n"
            "from cgcli.cli.main import main\n"
            "after_import = gc.isenabled()\n"
            "sys.stdout, real = io.StringIO(), sys.stdout\n"
            "rc = main(['eval', 'x*y', '--x', '2', '--y', '3', '--json'])\n"
            "sys.stdout = real\n"
            "print(after_import, rc, gc.isenabled(), gc.get_freeze_count())\n")
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert p.returncode == 0, p.stderr
    assert p.stdout.split() == [str(collecting), "0", str(collecting), "0"]


def test_the_command_freezes_and_still_answers():
    code = ("import gc, sys\n"
            "sys.argv = ['cg', 'eval', 'x*y', '--x', '2', '--y', '3', '--get', 'grad.x']\n"
            "import atexit\n"
            "atexit.register(lambda: print(gc.isenabled(), gc.get_freeze_count() > 1000, file=sys.stderr))\n"
            "from cgcli.cli.main import run_main\n"
            "run_main()\n")
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert (p.returncode, p.stdout, p.stderr.split()) == (0, "3\n", ["True", "True"])
