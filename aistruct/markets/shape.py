"""Reshaping before aggregation: wide tables to long rows, joint entities to one row per company."""

from __future__ import annotations

from aistruct.errors import UsageError, param
from aistruct.markets.columns import resolve_column
from aistruct.markets.spec import ENTITY, ROW, SHARE, VALUE, MarketSpec
from aistruct.reader import RawTable

#: The names reports give the columns of a melted wide table.
WIDE_ENTITY = "company"
WIDE_VALUE = "value"


def melt_wide(raw: RawTable, frame, spec: MarketSpec):
    """Wide market-share tables: each non-id column is a company, each row a group.

    Returns (long frame, id column, its company column, its value column): the company and
    value columns are named ``company`` and ``value`` unless the table has a column of that
    name, then by their internal names (never the user's).
    """
    cols = [c for c in frame.columns if c != ROW]
    id_col = resolve_column(spec.id, cols, raw.source, spec.param_for(spec.id, "id")) if spec.id else cols[0]
    excluded = set()
    for name in spec.exclude:
        excluded.add(resolve_column(name, cols, raw.source, param("exclude")))
    company_cols = [c for c in cols if c != id_col and c not in excluded]
    if not company_cols:
        raise UsageError(f"{raw.source}: {param('wide')}: no company columns besides the id column {id_col!r}")
    entity = WIDE_ENTITY if WIDE_ENTITY not in frame.columns else ENTITY
    value = WIDE_VALUE if WIDE_VALUE not in frame.columns else VALUE
    long = frame.melt(id_vars=[id_col, ROW], value_vars=company_cols, var_name=entity, value_name=value)
    return long, id_col, entity, value


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
