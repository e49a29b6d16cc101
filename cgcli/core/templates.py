"""Templates: small cg expressions (the op table's partials "out*(1 - out)", a composite's
gates) parsed once and spliced into a graph being built (gate expansion, symbolic partials).
Here rather than in graph.py because it parses: the parser builds graphs, so graph.py cannot
import it back."""
from __future__ import annotations

from .build import Builder
from .graph import Graph
from .ops import CONST, OPS, VAR
from .parse import parse


_TEMPLATES: dict = {}


def template(text: str) -> Graph:
    """Parse a template such as the op table's "out*(1 - out)" once and keep it."""
    g = _TEMPLATES.get(text)
    if g is None:
        g = _TEMPLATES[text] = parse(text)
    return g


def instantiate(builder: "Builder", text: str, bindings: dict) -> int:
    """Add the nodes of template `text` to `builder`, its variables (a, b, out, ...) bound to
    existing node ids; returns the id of the template's output node. The template's constant
    subexpressions become single constants (`a * -1` multiplies by the constant -1)."""
    t = template(text)
    mapping: list[int] = []
    names = {i: n for n, i in t.variables.items()}
    folded: dict = {}                  # template node -> its value, where it depends on no variable

    def use(j):                        # a folded constant becomes a node only where it is used
        if mapping[j] < 0:
            mapping[j] = builder.constant(folded[j], t.names.get(j) if t.ops[j] == CONST else None)
        return mapping[j]

    for j in range(len(t.ops)):
        op = t.ops[j]
        a, b = t.in0[j], t.in1[j]
        if op == VAR:
            mapping.append(bindings[names[j]])
        elif op == CONST:
            folded[j] = t.const[j]
            mapping.append(-1)
        elif a in folded and (b < 0 or b in folded):
            folded[j] = OPS[op].forward(*((folded[a],) if b < 0 else (folded[a], folded[b])))
            mapping.append(-1)
        else:
            mapping.append(builder.node(op, use(a), use(b) if b >= 0 else -1))
    return use(t.output)
