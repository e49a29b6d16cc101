"""`cg explain`: the forward and backward passes of a finished Result, step by step, as plain
text, Markdown, LaTeX or JSON (schema "cg.explain/1").

It renders what the passes recorded (values, grads) and the per-edge steps of
`cgcli.teach.steps.walk`; it computes no value or gradient of its own. Node names are
`graph.display_names` (n<id> for unnamed nodes), the same as in every other view.
"""
from __future__ import annotations

import math

from ..core.fmt import fmt, json_number
from ..core.graph import display_names, output_name
from ..core.templates import template
from ..symbolic.infix import LATEX_PARTS, fill, latex_name, latex_number
from ..core.ops import CONST, OPS, VAR, say_gate
from .text import code_span, md_text

SCHEMA = "cg.explain/1"
SUM_TERMS = 12            # a fan-out sum with more terms is shortened in the text views


# --- numbers -----------------------------------------------------------------------------

def number(v: float, precision: int | None = 3, decimals: int | None = None) -> str:
    """A number for reading: integers exactly; otherwise `decimals` fixed places (as the
    seeds write 0.73), or `precision` significant digits in positional notation where that
    is short (0.000123, 12346), else scientific; precision None is the shortest round trip."""
    if not math.isfinite(v):
        return fmt(v)
    if v == 0.0:
        v = 0.0                                  # no "-0"
    if v == int(v) and abs(v) < 1e15:
        return str(int(v)) if decimals is None else f"{v:.{decimals}f}"
    if decimals is not None:
        if abs(v) >= 0.5 * 10.0 ** -decimals and abs(v) < 1e15:
            return f"{v:.{decimals}f}"
        return format(v, ".2g")
    if precision is None or precision >= 17:
        return fmt(v)
    exp = math.floor(math.log10(abs(v)))
    if -5 <= exp < 15:
        places = max(0, precision - 1 - exp)
        s = f"{v:.{places}f}"
        if "." in s:
            s = s.rstrip("0").rstrip(".")
        return "0" if s in ("-0", "") else s
    return format(v, f".{precision}g")


# --- arithmetic that checks at the printed precision ----------------------------------------
#
# A line such as `0.20 × -2.00 = -0.39` is read by a learner who redoes it by hand: with the
# operands rounded to the result's places it may not check (0.1966 × -2 = -0.3932, but
# 0.20 × -2.00 = -0.40). So the result keeps its places, and an operand that is not exact at
# them gets more digits, one at a time, until the shown operands, combined exactly, round to
# the shown result (half a unit of its last place, either way): `0.197 × -2.00 = -0.39`.

def _inexact(text: str, v: float) -> bool:
    """Is the printed text not exactly the float v?"""
    try:
        return float(text) != v
    except ValueError:
        return False


def _unit(text: str) -> float:
    """The unit of a printed number's last place: 0.39 -> 0.01, 1.5e-07 -> 1e-08, 12 -> 1."""
    mantissa, _, exp = text.partition("e")
    places = len(mantissa.partition(".")[2])
    return 10.0 ** ((int(exp) if exp else 0) - places)


def checks(combine, operands: list, result: str) -> bool:
    """Whether combine(the printed operands, exactly) rounds to the printed result: within half
    a unit of its last place. Floats decide where the answer is clear; exact decimals decide
    near the edge."""
    try:
        r = float(result)
        xs = [float(o) for o in operands]
    except ValueError:
        return True
    if not math.isfinite(r) or not all(map(math.isfinite, xs)):
        return True                      # inf or nan: nothing a learner can check
    try:
        approx = combine(xs)
    except (ArithmeticError, ValueError, OverflowError, TypeError):
        return False
    if approx is None or not math.isfinite(approx):
        return False
    unit = _unit(result)
    off = abs(approx - r)
    if off < 0.49 * unit:
        return True
    if off > 0.51 * unit:
        return False
    from decimal import Decimal, localcontext
    with localcontext() as ctx:
        ctx.prec = 60
        try:
            exact = combine([Decimal(o) for o in operands])
        except (ArithmeticError, ValueError, OverflowError, TypeError):
            return False
        if exact is None or not exact.is_finite():
            return False
        res = Decimal(result)
        return abs(exact - res) <= Decimal(1).scaleb(res.as_tuple().exponent) / 2


