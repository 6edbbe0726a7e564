"""``aistruct flows``: options, one core call, rendering."""

from typing import Annotated, Optional

import typer
from rich.table import Table
from rich.text import Text

from aistruct.cli.app import app, command_help
from aistruct.cli.options import ENGINE, MARKET, OUTPUT, PLOT, READ, TIERING, examples, shared
from aistruct.cli.render import cell, emit, fmt_amount, fmt_pct

# ---------------------------------------------------------------- flat rows


def result_rows(doc: dict):
    """CSV/Markdown view: one row per (step, origin, destination) with the count; the whole span last."""
    from aistruct.flows import DESTINATIONS, ORIGINS

    by = doc["input"]["by"]
    columns = list(by) + ["from", "to", "span", "origin", "destination", "count"]
    rows = []
    for s in doc["results"]:
        group = [s["group"].get(b) for b in by]
        steps = [("step", st) for st in s["steps"]] + ([("overall", s["overall"])] if s["overall"] else [])
        for span, st in steps:
            for o in ORIGINS:
                for d in DESTINATIONS:
                    rows.append(group + [st["from"], st["to"], span, o, d, st["counts"][o][d]])
    return columns, rows


# ---------------------------------------------------------------- table


def _bounds_text(doc: dict, s: dict) -> str:
    size = doc["input"].get("size") or doc["input"]["value"]
    low, high = (fmt_amount(b) for b in s["bounds"])
    how = {
        "natural": "natural breaks of log10 size, all company-periods pooled",
        "headtail": "head/tail breaks, all company-periods pooled",
        "bounds": "--bounds",
    }.get(s["method"], s["method"].replace("preset:", "--preset "))
    text = f"Tiers on {size} ({how}), the same in every period: small < {low} <= middle <= {high} < giant."
    cf = doc["input"].get("carry_forward") or 0
    if cf:
        text += f" A company without a row keeps its last size for up to {cf} period{'s' if cf != 1 else ''}."
    return text


def _matrix(step: dict, deals: bool) -> Table:
    """Origins x destinations; the acquired column only when a deals table was given."""
    from rich import box

    from aistruct.flows import ACQUIRED, DESTINATIONS, ORIGINS

    shown = [d for d in DESTINATIONS if deals or d != ACQUIRED]

    t = Table(header_style="bold", box=box.SIMPLE_HEAD, pad_edge=False, collapse_padding=True)
    t.add_column("from \\ to", no_wrap=True)
    for d in shown:
        t.add_column(d, justify="right", no_wrap=True)
    t.add_column("total", justify="right", no_wrap=True)
    for o in ORIGINS:
        row = step["counts"][o]
        total = sum(row.values())
        cells = []
        for d in shown:
            n = row[d]
            if o == "entered" and d in ("exited", "acquired"):
                cells.append("")
            else:
                cells.append(f"{n} {fmt_pct(n / total, 0) if total else '–':>4}")
        t.add_row(o, *cells, str(total))
    return t


def _accounting(step: dict, deals: bool) -> str:
    m = step["middle"]
    parts = [str(m["start"])]
    for key, label in (("entered", "entered"), ("from_small", "from small"), ("from_giant", "from giant")):
        parts.append(f"+ {m[key]} {label}")
    outs = [("to_small", "to small"), ("to_giant", "to giant"), ("exited", "exited")]
    for key, label in outs + ([("acquired", "acquired")] if deals else []):
        parts.append(f"− {m[key]} {label}")
    return f"Middle: {' '.join(parts)} = {m['end']}"


def _value_accounting(step: dict) -> Optional[str]:
    v = step.get("middle_value")
    if not v:
        return None
    parts = [fmt_pct(v["start"])]
    labels = {
        "entered": "entered",
        "from_small": "from small",
        "from_giant": "from giant",
        "to_small": "to small",
        "to_giant": "to giant",
        "exited": "exited",
        "acquired": "acquired",
        "stayers": "stayers' change",
    }
    for key, label in labels.items():
        x = v[key]
        if key.startswith("to_") or key in ("exited", "acquired"):
            x = -x
        if x:
            parts.append(f"{'+' if x > 0 else '−'} {100 * abs(x):.1f}pt {label}")
    return f"Middle value share: {' '.join(parts)} = {fmt_pct(v['end'])}"


