"""aistruct.vocabulary: the words of the output, checked against the JSON schemas that publish them."""

import json
import typing

from conftest import ROOT

from aistruct import vocabulary as v

SCHEMAS = ROOT / "aistruct" / "schemas"


def schema(command: str) -> dict:
    return json.loads((SCHEMAS / f"{command}.schema.json").read_text(encoding="utf-8"))


def values_at(node, key: str) -> list:
    """Every ``enum`` or ``const`` (as a list) under property ``key``, anywhere in a schema."""
    found = []
    if isinstance(node, dict):
        for k, sub in node.items():
            if k == key and isinstance(sub, dict) and ("enum" in sub or "const" in sub):
                found.append(sub["enum"] if "enum" in sub else [sub["const"]])
            found += values_at(sub, key)
    elif isinstance(node, list):
        for sub in node:
            found += values_at(sub, key)
    return found


def test_literal_types_match_the_tuples():
    assert typing.get_args(v.TierKey) == v.TIER_KEYS == ("small", "middle", "giant")
    assert typing.get_args(v.MarketStatus) == v.MARKET_STATUSES
    assert typing.get_args(v.TierStatus) == v.TIER_STATUSES
    assert typing.get_args(v.CheckStatus) == v.CHECK_STATUSES


def test_statuses_are_the_schemas_enums():
    for command in ("concentration", "merge", "trend"):
        assert values_at(schema(command), "status") == [list(v.MARKET_STATUSES)], command
    assert values_at(schema("tiers"), "status") == [list(v.TIER_STATUSES)]
    assert values_at(schema("validate"), "status") == [list(v.CHECK_STATUSES)]


def test_tier_keys_are_the_schemas():
    found = values_at(schema("tiers"), "tier")  # the tier enums, and per-position consts
    assert list(v.TIER_KEYS) in found and all(set(f) <= set(v.TIER_KEYS) for f in found)
    labels = schema("tiers")["properties"]["labels"]
    assert tuple(labels["required"]) == v.TIER_KEYS
    tiers = schema("trend")["$defs"]["period"]["properties"]["tiers"]
    assert tuple(tiers["required"]) == v.TIER_KEYS


def test_every_schema_has_the_schema_version():
    for path in sorted(SCHEMAS.glob("*.schema.json")):
        found = values_at(json.loads(path.read_text(encoding="utf-8")), "schema_version")
        assert found and all(f == [v.SCHEMA_VERSION] for f in found), path.name
