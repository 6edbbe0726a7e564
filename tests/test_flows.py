"""``aistruct.flows``: counts pinned to a hand-built panel, the middle's identity on every output.

The panel (tests/fixtures/flows_panel.csv, bounds 10 and 100: small < 10 <= middle <= 100 < giant):

    company  2021  2022  2023    what it is for
    A          50    50    50    stays in the middle
    B          50   200   200    middle -> giant (a move up); acquires G
    C          50     5     5    middle -> small (a move down)
    D           5    50    50    small -> middle
    E         500    60    60    giant -> middle
    F          50     -     -    leaves the data (an exit)
    G          80     -     -    acquired by B on 2022-06-01 (tests/fixtures/flows_deals.csv)
    H           -    20    20    an entrant
    I          30     -    40    a gap: exit and re-entry, or one carried period
    J         300   300   300    stays a giant
"""

import random

import pandas as pd
import pytest
from conftest import FIXTURES

from aistruct.errors import InputError, UsageError
from aistruct.flows import DESTINATIONS, MIDDLE_KEYS, ORIGINS, flows_report
from aistruct.markets.periods import order_periods
from aistruct.markets.stocks import carry_forward_rows

PANEL = FIXTURES / "flows_panel.csv"
DEALS = FIXTURES / "flows_deals.csv"


def check_identity(doc: dict) -> None:
    """end = start + entered + from_small + from_giant - to_small - to_giant - exited - acquired, everywhere,
    and the middle block agrees with the counts; in value terms too when present."""
    for s in doc["results"]:
        steps = s["steps"] + ([s["overall"]] if s["overall"] else [])
        for step in steps:
            m = step["middle"]
            assert m["end"] == (
                m["start"]
                + m["entered"]
                + m["from_small"]
                + m["from_giant"]
                - m["to_small"]
                - m["to_giant"]
                - m["exited"]
                - m["acquired"]
            ), step
            c = step["counts"]
            assert m["start"] == sum(c["middle"].values())
            assert m["end"] == sum(c[o]["middle"] for o in ORIGINS)
            assert set(m) == set(MIDDLE_KEYS)
            assert set(c) == set(ORIGINS) and all(set(row) == set(DESTINATIONS) for row in c.values())
            v = step.get("middle_value")
            if v:
                inflow = v["entered"] + v["from_small"] + v["from_giant"]
                outflow = v["to_small"] + v["to_giant"] + v["exited"] + v["acquired"]
                assert v["end"] == pytest.approx(v["start"] + inflow - outflow + v["stayers"], abs=1e-12)


def counts(step: dict) -> dict:
    """Only the non-zero cells, as {(origin, destination): n}."""
    return {(o, d): n for o, row in step["counts"].items() for d, n in row.items() if n}


def run(**kw) -> dict:
    doc = flows_report(PANEL, period="year", bounds=(10, 100), **kw).to_dict()
    check_identity(doc)
    return doc


