"""Numbers as people write them in company tables.

:func:`parse_number` reads one cell; :func:`parse_series` reads a whole column,
parsing each distinct text only once (a column of a million cells usually holds
far fewer distinct texts), so it stays O(n) hashing plus O(distinct) regex work.

Accepted forms (``decimal="."``; with ``decimal=","`` the roles of ``.`` and ``,``
swap):

==========================  ===================  ===========================
written                     value                note
==========================  ===================  ===========================
``1234.5``, ``1.2e9``       1234.5, 1.2e9        plain numbers
``1,234,567``               1234567              thousands separators
``1 234 567``               1234567              spaces, no-break spaces, ``'``
``$38.25B``                 3.825e10             currency symbol, then suffix
``$29.4 billion``           2.94e10              word suffixes
``€120m``, ``£3bn``         1.2e8, 3e9           k, m, mn, mm, b, bn, t, tn ...
``¥300M``, ``USD 5M``       3e8, 5e6             ISO codes USD EUR GBP CNY ...
``52.4%``                   52.4                 percentage points (not 0.524)
``(1,200)``                 -1200                accounting negative
``30亿``, ``1.5万``          3e9, 15000           万 1e4, 亿 1e8, 千 1e3, 百 1e2
==========================  ===================  ===========================

Missing (NaN): an empty cell, ``NA``, ``N/A``, ``n/a``, ``NaN``, ``null``,
``None``, ``-``, ``–``, ``—``, ``#N/A``, ``..``. Everything else that does not
match (``0x1F``, ``1_000``, ``inf``, ``ten``) is a *bad* cell; so is a number
too large for a float (``1e309``). ``-0`` reads as 0. A cell longer than 1,000
characters is bad without being searched (no number is written that long; it
keeps a hostile 50 MB cell from costing seconds of regex work). Nothing is ever
evaluated.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any

MISSING_TOKENS = frozenset({"", "na", "n/a", "n.a.", "nan", "null", "none", "-", "–", "—", "#n/a", "..", "nil"})

_SUFFIX = {
    "k": 1e3,
    "thousand": 1e3,
    "thousands": 1e3,
    "m": 1e6,
    "mn": 1e6,
    "mm": 1e6,
    "mio": 1e6,
    "million": 1e6,
    "millions": 1e6,
    "b": 1e9,
    "bn": 1e9,
    "billion": 1e9,
    "billions": 1e9,
    "t": 1e12,
    "tn": 1e12,
    "trillion": 1e12,
    "trillions": 1e12,
}
_CJK = {"十": 1e1, "百": 1e2, "千": 1e3, "万": 1e4, "萬": 1e4, "亿": 1e8, "億": 1e8}
_SYMBOLS = {
    "$": "USD",
    "us$": "USD",
    "€": "EUR",
    "£": "GBP",
    "¥": "CNY/JPY",
    "￥": "CNY/JPY",
    "₹": "INR",
    "₩": "KRW",
    "元": "CNY",
    "人民币": "CNY",
}
_CODES = ("usd", "eur", "gbp", "cny", "rmb", "jpy", "inr", "krw", "hkd", "cad", "aud", "chf", "sgd")

_CURRENCY_PREFIX = re.compile(
    r"^(?P<cur>us\$|\$|€|£|¥|￥|₹|₩|人民币|(?:" + "|".join(_CODES) + r")(?=[\s\d.,(]))\s*", re.I
)
_CURRENCY_SUFFIX = re.compile(r"\s*(?P<cur>元|人民币|(?<![a-z])(?:" + "|".join(_CODES) + r"))$", re.I)
_SUFFIX_RE = re.compile(r"\s*(?P<suf>" + "|".join(sorted(_SUFFIX, key=len, reverse=True)) + r")\.?$", re.I)
_CJK_RE = re.compile(r"(?P<suf>[十百千万萬亿億]+)$")
_SPACES = re.compile(r"[\s\u00a0\u2009\u202f']")
_PLAIN = re.compile(r"^\d+(?:\.\d*)?(?:[eE][+-]?\d+)?$|^\.\d+(?:[eE][+-]?\d+)?$")
_GROUPED = re.compile(r"^\d{1,3}(?:,\d{3})+(?:\.\d*)?$")
MAX_CHARS = 1000  # longer cells are bad outright: 1e308 in full with separators is ~410 characters


class BadNumber(ValueError):
    """A cell that is not a number in any accepted form."""


def _currency_code(symbol: str) -> str:
    s = symbol.lower()
    if s in _SYMBOLS:
        return _SYMBOLS[s]
    return "CNY" if s == "rmb" else s.upper()


def parse_number(text: Any, decimal: str = ".") -> float | None:
    """The value of one cell, ``None`` when missing; raises :class:`BadNumber`."""
    value, _ = _parse(text, decimal)
    return value


def _parse(text: Any, decimal: str) -> tuple[float | None, str | None]:
    """(value or None for missing, currency code or None)."""
    if text is None:
        return None, None
    if isinstance(text, bool):
        raise BadNumber(str(text))
    if isinstance(text, (int, float)):
        if isinstance(text, float) and math.isnan(text):
            return None, None
        v = float(text)
        if not math.isfinite(v):
            raise BadNumber(str(text))
        return (0.0 if v == 0 else v), None
    raw = str(text)
    t = raw.strip()
    if len(t) > MAX_CHARS:
        raise BadNumber(raw)
    if t.casefold() in MISSING_TOKENS:
        return None, None
    sign = 1.0
    # accounting negatives (1,200), then signs (ASCII or Unicode minus)
    if t.startswith("(") and t.endswith(")"):
        sign, t = -1.0, t[1:-1].strip()
    if t[:1] in ("-", "+", "\u2212"):
        if t[0] != "+":
            sign = -sign
        t = t[1:].strip()
    currency = None
    m = _CURRENCY_PREFIX.match(t)
    if m:
        currency, t = _currency_code(m.group("cur")), t[m.end() :]
    if t[:1] in ("-", "\u2212") and sign > 0:  # $-5
        sign, t = -1.0, t[1:].strip()
    m = _CURRENCY_SUFFIX.search(t)
    if m and m.start() > 0:
        currency, t = currency or _currency_code(m.group("cur")), t[: m.start()]
    factor = 1.0
    percent = t.endswith("%")
    if percent:
        t = t[:-1].rstrip()
    else:
        m = _CJK_RE.search(t)
        if m and m.start() > 0:
            for ch in m.group("suf"):
                factor *= _CJK[ch]
            t = t[: m.start()].rstrip()
        else:
            m = _SUFFIX_RE.search(t)
            if m and m.start() > 0:
                factor, t = _SUFFIX[m.group("suf").lower()], t[: m.start()]
    t = _SPACES.sub("", t)
    if decimal == ",":
        if "." in t and "," in t and t.rindex(".") > t.rindex(","):
            raise BadNumber(raw)
        t = t.replace(".", "\x00").replace(",", ".").replace("\x00", ",")
    if not _PLAIN.match(t):
        if _GROUPED.match(t):
            t = t.replace(",", "")
        else:
            raise BadNumber(raw)
    try:
        value = float(t) * factor * sign
    except (ValueError, OverflowError):
        raise BadNumber(raw) from None
    if not math.isfinite(value):
        raise BadNumber(raw)
    return (0.0 if value == 0 else value), currency


@dataclass
class ParsedColumn:
    """A parsed column: ``values`` (float64, NaN where missing or bad), positions of bad cells."""

    values: Any
    bad: list = field(default_factory=list)
    missing: int = 0
    currencies: set = field(default_factory=set)


def parse_series(series, decimal: str = ".") -> ParsedColumn:
    """Parse every cell of a pandas Series; bad cells are listed by position, not raised."""
    import numpy as np
    import pandas as pd

    n = len(series)
    if n == 0:
        return ParsedColumn(np.empty(0, dtype=np.float64))
    codes, uniques = pd.factorize(series, use_na_sentinel=True)
    uvals = np.empty(len(uniques), dtype=np.float64)
    ubad = np.zeros(len(uniques), dtype=bool)
    currencies: set = set()
    for i, u in enumerate(uniques.tolist() if hasattr(uniques, "tolist") else list(uniques)):
        try:
            v, cur = _parse(u, decimal)
        except BadNumber:
            uvals[i], ubad[i] = np.nan, True
            continue
        uvals[i] = np.nan if v is None else v
        if cur:
            currencies.add(cur)
    values = np.full(n, np.nan, dtype=np.float64)
    present = codes >= 0
    values[present] = uvals[codes[present]]
    bad_mask = np.zeros(n, dtype=bool)
    bad_mask[present] = ubad[codes[present]]
    missing = int((np.isnan(values) & ~bad_mask).sum())
    return ParsedColumn(values=values, bad=np.flatnonzero(bad_mask).tolist(), missing=missing, currencies=currencies)
