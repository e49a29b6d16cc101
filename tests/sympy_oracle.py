"""SymPy as an independent oracle for cg's symbolic derivatives (tests and bench only).

- random_expression(rng, depth): cg text using every op of the op table
- to_sympy(graph, vocab): a cg graph as a SymPy expression (iteratively, node by node)
  vocab="oracle": every op by its mathematical definition (sigmoid = 1/(1+exp(-a)),
  relu = Max(a, 0), step = Heaviside(a)): an independent check of values.
  vocab="size": ops SymPy lacks (sigmoid, relu, step) as one SymPy function each, with
  the same derivative cg uses, so that op counts compare like with like.
- count_printed(text, where): sympy.count_ops of cg's printed derivative (definitions
  counted once each, their names as symbols)
- evaluator(expr, names): a fast float function of a SymPy expression
"""
from __future__ import annotations

import math

import sympy as sp

from cgcli.core.ops import OPS


class sigmoid(sp.Function):
    nargs = 1

    @classmethod
    def eval(cls, a):
        if a.is_number:                  # a number or a constant expression (log(pi))
            return 1 / (1 + sp.exp(-a))

    def fdiff(self, argindex=1):
        return self * (1 - self)


class step(sp.Function):
    nargs = 1

    @classmethod
    def eval(cls, a):
        if a.is_number:                  # folded, so that Max/Min get comparable arguments
            if a.is_positive:
                return sp.S.One
            if a.is_nonpositive:
                return sp.S.Zero

    def fdiff(self, argindex=1):
        return sp.S.Zero


class relu(sp.Function):
    nargs = 1

    @classmethod
    def eval(cls, a):
        if a.is_number:
            return sp.Max(a, 0)

    def fdiff(self, argindex=1):
        return step(self.args[0])


def _heaviside(x, h=0.0):
    return 1.0 if x > 0 else (0.0 if x < 0 else h)


def _sign(x):
    return 1.0 if x > 0 else (-1.0 if x < 0 else 0.0)


ORACLE = {
    "add": lambda a, b: a + b, "sub": lambda a, b: a - b, "mul": lambda a, b: a * b,
    "div": lambda a, b: a / b, "neg": lambda a: -a, "pow": lambda a, b: a ** b,
    "sin": sp.sin, "cos": sp.cos, "tan": sp.tan, "exp": sp.exp, "log": sp.log, "sqrt": sp.sqrt,
    "abs": sp.Abs, "tanh": sp.tanh, "sigmoid": lambda a: 1 / (1 + sp.exp(-a)),
    "relu": lambda a: sp.Max(a, 0), "sign": sp.sign, "step": lambda a: sp.Heaviside(a, 0),
    "recip": lambda a: 1 / a, "max": sp.Max, "min": sp.Min,
}
SIZE = dict(ORACLE, sigmoid=sigmoid, relu=relu, step=step)

# the names cg prints, for parsing its output back into SymPy
PRINTED = {"sin": sp.sin, "cos": sp.cos, "tan": sp.tan, "exp": sp.exp, "log": sp.log, "ln": sp.log,
           "sqrt": sp.sqrt, "abs": sp.Abs, "tanh": sp.tanh, "sigmoid": sigmoid, "relu": relu,
           "sign": sp.sign, "step": step, "recip": lambda a: 1 / a, "max": sp.Max, "min": sp.Min, "pow": sp.Pow,
           "pi": sp.pi, "e": sp.E}

MODULES = [{"Heaviside": _heaviside, "DiracDelta": lambda *a: 0.0, "sign": _sign,
            "Max": max, "Min": min, "sigmoid": lambda a: 1 / (1 + math.exp(-a)),
            "relu": lambda a: a if a > 0 else 0.0, "step": lambda a: 1.0 if a > 0 else 0.0,
            "Abs": abs, "re": lambda v: v, "im": lambda v: 0.0,
            "arg": lambda v: 0.0 if v >= 0 else math.pi}, "math"]


def missing_ops() -> list:
    """Ops of the table the oracle does not know (a test fails on any)."""
    return [op.name for op in OPS if op.arity and op.name not in ORACLE]


def symbols(names):
    return {n: sp.Symbol(n, real=True) for n in names}


def to_sympy(graph, vocab: str = "oracle", syms=None):
    table = ORACLE if vocab == "oracle" else SIZE
    syms = syms or symbols(graph.variables)
    vals = []
    for i in range(len(graph.ops)):
        op = OPS[graph.ops[i]]
        if op.name == "var":
            vals.append(syms[graph.names[i]])
        elif op.name == "const":
            name = graph.names.get(i)
            if name == "pi":
                vals.append(sp.pi)
            elif name == "e":
                vals.append(sp.E)
            else:
                c = graph.const[i]
                vals.append(sp.Integer(int(c)) if c == int(c) and abs(c) < 1e15 else sp.Float(c))
        else:
            args = [vals[graph.in0[i]]] + ([vals[graph.in1[i]]] if graph.in1[i] >= 0 else [])
            vals.append(table[op.name](*args))
    return vals[graph.output]


def parse_printed(text: str, syms: dict):
    from sympy.parsing.sympy_parser import convert_xor, parse_expr, standard_transformations
    local = dict(PRINTED)
    local.update(syms)
    return parse_expr(text, local_dict=local, transformations=standard_transformations + (convert_xor,),
                      evaluate=False)


def count_printed(text: str, where, names) -> int:
    """Op count of a printed derivative: its text plus each definition once."""
    syms = symbols(list(names) + [n for n, _ in where])
    total = sp.count_ops(parse_printed(text, syms))
    for _, t in where:
        total += sp.count_ops(parse_printed(t, syms))
    return int(total)


def evaluator(expr, names):
    f = sp.lambdify([sp.Symbol(n, real=True) for n in names], expr, modules=MODULES)
    return f


# --- random expressions ----------------------------------------------------------------------

UNARY = [op for op in OPS if op.arity == 1]
BINARY = [op for op in OPS if op.arity == 2]


def random_expression(rng, depth: int = 3, variables=("x", "y", "z"), ops=None) -> str:
    """A random cg expression using the op table's ops (`ops`: restrict to these names).
    Built with an explicit stack of pending holes, no recursion."""
    unary = [op for op in UNARY if ops is None or op.name in ops]
    binary = [op for op in BINARY if ops is None or op.name in ops]
    out = []
    stack = [depth]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            out.append(item)
            continue
        d = item
        if d <= 0 or rng.random() < 0.2:
            if rng.random() < 0.75:
                out.append(rng.choice(variables))
            else:
                out.append(rng.choice(["2", "3", "0.5", "1.5", "pi"]))
            continue
        if unary and (not binary or rng.random() < 0.45):
            op = rng.choice(unary)
            if op.prec < 9:
                out.append(op.symbol + "(")
            else:
                out.append(op.symbol + "(")
            stack.append(")")
            stack.append(d - 1)
        else:
            op = rng.choice(binary)
            if op.infix:
                out.append("(")
                stack.append(")")
                if op.name == "pow" and rng.random() < 0.6:      # mostly small constant powers
                    stack.append(rng.choice(["2", "3", "0.5", "-1"]))
                else:
                    stack.append(d - 1)
                stack.append(f" {op.symbol} ")
                stack.append(d - 1)
            else:
                out.append(op.symbol + "(")
                stack.append(")")
                stack.append(d - 1)
                stack.append(", ")
                stack.append(d - 1)
    return "".join(out)
