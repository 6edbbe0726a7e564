"""``aistruct trend`` through the real entry point: output formats, schema, exit codes,
and the per-period metrics against ``concentration --by``."""

import csv
import io

import pytest
from conftest import DATASETS, FIXTURES, FRONTIER_COMPUTE_TREND, assert_schema, run_cli, write

TREND_CSV = FIXTURES / "trend_by_year.csv"
SAME = ("n", "total", "hhi", "cr", "gini", "status")


def periods_match_concentration(trend_args, conc_args, by_series=()):
    """Every period's n/total/hhi/cr/gini equals concentration's result for that group, exactly."""
    t = run_cli("trend", *trend_args, "--format", "json")
    c = run_cli("concentration", *conc_args, "--format", "json")
    assert t.code == 0, t.err
    assert c.code == 0, c.err
    tdoc, cdoc = t.json(), c.json()
    period_col = tdoc["input"]["period"]
    conc = {tuple(sorted(r["group"].items())): r for r in cdoc["results"]}
    seen = 0
    for s in tdoc["results"]:
        for p in s["periods"]:
            key = tuple(sorted({**s["group"], period_col: p["period"]}.items()))
            ref = conc[key]
            for field in SAME:
                assert p[field] == ref[field], (key, field)
            seen += 1
    assert seen == len(cdoc["results"])
    return tdoc


class TestMatchesConcentration:
    def test_year_column(self):
        periods_match_concentration([TREND_CSV, "--period", "year"], [TREND_CSV, "--by", "year"])

    def test_dates_by_year_bundled(self):
        f = DATASETS / "frontier_lab_funding.csv"
        periods_match_concentration(
            [f, "--period", "close_date", "--freq", "year"], [f, "--by", "close_date", "--freq", "year"]
        )

    def test_dates_by_quarter_with_series(self, tmp_path):
        path = write(
            tmp_path,
            "q.csv",
            "company,country,date,v\n"
            "A,US,2024-01-10,5\nB,US,2024-02-10,3\nA,US,2024-05-01,1\nC,US,2024-06-30,$2M\n"
            "A,CN,2024-01-03,4\nD,CN,2024-03-31,4\nD,CN,2024-04-01,9\nE,CN,2024-07-15,1\n",
        )
        doc = periods_match_concentration(
            [path, "--period", "date", "--freq", "quarter", "--by", "country", "--top", "1,2"],
            [path, "--by", "country", "--by", "date", "--freq", "quarter", "--top", "1,2"],
        )
        assert [s["group"] for s in doc["results"]] == [{"country": "CN"}, {"country": "US"}]

    def test_wide_table(self, tmp_path):
        path = write(
            tmp_path,
            "wide.csv",
            "month,A,B,C\n2024-01,50,30,20\n2024-03,60,30,10\n2024-02,55,35,10\n",
        )
        doc = periods_match_concentration([path, "--wide", "--period", "month"], [path, "--wide"])
        assert [p["period"] for p in doc["results"][0]["periods"]] == ["2024-01", "2024-02", "2024-03"]
        assert doc["results"][0]["slope_unit"] == "month"

    def test_frontier_models_bundled(self):
        f = DATASETS / "frontier_models_compute.csv"
        args = ["--entity", "organization", "--value", "training_compute_flop"]
        periods_match_concentration(
            [f, "--period", "publication_date", "--freq", "year", *args],
            [f, "--by", "publication_date", "--freq", "year", *args],
        )


