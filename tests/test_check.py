"""cg check on the command line: verdicts, tolerances, rounding-aware grading, exit codes."""
import math
from fractions import Fraction

import pytest
from hypothesis import example, given, settings, strategies as st

from cgtest import strict_json

from cgcli import evaluate
from cgcli.check.answers import Tolerance, is_rounding_of, make_answer, parse_number
from cgcli.check.grading import grade

XYZ = ["(x+y)*z", "--x", "2", "--y", "3", "--z", "-4"]
NEURON = "sigmoid(w0*x0 + w1*x1 + w2)"
NEURON_IN = {"w0": 2, "x0": -1, "w1": -3, "x1": -2, "w2": -3}


def _neuron_truth():
    """The neuron's value and gradients, computed here with the math module."""
    z = sum(NEURON_IN[w] * NEURON_IN[x] for w, x in (("w0", "x0"), ("w1", "x1"))) + NEURON_IN["w2"]
    s = 1 / (1 + math.exp(-z))
    ds = s * (1 - s)
    return s, {"w0": NEURON_IN["x0"] * ds, "x0": NEURON_IN["w0"] * ds, "w1": NEURON_IN["x1"] * ds,
               "x1": NEURON_IN["w1"] * ds, "w2": ds}


def _neuron_args(answers, *extra):
    args = ["check", NEURON] + [a for k, v in NEURON_IN.items() for a in (f"--{k}", str(v))]
    value, grads = answers
    args += ["--value", value] + [a for k, v in grads.items() for a in ("--grad", f"{k}={v}")]
    return args + list(extra)


# the numbers a student writes: each true number rounded to two decimals
def _student():
    s, g = _neuron_truth()
    return f"{s:.2f}", {k: f"{v:.2f}" for k, v in g.items()}


# --- verdicts through the installed cg and in-process ----------------------------------------

def test_all_right_exits_0(cg):
    p = cg("check", *XYZ, "--value", "-20", "--grad", "x=-4", "--grad", "y=-4", "--grad", "z=5")
    assert p.returncode == 0, p.err
    assert "4/4 answers correct" in p.out
    assert "wrong" not in p.out


def test_wrong_answer_exits_1_and_says_so(cg):
    p = cg("check", *XYZ, "--value", "-20", "--grad", "x=-4", "--grad", "y=-4", "--grad", "z=3")
    assert p.returncode == 1
    assert "df/dz is 5, not 3" in p.out
    assert "3/4 answers correct" in p.out
    for col in ("answer", "expected", "cg's value", "verdict"):
        assert col in p.out


@pytest.mark.parametrize("args, needle", [
    (["check", *XYZ, "--grad", "w=1"], "w is not a variable or named node"),
    (["check", *XYZ], "no answers to check"),
    (["check", "(x+y)*z", "--x", "2", "--grad", "x=-4"], "missing values for y, z"),
    (["check", *XYZ, "--grad", "x"], "--grad takes NAME=ANSWER"),
    (["check", *XYZ, "--grad", "x=foo"], "must be a number or a constant expression"),
    (["check", *XYZ, "--value", "1/0"], "not a finite number"),
    (["check", "(x+", "--x", "2", "--value", "1"], "syntax error"),
    (["check", *XYZ, "--value", "1", "--rtol", "-1"], "--rtol"),
    (["check", "k = const(2); f = k*x", "--x", "1", "--grad", "k=1"], "no variable, so it has no gradient"),
])
def test_bad_input_exits_2(cg, args, needle):
    p = cg(*args)
    assert p.returncode == 2, (p.out, p.err)
    assert needle in p.err
    assert "Traceback" not in p.err


def test_math_domain_error_exits_3(cg):
    p = cg("check", "log(x)", "--x", "-1", "--value", "0")
    assert p.returncode == 3
    assert "math domain error in log(x)" in p.err


def test_named_nodes_value_and_gradient(cg):
    p = cg("check", "q = x + y; f = q * z", "--x", "2", "--y", "3", "--z", "-4",
           "--node", "q=5", "--grad", "q=-4", "--json")
    assert p.returncode == 0, p.err
    d = strict_json(p.out)
    assert [(a["target"], a["label"], a["got"]) for a in d["answers"]] == [("node.q", "q", 5), ("grad.q", "df/dq", -4)]
    p = cg("check", "q = x + y; f = q * z", "--x", "2", "--y", "3", "--z", "-4", "--node", "q=6")
    assert p.returncode == 1 and "q is 5, not 6" in p.out


