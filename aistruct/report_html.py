"""``aistruct report``: one self-contained HTML page of a market's structure.

:func:`html_report` takes the report objects of ``concentration`` and
``tiers`` (and of ``trend`` and ``flows`` when the data has periods) and
returns one HTML5 page: per section the chart (inline SVG, from
:mod:`aistruct.charts`) beside its table and the plain-language reading the
commands already print, the input's provenance, the aistruct version, and each
command's JSON document in a ``<script type="application/json">`` data block
(not executable; ``<``, ``>`` and ``&`` written as ``\\u003c`` ... so no name can
close the block). No script runs, no font or style is fetched: the only URLs
are the links of a bundled dataset's sources and licence. Every name from the
data is escaped (control characters shown as ``\\x07``, as in the terminal).
The same reports give the same bytes (no date in the page).
"""

from __future__ import annotations

import html
import math
import re
from typing import Any, Sequence

from aistruct._version import __version__
from aistruct.sanitize import dumps_json, terminal_text

#: The sections a page can hold, in page order (each ``<section id=...>`` and JSON block id ``NAME-json``).
SECTIONS = ("concentration", "tiers", "merge", "trend", "flows")
#: Most groups a table lists; the charts have their own limit (aistruct.charts.style.MAX_PANELS).
MAX_ROWS = 50

CSS = """
:root { --ink: #1a1a1a; --muted: #555; --rule: #d0d0d0; --band: #f4f6f8; }
* { box-sizing: border-box; }
body { margin: 0; font: 16px/1.5 "DejaVu Sans", system-ui, sans-serif; color: var(--ink); background: #fff; }
main { max-width: 1200px; margin: 0 auto; padding: 1rem; }
h1 { font-size: 1.6rem; line-height: 1.25; margin: .5rem 0 1rem; }
h2 { font-size: 1.3rem; border-bottom: 2px solid var(--ink); padding-bottom: .2rem; margin-top: 2.5rem; }
h3 { font-size: 1.05rem; margin: 1.2rem 0 .4rem; }
nav ul { padding-left: 1.2rem; margin: .3rem 0; }
.reading { background: var(--band); border-left: 4px solid #0072B2; padding: .6rem .8rem; margin: .8rem 0; }
.pair { display: block; }
.tables { display: flex; flex-wrap: wrap; gap: 0 2rem; align-items: flex-start; }
.tables > .scroll { max-width: 100%; }
figure { margin: 0 0 .8rem; }
figure svg { max-width: 100%; height: auto; display: block; }
.scroll { overflow-x: auto; -webkit-overflow-scrolling: touch; }
table { border-collapse: collapse; font-size: .88rem; margin: .3rem 0 1rem; }
caption { text-align: left; font-weight: bold; padding: .2rem 0; }
th, td { padding: .25rem .5rem; border-bottom: 1px solid var(--rule); text-align: left; vertical-align: top; }
td.n, th.n { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
dl.provenance { display: grid; grid-template-columns: max-content 1fr; gap: .2rem 1rem; margin: .5rem 0; }
dl.provenance dt { font-weight: bold; }
dl.provenance dd { margin: 0; overflow-wrap: anywhere; }
.warnings { color: #8a4b00; }
footer { color: var(--muted); font-size: .85rem; border-top: 1px solid var(--rule); margin-top: 2.5rem; }
@media (max-width: 820px) {
  body { font-size: 15px; }
  figure { overflow-x: auto; -webkit-overflow-scrolling: touch; }
  figure svg { min-width: 640px; }
  dl.provenance { grid-template-columns: 1fr; gap: 0; }
  dl.provenance dd { margin-bottom: .4rem; }
  main { padding: .6rem; }
}
@media print {
  body { font-size: 10pt; }
  main { max-width: none; padding: 0; }
  nav { display: none; }
  section, figure, table { break-inside: avoid; page-break-inside: avoid; }
  h2 { break-after: avoid; page-break-after: avoid; }
  .reading { background: none; border-left: 2px solid #000; }
  .scroll { overflow: visible; }
  a[href^="http"]::after { content: " (" attr(href) ")"; font-size: .8em; }
}
""".strip()


