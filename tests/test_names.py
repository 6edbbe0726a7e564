"""Issue 15 items 1-2: name maps (--aliases, --parents), repeated rows and --agg first/last/median.

Numbers are worked by hand from the fixtures in tests/fixtures/names/.
"""

from __future__ import annotations

import pytest
from conftest import FIXTURES, ROOT, assert_schema, run_cli, write

N = FIXTURES / "names"


def _json(*args):
    r = run_cli("concentration", *args, "--format", "json")
    assert r.code == 0, r.err
    return r.json()


def _values(doc, group=0):
    return {t["entity"]: t["value"] for t in doc["results"][group]["top"]}


REPEATED = (
    "2 companies appear on more than one row (4 rows) and were summed: Castle (2 rows), Weave (2 rows); "
    "pass --agg sum to confirm, or --agg max/first/last"
)


def test_repeated_rows_are_counted_and_warned_unless_agg_is_given():
    doc = _json(N / "teams.csv")
    assert doc["input"]["repeated_entities"] == 2 and doc["input"]["rows_combined"] == 4
    assert doc["warnings"] == [REPEATED]
    assert doc["results"][0]["n"] == 7  # Weave, Castle, Nova, OpenAI, "OpenAI, Inc.", DeepMind, Google DeepMind
    quiet = _json(N / "teams.csv", "--agg", "sum")
    assert quiet["warnings"] == [] and quiet["input"]["repeated_entities"] == 2
    assert quiet["results"] == doc["results"]
    assert_schema(doc, "concentration")


def test_repeated_counts_are_per_group_after_missing_values(tmp_path):
    # 2024: A on rows 5 and 7 (its third row has no value and does not count); 2025: B on 2 rows, A on one
    path = write(tmp_path, "g.csv", "company,year,v\nA,2024,5\nA,2024,7\nA,2024,\nB,2025,1\nB,2025,2\nA,2025,3\n")
    doc = _json(path, "--by", "year")
    assert doc["input"]["repeated_entities"] == 2 and doc["input"]["rows_combined"] == 4
    assert doc["warnings"][-1].startswith("2 companies appear on more than one row of one group (4 rows)")


def test_real_table_with_repeated_names_warns_and_agg_sum_silences_it():
    # Epoch's funding rounds: many rounds per lab, summed
    r = run_cli("concentration", "dataset:frontier_lab_funding", "--format", "json")
    doc = r.json()
    assert doc["input"]["repeated_entities"] > 0
    assert any("appear on more than one row" in w for w in doc["warnings"])
    assert "appear on more than one row" in r.err
    r = run_cli("concentration", "dataset:frontier_lab_funding", "--agg", "sum", "--format", "json")
    assert not any("appear on more than one row" in w for w in r.json()["warnings"])
    assert "appear on more than one row" not in r.err


def test_aliases_and_parents_chain_case_and_spaces():
    doc = _json(N / "teams.csv", "--aliases", N / "aliases.csv", "--parents", N / "parents.csv", "--agg", "sum")
    assert _values(doc) == {"OpenAI": 150, "Alphabet": 50, "Weave": 50, "Castle": 12, "Nova": 3}
    assert doc["input"]["aliases"] == {"file": str(N / "aliases.csv"), "entries": 3, "rows_renamed": 2}
    assert doc["input"]["parents"] == {"file": str(N / "parents.csv"), "entries": 2, "rows_renamed": 2}
    # by hand: shares 150, 50, 50, 12, 3 of 265
    expected = 10_000 * sum((v / 265) ** 2 for v in (150, 50, 50, 12, 3))
    assert doc["results"][0]["hhi"] == pytest.approx(expected, rel=1e-12)
    assert doc["warnings"] == [f"--aliases {N / 'aliases.csv'}: 1 alias matches no company of the table: 'Nobody'"]
    assert_schema(doc, "concentration")
    assert _json(N / "teams.csv", "--agg", "sum")["input"]["aliases"] is None


def test_name_maps_in_every_command_that_reads_markets(tmp_path):
    args = ["--aliases", N / "aliases.csv", "--agg", "sum", "--format", "json"]
    for command in (["tiers"], ["merge", "--acquirer", "OpenAI", "--target", "Nova"]):
        r = run_cli(command[0], N / "teams.csv", *command[1:], *args)
        assert r.code == 0, r.err
        assert r.json()["input"]["aliases"]["rows_renamed"] == 2
        assert_schema(r.json(), command[0])


@pytest.mark.parametrize(
    "aliases, message",
    [
        ("alias,name\na,b\nb,a\n", "the aliases form a cycle: 'a' -> 'b' -> 'a'"),
        ("alias,name\na,b\na,c\n", "alias 'a' maps to both 'b' and 'c'"),
        ("alias,name\na,\n", "blank 'name'"),
        ("alias,label\na,b\n", "no column 'name'"),
    ],
)
def test_bad_name_maps_exit_2_in_one_line(tmp_path, aliases, message):
    write(tmp_path, "t.csv", "company,v\na,1\nc,2\n")
    write(tmp_path, "m.csv", aliases)
    r = run_cli("concentration", tmp_path / "t.csv", "--aliases", tmp_path / "m.csv")
    assert r.code == 2 and r.out == ""
    assert message in r.err and r.err.count("\n") == 1 and "Traceback" not in r.err


