"""The shared reader: every format and encoding gives the same result; filters, shapes, errors."""

import gzip
import os
import zipfile

import pytest
from conftest import FIXTURES, run_cli, write

FORMATS = FIXTURES / "formats"
READER = FIXTURES / "reader"


def concentration_json(*args, stdin=None):
    r = run_cli("concentration", *args, "--format", "json", stdin=stdin)
    assert r.code == 0, r.err
    doc = r.json()
    return doc["results"], doc


@pytest.fixture(scope="module")
def reference():
    results, _ = concentration_json(FORMATS / "market.csv")
    return results


@pytest.mark.parametrize(
    "name,extra",
    [
        ("market.bom.csv", []),
        ("market.tsv", []),
        ("market.json", []),
        ("market.data.json", []),
        ("market.jsonl", []),
        ("market.parquet", []),
        ("market.xlsx", []),
        ("market.xlsx", ["--sheet", "Funding"]),
        ("market.gb18030.csv", ["--encoding", "gb18030"]),
        ("market.utf16.csv", []),
        ("market.utf16.csv", ["--encoding", "utf-16"]),
        ("market.csv.gz", ["--decompress"]),
    ],
)
def test_every_format_gives_identical_results(reference, name, extra):
    results, doc = concentration_json(FORMATS / name, *extra)
    assert results == reference
    assert doc["input"]["entity"] == "company" and doc["input"]["value"] == "funding"


def test_stdin_and_input_format(reference):
    data = (FORMATS / "market.csv").read_bytes()
    results, doc = concentration_json("-", stdin=data)
    assert results == reference and doc["input"]["source"] == "<stdin>"
    results, _ = concentration_json("-", "--input-format", "jsonl", stdin=(FORMATS / "market.jsonl").read_bytes())
    assert results == reference
    results, _ = concentration_json("-", "--input-format", "tsv", stdin=(FORMATS / "market.tsv").read_bytes())
    assert results == reference


def test_reference_values_of_the_format_table(reference):
    # 3.0, 1.5, 1.0, 0.6, 0.5 (billions), total 6.6: shares squared sum
    # (9 + 2.25 + 1 + 0.36 + 0.25) / 43.56 = 12.86 / 43.56 = 0.295224977
    assert reference[0]["hhi"] == pytest.approx(12.86 / 43.56 * 1e4, rel=1e-12)


def test_chinese_names_print_and_align():
    from rich.cells import cell_len

    r = run_cli("concentration", FORMATS / "market.gb18030.csv", "--encoding", "gb18030")
    assert r.code == 0
    assert "智谱AI" in r.out and "月之暗面" in r.out and "百川智能" in r.out
    table = [ln for ln in r.out.splitlines() if ln.startswith(("│", "┃", "┏", "└", "┡"))]
    widths = {cell_len(ln) for ln in table[-9:]}  # the largest-companies table
    assert len(widths) == 1, widths


def test_emoji_names_align(tmp_path):
    from rich.cells import cell_len

    f = write(tmp_path, "e.csv", "company,v\n🤖 Robo,3\nプリファード,2\nPlain,1\n")
    r = run_cli("concentration", f)
    lines = [ln for ln in r.out.splitlines() if ln.startswith("│ ") and ("Robo" in ln or "Plain" in ln or "プ" in ln)]
    assert len(lines) == 3 and len({cell_len(ln) for ln in lines}) == 1


# ---------------------------------------------------------------- encodings and compression


def test_undecodable_names_offset_and_suggests_encoding():
    r = run_cli("concentration", FORMATS / "market.gb18030.csv")
    assert r.code == 2
    # header "company,funding\n" is 16 bytes; the first GB18030 byte of 智 is 0xd6
    assert "not valid UTF-8 (byte 0xd6 at offset 16)" in r.err and "--encoding gb" in r.err


def test_unknown_encoding_is_a_usage_error():
    r = run_cli("concentration", FORMATS / "market.csv", "--encoding", "klingon")
    assert r.code == 2 and "unknown encoding 'klingon'" in r.err


def test_compressed_input_needs_decompress():
    r = run_cli("concentration", FORMATS / "market.csv.gz")
    assert r.code == 2 and "pass --decompress" in r.err


