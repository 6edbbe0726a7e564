"""``--engine dask``: data on a cluster, read and aggregated by Dask workers.

Each input file is one Dask task, run on a worker: it reads the file with
aistruct's own reader (:func:`aistruct.reader.load_table`, so a CSV cell or a
Parquet type means what it means to the default engine), applies ``--where``
and ``--exclude``, labels the groups (``--by``, periods with ``--freq``),
parses the values, and adds up each company's rows per group. The per-file
totals then meet in a shuffle-based Dask group-by (``split_out``), so the
companies of a billion rows spread over the workers instead of meeting on one;
only the per-(group, company) totals come back, where the same code as the
other engines checks them, and the metrics run on them unchanged.

Results equal the default engine's up to the order of the additions (per file,
then across files: 1e-12 relative; ``tests/test_dask_engine.py`` asserts it).

Sources: a CSV or Parquet file, a glob (``rounds/*.parquet``), a folder (read
recursively; ``year=2024/part-0.parquet`` gives a ``year`` column, as text), a
bundled ``dataset:NAME``, or an fsspec URL (``s3://``, ``gs://``, ``abfs://``,
with that filesystem's package installed where the tasks run). Where it runs:
``scheduler`` (``--scheduler``), else ``AISTRUCT_DASK_SCHEDULER``, else a
``LocalCluster`` sized to the machine, started and closed for the one run.
aistruct must be installed on the workers. One file is one task: a file larger
than a worker's memory must be split first.
"""

from __future__ import annotations

import glob as _glob
import os
from contextlib import contextmanager
from dataclasses import replace
from typing import Any, Callable, Iterator

from aistruct.errors import AistructError, InputError, UsageError, param
from aistruct.markets import (
    ENTITY,
    ROW,
    SIZE,
    VALUE,
    Markets,
    MarketSpec,
    finish_markets,
)
from aistruct.reader import DATASET_PREFIX, ReadOptions, format_for

#: The environment variable naming a scheduler when ``scheduler`` is not given.
SCHEDULER_ENV = "AISTRUCT_DASK_SCHEDULER"
#: The formats the engine reads.
FORMATS = ("csv", "parquet")
#: Seconds to wait for a scheduler to answer.
CONNECT_TIMEOUT = 30
_N = "__n__"  # usable rows of a (group, company) in a partial total


def _import_dask():
    try:
        import dask  # noqa: F401
        import dask.dataframe  # noqa: F401
        import distributed  # noqa: F401
    except ImportError:
        raise UsageError(f"{param('engine')} dask needs Dask: pip install 'aistruct[dask]'") from None


def _refuse(read: ReadOptions, spec: MarketSpec) -> None:
    if read.sheet is not None:
        raise UsageError(f"{param('engine')} dask reads CSV and Parquet; {param('sheet')} does not apply")
    if spec.wide or spec.id is not None:
        raise UsageError(
            f"{param('engine')} dask does not read wide tables ({param('wide')}/{param('id')}); use the default engine"
        )
    if spec.split_entities is not None:
        raise UsageError(
            f"{param('engine')} dask does not split entities ({param('split_entities')}); use the default engine"
        )
    if spec.aggregation in ("first", "last", "median"):
        raise UsageError(
            f"{param('engine')} dask does not combine rows by {param('agg')} {spec.aggregation} (a cluster keeps no "
            "row order); use the default engine"
        )
    for kind in ("aliases", "parents", "total_column"):
        if getattr(spec, kind, None) is not None:
            raise UsageError(f"{param('engine')} dask does not apply {param(kind)} yet; use the default engine")


def _is_url(path: str) -> bool:
    return "://" in path and not path.startswith("file://")


