"""The computational graph as plain data (the parser builds it through core/build.py), and
how its nodes are named and labelled for the views.

Nodes live in parallel flat columns indexed by node id (Python lists for a graph of at most
LISTS nodes, arrays beyond: Builder.finish decides), in topological order (every input
of node i has a smaller id). A variable is one node however often it is used, and so is
a name given by assignment: fan-out is explicit, and the backward pass's `+=` does the
multivariate chain rule.
"""
from __future__ import annotations

from array import array

from .fmt import fmt
from .ops import CONST, OPS


# Nodes: the passes of a graph this small work in Python lists (indexing a list costs less than
# an array's: they are about a third faster); a larger one's in arrays, a quarter of the memory.
LISTS = 1 << 12


class Graph:
    __slots__ = ("ops", "in0", "in1", "const", "needs_grad", "variables", "assigned", "names",
                 "output", "source", "warnings", "cache", "defaults", "steps")

    def __init__(self, ops, in0, in1, const, needs_grad, variables, assigned, names,
                 output=-1, source="", warnings=None, defaults=None, steps=None):
        self.ops: array = ops                  # op code per node (an index into ops.OPS)
        self.in0: array = in0                  # first input's node id, -1 for leaves
        self.in1: array = in1                  # second input's node id, -1 unless binary
        self.const: array = const              # a constant's value (0 for other nodes)
        self.needs_grad: bytearray = needs_grad  # 1 where the node depends on a variable
        self.variables: dict = variables       # variable (input) name -> node id, in order of first use
        # assigned name -> node id; a name bound k > 1 times has k entries: c#1 .. c#(k-1) for
        # the earlier bindings and plain c for the last (a rebound input's input node is x#1)
        self.assigned: dict = assigned
        self.names: dict = names               # node id -> its name (variable, constant, assignment)
        self.output: int = output
        self.source: str = source
        self.warnings: list = warnings if warnings is not None else []
        self.cache: dict = {}                  # derived text (labels, names), computed once
        # input name -> the value the program gives it (`x = 2`, `a = Value(-4.0)`)
        self.defaults: dict = defaults if defaults is not None else {}
        # unrolled loops: (loop's position, variable, t, first node of iteration t), and
        # (position, variable, None, first node after the loop) at each loop's end, in order
        self.steps: list = steps if steps is not None else []

    def __len__(self) -> int:
        return len(self.ops)

    def inputs(self, i: int) -> tuple:
        a, b = self.in0[i], self.in1[i]
        return () if a < 0 else ((a,) if b < 0 else (a, b))

    def op(self, i: int):
        return OPS[self.ops[i]]


def backward_order(graph: Graph, roots=None, reach: bytearray | None = None):
    """The nodes the roots (default: the output) depend on, each before its inputs: the
    backward pass's order (ids fall: every node's inputs have smaller ids). A plain loop, no
    recursion. `reach`, when given (a bytearray of zeros, at least max(roots) + 1 long), is
    left with a 1 for every node yielded. The one walk the structural passes share (views,
    diagnostics, the printers); the engines that carry values back (core/passes.py's
    backward, batch/, symbolic/diff.py, grading) keep their own loops, which this order is."""
    roots = (graph.output,) if roots is None else roots
    if not roots:
        return
    top = max(roots)
    if reach is None:
        reach = bytearray(top + 1)
    for r in roots:
        reach[r] = 1
    in0, in1 = graph.in0, graph.in1
    for i in range(top, -1, -1):
        if reach[i]:
            a = in0[i]
            if a >= 0:
                reach[a] = 1
                b = in1[i]
                if b >= 0:
                    reach[b] = 1
            yield i


def reaching(graph: Graph, roots=None) -> bytearray:
    """1 for every node the roots (default: the output) depend on, the roots included; as
    long as the graph."""
    reach = bytearray(len(graph.ops))
    for _ in backward_order(graph, roots, reach):
        pass
    return reach


def output_at(graph: Graph, i: int) -> Graph:
    """The same graph differentiating node i (cg's --output; names.with_output resolves the name)."""
    from .warn import NO_EFFECT, code_of
    g = Graph(graph.ops, graph.in0, graph.in1, graph.const, graph.needs_grad, graph.variables,
              graph.assigned, graph.names, i, graph.source,
              [w for w in graph.warnings if code_of(w) != NO_EFFECT], graph.defaults, graph.steps)
    return g


# --- how nodes are shown -------------------------------------------------------------------

def display_names(graph: Graph) -> list[str]:
    """A short stable name per node: the user's name, a constant's value, or n<id>; an
    unnamed output (not a constant) is output_name's f, the name its derivatives use."""
    cached = graph.cache.get("names")
    if cached is None:
        cached = graph.cache["names"] = _display_names(graph)
    return cached


def unnamed_prefix(graph: Graph) -> str:
    """The prefix of an unnamed node's name: n (n4), or _n, __n, ... where the program uses
    such names itself."""
    prefix = "n"
    taken = set(graph.variables) | set(graph.assigned)
    while any(name.startswith(prefix) and name[len(prefix):].isdigit() for name in taken):
        prefix = "_" + prefix
    return prefix


def _display_names(graph: Graph) -> list[str]:
    prefix = unnamed_prefix(graph)
    names = graph.names
    ops, const = graph.ops, graph.const
    out = []
    for i in range(len(ops)):
        name = names.get(i)
        if name is None:
            name = fmt(const[i]) if ops[i] == CONST else f"{prefix}{i}"
        out.append(name)
    out_i = graph.output
    if 0 <= out_i < len(out) and out_i not in names and ops[out_i] != CONST:
        out[out_i] = output_name(graph)     # an unnamed output is f (or out) in every view
    return out


def output_name(graph: Graph) -> str:
    """What the output's derivatives are written with (∂f/∂x, df/dx) in every view: its own
    name, else f (or out, if f is taken)."""
    name = graph.names.get(graph.output)
    if name and (name in graph.variables or name in graph.assigned):
        return name
    taken = (graph.variables, graph.assigned)
    for name in ("f", "out", "output"):
        if not any(name in t for t in taken):
            return name
    return unnamed_prefix(graph) + str(graph.output)


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
