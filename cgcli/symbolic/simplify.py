"""The simplifier: expressions kept in a canonical form, shared and built bottom-up.

A `Store` holds expressions as a DAG of canonical nodes, each created once (hash-consing):
equal subexpressions get equal ids, however often they are built. Every constructor
simplifies as it builds, so no expression is ever walked recursively:

    NUM   c                          a number
    ATOM  (name, value)              a variable (value None) or a named constant (pi, e)
    FUNC  (op code, args)            any other op of the table: sin(a), max(a, b), ...
    SUM   (c0, ((term, coef), ...))  c0 + Σ coef·term    equal terms collected
    MUL   (c, ((base, exp), ...))    c · Π base^exp      equal factors collected

What the constructors do: constant folding (through each op's own `forward`), the
identities x+0, x*1, x*0, x^1, x^0, --x, x-x, x/x, collecting equal terms (x + x -> 2*x)
and equal factors (x*x -> x^2, x^y*x -> x^(y + 1)), numeric coefficients in front;
a/b and recip(b) are a·b^-1, so recip(x)*x is 1.
Sums and products with more than CAP parts are not flattened into their parents (they
become opaque terms), so the cost stays linear on huge expressions.

The store has the Builder's interface (`node`, `constant`, `variable`), so
`cgcli.core.templates.instantiate` splices the op table's symbolic partials straight into it.
`to_graph` turns canonical nodes back into an ordinary computational graph of the op
table's ops (sums as + and - chains, products as numerator / denominator), which the
passes evaluate, the printer prints, and `cgcli.symbolic` differentiates again.
"""
from __future__ import annotations

import math
from bisect import bisect_left
from fractions import Fraction

from ..core.build import Builder
from ..core.graph import Graph
from ..core.ops import BY_NAME, CONST, OPS, VAR

NUM, ATOM, FUNC, SUM, MUL = range(5)
CAP = 64          # most terms (factors) a sum (product) is flattened into its parent with

_ADD, _SUB, _MUL, _DIV, _NEG, _POW, _RECIP = (BY_NAME[n].code for n in
                                              ("add", "sub", "mul", "div", "neg", "pow", "recip"))
_FOLD_ERRORS = (ValueError, ZeroDivisionError, OverflowError, TypeError)


