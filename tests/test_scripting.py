"""Scripting: --get's bare numbers, and JSON Lines batches (cg eval --points, cg check --points)."""
import json
import math
import os
import subprocess

import pytest

from cgtest import cg_path, run_cg, strict_json

XYZ = ["(x+y)*z", "--x", "2", "--y", "3", "--z", "-4"]


# --- --get ---------------------------------------------------------------------------------

@pytest.mark.parametrize("target, expected", [
    ("value", (2 + 3) * -4), ("grad.z", 2 + 3), ("grad.x", -4), ("node.z", -4),
])
def test_get_prints_a_bare_number(cg, target, expected):
    p = cg("eval", *XYZ, "--get", target)
    assert p.returncode == 0, p.err
    assert p.out == f"{expected}\n"


def test_get_named_and_unnamed_nodes_one_per_line(cg):
    p = cg("eval", "q = x + y; f = q * z", "--x", "2", "--y", "3", "--z", "-4",
           "--get", "node.q", "--get", "grad.q", "--get", "value")
    assert p.returncode == 0, p.err
    assert p.out.split() == ["5", "-4", "-20"]
    p = cg("eval", *XYZ, "--get", "node.n2", "--get", "grad.n2")      # x + y, by its short name
    assert p.out.split() == ["5", "-4"]


def test_get_full_precision_and_non_finite(cg):
    p = cg("eval", "sigmoid(x)", "--x", "1", "--get", "value")
    assert float(p.out) == 1 / (1 + math.exp(-1))
    p = cg("eval", "sqrt(x)", "--x", "0", "--get", "grad.x")
    assert p.out == "inf\n" and p.returncode == 0


@pytest.mark.parametrize("target", ["grad.w", "node.w", "gradient.x", "grad.", "values", "grad.2"])
def test_get_unknown_target_exits_2(cg, target):
    p = cg("eval", *XYZ, "--get", target)
    assert p.returncode == 2
    assert p.out == ""
    assert p.err.startswith("cg: ")


def test_get_checks_the_target_before_a_domain_error(cg):
    assert cg("eval", "log(x)", "--x", "-1", "--get", "grad.y").returncode == 2
    assert cg("eval", "log(x)", "--x", "-1", "--get", "grad.x").returncode == 3


def test_get_with_json_is_a_usage_error(cg):
    assert cg("eval", *XYZ, "--get", "value", "--json").returncode == 2


def test_get_in_a_shell_capture():
    out = subprocess.run(["sh", "-c", f'"{cg_path()}" eval "(x+y)*z" --x 2 --y 3 --z -4 --get grad.z'],
                         capture_output=True, text=True)
    assert out.stdout.strip() == "5"


# --- cg eval --points ----------------------------------------------------------------------

POINTS = "\n".join([
    '{"x": 2, "y": 3, "z": -4}',
    '{"x": 1, "y": 3}',                      # 2: missing z
    '',                                      # 3: blank, skipped
    'not json',                              # 4
    '{"x": 1, "y": 3, "z": "pi"}',           # 5: a constant expression is fine
    '{"x": 1e308, "y": 1e308, "z": 2}',      # 6: overflow: math domain error
    '{"x": 0, "y": 0, "z": true}',           # 7
    '{"x": 1, "y": 2, "z": 3, "w": 4}',      # 8: unknown variable
    '{"x": NaN, "y": 0, "z": 1}',            # 9: not strict JSON
    '{"x": -1.5, "y": 0.25, "z": 10}',       # 10
]) + "\n"


def _check_point_line(d, x, y, z):
    assert d["value"] == (x + y) * z
    assert d["gradients"] == {"x": z, "y": z, "z": x + y}


