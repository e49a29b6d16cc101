"""Gate expansion: lower composite ops (those with an `expand` template in the op table, such
as sigmoid and tanh) into primitive gates, so the graph shows every gate, as the seeds draw
the sigmoid neuron: *-1, exp, +1, 1/x.

The result is a new Graph with the same variables (in the same order), the same assigned
names and the same source; only composite nodes are replaced, each by its template's gates
spliced in with `graph.instantiate`. One loop in topological order: no recursion.
"""
from __future__ import annotations

from ..core.build import Builder
from ..core.graph import Graph

from ..core.templates import instantiate
from ..core.ops import CONST, OPS, VAR


def expand(graph: Graph) -> Graph:
    """The same computation with every composite op lowered to primitive gates (a template
    may itself use a composite: lowering repeats until none is left)."""
    for _ in range(8):
        if not any(OPS[code].expand for code in set(graph.ops)):
            return graph
        graph = _lower(graph)
    raise RuntimeError("the op table's expand templates do not reduce to primitive gates")


def _lower(graph: Graph) -> Graph:
    b = Builder(graph.source)
    ops, in0, in1, const, names = graph.ops, graph.in0, graph.in1, graph.const, graph.names
    var_name = {i: n for n, i in graph.variables.items()}
    new: list[int] = []
    for i in range(len(ops)):
        code = ops[i]
        op = OPS[code]
        if code == VAR:
            new.append(b.variable(var_name[i]))
        elif code == CONST:
            new.append(b.constant(const[i], names.get(i)))
        elif op.expand:
            args = {"a": new[in0[i]]}
            if in1[i] >= 0:
                args["b"] = new[in1[i]]
            new.append(instantiate(b, op.expand, args))
        else:
            new.append(b.node(code, new[in0[i]], new[in1[i]] if in1[i] >= 0 else -1))
    for name, i in graph.assigned.items():
        b.assigned[name] = new[i]
    for i, name in names.items():
        if ops[i] == VAR:
            b.names[new[i]] = name             # a rebound input's input node stays x#1
        elif ops[i] != CONST:
            b.names.setdefault(new[i], name)
    b.defaults = dict(graph.defaults)
    return b.finish(new[graph.output], list(graph.warnings))


def lowered(graph: Graph, asked: bool) -> Graph:
    """The graph, with composite ops (sigmoid, tanh, ...) lowered to primitive gates if asked."""
    return expand(graph) if asked else graph
