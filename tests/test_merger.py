"""Library tests of aistruct.merger: hand-computed markets, every guideline boundary, scenarios."""

import math

import pandas as pd
import pytest
from conftest import FIXTURES
from hypothesis import given, settings
from hypothesis import strategies as st

from aistruct import metrics
from aistruct.errors import InputError, UsageError
from aistruct.guidelines import guideline_verdict, parse_guidelines
from aistruct.markets import MarketSpec, prepare_markets
from aistruct.merger import (
    Deal,
    MarketState,
    NameIndex,
    delta_hhi,
    merge_values,
    merger_of_markets,
    merger_report,
    read_scenarios,
)
from aistruct.reader import load_table

DOJ = (["Alpha", "Bravo", "Charlie", "Delta"], [30, 30, 20, 20])


def finding(g, post, delta, share):
    return guideline_verdict(g, post, delta, share)["finding"]


# ---------------------------------------------------------------- figures on hand-computed markets


def test_doj_example_one_target():
    # Shares 30/30/20/20: pre = 900+900+400+400 = 2,600 (DOJ HHI page);
    # Alpha (30) buys Charlie (20): delta = 2*30*20 = 1,200 exactly, post = 50^2+30^2+20^2 = 3,800.
    r = merge_values(*DOJ, "Alpha", "Charlie")
    assert r["pre_hhi"] == pytest.approx(2600, abs=1e-9)
    assert r["delta_hhi"] == 1200.0  # exact arithmetic, not 1199.9999999
    assert r["post_hhi"] == pytest.approx(3800, abs=1e-9)
    assert r["merged_share"] == 0.5
    # Alpha ties Bravo for first: both rank 1; the merged firm (50) is first alone.
    assert (r["rank_before"], r["rank_after"]) == (1, 1)
    # Four firms before, three after: CR4 is 100% both times.
    assert (r["cr4_before"], r["cr4_after"]) == (1.0, 1.0)
    assert [p["share"] for p in r["parties"]] == [0.3, 0.2]


def test_small_firms_merge_rank_and_cr4():
    # Shares 25,20,15,10,9,8,7,6 (sum 100). pre = 625+400+225+100+81+64+49+36 = 1,580.
    # The two smallest (7 buys 6): delta = 2*7*6 = 84, post = 1,664, merged 13%.
    names = list("ABCDEFGH")
    r = merge_values(names, [25, 20, 15, 10, 9, 8, 7, 6], "G", "H")
    assert r["delta_hhi"] == 84.0
    assert r["pre_hhi"] == pytest.approx(1580, abs=1e-9)
    assert r["post_hhi"] == pytest.approx(1664, abs=1e-9)
    assert r["merged_share"] == pytest.approx(0.13, abs=1e-15)
    # G was 7th; 13 is now 4th (behind 25, 20, 15). CR4 70% -> 25+20+15+13 = 73%.
    assert (r["rank_before"], r["rank_after"]) == (7, 4)
    assert r["cr4_before"] == pytest.approx(0.70, abs=1e-12)
    assert r["cr4_after"] == pytest.approx(0.73, abs=1e-12)
    v = r["verdicts"]
    assert v["us-2023"]["finding"] == "no presumption"  # delta 84 is not more than 100
    assert v["us-2010"]["finding"] == "unlikely"  # delta < 100
    assert v["eu"]["finding"] == "unlikely"  # 1,664 in 1,000-2,000 and delta 84 < 250


def test_multi_target_delta_is_post_minus_pre():
    # 40 buys both 10s in 40/20/20/10/10: pre = 1600+400+400+100+100 = 2,600;
    # post = 60^2+20^2+20^2 = 4,400; delta = (60^2 - (40^2+10^2+10^2)) = 1,800
    # = 2(40*10 + 40*10 + 10*10), the pairwise form.
    names = ["Big", "M1", "M2", "S1", "S2"]
    r = merge_values(names, [40, 20, 20, 10, 10], "Big", ["S1", "S2"])
    assert r["delta_hhi"] == 1800.0
    assert r["post_hhi"] == pytest.approx(4400, abs=1e-9)
    assert r["merged_share"] == pytest.approx(0.6)
    assert r["targets"] == ["S1", "S2"]
    assert r["post_hhi"] == pytest.approx(metrics.hhi([60, 20, 20]), abs=1e-9)


