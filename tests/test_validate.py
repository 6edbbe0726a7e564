"""The validation core (aistruct.validation): every check, row numbers, Table Schema loading and typing."""

import gzip
import json
import math

import numpy as np
import pandas as pd
import pytest
from conftest import DATASETS, FIXTURES, assert_schema, write
from hypothesis import given, settings
from hypothesis import strategies as st

from aistruct.errors import InputError, UsageError
from aistruct.numbers import parse_series
from aistruct.reader import ReadOptions
from aistruct.validation import (
    ValidateOptions,
    ValidationReport,
    load_schema,
    parse_values,
    validate,
    validate_files,
)
from aistruct.validation.table import first_index, group_ids
from aistruct.validation.tableschema import cast

V = FIXTURES / "validate"
SCHEMA = V / "schema.json"
STRUCTURE = [
    "encoding",
    "header",
    "names-non-empty",
    "names-unique",
    "field-count",
    "no-blank-rows",
    "no-duplicate-rows",
    "has-rows",
]

# (fixture, options, the one check that does not pass, its status, count, first row)
CASES = [
    ("encoding_latin1.csv", {}, "encoding", "fail", 1, 3),  # 0xe9 of 'Beta été' is on line 3
    ("encoding_nul.csv", {}, "encoding", "fail", 1, 3),
    ("broken.json", {}, "format", "fail", 1, None),  # a JSON syntax error has no single row
    ("header_blank.csv", {}, "header", "fail", 1, 1),
    ("header_numbers.csv", {}, "header", "fail", 1, 1),  # 2023,100: every name is a number
    ("names_blank.csv", {}, "names-non-empty", "fail", 1, 1),
    ("names_duplicate.csv", {}, "names-unique", "fail", 1, 1),
    ("ragged.csv", {}, "field-count", "fail", 1, 4),  # Gamma,300,extra
    ("blank_row.csv", {}, "no-blank-rows", "fail", 1, 3),
    ("duplicate_rows.csv", {}, "no-duplicate-rows", "warn", 1, 4),  # row 4 = row 2
    ("header_only.csv", {}, "has-rows", "warn", 1, 1),
    ("entity_blank.csv", {"entity": "company"}, "entity-non-empty", "fail", 1, 3),
    ("entity_repeated.csv", {"entity": "company", "by": ("year",)}, "entity-unique", "warn", 1, 4),
    ("entity_repeated.csv", {"entity": "company", "by": ("year",), "unique": True}, "entity-unique", "fail", 1, 4),
    ("value_not_number.csv", {"value": "usd"}, "value-number", "fail", 1, 3),  # $1.2B and 30亿 are numbers
    ("value_negative.csv", {"value": "usd"}, "value-non-negative", "fail", 1, 4),
    ("value_missing.csv", {"value": "usd"}, "value-missing", "fail", 1, 3),
    # 2024: 55 + 40 = 95, off 100 by 5 > 0.5
    (
        "shares_off.csv",
        {"entity": "company", "value": "share", "by": ("year",), "shares": True},
        "shares-sum",
        "fail",
        1,
        4,
    ),
    # median of 120, 80, 1e6, 95 is (95 + 120) / 2 = 107.5; 1e6 / 107.5 = 9302 > 1000
    ("outliers_thousands.csv", {"value": "usd", "outliers": True}, "outliers", "warn", 1, 4),
    ("period_bad_date.csv", {"by": ("month",), "freq": "month"}, "period-valid", "fail", 1, 3),
    ("period_gap.csv", {"by": ("year",), "freq": "year"}, "period-gaps", "warn", 1, 4),  # 2023 missing
    ("schema_fields.csv", {"schema": SCHEMA}, "schema-fields", "fail", 1, 1),
    ("schema_type.csv", {"schema": SCHEMA}, "schema-type", "fail", 1, 3),  # 2023-02-30
    ("schema_required.csv", {"schema": SCHEMA}, "schema-required", "fail", 1, 3),  # n/a is a missing value
    ("schema_unique.csv", {"schema": SCHEMA}, "schema-unique", "fail", 1, 3),
    ("schema_range.csv", {"schema": SCHEMA}, "schema-range", "fail", 1, 3),
    ("schema_length.csv", {"schema": SCHEMA}, "schema-length", "fail", 1, 3),  # 26 characters > 20
    ("schema_pattern.csv", {"schema": SCHEMA}, "schema-pattern", "fail", 1, 3),
    ("schema_enum.csv", {"schema": SCHEMA}, "schema-enum", "fail", 1, 3),
    ("schema_primary_key.csv", {"schema": SCHEMA}, "schema-primary-key", "fail", 1, 3),
]


