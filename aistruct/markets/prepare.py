"""From a read table to per-company values per market: the default engine's interpretation step.

:func:`prepare_markets` resolves the column names, applies ``--where`` filters,
reshapes wide tables, splits joint entities, turns dates into period labels,
parses the value (and size) columns with the human number forms of
:mod:`aistruct.numbers`, and aggregates rows per company with ``agg``. What it
drops (missing values, bad cells with ``on_bad_value="drop"``) it counts in
``warnings``.
"""

from __future__ import annotations

from dataclasses import dataclass

from aistruct.errors import UsageError, param
from aistruct.markets.aggregate import aggregate, finish_markets
from aistruct.markets.columns import check_header, default_entity, default_value, resolve_column
from aistruct.markets.fringe import check_fringe_options, group_totals
from aistruct.markets.groups import group_codes, present_groups
from aistruct.markets.names import apply_name_maps
from aistruct.markets.periods import check_freq, period_codes
from aistruct.markets.shape import WIDE_ENTITY, WIDE_VALUE, melt_wide, split_entities
from aistruct.markets.spec import (
    ROW,
    Markets,
    MarketSpec,
    check_agg,
    check_columns,
    check_decimal,
    check_on_bad_value,
    check_split_mode,
)
from aistruct.markets.values import parse_values
from aistruct.markets.where import apply_where
from aistruct.reader import RawTable


@dataclass
class _Columns:
    """The resolved columns of one preparation, and the names reports give them."""

    by: list[str]
    entity: str
    value: str
    size: str | None
    entity_label: str
    value_label: str
    total: str | None = None  # --total-column, resolved


def prepare_markets(raw: RawTable, spec: MarketSpec, *, need_size: bool = False) -> Markets:
    """Interpret ``raw`` per ``spec`` and aggregate to one row per (group, company)."""
    import numpy as np

    _check_options(spec)
    check_header(raw)
    check_columns(raw, spec)
    warnings: list[str] = list(raw.warnings)
    frame = raw.frame
    frame.columns = [str(c) for c in frame.columns]
    rows_read = len(frame)
    frame = frame.assign(**{ROW: np.arange(rows_read)})
    if spec.where:
        frame = apply_where(raw, frame, spec.where, spec.decimal)
    frame, cols = _resolve_wide(raw, frame, spec) if spec.wide else _resolve_long(raw, frame, spec)

    share_col = None
    if spec.split_entities:
        frame, share_col = split_entities(frame, cols.entity, spec.split_entities, spec.split_mode)
    # Entity names: text, trimmed; a blank name is unusable.
    names = frame[cols.entity].astype("string").str.strip()
    blank = (names.isna() | (names == "")).to_numpy(dtype=bool)
    values, sizes = _measures(raw, frame, cols, spec, share_col, warnings)
    codes_list, labels_list = _group_codes(raw, frame, cols.by, spec)
    maps = name_maps(spec)

    keep = _drop_blank_names(raw, frame, blank, values, cols.entity_label, warnings)
    groups = [()]
    if cols.by:
        keep = _drop_blank_groups(keep, codes_list, warnings)
        groups = present_groups(codes_list, labels_list, keep)
    usable = _usable_rows(keep, values, sizes, warnings)
    if maps:
        names = apply_name_maps(names, maps, usable, warnings)
    order = _date_order(frame, cols.by, spec) if spec.aggregation in ("first", "last") else None
    out, group_code, rows = aggregate(
        names, values, sizes, cols.by, codes_list, labels_list, usable, spec.aggregation, order
    )
    out, group_code, repeated, combined = finish_markets(
        out, rows, group_code, cols.by, spec, raw.source, cols.value_label, cols.size, need_size, warnings
    )
    totals = None
    if cols.total is not None:
        totals = group_totals(raw, frame, cols.total, cols.by, codes_list, labels_list, spec)
    return Markets(
        companies=out,
        groups=groups,
        by=cols.by,
        entity=cols.entity_label,
        value=cols.value_label,
        size=(cols.size if cols.size else (cols.value_label if need_size else None)),
        rows_read=rows_read,
        rows_used=int(usable.sum()),
        source=raw.source,
        credit=raw.credit,
        warnings=warnings,
        group_index=None if group_code is None else (out, group_code, labels_list),
        repeated_entities=repeated,
        rows_combined=combined,
        totals=totals,
        aliases=maps_dict(maps, "aliases"),
        parents=maps_dict(maps, "parents"),
    )


