"""Issue 15 item 3: the unseen tail (--other, --total, --total-column), pinned to hand computations."""

from __future__ import annotations

import pytest
from conftest import FIXTURES, assert_schema, run_cli, write

F = FIXTURES / "fringe"


def _result(*args, command="concentration"):
    r = run_cli(command, *args, "--format", "json")
    assert r.code == 0, r.err
    return r.json()


def test_top_three_plus_total_worked_by_hand():
    # A 40, B 30, C 20 of a market of 100: the fringe is 10, the smallest listed company 20.
    # Low HHI (fringe atomised): 40^2 + 30^2 + 20^2 = 2,900.
    # High HHI: the fringe is at most floor(10 / 20) = 0 companies of 20 plus a remainder of 10: + 10^2 = 3,000.
    # CR4: 90% listed, at most 90% + 10% = 100% with the fringe's largest possible company.
    doc = _result(F / "top3.csv", "--total", "100", "--top", "1,3,4")
    r = doc["results"][0]
    assert r["hhi"] == pytest.approx(2900, rel=1e-12)
    assert r["bounds"]["hhi"] == pytest.approx([2900, 3000], rel=1e-12)
    assert r["bounds"]["equivalent_firms"] == pytest.approx([10_000 / 3000, 10_000 / 2900], rel=1e-12)
    assert r["equivalent_firms"] == pytest.approx(10_000 / 2900, rel=1e-12)
    assert r["cr"] == pytest.approx({"1": 0.4, "3": 0.9, "4": 0.9})
    assert r["bounds"]["cr"] == {"1": [0.4, 0.4], "3": [0.9, 0.9], "4": [0.9, 1.0]}
    assert r["fringe"] == {"value": 10.0, "share": 0.1}
    assert r["total"] == 100 and r["n"] == 3
    assert [t["share"] for t in r["top"]] == pytest.approx([0.4, 0.3, 0.2])
    assert_schema(doc, "concentration")


def test_other_row_is_the_fringe_and_equals_the_total_form():
    a = _result(F / "top3_other.csv", "--other", "other", "--top", "1,3,4")["results"][0]  # any case
    b = _result(F / "top3.csv", "--total", "100", "--top", "1,3,4")["results"][0]
    assert a == b


def test_a_large_fringe_splits_into_companies_the_size_of_the_smallest():
    # 40, 30, 20 of 140: F = 50 = 2 x 20 + 10. High HHI = (1600 + 900 + 400 + 2 x 400 + 100) / 140^2
    # CR4 high = (90 + 20) / 140, CR5 = (90 + 40) / 140, CR6 = 140 / 140.
    r = _result(F / "top3.csv", "--total", "140", "--top", "4,5,6")["results"][0]
    assert r["bounds"]["hhi"] == pytest.approx([10_000 * 2900 / 140**2, 10_000 * 3800 / 140**2], rel=1e-12)
    assert r["bounds"]["cr"] == {
        "4": pytest.approx([90 / 140, 110 / 140]),
        "5": pytest.approx([90 / 140, 130 / 140]),
        "6": pytest.approx([90 / 140, 1.0]),
    }


def test_gini_and_the_others_describe_the_listed_companies():
    with_fringe = _result(F / "top3.csv", "--total", "140")["results"][0]
    listed = _result(F / "top3.csv")["results"][0]
    for key in ("n", "gini", "theil", "entropy", "atkinson", "palma", "hhi_normalized"):
        assert with_fringe[key] == listed[key], key
    assert listed["bounds"] is None and listed["fringe"] is None


def test_total_column_per_group_and_the_table_shows_the_range():
    doc = _result(F / "by_year.csv", "--by", "year", "--total-column", "market")
    r24, r25 = doc["results"]
    # 2024: 40, 30, 10 of 100 -> F 20, m 10: high = 2,600 + 2 x 100 = 2,800
    assert r24["bounds"]["hhi"] == pytest.approx([2600, 2800], rel=1e-12)
    # 2025: 50, 45 of 120 -> F 25, m 45: high = (2500 + 2025 + 625) / 120^2
    assert r25["bounds"]["hhi"] == pytest.approx([10_000 * 4525 / 14_400, 10_000 * 5150 / 14_400], rel=1e-12)
    table = run_cli("concentration", F / "by_year.csv", "--by", "year", "--total-column", "market").out
    assert "2,600–2,800" in table and "20.0%" in table
    single = run_cli("concentration", F / "top3.csv", "--total", "100").out
    assert "2,900–3,000" in single and "10.0% unobserved" in single


def test_csv_has_the_fringe_and_each_range():
    r = run_cli("concentration", F / "top3.csv", "--total", "100", "--top", "4", "-f", "csv")
    header, row = r.out.splitlines()[:2]
    cells = dict(zip(header.split(","), row.split(",")))
    assert cells["fringe_value"] == "10.0" and cells["fringe_share"] == "0.1"
    assert float(cells["bounds_hhi_lo"]) == pytest.approx(2900) and float(cells["bounds_hhi_hi"]) == pytest.approx(3000)
    assert cells["bounds_cr_4_lo"] == "0.9" and cells["bounds_cr_4_hi"] == "1.0"
    plain = run_cli("concentration", F / "top3.csv", "-f", "csv").out.splitlines()[0]
    assert "fringe" not in plain and "bounds" not in plain


