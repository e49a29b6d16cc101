"""The grading core (cgcli.check): minimum precision under --rounded, formula answers, error
carried forward; in-process and through the installed cg."""
import math
import re

import pytest

from cgtest import run_cg, strict_json

from cgcli import CgError, evaluate
from cgcli.check import formula
from cgcli.check.answers import Tolerance, make_answer, precise_enough, sig_figs
from cgcli.check.grading import check_targets, grade, grade_one

NEURON = "sigmoid(w0*x0 + w1*x1 + w2)"
NEURON_IN = {"w0": 2, "x0": -1, "w1": -3, "x1": -2, "w2": -3}
NEURON_ARGS = [a for k, v in NEURON_IN.items() for a in (f"--{k}", str(v))]
XYZ = {"x": 2, "y": 3, "z": -4}


def write(tmp_path, text, name="hw.toml"):
    p = tmp_path / name
    p.write_text(text)
    return str(p)


# --- minimum precision under rounding -------------------------------------------------------

@pytest.mark.parametrize("text, n", [("0.73", 2), ("-0.20", 2), ("0.030", 2), ("0.03", 1), ("0", 0),
                                     ("0.0", 0), ("0.00", 0), ("120", 3), ("1.25e-2", 3), ("7", 1)])
def test_significant_figures_as_written(text, n):
    assert sig_figs(text) == n


def test_whole_numbers_fail_under_rounded_with_the_reason(cg):
    p = cg("check", NEURON, *NEURON_ARGS, "--rounded", "--value", "1", "--grad", "w0=0", "--grad", "x1=-1",
           "--json")
    assert p.returncode == 1
    d = strict_json(p.out)
    assert [a["ok"] for a in d["answers"]] == [False, False, False]
    for a in d["answers"]:
        assert "a whole number is not accepted as a rounding of a non-integer value" in a["message"]
        assert "at least 2 significant figures" in a["message"]
        assert a["feedback"].startswith(a["label"] + ": right but rounded too coarsely")
    assert "(e.g. 0.73)" in d["answers"][0]["message"]
    assert "(e.g. -0.20)" in d["answers"][1]["message"]


def test_two_significant_figures_still_pass(cg):
    p = cg("check", NEURON, *NEURON_ARGS, "--rounded", "--value", "0.73", "--grad", "w0=-0.20",
           "--grad", "x0=0.39")
    assert p.returncode == 0, p.out
    assert "3/3 answers correct" in p.out


def test_one_significant_figure_is_too_coarse_unless_allowed():
    r = evaluate(NEURON, NEURON_IN)
    a = make_answer("grad", "w0", "-0.2")
    assert not grade_one(r, a, Tolerance(rounded=True)).ok
    assert grade_one(r, a, Tolerance(rounded=True, min_sig_figs=1)).ok
    assert grade_one(r, a, Tolerance(rounded=True, min_decimals=1)).ok
    # zero: "0.0" for 0.03 has no significant figure; min_decimals = 1 accepts it
    r = evaluate("x*y", {"x": 0.1, "y": 0.3})
    a = make_answer("value", None, "0.0")
    row = grade_one(r, a, Tolerance(rounded=True))
    assert not row.ok and "0.0 has 0 significant figures" in row.message
    assert grade_one(r, a, Tolerance(rounded=True, min_decimals=1)).ok
    # a whole number counts only when min_decimals <= 0 allows it
    r = evaluate("x*y", {"x": 2.1, "y": 2})
    assert not grade_one(r, make_answer("value", None, "4"), Tolerance(rounded=True)).ok
    assert grade_one(r, make_answer("value", None, "4"), Tolerance(rounded=True, min_decimals=0)).ok


def test_exact_whole_numbers_are_right_anyway():
    r = evaluate("(x+y)*z", XYZ)
    rows = grade(r, [make_answer("grad", "z", "5"), make_answer("value", None, "-20")], Tolerance(rounded=True))
    assert all(row.ok for row in rows)
    assert precise_enough(make_answer("grad", "z", "5"), Tolerance()) is not None


def test_without_rounded_a_coarse_rounding_is_not_promised_to_pass():
    r = evaluate(NEURON, NEURON_IN)
    row = grade_one(r, make_answer("grad", "w0", "-0.2"), Tolerance())
    assert "passes with --rounded" not in row.message
    row = grade_one(r, make_answer("grad", "w0", "-0.20"), Tolerance())
    assert "passes with --rounded" in row.message


