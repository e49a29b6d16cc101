"""Text -> Graph: a table-driven LALR(1) parse with no parse tree and no recursion.

The tables are Lark's, built from grammar/cg.lark (see cgcli/core/_build.py) and shipped as
plain data. The loop below is Lark's LALR loop trimmed to what cg needs: each reduction
calls the graph builder's method for that rule (`add`, `mul`, `call`, ...) with the rule's
kept children, exactly as Lark's `transformer=` option would, so the nodes are created
while parsing. Stacks are lists, so 10^5 nested parentheses are just a deep list.

`parse(text, engine="lark")` runs the same grammar and the same builder through Lark's own
parser instead; tests use it to check the two agree, and the benchmark to compare speed.

Three loops, tried in turn: `_infix` (one expression of operators, signs and parentheses: an
operator-precedence loop with binding powers read off the grammar), `_fast` (the LALR tables keyed
for speed) and `_run` (the reference LALR loop, which raises every syntax error). Each of the first
two gives up on what it does not handle, and the next one starts with a fresh builder.
"""
from __future__ import annotations

import re
from itertools import chain
from operator import itemgetter

from . import _tables
from .errors import CgError, CgSyntaxError
from .build import Builder
from .graph import Graph

_IGNORE = frozenset(_tables.IGNORE)
_STATES = [_tables.STATES[i] for i in range(len(_tables.STATES))]
_END = "$END"

# per rule: (length, origin, callback name or None, kind, kept child indices, splice flags,
#            a getter for the kept children when none is spliced)
# kind 0: a unit rule that passes its only child through unchanged (`?sum: product`)
# kind 1: an inlined `?rule` that may pass a single kept child through
# kind 2: a named rule with a builder callback
# kind 3: an `_rule` whose children are spliced into the parent's (Lark's `_` convention)
_RULES = []
for _origin, _n, _cb, _inline, _keep in _tables.RULES:
    _idx = tuple(i for i, _ in _keep)
    _spl = tuple(s for _, s in _keep)
    if _cb is None:
        _kind = 3
    elif _inline and _n == 1 and _idx == (0,) and not _spl[0]:
        _kind = 0
    elif _inline:
        _kind = 1
    else:
        _kind = 2
    _get = None
    if not any(_spl) and _idx:
        _get = itemgetter(*_idx) if len(_idx) > 1 else (lambda c, _i=_idx[0]: (c[_i],))
    _RULES.append((_n, _origin, _cb, _kind, _idx, _spl, _get))

_FRIENDLY = {"NUMBER": "a number", "NAME": "a name", "_POW": "'^'", "_SEP": "';' or a newline",
             _END: "the end of the expression", "STRING": "a string", "AUGOP": "'+=' (or -= *= /= **= ^=)",
             **_tables.LITERALS}
_OPERAND_END = ("NUMBER", "NAME", "RPAR")
_OPERAND_START = ("NUMBER", "NAME", "LPAR")


def parse(text: str, engine: str = "cg", shapes: dict | None = None, max_nodes: int | None = None,
          answer: bool = False) -> Graph:
    """Parse a cg program into its computational graph. Raises CgSyntaxError.
    `shapes`: name -> shape ((3,) or (2, 2)) for inputs given as vectors on the command line.
    `max_nodes`: the work budget (default core.limits.max_nodes); `answer`: text from a
    submission, one expression of at most limits.ANSWER_MAX_NODES nodes (no loops, no bindings)."""
    if answer:
        from . import limits
        if len(text) > limits.ANSWER_MAX_CHARS:
            most, has = limits.count(limits.ANSWER_MAX_CHARS), limits.count(len(text))
            raise limits.OverBudget(f"cg: an answer is an expression of at most {most} characters; "
                                    f"this one has {has}")
        if max_nodes is None:
            max_nodes = limits.ANSWER_MAX_NODES
    builder = Builder(text, shapes, max_nodes, answer)
    source, notes = text, []
    if "import" in text and not answer:     # pasted Python: its import lines are left out, with a warning
        text, notes = _without_imports(text)
    if engine == "lark":
        return _noted(_parse_with_lark(text, builder), notes)
    if not text.strip() or ("#" in text and _only_comments(text)):
        if notes:
            raise CgSyntaxError("cg: the program has only import lines", source=source,
                                hint="cg knows its functions (and Value) without one: write the expression")
        raise CgSyntaxError("cg: the expression is empty", hint="example: cg eval \"(x+y)*z\" --x 2 --y 3 --z -4")
    if "for" in text and re.search(_LOOP, text):
        if answer:
            from .build import _ANSWER_HINT
            from .limits import NotAnAnswer
            raise NotAnAnswer("cg: an answer is an expression, not a program: a loop is not allowed",
                              hint=_ANSWER_HINT)
        from . import unroll
        tokens = list(_tokens(text, unroll.EXTRA))
        stream = unroll.expand(text, unroll.structure(text, tokens), builder)
        return _noted(_run(text, builder, stream), notes)
    if len(text) <= _INFIX_MAX:
        try:
            return _noted(_infix(text, builder), notes)
        except (_Fallback, CgError):
            builder = Builder(source, shapes, max_nodes, answer)     # (a fresh one: no partial nodes)
    try:
        return _noted(_fast(text, builder), notes)
    except (_Fallback, CgError):
        # a syntax error or a builder's error: the reference loop below makes the same calls in
        # the same order, and raises the same error with its position, caret and "expected" list
        builder = Builder(source, shapes, max_nodes, answer)
    return _noted(_run(text, builder, _tokens(text)), notes)