@pytest.mark.parametrize(
    "args, message",
    [
        (["--total", "80"], "the companies listed sum to 90, above the total 80"),
        (["--total", "-5"], "--total: '-5' is not a positive number"),
        (["--total", "100", "--total-column", "share"], "give --total or --total-column, not both"),
    ],
)
def test_bad_totals_exit_2_in_one_line(args, message):
    r = run_cli("concentration", F / "top3.csv", *args)
    assert r.code == 2 and message in r.err and r.err.count("\n") == 1


def test_a_total_column_that_differs_within_a_group_exits_2(tmp_path):
    path = write(tmp_path, "t.csv", "company,year,v,market\nA,2024,1,10\nB,2024,2,11\n")
    r = run_cli("concentration", path, "--by", "year", "--total-column", "market")
    assert r.code == 2 and "gives group year=2024 different totals (10 and 11)" in r.err


def test_merge_reads_the_guidelines_at_both_ends():
    # A 20, B 18, C 16, D 10, Other 36; B buys D. F = 36 = 3 x 10 + 6.
    # pre: 400 + 324 + 256 + 100 = 1,080 .. + 3 x 100 + 36 = 1,416; delta = 2 x 18 x 10 = 360
    # post: 1,440 .. 1,776: US 2010 reads "unlikely" below 1,500 and "concerns" above it
    path = FIXTURES / "fringe" / "merge.csv"
    r = run_cli("merge", path, "--other", "Other", "--acquirer", "B", "--target", "D", "-f", "json")
    doc = r.json()
    res = doc["results"][0]
    assert res["delta_hhi"] == pytest.approx(360)
    assert res["bounds"]["pre_hhi"] == pytest.approx([1080, 1416])
    assert res["bounds"]["post_hhi"] == pytest.approx([1440, 1776])
    assert res["verdicts"]["us-2010"]["finding"] == "unlikely"
    assert res["verdicts_high"]["us-2010"]["finding"] == "concerns"
    assert res["verdicts_high"]["us-2023"]["finding"] == res["verdicts"]["us-2023"]["finding"]
    assert any(
        "us-2010 reads 'unlikely' at the low end" in w and "'concerns' at the high end" in w for w in doc["warnings"]
    )
    assert_schema(doc, "merge")
    table = run_cli("merge", path, "--other", "Other", "--acquirer", "B", "--target", "D").out
    assert "1,440–1,776" in table and "High end" in table


def test_trend_carries_the_bounds_per_period():
    doc = _result(F / "by_year.csv", "--period", "year", "--total-column", "market", "--min-n", "1", command="trend")
    periods = doc["results"][0]["periods"]
    assert [p["bounds"]["hhi"] for p in periods] == [
        pytest.approx([2600, 2800]),
        pytest.approx([10_000 * 4525 / 14_400, 10_000 * 5150 / 14_400]),
    ]
    assert [p["fringe"]["value"] for p in periods] == [20, 25]
    assert_schema(doc, "trend")


def test_tiers_leave_the_fringe_out_and_report_it_beside():
    doc = _result(F / "top3_other.csv", "--other", "Other", "--bounds", "25,35", command="tiers")
    r = doc["results"][0]
    assert r["n"] == 3 and sum(t["count"] for t in r["tiers"]) == 3
    assert r["fringe"] == {"value": 10.0, "share": 0.1}
    assert_schema(doc, "tiers")
    table = run_cli("tiers", F / "top3_other.csv", "--other", "Other", "--bounds", "25,35").out
    assert "left out of the tiers" in table


def test_library_keywords_and_edge_values():
    from aistruct import concentration_report
    from aistruct.metrics import fringe_bounds

    r = concentration_report(str(F / "top3.csv"), total=100).results[0]
    assert r["bounds"]["hhi"] == pytest.approx([2900, 3000])
    # nothing listed: the fringe may be one company
    assert fringe_bounds([], 5)["hhi"] == [0.0, 10_000.0]
    # 1e300 companies: no overflow (three equal companies at the high end)
    assert fringe_bounds([1e300, 1e300], 1e300)["hhi"] == pytest.approx([20_000 / 9, 10_000 / 3])
    assert fringe_bounds([1e-300, 2e-300], 1e-300)["hhi"] == pytest.approx([3125, 3750])
    with pytest.raises(ValueError):
        fringe_bounds([1, 2], -1)


def test_the_bounds_hold_the_true_hhi_on_the_bundled_funding_rounds():
    # the full table's HHI (all four labs) must lie in the range read from the three largest and the total;
    # the unseen fringe is one company (Mistral AI) smaller than the smallest listed: the high end is exact
    full = _result("dataset:frontier_lab_funding", "--agg", "sum")["results"][0]
    part = _result(
        "dataset:frontier_lab_funding", "--agg", "sum", "--exclude", "Mistral AI", "--total", str(full["total"])
    )["results"][0]
    lo, hi = part["bounds"]["hhi"]
    assert lo < full["hhi"] and hi == pytest.approx(full["hhi"], rel=1e-12)
    assert part["fringe"]["value"] == pytest.approx(2.49e9)


def test_ci_with_a_fringe_exits_2():
    r = run_cli("concentration", F / "top3.csv", "--total", "100", "--ci", "0.95")
    assert r.code == 2 and "--ci resamples the listed companies" in r.err and r.err.count("\n") == 1
