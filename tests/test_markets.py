"""aistruct.markets as a library: column names, the --where language, periods, preparation.

Expected values are worked by hand beside each assertion.
"""

from __future__ import annotations

import pandas as pd
import pytest

from aistruct.engines import load_markets
from aistruct.errors import UsageError, param
from aistruct.markets import (
    ENTITY,
    VALUE,
    MarketSpec,
    cell_label,
    parse_date_cell,
    parse_where,
    period_label,
    resolve_column,
)


def test_resolve_column_matches_exactly_then_ignoring_case_and_spaces():
    cols = ["Company", "Close date", "value"]
    assert resolve_column("value", cols, "t.csv", param("value")) == "value"
    assert resolve_column("closedate", cols, "t.csv", param("by")) == "Close date"
    with pytest.raises(UsageError) as info:
        resolve_column("valu", cols, "t.csv", param("value"))
    assert str(info.value).startswith("t.csv: value: no column 'valu'; did you mean 'value'?")


@pytest.mark.parametrize(
    "text, column, op, value",
    [
        ("year >= 2024", "year", ">=", "2024"),
        ("'Close date' < 2024-01-01", "Close date", "<", "2024-01-01"),
        ('country in "CN,US"', "country", "in", "CN,US"),
        ("name ~ ^Open", "name", "~", "^Open"),
    ],
)
def test_where_parses_column_operator_value(text, column, op, value):
    cond = parse_where(text)
    assert (cond.column, cond.op, cond.value) == (column, op, value)


def test_where_is_a_grammar_not_code():
    with pytest.raises(UsageError, match="expected"):
        parse_where("__import__('os').system('true')")


@pytest.mark.parametrize(
    "cell, key",
    [
        ("2024-03-15", (2024, 3)),
        ("2024/03", (2024, 3)),
        ("Mar 2024", (2024, 3)),
        ("2024Q3", (2024, 7)),
        ("2024", (2024, None)),
        ("2024-02-30", None),
        ("15/03/2024", None),
    ],
)
def test_date_cells(cell, key):
    assert parse_date_cell(cell) == key


def test_period_labels():
    assert [period_label(2024, 11, f) for f in ("year", "quarter", "month")] == ["2024", "2024Q4", "2024-11"]


def test_cell_labels_read_as_written():
    assert cell_label(2024.0) == "2024" and cell_label(None) is None and cell_label(" x ") == " x "


def test_prepared_markets_sum_repeated_companies_per_group():
    frame = pd.DataFrame({"c": ["A", "A", "B", "A"], "v": [1, 2, 4, 8], "g": ["x", "x", "x", "y"]})
    markets = load_markets(frame, None, MarketSpec(entity="c", value="v", by=["g"]))
    got = {tuple(group.values()): dict(zip(part[ENTITY], part[VALUE])) for group, part in markets.iter_groups()}
    assert got == {("x",): {"A": 3.0, "B": 4.0}, ("y",): {"A": 8.0}}  # A's two rows in x: 1 + 2
