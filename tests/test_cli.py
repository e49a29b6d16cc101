"""The command line, through the installed `cg` (subprocess) and in-process: every exit code
and message path of `cg eval`."""
import math
import os
import re

import pytest

from cgtest import run_cg, strict_json

ANSI = re.compile(r"\x1b\[")
COLOUR = re.compile(r"\x1b\[(?:[0-9;]*;)?(?:3[0-8]|9[0-7])(?:;[0-9;]*)?m")   # SGR foreground colours


def test_default_view_shows_value_table_and_tree(cg):
    p = cg("eval", "(x+y)*z", "--x", "2", "--y", "3", "--z", "-4")
    assert p.returncode == 0, p.err
    out = p.out
    assert out.splitlines()[0] == "(x+y)*z  =  -20"
    assert "(x + y) * z" in out and "x + y" in out
    rows = {line.split("│")[1].strip(): [c.strip() for c in line.split("│")[1:-1]]
            for line in out.splitlines() if line.startswith("│")}
    assert rows["0"][-2:] == ["2", "-4"] and rows["3"][-2:] == ["-4", "5"] and rows["4"][-2:] == ["-20", "1"]
    assert "└── z  value -4  grad 5" in out
    assert not ANSI.search(out)            # piped: no colour codes


@pytest.mark.parametrize("args", [
    ["eval", "(x+y)*z", "--x", "2", "--y", "3", "--z", "-4", "--json"],
    ["eval", "--x=2", "--y", "3", "(x+y)*z", "--z=-4", "--format", "json"],
    ["eval", "--json", "--x", "2", "--y=3", "--z", "-4", "(x+y)*z"],
    ["eval", "(x+y)*z", "--set", "x=2", "--set", "y=3", "--z", "-8/2", "--json"],
    ["eval", "(x+y)*z", "--x", "4/2", "--y", "pi - pi + 3", "--z", "-2^2", "--json"],
])
def test_values_in_any_order_and_form(cg, args):
    p = cg(*args)
    assert p.returncode == 0, p.err
    d = strict_json(p.out)
    assert d["value"] == -20 and d["gradients"] == {"x": -4, "y": -4, "z": 5}


def test_constant_expression_values(cg):
    p = cg("eval", "x + y + z", "--x", "pi/4", "--y", "-1/3", "--z", "1e-3", "--json")
    d = strict_json(p.out)
    assert d["inputs"] == {"x": math.pi / 4, "y": -1 / 3, "z": 1e-3}


def test_names_that_clash_with_options(cg):
    p = cg("eval", "json * format + help", "--set", "json=2", "--set", "format=3", "--set", "help=1", "--json")
    assert p.returncode == 0, p.err
    assert strict_json(p.out)["value"] == 7


def test_program_from_stdin(cg):
    program = "# seed example\nq = x + y\nf = q * z\n"
    p = cg("eval", "-", "--x", "2", "--y", "3", "--z", "-4", "--json", input=program)
    assert p.returncode == 0, p.err
    d = strict_json(p.out)
    assert d["value"] == -20 and d["expression"] == program
    assert [n.get("name") for n in d["nodes"] if n["op"] != "var"] == ["q", "f"]


def test_json_schema(cg):
    d = strict_json(cg("eval", "q = x * 2; q + sqrt(4)", "--x", "1.5", "--json").out)
    assert d["schema"] == "cg.eval/1"
    assert set(d) >= {"schema", "expression", "inputs", "value", "gradients", "output", "warnings", "nodes"}
    ids = [n["id"] for n in d["nodes"]]
    assert ids == list(range(len(ids))) and d["output"] == ids[-1]
    for n in d["nodes"]:
        assert set(n) <= {"id", "op", "label", "name", "inputs", "value", "grad"}
        assert all(i < n["id"] for i in n["inputs"])          # topological order
    consts = [n for n in d["nodes"] if n["op"] == "const"]
    assert consts and all(n["grad"] is None for n in consts)
    assert next(n for n in d["nodes"] if n.get("name") == "q")["grad"] == 1


def test_non_finite_numbers_are_strings_and_warnings_go_to_stderr(cg):
    p = cg("eval", "sqrt(x)", "--x", "0", "--json")
    assert p.returncode == 0
    d = strict_json(p.out)
    assert d["gradients"] == {"x": "inf"} and d["warnings"]
    assert "warning" in p.err and "sqrt(x)" in p.err


def test_precision_and_shortest_numbers(cg):
    p = cg("eval", "x / 3", "--x", "1", "--format", "table")
    assert "0.3333" in p.out and "0.33333" not in p.out     # the human views' default: 4 digits
    p = cg("eval", "x / 3", "--x", "1", "--format", "table", "--precision", "17")
    assert "0.3333333333333333" in p.out           # piped output is never truncated
    p = cg("eval", "x / 3", "--x", "1", "--format", "table", "--precision", "3")
    assert "0.333" in p.out and "0.3333" not in p.out
    p = cg("eval", "x * 10", "--x", "2", "--format", "tree")
    assert "value 20 " in p.out and "20.0" not in p.out


def test_no_color_and_forced_colour():
    # NO_COLOR (no-color.org) removes colour even where a terminal is forced; bold may stay
    plain = run_cg("eval", "x*2", "--x", "1", env={"NO_COLOR": "1", "FORCE_COLOR": "1"})
    assert plain.returncode == 0 and not COLOUR.search(plain.out)
    coloured = run_cg("eval", "x*2", "--x", "1", env={"FORCE_COLOR": "1", "TERM": "xterm-256color"})
    assert coloured.returncode == 0 and COLOUR.search(coloured.out)


