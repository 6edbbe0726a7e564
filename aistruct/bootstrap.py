"""Sampling intervals: the bootstrap of one market's concentration figures.

When a table is a *sample* of firms (a survey, one accelerator's cohort), its
HHI, CR-k, Gini, Theil and entropy have sampling error. :func:`bootstrap_intervals`
resamples the companies with replacement (Efron 1979) and reads an interval off
the resampled figures. For a census of a market (every firm is in the table)
there is no sampling error and the interval means nothing.

How it is computed, and why it is fast: a resample of n companies is a vector
of counts c (how often each company was drawn, summing to n), drawn as
``rng.integers(0, n, size=(rows, n))`` with ``numpy.random.Generator(PCG64(seed))``
in chunks of ``max(1, CHUNK_CELLS // n)`` resamples (so memory stays bounded and
the same seed gives the same bytes). With the values sorted once, every figure
of a resample is a weighted sum over the sorted values, so nothing is sorted per
resample: total T = sum c_j x_j, HHI = 10,000 sum c_j x_j^2 / T^2, entropy =
ln T - sum c_j x_j ln x_j / T, Theil = ln n - entropy, Gini from the ranks a
value with count c_j occupies (C_{j-1} + 1 .. C_j, C the cumulative counts):
G = sum_j c_j (C_{j-1} + C_j - n) x_j / (n T), CR-k from the counts taken from
the top. These equal :mod:`aistruct.metrics` (tests/test_bootstrap.py pins them).

Intervals: ``method="auto"`` (the default) uses the bias-corrected and
accelerated interval (BCa; Efron 1987; Efron & Tibshirani 1993, ch. 14) when
the market has at most :data:`BCA_MAX_N` companies, the percentile interval
above. BCa needs the n leave-one-out figures (the jackknife), computed by the
same counts arithmetic on an n x n matrix: cheap for small markets, where it
matters (the percentile interval of a Gini undercovers in small samples, and
BCa corrects for the plug-in Gini's downward bias); for large markets its
corrections shrink as 1/sqrt(n) and the percentile interval is used. A figure
whose BCa correction is undefined (every resample gives the same value, as for
a single company or equal values) gets its percentile interval. Quantiles are
``numpy.quantile``'s default (linear interpolation, R's type 7): a level of 0.95
reads the 2.5% and 97.5% quantiles (percentile) or their BCa adjustments.
Resamples whose drawn companies all have value 0 have no shares and are left
out.
"""

from __future__ import annotations

from typing import Any, Sequence

from aistruct.errors import UsageError, as_options, param

#: Resamples unless told otherwise.
DEFAULT_RESAMPLES = 2_000
#: Seed unless told otherwise (so output is reproducible).
DEFAULT_SEED = 0
#: Fewer resamples than this get a warning: the interval's ends are then noisy.
FEW_RESAMPLES = 200
#: Largest market whose interval is BCa under ``method="auto"``.
BCA_MAX_N = 5_000
#: Cells (resamples x companies) drawn at a time.
CHUNK_CELLS = 1_000_000
#: The figures an interval is given for (JSON keys of ``ci`` besides level, method, resamples, seed).
INTERVAL_KEYS = ("hhi", "cr", "gini", "theil", "entropy")
#: The interval methods a caller may ask for.
METHODS = ("auto", "percentile", "bca")


def check_options(
    level: Any, resamples: Any = DEFAULT_RESAMPLES, seed: Any = DEFAULT_SEED, *, fringe: bool = False
) -> None:
    """UsageError unless 0 < level < 1, resamples >= 1 and seed a whole number >= 0, and no
    unobserved ``fringe`` (the markets have one: it is no sample of companies)."""
    try:
        lv = float(level)
    except (TypeError, ValueError):
        lv = float("nan")
    if not 0.0 < lv < 1.0:
        raise UsageError(f"{param('ci')} must be a level between 0 and 1, e.g. 0.95 (got {level!r})")
    if isinstance(resamples, bool) or not isinstance(resamples, int) or resamples < 1:
        raise UsageError(f"{param('resamples')} must be a whole number of at least 1 (got {resamples!r})")
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise UsageError(f"{param('seed')} must be a whole number of at least 0 (got {seed!r})")
    if fringe:
        raise UsageError(
            f"{param('ci')} resamples the listed companies, and an unobserved fringe "
            f"({param('other')}, {param('total')}, {param('total_column')}) is no sample of them; "
            "give one or the other"
        )


