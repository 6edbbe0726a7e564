"""The tiers core: breaks, tier assignment, shares and each missing-middle diagnostic."""

import itertools
import math
import statistics

import numpy as np
import pandas as pd
import pytest
from conftest import FIXTURES

from aistruct.errors import UsageError
from aistruct.tiers import (
    BIMODALITY_THRESHOLD,
    METHODS,
    PRESETS,
    TIER_KEYS,
    TierOptions,
    assign_tiers,
    bimodality_coefficient,
    dip,
    esteban_ray,
    expected_middle_share,
    headtail_breaks,
    market_tiers,
    middle_cuts,
    natural_breaks,
    parse_bounds,
    shape,
    shape_checks,
    tier_bounds,
    tier_diagnostics,
    tier_shares,
    tiers_report,
    wolfson,
)


def test_public_constants():
    assert TIER_KEYS == ("small", "middle", "giant")
    assert PRESETS == {"headcount": (50.0, 500.0)}
    assert METHODS == ("natural", "headtail")


# ---------------------------------------------------------------- natural breaks


def _ssq(parts) -> float:
    return sum(float(((p - p.mean()) ** 2).sum()) for p in parts if p.size)


def _brute_force(sizes):
    """Every (i, j) split of the sorted log10 sizes, ties allowed to split: (best cost, best partitions)."""
    x = np.sort(np.log10(np.asarray([s for s in sizes if s > 0], dtype=float)))
    n = x.size
    costs = {}
    for i, j in itertools.combinations(range(1, n), 2):
        costs[(i, j)] = _ssq([x[:i], x[i:j], x[j:]])
    best = min(costs.values())
    return best, [k for k, c in costs.items() if c <= best + 1e-9], x