# `import math`, `import torch as t`, `from micrograd.engine import Value` on a line of its own
# (compiled on first use: only a text with "import" in it needs it)
_IMPORT_LINE = (r"^[ \t]*(?:from[ \t]+[A-Za-z_][\w.]*[ \t]+import[ \t]+[\w., \t()*]+?"
                r"|import[ \t]+[A-Za-z_][\w.]*(?:[ \t]+as[ \t]+\w+)?"
                r"(?:[ \t]*,[ \t]*[A-Za-z_][\w.]*(?:[ \t]+as[ \t]+\w+)?)*)[ \t]*(?=#|$)")


def _without_imports(text: str) -> tuple:
    """The text with each import line blanked (same length: columns and lines stay), and a
    warning per line: cg has nothing to import, so pasted code runs as it is."""
    notes = []

    def blank(m):
        line = text.count("\n", 0, m.start()) + 1
        notes.append(f"line {line}: `{m.group(0).strip()}` is left out: cg knows its functions "
                     f"(and Value) without an import")
        return " " * len(m.group(0))
    return re.sub(_IMPORT_LINE, blank, text, flags=re.M), notes


def _noted(graph: Graph, notes: list) -> Graph:
    if notes:
        graph.warnings[:0] = notes
    return graph


_LOOP = r"(?:^|[;\n{:])[ \t]*for\b"     # compiled (and cached by re) on first use


def _tokens(text: str, extra: dict | None = None):
    """The program's tokens (a newline inside ( ) or [ ] is white space); `extra`: single
    characters the grammar does not have, kept as tokens of their own (a loop's ':' '{' '}')."""
    match = _master().match
    ignore = _IGNORE
    pos = 0
    n = len(text)
    depth = 0               # parentheses and brackets open
    while pos < n:
        m = match(text, pos)
        if m is None:
            kind = extra.get(text[pos]) if extra else None
            if kind is None:
                _unexpected_char(text, pos)
            yield (kind, text[pos], pos)
            pos += 1
            continue
        ttype = m.lastgroup
        end = m.end()
        if ttype in ignore:
            pos = end
            continue
        if ttype == "_SEP":
            if depth and text[pos] == "\n":
                pos = end
                continue
        elif ttype == "LPAR" or ttype == "LSQB":
            depth += 1
        elif ttype == "RPAR" or ttype == "RSQB":
            depth -= 1
        yield (ttype, m.group(), pos)
        pos = end


_MASTER = None


def _master():
    """Lark's terminals as one regex, in Lark's order (compiled on first use)."""
    global _MASTER
    if _MASTER is None:
        _MASTER = re.compile("|".join(f"(?P<{name}>{pattern})" for name, pattern in _tables.TERMINALS))
    return _MASTER


# --- the fast loop ------------------------------------------------------------------------
#
# The same LALR automaton as _run's, with the tables keyed for speed (generated with them, see
# _fast_tables in _build.py): one regex call lexes the whole text; a fixed token's own text is its
# key ("+", "**"), a NAME, NUMBER or STRING a small int; unit reductions (`?sum: product`) are folded
# into the gotos; tokens no rule keeps ("+", "(") never reach the value stack; and the scalar cases
# of the commonest reductions (a number, a name already bound, + - * / ^ and unary minus on nodes)
# append the node here, exactly as Builder.node would, while the builder's lists are Python lists.
# Anything else (vectors, Value(...) marks, calls, bindings, ...) calls the builder. On a syntax
# error or a builder's error, parse() runs _run instead, which raises the error as it always has.

class _Fallback(Exception):
    pass


