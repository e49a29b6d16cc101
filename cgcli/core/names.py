"""Where a user-written name becomes a node id, and what cg says when it does not.

One table per kind of name, one resolver, one did-you-mean and one "missing value" message:
- kind "variables": the expression's inputs (`--x 2`, `inputs = {x = 2}`, `--wrt x`);
- kind "names": the program's names, assigned (`c`, `c#2`) then inputs (`--output c`);
- kind "nodes": every name a node can be referred to by: inputs, assigned names and the n<id>
  names the table and the JSON show for unnamed nodes (answers `grad.n4`, `--node n4=...`,
  `--get grad.x`, `Result.grad_of`).
Commands, areas and the Python API call these; none builds its own lookup or suggestion.
"""
from __future__ import annotations

from .errors import InputError

KINDS = ("variables", "names", "nodes")


# --- did you mean ------------------------------------------------------------------------

def close(name: str, candidates, cutoff: float = 0.6):
    """The candidate closest to `name` (difflib's ratio >= cutoff), or None."""
    import difflib
    found = difflib.get_close_matches(name, list(candidates), n=1, cutoff=cutoff)
    return found[0] if found else None


def did_you_mean(candidate: str, prefix: str = "") -> str:
    """The one wording of a suggestion: 'did you mean --json?'."""
    return f"did you mean {prefix}{candidate}?"


def suggest(name: str, candidates, prefix: str = "", cutoff: float = 0.6) -> str:
    """'did you mean X? ' (to start a hint) when a candidate is close to `name`, else ''."""
    c = close(name, candidates, cutoff)
    return did_you_mean(c, prefix) + " " if c is not None else ""


# --- tables and the resolver -------------------------------------------------------------

def table(graph, kind: str = "nodes") -> dict:
    """name -> node id for one kind of name (see the module's docstring)."""
    if kind == "variables":
        return dict(graph.variables)
    if kind == "names":
        t = dict(graph.assigned)
        for v, i in graph.variables.items():
            t.setdefault(v, i)
        return t
    if kind != "nodes":
        raise ValueError(f"unknown kind of name {kind!r}: one of {', '.join(KINDS)}")
    from .graph import display_names, unnamed_prefix
    t: dict = {}
    for i, name in enumerate(display_names(graph)):
        if name.isidentifier():
            t.setdefault(name, i)
    t.update(graph.variables)
    t.update(graph.assigned)
    t.setdefault(f"{unnamed_prefix(graph)}{graph.output}", graph.output)   # the output's n<id> (now f)
    return t


def unknown(graph, name: str, kind: str = "nodes", what: str = "", option: str = "") -> InputError:
    """The error for a name that is not in `kind`'s table, with a did-you-mean and the names
    there are. `what` names where the name was written (--output, --params, inputs), `option`
    prefixes a variable given as an option (--x)."""
    if kind == "variables":
        have = list(graph.variables)
        hint = suggest(name, have, option) + f"the expression's variables: {', '.join(have) or 'none'}"
        where = f"{what}: " if what else f"{option}{name}: " if option else ""
        return InputError(f"cg: {where}{name} is not a variable of the expression", hint=hint)
    if kind == "names":
        have = list(graph.assigned) + [v for v in graph.variables if v not in graph.assigned]
        return InputError(f"cg: {what + ' ' + name + ': ' if what else ''}{name} is not a name of the program",
                          hint=suggest(name, have) + f"its names: {', '.join(have) or 'none'}")
    have = list(graph.variables) + list(graph.assigned)     # n<id> names exist but are not suggested
    return InputError(f"cg: {name} is not a variable or named node of the expression",
                      hint=suggest(name, have) +
                      f"the expression's variables and named nodes: {', '.join(have) or 'none'}")


def resolve(graph, name: str, kind: str = "nodes", what: str = "", option: str = "",
            names: dict | None = None) -> int:
    """The node id `name` refers to among `kind`'s names; InputError (unknown) otherwise.
    `names`: the kind's table when the caller resolves many names against one graph."""
    t = names if names is not None else table(graph, kind)
    i = t.get(name)
    if i is None:
        raise unknown(graph, name, kind, what, option)
    return i


def with_output(graph, name: str | None):
    """The same graph differentiating the node `name` addresses (cg's --output): an assigned
    name's last binding (c), an earlier binding (c#2), or an input."""
    if name is None:
        return graph
    from .graph import output_at
    return output_at(graph, resolve(graph, name, "names", "--output"))


# --- values not given --------------------------------------------------------------------

def missing_values(missing, where: str = "", why: str = "", hint: str | None = None) -> InputError:
    """The one message for inputs without a value: 'cg: missing values for x, y'.
    `where`: the place ('inputs: ' in a sheet); `why`: a parenthesised advice appended."""
    missing = list(missing)
    s = "s" if len(missing) > 1 else ""
    return InputError(f"cg: {where}missing value{s} for {', '.join(missing)}" + (f" {why}" if why else ""),
                      hint=hint)