# ---------------------------------------------------------------- text


def esc(value: Any) -> str:
    """Untrusted text for HTML: control characters shown as escapes (``\\x07``), then markup escaped."""
    return html.escape(terminal_text("" if value is None else value), quote=True)


def json_block(name: str, doc: dict) -> str:
    """``doc`` as a non-executable JSON data block; ``<``, ``>``, ``&`` escaped so nothing can close it.

    >>> json_block("x", {"name": "</script><!--"})
    '<script type="application/json" id="x-json">{"name": "\\\\u003c/script\\\\u003e\\\\u003c!--"}</script>'
    """
    text = dumps_json(doc, indent=None)
    text = text.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e")
    return f'<script type="application/json" id="{name}-json">{text}</script>'


def _pct(x: float | None, digits: int = 1) -> str:
    if x is None or not math.isfinite(x):
        return "–"
    if x != 0 and abs(100 * x) < 10**-digits / 2:
        return ("&lt;" if x > 0 else "&gt;-") + f"{10**-digits:.{digits}f}%"  # HTML already
    return f"{100 * x:,.{digits}f}%"


def _num(x: float | None, digits: int = 0) -> str:
    if x is None or not math.isfinite(x):
        return "–"
    if abs(x) >= 1e15:
        return f"{x:.3g}"
    return f"{x:,.{digits}f}"


def _amount(x: float | None) -> str:
    from aistruct.charts.style import human

    return human(x)


def _group(group: dict) -> str:
    return ", ".join(f"{esc(k)} = {esc(v)}" for k, v in group.items())


def _table(caption: str, head: Sequence[str], rows: Sequence[Sequence[str]], numeric: Sequence[int] = ()) -> str:
    """A table; ``head`` and ``rows`` are HTML already escaped; ``numeric`` columns align right."""
    ths = "".join(f'<th scope="col"{" class=n" if i in numeric else ""}>{h}</th>' for i, h in enumerate(head))
    body = "".join(
        "<tr>" + "".join(f"<td{' class=n' if i in numeric else ''}>{c}</td>" for i, c in enumerate(r)) + "</tr>"
        for r in rows
    )
    return (
        f'<div class="scroll"><table><caption>{caption}</caption>'
        f"<thead><tr>{ths}</tr></thead><tbody>{body}</tbody></table></div>"
    )


_SVG_ID = re.compile(r'\bid="([^"]+)"')


def inline_svg(svg: bytes, prefix: str) -> str:
    """A chart's SVG for inlining: no XML declaration; every id prefixed (several charts share a page)."""
    text = svg.decode("utf-8")
    text = re.sub(r"^<\?xml[^>]*\?>\s*", "", text)
    ids = set(_SVG_ID.findall(text))
    text = _SVG_ID.sub(lambda m: f'id="{prefix}-{m.group(1)}"', text)

    def ref(m: re.Match) -> str:
        name = m.group(2)
        return f"{m.group(1)}{prefix}-{name}" if name in ids else m.group(0)

    text = re.sub(r"(url\(#|href=\"#)([^)\"]+)", ref, text)
    text = re.sub(
        r'aria-labelledby="([^"]+)"',
        lambda m: 'aria-labelledby="' + " ".join(f"{prefix}-{i}" for i in m.group(1).split()) + '"',
        text,
    )
    return text


def _figure(svg: bytes, name: str) -> str:
    return f'<figure class="chart">{inline_svg(svg, name)}</figure>'


# ---------------------------------------------------------------- sections