_FAST_LEXER = None
_KEY_NAME = _tables.FAST_KEYS["NAME"]
_KEY_NUMBER = _tables.FAST_KEYS["NUMBER"]
_TEXTS = _tables.FAST_TEXTS
_FIRST = _tables.FAST_FIRST
_ACTION_GETS = [row.get for row in _tables.FAST_ACTIONS]   # bound: one call per lookup
_PUSH = frozenset(_tables.FAST_PUSH)
_TYPES = {k: name for name, k in _tables.FAST_KEYS.items()}


def _fast_rules():
    """Per rule: (how, op code, folded gotos of its origin, (symbols, values popped, kept, splice,
    callback name, kind)). how: 1 a number, 2 a name, 3 a binary op (2 values), 4 a binary op
    (3 values: a kept '-' between), 5 parentheses, 6 unary minus, 7 a program of one statement,
    0 anything else (the builder's callback, as _run calls it)."""
    from .ops import CONST, INFIX
    binary = {k: INFIX[k].code for k in ("add", "sub", "mul", "div", "pow")}
    out = []
    for (length, origin, cb, kind, idx, splice, _), (m, kept) in zip(_RULES, _tables.FAST_RULES):
        how, code = 0, 0
        if cb == "number" and m == 1:
            how, code = 1, CONST
        elif cb == "name" and m == 1:
            how = 2
        elif cb in binary and m == 2 and kept == (0, 1):
            how, code = 3, binary[cb]
        elif cb in binary and m == 3 and kept == (0, 2):
            how, code = 4, binary[cb]
        elif kind == 1 and m == 2 and kept == (0,) and not any(splice):
            how = 5
        elif cb == "neg" and m == 2 and kept == (0, 1):
            how, code = 6, INFIX["neg"].code
        elif origin == "start" and m == 1 and kept == (0,) and not any(splice):
            how = 7
        if length != (0, 1, 1, 3, 3, 3, 2, 1)[how] and how:     # the shapes the loop assumes
            how, code = 0, 0
        get = None
        if not any(splice):              # the kept values as a tuple, in C
            get = itemgetter(*kept) if len(kept) > 1 else (lambda c, _i=kept[0]: (c[_i],)) if kept else None
        out.append((how, code, _tables.FAST_GOTO[origin], (length, m, kept, splice, cb, kind, get)))
    return out


_FAST_RULES = None


def _token(s: str):
    """A token as the builder's callbacks take it: (type, text, position). The position is left
    out: the builder reads it only for an error, and an error reruns the reference loop."""
    t = _TEXTS.get(s)
    if t is None:
        t = _TYPES.get(_FIRST.get(s[0])) or _master().fullmatch(s).lastgroup
    return (t, s, None)


def _joined_lines(tokens: list, depth: int = 0) -> tuple:
    """The tokens without the newlines inside ( ) or [ ] (white space there, as in _tokens), and
    the depth after them; `depth`: the parentheses and brackets open before them."""
    drop, last, at = [], 0, -1
    while True:
        try:
            at = tokens.index("\n", at + 1)
        except ValueError:
            break
        part = tokens[last:at]
        depth += part.count("(") + part.count("[") - part.count(")") - part.count("]")
        last = at
        if depth:
            drop.append(at)
    part = tokens[last:]
    depth += part.count("(") + part.count("[") - part.count(")") - part.count("]")
    if not drop:
        return tokens, depth
    out, start = [], 0
    for at in drop:
        out += tokens[start:at]
        start = at + 1
    out += tokens[start:]
    return out, depth


_PIECE = 1 << 16                         # characters lexed at a time in a long text


def _lexed(text: str):
    """The token texts, then 0 for the end. A long text is lexed piece by piece (a list of all its
    tokens would take more memory than its graph), each piece cut after a newline or, in a text
    without comments or strings, after a bracket, a comma, ';' or '@': no token crosses such a cut."""
    if len(text) <= 4 * _PIECE:
        tokens = _FAST_LEXER(text)
        if "\n" in text:
            tokens = _joined_lines(tokens)[0]
        tokens.append(0)
        return tokens
    return _pieces(text)


def _pieces(text: str):
    cuts = "\n" if ("#" in text or '"' in text or "'" in text) else "\n()[],;@"
    pos, n, depth = 0, len(text), 0
    while pos < n:
        end = pos + _PIECE
        if end < n:
            found = [k for k in (text.find(c, end, end + _PIECE) for c in cuts) if k >= 0]
            end = min(found) + 1 if found else n
        tokens = _FAST_LEXER(text, pos, min(end, n))
        tokens, depth = _joined_lines(tokens, depth)
        yield from tokens
        pos = end
    yield 0


