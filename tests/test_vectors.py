"""Vectors, matrices, unrolled loops and backprop through time (issue 11)."""
from __future__ import annotations

import math
import random

import pytest
from hypothesis import given, settings, strategies as st

from cgcli.core.errors import CgSyntaxError
from cgcli import parse
from cgcli.core.passes import forward, run
from cgtest import strict_json


def grads(program, inputs=None, shapes=None):
    r = run(parse(program, shapes=shapes), inputs or {})
    return r


def central(program, inputs, shapes=None, h=1e-6):
    """d(output)/d(input) by central differences, from cg's forward pass alone."""
    g = parse(program, shapes=shapes)
    base = {**g.defaults, **inputs}
    out = {}
    for name in g.variables:
        up, down = dict(base), dict(base)
        up[name] += h
        down[name] -= h
        out[name] = (forward(g, up)[g.output] - forward(g, down)[g.output]) / (2 * h)
    return out


def vec(name, values):
    return {f"{name}[{i}]": v for i, v in enumerate(values)}


def mat(name, rows):
    return {f"{name}[{i}][{j}]": v for i, r in enumerate(rows) for j, v in enumerate(r)}


# --- values, against plain Python --------------------------------------------------------

def test_literals_indexing_and_reductions():
    r = grads("x = [1, -2, 3]; f = sum(x * x) + x[1] + x[-1] + mean(x) + len(x)")
    assert r.value == 14 - 2 + 3 + 2 / 3 + 3
    want = {"x[0]": 2 + 1 / 3, "x[1]": -4 + 1 + 1 / 3, "x[2]": 6 + 1 + 1 / 3}
    assert list(r.gradients) == list(want)
    for k, v in want.items():
        assert r.gradients[k] == pytest.approx(v, rel=1e-15)


def test_matrix_times_vector_and_dot():
    W = [[1.0, 2.0, -1.0], [0.5, -3.0, 2.0]]
    x = [0.3, -0.7, 1.1]
    r = grads("y = W @ x; f = dot(y, y)", {**mat("W", W), **vec("x", x)}, {"W": (2, 3), "x": (3,)})
    y = [sum(W[i][j] * x[j] for j in range(3)) for i in range(2)]
    assert r.value == pytest.approx(y[0] ** 2 + y[1] ** 2, rel=1e-15)
    for i in range(2):
        for j in range(3):
            assert r.gradients[f"W[{i}][{j}]"] == pytest.approx(2 * y[i] * x[j], rel=1e-14)
    for j in range(3):
        assert r.gradients[f"x[{j}]"] == pytest.approx(sum(2 * y[i] * W[i][j] for i in range(2)), rel=1e-14)


def test_matrix_times_matrix_and_broadcasting():
    r = grads("A = [[1, 2], [3, 4]]; B = [[5, 6], [7, 8]]; C = A @ B * 2 - 1; f = C[1][0] + sum(C)")
    # A@B = [[19, 22], [43, 50]]
    assert r.value == (43 * 2 - 1) + (19 + 22 + 43 + 50) * 2 - 4
    assert r.gradients["A[1][0]"] == 2 * 5 + 2 * (5 + 6)


def test_every_unary_function_maps_over_a_vector():
    from cgcli.core.ops import METHODS
    for name in sorted(METHODS):
        program = f"x = [0.3, 0.6]; f = sum({name}(x)) + sum(x.{name}())"
        r = grads(program)
        g = parse(f"x0 = 0.3; x1 = 0.6; f = ({name}(x0) + {name}(x1)) + (x0.{name}() + x1.{name}())")
        r2 = run(g, {})
        assert r.value == r2.value, name
        assert list(r.gradients.values()) == list(r2.gradients.values()), name


def test_vectors_as_values_of_scalar_ops_and_max():
    r = grads("x = [1, 5]; y = [4, 2]; f = sum(max(x, y)) + sum(2 ^ x)")
    assert r.value == 4 + 5 + 2 + 32
    assert r.gradients["y[0]"] == 1 and r.gradients["x[1]"] == 1 + 32 * math.log(2)


# --- central differences (hypothesis) -----------------------------------------------------