def name_maps(spec: MarketSpec) -> list:
    """The spec's name maps, loaded and checked (aliases first, then parents); [] when none."""
    from aistruct.markets.names import load_name_map

    given = (("aliases", spec.aliases), ("parents", spec.parents))
    return [load_name_map(m, kind) for kind, m in given if m is not None]


def maps_dict(maps: list, kind: str) -> dict | None:
    """``input.aliases`` / ``input.parents`` of the applied maps (None: not given)."""
    return next((m.to_dict() for m in maps if m.kind == kind), None)


def _date_order(frame, by_cols: list[str], spec: MarketSpec):
    """With ``--freq``, a sortable number per row from its date (``first``/``last`` in date order), else None."""
    if not spec.freq or not by_cols:
        return None
    import numpy as np
    import pandas as pd

    column = by_cols[0] if spec.wide else by_cols[-1]
    codes, uniques = pd.factorize(frame[column], use_na_sentinel=True)
    keys = []
    for u in uniques.tolist() if hasattr(uniques, "tolist") else list(uniques):
        try:
            ts = pd.Timestamp(u)
            keys.append(float(ts.value) if ts is not pd.NaT else np.inf)
        except (ValueError, TypeError, OverflowError):
            keys.append(np.inf)
    table = np.asarray(keys + [np.inf], dtype=np.float64)
    return table[np.where(codes >= 0, codes, len(keys))]


def _check_options(spec: MarketSpec) -> None:
    check_fringe_options(spec)
    check_agg(spec.agg)
    check_freq(spec.freq)
    check_split_mode(spec.split_mode)
    check_decimal(spec.decimal)
    check_on_bad_value(spec.on_bad_value)


def _resolve_wide(raw: RawTable, frame, spec: MarketSpec):
    """(long frame, columns) of a wide table: the id column is the first group column."""
    if spec.total_column:
        raise UsageError(
            f"{param('total_column')} does not apply to {param('wide')} tables, whose every column is a company; "
            f"{param('exclude')} that column and give {param('total')}, or use {param('other')}"
        )
    if spec.entity or spec.value:
        raise UsageError(
            f"{param('wide')} reads every non-id column as a company; "
            f"do not combine it with {param('entity')}/{param('value')}"
        )
    frame, id_col, entity, value = melt_wide(raw, frame, spec)
    by = [id_col] + [
        resolve_column(b, frame.columns, raw.source, spec.param_for(b, "by")) for b in spec.by if b != id_col
    ]
    return frame, _Columns(by, entity, value, None, WIDE_ENTITY, WIDE_VALUE)


def long_columns(frame, spec: MarketSpec, what: str) -> tuple[list[str], str, str, str | None, str | None]:
    """(--by columns, entity, value, size or None, total column or None) of a long table, resolved
    and checked as every engine resolves them (the defaults: the first text column, the only numeric one)."""
    cols = [c for c in frame.columns if c != ROW]
    by = [resolve_column(b, cols, what, spec.param_for(b, "by")) for b in spec.by]
    if len(set(by)) != len(by):
        raise UsageError(f"{param('by')} names the same column twice")
    taken = set(by) | {ROW}
    size = resolve_column(spec.size, cols, what, param("size")) if spec.size else None
    if size:
        taken.add(size)
    total = resolve_column(spec.total_column, cols, what, param("total_column")) if spec.total_column else None
    if total:  # a market's size, not a company's: never the default value column
        taken.add(total)
    entity = (
        resolve_column(spec.entity, cols, what, param("entity"))
        if spec.entity
        else default_entity(frame, taken, spec.decimal, what)
    )
    taken.add(entity)
    value = (
        resolve_column(spec.value, cols, what, param("value"))
        if spec.value
        else default_value(frame, taken, spec.decimal, what)
    )
    if value == entity:
        raise UsageError(f"{what}: {param('entity')} and {param('value')} both name {value!r}")
    if value in by or entity in by:
        raise UsageError(f"{what}: a {param('by')} column cannot also be the entity or value column")
    if total is not None and total in (entity, value, *by):
        raise UsageError(f"{what}: {param('total_column')} {total!r} is also the entity, value or a group column")
    return by, entity, value, size, total