def test_delta_hhi_exact_for_decimal_values():
    # Values that are not exact in binary still give one rounding: 2*0.3*0.2/1^2*1e4 = 1,200.
    assert delta_hhi([0.3, 0.2], 0.3 + 0.3 + 0.2 + 0.2) == pytest.approx(1200, abs=1e-9)
    with pytest.raises(ValueError):
        delta_hhi([1, 2], 0)


def test_huge_values_do_not_overflow():
    # 6e307+6e307+4e307+4e307 overflows a float sum; shares are still 30/30/20/20.
    r = merge_values(DOJ[0], [6e307, 6e307, 4e307, 4e307], "Alpha", "Charlie")
    assert r["delta_hhi"] == pytest.approx(1200, rel=1e-12)
    assert r["post_hhi"] == pytest.approx(3800, rel=1e-12)
    assert r["parties"][0]["value"] == 6e307


def test_zero_valued_target_changes_nothing():
    r = merge_values(["A", "B", "C"], [50, 50, 0], "A", "C")
    assert r["delta_hhi"] == 0.0
    assert r["post_hhi"] == pytest.approx(r["pre_hhi"])
    assert r["verdicts"]["us-2023"]["flag"] is False


def test_zero_total_market_has_null_figures():
    state = MarketState(["A", "B"], [0, 0])
    r = state.evaluate(Deal("A", ("B",)))
    assert r["status"] == "zero total"
    assert r["delta_hhi"] is None and r["post_hhi"] is None
    assert all(v["flag"] is None for v in r["verdicts"].values())


# ---------------------------------------------------------------- US 2023 boundaries


@pytest.mark.parametrize(
    "post, delta, share, expected",
    [
        (1800, 101, 0.20, "no presumption"),  # exactly 1,800 is not "greater than 1,800"
        (1800.01, 101, 0.20, "presumption"),
        (2500, 100, 0.20, "no presumption"),  # exactly 100 is not "more than 100"
        (2500, 100.01, 0.20, "presumption"),
        (1000, 101, 0.30, "no presumption"),  # exactly 30% is not "over thirty percent"
        (1000, 101, 0.3001, "presumption"),  # the 30% share rule alone
        (1000, 100, 0.90, "no presumption"),  # share rule also needs delta > 100
        (1799.9999999997, 150, 0.10, "no presumption"),  # float noise around 1,800 reads as 1,800
        (1800.0000000003, 150, 0.10, "no presumption"),
        (2500, 100.0000000001, 0.10, "no presumption"),  # ... and around 100
        (1000, 150, 0.30000000000000004, "no presumption"),  # ... and around 30%
    ],
)
def test_us2023_boundaries(post, delta, share, expected):
    v = guideline_verdict("us-2023", post, delta, share)
    assert v["finding"] == expected
    assert v["flag"] is (expected == "presumption")


def test_us2023_texts_follow_the_rule_that_fired():
    by_share = guideline_verdict("us-2023", 1000, 300, 0.31)
    assert "thirty percent" in by_share["text"] and "1,800" not in by_share["text"]
    assert "31% > 30%" in by_share["reason"]
    by_hhi = guideline_verdict("us-2023", 3000, 300, 0.2)
    assert "greater than 1,800" in by_hhi["text"] and "thirty percent" not in by_hhi["text"]
    assert by_hhi["band"] == "highly concentrated"
    assert guideline_verdict("us-2023", 1800, 300, 0.2)["band"] == "moderately concentrated"


# ---------------------------------------------------------------- US 2010 boundaries


