"""The trend core: periods, per-period metrics and the verdict (the statistics: test_stats.py)."""

import numpy as np
import pandas as pd
import pytest
from conftest import FIXTURES

from aistruct.errors import UsageError
from aistruct.trend import (
    change_of,
    metric_keys,
    period_positions,
    trend_report,
)

TREND_CSV = FIXTURES / "trend_by_year.csv"


class TestPeriods:
    def test_years_with_gap(self):
        expected = (["2021", "2022", "2024"], [2021.0, 2022.0, 2024.0], "year")
        assert period_positions(["2024", "2021", "2022"]) == expected

    def test_quarters(self):
        labels, pos, unit = period_positions(["2024Q1", "2023Q4", "2023Q2"])
        assert labels == ["2023Q2", "2023Q4", "2024Q1"] and unit == "quarter"
        assert np.diff(pos).tolist() == [2.0, 1.0]

    def test_months(self):
        labels, pos, unit = period_positions(["2024-01", "2023-12", "2023-10"])
        assert labels == ["2023-10", "2023-12", "2024-01"] and unit == "month"
        assert np.diff(pos).tolist() == [2.0, 1.0]

    def test_whole_numbers_sort_numerically(self):
        assert period_positions(["10", "2", "1"])[0] == ["1", "2", "10"]

    def test_labels_with_no_time_order_are_refused(self):
        # issue 18 item 1: they were sorted as text, an order the data does not have
        with pytest.raises(UsageError, match=r"'b', 'a' are not years"):
            period_positions(["b", "a", "2024"])

    def test_iso_dates_in_date_order(self):
        assert period_positions(["2024-03-15", "2023-12-31T10:00"]) == (
            ["2023-12-31T10:00", "2024-03-15"],
            [0.0, 1.0],
            "step",
        )


class TestOrderPeriods:
    """issue 18 item 1: ``order_periods``, the one rule for trend (and flows)."""

    def test_freq_labels_order_on_the_calendar(self):
        from aistruct.markets import FREQS, order_periods, period_label

        dates = [(2024, 3), (2023, 11), (2024, 1), (2023, 2)]
        for freq in FREQS:
            labels = sorted({period_label(y, m, freq) for y, m in dates}, reverse=True)
            by_hand = {
                "year": ["2023", "2024"],
                "quarter": ["2023Q1", "2023Q4", "2024Q1"],
                "month": ["2023-02", "2023-11", "2024-01", "2024-03"],
            }[freq]
            assert order_periods(labels) == by_hand

    def test_numbers_and_dates(self):
        from aistruct.markets import order_periods

        assert order_periods(["10", "9", "100"]) == ["9", "10", "100"]
        assert order_periods(["2024-01-10", "2023-12-31", "2024-01-02"]) == ["2023-12-31", "2024-01-02", "2024-01-10"]
        assert order_periods([]) == []

    @pytest.mark.parametrize(
        "labels, named",
        [
            (["W24", "S24", "Continuity", "Unspecified"], "'W24', 'S24', 'Continuity', 'Unspecified' are not"),
            (["2024-02-30", "2024-03-01"], "'2024-02-30' is not"),  # no such day
            (["2024-13", "2024-01"], "'2024-13' is not"),
            (["2024Q1", "2024-03"], "they mix quarters ('2024Q1') and months ('2024-03')"),
        ],
    )
    def test_labels_that_do_not_order_are_named(self, labels, named):
        from aistruct.errors import params_in
        from aistruct.markets import order_periods

        with pytest.raises(UsageError) as exc:
            order_periods(labels)
        assert named in str(exc.value)
        assert params_in(exc.value.message) == ["freq"]


class TestChange:
    def test_fields(self):
        # 2000, 2600, 3200 over 2022-2024: change 1200, slope 600 per year, S = 3, p = 1/3
        ch = change_of([("2022", 2022.0, 2000.0), ("2023", 2023.0, 2600.0), ("2024", 2024.0, 3200.0)])
        assert (ch["first"], ch["last"], ch["change"]) == (2000.0, 3200.0, 1200.0)
        assert ch["slope"] == pytest.approx(600.0, abs=1e-9)
        assert (ch["s"], ch["tau"], ch["rises"], ch["falls"], ch["periods"]) == (3, 1.0, 2, 0, 3)
        assert ch["p_value"] == pytest.approx(1 / 3, abs=1e-15)

    def test_one_point(self):
        ch = change_of([("2024", 2024.0, 5.0)])
        assert (ch["first"], ch["last"], ch["change"], ch["slope"], ch["p_value"]) == (5.0, 5.0, None, None, None)

    def test_metric_keys(self):
        assert metric_keys([1, 4]) == [
            "n",
            "total",
            "hhi",
            "cr_1",
            "cr_4",
            "gini",
            "small_count_share",
            "small_value_share",
            "middle_count_share",
            "middle_value_share",
            "giant_count_share",
            "giant_value_share",
        ]


