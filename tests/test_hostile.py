"""The hostile corpus (tests/fixtures/hostile/): one test per file, each stating what the user sees.

The corpus is written by ``tests/fixtures/hostile/make_fixtures.py`` (its
readable source: the files hold ESC, bidi overrides, UTF-16, Windows-1252 and
gzip bytes). The three promises asserted here and in test_fuzz.py:
nothing crashes with a traceback, the user's data is never changed or lost,
and nothing in a file acts on the terminal, a spreadsheet or a JSON consumer.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import re
import sys

from conftest import FIXTURES, run_cli

HOSTILE = FIXTURES / "hostile"
sys.path.insert(0, str(HOSTILE))
import make_fixtures  # noqa: E402  (the corpus's generator, next to the files)

COLOUR = {"FORCE_COLOR": "1", "NO_COLOR": None, "TERM": "xterm-256color"}
UNSAFE = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029\ufeff]")
SGR = re.compile("\x1b\\[[0-9;]*m")


def inert(text: str) -> None:
    """No ESC, control, bidi or BOM character in the text."""
    bad = UNSAFE.search(text)
    assert bad is None, f"{bad.group(0)!r} reached the terminal: {text[max(0, bad.start() - 30) : bad.end() + 30]!r}"


def table_lines(out: str) -> list:
    return [line.rstrip() for line in out.splitlines()]


def _parts(data: bytes) -> dict:
    import zipfile

    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return {m.filename: zf.read(m) for m in zf.infolist()}


def test_committed_corpus_is_what_the_generator_writes():
    for name, data in make_fixtures.expected().items():
        committed = (HOSTILE / name).read_bytes()
        if name.endswith(".gz"):  # zlib builds may pack differently; the content is what matters
            assert gzip.decompress(committed) == gzip.decompress(data), name
        elif name.endswith(".parquet"):
            import pyarrow.parquet as pq

            tables = [pq.read_table(io.BytesIO(d)) for d in (committed, data)]
            assert tables[0].equals(tables[1]), f"{name} differs from make_fixtures.py; rerun it"
        elif name.endswith(".xlsx"):
            assert _parts(committed) == _parts(data), f"{name} differs from make_fixtures.py; rerun it"
        else:
            assert committed == data, f"{name} differs from make_fixtures.py; rerun it"


# ---------------------------------------------------------------- terminal


def test_rich_markup_prints_literally_and_styles_nothing():
    path = HOSTILE / "rich_markup.csv"
    r = run_cli("concentration", path)
    assert r.code == 0, r.err
    lines = table_lines(r.out)
    assert "│ 1 │ [bold red]X[/]                      │    50 │ 50.0% │" in lines
    assert "│ 2 │ [link=https://evil.example]y[/link] │    30 │ 30.0% │" in lines
    assert "│ 3 │ [/]                                 │    20 │ 20.0% │" in lines
    # With colour forced, Rich's own SGR codes are all there is: no hyperlink (OSC 8), and the
    # text without colour codes is the colourless table, markup and all.
    c = run_cli("concentration", path, env=COLOUR)
    assert "\x1b]8;" not in c.out
    assert SGR.sub("", c.out) == r.out


def test_osc8_hyperlink_is_shown_escaped_and_kept_in_json():
    path = HOSTILE / "osc8_hyperlink.csv"
    r = run_cli("concentration", path)
    assert r.code == 0, r.err
    assert "│ 1 │ \\x1b]8;;https://evil.example\\x1b\\Click me\\x1b]8;;\\x1b\\ │    60 │ 60.0% │" in table_lines(r.out)
    inert(r.out)
    # The data is not lost: JSON carries the exact name, ESC written as \u001b.
    j = run_cli("concentration", path, "--format", "json")
    assert "\\u001b]8;;https://evil.example" in j.out and "\x1b" not in j.out
    assert json.loads(j.out)["results"][0]["top"][0]["entity"] == make_fixtures.OSC8_LINK


def test_screen_clearing_sequence_is_shown_escaped_in_every_command():
    path = HOSTILE / "clear_screen.csv"
    r = run_cli("concentration", path)
    assert "│ 1 │ \\x1b[2J\\x1b[HAll clear │    70 │ 70.0% │" in table_lines(r.out)
    target = f"{make_fixtures.CLEAR_SCREEN}All clear"
    for args in (
        ["tiers", path, "--bounds", "40,60", "--entities"],
        ["merge", path, "-a", "B", "-t", target],
        ["validate", path, "--value", "company"],
        ["validate", path, "--value", "company", "--format", "github"],
    ):
        res = run_cli(*args)
        assert res.code in (0, 1), res.err
        assert "\\x1b[2J\\x1b[HAll clear" in res.out, args  # the name, shown escaped
        inert(res.out + res.err)


def test_right_to_left_override_is_shown_as_an_escape():
    r = run_cli("concentration", HOSTILE / "rtl_override.csv")
    assert "│ 1 │ Acme\\u202eexe.tab │    55 │ 55.0% │" in table_lines(r.out)
    inert(r.out)
    md = run_cli("concentration", HOSTILE / "rtl_override.csv", "--format", "csv", "--show", "2")
    inert(md.out)


def test_escape_sequences_in_column_names_are_shown_escaped_in_titles():
    path = HOSTILE / "control_header.csv"
    r = run_cli("concentration", path)
    assert r.code == 0, r.err
    assert table_lines(r.out)[0] == "Concentration of value\\u202e across \\x1b[31mcompany\\x1b[0m"
    t = run_cli("tiers", path, "--bounds", "45,55")
    assert t.out.startswith("Tiers of \\x1b[31mcompany\\x1b[0m by value\\u202e (bounds: small < 45 <= ")
    for res in (
        r,
        t,
        run_cli("tiers", path, "--bounds", "45,55", "--format", "markdown"),
        run_cli("validate", path, "--entity", f"{make_fixtures.ESC}[31mcompany{make_fixtures.ESC}[0m"),
    ):
        inert(res.out + res.err)


# ---------------------------------------------------------------- spreadsheets


def test_spreadsheet_formulas_are_defused_in_csv_and_kept_in_json():
    path = HOSTILE / "spreadsheet_formulas.csv"
    r = run_cli("tiers", path, "--entities", "--bounds", "15,35", "--format", "csv")
    assert r.code == 0, r.err
    assert r.out.splitlines() == [
        "entity,size,value,tier,label",
        '"\'=HYPERLINK(""https://evil.example"",""click"")",40.0,40.0,giant,giant',
        "'+cmd|' /C calc'!A0,30.0,30.0,middle,middle",
        "'@SUM(A1),20.0,20.0,middle,middle",
        "'-2+3,10.0,10.0,small,small",
    ]
    g = run_cli("concentration", path, "--by", "market", "--format", "csv")
    assert list(csv.reader(io.StringIO(g.out)))[1][0] == "'=1+1"  # a group label, too
    m = run_cli("merge", path, "-a", "@SUM(A1)", "-t", "-2+3", "--format", "csv")
    row = dict(zip(*list(csv.reader(io.StringIO(m.out)))[:2]))
    assert (row["acquirer"], row["targets"]) == ("'@SUM(A1)", "'-2+3")
    # JSON is for programs: the names exactly as written.
    j = run_cli("tiers", path, "--entities", "--bounds", "15,35", "--format", "json")
    names = [e["entity"] for r_ in j.json()["results"] for e in r_["entities"]]
    assert names == ['=HYPERLINK("https://evil.example","click")', "+cmd|' /C calc'!A0", "@SUM(A1)", "-2+3"]


# ---------------------------------------------------------------- encodings and bytes


def test_windows_1252_file_gets_an_exact_hint_then_reads_with_encoding():
    path = HOSTILE / "windows_1252.csv"
    r = run_cli("concentration", path)
    assert r.code == 2
    # byte 17: 'company,value\nCaf' is 17 bytes, then é = 0xe9
    assert r.err == f"aistruct: error: {path}: not valid UTF-8 (byte 0xe9 at offset 17); try --encoding cp1252\n"
    ok = run_cli("concentration", path, "--encoding", "cp1252")
    assert ok.code == 0, ok.err
    lines = table_lines(ok.out)
    for line in (
        "│ 1 │ €uro AG     │    50 │ 50.0% │",
        "│ 2 │ Café Bleu   │    30 │ 30.0% │",
        "│ 3 │ Müller GmbH │    20 │ 20.0% │",
    ):
        assert line in lines


def test_utf16_file_is_read_from_its_byte_order_mark():
    r = run_cli("concentration", HOSTILE / "utf16.csv")
    assert r.code == 0, r.err
    lines = table_lines(r.out)
    assert "│ 1 │ 字节跳动 │    60 │ 60.0% │" in lines
    assert "│ 2 │ 百度     │    40 │ 40.0% │" in lines


def test_bom_in_the_middle_names_the_row_of_the_second_header():
    path = HOSTILE / "bom_in_the_middle.csv"
    r = run_cli("concentration", path, "--value", "value")
    assert r.code == 2 and r.out == ""
    assert r.err == (
        f"aistruct: error: {path}: row 4, column 'value': not a number: 'value'; "
        "use --on-bad-value drop to skip such cells\n"
    )
    v = run_cli("validate", path, "--entity", "company", "--value", "value", "--format", "json")
    assert v.code == 1
    problem = next(c for c in v.json()["checks"] if c["name"] == "value-number")["examples"][0]
    assert (problem["row"], problem["value"]) == (4, "value")


def test_nul_byte_is_refused_as_binary():
    path = HOSTILE / "nul_byte.csv"
    r = run_cli("concentration", path)
    assert r.code == 2 and r.out == ""
    # offset 15: 'company,value\n' is 14 bytes, then 'A', then NUL
    assert r.err == f"aistruct: error: {path}: binary content (NUL byte at offset 15); not a text table\n"


def test_lone_surrogate_in_json_is_refused_in_one_line():
    path = HOSTILE / "lone_surrogate.json"
    for cmd in ("concentration", "tiers", "merge"):
        args = [cmd, path] + (["-a", "B", "-t", "x"] if cmd == "merge" else [])
        r = run_cli(*args)
        assert r.code == 2, (cmd, r.err)
        assert r.err == f"aistruct: error: {path}: a string holds a lone surrogate '\\ud800'; not valid Unicode text\n"


# ---------------------------------------------------------------- size limits


def test_gzip_bomb_needs_decompress_and_stops_at_max_bytes(monkeypatch):
    path = HOSTILE / "gzip_bomb.csv.gz"
    size = path.stat().st_size
    assert size < 64 * 1024  # small on disk ...
    expanded = len(b"company,value\n") + 4 * make_fixtures.BOMB_ROWS
    assert expanded > 500 * size  # ... and 32 MiB inside

    r = run_cli("concentration", path)
    assert r.code == 2
    assert r.err == f"aistruct: error: {path}: compressed input (gzip); pass --decompress to read it\n"

    read = []
    real_read = gzip.GzipFile.read

    def counting_read(self, n=-1):
        chunk = real_read(self, n)
        read.append(len(chunk))
        return chunk

    monkeypatch.setattr(gzip.GzipFile, "read", counting_read)
    r = run_cli("concentration", path, "--decompress", "--max-bytes", "1000000")
    assert r.code == 2 and r.out == ""
    assert r.err == (
        f"aistruct: error: {path}: more than 1,000,000 bytes once decompressed; stopped "
        "(raise --max-bytes if this is expected)\n"
    )
    assert sum(read) == 1_000_001  # one byte past the limit proves it; not one more is decompressed


def test_50_mb_single_field_is_read_kept_and_shortened_on_screen(tmp_path):
    path = make_fixtures.huge_field(tmp_path / "huge_field.csv")  # 50 MiB name, written here, never committed
    j = run_cli("concentration", path, "--format", "json")
    assert j.code == 0, j.err
    top = j.json()["results"][0]["top"]
    assert [len(c["entity"]) for c in top] == [1, 50 * 1024 * 1024]  # B (3) first, then the 50 MiB name (1)
    assert top[1]["entity"] == "A" * (50 * 1024 * 1024)
    t = run_cli("concentration", path)
    assert t.code == 0, t.err
    row = next(line for line in table_lines(t.out) if line.startswith("│ 2 │ AAAA"))
    assert row.endswith("… │     1 │ 25.0% │") and len(row) < 200  # shortened to the terminal, not 50 MiB


def test_xlsx_shared_strings_bomb_is_refused_before_openpyxl_builds_the_table():
    # 12 KB holding 400,004 shared strings (5.2 MB of XML): under a 20 MB cap by the zip's own
    # sizes, over it once each string counts as the Python object openpyxl makes of it.
    import time

    path = HOSTILE / "xlsx_shared_strings_bomb.xlsx"
    assert path.stat().st_size < 16 * 1024
    assert run_cli("concentration", FIXTURES / "doj_30_30_20_20.csv").code == 0  # imports done: time the read only
    start = time.perf_counter()
    r = run_cli("concentration", path, "--max-bytes", "20000000")
    elapsed = time.perf_counter() - start
    assert r.code == 2 and r.out == "", r.err
    assert r.err.startswith(
        f"aistruct: error: {path}: more than 20,000,000 bytes once decoded (its parts declare 5,201,964 and at least "
    )
    assert r.err.endswith(" shared strings); stopped (raise --max-bytes if this is expected)\n")
    counted = int(r.err.split("at least ")[1].split(" ")[0].replace(",", ""))
    # counting stops one 1 MiB chunk (80,659 strings) past (20,000,000 - 5,201,964) // 57 = 259,614
    assert 259_614 < counted <= 259_614 + 80_660 + 4
    assert elapsed < 1.0, elapsed  # openpyxl took 10 s to build this table; 40 M strings took minutes


def test_xlsx_dimension_bomb_is_refused_at_max_bytes_while_its_rows_are_read():
    # 2 KB declaring A1:XFD1048576 with a cell in the last row: every row comes padded to
    # 16,384 columns. Each cell counts 16 bytes, so 20,000,000 bytes hold 1,249,999 of the
    # cells left after the parts' own bytes; the row that crosses it is refused.
    path = HOSTILE / "xlsx_dimension_bomb.xlsx"
    assert path.stat().st_size < 4 * 1024
    r = run_cli("concentration", path, "--max-bytes", "20000000")
    assert r.code == 2 and r.out == "", r.err
    assert r.err == (
        f"aistruct: error: {path}: more than 20,000,000 bytes once decoded (more than 1,261,568 cells in sheet "
        "'Sheet1'); stopped (raise --max-bytes if this is expected)\n"
    )  # 77 rows of 16,384 = 1,261,568


def test_parquet_dictionary_bomb_stops_at_max_bytes():
    path = HOSTILE / "parquet_dictionary_bomb.parquet"
    assert path.stat().st_size < 4 * 1024  # 100 MB once decoded
    r = run_cli("concentration", path, "--max-bytes", "10000000")
    assert r.code == 2 and r.out == ""
    assert r.err == (
        f"aistruct: error: {path}: more than 10,000,000 bytes once decoded; stopped "
        "(raise --max-bytes if this is expected)\n"
    )


def test_billion_laughs_schema_is_refused():
    schema = HOSTILE / "billion_laughs.schema.yaml"
    assert schema.stat().st_size < 1_500  # 9**9 strings once built
    r = run_cli("validate", HOSTILE / "catastrophic_pattern.csv", "--schema", schema)
    assert r.code == 2 and r.out == ""
    assert r.err == (
        f"aistruct: error: --schema {schema}: its YAML aliases expand to more than 1,000,000 nodes; not a schema\n"
    )


def test_catastrophic_pattern_is_matched_in_linear_time():
    import time

    data, schema = HOSTILE / "catastrophic_pattern.csv", HOSTILE / "catastrophic_pattern.schema.json"
    start = time.perf_counter()
    r = run_cli("validate", data, "--schema", schema, "--format", "json")
    assert time.perf_counter() - start < 10  # a backtracking engine: minutes
    assert r.code == 1, r.err  # 'ab' matches (a+)+b; the 32 a's of row 2 do not
    failed = [c for c in r.json()["checks"] if c["status"] == "fail"]
    assert [(c["name"], c["count"], c["examples"][0]["row"]) for c in failed] == [("schema-pattern", 1, 2)]


def test_bz2_with_trailing_junk_is_refused_like_gzip():
    path = HOSTILE / "bz2_trailing_junk.csv.bz2"
    r = run_cli("concentration", path, "--decompress")
    assert r.code == 2 and r.out == ""
    assert r.err.startswith(f"aistruct: error: {path}: cannot decompress (bz2): ")
