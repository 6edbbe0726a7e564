"""aistruct.stats: Mann-Kendall (by hand, against brute force and scipy), OLS slope, helpers."""

import doctest
import itertools
import math

import numpy as np
import pytest

import aistruct.stats
from aistruct.stats import (
    fenwick_add,
    fenwick_sum,
    inversion_counts,
    mann_kendall,
    mk_statistic,
    ols_slope,
    q_integer_div,
    q_integer_mul,
    tie_sizes,
)


def brute_s(x):
    return sum(int(np.sign(x[j] - x[i])) for i in range(len(x)) for j in range(i + 1, len(x)))


def brute_p(x):
    """P(|S| >= |s|) over every distinct arrangement of x (all equally likely under no trend)."""
    s = abs(brute_s(x))
    arrangements = set(itertools.permutations(x))
    return sum(abs(brute_s(a)) >= s for a in arrangements) / len(arrangements)


class TestMannKendallHand:
    def test_three_increasing(self):
        # pairs (1,2) (1,3) (2,3) all +1 -> S = 3; tau = 3/3 = 1.
        # 3! = 6 orders, S in {3, 1, 1, -1, -1, -3}: P(|S| >= 3) = 2/6.
        r = mann_kendall([1.0, 2.0, 3.0])
        assert (r.s, r.tau, r.method) == (3, 1.0, "exact")
        assert r.p_value == pytest.approx(2 / 6, abs=1e-15)

    def test_three_not_monotone(self):
        # [1, 3, 2]: +1 +1 -1 -> S = 1, tau = 1/3; |S| >= 1 in all 6 orders -> p = 1.
        r = mann_kendall([1, 3, 2])
        assert r.s == 1
        assert r.tau == pytest.approx(1 / 3, abs=1e-15)
        assert r.p_value == 1.0

    def test_three_decreasing(self):
        r = mann_kendall([5, 4, 1])
        assert r.s == -3 and r.tau == -1.0
        assert r.p_value == pytest.approx(1 / 3, abs=1e-15)

    def test_three_with_tie(self):
        # [1, 1, 2]: 0 + 1 + 1 -> S = 2. n0 = 3, one tie of 2 -> n1 = 1; tau-b = 2 / sqrt(3 * 2) = 0.8165.
        # Distinct arrangements 112 (S=2), 121 (S=0), 211 (S=-2): P(|S| >= 2) = 2/3.
        r = mann_kendall([1, 1, 2])
        assert r.s == 2
        assert r.tau == pytest.approx(2 / math.sqrt(6), abs=1e-15)
        assert r.p_value == pytest.approx(2 / 3, abs=1e-15)

    def test_four_with_tie(self):
        # [1, 2, 2, 3]: pairs +1 +1 +1 0 +1 +1 -> S = 5; tau-b = 5 / sqrt(6 * 5) = 0.91287.
        # 4!/2! = 12 arrangements; inversions follow [4; 1,2,1]_q = (1+q+q^2)(1+q+q^2+q^3)
        # = 1 + 2q + 3q^2 + 3q^3 + 2q^4 + q^5 and S = 5 - 2 inv, so |S| = 5 only at inv 0 and 5: p = 2/12.
        r = mann_kendall([1, 2, 2, 3])
        assert r.s == 5
        assert r.tau == pytest.approx(5 / math.sqrt(30), abs=1e-15)
        assert r.p_value == pytest.approx(1 / 6, abs=1e-15)
        # var(S) = (4*3*13 - 2*1*9) / 18 = 138/18
        assert r.var_s == pytest.approx(138 / 18, abs=1e-12)

    def test_five_increasing(self):
        # the smallest p-value 5 periods can give: 2 / 5! = 1/60
        r = mann_kendall([1, 2, 3, 4, 5])
        assert r.p_value == pytest.approx(2 / 120, abs=1e-15)

    def test_four_increasing_cannot_reach_005(self):
        # 2 / 4! = 0.0833: why the verdict needs at least 5 periods
        assert mann_kendall([1, 2, 3, 4]).p_value == pytest.approx(2 / 24, abs=1e-15)

    def test_normal_approximation_hand(self):
        # [1, 2, 2, 3] forced onto the normal path: z = (5 - 1) / sqrt(138/18) = 1.444630,
        # p = 2 (1 - Phi(1.444630)) = 0.148562
        r = mann_kendall([1, 2, 2, 3], exact_max=0)
        assert r.method == "normal"
        assert r.p_value == pytest.approx(0.1485618, abs=1e-7)
        # without the continuity correction z = 5 / 2.768875 = 1.805788, p = 0.070951
        assert mann_kendall([1, 2, 2, 3], exact_max=0, continuity=False).p_value == pytest.approx(0.0709515, abs=1e-7)
        # the same from the standard library's normal distribution
        from statistics import NormalDist

        z = 4 / math.sqrt(138 / 18)
        assert r.p_value == pytest.approx(2 * (1 - NormalDist().cdf(z)), abs=1e-12)

    def test_degenerate(self):
        assert mann_kendall([]).p_value is None
        one = mann_kendall([4.0])
        assert (one.s, one.tau, one.p_value) == (0, None, None)
        flat = mann_kendall([2, 2, 2, 2])  # S = 0 in every arrangement
        assert (flat.s, flat.tau, flat.p_value) == (0, None, 1.0)
        two = mann_kendall([1, 2])  # S = +-1 in both orders
        assert (two.s, two.tau, two.p_value) == (1, 1.0, 1.0)