def exact_op(op):
    """op's forward over Decimals: exact for + - * / neg recip and whole powers; others
    through the float forward (a calculator's answer)."""
    from decimal import Decimal
    name = op.name
    if name == "add":
        return lambda x: x[0] + x[1]
    if name == "sub":
        return lambda x: x[0] - x[1]
    if name == "mul":
        return lambda x: x[0] * x[1]
    if name == "div":
        return lambda x: x[0] / x[1]
    if name == "neg":
        return lambda x: -x[0]
    if name == "recip":
        return lambda x: 1 / x[0]

    def by_float(x):
        """Exact for whole powers; else the float forward (a calculator's answer), as a Decimal
        where the operands are Decimals."""
        if name == "pow" and x[1] == int(x[1]) and abs(x[1]) <= 64:
            return x[0] ** int(x[1])
        v = op.forward(*[float(d) for d in x])
        if not math.isfinite(v):
            return None
        return Decimal(repr(v)) if isinstance(x[0], Decimal) else v
    return by_float


def _sum(xs):
    total = 0
    for x in xs:
        total += x
    return total


# --- printing an op over its operands (plain cg syntax or LaTeX) ---------------------------

class Piece:
    """Printed text with its precedence (9 atom, 4 ^, 3 unary minus or a negative number,
    2 * /, 1 + -) and whether it is a negative number."""
    __slots__ = ("text", "prec", "negative")

    def __init__(self, text, prec=9, negative=False):
        self.text, self.prec, self.negative = text, prec, negative


def apply(op, parts: list, latex: bool = False) -> Piece:
    """op applied to printed operands, parenthesised by precedence; in LaTeX through the op
    table's template (cgcli.symbolic.infix: the convention cg diff prints with), whose grouped slots
    ({$a}, \\left($a\\right)) take no parentheses."""
    tight = []
    for k, p in enumerate(parts):
        t = False
        if op.infix:
            if k == 0:
                t = p.prec < op.prec or (p.prec == op.prec and op.right_assoc)
            else:
                t = p.prec < op.right_prec or (p.prec == op.prec and not op.right_assoc)
            # a negative number after an operator other than * and / reads better in parentheses
            if p.negative and (k == 1 and op.prec != 2 or latex and k == 1 or op.right_assoc):
                t = True
        elif op.arity == 1 and op.symbol == "-":
            t = p.prec < op.prec or p.negative
        tight.append(t)
    if latex:
        texts = fill(LATEX_PARTS[op.code], [p.text for p in parts], tight.__getitem__, "(", ")")
        return Piece("".join(texts), op.prec)
    texts = [f"({p.text})" if t else p.text for p, t in zip(parts, tight)]
    if op.infix:
        text = f"{texts[0]}^{texts[1]}" if op.symbol == "^" else f"{texts[0]} {op.symbol} {texts[1]}"
    elif op.symbol == "-":
        text = "-" + texts[0]
    else:
        text = f"{op.symbol}({', '.join(texts)})"
    return Piece(text, op.prec)


_TEX_TEXT = {"\\": "\\textbackslash{}", "{": "\\{", "}": "\\}", "$": "\\$", "&": "\\&", "#": "\\#",
             "%": "\\%", "_": "\\_", "^": "\\^{}", "~": "\\~{}", "<": "$<$", ">": "$>$",
             "×": "$\\times$", "·": "$\\cdot$", "²": "$^2$", "—": "---", "∂": "$\\partial$",
             "≤": "$\\le$", "→": "$\\to$"}


def tex_text(s: str) -> str:
    """Running text for LaTeX: special characters escaped, × · ² as math."""
    return "".join(_TEX_TEXT.get(c, c) for c in s.replace("<=", "≤"))


# --- the document: every view below reads the same pieces --------------------------------

