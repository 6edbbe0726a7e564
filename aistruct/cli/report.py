"""``aistruct report``: options, the commands' core calls, one HTML page (:mod:`aistruct.report_html`)."""

from typing import Annotated, List, Optional

import typer

from aistruct.cli.app import app, command_help
from aistruct.cli.options import ENGINE, MARKET, READ, TIERING, OutputOptions, examples, parse_int_list, shared

PANEL = "Report"


@app.command(
    "report",
    help=command_help("report"),
    epilog=examples(
        "aistruct report dataset:ai_app_mau_cn_2025-03 -o report.html",
        "aistruct report dataset:notable_models_compute -p publication_date --freq year --agg max "
        "--split-entities , --split-mode full --bounds 1e19,1e23 --from 2018 --to 2025 -o report.html",
    ),
)
@shared(READ, ENGINE, MARKET, TIERING)
def report_command(
    file: Annotated[str, typer.Argument(help="Table to read: a path or dataset:NAME (not -: it is read per section).")],
    output: Annotated[
        Optional[str],
        typer.Option("--output", "-o", help="Write the page to this file (atomically); default: standard output."),
    ] = None,
    period: Annotated[
        Optional[str],
        typer.Option("--period", "-p", help="Time column: adds the trend and flows sections.", rich_help_panel=PANEL),
    ] = None,
    top: Annotated[
        str, typer.Option("--top", help="Concentration ratios, as k values.", rich_help_panel=PANEL)
    ] = "1,4,8,10",
    show: Annotated[
        int, typer.Option("--show", min=0, help="How many of the largest companies to list.", rich_help_panel=PANEL)
    ] = 10,
    guidelines: Annotated[
        str,
        typer.Option("--guidelines", help="Bands of the HHI reading: us-2023, us-2010 or eu.", rich_help_panel=PANEL),
    ] = "us-2023",
    min_n: Annotated[
        int,
        typer.Option(
            "--min-n", min=1, help="With --period: periods with fewer companies are thin.", rich_help_panel=PANEL
        ),
    ] = 5,
    acquisitions: Annotated[
        Optional[str],
        typer.Option(
            "--acquisitions", help="With --period: deals (acquirer, target, date) for flows.", rich_help_panel=PANEL
        ),
    ] = None,
    from_: Annotated[
        Optional[str], typer.Option("--from", help="With --period: first period of the flows.", rich_help_panel=PANEL)
    ] = None,
    to: Annotated[
        Optional[str], typer.Option("--to", help="With --period: last period of the flows.", rich_help_panel=PANEL)
    ] = None,
    acquirer: Annotated[
        Optional[str],
        typer.Option("--acquirer", "-a", help="Adds the merge section: the buying company.", rich_help_panel=PANEL),
    ] = None,
    targets: Annotated[
        Optional[List[str]],
        typer.Option("--target", "-t", help="With --acquirer: a company bought (repeatable).", rich_help_panel=PANEL),
    ] = None,
    scenarios: Annotated[
        Optional[str],
        typer.Option(
            "--scenarios",
            help="Adds the merge section: a table of deals (acquirer, target, optional name).",
            rich_help_panel=PANEL,
        ),
    ] = None,
    sequential: Annotated[
        bool, typer.Option("--sequential", help="With --scenarios: apply the deals in order.", rich_help_panel=PANEL)
    ] = False,
    quiet: Annotated[
        bool, typer.Option("--quiet", "-q", help="No warnings, data credits or progress on standard error.")
    ] = False,
    debug: Annotated[bool, typer.Option("--debug", help="Show the Python traceback of an error.")] = False,
    read=None,
    engine=None,
    spec=None,
    tiering=None,
) -> None:
    """One self-contained HTML page: concentration, tiers (and trend, flows with --period), charts and tables."""
    from aistruct.cli.outfile import check_output_target, write_output, write_stdout
    from aistruct.cli.render import note, set_quiet, warn
    from aistruct.errors import UsageError

    if quiet:
        set_quiet(True)
    if file == "-":
        raise UsageError("report FILE: standard input cannot be read once per section; give a path or dataset:NAME")
    for option, value in (("--acquisitions", acquisitions), ("--from", from_), ("--to", to)):
        if value is not None and period is None:
            raise UsageError(f"{option}: needs --period (it belongs to the flows section)")
    ks = parse_int_list(top, "--top")
    inputs = [file] + [x for x in (acquisitions, scenarios, spec.aliases, spec.parents) if x]
    check_output_target(output, inputs)
    out = OutputOptions(format="html", output=output, debug=debug)
    flows_options = {"acquisitions": acquisitions, "from_": from_, "to": to}
    reports = _reports(file, spec, read, engine, tiering, out, period, ks, show, guidelines, min_n, flows_options)
    merge = None
    if acquirer is not None or targets or scenarios is not None:
        merge = _merge(file, spec, read, engine, out, acquirer, targets, scenarios, sequential)
    from aistruct.report_html import html_report

    filters = {
        "Filters": list(spec.where),
        "Combine rows": spec.agg if spec.agg != "sum" else None,
        "Aliases": spec.aliases,
        "Parents": spec.parents,
        "Left out": list(spec.exclude),
        "Unobserved fringe": list(spec.other)
        or (f"total {spec.total}" if spec.total is not None else None)
        or (f"total column {spec.total_column}" if spec.total_column else None),
        "Period column": period,
        "Periods grouped by": spec.freq,
        "Several companies per cell": (
            f"split on {spec.split_entities!r}, {spec.split_mode}" if spec.split_entities else None
        ),
    }
    conc, tiers, trend, flows = reports
    page = html_report(conc, tiers, trend, flows, merge=merge, filters=filters)
    credit = reports[0].input.get("credit")
    for r in (*reports, merge):
        if r is not None:
            for w in r.warnings:
                warn(w)
    if credit:
        note(f"Data: {credit}")
    if output and output != "-":
        write_output(output, page)
    else:
        write_stdout(page)


