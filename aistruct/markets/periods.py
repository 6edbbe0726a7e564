"""Dates as periods: ``--freq year|quarter|month`` turns date cells into labels ``2024``, ``2024Q1``, ``2024-03``;
:func:`order_periods` puts period labels in time order, or refuses labels that have none."""

from __future__ import annotations

import re
from typing import Literal, get_args

from aistruct.errors import InputError, UsageError, param
from aistruct.markets.groups import BadCell, label_codes
from aistruct.markets.spec import ROW
from aistruct.reader import RawTable
from aistruct.sanitize import cell_excerpt

#: The period lengths of ``--freq``.
Freq = Literal["year", "quarter", "month"]
FREQS: tuple[Freq, ...] = get_args(Freq)

_MONTHS = {
    m: i
    for i, m in enumerate(["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"], start=1)
}


#: The label forms that order in time, as (name, example, pattern); one series uses one form.
_PERIOD_FORMS = (
    ("years", "2024", re.compile(r"^\d{4}$")),
    ("whole numbers", "7", re.compile(r"^[+-]?\d+$")),
    ("quarters", "2024Q1", re.compile(r"^\d{4}Q[1-4]$")),
    ("months", "2024-03", re.compile(r"^(?:\d{4}-(0[1-9]|1[0-2])|[A-Za-z]{3,9}\.?\s+\d{4})$")),
    ("ISO dates", "2024-03-15", re.compile(r"^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$")),
)


def _iso_date(label: str):
    import datetime

    try:
        return datetime.datetime.fromisoformat(label)
    except ValueError:
        return None


def _period_key(form: str, label: str):
    if form in ("years", "whole numbers"):
        return int(label)
    if form == "quarters":
        return int(label[:4]), int(label[5])
    if form == "months":
        if label[:4].isdigit():
            return int(label[:4]), int(label[5:7])
        return parse_date_cell(label)  # Mar 2024; None for a word that is no month
    return _iso_date(label)


def order_periods(labels) -> list:
    """Period labels (strings) in time order; UsageError naming the labels that do not order.

    One series takes one form: years ``2024``, whole numbers, quarters ``2024Q1``,
    months ``2024-03`` (the labels of ``freq``) or ISO dates ``2024-03-15``
    (a time may follow). Labels in no such form, or in several, have no time
    order, and sorting them as text would invent one.

    >>> order_periods(["2024Q1", "2023Q4", "2023Q2"])
    ['2023Q2', '2023Q4', '2024Q1']
    >>> order_periods(["10", "2", "1"])
    ['1', '2', '10']
    >>> order_periods(["Mar 2024", "2024-01"])
    ['2024-01', 'Mar 2024']
    """
    labels = [str(x) for x in labels]
    if not labels:
        return []
    for form, _, pattern in _PERIOD_FORMS:
        if all(pattern.match(x) for x in labels):
            keys = [_period_key(form, x) for x in labels]
            if None not in keys:
                _refuse_same_period(labels, keys)
                return [x for _, x in sorted(zip(keys, labels))]
    forms = ", ".join(f"{name} ({example})" for name, example, _ in _PERIOD_FORMS[:-1])
    forms += f" or {_PERIOD_FORMS[-1][0]} ({_PERIOD_FORMS[-1][1]})"
    bad = [x for x in labels if _form_of(x) is None]
    if bad:
        what = f"{_shown(bad)} {'is' if len(bad) == 1 else 'are'} not {forms}"
    else:  # each label has a form, but not all the same one
        by_form: dict[str, list[str]] = {}
        for x in labels:
            by_form.setdefault(str(_form_of(x)), []).append(x)
        mixed = " and ".join(f"{name} ({_shown(xs, 2)})" for name, xs in by_form.items())
        what = f"they mix {mixed}; one series takes one of {forms}"
    raise UsageError(
        f"period labels do not order in time: {what}; group a date column with {param('freq')} "
        "or write the periods in one of these forms"
    )


def _refuse_same_period(labels: list[str], keys: list) -> None:
    """Two different labels for one period (``2024-03`` and ``Mar 2024``) would split its companies."""
    seen: dict = {}
    for x, k in zip(labels, keys):
        if k in seen and seen[k] != x:
            raise UsageError(f"period labels do not order in time: {seen[k]!r} and {x!r} are the same period")
        seen.setdefault(k, x)


def _form_of(label: str) -> str | None:
    """The first form of :data:`_PERIOD_FORMS` the label is in (an impossible date is in none)."""
    for form, _, pattern in _PERIOD_FORMS:
        if pattern.match(label) and _period_key(form, label) is not None:
            return form
    return None