_PROGRAMS = [
    ("f = sum(tanh(W @ x + b))", {"W": (3, 2), "x": (2,), "b": (3,)}),
    ("h = sigmoid(W @ x); f = dot(h, v) / len(h)", {"W": (2, 3), "x": (3,), "v": (2,)}),
    ("y = W @ (x * x) - x[0]; f = mean(y * y)", {"W": (2, 2), "x": (2,)}),
    ("M = W @ W; f = sum(M * M) + M[0][1]", {"W": (2, 2)}),
    ("f = sum(exp(x) / (1 + x * x)) + dot(x, x[0] - x)", {"x": (4,)}),
]


@settings(max_examples=60)
@given(st.integers(0, len(_PROGRAMS) - 1), st.integers(0, 2 ** 32 - 1))
def test_gradients_match_central_differences(k, seed):
    program, shapes = _PROGRAMS[k]
    rnd = random.Random(seed)
    inputs = {}
    for name, s in shapes.items():
        if len(s) == 1:
            inputs.update(vec(name, [rnd.uniform(-1.5, 1.5) for _ in range(s[0])]))
        else:
            inputs.update(mat(name, [[rnd.uniform(-1.5, 1.5) for _ in range(s[1])] for _ in range(s[0])]))
    r = grads(program, inputs, shapes)
    approx = central(program, inputs, shapes)
    assert set(r.gradients) == set(approx)
    for name, g in r.gradients.items():
        assert g == pytest.approx(approx[name], rel=1e-6, abs=1e-6), name


# --- loops: the same program written out by hand ------------------------------------------

def same_graph(a, b):
    assert list(a.ops) == list(b.ops)
    assert list(a.in0) == list(b.in0) and list(a.in1) == list(b.in1)
    assert list(a.const) == list(b.const)
    assert a.variables == b.variables
    assert a.assigned == b.assigned


_BODIES = [
    "h = tanh(w * h + u * x[t])",
    "h = h * w + x[t] * t; s = s + h",
    "s += x[t] ^ 2; h = sigmoid(h - s)",
]


@settings(max_examples=60)
@given(st.integers(0, len(_BODIES) - 1), st.integers(0, 7), st.integers(0, 2), st.integers(0, 2 ** 32 - 1))
def test_a_loop_equals_the_program_written_out(k, T, form, seed):
    body = _BODIES[k]
    head = "w = 0.7; u = -0.4; h = 0.1; s = 0\n"
    if form == 0:
        loop = f"for t in range({T}): {body}\n"
    elif form == 1:
        loop = f"for t in range({T}):\n" + "".join(f"    {p.strip()}\n" for p in body.split(";"))
    else:
        loop = f"for t in range({T}) {{\n  {body}\n}}\n"
    tail = "f = h + s"
    written = "".join(f"{body.replace('[t]', f'[{t}]').replace('* t', f'* {t}')}\n" for t in range(T))
    rnd = random.Random(seed)
    xs = vec("x", [rnd.uniform(-1, 1) for _ in range(max(T, 1))])
    shapes = {"x": (max(T, 1),)}
    a = parse(head + loop + tail, shapes=shapes)
    b = parse(head + written + tail, shapes=shapes)
    same_graph(a, b)
    xs = {k: v for k, v in xs.items() if k in a.variables}
    ra, rb = run(a, xs), run(b, xs)
    from array import array
    assert array("d", ra.values).tobytes() == array("d", rb.values).tobytes()   # bit for bit (nan partials included)
    assert array("d", ra.grads).tobytes() == array("d", rb.grads).tobytes()


def test_nested_loops_and_len_bound():
    a = parse("s = 0\nfor i in range(len(x)):\n    for j in range(i, 3):\n        s = s + x[i] * x[j]\nf = s",
              shapes={"x": (3,)})
    b = parse("s = 0\n" + "".join(f"s = s + x[{i}] * x[{j}]\n" for i in range(3) for j in range(i, 3)) + "f = s",
              shapes={"x": (3,)})
    same_graph(a, b)


# --- backprop through time: a shared weight's gradient is the sum over the steps ------------