class TestJson:
    def test_schema_and_shape(self):
        r = run_cli("trend", TREND_CSV, "--period", "year", "--bounds", "15,30", "--format", "json")
        assert r.code == 0, r.err
        doc = r.json()
        assert_schema(doc, "trend")
        assert doc["command"] == "trend" and doc["schema_version"] == 1
        assert doc["input"]["period"] == "year" and doc["input"]["by"] == [] and doc["input"]["min_n"] == 5
        (s,) = doc["results"]
        assert s["group"] == {} and s["bounds"] == [15.0, 30.0]
        assert list(s["periods"][0]["tiers"]) == ["small", "middle", "giant"]
        assert list(s["periods"][0]["cr"]) == ["1", "4", "8", "10"]
        # 2022-2024 HHI 2000, 2600, 3200 (see tests/test_trend.py): slope 600/year, exact p = 1/3
        hhi = s["changes"]["hhi"]
        assert hhi["change"] == pytest.approx(1200.0) and hhi["slope"] == pytest.approx(600.0)
        assert hhi["p_value"] == pytest.approx(1 / 3)
        assert "too few to tell a trend" in s["verdict"]
        # the thin-period warning is in the document and on stderr
        assert any("fewer than 5 companies (2021)" in w for w in doc["warnings"])
        assert "fewer than 5 companies (2021)" in r.err

    def test_schema_on_bundled_datasets(self):
        for args in (
            [DATASETS / "frontier_lab_funding.csv", "--period", "close_date", "--freq", "quarter"],
            [
                DATASETS / "frontier_models_compute.csv",
                "-p",
                "publication_date",
                "--freq",
                "year",
                "-e",
                "organization",
                "-v",
                "training_compute_flop",
                "--by",
                "domain",
                "--method",
                "headtail",
            ],
        ):
            r = run_cli("trend", *args, "--format", "json")
            assert r.code == 0, r.err
            assert_schema(r.json(), "trend")

    def test_no_tiers_is_null(self, tmp_path):
        path = write(tmp_path, "two.csv", "c,y,v\nA,2020,1\nB,2020,2\nA,2021,2\nB,2021,1\n")
        r = run_cli("trend", path, "--period", "y", "--min-n", "1", "--format", "json")
        assert r.code == 0
        doc = r.json()
        assert_schema(doc, "trend")
        assert doc["results"][0]["bounds"] is None and doc["results"][0]["periods"][0]["tiers"] is None

    def test_preset_on_size_column(self, tmp_path):
        # headcount preset 50..500 on staff: 2020 A 10 (small) B 100 (middle) C 1000 (giant)
        path = write(
            tmp_path,
            "staff.csv",
            "c,y,staff,funding\nA,2020,10,1\nB,2020,100,2\nC,2020,1000,7\nA,2021,60,5\nB,2021,100,5\n",
        )
        r = run_cli(
            "trend",
            path,
            "--period",
            "y",
            "--size",
            "staff",
            "--value",
            "funding",
            "--preset",
            "headcount",
            "--min-n",
            "1",
            "--format",
            "json",
        )
        assert r.code == 0, r.err
        doc = r.json()
        assert_schema(doc, "trend")
        s = doc["results"][0]
        assert s["method"] == "preset:headcount" and s["bounds"] == [50.0, 500.0]
        assert doc["input"]["size"] == "staff"
        t20, t21 = (p["tiers"] for p in s["periods"])
        assert [t20[k]["count"] for k in ("small", "middle", "giant")] == [1, 1, 1]
        assert t20["giant"]["value_share"] == pytest.approx(0.7)
        assert t21["middle"]["count_share"] == 1.0 and t21["middle"]["value_share"] == 1.0


class TestTable:
    def test_table_has_periods_sparklines_and_verdict(self):
        r = run_cli("trend", TREND_CSV, "--period", "year", "--bounds", "15,30")
        assert r.code == 0, r.err
        for label in ("2021*", "2022", "2023", "2024", "Verdict:", "HHI rose from 2,000 to 3,200"):
            assert label in r.out
        # CR1 20%, 40%, 50% on levels 0..7 of "▁▂▃▄▅▆▇█": 0, 0.2 / 0.3 * 7 = 4.67 -> 5 (▆), 7
        assert "▁▆█" in r.out
        # middle value share 100%, 40%, 20%: 7, (0.4 - 0.2) / 0.8 * 7 = 1.75 -> 2 (▃), 0
        assert "█▃▁" in r.out

    def test_bundled_dataset_gives_table_and_verdict(self):
        r = run_cli("trend", DATASETS / "frontier_models_compute.csv", *FRONTIER_COMPUTE_TREND)
        assert r.code == 0, r.err
        assert "Verdict: HHI" in r.out and "Mann–Kendall p" in r.out
        assert "Changes (thin periods left out; slope per year)" in r.out

    def test_markup_in_names_is_literal(self, tmp_path):
        path = write(tmp_path, "m.csv", "c,g,y,v\nA,[red]X[/red],2020,1\nB,[red]X[/red],2020,2\n")
        r = run_cli("trend", path, "--period", "y", "--by", "g", "--min-n", "1")
        assert r.code == 0, r.err
        assert "g = [red]X[/red]" in r.out


