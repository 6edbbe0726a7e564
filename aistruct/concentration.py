"""``concentration``: every metric of :mod:`aistruct.metric_registry` for each market.

Each ``results`` entry holds ``n``, ``total``, one key per registered metric (in
registry order), the HHI's ``band`` under the report's ``guidelines``
(:func:`aistruct.guidelines.band`), ``status``, ``top``, and ``mhhi`` /
``mhhi_delta`` (:mod:`aistruct.ownership`; null without an ownership table).

:func:`concentration_report` is what the CLI command runs; it returns a
:class:`ConcentrationReport` whose ``to_dict()`` is exactly the JSON document
``aistruct concentration --format json`` prints (schema
``aistruct/schemas/concentration.schema.json``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Sequence

from aistruct import metrics
from aistruct.bootstrap import (
    DEFAULT_RESAMPLES,
    DEFAULT_SEED,
    INTERVAL_KEYS,
    bootstrap_intervals,
    check_options,
    few_resamples_warning,
)
from aistruct.engines import load_markets
from aistruct.errors import UsageError, param
from aistruct.guidelines import GUIDELINES, band
from aistruct.keywords import split_keywords, with_keywords
from aistruct.markets import Markets, MarketSpec
from aistruct.metric_registry import METRICS
from aistruct.reader import ReadOptions
from aistruct.report import CommandReport, group_text
from aistruct.vocabulary import STATUS_EMPTY, STATUS_OK, STATUS_ZERO


def market_metrics(
    entities: Sequence[str],
    values: Sequence[float],
    *,
    top: Sequence[int] = metrics.DEFAULT_TOP,
    show: int = 10,
    guidelines: str = "us-2023",
    fringe: float | None = None,
) -> dict:
    """All concentration metrics of one market, as the JSON ``results`` entry (without ``group``).

    ``values`` are per-company totals (non-negative, no missing). A market with
    no companies or a zero total gets null metrics and a ``status`` saying why.

    ``fringe`` (the unobserved rest of the market, ``--other``/``--total``): ``total``,
    ``hhi``, ``equivalent_firms``, ``cr``, ``band`` and the ``top`` shares are then of
    the whole market with the fringe atomised (a lower bound for HHI), ``bounds``
    gives each one's range (:func:`aistruct.metrics.fringe_bounds`) and ``fringe`` its
    value and share; the other metrics describe the listed companies. Without a
    fringe, ``bounds`` and ``fringe`` are null.
    """
    import numpy as np

    x = np.asarray(values, dtype=np.float64)
    n = int(x.size)
    p = metrics.Prepared(x) if n else None  # checks and sorts once for every metric
    total = p.total if p is not None else 0.0  # added in ascending order: independent of the company order
    if n and not np.isfinite(total):  # sum of huge values overflows; the metrics do not
        total = float("inf")
    doc: dict[str, Any] = {"n": n, "total": total if np.isfinite(total) else None}
    doc_fringe = None if fringe is None else {"value": float(fringe), "share": None}
    if n == 0 or x.max() <= 0:
        doc.update({m.key: None for m in METRICS})
        doc["band"] = None
        doc["status"] = STATUS_EMPTY if n == 0 else STATUS_ZERO
        doc["top"] = []
        doc["bounds"] = None
        if doc_fringe is not None and fringe:
            doc_fringe["share"] = 1.0  # nothing listed: the whole market is unobserved
        doc["fringe"] = doc_fringe
        return doc
    assert p is not None  # n > 0 from here on
    args = {"cr": (top,)}  # the only metric whose parameters come from the caller
    for m in METRICS:
        doc[m.key] = m.compute(p, *args.get(m.key, ()))
    s = p.s
    bounds = None
    if fringe is not None:
        b = metrics.fringe_bounds(p.x, fringe, top)
        whole = float(b["total"])
        doc["total"] = whole
        doc["hhi"] = b["hhi"][0]
        doc["equivalent_firms"] = b["equivalent_firms"][1]
        doc["cr"] = {k: lo for k, (lo, _) in b["cr"].items()}
        bounds = {"hhi": b["hhi"], "equivalent_firms": b["equivalent_firms"], "cr": b["cr"]}
        doc_fringe = {"value": float(fringe), "share": float(fringe) / whole}
        s = x / whole
    doc["band"] = band(doc["hhi"], guidelines)
    doc["status"] = STATUS_OK
    # Largest first; ties by name so the output is deterministic.
    doc["top"] = top_companies(entities, x, s, show)
    doc["bounds"] = bounds
    doc["fringe"] = doc_fringe
    return doc


def largest_indices(x, names, show: int, among=None) -> list[int]:
    """Positions of the ``show`` largest values of ``x`` (restricted to the positions ``among``),
    largest first, ties by name.

    O(n) selection; only the candidates' names are looked at, so ``names`` may be
    any indexable sequence (a list, a numpy array, a pandas Series).
    """
    import numpy as np

    idx = np.arange(x.size) if among is None else np.asarray(among)
    if show <= 0 or idx.size == 0:
        return []
    vv = x[idx]
    if idx.size > show:
        cutoff = np.partition(vv, idx.size - show)[idx.size - show]
        idx = idx[vv >= cutoff]
    keyed = zip((-x[idx]).tolist(), (str(name) for name in _names_at(names, idx)), idx.tolist())
    return [i for _, _, i in sorted(keyed)[:show]]


def _names_at(names, positions) -> list:
    """``[names[i] for i in positions]``, in one call for a pandas Series or a pyarrow array
    (one lookup per name costs microseconds, which thousands of small markets turn into seconds)."""
    if hasattr(names, "iloc"):
        return names.iloc[list(positions)].tolist()
    if hasattr(names, "take") and hasattr(names, "to_pylist"):  # a pyarrow array
        import pyarrow as pa

        return names.take(pa.array(list(positions), type=pa.int64())).to_pylist()
    return [names[int(i)] for i in positions]


def top_companies(names, x, s, show: int) -> list[dict]:
    """The ``show`` largest companies as JSON ``top`` entries: entity, value, share."""
    picked = largest_indices(x, names, show)
    return [
        {"entity": str(name), "value": float(x[i]), "share": float(s[i])}
        for i, name in zip(picked, _names_at(names, picked))
    ]


@dataclass
class ConcentrationReport(CommandReport):
    """The result of ``concentration``; ``to_dict()`` is the JSON contract (schema_version 1).

    ``guidelines`` names the guideline set every result's ``band`` was read against.
    """

    guidelines: str = "us-2023"
    command: str = "concentration"
    #: Per result, the market's company values (a float array), for charts; not part of the JSON.
    values: list = field(default_factory=list, repr=False, compare=False)

    def extra(self) -> dict:
        return {"guidelines": self.guidelines}


def concentration_of_markets(
    markets: Markets,
    *,
    top: Sequence[int] = metrics.DEFAULT_TOP,
    show: int = 10,
    guidelines: str = "us-2023",
    progress=None,
    ownership: Any = None,
    ci: float | None = None,
    resamples: int = DEFAULT_RESAMPLES,
    seed: int = DEFAULT_SEED,
) -> ConcentrationReport:
    """Metrics for every group of already prepared markets.

    ``progress`` (optional) is called as ``progress("compute", groups_done, groups)``.
    ``ownership`` (a path, a DataFrame, rows or an :class:`aistruct.ownership.Ownership`)
    adds ``mhhi`` and ``mhhi_delta``; without it they are null. ``ci`` (a level such as 0.95)
    adds each result's bootstrap intervals (:func:`aistruct.bootstrap.bootstrap_intervals`,
    ``resamples`` and ``seed``) as ``ci``; without it ``ci`` is null.
    """
    validate_top(top)
    if ci is not None:
        check_options(ci, resamples, seed, fringe=markets.fringe is not None)
    own = None
    if ownership is not None:
        from aistruct.ownership import load_ownership

        own = load_ownership(ownership)
    unmatched: set | None = None
    if guidelines not in GUIDELINES:
        raise UsageError(f"{param('guidelines')}: unknown {guidelines!r}; use one of {', '.join(GUIDELINES)}")
    results = []
    arrays = []
    warnings = list(markets.warnings)
    if ci is not None and (few := few_resamples_warning(resamples)):
        warnings.append(few)
    n_groups = len(markets.groups)
    for done, (group, names, values) in enumerate(markets.iter_group_columns()):
        if progress is not None:
            progress("compute", done, n_groups)
        doc = {"group": group}
        fringe = None if markets.fringe is None else markets.fringe.get(tuple(group[b] for b in markets.by), 0.0)
        doc.update(market_metrics(names, values, top=top, show=show, guidelines=guidelines, fringe=fringe))
        doc["mhhi"] = doc["mhhi_delta"] = None
        if own is not None:
            unmatched = _add_mhhi(doc, names.to_pylist(), values, own, group, warnings, unmatched)
        doc["ci"] = result_interval(doc, values, top=top, ci=ci, resamples=resamples, seed=seed)
        arrays.append(values)
        if doc["status"] != STATUS_OK:
            where = f"group {group_text(group)}" if group else "the market"
            why = "has no values" if doc["status"] == STATUS_EMPTY else "has a total of 0"
            warnings.append(f"{where} {why}; its metrics are null")
        results.append(doc)
    if own is not None and unmatched:
        from aistruct.ownership import unmatched_warning

        warnings.append(unmatched_warning(own.source, sorted(unmatched)))
    return ConcentrationReport(
        input=markets.input_dict(), results=results, warnings=warnings, guidelines=guidelines, values=arrays
    )


def _add_mhhi(doc: dict, names: list, values, own, group: dict, warnings: list, unmatched: set | None):
    """``mhhi`` and ``mhhi_delta`` of one market into ``doc``; the ownership rows it did not match,
    intersected with those of the markets before (a row is unmatched when no market has its company)."""
    from aistruct.ownership import SHOWN, OwnedMarket

    market = OwnedMarket(names, own)
    missing = set(market.unmatched)
    unmatched = missing if unmatched is None else unmatched & missing
    if doc["status"] != STATUS_OK:
        return unmatched
    undefined = market.undefined(values)
    if undefined:
        where = f"group {group_text(group)}" if group else "the market"
        shown = ", ".join(map(repr, undefined[:SHOWN])) + (", ..." if len(undefined) > SHOWN else "")
        warnings.append(f"{where}: mhhi is undefined: no controller of {shown} holds any of its cash flow")
        return unmatched
    delta = market.mhhi_delta(values)
    if delta is not None:
        doc["mhhi"] = doc["hhi"] + delta
        doc["mhhi_delta"] = delta
    return unmatched


def result_interval(
    doc: dict, values, *, top: Sequence[int], ci: float | None, resamples: int, seed: int
) -> dict | None:
    """The ``ci`` of one result (its metrics already in ``doc``): null without ``ci`` or shares."""
    if ci is None or doc["status"] != STATUS_OK:
        return None
    estimates = {key: doc[key] for key in INTERVAL_KEYS}
    return bootstrap_intervals(values, level=ci, resamples=resamples, seed=seed, top=top, estimates=estimates)


def validate_top(top: Sequence[int]) -> None:
    if not top:
        raise UsageError(f"{param('top')} needs at least one k")
    for k in top:
        if int(k) < 1:
            raise UsageError(f"{param('top')}: k must be a whole number of at least 1 (got {k})")


def concentration_report(
    source: Any,
    *,
    spec: MarketSpec | None = None,
    read: ReadOptions | None = None,
    top: Sequence[int] = metrics.DEFAULT_TOP,
    show: int = 10,
    guidelines: str = "us-2023",
    progress=None,
    ownership: Any = None,
    ci: float | None = None,
    resamples: int = DEFAULT_RESAMPLES,
    seed: int = DEFAULT_SEED,
    **spec_fields: Any,
) -> ConcentrationReport:
    """Read ``source`` and compute the concentration of each market.

    ``source`` is a path, ``-``, ``dataset:NAME`` or a pandas DataFrame. Column
    options are a :class:`MarketSpec` or its fields as keywords
    (``entity=``, ``value=``, ``by=[...]``, ``agg=``, ``where=[...]`` ...).
    ``read=ReadOptions(engine="duckdb")`` reads Parquet files, globs and folders
    through DuckDB (see :mod:`aistruct.engines.duckdb`). ``progress``, when given,
    is called as ``progress(stage, done, total)`` (stages ``read``, ``aggregate``,
    ``compute``) for a progress bar. ``ci=0.95`` adds bootstrap intervals to each result
    (``resamples``, ``seed``; see :mod:`aistruct.bootstrap`).

    >>> from aistruct import concentration_report
    >>> report = concentration_report("dataset:ai_app_mau_cn_2025-03", entity="app")
    >>> round(report.results[0]["hhi"]), report.results[0]["band"]
    (3886, 'highly concentrated')
    """
    spec_kw, read_kw = split_keywords(concentration_report, spec_fields, (MarketSpec, ReadOptions))
    spec = with_keywords(spec, MarketSpec, spec_kw) or MarketSpec()
    read = with_keywords(read, ReadOptions, read_kw)
    if ownership is not None:  # a bad ownership table exits 2 before the market is read
        from aistruct.ownership import check_ownership_source, load_ownership

        check_ownership_source(ownership, source)
        ownership = load_ownership(ownership, read)
    markets = load_markets(source, read, spec, progress=progress)  # default engine: load_table + prepare_markets
    return concentration_of_markets(
        markets,
        top=top,
        show=show,
        guidelines=guidelines,
        progress=progress,
        ownership=ownership,
        ci=ci,
        resamples=resamples,
        seed=seed,
    )
