"""The teaching texts' worked examples, with the correct numbers (the texts have slips)."""
import math

import pytest

from cgtest import close, strict_json

from cgcli import evaluate


def _sigmoid(u):
    return 1 / (1 + math.exp(-u))


@pytest.mark.parametrize("inputs, value, grads", [
    # seed 004: df/dz = q = 5 (the text says 3)
    ({"x": 2, "y": 3, "z": -4}, -20, {"x": -4, "y": -4, "z": 5}),
    # seeds 000/001: p = 4, g = -12, dg/dz = 4, dg/dx = dg/dy = -3
    ({"x": 1, "y": 3, "z": -3}, -12, {"x": -3, "y": -3, "z": 4}),
])
def test_x_plus_y_times_z(cg, inputs, value, grads):
    args = ["eval", "(x+y)*z"] + [a for k, v in inputs.items() for a in (f"--{k}", str(v))] + ["--json"]
    p = cg(*args)
    assert p.returncode == 0, p.err
    d = strict_json(p.out)
    assert d["value"] == value
    assert d["gradients"] == grads
    # the intermediate node q = x + y: value x + y, gradient z
    add = next(n for n in d["nodes"] if n["op"] == "add")
    assert add["value"] == inputs["x"] + inputs["y"]
    assert add["grad"] == inputs["z"]


def test_named_intermediate_q():
    r = evaluate("q = x + y\nf = q * z", x=2, y=3, z=-4)
    q = r.graph.assigned["q"]
    assert (r.values[q], r.grads[q]) == (5, -4)
    assert r.gradients == {"x": -4, "y": -4, "z": 5}


NEURON = dict(w0=2, x0=-1, w1=-3, x1=-2, w2=-3)


def _neuron_truth():
    dot = NEURON["w0"] * NEURON["x0"] + NEURON["w1"] * NEURON["x1"] + NEURON["w2"]   # = 1
    s = _sigmoid(dot)
    local = s * (1 - s)                                                          # ~0.1966
    grads = {"w0": NEURON["x0"] * local, "x0": NEURON["w0"] * local,
             "w1": NEURON["x1"] * local, "x1": NEURON["w1"] * local, "w2": local}
    return s, grads


@pytest.mark.parametrize("text", [
    "1/(1+exp(-(w0*x0+w1*x1+w2)))",        # gate by gate, as seeds 002/003 draw it
    "sigmoid(w0*x0+w1*x1+w2)",             # the same neuron as one sigmoid block
])
def test_sigmoid_neuron(cg, text):
    args = ["eval", text] + [a for k, v in NEURON.items() for a in (f"--{k}", str(v))] + ["--json"]
    p = cg(*args)
    assert p.returncode == 0, p.err
    d = strict_json(p.out)
    value, grads = _neuron_truth()
    assert close(d["value"], value) and round(d["value"], 4) == 0.7311
    assert set(d["gradients"]) == set(grads)
    for k, g in grads.items():
        assert close(d["gradients"][k], g), k
    # the seed's slip: dx1 = w1 * 0.2 = -0.59 and dw1 = x1 * 0.2 = -0.39 (not swapped)
    assert round(d["gradients"]["x1"], 2) == -0.59 and round(d["gradients"]["w1"], 2) == -0.39
    assert round(d["gradients"]["x0"], 2) == 0.39 and round(d["gradients"]["w0"], 2) == -0.20
    assert round(d["gradients"]["w2"], 2) == 0.20


def test_neuron_gate_values_match_the_seed():
    """Seed 002's gate-by-gate intermediate values: -1.00 (after *-1), 0.37, 1.37, 0.73, and the
    gradients flowing back -0.53 (into 1/x), -0.20 (into exp's input), 0.20 (into the sum)."""
    r = evaluate("d = w0*x0+w1*x1+w2; m = -d; ex = exp(m); den = 1 + ex; f = 1/den", **NEURON)
    a = r.graph.assigned
    assert [round(r.values[a[k]], 2) for k in ("m", "ex", "den", "f")] == [-1.0, 0.37, 1.37, 0.73]
    assert round(r.grads[a["den"]], 2) == -0.53
    assert round(r.grads[a["m"]], 2) == -0.20
    assert round(r.grads[a["d"]], 2) == 0.20


def test_fan_out_sums_gradients():
    # x feeds two consumers: df/dx = sum of what flows back = y + 1 (multivariate chain rule)
    r = evaluate("a = x * y; b = x + 1; f = a + b", x=2, y=3)
    assert r.gradients == {"x": 4, "y": 2}
    assert evaluate("x*x", x=3).gradients == {"x": 6}
    assert evaluate("q = x + y; f = q * q", x=1, y=2).gradients == {"x": 6, "y": 6}


def test_gate_patterns():
    # add distributes, multiply swaps, max routes (to the larger input)
    assert evaluate("x + y", x=2, y=5).gradients == {"x": 1, "y": 1}
    assert evaluate("x * y", x=2, y=5).gradients == {"x": 5, "y": 2}
    assert evaluate("max(x, y)", x=2, y=5).gradients == {"x": 0, "y": 1}
    assert evaluate("3 * max(x, y)", x=7, y=5).gradients == {"x": 3, "y": 0}
