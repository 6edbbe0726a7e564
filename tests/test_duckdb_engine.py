"""``--engine duckdb`` gives exactly the default engine's results, and refuses what it cannot do alike."""

import math
import os

import duckdb  # noqa: F401  (the test extra installs it: a missing duckdb fails here, never skips)
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from conftest import run_cli, write  # noqa: E402


def market_table(n=3_000, seed=5):
    """Rounds with the awkward cases: blank and padded names, missing values, blank groups,
    a group whose rows all lack a value, repeated companies, values of very different sizes."""
    import numpy as np

    rng = np.random.default_rng(seed)
    names = [f"co{int(i):03d}" for i in rng.integers(0, 300, size=n)]
    names[3] = "  co001 "  # padded: the same company as co001
    names[4] = None  # blank name with a value: dropped with a warning
    names[5] = "   "
    values = np.round(rng.lognormal(8, 2, size=n), 2).tolist()
    values[6] = None  # missing value
    values[7] = float("nan")
    years = [int(y) for y in rng.integers(2019, 2024, size=n)]
    years[8] = None  # blank group
    years[9] = 2030  # a group with only a missing value
    values[9] = None
    region = [["EU", "US", "CN"][int(k)] for k in rng.integers(0, 3, size=n)]
    return pa.table(
        {
            "company": names,
            "funding": pa.array(values, pa.float64()),
            "year": pa.array(years, pa.int64()),
            "region": region,
        }
    )


@pytest.fixture(scope="module")
def rounds(tmp_path_factory):
    folder = tmp_path_factory.mktemp("duck")
    table = market_table()
    path = folder / "rounds.parquet"
    pq.write_table(table, path, row_group_size=700)  # several row groups
    # The same rows split into two files (a glob) and into hive partitions by region.
    half = table.num_rows // 2
    (folder / "parts").mkdir()
    pq.write_table(table.slice(0, half), folder / "parts" / "a.parquet")
    pq.write_table(table.slice(half), folder / "parts" / "b.parquet")
    return folder, path


CASES = [
    ["--entity", "company", "--value", "funding"],
    ["--by", "year"],
    ["--by", "year", "--by", "region", "--show", "3"],
    ["--by", "year", "--agg", "mean"],
    ["--by", "region", "--value", "funding", "--agg", "max", "--top", "1,2"],
    ["--by", "region", "--value", "funding", "--agg", "min"],
    ["--by", "year", "--agg", "count"],
    ["--by", "year", "--where", "funding >= 1000", "--where", "region != CN"],
    ["--value", "funding", "--where", "region in EU, US", "--where", "year < 2022", "--exclude", "CO002"],
    ["--value", "funding", "--where", "funding != 500"],
    ["--by", "year"],  # several numeric columns: the same usage error from both engines
]


@pytest.mark.parametrize("args", CASES, ids=[" ".join(c) for c in CASES])
def test_identical_json_to_the_default_engine(rounds, args):
    _, path = rounds
    default = run_cli("concentration", path, "--format", "json", *args)
    duck = run_cli("concentration", path, "--format", "json", "--engine", "duckdb", *args)
    assert default.code == 0, default.err
    assert duck.code == 0, duck.err
    assert duck.out == default.out  # byte for byte: every figure, every warning
    assert duck.err == default.err


def test_warnings_are_the_default_engines(rounds):
    _, path = rounds
    doc = run_cli("concentration", path, "--by", "year", "--format", "json", "--engine", "duckdb").json()
    # Hand count from market_table: names[4] is None with a value, names[5] is blank ("   ");
    # values[6], values[7] and values[9] are missing; years[8] is None.
    assert doc["warnings"][0] == "dropped 2 row(s) with a blank 'company' (first: record 5)"
    assert doc["warnings"][1] == "dropped 1 row(s) with a blank --by value"
    assert doc["warnings"][2] == "3 row(s) with a missing value were left out"
    assert [r["group"]["year"] for r in doc["results"]] == ["2019", "2020", "2021", "2022", "2023", "2030"]
    assert doc["results"][-1]["status"] == "no values"
    assert doc["input"]["rows_read"] == 3_000 and doc["input"]["rows_used"] == 3_000 - 2 - 1 - 3


