"""Values written as text: a number or a constant expression (pi/4, -1/3, e^-1), and vector
and matrix values (--x 1,2,3, --W "[[1,2],[3,4]]", --shape W=8x2, TOML arrays).

A core helper (parse + forward only), shared by the command line, homework files and the
grading core.
"""
from __future__ import annotations

from .errors import CgError, InputError


def constant_value(text: str, what: str, answer: bool = False) -> float:
    """A value given as text: a number or a constant expression (pi/4, -1/3, e^-1).
    `answer`: the text comes from a submission (parsed as an answer: core/limits.py)."""
    # a plain decimal number ("2", "-4", "0.5"): the float parse() and the forward pass give
    # (a const node, negated by neg), without building a graph; at most 20 characters, so it is
    # finite and within every budget. Anything else (exponents, spaces, names) is parsed.
    digits = text[1:] if text[:1] == "-" else text
    if len(text) <= 20 and digits.isascii() and digits.replace(".", "", 1).isdigit():
        return -float(digits) if digits is not text else float(digits)
    from .parse import parse
    from .passes import forward
    try:
        g = parse(text, answer=answer)
    except CgError as e:
        from .limits import NotAnAnswer, OverBudget
        if isinstance(e, (NotAnAnswer, OverBudget)):      # the answer rules: say which one
            raise InputError(f"cg: {what}: {e.message.removeprefix('cg: ')}", hint=e.hint) from None
        shown = text if len(text) <= 80 else text[:76] + " ..."
        raise InputError(f"cg: {what} must be a number or a constant expression, got {shown!r}",
                         hint=e.render()) from None
    if g.variables:
        shown = text if len(text) <= 80 else text[:76] + " ..."
        raise InputError(f"cg: {what} must be a number or a constant expression, got {shown!r}"
                         f" ({', '.join(g.variables)} is not a number)")
    try:
        value = forward(g, {})[g.output]
    except CgError as e:
        raise InputError(f"cg: {what} is not a finite number: {e.message.removeprefix('cg: ')}") from None
    return value


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


def parse_shapes(specs) -> dict:
    """--shape W1=8x2 --shape b1=8 -> {"W1": (8, 2), "b1": (8,)}: vector or matrix inputs
    declared without values (cg fit's and cg descend's parameters, cg eval --points, cg graph)."""
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


def all_or_none(graph, inputs: dict, why: str, hint=None) -> None:
    """Values for every variable, or for none (cg graph draws the structure alone, cg diff gives
    the derivatives alone): with some given, a variable left without one (given or the program's
    own) is an InputError, missing_values' message with `why` after it. `hint`: a function that
    returns the hint (called only then)."""
    if not inputs:
        return
    from .passes import missing_inputs
    missing = missing_inputs(graph, inputs)
    if missing:
        from .names import missing_values
        raise missing_values(missing, why=why, hint=hint() if hint is not None else None)
