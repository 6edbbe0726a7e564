"""Columns of a table: resolving the names users type, choosing defaults, labelling cells."""

from __future__ import annotations

import difflib
import re
from typing import Sequence

from aistruct.errors import InputError, UsageError, param
from aistruct.markets.spec import ROW
from aistruct.markets.values import numeric_columns
from aistruct.reader import RawTable


def _norm(name: str) -> str:
    return re.sub(r"\s+", "", str(name)).casefold()


def resolve_column(name: str, columns: Sequence[str], what: str, option: str) -> str:
    """Exact match, then case- and space-insensitive; else exit 2 naming the closest."""
    cols = [str(c) for c in columns]
    if name in cols:
        return name
    matches = [c for c in cols if _norm(c) == _norm(name)]
    if len(matches) == 1:
        return matches[0]
    if len(matches) > 1:
        raise UsageError(f"{what}: {option} {name!r} matches several columns: {', '.join(map(repr, matches))}")
    close = difflib.get_close_matches(name, cols, n=1, cutoff=0.5)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    shown = ", ".join(repr(c) for c in cols[:30]) + (" ..." if len(cols) > 30 else "")
    raise UsageError(f"{what}: {option}: no column {name!r}{hint} (columns: {shown})")


def check_header(raw: RawTable) -> None:
    """Exit 2 when two columns share a name."""
    cols = [str(c) for c in raw.frame.columns]
    seen: dict[str, int] = {}
    for i, c in enumerate(cols):
        if c in seen:
            raise InputError(f"{raw.source}: duplicate column name {c!r} (columns {seen[c] + 1} and {i + 1})")
        seen[c] = i


def default_entity(frame, exclude: set, decimal: str, what: str) -> str:
    """The first column not in ``exclude`` whose cells are not numbers; else exit 2."""
    candidates = [c for c in frame.columns if c not in exclude]
    for col, numeric in zip(candidates, numeric_columns(frame, candidates, decimal)):
        if not numeric:
            return str(col)
    raise UsageError(f"{what}: no text column to use as the company name; name one with {param('entity')}")


def default_value(frame, exclude: set, decimal: str, what: str, option: str = param("value")) -> str:
    """The only column not in ``exclude`` whose cells are numbers; else exit 2."""
    candidates = [c for c in frame.columns if c not in exclude]
    numeric = [str(c) for c, yes in zip(candidates, numeric_columns(frame, candidates, decimal)) if yes]
    if len(numeric) == 1:
        return numeric[0]
    if not numeric:
        raise UsageError(f"{what}: no numeric column to measure; name one with {option}")
    wide = ""
    columns = [c for c in frame.columns if c != ROW]
    if len(columns) > 2 and all(numeric_columns(frame, columns[1:], decimal)):
        wide = f", or, if each is a company, read the table as wide (one row per market) with {param('wide')}"
    raise UsageError(
        f"{what}: several numeric columns ({', '.join(map(repr, numeric))}); choose one with {option}{wide}"
    )


def cell_label(value) -> str | None:
    """Text of a label cell (a --by value, a company in a deal list): integers without '.0',
    dates as ISO text, a missing or blank cell as None."""
    import math

    if value is None:
        return None
    if isinstance(value, float):
        if math.isnan(value):
            return None
        if value.is_integer():
            return str(int(value))
    if hasattr(value, "isoformat"):
        return (
            value.isoformat()[:10]
            if hasattr(value, "hour") and value.hour == 0 and value.minute == 0
            else value.isoformat()
        )
    text = str(value)
    return text if text.strip() else None
