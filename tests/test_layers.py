"""The package's layers, kept one way: a module may import its own layer's modules and the
layers below it, never one above, and no two modules import each other, however indirectly.

    core (cgcli.core)                          imports nothing above
    engines (cgcli.batch)                      the core
    areas (cgcli.check, teach, symbolic, train) the core, the engines, and each other without cycles
    views (cgcli.views)                        read finished results: the areas and the core
    cli (cgcli.cli) and the API (cgcli)        everything

Every import counts, also those inside functions (cg imports lazily for start-up speed: a lazy
import is still a dependency). The modules are read as text (ast), not imported.
"""
from __future__ import annotations

import ast
from pathlib import Path

import cgcli

PACKAGE = Path(cgcli.__file__).resolve().parent
LAYERS = {"core": 0, "batch": 1, "check": 2, "teach": 2, "symbolic": 2, "train": 2, "views": 3,
          "cli": 4, "": 5}


def modules() -> dict:
    out = {}
    for path in PACKAGE.rglob("*.py"):
        rel = path.relative_to(PACKAGE).with_suffix("")
        parts = list(rel.parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        out[".".join(["cgcli", *parts])] = path
    return out


MODULES = modules()


def imports(name: str, path: Path) -> set:
    """The cgcli modules `name` imports (absolute names), anywhere in the file."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[:len(base) - node.level + 1]
                mod = ".".join(base + ([node.module] if node.module else []))
            else:
                mod = node.module or ""
            targets = [mod] + [f"{mod}.{a.name}" for a in node.names]
        else:
            continue
        for t in targets:
            if t in MODULES and t != name:
                found.add(t)
    # `from .x import y` names both x and, when y is a module, x.y; keep only modules
    return found


GRAPH = {name: imports(name, path) for name, path in MODULES.items()}


def layer(name: str) -> tuple:
    parts = name.split(".")
    top = parts[1] if len(parts) > 1 and parts[1] in LAYERS else ""
    return top, LAYERS[top]


def test_layout_is_known():
    unknown = [n for n in MODULES if n.count(".") >= 1 and n.split(".")[1] not in LAYERS
               and not (MODULES[n].parent == PACKAGE)]
    assert not unknown, f"modules outside the known layers: {unknown}"


def test_no_upward_imports():
    bad = []
    for name, deps in GRAPH.items():
        pkg, rank = layer(name)
        for d in deps:
            dpkg, drank = layer(d)
            if drank > rank:
                bad.append(f"{name} ({pkg or 'api'}) imports {d} ({dpkg or 'api'})")
    assert not bad, "imports that go up a layer:\n" + "\n".join(sorted(bad))


def test_nothing_imports_the_cli():
    bad = [f"{n} imports {d}" for n, deps in GRAPH.items() for d in deps
           if layer(d)[0] == "cli" and layer(n)[0] not in ("cli", "")]
    assert not bad, "\n".join(bad)


def test_no_import_cycles():
    # Tarjan's strongly connected components, iteratively
    index, low, on, stack, comps, counter = {}, {}, set(), [], [], [0]
    for root in GRAPH:
        if root in index:
            continue
        work = [(root, iter(sorted(GRAPH[root])))]
        index[root] = low[root] = counter[0]
        counter[0] += 1
        stack.append(root)
        on.add(root)
        while work:
            v, it = work[-1]
            for w in it:
                if w not in index:
                    index[w] = low[w] = counter[0]
                    counter[0] += 1
                    stack.append(w)
                    on.add(w)
                    work.append((w, iter(sorted(GRAPH[w]))))
                    break
                if w in on:
                    low[v] = min(low[v], index[w])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[v])
                if low[v] == index[v]:
                    comp = []
                    while True:
                        w = stack.pop()
                        on.discard(w)
                        comp.append(w)
                        if w == v:
                            break
                    if len(comp) > 1:
                        comps.append(sorted(comp))
    assert not comps, "import cycles:\n" + "\n".join(" <-> ".join(c) for c in comps)


def test_the_checker_sees_imports():
    # the check itself must not be vacuous: the passes import the graph, the CLI imports the passes
    assert "cgcli.core.graph" in GRAPH["cgcli.core.passes"]
    assert any(d.startswith("cgcli.core") for d in GRAPH["cgcli.cli"]) or \
        any(d.startswith("cgcli.core") for n, deps in GRAPH.items() if n.startswith("cgcli.cli") for d in deps)


# --- the shelf for file formats (core/formats.py) ---------------------------------------------

SHELF = "cgcli.core.formats"


def test_the_shelf_imports_only_the_standard_library_and_the_core():
    import sys
    tree = ast.parse(MODULES[SHELF].read_text(encoding="utf-8"))
    outside = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            outside.update(a.name.split(".")[0] for a in node.names)
        elif isinstance(node, ast.ImportFrom) and not node.level:
            outside.add((node.module or "").split(".")[0])
    assert outside - {"__future__"} <= set(sys.stdlib_module_names), outside
    assert all(layer(d)[0] == "core" for d in GRAPH[SHELF]), GRAPH[SHELF]


# where a file format is still read by hand: only the API's reading of cg's own output (json.loads
# of the JSON it has just written); every user's file is read on the shelf
NOT_YET_ON_THE_SHELF = {"cgcli.api"}
BY_HAND = ("tomllib", "csv.reader", "JSONDecoder", "json.loads", "allow_nan", "read(BLOCK)")


def test_file_formats_are_read_and_written_on_the_shelf():
    found = []
    for name, path in MODULES.items():
        if name == SHELF or name in NOT_YET_ON_THE_SHELF:
            continue
        text = path.read_text(encoding="utf-8")
        found += [f"{name}: {w}" for w in BY_HAND if w in text]
    assert not found, "use cgcli.core.formats:\n" + "\n".join(found)
    assert GRAPH["cgcli.batch.points"] >= {SHELF} and SHELF in GRAPH["cgcli.train.data"]
