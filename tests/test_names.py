"""One resolver for names, one did-you-mean, one "missing value" message (core/names.py),
through the module and through the installed cg."""
from __future__ import annotations

import pytest

from cgcli.core.errors import InputError
from cgcli.core.names import (close, did_you_mean, missing_values, resolve, suggest, table, unknown,
                              with_output)
from cgcli.core.parse import parse

from cgtest import run_cg


# --- the one suggestion ------------------------------------------------------------------

@pytest.mark.parametrize("typo, candidates, want", [
    ("zz", ["x", "y", "z"], "z"),                  # a letter too many
    ("lenght", ["length", "width"], "length"),     # two letters swapped
    ("rat", ["rate", "mass"], "rate"),             # a letter missing
    ("wieght", ["weight", "bias"], "weight"),
    ("grads", ["grad", "node", "value"], "grad"),
])
def test_suggest_typical_typos(typo, candidates, want):
    assert close(typo, candidates) == want
    assert suggest(typo, candidates) == f"did you mean {want}? "
    assert suggest(typo, candidates, "--") == f"did you mean --{want}? "


def test_suggest_nothing_close_says_nothing():
    assert close("q", ["alpha", "beta"]) is None
    assert suggest("q", ["alpha", "beta"]) == ""
    assert suggest("x", []) == ""


def test_did_you_mean_is_the_one_wording():
    assert did_you_mean("sin") == "did you mean sin?"
    assert suggest("sn", ["sin"]) == did_you_mean("sin") + " "


# --- the one resolver --------------------------------------------------------------------

def test_kinds_of_names():
    g = parse("c = x*y; d = c + 1; d*2")
    assert set(table(g, "variables")) == {"x", "y"}
    assert set(table(g, "names")) == {"c", "d", "x", "y"}
    nodes = table(g, "nodes")
    assert {"c", "d", "x", "y"} <= set(nodes) and f"n{g.output}" in nodes   # the output's n<id>
    assert resolve(g, "c", "names") == g.assigned["c"]
    assert resolve(g, "x", "variables") == g.variables["x"]
    assert resolve(g, f"n{g.output}", "nodes") == g.output
    with pytest.raises(ValueError):
        table(g, "colours")


@pytest.mark.parametrize("kind, message, listing", [
    ("variables", "cg: cc is not a variable of the expression", "the expression's variables: x, y"),
    ("names", "cg: --output cc: cc is not a name of the program", "its names: c, d, x, y"),
    ("nodes", "cg: cc is not a variable or named node of the expression",
     "the expression's variables and named nodes: x, y, c, d"),
])
def test_unknown_name_per_kind(kind, message, listing):
    g = parse("c = x*y; d = c + 1; d*2")
    with pytest.raises(InputError) as info:
        resolve(g, "cc", kind, "--output" if kind == "names" else "")
    assert info.value.message == message
    want_hint = ("did you mean c? " if kind != "variables" else "") + listing
    assert info.value.hint == want_hint


def test_unknown_variable_where_it_was_written():
    g = parse("x*y")
    assert unknown(g, "yy", "variables", option="--").message == "cg: --yy: yy is not a variable of the expression"
    assert unknown(g, "yy", "variables", option="--").hint.startswith("did you mean --y? ")
    assert unknown(g, "yy", "variables", "inputs").message == "cg: inputs: yy is not a variable of the expression"
    assert unknown(g, "yy", "variables", "inputs").hint.startswith("did you mean y? ")


def test_with_output_resolves_through_names():
    g = parse("c = x*2; c + 1")
    assert with_output(g, None) is g
    assert with_output(g, "c").output == g.assigned["c"]
    with pytest.raises(InputError, match="is not a name of the program"):
        with_output(g, "cc")


def test_missing_values_message():
    assert missing_values(["y"]).message == "cg: missing value for y"
    assert missing_values(["x", "y"]).message == "cg: missing values for x, y"
    assert missing_values(["y"], where="inputs: ").message == "cg: inputs: missing value for y"
    e = missing_values(["y"], why="(give every value)", hint="try: this")
    assert e.message == "cg: missing value for y (give every value)" and e.hint == "try: this"


# --- every command, through the installed cg ---------------------------------------------