@pytest.mark.parametrize(
    "post, delta, expected",
    [
        (3000, 99.99, "unlikely"),  # "less than 100 points": small change, any band
        (1499.99, 150, "unlikely"),  # below 1,500: unconcentrated
        (1500, 150, "concerns"),  # 1,500 is "between 1500 and 2500": moderately concentrated
        (2000, 100, "threshold not exceeded"),  # exactly 100: neither less than nor more than 100
        (2000, 100.01, "concerns"),
        (2500, 250, "concerns"),  # 2,500 is still moderately concentrated: no presumption
        (2500.01, 100, "concerns"),  # highly concentrated, "between 100 points and 200 points" includes 100
        (2500.01, 200, "concerns"),  # ... and 200
        (2500.01, 200.01, "presumption"),  # "more than 200 points"
        (1499.9999999998, 150, "concerns"),  # float noise: reads as 1,500
        (2500.0000000004, 300, "concerns"),  # float noise: reads as 2,500
    ],
)
def test_us2010_boundaries(post, delta, expected):
    v = guideline_verdict("us-2010", post, delta, 0.2)
    assert v["finding"] == expected
    assert v["flag"] is (expected in ("concerns", "presumption"))


def test_us2010_bands():
    assert guideline_verdict("us-2010", 1500, 50, 0.1)["band"] == "moderately concentrated"
    assert guideline_verdict("us-2010", 2500, 50, 0.1)["band"] == "moderately concentrated"
    assert guideline_verdict("us-2010", 2500.01, 50, 0.1)["band"] == "highly concentrated"
    assert guideline_verdict("us-2010", 1499.99, 50, 0.1)["band"] == "unconcentrated"
    assert "more than 200 points" in guideline_verdict("us-2010", 3000, 300, 0.5)["text"]


# ---------------------------------------------------------------- EU boundaries


@pytest.mark.parametrize(
    "post, delta, expected",
    [
        (999.99, 5000, "unlikely"),  # "below 1 000" (paragraph 19), whatever the delta
        (1000, 249.99, "unlikely"),  # 1,000 is "between 1 000 and 2 000"; delta "below 250"
        (1000, 250, "examination"),  # 250 is not below 250
        (2000, 249.99, "unlikely"),  # 2,000 is still "between 1 000 and 2 000"
        (2000, 150, "unlikely"),  # ... so the 150 rule does not apply to it
        (2000.01, 149.99, "unlikely"),  # "above 2 000" and "below 150"
        (2000.01, 150, "examination"),
        (1999.9999999997, 200, "unlikely"),  # float noise: reads as 2,000
    ],
)
def test_eu_boundaries(post, delta, expected):
    v = guideline_verdict("eu", post, delta, 0.2)
    assert v["finding"] == expected
    assert v["flag"] is (expected == "examination")


def test_eu_texts():
    assert "below 1 000" in guideline_verdict("eu", 900, 10, 0.1)["text"]
    assert "delta below 250" in guideline_verdict("eu", 1500, 10, 0.1)["text"]
    assert "do not give rise to a presumption" in guideline_verdict("eu", 3000, 400, 0.4)["text"]


def test_unknown_guideline():
    with pytest.raises(ValueError):
        guideline_verdict("uk", 1, 1, 0.1)
    with pytest.raises(UsageError):
        parse_guidelines("uk")
    assert parse_guidelines("all") == ("us-2023", "us-2010", "eu")
    assert parse_guidelines("eu,us-2023") == ("us-2023", "eu")


# ---------------------------------------------------------------- boundaries end to end


def test_market_exactly_at_1800_and_30_percent():
    # 20,10,20,10,10,10,10,10 (sum 100): pre = 400+100+400+5*100 = 1,400.
    # The first 20 buys the first 10: post 30,20,10x5 = 900+400+500 = 1,800 exactly;
    # delta = 2*20*10 = 400 > 100; merged share 30% exactly. Neither presumption fires.
    names = list("ABCDEFGH")
    r = merge_values(names, [20, 10, 20, 10, 10, 10, 10, 10], "A", "B")
    assert r["delta_hhi"] == 400.0
    assert r["post_hhi"] == pytest.approx(1800, abs=1e-9)
    assert r["merged_share"] == 0.3
    assert r["verdicts"]["us-2023"]["finding"] == "no presumption"
    assert r["verdicts"]["us-2010"]["finding"] == "concerns"  # 1,800 in 1,500-2,500 and 400 > 100
    assert r["verdicts"]["eu"]["finding"] == "examination"  # 1,800 in 1,000-2,000 and 400 >= 250


