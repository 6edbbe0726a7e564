"""``aistruct tiers``: options, one core call, rendering."""

from typing import Annotated, Optional

import typer
from rich.table import Table
from rich.text import Text

from aistruct.cli.app import app, command_help
from aistruct.cli.options import ENGINE, MARKET, OUTPUT, PLOT, READ, TIERING, examples, shared
from aistruct.cli.render import (
    cell,
    emit,
    fit_labels,
    fmt_amount,
    fmt_compact,
    fmt_number,
    fmt_p,
    fmt_pct,
    fmt_ratio,
    plural,
    terminal_width,
)
from aistruct.vocabulary import TIER_KEYS

DIAGNOSTICS = (
    "middle_count_share",
    "middle_value_share",
    "expected_middle_share",
    "middle_deficit",
    "bimodality_coefficient",
    "dip",
    "dip_p_value",
    "esteban_ray",
    "alpha",
    "wolfson",
)
BAR_WIDTH = 10
SHAPE_STYLE = {"dumbbell": "bold red", "pyramid": "green", "mixed": "yellow"}


# ---------------------------------------------------------------- flat rows (csv, markdown)


def result_rows(doc: dict):
    """One row per group (tiers and diagnostics flattened); with --entities one row per company."""
    by = doc["input"]["by"]
    if any("entities" in r for r in doc["results"]):
        columns = list(by) + ["entity", "size", "value", "tier", "label"]
        labels = doc["labels"]
        rows = []
        for r in doc["results"]:
            for e in r.get("entities") or []:
                rows.append(
                    [r["group"].get(b) for b in by] + [e["entity"], e["size"], e["value"], e["tier"], labels[e["tier"]]]
                )
        return columns, rows
    columns = list(by) + ["n", "n_positive", "method", "low", "high", "status", "shape"]
    for t in TIER_KEYS:
        columns += [f"{t}_{k}" for k in ("count", "count_share", "value", "value_share", "min_size", "max_size")]
    # middle_count_share / middle_value_share are already there as the middle tier's columns
    diag_cols = [k for k in DIAGNOSTICS if k not in columns]
    columns += diag_cols
    fringe = any(r.get("fringe") is not None for r in doc["results"])
    if fringe:
        columns += ["fringe_value", "fringe_share"]
    rows = []
    for r in doc["results"]:
        row = [r["group"].get(b) for b in by]
        bounds = r["bounds"] or [None, None]
        row += [r["n"], r["n_positive"], r["method"], bounds[0], bounds[1], r["status"], r["shape"]]
        tiers = {t["tier"]: t for t in (r["tiers"] or [])}
        for t in TIER_KEYS:
            tt = tiers.get(t, {})
            row += [tt.get(k) for k in ("count", "count_share", "value", "value_share", "min_size", "max_size")]
        diag = r["diagnostics"] or {}
        row += [diag.get(k) for k in diag_cols]
        if fringe:
            row += [(r.get("fringe") or {}).get("value"), (r.get("fringe") or {}).get("share")]
        rows.append(row)
    return columns, rows


# ---------------------------------------------------------------- table


def _bar(share: Optional[float], style: str) -> Text:
    if share is None:
        return Text("–")
    full = round(share * BAR_WIDTH)
    return Text(f"{fmt_pct(share):>6} ") + Text("█" * full, style=style) + Text("·" * (BAR_WIDTH - full), style="dim")


def _size_range(t: dict) -> str:
    if t["count"] == 0:
        return "(empty)"
    if t["min_size"] == t["max_size"]:
        return fmt_compact(t["min_size"])
    return f"{fmt_compact(t['min_size'])} – {fmt_compact(t['max_size'])}"


def _group_title(group: dict) -> str:
    return ", ".join(f"{k} = {v}" for k, v in group.items())


def _tiers_table(doc: dict, r: dict) -> Table:
    inp = doc["input"]
    low, high = r["bounds"]
    size = inp.get("size") or inp["value"]
    title = (
        f"Tiers of {inp['entity']} by {size} ({r['method']}: small < {fmt_compact(low)} <= middle <= "
        f"{fmt_compact(high)} < giant)"
    )
    if r["group"]:
        title += f", {_group_title(r['group'])}"
    if inp["value"] != size:
        title += f"; value: {inp['value']}"
    t = Table(title=Text(title), title_justify="left", header_style="bold")
    t.add_column("", no_wrap=True)
    for tier in r["tiers"]:
        t.add_column(cell(tier["label"]), justify="left")
    tiers = r["tiers"]
    t.add_row("Size range", *[_size_range(x) for x in tiers])
    t.add_row("Companies", *[fmt_number(x["count"]) for x in tiers])
    t.add_row("Count share", *[_bar(x["count_share"], "cyan") for x in tiers])
    t.add_row("Value", *[fmt_compact(x["value"]) for x in tiers])
    t.add_row("Value share", *[_bar(x["value_share"], "magenta") for x in tiers])
    if any(x["largest"] for x in tiers):
        t.add_row("Largest", *[Text("\n").join(cell(c["entity"]) for c in x["largest"]) for x in tiers])
    return t