def test_bptt_shared_weights_sum_over_steps():
    xs = [0.5, -1.0, 0.25, 2.0, -0.3]
    w, u = 0.8, -0.6
    r = grads("h = 0; for t in range(5): h = tanh(w * h + u * x[t])",
              {"w": w, "u": u, **vec("x", xs)}, {"x": (5,)})
    # by hand: forward, then backward through time
    hs = [0.0]
    for x in xs:
        hs.append(math.tanh(w * hs[-1] + u * x))
    dw = du = 0.0
    dh = 1.0
    for t in range(5, 0, -1):
        dz = dh * (1 - hs[t] ** 2)
        dw += dz * hs[t - 1]        # step t's contribution
        du += dz * xs[t - 1]
        dh = dz * w
    assert r.value == pytest.approx(hs[-1], rel=1e-15)
    assert r.gradients["w"] == pytest.approx(dw, rel=1e-13)
    assert r.gradients["u"] == pytest.approx(du, rel=1e-13)
    assert r.gradients["h"] == pytest.approx(dh, rel=1e-13)      # the start value h = 0 is an input
    assert list(r.graph.assigned)[:6] == ["h#1", "h#2", "h#3", "h#4", "h#5", "h"]


def test_vector_versions_are_named_per_binding():
    g = parse("h = [0, 0]\nfor t in range(2):\n    h = tanh(W @ h + x[t])\nf = sum(h)",
              shapes={"W": (2, 2), "x": (2,)})
    # the start vector's inputs are h#1[0], h#1[1] (inputs named h[0], h[1], as a rebound x is x#1)
    assert [k for k in g.assigned] == ["h#1[0]", "h#1[1]", "h#2[0]", "h#2[1]", "h[0]", "h[1]", "f"]
    assert g.assigned["h#1[0]"] == g.variables["h[0]"]
    names = set(g.names.values())
    assert {"h#1[0]", "h#2[0]", "h[1]", "W[1][0]", "x[1]"} <= names


# --- errors: one clear message, the shapes and the subexpression ----------------------------

@pytest.mark.parametrize("program, shapes, needles", [
    ("f = sum(x + y)", {"x": (3,), "y": (2,)}, ["x + y", "x is a vector of 3", "y is a vector of 2"]),
    ("f = sum(W @ x)", {"W": (2, 3), "x": (2,)}, ["W @ x", "W is a 2×3 matrix", "x is a vector of 2"]),
    ("f = dot(x, W)", {"W": (2, 2), "x": (2,)}, ["dot(x, W)", "a 2×2 matrix"]),
    ("f = x[3]", {"x": (3,)}, ["index 3 is out of range in x[3]", "indices 0 to 2"]),
    ("f = W[0][2]", {"W": (2, 2)}, ["out of range in W[0][2]"]),
    ("f = y[0]", {}, ["y is a scalar"]),
    ("f = x[0.5]", {"x": (3,)}, ["not a whole number"]),
    ("f = x[y]", {"x": (3,)}, ["an index must be a whole number"]),
    ("f = x", {"x": (3,)}, ["the output f is a vector of 3", "sum(v)"]),
    ("v = [[1, 2], [3]]; f = sum(v)", {}, ["one shape", "element 1 is a vector of 1"]),
    ("v = [[[1]]]", {}, ["at most two deep"]),
    ("f = sum(2)", {}, ["takes a vector"]),
    ("f = Value([1, 2])", {}, ["not a vector"]),
    ("for t in range(3):\nf = 1", {}, ["body is empty"]),
    ("for t in range(x): f = t", {}, ["bound must be a whole number"]),
    ("for t in range(2): t = 1", {}, ["cannot assign to the loop variable t"]),
    ("for t in range(2) { f = t", {}, ["never closed"]),
    ("f = 1 }", {}, ["'}' closes a loop's body"]),
    ("for t in range(2): f = t }", {}, ["unexpected '}'"]),
    ("f = 1; for t range(2): f = t", {}, ["for NAME in range(N)"]),
    ("x = 1 for t in range(2): x = t", {}, ["a loop starts a statement"]),
])
def test_shape_index_and_loop_errors(program, shapes, needles):
    with pytest.raises(CgSyntaxError) as info:
        parse(program, shapes=shapes)
    text = info.value.render()
    for needle in needles:
        assert needle in text, text
    assert info.value.exit_code == 2


