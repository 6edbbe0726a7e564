"""Hostile inputs that used to end in "internal error" (issue 21, items 4 and 8): each gets a real
message naming the option, column or cell, or a real result."""

from __future__ import annotations

import bz2
import gzip
import lzma
import os
import subprocess
import sys

import pytest
from conftest import ROOT, run_cli, write

from aistruct.errors import UsageError
from aistruct.reader import ReadOptions


def _error(r) -> str:
    assert r.code == 2, (r.code, r.out, r.err)
    assert "internal error" not in r.err and "Traceback" not in r.err, r.err
    lines = r.err.strip().splitlines()
    assert len(lines) == 1, r.err
    return lines[0]


def _parquet(tmp_path, name, columns: dict):
    import pyarrow as pa
    import pyarrow.parquet as pq

    path = tmp_path / name
    pq.write_table(pa.table(columns), path)
    return path


# ---------------------------------------------------------------- Parquet columns pandas cannot hold


def test_parquet_binary_column_not_in_use_is_left_out(tmp_path):
    import pyarrow as pa

    path = _parquet(
        tmp_path,
        "blob.parquet",
        {"company": ["A", "B"], "value": [1, 3], "blob": pa.array([b"\xff\xfe", b"x"], pa.binary())},
    )
    for args in ([], ["--entity", "company"], ["--entity", "company", "--value", "value"]):
        r = run_cli("concentration", path, *args, "--format", "json")
        assert r.code == 0, r.err
        top = r.json()["results"][0]["top"]
        assert [(t["entity"], t["value"]) for t in top] == [("B", 3), ("A", 1)]


def test_parquet_binary_column_that_is_utf8_reads_as_text(tmp_path):
    import pyarrow as pa

    path = _parquet(tmp_path, "b.parquet", {"company": pa.array([b"Caf\xc3\xa9", b"B"], pa.binary()), "value": [1, 3]})
    r = run_cli("concentration", path, "--format", "json")
    assert r.code == 0, r.err
    assert {t["entity"] for t in r.json()["results"][0]["top"]} == {"Café", "B"}


def test_parquet_binary_column_asked_for_is_named(tmp_path):
    import pyarrow as pa

    path = _parquet(tmp_path, "b.parquet", {"company": pa.array([b"A", b"\xff"], pa.binary()), "value": [1, 3]})
    line = _error(run_cli("concentration", path, "--entity", "company", "--value", "value"))
    assert line == (
        f"aistruct: error: {path}: column 'company' holds binary data that is not UTF-8 text "
        "(record 2); it cannot be used"
    )


@pytest.mark.parametrize(
    ("column", "what"),
    [("tags", "lists"), ("attrs", "structs"), ("pairs", "maps")],
)
def test_parquet_nested_column_as_by_or_period_says_what_it_holds(tmp_path, column, what):
    import pyarrow as pa

    path = _parquet(
        tmp_path,
        "nested.parquet",
        {
            "company": ["A", "B"],
            "value": [1, 3],
            "tags": pa.array([[1], [2]]),
            "attrs": pa.array([{"a": 1}, {"a": 2}]),
            "pairs": pa.array([[("k", 1)], [("k", 2)]], pa.map_(pa.string(), pa.int64())),
        },
    )
    expected = f"aistruct: error: {path}: column {column!r} holds {what}; it cannot be used"
    assert _error(run_cli("concentration", path, "--by", column)) == expected
    assert _error(run_cli("trend", path, "--period", column)) == expected
    assert run_cli("concentration", path).code == 0  # not in use: left out


# ---------------------------------------------------------------- JSON


