"""``aistruct validate`` through the real entry point: exit codes, the JSON report, GitHub annotations."""

import pytest
import yaml
from conftest import FIXTURES, ROOT, assert_schema, run_cli, write
from test_validate import CASES

from aistruct.cli.validate import escape_data, escape_property

V = FIXTURES / "validate"


def options_args(options: dict) -> list:
    args = []
    for key, val in options.items():
        flag = "--" + key.replace("_", "-")
        if val is True:
            args.append(flag)
        elif isinstance(val, tuple):
            for v in val:
                args += [flag, v]
        else:
            args += [flag, str(val)]
    return args


def no_seconds(doc: dict) -> dict:
    doc["stats"]["seconds"] = 0
    for f in doc["files"]:
        f["stats"]["seconds"] = 0
    return doc


@pytest.mark.parametrize("fixture,options,check,status,count,row", CASES, ids=[f"{c[0]}-{c[2]}-{c[3]}" for c in CASES])
def test_each_fixture_fails_its_check_and_names_the_row(fixture, options, check, status, count, row):
    args = options_args(options)
    strict = run_cli("validate", V / fixture, *args, "--strict", "--format", "json")
    assert strict.code == 1, strict.err  # warn or fail: with --strict both exit 1
    doc = strict.json()
    assert_schema(doc, "validate")
    bad = [c for c in doc["checks"] if c["status"] != "pass"]
    assert [(c["name"], c["status"], c["count"]) for c in bad] == [(check, status, count)]
    assert bad[0]["examples"][0]["row"] == row
    plain = run_cli("validate", V / fixture, *args, "--format", "json")
    assert plain.code == (1 if status == "fail" else 0)


def test_clean_fixture_exits_0():
    r = run_cli(
        "validate",
        V / "clean.csv",
        "--entity",
        "company",
        "--value",
        "share",
        "--by",
        "year",
        "--freq",
        "year",
        "--shares",
        "--outliers",
        "--unique",
        "--strict",
    )
    assert r.code == 0, r.err
    assert "clean.csv: valid (4 rows, 3 columns, 17 checks, 0 failed, 0 warned" in r.out


def test_clean_schema_fixture_exits_0():
    assert run_cli("validate", V / "schema_clean.csv", "--schema", V / "schema.yaml").code == 0


@pytest.mark.parametrize(
    "args,message",
    [
        (["nope.csv"], "aistruct: error: nope.csv: no such file\n"),
        ([V / "clean.csv", "--freq", "week", "--by", "year"], "--freq: unknown frequency 'week'"),
        ([V / "clean.csv", "--max-missing", "2"], "--max-missing: expected a fraction from 0 to 1"),
        ([V / "clean.csv", "--format", "xml"], "--format: unknown format 'xml'; use one of table, json, github"),
        ([V / "clean.csv", "--no-such-option"], "No such option"),
        ([V / "clean.csv", "--value", "usd"], "no column 'usd'"),
        ([V / "clean.csv", "--schema", V / "schema_invalid_type.json"], "unknown type 'numbr'"),
        ([V / "clean.csv", "--schema", V / "schema_invalid_bound.json"], "'one' is not an integer"),
        ([V / "clean.csv", "--schema", V / "nope.json"], "no such file"),
        ([V / "data.csv.gz"], None),
    ],
)
def test_unusable_input_and_bad_options_exit_2(tmp_path, args, message):
    if args == [V / "data.csv.gz"]:
        import gzip

        args = [write(tmp_path, "data.csv.gz", gzip.compress(b"a,b\n1,2\n"))]
        message = "pass --decompress to read it"
    r = run_cli("validate", *args)
    assert r.code == 2
    assert r.out == ""
    assert message in r.err and r.err.count("\n") == 1 and "Traceback" not in r.err


def test_json_report_is_pinned():
    r = run_cli("validate", V / "value_missing.csv", "--value", "usd", "--format", "json")
    assert r.code == 1
    path = str(V / "value_missing.csv")

    def passed(name):
        return {"file": path, "name": name, "status": "pass", "count": 0, "examples": []}

    from aistruct import __version__

    assert no_seconds(r.json()) == {
        "schema_version": 1,
        "command": "validate",
        "aistruct_version": __version__,
        "valid": False,
        "stats": {"files": 1, "rows": 4, "columns": 2, "seconds": 0},
        "checks": [
            passed("encoding"),
            passed("header"),
            passed("names-non-empty"),
            passed("names-unique"),
            passed("field-count"),
            passed("no-blank-rows"),
            passed("no-duplicate-rows"),
            passed("has-rows"),
            passed("value-number"),
            passed("value-non-negative"),
            {
                "file": path,
                "name": "value-missing",
                "status": "fail",
                "count": 1,
                "examples": [
                    {
                        "row": 3,
                        "line": 3,
                        "column": "usd",
                        "value": "",
                        "message": "row 3: missing value (1 of 4 missing, 25.0%; none allowed)",
                    }
                ],
            },
        ],
        "files": [
            {
                "file": path,
                "format": "csv",
                "valid": False,
                "error": None,
                "stats": {"rows": 4, "columns": 2, "seconds": 0},
            }
        ],
        "warnings": [],
    }


