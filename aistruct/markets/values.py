"""Numbers out of table columns: which columns hold numbers, and their float values.

Cells are parsed with the human number forms of :mod:`aistruct.numbers`; bad and
negative cells exit 2 naming the row (or, with ``on_bad_value="drop"``, are
dropped with a warning).
"""

from __future__ import annotations

from typing import Any

from aistruct.errors import InputError, param
from aistruct.markets.spec import ROW, MarketSpec
from aistruct.reader import RawTable
from aistruct.sanitize import cell_excerpt


def is_numeric_dtype(series) -> bool:
    """True for a numeric (not boolean) pandas column."""
    import pandas as pd

    return pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series)


def looks_numeric(series, decimal: str) -> bool:
    """True when the column's non-missing cells (a sample of up to 1000) parse as numbers."""
    from aistruct.numbers import parse_series

    if is_numeric_dtype(series):
        return True
    import pandas as pd

    if not (pd.api.types.is_object_dtype(series) or pd.api.types.is_string_dtype(series)):
        return False
    sample: Any = None
    for window in (10_000, None):  # the first rows usually suffice; scan everything only if they are blank
        part = (series.iloc[:window] if window else series).dropna()
        sample = part[part.astype(str).str.strip() != ""].head(1000)
        if not sample.empty or window is None or len(series) <= window:
            break
    if sample.empty:
        return False
    parsed = parse_series(sample.astype(str), decimal=decimal)
    return len(parsed.bad) == 0 and parsed.missing < len(sample)


_PREFIX_ROWS = 1000  # looks_numeric's sample is the first 1000 non-blank cells: these rows' cells come first


def numeric_columns(frame, columns, decimal: str) -> list[bool]:
    """``looks_numeric`` of each of ``columns``, with one parse for all the text columns.

    Per-column parsing costs milliseconds of overhead, which 100,000 columns turn into
    minutes. The non-blank cells of the first 1000 rows start each column's sample, so
    one parse of them all settles a column with a bad cell there (not numeric), and a
    column whose sample they are whole (a table of at most 1000 rows, or 1000 non-blank
    cells); only the rest are sampled one by one.
    """
    import numpy as np
    import pandas as pd

    from aistruct.numbers import parse_series

    answers: dict[int, bool] = {}
    text: list[int] = []
    dtypes = frame.dtypes  # one Series: no column is taken out of the frame to ask its type
    for i, c in enumerate(columns):
        dtype = dtypes[c]
        if pd.api.types.is_numeric_dtype(dtype) and not pd.api.types.is_bool_dtype(dtype):
            answers[i] = True
        elif pd.api.types.is_object_dtype(dtype) or pd.api.types.is_string_dtype(dtype):
            text.append(i)
        else:
            answers[i] = False
    if text:
        head = frame[[columns[i] for i in text]].iloc[:_PREFIX_ROWS]
        rows = len(head)
        cells = head.to_numpy(dtype=object).T.ravel()  # column by column
        owner = np.repeat(np.arange(len(text)), rows)
        present = ~pd.isna(cells)
        strs = pd.Series(cells[present], dtype=object).astype(str)
        owner = owner[present]
        filled = (strs.str.strip() != "").to_numpy(dtype=bool)
        strs, owner = strs[filled].reset_index(drop=True), owner[filled]
        parsed = parse_series(strs, decimal=decimal)
        count = np.bincount(owner, minlength=len(text))
        bad = np.bincount(owner[np.asarray(parsed.bad, dtype=np.int64)], minlength=len(text))
        is_missing = np.isnan(parsed.values)
        is_missing[np.asarray(parsed.bad, dtype=np.int64)] = False
        missing = np.bincount(owner[is_missing], minlength=len(text))
        whole = len(frame) <= _PREFIX_ROWS
        for j, i in enumerate(text):
            if bad[j]:
                answers[i] = False
            elif whole or count[j] >= _PREFIX_ROWS:
                answers[i] = bool(count[j] > 0 and missing[j] < count[j])
            else:
                answers[i] = looks_numeric(frame[columns[i]], decimal)
    return [answers[i] for i in range(len(columns))]


def parse_values(raw: RawTable, frame, column: str, spec: MarketSpec, warnings: list[str], option: str):
    """Float values of ``column`` (NaN = missing) and a mask of rows to keep; ``option`` is the
    keyword that named the column (``value``, ``size``).

    Bad cells exit 2 naming the row, unless ``on_bad_value == "drop"``.
    Infinite or NaN numbers in a numeric column count as bad cells.
    """
    import numpy as np

    from aistruct.numbers import parse_series

    series = frame[column]
    keep = np.ones(len(series), dtype=bool)
    if is_numeric_dtype(series):
        missing_mask = series.isna().to_numpy()
        values = series.to_numpy(dtype=np.float64, na_value=np.nan)
        bad = np.flatnonzero(~missing_mask & ~np.isfinite(values))
        # A float NaN that was not a null cell is a literal "nan" in the file.
        if series.dtype.kind == "f" and not hasattr(series.dtype, "pyarrow_dtype"):
            bad = np.flatnonzero(np.isinf(values))
        # the number as pyarrow read it ('inf' for 400 digits): show the cell as written
        rows = frame[ROW].to_numpy()
        bad_text = [raw.cell_as_written(int(rows[i]), column, series.iloc[i]) for i in bad[:1]]
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
                f"--{option} {column!r}: dropped {len(bad)} cell(s) that are not numbers "
                f"(first: {raw.row_label(int(rows[bad[0]]))}, {cell_excerpt(bad_text[0])})"
            )
        else:
            raise InputError(
                f"{raw.source}: {raw.row_label(int(rows[bad[0]]))}, column {column!r}: "
                f"not a number: {cell_excerpt(bad_text[0])}"
                + (f" (and {len(bad) - 1} more)" if len(bad) > 1 else "")
                + f"; use {param('on_bad_value')} drop to skip such cells"
            )
    if len(currencies) > 1:
        warnings.append(
            f"column {column!r} mixes currencies ({', '.join(sorted(currencies))}); values are not converted"
        )
    neg = np.flatnonzero(values < 0)
    if len(neg):
        rows = frame[ROW].to_numpy()
        labels = ", ".join(raw.row_label(int(rows[i])) for i in neg[:5])
        more = f" and {len(neg) - 5} more" if len(neg) > 5 else ""
        raise InputError(f"{raw.source}: column {column!r} has negative values ({labels}{more})")
    return values
