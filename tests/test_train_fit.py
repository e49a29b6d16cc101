"""cg fit: the shipped data set, losses (mse, bce, user expressions), mini-batches and engines,
bad data files, divergence; through the installed cg and in-process."""
from __future__ import annotations

import csv
import math
import subprocess
import sys
from pathlib import Path

import pytest

from cgtest import invoke, strict_json

ROOT = Path(__file__).resolve().parents[1]
BLOBS = str(ROOT / "examples" / "blobs.csv")
NEURON = "sigmoid(w0*x0 + w1*x1 + b)"


def fit_json(cg, *args, input=None):
    p = cg("fit", *args, "--json", input=input) if input is not None else cg("fit", *args, "--json")
    assert p.returncode == 0, p.err
    return strict_json(p.out)


def read_blobs():
    with open(BLOBS, newline="") as f:
        return [(float(r["x0"]), float(r["x1"]), float(r["y"])) for r in csv.DictReader(f)]


def mean_bce(rows, w0, w1, b):
    """Binary cross-entropy of the neuron, computed independently (log-sum-exp form)."""
    total = 0.0
    for x0, x1, y in rows:
        z = w0 * x0 + w1 * x1 + b
        total += max(z, 0.0) - z * y + math.log1p(math.exp(-abs(z)))
    return total / len(rows)


def test_the_readme_example_on_the_shipped_blobs(cg):
    d = fit_json(cg, NEURON, "--data", BLOBS, "--target", "y", "--params", "w0,w1,b",
                 "--loss", "bce", "--lr", "0.5", "--epochs", "200")
    assert d["schema"] == "cg.fit/1"
    assert d["data"] == {"file": BLOBS, "rows": 200, "columns": ["x0", "x1"], "target": "y"}
    assert d["stopped"] == "epochs" and d["epochs"] == 200 and d["updates"] == 200 * 200
    assert len(d["history"]) == 200
    assert d["accuracy"] >= 0.95
    # the reported loss and accuracy, recomputed from the final parameters and the file
    rows = read_blobs()
    w = d["final"]
    assert math.isclose(d["loss"], mean_bce(rows, w["w0"], w["w1"], w["b"]), rel_tol=1e-9)
    z = [w["w0"] * x0 + w["w1"] * x1 + w["b"] for x0, x1, _ in rows]
    right = sum((zi >= 0) == (y == 1) for zi, (_, _, y) in zip(z, rows))
    assert d["accuracy"] == right / len(rows)
    assert d["history"][-1]["loss"] < d["history"][0]["loss"]


def test_the_shipped_data_is_what_the_script_makes():
    p = subprocess.run([sys.executable, str(ROOT / "examples" / "make_blobs.py"), "--out", "-"],
                       capture_output=True, text=True, check=True)
    assert p.stdout == Path(BLOBS).read_text()


def test_zero_weights_give_log_2(cg):
    # sigmoid(0) = 1/2 for every point: the mean BCE is ln 2, the accuracy counts pred >= 0.5
    d = fit_json(cg, NEURON, "--data", BLOBS, "--loss", "bce", "--epochs", "0")
    assert d["params"] == ["w0", "w1", "b"]            # inferred: the variables that are not columns
    assert math.isclose(d["loss"], math.log(2), rel_tol=1e-13)
    assert d["accuracy"] == 0.5
    rows = read_blobs()
    # gradient of the mean BCE at zero weights: mean((1/2 - y) * x)
    for name, k in (("w0", 0), ("w1", 1)):
        want = sum((0.5 - r[2]) * r[k] for r in rows) / len(rows)
        assert math.isclose(d["gradients"][name], want, rel_tol=1e-12, abs_tol=1e-15)


def line_data(tmp_path, n=40):
    """y = 2x + 1 + a fixed wiggle; its least-squares line computed in closed form."""
    xs = [i / 10 - 2 for i in range(n)]
    ys = [2 * x + 1 + 0.3 * math.sin(7 * x) for x in xs]
    f = tmp_path / "line.csv"
    f.write_text("x,y\n" + "".join(f"{x!r},{y!r}\n" for x, y in zip(xs, ys)))
    mx, my = sum(xs) / n, sum(ys) / n
    a = sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / sum((x - mx) ** 2 for x in xs)
    return str(f), a, my - a * mx, xs, ys