@pytest.mark.parametrize("fmt", ["json", "jsonl"])
def test_json_integer_longer_than_pythons_limit_is_named_as_a_cell(tmp_path, fmt):
    digits = "1" * 5000
    if fmt == "json":
        body = f'[{{"company": "A", "value": {digits}}}, {{"company": "B", "value": 2}}]'
    else:
        body = f'{{"company": "A", "value": {digits}}}\n{{"company": "B", "value": 2}}\n'
    path = write(tmp_path, f"big.{fmt}", body)
    line = _error(run_cli("concentration", path, "--value", "value"))
    record = "record 1" if fmt == "json" else "line 1"
    assert line.startswith(f"aistruct: error: {path}: {record}, column 'value': not a number: '1111"), line
    ok = run_cli("concentration", path, "--value", "value", "--on-bad-value", "drop", "--format", "json")
    assert ok.code == 0, ok.err
    assert [t["entity"] for t in ok.json()["results"][0]["top"]] == ["B"]


@pytest.mark.parametrize(
    ("fmt", "body", "where"),
    [
        ("json", '[{"company": "A", "value": 1}, {"company": "B", "value": 2, "value": 5}]', "record 2"),
        ("jsonl", '{"company": "A", "value": 1}\n{"company": "B", "company": "C", "value": 2}\n', "line 2"),
        ("json", '{"data": [{"company": "A", "value": 1}], "data": []}', "the top-level object"),
    ],
)
def test_duplicate_json_keys_are_refused_naming_the_record(tmp_path, fmt, body, where):
    path = write(tmp_path, f"dup.{fmt}", body)
    line = _error(run_cli("concentration", path))
    key = "data" if "top-level" in where else ("value" if 'value": 5' in body else "company")
    assert line == f"aistruct: error: {path}: {where}: key {key!r} appears more than once"


# ---------------------------------------------------------------- --wide internal names


@pytest.mark.parametrize(
    ("header", "companies"),
    [("market,value,B", {"value": 10, "B": 20}), ("company,A,B", {"A": 10, "B": 20})],
)
def test_wide_columns_named_like_internal_ones(tmp_path, header, companies):
    path = write(tmp_path, "wide.csv", f"{header}\nm1,10,20\n")
    r = run_cli("concentration", path, "--wide", "--format", "json")
    assert r.code == 0, r.err
    res = r.json()["results"][0]
    assert {t["entity"]: t["value"] for t in res["top"]} == companies
    assert res["hhi"] == pytest.approx((1 / 3) ** 2 * 1e4 + (2 / 3) ** 2 * 1e4)


def test_a_column_with_an_internal_name_is_refused(tmp_path):
    path = write(tmp_path, "row.csv", "company,value,__row__\nA,1,x\nB,2,y\n")
    line = _error(run_cli("concentration", path, "--wide"))
    assert line == f"aistruct: error: {path}: column '__row__': the name is reserved for aistruct's own use; rename it"


# ---------------------------------------------------------------- dates


@pytest.mark.parametrize("freq", ["year", "quarter", "month"])
@pytest.mark.parametrize("cell", ["0000-01-01", "0000-03", "0000-01-01 10:00:00"])
def test_years_before_1_are_refused_naming_the_cell(tmp_path, freq, cell):
    path = write(tmp_path, "d.csv", f"company,value,date\nB,2,2024-01-01\nA,1,{cell}\n")
    line = _error(run_cli("concentration", path, "--by", "date", "--freq", freq))
    assert line == f"aistruct: error: {path}: row 3, column 'date': {cell!r} is before year 1 (for --freq {freq})"


@pytest.mark.parametrize("cell", ["2024-02-30", "2023-02-29", "2024-04-31", "2024/06/31"])
def test_impossible_dates_are_refused(tmp_path, cell):
    path = write(tmp_path, "d.csv", f"company,value,date\nB,2,2024-01-01\nA,1,{cell}\n")
    line = _error(run_cli("concentration", path, "--by", "date", "--freq", "month"))
    assert line == f"aistruct: error: {path}: row 3, column 'date': {cell!r} is not a date (for --freq month)"


