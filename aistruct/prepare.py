"""From a raw table to per-company values per market: the shared interpretation step.

Every analysis command goes through :func:`prepare_markets`: it resolves the
column names, applies ``--where`` filters, reshapes wide tables, splits joint
entities, turns dates into period labels, parses the value (and size) columns
with the human number forms of :mod:`aistruct.numbers`, and aggregates rows per
company with ``agg``. What it drops (missing values, bad cells with
``on_bad_value="drop"``) it counts in ``warnings``.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from typing import Any, Mapping, Sequence

from aistruct.errors import InputError, UsageError
from aistruct.reader import RawTable

AGGREGATIONS = ("sum", "mean", "max", "min", "count")
FREQS = ("year", "quarter", "month")
SPLIT_MODES = ("first", "equal", "full")
WHERE_OPS = ("!=", "<=", ">=", "=", "<", ">", "~", "in")
ENTITY = "__entity__"
VALUE = "__value__"
SIZE = "__size__"
ROW = "__row__"


@dataclass
class MarketSpec:
    """Which columns mean what, and how rows become companies. Shared by all commands."""

    entity: str | None = None
    value: str | None = None
    by: Sequence[str] = ()
    freq: str | None = None
    where: Sequence[str] = ()
    agg: str = "sum"
    decimal: str = "."
    on_bad_value: str = "error"
    wide: bool = False
    id: str | None = None
    exclude: Sequence[str] = ()
    split_entities: str | None = None
    split_mode: str = "first"
    size: str | None = None  # tiers: the column that classifies (default: value)
    #: the option a --by or --id column came from, when a command adds one (trend's --period)
    option_of: Mapping[str, str] = field(default_factory=dict)

    def option_for(self, column: str, default: str) -> str:
        return self.option_of.get(column, default)


@dataclass
class Markets:
    """Aggregated companies: one row per (group, company) in ``companies``."""

    companies: Any  # DataFrame: by columns..., __entity__, __value__ [, __size__]
    groups: list[tuple]  # every group key seen (sorted), even those with no usable value
    by: list[str]
    entity: str
    value: str
    size: str | None
    rows_read: int
    rows_used: int
    source: str
    credit: str | None
    warnings: list[str] = field(default_factory=list)
    # (companies frame, group code per row, labels per --by column), set by prepare_markets
    # so iter_groups can split without hashing the label strings again; used only while
    # ``companies`` is still that very frame.
    group_index: Any = field(default=None, repr=False, compare=False)

    def input_dict(self) -> dict:
        doc = {
            "source": self.source,
            "rows_read": self.rows_read,
            "rows_used": self.rows_used,
            "entity": self.entity,
            "value": self.value,
            "by": list(self.by),
        }
        if self.size is not None:
            doc["size"] = self.size
        if self.credit:
            doc["credit"] = self.credit
        return doc

    def iter_groups(self):
        """(group dict, companies frame) for every group, in sorted order."""
        gi = self.group_index
        if self.by and gi is not None and gi[0] is self.companies and len(gi[1]) == len(self.companies):
            yield from self._iter_indexed()
            return
        if self.by:
            parts = {k if isinstance(k, tuple) else (k,): g for k, g in self.companies.groupby(self.by, sort=False)}
        else:
            parts = {(): self.companies}
        for key in self.groups:
            frame = parts.get(key)
            if frame is None:
                frame = self.companies.iloc[0:0]
            yield dict(zip(self.by, key)), frame

    def _iter_indexed(self):
        """iter_groups from the group codes: one O(n) radix sort of the codes, then slices.

        The same frames as ``groupby(sort=False)``: each group's rows in their order in
        ``companies``, with their index labels.
        """
        import numpy as np

        frame, codes, labels_list = self.group_index
        order = np.argsort(codes, kind="stable")
        ordered = frame.take(order)
        sizes = [max(len(labels), 1) for labels in labels_list]
        starts = np.concatenate(([0], np.cumsum(np.bincount(codes, minlength=int(np.prod(sizes))))))
        index = [{lab: i for i, lab in enumerate(labels)} for labels in labels_list]
        for key in self.groups:
            code = 0
            for pos, lab, size in zip(index, key, sizes):
                code = code * size + pos[lab]
            yield dict(zip(self.by, key)), ordered.iloc[int(starts[code]) : int(starts[code + 1])]


# ---------------------------------------------------------------- columns


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


def _check_header(raw: RawTable) -> None:
    cols = [str(c) for c in raw.frame.columns]
    seen: dict[str, int] = {}
    for i, c in enumerate(cols):
        if c in seen:
            raise InputError(f"{raw.source}: duplicate column name {c!r} (columns {seen[c] + 1} and {i + 1})")
        seen[c] = i


def _is_numeric_dtype(series) -> bool:
    import pandas as pd

    return pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series)


def _looks_numeric(series, decimal: str) -> bool:
    """True when the column's non-missing cells (a sample of up to 1000) parse as numbers."""
    from aistruct.numbers import parse_series

    if _is_numeric_dtype(series):
        return True
    import pandas as pd

    if not (pd.api.types.is_object_dtype(series) or pd.api.types.is_string_dtype(series)):
        return False
    sample = None
    for window in (10_000, None):  # the first rows usually suffice; scan everything only if they are blank
        part = (series.iloc[:window] if window else series).dropna()
        sample = part[part.astype(str).str.strip() != ""].head(1000)
        if not sample.empty or window is None or len(series) <= window:
            break
    if sample.empty:
        return False
    parsed = parse_series(sample.astype(str), decimal=decimal)
    return len(parsed.bad) == 0 and parsed.missing < len(sample)