def test_min_precision_options_and_sheet_keys(cg, tmp_path):
    p = cg("check", NEURON, *NEURON_ARGS, "--rounded", "--grad", "w0=-0.2", "--min-sig-figs", "1")
    assert p.returncode == 0, p.out
    p = cg("check", NEURON, *NEURON_ARGS, "--rounded", "--value", "1", "--min-decimals", "0")
    assert p.returncode == 0, p.out
    path = write(tmp_path, f'''
rounded = true
min_sig_figs = 3
[[problem]]
expression = "{NEURON}"
inputs = {{ w0 = 2, x0 = -1, w1 = -3, x1 = -2, w2 = -3 }}
value = 0.731
grad = {{ w0 = -0.20 }}
[[problem]]
expression = "{NEURON}"
inputs = {{ w0 = 2, x0 = -1, w1 = -3, x1 = -2, w2 = -3 }}
min_sig_figs = 2
grad = {{ w0 = -0.20 }}
''')
    d = strict_json(cg("check", path, "--json").out)
    assert [[a["ok"] for a in p["answers"]] for p in d["problems"]] == [[True, False], [True]]


@pytest.mark.parametrize("key, value, needle", [
    ("min_sig_figs", "-1", "min_sig_figs must be an integer >= 0"),
    ("min_decimals", "1.5", "min_decimals must be an integer"),
    ("ecf", "2", "ecf must be a number from 0 to 1"),
    ("formula", '"yes"', "formula must be true, false or a list of targets"),
    ("formula", '["grad"]', "unknown target"),
])
def test_bad_settings_exit_2(cg, tmp_path, key, value, needle):
    path = write(tmp_path, f'[[problem]]\nexpression = "x*y"\ninputs = {{ x = 1, y = 2 }}\n{key} = {value}\nvalue = 2\n')
    p = cg("check", path)
    assert p.returncode == 2 and needle in p.err, p.err
    assert "Traceback" not in p.err


# --- formula answers ------------------------------------------------------------------------

def _formula(expr, inputs, target, text, tol=None):
    r = evaluate(expr, inputs)
    kind, _, name = target.partition(".")
    a = make_answer(kind, name or None, text, formula=True)
    return grade_one(r, a, tol or Tolerance())


@pytest.mark.parametrize("target, text", [
    ("grad.z", "x + y"), ("grad.z", "y + x"), ("grad.z", "(x+y)*1"), ("grad.x", "z"), ("grad.x", "z*1"),
    ("grad.x", "(x+y)*0 + z"), ("grad.y", "f/(x+y)"), ("value", "x*z + y*z"), ("grad.x", "-(-z)"),
])
def test_equivalent_formulas_are_right(target, text):
    row = _formula("(x+y)*z", XYZ, target, text)
    assert row.ok, row.message
    assert row.mode == "formula" and row.credit == 1.0


@pytest.mark.parametrize("target, text", [
    ("grad.z", "x*y"),           # differs at the point
    ("grad.z", "5"),             # right at the point only
    ("grad.z", "x + 3"),         # right at the point only
    ("grad.x", "z + (x - 2)"),   # right at the point only
    ("grad.x", "-4"),
])
def test_other_formulas_are_wrong(target, text):
    row = _formula("(x+y)*z", XYZ, target, text)
    assert not row.ok and row.status == "wrong" and row.credit == 0
    assert text in row.message


def test_named_nodes_in_formulas():
    r = evaluate("q = x + y; f = q * z", XYZ)
    rows = grade(r, [make_answer("grad", "z", "q", formula=True), make_answer("grad", "x", "z", formula=True),
                     make_answer("grad", "q", "f/q", formula=True)], Tolerance())
    assert all(row.ok for row in rows), [row.message for row in rows]


def test_unknown_name_in_a_formula_is_that_answers_error():
    r = evaluate("(x+y)*z", XYZ)
    row = grade_one(r, make_answer("grad", "z", "x + w", formula=True), Tolerance())
    assert not row.ok and row.status == "unreadable"   # the one vocabulary (cg check --json still prints "invalid")
    assert "w is not a variable or named node of the expression" in row.message
    with pytest.raises(CgError, match="w is not a variable or named node"):
        check_targets(r.graph, [make_answer("grad", "z", "x + w", formula=True)])
    with pytest.raises(CgError, match="not a valid formula"):
        make_answer("grad", "z", "x +", formula=True)


