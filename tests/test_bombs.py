"""Inputs that change while being read, and small inputs of huge cost (issue 21, items 3 and 7):
each is refused with one line naming the input and the limit, or read safely."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from conftest import ROOT, run_cli, write

from aistruct.errors import InputError
from aistruct.reader import ReadOptions, load_table, source


def _error(r) -> str:
    assert r.code == 2, (r.code, r.out, r.err)
    assert "internal error" not in r.err and "Traceback" not in r.err, r.err
    lines = r.err.strip().splitlines()
    assert len(lines) == 1, r.err
    return lines[0]


def _python(code: str, timeout: float = 120) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env["PYTHONPATH"] = str(ROOT)
    return subprocess.run([sys.executable, "-c", code], capture_output=True, cwd=ROOT, env=env, timeout=timeout)


# ---------------------------------------------------------------- inputs that change while being read


def test_a_file_truncated_after_it_was_opened_is_not_fatal(tmp_path):
    # A memory-mapped CSV truncated while pyarrow parsed it died of SIGBUS (exit 135, no message).
    # Here the file is cut to nothing when parsing starts: the rows read are those it held.
    path = write(tmp_path, "a.csv", "company,value\n" + "".join(f"C{i},{i}\n" for i in range(200_000)))
    code = f"""
import os
from aistruct.reader import load_table
def cut(stage, done, total):
    os.truncate({str(path)!r}, 0)
print(len(load_table({str(path)!r}, progress=cut).frame))
"""
    proc = _python(code)
    assert proc.returncode == 0, (proc.returncode, proc.stderr.decode())
    assert proc.stdout.decode().strip() == "200000"


def test_a_file_that_changes_during_the_read_is_named(tmp_path, monkeypatch):
    path = write(tmp_path, "a.csv", "company,value\nA,1\nB,3\n")
    real = os.fstat
    calls = []

    def fstat_then_append(fd):
        got = real(fd)
        if not calls:  # after the first look, another process appends a row
            with open(path, "a", encoding="utf-8") as fh:
                fh.write("C,5\n")
        calls.append(fd)
        return got

    monkeypatch.setattr(source.os, "fstat", fstat_then_append)
    with pytest.raises(InputError) as err:
        load_table(path, ReadOptions())
    assert str(err.value) == (
        f"{path}: the file changed while being read (22 bytes, then 26); read it again once it is complete"
    )
    monkeypatch.undo()
    r = run_cli("concentration", path, "--format", "json")  # once it is still, it reads
    assert r.code == 0, r.err
    assert r.json()["results"][0]["n"] == 3


# ---------------------------------------------------------------- endless streams


def test_an_endless_device_is_refused_at_the_cap_without_saying_decompressed():
    r = run_cli("concentration", "/dev/zero", "--max-bytes", "100000")
    assert _error(r) == (
        "aistruct: error: /dev/zero: more than 100,000 bytes read; stopped (raise --max-bytes if this is expected)"
    )


def test_endless_standard_input_is_refused_at_the_cap_without_saying_decompressed():
    proc = subprocess.run(
        [sys.executable, "-m", "aistruct", "concentration", "-", "--max-bytes", "100000"],
        stdin=open("/dev/urandom", "rb"),  # noqa: SIM115 - closed with the process
        capture_output=True,
        cwd=ROOT,
        env={**{k: v for k, v in os.environ.items() if k != "PYTHONPATH"}, "PYTHONPATH": str(ROOT)},
        timeout=120,
    )
    assert proc.returncode == 2
    assert proc.stderr.decode() == (
        "aistruct: error: <stdin>: more than 100,000 bytes read; stopped (raise --max-bytes if this is expected)\n"
    )


# ---------------------------------------------------------------- regular files: --max-bytes before reading


@pytest.mark.parametrize("command", [["concentration"], ["validate", "--entity", "company", "--value", "value"]])
def test_a_regular_file_past_max_bytes_is_refused_from_its_size(tmp_path, monkeypatch, command):
    # A regular file used to be read whole whatever --max-bytes said (only streams and
    # decompressed data were capped). Its size is known before the first byte is read.
    path = tmp_path / "big.csv"
    path.write_bytes(b"company,value\n")
    os.truncate(path, 10_000_000)  # sparse: 10 MB that take no disk
    opened = []
    real_open = open

    def tracking_open(file, *a, **kw):
        opened.append(str(file))
        return real_open(file, *a, **kw)

    monkeypatch.setattr("builtins.open", tracking_open)
    r = run_cli(*command[:1], path, *command[1:], "--max-bytes", "1000000")
    monkeypatch.undo()
    assert _error(r) == (
        f"aistruct: error: {path}: more than 1,000,000 bytes (the file holds 10,000,000); stopped "
        "(raise --max-bytes if this is expected)"
    )
    assert str(path) not in opened  # refused from its size alone
    ok = run_cli(
        *command[:1], write(tmp_path, "ok.csv", "company,value\nA,1\nB,3\n"), *command[1:], "--max-bytes", "22"
    )
    assert ok.code == 0, ok.err  # exactly --max-bytes (22 bytes) is read


def test_a_max_bytes_past_any_index_means_no_limit(tmp_path):
    # found by the fuzz suite: --max-bytes of 400 digits was an internal error (OverflowError)
    path = write(tmp_path, "m.csv", "company,value\nA,1\nB,3\n")
    for cmd in ("concentration", "validate"):
        r = run_cli(cmd, path, "--max-bytes", "9" * 400, "--format", "json")
        assert r.code == 0, r.err
    assert ReadOptions(max_bytes=10**400).max_bytes == 2**62


def test_a_file_that_grows_past_max_bytes_while_read_is_refused():
    with pytest.raises(InputError, match="changed while being read|more than 5 bytes"):
        source.read_regular_file(__file__, "this file", 5)  # holds more than 5: never returned whole


def test_validate_of_a_sparse_file_peaks_near_its_size_not_twice_it(tmp_path):
    # 2 GB of zeros peaked at 4.3 GB: the bytes, then the same again decoded as text, only
    # to find a NUL at offset 0. Now the NUL is found in the bytes. 300 MB here.
    path = tmp_path / "sparse.csv"
    with open(path, "wb") as fh:
        fh.truncate(300_000_000)
    code = f"""
