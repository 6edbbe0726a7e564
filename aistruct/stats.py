"""Trend statistics of a series in time order: the Mann-Kendall test and the OLS slope.

* :func:`mann_kendall`: the Mann-Kendall trend test (Mann 1945, Kendall 1975),
  which asks only whether later values tend to be higher (or lower) than
  earlier ones, with no assumption on the shape or the noise; exact p-value
  from :func:`inversion_counts` for short series, tie-corrected normal
  approximation for long ones;
* :func:`ols_slope`: the least-squares slope (how much per step, on average).

The helpers are public because they are useful on their own: :func:`mk_statistic`
(S in O(n log n) with a Fenwick tree, :func:`fenwick_add` / :func:`fenwick_sum`),
:func:`tie_sizes`, and the q-integer products behind the exact null
distribution (:func:`q_integer_mul`, :func:`q_integer_div`).

:mod:`aistruct.trend` applies them to metrics followed period by period.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction

#: Series up to this length get the exact permutation p-value; longer ones the normal approximation.
EXACT_MAX_N = 50


@dataclass(frozen=True)
class MannKendall:
    """Result of :func:`mann_kendall`.

    Attributes
    ----------
    n : int
        Length of the series.
    s : int
        The Mann-Kendall statistic S = sum over i < j of sign(x_j - x_i).
    tau : float or None
        Kendall's tau-b of the series against time; None when every value is
        tied (0/0) or there are fewer than 2 values.
    p_value : float or None
        Two-sided p-value, P(|S| >= |s|) under no trend; None with fewer than
        2 values.
    var_s : float
        The tie-corrected variance of S under no trend.
    method : str
        ``"exact"`` (permutation distribution) or ``"normal"`` (approximation).
    """

    n: int
    s: int
    tau: float | None
    p_value: float | None
    var_s: float
    method: str


def tie_sizes(x: Sequence[float]) -> list[int]:
    """Sizes of the groups of equal values in ``x``, singletons left out.

    Parameters
    ----------
    x : sequence of float
        The values (any hashable values work).

    Returns
    -------
    list of int
        One entry t > 1 per distinct value that occurs t times, in order of first occurrence.

    Examples
    --------
    >>> tie_sizes([1, 2, 2, 3, 3, 3])
    [2, 3]
    >>> tie_sizes([4, 5, 6])
    []
    """
    counts: dict = {}
    for v in x:
        counts[v] = counts.get(v, 0) + 1
    return [t for t in counts.values() if t > 1]


def fenwick_sum(tree: list, i: int) -> int:
    """Sum of the first ``i`` entries counted in a Fenwick (binary indexed) tree.

    ``tree`` is a list of ``size`` integers, 1-based (``tree[0]`` unused), built
    with :func:`fenwick_add`; both operations take O(log size) steps (Fenwick 1994).

    Parameters
    ----------
    tree : list of int
        The tree.
    i : int
        How many leading positions (1 .. i) to sum; 0 gives 0.

    Returns
    -------
    int

    References
    ----------
    Fenwick, P. M. (1994). A new data structure for cumulative frequency tables.
    *Software: Practice and Experience* 24(3), 327-336.

    Examples
    --------
    >>> tree = [0] * 5
    >>> fenwick_add(tree, 1)
    >>> fenwick_add(tree, 3)
    >>> fenwick_add(tree, 3)
    >>> fenwick_sum(tree, 2), fenwick_sum(tree, 3), fenwick_sum(tree, 4)
    (1, 3, 3)
    """
    total = 0
    while i > 0:
        total += tree[i]
        i -= i & -i
    return total


def fenwick_add(tree: list, i: int) -> None:
    """Count one more item at 1-based position ``i`` of a Fenwick tree (in place).

    See :func:`fenwick_sum` for the layout, the reference and an example.

    Parameters
    ----------
    tree : list of int
        The tree, modified in place.
    i : int
        Position, 1 <= i < len(tree).
    """
    while i < len(tree):
        tree[i] += 1
        i += i & -i


def mk_statistic(x: Sequence[float]) -> int:
    """The Mann-Kendall statistic S = sum over i < j of sign(x_j - x_i), in O(n log n).

    S is the number of pairs that rise minus the number that fall. Instead of
    comparing all n(n-1)/2 pairs, each value is compared with the earlier ones
    through a Fenwick tree over dense ranks (:func:`fenwick_add`,
    :func:`fenwick_sum`).

    Parameters
    ----------
    x : sequence of float
        The series in time order.

    Returns
    -------
    int
        S; 0 with fewer than 2 values.

    References
    ----------
    Mann, H. B. (1945). Nonparametric tests against trend. *Econometrica* 13(3), 245-259.

    Examples
    --------
    [1, 3, 2]: pairs (1,3) +1, (1,2) +1, (3,2) -1.

    >>> mk_statistic([1, 3, 2])
    1
    >>> mk_statistic([5, 4, 1])
    -3
    >>> mk_statistic([1, 1, 2])
    2
    """
    import numpy as np

    a = np.asarray(x, dtype=np.float64)
    n = a.size
    if n < 2:
        return 0
    # S = concordant - discordant = (pairs with a_i < a_j, i < j) - (pairs with a_i > a_j, i < j).
    # Count with ranks: for each j, #earlier smaller - #earlier larger, via a Fenwick tree
    # over dense ranks (n is a number of periods, small, but this keeps it O(n log n)).
    _, ranks = np.unique(a, return_inverse=True)
    size = int(ranks.max()) + 2
    tree = [0] * size
    s = 0
    for j, r in enumerate(ranks.tolist(), start=0):
        # earlier values with rank < r, and with rank <= r
        less = fenwick_sum(tree, r)
        less_eq = fenwick_sum(tree, r + 1)
        greater = j - less_eq
        s += less - greater
        fenwick_add(tree, r + 1)
    return int(s)


def q_integer_mul(poly: list, j: int) -> list:
    """``poly`` times the q-integer [j]_q = 1 + q + ... + q^(j-1), with prefix sums (O(len)).

    Polynomials are lists of coefficients, constant term first.

    Parameters
    ----------
    poly : list of int
        Coefficients of the polynomial in q.
    j : int
        j >= 1.

    Returns
    -------
    list of int
        Coefficients of the product, ``len(poly) + j - 1`` of them.

    Examples
    --------
    (1 + q)(1 + q + q^2) = 1 + 2q + 2q^2 + q^3:

    >>> q_integer_mul([1, 1], 3)
    [1, 2, 2, 1]
    """
    out = [0] * (len(poly) + j - 1)
    run = 0
    for k in range(len(out)):
        if k < len(poly):
            run += poly[k]
        if k - j >= 0:
            run -= poly[k - j]
        out[k] = run
    return out


def q_integer_div(poly: list, j: int) -> list:
    """``poly`` divided by [j]_q = 1 + q + ... + q^(j-1), when the division is exact.

    Computed as times (1 - q), then divided by (1 - q^j), in O(len).

    Parameters
    ----------
    poly : list of int
        Coefficients of a multiple of [j]_q, constant term first.
    j : int
        j >= 1.

    Returns
    -------
    list of int
        Coefficients of the quotient, ``len(poly) - j + 1`` of them.

    Examples
    --------
    >>> q_integer_div([1, 2, 2, 1], 3)
    [1, 1]
    """
    diff = [poly[k] - (poly[k - 1] if k else 0) for k in range(len(poly))] + [-poly[-1]]
    out = [0] * (len(poly) - j + 1)
    for k in range(len(out)):
        out[k] = diff[k] + (out[k - j] if k >= j else 0)
    return out


def inversion_counts(n: int, ties: Sequence[int] = ()) -> list[int]:
    """Coefficients of the q-multinomial [n; t_1, ..., t_k]_q: arrangements by inversions.

    Entry m is the number of distinct arrangements of a multiset with tie
    groups ``ties`` (singletons omitted) that have exactly m inversions
    (MacMahon 1916). Under "no trend" every arrangement is equally likely, so
    this is the exact null distribution of S = (n0 - n1) - 2 * inversions,
    computed without enumerating permutations: O(n^3) integer operations.

    Parameters
    ----------
    n : int
        Number of values.
    ties : sequence of int
        Sizes of the groups of equal values (as from :func:`tie_sizes`).

    Returns
    -------
    list of int
        Counts for 0, 1, 2, ... inversions; they sum to n! / (t_1! ... t_k!).

    References
    ----------
    MacMahon, P. A. (1916). *Combinatory Analysis*, vol. 1. Cambridge University Press.
    OEIS A008302 (Mahonian numbers, the case without ties).

    Examples
    --------
    The 24 orders of 4 distinct values by inversions (OEIS A008302, row 4):

    >>> inversion_counts(4)
    [1, 3, 5, 6, 5, 3, 1]

    The 6 arrangements of 1122 (1122, 1212, 1221, 2112, 2121, 2211):

    >>> inversion_counts(4, [2, 2])
    [1, 1, 2, 1, 1]
    """
    poly = [1]
    for j in range(2, n + 1):
        poly = q_integer_mul(poly, j)
    for t in ties:
        for j in range(2, t + 1):
            poly = q_integer_div(poly, j)
    return poly


def mann_kendall(x: Sequence[float], *, exact_max: int = EXACT_MAX_N, continuity: bool = True) -> MannKendall:
    """Mann-Kendall trend test of a series in time order.

    S = sum_{i<j} sign(x_j - x_i). tau is Kendall's tau-b between the series and
    time: tau = S / sqrt(n0 (n0 - n1)), n0 = n(n-1)/2, n1 = sum t(t-1)/2 over tie
    groups of size t (time itself has no ties); without ties it equals tau-a.

    p_value is two-sided, P(|S| >= |s|) under no trend:

    * exact for n <= ``exact_max``: the permutation distribution of S given the
      observed ties (every distinct arrangement equally likely), from
      :func:`inversion_counts`;
    * beyond that, the normal approximation with the tie-corrected variance
      var(S) = [n(n-1)(2n+5) - sum t(t-1)(2t+5)] / 18 and a continuity
      correction, z = (S - sign(S)) / sqrt(var(S)) (Kendall 1975; Hipel & McLeod 1994).

    Fewer than 2 values: S = 0 and tau and p_value are None. Every value tied:
    tau is None (0/0) and p_value is 1.

    Parameters
    ----------
    x : sequence of float
        The series in time order.
    exact_max : int
        Longest series given the exact p-value (default :data:`EXACT_MAX_N`).
    continuity : bool
        Apply the continuity correction in the normal approximation.

    Returns
    -------
    MannKendall

    References
    ----------
    Mann, H. B. (1945). Nonparametric tests against trend. *Econometrica* 13(3), 245-259.
    Kendall, M. G. (1945). The treatment of ties in ranking problems. *Biometrika* 33(3), 239-251.
    Kendall, M. G. (1975). *Rank Correlation Methods*, 4th ed. Griffin, London.
    Hipel, K. W. & McLeod, A. I. (1994). *Time Series Modelling of Water Resources and
    Environmental Systems*. Elsevier, ch. 23.

    Examples
    --------
    Five rising values: S = 10 (every pair rises), tau = 1, and only 2 of the
    5! = 120 orders reach |S| = 10, so p = 2/120:

    >>> r = mann_kendall([1, 2, 3, 4, 5])
    >>> r.s, r.tau, r.method, round(r.p_value, 6)
    (10, 1.0, 'exact', 0.016667)

    [1, 2, 2, 3]: S = 5; of the 12 distinct arrangements only 1223 and 3221
    reach |S| = 5, so p = 2/12; var(S) = (4*3*13 - 2*1*9) / 18 = 138/18:

    >>> r = mann_kendall([1, 2, 2, 3])
    >>> r.s, round(r.p_value, 6), round(r.var_s, 6)
    (5, 0.166667, 7.666667)

    The same on the normal path: z = (5 - 1) / sqrt(138/18) = 1.44463,
    p = 2 (1 - Phi(z)):

    >>> round(mann_kendall([1, 2, 2, 3], exact_max=0).p_value, 6)
    0.148562
    """
    n = len(x)
    ties = tie_sizes(x)
    n0 = n * (n - 1) // 2
    n1 = sum(t * (t - 1) // 2 for t in ties)
    var_s = (n * (n - 1) * (2 * n + 5) - sum(t * (t - 1) * (2 * t + 5) for t in ties)) / 18.0
    if n < 2:
        return MannKendall(n=n, s=0, tau=None, p_value=None, var_s=0.0, method="exact")
    s = mk_statistic(x)
    tau = s / math.sqrt(n0 * (n0 - n1)) if n0 > n1 else None
    if n0 == n1:  # every value tied: S is 0 in every arrangement
        return MannKendall(n=n, s=0, tau=None, p_value=1.0, var_s=0.0, method="exact")
    if n <= exact_max:
        counts = inversion_counts(n, ties)
        m = n0 - n1  # pairs that can be ordered; S = m - 2 * inversions
        hit = sum(c for inv, c in enumerate(counts) if abs(m - 2 * inv) >= abs(s))
        p = float(Fraction(hit, sum(counts)))
        return MannKendall(n=n, s=s, tau=tau, p_value=min(1.0, p), var_s=var_s, method="exact")
    num = s - (1 if s > 0 else -1 if s < 0 else 0) if continuity else s
    z = num / math.sqrt(var_s)
    p = math.erfc(abs(z) / math.sqrt(2.0))
    return MannKendall(n=n, s=s, tau=tau, p_value=min(1.0, p), var_s=var_s, method="normal")


def ols_slope(x: Sequence[float], y: Sequence[float]) -> float | None:
    """Least-squares slope of y on x: sum (x - mean x)(y - mean y) / sum (x - mean x)^2.

    y is divided by its largest magnitude first, so values near 1e308 do not
    overflow the sums; the sums are exact-rounded (:func:`math.fsum`).

    Parameters
    ----------
    x, y : sequence of float
        Positions (e.g. calendar periods, gaps allowed) and values, the same length.

    Returns
    -------
    float or None
        The slope in units of y per unit of x. None with fewer than 2 points,
        lengths that differ, all x equal, a non-finite y, or when the slope
        itself exceeds the float range.

    References
    ----------
    Draper, N. R. & Smith, H. (1998). *Applied Regression Analysis*, 3rd ed. Wiley, ch. 1.

    Examples
    --------
    x mean 1, y mean 2: sum dx dy = (-1)(-1) + 0 + (1)(0) = 1, sum dx^2 = 2:

    >>> ols_slope([0, 1, 2], [1, 3, 2])
    0.5

    A missing period leaves a gap on the x axis, so the slope stays per period:

    >>> round(ols_slope([2023, 2024, 2026], [1, 2, 4]), 12)
    1.0
    >>> ols_slope([2024], [1]) is None
    True
    """
    n = len(x)
    if n < 2 or len(y) != n:
        return None
    # x is scaled like y: periods such as 1e308 overflowed the squares (OverflowError)
    xscale = max(abs(a) for a in x)
    if xscale == 0 or not math.isfinite(xscale):
        return None
    x = [a / xscale for a in x]
    mx = math.fsum(x) / n
    sxx = math.fsum((a - mx) ** 2 for a in x)
    if sxx == 0:
        return None
    scale = max(abs(b) for b in y)
    if scale == 0:
        return 0.0
    if not math.isfinite(scale):
        return None
    ys = [b / scale for b in y]
    my = math.fsum(ys) / n
    slope = math.fsum((a - mx) * (b - my) for a, b in zip(x, ys)) / sxx * scale / xscale
    return slope if math.isfinite(slope) else None
