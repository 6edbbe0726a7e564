"""The README documents every command and every option (in the manner of sqlite-utils' test_docs)."""

import re

import pytest

from conftest import ROOT, run_cli

README = (ROOT / "README.md").read_text(encoding="utf-8")
COMMANDS = ["concentration", "tiers", "trend", "merge", "validate", "datasets", "datasets show"]


def options_of(command: str) -> list[str]:
    r = run_cli(*command.split(), "--help")
    assert r.code == 0, r.err
    return sorted(set(re.findall(r"(?<![\w-])(--[a-z][a-z0-9-]+)", r.out)) - {"--help"})


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_a_readme_section_or_mention(command):
    assert f"aistruct {command}" in README


@pytest.mark.parametrize("command", COMMANDS)
def test_every_option_is_documented(command):
    missing = [opt for opt in options_of(command) if f"`{opt}" not in README]
    assert not missing, f"{command}: options missing from README.md: {missing}"


def test_every_exit_code_is_documented():
    for code in ("| 0 |", "| 1 |", "| 2 |"):
        assert code in README


def test_every_json_schema_is_named_in_the_readme():
    for schema in sorted((ROOT / "aistruct" / "schemas").glob("*.schema.json")):
        command = schema.name.split(".")[0]
        assert f"{command}.schema.json" in README or command == "concentration" and "<command>.schema.json" in README, (
            schema.name)
