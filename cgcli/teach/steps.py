"""The backward pass as a list of steps, read off a finished Result (for `cg explain`).

Nothing here re-runs a pass. Each edge's local derivative is the op table's `local` at the
node's recorded values (the same call the backward pass made), and its contribution is
upstream × local with upstream = the node's recorded gradient, in the backward pass's own
order; so the contributions into a node add up, in that order, to exactly its recorded
gradient (a test checks it bit for bit). For display, the op table's symbolic partial
(`partials`, a cg expression in a, b, out) is evaluated one level deep, so a step can read
"sigmoid(n8) * (1 - sigmoid(n8)) = 0.731 * 0.269 = 0.197".
"""
from __future__ import annotations

from ..core.graph import backward_order
from ..core.ops import CONST, OPS, VAR


class Edge:
    """One edge of the backward pass: gate `node` sends upstream × local to its input `to`."""
    __slots__ = ("node", "k", "to", "local", "product", "partial", "parts", "index")

    def __init__(self, node, k, to, local, product, partial, parts):
        self.node = node          # the gate
        self.k = k                # which input (0 or 1)
        self.to = to              # the input's node id
        self.local = local        # d node / d input, from the op table's `local`
        self.product = product    # upstream × local (0 where upstream is 0, as in the pass)
        self.partial = partial    # the op table's symbolic partial, e.g. "out*(1 - out)"
        self.parts = parts        # (template, values of its output node's inputs) or None
        self.index = 0            # its place among the contributions into `to` (1, 2, ...)


class Walk:
    """forward: gate nodes in topological order; backward: nodes the gradient reaches, output
    first (gates and variables); edges[i]: gate i's edges; incoming[j]: contributions into j."""
    __slots__ = ("forward", "backward", "edges", "incoming")

    def __init__(self, forward, backward, edges, incoming):
        self.forward = forward
        self.backward = backward
        self.edges = edges
        self.incoming = incoming


def walk(result) -> Walk:
    g = result.graph
    values, grads = result.values, result.grads
    ops, in0, in1, needs = g.ops, g.in0, g.in1, g.needs_grad
    n = len(ops)
    forward = [i for i in range(n) if ops[i] != VAR and ops[i] != CONST]
    backward: list[int] = []
    edges: dict = {}
    incoming: dict = {}
    for i in backward_order(g):                # the backward pass's own order
        if not needs[i]:
            continue
        backward.append(i)
        op = OPS[ops[i]]
        if op.arity == 0:
            continue
        args = (in0[i],) if op.arity == 1 else (in0[i], in1[i])
        xs = [values[a] for a in args]
        local = op.local(*xs, values[i])
        if op.arity == 1:
            local = (local,)
        upstream = grads[i]
        mine = []
        for k, a in enumerate(args):
            if not needs[a]:
                continue                       # constants get no gradient
            product = 0.0 if upstream == 0.0 else upstream * local[k]
            partial = op.partials[k] if k < len(op.partials) else ""
            e = Edge(i, k, a, local[k], product, partial, _one_level(partial, xs, values[i]))
            mine.append(e)
            into = incoming.setdefault(a, [])
            into.append(e)
            e.index = len(into)
        edges[i] = mine
    return Walk(forward, backward, edges, incoming)


def _one_level(partial: str, xs, out):
    """The partial's template and the values of its top node's inputs, or None when that
    adds nothing (a constant or a single variable) or cannot be evaluated here."""
    if not partial:
        return None
    from ..core.errors import CgError
    from ..core.templates import template
    from ..core.passes import forward
    try:
        t = template(partial)
    except CgError:
        return None
    top = t.output
    if t.ops[top] in (VAR, CONST) or not t.variables:
        return None
    env = {"a": xs[0], "b": xs[1] if len(xs) > 1 else 0.0, "out": out}
    try:
        vals = forward(t, {name: env.get(name, 0.0) for name in t.variables})
    except (CgError, ArithmeticError, ValueError):
        return None
    return t, [vals[j] for j in t.inputs(top)]


class Frame:
    """One step of a step-through: a forward gate (edge None), the output's seed (phase
    "seed"), or one backward edge with the contributions into its input so far and their
    running sum, added in the backward pass's order (the last one is the input's gradient)."""
    __slots__ = ("phase", "node", "edge", "sofar", "total")

    def __init__(self, phase, node, edge=None, sofar=(), total=0.0):
        self.phase, self.node, self.edge, self.sofar, self.total = phase, node, edge, sofar, total


def frames(result, w: Walk) -> list:
    """The forward pass gate by gate, then the backward pass edge by edge, as in the passes."""
    out = [Frame("forward", i) for i in w.forward]
    out.append(Frame("seed", result.graph.output))
    running: dict = {}
    for i in w.backward:
        for e in w.edges.get(i, ()):
            sofar = running.setdefault(e.to, [])
            sofar.append(e.product)
            total = 0.0
            for p in sofar:             # the backward pass's own += order, so the last total is
                total += p              # bit for bit the recorded gradient
            out.append(Frame("backward", i, e, tuple(sofar), total))
    return out


def reveal(result, w: Walk, frames: list) -> list:
    """Per frame, what the passes know once it is done (a step-through that reveals as the
    passes go): a list of ("value", node, v) and ("grad", node, sum so far, complete). Before
    the first frame only the variables' and constants' values are known. A gate's value is
    known from its forward frame; a gradient from the seed (the output's) or from the edge
    that sends it, a fan-out node's as the running sum of the contributions received so far
    (complete with the last). The last frame also completes every gradient no edge sends
    (0: the output does not depend on that node), so after it every number is known."""
    g = result.graph
    out = []
    uses = {j: len(into) for j, into in w.incoming.items()}
    done = set()
    for f in frames:
        ev = []
        if f.phase == "forward":
            ev.append(("value", f.node, result.values[f.node]))
        elif f.phase == "seed":
            if g.needs_grad[f.node]:
                ev.append(("grad", f.node, result.grads[f.node], True))
                done.add(f.node)
        else:
            a = f.edge.to
            complete = len(f.sofar) == uses[a]
            ev.append(("grad", a, result.grads[a] if complete else f.total, complete))
            if complete:
                done.add(a)
        out.append(ev)
    if out:
        needs = g.needs_grad
        out[-1] += [("grad", i, result.grads[i], True) for i in range(len(g.ops)) if needs[i] and i not in done]
    return out


def known_at_start(result) -> set:
    """The nodes whose values are known before the forward pass: variables and constants."""
    ops = result.graph.ops
    return {i for i in range(len(ops)) if ops[i] == VAR or ops[i] == CONST}