def source_files(source: Any, read: ReadOptions) -> tuple[list[str], str, str]:
    """(the files to read, their format, what to call the source in messages)."""
    if not isinstance(source, (str, os.PathLike)):
        raise UsageError(f"{param('engine')} dask reads files, a glob, a folder or a URL (not an in-memory table)")
    path = os.fspath(source)
    if path == "-":
        raise UsageError(f"{param('engine')} dask reads files, a glob, a folder or a URL (not standard input)")
    if path.startswith("file://"):
        path = path[len("file://") :]
    if path.startswith(DATASET_PREFIX):
        files = [path]
    elif _is_url(path):
        files = _url_files(path)
    elif os.path.isdir(path):
        files = sorted(
            f for f in _glob.glob(os.path.join(path, "**", "*"), recursive=True) if os.path.isfile(f) and _listed(f)
        )
        if not files:
            raise InputError(f"{path}: a folder with no CSV or Parquet files")
    elif any(ch in path for ch in "*?["):
        files = sorted(f for f in _glob.glob(path, recursive=True) if os.path.isfile(f))
        if not files:
            raise InputError(f"{path}: no file matches")
    else:
        if not os.path.exists(path):
            raise InputError(f"{path}: no such file")
        files = [path]
    formats = set()
    for f in files:
        name = f
        if f.startswith(DATASET_PREFIX):
            from aistruct.reader import dataset_path

            name = dataset_path(f[len(DATASET_PREFIX) :])[0]
        fmt = format_for(name, read.input_format)[0]
        if fmt not in FORMATS:
            raise UsageError(f"{f}: the Dask engine reads CSV and Parquet, not {fmt}; use the default engine")
        formats.add(fmt)
    if len(formats) > 1:
        raise UsageError(f"{path}: mixes CSV and Parquet files; read one format at a time")
    return files, formats.pop(), path


def _url_files(url: str) -> list[str]:
    try:
        import fsspec
    except ImportError:
        raise UsageError(f"{url}: reading URLs needs fsspec (pip install fsspec)") from None
    try:
        fs, _, paths = fsspec.get_fs_token_paths(url)
        protocol = url.split("://", 1)[0]
        if len(paths) == 1 and fs.isdir(paths[0]):
            paths = sorted(p for p in fs.find(paths[0]) if _listed(p))
    except ImportError as exc:
        raise UsageError(f"{url}: this filesystem needs a package: {exc}") from None
    except Exception as exc:
        raise InputError(f"{url}: {_first_line(exc)}") from None
    if not paths:
        raise InputError(f"{url}: no file matches")
    return [p if "://" in p else f"{protocol}://{p}" for p in paths]


def _listed(path: str) -> bool:
    """Whether a folder's file is data: a CSV or Parquet extension (compressed or not), and not
    hidden or a marker (``.part.crc``, ``_SUCCESS``, ``_metadata``)."""
    from aistruct.reader.parsers import EXTENSIONS

    name = os.path.basename(path.rstrip("/"))
    if name.startswith((".", "_")):
        return False
    lower = name.lower()
    for ext in (".gz", ".bz2", ".xz", ".zip"):
        lower = lower.removesuffix(ext)
    return EXTENSIONS.get(os.path.splitext(lower)[1]) in FORMATS


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


def _hive_columns(path: str, root: str) -> dict[str, str]:
    """``{key: value}`` of the ``key=value`` folders between ``root`` and ``path``."""
    if not os.path.isdir(root) or path.startswith(DATASET_PREFIX):
        return {}
    out = {}
    for part in os.path.relpath(os.path.dirname(path), root).split(os.sep):
        if "=" in part:
            key, value = part.split("=", 1)
            out[key] = value
    return out


def _read_raw(path: str, read: ReadOptions):
    """The :class:`~aistruct.reader.RawTable` of one file, read as the default engine reads it."""
    from aistruct.reader import RawTable, decompress, load_table, parse, sniff_compression

    opts = replace(read, engine="default", scheduler=None)
    if not _is_url(path):
        return load_table(path, opts)
    import fsspec

    fmt, compression = format_for(path, opts.input_format)
    with fsspec.open(path, "rb") as fh:
        data = fh.read(opts.max_bytes + 1)
    if len(data) > opts.max_bytes:
        from aistruct.reader.options import too_large

        raise too_large(path, opts.max_bytes, "read")
    compression = compression or (sniff_compression(data) if fmt == "csv" else None)
    if compression is not None:
        if not opts.decompress:
            raise InputError(f"{path}: compressed input ({compression}); pass {param('decompress')} to read it")
        data = decompress(data, compression, opts.max_bytes, path)
    frame = parse(data, fmt, opts, path)
    if frame.shape[1] == 0 or len(frame) == 0:
        raise InputError(f"{path}: no columns" if frame.shape[1] == 0 else f"{path}: has a header but no rows")
    return RawTable(frame=frame, source=path, format=fmt)