@pytest.mark.parametrize("opt,lr", [("gd", "0.1"), ("momentum", "0.02"), ("adam", "0.05")])
def test_least_squares_full_batch_reaches_the_closed_form(cg, tmp_path, opt, lr):
    f, a, b, _, _ = line_data(tmp_path)
    d = fit_json(cg, "a*x + b", "--data", f, "--loss", "mse", "--batch", "0", "--epochs", "3000",
                 "--lr", lr, "--optimizer", opt)
    assert d["accuracy"] is None
    assert abs(d["final"]["a"] - a) < 1e-6 and abs(d["final"]["b"] - b) < 1e-6
    assert d["updates"] == 3000


def test_user_loss_expression(cg, tmp_path):
    f, _, _, xs, ys = line_data(tmp_path)
    d = fit_json(cg, "a*x + b", "--data", f, "--loss", "(pred - target)^2 / 2", "--epochs", "0",
                 "--a", "1", "--b", "0.5")
    assert d["loss_function"] == {"name": "custom", "expression": "(pred - target)^2 / 2"}
    want = sum((x + 0.5 - y) ** 2 / 2 for x, y in zip(xs, ys)) / len(xs)
    assert math.isclose(d["loss"], want, rel_tol=1e-12)
    assert d["start"] == {"a": 1, "b": 0.5}
    want_ga = sum((x + 0.5 - y) * x for x, y in zip(xs, ys)) / len(xs)
    assert math.isclose(d["gradients"]["a"], want_ga, rel_tol=1e-12)


def test_mini_batch_engines_agree(tmp_path):
    common = [NEURON, "--data", BLOBS, "--loss", "bce", "--lr", "0.5", "--epochs", "20",
              "--batch", "10", "--json"]
    a = strict_json(invoke("fit", *common, "--engine", "python").out)
    c = strict_json(invoke("fit", *common, "--engine", "columns").out)
    assert a["settings"]["engine"] == "python" and c["settings"]["engine"] == "columns"
    # the pure-Python column-wise passes do the same operations in the same order
    assert a["final"] == c["final"] and a["history"] == c["history"] and a["loss"] == c["loss"]
    assert a["accuracy"] == c["accuracy"] and a["gradients"] == c["gradients"]
    auto = strict_json(invoke("fit", *common).out)
    assert auto["settings"]["engine"] == "columns" and auto["final"] == a["final"]
    one = strict_json(invoke("fit", NEURON, "--data", BLOBS, "--epochs", "1", "--json").out)
    assert one["settings"]["engine"] == "python"


def test_numpy_engine_agrees_with_the_scalar_passes(tmp_path):
    pytest.importorskip("numpy")
    common = [NEURON, "--data", BLOBS, "--loss", "bce", "--lr", "0.5", "--epochs", "20",
              "--batch", "40", "--json"]
    a = strict_json(invoke("fit", *common, "--engine", "python").out)
    b = strict_json(invoke("fit", *common, "--engine", "numpy").out)
    assert b["settings"]["engine"] == "numpy"
    for k in ("w0", "w1", "b"):
        assert math.isclose(a["final"][k], b["final"][k], rel_tol=1e-9)
    for ha, hb in zip(a["history"], b["history"]):
        assert math.isclose(ha["loss"], hb["loss"], rel_tol=1e-9)
    assert a["accuracy"] == b["accuracy"]
    auto = strict_json(invoke("fit", *common).out)
    assert auto["settings"]["engine"] == "numpy"


def test_columns_engine_falls_back_to_name_the_row(cg, tmp_path):
    f = write(tmp_path, "d.csv", "x,y\n" + "".join(f"{v},1\n" for v in (1, 2, 3, 4, 5, -6, 7, 8)))
    p = cg("fit", "a*log(x)", "--data", f, "--batch", "8", "--engine", "columns", "--no-shuffle")
    assert p.returncode == 3
    assert "argument is -6" in p.err and "line 7" in p.err


