"""The Typer application every command registers itself on (``@app.command``).

Kept apart from :mod:`aistruct.cli`, which imports the command modules, so that
no module imports one that imports it back.
"""

import importlib
import os
from typing import Optional

import typer
import typer.core

from aistruct._version import __version__

#: Every command: its module and the help the root ``--help`` lists, in the order listed. A
#: command's module is imported only when that command runs (:func:`load_commands`), so
#: ``aistruct --help`` and ``--version`` load none of them; the modules take their help from here.
COMMANDS: dict[str, tuple[str, str]] = {
    "concentration": (
        "aistruct.cli.concentration",
        "How concentrated is the market? HHI, CR-k, Gini, Theil, entropy, Atkinson, Palma per group.",
    ),
    "flows": (
        "aistruct.cli.flows",
        "Where did the middle go? Companies moving between small, middle and giant, period to period.",
    ),
    "merge": (
        "aistruct.cli.merge",
        "What does an acquisition do to concentration? Pre/post HHI, ΔHHI, CR4 and the guideline readings.",
    ),
    "report": (
        "aistruct.cli.report",
        "One self-contained HTML page: concentration, tiers (and trend, flows with --period), charts and tables.",
    ),
    "tiers": (
        "aistruct.cli.tiers",
        "Small / middle / giant: is the industry a dumbbell? Tier shares and missing-middle diagnostics.",
    ),
    "trend": (
        "aistruct.cli.trend",
        "Is the middle disappearing? Concentration and tier shares per period, with a trend test.",
    ),
    "validate": (
        "aistruct.cli.validate",
        "Is the dataset sane? Structure, values and a Table Schema; exit 0 valid, 1 a check failed, 2 not checked.",
    ),
    "datasets": ("aistruct.cli.datasets", "The bundled real datasets (read any of them as dataset:NAME)."),
}
#: The commands whose modules are imported (their real commands registered on ``app``).
LOADED: set = set()


def command_help(name: str) -> str:
    """The help of command ``name``, from :data:`COMMANDS`."""
    return COMMANDS[name][1]


def _no_type(ctx=None) -> None:
    return None


class _Group(typer.core.TyperGroup):
    """The root group: an argument with a metavar (``FILE``) shows no ``<str>`` after it in --help;
    commands listed in the order of :data:`COMMANDS`."""

    def list_commands(self, ctx) -> list:
        order = {name: i for i, name in enumerate(COMMANDS)}
        return sorted(self.commands, key=lambda name: (order.get(name, len(order)), name))

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


def load_commands(names=None) -> None:
    """Import the modules of ``names`` (every command when None), registering their commands on ``app``."""
    for name in COMMANDS if names is None else names:
        if name in COMMANDS and name not in LOADED:
            importlib.import_module(COMMANDS[name][0])
            LOADED.add(name)


def _stub() -> None:  # pragma: no cover - a stub never runs: a typed command loads its module first
    raise typer.Exit(2)


def prepare(args: list) -> None:
    """Register what a run with ``args`` needs: the command it names (its module), or, for the root
    ``--help``, a stub per command (name and help only). Shell completion loads every command."""
    if any(key.startswith("_AISTRUCT_COMPLETE") or key == "_TYPER_COMPLETE_ARGS" for key in os.environ):
        load_commands()
    else:
        name = next((a for a in args if not a.startswith("-")), None)
        if name in COMMANDS:
            load_commands([name])
    stubbed = {c.name for c in app.registered_commands if c.callback is _stub}
    stubbed |= {g.name for g in app.registered_groups if getattr(g.typer_instance, "_aistruct_stub", False)}
    for name, (_, help_text) in COMMANDS.items():
        if name in LOADED or name in stubbed:
            continue
        if name == "datasets":  # a group of its own
            group = typer.Typer(help=help_text, rich_markup_mode=None)
            group._aistruct_stub = True  # type: ignore[attr-defined]
            app.add_typer(group, name=name)
        else:
            app.command(name, help=help_text)(_stub)