@pytest.mark.parametrize("kind", ["gz", "bz2", "xz", "zip"])
def test_each_compression(tmp_path, kind, reference):
    import bz2
    import lzma

    raw = (FORMATS / "market.csv").read_bytes()
    path = tmp_path / f"m.csv.{kind}"
    if kind == "gz":
        path.write_bytes(gzip.compress(raw))
    elif kind == "bz2":
        path.write_bytes(bz2.compress(raw))
    elif kind == "xz":
        path.write_bytes(lzma.compress(raw))
    else:
        with zipfile.ZipFile(path, "w") as zf:
            zf.writestr("m.csv", raw)
    results, _ = concentration_json(path, "--decompress")
    assert results == reference


def test_decompression_bomb_stops_at_max_bytes(tmp_path):
    bomb = tmp_path / "bomb.csv.gz"
    with gzip.open(bomb, "wb") as fh:
        fh.write(b"company,funding\n")
        block = b"A,1\n" * (1 << 18)  # 1 MiB
        for _ in range(64):  # 64 MiB decompressed, ~64 KiB on disk
            fh.write(block)
    assert bomb.stat().st_size < 1 << 20
    r = run_cli("concentration", bomb, "--decompress", "--max-bytes", str(8 << 20))
    assert r.code == 2 and "more than 8,388,608 bytes once decompressed" in r.err


def test_zip_with_several_members_refused(tmp_path):
    path = tmp_path / "two.zip"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("a.csv", "c,v\nA,1\n")
        zf.writestr("b.csv", "c,v\nB,1\n")
    r = run_cli("concentration", path, "--decompress")
    assert r.code == 2 and "exactly one file" in r.err


def test_missing_openpyxl_message(monkeypatch):
    import builtins

    real_import = builtins.__import__

    def fake(name, *a, **k):
        if name == "openpyxl":
            raise ImportError("no openpyxl")
        return real_import(name, *a, **k)

    monkeypatch.setattr(builtins, "__import__", fake)
    r = run_cli("concentration", FORMATS / "market.xlsx")
    assert r.code == 2 and "pip install 'aistruct[xlsx]'" in r.err


# ---------------------------------------------------------------- number forms end to end


def test_number_forms_column():
    results, doc = concentration_json(READER / "number_forms.csv", "--value", "funding")
    # 38.25e9 + 29.4e9 + 0.12e9 + 3e9 + 3e9 + 1,234,567 + 15,000 (H is missing)
    assert results[0]["total"] == pytest.approx(73_771_249_567, rel=1e-15)
    assert results[0]["n"] == 7
    assert any("mixes currencies (EUR, GBP, USD)" in w for w in doc["warnings"])


def test_bad_value_names_row_and_cell_or_is_dropped(tmp_path):
    f = write(tmp_path, "b.csv", "company,funding\nA,1\nB,lots\nC,2\nD,many\n")
    r = run_cli("concentration", f, "--value", "funding")
    assert r.code == 2 and "row 3, column 'funding': not a number: 'lots' (and 1 more)" in r.err
    results, doc = concentration_json(f, "--value", "funding", "--on-bad-value", "drop")
    assert results[0]["n"] == 2
    assert any("dropped 2 cell(s)" in w and "row 3" in w for w in doc["warnings"])


def test_accounting_negative_is_rejected_as_negative(tmp_path):
    f = write(tmp_path, "n.csv", 'company,funding\nA,10\nB,"(1,200)"\n')
    r = run_cli("concentration", f)
    assert r.code == 2 and "negative values (row 3)" in r.err


def test_european_csv_with_semicolons_and_decimal_comma():
    results, _ = concentration_json(READER / "european.csv", "--decimal", ",")
    # 1.5 and 2.5 -> shares .375 .625 -> HHI 1406.25 + 3906.25 = 5312.5
    assert results[0]["hhi"] == pytest.approx(5312.5, rel=1e-12)


def test_explicit_delimiter(tmp_path):
    f = write(tmp_path, "p.txt", "company|funding\nA|1\nB|3\n")
    results, _ = concentration_json(f, "--delimiter", "|")
    assert results[0]["hhi"] == pytest.approx(625 + 5625, rel=1e-12)  # shares .25 .75
    assert run_cli("concentration", f, "--delimiter", "||").code == 2


# ---------------------------------------------------------------- periods, filters, shapes


