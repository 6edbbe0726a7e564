"""``aistruct merge``: options, one core call, rendering."""

from typing import Annotated, List, Optional

import typer
from rich import box
from rich.table import Table
from rich.text import Text

from aistruct.cli.app import app, command_help
from aistruct.cli.options import ENGINE, MARKET, OUTPUT, OWNERSHIP, PLOT, READ, examples, shared
from aistruct.cli.render import band_text, cell, emit, fit_labels, fmt_number, fmt_pct, fmt_range, terminal_width
from aistruct.guidelines import TITLES as GUIDELINE_TITLE

FINDING_STYLE = {
    "presumption": "bold red",
    "concerns": "yellow",
    "examination": "yellow",
    "no presumption": "green",
    "unlikely": "green",
    "threshold not exceeded": "green",
}
#: Short words for the many-deals table (the single-deal table and JSON use ``finding`` itself).
FINDING_SHORT = {
    "presumption": "presumed",
    "concerns": "concerns",
    "examination": "examine",
    "no presumption": "none",
    "unlikely": "unlikely",
    "threshold not exceeded": "not >100",
}


def _finding(v: dict, short: bool = False) -> Text:
    f = v.get("finding")
    label = (FINDING_SHORT.get(f, f) if short else f) if f else "–"
    return Text(label, style=FINDING_STYLE.get(f or "", ""))


def _delta(x) -> str:
    return "–" if x is None else "+" + fmt_number(x, 0) if x >= 0.5 else fmt_number(x, 2 if x else 0)


def _deal_text(r: dict) -> Text:
    t = cell(r["acquirer"])
    t.append(" buys ")
    for i, name in enumerate(r["targets"]):
        if i:
            t.append(" + ")
        t.append_text(cell(name))
    return t


def _points(x) -> str:
    """A change of a share, in percentage points."""
    return "–" if x is None else f"{100 * x:+.1f} pts"


def _rank(x) -> str:
    return "–" if x is None else str(x)


def result_rows(doc: dict):
    """CSV/Markdown view: one row per deal and group; guideline sentences are in JSON only."""
    by = doc["input"]["by"]
    gl = doc["guidelines"]
    columns = list(by) + [
        "step",
        "scenario",
        "acquirer",
        "targets",
        "status",
        "n",
        "pre_hhi",
        "post_hhi",
        "delta_hhi",
        "cumulative_delta_hhi",
        "merged_share",
        "rank_before",
        "rank_after",
        "cr4_before",
        "cr4_after",
        "pre_mhhi",
        "post_mhhi",
        "delta_mhhi",
    ]
    for g in gl:
        columns += [f"{g}_band", f"{g}_flag", f"{g}_finding"]
    fringe = any(r.get("fringe") is not None for r in doc["results"])
    if fringe:  # the unobserved fringe: its size, the HHIs' high ends and the readings there
        columns += ["fringe_value", "fringe_share", "pre_hhi_hi", "post_hhi_hi"]
        columns += [f"{g}_finding_high" for g in gl]
    rows = []
    for r in doc["results"]:
        row = [r["group"].get(b) for b in by] + [
            r["step"],
            r["scenario"],
            r["acquirer"],
            "; ".join(r["targets"]),
            r["status"],
            r["n"],
            r["pre_hhi"],
            r["post_hhi"],
            r["delta_hhi"],
            r["cumulative_delta_hhi"],
            r["merged_share"],
            r["rank_before"],
            r["rank_after"],
            r["cr4_before"],
            r["cr4_after"],
            r["pre_mhhi"],
            r["post_mhhi"],
            r["delta_mhhi"],
        ]
        for g in gl:
            v = r["verdicts"][g]
            row += [v["band"], v["flag"], v["finding"]]
        if fringe:
            fr, b, high = r.get("fringe") or {}, r.get("bounds") or {}, r.get("verdicts_high") or {}
            row += [fr.get("value"), fr.get("share"), *((b[k][1] if b else None) for k in ("pre_hhi", "post_hhi"))]
            row += [(high.get(g) or {}).get("finding") for g in gl]
        rows.append(row)
    return columns, rows