def test_market_at_1800_in_float_values():
    # The same market in tenths: 0.2, 0.1, ... sum to 1 only approximately in binary.
    names = list("ABCDEFGH")
    r = merge_values(names, [0.2, 0.1, 0.2, 0.1, 0.1, 0.1, 0.1, 0.1], "A", "B")
    assert r["post_hhi"] == pytest.approx(1800, abs=1e-6)
    assert r["verdicts"]["us-2023"]["flag"] is False


def test_share_rule_alone_and_at_exactly_30_percent():
    # 25 buys 6 among 69 firms of 1: merged 31%, delta = 2*25*6 = 300,
    # pre = 625+36+69 = 730, post = 31^2+69 = 1,030 (<= 1,800): only the share rule fires.
    names = ["Acq", "Tgt"] + [f"f{i}" for i in range(69)]
    r = merge_values(names, [25, 6] + [1] * 69, "Acq", "Tgt")
    assert r["delta_hhi"] == 300.0
    assert r["post_hhi"] == pytest.approx(1030, abs=1e-9)
    v = r["verdicts"]["us-2023"]
    assert v["finding"] == "presumption" and "thirty percent" in v["text"] and "1,800" not in v["text"]
    assert r["verdicts"]["us-2010"]["finding"] == "unlikely"  # 1,030 < 1,500
    assert r["verdicts"]["eu"]["finding"] == "examination"  # 1,030 in 1,000-2,000, 300 >= 250
    # 24 buys 6 among 70 firms of 1: merged exactly 30%, delta 288, post 900+70 = 970: no presumption.
    names = ["Acq", "Tgt"] + [f"f{i}" for i in range(70)]
    r = merge_values(names, [24, 6] + [1] * 70, "Acq", "Tgt")
    assert r["merged_share"] == 0.3 and r["delta_hhi"] == 288.0
    assert r["verdicts"]["us-2023"]["finding"] == "no presumption"


def test_delta_exactly_100_in_highly_concentrated_market():
    # 45/40/10/5: 10 buys 5, delta = 2*10*5 = 100; pre 2025+1600+100+25 = 3,750, post 3,850.
    r = merge_values(["A", "B", "C", "D"], [45, 40, 10, 5], "C", "D")
    assert r["delta_hhi"] == 100.0
    v = r["verdicts"]
    assert v["us-2023"]["finding"] == "no presumption"  # 100 is not more than 100
    assert v["us-2010"]["finding"] == "concerns"  # between 100 and 200 points, inclusive
    assert v["eu"]["finding"] == "unlikely"  # above 2,000 with delta 100 < 150


# ---------------------------------------------------------------- names


def test_names_exact_then_case_insensitive():
    idx = NameIndex(["Kimi", "Doubao", "DeepSeek"])
    assert idx.resolve("Kimi", "--target") == "Kimi"
    assert idx.resolve("  kimi ", "--target") == "Kimi"
    with pytest.raises(UsageError, match=r"did you mean 'DeepSeek'"):
        idx.resolve("Deepseak", "--acquirer")
    with pytest.raises(UsageError, match="several companies"):
        NameIndex(["Kimi", "KIMI"]).resolve("kimi", "--target")
    # An exact spelling wins even when a case variant exists.
    assert NameIndex(["Kimi", "KIMI"]).resolve("KIMI", "--target") == "KIMI"


def test_acquirer_equal_to_target_and_repeated_target():
    with pytest.raises(UsageError, match="same company"):
        merge_values(*DOJ, "Alpha", "alpha")
    with pytest.raises(UsageError, match="named twice"):
        merge_values(*DOJ, "Alpha", ["Bravo", "bravo"])


# ---------------------------------------------------------------- scenarios and roll-ups