def test_freq_year_matches_precomputed_year_column():
    by_date, _ = concentration_json(READER / "rounds_dates.csv", "--by", "close_date", "--freq", "year")
    by_year, _ = concentration_json(READER / "rounds_years.csv", "--by", "year")
    for a, b in zip(by_date, by_year):
        assert list(a["group"].values()) == list(b["group"].values())
        assert {k: v for k, v in a.items() if k != "group"} == {k: v for k, v in b.items() if k != "group"}
    assert [r["group"]["close_date"] for r in by_date] == ["2023", "2024"]


def test_freq_quarter_and_month_labels():
    res, _ = concentration_json(READER / "rounds_dates.csv", "--by", "close_date", "--freq", "quarter")
    assert [r["group"]["close_date"] for r in res] == [
        "2023Q1",
        "2023Q2",
        "2023Q3",
        "2023Q4",
        "2024Q1",
        "2024Q2",
        "2024Q4",
    ]
    res, _ = concentration_json(READER / "rounds_dates.csv", "--by", "close_date", "--freq", "month")
    assert res[0]["group"]["close_date"] == "2023-01" and res[-1]["group"]["close_date"] == "2024-10"


def test_bad_date_names_row(tmp_path):
    f = write(tmp_path, "d.csv", "company,date,v\nA,2024-01-05,1\nB,yesterday,2\n")
    r = run_cli("concentration", f, "--by", "date", "--freq", "month")
    assert r.code == 2 and "row 3, column 'date': 'yesterday' is not a date" in r.err


def test_where_filters():
    spaced = READER / "spaced columns.csv"
    res, doc = concentration_json(spaced, "--where", "'Round Status' = Closed")
    assert doc["input"]["rows_used"] == 3 and res[0]["n"] == 3
    res, _ = concentration_json(spaced, "--where", "'Amount (USD)' >= 50", "--where", "'Company Name' ~ ^[AO]")
    assert sorted(t["entity"] for t in res[0]["top"]) == ["Anthropic", "OpenAI"]
    res, _ = concentration_json(spaced, "--where", "'Company Name' in OpenAI, xAI")
    assert sorted(t["entity"] for t in res[0]["top"]) == ["OpenAI", "xAI"]
    res, _ = concentration_json(spaced, "--where", "'Amount (USD)' != 100", "--where", "'Amount (USD)' < 80")
    assert [t["entity"] for t in res[0]["top"]] == ["Anthropic", "Mistral"]
    res, _ = concentration_json(spaced, "--where", '"Amount (USD)" > 10', "--where", "'Amount (USD)' <= 80")
    assert sorted(t["entity"] for t in res[0]["top"]) == ["Anthropic", "xAI"]


@pytest.mark.parametrize("expr", ["__import__('os').system('true') = 1", "Amount", "a == b or 1"])
def test_where_is_never_evaluated(expr):
    r = run_cli("concentration", READER / "spaced columns.csv", "--where", expr)
    assert r.code == 2 and r.err.startswith("aistruct: error: ") and len(r.err.strip().splitlines()) == 1


def test_where_bad_regex_and_unknown_column():
    r = run_cli("concentration", READER / "spaced columns.csv", "--where", "'Company Name' ~ (")
    assert r.code == 2 and "bad regular expression" in r.err
    r = run_cli("concentration", READER / "spaced columns.csv", "--where", "Status = Closed")
    assert r.code == 2 and "no column 'Status'" in r.err


STATUS = "company,Status,value,users\nA,Active,10,1\nB,Closed,5,2\nC,Active,3,3\n"


@pytest.mark.parametrize(
    "args, said",
    [
        # issue 18 item 2: exited 0 with "the market has no values"
        (
            ["--value", "value", "--where", "Status = active"],
            "--where 'Status = active' matched 0 of 3 rows; column 'Status' has 'Active' "
            '(to ignore case: --where "Status ~ (?i)^active$")',
        ),
        # without --value it blamed the columns ("no numeric column ...") instead of the filter
        (
            ["--where", "Status = active"],
            "--where 'Status = active' matched 0 of 3 rows; column 'Status' has 'Active'",
        ),
        (
            ["--value", "value", "--where", "Status in active, closed"],
            "--where 'Status in active, closed' matched 0 of 3 rows; column 'Status' has 'Active', 'Closed' "
            '(to ignore case: --where "Status ~ (?i)^(active|closed)$")',
        ),
        (["--value", "value", "--where", "Status = Actve"], "matched 0 of 3 rows; column 'Status' has 'Active'\n"),
        (["--value", "value", "--where", "Status = Pending"], "--where 'Status = Pending' matched 0 of 3 rows\n"),
        (["--value", "value", "--where", "value > 100"], "--where 'value > 100' matched 0 of 3 rows\n"),
        (
            ["--value", "value", "--where", "value < 4", "--where", "Status = Closed"],
            "--where 'Status = Closed' matched 0 of the 1 row the earlier filters kept\n",
        ),
    ],
)
def test_where_that_matches_no_row_says_so(tmp_path, args, said):
    f = write(tmp_path, "status.csv", STATUS)
    r = run_cli("concentration", f, *args)
    assert r.code == 2 and r.out == ""
    assert r.err.startswith(f"aistruct: error: {f}: ") and r.err.count("\n") == 1
    assert said in r.err


