"""``aistruct merge`` through the real entry point: contract, formats, exit codes, hostile names."""

import csv
import io
import json

import pytest
from conftest import DATASETS, FIXTURES, assert_schema, run_cli, write

MAU = DATASETS / "ai_app_mau_cn_2025-03.csv"
DOJ = FIXTURES / "doj_30_30_20_20.csv"


def test_worked_example_doubao_buys_kimi():
    res = run_cli("merge", MAU, "--acquirer", "Doubao", "--target", "Kimi", "--format", "json")
    assert res.code == 0, res.err
    doc = res.json()
    assert_schema(doc, "merge")
    assert doc["command"] == "merge" and doc["mode"] == "single"
    r = doc["results"][0]
    # MAU (millions): DeepSeek 194, Doubao 116, Tencent Yuanbao 41.64, Kimi 18.2; T = 369.84.
    # delta = 2 * 116 * 18.2 / 369.84^2 * 10,000 = 4,222.4 / 136,781.6256 * 10,000 = 308.696433565...
    assert r["delta_hhi"] == pytest.approx(308.696433565416, rel=1e-12)
    # pre = (194^2 + 116^2 + 41.64^2 + 18.2^2) / 369.84^2 * 10,000 = 3,886.27707609...
    assert r["pre_hhi"] == pytest.approx(3886.277076092887, rel=1e-12)
    assert r["post_hhi"] == pytest.approx(4194.973509658304, rel=1e-12)
    # merged share (116 + 18.2) / 369.84 = 0.362859...
    assert r["merged_share"] == pytest.approx(134.2 / 369.84, rel=1e-12)
    assert (r["rank_before"], r["rank_after"]) == (2, 2)
    assert r["verdicts"]["us-2023"]["flag"] is True  # 4,195 > 1,800 and 309 > 100
    assert r["verdicts"]["us-2010"]["finding"] == "presumption"  # > 2,500 and > 200
    assert r["verdicts"]["eu"]["finding"] == "examination"  # > 2,000 and >= 150
    assert doc["warnings"] == []


def test_table_output_reads_at_a_glance():
    res = run_cli("merge", MAU, "-a", "doubao", "-t", "KIMI")
    assert res.code == 0, res.err
    assert "Doubao buys Kimi" in res.out
    for word in ("HHI", "3,886", "4,195", "+309", "presumption", "examination", "US 2010", "EU 2004"):
        assert word in res.out
    assert "greater than 1,800" in res.out  # the sentence it rests on is shown


def test_multi_target_cli_matches_hand_computation():
    # 40/20/20/10/10: Big buys both 10s: delta 1,800, post 4,400 (see test_merger).
    res = run_cli(
        "merge",
        "-",
        "-a",
        "Big",
        "-t",
        "S1",
        "-t",
        "S2",
        "-f",
        "json",
        stdin=b"company,v\nBig,40\nM1,20\nM2,20\nS1,10\nS2,10\n",
    )
    assert res.code == 0, res.err
    r = res.json()["results"][0]
    assert r["delta_hhi"] == 1800.0
    assert r["post_hhi"] == pytest.approx(4400, abs=1e-9)
    assert r["targets"] == ["S1", "S2"]


def test_scenarios_sorted_by_delta_and_schema():
    res = run_cli("merge", DOJ, "--scenarios", FIXTURES / "merge_scenarios_doj.csv", "-f", "json")
    assert res.code == 0, res.err
    doc = res.json()
    assert_schema(doc, "merge")
    assert doc["mode"] == "scenarios"
    # 2*30*30 = 1,800; 2*30*20 = 1,200 twice (input order kept); 2*20*20 = 800.
    assert [r["scenario"] for r in doc["results"]] == ["top two", "first", "second", "small pair"]
    assert [r["delta_hhi"] for r in doc["results"]] == [1800.0, 1200.0, 1200.0, 800.0]
    assert doc["results"][1]["acquirer"] == "Alpha"  # 'alpha' matched case-insensitively


def test_sequential_cli_path():
    res = run_cli("merge", DOJ, "--scenarios", FIXTURES / "merge_rollup_doj.csv", "--sequential", "-f", "json")
    assert res.code == 0, res.err
    doc = res.json()
    assert_schema(doc, "merge")
    s1, s2 = doc["results"]
    # 2,600 -> 3,800 (+1,200) -> 5,800 (+2,000 = 2*50*20); cumulative 3,200.
    assert [s1["step"], s2["step"]] == [1, 2]
    assert s2["delta_hhi"] == 2000.0
    assert s2["cumulative_delta_hhi"] == pytest.approx(3200, abs=1e-9)
    table = run_cli("merge", DOJ, "--scenarios", FIXTURES / "merge_rollup_doj.csv", "--sequential")
    assert table.code == 0 and "Sequential roll-up" in table.out and "+3,200" in table.out


def test_by_gives_one_reading_per_market():
    res = run_cli("merge", FIXTURES / "merge_by_market.csv", "--by", "market", "-a", "A", "-t", "B", "-f", "json")
    assert res.code == 0, res.err
    doc = res.json()
    assert_schema(doc, "merge")
    assert [r["group"]["market"] for r in doc["results"]] == ["chat", "image", "video"]
    assert doc["results"][0]["delta_hhi"] == 3000.0  # 2*50*30
    assert doc["results"][1]["delta_hhi"] == 0.0  # B absent: counts as 0
    assert doc["results"][2]["status"] == "zero total"
    assert "'B' not in this market" in res.err and "total of 0" in res.err
    table = run_cli("merge", FIXTURES / "merge_by_market.csv", "--by", "market", "-a", "A", "-t", "B")
    assert table.code == 0 and "zero total" in table.out and "image" in table.out