def _markets(frame, **spec):
    return prepare_markets(load_table(frame), MarketSpec(**spec))


def test_scenarios_each_against_baseline_sorted_by_delta():
    m = _markets(FIXTURES / "doj_30_30_20_20.csv")
    deals = [
        Deal("Charlie", ("Delta",), "small pair"),  # 2*20*20 = 800
        Deal("Alpha", ("Charlie",), "first"),  # 2*30*20 = 1,200
        Deal("Bravo", ("Delta",), "second"),  # 2*30*20 = 1,200 (tie keeps input order)
        Deal("Alpha", ("Bravo",), "top two"),  # 2*30*30 = 1,800
    ]
    rep = merger_of_markets(m, deals, scenarios="x.csv")
    assert rep.mode == "scenarios"
    assert [r["scenario"] for r in rep.results] == ["top two", "first", "second", "small pair"]
    assert [r["delta_hhi"] for r in rep.results] == [1800.0, 1200.0, 1200.0, 800.0]
    # Every deal starts from the same baseline.
    assert {round(r["pre_hhi"], 6) for r in rep.results} == {2600.0}


def test_sequential_roll_up_cumulative_path():
    m = _markets(FIXTURES / "doj_30_30_20_20.csv")
    deals = [Deal("Alpha", ("Charlie",)), Deal("Alpha", ("Delta",))]
    rep = merger_of_markets(m, deals, sequential=True, scenarios="x.csv")
    s1, s2 = rep.results
    # Step 1: 30+20 -> 2,600 to 3,800. Step 2 in the market 50/30/20: delta = 2*50*20 = 2,000,
    # post = 70^2 + 30^2 = 5,800; cumulative 5,800 - 2,600 = 3,200.
    assert (s1["step"], s2["step"]) == (1, 2)
    assert s1["delta_hhi"] == 1200.0 and s2["delta_hhi"] == 2000.0
    assert s2["pre_hhi"] == pytest.approx(3800, abs=1e-9)
    assert s2["post_hhi"] == pytest.approx(5800, abs=1e-9)
    assert s2["cumulative_delta_hhi"] == pytest.approx(3200, abs=1e-9)
    assert s2["merged_share"] == pytest.approx(0.7)
    assert s2["n"] == 3 and s2["cr4_after"] == 1.0
    assert s2["parties"][0]["value"] == 50.0  # the acquirer after step 1


def test_sequential_rejects_an_absorbed_company():
    m = _markets(FIXTURES / "doj_30_30_20_20.csv")
    with pytest.raises(UsageError, match="already acquired in step 1"):
        merger_of_markets(m, [Deal("Alpha", ("Charlie",)), Deal("Bravo", ("Charlie",))], sequential=True)


def test_sequential_cr4_and_rank_in_larger_market():
    # 30,25,15,10,8,7,5: A=7 buys 8 -> 15 (ties C at rank 3), then buys 10 -> 25 (ties rank 2).
    names = ["G1", "G2", "M1", "S1", "S2", "S3", "S4"]
    frame = pd.DataFrame({"company": names, "value": [30, 25, 15, 10, 8, 7, 5]})
    m = _markets(frame)
    rep = merger_of_markets(m, [Deal("S3", ("S2",)), Deal("S3", ("S1",))], sequential=True)
    s1, s2 = rep.results
    assert (s1["rank_before"], s1["rank_after"]) == (6, 3)
    assert (s2["rank_before"], s2["rank_after"]) == (3, 2)
    # CR4: 30+25+15+10 = 80% -> after step 1 30+25+15+15 = 85% -> after step 2 30+25+25+15 = 95%.
    assert s1["cr4_before"] == pytest.approx(0.80) and s1["cr4_after"] == pytest.approx(0.85)
    assert s2["cr4_before"] == pytest.approx(0.85) and s2["cr4_after"] == pytest.approx(0.95)
    assert s2["post_hhi"] == pytest.approx(metrics.hhi([30, 25, 25, 15, 5]), abs=1e-9)