def reading(r: dict) -> str:
    """The one plain-language line under the diagnostics."""
    from aistruct.tiers import middle_reading

    return middle_reading(r)


def _diag_table(r: dict) -> Table:
    d = r["diagnostics"]
    t = Table(title="Missing-middle diagnostics", title_justify="left", header_style="bold")
    t.add_column("Diagnostic")
    t.add_column("Value", justify="right")
    t.add_column("Reading")
    t.add_row("Middle count share", fmt_pct(d["middle_count_share"]), "")
    t.add_row("Middle value share", fmt_pct(d["middle_value_share"]), "")
    t.add_row("Expected middle share", fmt_pct(d["expected_middle_share"]), "under a log-normal fitted to the sizes")
    deficit = d["middle_deficit"]
    t.add_row(
        "Middle deficit",
        "–" if deficit is None else f"{deficit * 100:+.1f} pts",
        "positive: thinner than one hump predicts",
    )
    bc = d["bimodality_coefficient"]
    t.add_row(
        "Bimodality coefficient",
        fmt_ratio(bc),
        "" if bc is None else ("> 5/9: two humps?" if bc > 5 / 9 else "<= 5/9: one hump"),
    )
    t.add_row("Dip (Hartigan)", fmt_ratio(d["dip"], 4), f"p = {fmt_p(d['dip_p_value'])}")
    t.add_row("Esteban-Ray", fmt_ratio(d["esteban_ray"]), f"alpha = {d['alpha']:g}")
    t.add_row("Wolfson", fmt_ratio(d["wolfson"]), "bipolarisation of the values")
    shape = r["shape"]
    t.add_row("Shape", Text(shape, style=SHAPE_STYLE.get(shape, "")), "")
    return t


def _explain_table(r: dict) -> Table:
    from aistruct.tiers import BIMODALITY_THRESHOLD, DEFICIT_THRESHOLD, DIP_P_THRESHOLD

    c = r["shape_checks"]
    d = r["diagnostics"]

    def yes(v) -> str:
        return "–" if v is None else ("yes" if v else "no")

    t = Table(title="Shape rule", title_justify="left", header_style="bold")
    t.add_column("Condition")
    t.add_column("Holds")
    t.add_column("Because")
    deficit = d["middle_deficit"]
    t.add_row(
        f"middle missing: deficit >= {DEFICIT_THRESHOLD * 100:g} pts",
        yes(c["middle_missing"]),
        "–" if deficit is None else f"deficit {deficit * 100:+.1f} pts",
    )
    t.add_row(
        f"bimodality coefficient > 5/9 ({BIMODALITY_THRESHOLD:.3f})",
        yes(c["bimodality_high"]),
        f"BC {fmt_ratio(d['bimodality_coefficient'])}",
    )
    t.add_row(f"dip p-value < {DIP_P_THRESHOLD:g}", yes(c["dip_significant"]), f"p {fmt_p(d['dip_p_value'])}")
    t.add_row("two humps: both of the two above", yes(c["two_humps"]), "")
    t.add_row("small and giant tiers both occupied", yes(c["ends_present"]), "")
    t.add_row("counts small >= middle >= giant", yes(c["counts_narrow_upwards"]), "")
    t.add_row(Text("dumbbell = middle missing AND two humps AND both ends occupied"), "", "")
    t.add_row(Text("pyramid = middle not missing AND not two humps AND small >= middle >= giant"), "", "")
    t.add_row(Text("mixed = anything else (including an undefined diagnostic)"), "", "")
    t.add_row(Text("verdict", style="bold"), Text(r["shape"], style=SHAPE_STYLE.get(r["shape"], "")), "")
    return t


def _entities_table(doc: dict, r: dict) -> Table:
    inp = doc["input"]
    size = inp.get("size") or inp["value"]
    both = size != inp["value"]
    t = Table(title="Companies by tier", title_justify="left", header_style="bold")
    t.add_column(cell(inp["entity"]))
    t.add_column(cell(size), justify="right")
    if both:
        t.add_column(cell(inp["value"]), justify="right")
    t.add_column("Tier")
    for e in r["entities"] or []:
        value = [fmt_amount(e["value"])] if both else []
        t.add_row(cell(e["entity"]), fmt_amount(e["size"]), *value, cell(doc["labels"][e["tier"]]))
    return t


