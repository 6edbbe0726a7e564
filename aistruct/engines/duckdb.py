"""``--engine duckdb``: Parquet datasets larger than memory.

DuckDB reads the Parquet file(s), applies ``--where`` and ``--exclude``, and sums
(or averages, ...) each company's rows per group without ever holding the rows in
memory; only the per-company totals come back to Python, where the same code as
the default engine labels the groups and checks the totals, and the metrics run
on them unchanged.

The results are identical to the default engine's (``tests/test_duckdb_engine.py``
asserts it): DuckDB runs single-threaded so that each company's values are added
in the order of the rows, as pyarrow's single-threaded hash aggregation adds
them, and the metrics add sorted values, so the order the totals come back in
does not matter. Group labels come from the same function as in the default
engine, applied to each distinct group value.

Sources: a ``.parquet`` file, a glob (``rounds/*.parquet``) or a folder, read
recursively with hive partitioning (``year=2024/part-0.parquet`` gives a
``year`` column). What the engine cannot do the way the default engine does is
refused with exit 2 (see :func:`_refuse_read` and :func:`_refuse_spec`).
"""

from __future__ import annotations

import glob as _glob
import os
import tempfile
from typing import Any, Callable

from aistruct.errors import InputError, UsageError, param
from aistruct.markets import (
    ENTITY,
    SIZE,
    VALUE,
    Markets,
    MarketSpec,
    cell_label,
    finish_markets,
    label_codes,
    parse_where,
    present_groups,
    resolve_column,
)
from aistruct.markets.spec import check_agg, check_on_bad_value
from aistruct.reader import DEFAULT_MAX_BYTES, ReadOptions

#: DuckDB types counted as numeric columns.
_NUMERIC = (
    "TINYINT",
    "SMALLINT",
    "INTEGER",
    "BIGINT",
    "HUGEINT",
    "UTINYINT",
    "USMALLINT",
    "UINTEGER",
    "UBIGINT",
    "UHUGEINT",
    "FLOAT",
    "DOUBLE",
    "REAL",
)
#: Every character Python's ``str.strip()`` removes (``str.isspace``), as DuckDB ``trim``
#: characters (tests/test_duckdb_engine.py checks the list against Python).
WHITESPACE = (
    "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680"
    + "".join(chr(c) for c in range(0x2000, 0x200B))
    + "\u2028\u2029\u202f\u205f\u3000"
)
_WHITESPACE_CODES = ", ".join(str(ord(c)) for c in WHITESPACE)


def _trimmed(expr: str) -> str:
    """SQL for ``expr.strip()`` as Python strips (every Unicode white space).

    ``trim`` with a long list of characters is slow, so it runs only on the names
    whose first or last character is white space."""
    padded = f"(unicode({expr}) IN ({_WHITESPACE_CODES}) OR unicode(right({expr}, 1)) IN ({_WHITESPACE_CODES}))"
    return f"(CASE WHEN {padded} THEN trim({expr}, {_lit(WHITESPACE)}) ELSE {expr} END)"


def _q(name: str) -> str:
    """A quoted SQL identifier."""
    return '"' + str(name).replace('"', '""') + '"'


def _lit(text: str) -> str:
    """A quoted SQL string literal."""
    return "'" + str(text).replace("'", "''") + "'"


def _is_numeric(sql_type: str) -> bool:
    t = sql_type.upper()
    return t in _NUMERIC or t.startswith("DECIMAL")


def _is_text(sql_type: str) -> bool:
    return sql_type.upper() == "VARCHAR"


def _import_duckdb():
    try:
        import duckdb
    except ImportError:
        raise UsageError(f"{param('engine')} duckdb needs DuckDB: pip install 'aistruct[duckdb]'") from None
    return duckdb


def _refuse_read(read: ReadOptions) -> None:
    given = []
    if read.encoding is not None:
        given.append(param("encoding"))
    if read.sheet is not None:
        given.append(param("sheet"))
    if read.decompress:
        given.append(param("decompress"))
    if read.delimiter is not None:
        given.append(param("delimiter"))
    if read.max_bytes != DEFAULT_MAX_BYTES:
        given.append(param("max_bytes"))
    if given:
        raise UsageError(
            f"{param('engine')} duckdb reads Parquet and does not take {', '.join(given)}; "
            "use the default engine for text files"
        )
    if read.input_format is not None and read.input_format.lower() != "parquet":
        raise UsageError(
            f"{param('engine')} duckdb reads Parquet only, not {param('input_format')} {read.input_format}"
        )


