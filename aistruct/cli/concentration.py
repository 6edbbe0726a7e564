"""``aistruct concentration``: options, one core call, rendering."""

from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:  # Rich is imported when a table is drawn, not for JSON
    from rich.table import Table

from aistruct.bootstrap import interval_columns
from aistruct.cli.app import app, command_help
from aistruct.cli.options import CI, ENGINE, MARKET, OUTPUT, OWNERSHIP, PLOT, READ, examples, parse_int_list, shared
from aistruct.cli.render import (
    band_text,
    cell,
    emit,
    fit_labels,
    flatten,
    fmt_amount,
    fmt_compact,
    fmt_number,
    fmt_pct,
    fmt_range,
    fmt_ratio,
    hhi_cell,
    terminal_width,
)
from aistruct.metric_registry import METRICS, Metric

HHI = next(m for m in METRICS if m.key == "hhi")

#: The result fields of the CSV/Markdown view, in order (keyed metrics become one column per key).
SCALARS = ("n", "total", *(m.key for m in METRICS), "band", "status")
#: The result fields --ownership adds to the CSV/Markdown view (only when some market has an MHHI).
OWNERSHIP_KEYS = ("mhhi", "mhhi_delta")
#: The result fields a fringe adds to the CSV/Markdown view (only when one is given).
FRINGE_KEYS = ("fringe", "bounds")
#: How a metric's ``display`` is formatted in the table.
FORMATS = {"number": fmt_number, "ratio": fmt_ratio, "percent": fmt_pct}


def result_rows(doc: dict):
    """CSV/Markdown view: one row per group, --by columns first, nested metrics flattened."""
    by = doc["input"]["by"]
    # with an unobserved fringe: its value and share, and each range as _lo/_hi columns
    keys = SCALARS + (OWNERSHIP_KEYS if any(r.get("mhhi") is not None for r in doc["results"]) else ())
    keys += FRINGE_KEYS if any(r.get("fringe") is not None for r in doc["results"]) else ()
    any_ci = any(r.get("ci") for r in doc["results"])
    ks = next((list(r["cr"]) for r in doc["results"] if r.get("cr")), [])
    flats = []
    for r in doc["results"]:
        flat: dict = {}
        for key in keys:
            flatten(key, r.get(key), flat)
        if any_ci:
            flat.update(interval_columns(r.get("ci"), ks))
        flats.append(flat)
    names = list(dict.fromkeys(c for flat in flats for c in flat))  # every group's columns, in order
    # a group without shares has null cr, atkinson, bounds ...: empty cells under the other groups' columns
    nested = {k for r in doc["results"] for k in keys if isinstance(r.get(k), (dict, list))}
    names = [c for c in names if c not in nested]
    columns = list(by) + names
    rows = [[r["group"].get(b) for b in by] + [flat.get(c) for c in names] for r, flat in zip(doc["results"], flats)]
    return columns, rows


def ci_label(doc: dict) -> str | None:
    """``95% CI`` for the first result with intervals, None when there are none."""
    level = next((r["ci"]["level"] for r in doc["results"] if r.get("ci")), None)
    return None if level is None else f"{level * 100:g}% CI"


def _ci_text(m: Metric, pair) -> str:
    return f"{_fmt(m, pair[0])} – {_fmt(m, pair[1])}" if pair else ""


def _group_title(group: dict) -> str:
    return ", ".join(f"{k} = {v}" for k, v in group.items())