def _columns(raw, frame, spec: MarketSpec):
    """(by columns, entity, value, size or None) of one file, chosen as the default engine chooses them."""
    from aistruct.markets.prepare import long_columns

    return long_columns(frame, spec, raw.source)[:4]


def prepare_file(path: str, root: str, read: ReadOptions, spec: MarketSpec, many: bool = False) -> tuple:
    """One file's (partial totals frame, facts): the task each worker runs.

    The frame has a column ``g0, g1, ...`` per ``--by`` column (labels as text),
    ``e`` (the company), ``v`` (and ``s``), the partial ``agg`` of the usable values,
    and ``__n__`` the usable rows; the facts are the counts behind the warnings.
    Any failure becomes an :class:`~aistruct.errors.InputError` naming the file.
    """
    try:
        return _prepare_file(path, root, read, spec, many)
    except AistructError:
        raise
    except Exception as exc:  # a worker's failure comes back as one line naming the file
        raise InputError(f"{path}: {type(exc).__name__}: {_first_line(exc)}") from None


def _prepare_file(path: str, root: str, read: ReadOptions, spec: MarketSpec, many: bool) -> tuple:
    import numpy as np
    import pandas as pd

    from aistruct.markets.columns import check_header
    from aistruct.markets.groups import group_codes
    from aistruct.markets.periods import period_codes
    from aistruct.markets.spec import check_columns
    from aistruct.markets.values import parse_values
    from aistruct.markets.where import where_masks

    try:
        raw = _read_raw(path, read)
    except InputError as exc:
        if not many or not str(exc).endswith(": has a header but no rows"):
            raise
        return None, {"source": path, "rows_read": 0, "columns": None}  # a dataset's empty part file
    raw.frame.columns = [str(c) for c in raw.frame.columns]
    for key, value in _hive_columns(path, root).items():
        if key not in raw.frame.columns:
            raw.frame[key] = value
    check_header(raw)
    check_columns(raw, spec)
    frame = raw.frame
    rows_read = len(frame)
    frame = frame.assign(**{ROW: np.arange(rows_read)})
    kept_by_where = []
    unfiltered = frame
    if spec.where:
        masks = where_masks(raw, frame, spec.where, spec.decimal)
        kept_by_where = [int(m.sum()) for m in masks]
        frame = frame[masks[-1]]
    # The default engine chooses columns among the rows the filters keep; a file of which
    # they keep none (another file has the rows) chooses them among all its rows.
    by, entity, value, size = _columns(raw, frame if len(frame) else unfiltered, spec)
    if spec.exclude:
        excluded = {str(e).casefold() for e in spec.exclude}
        frame = frame[~frame[entity].astype("string").str.strip().str.casefold().isin(excluded).fillna(False)]
    names = frame[entity].astype("string").str.strip()
    blank = (names.isna() | (names == "")).to_numpy(dtype=bool)
    warnings: list[str] = list(raw.warnings)
    values = parse_values(raw, frame, value, spec, warnings, "value") if len(frame) else np.array([], float)
    sizes = None
    if size is not None and size != value and len(frame):
        sizes = parse_values(raw, frame, size, spec, warnings, "size")
    rows = frame[ROW].to_numpy()
    facts: dict = {
        "source": raw.source,
        "credit": raw.credit,
        "columns": (by, entity, value, size),
        "rows_read": rows_read,
        "kept_by_where": kept_by_where,
        "warnings": warnings,
        "blank_names": 0,
        "first_blank_name": None,
        "blank_groups": 0,
        "missing": 0,
    }
    blank_with_value = blank & ~np.isnan(values) if len(values) else blank[:0]
    if blank_with_value.any():
        facts["blank_names"] = int(blank_with_value.sum())
        facts["first_blank_name"] = raw.row_label(int(rows[np.flatnonzero(blank_with_value)[0]]))
    keep = ~blank
    labels_of = []
    missing_group = np.zeros(len(frame), dtype=bool)
    for b in by:
        if spec.freq and b == by[-1]:
            codes, labels = period_codes(raw, frame, b, spec.freq)
        else:
            codes, labels = group_codes(frame, b)
        missing_group |= codes < 0
        labels_of.append(np.asarray(list(labels) + [None], dtype=object)[codes])  # code -1: None
    facts["blank_groups"] = int((missing_group & keep).sum())
    keep &= ~missing_group
    usable = keep & ~np.isnan(values) if len(values) else keep
    if sizes is not None:
        usable &= ~np.isnan(sizes)
    facts["missing"] = int((keep & ~usable).sum())

    part = {f"g{i}": labels[keep] for i, labels in enumerate(labels_of)}
    part["e"] = names.to_numpy(dtype=object)[keep]
    part["v"] = np.where(usable, values if len(values) else 0.0, np.nan)[keep]
    if sizes is not None:
        part["s"] = np.where(usable, sizes, np.nan)[keep]
    part[_N] = usable[keep].astype(np.int64)
    table = pd.DataFrame(part)
    return _partial(table, spec.aggregation, len(by), sizes is not None), facts


