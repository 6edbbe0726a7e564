"""Numerical robustness, determinism and safe writes (issue 9, points 3 and 4).

Expected values are hand computations (written beside each assertion) or exact
rational arithmetic with ``fractions.Fraction``, never what the code printed.
"""

from __future__ import annotations

import errno
import json
import math
import os
import re
import subprocess
import sys
from fractions import Fraction

import numpy as np
import pytest
from conftest import DATASETS, ROOT, assert_schema, run_cli, write

from aistruct import metrics
from aistruct.cli import outfile


def rel(a, b, tol=1e-12):
    return math.isclose(a, b, rel_tol=tol, abs_tol=0.0)


def concentration_json(tmp_path, rows: str, *extra):
    path = write(tmp_path, "values.csv", "company,value\n" + rows)
    r = run_cli("concentration", path, "--format", "json", *extra)
    assert r.code == 0, r.err
    doc = json.loads(r.out, parse_constant=lambda c: pytest.fail(f"non-strict JSON {c}"))
    assert_schema(doc, "concentration")
    return doc["results"][0]


# ---------------------------------------------------------------- extreme magnitudes


def test_values_near_1e308_do_not_overflow(tmp_path):
    # 8e307, 4e307, 4e307: total 1.6e308 (finite); shares 1/2, 1/4, 1/4
    # HHI = 50^2 + 25^2 + 25^2 = 3750; Gini = sum|xi-xj| / (2 n^2 mean)
    #     = (4 ordered pairs x 4e307) / (2 * 9 * 1.6e308/3) = 16 / 96 = 1/6
    r = concentration_json(tmp_path, "a,8e307\nb,4e307\nc,4e307\n")
    assert rel(r["hhi"], 3750) and rel(r["gini"], 1 / 6) and rel(r["cr"]["1"], 0.5)
    assert r["total"] == 1.6e308


def test_four_times_1e308_total_overflows_but_shares_do_not(tmp_path):
    # The total, 4e308, is beyond a float: it is null; the shares (1/4 each) are exact:
    # HHI = 4 * 25^2 = 2500, Gini 0, CR1 0.25, normalised HHI 0.
    r = concentration_json(tmp_path, "a,1e308\nb,1e308\nc,1e308\nd,1e308\n")
    assert r["total"] is None
    assert (r["hhi"], r["gini"], r["cr"]["1"], r["hhi_normalized"]) == (2500.0, 0.0, 0.25, 0.0)


def test_subnormal_values_keep_their_shares(tmp_path):
    # 1e-320 and 3e-320 are subnormal: 2024 and 6072 units of 5e-324, ratio exactly 1:3.
    # Squaring them directly underflows to 0; scaled first, shares are 1/4, 3/4:
    # HHI = 25^2 + 75^2 = 6250; Gini = 2 * 2e-320 / (2 * 4 * 2e-320) = 0.25.
    r = concentration_json(tmp_path, "a,1e-320\nb,3e-320\n")
    assert rel(r["hhi"], 6250) and rel(r["gini"], 0.25) and rel(r["cr"]["1"], 0.75)
    # the smallest subnormal twice: two equal shares, HHI 5000, Gini 0
    r = concentration_json(tmp_path, "a,5e-324\nb,5e-324\n")
    assert (r["hhi"], r["gini"]) == (5000.0, 0.0)


def test_one_giant_beside_a_million_ones():
    n_small = 10**6
    x = np.ones(n_small + 1)
    x[0] = 1e15
    T = Fraction(10**15 + n_small)
    n = n_small + 1
    # HHI = 10000 * sum x^2 / T^2 = 10000 * (1e30 + 1e6) / (1e15 + 1e6)^2
    want_hhi = 10000 * (Fraction(10**30) + n_small) / T**2
    # Gini = sum_ij |xi - xj| / (2 n^2 mean) = 2 * 1e6 * (1e15 - 1) / (2 n T)
    want_gini = Fraction(n_small * (10**15 - 1)) / (n * T)
    assert rel(metrics.hhi(x), float(want_hhi))
    assert rel(metrics.gini(x), float(want_gini))
    assert rel(metrics.concentration_ratio(x, 1), float(Fraction(10**15) / T))
    assert rel(metrics.concentration_ratio(x, 4), float(Fraction(10**15 + 3) / T))


