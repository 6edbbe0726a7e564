"""``--engine dask`` gives the default engine's results on a real Dask cluster, and refuses what it cannot do.

One module-scoped ``distributed.LocalCluster`` (two worker processes) serves every
test through ``--scheduler``; one test starts a scheduler and two workers as
separate processes (``dask scheduler``, ``dask worker``), as the docs show.
"""

import json
import math
import os
import signal
import subprocess
import sys
import time
import warnings
from pathlib import Path

import distributed  # noqa: F401  (the test extra installs it: a missing Dask fails here, never skips)
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from conftest import run_cli, write  # noqa: E402
from test_duckdb_engine import market_table

FIXTURES = Path(__file__).parent / "fixtures"
ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def cluster():
    import logging

    from distributed import LocalCluster

    with warnings.catch_warnings():  # "Port 8787 is already in use" (the metrics port, unused)
        warnings.simplefilter("ignore", UserWarning)
        local = LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
            silence_logs=logging.CRITICAL,
            timeout=60,
        )
    try:
        yield local.scheduler_address
    finally:
        local.close(timeout=30)


def dask_cli(address, *args, **kw):
    return run_cli(*args, "--engine", "dask", "--scheduler", address, **kw)


def assert_same(a, b, path="doc"):
    """Equal JSON, floats to 1e-12 relative (the additions run in another order)."""
    if isinstance(a, float) and isinstance(b, float):
        assert math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-300) or (math.isnan(a) and math.isnan(b)), (path, a, b)
    elif isinstance(a, dict) and isinstance(b, dict):
        assert list(a) == list(b), (path, list(a), list(b))
        for k in a:
            assert_same(a[k], b[k], f"{path}.{k}")
    elif isinstance(a, list) and isinstance(b, list):
        assert len(a) == len(b), (path, a, b)
        for i, (x, y) in enumerate(zip(a, b)):
            assert_same(x, y, f"{path}[{i}]")
    else:
        assert a == b, (path, a, b)


def assert_same_run(address, *args):
    default = run_cli(*args, "--format", "json")
    dask = dask_cli(address, *args, "--format", "json")
    assert dask.code == default.code, (dask.err, default.err)
    assert dask.err == default.err
    if default.code == 0:
        assert_same(json.loads(dask.out), json.loads(default.out))
    return dask


DATASETS = [
    "ai_app_mau_cn_2025-03",
    "frontier_lab_funding",
    "frontier_lab_revenue",
    "frontier_lab_staff",
    "frontier_lab_users",
    "frontier_models_compute",
    "notable_models_compute",
]


def test_every_bundled_dataset_is_listed():
    from aistruct import datasets

    # industry_facts is a JSON document of published figures, not a CSV the engine reads
    assert sorted(DATASETS + ["industry_facts"]) == sorted(r["name"] for r in datasets.resources())


@pytest.mark.parametrize("name", DATASETS)
def test_bundled_datasets_match_the_default_engine(cluster, name):
    assert_same_run(cluster, "concentration", f"dataset:{name}")


FIXTURE_RUNS = [
    ["concentration", "doj_30_30_20_20.csv"],
    ["concentration", "empty.csv"],
    ["concentration", "header_only.csv"],
    ["concentration", "ineq_reference.csv"],
    ["concentration", "missing_values.csv"],
    ["concentration", "negative_values.csv"],
    ["concentration", "non_numeric_value.csv"],
    ["concentration", "non_numeric_value.csv", "--on-bad-value", "drop"],
    ["concentration", "repeated_entities.csv"],
    ["concentration", "team_sizes.csv", "--value", "funding"],
    ["concentration", "two_numeric.csv"],
    ["concentration", "zero_total.csv"],
    ["concentration", "funding_by_year.csv", "--by", "year", "--where", "year >= 2023"],
    ["concentration", "merge_by_market.csv", "--by", "market", "--agg", "mean"],
    ["trend", "trend_by_year.csv", "--period", "year"],
    ["tiers", "ineq_reference.csv"],
    ["tiers", "team_sizes.csv", "--value", "funding", "--size", "headcount"],
    ["merge", "doj_30_30_20_20.csv", "--acquirer", "Alpha", "--targets", "Beta"],
    ["flows", "flows_panel.csv", "--period", "year", "--value", "size"],
]


@pytest.mark.parametrize("args", FIXTURE_RUNS, ids=[" ".join(a) for a in FIXTURE_RUNS])
def test_fixtures_match_the_default_engine(cluster, args):
    command, name, *rest = args
    assert_same_run(cluster, command, FIXTURES / name, *rest)


