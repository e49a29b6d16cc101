"""Expressions of a graph as text: plain cg syntax (which cg parses back) or LaTeX.

Everything is driven by the op table: `infix`, `prec` and `right_assoc` decide where
parentheses go, `symbol` is the operator or function name, `latex` the LaTeX template.
A subexpression used more than once and big enough is printed once, as a definition
(`where s = sigmoid(w0*x0 + w1*x1 + w2)`), and referred to by its name elsewhere; in cg
syntax the definitions are assignments, so `s = ...; x0*s*(1 - s)` is a cg program.
Text is emitted with an explicit stack, in time linear in its length (no recursion).
"""
from __future__ import annotations

import re

from ..core.fmt import fmt
from ..core.graph import Graph, backward_order
from ..core.ops import CONST, CONSTANTS, FUNCTIONS, OPS, VAR

ATOM_PREC = 9
SHARE_SIZE = 3          # a subexpression used twice is named when it has this many ops or more
SHARE_SMALL = (2, 4)    # ... or this many ops and this many uses


def _plain_parts(op):
    """The op's text as a list of literal strings and input slots 0, 1 (cg syntax)."""
    if op.infix:
        sym = f" {op.symbol} " if op.prec <= 1 else op.symbol
        return [0, sym, 1]
    if op.arity == 1 and op.prec < ATOM_PREC:           # a prefix operator (unary minus)
        return [op.symbol, 0]
    if op.arity == 1:
        return [op.symbol + "(", 0, ")"]
    return [op.symbol + "(", 0, ", ", 1, ")"]


# --- LaTeX: one convention, shared with cg explain (cgcli.views.explain) -------------------------
# The op table's `latex` is a template with $a, $b for the inputs; an input right after
# { ( | or ", " is already grouped (\frac{$a}{$b}, \sqrt{$a}, \left|$a\right|,
# \max\left($a, $b\right)) and never gets parentheses of its own.

GROUPED_AFTER = ("{", "(", "|", ", ")


def latex_parts(template: str) -> tuple:
    """A LaTeX template as (parts, grouped): literal strings and input slots 0 ($a), 1 ($b),
    and for each slot in the order it appears whether it is already grouped."""
    parts: list = []
    grouped: list = []
    for piece in re.split(r"(\$[ab])", template):
        if piece in ("$a", "$b"):
            before = parts[-1] if parts and isinstance(parts[-1], str) else ""
            parts.append(0 if piece == "$a" else 1)
            grouped.append(before.endswith(GROUPED_AFTER))
        elif piece:
            parts.append(piece)
    return parts, grouped


LATEX_PARTS = [latex_parts(op.latex) if op.arity else None for op in OPS]
# an op whose inputs are all grouped (\frac{a}{b}, \sqrt{a}) binds like an atom
LATEX_PREC = [ATOM_PREC if (p is not None and all(p[1])) else op.prec for op, p in zip(OPS, LATEX_PARTS)]
# ... but a fraction as the base of a power still takes parentheses
LATEX_FRACTION = [op.latex.startswith("\\frac") for op in OPS]


def fill(template: tuple, args, parens, left: str, right: str) -> list:
    """A (parts, grouped) template with its slots filled: a list of the literal strings and
    args[slot], the latter between `left` and `right` where parens(slot) is true and the
    slot is not already grouped. (args may be texts, or node ids the caller expands.)"""
    parts, grouped = template
    out: list = []
    k = 0
    for piece in parts:
        if piece.__class__ is str:
            out.append(piece)
            continue
        if not grouped[k] and parens(piece):
            out += (left, args[piece], right)
        else:
            out.append(args[piece])
        k += 1
    return out


def _plain_template(op) -> tuple:
    parts = _plain_parts(op)
    return parts, [False] * sum(1 for p in parts if p.__class__ is int)


_PLAIN = [_plain_template(op) if op.arity else None for op in OPS]

_GREEK = set("alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu nu xi pi rho "
             "sigma tau upsilon phi chi psi omega".split())