def test_parents_roll_up_several_levels(tmp_path):
    write(tmp_path, "t.csv", "company,v\nDeepMind,2\nGoogle Research,3\nWaymo,1\nOpenAI,4\n")
    write(
        tmp_path,
        "p.csv",
        "company,parent\nDeepMind,Google\nGoogle Research,Google\nGoogle,Alphabet\nWaymo,Alphabet\nMeta AI,Meta\n",
    )
    doc = _json(tmp_path / "t.csv", "--parents", tmp_path / "p.csv", "--agg", "sum")
    assert _values(doc) == {"Alphabet": 6, "OpenAI": 4}
    assert doc["input"]["parents"]["rows_renamed"] == 3
    # Google is a step of two chains (used); Meta AI is not in the table
    assert doc["warnings"] == [f"--parents {tmp_path / 'p.csv'}: 1 company is not in the table: 'Meta AI'"]


def test_output_onto_a_name_map_is_refused(tmp_path):
    write(tmp_path, "t.csv", "company,v\na,1\n")
    write(tmp_path, "m.csv", "alias,name\nx,y\n")
    r = run_cli("concentration", tmp_path / "t.csv", "--aliases", tmp_path / "m.csv", "-o", tmp_path / "m.csv")
    assert r.code == 2
    assert (tmp_path / "m.csv").read_text() == "alias,name\nx,y\n"


ROWS = "company,date,v\nA,2024-03-01,5\nA,2024-01-15,1\nA,2024-02-01,9\nA,2024-02-01,4\nB,2024-06-30,2\n"


@pytest.mark.parametrize(
    "agg, extra, a_value",
    [
        ("first", [], 5),  # the file's first row of A
        ("last", [], 4),
        ("median", [], 4.5),  # 1 4 5 9: (4 + 5) / 2
        ("first", ["--by", "date", "--freq", "year"], 1),  # with --freq: the earliest date, 2024-01-15
        ("last", ["--by", "date", "--freq", "year"], 5),  # the latest date, 2024-03-01 (the first row)
        ("max", [], 9),
        ("min", [], 1),
        ("count", [], 4),
        ("mean", [], 4.75),
    ],
)
def test_agg_first_last_median_by_hand(tmp_path, agg, extra, a_value):
    path = write(tmp_path, "r.csv", ROWS)
    doc = _json(path, "--entity", "company", "--value", "v", "--agg", agg, *extra)
    assert _values(doc)["A"] == a_value
    assert doc["warnings"] == []


def test_median_matches_numpy_on_many_companies(tmp_path):
    import numpy as np

    rng = np.random.default_rng(5)
    names = rng.integers(0, 50, 2_000)
    values = rng.lognormal(3, 2, 2_000)
    path = write(tmp_path, "m.csv", "company,v\n" + "".join(f"c{n},{float(v)!r}\n" for n, v in zip(names, values)))
    got = _values(_json(path, "--agg", "median", "--show", "50"))
    for n in np.unique(names):
        assert got[f"c{n}"] == np.median(values[names == n])


def test_duckdb_engine_counts_repeated_rows_and_refuses_what_it_cannot_do(tmp_path):
    pytest.importorskip("duckdb")
    import pyarrow as pa
    import pyarrow.parquet as pq

    path = tmp_path / "t.parquet"
    pq.write_table(pa.table({"company": ["a", "a", "b"], "v": [1.0, 2.0, 3.0]}), path)
    doc = _json(path, "--engine", "duckdb")
    assert doc["input"]["repeated_entities"] == 1 and doc["input"]["rows_combined"] == 2
    assert doc["warnings"][0].startswith("1 company appears on more than one row (2 rows) and were summed: a (2 rows)")
    for extra in (["--agg", "median"], ["--aliases", N / "aliases.csv"]):
        r = run_cli("concentration", path, "--engine", "duckdb", *extra)
        assert r.code == 2 and "use the default engine" in r.err


def test_library_takes_the_same_keywords():
    from aistruct import concentration_report

    doc = concentration_report(
        str(N / "teams.csv"), aliases=str(N / "aliases.csv"), parents={"Google DeepMind": "Alphabet"}, agg="sum"
    ).to_dict()
    assert _values(doc) == {"OpenAI": 150, "Alphabet": 50, "Weave": 50, "Castle": 12, "Nova": 3}
    assert doc["input"]["parents"] == {"file": "parents", "entries": 1, "rows_renamed": 2}


def test_bundled_docs_alias_example_files_exist():
    assert (ROOT / "tests" / "fixtures" / "names" / "aliases.csv").is_file()


def test_first_and_last_in_date_order_break_ties_by_row(tmp_path):
    path = write(tmp_path, "t.csv", "company,date,v\nA,2024-02-01,9\nA,2024-02-01,4\nA,2024-01-15,1\n")
    args = ["--entity", "company", "--value", "v", "--by", "date", "--freq", "quarter"]
    assert _values(_json(path, *args, "--agg", "last"))["A"] == 4  # latest date twice: the later row
    assert _values(_json(path, *args, "--agg", "first"))["A"] == 1