def _default_entity(frame, exclude: set, decimal: str, what: str) -> str:
    for col in frame.columns:
        if col in exclude:
            continue
        if not _looks_numeric(frame[col], decimal):
            return str(col)
    raise UsageError(f"{what}: no text column to use as the company name; name one with --entity")


def _default_value(frame, exclude: set, decimal: str, what: str, option: str = "--value") -> str:
    numeric = [str(c) for c in frame.columns if c not in exclude and _looks_numeric(frame[c], decimal)]
    if len(numeric) == 1:
        return numeric[0]
    if not numeric:
        raise UsageError(f"{what}: no numeric column to measure; name one with {option}")
    raise UsageError(f"{what}: several numeric columns ({', '.join(map(repr, numeric))}); choose one with {option}")


# ---------------------------------------------------------------- values


def parse_values(raw: RawTable, frame, column: str, spec: MarketSpec, warnings: list[str], option: str):
    """Float values of ``column`` (NaN = missing) and a mask of rows to keep.

    Bad cells exit 2 naming the row, unless ``on_bad_value == "drop"``.
    Infinite or NaN numbers in a numeric column count as bad cells.
    """
    import numpy as np

    from aistruct.numbers import parse_series

    series = frame[column]
    keep = np.ones(len(series), dtype=bool)
    if _is_numeric_dtype(series):
        missing_mask = series.isna().to_numpy()
        values = series.to_numpy(dtype=np.float64, na_value=np.nan)
        bad = np.flatnonzero(~missing_mask & ~np.isfinite(values))
        # A float NaN that was not a null cell is a literal "nan" in the file.
        if series.dtype.kind == "f" and not hasattr(series.dtype, "pyarrow_dtype"):
            bad = np.flatnonzero(np.isinf(values))
        bad_text = [str(series.iloc[i]) for i in bad[:1]]
        currencies: set = set()
    else:
        parsed = parse_series(series, decimal=spec.decimal)
        values = np.asarray(parsed.values, dtype=np.float64)
        bad = np.asarray(parsed.bad, dtype=np.int64)
        bad_text = [str(series.iloc[int(i)]) for i in bad[:1]]
        currencies = set(parsed.currencies)
    if len(bad):
        rows = frame[ROW].to_numpy()
        if spec.on_bad_value == "drop":
            keep[bad] = False
            values = values.copy()
            values[bad] = np.nan
            warnings.append(
                f"{option} {column!r}: dropped {len(bad)} cell(s) that are not numbers "
                f"(first: {raw.row_label(int(rows[bad[0]]))}, {bad_text[0]!r})"
            )
        else:
            raise InputError(
                f"{raw.source}: {raw.row_label(int(rows[bad[0]]))}, column {column!r}: "
                f"not a number: {bad_text[0][:80]!r}"
                + (f" (and {len(bad) - 1} more)" if len(bad) > 1 else "")
                + "; use --on-bad-value drop to skip such cells"
            )
    if len(currencies) > 1:
        warnings.append(f"column {column!r} mixes currencies ({', '.join(sorted(currencies))}); values are not converted")
    neg = np.flatnonzero(values < 0)
    if len(neg):
        rows = frame[ROW].to_numpy()
        labels = ", ".join(raw.row_label(int(rows[i])) for i in neg[:5])
        more = f" and {len(neg) - 5} more" if len(neg) > 5 else ""
        raise InputError(f"{raw.source}: column {column!r} has negative values ({labels}{more})")
    return values


