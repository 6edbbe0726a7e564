"""``tiers``: small / middle / giant, and whether the middle is missing.

The building blocks are plain functions usable on any array of sizes:

* :func:`natural_breaks` -- the optimal (Fisher-Jenks) three-class partition
  of log10 size, exact, in O(n log n);
* :func:`headtail_breaks` -- Jiang's (2013) head/tail breaks, two levels;
* :func:`tier_bounds` -- resolves ``method`` / ``bounds`` / ``preset`` to a
  ``(low, high)`` pair;
* :func:`assign_tiers` -- 0 small (size < low), 1 middle (low <= size <= high),
  2 giant (size > high);
* :func:`tier_shares`, :func:`tier_stats` and the missing-middle diagnostics
  (:func:`middle_deficit`, :func:`bimodality_coefficient`, :func:`dip`,
  :func:`esteban_ray`, :func:`wolfson`) and the :func:`shape` verdict.

Every data-driven method returns bounds that are observed sizes (the smallest
and the largest size of the middle class), so ``assign_tiers(sizes, *bounds)``
reproduces the method's partition exactly. :func:`tiers_report` is what the CLI
command runs; its ``to_dict()`` is the JSON document of
``aistruct tiers --format json`` (schema ``aistruct/schemas/tiers.schema.json``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Sequence

import numpy as np

from aistruct import metrics
from aistruct.concentration import largest_indices
from aistruct.errors import UsageError, param
from aistruct.keywords import split_keywords, with_keywords
from aistruct.report import CommandReport, group_text
from aistruct.vocabulary import STATUS_NO_COMPANIES, STATUS_OK, STATUS_TOO_FEW_SIZES, TIER_KEYS

PRESETS = {"headcount": (50.0, 500.0)}
METHODS = ("natural", "headtail")
DEFAULT_METHOD = "natural"
DEFAULT_ALPHA = 1.3
ALPHA_MAX = 1.6

# The shape rule's thresholds (README, "Shape rule").
DEFICIT_THRESHOLD = 0.05  # the middle is "missing" when >= 5 points below the log-normal expectation
BIMODALITY_THRESHOLD = 5.0 / 9.0  # bimodality coefficient of a uniform distribution (SAS Institute 1990)
DIP_P_THRESHOLD = 0.05


# ---------------------------------------------------------------- breaks


def _positive_sorted(sizes) -> np.ndarray:
    x = np.asarray(sizes, dtype=np.float64).ravel()
    x = x[np.isfinite(x) & (x > 0)]
    return np.sort(x)


def _segment_first_argmin(cost: np.ndarray, starts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Minimum and the position of its first occurrence in each segment ``cost[starts[t]:starts[t+1]]``."""
    mins = np.minimum.reduceat(cost, starts)
    counts = np.diff(np.append(starts, cost.size))
    hit = np.flatnonzero(cost == np.repeat(mins, counts))
    first = hit[np.searchsorted(hit, starts)]
    return mins, first