def not_passing(report):
    return [c for c in report.checks if c.status != "pass"]


@pytest.mark.parametrize("fixture,options,check,status,count,row", CASES, ids=[f"{c[0]}-{c[2]}-{c[3]}" for c in CASES])
def test_each_fixture_trips_exactly_its_check(fixture, options, check, status, count, row):
    report = validate(V / fixture, ValidateOptions(**options))
    bad = not_passing(report)
    assert [(c.name, c.status, c.count) for c in bad] == [(check, status, count)]
    assert bad[0].examples[0].row == row
    assert report.exit_code == (1 if status == "fail" else 0)


def test_warnings_fail_with_strict():
    assert validate(V / "duplicate_rows.csv", ValidateOptions(strict=True)).exit_code == 1
    assert validate(V / "period_gap.csv", ValidateOptions(by=("year",), freq="year", strict=True)).valid is False


def test_clean_fixture_passes_every_check():
    opts = ValidateOptions(
        entity="company", value="share", by=("year",), freq="year", shares=True, outliers=True, unique=True, strict=True
    )
    report = validate(V / "clean.csv", opts)
    assert not_passing(report) == []
    assert [c.name for c in report.checks] == STRUCTURE + [
        "entity-non-empty",
        "entity-unique",
        "value-number",
        "value-non-negative",
        "value-missing",
        "shares-sum",
        "outliers",
        "period-valid",
        "period-gaps",
    ]
    assert (report.rows, report.columns, report.exit_code) == (4, 3, 0)


def test_schema_clean_fixture_passes_with_json_and_yaml():
    for schema in (SCHEMA, V / "schema.yaml"):
        report = validate(V / "schema_clean.csv", ValidateOptions(schema=schema))
        assert not_passing(report) == []
        assert [c.name for c in report.checks][len(STRUCTURE) :] == [
            "schema-fields",
            "schema-type",
            "schema-required",
            "schema-unique",
            "schema-range",
            "schema-length",
            "schema-pattern",
            "schema-enum",
            "schema-primary-key",
        ]


def test_yaml_and_json_schemas_are_the_same():
    a, b = load_schema(SCHEMA), load_schema(V / "schema.yaml")
    assert [(f.name, f.type, sorted(f.constraints)) for f in a.fields] == [
        (f.name, f.type, sorted(f.constraints)) for f in b.fields
    ]
    assert (a.primary_key, a.missing_values) == (b.primary_key, b.missing_values) == (["company", "kind"], ("", "n/a"))


# ---------------------------------------------------------------- rows


def test_ragged_rows_are_all_listed_and_later_rows_still_checked(tmp_path):
    path = write(tmp_path, "r.csv", "company,usd\nA,1\nB,2,x\nC\nD,ten\n\n")
    report = validate(path, ValidateOptions(value="usd"))
    fc = next(c for c in report.checks if c.name == "field-count")
    assert fc.count == 2 and [e.row for e in fc.examples] == [3, 4]
    assert fc.examples[1].message == "row 4 has 1 field, the header has 2"
    vn = next(c for c in report.checks if c.name == "value-number")
    assert [e.row for e in vn.examples] == [5]  # rows after the ragged ones keep their numbers
    blank = next(c for c in report.checks if c.name == "no-blank-rows")
    assert [e.row for e in blank.examples] == [6]
    assert report.rows == 5


