"""aistruct.guidelines: the bands of each guideline text, at and around every threshold.

The thresholds are the texts' own: US 2023 Merger Guidelines §2.1 ("greater than
1,800" highly concentrated; 1,000 to 1,800 moderately), US 2010 Horizontal Merger
Guidelines §5.3 (below 1,500 unconcentrated; 1,500 to 2,500 moderately; above 2,500
highly), EU Horizontal Merger Guidelines ¶19-20 (below 1,000; 1,000 to 2,000; above 2,000).
"""

from __future__ import annotations

import pytest

from aistruct.guidelines import GUIDELINE_BANDS, GUIDELINES, band, guideline_verdict

LOW, MID, HIGH = "unconcentrated", "moderately concentrated", "highly concentrated"


@pytest.mark.parametrize(
    "guidelines, low, high",
    [("us-2023", 1000, 1800), ("us-2010", 1500, 2500), ("eu", 1000, 2000)],
)
def test_bands_follow_the_texts_at_each_threshold(guidelines, low, high):
    assert GUIDELINE_BANDS[guidelines] == (low, high)
    assert band(low - 0.001, guidelines) == LOW
    assert band(low, guidelines) == MID  # "from ... to" includes the threshold
    assert band(high, guidelines) == MID
    assert band(high + 0.001, guidelines) == HIGH  # "more than"
    assert band(0, guidelines) == LOW and band(10_000, guidelines) == HIGH


def test_rounding_noise_does_not_cross_a_threshold():
    assert band(1800.0000000003) == MID  # an exact 1,800 market computed with float noise


def test_the_guideline_names_are_the_option_values():
    assert GUIDELINES == ("us-2023", "us-2010", "eu")


def test_an_unknown_guideline_is_a_value_error():
    with pytest.raises(ValueError, match="unknown guidelines 'uk'"):
        band(1000, "uk")


def test_us_2023_presumption_needs_both_a_high_market_and_a_delta_over_100():
    # post 1,900 (> 1,800) and delta 150 (> 100): presumed; delta exactly 100 is not "more than 100"
    assert guideline_verdict("us-2023", 1900, 150, 0.2)["flag"] != guideline_verdict("us-2023", 1900, 100, 0.2)["flag"]
    # a merged share over 30% with delta > 100 is presumed even in a moderate market
    shared = guideline_verdict("us-2023", 1500, 150, 0.31)
    assert shared["flag"] == guideline_verdict("us-2023", 1900, 150, 0.2)["flag"]