def _fast(text: str, builder: Builder) -> Graph:
    global _FAST_LEXER, _FAST_RULES
    if _FAST_LEXER is None:
        _FAST_LEXER = re.compile(_tables.FAST_LEXER).findall
        _FAST_RULES = _fast_rules()
    tokens = _lexed(text)
    rules, actions, first, push = _FAST_RULES, _ACTION_GETS, _FIRST, _PUSH
    b = builder
    # the builder's node columns as lists while parsing (appends are cheaper), arrays again after;
    # a long text's stay arrays (a list's ints and floats take four times the memory)
    if len(text) <= 4 * _PIECE:
        b.ops, b.in0, b.in1, b.const, b.needs = list(b.ops), list(b.in0), list(b.in1), list(b.const), list(b.needs)
    ops, needs = b.ops, b.needs
    ops_append, in0_append, in1_append = ops.append, b.in0.append, b.in1.append
    const_append, needs_append = b.const.append, needs.append
    assigned, variables = b.assigned, b.variables
    n = len(ops)
    if n + len(text) >= b.limit:
        # the loop below appends a scalar node per token at most, unchecked: a text that could
        # pass the work budget (core/limits.py) takes the reference path, which checks every node
        raise _Fallback
    plain = not (b.marked or b.vectors or b.shapes or b.vec_inputs)
    stack = [_tables.START]
    state = _tables.START
    values = []
    push_value, pop_value, push_state = values.append, values.pop, stack.append
    inf, string, texts = _INF, _KEY_STRING, _TEXTS
    try:
        for s in tokens:
            key = s
            a = actions[state](s)
            if a is None:
                if s == 0 or s in texts:     # the end, or an operator out of place
                    raise _Fallback
                key = first.get(s[0])
                if key is None:              # not ASCII (a digit of another script), or not cg's
                    match = _master().fullmatch(s)
                    key = _KEYS.get(match.lastgroup, -1 if match.lastgroup in _IGNORE else None) if match else None
                if key == -1:                # white space, a comment
                    continue
                if key == string and len(s) < 2:       # a quote never closed
                    raise _Fallback
                a = actions[state](key)
                if a is None:
                    raise _Fallback
            while a < 0:
                how, code, goto, more = rules[~a]
                if how == 3 or how == 4:     # x * y, x / y, x ^ y; x + y, x - y
                    y = pop_value()
                    if how == 4:             # (a kept '-' between)
                        del values[-1]
                    x = values[-1]
                    if plain:
                        values[-1] = n
                        n += 1
                        ops_append(code)
                        in0_append(x)
                        in1_append(y)
                        const_append(0.0)
                        needs_append(needs[x] | needs[y])
                    else:
                        values[-1] = getattr(b, more[4])(x, y)
                        n, plain = len(ops), not (b.marked or b.vectors or b.shapes or b.vec_inputs)
                    del stack[-2:]
                elif how == 2:               # a name
                    name = values[-1]
                    i = assigned.get(name)
                    if i is None:
                        i = variables.get(name) if plain else None
                        if i is None:
                            i = b.name(("NAME", name, None))
                            n, plain = len(ops), not (b.marked or b.vectors or b.shapes or b.vec_inputs)
                    values[-1] = i
                elif how == 1:               # a number
                    v = float(values[-1])
                    if v == inf:
                        b.number(("NUMBER", values[-1], None))      # raises: too large
                    values[-1] = n
                    n += 1
                    ops_append(code)
                    in0_append(-1)
                    in1_append(-1)
                    const_append(v)
                    needs_append(0)
                elif how == 5:               # ( x )
                    del values[-1]
                    del stack[-2:]
                elif how == 6:               # -x
                    x = pop_value()
                    if plain:
                        values[-1] = n
                        n += 1
                        ops_append(code)
                        in0_append(x)
                        in1_append(-1)
                        const_append(0.0)
                        needs_append(needs[x])
                    else:
                        values[-1] = b.neg(_token(values[-1]), x)
                        n, plain = len(ops), not (b.marked or b.vectors or b.shapes or b.vec_inputs)
                    del stack[-1]
                elif how == 7:               # the program: one statement
                    return _finished(b, (values[-1],))
                else:
                    length, m, kept, splice, cb, kind, get = more
                    children = [_token(c) if type(c) is str else c for c in values[-m:]] if m else []
                    if m:
                        del values[-m:]
                    if kind == 3:
                        value = _splice(children, kept, splice)
                    else:
                        args = get(children) if get is not None else _splice(children, kept, splice)
                        if kind == 1 and len(args) == 1:
                            value = args[0]
                        elif cb == "start":
                            return _finished(b, args)
                        else:
                            value = getattr(b, cb)(*args)
                            n, plain = len(ops), not (b.marked or b.vectors or b.shapes or b.vec_inputs)
                    push_value(value)
                    if length > 1:
                        del stack[1 - length:]
                    elif length == 0:
                        stack.append(0)
                state, a = goto[stack[-2]][key]     # KeyError: a syntax error
                stack[-1] = state
            push_state(a)
            state = a
            if key in push:
                push_value(s)
    except KeyError:
        raise _Fallback from None
    raise _Fallback