def test_the_ignore_case_hint_works(tmp_path):
    f = write(tmp_path, "status.csv", STATUS)
    res, doc = concentration_json(f, "--value", "value", "--where", "Status ~ (?i)^active$")
    assert doc["input"]["rows_used"] == 2 and res[0]["total"] == 13


def test_where_on_an_empty_table_is_not_the_filters_fault(tmp_path):
    f = write(tmp_path, "empty.csv", "company,Status,value\n")
    r = run_cli("concentration", f, "--value", "value", "--where", "Status = active")
    assert "matched 0" not in r.err


WIDE_WITH_ZEROS = "month,A,B,C,D\n2025-01,50,30,20,0\n2025-02,60,30,10,0\n"


def test_a_wide_table_read_as_long_suggests_wide(tmp_path):
    # issue 18 item 3: every column after the first holds numbers; "choose one with --value" alone misleads
    r = run_cli("concentration", write(tmp_path, "w.csv", WIDE_WITH_ZEROS))
    assert r.code == 2
    assert "several numeric columns ('A', 'B', 'C', 'D'); choose one with --value" in r.err
    assert "read the table as wide (one row per market) with --wide" in r.err
    # a table with a text column besides the first is no wide table: no such hint
    r = run_cli("concentration", write(tmp_path, "l.csv", "company,region,funding,users\nA,EU,1,2\nB,US,3,4\n"))
    assert r.code == 2 and "choose one with --value" in r.err and "--wide" not in r.err


def test_drop_zeros_leaves_out_the_empty_column_of_a_wide_table(tmp_path):
    # issue 18 item 3: the zero column D counted as a fourth company and moved Gini
    f = write(tmp_path, "w.csv", WIDE_WITH_ZEROS)
    kept, _ = concentration_json(f, "--wide")
    dropped, doc = concentration_json(f, "--wide", "--drop-zeros")
    # Gini = sum_ij |x_i - x_j| / (2 n^2 mean); 2025-01 is 50, 30, 20 (+ 0):
    # three companies: 2 (20 + 30 + 10) / (2 * 9 * 100/3) = 0.2;
    # with the zero: 2 (20 + 30 + 10 + 50 + 30 + 20) / (2 * 16 * 25) = 0.4
    assert [r["n"] for r in kept] == [4, 4] and [r["n"] for r in dropped] == [3, 3]
    assert kept[0]["gini"] == pytest.approx(0.4) and dropped[0]["gini"] == pytest.approx(0.2)
    # 2025-02 is 60, 30, 10: 2 (30 + 50 + 20) / (2 * 9 * 100/3) = 1/3
    assert dropped[1]["gini"] == pytest.approx(1 / 3)
    assert [r["hhi"] for r in dropped] == pytest.approx([r["hhi"] for r in kept])  # HHI never saw the zeros
    assert doc["warnings"] == ["left out 2 company values of 0 (such a company is not counted)"]


def test_drop_zeros_in_a_long_table_drops_companies_whose_total_is_0(tmp_path):
    rows = "company,value\nA,5\nB,0\nB,0\nC,3\nC,-0\n"
    res, doc = concentration_json(write(tmp_path, "l.csv", rows), "--drop-zeros", "--agg", "sum")
    assert res[0]["n"] == 2 and sorted(t["entity"] for t in res[0]["top"]) == ["A", "C"]
    assert doc["warnings"] == ["left out 1 company value of 0 (such a company is not counted)"]


