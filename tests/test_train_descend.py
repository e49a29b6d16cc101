"""cg descend: convergence to known minima, each optimiser, stopping criteria, divergence,
outputs (table, curve, JSON, JSON Lines, SVG/PNG), errors; through the installed cg and in-process."""
from __future__ import annotations

import math
import os
import xml.etree.ElementTree as ET

import pytest
from hypothesis import given, settings, strategies as st

from cgtest import invoke, run_cg, strict_json

QUAD = "(x-3)^2 + (y+1)^2"


def descend_json(cg, *args):
    p = cg("descend", *args, "--json")
    assert p.returncode == 0, p.err
    return strict_json(p.out)


def test_converges_to_the_known_minimum(cg):
    d = descend_json(cg, QUAD, "--x", "0", "--y", "0", "--lr", "0.1")
    assert d["schema"] == "cg.descend/1"
    assert d["stopped"] == "tol" and d["converged"] is True and d["message"] is None
    assert abs(d["final"]["x"] - 3) < 1e-7 and abs(d["final"]["y"] + 1) < 1e-7
    assert d["grad_norm"] <= 1e-8
    assert d["params"] == ["x", "y"] and d["start"] == {"x": 0, "y": 0}
    traj = d["trajectory"]
    assert len(traj) == d["steps"] + 1
    assert traj[0]["params"] == {"x": 0, "y": 0} and traj[0]["loss"] == 10
    assert traj[-1]["params"] == d["final"] and traj[-1]["loss"] == d["loss"]
    # plain GD with lr 0.1 on this quadratic shrinks the distance by 0.8 per step
    for k, rec in enumerate(traj):
        assert math.isclose(rec["params"]["x"], 3 - 3 * 0.8 ** k, rel_tol=1e-9, abs_tol=1e-12)
        assert rec["step"] == k
    losses = [r["loss"] for r in traj]
    assert all(b < a for a, b in zip(losses, losses[1:]))


@pytest.mark.parametrize("opt,lr,extra", [
    ("gd", "0.045", []),
    ("momentum", "0.01", ["--momentum", "0.9"]),
    ("adam", "0.1", []),
])
def test_each_optimiser_converges_on_an_ill_conditioned_bowl(cg, opt, lr, extra):
    # minimum at x = 1, y = -2; curvature 2 and 20
    d = descend_json(cg, "(x-1)^2 + 10*(y+2)^2", "--x", "4", "--y", "3", "--lr", lr,
                     "--optimizer", opt, "--steps", "5000", *extra)
    assert d["optimizer"]["name"] == opt
    assert d["stopped"] == "tol", d["message"]
    assert abs(d["final"]["x"] - 1) < 1e-6 and abs(d["final"]["y"] + 2) < 1e-6


def test_update_rules_step_by_step():
    """The first updates of each optimiser, computed independently from the gradients shown."""
    def steps(*extra):
        p = invoke("descend", "x^2 + 3*x", "--x", "2", "--lr", "0.1", "--steps", "3", "--jsonl", *extra)
        assert p.returncode == 0, p.err
        lines = [strict_json(line) for line in p.out.splitlines()]
        return [(r["params"]["x"], r["gradients"]["x"]) for r in lines[:-1]]

    gd = steps()
    for (x0, g0), (x1, _) in zip(gd, gd[1:]):
        assert math.isclose(g0, 2 * x0 + 3, rel_tol=1e-14)
        assert math.isclose(x1, x0 - 0.1 * g0, rel_tol=1e-15)
    mom = steps("--optimizer", "momentum", "--momentum", "0.5")
    v = 0.0
    for (x0, g0), (x1, _) in zip(mom, mom[1:]):
        v = 0.5 * v + g0
        assert math.isclose(x1, x0 - 0.1 * v, rel_tol=1e-15)
    adam = steps("--optimizer", "adam")
    m = s = 0.0
    for t, ((x0, g0), (x1, _)) in enumerate(zip(adam, adam[1:]), 1):
        m = 0.9 * m + 0.1 * g0
        s = 0.999 * s + 0.001 * g0 * g0
        want = x0 - 0.1 * (m / (1 - 0.9 ** t)) / (math.sqrt(s / (1 - 0.999 ** t)) + 1e-8)
        assert math.isclose(x1, want, rel_tol=1e-14)
    assert math.isclose(adam[1][0], 2 - 0.1, rel_tol=1e-6)     # Adam's first step is ~lr


@settings(max_examples=40, deadline=None)
@given(a=st.floats(0.5, 5), b=st.floats(0.5, 5), c=st.floats(-5, 5), d=st.floats(-5, 5),
       opt=st.sampled_from(["gd", "momentum", "adam"]))
