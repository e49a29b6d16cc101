"""The op table: the single source of truth for every operation cg knows.

Each entry keeps an op's forward and its local partials side by side (as in
micrograd's engine.py). Every other module looks ops up here: the parser (names,
arity), the passes (forward, local), the views (symbol, precedence, gate text),
symbolic differentiation (`partials`, written in cg's own language) and gate
expansion (`expand`). Adding an op is adding one entry.

Conventions at non-smooth points: relu'(0) = 0, abs'(0) = 0, and max/min route
the whole gradient to the first argument when the arguments are equal.
A `local` function never raises: where a derivative is infinite it returns inf.
"""
from __future__ import annotations

import math
import operator

inf = math.inf
nan = math.nan


class Op:
    """One operation. (A plain slotted class rather than a dataclass: start-up is paid on
    every call from a shell loop, and dataclass creation costs about a millisecond.)"""
    __slots__ = ("name", "symbol", "arity", "forward", "local", "partials", "gate", "domain",
                 "prec", "right_prec", "infix", "right_assoc", "expand", "code", "pattern", "latex",
                 "dead", "saturates", "vec", "direct", "piecewise")

    def __init__(self, name, symbol, arity, forward, local, *, partials=(), gate="", domain=None,
                 prec=9, right_prec=None, infix=False, right_assoc=False, expand="", pattern="",
                 latex="", dead=None, saturates=False, vec=None, direct=None, piecewise=False):
        self.name = name              # as in JSON and the table ("mul")
        self.symbol = symbol          # as printed: the infix symbol, or the function's name
        self.arity = arity            # 0 for leaves
        self.forward = forward        # inputs -> value
        self.local = local            # (inputs..., out) -> d out / d input (a pair when binary)
        self.partials = partials      # the same partials as cg expressions in a, b, out (symbolic)
        # the partials a column-wise backward pass takes without calling `local` (batch/columns.py):
        # per input, a number (the partial is that constant), "a", "b" or "out" (the partial is
        # that value), or None (call `local`). The same facts as `partials`, as data (a test
        # checks that the two agree).
        self.direct = tuple(direct) if direct is not None else (None,) * arity
        # a kink or a jump somewhere (relu at 0, max with equal inputs, step): the gradient is
        # not continuous there, so grading draws no point at it (see `PIECEWISE` below)
        self.piecewise = piecewise
        self.gate = gate              # how the gate passes the gradient back (explain)
        self.domain = domain          # (inputs...) -> why the forward failed (error path only)
        self.prec = prec              # printing precedence: 1 + -, 2 * /, 3 unary -, 4 ^, 9 atoms
        # the loosest operand the right side takes unparenthesised (x^-1: ^ takes a unary minus)
        self.right_prec = prec if right_prec is None else right_prec
        self.infix = infix
        self.right_assoc = right_assoc
        self.expand = expand          # a composite's primitive gates: a cg expression in a (and b)
        # LaTeX with $a, $b for the inputs (cg diff's printer and cg explain, via cgcli.symbolic.infix);
        # an input right after { ( | or ", " is already grouped and never gets parentheses.
        # Empty: `$a symbol $b` for an infix op, else \operatorname{symbol}\left($a\right)
        self.latex = latex or _latex_default(symbol, arity, infix)
        self.code = -1                # index in OPS, set below
        # optional (forward, local) over whole columns: the same functions written with NumPy,
        # called as f(np, a[, b]) and l(np, a[, b], out); NumPy's floating-point errors stand
        # for the scalar path's domain errors. None: cg fit's NumPy engine is not used for
        # graphs with this op (the per-point and pure-Python column-wise passes still are).
        self.vec = vec
        # teaching views (explain, table, pictures, diagnostics):
        # gate and pattern are templates: {a} and {b} stand for the node's inputs (say_gate)
        self.pattern = pattern or gate.partition(": ")[2].removeprefix("{a} gets ")  # in a few words
        self.dead = dead              # (a) -> True where the gate passes no gradient at all
        self.saturates = saturates    # its local derivative vanishes in the tails (sigmoid, tanh)

    def __repr__(self):
        return f"Op({self.name!r})"