# --- the command line ---------------------------------------------------------------------

def test_vector_values_on_the_command_line(cg):
    p = cg("eval", "f = sum(W @ x)", "--W", "[[1,2],[3,4]]", "--x", "1,-1", "--json")
    assert p.returncode == 0, p.err
    doc = strict_json(p.out)
    assert doc["value"] == -2
    assert doc["gradients"] == {"W[0][0]": 1, "W[0][1]": -1, "W[1][0]": 1, "W[1][1]": -1, "x[0]": 4, "x[1]": 6}
    p2 = cg("eval", "f = sum(W @ x)", "--W", "[[1,2],[3,4]]", "--x", "[1, -1]", "--json")
    assert strict_json(p2.out) == doc
    p3 = cg("eval", "f = sum(W @ x)", "--W", "[[1,2],[3,4]]", "--x", "1,-1", "--set", "x[1]=2", "--json")
    assert p3.returncode == 2 and "given twice" in p3.err


def test_program_vectors_are_inputs_the_command_line_overrides(cg):
    p = cg("eval", "x = [1, 2]; f = dot(x, x)", "--x", "3,4", "--get", "value", "--get", "grad.x[1]")
    assert p.returncode == 0, p.err
    assert p.out.split() == ["25", "8"]
    bad = cg("eval", "x = [1, 2]; f = dot(x, x)", "--x", "3,4,5")
    assert bad.returncode == 2 and "gives a vector of 3, but the program's x is a vector of 2" in bad.err
    one = cg("eval", "x = [1, 2]; f = dot(x, x)", "--set", "x[0]=3", "--get", "value")
    assert one.returncode == 0 and one.out.split() == ["13"]


@pytest.mark.parametrize("value, needle", [
    ("[1,2", "unbalanced"), ("[[1,2],[3]]", "rows of different lengths"), ("[[[1]]]", "deeper than a matrix"),
    ("1,,2", "empty element"), ("[]", "empty list"), ("1,abc", "must be a number"),
])
def test_bad_vector_values(cg, value, needle):
    p = cg("eval", "f = sum(x)", "--x", value)
    assert p.returncode == 2
    assert needle in p.err, p.err
    assert "Traceback" not in p.err


def test_shape_error_through_the_installed_cg():
    from cgtest import run_cg
    p = run_cg("eval", "h = tanh(W @ x + b); f = sum(h)", "--W", "[[1,2],[3,4]]", "--x", "1,2", "--b", "1,2,3")
    assert p.returncode == 2
    assert "shapes do not match" in p.err and "a vector of 2" in p.err and "a vector of 3" in p.err
    assert "W @ x + b" in p.err


# --- scale: works, linear; no timing asserts ---------------------------------------------

def test_recurrence_hidden_16_for_100_steps():
    H, T = 16, 100
    program = f"h = {[0] * H}\nfor t in range({T}):\n    h = tanh(W @ h + u * x[t] + b)\nf = sum(h)"
    rnd = random.Random(1)
    inputs = {**mat("W", [[rnd.uniform(-0.3, 0.3) for _ in range(H)] for _ in range(H)]),
              **vec("x", [rnd.uniform(-1, 1) for _ in range(T)]), **vec("b", [0.1] * H), "u": 0.5}
    g = parse(program, shapes={"W": (H, H), "x": (T,), "b": (H,)})
    assert 25_000 <= len(g) <= 60_000
    r = run(g, inputs)
    assert math.isfinite(r.value)
    assert all(math.isfinite(v) for v in r.gradients.values())
    assert len(r.gradients) == H * H + T + H + 1 + H


def test_a_hundred_thousand_iterations():
    g = parse("s = 0; for t in range(100000): s = s + sin(s) * 0.5 + 1e-5")
    assert len(g) > 4 * 100_000
    r = run(g, {})
    assert math.isfinite(r.value) and r.gradients["s"] != 0


