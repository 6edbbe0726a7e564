"""One row per (group, company): the default engine's two aggregation back-ends, and checks every engine shares.

:func:`aggregate` picks :func:`aggregate_bincount` for sum, mean and count and
:func:`aggregate_hash` for max and min. Both add each company's values in the
order of the rows, on every run and in every engine (the DuckDB engine adds
them in the same order: byte-identical totals). The order of the output rows
is not the groups' order: consumers that list companies order them by value
(ties by name) themselves, and the metrics add sorted values
(:class:`aistruct.metrics.Prepared`), so the order never shows in a figure.
"""

from __future__ import annotations

from aistruct.errors import InputError
from aistruct.markets.encode import encode_text
from aistruct.markets.spec import ENTITY, SIZE, VALUE


def aggregate(names, values, sizes, by_cols, codes_list, labels_list, usable, agg: str, order=None):
    """(companies frame, group code per row or None, rows per company) of the ``usable`` rows, per ``agg``.

    ``order`` (optional, one sortable number per row): the order ``first`` and ``last``
    follow (dates); rows in the file's order otherwise, and among equal keys.
    """
    if agg in ("max", "min"):
        return aggregate_hash(names, values, sizes, by_cols, codes_list, labels_list, usable, agg)
    return aggregate_bincount(names, values, sizes, by_cols, codes_list, labels_list, usable, agg, order)


def aggregate_hash(names, values, sizes, by_cols, codes_list, labels_list, usable, agg: str):
    """One row per (group, company), in the hash table's order: hash aggregation in pyarrow,
    single-threaded so that each company's values are added in the order of the rows."""
    import numpy as np
    import pyarrow as pa

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
    grouped = table.group_by(keys, use_threads=False).aggregate([(m, func) for m in measures] + [(VALUE, "count")])
    rows = grouped[f"{VALUE}_count"].to_numpy().astype(np.int64)
    grouped = grouped.rename_columns(
        [c[: -len(func) - 1] if c.endswith("_" + func) else c for c in grouped.column_names]
    )
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
    return out, group_code, rows