def test_formula_near_a_domain_edge():
    # log(x) near x = 0.01: points that cross 0 are redrawn, so 1/x is compared where it is defined
    row = _formula("log(x) * y", {"x": 0.01, "y": 2}, "grad.x", "y/x")
    assert row.ok, row.message
    row = _formula("log(x) * y", {"x": 0.01, "y": 2}, "grad.x", "2/x")
    assert not row.ok and "not as a function" in row.message
    r = evaluate("log(x) * y", {"x": 0.01, "y": 2})
    pts = formula.points(r, "grad", r.graph.variables["x"])
    assert len(pts.values) > formula.SAMPLES
    assert all(p["x"] > 0 for p in pts.inputs)
    # a formula undefined at the problem's point
    row = _formula("log(x) * y", {"x": 0.01, "y": 2}, "grad.x", "y/(x - 0.01)")
    assert not row.ok and "undefined at the problem's point" in row.message


def test_formula_points_are_reproducible_and_keep_every_nodes_sign():
    r1 = evaluate("relu(x - 1) * y + abs(y)", {"x": 1.5, "y": -2})
    r2 = evaluate("relu(x - 1) * y + abs(y)", {"x": 1.5, "y": -2})
    p1 = formula.points(r1, "grad", r1.graph.variables["x"])
    p2 = formula.points(r2, "grad", r2.graph.variables["x"])
    assert p1 is not p2 and p1.inputs == p2.inputs
    assert all(p["x"] > 1 and p["y"] < 0 for p in p1.inputs)
    # so the relu's piece is graded as the student sees it
    assert grade_one(r1, make_answer("grad", "x", "y", formula=True), Tolerance()).ok


def test_formula_on_the_command_line_is_automatic(cg):
    p = cg("check", "(x+y)*z", "--x", "2", "--y", "3", "--z", "-4", "--grad", "z=x + y", "--grad", "x=z",
           "--json")
    assert p.returncode == 0, p.out + p.err
    d = strict_json(p.out)
    assert [a["formula"] for a in d["answers"]] == [True, True]
    assert d["answers"][0]["expected"] == 5 and d["answers"][0]["tolerance"]["mode"] == "formula"
    p = cg("check", "(x+y)*z", "--x", "2", "--y", "3", "--z", "-4", "--grad", "z=x*y")
    assert p.returncode == 1 and "your formula x*y gives 6" in p.out
    p = cg("check", "(x+y)*z", "--x", "2", "--y", "3", "--z", "-4", "--grad", "z=x + w")
    assert p.returncode == 2 and "w is not a variable or named node" in p.err


def test_formula_answers_in_a_sheet(cg, tmp_path):
    path = write(tmp_path, '''
[[problem]]
id = "a"
program = "q = x + y\\nf = q * z"
inputs = { x = 2, y = 3, z = -4 }
formula = ["grad.z", "grad.x"]
grad = { z = "q", x = "z", y = -4 }

[[problem]]
id = "b"
expression = "x*y"
inputs = { x = 2, y = 3 }
formula = true
value = "x*y"
grad = { x = 3 }
''')
    p = cg("check", path, "--json")
    d = strict_json(p.out)
    assert [[a["ok"] for a in q["answers"]] for q in d["problems"]] == [[True, True, True], [True, False]]
    assert p.returncode == 1
    # a formula-looking answer that the sheet does not mark: a clear error with the fix
    bad = write(tmp_path, '[[problem]]\nexpression = "x*y"\ninputs = { x = 2, y = 3 }\ngrad = { x = "y" }\n',
                "bad.toml")
    p = cg("check", bad)
    assert p.returncode == 2 and 'formula = ["grad.x"]' in p.err
    bad = write(tmp_path, '[[problem]]\nexpression = "x*y"\ninputs = { x = 2, y = 3 }\nformula = true\n'
                          'grad = { x = "w" }\n', "bad2.toml")
    p = cg("check", bad)
    assert p.returncode == 2 and "bad2.toml:5" in p.err and "w is not a variable" in p.err
    bad = write(tmp_path, '[[problem]]\nexpression = "x*y"\ninputs = { x = 2, y = 3 }\nformula = ["grad.y"]\n'
                          'grad = { x = "y" }\n', "bad3.toml")
    p = cg("check", bad)
    assert p.returncode == 2 and "formula names grad.y, which the problem has no answer for" in p.err


