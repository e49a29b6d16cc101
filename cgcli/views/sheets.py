"""Printable sheets (`cg key TEMPLATE --roster R --seed S --out DIR --format md|tex|pdf`): a
problem sheet per student (the program, the graph as a picture where Graphviz is installed,
the student's inputs, a blank to fill per answer) and the teacher's answer sheet (every
student's inputs and cg's answers). They render cgcli.check.export.Sheet objects; the numbers
come from there. Text from the key or the roster is escaped for Markdown or LaTeX.
"""
from __future__ import annotations

import os

from ..core.fmt import fmt


# --- pictures --------------------------------------------------------------------------------

def picture(graph, kind: str) -> bytes | None:
    """The graph's structure (no values: they are the answers) drawn by Graphviz's dot as
    `kind` (svg, pdf, png); None where dot is not installed or fails."""
    import shutil
    import subprocess
    from .picture import default_rankdir, dot
    exe = shutil.which("dot")
    if exe is None:
        return None
    text = dot(graph, None, rankdir=default_rankdir(graph))
    try:
        p = subprocess.run([exe, f"-T{kind}"], input=text.encode("utf-8"), capture_output=True, timeout=60)
    except (OSError, subprocess.SubprocessError):
        return None
    return p.stdout if p.returncode == 0 and p.stdout else None


def picture_name(problem_id: str, kind: str) -> str:
    safe = "".join(c if c.isascii() and (c.isalnum() or c in "-_") else "_" for c in problem_id)[:60]
    return f"problem-{safe or 'p'}.{kind}"


def _ask(q) -> str:
    if q.kind == "value":
        return f"{q.label} (the output's value)"
    if q.kind == "node":
        return f"{q.label} (the node's value)"
    return q.label


# --- Markdown ----------------------------------------------------------------------------------

def md_text(text) -> str:
    """Key or roster text as literal Markdown (one line, markup characters escaped)."""
    text = " ".join(str(text).splitlines())
    return "".join("\\" + c if c in "\\`*_[]<>|~&#!" else c for c in text)


def _fence(src: str) -> str:
    n = 3
    while "`" * n in src:
        n += 1
    return "`" * n


def _stamp(sheet) -> str:
    bits = [f"{sheet.student}'s sheet" if sheet.student else "problem sheet"]
    if sheet.seed is not None:
        bits.append(f"seed {sheet.seed}")
    if sheet.variant:
        bits.append(f"variant {sheet.variant}")
    return " · ".join(bits)


def sheet_md(sheet, pictures: dict) -> str:
    """A student's problem sheet in Markdown; `pictures`: problem id -> picture file name."""
    L = [f"# {md_text(sheet.title or 'Problem sheet')}", "", md_text(_stamp(sheet)), "",
         "Write each answer as a number (or a constant expression such as -1/3).", ""]
    for p in sheet.problems:
        L += [f"## Problem {md_text(p.id)}" + (f": {md_text(p.title)}" if p.title else ""), ""]
        f = _fence(p.source)
        L += [f + "text", p.source.strip(), f, ""]
        if p.id in pictures:
            L += [f"![the computational graph of problem {md_text(p.id)}]({pictures[p.id]})", ""]
        if p.inputs:
            L += ["At " + ", ".join(f"{md_text(k)} = {fmt(v)}" for k, v in p.inputs.items()) + ":", ""]
        if p.settings.get("rounded"):
            L += ["(Rounded answers are accepted.)", ""]
        L += ["| answer | your answer |", "|---|---|"]
        L += [f"| {md_text(_ask(q))} | |" for q in p.questions]
        L.append("")
    return "\n".join(L)


def answers_md(sheets: list) -> str:
    """The teacher's answer sheet: per student, per problem the inputs and cg's answers."""
    first = sheets[0]
    L = [f"# {md_text(first.title or 'Problem sheet')}: answers", ""]
    if first.seed is not None:
        L += [f"Seed {md_text(first.seed)}; cg's values (shortest exact form).", ""]
    for sh in sheets:
        if sh.student is not None:
            L += [f"## {md_text(sh.student)}" + (f" (variant {sh.variant})" if sh.variant else ""), ""]
        for p in sh.problems:
            at = ", ".join(f"{md_text(k)} = {fmt(v)}" for k, v in p.inputs.items())
            L += [f"Problem {md_text(p.id)}" + (f" at {at}" if at else "") + ":", ""]
            L += ["| answer | cg's value | tolerance | points |", "|---|---:|---:|---:|"]
            L += [f"| {md_text(q.label)} | {fmt(q.value)} | {fmt(q.tolerance, 3)} | {fmt(q.points)} |"
                  for q in p.questions]
            L.append("")
    return "\n".join(L)


# --- LaTeX ---------------------------------------------------------------------------------------

_TEX = {"\\": r"\textbackslash{}", "{": r"\{", "}": r"\}", "$": r"\$", "&": r"\&", "#": r"\#",
        "%": r"\%", "_": r"\_", "^": r"\^{}", "~": r"\~{}", "<": r"\textless{}", ">": r"\textgreater{}",
        "|": r"\textbar{}"}