def aggregate_bincount(names, values, sizes, by_cols, codes_list, labels_list, usable, agg: str, order=None):
    """Sum, mean, count, first, last and median per (group, company) with numpy over integer keys.

    The same row-order additions as the hash aggregation (bincount adds each
    weight to its bin in row order), at a fraction of the cost: the company
    names are dictionary-encoded once, groups are already integer codes.
    Output rows come grouped by group code, companies in order of first appearance.
    ``first``, ``last`` and ``median`` sort the rows once by (company pair, key).
    """
    import numpy as np
    import pandas as pd
    import pyarrow as pa

    keep = np.asarray(usable, dtype=bool)
    every = bool(keep.all())

    def kept(a):  # the usable rows of a per-row array (no copy when every row is usable)
        return a if every else a[keep]

    kept_names = pa.array(names, type=pa.string(), from_pandas=True)
    if not every:
        kept_names = kept_names.filter(pa.array(keep))
    entity_code, dictionary = encode_text(kept_names)
    n_entities = max(len(dictionary), 1)
    radices = [max(len(labels), 1) for labels in labels_list]
    group_key = np.zeros(int(keep.sum()), dtype=np.int64)
    for i, (codes, radix) in enumerate(zip(codes_list, radices)):
        codes = kept(codes).astype(np.int64, copy=False)
        group_key = codes if i == 0 else group_key * radix + codes  # never changed in place
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

    rows = counts[present].astype(np.int64, copy=False)
    if agg in ("first", "last", "median"):
        compact = np.searchsorted(present, dense) if key is not None else dense
        starts = np.concatenate(([0], np.cumsum(rows)[:-1])).astype(np.int64)
        if agg != "median":
            position = np.arange(len(compact))  # the file's order, among equal keys too
            sort_keys = (position, compact) if order is None else (position, np.asarray(order)[keep], compact)
            ordered = np.lexsort(sort_keys)  # by pair, then key, then position
            pick = ordered[starts] if agg == "first" else ordered[starts + rows - 1]

    def per_pair(weights):
        if agg == "count":
            return counts[present].astype(np.float64)
        if agg in ("first", "last"):
            return weights[pick]
        if agg == "median":
            by_value = np.lexsort((weights, compact))
            lo = weights[by_value[starts + (rows - 1) // 2]]
            hi = weights[by_value[starts + rows // 2]]
            with np.errstate(over="ignore", invalid="ignore"):
                mid = (lo + hi) / 2
                return np.where(np.isfinite(mid), mid, lo / 2 + hi / 2)  # 1e308s: no overflow
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
    out_columns[ENTITY] = dictionary.take(pa.array(pair % n_entities))
    out_columns[VALUE] = pa.array(per_pair(kept(np.asarray(values, dtype=np.float64))))
    if sizes is not None:
        out_columns[SIZE] = pa.array(per_pair(kept(np.asarray(sizes, dtype=np.float64))))
    out = pa.table(out_columns).to_pandas()
    group_code = group_of_pair.astype(np.int16) if by_cols and n_groups < 2**15 else None
    return out, group_code, rows


#: How many companies the repeated-rows warning names.
REPEATED_SHOWN = 5


def combined_rows(out, rows, by: list, agg: str, agg_given: bool, warnings: list[str]) -> tuple[int, int]:
    """(companies on more than one row of their group, the rows they had): ``input.repeated_entities``
    and ``input.rows_combined``. Unless ``--agg`` was given, a warning names the count and the
    companies with the most rows (ties by name), so a silent sum of different companies
    sharing a name is never silent."""
    import numpy as np

    rows = np.asarray(rows, dtype=np.int64)
    many = rows > 1
    repeated = int(many.sum())
    combined = int(rows[many].sum())
    if repeated and not agg_given:
        from aistruct.errors import as_options, param

        top = most_rows(out[ENTITY], rows, many, REPEATED_SHOWN)
        shown = ", ".join(f"{name} ({n} rows)" for n, name in top) + (", ..." if repeated > REPEATED_SHOWN else "")
        where = " of one group" if by else ""
        verb = {
            "sum": "summed",
            "mean": "averaged",
            "count": "counted",
            "max": "combined by their maximum",
            "min": "combined by their minimum",
            "first": "reduced to their first row",
            "last": "reduced to their last row",
            "median": "combined by their median",
        }[agg]
        companies = "company appears" if repeated == 1 else "companies appear"
        warnings.append(
            as_options(
                f"{repeated:,} {companies} on more than one row{where} ({combined:,} rows) and were {verb}: "
                f"{shown}; pass {param('agg')} {agg} to confirm, or {param('agg')} max/first/last"
            )
        )
    return repeated, combined


def most_rows(names, rows, among, k: int) -> list[tuple[int, str]]:
    """The ``k`` (rows, name) pairs with the most rows among the ``among`` mask, ties by name
    (code-point order): only the candidates at or above the k-th largest count are sorted,
    so a million repeated companies cost one partition, not a sort of a million tuples."""
    import heapq

    import numpy as np

    def take(positions):
        return names.iloc[positions] if hasattr(names, "iloc") else np.asarray(names, dtype=object)[positions]

    idx = np.flatnonzero(among)
    counts = rows[idx]
    if len(idx) > k:
        kth = np.partition(counts, len(counts) - k)[len(counts) - k]  # the k-th largest count
        above = idx[counts > kth]
        tied = idx[counts == kth]
        if len(tied) > MOST_ROWS_SORTED:  # many ties: pyarrow picks the smallest names (UTF-8 = code-point order)
            import pyarrow as pa
            import pyarrow.compute as pc

            text = pa.array(take(tied), type=pa.string(), from_pandas=True)
            tied = tied[pc.bottom_k_unstable(text, k=k - len(above)).to_numpy()]
        idx = np.concatenate((above, tied))
    pairs = zip(rows[idx].tolist(), (str(v) for v in take(idx).tolist()))
    return heapq.nsmallest(k, pairs, key=lambda p: (-p[0], p[1]))


#: Ties at the k-th count above this many are narrowed by pyarrow before Python sorts them.
MOST_ROWS_SORTED = 4096


def drop_zero_companies(out, group_code, warnings: list[str]):
    """(companies, group codes) without the companies whose value in their market is 0, with a warning.

    A company with a value of 0 still counts as a company (in n, Gini, the tiers'
    counts); a wide table's column of zeros is often no company at all.
    """
    import numpy as np

    zero = out[VALUE].to_numpy(dtype=np.float64) == 0
    if not zero.any():
        return out, group_code
    k = int(zero.sum())
    warnings.append(f"left out {k} company value{'s' if k != 1 else ''} of 0 (such a company is not counted)")
    keep = ~zero
    out = out[keep].reset_index(drop=True)
    return out, (group_code[keep] if group_code is not None else None)


def finish_markets(
    out,
    rows,
    group_code,
    by: list,
    spec,
    what: str,
    value_label: str,
    size_label: str | None,
    need_size: bool,
    warnings: list[str],
):
    """What every engine does with its per-company table ``out`` (``rows`` per company): count
    (and warn of) companies on several rows, leave out zero companies with ``drop_zeros``,
    check and complete the totals. Returns (out, group_code, repeated_entities, rows_combined)."""
    repeated, combined = combined_rows(out, rows, by, spec.aggregation, spec.agg is not None, warnings)
    if spec.drop_zeros:
        out, group_code = drop_zero_companies(out, group_code, warnings)
    finish_companies(out, what, spec.aggregation, value_label, size_label, need_size)
    return out, group_code, repeated, combined


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
