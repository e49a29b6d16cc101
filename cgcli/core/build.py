"""The builder the parser lowers into: each grammar rule's reduction creates or names nodes
of a Graph here (bindings and rebinding, inputs written in the program, methods, hints for
what cg does not have). Data flow: grammar -> parse -> build -> graph.
"""
from __future__ import annotations

import math
from array import array

from .errors import CgError, CgSyntaxError
from .graph import Graph
from .ops import CONST, CONSTANTS, FUNCTIONS, INFIX, MARKERS, METHODS, NOT_FUNCTIONS, VAR
from .passes import forward


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
        self.assigned: dict[str, int] = {}      # each name's current binding (as parsing goes)
        self.names: dict[int, str] = {}
        self.assigned_nodes: set[int] = set()
        self.defaults: dict[str, float] = {}
        self.log: list = []                     # (name, node) per binding, in program order
        # a fresh node given to Value(...)/input(...) ("input") or const(...) ("const")
        self.marked: dict[int, str] = {}
        self.constants: set = set()             # nodes given to const(...): never an input
        self.rebound = False                    # some name is bound more than once

    @classmethod
    def extending(cls, graph: Graph) -> "Builder":
        """A builder holding a copy of `graph`'s nodes, so more can be spliced on after them
        (e.g. a loss on a model's output: one graph, the ordinary passes)."""
        b = cls(graph.source)
        b.ops, b.in0, b.in1 = array("B", graph.ops), array("i", graph.in0), array("i", graph.in1)
        b.const, b.needs = array("d", graph.const), bytearray(graph.needs_grad)
        b.variables, b.assigned, b.names = dict(graph.variables), dict(graph.assigned), dict(graph.names)
        b.assigned_nodes = set(graph.assigned.values())
        b.defaults = dict(graph.defaults)
        return b

    # -- node creation ------------------------------------------------------------------
    def node(self, op: int, a: int = -1, b: int = -1) -> int:
        if self.marked:                        # an operand is no longer a bare Value(...)/const(...)
            self.marked.pop(a, None)
            self.marked.pop(b, None)
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
        if text in CONSTANTS and text not in self.variables:     # `e = 2` makes e an input
            return self.constant(CONSTANTS[text], text)
        if text in FUNCTIONS or text in MARKERS:
            self._fail(f"{text} is a function: call it as {text}(...)", tok[2])
        return self.variable(text)

    def call(self, name_tok, *rest):
        args = rest[:-1]
        fname, pos = name_tok[1], name_tok[2]
        keywords = [a for a in args if type(a) is tuple]
        args = [a for a in args if type(a) is not tuple]
        if fname in MARKERS:
            return self._marker(fname, pos, args, keywords)
        op = FUNCTIONS.get(fname)
        if op is None:
            if fname in self.assigned or fname in self.variables:
                self._fail(f"{fname} is not a function", pos,
                           f"hint: cg has no implicit multiplication; to multiply, write {fname}*(...)")
            instead = NOT_FUNCTIONS.get(fname)
            if instead is not None:
                self._fail(f"unknown function {fname}", pos, instead)
            # a typo's fix (one letter wrong, missing, extra or two swapped), never another
            # function: log10 is not log, sinh is not sin, arctan is not tan
            low = fname.lower()
            close = [c for c in list(FUNCTIONS) + list(MARKERS)
                     if c.lower() == low or (c.lower() not in low and _one_typo(low, c.lower()))]
            close.sort(key=lambda c: (c.lower() != low, len(c) != len(low)))
            hint = f"did you mean {close[0]}?" if close else None
            known = ", ".join(sorted(FUNCTIONS))
            self._fail(f"unknown function {fname}", pos,
                       (hint + "\n" if hint else "") + f"functions: {known}")
        if keywords:
            self._fail(f"{fname} takes no keyword arguments ({keywords[0][1][1]}=...)", keywords[0][1][2])
        if len(args) != op.arity:
            plural = "s" if op.arity != 1 else ""
            self._fail(f"{fname} takes {op.arity} argument{plural}, got {len(args)}", pos)
        return self.node(op.code, *args)

    def keyword(self, name_tok, value):
        return ("kw", name_tok, value)

    def _marker(self, fname, pos, args, keywords):
        kind = MARKERS[fname]
        for _, kname, kval in keywords:
            if fname != "Value" or kname[1] != "label" or type(kval) is not tuple:
                self._fail(f"{fname}(...) takes " + ('one number and optionally label="..."'
                                                     if fname == "Value" else "one number"), kname[2])
        if len(args) != 1:
            example = "Value(-4.0)" if fname == "Value" else f"{fname}(2)"
            self._fail(f"{fname} takes one number, got {len(args)} argument{'s' if len(args) != 1 else ''}",
                       pos, f"example: a = {example}")
        a = args[0]
        if self.needs[a]:
            self._fail(f"{fname}(...) takes a number or an expression of numbers, not of variables", pos,
                       f"{fname}(...) marks an input or a constant: write the expression without it")
        if kind == "const":
            self.constants.add(a)
        else:
            self.marked[a] = kind
        return a

    def method(self, target, name_tok, *rest):
        args = rest[:-1]
        mname, pos = name_tok[1], name_tok[2]
        if mname == "backward":
            self._fail("cg runs the backward pass itself; leave out .backward()", pos)
        if mname in ("item", "numpy", "tolist"):
            self._fail(f"cg prints the values itself; leave out .{mname}()", pos)
        op = METHODS.get(mname)
        if op is None:
            self._fail(f"{mname} is not a method cg knows", pos,
                       "methods: " + ", ".join(f".{m}()" for m in sorted(METHODS)))
        if args:
            self._fail(f".{mname}() takes no arguments, got {len(args)}", pos)
        return self.node(op.code, target)

    def attribute(self, target, name_tok):
        aname, pos = name_tok[1], name_tok[2]
        if aname == "grad":
            self._fail("cg prints the gradients itself (the table, or --get grad.NAME); leave out .grad", pos)
        if aname == "data":
            self._fail("cg prints the values itself (the table, or --get node.NAME); leave out .data", pos)
        self._fail(f"cg has no attribute access (.{aname}); methods are called: x.relu()", pos,
                   "methods: " + ", ".join(f".{m}()" for m in sorted(METHODS)))

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

    # -- bindings -------------------------------------------------------------------------
    def assign(self, name_tok, value):
        return self._bind(name_tok, value)

    def augassign(self, name_tok, op_tok, value):
        text = op_tok[1]
        old = self.name(name_tok)
        code = INFIX[_AUGMENTED[text]].code
        return self.assign(name_tok, self.node(code, old, value))

    def tuple_assign(self, *parts):
        names = [p for p in parts if type(p) is tuple]
        values = [p for p in parts if type(p) is not tuple]
        if len(names) != len(values):
            self._fail(f"{len(names)} names but {len(values)} values", names[0][2],
                       "write as many values as names: a, b = x, y")
        seen = set()
        for tok in names:
            if tok[1] in seen:
                self._fail(f"{tok[1]} appears twice on the left", tok[2])
            seen.add(tok[1])
        last = -1
        for tok, v in zip(names, values):     # every right side is built already: Python's order
            last = self._bind(tok, v)
        return last

    def _bind(self, name_tok, value):
        text, pos = name_tok[1], name_tok[2]
        if text in CONSTANTS and text != "e":
            self._fail(f"cannot assign to {text}: it is a constant", pos)
        if text in FUNCTIONS or text in MARKERS:
            self._fail(f"cannot assign to {text}: it is a function", pos)
        marked = self.marked.pop(value, None) if self.marked else None
        op = self.ops[value]
        lit = self._literal(value) if op == CONST or op == _NEG else None
        if lit is not None or marked == "input":         # a number: the name is an input
            default = lit[0] if lit is not None else self._constant_value(value, pos)
            if text in self.assigned or text in self.defaults:
                self._fail(f"{text} is bound already: a number makes an input only at a name's first "
                           f"binding", pos, f"write {text} = const(...) for a constant, or use a new name")
            if text in self.variables:
                self._fail(f"{text} is used as an input variable before this binding: a number makes an "
                           f"input only at a name's first binding", pos,
                           f"give {text} its value first, or on the command line (--{text} ...)")
            if lit is not None and value == len(self.ops) - 1:
                self._truncate(lit[1])                  # the number's own nodes give way to the input
                i = self.variable(text)
            elif value in self.names or value in self.variables.values():
                i = self.variable(text)                 # Value(k) of a named constant: a new input
            else:
                i = value
                self.ops[i] = VAR
                self.in0[i] = self.in1[i] = -1
                self.const[i] = 0.0
                self.needs[i] = 1
                self.variables[text] = i
                self.names[i] = text
            self.defaults[text] = default
            self.log.append((text, i))
            self.assigned_nodes.add(i)
            return i
        assigned = self.assigned
        if text in assigned:
            self.rebound = True
        elif text in self.variables:
            self.rebound = True
            if text not in self.defaults:
                self.log.append((text, self.variables[text]))     # the input is the name's first version
        assigned[text] = value
        self.assigned_nodes.add(value)
        self.log.append((text, value))
        self.names.setdefault(value, text)     # `r = x` keeps showing x
        return value

    def _literal(self, i: int):
        """(value, first node) when node i is a plain signed number written in the program
        (2, -4, 1e-3, +2): an unnamed constant, or the negation of one."""
        ops = self.ops
        if i in self.names or i in self.constants:
            return None
        if ops[i] == CONST:
            return self.const[i], i
        if ops[i] == _NEG:
            a = self.in0[i]
            if ops[a] == CONST and a not in self.names and a not in self.constants:
                return -self.const[a], a
        return None

    def _truncate(self, start: int):
        for k in range(start, len(self.ops)):
            self.marked.pop(k, None)
            self.constants.discard(k)
            self.names.pop(k, None)
        del self.ops[start:], self.in0[start:], self.in1[start:], self.const[start:], self.needs[start:]

    def _constant_value(self, i: int, pos) -> float:
        """The value of a node that depends on no variable (the passes' forward, on its cone)."""
        n = i + 1
        try:
            v = forward(Graph(self.ops[:n], self.in0[:n], self.in1[:n], self.const[:n], self.needs[:n],
                              {}, {}, self.names, i, self.source), {})[i]
        except CgError as e:
            self._fail(f"the value is not a finite number: {e.message.removeprefix('cg: ')}", pos)
        return v

    def start(self, *statements):
        warnings = []
        for k, node in enumerate(statements[:-1], 1):
            if node not in self.assigned_nodes:
                warnings.append(f"statement {k} is neither assigned nor the output: it has no effect")
        return self.finish(statements[-1], warnings)

    def finish(self, output: int, warnings: list | None = None) -> Graph:
        assigned, names = self.assigned, self.names
        if self.rebound:                       # else the live bindings are the final names
            assigned, names = self._versions()
        return Graph(self.ops, self.in0, self.in1, self.const, self.needs, self.variables,
                     assigned, names, output, self.source, warnings or [], self.defaults)

    def _versions(self):
        """Final names: a name bound k > 1 times is c#1 .. c#(k-1), then c (its last binding)."""
        counts: dict = {}
        for name, _ in self.log:
            counts[name] = counts.get(name, 0) + 1
        names = self.names
        variables = self.variables
        if any(k > 1 for k in counts.values()):
            names = dict(names)
        seen: dict = {}
        out: dict = {}
        for name, node in self.log:
            k = seen[name] = seen.get(name, 0) + 1
            total = counts[name]
            if total == 1:
                if variables.get(name) != node:
                    out[name] = node
                continue
            key = name if k == total else f"{name}#{k}"
            out[key] = node
            if names.get(node) == name:
                names[node] = key
        for name, node in self.assigned.items():     # names set directly (expand, extending)
            if name not in counts and name not in out:
                out[name] = node
        return out, names

    def _fail(self, message, pos, hint=None):
        raise CgSyntaxError(f"cg: {message}", source=self.source, pos=pos, hint=hint)


def _one_typo(a: str, b: str) -> bool:
    """a and b differ by one edit: a letter changed, inserted or deleted, or two neighbours swapped."""
    if a == b or abs(len(a) - len(b)) > 1:
        return a == b
    i = 0
    while i < min(len(a), len(b)) and a[i] == b[i]:
        i += 1
    if len(a) == len(b):
        return a[i + 1:] == b[i + 1:] or (a[i + 2:] == b[i + 2:] and a[i:i + 2] == b[i:i + 2][::-1])
    return a[i + 1:] == b[i:] if len(a) > len(b) else a[i:] == b[i + 1:]


_NEG = INFIX["neg"].code
_AUGMENTED = {"+=": "add", "-=": "sub", "*=": "mul", "/=": "div", "**=": "pow", "^=": "pow"}
