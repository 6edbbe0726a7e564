"""Reshaping before aggregation: wide tables to long rows, joint entities to one row per company."""

from __future__ import annotations

from aistruct.errors import UsageError, param
from aistruct.markets.columns import resolve_column
from aistruct.markets.spec import ROW, MarketSpec
from aistruct.reader import RawTable

#: The columns of a melted wide table.
WIDE_ENTITY = "company"
WIDE_VALUE = "value"
#: The share of a split row each company is credited with (``--split-mode equal``).
SHARE = "__share__"


def melt_wide(raw: RawTable, frame, spec: MarketSpec):
    """Wide market-share tables: each non-id column is a company, each row a group.

    Returns (long frame with ``company`` and ``value`` columns, id column).
    """
    cols = [c for c in frame.columns if c != ROW]
    id_col = resolve_column(spec.id, cols, raw.source, spec.param_for(spec.id, "id")) if spec.id else cols[0]
    excluded = set()
    for name in spec.exclude:
        excluded.add(resolve_column(name, cols, raw.source, param("exclude")))
    company_cols = [c for c in cols if c != id_col and c not in excluded]
    if not company_cols:
        raise UsageError(f"{raw.source}: {param('wide')}: no company columns besides the id column {id_col!r}")
    long = frame.melt(id_vars=[id_col, ROW], value_vars=company_cols, var_name=WIDE_ENTITY, value_name=WIDE_VALUE)
    return long, id_col


def split_entities(frame, column: str, sep: str, mode: str):
    """Cells naming several companies (``sep``-separated) per ``mode``: (frame, share column or None).

    ``first`` keeps the first company; ``equal`` and ``full`` give each company
    its own row, with a share column of 1/n or 1 to multiply the values by.
    """
    import numpy as np

    parts = frame[column].astype("string").str.split(sep, regex=False)
    parts = parts.map(lambda xs: [p.strip() for p in xs if p.strip()] if isinstance(xs, list) else xs)
    counts = parts.map(lambda xs: len(xs) if isinstance(xs, list) and xs else 1).to_numpy()
    if mode == "first":
        frame = frame.copy()
        frame[column] = parts.map(lambda xs: xs[0] if isinstance(xs, list) and xs else None)
        return frame, None
    frame = frame.copy()
    frame[column] = parts
    frame[SHARE] = 1.0 / counts if mode == "equal" else np.ones(len(frame))
    frame = frame.explode(column, ignore_index=True)
    return frame, SHARE
