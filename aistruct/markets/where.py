"""The ``--where`` language: ``COL OP VALUE`` conditions, parsed (never evaluated as code) and applied.

Numbers compare as numbers when the value and the column both are numbers;
everything else compares as text (ISO dates sort correctly that way).
``~`` is a regular-expression search, ``in`` a comma-separated list of values.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Literal, Sequence, get_args

from aistruct.errors import UsageError, param
from aistruct.markets.columns import resolve_column
from aistruct.markets.spec import ROW
from aistruct.markets.values import is_numeric_dtype, looks_numeric
from aistruct.reader import RawTable

#: The operators, longest first where one is the prefix of another (as the parser tries them).
WhereOp = Literal["!=", "<=", ">=", "=", "<", ">", "~", "in"]
WHERE_OPS: tuple[WhereOp, ...] = get_args(WhereOp)

_WHERE_RE = re.compile(
    r"""^\s*(?:'(?P<sq>[^']*)'|"(?P<dq>[^"]*)"|(?P<bare>[^\s=!<>~'"]+))\s*"""
    r"""(?P<op>!=|<=|>=|=|<|>|~|in(?=\s))\s*(?P<val>.*?)\s*$""",
    re.S,
)


@dataclass
class Condition:
    """One parsed ``--where`` condition."""

    column: str
    op: str
    value: str


def parse_where(text: str) -> Condition:
    """Parse ``COL OP VALUE``; column names with spaces are quoted. Never evaluated as code."""
    m = _WHERE_RE.match(text)
    if not m:
        raise UsageError(
            f'{param("where")} {text!r}: expected "COLUMN OP VALUE" with OP one of {" ".join(WHERE_OPS)} '
            "(quote column names that contain spaces: \"'Close date' >= 2024-01-01\")"
        )
    col = (
        m.group("sq") if m.group("sq") is not None else m.group("dq") if m.group("dq") is not None else m.group("bare")
    )
    val = m.group("val")
    if len(val) >= 2 and val[0] == val[-1] and val[0] in "'\"":
        val = val[1:-1]
    return Condition(col, m.group("op"), val)


def apply_where(raw: RawTable, frame, conditions: Sequence[str], decimal: str):
    """The rows of ``frame`` where every condition holds."""
    import numpy as np

    mask = np.ones(len(frame), dtype=bool)
    for i, text in enumerate(conditions):
        cond = parse_where(text)
        col = resolve_column(cond.column, [c for c in frame.columns if c != ROW], raw.source, param("where"))
        kept = mask.copy()
        mask &= _matches(text, cond, frame[col], decimal)
        if kept.any() and not mask.any():
            raise UsageError(_matched_none(raw.source, text, cond, col, frame[col][kept], i > 0))
    return frame[mask]


def where_masks(raw: RawTable, frame, conditions: Sequence[str], decimal: str) -> list:
    """The rows of ``frame`` each condition keeps, with the earlier ones (one boolean mask per
    condition), without :func:`apply_where`'s check that some row remains: for engines that
    filter one part of a table at a time and check the whole afterwards."""
    import numpy as np

    mask = np.ones(len(frame), dtype=bool)
    masks = []
    for text in conditions:
        cond = parse_where(text)
        col = resolve_column(cond.column, [c for c in frame.columns if c != ROW], raw.source, param("where"))
        mask = mask & _matches(text, cond, frame[col], decimal)
        masks.append(mask)
    return masks


def _matched_none(source: str, text: str, cond: Condition, col: str, series, later: bool) -> str:
    """The message of a filter that leaves no row: how many it saw, and the value it may have meant.

    ``series`` is the column on the rows the filter saw (after the earlier filters).
    """
    n = len(series)
    of = f"the {n} row{'s' if n != 1 else ''} the earlier filters kept" if later else f"{n} row{'s' if n != 1 else ''}"
    message = f"{source}: {param('where')} {text!r} matched 0 of {of}"
    if cond.op not in ("=", "in"):
        return message
    wanted = [cond.value] if cond.op == "=" else [v.strip() for v in cond.value.split(",")]
    near = near_values(wanted, series)
    if not near:
        return message
    message += f"; column {col!r} has {', '.join(repr(v) for v in near)}"
    if all(any(n.casefold() == w.casefold() for w in wanted) for n in near):
        name = col if re.fullmatch(r"[^\s=!<>~'\"]+", col) else f"'{col}'"
        pattern = "|".join(re.escape(w) for w in wanted)
        pattern = f"^{pattern}$" if len(wanted) == 1 else f"^({pattern})$"
        message += f' (to ignore case: {param("where")} "{name} ~ (?i){pattern}")'
    return message


def near_values(wanted: Sequence[str], series, most: int = 3) -> list[str]:
    """Values of ``series`` close to (and not equal to) the ``wanted`` ones: the same but for case, else alike.

    >>> import pandas as pd
    >>> near_values(["active"], pd.Series(["Active", "Closed", "Active"]))
    ['Active']
    """
    import difflib

    cells = series.astype("string").str.strip().dropna()
    distinct = [str(v) for v in cells.drop_duplicates().head(5000) if str(v)]
    folded: dict[str, list[str]] = {}
    for v in distinct:
        folded.setdefault(v.casefold(), []).append(v)
    near: list[str] = []
    for w in wanted:
        same = folded.get(w.strip().casefold()) or difflib.get_close_matches(w, distinct, n=1, cutoff=0.6)
        near += [v for v in same if v not in near and v != w]
    return near[:most]


def _matches(text: str, cond: Condition, series, decimal: str):
    """Boolean mask of the cells of ``series`` that satisfy ``cond``."""
    import numpy as np

    text_vals = series.astype("string").fillna("").to_numpy(dtype=object)
    if cond.op == "~":
        from aistruct.regex import BadPattern, compile_pattern

        try:
            rx = compile_pattern(cond.value)
        except BadPattern as exc:
            raise UsageError(f"{param('where')} {text!r}: bad regular expression: {exc}") from None
        return np.fromiter((bool(rx.search(str(v))) for v in text_vals), dtype=bool, count=len(text_vals))
    if cond.op == "in":
        options = {v.strip() for v in cond.value.split(",")}
        return np.isin(np.asarray([str(v).strip() for v in text_vals], dtype=object), list(options))
    left, right = _operands(cond, series, text_vals, decimal)
    return np.asarray(_compare(cond.op, left, right), dtype=bool)


def _operands(cond: Condition, series, text_vals, decimal: str) -> tuple[Any, Any]:
    """(cells, value) to compare: as numbers when both are numbers, else as text."""
    import numpy as np
    import pandas as pd

    from aistruct.numbers import BadNumber, parse_number, parse_series

    try:
        number = parse_number(cond.value, decimal=decimal)
    except BadNumber:
        number = None
    if number is not None and (is_numeric_dtype(series) or looks_numeric(series, decimal)):
        if is_numeric_dtype(series):
            return series.to_numpy(dtype=np.float64, na_value=np.nan), number
        return parse_series(series, decimal=decimal).values, number
    left = np.asarray([str(v) for v in text_vals], dtype=object)
    if cond.op in ("<", "<=", ">", ">="):
        # Dates and labels compare as text; ISO dates sort correctly that way.
        left = pd.Series(left, dtype="string").to_numpy(dtype=object)
    return left, cond.value


def _compare(op: str, left, right):
    import numpy as np

    with np.errstate(invalid="ignore"):
        if op == "=":
            return left == right
        if op == "!=":
            return left != right
        if op == "<":
            return left < right
        if op == "<=":
            return left <= right
        if op == ">":
            return left > right
        return left >= right