class TestInversionCounts:
    def test_mahonian_four(self):
        # permutations of 4 by inversions: 1, 3, 5, 6, 5, 3, 1 (OEIS A008302, row 4)
        assert inversion_counts(4) == [1, 3, 5, 6, 5, 3, 1]

    def test_q_binomial(self):
        # [4; 2]_q = 1 + q + 2q^2 + q^3 + q^4 (arrangements of 1122 by inversions)
        assert inversion_counts(4, [2, 2]) == [1, 1, 2, 1, 1]

    def test_sums_to_multinomial(self):
        counts = inversion_counts(9, [3, 2, 2])
        assert sum(counts) == math.factorial(9) // (6 * 2 * 2)
        assert counts == counts[::-1]  # symmetric: the S distribution is symmetric about 0


class TestMannKendallAgainstBruteForce:
    def test_statistic(self):
        rng = np.random.default_rng(7)
        for _ in range(200):
            x = rng.integers(0, 5, rng.integers(0, 12)).astype(float).tolist()
            assert mk_statistic(x) == brute_s(x)

    def test_exact_p_with_ties(self):
        rng = np.random.default_rng(11)
        for _ in range(60):
            n = int(rng.integers(2, 8))
            x = rng.integers(0, 4, n).astype(float).tolist()
            assert mann_kendall(x).p_value == pytest.approx(brute_p(x), abs=1e-12), x

    def test_exact_close_to_normal_at_the_switch(self):
        rng = np.random.default_rng(3)
        x = (np.arange(50) * 0.05 + rng.normal(size=50)).tolist()
        exact = mann_kendall(x).p_value
        normal = mann_kendall(x, exact_max=0).p_value
        assert mann_kendall(x).method == "exact" and mann_kendall(x + [0.0]).method == "normal"
        assert abs(exact - normal) < 0.005


