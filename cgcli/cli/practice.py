"""`cg practice`: small random problems, a number at a time (cgcli.teach.practice), printed by
cgcli.views.practice. Registered on cg's app on import; only the standard library here."""
import sys
from typing import Literal, Optional

import typer

from .app import app
from ..core.errors import InputError

TOPICS = ("add", "mul", "max", "fanout", "sigmoid", "tanh", "bptt", "mixed")


@app.command("practice")
def practice_cmd(
    topic: Literal[TOPICS] = typer.Option("mixed", "--topic", metavar="|".join(TOPICS),
                              help="The kind of problem (mixed: the next one exercises your last slip)."),
    seed: Optional[int] = typer.Option(None, "--seed", min=0, help="The same seed and answers give the "
                                                                   "same transcript (default: a random seed, shown)."),
    count: int = typer.Option(3, "--count", min=1, max=100, help="How many problems."),
    json_out: bool = typer.Option(False, "--json", help="One strict JSON object per question, then a summary "
                                                        "(schema cg.practice/1)."),
    html_out: bool = typer.Option(False, "--html", help="Write a quiz page of the problems (needs -o FILE "
                                                        "and Graphviz's dot) instead of asking here."),
    file: Optional[str] = typer.Option(None, "-o", metavar="FILE", help="The page's file (with --html)."),
):
    """Practise backprop: forward values and gradients of small random graphs, one at a time.

    Each answer is checked as cg check grades it; a wrong one is named by its slip, with the gate's rule.

    With stdin not a terminal: one answer per line, in question order (an empty line skips).

    \b
    Examples:
      cg practice --topic mul --seed 7
      printf '12\\n60\\n\\n5\\n' | cg practice --topic mul --seed 7 --count 1
      cg practice --topic fanout --seed 3 --json < answers.txt
      cg practice --count 5 --seed 1 --html -o practice.html
    """
    if html_out and (file is None or file == "-"):
        raise InputError("cg: --html writes a page: give -o FILE (e.g. -o practice.html)")
    if file is not None and not html_out:
        raise InputError("cg: -o FILE is for --html (the quiz page); the questions are asked here")
    if html_out and json_out:
        raise InputError("cg: choose one of --html and --json")
    if seed is None:
        import random
        seed = random.SystemRandom().randrange(1_000_000)
    from ..teach.practice import Session
    from ..views import practice as view
    session = Session(topic, seed, count)
    if html_out:
        _page(session, file)
        return
    from ..views.output import is_terminal
    interactive = is_terminal(sys.stdin)
    talk = sys.stderr if json_out else sys.stdout
    if not json_out or interactive:
        talk.write(view.header(session, interactive))
    shown, k = None, 0
    while True:
        q = session.next()
        if q is None:
            break
        if q.problem is not shown:
            shown, k = q.problem, 0
            if not json_out or interactive:
                talk.write(view.problem(q.problem, count))
        k += 1
        if not json_out or interactive:
            talk.write(view.prompt(q, k))
            talk.flush()
        line = _read_line(sys.stdin)
        if not line:                                 # EOF: the summary, and done
            if not json_out or interactive:
                talk.write("\n")
            break
        text = line.rstrip("\r\n")
        if not interactive and not json_out:
            talk.write(text + "\n")                  # the transcript shows the answer read
        o = session.answer(q, text)
        if json_out:
            sys.stdout.write(view.outcome_json(o))
            if interactive:
                talk.write(view.outcome(o))
        else:
            talk.write(view.outcome(o))
    s = session.summary()
    if json_out:
        sys.stdout.write(view.summary_json(session, s))
    else:
        sys.stdout.write(view.summary_text(s))


def _read_line(stream) -> str:
    """One answer line, read with a bound (issue 16): a line longer than an answer may be is
    read to its end in chunks and kept only as its start plus an ellipsis (which is no number)."""
    from ..core.limits import ANSWER_MAX_CHARS
    line = stream.readline(ANSWER_MAX_CHARS + 1)
    if len(line) <= ANSWER_MAX_CHARS or line.endswith("\n"):
        return line
    while True:                                      # drain the rest of the over-long line
        rest = stream.readline(1 << 16)
        if not rest or rest.endswith("\n"):
            break
    return line[:40] + "…\n"


def _page(session, file: str) -> None:
    from ..teach.steps import frames, walk
    from ..views import html, picture
    from ..views import practice as view
    from ..views.output import svg, write_text
    pages = []
    for p in session.each_problem():
        w = walk(p.result)
        fr = frames(p.result, w)
        reserve = html.reveal_texts(p.result, w, fr)["reserve"]
        drawn = svg(picture.dot(p.result.graph, p.result, 4, "TB", ids=True, reserve=reserve), "--html")
        pages.append((p, html.page(p.result, w, fr, html.clean_svg(drawn), quiz=True)))
    write_text(view.quiz_page(pages, session), file)