def test_guidelines_option():
    res = run_cli("merge", DOJ, "-a", "Alpha", "-t", "Bravo", "--guidelines", "eu", "-f", "json")
    assert list(res.json()["results"][0]["verdicts"]) == ["eu"]
    assert res.json()["guidelines"] == ["eu"]
    bad = run_cli("merge", DOJ, "-a", "Alpha", "-t", "Bravo", "--guidelines", "uk")
    assert bad.code == 2 and "--guidelines: unknown 'uk'" in bad.err


def test_csv_output_flattens_verdicts():
    res = run_cli("merge", DOJ, "-a", "Alpha", "-t", "Charlie", "-f", "csv")
    assert res.code == 0, res.err
    rows = list(csv.DictReader(io.StringIO(res.out)))
    assert len(rows) == 1
    assert rows[0]["delta_hhi"] == "1200.0"
    assert rows[0]["us-2023_flag"] == "true" and rows[0]["eu_finding"] == "examination"
    md = run_cli("merge", DOJ, "-a", "Alpha", "-t", "Charlie", "-f", "markdown")
    assert md.code == 0  # the human tables (issue 18 item 12): 30²+30²+20²+20² = 2,600 -> 50²+30²+20² = 3,800
    assert md.out.startswith("**Alpha buys Charlie — share across company**\n\n|  | Before | After | Change |\n")
    assert "| HHI | 2,600 | 3,800 | +1,200 |" in md.out


@pytest.mark.parametrize(
    "args, message",
    [
        (["-a", "Alfa", "-t", "Bravo"], "no company 'Alfa'; did you mean 'Alpha'?"),
        (["-a", "Alpha", "-t", "ALPHA"], "the acquirer and a target are the same company ('Alpha')"),
        (["-a", "Alpha", "-t", "Bravo", "-t", "bravo"], "target 'Bravo' is named twice"),
        (["-a", "Alpha"], "give --acquirer NAME and at least one --target NAME"),
        (["-a", "Alpha", "-t", "Bravo", "--sequential"], "--sequential needs --scenarios FILE"),
        (["-a", "Alpha", "--scenarios", str(FIXTURES / "merge_rollup_doj.csv")], "--scenarios replaces"),
        (["-a", "Nobody at all", "-t", "Bravo"], "no company 'Nobody at all'"),
    ],
)
def test_usage_errors_exit_2_with_one_line(args, message):
    res = run_cli("merge", DOJ, *args)
    assert res.code == 2
    assert message in res.err
    assert res.err.count("\n") == 1 and "Traceback" not in res.err


def test_scenario_file_errors_name_the_row(tmp_path):
    p = write(tmp_path, "s.csv", "acquirer,target\nAlpha,Charlie\nBravo,Zulu\n")
    res = run_cli("merge", DOJ, "--scenarios", p)
    assert res.code == 2 and "s.csv row 3: target: no company 'Zulu'" in res.err
    p = write(tmp_path, "seq.csv", "acquirer,target\nAlpha,Charlie\nBravo,Charlie\n")
    res = run_cli("merge", DOJ, "--scenarios", p, "--sequential")
    assert res.code == 2 and "already acquired in step 1" in res.err
    res = run_cli("merge", "-", "--scenarios", "-", stdin=b"company,v\nA,1\n")
    assert res.code == 2 and "standard input" in res.err


def test_hostile_names_stay_literal(tmp_path):
    evil = "[bold red]Evil[/bold red]"
    esc = "Esc\x1b[2Jape"
    formula = '=HYPERLINK("x")'
    p = write(
        tmp_path,
        "hostile.csv",
        f'company,v\n"{evil}",40\n"{esc}",30\n"{formula.replace(chr(34), chr(34) * 2)}",20\nPlain,10\n',
    )
    res = run_cli("merge", p, "-a", evil, "-t", esc, "-t", formula)
    assert res.code == 0, res.err
    assert evil in res.out  # shown as typed, never as Rich markup
    assert "\x1b" not in res.out and "Esc\\x1b[2Jape" in res.out
    out = run_cli("merge", p, "-a", evil, "-t", esc, "-f", "csv")
    row = next(csv.DictReader(io.StringIO(out.out)))
    assert row["acquirer"] == evil and "\x1b" not in out.out
    # A formula-looking name in a CSV cell is defused with a leading quote.
    out = run_cli("merge", p, "-a", formula, "-t", "Plain", "-f", "csv")
    row = next(csv.DictReader(io.StringIO(out.out)))
    assert row["acquirer"] == "'" + formula
    js = run_cli("merge", p, "-a", evil, "-t", "Plain", "-f", "json")
    assert js.json()["results"][0]["acquirer"] == evil
    # Unknown hostile names in errors are escaped too.
    bad = run_cli("merge", p, "-a", "Nope\x1b]8;;x\x07", "-t", "Plain")
    assert bad.code == 2 and "\x1b" not in bad.err


def test_output_file_is_written(tmp_path):
    out = tmp_path / "merge.json"
    res = run_cli("merge", DOJ, "-a", "Alpha", "-t", "Delta", "-f", "json", "-o", out)
    assert res.code == 0 and res.out == ""
    doc = json.loads(out.read_text(encoding="utf-8"))
    assert doc["results"][0]["delta_hhi"] == 1200.0


def test_help_lists_the_options():
    res = run_cli("merge", "--help")
    assert res.code == 0
    for opt in ("--acquirer", "--target", "--scenarios", "--sequential", "--guidelines", "--by", "--format"):
        assert opt in res.out
