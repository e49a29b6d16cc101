"""The fast paths print and build exactly what the plain ones do: the JSON nodes written column
by column equal the node-by-node format, and the parser's fast loop builds what the reference
LALR loop builds and raises the same errors. (Speed is measured by bench/front.py, never
asserted here.)"""
from __future__ import annotations

import io
import json
import math

import pytest
from hypothesis import given, settings, strategies as st

from cgcli.api import run
from cgcli.core.fmt import json_number
from cgcli.core.ops import OPS
from cgcli.core.parse import parse
from cgcli.views import json as json_view

from cgtest import run_cg
from reference_json import nodes_one_by_one



def _nodes_column_wise(result) -> str:
    parts = []
    json_view._write_nodes(result, parts.append)
    return "".join(parts)


PROGRAMS = [
    ("(x+y)*z", {"x": 2, "y": 3, "z": -4}),
    ("a = x*0\nb = -a\nc = b*x + 3\nc*c", {"x": -2.5}),           # -0.0 and integral values
    ("sqrt(x) + x^0.5 + 1e300*x", {"x": 0.0}),                      # inf gradients
    ("x^y + y^x", {"x": -2.0, "y": 2.0}),                             # nan gradients
    ("+".join(f"x*{k / 7}" for k in range(-40, 40)), {"x": 1e16}),   # 1e16: repr switches to e+16
    ("q = x + y\nq = q * 2\nmax(q, x) - relu(-q) + abs(y)", {"x": 1.0, "y": -1.0}),
]


@pytest.mark.parametrize("program, inputs", PROGRAMS)
def test_json_nodes_column_wise_equal_node_by_node(program, inputs):
    r = run(parse(program), inputs)
    text = _nodes_column_wise(r)
    assert text == nodes_one_by_one(r)
    json.loads("[" + text + "]", parse_constant=lambda c: pytest.fail(f"non-strict JSON {c}"))


def test_json_nodes_over_several_blocks():
    program = "\n".join(f"h{i} = x*{(i % 9) - 4} + h{i - 1}" if i else "h0 = x" for i in range(9000))
    r = run(parse(program), {"x": 0.5})
    assert _nodes_column_wise(r) == nodes_one_by_one(r)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.floats(allow_nan=True, allow_infinity=True) | st.sampled_from([0.0, -0.0, 1.0, 1e16, -1e22]),
                min_size=1, max_size=120))
def test_json_number_columns_equal_json_number(col):
    from array import array
    assert json_view._numbers(array("d", col)) == [json_number(v) for v in col]


def test_cg_eval_json_through_the_installed_cg():
    p = run_cg("eval", "a = x*0; b = -a; b*x + sqrt(x)", "--x", "0", "--json")
    assert p.returncode == 0, p.err
    d = json.loads(p.out)
    assert {n["value"] for n in d["nodes"]} == {0}
    assert d["nodes"][-1]["grad"] == 1 and d["gradients"]["x"] == "inf"
    assert '"value": -0' not in p.out and "NaN" not in p.out and "Infinity" not in p.out


# --- the parser: the fast loop builds what the reference LALR loop builds -------------------

from cgcli.core import parse as parse_module  # noqa: E402
from cgcli.core.build import Builder  # noqa: E402
from cgcli.core.errors import CgError  # noqa: E402

from cgtest import expressions  # noqa: E402

_FIELDS = ("ops", "in0", "in1", "const", "needs_grad")


def _reference(text: str, shapes=None):
    """The reference loop (_run over _tokens), which every error goes through."""
    return parse_module._run(text, Builder(text, shapes), parse_module._tokens(text))


def _fast_only(text: str, shapes=None):
    """parse() with the reference loop disabled: a test fails if the fast loop gave up."""
    return parse_module._fast(text, Builder(text, shapes))