def say_gate(text: str, inputs) -> str:
    """A gate or pattern template with {a}, {b} replaced by the printed names of the node's
    inputs (a negative number in parentheses); with no inputs given, the letters a and b."""
    names = [f"({n})" if n.startswith("-") else n for n in inputs] or ["a", "b"]
    text = text.replace("{a}", names[0])
    return text.replace("{b}", names[1] if len(names) > 1 else "b")


def _latex_default(symbol, arity, infix):
    if arity == 0:
        return ""
    if infix:
        return f"$a {symbol} $b"
    return f"\\operatorname{{{symbol}}}\\left({', '.join(('$a', '$b')[:arity])}\\right)"


# --- forward functions that need more than the math module -----------------

def _sigmoid(a):
    # two forms so that exp never overflows: sigmoid(-1000) = 0, sigmoid(1000) = 1
    if a >= 0:
        return 1.0 / (1.0 + math.exp(-a))
    z = math.exp(a)
    return z / (1.0 + z)


def _relu(a):
    return a if a > 0.0 else 0.0


def _max(a, b):
    return a if a >= b else b


def _min(a, b):
    return a if a <= b else b


def _pow(a, b):
    # math.pow raises for a negative base to a non-integer power (no complex results)
    return math.pow(a, b)


# --- local partials that need care ------------------------------------------

def _pow_local(a, b, out):
    # d/da a^b = b*a^(b-1) = b*out/a: no log of the base, so (-3)^2 has gradient -6
    if a != 0.0:
        da = b * out / a
    elif b == 1.0:
        da = 1.0
    elif b > 1.0 or b == 0.0:
        da = 0.0
    else:
        da = inf          # 0 < b < 1: the slope at 0 is vertical
    # d/db a^b = out*log(a): undefined for a negative base; 0^b is flat in b
    if a > 0.0:
        db = out * math.log(a)
    elif a == 0.0:
        db = 0.0
    else:
        db = nan
    return da, db


def _sqrt_local(a, out):
    return 0.5 / out if out else inf


# --- column-wise forms (NumPy arrays; `np` is passed in, so this module never imports it) ---

def _vpow_local(np, a, b, out):
    # the scalar rules of _pow_local, elementwise
    nz = a != 0.0
    da = np.where(nz, b * out / np.where(nz, a, 1.0),
                  np.where(b == 1.0, 1.0, np.where((b > 1.0) | (b == 0.0), 0.0, inf)))
    pos = a > 0.0
    db = np.where(pos, out * np.log(np.where(pos, a, 1.0)), np.where(a == 0.0, 0.0, nan))
    return da, db


def _vsqrt_local(np, a, out):
    nz = out != 0.0
    return np.where(nz, 0.5 / np.where(nz, out, 1.0), inf)


def _vsigmoid(np, a):
    z = np.exp(-np.abs(a))            # never overflows, as in _sigmoid
    return np.where(a >= 0.0, 1.0 / (1.0 + z), z / (1.0 + z))


def _vstep(np, a):
    return np.where(a > 0.0, 1.0, 0.0)


def _vzero(np, a, out):
    return 0.0


# --- why a forward failed (only called on the error path) -------------------

def _num(v):
    from .fmt import fmt
    return fmt(v)


def _dom_log(a):
    return f"argument is {_num(a)}, log needs a positive number"


def _dom_sqrt(a):
    return f"argument is {_num(a)}, sqrt needs a number >= 0"


def _dom_div(a, b=None):
    return "division by zero (the denominator is 0)"


def _dom_pow(a, b):
    if a < 0 and b != int(b):
        return f"negative base {_num(a)} to the non-integer power {_num(b)}"
    if a == 0 and b < 0:
        return f"zero to the negative power {_num(b)} (division by zero)"
    return "the result is too large for a float (overflow)"


