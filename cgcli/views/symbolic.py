"""Views of symbolic derivatives (a DiffResult) and of a gradient check (a CheckReport).

Formats of `cg diff`:
  text   one line per derivative, `∂f/∂x = z`, then `= value` when values were given;
         shared subexpressions once, in a `where` block; the Hessian as a Rich table
  cg     each derivative as a cg program (definitions as assignments, then the derivative):
         `cg eval -` reads it back
  latex  one LaTeX line per derivative (the Hessian as a pmatrix)
  json   schema cg.diff/1 (README)
They render a finished result and never compute (values come with the DiffResult).
"""
from __future__ import annotations

from ..core.fmt import fmt, json_number
from ..symbolic.infix import latex_number, render
from ..symbolic.diff import latex_notation, notation
from ..core.formats import quote

SCHEMA = "cg.diff/1"


def _value(v, precision=None) -> str:
    return fmt(v, precision)


def _printed(result, style):
    return render(result.graph, result.roots, style, reserved=result.variables)


# --- text -------------------------------------------------------------------------------

def write_text(result, out, precision=None) -> None:
    if not result.variables:
        out.write("the expression has no variables: every derivative is 0\n")
        return
    if result.hessian is not None:
        return print_hessian(result, out, precision)
    p = _printed(result, "plain")
    w = out.write
    single = len(result.roots) == 1 and result.values is None
    for wrt, r in zip(result.wrts, result.roots):
        line = p.text(r) if single else f"{notation(wrt, result.f)} = {p.ref(r)}"
        if result.values is not None:
            line += f" = {_value(result.values[r], precision)}"
        w(line + "\n")
    _where(p, result, w, precision)
    for msg in result.warnings:
        _warn(msg)


def _where(p, result, w, precision, prefix="where "):
    defs = p.definitions()
    for k, (name, text, node) in enumerate(defs):
        lead = prefix if k == 0 else " " * len(prefix)
        line = f"{lead}{name} = {text}"
        if result.values is not None:
            line += f" = {_value(result.values[node], precision)}"
        w(line + "\n")


def _warn(msg):
    import sys
    print(f"cg: warning: {msg}", file=sys.stderr)


def print_hessian(result, out, precision=None) -> None:
    from rich.table import Table

    from .rich import console
    p = _printed(result, "plain")
    names = result.hessian
    n = len(names)
    c = console(out)
    c.print(f"Hessian (row i, column j: ∂²{result.f}/∂i∂j)")
    t = Table()
    t.add_column("", style="bold", no_wrap=True)
    for v in names:
        t.add_column(v, overflow="fold")
    for i, u in enumerate(names):
        t.add_row(u, *[p.ref(result.roots[i * n + j]) for j in range(n)])
    c.print(t)
    if result.values is not None:
        at = ", ".join(f"{k} = {fmt(v)}" for k, v in result.inputs.items())
        c.print(f"Hessian at {at}")
        t = Table()
        t.add_column("", style="bold", no_wrap=True)
        for v in names:
            t.add_column(v, justify="right", no_wrap=True)
        for i, u in enumerate(names):
            t.add_row(u, *[_value(result.values[result.roots[i * n + j]], precision) for j in range(n)])
        c.print(t)
    lines = []
    _where(p, result, lambda s: lines.append(s), precision)
    if lines:
        out.write("".join(lines))
    for msg in result.warnings:
        _warn(msg)


# --- cg programs and LaTeX -----------------------------------------------------------------

def write_programs(result, out) -> None:
    p = _printed(result, "plain")
    many = len(result.roots) > 1
    for wrt, r in zip(result.wrts, result.roots):
        if many:
            out.write(f"# {notation(wrt, result.f)}\n")
        out.write(p.program(r) + "\n")
    for msg in result.warnings:
        _warn(msg)


def write_latex(result, out, precision=None) -> None:
    p = _printed(result, "latex")
    w = out.write
    if result.hessian is not None:
        names = result.hessian
        n = len(names)
        rows = [" & ".join(p.ref(result.roots[i * n + j]) for j in range(n)) for i in range(n)]
        w(r"H = \begin{pmatrix} " + r" \\ ".join(rows) + r" \end{pmatrix}" + "\n")
        if result.values is not None:
            rows = [" & ".join(latex_number(fmt(result.values[result.roots[i * n + j]])) for j in range(n))
                    for i in range(n)]
            w(r"H = \begin{pmatrix} " + r" \\ ".join(rows) + r" \end{pmatrix}" + "\n")
    else:
        for wrt, r in zip(result.wrts, result.roots):
            line = f"{latex_notation(wrt, result.f)} = {p.ref(r)}"
            if result.values is not None:
                line += f" = {latex_number(fmt(result.values[r]))}"
            w(line + "\n")
    for k, (name, text, node) in enumerate(p.definitions()):
        lead = r"\text{where } " if k == 0 else r"\phantom{\text{where }} "
        w(f"{lead}{name} = {text}\n")
    for msg in result.warnings:
        _warn(msg)