_INDEXED = re.compile(r"([A-Za-z]+)_?([0-9]+)")


def _latex_word(word: str) -> str:
    if word in _GREEK:
        return "\\" + word
    if len(word) == 1:
        return word
    return r"\mathit{" + word.replace("_", r"\_") + "}"


def latex_name(name: str) -> str:
    """A variable's or node's name in LaTeX: w0 -> w_{0}, x_1 -> x_{1}, n12 -> n_{12},
    alpha -> \\alpha, x_max -> x_{\\mathit{max}}, rate -> \\mathit{rate},
    my_var -> \\mathit{my\\_var} (a subscript only after one letter or a Greek name); an earlier
    binding c#2 -> c\\#2."""
    name, mark, version = name.partition("#")
    return _latex_plain(name) + (f"\\#{version}" if mark else "")


def _latex_plain(name: str) -> str:
    m = _INDEXED.fullmatch(name)
    if m:
        return f"{_latex_word(m.group(1))}_{{{m.group(2)}}}"
    base, _, sub = name.partition("_")
    if sub and (len(base) == 1 or base in _GREEK) and "_" not in sub:
        return f"{_latex_word(base)}_{{{_latex_word(sub)}}}"
    return _latex_word(name)


def latex_number(text: str) -> str:
    """A printed number (fmt, or explain's rounded form) in LaTeX: 1.5e-07 -> 1.5 \\cdot 10^{-7},
    inf -> \\infty, nan -> \\text{nan}."""
    if text in ("inf", "-inf"):
        return text.replace("inf", r"\infty")
    if text == "nan":
        return r"\text{nan}"
    if "e" in text:
        mant, _, exp = text.partition("e")
        return rf"{mant} \cdot 10^{{{int(exp)}}}"
    return text


class Printed:
    """Texts of some expressions of one graph, with their shared definitions."""
    __slots__ = ("graph", "roots", "names", "defs", "style")

    def __init__(self, graph, roots, names, defs, style):
        self.graph = graph
        self.roots = roots
        self.names = names        # node id -> definition name
        self.defs = defs          # [(node id, name)] in dependency order (inputs first)
        self.style = style        # "plain" or "latex"

    def text(self, i: int) -> str:
        """Node i in full, with shared subexpressions referred to by name."""
        return _emit(self.graph, i, self.names, self.style, top=True)

    def ref(self, i: int) -> str:
        """Node i as shown among several: its name when it is a definition, else its text."""
        if i in self.names:
            return self.names[i] if self.style != "latex" else latex_name(self.names[i])
        return self.text(i)

    def definitions(self, roots=None) -> list:
        """(name, text, node id) of every definition (only those `roots` use, when given)."""
        ids = [i for i, _ in self.defs] if roots is None else _used_defs(self.graph, roots, self.names)
        return [(self.names[i], self.text(i), i) for i in ids]

    def program(self, root: int) -> str:
        """A cg program computing node `root`: its definitions as assignments, then it."""
        lines = [f"{name} = {text}" for name, text, _ in self.definitions([root])]
        lines.append(self.text(root))
        return "\n".join(lines)


def render(graph: Graph, roots, style: str = "plain", share: bool = True, reserved=()) -> Printed:
    """Prepare `roots` (node ids of `graph`) for printing in `style` ("plain" or "latex")."""
    names: dict[int, str] = {}
    defs: list = []
    if share and roots:
        ops, in0, in1 = graph.ops, graph.in0, graph.in1
        top = max(roots)
        refs = [0] * (top + 1)
        reach = bytearray(top + 1)
        for r in roots:
            refs[r] += 1
        for i in backward_order(graph, roots, reach):       # parents before inputs
            for x in (in0[i], in1[i]):
                if x >= 0:
                    refs[x] += 1
        size = [0] * (top + 1)
        chosen = []
        for i in range(top + 1):
            if not reach[i] or OPS[ops[i]].arity == 0:
                continue
            s = 1
            for x in (in0[i], in1[i]):
                if x >= 0:
                    s += size[x]
            if refs[i] >= 2 and (s >= SHARE_SIZE or (s >= SHARE_SMALL[0] and refs[i] >= SHARE_SMALL[1])):
                chosen.append(i)
                s = 0
            size[i] = s
        taken = set(graph.variables) | set(graph.assigned) | set(reserved) | set(CONSTANTS) | set(FUNCTIONS)
        pool = [n for n in "s t u v w".split() if n not in taken]
        if len(chosen) > len(pool):
            prefix = "s"
            while any(n.startswith(prefix) and n[len(prefix):].isdigit() for n in taken):
                prefix = "_" + prefix
            pool = [f"{prefix}{k}" for k in range(1, len(chosen) + 1)]
        for i, name in zip(chosen, pool):
            names[i] = name
            defs.append((i, name))
    return Printed(graph, list(roots), names, defs, style)


