"""`cg explain --format html`: one self-contained page to step through the passes.

The page holds the graph as inline SVG (drawn by Graphviz's dot, every node with its value and
gradient), the steps as JSON (computed in Python: cgcli.teach.steps.frames, printed by
explain.step_texts), a little inline JavaScript that only displays them (buttons; keys → or
space next, ← previous, Home, End) and inline CSS. No external URL of any kind: it works
offline and loads nothing.
"""
from __future__ import annotations

import html
import json
import re

from ..core.graph import output_name
from ..core.ops import OPS, say_gate
from .explain import Explainer, step_texts, title_text

_CSS = """
body { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; margin: 0;
       color: #222; background: #fafafa; }
header { padding: 10px 18px; background: #263238; color: #fff; }
header h1 { font-size: 18px; margin: 0; font-weight: 600; }
header code { color: #ffe082; }
main { display: flex; flex-wrap: wrap; gap: 18px; padding: 14px 18px; }
#cg-graph { flex: 1 1 480px; background: #fff; border: 1px solid #ddd; border-radius: 6px; padding: 8px;
            overflow: auto; max-height: 88vh; }
#cg-graph svg { width: 100%; height: auto; max-height: 85vh; }
#cg-side { flex: 1 1 380px; max-width: 640px; }
.panel { background: #fff; border: 1px solid #ddd; border-radius: 6px; padding: 10px 14px; margin-bottom: 14px; }
.controls button { font-size: 15px; padding: 4px 12px; margin-right: 4px; cursor: pointer; }
.controls button:disabled { opacity: .4; cursor: default; }
#cg-count { color: #666; margin-left: 8px; }
#cg-phase { display: inline-block; font-size: 12px; text-transform: uppercase; letter-spacing: .05em;
            padding: 1px 7px; border-radius: 9px; color: #fff; background: #2e7d32; }
body[data-phase="backward"] #cg-phase, body[data-phase="seed"] #cg-phase { background: #c62828; }
#cg-title { font-weight: 600; margin: 6px 0; }
#cg-arith { font: 16px/1.5 ui-monospace, "DejaVu Sans Mono", Menlo, Consolas, monospace; background: #fff8e1;
            padding: 6px 9px; border-radius: 4px; white-space: pre-wrap; }
.mono { font-family: ui-monospace, "DejaVu Sans Mono", Menlo, Consolas, monospace; white-space: pre-wrap; }
#cg-fanout { color: #6a1b9a; }
#cg-gate { color: #555; font-style: italic; }
table { border-collapse: collapse; }
th, td { padding: 3px 10px; border-bottom: 1px solid #eee; text-align: right; }
th:first-child, td:first-child { text-align: left; }
td.v { color: #2e7d32; } td.g { color: #c62828; }
ul.rules { margin: 4px 0; padding-left: 20px; }
.keys { color: #777; font-size: 13px; }
.warn { color: #ffcc80; }
kbd { border: 1px solid #bbb; border-radius: 3px; padding: 0 4px; background: #f4f4f4; font-size: 12px; }
.node.current polygon, .node.current ellipse { stroke: #ef6c00; stroke-width: 4px; fill: #fff3e0; }
.node.target polygon, .node.target ellipse { stroke: #1565c0; stroke-width: 4px; fill: #e3f2fd; }
.edge.active path { stroke: #ef6c00; stroke-width: 4px; }
.edge.active polygon { stroke: #ef6c00; fill: #ef6c00; }
.edge.feeding path { stroke: #2e7d32; stroke-width: 3px; }
.edge.feeding polygon { stroke: #2e7d32; fill: #2e7d32; }
"""

_JS = """
(function () {
  "use strict";
  var S = JSON.parse(document.getElementById("cg-steps").textContent);
  var k = 0;
  function el(id) { return document.getElementById(id); }
  function mark(id, c) { var e = id === null ? null : el(id); if (e) { e.classList.add(c); } }
  function say(id, text) { var e = el(id); e.textContent = text; e.style.display = text ? "" : "none"; }
  function show(n) {
    k = Math.max(0, Math.min(S.length - 1, n));
    var s = S[k];
    ["current", "target", "active", "feeding"].forEach(function (c) {
      Array.prototype.slice.call(document.querySelectorAll("." + c)).forEach(function (e) {
        e.classList.remove(c);
      });
    });
    mark("v" + s.node, "current");
    if (s.target !== null) { mark("v" + s.target, "target"); }
    mark(s.edge, "active");
    s.inputs.forEach(function (id) { mark(id, "feeding"); });
    el("cg-phase").textContent = s.phase === "forward" ? "forward pass" : "backward pass";
    say("cg-title", s.title);
    say("cg-arith", s.arithmetic);
    say("cg-local", s.local);
    say("cg-fanout", s.fanout);
    say("cg-gate", s.gate);
    el("cg-count").textContent = "step " + (k + 1) + " of " + S.length;
    document.body.setAttribute("data-step", String(k));
    document.body.setAttribute("data-node", String(s.node));
    document.body.setAttribute("data-phase", s.phase);
    el("cg-first").disabled = el("cg-prev").disabled = k === 0;
    el("cg-next").disabled = el("cg-last").disabled = k === S.length - 1;
  }
  el("cg-first").addEventListener("click", function () { show(0); });
  el("cg-prev").addEventListener("click", function () { show(k - 1); });
  el("cg-next").addEventListener("click", function () { show(k + 1); });
  el("cg-last").addEventListener("click", function () { show(S.length - 1); });
  document.addEventListener("keydown", function (ev) {
    var to = null;
    if (ev.key === "ArrowRight" || ev.key === " " || ev.key === "Spacebar") { to = k + 1; }
    else if (ev.key === "ArrowLeft") { to = k - 1; }
    else if (ev.key === "Home") { to = 0; }
    else if (ev.key === "End") { to = S.length - 1; }
    if (to !== null) { ev.preventDefault(); show(to); }
  });
  show(0);
})();
"""