def _groups_table(doc: dict) -> Table:
    by = doc["input"]["by"]
    labels = doc["labels"]
    t = Table(title=Text(f"Tiers by {', '.join(by)}"), title_justify="left", header_style="bold")
    for b in by:
        t.add_column(cell(b))
    t.add_column("n", justify="right")
    t.add_column("Bounds", justify="right")
    for k in TIER_KEYS:
        t.add_column(cell(f"{labels[k]} n / value"), justify="right")
    t.add_column("Deficit", justify="right")
    t.add_column("Shape")
    for r in doc["results"]:
        tiers = {x["tier"]: x for x in (r["tiers"] or [])}
        bounds = "–" if r["bounds"] is None else f"{fmt_compact(r['bounds'][0])} – {fmt_compact(r['bounds'][1])}"
        cells = []
        for k in TIER_KEYS:
            x = tiers.get(k)
            cells.append("–" if x is None else f"{fmt_pct(x['count_share'])} / {fmt_pct(x['value_share'])}")
        d = r["diagnostics"] or {}
        deficit = d.get("middle_deficit")
        t.add_row(
            *[cell(r["group"][b]) for b in by],
            fmt_number(r["n"]),
            bounds,
            *cells,
            "–" if deficit is None else f"{deficit * 100:+.1f} pts",
            Text(r["shape"] or r["status"], style=SHAPE_STYLE.get(r["shape"] or "", "yellow")),
        )
    fit_labels(t, terminal_width(), range(len(by)))
    return t


def result_table(doc: dict, explain: bool = False) -> list:
    results = doc["results"]
    out: list = []
    if len(results) > 1:
        out.append(_groups_table(doc))
        if not explain and not any("entities" in r for r in results):
            return out
    for r in results:
        if r["tiers"] is None:
            if len(results) == 1:
                out.append(
                    Text(
                        f"No tiers: {r['status']} ({plural(r['n'], 'company', 'companies')}, "
                        f"{r['n_positive']:,} with a positive size).",
                        style="yellow",
                    )
                )
            continue
        if len(results) == 1:
            out.append(_tiers_table(doc, r))
            if r.get("fringe"):
                fr = r["fringe"]
                share = f" ({fmt_pct(fr['share'])} of the market)" if fr["share"] is not None else ""
                out.append(
                    Text(f"Fringe: {fmt_amount(fr['value'])}{share} unobserved, no company: left out of the tiers.")
                )
            if r["diagnostics"] is not None:
                out.append(_diag_table(r))
                out.append(Text(reading(r)))
        if explain and r["shape_checks"] is not None:
            if len(results) > 1:
                out.append(Text(_group_title(r["group"]), style="bold"))
            out.append(_explain_table(r))
        if "entities" in r:
            out.append(_entities_table(doc, r))
    return out


@app.command(
    "tiers",
    help=command_help("tiers"),
    epilog=examples(
        "aistruct tiers dataset:frontier_lab_funding --show 2",
        "aistruct tiers dataset:frontier_lab_staff --agg max --preset headcount --entities",
        "aistruct tiers dataset:frontier_models_compute --agg max --explain",
    ),
)
@shared(READ, ENGINE, MARKET, TIERING, OUTPUT, PLOT)
def tiers_command(
    file: Annotated[str, typer.Argument(help="Table to read: a path, - for standard input, or dataset:NAME.")],
    labels: Annotated[
        Optional[str],
        typer.Option(
            "--labels",
            help='Display names of the three tiers, e.g. "small teams,middle '
            'class,giants" (JSON keys stay small, middle, giant).',
        ),
    ] = None,
    alpha: Annotated[
        float, typer.Option("--alpha", help="Esteban-Ray polarisation sensitivity, 0 < alpha <= 1.6.")
    ] = 1.3,
    show: Annotated[int, typer.Option("--show", help="How many of the largest companies to list per tier.", min=0)] = 3,
    entities: Annotated[
        bool, typer.Option("--entities", help="List every company with its tier (CSV output: one row per company).")
    ] = False,
    explain: Annotated[
        bool, typer.Option("--explain", help="Print the shape rule and which of its conditions hold.")
    ] = False,
    read=None,
    engine=None,
    spec=None,
    tiering=None,
    out=None,
    plot=None,
) -> None:
    """Small / middle / giant: is the industry a dumbbell? Tier shares and missing-middle diagnostics."""
    from aistruct.cli.plot import check_plot, write_plot
    from aistruct.cli.progress import core_run
    from aistruct.tiers import tiers_report

    plot_fmt = check_plot(plot, [file], out.output)
    with core_run(out, read, engine) as progress:
        report = tiers_report(
            file,
            spec=spec,
            read=read,
            options=tiering,
            alpha=alpha,
            show=show,
            labels=labels,
            entities=entities,
            progress=progress,
        )
    doc = report.to_dict()
    emit(
        doc,
        out.format,
        out.output,
        csv_raw=out.csv_raw,
        table=lambda d: result_table(d, explain),
        rows=result_rows,
        inputs=[file],
    )
    write_plot(plot, plot_fmt, lambda fmt: _chart(doc, report.sizes, fmt))


def _chart(doc: dict, sizes: list, fmt: str) -> bytes:
    from aistruct.charts.tiers import chart

    return chart(doc, sizes, fmt)
