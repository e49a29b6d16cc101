"""Teaching commands: `cg explain` (the passes step by step) and `cg graph` (pictures).

Wiring only: argv -> Graph (optionally with gates expanded) -> Result -> one view.
Imported on every `cg` call, so only the standard library at module level.
"""
import sys
from typing import List, Literal, Optional

import typer

from .app import OUTPUT_OPTION, SET_OPTION, SHAPE_OPTION, _VAR_OPTIONS, app, expr_argument, load
from .app import MAX_FILE_SIZE_OPTION, MAX_NODES_OPTION, set_limits
from ..core.errors import InputError
from ..core.fmt import PRECISION
from ..views.output import is_terminal, render, write_text

EXPLAIN_FORMATS = ("text", "markdown", "latex", "json", "html")
GRAPH_FORMATS = ("dot", "mermaid", "svg", "png", "pdf")
# cg graph -o FILE without --format: the format from FILE's extension
GRAPH_EXTENSIONS = {".dot": "dot", ".gv": "dot", ".mmd": "mermaid", ".svg": "svg", ".png": "png", ".pdf": "pdf"}


_EXPAND_HELP = "Lower composite functions (sigmoid, tanh) to primitive gates (*-1, exp, +1, 1/x)."


@app.command("explain", context_settings=_VAR_OPTIONS)
def explain_cmd(
    args: Optional[List[str]] = expr_argument(),
    format: str = typer.Option("text", "--format", metavar="text|markdown|latex|json|html",
                               help="Plain text, a Markdown or LaTeX handout, the steps as JSON, or a "
                                    "self-contained HTML page to step through (needs Graphviz's dot)."),
    file: Optional[str] = typer.Option(None, "-o", metavar="FILE",
                                       help="Write to FILE instead of stdout ('-' is stdout)."),
    step: bool = typer.Option(False, "--step", help="Step through the passes on the terminal, one gate "
                                                    "per key (→/space next, ← back, Home, End, q quit)."),
    json_out: bool = typer.Option(False, "--json", help="The steps as one strict JSON object (schema cg.explain/1)."),
    precision: int = typer.Option(PRECISION, "--precision", min=1, max=17,
                                  help="Significant digits of the numbers shown (JSON: always all)."),
    decimals: Optional[int] = typer.Option(None, "--decimals", min=0, max=12,
                                           help="Fixed decimal places instead (the seeds write 0.73: --decimals 2)."),
    expand: bool = typer.Option(False, "--expand", help=_EXPAND_HELP),
    reveal: Literal["passes", "all"] = typer.Option("passes", "--reveal", metavar="passes|all",
                               help="--step and html: show each number once the passes compute it "
                                    "(passes), or every number from the first step (all)."),
    quiz: bool = typer.Option(False, "--quiz", help="--step and html: type each step's number before "
                                                    "it is revealed; a wrong one gets cg check's slip."),
    sets: Optional[List[str]] = SET_OPTION,
    output: Optional[str] = OUTPUT_OPTION,
    max_nodes: Optional[int] = MAX_NODES_OPTION,
    max_file_size: Optional[int] = MAX_FILE_SIZE_OPTION,
):
    """Explain the forward and backward passes step by step.

    Each gate's value, then each edge's upstream × local = downstream, fan-out sums, gradients.

    \b
    Examples:
      cg explain "(x+y)*z" --x 2 --y 3 --z -4
      cg explain "sigmoid(w0*x0 + w1*x1 + w2)" --expand --decimals 2 --w0 2 --x0 -1 --w1 -3 --x1 -2 --w2 -3
      cg explain "q = x + y; f = q * z" --x 1 --y 3 --z -3 --format markdown > handout.md
      cg explain "x*x + x" --x 3 --format latex > steps.tex
      cg explain "(x+y)*z" --x 2 --y 3 --z -4 --format html -o page.html
      cg explain "x*y + x" --x 3 --y -2 --step
      cg explain "(x+y)*z" --x 2 --y 3 --z -4 --format html --quiz -o quiz.html
    """
    set_limits(max_nodes, max_file_size)
    view = "json" if json_out else format
    if view not in EXPLAIN_FORMATS:
        raise InputError(f"cg: unknown format {view!r}: choose text, markdown, latex, json or html")
    if (quiz or reveal != "passes") and not (step or view == "html"):
        raise InputError(f"cg: {'--quiz' if quiz else '--reveal'} is for the step-throughs: add --step, "
                         "or --format html -o page.html")
    if quiz and reveal == "all":
        raise InputError("cg: --quiz asks for the numbers before they are shown: leave out --reveal all")
    if file == "-":
        file = None
    if step:
        if json_out or format != "text" or file is not None:
            raise InputError("cg: --step is the terminal step-through; leave out --format, --json and -o")
        if not (is_terminal(sys.stdin) and is_terminal(sys.stdout)):
            raise InputError("cg: --step needs a terminal (stdin and stdout), to read keys and redraw",
                             hint="without one, use --format text, or --format html -o page.html "
                                  "to step through in a browser")
    _, graph, inputs = load(args or [], sets or [], command="explain", output=output)
    from .app import split_args
    expr = split_args(args or [], sets or [], "explain")[0]
    # a program file or stdin: the views name it (and count its statements) instead of its text
    origin = expr if expr == "-" or (expr.endswith(".cg") and "\n" not in expr) else None
    from ..teach.diagnose import run_with_diagnostics
    from ..teach.expand import lowered
    result = run_with_diagnostics(lowered(graph, expand), inputs)
    from ..teach.steps import walk
    steps = walk(result)
    if step:
        from ..teach.steps import frames
        from ..views.stepper import run as step_through
        step_through(result, steps, frames(result, steps), precision, decimals, reveal=reveal, quiz=quiz)
        return
    from ..views.handout import document
    width = None
    if view in ("text", "markdown") and file is None and is_terminal(sys.stdout):
        import shutil                              # a terminal: wrap at its width; piped: as is
        width = shutil.get_terminal_size().columns
    write_text(document(view, result, steps, precision, decimals, origin, reveal, quiz, width), file)
    if view == "json":
        for w in result.warnings:
            print(f"cg: warning: {w}", file=sys.stderr)