def test_a_quoted_cell_over_two_lines_is_one_row(tmp_path):
    # spreadsheet rows: header 1, "A" 2 (its note spans two lines), "B" 3
    path = write(tmp_path, "q.csv", 'company,note,usd\nA,"two\nlines",1\nB,x,ten\n')
    vn = next(c for c in validate(path, ValidateOptions(value="usd")).checks if c.name == "value-number")
    assert vn.examples[0].row == 3


def test_fast_and_slow_paths_number_rows_alike(tmp_path):
    body = "company,usd\nA,1\n\nB,-2\n"
    fast = validate(write(tmp_path, "f.csv", body), ValidateOptions(value="usd"))
    slow = validate(write(tmp_path, "s.csv", body + "C,3,extra\n"), ValidateOptions(value="usd"))
    for report in (fast, slow):
        rows = {c.name: [e.row for e in c.examples] for c in report.checks if c.examples}
        assert rows["no-blank-rows"] == [3] and rows["value-non-negative"] == [4]


def test_whitespace_only_line_is_blank_not_ragged(tmp_path):
    report = validate(write(tmp_path, "w.csv", "a,b\n1,2\n   \n3,4\n"))
    assert [(c.name, c.count) for c in not_passing(report)] == [("no-blank-rows", 1)]


def test_crlf_and_bom_are_fine(tmp_path):
    path = write(tmp_path, "c.csv", b"\xef\xbb\xbfcompany,usd\r\nA,1\r\nB,2\r\n")
    report = validate(path, ValidateOptions(entity="company", value="usd"))
    assert not_passing(report) == [] and report.rows == 2


def test_semicolon_csv_and_tsv(tmp_path):
    assert (
        not_passing(
            validate(write(tmp_path, "s.csv", "company;usd\nA;1,5\n"), ValidateOptions(value="usd", decimal=","))
        )
        == []
    )
    tsv = validate(write(tmp_path, "t.tsv", "company\tusd\nA\t1\nB\t2\t3\n"))
    assert [c.name for c in not_passing(tsv)] == ["field-count"]


def test_named_encoding_reads_and_a_wrong_one_fails_with_offset(tmp_path):
    path = write(tmp_path, "g.csv", "company,usd\n字节,1\n".encode("gb18030"))
    assert not_passing(validate(path, read=ReadOptions(encoding="gb18030"))) == []
    enc = validate(path).checks[0]
    assert enc.name == "encoding" and enc.status == "fail" and enc.examples[0].row == 2
    assert "offset 12" in enc.examples[0].message  # 'company,usd\n' is 12 bytes
    with pytest.raises(UsageError):
        validate(path, read=ReadOptions(encoding="no-such-codec"))


def test_empty_file_fails_the_header_check(tmp_path):
    report = validate(write(tmp_path, "e.csv", "\n\n"))
    assert [(c.name, c.status) for c in report.checks] == [("encoding", "pass"), ("header", "fail")]
    assert report.checks[1].examples[0].message == "the file is empty: no header row"


def test_xlsx_blank_name_and_blank_row(tmp_path):
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    for row in (["company", None, "usd"], ["A", "x", 1], [None, None, None], ["B", "y", -2]):
        ws.append(row)
    wb.save(tmp_path / "t.xlsx")
    report = validate(tmp_path / "t.xlsx", ValidateOptions(value="usd"))
    assert [(c.name, c.examples[0].row) for c in not_passing(report)] == [
        ("names-non-empty", 1),
        ("no-blank-rows", 3),
        ("value-non-negative", 4),
    ]


def test_unusable_input_raises_not_reports(tmp_path):
    with pytest.raises(InputError):
        validate(tmp_path / "missing.csv")
    gz = write(tmp_path, "d.csv.gz", gzip.compress(b"company,usd\nA,1\n"))
    with pytest.raises(InputError, match=r"compressed input \(gzip\); pass decompress to read it$"):
        validate(gz)
    assert validate(gz, read=ReadOptions(decompress=True)).exit_code == 0