def _against_the_reference(loop, text: str):
    """(the loop's graph, or None where it gave up or raised; the reference's, or None on an error)."""
    try:
        expected = _reference(text)
    except CgError:
        expected = None
    try:
        got = loop(text)
    except (parse_module._Fallback, CgError):
        got = None
    return got, expected


def _same_graph(a, b):
    for f in _FIELDS:
        assert list(getattr(a, f)) == list(getattr(b, f)), f
        assert type(getattr(a, f)) is type(getattr(b, f)), f
    assert (a.variables, a.assigned, a.names, a.output, a.warnings, a.defaults) == \
        (b.variables, b.assigned, b.names, b.output, b.warnings, b.defaults)


PROGRAMS_TO_PARSE = [
    "x", "(x+y)*z", "-x^2 + (-x)^2 + 2^-1 + 2^3^2 + 2**3**2", "+-+-x", "x - (y - z) - -3",
    "q = x + y\nf = max(q,\n z) * -q^2;", "a, b = x, y\nc = a*b\nc += 1; c *= c\nc",
    "a = Value(-4.0)\nb = Value(2.0, label=\"b\")\nc = a + b\nd = a * b + b**3\nc += c + 1\n"
    "c += 1 + c + (-a)\nd += d * 2 + (b + a).relu()\nd += 3 * d + (b - a).relu()\ne = c - d\n"
    "f = e**2\ng = f / 2.0\ng += 10.0 / f",
    "x = [1, 2, 3]\nw = [x0, 2*x0, -1]\ndot(w, x) + sum(x) + mean(w) + len(x) + x[1]",
    "W = [[1, 2], [3, 4]]\nv = [y, z]\nh = W @ v\nsum(h)", "k = const(2)\nx * k + x / e - pi",
    "# a comment\n  x * 2  # another\n\n(y\n +\n z)\n", "٣ * x", "1e3 * x + .5 + 5. + 2E-2",
    "r = x\nr = r * r\nr", "x.relu() + x.tanh() + x.exp() + x.log()", "sigmoid(w0*x0 + w1*x1 + w2)",
    "-(x)", "((((((x))))))", "x\n;\ny", "f = x*y; g = f + 1; h = g*g",
]


@pytest.mark.parametrize("text", PROGRAMS_TO_PARSE)
def test_fast_loop_builds_the_reference_loops_graph(text):
    _same_graph(_fast_only(text), _reference(text))
    _same_graph(parse(text), _reference(text))


def test_fast_loop_with_vector_inputs_from_the_command_line():
    shapes = {"x": (3,)}
    _same_graph(_fast_only("sum(x * 2) + x[0]", shapes), _reference("sum(x * 2) + x[0]", shapes))


@settings(max_examples=150, deadline=None)
@given(expressions())
def test_fast_loop_equals_reference_on_random_expressions(expr):
    text = expr[0]
    _same_graph(_fast_only(text), _reference(text))


BAD = ["x +", "(x", "x)", "x y", "2x", "foo(x)", "sin(x, y)", "1e999 * x", "x % 2", "'abc", "x = ",
       "x +\n", "a = 1\na = 2", "sin = 2", "x.grad", "[1, 2]", "x[y]",
       "Value(x)", "x ** * y", "(x\n+ y", "x // y", "x == y", "if x", "é + 1",
       'Value(1.0, label="a", b=2)', "x[0]", "f(x)(y)", "1e999 y"]


@pytest.mark.parametrize("text", BAD)
def test_errors_are_the_reference_loops(text):
    with pytest.raises(CgError) as ref:
        _reference(text)
    with pytest.raises(CgError) as ours:
        parse(text)
    assert ours.value.render() == ref.value.render()


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="xy12.e+-*/^()[],;=@ \n#\t'\"_aZ", max_size=30))
def test_fast_loop_on_any_text_agrees_with_the_reference(text):
    """Whatever the text: the same graph, or the fast loop gives up and the reference decides."""
    got, expected = _against_the_reference(_fast_only, text)
    if got is not None:
        assert expected is not None
        _same_graph(got, expected)
    elif expected is not None:
        assert text.strip() == "" or text.lstrip().startswith("#") or "for" in text, text