class Store:
    """Canonical, shared expressions. Ids are in creation order, so every node's parts
    have smaller ids than the node: the ids are a topological order."""

    def __init__(self):
        self.kind: list[int] = []
        self.data: list = []
        self.needs = bytearray()      # 1 where the expression depends on a variable
        self._index: dict = {}
        self.zero = self.num(0.0)
        self.one = self.num(1.0)
        self.minus_one = self.num(-1.0)
        self._factored: dict[int, int] = {}

    def __len__(self):
        return len(self.kind)

    def _intern(self, kind: int, data, needs: int) -> int:
        key = (kind, data)
        i = self._index.get(key)
        if i is None:
            i = len(self.kind)
            self.kind.append(kind)
            self.data.append(data)
            self.needs.append(needs)
            self._index[key] = i
        return i

    # -- the Builder interface (graph.instantiate and to_store use it) -----------------------
    def node(self, op: int, a: int = -1, b: int = -1) -> int:
        name = _ALG.get(op)
        if name is not None:
            f = getattr(self, name)
            return f(a) if b < 0 else f(a, b)
        return self.func(op, (a,) if b < 0 else (a, b))

    def constant(self, value: float, name: str | None = None) -> int:
        return self.atom(name, float(value)) if name else self.num(value)

    def variable(self, name: str) -> int:
        return self.atom(name)

    # -- leaves ----------------------------------------------------------------------------
    def num(self, c: float) -> int:
        c = float(c)
        if c == 0.0:
            c = 0.0                   # one zero: -0.0 == 0.0 would otherwise key apart in repr
        return self._intern(NUM, c, 0)

    def atom(self, name: str, value: float | None = None) -> int:
        return self._intern(ATOM, (name, value), 1 if value is None else 0)

    def value(self, i: int):
        """The number a node stands for when it is a number or a named constant, else None."""
        k = self.kind[i]
        if k == NUM:
            return self.data[i]
        if k == ATOM:
            return self.data[i][1]
        return None

    # -- sums --------------------------------------------------------------------------------
    def _linear(self, i: int):
        """i as c0 + Σ coef·term."""
        k = self.kind[i]
        if k == NUM:
            return self.data[i], ()
        if k == SUM:
            c0, terms = self.data[i]
            if len(terms) <= CAP:
                return c0, terms
        elif k == MUL:
            c, factors = self.data[i]
            if c != 1.0:
                return 0.0, ((self._product(1.0, factors), c),)
        return 0.0, ((i, 1.0),)

    def add(self, a: int, b: int) -> int:
        ca, ta = self._linear(a)
        cb, tb = self._linear(b)
        if not tb:
            if not ta:
                return self._fold_num(ca + cb, a, b, _ADD)
            if cb == 0.0:
                return a
        elif not ta and ca == 0.0:
            return b
        if len(tb) == 1 and len(ta) > 1:
            return self._add_term(ca + cb, ta, tb[0])
        if len(ta) == 1 and len(tb) > 1:
            return self._add_term(ca + cb, tb, ta[0])
        terms = dict(ta)
        get = terms.get
        for t, w in tb:
            terms[t] = get(t, 0.0) + w
        return self._sum(ca + cb, terms)

    def sub(self, a: int, b: int) -> int:
        return self.add(a, self.scale(b, -1.0))

    def neg(self, a: int) -> int:
        return self.scale(a, -1.0)

    def scale(self, a: int, c: float) -> int:
        return self.mul(a, self.num(c))

    def _add_term(self, c0: float, terms: tuple, term: tuple) -> int:
        """_sum(c0, terms + term) for sorted `terms` and one more term: the sum a backward pass
        (or a long chain of +) builds one term at a time, without re-sorting what is sorted."""
        t, w = term
        k = bisect_left(terms, (t,))
        if k < len(terms) and terms[k][0] == t:
            w = terms[k][1] + w
            rest = terms[k + 1:]
        else:
            w = 0.0 + w
            rest = terms[k:]
        items = terms[:k] + ((t, w),) + rest if w != 0.0 else terms[:k] + rest
        return self._sum_items(c0, items)

    def _sum(self, c0: float, terms: dict) -> int:
        return self._sum_items(c0, sorted((t, w) for t, w in terms.items() if w != 0.0))

    def _sum_items(self, c0: float, items) -> int:
        if not items:
            return self.num(c0)
        if c0 == 0.0 and len(items) == 1:
            t, w = items[0]
            return t if w == 1.0 else self.mul(t, self.num(w))
        needs = 0
        for t, _ in items:
            if self.needs[t]:
                needs = 1
                break
        return self._intern(SUM, (c0 + 0.0, tuple(items)), needs)

    # -- products ----------------------------------------------------------------------------
    def _factors(self, i: int):
        """i as c · Π base^exp."""
        k = self.kind[i]
        if k == NUM:
            return self.data[i], ()
        if k == MUL:
            c, factors = self.data[i]
            if len(factors) <= CAP:
                return c, factors
            return c, ((self._product(1.0, factors), self.one),)
        return 1.0, ((i, self.one),)

    def mul(self, a: int, b: int) -> int:
        ca, fa = self._factors(a)
        cb, fb = self._factors(b)
        c = ca * cb
        if c == 0.0:
            return self.zero
        if not math.isfinite(c):
            return self._opaque(_MUL, a, b)
        if not fb:
            return a if cb == 1.0 else self._product(c, fa)
        if not fa:
            return b if ca == 1.0 else self._product(c, fb)
        factors = dict(fa)
        for base, e in fb:
            old = factors.get(base)
            factors[base] = e if old is None else self.add(old, e)
        return self._product(c, factors)

    def div(self, a: int, b: int) -> int:
        return self.mul(a, self.pow(b, self.minus_one))

    def recip(self, a: int) -> int:
        return self.pow(a, self.minus_one)

    def _product(self, c: float, factors) -> int:
        pairs = factors.items() if isinstance(factors, dict) else factors
        items = []
        kind, data = self.kind, self.data
        for base, e in pairs:
            if e == self.zero:
                continue
            if kind[base] == NUM and kind[e] == NUM:          # 2^x * 2^(1-x) -> 2
                v = _pow_value(data[base], data[e])
                if v is None:
                    items.append((base, e))
                else:
                    c *= v
                continue
            items.append((base, e))
        if c == 0.0:
            return self.zero
        if not items:
            return self.num(c)
        items.sort()
        if len(items) == 1 and items[0][1] == self.one:
            base = items[0][0]
            if c == 1.0:
                return base
            if c == -1.0 and kind[base] == SUM:               # -(x - y) -> y - x
                c0, terms = data[base]
                return self._sum(-c0, {t: -w for t, w in terms})
        needs = 0
        for base, e in items:
            if self.needs[base] or self.needs[e]:
                needs = 1
                break
        return self._intern(MUL, (c, tuple(items)), needs)

    def pow(self, a: int, b: int) -> int:
        kind, data = self.kind, self.data
        if kind[b] == NUM:
            e = data[b]
            if e == 0.0:
                return self.one
            if e == 1.0:
                return a
            if kind[a] == NUM:
                v = _pow_value(data[a], e)
                return self.num(v) if v is not None else self._opaque(_POW, a, b)
            if kind[a] == MUL and e == int(e):              # (c·x^p)^n = c^n·x^(p·n), n an integer
                c, factors = data[a]
                cn = _pow_value(c, e)
                if cn is not None and cn != 0.0:
                    return self._product(cn, {base: self.mul(p, b) for base, p in factors})
            return self._product(1.0, ((a, b),))
        if kind[a] == NUM and data[a] == 1.0:
            return self.one
        return self._product(1.0, ((a, b),))

    # -- everything else -----------------------------------------------------------------------
    def func(self, op: int, args: tuple) -> int:
        values = [self.value(x) for x in args]
        if None not in values:
            try:
                v = OPS[op].forward(*values)
            except _FOLD_ERRORS:
                v = None
            # fold numbers; keep pi and e symbolic unless the result is a whole number (log(e))
            if v is not None and math.isfinite(v) and (
                    all(self.kind[x] == NUM for x in args) or v == int(v)):
                return self.num(v)
        return self._opaque(op, *args)

    def _opaque(self, op: int, *args) -> int:
        needs = 0
        for x in args:
            needs |= self.needs[x]
        return self._intern(FUNC, (op, tuple(args)), needs)

    def _fold_num(self, v: float, a: int, b: int, op: int) -> int:
        return self.num(v) if math.isfinite(v) else self._opaque(op, a, b)

    # -- factoring: the last step before printing -----------------------------------------------
    def factor(self, i: int) -> int:
        """i with the factors common to every term of each sum taken out, bottom-up:
        x^(y-4)*exp(x)/z + 2*x^(y-4)*exp(x)*log(x)/z -> x^(y-4)*exp(x)*(1 + 2*log(x))/z.
        The backward pass sums one term per path, each carrying the upstream factors;
        taking them out again gives the product-rule shape a textbook (or SymPy) shows."""
        memo = self._factored
        if i in memo:
            return memo[i]
        todo = []
        seen = set()
        stack = [i]
        while stack:
            x = stack.pop()
            if x in seen or x in memo:
                continue
            seen.add(x)
            todo.append(x)
            stack.extend(self.children(x))
        kind, data = self.kind, self.data
        for x in sorted(todo):
            k = kind[x]
            if k == NUM or k == ATOM:
                new = x
            elif k == FUNC:
                op, args = data[x]
                mapped = tuple(memo[a] for a in args)
                new = x if mapped == args else self.func(op, mapped)
            elif k == MUL:
                c, factors = data[x]
                if all(memo[b] == b and memo[e] == e for b, e in factors):
                    new = x
                else:
                    new = self.num(c)
                    for b, e in factors:
                        new = self.mul(new, self.pow(memo[b], memo[e]))
            else:
                c0, terms = data[x]
                if all(memo[t] == t for t, _ in terms):
                    new = x
                else:
                    new = self.num(c0)
                    for t, w in terms:
                        new = self.add(new, self.mul(memo[t], self.num(w)))
                new = self._factor_sum(new)
            memo[x] = new
            memo.setdefault(new, new)
        return memo[i]

    def _factor_sum(self, s: int) -> int:
        kind, data = self.kind, self.data
        if kind[s] != SUM or data[s][0] != 0.0:
            return s
        terms = []
        for t, w in data[s][1]:
            if kind[t] == MUL:
                c, f = data[t]
                terms.append((w * c, dict(f)))
            else:
                terms.append((w, {t: self.one}))
        common = {}
        first = terms[0][1]
        for base, e in first.items():
            exps = [f.get(base) for _, f in terms]
            if None in exps:
                continue
            if all(kind[x] == NUM for x in exps):
                vals = [data[x] for x in exps]
                if all(v > 0 for v in vals):
                    common[base] = self.num(min(vals))
                elif all(v < 0 for v in vals):
                    common[base] = self.num(max(vals))
            else:                                    # x^(y-3), x^(y-4) -> x^(y-4)·(x, 1)
                diffs = [self.sub(x, e) for x in exps]
                if all(kind[d] == NUM for d in diffs):
                    low = min(range(len(exps)), key=lambda j: data[diffs[j]])
                    common[base] = exps[low]
        mags = {abs(c) for c, _ in terms}
        coef = mags.pop() if len(mags) == 1 else 1.0
        if not common and coef == 1.0:
            return s
        rest = self.zero
        for c, f in terms:
            for base, e in common.items():
                f[base] = self.sub(f[base], e)
            rest = self.add(rest, self._product(c / coef, f))
        return self.mul(self._product(coef, common), rest)

    # -- reading ---------------------------------------------------------------------------------
    def children(self, i: int) -> tuple:
        k = self.kind[i]
        if k == FUNC:
            return self.data[i][1]
        if k == SUM:
            return tuple(t for t, _ in self.data[i][1])
        if k == MUL:
            out = []
            for base, e in self.data[i][1]:
                out.append(base)
                out.append(e)
            return tuple(out)
        return ()

    def count(self, roots) -> int:
        """How many distinct nodes the expressions `roots` use (their DAG size)."""
        seen = set()
        stack = list(roots)
        while stack:
            i = stack.pop()
            if i not in seen:
                seen.add(i)
                stack.extend(self.children(i))
        return len(seen)


