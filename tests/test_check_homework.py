"""cg check FILE.toml (homework sheets, good and malformed) and answer keys (cg key, --format toml)."""
import math
import os
import tempfile
import tomllib
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings, strategies as st

from cgtest import expressions, invoke, run_cg, strict_json

from cgcli import CgError, evaluate

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "homework.toml"


def write(tmp_path, text, name="hw.toml"):
    p = tmp_path / name
    p.write_text(text)
    return str(p)


# --- the shipped example ---------------------------------------------------------------------

def test_example_file_grades_with_the_seeds_slips(cg):
    p = cg("check", str(EXAMPLE))
    assert p.returncode == 1
    assert "17/20 answers correct" in p.out
    assert "df/dz is 5, not 3" in p.out
    p = cg("check", str(EXAMPLE), "--json")
    assert p.returncode == 1
    d = strict_json(p.out)
    assert d["schema"] == "cg.check/1" and d["file"] == str(EXAMPLE)
    assert (d["passed"], d["total"], d["correct"], d["wrong"]) == (False, 20, 17, 3)
    wrong = {(pr["id"], a["target"]) for pr in d["problems"] for a in pr["answers"] if not a["ok"]}
    assert wrong == {("1a", "grad.z"), ("2", "grad.w1"), ("2", "grad.x1")}
    assert d["errors"] == []


def test_example_file_answers_agree_with_an_independent_computation():
    """The example's right answers and its slips, by hand-written Python arithmetic."""
    doc = tomllib.loads(EXAMPLE.read_text())
    p1 = doc["problem"][0]["inputs"]
    q = p1["x"] + p1["y"]
    assert doc["problem"][0]["node"]["q"] == q and doc["problem"][0]["value"] == q * p1["z"]
    assert doc["problem"][0]["grad"]["z"] != q                  # the slip cg must catch
    i = doc["problem"][2]["inputs"]
    s = 1 / (1 + math.exp(-(i["w0"] * i["x0"] + i["w1"] * i["x1"] + i["w2"])))
    g = doc["problem"][2]["grad"]
    ds = s * (1 - s)
    assert round(i["w1"] * ds, 2) == g["w1"] != round(i["x1"] * ds, 2)    # the swapped pair
    assert round(i["x1"] * ds, 2) == g["x1"] != round(i["w1"] * ds, 2)
    assert round(i["x0"] * ds, 2) == g["w0"] and round(i["w0"] * ds, 2) == g["x0"]
    assert round(s, 2) == doc["problem"][2]["value"]


def test_all_right_sheet_exits_0(cg, tmp_path):
    path = write(tmp_path, '''
title = "sheet"
[[problem]]
id = "a"
expression = "(x+y)*z"
inputs = { x = 2, y = 3, z = -4 }
value = -20
grad = { x = -4, y = -4, z = 5 }

[[problem]]
program = """
q = x + y   # a comment with "quotes"
f = q * z
"""
inputs = { x = 1, y = 3, z = "-3" }
node.q = 4
grad.q = -3

[[problem]]
expression = "sin(x)"
inputs = { x = "pi/6" }
value = "1/2"
[problem.grad]
x = "sqrt(3)/2"
''')
    p = cg("check", path)
    assert p.returncode == 0, p.out + p.err
    assert "8/8 answers correct" in p.out
    assert "problem 2" in p.out and "problem 3" in p.out       # default ids: positions


def test_tolerance_layers(tmp_path):
    text = '''
rounded = true
[[problem]]
id = "sheet-default"
expression = "sigmoid(x)"
inputs = { x = 1 }
value = 0.73
[[problem]]
id = "own-setting"
expression = "sigmoid(x)"
inputs = { x = 1 }
rounded = false
value = 0.73
[[problem]]
id = "own-rtol"
expression = "x"
inputs = { x = 100 }
rtol = 0.01
value = 100.9
'''
    path = write(tmp_path, text)
    d = strict_json(invoke("check", path, "--json").out)
    assert [pr["passed"] for pr in d["problems"]] == [True, False, True]
    # the command line wins over the file
    d = strict_json(invoke("check", path, "--json", "--rounded").out)
    assert [pr["passed"] for pr in d["problems"]] == [True, True, True]
    d = strict_json(invoke("check", path, "--json", "--no-rounded", "--rtol", "1e-6").out)
    assert [pr["passed"] for pr in d["problems"]] == [False, False, False]


# --- malformed files -------------------------------------------------------------------------

