"""The views on vectors and loops (issue 11): names, tree steps, graph clusters, explain's
per-step contributions of a shared weight."""
from __future__ import annotations

import math
import shutil
import subprocess

import pytest

from cgtest import strict_json

RNN = "h = 0; for t in range(3): h = tanh(w * h + u * x[t])"
ARGS = ["--w", "0.5", "--u", "0.3", "--x", "1,2,3"]
VEC_RNN = "h = [0, 0]\nfor t in range(2):\n    h = tanh(W @ h + x[t])\nf = sum(h)"
VEC_ARGS = ["--W", "[[0.5,-0.2],[0.1,0.3]]", "--x", "1,2"]


def test_table_and_json_name_elements_and_versions(cg):
    p = cg("eval", VEC_RNN, *VEC_ARGS, "--json")
    assert p.returncode == 0, p.err
    doc = strict_json(p.out)
    names = [n.get("name") for n in doc["nodes"] if n.get("name")]
    assert {"h#1[0]", "h#2[1]", "h[0]", "W[1][0]", "x[1]", "f"} <= set(names)
    assert set(doc["gradients"]) == {"h[0]", "h[1]", "W[0][0]", "W[0][1]", "W[1][0]", "W[1][1]", "x[0]", "x[1]"}
    table = cg("eval", VEC_RNN, *VEC_ARGS, "--format", "table")
    assert "h#2[1]" in table.out and "W[0][1]" in table.out


def test_tree_tags_each_gate_with_its_step(cg):
    p = cg("eval", RNN, *ARGS, "--format", "tree")
    assert p.returncode == 0, p.err
    first = p.out.splitlines()[1]
    assert first.startswith("tanh h") and first.endswith("[t=2]")
    assert "[t=0]" in p.out and "[t=1]" in p.out
    assert not any(line.strip().endswith("]") and "w  value" in line and "[t=" in line
                   for line in p.out.splitlines())          # inputs belong to no step


def test_graph_clusters_per_step_and_per_vector(cg):
    p = cg("graph", VEC_RNN, *VEC_ARGS)
    assert p.returncode == 0, p.err
    for label in ("step t=0", "step t=1", 'label="W"', 'label="x"', 'label="h#1"'):
        assert label in p.out
    assert p.out.count("subgraph cluster_") == 5
    if shutil.which("dot"):
        drawn = subprocess.run(["dot", "-Tsvg"], input=p.out.encode(), capture_output=True)
        assert drawn.returncode == 0, drawn.stderr
    m = cg("graph", VEC_RNN, *VEC_ARGS, "--format", "mermaid")
    assert m.returncode == 0, m.err
    assert m.out.count("  subgraph c") == 5 and m.out.count("\n  end") == 5


def test_nested_loops_nest_their_clusters(cg):
    p = cg("graph", "s = 0\nfor i in range(2):\n    for j in range(2):\n        s = s + x[i] * x[j]\nf = s",
           "--x", "1,2")
    assert p.returncode == 0, p.err
    assert 'label="step i=0"' in p.out and 'label="step i=0, j=1"' in p.out
    if shutil.which("dot"):
        assert subprocess.run(["dot", "-Tsvg"], input=p.out.encode(), capture_output=True).returncode == 0


def test_scalar_programs_draw_as_before(cg):
    p = cg("graph", "q = x + y; f = q * z")
    assert "subgraph" not in p.out


def test_explain_lists_a_shared_weights_steps_and_their_sum(cg):
    p = cg("explain", RNN, *ARGS, "--format", "json")
    assert p.returncode == 0, p.err
    doc = strict_json(p.out)
    shared = {s["name"]: s for s in doc["shared"]}
    assert set(shared) == {"w", "u"}
    # by hand: h_t = tanh(w h_{t-1} + u x_t); step t sends dz_t * h_{t-1} to w and dz_t * x_t to u
    w, u, xs = 0.5, 0.3, [1.0, 2.0, 3.0]
    hs = [0.0]
    for x in xs:
        hs.append(math.tanh(w * hs[-1] + u * x))
    dz = [0.0] * 3
    dh = 1.0
    for t in range(2, -1, -1):
        dz[t] = dh * (1 - hs[t + 1] ** 2)
        dh = dz[t] * w
    assert [s["step"] for s in shared["w"]["steps"]] == ["t=0", "t=1", "t=2"]
    for t in range(3):
        assert shared["w"]["steps"][t]["contribution"] == pytest.approx(dz[t] * hs[t], rel=1e-13, abs=1e-300)
        assert shared["u"]["steps"][t]["contribution"] == pytest.approx(dz[t] * xs[t], rel=1e-13)
    for s in shared.values():
        assert math.fsum(c["contribution"] for c in s["steps"]) == pytest.approx(s["grad"], rel=1e-13)
        assert s["grad"] == doc["gradients"][s["name"]]
    text = cg("explain", RNN, *ARGS)
    assert "Shared weights over the loop's steps" in text.out
    assert "∂h/∂u = sum over 3 steps" in text.out and "t=1:" in text.out
    md = cg("explain", RNN, *ARGS, "--format", "markdown")
    assert "## Shared weights over the loop's steps" in md.out


def test_explain_without_loops_has_no_shared_section(cg):
    p = cg("explain", "q = x + y; f = q * z", "--x", "2", "--y", "3", "--z", "-4", "--format", "json")
    assert "shared" not in strict_json(p.out)


def test_explain_latex_has_the_shared_weights(cg):
    p = cg("explain", RNN, *ARGS, "--format", "latex")
    assert p.returncode == 0, p.err
    assert r"\subsection*{Shared weights over the loop's steps}" in p.out
    assert r"\underbrace" in p.out and r"_{\text{t=2}}" in p.out