def _dom_exp(a):
    return f"argument is {_num(a)}, exp overflows above 709.78"


def _dom_trig(a):
    return f"argument is {_num(a)}, which is not finite"


# --- the table ----------------------------------------------------------------

OPS: list[Op] = [
    Op("var", "", 0, None, None, gate="a variable: its gradient is the sum of what flows back to it",
       pattern="sums"),
    Op("const", "", 0, None, None, gate="a constant: no gradient", pattern="—"),
    Op("add", "+", 2, operator.add, lambda a, b, out: (1.0, 1.0),
       partials=("1", "1"), direct=(1.0, 1.0), prec=1, infix=True, latex="$a + $b",
       gate="add distributes: {a} and {b} each get the upstream gradient unchanged",
       pattern="distributes",
       vec=(lambda np, a, b: a + b, lambda np, a, b, out: (1.0, 1.0))),
    Op("sub", "-", 2, operator.sub, lambda a, b, out: (1.0, -1.0),
       partials=("1", "-1"), direct=(1.0, -1.0), prec=1, infix=True, latex="$a - $b",
       gate="subtract: the left input {a} gets the upstream gradient, the right input {b} its negative",
       pattern="distributes, negates right",
       vec=(lambda np, a, b: a - b, lambda np, a, b, out: (1.0, -1.0))),
    Op("mul", "*", 2, operator.mul, lambda a, b, out: (b, a),
       partials=("b", "a"), direct=("b", "a"), prec=2, infix=True, latex=r"$a \cdot $b",
       gate="multiply swaps: {a} gets upstream × {b}, and {b} gets upstream × {a}",
       pattern="swaps",
       vec=(lambda np, a, b: a * b, lambda np, a, b, out: (b, a))),
    Op("div", "/", 2, operator.truediv, lambda a, b, out: (1.0 / b, -out / b),
       partials=("1/b", "-a/b^2"), prec=2, infix=True, domain=_dom_div,
       gate="divide: the numerator {a} gets upstream / {b}, the denominator {b} gets upstream × (-{a}/{b}²)",
       pattern="× 1/{b} and × -{a}/{b}²", latex=r"\frac{$a}{$b}",
       vec=(lambda np, a, b: a / b, lambda np, a, b, out: (1.0 / b, -out / b))),
    Op("neg", "-", 1, operator.neg, lambda a, out: -1.0,
       partials=("-1",), direct=(-1.0,), prec=3, latex="-$a",
       gate="negate: {a} gets minus the upstream gradient",
       pattern="negates",
       vec=(lambda np, a: -a, lambda np, a, out: -1.0)),
    Op("pow", "^", 2, _pow, _pow_local,
       partials=("b*a^(b-1)", "out*log(a)"), prec=4, right_prec=3, infix=True, right_assoc=True,
       domain=_dom_pow,
       gate="power: the base {a} gets upstream × {b}·{a}^({b}-1), the exponent {b} gets upstream × {a}^{b}·ln {a}",
       pattern="× {b}·{a}^({b}-1) and × {a}^{b}·ln {a}", latex="$a^{$b}",
       vec=(lambda np, a, b: np.power(a, b), _vpow_local)),
    Op("sin", "sin", 1, math.sin, lambda a, out: math.cos(a),
       partials=("cos(a)",), domain=_dom_trig, gate="sin: {a} gets upstream × cos({a})",
       latex=r"\sin\left($a\right)",
       vec=(lambda np, a: np.sin(a), lambda np, a, out: np.cos(a))),
    Op("cos", "cos", 1, math.cos, lambda a, out: -math.sin(a),
       partials=("-sin(a)",), domain=_dom_trig, gate="cos: {a} gets upstream × -sin({a})",
       latex=r"\cos\left($a\right)",
       vec=(lambda np, a: np.cos(a), lambda np, a, out: -np.sin(a))),
    Op("tan", "tan", 1, math.tan, lambda a, out: 1.0 + out * out,
       partials=("1 + out^2",), domain=_dom_trig, gate="tan: {a} gets upstream × (1 + tan({a})²)",
       latex=r"\tan\left($a\right)",
       vec=(lambda np, a: np.tan(a), lambda np, a, out: 1.0 + out * out)),
    Op("exp", "exp", 1, math.exp, lambda a, out: out,
       partials=("out",), direct=("out",), domain=_dom_exp, gate="exp: {a} gets upstream × exp({a})",
       latex=r"\exp\left($a\right)",
       vec=(lambda np, a: np.exp(a), lambda np, a, out: out)),
    Op("log", "log", 1, math.log, lambda a, out: 1.0 / a,
       partials=("1/a",), domain=_dom_log, gate="log: {a} gets upstream × 1/{a}",
       latex=r"\log\left($a\right)",
       vec=(lambda np, a: np.log(a), lambda np, a, out: 1.0 / a)),
    Op("sqrt", "sqrt", 1, math.sqrt, _sqrt_local,
       partials=("1/(2*out)",), domain=_dom_sqrt, gate="sqrt: {a} gets upstream × 1/(2·sqrt({a}))",
       latex=r"\sqrt{$a}",
       vec=(lambda np, a: np.sqrt(a), _vsqrt_local)),
    Op("abs", "abs", 1, math.fabs, lambda a, out: 1.0 if a > 0.0 else (-1.0 if a < 0.0 else 0.0),
       partials=("sign(a)",), piecewise=True, gate="abs: {a} gets upstream × sign({a}) (0 at 0)", latex=r"\left|$a\right|",
       vec=(lambda np, a: np.abs(a), lambda np, a, out: np.sign(a))),
    Op("tanh", "tanh", 1, math.tanh, lambda a, out: 1.0 - out * out,
       partials=("1 - out^2",), expand="2 * recip(exp(a * -2) + 1) - 1",
       gate="tanh: {a} gets upstream × (1 - tanh({a})²)", saturates=True,
       latex=r"\tanh\left($a\right)",
       vec=(lambda np, a: np.tanh(a), lambda np, a, out: 1.0 - out * out)),
    Op("sigmoid", "sigmoid", 1, _sigmoid, lambda a, out: out * (1.0 - out),
       partials=("out*(1 - out)",), expand="recip(exp(a * -1) + 1)",
       gate="sigmoid: {a} gets upstream × sigmoid({a})·(1 - sigmoid({a}))", saturates=True,
       latex=r"\sigma\left($a\right)",
       vec=(_vsigmoid, lambda np, a, out: out * (1.0 - out))),
    Op("relu", "relu", 1, _relu, lambda a, out: 1.0 if a > 0.0 else 0.0,
       partials=("step(a)",), piecewise=True, gate="relu: passes the upstream gradient to {a} where {a} > 0, else 0",
       pattern="passes where {a} > 0", dead=lambda a: a <= 0.0,
       vec=(lambda np, a: np.where(a > 0.0, a, 0.0), lambda np, a, out: _vstep(np, a))),
    Op("sign", "sign", 1, lambda a: 1.0 if a > 0.0 else (-1.0 if a < 0.0 else 0.0), lambda a, out: 0.0,
       partials=("0",), direct=(0.0,), piecewise=True, gate="sign: flat, passes no gradient to {a}",
       vec=(lambda np, a: np.sign(a), _vzero)),
    Op("step", "step", 1, lambda a: 1.0 if a > 0.0 else 0.0, lambda a, out: 0.0,
       partials=("0",), direct=(0.0,), piecewise=True, gate="step (1 where {a} > 0, else 0): flat, passes no gradient to {a}",
       vec=(_vstep, _vzero)),
    Op("recip", "recip", 1, lambda a: 1.0 / a, lambda a, out: -out * out,
       partials=("-1/a^2",), domain=_dom_div, latex=r"\frac{1}{$a}",
       gate="reciprocal 1/x: {a} gets upstream × -1/{a}²",
       vec=(lambda np, a: 1.0 / a, lambda np, a, out: -out * out)),
    Op("max", "max", 2, _max, lambda a, b, out: (1.0, 0.0) if a >= b else (0.0, 1.0),
       partials=("1 - step(b - a)", "step(b - a)"), piecewise=True,
       gate="max routes: the larger of {a} and {b} gets the whole upstream gradient, the other 0",
       pattern="routes", latex=r"\max\left($a, $b\right)",
       vec=(lambda np, a, b: np.where(a >= b, a, b),
            lambda np, a, b, out: (np.where(a >= b, 1.0, 0.0), np.where(a >= b, 0.0, 1.0)))),
    Op("min", "min", 2, _min, lambda a, b, out: (1.0, 0.0) if a <= b else (0.0, 1.0),
       partials=("1 - step(a - b)", "step(a - b)"), piecewise=True,
       gate="min routes: the smaller of {a} and {b} gets the whole upstream gradient, the other 0",
       pattern="routes", latex=r"\min\left($a, $b\right)",
       vec=(lambda np, a, b: np.where(a <= b, a, b),
            lambda np, a, b, out: (np.where(a <= b, 1.0, 0.0), np.where(a <= b, 0.0, 1.0)))),
]

