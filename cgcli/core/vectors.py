"""Vectors, matrices and unrolled loops in cg's language (issue 11).

A vector is never a graph node: while the parser builds, a vector value is a `Vec` (a Python
list of node ids; a matrix is a Vec of row Vecs), and every element is an ordinary scalar node,
so the forward and backward passes do not change. The builder's callbacks (add, mul, call, ...)
hand lists to the functions here, which broadcast over them with a fixed-depth loop (nesting is
bounded at 2: a matrix), never by recursion.

Loops (`for t in range(T): ...`, an indented block, or `for t in range(T) { ... }`) are
unrolled in the token stream: the program is lexed once, each loop's body is kept as a token
list, and `expand` replays it T times into the same LALR loop with the loop variable replaced by
the iteration's number. Rebinding gives each iteration's assignments new nodes (h#1, h#2, ...).
Time and memory are linear in the unrolled size; nested loops use an explicit stack.
"""
from __future__ import annotations

import math

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


# --- loops ---------------------------------------------------------------------------------

class Loop:
    __slots__ = ("var", "bound", "body", "pos", "line", "fixed")

    def __init__(self, var, bound, pos):
        self.var = var          # the loop variable's name
        self.bound = bound      # the tokens inside range( ... )
        self.body: list = []    # tokens and nested Loops
        self.pos = pos
        self.line = 0
        self.fixed = None       # every loop inside has plain-number bounds (see _same_each_time)


def _syntax(text, message, pos, hint=None):
    raise CgSyntaxError(f"cg: {message}", source=text, pos=pos, hint=hint)


_LOOP_HINT = ("a loop: for t in range(5): h = tanh(w*h + x[t])  (the body on the line, or indented "
              "on the lines below, or in braces { ... })")


def _indent(text: str, pos: int) -> int:
    start = text.rfind("\n", 0, pos) + 1
    k = start
    while k < len(text) and text[k] in " \t":
        k += 1
    return k - start


def structure(text: str, tokens: list) -> list:
    """The token list with each loop folded into a Loop (its header checked, its body kept).
    Iterative: a stack of open bodies, each closed by its own rule (end of line, dedent, '}')."""
    top: list = []
    # open bodies: (list, kind, indentation or None, loop)
    stack = [(top, "top", -1, None)]
    n = len(tokens)
    k = 0
    at_start = True         # the token begins a statement
    line_start = True       # the token is the first of its line
    while k < n:
        tok = tokens[k]
        ttype, value, pos = tok
        # close the bodies this token ends
        if line_start:
            col = _indent(text, pos)
            while stack[-1][1] == "indent" and col <= stack[-1][2]:
                _close(text, stack)
        if ttype == "_SEP" and value == "\n":
            while stack[-1][1] == "line":
                _close(text, stack)
        if ttype == "RBRACE":
            if stack[-1][1] != "brace":
                _syntax(text, "unexpected '}'", pos, "braces hold a loop's body: for t in range(3) { ... }")
            _close(text, stack)
            k += 1
            at_start, line_start = True, False
            continue
        if ttype == "NAME" and value == "for" and at_start:
            k = _header(text, tokens, k, stack)
            at_start, line_start = True, False
            continue
        if ttype in ("COLON", "LBRACE"):
            _syntax(text, f"unexpected {value!r}", pos, _LOOP_HINT)
        stack[-1][0].append(tok)
        at_start = ttype == "_SEP"
        line_start = ttype == "_SEP" and value == "\n"
        k += 1
    while len(stack) > 1:
        if stack[-1][1] == "brace":
            _syntax(text, "the loop's '{' is never closed", stack[-1][3].pos, "end the body with '}'")
        _close(text, stack)
    return top


def _close(text, stack):
    body, kind, _, loop = stack.pop()
    if not any(t[0] != "_SEP" for t in body if type(t) is tuple) and not any(type(t) is Loop for t in body):
        _syntax(text, "the loop's body is empty", loop.pos, _LOOP_HINT)
    stack[-1][0].append(loop)


