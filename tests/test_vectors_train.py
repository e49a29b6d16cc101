"""cg fit and cg descend with vector and matrix parameters (issue 11): the two-layer network."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from cgtest import run_cg, strict_json

ROOT = Path(__file__).resolve().parent.parent
NET = "h = tanh(W1 @ x + b1); out = sigmoid(dot(w2, h) + b2)"
SHAPES = ["--input", "x=x0,x1", "--shape", "W1=8x2", "--shape", "b1=8", "--shape", "w2=8"]


def test_the_shipped_moons_are_what_the_script_makes():
    made = subprocess.run([sys.executable, str(ROOT / "examples" / "make_moons.py"), "--out", "-"],
                          capture_output=True, text=True, check=True).stdout
    assert (ROOT / "examples" / "moons.csv").read_text() == made
    rows = [line.split(",") for line in made.splitlines()[1:]]
    assert len(rows) == 200 and {r[2] for r in rows} == {"0", "1"}


def test_no_line_separates_the_moons():
    # a single sigmoid neuron on the same data stays well below the network's accuracy
    p = run_cg("fit", "sigmoid(w0*x0 + w1*x1 + b)", "--data", str(ROOT / "examples" / "moons.csv"),
               "--loss", "bce", "--optimizer", "adam", "--lr", "0.05", "--epochs", "300", "--batch", "0", "--json")
    assert p.returncode == 0, p.err
    assert strict_json(p.out)["accuracy"] < 0.92


def test_two_layer_network_trains_to_97_percent(tmp_path):
    plot = tmp_path / "loss.svg"
    p = run_cg("fit", NET, "--data", str(ROOT / "examples" / "moons.csv"), *SHAPES, "--init", "random",
               "--seed", "0", "--loss", "bce", "--optimizer", "adam", "--lr", "0.05", "--epochs", "300",
               "--batch", "0", "--json", "--plot", str(plot))
    assert p.returncode == 0, p.err
    doc = strict_json(p.out)
    assert doc["accuracy"] >= 0.97
    assert len(doc["params"]) == 8 * 2 + 8 + 8 + 1
    assert "W1[7][1]" in doc["final"] and "b2" in doc["final"]
    assert doc["history"][-1]["loss"] < doc["history"][0]["loss"]
    assert plot.read_text().lstrip().startswith("<")


def test_the_network_with_the_python_engine_and_the_table():
    p = run_cg("fit", NET, "--data", str(ROOT / "examples" / "moons.csv"), *SHAPES, "--init", "random",
               "--loss", "bce", "--optimizer", "adam", "--lr", "0.05", "--epochs", "120", "--batch", "0",
               "--engine", "python", "--no-curve")
    assert p.returncode == 0, p.err
    assert "W1[0][0]" in p.out and "accuracy" in p.out


def test_descend_with_a_matrix_parameter():
    p = run_cg("descend", "sum((W @ x - y) ^ 2)", "--shape", "W=2x2", "--x", "1,2", "--y", "3,-1",
               "--params", "W", "--init", "random", "--lr", "0.05", "--steps", "500", "--json")
    assert p.returncode == 0, p.err
    doc = strict_json(p.out)
    W = doc["final"]
    assert abs(W["W[0][0]"] * 1 + W["W[0][1]"] * 2 - 3) < 1e-6
    assert abs(W["W[1][0]"] * 1 + W["W[1][1]"] * 2 + 1) < 1e-6
    assert doc["params"] == ["W[0][0]", "W[0][1]", "W[1][0]", "W[1][1]"]


def test_given_start_values_for_a_matrix():
    p = run_cg("descend", "sum((W @ x - y) ^ 2)", "--W", "[[0,0],[0,0]]", "--x", "1,2", "--y", "3,-1",
               "--params", "W", "--steps", "0", "--json")
    assert p.returncode == 0, p.err
    assert strict_json(p.out)["start"] == {"W[0][0]": 0, "W[0][1]": 0, "W[1][0]": 0, "W[1][1]": 0}


def test_bad_shapes_and_inputs():
    moons = str(ROOT / "examples" / "moons.csv")
    for args, needle in [
        (["--shape", "W1=8by2"], "--shape takes NAME=N"),
        (["--shape", "W1=0x2"], "--shape takes NAME=N"),
        (["--input", "x="], "--input takes NAME=COLUMN"),
        (["--input", "x=x0,nosuch", "--shape", "W1=8x2", "--shape", "b1=8", "--shape", "w2=8"], "nosuch"),
        (["--input", "x=x0,x1,x1", "--shape", "W1=8x2", "--shape", "b1=8", "--shape", "w2=8"], "shapes do not match"),
    ]:
        p = run_cg("fit", NET, "--data", moons, "--loss", "bce", *args)
        assert p.returncode == 2, (args, p.err)
        assert needle in p.err, (args, p.err)
        assert "Traceback" not in p.err