def _concentration(report) -> tuple[str, str]:
    from aistruct.charts.concentration import chart
    from aistruct.metric_registry import METRICS

    doc = report.to_dict()
    results = doc["results"]
    svg = chart(doc, report.values, "svg")
    tables = []
    if len(results) == 1:
        r = results[0]
        rows = [["Companies", _num(r["n"]), ""], ["Total", _amount(r["total"]), ""]]
        fringe, bounds = r.get("fringe"), r.get("bounds") or {}
        if fringe is not None:  # --other/--total: the unobserved fringe, and HHI, CR as ranges
            unseen = f"{_pct(fringe['share'])} unobserved" if fringe["share"] is not None else "unobserved"
            rows.append(["Fringe", _amount(fringe["value"]), unseen])
        shown = {m.key: _metric_value(m, r.get(m.key)) for m in METRICS if m.kind == "scalar"}
        if r["status"] == "ok":
            for m in METRICS:
                if not m.row:
                    continue
                if m.kind == "scalar":
                    value = _metric_range(m, bounds[m.key]) if m.key in bounds else shown[m.key]
                    rows.append([esc(m.label), value, _metric_reading(m, r, "", shown)])
                else:
                    ranges = bounds.get(m.key) or {}
                    for k, v in (r[m.key] or {}).items():
                        value = _metric_range(m, ranges[k]) if k in ranges else _metric_value(m, v)
                        rows.append([esc(m.label.format(k=k)), value, _metric_reading(m, r, k, shown)])
        tables.append(_table("Metrics", ["Metric", "Value", "Reading"], rows, numeric=(1,)))
        if r["top"]:
            top = [[str(i), esc(c["entity"]), _amount(c["value"]), _pct(c["share"])] for i, c in enumerate(r["top"], 1)]
            tables.append(_table("Largest companies", ["#", "Company", "Value", "Share"], top, numeric=(0, 2, 3)))
        reading = _concentration_reading(doc, r)
    else:
        by = doc["input"]["by"]
        rows = [
            [
                *[esc(r["group"].get(b)) for b in by],
                _num(r["n"]),
                _amount(r["total"]),
                _num(r["hhi"]),
                esc(r["band"] or r["status"]),
                _num(r["gini"], 3) if r["gini"] is not None else "–",
                esc(r["top"][0]["entity"]) if r["top"] else "–",
            ]
            for r in results[:MAX_ROWS]
        ]
        head = [*[esc(b) for b in by], "n", "Total", "HHI", "Band", "Gini", "Largest"]
        tables.append(_table("Concentration per group", head, rows, numeric=tuple(range(len(by), len(by) + 3))))
        reading = " ".join(_concentration_reading(doc, r) for r in results[:MAX_ROWS])
    body = _pair(svg, "concentration", tables)
    return body, reading


def _metric_range(m, pair) -> str:
    """A [low, high] range in the metric's format: ``2,900–3,000`` (one number when both ends agree)."""
    lo, hi = (_metric_value(m, v) for v in pair)
    return lo if lo == hi else f"{lo}–{hi}"


def _metric_value(m, value) -> str:
    if m.display == "percent":
        return _pct(value) if m.digits is None else _pct(value, m.digits)
    if m.display == "ratio":
        return _num(value, 3 if m.digits is None else m.digits)
    return _num(value, 0 if m.digits is None else m.digits)


def _metric_reading(m, r: dict, k: str, shown: dict) -> str:
    if m.reading == "{band}":
        return esc(r["band"] or "–")
    return esc(m.reading.format(k=k, **shown))


def _concentration_reading(doc: dict, r: dict) -> str:
    where = f"{_group(r['group'])}: " if r["group"] else ""
    if r["status"] != "ok":
        return f"{where}no figures ({esc(r['status'])})."
    top = r["top"][0] if r["top"] else None
    largest = f" The largest, {esc(top['entity'])}, holds {_pct(top['share'])}." if top else ""
    hhi = _num(r["hhi"])
    bounds, fringe = r.get("bounds"), r.get("fringe")
    if bounds and fringe:  # --other/--total: a range, and what is not seen
        hhi = f"{_num(bounds['hhi'][0])} to {_num(bounds['hhi'][1])} ({_pct(fringe['share'])} of the market unobserved)"
    return (
        f"{where}{_num(r['n'])} companies; the HHI is {hhi}, {esc(r['band'])} under the "
        f"{esc(doc['guidelines'])} guidelines; Gini {_num(r['gini'], 3)}.{largest}"
    )