def test_random_convex_quadratics_reach_their_minimum(a, b, c, d, opt):
    from cgcli import parse
    from cgcli.train import loop as train
    g = parse(f"{a!r}*(x - {c!r})^2 + {b!r}*(y - {d!r})^2")
    lr = {"gd": 0.5 / max(a, b), "momentum": 0.1 / max(a, b), "adam": 0.05}[opt]
    run = train.descend(g, {"x": 0.0, "y": 0.0}, ["x", "y"], train.optimizer(opt, 2, lr),
                        steps=20000, tol=1e-9)
    assert run.stopped == "tol"
    # |grad| <= tol means |x - c| <= tol / (2a)
    assert abs(run.final["x"] - c) <= 1e-9 / (2 * a) * 1.0001
    assert abs(run.final["y"] - d) <= 1e-9 / (2 * b) * 1.0001


def test_params_subset_keeps_the_others_fixed(cg):
    # d/dx: 2(x - 3) + y = 0  ->  x = 3 - y/2 = 2 at y = 2
    d = descend_json(cg, "(x-3)^2 + x*y", "--x", "0", "--y", "2", "--params", "x")
    assert d["params"] == ["x"] and d["fixed"] == {"y": 2}
    assert abs(d["final"]["x"] - 2) < 1e-7 and "y" not in d["final"]


def test_steps_limit(cg):
    d = descend_json(cg, QUAD, "--x", "0", "--y", "0", "--steps", "5")
    assert d["stopped"] == "steps" and d["converged"] is False and d["steps"] == 5
    assert len(d["trajectory"]) == 6


def test_ftol_stops_when_the_loss_stalls(cg):
    d = descend_json(cg, QUAD, "--x", "0", "--y", "0", "--ftol", "1e-3")
    assert d["stopped"] == "ftol" and d["converged"] is True
    t = d["trajectory"]
    assert abs(t[-1]["loss"] - t[-2]["loss"]) <= 1e-3
    assert all(abs(b["loss"] - a["loss"]) > 1e-3 for a, b in zip(t[:-2], t[1:-1]))


def test_divergence_by_growth_exits_3(cg):
    p = cg("descend", "x^2", "--x", "1", "--lr", "1.5")
    assert p.returncode == 3
    assert "diverged at step" in p.err and "smaller --lr" in p.err
    assert "Traceback" not in p.err
    assert "diverged" in p.out                         # the table of the run so far is shown
    p = cg("descend", "x^2", "--x", "1", "--lr", "1.5", "--json")
    assert p.returncode == 3
    d = strict_json(p.out)
    assert d["stopped"] == "diverged" and "diverged" in d["message"]
    # x doubles (times -2) each step: the loss 4^k passes 1e6 x the lowest (1) at k = 10
    assert d["steps"] == 10 and d["loss"] == 4 ** 10


def test_divergence_factor_is_an_option(cg):
    d = strict_json(cg("descend", "x^2", "--x", "1", "--lr", "1.5", "--diverge", "100", "--json").out)
    assert d["steps"] == 4          # 4^4 = 256 > 100


def test_divergence_to_overflow_exits_3(cg):
    p = cg("descend", "x^4", "--x", "10", "--lr", "1", "--diverge", "1e300")
    assert p.returncode == 3
    assert "diverged at step" in p.err and "overflow" in p.err


def test_infinite_gradient_stops_with_exit_3(cg):
    p = cg("descend", "sqrt(x)", "--x", "0")
    assert p.returncode == 3
    assert "gradient of x is inf" in p.err


def test_domain_error_at_the_start_exits_3(cg):
    p = cg("descend", "log(x)", "--x", "-1")
    assert p.returncode == 3
    assert "log" in p.err and "positive" in p.err


@pytest.mark.parametrize("args,needle", [
    (["x^2", "--x", "1", "--optimizer", "sgdx"], "unknown optimizer"),
    (["x^2", "--x", "1", "--params", "z"], "z is not a variable"),
    (["x^2 + y", "--x", "1"], "missing value for y"),
    (["x^2", "--x", "1", "--json", "--jsonl"], "alternatives"),
    (["x^2", "--x", "1", "--plot", "curve.txt"], ".svg or .png"),
    (["x^2", "--x", "1", "--lr", "0"], "--lr must be a positive number"),
    (["x^2", "--x", "1", "--lr", "-0.1"], "--lr must be a positive number"),
    (["x^2", "--x", "1", "--momentum", "1"], "--momentum"),
    (["3 + 4"], "no variables"),
    (["x^2 +", "--x", "1"], "syntax error"),
    (["x^2", "--x", "1", "--steps", "-1"], "-1"),
])
def test_bad_usage_exits_2(cg, args, needle):
    p = cg("descend", *args)
    assert p.returncode == 2, (p.out, p.err)
    assert needle in p.err
    assert "Traceback" not in p.err