@pytest.fixture(scope="module")
def rounds(tmp_path_factory):
    folder = tmp_path_factory.mktemp("dask")
    table = market_table()
    path = folder / "rounds.parquet"
    pq.write_table(table, path, row_group_size=700)
    half = table.num_rows // 2
    (folder / "parts").mkdir()
    pq.write_table(table.slice(0, half), folder / "parts" / "a.parquet")
    pq.write_table(table.slice(half), folder / "parts" / "b.parquet")
    return folder, path


CASES = [
    ["--entity", "company", "--value", "funding"],
    ["--by", "year", "--by", "region", "--show", "3"],
    ["--by", "year", "--agg", "mean"],
    ["--by", "region", "--value", "funding", "--agg", "max", "--top", "1,2"],
    ["--by", "region", "--value", "funding", "--agg", "min"],
    ["--by", "year", "--agg", "count"],
    ["--by", "year", "--where", "funding >= 1000", "--where", "region != CN"],
    ["--value", "funding", "--where", "company ~ ^co0", "--exclude", "CO002"],
    ["--value", "funding", "--where", "region = Mars"],  # matches nothing: the same exit 2
    ["--value", "funding", "--by", "year", "--freq", "year"],
]


@pytest.mark.parametrize("args", CASES, ids=[" ".join(c) for c in CASES])
def test_parquet_matches_the_default_engine(cluster, rounds, args):
    _, path = rounds
    assert_same_run(cluster, "concentration", path, *args)


def test_a_glob_of_files_is_the_single_file(cluster, rounds):
    folder, path = rounds
    single = run_cli("concentration", path, "--by", "year", "--format", "json").json()
    r = dask_cli(cluster, "concentration", folder / "parts" / "*.parquet", "--by", "year", "--format", "json")
    assert r.code == 0, r.err
    glob = r.json()
    assert glob["input"].pop("source") == str(folder / "parts" / "*.parquet")
    single["input"].pop("source")
    # Hand count from market_table (see test_duckdb_engine): rows 5 and 6 of a.parquet have blank names.
    assert (
        glob["warnings"][0]
        == f"dropped 2 row(s) with a blank 'company' (first: {folder / 'parts' / 'a.parquet'} record 5)"
    )
    glob["warnings"][0] = single["warnings"][0]
    assert_same(glob, single)


def test_a_hive_folder_gives_its_partition_column(cluster, tmp_path):
    table = market_table().drop_null().filter(pa.compute.field("year") < 2030)
    pq.write_to_dataset(table.drop_columns(["region"]), tmp_path / "hive", partition_cols=["year"])
    r = dask_cli(
        cluster,
        "concentration",
        tmp_path / "hive",
        "--by",
        "year",
        "--entity",
        "company",
        "--value",
        "funding",
        "--format",
        "json",
    )
    assert r.code == 0, r.err
    flat = write(tmp_path, "flat.csv", table.drop_columns(["region"]).to_pandas().to_csv(index=False))
    default = run_cli("concentration", flat, "--by", "year", "--format", "json").json()
    got = r.json()
    assert [g["group"] for g in got["results"]] == [g["group"] for g in default["results"]]
    assert_same(got["results"], default["results"])


def test_a_bad_value_in_one_file_names_the_file_and_row(cluster, tmp_path):
    write(tmp_path, "a.csv", "company,funding\nA,1\nB,2\n")
    write(tmp_path, "b.csv", "company,funding\nC,3\nD,ten\n")
    r = dask_cli(cluster, "concentration", tmp_path / "*.csv", "--value", "funding")
    assert r.code == 2
    assert r.err == (
        f"aistruct: error: {tmp_path / 'b.csv'}: row 3, column 'funding': not a number: 'ten'; "
        "use --on-bad-value drop to skip such cells\n"
    )


def test_files_that_disagree_on_the_columns_exit_2(cluster, tmp_path):
    write(tmp_path, "a.csv", "company,funding\nA,1\n")
    write(tmp_path, "b.csv", "name,users\nC,3\n")
    r = dask_cli(cluster, "concentration", tmp_path / "*.csv")
    assert r.code == 2 and "do not agree on the columns" in r.err and "Traceback" not in r.err


@pytest.mark.parametrize(
    "args, message",
    [
        (["--wide"], "does not read wide tables"),
        (["--split-entities", ","], "does not split entities"),
        (["--sheet", "x"], "--sheet does not apply"),
        (["--input-format", "json"], "the Dask engine reads CSV and Parquet, not json"),
    ],
)
def test_refused_options_exit_2(cluster, args, message):
    r = dask_cli(cluster, "concentration", FIXTURES / "doj_30_30_20_20.csv", *args)
    assert r.code == 2 and message in r.err and "Traceback" not in r.err, r.err