class Explainer:
    """Printed pieces of one Result and its walk, in plain cg syntax or in LaTeX."""

    def __init__(self, result, walk, latex=False, precision=3, decimals=None):
        self.r, self.w, self.latex = result, walk, latex
        self.precision, self.decimals = precision, decimals
        self.g = result.graph
        self.names = display_names(self.g)
        self.f = output_name(self.g)          # the output's derivatives: ∂f/∂x in every view

    def num(self, v) -> Piece:
        s = number(v, self.precision, self.decimals)
        return self._piece(s)

    def _digits(self, v, extra: int) -> str:
        if self.decimals is not None:
            return number(v, None, self.decimals + extra) if extra <= 17 else fmt(v)
        p = self.precision + extra
        return number(v, p if p < 17 else None)

    def checked(self, values, result, combine) -> tuple:
        """(operand Pieces, result Piece) for a line `operands = result` that checks at the
        printed precision: the result as num() prints it, an inexact operand with as many more
        digits as that takes (full precision at most; see `checks`)."""
        res = number(result, self.precision, self.decimals)
        texts = [number(v, self.precision, self.decimals) for v in values]
        if self.precision is not None or self.decimals is not None:
            inexact = [k for k, (v, t) in enumerate(zip(values, texts)) if math.isfinite(v) and _inexact(t, v)]
            extra = 0
            while inexact and not checks(combine, texts, res) and extra <= 17:
                extra += 1
                for k in inexact:
                    texts[k] = self._digits(values[k], extra)
        return [self._piece(t) for t in texts], self._piece(res)

    def _piece(self, s: str) -> Piece:
        neg = s.startswith("-")
        if self.latex and "e" in s and s not in ("inf", "-inf"):   # 1.5 \cdot 10^{-7}: a product
            return Piece(latex_number(s), 1, neg)
        return Piece(latex_number(s) if self.latex else s, 3 if neg else 9, neg)

    def node(self, i) -> Piece:
        """A node as an operand: its name (a constant's value, or pi)."""
        g = self.g
        if g.ops[i] == CONST and i not in g.names:         # a literal, as written
            return self.literal(g.const[i])
        name = self.names[i]
        if self.latex:
            name = latex_name(name)
        return Piece(name)

    def literal(self, v) -> Piece:
        return self._piece(fmt(v))

    def name(self, i) -> str:
        return self.node(i).text

    def formula(self, i) -> str:
        """n4 = n2 * z's right-hand side: the op over its inputs' names."""
        return apply(self.g.op(i), [self.node(a) for a in self.g.inputs(i)], self.latex).text

    def numbers(self, i) -> str:
        """The same with the inputs' values: 5 * -4."""
        vals = self.r.values
        op = self.g.op(i)
        parts, _ = self.checked([vals[a] for a in self.g.inputs(i)], vals[i], exact_op(op))
        if op.arity == 1 and op.symbol == "-":       # -(1) rather than -1: show the negation
            parts = [Piece(f"({parts[0].text})")]
        return apply(op, parts, self.latex).text

    def value(self, i) -> str:
        return self.num(self.r.values[i]).text

    def grad(self, i) -> str:
        return self.num(self.r.grads[i]).text

    def plain(self, i) -> str:
        """A node's name in plain text (a literal constant as written)."""
        g = self.g
        return fmt(g.const[i]) if g.ops[i] == CONST and i not in g.names else self.names[i]

    def gate(self, i) -> str:
        """The op table's gate text naming this node's own inputs (and saying which of them
        depend on no variable, so get no gradient)."""
        g = self.g
        text = say_gate(g.op(i).gate, [self.plain(a) for a in g.inputs(i)])
        fixed = list(dict.fromkeys(self.plain(a) for a in g.inputs(i) if not g.needs_grad[a]))
        if fixed and g.needs_grad[i]:
            one = len(fixed) == 1
            text += (f" ({' and '.join(fixed)} {'is a constant' if one else 'are constants'}: no gradient "
                     f"is kept for {'it' if one else 'them'})")
        return text

    def pattern(self, i) -> str:
        return say_gate(self.g.op(i).pattern, [self.plain(a) for a in self.g.inputs(i)])

    def fname(self) -> str:
        return latex_name(self.f) if self.latex else self.f

    def d(self, top: int, of: int) -> str:
        f = self.fname() if top == self.g.output else self.name(top)
        x = self.name(of)
        if self.latex:
            return f"\\frac{{\\partial {f}}}{{\\partial {x}}}"
        return f"∂{f}/∂{x}"

    def times(self) -> str:
        return " \\times " if self.latex else " × "

    def product(self, e) -> str:
        """upstream × local = product, with the numbers."""
        (up, loc), res = self.checked([self.r.grads[e.node], e.local], e.product, lambda x: x[0] * x[1])
        if self.latex:
            up = Piece(f"({up.text})") if up.prec < 3 else up
            loc = Piece(f"({loc.text})") if loc.prec < 9 else loc
        return f"{up.text}{self.times()}{loc.text} = {res.text}"

    def local(self, e) -> str:
        """∂n9/∂n8 = sigmoid(n8) * (1 - sigmoid(n8)) = 0.731 * 0.269 = 0.197"""
        return " = ".join([self.d(e.node, e.to), *self.local_parts(e), self.num(e.local).text])

    def local_parts(self, e) -> list:
        """The local derivative's formula in the nodes' names, then its top operation with
        numbers, each left out where it would repeat what is already there."""
        g = self.g
        parts = []
        value = self.num(e.local).text
        if e.partial:
            t = template(e.partial)
            if t.variables:
                own = apply(g.op(e.node), [self.node(a) for a in g.inputs(e.node)], self.latex)
                leaves = {"a": self.node(g.in0[e.node]), "out": own}
                if g.in1[e.node] >= 0:
                    leaves["b"] = self.node(g.in1[e.node])
                text = self._print_template(t, leaves)
                top = t.output
                bound = {"a": g.in0[e.node], "b": g.in1[e.node]}.get(
                    next((n for n, j in t.variables.items() if j == top), ""), -1)
                if text != value and not (bound >= 0 and g.ops[bound] == CONST):
                    parts.append(text)
                if e.parts is not None:
                    tt, vals = e.parts
                    shown, _ = self.checked(list(vals), e.local, exact_op(tt.op(tt.output)))
                    one = apply(tt.op(tt.output), shown, self.latex).text
                    if one not in (text, value):
                        parts.append(one)
        return parts

    def _print_template(self, t, leaves: dict) -> str:
        """A template (cg expression in a, b, out) printed with its variables replaced by the
        pieces in `leaves`; a loop over its nodes in topological order, no recursion."""
        var_name = {i: n for n, i in t.variables.items()}
        printed: list = []
        for j in range(len(t.ops)):
            code = t.ops[j]
            if code == VAR:
                printed.append(leaves.get(var_name[j], Piece(var_name[j])))
            elif code == CONST:
                name = t.names.get(j)
                if name:
                    printed.append(Piece(latex_name(name) if self.latex else name))
                else:
                    printed.append(self.literal(t.const[j]))
            else:
                printed.append(apply(OPS[code], [printed[a] for a in t.inputs(j)], self.latex))
        return printed[t.output].text

    def no_gates(self) -> str:
        i = self.g.output
        if self.g.needs_grad[i]:
            return f"There is no gate: the output is the variable {self.name(i)} itself, so its gradient is 1."
        return "There is no gradient to pass back: the output depends on no variable."

    def output(self) -> str:
        i = self.g.output
        name, value = self.name(i), self.value(i)
        return value if name == value else f"{name} = {value}"

    def called(self, code=lambda s: s) -> str:
        """ "(f in the derivatives below)" where the output's node has another name."""
        return "" if self.names[self.g.output] == self.f else f" ({code(self.fname())} in the derivatives below)"

    def target(self, e, code=lambda s: s) -> str:
        """What an edge's product is: the input's whole gradient, or one of its contributions."""
        uses = len(self.w.incoming.get(e.to, ()))
        if uses == 1:
            return code(self.d(self.g.output, e.to))
        return f"contribution {e.index} of {uses} to {code(self.d(self.g.output, e.to))}"

    def fan_in(self, j) -> str:
        """∂f/∂x = 2 + 3 = 5 (the terms shortened past SUM_TERMS)."""
        terms, _ = self.checked([e.product for e in self.w.incoming.get(j, [])], self.r.grads[j], _sum)
        shown = []
        for k, p in enumerate(terms[:SUM_TERMS]):
            shown.append(p.text if k == 0 or not p.negative else f"({p.text})")
        more = len(terms) - len(shown)
        if more:
            shown.append(f"\\dots ({more} more)" if self.latex else f"… ({more} more)")
        return f"{self.d(self.g.output, j)} = {' + '.join(shown)} = {self.grad(j)}"


