"""Concentration and inequality metrics of one market.

Every function takes a one-dimensional array of non-negative company values
(funding, users, revenue, ...) with no missing entries and returns a plain
Python ``float`` (or ``None`` where the quantity is undefined). Shares are
fractions s_i = x_i / sum(x). Values are divided by their maximum before any
square or power is taken, so inputs up to 1e308 never overflow; every metric
here is scale invariant, so the division changes nothing but the rounding.
Sums are taken over the values sorted in ascending order, so a market's figures
do not depend on the order its companies come in (see :class:`Prepared`).

Undefined cases: an empty array, or an array whose total is 0, has no shares;
the functions raise ``ValueError`` there and callers (``concentration``) report a
``status`` instead of metrics.
"""

from __future__ import annotations

import math
from typing import Iterable, Sequence, Union

import numpy as np

from aistruct.metric_registry import ATKINSON_EPSILONS, HANNAH_KAY_ALPHAS, param_key

DEFAULT_TOP = (1, 4, 8, 10)


def _as_array(values: Iterable[float]) -> np.ndarray:
    if isinstance(values, Prepared):
        return values.x
    x = np.asarray(values, dtype=np.float64).ravel()
    if x.size == 0:
        raise ValueError("no values")
    if not np.all(np.isfinite(x)):
        raise ValueError("values must be finite")
    if np.any(x < 0):
        raise ValueError("values must be non-negative")
    return x


class Prepared:
    """The validated values of one market and the arrays every metric derives from them.

    Every scalar metric is computed from the values sorted in ascending order, so
    a market's figures depend only on its values, never on the order the
    companies come in (a file sorted differently, another aggregation engine, a
    new pyarrow release: the same bits). Pass one ``Prepared(values)`` to several
    metric functions instead of the raw values and the checks, the sort and the
    shares are done once, not once per metric; the results are the same as with
    the raw values. Treat the arrays as read-only.
    """

    def __init__(self, values: Iterable[float]):
        self.x = _as_array(values)
        self._top: float | None = None
        self._ysum: float | None = None
        self._y: np.ndarray | None = None
        self._s: np.ndarray | None = None
        self._xsorted: np.ndarray | None = None
        self._ysorted: np.ndarray | None = None
        self._ssorted: np.ndarray | None = None
        self.memo: dict = {}  # figures other figures reuse (herfindahl, gini, entropy)

    @property
    def top(self) -> float:
        """The largest value; ValueError when it is 0 (a zero total: no shares)."""
        if self._top is None:
            top = self.x.max()
            if top <= 0:
                raise ValueError("total is zero")
            self._top = top
        return self._top

    @property
    def y(self) -> np.ndarray:
        """Values divided by their maximum (0 <= y <= 1), in input order."""
        if self._y is None:
            self._y = self.x / self.top
        return self._y

    @property
    def x_sorted(self) -> np.ndarray:
        """The values in ascending order."""
        if self._xsorted is None:
            self._xsorted = np.sort(self.x)
        return self._xsorted

    @property
    def y_sorted(self) -> np.ndarray:
        """``np.sort(y)`` (dividing by a positive number keeps the order)."""
        if self._ysorted is None:
            self._ysorted = self.x_sorted / self.top
        return self._ysorted

    @property
    def y_sum(self) -> float:
        """Sum of y, added in ascending order."""
        if self._ysum is None:
            self._ysum = self.y_sorted.sum()
        return self._ysum

    @property
    def s(self) -> np.ndarray:
        """Shares y / sum(y), in input order."""
        if self._s is None:
            self._s = self.y / self.y_sum
        return self._s

    @property
    def s_sorted(self) -> np.ndarray:
        """Shares in ascending order (``np.sort(s)``, without a second sort)."""
        if self._ssorted is None:
            self._ssorted = self.y_sorted / self.y_sum
        return self._ssorted

    @property
    def total(self) -> float:
        """Sum of the values, added in ascending order (inf when it overflows)."""
        with np.errstate(over="ignore"):
            return float(self.x_sorted.sum()) if self.x.size else 0.0


#: What every metric takes: raw values, or a :class:`Prepared` market to share the work.
Values = Union[Iterable[float], Prepared]


def _prepared(values: Values) -> Prepared:
    return values if isinstance(values, Prepared) else Prepared(values)


def shares(values: Values) -> np.ndarray:
    """Market shares s_i = x_i / sum(x) as fractions (overflow-safe)."""
    return _prepared(values).s


def _round_unit(v: float) -> float:
    # Guard the [0, 1] quantities against 1-ulp excursions from rounding.
    return float(min(max(v, 0.0), 1.0))