class TestHandWorkedPanel:
    def test_first_step(self):
        s = run(acquisitions=DEALS)["results"][0]
        assert s["periods"] == ["2021", "2022", "2023"]
        step = s["steps"][0]
        assert (step["from"], step["to"]) == ("2021", "2022")
        # middle in 2021: A B C F G I (6). A stays, B up, C down, F and I gone (exits), G acquired.
        # D up from small, E down from giant, H enters the middle, J stays a giant.
        assert counts(step) == {
            ("small", "middle"): 1,
            ("middle", "middle"): 1,
            ("middle", "giant"): 1,
            ("middle", "small"): 1,
            ("middle", "exited"): 2,
            ("middle", "acquired"): 1,
            ("giant", "middle"): 1,
            ("giant", "giant"): 1,
            ("entered", "middle"): 1,
        }
        assert step["middle"] == {
            "start": 6,
            "end": 4,  # A D E H
            "entered": 1,
            "from_small": 1,
            "from_giant": 1,
            "to_small": 1,
            "to_giant": 1,
            "exited": 2,
            "acquired": 1,
        }
        assert step["acquired_by"] == {"small": 0, "middle": 0, "giant": 1}  # B is a giant in 2022
        # present at both ends: small {D->m}, middle {A->m, B->g, C->s}, giant {E->m, J->g}
        assert step["persistence"] == {"small": 0.0, "middle": pytest.approx(1 / 3), "giant": 0.5}
        assert step["shorrocks"] == pytest.approx((3 - (0 + 1 / 3 + 1 / 2)) / 2)  # 13/12

    def test_second_step_and_overall(self):
        s = run(acquisitions=DEALS)["results"][0]
        step = s["steps"][1]
        # 2022 -> 2023: nobody changes tier; I comes back (an entrant without carry-forward)
        assert counts(step) == {
            ("small", "small"): 1,
            ("middle", "middle"): 4,
            ("giant", "giant"): 2,
            ("entered", "middle"): 1,
        }
        assert step["shorrocks"] == 0.0
        assert step["persistence"] == {"small": 1.0, "middle": 1.0, "giant": 1.0}
        o = s["overall"]
        assert (o["from"], o["to"]) == ("2021", "2023")
        # 2021 -> 2023: I is middle at both ends, so it stays; G's deal falls in the span
        assert counts(o) == {
            ("small", "middle"): 1,
            ("middle", "middle"): 2,
            ("middle", "giant"): 1,
            ("middle", "small"): 1,
            ("middle", "exited"): 1,
            ("middle", "acquired"): 1,
            ("giant", "middle"): 1,
            ("giant", "giant"): 1,
            ("entered", "middle"): 1,
        }
        assert (o["middle"]["start"], o["middle"]["end"]) == (6, 5)
        assert o["shorrocks"] == pytest.approx((3 - (0 + 2 / 4 + 1 / 2)) / 2)  # 1.0

    def test_without_acquisitions_the_target_is_an_exit(self):
        step = run()["results"][0]["steps"][0]
        assert step["counts"]["middle"]["exited"] == 3 and step["counts"]["middle"]["acquired"] == 0
        assert step["acquired_by"] == {"small": 0, "middle": 0, "giant": 0}

    def test_carry_forward_closes_the_gap(self):
        s = run(acquisitions=DEALS, carry_forward=1)["results"][0]
        first, second = s["steps"]
        # I keeps its 2021 size (30, middle) in 2022; F is carried one period after its last report;
        # G is never carried past its acquisition.
        assert first["counts"]["middle"] == {"small": 1, "middle": 3, "giant": 1, "exited": 0, "acquired": 1}
        assert (first["middle"]["start"], first["middle"]["end"]) == (6, 6)
        assert second["counts"]["middle"] == {"small": 0, "middle": 5, "giant": 0, "exited": 1, "acquired": 0}
        assert second["counts"]["entered"]["middle"] == 0
        assert (second["middle"]["start"], second["middle"]["end"]) == (6, 5)

    def test_from_to_limits_the_span(self):
        s = run(acquisitions=DEALS, from_="2022", to="2023")["results"][0]
        assert s["periods"] == ["2022", "2023"]
        assert len(s["steps"]) == 1 and s["overall"]["counts"] == s["steps"][0]["counts"]

    def test_verdict_says_the_counts_and_the_movements(self):
        v = run(acquisitions=DEALS)["results"][0]["verdict"]
        assert v.startswith(
            "Of 6 middle companies in 2021, 1 grew into a giant, 1 shrank to small, "
            "1 was acquired (1 by a giant) and 1 left the data; 1 entered, 1 grew from small and "
            "1 shrank from giant. The middle went from 6 to 5."
        )
        assert "Shorrocks index 1.00 over 7 companies" in v


def test_value_terms_split_the_middle_share():
    # bounds 10,100 on size; value shares: 2021 A .3 B .1 C .6; 2022 A .2 B .5 C .3
    frame = pd.DataFrame(
        {
            "company": ["A", "B", "C", "A", "B", "C"],
            "year": ["2021"] * 3 + ["2022"] * 3,
            "size": [50, 50, 5, 50, 200, 50],
            "revenue": [30, 10, 60, 20, 50, 30],
        }
    )
    doc = flows_report(frame, period="year", size="size", value="revenue", bounds=(10, 100)).to_dict()
    check_identity(doc)
    v = doc["results"][0]["steps"][0]["middle_value"]
    assert v == pytest.approx(
        {
            "start": 0.4,  # A .3 + B .1
            "end": 0.5,  # A .2 + C .3
            "entered": 0,
            "from_small": 0.3,  # C
            "from_giant": 0,
            "to_small": 0,
            "to_giant": 0.1,  # B
            "exited": 0,
            "acquired": 0,
            "stayers": -0.1,  # A: .3 -> .2
        }
    )


