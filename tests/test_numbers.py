"""Numbers as people write them: every accepted form, every refused one."""

import math

import numpy as np
import pandas as pd
import pytest

from aistruct.numbers import BadNumber, parse_number, parse_series

GOOD = [
    ("1234.5", 1234.5),
    ("1,234,567", 1_234_567),
    ("1 234 567", 1_234_567),
    ("1\u00a0234\u00a0567", 1_234_567),
    ("$38.25B", 38.25e9),
    ("$29.4 billion", 29.4e9),
    ("€120m", 120e6),
    ("£3bn", 3e9),
    ("¥300M", 300e6),
    ("2.49B", 2.49e9),
    ("2.49b", 2.49e9),
    ("1.2e9", 1.2e9),
    ("52.4%", 52.4),
    ("(1,200)", -1200),
    ("30亿", 30e8),
    ("1.5万", 15000),
    ("1000万", 1e7),
    ("10亿", 1e9),
    ("3千亿", 3e11),
    ("5K", 5000),
    ("5k", 5000),
    ("3 mn", 3e6),
    ("7 million", 7e6),
    ("2 trillion", 2e12),
    ("2.5tn", 2.5e12),
    ("7T", 7e12),
    ("USD 5M", 5e6),
    ("5M USD", 5e6),
    ("US$ 2bn", 2e9),
    ("100元", 100),
    ("−3", -3),
    ("+4", 4),
    ("-0", 0.0),
    ("1e-320", 1e-320),
    ("1e308", 1e308),
    (" 42 ", 42),
    (7, 7.0),
    (2.5, 2.5),
]


@pytest.mark.parametrize("text,value", GOOD)
def test_accepted_forms(text, value):
    got = parse_number(text)
    assert got == pytest.approx(value, rel=1e-12, abs=0)
    if value == 0:
        assert math.copysign(1, got) == 1.0  # -0 reads as +0


@pytest.mark.parametrize("text", ["", "NA", "N/A", "n/a", "NaN", "null", "None", "-", "—", "#N/A", None, float("nan")])
def test_missing_forms(text):
    assert parse_number(text) is None


@pytest.mark.parametrize(
    "text",
    [
        "0x1F",
        "1_000",
        "inf",
        "-inf",
        "Infinity",
        "ten",
        "1e309",
        "1,23",
        "1.2.3",
        "$",
        "B",
        "--5",
        "12,34",
        "1,234.5.6",
        "__import__('os')",
        "1+1",
        True,
    ],
)
def test_refused_forms(text):
    with pytest.raises(BadNumber):
        parse_number(text)


@pytest.mark.parametrize(
    "text,value",
    [("1.234.567,89", 1234567.89), ("1 234,5", 1234.5), ("3,5 Mio", 3.5e6), ("0,25", 0.25), ("€1,5 mrd", None)],
)
def test_decimal_comma(text, value):
    if value is None:
        with pytest.raises(BadNumber):
            parse_number(text, decimal=",")
    else:
        assert parse_number(text, decimal=",") == pytest.approx(value, rel=1e-12)


def test_decimal_comma_refuses_dot_decimals():
    with pytest.raises(BadNumber):
        parse_number("1,234.5", decimal=",")


def test_parse_series_positions_and_currencies():
    s = pd.Series(["$1M", "€2M", None, "bad", "NA", "3", "bad", "$1M"], dtype=object)
    parsed = parse_series(s)
    assert parsed.bad == [3, 6]
    assert parsed.missing == 2
    assert parsed.currencies == {"USD", "EUR"}
    v = parsed.values
    assert v[0] == 1e6 and v[1] == 2e6 and np.isnan(v[2]) and v[5] == 3 and v[7] == 1e6


def test_parse_series_large_column_is_fast():
    import time

    s = pd.Series(np.random.default_rng(0).choice(["$1.5B", "30亿", "1,234", "7"], size=500_000))
    t0 = time.perf_counter()
    parsed = parse_series(s)
    assert time.perf_counter() - t0 < 5.0  # distinct texts parsed once: O(n) hashing
    assert not parsed.bad and parsed.values.sum() > 0
