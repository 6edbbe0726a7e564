"""The fast paths of the core give the same answers as the plain ones, and the progress
indicator never shows where it must not. (Timings belong to benchmarks/, not here.)"""

import io
import sys

import numpy as np
import pytest
from conftest import run_cli, write

from aistruct import metrics
from aistruct.concentration import concentration_report, market_metrics
from aistruct.engines import load_markets
from aistruct.errors import UsageError
from aistruct.markets import MarketSpec, present_combos
from aistruct.reader import ReadOptions, load_table

# ---------------------------------------------------------------- group combinations


@pytest.mark.parametrize("sizes", [(3,), (4, 7), (2, 3, 5), (50_000, 3)])
def test_present_combos_equal_a_2d_unique(sizes):
    rng = np.random.default_rng(7)
    n = 2_000
    codes = [rng.integers(0, k, size=n) for k in sizes]
    keep = rng.random(n) > 0.2
    expected = np.unique(np.stack([c[keep] for c in codes], axis=1), axis=0).tolist()
    assert present_combos(codes, list(sizes), keep) == expected


def test_present_combos_huge_key_space_falls_back():
    # 3 columns of 2**21 labels each: 2**63 combinations do not fit one int64 key.
    codes = [np.array([5, 1, 5, 2**21 - 1]), np.array([0, 9, 0, 3]), np.array([2, 2, 2, 1])]
    keep = np.array([True, True, True, True])
    assert present_combos(codes, [2**21] * 3, keep) == [[1, 9, 2], [5, 0, 2], [2**21 - 1, 3, 1]]


def test_present_combos_nothing_kept():
    assert present_combos([np.array([0, 1])], [2], np.array([False, False])) == []


# ---------------------------------------------------------------- metrics


def test_metrics_do_not_depend_on_company_order():
    # The same market in three orders: every figure identical to the last bit.
    rng = np.random.default_rng(3)
    x = np.round(rng.lognormal(10, 2, size=5_000), 2)
    names = np.array([f"c{i}" for i in range(x.size)], dtype=object)
    docs = []
    for order in (np.arange(x.size), rng.permutation(x.size), np.argsort(-x, kind="stable")):
        docs.append(market_metrics(names[order], x[order]))
    assert docs[0] == docs[1] == docs[2]


def test_prepared_gives_the_figures_of_the_raw_values():
    x = [541, 1463, 2445, 3438, 4437, 5401, 6392, 8304, 11904, 22261]
    p = metrics.Prepared(x)
    for f in (
        metrics.hhi,
        metrics.hhi_normalized,
        metrics.equivalent_firms,
        metrics.gini,
        metrics.gini_corrected,
        metrics.theil,
        metrics.entropy,
        metrics.entropy_normalized,
        metrics.palma,
        metrics.rosenbluth,
    ):
        assert f(p) == f(x), f.__name__
    assert metrics.concentration_ratios(p, (1, 4)) == metrics.concentration_ratios(x, (1, 4))
    assert metrics.concentration_ratio(p, 4) == metrics.concentration_ratios(x, (4,))["4"]
    assert metrics.atkinson(p, 0.5) == metrics.atkinson(x, 0.5)
    # R ineq reference values (see tests/test_metrics.py): Gini 0.4620911, Herfindahl 0.1840812.
    assert metrics.gini(p) == pytest.approx(0.4620911, abs=5e-8)
    assert metrics.herfindahl(p) == pytest.approx(0.1840812, abs=5e-8)
    assert list(metrics.shares(p)) == pytest.approx([v / sum(x) for v in x], rel=1e-15)


def test_prepared_zero_total_and_bad_values_raise_as_before():
    with pytest.raises(ValueError):
        metrics.hhi(metrics.Prepared([0.0, 0.0]))
    with pytest.raises(ValueError):
        metrics.Prepared([1.0, -1.0])
    with pytest.raises(ValueError):
        metrics.Prepared([])


def test_total_is_added_in_ascending_order():
    # 1e16 + 1 + 1 in this order loses both ones (1e16 + 1 rounds back to 1e16);
    # ascending order adds 1 + 1 = 2 first and 1e16 + 2 is exact.
    doc = market_metrics(["a", "b", "c"], [1e16, 1.0, 1.0])
    assert doc["total"] == 1e16 + 2


# ---------------------------------------------------------------- progress