def clean_svg(svg: str) -> str:
    """dot's SVG made fit to inline: no XML prologue, DOCTYPE or comments, no namespace
    declarations (HTML needs none) and no links; so no URL is left in it."""
    start = svg.find("<svg")
    svg = svg[start:] if start >= 0 else svg
    svg = re.sub(r"<!--.*?-->", "", svg, flags=re.S)
    svg = re.sub(r'\s+xmlns(:\w+)?="[^"]*"', "", svg)
    svg = re.sub(r'\s+(xlink:)?href="[^"]*"', "", svg)
    svg = re.sub(r"<a\b[^>]*>|</a>", "", svg)
    return svg.strip()


def page(result, walk, frames, svg: str, precision=4, decimals=None, origin=None) -> str:
    ex = Explainer(result, walk, False, precision, decimals)
    g = result.graph
    steps = step_texts(result, walk, frames, precision, decimals)
    data = json.dumps(steps, ensure_ascii=False, allow_nan=False).replace("</", "<\\/")
    e = html.escape
    source = title_text(g, origin)
    heading = title_text(g, origin, lambda t: f"<code>{e(t)}</code>")
    f = output_name(g)
    rows = "\n".join(f"<tr><td>{e(ex.name(i))}</td><td class=\"v\">{e(ex.value(i))}</td>"
                     f"<td class=\"g\">{e(ex.grad(i))}</td></tr>" for i in g.variables.values())
    used = [op.name for op in OPS if op.arity and op.code in set(g.ops)]
    rules = []
    for op in OPS:
        if op.arity and op.name in used:
            pattern, gate = say_gate(op.pattern, []), say_gate(op.gate, [])
            pattern = "" if pattern in gate else f" ({e(pattern)})"
            rules.append(f"<li><b>{e(op.name)}</b>{pattern}: {e(gate)}</li>")
    warn = "".join(f"<div class=\"warn\">warning: {e(w)}</div>" for w in result.warnings)
    inputs = ", ".join(f"{ex.name(i)} = {ex.value(i)}" for i in g.variables.values()) or "no variables"
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Backpropagation through {e(source)}</title>
<style>{_CSS}</style>
</head>
<body data-step="0">
<header><h1>Backpropagation through {heading}</h1>
<div>Inputs: {e(inputs)}. Output: {e(ex.output())}.{warn} Derivatives of the output are written
∂{e(f)}/∂·; unnamed nodes are n&lt;id&gt;.</div></header>
<main>
<div id="cg-graph">
{svg}
</div>
<div id="cg-side">
<div class="panel controls">
<button id="cg-first" title="Home">« first</button><button id="cg-prev" title="←">◀ previous</button><button
 id="cg-next" title="→ or space">next ▶</button><button id="cg-last" title="End">last »</button>
<span id="cg-count"></span>
<div class="keys">Keys: <kbd>→</kbd> or <kbd>space</kbd> next, <kbd>←</kbd> previous, <kbd>Home</kbd>, <kbd>End</kbd></div>
</div>
<div class="panel" id="cg-step">
<span id="cg-phase"></span>
<div id="cg-title"></div>
<div id="cg-arith"></div>
<div id="cg-local" class="mono"></div>
<div id="cg-fanout" class="mono"></div>
<div id="cg-gate"></div>
</div>
<div class="panel"><b>Gradients</b>
<table id="cg-gradients"><tr><th>variable</th><th>value</th><th>∂{e(f)}/∂variable</th></tr>
{rows}
</table></div>
<div class="panel"><b>Gate rules</b> (how each gate passes the gradient back; a and b are its inputs)
<ul class="rules">
{chr(10).join(rules)}
</ul></div>
</div>
</main>
<script type="application/json" id="cg-steps">{data}</script>
<script>{_JS}</script>
</body>
</html>
"""


def result_table(result, precision=None) -> str:
    """A Result's node table as an HTML fragment (a notebook's display of a Result)."""
    from ..core.fmt import PRECISION, fmt
    from ..core.graph import display_names, labels
    precision = precision or PRECISION
    g = result.graph
    e = html.escape
    names, lab = display_names(g), labels(g)
    f = output_name(g)
    rows = []
    for i in range(len(g)):
        op = OPS[g.ops[i]]
        grad = result.grad(i)
        style = ' style="font-weight:bold"' if i == g.output else ""
        rows.append(f"<tr{style}><td>{i}</td><td>{e(names[i]) if i in g.names or i == g.output else ''}</td><td>{op.name}</td>"
                    f"<td style=\"text-align:left\"><code>{e(lab[i])}</code></td>"
                    f"<td style=\"color:#2e7d32\">{e(fmt(result.values[i], precision))}</td>"
                    f"<td style=\"color:#c62828\">{'—' if grad is None else e(fmt(grad, precision))}</td></tr>")
    source = " ".join(g.source.split())
    return (f"<div class=\"cg-result\"><p><code>{e(source)}</code> = <b>{e(fmt(result.value, precision))}</b></p>"
            f"<table><thead><tr><th>id</th><th>name</th><th>op</th><th>computes</th><th>value</th>"
            f"<th>∂{e(f)}/∂node</th></tr></thead><tbody>{''.join(rows)}</tbody></table></div>")