def test_a_million_equal_values():
    x = np.full(10**6, 7.0)
    # equal shares 1/n: HHI = 10000 * n * (1/n)^2 = 10000 / n = 0.01; Gini 0
    assert rel(metrics.hhi(x), 10000 / 10**6)
    assert abs(metrics.gini(x)) <= 1e-12
    assert abs(metrics.hhi_normalized(x)) <= 1e-12
    assert rel(metrics.equivalent_firms(x), 10**6)


def test_a_single_company(tmp_path):
    # One company holds everything: HHI 10000, CR1 1, Gini 0; the normalised HHI,
    # corrected Gini and normalised entropy divide by n - 1 or log n = 0: null.
    r = concentration_json(tmp_path, "solo,42\n")
    assert (r["n"], r["hhi"], r["cr"]["1"], r["gini"]) == (1, 10000.0, 1.0, 0.0)
    assert r["hhi_normalized"] is None and r["gini_corrected"] is None and r["entropy_normalized"] is None


def test_two_companies(tmp_path):
    # 3 and 1: shares 3/4, 1/4; HHI = 75^2 + 25^2 = 6250; normalised (0.625 - 0.5) / 0.5 = 0.25;
    # Gini = 2 * 2 / (2 * 4 * 2) = 0.25, corrected * n/(n-1) = 0.5
    r = concentration_json(tmp_path, "a,3\nb,1\n")
    assert rel(r["hhi"], 6250) and rel(r["hhi_normalized"], 0.25)
    assert rel(r["gini"], 0.25) and rel(r["gini_corrected"], 0.5)


# ---------------------------------------------------------------- determinism

TABLE = (
    "company,value,year,size\n"
    # ties (B and C, D and E) and a name order that differs from the value order
    + "".join(
        f"{c},{v},{y},{s}\n"
        for y in (2020, 2021, 2022, 2023, 2024, 2025)
        for c, v, s in (
            ("Zeta", 50 + y % 7, 900),
            ("B", 20, 40),
            ("C", 20, 40),
            ("D", 5, 3),
            ("E", 5, 3),
            ("字节", 1.5, 120),
            ("é\u0301", 0.25, 8),
        )
    )
)
SCENARIOS = "acquirer,target,name\nB,C,tie\nD,E,small\nZeta,字节,big\n"


def _commands(tmp_path) -> list:
    data = write(tmp_path, "market.csv", TABLE)
    scen = write(tmp_path, "deals.csv", SCENARIOS)
    out = tmp_path / "out"
    return [
        ["concentration", data, "--value", "value", "--by", "year"],
        ["tiers", data, "--value", "value", "--size", "size", "--entities"],
        ["trend", data, "--value", "value", "--period", "year", "--min-n", "3"],
        ["merge", data, "--value", "value", "--scenarios", scen, "--by", "year"],
        ["validate", data, "--entity", "company", "--value", "value", "--by", "year", "--outliers"],
    ], out


_RUNNER = """
import json, sys
from aistruct.cli import main
for i, args in enumerate(json.loads(sys.argv[1])):
    try:
        main(args + ["--format", "json", "--output", sys.argv[2] + f"/{i}.json"])
    except SystemExit as exc:
        assert exc.code in (0, 1, None), (args, exc.code)
"""