def test_wide_equals_long():
    wide, _ = concentration_json(READER / "shares_wide.csv", "--wide", "--exclude", "Other")
    long, _ = concentration_json(READER / "shares_long.csv", "--by", "month")
    assert wide == long
    assert [r["group"]["month"] for r in wide] == ["2025-01", "2025-02"]


def test_wide_with_explicit_id_and_entity_conflict():
    res, _ = concentration_json(READER / "shares_wide.csv", "--wide", "--id", "month")
    assert res[0]["n"] == 4
    r = run_cli("concentration", READER / "shares_wide.csv", "--wide", "--entity", "month")
    assert r.code == 2 and "--wide" in r.err


@pytest.mark.parametrize(
    "mode,expected",
    [
        # Gemini 1 (50) credited to its first organisation
        ("first", {"Google DeepMind": 70, "OpenAI": 20, "Anthropic": 10}),
        # split equally: 25 each
        ("equal", {"Google DeepMind": 45, "Google": 25, "OpenAI": 20, "Anthropic": 10}),
        # credited in full to each: totals double-count (150 instead of 100)
        ("full", {"Google DeepMind": 70, "Google": 50, "OpenAI": 20, "Anthropic": 10}),
    ],
)
def test_split_entities(mode, expected):
    res, _ = concentration_json(
        READER / "joint.csv", "--entity", "organization", "--split-entities", ",", "--split-mode", mode
    )
    assert {t["entity"]: t["value"] for t in res[0]["top"]} == expected


def test_column_names_case_and_space_insensitive():
    res, doc = concentration_json(READER / "spaced columns.csv", "--entity", "companyname", "--value", "AMOUNT (usd)")
    assert doc["input"]["entity"] == "Company Name" and doc["input"]["value"] == "Amount (USD)"


# ---------------------------------------------------------------- unusable files


@pytest.mark.parametrize(
    "name,message",
    [
        ("duplicate_header.csv", "duplicate column name 'funding' (columns 2 and 3)"),
        ("ragged.csv", "row 3 has 3 fields, the header has 2"),
        ("nul_byte.csv", "binary content"),
    ],
)
def test_malformed_files_exit_2(name, message):
    path = READER / name
    before = path.read_bytes()
    r = run_cli("concentration", path)
    assert r.code == 2 and message in r.err and len(r.err.strip().splitlines()) == 1
    assert "Traceback" not in r.err and path.read_bytes() == before


def test_binary_and_bad_structured_files(tmp_path):
    cases = {
        "random.parquet": (os.urandom(64), "not a readable Parquet file"),
        "random.xlsx": (os.urandom(64), "not a readable .xlsx workbook"),
        "bad.json": (b'{"data": [1, 2]}', "JSON must be an array of objects"),
        "broken.json": (b'[{"a": 1},', "invalid JSON at line 1"),
        "nested.json": (b'[{"company": "A", "v": {"x": 1}}]', "nested dict"),
        "lines.jsonl": (b'{"company": "A", "v": 1}\n[1]\n', "line 2: each line must be a JSON object"),
        "bad.jsonl": (b'{"company": "A", "v": 1}\n{oops\n', "line 2: invalid JSON"),
    }
    for name, (content, message) in cases.items():
        path = write(tmp_path, name, content)
        r = run_cli("concentration", path)
        assert r.code == 2 and message in r.err, (name, r.err)
        assert "Traceback" not in r.err


def test_permission_denied(tmp_path, monkeypatch):
    # CI runs as root, which reads files whatever their mode: simulate the refusal the OS gives others.
    import builtins

    f = write(tmp_path, "locked.csv", "c,v\nA,1\n")
    real_open = builtins.open

    def guarded(file, *a, **k):
        if os.fspath(file) == str(f):
            raise PermissionError(13, "Permission denied", str(f))
        return real_open(file, *a, **k)

    monkeypatch.setattr(builtins, "open", guarded)
    r = run_cli("concentration", f)
    assert r.code == 2 and "permission denied" in r.err


def test_library_reads_a_dataframe():
    import pandas as pd

    from aistruct import concentration_report

    frame = pd.DataFrame({"company": ["A", "B"], "funding": [1.0, 3.0]})
    doc = concentration_report(frame).to_dict()
    assert doc["results"][0]["hhi"] == pytest.approx(625 + 5625, rel=1e-12)  # shares .25 .75
    assert doc["input"]["source"] == "<DataFrame>"
    assert list(frame["funding"]) == [1.0, 3.0]  # the caller's frame is not modified