def test_shuffling_is_seeded(tmp_path):
    base = [NEURON, "--data", BLOBS, "--loss", "bce", "--epochs", "2", "--json"]
    a = strict_json(invoke("fit", *base).out)
    b = strict_json(invoke("fit", *base, "--seed", "0").out)
    c = strict_json(invoke("fit", *base, "--seed", "1").out)
    d = strict_json(invoke("fit", *base, "--no-shuffle").out)
    assert a["final"] == b["final"]
    assert a["final"] != c["final"] and a["final"] != d["final"]
    r1 = strict_json(invoke("fit", *base, "--init", "random", "--seed", "3").out)
    r2 = strict_json(invoke("fit", *base, "--init", "random", "--seed", "3").out)
    assert r1["start"] == r2["start"] and len(set(r1["start"].values())) == 3
    assert all(-0.5 <= v < 0.5 for v in r1["start"].values())


def test_fixed_variable_and_start_values(cg):
    d = fit_json(cg, NEURON, "--data", BLOBS, "--params", "w0,w1", "--b", "0.25", "--w0", "1",
                 "--loss", "bce", "--epochs", "1")
    assert d["params"] == ["w0", "w1"] and d["fixed"] == {"b": 0.25}
    assert d["start"] == {"w0": 1, "w1": 0}


def test_jsonl_data_and_jsonl_output(cg, tmp_path):
    rows = read_blobs()
    f = tmp_path / "blobs.jsonl"
    f.write_text("".join(f'{{"x0": {a!r}, "x1": {b!r}, "y": {int(y)}, "note": "p{i}"}}\n'
                         for i, (a, b, y) in enumerate(rows)))
    args = [NEURON, "--loss", "bce", "--lr", "0.5", "--epochs", "3", "--no-shuffle"]
    from_csv = fit_json(cg, *args, "--data", BLOBS)
    p = cg("fit", *args, "--data", str(f), "--jsonl")
    assert p.returncode == 0, p.err
    lines = [strict_json(x) for x in p.out.splitlines()]
    assert [x["schema"] for x in lines] == ["cg.fit.epoch/1"] * 3 + ["cg.fit/1"]
    assert [x["epoch"] for x in lines[:-1]] == [1, 2, 3]
    assert lines[-1]["final"] == from_csv["final"] and lines[-1]["loss"] == from_csv["loss"]
    assert lines[-2]["params"] == from_csv["final"]


def test_data_from_stdin(cg):
    data = "x,y\n1,3\n2,5\n3,7\n"
    d = fit_json(cg, "a*x + b", "--data", "-", "--batch", "0", "--epochs", "4000", "--lr", "0.1",
                 input=data)
    assert abs(d["final"]["a"] - 2) < 1e-6 and abs(d["final"]["b"] - 1) < 1e-6


def test_one_graph_for_model_and_loss():
    """The loss is spliced onto the model's output: one graph, the ordinary passes, and the
    gradient of the BCE of a sigmoid neuron is (pred - y) * x, as the textbooks have it."""
    from cgcli import run
    from cgcli import parse
    from cgcli.train import loop as train
    g, pred, spec = train.loss_graph(parse(NEURON), "bce", "y")
    assert spec.classification
    r = run(g, {"w0": 0.7, "x0": -1.2, "w1": -0.4, "x1": 2.0, "b": 0.1, "y": 1.0})
    z = 0.7 * -1.2 - 0.4 * 2.0 + 0.1
    p = 1 / (1 + math.exp(-z))
    assert math.isclose(r.values[pred], p, rel_tol=1e-15)
    assert math.isclose(r.value, -math.log(p), rel_tol=1e-14)
    assert math.isclose(r.gradients["w0"], (p - 1) * -1.2, rel_tol=1e-13)
    assert math.isclose(r.gradients["w1"], (p - 1) * 2.0, rel_tol=1e-13)
    assert math.isclose(r.gradients["b"], p - 1, rel_tol=1e-13)
    assert math.isclose(r.gradients["y"], -z, rel_tol=1e-13)     # d/dy of the BCE = -z
    # far from the boundary sigmoid rounds to 1, yet the loss stays finite (the logits form)
    r = run(g, {"w0": 60.0, "x0": 1.0, "w1": 0.0, "x1": 0.0, "b": 0.0, "y": 0.0})
    assert math.isclose(r.value, 60.0, rel_tol=1e-12)
    assert math.isclose(r.gradients["w0"], 1.0, rel_tol=1e-12)