class TestTrendReport:
    """tests/fixtures/trend_by_year.csv, by hand:

    2021: A 10, B 10 (2 companies: thin with --min-n 5)
    2022: A..E 20 each: HHI 5 * 20^2 = 2000, Gini 0
    2023: A 40, B 20, C 20, D 10, E 10: HHI 1600 + 400 + 400 + 100 + 100 = 2600
    2024: A 30 + 20 = 50, B 20, C D E 10: HHI 2500 + 400 + 300 = 3200
    """

    def report(self, **kw):
        kw.setdefault("bounds", "15,30")
        return trend_report(str(TREND_CSV), period="year", **kw)

    def test_periods(self):
        (s,) = self.report().results
        assert [p["period"] for p in s["periods"]] == ["2021", "2022", "2023", "2024"]
        assert [p["n"] for p in s["periods"]] == [2, 5, 5, 5]
        assert [p["thin"] for p in s["periods"]] == [True, False, False, False]
        hhi = [p["hhi"] for p in s["periods"]]
        assert hhi == pytest.approx([5000.0, 2000.0, 2600.0, 3200.0], abs=1e-9)
        assert s["periods"][3]["cr"]["1"] == pytest.approx(0.5, abs=1e-15)
        assert s["periods"][1]["gini"] == pytest.approx(0.0, abs=1e-15)

    def test_tiers_fixed_bounds(self):
        # --bounds 15,30: small < 15, middle 15..30, giant > 30
        # 2023: D E small (20 of 100), B C middle (40), A giant (40)
        # 2024: C D E small (30), B middle (20), A giant (50)
        (s,) = self.report().results
        assert s["bounds"] == [15.0, 30.0] and s["method"] == "bounds"
        t23, t24 = s["periods"][2]["tiers"], s["periods"][3]["tiers"]
        assert [t23[k]["count"] for k in ("small", "middle", "giant")] == [2, 2, 1]
        assert [t24[k]["count"] for k in ("small", "middle", "giant")] == [3, 1, 1]
        assert [t24[k]["value_share"] for k in ("small", "middle", "giant")] == pytest.approx([0.3, 0.2, 0.5])
        assert s["periods"][1]["tiers"]["middle"]["count_share"] == 1.0

    def test_changes_leave_out_thin(self):
        r = self.report()
        (s,) = r.results
        hhi = s["changes"]["hhi"]
        assert (hhi["first_period"], hhi["last_period"], hhi["periods"]) == ("2022", "2024", 3)
        assert (hhi["first"], hhi["last"]) == pytest.approx((2000.0, 3200.0))
        assert hhi["change"] == pytest.approx(1200.0)
        assert hhi["slope"] == pytest.approx(600.0)
        assert (hhi["s"], hhi["tau"]) == (3, 1.0)
        assert hhi["p_value"] == pytest.approx(1 / 3, abs=1e-15)
        # middle value share 1.0, 0.4, 0.2: S = -3, tau -1
        mid = s["changes"]["middle_value_share"]
        assert (mid["s"], mid["tau"]) == (-3, -1.0)
        # n is 5, 5, 5: all tied
        assert (s["changes"]["n"]["tau"], s["changes"]["n"]["p_value"]) == (None, 1.0)
        assert s["thin_periods"] == ["2021"]
        assert any("fewer than 5 companies (2021)" in w and "left out" in w for w in r.warnings)

    def test_min_n_one_keeps_all(self):
        (s,) = self.report(min_n=1).results
        assert s["thin_periods"] == [] and s["changes"]["hhi"]["first"] == pytest.approx(5000.0)

    def test_short_series_verdict(self):
        (s,) = self.report().results
        v = s["verdict"]
        assert "HHI rose from 2,000 to 3,200 over 2022–2024" in v
        assert "The middle's value share fell from 100.0% to 20.0%" in v
        assert "3 usable periods are too few to tell a trend from chance" in v
        assert "Mann–Kendall p" not in v  # no test is read from 3 periods
        assert "Left out as thin (fewer than 5 companies): 2021" in v

    def test_natural_breaks_pooled(self):
        from aistruct.tiers import natural_breaks

        r = trend_report(str(TREND_CSV), period="year")
        (s,) = r.results
        # one pair of bounds from all company-period sizes pooled
        pooled = [10, 10, 20, 20, 20, 20, 20, 40, 20, 20, 10, 10, 50, 20, 10, 10, 10]
        assert s["bounds"] == list(natural_breaks(pooled)) and s["method"] == "natural"

    def test_series_by(self):
        df = pd.DataFrame(
            {
                "company": list("ABAB") * 2,
                "country": ["X"] * 4 + ["Y"] * 4,
                "year": [2020, 2020, 2021, 2021] * 2,
                "v": [1, 1, 3, 1, 5, 5, 5, 5],
            }
        )
        r = trend_report(df, period="year", by=["country"], min_n=1, bounds=(2, 4))
        assert [s["group"] for s in r.results] == [{"country": "X"}, {"country": "Y"}]
        assert r.input["by"] == ["country"] and r.input["period"] == "year"
        # X 2021: A 3, B 1 -> HHI 5625 + 625 = 6250
        assert r.results[0]["periods"][1]["hhi"] == pytest.approx(6250.0)

    def test_significant_rising(self):
        # six years, five companies; the leader's value rises every year -> S = 15, p = 2/720
        rows = []
        for i, year in enumerate(range(2019, 2025)):
            rows += [("Lead", year, 10 + 10 * i)] + [(c, year, 10) for c in "BCDE"]
        df = pd.DataFrame(rows, columns=["company", "year", "v"])
        (s,) = trend_report(df, period="year", bounds=(5, 15)).results
        hhi = s["changes"]["hhi"]
        assert hhi["s"] == 15 and hhi["p_value"] == pytest.approx(2 / 720)
        assert "a rising trend" in s["verdict"] and "p = 0.0028" in s["verdict"]
        # the middle (5..15) holds B-E, and Lead in 2019 only: 50/50 = 100% in 2019, 40/100 = 40% in 2024,
        # falling every year (40/60, 40/70 ...): S = -15
        assert (
            "The middle's value share fell from 100.0% to 40.0% over 2019–2024 (down in 5 of 5 steps)" in s["verdict"]
        )
        assert s["changes"]["middle_value_share"]["s"] == -15
        # the middle's count share 1.0, 0.8, 0.8, 0.8, 0.8, 0.8: S = -5, the most extreme of the
        # 6!/5! = 6 arrangements with five tied values -> p = 2/6, "no clear trend"
        mid_n = s["changes"]["middle_count_share"]
        assert mid_n["s"] == -5 and mid_n["p_value"] == pytest.approx(1 / 3)
        assert "no clear trend" in s["verdict"].split(". ")[-1]

    def test_no_clear_trend(self):
        # HHI up and down: 6 periods, S small -> "no clear trend"
        rows = []
        for year, lead in zip(range(2019, 2025), [20, 40, 10, 30, 25, 15]):
            rows += [("Lead", year, lead)] + [(c, year, 10) for c in "BCDE"]
        df = pd.DataFrame(rows, columns=["company", "year", "v"])
        (s,) = trend_report(df, period="year", bounds=(5, 15)).results
        assert "HHI" in s["verdict"] and "no clear trend" in s["verdict"].split(". ")[0]

    def test_quarters_from_dates(self):
        df = pd.DataFrame(
            {
                "company": ["A", "B", "A", "B"],
                "date": ["2024-01-15", "2024-02-01", "2024-04-30", "2023-12-31"],
                "v": [1, 2, 3, 4],
            }
        )
        r = trend_report(df, period="date", freq="quarter", min_n=1, bounds=(1, 2))
        assert [p["period"] for p in r.results[0]["periods"]] == ["2023Q4", "2024Q1", "2024Q2"]
        assert r.results[0]["slope_unit"] == "quarter" and r.input["freq"] == "quarter"

    def test_zero_total_period(self):
        df = pd.DataFrame(
            {"company": list("AB") * 3, "year": [2020, 2020, 2021, 2021, 2022, 2022], "v": [1, 3, 0, 0, 3, 1]}
        )
        r = trend_report(df, period="year", min_n=1, bounds=(1, 2))
        (s,) = r.results
        assert s["periods"][1]["status"] == "zero total" and s["periods"][1]["hhi"] is None
        assert s["changes"]["hhi"]["periods"] == 2 and s["changes"]["n"]["periods"] == 3
        assert any("2021 have a total of 0" in w for w in r.warnings)

    def test_no_tiers_with_too_few_sizes(self):
        df = pd.DataFrame({"company": list("AB") * 2, "year": [2020, 2020, 2021, 2021], "v": [1, 2, 2, 1]})
        r = trend_report(df, period="year", min_n=1)
        (s,) = r.results
        assert s["bounds"] is None and all(p["tiers"] is None for p in s["periods"])
        assert s["changes"]["middle_value_share"]["periods"] == 0
        assert any("no tiers" in w for w in r.warnings)

    def test_bad_options(self):
        # library errors name the keywords (by, min_n, bounds, period), not the CLI's flags
        with pytest.raises(UsageError, match="^by 'year' is the period column; by names"):
            trend_report(str(TREND_CSV), period="year", by=["year"])
        with pytest.raises(UsageError, match=r"^min_n must be at least 1 \(got 0\)$"):
            trend_report(str(TREND_CSV), period="year", min_n=0)
        with pytest.raises(UsageError, match="^bounds: LOW must be less than HIGH"):
            trend_report(str(TREND_CSV), period="year", bounds="30,15")
        with pytest.raises(UsageError, match=r": period: no column 'yr'; did you mean 'year'\?"):
            trend_report(str(TREND_CSV), period="yr")


