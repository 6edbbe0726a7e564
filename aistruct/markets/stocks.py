"""Stocks over time: a company's last reported row carried over gaps, or its rows summed to date.

Both work on one row per (company, period) with the periods as integer
positions 0 .. n-1 in time order, and are vectorised (one sort, one repeat):
:func:`carry_forward_rows` for ``--carry-forward N`` (``flows``, ``trend``),
:func:`restock` for a companies frame (``trend --carry-forward``, ``trend
--cumulative``).
"""

from __future__ import annotations

from aistruct.markets.spec import ENTITY, SIZE, VALUE


def carry_forward_rows(ent, pidx, n_periods: int, limit: int, stop=None):
    """Rows that fill each company's gaps with its last reported row, for up to ``limit`` periods.

    ``ent`` and ``pidx`` are integer arrays (company code, period position) with
    one row per (company, period), sorted by (company, period). A company with no
    row in a period keeps its last row for at most ``limit`` periods after it
    (also after its last report); ``stop[company]`` (optional) is a period
    position the company is never carried into or past (its acquisition).
    Returns ``(take, new_pidx, carried)``: the source row of each output row, its
    period position, and whether it was carried.

    >>> import numpy as np
    >>> take, p, c = carry_forward_rows(np.array([0, 0, 1]), np.array([0, 3, 1]), 5, 1)
    >>> take.tolist(), p.tolist(), c.tolist()
    ([0, 0, 1, 1, 2, 2], [0, 1, 3, 4, 1, 2], [False, True, False, True, False, True])
    """
    import numpy as np

    ent = np.asarray(ent, dtype=np.int64)
    pidx = np.asarray(pidx, dtype=np.int64)
    n = ent.size
    nxt = np.full(n, n_periods, dtype=np.int64)
    if n > 1:
        same = ent[1:] == ent[:-1]
        nxt[:-1] = np.where(same, pidx[1:], n_periods)
    fill = np.minimum(nxt - pidx - 1, int(limit))
    if stop is not None:
        fill = np.minimum(fill, np.maximum(np.asarray(stop, dtype=np.int64)[ent] - pidx - 1, 0))
    fill = np.maximum(fill, 0)
    reps = fill + 1
    take = np.repeat(np.arange(n), reps)
    starts = np.cumsum(reps) - reps
    offset = np.arange(take.size) - np.repeat(starts, reps)
    return take, pidx[take] + offset, offset > 0


def restock(frame, position_col: str, n_periods: int, *, carry_forward: int = 0, cumulative: bool = False):
    """``frame`` (ENTITY, VALUE [, SIZE] and the period position in ``position_col``) as stocks.

    ``carry_forward=N``: a company without a row keeps its last row for up to N
    periods. ``cumulative``: each company's value (and size) is the sum of its
    rows up to and including each period, carried to every later period
    (capacity built to date). Returns a new frame, sorted by (company, period).

    >>> import pandas as pd
    >>> f = pd.DataFrame({"__entity__": ["A", "A", "B"], "__value__": [10.0, 5.0, 1.0], "p": [0, 2, 1]})
    >>> restock(f, "p", 3, cumulative=True)[["__entity__", "p", "__value__"]].values.tolist()
    [['A', 0, 10.0], ['A', 1, 10.0], ['A', 2, 15.0], ['B', 1, 1.0], ['B', 2, 1.0]]
    """
    import numpy as np
    import pandas as pd

    if not len(frame) or not (carry_forward or cumulative):
        return frame
    codes, _ = pd.factorize(frame[ENTITY], sort=False)
    pos = frame[position_col].to_numpy(dtype=np.int64)
    order = np.lexsort((pos, codes))
    f = frame.iloc[order].reset_index(drop=True)
    codes = np.asarray(codes)[order]
    if cumulative:
        cols = [c for c in (VALUE, SIZE) if c in f]
        f[cols] = f.groupby(codes, sort=False)[cols].cumsum()
    limit = n_periods if cumulative else int(carry_forward)
    take, new_pos, _ = carry_forward_rows(codes, f[position_col].to_numpy(dtype=np.int64), n_periods, limit)
    out = f.iloc[take].reset_index(drop=True)
    out[position_col] = new_pos
    return out