def few_resamples_warning(resamples: int) -> str | None:
    """The warning for fewer than :data:`FEW_RESAMPLES` resamples, or None."""
    if resamples >= FEW_RESAMPLES:
        return None
    return as_options(
        f"{param('resamples')} {resamples}: the interval's ends are noisy with fewer than "
        f"{FEW_RESAMPLES:,} resamples (default {DEFAULT_RESAMPLES:,})"
    )


def value_basis(y):
    """The rows y, y^2 and y ln y (0 ln 0 = 0) every resample's sums are taken over."""
    import numpy as np

    ylny = np.zeros_like(y)
    pos = y > 0
    ylny[pos] = y[pos] * np.log(y[pos])
    return np.stack([y, y * y, ylny])


def count_figures(y, counts, basis=None) -> dict:
    """HHI, Gini, Theil and entropy of each row of ``counts`` (resamples x companies: how
    often each company is drawn, whole numbers) over the values ``y`` sorted in ascending
    order, 0 <= y <= 1.

    Returns ``{"hhi", "gini", "theil", "entropy": array, "total": array}``; a row whose
    total is 0 gives NaN figures. The sums are numpy's pairwise ones, not BLAS products:
    a multithreaded BLAS spends most of its time waiting on a busy machine.
    """
    import numpy as np

    c = np.asarray(counts, dtype=np.int64)
    m = c.sum(axis=1).astype(np.float64)
    if basis is None:
        basis = value_basis(y)
    cf = c.astype(np.float64)
    total, sq, xlnx = ((cf * row).sum(axis=1) for row in basis)
    cum = np.cumsum(c, axis=1)
    cum *= 2
    cum -= c  # 2 C_j - c_j = C_{j-1} + C_j
    # sum_j c_j (C_{j-1} + C_j - m) z_j with z = y - y_min; the -m part is m * sum_j c_j z_j
    z = y - y[0]
    num = (np.multiply(cf, cum, dtype=np.float64) * z).sum(axis=1) - m * (total - m * y[0])
    ok = total > 0
    with np.errstate(divide="ignore", invalid="ignore"):
        ent = np.log(total) - xlnx / total
        gin = num / (m * total)
        out = {
            "hhi": np.clip(sq / (total * total), 0.0, 1.0) * 10_000.0,
            "gini": np.clip(gin, 0.0, 1.0 - 1.0 / m),
            "entropy": np.maximum(ent, 0.0),
            "theil": np.clip(np.log(m) - ent, 0.0, np.log(m)),
        }
    out = {k: np.where(ok, v, np.nan) for k, v in out.items()}
    out["total"] = total
    return out


