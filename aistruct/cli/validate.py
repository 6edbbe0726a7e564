"""``aistruct validate``: options, one core call, rendering (table, json, github)."""

from typing import Annotated, List, Optional

import typer
from rich.table import Table
from rich.text import Text

from aistruct.cli.app import app, command_help
from aistruct.cli.options import READ, examples, output_group, shared
from aistruct.cli.render import cell, emit, plural

FORMATS = ("table", "json", "github")  # github: validate's own, not in the registry
CHECK_PANEL = "Checks"
STATUS_STYLE = {"pass": "green", "warn": "yellow", "fail": "bold red"}


# ---------------------------------------------------------------- github annotations


def escape_data(text: str) -> str:
    """A workflow command's message: % CR LF escaped (GitHub's toolkit rules)."""
    return str(text).replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """A workflow command's property value: also : and , escaped."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def github_annotations(doc: dict) -> str:
    """One ``::error``/``::warning`` per example; a check with no examples gets one line without a row."""
    lines = []
    for f in doc["files"]:
        if f["error"] is not None:
            message = f["error"][len(f["file"]) + 2 :] if f["error"].startswith(f["file"] + ": ") else f["error"]
            lines.append(f"::error file={escape_property(f['file'])}::{escape_data(message)}")
    for c in doc["checks"]:
        if c["status"] == "pass":
            continue
        level = "error" if c["status"] == "fail" else "warning"
        where = f"file={escape_property(c['file'])}"
        if not c["examples"]:
            lines.append(f"::{level} {where}::{escape_data(c['name'] + ': ' + plural(c['count'], 'problem'))}")
        for e in c["examples"]:
            line = f",line={e['line']}" if e["line"] is not None else ""
            column = f" ({e['column']})" if e["column"] is not None else ""
            message = e["message"]
            if e["line"] is None and e["row"] is not None and f"row {e['row']}" not in message:
                message = f"row {e['row']}: {message}"  # no file line to point at (Parquet, xlsx, JSON)
            lines.append(f"::{level} {where}{line}::{escape_data(c['name'] + column + ': ' + message)}")
    return "".join(line + "\n" for line in lines)


# ---------------------------------------------------------------- table


def _summary_table(doc: dict, f: dict) -> list:
    checks = [c for c in doc["checks"] if c["file"] == f["file"]]
    stats = f["stats"]
    failed = sum(c["status"] == "fail" for c in checks)
    warned = sum(c["status"] == "warn" for c in checks)
    verdict = Text("valid", style="green") if f["valid"] else Text("INVALID", style="bold red")
    title = Text.assemble(
        cell(f["file"]),
        ": ",
        verdict,
        f" ({plural(stats['rows'], 'row')}, {plural(stats['columns'], 'column')}, {plural(len(checks), 'check')}, "
        f"{failed} failed, {warned} warned)",
    )
    t = Table(header_style="bold")
    t.add_column("Check")
    t.add_column("Status")
    t.add_column("Count", justify="right")
    t.add_column("First problem")
    for c in checks:
        first = c["examples"][0]["message"] if c["examples"] else ""
        t.add_row(c["name"], Text(c["status"], style=STATUS_STYLE[c["status"]]), f"{c['count']:,}", cell(first))
    out = [title, t]
    problems = [(c, e) for c in checks if c["status"] != "pass" for e in c["examples"]]
    if problems:
        p = Table(title="Problems", title_justify="left", header_style="bold")
        p.add_column("Row", justify="right")
        p.add_column("Check")
        p.add_column("Column")
        p.add_column("Value")
        p.add_column("Message")
        for c, e in problems:
            p.add_row(
                "" if e["row"] is None else str(e["row"]),
                c["name"],
                cell(e["column"] or ""),
                cell(e["value"] if e["value"] is not None else ""),
                cell(e["message"]),
            )
        out.append(p)
    return out


def report_table(doc: dict) -> list:
    out: list = []
    for f in doc["files"]:
        if f["error"] is not None:
            out.append(
                Text.assemble(cell(f["file"]), ": ", Text("not checked", style="bold red"), " (", cell(f["error"]), ")")
            )
            continue
        out += _summary_table(doc, f)
    return out


# ---------------------------------------------------------------- command


@app.command(
    "validate",
    help=command_help("validate"),
    epilog=examples(
        "aistruct validate dataset:ai_app_mau_cn_2025-03 --entity app --value mau",
        "aistruct validate dataset:frontier_lab_funding --format github",
    ),
)
@shared(READ, output_group(formats=FORMATS))
def validate_command(
    files: Annotated[
        Optional[List[str]],
        typer.Argument(
            help="Tables to check: paths, - for standard input, or dataset:NAME (its datapackage schema applies). "
            "None with --schema datapackage.json: every file of the package.",
            show_default=False,
        ),
    ] = None,
    entity: Annotated[
        Optional[str],
        typer.Option(
            "--entity",
            "-e",
            help="Company column: no blank names, no company twice in a group.",
            rich_help_panel=CHECK_PANEL,
        ),
    ] = None,
    value: Annotated[
        Optional[str],
        typer.Option(
            "--value",
            "-v",
            help="Value column: numbers in the reader's forms, finite, non-negative, few missing.",
            rich_help_panel=CHECK_PANEL,
        ),
    ] = None,
    by: Annotated[
        Optional[List[str]],
        typer.Option(
            "--by", "-b", help="Group column for the per-group checks (repeatable).", rich_help_panel=CHECK_PANEL
        ),
    ] = None,
    freq: Annotated[
        Optional[str],
        typer.Option(
            "--freq",
            help="The last --by column is a date: year, quarter or month; checks dates and gaps.",
            rich_help_panel=CHECK_PANEL,
        ),
    ] = None,
    unique: Annotated[
        bool,
        typer.Option(
            "--unique", help="A company twice in one group fails (default: a warning).", rich_help_panel=CHECK_PANEL
        ),
    ] = False,
    max_missing: Annotated[
        float,
        typer.Option(
            "--max-missing",
            help="Largest fraction of missing --value cells allowed (0 to 1).",
            rich_help_panel=CHECK_PANEL,
        ),
    ] = 0.0,
    shares: Annotated[
        bool,
        typer.Option(
            "--shares", help="--value holds percentage shares: each group must sum to 100.", rich_help_panel=CHECK_PANEL
        ),
    ] = False,
    tolerance: Annotated[
        float,
        typer.Option(
            "--tolerance", help="With --shares: how far from 100 a group's sum may be.", rich_help_panel=CHECK_PANEL
        ),
    ] = 0.5,
    outliers: Annotated[
        bool,
        typer.Option(
            "--outliers",
            help="Warn about values more than --outlier-factor times their group's median.",
            rich_help_panel=CHECK_PANEL,
        ),
    ] = False,
    outlier_factor: Annotated[
        float,
        typer.Option(
            "--outlier-factor",
            help="With --outliers: how many times the median is suspicious.",
            rich_help_panel=CHECK_PANEL,
        ),
    ] = 1000.0,
    decimal: Annotated[
        str,
        typer.Option(
            "--decimal", help="Decimal mark of the --value numbers: . or , (European).", rich_help_panel=CHECK_PANEL
        ),
    ] = ".",
    schema: Annotated[
        Optional[str],
        typer.Option(
            "--schema",
            help="Frictionless Table Schema (JSON or YAML) the files must match.",
            rich_help_panel=CHECK_PANEL,
        ),
    ] = None,
    strict: Annotated[
        bool, typer.Option("--strict", help="Warnings fail too (exit 1).", rich_help_panel=CHECK_PANEL)
    ] = False,
    max_examples: Annotated[
        int, typer.Option("--max-examples", help="Problems listed per check.", rich_help_panel=CHECK_PANEL)
    ] = 5,
    read=None,
    out=None,
) -> None:
    """Is the dataset sane? Structure, values and a Table Schema; exit 0 valid, 1 a check failed, 2 not checked."""
    import sys

    from aistruct.errors import InputError, UsageError
    from aistruct.sanitize import terminal_text
    from aistruct.validation import ValidateOptions, validate_files

    if (out.format or "").lower() not in FORMATS:
        raise UsageError(f"--format: unknown format {out.format!r}; use one of {', '.join(FORMATS)}")
    opts = ValidateOptions(
        entity=entity,
        value=value,
        by=tuple(by or ()),
        freq=freq,
        unique=unique,
        max_missing=max_missing,
        shares=shares,
        tolerance=tolerance,
        outliers=outliers,
        outlier_factor=outlier_factor,
        strict=strict,
        schema=schema,
        max_examples=max_examples,
        decimal=decimal,
    )

    def on_error(message: str) -> None:
        sys.stderr.write(f"aistruct: error: {terminal_text(message)}\n")
        sys.stderr.flush()

    files = list(files or ())
    if len(files) == 1:
        report = validate_files(files, opts, read)  # one file: its error is the command's error
        if report.files[0].error is not None:
            raise InputError(report.files[0].error)
    else:
        report = validate_files(files, opts, read, on_error=on_error)
        if all(f.error is not None for f in report.files):
            raise typer.Exit(2)
    doc = report.to_dict()
    emit(
        doc,
        out.format,
        out.output,
        csv_raw=out.csv_raw,
        table=report_table,
        extra={"github": github_annotations},
        inputs=[
            *files,
            *(f["file"] for f in doc["files"]),
            *([schema] if schema else []),
            *getattr(opts.schema, "schema_files", ()),
        ],
        formats=("table", "json"),
    )
    if report.exit_code:
        raise typer.Exit(report.exit_code)