def _header(text, tokens, k, stack) -> int:
    """Read `for NAME in range(...)` and the body's opener at tokens[k]; push the body."""
    n = len(tokens)
    pos = tokens[k][2]

    def want(j, ttype, value=None):
        if j >= n or tokens[j][0] != ttype or (value is not None and tokens[j][1] != value):
            at = tokens[j][2] if j < n else len(text)
            _syntax(text, "a loop is written for NAME in range(N):", at, _LOOP_HINT)

    want(k + 1, "NAME")
    var = tokens[k + 1][1]
    want(k + 2, "NAME", "in")
    want(k + 3, "NAME", "range")
    want(k + 4, "LPAR")
    j = k + 5
    depth = 1
    bound = []
    while j < n:
        t = tokens[j]
        if t[0] == "LPAR":
            depth += 1
        elif t[0] == "RPAR":
            depth -= 1
            if depth == 0:
                break
        bound.append(t)
        j += 1
    want(j, "RPAR")
    j += 1
    for body, kind, _, lp in stack:
        if lp is not None and lp.var == var:
            _syntax(text, f"the loop variable {var} is already the variable of an enclosing loop", tokens[k + 1][2])
    loop = Loop(var, bound, pos)
    if j < n and tokens[j][0] == "LBRACE":
        stack.append((loop.body, "brace", None, loop))
        return j + 1
    want(j, "COLON")
    j += 1
    if j < n and tokens[j][0] == "_SEP" and tokens[j][1] == "\n":
        stack.append((loop.body, "indent", _indent(text, pos), loop))
        # the body's first line must be indented further
        while j < n and tokens[j][0] == "_SEP":
            j += 1
        if j >= n or _indent(text, tokens[j][2]) <= _indent(text, pos):
            _syntax(text, "the loop's body is empty: indent the lines of its body", pos, _LOOP_HINT)
        return j
    stack.append((loop.body, "line", None, loop))
    return j


def expand(text: str, items: list, builder):
    """Yield the tokens of the program with every loop unrolled (an explicit stack of frames);
    records each iteration's first node in builder.steps."""
    loopvars: dict = {}
    # frame: [items, next index, loop or None, t, stop, nodes when the iteration started, start]
    stack = [[items, 0, None, 0, 0, 0, 0]]
    steps = builder.steps
    ops = builder.ops
    while stack:
        frame = stack[-1]
        body, i = frame[0], frame[1]
        if i >= len(body):
            loop = frame[2]
            if loop is None:
                stack.pop()
                continue
            yield ("_SEP", ";", loop.pos)
            frame[3] += 1
            if frame[3] < frame[4]:
                # the budget, before the next iteration: this one's nodes times the iterations left
                made = len(ops) - frame[5]
                left = frame[4] - frame[3]
                if made and len(ops) + made * left > builder.limit and _same_each_time(loop):
                    _over_loop(text, loop, builder, f"would build about {made * left:,} more nodes "
                                                    f"({made:,} per iteration, {left:,} iterations left)")
                builder.iterations += 1
                if builder.iterations > builder.limit:
                    _over_loop(text, loop, builder, "runs more iterations in all")
                frame[5] = len(ops)
                frame[1] = 0
                loopvars[loop.var] = frame[3]
                steps.append((loop.pos, loop.var, frame[3], len(builder.ops)))
                continue
            steps.append((loop.pos, loop.var, None, len(builder.ops)))
            del loopvars[loop.var]
            stack.pop()
            continue
        frame[1] = i + 1
        item = body[i]
        if type(item) is Loop:
            start, stop = _bounds(text, item, loopvars, builder)
            yield ("_SEP", ";", item.pos)
            if start >= stop:
                continue
            # the budget, before unrolling: this loop's iterations, now and in the iterations the
            # enclosing loops have left (each loop iteration counts as one node of work)
            trips = stop - start
            runs, exact = _runs_left(stack, item, trips)
            if builder.iterations + runs > builder.limit:
                _over_loop(text, item, builder, f"would run {trips:,} times" + (
                    f" ({'' if exact else 'at least '}{runs:,} times with the iterations its enclosing "
                    f"loops have left)" if runs != trips else ""))
            builder.iterations += 1
            loopvars[item.var] = start
            steps.append((item.pos, item.var, start, len(builder.ops)))
            stack.append([item.body, 0, item, start, stop, len(ops), start])
            continue
        if item[0] == "NAME" and item[1] in loopvars:
            nxt = body[i + 1] if i + 1 < len(body) else None
            if type(nxt) is tuple and (nxt[0] == "AUGOP" or nxt[0] == "EQUAL"):
                _syntax(text, f"cannot assign to the loop variable {item[1]}", item[2],
                        "use another name inside the loop")
            yield ("NUMBER", str(loopvars[item[1]]), item[2])
            continue
        yield item