def herfindahl(values: Values) -> float:
    """Herfindahl index H = sum s_i^2 on the 0-1 scale (Herfindahl 1950).

    R ``ineq::conc(x, type="Herfindahl")`` gives 0.1840812 for
    x = 541, 1463, 2445, 3438, 4437, 5401, 6392, 8304, 11904, 22261.
    """
    p = _prepared(values)
    if "herfindahl" not in p.memo:
        s = p.s_sorted
        p.memo["herfindahl"] = _round_unit(float(np.dot(s, s)))
    return p.memo["herfindahl"]


def hhi(values: Values) -> float:
    """Herfindahl-Hirschman index sum (100 s_i)^2 on the 0-10,000 scale.

    The US DOJ/FTC example: shares 30, 30, 20, 20 give 2,600.
    """
    return herfindahl(values) * 10_000.0


def hhi_normalized(values: Values) -> float | None:
    """(H - 1/n) / (1 - 1/n), H on the 0-1 scale; ``None`` for a single company."""
    x = _prepared(values)
    n = x.x.size
    if n < 2:
        return None
    h = herfindahl(x)
    return _round_unit((h - 1.0 / n) / (1.0 - 1.0 / n))


def equivalent_firms(values: Values) -> float:
    """Numbers-equivalent 1/H: how many equal firms would give the same HHI (Adelman 1969)."""
    return 1.0 / herfindahl(values)


def concentration_ratio(values: Values, k: int) -> float:
    """CR_k: the combined share of the k largest companies, as a fraction.

    k >= n gives exactly 1.0. From the sorted shares (O(n log n)).
    """
    if k < 1:
        raise ValueError("k must be at least 1")
    s = _prepared(values).s_sorted
    if k >= s.size:
        return 1.0
    top = s[s.size - k :][::-1]
    return _round_unit(float(top.sum()))


def concentration_ratios(values: Values, ks: Sequence[int] = DEFAULT_TOP) -> dict[str, float]:
    """``{str(k): CR_k}`` for every k, from one sort (O(n log n))."""
    s = _prepared(values).s_sorted[::-1]
    cum = np.cumsum(s)
    out: dict[str, float] = {}
    for k in ks:
        if k < 1:
            raise ValueError("k must be at least 1")
        out[str(k)] = 1.0 if k >= s.size else _round_unit(float(cum[k - 1]))
    return out


def gini(values: Values) -> float:
    """Gini coefficient G = sum_i sum_j |x_i - x_j| / (2 n^2 mean).

    Computed in O(n log n) from the sorted values x_(1) <= ... <= x_(n) as
    G = sum_i (2i - n - 1) (x_(i) - x_(1)) / (n sum x); subtracting the minimum
    leaves the sum unchanged (the weights sum to zero) and makes equal values
    give exactly 0. Range 0 .. 1 - 1/n. R ``ineq::Gini`` gives 0.4620911 for
    the reference vector above (Gini 1912; ineq documentation).
    """
    p = _prepared(values)
    if "gini" in p.memo:
        return p.memo["gini"]
    y = p.y_sorted
    n = y.size
    if n == 1:
        return 0.0
    i = np.arange(1, n + 1, dtype=np.float64)
    num = float(np.dot(2.0 * i - n - 1.0, y - y[0]))
    g = num / (n * float(p.y_sum))
    p.memo["gini"] = float(min(max(g, 0.0), 1.0 - 1.0 / n))
    return p.memo["gini"]


def gini_corrected(values: Values) -> float | None:
    """Small-sample Gini G * n / (n - 1) (range 0..1); ``None`` for a single company."""
    x = _prepared(values)
    if x.x.size < 2:
        return None
    return _round_unit(gini(x) * x.x.size / (x.x.size - 1))


def theil(values: Values) -> float:
    """Theil T index (1/n) sum (x_i/mean) ln(x_i/mean), with 0 ln 0 = 0 (Theil 1967).

    Equal to ln n - entropy; 0 for equal values, ln n when one company holds everything.
    """
    s = _prepared(values).s_sorted
    n = s.size
    pos = s[s > 0]
    t = float(np.sum(pos * np.log(n * pos)))
    return float(min(max(t, 0.0), math.log(n))) + 0.0  # + 0.0 turns -0.0 into 0.0


def entropy(values: Values) -> float:
    """Shannon entropy -sum s_i ln s_i (natural log), with 0 ln 0 = 0."""
    p = _prepared(values)
    if "entropy" not in p.memo:
        s = p.s_sorted
        pos = s[s > 0]
        p.memo["entropy"] = float(max(-np.sum(pos * np.log(pos)), 0.0)) + 0.0  # never -0.0
    return p.memo["entropy"]