def _refuse_spec(spec: MarketSpec) -> None:
    if spec.wide or spec.id is not None:
        raise UsageError(
            f"{param('engine')} duckdb does not read wide tables ({param('wide')}/{param('id')}); "
            "use the default engine"
        )
    if spec.split_entities is not None:
        raise UsageError(
            f"{param('engine')} duckdb does not split entities ({param('split_entities')}); use the default engine"
        )
    if spec.freq is not None:
        raise UsageError(
            f"{param('engine')} duckdb does not group dates ({param('freq')}); "
            "use the default engine, or a period column"
        )
    if spec.decimal != ".":
        raise UsageError(f"{param('engine')} duckdb reads typed Parquet numbers; {param('decimal')} does not apply")
    if spec.aggregation in ("first", "last", "median"):
        raise UsageError(
            f"{param('engine')} duckdb does not combine rows by {param('agg')} {spec.aggregation} (the row order of a "
            "Parquet dataset is not kept); use the default engine"
        )
    if spec.total_column is not None:
        raise UsageError(
            f"{param('engine')} duckdb does not read {param('total_column')} yet; give {param('total')} or use the "
            "default engine"
        )
    for kind in ("aliases", "parents"):
        if getattr(spec, kind) is not None:
            raise UsageError(f"{param('engine')} duckdb does not apply {param(kind)} yet; use the default engine")


def source_expression(source: Any) -> tuple[str, str]:
    """(arguments of DuckDB's ``read_parquet``, what to call the source in messages)."""
    if not isinstance(source, (str, os.PathLike)):
        raise UsageError(f"{param('engine')} duckdb reads Parquet files, a glob or a folder (not an in-memory table)")
    path = os.fspath(source)
    if path == "-" or path.startswith("dataset:"):
        raise UsageError(
            f"{param('engine')} duckdb reads Parquet files, a glob or a folder (not standard input or a "
            "bundled dataset); use the default engine"
        )
    if os.path.isdir(path):
        pattern = os.path.join(path, "**", "*.parquet")
        if not _glob.glob(pattern, recursive=True):
            raise InputError(f"{path}: a folder with no .parquet files")
        return f"{_lit(pattern)}, hive_partitioning = true, union_by_name = true", path
    if any(ch in path for ch in "*?["):
        if not _glob.glob(path, recursive=True):
            raise InputError(f"{path}: no file matches")
        return f"{_lit(path)}, union_by_name = true", path
    if not os.path.exists(path):
        raise InputError(f"{path}: no such file")
    if not path.lower().endswith((".parquet", ".pq")):
        raise UsageError(
            f"{path}: {param('engine')} duckdb reads Parquet (.parquet), a glob or a folder of them; "
            "use the default engine for other formats"
        )
    return _lit(path), path


class _Query:
    """One DuckDB connection over one source, with the SQL pieces of a MarketSpec."""

    def __init__(self, duckdb, args: str, what: str):
        self.con = duckdb.connect(config={"threads": 1})  # row order: see the module docstring
        self.con.execute(f"SET temp_directory = {_lit(os.path.join(tempfile.gettempdir(), 'aistruct-duckdb'))}")
        # Parquet statistics leave NaN out of a column's min/max, and DuckDB's statistics
        # propagation then folds isnan(x) to false once another filter applies (seen with
        # DuckDB 2.0): NaN values would be summed instead of counted as missing.
        self.con.execute("SET disabled_optimizers = 'statistics_propagation'")
        self.duckdb = duckdb
        self.args = args
        self.src = f"read_parquet({args})"
        self.what = what
        try:
            described = self.con.execute(f"DESCRIBE SELECT * FROM {self.src}").fetchall()
        except duckdb.Error as exc:
            raise InputError(f"{what}: not a readable Parquet dataset ({_first_line(exc)})") from None
        self.types = {str(row[0]): str(row[1]) for row in described}

    def scalar(self, sql: str):
        return self.sql(sql).fetchall()[0]  # fetch all: DuckDB 2 wants each result finished

    def arrow(self, sql: str):
        try:
            return self.con.sql(sql).to_arrow_table()
        except self.duckdb.Error as exc:
            raise InputError(f"{self.what}: {_first_line(exc)}") from None

    def sql(self, sql: str):
        try:
            return self.con.execute(sql)
        except self.duckdb.Error as exc:
            raise InputError(f"{self.what}: {_first_line(exc)}") from None

    def row_labels(self, where: str, limit: int) -> list[str]:
        """``record N`` (``file record N`` for several files) of the first matching rows."""
        src = f"read_parquet({self.args}, file_row_number = true, filename = true)"
        rows = self.sql(
            f"SELECT filename, file_row_number FROM {src} WHERE {where} "
            f"ORDER BY filename, file_row_number LIMIT {int(limit)}"
        ).fetchall()
        many = self.scalar(f"SELECT count(DISTINCT filename) > 1 FROM {src}")[0]
        return [(f"{f} " if many else "") + f"record {int(n) + 1}" for f, n in rows]