def test_by_market_absent_party_and_zero_market(tmp_path):
    frame = pd.DataFrame(
        {
            "market": ["chat", "chat", "chat", "image", "image", "video", "video"],
            "company": ["A", "B", "C", "A", "C", "A", "B"],
            "users": [50, 30, 20, 60, 40, 0, 0],
        }
    )
    rep = merger_of_markets(_markets(frame, by=["market"]), [Deal("A", ("B",))])
    chat, image, video = rep.results
    assert chat["group"] == {"market": "chat"} and chat["delta_hhi"] == 3000.0  # 2*50*30
    # B is absent from "image": it counts as 0, the deal changes nothing there.
    assert image["delta_hhi"] == 0.0 and image["merged_share"] == pytest.approx(0.6)
    assert image["parties"][1]["present"] is False and image["parties"][1]["share"] is None
    assert video["status"] == "zero total" and video["post_hhi"] is None
    assert any("'B' not in this market" in w for w in rep.warnings)
    assert any("total of 0" in w for w in rep.warnings)


def test_absent_acquirer_enters_with_the_target():
    frame = pd.DataFrame({"m": ["x", "x", "y", "y"], "c": ["A", "B", "B", "C"], "v": [60, 40, 10, 90]})
    rep = merger_of_markets(_markets(frame, by=["m"]), [Deal("A", ("B",))])
    y = rep.results[1]
    assert y["rank_before"] is None and y["rank_after"] == 2 and y["delta_hhi"] == 0.0


def test_read_scenarios(tmp_path):
    p = tmp_path / "s.csv"
    p.write_text("Acquirer,TARGET,name\nA,B,first\nC,D,\n", encoding="utf-8")
    deals = read_scenarios(str(p))
    assert [(d.acquirer, d.targets, d.name) for d in deals] == [("A", ("B",), "first"), ("C", ("D",), None)]
    p.write_text("acquirer,target\nA,\n", encoding="utf-8")
    with pytest.raises(InputError, match="row 2: the target cell is blank"):
        read_scenarios(str(p))
    p.write_text("buyer,target\nA,B\n", encoding="utf-8")
    with pytest.raises(UsageError, match="no column 'acquirer'"):
        read_scenarios(str(p))


def test_merger_report_options():
    with pytest.raises(UsageError, match="^sequential needs scenarios FILE$"):
        merger_report(FIXTURES / "doj_30_30_20_20.csv", acquirer="Alpha", targets="Bravo", sequential=True)
    with pytest.raises(UsageError, match=r"^give acquirer NAME and at least one targets NAME \(or scenarios FILE\)$"):
        merger_report(FIXTURES / "doj_30_30_20_20.csv", acquirer="Alpha")
    rep = merger_report(str(FIXTURES / "doj_30_30_20_20.csv"), acquirer="alpha", targets="bravo", guidelines="us-2010")
    r = rep.results[0]
    assert r["acquirer"] == "Alpha" and r["delta_hhi"] == 1800.0
    assert list(r["verdicts"]) == ["us-2010"]
    assert rep.to_dict()["mode"] == "single"


# ---------------------------------------------------------------- property: shortcuts agree with recomputation


@settings(max_examples=60, deadline=None)
@given(
    values=st.lists(st.integers(min_value=0, max_value=10_000), min_size=2, max_size=12),
    data=st.data(),
)
def test_fast_figures_match_recomputing_the_post_market(values, data):
    if sum(values) == 0:
        values[0] = 1
    names = [f"c{i}" for i in range(len(values))]
    parties = data.draw(st.lists(st.sampled_from(names), min_size=2, max_size=min(4, len(names)), unique=True))
    r = merge_values(names, values, parties[0], parties[1:])
    idx = [names.index(p) for p in parties]
    merged = sum(values[i] for i in idx)
    post = [v for i, v in enumerate(values) if i not in idx] + [merged]
    assert r["post_hhi"] == pytest.approx(metrics.hhi(post), abs=1e-7)
    assert r["delta_hhi"] == pytest.approx(metrics.hhi(post) - metrics.hhi(values), abs=1e-7)
    assert r["cr4_after"] == pytest.approx(metrics.concentration_ratios(post, (4,))["4"], abs=1e-12)
    assert r["rank_after"] == 1 + sum(v > merged for v in post)
    assert r["merged_share"] == pytest.approx(merged / sum(values), rel=1e-15)
    assert math.isclose(r["pre_hhi"], metrics.hhi(values))


