"""The output-format registry: --format choices, --output extension inference, tsv and jsonl (issue 18)."""

import csv
import io
import json

import pytest
from conftest import FIXTURES, run_cli, write

from aistruct.cli.render import OUTPUT_FORMATS, format_for_output

FUNDING = FIXTURES / "funding_by_year.csv"  # 2023: 10000+1250+2000+415 = 13665; 2024: 6600+4000+640+6000 = 17240
BY_YEAR = ("concentration", FUNDING, "--value", "funding", "--by", "year")


def test_every_registered_extension_implies_its_format():
    for name, fmt in OUTPUT_FORMATS.items():
        for ext in fmt.extensions:
            assert format_for_output(f"report{ext.upper()}") == name
    assert format_for_output("report.html") is None  # no html format yet: the table stays
    assert format_for_output(None) is None and format_for_output("-") is None


def test_output_csv_without_format_writes_csv(tmp_path):
    target = tmp_path / "out.csv"
    r = run_cli(*BY_YEAR, "-o", target)
    assert r.code == 0, r.err
    rows = list(csv.DictReader(io.StringIO(target.read_text(encoding="utf-8"))))
    assert [(row["year"], float(row["total"])) for row in rows] == [("2023", 13665.0), ("2024", 17240.0)]


@pytest.mark.parametrize("ext, check", [(".json", json.loads), (".md", lambda t: t.index("|"))])
def test_output_extension_implies_json_and_markdown(tmp_path, ext, check):
    target = tmp_path / f"out{ext}"
    assert run_cli(*BY_YEAR, "-o", target).code == 0
    check(target.read_text(encoding="utf-8"))


def test_explicit_format_wins_over_extension(tmp_path):
    target = tmp_path / "out.csv"
    assert run_cli(*BY_YEAR, "-o", target, "-f", "json").code == 0
    assert json.loads(target.read_text(encoding="utf-8"))["command"] == "concentration"


def test_unknown_extension_keeps_the_table(tmp_path):
    target = tmp_path / "out.html"
    assert run_cli(*BY_YEAR, "-o", target).code == 0
    assert "Concentration of funding by year" in target.read_text(encoding="utf-8")


def test_tsv():
    r = run_cli(*BY_YEAR, "-f", "tsv")
    assert r.code == 0, r.err
    rows = list(csv.DictReader(io.StringIO(r.out), delimiter="\t"))
    assert r.out.splitlines()[0].startswith("year\tn\ttotal\t")
    assert [(row["year"], row["n"], float(row["total"])) for row in rows] == [
        ("2023", "3", 13665.0),
        ("2024", "4", 17240.0),
    ]


def test_jsonl_one_result_per_line_with_envelope_keys():
    r = run_cli(*BY_YEAR, "-f", "jsonl")
    assert r.code == 0, r.err
    lines = r.out.splitlines()
    assert len(lines) == 2
    records = [json.loads(line) for line in lines]
    assert [(x["schema_version"], x["command"], x["group"], x["total"]) for x in records] == [
        (1, "concentration", {"year": "2023"}, 13665.0),
        (1, "concentration", {"year": "2024"}, 17240.0),
    ]
    doc = run_cli(*BY_YEAR, "-f", "json").json()
    assert [{k: v for k, v in x.items() if k not in ("schema_version", "command")} for x in records] == doc["results"]


def test_validate_output_json_extension(tmp_path):
    target = tmp_path / "report.json"
    r = run_cli("validate", FUNDING, "-o", target)
    assert r.code in (0, 1), r.err
    assert json.loads(target.read_text(encoding="utf-8"))["command"] == "validate"


def test_format_help_lists_the_registry():
    r = run_cli("concentration", "--help")
    for name in OUTPUT_FORMATS:
        assert name in r.out


# ---------------------------------------------------------------- CSV formula defusing and --csv-raw


@pytest.mark.parametrize("fmt, delimiter", [("csv", ","), ("tsv", "\t")])
def test_csv_defuses_by_default_and_csv_raw_keeps_names(tmp_path, fmt, delimiter):
    path = write(tmp_path, "m.csv", "company,market,funding\nA,-1X Labs,3\nB,-1X Labs,1\nC,@Home AI,2\nD,=Sum,1\n")
    base = ("concentration", path, "--by", "market", "-f", fmt)

    def markets(*extra):
        r = run_cli(*base, *extra)
        assert r.code == 0, r.err
        return [row["market"] for row in csv.DictReader(io.StringIO(r.out), delimiter=delimiter)]

    assert markets() == ["'-1X Labs", "'=Sum", "'@Home AI"]
    assert markets("--csv-raw") == ["-1X Labs", "=Sum", "@Home AI"]


def test_csv_raw_not_offered_where_there_is_no_csv():
    assert "--csv-raw" not in run_cli("validate", "--help").out


# ---------------------------------------------------------------- conventions: -V, -q/--quiet, completion