def _first_line(exc: Exception) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


def _where_sql(q: _Query, conditions, decimal: str) -> str:
    """``--where`` as SQL with the default engine's semantics, or exit 2 where they cannot match."""
    from aistruct.numbers import BadNumber, parse_number

    parts = []
    columns = list(q.types)
    for text in conditions:
        cond = parse_where(text)
        col = resolve_column(cond.column, columns, q.what, param("where"))
        typ = q.types[col]
        c = _q(col)
        if cond.op == "~":
            raise UsageError(
                f"{param('where')} {text!r}: {param('engine')} duckdb does not take regular expressions (~); "
                "use the default engine"
            )
        if cond.op == "in":
            options = sorted({v.strip() for v in cond.value.split(",")})
            if not (_is_text(typ) or _is_numeric(typ)):
                raise UsageError(
                    f"{param('where')} {text!r}: {param('engine')} duckdb compares text and number columns only "
                    f"(column {col!r} is {typ})"
                )
            cell = _trimmed(f"coalesce(CAST({c} AS VARCHAR), '')")
            parts.append(f"({cell} IN ({', '.join(_lit(o) for o in options)}))")
            continue
        try:
            number = parse_number(cond.value, decimal=decimal)
        except BadNumber:
            number = None
        op = {"=": "=", "!=": "<>", "<": "<", "<=": "<=", ">": ">", ">=": ">="}[cond.op]
        if _is_numeric(typ) and number is not None:
            v = f"CAST({c} AS DOUBLE)"
            missing = f"({v} IS NULL OR isnan({v}))"
            lit = repr(float(number))
            if cond.op == "!=":  # numpy: NaN != x holds
                parts.append(f"({missing} OR {v} <> {lit})")
            else:
                parts.append(f"(NOT {missing} AND {v} {op} {lit})")
        elif _is_text(typ) and number is None:
            parts.append(f"(coalesce({c}, '') {op} {_lit(cond.value)})")
        elif _is_text(typ):
            sample = [
                r[0]
                for r in q.sql(
                    f"SELECT {c} FROM {q.src} WHERE {c} IS NOT NULL AND {_trimmed(c)} <> '' LIMIT 1000"
                ).fetchall()
            ]
            import pandas as pd

            from aistruct.numbers import parse_series

            parsed = parse_series(pd.Series(sample, dtype=object).astype(str), decimal=decimal) if sample else None
            if parsed is not None and len(parsed.bad) == 0 and parsed.missing < len(sample):
                raise UsageError(
                    f"{param('where')} {text!r}: column {col!r} holds numbers written as text; "
                    f"{param('engine')} duckdb cannot parse them: use the default engine"
                )
            parts.append(f"(coalesce({c}, '') {op} {_lit(cond.value)})")
        else:
            raise UsageError(
                f"{param('where')} {text!r}: {param('engine')} duckdb compares a number column with a number and a "
                f"text column with text (column {col!r} is {typ})"
            )
    return " AND ".join(parts) if parts else "TRUE"


def _default_columns(q: _Query, spec: MarketSpec, by_cols: list, size_col) -> tuple[str, str]:
    cols = list(q.types)
    taken = set(by_cols) | ({size_col} if size_col else set())
    if spec.entity:
        entity = resolve_column(spec.entity, cols, q.what, param("entity"))
    else:
        text = [c for c in cols if c not in taken and not _is_numeric(q.types[c])]
        if not text:
            raise UsageError(f"{q.what}: no text column to use as the company name; name one with {param('entity')}")
        entity = text[0]
    taken.add(entity)
    if spec.value:
        value = resolve_column(spec.value, cols, q.what, param("value"))
    else:
        numeric = [c for c in cols if c not in taken and _is_numeric(q.types[c])]
        if len(numeric) != 1:
            if not numeric:
                raise UsageError(f"{q.what}: no numeric column to measure; name one with {param('value')}")
            raise UsageError(
                f"{q.what}: several numeric columns ({', '.join(map(repr, numeric))}); choose one with {param('value')}"
            )
        value = numeric[0]
    return entity, value