def test_last_bit_differences_are_ties():
    # 0.1 + 0.2 = 0.30000000000000004: the same share computed two ways must tie, not rise
    ch = change_of([("2022", 2022.0, 0.3), ("2023", 2023.0, 0.1 + 0.2), ("2024", 2024.0, 0.3)])
    assert (ch["s"], ch["rises"], ch["falls"], ch["tau"], ch["p_value"]) == (0, 0, 0, None, 1.0)


class TestStocks:
    """--carry-forward and --cumulative: A reports 10 in 2020 and 5 in 2022, B reports 1 every year."""

    @staticmethod
    def frame():
        return pd.DataFrame(
            {
                "company": ["A", "B", "B", "A", "B"],
                "year": ["2020", "2020", "2021", "2022", "2022"],
                "v": [10, 1, 1, 5, 1],
            }
        )

    def totals(self, **kw):
        doc = trend_report(self.frame(), period="year", min_n=1, bounds=(2, 8), **kw).to_dict()
        return [(p["period"], p["n"], p["total"]) for p in doc["results"][0]["periods"]], doc

    def test_without_either_a_gap_is_a_missing_company(self):
        got, _ = self.totals()
        assert got == [("2020", 2, 11.0), ("2021", 1, 1.0), ("2022", 2, 6.0)]

    def test_carry_forward_keeps_the_last_row(self):
        got, doc = self.totals(carry_forward=1)
        assert got == [("2020", 2, 11.0), ("2021", 2, 11.0), ("2022", 2, 6.0)]  # A's 10 carried into 2021
        assert doc["input"]["carry_forward"] == 1 and doc["input"]["cumulative"] is False
        tiers = doc["results"][0]["periods"][1]["tiers"]
        assert tiers["giant"]["count"] == 1 and tiers["small"]["count"] == 1  # A (10 > 8) and B (1 < 2)

    def test_cumulative_sums_to_date(self):
        got, doc = self.totals(cumulative=True)
        # 2020: A 10, B 1; 2021: A 10, B 2; 2022: A 15, B 3
        assert got == [("2020", 2, 11.0), ("2021", 2, 12.0), ("2022", 2, 18.0)]
        assert doc["results"][0]["periods"][1]["hhi"] == pytest.approx(((10 / 12) ** 2 + (2 / 12) ** 2) * 10000)

    def test_both_together_are_refused(self):
        with pytest.raises(UsageError, match="cumulative carries every sum forward"):
            trend_report(self.frame(), period="year", carry_forward=1, cumulative=True)


