"""Dates as periods: ``--freq year|quarter|month`` turns date cells into labels ``2024``, ``2024Q1``, ``2024-03``."""

from __future__ import annotations

import re
from typing import Literal, get_args

from aistruct.errors import InputError, UsageError, param
from aistruct.markets.groups import BadCell, label_codes
from aistruct.markets.spec import ROW
from aistruct.reader import RawTable

#: The period lengths of ``--freq``.
Freq = Literal["year", "quarter", "month"]
FREQS: tuple[Freq, ...] = get_args(Freq)

_MONTHS = {
    m: i
    for i, m in enumerate(["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"], start=1)
}


def check_freq(freq: str | None) -> None:
    """Exit 2 unless ``freq`` is None or one of :data:`FREQS`."""
    if freq is not None and freq not in FREQS:
        raise UsageError(f"{param('freq')}: unknown frequency {freq!r}; use one of {', '.join(FREQS)}")


def parse_date_cell(text: str) -> tuple[int, int | None] | None:
    """(year, month) of one date-like cell, or None. Accepts ISO dates, 2024-03,
    2024/03/15, 2024.03, Mar 2024, March 2024, 2024Q1, and a bare year (month None).

    >>> parse_date_cell("2024Q2"), parse_date_cell("March 2024"), parse_date_cell("2024")
    ((2024, 4), (2024, 3), (2024, None))
    """
    t = text.strip()
    m = re.match(r"^(\d{4})(?:[-/.](\d{1,2})(?:[-/.](\d{1,2}))?)?(?:[T ].*)?$", t)
    if m:
        month = int(m.group(2)) if m.group(2) else None
        if month is not None and not 1 <= month <= 12:
            return None
        return int(m.group(1)), month
    m = re.match(r"^(\d{4})\s*[Qq]([1-4])$", t)
    if m:
        return int(m.group(1)), 3 * int(m.group(2)) - 2
    m = re.match(r"^([A-Za-z]{3,9})\.?\s+(\d{4})$", t)
    if m and m.group(1)[:3].lower() in _MONTHS:
        return int(m.group(2)), _MONTHS[m.group(1)[:3].lower()]
    # day/month/year (or month/day/year) is ambiguous: refused
    return None


def period_label(year: int, month: int | None, freq: str) -> str:
    """``2024``, ``2024Q1`` or ``2024-03``; ValueError when ``freq`` needs a month and there is none."""
    if freq == "year":
        return f"{year:04d}"
    if month is None:
        raise ValueError("no month")
    if freq == "quarter":
        return f"{year:04d}Q{(month - 1) // 3 + 1}"
    return f"{year:04d}-{month:02d}"


def _period_of(cell, freq: str, xlsx: bool):
    """Period label of one date-like cell; None when blank; ``False`` when not a date (for ``freq``)."""
    import math

    import pandas as pd

    if cell is None or (isinstance(cell, float) and math.isnan(cell)) or cell is pd.NaT:
        return None
    if hasattr(cell, "year") and hasattr(cell, "month"):
        return period_label(cell.year, cell.month, freq)
    key: tuple[int, int | None] | None
    if isinstance(cell, (int, float)) and not isinstance(cell, bool) or hasattr(cell, "dtype"):
        value = float(cell)
        if value.is_integer() and 1000 <= value <= 9999:
            key = (int(value), None)
        elif xlsx and 1 <= value < 2958466:  # an Excel serial date
            ts = pd.Timestamp("1899-12-30") + pd.Timedelta(days=value)
            key = (ts.year, ts.month)
        else:
            return False
    else:
        text = str(cell)
        if text.strip() == "":
            return None
        key = parse_date_cell(text)
    if key is None or (key[1] is None and freq != "year"):
        return False
    return period_label(key[0], key[1], freq)


def period_codes(raw: RawTable, frame, column: str, freq: str):
    """(codes, labels) of the period (``2024``, ``2024Q1``, ``2024-03``) of each row; bad dates exit 2."""
    xlsx = raw.format == "xlsx"
    try:
        return label_codes(frame[column], lambda cell: _period_of(cell, freq, xlsx))
    except BadCell as bad:
        cell = frame[column].iloc[bad.position]
        rows = frame[ROW].to_numpy()
        key = parse_date_cell(str(cell)) if isinstance(cell, str) else None
        need = "a date with a month" if key is not None else "a date"
        raise InputError(
            f"{raw.source}: {raw.row_label(int(rows[bad.position]))}, column {column!r}: "
            f"{str(cell)[:40]!r} is not {need} (for {param('freq')} {freq})"
        ) from None
