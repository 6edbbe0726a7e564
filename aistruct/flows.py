"""``flows``: which companies moved between small, middle and giant from one period to the next.

:func:`flows_report` is what ``aistruct flows`` runs; it returns a
:class:`FlowsReport` whose ``to_dict()`` is exactly the JSON document
``aistruct flows --format json`` prints (schema
``aistruct/schemas/flows.schema.json``).

States. In each period every company is ``small``, ``middle`` or ``giant`` by
its size in that period (one pair of bounds for every period, see
:mod:`aistruct.tiers`; the data-driven methods pool all company-periods), or
absent. A step from period a to period b counts companies by origin (their
tier in a, or ``entered`` when absent in a and present in b) and destination
(their tier in b, ``exited`` when present in a and absent in b, or
``acquired`` when absent in b and named as the target of a deal dated after
period a and no later than period b).

The middle's accounting follows from the counts, and holds exactly::

    end = start + entered + from_small + from_giant
              - to_small - to_giant - exited - acquired

The Shorrocks (1978) mobility index ``M = (k - trace P) / (k - 1)`` is read
from the transition matrix P of the companies present at both ends (row
shares over the k = 3 tiers); ``P_ii`` is each tier's persistence. ``M`` is 0
when no company changes tier and reaches k / (k - 1) = 1.5 when every one does;
it is null when a tier has no company present at both ends (P has an empty row).

Reference: A. F. Shorrocks, "The measurement of mobility", Econometrica 46(5),
1978, 1013-1024.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass
from typing import Any, Sequence

from aistruct.errors import InputError, UsageError, param
from aistruct.keywords import split_keywords, with_keywords
from aistruct.markets import ENTITY, SIZE, VALUE, Markets, MarketSpec
from aistruct.markets.periods import order_periods, period_span
from aistruct.markets.stocks import carry_forward_rows
from aistruct.reader import ReadOptions
from aistruct.report import CommandReport
from aistruct.vocabulary import GIANT, MIDDLE, SMALL, TIER_KEYS

ENTERED = "entered"
EXITED = "exited"
ACQUIRED = "acquired"
#: Row keys of a step's ``counts``: the three tiers, then companies absent before.
ORIGINS = (SMALL, MIDDLE, GIANT, ENTERED)
#: Column keys of a step's ``counts``: the three tiers, then the two ways of leaving.
DESTINATIONS = (SMALL, MIDDLE, GIANT, EXITED, ACQUIRED)
#: Keys of a step's ``middle`` accounting, in the order of the identity.
MIDDLE_KEYS = ("start", "end", "entered", "from_small", "from_giant", "to_small", "to_giant", "exited", "acquired")
#: Keys of ``middle_value``: the same movements in value-share terms, plus the stayers' change.
MIDDLE_VALUE_KEYS = MIDDLE_KEYS + ("stayers",)
#: Below this many middle companies at the start, the verdict says the counts are too few to read.
MIN_MIDDLE = 5
_ABSENT = -1
_NO_DEAL = 1 << 30


# ---------------------------------------------------------------- acquisitions


@dataclass(frozen=True)
class Acquisitions:
    """Deals: target name -> (the deal's date as (year, month, day), acquirer name); the earliest deal per target."""

    deals: dict
    source: str = ""


def _date_key(text: str) -> tuple[int, int, int] | None:
    span = period_span(text)
    if span is None or span[0] == "quarter":
        return None
    return span[1]  # a date without a day counts as the first day of its month (or year)


def read_acquisitions(source: Any, read: ReadOptions | None = None) -> Acquisitions:
    """Deals from a table with columns ``acquirer``, ``target`` and ``date`` (matched case-insensitively).

    Dates are ``2024-03-15``, ``2024-03`` or ``2024`` (a date without a day counts
    as the first day of its month or year). A target named in several deals
    counts from its earliest. A blank cell or a bad date exits 2 naming the row.
    """
    from aistruct.markets import cell_label, resolve_column
    from aistruct.reader import load_table

    raw = load_table(source, read)
    frame = raw.frame
    cols = [str(c) for c in frame.columns]
    what = f"{param('acquisitions')} {raw.source}"
    names = {key: resolve_column(key, cols, what, "column") for key in ("acquirer", "target", "date")}
    deals: dict = {}
    columns = {key: frame[col].tolist() for key, col in names.items()}
    for i, (a, t, d) in enumerate(zip(columns["acquirer"], columns["target"], columns["date"])):
        where = f"{raw.source} {raw.row_label(i)}"
        texts = {k: (cell_label(v) or "").strip() for k, v in (("acquirer", a), ("target", t), ("date", d))}
        for k in ("acquirer", "target", "date"):
            if not texts[k]:
                raise InputError(f"{where}: the {k} cell is blank")
        key: tuple[int, int, int] | None
        if hasattr(d, "year") and hasattr(d, "month") and hasattr(d, "day"):
            key = (int(d.year), int(d.month), int(d.day))
        else:
            key = _date_key(texts["date"])
        if key is None:
            raise InputError(f"{where}: date {texts['date'][:40]!r} is not a date (2024-03-15, 2024-03 or 2024)")
        old = deals.get(texts["target"])
        if old is None or key < old[0]:
            deals[texts["target"]] = (key, texts["acquirer"])
    return Acquisitions(deals=deals, source=raw.source)


# ---------------------------------------------------------------- one series


def _share(part: float, total: float) -> float | None:
    return float(part / total) if total > 0 else None


def _step(labels, a: int, b: int, states, values, deal_k, acquirer) -> dict:
    """One step's document from the state matrix (companies x periods; -1 absent, 0/1/2 tiers)."""
    import numpy as np

    o, d = states[:, a], states[:, b]
    seen = (o != _ABSENT) | (d != _ABSENT)
    o, d = o[seen], d[seen]
    k = deal_k[seen]
    origin = np.where(o == _ABSENT, 3, o)
    gone = d == _ABSENT
    acquired = gone & (k > a) & (k <= b)
    dest = np.where(gone, np.where(acquired, 4, 3), d)
    counts = np.bincount(origin.astype(np.int64) * 5 + dest, minlength=20).reshape(4, 5)
    doc: dict[str, Any] = {
        "from": labels[a],
        "to": labels[b],
        "counts": {ORIGINS[i]: {DESTINATIONS[j]: int(counts[i, j]) for j in range(5)} for i in range(4)},
    }
    doc["middle"] = {
        "start": int(counts[1].sum()),
        "end": int(counts[:, 1].sum()),
        "entered": int(counts[3, 1]),
        "from_small": int(counts[0, 1]),
        "from_giant": int(counts[2, 1]),
        "to_small": int(counts[1, 0]),
        "to_giant": int(counts[1, 2]),
        "exited": int(counts[1, 3]),
        "acquired": int(counts[1, 4]),
    }
    # the acquirer's tier: in the later period, else in the earlier one; unknown acquirers are not counted
    by = acquirer[seen][acquired & (o == 1)]
    by = by[by >= 0]
    tier_b, tier_a = states[by, b], states[by, a]
    tier = np.where(tier_b != _ABSENT, tier_b, tier_a)
    tier = tier[tier != _ABSENT]
    by_counts = np.bincount(tier.astype(np.int64), minlength=3)
    doc["acquired_by"] = {t: int(by_counts[i]) for i, t in enumerate(TIER_KEYS)}
    both = counts[:3, :3].astype(np.float64)
    rows = both.sum(axis=1)
    persistence = {t: (float(both[i, i] / rows[i]) if rows[i] > 0 else None) for i, t in enumerate(TIER_KEYS)}
    # P is a 3 x 3 matrix only when every tier has companies at the start; otherwise there is no index
    doc["shorrocks"] = float((3 - sum(both[i, i] / rows[i] for i in range(3))) / 2) if (rows > 0).all() else None
    doc["persistence"] = persistence
    doc["middle_value"] = None
    if values is not None:
        doc["middle_value"] = _middle_value(states[:, a], states[:, b], values[:, a], values[:, b], deal_k, a, b)
    return doc


def _middle_value(o, d, va, vb, deal_k, a: int, b: int) -> dict | None:
    """The middle's value share at both ends, split into the movements of the count accounting.

    Outflows are shares of the start total at the start, inflows shares of the end
    total at the end; ``stayers`` is the change of the share of the companies
    that are middle at both ends, so ``end = start + inflows - outflows + stayers``.
    """
    import numpy as np

    ta, tb = float(np.nansum(va)), float(np.nansum(vb))
    if not (ta > 0 and tb > 0):
        return None
    sa = np.where(o != _ABSENT, np.nan_to_num(va) / ta, 0.0)
    sb = np.where(d != _ABSENT, np.nan_to_num(vb) / tb, 0.0)
    gone = d == _ABSENT
    acq = gone & (deal_k > a) & (deal_k <= b)
    mid_a, mid_b = o == 1, d == 1
    return {
        "start": float(sa[mid_a].sum()),
        "end": float(sb[mid_b].sum()),
        "entered": float(sb[mid_b & (o == _ABSENT)].sum()),
        "from_small": float(sb[mid_b & (o == 0)].sum()),
        "from_giant": float(sb[mid_b & (o == 2)].sum()),
        "to_small": float(sa[mid_a & (d == 0)].sum()),
        "to_giant": float(sa[mid_a & (d == 2)].sum()),
        "exited": float(sa[mid_a & gone & ~acq].sum()),
        "acquired": float(sa[mid_a & acq].sum()),
        "stayers": float((sb - sa)[mid_a & mid_b].sum()),
    }


def series_flows(
    frame,
    labels: Sequence[str],
    bounds: tuple[float, float],
    *,
    carry_forward: int = 0,
    acquisitions: Acquisitions | None = None,
    value_terms: bool = False,
    window: tuple[int, int] | None = None,
) -> dict:
    """Steps and overall flows of one series.

    ``frame`` has one row per (company, period): the period's label in column
    ``"period"``, and ENTITY, VALUE, SIZE; ``labels`` are all periods in time
    order; ``window`` (first, last position) limits the steps to those periods
    (carry-forward sees every period).
    """
    import numpy as np
    import pandas as pd

    from aistruct.tiers import assign_tiers

    n_periods = len(labels)
    pos = {lab: i for i, lab in enumerate(labels)}
    ent_codes, entities = pd.factorize(frame[ENTITY].astype(str), sort=False)
    ent_codes = np.asarray(ent_codes, dtype=np.int64)
    pidx = frame["period"].map(pos).to_numpy(dtype=np.int64)
    sizes = frame[SIZE].to_numpy(dtype=np.float64) if SIZE in frame else frame[VALUE].to_numpy(dtype=np.float64)
    vals = frame[VALUE].to_numpy(dtype=np.float64)
    n_ent = len(entities)
    deal_k = np.full(n_ent, _NO_DEAL, dtype=np.int64)
    acquirer = np.full(n_ent, -1, dtype=np.int64)
    if acquisitions is not None and acquisitions.deals and n_ent:
        ends = [period_span(lab)[2] for lab in labels]  # type: ignore[index]
        targets = list(acquisitions.deals)
        index = pd.Index(entities)
        where = index.get_indexer(targets)
        buyers = index.get_indexer([acquisitions.deals[t][1] for t in targets])
        # the first period that ends on or after the deal: the deal falls after the one before it
        ks = np.array([bisect.bisect_left(ends, acquisitions.deals[t][0]) for t in targets], dtype=np.int64)
        hit = where >= 0
        deal_k[where[hit]] = np.where(ks[hit] < n_periods, ks[hit], _NO_DEAL)
        acquirer[where[hit]] = buyers[hit]
    order = np.lexsort((pidx, ent_codes))
    ent_codes, pidx, sizes, vals = ent_codes[order], pidx[order], sizes[order], vals[order]
    if carry_forward > 0 and ent_codes.size:
        take, pidx, _carried = carry_forward_rows(ent_codes, pidx, n_periods, carry_forward, stop=deal_k)
        ent_codes, sizes, vals = ent_codes[take], sizes[take], vals[take]
    tiers = assign_tiers(sizes, bounds[0], bounds[1])
    states = np.full((n_ent, n_periods), _ABSENT, dtype=np.int8)
    states[ent_codes, pidx] = tiers
    values = None
    if value_terms:
        values = np.full((n_ent, n_periods), np.nan)
        values[ent_codes, pidx] = vals
    first, last = window if window is not None else (0, n_periods - 1)
    steps = [_step(labels, a, a + 1, states, values, deal_k, acquirer) for a in range(first, last)]
    overall = _step(labels, first, last, states, values, deal_k, acquirer) if last > first else None
    return {"periods": list(labels[first : last + 1]), "steps": steps, "overall": overall}


# ---------------------------------------------------------------- verdict


def _n(count: int, one: str, many: str) -> str:
    return f"{count} {one if count == 1 else many}"


def step_sentence(step: dict, *, acquisitions: bool = True) -> str:
    """The plain sentence on the middle over one step (the issue's wording).

    >>> m = {"start": 40, "end": 16, "entered": 10, "from_small": 0, "from_giant": 0,
    ...      "to_small": 9, "to_giant": 12, "exited": 8, "acquired": 5}
    >>> s = step_sentence({"from": "2021", "to": "2024", "middle": m,
    ...                    "acquired_by": {"small": 0, "middle": 1, "giant": 4}})
    >>> for part in s.split(", "): print(part)
    Of 40 middle companies in 2021
    12 grew into giants
    9 shrank to small
    5 were acquired (4 by giants
    1 by a middle company) and 8 left the data; 10 entered. The middle went from 40 to 16.
    """
    m = step["middle"]
    head = f"Of {_n(m['start'], 'middle company', 'middle companies')} in {step['from']}"
    outs = [
        f"{m['to_giant']} grew into {'a giant' if m['to_giant'] == 1 else 'giants'}",
        f"{m['to_small']} shrank to small",
    ]
    if acquisitions:
        acq = f"{m['acquired']} {'was' if m['acquired'] == 1 else 'were'} acquired"
        by = step.get("acquired_by") or {}
        who = {
            GIANT: ("a giant", "giants"),
            MIDDLE: ("a middle company", "middle companies"),
            SMALL: ("a small company", "small companies"),
        }
        parts = [f"{by[t]} by {who[t][0] if by[t] == 1 else who[t][1]}" for t in (GIANT, MIDDLE, SMALL) if by.get(t)]
        if parts:
            acq += f" ({', '.join(parts)})"
        outs.append(acq)
    outs_text = ", ".join(outs[:-1]) + f", {outs[-1]}" if len(outs) > 1 else outs[0]
    sentence = f"{head}, {outs_text} and {m['exited']} left the data"
    ins = [f"{m['entered']} entered"]
    if m["from_small"]:
        ins.append(f"{m['from_small']} grew from small")
    if m["from_giant"]:
        ins.append(f"{m['from_giant']} shrank from giant")
    ins_text = ins[0] if len(ins) == 1 else ", ".join(ins[:-1]) + f" and {ins[-1]}"
    return f"{sentence}; {ins_text}. The middle went from {m['start']} to {m['end']}."


def verdict(series: dict, *, acquisitions: bool = True) -> str:
    """The overall sentence, a mobility reading, and a caution when the counts are few."""
    overall = series["overall"]
    if overall is None:
        return "Only one period: no flows to count."
    text = step_sentence(overall, acquisitions=acquisitions)
    m = overall["middle"]
    if overall["shorrocks"] is not None:
        stayers = sum(overall["counts"][o][d] for o in TIER_KEYS for d in TIER_KEYS)
        text += (
            f" Mobility from {overall['from']} to {overall['to']}: Shorrocks index {overall['shorrocks']:.2f} "
            f"over {_n(stayers, 'company', 'companies')} present at both ends."
        )
    if m["start"] < MIN_MIDDLE:
        text += (
            f" With {_n(m['start'], 'middle company', 'middle companies')} at the start these are counts of "
            "a handful of companies, not a pattern."
        )
    return text


# ---------------------------------------------------------------- report


@dataclass
class FlowsReport(CommandReport):
    """The result of ``flows``; ``to_dict()`` is the JSON contract (schema_version 1)."""

    command: str = "flows"


def _position(label: Any, labels: Sequence[str], name: str) -> int:
    text = str(label).strip()
    if text in labels:
        return list(labels).index(text)
    shown = ", ".join(labels[:6]) + (" ..." if len(labels) > 6 else "")
    raise UsageError(f"{param(name)}: no period {text!r} in the data (periods: {shown})")


def flows_of_markets(
    markets: Markets,
    *,
    period: str,
    method: str | None = None,
    bounds: Any = None,
    preset: str | None = None,
    decimal: str = ".",
    freq: str | None = None,
    acquisitions: Acquisitions | None = None,
    carry_forward: int = 0,
    from_: str | None = None,
    to: str | None = None,
) -> FlowsReport:
    """Flows of already prepared markets; ``period`` is the --by column holding the periods."""
    import numpy as np
    import pandas as pd

    from aistruct.tiers import tier_bounds, tier_method

    frame = markets.companies
    labels = order_periods(str(x) for x in pd.unique(frame[period].astype(str))) if len(frame) else []
    if len(labels) < 2:
        raise InputError(
            f"{markets.source}: flows needs at least two periods in {markets.by[-1]!r} (found {len(labels)})"
        )
    first = _position(from_, labels, "from_") if from_ is not None else 0
    last = _position(to, labels, "to") if to is not None else len(labels) - 1
    if last <= first:
        raise UsageError(f"{param('from_')} {labels[first]!r} must come before {param('to')} {labels[last]!r}")
    series_by = [b for b in markets.by if b != period]
    size_col = SIZE if SIZE in frame else VALUE
    # data-driven bounds pool every company-period as reported (carried rows are not counted twice)
    pooled = frame[size_col].to_numpy(dtype=np.float64)
    tb = tier_bounds(pooled, method=method, bounds=bounds, preset=preset, decimal=decimal)
    if tb is None:
        raise InputError(
            f"{markets.source}: fewer than 3 distinct positive sizes over all periods, so no tiers; "
            f"give {param('bounds')} or {param('preset')}"
        )
    value_terms = markets.size is not None and markets.size != markets.value
    work = frame.rename(columns={period: "period"}).copy()
    work["period"] = work["period"].astype(str)
    if series_by:
        buckets = {
            (k if isinstance(k, tuple) else (k,)): g for k, g in work.groupby(series_by, sort=True, observed=True)
        }
    else:
        buckets = {(): work}
    warnings = list(markets.warnings)
    results = []
    for key in sorted(buckets):
        group = dict(zip(series_by, key))
        s = series_flows(
            buckets[key],
            labels,
            tb,
            carry_forward=carry_forward,
            acquisitions=acquisitions,
            value_terms=value_terms,
            window=(first, last),
        )
        doc = {"group": group, "method": tier_method(method, bounds, preset), "bounds": [tb[0], tb[1]], **s}
        doc["verdict"] = verdict(doc, acquisitions=acquisitions is not None)
        results.append(doc)
    if acquisitions is not None:
        targets = pd.Index(list(acquisitions.deals), dtype=object)
        unknown = sorted(targets[~targets.isin(frame[ENTITY].astype(str).unique())])
        if unknown:
            shown = ", ".join(repr(t) for t in unknown[:3]) + (
                f" and {len(unknown) - 3} more" if len(unknown) > 3 else ""
            )
            warnings.append(f"{acquisitions.source}: {len(unknown)} target(s) not in the data, ignored: {shown}")
    inp = markets.input_dict()
    inp["by"] = series_by
    inp["period"] = period
    inp["freq"] = freq
    inp["carry_forward"] = int(carry_forward)
    inp["acquisitions"] = acquisitions.source if acquisitions is not None else None
    inp["from"] = labels[first]
    inp["to"] = labels[last]
    return FlowsReport(input=inp, results=results, warnings=warnings)


def flows_report(
    source: Any,
    *,
    period: str,
    freq: str | None = None,
    spec: MarketSpec | None = None,
    read: ReadOptions | None = None,
    size: str | None = None,
    method: str | None = None,
    bounds: Any = None,
    preset: str | None = None,
    acquisitions: Any = None,
    carry_forward: int = 0,
    from_: str | None = None,
    to: str | None = None,
    progress=None,
    **spec_fields: Any,
) -> FlowsReport:
    """Read ``source`` and count companies moving between tiers from period to period.

    ``period`` names the time column (``freq``: year, quarter, month groups a
    date column); ``acquisitions`` is a table (path, DataFrame or
    :class:`Acquisitions`) with columns acquirer, target, date;
    ``carry_forward`` keeps a company's last reported row for up to that many
    periods without a row; ``from_``/``to`` limit the span. Other column
    options are a :class:`MarketSpec` or its fields as keywords; ``spec.by``
    splits the data into separate series.

    >>> from aistruct.flows import flows_report
    >>> report = flows_report("tests/fixtures/flows_panel.csv", period="year", bounds=(10, 100))
    >>> report.results[0]["overall"]["middle"]["start"], report.results[0]["overall"]["middle"]["end"]
    (6, 5)
    """
    import dataclasses

    from aistruct.tiers import tier_bounds

    if int(carry_forward) < 0:
        raise UsageError(f"{param('carry_forward')} must be 0 or more (got {carry_forward})")
    tier_bounds([], method=method, bounds=bounds, preset=preset)  # bad options exit 2 before reading
    spec_kw, read_kw = split_keywords(flows_report, spec_fields, (MarketSpec, ReadOptions))
    spec = dataclasses.replace(spec, **spec_kw) if spec is not None else MarketSpec(**spec_kw)
    read = with_keywords(read, ReadOptions, read_kw)
    if freq is not None:
        spec.freq = freq
    if size is not None:
        spec.size = size
    if spec.wide:
        raise UsageError(f"{param('wide')}: flows needs one row per company and period (a long table)")
    if any(str(b).casefold() == str(period).casefold() for b in spec.by):
        raise UsageError(
            f"{param('by')} {period!r} is the {param('period')} column; it names the columns that split the series"
        )
    spec.by = tuple(spec.by) + (period,)
    spec.named_by = {**spec.named_by, period: "period"}  # the period travels as a by column
    deals = acquisitions
    if acquisitions is not None and not isinstance(acquisitions, Acquisitions):
        deals = read_acquisitions(acquisitions)
    from aistruct.engines import load_markets

    markets = load_markets(source, read, spec, need_size=True, progress=progress)
    return flows_of_markets(
        markets,
        period=markets.by[-1],
        method=method,
        bounds=bounds,
        preset=preset,
        decimal=spec.decimal,
        freq=spec.freq,
        acquisitions=deals,
        carry_forward=int(carry_forward),
        from_=from_,
        to=to,
    )