def test_glob_and_hive_folder(rounds, tmp_path):
    folder, path = rounds
    single = run_cli("concentration", path, "--by", "year", "--format", "json").json()
    glob = run_cli(
        "concentration", folder / "parts" / "*.parquet", "--by", "year", "--format", "json", "--engine", "duckdb"
    ).json()
    for doc in (single, glob):
        doc["input"].pop("source")
    # Rows of several files are named by file: "<folder>/parts/a.parquet record 5".
    assert glob["warnings"][0].endswith(f"(first: {folder / 'parts' / 'a.parquet'} record 5)")
    glob["warnings"][0] = single["warnings"][0]
    assert glob == single  # the two files hold the rows in the same order
    table = market_table()
    pq.write_to_dataset(
        table.drop_null().filter(pa.compute.field("year") < 2030), tmp_path / "hive", partition_cols=["region"]
    )
    hive = run_cli(
        "concentration",
        tmp_path / "hive",
        "--by",
        "region",
        "--entity",
        "company",
        "--value",
        "funding",
        "--format",
        "json",
        "--engine",
        "duckdb",
    )
    assert hive.code == 0, hive.err
    assert [r["group"]["region"] for r in hive.json()["results"]] == ["CN", "EU", "US"]
    flat = tmp_path / "flat.parquet"
    pq.write_table(table.drop_null().filter(pa.compute.field("year") < 2030), flat)
    default = run_cli(
        "concentration", flat, "--by", "region", "--entity", "company", "--value", "funding", "--format", "json"
    ).json()
    got = hive.json()
    for a, b in zip(got["results"], default["results"]):
        assert a["n"] == b["n"]
        assert math.isclose(a["hhi"], b["hhi"], rel_tol=1e-12)  # partitions reorder rows within a company


def test_bad_and_negative_values_fail_alike(tmp_path):
    t = pa.table({"company": ["A", "B", "C", "D"], "v": [1.0, float("inf"), 3.0, 4.0]})
    path = tmp_path / "inf.parquet"
    pq.write_table(t, path)
    for extra in ([], ["--on-bad-value", "drop"]):
        a = run_cli("concentration", path, "--format", "json", *extra)
        b = run_cli("concentration", path, "--format", "json", "--engine", "duckdb", *extra)
        assert (a.code, a.out, a.err) == (b.code, b.out, b.err)
    assert "record 2, column 'v': not a number: 'inf'" in b.err or "dropped 1 cell" in b.out
    neg = tmp_path / "neg.parquet"
    pq.write_table(pa.table({"company": list("ABCDEFGH"), "v": [1.0, -2, 3, -4, -5, -6, -7, -8]}), neg)
    a = run_cli("concentration", neg)
    b = run_cli("concentration", neg, "--engine", "duckdb")
    assert b.code == 2 and a.err == b.err
    assert "has negative values (record 2, record 4, record 5, record 6, record 7 and 1 more)" in b.err


@pytest.mark.parametrize(
    "args, message",
    [
        (["--encoding", "latin-1"], "does not take --encoding"),
        (["--delimiter", ";"], "does not take --delimiter"),
        (["--decompress"], "does not take --decompress"),
        (["--max-bytes", "100"], "does not take --max-bytes"),
        (["--sheet", "x"], "does not take --sheet"),
        (["--input-format", "csv"], "reads Parquet only"),
        (["--wide"], "does not read wide tables"),
        (["--split-entities", ","], "does not split entities"),
        (["--by", "year", "--freq", "year"], "does not group dates"),
        (["--value", "funding", "--where", "company ~ ^co0"], "does not take regular expressions"),
        (["--value", "funding", "--where", "year = x"], "compares a number column with a number"),
    ],
)
def test_refused_options_exit_2(rounds, args, message):
    _, path = rounds
    r = run_cli("concentration", path, "--engine", "duckdb", *args)
    assert r.code == 2 and message in r.err and "Traceback" not in r.err