# --- the infix loop -----------------------------------------------------------------------
#
# A program that is one expression of numbers, names, + - * / ^ **, signs and parentheses is an
# operator-precedence language: one operator stack, one operand stack, a step per token, and no
# parse table at all. The binding powers are read off the grammar by asking Lark how it groups
# every operator pair and sign (_infix_tables in _build.py, which checks 3,888 groupings against
# Lark's trees). Anything else gives up at its first token (a call's "(", a "[", a "=", a newline,
# a comment, ...), as does any syntax error, and parse() goes on to the fast LALR loop.
#
# Stack entries are ints, rbp << 8 | op code: the loop compares one int to pop. An open
# parenthesis is 255 (rbp 0: only its ")" removes it), the bottom -1. A binary operator's
# lbp << 8 pops every entry with rbp >= lbp; ")" and the end pop with lbp 1: every operator, no
# parenthesis. Nodes are made as Builder.node, Builder.variable and Builder.constant make them
# (tests/test_fast_paths.py checks the graphs are the reference loop's), as one tuple per node.

_INFIX_MAX = 4 * _PIECE                  # a longer text takes the fast loop, which lexes in pieces
_INFIX = None
_OPEN = 255
# what a token's first character makes it (the loop compares with the literals, cheaper than names)
_DIGIT, _LETTER, _SIGN, _BLANK = 1, 2, 3, 4


def _infix_tables():
    from .ops import CONST, CONSTANTS, FUNCTIONS, INFIX, MARKERS, OPS, VAR
    assert len(OPS) < _OPEN
    binary = {t: (lbp << 8, rbp << 8 | INFIX[cb].code) for t, (lbp, rbp, cb) in _tables.INFIX_BINARY.items()}
    prefix = {t: (rbp << 8 | INFIX[cb].code if cb else 0) for t, (rbp, cb) in _tables.INFIX_PREFIX.items()}
    opening, closing = _tables.INFIX_PARENS
    prefix[opening] = _OPEN
    singles = sorted(t for t in [*binary, *prefix, closing] if len(t) == 1)
    # `x**2` is `x^2`: a longer operator text becomes the one-character text with its binding
    longer = [(t, next((u for u in singles if binary.get(u) == e), None)) for t, e in binary.items() if len(t) > 1]
    binary[closing] = (1 << 8, 0)
    binary[0] = (1 << 8, -1)             # the end of the text
    first = {c: _DIGIT for c in "0123456789."}
    first.update({c: _LETTER for c in "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_"})
    first.update({c: _SIGN for c in prefix})
    first.update({c: _BLANK for c in " \t\f\r"})
    # a text of only these characters lexes as the grammar's NUMBER, NAME and WS and the operators
    # once the operators are padded with spaces and the text split: a NUMBER runs to the next
    # operator or space unless its exponent is signed (1e-5: left to the lexer's regex), and a
    # run that is neither one NUMBER nor one NAME ("2x", "x.y", "1_0") is refused by the loop
    plain = re.compile("[" + re.escape("".join(first) + "".join(singles)) + "]*").fullmatch
    if any(u is None for _, u in longer):
        plain = None
    pads = [(t, u) for t, u in longer] + [(c, f" {c} ") for c in singles]
    named = dict(CONSTANTS)
    called = frozenset(FUNCTIONS) | frozenset(MARKERS)
    return binary, prefix, first, plain, pads, named, called, CONST, VAR, INFIX["neg"].code


_REGEX_LEXER = None


