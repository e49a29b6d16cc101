"""Rich views of a Result: the node table and the expression tree (Rich is imported only here)."""
from __future__ import annotations

from rich.console import Console
from rich.table import Table
from rich.text import Text
from rich.tree import Tree

from ..core.fmt import fmt
from ..core.graph import backward_order, display_names, labels
from ..core.ops import CONST, OPS, VAR, say_gate

VALUE = "green"        # forward values, as the seeds draw them
GRAD = "red"           # backward gradients


class SafeConsole(Console):
    """A Console for which every string is text: no markup, no emoji codes, and no control
    character of the content reaches the terminal (views.text: untrusted text is data). Views
    pass untrusted fields through views.text.safe/visible; render() is the backstop that
    escapes whatever control character a composed text still holds."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("markup", False)
        kwargs.setdefault("emoji", False)
        kwargs.setdefault("highlight", False)
        super().__init__(*args, **kwargs)

    def render(self, renderable, options=None):
        from rich.segment import Segment
        from .text import _CONTROL, controls
        for seg in super().render(renderable, options):
            if seg.control is None and _CONTROL.search(seg.text) and seg.text != "\n":
                seg = Segment(controls(seg.text), seg.style)
            yield seg


def console(file=None) -> Console:
    if file is None:
        import sys
        file = sys.stdout
    file = getattr(file, "unfiltered", file)     # cli.main's stdout: this console escapes its own content
    c = SafeConsole(file=file)
    if not c.is_terminal:              # piped: no colour, never truncate or wrap a number
        c = SafeConsole(file=file, width=100_000, no_color=True)
    return c


def table_console(file=None) -> Console:
    """For the grading tables (cg check, cg grade): a terminal's own width; piped, plain text
    (no colour), tables fitted to $COLUMNS, else 80 columns, never wider than their content,
    and the lines of prose between them unbroken (one message, one line, for grep)."""
    c = Console(file=file, highlight=False)
    if not c.is_terminal:              # Rich reads COLUMNS, else 80, when the output is not a terminal
        c = Console(file=file, highlight=False, no_color=True, soft_wrap=True)
    return c


def _grad(result, i, precision):
    g = result.grad(i)
    return "—" if g is None else fmt(g, precision)


def summary(result, precision=None) -> Text:
    t = Text()
    source = result.expression.strip()
    if "\n" in source or len(source) > 80:      # a program: name its output, not all its text
        g = result.graph
        out = g.output
        head = labels(g)[out]
        if g.ops[out] not in (VAR, CONST):         # its name, f where unnamed (as every view says)
            head = f"{display_names(g)[out]} = {head}"
        lines = source.count("\n") + 1
        source = f"{head}   ({lines} line{'s' if lines > 1 else ''}, {len(g)} nodes)"
    t.append(source, style="bold")
    t.append("  =  ")
    t.append(fmt(result.value, precision), style=f"bold {VALUE}")
    return t


def table(result, precision=None, max_rows: int = 500, sort: str | None = None,
          gate: bool = True, computes: bool = True) -> Table:
    """One row per node: id, name, op, its gate pattern (how it passes the gradient back), the
    subexpression, value and grad. sort="grad": largest |grad| first. gate=False leaves the
    gate column out, computes=False also the subexpression (a narrow terminal)."""
    g = result.graph
    names = display_names(g)
    lab = labels(g)
    t = Table()
    t.add_column("id", justify="right", no_wrap=True)
    t.add_column("name", no_wrap=True)
    t.add_column("op", no_wrap=True)
    if gate:
        t.add_column("gate", overflow="fold")
    if computes:
        t.add_column("computes", overflow="fold")
    t.add_column("value", justify="right", style=VALUE, no_wrap=True)
    t.add_column("grad", justify="right", style=GRAD, no_wrap=True)
    n = len(g)
    rows = range(n)
    if n > max_rows:       # a huge graph: the variables and the output, not a million rows
        rows = sorted(set(g.variables.values()) | set(g.assigned.values()) | {g.output})
        if len(rows) > max_rows:
            rows = rows[:max_rows - 1] + [g.output]
    if sort == "grad":     # largest |gradient| first; constants (no gradient) last
        grads, needs = result.grads, g.needs_grad
        rows = sorted(rows, key=lambda i: (0, -abs(grads[i])) if needs[i] else (1, 0.0))
    for i in rows:
        op = OPS[g.ops[i]]
        # every node by the name the tree, explain and the JSON use (n<id> where unnamed);
        # a constant's value is already in `computes`
        cells = [str(i), names[i] if (i in g.names or g.ops[i] != CONST) else "", op.name]
        if gate:
            cells.append(say_gate(op.pattern, [names[a] for a in g.inputs(i)])
                         if g.needs_grad[i] or g.ops[i] == CONST else "")
        if computes:
            cells.append(lab[i])
        cells += [fmt(result.values[i], precision), _grad(result, i, precision)]
        t.add_row(*cells, style="bold" if i == g.output else None)
    return t


def gradients_table(result, precision=None) -> Table:
    t = Table(title="gradients", title_justify="left")
    t.add_column("variable")
    t.add_column("value", justify="right", style=VALUE)
    t.add_column("grad", justify="right", style=GRAD)
    names = display_names(result.graph)          # a rebound input by its version name (h#1)
    for i in result.graph.variables.values():
        t.add_row(names[i], fmt(result.values[i], precision), fmt(result.grads[i], precision))
    return t


CHAIN = 12             # a chain of more nodes than this (each with one gate input) is collapsed
FLAT = 3               # a left-deep run of this many same-op gates (a + b + c + d) reads as one


def _op_text(g, i) -> str:
    op = OPS[g.ops[i]]
    return op.symbol if op.infix or op.symbol == "-" else op.name


def tree(result, precision=None, max_depth: int | None = None, max_nodes: int = 300,
         marks: dict | None = None, numbers: dict | None = None) -> Tree:
    """The expression as a tree, output at the root, each node as `op name  value v  grad g`
    (values green, gradients red). A node reached again through fan-out is shown once in full
    and afterwards as a reference; a constant subexpression is one line with its node count;
    a chain of more than CHAIN nodes that each have a single gate input is collapsed to its
    ends and a count; `max_depth` levels at most (default 30). `marks` (the step-through):
    node -> (style, note) for each of its lines, (parent, node) -> (style, note) for its lines
    under that parent; the style goes on the line, the note after it. `numbers` (a step-through
    revealing the numbers as the passes go): node -> (value text, grad text) shown instead."""
    g = result.graph
    val = lambda i: numbers[i][0] if numbers and i in numbers else fmt(result.values[i], precision)
    grd = lambda i: numbers[i][1] if numbers and i in numbers else _grad(result, i, precision)
    names = display_names(g)
    ops, in0, in1, needs = g.ops, g.in0, g.in1, g.needs_grad
    max_depth = 30 if max_depth is None else max_depth
    n = len(ops)
    # per node: the size of its constant subtree, and its only gate input (-1 if not exactly one)
    size = [1] * n
    only = [-1] * n
    run = [0] * n                       # how many nodes follow in a chain of single gate inputs
    uses = [0] * n                      # uses by gates the output depends on (fan-out)
    for i in (backward_order(g) if n else ()):
        if in0[i] >= 0:
            uses[in0[i]] += 1
            if in1[i] >= 0:
                uses[in1[i]] += 1
    for i in range(n):
        a, b = in0[i], in1[i]
        if a < 0:
            continue
        if not needs[i]:
            size[i] = 1 + size[a] + (size[b] if b >= 0 else 0)
        gates = [k for k in ((a, b) if b >= 0 else (a,)) if needs[k] and ops[k] not in (VAR, CONST)]
        if len(gates) == 1:
            only[i] = gates[0]
            run[i] = 1 + run[gates[0]]

    def operands(i):
        """A left-deep run of the same binary op (a + b + c + d: unnamed, single-use inner
        nodes) reads as one gate with all its operands; returns them and the hidden count."""
        code, j, rights = ops[i], i, []
        if OPS[code].arity != 2 or OPS[code].right_assoc:
            return g.inputs(i), 0
        while True:
            a = in0[j]
            if ops[a] != code or a in g.names or uses[a] != 1 or not needs[a]:
                break
            rights.append(in1[j])
            j = a
        if len(rights) < FLAT:
            return g.inputs(i), 0
        return (in0[j], in1[j], *reversed(rights)), len(rights)

    steps = None
    if g.steps:
        from .groups import node_steps
        steps = node_steps(g)

    def line(i):
        t = Text()
        code = ops[i]
        if code in (VAR, CONST):
            t.append(names[i], style="bold")
            if code == CONST:
                if i in g.names:
                    t.append("  value ", style="dim")
                    t.append(val(i), style=VALUE)
                return t
        else:
            t.append(_op_text(g, i), style="bold cyan")
            t.append(" ")
            t.append(names[i], style="bold" if i in g.names else "")
            if not needs[i]:
                t.append("  value ", style="dim")
                t.append(val(i), style=VALUE)
                t.append(f"  constant: {size[i]} node{'s' if size[i] > 1 else ''} collapsed", style="dim")
                return t
        t.append("  value ", style="dim")
        t.append(val(i), style=VALUE)
        t.append("  grad ", style="dim")
        t.append(grd(i), style=GRAD)
        if uses[i] > 1 and needs[i]:
            t.append(f"  (total of {uses[i]} uses)", style="dim")
        if steps is not None and steps[i] is not None and code != VAR:
            t.append(f"  [{steps[i]}]", style="dim")      # the loop iteration that made it
        return t

    if marks:
        plain_line = line

        def line(i, parent=None):
            return mark(plain_line(i), i, parent)

        def mark(t, i, parent, edge_only=False):
            m = marks.get((parent, i)) or (None if edge_only else marks.get(i))
            if m:
                t.stylize(m[0])
                if m[1]:
                    t.append("  " + m[1], style=m[0])
            return t
    else:
        def mark(t, i, parent, edge_only=False):
            return t

    root = Tree(line(g.output))
    shown = {g.output}
    collapsed: set = set()
    count = 1
    # explicit stack, no recursion over the expression. A node is placed in the tree when it is
    # popped, in the order the tree prints (depth first), so a second use of a node is always
    # printed after its full form: "shown above" is true.
    stack = [(g.output, None, root, 0)]          # (node, its parent, parent's branch or its own, depth)
    while stack:
        i, parent, branch, depth = stack.pop()
        if parent is not None:                   # place i under its parent's branch
            if i in shown and ops[i] != CONST:
                # a node used more than once is shown in full once, with its gradient (the sum
                # over all its uses); every later appearance refers to it
                where = "in a collapsed chain above" if i in collapsed else "shown above"
                if uses[i] > 1:
                    where += f"; total of {uses[i]} uses"
                branch.add(mark(Text(f"{names[i]} ({where})", style="dim"), i, parent, edge_only=True))
                continue
            shown.add(i)
            count += 1
            if i == only[parent] and run[i] > CHAIN:
                # a long chain starts at i: show i, a count of the hidden middle, then go on
                # from the chain's last two nodes
                sub = branch.add(line(i, parent) if marks else line(i))
                j, hidden = only[i], 0
                first = last = j
                while run[j] > 1:
                    collapsed.add(j)
                    shown.add(j)
                    hidden += 1
                    last = j
                    j = only[j]
                sub = sub.add(Text(f"… {hidden} nodes in a chain collapsed ({names[first]} … {names[last]}), "
                                   f"each with one gate input (their other inputs not shown)", style="dim"))
                shown.add(j)
                count += 1
                i, branch, depth = j, sub.add(line(j)), depth + 2
            else:
                branch = branch.add(line(i, parent) if marks else line(i))
        if not needs[i] and ops[i] != CONST and i != g.output:
            continue                     # a constant subexpression: already one line
        kids, flat = operands(i)
        if not kids:
            continue
        if flat:
            branch.label.append(f"  ({flat + 1} {_op_text(g, i)} gates in a row, shown as one with "
                                f"{len(kids)} inputs)", style="dim")
        if depth >= max_depth or count >= max_nodes:
            why = f"--depth {max_depth}" if depth >= max_depth else f"{max_nodes} nodes shown"
            branch.add(Text(f"… deeper nodes not shown ({why})", style="dim"))
            continue
        stack.extend((k, i, branch, depth + 1) for k in reversed(kids))
    return root


def print_eval(result, fmt_name: str, precision=None, file=None, max_rows: int = 500, sort=None,
               depth=None) -> None:
    c = console(file)
    c.print(summary(result, precision))
    if fmt_name in ("table", "both"):
        # too wide for the terminal: first the gate column goes (the tree shows the gates), then
        # the subexpressions, where they would get fewer than 14 columns; numbers are never cut
        def width(t):
            return c.measure(t, options=c.options.update(max_width=1_000_000)).maximum
        t = table(result, precision, max_rows, sort=sort)
        if width(t) > c.width:
            t = table(result, precision, max_rows, sort=sort, gate=False)
            if width(t) > c.width:
                bare = table(result, precision, max_rows, sort=sort, gate=False, computes=False)
                if width(bare) + 14 > c.width:
                    t = bare
        c.print(t)
        n = len(result.graph)
        if n > max_rows:
            c.print(Text(f"{n} nodes: the table shows the variables, the named nodes and the output "
                         f"(at most {max_rows} rows); --format json lists every node", style="dim"))
    if fmt_name in ("tree", "both"):
        c.print(tree(result, precision, max_depth=depth))
    if fmt_name == "both" and len(result.graph) > 12:
        c.print(gradients_table(result, precision))
    for w in result.warnings:
        c.print(Text(f"warning: {w}", style="yellow"))
