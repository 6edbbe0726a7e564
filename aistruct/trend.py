"""``trend``: concentration and tier shares period by period, and whether they move.

:func:`trend_report` is what ``aistruct trend`` runs; it returns a
:class:`TrendReport` whose ``to_dict()`` is exactly the JSON document
``aistruct trend --format json`` prints (schema
``aistruct/schemas/trend.schema.json``).

The per-period metrics come from :func:`aistruct.concentration.market_metrics`,
the code ``concentration`` runs, so ``trend --period YEAR`` and
``concentration --by YEAR`` agree to the last bit. Tier shares use
:mod:`aistruct.tiers` with one pair of bounds for every period of a series.

The change over time is read with two statistics from :mod:`aistruct.stats`
that ask different things:

* :func:`~aistruct.stats.ols_slope`: the least-squares slope of the metric on
  the period number (how much per period, on average);
* :func:`~aistruct.stats.mann_kendall`: the Mann-Kendall trend test (Mann 1945,
  Kendall 1975), which asks only whether later periods tend to be higher (or
  lower) than earlier ones, with no assumption on the shape or the noise.

This module keeps what is about periods: their positions on the time axis, the
metrics followed, each metric's ``changes`` entry, and the verdict's prose.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any, Sequence

from aistruct import metrics
from aistruct.bootstrap import DEFAULT_RESAMPLES, DEFAULT_SEED, check_options, few_resamples_warning
from aistruct.engines import load_markets
from aistruct.errors import UsageError, param
from aistruct.keywords import split_keywords, with_keywords
from aistruct.markets import ENTITY, SIZE, VALUE, Markets, MarketSpec
from aistruct.markets.periods import order_periods
from aistruct.reader import ReadOptions
from aistruct.report import CommandReport, group_text
from aistruct.stats import mann_kendall, ols_slope
from aistruct.vocabulary import STATUS_OK, TIER_KEYS

#: Periods with fewer companies than this are "thin": shown, but left out of ``changes``.
DEFAULT_MIN_N = 5
#: Fewer usable periods than this cannot reach p < 0.05 even when perfectly monotone
#: (smallest exact two-sided p-value: 2/4! = 0.083 for 4 periods, 2/5! = 0.017 for 5).
MIN_TEST_PERIODS = 5
SIGNIFICANT = 0.05
SUGGESTIVE = 0.10
TIER_FIELDS = ("count_share", "value_share")


# ---------------------------------------------------------------- periods


_YEAR = re.compile(r"^\d{4}$")
_INT = re.compile(r"^[+-]?\d+$")
_QUARTER = re.compile(r"^(\d{4})Q([1-4])$")
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


def period_positions(labels: Sequence[str]) -> tuple[list[str], list[float], str]:
    """Period labels in time order, their positions on the time axis, and the unit of one step.

    The order is :func:`aistruct.markets.periods.order_periods` (UsageError for
    labels with no time order). Years, quarters and months get calendar
    positions, so a missing period leaves a gap: ``2024`` -> 2024 (unit
    ``year``), ``2024Q1`` -> 4*2024 + 0 (``quarter``), ``2024-03`` -> 12*2024 + 2
    (``month``); other whole numbers count as themselves (``period``); ISO dates
    are numbered 0, 1, 2 ... in date order (``step``).
    """
    labels = order_periods([str(x) for x in labels])
    if labels and all(_YEAR.match(x) for x in labels):
        pos, unit = [float(int(x)) for x in labels], "year"
    elif labels and all(_INT.match(x) for x in labels):
        pos, unit = [float(int(x)) for x in labels], "period"
    elif labels and all(_QUARTER.match(x) for x in labels):
        quarters = [_QUARTER.match(x) for x in labels]
        pos = [float(4 * int(m.group(1)) + int(m.group(2)) - 1) for m in quarters if m is not None]
        unit = "quarter"
    elif labels and all(_MONTH.match(x) and 1 <= int(x[5:]) <= 12 for x in labels):
        pos = [float(12 * int(x[:4]) + int(x[5:]) - 1) for x in labels]
        unit = "month"
    else:
        return labels, [float(i) for i in range(len(labels))], "step"
    return labels, pos, unit


# ---------------------------------------------------------------- metrics over time


def metric_keys(top: Sequence[int]) -> list[str]:
    """Names of the metrics followed over time, in report order (also the CSV column names)."""
    keys = ["n", "total", "hhi"] + [f"cr_{int(k)}" for k in top] + ["gini"]
    keys += [f"{t}_{f}" for t in TIER_KEYS for f in TIER_FIELDS]
    return keys


def metric_value(period: dict, key: str) -> float | None:
    """The value of metric ``key`` (a name from :func:`metric_keys`) in one period object."""
    if key.startswith("cr_"):
        cr = period.get("cr") or {}
        return cr.get(key[3:])
    for t in TIER_KEYS:
        if key.startswith(t + "_"):
            tiers = period.get("tiers")
            if not tiers:
                return None
            return tiers[t][key[len(t) + 1 :]]
    return period.get(key)


def _round_sig(y: float, digits: int = 12) -> float:
    return float(f"{y:.{digits}g}") if math.isfinite(y) else y


def change_of(points: Sequence[tuple[str, float, float]]) -> dict:
    """``changes`` entry of one metric from (period, position, value) points in time order."""
    doc: dict[str, Any] = {
        "first": None,
        "last": None,
        "change": None,
        "slope": None,
        "tau": None,
        "p_value": None,
        "s": None,
        "method": None,
        "periods": len(points),
        "first_period": None,
        "last_period": None,
        "rises": 0,
        "falls": 0,
    }
    if not points:
        return doc
    xs = [p[1] for p in points]
    ys = [float(p[2]) for p in points]
    doc.update(first=ys[0], last=ys[-1], first_period=points[0][0], last_period=points[-1][0])
    if len(points) < 2:
        return doc
    # Compare at 12 significant digits: the same share computed in two periods can differ in the
    # last bit (0.2 vs 0.20000000000000004), and that must count as a tie, not a move.
    ranked = [_round_sig(y) for y in ys]
    mk = mann_kendall(ranked)
    doc.update(
        change=ys[-1] - ys[0],
        slope=ols_slope(xs, ys),
        tau=mk.tau,
        p_value=mk.p_value,
        s=mk.s,
        method=mk.method,
        rises=sum(1 for a, b in zip(ranked, ranked[1:]) if b > a),
        falls=sum(1 for a, b in zip(ranked, ranked[1:]) if b < a),
    )
    return doc


def series_trend(
    periods: Sequence[tuple[str, Any]],
    *,
    top: Sequence[int] = metrics.DEFAULT_TOP,
    min_n: int = DEFAULT_MIN_N,
    method: str | None = None,
    bounds: Any = None,
    preset: str | None = None,
    decimal: str = ".",
    fringes: dict | None = None,
    ownership: Any = None,
    notes: dict | None = None,
    ci: float | None = None,
    resamples: int = DEFAULT_RESAMPLES,
    seed: int = DEFAULT_SEED,
) -> dict:
    """One series: ``periods`` is [(label, companies frame with ENTITY, VALUE, SIZE)].

    ``fringes`` (``--other``/``--total``): the unobserved fringe of each period by label;
    each period then carries ``bounds`` and ``fringe`` as a concentration result does.

    ``ownership`` (an :class:`aistruct.ownership.Ownership`) adds each period's ``mhhi`` and
    ``mhhi_delta`` (else null); ``notes`` collects, for warnings, ``unmatched`` (the rows'
    companies no period had) and ``undefined`` ((period, firms) whose MHHI is undefined).

    ``ci`` adds each period's bootstrap intervals (``ci``, null without it).

    Returns the JSON series object without ``group``: ``periods``, ``bounds``,
    ``method``, ``slope_unit``, ``changes``, ``thin_periods``, ``verdict``.
    """
    import numpy as np

    from aistruct.concentration import market_metrics, result_interval
    from aistruct.tiers import tier_bounds, tier_method, tier_shares

    frames = dict(periods)
    labels, positions, unit = period_positions(list(frames))
    sizes_all = [frames[p][SIZE].to_numpy(dtype=np.float64) for p in labels if SIZE in frames[p]]
    pooled = np.concatenate(sizes_all) if sizes_all else np.array([], dtype=np.float64)
    tb = tier_bounds(pooled, method=method, bounds=bounds, preset=preset, decimal=decimal)
    out_periods = []
    for label in labels:
        frame = frames[label]
        values = frame[VALUE].to_numpy(dtype=np.float64)
        fringe = None if fringes is None else fringes.get(label, 0.0)
        # show=0: no company is listed, so the names stay a column (no Python string per company)
        m = market_metrics(frame[ENTITY], values, top=top, show=0, fringe=fringe)
        doc = {
            "period": label,
            "n": m["n"],
            "total": m["total"],
            "hhi": m["hhi"],
            "cr": m["cr"],
            "gini": m["gini"],
            "status": m["status"],
            "thin": m["n"] < min_n,
            "tiers": None,
            "bounds": m["bounds"],
            "fringe": m["fringe"],
            "mhhi": None,
            "mhhi_delta": None,
            "ci": result_interval(m, values, top=top, ci=ci, resamples=resamples, seed=seed),
        }
        if ownership is not None:
            _period_mhhi(doc, frame[ENTITY].tolist(), values, ownership, notes if notes is not None else {})
        if tb is not None:
            sizes = frame[SIZE].to_numpy(dtype=np.float64) if SIZE in frame else values
            doc["tiers"] = tier_shares(sizes, values, tb[0], tb[1])
        out_periods.append(doc)
    changes = {}
    for key in metric_keys(top):
        pts = [
            (p["period"], x, v)
            for p, x in zip(out_periods, positions)
            if not p["thin"] and (v := metric_value(p, key)) is not None
        ]
        changes[key] = change_of(pts)
    series = {
        "periods": out_periods,
        "bounds": [tb[0], tb[1]] if tb is not None else None,
        "method": tier_method(method, bounds, preset),
        "slope_unit": unit,
        "thin_periods": [p["period"] for p in out_periods if p["thin"]],
        "changes": changes,
    }
    series["verdict"] = verdict(series, min_n=min_n)
    return series


def _period_mhhi(doc: dict, names: list, values, ownership, notes: dict) -> None:
    from aistruct.ownership import market_mhhi

    delta, undefined, unmatched = market_mhhi(names, values, ownership)
    seen = notes.get("unmatched")
    notes["unmatched"] = set(unmatched) if seen is None else seen & set(unmatched)
    if doc["status"] != STATUS_OK:
        return
    if undefined:
        notes.setdefault("undefined", []).append((doc["period"], undefined))
    elif delta is not None:
        doc["mhhi"] = doc["hhi"] + delta
        doc["mhhi_delta"] = delta


# ---------------------------------------------------------------- verdict


def _fmt_p(p: float) -> str:
    if p < 0.001:
        return "p < 0.001"
    return f"p = {p:.2g}" if p < 0.995 else "p = 1"


def _fmt_value(key: str, v: float) -> str:
    if key.endswith("_share") or key.startswith("cr_") or key == "gini":
        return f"{100 * v:.1f}%" if key != "gini" else f"{v:.3f}"
    if key == "total" and v != 0 and abs(v) < 100:
        return f"{v:,.4g}"
    if abs(v) >= 1e15:
        return f"{v:.3g}"
    return f"{v:,.0f}"


METRIC_NAMES = {
    "n": "the number of companies",
    "total": "the total",
    "hhi": "HHI",
    "gini": "the Gini coefficient",
    "small_count_share": "the small tier's share of companies",
    "small_value_share": "the small tier's value share",
    "middle_count_share": "the middle's share of companies",
    "middle_value_share": "the middle's value share",
    "giant_count_share": "the giants' share of companies",
    "giant_value_share": "the giants' value share",
}


def metric_name(key: str) -> str:
    if key.startswith("cr_"):
        return f"CR{key[3:]}"
    return METRIC_NAMES.get(key, key)


def reading(key: str, ch: dict, *, test: bool = True) -> str:
    """One clause on one metric's change, never stronger than its test.

    With ``test=False`` (too few periods) only the movement is described.
    """
    name = metric_name(key)
    cap = name[0].upper() + name[1:]
    k = ch["periods"]
    if k == 0:
        return f"{cap}: no usable period"
    first, last = _fmt_value(key, ch["first"]), _fmt_value(key, ch["last"])
    if k == 1:
        return f"{cap} was {first} in {ch['first_period']}"
    span = f"{ch['first_period']}–{ch['last_period']}"
    if ch["change"] > 0:
        move = f"{cap} rose from {first} to {last} over {span}"
    elif ch["change"] < 0:
        move = f"{cap} fell from {first} to {last} over {span}"
    else:
        move = f"{cap} was {first} at both ends of {span}"
    steps = k - 1
    if steps >= 2:
        parts = [f"up in {ch['rises']}"] if ch["rises"] else []
        if ch["falls"]:
            parts.append(f"down in {ch['falls']}")
        move += f" ({' and '.join(parts) or 'unchanged in all'} of {steps} steps)"
    if not test or k < MIN_TEST_PERIODS:
        return move
    p = ch["p_value"]
    direction = "rising" if (ch["s"] or 0) > 0 else "falling"
    if p is None or ch["s"] == 0:
        return f"{move}: no trend either way (Mann–Kendall S = 0, {_fmt_p(1.0)})"
    tendency = "later periods tend to be " + ("higher" if direction == "rising" else "lower")
    whole_path = ""
    if ch["change"] == 0 and p < SUGGESTIVE:
        # Equal ends and a trend are no contradiction: the test reads every period, not the two ends.
        move += ", but the series " + ("fell and recovered" if direction == "falling" else "rose and fell back")
        whole_path = "; the test is about the whole path, not its two ends"
    if p < SIGNIFICANT:
        return f"{move}: a {direction} trend, {tendency} (Mann–Kendall {_fmt_p(p)}){whole_path}"
    if p < SUGGESTIVE:
        return f"{move}: weak evidence of a {direction} trend (Mann–Kendall {_fmt_p(p)}){whole_path}"
    return f"{move}: no clear trend, the moves are consistent with chance (Mann–Kendall {_fmt_p(p)})"


VERDICT_METRICS = ("hhi", "middle_value_share", "middle_count_share")


def verdict(series: dict, *, min_n: int = DEFAULT_MIN_N) -> str:
    """Plain-language reading of a series: concentration (HHI) and the middle tier's shares.

    Rules (README, "Verdict"): p < 0.05 "a rising/falling trend"; 0.05 <= p < 0.10
    "weak evidence of a rising/falling trend"; otherwise "no clear trend". With
    fewer than :data:`MIN_TEST_PERIODS` usable periods no test is read at all:
    the verdict describes the movement and says the series is too short to tell.
    """
    keys = [k for k in VERDICT_METRICS if k == "hhi" or series["bounds"] is not None]
    usable = series["changes"]["hhi"]["periods"]
    thin = series["thin_periods"]
    sentences = []
    if usable == 0:
        sentences.append("No usable period: nothing to compare")
    else:
        short = usable < MIN_TEST_PERIODS
        sentences += [reading(k, series["changes"][k], test=not short) for k in keys]
        if short:
            sentences.append(
                f"{usable} usable period{'s are' if usable != 1 else ' is'} too few to tell a trend from chance "
                f"(a Mann–Kendall test needs at least {MIN_TEST_PERIODS} to reach p < {SIGNIFICANT})"
            )
    if thin:
        sentences.append(f"Left out as thin (fewer than {min_n} companies): {', '.join(thin)}")
    return ". ".join(sentences) + "."


# ---------------------------------------------------------------- report


@dataclass
class TrendReport(CommandReport):
    """The result of ``trend``; ``to_dict()`` is the JSON contract (schema_version 1)."""

    command: str = "trend"


def _stocked(periods: list, carry_forward: int, cumulative: bool) -> list:
    """[(label, frame)] of one series with stocks carried forward or summed to date (same labels)."""
    import pandas as pd

    from aistruct.markets.stocks import restock

    labels = period_positions([label for label, _ in periods])[0]
    pos = {label: i for i, label in enumerate(labels)}
    frames = [f.assign(__pos__=pos[label]) for label, f in periods]
    both = restock(
        pd.concat(frames, ignore_index=True), "__pos__", len(labels), carry_forward=carry_forward, cumulative=cumulative
    )
    parts = dict(tuple(both.groupby("__pos__", sort=True)))
    return [
        (label, parts[i].drop(columns="__pos__") if i in parts else periods[0][1].iloc[0:0])
        for i, label in enumerate(labels)
    ]


def trend_of_markets(
    markets: Markets,
    *,
    period: str | None = None,
    top: Sequence[int] = metrics.DEFAULT_TOP,
    min_n: int = DEFAULT_MIN_N,
    method: str | None = None,
    bounds: Any = None,
    preset: str | None = None,
    decimal: str = ".",
    freq: str | None = None,
    carry_forward: int = 0,
    cumulative: bool = False,
    ownership: Any = None,
    ci: float | None = None,
    resamples: int = DEFAULT_RESAMPLES,
    seed: int = DEFAULT_SEED,
) -> TrendReport:
    """Series of already prepared markets; ``period`` is the --by column holding the periods
    (default: the last one), the other --by columns split the series.

    ``carry_forward=N`` keeps a company's last row for up to N periods without one;
    ``cumulative`` makes each period's value a company's sum of rows to date
    (:func:`aistruct.markets.stocks.restock`). ``ownership`` adds each period's ``mhhi``
    and ``mhhi_delta`` (:mod:`aistruct.ownership`). ``ci`` (a level such as 0.95) adds each
    period's bootstrap intervals (:mod:`aistruct.bootstrap`)."""
    from aistruct.concentration import validate_top
    from aistruct.tiers import tier_bounds

    validate_top(top)
    if int(min_n) < 1:
        raise UsageError(f"{param('min_n')} must be at least 1 (got {min_n})")
    tier_bounds([], method=method, bounds=bounds, preset=preset, decimal=decimal)  # bad options exit 2 early
    if ci is not None:
        check_options(ci, resamples, seed, fringe=markets.fringe is not None)
    if int(carry_forward) < 0:
        raise UsageError(f"{param('carry_forward')} must be 0 or more (got {carry_forward})")
    if carry_forward and cumulative:
        raise UsageError(
            f"{param('cumulative')} carries every sum forward already; give it without {param('carry_forward')}"
        )
    if not markets.by:
        raise UsageError(f"trend needs a period column ({param('period')})")
    period = period or markets.by[-1]
    series_by = [b for b in markets.by if b != period]
    buckets: dict[tuple, list] = {}
    fringes: dict[tuple, dict] | None = None if markets.fringe is None else {}
    for group, frame in markets.iter_groups():
        key = tuple(group[b] for b in series_by)
        buckets.setdefault(key, []).append((group[period], frame))
        if fringes is not None and markets.fringe is not None:
            fringes.setdefault(key, {})[group[period]] = markets.fringe.get(tuple(group[b] for b in markets.by), 0.0)
    warnings = list(markets.warnings)
    if ci is not None and (few := few_resamples_warning(resamples)):
        warnings.append(few)
    results = []
    own = None
    if ownership is not None:
        from aistruct.ownership import load_ownership

        own = load_ownership(ownership)
    notes: dict = {}
    for key in sorted(buckets):
        group = dict(zip(series_by, key))
        where = f"series {group_text(group)}: " if group else ""
        try:
            order_periods([label for label, _ in buckets[key]])
        except UsageError as exc:
            raise UsageError(f"{param('period')} {period!r}: {where}{exc.message}") from None
        if carry_forward or cumulative:
            buckets[key] = _stocked(buckets[key], int(carry_forward), bool(cumulative))
        s = series_trend(
            buckets[key],
            top=top,
            min_n=min_n,
            method=method,
            bounds=bounds,
            preset=preset,
            decimal=decimal,
            fringes=None if fringes is None else fringes.get(key, {}),
            ownership=own,
            notes=notes,
            ci=ci,
            resamples=resamples,
            seed=seed,
        )
        for label, firms in notes.pop("undefined", []):
            warnings.append(
                f"{where}period {label}: mhhi is undefined: no controller of {firms[0]!r} holds any of its cash flow"
            )
        if s["thin_periods"]:
            thin = s["thin_periods"]
            warnings.append(
                f"{where}{len(thin)} period(s) with fewer than {min_n} companies ({', '.join(thin)}) "
                "are shown but left out of the changes and the trend test"
            )
        empty = [p["period"] for p in s["periods"] if p["status"] != STATUS_OK and not p["thin"]]
        if empty:
            warnings.append(f"{where}period(s) {', '.join(empty)} have a total of 0; their metrics are null")
        if s["bounds"] is None:
            warnings.append(
                f"{where}fewer than 3 distinct positive sizes over all periods: no tiers (give --bounds or --preset)"
            )
        results.append({"group": group, **s})
    if own is not None and notes.get("unmatched"):
        from aistruct.ownership import unmatched_warning

        warnings.append(unmatched_warning(own.source, sorted(notes["unmatched"])))
    inp = markets.input_dict()
    inp["by"] = series_by
    inp["period"] = period
    inp["freq"] = freq
    inp["min_n"] = int(min_n)
    inp["carry_forward"] = int(carry_forward)
    inp["cumulative"] = bool(cumulative)
    return TrendReport(input=inp, results=results, warnings=warnings)


