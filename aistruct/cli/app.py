"""The Typer application every command registers itself on (``@app.command``).

Kept apart from :mod:`aistruct.cli`, which imports the command modules, so that
no module imports one that imports it back.
"""

from typing import Optional

import typer

from aistruct._version import __version__

app = typer.Typer(
    name="aistruct",
    help="Market-structure calculator for company tables: concentration, tiers, trends, mergers, validation.",
    add_completion=False,
    no_args_is_help=True,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        print(f"aistruct {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Optional[bool] = typer.Option(
        None, "--version", callback=_version, is_eager=True, help="Print the version and exit."
    ),
) -> None:
    """Market-structure calculator for company tables."""
