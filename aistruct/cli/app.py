"""The Typer application every command registers itself on (``@app.command``).

Kept apart from :mod:`aistruct.cli`, which imports the command modules, so that
no module imports one that imports it back.
"""

from typing import Optional

import typer
import typer.core

from aistruct._version import __version__


def _no_type(ctx=None) -> None:
    return None


class _Group(typer.core.TyperGroup):
    """The root group: an argument with a metavar (``FILE``) shows no ``<str>`` after it in --help."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        stack = list(self.commands.values())
        while stack:
            command = stack.pop()
            stack += list(getattr(command, "commands", {}).values())
            for p in command.params:
                if isinstance(p, typer.core.TyperArgument) and p.metavar:
                    p.display_type_rich = _no_type


app = typer.Typer(
    name="aistruct",
    cls=_Group,
    help="Market-structure calculator for company tables: concentration, tiers, trends, mergers, validation.",
    add_completion=True,  # Typer's --install-completion / --show-completion
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
        None, "--version", "-V", callback=_version, is_eager=True, help="Print the version and exit."
    ),
    quiet: bool = typer.Option(
        False,
        "--quiet",
        "-q",
        help="No warnings, data credits or progress on standard error (errors are still shown).",
    ),
) -> None:
    """Market-structure calculator for company tables."""
    from aistruct.cli.render import set_quiet

    set_quiet(quiet)  # every run: in-process callers (tests) run many