class TestAgainstScipy:
    def test_tau_b_with_ties(self):
        import scipy.stats as stats

        rng = np.random.default_rng(5)
        for _ in range(50):
            x = rng.integers(0, 6, int(rng.integers(3, 40))).astype(float)
            if len(set(x)) == 1:
                continue
            assert mann_kendall(x.tolist()).tau == pytest.approx(stats.kendalltau(np.arange(x.size), x)[0], abs=1e-12)

    def test_exact_p_without_ties(self):
        import scipy.stats as stats

        rng = np.random.default_rng(9)
        for n in range(3, 16):
            x = rng.permutation(n).astype(float) + rng.normal(scale=0.01, size=n) * np.arange(n)
            ref = stats.kendalltau(np.arange(n), x, method="exact").pvalue
            assert mann_kendall(x.tolist()).p_value == pytest.approx(ref, rel=1e-9)

    def test_normal_variance_with_ties(self):
        # scipy's asymptotic test is ours without the continuity correction
        import scipy.stats as stats

        rng = np.random.default_rng(13)
        for _ in range(30):
            x = rng.integers(0, 5, int(rng.integers(12, 80))).astype(float)
            ref = stats.kendalltau(np.arange(x.size), x, method="asymptotic").pvalue
            ours = mann_kendall(x.tolist(), exact_max=0, continuity=False).p_value
            assert ours == pytest.approx(ref, rel=1e-9)


class TestSlope:
    def test_hand(self):
        # x mean 1, y mean 2: sum dx dy = 1 + 0 + 0 = 1, sum dx^2 = 2 -> 0.5
        assert ols_slope([0, 1, 2], [1, 3, 2]) == 0.5

    def test_gap_counts(self):
        # y = x - 2022 on 2023, 2024, 2026: slope 1 per year although a year is missing
        assert ols_slope([2023, 2024, 2026], [1, 2, 4]) == pytest.approx(1.0, abs=1e-12)

    def test_undefined(self):
        assert ols_slope([2024], [1]) is None
        assert ols_slope([], []) is None


def test_ols_slope_near_the_float_limit():
    # constant series of 1e308: slope 0, no overflow in the sums
    assert ols_slope([2019, 2020, 2021], [1e308, 1e308, 1e308]) == 0.0
    # x 0,1,2; y 0, 1e308, 1.5e308: scaled y 0, 2/3, 1 (mean 5/9); sum (x-1)(y-5/9) = 5/9 + 4/9 = 1;
    # sxx = 2 -> slope 1/2 of the scale 1.5e308 = 7.5e307
    assert ols_slope([0, 1, 2], [0.0, 1e308, 1.5e308]) == pytest.approx(7.5e307, rel=1e-12)
    # a slope beyond the float range is undefined (null), not an error
    assert ols_slope([0, 1], [-1.5e308, 1.5e308]) is None


def test_docstring_examples():
    result = doctest.testmod(aistruct.stats, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 10 and result.failed == 0


class TestHelpers:
    def test_tie_sizes(self):
        assert tie_sizes([3, 1, 3, 2, 1, 3]) == [3, 2]
        assert tie_sizes([]) == []

    def test_fenwick_prefix_sums_against_a_running_count(self):
        rng = np.random.default_rng(17)
        tree = [0] * 12
        counts = [0] * 12
        for i in rng.integers(1, 12, 200).tolist():
            fenwick_add(tree, i)
            counts[i] += 1
            assert all(fenwick_sum(tree, k) == sum(counts[1 : k + 1]) for k in range(12))

    def test_q_integer_mul_div_round_trip(self):
        # [2]_q [3]_q [4]_q = [4]_q! / 1 = the Mahonian row of 4
        poly = q_integer_mul(q_integer_mul(q_integer_mul([1], 2), 3), 4)
        assert poly == [1, 3, 5, 6, 5, 3, 1]
        assert q_integer_div(poly, 4) == [1, 2, 2, 1]


def test_ols_slope_of_periods_near_the_float_limit_does_not_overflow():
    # found by the fuzz suite: a period column holding 1e308 raised OverflowError (x's squares)
    # y rises by 1 over x from 0 to 1e308: slope 1 / 1e308
    assert ols_slope([0.0, 1e308], [1.0, 2.0]) == pytest.approx(1e-308)
    # x = -5, 2024, 1e308 (mean ~3.33e307): the slope is finite and tiny, whatever its digits
    got = ols_slope([2024.0, 1e308, -5.0], [1.0, 2.0, 3.0])
    assert got is not None and abs(got) < 1e-300
    assert ols_slope([0.0, float("inf")], [1.0, 2.0]) is None