def _fj_prefix(x: np.ndarray, w: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Prefix sums W, S, Q of the weights, weighted values and weighted squares (values centred on their mean)."""
    xc = x - float(np.average(x, weights=w))
    W, S, Q = np.empty(x.size + 1), np.empty(x.size + 1), np.empty(x.size + 1)
    W[0] = S[0] = Q[0] = 0.0
    np.cumsum(w, out=W[1:])
    wx = w * xc
    np.cumsum(wx, out=S[1:])
    np.cumsum(np.multiply(wx, xc, out=wx), out=Q[1:])  # (w * xc) * xc
    return W, S, Q


def _fj_ssq(W: np.ndarray, S: np.ndarray, Q: np.ndarray, a, b) -> np.ndarray:
    """Within-class sum of squares of the points a..b-1 (Q - S^2 / W), 0 for an empty class."""
    ww = W[b] - W[a]
    s = S[b] - S[a]
    with np.errstate(invalid="ignore", divide="ignore"):
        out = np.maximum(Q[b] - Q[a] - s * s / ww, 0.0)
    return np.where(ww > 0, out, 0.0)


def _fj_two_class(
    W: np.ndarray, S: np.ndarray, Q: np.ndarray, jlo0: int, jhi0: int, ilo0: int, ihi0: int
) -> tuple[np.ndarray, np.ndarray]:
    """``D(j) = min d1[i] + ssq(i, j)`` over ``i`` in ``[ilo0, min(ihi0, j - 1)]``, for every ``j`` in
    ``[jlo0, jhi0]``, and the leftmost optimal ``i`` (``opt``), both indexed by ``j - jlo0``.

    Divide and conquer over ``j``, using that the leftmost optimal split opt(j) is
    non-decreasing in j (the cost is a Monge array: Wang & Song 2011,
    Ckmeans.1d.dp; Gronlund et al. 2017); each level of the recursion is one
    vectorised pass, so the whole is O(r log r) for ranges of r points.
    """
    d1 = _fj_ssq(W, S, Q, 0, np.arange(ilo0, ihi0 + 1))  # d1[i - ilo0]: the best one-class cost of x[:i]
    d2 = np.full(jhi0 - jlo0 + 1, np.inf)  # d2[j - jlo0]
    opt = np.zeros(jhi0 - jlo0 + 1, dtype=np.int64)
    # tasks: solve j in [jlo, jhi] knowing opt(j) in [olo, ohi]
    jlo = np.array([jlo0], dtype=np.int64)
    jhi = np.array([jhi0], dtype=np.int64)
    olo = np.array([ilo0], dtype=np.int64)
    ohi = np.array([ihi0], dtype=np.int64)
    while jlo.size:
        mid = (jlo + jhi) // 2
        hi = np.minimum(ohi, mid - 1)
        counts = hi - olo + 1
        starts = np.concatenate(([0], np.cumsum(counts)[:-1]))
        task = np.repeat(np.arange(mid.size), counts)
        i = olo[task] + (np.arange(task.size) - starts[task])
        # ssq(i, mid) with the task's end gathered once per task, then repeated
        ww = np.repeat(W[mid], counts) - W[i]
        ss = np.repeat(S[mid], counts) - S[i]
        tail = np.repeat(Q[mid], counts) - Q[i] - ss * ss / ww
        cost = d1[i - ilo0] + np.maximum(tail, 0.0)
        mins, first = _segment_first_argmin(cost, starts)
        best = i[first]
        d2[mid - jlo0] = mins
        opt[mid - jlo0] = best
        left = jlo <= mid - 1
        right = mid + 1 <= jhi
        jlo, jhi, olo, ohi = (
            np.concatenate((jlo[left], mid[right] + 1)),
            np.concatenate((mid[left] - 1, jhi[right])),
            np.concatenate((olo[left], best[right])),
            np.concatenate((best[left], ohi[right])),
        )
    return d2, opt


#: Blocks per pass of :func:`_fj_window`, and the window size at which it stops narrowing.
_FJ_BLOCKS = 256
_FJ_SMALL = 4096


def _fj_window(
    W: np.ndarray, S: np.ndarray, Q: np.ndarray, blocks: int = _FJ_BLOCKS, small: int = _FJ_SMALL
) -> tuple[int, int, int, int]:
    """``(ilo, ihi, jlo, jhi)``: ranges of the two cuts (classes ``[:i]``, ``[i:j]``, ``[j:]``) that
    hold every optimal partition (branch and bound over blocks of cut positions).

    Each pass splits the current ranges of i and j into ``blocks`` blocks. The cost
    of every pair of block edges is an upper bound ``U`` of the optimum; for i in
    ``[a0, a1]`` and j in ``[b0, b1]`` the cost is at least ``ssq(0, a0) +
    ssq(a1, b0) + ssq(b1, m)`` (a class's sum of squares never falls when points
    are added to it), and block pairs whose bound exceeds ``U`` (with a margin
    for rounding) are dropped. The ranges shrink to the blocks that remain,
    until they are small or stop shrinking.
    """
    m = W.size - 1
    tol = 1e-7 * float(Q[m]) + 1e-300
    ilo, ihi, jlo, jhi = 1, m - 2, 2, m - 1
    best = np.inf
    while (ihi - ilo) + (jhi - jlo) > small:
        ei = np.unique(np.linspace(ilo, ihi, min(blocks, ihi - ilo) + 1).astype(np.int64))
        ej = np.unique(np.linspace(jlo, jhi, min(blocks, jhi - jlo) + 1).astype(np.int64))
        # the upper bound: the cost of every pair of edges p < q
        pp, qq = np.broadcast_arrays(ei[:, None], ej[None, :])
        ok = pp < qq
        pp, qq = pp[ok], qq[ok]
        ww = W[qq] - W[pp]
        ss = S[qq] - S[pp]
        f = (_fj_ssq(W, S, Q, 0, pp) + np.maximum(Q[qq] - Q[pp] - ss * ss / ww, 0.0)) + _fj_ssq(W, S, Q, qq, m)
        best = min(best, float(f.min()))
        # the lower bound of every cost with i in [a0, a1] and j in [b0, b1]
        a0, a1 = ei[:-1, None], ei[1:, None]
        b0, b1 = ej[None, :-1], ej[None, 1:]
        middle = np.where(a1 <= b0, _fj_ssq(W, S, Q, np.minimum(a1, b0), b0), 0.0)
        lb = _fj_ssq(W, S, Q, 0, a0) + middle + _fj_ssq(W, S, Q, b1, m)
        ka, kb = np.nonzero((lb <= best + tol) & (a0 < b1))
        nilo, nihi = int(ei[ka.min()]), int(ei[ka.max() + 1])
        njlo, njhi = int(ej[kb.min()]), int(ej[kb.max() + 1])
        njlo = max(njlo, nilo + 1)
        nihi = min(nihi, njhi - 1)
        if (nilo, nihi, njlo, njhi) == (ilo, ihi, jlo, jhi):
            break
        ilo, ihi, jlo, jhi = nilo, nihi, njlo, njhi
    return ilo, ihi, jlo, jhi


def _fisher_jenks3(x: np.ndarray, w: np.ndarray, blocks: int = _FJ_BLOCKS, small: int = _FJ_SMALL) -> tuple[int, int]:
    """Optimal 3-class partition of sorted distinct values ``x`` (at least 3) with weights ``w``.

    Returns ``(i, j)``: classes ``x[:i]``, ``x[i:j]``, ``x[j:]``. The within-class
    sum of squares of points a..b-1 is Q - S^2 / W over prefix sums (values
    centred on their mean first, for accuracy). :func:`_fj_window` first narrows
    the ranges where the two cuts can lie (exactly: only partitions that cannot
    be optimal are left out); within them D(j), the best two-class cost of the
    first j points, comes from :func:`_fj_two_class` and the third class costs
    one scan. O(m log m) at worst, about O(m) on unimodal data. Ties: the
    smallest j of minimal cost, then the smallest i.
    """
    m = x.size
    W, S, Q = _fj_prefix(x, w)
    ilo, ihi, jlo, jhi = _fj_window(W, S, Q, blocks, small)
    d2, opt = _fj_two_class(W, S, Q, jlo, jhi, ilo, ihi)
    j = np.arange(jlo, jhi + 1)  # the giant class x[j:] is non-empty
    total = d2 + _fj_ssq(W, S, Q, j, m)
    k = int(np.argmin(total))
    return int(opt[k]), int(j[k])


def _distinct(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Distinct values of the sorted array ``x`` and how often each occurs (``np.unique`` without its sort)."""
    if x.size == 0:
        return x, np.zeros(0, dtype=np.int64)
    firsts = np.flatnonzero(np.concatenate(([True], x[1:] != x[:-1])))
    return x[firsts], np.diff(np.append(firsts, x.size))


def natural_breaks(sizes) -> tuple[float, float] | None:
    """Fisher-Jenks natural breaks of log10(size) into three classes, as ``(low, high)``.

    The optimal partition minimises the total within-class sum of squared
    deviations of log10 size (Fisher 1958; Jenks 1967), over the positive sizes;
    sizes of 0 (and negative or non-finite ones) go to small. The result is
    exact: a dynamic programme in O(n log n) (see :func:`_fisher_jenks3`).

    Ties: equal sizes always fall in the same class (an optimal 1-D k-means
    partition never separates equal points, so the partition is computed over
    the distinct sizes, weighted by how often each occurs). Hence ``None`` when
    there are fewer than 3 distinct positive sizes. When two partitions have the
    same cost, the one with the leftmost (smallest) cuts wins.

    Returns ``(low, high)`` = (smallest, largest) size of the middle class, so
    :func:`assign_tiers` reproduces the partition.
    """
    x = _positive_sorted(sizes)
    if x.size == 0:
        return None
    u, counts = _distinct(x)
    if u.size < 3:
        return None
    i, j = _fisher_jenks3(np.log10(u), counts.astype(np.float64))
    return float(u[i]), float(u[j - 1])


def headtail_breaks(sizes) -> tuple[float, float] | None:
    """Head/tail breaks (Jiang 2013), two levels, as ``(low, high)``.

    Over the positive sizes: m1 = mean; the head is sizes > m1 (strictly);
    m2 = mean of the head. Small: size <= m1 (and every size of 0); middle:
    m1 < size <= m2; giant: size > m2. In the inclusive-middle convention of
    :func:`assign_tiers` that is ``low`` = the smallest size > m1 and ``high`` =
    the largest size <= m2 (both observed sizes). The middle is never empty; the
    giant tier is empty when the head holds a single distinct size. ``None``
    when there are fewer than 3 distinct positive sizes. Jiang's stopping rule
    (head <= 40%) is not applied: exactly two cuts are made.
    """
    x = _positive_sorted(sizes)
    if x.size == 0 or np.unique(x).size < 3:
        return None
    with np.errstate(over="ignore"):
        y = x if np.isfinite(x.sum()) else x / x[-1]  # near 1e308 the sums overflow: compare scaled
    m1 = float(y.mean())
    in_head = y > m1
    head, hy = x[in_head], y[in_head]
    # mean of equal values can round a hair below them; the head's minimum bounds it
    m2 = max(float(hy.mean()), float(hy[0]))
    return float(head[0]), float(head[hy <= m2][-1])


def assign_tiers(sizes, low: float, high: float) -> np.ndarray:
    """Tier of each size: 0 small (< low), 1 middle (low <= size <= high), 2 giant (> high)."""
    s = np.asarray(sizes, dtype=np.float64)
    out = np.ones(s.shape, dtype=np.int8)
    out[s < low] = 0
    out[s > high] = 2
    out[np.isnan(s)] = 0
    return out


def _parse_bound(text: str, decimal: str) -> float | None:
    from aistruct.numbers import BadNumber, parse_number

    try:
        return parse_number(text.strip(), decimal=decimal)
    except BadNumber:
        return None


def parse_bounds(text: str, decimal: str = ".") -> tuple[float, float]:
    """``"50,500"``, ``"$10M,$1B"``, ``"1000万,10亿"`` -> (low, high).

    The numbers take the reader's forms (:func:`aistruct.numbers.parse_number`),
    which may contain commas themselves (``1,000``); the text is split at the
    comma (or ``;``) that leaves a valid number on both sides. If several commas
    do, those giving low < high are preferred; if still more than one, the text
    is ambiguous (write ``1000,5000`` or use ``;``).
    """
    text = str(text).strip()
    seps = [k for k, ch in enumerate(text) if ch == ";"] or [k for k, ch in enumerate(text) if ch == ","]
    cands = []
    for k in seps:
        lo, hi = _parse_bound(text[:k], decimal), _parse_bound(text[k + 1 :], decimal)
        if lo is not None and hi is not None:
            cands.append((lo, hi))
    if len(cands) > 1:
        cands = [c for c in cands if c[0] < c[1]] or cands[:1]
    if not cands:
        raise UsageError(f"{param('bounds')}: expected LOW,HIGH as two numbers (e.g. 50,500 or $10M,$1B), got {text!r}")
    if len(cands) > 1:
        raise UsageError(
            f"{param('bounds')}: {text!r} is ambiguous ({', '.join(f'{a:g}..{b:g}' for a, b in cands)}); "
            "write the numbers without thousands separators or separate them with ';'"
        )
    return _check_bounds(*cands[0])


def _check_bounds(low: float, high: float) -> tuple[float, float]:
    low, high = float(low), float(high)
    if not (math.isfinite(low) and math.isfinite(high)):
        raise UsageError(f"{param('bounds')}: LOW and HIGH must be finite numbers (got {low:g}, {high:g})")
    if low < 0 or high < 0:
        raise UsageError(
            f"{param('bounds')}: sizes are never negative; LOW and HIGH must be >= 0 (got {low:g}, {high:g})"
        )
    if low >= high:
        raise UsageError(f"{param('bounds')}: LOW must be less than HIGH (got {low:g}, {high:g})")
    return low, high


def tier_bounds(
    sizes,
    *,
    method: str | None = None,
    bounds: Any = None,
    preset: str | None = None,
    decimal: str = ".",
) -> tuple[float, float] | None:
    """Resolve the tiering options to ``(low, high)``; ``None`` when a method cannot split.

    At most one of ``bounds`` (a ``(low, high)`` pair or a ``"LOW,HIGH"`` text,
    see :func:`parse_bounds`), ``preset`` (a key of :data:`PRESETS`) and
    ``method`` (``natural`` or ``headtail``) may be given; with none, the method
    is ``natural``. Fixed bounds and presets never return ``None``; the methods
    return ``None`` with fewer than 3 distinct positive sizes. Raises
    :class:`UsageError` for conflicting options, an unknown method or preset,
    negative bounds or LOW >= HIGH.
    """
    given = [param(name) for name, v in (("bounds", bounds), ("preset", preset), ("method", method)) if v is not None]
    if len(given) > 1:
        raise UsageError(f"{' and '.join(given)} both choose the tiers; give only one")
    if method is not None and method not in METHODS:
        raise UsageError(f"{param('method')}: unknown method {method!r}; use one of {', '.join(METHODS)}")
    if preset is not None:
        if preset not in PRESETS:
            raise UsageError(f"{param('preset')}: unknown preset {preset!r}; use one of {', '.join(PRESETS)}")
        return PRESETS[preset]
    if bounds is not None:
        if isinstance(bounds, str):
            return parse_bounds(bounds, decimal)
        try:
            low, high = bounds
        except (TypeError, ValueError):
            raise UsageError(f"{param('bounds')}: expected a (low, high) pair, got {bounds!r}") from None
        return _check_bounds(low, high)
    if (method or DEFAULT_METHOD) == "headtail":
        return headtail_breaks(sizes)
    return natural_breaks(sizes)


def tier_method(method: str | None = None, bounds: Any = None, preset: str | None = None) -> str:
    """The JSON ``method`` label: ``natural``, ``headtail``, ``bounds`` or ``preset:NAME``."""
    if bounds is not None:
        return "bounds"
    if preset is not None:
        return f"preset:{preset}"
    return method or DEFAULT_METHOD


@dataclass
class TierOptions:
    """The tiering options shared by ``tiers`` and ``trend`` (``--size/--bounds/--preset/--method``)."""

    size: str | None = None
    bounds: Any = None
    preset: str | None = None
    method: str | None = None
    decimal: str = "."

    def validate(self) -> None:
        """Raise :class:`UsageError` for bad options before any data is read."""
        tier_bounds([], method=self.method, bounds=self.bounds, preset=self.preset, decimal=self.decimal)

    def bounds_for(self, sizes) -> tuple[float, float] | None:
        return tier_bounds(sizes, method=self.method, bounds=self.bounds, preset=self.preset, decimal=self.decimal)

    @property
    def method_label(self) -> str:
        return tier_method(self.method, self.bounds, self.preset)

    @property
    def data_driven(self) -> bool:
        return self.bounds is None and self.preset is None


# ---------------------------------------------------------------- per tier


def _share(part: float, total: float) -> float | None:
    if not total > 0:
        return None
    return float(min(max(part / total, 0.0), 1.0))


def canonical(sizes: np.ndarray, values: np.ndarray, *others):
    """The arrays reordered by (size, value): sums then come out the same to the last bit
    whatever order the companies arrived in (file order, hash order, engine)."""
    if not others and sizes.shape == values.shape and np.array_equal(sizes, values):
        # size is the value (no --size): the (size, value) order is the sorted values, found by one
        # sort instead of two stable ones (equal keys are equal numbers, so their order is moot)
        v = np.sort(values)
        return v, v
    order = np.lexsort((values, sizes))
    return (
        sizes[order],
        values[order],
        *[o.iloc[order] if hasattr(o, "iloc") else np.asarray(o, dtype=object)[order] for o in others],
    )


def tier_shares(sizes, values, low: float, high: float) -> dict:
    """``{"small": {"count", "count_share", "value", "value_share"}, "middle": ..., "giant": ...}``.

    Shares are of all companies and of the value total; ``None`` when there are
    no companies or the value total is 0.
    """
    sz, v = canonical(np.asarray(sizes, dtype=np.float64), np.asarray(values, dtype=np.float64))
    t = assign_tiers(sz, low, high)
    n = t.size
    counts = np.bincount(t, minlength=3)
    sums = np.bincount(t, weights=v, minlength=3) if n else np.zeros(3)
    # shares from values scaled by their maximum: a sum that overflows a float still has shares
    vmax = float(v.max()) if n else 0.0
    scaled = np.bincount(t, weights=v / vmax, minlength=3) if vmax > 0 else np.zeros(3)
    total = float(scaled.sum())
    return {
        key: {
            "count": int(counts[k]),
            "count_share": _share(float(counts[k]), float(n)),
            "value": float(sums[k]),
            "value_share": _share(float(scaled[k]), total),
        }
        for k, key in enumerate(TIER_KEYS)
    }


def tier_stats(
    entities, sizes, values, low: float, high: float, *, show: int = 3, labels: Sequence[str] = TIER_KEYS
) -> list[dict]:
    """The JSON ``tiers`` list: small, middle, giant, each with counts, shares, size range, largest.

    ``largest`` lists the tier's ``show`` largest companies by value (ties by
    name), each with its size, value and value share of the whole market.
    ``min_size``/``max_size`` are ``None`` for an empty tier.
    """
    s = np.asarray(sizes, dtype=np.float64)
    v = np.asarray(values, dtype=np.float64)
    names = np.asarray(entities, dtype=object)
    t = assign_tiers(s, low, high)
    shares = tier_shares(s, v, low, high)
    vmax = float(v.max()) if v.size else 0.0
    total = float((v / vmax).sum()) if vmax > 0 else 0.0
    out = []
    for k, key in enumerate(TIER_KEYS):
        idx = np.flatnonzero(t == k)
        doc: dict[str, Any] = {"tier": key, "label": str(labels[k])}
        doc.update(shares[key])
        doc["min_size"] = float(s[idx].min()) if idx.size else None
        doc["max_size"] = float(s[idx].max()) if idx.size else None
        largest = [
            {
                "entity": str(names[i]),
                "size": float(s[i]),
                "value": float(v[i]),
                "value_share": _share(float(v[i]) / vmax, total) if vmax > 0 else None,
            }
            for i in largest_indices(v, names, show, among=idx)
        ]
        doc["largest"] = largest
        out.append(doc)
    return out


# ---------------------------------------------------------------- diagnostics


def _phi(z: float) -> float:
    if z == math.inf:
        return 1.0
    if z == -math.inf:
        return 0.0
    return 0.5 * (1.0 + math.erf(z / math.sqrt(2.0)))


def lognormal_fit(sizes) -> tuple[float, float] | None:
    """(mu, sigma) of the log-normal fitted to the positive sizes, on the log10 scale.

    mu is the mean and sigma the standard deviation (ddof 0, the maximum
    likelihood estimate) of log10 of the positive sizes; ``None`` with fewer
    than 2 distinct positive sizes.

    >>> lognormal_fit([10, 1000, 0])
    (2.0, 1.0)
    """
    s = np.asarray(sizes, dtype=np.float64)
    pos = s[s > 0]
    if np.unique(pos).size < 2:
        return None
    lg = np.log10(pos)
    mu, sd = float(lg.mean()), float(lg.std())
    return (mu, sd) if sd > 0 else None


def expected_middle_share(sizes, low_cut: float, high_cut: float) -> float | None:
    """Share of companies a log-normal fitted to the positive sizes puts between the cuts.

    The fit is mu = mean and sigma = standard deviation (ddof 0, the maximum
    likelihood estimate) of log10 of the positive sizes; the share is
    (Phi((log10 high_cut - mu)/sigma) - Phi((log10 low_cut - mu)/sigma)) times the
    fraction of companies with a positive size (a size of 0 is never middle).
    ``None`` with fewer than 2 distinct positive sizes (no spread to fit).
    """
    s = np.asarray(sizes, dtype=np.float64)
    n = s.size
    fit = lognormal_fit(s)
    if fit is None:
        return None
    mu, sd = fit
    pos = s[s > 0]
    z_hi = (math.log10(high_cut) - mu) / sd if high_cut > 0 else -math.inf
    z_lo = (math.log10(low_cut) - mu) / sd if low_cut > 0 else -math.inf
    return max(_phi(z_hi) - _phi(z_lo), 0.0) * pos.size / n


def middle_cuts(sizes, low: float, high: float, data_driven: bool) -> tuple[float, float]:
    """Where the middle tier actually begins and ends, for :func:`expected_middle_share`.

    Fixed bounds are the cuts. Data-driven bounds are observed sizes; the method
    cut somewhere in the gaps beside them, so the cuts are the geometric
    midpoints of those gaps (sqrt(largest small * low), sqrt(high * smallest
    giant)); with no positive small size or no giant, the bound itself. The
    midpoints are taken in log space, so sizes beyond 1e154 (or below 1e-154),
    whose product overflows (or underflows), keep their midpoints.
    """
    if not data_driven:
        return low, high
    s = np.asarray(sizes, dtype=np.float64)
    below = s[(s > 0) & (s < low)]
    above = s[s > high]
    lo = _geometric_midpoint(float(below.max()), low) if below.size else low
    hi = _geometric_midpoint(high, float(above.min())) if above.size else high
    return lo, hi


def _geometric_midpoint(a: float, b: float) -> float:
    """sqrt(a * b) of two positive numbers, as 10^((log10 a + log10 b) / 2): no overflow, no underflow."""
    return 10.0 ** ((math.log10(a) + math.log10(b)) / 2.0)


def bimodality_coefficient(x) -> float | None:
    """Sarle's bimodality coefficient BC = (g^2 + 1) / (k + 3(n-1)^2 / ((n-2)(n-3))).

    g is the bias-corrected sample skewness G1 = g1 sqrt(n(n-1)) / (n-2) and k
    the bias-corrected sample excess kurtosis G2 = ((n+1) g2 + 6)(n-1) / ((n-2)(n-3)),
    with g1 = m3 / m2^1.5 and g2 = m4 / m2^2 - 3 from the central moments
    (SAS Institute 1990; Pfister et al. 2013, Frontiers in Psychology 4:700).
    BC > 5/9 (the value for a uniform distribution) suggests two humps; a
    normal gives 1/3. ``None`` for n < 4 or no spread.
    """
    y = np.asarray(x, dtype=np.float64)
    n = y.size
    if n < 4:
        return None
    d = y - y.mean()
    m2 = float(np.mean(d * d))
    if not m2 > 0 or m2 < 1e-28 * max(float(np.mean(y * y)), 1e-300):
        return None
    m3 = float(np.mean(d**3))
    m4 = float(np.mean(d**4))
    g1 = m3 / m2**1.5
    g2 = m4 / m2**2 - 3.0
    G1 = g1 * math.sqrt(n * (n - 1)) / (n - 2)
    G2 = ((n + 1) * g2 + 6.0) * (n - 1) / ((n - 2) * (n - 3))
    return float((G1 * G1 + 1.0) / (G2 + 3.0 * (n - 1) ** 2 / ((n - 2) * (n - 3))))


def dip(x) -> tuple[float, float] | tuple[None, None]:
    """Hartigan's dip statistic and its p-value (Hartigan & Hartigan 1985).

    The dip, computed by the ``diptest`` package, is the largest distance between
    the empirical CDF and the closest unimodal CDF; it is at least 1/(2n) (R
    ``diptest`` convention, kept here) and 1/4 for two equal point masses. The
    p-value is :func:`dip_p_value`, R's ``dip.test``. ``(None, None)`` for n < 4
    or no spread.
    """
    import warnings

    import diptest

    y = np.asarray(x, dtype=np.float64)
    if y.size < 4 or np.unique(y).size < 2:
        return None, None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        d = diptest.dipstat(np.sort(y), sort_x=False, allow_zero=False)
    return float(d), dip_p_value(int(y.size), float(d))


def dip_p_value(n: int, d: float) -> float:
    """P-value of a dip ``d`` of ``n`` points as R's ``diptest::dip.test`` computes it.

    From the table of the dip's null quantiles (uniform samples, Maechler's
    ``qDiptab``, the one the ``diptest`` package ships): the quantile rows of the
    tabulated sizes either side of ``n``, scaled by sqrt(size), are interpolated
    linearly in ``n``; then P = 1 - the probability at sqrt(n)*d, interpolated
    linearly in that row, constant beyond its ends (``approx(rule = 2)``).
    Quantiles that tie (for n <= 8 the lowest ones all equal 1/(2n)) count once,
    with the mean of their probabilities (``approx(ties = mean)``, R's default):
    so for n = 4 the smallest dip, 1/8, gets P = 1 - 2.18/10 = 0.782, as in R.
    Beyond the largest tabulated size its row serves as the asymptote.

    >>> round(dip_p_value(4, 0.125), 6), round(dip_p_value(9, 1 / 18), 6)
    (0.782, 1.0)
    """
    from diptest.consts import Consts  # the table of critical values the package interpolates

    sizes = np.asarray(Consts._SAMPLE_SIZE, dtype=np.float64)
    table = np.asarray(Consts._CRIT_VALS, dtype=np.float64)
    probs = np.asarray(Consts._ALPHA, dtype=np.float64)
    if n >= sizes[-1]:
        row = math.sqrt(sizes[-1]) * table[-1]
    else:
        i = max(int(np.searchsorted(sizes, n, side="right")) - 1, 0)  # R: findInterval(n, sizes)
        n0, n1 = sizes[i], sizes[i + 1]
        y0, y1 = math.sqrt(n0) * table[i], math.sqrt(n1) * table[i + 1]
        row = y0 + (n - n0) / (n1 - n0) * (y1 - y0)
    xs, group = np.unique(row, return_inverse=True)
    ys = np.bincount(group, weights=probs) / np.bincount(group)
    p = 1.0 - float(np.interp(math.sqrt(n) * d, xs, ys))
    return min(max(p, 0.0), 1.0)


def esteban_ray(counts, means, overall_mean: float, alpha: float = DEFAULT_ALPHA) -> float | None:
    """Esteban-Ray polarisation P = sum_i sum_j pi_i^(1+alpha) pi_j |y_i - y_j| (K = 1).

    pi are the groups' population shares, y_i their mean value divided by the
    overall mean (Esteban & Ray 1994, Econometrica 62(4); alpha in (0, 1.6]).
    Empty groups have pi = 0 and drop out. ``None`` when the overall mean is 0.
    """
    if not 0 < alpha <= ALPHA_MAX:
        raise UsageError(f"{param('alpha')} must be in (0, {ALPHA_MAX}] (got {alpha:g})")
    c = np.asarray(counts, dtype=np.float64)
    if not c.sum() > 0 or not overall_mean > 0:
        return None
    keep = c > 0
    pi = c[keep] / c.sum()
    y = np.asarray(means, dtype=np.float64)[keep] / overall_mean
    diff = np.abs(y[:, None] - y[None, :])
    return float(np.sum(np.power(pi, 1.0 + alpha)[:, None] * pi[None, :] * diff))


def wolfson(values) -> float | None:
    """Wolfson bipolarisation W = 2 (2T - G) mean / median, T = 0.5 - L(0.5).

    L is the Lorenz curve (linear between its points i/n), G the Gini of
    :func:`aistruct.metrics.gini` (Wolfson 1994, American Economic Review
    84(2); Wolfson 1997). PySAL ``inequality.wolfson`` returns (2T - G) mean /
    median, half of this (e.g. 1/12 for 6,6,8,8,10,10,12,12, where W = 1/6).
    ``None`` when the median or the total is 0.
    """
    v = np.asarray(values, dtype=np.float64)
    if v.size == 0:
        return None
    med = float(np.median(v))
    if not med > 0 or not float(v.sum()) > 0:
        return None
    t = 0.5 - metrics.lorenz_at(v, 0.5)
    return float(2.0 * (2.0 * t - metrics.gini(v)) * float(v.mean()) / med)


def tier_diagnostics(
    sizes, values, low: float, high: float, *, alpha: float = DEFAULT_ALPHA, data_driven: bool = False
) -> dict:
    """The JSON ``diagnostics`` of one market (see the README for each formula)."""
    s = np.asarray(sizes, dtype=np.float64)
    v = np.asarray(values, dtype=np.float64)
    shares = tier_shares(s, v, low, high)
    mid = shares["middle"]
    vmax = float(v.max()) if v.size else 0.0
    if vmax > 0:  # every value diagnostic is scale-free; scaling keeps huge sums finite
        v = v / vmax
    expected = None
    if s.size:
        expected = expected_middle_share(s, *middle_cuts(s, low, high, data_driven))
    observed = mid["count_share"]
    logs = np.log10(s[(s > 0) & np.isfinite(s)])
    d, p = dip(logs)
    t = assign_tiers(s, low, high)
    counts = np.bincount(t, minlength=3)
    sums = np.bincount(t, weights=v, minlength=3) if v.size else np.zeros(3)
    means = np.divide(sums, counts, out=np.zeros(3), where=counts > 0)
    overall = float(v.mean()) if v.size else 0.0
    return {
        "middle_count_share": observed,
        "middle_value_share": mid["value_share"],
        "expected_middle_share": expected,
        "middle_deficit": (expected - observed) if expected is not None and observed is not None else None,
        "bimodality_coefficient": bimodality_coefficient(logs),
        "dip": d,
        "dip_p_value": p,
        "esteban_ray": esteban_ray(counts, means, overall, alpha),
        "alpha": float(alpha),
        "wolfson": wolfson(v),
    }


def shape_checks(tiers: list[dict], diagnostics: dict) -> dict:
    """The conditions of the shape rule, each True, False or None (undefined)."""
    deficit = diagnostics.get("middle_deficit")
    bc = diagnostics.get("bimodality_coefficient")
    p = diagnostics.get("dip_p_value")
    counts = [t["count"] for t in tiers]
    bc_high = None if bc is None else bc > BIMODALITY_THRESHOLD
    dip_sig = None if p is None else p < DIP_P_THRESHOLD
    # both signs of a second hump are required: the bimodality coefficient alone is raised by
    # skewness (Pfister et al. 2013), and the dip test alone has little power in small samples
    if bc_high is False or dip_sig is False:
        two_humps = False
    elif bc_high is None or dip_sig is None:
        two_humps = None
    else:
        two_humps = True
    return {
        "middle_missing": None if deficit is None else deficit >= DEFICIT_THRESHOLD,
        "bimodality_high": bc_high,
        "dip_significant": dip_sig,
        "two_humps": two_humps,
        "ends_present": counts[0] > 0 and counts[2] > 0,
        "counts_narrow_upwards": counts[0] >= counts[1] >= counts[2],
    }


def shape(checks: dict) -> str:
    """``dumbbell``, ``pyramid`` or ``mixed`` (the rule of the README's "Shape rule").

    dumbbell: the middle is missing (deficit >= 0.05) AND two humps (bimodality
    coefficient > 5/9 AND dip p < 0.05) AND small and giant tiers both occupied.
    pyramid: the middle is not missing AND not two humps (bimodality coefficient
    <= 5/9 OR dip p >= 0.05) AND counts small >= middle >= giant.
    mixed: anything else, including an undefined diagnostic.
    """
    if checks["middle_missing"] and checks["two_humps"] and checks["ends_present"]:
        return "dumbbell"
    if checks["middle_missing"] is False and checks["two_humps"] is False and checks["counts_narrow_upwards"]:
        return "pyramid"
    return "mixed"


# ---------------------------------------------------------------- report


def _pct(x: float | None) -> str:
    """52.5%; a nonzero share below 0.05% as <0.1% (the tables' rule); '–' for null."""
    if x is None or not math.isfinite(x):
        return "–"
    if x != 0 and abs(100 * x) < 0.05:
        return ("<" if x > 0 else ">-") + "0.1%"
    return f"{100 * x:,.1f}%"


def middle_reading(r: dict) -> str:
    """The plain-language line on a result's middle (under the diagnostics table, and in ``report``).

    >>> d = {"middle_count_share": 0.25, "middle_value_share": 0.1126, "middle_deficit": 0.107}
    >>> for part in middle_reading({"diagnostics": d}).split(", "): print(part)
    The middle holds 25.0% of companies and 11.3% of the value
    10.7 points fewer than a log-normal market of this spread would.
    """
    d = r["diagnostics"]
    share = d["middle_count_share"]
    text = f"The middle holds {_pct(share)} of companies"
    if d["middle_value_share"] is not None:
        text += f" and {_pct(d['middle_value_share'])} of the value"
    deficit = d["middle_deficit"]
    if deficit is not None:
        pts = abs(deficit) * 100
        more = "fewer" if deficit > 0 else "more"
        text += f", {pts:.1f} points {more} than a log-normal market of this spread would"
    return text + "."


def parse_labels(text: str | Sequence[str] | None) -> tuple[str, str, str]:
    """``"small teams,middle class,giants"`` -> three display names (JSON keys never change)."""
    if text is None:
        return TIER_KEYS
    parts = [p.strip() for p in (text.split(",") if isinstance(text, str) else text)]
    if len(parts) != 3 or not all(parts):
        raise UsageError(f"{param('labels')}: expected three non-empty names separated by commas, got {text!r}")
    return tuple(parts)  # type: ignore[return-value]


def market_tiers(
    entities: Sequence[str],
    sizes,
    values,
    options: TierOptions | None = None,
    *,
    alpha: float = DEFAULT_ALPHA,
    show: int = 3,
    labels: Sequence[str] = TIER_KEYS,
    entities_list: bool = False,
) -> dict:
    """One market's JSON ``results`` entry (without ``group``)."""
    options = options or TierOptions()
    s, v, entities = canonical(np.asarray(sizes, dtype=np.float64), np.asarray(values, dtype=np.float64), entities)
    n = int(s.size)
    doc: dict[str, Any] = {"method": options.method_label, "n": n, "n_positive": int(np.count_nonzero(s > 0))}
    b = options.bounds_for(s) if n else (None if options.data_driven else options.bounds_for(s))
    if b is None:
        doc.update(
            bounds=None,
            tiers=None,
            diagnostics=None,
            shape=None,
            shape_checks=None,
            status=STATUS_NO_COMPANIES if n == 0 else STATUS_TOO_FEW_SIZES,
        )
        if entities_list:
            doc["entities"] = None
        return doc
    low, high = b
    doc["bounds"] = [float(low), float(high)]
    doc["tiers"] = tier_stats(entities, s, v, low, high, show=show, labels=labels)
    if n == 0:
        doc.update(diagnostics=None, shape=None, shape_checks=None, status=STATUS_NO_COMPANIES)
    else:
        diag = tier_diagnostics(s, v, low, high, alpha=alpha, data_driven=options.data_driven)
        checks = shape_checks(doc["tiers"], diag)
        doc.update(diagnostics=diag, shape=shape(checks), shape_checks=checks, status=STATUS_OK)
    if entities_list:
        doc["entities"] = entity_rows(entities, s, v, low, high)
    return doc


def entity_rows(entities, sizes, values, low: float, high: float) -> list[dict]:
    """Every company with its tier, largest size first (ties by name)."""
    s = np.asarray(sizes, dtype=np.float64)
    v = np.asarray(values, dtype=np.float64)
    names = np.asarray(entities, dtype=object).astype(str)
    t = assign_tiers(s, low, high)
    order = np.lexsort((names, -s))
    keys = np.asarray(TIER_KEYS, dtype=object)
    return [
        {"entity": str(names[i]), "size": float(s[i]), "value": float(v[i]), "tier": str(keys[t[i]])}
        for i in order.tolist()
    ]


@dataclass
class TiersReport(CommandReport):
    """The result of ``tiers``; ``to_dict()`` is the JSON contract (schema_version 1)."""

    labels: tuple = TIER_KEYS
    command: str = "tiers"
    #: Per result, the market's company sizes (a float array), for charts; not part of the JSON.
    sizes: list = field(default_factory=list, repr=False, compare=False)

    def extra(self) -> dict:
        return {"labels": dict(zip(TIER_KEYS, self.labels))}


def tiers_of_markets(
    markets,
    options: TierOptions | None = None,
    *,
    alpha: float = DEFAULT_ALPHA,
    show: int = 3,
    labels: Any = None,
    entities: bool = False,
) -> TiersReport:
    """Tiers of every group of prepared markets (``prepare_markets(..., need_size=True)``).

    With fewer than 3 distinct positive sizes a data-driven method cannot split
    a group: its tiers are null with a warning, or, when the method was asked
    for explicitly (``options.method`` set), a :class:`UsageError` (exit 2).
    """
    from aistruct.markets import ENTITY, SIZE, VALUE

    options = options or TierOptions()
    options.validate()
    if not 0 < alpha <= ALPHA_MAX:
        raise UsageError(f"{param('alpha')} must be in (0, {ALPHA_MAX}] (got {alpha:g})")
    if show < 0:
        raise UsageError(f"{param('show')} must be at least 0")
    labels = parse_labels(labels)
    warnings = list(markets.warnings)
    results = []
    arrays = []
    for group, frame in markets.iter_groups():
        sizes = frame[SIZE].to_numpy(dtype=np.float64) if SIZE in frame else frame[VALUE].to_numpy(dtype=np.float64)
        arrays.append(sizes)
        doc = {"group": group}
        doc.update(
            market_tiers(
                frame[ENTITY].tolist(),
                sizes,
                frame[VALUE].to_numpy(dtype=np.float64),
                options,
                alpha=alpha,
                show=show,
                labels=labels,
                entities_list=entities,
            )
        )
        doc["fringe"] = None
        if markets.fringe is not None:  # the unobserved fringe is no company: left out of the tiers, shown beside
            f = float(markets.fringe.get(tuple(group[b] for b in markets.by), 0.0))
            whole = float(np.sort(frame[VALUE].to_numpy(dtype=np.float64)).sum()) + f
            doc["fringe"] = {"value": f, "share": f / whole if whole > 0 else None}
        if doc["status"] != STATUS_OK:
            where = f"group {group_text(group)}" if group else "the market"
            if doc["status"] == STATUS_NO_COMPANIES:
                msg = (
                    f"{where} has no companies; its tiers are null"
                    if doc["tiers"] is None
                    else f"{where} has no companies; its diagnostics are null"
                )
            else:
                msg = (
                    f"{where} has fewer than 3 distinct positive sizes ({doc['n_positive']} positive of "
                    f"{doc['n']}); {doc['method']} breaks cannot split it three ways"
                )
                if options.method is not None:
                    raise UsageError(f"{msg} ({param('method')} {options.method} was asked for)")
                msg += "; its tiers are null"
            warnings.append(msg)
        results.append(doc)
    return TiersReport(input=markets.input_dict(), results=results, warnings=warnings, labels=labels, sizes=arrays)


def tiers_report(
    source: Any,
    *,
    spec=None,
    read=None,
    options: TierOptions | None = None,
    alpha: float = DEFAULT_ALPHA,
    show: int = 3,
    labels: Any = None,
    entities: bool = False,
    progress=None,
    **spec_fields: Any,
) -> TiersReport:
    """Read ``source`` and classify each market's companies into small / middle / giant.

    ``source`` is a path, ``-``, ``dataset:NAME`` or a DataFrame; column options
    are a :class:`aistruct.markets.MarketSpec` or its fields as keywords. The
    size column is ``options.size`` (default the value column).

    >>> from aistruct.tiers import TierOptions, tiers_report
    >>> r = tiers_report("datasets/ai_app_mau_cn_2025-03.csv", options=TierOptions(bounds="1000,10000"))
    >>> [t["count"] for t in r.results[0]["tiers"]]  # doctest: +SKIP
    """
    from dataclasses import replace

    from aistruct.engines import load_markets
    from aistruct.markets import MarketSpec
    from aistruct.reader import ReadOptions

    spec_kw, read_kw, tier_kw = split_keywords(tiers_report, spec_fields, (MarketSpec, ReadOptions, TierOptions))
    spec_kw.pop("size", None)  # the size column is a tier option here (options.size)
    options = with_keywords(options, TierOptions, tier_kw) or TierOptions()
    spec = with_keywords(spec, MarketSpec, spec_kw) or MarketSpec()
    read = with_keywords(read, ReadOptions, read_kw)
    if options.size is not None:
        spec = replace(spec, size=options.size)
    if options.decimal != spec.decimal:
        options = replace(options, decimal=spec.decimal)
    options.validate()
    markets = load_markets(source, read, spec, need_size=True, progress=progress)
    return tiers_of_markets(markets, options, alpha=alpha, show=show, labels=labels, entities=entities)