def test_records_formats_number_records_from_row_2(tmp_path):
    jl = write(tmp_path, "d.jsonl", '{"company": "A", "usd": 1}\n{"company": "B", "usd": -2}\n')
    neg = next(c for c in validate(jl, ValidateOptions(value="usd")).checks if c.name == "value-non-negative")
    assert neg.examples[0].row == 3
    pq = tmp_path / "d.parquet"
    pd.DataFrame({"company": ["A", "B", "A"], "usd": [1.0, np.nan, 1.0]}).to_parquet(pq)
    report = validate(pq, ValidateOptions(value="usd", max_missing=0.5))
    assert [(c.name, c.status, c.examples[0].row) for c in not_passing(report)] == [("no-duplicate-rows", "warn", 4)]


# ---------------------------------------------------------------- value checks


@pytest.mark.parametrize("total,status", [("99.5", "pass"), ("100.5", "pass"), ("99.4", "fail"), ("100.6", "fail")])
def test_shares_tolerance_is_inclusive(tmp_path, total, status):
    # 60 + (total - 60) = total; |total - 100| <= 0.5 passes
    path = write(tmp_path, "s.csv", f"company,share\nA,60\nB,{float(total) - 60:.1f}\n")
    check = next(
        c for c in validate(path, ValidateOptions(value="share", shares=True)).checks if c.name == "shares-sum"
    )
    assert check.status == status


def test_shares_read_percent_signs(tmp_path):
    path = write(tmp_path, "s.csv", "company,share\nA,52.4%\nB,47.6%\n")  # 52.4 + 47.6 = 100
    assert not_passing(validate(path, ValidateOptions(value="share", shares=True))) == []


def test_value_missing_counts_even_when_allowed():
    ok = validate(V / "value_missing.csv", ValidateOptions(value="usd", max_missing=0.25))
    miss = next(c for c in ok.checks if c.name == "value-missing")
    assert (miss.status, miss.count, miss.examples) == ("pass", 1, [])  # 1 of 4 = 0.25 <= 0.25
    over = validate(V / "value_missing.csv", ValidateOptions(value="usd", max_missing=0.24))
    assert next(c for c in over.checks if c.name == "value-missing").status == "fail"


def test_outlier_factor_threshold(tmp_path):
    # median of positives 10, 20, 30 is 20; 20 * 1.5 = 30 is not above, 31 would be
    path = write(tmp_path, "o.csv", "company,usd\nA,10\nB,20\nC,30\nD,0\n")

    def check(f):
        return next(
            c
            for c in validate(path, ValidateOptions(value="usd", outliers=True, outlier_factor=f)).checks
            if c.name == "outliers"
        )

    assert check(1.5).count == 0
    assert check(1.4).count == 1 and check(1.4).examples[0].row == 4


def test_period_gaps_count_missing_periods_per_group(tmp_path):
    path = write(
        tmp_path, "g.csv", "region,month,v\nEU,2024-01,1\nEU,2024-04,1\nUS,2024-01,1\nUS,2024-02,1\nUS,2024-03,1\n"
    )
    gaps = next(
        c
        for c in validate(path, ValidateOptions(by=("region", "month"), freq="month")).checks
        if c.name == "period-gaps"
    )
    assert gaps.count == 2  # EU lacks 2024-02 and 2024-03; US has no gap
    assert gaps.examples[0].message == "no rows for 2024-02 to 2024-03 for region=EU (between 2024-01 and 2024-04)"
    q = write(tmp_path, "q.csv", "date,v\n2023-02-10,1\n2023-11-30,1\n")
    gq = next(c for c in validate(q, ValidateOptions(by=("date",), freq="quarter")).checks if c.name == "period-gaps")
    assert (gq.count, gq.examples[0].value) == (2, "2023Q4")  # 2023Q2, 2023Q3 missing


