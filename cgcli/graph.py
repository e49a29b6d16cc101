"""The computational graph as plain data, and the builder the parser lowers into.

Nodes live in parallel flat arrays indexed by node id, in topological order (every input
of node i has a smaller id). A variable is one node however often it is used, and so is
a name given by assignment: fan-out is explicit, and the backward pass's `+=` does the
multivariate chain rule.
"""
from __future__ import annotations

import math
from array import array

from .errors import CgSyntaxError
from .fmt import fmt
from .ops import CONST, CONSTANTS, FUNCTIONS, INFIX, OPS, VAR


class Graph:
    __slots__ = ("ops", "in0", "in1", "const", "needs_grad", "variables", "assigned", "names",
                 "output", "source", "warnings", "cache")

    def __init__(self, ops, in0, in1, const, needs_grad, variables, assigned, names,
                 output=-1, source="", warnings=None):
        self.ops: array = ops                  # op code per node (an index into ops.OPS)
        self.in0: array = in0                  # first input's node id, -1 for leaves
        self.in1: array = in1                  # second input's node id, -1 unless binary
        self.const: array = const              # a constant's value (0 for other nodes)
        self.needs_grad: bytearray = needs_grad  # 1 where the node depends on a variable
        self.variables: dict = variables       # variable name -> node id, in order of first use
        self.assigned: dict = assigned         # assigned name -> node id
        self.names: dict = names               # node id -> its name (variable, constant, assignment)
        self.output: int = output
        self.source: str = source
        self.warnings: list = warnings if warnings is not None else []
        self.cache: dict = {}                  # derived text (labels, names), computed once

    def __len__(self) -> int:
        return len(self.ops)

    def inputs(self, i: int) -> tuple:
        a, b = self.in0[i], self.in1[i]
        return () if a < 0 else ((a,) if b < 0 else (a, b))

    def op(self, i: int):
        return OPS[self.ops[i]]


class Builder:
    """Parse callbacks: each grammar rule's reduction creates or names nodes here."""

    def __init__(self, source: str = ""):
        self.source = source
        self.ops = array("B")
        self.in0 = array("i")
        self.in1 = array("i")
        self.const = array("d")
        self.needs = bytearray()
        self.variables: dict[str, int] = {}
        self.assigned: dict[str, int] = {}
        self.names: dict[int, str] = {}
        self.assigned_nodes: set[int] = set()

    @classmethod
    def extending(cls, graph: Graph) -> "Builder":
        """A builder holding a copy of `graph`'s nodes, so more can be spliced on after them
        (e.g. a loss on a model's output: one graph, the ordinary passes)."""
        b = cls(graph.source)
        b.ops, b.in0, b.in1 = array("B", graph.ops), array("i", graph.in0), array("i", graph.in1)
        b.const, b.needs = array("d", graph.const), bytearray(graph.needs_grad)
        b.variables, b.assigned, b.names = dict(graph.variables), dict(graph.assigned), dict(graph.names)
        b.assigned_nodes = set(graph.assigned.values())
        return b

    # -- node creation ------------------------------------------------------------------
    def node(self, op: int, a: int = -1, b: int = -1) -> int:
        i = len(self.ops)
        self.ops.append(op)
        self.in0.append(a)
        self.in1.append(b)
        self.const.append(0.0)
        needs = self.needs
        needs.append(needs[a] | (needs[b] if b >= 0 else 0) if a >= 0 else 0)
        return i

    def constant(self, value: float, name: str | None = None) -> int:
        i = self.node(CONST)
        self.const[i] = value
        if name:
            self.names[i] = name
        return i

    def variable(self, name: str) -> int:
        i = self.variables.get(name)
        if i is None:
            i = self.node(VAR)
            self.needs[i] = 1
            self.variables[name] = i
            self.names[i] = name
        return i

    # -- grammar callbacks (tokens arrive as (type, text, position)) ---------------------
    def number(self, tok):
        value = float(tok[1])
        if math.isinf(value):
            self._fail(f"the number {tok[1]} is too large for a float", tok[2])
        return self.constant(value)

    def name(self, tok):
        text = tok[1]
        i = self.assigned.get(text)
        if i is not None:
            return i
        if text in CONSTANTS:
            return self.constant(CONSTANTS[text], text)
        if text in FUNCTIONS:
            self._fail(f"{text} is a function: call it as {text}(...)", tok[2])
        return self.variable(text)

    def call(self, name_tok, *rest):
        args = rest[:-1]
        fname, pos = name_tok[1], name_tok[2]
        op = FUNCTIONS.get(fname)
        if op is None:
            if fname in self.variables or fname in self.assigned:
                self._fail(f"{fname} is not a function", pos,
                           f"hint: cg has no implicit multiplication; to multiply, write {fname}*(...)")
            import difflib
            close = difflib.get_close_matches(fname.lower(), list(FUNCTIONS), n=1, cutoff=0.6)
            hint = f"did you mean {close[0]}?" if close else None
            known = ", ".join(sorted(FUNCTIONS))
            self._fail(f"unknown function {fname}", pos,
                       (hint + "\n" if hint else "") + f"functions: {known}")
        if len(args) != op.arity:
            plural = "s" if op.arity != 1 else ""
            self._fail(f"{fname} takes {op.arity} argument{plural}, got {len(args)}", pos)
        return self.node(op.code, *args)

    def add(self, a, b):
        return self.node(INFIX["add"].code, a, b)

    def sub(self, a, b):
        return self.node(INFIX["sub"].code, a, b)

    def mul(self, a, b):
        return self.node(INFIX["mul"].code, a, b)

    def div(self, a, b):
        return self.node(INFIX["div"].code, a, b)

    def pow(self, a, b):
        return self.node(INFIX["pow"].code, a, b)

    def neg(self, minus_tok, a):
        return self.node(INFIX["neg"].code, a)

    def assign(self, name_tok, value):
        text, pos = name_tok[1], name_tok[2]
        if text in CONSTANTS:
            self._fail(f"cannot assign to {text}: it is a constant", pos)
        if text in FUNCTIONS:
            self._fail(f"cannot assign to {text}: it is a function", pos)
        if text in self.assigned:
            self._fail(f"{text} is already assigned: a name is assigned once", pos)
        if text in self.variables:
            self._fail(f"{text} is used as an input variable before this assignment", pos)
        self.assigned[text] = value
        self.assigned_nodes.add(value)
        self.names.setdefault(value, text)     # `r = x` keeps showing x
        return value

    def start(self, *statements):
        warnings = []
        for k, node in enumerate(statements[:-1], 1):
            if node not in self.assigned_nodes:
                warnings.append(f"statement {k} is neither assigned nor the output: it has no effect")
        return self.finish(statements[-1], warnings)

    def finish(self, output: int, warnings: list | None = None) -> Graph:
        return Graph(self.ops, self.in0, self.in1, self.const, self.needs, self.variables,
                     self.assigned, self.names, output, self.source, warnings or [])

    def _fail(self, message, pos, hint=None):
        raise CgSyntaxError(f"cg: {message}", source=self.source, pos=pos, hint=hint)


