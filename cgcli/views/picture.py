"""Pictures of the computational graph: Graphviz DOT and Mermaid text (`cg graph`).

Top to bottom or left to right (default_rankdir), one box per node (its name, what it computes from its inputs' names, its
value and its gradient, as micrograd's draw_dot shows them), edges from inputs to consumers,
the output drawn bold. Given only a Graph (no values), the boxes show the structure alone.
Values and gradients come from a finished Result; nothing is computed here.
"""
from __future__ import annotations

from ..core.graph import display_names
from ..core.ops import CONST, OPS, VAR
from .explain import Piece, apply, number


def _boxes(graph, result, precision, decimals=None):
    """Per node: (title, formula or "", value text or None, grad text or None); numbers with
    `precision` significant digits, or `decimals` fixed places (as explain --decimals)."""
    names = display_names(graph)
    ops = graph.ops
    num = (lambda v: number(v, precision, decimals))
    out = []
    for i in range(len(ops)):
        code = ops[i]
        if code == VAR or code == CONST:
            formula = ""
        else:
            formula = apply(OPS[code], [Piece(names[a]) for a in graph.inputs(i)]).text
        value = grad = None
        if result is not None:
            value = num(result.values[i])
            g = result.grad(i)
            grad = None if g is None else num(g)
        elif code == CONST:
            value = names[i] if i not in graph.names else num(graph.const[i])
        out.append((names[i], formula, value, grad))
    return out


def _edges(graph):
    for i in range(len(graph.ops)):
        for k, a in enumerate(graph.inputs(i)):
            yield a, i, k


TALL = 4               # more gates than this on the longest path: drawn top to bottom


def default_rankdir(graph) -> str:
    """TB when the longest input-to-output path has more than TALL gates (left to right, such
    a graph gets far wider than a screen), else LR (as micrograd draws)."""
    ops, in0, in1 = graph.ops, graph.in0, graph.in1
    depth = [0] * len(ops)
    for i in range(len(ops)):
        a, b = in0[i], in1[i]
        if a >= 0:
            depth[i] = 1 + max(depth[a], depth[b] if b >= 0 else 0)
    return "TB" if depth and max(depth) > TALL else "LR"


def edge_grads(walk, precision=4) -> dict:
    """(input, gate, k) -> the gradient that edge carries back (upstream × local), as text."""
    return {(e.to, e.node, e.k): number(e.product, precision)
            for edges in walk.edges.values() for e in edges}


def _dot_escape(s: str) -> str:
    """Text inside a record label: \\ { } | < > " and spaces at the ends are special."""
    out = []
    for c in s:
        if c in '\\{}|<>"':
            out.append("\\" + c)
        else:
            out.append(c)
    return "".join(out)


def dot(graph, result=None, precision=4, rankdir="LR", edges=None, ids=False, reserve=None,
        decimals=None) -> str:
    """Graphviz DOT: `dot -Tsvg` draws it. edges: edge_grads' labels; ids: SVG element ids
    v<node> and e<input>_<gate>_<k> (the HTML page highlights them); reserve: node -> (value
    text, grad text) drawn instead of the numbers (the widest text a box will show, so that a
    page revealing the numbers step by step keeps its layout); decimals: fixed places for the
    numbers in the boxes (explain --decimals)."""
    L = ["digraph cg {", f"  rankdir={rankdir};", '  node [shape=record, fontname="Helvetica", fontsize=11];',
         '  edge [color="#555555"];']
    ops = graph.ops
    for i, (title, formula, value, grad) in enumerate(_boxes(graph, result, precision, decimals)):
        if reserve is not None and i in reserve:
            value, grad = (r if r is not None else d for r, d in zip(reserve[i], (value, grad)))
        fields = [_dot_escape(title)]
        if formula:
            fields[0] += " = " + _dot_escape(formula)
        if ops[i] != CONST or result is not None:
            if value is not None:
                fields.append("value " + _dot_escape(value))
            if grad is not None:
                fields.append("grad " + _dot_escape(grad))
        elif value is not None and value != title:
            fields.append(_dot_escape(value))
        attrs = [f'label="{{ {" | ".join(fields)} }}"']
        if ops[i] == VAR:
            attrs.append('style=filled, fillcolor="#e8f0fe"')
        elif ops[i] == CONST:
            attrs.append('style=filled, fillcolor="#f1f1f1", fontcolor="#555555"')
        if i == graph.output:
            attrs.append('penwidth=2.5, xlabel="output"')
        if ids:
            attrs.append(f'id="v{i}"')
        L.append(f"  v{i} [{', '.join(attrs)}];")
    L += _dot_clusters(graph)
    for a, i, k in _edges(graph):
        attrs = []
        if edges is not None and (a, i, k) in edges:
            attrs.append(f'label="{_dot_escape(edges[a, i, k])}", fontcolor="#c0392b", fontsize=10')
        if ids:
            attrs.append(f'id="e{a}_{i}_{k}"')
        L.append(f"  v{a} -> v{i}" + (f" [{', '.join(attrs)}];" if attrs else ";"))
    L.append("}")
    return "\n".join(L) + "\n"


