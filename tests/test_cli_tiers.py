"""``aistruct tiers`` through the real entry point: contract, formats, exit codes, hostile names."""

import csv
import io

import pytest
from conftest import DATASETS, FIXTURES, assert_schema, run_cli, write

from aistruct.tiers import TierOptions, tiers_report

TEAMS = FIXTURES / "team_sizes.csv"
TEAM_ARGS = (TEAMS, "--size", "headcount", "--value", "funding")


def test_bounds_50_500_exact_counts_json_and_schema():
    # team_sizes.csv, Elm's two rows (100 + 20) summed:
    # small  (< 50):      Atlas 0, Birch 5, Iris 12, Cedar 49      funding 1 + 2 + 9 + 3 = 15
    # middle (50..500):   Dune 50, Elm 120, Fjord 500              funding 4 + 5 + 6     = 15
    # giant  (> 500):     Grove 501, Helix 3000                    funding 70 + 900      = 970
    r = run_cli("tiers", *TEAM_ARGS, "--bounds", "50,500", "-f", "json")
    assert r.code == 0, r.err
    doc = r.json()
    assert_schema(doc, "tiers")
    assert doc["command"] == "tiers" and doc["schema_version"] == 1
    res = doc["results"][0]
    assert res["method"] == "bounds" and res["bounds"] == [50.0, 500.0] and res["n"] == 9
    assert [t["tier"] for t in res["tiers"]] == ["small", "middle", "giant"]
    assert [t["count"] for t in res["tiers"]] == [4, 3, 2]
    assert [t["value"] for t in res["tiers"]] == [15.0, 15.0, 970.0]
    assert [t["value_share"] for t in res["tiers"]] == pytest.approx([0.015, 0.015, 0.97])
    assert [(t["min_size"], t["max_size"]) for t in res["tiers"]] == [(0, 49), (50, 500), (501, 3000)]
    assert res["diagnostics"]["middle_count_share"] == pytest.approx(1 / 3)
    assert res["shape"] in ("dumbbell", "pyramid", "mixed")


def test_cli_json_equals_library_report():
    r = run_cli("tiers", *TEAM_ARGS, "--method", "headtail", "-f", "json")
    lib = tiers_report(str(TEAMS), options=TierOptions(size="headcount", method="headtail"), value="funding")
    doc = r.json()
    lib_doc = lib.to_dict()
    assert doc["results"] == lib_doc["results"] and doc["input"] == lib_doc["input"]


def test_preset_headcount_equals_bounds_50_500():
    a = run_cli("tiers", *TEAM_ARGS, "--preset", "headcount", "-f", "json").json()["results"][0]
    b = run_cli("tiers", *TEAM_ARGS, "--bounds", "50,500", "-f", "json").json()["results"][0]
    assert a["method"] == "preset:headcount"
    assert a["tiers"] == b["tiers"]


def test_bounds_in_human_number_forms(tmp_path):
    p = write(tmp_path, "f.csv", "co,funding\nA,$2M\nB,$10M\nC,$300M\nD,$1B\nE,$5B\n")
    for bounds in ("$10M,$1B", "1000万,10亿", "10,000,000;1,000,000,000"):
        r = run_cli("tiers", p, "--bounds", bounds, "-f", "json")
        assert r.code == 0, r.err
        assert [t["count"] for t in r.json()["results"][0]["tiers"]] == [1, 3, 1], bounds


def test_natural_default_and_table_output():
    r = run_cli(
        "tiers",
        DATASETS / "frontier_models_compute.csv",
        "-e",
        "organization",
        "-v",
        "training_compute_flop",
        "--agg",
        "max",
    )
    assert r.code == 0, r.err
    assert "natural" in r.out and "Missing-middle diagnostics" in r.out and "█" in r.out
    assert "The middle holds" in r.out and "log-normal" in r.out


@pytest.mark.parametrize("bounds", ["500,50", "50,50", "-5,10", "abc", "50", "5,000,500,000"])
def test_bad_bounds_exit_2(bounds):
    r = run_cli("tiers", *TEAM_ARGS, "--bounds", bounds)
    assert r.code == 2
    assert r.err.startswith("aistruct: error: --bounds") and r.err.count("\n") == 1
    assert "Traceback" not in r.err


@pytest.mark.parametrize(
    "args, where",
    [
        (("--preset", "revenue"), "--preset"),
        (("--method", "kmeans"), "--method"),
        (("--bounds", "50,500", "--preset", "headcount"), "--bounds and --preset"),
        (("--alpha", "1.7"), "--alpha"),
        (("--alpha", "0"), "--alpha"),
        (("--labels", "a,b"), "--labels"),
        (("--size", "heads"), "--size"),
    ],
)
def test_bad_options_exit_2(args, where):
    r = run_cli("tiers", *TEAM_ARGS, *args)
    assert r.code == 2, r.out
    assert where in r.err and r.err.count("\n") == 1