@app.command("graph", context_settings=_VAR_OPTIONS)
def graph_cmd(
    args: Optional[List[str]] = expr_argument("then optionally a value for each variable"),
    format: Optional[str] = typer.Option(None, "--format", metavar="dot|mermaid|svg|png|pdf",
                                         help="DOT or Mermaid text, or an SVG/PNG/PDF picture drawn by "
                                              "Graphviz's dot (default: from -o FILE's extension, else dot)."),
    output: Optional[str] = typer.Option(None, "-o", "--output", metavar="FILE",
                                         help="Write to FILE (.dot .gv .mmd .svg .png .pdf) instead of "
                                              "stdout; '-' is stdout."),
    rankdir: Optional[str] = typer.Option(None, "--rankdir", metavar="TB|LR",
                                          help="Top to bottom or left to right (default: TB when the "
                                               "longest path has more than 4 gates, else LR)."),
    edge_grads: bool = typer.Option(False, "--edge-grads",
                                    help="Label each edge with the gradient it carries back "
                                         "(upstream × local)."),
    precision: int = typer.Option(PRECISION, "--precision", min=1, max=17, help="Significant digits in the boxes."),
    expand: bool = typer.Option(False, "--expand", help=_EXPAND_HELP),
    sets: Optional[List[str]] = SET_OPTION,
    shape: Optional[List[str]] = SHAPE_OPTION,
    max_nodes: Optional[int] = MAX_NODES_OPTION,
    max_file_size: Optional[int] = MAX_FILE_SIZE_OPTION,
):
    """Draw the computational graph: DOT, Mermaid, SVG, PNG or PDF.

    A box per node with its value and gradient (without values: the structure).

    \b
    Examples:
      cg graph "(x+y)*z" --x 2 --y 3 --z -4                 # DOT text
      cg graph "(x+y)*z" --format mermaid                   # structure only, Mermaid
      cg graph "sigmoid(w*x + b)" --expand --w 2 --x 1 --b -1 -o neuron.svg
      cg graph "(x+y)*z" --x 2 --y 3 --z -4 --edge-grads --rankdir LR -o g.png
    """
    set_limits(max_nodes, max_file_size)
    if output == "-":
        output = None
    if format is None:
        format = "dot"
        if output is not None:
            import os
            ext = os.path.splitext(output)[1].lower()
            if ext not in GRAPH_EXTENSIONS:
                raise InputError(f"cg: cannot tell the format of {output} from its extension",
                                 hint="name it .dot .gv .mmd .svg .png or .pdf, or give --format")
            format = GRAPH_EXTENSIONS[ext]
    if format not in GRAPH_FORMATS:
        raise InputError(f"cg: unknown format {format!r}: choose dot, mermaid, svg, png or pdf")
    if rankdir is not None:
        rankdir = rankdir.upper()
        if rankdir not in ("TB", "LR"):
            raise InputError(f"cg: unknown --rankdir {rankdir!r}: choose TB (top to bottom) or LR (left to right)")
    shapes = None
    if shape:
        from ..core.values import parse_shapes
        shapes = parse_shapes(shape)
    program, graph, inputs = load(args or [], sets or [], require_all=False, command="graph", shapes=shapes)
    from ..teach.diagnose import run_with_diagnostics
    from ..teach.expand import lowered
    graph = lowered(graph, expand)
    from ..core.values import all_or_none
    from .app import args_hint
    all_or_none(graph, inputs, "(give every value, or none to draw the structure alone)",
                lambda: args_hint(args or [], sets or [], graph, "graph"))
    result = run_with_diagnostics(graph, inputs) if inputs else None
    if edge_grads and result is None:
        raise InputError("cg: --edge-grads needs the values of the variables (the gradients come from them)")
    from ..views import picture
    rankdir = rankdir or picture.default_rankdir(graph)
    edges = None
    if edge_grads:
        from ..teach.steps import walk
        edges = picture.edge_grads(walk(result), precision)
    if format == "mermaid":
        write_text(picture.mermaid(graph, result, precision, rankdir, edges), output)
        return
    text = picture.dot(graph, result, precision, rankdir, edges)
    if format == "dot":
        write_text(text, output)
        return
    render(text, format, output)