# --- error carried forward ------------------------------------------------------------------

def test_ecf_credits_a_consistent_downstream_answer():
    r = evaluate("q = x + y; f = q * z", XYZ)
    answers = [make_answer("grad", "q", "3"), make_answer("grad", "x", "3"), make_answer("grad", "y", "-4")]
    rows = grade(r, answers, Tolerance(), ecf=0.5)
    assert [(row.ok, row.credit, row.status) for row in rows] == [
        (False, 0.0, "wrong"), (False, 0.5, "carried"), (True, 1.0, "right")]
    assert "carried forward: right given your df/dq = 3" in rows[1].message
    rows = grade(r, answers, Tolerance())              # no ecf: no credit
    assert [row.credit for row in rows] == [0.0, 0.0, 1.0]


def test_ecf_sums_over_consumers_with_cgs_own_where_not_given():
    # x feeds a = x*y and b = x + z; f = a * b. df/dx = df/da * y + df/db * 1
    r = evaluate("a = x*y; b = x + z; f = a * b", {"x": 2, "y": 3, "z": 1})
    g = r.grads
    dfdb = g[r.graph.assigned["b"]]
    their_dfda = 10.0
    expect = their_dfda * 3 + dfdb * 1
    rows = grade(r, [make_answer("grad", "a", repr(their_dfda)), make_answer("grad", "x", repr(expect))],
                 Tolerance(), ecf=0.25)
    assert rows[1].credit == 0.25 and rows[1].status == "carried"
    rows = grade(r, [make_answer("grad", "a", repr(their_dfda)), make_answer("grad", "x", repr(expect + 1))],
                 Tolerance(), ecf=0.25)
    assert rows[1].credit == 0.0


def test_ecf_on_the_command_line_and_in_a_sheet(cg, tmp_path):
    args = ["check", "q = x + y; f = q * z", "--x", "2", "--y", "3", "--z", "-4", "--grad", "q=3",
            "--grad", "x=3", "--json"]
    d = strict_json(cg(*args, "--ecf", "0.5").out)
    assert [a["credit"] for a in d["answers"]] == [0, 0.5] and d["credit"] == 0.5
    assert d["answers"][1]["status"] == "carried forward"
    p = cg(*args[:-1], "--ecf", "0.5")
    assert p.returncode == 1 and "carried forward (0.5)" in p.out and "(credit 0.5)" in p.out
    path = write(tmp_path, '''
ecf = 0.5
[[problem]]
program = "q = x + y\\nf = q * z"
inputs = { x = 2, y = 3, z = -4 }
grad = { q = 3, x = 3 }
''')
    d = strict_json(cg("check", path, "--json").out)
    assert d["credit"] == 0.5 and d["problems"][0]["answers"][1]["status"] == "carried forward"
    p = run_cg("check", "(x+y)*z", "--x", "2", "--y", "3", "--z", "-4", "--grad", "z=5", "--ecf", "2")
    assert p.returncode == 2


def test_ecf_for_jsonl_submissions(tmp_path):
    sub = tmp_path / "s.jsonl"
    sub.write_text('{"id": "ann", "grad": {"q": 3, "x": 3}}\n{"id": "bob", "grad": {"q": -4, "x": -4}}\n')
    p = run_cg("check", "q = x + y; f = q * z", "--x", "2", "--y", "3", "--z", "-4", "--points", str(sub),
               "--ecf", "0.5")
    lines = [strict_json(line) for line in p.out.splitlines()]
    assert [ln["credit"] for ln in lines] == [0.5, 2]
    assert lines[0]["answers"][1]["status"] == "carried forward"


# --- formulas on random graphs: cg diff's own derivative is right, a perturbed one is wrong ---

from hypothesis import HealthCheck, assume, given, settings, strategies as st  # noqa: E402

