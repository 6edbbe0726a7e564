"""Sampling intervals (aistruct.bootstrap): figures pinned to aistruct.metrics, the quantiles a
level reads, coverage by simulation, reproducibility and the degenerate cases."""

from pathlib import Path
from statistics import NormalDist

import numpy as np
import pytest

from aistruct import bootstrap, metrics
from aistruct.errors import UsageError

TOP = (1, 4, 8, 49, 60)
SCALARS = (("hhi", metrics.hhi), ("gini", metrics.gini), ("theil", metrics.theil), ("entropy", metrics.entropy))


def _sample(n=50, seed=1):
    x = np.random.default_rng(seed).lognormal(0, 1, size=n)
    x[3] = 0.0  # a company with value 0 still counts
    return x


def _draws(n, resamples, seed):
    """The index draws the module documents: rng.integers(0, n, size=(rows, n)), one chunk here."""
    assert resamples * n <= bootstrap.CHUNK_CELLS
    return np.random.Generator(np.random.PCG64(seed)).integers(0, n, size=(resamples, n))


def test_resampled_figures_equal_the_metrics_of_each_resample():
    x = _sample()
    got = bootstrap.resampled_figures(x, top=TOP, resamples=30, seed=5)
    xs = np.sort(x)
    for i, row in enumerate(_draws(x.size, 30, 5)):
        v = xs[row]
        for key, fn in SCALARS:
            assert got[key][i] == pytest.approx(fn(v), rel=1e-12, abs=1e-15)
        for k, want in metrics.concentration_ratios(v, TOP).items():
            assert got["cr"][k][i] == pytest.approx(want, rel=1e-12)


def test_jackknife_figures_equal_the_metrics_without_each_company():
    x = _sample()
    got = bootstrap.jackknife_figures(x, top=TOP)
    xs = np.sort(x)
    for r in range(x.size):
        v = np.delete(xs, r)
        for key, fn in SCALARS:
            assert got[key][r] == pytest.approx(fn(v), rel=1e-12, abs=1e-15)
        for k, want in metrics.concentration_ratios(v, TOP).items():
            assert got["cr"][k][r] == pytest.approx(want, rel=1e-12)


def test_a_95_percent_request_reads_the_2_5_and_97_5_percent_quantiles():
    # concentrationMetrics returns a 90% interval when asked for 95%; here 0.95 -> 2.5% / 97.5%.
    assert bootstrap.interval_levels(0.95) == pytest.approx((0.025, 0.975))
    assert bootstrap.interval_levels(0.9) == pytest.approx((0.05, 0.95))
    x = _sample(40, seed=3)
    ci = bootstrap.bootstrap_intervals(x, level=0.95, resamples=1000, seed=7, top=(1,), method="percentile")
    xs = np.sort(x)
    ginis = np.array([metrics.gini(xs[row]) for row in _draws(x.size, 1000, 7)])
    # numpy's default (linear, R type 7) quantiles at exactly 2.5% and 97.5% of the independent replicates
    assert ci["gini"] == pytest.approx(list(np.quantile(ginis, [0.025, 0.975])), rel=1e-12)
    assert ci["gini"] != pytest.approx(list(np.quantile(ginis, [0.05, 0.95])), rel=1e-6)
    assert ci["method"] == "percentile" and ci["level"] == 0.95


def test_percentile_interval_by_hand():
    # 1..101: the 2.5% quantile (type 7) is 1 + 0.025 * 100 = 3.5, the 97.5% one 98.5.
    assert bootstrap.percentile_interval(np.arange(1.0, 102.0), 0.95) == pytest.approx([3.5, 98.5], rel=1e-14)


def test_coverage_of_a_known_gini_by_simulation():
    """The issue's Done-when: a 95% interval covers a known Gini in 93-97% of 1,000 samples.

    Population lognormal with sigma = 0.5, whose Gini is 2 Phi(sigma / sqrt 2) - 1 = 0.2763;
    samples of 200 companies, 500 resamples each (fewer than the default 2,000 to keep the
    test quick; with 2,000 it is the same 94.0%). Other simulation seeds (2, 3, 4) give 93.3%,
    93.5%, 93.6%, and 400 companies 93.6-93.7%: BCa covers slightly less than 95% here, inside
    the band. BCa, as method="auto" chooses at this size: with sigma = 1
    (a heavier tail) 200 companies give about 90% (percentile 89%), the small-sample
    undercoverage of the Gini's bootstrap the literature reports.
    """
    sigma = 0.5
    true = 2 * NormalDist().cdf(sigma / 2**0.5) - 1
    assert true == pytest.approx(0.276326, abs=1e-6)
    rng = np.random.Generator(np.random.PCG64(1))
    hits = 0
    for i in range(1000):
        x = rng.lognormal(0, sigma, size=200)
        ci = bootstrap.bootstrap_intervals(x, level=0.95, resamples=500, seed=i, top=(1,))
        assert ci["method"] == "bca"
        hits += ci["gini"][0] <= true <= ci["gini"][1]
    assert 930 <= hits <= 970


