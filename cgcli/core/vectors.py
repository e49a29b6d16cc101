"""Vectors and matrices while the parser builds (issue 11): the builder's vector ops.

A vector is never a graph node: while the parser builds, a vector value is a `Vec` (a Python
list of node ids; a matrix is a Vec of row Vecs), and every element is an ordinary scalar node,
so the forward and backward passes do not change. The builder's callbacks (add, mul, call, ...)
hand lists to the functions here, which broadcast over them with a fixed-depth loop (nesting is
bounded at 2: a matrix), never by recursion.

The rest of the vector work lives by audience: loops are unrolled in the token stream by
core/unroll.py; vector and matrix values written as text (--x "[1,2]", --shape, TOML arrays)
are read by core/values.py; the views group nodes by loop step and by vector with
views/groups.py.
"""
from __future__ import annotations

from .errors import CgSyntaxError

LIMIT = 40          # a subexpression's text in messages is cut to about this many characters


class Vec(list):
    """A vector (of node ids) or a matrix (of row Vecs), with its text for messages."""
    __slots__ = ("src",)

    def __init__(self, items=(), src: str = "[...]"):
        super().__init__(items)
        self.src = src


def shape(v) -> tuple:
    if type(v) is int:
        return ()
    if v and type(v[0]) is not int:
        return (len(v), len(v[0]))
    return (len(v),)


def say_shape(s: tuple) -> str:
    if not s:
        return "a scalar"
    if len(s) == 1:
        return f"a vector of {s[0]}"
    return f"a {s[0]}×{s[1]} matrix"


def _cut(text: str) -> str:
    return text if len(text) <= LIMIT else text[:LIMIT - 1] + "…"


def describe(b, v) -> str:
    """Short text for an operand: a Vec's own text, a node's name or value."""
    if type(v) is not int:
        return v.src
    name = b.names.get(v)
    if name is not None:
        return name
    from .ops import CONST
    if b.ops[v] == CONST:
        from .fmt import fmt
        return fmt(b.const[v])
    return "(…)"


def fail(b, message: str, pos=None, hint=None):
    raise CgSyntaxError(f"cg: {message}", source=b.source, pos=pos, hint=hint)


def flat(v) -> list:
    """The element nodes of a value, row by row."""
    if type(v) is int:
        return [v]
    if v and type(v[0]) is not int:
        return [x for row in v for x in row]
    return list(v)


def size(v) -> int:
    """The number of elements (scalar nodes) of a value."""
    if type(v) is int:
        return 1
    if v and type(v[0]) is not int:
        return len(v) * len(v[0])
    return len(v)


def unary(b, code: int, v, src: str):
    """An op of one input applied to every element."""
    b.reserve(size(v), _cut(src))
    node = b.node
    if v and type(v[0]) is not int:
        return Vec((Vec((node(code, x) for x in row), "") for row in v), _cut(src))
    return Vec((node(code, x) for x in v), _cut(src))


def binary(b, code: int, x, y, symbol: str, pos=None):
    """An op of two inputs elementwise: equal shapes, or a scalar with anything."""
    sx, sy = shape(x), shape(y)
    src = _cut(f"{describe(b, x)} {symbol} {describe(b, y)}" if symbol.isascii() and len(symbol) <= 2
               and not symbol.isalpha() else f"{symbol}({describe(b, x)}, {describe(b, y)})")
    node = b.node
    if sx and sy and sx != sy:
        fail(b, f"shapes do not match in {src}: {describe(b, x)} is {say_shape(sx)}, "
                f"{describe(b, y)} is {say_shape(sy)}", pos,
             "elementwise arithmetic needs equal shapes, or a scalar on one side; "
             "W @ x multiplies a matrix by a vector, dot(a, b) is the dot product")
    b.reserve(max(size(x), size(y)), src, pos)
    if len(sx) == 2 or len(sy) == 2:
        if not sx:
            return Vec((Vec((node(code, x, e) for e in row), "") for row in y), src)
        if not sy:
            return Vec((Vec((node(code, e, y) for e in row), "") for row in x), src)
        return Vec((Vec((node(code, p, q) for p, q in zip(rx, ry)), "") for rx, ry in zip(x, y)), src)
    if not sx:
        return Vec((node(code, x, e) for e in y), src)
    if not sy:
        return Vec((node(code, e, y) for e in x), src)
    return Vec((node(code, p, q) for p, q in zip(x, y)), src)