def test_unknown_column_is_a_usage_error():
    with pytest.raises(UsageError, match="did you mean 'usd'"):
        validate(V / "value_negative.csv", ValidateOptions(value="usdd"))


@pytest.mark.parametrize(
    "options",
    [
        {"freq": "week", "by": ("year",)},
        {"freq": "year"},
        {"max_missing": 1.5},
        {"tolerance": -1},
        {"outlier_factor": 1},
        {"max_examples": -1},
        {"shares": True},
        {"outliers": True},
        {"unique": True},
        {"decimal": ";"},
    ],
)
def test_bad_options_are_usage_errors(options):
    with pytest.raises(UsageError):
        ValidateOptions(**options).check()


def test_max_examples_limits_examples_not_count(tmp_path):
    path = write(tmp_path, "m.csv", "company,usd\n" + "".join(f"C{i},-{i + 1}\n" for i in range(10)))
    neg = next(
        c for c in validate(path, ValidateOptions(value="usd", max_examples=3)).checks if c.name == "value-non-negative"
    )
    assert neg.count == 10 and [e.row for e in neg.examples] == [2, 3, 4]


# ---------------------------------------------------------------- number parsing


def test_parse_values_matches_parse_series_on_common_forms():
    cells = [
        "1",
        "-0",
        "+3.5",
        ".5",
        "5.",
        "1e3",
        "1e400",
        "inf",
        "",
        "NA",
        "$3.2B",
        "30亿",
        "1,234",
        "(1,200)",
        "52.4%",
        " 7 ",
        "ten",
        "0x1F",
        "1_000",
        "--5",
    ]
    values, bad, missing = parse_values(pd.Series(cells, dtype="str"))
    ref = parse_series(pd.Series(cells, dtype=object))
    np.testing.assert_array_equal(values, ref.values)
    assert np.flatnonzero(bad).tolist() == ref.bad
    assert int(missing.sum()) == ref.missing
    assert math.copysign(1, values[1]) == 1  # -0 reads as 0


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.text(alphabet="0123456789+-.,eE $%亿kB()", max_size=8), min_size=1, max_size=20),
    st.sampled_from([".", ","]),
)
def test_parse_values_is_parse_series(cells, decimal):
    values, bad, missing = parse_values(pd.Series(cells, dtype="str"), decimal)
    ref = parse_series(pd.Series(cells, dtype=object), decimal)
    np.testing.assert_array_equal(values, ref.values)
    assert np.flatnonzero(bad).tolist() == ref.bad and int(missing.sum()) == ref.missing


def test_group_ids_and_first_index():
    ids = group_ids([pd.Series(["a", "b", "a", "a"], dtype="str"), np.array([1, 1, 1, 2])])
    assert ids[0] == ids[2] and len({ids[0], ids[1], ids[3]}) == 3
    assert first_index(ids).tolist() == [0, 1, 0, 3]
    assert sorted(set(group_ids([np.array([7, 9, 7])], dense=True).tolist())) == [0, 1]


def test_group_ids_never_overflow_on_sparse_integers():
    # ids far apart (a range of 2**62) and many columns: still exact, equal rows equal ids
    big = np.array([0, 2**62, 0, 2**62, 5], dtype=np.int64)
    cols = [big, big[::-1].copy(), big, np.array([1, 1, 1, 1, 1])]
    ids = group_ids(cols)
    rows = list(zip(*[c.tolist() for c in cols]))
    for i in range(5):
        for j in range(5):
            assert (ids[i] == ids[j]) == (rows[i] == rows[j])


# ---------------------------------------------------------------- Table Schema


def field(**kw):
    return load_schema({"fields": [{"name": "x", **kw}]}).fields[0]