def _groups(graph):
    """Loop steps and vectors (views/groups.py clusters), or [] for a graph without either."""
    if not graph.steps and not any("[" in n for n in graph.names.values()):
        return []
    from .groups import clusters
    return clusters(graph, display_names(graph))


_CLUSTER_STYLE = {"step": 'style="rounded,dashed"; color="#7f8c8d"; fontcolor="#7f8c8d"',
                  "vector": 'style="rounded,filled"; color="#c6d4f0"; fillcolor="#f5f8fe"'}


def _nested_groups(graph, opening, closing: str) -> list:
    """Lines for the loop-step and vector groups, nested as the loops are (DOT clusters,
    Mermaid subgraphs): opening(k, kind, title, pad, nodes) gives a group's first lines,
    `closing` ends one. An explicit stack closes the enclosing groups (no recursion)."""
    L = []
    stack: list = []
    for k, (kind, label, nodes, parent) in enumerate(_groups(graph)):
        while stack and stack[-1] != parent:
            stack.pop()
            L.append("  " * (len(stack) + 1) + closing)
        pad = "  " * (len(stack) + 1)
        title = label if kind == "vector" else f"step {label}"
        L += opening(k, kind, title, pad, nodes)
        stack.append(k)
    while stack:
        stack.pop()
        L.append("  " * (len(stack) + 1) + closing)
    return L


def _dot_clusters(graph) -> list:
    """Graphviz clusters: one per loop iteration (nested loops nest), one per input vector."""
    def opening(k, kind, title, pad, nodes):
        head = [f'{pad}subgraph cluster_{k} {{ label="{_dot_escape(title)}"; {_CLUSTER_STYLE[kind]};']
        return head + ([f"{pad}  " + " ".join(f"v{i};" for i in nodes)] if nodes else [])
    return _nested_groups(graph, opening, "}")


def svg(graph, result=None, precision=None, rankdir=None):
    """The picture as SVG text, drawn by Graphviz's dot; None where dot is not installed or
    fails (the notebook display: then nothing is shown)."""
    import shutil
    import subprocess
    from ..core.fmt import PRECISION
    exe = shutil.which("dot")
    if exe is None:
        return None
    text = dot(graph, result, precision or PRECISION, rankdir or default_rankdir(graph))
    try:
        p = subprocess.run([exe, "-Tsvg"], input=text.encode("utf-8"), capture_output=True, timeout=60)
    except (OSError, subprocess.SubprocessError):
        return None
    return p.stdout.decode("utf-8") if p.returncode == 0 else None


def _mermaid_escape(s: str) -> str:
    return s.replace("#", "#35;").replace("&", "#amp;").replace('"', "#quot;").replace("<", "#lt;").replace(">", "#gt;")


def mermaid(graph, result=None, precision=4, rankdir="LR", edges=None) -> str:
    """A Mermaid flowchart (GitHub and many editors render it in a ```mermaid block)."""
    L = [f"flowchart {rankdir}"]
    ops = graph.ops
    for i, (title, formula, value, grad) in enumerate(_boxes(graph, result, precision)):
        parts = [_mermaid_escape(title + (" = " + formula if formula else ""))]
        if value is not None and (result is not None or value != title):
            parts.append(("value " if result is not None else "") + _mermaid_escape(value))
        if grad is not None:
            parts.append("grad " + _mermaid_escape(grad))
        shape = ('(["', '"])') if ops[i] == VAR else (('[/"', '"/]') if ops[i] == CONST else ('["', '"]'))
        L.append(f"  v{i}{shape[0]}{'<br/>'.join(parts)}{shape[1]}")
    L += _nested_groups(graph, lambda k, kind, title, pad, nodes:
                        [f'{pad}subgraph c{k} ["{_mermaid_escape(title)}"]'] + [f"{pad}  v{i}" for i in nodes],
                        "end")
    for a, i, k in _edges(graph):
        if edges is not None and (a, i, k) in edges:
            L.append(f'  v{a} -->|"{_mermaid_escape(edges[a, i, k])}"| v{i}')
        else:
            L.append(f"  v{a} --> v{i}")
    L.append("  classDef output stroke-width:3px")
    L.append(f"  class v{graph.output} output")
    return "\n".join(L) + "\n"