def test_progress_callback_sees_every_stage_and_changes_nothing(tmp_path):
    f = write(tmp_path, "m.csv", "company,year,v\nA,2024,5\nB,2024,3\nA,2025,1\nC,2025,4\n")
    seen = []
    with_progress = concentration_report(f, by=["year"], progress=lambda *a: seen.append(a))
    plain = concentration_report(f, by=["year"])
    assert with_progress.to_dict() == plain.to_dict()
    stages = [s[0] for s in seen]
    assert stages[0] == "read" and "aggregate" in stages and stages[-1] == "compute"
    size = f.stat().st_size
    assert ("read", size, size) in seen  # bytes read / total at the end of reading
    assert ("compute", 1, 2) in seen  # groups done / groups


def test_progress_never_in_json_or_piped_output(tmp_path, monkeypatch):
    from aistruct.cli import progress

    class Tty(io.StringIO):
        def isatty(self):
            return True

    monkeypatch.delenv("AISTRUCT_PROGRESS", raising=False)
    monkeypatch.setattr(sys, "stderr", Tty())
    monkeypatch.setattr(sys, "stdout", Tty())
    assert progress.wanted("table", None) is True
    assert progress.wanted("json", None) is False  # JSON: never
    assert progress.wanted("json", "out.json") is False
    monkeypatch.setattr(sys, "stdout", io.StringIO())  # stdout piped
    assert progress.wanted("table", None) is False
    assert progress.wanted("csv", None) is False
    assert progress.wanted("table", "out.txt") is True  # result goes to a file: the terminal may show progress
    monkeypatch.setenv("AISTRUCT_PROGRESS", "0")
    assert progress.wanted("table", "out.txt") is False
    monkeypatch.setattr(sys, "stderr", io.StringIO())  # stderr not a terminal: never, even when forced
    monkeypatch.setenv("AISTRUCT_PROGRESS", "1")
    assert progress.wanted("table", None) is False


def test_cli_runs_show_no_progress(tmp_path):
    f = write(tmp_path, "m.csv", "company,v\nA,5\nB,3\n")
    for fmt in ("json", "table", "csv"):
        r = run_cli("concentration", f, "--format", fmt, env={"AISTRUCT_PROGRESS": "1"})
        assert r.code == 0
        assert r.err == ""  # stderr is not a terminal here: nothing, not even forced


def test_short_work_on_a_terminal_shows_nothing(monkeypatch):
    from aistruct.cli import progress

    class Tty(io.StringIO):
        def isatty(self):
            return True

    err = Tty()
    monkeypatch.setattr(sys, "stderr", err)
    monkeypatch.setattr(sys, "stdout", Tty())
    with progress.progress_reporter("table", None) as report:
        assert report is not None
        report("read", 10, 100)
    assert err.getvalue() == ""  # done within the one-second delay: never drawn


# ---------------------------------------------------------------- engines


def test_load_table_refuses_another_engine():
    with pytest.raises(UsageError, match="^engine duckdb: not available for this command"):
        load_table("whatever.csv", ReadOptions(engine="duckdb"))


def test_unknown_engine_is_a_usage_error(tmp_path):
    f = write(tmp_path, "m.csv", "company,v\nA,5\n")
    with pytest.raises(UsageError, match="unknown engine"):
        load_markets(f, ReadOptions(engine="spark"), MarketSpec())
    r = run_cli("concentration", f, "--engine", "spark")
    assert r.code == 2 and "unknown engine 'spark'" in r.err


def test_indexed_group_split_equals_pandas_groupby(tmp_path):
    from aistruct.markets import prepare_markets

    rows = ["company,region,year,v"]
    rng = np.random.default_rng(11)
    for _ in range(400):
        rows.append(
            f"c{rng.integers(0, 40)},{['EU', 'US', ''][rng.integers(0, 3)]},{rng.integers(2020, 2024)},"
            f"{rng.integers(1, 100)}"
        )
    f = write(tmp_path, "g.csv", "\n".join(rows) + "\n")
    markets = prepare_markets(load_table(f), MarketSpec(entity="company", value="v", by=("region", "year")))
    assert markets.group_index is not None
    fast = list(markets.iter_groups())
    markets.group_index = None  # the pandas groupby path
    slow = list(markets.iter_groups())
    assert [g for g, _ in fast] == [g for g, _ in slow] and len(fast) == 8
    for (_, a), (_, b) in zip(fast, slow):
        assert a.equals(b) and list(a.index) == list(b.index)