def test_github_annotations_are_pinned(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    # a file name with ',' and ':' (escaped in the property), a value with '%' (escaped in the message)
    write(tmp_path, "q1,2024:funding.csv", "company,usd\nAcme,5%x\nBeta,-5\nBeta,-5\n,7\nGamma\n")
    r = run_cli("validate", "q1,2024:funding.csv", "--entity", "company", "--value", "usd", "--format", "github")
    assert r.code == 1
    f = "file=q1%2C2024%3Afunding.csv"
    assert r.out == (
        f"::error {f},line=6::field-count: row 6 has 1 field, the header has 2\n"
        f"::warning {f},line=4::no-duplicate-rows: row 4 repeats row 3 exactly\n"
        f"::error {f},line=5::entity-non-empty (company): row 5: no name\n"
        f"::warning {f},line=4::entity-unique (company): row 4: 'Beta' also at row 3\n"
        f"::error {f},line=2::value-number (usd): row 2: '5%25x' is not a number\n"
        f"::error {f},line=3::value-non-negative (usd): row 3: -5 is negative\n"
        f"::error {f},line=4::value-non-negative (usd): row 4: -5 is negative\n"
    )


def test_github_without_examples_and_for_unreadable_files(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    write(tmp_path, "neg.csv", "company,usd\nA,-1\n")
    r = run_cli("validate", "neg.csv", "missing.csv", "--value", "usd", "--max-examples", "0", "-f", "github")
    assert r.code == 2
    assert r.out == ("::error file=missing.csv::no such file\n::error file=neg.csv::value-non-negative: 1 problem\n")
    assert r.err == "aistruct: error: missing.csv: no such file\n"


def test_escaping_rules():
    assert escape_data("50% done\r\nnext") == "50%25 done%0D%0Anext"
    assert escape_property("a,b:c%\n") == "a%2Cb%3Ac%25%0A"


def test_several_files_worst_exit_code_wins():
    assert run_cli("validate", V / "clean.csv", V / "duplicate_rows.csv").code == 0
    assert run_cli("validate", V / "clean.csv", V / "ragged.csv").code == 1
    r = run_cli("validate", V / "clean.csv", V / "ragged.csv", "nope.csv", "-f", "json")
    assert r.code == 2
    doc = r.json()
    assert [f["valid"] for f in doc["files"]] == [True, False, None]
    assert {c["file"] for c in doc["checks"]} == {str(V / "clean.csv"), str(V / "ragged.csv")}


def test_cli_json_equals_the_library_report():
    from aistruct.validation import ValidateOptions, validate_files

    r = run_cli(
        "validate",
        V / "shares_off.csv",
        "--entity",
        "company",
        "--value",
        "share",
        "--by",
        "year",
        "--shares",
        "-f",
        "json",
    )
    lib = validate_files(
        [V / "shares_off.csv"], ValidateOptions(entity="company", value="share", by=("year",), shares=True)
    ).to_dict()
    assert no_seconds(r.json()) == no_seconds(lib)


def test_table_shows_untrusted_cells_literally(tmp_path):
    path = write(tmp_path, "m.csv", 'company,usd\nA,"[red]x[/red]\x1b[2J"\n')
    r = run_cli("validate", path, "--value", "usd")
    assert r.code == 1
    assert "[red]x[/red]\\x1b[2J" in r.out and "\x1b" not in r.out
    assert "INVALID" in r.out and "value-number" in r.out


def test_bundled_dataset_uses_its_datapackage_schema():
    r = run_cli("validate", "dataset:ai_app_mau_cn_2025-03", "-f", "json")
    assert r.code == 0, r.out
    names = [c["name"] for c in r.json()["checks"]]
    assert "schema-primary-key" in names and "schema-type" in names


def test_output_file_and_stdin(tmp_path):
    out = tmp_path / "report.json"
    r = run_cli("validate", "-", "--value", "usd", "-f", "json", "-o", out, stdin=b"company,usd\nA,1\n")
    assert r.code == 0 and r.out == ""
    assert '"file": "<stdin>"' in out.read_text()


def test_pre_commit_hook_is_declared():
    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
    hook = next(h for h in hooks if h["id"] == "aistruct-validate")
    assert hook["entry"] == "aistruct validate" and hook["language"] == "python"


def test_github_line_is_the_file_line_when_quoted_cells_span_lines(tmp_path, monkeypatch):
    # issue 18 item 15: row 4 (spreadsheet) starts at file line 6, after a cell of three lines
    monkeypatch.chdir(tmp_path)
    write(tmp_path, "ml.csv", 'company,value\nA,1\n"B\nsecond line\nthird",2\nC,x\n"D ""q""",3\nE,y\n')
    r = run_cli("validate", "ml.csv", "--entity", "company", "--value", "value", "--format", "github")
    assert r.code == 1
    assert r.out == (
        "::error file=ml.csv,line=6::value-number (value): row 4: 'x' is not a number\n"
        "::error file=ml.csv,line=8::value-number (value): row 6: 'y' is not a number\n"
    )
    doc = run_cli("validate", "ml.csv", "--entity", "company", "--value", "value", "-f", "json").json()
    examples = [e for c in doc["checks"] for e in c["examples"]]
    assert [(e["row"], e["line"]) for e in examples] == [(4, 6), (6, 8)]


def test_github_without_a_file_line_names_the_row(tmp_path, monkeypatch):
    # JSON arrays have no line per record: the annotation carries no line= and the message the row
    monkeypatch.chdir(tmp_path)
    write(tmp_path, "m.json", '[{"company": "A", "usd": 1}, {"company": "B", "usd": "x"}]')
    r = run_cli("validate", "m.json", "--entity", "company", "--value", "usd", "--format", "github")
    assert r.code == 1
    assert r.out == "::error file=m.json::value-number (usd): row 3: 'x' is not a number\n"


def test_jsonl_lines_skip_blank_lines(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    write(tmp_path, "m.jsonl", '{"company": "A", "usd": 1}\n\n{"company": "B", "usd": "x"}\n')
    doc = run_cli("validate", "m.jsonl", "--entity", "company", "--value", "usd", "-f", "json").json()
    [e] = [e for c in doc["checks"] for e in c["examples"]]
    assert (e["row"], e["line"]) == (3, 3)


@pytest.mark.parametrize(
    "text",
    [
        'a,b\n1,"x\ny"\n2,3\n',
        'a,b\r\n1,"x\r\ny"\r\n2,3',  # CRLF, no final line break
        'a,b\n5" disk,1\n"B\nx",2\nC,3\n',  # a quote inside an unquoted cell: the csv walk
        'a,b\n"""q""\n",1\n\n3,4\n',  # doubled quotes, a blank row
    ],
)
def test_delimited_lines_agree_with_the_csv_module(text):
    import csv
    import io

    from aistruct.validation.table import delimited_lines

    reader = csv.reader(io.StringIO(text, newline=""))
    starts, previous = [], 0
    for _ in reader:
        starts.append(previous + 1)
        previous = reader.line_num
    line_of = delimited_lines(text, ",", len(starts))
    assert [line_of(r) for r in range(1, len(starts) + 1)] == starts


def test_delimited_lines_on_epochs_staff_reports():
    # the case: record 24 of Epoch's staff reports starts at file line 40
    import csv

    from aistruct.validation.table import delimited_lines

    path = ROOT / "datasets" / "raw" / "epoch_ai_companies" / "ai_companies_staff_reports.csv"
    text = path.read_text(encoding="utf-8")
    with open(path, newline="", encoding="utf-8") as fh:
        reader = csv.reader(fh)
        starts, previous = [], 0
        for _ in reader:
            starts.append(previous + 1)
            previous = reader.line_num
    line_of = delimited_lines(text, ",", len(starts))
    assert line_of(24) == 40
    assert [line_of(r) for r in range(1, len(starts) + 1)] == starts


def _package(tmp_path, resources):
    import json

    (tmp_path / "data").mkdir(exist_ok=True)
    write(tmp_path, "data/a.csv", "company,usd\nA,1\nB,x\n")
    write(tmp_path, "data/b.csv", "org,year\nZ,2020\nY,20x0\n")
    write(tmp_path, "b.schema.json", '{"fields": [{"name": "org"}, {"name": "year", "type": "integer"}]}')
    write(tmp_path, "datapackage.json", json.dumps({"name": "p", "resources": resources}))
    return tmp_path / "datapackage.json"


A_RES = {
    "name": "a",
    "path": "data/a.csv",
    "schema": {"fields": [{"name": "company"}, {"name": "usd", "type": "number"}]},
}
B_RES = {"name": "b", "path": "data/b.csv", "schema": "b.schema.json"}


def test_data_package_checks_each_file_against_its_resource(tmp_path, monkeypatch):
    # issue 18 item 18: a Data Package descriptor as --schema (it used to fail: 'fields' must be a non-empty list)
    pkg = _package(tmp_path, [A_RES, B_RES])
    monkeypatch.chdir(tmp_path)
    r = run_cli("validate", "data/b.csv", "data/a.csv", "--schema", "datapackage.json", "-f", "github")
    assert r.code == 1
    assert r.out == (
        "::error file=data/b.csv,line=3::schema-type (year): row 3: '20x0' is not an integer\n"
        "::error file=data/a.csv,line=3::schema-type (usd): row 3: 'x' is not a number\n"
    )
    # no files: every resource of the package, in the descriptor's order, paths from its folder
    monkeypatch.chdir(tmp_path.parent)
    doc = run_cli("validate", "--schema", pkg, "-f", "json").json()
    assert [f["file"] for f in doc["files"]] == [str(tmp_path / "data" / "a.csv"), str(tmp_path / "data" / "b.csv")]
    assert_schema(doc, "validate")


def test_data_package_matches_by_file_name_and_refuses_strangers(tmp_path, monkeypatch):
    _package(tmp_path, [A_RES, B_RES])
    monkeypatch.chdir(tmp_path)
    (tmp_path / "elsewhere").mkdir()
    write(tmp_path, "elsewhere/a.csv", "company,usd\nA,1\n")  # same name, another folder: resource a
    assert run_cli("validate", "elsewhere/a.csv", "--schema", "datapackage.json").code == 0
    write(tmp_path, "c.csv", "x\n1\n")
    r = run_cli("validate", "c.csv", "--schema", "datapackage.json")
    assert r.code == 2 and r.out == ""
    assert r.err == (
        "aistruct: error: c.csv: not a resource of the package --schema datapackage.json describes; "
        "its resources: a (a.csv), b (b.csv)\n"
    )


@pytest.mark.parametrize(
    "resource, message",
    [
        ({"name": "x", "path": "../secret.csv"}, "path '../secret.csv' is absolute or leaves the package's folder"),
        ({"name": "x", "path": "/etc/passwd"}, "path '/etc/passwd' is absolute or leaves the package's folder"),
        ({"name": "x", "path": "data/a.csv", "schema": "https://example.com/s.json"}, "is remote"),
    ],
)
def test_data_package_untrusted_paths_are_refused(tmp_path, monkeypatch, resource, message):
    _package(tmp_path, [resource])
    monkeypatch.chdir(tmp_path)
    r = run_cli("validate", "--schema", "datapackage.json")
    assert r.code == 2 and message in r.err and r.err.count("\n") == 1


def test_data_package_warns_of_what_it_does_not_read(tmp_path, monkeypatch):
    _package(tmp_path, [{"name": "a", "path": "data/a.csv"}, {"name": "r", "path": "https://example.com/r.csv"}])
    monkeypatch.chdir(tmp_path)
    doc = run_cli("validate", "--schema", "datapackage.json", "-f", "json").json()
    assert doc["warnings"] == [
        "--schema datapackage.json: resource 'a': no schema; its files get the structural checks only",
        "--schema datapackage.json: resource 'r': remote paths are not read (https://example.com/r.csv)",
    ]
    assert [f["file"] for f in doc["files"]] == ["data/a.csv"]


def test_bundled_datapackage_validates_every_dataset():
    doc = run_cli("validate", "--schema", ROOT / "datasets" / "datapackage.json", "-f", "json").json()
    import json

    package = json.loads((ROOT / "datasets" / "datapackage.json").read_text())
    assert [f["file"] for f in doc["files"]] == [str(ROOT / "datasets" / r["path"]) for r in package["resources"]]
    assert doc["valid"] is True
    assert "schema-type" in {c["name"] for c in doc["checks"]}


def test_no_files_without_a_package_is_a_usage_error():
    r = run_cli("validate")
    assert r.code == 2
    assert r.err == "aistruct: error: no file to check: name one, or give a Data Package descriptor as --schema\n"


def test_a_package_given_where_a_table_schema_is_expected_says_so():
    from aistruct.errors import UsageError
    from aistruct.validation import load_schema

    with pytest.raises(UsageError, match="a Data Package descriptor .* not a Table Schema"):
        load_schema({"resources": [{"path": "a.csv"}]})