# ---------------------------------------------------------------- the market's arrays against plain dicts


def _reference_steps(names, values, deals):
    """A plain-dict model of a market through sequential deals (insertion order = market order):
    before each deal, n, the 12 largest (stable, largest first), ranks, CR4 after and the parties."""
    vals = {n: float(v) for n, v in zip(names, values)}
    orig = dict(vals)
    total = math.fsum(vals.values())
    out = []
    for d in deals:
        ranked = sorted(vals.items(), key=lambda kv: -kv[1])
        present = [n for n in (d.acquirer, *d.targets) if n in vals]
        merged = math.fsum(vals[n] for n in present)
        after = [v for n, v in vals.items() if n not in present] + ([merged] if present else [])
        cr4 = 1.0 if len(after) <= 4 else min(max(math.fsum(sorted(after, reverse=True)[:4]) / total, 0.0), 1.0)

        def rank(v):
            return 1 + sum(1 for x in vals.values() if x > v)

        out.append(
            {
                "n": len(vals),
                "largest": [(n, v / total) for n, v in ranked[:12]],
                "rank_before": rank(vals[d.acquirer]) if d.acquirer in vals else None,
                "rank_after": rank(merged) if present else None,
                "cr4_after": cr4,
                "parties": [(n, n in vals, orig.get(n) if n in vals else None) for n in (d.acquirer, *d.targets)],
            }
        )
        if present:
            orig_merged = math.fsum(orig[n] for n in present)
            for t in d.targets:
                vals.pop(t, None)
                orig.pop(t, None)
            vals[d.acquirer] = merged
            orig[d.acquirer] = orig_merged
    return out


def test_market_state_arrays_match_plain_dicts_through_sequential_deals():
    import numpy as np

    rng = np.random.default_rng(1901)
    for trial in range(150):
        n = int(rng.integers(1, 40))
        names = [f"c{i:02d}" for i in rng.permutation(n)]
        values = rng.integers(0, 6, n).astype(float) if trial % 2 else np.round(rng.lognormal(3, 2, n), 1)
        if not values.max() > 0:
            values[0] = 1.0
        pool = names + ["out1", "out2", "out3"]  # companies not in the market
        deals, gone = [], set()
        for _ in range(int(rng.integers(1, 6))):
            free = [p for p in pool if p not in gone]
            if len(free) < 2:
                break
            pick = rng.choice(len(free), size=min(len(free), int(rng.integers(2, 4))), replace=False)
            acq, *targets = [free[i] for i in pick]
            deals.append(Deal(acq, tuple(targets)))
            gone.update(targets)
        ref = _reference_steps(names, values, deals)
        state = MarketState(pd.Series(names, dtype="str"), values)
        for d, want in zip(deals, ref):
            r = state.evaluate(d)
            assert r["n"] == want["n"]
            assert state.largest(12) == want["largest"]
            assert (r["rank_before"], r["rank_after"]) == (want["rank_before"], want["rank_after"])
            assert r["cr4_after"] == want["cr4_after"]
            assert [(p["entity"], p["present"], p["value"]) for p in r["parties"]] == want["parties"]
            state.apply(d)


def test_name_index_finds_names_in_a_column_in_batches():
    idx = NameIndex(pd.Series(["Kimi", "Doubao", "KIMI", "DeepSeek"], dtype="str"))
    idx.prime(["Doubao", "nobody"])
    assert "Doubao" in idx and "nobody" not in idx and "DeepSeek" in idx
    assert idx.resolve("doubao", "--target") == "Doubao"
    assert idx.names == ["DeepSeek", "Doubao", "KIMI", "Kimi"]
    assert NameIndex([1, 2]).resolve("2", "--target") == "2"