def _prec(graph: Graph, i: int, names: dict, style: str) -> int:
    if i in names:
        return ATOM_PREC
    op = graph.ops[i]
    if op == CONST:
        return 3 if graph.const[i] < 0 and i not in graph.names else ATOM_PREC
    if op == VAR:
        return ATOM_PREC
    return LATEX_PREC[op] if style == "latex" else OPS[op].prec


def _leaf(graph: Graph, i: int, style: str) -> str:
    name = graph.names.get(i)
    if graph.ops[i] == CONST and (name is None or name not in CONSTANTS):
        return latex_number(fmt(graph.const[i])) if style == "latex" else fmt(graph.const[i])
    if style == "latex":
        return latex_name(name)
    return name


def _emit(graph: Graph, root: int, names: dict, style: str, top: bool = False) -> str:
    ops, in0, in1 = graph.ops, graph.in0, graph.in1
    latex = style == "latex"
    lparen, rparen = (r"\left(", r"\right)") if latex else ("(", ")")
    out: list[str] = []
    stack: list = [root]
    first = top
    while stack:
        x = stack.pop()
        if x.__class__ is str:
            out.append(x)
            continue
        if x in names and not first:
            out.append(names[x] if not latex else latex_name(names[x]))
            continue
        first = False
        op = ops[x]
        o = OPS[op]
        if o.arity == 0:
            out.append(_leaf(graph, x, style))
            continue
        args = (in0[x], in1[x])
        pending = fill(LATEX_PARTS[op] if latex else _PLAIN[op], args,
                       lambda slot: _needs_parens(graph, o, slot, args[slot], names, style), lparen, rparen)
        stack.extend(reversed(pending))
    return "".join(out)


def _needs_parens(graph, op, slot, child, names, style) -> bool:
    p = _prec(graph, child, names, style)
    if op.infix:
        if style == "latex" and op.right_assoc and slot == 0 and child not in names \
                and LATEX_FRACTION[graph.ops[child]]:
            return True                         # (a/b)^2, not \frac{a}{b}^{2}; so recip(a)^2
        if p < (op.right_prec if slot == 1 else op.prec):     # x^-1 binds as x^(-1)
            return True
        if p == op.prec:
            # a - (b - c), a/(b*c), (a^b)^c: the side that does not associate needs them
            return (slot == 0) == op.right_assoc
        if slot == 1 and p == 3 and op.prec < 3:   # x*(-2), x - (-y): never two signs in a row
            return True
        return False
    if op.arity == 1 and op.prec < ATOM_PREC:  # prefix: -(x + y), -(-x), -x^2
        return p <= op.prec
    return False


def _used_defs(graph: Graph, roots, names: dict) -> list:
    """The definitions the texts of `roots` refer to (a root itself prints in full)."""
    seen = set()
    stack = []
    for r in roots:
        stack += [x for x in (graph.in0[r], graph.in1[r]) if x >= 0]
    used = []
    while stack:
        i = stack.pop()
        if i in seen:
            continue
        seen.add(i)
        if i in names:
            used.append(i)
        for x in (graph.in0[i], graph.in1[i]):
            if x >= 0:
                stack.append(x)
    return sorted(used)