def test_same_input_gives_byte_identical_json_for_every_command(tmp_path):
    """Two fresh processes with different hash seeds (set and dict order) write the same bytes."""
    commands, _ = _commands(tmp_path)
    runs = []
    for seed in ("1", "2"):
        folder = tmp_path / f"run{seed}"
        folder.mkdir()
        env = {**os.environ, "PYTHONHASHSEED": seed, "NO_COLOR": "1"}
        subprocess.run(
            [sys.executable, "-c", _RUNNER, json.dumps([[str(a) for a in c] for c in commands]), str(folder)],
            check=True,
            env=env,
            cwd=ROOT,
            timeout=120,
        )
        runs.append([(folder / f"{i}.json").read_bytes() for i in range(len(commands))])
    for cmd, a, b in zip(commands, *runs):
        if cmd[0] == "validate":  # its documented stats.seconds is a stopwatch: the one field allowed to differ
            a, b = (re.sub(rb'"seconds": [0-9.e+-]+', b'"seconds": 0', x) for x in (a, b))
        assert a == b, f"{cmd[0]}: two runs differ"
        assert_schema(json.loads(a), cmd[0])


# ---------------------------------------------------------------- safe writes


@pytest.mark.parametrize("which", range(5))
def test_output_never_overwrites_an_input_file(tmp_path, which):
    commands, _ = _commands(tmp_path)
    cmd = [str(a) for a in commands[which]]
    inputs = [a for a in cmd if a.endswith(".csv")]
    for target in inputs:  # merge: the scenarios file is an input too
        before = {p: open(p, "rb").read() for p in inputs}
        r = run_cli(*cmd, "--format", "json", "--output", target)
        assert r.code == 2, (cmd, r.err)
        assert r.err == f"aistruct: error: --output {target}: refusing to overwrite the input file\n"
        assert r.out == ""
        assert {p: open(p, "rb").read() for p in inputs} == before
    # other names for the same file (a hard link, a symbolic link) are the same file
    hard, soft = tmp_path / f"hard{which}.csv", tmp_path / f"soft{which}.csv"
    os.link(inputs[0], hard)
    os.symlink(inputs[0], soft)
    for link in (hard, soft):
        r = run_cli(*cmd, "--output", link)
        assert r.code == 2 and r.err == f"aistruct: error: --output {link}: refusing to overwrite the input file\n"


def test_output_never_overwrites_a_bundled_dataset():
    source = DATASETS / "ai_app_mau_cn_2025-03.csv"
    before = source.read_bytes()
    r = run_cli("concentration", "dataset:ai_app_mau_cn_2025-03", "--output", source)
    assert r.code == 2
    assert r.err == f"aistruct: error: --output {source}: refusing to overwrite the input file\n"
    assert source.read_bytes() == before


def test_output_is_written_whole_through_a_temporary_file(tmp_path):
    commands, _ = _commands(tmp_path)
    target = tmp_path / "result.json"
    target.write_text("OLD", encoding="utf-8")
    r = run_cli(*commands[0], "--format", "json", "--output", target)
    assert r.code == 0 and r.out == ""
    assert json.loads(target.read_text(encoding="utf-8"))["command"] == "concentration"
    assert [f for f in os.listdir(tmp_path) if f.startswith(".aistruct-")] == []


