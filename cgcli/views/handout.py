"""`cg explain`'s documents, whole: plain text or Markdown (wrapped to a terminal's width when
given one), LaTeX, the steps as JSON (cg.explain/1), or the self-contained HTML page to step
through, the graph drawn beside the steps by Graphviz's dot (`cg practice --html` puts one such
page per problem in its quiz). Renders a finished Result and its steps (cgcli.teach.steps)."""
from __future__ import annotations

FORMATS = ("text", "markdown", "latex", "json", "html")


def document(view: str, result, steps, precision: int = 4, decimals=None, origin=None, reveal: str = "passes",
             quiz: bool = False, width=None) -> str:
    """The document of format `view` (one of FORMATS). origin: the program's file or '-' (the
    views name it instead of its text); reveal and quiz: the HTML page's (html.page); width:
    wrap text and Markdown at this many columns (None: as is)."""
    from . import explain as ex
    if view == "json":
        import io
        buf = io.StringIO()
        ex.write_json(result, steps, buf)
        return buf.getvalue()
    if view == "latex":
        return ex.latex(result, steps, precision, decimals, origin)
    if view == "html":
        return page(result, steps, precision, decimals, origin, reveal, quiz)
    out = ex.text(result, steps, view == "markdown", precision, decimals, origin)
    return ex.wrap(out, width) if width is not None else out


def page(result, steps, precision: int = 4, decimals=None, origin=None, reveal: str = "passes",
         quiz: bool = False, what: str = "--format html") -> str:
    """The HTML step-through page: the picture top to bottom (the page shows it beside the
    steps, in half its width), its numbers held back as the passes reveal them. what: the
    option named where Graphviz's dot is not installed."""
    from ..teach.steps import frames
    from . import html, picture
    from .output import svg
    fr = frames(result, steps)
    reserve = html.reveal_texts(result, steps, fr, precision, decimals)["reserve"]
    drawn = svg(picture.dot(result.graph, result, precision, "TB", ids=True, reserve=reserve, decimals=decimals),
                what)
    return html.page(result, steps, fr, html.clean_svg(drawn), precision, decimals, origin, reveal, quiz)
