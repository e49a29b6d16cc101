"""Teaching commands: `cg explain` (the passes step by step) and `cg graph` (pictures).

Wiring only: argv -> Graph (optionally with gates expanded) -> Result -> one view.
Imported on every `cg` call, so only the standard library at module level.
"""
import sys
from typing import List, Optional

import typer

from .cli import OUTPUT_OPTION, SET_OPTION, _VAR_OPTIONS, app, expr_argument, load
from .errors import InputError

EXPLAIN_FORMATS = ("text", "markdown", "latex", "json")
GRAPH_FORMATS = ("dot", "mermaid", "svg", "png")


def lowered(graph, expand: bool):
    """The graph, with composite ops (sigmoid, tanh, ...) lowered to primitive gates if asked."""
    if not expand:
        return graph
    from .expand import expand as lower
    return lower(graph)


def run_with_diagnostics(graph, inputs):
    """The passes, then the diagnostics (dead relus, saturated gates, vanishing gradients)
    appended to the Result's warnings."""
    from .diagnose import diagnose
    from .passes import run
    result = run(graph, inputs)
    result.warnings += diagnose(result)
    return result


_EXPAND_HELP = "Lower composite functions (sigmoid, tanh) to primitive gates (*-1, exp, +1, 1/x)."


@app.command("explain", context_settings=_VAR_OPTIONS)
def explain_cmd(
    args: Optional[List[str]] = expr_argument(),
    format: str = typer.Option("text", "--format", metavar="text|markdown|latex|json",
                               help="Plain text, a Markdown or LaTeX handout, or the steps as JSON."),
    json_out: bool = typer.Option(False, "--json", help="The steps as one strict JSON object (schema cg.explain/1)."),
    precision: int = typer.Option(3, "--precision", min=1, max=17,
                                  help="Significant digits of the numbers shown (JSON: always all)."),
    decimals: Optional[int] = typer.Option(None, "--decimals", min=0, max=12,
                                           help="Fixed decimal places instead (the seeds write 0.73: --decimals 2)."),
    expand: bool = typer.Option(False, "--expand", help=_EXPAND_HELP),
    sets: Optional[List[str]] = SET_OPTION,
    output: Optional[str] = OUTPUT_OPTION,
):
    """Explain the forward and backward passes step by step.

    Each gate's value, then each edge's upstream × local = downstream, fan-out sums, gradients.

    \b
    Examples:
      cg explain "(x+y)*z" --x 2 --y 3 --z -4
      cg explain "sigmoid(w0*x0 + w1*x1 + w2)" --expand --decimals 2 --w0 2 --x0 -1 --w1 -3 --x1 -2 --w2 -3
      cg explain "q = x + y; f = q * z" --x 1 --y 3 --z -3 --format markdown > handout.md
      cg explain "x*x + x" --x 3 --format latex > steps.tex
    """
    view = "json" if json_out else format
    if view not in EXPLAIN_FORMATS:
        raise InputError(f"cg: unknown format {view!r}: choose text, markdown, latex or json")
    _, graph, inputs = load(args or [], sets or [], command="explain", output=output)
    result = run_with_diagnostics(lowered(graph, expand), inputs)
    from .steps import walk
    from .views import explain as ex
    steps = walk(result)
    if view == "json":
        ex.write_json(result, steps, sys.stdout)
        for w in result.warnings:
            print(f"cg: warning: {w}", file=sys.stderr)
    elif view == "latex":
        sys.stdout.write(ex.latex(result, steps, precision, decimals))
    else:
        sys.stdout.write(ex.text(result, steps, view == "markdown", precision, decimals))