# ---------------------------------------------------------------- filters


_WHERE_RE = re.compile(
    r"""^\s*(?:'(?P<sq>[^']*)'|"(?P<dq>[^"]*)"|(?P<bare>[^\s=!<>~'"]+))\s*"""
    r"""(?P<op>!=|<=|>=|=|<|>|~|in(?=\s))\s*(?P<val>.*?)\s*$""",
    re.S,
)


@dataclass
class Condition:
    column: str
    op: str
    value: str


def parse_where(text: str) -> Condition:
    """Parse ``COL OP VALUE``; column names with spaces are quoted. Never evaluated as code."""
    m = _WHERE_RE.match(text)
    if not m:
        raise UsageError(
            f"--where {text!r}: expected \"COLUMN OP VALUE\" with OP one of {' '.join(WHERE_OPS)} "
            "(quote column names that contain spaces: \"'Close date' >= 2024-01-01\")"
        )
    col = m.group("sq") if m.group("sq") is not None else m.group("dq") if m.group("dq") is not None else m.group("bare")
    val = m.group("val")
    if len(val) >= 2 and val[0] == val[-1] and val[0] in "'\"":
        val = val[1:-1]
    return Condition(col, m.group("op"), val)


def _apply_where(raw: RawTable, frame, conditions: Sequence[str], decimal: str):
    import numpy as np
    import pandas as pd

    from aistruct.numbers import BadNumber, parse_number, parse_series

    mask = np.ones(len(frame), dtype=bool)
    for text in conditions:
        cond = parse_where(text)
        col = resolve_column(cond.column, [c for c in frame.columns if c != ROW], raw.source, "--where")
        series = frame[col]
        text_vals = series.astype("string").fillna("").to_numpy(dtype=object)
        if cond.op == "~":
            try:
                rx = re.compile(cond.value)
            except re.error as exc:
                raise UsageError(f"--where {text!r}: bad regular expression: {exc}") from None
            hit = np.fromiter((bool(rx.search(str(v))) for v in text_vals), dtype=bool, count=len(text_vals))
        elif cond.op == "in":
            options = {v.strip() for v in cond.value.split(",")}
            hit = np.isin(np.asarray([str(v).strip() for v in text_vals], dtype=object), list(options))
        else:
            number = None
            try:
                number = parse_number(cond.value, decimal=decimal)
            except BadNumber:
                number = None
            if number is not None and (_is_numeric_dtype(series) or _looks_numeric(series, decimal)):
                if _is_numeric_dtype(series):
                    left = series.to_numpy(dtype=np.float64, na_value=np.nan)
                else:
                    left = parse_series(series, decimal=decimal).values
                right: Any = number
            else:
                left = np.asarray([str(v) for v in text_vals], dtype=object)
                right = cond.value
                if cond.op in ("<", "<=", ">", ">="):
                    # Dates and labels compare as text; ISO dates sort correctly that way.
                    left = pd.Series(left, dtype="string").to_numpy(dtype=object)
            with np.errstate(invalid="ignore"):
                if cond.op == "=":
                    hit = left == right
                elif cond.op == "!=":
                    hit = left != right
                elif cond.op == "<":
                    hit = left < right
                elif cond.op == "<=":
                    hit = left <= right
                elif cond.op == ">":
                    hit = left > right
                else:
                    hit = left >= right
            hit = np.asarray(hit, dtype=bool)
        mask &= hit
    return frame[mask]