def test_points_bad_lines_in_the_middle(cg, tmp_path):
    path = tmp_path / "points.jsonl"
    path.write_text(POINTS)
    p = cg("eval", "(x+y)*z", "--points", str(path))
    assert p.returncode == 2                 # the first failing line is bad input
    lines = [strict_json(line) for line in p.out.splitlines()]
    assert [d["line"] for d in lines] == [1, 2, 4, 5, 6, 7, 8, 9, 10]
    assert all(d["schema"] == "cg.points/1" for d in lines)
    _check_point_line(lines[0], 2, 3, -4)
    _check_point_line(lines[3], 1, 3, math.pi)
    _check_point_line(lines[8], -1.5, 0.25, 10)
    errors = {d["line"]: d for d in lines if "error" in d}
    assert set(errors) == {2, 4, 6, 7, 8, 9}
    assert "missing value for z" in errors[2]["error"]
    assert "not valid JSON" in errors[4]["error"]
    assert errors[6]["exit_code"] == 3 and "overflow" in errors[6]["error"]
    assert "w is not a variable" in errors[8]["error"]
    assert all(errors[k]["exit_code"] == 2 for k in (2, 4, 7, 8, 9))
    assert "6 of 9 lines failed; first: line 2" in p.err


def test_points_from_stdin_with_fixed_variables(cg):
    data = "".join(json.dumps({"x": x}) + "\n" for x in (0.0, 4.0, -1.0, 9.0))
    p = cg("eval", "sqrt(x)*y", "--y", "2", "--points", "-", input=data)
    assert p.returncode == 3                 # only a domain error failed
    lines = [strict_json(line) for line in p.out.splitlines()]
    assert lines[0]["value"] == 0 and lines[0]["gradients"] == {"x": "inf", "y": 0}
    assert lines[0]["warnings"]              # the infinite derivative is named
    assert lines[1]["value"] == 4 and lines[1]["gradients"] == {"x": 0.5, "y": 2}
    assert "sqrt" in lines[2]["error"]
    assert lines[3]["gradients"] == {"x": 2 / (2 * 3), "y": 3}
    bad = cg("eval", "sqrt(x)*y", "--y", "2", "--points", "-", input='{"x": 1, "y": 3}\n')
    assert bad.returncode == 2 and "fixed on the command line" in bad.out


def test_points_all_good_exits_0_and_named_nodes(cg):
    data = '{"x": 1, "y": 2, "z": 3}\n{"x": 0.5, "y": 0.5, "z": -1}'      # no final newline
    p = cg("eval", "q = x + y\nf = q * z", "--points", "-", input=data)
    assert p.returncode == 0, p.err
    a, b = map(strict_json, p.out.splitlines())
    assert a["nodes"]["q"] == {"value": 3, "grad": 3} and b["nodes"]["q"] == {"value": 1, "grad": -1}
    assert p.err == ""


def test_points_usage_errors(cg, tmp_path):
    assert cg("eval", "x", "--points", str(tmp_path / "nope.jsonl")).returncode == 2
    assert cg("eval", "x", "--points", "-", "--get", "value", input="{}").returncode == 2
    assert cg("eval", "x", "--points", "-", "--format", "table", input="{}").returncode == 2
    assert cg("eval", "-", "--points", "-", input="x").returncode == 2


def test_points_match_single_evaluations_over_many_chunks(tmp_path):
    """3000 points (more than one chunk), against cg's own one-point evaluation."""
    from cgcli import evaluate
    import random
    rng = random.Random(5)
    expr = "sigmoid(w0*x0 + w1*x1 + w2)"
    names = ["w0", "x0", "w1", "x1", "w2"]
    pts = [{n: rng.uniform(-4, 4) for n in names} for _ in range(3000)]
    path = tmp_path / "p.jsonl"
    path.write_text("".join(json.dumps(p) + "\n" for p in pts))
    out = run_cg("eval", expr, "--points", str(path))
    assert out.returncode == 0, out.err
    lines = out.out.splitlines()
    assert len(lines) == 3000
    for k in range(0, 3000, 97):
        d = strict_json(lines[k])
        r = evaluate(expr, pts[k])
        assert d["line"] == k + 1
        assert d["value"] == r.value and d["gradients"] == r.gradients