def _reference_counts(rows: dict, a: str, b: str, low: float, high: float) -> dict:
    """Per-company counting with dicts: an independent implementation of one step (no acquisitions)."""

    def tier(x):
        return "small" if x < low else "giant" if x > high else "middle"

    out: dict = {}
    for company in {c for c, _ in rows}:
        before, after = rows.get((company, a)), rows.get((company, b))
        if before is None and after is None:
            continue
        origin = "entered" if before is None else tier(before)
        dest = "exited" if after is None else tier(after)
        out[(origin, dest)] = out.get((origin, dest), 0) + 1
    return out


@pytest.mark.parametrize("seed", range(5))
def test_random_panels_match_a_per_company_count(seed):
    rng = random.Random(seed)
    years = [str(y) for y in range(2015, 2015 + rng.randint(2, 6))]
    rows = {}
    for c in range(rng.randint(5, 60)):
        for y in years:
            if rng.random() < 0.7:
                rows[(f"c{c}", y)] = rng.choice([1, 5, 10, 50, 100, 150, 1000])
    frame = pd.DataFrame([{"company": c, "year": y, "size": v} for (c, y), v in rows.items()])
    doc = flows_report(frame, period="year", bounds=(10, 100)).to_dict()
    check_identity(doc)
    got = doc["results"][0]
    present = sorted({y for _, y in rows})
    for step, (a, b) in zip(got["steps"], zip(present, present[1:])):
        assert counts(step) == _reference_counts(rows, a, b, 10, 100)
    assert counts(got["overall"]) == _reference_counts(rows, present[0], present[-1], 10, 100)


def test_series_by_group_and_data_driven_bounds_pooled():
    frame = pd.DataFrame(
        {
            "company": list("ABCDEF") * 2,
            "country": ["US", "US", "US", "CN", "CN", "CN"] * 2,
            "year": ["2020"] * 6 + ["2021"] * 6,
            "size": [1, 10, 1000, 2, 20, 2000, 1, 1000, 1000, 2, 2, 2000],
        }
    )
    doc = flows_report(frame, period="year", by=["country"]).to_dict()
    check_identity(doc)
    assert [s["group"] for s in doc["results"]] == [{"country": "CN"}, {"country": "US"}]
    assert all(s["method"] == "natural" for s in doc["results"])
    assert doc["results"][0]["bounds"] == doc["results"][1]["bounds"]  # one set of bounds, pooled
    cn, us = doc["results"]
    assert counts(cn["steps"][0]) == {("small", "small"): 1, ("middle", "small"): 1, ("giant", "giant"): 1}
    assert counts(us["steps"][0]) == {("small", "small"): 1, ("middle", "giant"): 1, ("giant", "giant"): 1}


class TestPeriods:
    def test_forms_order_in_time(self):
        assert order_periods(["2024Q1", "2023Q4"]) == ["2023Q4", "2024Q1"]
        assert order_periods(["2024-10", "2024-09", "2023-12"]) == ["2023-12", "2024-09", "2024-10"]
        assert order_periods(["2024-03-15", "2024-03-02"]) == ["2024-03-02", "2024-03-15"]
        assert order_periods(["Mar 2024", "Jan 2024"]) == ["Jan 2024", "Mar 2024"]
        assert order_periods(["2024", "999"]) == ["999", "2024"]

    @pytest.mark.parametrize(
        "labels, said",
        [
            (["early", "late"], "'early', 'late' are not years (2024)"),
            (["2024", "2024Q1"], "they mix years ('2024') and quarters ('2024Q1')"),
            (["2024-03", "Mar 2024"], "'2024-03' and 'Mar 2024' are the same period"),
        ],
    )
    def test_labels_that_do_not_order(self, labels, said):
        with pytest.raises(UsageError, match="period labels do not order") as err:
            order_periods(labels)
        assert said in str(err.value)

    def test_flows_refuses_unordered_labels(self):
        frame = pd.DataFrame({"company": ["A", "A"], "phase": ["pilot", "launch"], "size": [1, 2]})
        with pytest.raises(UsageError, match="'pilot'"):
            flows_report(frame, period="phase", bounds=(10, 100))