# ---------------------------------------------------------------- periods


_MONTHS = {m: i for i, m in enumerate(
    ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"], start=1)}


def _parse_date_cell(text: str):
    """(year, month) of one date-like cell, or None. Accepts ISO dates, 2024-03,
    2024/03/15, 2024.03, Mar 2024, March 2024, 2024Q1, and a bare year."""
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
    m = re.match(r"^(\d{1,2})[/.](\d{1,2})[/.](\d{4})$", t)  # day/month/year is ambiguous: refuse
    return None


def period_label(year: int, month: int | None, freq: str) -> str:
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
        key = _parse_date_cell(text)
    if key is None or (key[1] is None and freq != "year"):
        return False
    return period_label(key[0], key[1], freq)


def _label_codes(series, label_of):
    """(codes, labels): ``labels[codes[i]]`` is the label of cell i, code -1 a blank cell.

    ``label_of`` runs once per distinct cell, so a million rows with a few distinct
    values cost one hash pass. ``labels`` are sorted and distinct.
    Raises ``_BadCell(position)`` for the first cell ``label_of`` rejects.
    """
    import numpy as np
    import pandas as pd

    codes, uniques = pd.factorize(series, use_na_sentinel=True)
    ulabels = []
    bad = []
    for i, u in enumerate(uniques.tolist() if hasattr(uniques, "tolist") else list(uniques)):
        lab = label_of(u)
        if lab is False:
            bad.append(i)
            lab = None
        ulabels.append(lab)
    if bad:
        first = int(np.flatnonzero(np.isin(codes, bad))[0])
        raise _BadCell(first)
    present = [lab for lab in ulabels if lab is not None]
    labels = sorted(set(present))
    index = {lab: k for k, lab in enumerate(labels)}
    remap = np.asarray([index[lab] if lab is not None else -1 for lab in ulabels] + [-1], dtype=np.int64)
    return remap[codes], labels  # code -1 indexes the trailing -1


class _BadCell(Exception):
    def __init__(self, position: int):
        self.position = position


def period_codes(raw: RawTable, frame, column: str, freq: str):
    """(codes, labels) of the period (``2024``, ``2024Q1``, ``2024-03``) of each row; bad dates exit 2."""
    xlsx = raw.format == "xlsx"
    try:
        return _label_codes(frame[column], lambda cell: _period_of(cell, freq, xlsx))
    except _BadCell as bad:
        cell = frame[column].iloc[bad.position]
        rows = frame[ROW].to_numpy()
        key = _parse_date_cell(str(cell)) if isinstance(cell, str) else None
        need = "a date with a month" if key is not None else "a date"
        raise InputError(
            f"{raw.source}: {raw.row_label(int(rows[bad.position]))}, column {column!r}: "
            f"{str(cell)[:40]!r} is not {need} (for --freq {freq})"
        ) from None


def group_codes(frame, column: str):
    """(codes, labels) of a --by column: labels as text, integers without '.0', blanks code -1."""
    return _label_codes(frame[column], cell_label)


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
        return value.isoformat()[:10] if hasattr(value, "hour") and value.hour == 0 and value.minute == 0 else value.isoformat()
    text = str(value)
    return text if text.strip() else None


# ---------------------------------------------------------------- shaping


def _melt_wide(raw: RawTable, frame, spec: MarketSpec):
    """Wide market-share tables: each non-id column is a company, each row a group."""
    cols = [c for c in frame.columns if c != ROW]
    id_col = resolve_column(spec.id, cols, raw.source, spec.option_for(spec.id, "--id")) if spec.id else cols[0]
    excluded = set()
    for name in spec.exclude:
        excluded.add(resolve_column(name, cols, raw.source, "--exclude"))
    company_cols = [c for c in cols if c != id_col and c not in excluded]
    if not company_cols:
        raise UsageError(f"{raw.source}: --wide: no company columns besides the id column {id_col!r}")
    long = frame.melt(id_vars=[id_col, ROW], value_vars=company_cols, var_name="company", value_name="value")
    return long, id_col


def _split(frame, column: str, sep: str, mode: str):
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
    frame["__share__"] = 1.0 / counts if mode == "equal" else np.ones(len(frame))
    frame = frame.explode(column, ignore_index=True)
    return frame, "__share__"


# ---------------------------------------------------------------- aggregation


def _present_combos(codes_list, sizes, keep):
    """The distinct (code, code, ...) tuples of the kept rows, in lexicographic order.

    The codes of each --by column index its sorted labels, so this order is the
    sorted order of the label tuples. One mixed-radix integer key per row, then a
    bincount (O(n)) when the key space is small, else a 1-D unique (O(n log n));
    a 2-D ``np.unique(axis=0)`` sorts rows as structured records and costs ten
    times more on millions of rows.
    """
    import numpy as np

    if not keep.any():
        return []
    space = 1
    for k in sizes:
        space *= max(int(k), 1)
    if space >= 2**62:  # too many combinations for one integer key
        return np.unique(np.stack([c[keep] for c in codes_list], axis=1), axis=0).tolist()
    key = np.zeros(int(keep.sum()), dtype=np.int64)
    for codes, k in zip(codes_list, sizes):
        key *= max(int(k), 1)
        key += codes[keep]
    if space <= max(4 * key.size, 1 << 16):
        present = np.flatnonzero(np.bincount(key, minlength=space))
    else:
        present = np.unique(key)
    return np.stack(np.unravel_index(present, [max(int(k), 1) for k in sizes]), axis=1).tolist()



def _aggregate(names, values, sizes, by_cols, codes_list, labels_list, usable, agg: str):
    """One row per (group, company), in no particular order.

    Hash aggregation in pyarrow, single-threaded so that each company's values are
    added in the order of the rows, on every run and in every engine (the DuckDB
    engine adds them in the same order: byte-identical totals). The order of the
    output rows is the hash table's: consumers that list companies order them by
    value (ties by name) themselves, and the metrics add sorted values
    (:class:`aistruct.metrics.Prepared`), so the order never shows in a figure.
    """
    import numpy as np
    import pyarrow as pa

    if agg in ("sum", "mean", "count"):
        return _aggregate_bincount(names, values, sizes, by_cols, codes_list, labels_list, usable, agg)
    mask = pa.array(usable)
    columns = {}
    for b, codes in zip(by_cols, codes_list):
        # Group on the labels' integer codes (one code per label among the kept rows);
        # the labels replace them after the aggregation.
        columns[b] = pa.array(codes.astype(np.int32) if len(codes) < 2**31 else codes)
    columns[ENTITY] = pa.array(names, type=pa.string(), from_pandas=True)
    columns[VALUE] = pa.array(values, type=pa.float64())
    if sizes is not None:
        columns[SIZE] = pa.array(sizes, type=pa.float64())
    table = pa.table(columns).filter(mask)
    keys = list(by_cols) + [ENTITY]
    func = {"sum": "sum", "mean": "mean", "max": "max", "min": "min", "count": "count"}[agg]
    measures = [VALUE] + ([SIZE] if sizes is not None else [])
    grouped = table.group_by(keys, use_threads=False).aggregate([(m, func) for m in measures])
    grouped = grouped.rename_columns([f"{m}_{func}" if f"{m}_{func}" in grouped.column_names else m
                                      for m in grouped.column_names])
    grouped = grouped.rename_columns([c[: -len(func) - 1] if c.endswith("_" + func) else c
                                      for c in grouped.column_names])
    grouped = grouped.select(keys + measures)
    space = 1
    for labels in labels_list:
        space *= max(len(labels), 1)
    group_code = None
    if by_cols and space < 2**15:  # small codes: numpy's stable sort of int16 is a radix sort
        group_code = np.zeros(grouped.num_rows, dtype=np.int16)
        for b, labels in zip(by_cols, labels_list):
            group_code *= max(len(labels), 1)
            group_code += grouped[b].to_numpy().astype(np.int16)
    for b, labels in zip(by_cols, labels_list):
        label_of = pa.array(labels, type=pa.string())
        grouped = grouped.set_column(grouped.schema.get_field_index(b), b, label_of.take(grouped[b]))
    out = grouped.to_pandas()
    for m in measures:
        out[m] = out[m].astype(np.float64)
    return out, group_code


def finish_companies(out, what: str, agg: str, value_label: str, size_label: str | None, need_size: bool) -> None:
    """Checks and completes an engine's per-company table in place: a company total
    beyond the float range exits 2 naming the company; ``SIZE`` defaults to ``VALUE``."""
    import numpy as np

    for col, option in ((VALUE, value_label), (SIZE, size_label)):
        if col in out.columns:
            over = np.flatnonzero(~np.isfinite(out[col].to_numpy(dtype=np.float64)))
            if len(over):
                name = out[ENTITY].iloc[int(over[0])]
                raise InputError(
                    f"{what}: column {option!r}: the {agg} for {str(name)[:80]!r} overflows a 64-bit float "
                    "(more than about 1.8e308); rescale the column"
                )
    if need_size and SIZE not in out.columns:
        out[SIZE] = out[VALUE]


def _aggregate_bincount(names, values, sizes, by_cols, codes_list, labels_list, usable, agg: str):
    """Sum, mean and count per (group, company) with numpy's bincount over integer keys.

    The same row-order additions as the hash aggregation (bincount adds each
    weight to its bin in row order), at a fraction of the cost: the company
    names are dictionary-encoded once, groups are already integer codes.
    Output rows come grouped by group code, companies in order of first appearance.
    """
    import numpy as np
    import pandas as pd
    import pyarrow as pa
    import pyarrow.compute as pc

    keep = np.asarray(usable, dtype=bool)
    encoded = pc.dictionary_encode(pa.array(names, type=pa.string(), from_pandas=True).filter(pa.array(keep)))
    if isinstance(encoded, pa.ChunkedArray):
        encoded = encoded.combine_chunks()
    entity_code = encoded.indices.to_numpy(zero_copy_only=False).astype(np.int64)
    n_entities = max(len(encoded.dictionary), 1)
    radices = [max(len(labels), 1) for labels in labels_list]
    group_key = np.zeros(int(keep.sum()), dtype=np.int64)
    for codes, radix in zip(codes_list, radices):
        group_key = group_key * radix + codes[keep].astype(np.int64)
    n_groups = int(np.prod(radices, dtype=np.float64)) if radices else 1
    if float(n_groups) * n_entities <= 4 * group_key.size + 1_000_000:  # a bin per possible pair fits
        key = group_key * n_entities + entity_code
        dense, n_bins = key, int(n_groups * n_entities)
    else:  # too many possible pairs: number the pairs present (hashing integers)
        dense, uniques = pd.factorize(group_key * n_entities + entity_code, sort=True)
        key, n_bins = None, len(uniques)
    counts = np.bincount(dense, minlength=n_bins)
    present = np.flatnonzero(counts)
    pair = present if key is not None else uniques[present]

    def per_pair(weights):
        if agg == "count":
            return counts[present].astype(np.float64)
        with np.errstate(over="ignore", invalid="ignore"):
            total = np.bincount(dense, weights=weights, minlength=n_bins)[present]
            return total / counts[present] if agg == "mean" else total

    out_columns = {}
    group_of_pair = pair // n_entities
    rest = group_of_pair.copy()
    by_codes = []
    for radix in reversed(radices):
        by_codes.append(rest % radix)
        rest //= radix
    by_codes.reverse()
    for b, labels, codes in zip(by_cols, labels_list, by_codes):
        out_columns[b] = pa.array(labels, type=pa.string()).take(pa.array(codes))
    out_columns[ENTITY] = encoded.dictionary.take(pa.array(pair % n_entities))
    out_columns[VALUE] = pa.array(per_pair(np.asarray(values, dtype=np.float64)[keep]))
    if sizes is not None:
        out_columns[SIZE] = pa.array(per_pair(np.asarray(sizes, dtype=np.float64)[keep]))
    out = pa.table(out_columns).to_pandas()
    group_code = group_of_pair.astype(np.int16) if by_cols and n_groups < 2**15 else None
    return out, group_code


# ---------------------------------------------------------------- main entry


def prepare_markets(raw: RawTable, spec: MarketSpec, *, need_size: bool = False) -> Markets:
    """Interpret ``raw`` per ``spec`` and aggregate to one row per (group, company)."""
    import numpy as np

    if spec.agg not in AGGREGATIONS:
        raise UsageError(f"--agg: unknown aggregation {spec.agg!r}; use one of {', '.join(AGGREGATIONS)}")
    if spec.freq is not None and spec.freq not in FREQS:
        raise UsageError(f"--freq: unknown frequency {spec.freq!r}; use one of {', '.join(FREQS)}")
    if spec.split_mode not in SPLIT_MODES:
        raise UsageError(f"--split-mode: unknown mode {spec.split_mode!r}; use one of {', '.join(SPLIT_MODES)}")
    if spec.decimal not in (".", ","):
        raise UsageError("--decimal must be '.' or ','")
    if spec.on_bad_value not in ("error", "drop"):
        raise UsageError("--on-bad-value must be 'error' or 'drop'")
    _check_header(raw)
    warnings: list[str] = list(raw.warnings)
    frame = raw.frame
    frame.columns = [str(c) for c in frame.columns]
    rows_read = len(frame)
    frame = frame.assign(**{ROW: np.arange(rows_read)})
    what = raw.source

    if spec.where:
        frame = _apply_where(raw, frame, spec.where, spec.decimal)

    by_cols: list[str]
    if spec.wide:
        if spec.entity or spec.value:
            raise UsageError("--wide reads every non-id column as a company; do not combine it with --entity/--value")
        frame, id_col = _melt_wide(raw, frame, spec)
        entity_col, value_col = "company", "value"
        by_cols = [id_col] + [resolve_column(b, frame.columns, what, spec.option_for(b, "--by")) for b in spec.by if b != id_col]
        entity_label, value_label = "company", "value"
    else:
        cols = [c for c in frame.columns if c != ROW]
        by_cols = [resolve_column(b, cols, what, spec.option_for(b, "--by")) for b in spec.by]
        if len(set(by_cols)) != len(by_cols):
            raise UsageError("--by names the same column twice")
        taken = set(by_cols) | {ROW}
        size_col = resolve_column(spec.size, cols, what, "--size") if spec.size else None
        if size_col:
            taken.add(size_col)
        entity_col = (
            resolve_column(spec.entity, cols, what, "--entity")
            if spec.entity
            else _default_entity(frame, taken, spec.decimal, what)
        )
        taken.add(entity_col)
        value_col = (
            resolve_column(spec.value, cols, what, "--value")
            if spec.value
            else _default_value(frame, taken, spec.decimal, what)
        )
        if value_col == entity_col:
            raise UsageError(f"{what}: --entity and --value both name {value_col!r}")
        if value_col in by_cols or entity_col in by_cols:
            raise UsageError(f"{what}: a --by column cannot also be the entity or value column")
        entity_label, value_label = entity_col, value_col
        if spec.exclude:
            names = {str(e).casefold() for e in spec.exclude}
            frame = frame[~frame[entity_col].astype("string").str.strip().str.casefold().isin(names).fillna(False)]

    size_col = None
    if not spec.wide and spec.size:
        size_col = resolve_column(spec.size, [c for c in frame.columns if c != ROW], what, "--size")

    # Entity names: text, trimmed; a blank name is unusable.
    share_col = None
    if spec.split_entities:
        frame, share_col = _split(frame, entity_col, spec.split_entities, spec.split_mode)
    names = frame[entity_col]
    names = names.astype("string").str.strip()
    blank = names.isna() | (names == "")

    values = parse_values(raw, frame, value_col, spec, warnings, "--value") if len(frame) else np.array([], float)
    if share_col is not None and len(frame):
        values = values * frame[share_col].to_numpy(dtype=np.float64)
    sizes = None
    if size_col is not None and size_col != value_col and len(frame):
        sizes = parse_values(raw, frame, size_col, spec, warnings, "--size")
        if share_col is not None:
            sizes = sizes * frame[share_col].to_numpy(dtype=np.float64)

    group_codes_list = []
    group_labels = []
    for b in by_cols:
        if spec.freq and b == by_cols[-1] and not spec.wide or (spec.freq and spec.wide and b == by_cols[0]):
            codes, labels = period_codes(raw, frame, b, spec.freq)
        else:
            codes, labels = group_codes(frame, b)
        group_codes_list.append(codes)
        group_labels.append(labels)

    blank_np = blank.to_numpy(dtype=bool)
    if blank_np.any():
        rows = frame[ROW].to_numpy()
        has_value = ~np.isnan(values) if len(values) else blank_np
        bad = np.flatnonzero(blank_np & has_value)
        if len(bad):
            warnings.append(
                f"dropped {len(bad)} row(s) with a blank {entity_label!r} (first: {raw.row_label(int(rows[bad[0]]))})"
            )
    keep = ~blank_np
    if by_cols:
        missing_group = np.zeros(len(frame), dtype=bool)
        for codes in group_codes_list:
            missing_group |= codes < 0
        missing_group &= keep
        if missing_group.any():
            warnings.append(f"dropped {int(missing_group.sum())} row(s) with a blank --by value")
            keep &= ~missing_group
        combos = _present_combos(group_codes_list, [len(labels) for labels in group_labels], keep)
        groups = [tuple(labels[int(k)] for labels, k in zip(group_labels, combo)) for combo in combos]
    else:
        groups = [()]

    usable = keep & ~np.isnan(values) if len(values) else keep
    if sizes is not None:
        usable &= ~np.isnan(sizes)
    missing = int((keep & ~usable).sum())
    if missing:
        warnings.append(f"{missing} row(s) with a missing value were left out")
    rows_used = int(usable.sum())
    out, group_code = _aggregate(names, values, sizes, by_cols, group_codes_list, group_labels, usable, spec.agg)
    finish_companies(out, raw.source, spec.agg, value_label, size_col, need_size)
    return Markets(
        companies=out,
        groups=groups,
        by=by_cols,
        entity=entity_label,
        value=value_label,
        size=(size_col if size_col else (value_label if need_size else None)),
        rows_read=rows_read,
        rows_used=rows_used,
        source=raw.source,
        credit=raw.credit,
        warnings=warnings,
        group_index=None if group_code is None else (out, group_code, group_labels),
    )


ENGINES = ("default", "duckdb")


def load_markets(source: Any, read=None, spec: MarketSpec | None = None, *, need_size: bool = False,
                 progress=None) -> Markets:
    """Read ``source`` and prepare its markets with the engine ``read.engine`` names.

    ``default``: :func:`aistruct.reader.load_table` then :func:`prepare_markets`.
    ``duckdb``: :func:`aistruct.duckdb_engine.prepare_markets_duckdb` (Parquet files,
    globs and folders larger than memory; identical results).
    ``progress`` (optional) is called as ``progress(stage, done, total)`` with the
    stages ``read`` (bytes) and ``aggregate`` (no counts), for a progress bar.
    """
    from aistruct.reader import ReadOptions, load_table

    read = read or ReadOptions()
    spec = spec or MarketSpec()
    engine = (read.engine or "default").lower()
    if engine not in ENGINES:
        raise UsageError(f"--engine: unknown engine {read.engine!r}; use one of {', '.join(ENGINES)}")
    if engine == "duckdb":
        from aistruct.duckdb_engine import prepare_markets_duckdb

        if progress is not None:
            progress("aggregate", None, None)
        return prepare_markets_duckdb(source, read, spec, need_size=need_size)
    raw = load_table(source, read, progress=progress)
    if progress is not None:
        progress("aggregate", None, None)
    return prepare_markets(raw, spec, need_size=need_size)