def _keys(n_by: int) -> list[str]:
    return [f"g{i}" for i in range(n_by)] + ["e"]


def _how(agg: str) -> str:
    """The pandas/Dask aggregation that combines partial totals (a mean is a sum until the end)."""
    return {"sum": "sum", "mean": "sum", "count": "sum", "max": "max", "min": "min"}[agg]


def _partial(table, agg: str, n_by: int, has_size: bool):
    """Per (group, company) of one part: the partial ``agg`` of the values and the usable rows."""
    how = {"v": _how(agg), _N: "sum"}
    if has_size:
        how["s"] = _how(agg)
    out = table.groupby(_keys(n_by), sort=False, dropna=False).agg(how).reset_index()
    meta = _meta(n_by, has_size)
    return out[list(meta.columns)].astype(meta.dtypes.to_dict())


def _meta(n_by: int, has_size: bool):
    import pandas as pd

    columns: dict = {k: pd.Series([], dtype=object) for k in _keys(n_by)}
    columns["v"] = pd.Series([], dtype="float64")
    if has_size:
        columns["s"] = pd.Series([], dtype="float64")
    columns[_N] = pd.Series([], dtype="int64")
    return pd.DataFrame(columns)


@contextmanager
def _client(scheduler: str | None) -> Iterator[Any]:
    """A ``distributed.Client``: to ``scheduler`` (or :data:`SCHEDULER_ENV`), else to a LocalCluster
    sized to the machine, started here and closed on leaving."""
    import logging

    from distributed import Client, LocalCluster

    address = scheduler or os.environ.get(SCHEDULER_ENV, "").strip() or None
    quiet = [logging.getLogger(n) for n in ("distributed", "tornado", "bokeh")]
    levels = [log.level for log in quiet]
    for log in quiet:
        log.setLevel(logging.ERROR)
    cluster = None
    try:
        if address:
            try:
                client = Client(address, timeout=CONNECT_TIMEOUT, set_as_default=False)
            except (OSError, TimeoutError, ValueError) as exc:
                named = param("scheduler") if scheduler else SCHEDULER_ENV
                raise UsageError(f"{named} {address}: cannot reach a Dask scheduler ({_first_line(exc)})") from None
        else:
            import warnings

            with warnings.catch_warnings():  # "Port 8787 is already in use": its metrics port, unused here
                warnings.simplefilter("ignore", UserWarning)
                try:
                    cluster = LocalCluster(processes=True, dashboard_address=None, silence_logs=logging.CRITICAL)
                except Exception as exc:  # worker processes that cannot start (a script without a main guard)
                    raise UsageError(
                        f"{param('engine')} dask: could not start a local Dask cluster ({_first_line(exc)}); "
                        f"name a running one with {param('scheduler')}"
                    ) from None
            client = Client(cluster, set_as_default=False)
        try:
            yield client
        finally:
            client.close()
    finally:
        if cluster is not None:
            cluster.close()
        for log, level in zip(quiet, levels):
            log.setLevel(level)