# the ops the store builds with its own algebra, by method name: a store holding its own bound
# methods would be a reference cycle, freed only by the cyclic collector
_ALG = {_ADD: "add", _SUB: "sub", _MUL: "mul", _DIV: "div", _NEG: "neg", _POW: "pow", _RECIP: "recip"}


def _pow_value(a: float, e: float):
    try:
        v = math.pow(a, e)
    except _FOLD_ERRORS:
        return None
    return v if math.isfinite(v) else None


def to_store(graph: Graph, store: Store, upto: int | None = None) -> list:
    """Every node of `graph` (up to node `upto`) as a canonical expression in `store`."""
    m: list[int] = []
    ops, in0, in1, const, names = graph.ops, graph.in0, graph.in1, graph.const, graph.names
    last = len(ops) - 1 if upto is None else upto
    for i in range(last + 1):
        op = ops[i]
        if op == VAR:
            m.append(store.atom(names[i]))
        elif op == CONST:
            m.append(store.constant(const[i], names.get(i)))
        else:
            b = in1[i]
            m.append(store.node(op, m[in0[i]], m[b] if b >= 0 else -1))
    return m


# --- back to an ordinary graph -----------------------------------------------------------------

def ratio(c: float):
    """A coefficient as (numerator, denominator) when it is a small fraction (0.5 -> 1, 2),
    else (c, 1): products print as 3*x/(2*y) rather than 1.5*x/y."""
    if c == int(c):
        return c, 1
    f = Fraction(c).limit_denominator(1000)
    if f.denominator > 1 and f.numerator / f.denominator == c and abs(f.numerator) < 10**6:
        if abs(f.numerator) == 1 or len(repr(c)) > 6:      # x/2, 2*x/3; but 1.5*x
            return float(f.numerator), f.denominator
    return c, 1