def _resampled_cr(y, idx, total, top: Sequence[int]) -> dict:
    """CR-k of each row of the index draws ``idx`` (positions in ``y``, ascending): the k largest
    positions drawn are the k largest values."""
    import numpy as np

    n = idx.shape[1]
    kmax = min(max(top), n)
    big = np.sort(np.partition(idx, n - kmax, axis=1)[:, n - kmax :], axis=1)[:, ::-1]
    cum = np.cumsum(y[big], axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        return {
            str(k): np.where(total > 0, 1.0 if k >= n else np.clip(cum[:, k - 1] / total, 0.0, 1.0), np.nan)
            for k in top
        }


def _merge(parts: list) -> dict:
    import numpy as np

    return {
        key: (
            {k: np.concatenate([p["cr"][k] for p in parts]) for k in parts[0]["cr"]}
            if key == "cr"
            else np.concatenate([p[key] for p in parts])
        )
        for key in parts[0]
        if key != "total"
    }


def resampled_figures(values, *, top: Sequence[int], resamples: int, seed: int) -> dict:
    """The figures of ``resamples`` bootstrap resamples of ``values`` (see the module docstring):
    ``{"hhi", "gini", "theil", "entropy": array, "cr": {str(k): array}}``, NaN for a resample
    with a total of 0."""
    import numpy as np

    x = np.sort(np.asarray(values, dtype=np.float64).ravel())
    n = x.size
    y = x / x[-1]
    rng = np.random.Generator(np.random.PCG64(seed))
    basis = value_basis(y)
    rows = max(1, CHUNK_CELLS // n)
    parts = []
    done = 0
    while done < resamples:
        b = min(rows, resamples - done)
        idx = rng.integers(0, n, size=(b, n))
        counts = np.bincount((idx + (np.arange(b) * n)[:, None]).ravel(), minlength=b * n).reshape(b, n)
        part = count_figures(y, counts, basis)
        part["cr"] = _resampled_cr(y, idx, part["total"], top)
        parts.append(part)
        done += b
    return _merge(parts)


def jackknife_figures(values, *, top: Sequence[int]) -> dict:
    """The figures of the n leave-one-out markets of ``values`` (rows in ascending value order)."""
    import numpy as np

    x = np.sort(np.asarray(values, dtype=np.float64).ravel())
    n = x.size
    y = x / x[-1]
    basis = value_basis(y)
    rows = max(1, CHUNK_CELLS // n)
    parts = []
    for start in range(0, n, rows):
        stop = min(n, start + rows)
        counts = np.ones((stop - start, n), dtype=np.int64)
        counts[np.arange(stop - start), np.arange(start, stop)] = 0
        parts.append(count_figures(y, counts, basis))
    out = _merge(parts)
    # CR-k without company r: the k largest of the others (the k + 1 largest less y_r when r is among them).
    desc = np.cumsum(y[::-1])
    total = desc[-1] - y
    cr = {}
    with np.errstate(divide="ignore", invalid="ignore"):
        for k in top:
            if k >= n - 1:
                cr[str(k)] = np.where(total > 0, 1.0, np.nan)
                continue
            topk = np.where(np.arange(n) >= n - k, desc[k] - y, desc[k - 1])
            cr[str(k)] = np.where(total > 0, np.clip(topk / total, 0.0, 1.0), np.nan)
    out["cr"] = cr
    return out


def interval_levels(level: float) -> tuple[float, float]:
    """The quantiles a percentile interval of ``level`` reads: 0.95 -> (0.025, 0.975)."""
    tail = (1.0 - float(level)) / 2.0
    return tail, 1.0 - tail


def percentile_interval(reps, level: float) -> list[float]:
    """[lo, hi]: the (1 - level)/2 and (1 + level)/2 quantiles of the finite replicates."""
    import numpy as np

    r = np.asarray(reps, dtype=np.float64)
    r = r[np.isfinite(r)]
    lo, hi = np.quantile(r, interval_levels(level))
    return [float(lo), float(hi)]


def bca_interval(reps, estimate: float, jack, level: float) -> list[float] | None:
    """The BCa interval, or None where its corrections are undefined (then use the percentile one).

    z0 = Phi^-1(share of replicates below the estimate, ties counted half), acceleration
    a = sum d^3 / (6 (sum d^2)^1.5) with d the jackknife mean minus each leave-one-out value;
    the ends are the quantiles Phi(z0 + (z0 + z) / (1 - a (z0 + z))) for z = Phi^-1 of the
    percentile ends.
    """
    from statistics import NormalDist

    import numpy as np

    r = np.asarray(reps, dtype=np.float64)
    r = r[np.isfinite(r)]
    j = np.asarray(jack, dtype=np.float64)
    j = j[np.isfinite(j)]
    if r.size == 0 or j.size < 2:
        return None
    below = (np.count_nonzero(r < estimate) + 0.5 * np.count_nonzero(r == estimate)) / r.size
    if not 0.0 < below < 1.0:
        return None
    nd = NormalDist()
    z0 = nd.inv_cdf(float(below))
    d = j.mean() - j
    ss = float(np.sum(d * d))
    if ss <= 0:
        return None
    a = float(np.sum(d**3)) / (6.0 * ss**1.5)
    ends = []
    for q in interval_levels(level):
        z = nd.inv_cdf(q)
        denom = 1.0 - a * (z0 + z)
        if denom <= 0:
            return None
        ends.append(nd.cdf(z0 + (z0 + z) / denom))
    lo, hi = np.quantile(r, ends)
    return [float(lo), float(hi)]


def bootstrap_intervals(
    values,
    *,
    level: float = 0.95,
    resamples: int = DEFAULT_RESAMPLES,
    seed: int = DEFAULT_SEED,
    top: Sequence[int] = (1, 4, 8, 10),
    method: str = "auto",
    estimates: dict | None = None,
) -> dict | None:
    """Bootstrap intervals of one market's HHI, CR-k, Gini, Theil and entropy.

    Returns the JSON ``ci`` object ``{"level", "method", "resamples", "seed", "hhi": [lo, hi],
    "cr": {str(k): [lo, hi]}, "gini", "theil", "entropy"}``, or None for a market with no
    shares (no companies, or a total of 0). ``method`` is ``auto`` (BCa up to
    :data:`BCA_MAX_N` companies, percentile above), ``percentile`` or ``bca``;
    ``estimates`` are the market's figures as :mod:`aistruct.metrics` gives them
    (computed when not given; BCa needs them). One company gives [x, x].

    >>> ci = bootstrap_intervals([5, 5, 5, 5], level=0.9, resamples=100)
    >>> ci["method"], ci["hhi"], ci["gini"]
    ('bca', [2500.0, 2500.0], [0.0, 0.0])
    """
    import numpy as np

    from aistruct import metrics

    check_options(level, resamples, seed)
    if method not in METHODS:
        raise UsageError(f"method: unknown {method!r}; use one of {', '.join(METHODS)}")
    x = np.asarray(values, dtype=np.float64).ravel()
    if x.size == 0 or not x.max() > 0:
        return None
    if estimates is None:
        p = metrics.Prepared(x)
        estimates = {
            "hhi": metrics.hhi(p),
            "cr": metrics.concentration_ratios(p, top),
            "gini": metrics.gini(p),
            "theil": metrics.theil(p),
            "entropy": metrics.entropy(p),
        }
    used = "bca" if method == "bca" or (method == "auto" and x.size <= BCA_MAX_N) else "percentile"
    doc: dict[str, Any] = {"level": float(level), "method": used, "resamples": int(resamples), "seed": int(seed)}
    keys = INTERVAL_KEYS
    if x.size == 1:  # every resample is the market itself
        for key in keys:
            est = estimates[key]
            doc[key] = {k: [v, v] for k, v in est.items()} if key == "cr" else [est, est]
        return doc
    reps = resampled_figures(x, top=top, resamples=int(resamples), seed=int(seed))
    jack = jackknife_figures(x, top=top) if used == "bca" else None

    def one(r, est, jk) -> list[float]:
        if jk is not None:
            got = bca_interval(r, est, jk, level)
            if got is not None:
                return got
        return percentile_interval(r, level)

    for key in keys:
        if key == "cr":
            doc["cr"] = {
                k: one(reps["cr"][k], estimates["cr"][k], jack["cr"][k] if jack else None) for k in estimates["cr"]
            }
        else:
            doc[key] = one(reps[key], estimates[key], jack[key] if jack else None)
    return doc


def interval_columns(ci: dict | None, ks: Sequence[str]) -> dict:
    """The CSV columns of one ``ci``: ``hhi_ci_lo``, ``hhi_ci_hi``, ``cr_4_ci_lo`` ... (None without it)."""
    out: dict = {}
    for key in INTERVAL_KEYS:
        names = [f"cr_{k}" for k in ks] if key == "cr" else [key]
        for name, k in zip(names, ks if key == "cr" else [None]):
            pair = (ci["cr"].get(k) if key == "cr" else ci[key]) if ci else None
            out[f"{name}_ci_lo"] = pair[0] if pair else None
            out[f"{name}_ci_hi"] = pair[1] if pair else None
    return out