for _code, _op in enumerate(OPS):
    _op.code = _code

BY_NAME: dict[str, Op] = {op.name: op for op in OPS}
VAR = BY_NAME["var"].code
CONST = BY_NAME["const"].code

# per op code: is the op piecewise (a kink or a jump somewhere)? (check/grade.py draws no point there)
PIECEWISE: list[bool] = [op.piecewise for op in OPS]

# what a user may call by name: every op with a forward that is written f(...)
FUNCTIONS: dict[str, Op] = {op.symbol: op for op in OPS if op.forward and not op.infix and op.name != "neg"}
FUNCTIONS["ln"] = BY_NAME["log"]
FUNCTIONS["pow"] = BY_NAME["pow"]

# what `expr.NAME()` calls: every unary op a user may call by name (a new op gets its method)
METHODS: dict[str, Op] = {name: op for name, op in FUNCTIONS.items() if op.arity == 1}

# calls that make no node, only say what a binding is: `x = Value(2)` / `x = input(2)` is an
# input with the default value 2 (micrograd's and PyTorch's leaves), `c = const(2)` a constant
MARKERS: dict[str, str] = {"Value": "input", "input": "input", "const": "const"}

# functions cg does not have, and how to write them without changing the maths
NOT_FUNCTIONS: dict[str, str] = {
    "log10": "cg has no log10; write log(x)/log(10)",
    "log2": "cg has no log2; write log(x)/log(2)",
    "log1p": "cg has no log1p; write log(1 + x)",
    "expm1": "cg has no expm1; write exp(x) - 1",
    "exp2": "cg has no exp2; write 2^x",
    "sinh": "cg has no sinh; write (exp(x) - exp(-x))/2",
    "cosh": "cg has no cosh; write (exp(x) + exp(-x))/2",
    "square": "cg has no square; write x^2",
    "sinc": "cg has no sinc; write sin(x)/x",
    "cbrt": "cg has no cbrt; write x^(1/3) for x > 0",
    "hypot": "cg has no hypot; write sqrt(x^2 + y^2)",
    "print": "cg prints the values and gradients itself; leave out print(...)",
}

# named constants of the language (not variables)
CONSTANTS: dict[str, float] = {"pi": math.pi, "e": math.e}

# infix symbols the parser's rules map to
INFIX: dict[str, Op] = {"add": BY_NAME["add"], "sub": BY_NAME["sub"], "mul": BY_NAME["mul"],
                        "div": BY_NAME["div"], "pow": BY_NAME["pow"], "neg": BY_NAME["neg"]}