# --- how nodes are shown -------------------------------------------------------------------

def display_names(graph: Graph) -> list[str]:
    """A short stable name per node: the user's name, a constant's value, or n<id>."""
    cached = graph.cache.get("names")
    if cached is None:
        cached = graph.cache["names"] = _display_names(graph)
    return cached


def _display_names(graph: Graph) -> list[str]:
    prefix = "n"
    taken = set(graph.variables) | set(graph.assigned)
    while any(name.startswith(prefix) and name[len(prefix):].isdigit() for name in taken):
        prefix = "_" + prefix
    names = graph.names
    ops, const = graph.ops, graph.const
    out = []
    for i in range(len(ops)):
        name = names.get(i)
        if name is None:
            name = fmt(const[i]) if ops[i] == CONST else f"{prefix}{i}"
        out.append(name)
    return out


def output_name(graph: Graph) -> str:
    """What the output's derivatives are written with (∂f/∂x, df/dx) in every view: its own
    name, else f (or out, if f is taken)."""
    name = graph.names.get(graph.output)
    if name and (name in graph.variables or name in graph.assigned):
        return name
    return "f" if "f" not in graph.variables and "f" not in graph.assigned else "out"


LABEL_LIMIT = 40


def labels(graph: Graph, limit: int = LABEL_LIMIT) -> list[str]:
    """Each node's subexpression as infix text, kept short: an input whose own text would
    make the label long is referred to by its short name instead (so labels stay O(1))."""
    key = ("labels", limit)
    cached = graph.cache.get(key)
    if cached is None:
        cached = graph.cache[key] = _labels(graph, limit)
    return cached


def _labels(graph: Graph, limit: int) -> list[str]:
    short = display_names(graph)
    ops, in0, in1, const, names = graph.ops, graph.in0, graph.in1, graph.const, graph.names
    text: list[str] = []
    prec: list[int] = []
    for i in range(len(ops)):
        op = OPS[ops[i]]
        if op.arity == 0:
            text.append(short[i])
            prec.append(3 if ops[i] == CONST and const[i] < 0 else 9)
            continue
        args = [in0[i]] if in1[i] < 0 else [in0[i], in1[i]]
        parts = []
        for k, a in enumerate(args):
            if a in names or ops[a] == CONST or len(text[a]) > limit:
                t, p = short[a], (3 if ops[a] == CONST and const[a] < 0 else 9)
            else:
                t, p = text[a], prec[a]
            if op.infix:
                if k == 0:
                    tight = p < op.prec or (p == op.prec and op.right_assoc)
                else:
                    tight = p < op.right_prec or (p == op.prec and not op.right_assoc)
                parts.append(f"({t})" if tight else t)
            elif op.arity == 1 and op.symbol == "-":
                parts.append(f"({t})" if p < op.prec else t)
            else:
                parts.append(t)
        if op.infix:
            label = f"{parts[0]} {op.symbol} {parts[1]}" if op.symbol != "^" else f"{parts[0]}^{parts[1]}"
        elif op.symbol == "-":
            label = "-" + parts[0]
        else:
            label = f"{op.symbol}({', '.join(parts)})"
        text.append(label)
        prec.append(op.prec)
    return text


# --- templates: small cg expressions spliced into a graph (gate expansion, symbolic partials) --

_TEMPLATES: dict = {}


def template(text: str) -> Graph:
    """Parse a template such as the op table's "out*(1 - out)" once and keep it."""
    g = _TEMPLATES.get(text)
    if g is None:
        from .parse import parse
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
