"""Structure for the views: the nodes grouped by loop iteration and by vector (issue 11).

The tree (views/rich.py) marks each node with the loop step that made it, the picture
(views/picture.py) draws a box per iteration and per vector, and the step-through
(views/explain.py) names the steps. They read the graph's `steps` (written by core/unroll.py
as it unrolls) and the display names (x[0], W[1][0]); the groups are cached on the graph.
"""
from __future__ import annotations


def step_intervals(graph) -> list:
    """(first node, end node, label) per loop iteration, outer before inner ("t=3", "i=1, j=0")."""
    cached = graph.cache.get("steps")
    if cached is not None:
        return cached
    open_: dict = {}            # loop position -> (start node, t, variable)
    out = []
    path: list = []             # enclosing iterations' labels
    for pos, var, t, node in graph.steps:
        if pos in open_:
            s, t0, v = open_.pop(pos)
            out.append((s, node, ", ".join(path)))
            path.pop()
        if t is not None:
            open_[pos] = (node, t, var)
            path.append(f"{var}={t}")
    out.sort(key=lambda r: (r[0], -r[1]))
    graph.cache["steps"] = out
    return out


def node_steps(graph) -> list:
    """Per node, the label of the innermost loop iteration that made it, or None."""
    cached = graph.cache.get("node_steps")
    if cached is not None:
        return cached
    labels = [None] * len(graph.ops)
    for start, end, label in step_intervals(graph):   # inner iterations come later and overwrite
        for i in range(start, min(end, len(labels))):
            labels[i] = label
    graph.cache["node_steps"] = labels
    return labels


def vector_of(name: str):
    """The vector a display name belongs to: W for W[1][0], h#2 for h#2[0]; None for a scalar."""
    k = name.find("[")
    return name[:k] if k > 0 and name.endswith("]") else None


def clusters(graph, names: list) -> list:
    """Groups for the graph picture: (kind, label, [node ids], parent index or -1), kind "step"
    for a loop iteration's gates (nested iterations inside their loop's), "vector" for the input
    elements of one vector (W[0][0] ... W[1][1]). A node is in at most one group."""
    from ..core.ops import VAR
    out = []
    owner = [-1] * len(graph.ops)
    stack: list = []
    for start, end, label in step_intervals(graph):
        while stack and not (stack[-1][0] <= start and end <= stack[-1][1]):
            stack.pop()
        parent = stack[-1][2] if stack else -1
        k = len(out)
        out.append(["step", label, [], parent])
        stack.append((start, end, k))
        for i in range(start, min(end, len(owner))):
            owner[i] = k
    vectors: dict = {}
    ops = graph.ops
    for i in range(len(ops)):
        if ops[i] == VAR or owner[i] < 0:
            base = vector_of(names[i]) if i in graph.names else None
            if base is not None:
                k = vectors.get(base)
                if k is None:
                    k = vectors[base] = len(out)
                    out.append(["vector", base, [], -1])
                owner[i] = k
            elif ops[i] == VAR:
                owner[i] = -1
    for i, k in enumerate(owner):
        if k >= 0:
            out[k][2].append(i)
    return [tuple(c) for c in out]
