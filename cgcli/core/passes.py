"""The forward and backward passes: plain loops over the graph's flat arrays.

forward:  for i in 0..n-1, value[i] = op.forward(value of its inputs)
backward: grad[output] = 1; for i in n-1..0, each input gets += grad[i] * op.local(...)
No recursion anywhere, and no per-node objects.
"""
from __future__ import annotations

import math
from array import array
from itertools import compress

from .errors import DomainError, InputError
from .graph import LISTS as _LISTS, Graph
from .ops import OPS

_FORWARD = [op.forward for op in OPS]
_LOCAL = [op.local for op in OPS]
_ARITY = [op.arity for op in OPS]
# The backward pass's commonest gates, written out: the product with the op table's `local`
# (add (1, 1), sub (1, -1), mul (b, a), neg -1), the same arithmetic without the call
# (tests/test_fast_paths.py checks them against the table)
_ADD, _SUB, _MUL, _NEG = (next(op.code for op in OPS if op.name == k) for k in ("add", "sub", "mul", "neg"))


def _list(column) -> list:
    """A column as a list: the passes of a graph of at most graph.LISTS nodes compute in lists
    (cheaper to index) and return them; a larger graph's return arrays."""
    kind = type(column)
    return column if kind is list else (column.tolist() if kind is array else list(column))


def forward(graph: Graph, inputs: dict) -> list | array:
    """Values of every node, inputs to output. Raises DomainError naming the failing node."""
    ops, in0, in1 = graph.ops, graph.in0, graph.in1
    if len(ops) <= _LISTS:
        values, ops, in0, in1 = _list(graph.const), _list(ops), _list(in0), _list(in1)
        if values is graph.const:
            values = list(values)
    else:
        values = array("d", graph.const)
    for name, i in graph.variables.items():
        values[i] = float(inputs[name])     # (as an array of doubles would hold it)
    fwd, arity = _FORWARD, _ARITY
    i = 0
    try:
        for i in range(len(ops)):
            k = arity[ops[i]]
            if k == 2:
                values[i] = fwd[ops[i]](values[in0[i]], values[in1[i]])
            elif k == 1:
                values[i] = fwd[ops[i]](values[in0[i]])
    except (ValueError, ZeroDivisionError, OverflowError) as e:
        first = _first_nonfinite(values, i)         # an earlier silent overflow is the real cause
        if first is not None:
            raise _domain_error(graph, values, first, OverflowError()) from None
        raise _domain_error(graph, values, i, e) from None
    if not math.isfinite(sum(values)):              # + - * overflow to inf without raising
        first = _first_nonfinite(values, len(values))
        if first is not None:
            raise _domain_error(graph, values, first, OverflowError())
    return values                       # a list for a small graph (graph.LISTS), else an array


def backward(graph: Graph, values) -> list | array:
    """d(output)/d(node) for every node, output to inputs."""
    n = len(graph.ops)
    small = n <= _LISTS
    grads = [0.0] * n if small else array("d", bytes(8 * n))
    grads[graph.output] = 1.0
    ops, in0, in1 = graph.ops, graph.in0, graph.in1
    if small:
        values, ops, in0, in1 = _list(values), _list(ops), _list(in0), _list(in1)
    local, arity = _LOCAL, _ARITY
    ADD, SUB, MUL, NEG = _ADD, _SUB, _MUL, _NEG
    for i in range(graph.output, -1, -1):     # nodes after the output cannot reach it
        upstream = grads[i]
        if upstream == 0.0:        # nothing flows back (a zero upstream contributes zero)
            continue
        o = ops[i]
        if o == MUL:
            a, b = in0[i], in1[i]
            grads[a] += upstream * values[b]
            grads[b] += upstream * values[a]
        elif o == ADD:
            a, b = in0[i], in1[i]
            grads[a] += upstream * 1.0
            grads[b] += upstream * 1.0
        elif o == NEG:
            grads[in0[i]] += upstream * -1.0
        elif o == SUB:
            a, b = in0[i], in1[i]
            grads[a] += upstream * 1.0
            grads[b] += upstream * -1.0
        else:
            k = arity[o]
            if k == 2:
                a, b = in0[i], in1[i]
                da, db = local[o](values[a], values[b], values[i])
                grads[a] += upstream * da
                grads[b] += upstream * db
            elif k == 1:
                a = in0[i]
                grads[a] += upstream * local[o](values[a], values[i])
    return grads


