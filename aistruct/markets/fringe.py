"""The unseen tail: ``--other``, ``--total`` and ``--total-column``.

Market-share tables list the leaders and lump the rest into "Other", or give the
leaders and the market's size. :func:`split_fringe` takes the ``other`` companies
out of each market and sets :attr:`Markets.fringe`, the unobserved value F per
group: the ``other`` rows' sum, or, with a total T, T minus the listed companies
(the ``other`` rows are then part of that remainder). The metrics read it in
:func:`aistruct.metrics.fringe_bounds`. It runs after any engine's aggregation, on
the per-company totals, so every engine gives the same fringe.
"""

from __future__ import annotations

from aistruct.errors import InputError, UsageError, as_options, param
from aistruct.markets.spec import ENTITY, VALUE, Markets, MarketSpec
from aistruct.numbers import parse_number

#: Relative slack when the listed companies are compared with a total (rounded published figures).
TOLERANCE = 1e-9


def check_fringe_options(spec: MarketSpec) -> float | None:
    """The ``total`` as a number (``"$38.25B"`` allowed), after checking the fringe options; exit 2 when they clash."""
    if spec.total is not None and spec.total_column is not None:
        raise UsageError(f"give {param('total')} or {param('total_column')}, not both")
    if spec.total is None:
        return None
    total = spec.total if isinstance(spec.total, (int, float)) else parse_number(str(spec.total))
    if total is None or not total > 0 or total == float("inf"):
        raise UsageError(f"{param('total')}: {spec.total!r} is not a positive number")
    return float(total)


def split_fringe(markets: Markets, spec: MarketSpec) -> Markets:
    """``markets`` without its ``other`` companies, and with :attr:`Markets.fringe` per group key."""
    if not spec.has_fringe:
        return markets
    import numpy as np

    total = check_fringe_options(spec)
    out = markets.companies
    folded = {str(o).strip().casefold() for o in spec.other}
    is_other = (
        out[ENTITY].astype("string").str.strip().str.casefold().isin(folded).fillna(False).to_numpy(dtype=bool)
        if folded
        else np.zeros(len(out), dtype=bool)
    )
    by = markets.by
    other_sum: dict = {}
    if is_other.any():
        rows = out[is_other]
        keys = [tuple(row) for row in rows[by].itertuples(index=False)] if by else [()] * len(rows)
        for key, v in zip(keys, rows[VALUE].to_numpy(dtype=np.float64)):
            other_sum[key] = other_sum.get(key, 0.0) + float(v)
        keep = ~is_other
        gi = markets.group_index
        markets.companies = out[keep].reset_index(drop=True)
        if gi is not None and gi[0] is out:
            markets.group_index = (markets.companies, gi[1][keep], gi[2])
        else:
            markets.group_index = None
    elif spec.other:
        names = " or ".join(repr(str(o)) for o in spec.other)
        markets.warnings.append(as_options(f"{param('other')}: no company is named {names}"))
    fringe: dict = {}
    for group, frame in markets.iter_groups():
        key = tuple(group[b] for b in by)
        listed = float(np.sort(frame[VALUE].to_numpy(dtype=np.float64)).sum())
        known = total if total is not None else (markets.totals or {}).get(key)
        if spec.total_column is not None and known is None:
            where = f"group {', '.join(f'{b}={group[b]}' for b in by)}" if by else "the market"
            raise InputError(f"{markets.source}: {where}: no {param('total_column')} value")
        if known is None:
            fringe[key] = other_sum.get(key, 0.0)
            continue
        if listed > known * (1 + TOLERANCE):
            where = f"group {', '.join(f'{b}={group[b]}' for b in by)}: " if by else ""
            raise InputError(
                f"{markets.source}: {where}the companies listed sum to {_num(listed)}, above the total "
                f"{_num(known)}; the total must include every company"
            )
        fringe[key] = max(known - listed, 0.0)
    markets.fringe = fringe
    return markets


def group_totals(raw, frame, column: str, by: list, codes_list: list, labels_list: list, spec: MarketSpec) -> dict:
    """Each group's total from ``column`` (one value per group; blank cells ignored), by group key.

    A group whose rows give different totals exits 2 naming the group and two of the values.
    """
    import numpy as np
    import pandas as pd

    from aistruct.markets.values import parse_values

    totals = parse_values(raw, frame, column, spec, [], "total_column") if len(frame) else np.zeros(0)
    ok = ~np.isnan(totals)
    for codes in codes_list:
        ok &= codes >= 0
    if not ok.any():
        return {}
    parts = {b: codes[ok] for b, codes in zip(by, codes_list)}
    table = pd.DataFrame({**parts, "t": totals[ok]})
    agg = table.groupby(list(by), sort=False)["t"].agg(["min", "max"]) if by else None
    if agg is None:
        lo, hi = float(table["t"].min()), float(table["t"].max())
        if hi - lo > TOLERANCE * max(abs(hi), 1.0):
            raise InputError(f"{raw.source}: column {column!r} gives different totals ({_num(lo)} and {_num(hi)})")
        return {(): hi}
    out = {}
    for key, row in agg.iterrows():
        codes_key = key if isinstance(key, tuple) else (key,)
        label = tuple(labels[int(c)] for labels, c in zip(labels_list, codes_key))
        lo, hi = float(row["min"]), float(row["max"])
        if hi - lo > TOLERANCE * max(abs(hi), 1.0):
            where = ", ".join(f"{b}={v}" for b, v in zip(by, label))
            raise InputError(
                f"{raw.source}: column {column!r} gives group {where} different totals ({_num(lo)} and {_num(hi)})"
            )
        out[label] = hi
    return out


def _num(x: float) -> str:
    """A number for a message: ``369,840,000``, ``2.5``, ``1.2e+20``."""
    if abs(x) < 1e15 and float(x).is_integer():
        return f"{x:,.0f}"
    return f"{x:,.6g}"