def _mobility(step: dict) -> str:
    both = sum(step["counts"][o][d] for o in ("small", "middle", "giant") for d in ("small", "middle", "giant"))
    shor = step["shorrocks"]
    pers = ", ".join(f"{t} {fmt_pct(p, 0)}" for t, p in step["persistence"].items())
    shor_text = f"Shorrocks {shor:.2f}" if shor is not None else "Shorrocks –"
    return f"Mobility ({both} present at both ends): {shor_text}; staying in their tier: {pers}."


def _step_block(doc: dict, s: dict, step: dict, *, overall: bool) -> list:
    from aistruct.flows import step_sentence

    title = f"{'Whole span' if overall else 'Step'} {step['from']} → {step['to']}"
    if s["group"]:
        title += " (" + ", ".join(f"{k} = {v}" for k, v in s["group"].items()) + ")"
    deals = doc["input"].get("acquisitions") is not None
    out: list = [cell(title, style="bold"), _matrix(step, deals), Text(_accounting(step, deals))]
    value = _value_accounting(step)
    if value:
        out.append(Text(value))
    out.append(Text(_mobility(step)))
    out.append(cell(step_sentence(step, acquisitions=deals)))
    return out


def result_table(doc: dict, *, summary: bool = False) -> list:
    out: list = []
    inp = doc["input"]
    for i, s in enumerate(doc["results"]):
        if i:
            out.append(Text(""))
        out.append(cell(f"Flows between tiers of {inp['entity']} by {inp['period']}", style="bold"))
        out.append(cell(_bounds_text(doc, s)))
        out.append(Text("Cells: companies and their share of the row (where the row's companies went)."))
        blocks = [] if summary else [(st, False) for st in s["steps"]]
        if s["overall"] is not None and (summary or len(s["steps"]) > 1):
            blocks.append((s["overall"], True))
        for step, overall in blocks:
            out.append(Text(""))
            out += _step_block(doc, s, step, overall=overall)
        out.append(Text(""))
        out.append(cell("Verdict: " + s["verdict"], style="bold"))
    return out


@app.command(
    "flows",
    help=command_help("flows"),
    epilog=examples(
        "aistruct flows dataset:notable_models_compute -p publication_date --freq year --agg max "
        "--bounds 1e19,1e23 --from 2018 --to 2025 --summary",
        "aistruct flows dataset:notable_models_compute -p publication_date --freq year --agg max -f json",
    ),
)
@shared(READ, ENGINE, MARKET, TIERING, OUTPUT, PLOT)
def flows_command(
    file: Annotated[str, typer.Argument(help="Table to read: a path, - for standard input, or dataset:NAME.")],
    period: Annotated[
        str, typer.Option("--period", "-p", help="Time column: a year column, or dates grouped by --freq.")
    ],
    acquisitions: Annotated[
        Optional[str],
        typer.Option("--acquisitions", help="Table of deals with columns acquirer, target, date."),
    ] = None,
    carry_forward: Annotated[
        int,
        typer.Option(
            "--carry-forward",
            min=0,
            help="Keep a company's last size for up to N periods without a row (stocks such as headcount).",
        ),
    ] = 0,
    from_: Annotated[Optional[str], typer.Option("--from", help="First period of the span.")] = None,
    to: Annotated[Optional[str], typer.Option("--to", help="Last period of the span.")] = None,
    summary: Annotated[bool, typer.Option("--summary", help="Table: only the whole span, not every step.")] = False,
    read=None,
    engine=None,
    spec=None,
    tiering=None,
    out=None,
    plot=None,
) -> None:
    """Where did the middle go? Companies moving between small, middle and giant, period to period."""
    from aistruct.cli.plot import check_plot, write_plot
    from aistruct.cli.progress import core_run
    from aistruct.flows import flows_report

    inputs = [file] + ([acquisitions] if acquisitions else [])
    plot_fmt = check_plot(plot, inputs, out.output)
    with core_run(out, read, engine) as progress:
        report = flows_report(
            file,
            period=period,
            spec=spec,
            read=read,
            size=tiering.size,
            method=tiering.method,
            bounds=tiering.bounds,
            preset=tiering.preset,
            acquisitions=acquisitions,
            carry_forward=carry_forward,
            from_=from_,
            to=to,
            progress=progress,
        )
    doc = report.to_dict()
    emit(
        doc,
        out.format,
        out.output,
        csv_raw=out.csv_raw,
        table=lambda doc: result_table(doc, summary=summary),
        rows=result_rows,
        inputs=inputs,
    )
    write_plot(plot, plot_fmt, lambda fmt: _chart(doc, fmt))


def _chart(doc: dict, fmt: str) -> bytes:
    from aistruct.charts.flows import chart

    return chart(doc, fmt)
