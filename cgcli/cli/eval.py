"""`cg eval`: argv -> Graph -> Result -> one view (table and tree, JSON, TOML, bare numbers)."""
import sys
from typing import List, Optional

import typer

from ..core.errors import InputError
from .app import FORMATS, OUTPUT_OPTION, SET_OPTION, SHAPE_OPTION, _VAR_OPTIONS, app, expr_argument, load
from .app import MAX_FILE_SIZE_OPTION, MAX_NODES_OPTION, set_limits


@app.command("eval", context_settings=_VAR_OPTIONS)
def eval_cmd(
    args: Optional[List[str]] = expr_argument(),
    json_out: bool = typer.Option(False, "--json", help="Print one strict JSON object (same as --format json)."),
    format: Optional[str] = typer.Option(None, "--format", metavar="table|tree|json|toml",
                                         help="What to show; the default shows the table and the tree; "
                                              "toml is an answer key (see cg key)."),
    precision: Optional[int] = typer.Option(None, "--precision", min=1, max=17,
                                            help="Significant digits in the table and tree "
                                                 "(default 4; 17: every digit)."),
    sets: Optional[List[str]] = SET_OPTION,
    get: Optional[List[str]] = typer.Option(None, "--get", metavar="TARGET",
                                            help="Print only this number: value, grad.NAME or node.NAME "
                                                 "(repeatable: one per line)."),
    points: Optional[str] = typer.Option(None, "--points", metavar="FILE",
                                         help="JSON Lines: one object of variable values per line ('-' is "
                                              "stdin); writes one JSON result per line."),
    expand: bool = typer.Option(False, "--expand",
                                help="Lower composite functions (sigmoid, tanh) to primitive gates."),
    sort: Optional[str] = typer.Option(None, "--sort", metavar="grad",
                                       help="Table rows by |gradient|, largest first."),
    depth: Optional[int] = typer.Option(None, "--depth", min=1, help="Tree levels shown (default 30)."),
    check: bool = typer.Option(False, "--check",
                               help="Also compare every gradient with central finite differences; "
                                    "exit 1 on a mismatch."),
    output: Optional[str] = OUTPUT_OPTION,
    shape: Optional[List[str]] = SHAPE_OPTION,
    max_nodes: Optional[int] = MAX_NODES_OPTION,
    max_file_size: Optional[int] = MAX_FILE_SIZE_OPTION,
):
    """Evaluate EXPR and its gradients: forward pass, then backward pass.

    \b
    Examples:
      cg eval "(x+y)*z" --x 2 --y 3 --z -4
      cg eval "sigmoid(w0*x0 + w1*x1 + w2)" --w0 2 --x0 -1 --w1 -3 --x1 -2 --w2 -3
      cg eval "q = x + y; f = q * z" --x 2 --y 3 --z -4 --json
      cg eval "sin(x)^2" --x pi/4 --format tree
      echo "x*x" | cg eval - --x 3
      cg eval "(x+y)*z" --x 2 --y 3 --z -4 --get grad.z
      cg eval "sigmoid(w*x + b)" --w 2 --b -1 --points points.jsonl
      cg eval "x^2*sin(y)" --x 2 --y 1 --check
    """
    set_limits(max_nodes, max_file_size)
    from ..teach.diagnose import run_with_diagnostics
    view = "json" if json_out else (format or "both")
    if view not in FORMATS:
        raise InputError(f"cg: unknown format {view!r}: choose table, tree, json or toml")
    if sort not in (None, "grad"):
        raise InputError(f"cg: unknown sort {sort!r}: --sort grad orders the table by |gradient|")
    if check and (get or points is not None or view == "toml"):
        raise InputError("cg: --check goes with the table, tree or json output, not --get, --points or toml")
    if points is not None:                    # scripting outputs: check_run.py
        if expand or sort or depth:
            raise InputError("cg: --expand, --sort and --depth do not apply to --points (JSON Lines)")
        if output is not None:
            raise InputError("cg: --output does not apply to --points; end the program with the output's name")
        from .check_run import eval_points
        raise typer.Exit(eval_points(args or [], sets or [], points, get or [], view, shape))
    if get and (json_out or format):
        raise InputError("cg: --get prints bare numbers; leave out --json and --format")
    shapes = None
    if shape:
        from ..core.values import parse_shapes
        shapes = parse_shapes(shape)
    program, graph, inputs = load(args or [], sets or [], output=output, shapes=shapes)
    if expand:
        from ..teach.expand import expand as lower_gates
        graph = lower_gates(graph)
    if get:
        from .check_run import get_targets, print_targets
        targets = get_targets(graph, get)
    result = run_with_diagnostics(graph, inputs)
    report = None
    if check:
        from ..check.gradcheck import check as gradient_check
        report = gradient_check(graph, inputs, result.grads)
    if get:
        print_targets(result, targets)
    elif view == "toml":
        from .check_run import print_toml
        print_toml(result)
    elif view == "json":
        from ..views import json as json_view
        extra = None
        if report is not None:
            from ..views.symbolic import check_json
            extra = {"check": check_json(report)}
        json_view.write(result, sys.stdout, extra=extra)
        for w in result.warnings:
            print(f"cg: warning: {w}", file=sys.stderr)
    else:
        from ..views import rich as rich_view
        from ..core.fmt import PRECISION
        rich_view.print_eval(result, view, precision or PRECISION, sort=sort, depth=depth)
        if report is not None:
            from ..views.symbolic import print_check
            print_check(report, precision)
    if report is not None and not report.passed:
        from ..core.errors import CheckFailed
        from ..views.symbolic import check_summary
        raise CheckFailed(f"cg: {check_summary(report)}")
