"""Symbolic derivatives: the backward pass run over expressions instead of numbers.

The numeric backward pass (cgcli.core.passes.backward) walks the graph from the output to the
inputs and accumulates grad[input] += grad[node] * local partial (a number). Here the
same loop accumulates expressions: the upstream gradient is an expression, each local
partial is the op table's symbolic `partials` text (a cg expression over a, b, out)
spliced in with `cgcli.core.templates.instantiate`, and `*` and `+=` build new expressions in a
simplifying store (cgcli.symbolic.simplify). An op added to the table is differentiable here with
no other change.

Higher orders differentiate the derivative graph again: a derivative is turned back into
an ordinary computational graph (simplify.to_graph) and the same backward loop runs over
it. Derivatives are cached by their multi-index, and one backward pass gives the
derivative with respect to every variable at once, so a Hessian costs one first-order
pass plus one pass per variable.
"""
from __future__ import annotations

import math

from ..core.graph import Graph

from ..core.templates import instantiate
from ..core.ops import OPS, VAR
from .simplify import Store, to_graph, to_store

_PARTIALS = [op.partials for op in OPS]
_ARITY = [op.arity for op in OPS]


def backward_expressions(graph: Graph, root: int, store: Store, m: list) -> dict:
    """d(node root)/d(variable) for every variable of `graph`, as store ids; `m` maps each
    graph node to its canonical expression (simplify.to_store)."""
    ops, in0, in1, needs, names = graph.ops, graph.in0, graph.in1, graph.needs_grad, graph.names
    zero = store.zero
    adj: dict[int, int] = {root: store.one}
    out: dict[str, int] = {name: zero for name in graph.variables}
    var_of = {i: name for name, i in graph.variables.items()}   # a rebound input is shown as h#1
    for i in range(root, -1, -1):             # nodes after the root cannot reach it
        g = adj.pop(i, None)
        if g is None:
            continue
        op = ops[i]
        if op == VAR:
            out[var_of.get(i, names[i])] = g
            continue
        k = _ARITY[op]
        if k == 0:
            continue
        a, b = in0[i], in1[i]
        bind = {"a": m[a], "out": m[i]}
        if k == 2:
            bind["b"] = m[b]
        partials = _PARTIALS[op]
        for slot, child in enumerate((a, b) if k == 2 else (a,)):
            if not needs[child]:
                continue
            p = instantiate(store, partials[slot], bind)
            c = store.mul(g, p)
            if c == zero:
                continue
            prev = adj.get(child)
            adj[child] = c if prev is None else store.add(prev, c)
    return out


class Derivatives:
    """The derivatives of one program, computed on demand and shared.

        d = Derivatives(parse("(x+y)*z"))
        d.get(("x",))        # a store id: d f / d x
        d.get(("x", "y"))    # d/dy (d f / d x)
    """

    def __init__(self, graph: Graph, store: Store | None = None):
        self.graph = graph
        self.store = store if store is not None else Store()
        self.variables = list(graph.variables)
        self._m = to_store(graph, self.store, graph.output)
        self.f = self._m[graph.output]
        self._cache: dict[tuple, int] = {(): self.f}

    def get(self, wrt: tuple) -> int:
        """The derivative with respect to the variables `wrt`, in that order."""
        wrt = tuple(wrt)
        k = len(wrt)
        while k > 0 and wrt[:k] not in self._cache:
            k -= 1
        for j in range(k, len(wrt)):
            self._expand(wrt[:j])
        return self._cache[wrt]

    def _expand(self, prefix: tuple) -> None:
        """Differentiate the derivative `prefix` with respect to every variable (one pass)."""
        if prefix:
            expr = self._cache[prefix]
            g, (root,) = to_graph(self.store, [expr], self.variables)
            m = to_store(g, self.store, root)
        else:
            g, root, m = self.graph, self.graph.output, self._m
        grads = backward_expressions(g, root, self.store, m)
        for name in self.variables:
            self._cache[prefix + (name,)] = self.store.factor(grads.get(name, self.store.zero))

    def hessian(self, variables=None) -> list:
        names = list(variables or self.variables)
        return [[self.get((u, v)) for v in names] for u in names]

    def graph_of(self, ids) -> tuple:
        """The expressions `ids` as one ordinary graph (for printing and evaluating)."""
        return to_graph(self.store, list(ids), self.variables)


class DiffResult:
    """What the diff views read: the derivatives as nodes of one printable graph, and their
    values when the variables were given."""
    __slots__ = ("source", "variables", "wrts", "graph", "roots", "inputs", "value", "values",
                 "hessian", "warnings", "f")

    def __init__(self, source, variables, wrts, graph, roots, inputs, value, values, hessian, warnings,
                 f="f"):
        self.source = source          # the program as given
        self.variables = variables    # every variable, in order of first use
        self.wrts = wrts              # per derivative: the variables, in order of differentiation
        self.graph = graph            # one graph holding every derivative (shared parts shared)
        self.roots = roots            # per derivative: its node in `graph`
        self.inputs = inputs          # variable -> value, or None
        self.value = value            # f at the inputs, or None
        self.values = values          # per node of `graph`: its value at the inputs, or None
        self.hessian = hessian        # the Hessian's variables (wrts is then row-major), or None
        self.warnings = warnings
        self.f = f                    # the output's name in ∂f/∂x (graph.output_name)