def _infix_tokens(text: str, plain, pads) -> list:
    """The tokens of an infix text: padded and split (no regex), or for a signed exponent (1e-5)
    or a number with "_", Lark's terminals as one regex (with white-space tokens). A text with
    any other character gives up at once, before lexing."""
    global _REGEX_LEXER
    if plain is None or plain(text) is None:
        raise _Fallback                  # a character the loop never takes ("=", "\n", "[", "#", ...)
    if not ("e-" in text or "e+" in text or "E-" in text or "E+" in text):
        spaced = text
        for t, padded in pads:
            spaced = spaced.replace(t, padded)
        tokens = spaced.split()
        if "_" not in text or not any("_" in t for t in tokens if t[0] in "0123456789."):
            return tokens                # ("1_0" is two tokens to the grammar, one to float())
    if _REGEX_LEXER is None:
        _REGEX_LEXER = re.compile(_tables.INFIX_LEXER).findall
    return _REGEX_LEXER(text)


def _infix(text: str, builder: Builder) -> Graph:
    global _INFIX
    if _INFIX is None:
        _INFIX = _infix_tables()
    binary, prefix, first, plain, pads, named, called, constant, var, neg = _INFIX
    b = builder
    if b.shapes or len(b.ops) + len(text) >= b.limit:
        raise _Fallback                  # vector inputs; or a text that could pass the work budget
    # newlines before and after the expression separate nothing (a file's last line ends with one)
    tokens = _infix_tokens(text.strip("\n") if "\n" in text else text, plain, pads)
    tokens.append(0)
    variables, names = b.variables, b.names
    nodes = []                           # op, in0, in1, const of each node in turn: the columns at the end
    add, needs = nodes.extend, bytearray()
    add_needs = needs.append
    stack = [-1]
    out = []
    push_op, push_out, pop_out = stack.append, out.append, out.pop
    n = 0
    tokens = iter(tokens)
    try:
        for s in tokens:                 # an operand (after any signs and "(")
            k = first.get(s[0])          # (the end, 0, has no s[0]: TypeError)
            if k == 1:                   # _DIGIT: a number ("2x", "1.2.3": ValueError)
                push_out(n)
                add((constant, -1, -1, float(s)))
                add_needs(0)
                n += 1
            elif k == 2:                 # _LETTER: a name
                i = variables.get(s)
                if i is None:
                    if "." in s or s in called:     # x.relu; sin without a call
                        raise _Fallback
                    i = n
                    if s in named:                  # pi, e: as Builder.name makes them
                        add((constant, -1, -1, named[s]))
                        add_needs(0)
                    else:
                        add((var, -1, -1, 0.0))
                        add_needs(1)
                        variables[s] = i
                    names[i] = s
                    n += 1
                push_out(i)
            elif k == 3:                 # _SIGN: a sign or "("
                e = prefix.get(s)
                if e is None:
                    raise _Fallback
                if e:
                    push_op(e)
                continue
            elif k != 4:                 # (_BLANK: white space)
                raise _Fallback
            else:
                continue
            for s in tokens:             # an operator, ")" or the end
                e = binary.get(s)
                if e is None:
                    if first.get(s[0]) == 4:
                        continue
                    raise _Fallback
                lbp, e = e
                top = stack[-1]
                while top >= lbp:
                    del stack[-1]
                    op = top & 255
                    if op == neg:        # -x
                        x = out[-1]
                        add((op, x, -1, 0.0))
                        add_needs(needs[x])
                    else:                # x o y
                        y = pop_out()
                        x = out[-1]
                        add((op, x, y, 0.0))
                        add_needs(needs[x] | needs[y])
                    out[-1] = n
                    n += 1
                    top = stack[-1]
                if e > 0:                # an operator: an operand next
                    push_op(e)
                    break
                if e < 0:                # the end, with every parenthesis closed
                    if top != -1:
                        raise _Fallback
                    b.ops, b.in0, b.in1, b.const = nodes[0::4], nodes[1::4], nodes[2::4], nodes[3::4]
                    b.needs = needs
                    if _INF in b.const:
                        raise _Fallback  # a number too large for a float: the reference loop says so
                    return b.start(out[0])
                if top != _OPEN:         # ")": its "(" must be on top
                    raise _Fallback
                del stack[-1]
            else:
                raise _Fallback          # (no operator after an operand: cannot happen, the end is one)
    except (TypeError, ValueError):
        raise _Fallback from None
    raise _Fallback


_INF = float("inf")
_KEYS = _tables.FAST_KEYS
_KEY_STRING = _KEYS["STRING"]


def _finished(b: Builder, statements) -> Graph:
    return b.start(*statements)        # (Builder.finish gives the columns their types)


