"""Per-student numbers: cg key TEMPLATE --roster --seed --out writes one sheet per student;
cg grade TEMPLATE SHEETS --roster --seed regenerates each student's numbers and grades them.
The round trip: sheets filled in with cg's own answers score full marks."""
from __future__ import annotations

import math
import tomllib

import pytest
from hypothesis import given, strategies as st

from cgtest import invoke, run_cg, strict_json

TEMPLATE = '''title = "Per-student quiz"
decimals = 1

[[problem]]
id = "1"
program = """
q = x + y
f = relu(q) * z + max(x, y)
"""
inputs = { x = "uniform(-3, 3)", y = "uniform(-3, 3)", z = "randint(-5, 5)" }
value = ""
node = { q = "" }
grad = { x = "", y = "", z = "", q = "" }

[[problem]]
id = "2"
expression = "sigmoid(w*x + b) + abs(x - 1)"
inputs = { w = "uniform(-4, 4)", x = 1.5, b = "uniform(-4, 4)" }
decimals = 2
value = 0
grad = { w = 0, b = 0, x = 0 }

[[problem]]
id = "3"
expression = "log(u) * tanh(u * v)"
inputs = { u = "uniform(-1, 2)", v = "randint(-3, 3)" }
grad = { u = 0, v = 0 }
'''
ROSTER = "student,email\nann,a@x\nbob,b@x\ncat,c@x\ndan,d@x\n"


@pytest.fixture
def made(tmp_path):
    (tmp_path / "t.toml").write_text(TEMPLATE)
    (tmp_path / "roster.csv").write_text(ROSTER)
    r = invoke("key", str(tmp_path / "t.toml"), "--roster", str(tmp_path / "roster.csv"), "--seed", "7",
               "--out", str(tmp_path / "sheets"))
    assert r.returncode == 0, r.err
    return tmp_path


def fill(sheet_path, out_path, ids=None):
    """The sheet with cg's own answers: each problem's block from cg key's view (problem_block)."""
    from cgcli.core.parse import parse
    from cgcli.core.passes import run
    from cgcli.views.toml import problem_block
    doc = tomllib.loads(open(sheet_path).read())
    blocks = []
    for p in doc["problem"]:
        g = parse(p.get("program") or p["expression"])
        blocks.append(problem_block(run(g, p["inputs"]), p["id"]))
    with open(out_path, "w") as f:
        f.write("\n".join(blocks))


def test_sheets_have_blank_answers_and_the_students_numbers(made):
    ann = tomllib.loads((made / "sheets" / "ann.toml").read_text())
    assert ann["title"] == "Per-student quiz"
    p1, p2, p3 = ann["problem"]
    assert p1["value"] == "" and p1["grad"] == {"x": "", "y": "", "z": "", "q": ""} and p1["node"] == {"q": ""}
    assert set(p1["inputs"]) == {"x", "y", "z"} and p2["inputs"]["x"] == 1.5
    for v in p1["inputs"].values():
        assert round(v, 1) == v and -5 <= v <= 5
    assert float(p1["inputs"]["z"]).is_integer()
    for v in (p2["inputs"]["w"], p2["inputs"]["b"]):
        assert round(v, 2) == v
    names = sorted(f.name for f in (made / "sheets").iterdir())
    assert names == ["ann.toml", "bob.toml", "cat.toml", "dan.toml"]
    # deterministic per (seed, student); another seed gives other numbers
    again = made / "again"
    r = invoke("key", str(made / "t.toml"), "--roster", str(made / "roster.csv"), "--seed", "7", "--out", str(again))
    assert r.returncode == 0
    for n in names:
        assert (again / n).read_text() == (made / "sheets" / n).read_text()
    other = made / "other"
    invoke("key", str(made / "t.toml"), "--roster", str(made / "roster.csv"), "--seed", "8", "--out", str(other))
    assert (other / "ann.toml").read_text() != (made / "sheets" / "ann.toml").read_text()
    # the students' numbers differ from each other
    bob = tomllib.loads((made / "sheets" / "bob.toml").read_text())
    assert bob["problem"][0]["inputs"] != p1["inputs"]


def test_round_trip_full_marks(made, cg):
    filled = made / "filled"
    filled.mkdir()
    for n in ("ann", "bob", "cat", "dan"):
        fill(made / "sheets" / f"{n}.toml", filled / f"{n}.toml")
    r = cg("grade", str(made / "t.toml"), str(filled), "--roster", str(made / "roster.csv"), "--seed", "7",
           "--json")
    assert r.returncode == 0, r.err
    doc = strict_json(r.out)
    assert doc["class"]["students"] == 4 and doc["seed"] == "7"
    for s in doc["students"]:
        assert s["score"] == s["points"] == 12, s
        assert not any("inputs" in w for w in s["warnings"]), s["warnings"]
    # the wrong seed: the students' numbers are not the ones graded
    r = cg("grade", str(made / "t.toml"), str(filled), "--roster", str(made / "roster.csv"), "--seed", "9",
           "--json")
    doc = strict_json(r.out)
    assert all(any("inputs" in w for w in s["warnings"]) for s in doc["students"])
    assert sum(s["score"] for s in doc["students"]) < 48
    # a blank sheet as handed out: every answer missing
    r = cg("grade", str(made / "t.toml"), str(made / "sheets"), "--roster", str(made / "roster.csv"), "--seed", "7",
           "--format", "csv")
    assert r.returncode == 0
    rows = r.out.strip().splitlines()[1:]
    assert len(rows) == 4 and all(row.split(",")[4] == "0" for row in rows)