def _same_each_time(loop) -> bool:
    """Does each iteration of the loop run the same statements the same number of times (no loop
    inside it has a bound that depends on a name)? Then its first iteration's nodes stand for
    every iteration's."""
    if loop.fixed is None:
        fixed = True
        todo = [loop.body]
        while todo and fixed:
            for item in todo.pop():
                if type(item) is Loop:
                    if not _constant(item):
                        fixed = False
                        break
                    todo.append(item.body)
        loop.fixed = fixed
    return loop.fixed


def _constant(loop) -> bool:
    """Are a loop's bounds plain numbers (the same trips every time it runs)?"""
    return all(t[0] != "NAME" for t in loop.bound)


def _runs_left(stack, loop, trips) -> tuple:
    """(iterations of `loop` from now on, exact?): `trips` now, and again in every iteration the
    enclosing loops have left. Exact while the bounds involved are plain numbers; past a bound
    that depends on a name (range(t), range(len(x))) it is a lower bound."""
    frames = [f for f in stack if f[2] is not None]        # outer to inner
    if not _constant(loop):
        return trips, not frames
    runs, mult = 1, 1            # runs of the loop; its runs per iteration of the level reached
    for f in reversed(frames):
        runs += (f[4] - f[3] - 1) * mult
        if not _constant(f[2]):
            return trips * runs, f is frames[0]
        mult *= f[4] - f[6]
    return trips * runs, True


def _over_loop(text, loop, builder, what):
    from .limits import nodes_over
    line = text.count("\n", 0, loop.pos) + 1
    bound = "".join(t[1] for t in loop.bound)
    bound = bound if len(bound) <= LIMIT else bound[:LIMIT - 1] + "…"
    where = f"the loop for {loop.var} in range({bound})" + (f" at line {line}" if "\n" in text.strip() else "")
    raise nodes_over(f"{where} {what}", builder.limit, builder.answer)


def _bounds(text, loop, loopvars, builder):
    parts: list = [[]]
    for t in loop.bound:
        if t[0] == "COMMA":
            parts.append([])
        else:
            parts[-1].append(t)
    if len(parts) > 2 or not parts[0]:
        _syntax(text, "range takes one or two bounds: range(N) or range(A, B)", loop.pos, _LOOP_HINT)
    vals = [_bound(text, p, loopvars, builder, loop.pos) for p in parts]
    return (0, vals[0]) if len(vals) == 1 else (vals[0], vals[1])


def _bound(text, toks, loopvars, builder, pos) -> int:
    sign = 1
    if toks and toks[0][0] == "MINUS":
        sign, toks = -1, toks[1:]
    if len(toks) == 1 and toks[0][0] == "NUMBER":
        v = float(toks[0][1])
        if math.isfinite(v) and v == int(v):
            return sign * int(v)
    if len(toks) == 1 and toks[0][0] == "NAME" and toks[0][1] in loopvars:
        return sign * loopvars[toks[0][1]]
    if (len(toks) == 4 and toks[0][1] == "len" and toks[1][0] == "LPAR" and toks[2][0] == "NAME"
            and toks[3][0] == "RPAR"):
        v = builder.lookup(toks[2][1])
        if v is None or type(v) is int:
            _syntax(text, f"len({toks[2][1]}): {toks[2][1]} is not a vector", toks[2][2])
        return sign * len(v)
    at = toks[0][2] if toks else pos
    _syntax(text, "a loop's bound must be a whole number, len(NAME) or an enclosing loop's variable",
            at, "for t in range(5): ...  or  for t in range(len(x)): ...")


# the loop syntax's tokens, which the expression grammar does not have (parse._tokens keeps them)
EXTRA = {":": "COLON", "{": "LBRACE", "}": "RBRACE"}


