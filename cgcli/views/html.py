"""`cg explain --format html`: one self-contained page to step through the passes.

The page holds the graph as inline SVG (drawn by Graphviz's dot, every node with its value and
gradient), the steps as JSON (computed in Python: cgcli.teach.steps.frames, printed by
explain.step_texts), a little inline JavaScript that only displays them (buttons; keys → or
space next, ← previous, Home, End) and inline CSS. No external URL of any kind: it works
offline and loads nothing.
"""
from __future__ import annotations

import html
import re

from ..core.formats import document
from ..core.graph import output_name
from ..core.ops import OPS, say_gate
from .explain import Explainer, number, step_texts, title_text

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
#cg-question { font-weight: 600; margin-bottom: 6px; }
#cg-answer { font: 16px ui-monospace, "DejaVu Sans Mono", Menlo, Consolas, monospace; width: 9em; margin-right: 6px; }
#cg-quiz button { font-size: 15px; padding: 3px 10px; margin-right: 4px; cursor: pointer; }
#cg-verdict { margin-top: 6px; white-space: pre-wrap; }
body[data-verdict="right"] #cg-verdict { color: #2e7d32; }
#cg-verdict:not(:empty) { color: #b71c1c; }
#cg-score { margin-top: 6px; color: #555; }
"""

_JS = """
(function () {
  "use strict";
  var D = JSON.parse(document.getElementById("cg-steps").textContent);
  var S = D.steps, Q = D.quiz, T = D.tol;
  var k = 0, done = [], status = [], note = "", started = false;
  function el(id) { return document.getElementById(id); }
  function mark(id, c) { var e = id === null ? null : el(id); if (e) { e.classList.add(c); } }
  function say(id, text) { var e = el(id); e.textContent = text; e.style.display = text ? "" : "none"; }
  function put(id, text) { var e = el(id); if (e && e.textContent !== text) { e.textContent = text; } }
  function open(j) { return !Q || done[j] || !S[j].q; }
  function reach() { var j = 0; while (j < S.length - 1 && open(j)) { j++; } return j; }
  function paint() {
    var all = !Q && el("cg-all").checked, v = {}, g = {}, i, j, n;
    for (i in D.init.v) { v[i] = D.init.v[i]; }
    for (i in D.init.g) { g[i] = D.init.g[i]; }
    n = all ? S.length : (open(k) ? k + 1 : k);
    for (j = 0; j < n; j++) {
      S[j].ev.forEach(function (e) { (e[0] === "v" ? v : g)[e[1]] = e[2]; });
    }
    for (i in D.final.v) { put("tv" + i, "value " + (all ? D.final.v[i] : v[i])); }
    for (i in D.final.g) {
      put("tg" + i, "grad " + (all ? D.final.g[i] : g[i]));
      put("gg" + i, all ? D.final.g[i] : g[i]);
    }
    put("cg-out", all ? D.final.v[D.out] : v[D.out]);
  }
  function num(t) {
    t = t.trim();
    var m = /^[+-]?(?:\\d+(?:_\\d+)*\\.?(?:\\d+(?:_\\d+)*)?|\\.\\d+(?:_\\d+)*)(?:[eE]([+-]?\\d+))?$/.exec(t);
    if (m) {
      var mant = t.toLowerCase().split("e")[0].replace(/_/g, "");
      var frac = mant.indexOf(".") < 0 ? 0 : mant.length - mant.indexOf(".") - 1;
      return {text: t, num: parseFloat(t.replace(/_/g, "")), exp: (m[1] ? parseInt(m[1], 10) : 0) - frac};
    }
    m = /^([+-]?\\d*\\.?\\d+)\\s*\\/\\s*(\\d*\\.?\\d+)$/.exec(t);
    if (m && parseFloat(m[2]) !== 0) { return {text: t, num: parseFloat(m[1]) / parseFloat(m[2]), exp: null}; }
    return null;
  }
  function close(a, x) { return Math.abs(a - x) <= T.atol + T.rtol * Math.abs(x); }
  function figs(text) {
    return text.toLowerCase().split("e")[0].replace(/[+\\-_.]/g, "").replace(/^0+/, "").length;
  }
  function rounds(a, x) {
    return a.exp !== null && Math.abs(a.num - x) <= 0.5 * Math.pow(10, a.exp) * (1 + 1e-9) + 1e-12 * Math.abs(x);
  }
  function matches(a, x) { return close(a.num, x) || (a.exp !== null && a.exp < 0 && figs(a.text) >= T.min_sig_figs && rounds(a, x)); }
  function judge(q, text) {
    var a = num(text), j;
    if (a === null) { return {ok: false, code: "invalid", msg: JSON.stringify(text.trim()) + " is not a number (examples: -4, 0.25, 1/3)"}; }
    if (matches(a, q.expected)) { return {ok: true}; }
    if (rounds(a, q.expected)) {
      return {ok: false, code: "coarse-rounding", msg: "right but rounded too coarsely (" + a.text + " for " + q.shown + "); " + q.rounding};
    }
    for (j = 0; j < q.slips.length; j++) {
      if (matches(a, q.slips[j][0])) { return {ok: false, code: q.slips[j][1], msg: q.slips[j][2]}; }
    }
    return {ok: false, code: "", msg: a.text + " is not right, and cg can name no slip that gives it: try again, or show me"};
  }
  function score() {
    var n = 0, r = 0, a = 0, j;
    for (j = 0; j < S.length; j++) {
      if (!S[j].q) { continue; }
      n++;
      if (status[j] === "right") { r++; }
      if (done[j]) { a++; }
    }
    el("cg-score").textContent = (a === n ? "Done: " : "Score: ") + r + " of " + n + " right first time"
      + (a === n ? "" : " (" + a + " answered)");
    document.body.setAttribute("data-score", r + "/" + n);
  }
  function show(n) {
    k = Math.max(0, Math.min(Q ? reach() : S.length - 1, n));
    var s = S[k], shown = open(k);
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
    say("cg-arith", shown ? s.arithmetic : s.q.known);
    say("cg-local", shown ? s.local : "");
    say("cg-fanout", shown ? s.fanout : "");
    say("cg-gate", shown ? s.gate : "");
    if (Q) {
      el("cg-ask").style.display = shown ? "none" : "";
      if (!shown) { say("cg-question", s.q.ask); }
      say("cg-verdict", note);
      note = "";
      score();
      document.body.setAttribute("data-answered", shown ? "yes" : "no");
    }
    el("cg-count").textContent = "step " + (k + 1) + " of " + S.length;
    document.body.setAttribute("data-step", String(k));
    document.body.setAttribute("data-node", String(s.node));
    document.body.setAttribute("data-phase", s.phase);
    el("cg-first").disabled = el("cg-prev").disabled = k === 0;
    el("cg-next").disabled = el("cg-last").disabled = k === (Q ? reach() : S.length - 1);
    paint();
    if (Q && !shown) {
      el("cg-answer").value = "";
      if (started || window.self === window.top) { el("cg-answer").focus(); }   // a page in a frame: not at load
    }
    started = true;
  }
  function check() {
    var s = S[k], v = judge(s.q, el("cg-answer").value);
    if (v.ok) {
      if (!status[k]) { status[k] = "right"; }
      done[k] = true;
      note = "✓ right: " + s.arithmetic;
      document.body.setAttribute("data-verdict", "right");
      show(k + 1);
      return;
    }
    if (!status[k] && v.code !== "invalid") { status[k] = "wrong"; }
    document.body.setAttribute("data-verdict", v.code || "wrong");
    say("cg-verdict", "✗ " + v.msg);
    score();
  }
  function reveal() {
    if (!status[k]) { status[k] = "shown"; }
    done[k] = true;
    document.body.setAttribute("data-verdict", "shown");
    show(k);
  }
  el("cg-first").addEventListener("click", function () { show(0); });
  el("cg-prev").addEventListener("click", function () { show(k - 1); });
  el("cg-next").addEventListener("click", function () { show(k + 1); });
  el("cg-last").addEventListener("click", function () { show(S.length - 1); });
  el("cg-all").addEventListener("change", paint);
  if (Q) {
    el("cg-check").addEventListener("click", check);
    el("cg-show").addEventListener("click", reveal);
    el("cg-answer").addEventListener("keydown", function (ev) {
      if (ev.key === "Enter") { ev.preventDefault(); check(); }
    });
  }
  document.addEventListener("keydown", function (ev) {
    var to = null;
    if (ev.target && ev.target.tagName === "INPUT" && ev.target.type === "text") { return; }
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


def reveal_texts(result, walk, frames, precision=4, decimals=None) -> dict:
    """The picture's numbers as the passes go (cgcli.teach.steps.reveal, printed): "init" and
    "final" ({"v": {node: value text}, "g": {node: grad text}}), "events" per frame
    ([["v" or "g", node, text]]: "?" not yet known, "-1 + ?" a fan-out's running sum) and
    "reserve" (node -> the widest value and grad text a box will show, for its layout)."""
    from ..teach.steps import known_at_start, reveal
    g = result.graph
    num = lambda v: number(v, precision, decimals)
    start = known_at_start(result)
    init = {"v": {}, "g": {}}
    final = {"v": {}, "g": {}}
    widest = {}
    for i in range(len(g.ops)):
        final["v"][i] = num(result.values[i])
        init["v"][i] = final["v"][i] if i in start else "?"
        widest[i] = [max(final["v"][i], "?", key=len), None]
        if result.grad(i) is not None:
            final["g"][i] = num(result.grads[i])
            init["g"][i] = "?"
            widest[i][1] = max(final["g"][i], "?", key=len)
    events = []
    for ev in reveal(result, walk, frames):
        mine = []
        for x in ev:
            if x[0] == "value":
                mine.append(["v", x[1], num(x[2])])
            else:
                t = num(x[2]) if x[3] else f"{num(x[2])} + ?"
                mine.append(["g", x[1], t])
                if widest[x[1]][1] is not None:
                    widest[x[1]][1] = max(widest[x[1]][1], t, key=len)
        events.append(mine)
    return {"init": init, "final": final, "events": events, "reserve": {i: tuple(w) for i, w in widest.items()}}


def mark_svg(svg: str, final: dict) -> str:
    """Each box's value and grad text given an id (tv<node>, tg<node>: the page rewrites them
    step by step) and the final numbers (what a page without scripts shows)."""
    e = html.escape

    def box(m):
        i = int(m.group(1))
        body = m.group(0)
        texts = list(re.finditer(r"(<text\b[^>]*)>([^<]*)</text>", body))
        out, last = [], 0
        for n, t in enumerate(texts[1:3], 1):      # the title, then the value, then the grad
            kind = "v" if n == 1 else "g"
            if i not in final[kind]:
                continue
            word = "value " if kind == "v" else "grad "
            out.append(body[last:t.start()])
            out.append(f'{t.group(1)} id="t{kind}{i}">{e(word + final[kind][i])}</text>')
            last = t.end()
        out.append(body[last:])
        return "".join(out)
    return re.sub(r'<g id="v(\d+)" class="node">.*?</g>', box, svg, flags=re.S)


def page(result, walk, frames, svg: str, precision=4, decimals=None, origin=None, reveal="passes",
         quiz=False) -> str:
    """reveal "passes": each number appears once the passes have computed it; "all": every
    number from the first step (the page's "show every number" box ticked). quiz: before each
    step the learner types its number (cgcli.teach.quiz judges it in the browser's copy)."""
    ex = Explainer(result, walk, False, precision, decimals)
    g = result.graph
    steps = step_texts(result, walk, frames, precision, decimals)
    rv = reveal_texts(result, walk, frames, precision, decimals)
    for s, ev in zip(steps, rv["events"]):
        s["ev"] = ev
    tol = None
    if quiz:
        from ..teach import quiz as Q
        from .prompts import prompts
        tol = Q.tolerance_data()
        for s, q, p in zip(steps, Q.page_data(result, walk, frames), prompts(result, walk, frames, precision, decimals)):
            s["q"] = None if q is None or p is None else dict(q, ask=p[0], known=p[1])
    svg = mark_svg(svg, rv["final"])
    doc = {"steps": steps, "init": rv["init"], "final": rv["final"], "out": g.output, "quiz": bool(quiz), "tol": tol}
    data = document(doc).replace("</", "<\\/")
    e = html.escape
    source = title_text(g, origin)
    heading = title_text(g, origin, lambda t: f"<code>{e(t)}</code>")
    f = output_name(g)
    rows = "\n".join(f"<tr><td>{e(ex.name(i))}</td><td class=\"v\">{e(ex.value(i))}</td>"
                     f"<td class=\"g\" id=\"gg{i}\">{e(ex.grad(i))}</td></tr>" for i in g.variables.values())
    used = [op.name for op in OPS if op.arity and op.code in set(g.ops)]
    rules = []
    for op in OPS:
        if op.arity and op.name in used:
            pattern, gate = say_gate(op.pattern, []), say_gate(op.gate, [])
            pattern = "" if pattern in gate else f" ({e(pattern)})"
            rules.append(f"<li><b>{e(op.name)}</b>{pattern}: {e(gate)}</li>")
    warn = "".join(f"<div class=\"warn\">warning: {e(w)}</div>" for w in result.warnings)
    inputs = ", ".join(f"{ex.name(i)} = {ex.value(i)}" for i in g.variables.values()) or "no variables"
    oname, oval = ex.name(g.output), rv["final"]["v"][g.output]
    out_html = (f"{e(oname)} = " if oname != oval else "") + f'<span id="cg-out">{e(oval)}</span>'
    checked = " checked" if reveal == "all" else ""
    ask = ("""<div class="panel" id="cg-quiz"><div id="cg-ask"><div id="cg-question"></div>
<input id="cg-answer" type="text" autocomplete="off" inputmode="decimal" spellcheck="false" aria-label="your answer">
<button id="cg-check">check</button><button id="cg-show">show me</button></div>
<div id="cg-verdict"></div><div id="cg-score"></div></div>
""" if quiz else "")
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
<div>Inputs: {e(inputs)}. Output: {out_html}.{warn} Derivatives of the output are written
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
<label class="keys"{' style="display:none"' if quiz else ''}><input type="checkbox" id="cg-all"{checked}> show every number (the finished passes)</label>
</div>
{ask}
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