def _file_size(path: str) -> int:
    try:
        return os.path.getsize(path) if not _is_url(path) and not path.startswith(DATASET_PREFIX) else 0
    except OSError:
        return 0


def prepare(
    source: Any, read: ReadOptions, spec: MarketSpec, *, need_size: bool = False, progress: Callable | None = None
) -> Markets:
    """Like ``prepare_markets(load_table(source, read), spec)``, with Dask workers reading and aggregating."""
    from aistruct.markets.periods import check_freq
    from aistruct.markets.spec import check_agg, check_decimal, check_on_bad_value

    check_agg(spec.agg)
    check_freq(spec.freq)
    check_decimal(spec.decimal)
    check_on_bad_value(spec.on_bad_value)
    _refuse(read, spec)
    files, _fmt, what = source_files(source, read)
    _import_dask()
    with _client(read.scheduler) as client:
        with client.as_current():
            table, facts = _run(client, files, what, read, spec, progress)
    return _markets(table, facts, files, what, spec, need_size)


def _run(client, files: list[str], what: str, read: ReadOptions, spec: MarketSpec, progress: Callable | None):
    """(the per-(group, company) totals as pandas, the facts of every file), computed on ``client``."""
    import dask
    import dask.dataframe as dd
    from distributed import as_completed

    sizes = [_file_size(f) for f in files]
    total = sum(sizes) or len(files)
    parts = all_parts = client.map(
        prepare_file, files, root=what, read=read, spec=spec, many=len(files) > 1, pure=False
    )
    owner = {p.key: i for i, p in enumerate(parts)}
    done = 0
    if progress is not None:
        progress("read", 0, total)
    try:
        for fut in as_completed(parts):
            if fut.status == "error":
                fut.result()  # raises the worker's error here
            done += sizes[owner[fut.key]] or 1
            if progress is not None:
                progress("read", min(done, total), total)
        facts = client.gather(client.map(_facts_of, parts, pure=False))
        if all(f["columns"] is None for f in facts):
            raise InputError(f"{what}: every file has a header but no rows")
        parts = [p for p, f in zip(parts, facts) if f["columns"] is not None]
        facts = [f for f in facts if f["columns"] is not None]
        has_size = any(f["columns"][3] is not None and f["columns"][3] != f["columns"][2] for f in facts)
        n_by = len(spec.by)
        if progress is not None:
            progress("aggregate", None, None)
        frames = client.map(_frame_of, parts, pure=False)
        with dask.config.set({"dataframe.convert-string": False}):
            ddf = dd.from_delayed(frames, meta=_meta(n_by, has_size), verify_meta=False)
            how = {"v": _how(spec.aggregation), _N: "sum"}
            if has_size:
                how["s"] = _how(spec.aggregation)
            grouped = ddf.groupby(_keys(n_by), sort=False, dropna=False).agg(
                how, split_out=max(1, min(len(files), 64)), shuffle_method="tasks"
            )
            table = client.compute(grouped).result().reset_index()
    except AistructError:
        raise
    except Exception as exc:
        if not _from_the_cluster(exc):
            raise
        raise UsageError(f"{what}: the Dask cluster failed ({type(exc).__name__}: {_first_line(exc)})") from None
    finally:
        client.cancel(all_parts)
    return table, facts