# --- values given on the command line: --x 1,2,3  --x "[1,2,3]"  --W "[[1,2],[3,4]]" ---------

def is_vector_text(text: str) -> bool:
    """A value is a vector when it starts with '[' or has a comma outside parentheses."""
    t = text.strip()
    if t.startswith("["):
        return True
    depth = 0
    for ch in t:
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        elif ch == "," and depth == 0:
            return True
    return False


def split_value(name: str, text: str):
    """--x "[[1,2],[3,4]]" -> (shape, [(element name, text)]); iterative, at most two deep."""
    from .errors import InputError
    t = text.strip()
    if not t.startswith("["):
        t = "[" + t + "]"
    rows: list = []            # the finished items of the outer list
    stack: list = []           # open lists
    item = ""
    depth = 0                  # parentheses inside an element
    k = 0
    closed = False

    def bad(why):
        raise InputError(f"cg: the value of {name} is not a vector or matrix ({why}): {text!r}",
                         hint=f'examples: --{name} 1,2,3  --{name} "[1,2,3]"  --{name} "[[1,2],[3,4]]"')

    while k < len(t):
        ch = t[k]
        k += 1
        if closed:
            if not ch.isspace():
                bad("text after the closing ']'")
            continue
        if depth:
            depth += (ch == "(") - (ch == ")")
            item += ch
            continue
        if ch == "[":
            if item.strip():
                bad("'[' inside a number")
            if len(stack) == 2:
                bad("nested deeper than a matrix")
            stack.append([])
        elif ch in ",]":
            if not stack:
                bad("unbalanced ']'")
            if item.strip():
                stack[-1].append(item.strip())
            elif ch == "," and (not stack[-1] or type(stack[-1][-1]) is not list):
                bad("an empty element")
            item = ""
            if ch == "]":
                done = stack.pop()
                if not done:
                    bad("an empty list")
                if stack:
                    stack[-1].append(done)
                    item = ""
                    # skip to the next separator
                else:
                    rows = done
                    closed = True
        else:
            if ch == "(":
                depth += 1
            item += ch
    if stack or not closed:
        bad("unbalanced '['")
    kinds = {type(r) for r in rows}
    if len(kinds) > 1:
        bad("mixes numbers and rows")
    if list in kinds:
        n = len(rows[0])
        for r in rows:
            if len(r) != n:
                bad(f"rows of different lengths, {n} and {len(r)}")
            if any(type(e) is list for e in r):
                bad("nested deeper than a matrix")
        return (len(rows), n), [(f"{name}[{i}][{j}]", e) for i, r in enumerate(rows) for j, e in enumerate(r)]
    return (len(rows),), [(f"{name}[{i}]", e) for i, e in enumerate(rows)]


def element_variables(graph, name: str) -> list:
    """The graph's input variables that are elements of `name` (x[0], W[1][0], ...)."""
    prefix = name + "["
    return [v for v in graph.variables if v.startswith(prefix) and v[len(prefix)].isdigit()]


def input_shapes(inputs) -> tuple:
    """Inputs of a homework or grading key -> ({name: shape}, inputs with one entry per element):
    a TOML array (x = [1, 2], W = [[1, 2], [3, 4]]) becomes x[0], x[1], ...; element keys
    ("W[1][0]" = 3) give their vector's shape. Anything else passes through unchanged."""
    import re
    if not isinstance(inputs, dict):
        return {}, inputs
    shapes: dict = {}
    out: dict = {}
    for name, v in inputs.items():
        if isinstance(v, list) and isinstance(name, str) and name.isidentifier() and v:
            if all(isinstance(r, list) and r for r in v):
                n = len(v[0])
                if all(len(r) == n for r in v):
                    shapes[name] = (len(v), n)
                    for i, r in enumerate(v):
                        for j, e in enumerate(r):
                            out[f"{name}[{i}][{j}]"] = e
                    continue
            elif not any(isinstance(r, list) for r in v):
                shapes[name] = (len(v),)
                for i, e in enumerate(v):
                    out[f"{name}[{i}]"] = e
                continue
        out[name] = v
    sizes: dict = {}
    for name in out:
        m = re.fullmatch(r"([A-Za-z_]\w*)\[(\d+)\](?:\[(\d+)\])?", name) if isinstance(name, str) else None
        if m:
            base, i, j = m.group(1), int(m.group(2)), m.group(3)
            s = sizes.setdefault(base, [0, None if j is None else 0])
            s[0] = max(s[0], i + 1)
            if j is not None and s[1] is not None:
                s[1] = max(s[1], int(j) + 1)
    for base, (n, m) in sizes.items():
        shapes.setdefault(base, (n,) if m is None else (n, m))
    return shapes, out


