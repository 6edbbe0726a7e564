"""aistruct.report: the envelope every command's JSON document shares."""

from __future__ import annotations

from aistruct import __version__
from aistruct.report import envelope, group_text
from aistruct.vocabulary import SCHEMA_VERSION


def test_the_envelope_orders_its_keys_and_carries_the_versions():
    doc = envelope("tiers", {"source": "x.csv"}, [{"group": {}}], ["w"], method="natural")
    assert list(doc) == ["schema_version", "command", "aistruct_version", "input", "method", "results", "warnings"]
    assert doc["schema_version"] == SCHEMA_VERSION == 1
    assert doc["aistruct_version"] == __version__
    assert doc["warnings"] == ["w"]


def test_input_and_results_are_left_out_when_none():
    doc = envelope("datasets", None, None, [], datasets=[])
    assert list(doc) == ["schema_version", "command", "aistruct_version", "datasets", "warnings"]


def test_warnings_are_copied_not_shared():
    warnings = ["a"]
    doc = envelope("trend", {}, [], warnings)
    warnings.append("b")
    assert doc["warnings"] == ["a"]


def test_group_text_names_each_column():
    assert group_text({"year": 2024, "country": "CN"}) == "year=2024, country=CN"
    assert group_text({}) == ""