def test_points_stream_through_head_quietly(tmp_path):
    path = tmp_path / "p.jsonl"
    path.write_text("".join(json.dumps({"x": i}) + "\n" for i in range(200000)))
    p = subprocess.run(["sh", "-c", f'"{cg_path()}" eval "x*x" --points "{path}" | head -n 2'],
                       capture_output=True, text=True, env={**os.environ, "LC_ALL": "C"}, timeout=120)
    out = p.stdout.splitlines()
    assert [json.loads(line)["value"] for line in out[:2]] == [0, 1]
    assert "Traceback" not in p.stderr and "BrokenPipe" not in p.stderr
    q = subprocess.Popen([cg_path(), "eval", "x*x", "--points", str(path)], stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE)
    first = q.stdout.readline()
    q.stdout.close()
    q.wait(timeout=120)
    assert json.loads(first)["value"] == 0
    assert q.returncode == 0
    assert q.stderr.read() == b""


def test_points_flush_as_they_go():
    """An interactive pipe: each line's result comes back before the next line is written."""
    q = subprocess.Popen([cg_path(), "eval", "2*x", "--points", "-"], stdin=subprocess.PIPE,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        for x in (1, 2, 3):
            q.stdin.write(f'{{"x": {x}}}\n'.encode())
            q.stdin.flush()
            assert json.loads(q.stdout.readline())["value"] == 2 * x
    finally:
        q.stdin.close()
        q.wait(timeout=60)
    assert q.returncode == 0


# --- cg check --points: many students' submissions ------------------------------------------

SUBMISSIONS = "\n".join([
    '{"id": "ann", "value": -20, "grad": {"x": -4, "y": -4, "z": 5}}',
    '{"id": "bob", "grad": {"z": 3}}',
    '{"id": "cy", "grad": {"w": 1}}',
    '{"id": "di", "inputs": {"x": 1, "y": 3, "z": -3}, "grad": {"z": 4}, "node": {"q": 4}}',
    '{"id": "ed", "grad": {"z": 5}, "comment": "hi"}',
    '{"id": "fa", "value": -20.4, "grad": {"z": 5.0}}',
]) + "\n"


def test_check_points_one_verdict_per_submission(cg):
    p = cg("check", "q = x + y; f = q * z", "--points", "-", "--x", "2", "--y", "3", "--z", "-4",
           input=SUBMISSIONS.replace('"inputs": {"x": 1, "y": 3, "z": -3}, ', ""))
    lines = [strict_json(line) for line in p.out.splitlines()]
    assert [d["id"] for d in lines] == ["ann", "bob", "cy", "di", "ed", "fa"]
    assert all(d["schema"] == "cg.check/1" for d in lines)
    by = {d["id"]: d for d in lines}
    assert by["ann"]["passed"] is True and by["ann"]["correct"] == 4
    assert by["bob"]["passed"] is False and by["bob"]["answers"][0]["message"] == "df/dz is 5, not 3"
    assert "grad.w" in by["cy"]["error"] and by["cy"]["exit_code"] == 2
    assert by["di"]["passed"] is False            # q is 5 here, and df/dz is 5
    assert "unknown key 'comment'" in by["ed"]["error"]
    assert by["fa"]["passed"] is False
    assert p.returncode == 2                      # a bad line outranks wrong answers


def test_check_points_inputs_per_line_and_rounded(cg):
    subs = "".join(json.dumps(d) + "\n" for d in [
        {"id": 1, "inputs": {"x": 2, "y": 3, "z": -4}, "grad": {"z": 5}},
        {"id": 2, "inputs": {"x": 1, "y": 3, "z": -3}, "grad": {"z": 4}, "node": {"q": 4}},
    ])
    p = cg("check", "q = x + y; f = q * z", "--points", "-", input=subs)
    assert p.returncode == 0, p.out + p.err
    assert [strict_json(line)["passed"] for line in p.out.splitlines()] == [True, True]
    student = '{"value": 0.73}\n{"value": 0.730}\n'
    p = cg("check", "sigmoid(x)", "--x", "1", "--points", "-", "--rounded", input=student)
    assert [strict_json(line)["passed"] for line in p.out.splitlines()] == [True, False]
    assert p.returncode == 1
    assert "1 of 2 submissions passed" in p.err


def test_check_points_missing_inputs_and_usage(cg):
    p = cg("check", "(x+y)*z", "--x", "1", "--points", "-", input='{"grad": {"z": 4}}\n')
    assert p.returncode == 2 and "missing values for y, z" in p.out
    assert cg("check", *XYZ, "--points", "-", "--grad", "z=5", input="").returncode == 2