@app.command("graph", context_settings=_VAR_OPTIONS)
def graph_cmd(
    args: Optional[List[str]] = expr_argument("then optionally a value for each variable"),
    format: str = typer.Option("dot", "--format", metavar="dot|mermaid|svg|png",
                               help="DOT or Mermaid text, or an SVG/PNG picture drawn by Graphviz's dot."),
    output: Optional[str] = typer.Option(None, "-o", "--output", metavar="FILE",
                                         help="Write to FILE instead of stdout (needed for PNG on a terminal)."),
    precision: int = typer.Option(4, "--precision", min=1, max=17, help="Significant digits in the boxes."),
    expand: bool = typer.Option(False, "--expand", help=_EXPAND_HELP),
    sets: Optional[List[str]] = SET_OPTION,
):
    """Draw the computational graph: DOT, Mermaid, SVG or PNG.

    Left to right, a box per node with its value and gradient (without values: the structure).

    \b
    Examples:
      cg graph "(x+y)*z" --x 2 --y 3 --z -4                 # DOT text
      cg graph "(x+y)*z" --format mermaid                   # structure only, Mermaid
      cg graph "sigmoid(w*x + b)" --expand --w 2 --x 1 --b -1 --format svg -o neuron.svg
    """
    if format not in GRAPH_FORMATS:
        raise InputError(f"cg: unknown format {format!r}: choose dot, mermaid, svg or png")
    program, graph, inputs = load(args or [], sets or [], require_all=False, command="graph")
    graph = lowered(graph, expand)
    result = None
    if inputs:                  # some values given: all are needed
        missing = [n for n in graph.variables if n not in inputs]
        if missing:
            from .cli import missing_hint, split_args
            expr, raw = split_args(args or [], sets or [])
            s = "s" if len(missing) > 1 else ""
            raise InputError(f"cg: missing value{s} for {', '.join(missing)} (give every value, or none "
                             f"to draw the structure alone)", hint=missing_hint(expr, graph, raw, "graph"))
        result = run_with_diagnostics(graph, inputs)
    from .views import picture
    if format == "mermaid":
        _emit_text(picture.mermaid(graph, result, precision), output)
        return
    text = picture.dot(graph, result, precision)
    if format == "dot":
        _emit_text(text, output)
        return
    _render(text, format, output)


def _emit_text(text: str, output: Optional[str]) -> None:
    if output is None:
        sys.stdout.write(text)
        return
    try:
        with open(output, "w", encoding="utf-8") as f:
            f.write(text)
    except OSError as e:
        raise InputError(f"cg: cannot write {output}: {e.strerror}") from None


def _render(dot_text: str, fmt: str, output: Optional[str]) -> None:
    """SVG/PNG through Graphviz's `dot` program; binary output never goes to a terminal."""
    import shutil
    import subprocess
    exe = shutil.which("dot")
    if exe is None:
        raise InputError(f"cg: --format {fmt} needs Graphviz's dot program, which is not installed",
                         hint="install it (Debian/Ubuntu: apt-get install graphviz), or use --format dot "
                              "or --format mermaid for text")
    binary = fmt == "png"
    if output is None and binary and _is_terminal(sys.stdout):
        raise InputError("cg: not writing a PNG image to the terminal",
                         hint="give -o FILE, or redirect: cg graph ... --format png > graph.png")
    p = subprocess.run([exe, f"-T{fmt}"], input=dot_text.encode("utf-8"), capture_output=True)
    if p.returncode != 0:
        raise InputError(f"cg: Graphviz's dot failed: {p.stderr.decode('utf-8', 'replace').strip()}")
    data = p.stdout
    if output is not None:
        try:
            with open(output, "wb") as f:
                f.write(data)
        except OSError as e:
            raise InputError(f"cg: cannot write {output}: {e.strerror}") from None
        return
    buffer = getattr(sys.stdout, "buffer", None)
    if buffer is not None:
        sys.stdout.flush()
        buffer.write(data)
        buffer.flush()
    elif binary:
        raise InputError("cg: this output cannot take a PNG image", hint="give -o FILE")
    else:
        sys.stdout.write(data.decode("utf-8"))


def _is_terminal(stream) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False