def _reports(file, spec, read, engine, tiering, out, period, ks, show, guidelines, min_n, flows_options):
    """(concentration, tiers, trend or None, flows or None), each from its command's core call."""
    import dataclasses

    from aistruct.cli.progress import core_run
    from aistruct.concentration import concentration_report
    from aistruct.tiers import tiers_report

    with core_run(out, read, engine) as progress:
        conc = concentration_report(
            file, spec=dataclasses.replace(spec), read=read, top=ks, show=show, guidelines=guidelines, progress=progress
        )
        tiers = tiers_report(file, spec=dataclasses.replace(spec), read=read, options=tiering, progress=progress)
        trend = flows = None
        if period is not None:
            from aistruct.flows import flows_report
            from aistruct.trend import trend_report

            trend = trend_report(
                file,
                period=period,
                spec=dataclasses.replace(spec),
                read=read,
                top=ks,
                min_n=min_n,
                size=tiering.size,
                method=tiering.method,
                bounds=tiering.bounds,
                preset=tiering.preset,
                progress=progress,
            )
            flows = flows_report(
                file,
                period=period,
                spec=dataclasses.replace(spec),
                read=read,
                size=tiering.size,
                method=tiering.method,
                bounds=tiering.bounds,
                preset=tiering.preset,
                progress=progress,
                **flows_options,
            )
    return conc, tiers, trend, flows


def _merge(file, spec, read, engine, out, acquirer, targets, scenarios, sequential):
    """The merge section's report, as ``aistruct merge`` computes it (every guideline)."""
    import dataclasses

    from aistruct.cli.progress import core_run
    from aistruct.merger import merger_report
    from aistruct.reader import ReadOptions

    scenario_read = ReadOptions(decompress=read.decompress, max_bytes=read.max_bytes)
    with core_run(out, read, engine) as progress:
        return merger_report(
            file,
            acquirer=acquirer,
            targets=tuple(targets or ()),
            scenarios=scenarios,
            sequential=sequential,
            spec=dataclasses.replace(spec),
            read=read,
            scenario_read=scenario_read,
            progress=progress,
        )