class Result:
    """What every consumer reads: the graph, each node's value and gradient, warnings."""
    __slots__ = ("graph", "values", "grads", "inputs", "warnings")

    def __init__(self, graph: Graph, values: array, grads: array, inputs: dict, warnings=None):
        self.graph = graph
        self.values = values
        self.grads = grads
        self.inputs = inputs
        self.warnings = warnings if warnings is not None else []

    @property
    def expression(self) -> str:
        return self.graph.source

    @property
    def output(self) -> int:
        return self.graph.output

    @property
    def value(self) -> float:
        return self.values[self.graph.output]

    @property
    def gradients(self) -> dict:
        """d(output)/d(variable) for every variable (0 where it does not reach the output)."""
        return {name: self.grads[i] for name, i in self.graph.variables.items()}

    def grad(self, i: int):
        """A node's gradient, or None for a node that depends on no variable (a constant)."""
        return self.grads[i] if self.graph.needs_grad[i] else None

    # --- for people and notebooks: methods only (nothing here runs in the passes) ----------

    def grad_of(self, name: str):
        """d(output)/d(node) for a named node: a variable, an assigned name, or n<id> as the
        views show it (None for a node that depends on no variable). KeyError with the names
        there are, for any other name."""
        from .names import suggest, table
        names = table(self.graph, "nodes")
        i = names.get(name)
        if i is None:
            known = ", ".join(n for n in names if n in self.graph.variables or n in self.graph.assigned)
            raise KeyError(f"{name!r} is not a node of {self.graph.source!r}; "
                           + suggest(name, names) + f"its names: {known or 'none'}, or n<id>")
        return self.grad(i)

    def __repr__(self) -> str:
        from .fmt import PRECISION, fmt
        grads = list(self.gradients.items())
        shown = ", ".join(f"{k}={fmt(v, PRECISION)}" for k, v in grads[:8])
        if len(grads) > 8:
            shown += f", … ({len(grads) - 8} more)"
        source = " ".join(self.graph.source.split())
        if len(source) > 60:
            source = source[:57] + "..."
        return (f"<cg Result {source!r}: value {fmt(self.value, PRECISION)}, gradients {shown or 'none'}; "
                f"{len(self.graph)} nodes>")


def with_defaults(graph: Graph, given: dict) -> dict:
    """The values a run uses: the program's own (`x = 2`), overridden by the given ones. The one
    place defaults meet given values: every command goes through it (via run or cli.load).
    Always a new dict: the caller may add to it."""
    defaults = graph.defaults
    if not defaults:
        return dict(given)
    merged = {name: v for name, v in defaults.items() if name not in given}
    merged.update(given)
    return merged


def missing_inputs(graph: Graph, given: dict) -> list:
    """The variables with neither a given value nor one in the program."""
    defaults = graph.defaults
    return [name for name in graph.variables if name not in given and name not in defaults]


def run(graph: Graph, inputs: dict) -> Result:
    """Forward then backward; checks the inputs first (the program's defaults fill the gaps)."""
    inputs = with_defaults(graph, inputs)
    check_inputs(graph, inputs)
    values = forward(graph, inputs)
    grads = backward(graph, values)
    warnings = list(graph.warnings)
    warnings += _nonfinite_grad_warnings(graph, values, grads)
    return Result(graph, values, grads, inputs, warnings)


def check_inputs(graph: Graph, inputs: dict) -> None:
    missing = [name for name in graph.variables if name not in inputs]
    if missing:
        from .names import missing_values
        raise missing_values(missing)
    unknown = [name for name in inputs if name not in graph.variables]
    if unknown:
        raise unknown_variable(graph, unknown[0])
    for name, v in inputs.items():
        if not isinstance(v, (int, float)) or not math.isfinite(v):
            raise InputError(f"cg: the value of {name} must be a finite number, got {v!r}")


def unknown_variable(graph: Graph, name: str, option: str = "") -> InputError:
    """A value for a name the expression does not use: say so, with a did-you-mean."""
    from .names import unknown
    return unknown(graph, name, "variables", "", option)


def _first_nonfinite(values, upto):
    isfinite = math.isfinite
    for j in range(upto):
        if not isfinite(values[j]):
            return j
    return None


def _domain_error(graph: Graph, values, i: int, exc: Exception) -> DomainError:
    from .fmt import fmt
    from .graph import labels
    op = OPS[graph.ops[i]]
    args = [values[a] for a in graph.inputs(i)]
    label = labels(graph)[i]
    if isinstance(exc, OverflowError) or not all(map(math.isfinite, args)):
        why = "the result is too large for a float (overflow)"
        if op.name == "exp":
            why = f"argument is {fmt(args[0])}, exp overflows above 709.78"
    elif op.domain is not None:
        why = op.domain(*args)
    else:
        why = f"math domain error with input{'s' if len(args) > 1 else ''} {', '.join(map(fmt, args))}"
    return DomainError(f"cg: math domain error in {label}: {why}", node=i)


def _nonfinite_grad_warnings(graph: Graph, values, grads) -> list:
    """Name the nodes where a finite upstream gradient met a non-finite local derivative
    (sqrt at 0, x^0.5 at 0, the exponent of a negative base)."""
    if math.isfinite(sum(grads)) or math.isfinite(sum(compress(grads, graph.needs_grad))):
        return []               # (a constant's gradient, never shown, may be nan: e**2 at e < 0)
    from .fmt import fmt
    from .graph import labels
    from .warn import nonfinite_gradient, nonfinite_local
    lab = None                  # the labels cost more than the passes: only for a warning
    needs, ops = graph.needs_grad, graph.ops
    out = []
    for i in range(len(grads)):
        upstream = grads[i]
        if not needs[i] or upstream == 0.0 or not math.isfinite(upstream) or _ARITY[ops[i]] == 0:
            continue
        ins = graph.inputs(i)
        local = _LOCAL[ops[i]](*[values[a] for a in ins], values[i])
        local = local if isinstance(local, tuple) else (local,)
        for a, d in zip(ins, local):
            if needs[a] and not math.isfinite(d):
                lab = lab or labels(graph)
                out.append(nonfinite_local(i, a, lab[i], lab[a], fmt(values[a]), d == d, fmt(upstream * d)))
        if len(out) >= 5:
            break
    bad = [name for name, v in graph.variables.items() if not math.isfinite(grads[v])]
    if bad and not out:
        out.append(nonfinite_gradient(bad))
    return out