def diff(graph: Graph, wrts, inputs: dict | None = None, hessian=None) -> DiffResult:
    """Derivatives of the program `graph` with respect to each multi-index in `wrts`
    (or the Hessian over the variables `hessian`), evaluated at `inputs` when given."""
    if hessian is not None:
        wrts = [(u, v) for u in hessian for v in hessian]
    wrts = [tuple(w) for w in wrts]
    # The store's tables grow with the expression, and Python's cyclic collector re-scans every
    # live container at each full collection: that alone made cg diff grow faster than linearly
    # (exponent about 1.1 from 10^2 to 10^4 nodes). The work below makes no garbage cycles for
    # the collector to find, so it is paused meanwhile; and the store (no cycle either) is freed
    # by reference counting before it runs again, else its first pass would scan every
    # expression the store made.
    import gc
    paused = gc.isenabled()
    gc.disable()
    try:
        d = Derivatives(graph)
        ids = [d.get(w) for w in wrts]
        g, roots = d.graph_of(ids)
        del d, ids
    finally:
        if paused:
            gc.enable()
    value = values = None
    warnings = []
    from ..core.graph import output_name
    from ..core.warn import nonfinite_derivative, undefined_derivative
    f = output_name(graph)
    if inputs is not None:
        from ..core.passes import forward
        value = forward(graph, inputs)[graph.output]       # a domain error in f stops here
        # a rebound input is shown as its first version (h#1): the derivatives' graph names it so
        shown = {graph.names.get(i, name): inputs[name] for name, i in graph.variables.items()}
        values = evaluate(g, {**inputs, **shown})
        grads = None
        for w, r in zip(wrts, roots):
            if math.isfinite(values[r]):
                continue
            if len(w) == 1:
                # where the expression is undefined (1/(2*sqrt(x)) at 0, x^y*log(x) at x = 0), a
                # first derivative takes the backward pass's value, as cg eval prints it
                if grads is None:
                    from ..core.passes import backward
                    grads = backward(graph, forward(graph, inputs))
                values[r] = grads[graph.variables[w[0]]]
                from ..core.fmt import fmt
                warnings.append(undefined_derivative(notation(w, f), fmt(values[r])))
            else:
                warnings.append(nonfinite_derivative(notation(w, f), values[r]))
    return DiffResult(graph.source, list(graph.variables), wrts, g, roots, inputs, value, values,
                      list(hessian) if hessian is not None else None, warnings, f)


def evaluate(graph: Graph, inputs: dict) -> list:
    """Every node's value; a node outside its op's domain is nan (inf where it overflows),
    and so is everything computed from it: derivatives may be undefined where f is not."""
    values = list(graph.const)
    for name, i in graph.variables.items():
        values[i] = float(inputs[name])
    ops, in0, in1 = graph.ops, graph.in0, graph.in1
    for i in range(len(ops)):
        op = OPS[ops[i]]
        if op.arity == 0:
            continue
        args = (values[in0[i]],) if op.arity == 1 else (values[in0[i]], values[in1[i]])
        try:
            values[i] = op.forward(*args)
        except OverflowError:
            values[i] = math.inf
        except (ValueError, ZeroDivisionError):
            values[i] = math.nan
    return values


_SUPERSCRIPT = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")


def notation(wrt, f: str = "f") -> str:
    """("x",) -> ∂f/∂x; ("x", "x") -> ∂²f/∂x²; ("x", "y") -> ∂²f/∂y∂x (x applied first)."""
    k = len(wrt)
    top = "∂" + (str(k).translate(_SUPERSCRIPT) if k > 1 else "") + f
    return top + "/" + "".join(f"∂{v}" + (str(n).translate(_SUPERSCRIPT) if n > 1 else "")
                               for v, n in _runs(reversed(wrt)))


def latex_notation(wrt, f: str = "f") -> str:
    from .infix import latex_name
    k = len(wrt)
    top = r"\partial" + (f"^{{{k}}}" if k > 1 else "") + " " + latex_name(f)
    bottom = " ".join(r"\partial " + latex_name(v) + (f"^{{{n}}}" if n > 1 else "")
                      for v, n in _runs(reversed(wrt)))
    return rf"\frac{{{top}}}{{{bottom}}}"


def _runs(names):
    out = []
    for v in names:
        if out and out[-1][0] == v:
            out[-1][1] += 1
        else:
            out.append([v, 1])
    return out