@pytest.mark.parametrize("program", [
    "x = [1, 2, 3]; f = sum(x * x)",
    "W = [[1, 2], [3, 4]]; x = [5, 6,]; f = sum(tanh(W @ x)) + W[1][0] * x[-1]",
    "f = mean([a, b] * 2) + dot([1, a], [b, 2]) + len([1, 2])",
])
def test_cg_loop_agrees_with_lark(program):
    same_graph(parse(program), parse(program, engine="lark"))


# --- check and grade take answers for elements and versions --------------------------------

def test_check_answers_for_elements_and_versions(cg):
    ok = cg("check", "W = [[1, 2], [3, 4]]; x = [5, 6]; f = sum(W @ x)", "--grad", "W[0][1]=6",
            "--grad", "x[0]=4", "--value", "56")
    assert ok.returncode == 0, ok.out + ok.err
    wrong = cg("check", "W = [[1, 2], [3, 4]]; x = [5, 6]; f = sum(W @ x)", "--grad", "W[0][1]=0.25")
    assert wrong.returncode == 1 and "W[0][1]" in wrong.out
    r = run(parse("h = 0; for t in range(3): h = tanh(w * h + x[t])", shapes={"x": (3,)}),
            {"w": 0.5, **vec("x", [1, 2, 3])})
    want = r.grads[r.graph.assigned["h#2"]]
    step = cg("check", "h = 0; for t in range(3): h = tanh(w * h + x[t])", "--w", "0.5", "--x", "1,2,3",
              "--grad", f"h#2={want!r}", "--node", f"h#3={r.values[r.graph.assigned['h#3']]!r}")
    assert step.returncode == 0, step.out + step.err


def test_homework_and_grade_with_vector_inputs(tmp_path):
    from cgtest import run_cg
    key = tmp_path / "key.toml"
    made = run_cg("key", "h = tanh(W @ x); f = sum(h)", "--W", "[[1,2],[3,4]]", "--x", "0.1,-0.2", "--id", "1")
    assert made.returncode == 0, made.err
    key.write_text(made.out)
    assert '"W[0][1]" =' in made.out
    assert run_cg("check", str(key)).returncode == 0
    subs = tmp_path / "subs"
    subs.mkdir()
    import re
    (subs / "ann.toml").write_text(re.sub(r'"W\[0\]\[1\]" = [^,}]*', '"W[0][1]" = 0.25', made.out, count=2))
    graded = run_cg("grade", str(key), str(subs), "--json")
    assert graded.returncode == 0, graded.err
    doc = strict_json(graded.out)
    assert "W[0][1]" in graded.out
    arrays = tmp_path / "arrays.toml"
    arrays.write_text('[[problem]]\nid = "v"\nprogram = "h = tanh(W @ x); f = sum(h)"\n'
                      'inputs = { W = [[1, 2], [3, 4]], x = [0.1, -0.2] }\n'
                      'grad = { "W[0][1]" = -0.18302739236532584, "x[0]" = 3.274480160724411 }\n')
    assert run_cg("check", str(arrays)).returncode == 0
    assert doc["schema"].startswith("cg.grade/")


def test_elements_given_one_by_one(cg):
    p = cg("eval", "f = sum(x)", "--x[1]", "5", "--x[0]", "1", "--get", "value")
    assert p.returncode == 0, p.err
    assert p.out.split() == ["6"]
    missing = cg("eval", "f = sum(x)", "--set", "x[1]=5")
    assert missing.returncode == 2 and "missing value for x[0]" in missing.err
    scalar = cg("eval", "f = x * 2", "--x", "max(1, 2)", "--get", "value")      # a comma inside ( )
    assert scalar.returncode == 0 and scalar.out.split() == ["4"]
    consts = cg("eval", "f = x[0] * x[1]", "--x", "pi/4, -1", "--get", "value")
    assert consts.returncode == 0 and float(consts.out) == pytest.approx(-math.pi / 4, rel=1e-15)


def test_a_constant_start_state():
    g = parse("h = const(0); for t in range(2): h = h + x[t]", shapes={"x": (2,)})
    assert list(g.variables) == ["x[0]", "x[1]"]


