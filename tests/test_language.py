"""The language: numbers, precedence, functions, programs, and the errors around them."""
import math

import pytest
from hypothesis import given, settings, strategies as st

from cgtest import expressions
from cgcli import CgSyntaxError, evaluate
from cgcli import parse
from cgcli.core.graph import labels


def value(text, **env):
    return evaluate(text, **env).value


@pytest.mark.parametrize("text, expected", [
    ("2", 2), ("2.5", 2.5), (".5", 0.5), ("5.", 5), ("1e-3", 0.001), ("2.5E+2", 250), ("1E2", 100),
    ("-x^2", -9), ("2^3^2", 512), ("2^-1", 0.5), ("8/4/2", 1), ("2**3**2", 512), ("-2^2", -4),
    ("(-2)^2", 4), ("2*3+4", 10), ("2+3*4", 14), ("2-3-4", -5), ("+x", 3), ("--x", 3), ("-+-x", 3),
    ("x^-2^-1", 3 ** (-(2 ** -1))), ("pi", math.pi), ("e", math.e), ("e^1", math.e),
    ("pow(2, 10)", 1024), ("ln(e)", 1), ("log(e^2)", 2), ("max(2, x)", 3), ("min(2, x)", 2),
    ("abs(-x)", 3), ("relu(-x)", 0), ("sqrt(16)", 4), ("sign(-x)", -1), ("step(x)", 1),
])
def test_values(text, expected):
    assert math.isclose(value(text, x=3) if "x" in text else value(text), expected, rel_tol=1e-15)


def test_programs_comments_and_separators():
    program = """
    # the seed's example, named
    q = x + y      # first gate
    f = q * z;     # trailing ; is fine

    """
    r = evaluate(program, x=2, y=3, z=-4)
    assert r.value == -20 and set(r.graph.assigned) == {"q", "f"}
    assert evaluate("a = x; b = a * 2;;; b + 1", x=1).value == 3
    # a newline inside parentheses is white space
    assert evaluate("f = max(x,\n  y)\nf * 2", x=1, y=4).value == 8


def test_variables_get_gradients_even_when_unused():
    r = evaluate("q = y * 2; x + 1", x=1, y=1)
    assert r.gradients == {"y": 0, "x": 1}
    assert "statement 1" not in " ".join(r.warnings)    # assigned: not flagged
    r = evaluate("y * 2; x + 1", x=1, y=1)
    assert any("statement 1" in w for w in r.warnings)


def test_names_are_case_sensitive_and_constants_are_not_variables():
    r = evaluate("X + x", X=1, x=2)
    assert r.gradients == {"X": 1, "x": 1}
    assert parse("pi * e").variables == {}


@pytest.mark.parametrize("text, message", [
    ("2x", "write 2*x"), ("2(x+1)", "write 2*(...)"), ("x y", "write x*y"), ("(x)(y)", "write )*(...)"),
    ("Sin(x)", "did you mean sin?"), ("foo(x)", "unknown function foo"),
    ("x = 1; x = 2", "bound already"), ("pi = 3", "constant"), ("pi += 1", "constant"),
    ("sin = 3", "function"), ("y = x; x = 1", "used as an input variable"),
    ("sin + 1", "sin is a function"), ("max(1)", "max takes 2 arguments, got 1"),
    ("sin(1, 2)", "sin takes 1 argument, got 2"), ("f()", "unknown function f"),
    ("q = x; q(2)", "q is not a function"), ("", "empty"), ("# only a comment\n", "empty"),
    ("(x+", "unexpected end of the expression"), ("x+)", "unexpected ')'"), ("x +* y", "unexpected '*'"),
    ("__import__('os').system('true')", "no strings"), ("'a", "quote"), ("x.real", "attribute"), ("[1]", "is a vector of 1"),
    ("lambda: 1", "unexpected"), ("x = ", "unexpected end"), ("1e999", "too large"), ("x @ y", "@ takes a matrix"),
    ("3 = x", "unexpected '='"), ("x == y", "unexpected '='"), ("x;;\n;y z", "write y*z"),
])
def test_syntax_errors(text, message):
    with pytest.raises(CgSyntaxError) as info:
        parse(text)
    rendered = info.value.render()
    assert message in rendered
    assert "Traceback" not in rendered


def test_syntax_error_caret_points_at_the_column():
    with pytest.raises(CgSyntaxError) as info:
        parse("x + y * (z - )")
    lines = info.value.render().splitlines()
    assert lines[0] == "cg: syntax error at column 14: unexpected ')'"
    assert lines[1] == "  x + y * (z - )"
    assert lines[2] == "  " + " " * 13 + "^"
    assert "expected one of" in lines[3] and "a name" in lines[3] and "a number" in lines[3]


def test_syntax_error_on_a_later_line_shows_that_line():
    with pytest.raises(CgSyntaxError) as info:
        parse("q = x + y\nf = q ** * z")
    lines = info.value.render().splitlines()
    assert lines[0].startswith("cg: syntax error at line 2, column 10")
    assert lines[1] == "  f = q ** * z" and lines[2] == "  " + " " * 9 + "^"


def test_labels_print_with_minimal_parentheses():
    g = parse("(x+y)*z - sin(x)^2 + -x^2 + (-x)^2 + x-(y-z) + 2^3^2 + (2^3)^2")
    lab = labels(g)
    for expected in ["(x + y) * z", "sin(x)^2", "-x^2", "(-x)^2", "y - z", "2^3^2", "(2^3)^2"]:
        assert expected in lab


def test_labels_stay_short_for_long_expressions():
    g = parse("+".join(f"x*{i}" for i in range(2000)))
    assert max(map(len, labels(g))) <= 100


@settings(max_examples=150, deadline=None)
@given(expressions())
def test_cg_parser_and_lark_parser_build_the_same_graph(expr):
    text = expr[0]
    ours, lark = parse(text), parse(text, engine="lark")
    assert list(ours.ops) == list(lark.ops)
    assert list(ours.in0) == list(lark.in0) and list(ours.in1) == list(lark.in1)
    assert list(ours.const) == list(lark.const)
    assert ours.variables == lark.variables and ours.output == lark.output


def test_lark_engine_on_programs():
    text = "q = x + y\nf = max(q,\n z) * -q^2;"
    a, b = parse(text), parse(text, engine="lark")
    assert (list(a.ops), a.assigned, a.output) == (list(b.ops), b.assigned, b.output)


def test_shipped_tables_are_what_lark_builds_from_the_shipped_grammar():
    from cgcli.core import _build
    assert _build.tables_path().read_text() == _build.generate(), \
        "cgcli/core/_tables.py is stale: run python -m cgcli.core._build"
    assert _build.grammar_path().name == "cg.lark"