def test_natural_breaks_agree_with_brute_force_on_200_random_inputs():
    rng = np.random.default_rng(20260401)
    checked = 0
    for trial in range(200):
        n = int(rng.integers(3, 13))
        kind = trial % 4
        if kind == 0:  # log-normal, continuous
            sizes = 10 ** rng.normal(2.0, 1.0, n)
        elif kind == 1:  # small integers: many ties
            sizes = rng.integers(1, 9, n).astype(float)
        elif kind == 2:  # two humps
            sizes = np.concatenate([10 ** rng.normal(1, 0.2, n // 2), 10 ** rng.normal(4, 0.2, n - n // 2)])
        else:  # with zeros, which go to small and do not enter the optimisation
            sizes = np.where(rng.random(n) < 0.3, 0.0, rng.integers(1, 1000, n).astype(float))
        b = natural_breaks(sizes)
        positive = sizes[sizes > 0]
        if np.unique(positive).size < 3:
            assert b is None
            continue
        low, high = b
        t = assign_tiers(sizes, low, high)
        assert (t[sizes == 0] == 0).all()
        lg = np.log10(positive)
        tp = assign_tiers(positive, low, high)
        ours = _ssq([lg[tp == k] for k in range(3)])
        best, argbest, x = _brute_force(sizes)
        assert ours == pytest.approx(best, abs=1e-9), (sizes, b)
        # the partition itself matches when the optimum is unique
        if len(argbest) == 1:
            i, j = argbest[0]
            assert np.bincount(tp, minlength=3).tolist() == [i, j - i, x.size - j]
        checked += 1
    assert checked > 150


def _reference_fisher_jenks3(x, w):
    """The divide and conquer over every cut position, as natural breaks computed it before the
    window search (kept verbatim as the reference the faster search must reproduce exactly)."""
    from aistruct.tiers import _segment_first_argmin

    m = x.size
    xc = x - float(np.average(x, weights=w))
    W = np.concatenate(([0.0], np.cumsum(w)))
    S = np.concatenate(([0.0], np.cumsum(w * xc)))
    Q = np.concatenate(([0.0], np.cumsum(w * xc * xc)))

    def ssq(a, b):
        ww = W[b] - W[a]
        s = S[b] - S[a]
        return np.maximum(Q[b] - Q[a] - s * s / ww, 0.0)

    d1 = np.empty(m + 1)
    d1[0] = 0.0
    d1[1:] = ssq(0, np.arange(1, m + 1))
    d2 = np.full(m + 1, np.inf)
    opt = np.zeros(m + 1, dtype=np.int64)
    jlo = np.array([2], dtype=np.int64)
    jhi = np.array([m], dtype=np.int64)
    olo = np.array([1], dtype=np.int64)
    ohi = np.array([m - 1], dtype=np.int64)
    while jlo.size:
        mid = (jlo + jhi) // 2
        hi = np.minimum(ohi, mid - 1)
        counts = hi - olo + 1
        starts = np.concatenate(([0], np.cumsum(counts)[:-1]))
        task = np.repeat(np.arange(mid.size), counts)
        i = olo[task] + (np.arange(task.size) - starts[task])
        ww = np.repeat(W[mid], counts) - W[i]
        ss = np.repeat(S[mid], counts) - S[i]
        tail = np.repeat(Q[mid], counts) - Q[i] - ss * ss / ww
        cost = d1[i] + np.maximum(tail, 0.0)
        mins, first = _segment_first_argmin(cost, starts)
        best = i[first]
        d2[mid] = mins
        opt[mid] = best
        left = jlo <= mid - 1
        right = mid + 1 <= jhi
        jlo, jhi, olo, ohi = (
            np.concatenate((jlo[left], mid[right] + 1)),
            np.concatenate((mid[left] - 1, jhi[right])),
            np.concatenate((olo[left], best[right])),
            np.concatenate((best[left], ohi[right])),
        )
    j = np.arange(2, m)
    total = d2[j] + ssq(j, m)
    jb = int(j[int(np.argmin(total))])
    return int(opt[jb]), jb


def _log_distinct(sizes):
    u, c = np.unique(np.asarray(sizes, dtype=float), return_counts=True)
    keep = u > 0
    return np.log10(u[keep]), c[keep].astype(float)


def _random_sizes(rng, n, kind):
    if kind == 0:  # log-normal, continuous
        return 10 ** rng.normal(2.0, 1.0, n)
    if kind == 1:  # small integers: many ties
        return rng.integers(1, 9, n).astype(float)
    if kind == 2:  # two humps
        return np.concatenate([10 ** rng.normal(1, 0.2, n // 2), 10 ** rng.normal(4, 0.2, n - n // 2)])
    if kind == 3:  # cents, as money is recorded: repeated values
        return np.round(rng.lognormal(8, 2, n), 2)
    if kind == 4:  # three equal clusters of repeated values (ties between partitions)
        return rng.choice([1.0, 10.0, 100.0, 1000.0], n)
    return np.round(rng.uniform(1, 50, n))  # flat: no clear cut


def test_fisher_jenks_window_search_matches_the_full_search_on_small_inputs():
    """Forced to narrow even tiny inputs (blocks of a few points), the search returns exactly the
    cuts of the full divide and conquer, and its cost is the brute-force optimum."""
    from aistruct.tiers import _fisher_jenks3

    rng = np.random.default_rng(190)
    checked = 0
    for trial in range(600):
        n = int(rng.integers(3, 60))
        x, w = _log_distinct(_random_sizes(rng, n, trial % 6))
        if x.size < 3:
            continue
        ref = _reference_fisher_jenks3(x, w)
        for blocks in (2, 3, 5, 16):
            assert _fisher_jenks3(x, w, blocks=blocks, small=0) == ref, (x, w, blocks)
        assert _fisher_jenks3(x, w) == ref
        if x.size <= 25:
            pts = np.repeat(x, w.astype(int))
            cost = {}
            for i, j in itertools.combinations(range(1, x.size), 2):
                a, b = int(w[:i].sum()), int(w[:j].sum())
                cost[(i, j)] = _ssq([pts[:a], pts[a:b], pts[b:]])
            assert cost[ref] == pytest.approx(min(cost.values()), abs=1e-9)
        checked += 1
    assert checked > 500


def test_fisher_jenks_window_search_matches_the_full_search_on_large_inputs():
    from aistruct.tiers import _fisher_jenks3

    rng = np.random.default_rng(191)
    for trial, n in enumerate([5_000, 20_000, 60_000, 150_000, 300_000, 40_000, 90_000, 200_000, 12_000, 250_000]):
        x, w = _log_distinct(_random_sizes(rng, n, trial % 6))
        if x.size < 3:
            continue
        assert _fisher_jenks3(x, w) == _reference_fisher_jenks3(x, w), (trial, n)
        assert _fisher_jenks3(x, w, blocks=7, small=16) == _reference_fisher_jenks3(x, w), (trial, n)


def test_natural_breaks_on_one_two_and_three_distinct_values():
    assert natural_breaks([7.0]) is None
    assert natural_breaks([7.0] * 1000) is None
    assert natural_breaks([7.0] * 1000 + [8.0] * 5) is None
    assert natural_breaks([1.0, 2.0, 3.0]) == (2.0, 2.0)
    assert natural_breaks([np.nan, np.inf, -1.0, 0.0, 1.0, 2.0, 3.0]) == (2.0, 2.0)


def test_natural_breaks_bounds_are_observed_sizes_of_the_middle_class():
    # log10: 0 0.301 | 2 2.041 | 5 5.301 -- three obvious clusters
    sizes = [1, 2, 100, 110, 100000, 200000]
    assert natural_breaks(sizes) == (100.0, 110.0)
    assert assign_tiers(sizes, 100, 110).tolist() == [0, 0, 1, 1, 2, 2]


def test_natural_breaks_keeps_ties_together_and_needs_three_distinct_sizes():
    assert natural_breaks([5, 5, 5, 7, 7]) is None  # two distinct positive sizes
    assert natural_breaks([0, 0, 3, 4]) is None  # zeros do not count
    assert natural_breaks([]) is None
    # three distinct sizes: one class each, however many repeats
    assert natural_breaks([1, 1, 1, 1, 10, 1000, 1000]) == (10.0, 10.0)


def test_natural_breaks_is_fast_on_200k():
    import time

    x = np.random.default_rng(3).lognormal(3, 1.5, 200_000)
    t0 = time.perf_counter()
    natural_breaks(x)
    assert time.perf_counter() - t0 < 5.0  # O(n^2) would take minutes


# ---------------------------------------------------------------- head/tail


def test_headtail_breaks_hand_computed():
    # mean of 1,2,3,4,10,20,60 = 100/7 = 14.29; head = 20, 60; mean of head = 40
    # small <= 14.29 < middle <= 40 < giant  ->  low = 20 (smallest > m1), high = 20 (largest <= m2)
    sizes = [1, 2, 3, 4, 10, 20, 60]
    assert headtail_breaks(sizes) == (20.0, 20.0)
    assert assign_tiers(sizes, 20, 20).tolist() == [0, 0, 0, 0, 0, 1, 2]
    # mean of 1..10 = 5.5; head 6..10 (mean 8): middle 6,7,8; giant 9,10
    assert headtail_breaks(list(range(1, 11))) == (6.0, 8.0)


def test_headtail_breaks_single_valued_head_has_no_giants():
    # mean 2.5 of 1,2,3,4? no: use 1,2,3,30,30 -> mean 13.2; head = 30,30; mean 30 -> middle = {30}, giant empty
    assert headtail_breaks([1, 2, 3, 30, 30]) == (30.0, 30.0)
    assert headtail_breaks([4, 4, 9]) is None


# ---------------------------------------------------------------- assign, bounds, shares


def test_assign_tiers_inclusive_middle():
    assert assign_tiers([0, 49, 49.999, 50, 500, 500.0001, 501], 50, 500).tolist() == [0, 0, 0, 1, 1, 2, 2]
    assert assign_tiers([1.0], 50, 500).dtype == np.int8


@pytest.mark.parametrize(
    "text, expected",
    [
        ("50,500", (50.0, 500.0)),
        (" 50 , 500 ", (50.0, 500.0)),
        ("$10M,$1B", (1e7, 1e9)),
        ("1000万,10亿", (1e7, 1e9)),
        ("1,000,5,000", (1000.0, 5000.0)),  # the only comma leaving two numbers is the middle one
        ("1,000;10,000", (1000.0, 10000.0)),
        ("0,50", (0.0, 50.0)),
        ("2.5k,1.5m", (2500.0, 1.5e6)),
    ],
)
def test_parse_bounds_number_forms(text, expected):
    assert parse_bounds(text) == expected


@pytest.mark.parametrize("text", ["500,50", "50,50", "-5,10", "abc", "50", "50,", "1,000,000"])
def test_parse_bounds_rejects(text):
    with pytest.raises(UsageError):
        parse_bounds(text)


def test_parse_bounds_ambiguous_comma():
    # "1,000,500" could be 1 | 000,500 (=500) or 1,000 | 500; only the first has LOW < HIGH... and both are valid
    # numbers, so the LOW < HIGH preference decides: (1, 500).
    assert parse_bounds("1,000,500") == (1.0, 500.0)
    # 5 | 000,500,000 and 5,000 | 500,000 both read as LOW < HIGH: refuse to guess
    with pytest.raises(UsageError, match="ambiguous"):
        parse_bounds("5,000,500,000")
    # every split of 1,000,000,000 leaves HIGH = 0: reported as LOW >= HIGH
    with pytest.raises(UsageError, match="less than HIGH"):
        parse_bounds("1,000,000,000")


def test_tier_bounds_resolution_and_errors():
    sizes = [1, 2, 100, 110, 100000, 200000]
    assert tier_bounds(sizes) == (100.0, 110.0)  # natural by default
    assert tier_bounds(sizes, method="natural") == (100.0, 110.0)
    assert tier_bounds(sizes, bounds="50,500") == (50.0, 500.0)
    assert tier_bounds(sizes, bounds=(3, 4)) == (3.0, 4.0)
    assert tier_bounds([], preset="headcount") == (50.0, 500.0)
    assert tier_bounds([1, 2], bounds="1,2") == (1.0, 2.0)  # fixed bounds need no data
    assert tier_bounds([1, 2]) is None
    for kwargs in (
        {"method": "kmeans"},
        {"preset": "revenue"},
        {"bounds": (5, 5)},
        {"bounds": (-1, 5)},
        {"bounds": "50,500", "preset": "headcount"},
        {"bounds": (1, 2), "method": "natural"},
        {"bounds": 7},
    ):
        with pytest.raises(UsageError):
            tier_bounds(sizes, **kwargs)


def test_tier_bounds_decimal_comma():
    # European decimal mark: '1,5;10' is 1.5 and 10
    assert tier_bounds([], bounds="1,5;10", decimal=",") == (1.5, 10.0)


def test_tier_shares_hand_computed():
    sizes = [0, 5, 49, 50, 120, 500, 501, 3000, 12]
    values = [1, 2, 3, 4, 5, 6, 70, 900, 9]
    s = tier_shares(sizes, values, 50, 500)
    # small: 0,5,49,12 -> values 1+2+3+9 = 15; middle 50,120,500 -> 4+5+6 = 15; giant 501,3000 -> 970; total 1000
    assert s["small"] == {"count": 4, "count_share": 4 / 9, "value": 15.0, "value_share": pytest.approx(0.015)}
    assert s["middle"] == {"count": 3, "count_share": 3 / 9, "value": 15.0, "value_share": pytest.approx(0.015)}
    assert s["giant"] == {"count": 2, "count_share": 2 / 9, "value": 970.0, "value_share": pytest.approx(0.97)}
    zero = tier_shares([1, 2], [0, 0], 1, 1)
    assert zero["small"]["value_share"] is None and zero["middle"]["count"] == 1


def test_tier_shares_when_the_size_is_the_value_add_in_sorted_order_whatever_the_input_order():
    """Size = value (no --size) takes one sort; the sums are still those of the values added one
    by one in ascending order, so any order of the companies gives the same bits."""
    rng = np.random.default_rng(1902)
    for trial in range(40):
        n = int(rng.integers(1, 300))
        x = np.round(rng.lognormal(2, 2, n), 1 if trial % 2 else 4)
        x[rng.random(n) < 0.1] = 0.0
        low, high = sorted(rng.choice(x, 2))
        got = tier_shares(x, x.copy(), low, high)
        perm = rng.permutation(n)
        assert tier_shares(x[perm], x[perm], low, high) == got
        xs = np.sort(x)
        for k, key in enumerate(TIER_KEYS):
            part = xs[assign_tiers(xs, low, high) == k]
            acc = 0.0
            for v in part.tolist():
                acc += v
            assert got[key]["count"] == part.size and got[key]["value"] == acc


# ---------------------------------------------------------------- diagnostics


def test_bimodality_coefficient_hand_computed():
    # 0 x5, 1 x5: skew 0; m2 = 1/4, m4 = 1/16, g2 = -2; G2 = ((11)(-2) + 6) * 9 / (8 * 7) = -144/56;
    # 3 (n-1)^2 / ((n-2)(n-3)) = 243/56; BC = 1 / (99/56) = 56/99 = 0.5657 > 5/9
    assert bimodality_coefficient([0] * 5 + [1] * 5) == pytest.approx(56 / 99, rel=1e-12)
    assert 56 / 99 > BIMODALITY_THRESHOLD
    # 1, 2, 3, 10: mean 4, m2 = 12.5, m3 = 45, m4 = 348.5; g1 = 45 / 12.5^1.5 = 1.018234, g2 = -0.76960;
    # G1 = g1 * sqrt(12) / 2 = 1.763633, G1^2 = 3.110400; G2 = (5 g2 + 6) * 3 / 2 = 3.2280;
    # BC = (G1^2 + 1) / (G2 + 27/2) = 4.110400 / 16.7280 = 0.245720
    assert bimodality_coefficient([1, 2, 3, 10]) == pytest.approx(0.245720, abs=2e-6)
    assert bimodality_coefficient([1, 2, 3]) is None
    assert bimodality_coefficient([4, 4, 4, 4]) is None


def test_bimodality_coefficient_matches_scipy_bias_corrected_moments():
    from scipy.stats import kurtosis, skew

    x = np.random.default_rng(5).lognormal(0, 1, 50)
    g, k, n = skew(x, bias=False), kurtosis(x, bias=False), x.size
    assert bimodality_coefficient(x) == pytest.approx((g * g + 1) / (k + 3 * (n - 1) ** 2 / ((n - 2) * (n - 3))))


def test_dip_pinned_values():
    # equally spaced points: the dip takes its minimum 1/(2n) (Hartigan & Hartigan 1985), no evidence against
    # unimodality (p = 1); two equal point masses: dip = 1/4, the maximum, p = 0
    d, p = dip(np.arange(10.0))
    assert d == pytest.approx(1 / 20) and p == pytest.approx(1.0)
    d, p = dip([0.0] * 50 + [1.0] * 50)
    assert d == pytest.approx(0.25) and p == pytest.approx(0.0, abs=1e-12)
    assert dip([1.0, 2.0, 3.0]) == (None, None)
    assert dip([2.0] * 10) == (None, None)


# R's diptest::dip.test at the smallest dip, 1/(2n), for n = 4..9. The lowest
# tabulated quantiles of qDiptab all equal 1/(2n) for n <= 8; R's approx()
# averages the probabilities of tied quantiles (ties = mean), so P = 1 - their mean:
#   n = 4: probabilities 0 .01 .02 .05 .1 .2 .3 .4 .5 .6 tie -> 1 - 2.18/10 = 0.782 (R, issue 18)
#   n = 5: 0 .01 .02 .05 .1 .2 .3 -> 1 - 0.68/7;  n = 6: 0 .01 .02 .05 .1 -> 1 - 0.18/5
#   n = 7: 0 .01 .02 -> 1 - 0.03/3;  n = 8: 0 .01 -> 1 - 0.01/2;  n = 9: no tie -> 1
R_SMALLEST_DIP_P = {4: 0.782, 5: 1 - 0.68 / 7, 6: 1 - 0.18 / 5, 7: 0.99, 8: 0.995, 9: 1.0}


@pytest.mark.parametrize("n", sorted(R_SMALLEST_DIP_P))
def test_dip_p_value_of_the_smallest_dip_is_rs(n):
    # issue 18 item 5: sizes 1, 2, 3, 4 gave p = 0.40 (interpolation over the tied entries)
    d, p = dip(np.log10(np.arange(1.0, n + 1)) if n == 4 else np.arange(float(n)))
    assert d == pytest.approx(1 / (2 * n))
    assert p == pytest.approx(R_SMALLEST_DIP_P[n], abs=1e-12)


def test_dip_p_value_interpolates_like_r():
    from aistruct.tiers import dip_p_value

    # n = 4, d = 0.129: between the tie at sqrt(4)*0.125 = 0.25 (mean probability 0.218)
    # and sqrt(4)*0.13256 = 0.26512 (probability 0.7; the table holds 0.132559...), linearly
    by_hand = 1 - (0.218 + (0.258 - 0.25) / (0.26512 - 0.25) * (0.7 - 0.218))
    assert dip_p_value(4, 0.129) == pytest.approx(by_hand, abs=1e-4)
    # without ties R and the diptest package agree (rows interpolated on sqrt(n), then in the dip)
    import diptest.consts

    for n, d in [(12, 0.09), (40, 0.07), (150, 0.05), (1000, 0.02)]:
        assert dip_p_value(n, d) == pytest.approx(diptest.consts.Consts.compute_pval_interpolation(n, d), abs=1e-12)
    assert dip_p_value(4, 0.25) == 0.0 and dip_p_value(100, 0.0) == 1.0  # constant beyond the ends (rule = 2)


def test_esteban_ray_hand_computed():
    # counts 2, 1, 1 -> pi = 1/2, 1/4, 1/4; tier means 1, 4, 10, overall mean (2 + 4 + 10) / 4 = 4
    # -> y = 0.25, 1, 2.5. alpha = 1: P = sum_i pi_i^2 sum_j pi_j |y_i - y_j|
    #    = 1/4 (1/4 * 0.75 + 1/4 * 2.25) + 1/16 (1/2 * 0.75 + 1/4 * 1.5) + 1/16 (1/2 * 2.25 + 1/4 * 1.5)
    #    = 0.1875 + 0.046875 + 0.09375 = 0.328125
    assert esteban_ray([2, 1, 1], [1, 4, 10], 4.0, alpha=1.0) == pytest.approx(0.328125)
    # alpha = 1.3, the same sums with pi_i^2.3
    expected = (
        0.5**2.3 * (0.25 * 0.75 + 0.25 * 2.25)
        + 0.25**2.3 * (0.5 * 0.75 + 0.25 * 1.5)
        + 0.25**2.3 * (0.5 * 2.25 + 0.25 * 1.5)
    )
    assert esteban_ray([2, 1, 1], [1, 4, 10], 4.0) == pytest.approx(expected)
    assert esteban_ray([3, 0, 2], [5, 0, 5], 5.0) == 0.0  # equal means: no polarisation; empty tier ignored
    assert esteban_ray([1, 1, 1], [0, 0, 0], 0.0) is None
    for bad in (0.0, 1.7, -1.0):
        with pytest.raises(UsageError):
            esteban_ray([1, 1, 1], [1, 2, 3], 2.0, alpha=bad)


def test_wolfson_against_pysal_published_values_doubled():
    # PySAL inequality's own tests: wolfson([6,6,8,8,10,10,12,12]) = 1/12 and wolfson([2,4,...,16]) = 11/72;
    # PySAL returns (2T - G) mean/median, half of Wolfson's W = 2 (2T - G) mean/median.
    # By hand for 6,6,8,8,10,10,12,12: L(0.5) = 28/72, T = 1/9, G = 160 / (2 * 64 * 9) = 5/36, mean = median = 9
    # -> W = 2 (2/9 - 5/36) = 1/6.
    assert wolfson([6, 6, 8, 8, 10, 10, 12, 12]) == pytest.approx(1 / 6)
    assert wolfson([2, 4, 6, 8, 10, 12, 14, 16]) == pytest.approx(11 / 36)
    # PySAL docstring example prints 0.2013 -> W = 0.4026 (to the 4 decimals published)
    incomes = [20000, 25000, 27000, 30000, 35000, 45000, 60000, 75000, 80000, 120000]
    assert wolfson(incomes) == pytest.approx(2 * 0.2013, abs=1.5e-4)
    assert wolfson([5, 5, 5, 5]) == pytest.approx(0.0)
    assert wolfson([0, 0, 0, 7]) is None  # median 0
    assert wolfson([]) is None


def test_expected_middle_share_and_deficit_hand_computed():
    # log10 sizes 0, 1, 2, 3: mu = 1.5, sigma (ddof 0) = sqrt(1.25) = 1.118034;
    # P(10 <= S <= 100) = Phi(0.5/1.118034) - Phi(-0.5/1.118034) = 2 Phi(0.447214) - 1 = 2 * 0.672639 - 1 = 0.345279
    sizes = [1, 10, 100, 1000]
    assert expected_middle_share(sizes, 10, 100) == pytest.approx(0.345279, abs=1e-6)
    d = tier_diagnostics(sizes, [1, 1, 1, 1], 10, 100)
    assert d["middle_count_share"] == 0.5
    assert d["middle_deficit"] == pytest.approx(0.345279 - 0.5, abs=1e-6)
    # a size of 0 is never middle: the log-normal share is scaled by 4 positive of 5 companies
    d0 = tier_diagnostics([0] + sizes, [1] * 5, 10, 100)
    assert d0["expected_middle_share"] == pytest.approx(0.345279 * 4 / 5, abs=1e-6)
    assert d0["middle_deficit"] == pytest.approx(0.345279 * 4 / 5 - 2 / 5, abs=1e-6)
    assert expected_middle_share([3, 3, 3], 1, 5) is None


def test_middle_cuts_for_data_driven_bounds_are_gap_midpoints():
    sizes = [1, 4, 10, 20, 90, 1000]
    assert middle_cuts(sizes, 10, 20, data_driven=False) == (10, 20)
    lo, hi = middle_cuts(sizes, 10, 20, data_driven=True)
    assert lo == pytest.approx(math.sqrt(4 * 10)) and hi == pytest.approx(math.sqrt(20 * 90))
    assert middle_cuts([0, 10, 20], 10, 20, data_driven=True) == (10, 20)  # nothing positive below, nothing above


@pytest.mark.parametrize("scale", [1.0, 1e-150, 1e-300 / 1e-5])
def test_expected_middle_share_survives_sizes_beyond_1e154(scale):
    # issue 18 item 4: sqrt(a*b) overflowed for 1e299 * 1e300 (0.7339 instead of 0.4238)
    sizes = [1, 2, 3, 1e10, 3e10, 1e299, 1e300]
    scaled = [x * scale for x in sizes]
    low, high = 1e10 * scale, 3e10 * scale  # the natural breaks of these sizes (checked below)
    # by hand: a log-normal fitted to log10 sizes, cut halfway (in log10) between the tiers
    lg = [math.log10(x) for x in scaled]
    fit = statistics.NormalDist(statistics.fmean(lg), statistics.pstdev(lg))
    lo_cut = (math.log10(3 * scale) + math.log10(low)) / 2
    hi_cut = (math.log10(high) + math.log10(1e299 * scale)) / 2
    by_hand = fit.cdf(hi_cut) - fit.cdf(lo_cut)
    assert by_hand == pytest.approx(0.4238328, abs=1e-7)
    assert natural_breaks(scaled) == pytest.approx((low, high))
    d = tier_diagnostics(scaled, scaled, low, high, data_driven=True)
    assert d["expected_middle_share"] == pytest.approx(by_hand, rel=1e-9)


def test_diagnostics_on_team_fixture():
    # the 9 teams of tests/fixtures/team_sizes.csv (Elm's two rows summed), bounds 50..500
    sizes = [0, 5, 49, 50, 120, 500, 501, 3000, 12]
    values = [1, 2, 3, 4, 5, 6, 70, 900, 9]
    d = tier_diagnostics(sizes, values, 50, 500)
    assert d["middle_count_share"] == pytest.approx(3 / 9)
    assert d["middle_value_share"] == pytest.approx(0.015)
    # Esteban-Ray: pi = 4/9, 3/9, 2/9; tier means 15/4, 15/3, 970/2 over overall mean 1000/9
    pi = np.array([4, 3, 2]) / 9
    y = np.array([15 / 4, 5, 485]) / (1000 / 9)
    er = sum(pi[i] ** 2.3 * pi[j] * abs(y[i] - y[j]) for i in range(3) for j in range(3))
    assert d["esteban_ray"] == pytest.approx(er)
    assert d["alpha"] == 1.3


# ---------------------------------------------------------------- shape rule


def _tiers(counts):
    return [{"count": c} for c in counts]


def test_shape_rule():
    two_humps = {"middle_deficit": 0.05, "bimodality_coefficient": 0.70, "dip_p_value": 0.01}
    assert shape(shape_checks(_tiers([10, 2, 8]), two_humps)) == "dumbbell"  # the 0.05 threshold is inclusive
    bc_only = {"middle_deficit": 0.12, "bimodality_coefficient": 0.70, "dip_p_value": 0.5}
    assert shape(shape_checks(_tiers([10, 2, 8]), bc_only)) == "mixed"  # both signs of a second hump needed
    dip_only = {"middle_deficit": 0.12, "bimodality_coefficient": 0.3, "dip_p_value": 0.01}
    assert shape(shape_checks(_tiers([10, 2, 8]), dip_only)) == "mixed"
    just_below = {"middle_deficit": 0.0499, "bimodality_coefficient": 0.70, "dip_p_value": 0.01}
    assert shape(shape_checks(_tiers([10, 2, 8]), just_below)) == "mixed"
    one_hump = {"middle_deficit": 0.01, "bimodality_coefficient": 0.3, "dip_p_value": 0.8}
    assert shape(shape_checks(_tiers([10, 5, 1]), one_hump)) == "pyramid"
    bc_high_but_no_dip = {"middle_deficit": 0.01, "bimodality_coefficient": 0.6, "dip_p_value": 0.8}
    assert shape(shape_checks(_tiers([10, 5, 1]), bc_high_but_no_dip)) == "pyramid"
    assert shape(shape_checks(_tiers([5, 10, 1]), one_hump)) == "mixed"  # diamond: middle widest
    missing_one_hump = {"middle_deficit": 0.2, "bimodality_coefficient": 0.3, "dip_p_value": 0.8}
    assert shape(shape_checks(_tiers([10, 2, 8]), missing_one_hump)) == "mixed"
    assert shape(shape_checks(_tiers([10, 2, 0]), two_humps)) == "mixed"  # no giants
    undefined = {"middle_deficit": 0.01, "bimodality_coefficient": None, "dip_p_value": None}
    c = shape_checks(_tiers([10, 5, 1]), undefined)
    assert c["two_humps"] is None and shape(c) == "mixed"


# ---------------------------------------------------------------- report


def test_market_tiers_with_too_few_sizes():
    doc = market_tiers(["a", "b"], [1, 2], [1, 2])
    assert doc["tiers"] is None and doc["bounds"] is None and doc["status"] == "too few sizes"
    doc = market_tiers(["a", "b"], [1, 2], [1, 2], TierOptions(bounds="1,1.5"))
    assert [t["count"] for t in doc["tiers"]] == [0, 1, 1] and doc["status"] == "ok"
    assert doc["diagnostics"]["bimodality_coefficient"] is None


def test_tiers_report_on_fixture_and_dataframe():
    r = tiers_report(
        FIXTURES / "team_sizes.csv",
        options=TierOptions(size="headcount", bounds="50,500"),
        value="funding",
        entities=True,
        labels="small teams,middle class,giants",
    )
    doc = r.to_dict()
    res = doc["results"][0]
    assert [t["count"] for t in res["tiers"]] == [4, 3, 2]
    assert [t["value"] for t in res["tiers"]] == [15.0, 15.0, 970.0]
    assert [t["label"] for t in res["tiers"]] == ["small teams", "middle class", "giants"]
    assert doc["labels"]["middle"] == "middle class"
    assert res["tiers"][1]["largest"][0]["entity"] == "Fjord"
    assert {e["entity"]: e["tier"] for e in res["entities"]}["Dune"] == "middle"
    assert doc["input"]["size"] == "headcount"

    df = pd.DataFrame({"co": ["a", "b", "c"], "v": [1.0, 1.0, 2.0]})
    r = tiers_report(df, entity="co", value="v")
    assert r.results[0]["tiers"] is None and "fewer than 3 distinct positive sizes" in r.warnings[0]
    with pytest.raises(UsageError, match=r"\(method natural was asked for\)$"):
        tiers_report(df, entity="co", value="v", options=TierOptions(method="natural"))
    with pytest.raises(UsageError):
        tiers_report(df, entity="co", value="v", labels="a,b")
    with pytest.raises(UsageError):
        tiers_report(df, entity="co", value="v", alpha=2.0)


def test_shape_end_to_end_on_constructed_markets():
    rng = np.random.default_rng(11)
    # two humps, around 10 and 5,000 people, nothing built in between: the missing middle by construction
    dumbbell = np.concatenate([10 ** rng.normal(1.0, 0.25, 150), 10 ** rng.normal(3.7, 0.25, 50)])
    doc = market_tiers([f"c{i}" for i in range(dumbbell.size)], dumbbell, dumbbell, TierOptions(preset="headcount"))
    assert doc["shape"] == "dumbbell", doc["shape_checks"]
    assert doc["diagnostics"]["middle_deficit"] > 0.05
    # one log-normal hump centred on 20 people: most small, fewer middle, fewest giants, middle as predicted
    pyramid = 10 ** rng.normal(np.log10(20), 0.6, 400)
    doc = market_tiers([f"c{i}" for i in range(pyramid.size)], pyramid, pyramid, TierOptions(preset="headcount"))
    assert doc["shape"] == "pyramid", (doc["shape_checks"], doc["diagnostics"])
    assert abs(doc["diagnostics"]["middle_deficit"]) < 0.05


def test_shares_survive_a_value_sum_that_overflows():
    # 3 x 1e308 overflows a float (max 1.8e308); the giant tier still holds 3/(3 + 1e-308/1e308 ...) = all of it
    s = tier_shares([1, 600, 700, 800], [1.0, 1e308, 1e308, 1e308], 50, 500)
    assert s["giant"]["value"] == math.inf and s["giant"]["value_share"] == pytest.approx(1.0)
    assert s["small"]["value_share"] == pytest.approx(0.0) and s["middle"]["value_share"] == 0.0
    d = tier_diagnostics([1, 600, 700, 800], [1.0, 1e308, 1e308, 1e308], 50, 500)
    assert d["wolfson"] is not None and math.isfinite(d["wolfson"])
    assert d["esteban_ray"] is not None and math.isfinite(d["esteban_ray"])


def test_log_normal_market_has_no_missing_middle_with_natural_breaks():
    # the deficit's null model is the log-normal: on log-normal sizes the observed and expected middle agree
    # (the gap-midpoint cuts matter: the bounds themselves would leave the gaps to neither side)
    x = np.random.default_rng(8).lognormal(3, 1.5, 20_000)
    doc = market_tiers([f"c{i}" for i in range(x.size)], x, x)
    assert abs(doc["diagnostics"]["middle_deficit"]) < 0.01
    assert doc["diagnostics"]["bimodality_coefficient"] < BIMODALITY_THRESHOLD
    assert doc["diagnostics"]["dip_p_value"] > 0.05
    assert doc["shape"] != "dumbbell"


def test_headtail_breaks_near_the_float_limit():
    from aistruct.tiers import headtail_breaks

    # positive sizes 1, 2, 1e308, 1e308: the plain mean overflows; scaled by the largest it is
    # (tiny + tiny + 1 + 1)/4 = 0.5, the head is both 1e308 and its mean is 1e308 itself.
    assert headtail_breaks([1e308, 1e308, 1, 2]) == (1e308, 1e308)