def test_fewer_than_three_positive_sizes(tmp_path):
    p = write(tmp_path, "two.csv", "co,staff\nA,0\nB,10\nC,200\n")
    r = run_cli("tiers", p, "-f", "json")  # natural by default: warning, null tiers, exit 0
    assert r.code == 0
    res = r.json()["results"][0]
    assert res["tiers"] is None and res["bounds"] is None and res["status"] == "too few sizes"
    assert "fewer than 3 distinct positive sizes" in r.err
    assert_schema(r.json(), "tiers")
    r = run_cli("tiers", p)
    assert r.code == 0 and "No tiers" in r.out
    for method in ("natural", "headtail"):  # asked for explicitly: exit 2
        r = run_cli("tiers", p, "--method", method)
        assert r.code == 2 and f"--method {method}" in r.err
    r = run_cli("tiers", p, "--bounds", "20,100", "-f", "json")  # fixed bounds classify anyway: 0, 10 | - | 200
    assert r.code == 0 and [t["count"] for t in r.json()["results"][0]["tiers"]] == [2, 0, 1]


def test_groups_and_csv_markdown(tmp_path):
    p = write(
        tmp_path,
        "g.csv",
        "year,co,staff\n"
        + "".join(f"{y},c{i},{s}\n" for y in (2023, 2024) for i, s in enumerate([1, 3, 8, 40, 90, 700, 2000, 9000])),
    )
    r = run_cli("tiers", p, "--by", "year", "--bounds", "50,500", "-f", "json")
    assert r.code == 0
    assert [x["group"] for x in r.json()["results"]] == [{"year": "2023"}, {"year": "2024"}]
    assert_schema(r.json(), "tiers")
    r = run_cli("tiers", p, "--by", "year", "--bounds", "50,500", "-f", "csv")
    rows = list(csv.DictReader(io.StringIO(r.out)))
    assert [row["year"] for row in rows] == ["2023", "2024"]
    assert rows[0]["small_count"] == "4" and rows[0]["middle_count"] == "1" and rows[0]["giant_count"] == "3"
    assert rows[0]["low"] == "50.0" and rows[0]["high"] == "500.0"
    header = r.out.splitlines()[0].split(",")
    assert len(header) == len(set(header))  # no column twice (middle_count_share is a tier column once)
    assert "middle_deficit" in header and "dip_p_value" in header
    r = run_cli("tiers", p, "--by", "year", "--bounds", "50,500", "-f", "markdown")
    # the human table (issue 18 item 12): 2023 has 1,3,8,40 below 50 (4 of 8), 90 in the middle, 3 above 500
    md = r.out.splitlines()
    assert md[0] == "**Tiers by year**" and md[2].startswith("| year | n | Bounds |")
    assert md[4].startswith("| 2023 | 8 | 50 – 500 | 50.0% / ") and "| 12.5% / " in md[4] and "| 37.5% / " in md[4]
    r = run_cli("tiers", p, "--by", "year", "--bounds", "50,500")
    assert "Tiers by year" in r.out


def test_entities_csv_and_labels():
    r = run_cli(
        "tiers",
        *TEAM_ARGS,
        "--bounds",
        "50,500",
        "--entities",
        "-f",
        "csv",
        "--labels",
        "small teams,middle class,giants",
    )
    assert r.code == 0
    rows = list(csv.DictReader(io.StringIO(r.out)))
    assert len(rows) == 9
    tiers = {row["entity"]: (row["tier"], row["label"]) for row in rows}
    assert tiers["Dune"] == ("middle", "middle class") and tiers["Cedar"] == ("small", "small teams")
    assert tiers["Grove"] == ("giant", "giants") and tiers["Atlas"] == ("small", "small teams")
    r = run_cli("tiers", *TEAM_ARGS, "--bounds", "50,500", "--labels", "small teams,middle class,giants", "-f", "json")
    doc = r.json()
    assert [t["tier"] for t in doc["results"][0]["tiers"]] == ["small", "middle", "giant"]  # keys unchanged
    assert doc["labels"] == {"small": "small teams", "middle": "middle class", "giant": "giants"}
    r = run_cli("tiers", *TEAM_ARGS, "--bounds", "50,500", "--labels", "small teams,middle class,giants")
    assert "middle class" in r.out


def test_explain_and_show():
    r = run_cli("tiers", *TEAM_ARGS, "--bounds", "50,500", "--explain", "--show", "1")
    assert r.code == 0
    assert "Shape rule" in r.out and "verdict" in r.out and "dumbbell = middle missing" in r.out
    doc = run_cli("tiers", *TEAM_ARGS, "--bounds", "50,500", "--show", "1", "-f", "json").json()
    assert [[c["entity"] for c in t["largest"]] for t in doc["results"][0]["tiers"]] == [["Iris"], ["Fjord"], ["Helix"]]


def test_hostile_names_are_not_markup(tmp_path):
    p = write(tmp_path, "h.csv", "co,staff\n[red]Evil[/red],10\n\x1b[31mEsc,100\n=cmd|' /C calc'!A0,1000\nok,5\n")
    r = run_cli("tiers", p, "--bounds", "50,500", "--entities", env={"COLUMNS": "200"})
    assert r.code == 0
    assert "[red]Evil[/red]" in r.out and "\x1b" not in r.out
    r = run_cli("tiers", p, "--bounds", "50,500", "--entities", "-f", "csv")
    assert "'=cmd" in r.out or "\"'=cmd" in r.out


def test_zero_sizes_go_to_small(tmp_path):
    p = write(tmp_path, "z.csv", "co,staff\nA,0\nB,0\nC,1\nD,10\nE,100\nF,1000\nG,10000\n")
    res = run_cli("tiers", p, "-f", "json").json()["results"][0]
    assert res["tiers"][0]["count"] >= 2 and res["tiers"][0]["min_size"] == 0
    assert res["n_positive"] == 5