def title(graph, origin: str | None = None) -> tuple:
    """(what the explanation is of, a note): a one-line expression is shown as written; a
    program file (origin FILE.cg), stdin (origin "-") or a multi-line program by its name and
    its statement count, not its whole text with its comments. what is None for stdin or an
    unnamed program (the views say "the program on stdin", "a program")."""
    text = graph.source
    if origin is None and "\n" not in text.strip():
        return " ".join(text.split()), ""
    from ..core.parse import count_statements
    n = count_statements(text)
    note = f" ({n} statement{'s' if n != 1 else ''})"
    return (None if origin in (None, "-") else origin), note


def title_text(graph, origin, code=lambda s: s) -> str:
    what, note = title(graph, origin)
    if what is None:
        what = "the program on stdin" if origin == "-" else "a program"
    else:
        what = code(what)
    return what + note


def _inputs_text(result, ex: Explainer) -> list:
    # a rebound input by its version name (h#1, the start state), never the output's name
    return [f"{ex.names[i]} = {ex.value(i)}" for i in result.graph.variables.values()]


def _fan(ex, i, uses, m=lambda s: s) -> str:
    return f"{m(ex.name(i))} is used {uses} times: the contributions add up"


def _uses(walk, j) -> int:
    return len(walk.incoming.get(j, ()))