MALFORMED = [
    # (file text, line, problem id or None, words in the message)
    ('[[problem]]\nid = "a"\nexpression = (x\n', 3, None, "not valid TOML"),
    ('[[problem]]\nid = "a"\nexpression = "x"\ninputs = { x = 1 }\ngrads = { x = 1 }\n', 5, "a",
     "unknown key 'grads'"),
    ('[[problem]]\nid = "a"\ninputs = { x = 1 }\nvalue = 1\n', 1, "a", "no expression"),
    ('[[problem]]\nid = "a"\nexpression = "x*y"\ninputs = { x = 1, y = 2 }\n\ngrad = { x = 2, w = 1 }\n',
     6, "a", "grad.w: w is not a variable"),
    ('[[problem]]\nid = "a"\nexpression = "x*y"\ninputs = { x = 1, y = 2 }\n[problem.grad]\nx = 2\nw = 1\n',
     7, "a", "grad.w"),
    ('[[problem]]\nid = "a"\nexpression = "x*y"\ninputs = { x = 1, y = 2 }\nnode.q = 1\n', 5, "a", "node.q"),
    ('[[problem]]\nid = "a"\nexpression = "x*y"\ninputs = { x = 1 }\nvalue = 2\n', 4, "a", "missing value for y"),
    ('[[problem]]\nid = "a"\nexpression = "x"\ninputs = { x = 1, w = 2 }\nvalue = 1\n', 4, "a",
     "w is not a variable"),
    ('[[problem]]\nid = "a"\nexpression = "2x"\ninputs = { x = 1 }\nvalue = 2\n', 3, "a", "syntax error"),
    ('[[problem]]\nid = "a"\nexpression = "x"\ninputs = { x = 1 }\n', 1, "a", "no answers"),
    ('[[problem]]\nid = "a"\nexpression = "x"\ninputs = { x = 1 }\nvalue = 1\nrtol = -1\n', 6, "a", "rtol"),
    ('[[problem]]\nid = "a"\nexpression = "x"\ninputs = { x = 1 }\nvalue = "one"\n', 5, "a",
     "must be a number or a constant expression"),
    ('[[problem]]\nid = "a"\nexpression = "x"\ninputs = { x = 1 }\nvalue = 1\n[[problem]]\nid = "a"\n'
     'expression = "x"\ninputs = { x = 1 }\nvalue = 1\n', 7, "a", "used twice"),
    ('colour = 1\n[[problem]]\nexpression = "x"\ninputs = { x = 1 }\nvalue = 1\n', 1, None, "unknown key 'colour'"),
    ('[problem]\nexpression = "x"\n', None, None, "[[problem]]"),
    ('title = "empty"\n', None, None, "no problems"),
]


@pytest.mark.parametrize("text, line, pid, needle", MALFORMED)
def test_malformed_file_exits_2_with_file_problem_and_line(text, line, pid, needle, tmp_path):
    path = write(tmp_path, text)
    p = invoke("check", path)
    assert p.returncode == 2, (p.out, p.err)
    assert p.out == ""
    first = p.err.splitlines()[0]
    assert first.startswith(f"cg: {path}" + (f":{line}:" if line else ":")), first
    if pid:
        assert f"problem {pid}:" in first
    assert needle in p.err
    assert "Traceback" not in p.err


def test_malformed_through_the_installed_cg(tmp_path):
    path = write(tmp_path, MALFORMED[3][0])
    p = run_cg("check", path)
    assert p.returncode == 2
    assert p.err.startswith(f"cg: {path}:6: problem a: grad.w")
    p = run_cg("check", write(tmp_path, MALFORMED[0][0], "bad.toml"))
    assert p.returncode == 2 and ":3: not valid TOML" in p.err
    p = run_cg("check", str(tmp_path / "missing.toml"))
    assert p.returncode == 2 and "cannot read" in p.err


MIXED = '''
[[problem]]
id = "good"
expression = "(x+y)*z"
inputs = { x = 2, y = 3, z = -4 }
grad = { z = 3 }

[[problem]]
id = "typo"
expresion = "x"

[[problem]]
id = "domain"
expression = "log(x)"
inputs = { x = -1 }
value = 0

[[problem]]
id = "fine"
expression = "x*x"
inputs = { x = 3 }
grad = { x = 6 }
'''