def test_mse_graph_and_a_model_program():
    from cgcli import run
    from cgcli import parse
    from cgcli.train import loop as train
    g, pred, _ = train.loss_graph(parse("h = tanh(a*x)\nc*h"), "mse", "t")
    r = run(g, {"a": 0.5, "x": 2.0, "c": 3.0, "t": 1.0})
    h = math.tanh(1.0)
    assert math.isclose(r.value, (3 * h - 1) ** 2, rel_tol=1e-15)
    assert math.isclose(r.gradients["c"], 2 * (3 * h - 1) * h, rel_tol=1e-14)
    assert math.isclose(r.gradients["a"], 2 * (3 * h - 1) * 3 * (1 - h * h) * 2.0, rel_tol=1e-14)


def write(tmp_path, name, text):
    f = tmp_path / name
    f.write_text(text)
    return str(f)


@pytest.mark.parametrize("name,text,needles", [
    ("empty.csv", "", ["empty.csv is empty"]),
    ("blank.csv", "\n  \n", ["is empty"]),
    ("header.csv", "x0,x1,y\n", ["has no data rows"]),
    ("missing.csv", "x0,y\n1,0\n2,1\n", ["line 1", "no column x1"]),
    ("text.csv", "x0,x1,y\n1,2,0\n3,abc,1\n", ["line 3", "column x1", "'abc' is not a number"]),
    ("emptycell.csv", "x0,x1,y\n1,2,0\n3,,1\n", ["line 3", "column x1", "empty"]),
    ("nan.csv", "x0,x1,y\n1,2,0\nnan,1,1\n", ["line 3", "column x0", "not a finite number"]),
    ("short.csv", "x0,x1,y\n1,2,0\n\n3,1\n", ["line 4", "2 fields", "header has 3"]),
    ("dup.csv", "x0,x0,y\n1,2,0\n", ["line 1", "x0 appears twice"]),
    ("target.csv", "x0,x1,z\n1,2,0\n", ["line 1", "no column y"]),
    ("notbce.csv", "x0,x1,y\n1,2,0\n1,2,3\n", ["line 3", "column y", "between 0 and 1"]),
    ("bad.jsonl", '{"x0": 1, "x1": 2, "y": 0}\n{"x0": 1, "x1": 2, "y": 0\n', ["line 2", "not valid JSON"]),
    ("key.jsonl", '{"x0": 1, "x1": 2, "y": 0}\n\n{"x0": 1, "y": 1}\n', ["line 3", "no value for x1"]),
    ("str.jsonl", '{"x0": 1, "x1": "2", "y": 0}\n', ["line 1", "column x1", '"2" is not a number']),
    ("nan.jsonl", '{"x0": NaN, "x1": 2, "y": 0}\n', ["line 1", "NaN"]),
    ("list.jsonl", '{"x0": 1, "x1": 2, "y": 0}\n[1, 2]\n', ["line 2", "expected a JSON object"]),
])
def test_bad_data_files_exit_2_naming_the_line(cg, tmp_path, name, text, needles):
    f = write(tmp_path, name, text)
    p = cg("fit", NEURON, "--data", f, "--params", "w0,w1,b", "--loss", "bce", "--epochs", "1")
    assert p.returncode == 2, (p.out, p.err)
    for needle in needles:
        assert needle in p.err, p.err
    assert "Traceback" not in p.err
    assert p.err.startswith("cg: " + f) or "is empty" in p.err


