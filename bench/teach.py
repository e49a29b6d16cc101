"""Teaching views: drawing the graph (DOT) and explaining the passes, side by side with what a
user would otherwise pick to draw a computational graph: micrograd's draw_dot (the function
from micrograd's trace_graph notebook, which is not in the micrograd package: copied below,
with the graphviz Python package), and PyTorch with torchviz when installed.

Same expressions for each: a 2-layer relu network of growing width, forward and backward pass,
then the DOT source (then one `dot -Tsvg` render of each, when Graphviz is installed).
    python bench/teach.py [--repeat 5]
Needs the bench extra (pip install -e ".[bench]"); a missing alternative is skipped with a note.
"""
from __future__ import annotations

import argparse
import random
import shutil
import statistics
import subprocess
import time


def network(width: int, inputs: int = 4):
    """cg program text and the point: out = sum_j v_j * relu(sum_i w_ji x_i + b_j)."""
    rnd = random.Random(width)
    point, terms = {}, []
    for i in range(inputs):
        point[f"x{i}"] = rnd.uniform(-1, 1)
    for j in range(width):
        inner = " + ".join(f"w{j}_{i}*x{i}" for i in range(inputs))
        terms.append(f"v{j}*relu({inner} + b{j})")
        point.update({f"w{j}_{i}": rnd.uniform(-1, 1) for i in range(inputs)})
        point[f"v{j}"], point[f"b{j}"] = rnd.uniform(-1, 1), rnd.uniform(-1, 1)
    return " + ".join(terms), point, inputs


def cg_dot(text, point):
    from cgcli import run
    from cgcli import parse
    from cgcli.views.picture import dot
    g = parse(text)
    return dot(g, run(g, point))


def cg_explain(text, point):
    from cgcli import run
    from cgcli import parse
    from cgcli.teach.steps import walk
    from cgcli.views.explain import text as explain_text
    g = parse(text)
    r = run(g, point)
    return explain_text(r, walk(r))


def micrograd_dot(width, point, inputs):
    from graphviz import Digraph
    from micrograd.engine import Value

    def trace(root):                      # micrograd's trace_graph notebook, unchanged in spirit
        nodes, edges = set(), set()
        stack = [root]
        while stack:                      # (the notebook recurses; a stack keeps deep graphs safe)
            v = stack.pop()
            if v not in nodes:
                nodes.add(v)
                for child in v._prev:
                    edges.add((child, v))
                    stack.append(child)
        return nodes, edges

    def draw_dot(root):
        dot = Digraph(format="svg", graph_attr={"rankdir": "LR"})
        nodes, edges = trace(root)
        for n in nodes:
            uid = str(id(n))
            dot.node(name=uid, label="{ data %.4f | grad %.4f }" % (n.data, n.grad), shape="record")
            if n._op:
                dot.node(name=uid + n._op, label=n._op)
                dot.edge(uid + n._op, uid)
        for n1, n2 in edges:
            dot.edge(str(id(n1)), str(id(n2)) + n2._op)
        return dot

    x = [Value(point[f"x{i}"]) for i in range(inputs)]
    out = Value(0.0)
    for j in range(width):
        s = Value(point[f"b{j}"])
        for i in range(inputs):
            s = s + Value(point[f"w{j}_{i}"]) * x[i]
        out = out + Value(point[f"v{j}"]) * s.relu()
    out.backward()
    return draw_dot(out).source


def torch_dot(width, point, inputs):
    import torch
    from torchviz import make_dot
    x = torch.tensor([point[f"x{i}"] for i in range(inputs)], dtype=torch.float64)
    w = torch.tensor([[point[f"w{j}_{i}"] for i in range(inputs)] for j in range(width)],
                     dtype=torch.float64, requires_grad=True)
    b = torch.tensor([point[f"b{j}"] for j in range(width)], dtype=torch.float64, requires_grad=True)
    v = torch.tensor([point[f"v{j}"] for j in range(width)], dtype=torch.float64, requires_grad=True)
    out = (v * torch.relu(w @ x + b)).sum()
    out.backward()
    return make_dot(out, params={"w": w, "b": b, "v": v}).source


RENDER_UP_TO = 10       # `dot -Tsvg` takes most of a minute at width 100 (1,700 nodes), for either tool


def best(fn, repeat):
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t)
    return min(times) * 1000, statistics.median(times) * 1000, result


def render_ms(source):
    exe = shutil.which("dot")
    if not exe:
        return None
    t = time.perf_counter()
    subprocess.run([exe, "-Tsvg"], input=source.encode(), capture_output=True, check=True)
    return (time.perf_counter() - t) * 1000


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--widths", default="1,10,100,1000")
    args = ap.parse_args()
    alternatives = {"micrograd draw_dot": micrograd_dot, "torch + torchviz": torch_dot}
    missing = set()
    for name, fn in alternatives.items():
        try:
            fn(1, network(1)[1], 4)
        except ImportError as e:
            missing.add(name)
            print(f"note: {name} skipped ({e.name} is not installed)")
    print(f"{'width':>6} {'nodes':>6}  {'tool':22} {'DOT ms':>9} {'x cg':>6} {'render ms':>10}")
    for width in (int(w) for w in args.widths.split(",")):
        text, point, inputs = network(width)
        ms, _, source = best(lambda: cg_dot(text, point), args.repeat)
        from cgcli import parse
        nodes = len(parse(text))
        rms = render_ms(source) if width <= RENDER_UP_TO else None
        print(f"{width:6} {nodes:6}  {'cg graph (dot)':22} {ms:9.2f} {1:6.2f} "
              f"{'' if rms is None else f'{rms:10.0f}'}")
        for name, fn in alternatives.items():
            if name in missing:
                continue
            try:
                ams, _, asrc = best(lambda: fn(width, point, inputs), args.repeat)
            except RecursionError:
                print(f"{'':6} {'':6}  {name:22} fails: RecursionError (its backward pass recurses)")
                continue
            arms = render_ms(asrc) if width <= RENDER_UP_TO else None
            print(f"{'':6} {'':6}  {name:22} {ams:9.2f} {ams / ms:6.2f} "
                  f"{'' if arms is None else f'{arms:10.0f}'}")
        ems, _, steps = best(lambda: cg_explain(text, point), args.repeat)
        print(f"{'':6} {'':6}  {'cg explain (text)':22} {ems:9.2f} {ems / ms:6.2f}   "
              f"({steps.count(chr(10))} lines; no alternative explains the steps)")


if __name__ == "__main__":
    main()