def test_a_deep_nesting_and_a_long_program_take_the_fast_loop():
    deep = "(" * 100_000 + "x" + ")" * 100_000
    assert len(_fast_only(deep)) == 1
    lines = "\n".join(f"h{i} = sigmoid(w{i % 5}*x + h{i - 1})" if i else "h0 = x" for i in range(3000))
    _same_graph(_fast_only(lines), _reference(lines))


def test_long_texts_are_lexed_in_pieces_with_the_same_tokens():
    """Texts over 4 * _PIECE characters are lexed piece by piece, cut after a newline (or, with no
    comment or string, after a bracket, comma, ';' or '@'): the same graph as the reference."""
    one_line = "+".join(f"x{i % 10}**2*(y-{i}.5e-3)/[z, 2][1]" for i in range(12000))
    assert len(one_line) > 4 * parse_module._PIECE
    _same_graph(_fast_only(one_line), _reference(one_line))
    lines = "\n".join(f"h{i} = (x{i % 7} *\n   {i}.25e1) ** 2 # a comment (with a bracket\n"
                      f"h{i} **= 1; h{i} += max(h{i},\n  y)" for i in range(4000))
    text = lines + "\nh3999"
    assert len(text) > 4 * parse_module._PIECE
    _same_graph(_fast_only(text), _reference(text))
    labelled = "\n".join(f'a{i} = Value({i}.0, label="a(")' for i in range(9000)) + "\na8999 * 2"
    assert len(labelled) > 4 * parse_module._PIECE
    _same_graph(_fast_only(labelled), _reference(labelled))


@pytest.mark.parametrize("terms", [5, 11, 40])
def test_the_fast_loop_keeps_the_work_budget(terms):
    # the fast loop appends nodes without Builder.node's check: a text near the budget must
    # take the checked path, so the budget holds to the node for loop-free text too
    text = "+".join(["x"] * terms)
    built = len(parse(text).ops)
    assert len(parse(text, max_nodes=built).ops) == built
    with pytest.raises(CgError, match=f"limit of {built - 1:,} nodes"):
        parse(text, max_nodes=built - 1)


def test_the_fast_loop_keeps_the_answer_budget():
    from cgcli.core import limits
    text = "+".join(["1"] * (limits.ANSWER_MAX_NODES // 2 + 10))      # under the character limit
    assert len(text) < limits.ANSWER_MAX_CHARS
    with pytest.raises(CgError, match="an answer is an expression of at most"):
        parse(text, answer=True)
    r = run_cg("eval", "+".join(["x"] * 30), "--x", "1", "--max-nodes", "25")
    assert r.returncode == 2 and "limit of 25 nodes" in r.err and "--max-nodes N" in r.err


def test_stdout_filters_fast_path_escapes_what_the_pattern_escapes():
    """stdout's filter skips its pattern for a text printable but for newlines and tabs (and cg's
    entry point does not import views.text for it): for every character of the BMP the result
    is what the pattern's substitution gives."""
    from cgcli.cli.main import _stdout_safe
    from cgcli.views import text
    for c in map(chr, range(0x10000)):
        s = f"a\n\t{c}b"
        want = text._STDOUT_UNSAFE.sub(text._stdout_escape, s)
        assert _stdout_safe(s) == want and text.stdout_safe(s) == want, hex(ord(c))
    assert _stdout_safe("\x1b[1mbold\x1b[0m\n") == "\x1b[1mbold\x1b[0m\n"    # SGR kept
    long = "x\n" * 40_000 + "\x1b]0;title\x07"                             # past the fast path's size
    assert _stdout_safe(long) == text._STDOUT_UNSAFE.sub(text._stdout_escape, long)


@settings(max_examples=300, deadline=None)
@given(st.from_regex(r"-?(\d{0,12}\.?\d{0,8})", fullmatch=True) | st.text("0123456789.-e+ ", max_size=22))
def test_a_plain_numbers_value_is_what_parsing_it_gives(text):
    """constant_value reads "2", "-4", "0.5" without a graph: the same float (or the same
    error) as parsing the text and running the forward pass."""
    from cgcli.core.errors import CgError
    from cgcli.core.passes import forward
    from cgcli.core.values import constant_value
    try:
        g = parse(text)
        want = None if g.variables else repr(forward(g, {})[g.output])
    except CgError:
        want = None
    try:
        got = repr(constant_value(text, "the value"))
    except CgError:
        got = None
    assert got == want


def _backward_by_the_table(graph, values):
    """The backward pass with every gate's partials from the op table's `local` (no shortcuts)."""
    grads = [0.0] * len(graph.ops)
    grads[graph.output] = 1.0
    for i in range(graph.output, -1, -1):
        upstream = grads[i]
        if upstream == 0.0:
            continue
        op = OPS[graph.ops[i]]
        ins = graph.inputs(i)
        if not ins:
            continue
        local = op.local(*[values[a] for a in ins], values[i])
        for a, d in zip(ins, local if isinstance(local, tuple) else (local,)):
            grads[a] += upstream * d
    return grads


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(["x", "y", "2", "-x", "x*y", "x-y", "y*y", "sin(x)", "x/y", "x^2", "-(y-x)"]),
                min_size=1, max_size=12),
       st.lists(st.sampled_from(["+", "-", "*"]), min_size=11, max_size=11),
       st.floats(-3, 3), st.floats(0.5, 3), st.booleans())