@pytest.mark.parametrize("args, needle", [
    (["eval", "x*y", "--x", "1", "--yy", "2"], "did you mean --y?"),
    (["explain", "x*y", "--x", "1", "--yy", "2"], "did you mean --y?"),
    (["check", "x*y", "--x", "1", "--yy", "2"], "did you mean --y?"),
    (["graph", "x*y", "--x", "1", "--yy", "2"], "did you mean --y?"),
    (["descend", "x*y", "--x", "1", "--yy", "2"], "did you mean --y?"),
    (["diff", "x*y", "--x", "1", "--yy", "2"], "did you mean --y?"),
    (["diff", "x*y", "--wrt", "yy"], "did you mean --wrt y?"),
    (["eval", "c = x*2; c + 1", "--x", "1", "--output", "cc"], "did you mean c?"),
    (["check", "x*y", "--x", "1", "--y", "2", "--grad", "yy=1"], "did you mean y?"),
    (["check", "c = x*y; c+1", "--x", "1", "--y", "2", "--node", "cc=1"], "did you mean c?"),
    (["descend", "w*w + b*b", "--w", "1", "--b", "1", "--params", "ww,b"], "did you mean w?"),
    (["eval", "x*2", "--x", "1", "--jsn"], "did you mean --json?"),
    (["eval", "Sin(x)", "--x", "1"], "did you mean sin?"),
])
def test_unknown_name_gets_the_suggestion(args, needle):
    p = run_cg(*args)
    assert p.returncode == 2, p.err
    assert needle in p.err
    assert "Traceback" not in p.err


@pytest.mark.parametrize("sheet, needle", [
    ('inputs = { x = 1, yy = 2 }\nvalue = 2\n', "inputs: yy is not a variable of the expression\ndid you mean y?"),
    ('inputs = { x = 1, y = 2 }\ngrad = { yy = 1 }\n', "grad.yy: yy is not a variable or named node"),
    ('inputs = { x = 1, y = 2 }\nvalu = 1\n', "did you mean value?"),
])
def test_sheet_names_get_the_suggestion(tmp_path, sheet, needle):
    f = tmp_path / "s.toml"
    f.write_text('[[problem]]\nid = "a"\nexpression = "x*y"\n' + sheet)
    p = run_cg("check", str(f))
    assert p.returncode == 2 and needle in p.err and "did you mean" in p.err, p.err


def test_missing_value_is_one_message():
    firsts = {}
    for command in ("eval", "explain", "check", "graph", "descend", "diff"):
        p = run_cg(command, "x*y*z", "--x", "1")
        assert p.returncode == 2, (command, p.err)
        firsts[command] = p.err.splitlines()[0]
        assert f"try: cg {command} 'x*y*z' --x 1 --y <value> --z <value>" in p.err
    for command in ("eval", "explain", "check", "descend"):
        assert firsts[command] == "cg: missing values for y, z"
    # graph and diff may also draw without any values: the same message, with that advice
    assert firsts["graph"] == "cg: missing values for y, z (give every value, or none to draw the structure alone)"
    assert firsts["diff"].startswith("cg: missing values for y, z (give every variable a value")


def test_missing_value_in_a_sheet(tmp_path):
    f = tmp_path / "s.toml"
    f.write_text('[[problem]]\nid = "a"\nexpression = "x*y"\ninputs = { x = 1 }\nvalue = 2\n')
    p = run_cg("check", str(f))
    assert p.returncode == 2 and "inputs: missing value for y" in p.err


def test_python_api_grad_of_uses_the_one_suggestion():
    from cgcli.core.passes import run
    r = run(parse("c = x*y; c + 1"), {"x": 1.0, "y": 2.0})
    assert r.grad_of("c") == 1
    with pytest.raises(KeyError) as info:
        r.grad_of("cc")
    assert "did you mean c? its names: " in str(info.value)


def test_all_or_none_takes_every_value_or_none():
    """core.values.all_or_none, cg graph's and cg diff's one check: no values, or values for
    every variable (given or the program's own), pass; some but not all is missing_values'
    message with the command's advice, the hint asked for only then."""
    from cgcli.core.parse import parse
    from cgcli.core.values import all_or_none
    g = parse("a = 2; a*x + y")
    asked = []

    def hint():
        asked.append(1)
        return "try: this"
    all_or_none(g, {}, "(why)", hint)
    all_or_none(g, {"a": 2.0, "x": 1.0, "y": 3.0}, "(why)", hint)
    assert asked == []
    with pytest.raises(InputError) as e:
        all_or_none(g, {"a": 2.0, "x": 1.0}, "(give every value, or none)", hint)
    assert e.value.message == "cg: missing value for y (give every value, or none)"
    assert e.value.hint == "try: this" and asked == [1]
    with pytest.raises(InputError) as e:
        all_or_none(g, {"a": 2.0}, "(why)")
    assert e.value.message == "cg: missing values for x, y (why)" and e.value.hint is None