def test_same_seed_same_output_other_seed_other_output():
    x = _sample(300)
    a = bootstrap.bootstrap_intervals(x, resamples=300, seed=11)
    b = bootstrap.bootstrap_intervals(x, resamples=300, seed=11)
    c = bootstrap.bootstrap_intervals(x, resamples=300, seed=12)
    assert repr(a) == repr(b)
    assert a["hhi"] != c["hhi"] and a["gini"] != c["gini"]
    assert (a["seed"], a["resamples"], c["seed"]) == (11, 300, 12)


def test_one_company_gives_its_figure_twice_and_no_shares_gives_null():
    ci = bootstrap.bootstrap_intervals([42.0], level=0.9, resamples=50)
    assert ci["hhi"] == [10_000.0, 10_000.0]
    assert ci["gini"] == [0.0, 0.0] and ci["theil"] == [0.0, 0.0] and ci["entropy"] == [0.0, 0.0]
    assert ci["cr"] == {"1": [1.0, 1.0], "4": [1.0, 1.0], "8": [1.0, 1.0], "10": [1.0, 1.0]}
    assert bootstrap.bootstrap_intervals([]) is None
    assert bootstrap.bootstrap_intervals([0.0, 0.0]) is None


def test_equal_companies_give_a_point():
    ci = bootstrap.bootstrap_intervals([5, 5, 5, 5], level=0.95, resamples=200)
    assert ci["hhi"] == pytest.approx([2500.0, 2500.0]) and ci["gini"] == [0.0, 0.0]


def test_large_markets_use_the_percentile_interval():
    x = np.random.default_rng(0).pareto(2.0, size=bootstrap.BCA_MAX_N + 1) + 1
    ci = bootstrap.bootstrap_intervals(x, resamples=20)
    assert ci["method"] == "percentile"
    assert ci["hhi"][0] <= metrics.hhi(x) <= ci["hhi"][1]


@pytest.mark.parametrize(
    "kw, word",
    [
        ({"level": 1.0}, "ci"),
        ({"level": 0.0}, "ci"),
        ({"level": 95}, "ci"),
        ({"level": "x"}, "ci"),
        ({"resamples": 0}, "resamples"),
        ({"resamples": 2.5}, "resamples"),
        ({"seed": -1}, "seed"),
    ],
)
def test_bad_options_are_usage_errors(kw, word):
    with pytest.raises(UsageError, match=word):
        bootstrap.bootstrap_intervals([1, 2, 3], **{"level": 0.95, **kw})


def test_few_resamples_warn():
    assert bootstrap.few_resamples_warning(199) is not None
    assert bootstrap.few_resamples_warning(200) is None


# ---------------------------------------------------------------- the commands (CLI and library)

FUNDING = str(Path(__file__).resolve().parent / "fixtures" / "funding_by_year.csv")


def test_concentration_ci_is_null_without_the_option():
    from conftest import assert_schema, run_cli

    r = run_cli("concentration", FUNDING, "-v", "funding", "-f", "json", "-q")
    assert r.code == 0, r.err
    doc = r.json()
    assert_schema(doc, "concentration")
    assert all(res["ci"] is None for res in doc["results"])