def test_the_backward_shortcuts_give_the_op_tables_numbers(parts, joins, x, y, large):
    """The backward pass writes out add, sub, mul and neg; its gradients are bit for bit those of
    the op table's `local`, for small graphs (Python lists) and large ones (arrays)."""
    import struct
    from array import array
    from cgcli.core import passes
    text = parts[0] + "".join(f" {j} ({p})" for j, p in zip(joins, parts[1:]))
    if large:                                  # past the list threshold: the array path
        g0 = parse(text)                       # each copy repeats every node but the variables
        text = " + ".join([f"({text})"] * (passes._LISTS // max(1, len(g0) - len(g0.variables)) + 1))
    g = parse(text)
    assert (len(g) > passes._LISTS) == large
    values = passes.forward(g, {"x": x, "y": y})
    assert type(values) is (array if len(g) > passes._LISTS else list)
    grads = passes.backward(g, values)
    assert type(grads) is (array if len(g) > passes._LISTS else list)
    want = _backward_by_the_table(g, values)
    assert array("d", grads).tobytes() == array("d", want).tobytes()
    assert struct.pack(f"{len(values)}d", *values) == array("d", values).tobytes()


# --- the infix loop: one expression of numbers, names, operators, signs and parentheses ---------

def _infix_only(text: str):
    """The infix loop alone: raises parse_module._Fallback where it gives the text to the LALR loops."""
    return parse_module._infix(text, Builder(text))


INFIX = ["x", "(x+y)*z", "-x^2 + (-x)^2 + 2^-1 + 2^3^2 + 2**3**2", "+-+-x", "x - (y - z) - -3",
         "1e3 * x + .5 + 5. + 2E-2", "-(x)", "((((((x))))))", "x * pi / e - pi", "x_1 * y2 + _z",
         " x\t*\f2\r", "x*1e-05 + y*2.5E+3", "x * 2\n", "\n\n(x + y)*2\r\n\n", "a ** - b ** c * - d / + e", "1.5e3*x", "x - -x - - -x"]


@pytest.mark.parametrize("text", INFIX)
def test_the_infix_loop_builds_the_reference_loops_graph(text):
    _same_graph(_infix_only(text), _reference(text))
    _same_graph(parse(text), _reference(text))


NOT_INFIX = ["2x", "x.relu()", "1_0*x", "x*1_0", "sin+1", "x y", "(x", "x)", "x**=2", "1e999*x", "x\n+y",
             "٣*x", "x+", ")", "x # c", "(x +\n y)", "x; y", "sin(x)", "[x][0]", "x @ y", "x = 2", "()", "x(y)", ".", "x.", "1.2.3"]


@pytest.mark.parametrize("text", NOT_INFIX)
def test_the_infix_loop_gives_the_rest_to_the_lalr_loops(text):
    with pytest.raises(parse_module._Fallback):
        _infix_only(text)
    try:
        expected = _reference(text)
    except CgError as e:
        with pytest.raises(CgError) as ours:
            parse(text)
        assert ours.value.render() == e.render()
    else:
        _same_graph(parse(text), expected)


def _infix_expressions():
    """Random infix expressions: numbers in every form, names, both power spellings, signs,
    parentheses and white space, built bottom-up (no recursion over the text)."""
    number = st.sampled_from(["2", "0.5", ".25", "3.", "1e3", "2.5E-2", "7e+1", "10", "0"])
    name = st.sampled_from(["x", "y", "x_1", "pi", "e", "w0"])
    op = st.sampled_from(["+", "-", "*", "/", "^", "**"])
    sign = st.sampled_from(["", "", "-", "+", "- -", "-+"])
    space = st.sampled_from(["", " ", "  ", "\t"])

    @st.composite
    def build(draw):
        parts = [["", draw(st.one_of(number, name))]]         # [operator before, operand]
        for _ in range(draw(st.integers(0, 8))):
            parts.append([draw(space) + draw(op) + draw(space), draw(sign) + draw(st.one_of(number, name))])
            if draw(st.booleans()):      # parentheses around parts k..last
                k = draw(st.integers(0, len(parts) - 1))
                parts[k][1] = draw(sign) + "(" + parts[k][1]
                parts[-1][1] += ")"
        return draw(sign) + "".join(a + b for a, b in parts)
    return build()


@settings(max_examples=300, deadline=None)
@given(_infix_expressions())
def test_the_infix_loop_equals_the_reference_on_random_expressions(text):
    try:
        expected = _reference(text)
    except CgError:
        expected = None                  # ("(x+(y)" and the like: not every draw is balanced)
    if expected is None:
        with pytest.raises(parse_module._Fallback):
            _infix_only(text)
    else:
        _same_graph(_infix_only(text), expected)


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet="xy12.eE+-*/^()_ \t\n#=,;@[]'\"", max_size=30))
def test_the_infix_loop_on_any_text_agrees_with_the_reference(text):
    """Whatever the text: the reference loop's graph, or it gives up (and never on a text the
    reference parses as one plain expression)."""
    got, expected = _against_the_reference(_infix_only, text)
    if got is not None:
        assert expected is not None, text
        _same_graph(got, expected)


def test_a_deep_nesting_takes_the_infix_loop():
    deep = "(" * 100_000 + "-x" + ")" * 100_000
    assert len(deep) <= parse_module._INFIX_MAX
    g = _infix_only(deep)
    assert len(g) == 2 and g.output == 1


def test_the_infix_tables_come_from_the_grammar():
    """The binding powers are what Lark's parser does with the grammar: `python -m
    cgcli.core._build` checks every grouping of three operands against Lark's trees (test_language
    keeps the shipped tables equal to a fresh build); here, the facts a reader expects."""
    from cgcli.core import _tables
    b = _tables.INFIX_BINARY
    assert b["+"][0] == b["-"][0] < b["*"][0] == b["/"][0] < b["^"][0] == b["**"][0]
    assert b["^"][1] < b["^"][0] and b["*"][1] == b["*"][0]          # ^ right-, * left-associative
    rbp, cb = _tables.INFIX_PREFIX["-"]
    assert cb == "neg" and b["*"][0] <= rbp < b["^"][0]              # -x^2 = -(x^2), -x*y = (-x)*y
    assert _tables.INFIX_PROBES > 1000