def test_unnamed_node_by_its_short_name():
    r = evaluate("(x+y)*z", x=2, y=3, z=-4)
    [row] = grade(r, [make_answer("node", "n2", "5")], Tolerance())
    assert row.ok and row.got == 5


def test_constant_expression_answers(cg):
    p = cg("check", "x/3", "--x", "-1", "--value", "-1/3", "--grad", "x=1/3")
    assert p.returncode == 0, p.out + p.err
    p = cg("check", "exp(-x)", "--x", "1", "--value", "e^-1", "--grad", "x=-e^-1")
    assert p.returncode == 0, p.out + p.err


def test_json_report_is_strict_and_complete(cg):
    p = cg("check", *XYZ, "--value", "-20", "--grad", "z=3", "--json")
    assert p.returncode == 1
    d = strict_json(p.out)
    assert d["schema"] == "cg.check/1"
    assert (d["passed"], d["total"], d["correct"], d["wrong"]) == (False, 2, 1, 1)
    assert d["expression"] == "(x+y)*z" and d["inputs"] == {"x": 2, "y": 3, "z": -4}
    z = d["answers"][1]
    assert (z["target"], z["answer"], z["expected"], z["got"], z["ok"]) == ("grad.z", "3", 3, 5, False)
    assert z["tolerance"] == {"mode": "isclose", "rtol": 1e-6, "atol": 1e-9, "allowed": 1e-9 + 1e-6 * 5}
    assert z["message"] == "df/dz is 5, not 3"


def test_non_finite_values_in_the_json_report_are_strings(cg):
    p = cg("check", "sqrt(x)", "--x", "0", "--grad", "x=1", "--json")
    assert p.returncode == 1
    d = strict_json(p.out)
    assert d["answers"][0]["got"] == "inf"
    p = cg("check", "sqrt(x)", "--x", "0", "--grad", "x=inf", "--json")
    assert p.returncode == 0, p.err


# --- the seeds' sigmoid neuron, as a student works it by hand ---------------------------------

def test_neuron_student_answers_need_rounded(cg):
    student = _student()
    assert student == ("0.73", {"w0": "-0.20", "x0": "0.39", "w1": "-0.39", "x1": "-0.59", "w2": "0.20"})
    p = cg(*_neuron_args(student))
    assert p.returncode == 1
    assert "0/6 answers correct" in p.out
    assert "passes with --rounded" in p.out
    p = cg(*_neuron_args(student, "--rounded"))
    assert p.returncode == 0, p.out
    assert "6/6 answers correct" in p.out


def test_neuron_with_the_texts_swapped_gradients_fails_even_rounded(cg):
    value, grads = _student()
    grads["w1"], grads["x1"] = grads["x1"], grads["w1"]       # seed 002's slip
    p = cg(*_neuron_args((value, grads), "--rounded", "--json"))
    assert p.returncode == 1
    d = strict_json(p.out)
    assert {a["target"] for a in d["answers"] if not a["ok"]} == {"grad.w1", "grad.x1"}
    assert all(a["tolerance"]["mode"] == "rounded" and a["tolerance"]["decimals"] == 2 for a in d["answers"])


# --- tolerance edges -----------------------------------------------------------------------------

def _ok(expr, inputs, kind, name, text, **tol):
    r = evaluate(expr, inputs)
    [row] = grade(r, [make_answer(kind, name, text)], Tolerance(**tol))
    return row.ok


def test_rtol_edge():
    # got = 1000: allowed = atol + rtol*1000 = 1e-9 + 1e-3 with rtol 1e-6
    assert _ok("x", {"x": 1000}, "value", None, repr(1000 + 0.99e-3))
    assert not _ok("x", {"x": 1000}, "value", None, repr(1000 + 1.01e-3))
    assert _ok("x", {"x": 1000}, "value", None, "1000.1", rtol=1e-4)
    assert not _ok("x", {"x": 1000}, "value", None, "1000.2", rtol=1e-4)