def tex(text) -> str:
    """Key or roster text as literal LaTeX (special characters escaped, one line)."""
    text = " ".join(str(text).splitlines())
    return "".join(_TEX.get(c, c) for c in text)


_PREAMBLE = r"""\documentclass[11pt]{article}
\usepackage[T1]{fontenc}
\usepackage[utf8]{inputenc}
\usepackage{graphicx}
\usepackage[margin=2cm]{geometry}
\setlength{\parindent}{0pt}
\setlength{\parskip}{0.6em}
\renewcommand{\arraystretch}{2.2}
\begin{document}
"""


def _code(src: str) -> str:
    lines = [tex(line) if line.strip() else "~" for line in src.strip().splitlines()]
    return "\\begin{quote}\\ttfamily\n" + "\\\\\n".join(lines) + "\n\\end{quote}\n"


def sheet_tex(sheet, pictures: dict) -> str:
    """A student's problem sheet as a LaTeX document (pdflatex); `pictures`: id -> PDF file name."""
    L = [_PREAMBLE, f"\\section*{{{tex(sheet.title or 'Problem sheet')}}}", tex(_stamp(sheet)) + "\n",
         "Write each answer as a number (or a constant expression such as $-1/3$).\n"]
    for p in sheet.problems:
        L.append(f"\\subsection*{{Problem {tex(p.id)}" + (f": {tex(p.title)}" if p.title else "") + "}")
        L.append(_code(p.source))
        if p.id in pictures:
            L.append("\\begin{center}\\includegraphics[width=0.9\\linewidth,height=0.3\\textheight,"
                     f"keepaspectratio]{{{pictures[p.id]}}}\\end{{center}}\n")
        if p.inputs:
            L.append("At " + ", ".join(f"\\texttt{{{tex(k)}}} $= {tex(fmt(v))}$" for k, v in p.inputs.items())
                     + ":\n")
        if p.settings.get("rounded"):
            L.append("(Rounded answers are accepted.)\n")
        L.append("\\begin{tabular}{|l|p{7cm}|}\\hline\n\\textbf{answer} & \\textbf{your answer} \\\\ \\hline")
        L += [f"{tex(_ask(q))} & \\\\ \\hline" for q in p.questions]
        L.append("\\end{tabular}\n")
    L.append("\\end{document}\n")
    return "\n".join(L)


def answers_tex(sheets: list) -> str:
    first = sheets[0]
    L = [_PREAMBLE.replace("\\renewcommand{\\arraystretch}{2.2}", "\\renewcommand{\\arraystretch}{1.3}"),
         f"\\section*{{{tex(first.title or 'Problem sheet')}: answers}}"]
    if first.seed is not None:
        L.append(f"Seed {tex(first.seed)}; cg's values (shortest exact form).\n")
    for sh in sheets:
        if sh.student is not None:
            L.append(f"\\subsection*{{{tex(sh.student)}" + (f" (variant {tex(sh.variant)})" if sh.variant else "") + "}")
        for p in sh.problems:
            at = ", ".join(f"\\texttt{{{tex(k)}}} $= {tex(fmt(v))}$" for k, v in p.inputs.items())
            L.append(f"Problem {tex(p.id)}" + (f" at {at}" if at else "") + ":\n")
            L.append("\\begin{tabular}{|l|r|r|r|}\\hline\nanswer & cg's value & tolerance & points \\\\ \\hline")
            L += [f"{tex(q.label)} & ${tex(fmt(q.value))}$ & ${tex(fmt(q.tolerance, 3))}$ & {tex(fmt(q.points))} "
                  f"\\\\ \\hline" for q in p.questions]
            L.append("\\end{tabular}\n")
    L.append("\\end{document}\n")
    return "\n".join(L)


def compile_pdf(tex_path: str) -> str | None:
    """Run pdflatex on a .tex file in its folder (no shell escape, stops at the first error);
    None when the PDF was written, else the reason (the log's first error line)."""
    import shutil
    import subprocess
    exe = shutil.which("pdflatex")
    if exe is None:
        return "pdflatex is not installed"
    folder, name = os.path.split(os.path.abspath(tex_path))
    try:
        p = subprocess.run([exe, "-interaction=nonstopmode", "-halt-on-error", "-no-shell-escape", name],
                           cwd=folder, capture_output=True, timeout=120)
    except (OSError, subprocess.SubprocessError) as e:
        return f"pdflatex failed: {e}"
    stem = name[:-4] if name.endswith(".tex") else name
    for ext in (".aux", ".log", ".out"):
        try:
            if p.returncode == 0 or ext != ".log":
                os.remove(os.path.join(folder, stem + ext))
        except OSError:
            pass
    if p.returncode != 0:
        err = next((ln for ln in p.stdout.decode("utf-8", "replace").splitlines() if ln.startswith("!")),
                   f"exit {p.returncode}")
        return f"pdflatex could not compile {name}: {err} (see {stem}.log)"
    return None