def test_concentration_ci_json_matches_the_library_and_the_schema():
    from conftest import assert_schema, run_cli

    from aistruct import concentration_report

    args = ("-v", "funding", "-b", "year", "--top", "1,2", "--ci", "0.9", "--resamples", "300", "--seed", "4")
    r = run_cli("concentration", FUNDING, *args, "-f", "json", "-q")
    assert r.code == 0, r.err
    doc = r.json()
    assert_schema(doc, "concentration")
    lib = concentration_report(FUNDING, value="funding", by=["year"], top=[1, 2], ci=0.9, resamples=300, seed=4)
    assert [res["ci"] for res in doc["results"]] == [res["ci"] for res in lib.results]
    ci = doc["results"][0]["ci"]
    assert (ci["level"], ci["method"], ci["resamples"], ci["seed"]) == (0.9, "bca", 300, 4)
    assert list(ci["cr"]) == list(doc["results"][0]["cr"]) == ["1", "2"]
    assert list(ci) == ["level", "method", "resamples", "seed", "hhi", "cr", "gini", "theil", "entropy"]
    # the same as bootstrapping the group's company values directly
    import pandas as pd

    frame = pd.read_csv(FUNDING)
    first = frame[frame["year"].astype(str) == doc["results"][0]["group"]["year"]]
    values = first.groupby("company")["funding"].sum().to_numpy()
    assert ci == bootstrap.bootstrap_intervals(values, level=0.9, resamples=300, seed=4, top=(1, 2))


def test_concentration_ci_csv_columns_and_table():
    from conftest import run_cli

    r = run_cli(
        "concentration", FUNDING, "-v", "funding", "--top", "1", "--ci", "0.95", "--resamples", "200", "-f", "csv", "-q"
    )
    assert r.code == 0, r.err
    header = r.out.splitlines()[0].split(",")
    assert header[-10:] == [
        "hhi_ci_lo", "hhi_ci_hi", "cr_1_ci_lo", "cr_1_ci_hi", "gini_ci_lo", "gini_ci_hi",
        "theil_ci_lo", "theil_ci_hi", "entropy_ci_lo", "entropy_ci_hi",
    ]  # fmt: skip
    plain = run_cli("concentration", FUNDING, "-v", "funding", "-f", "csv", "-q")
    assert "ci_lo" not in plain.out
    t = run_cli("concentration", FUNDING, "-v", "funding", "--ci", "0.95", "--resamples", "200", "-q")
    assert "95% CI" in t.out and "resamples of the companies" in t.out
    grouped = run_cli(
        "concentration", FUNDING, "-v", "funding", "-b", "year", "--ci", "0.9", "--resamples", "200", "-q"
    )
    assert "HHI 90% CI" in grouped.out


@pytest.mark.parametrize(
    "args, word",
    [
        (("--ci", "1"), "--ci"),
        (("--ci", "0"), "--ci"),
        (("--ci", "95"), "--ci"),
        (("--ci", "0.95", "--resamples", "0"), "--resamples"),
        (("--ci", "0.95", "--seed", "-1"), "--seed"),
    ],
)
def test_bad_interval_options_exit_2(args, word):
    from conftest import run_cli

    for command in (("concentration", FUNDING, "-v", "funding"), ("trend", FUNDING, "-p", "year")):
        r = run_cli(*command, *args, "-q")
        assert r.code == 2 and word in r.err and "Traceback" not in r.err
        assert len(r.err.strip().splitlines()) == 1


def test_few_resamples_warn_on_the_command_line():
    from conftest import run_cli

    r = run_cli("concentration", FUNDING, "-v", "funding", "--ci", "0.95", "--resamples", "50", "-f", "json")
    assert r.code == 0
    assert any("--resamples 50" in w for w in r.json()["warnings"])


def test_trend_periods_carry_their_interval():
    from conftest import assert_schema, run_cli

    r = run_cli(
        "trend", FUNDING, "-p", "year", "--min-n", "1", "--ci", "0.95", "--resamples", "200", "-f", "json", "-q"
    )
    assert r.code == 0, r.err
    doc = r.json()
    assert_schema(doc, "trend")
    periods = doc["results"][0]["periods"]
    assert all(p["ci"]["level"] == 0.95 and p["ci"]["resamples"] == 200 for p in periods)
    plain = run_cli("trend", FUNDING, "-p", "year", "--min-n", "1", "-f", "json", "-q").json()
    assert all(p["ci"] is None for p in plain["results"][0]["periods"])
    csv = run_cli(
        "trend", FUNDING, "-p", "year", "--min-n", "1", "--ci", "0.95", "--resamples", "200", "-f", "csv", "-q"
    )
    assert "hhi_ci_lo" in csv.out.splitlines()[0]
    table = run_cli("trend", FUNDING, "-p", "year", "--min-n", "1", "--ci", "0.95", "--resamples", "200", "-q")
    assert "HHI 95% CI" in table.out