# --- JSON ------------------------------------------------------------------------------------

def write_json(result, out) -> None:
    plain = _printed(result, "plain")
    latex = _printed(result, "latex")
    vals = result.values
    parts = [f'"schema": "{SCHEMA}"', f'"expression": {quote(result.source)}',
             '"variables": [' + ", ".join(quote(v) for v in result.variables) + "]"]
    if result.inputs is not None:
        parts.append('"inputs": {' + ", ".join(f"{quote(k)}: {json_number(v)}" for k, v in result.inputs.items()) + "}")
        parts.append(f'"value": {json_number(result.value)}')
    ders = []
    for wrt, r in zip(result.wrts, result.roots):
        d = [f'"wrt": [{", ".join(quote(v) for v in wrt)}]', f'"notation": {quote(notation(wrt, result.f))}',
             f'"expression": {quote(plain.ref(r))}', f'"program": {quote(plain.program(r))}',
             f'"latex": {quote(latex.ref(r))}']
        if vals is not None:
            d.append(f'"value": {json_number(vals[r])}')
        ders.append("{" + ", ".join(d) + "}")
    parts.append('"derivatives": [' + ", ".join(ders) + "]")
    where = []
    for (name, text, node), (_, ltext, _) in zip(plain.definitions(), latex.definitions()):
        d = [f'"name": {quote(name)}', f'"expression": {quote(text)}', f'"latex": {quote(ltext)}']
        if vals is not None:
            d.append(f'"value": {json_number(vals[node])}')
        where.append("{" + ", ".join(d) + "}")
    parts.append('"where": [' + ", ".join(where) + "]")
    if result.hessian is not None:
        names = result.hessian
        n = len(names)

        def matrix(cell):
            return "[" + ", ".join("[" + ", ".join(cell(result.roots[i * n + j]) for j in range(n)) + "]"
                                   for i in range(n)) + "]"
        h = ['"variables": [' + ", ".join(quote(v) for v in names) + "]",
             '"expressions": ' + matrix(lambda r: quote(plain.ref(r)))]
        if vals is not None:
            h.append('"values": ' + matrix(lambda r: json_number(vals[r])))
        parts.append('"hessian": {' + ", ".join(h) + "}")
    parts.append('"warnings": [' + ", ".join(quote(m) for m in result.warnings) + "]")
    out.write("{" + ", ".join(parts) + "}\n")
    for msg in result.warnings:
        _warn(msg)


# --- gradient check ----------------------------------------------------------------------------

def check_json(report) -> str:
    """The `check` member of cg.eval/1 (with --check)."""
    rows = []
    for v in report.variables:
        rows.append(f"{quote(v.name)}: {{\"grad\": {json_number(v.grad)}, \"numeric\": {json_number(v.numeric)}, "
                    f"\"error\": {json_number(v.error)}, \"step\": {json_number(v.step)}, "
                    f"\"verdict\": {quote(v.verdict)}, \"note\": {quote(v.note)}}}")
    return (f'{{"passed": {"true" if report.passed else "false"}, "tolerance": {json_number(report.tolerance)}, '
            f'"max_error": {json_number(report.max_error)}, "variables": {{{", ".join(rows)}}}}}')


def check_table(report, precision=None):
    from rich.table import Table
    t = Table()
    for col, just in (("variable", "left"), ("value", "right"), ("backward", "right"),
                      ("finite difference", "right"), ("rel. error", "right"), ("step", "right"),
                      ("verdict", "left")):
        t.add_column(col, justify=just, no_wrap=col != "verdict")
    for v in report.variables:
        err = "—" if v.error != v.error else f"{v.error:.1e}"
        num = "—" if v.numeric != v.numeric else fmt(v.numeric, precision or 10)
        verdict = v.verdict + (f": {v.note}" if v.note and v.verdict != "ok" else "")
        style = None if v.passed else "bold red"
        t.add_row(v.name, fmt(v.value, precision), fmt(v.grad, precision), num, err, f"{v.step:.1e}",
                  verdict, style=style)
    return t


def check_summary(report) -> str:
    if report.passed:
        return (f"gradient check passed: max relative error {report.max_error:.1e} "
                f"(tolerance {report.tolerance:g})")
    bad = ", ".join(f"{v.name} ({v.verdict})" for v in report.failures)
    return f"gradient check FAILED for {bad} (tolerance {report.tolerance:g})"


def print_check(report, precision=None, file=None) -> None:
    from rich.text import Text

    from .rich import console
    c = console(file)
    c.print("gradient check: backward pass vs central finite differences")
    c.print(check_table(report, precision))
    c.print(Text(check_summary(report), style="bold green" if report.passed else "bold red"))
