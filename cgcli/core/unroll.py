"""Loops in cg's language, unrolled in the token stream (issue 11).

Loops (`for t in range(T): ...`, an indented block, or `for t in range(T) { ... }`) are
unrolled in the token stream: the program is lexed once, `structure` folds each loop's body
into a token list, and `expand` replays it T times into the same LALR loop with the loop
variable replaced by the iteration's number. Rebinding gives each iteration's assignments new
nodes (h#1, h#2, ...). Time and memory are linear in the unrolled size; nested loops use an
explicit stack. The parser (core/parse.py) calls this module only for a text with a loop.
"""
from __future__ import annotations

import math

from .errors import CgSyntaxError
from .vectors import LIMIT          # a loop bound's text in messages is cut to about this many characters


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