def _number_sql(q: _Query, col: str, option: str, spec: MarketSpec, filt: str, warnings: list) -> str:
    """SQL of a value (or size) column as DOUBLE, NULL where missing; bad and negative cells as in prepare.
    ``option`` is the keyword that named the column (``value``, ``size``)."""
    typ = q.types[col]
    if not _is_numeric(typ):
        raise UsageError(
            f"{q.what}: {param(option)} {col!r} is {typ}, not a number column; {param('engine')} duckdb reads "
            "typed numbers only (use the default engine to parse number forms such as $3.2B)"
        )
    v = f"CAST({_q(col)} AS DOUBLE)"
    bad_where = f"{filt} AND isinf({v})"
    n_bad = (
        q.scalar(f"SELECT count(*) FROM {q.src} WHERE {bad_where}")[0]
        if typ.upper() in ("FLOAT", "DOUBLE", "REAL")
        else 0
    )
    if n_bad:
        first = q.row_labels(bad_where, 1)[0]
        cell = q.scalar(f"SELECT {v} FROM {q.src} WHERE {bad_where} LIMIT 1")[0]
        cell_text = str(cell)
        if spec.on_bad_value == "drop":
            warnings.append(
                f"--{option} {col!r}: dropped {n_bad} cell(s) that are not numbers (first: {first}, {cell_text!r})"
            )
        else:
            raise InputError(
                f"{q.what}: {first}, column {col!r}: not a number: {cell_text[:80]!r}"
                + (f" (and {n_bad - 1} more)" if n_bad > 1 else "")
                + f"; use {param('on_bad_value')} drop to skip such cells"
            )
        v = f"(CASE WHEN isinf({v}) THEN NULL ELSE {v} END)"
    neg_where = f"{filt} AND {v} < 0"
    n_neg = q.scalar(f"SELECT count(*) FROM {q.src} WHERE {neg_where}")[0]
    if n_neg:
        labels = ", ".join(q.row_labels(neg_where, 5))
        more = f" and {n_neg - 5} more" if n_neg > 5 else ""
        raise InputError(f"{q.what}: column {col!r} has negative values ({labels}{more})")
    return f"(CASE WHEN isnan({v}) THEN NULL ELSE {v} END)"


def prepare(
    source: Any, read: ReadOptions, spec: MarketSpec, *, need_size: bool = False, progress: Callable | None = None
) -> Markets:
    """Like ``prepare_markets(load_table(source, read), spec)``, with DuckDB doing the reading and aggregating."""
    if progress is not None:
        progress("aggregate", None, None)
    check_agg(spec.agg)
    check_on_bad_value(spec.on_bad_value)
    _refuse_read(read)
    _refuse_spec(spec)
    args, what = source_expression(source)
    q = _Query(_import_duckdb(), args, what)
    by_cols, entity_col, value_col, size_col = _resolve_columns(q, spec)

    warnings: list[str] = []
    rows_read = int(q.scalar(f"SELECT count(*) FROM {q.src}")[0])
    if rows_read == 0:
        raise InputError(f"{what}: has a header but no rows")
    filt = _where_sql(q, spec.where, spec.decimal)
    name = _trimmed(f"CAST({_q(entity_col)} AS VARCHAR)")
    if spec.exclude:
        names = ", ".join(_lit(str(e).strip().lower()) for e in spec.exclude)
        filt += f" AND ({name} IS NULL OR lower({name}) NOT IN ({names}))"
    value = _number_sql(q, value_col, "value", spec, filt, warnings)
    size = None
    if size_col is not None and size_col != value_col:
        size = _number_sql(q, size_col, "size", spec, filt, warnings)
    table = _aggregate(q, spec.aggregation, by_cols, entity_col, value, size, filt, warnings)
    q.con.close()

    out, groups, rows_used, rows = _label_groups(table, by_cols, size is not None, warnings)
    out, _, repeated, combined = finish_markets(
        out, rows, None, by_cols, spec, what, value_col, size_col, need_size, warnings
    )
    return Markets(
        companies=out,
        groups=groups,
        by=by_cols,
        entity=entity_col,
        value=value_col,
        size=(size_col if size_col else (value_col if need_size else None)),
        rows_read=rows_read,
        rows_used=rows_used,
        source=what,
        credit=None,
        warnings=warnings,
        repeated_entities=repeated,
        rows_combined=combined,
    )


def _resolve_columns(q: _Query, spec: MarketSpec):
    """(--by columns, entity, value, size or None), checked as the default engine checks them."""
    what = q.what
    cols = list(q.types)
    by_cols = [resolve_column(b, cols, what, spec.param_for(b, "by")) for b in spec.by]
    if len(set(by_cols)) != len(by_cols):
        raise UsageError(f"{param('by')} names the same column twice")
    size_col = resolve_column(spec.size, cols, what, param("size")) if spec.size else None
    entity_col, value_col = _default_columns(q, spec, by_cols, size_col)
    if value_col == entity_col:
        raise UsageError(f"{what}: {param('entity')} and {param('value')} both name {value_col!r}")
    if value_col in by_cols or entity_col in by_cols:
        raise UsageError(f"{what}: a {param('by')} column cannot also be the entity or value column")
    return by_cols, entity_col, value_col, size_col