def _resolve_long(raw: RawTable, frame, spec: MarketSpec):
    """(frame without ``--exclude``d companies, columns) of a table with one row per observation."""
    by, entity, value, size, total = long_columns(frame, spec, raw.source)
    if spec.exclude:
        excluded = {str(e).casefold() for e in spec.exclude}
        frame = frame[~frame[entity].astype("string").str.strip().str.casefold().isin(excluded).fillna(False)]
    return frame, _Columns(by, entity, value, size, entity, value, total)


def _measures(raw: RawTable, frame, cols: _Columns, spec: MarketSpec, share_col, warnings: list[str]):
    """(values, sizes or None) per row, each multiplied by the row's share when entities were split."""
    import numpy as np

    if not len(frame):
        return np.array([], float), None
    values = parse_values(raw, frame, cols.value, spec, warnings, "value")
    if share_col is not None:
        values = values * frame[share_col].to_numpy(dtype=np.float64)
    sizes = None
    if cols.size is not None and cols.size != cols.value:
        sizes = parse_values(raw, frame, cols.size, spec, warnings, "size")
        if share_col is not None:
            sizes = sizes * frame[share_col].to_numpy(dtype=np.float64)
    return values, sizes


def _group_codes(raw: RawTable, frame, by_cols: list[str], spec: MarketSpec):
    """(codes per --by column, labels per --by column); with ``--freq`` the period column's
    labels are periods (the last --by column, or a wide table's id column)."""
    codes_list = []
    labels_list = []
    for b in by_cols:
        if spec.freq and b == by_cols[-1] and not spec.wide or (spec.freq and spec.wide and b == by_cols[0]):
            codes, labels = period_codes(raw, frame, b, spec.freq)
        else:
            codes, labels = group_codes(frame, b)
        codes_list.append(codes)
        labels_list.append(labels)
    return codes_list, labels_list


def _drop_blank_names(raw: RawTable, frame, blank, values, entity_label: str, warnings: list[str]):
    """The rows with a company name; warns about the blank-named rows that had a value."""
    import numpy as np

    if blank.any():
        rows = frame[ROW].to_numpy()
        has_value = ~np.isnan(values) if len(values) else blank
        bad = np.flatnonzero(blank & has_value)
        if len(bad):
            warnings.append(
                f"dropped {len(bad)} row(s) with a blank {entity_label!r} (first: {raw.row_label(int(rows[bad[0]]))})"
            )
    return ~blank


def _drop_blank_groups(keep, codes_list, warnings: list[str]):
    """``keep`` without the rows whose --by value is blank (with a warning)."""
    import numpy as np

    missing_group = np.zeros(len(keep), dtype=bool)
    for codes in codes_list:
        missing_group |= codes < 0
    missing_group &= keep
    if missing_group.any():
        warnings.append(f"dropped {int(missing_group.sum())} row(s) with a blank --by value")
        keep = keep & ~missing_group
    return keep


def _usable_rows(keep, values, sizes, warnings: list[str]):
    """The kept rows with a value (and a size); warns about the others."""
    import numpy as np

    usable = keep & ~np.isnan(values) if len(values) else keep
    if sizes is not None:
        usable &= ~np.isnan(sizes)
    missing = int((keep & ~usable).sum())
    if missing:
        warnings.append(f"{missing} row(s) with a missing value were left out")
    return usable