def entropy_normalized(values: Values) -> float | None:
    """Entropy / ln n on 0..1 (1 = equal shares); ``None`` for a single company."""
    x = _prepared(values)
    if x.x.size < 2:
        return None
    return _round_unit(entropy(x) / math.log(x.x.size))


def atkinson(values: Values, epsilon: float) -> float:
    """Atkinson index A_e = 1 - (mean((x/mean)^(1-e)))^(1/(1-e)); A_1 = 1 - geomean/mean.

    Atkinson (1970). With a zero value and e >= 1 the generalised mean is 0 and
    A = 1 (the limit). R ``ineq::Atkinson`` gives 0.1796591 (e = 0.5) and
    0.3518251 (e = 1) for the reference vector above.
    """
    if epsilon < 0:
        raise ValueError("epsilon must be non-negative")
    s = _prepared(values).s_sorted
    n = s.size
    r = n * s  # x / mean
    if epsilon == 0:
        return 0.0
    if np.any(r == 0) and epsilon >= 1:
        return 1.0
    if epsilon == 1:
        gm = math.exp(float(np.mean(np.log(r))))
        return _round_unit(1.0 - gm)
    p = 1.0 - epsilon
    m = float(np.mean(np.power(r, p)))
    return _round_unit(1.0 - m ** (1.0 / p))


def atkinson_indices(values: Values, epsilons: Sequence[float] = ATKINSON_EPSILONS) -> dict[str, float]:
    """``{param_key(e): A_e}`` for every epsilon (JSON keys ``"0.5"``, ``"1"``, ``"2"`` by default).

    >>> atkinson_indices([5, 5, 5, 5])
    {'0.5': 0.0, '1': 0.0, '2': 0.0}
    """
    p = _prepared(values)
    return {param_key(e): atkinson(p, e) for e in epsilons}


def lorenz_at(values: Values, p: float) -> float:
    """The Lorenz curve at population fraction p, linear between the points (i/n, L_i)."""
    return lorenz_points(values, (p,))[0]


def lorenz_points(values: Values, ps: Sequence[float]) -> list[float]:
    """The Lorenz curve at several population fractions, from one sort."""
    s = _prepared(values).s_sorted
    n = s.size
    cum = np.concatenate(([0.0], np.cumsum(s)))
    out = []
    for p in ps:
        pos = p * n
        i = min(int(math.floor(pos)), n - 1)
        frac = pos - i
        out.append(float(cum[i] + frac * (cum[i + 1] - cum[i])))
    return out


def palma(values: Values) -> float | None:
    """Palma ratio: share of the top 10% of companies / share of the bottom 40% (Palma 2011).

    Fractions of companies are read off the Lorenz curve interpolated linearly
    between its points, so any n works: (1 - L(0.9)) / L(0.4). Equal values give
    0.25. ``None`` when the bottom 40% hold nothing.
    """
    low, high = lorenz_points(values, (0.4, 0.9))
    if low <= 0:
        return None
    return float((1.0 - high) / low)


def rosenbluth(values: Values) -> float:
    """Rosenbluth index RB = 1 / (2 sum_i i s_(i) - 1), companies ranked largest first (i = 1 .. n).

    Rosenbluth (1955) and Hall & Tideman (1967) proposed the same index (it is
    also called the Hall-Tideman index); it weights each share by its rank, so
    it reacts to the number of small companies as the HHI does not. Equivalent
    to 1 / (n (1 - G)) with G the Gini coefficient; 1/n for equal shares, 1 for
    a monopoly (a company with value 0 still counts: it adds nothing to the sum).
    R ``ineq::conc(x, type="Rosenbluth")`` gives 0.1859051 for the reference
    vector above.

    >>> round(rosenbluth([30, 30, 20, 20]), 12)  # 1 / (2 (.3 + .6 + .6 + .8) - 1) = 1 / 3.6 = 5/18
    0.277777777778
    >>> rosenbluth([5, 5, 5, 5]), rosenbluth([7]), rosenbluth([1, 0, 0])
    (0.25, 1.0, 1.0)
    """
    s = _prepared(values).s_sorted[::-1]
    i = np.arange(1, s.size + 1, dtype=np.float64)
    return float(1.0 / (2.0 * float(np.dot(i, s)) - 1.0))