def _aggregate(
    q: _Query, agg: str, by_cols: list, entity_col: str, value: str, size: str | None, filt: str, warnings: list
):
    """Arrow table of the per-(group, company) measures and row counts, rows with a blank name left out (warned)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    func = {"sum": "sum", "mean": "avg", "max": "max", "min": "min", "count": "count"}[agg]
    usable = "v IS NOT NULL" + (" AND s IS NOT NULL" if size else "")
    measures = [f"{func}(v) FILTER (WHERE {usable}) AS v"] + (
        [f"{func}(s) FILTER (WHERE {usable}) AS s"] if size else []
    )
    group_by = ", ".join([f"g{i}" for i in range(len(by_cols))] + ["e"])

    def aggregate(entity_sql: str):
        inner = ", ".join(
            [f"{_q(b)} AS g{i}" for i, b in enumerate(by_cols)]
            + [f"{entity_sql} AS e", f"{value} AS v"]
            + ([f"{size} AS s"] if size else [])
        )
        return q.arrow(
            f"SELECT {group_by}, {', '.join(measures)}, count(*) AS n_rows, count(v) AS n_value, "
            f"count(*) FILTER (WHERE {usable}) AS n_usable FROM (SELECT {inner} FROM {q.src} WHERE {filt}) "
            f"GROUP BY {group_by}"
        )

    # Group on the names as they are (fast); only when some name has white space around
    # it, group again on the trimmed names (trimming every row in SQL is slow).
    name = _trimmed(f"CAST({_q(entity_col)} AS VARCHAR)")
    table = aggregate(f"CAST({_q(entity_col)} AS VARCHAR)")
    trimmed = pc.utf8_trim_whitespace(table["e"])
    padded = pc.all(pc.equal(trimmed, table["e"])).as_py() is False  # None: no names at all
    if padded:
        table = aggregate(name)
        trimmed = table["e"]
    blank = pc.fill_null(pc.equal(trimmed, ""), True).to_numpy(zero_copy_only=False)
    n_blank = int(table["n_value"].to_numpy()[blank].sum())
    if n_blank:
        blank_where = f"{filt} AND ({name} IS NULL OR {name} = '') AND {value} IS NOT NULL"
        first = q.row_labels(blank_where, 1)[0]
        warnings.append(f"dropped {n_blank} row(s) with a blank {entity_col!r} (first: {first})")
    return table.filter(pa.array(~blank))


def _label_groups(table, by_cols: list, has_size: bool, warnings: list):
    """(companies frame, groups, rows used, rows per company) from the aggregated table: groups labelled
    as the default engine labels them, rows with a blank group left out (warned)."""
    import numpy as np
    import pyarrow as pa

    n_rows = table["n_rows"].to_numpy().astype(np.int64)
    n_usable = table["n_usable"].to_numpy().astype(np.int64)
    codes_list, labels_list = [], []
    for i in range(len(by_cols)):
        codes, labels = label_codes(table[f"g{i}"].to_pandas(), cell_label)
        codes_list.append(codes)
        labels_list.append(labels)
    keep = np.ones(table.num_rows, dtype=bool)
    groups: list[tuple] = [()]
    if by_cols:
        missing_group = np.zeros(table.num_rows, dtype=bool)
        for codes in codes_list:
            missing_group |= codes < 0
        if missing_group.any():
            warnings.append(f"dropped {int(n_rows[missing_group].sum())} row(s) with a blank --by value")
            keep &= ~missing_group
        groups = present_groups(codes_list, labels_list, keep)
    missing = int((n_rows - n_usable)[keep].sum())
    if missing:
        warnings.append(f"{missing} row(s) with a missing value were left out")
    take = np.flatnonzero(keep & (n_usable > 0))
    columns = {}
    for b, codes, labels in zip(by_cols, codes_list, labels_list):
        columns[b] = pa.array(labels, type=pa.string()).take(pa.array(codes[take]))
    columns[ENTITY] = table["e"].take(pa.array(take))
    columns[VALUE] = table["v"].take(pa.array(take)).cast(pa.float64())
    if has_size:
        columns[SIZE] = table["s"].take(pa.array(take)).cast(pa.float64())
    return pa.table(columns).to_pandas(), groups, int(n_usable[keep].sum()), n_usable[take]