def _metric_table(r: dict, title: str, guidelines: str = "us-2023", ci_head: str | None = None) -> "Table":
    from rich.table import Table
    from rich.text import Text

    t = Table(title=Text(title), title_justify="left", show_header=True, header_style="bold")
    t.add_column("Metric")
    ci = r.get("ci")
    t.add_column("Value", justify="right", no_wrap=bool(ci_head))
    if ci_head:  # numbers are never cut: the readings wrap instead
        t.add_column(ci_head, justify="right", no_wrap=True)
    t.add_column("Reading", no_wrap=not ci_head)
    pad = [""] if ci_head else []
    fringe = r.get("fringe")
    t.add_row("Companies", fmt_number(r["n"]), *pad, "listed; the fringe's are not counted" if fringe else "")
    t.add_row("Total", fmt_amount(r["total"]), *pad, "the whole market, fringe included" if fringe else "")
    if fringe is not None:
        share = f"{fmt_pct(fringe['share'])} unobserved" if fringe["share"] is not None else "unobserved"
        t.add_row("Fringe", fmt_amount(fringe["value"]), *pad, share)
    if r["status"] != "ok":
        t.add_row("Status", Text(r["status"], style="yellow"), *pad, "metrics undefined")
        return t
    bounds = r.get("bounds")
    shown = {m.key: _fmt(m, r[m.key]) for m in METRICS if m.kind == "scalar"}  # for {key} in readings
    for m in METRICS:
        if not m.row:
            continue
        if m.kind == "scalar":
            value = _fmt_range(m, bounds[m.key]) if bounds and m.key in bounds else shown[m.key]
            reading = _reading(m, r, "", shown)
            if bounds and m.key == "hhi":
                reading = _band_range(r, bounds["hhi"], guidelines)
            band = [_ci_text(m, ci.get(m.key)) if ci else ""] if ci_head else []
            t.add_row(m.label, value, *band, reading)
        else:
            ranges = bounds.get(m.key) if bounds else None
            for k, v in r[m.key].items():
                value = _fmt_range(m, ranges[k]) if ranges and k in ranges else _fmt(m, v)
                pair = ci.get(m.key, {}).get(k) if ci else None
                band = [_ci_text(m, pair)] if ci_head else []
                t.add_row(m.label.format(k=k), value, *band, _reading(m, r, k, shown))
    if r.get("mhhi") is not None:  # only under --ownership
        t.add_row("MHHI", fmt_number(r["mhhi"]), *pad, f"O'Brien–Salop: +{fmt_number(r['mhhi_delta'])} from ownership")
    if ci:
        t.caption = Text(
            f"{ci_head}: {ci['method']} bootstrap, {ci['resamples']:,} resamples of the companies, seed "
            f"{ci['seed']}; sampling error only, meaningful when the table is a sample of firms."
        )
        t.caption_justify = "left"
    if bounds:
        t.caption = Text(
            "With a fringe: HHI, equivalent firms and CR are of the whole market, from the fringe as countless "
            "tiny companies to companies the size of the smallest listed; the other figures describe the listed "
            "companies."
        )
        t.caption_justify = "left"
    return t


def _fmt_range(m: Metric, pair) -> str:
    """``2,900–3,000`` in the metric's format; one number when both ends agree."""
    return fmt_range(pair, lambda v: _fmt(m, v))


def _band_range(r: dict, hhi_range, guidelines: str):
    """The band at both ends of the HHI range, saying so when they differ."""
    from rich.text import Text

    from aistruct.guidelines import band

    low, high = r["band"], band(hhi_range[1], guidelines)
    if low == high:
        return band_text(low)
    return Text.assemble(band_text(low), " to ", band_text(high))


def _fmt(m: Metric, value) -> str:
    f = FORMATS[m.display]
    return f(value) if m.digits is None else f(value, m.digits)


def _reading(m: Metric, r: dict, k: str, shown: dict):
    if m.reading == "{band}":
        return band_text(r["band"])
    return m.reading.format(k=k, **shown)


def _top_table(r: dict) -> "Table":
    from rich.table import Table

    t = Table(title="Largest companies", title_justify="left", header_style="bold")
    t.add_column("#", justify="right")
    t.add_column("Company")
    t.add_column("Value", justify="right")
    t.add_column("Share", justify="right")
    for i, c in enumerate(r["top"], start=1):
        t.add_row(str(i), cell(c["entity"]), fmt_amount(c["value"]), fmt_pct(c["share"]))
    return t


BAND_CAPTION = "Band: the HHI read against --guidelines."