def _single_tables(doc: dict, r: dict) -> list:
    inp = doc["input"]
    title = _deal_text(r)
    title.append(f" — {inp['value']} across {inp['entity']}")
    if r["group"]:
        title.append(" (" + ", ".join(f"{k} = {v}" for k, v in r["group"].items()) + ")")
    t = Table(title=title, title_justify="left", header_style="bold")
    t.add_column("")
    t.add_column("Before", justify="right")
    t.add_column("After", justify="right")
    t.add_column("Change", justify="right")
    if r["status"] != "ok":
        t.add_row("Status", Text(r["status"], style="yellow"), "", "figures undefined")
        return [t]
    acq = next((p for p in r["parties"] if p["role"] == "acquirer"), None)
    b = r.get("bounds")
    if b:
        t.add_row("HHI", fmt_range(b["pre_hhi"]), fmt_range(b["post_hhi"]), _delta(r["delta_hhi"]))
    else:
        t.add_row("HHI", fmt_number(r["pre_hhi"]), fmt_number(r["post_hhi"]), _delta(r["delta_hhi"]))
    if r["pre_mhhi"] is not None:  # --ownership
        t.add_row("MHHI", fmt_number(r["pre_mhhi"]), fmt_number(r["post_mhhi"]), _delta(r["delta_mhhi"]))
    before_share = acq["share"] if acq and acq["share"] is not None else 0.0
    t.add_row(
        Text("Share of ").append_text(cell(r["acquirer"])),
        fmt_pct(before_share),
        fmt_pct(r["merged_share"]),
        _points(r["merged_share"] - before_share),
    )
    t.add_row("Rank", _rank(r["rank_before"]), _rank(r["rank_after"]), "")
    t.add_row("CR4", fmt_pct(r["cr4_before"]), fmt_pct(r["cr4_after"]), _points(r["cr4_after"] - r["cr4_before"]))
    v = Table(title="Guideline readings (post-merger HHI and ΔHHI)", title_justify="left", header_style="bold")
    v.add_column("Guideline")
    v.add_column("Band")
    v.add_column("Verdict")
    v.add_column("Because")
    high = r.get("verdicts_high")
    if high:
        v.add_column("High end")
        fr = r["fringe"]
        t.caption = Text(
            f"Fringe {fmt_pct(fr['share'])} unobserved: HHI from the fringe as countless tiny companies to "
            "companies the size of the smallest listed; the readings are at the low end, and at the high end beside."
        )
        t.caption_justify = "left"
    notes = []
    for g, verdict in r["verdicts"].items():
        extra = []
        if high:
            same = all(high[g][k] == verdict[k] for k in ("band", "flag", "finding"))
            extra = [Text("same") if same else _finding(high[g])]
        v.add_row(GUIDELINE_TITLE[g], band_text(verdict["band"]), _finding(verdict), verdict["reason"], *extra)
        if verdict["text"]:
            notes.append(
                Text.assemble(
                    (f"{GUIDELINE_TITLE[g]}: ", "bold"),
                    (f"“{verdict['text']}” ", ""),
                    (f"({verdict['source']})", "dim"),
                )
            )
    return [t, v, *notes]


def _many_table(doc: dict) -> Table:
    """One row per deal (and market): compact enough for an 80-column terminal.

    Rank and CR4 are in the single-deal table and in JSON/CSV; here the scenario
    name, when given, stands for the deal. One deal across markets is named once,
    above the table. Labels give way (ellipsis) so numbers are never cut.
    """
    by = doc["input"]["by"]
    seq = doc["mode"] == "sequential"
    title = {
        "single": "Merger in each market",
        "scenarios": "Merger scenarios, each against the same baseline, largest ΔHHI first",
        "sequential": "Sequential roll-up, each step against the market the previous steps left",
    }[doc["mode"]]
    title += f" ({doc['input']['value']} across {doc['input']['entity']}"
    pres = {r["pre_hhi"] for r in doc["results"] if r["step"] in (None, 1)}
    if not by and len(pres) == 1 and None not in pres:
        title += f"; HHI before: {fmt_number(pres.pop())}"
    t = Table(
        title=Text(title + ")"),
        title_justify="left",
        header_style="bold",
        box=box.SIMPLE_HEAD,
        collapse_padding=True,
        pad_edge=False,
    )
    one_deal = doc["mode"] == "single"
    for b in by:
        t.add_column(cell(b))
    if seq:
        t.add_column("Step", justify="right")
    if not one_deal:
        t.add_column("Deal")
    if by:
        t.add_column("HHI before", justify="right")
    t.add_column("HHI after", justify="right")
    t.add_column("ΔHHI", justify="right", no_wrap=True)
    if seq:
        t.add_column("Cum. ΔHHI", justify="right", no_wrap=True)
    t.add_column("Merged share", justify="right")
    for g in doc["guidelines"]:
        t.add_column(GUIDELINE_TITLE[g], no_wrap=True, min_width=8)
    for r in doc["results"]:
        row: list = [cell(r["group"][b]) for b in by]
        if seq:
            row.append(str(r["step"]))
        if not one_deal:
            row.append(cell(r["scenario"]) if r["scenario"] else _deal_text(r))
        if r["status"] != "ok":
            row += [Text(r["status"], style="yellow")] + ["–"] * (2 + seq + bool(by))
        else:
            b = r.get("bounds")
            if by:
                row.append(fmt_range(b["pre_hhi"]) if b else fmt_number(r["pre_hhi"]))
            row += [fmt_range(b["post_hhi"]) if b else fmt_number(r["post_hhi"]), _delta(r["delta_hhi"])]
            if seq:
                row.append(_delta(r["cumulative_delta_hhi"]))
            row.append(fmt_pct(r["merged_share"]))
        for g in doc["guidelines"]:
            low, high = r["verdicts"][g], (r.get("verdicts_high") or {}).get(g)
            if high and (high["finding"], high["band"]) != (low["finding"], low["band"]):
                row.append(Text.assemble(_finding(low, short=True), "/", _finding(high, short=True)))
            else:
                row.append(_finding(low, short=True))
        t.add_row(*row)
    fit_labels(t, terminal_width(), [*range(len(by)), *([] if one_deal else [len(by) + seq])])
    return t