def test_refused_sources_exit_2(tmp_path):
    csv = write(tmp_path, "m.csv", "company,v\nA,1\n")
    r = run_cli("concentration", csv, "--engine", "duckdb")
    assert r.code == 2 and "reads Parquet" in r.err
    r = run_cli("concentration", "-", "--engine", "duckdb", stdin=b"company,v\nA,1\n")
    assert r.code == 2 and "not standard input" in r.err
    r = run_cli("concentration", tmp_path / "none" / "*.parquet", "--engine", "duckdb")
    assert r.code == 2 and "no file matches" in r.err
    r = run_cli("concentration", tmp_path / "missing.parquet", "--engine", "duckdb")
    assert r.code == 2 and "no such file" in r.err
    text = tmp_path / "text.parquet"
    pq.write_table(pa.table({"company": ["A"], "v": ["$3B"]}), text)
    r = run_cli("concentration", text, "--engine", "duckdb", "--value", "v")
    assert r.code == 2 and "not a number column" in r.err


def test_text_column_of_numbers_in_where_is_refused(tmp_path):
    path = tmp_path / "t.parquet"
    pq.write_table(pa.table({"company": ["A", "B"], "v": [1.0, 2.0], "rank": ["1", "2"]}), path)
    r = run_cli("concentration", path, "--engine", "duckdb", "--value", "v", "--where", "rank = 1")
    assert r.code == 2 and "numbers written as text" in r.err


def test_duckdb_is_in_the_test_extra():
    # CI installs .[test]; this file must run there, not be skipped.
    import tomllib

    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    with open(os.path.join(root, "pyproject.toml"), "rb") as fh:
        extras = tomllib.load(fh)["project"]["optional-dependencies"]
    assert any(d.startswith("duckdb") for d in extras["test"])
    assert any(d.startswith("duckdb") for d in extras["duckdb"])


def test_whitespace_list_is_pythons():
    from aistruct.engines.duckdb import WHITESPACE

    assert set(WHITESPACE) == {chr(c) for c in range(0x110000) if chr(c).isspace()}


def test_names_are_stripped_as_python_strips(tmp_path):
    # "\u3000" (ideographic space) and "\xa0" pad two spellings of A; "B C" keeps its inner space.
    path = tmp_path / "pad.parquet"
    pq.write_table(
        pa.table({"company": ["A", "\u3000A", "A\xa0", "B C", " B C\t"], "v": [1.0, 2.0, 3.0, 4.0, 5.0]}), path
    )
    doc = run_cli("concentration", path, "--format", "json", "--engine", "duckdb").json()
    assert doc["results"][0]["n"] == 2  # A = 1 + 2 + 3 = 6, "B C" = 4 + 5 = 9
    assert [(t["entity"], t["value"]) for t in doc["results"][0]["top"]] == [("B C", 9.0), ("A", 6.0)]
    assert (
        run_cli("concentration", path, "--format", "json").out
        == run_cli("concentration", path, "--format", "json", "--engine", "duckdb").out
    )


@pytest.mark.parametrize(
    "args",
    [
        ["tiers", "--by", "region", "--method", "natural"],
        ["tiers", "--bounds", "1000,100000", "--entities"],
        ["trend", "--period", "year", "--min-n", "3"],
        ["trend", "--period", "year", "--by", "region", "--bounds", "$1K,$100K"],
        ["merge", "--acquirer", "co001", "--target", "co002", "--by", "region"],
    ],
    ids=lambda a: " ".join(a[:2]),
)
def test_other_commands_identical_with_duckdb(rounds, args):
    _, path = rounds
    command, rest = args[0], args[1:] + ["--entity", "company", "--value", "funding"]
    default = run_cli(command, path, "--format", "json", *rest)
    duck = run_cli(command, path, "--format", "json", "--engine", "duckdb", *rest)
    assert default.code == 0, default.err
    assert duck.code == 0, duck.err
    a, b = default.json(), duck.json()
    a.pop("aistruct_version"), b.pop("aistruct_version")
    assert a == b


def test_drop_zeros_alike_in_both_engines(tmp_path):
    # issue 18 item 3: --drop-zeros is a market option, so every engine honours it
    path = tmp_path / "zeros.parquet"
    pq.write_table(pa.table({"company": ["A", "B", "C", "B"], "funding": [5.0, 0.0, 3.0, 0.0]}), path)
    default = run_cli("concentration", path, "--format", "json", "--drop-zeros")
    duck = run_cli("concentration", path, "--format", "json", "--drop-zeros", "--engine", "duckdb")
    assert default.code == 0 and duck.code == 0, default.err + duck.err
    assert duck.out == default.out and duck.err == default.err
    assert default.json()["results"][0]["n"] == 2