@pytest.mark.parametrize("args,needle", [
    (["--data", "/nonexistent/points.csv"], "no such file"),
    (["--data", BLOBS, "--loss", "w*pred"], "only pred and target"),
    (["--data", BLOBS, "--loss", "target^2"], "does not use pred"),
    (["--data", BLOBS, "--loss", "(pred -"], "syntax error"),
    (["--data", BLOBS, "--params", "w0,w1"], "x... no"),
    (["--data", BLOBS, "--x0", "1"], "x0 is a column"),
    (["--data", BLOBS, "--target", "x0"], "the model uses it as an input"),
    (["--data", BLOBS, "--engine", "gpu"], "unknown engine"),
    (["--data", BLOBS, "--init", "abc"], "--init"),
    (["--data", BLOBS, "--lr", "0"], "--lr"),
    (["--data", BLOBS, "--optimizer", "rmsprop"], "unknown optimizer"),
])
def test_bad_usage_exits_2(cg, args, needle):
    if needle == "x... no":          # a model variable that is neither a column nor a parameter
        p = cg("fit", NEURON.replace("x1", "x2"), *args)
        assert p.returncode == 2 and "line 1: the header has no column x2" in p.err, p.err
        assert "x2 is not a parameter" in p.err
        return
    p = cg("fit", NEURON, *args)
    assert p.returncode == 2, (p.out, p.err)
    assert needle in p.err, p.err


def test_missing_data_option_exits_2(cg):
    p = cg("fit", NEURON)
    assert p.returncode == 2 and "--data" in p.err


def test_nothing_to_train(cg, tmp_path):
    f = write(tmp_path, "d.csv", "x,y\n1,2\n")
    p = cg("fit", "2*x", "--data", f)
    assert p.returncode == 2 and "nothing to train" in p.err


def test_divergence_exits_3(cg, tmp_path):
    f, *_ = line_data(tmp_path)
    p = cg("fit", "a*x + b", "--data", f, "--lr", "5", "--epochs", "50", "--batch", "0")
    assert p.returncode == 3, p.err
    assert "diverged in epoch" in p.err and "smaller --lr" in p.err
    p = cg("fit", "a*x + b", "--data", f, "--lr", "5", "--epochs", "50", "--batch", "0", "--json")
    assert p.returncode == 3
    d = strict_json(p.out)
    assert d["stopped"] == "diverged" and d["epochs"] < 50


def test_domain_error_in_the_data_exits_3_naming_the_line(cg, tmp_path):
    f = write(tmp_path, "d.csv", "x,y\n1,1\n2,1\n-3,1\n")
    p = cg("fit", "a*log(x)", "--data", f, "--no-shuffle")
    assert p.returncode == 3
    assert "log" in p.err and "line 4" in p.err


def test_table_and_curve(cg):
    p = cg("fit", NEURON, "--data", BLOBS, "--loss", "bce", "--lr", "0.5", "--epochs", "20", "--curve")
    assert p.returncode == 0, p.err
    assert "accuracy" in p.out and "(200 rows, target y)" in p.out
    assert "20 epochs × 200 batches of 1 = 4000 updates" in p.out
    assert any(0x2800 <= ord(c) <= 0x28FF for c in p.out) and "20  epochs" in p.out


def test_svg_plot_of_the_epochs(cg, tmp_path):
    import xml.etree.ElementTree as ET
    f = tmp_path / "fit.svg"
    d = fit_json(cg, NEURON, "--data", BLOBS, "--loss", "bce", "--epochs", "12", "--plot", str(f))
    line = ET.parse(f).getroot().find("{http://www.w3.org/2000/svg}polyline")
    assert len(line.get("points").split()) == len(d["history"]) == 12


def test_without_numpy(monkeypatch):
    """NumPy is optional: --engine numpy says how to get it; auto falls back to pure Python."""
    import cgcli.batch.arrays
    monkeypatch.setattr(cgcli.batch.arrays, "numpy", lambda: None)
    p = invoke("fit", NEURON, "--data", BLOBS, "--batch", "50", "--engine", "numpy", "--epochs", "1")
    assert p.returncode == 2 and "needs NumPy" in p.err and "cgcli[fast]" in p.err
    p = invoke("fit", NEURON, "--data", BLOBS, "--batch", "50", "--epochs", "1", "--json")
    assert p.returncode == 0 and strict_json(p.out)["settings"]["engine"] == "columns"