def test_xlsx_dates_and_excel_serial_numbers_group_by_month(tmp_path):
    import datetime

    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["company", "closed", "serial", "funding"])
    # 2024-01-01 is Excel serial 45292; 45352 is 2024-03-01 (31 + 29 days later), 45366 is 2024-03-15.
    ws.append(["A", datetime.datetime(2024, 1, 5), 45292, 10])
    ws.append(["B", datetime.datetime(2024, 3, 1), 45352, 30])
    ws.append(["C", datetime.datetime(2024, 3, 15), 45366, 10])
    path = tmp_path / "dates.xlsx"
    wb.save(path)
    by_date, _ = concentration_json(path, "--value", "funding", "--by", "closed", "--freq", "month")
    by_serial, _ = concentration_json(path, "--value", "funding", "--by", "serial", "--freq", "month")
    assert [r["group"]["closed"] for r in by_date] == ["2024-01", "2024-03"]
    assert [r["group"]["serial"] for r in by_serial] == ["2024-01", "2024-03"]
    # March: B 30, C 10 -> shares .75 .25 -> HHI 5625 + 625 = 6250
    assert by_date[1]["hhi"] == pytest.approx(6250.0, rel=1e-12) and by_serial[1]["hhi"] == by_date[1]["hhi"]


def test_parser_registry_declares_every_format_once():
    from typing import get_args

    from aistruct import reader

    assert reader.FORMATS == tuple(reader.PARSERS) == get_args(reader.FormatName)
    for name, parser in reader.PARSERS.items():
        assert parser.name == name and parser.extensions
        assert parser.parse_text is not None or parser.parse_bytes is not None
        assert parser.record in ("row", "line", "record")
        for ext in parser.extensions:
            assert reader.format_for(f"x{ext}", None) == (name, None)
            assert reader.format_for(f"x{ext}.gz", None) == (name, "gzip")
        for alias in (name, *parser.aliases):
            assert reader.format_for("-", alias.upper()) == (name, None)
    assert reader.DEFAULT_FORMAT in reader.PARSERS


def test_public_steps_read_like_load_table():
    from aistruct import reader

    opts = reader.ReadOptions(decompress=True)
    source = str(FORMATS / "market.csv")
    got = reader.read_input(source, opts)
    assert isinstance(got.data, bytes) and got.format == "csv" and got.source == source
    frame = reader.parse(got.data, got.format, opts, got.source)
    text = reader.decode(got.data, None, got.source)
    assert frame.equals(reader.parse_text(text, "csv", opts, got.source))
    assert frame.equals(reader.load_table(source, opts).frame)


# ---------------------------------------------------------------- JSON on standard input (issue 18 item 17)

# shares 3/4 and 1/4: HHI = 75² + 25² = 6250
STDIN_JSON = {
    "array": b'[{"company": "A", "funding": 3}, {"company": "B", "funding": 1}]',
    "array, BOM and blanks": b'\xef\xbb\xbf \n [{"company": "A", "funding": 3}, {"company": "B", "funding": 1}]',
    "jsonl": b'{"company": "A", "funding": 3}\n{"company": "B", "funding": 1}\n',
    "data object, pretty": b'{\n  "data": [\n    {"company": "A", "funding": 3},\n'
    b'    {"company": "B", "funding": 1}\n  ]\n}\n',
    "data object, one line": b'{"data": [{"company": "A", "funding": 3}, {"company": "B", "funding": 1}]}',
}


@pytest.mark.parametrize("name", list(STDIN_JSON))
def test_json_on_stdin_is_sniffed(name):
    r = run_cli("concentration", "-", "-f", "json", stdin=STDIN_JSON[name])
    assert r.code == 0, r.err
    assert r.json()["results"][0]["hhi"] == pytest.approx(6250)


def test_sniff_text_format():
    from aistruct.reader.source import sniff_text_format

    assert sniff_text_format(b"company,funding\nA,1\n") is None
    assert sniff_text_format(b"  [1]") == "json"
    assert sniff_text_format(b'{"a": 1}\n{"a": 2}') == "jsonl"
    assert sniff_text_format(b'{"a": 1}') == "jsonl"  # one record
    assert sniff_text_format(b'{"data": []}') == "json"
    assert sniff_text_format(b'{\n"data": []}') == "json"
