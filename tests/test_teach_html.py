"""cg explain --format html: one self-contained page, tested in a real headless Chromium.

The browser is Debian's chromium (.ci/run installs it), driven by Playwright from the test
extra (never `playwright install`: no browser download). Tests skip, saying why, only where
chromium or Graphviz's dot is not installed.
"""
from __future__ import annotations

import os
import re
import shutil
import tempfile
from pathlib import Path

import pytest

from cgcli.views.html import clean_svg
from cgtest import run_cg
from stepcheck import expected_steps

CHROMIUM = next((p for p in (os.environ.get("CG_CHROMIUM"), "/usr/bin/chromium", shutil.which("chromium"),
                             shutil.which("chromium-browser")) if p and os.path.exists(p)), None)
needs_dot = pytest.mark.skipif(shutil.which("dot") is None,
                               reason="Graphviz's dot is not installed (.ci/run installs it)")
needs_browser = pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (.ci/run installs "
                                                            "Debian's chromium)")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]

FANOUT = ["q = x + y; f = q * q + q", "--x", "1", "--y", "2"]
NEURON = ["sigmoid(w0*x0 + w1*x1 + w2)", "--w0", "2", "--x0", "-1", "--w1", "-3", "--x1", "-2", "--w2", "-3"]


def write_page(tmp_path, args, name="page.html"):
    path = tmp_path / name
    p = run_cg("explain", *args, "--format", "html", "-o", str(path))
    assert p.returncode == 0, p.err
    return path


@needs_dot
def test_page_is_self_contained(tmp_path):
    page = write_page(tmp_path, NEURON, "n.html").read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and "<svg" in page
    for bad in ("http:", "https:", "//www", "xlink:href", "<link", " src=", "@import", "url("):
        assert bad not in page, bad
    assert page.count("<script") == 2 and "<style>" in page
    for k in range(10):
        assert f'id="v{k}"' in page                 # every node of the graph, with its value and grad
    import html
    text = html.unescape(page)                       # dot writes - as &#45;
    assert "value 0.7311" in text and "grad -0.5898" in text
    assert "add distributes" in page and "multiply swaps" in page
    assert "max routes" not in page                  # the gate rules of the gates the graph uses only
    assert '<table id="cg-gradients">' in page and "∂f/∂variable" in page


def test_clean_svg_leaves_no_url():
    svg = ('<?xml version="1.0"?>\n<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" "http://www.w3.org/x.dtd">\n'
           '<!-- c --><svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink">'
           '<a xlink:href="https://example.com"><g id="v0"></g></a></svg>')
    out = clean_svg(svg)
    assert "http" not in out and out.startswith("<svg") and '<g id="v0">' in out


def test_html_without_dot_is_a_clear_error(tmp_path):
    env = {"PATH": str(Path(run_cg.__code__.co_filename).parent)}   # no dot on this PATH
    from cgtest import cg_path
    import subprocess
    p = subprocess.run([cg_path(), "explain", "x*y", "--x", "1", "--y", "2", "--format", "html",
                        "-o", str(tmp_path / "p.html")], capture_output=True, text=True, env=env)
    assert p.returncode == 2 and "Graphviz" in p.stderr and "Traceback" not in p.stderr
    assert not (tmp_path / "p.html").exists()


@pytest.fixture(scope="module")
def browser():
    if CHROMIUM is None:
        pytest.skip("chromium is not installed (.ci/run installs Debian's chromium)")
    from playwright.sync_api import sync_playwright      # the test extra: never skipped for it
    pw = sync_playwright().start()
    profile = tempfile.mkdtemp(prefix="cg-chromium-")
    ctx = pw.chromium.launch_persistent_context(profile, executable_path=CHROMIUM, headless=True,
                                                args=FLAGS,  # the fresh profile is --user-data-dir
                                                viewport={"width": 1300, "height": 900})
    yield ctx
    ctx.close()
    pw.stop()
    shutil.rmtree(profile, ignore_errors=True)


def open_page(ctx, path):
    page = ctx.new_page()
    problems, requests = [], []
    page.on("console", lambda m: problems.append(f"console {m.type}: {m.text}") if m.type in ("error", "warning") else None)
    page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
    page.on("request", lambda r: requests.append(r.url))
    page.on("requestfailed", lambda r: problems.append(f"request failed: {r.url}"))
    page.goto(path.as_uri())
    page.wait_for_function("document.body.getAttribute('data-step') === '0'")
    return page, problems, requests


def state(page):
    return page.evaluate("""() => ({
        step: +document.body.getAttribute('data-step'),
        node: +document.body.getAttribute('data-node'),
        current: [...document.querySelectorAll('.node.current')].map(e => e.id),
        target: [...document.querySelectorAll('.node.target')].map(e => e.id),
        edge: [...document.querySelectorAll('.edge.active')].map(e => e.id),
        arith: document.getElementById('cg-arith').textContent,
        fan: document.getElementById('cg-fanout').textContent,
        count: document.getElementById('cg-count').textContent})""")


@needs_dot
@needs_browser
@pytest.mark.parametrize("args", [FANOUT, NEURON, [*NEURON, "--expand"]], ids=["fan-out", "neuron", "expanded"])
def test_stepping_in_chromium(browser, tmp_path, args):
    path = write_page(tmp_path, args)
    want = expected_steps(args)
    page, problems, requests = open_page(browser, path)
    for k, w in enumerate(want):
        if k:
            page.keyboard.press("ArrowRight" if k % 2 else " ")
        s = state(page)
        assert s["step"] == k and s["count"] == f"step {k + 1} of {len(want)}"
        assert s["current"] == [f"v{w['node']}"] and s["node"] == w["node"], (k, s)
        assert w["text"] in s["arith"], (k, w["text"], s["arith"])
        assert s["arith"].endswith(w.get("end", "")), (k, s["arith"])
        if w["edge"] is not None:
            assert s["edge"] == [w["edge"]] and s["target"] == [f"v{w['target']}"], (k, s)
            if w["fan"]:
                assert re.search(w["fan"], s["fan"]), (k, w["fan"], s["fan"])
            else:
                assert s["fan"] == ""
        else:
            assert s["edge"] == []
    page.keyboard.press("ArrowRight")                     # past the end: stays
    assert state(page)["step"] == len(want) - 1
    page.keyboard.press("Home")
    assert state(page)["step"] == 0
    page.keyboard.press("End")
    assert state(page)["step"] == len(want) - 1
    page.keyboard.press("ArrowLeft")
    assert state(page)["step"] == len(want) - 2
    page.click("#cg-first")
    page.click("#cg-next")
    page.click("#cg-next")
    assert state(page)["step"] == 2
    page.click("#cg-prev")
    assert state(page)["step"] == 1
    page.click("#cg-last")
    assert state(page)["node"] == want[-1]["node"]
    page.screenshot(path=str(tmp_path / "page.png"), full_page=True)
    assert (tmp_path / "page.png").stat().st_size > 10_000
    page.close()
    assert problems == []
    assert requests == [path.as_uri()]               # the page itself, nothing else
