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
    from ..teach.practice import Session, play, random_seed, read_answer
    from ..views import practice as view
    from ..views.output import is_terminal, write_text
    session = Session(topic, seed if seed is not None else random_seed(), count)
    if html_out:
        write_text(view.quiz_html(session), file)
        return
    view.transcript(session, play(session, lambda: read_answer(sys.stdin)), json_out, is_terminal(sys.stdin))