def trend_report(
    source: Any,
    *,
    period: str,
    freq: str | None = None,
    spec: MarketSpec | None = None,
    read: ReadOptions | None = None,
    top: Sequence[int] = metrics.DEFAULT_TOP,
    min_n: int = DEFAULT_MIN_N,
    size: str | None = None,
    method: str | None = None,
    bounds: Any = None,
    preset: str | None = None,
    carry_forward: int = 0,
    cumulative: bool = False,
    progress=None,
    ownership: Any = None,
    ci: float | None = None,
    resamples: int = DEFAULT_RESAMPLES,
    seed: int = DEFAULT_SEED,
    **spec_fields: Any,
) -> TrendReport:
    """Read ``source`` and follow concentration and tier shares period by period.

    ``period`` names the time column; ``freq`` (year, quarter, month) groups a
    date column into periods labelled 2024, 2024Q1, 2024-03. Other column
    options are a :class:`MarketSpec` or its fields as keywords; ``spec.by``
    splits the data into separate series. For stocks reported irregularly,
    ``carry_forward=N`` keeps a company's last row for up to N periods without
    one; ``cumulative`` follows each company's rows summed to date instead.
    ``ownership`` (see :mod:`aistruct.ownership`) adds each period's ``mhhi``.
    ``ci=0.95`` adds each period's bootstrap intervals (``resamples``, ``seed``).

    >>> from aistruct.trend import trend_report
    >>> report = trend_report("tests/fixtures/funding_by_year.csv", period="year", min_n=1)
    >>> [p["period"] for p in report.results[0]["periods"]]
    ['2023', '2024']
    """
    import dataclasses

    spec_kw, read_kw = split_keywords(trend_report, spec_fields, (MarketSpec, ReadOptions))
    spec = dataclasses.replace(spec, **spec_kw) if spec is not None else MarketSpec(**spec_kw)
    read = with_keywords(read, ReadOptions, read_kw)
    if freq is not None:
        spec.freq = freq
    if size is not None:
        spec.size = size
    # The period is one more grouping column: the last (where --freq applies), or the id of a wide table.
    if spec.wide:
        if spec.id and spec.id != period:
            raise UsageError(
                f"{param('wide')}: the period column is the id column; "
                f"{param('id')} {spec.id!r} and {param('period')} {period!r} differ"
            )
        spec.id = period
        series_by = tuple(b for b in spec.by if b != period)
        spec.by = series_by
    else:
        if any(str(b).casefold() == str(period).casefold() for b in spec.by):
            raise UsageError(
                f"{param('by')} {period!r} is the {param('period')} column; "
                f"{param('by')} names the columns that split the series"
            )
        spec.by = tuple(spec.by) + (period,)
    spec.named_by = {**spec.named_by, period: "period"}  # the period travels as a by (or id) column
    if ownership is not None:  # a bad ownership table exits 2 before the market is read
        from aistruct.ownership import check_ownership_source, load_ownership

        check_ownership_source(ownership, source)
        ownership = load_ownership(ownership, read)
    markets = load_markets(source, read, spec, need_size=True, progress=progress)
    period_col = markets.by[0] if spec.wide else markets.by[-1]
    return trend_of_markets(
        markets,
        period=period_col,
        top=top,
        min_n=min_n,
        method=method,
        bounds=bounds,
        preset=preset,
        decimal=spec.decimal,
        freq=spec.freq,
        carry_forward=carry_forward,
        cumulative=cumulative,
        ownership=ownership,
        ci=ci,
        resamples=resamples,
        seed=seed,
    )