class TestCsvMarkdown:
    def test_csv_rows(self):
        r = run_cli("trend", TREND_CSV, "--period", "year", "--bounds", "15,30", "--format", "csv")
        assert r.code == 0
        rows = list(csv.DictReader(io.StringIO(r.out)))
        assert [row["period"] for row in rows] == ["2021", "2022", "2023", "2024"]
        assert rows[0]["thin"] == "true" and rows[1]["thin"] == "false"
        assert float(rows[3]["hhi"]) == pytest.approx(3200.0)
        assert float(rows[3]["middle_value_share"]) == pytest.approx(0.2)
        assert "cr_4" in rows[0] and "giant_count" in rows[0]

    def test_csv_defuses_formulas(self, tmp_path):
        # a period label is a date or a number (issue 18 item 1), so the formula sits in a series label
        path = write(tmp_path, "f.csv", "c,g,p,v\nA,=1+1,2024,1\nB,=1+1,2024,2\n")
        r = run_cli("trend", path, "--period", "p", "--by", "g", "--format", "csv", "--min-n", "1")
        assert r.code == 0, r.err
        assert "\n'=1+1,2024," in r.out

    def test_markdown(self):
        r = run_cli("trend", TREND_CSV, "--period", "year", "--format", "markdown")
        assert r.code == 0
        # the human table (issue 18 item 12); 2022: five firms of 20, HHI 5 x 20^2 = 2,000;
        # 2024: A 30+20 = 50 of 100, then 20, 10, 10, 10: HHI 2,500 + 400 + 3 x 100 = 3,200
        md = r.out.splitlines()
        assert md[0] == "**Trend of funding across company by year**"
        assert md[2] == "| Period | n | Total | HHI | CR1 | CR4 | Gini | # % | Value % |"
        assert md[3] == "|---|---:|---:|---:|---:|---:|---:|---:|---:|"
        assert md[5].startswith("| 2022 | 5 | 100 | 2,000 | 20.0% | 80.0% |")
        assert md[7].startswith("| 2024 | 5 | 100 | 3,200 | 50.0% | 90.0% |")
        assert "**Changes (thin periods left out; slope per year)**" in md


class TestErrors:
    def test_period_required(self):
        r = run_cli("trend", TREND_CSV)
        assert r.code == 2 and "--period" in r.err

    def test_unknown_period_column(self):
        r = run_cli("trend", TREND_CSV, "--period", "yeer")
        assert r.code == 2
        assert "did you mean 'year'" in r.err and "Traceback" not in r.err

    def test_bad_bounds(self):
        r = run_cli("trend", TREND_CSV, "--period", "year", "--bounds", "30,15")
        assert r.code == 2 and "--bounds" in r.err

    def test_by_is_period(self):
        r = run_cli("trend", TREND_CSV, "--period", "year", "--by", "year")
        assert r.code == 2 and "--period" in r.err

    def test_min_n_zero(self):
        assert run_cli("trend", TREND_CSV, "--period", "year", "--min-n", "0").code == 2

    def test_bad_date_with_freq(self, tmp_path):
        path = write(tmp_path, "d.csv", "c,d,v\nA,2024-01-01,1\nB,someday,2\n")
        r = run_cli("trend", path, "--period", "d", "--freq", "month")
        assert r.code == 2 and "'someday' is not a date" in r.err

    def test_help_lists_options(self):
        r = run_cli("trend", "--help")
        assert r.code == 0
        for opt in ("--period", "--freq", "--by", "--min-n", "--top", "--bounds", "--preset", "--method", "--size"):
            assert opt in r.out


class TestSparkline:
    def test_levels(self):
        from aistruct.cli.trend import sparkline

        # 0..7 scaled onto the eight blocks, one each; a gap is a space
        assert sparkline([0, 1, 2, 3, 4, 5, 6, 7]) == "▁▂▃▄▅▆▇█"
        assert sparkline([3, None, 1]) == "█ ▁"
        assert sparkline([5, 5, 5]) == "▄▄▄"
        assert sparkline([]) == "" and sparkline([None]) == ""

    def test_long_series_binned(self):
        from aistruct.cli.trend import sparkline

        # 48 rising values averaged in threes into 16 bins: 1, 4, ..., 46 -> still lowest to highest
        line = sparkline(list(range(48)))
        assert len(line) == 16 and line[0] == "▁" and line[-1] == "█"
        # bin means 1, 4, 7, ... 46 are evenly spaced: (3k / 45) * 7 rounds to 0 0 1 1 2 2 3 3 4 4 5 5 6 6 7 7
        assert line == "▁▁▂▂▃▃▄▄▅▅▆▆▇▇██"


