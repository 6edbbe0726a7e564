"""Metrics pinned to published reference values and hand computations."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aistruct import guidelines
from aistruct import metrics as m

# R package ineq, documented example vector (ineq manual, "ineq" and "conc" examples).
INEQ_X = [541, 1463, 2445, 3438, 4437, 5401, 6392, 8304, 11904, 22261]


def rel(a, b, tol=1e-9):
    return math.isclose(a, b, rel_tol=tol, abs_tol=0)


class TestReferenceValues:
    def test_gini_ineq(self):
        assert m.gini(INEQ_X) == pytest.approx(0.4620911, abs=5e-8)

    def test_herfindahl_ineq(self):
        assert m.herfindahl(INEQ_X) == pytest.approx(0.1840812, abs=5e-8)
        assert m.hhi(INEQ_X) == pytest.approx(1840.812, abs=5e-4)

    def test_atkinson_ineq(self):
        assert m.atkinson(INEQ_X, 0.5) == pytest.approx(0.1796591, abs=5e-8)
        assert m.atkinson(INEQ_X, 1) == pytest.approx(0.3518251, abs=5e-8)

    def test_rosenbluth_ineq(self):
        assert m.rosenbluth(INEQ_X) == pytest.approx(0.1859051, abs=5e-8)

    def test_doj_hhi_example(self):
        # US DOJ: four firms with shares 30, 30, 20, 20 -> 900 + 900 + 400 + 400 = 2,600.
        assert rel(m.hhi([30, 30, 20, 20]), 2600.0)


class TestHandComputed:
    # x = [1, 3]: mean 2, shares 0.25 / 0.75.
    def test_gini_two(self):
        # sum|xi-xj| = 2 * 2 = 4; 2 n^2 mean = 2 * 4 * 2 = 16 -> 0.25; corrected 0.25 * 2 / 1 = 0.5
        assert rel(m.gini([1, 3]), 0.25)
        assert rel(m.gini_corrected([1, 3]), 0.5)

    def test_theil_two(self):
        # (1/2)(0.5 ln 0.5 + 1.5 ln 1.5) = 0.5 * (-0.346573590 + 0.608197662) = 0.130812036
        assert rel(m.theil([1, 3]), 0.5 * (0.5 * math.log(0.5) + 1.5 * math.log(1.5)))
        assert m.theil([1, 3]) == pytest.approx(0.1308120, abs=1e-7)

    def test_entropy_two(self):
        # -(0.25 ln 0.25 + 0.75 ln 0.75) = 0.346573590 + 0.215761640 = 0.562335230
        assert m.entropy([1, 3]) == pytest.approx(0.5623352, abs=1e-7)
        assert m.entropy_normalized([1, 3]) == pytest.approx(0.5623352 / math.log(2), abs=1e-7)

    def test_atkinson_two(self):
        # e = 2: harmonic mean 2 / (1 + 1/3) = 1.5 -> 1 - 1.5/2 = 0.25
        assert rel(m.atkinson([1, 3], 2), 0.25)
        # e = 0.5: ((1 + sqrt 3)/2)^2 = 1.8660254 -> 1 - 1.8660254/2 = 0.0669873
        assert m.atkinson([1, 3], 0.5) == pytest.approx(0.0669873, abs=1e-7)
        # e = 1: 1 - sqrt(3)/2 = 0.1339746
        assert m.atkinson([1, 3], 1) == pytest.approx(1 - math.sqrt(3) / 2, rel=1e-12)

    def test_palma_one_to_ten(self):
        # 1..10, total 55: top 10% = {10} -> 10/55; bottom 40% = 1+2+3+4 = 10 -> 10/55; ratio 1.
        assert rel(m.palma(list(range(1, 11))), 1.0)

    def test_palma_equal_values(self):
        # interpolated Lorenz curve is the diagonal: 0.1 / 0.4
        assert rel(m.palma([5, 5, 5]), 0.25)

    def test_palma_undefined(self):
        # bottom 40% of [0, 0, 0, 0, 10] hold nothing
        assert m.palma([0, 0, 0, 0, 10]) is None

    def test_doj_details(self):
        x = [30, 30, 20, 20]
        # H = 0.26; normalised (0.26 - 0.25) / 0.75 = 0.0133333; 1/H = 3.8461538
        assert m.hhi_normalized(x) == pytest.approx(0.01 / 0.75, rel=1e-9)
        assert rel(m.equivalent_firms(x), 1 / 0.26)
        assert m.concentration_ratios(x, (1, 2, 4, 8)) == pytest.approx(
            {"1": 0.3, "2": 0.6, "4": 1.0, "8": 1.0}, rel=1e-12
        )

    def test_concentration_ratio_single(self):
        assert m.concentration_ratio([30, 30, 20, 20], 2) == pytest.approx(0.6)

    def test_atkinson_with_zero(self):
        # a zero value: geometric and harmonic means are 0, so A = 1 for e >= 1
        assert m.atkinson([0, 1, 2], 1) == 1.0
        assert m.atkinson([0, 1, 2], 2) == 1.0


class TestEdges:
    def test_single_company(self):
        assert m.hhi([7]) == 10000.0
        assert m.hhi_normalized([7]) is None
        assert m.gini([7]) == 0.0
        assert m.gini_corrected([7]) is None
        assert m.entropy_normalized([7]) is None
        assert m.theil([7]) == 0.0

    def test_zero_total_raises(self):
        with pytest.raises(ValueError):
            m.hhi([0, 0])

    def test_negative_raises(self):
        with pytest.raises(ValueError):
            m.gini([1, -1])

    def test_huge_values_no_overflow(self):
        x = [1e308, 1e308, 5e307]
        # shares 0.4 / 0.4 / 0.2 -> 1600 + 1600 + 400
        assert rel(m.hhi(x), 3600.0)
        assert np.isfinite(m.gini(x))

    def test_subnormal_values(self):
        x = [1e-320, 1e-320]
        assert rel(m.hhi(x), 5000.0, 1e-6)

    def test_million_equal_values(self):
        x = np.full(1_000_000, 3.7)
        assert m.gini(x) == 0.0
        assert rel(m.hhi(x), 10000.0 / 1_000_000, 1e-12)

    def test_one_giant_among_many(self):
        x = np.ones(1_000_000)
        x[0] = 1e15
        s0 = 1e15 / (1e15 + 999_999)
        assert rel(m.hhi(x), 10000 * (s0**2 + 999_999 * (1 / (1e15 + 999_999)) ** 2), 1e-9)

    def test_band_boundaries(self):
        assert guidelines.band(999.999) == "unconcentrated"
        assert guidelines.band(1000) == "moderately concentrated"
        assert guidelines.band(1800) == "moderately concentrated"
        assert guidelines.band(1799.9999999997) == "moderately concentrated"
        assert guidelines.band(1800.001) == "highly concentrated"
        assert guidelines.band(1500, "us-2010") == "moderately concentrated"
        assert guidelines.band(1499, "us-2010") == "unconcentrated"
        assert guidelines.band(2500.01, "us-2010") == "highly concentrated"
        assert guidelines.band(2000, "eu") == "moderately concentrated"
        assert guidelines.band(2000.01, "eu") == "highly concentrated"
        with pytest.raises(ValueError):
            guidelines.band(10, "uk")


positive = st.lists(st.floats(min_value=1e-6, max_value=1e12, allow_nan=False), min_size=1, max_size=60)


@settings(max_examples=200, deadline=None)
@given(positive, st.randoms())
def test_permutation_invariance(xs, rnd):
    ys = list(xs)
    rnd.shuffle(ys)
    for f in (m.hhi, m.gini, m.theil, m.entropy):
        assert f(xs) == pytest.approx(f(ys), rel=1e-9, abs=1e-12)


@settings(max_examples=200, deadline=None)
@given(positive, st.floats(min_value=1e-6, max_value=1e6))
def test_scale_invariance(xs, c):
    scaled = [x * c for x in xs]
    for f in (m.hhi, m.gini, m.theil, m.entropy, lambda v: m.atkinson(v, 0.5)):
        assert f(xs) == pytest.approx(f(scaled), rel=1e-7, abs=1e-9)


@settings(max_examples=200, deadline=None)
@given(positive)
def test_bounds(xs):
    n = len(xs)
    h = m.hhi(xs)
    assert 10000 / n * (1 - 1e-9) <= h <= 10000 * (1 + 1e-12)
    g = m.gini(xs)
    assert 0 <= g <= 1 - 1 / n + 1e-12


@settings(max_examples=200, deadline=None)
@given(st.lists(st.floats(min_value=0, max_value=1e9), min_size=2, max_size=40).filter(lambda v: sum(v) > 0), st.data())
def test_merging_never_lowers_hhi(xs, data):
    i = data.draw(st.integers(0, len(xs) - 1))
    j = data.draw(st.integers(0, len(xs) - 1).filter(lambda k: k != i))
    merged = [x for k, x in enumerate(xs) if k not in (i, j)] + [xs[i] + xs[j]]
    assert m.hhi(merged) >= m.hhi(xs) * (1 - 1e-12)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.floats(min_value=0, max_value=1e6), min_size=1, max_size=40).filter(lambda v: sum(v) > 0))
def test_gini_matches_pairwise_definition(xs):
    x = np.asarray(xs)
    n = x.size
    brute = np.abs(x[:, None] - x[None, :]).sum() / (2 * n * n * x.mean())
    assert m.gini(x) == pytest.approx(brute, rel=1e-9, abs=1e-12)
