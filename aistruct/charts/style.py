"""What every chart shares: palette, fonts, number formatting, safe labels, deterministic bytes.

The palette is Okabe and Ito's colour-blind-safe set, chosen so the three tiers
also differ in lightness (they stay apart printed in grey), with a hatch on the
middle tier as a second cue. Text stays text in SVG (``svg.fonttype = none``),
math parsing is off (a ``$`` in a company name is a dollar sign), and the
output carries no date, no random ids and no external reference.
"""

from __future__ import annotations

import io
import math
import re
from contextlib import contextmanager
from xml.sax.saxutils import escape

from aistruct.sanitize import terminal_text

#: Okabe-Ito colours (plus a darker blue for the giant tier).
BLUE, ORANGE, GREEN, VERMILLION, SKY, PURPLE, GREY = (
    "#0072B2",
    "#E69F00",
    "#009E73",
    "#D55E00",
    "#56B4E9",
    "#CC79A7",
    "#999999",
)
#: small, middle, giant: light, middle and dark in greyscale.
TIER_COLOURS = {"small": ORANGE, "middle": GREEN, "giant": "#004A7A"}
TIER_HATCH = {"small": "", "middle": "//", "giant": ""}
#: Most panels one chart draws; more groups show the largest with a note.
MAX_PANELS = 12
MAX_LABEL = 40

RC = {
    "svg.fonttype": "none",
    "svg.hashsalt": "aistruct",
    "svg.image_inline": True,
    "text.parse_math": False,
    "font.family": "DejaVu Sans",
    "font.size": 9,
    "axes.titlesize": 10,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "hatch.color": "white",
    "hatch.linewidth": 0.8,
    "path.simplify": False,
}


@contextmanager
def context():
    """matplotlib settings of every chart (only inside the ``with``)."""
    import matplotlib

    with matplotlib.rc_context(RC):
        yield


def figure(width: float, height: float):
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), dpi=100, layout="constrained")


def label(text, limit: int = MAX_LABEL) -> str:
    """Untrusted text (a company or column name) for a chart: control characters shown as escapes, cut short."""
    t = terminal_text("" if text is None else text)
    return t if len(t) <= limit else t[: limit - 1] + "…"


_SUFFIXES = ((1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "K"))


def human(x: float | None, digits: int = 3) -> str:
    """1.2B, 30K, 950; 3.8e25 beyond trillions; '–' for null.

    >>> human(1_234_000_000), human(41_640_000), human(950), human(3.8e25)
    ('1.23B', '41.6M', '950', '3.8e25')
    """
    if x is None or not math.isfinite(x):
        return "–"
    a = abs(x)
    if a >= 1e15:
        m, e = f"{x:.{digits - 1}e}".split("e")
        return f"{float(m):g}e{int(e)}"
    for size, suffix in _SUFFIXES:
        if a >= size:
            return f"{float(f'{x / size:.{digits}g}'):g}{suffix}"
    return f"{float(f'{x:.{digits}g}'):g}"


def pct(x: float | None, digits: int = 1) -> str:
    """0.3 -> '30.0%'; '–' for null."""
    if x is None or not math.isfinite(x):
        return "–"
    return f"{x * 100:.{digits}f}%"


def percent_axis(axis) -> None:
    from matplotlib.ticker import FuncFormatter

    axis.set_major_formatter(FuncFormatter(lambda v, _: f"{v * 100:.0f}%"))


def group_title(group: dict) -> str:
    """``domain = Vision, year = 2024``, cut at 50 characters."""
    return label(", ".join(f"{label(k)} = {label(v)}" for k, v in group.items()), 50)


def source_line(doc: dict) -> str:
    inp = doc.get("input") or {}
    credit = inp.get("credit")
    return f"Data: {label(credit, 200)}" if credit else f"Source: {label(inp.get('source'), 120)}"


def pick_groups(results: list, size_key) -> tuple[list, str]:
    """At most MAX_PANELS results (the largest by ``size_key``, in their order) and a note when some are left out."""
    if len(results) <= MAX_PANELS:
        return list(results), ""
    keep = sorted(range(len(results)), key=lambda i: (-(size_key(results[i]) or 0.0), i))[:MAX_PANELS]
    note = f"Showing the {MAX_PANELS} largest of {len(results)} groups."
    return [results[i] for i in sorted(keep)], note


def render(fig, fmt: str, *, title: str, desc: str) -> bytes:
    """The figure as SVG (with <title> and <desc>, no metadata block) or PNG bytes, the same every run."""
    buf = io.BytesIO()
    if fmt == "svg":
        fig.savefig(buf, format="svg", metadata={"Date": None, "Creator": None, "Format": None, "Type": None})
        return _svg_text(buf.getvalue().decode("utf-8"), title, desc).encode("utf-8")
    fig.savefig(buf, format="png", dpi=150, metadata={"Software": None})
    return buf.getvalue()


_XML_BAD = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _xml(text: str) -> str:
    return escape(_XML_BAD.sub("", terminal_text(text)))


def _svg_text(svg: str, title: str, desc: str) -> str:
    """Drop the DOCTYPE (an external DTD) and the RDF metadata; add <title> and <desc> for screen readers."""
    svg = re.sub(r"<!DOCTYPE[^>]*>\s*", "", svg, count=1)
    svg = re.sub(r"\s*<metadata>.*?</metadata>", "", svg, count=1, flags=re.S)
    start = svg.index("<svg")
    end = svg.index(">", start) + 1
    head = svg[:end]
    if "role=" not in head:
        head = head[:-1] + ' role="img" aria-labelledby="chart-title chart-desc">'
    inject = f'\n <title id="chart-title">{_xml(title)}</title>\n <desc id="chart-desc">{_xml(desc)}</desc>'
    return head + inject + svg[end:]
