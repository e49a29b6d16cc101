"""Fuzzing the CLI entry point: whatever the text, cg answers with exit 0, 2 or 3 and a message,
never a traceback; on exit 0 with --json, stdout is strict JSON."""
import math

from hypothesis import HealthCheck, given, settings, strategies as st

from cgtest import expressions, invoke, run_cg, strict_json

TOKENS = ["x", "y", "z", "2", ".5", "1e3", "1e999", "+", "-", "*", "/", "^", "**", "(", ")", ",", "=",
          ";", "\n", "#", " ", "sin", "max", "pi", "e", "q", "q =", "log", "sqrt", "0", "relu", "'",
          "__import__", ".", "[", "lambda", "\\", "\t", "Sin", "exp", "-1000", "1/0", "ln", "@"]

soups = st.lists(st.sampled_from(TOKENS), min_size=0, max_size=25).map("".join)
texts = st.text(max_size=60)
values = st.sampled_from(["1", "-4", "0", "2.5", "-1/3", "pi", "1e308", "1000", "-0"])


def _check(p, json_mode):
    assert p.returncode in (0, 2, 3), (p.returncode, p.out, p.err)
    assert "Traceback" not in p.err and "Traceback" not in p.out
    if p.returncode != 0:
        assert p.err.strip(), "an error exit must say why"
        assert p.err.startswith(("cg:", "Usage:", "Error:")), p.err
    elif json_mode:
        d = strict_json(p.out)
        assert set(d["gradients"]) == set(d["inputs"])


def _args(text, xv, yv, zv, json_mode):
    args = ["eval", text, "--set", f"x={xv}", "--set", f"y={yv}", "--set", f"z={zv}"]
    return args + (["--json"] if json_mode else [])


FUZZ = settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FUZZ
@given(st.one_of(texts, soups), values, values, values, st.booleans())
def test_random_text_in_process(text, xv, yv, zv, json_mode):
    _check(invoke(*_args(text, xv, yv, zv, json_mode)), json_mode)


@FUZZ
@given(expressions(max_leaves=20), values, values, values)
def test_random_valid_programs_in_process(expr, xv, yv, zv):
    from cgcli import parse
    text = expr[0]
    given_values = {"x": xv, "y": yv, "z": zv}
    args = ["eval", text, "--json"]
    for name in parse(text).variables:
        args += ["--set", f"{name}={given_values[name]}"]
    p = invoke(*args)
    _check(p, True)
    assert p.returncode in (0, 3)        # a valid program with every value given


@settings(max_examples=25, deadline=None)
@given(st.one_of(texts, soups, expressions().map(lambda e: e[0])), values, st.booleans())
def test_random_input_through_the_installed_cg(text, xv, json_mode):
    # stdin carries any text (argv cannot hold NUL)
    args = ["eval", "-", "--set", f"x={xv}", "--set", f"y={xv}", "--set", f"z={xv}"]
    p = run_cg(*args, *(["--json"] if json_mode else []), input=text.encode("utf-8", "surrogatepass"))
    _check(p, json_mode)


def test_unused_given_variables_are_reported_not_crashed():
    p = invoke("eval", "2 + 2", "--set", "x=1")
    assert p.returncode == 2 and "not a variable" in p.err