def _shown(labels: list[str], most: int = 5) -> str:
    shown = ", ".join(repr(x[:40]) for x in labels[:most])
    return shown + (f" and {len(labels) - most} more" if len(labels) > most else "")


def check_freq(freq: str | None) -> None:
    """Exit 2 unless ``freq`` is None or one of :data:`FREQS`."""
    if freq is not None and freq not in FREQS:
        raise UsageError(f"{param('freq')}: unknown frequency {freq!r}; use one of {', '.join(FREQS)}")


def parse_date_cell(text: str) -> tuple[int, int | None] | None:
    """(year, month) of one date-like cell, or None. Accepts ISO dates, 2024-03,
    2024/03/15, 2024.03, Mar 2024, March 2024, 2024Q1, and a bare year (month None).

    A day that is not in its month (2024-02-30) is not a date. A year before 1 is
    returned as written (0): :func:`period_codes` refuses it.

    >>> parse_date_cell("2024Q2"), parse_date_cell("March 2024"), parse_date_cell("2024")
    ((2024, 4), (2024, 3), (2024, None))
    >>> parse_date_cell("2024-02-29"), parse_date_cell("2023-02-29")
    ((2024, 2), None)
    """
    import calendar

    t = text.strip()
    m = re.match(r"^(\d{4})(?:[-/.](\d{1,2})(?:[-/.](\d{1,2}))?)?(?:[T ].*)?$", t)
    if m:
        month = int(m.group(2)) if m.group(2) else None
        if month is not None and not 1 <= month <= 12:
            return None
        if m.group(3) is not None and month is not None:  # year 0 is a leap year, like 2000 (no year 0 in calendar)
            days = calendar.monthrange(int(m.group(1)) or 2000, month)[1]
            if not 1 <= int(m.group(3)) <= days:
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
        return period_label(cell.year, cell.month, freq) if cell.year >= 1 else False
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
    if key is None or key[0] < 1 or (key[1] is None and freq != "year"):
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
        written = raw.cell_as_written(int(rows[bad.position]), column, cell)  # '0000', not the 0 pyarrow read
        key = parse_date_cell(written) if isinstance(cell, str) or written != str(cell) else None
        early = (key is not None and key[0] < 1) or (hasattr(cell, "year") and getattr(cell, "year", 1) < 1)
        problem = "is before year 1" if early else ("is not a date with a month" if key else "is not a date")
        raise InputError(
            f"{raw.source}: {raw.row_label(int(rows[bad.position]))}, column {column!r}: "
            f"{cell_excerpt(written)} {problem} (for {param('freq')} {freq})"
        ) from None


# ---------------------------------------------------------------- ordering period labels

_YEAR_LABEL = re.compile(r"^[+-]?\d+$")
_QUARTER_LABEL = re.compile(r"^(\d{4})\s*[Qq]([1-4])$")
_ISO_DAY = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ].*)?$")


def period_span(label: str) -> tuple[str, tuple[int, int, int], tuple[int, int, int]] | None:
    """(form, first day, last day) of one period label, days as (year, month, day); None when it is no period.

    Forms: ``year`` (``2024``; other whole numbers count as years too), ``quarter``
    (``2024Q1``), ``month`` (``2024-03``, ``Mar 2024``), ``date`` (``2024-03-15``:
    first and last day are that day). Days run to 31 in every month: the spans
    are for ordering and for placing a dated event, never for counting days.

    >>> period_span("2024Q2")
    ('quarter', (2024, 4, 1), (2024, 6, 31))
    >>> period_span("2024-03-15")
    ('date', (2024, 3, 15), (2024, 3, 15))
    >>> period_span("Acme") is None
    True
    """
    t = str(label).strip()
    if _YEAR_LABEL.match(t):
        y = int(t)
        return "year", (y, 1, 1), (y, 12, 31)
    m = _QUARTER_LABEL.match(t)
    if m:
        y, q = int(m.group(1)), int(m.group(2))
        return "quarter", (y, 3 * q - 2, 1), (y, 3 * q, 31)
    m = _ISO_DAY.match(t)
    if m:
        y, mo, d = (int(g) for g in m.groups())
        if 1 <= mo <= 12 and 1 <= d <= 31:
            return "date", (y, mo, d), (y, mo, d)
        return None
    key = parse_date_cell(t)
    if key is None or key[1] is None:
        return None
    return "month", (key[0], key[1], 1), (key[0], key[1], 31)