def test_roster_errors(made):
    t, roster = str(made / "t.toml"), str(made / "roster.csv")
    r = invoke("grade", t, str(made / "sheets"))
    assert r.returncode == 2 and "--roster and --seed" in r.err
    r = invoke("grade", t, str(made / "sheets"), "--roster", roster)
    assert r.returncode == 2
    (made / "sheets" / "zed.toml").write_text('[[problem]]\nid = "1"\nvalue = 1\n')
    r = invoke("grade", t, str(made / "sheets"), "--roster", roster, "--seed", "7")
    assert r.returncode == 2 and "zed is not on the roster" in r.err
    (made / "dup.csv").write_text("ann\nbob\nann\n")
    r = invoke("key", t, "--roster", str(made / "dup.csv"), "--seed", "1", "--out", str(made / "x"))
    assert r.returncode == 2 and "listed twice" in r.err
    r = invoke("key", t, "--roster", roster, "--out", str(made / "x"))
    assert r.returncode == 2
    (made / "never.toml").write_text('[[problem]]\nexpression = "log(x)"\ninputs = { x = "uniform(-2, -1)" }\n'
                                     'value = 0\n')
    r = invoke("key", str(made / "never.toml"), "--roster", roster, "--seed", "1", "--out", str(made / "x"))
    assert r.returncode == 2 and "no fair inputs" in r.err and "Traceback" not in r.err


def test_installed_cg_makes_sheets(tmp_path):
    (tmp_path / "t.toml").write_text(TEMPLATE)
    (tmp_path / "roster.csv").write_text(ROSTER)
    r = run_cg("key", str(tmp_path / "t.toml"), "--roster", str(tmp_path / "roster.csv"), "--seed", "abc",
               "--out", str(tmp_path / "s"))
    assert r.returncode == 0, r.err
    assert len(list((tmp_path / "s").iterdir())) == 4
    r2 = invoke("key", str(tmp_path / "t.toml"), "--roster", str(tmp_path / "roster.csv"), "--seed", "abc",
                "--out", str(tmp_path / "s2"))
    assert r2.returncode == 0
    assert (tmp_path / "s" / "cat.toml").read_text() == (tmp_path / "s2" / "cat.toml").read_text()


# --- the draws: fair points only, read off the op table -----------------------------------------

def draws(expr, inputs, n=200, decimals=0):
    from cgcli.check import grade, sheet
    p = sheet.Problem(1, 1)          # the one problem type (a key problem: specs set)
    from cgcli.core.parse import parse
    p.graph = parse(expr)
    p.program = expr
    for name, spec in inputs.items():
        p.specs[name] = grade.parse_spec(spec)
    return [grade.draw_inputs(p, 1, f"s{k}", decimals) for k in range(n)]


def test_draws_avoid_kinks_saturation_and_domain_errors():
    for d in draws("relu(x) + abs(y)", {"x": "randint(-1, 1)", "y": "randint(-1, 1)"}):
        assert d["x"] != 0 and d["y"] != 0
    for d in draws("max(x, y) + min(x, y)", {"x": "randint(0, 2)", "y": "randint(0, 2)"}):
        assert d["x"] != d["y"]
    for d in draws("sigmoid(x) + tanh(y)", {"x": "uniform(-20, 20)", "y": "uniform(-20, 20)"}):
        assert abs(d["x"]) <= 6 and abs(d["y"]) <= 6
    for d in draws("log(x) + sqrt(y) + 1/z", {"x": "uniform(-1, 1)", "y": "uniform(-1, 1)",
                                              "z": "randint(-1, 1)"}, decimals=1):
        assert d["x"] > 0 and d["y"] > 0 and d["z"] != 0       # sqrt'(0) is infinite: redrawn too
    for d in draws("step(x) * y + sign(y)", {"x": "randint(-1, 1)", "y": "randint(-1, 1)"}):
        assert d["x"] != 0 and d["y"] != 0


def test_every_piecewise_op_has_its_kink_detected():
    """For each op the op table marks as piecewise, its kink point is refused, a nearby point is not."""
    from cgcli.check import grade
    from cgcli.core.ops import OPS
    piece = grade._piecewise()
    names = {op.name for op, p in zip(OPS, piece) if p}
    assert {"relu", "abs", "max", "min", "sign", "step"} <= names
    assert not names & {"add", "mul", "sigmoid", "exp", "sin"}
    for op, p in zip(OPS, piece):
        if not p:
            continue
        at = [0.0] * op.arity
        assert grade._at_kink(op, at), op.name
        near = [0.5, -0.25][:op.arity]
        assert not grade._at_kink(op, near), op.name


@given(st.text(min_size=0, max_size=30))
def test_spec_parser_is_strict(text):
    from cgcli.check import grade
    from cgcli.core.errors import InputError
    try:
        spec = grade.parse_spec(text)
    except InputError:
        return
    if spec is not None:
        assert spec.kind in ("uniform", "randint") and spec.lo <= spec.hi
        assert math.isfinite(spec.lo) and math.isfinite(spec.hi)


@pytest.mark.parametrize("text, ok", [("uniform(-3, 3)", True), (" randint( 1 ,5 ) ", True),
                                      ("uniform(1e0, 2.5)", True), ("uniform(3, 1)", False),
                                      ("randint(1.5, 2)", False), ("uniform(1, 2); x", False),
                                      ("uniform(1)", False), ("uniform(a, b)", False), ("pi/4", None)])
def test_spec_examples(text, ok):
    from cgcli.check import grade
    from cgcli.core.errors import InputError
    if ok is None:
        assert grade.parse_spec(text) is None
    elif ok:
        assert grade.parse_spec(text) is not None
    else:
        with pytest.raises(InputError):
            grade.parse_spec(text)