# --- plain text and Markdown ---------------------------------------------------------------

def text(result, walk, markdown=False, precision=3, decimals=None, origin=None) -> str:
    ex = Explainer(result, walk, False, precision, decimals)
    g = result.graph
    out_i = g.output
    L: list[str] = []
    code = code_span if markdown else (lambda s: s)
    bold = (lambda s: f"**{s}**") if markdown else (lambda s: s)
    inputs = ", ".join(_inputs_text(result, ex)) or "no variables"
    unnamed = any(g.ops[i] not in (VAR, CONST) and i not in g.names and i != out_i for i in walk.forward)
    note = "Nodes without a name are called n<id> (their position in the graph)." if unnamed else ""
    if markdown:
        L += [f"# Backpropagation through {title_text(g, origin, code)}", "", f"Inputs: {code(inputs)}." + (" " + note if note else ""), ""]
        L += ["## Forward pass", "", "Each gate computes its value from its inputs, from the inputs to the output.", ""]
    else:
        L += [f"Backpropagation through {title_text(g, origin)}", f"Inputs: {inputs}."]
        if note:
            L.append(note)
        L += ["", "Forward pass: each gate computes its value from its inputs, from the inputs to the output."]
    for k, i in enumerate(walk.forward, 1):
        step = f"{ex.name(i)} = {ex.formula(i)} = {ex.numbers(i)} = {ex.value(i)}"
        L.append(f"{k}. {code(step)}" if markdown else f"  {step}")
    if markdown:
        L.append("")
    L.append(f"{'' if markdown else '  '}The output is {code(ex.output())}{ex.called()}.")
    L.append("")
    if markdown:
        L += ["## Backward pass", "",
              "From the output back to the inputs, in reverse topological order. Each gate sends "
              "upstream × local back along each of its input edges; where a node is used more than once, "
              "the contributions add up.", ""]
    else:
        L += ["Backward pass: from the output back to the inputs. Each gate sends upstream × local "
              "back along each input edge; where a node is used more than once, the contributions add up."]
    k = 0
    for i in walk.backward:
        op = g.op(i)
        uses = _uses(walk, i)
        if op.arity == 0:
            if uses > 1:          # a variable that fans out: the sum
                k += 1
                line = f"{code(ex.fan_in(i))} ({_fan(ex, i, uses)})"
                L.append(f"{k}. {line}" if markdown else f"  {line}")
            continue
        k += 1
        if i == out_i:
            grad = f"{ex.d(out_i, i)} = {ex.grad(i)} (the output)"
        elif uses > 1:
            grad = f"{code(ex.fan_in(i))} ({_fan(ex, i, uses)})"
        else:
            grad = f"{ex.d(out_i, i)} = {ex.grad(i)}"
        head = f"{ex.name(i)} = {ex.formula(i)}"
        edges = walk.edges.get(i, [])
        if markdown:
            L.append(f"{k}. {bold(code(head))}, upstream {grad if uses > 1 else code(grad)}  ")
            L.append(f"   {ex.gate(i)}")
            for e in edges:
                L.append(f"   - to {code(ex.name(e.to))}: local {code(ex.local(e))}, so "
                         f"{ex.target(e, code)} = upstream × local = {code(ex.product(e))}")
        else:
            L.append(f"  {head}    upstream {grad}")
            L.append(f"    {ex.gate(i)}")
            for e in edges:
                L.append(f"    to {ex.name(e.to)}: local {ex.local(e)}, so {ex.target(e)} = upstream × local "
                         f"= {ex.product(e)}")
    if k == 0:
        L.append(f"{'' if markdown else '  '}{ex.no_gates()}")
    L.append("")
    L += _gradients_text(result, ex, markdown)
    L += _shared_text(result, walk, ex, markdown)
    for w in result.warnings:
        L.append(f"warning: {w}" if not markdown else f"> **warning:** {md_text(w)}")
    return "\n".join(L) + "\n"


def _gradients_text(result, ex, markdown) -> list:
    g = result.graph
    rows = [(ex.names[i], ex.value(i), ex.grad(i)) for i in g.variables.values()]
    head = ("variable", "value", f"∂{ex.f}/∂variable")
    if markdown:
        L = ["## Gradients", "", f"| {head[0]} | {head[1]} | {head[2]} |", "|---|---:|---:|"]
        L += [f"| {a} | {b} | {c} |" for a, b, c in rows]
        return L
    if not rows:
        return ["Gradients: the expression has no variables."]
    w = [max(len(r[c]) for r in rows + [head]) for c in range(3)]
    L = ["Gradients:",
         f"  {head[0]:<{w[0]}}  {head[1]:>{w[1]}}  {head[2]:>{w[2]}}"]
    L += [f"  {a:<{w[0]}}  {b:>{w[1]}}  {c:>{w[2]}}" for a, b, c in rows]
    return L