def test_atol_edge_at_zero():
    # got = 0: only atol counts
    assert _ok("x - x", {"x": 3}, "value", None, "0.9e-9")
    assert not _ok("x - x", {"x": 3}, "value", None, "1.1e-9")
    assert _ok("x - x", {"x": 3}, "value", None, "0.001", atol=0.01)


def test_tolerance_options_through_the_cli(cg):
    p = cg("check", "x", "--x", "1000", "--value", "1000.1")
    assert p.returncode == 1
    p = cg("check", "x", "--x", "1000", "--value", "1000.1", "--rtol", "1e-4")
    assert p.returncode == 0, p.out
    p = cg("check", "x", "--x", "0.5", "--value", "0.4", "--atol", "0.2")
    assert p.returncode == 0, p.out


# --- rounding-aware grading: the rule and its edges ----------------------------------------

@pytest.mark.parametrize("text, got, ok", [
    ("0.73", 0.7310585786300049, True),
    ("0.7", 0.7310585786300049, True),          # one decimal: 0.7 is the correct rounding
    ("0.730", 0.7310585786300049, False),       # three decimals: that would be 0.731
    ("0.74", 0.7310585786300049, False),
    ("-0.20", -0.19661193324148185, True),      # a written trailing zero counts as a decimal
    ("-0.19", -0.19661193324148185, False),
    ("0.12", 0.125, True),                       # exactly halfway: both neighbours
    ("0.13", 0.125, True),
    ("0.14", 0.125, False),
    ("0.11", 0.125, False),
    ("1", 0.73, True),                           # an integer is rounded to units
    ("5", 5.49, True),
    ("5", 5.51, False),
    ("0.00", -0.004, True),                      # signed zero
    ("-0.00", 0.004, True),
    ("1.2e-3", 0.00124, True),                  # last digit is 1e-4
    ("1.2e-3", 0.00126, False),
    ("1e3", 1400.0, True),                       # last digit is the thousands
    ("1e3", 1600.0, False),
    (".5", 0.46, True),
    ("5.", 5.4, True),
])
def test_rounding_rule(text, got, ok):
    number, written, exponent = parse_number(text, "x")
    assert written == text and exponent is not None
    assert is_rounding_of(text, exponent, got) is ok


def test_expression_answers_are_not_rounding_aware():
    number, text, exponent = parse_number("1/3", "x")
    assert exponent is None
    assert not _ok("x", {"x": 0.34}, "value", None, "1/3", rounded=True)


def test_rounded_also_accepts_what_the_tolerance_accepts():
    # a full-precision answer has a tiny last digit, but isclose still accepts it
    assert _ok("sigmoid(x)", {"x": 1}, "value", None, "0.7310585786300049", rounded=True)
    assert _ok("sigmoid(x)", {"x": 1}, "value", None, "0.731058578630005", rounded=True)


def test_halfway_in_floating_point_is_not_decided_by_noise():
    # 1/80 = 0.0125 is a tie at three decimals, but its float is 0.01250000000000000069...:
    # the margin keeps both neighbours correct, as they are for the real number
    assert _ok("x / 80", {"x": 1}, "value", None, "0.012", rounded=True)
    assert _ok("x / 80", {"x": 1}, "value", None, "0.013", rounded=True)


@settings(max_examples=300, deadline=None)
@given(st.floats(min_value=-1e6, max_value=1e6, allow_nan=False), st.integers(min_value=0, max_value=6))
@example(0.125, 2)
@example(-0.19661193324148185, 2)
def test_correct_rounding_passes_and_one_unit_off_fails(got, k):
    text = f"{got:.{k}f}"                      # Python rounds the exact binary value correctly
    assert is_rounding_of(text, -k, got)
    unit = Fraction(10) ** -k
    for off in (-1, 1):
        other = Fraction(text) + off * unit
        # one unit off is never a correct rounding unless the true value is (nearly) a tie
        if abs(other - Fraction(got)) > unit / 2 + unit / 10**9 + Fraction(4 * math.ulp(got)):
            assert not is_rounding_of(f"{float(other):.{k}f}", -k, got)


def test_no_rounded_is_the_default(cg):
    p = cg(*_neuron_args(_student(), "--no-rounded"))
    assert p.returncode == 1
