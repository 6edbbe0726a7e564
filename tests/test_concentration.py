"""aistruct.concentration as a library: the same keywords as the CLI, hand-computed figures."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from aistruct import concentration_report
from aistruct.errors import UsageError

FRAME = pd.DataFrame(
    {
        "company": ["A", "B", "C", "D", "A", "B"],
        "v": [30, 30, 20, 20, 50, 50],
        "year": [2024, 2024, 2024, 2024, 2025, 2025],
    }
)


def test_one_result_per_group_with_hand_computed_figures():
    report = concentration_report(FRAME, entity="company", value="v", by=["year"], top=[1, 2], show=2)
    r2024, r2025 = report.results
    assert r2024["group"] == {"year": "2024"} and r2025["group"] == {"year": "2025"}
    # 2024: shares .3 .3 .2 .2: HHI 900 + 900 + 400 + 400 = 2600; CR1 .3, CR2 .6
    assert math.isclose(r2024["hhi"], 2600, rel_tol=1e-12)
    assert r2024["cr"] == pytest.approx({"1": 0.3, "2": 0.6}, rel=1e-12)
    # Rosenbluth 1 / (2 Σ i s_(i) − 1) = 1 / (2 (.3 + .6 + .6 + .8) − 1) = 1 / 3.6
    assert math.isclose(r2024["rosenbluth"], 1 / 3.6, rel_tol=1e-12)
    # 2025: two equal firms: HHI 5000, Gini 0
    assert math.isclose(r2025["hhi"], 5000, rel_tol=1e-12) and r2025["gini"] == 0
    assert [t["entity"] for t in r2024["top"]] == ["A", "B"]  # ties by name


def test_the_document_names_its_guidelines_and_their_band():
    doc = concentration_report(FRAME, entity="company", value="v", guidelines="eu").to_dict()
    assert doc["guidelines"] == "eu"
    # all rows pooled: A 80, B 80, C 20, D 20 of 200: HHI 1600 + 1600 + 100 + 100 = 3400 (> 2,000: high)
    assert math.isclose(doc["results"][0]["hhi"], 3400, rel_tol=1e-12)
    assert doc["results"][0]["band"] == "highly concentrated"


def test_a_bad_keyword_names_the_parameter_not_a_flag():
    with pytest.raises(UsageError) as info:
        concentration_report(FRAME, entity="company", value="v", top=[0])
    assert "--" not in str(info.value)
