"""The builder the parser lowers into: each grammar rule's reduction creates or names nodes
of a Graph here (bindings and rebinding, inputs written in the program, methods, hints for
what cg does not have). Data flow: grammar -> parse -> build -> graph.
"""
from __future__ import annotations

import math
from array import array

from .errors import CgError, CgSyntaxError
from .fmt import fmt
from .graph import LISTS, Graph
from .ops import CONST, CONSTANTS, FUNCTIONS, INFIX, MARKERS, METHODS, NOT_FUNCTIONS, OPS, VAR
from .passes import forward


class Builder:
    """Parse callbacks: each grammar rule's reduction creates or names nodes here."""

    def __init__(self, source: str = "", shapes: dict | None = None, max_nodes: int | None = None,
                 answer: bool = False):
        from . import limits
        self.source = source
        self.limit = limits.max_nodes if max_nodes is None else max_nodes   # nodes and loop iterations
        self.answer = answer                    # a submission's answer: one expression, no bindings
        self.iterations = 0                     # loop iterations unrolled so far
        self.shapes: dict = shapes or {}        # name -> shape of an input given as a vector
        self.vec_inputs: dict = {}              # name -> its Vec of input nodes (x[0], x[1], ...)
        self.steps: list = []                   # (loop position, variable, t or None, first node)
        self.vectors = False                    # some name is bound to a vector
        self.logged: set = set()                # vector inputs already logged as a first version
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
        if i >= self.limit:
            self._over(1)
        self.ops.append(op)
        self.in0.append(a)
        self.in1.append(b)
        self.const.append(0.0)
        needs = self.needs
        needs.append(needs[a] | (needs[b] if b >= 0 else 0) if a >= 0 else 0)
        return i

    # -- the work budget (core/limits.py): checked before the nodes are made -----------------
    def reserve(self, n: int, what: str | None = None, pos=None) -> None:
        """Fail before building `n` more nodes when they would pass the budget."""
        if len(self.ops) + n > self.limit:
            self._over(n, what, pos)

    def _over(self, n: int, what: str | None = None, pos=None):
        from .limits import OverBudget, count, nodes_over
        if what is None and not self.answer:
            raise OverBudget(f"cg: the program builds more nodes than the limit of {count(self.limit)} "
                             f"nodes of work (--max-nodes N raises it)")
        if what is None:
            what = "this one builds more"
        else:
            built = len(self.ops)
            what = f"{what} would build {count(n)} nodes" + (f" (after {count(built)})" if built else "")
        raise nodes_over(what, self.limit, self.answer)

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

    def lookup(self, text: str):
        """A name's current value (a node id or a Vec), or None."""
        v = self.assigned.get(text)
        if v is None:
            v = self.vec_inputs.get(text)
        if v is None and text in self.shapes:
            from .vectors import inputs
            v = self.vec_inputs[text] = inputs(self, text, self.shapes[text])
        return v

    def name(self, tok):
        text = tok[1]
        i = self.assigned.get(text)
        if i is not None:
            return i
        if self.shapes or self.vec_inputs:
            i = self.lookup(text)
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
        if op is None and fname in _REDUCTIONS and fname not in self.assigned and fname not in self.variables:
            return self._reduction(fname, pos, args, keywords)
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
            from .names import did_you_mean
            hint = did_you_mean(close[0]) if close else None
            known = ", ".join(sorted(FUNCTIONS))
            self._fail(f"unknown function {fname}", pos,
                       (hint + "\n" if hint else "") + f"functions: {known}; on vectors: "
                       + ", ".join(_REDUCTIONS))
        if keywords:
            self._fail(f"{fname} takes no keyword arguments ({keywords[0][1][1]}=...)", keywords[0][1][2])
        if len(args) != op.arity:
            plural = "s" if op.arity != 1 else ""
            self._fail(f"{fname} takes {op.arity} argument{plural}, got {len(args)}", pos)
        if any(type(a) is not int for a in args):
            from . import vectors
            if op.arity == 1:
                return vectors.unary(self, op.code, args[0], f"{fname}({vectors.describe(self, args[0])})")
            return vectors.binary(self, op.code, args[0], args[1], fname, pos)
        return self.node(op.code, *args)

    def _reduction(self, fname, pos, args, keywords):
        from . import vectors
        if keywords:
            self._fail(f"{fname} takes no keyword arguments ({keywords[0][1][1]}=...)", keywords[0][1][2])
        want = 2 if fname == "dot" else 1
        if len(args) != want:
            self._fail(f"{fname} takes {want} argument{'s' if want > 1 else ''}, got {len(args)}", pos,
                       "dot(a, b) multiplies two vectors" if want == 2 else f"example: {fname}(x) of a vector x")
        if fname == "dot":
            return vectors.dot(self, args[0], args[1],
                               f"dot({vectors.describe(self, args[0])}, {vectors.describe(self, args[1])})", pos)
        v = args[0]
        if type(v) is int:
            self._fail(f"{fname}({vectors.describe(self, v)}): {fname} takes a vector or a matrix, "
                       f"and {vectors.describe(self, v)} is a scalar", pos)
        if fname == "len":
            return self.constant(float(len(v)))
        items = vectors.flat(v)
        out = vectors.total(self, items)
        if fname == "mean":
            out = self.node(INFIX["div"].code, out, self.constant(float(len(items))))
        return out

    # vectors: literals, indexing, W @ x
    def vector(self, lsqb, *rest):
        from . import vectors
        self.vectors = True
        return vectors.literal(self, list(rest[:-1]), lsqb[2])

    def index(self, target, lsqb, i, rsqb):
        from . import vectors
        pos = lsqb[2]
        text = f"{vectors.describe(self, target)}[{vectors.describe(self, i) if type(i) is int else '…'}]"
        if type(i) is not int or self.needs[i]:
            self._fail(f"an index must be a whole number or a loop's variable: {text}", pos,
                       "indices are constants: x[0], W[1][0], x[t] in a loop over t")
        k = self.const[i] if self.ops[i] == CONST else self._cone_value(i, pos)
        if k != int(k):
            self._fail(f"index {fmt(k)} is not a whole number in {text}", pos)
        k = int(k)
        # the index's own constant nodes are the last ones made: they give way (no dead nodes)
        if i == len(self.ops) - 1 and i not in self.names and i not in self.assigned_nodes:
            start = i
            stack = [i]
            while stack:
                j = stack.pop()
                start = min(start, j)
                stack.extend(self.inputs_of(j))
            if all(j not in self.names and j not in self.assigned_nodes for j in range(start, i + 1)):
                self._truncate(start)
        text = f"{vectors.describe(self, target)}[{k}]"
        return vectors.index(self, target, k, pos, text)

    def _cone_value(self, i: int, pos) -> float:
        """The value of a node that depends on no variable, from its own cone only (an index
        such as x[t - 1] inside a loop: constant time, not a pass over the whole graph)."""
        cone = set()
        stack = [i]
        while stack:
            j = stack.pop()
            if j not in cone:
                cone.add(j)
                stack.extend(self.inputs_of(j))
        values = {}
        try:
            for j in sorted(cone):
                op = OPS[self.ops[j]]
                values[j] = self.const[j] if op.arity == 0 else op.forward(*(values[a] for a in self.inputs_of(j)))
        except (ValueError, ZeroDivisionError, OverflowError):
            self._fail("the index is not a finite number", pos)
        return values[i]

    def inputs_of(self, i):
        a, b = self.in0[i], self.in1[i]
        return () if a < 0 else ((a,) if b < 0 else (a, b))

    def matmul(self, a, tok, b):
        from . import vectors
        return vectors.matmul(self, a, b, tok[2])

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
        if type(a) is not int:
            self._fail(f"{fname}(...) takes one number, not a vector", pos,
                       "write the vector's numbers as they are: x = [1, 2, 3] makes inputs x[0], x[1], x[2]")
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
        if type(target) is not int:
            from . import vectors
            return vectors.unary(self, op.code, target, f"{vectors.describe(self, target)}.{mname}()")
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
        if type(a) is int and type(b) is int:
            return self.node(_ADD, a, b)
        from . import vectors
        return vectors.binary(self, _ADD, a, b, INFIX["add"].symbol)

    def sub(self, a, b):
        if type(a) is int and type(b) is int:
            return self.node(_SUB, a, b)
        from . import vectors
        return vectors.binary(self, _SUB, a, b, INFIX["sub"].symbol)

    def mul(self, a, b):
        if type(a) is int and type(b) is int:
            return self.node(_MUL, a, b)
        from . import vectors
        return vectors.binary(self, _MUL, a, b, INFIX["mul"].symbol)

    def div(self, a, b):
        if type(a) is int and type(b) is int:
            return self.node(_DIV, a, b)
        from . import vectors
        return vectors.binary(self, _DIV, a, b, INFIX["div"].symbol)

    def pow(self, a, b):
        if type(a) is int and type(b) is int:
            return self.node(_POW, a, b)
        from . import vectors
        return vectors.binary(self, _POW, a, b, INFIX["pow"].symbol)

    def neg(self, minus_tok, a):
        if type(a) is not int:
            from . import vectors
            return vectors.unary(self, _NEG, a, f"-{vectors.describe(self, a)}")
        return self.node(_NEG, a)

    # -- bindings -------------------------------------------------------------------------
    def assign(self, name_tok, value):
        if self.answer:
            self._no_program("an assignment", name_tok[2])
        return self._bind(name_tok, value)

    def _no_program(self, what: str, pos):
        from .limits import NotAnAnswer
        raise NotAnAnswer(f"cg: an answer is an expression, not a program: {what} is not allowed",
                          source=self.source, pos=pos, hint=_ANSWER_HINT)

    def augassign(self, name_tok, op_tok, value):
        if self.answer:
            self._no_program("an assignment", name_tok[2])
        text = op_tok[1]
        old = self.name(name_tok)
        return self.assign(name_tok, getattr(self, _AUGMENTED[text])(old, value))

    def tuple_assign(self, *parts):
        names = [p for p in parts if type(p) is tuple]
        if self.answer:
            self._no_program("an assignment", names[0][2] if names else None)
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
        if type(value) is not int:
            return self._bind_vector(text, value, pos)
        if text in self.vec_inputs:
            self.rebound = True
        marked = self.marked.pop(value, None) if self.marked else None
        op = self.ops[value]
        lit = self._literal(value) if op == CONST or op == _NEG else None
        if lit is not None or marked == "input":         # a number: the name is an input
            default = lit[0] if lit is not None else self._constant_value(value, pos)
            if text in self.assigned or text in self.defaults or text in self.vec_inputs:
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

    def _bind_vector(self, text, value, pos):
        from . import vectors
        self.vectors = True
        self.rebound = True                    # names are made by _versions
        elements = vectors.flat(value)
        lits = [self._literal(i) for i in elements]
        if all(lit is not None for lit in lits):         # [1, 2, 3]: the name is a vector of inputs
            if (text in self.assigned or text in self.vec_inputs or text in self.defaults
                    or text in self.variables):
                self._fail(f"{text} is bound already: numbers make inputs only at a name's first binding",
                           pos, "use a new name for the vector of inputs")
            first = min(lit[1] for lit in lits)
            if first == len(self.ops) - sum(1 + (self.ops[i] == _NEG) for i in elements):
                self._truncate(first)            # the numbers' own nodes give way to the inputs
                inputs = vectors.inputs(self, text, vectors.shape(value))
            else:                                # not the last nodes (a, b = [1, 2], [3, 4]):
                for i in elements:               # each number's node becomes its input
                    self.ops[i] = VAR
                    self.in0[i] = self.in1[i] = -1
                    self.const[i] = 0.0
                    self.needs[i] = 1
                inputs = value
                for name, node in vectors.element_names(text, inputs):
                    self.variables[name] = node
                    self.names[node] = name
                inputs = vectors.renamed(inputs, text)
            for (name, node), lit in zip(vectors.element_names(text, inputs), lits):
                self.defaults[name] = lit[0]
                self.assigned_nodes.add(node)
            self.vec_inputs[text] = inputs
            self.log.append((text, inputs))
            self.logged.add(text)
            return inputs
        if text in self.vec_inputs and text not in self.assigned and text not in self.logged:
            self.log.append((text, self.vec_inputs[text]))     # the inputs are the name's first version
            self.logged.add(text)
        value = vectors.renamed(value, text)
        self.assigned[text] = value
        for _, node in vectors.element_names(text, value):
            self.assigned_nodes.add(node)
        self.log.append((text, value))
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
        if self.answer and len(statements) > 1:
            self._no_program("more than one statement", None)
        from .warn import no_effect
        warnings = []
        assigned_nodes = self.assigned_nodes
        for k, node in enumerate(statements[:-1], 1):
            if type(node) is not int:
                if not self.vectors or not all(x in assigned_nodes for x in _flat(node)):
                    warnings.append(no_effect(k))
            elif node not in assigned_nodes:
                warnings.append(no_effect(k))
        out = statements[-1]
        if type(out) is not int:
            from .vectors import describe, say_shape, shape
            self._fail(f"the output {describe(self, out)} is {say_shape(shape(out))}: cg differentiates "
                       f"one number", None, "end the program with a scalar: sum(v), mean(v), v[0], "
                       "dot(a, b), or name the output with --output v[0]")
        return self.finish(out, warnings)

    def finish(self, output: int, warnings: list | None = None) -> Graph:
        assigned, names = self.assigned, self.names
        if self.rebound:                       # else the live bindings are the final names
            assigned, names = self._versions()
        ops, in0, in1, const, needs = self.ops, self.in0, self.in1, self.const, self.needs
        # a graph of at most graph.LISTS nodes keeps its columns in lists (the passes index them
        # faster, and a one-off run makes none of the conversions), a larger one in arrays (a
        # quarter of the memory); needs_grad is a bytearray either way
        if len(ops) <= LISTS:
            if type(ops) is not list:
                ops, in0, in1, const = ops.tolist(), in0.tolist(), in1.tolist(), const.tolist()
        elif type(ops) is list:
            ops, in0, in1, const = array("B", ops), array("i", in0), array("i", in1), array("d", const)
        if type(needs) is not bytearray:
            needs = bytearray(needs)
        return Graph(ops, in0, in1, const, needs, self.variables,
                     assigned, names, output, self.source, warnings or [], self.defaults, self.steps)

    def _versions(self):
        """Final names: a name bound k > 1 times is c#1 .. c#(k-1), then c (its last binding);
        a vector's elements are h#2[0], h#2[1], ... (W[1][0] for a matrix)."""
        counts: dict = {}
        log = self.log
        for name, _ in log:
            counts[name] = counts.get(name, 0) + 1
        names = self.names
        variables = self.variables
        if self.vectors or any(k > 1 for k in counts.values()):
            names = dict(names)
        seen: dict = {}
        out: dict = {}
        for name, node in log:
            k = seen[name] = seen.get(name, 0) + 1
            total = counts[name]
            key = name if k == total else f"{name}#{k}"
            if type(node) is not int:
                for path, x in _paths(node):
                    plain = name + path
                    if total == 1 and variables.get(plain) == x:
                        continue
                    out[key + path] = x
                    if names.get(x) == plain or x not in names:
                        names[x] = key + path
                continue
            if total == 1:
                if variables.get(name) != node:
                    out[name] = node
                continue
            out[key] = node
            if names.get(node) == name:
                names[node] = key
        for name, node in self.assigned.items():     # names set directly (expand, extending)
            if type(node) is int and name not in counts and name not in out:
                out[name] = node
        return out, names

    def _fail(self, message, pos, hint=None):
        raise CgSyntaxError(f"cg: {message}", source=self.source, pos=pos, hint=hint)


def _flat(v):
    if v and type(v[0]) is not int:
        return [x for row in v for x in row]
    return v


def _paths(v):
    """("[i]", node) per element of a vector, ("[i][j]", node) of a matrix."""
    if v and type(v[0]) is not int:
        return [(f"[{i}][{j}]", x) for i, row in enumerate(v) for j, x in enumerate(row)]
    return [(f"[{i}]", x) for i, x in enumerate(v)]


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


_ANSWER_HINT = ("write the answer as one expression: a number, a constant expression (pi/4), or a "
                "formula in the problem's names (x + y)")
_NEG = INFIX["neg"].code
_ADD, _SUB, _MUL, _DIV, _POW = (INFIX[k].code for k in ("add", "sub", "mul", "div", "pow"))
_AUGMENTED = {"+=": "add", "-=": "sub", "*=": "mul", "/=": "div", "**=": "pow", "^=": "pow"}
# functions over whole vectors (not ops: each is built from the table's add, mul and div)
_REDUCTIONS = ("sum", "mean", "dot", "len")