def test_control_characters_in_labels_are_escaped(tmp_path):
    # an ESC in a series label must not reach the terminal, in the table or in the verdict
    path = write(tmp_path, "esc.csv", "c,g,p,v\nA,\x1b[31mX,2024,1\nB,\x1b[31mX,2024,2\nA,Y,2025,1\nB,Y,2025,1\n")
    r = run_cli("trend", path, "--period", "p", "--by", "g", "--min-n", "1")
    assert r.code == 0, r.err
    assert "\x1b" not in r.out + r.err and "Verdict:" in r.out
    # nor in a period label, which does not order in time: the error shows it escaped
    path = write(tmp_path, "esc_period.csv", "c,p,v\nA,\x1b[31mX,1\nB,\x1b[31mX,2\nA,Y,1\nB,Y,1\n")
    r = run_cli("trend", path, "--period", "p", "--min-n", "1")
    assert r.code == 2 and "\x1b" not in r.err and "'\\x1b[31mX'" in r.err


def test_unknown_period_column_names_the_period_option():
    r = run_cli("trend", DATASETS / "ai_app_mau_cn_2025-03.csv", "--period", "nope")
    assert r.code == 2
    assert "--period: no column 'nope'" in r.err and "'month'" in r.err


def test_carry_forward_and_cumulative_validate_against_the_schema(tmp_path):
    path = write(tmp_path, "s.csv", "company,year,v\nA,2020,10\nB,2020,1\nB,2021,1\nA,2022,5\nB,2022,1\n")
    for extra, totals in (
        (["--carry-forward", "1"], [11.0, 11.0, 6.0]),
        (["--cumulative"], [11.0, 12.0, 18.0]),
    ):
        r = run_cli("trend", path, "--period", "year", "--min-n", "1", *extra, "--format", "json")
        assert r.code == 0, r.err
        doc = r.json()
        assert_schema(doc, "trend")
        assert [p["total"] for p in doc["results"][0]["periods"]] == totals
    r = run_cli("trend", path, "--period", "year", "--carry-forward", "1", "--cumulative")
    assert r.code == 2 and "--cumulative carries every sum forward already; give it without --carry-forward" in r.err


# issue 18 item 1: the labels W24, S24, Continuity, Unspecified were sorted as text and a
# "falling trend (Mann–Kendall p = 0.0076)" reported on that invented order
BATCHES = "company,Batch,value\n" + "".join(
    f"{c}{b},{b},{v}\n"
    for b in ("W24", "S24", "Continuity", "Unspecified")
    for c, v in zip("abcdef", (5, 4, 3, 2, 1, 1))
)


def test_periods_that_do_not_order_exit_2_naming_them(tmp_path):
    r = run_cli("trend", write(tmp_path, "batches.csv", BATCHES), "--period", "Batch")
    assert r.code == 2 and r.out == ""
    assert r.err.count("\n") == 1
    assert r.err.startswith("aistruct: error: --period 'Batch': period labels do not order in time: ")
    assert "'Continuity', 'S24', 'Unspecified', 'W24' are not years (2024)" in r.err
    assert "--freq" in r.err and "ISO dates (2024-03-15)" in r.err
    assert "Mann" not in r.err  # no verdict, no p-value


def test_periods_of_one_series_that_mix_forms_exit_2(tmp_path):
    rows = "c,p,v\n" + "".join(f"{c},{p},1\n" for p in ("2023", "2024Q1") for c in "ab")
    r = run_cli("trend", write(tmp_path, "mixed.csv", rows), "--period", "p", "--min-n", "1")
    assert r.code == 2 and "they mix years ('2023') and quarters ('2024Q1')" in r.err


def test_iso_dates_order_as_dates(tmp_path):
    # without --freq each date is its own period, in date order (numbered 0, 1, 2: "step")
    rows = "c,d,v\n" + "".join(f"{c},{d},{v}\n" for d, v in (("2024-10-02", 1), ("2024-02-10", 2)) for c in "ab")
    doc = run_cli("trend", write(tmp_path, "dates.csv", rows), "--period", "d", "--min-n", "1", "-f", "json").json()
    assert [p["period"] for p in doc["results"][0]["periods"]] == ["2024-02-10", "2024-10-02"]
    assert doc["results"][0]["slope_unit"] == "step"
