"""Loss curves: a Unicode (Braille) line plot for the terminal, an SVG file written here, and a
PNG through matplotlib when it is installed (the optional `plot` extra, imported only on
that path).

Why SVG by hand: a line chart is a polyline, a few ticks and labels — some fifty lines of
text that need no dependency and that tests can parse with the standard library. PNG needs a
rasteriser with fonts, which is what matplotlib is for.
"""
from __future__ import annotations

import math

from ..core.fmt import fmt

# Braille dots: bit for (row 0..3, column 0..1) within one character cell
_DOTS = ((0x01, 0x08), (0x02, 0x10), (0x04, 0x20), (0x40, 0x80))


def use_log(ys: list) -> bool:
    """A log scale when the curve is positive and spans more than three decades."""
    return bool(ys) and min(ys) > 0 and max(ys) / min(ys) > 1e3


def _finite(ys) -> list:
    return [y for y in ys if math.isfinite(y)]


def spans(ys: list, columns: int) -> list:
    """Per pixel column, the (low, high) range of the curve there, joined to the previous
    column so the line is continuous. Many points per column keep their extremes; fewer
    points than columns are interpolated linearly."""
    n = len(ys)
    out = []
    prev = None
    if n >= columns:
        for px in range(columns):
            a = px * n // columns
            b = max(a + 1, (px + 1) * n // columns)
            seg = ys[a:b]
            lo, hi = min(seg), max(seg)
            if prev is not None:
                lo, hi = min(lo, prev), max(hi, prev)
            out.append((lo, hi))
            prev = seg[-1]
    else:
        for px in range(columns):
            t = px * (n - 1) / (columns - 1) if columns > 1 else 0.0
            i = min(int(t), n - 1)
            f = t - i
            y = ys[i] if i + 1 >= n else ys[i] * (1 - f) + ys[i + 1] * f
            lo = hi = y
            if prev is not None:
                lo, hi = min(y, prev), max(y, prev)
            out.append((lo, hi))
            prev = y
    return out


def curve(ys, width: int = 60, height: int = 8, unit: str = "step", first: int = 0) -> list:
    """The loss curve as lines of text: a Braille plot `width` × `height` characters with the
    highest and lowest loss on the left axis and the first and last x under it."""
    ys = _finite(ys)
    if not ys:
        return []
    log = use_log(ys)
    t = [math.log10(y) for y in ys] if log else list(ys)
    lo, hi = min(t), max(t)
    w, h = width * 2, height * 4
    grid = [[0] * width for _ in range(height)]

    def row(v):
        if hi == lo:
            return h // 2
        return min(h - 1, max(0, round((hi - v) / (hi - lo) * (h - 1))))

    for px, (a, b) in enumerate(spans(t, w)):
        top, bottom = row(b), row(a)
        for py in range(top, bottom + 1):
            grid[py // 4][px // 2] |= _DOTS[py % 4][px % 2]
    top_label, bottom_label = fmt(max(ys), 3), fmt(min(ys), 3)
    pad = max(len(top_label), len(bottom_label))
    lines = [f"{'loss' + (' (log scale)' if log else ''):>{pad}}"]
    for r in range(height):
        label = top_label if r == 0 else (bottom_label if r == height - 1 else "")
        tick = "┤" if label else "│"
        lines.append(f"{label:>{pad}} {tick}" + "".join(chr(0x2800 + c) for c in grid[r]))
    lines.append(" " * pad + " └" + "─" * width)
    last = str(first + len(ys) - 1)
    plural = "s" if len(ys) != 1 else ""
    axis = str(first).ljust(width - len(last)) + last
    lines.append(" " * (pad + 2) + axis + f"  {unit}{plural}")
    return lines


def svg(ys, title: str = "", unit: str = "step", first: int = 0, width: int = 640,
        height: int = 360) -> str:
    """A standalone SVG line chart of the loss."""
    ys = _finite(ys)
    left, right, top, bottom = 78, 20, 36, 48
    pw, ph = width - left - right, height - top - bottom
    log = use_log(ys)
    t = [math.log10(y) for y in ys] if log else list(ys)
    lo, hi = (min(t), max(t)) if t else (0.0, 1.0)
    if hi == lo:
        lo, hi = lo - 0.5, hi + 0.5
    n = len(t)

    def X(i):
        return left + (pw * i / (n - 1) if n > 1 else pw / 2)

    def Y(v):
        return top + ph * (hi - v) / (hi - lo)

    if n > 2 * pw:                      # keep the file small: per pixel column, its extremes
        pts = []
        for px, (a, b) in enumerate(spans(t, pw)):
            x = left + px
            pts.append(f"{x:.1f},{Y(b):.2f}")
            pts.append(f"{x:.1f},{Y(a):.2f}")
    else:
        pts = [f"{X(i):.2f},{Y(v):.2f}" for i, v in enumerate(t)]
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
           f'viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="12">',
           f'<rect width="{width}" height="{height}" fill="white"/>']
    if title:
        out.append(f'<text x="{width / 2:.0f}" y="20" text-anchor="middle" font-size="14">{_esc(title)}</text>')
    for k in range(5):                  # y ticks and grid lines
        v = lo + (hi - lo) * k / 4
        y = Y(v)
        label = fmt(10 ** v if log else v, 3)
        out.append(f'<line x1="{left}" y1="{y:.2f}" x2="{left + pw}" y2="{y:.2f}" stroke="#e5e5e5"/>')
        out.append(f'<text x="{left - 6}" y="{y + 4:.2f}" text-anchor="end">{label}</text>')
    ticks = sorted({0, n // 4, n // 2, 3 * n // 4, max(n - 1, 0)}) if n else []
    for i in ticks:                     # x ticks
        x = X(i)
        out.append(f'<line x1="{x:.2f}" y1="{top + ph}" x2="{x:.2f}" y2="{top + ph + 5}" stroke="black"/>')
        out.append(f'<text x="{x:.2f}" y="{top + ph + 18}" text-anchor="middle">{first + i}</text>')
    out.append(f'<path d="M{left},{top}V{top + ph}H{left + pw}" fill="none" stroke="black"/>')
    out.append(f'<text x="{left + pw / 2:.0f}" y="{height - 8}" text-anchor="middle">{unit}</text>')
    out.append(f'<text x="14" y="{top + ph / 2:.0f}" text-anchor="middle" '
               f'transform="rotate(-90 14 {top + ph / 2:.0f})">loss{" (log scale)" if log else ""}</text>')
    if pts:
        out.append(f'<polyline fill="none" stroke="#1f77b4" stroke-width="1.5" points="{" ".join(pts)}"/>')
    out.append("</svg>")
    return "\n".join(out) + "\n"


def _esc(s: str) -> str:
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


PLOT_FORMATS = (".svg", ".png")


def check_target(path: str) -> None:
    """Fail before any work if `--plot FILE` cannot be written as asked."""
    from ..core.errors import InputError
    ext = path[path.rfind("."):].lower() if "." in path else ""
    if ext not in PLOT_FORMATS:
        raise InputError(f"cg: --plot {path}: the file name must end in .svg or .png")
    if ext == ".png":
        import importlib.util
        if importlib.util.find_spec("matplotlib") is None:
            raise InputError(f"cg: --plot {path}: a PNG needs matplotlib, which is not installed",
                             hint="install it with: pip install 'cgcli[plot]'  (or write an SVG: "
                                  f"--plot {path[:-4]}.svg, which needs nothing)")


def write(path: str, ys, title: str, unit: str, first: int = 0) -> None:
    from ..core.errors import InputError
    try:
        if path.lower().endswith(".png"):
            _png(path, _finite(ys), title, unit, first)
        else:
            with open(path, "w", encoding="utf-8") as f:
                f.write(svg(ys, title, unit, first))
    except OSError as e:
        raise InputError(f"cg: cannot write {path}: {e.strerror or e}") from None


def _png(path: str, ys: list, title: str, unit: str, first: int) -> None:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(figsize=(6.4, 3.6), dpi=100)
    try:
        ax.plot(range(first, first + len(ys)), ys, color="#1f77b4", linewidth=1.5)
        if use_log(ys):
            ax.set_yscale("log")
        ax.set_xlabel(unit)
        ax.set_ylabel("loss")
        ax.set_title(title, fontsize=10)
        ax.grid(True, color="#e5e5e5")
        fig.tight_layout()
        fig.savefig(path)
    finally:
        plt.close(fig)
