"""Rich views of a Result: the node table and the expression tree (Rich is imported only here)."""
from __future__ import annotations

from rich.console import Console
from rich.table import Table
from rich.text import Text
from rich.tree import Tree

from ..fmt import fmt
from ..graph import display_names, labels
from ..ops import CONST, OPS, VAR

VALUE = "green"        # forward values, as the seeds draw them
GRAD = "red"           # backward gradients


def console(file=None) -> Console:
    c = Console(file=file, highlight=False)
    if not c.is_terminal:              # piped: no colour, never truncate or wrap a number
        c = Console(file=file, highlight=False, width=100_000, no_color=True)
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
        if out in g.names:
            head = f"{display_names(g)[out]} = {head}" if g.ops[out] not in (VAR, CONST) else head
        lines = source.count("\n") + 1
        source = f"{head}   ({lines} line{'s' if lines > 1 else ''}, {len(g)} nodes)"
    t.append(source, style="bold")
    t.append("  =  ")
    t.append(fmt(result.value, precision), style=f"bold {VALUE}")
    return t


def table(result, precision=None, max_rows: int = 500) -> Table:
    g = result.graph
    names = display_names(g)
    lab = labels(g)
    t = Table()
    t.add_column("id", justify="right", no_wrap=True)
    t.add_column("name", no_wrap=True)
    t.add_column("op", no_wrap=True)
    t.add_column("computes", overflow="fold")
    t.add_column("value", justify="right", style=VALUE, no_wrap=True)
    t.add_column("grad", justify="right", style=GRAD, no_wrap=True)
    n = len(g)
    rows = range(n)
    if n > max_rows:       # a huge graph: the variables and the output, not a million rows
        rows = sorted(set(g.variables.values()) | set(g.assigned.values()) | {g.output})
        if len(rows) > max_rows:
            rows = rows[:max_rows - 1] + [g.output]
    for i in rows:
        op = OPS[g.ops[i]]
        t.add_row(str(i), names[i] if (i in g.names) else "", op.name, lab[i],
                  fmt(result.values[i], precision), _grad(result, i, precision),
                  style="bold" if i == g.output else None)
    return t


def gradients_table(result, precision=None) -> Table:
    t = Table(title="gradients", title_justify="left")
    t.add_column("variable")
    t.add_column("value", justify="right", style=VALUE)
    t.add_column("grad", justify="right", style=GRAD)
    for name, i in result.graph.variables.items():
        t.add_row(name, fmt(result.values[i], precision), fmt(result.grads[i], precision))
    return t


def tree(result, precision=None, max_depth: int = 30, max_nodes: int = 300) -> Tree:
    """The expression as a tree, output at the root. A node reached again through fan-out
    is shown once in full and afterwards as a reference, so the tree stays as small as the graph."""
    g = result.graph
    names = display_names(g)
    lab = labels(g)

    def line(i):
        op = OPS[g.ops[i]]
        t = Text()
        if g.ops[i] in (VAR, CONST):
            t.append(names[i], style="bold")
        else:
            if i in g.names:
                t.append(f"{names[i]} = ", style="bold")
            t.append(op.symbol if op.infix or op.symbol == "-" else op.name, style="bold")
            t.append(f"  {lab[i]}", style="dim")
        t.append("  value ")
        t.append(fmt(result.values[i], precision), style=VALUE)
        t.append("  grad ")
        t.append(_grad(result, i, precision), style=GRAD)
        return t

    root = Tree(line(g.output))
    shown = {g.output}
    count = 1
    stack = [(g.output, root, 0)]
    while stack:                         # explicit stack: no recursion over the expression
        i, branch, depth = stack.pop()
        kids = g.inputs(i)
        if not kids:
            continue
        if depth >= max_depth or count >= max_nodes:
            branch.add(Text("… (deeper nodes not shown)", style="dim"))
            continue
        pending = []
        for k in kids:
            if k in shown and g.ops[k] not in (VAR, CONST):
                branch.add(Text(f"{names[k]} (shown above)", style="dim"))
                continue
            shown.add(k)
            count += 1
            pending.append((k, branch.add(line(k)), depth + 1))
        stack.extend(reversed(pending))
    return root


def print_eval(result, fmt_name: str, precision=None, file=None, max_rows: int = 500) -> None:
    c = console(file)
    c.print(summary(result, precision))
    if fmt_name in ("table", "both"):
        c.print(table(result, precision, max_rows))
        n = len(result.graph)
        if n > max_rows:
            c.print(Text(f"{n} nodes: the table shows the variables, the named nodes and the output "
                         f"(at most {max_rows} rows); --format json lists every node", style="dim"))
    if fmt_name in ("tree", "both"):
        c.print(tree(result, precision))
    if fmt_name == "both" and len(result.graph) > 12:
        c.print(gradients_table(result, precision))
    for w in result.warnings:
        c.print(Text(f"warning: {w}", style="yellow"))
