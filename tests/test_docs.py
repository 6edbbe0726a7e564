"""The docs document every command and every option (in the manner of sqlite-utils' test_docs).

The commands and their options come from the Typer app itself, so a new command
or option without documentation fails here. The README keeps the overview and
one worked example per command; the reference is docs/, one page per command
(``docs/<command>.md``) plus the pages shared by every command.
"""

from __future__ import annotations

import re

import pytest
import typer.main
from conftest import ROOT

import aistruct.cli

DOCS = ROOT / "docs"
README = (ROOT / "README.md").read_text(encoding="utf-8")
# Options every command shares are documented once, on these pages.
SHARED_PAGES = ("reading.md", "output.md")


def _commands() -> dict:
    """Every command of the CLI by its full name ("datasets show" for a subcommand).

    Typer builds click objects (its own vendored click), so groups are recognised
    by their ``commands`` and options by ``param_type_name``.
    """
    found: dict = {}

    def walk(group, prefix: str) -> None:
        for name, command in sorted(group.commands.items()):
            if getattr(command, "hidden", False):
                continue
            full = f"{prefix} {name}".strip()
            found[full] = command
            if hasattr(command, "commands"):
                walk(command, full)

    aistruct.cli.load_commands()
    walk(typer.main.get_command(aistruct.cli.app), "")
    return found


COMMANDS = _commands()
TOP_LEVEL = sorted(name for name in COMMANDS if " " not in name)


def _page(command: str) -> str:
    """The text of a command's reference page (a subcommand lives on its group's page)."""
    return (DOCS / f"{command.split()[0]}.md").read_text(encoding="utf-8")


def _options(command) -> list[str]:
    """The long option names of a command (--help excluded)."""
    return sorted(
        {
            opt
            for p in command.params
            if p.param_type_name == "option" and not getattr(p, "hidden", False)
            for opt in p.opts
            if opt.startswith("--")
        }
        - {"--help"}
    )


def test_the_cli_has_the_commands_we_expect():
    # A guard that the derivation above works: it must find the known commands.
    assert {"concentration", "tiers", "trend", "merge", "validate", "datasets", "datasets show"} <= set(COMMANDS)
    assert "--top" in _options(COMMANDS["concentration"])


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_every_command_has_a_reference_page(command):
    assert (DOCS / f"{command.split()[0]}.md").is_file()
    assert f"aistruct {command}" in _page(command)


@pytest.mark.parametrize("command", TOP_LEVEL)
def test_every_command_is_in_the_readme_with_a_worked_example(command):
    assert f"aistruct {command}" in README
    assert re.search(rf"^<!-- example: .*-->\n+```console\n\$ aistruct {command}\b", README, re.MULTILINE), (
        f"README.md has no worked example of aistruct {command}"
    )


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_every_option_is_documented(command):
    texts = [_page(command)] + [(DOCS / page).read_text(encoding="utf-8") for page in SHARED_PAGES]
    missing = [opt for opt in _options(COMMANDS[command]) if not any(f"`{opt}" in t for t in texts)]
    assert not missing, (
        f"{command}: options missing from docs/{command.split()[0]}.md "
        f"(or, when shared, docs/{' / docs/'.join(SHARED_PAGES)}): {missing}"
    )


def test_every_exit_code_is_documented():
    output = (DOCS / "output.md").read_text(encoding="utf-8")
    for code in ("| 0 |", "| 1 |", "| 2 |"):
        assert code in output


def test_every_json_schema_is_named_in_the_docs():
    output = (DOCS / "output.md").read_text(encoding="utf-8")
    for schema in sorted((ROOT / "aistruct" / "schemas").glob("*.schema.json")):
        command = schema.name.split(".")[0]
        page = DOCS / f"{command}.md"
        text = output + (page.read_text(encoding="utf-8") if page.is_file() else "")
        assert f"{command}.schema.json" in text or command == "concentration" and "<command>.schema.json" in text, (
            schema.name
        )


def test_the_contents_page_links_every_page():
    index = (DOCS / "index.md").read_text(encoding="utf-8")
    for page in sorted(DOCS.glob("*.md")):
        if page.name != "index.md":
            assert f"]({page.name})" in index, f"docs/index.md does not link {page.name}"


_LINK = re.compile(r"\]\(([^)\s]+)\)")


def _anchors(text: str) -> set[str]:
    """GitHub's heading anchors of a Markdown text (headings inside code fences excluded)."""
    anchors, fence = set(), False
    for line in text.splitlines():
        if line.startswith("```"):
            fence = not fence
        elif not fence and (m := re.match(r"#{1,6} (.*)", line)):
            anchors.add(re.sub(r"[^\w\- ]", "", m.group(1).strip().lower()).replace(" ", "-"))
    return anchors


@pytest.mark.parametrize("path", ["README.md"] + sorted(f"docs/{p.name}" for p in DOCS.glob("*.md")))
def test_relative_links_resolve(path):
    source = ROOT / path
    broken = []
    for target in _LINK.findall(source.read_text(encoding="utf-8")):
        if re.match(r"[a-z]+:", target):
            continue
        file, _, anchor = target.partition("#")
        dest = (source.parent / file).resolve() if file else source
        if not dest.exists():
            broken.append(target)
        elif anchor and dest.suffix == ".md" and anchor not in _anchors(dest.read_text(encoding="utf-8")):
            broken.append(target)
    assert not broken, f"{path}: links that go nowhere: {broken}"