def shared_steps(result, walk) -> list:
    """For each input used by more than one loop iteration (a shared weight): (name, node,
    [(step label, its contribution: the sum of what that iteration's gates send back)]), the
    steps in order. The contributions are the backward pass's own edge products (walk)."""
    g = result.graph
    if not g.steps:
        return []
    from .groups import node_steps
    steps = node_steps(g)
    out = []
    for name, i in g.variables.items():
        per: dict = {}
        for e in walk.incoming.get(i, ()):
            label = steps[e.node] or ("before the loop" if e.node < g.steps[0][3] else "after the loop")
            got = per.get(label)
            per[label] = [e.product + (got[0] if got else 0.0), min(e.node, got[1]) if got else e.node]
        if sum(1 for k in per if not k.endswith(" the loop")) > 1:      # the steps in program order
            out.append((name, i, [(k, v[0]) for k, v in sorted(per.items(), key=lambda kv: kv[1][1])]))
    return out


def _shared_text(result, walk, ex, markdown) -> list:
    shared = shared_steps(result, walk)
    if not shared:
        return []
    f = ex.f
    L = [""]
    if markdown:
        L += ["## Shared weights over the loop's steps", "",
              "Backprop through time: an input used in every step gets a contribution from each "
              "step, and its gradient is their sum (the fan-out rule, over time).", ""]
    else:
        L += ["Shared weights over the loop's steps (backprop through time: the gradient is the sum of "
              "each step's contribution, the fan-out rule over time):"]
    for _, i, per in shared:
        name = ex.names[i]                   # a rebound input by its version name
        shown, _ = ex.checked([v for _, v in per], result.grads[i], _sum)
        terms = [f"{label}: {p.text}" for (label, _), p in zip(per, shown)]
        total = ex.grad(i)
        if markdown:
            L.append(f"- {code_span(f'∂{f}/∂{name}')} = " + " + ".join(f"{code_span(p.text)} ({md_text(label)})"
                                                                   for (label, _), p in zip(per, shown))
                     + f" = {code_span(total)}")
        else:
            L.append(f"  ∂{f}/∂{name} = sum over {len(per)} steps = {total}")
            L += [f"    {t}" for t in terms]
    return L


def wrap(text: str, width: int) -> str:
    """Lines longer than `width` broken at spaces (never inside a word or a number), the
    continuation indented two more than the line; a word longer than a line stays whole."""
    import textwrap
    out = []
    for line in text.split("\n"):
        if len(line) <= width:
            out.append(line)
            continue
        body = line.lstrip(" ")
        lead = " " * (len(line) - len(body))
        tail = "  " if line.endswith("  ") else ""         # a Markdown line break
        more = lead + ("   " if body[:1].isdigit() and ". " in body[:5] else "  ")
        parts = textwrap.wrap(body, width=max(20, width), initial_indent=lead, subsequent_indent=more,
                              break_long_words=False, break_on_hyphens=False)
        out.extend(parts[:-1])
        out.append(parts[-1] + tail)
    return "\n".join(out)


# --- LaTeX ---------------------------------------------------------------------------------