def test_version_and_help(cg):
    from cgcli import __version__
    p = cg("--version")
    assert p.returncode == 0 and p.out.strip() == f"cg {__version__}"
    p = cg("--help")
    assert p.returncode == 0 and "eval" in p.out
    p = cg("eval", "--help")
    assert p.returncode == 0 and "Examples" in p.out and "--json" in p.out


# --- exit code 2: bad input or usage --------------------------------------------------------

@pytest.mark.parametrize("args, fragments", [
    (["eval", "(x+y)*z", "--x", "2"],
     ["missing values for y, z", "try: cg eval '(x+y)*z' --x 2 --y <value> --z <value>"]),
    (["eval", "(x+y)*z", "--x", "2", "--y", "3", "--z", "-4", "--zz", "1"], ["zz is not a variable", "did you mean --z?"]),
    (["eval", "x", "--x", "abc"], ["must be a number", "abc"]),
    (["eval", "x", "--x", "nan"], ["must be a number"]),
    (["eval", "x", "--x", "inf"], ["must be a number"]),
    (["eval", "x", "--x", "1e999"], ["too large"]),
    (["eval", "x", "--x", "1/0"], ["not a finite number", "division by zero"]),
    (["eval", "x", "--x"], ["--x needs a value"]),
    (["eval", "x", "--x", "1", "--bogus-opt"], ["--bogus-opt is not an option of cg eval"]),
    (["eval", "x", "--x", "1", "--x", "2"], ["given twice"]),
    (["eval", "x", "y", "--x", "1"], ["unexpected argument 'y'"]),
    (["eval"], ["no expression given"]),
    (["eval", "x", "--x", "1", "--format", "yaml"], ["unknown format"]),
    (["eval", "x", "--set", "x"], ["NAME=VALUE"]),
    (["eval", "2x + 1", "--x", "3"], ["syntax error at column 2", "  2x + 1", "   ^", "write 2*x"]),
    (["eval", "sin(x", "--x", "3"], ["unexpected end of the expression", "expected one of"]),
    (["eval", "Sin(x)", "--x", "3"], ["unknown function Sin", "did you mean sin?"]),
    (["eval", "x", "--x", "1", "--precision", "0"], ["precision"]),
    (["bogus"], ["No such command"]),
])
def test_bad_input_exits_2(cg, args, fragments):
    p = cg(*args)
    assert p.returncode == 2, (p.out, p.err)
    for f in fragments:
        assert f in p.err, (f, p.err)
    assert "Traceback" not in p.err + p.out


# --- exit code 3: math domain errors ------------------------------------------------------

@pytest.mark.parametrize("args, fragment", [
    (["eval", "log(x - 3)", "--x", "2"], "cg: math domain error in log(x - 3): argument is -1, log needs a positive number"),
    (["eval", "sqrt(x)", "--x", "-1"], "sqrt(x): argument is -1"),
    (["eval", "x / y", "--x", "1", "--y", "0"], "x / y: division by zero"),
    (["eval", "x ^ 0.5", "--x", "-2"], "negative base -2"),
    (["eval", "exp(x)", "--x", "1000", "--json"], "exp(x): argument is 1000"),
])
def test_domain_errors_exit_3(cg, args, fragment):
    p = cg(*args)
    assert p.returncode == 3
    assert fragment in p.err
    assert p.out == "" and "Traceback" not in p.err


def test_user_text_is_never_executed(tmp_path):
    marker = tmp_path / "pwned"
    for text in [f"__import__('os').system('touch {marker}')", f"eval(\"open('{marker}','w')\")",
                 "(lambda: 1)()", "x.__class__", "open('/etc/passwd')", "[c for c in ()]"]:
        p = run_cg("eval", text, "--x", "1")
        assert p.returncode == 2, text
        assert "Traceback" not in p.err
    assert not marker.exists()


def test_stdin_must_be_utf8():
    p = run_cg("eval", "-", input=b"x\xff + 1")
    assert p.returncode == 2 and "UTF-8" in p.err


def test_broken_pipe_is_quiet(tmp_path):
    import subprocess
    from cgtest import cg_path
    program = "+".join(f"x*{i}" for i in range(20000))
    p = subprocess.run(f"{cg_path()} eval - --x 1 --json | head -c 10", shell=True, input=program.encode(),
                       capture_output=True, timeout=60)
    assert b"Traceback" not in p.stderr and b"Error" not in p.stderr


def test_a_narrow_terminal_drops_the_gate_column_not_the_numbers():
    args = ("eval", "sigmoid(w0*x0+w1*x1+w2)", "--w0", "2", "--x0", "-1", "--w1", "-3", "--x1", "-2",
            "--w2", "-3", "--format", "table")
    args += ("--precision", "17")
    wide = run_cg(*args, env={"FORCE_COLOR": "1", "COLUMNS": "160", "NO_COLOR": "1"})
    narrow = run_cg(*args, env={"FORCE_COLOR": "1", "COLUMNS": "80", "NO_COLOR": "1"})
    plain = lambda out: re.sub(r"\x1b\[[0-9;]*m", "", out)
    header = lambda out: next(line for line in plain(out).splitlines() if "┃ id" in line)
    assert "gate" in header(wide.out) and "gate" not in header(narrow.out)
    for out, width in ((wide.out, 160), (narrow.out, 80)):
        text = plain(out)
        assert "-0.5898357997244456" in text and "0.7310585786300049" in text    # never truncated
        assert max(len(line) for line in text.splitlines()) <= width