from cgtest import expressions, invoke  # noqa: E402


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.filter_too_much, HealthCheck.too_slow])
@given(expressions(smooth_only=True, max_leaves=6),
       st.lists(st.floats(-2, 2, allow_nan=False).map(lambda v: round(v, 2)), min_size=3, max_size=3))
def test_cg_diffs_derivative_is_a_right_formula(expr, vals):
    text, _ = expr
    from cgcli import parse
    names = parse(text).variables
    assume(names)
    try:
        r = evaluate(text, {k: v for k, v in zip("xyz", vals) if k in names})
    except CgError:
        assume(False)
    v = sorted(names)[0]
    G = r.grads[r.graph.variables[v]]
    assume(math.isfinite(G) and abs(G) < 1e3)
    d = invoke("diff", text, "--wrt", v, "--json")
    assume(d.returncode == 0)
    # a formula answer is one expression (no bindings): the derivative written inline
    doc = strict_json(d.out)
    program = doc["derivatives"][0]["expression"]
    for w in reversed(doc["where"]):          # its shared subexpressions, put back in place
        program = re.sub(rf"\b{w['name']}\b", f"({w['expression']})", program)
    row = grade_one(r, make_answer("grad", v, program, formula=True), Tolerance())
    assert row.ok, (text, program, row.message)
    x0 = r.inputs[v]
    wrong = f"({program}) + ({v} - ({x0!r}))"
    row = grade_one(r, make_answer("grad", v, wrong, formula=True), Tolerance())
    assert not row.ok and "not as a function" in row.message, (text, wrong)


def test_formula_answers_in_jsonl_submissions():
    lines = ('{"id": 1, "grad": {"z": "x + y", "x": "z"}}\n{"id": 2, "grad": {"z": "x*y"}}\n'
             '{"id": 3, "grad": {"z": "x + w", "x": -4}}\n')
    p = run_cg("check", "(x+y)*z", "--x", "2", "--y", "3", "--z", "-4", "--points", "-", input=lines)
    out = [strict_json(line) for line in p.out.splitlines()]
    assert [[a["ok"] for a in d["answers"]] for d in out] == [[True, True], [False], [False, True]]
    assert out[2]["answers"][0]["status"] == "invalid"        # that answer only: the line is graded
    assert p.returncode == 1


def test_a_wrong_formula_is_diagnosed_at_the_problems_point():
    r = evaluate("q = x + y; f = q * z", XYZ)
    row = grade_one(r, make_answer("grad", "z", "y", formula=True), Tolerance())
    assert not row.ok
    assert row.feedback.startswith("df/dz: your y (= 3) follows from y = 3 used in place of q = x + y = 5, "
                                   "the input of the multiply gate q * z")
    assert row.slip["code"] == "wrong-input" and row.slip["node"] == "y" and row.slip["slip_value"] == 3


def test_one_answer_marked_as_a_formula(cg, tmp_path):
    path = write(tmp_path, '''
[[problem]]
program = "q = x + y\\nf = q * z"
inputs = { x = 2, y = 3, z = -4 }
grad.z = { formula = "q" }
grad.x = { formula = "x*y" }
value = -20
''')
    d = strict_json(cg("check", path, "--json").out)
    assert [(a["ok"], a.get("formula", False)) for a in d["problems"][0]["answers"]] == [
        (True, False), (True, True), (False, True)]
    from cgcli.check import homework
    sheet, problems, errors = homework.read(path)
    assert problems[0].is_formula("grad.z") and not problems[0].is_formula("value")
    bad = write(tmp_path, '[[problem]]\nexpression = "x*y"\ninputs = { x = 2, y = 3 }\ngrad.x = { form = "y" }\n',
                "bad.toml")
    p = cg("check", bad)
    assert p.returncode == 2 and "bad.toml:4" in p.err and "takes one key, formula" in p.err


def test_ecf_carries_a_wrong_forward_value():
    r = evaluate("q = x + y; f = q * z", XYZ)
    rows = grade(r, [make_answer("node", "q", "6"), make_answer("grad", "z", "6"), make_answer("grad", "x", "-4")],
                 Tolerance(), ecf=0.5)
    assert [(row.credit, row.status) for row in rows] == [(0.0, "wrong"), (0.5, "carried"), (1.0, "right")]
    assert "right given your q = 6" in rows[1].message