def latex(result, walk, precision=3, decimals=None, origin=None) -> str:
    ex = Explainer(result, walk, True, precision, decimals)
    g = result.graph
    out_i = g.output
    m = lambda s: f"${s}$"
    L = [r"\documentclass{article}", r"\usepackage[utf8]{inputenc}", r"\usepackage[T1]{fontenc}",
         r"\usepackage{amsmath}", r"\begin{document}", ""]
    L.append(r"\section*{Backpropagation through "
             + title_text(g, origin, lambda t: r"\texttt{" + tex_text(t) + "}") + "}")
    inputs = ", ".join(m(f"{ex.name(i)} = {ex.value(i)}") for i in g.variables.values()) or "no variables"
    L.append(f"Inputs: {inputs}.")
    if any(g.ops[i] not in (VAR, CONST) and i not in g.names and i != out_i for i in walk.forward):
        L.append(r"Nodes without a name are called $n_{\mathit{id}}$ (their position in the graph).")
    L += ["", r"\subsection*{Forward pass}",
          "Each gate computes its value from its inputs, from the inputs to the output."]
    if walk.forward:
        L.append(r"\begin{align*}")
        rows = [f"{ex.name(i)} &= {ex.formula(i)} = {ex.numbers(i)} = {ex.value(i)}" for i in walk.forward]
        L.append((" \\\\\n").join(rows))
        L.append(r"\end{align*}")
    L.append(f"The output is {m(ex.output())}{ex.called(m)}.")
    L += ["", r"\subsection*{Backward pass}",
          r"From the output back to the inputs. Each gate sends upstream $\times$ local back along "
          r"each input edge; where a node is used more than once, the contributions add up."]
    items = []
    for i in walk.backward:
        op = g.op(i)
        uses = _uses(walk, i)
        if op.arity == 0:
            if uses > 1:
                items.append(rf"\item {m(ex.fan_in(i))} ({_fan(ex, i, uses, m)})")
            continue
        if i == out_i:
            grad = m(f"{ex.d(out_i, i)} = {ex.grad(i)}") + " (the output)"
        elif uses > 1:
            grad = m(ex.fan_in(i)) + f" ({_fan(ex, i, uses, m)})"
        else:
            grad = m(f"{ex.d(out_i, i)} = {ex.grad(i)}")
        item = [rf"\item {m(f'{ex.name(i)} = {ex.formula(i)}')}, upstream {grad}. {tex_text(ex.gate(i))}."]
        edges = walk.edges.get(i, [])
        if edges:
            item.append(r"  \begin{itemize}")
            for e in edges:
                item.append(rf"  \item to {m(ex.name(e.to))}: local {m(ex.local(e))}, so "
                            rf"{ex.target(e, m)} $=$ upstream $\times$ local {m('= ' + ex.product(e))}")
            item.append(r"  \end{itemize}")
        items.append("\n".join(item))
    if items:
        L += [r"\begin{enumerate}", *items, r"\end{enumerate}"]
    else:
        L.append(tex_text(ex.no_gates()))
    L += ["", r"\subsection*{Gradients}"]
    if g.variables:
        L += [r"\begin{tabular}{lrr}", r"variable & value & "
              + m(f"\\partial {ex.fname()} / \\partial \\text{{variable}}") + r" \\ \hline"]
        L += [f"{m(ex.name(i))} & {m(ex.value(i))} & {m(ex.grad(i))} \\\\" for i in g.variables.values()]
        L.append(r"\end{tabular}")
    else:
        L.append("The expression has no variables.")
    shared = shared_steps(result, walk)
    if shared:
        L += ["", r"\subsection*{Shared weights over the loop's steps}",
              tex_text("Backprop through time: the gradient of an input used in every step is the sum of "
                       "each step's contribution (the fan-out rule, over time)."), r"\begin{itemize}"]
        for name, i, per in shared:
            shown, _ = ex.checked([v for _, v in per], result.grads[i], _sum)
            terms = " + ".join(f"\\underbrace{{{p.text}}}_{{\\text{{{tex_text(label)}}}}}"
                               for (label, _), p in zip(per, shown))
            L.append(r"\item " + m(f"\\partial {ex.fname()} / \\partial {ex.name(i)} = {terms} = {ex.grad(i)}"))
        L.append(r"\end{itemize}")
    if result.warnings:
        L += ["", r"\subsection*{Warnings}", r"\begin{itemize}"]
        L += [r"\item " + tex_text(w) for w in result.warnings]
        L.append(r"\end{itemize}")
    L += ["", r"\end{document}"]
    return "\n".join(L) + "\n"


# --- JSON ----------------------------------------------------------------------------------

