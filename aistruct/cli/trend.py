"""``aistruct trend``: options, one core call, rendering."""

from typing import Annotated

import typer
from rich.table import Table
from rich.text import Text

from aistruct.bootstrap import interval_columns
from aistruct.cli.app import app, command_help
from aistruct.cli.options import (
    CI,
    ENGINE,
    MARKET,
    OUTPUT,
    OWNERSHIP,
    PLOT,
    READ,
    TIERING,
    examples,
    parse_int_list,
    shared,
)
from aistruct.cli.render import (
    cell,
    emit,
    fmt_amount,
    fmt_compact,
    fmt_number,
    fmt_p,
    fmt_pct,
    fmt_ratio,
    hhi_cell,
    plural,
)
from aistruct.vocabulary import TIER_KEYS

BLOCKS = "▁▂▃▄▅▆▇█"
TIER_FIELDS = ("count", "count_share", "value", "value_share")


SPARK_MAX = 16


def sparkline(values: list, width: int = SPARK_MAX) -> str:
    """One block character per value, lowest ▁ to highest █ (min-max scaled); ' ' for a missing value.

    A constant series is drawn at mid height. Longer series than ``width`` are
    averaged into ``width`` consecutive bins so the line fits a table cell.
    """
    if len(values) > width:
        bins = []
        for b in range(width):
            chunk = [v for v in values[b * len(values) // width : (b + 1) * len(values) // width] if v is not None]
            bins.append(sum(chunk) / len(chunk) if chunk else None)
        values = bins
    present = [v for v in values if v is not None]
    if not present:
        return ""
    lo, hi = min(present), max(present)
    out = []
    for v in values:
        if v is None:
            out.append(" ")
        elif hi == lo:
            out.append(BLOCKS[3])
        else:
            out.append(BLOCKS[min(7, int((v - lo) / (hi - lo) * 7 + 0.5))])
    return "".join(out)


# ---------------------------------------------------------------- flat rows


def result_rows(doc: dict):
    """CSV/Markdown view: one row per (series, period); column names are the ``changes`` keys."""
    by = doc["input"]["by"]
    ks = []
    for s in doc["results"]:
        for p in s["periods"]:
            for k in p["cr"] or {}:
                if k not in ks:
                    ks.append(k)
    columns = list(by) + ["period", "n", "total", "hhi"] + [f"cr_{k}" for k in ks] + ["gini", "status", "thin"]
    columns += [f"{t}_{f}" for t in TIER_KEYS for f in TIER_FIELDS]
    owned = any(p.get("mhhi") is not None for s in doc["results"] for p in s["periods"])
    if owned:  # --ownership
        columns += ["mhhi", "mhhi_delta"]
    fringe = any(p.get("fringe") is not None for s in doc["results"] for p in s["periods"])
    if fringe:  # the unobserved fringe: its share and the HHI's range
        columns += ["fringe_value", "fringe_share", "hhi_lo", "hhi_hi"]
    any_ci = any(p.get("ci") for s in doc["results"] for p in s["periods"])
    if any_ci:
        columns += list(interval_columns(None, ks))
    rows = []
    for s in doc["results"]:
        for p in s["periods"]:
            row = [s["group"].get(b) for b in by] + [p["period"], p["n"], p["total"], p["hhi"]]
            row += [(p["cr"] or {}).get(k) for k in ks] + [p["gini"], p["status"], p["thin"]]
            tiers = p["tiers"]
            row += [tiers[t][f] if tiers else None for t in TIER_KEYS for f in TIER_FIELDS]
            if owned:
                row += [p.get("mhhi"), p.get("mhhi_delta")]
            if fringe:
                fr, b = p.get("fringe") or {}, p.get("bounds") or {}
                row += [fr.get("value"), fr.get("share"), *(b.get("hhi") or (None, None))]
            if any_ci:
                row += list(interval_columns(p.get("ci"), ks).values())
            rows.append(row)
    return columns, rows


# ---------------------------------------------------------------- table


def _group_title(group: dict) -> str:
    return ", ".join(f"{k} = {v}" for k, v in group.items())


def _bounds_text(s: dict, size: str) -> str:
    if s["bounds"] is None:
        return "Tiers: none (fewer than 3 distinct positive sizes over all periods)."
    low, high = (fmt_amount(b) for b in s["bounds"])
    how = {
        "natural": "natural breaks of log10 size, all periods pooled",
        "headtail": "head/tail breaks, all periods pooled",
        "bounds": "--bounds",
    }.get(s["method"], s["method"].replace("preset:", "--preset "))
    return f"Tiers on {size} ({how}), the same in every period: small < {low} <= middle <= {high} < giant."


SHORT_NAMES = {
    "n": "Companies",
    "total": "Total",
    "hhi": "HHI",
    "gini": "Gini",
    "small_count_share": "Small #",
    "small_value_share": "Small value",
    "middle_count_share": "Middle #",
    "middle_value_share": "Middle value",
    "giant_count_share": "Giant #",
    "giant_value_share": "Giant value",
}


def short_name(key: str) -> str:
    return f"CR{key[3:]}" if key.startswith("cr_") else SHORT_NAMES.get(key, key)


def _tier_triplet(tiers, field: str) -> str:
    if not tiers:
        return "–"
    parts = []
    for k in TIER_KEYS:
        v = tiers[k][field]
        parts.append("–" if v is None else f"{100 * v:.0f}")
    return "/".join(parts)


def _title(doc: dict, s: dict) -> Text:
    inp = doc["input"]
    title = f"Trend of {inp['value']} across {inp['entity']} by {inp['period']}"
    if s["group"]:
        title += f" ({_group_title(s['group'])})"
    return cell(title, style="bold")


def _period_notes(doc: dict, s: dict) -> str:
    notes = []
    if any(p["thin"] for p in s["periods"]):
        notes.append(
            f"* thin: fewer than {plural(doc['input']['min_n'], 'company', 'companies')}, left out of the changes."
        )
    if s["bounds"] is not None:
        notes.append("# % and Value %: tier shares small/middle/giant of the companies and of the value.")
    ci = next((p["ci"] for p in s["periods"] if p.get("ci")), None)
    if ci:
        notes.append(
            f"HHI {ci['level'] * 100:g}% CI: {ci['method']} bootstrap, {ci['resamples']:,} resamples of the "
            f"companies, seed {ci['seed']} (intervals of CR-k, Gini, Theil and entropy in the JSON and CSV)."
        )
    return " ".join(notes)


def _period_table(doc: dict, s: dict) -> Table:
    from rich import box

    ks = list(next((p["cr"] for p in s["periods"] if p["cr"]), {}) or {})
    ks = [k for k in ks if k in ("1", "4")] or ks[:2]
    tiers = s["bounds"] is not None
    t = Table(header_style="bold", box=box.SIMPLE_HEAD, pad_edge=False, collapse_padding=True)
    t.add_column("Period", no_wrap=True)
    t.add_column("n", justify="right", no_wrap=True)
    t.add_column("Total", justify="right", no_wrap=True)
    t.add_column("HHI", justify="right", no_wrap=True)
    owned = any(p.get("mhhi") is not None for p in s["periods"])
    if owned:
        t.add_column("MHHI", justify="right", no_wrap=True)
    level = next((p["ci"]["level"] for p in s["periods"] if p.get("ci")), None)
    if level is not None:
        t.add_column(f"HHI {level * 100:g}% CI", justify="right", no_wrap=True)
    for k in ks:
        t.add_column(f"CR{k}", justify="right", no_wrap=True)
    t.add_column("Gini", justify="right", no_wrap=True)
    if tiers:
        t.add_column("# %", justify="right", no_wrap=True)
        t.add_column("Value %", justify="right", no_wrap=True)
    for p in s["periods"]:
        cr = p["cr"] or {}
        row: list = [cell(p["period"] + ("*" if p["thin"] else "")), fmt_number(p["n"]), fmt_compact(p["total"])]
        row.append(hhi_cell(p))
        if owned:
            row.append(fmt_number(p.get("mhhi")))
        ci = p.get("ci")
        if level is not None:
            row.append(f"{fmt_number(ci['hhi'][0])}–{fmt_number(ci['hhi'][1])}" if ci else "–")
        row += [fmt_pct(cr.get(k)) for k in ks] + [fmt_ratio(p["gini"])]
        if tiers:
            row += [_tier_triplet(p["tiers"], "count_share"), _tier_triplet(p["tiers"], "value_share")]
        t.add_row(*row, style="dim" if p["thin"] else None)
    return t


def _change_value(key: str, v):
    if v is None:
        return "–"
    if key.endswith("_share") or key.startswith("cr_"):
        return fmt_pct(v)
    if key == "gini":
        return fmt_ratio(v)
    if key == "total":
        return fmt_compact(v)
    return fmt_number(v)


def _change_delta(key: str, v):
    if v is None:
        return "–"
    if key.endswith("_share") or key.startswith("cr_"):
        return f"{100 * v:+.1f}pt"
    if key == "gini":
        return f"{v:+.3f}"
    if key == "n":
        return f"{v:+.1f}" if not float(v).is_integer() else f"{v:+.0f}"
    return ("-" if v < 0 else "+") + _change_value(key, abs(v))


def _changes_table(s: dict) -> Table:
    from rich import box

    from aistruct.trend import metric_value

    t = Table(header_style="bold", box=box.SIMPLE_HEAD, pad_edge=False, padding=(0, 0))
    t.add_column("Metric", no_wrap=True)
    t.add_column("Trend", no_wrap=True)
    t.add_column("First", justify="right", no_wrap=True)
    t.add_column("Last", justify="right", no_wrap=True)
    t.add_column("Change", justify="right", no_wrap=True)
    t.add_column("Slope", justify="right", no_wrap=True)
    t.add_column("tau", justify="right", no_wrap=True)
    t.add_column("p", justify="right", no_wrap=True)
    used = [p for p in s["periods"] if not p["thin"]]
    for key, ch in s["changes"].items():
        if s["bounds"] is None and key.split("_")[0] in TIER_KEYS:
            continue
        p = ch["p_value"]
        t.add_row(
            short_name(key),
            sparkline([metric_value(p, key) for p in used]),
            _change_value(key, ch["first"]),
            _change_value(key, ch["last"]),
            _change_delta(key, ch["change"]),
            _change_delta(key, ch["slope"]),
            fmt_ratio(ch["tau"], 2),
            fmt_p(p),
        )
    return t


def result_table(doc: dict) -> list:
    out: list = []
    size = doc["input"].get("size") or doc["input"]["value"]
    for i, s in enumerate(doc["results"]):
        if i:
            out.append(Text(""))
        out.append(_title(doc, s))
        out.append(_period_table(doc, s))
        notes = _period_notes(doc, s)
        if notes:
            out.append(Text(notes))
        out.append(cell(_bounds_text(s, size)))
        out.append(Text(""))
        out.append(Text(f"Changes (thin periods left out; slope per {s['slope_unit']})", style="bold"))
        out.append(_changes_table(s))
        if s["bounds"] is not None:
            out.append(Text("#: share of the companies; value: share of the value total; pt: percentage points."))
        out.append(cell("Verdict: " + s["verdict"], style="bold"))
    return out


@app.command(
    "trend",
    help=command_help("trend"),
    epilog=examples(
        "aistruct trend dataset:frontier_models_compute -p publication_date --freq year -e organization "
        "-v training_compute_flop --min-n 3",
        "aistruct trend dataset:frontier_models_compute -p publication_date --freq year -e organization "
        "-v training_compute_flop --where 'publication_date >= 2012' -o trend.jsonl",
    ),
)
@shared(READ, ENGINE, MARKET, TIERING, OWNERSHIP, CI, OUTPUT, PLOT)
def trend_command(
    file: Annotated[str, typer.Argument(help="Table to read: a path, - for standard input, or dataset:NAME.")],
    period: Annotated[
        str, typer.Option("--period", "-p", help="Time column: a year column, or dates grouped by --freq.")
    ],
    top: Annotated[str, typer.Option("--top", help="Concentration ratios to follow, as k values.")] = "1,4,8,10",
    min_n: Annotated[
        int,
        typer.Option("--min-n", min=1, help="Periods with fewer companies are thin: shown, left out of the changes."),
    ] = 5,
    carry_forward: Annotated[
        int,
        typer.Option(
            "--carry-forward",
            min=0,
            help="Keep a company's last row for up to N periods without one (stocks such as headcount).",
        ),
    ] = 0,
    cumulative: Annotated[
        bool,
        typer.Option("--cumulative", help="Each period: a company's rows summed to date (capacity built so far)."),
    ] = False,
    plot_metric: Annotated[
        str,
        typer.Option(
            "--plot-metric",
            help="With --plot: the metric drawn over the periods (hhi, cr_4, gini, middle_value_share ...).",
            rich_help_panel="Chart",
        ),
    ] = "hhi",
    read=None,
    engine=None,
    spec=None,
    tiering=None,
    ownership=None,
    out=None,
    plot=None,
    ci=None,
) -> None:
    """Is the middle disappearing? Concentration and tier shares per period, with a trend test."""
    from aistruct.cli.plot import check_plot, write_plot
    from aistruct.cli.progress import core_run
    from aistruct.trend import trend_report

    plot_fmt = check_plot(plot, [file], out.output)
    with core_run(out, read, engine) as progress:
        report = trend_report(
            file,
            period=period,
            spec=spec,
            read=read,
            top=parse_int_list(top, "--top"),
            min_n=min_n,
            size=tiering.size,
            method=tiering.method,
            bounds=tiering.bounds,
            preset=tiering.preset,
            carry_forward=carry_forward,
            cumulative=cumulative,
            progress=progress,
            ownership=ownership,
            **ci,
        )
    doc = report.to_dict()
    if plot_fmt is not None:
        from aistruct.charts.trend import check_metric

        check_metric(doc, plot_metric)  # before the output is written: a bad --plot-metric exits 2 cleanly
    emit(
        doc,
        out.format,
        out.output,
        csv_raw=out.csv_raw,
        table=result_table,
        rows=result_rows,
        inputs=[file, *([ownership] if ownership else [])],
    )
    write_plot(plot, plot_fmt, lambda fmt: _chart(doc, fmt, plot_metric))


def _chart(doc: dict, fmt: str, metric: str) -> bytes:
    from aistruct.charts.trend import chart

    return chart(doc, fmt, metric=metric)
