"""Core errors name parameters as data; the CLI shows them as its options (issue 14, item 5)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from conftest import FIXTURES, run_cli, write

from aistruct.cli import option_name
from aistruct.errors import InputError, UsageError, param, params_in
from aistruct.tiers import TierOptions


def test_a_parameter_reads_as_the_keyword_in_the_library_and_the_option_on_the_command_line():
    err = UsageError(f"{param('max_bytes')}: must be at least 1; see {param('input_format')}")
    assert str(err) == "max_bytes: must be at least 1; see input_format"
    assert err.render(option_name) == "--max-bytes: must be at least 1; see --input-format"
    assert params_in(err.message) == ["max_bytes", "input_format"]


def test_user_data_that_looks_like_a_template_is_left_alone():
    err = InputError("m.csv: column '{value}' holds \\ue000 and %s")
    assert str(err) == "m.csv: column '{value}' holds \\ue000 and %s"
    assert err.render(option_name) == str(err)


def test_messages_stay_on_one_line():
    assert str(UsageError("a\nb")) == "a\\nb"  # one line, the line break shown escaped (issue 21, item 8)


def test_option_names_come_from_the_commands():
    assert option_name("value") == "--value"
    assert option_name("entity") == "--entity"
    assert option_name("max_bytes") == "--max-bytes"
    assert option_name("no_such_option") == "--no-such-option"


# ---------------------------------------------------------------- the core names keywords, the CLI its flags


TEAMS = FIXTURES / "team_sizes.csv"
DOJ = FIXTURES / "doj_30_30_20_20.csv"
TREND = FIXTURES / "trend_by_year.csv"


def test_a_core_error_names_the_keyword_and_the_cli_the_flag():
    import aistruct

    with pytest.raises(UsageError) as caught:
        aistruct.tiers_report(TEAMS, size="headcount", value="funding", alpha=5)
    assert str(caught.value) == "alpha must be in (0, 1.6] (got 5)"
    r = run_cli("tiers", TEAMS, "--size", "headcount", "--value", "funding", "--alpha", "5")
    assert r.code == 2 and r.err == "aistruct: error: --alpha must be in (0, 1.6] (got 5)\n"


NO_YR = "no column 'yr'; did you mean 'year'? (columns: 'company', 'year', 'funding')"


@pytest.mark.parametrize(
    "call, library, args, cli",
    [
        # merger_report's keyword is ``targets``; the CLI's option is --target
        (
            lambda m: m.merger_report(DOJ, acquirer="Alpha", targets="Zulu"),
            "targets: no company 'Zulu'",
            ("merge", DOJ, "-a", "Alpha", "-t", "Zulu"),
            "--target: no company 'Zulu'",
        ),
        (
            lambda m: m.merger_report(DOJ, acquirer="Alpha"),
            "give acquirer NAME and at least one targets NAME (or scenarios FILE)",
            ("merge", DOJ, "-a", "Alpha"),
            "give --acquirer NAME and at least one --target NAME (or --scenarios FILE)",
        ),
        # trend's period column travels as a ``by`` column, yet is named ``period``
        (
            lambda m: m.trend_report(TREND, period="yr"),
            f"{TREND}: period: {NO_YR}",
            ("trend", TREND, "--period", "yr"),
            f"{TREND}: --period: {NO_YR}",
        ),
        (
            lambda m: m.concentration_report(TREND, entity="company", by=["yr"]),
            f"{TREND}: by: {NO_YR}",
            ("concentration", TREND, "--entity", "company", "--by", "yr"),
            f"{TREND}: --by: {NO_YR}",
        ),
        (
            lambda m: m.tiers_report(TEAMS, size="headcount", value="funding", options=TierOptions(bounds="500,50")),
            "bounds: LOW must be less than HIGH (got 500, 50)",
            ("tiers", TEAMS, "--size", "headcount", "--value", "funding", "--bounds", "500,50"),
            "--bounds: LOW must be less than HIGH (got 500, 50)",
        ),
    ],
)
def test_library_keyword_and_cli_flag_name_the_same_parameter(call, library, args, cli):
    import aistruct

    with pytest.raises(UsageError) as caught:
        call(aistruct)
    assert str(caught.value) == library
    r = run_cli(*args)
    assert r.code == 2 and r.err == f"aistruct: error: {cli}\n"


def test_documents_keep_their_wording_for_options(tmp_path):
    """A validation report keeps a file's error, and a schema's warnings, as document text naming options."""
    import gzip

    from aistruct import validate_files
    from aistruct.validation import ValidateOptions

    ok = write(tmp_path, "ok.csv", "company,usd\nA,1\n")
    gz = write(tmp_path, "d.csv.gz", gzip.compress(b"company,usd\nA,1\n"))
    schema = write(tmp_path, "s.json", '{"fields": [{"name": "company"}, {"name": "usd"}], "foo": 1}')
    report = validate_files([ok, gz], ValidateOptions(schema=str(schema)))
    assert report.files[1].error == f"{gz}: compressed input (gzip); pass --decompress to read it"
    assert report.to_dict()["warnings"] == [f"--schema {schema}: unknown key 'foo' (ignored)"]


def _core_params() -> set[str]:
    package = Path(__file__).resolve().parent.parent / "aistruct"
    names = set()
    for path in package.rglob("*.py"):
        if "cli" in path.relative_to(package).parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id == "param"
                and node.args
                and isinstance(node.args[0], ast.Constant)
            ):
                names.add(node.args[0].value)
    return names


def test_every_parameter_the_core_names_is_an_option_a_command_declares():
    """So the CLI never falls back to guessing a spelling (``targets`` is declared as --target)."""
    import typer.main

    from aistruct.cli import app, load_commands

    load_commands()
    declared = {}
    stack = list(typer.main.get_command(app).commands.values())
    while stack:
        command = stack.pop()
        stack += list(getattr(command, "commands", {}).values())
        for p in command.params:
            declared.setdefault(p.name, [o for o in p.opts if o.startswith("--")])
    core = _core_params()
    assert {"alpha", "targets", "period", "max_bytes", "on_bad_value"} <= core  # the scan sees them
    assert sorted(core - set(declared)) == []
    assert all(option_name(name) == declared[name][0] for name in core)
    assert option_name("targets") == "--target"