def total(b, items: list) -> int:
    """((a0 + a1) + a2) + ...: the sum of a list of nodes (a left fold, n-1 add nodes)."""
    from .ops import INFIX
    add = INFIX["add"].code
    b.reserve(len(items) - 1, "a sum")
    acc = items[0]
    for x in items[1:]:
        acc = b.node(add, acc, x)
    return acc


def dot(b, x, y, what: str, pos=None) -> int:
    from .ops import INFIX
    sx, sy = shape(x), shape(y)
    if len(sx) != 1 or sx != sy:
        fail(b, f"{what} needs two vectors of the same length: {describe(b, x)} is {say_shape(sx)}, "
                f"{describe(b, y)} is {say_shape(sy)}", pos)
    mul = INFIX["mul"].code
    b.reserve(2 * len(x) - 1, _cut(what), pos)
    return total(b, [b.node(mul, p, q) for p, q in zip(x, y)])


def matmul(b, x, y, pos=None):
    """W @ x: a matrix times a vector (or a matrix); a vector @ a vector is their dot product."""
    sx, sy = shape(x), shape(y)
    src = _cut(f"{describe(b, x)} @ {describe(b, y)}")
    if len(sx) == 1 and len(sy) == 1 and sx == sy:
        return dot(b, x, y, src, pos)
    if len(sx) == 2 and len(sy) == 1 and sx[1] == sy[0]:
        b.reserve(sx[0] * (2 * sx[1] - 1), src, pos)
        out = Vec((dot(b, row, y, src, pos) for row in x), src)
        return out
    if len(sx) == 2 and len(sy) == 2 and sx[1] == sy[0]:
        b.reserve(sx[0] * sy[1] * (2 * sx[1] - 1), src, pos)
        cols = [Vec(row[j] for row in y) for j in range(sy[1])]
        return Vec((Vec((dot(b, row, c, src, pos) for c in cols), "") for row in x), src)
    need = ("the matrix's columns must equal the vector's length" if len(sx) == 2
            else "@ takes a matrix on the left (a list of rows), or two vectors")
    fail(b, f"shapes do not match in {src}: {describe(b, x)} is {say_shape(sx)}, "
            f"{describe(b, y)} is {say_shape(sy)}", pos, need)


def literal(b, items, pos) -> Vec:
    """[a, b, c] or [[1, 2], [3, 4]] (rows of equal length)."""
    shapes = [shape(v) for v in items]
    first = shapes[0]
    if len(first) == 2:
        fail(b, "cg's vectors nest at most two deep (a matrix: a list of rows)", pos)
    for k, s in enumerate(shapes):
        if s != first:
            fail(b, f"the elements of a vector must have one shape: element 0 is {say_shape(first)}, "
                    f"element {k} is {say_shape(s)}", pos,
                 "a matrix is a list of rows of equal length: [[1, 2], [3, 4]]")
    parts = ", ".join(describe(b, v) for v in items[:4]) + (", …" if len(items) > 4 else "")
    return Vec(items, _cut(f"[{parts}]"))


def index(b, target, i: int, pos, text: str):
    s = shape(target)
    if not s:
        fail(b, f"{text}: {describe(b, target)} is a scalar: it has no elements to index", pos)
    n = s[0]
    if not -n <= i < n:
        fail(b, f"index {i} is out of range in {text}: {describe(b, target)} is {say_shape(s)} "
                f"(indices 0 to {n - 1})", pos)
    v = target[i]
    if type(v) is not int:
        v = Vec(v, _cut(text))
    return v


def renamed(v, name: str) -> Vec:
    out = Vec(v, name)
    if v and type(v[0]) is not int:
        out[:] = [Vec(row, f"{name}[{k}]") for k, row in enumerate(v)]
    return out


def element_names(name: str, v):
    """(element name, node) for each element of a bound vector: x[0], W[1][0]."""
    if v and type(v[0]) is not int:
        return [(f"{name}[{i}][{j}]", x) for i, row in enumerate(v) for j, x in enumerate(row)]
    return [(f"{name}[{i}]", x) for i, x in enumerate(v)]


def inputs(b, name: str, s: tuple) -> Vec:
    """A vector or matrix of input nodes x[0], ... (values given on the command line)."""
    n = s[0] * (s[1] if len(s) == 2 else 1)
    b.reserve(n, f"the input {name}, {say_shape(s)},")
    if len(s) == 1:
        return Vec((b.variable(f"{name}[{i}]") for i in range(s[0])), name)
    return Vec((Vec((b.variable(f"{name}[{i}][{j}]") for j in range(s[1])), f"{name}[{i}]")
                for i in range(s[0])), name)