def _run(text: str, builder: Builder, stream) -> Graph:
    """The LALR loop over a token stream; each reduction calls the builder."""
    callbacks = [getattr(builder, cb, None) if cb else None for _, _, cb, _, _, _, _ in _RULES]
    states_table = _STATES
    rules = _RULES
    states = [_tables.START]
    values: list = []
    n = len(text)
    depth = 0               # parentheses open (for messages)
    prev_tok = None
    for tok in chain(stream, ((_END, "", n),)):
        ttype = tok[0]
        if ttype == "LPAR" or ttype == "LSQB":
            depth += 1
        elif ttype == "RPAR" or ttype == "RSQB":
            depth -= 1
        while True:
            action = states_table[states[-1]].get(ttype)
            if action is None:
                _unexpected_token(text, tok, prev_tok, states_table[states[-1]], depth)
            if action[0] == 0:                       # shift
                states.append(action[1])
                values.append(tok)
                break
            length, origin, cb, kind, idx, splice, kept = rules[action[1]]
            if kind == 0:                            # unit rule: the value stays where it is
                states[-1] = states_table[states[-2]][origin][1]
                continue
            children = values[-length:]
            del values[-length:]
            del states[-length:]
            if kind == 3:
                value = _splice(children, idx, splice)
            else:
                args = kept(children) if kept is not None else _splice(children, idx, splice)
                if kind == 1 and len(args) == 1:
                    value = args[0]
                else:
                    value = callbacks[action[1]](*args)
            if ttype == _END and origin == "start":
                return value
            states.append(states_table[states[-1]][origin][1])
            values.append(value)
        prev_tok = tok


def _splice(children, idx, splice):
    out = None
    for i, s in zip(idx, splice):
        child = children[i]
        if s:
            if out is None:
                out = child          # reuse the list: a 10^6-statement program stays linear
            else:
                out.extend(child)
        else:
            if out is None:
                out = []
            out.append(child)
    return out if out is not None else []


def _only_comments(text: str) -> bool:
    return all(not line.strip() or line.lstrip().startswith("#") for line in text.splitlines())


def _unexpected_char(text: str, pos: int):
    ch = text[pos]
    what = {"'": "a quote: cg has no strings", '"': "a quote: cg has no strings",
            "{": "'{'", "}": "'}'", ":": "':'"}.get(ch, repr(ch))
    hint = _CHAR_HINTS.get(ch, "expected a number, a name, an operator (+ - * / ^), a parenthesis "
                               "or a function call")
    raise CgSyntaxError(f"cg: syntax error at {_where(text, pos)}: unexpected character {what}",
                        source=text, pos=pos, hint=hint)


_CHAR_HINTS = {
    "%": "cg has no remainder operator %: cg differentiates smooth pieces; there is no % to write instead",
    "<": "cg has no comparisons; for a choice write max(a, b), min(a, b), relu(x) or step(x)*a + (1 - step(x))*b",
    ">": "cg has no comparisons; for a choice write max(a, b), min(a, b), relu(x) or step(x)*a + (1 - step(x))*b",
    "!": "cg has no comparisons",
    ":": "':' ends a loop's header only: for t in range(5): ...",
    "{": "'{' opens a loop's body only: for t in range(5) { ... }",
    "}": "'}' closes a loop's body only: for t in range(5) { ... }",
}


def _unexpected_token(text: str, tok, prev_tok, row, depth: int):
    ttype, value, pos = tok
    # LALR reduces on any follower; ')', ']' and ',' only make sense inside parentheses or brackets
    outside = ("RPAR", "RSQB", "COMMA") if depth <= 0 else ()
    expected = sorted({_FRIENDLY.get(t, t) for t in row if (t.isupper() or t == _END) and t not in outside})
    if ttype == _END:
        found = "end of the expression"
    elif ttype in ("NUMBER", "NAME"):
        found = f"{'number' if ttype == 'NUMBER' else 'name'} {value!r}"
    elif ttype == "STRING":
        found = f"string {value}"
    else:
        found = _FRIENDLY.get(ttype, repr(value))
    hint = "expected " + (expected[0] if len(expected) == 1 else "one of: " + ", ".join(expected))
    special = _special_hint(text, tok, prev_tok)
    if special is not None:
        hint += "\nhint: " + special
    elif prev_tok is not None and ttype in _OPERAND_START and prev_tok[0] in _OPERAND_END:
        left = prev_tok[1]
        right = value if ttype != "LPAR" else "(...)"
        hint += (f"\nhint: cg has no implicit multiplication; to multiply, write {left}*{right}")
    raise CgSyntaxError(f"cg: syntax error at {_where(text, pos)}: unexpected {found}",
                        source=text, pos=pos, hint=hint)


_IMPORT = "leave out the import: cg knows its functions (and Value) without one"
_CONDITIONAL = ("cg has no conditional expressions; for a choice write max(a, b), min(a, b), relu(x) "
                "or step(x)*a + (1 - step(x))*b")