def test_keep_going_grades_every_valid_problem(cg, tmp_path):
    path = write(tmp_path, MIXED)
    p = cg("check", path)
    assert p.returncode == 2 and p.out == ""
    assert "--keep-going grades the other 2 problems" in p.err
    p = cg("check", path, "--keep-going")
    assert p.returncode == 2
    assert "problem good" in p.out and "problem fine" in p.out
    assert "1/2 answers correct" in p.out and "2 could not be graded" in p.out
    assert f"{path}:10: problem typo: unknown key 'expresion'" in p.err
    assert "did you mean expression?" in p.err
    assert f"{path}:12: problem domain: math domain error" in p.err
    d = strict_json(cg("check", path, "--keep-going", "--json").out)
    assert [pr["id"] for pr in d["problems"]] == ["good", "fine"]
    assert [(e["problem"], e["line"], e["exit_code"]) for e in d["errors"]] == [("typo", 10, 2), ("domain", 12, 3)]
    assert d["passed"] is False and d["problems_total"] == 4


def test_domain_error_alone_exits_3(cg, tmp_path):
    path = write(tmp_path, '[[problem]]\nexpression = "log(x)"\ninputs = { x = -1 }\nvalue = 0\n')
    p = cg("check", path)
    assert p.returncode == 3 and p.out == ""
    assert f"{path}:1: problem 1: math domain error in log(x)" in p.err


def test_a_file_takes_no_inline_values(cg):
    p = cg("check", str(EXAMPLE), "--x", "2")
    assert p.returncode == 2 and "brings its own inputs and answers" in p.err


# --- answer keys -------------------------------------------------------------------------------

def test_key_round_trip_through_the_installed_cg(tmp_path):
    p = run_cg("key", "q = x + y\nf = q * z", "--x", "2", "--y", "3", "--z", "-4", "--id", "1a")
    assert p.returncode == 0, p.err
    doc = tomllib.loads(p.out)
    [prob] = doc["problem"]
    assert prob["id"] == "1a" and prob["program"] == "q = x + y\nf = q * z\n"
    assert prob["grad"] == {"x": -4, "y": -4, "z": 5, "q": -4} and prob["node"] == {"q": 5}
    path = write(tmp_path, p.out)
    c = run_cg("check", path)
    assert c.returncode == 0, c.out
    assert "6/6 answers correct" in c.out


def test_eval_format_toml_is_the_same_key(cg):
    args = ["(x+y)*z", "--x", "2", "--y", "3", "--z", "-4"]
    a = cg("eval", *args, "--format", "toml")
    b = cg("key", *args)
    assert a.returncode == b.returncode == 0
    assert a.out == b.out


def test_key_with_decimals_is_graded_rounded(cg, tmp_path):
    args = ["sigmoid(w0*x0 + w1*x1 + w2)", "--w0", "2", "--x0", "-1", "--w1", "-3", "--x1", "-2", "--w2", "-3"]
    p = cg("key", *args, "--decimals", "2", "--title", 'the "neuron"')
    assert p.returncode == 0
    assert "rounded = true" in p.out and "value = 0.73" in p.out and "w0 = -0.20" in p.out
    path = write(tmp_path, p.out)
    assert cg("check", path).returncode == 0
    text = p.out.replace("x1 = -0.59", "x1 = -0.60")
    assert cg("check", write(tmp_path, text, "off.toml")).returncode == 1


def test_key_of_non_finite_gradients_round_trips(tmp_path):
    p = invoke("key", "sqrt(x) + y", "--x", "0", "--y", "1")
    assert p.returncode == 0
    assert "x = inf" in p.out
    assert invoke("check", write(tmp_path, p.out)).returncode == 0


def test_key_bad_input_exits_2(cg):
    assert cg("key", "(x+y)*z", "--x", "2").returncode == 2
    assert cg("key", "x", "--x", "1", "--id", " ").returncode == 2
    assert cg("key", "log(x)", "--x", "0").returncode == 3


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(expressions(smooth_only=False, max_leaves=8),
       st.lists(st.floats(min_value=-3, max_value=3, allow_nan=False), min_size=3, max_size=3),
       st.one_of(st.none(), st.integers(min_value=0, max_value=6)))
def test_any_key_passes_cg_check(expr, values, decimals):
    text, _ = expr
    inputs = dict(zip(("x", "y", "z"), values))
    try:
        r = evaluate(text, {k: v for k, v in inputs.items() if k in _vars(text)})
    except CgError:
        assume(False)
    args = ["key", text] + [a for k, v in r.inputs.items() for a in (f"--{k}", repr(v))]
    if decimals is not None:
        args += ["--decimals", str(decimals)]
    key = invoke(*args)
    assert key.returncode == 0, key.err
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "key.toml")
        with open(path, "w") as f:
            f.write(key.out)
        c = invoke("check", path)
    assert c.returncode == 0, key.out + c.out + c.err


def _vars(text):
    from cgcli import parse
    return parse(text).variables