import resource, sys
from aistruct.cli import main
sys.argv = ["aistruct", "validate", {str(path)!r}, "--entity", "company", "--value", "v", "--format", "json"]
try:
    main()
except SystemExit as exc:
    sys.stderr.write(f"exit {{exc.code}} peak {{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}}\\n")
"""
    proc = _python(code)
    tail = proc.stderr.decode().strip().splitlines()[-1]
    assert tail.startswith("exit 1 peak "), proc.stderr.decode()
    peak_mb = int(tail.split()[-1]) / 1024
    assert peak_mb < 300 + 250, peak_mb  # the bytes and the interpreter; decoding them added 300 more
    doc = json.loads(proc.stdout)
    check = doc["checks"][0]
    assert (check["name"], check["status"], check["count"]) == ("encoding", "fail", 300_000_000)
    assert check["examples"][0]["message"] == "row 1: NUL byte at character 0; binary content, not a text table"


def test_validate_names_the_character_of_a_nul_after_a_bom_and_multibyte_text(tmp_path):
    path = write(tmp_path, "n.csv", "\ufeffcompany,value\nÉ\x00,1\n".encode())
    r = run_cli("validate", path, "--entity", "company", "--value", "value", "--format", "json")
    assert r.code == 1, r.err
    ex = r.json()["checks"][0]["examples"][0]
    # characters after the BOM: 'company,value\n' (14) + 'É' (1): the NUL is character 15, on row 2
    assert ex == {"row": 2, "line": 2, "column": None, "value": None, "message": ex["message"]}
    assert ex["message"] == "row 2: NUL byte at character 15; binary content, not a text table"


# ---------------------------------------------------------------- Parquet decoded size


def _parquet_bytes(tmp_path, name, table, **kw):
    import pyarrow.parquet as pq

    path = tmp_path / name
    pq.write_table(table, path, **kw)
    return path


def test_a_dictionary_encoded_parquet_bomb_stops_at_max_bytes(tmp_path):
    import pyarrow as pa

    # 2,000 rows of one 50,000-character name: under 2 KB on disk, 100 MB once decoded (written
    # without Arrow's schema, as other writers do, so it decodes to plain strings).
    names = pa.array(["x" * 50_000] * 2_000).dictionary_encode()
    path = _parquet_bytes(
        tmp_path,
        "bomb.parquet",
        pa.table({"company": names, "value": [1] * 2_000}),
        compression="brotli",
        store_schema=False,
    )
    assert path.stat().st_size < 2_000
    r = run_cli("concentration", path, "--max-bytes", "10000000")
    assert _error(r) == (
        f"aistruct: error: {path}: more than 10,000,000 bytes once decoded; stopped "
        "(raise --max-bytes if this is expected)"
    )
    # The same shape within the cap reads.
    r = run_cli("concentration", path, "--max-bytes", "200000000", "--format", "json")
    assert r.code == 0, r.err
    assert r.json()["results"][0]["n"] == 1


def test_parquet_rows_the_metadata_says_cannot_fit_are_refused_before_reading(tmp_path):
    import pyarrow as pa

    # 1,000,000 rows of one int64: a few KB on disk; its footer alone says 8,000,000 bytes at least.
    path = _parquet_bytes(tmp_path, "rows.parquet", pa.table({"value": pa.array([7] * 1_000_000, pa.int64())}))
    assert path.stat().st_size < 20_000
    r = run_cli("concentration", path, "--max-bytes", "1000000")
    assert _error(r) == (
        f"aistruct: error: {path}: more than 1,000,000 bytes once decoded (its metadata says at least 8,000,000); "
        "stopped (raise --max-bytes if this is expected)"
    )


# ---------------------------------------------------------------- side files: --schema


def _cli_subprocess(*args, timeout: float = 60) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env.update({"PYTHONPATH": str(ROOT), "COLUMNS": "160", "NO_COLOR": "1"})
    return subprocess.run(
        [sys.executable, "-m", "aistruct", *map(str, args)], capture_output=True, cwd=ROOT, env=env, timeout=timeout
    )


def _laughs(levels: int) -> str:
    """A billion-laughs YAML: each level an anchor holding nine aliases of the one before."""
    lines = ['l0: &l0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    lines += [f"l{i}: &l{i} [{','.join([f'*l{i - 1}'] * 9)}]" for i in range(1, levels)]
    lines += ["fields:", "  - name: company", "    type: string", "    constraints:", f"      enum: *l{levels - 1}"]
    return "\n".join(lines) + "\n"


def test_a_billion_laughs_schema_is_refused(tmp_path):
    data = write(tmp_path, "a.csv", "company,value\nA,1\n")
    schema = write(tmp_path, "lol.yaml", _laughs(9))  # 9**9 strings, about 1 KB of YAML
    assert schema.stat().st_size < 1_500
    proc = _cli_subprocess("validate", data, "--schema", schema)
    assert proc.returncode == 2, proc.stderr.decode()
    assert proc.stderr.decode() == (
        f"aistruct: error: --schema {schema}: its YAML aliases expand to more than 1,000,000 nodes; not a schema\n"
    )


def test_a_yaml_alias_inside_itself_is_refused(tmp_path):
    data = write(tmp_path, "a.csv", "company,value\nA,1\n")
    schema = write(tmp_path, "loop.yaml", "fields: &f\n  - name: company\n    more: *f\n")
    r = run_cli("validate", data, "--schema", schema)
    assert _error(r) == f"aistruct: error: --schema {schema}: a YAML alias refers to a node that contains it"


def test_yaml_anchors_within_the_bound_still_read(tmp_path):
    data = write(tmp_path, "a.csv", "company,value\nA,1\nB,x\n")
    schema = write(
        tmp_path,
        "ok.yaml",
        "num: &num {type: number}\nfields:\n  - {name: company, type: string}\n  - {name: value, <<: *num}\n",
    )
    r = run_cli("validate", data, "--schema", schema, "--format", "json")
    assert r.code == 1, r.err  # the schema reads; row 3's 'x' is not a number
    assert "schema-type" in r.out


def test_an_endless_schema_file_is_refused_at_its_cap(tmp_path):
    data = write(tmp_path, "a.csv", "company,value\nA,1\n")
    proc = _cli_subprocess("validate", data, "--schema", "/dev/zero")
    assert proc.returncode == 2, proc.stderr.decode()
    assert proc.stderr.decode() == "aistruct: error: --schema /dev/zero: more than 8,388,608 bytes; not a schema\n"


# ---------------------------------------------------------------- regular expressions in linear time

_EVIL = "(a+)+b"  # backtracking engines take 2**n steps on n a's with no b
_CELL = "a" * 32


def test_a_catastrophic_schema_pattern_is_matched_in_linear_time(tmp_path):
    data = write(tmp_path, "a.csv", f"company,value\n{_CELL},1\nab,2\n")
    schema = write(
        tmp_path,
        "s.json",
        '{"fields": [{"name": "company", "constraints": {"pattern": "' + _EVIL + '"}}, {"name": "value"}]}',
    )
    proc = _cli_subprocess("validate", data, "--schema", schema, "--format", "json", timeout=30)
    assert proc.returncode == 1, proc.stderr.decode()
    import json

    check = next(c for c in json.loads(proc.stdout)["checks"] if c["name"] == "schema-pattern")
    assert check["count"] == 1  # the 32 a's; "ab" matches


def test_a_catastrophic_where_pattern_is_matched_in_linear_time(tmp_path):
    data = write(tmp_path, "a.csv", f"company,value\n{_CELL},1\nab,3\nb,2\n")
    proc = _cli_subprocess("concentration", data, "--where", f"company ~ {_EVIL}", "--format", "json", timeout=30)
    assert proc.returncode == 0, proc.stderr.decode()
    import json

    top = json.loads(proc.stdout)["results"][0]["top"]
    assert [t["entity"] for t in top] == ["ab"]  # "b" has no a, the 32 a's no b


def test_backreferences_are_refused_saying_why(tmp_path):
    data = write(tmp_path, "a.csv", "company,value\naa,1\n")
    line = _error(run_cli("concentration", data, "--where", r"company ~ (a)\1"))
    assert line == (
        "aistruct: error: --where 'company ~ (a)\\\\1': bad regular expression: invalid escape sequence: \\1 "
        "(backreferences and lookaround are not supported: patterns are matched in linear time)"
    )


# ---------------------------------------------------------------- many columns


def test_many_text_columns_are_sniffed_in_one_parse(tmp_path, monkeypatch):
    import aistruct.numbers

    # 2,000 text columns: each used to be sampled and parsed on its own (10,000 took 34 s).
    header = ",".join(f"c{i}" for i in range(2_000)) + ",value"
    row = ",".join(f"t{i % 7}x" for i in range(2_000)) + ",5"
    path = write(tmp_path, "wide.csv", f"{header}\n{row}\n{row}\n")
    calls = []
    real = aistruct.numbers.parse_series

    def counted(series, decimal="."):
        calls.append(len(series))
        return real(series, decimal)

    monkeypatch.setattr(aistruct.numbers, "parse_series", counted)
    r = run_cli("concentration", path, "--format", "json")
    assert r.code == 0, r.err
    doc = r.json()
    assert doc["input"]["entity"] == "c0" and doc["input"]["value"] == "value"
    sniffs = [n for n in calls if n == 4_000]  # every text cell of the two rows, at once
    assert len(calls) <= 4 and sniffs, calls


@pytest.mark.parametrize("rows", [3, 1_500])
def test_numeric_columns_agrees_with_looks_numeric_column_by_column(rows):
    import numpy as np
    import pandas as pd

    from aistruct.markets.values import looks_numeric, numeric_columns

    n = rows
    frame = pd.DataFrame(
        {
            "text": ["a"] * n,
            "numbers_as_text": ["1,234"] * n,
            "missing_tokens_only": ["n/a"] * n,
            "numbers_then_text": ["1"] * (n - 1) + ["x"],
            "blank_then_numbers": [""] * (n - 1) + ["7"],
            "blank": [""] * n,
            "none": [None] * n,
            "floats": np.arange(n, dtype=float),
            "bools": [True] * n,
            "dates": pd.to_datetime(["2024-01-01"] * n),
            "mixed_objects": [1, "2", 3.5] * (n // 3),
        }
    )
    columns = list(frame.columns)
    for decimal in (".", ","):
        assert numeric_columns(frame, columns, decimal) == [looks_numeric(frame[c], decimal) for c in columns]


# ---------------------------------------------------------------- xlsx


def test_an_xlsx_whose_parts_decompress_past_max_bytes_is_refused(tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["company", "value"])
    for i in range(100):
        ws.append([f"{i:03d}" + "x" * 30_000, i + 1])  # 3 MB of strings (a cell holds at most 32,767)
    path = tmp_path / "big.xlsx"
    wb.save(path)
    assert path.stat().st_size < 60_000
    r = run_cli("concentration", path, "--max-bytes", "1000000")
    line = _error(r)
    assert line.startswith(f"aistruct: error: {path}: more than 1,000,000 bytes once decompressed (its parts declare ")
    assert line.endswith("); stopped (raise --max-bytes if this is expected)")
    declared = int(line.split("declare ")[1].split(")")[0].replace(",", ""))
    assert 3_000_000 < declared < 3_200_000
    r = run_cli("concentration", path, "--format", "json")  # under the default cap it reads
    assert r.code == 0, r.err
    assert r.json()["results"][0]["n"] == 100