def result_table(doc: dict) -> list:
    if len(doc["results"]) == 1 and doc["mode"] == "single":
        return _single_tables(doc, doc["results"][0])
    out: list = []
    if doc["mode"] == "single" and doc["results"]:
        out.append(Text.assemble("Deal: ", _deal_text(doc["results"][0])))
    out.append(_many_table(doc))
    out.append(
        Text(
            "Verdicts read the post-merger HHI and ΔHHI (presumed / concerns / examine = flagged); "
            "--format json gives each guideline's band, reason and the sentence it rests on.",
            style="dim",
        )
    )
    return out


@app.command(
    "merge",
    help=command_help("merge"),
    epilog=examples(
        "aistruct merge dataset:ai_app_mau_cn_2025-03 --acquirer Doubao --target Kimi",
        "aistruct merge dataset:ai_app_mau_cn_2025-03 -a Doubao -t Kimi -t 'Tencent Yuanbao' -f json",
    ),
)
@shared(READ, ENGINE, MARKET, OWNERSHIP, OUTPUT, PLOT)
def merge_command(
    file: Annotated[str, typer.Argument(help="Table to read: a path, - for standard input, or dataset:NAME.")],
    acquirer: Annotated[
        Optional[str], typer.Option("--acquirer", "-a", help="The buying company (exact, then case-insensitive).")
    ] = None,
    targets: Annotated[  # named as merger_report's keyword, so core messages read --target
        Optional[List[str]],
        typer.Option("--target", "-t", help="A company bought (repeatable: one deal, several targets)."),
    ] = None,
    scenarios: Annotated[
        Optional[str],
        typer.Option(
            "--scenarios",
            help="Table of deals (columns acquirer, target, optional name), each read "
            "against the same baseline and sorted by ΔHHI.",
        ),
    ] = None,
    sequential: Annotated[
        bool, typer.Option("--sequential", help="With --scenarios: apply the deals in order, cumulatively.")
    ] = False,
    guidelines: Annotated[
        str, typer.Option("--guidelines", help="us-2023, us-2010, eu, or all (comma-separated list allowed).")
    ] = "all",
    read=None,
    engine=None,
    spec=None,
    ownership=None,
    out=None,
    plot=None,
) -> None:
    """What does an acquisition do to concentration? Pre/post HHI, ΔHHI, CR4 and the guideline readings."""
    from aistruct.cli.plot import check_plot, write_plot
    from aistruct.cli.progress import core_run
    from aistruct.merger import merger_report
    from aistruct.reader import ReadOptions

    plot_fmt = check_plot(plot, [file] + ([scenarios] if scenarios else []), out.output)

    scenario_read = ReadOptions(decompress=read.decompress, max_bytes=read.max_bytes)
    with core_run(out, read, engine) as progress:
        report = merger_report(
            file,
            acquirer=acquirer,
            targets=tuple(targets or ()),
            scenarios=scenarios,
            sequential=sequential,
            guidelines=guidelines,
            spec=spec,
            read=read,
            scenario_read=scenario_read,
            progress=progress,
            ownership=ownership,
        )
    inputs = [file] + ([scenarios] if scenarios else []) + ([ownership] if ownership else [])
    doc = report.to_dict()
    emit(doc, out.format, out.output, csv_raw=out.csv_raw, table=result_table, rows=result_rows, inputs=inputs)
    write_plot(plot, plot_fmt, lambda fmt: _chart(doc, report.largest, fmt))


def _chart(doc: dict, largest: list, fmt: str) -> bytes:
    from aistruct.charts.merge import chart

    return chart(doc, largest, fmt)
