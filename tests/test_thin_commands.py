"""The commands only wire (issue 20): the set-up of cg fit and cg descend is an area
(train/setup.py) that runs from a request without the CLI, the --points engine (batch/points.py)
runs with the view's writer, and the command gives the same answer as the area."""
from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from cgcli.core.errors import InputError
from cgcli.core.parse import parse
from cgcli.train import setup
from tests.cgtest import run_cg

ROOT = Path(__file__).resolve().parent.parent
BLOBS = str(ROOT / "examples" / "blobs.csv")
NEURON = "sigmoid(w0*x0 + w1*x1 + b)"


def test_fit_plan_tells_parameters_from_columns():
    req = setup.FitRequest(data=BLOBS, target="y", loss="bce", epochs=3, batch=0, engine="python",
                           update=setup.Update(lr=0.5))
    plan = setup.fit_plan(req, NEURON, parse(NEURON), {"w0": 0.25}, [])
    assert plan.names == ["w0", "w1", "b"]
    assert plan.info["columns"] == ["x0", "x1"] and plan.info["target"] == "y"
    assert plan.start == {"w0": 0.25, "w1": 0.0, "b": 0.0}
    assert plan.engine == "python" and plan.size == plan.info["rows"]
    run = plan.run()
    # the command with the same options gives the same final parameters
    p = run_cg("fit", NEURON, "--data", BLOBS, "--loss", "bce", "--epochs", "3", "--batch", "0",
               "--engine", "python", "--lr", "0.5", "--w0", "0.25", "--json")
    assert p.returncode == 0, p.stderr.decode()
    final = json.loads(p.stdout)["final"]
    assert final == run.final and run.settings["engine"] == "python"


def test_engine_auto_follows_the_batch_size():
    graph = parse("x*w")
    assert setup.pick_engine("auto", 1, graph) == "python"
    assert setup.pick_engine("auto", setup.AUTO_COLUMNS, graph) in ("columns",)
    assert setup.pick_engine("columns", 1, graph) == "columns"


def test_requests_check_their_ranges():
    with pytest.raises(InputError, match="--lr must be a positive number"):
        setup.DescendRequest(update=setup.Update(lr=float("nan"))).check()
    with pytest.raises(InputError, match="--momentum must be in"):
        setup.DescendRequest(update=setup.Update(momentum=float("nan"))).check()
    with pytest.raises(InputError, match="unknown engine 'gpu'"):
        setup.FitRequest(engine="gpu").check()


def test_descend_plan_starts_shaped_elements_from_init():
    graph = parse("sum((W @ x - y)^2)", shapes={"W": (2, 2), "x": (2,), "y": (2,)})
    inputs = {"x[0]": 1.0, "x[1]": 2.0, "y[0]": 3.0, "y[1]": -1.0}
    plan = setup.descend_plan(setup.DescendRequest(params="W", init="0.5"), graph, inputs, {"W": (2, 2)})
    assert plan.names == ["W[0][0]", "W[0][1]", "W[1][0]", "W[1][1]"]
    assert all(plan.inputs[n] == 0.5 for n in plan.names)


def test_momentum_range_is_a_type():
    p = run_cg("descend", "x^2", "--x", "1", "--momentum", "1")
    err = p.stderr.decode()
    assert p.returncode == 2 and "--momentum" in err and "0<=x<1" in err


def test_points_engine_runs_with_the_views_writer():
    from cgcli.batch.points import eval_points
    from cgcli.views.points import EvalWriter
    graph = parse("x*y")
    out = io.StringIO()
    stream = io.BytesIO(b'{"x": 2, "y": 3}\n\n{"x": 1}\n{"x": "pi", "y": 1}\n')
    tally = eval_points(graph, {}, stream, EvalWriter(graph), out)
    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    assert [d["line"] for d in lines] == [1, 3, 4]
    assert lines[0]["value"] == 6 and lines[0]["gradients"] == {"x": 3, "y": 2}
    assert lines[1]["exit_code"] == 2 and "missing value for y" in lines[1]["error"]
    assert abs(lines[2]["value"] - 3.141592653589793) < 1e-15
    assert (tally.total, tally.failed, tally.code()) == (3, 1, 2)


SUBMISSIONS = (b'{"id": "ann", "inputs": {"y": 3}, "value": 6, "grad": {"x": 3, "y": 2}}\n'
               b'\n'
               b'{"id": 7, "inputs": {"y": 4}, "value": 8, "grad": {"x": 5}}\n'
               b'{"id": "cy", "inputs": {"y": 3}, "grad": {"q": 1}}\n'
               b'{"id": [1], "value": 6}\n'
               b'{"id": "dee", "inputs": {"y": 3}, "grad": [1]}\n'
               b'[1, 2]\n'
               b'{"id": "eve", "inputs": {"y": 3}, "value": "2*3", "node": {"p": 6}}\n')


def test_check_points_grader_runs_without_the_cli(tmp_path):
    """check/points.py grades the submissions with the view's writer, no CLI; the command
    `cg check --points` prints the same lines byte for byte and exits with the tally's code."""
    from cgcli.check.answers import Tolerance
    from cgcli.check.points import check_points
    from cgcli.views.check import SubmissionWriter
    program = "p = x*y\np"
    graph = parse(program)
    out = io.StringIO()
    graded = check_points(graph, {"x": 2.0}, io.BytesIO(SUBMISSIONS), Tolerance(), SubmissionWriter(), out)
    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    assert [d["line"] for d in lines] == [1, 3, 4, 5, 6, 7, 8]
    assert lines[0]["id"] == "ann" and lines[0]["passed"] is True and lines[0]["value"] == 6
    assert lines[1]["id"] == 7 and lines[1]["value"] == 8 and lines[1]["passed"] is False
    assert "q" in lines[2]["error"] and lines[2]["exit_code"] == 2 and lines[2]["id"] == "cy"
    assert lines[3]["error"] == "id must be a string or a number" and "id" not in lines[3]
    assert lines[4]["error"] == "grad must be an object of NAME: answer" and lines[4]["id"] == "dee"
    assert "got an array" in lines[5]["error"]
    assert lines[6]["id"] == "eve" and lines[6]["passed"] is True
    assert all(d["schema"] == "cg.check/1" for d in lines)
    assert (graded.passed, graded.wrong, graded.tally.total, graded.tally.failed) == (2, 1, 7, 4)
    assert graded.tally.code() == 2
    points = tmp_path / "subs.jsonl"
    points.write_bytes(SUBMISSIONS)
    p = run_cg("check", program, "--x", "2", "--points", str(points))
    assert p.returncode == 2, p.stderr.decode()
    assert p.stdout.decode() == out.getvalue()


def test_check_points_exit_code_counts_wrong_submissions():
    from cgcli.check.answers import Tolerance
    from cgcli.check.points import check_points
    from cgcli.views.check import SubmissionWriter
    subs = b'{"value": 6}\n{"value": 7}\n'
    out = io.StringIO()
    graded = check_points(parse("x*y"), {"x": 2.0, "y": 3.0}, io.BytesIO(subs), Tolerance(), SubmissionWriter(), out)
    assert (graded.passed, graded.wrong, graded.tally.code()) == (1, 1, 0)
    p = run_cg("check", "x*y", "--x", "2", "--y", "3", "--points", "-", input=subs)
    assert p.returncode == 1 and p.stdout.decode() == out.getvalue()
    assert "cg: 1 of 2 submissions passed" in p.stderr.decode()