def test_refused_sources_exit_2(cluster, tmp_path):
    doc = write(tmp_path, "m.json", '[{"company": "A", "v": 1}]')
    r = dask_cli(cluster, "concentration", doc)
    assert r.code == 2 and "the Dask engine reads CSV and Parquet" in r.err
    r = dask_cli(cluster, "concentration", "-", stdin=b"company,v\nA,1\n")
    assert r.code == 2 and "not standard input" in r.err
    r = dask_cli(cluster, "concentration", tmp_path / "none" / "*.parquet")
    assert r.code == 2 and "no file matches" in r.err


def test_scheduler_needs_the_dask_engine():
    r = run_cli("concentration", FIXTURES / "doj_30_30_20_20.csv", "--scheduler", "tcp://127.0.0.1:1")
    assert r.code == 2
    assert r.err == "aistruct: error: --scheduler is for --engine dask (a Dask cluster's address)\n"


def test_an_unreachable_scheduler_is_one_line(monkeypatch):
    import aistruct.engines.dask as engine

    monkeypatch.setattr(engine, "CONNECT_TIMEOUT", 2)
    r = run_cli(
        "concentration", FIXTURES / "doj_30_30_20_20.csv", "--engine", "dask", "--scheduler", "tcp://127.0.0.1:9"
    )
    assert r.code == 2 and r.err.startswith("aistruct: error: --scheduler tcp://127.0.0.1:9: cannot reach"), r.err
    assert r.err.count("\n") == 1


def test_the_scheduler_can_come_from_the_environment(cluster):
    r = run_cli(
        "concentration",
        FIXTURES / "doj_30_30_20_20.csv",
        "--engine",
        "dask",
        "--format",
        "json",
        env={"AISTRUCT_DASK_SCHEDULER": cluster},
    )
    assert r.code == 0, r.err
    assert r.json()["results"][0]["hhi"] == pytest.approx(2600.0, rel=1e-12)  # 30² + 30² + 20² + 20²


def test_progress_follows_the_files(cluster, rounds):
    from aistruct.engines import load_markets
    from aistruct.markets import MarketSpec
    from aistruct.reader import ReadOptions

    folder, _ = rounds
    seen = []
    markets = load_markets(
        str(folder / "parts" / "*.parquet"),
        ReadOptions(engine="dask", scheduler=cluster),
        MarketSpec(by=("year",)),
        progress=lambda stage, done, total: seen.append((stage, done, total)),
    )
    total = sum(os.path.getsize(folder / "parts" / f) for f in ("a.parquet", "b.parquet"))
    reads = [s for s in seen if s[0] == "read"]
    assert reads[0] == ("read", 0, total) and reads[-1] == ("read", total, total) and len(reads) == 3
    assert seen[-1] == ("aggregate", None, None)
    assert markets.rows_read == 3_000


def _kill(procs):
    for p in procs:
        if p.poll() is None:
            p.send_signal(signal.SIGTERM)
    for p in procs:
        try:
            p.wait(timeout=15)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait(timeout=15)