TREND = FIXTURES / "trend_by_year.csv"  # 2021 has fewer than 5 companies: a warning on stderr


def test_short_version():
    from aistruct import __version__

    r = run_cli("-V")
    assert (r.code, r.out) == (0, f"aistruct {__version__}\n")


@pytest.mark.parametrize("where", ["root", "command"])
def test_quiet_silences_warnings_and_credits_not_results(where):
    loud = run_cli("trend", TREND, "--period", "year", "-f", "json")
    assert "aistruct: warning:" in loud.err
    args = ["trend", TREND, "--period", "year", "-f", "json"]
    quiet = run_cli(*(["-q", *args] if where == "root" else [*args, "--quiet"]))
    assert (quiet.code, quiet.err) == (0, "")
    assert quiet.json() == loud.json()
    assert quiet.json()["warnings"] == loud.json()["warnings"] != []  # the document still carries them

    credit = run_cli("concentration", "dataset:ai_app_mau_cn_2025-03")
    assert "Data: " in credit.err
    assert run_cli("-q", "concentration", "dataset:ai_app_mau_cn_2025-03").err == ""


def test_quiet_still_shows_errors():
    r = run_cli("-q", "concentration", "no-such-file.csv")
    assert r.code == 2 and r.err == "aistruct: error: no-such-file.csv: no such file\n"


def test_quiet_does_not_leak_into_the_next_run():
    assert run_cli("-q", "trend", TREND, "--period", "year").err == ""
    assert "aistruct: warning:" in run_cli("trend", TREND, "--period", "year").err


def test_shell_completion_options():
    help_text = run_cli("--help").out
    assert "--install-completion" in help_text and "--show-completion" in help_text
    r = run_cli("--show-completion", "bash")
    assert r.code == 0 and "complete" in r.out and "aistruct" in r.out


# ---------------------------------------------------------------- --help: examples, metavars, choices


def _help_pages():
    import typer.main

    from aistruct.cli import app, load_commands

    load_commands()
    stack = [((), typer.main.get_command(app))]
    while stack:
        path, command = stack.pop()
        subs = getattr(command, "commands", {})
        stack += [((*path, name), sub) for name, sub in subs.items()]
        if path:
            yield path


HELP_PAGES = sorted(_help_pages())


def _examples(path):
    import shlex

    text = run_cli(*path, "--help").out
    assert "\n  Examples:\n" in text, f"{' '.join(path)} --help has no examples"
    lines = text.split("\n  Examples:\n", 1)[1].splitlines()
    return [shlex.split(line) for line in lines if line.startswith("    aistruct ")]


@pytest.mark.parametrize("path", HELP_PAGES, ids=" ".join)
def test_help_ends_with_examples_that_run(path, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # examples may write -o files
    found = _examples(path)
    assert 2 <= len(found) <= 3
    for argv in found:
        assert argv[1 : 1 + len(path)] == list(path) or path == ("datasets",)
        r = run_cli(*argv[1:])
        assert r.code == 0, (argv, r.err)


@pytest.mark.parametrize("path", HELP_PAGES, ids=" ".join)
def test_help_metavars_are_words(path):
    import re

    text = run_cli(*path, "--help").out
    assert not re.findall(r"<[a-z][^>]*>", text), re.findall(r"<[a-z][^>]*>", text)


def test_help_lists_choices_and_freq_reads_right():
    text = run_cli("trend", "--help", env={"COLUMNS": "200"}).out
    assert "--agg [sum|mean|max|min|count|first|last|median]" in text
    assert "--format [table|json|csv|tsv|jsonl|markdown]" in text
    assert "-e, --entity COL" in text and "--min-n N" in text and "--output FILE" in text
    freq = next(line for line in text.splitlines() if line.lstrip().startswith("--freq"))
    assert "--period column" in freq and "--by" not in freq
    concentration = run_cli("concentration", "--help", env={"COLUMNS": "200"}).out
    assert "Group dates in the (last) --by column" in concentration


# ---------------------------------------------------------------- markdown: the human table


def test_markdown_escapes_names(tmp_path):
    path = write(tmp_path, "m.csv", "company,funding\n*Big* | [x](http://e) <b>,3\n# Head,1\n")
    r = run_cli("concentration", path, "-f", "markdown")
    assert r.code == 0, r.err
    assert "| 1 | \\*Big\\* \\| \\[x\\](http://e) \\<b\\> | 3 | 75.0% |" in r.out
    assert "| 2 | # Head | 1 | 25.0% |" in r.out  # a '#' inside a cell is no heading


def test_markdown_paragraph_cannot_start_a_heading_or_list():
    from rich.text import Text

    from aistruct.cli.render import to_markdown

    assert to_markdown([Text("# not a heading"), Text("- no list"), Text("1. no list")]) == (
        "\\# not a heading\n\n\\- no list\n\n\\1. no list\n"
    )
