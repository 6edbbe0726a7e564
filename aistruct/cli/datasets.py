"""``aistruct datasets``: list and describe the bundled tables."""

from typing import Annotated

import typer
from rich.table import Table
from rich.text import Text

from aistruct.cli.app import app, command_help
from aistruct.cli.options import examples, output_group, shared
from aistruct.cli.render import cell, emit
from aistruct.report import envelope

datasets_app = typer.Typer(
    help=command_help("datasets"),
    epilog=examples(
        "aistruct datasets", "aistruct datasets -f csv -o datasets.csv", "aistruct datasets show frontier_lab_funding"
    ),
    invoke_without_command=True,
    rich_markup_mode=None,
    no_args_is_help=False,
)
app.add_typer(datasets_app, name="datasets")

#: No jsonl: these documents describe datasets, they hold no results.
FORMATS = ("table", "json", "csv", "tsv", "markdown")
OUTPUT = output_group(FORMATS)


def list_doc() -> dict:
    from aistruct import datasets

    items = []
    for res in datasets.resources():
        items.append(
            {
                "name": res["name"],
                "title": res.get("title", ""),
                "rows": datasets.row_count(res),
                "licence": datasets.licence_label(res),
                "credit": datasets.credit_of(res),
                "path": res["path"],
            }
        )
    return envelope("datasets", None, None, [], datasets=items)


def _list_table(doc: dict) -> list:
    t = Table(title="Bundled datasets (read with dataset:NAME)", title_justify="left", header_style="bold")
    # Names are what users type after dataset:, so they are never wrapped or cut.
    t.add_column("Name", no_wrap=True, min_width=max((len(d["name"]) for d in doc["datasets"]), default=4))
    t.add_column("Title")
    t.add_column("Rows", justify="right")
    t.add_column("Licence", no_wrap=True)
    for d in doc["datasets"]:
        t.add_row(cell(d["name"]), cell(d["title"]), f"{d['rows']:,}", cell(d["licence"]))
    return [t]


def _list_rows(doc: dict):
    cols = ["name", "title", "rows", "licence", "credit", "path"]
    return cols, [[d[c] for c in cols] for d in doc["datasets"]]


@datasets_app.callback()
@shared(OUTPUT)
def datasets_list(ctx: typer.Context, out=None) -> None:
    """List the bundled tables: name, title, rows, licence."""
    if ctx.invoked_subcommand is not None:
        return
    emit(list_doc(), out.format, out.output, csv_raw=out.csv_raw, table=_list_table, rows=_list_rows, formats=FORMATS)


def show_doc(name: str) -> dict:
    from aistruct import datasets

    res = datasets.find(name)
    fields = (res.get("schema") or {}).get("fields", [])
    dataset = {
        "name": res["name"],
        "title": res.get("title", ""),
        "description": res.get("description", ""),
        "path": res["path"],
        "rows": datasets.row_count(res),
        "credit": datasets.credit_of(res),
        "sources": res.get("sources", []),
        "licenses": res.get("licenses", []),
        "fields": [
            {
                "name": f.get("name"),
                "type": f.get("type"),
                "description": f.get("description", ""),
                "constraints": f.get("constraints", {}),
            }
            for f in fields
        ],
        "primary_key": (res.get("schema") or {}).get("primaryKey", []),
    }
    return envelope("datasets show", None, None, [], dataset=dataset)


def _show_table(doc: dict) -> list:
    d = doc["dataset"]
    head = Table.grid(padding=(0, 2))
    head.add_column(style="bold")
    head.add_column()
    head.add_row("Name", cell(d["name"]))
    head.add_row("Title", cell(d["title"]))
    head.add_row("Description", cell(d["description"]))
    head.add_row("Rows", f"{d['rows']:,}")
    head.add_row("Credit", cell(d["credit"] or "–"))
    for s in d["sources"]:
        head.add_row("Source", cell(f"{s.get('title', '')} {s.get('path', '')}".strip()))
    for lic in d["licenses"]:
        head.add_row("Licence", cell(" ".join(x for x in (lic.get("title") or lic.get("name"), lic.get("path")) if x)))
    fields = Table(title="Fields", title_justify="left", header_style="bold")
    fields.add_column("Field")
    fields.add_column("Type")
    fields.add_column("Description")
    for f in d["fields"]:
        fields.add_row(cell(f["name"]), cell(f["type"] or ""), cell(f["description"]))
    return [head, Text(""), fields]


def _show_rows(doc: dict):
    cols = ["name", "type", "description"]
    return cols, [[f[c] for c in cols] for f in doc["dataset"]["fields"]]


@datasets_app.command(
    "show",
    epilog=examples(
        "aistruct datasets show frontier_lab_funding",
        "aistruct datasets show frontier_lab_funding -f json",
    ),
)
@shared(OUTPUT)
def datasets_show(
    name: Annotated[str, typer.Argument(help="Dataset name, as listed by 'aistruct datasets'.")],
    out=None,
) -> None:
    """Describe one bundled table: description, source, licence and fields."""
    emit(
        show_doc(name), out.format, out.output, csv_raw=out.csv_raw, table=_show_table, rows=_show_rows, formats=FORMATS
    )
