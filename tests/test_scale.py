"""Scale: deep and long expressions work with no recursion, through the installed cg (stdin,
--json) and in-process up to 10^6 nodes. Nothing here is timed."""
import io
import math

import pytest

from cgtest import run_cg, strict_json
from cgcli import run
from cgcli import parse
from cgcli.views import json as json_view

N = 100_000


@pytest.mark.parametrize("name, program, value, grad", [
    ("nested parentheses", "(" * N + "x" + ")" * N, 0.5, 1.0),
    ("sum of 10^5 terms", "+".join(["x"] * N), N * 0.5, float(N)),
    ("10^5-deep chain of sin", "sin(" * N + "x" + ")" * N, None, None),
    ("10^5-deep unary minus", "-" * N + "x", 0.5, 1.0),
    ("10^5-deep right-assoc power", "^".join(["x"] * 3) + "^1" * (N // 2), None, None),
])
def test_large_programs_through_the_installed_cg(name, program, value, grad):
    p = run_cg("eval", "-", "--x", "0.5", "--json", input=program, timeout=300)
    assert p.returncode == 0, p.err[-2000:]
    d = strict_json(p.out)
    if name == "10^5-deep chain of sin":        # compare with Python's own loop
        v, g = 0.5, 1.0
        for _ in range(N):
            g *= math.cos(v)
            v = math.sin(v)
        value, grad = v, g
    if name == "10^5-deep right-assoc power":
        value, grad = 0.5 ** (0.5 ** 0.5), None
    assert math.isclose(d["value"], value, rel_tol=1e-12)
    if grad is not None:
        assert math.isclose(d["gradients"]["x"], grad, rel_tol=1e-12)
    assert len(d["nodes"]) >= 1
    assert max(len(n["label"]) for n in d["nodes"]) <= 100      # labels stay short: output is linear


def test_a_million_node_program_in_process():
    terms = 333_334
    program = "+".join(f"x*{i % 7 + 1}" for i in range(terms))     # 10^6 nodes
    g = parse(program)
    assert len(g) == 1_000_002
    r = run(g, {"x": 0.5})
    coefficient = sum(i % 7 + 1 for i in range(terms))
    assert r.gradients == {"x": coefficient}
    assert math.isclose(r.value, 0.5 * coefficient, rel_tol=1e-12)

    class Counter(io.TextIOBase):           # stream the JSON without keeping 100 MB in memory
        def __init__(self):
            self.size, self.head, self.tail = 0, "", ""

        def write(self, s):
            self.size += len(s)
            if len(self.head) < 200:
                self.head += s[:200]
            self.tail = (self.tail + s)[-200:]
            return len(s)

    out = Counter()
    json_view.write(r, out)
    assert out.head.startswith('{"schema": "cg.eval/1"')
    from cgcli.core.fmt import fmt
    assert out.tail.endswith(f'"inputs": [{g.in0[g.output]}, {g.in1[g.output]}], "value": {fmt(r.value)}, "grad": 1}}]}}\n')
    assert out.size < 150 * len(g)                   # linear output: a bounded line per node


def test_a_million_node_program_through_the_installed_cg():
    program = "\n".join(f"a{i} = x * {i % 5 + 1} + 1" for i in range(250_000)) + "\n" + \
              "+".join(f"a{i}" for i in range(0, 250_000, 1000))
    p = run_cg("eval", "-", "--x", "2", "--format", "table", input=program, timeout=600)
    assert p.returncode == 0, p.err[-2000:]
    lines = p.out.splitlines()
    assert "+ a249000   (250001 lines, 1000250 nodes)  =  " in lines[0]    # not the whole program
    assert "the table shows the variables, the named nodes and the output" in p.out
    rows = [[c.strip() for c in line.split("│")[1:-1]] for line in lines if line.startswith("│")]
    assert len(rows) == 500                     # not 10^6 rows
    expected_grad = sum(i % 5 + 1 for i in range(0, 250_000, 1000))
    assert rows[0] == ["0", "x", "var", "sums", "x", "2", str(expected_grad)]