@pytest.mark.parametrize("program, value, gradients", [
    ("x = [1, 2]; x = x * 2; f = sum(x)", 6, {"x[0]": 2, "x[1]": 2}),
    ("x = [1, 2]; x += 1; f = sum(x)", 5, {"x[0]": 1, "x[1]": 1}),
    ("a, b = [1, 2], [3, 4]; f = dot(a, b)", 11, {"a[0]": 3, "a[1]": 4, "b[0]": 1, "b[1]": 2}),
    ("a, b = [1, -2], [3, 4]; f = dot(a, b)", -5, {"a[0]": 3, "a[1]": 4, "b[0]": 1, "b[1]": -2}),
    ("a, b = [[1, 2]], 5; f = sum(a) * b", 15, {"a[0][0]": 5, "a[0][1]": 5, "b": 3}),
    ("x = [1, 2]; y = x; f = sum(y)", 3, {"x[0]": 1, "x[1]": 1}),
    ("xx = [1, 2]; x = [3, 4]; f = dot(x, xx)", 11, {"xx[0]": 3, "xx[1]": 4, "x[0]": 1, "x[1]": 2}),
    ("x = [1, 2]; x = x[0] * 3; f = x", 3, {"x[0]": 3, "x[1]": 0}),
    ("v = [x, y]; f = sum(v * v)", 5, {"x": 2, "y": 4}),
])
def test_vector_bindings(program, value, gradients):
    r = run(parse(program), {"x": 1, "y": 2} if "v = [x" in program else {})
    assert r.value == value
    assert r.gradients == gradients


@pytest.mark.parametrize("program", ["x = [1, 2]; x = 3; f = x", "x = 3; x = [1, 2]; f = sum(x)",
                                     "x = [1, 2]; x = [3, 4]; f = sum(x)"])
def test_numbers_make_inputs_only_at_the_first_binding(program):
    with pytest.raises(CgSyntaxError, match="bound already"):
        parse(program)


def test_output_may_name_an_element_version(cg):
    p = cg("eval", "h = [1, 2]\nfor t in range(2):\n    h = h * h\nf = sum(h)", "--output", "h#2[1]",
           "--get", "value", "--get", "grad.h#1[1]")
    assert p.returncode == 0, p.err
    assert p.out.split() == ["4", "4"]
    vec_hint = cg("eval", "x = [1, 2]; f = sum(x)", "--x", "3")
    assert vec_hint.returncode == 2 and "x is a vector here" in vec_hint.err


@pytest.mark.parametrize("program, args", [
    ("h = 0; for t in range(3): h = tanh(w * h + x[t])", ["--w", "0.5", "--x", "1,2,-1"]),
    ("h = 1; h = tanh(w * h)", ["--w", "0.5"]),                       # a rebound input (issue 10)
    ("f = sum(tanh(W @ x))", ["--W", "[[1,2],[3,4]]", "--x", "0.1,-0.2"]),
])
def test_symbolic_derivatives_equal_the_backward_pass(cg, program, args):
    d = cg("diff", program, *args, "--format", "json")
    assert d.returncode == 0, d.err
    e = cg("eval", program, *args, "--json")
    got = {x["wrt"][0]: x["value"] for x in strict_json(d.out)["derivatives"]}
    want = strict_json(e.out)["gradients"]
    assert set(got) == set(want)
    for k in want:
        assert got[k] == pytest.approx(want[k], rel=1e-12, abs=1e-15), k


_VOPS = [("{p} + {q}", "{p} + {q}"), ("{p} * {q}", "{p} * {q}"), ("{p} - 2 * {q}", "{p} - 2 * {q}"),
         ("tanh({p})", "tanh({p})"), ("{p} / (1 + {q} * {q})", "{p} / (1 + {q} * {q})"),
         ("sigmoid({p}) * s", "sigmoid({p}) * s"), ("{p}.relu() + s", "{p}.relu() + s")]


@settings(max_examples=80)
@given(st.integers(1, 4), st.lists(st.tuples(st.integers(0, len(_VOPS) - 1), st.integers(0, 9),
                                             st.integers(0, 9)), min_size=1, max_size=6),
       st.integers(0, 2 ** 32 - 1))
