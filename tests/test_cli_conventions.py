"""The conventions Typer/click users expect: -h, shell completion, did-you-mean for a misspelt
option, the manual's address in every --help, and a word on stdin when it is a terminal."""
from __future__ import annotations

import os
import sys

import pytest

from cgtest import cg_path, invoke, run_cg

COMMANDS = ["eval", "check", "key", "explain", "graph", "descend", "fit", "diff", "practice"]


@pytest.mark.parametrize("args", [["-h"], *[[c, "-h"] for c in COMMANDS]])
def test_dash_h_is_help(args):
    p = run_cg(*args)
    assert p.returncode == 0, p.err
    assert "Usage: cg" in p.out
    # every help ends with where the manual is
    assert "Manual:" in p.out and "docs/" in p.out


def test_dash_h_matches_dash_dash_help():
    assert run_cg("eval", "-h").out == run_cg("eval", "--help").out


@pytest.mark.parametrize("shell, marker", [("bash", "complete -o default -F _cg_completion cg"),
                                           ("zsh", "#compdef cg"),
                                           ("fish", "complete --command cg")])
def test_completion_script_for_each_shell(shell, marker):
    # Typer detects the user's shell; this switch lets the shell be named (Typer's own tests use it)
    p = run_cg("--show-completion", shell, env={"_TYPER_COMPLETE_TEST_DISABLE_SHELL_DETECTION": "1"})
    assert p.returncode == 0, p.err
    assert marker in p.out


def test_completion_completes_commands_and_options():
    p = run_cg(env={"_CG_COMPLETE": "complete_bash", "COMP_WORDS": "cg ev", "COMP_CWORD": "1"})
    assert p.out.split() == ["eval"]
    p = run_cg(env={"_CG_COMPLETE": "complete_bash", "COMP_WORDS": "cg eval --js", "COMP_CWORD": "2"})
    assert p.out.split() == ["--json"]
    p = run_cg(env={"_CG_COMPLETE": "complete_bash", "COMP_WORDS": "cg check --roun", "COMP_CWORD": "2"})
    assert p.out.split() == ["--rounded"]


def test_root_help_lists_completion_options():
    out = run_cg("--help").out
    assert "--install-completion" in out and "--show-completion" in out


@pytest.mark.parametrize("args, message, hint", [
    (["eval", "x*2", "--x", "1", "--jsn"], "--jsn is not an option of cg eval", "did you mean --json?"),
    (["eval", "x*2", "--x", "1", "--precison", "3"], "precison is not a variable", "did you mean --precision?"),
    (["check", "x*2", "--x", "1", "--vlaue", "2"], "vlaue is not a variable", "did you mean --value?"),
    (["explain", "x*2", "--x", "1", "--formt", "json"], "formt is not a variable", "did you mean --format?"),
])
def test_misspelt_option_gets_did_you_mean(args, message, hint):
    for r in (run_cg(*args), invoke(*args)):
        assert r.returncode == 2
        assert message in r.err and hint in r.err
        assert "Traceback" not in r.err


def test_close_variable_still_wins_over_options():
    # --xx is one letter from the variable x: that is the suggestion, not an option
    r = run_cg("eval", "x*2", "--xx", "1")
    assert r.returncode == 2 and "did you mean --x?" in r.err


def test_a_variable_named_like_an_option_is_still_a_variable():
    r = run_cg("eval", "jsn*2", "--jsn", "3", "--json")
    assert r.returncode == 0 and '"value": 6' in r.out


def test_missing_value_without_a_close_option_says_so():
    r = run_cg("eval", "x", "--x")
    assert r.returncode == 2 and "--x needs a value" in r.err


def test_stdin_from_a_pipe_is_silent():
    r = run_cg("eval", "-", "--x", "3", "--json", input="x*x")
    assert r.returncode == 0 and r.err == ""


def test_stdin_on_a_terminal_says_it_is_reading():
    pexpect = pytest.importorskip("pexpect", reason="pexpect drives cg through a pseudo-terminal")
    child = pexpect.spawn(cg_path(), ["eval", "-", "--x", "3", "--json"], encoding="utf-8",
                          timeout=30, env={**os.environ, "COLUMNS": "80"})
    try:
        child.expect("reading the program from stdin")
        child.expect(r"Ctrl-D")
        child.sendline("x*x")
        child.sendeof()
        child.expect(r'"value": 9')
        child.expect(pexpect.EOF)
    finally:
        child.close()
    assert child.exitstatus == 0


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX pseudo-terminals")
def test_stdin_hint_goes_to_stderr_not_stdout():
    # with stdin a terminal but stdout piped, the JSON on stdout stays clean
    pexpect = pytest.importorskip("pexpect")
    import tempfile
    out = tempfile.NamedTemporaryFile("w+", delete=False)
    out.close()
    try:
        child = pexpect.spawn("/bin/sh", ["-c", f"'{cg_path()}' eval - --x 2 --json > '{out.name}'"],
                              encoding="utf-8", timeout=30)
        child.expect("reading the program from stdin")
        child.sendline("x+1")
        child.sendeof()
        child.expect(pexpect.EOF)
        child.close()
        with open(out.name) as f:
            text = f.read()
        assert text.startswith("{") and '"value": 3' in text
    finally:
        os.unlink(out.name)


@pytest.mark.parametrize("expr", ["-tanh(x)", "-h*x", "-x*h"])
def test_an_expression_starting_with_minus_is_not_help(expr):
    # -h is help only as a word of its own, never a letter inside an expression
    for r in (run_cg("eval", expr, "--x", "2", "--h", "3", "--json") if "h" in expr.replace("tanh", "")
              else run_cg("eval", expr, "--x", "2", "--json"),):
        assert r.returncode == 0, r.err
        assert r.out.startswith('{"schema": "cg.eval/1"')