def test_leap_day_is_a_date(tmp_path):
    path = write(tmp_path, "d.csv", "company,value,date\nB,2,2024-01-01\nA,1,2024-02-29\n")
    r = run_cli("concentration", path, "--by", "date", "--freq", "month", "--format", "json")
    assert r.code == 0, r.err
    assert [g["group"]["date"] for g in r.json()["results"]] == ["2024-01", "2024-02"]


# ---------------------------------------------------------------- read options


@pytest.mark.parametrize("encoding", ["punycode", "undefined", "idna", "rot13", "base64"])
def test_encodings_that_are_not_for_files_are_usage_errors(tmp_path, encoding):
    path = write(tmp_path, "a.csv", "company,value\nA,1\n")
    line = _error(run_cli("concentration", path, "--encoding", encoding))
    assert line == f"aistruct: error: --encoding: {encoding!r} is not an encoding for text files"
    with pytest.raises(UsageError, match=f"^encoding: {encoding!r} is not"):
        ReadOptions(encoding=encoding)


@pytest.mark.parametrize("delimiter", ["é", "€", "\u00a0"])
def test_non_ascii_delimiter_is_a_usage_error(tmp_path, delimiter):
    path = write(tmp_path, "a.csv", "company,value\nA,1\n")
    line = _error(run_cli("concentration", path, "--delimiter", delimiter))
    assert line == f"aistruct: error: --delimiter: must be one ASCII character (or 'tab'), got {delimiter!r}"
    with pytest.raises(UsageError, match="^delimiter: must be one ASCII"):
        ReadOptions(delimiter=delimiter)


def test_closed_standard_input_is_a_real_message():
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env["PYTHONPATH"] = str(ROOT)
    proc = subprocess.run(
        [sys.executable, "-m", "aistruct", "concentration", "-"],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        cwd=ROOT,
        env=env,
        timeout=60,
        preexec_fn=lambda: os.close(0),
    )
    assert proc.returncode == 2
    assert proc.stderr.decode() == "aistruct: error: <stdin>: standard input is closed\n"


# ---------------------------------------------------------------- compression


@pytest.mark.parametrize(
    ("ext", "compress", "name"),
    [("gz", gzip.compress, "gzip"), ("bz2", bz2.compress, "bz2"), ("xz", lzma.compress, "xz")],
)
def test_trailing_junk_after_compressed_data_is_refused_by_every_compression(tmp_path, ext, compress, name):
    body = b"company,value\nA,1\nB,3\n"
    path = write(tmp_path, f"a.csv.{ext}", compress(body) + b"junk")
    line = _error(run_cli("concentration", path, "--decompress"))
    assert line.startswith(f"aistruct: error: {path}: cannot decompress ({name}): "), line
    # Concatenated streams (what `cat a.gz b.gz` makes) and zero padding stay readable.
    two = write(tmp_path, f"two.csv.{ext}", compress(b"company,value\nA,1\n") + compress(b"B,3\n") + b"\0" * 8)
    r = run_cli("concentration", two, "--decompress", "--format", "json")
    assert r.code == 0, r.err
    assert [t["entity"] for t in r.json()["results"][0]["top"]] == ["B", "A"]


# ---------------------------------------------------------------- messages show what was written


def test_newline_in_a_file_name_is_shown_escaped(tmp_path):
    path = write(tmp_path, "new\nline.csv", "company,value\nA,x\n")
    line = _error(run_cli("concentration", path, "--value", "value"))
    assert f"{str(path).replace(chr(10), chr(92) + 'n')}: row 2" in line, line


FORTY_NINES = "9" * 40