def test_vector_programs_equal_their_elements_written_out(n, steps, seed):
    """A random elementwise vector program has the values and gradients of the same maths
    written per element with scalars."""
    rnd = random.Random(seed)
    a = [round(rnd.uniform(-2, 2), 3) for _ in range(n)]
    b = [round(rnd.uniform(-2, 2), 3) for _ in range(n)]
    vec_lines = [f"a = {a}", f"b = {b}", "s = 0.7"]
    sca_lines = [f"a_{i} = {a[i]}" for i in range(n)] + [f"b_{i} = {b[i]}" for i in range(n)] + ["s = 0.7"]
    names = ["a", "b"]
    for k, (op, i, j) in enumerate(steps):
        p, q = names[i % len(names)], names[j % len(names)]
        vec_lines.append(f"v{k} = " + _VOPS[op][0].format(p=p, q=q))
        sca_lines += [f"v{k}_{e} = " + _VOPS[op][1].format(p=f"{p}_{e}", q=f"{q}_{e}") for e in range(n)]
        names.append(f"v{k}")
    last = names[-1]
    vec_lines.append(f"f = sum({last} * {last})")
    sca_lines.append("f = " + " + ".join(f"{last}_{e} * {last}_{e}" for e in range(n)))
    rv = run(parse("\n".join(vec_lines)), {})
    rs = run(parse("\n".join(sca_lines)), {})
    assert rv.value == pytest.approx(rs.value, rel=1e-14, abs=1e-300)
    for e in range(n):
        for base in "ab":
            assert rv.gradients[f"{base}[{e}]"] == pytest.approx(rs.gradients[f"{base}_{e}"], rel=1e-12, abs=1e-14)
    assert rv.gradients["s"] == pytest.approx(rs.gradients["s"], rel=1e-12, abs=1e-14)


def test_the_recurrence_through_the_installed_cg():
    from cgtest import run_cg
    H, T = 16, 100
    rnd = random.Random(2)
    W = [[round(rnd.uniform(-0.3, 0.3), 4) for _ in range(H)] for _ in range(H)]
    xs = [round(rnd.uniform(-1, 1), 4) for _ in range(T)]
    program = f"h = {[0] * H}\nfor t in range({T}):\n    h = tanh(W @ h + u * x[t])\nf = sum(h)"
    p = run_cg("eval", "-", "--W", str(W), "--x", ",".join(map(str, xs)), "--u", "0.5", "--json", input=program)
    assert p.returncode == 0, p.err
    doc = strict_json(p.out)
    r = run(parse(program, shapes={"W": (H, H), "x": (T,)}),
            {**mat("W", W), **vec("x", xs), "u": 0.5})
    assert doc["value"] == r.value
    assert doc["gradients"] == dict(r.gradients)
    assert len(doc["nodes"]) == len(r.graph) > 50_000


def test_shape_declares_vector_inputs_for_points_and_pictures(cg):
    p = cg("eval", "f = sum(x * x)", "--shape", "x=2", "--points", "-",
           input='{"x[0]": 3, "x[1]": 1}\n{"x[0]": 0, "x[1]": 2}\n')
    assert p.returncode == 0, p.err
    lines = [strict_json(line) for line in p.out.splitlines()]
    assert [d["value"] for d in lines] == [10, 4]
    assert lines[1]["gradients"] == {"x[0]": 0, "x[1]": 4}
    g = cg("graph", "h = tanh(W @ x); f = sum(h)", "--shape", "W=2x2", "--shape", "x=2")
    assert g.returncode == 0 and g.out.count("subgraph cluster_") == 3     # W, x and h
    clash = cg("eval", "f = sum(W @ x)", "--shape", "W=2x3", "--W", "[[1,2],[3,4]]", "--x", "1,2")
    assert clash.returncode == 2 and "--shape says a 2×3 matrix" in clash.err
    bad = cg("eval", "f = sum(x)", "--shape", "x=two", "--x", "1")
    assert bad.returncode == 2 and "--shape takes NAME=N" in bad.err
