"""The library's surface (issue 18, 20): report functions take the CLI options' names as
keywords, unknown ones are a clear TypeError, the option types are exported, ``dir(aistruct)``
lists the public names, and every report has ``to_frame()`` beside ``to_dict()``."""

from __future__ import annotations

import math

import pytest

import aistruct
from aistruct import (
    TierOptions,
    concentration_report,
    flows_report,
    merger_report,
    tiers_report,
    trend_report,
    validate_files,
)

MAU = "datasets/ai_app_mau_cn_2025-03.csv"
#: The four apps' monthly active users (DeepSeek, Doubao, Tencent Yuanbao, Kimi), as in the file.
MAU_VALUES = [194_000_000, 116_000_000, 41_640_000, 18_200_000]


@pytest.fixture(autouse=True)
def _at_root(monkeypatch):
    from conftest import ROOT

    monkeypatch.chdir(ROOT)


def test_tier_options_as_keywords():
    # issue 18, 20: this raised TypeError from MarketSpec.__init__
    by_keyword = tiers_report("dataset:frontier_lab_staff", preset="headcount", agg="max")
    by_object = tiers_report("dataset:frontier_lab_staff", options=TierOptions(preset="headcount"), agg="max")
    assert by_keyword.results[0]["method"] == "preset:headcount"
    assert by_keyword.to_dict()["results"] == by_object.to_dict()["results"]


def test_read_options_as_keywords():
    report = concentration_report(MAU, entity="app", encoding="utf-8", input_format="csv")
    assert report.to_dict()["input"]["value"] == "mau"


@pytest.mark.parametrize(
    "call",
    [
        lambda **kw: concentration_report("no-such.csv", **kw),
        lambda **kw: tiers_report("no-such.csv", **kw),
        lambda **kw: trend_report("no-such.csv", period="year", **kw),
        lambda **kw: flows_report("no-such.csv", period="year", **kw),
        lambda **kw: merger_report("no-such.csv", acquirer="A", targets="B", **kw),
        lambda **kw: validate_files(["no-such.csv"], **kw),
    ],
    ids=["concentration", "tiers", "trend", "flows", "merge", "validate"],
)
def test_an_unknown_keyword_names_the_valid_ones(call):
    with pytest.raises(TypeError) as exc:
        call(prest="headcount")  # before anything is read: the file does not exist
    message = str(exc.value)
    assert "unexpected keyword argument 'prest'" in message
    assert "MarketSpec" not in message and "__init__" not in message
    valid = message.split("valid keywords: ")[1].split(", ")
    assert "encoding" in valid and valid == sorted(valid)


def test_tiers_lists_its_tier_options_among_the_valid_keywords():
    with pytest.raises(TypeError, match=r"valid keywords: .*\bbounds\b.*\bpreset\b"):
        tiers_report("no-such.csv", bogus=1)


def test_option_types_are_exported_and_listed():
    for name in ("TierOptions", "ValidateOptions", "ReadOptions", "MarketSpec", "Acquisitions", "ValidationReport"):
        assert name in aistruct.__all__
        assert getattr(aistruct, name).__name__ == name
    listed = dir(aistruct)
    assert set(aistruct.__all__) <= set(listed)
    assert "tiers_report" in listed and "concentration_report" in listed


def _hhi(values):
    total = sum(values)
    return sum((v / total) ** 2 for v in values) * 10_000


def test_concentration_to_frame():
    frame = concentration_report(MAU, entity="app").to_frame()
    assert len(frame) == 1
    assert math.isclose(frame.loc[0, "hhi"], _hhi(MAU_VALUES), rel_tol=1e-12)
    assert math.isclose(frame.loc[0, "cr_1"], 194 / 369.84, rel_tol=1e-12)


def test_grouped_frame_has_one_row_per_group():
    report = concentration_report("tests/fixtures/merge_by_market.csv", entity="company", value="users", by=["market"])
    frame = report.to_frame()
    assert list(frame["group_market"]) == [r["group"]["market"] for r in report.results]


def test_merger_to_frame():
    frame = merger_report(MAU, entity="app", value="mau", acquirer="Doubao", targets="Kimi").to_frame()
    total = sum(MAU_VALUES)
    # ΔHHI of a two-party deal = 2 · s_a · s_b · 10,000
    assert math.isclose(frame.loc[0, "delta_hhi"], 2 * (116e6 / total) * (18.2e6 / total) * 1e4, rel_tol=1e-9)
    # post-merger HHI ~4,195 > 1,800 and ΔHHI ~309 > 100: the 2023 US guidelines presume harm
    assert bool(frame.loc[0, "verdicts_us-2023_flag"]) is True


def test_tiers_trend_flows_to_frame():
    assert len(tiers_report("dataset:frontier_lab_staff", preset="headcount", agg="max").to_frame()) == 1
    trend = trend_report("tests/fixtures/funding_by_year.csv", period="year", min_n=1)
    assert len(trend.to_frame()) == len(trend.results)
    flows = flows_report("tests/fixtures/flows_panel.csv", period="year", bounds="10,100")
    assert len(flows.to_frame()) == len(flows.results)


def test_validation_to_frame_has_one_row_per_check():
    report = validate_files([MAU], entity="app", value="mau")
    frame = report.to_frame()
    assert len(frame) == len(report.checks) > 0
    assert set(frame["status"]) <= {"pass", "warn", "fail"}