@pytest.mark.parametrize(
    "spec,cells,bad",
    [
        ({"type": "integer"}, ["1", "-2", "+3", "1.0", "x", "007"], [3, 4]),
        ({"type": "number"}, ["1", "-2.5", "1e3", "NaN", "INF", "1,000", "$5"], [5, 6]),
        ({"type": "number", "groupChar": ",", "decimalChar": "."}, ["1,000.5"], []),
        ({"type": "number", "decimalChar": ",", "groupChar": "."}, ["1.000,5", "2,5"], []),
        ({"type": "number", "bareNumber": False}, ["$5", "95%", "EUR 1.5", "abc"], [3]),
        ({"type": "boolean"}, ["true", "False", "1", "0", "yes"], [4]),
        ({"type": "boolean", "trueValues": ["yes"], "falseValues": ["no"]}, ["yes", "no", "true"], [2]),
        ({"type": "date"}, ["2024-02-29", "2023-02-29", "2024-1-5", "2024/01/05"], [1, 2, 3]),
        ({"type": "date", "format": "%d/%m/%Y"}, ["31/12/2023", "32/12/2023"], [1]),
        (
            {"type": "datetime"},
            ["2024-03-01T12:00:00Z", "2024-03-01T12:00:00+08:00", "2024-03-01 25:00:00", "x"],
            [2, 3],
        ),
        ({"type": "year"}, ["2024", "24", "2024.0"], [1, 2]),
        ({"type": "yearmonth"}, ["2024-03", "2024-13", "2024-3"], [1, 2]),
        ({"type": "string", "format": "email"}, ["a@b.co", "not an email"], [1]),
        ({"type": "string", "format": "uri"}, ["https://epoch.ai/data", "epoch.ai"], [1]),
    ],
)
def test_cast_types(spec, cells, bad):
    _, mask = cast(field(**spec), pd.Series(cells, dtype="str"))
    assert np.flatnonzero(mask).tolist() == bad


def test_date_bounds_compare_as_dates(tmp_path):
    schema = {
        "fields": [
            {"name": "d", "type": "date", "constraints": {"minimum": "2024-01-01"}},
            {"name": "m", "type": "yearmonth", "constraints": {"exclusiveMaximum": "2024-06"}},
        ]
    }
    path = write(tmp_path, "d.csv", "d,m\n2023-12-31,2024-05\n2024-01-01,2024-06\n")
    rng = next(c for c in validate(path, ValidateOptions(schema=schema)).checks if c.name == "schema-range")
    assert [(e.row, e.column) for e in rng.examples] == [(2, "d"), (3, "m")]
    assert rng.examples[0].message == "row 2: 2023-12-31 is below the minimum 2024-01-01"


def test_enum_of_numbers_compares_values(tmp_path):
    schema = {"fields": [{"name": "n", "type": "number", "constraints": {"enum": [1, 2.5]}}]}
    path = write(tmp_path, "e.csv", "n\n1.0\n2.50\n3\n")
    enum = next(c for c in validate(path, ValidateOptions(schema=schema)).checks if c.name == "schema-enum")
    assert (enum.count, enum.examples[0].row) == (1, 4)


def test_type_errors_are_not_also_constraint_errors(tmp_path):
    schema = {"fields": [{"name": "n", "type": "integer", "constraints": {"minimum": 0, "unique": True}}]}
    path = write(tmp_path, "t.csv", "n\nx\nx\n5\n")
    report = validate(path, ValidateOptions(schema=schema))
    assert [(c.name, c.count) for c in not_passing(report)] == [("no-duplicate-rows", 1), ("schema-type", 2)]


def test_primary_key_with_a_missing_cell(tmp_path):
    schema = {"fields": [{"name": "a"}, {"name": "b"}], "primaryKey": ["a", "b"]}
    path = write(tmp_path, "p.csv", "a,b\nx,1\nx,\n")
    pk = next(c for c in validate(path, ValidateOptions(schema=schema)).checks if c.name == "schema-primary-key")
    assert (pk.count, pk.examples[0].row) == (1, 3)