def test_a_scheduler_and_workers_started_by_hand(tmp_path):
    """``dask scheduler`` and two ``dask worker`` processes on 127.0.0.1, as docs/performance.md shows."""
    bin_dir = Path(sys.executable).parent
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    info = tmp_path / "scheduler.json"
    procs = []
    try:
        procs.append(
            subprocess.Popen(
                [
                    bin_dir / "dask",
                    "scheduler",
                    "--host",
                    "127.0.0.1",
                    "--port",
                    "0",
                    "--no-dashboard",
                    "--scheduler-file",
                    info,
                ],
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        )
        deadline = time.monotonic() + 60
        while not info.exists() or not info.read_text():
            assert time.monotonic() < deadline, "the scheduler did not start"
            assert procs[0].poll() is None, "the scheduler exited"
            time.sleep(0.2)
        address = json.loads(info.read_text())["address"]
        for _ in range(2):
            procs.append(
                subprocess.Popen(
                    [
                        bin_dir / "dask",
                        "worker",
                        address,
                        "--nworkers",
                        "1",
                        "--nthreads",
                        "1",
                        "--no-dashboard",
                        "--host",
                        "127.0.0.1",
                    ],
                    env=env,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )
            )
        from distributed import Client

        with Client(address, timeout=60) as client:
            client.wait_for_workers(2, timeout=60)
        for name, rows in (("a", "company,v\nA,30\nB,30\n"), ("b", "company,v\nC,20\nD,20\n")):
            pq.write_table(pa.csv.read_csv(pa.py_buffer(rows.encode())), tmp_path / f"{name}.parquet")
        r = subprocess.run(
            [
                bin_dir / "aistruct",
                "concentration",
                str(tmp_path / "*.parquet"),
                "--engine",
                "dask",
                "--scheduler",
                address,
                "--format",
                "json",
            ],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert r.returncode == 0, r.stderr
        assert json.loads(r.stdout)["results"][0]["hhi"] == pytest.approx(2600.0, rel=1e-12)
    finally:
        _kill(procs)
    assert all(p.poll() is not None for p in procs)


def test_dask_is_in_the_test_extra():
    import tomllib

    extras = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["optional-dependencies"]
    assert set(extras["dask"]) <= set(extras["test"])


def test_text_options_apply_to_each_file(cluster, tmp_path):
    path = write(tmp_path, "semi.csv", "company;funding\nÄlpha;1,5\nBeta;2,5\nÄlpha;3\n".encode("latin-1"), mode="wb")
    assert_same_run(cluster, "concentration", path, "--encoding", "latin-1", "--delimiter", ";", "--decimal", ",")


def test_a_folder_skips_markers_and_empty_part_files(cluster, tmp_path):
    folder = tmp_path / "out"
    folder.mkdir()
    write(folder, "part-0.csv", "company,funding\nAlpha,30\nBeta,30\n")
    write(folder, "part-1.csv", "company,funding\n")  # an empty part: no rows, not an error
    write(folder, "part-2.csv", "company,funding\nGamma,20\nDelta,20\n")
    write(folder, "_SUCCESS", "")
    write(folder, ".part-0.csv.crc", "not data")
    r = dask_cli(cluster, "concentration", folder, "--format", "json")
    assert r.code == 0, r.err
    doc = r.json()
    assert doc["input"]["rows_read"] == 4
    assert doc["results"][0]["hhi"] == pytest.approx(2600.0, rel=1e-12)  # 30² + 30² + 20² + 20²
    (folder / "part-0.csv").write_text("company,funding\n")
    (folder / "part-2.csv").write_text("company,funding\n")
    r = dask_cli(cluster, "concentration", folder)
    assert r.code == 2 and r.err == f"aistruct: error: {folder}: every file has a header but no rows\n"


def test_a_file_the_filters_leave_empty_adds_nothing(cluster, tmp_path):
    # Without --value each file chooses its columns (here a text column of amounts such as $30M);
    # b.csv has no row left to choose them by.
    write(tmp_path, "a.csv", "company,funding,region\nAlpha,$30M,EU\nBeta,$30M,EU\n")
    write(tmp_path, "b.csv", "company,funding,region\nGamma,$20M,US\nDelta,$20M,US\n")
    write(tmp_path, "both.csv", "company,funding,region\nAlpha,$30M,EU\nBeta,$30M,EU\nGamma,$20M,US\nDelta,$20M,US\n")
    r = dask_cli(cluster, "concentration", tmp_path / "[ab].csv", "--where", "region = EU", "--format", "json")
    assert r.code == 0, r.err
    one = run_cli("concentration", tmp_path / "both.csv", "--where", "region = EU", "--format", "json").json()
    doc = r.json()
    assert doc["results"][0]["hhi"] == pytest.approx(5000.0, rel=1e-12)  # 50% + 50%
    assert_same(doc["results"], one["results"])
    assert doc["input"]["rows_read"] == 4 and doc["input"]["rows_used"] == 2


def test_repeated_rows_counted_and_what_the_cluster_cannot_do_refused(cluster, tmp_path):
    # issue 15 item 2 on the Dask engine: the same counts and warning as the default engine
    path = tmp_path / "t.csv"
    path.write_text("company,v\na,1\na,2\nb,3\n", encoding="utf-8")
    dask_doc = dask_cli(cluster, "concentration", path, "-f", "json").json()
    default_doc = run_cli("concentration", path, "-f", "json").json()
    assert dask_doc["input"]["repeated_entities"] == 1 and dask_doc["input"]["rows_combined"] == 2
    assert dask_doc["warnings"] == default_doc["warnings"]
    for extra in (["--agg", "last"], ["--aliases", FIXTURES / "names" / "aliases.csv"]):
        r = dask_cli(cluster, "concentration", path, *extra)
        assert r.code == 2 and "use the default engine" in r.err, r.err