def to_graph(store: Store, roots, variables=()) -> tuple:
    """The canonical expressions `roots` as one computational graph of the op table's ops,
    sharing what the store shares. Returns (graph, the roots' node ids). `variables` fixes
    the graph's variables and their order (every one is present, used or not)."""
    kind, data = store.kind, store.data
    need = bytearray(len(kind))
    for r in roots:
        need[r] = 1
    # mark what must exist as a node, parents first: ids fall from parent to part
    top = max(roots) if roots else -1
    for i in range(top, -1, -1):
        if not need[i]:
            continue
        k = kind[i]
        if k == FUNC:
            for x in data[i][1]:
                need[x] = 1
        elif k == MUL:
            for base, e in data[i][1]:
                need[base] = 1
                need[e] = 1
        elif k == SUM:
            for t, w in data[i][1]:
                if kind[t] == MUL:
                    for base, e in data[t][1]:
                        need[base] = 1
                        need[e] = 1
                    if abs(w) == 1.0 and data[t][0] == 1.0:
                        need[t] = 1
                else:
                    need[t] = 1
    b = Builder()
    for name in variables:
        b.variable(name)
    memo: dict[int, int] = {}
    for i in range(top + 1):
        if not need[i]:
            continue
        k = kind[i]
        if k == NUM:
            memo[i] = b.constant(data[i])
        elif k == ATOM:
            name, value = data[i]
            memo[i] = b.variable(name) if value is None else b.constant(value, name)
        elif k == FUNC:
            op, args = data[i]
            memo[i] = b.node(op, *[memo[x] for x in args])
        elif k == MUL:
            c, factors = data[i]
            memo[i] = _product_node(b, store, memo, c, factors)
        else:
            memo[i] = _sum_node(b, store, memo, *data[i])
    g = b.finish(memo[roots[-1]] if roots else -1)
    return g, [memo[r] for r in roots]


