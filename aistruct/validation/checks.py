"""The checks chosen by options: ``--entity``, ``--value``, ``--by``/``--freq``, ``--shares``, ``--outliers``.

Every check is vectorised: cells are parsed column-wise, groups are integer ids, and
repeated companies are found by one sort of a row hash (:mod:`aistruct.validation.duplicates`),
so a million rows take a fraction of a second per check.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Sequence

from aistruct.errors import UsageError, param
from aistruct.markets import FREQS
from aistruct.validation.duplicates import duplicate_rows
from aistruct.validation.report import FAIL, WARN, Check, Example, make_check
from aistruct.validation.table import Cells, group_ids

# Plain numbers, the common case, are converted by pyarrow in one pass; every other
# cell goes through aistruct.numbers.parse_series (the reader's forms). Same values.
_PLAIN = {
    ".": r"^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$",
    ",": r"^[+-]?(?:\d+(?:,\d*)?|,\d+)(?:[eE][+-]?\d+)?$",
}


@dataclass
class ValidateOptions:
    """What to check beyond the structure; the CLI options of ``aistruct validate``."""

    entity: str | None = None
    value: str | None = None
    by: Sequence[str] = ()
    freq: str | None = None
    unique: bool = False
    max_missing: float = 0.0
    shares: bool = False
    tolerance: float = 0.5
    outliers: bool = False
    outlier_factor: float = 1000.0
    strict: bool = False
    schema: Any = None  # a path, a Table Schema dict, or a TableSchema
    max_examples: int = 5
    decimal: str = "."

    def check(self) -> None:
        """Refuse options that make no sense (exit 2) before any file is read."""
        if self.freq is not None and self.freq not in FREQS:
            raise UsageError(f"{param('freq')}: unknown frequency {self.freq!r}; use one of {', '.join(FREQS)}")
        if self.freq and not self.by:
            raise UsageError(f"{param('freq')} needs {param('by')} COLUMN (the date column to turn into periods)")
        if self.decimal not in (".", ","):
            raise UsageError(f"{param('decimal')}: expected . or , (got {self.decimal!r})")
        if not (0 <= self.max_missing <= 1) or math.isnan(self.max_missing):
            raise UsageError(f"{param('max_missing')}: expected a fraction from 0 to 1 (got {self.max_missing})")
        if not (self.tolerance >= 0) or math.isinf(self.tolerance):
            raise UsageError(f"{param('tolerance')}: expected a non-negative number (got {self.tolerance})")
        if not (self.outlier_factor > 1) or math.isinf(self.outlier_factor):
            raise UsageError(f"{param('outlier_factor')}: expected a number above 1 (got {self.outlier_factor})")
        if self.max_examples < 0:
            raise UsageError(f"{param('max_examples')}: expected 0 or more (got {self.max_examples})")
        for flag, needs in (("shares", self.shares), ("outliers", self.outliers)):
            if needs and not self.value:
                raise UsageError(f"{param(flag)} needs {param('value')} COLUMN")
        if self.unique and not self.entity:
            raise UsageError(f"{param('unique')} needs {param('entity')} COLUMN")


# ---------------------------------------------------------------- parsing


def parse_values(series, decimal: str = ".") -> tuple[Any, Any, Any]:
    """(values, bad, missing) of a text column in the reader's number forms.

    ``values`` is float64 with NaN where missing or bad; ``bad`` marks cells that
    are not a finite number in any form of :mod:`aistruct.numbers`.
    """
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    from aistruct.numbers import parse_series

    n = len(series)
    values = np.full(n, np.nan)
    bad = np.zeros(n, dtype=bool)
    if n == 0:
        return values, bad, np.zeros(0, dtype=bool)
    arrow = getattr(getattr(series, "array", None), "__arrow_array__", None)
    arr = arrow() if arrow is not None else None  # pandas' own pyarrow text: not copied
    if arr is None or not (pa.types.is_string(arr.type) or pa.types.is_large_string(arr.type)):
        arr = (
            pa.array(series.to_numpy(dtype=object), type=pa.string())
            if not hasattr(series, "array")
            else pa.array(series, type=pa.string())
        )
    plain = pc.match_substring_regex(arr, _PLAIN[decimal])
    text = arr if decimal == "." else pc.replace_substring(arr, ",", ".")
    fast = pc.cast(pc.if_else(plain, text, pa.scalar(None, arr.type)), pa.float64())
    values = fast.to_numpy(zero_copy_only=False).astype(np.float64, copy=True)
    done = pc.fill_null(plain, False).to_numpy(zero_copy_only=False) & np.isfinite(values)
    rest = np.flatnonzero(~done)
    values[rest] = np.nan
    if len(rest):
        parsed = parse_series(series.iloc[rest].reset_index(drop=True), decimal)
        values[rest] = parsed.values
        bad[rest[np.asarray(parsed.bad, dtype=np.int64)]] = True
    values = values + 0.0  # -0 reads as 0, as in parse_number
    missing = np.isnan(values) & ~bad
    return values, bad, missing


def _fmt(x: float) -> str:
    if not math.isfinite(x):
        return str(x)
    if x == int(x) and abs(x) < 1e15:
        return f"{int(x):,}"
    return f"{x:,.6g}" if abs(x) >= 1e-4 else f"{x:.6g}"


def stripped(series):
    """``series.str.strip()``; ``series`` itself when no cell starts or ends with a space, a
    control or a non-ASCII character (then stripping changes nothing, and costs a copy)."""
    import numpy as np
    import pyarrow as pa

    arrow = getattr(getattr(series, "array", None), "__arrow_array__", None)
    if arrow is None or not len(series):
        return series.str.strip()
    arr = arrow()
    for chunk in arr.chunks if hasattr(arr, "chunks") else [arr]:
        if not len(chunk):
            continue
        if chunk.null_count or not (pa.types.is_string(chunk.type) or pa.types.is_large_string(chunk.type)):
            return series.str.strip()
        width = np.int64 if pa.types.is_large_string(chunk.type) else np.int32
        buffers = chunk.buffers()
        offsets = np.frombuffer(
            buffers[1], dtype=width, count=len(chunk) + 1, offset=chunk.offset * np.dtype(width).itemsize
        )
        starts, ends = offsets[:-1], offsets[1:]
        full = ends > starts
        if buffers[2] is None or buffers[2].size == 0:
            continue
        raw = np.frombuffer(buffers[2], dtype=np.uint8)
        top = len(raw) - 1
        first, last = raw[np.minimum(starts, top)], raw[np.clip(ends - 1, 0, top)]
        if (full & ((first <= 0x20) | (first >= 0x7F) | (last <= 0x20) | (last >= 0x7F))).any():
            return series.str.strip()
    return series


# ---------------------------------------------------------------- groups


class Labeller:
    """Names a group ("col=value, ...") from its first row, only when a message needs it."""

    def __init__(self, ids, keys: list, names: list):
        self.ids, self.keys, self.names = ids, keys, names
        self.first: dict = {}  # group id -> its first row, found when first asked for

    def _first(self, gid: int) -> int | None:
        import numpy as np

        if gid not in self.first:
            hit = self.ids == gid
            self.first[gid] = int(np.argmax(hit)) if len(hit) and hit.any() else None
        return self.first[gid]

    def get(self, gid: int, default: str = "") -> str:
        if gid < 0 or not self.names:
            return default
        pos = self._first(int(gid))
        if pos is None:
            return default
        return ", ".join(f"{n}={k.iloc[pos] if hasattr(k, 'iloc') else k[pos]}" for n, k in zip(self.names, self.keys))


@dataclass
class Groups:
    ids: Any  # int64 group id per usable row; -1 where a period cell is not a date
    labels: Any  # Labeller: id -> "col=value, ..." for messages
    periods: Any = None  # int period index per row (with --freq), else None
    others: Any = None  # ids of the groups of the other --by columns (for gaps)
    other_labels: Any = None


def _period_keys(series, freq: str):
    """(index, label) per cell; index -1 where the cell is not a date at ``freq``."""
    import numpy as np
    import pandas as pd

    from aistruct.markets import parse_date_cell, period_label

    codes, uniques = pd.factorize(series, use_na_sentinel=False)
    u_index = np.full(len(uniques), -1, dtype=np.int64)
    u_label = np.empty(len(uniques), dtype=object)
    for i, text in enumerate(uniques.tolist()):
        key = parse_date_cell(str(text)) if str(text).strip() else None
        if key is None or (freq != "year" and key[1] is None):
            continue
        year, month = key
        m = month or 1  # a month is known here unless freq is "year", where it is not used
        if freq == "year":
            u_index[i] = year
        elif freq == "quarter":
            u_index[i] = year * 4 + (m - 1) // 3
        else:
            u_index[i] = year * 12 + m - 1
        u_label[i] = period_label(year, month, freq)
    return u_index[codes], u_label[codes]


def make_groups(cells: Cells, by_idx: list, freq: str | None) -> Groups:
    """Group ids of the usable rows (-1 where the period cell is not a date at ``freq``)."""
    import numpy as np

    frame = cells.frame
    n = len(frame)
    if not by_idx:
        zeros = np.zeros(n, dtype=np.int64)
        return Groups(zeros, Labeller(zeros, [], []), others=zeros if freq else None)
    names = [cells.names[c] for c in by_idx]
    raws = [frame[i] for i in by_idx]
    keys = [stripped(raw) for raw in raws]  # stays pyarrow-backed: fast to factorise
    # a column that stripping leaves as it is and that no-duplicate-rows already encoded: its codes
    built = [cells.keys.get(i) for i in by_idx]
    id_keys = [
        b.codes if key is raw and b is not None and b.codes is not None else key
        for key, raw, b in zip(keys, raws, built)
    ]
    label_keys = keys
    periods = None
    valid = np.ones(n, dtype=bool)
    if freq:
        periods, period_text = _period_keys(frame[by_idx[-1]], freq)
        valid = periods >= 0
        id_keys[-1] = periods
        label_keys = keys[:-1] + [period_text]
    ids = np.where(valid, group_ids(id_keys, dense=True), -1) if n else np.zeros(0, dtype=np.int64)
    groups = Groups(ids, Labeller(ids, label_keys, names), periods)
    if freq:
        others = group_ids(id_keys[:-1], dense=True) if len(by_idx) > 1 and n else np.zeros(n, dtype=np.int64)
        groups.others = others
        groups.other_labels = Labeller(others, label_keys[:-1], names[:-1])
    return groups


# ---------------------------------------------------------------- checks


def entity_checks(cells: Cells, col: int, groups: Groups, opts: ValidateOptions) -> list:
    """``entity-non-empty`` (fail) and ``entity-unique`` (warn; fail with --unique)."""
    import numpy as np

    name = cells.names[col]
    raw = cells.frame[col]
    text = stripped(raw)
    unchanged = text is raw
    blank = np.flatnonzero((text == "").to_numpy(dtype=bool))
    k = opts.max_examples
    blank_ex = [
        Example(int(cells.rows[i]), name, cells.frame[col].iloc[i], f"row {int(cells.rows[i])}: no name")
        for i in blank[:k]
    ]
    checks = [make_check("entity-non-empty", len(blank), blank_ex, max_examples=k)]
    use = (text != "").to_numpy(dtype=bool) & (groups.ids >= 0)
    dup_ex, count = [], 0
    if use.all():  # every row: the column's key is shared with no-duplicate-rows when strip changed nothing
        idx = np.arange(len(use))
        dup, first = duplicate_rows([groups.ids, cells.key(col) if unchanged else text])
    else:
        idx = np.flatnonzero(use)
        dup, first = duplicate_rows([groups.ids[idx], text.iloc[idx]])
    if len(idx):
        count = len(dup)
        for j, fj in zip(dup[:k], first[:k]):
            i, f = idx[j], idx[fj]
            where = groups.labels.get(int(groups.ids[i]), "")
            where = f" ({where})" if where else ""
            who = text.iloc[i]
            dup_ex.append(
                Example(
                    int(cells.rows[i]),
                    name,
                    who,
                    f"row {int(cells.rows[i])}: {who!r} also at row {int(cells.rows[f])}{where}",
                )
            )
    checks.append(make_check("entity-unique", count, dup_ex, severity=FAIL if opts.unique else WARN, max_examples=k))
    return checks


def value_checks(cells: Cells, col: int, groups: Groups, opts: ValidateOptions) -> list:
    """``value-number``, ``value-non-negative``, ``value-missing``; then ``shares-sum`` and ``outliers``."""
    import numpy as np

    name = cells.names[col]
    raw = cells.frame[col]
    values, bad, missing = parse_values(raw, opts.decimal)
    k = opts.max_examples
    rows = cells.rows

    def examples(mask, message) -> list:
        return [Example(int(rows[i]), name, raw.iloc[i], message(i)) for i in np.flatnonzero(mask)[:k]]

    checks = [
        make_check(
            "value-number",
            int(bad.sum()),
            examples(bad, lambda i: f"row {int(rows[i])}: {str(raw.iloc[i])[:60]!r} is not a number"),
            max_examples=k,
        ),
    ]
    neg = values < 0
    checks.append(
        make_check(
            "value-non-negative",
            int(neg.sum()),
            examples(neg, lambda i: f"row {int(rows[i])}: {_fmt(values[i])} is negative"),
            max_examples=k,
        )
    )
    n_missing = int(missing.sum())
    share = n_missing / len(values) if len(values) else 0.0
    over = share > opts.max_missing
    miss = Check("value-missing", FAIL if over else "pass", n_missing, [])
    if over:
        limit = f"at most {opts.max_missing:.4g} allowed" if opts.max_missing else "none allowed"
        miss.examples = examples(
            missing,
            lambda i: f"row {int(rows[i])}: missing value ({n_missing} of {len(values)} missing, {share:.1%}; {limit})",
        )[:k]
    checks.append(miss)
    if opts.shares:
        checks.append(_shares(cells, col, values, groups, opts))
    if opts.outliers:
        checks.append(_outliers(cells, col, values, groups, opts))
    return checks


def _shares(cells: Cells, col: int, values, groups: Groups, opts: ValidateOptions) -> Check:
    import numpy as np

    ok = groups.ids >= 0
    ids = groups.ids[ok]
    vals = np.where(np.isnan(values[ok]), 0.0, values[ok])
    rows = cells.rows[ok]
    if not len(ids):
        return Check("shares-sum")
    uniq, first, inverse = np.unique(ids, return_index=True, return_inverse=True)
    sums = np.bincount(inverse, weights=vals, minlength=len(uniq))
    off = np.flatnonzero(np.abs(sums - 100.0) > opts.tolerance)
    off = off[np.argsort(first[off], kind="stable")]
    examples = []
    for g in off[: opts.max_examples]:
        label = groups.labels.get(int(uniq[g]), "")
        r = int(rows[first[g]])
        where = f"group {label} (first row {r}) sums" if label else "the values sum"
        examples.append(
            Example(
                r,
                cells.names[col],
                _fmt(sums[g]),
                f"{where} to {_fmt(sums[g])}, not 100 (tolerance {opts.tolerance:g})",
            )
        )
    return make_check("shares-sum", len(off), examples, max_examples=opts.max_examples)


def _outliers(cells: Cells, col: int, values, groups: Groups, opts: ValidateOptions) -> Check:
    import numpy as np
    import pandas as pd

    positive = np.where(values > 0, values, np.nan)
    medians = pd.Series(positive).groupby(groups.ids).transform("median").to_numpy(dtype=np.float64)
    with np.errstate(invalid="ignore"):
        flagged = (groups.ids >= 0) & (medians > 0) & (values > opts.outlier_factor * medians)
    idx = np.flatnonzero(flagged)
    examples = []
    for i in idx[: opts.max_examples]:
        label = groups.labels.get(int(groups.ids[i]), "")
        where = f" of group {label}" if label else ""
        r = int(cells.rows[i])
        examples.append(
            Example(
                r,
                cells.names[col],
                cells.frame[col].iloc[i],
                f"row {r}: {_fmt(values[i])} is {values[i] / medians[i]:,.0f} times the median "
                f"{_fmt(medians[i])}{where} (a unit typed wrong?)",
            )
        )
    return make_check("outliers", len(idx), examples, severity=WARN, max_examples=opts.max_examples)


def period_checks(cells: Cells, col: int, groups: Groups, opts: ValidateOptions) -> list:
    """``period-valid`` (fail) and ``period-gaps`` (warn) for ``--by COL --freq F``."""
    import numpy as np

    from aistruct.markets import period_label

    name = cells.names[col]
    k = opts.max_examples
    invalid = np.flatnonzero(groups.periods < 0)
    need = "a year" if opts.freq == "year" else "a date with a month"
    inv_ex = [
        Example(
            int(cells.rows[i]),
            name,
            cells.frame[col].iloc[i],
            f"row {int(cells.rows[i])}: {str(cells.frame[col].iloc[i])[:40]!r} is not {need} (for --freq {opts.freq})",
        )
        for i in invalid[:k]
    ]
    checks = [make_check("period-valid", len(invalid), inv_ex, max_examples=k)]

    def label(p: int) -> str:
        if opts.freq == "year":
            return period_label(p, None, "year")
        if opts.freq == "quarter":
            return period_label(p // 4, 3 * (p % 4) + 1, "quarter")
        return period_label(p // 12, p % 12 + 1, "month")

    ok = np.flatnonzero(groups.periods >= 0)
    gaps, gap_ex = 0, []
    if len(ok):
        # one sortable key per (other --by group, period): the unique keys list each group's periods in order
        other, period, rows = groups.others[ok].astype(np.int64), groups.periods[ok], cells.rows[ok]
        low = int(period.min())
        span = int(period.max()) - low + 1
        uniq, first = np.unique(other * span + (period - low), return_index=True)
        u_other, u_period = uniq // span, uniq % span + low
        step = np.diff(u_period)
        where = np.flatnonzero((u_other[1:] == u_other[:-1]) & (step > 1))
        gaps = int((step[where] - 1).sum())
        for w in where[:k]:
            before, after = int(u_period[w]), int(u_period[w + 1])
            span_text = label(before + 1) if after - before == 2 else f"{label(before + 1)} to {label(after - 1)}"
            scope = groups.other_labels.get(int(u_other[w]), "")
            scope = f" for {scope}" if scope else ""
            r = int(rows[first[w + 1]])
            gap_ex.append(
                Example(
                    r,
                    name,
                    label(after),
                    f"no rows for {span_text}{scope} (between {label(before)} and {label(after)})",
                )
            )
    checks.append(make_check("period-gaps", gaps, gap_ex, severity=WARN, max_examples=k))
    return checks