def _from_the_cluster(exc: Exception) -> bool:
    """A failure of the cluster rather than of aistruct: a worker that died, a lost scheduler."""
    import asyncio

    return type(exc).__module__.startswith("distributed") or isinstance(
        exc, (asyncio.CancelledError, OSError, TimeoutError)
    )


def _facts_of(part: tuple) -> dict:
    return part[1]


def _frame_of(part: tuple):
    return part[0]


def _markets(table, facts: list[dict], files: list[str], what: str, spec: MarketSpec, need_size: bool) -> Markets:
    """The :class:`Markets` of the totals and the files' facts, with the default engine's warnings."""
    import numpy as np
    import pandas as pd

    columns = {(tuple(f["columns"][0]), *f["columns"][1:]) for f in facts}
    if len(columns) > 1:
        raise InputError(
            f"{what}: the files do not agree on the columns to use; name them with "
            f"{param('entity')}, {param('value')} (and {param('by')})"
        )
    by, entity, value, size = facts[0]["columns"]
    many = len(files) > 1
    source = what if many else facts[0]["source"]
    warnings: list[str] = []
    for f in facts:
        warnings += [f"{f['source']}: {w}" if many else w for w in f["warnings"]]
    rows_read = sum(f["rows_read"] for f in facts)
    if spec.where:
        _check_where(spec.where, facts, source, rows_read)
    blank_names = sum(f["blank_names"] for f in facts)
    if blank_names:
        first = next(f for f in facts if f["blank_names"])
        label = (f"{first['source']} " if many else "") + first["first_blank_name"]
        warnings.append(f"dropped {blank_names} row(s) with a blank {entity!r} (first: {label})")
    blank_groups = sum(f["blank_groups"] for f in facts)
    if blank_groups:
        warnings.append(f"dropped {blank_groups} row(s) with a blank --by value")
    missing = sum(f["missing"] for f in facts)
    if missing:
        warnings.append(f"{missing} row(s) with a missing value were left out")

    keys = _keys(len(by))
    groups: list[tuple] = [()]
    if by:
        distinct = table[keys[:-1]].drop_duplicates()
        groups = sorted(zip(*(distinct[k].astype(object).map(str).tolist() for k in keys[:-1])))
    n = table[_N].to_numpy(dtype=np.int64)
    used = table[n > 0].reset_index(drop=True)
    n_used = n[n > 0]
    out = pd.DataFrame({b: used[f"g{i}"].astype(object).to_numpy() for i, b in enumerate(by)})
    out[ENTITY] = used["e"].astype(object).to_numpy()
    for col, name in (("v", VALUE), ("s", SIZE)):
        if col not in used.columns:
            continue
        total = used[col].to_numpy(dtype=np.float64)
        if spec.aggregation == "mean":
            total = total / n_used
        elif spec.aggregation == "count":
            total = n_used.astype(np.float64)
        out[name] = total
    out, _, repeated, combined = finish_markets(
        out, n_used, None, list(by), spec, source, value, size, need_size, warnings
    )
    return Markets(
        companies=out,
        groups=groups,
        by=list(by),
        entity=entity,
        value=value,
        size=(size if size else (value if need_size else None)),
        rows_read=rows_read,
        rows_used=int(n.sum()),
        source=source,
        credit=facts[0]["credit"] if not many else None,
        warnings=warnings,
        repeated_entities=repeated,
        rows_combined=combined,
    )


def _check_where(conditions, facts: list[dict], source: str, rows_read: int) -> None:
    """Exit 2 when a ``--where`` condition leaves no row of all the files, as the default engine does."""
    kept = [sum(f["kept_by_where"][i] for f in facts) for i in range(len(conditions))]
    before = rows_read
    for i, text in enumerate(conditions):
        if before and not kept[i]:
            s = "s" if before != 1 else ""
            of = f"the {before} row{s} the earlier filters kept" if i else f"{before} row{s}"
            raise UsageError(f"{source}: {param('where')} {text!r} matched 0 of {of}")
        before = kept[i]