def _product_node(b: Builder, store: Store, memo: dict, c: float, factors) -> int:
    kind, data = store.kind, store.data
    num, den = [], []
    for base, e in factors:
        node = memo[base]
        if kind[e] == NUM:
            v = data[e]
            target = num if v > 0 else den
            v = abs(v)
            target.append(node if v == 1.0 else b.pow(node, b.constant(v)))
        else:
            num.append(b.pow(node, memo[e]))
    p, q = ratio(abs(c))
    negative = c < 0
    if p != 1.0 or not num:
        num.insert(0, b.constant(-p if negative else p))
        negative = False
    if q != 1:
        den.insert(0, b.constant(float(q)))
    if negative:
        num[0] = b.neg(None, num[0])
    top = num[0]
    for x in num[1:]:
        top = b.mul(top, x)
    if den:
        bottom = den[0]
        for x in den[1:]:
            bottom = b.mul(bottom, x)
        top = b.div(top, bottom)
    return top


def _sum_node(b: Builder, store: Store, memo: dict, c0: float, terms) -> int:
    kind, data = store.kind, store.data
    seq = []                              # (node, negative)
    for t, w in terms:
        if kind[t] == MUL:
            c, factors = data[t]
            if abs(w) == 1.0 and c == 1.0:
                node = memo[t]
            else:
                node = _product_node(b, store, memo, abs(w) * c, factors)
        elif abs(w) == 1.0:
            node = memo[t]
        else:
            node = _product_node(b, store, memo, abs(w), ((t, store.one),))
        seq.append((node, w < 0))
    if c0 != 0.0:                          # the constant last (y + 1, x - 3) but 1 - x
        const = (b.constant(abs(c0)), c0 < 0)
        if c0 > 0 and seq[0][1]:
            seq.insert(0, const)
        else:
            seq.append(const)
    if seq[0][1]:                          # lead with a positive term: y - x
        for k, (_, negative) in enumerate(seq):
            if not negative:
                seq.insert(0, seq.pop(k))
                break
    node, negative = seq[0]
    if negative:
        node = b.constant(-b.const[node]) if b.ops[node] == CONST and node not in b.names else b.neg(None, node)
    for x, negative in seq[1:]:
        node = b.sub(node, x) if negative else b.add(node, x)
    return node