def write_json(result, walk, out) -> None:
    """Schema cg.explain/1 (README): the steps as data, numbers at full precision."""
    from ..core.formats import quote
    from .json import _obj
    ex = Explainer(result, walk, False, None, None)
    g = result.graph
    n = json_number
    w = out.write
    w("{" + f'"schema": "{SCHEMA}", "expression": {quote(g.source)}, "inputs": {_obj(result.inputs)}, ')
    w(f'"value": {n(result.value)}, "output": {g.output}, "output_name": {quote(ex.f)}, ')
    w('"forward": [')
    w(", ".join(
        f'{{"node": {i}, "name": {quote(ex.name(i))}, "op": "{g.op(i).name}", '
        f'"inputs": [{", ".join(str(a) for a in g.inputs(i))}], "formula": {quote(ex.formula(i))}, '
        f'"numbers": {quote(ex.numbers(i))}, "value": {n(result.values[i])}}}' for i in walk.forward))
    w('], "backward": [')
    steps = []
    for i in walk.backward:
        op = g.op(i)
        contrib = ", ".join(f'{{"from": {e.node}, "value": {n(e.product)}}}' for e in walk.incoming.get(i, []))
        edges = ", ".join(
            f'{{"to": {e.to}, "to_name": {quote(ex.name(e.to))}, "input": {e.k}, '
            f'"local": {n(e.local)}, "local_formula": {quote((ex.local_parts(e) or [fmt(e.local)])[0])}, '
            f'"local_text": {quote(ex.local(e))}, '
            f'"upstream": {n(result.grads[i])}, "product": {n(e.product)}}}' for e in walk.edges.get(i, []))
        gate = quote(ex.gate(i)) if op.arity else "null"
        steps.append(f'{{"node": {i}, "name": {quote(ex.name(i))}, "op": "{op.name}", '
                     f'"grad": {n(result.grads[i])}, "contributions": [{contrib}], '
                     f'"gate": {gate}, "pattern": {quote(ex.pattern(i))}, "edges": [{edges}]}}')
    w(", ".join(steps))
    w(f'], "gradients": {_obj(result.gradients)}, ')
    shared = shared_steps(result, walk)
    if shared:                  # loops only (additive): each shared input's per-step contributions
        w('"shared": [' + ", ".join(
            f'{{"name": {quote(name)}, "node": {i}, "steps": ['
            + ", ".join(f'{{"step": {quote(label)}, "contribution": {n(v)}}}' for label, v in per)
            + f'], "grad": {n(result.grads[i])}}}' for name, i, per in shared) + '], ')
    w(f'"warnings": [{", ".join(quote(x) for x in result.warnings)}]}}\n')


# --- a step-through (the HTML page and cg explain --step) ------------------------------------

def step_texts(result, walk, frames, precision=4, decimals=None) -> list:
    """Per frame of cgcli.teach.steps.frames: plain data for a stepper to display (no arithmetic
    here beyond printing): the current node, the edge, a title, the arithmetic line, the
    local derivative, the gate rule and, where the input fans out, the contributions so far."""
    ex = Explainer(result, walk, False, precision, decimals)
    g = result.graph
    out = []
    nf = len(walk.forward)
    nb = sum(1 for f in frames if f.phase == "backward")
    kb = 0
    for k, f in enumerate(frames):
        i = f.node
        s = {"phase": f.phase, "node": i, "name": ex.name(i), "target": None, "edge": None,
             "inputs": [], "local": "", "gate": "", "fanout": ""}
        if f.phase == "forward":
            s["title"] = f"Forward {k + 1} of {nf}: {ex.name(i)} = {ex.formula(i)}"
            s["arithmetic"] = f"{ex.name(i)} = {ex.formula(i)} = {ex.numbers(i)} = {ex.value(i)}"
            s["inputs"] = [f"e{a}_{i}_{j}" for j, a in enumerate(g.inputs(i))]
        elif f.phase == "seed":
            s["title"] = f"Backward: start at the output {ex.name(i)}"
            s["arithmetic"] = (f"{ex.d(g.output, i)} = 1 (the output's gradient with respect to itself)"
                               if g.needs_grad[i] else ex.no_gates())
        else:
            kb += 1
            e = f.edge
            uses = len(walk.incoming.get(e.to, ()))
            s["target"] = e.to
            s["edge"] = f"e{e.to}_{i}_{e.k}"
            s["title"] = (f"Backward {kb} of {nb}: {ex.name(i)} = {ex.formula(i)} "
                          f"sends the gradient to {ex.name(e.to)}")
            s["arithmetic"] = f"{ex.target(e)} = upstream × local = {ex.product(e)}"
            s["local"] = f"local {ex.local(e)}"
            s["gate"] = ex.gate(i)
            if uses > 1:
                sofar, _ = ex.checked(list(f.sofar), f.total, _sum)
                terms = " + ".join(t if n == 0 or not t.startswith("-") else f"({t})"
                                   for n, t in enumerate(p.text for p in sofar[:SUM_TERMS]))
                if len(f.sofar) > SUM_TERMS:
                    terms += f" + … ({len(f.sofar) - SUM_TERMS} more)"
                done = len(f.sofar) == uses
                s["fanout"] = (f"{ex.name(e.to)} fans out to {uses} uses: contributions so far "
                               f"{len(f.sofar)} of {uses}: {terms} = {ex.num(f.total).text}"
                               + (f" = {ex.d(g.output, e.to)}, complete" if done else ""))
        out.append(s)
    return out