@pytest.mark.parametrize(
    "ys, path, direction",
    [
        ([0.6, 0.5, 0.4, 0.3, 0.2, 0.1, 0.05, 0.03, 0.02, 0.6], "fell and recovered", "falling"),
        ([0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.1], "rose and fell back", "rising"),
    ],
)
def test_equal_ends_with_a_trend_say_both(ys, path, direction):
    # issue 18 item 6: "was 60.0% at both ends ... a falling trend" read as a contradiction
    from aistruct.trend import change_of, reading

    ch = change_of([(str(2015 + i), 2015.0 + i, y) for i, y in enumerate(ys)])
    # S by hand: 36 pairs among the first nine move one way, the last period is above (below) 8 of them
    # and ties the first, so S = -(36 - 8) = -28 (or +28)
    assert ch["change"] == 0 and abs(ch["s"]) == 28 and ch["p_value"] < 0.05
    text = reading("middle_count_share", ch)
    assert f"was {100 * ys[0]:.1f}% at both ends of 2015–2024" in text
    assert f"but the series {path}: a {direction} trend" in text
    assert text.endswith("the test is about the whole path, not its two ends")


def test_equal_ends_without_a_trend_read_as_before():
    from aistruct.trend import change_of, reading

    ch = change_of([(str(2018 + i), 2018.0 + i, y) for i, y in enumerate([0.6, 0.5, 0.4, 0.3, 0.2, 0.1, 0.6])])
    text = reading("middle_count_share", ch)
    assert "recovered" not in text and "whole path" not in text and "no clear trend" in text