def _tiers(report) -> tuple[str, str]:
    from aistruct.charts.tiers import chart
    from aistruct.tiers import middle_reading

    doc = report.to_dict()
    svg = chart(doc, report.sizes, "svg")
    tables, readings = [], []
    inp = doc["input"]
    size = inp.get("size") or inp["value"]
    for r in doc["results"][:MAX_ROWS]:
        where = f" ({_group(r['group'])})" if r["group"] else ""
        if r["tiers"] is None:
            readings.append(f"{where.strip(' ()')}: no tiers ({esc(r['status'])}).".lstrip(": "))
            continue
        low, high = r["bounds"]
        caption = (
            f"Tiers of {esc(inp['entity'])} by {esc(size)}{where}: {esc(r['method'])}, small &lt; {_amount(low)} "
            f"≤ middle ≤ {_amount(high)} &lt; giant"
        )
        tiers = r["tiers"]
        head = ["", *[esc(t["label"]) for t in tiers]]
        rows = [
            ["Size range", *[_range(t) for t in tiers]],
            ["Companies", *[_num(t["count"]) for t in tiers]],
            ["Count share", *[_pct(t["count_share"]) for t in tiers]],
            ["Value", *[_amount(t["value"]) for t in tiers]],
            ["Value share", *[_pct(t["value_share"]) for t in tiers]],
            ["Largest", *["<br>".join(esc(c["entity"]) for c in t["largest"]) for t in tiers]],
        ]
        tables.append(_table(caption, head, rows, numeric=(1, 2, 3)))
        if r["diagnostics"] is not None:
            d = r["diagnostics"]
            deficit = d["middle_deficit"]
            diag = [
                ["Expected middle share", _pct(d["expected_middle_share"])],
                ["Middle deficit", "–" if deficit is None else f"{deficit * 100:+.1f} pts"],
                ["Bimodality coefficient", _num(d["bimodality_coefficient"], 3)],
                ["Dip (p)", f"{_num(d['dip'], 3)} ({_num(d['dip_p_value'], 3)})"],
                ["Shape", esc(r["shape"] or "–")],
            ]
            tables.append(_table(f"Missing-middle diagnostics{where}", ["Diagnostic", "Value"], diag, numeric=(1,)))
            readings.append((f"{_group(r['group'])}: " if r["group"] else "") + esc(middle_reading(r)))
    return _pair(svg, "tiers", tables), " ".join(readings)


def _range(t: dict) -> str:
    if t["count"] == 0:
        return "(empty)"
    if t["min_size"] == t["max_size"]:
        return _amount(t["min_size"])
    return f"{_amount(t['min_size'])} – {_amount(t['max_size'])}"


def _trend(report) -> tuple[str, str]:
    from aistruct.charts.trend import chart

    doc = report.to_dict()
    svg = chart(doc, "svg")
    tables, readings = [], []
    for s in doc["results"][:MAX_ROWS]:
        where = f" ({_group(s['group'])})" if s["group"] else ""
        tiered = s["bounds"] is not None
        ks = list(s["periods"][0]["cr"] or {})[:2] if s["periods"] and s["periods"][0].get("cr") else []
        head = ["Period", "n", "Total", "HHI", *[f"CR{esc(k)}" for k in ks], "Gini"]
        head += ["Middle value share"] if tiered else []
        rows = []
        for p in s["periods"]:
            row = [esc(p["period"]) + (" (thin)" if p["thin"] else ""), _num(p["n"]), _amount(p["total"])]
            row += [_num(p["hhi"]), *[_pct((p["cr"] or {}).get(k)) for k in ks], _num(p["gini"], 3)]
            if tiered:
                row.append(_pct(p["tiers"]["middle"]["value_share"]) if p.get("tiers") else "–")
            rows.append(row)
        tables.append(_table(f"Per period{where}", head, rows, numeric=tuple(range(1, len(head)))))
        readings.append((f"{_group(s['group'])}: " if s["group"] else "") + esc(s["verdict"]))
    return _pair(svg, "trend", tables), " ".join(readings)