def _special_hint(text: str, tok, prev_tok):
    """What cg does instead of Python that cannot be written in cg (never a different formula)."""
    ttype, value, pos = tok
    line_start = text.rfind("\n", 0, pos) + 1
    first = text[line_start:].lstrip(" \t;").split(None, 1)
    first = first[0] if first else ""
    if first in ("import", "from") or (prev_tok is not None and prev_tok[1] in ("import", "from")):
        return _IMPORT
    if ttype == "NAME" and value in ("if", "else"):
        return _CONDITIONAL
    if ttype == "NAME" and value in ("for", "in"):
        return ("a loop starts a statement: for t in range(5): h = tanh(w*h + x[t])  (the body on "
                "the line, indented below, or in braces { ... })")
    if ttype == "NAME" and value in ("and", "or", "not", "while", "def", "return", "lambda"):
        return f"cg has no {value}: a program is assignments and one expression per line"
    if ttype == "SLASH" and prev_tok is not None and prev_tok[0] == "SLASH" and prev_tok[2] == pos - 1:
        return "cg has no floor division //: its derivative is 0 wherever it exists; cg's / divides exactly"
    if ttype == "STRING":
        return 'cg has no strings; a string may only be a label: Value(-4.0, label="a")'
    if ttype == "EQUAL" and prev_tok is not None and prev_tok[0] == "EQUAL" and prev_tok[2] == pos - 1:
        return "cg has no comparisons; = binds a name"
    if prev_tok is not None and prev_tok[0] == "AUGOP" and ttype in ("_SEP", _END):
        return f"{prev_tok[1]} needs a value after it, e.g. c {prev_tok[1]} 1"
    if prev_tok is not None and prev_tok[0] == "EQUAL" and ttype in ("_SEP", _END):
        return "= needs a value after it, e.g. c = 1"
    return None


def _where(text: str, pos: int) -> str:
    line = text.count("\n", 0, pos) + 1
    col = pos - (text.rfind("\n", 0, pos) + 1) + 1
    return f"line {line}, column {col}" if "\n" in text.rstrip("\n") else f"column {col}"


# --- the same grammar through Lark's own parser (tests and benchmarks) -------------------

def _parse_with_lark(text: str, builder: Builder) -> Graph:
    from lark import Transformer, Token
    from lark.exceptions import UnexpectedInput
    from ._build import lark_parser

    class Parens:
        """Lark post-lexer: a newline inside parentheses is white space (as in cg's loop)."""
        always_accept = ()

        def process(self, stream):
            depth = 0
            for t in stream:
                if t.type in ("LPAR", "LSQB"):
                    depth += 1
                elif t.type in ("RPAR", "RSQB"):
                    depth -= 1
                elif t.type == "_SEP" and depth and t.value == "\n":
                    continue
                yield t

    def adapt(name):
        method = getattr(builder, name)

        def call(*args):
            return method(*[(a.type, str(a), a.start_pos) if isinstance(a, Token) else a for a in args])
        return call

    class ToGraph(Transformer):
        pass

    transformer = ToGraph()
    for name in ("start", "assign", "augassign", "tuple_assign", "add", "sub", "mul", "div", "neg", "pow",
                 "number", "name", "call", "method", "attribute", "keyword", "matmul", "vector", "index"):
        setattr(transformer, name, lambda children, _f=adapt(name): _f(*children))
    parser = lark_parser(transformer=transformer, postlex=Parens())
    try:
        return parser.parse(text)
    except UnexpectedInput as e:
        raise CgSyntaxError(f"cg: syntax error: {e.__class__.__name__}", source=text,
                            pos=getattr(e, "pos_in_stream", None)) from None
    except Exception as e:  # Lark wraps callback errors in VisitError
        inner = getattr(e, "orig_exc", None)
        if isinstance(inner, CgSyntaxError):
            raise inner from None
        raise


def count_statements(text: str) -> int:
    """How many top-level statements a program has (a loop with its body is one; comments,
    blank lines and import lines are none): what a view says instead of the program's text."""
    if "import" in text:
        text, _ = _without_imports(text)
    if "for" in text and re.search(_LOOP, text):
        from . import unroll
        items = unroll.structure(text, list(_tokens(text, unroll.EXTRA)))
    else:
        items = _tokens(text)
    count, inside = 0, False
    for item in items:
        if type(item) is tuple and item[0] == "_SEP":
            inside = False
        elif type(item) is not tuple:           # a loop: one statement, ended by its body
            count += 1
            inside = False
        elif not inside:
            count, inside = count + 1, True
    return count
