"""A key as a Moodle XML quiz (`cg key KEY.toml --format moodle > quiz.xml`).

Moodle's question XML format (docs.moodle.org, "Moodle XML format"): a <quiz> of <question>s;
here a category named after the key's title, then one numerical question per answer of the key:

    <question type="numerical">
      <name><text>1a: df/dz</text></name>
      <questiontext format="html"><text>...HTML, escaped for XML...</text>
        <file name="problem-1a.svg" path="/" encoding="base64">...</file></questiontext>
      <defaultgrade>2</defaultgrade>
      <answer fraction="100" format="moodle_auto_format"><text>5</text>
        <tolerance>5e-06</tolerance></answer>
    </question>

The answer is cg's value (not the key's written number); the tolerance is the key's, as one
absolute number (cgcli.check.export.tolerance_of). The picture of the graph (its structure,
no values) goes inline as an SVG file where Graphviz's dot is installed. Every piece of text
is escaped twice: for HTML, then the HTML for XML. Formula answers and non-finite values have
no numerical question and are left out (the caller says so).
"""
from __future__ import annotations

import math
from html import escape as html
from xml.sax.saxutils import escape as xml

from ..core.fmt import fmt


def _slug(text: str) -> str:
    return "".join(c if c.isascii() and (c.isalnum() or c in "-_") else "_" for c in text)[:60] or "p"


def _what(q) -> str:
    if q.kind == "value":
        return f"the value of the output {q.label}"
    if q.kind == "node":
        return f"the value of the node {q.label}"
    return f"{q.label}, the gradient of the output with respect to {q.name}"


def question_html(problem, q, picture: str | None) -> str:
    """The question's text as HTML (every piece of key text escaped)."""
    parts = [f"<p><b>Problem {html(problem.id)}</b>" + (f" ({html(problem.title)})" if problem.title else "")
             + "</p>",
             "<pre>" + html(problem.source.strip()) + "</pre>"]
    if problem.inputs:
        parts.append("<p>at " + ", ".join(f"{html(k)} = {html(fmt(v))}" for k, v in problem.inputs.items())
                     + "</p>")
    if picture is not None:
        parts.append(f'<p><img src="@@PLUGINFILE@@/{picture}" alt="the computational graph of problem '
                     f'{html(problem.id)}"></p>')
    parts.append(f"<p>What is {html(_what(q))}?</p>")
    return "".join(parts)


def moodle_xml(sheet, pictures: dict) -> tuple:
    """(the XML text, [answers left out]) for a key's Sheet (cgcli.check.export.key_sheet).
    `pictures`: problem id -> SVG bytes (absent where there is none)."""
    import base64
    out = ['<?xml version="1.0" encoding="UTF-8"?>', "<quiz>"]
    if sheet.title:
        out += ['  <question type="category">',
                f"    <category><text>{xml('$course$/top/' + sheet.title.replace('/', '-'))}</text></category>",
                "  </question>"]
    skipped = []
    for p in sheet.problems:
        svg = pictures.get(p.id)
        name = f"problem-{_slug(p.id)}.svg" if svg is not None else None
        for q in p.questions:
            if q.formula or not math.isfinite(q.value):
                skipped.append(f"{p.id} {q.target}" + (" (a formula answer)" if q.formula else " (not finite)"))
                continue
            out += ['  <question type="numerical">',
                    f"    <name><text>{xml(f'{p.id}: {q.label}')}</text></name>",
                    '    <questiontext format="html">',
                    f"      <text>{xml(question_html(p, q, name))}</text>"]
            if svg is not None:
                out.append(f'      <file name="{name}" path="/" encoding="base64">'
                           f"{base64.b64encode(svg).decode('ascii')}</file>")
            out += ["    </questiontext>",
                    '    <generalfeedback format="html"><text></text></generalfeedback>',
                    f"    <defaultgrade>{fmt(q.points)}</defaultgrade>",
                    "    <penalty>0.3333333</penalty>",
                    "    <hidden>0</hidden>",
                    f"    <idnumber>{xml(f'{p.id}.{q.target}'[:100])}</idnumber>",
                    '    <answer fraction="100" format="moodle_auto_format">',
                    f"      <text>{fmt(q.value)}</text>",
                    '      <feedback format="html"><text></text></feedback>',
                    f"      <tolerance>{fmt(q.tolerance, 3)}</tolerance>",
                    "    </answer>",
                    "    <unitgradingtype>0</unitgradingtype>",
                    "    <unitpenalty>0.1000000</unitpenalty>",
                    "    <showunits>3</showunits>",
                    "    <unitsleft>0</unitsleft>",
                    "  </question>"]
    out.append("</quiz>")
    return "\n".join(out) + "\n", skipped