def test_one_period_is_not_enough():
    frame = pd.DataFrame({"company": ["A", "B"], "year": ["2024", "2024"], "size": [1, 2]})
    with pytest.raises(InputError, match="at least two periods"):
        flows_report(frame, period="year", bounds=(10, 100))


def test_from_must_come_before_to_and_exist():
    with pytest.raises(UsageError, match="from_ '2023' must come before to '2021'"):
        flows_report(PANEL, period="year", bounds=(10, 100), from_="2023", to="2021")
    with pytest.raises(UsageError, match="to: no period '2030'"):
        flows_report(PANEL, period="year", bounds=(10, 100), to="2030")


def test_acquisitions_need_their_columns_and_dates(tmp_path):
    bad = tmp_path / "deals.csv"
    bad.write_text("acquirer,target,date\nB,G,soon\n", encoding="utf-8")
    with pytest.raises(InputError, match="row 2: date 'soon' is not a date"):
        flows_report(PANEL, period="year", bounds=(10, 100), acquisitions=bad)
    missing = tmp_path / "nodate.csv"
    missing.write_text("acquirer,target\nB,G\n", encoding="utf-8")
    with pytest.raises(UsageError, match="no column 'date'"):
        flows_report(PANEL, period="year", bounds=(10, 100), acquisitions=missing)


def test_an_unknown_target_is_a_warning(tmp_path):
    deals = tmp_path / "deals.csv"
    deals.write_text("acquirer,target,date\nB,G,2022-06-01\nB,Nobody,2022-01-01\n", encoding="utf-8")
    doc = flows_report(PANEL, period="year", bounds=(10, 100), acquisitions=deals).to_dict()
    assert any("1 target(s) not in the data" in w and "'Nobody'" in w for w in doc["warnings"])


def test_carry_forward_rows_fill_up_to_the_limit():
    import numpy as np

    # company 0 reports in periods 0 and 4 (a gap of 3), company 1 in period 1 only; 6 periods, limit 2
    take, pidx, carried = carry_forward_rows(np.array([0, 0, 1]), np.array([0, 4, 1]), 6, 2)
    assert list(zip(take.tolist(), pidx.tolist(), carried.tolist())) == [
        (0, 0, False),
        (0, 1, True),
        (0, 2, True),
        (1, 4, False),
        (1, 5, True),
        (2, 1, False),
        (2, 2, True),
        (2, 3, True),
    ]
    # an acquisition in period 2 stops company 1's carry before it
    take, pidx, _ = carry_forward_rows(np.array([0]), np.array([0]), 6, 5, stop=np.array([2]))
    assert pidx.tolist() == [0, 1]


def test_negative_carry_forward_is_refused():
    with pytest.raises(UsageError, match="carry_forward must be 0 or more"):
        flows_report(PANEL, period="year", bounds=(10, 100), carry_forward=-1)


def test_shorrocks_needs_every_tier_and_few_companies_are_called_few():
    # no giant at the start: P has an empty row, so there is no index; giant persistence is null
    frame = pd.DataFrame(
        {"company": ["A", "B", "A", "B"], "year": ["2020", "2020", "2021", "2021"], "size": [5, 50, 50, 500]}
    )
    doc = flows_report(frame, period="year", bounds=(10, 100)).to_dict()
    check_identity(doc)
    step = doc["results"][0]["steps"][0]
    assert step["shorrocks"] is None
    assert step["persistence"] == {"small": 0.0, "middle": 0.0, "giant": None}
    assert "Shorrocks" not in doc["results"][0]["verdict"]
    assert (
        "With 1 middle company at the start these are counts of a handful of companies"
        in (doc["results"][0]["verdict"])
    )