def _flows(report) -> tuple[str, str]:
    from aistruct.charts.flows import chart
    from aistruct.flows import ACQUIRED, DESTINATIONS, ORIGINS

    doc = report.to_dict()
    svg = chart(doc, "svg")
    deals = doc["input"].get("acquisitions") is not None
    shown = [d for d in DESTINATIONS if deals or d != ACQUIRED]
    tables, readings = [], []
    for s in doc["results"][:MAX_ROWS]:
        where = f" ({_group(s['group'])})" if s["group"] else ""
        step = s["overall"]
        if step is not None:
            rows = []
            for o in ORIGINS:
                row = step["counts"][o]
                cells = ["" if o == "entered" and d in ("exited", ACQUIRED) else _num(row[d]) for d in shown]
                rows.append([esc(o), *cells, _num(sum(row.values()))])
            caption = f"Whole span {esc(step['from'])} → {esc(step['to'])}{where}: companies from (rows) to (columns)"
            head = ["from \\ to", *shown, "total"]
            tables.append(_table(caption, head, rows, numeric=tuple(range(1, len(head)))))
        readings.append((f"{_group(s['group'])}: " if s["group"] else "") + esc(s["verdict"]))
    return _pair(svg, "flows", tables), " ".join(readings)


def _merge(report) -> tuple[str, str]:
    from aistruct.charts.merge import chart

    doc = report.to_dict()
    svg = chart(doc, report.largest, "svg")
    guidelines = doc["guidelines"]
    by = doc["input"]["by"]
    rows, readings = [], []
    for r in doc["results"][:MAX_ROWS]:
        deal = (
            esc(r["scenario"]) if r["scenario"] else f"{esc(r['acquirer'])} + {', '.join(esc(t) for t in r['targets'])}"
        )
        if r["step"] is not None:
            deal = f"{r['step']}. {deal}"
        where = f"{_group(r['group'])}: " if r["group"] else ""
        if r["status"] != "ok":
            rows.append(
                [
                    *[esc(r["group"].get(b)) for b in by],
                    deal,
                    "–",
                    "–",
                    "–",
                    "–",
                    *(esc(r["status"]) for _ in guidelines),
                ]
            )
            readings.append(f"{where}{deal}: {esc(r['status'])}.")
            continue
        findings = [esc(r["verdicts"][g]["finding"]) for g in guidelines]
        rows.append(
            [
                *[esc(r["group"].get(b)) for b in by],
                deal,
                _num(r["pre_hhi"]),
                _num(r["post_hhi"]),
                f"{r['delta_hhi']:+,.0f}",
                _pct(r["merged_share"]),
                *findings,
            ]
        )
        reasons = "; ".join(
            f"{esc(g)}: {esc(r['verdicts'][g]['finding'])} ({esc(r['verdicts'][g]['reason'])})" for g in guidelines
        )
        readings.append(
            f"{where}{deal}: the HHI goes from {_num(r['pre_hhi'])} to {_num(r['post_hhi'])} "
            f"(ΔHHI {r['delta_hhi']:+,.0f}), the merged firm holds {_pct(r['merged_share'])}. {reasons}."
        )
    head = [
        *[esc(b) for b in by],
        "Deal",
        "HHI before",
        "HHI after",
        "ΔHHI",
        "Merged share",
        *[esc(g) for g in guidelines],
    ]
    first = len(by) + 1
    table = _table("Deals read against the merger guidelines", head, rows, numeric=tuple(range(first, first + 4)))
    return _pair(svg, "merge", [table]), " ".join(readings)


def _pair(svg: bytes, name: str, tables: list[str]) -> str:
    return f'<div class="pair">{_figure(svg, name)}<div class="tables">{"".join(tables)}</div></div>'


TITLES = {
    "concentration": "Concentration",
    "tiers": "Tiers: small, middle, giant",
    "merge": "The deal",
    "trend": "Trend over the periods",
    "flows": "Flows between the tiers",
}


# ---------------------------------------------------------------- provenance


