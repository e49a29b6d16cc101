"""`cg diff`: symbolic derivatives, higher orders and Hessians (cgcli.symbolic), printed as
text, cg programs, LaTeX or JSON (cgcli.views.symbolic). Registered on cg's app on import;
everything heavier than the standard library is imported inside the command."""
import sys
from typing import List, Optional

import typer

from .app import OUTPUT_OPTION, SET_OPTION, _VAR_OPTIONS, app, expr_argument, load
from .app import MAX_FILE_SIZE_OPTION, MAX_NODES_OPTION, set_limits
from ..core.errors import InputError

DIFF_FORMATS = ("text", "cg", "latex", "json")
MAX_ORDER = 8


@app.command("diff", context_settings=_VAR_OPTIONS)
def diff_cmd(
    args: Optional[List[str]] = expr_argument(
        "then optionally a value for each variable: every derivative is then also evaluated"),
    wrt: Optional[List[str]] = typer.Option(
        None, "--wrt", metavar="NAME",
        help="Differentiate with respect to NAME (default: every variable). Repeat for higher "
             "derivatives: --wrt x --wrt y is d/dy d/dx."),
    order: Optional[int] = typer.Option(None, "--order", min=1, max=MAX_ORDER,
                                        help="Derivatives of this order (every combination of the variables, "
                                             "or of the one --wrt variable)."),
    hessian: bool = typer.Option(False, "--hessian", help="The Hessian matrix (of the --wrt variables, "
                                                          "default all) as a table."),
    json_out: bool = typer.Option(False, "--json", help="Print one strict JSON object (same as --format json)."),
    format: Optional[str] = typer.Option(None, "--format", metavar="text|cg|latex|json",
                                         help="text (default), cg (programs cg eval reads back), latex, json."),
    precision: Optional[int] = typer.Option(None, "--precision", min=1, max=17,
                                            help="Significant digits of the values."),
    sets: Optional[List[str]] = SET_OPTION,
    output: Optional[str] = OUTPUT_OPTION,
    max_nodes: Optional[int] = MAX_NODES_OPTION,
    max_file_size: Optional[int] = MAX_FILE_SIZE_OPTION,
):
    """Symbolic derivatives of EXPR: the backward pass run over expressions.

    \b
    Examples:
      cg diff "(x+y)*z" --wrt x                  # z
      cg diff "sigmoid(x)"                       # ∂f/∂x = sigmoid(x)*(1 - sigmoid(x))
      cg diff "x^3*y" --order 2                  # every second derivative
      cg diff "x^3*y" --hessian --x 1 --y 2      # symbolic and numeric Hessian
      cg diff "sin(x)*x" --format latex
      cg diff "x*x" --wrt x --format cg | cg eval - --x 3
    """
    set_limits(max_nodes, max_file_size)
    from ..symbolic.diff import diff
    view = "json" if json_out else (format or "text")
    if view not in DIFF_FORMATS:
        raise InputError(f"cg: unknown format {view!r}: choose text, cg, latex or json")
    program, graph, inputs = load(args or [], sets or [], require_all=False, command="diff", output=output)
    from ..core.values import all_or_none
    from .app import args_hint
    all_or_none(graph, inputs, "(give every variable a value, or none for the derivatives alone)",
                lambda: args_hint(args or [], sets or [], graph, "diff"))
    from ..symbolic.orders import derivatives
    wrts, hess = derivatives(graph, list(wrt or []), order, hessian)
    result = diff(graph, wrts, inputs or None, hess)
    from ..views import symbolic as view_mod
    out = sys.stdout
    if view == "json":
        view_mod.write_json(result, out)
    elif view == "latex":
        view_mod.write_latex(result, out, precision)
    elif view == "cg":
        view_mod.write_programs(result, out)
    else:
        view_mod.write_text(result, out, precision)