@pytest.mark.parametrize(
    "spec,message",
    [
        ([], "must be an object"),
        ({"fields": []}, "'fields' must be a non-empty list"),
        ({"fields": [{"type": "string"}]}, "'name' must be a non-empty string"),
        ({"fields": [{"name": "a"}, {"name": "a"}]}, "used twice"),
        ({"fields": [{"name": "a", "type": "numbr"}]}, "unknown type 'numbr'"),
        ({"fields": [{"name": "a", "constraints": {"required": "yes"}}]}, "required must be true or false"),
        ({"fields": [{"name": "a", "constraints": {"maxLength": -1}}]}, "maxLength must be a whole number"),
        ({"fields": [{"name": "a", "constraints": {"pattern": "("}}]}, "invalid regular expression"),
        ({"fields": [{"name": "a", "constraints": {"enum": []}}]}, "enum must be a non-empty list"),
        ({"fields": [{"name": "a", "type": "integer", "constraints": {"minimum": "one"}}]}, "'one' is not an integer"),
        ({"fields": [{"name": "a", "type": "date", "constraints": {"maximum": "2024-13-01"}}]}, "is not a date"),
        ({"fields": [{"name": "a", "type": "date", "format": "dd/mm/yyyy"}]}, "strptime pattern"),
        ({"fields": [{"name": "a"}], "primaryKey": ["b"]}, "primaryKey names 'b'"),
        ({"fields": [{"name": "a"}], "missingValues": [0]}, "missingValues: expected a list of strings"),
    ],
)
def test_invalid_schemas_are_usage_errors(spec, message):
    with pytest.raises(UsageError, match=message.replace("(", r"\(")):
        load_schema(spec)


def test_invalid_schema_files(tmp_path):
    with pytest.raises(UsageError, match="no such file"):
        load_schema(tmp_path / "nope.json")
    with pytest.raises(UsageError, match="invalid JSON at line 1"):
        load_schema(write(tmp_path, "bad.json", "{fields: }"))
    with pytest.raises(UsageError, match="invalid YAML"):
        load_schema(write(tmp_path, "bad.yaml", "fields: [\n"))


def test_unknown_keys_are_warned_not_ignored():
    schema = load_schema(V / "schema_unknown_keys.json")
    assert [w.split(": ", 1)[1] for w in schema.warnings] == [
        "unknown key 'owner' (ignored)",
        "field 'id': unknown key 'unit' (ignored)",
        "field 'id': unknown constraint 'positive' (ignored)",
    ]
    report = validate(V / "schema_clean.csv", ValidateOptions(schema=V / "schema_unknown_keys.json"))
    assert report.exit_code == 0 and len(report.warnings) == 3


# ---------------------------------------------------------------- report and datasets


def test_report_document_matches_the_json_schema():
    report = validate_files([V / "clean.csv", V / "ragged.csv", V / "nope.csv"], ValidateOptions(entity="company"))
    doc = report.to_dict()
    assert_schema(doc, "validate")
    assert (doc["valid"], report.exit_code) == (False, 2)
    assert [f["valid"] for f in doc["files"]] == [True, False, None]
    assert doc["files"][2]["error"].endswith("no such file")
    assert doc["stats"]["files"] == 3 and doc["stats"]["rows"] == 4 + 4


def test_multiple_files_worst_exit_code():
    assert validate_files([V / "clean.csv", V / "duplicate_rows.csv"]).exit_code == 0
    assert validate_files([V / "clean.csv", V / "ragged.csv"]).exit_code == 1
    assert ValidationReport().exit_code == 0


def _resources():
    return [r["name"] for r in json.loads((DATASETS / "datapackage.json").read_text())["resources"]]


@pytest.mark.parametrize("name", _resources())
def test_bundled_datasets_validate_against_their_own_schemas(name):
    report = validate(f"dataset:{name}")
    assert any(c.name == "schema-type" for c in report.checks), "the datapackage schema was applied"
    assert not_passing(report) == [], [c.to_dict() for c in not_passing(report)]