# --- structure for the views: loop steps and vectors ----------------------------------------

def step_intervals(graph) -> list:
    """(first node, end node, label) per loop iteration, outer before inner ("t=3", "i=1, j=0")."""
    cached = graph.cache.get("steps")
    if cached is not None:
        return cached
    open_: dict = {}            # loop position -> (start node, t, variable)
    out = []
    path: list = []             # enclosing iterations' labels
    for pos, var, t, node in graph.steps:
        if pos in open_:
            s, t0, v = open_.pop(pos)
            out.append((s, node, ", ".join(path)))
            path.pop()
        if t is not None:
            open_[pos] = (node, t, var)
            path.append(f"{var}={t}")
    out.sort(key=lambda r: (r[0], -r[1]))
    graph.cache["steps"] = out
    return out


def node_steps(graph) -> list:
    """Per node, the label of the innermost loop iteration that made it, or None."""
    cached = graph.cache.get("node_steps")
    if cached is not None:
        return cached
    labels = [None] * len(graph.ops)
    for start, end, label in step_intervals(graph):   # inner iterations come later and overwrite
        for i in range(start, min(end, len(labels))):
            labels[i] = label
    graph.cache["node_steps"] = labels
    return labels


def vector_of(name: str):
    """The vector a display name belongs to: W for W[1][0], h#2 for h#2[0]; None for a scalar."""
    k = name.find("[")
    return name[:k] if k > 0 and name.endswith("]") else None


def clusters(graph, names: list) -> list:
    """Groups for the graph picture: (kind, label, [node ids], parent index or -1), kind "step"
    for a loop iteration's gates (nested iterations inside their loop's), "vector" for the input
    elements of one vector (W[0][0] ... W[1][1]). A node is in at most one group."""
    from .ops import VAR
    out = []
    owner = [-1] * len(graph.ops)
    stack: list = []
    for start, end, label in step_intervals(graph):
        while stack and not (stack[-1][0] <= start and end <= stack[-1][1]):
            stack.pop()
        parent = stack[-1][2] if stack else -1
        k = len(out)
        out.append(["step", label, [], parent])
        stack.append((start, end, k))
        for i in range(start, min(end, len(owner))):
            owner[i] = k
    vectors: dict = {}
    ops = graph.ops
    for i in range(len(ops)):
        if ops[i] == VAR or owner[i] < 0:
            base = vector_of(names[i]) if i in graph.names else None
            if base is not None:
                k = vectors.get(base)
                if k is None:
                    k = vectors[base] = len(out)
                    out.append(["vector", base, [], -1])
                owner[i] = k
            elif ops[i] == VAR:
                owner[i] = -1
    for i, k in enumerate(owner):
        if k >= 0:
            out[k][2].append(i)
    return [tuple(c) for c in out]


def parse_shapes(specs) -> dict:
    """--shape W1=8x2 --shape b1=8 -> {"W1": (8, 2), "b1": (8,)}: vector or matrix inputs
    declared without values (cg fit's and cg descend's parameters, cg eval --points, cg graph)."""
    from .errors import InputError
    shapes: dict = {}
    for spec in specs or []:
        name, eq, dims = spec.partition("=")
        name = name.strip()
        try:
            parts = tuple(int(d) for d in dims.lower().replace("×", "x").split("x"))
        except ValueError:
            parts = ()
        if not eq or not name.isidentifier() or not 1 <= len(parts) <= 2 or min(parts) < 1:
            raise InputError(f"cg: --shape takes NAME=N (a vector) or NAME=NxM (a matrix), got {spec!r}",
                             hint="example: --shape W1=8x2 --shape b1=8")
        if name in shapes:
            raise InputError(f"cg: --shape gives {name} twice")
        shapes[name] = parts
    return shapes