def _groups_table(doc: dict) -> "Table":
    """One row per group; numbers are never cut: group labels and the company name are shortened
    (with an ellipsis) to fit the terminal."""
    from rich import box
    from rich.table import Table
    from rich.text import Text

    by = doc["input"]["by"]
    first_ok = next((r for r in doc["results"] if r["cr"]), None)
    ks = list(first_ok["cr"])[:2] if first_ok else []  # the first two requested (CR1 and CR4 by default)

    t = Table(
        title=Text(f"Concentration of {doc['input']['value']} by {', '.join(by)}"),
        title_justify="left",
        header_style="bold",
        box=box.SIMPLE_HEAD,
        pad_edge=False,
        collapse_padding=True,
        caption=Text(BAND_CAPTION),
        caption_justify="left",
    )
    for b in by:
        t.add_column(cell(b), no_wrap=True)
    fringes = any(r.get("fringe") is not None for r in doc["results"])
    for name in ("n", "Total", "HHI") + (("Fringe",) if fringes else ()):
        t.add_column(name, justify="right", no_wrap=True)
    ci_head = ci_label(doc)
    if ci_head:
        t.add_column(f"HHI {ci_head}", justify="right", no_wrap=True)
        t.caption = Text(f"{BAND_CAPTION} HHI {ci_head}: bootstrap interval (--ci).")
    t.add_column("Band", no_wrap=True)
    owned = any(r.get("mhhi") is not None for r in doc["results"])
    if owned:
        t.add_column("MHHI", justify="right", no_wrap=True)
    for k in ks:
        t.add_column(f"CR{k}", justify="right", no_wrap=True)
    t.add_column("Gini", justify="right", no_wrap=True)
    t.add_column("Largest", no_wrap=True)
    for r in doc["results"]:
        cr = r["cr"] or {}
        t.add_row(
            *[cell(r["group"][b]) for b in by],
            fmt_number(r["n"]),
            fmt_compact(r["total"]),
            hhi_cell(r),
            *([fmt_pct((r.get("fringe") or {}).get("share"))] if fringes else []),
            *([_ci_text(HHI, (r.get("ci") or {}).get("hhi"))] if ci_head else []),
            band_text(r["band"], short=True) if r["status"] == "ok" else Text(r["status"], style="yellow"),
            *([fmt_number(r.get("mhhi"))] if owned else []),
            *[fmt_pct(cr.get(k)) for k in ks],
            fmt_ratio(r["gini"]),
            cell(r["top"][0]["entity"] if r["top"] else "–"),
        )
    fit_labels(t, terminal_width(), [*range(len(by)), len(t.columns) - 1])
    return t


def result_table(doc: dict) -> list:
    inp = doc["input"]
    if len(doc["results"]) == 1:
        r = doc["results"][0]
        title = f"Concentration of {inp['value']} across {inp['entity']}"
        if r["group"]:
            title += f" ({_group_title(r['group'])})"
        out = [_metric_table(r, title, doc.get("guidelines", "us-2023"), ci_label(doc))]
        if r["top"]:
            out.append(_top_table(r))
        return out
    return [_groups_table(doc)]


@app.command(
    "concentration",
    help=command_help("concentration"),
    epilog=examples(
        "aistruct concentration dataset:ai_app_mau_cn_2025-03",
        "aistruct concentration dataset:frontier_lab_funding --top 1,2 -f json",
        "aistruct concentration dataset:frontier_models_compute -e organization --agg max -b domain -o by-domain.csv",
    ),
)
@shared(READ, ENGINE, MARKET, OWNERSHIP, CI, OUTPUT, PLOT)
def concentration_command(
    file: Annotated[str, typer.Argument(help="Table to read: a path, - for standard input, or dataset:NAME.")],
    top: Annotated[str, typer.Option("--top", help="Concentration ratios to report, as k values.")] = "1,4,8,10",
    show: Annotated[int, typer.Option("--show", help="How many of the largest companies to list.", min=0)] = 10,
    guidelines: Annotated[
        str, typer.Option("--guidelines", help="Bands of the HHI reading: us-2023, us-2010 or eu.")
    ] = "us-2023",
    read=None,
    engine=None,
    spec=None,
    ownership=None,
    out=None,
    plot=None,
    ci=None,
) -> None:
    """How concentrated is the market? HHI, CR-k, Gini, Theil, entropy, Atkinson, Palma per group."""
    from aistruct.cli.plot import check_plot, write_plot
    from aistruct.cli.progress import core_run
    from aistruct.concentration import concentration_report

    plot_fmt = check_plot(plot, [file], out.output)
    with core_run(out, read, engine) as progress:  # stderr, terminals only, never JSON
        report = concentration_report(
            file,
            spec=spec,
            read=read,
            top=parse_int_list(top, "--top"),
            show=show,
            guidelines=guidelines,
            progress=progress,
            ownership=ownership,
            **ci,
        )
    doc = report.to_dict()
    emit(
        doc,
        out.format,
        out.output,
        csv_raw=out.csv_raw,
        table=result_table,
        rows=result_rows,
        inputs=[file, *([ownership] if ownership else [])],
    )
    write_plot(plot, plot_fmt, lambda fmt: _chart(doc, report.values, fmt))


def _chart(doc: dict, values: list, fmt: str) -> bytes:
    from aistruct.charts.concentration import chart

    return chart(doc, values, fmt)
