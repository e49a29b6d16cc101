"""`cg practice`'s transcript: the text a learner reads (or a script captures), one strict JSON
object per question and a summary (schema cg.practice/1), and the quiz page of N problems.
Renders what cgcli.teach.practice decided; judges nothing."""
from __future__ import annotations

from ..core.formats import document
from .explain import number

SCHEMA = "cg.practice/1"


def _num(v: float) -> str:
    return number(v, 4)


def header(session, interactive: bool) -> str:
    how = ("type each number and Enter; an empty line skips, Ctrl-D ends" if interactive
           else "one answer per line; an empty line skips")
    s = "s" if session.count != 1 else ""
    return f"cg practice: {session.count} problem{s}, topic {session.topic}, seed {session.seed} ({how})\n"


def problem(p, count: int) -> str:
    inputs = ", ".join(f"{k} = {_num(v)}" for k, v in p.inputs.items())
    return f"\nProblem {p.number} of {count} ({p.topic}): {p.source}\n  with {inputs}\n"


def prompt(q, k: int) -> str:
    return f"  {k}. {q.text} = ? "


def outcome(o) -> str:
    q = o.question
    right = _num(q.expected)
    if o.status == "right":
        return f"     right: {right}\n"
    if o.status == "skipped":
        return f"     skipped: it is {right}\n"
    if o.status == "invalid":
        return f"     {o.message}: it is {right}\n"
    L = [f"     wrong: {o.why}" if o.why else f"     wrong: it is {right}"]
    if o.code:
        L.append(f"     slip ({o.code}): {o.message}")
    else:
        L.append("     cg can name no slip that gives this number")
    L.append(f"     rule: {q.rule}")
    return "\n".join(L) + "\n"


def summary_text(s: dict) -> str:
    slips = ", ".join(f"{k} {v}" for k, v in s["slips"].items()) or "none"
    ps = "s" if s["problems"] != 1 else ""
    more = f"; {s['skipped']} skipped" if s["skipped"] else ""
    if s["unnamed"]:
        slips += f" ({s['unnamed']} wrong with no slip named)"
    return (f"\nSummary: {s['right_first_time']} of {s['questions']} right first time "
            f"({s['problems']} problem{ps}){more}; slips: {slips}\n")


def _jnum(v: float):
    return int(v) if float(v).is_integer() and abs(v) < 2 ** 53 else v


def outcome_json(o) -> str:
    q, p = o.question, o.question.problem
    doc = {"schema": SCHEMA, "type": "question", "problem": p.number, "topic": p.topic, "expression": p.source,
           "inputs": {k: _jnum(v) for k, v in p.inputs.items()}, "question": q.text, "target": q.target,
           "answer": o.answer, "expected": _jnum(q.expected), "status": o.status,
           "slip": {"code": o.code, "message": o.message} if o.code else None,
           "message": o.why if o.status == "wrong" else (o.message if o.status == "invalid" else None),
           "rule": q.rule if o.status in ("wrong", "invalid") else None}
    return document(doc) + "\n"


def summary_json(session, s: dict) -> str:
    doc = {"schema": SCHEMA, "type": "summary", "topic": session.topic, "seed": session.seed,
           "count": session.count, **s}
    return document(doc) + "\n"


def transcript(session, events, json_out: bool, interactive: bool) -> None:
    """Show teach.practice.play's events as they come: the questions and outcomes as text on
    stdout; with json_out the JSON lines on stdout and, on a terminal, the questions and
    outcomes on stderr (without one, nothing there). A script's answers (stdin not a terminal)
    are echoed into the text transcript."""
    import sys
    talk = sys.stderr if json_out else sys.stdout
    chat = not json_out or interactive               # the questions are shown
    if chat:
        talk.write(header(session, interactive))
    for event in events:
        kind, x = event[0], event[1]
        if kind == "problem":
            if chat:
                talk.write(problem(x, session.count))
        elif kind == "ask":
            if chat:
                talk.write(prompt(x, event[2]))
                talk.flush()
        elif kind == "end":
            if chat:
                talk.write("\n")
        elif kind == "read":
            if not interactive and not json_out:
                talk.write(x + "\n")                # the transcript shows the answer read
        elif kind == "outcome":
            if json_out:
                sys.stdout.write(outcome_json(x))
                if interactive:
                    talk.write(outcome(x))
            else:
                talk.write(outcome(x))
        elif kind == "summary":
            sys.stdout.write(summary_json(session, x) if json_out else summary_text(x))


def quiz_html(session) -> str:
    """The quiz page of the session's problems: each problem's step-through page (cg explain
    --format html --quiz, handout.page) in one page (quiz_page)."""
    from ..teach.steps import walk
    from .handout import page
    pages = [(p, page(p.result, walk(p.result), quiz=True, what="--html")) for p in session.each_problem()]
    return quiz_page(pages, session)


def quiz_page(pages: list, session) -> str:
    """One self-contained page holding each problem's quiz page (cg explain --quiz) in an
    iframe's srcdoc: nothing is loaded from anywhere."""
    import html
    e = html.escape
    frames = "\n".join(
        f'<section><h2>Problem {p.number} of {len(pages)} ({e(p.topic)})</h2>'
        f'<iframe title="problem {p.number}" srcdoc="{e(doc, quote=True)}"></iframe></section>'
        for p, doc in pages)
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>cg practice: {len(pages)} problems</title>
<style>
body {{ font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; margin: 0 18px; }}
h1 {{ font-size: 20px; }} h2 {{ font-size: 17px; margin: 18px 0 6px; }}
iframe {{ width: 100%; height: 92vh; border: 1px solid #ccc; border-radius: 6px; }}
</style>
</head>
<body>
<h1>cg practice: {len(pages)} problem{'s' if len(pages) != 1 else ''} (topic {e(session.topic)}, seed {session.seed})</h1>
<p>Type each step's number before it is revealed; a wrong one gets its slip, "show me" reveals it.</p>
{frames}
</body>
</html>
"""