def test_jsonl_streams_one_line_per_step(cg):
    p = cg("descend", QUAD, "--x", "0", "--y", "0", "--steps", "4", "--jsonl")
    assert p.returncode == 0
    lines = [strict_json(line) for line in p.out.splitlines()]
    assert len(lines) == 6
    assert [r["schema"] for r in lines] == ["cg.descend.step/1"] * 5 + ["cg.descend/1"]
    assert [r["step"] for r in lines[:-1]] == [0, 1, 2, 3, 4]
    assert lines[-1]["steps"] == 4 and "trajectory" not in lines[-1]
    assert lines[-2]["params"] == lines[-1]["final"]
    # the gradient shown is the gradient at the parameters shown
    for r in lines[:-1]:
        assert math.isclose(r["gradients"]["x"], 2 * (r["params"]["x"] - 3), rel_tol=1e-14)


def test_table_and_curve(cg):
    p = cg("descend", QUAD, "--x", "0", "--y", "0")
    assert p.returncode == 0
    assert "converged in 91 steps" in p.out
    assert "minimised over x, y by gd, lr 0.1" in p.out
    assert "‖gradient‖" in p.out
    assert not any(0x2800 <= ord(c) <= 0x28FF for c in p.out)    # piped: no curve by default
    p = cg("descend", QUAD, "--x", "0", "--y", "0", "--curve")
    assert any(0x2800 <= ord(c) <= 0x28FF for c in p.out)
    assert "loss (log scale)" in p.out and "91  steps" in p.out


def test_no_color_codes_when_piped():
    p = run_cg("descend", QUAD, "--x", "0", "--y", "0", "--curve")
    assert "\x1b[" not in p.out and "\x1b[" not in p.err


def test_svg_plot(cg, tmp_path):
    f = tmp_path / "loss.svg"
    d = descend_json(cg, QUAD, "--x", "0", "--y", "0", "--steps", "30", "--plot", str(f))
    root = ET.parse(f).getroot()
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    line = root.find("{http://www.w3.org/2000/svg}polyline")
    pts = [tuple(map(float, p.split(","))) for p in line.get("points").split()]
    assert len(pts) == len(d["trajectory"]) == 31
    xs = [x for x, _ in pts]
    ys = [y for _, y in pts]
    assert xs == sorted(xs)
    assert ys == sorted(ys)             # the loss falls: SVG y grows downwards
    texts = "".join(t.text or "" for t in root.iter("{http://www.w3.org/2000/svg}text"))
    assert "(x-3)^2" in texts


def test_png_plot_or_a_clear_message(tmp_path):
    import importlib.util
    f = tmp_path / "loss.png"
    p = run_cg("descend", QUAD, "--x", "0", "--y", "0", "--plot", str(f))
    if importlib.util.find_spec("matplotlib") is None:
        assert p.returncode == 2 and "matplotlib" in p.err and "cgcli[plot]" in p.err
        assert not f.exists()
    else:
        assert p.returncode == 0, p.err
        assert f.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_png_without_matplotlib_is_exit_2(monkeypatch, tmp_path):
    import importlib.util
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name == "matplotlib" else real(name, *a))
    p = invoke("descend", "x^2", "--x", "1", "--plot", str(tmp_path / "a.png"))
    assert p.returncode == 2
    assert "needs matplotlib" in p.err and ".svg" in p.err


def test_progress_bar_and_curve_on_a_terminal(tmp_path):
    """Under a pseudo-terminal: a progress bar (on stderr) while running, the curve at the end."""
    pty = pytest.importorskip("pty")
    import subprocess
    from cgtest import cg_path
    master, slave = pty.openpty()
    env = dict(os.environ, COLUMNS="100", LINES="40", TERM="xterm")
    env.pop("NO_COLOR", None)
    proc = subprocess.Popen([cg_path(), "descend", QUAD, "--x", "0", "--y", "0", "--steps", "20000",
                             "--tol", "0"], stdin=slave, stdout=slave, stderr=slave, env=env)
    os.close(slave)
    chunks = []
    while True:
        try:
            data = os.read(master, 65536)
        except OSError:
            break
        if not data:
            break
        chunks.append(data)
    proc.wait(timeout=120)
    os.close(master)
    out = b"".join(chunks).decode("utf-8", "replace")
    assert proc.returncode == 0
    assert "descend" in out                                  # the progress bar's label
    assert any(0x2800 <= ord(c) <= 0x28FF for c in out)      # the curve
    assert "\x1b[" in out                                    # colour on a terminal


def test_program_from_stdin(cg):
    p = cg("descend", "-", "--x", "0", "--json", input="d = x - 5\nd^2\n")
    assert p.returncode == 0, p.err
    assert abs(strict_json(p.out)["final"]["x"] - 5) < 1e-7