class _FailingFile:
    """A file that writes half of what it is given, then fails like a full disk."""

    def __init__(self, real, exc):
        self.real, self.exc = real, exc

    def write(self, text):
        self.real.write(text[: len(text) // 2])
        self.real.flush()
        raise self.exc

    def __enter__(self):
        return self

    def __exit__(self, *a):
        self.real.close()
        return False


@pytest.mark.parametrize(
    "exc, code, message",
    [
        (OSError(errno.ENOSPC, "No space left on device"), 2, "cannot write (No space left on device)"),
        (KeyboardInterrupt(), 130, None),  # Ctrl-C: exit 130 as shells expect, and one line saying so
    ],
)
def test_a_failure_while_writing_leaves_the_old_file_intact(tmp_path, monkeypatch, exc, code, message):
    commands, _ = _commands(tmp_path)
    target = tmp_path / "result.json"
    target.write_text("OLD RESULT\n", encoding="utf-8")
    real_fdopen = os.fdopen
    monkeypatch.setattr(outfile.os, "fdopen", lambda *a, **k: _FailingFile(real_fdopen(*a, **k), exc))
    r = run_cli(*commands[0], "--format", "json", "--output", target)
    assert r.code == code
    assert r.err == (f"aistruct: error: --output {target}: {message}\n" if message else "aistruct: interrupted\n")
    assert target.read_text(encoding="utf-8") == "OLD RESULT\n"  # the old file, whole
    assert [f for f in os.listdir(tmp_path) if f.startswith(".aistruct-")] == []  # no half-written temp file


def test_output_into_a_missing_folder_is_a_usage_error(tmp_path):
    commands, _ = _commands(tmp_path)
    target = tmp_path / "no" / "such" / "folder" / "out.json"
    r = run_cli(*commands[0], "--format", "json", "--output", target)
    assert r.code == 2
    assert r.err.startswith(f"aistruct: error: --output {target}: cannot write there (")


@pytest.mark.parametrize("fmt", ["table", "csv"])
def test_a_reader_that_stops_early_is_not_an_error(tmp_path, fmt):
    """``aistruct ... | head``: the closed pipe ends the run quietly with exit 0 (1 would mean a check failed)."""
    rows = "company,value\n" + "".join(f"c{i},{i % 97 + 1}\n" for i in range(5000))  # ~300 KB out, > a pipe buffer
    path = write(tmp_path, "many.csv", rows)
    env = {**os.environ, "NO_COLOR": "1", "COLUMNS": "80"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "aistruct", "tiers", str(path), "--entities", "--bounds", "10,50", "--format", fmt],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
        cwd=ROOT,
    )
    assert proc.stdout.readline()
    proc.stdout.close()
    err = proc.stderr.read()
    assert proc.wait(timeout=60) == 0, err
    assert err == b""


@pytest.mark.parametrize(
    "args",
    [
        ["concentration", "--by", "year"],
        ["tiers", "--method", "natural", "--entities"],
        ["tiers", "--bounds", "100,10000"],
        ["trend", "--period", "year", "--min-n", "2"],
        ["merge", "--acquirer", "C07", "--target", "C11", "--by", "year"],
    ],
    ids=lambda a: " ".join(a[:2]),
)
def test_row_order_changes_no_figure(tmp_path, args):
    """The same rows in another order give the same document: numbers to 1e-12 relative (float sums
    within one company follow the rows' order in their last bits), everything else exactly."""
    rng = np.random.default_rng(11)
    rows = [
        (f"C{int(c):02d}", int(y), float(np.round(rng.lognormal(6, 2), 3)))
        for c, y in zip(rng.integers(0, 40, 400), rng.integers(2020, 2024, 400))
    ]
    docs = []
    for order in (rows, rows[::-1], [rows[i] for i in rng.permutation(len(rows))]):
        path = write(
            tmp_path, f"r{len(docs)}.csv", "company,year,funding\n" + "".join(f"{c},{y},{v}\n" for c, y, v in order)
        )
        r = run_cli(args[0], path, "--entity", "company", "--value", "funding", "-f", "json", *args[1:])
        assert r.code == 0, r.err
        doc = r.json()
        doc["input"].pop("source")
        docs.append(doc)

    def same(a, b, where="$"):
        if isinstance(a, float) or isinstance(b, float):
            assert a == pytest.approx(b, rel=1e-12, abs=1e-300), where
        elif isinstance(a, dict):
            assert a.keys() == b.keys(), where
            for k in a:
                same(a[k], b[k], f"{where}.{k}")
        elif isinstance(a, list):
            assert len(a) == len(b), where
            for i, (x, y) in enumerate(zip(a, b)):
                same(x, y, f"{where}[{i}]")
        else:
            assert a == b, where

    same(docs[0], docs[1])
    same(docs[0], docs[2])