def hannah_kay(values: Values, alpha: float) -> float:
    """Hannah-Kay numbers-equivalent N_a = (sum_i s_i^a)^(1 / (1 - a)), a > 0, a != 1.

    Hannah and Kay (1977): the number of equal-sized companies with the same
    concentration when shares are weighted by the order a. N_2 = 1/H is
    :func:`equivalent_firms`; as a -> 1, N_a -> exp(entropy); a < 2 weighs the
    small companies more, a > 2 the large ones. From 1 (a monopoly) to n (equal
    shares); companies with value 0 add nothing (0^a = 0). The result is kept in
    [1, n] against rounding.

    >>> round(hannah_kay([9, 16], 0.5), 12)  # (3/5 + 4/5)^2 = 49/25
    1.96
    >>> hannah_kay([5, 5, 5, 5], 3), hannah_kay([7], 0.5)
    (4.0, 1.0)
    """
    if not alpha > 0 or alpha == 1:
        raise ValueError("alpha must be positive and not 1")
    s = _prepared(values).s_sorted
    pos = s[s > 0]
    total = float(np.sum(np.power(pos, float(alpha))))
    n_alpha = total ** (1.0 / (1.0 - float(alpha)))
    return float(min(max(n_alpha, 1.0), float(s.size)))


def hannah_kay_indices(values: Values, alphas: Sequence[float] = HANNAH_KAY_ALPHAS) -> dict[str, float]:
    """``{param_key(a): N_a}`` for every order a (JSON keys ``"0.5"`` and ``"3"`` by default).

    >>> hannah_kay_indices([5, 5, 5, 5])
    {'0.5': 4.0, '3': 4.0}
    """
    p = _prepared(values)
    return {param_key(a): hannah_kay(p, a) for a in alphas}


# ---------------------------------------------------------------- the unseen tail


def fringe_bounds(values: Values, fringe: float, ks: Sequence[int] = DEFAULT_TOP) -> dict:
    """HHI and CR-k of a market whose listed companies ``values`` leave a fringe ``fringe`` unobserved.

    Shares are of the whole market, T = sum(values) + fringe. The lower HHI counts
    the fringe as atomised (countless tiny companies add nothing: the agencies'
    convention); the upper HHI splits it into q = floor(F / m) companies of the size
    m of the smallest listed company, plus the remainder r = F - q m: the most
    concentrated tail consistent with the table (no unlisted company is larger than
    a listed one). CR-k is exact for k up to the listed companies; beyond them the
    lower bound adds nothing and the upper bound takes in fringe companies of size m
    (and then r). With no positive listed company, the fringe may be one company.

    Returns ``{"total", "hhi": [lo, hi], "equivalent_firms": [lo, hi], "cr": {k: [lo, hi]}}``
    (``equivalent_firms`` is 10,000 / HHI, so its low end comes from the high HHI).

    Top 3 of 40, 30 and 20 in a market of 100: the fringe of 10 is at most one
    company of 10 (smaller than the smallest listed, 20):

    >>> b = fringe_bounds([40, 30, 20], 10, ks=(1, 4))
    >>> b["hhi"], b["cr"]
    ([2900.0, 3000.0], {'1': [0.4, 0.4], '4': [0.9, 1.0]})
    """
    x = values.x if isinstance(values, Prepared) else np.asarray(list(values), dtype=np.float64).ravel()
    if x.size:
        x = _as_array(x)  # the metrics' checks: finite, not negative
    f = float(fringe)
    if not (f >= 0 and np.isfinite(f)):
        raise ValueError("the fringe must be a finite number of at least 0")
    observed = float(np.sort(x).sum()) if x.size else 0.0
    total = observed + f
    if not total > 0:
        raise ValueError("total is zero")
    positive = x[x > 0]
    m = float(positive.min()) if positive.size else f
    q, r = (divmod(f, m) if m > 0 else (0.0, 0.0)) if f > 0 else (0.0, 0.0)
    if positive.size and q and q * m > f:  # float divmod guard
        q -= 1
        r = f - q * m
    scale = observed / total
    hhi_obs = hhi(x) if positive.size else 0.0
    lo = hhi_obs * scale * scale
    hi = lo + 10_000.0 * (q * (m / total) ** 2 + (r / total) ** 2)
    lo, hi = min(lo, 10_000.0), min(hi, 10_000.0)
    s_desc = (np.sort(x)[::-1] / total) if x.size else np.zeros(0)
    cum = np.cumsum(s_desc)
    n = int(x.size)
    cr: dict[str, list[float]] = {}
    for k in ks:
        if k < 1:
            raise ValueError("k must be at least 1")
        extra = k - n
        if extra < 0:
            cr[str(k)] = [_round_unit(float(cum[k - 1]))] * 2
            continue
        whole = min(float(extra), q)
        add = whole * m + (r if extra > q else 0.0)
        cr[str(k)] = [_round_unit(scale), _round_unit((observed + add) / total)]
    return {
        "total": total,
        "hhi": [lo, hi],
        "equivalent_firms": [10_000.0 / hi if hi > 0 else None, 10_000.0 / lo if lo > 0 else None],
        "cr": cr,
    }