@pytest.mark.parametrize("how", ["file", "stdin", "gzip"])
def test_an_overflowing_number_is_shown_as_written_not_as_inf(tmp_path, how):
    # pyarrow reads 1,000 digits as a float, inf; the message said 'inf'
    body = f"company,value\nA,1\nB,{'9' * 1000}\n".encode()
    if how == "gzip":
        import gzip

        r = run_cli(
            "concentration", write(tmp_path, "v.csv.gz", gzip.compress(body)), "--value", "value", "--decompress"
        )
        name = tmp_path / "v.csv.gz"
    elif how == "stdin":
        r, name = run_cli("concentration", "-", "--value", "value", stdin=body), "<stdin>"
    else:
        name = write(tmp_path, "v.csv", body)
        r = run_cli("concentration", name, "--value", "value")
    assert _error(r) == (
        f"aistruct: error: {name}: row 3, column 'value': not a number: '{FORTY_NINES}…'; "
        "use --on-bad-value drop to skip such cells"
    )


def test_the_drop_warning_shows_the_cell_as_written(tmp_path):
    path = write(tmp_path, "v.csv", "company,value\nA,1\nC,2\nB,-1e999\n")
    r = run_cli("concentration", path, "--value", "value", "--on-bad-value", "drop", "--format", "json")
    assert r.code == 0, r.err
    assert (
        "aistruct: warning: --value 'value': dropped 1 cell(s) that are not numbers (first: row 4, '-1e999')" in r.err
    )


def test_a_quoted_multiline_record_is_found_by_record_not_by_line(tmp_path):
    path = write(tmp_path, "v.csv", 'company,value\n"A\nAcme",1\n\nB,1e400\n')
    line = _error(run_cli("concentration", path, "--value", "value"))
    assert "row 3, column 'value': not a number: '1e400';" in line, line  # record 2 of data, line 5 of the file


@pytest.mark.parametrize("fmt", ["json", "jsonl"])
def test_an_overflowing_json_number_is_shown_as_written(tmp_path, fmt):
    if fmt == "json":
        path = write(tmp_path, "v.json", '[{"company": "A", "value": 1}, {"company": "B", "value": 1e999}]')
    else:
        path = write(tmp_path, "v.jsonl", '{"company": "A", "value": 1}\n{"company": "B", "value": 1e999}\n')
    where = "record 2" if fmt == "json" else "line 2"
    line = _error(run_cli("concentration", path, "--value", "value"))
    assert line == (
        f"aistruct: error: {path}: {where}, column 'value': not a number: '1e999'; "
        "use --on-bad-value drop to skip such cells"
    )


def test_a_year_written_0000_is_named_as_written_and_before_year_1(tmp_path):
    # pyarrow reads the column as integers: the message said "'0' is not a date"
    path = write(tmp_path, "d.csv", "company,value,year\nA,1,2020\nB,2,0000\n")
    line = _error(run_cli("concentration", path, "--by", "year", "--freq", "year"))
    assert line == f"aistruct: error: {path}: row 3, column 'year': '0000' is before year 1 (for --freq year)"


def test_cell_excerpt_cuts_at_40_characters_and_escapes():
    from aistruct.sanitize import cell_excerpt

    assert cell_excerpt("x" * 40) == "'" + "x" * 40 + "'"
    assert cell_excerpt("x" * 41) == "'" + "x" * 40 + "…'"
    assert cell_excerpt("a\x1b[2Jb") == "'a\\x1b[2Jb'"


def test_the_cell_as_written_of_a_data_frame_is_the_cell_as_read():
    import pandas as pd

    from aistruct.reader import load_table

    raw = load_table(pd.DataFrame({"company": ["A"], "value": [float("inf")]}))
    assert raw.cell_as_written(0, "value", float("inf")) == "inf"


def test_a_schema_with_a_control_character_is_invalid_yaml_not_an_internal_error(tmp_path):
    """Found by the fuzz suite: PyYAML's reader refuses ESC when the loader is built."""
    data = write(tmp_path, "m.csv", "company,value\nA,1\n")
    schema = write(tmp_path, "s.yaml", "fields:\n  - name: \x1b[2J\n")
    r = run_cli("validate", data, "--schema", schema)
    assert r.code == 2
    assert r.err == f"aistruct: error: --schema {schema}: invalid YAML\n"