def dataset_links(source: str) -> list[tuple[str, str]]:
    """(text, https URL) of a bundled dataset's sources and licences; none for a file."""
    from aistruct.datasets import find
    from aistruct.reader.source import DATASET_PREFIX

    if not str(source).startswith(DATASET_PREFIX):
        return []
    res = find(str(source)[len(DATASET_PREFIX) :])
    out = []
    for item in [*res.get("sources", []), *res.get("licenses", [])]:
        url = str(item.get("path") or "")
        if url.startswith("https://"):
            out.append((str(item.get("title") or item.get("name") or url), url))
    return out


def _provenance(inp: dict, filters: dict) -> str:
    items = [
        ("File", esc(inp["source"])),
        ("Rows", f"{_num(inp['rows_read'])} read, {_num(inp['rows_used'])} used"),
        ("Company column", esc(inp["entity"])),
        ("Value column", esc(inp["value"])),
    ]
    if inp.get("size") and inp["size"] != inp["value"]:
        items.append(("Size column", esc(inp["size"])))
    if inp.get("by"):
        items.append(("Groups", ", ".join(esc(b) for b in inp["by"])))
    for key, value in filters.items():
        if value in (None, (), [], False, ""):
            continue
        shown = "; ".join(esc(v) for v in value) if isinstance(value, (list, tuple)) else esc(value)
        items.append((esc(key), shown))
    if inp.get("credit"):
        items.append(("Data credit", esc(inp["credit"])))
    links = dataset_links(inp["source"])
    if links:
        items.append(("Sources", " · ".join(f'<a href="{esc(u)}">{esc(t)}</a>' for t, u in links)))
    body = "".join(f"<dt>{k}</dt><dd>{v}</dd>" for k, v in items)
    return f'<dl class="provenance">{body}</dl>'


# ---------------------------------------------------------------- page


def html_report(
    concentration,
    tiers,
    trend=None,
    flows=None,
    merge=None,
    *,
    filters: dict | None = None,
) -> str:
    """The page of these reports (``trend``, ``flows`` and ``merge`` optional); ``filters``: reading options
    to show under the provenance (``{"Filters": [...], "Combine rows": "max"}``), in the order given."""
    reports = {"concentration": concentration, "tiers": tiers, "merge": merge, "trend": trend, "flows": flows}
    builders = {
        "concentration": _concentration,
        "tiers": _tiers,
        "merge": _merge,
        "trend": _trend,
        "flows": _flows,
    }
    present = [k for k in SECTIONS if reports[k] is not None]
    inp = concentration.input
    title = f"Market structure of {esc(inp['value'])} across {esc(inp['entity'])}"
    sections, blocks, warnings = [], [], []
    for key in present:
        body, reading = builders[key](reports[key])
        sections.append(f'<section id="{key}"><h2>{TITLES[key]}</h2><p class="reading">{reading}</p>{body}</section>')
        doc = reports[key].to_dict()
        blocks.append(json_block(key, doc))
        warnings += [w for w in doc["warnings"] if w not in warnings]
    nav = "".join(f'<li><a href="#{k}">{TITLES[k]}</a></li>' for k in present)
    warn = '<ul class="warnings">' + "".join(f"<li>{esc(w)}</li>" for w in warnings) + "</ul>" if warnings else ""
    data = (
        '<section id="data"><h2>The JSON documents</h2><p>Each section\'s document, as '
        "<code>aistruct COMMAND --format json</code> prints it, is embedded in this page as a "
        '<code>&lt;script type="application/json"&gt;</code> data block (not run by the browser): '
        + ", ".join(f"<code>#{k}-json</code>" for k in present)
        + ".</p></section>"
    )
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f'<meta name="generator" content="aistruct {esc(__version__)}">\n'
        f"<title>{title}</title>\n<style>\n{CSS}\n</style>\n</head>\n<body>\n<main>\n"
        f"<h1>{title}</h1>\n"
        f'<nav aria-label="Sections"><ul>{nav}</ul></nav>\n'
        f'<section id="provenance"><h2>The data</h2>{_provenance(inp, filters or {})}{warn}</section>\n'
        + "\n".join(sections)
        + f"\n{data}\n"
        f"<footer>Made by aistruct {esc(__version__)} (<code>aistruct report</code>).</footer>\n"
        "</main>\n" + "\n".join(blocks) + "\n</body>\n</html>\n"
    )
