"""The bundled datasets: rebuilt byte for byte, described completely, valid, installed, credited."""

from __future__ import annotations

import csv
import importlib.util
import io
import json
import os
import re
import shutil
import subprocess
import sys
from fractions import Fraction

import pytest
from conftest import DATASETS, ROOT, assert_schema, run_cli

PACKAGE = json.loads((DATASETS / "datapackage.json").read_text(encoding="utf-8"))
RESOURCES = {r["name"]: r for r in PACKAGE["resources"]}
EPOCH_CREDIT = "Epoch AI, 'Data on AI Companies', epoch.ai/data/ai-companies (CC BY 4.0)"
MAU_CREDIT = RESOURCES["ai_app_mau_cn_2025-03"]["credit"]


def _load_build():
    spec = importlib.util.spec_from_file_location("aistruct_datasets_build", DATASETS / "build" / "build.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


build = _load_build()


def read_rows(name: str) -> list[dict]:
    with open(DATASETS / RESOURCES[name]["path"], encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


# ---------------------------------------------------------------- the build


def test_build_regenerates_every_table_byte_for_byte(tmp_path):
    assert build.main(["--out", str(tmp_path)]) == 0
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == sorted(build.TABLES)
    for name in names:
        assert (tmp_path / name).read_bytes() == (DATASETS / name).read_bytes(), f"{name} is stale: rerun build.py"


def test_build_check_mode_passes_on_repo_and_fails_on_a_changed_table(tmp_path, capsys):
    assert build.main(["--check"]) == 0
    for name in build.TABLES:
        shutil.copy(DATASETS / name, tmp_path / name)
    path = tmp_path / "frontier_lab_staff.csv"
    path.write_bytes(path.read_bytes().replace(b",2300\n", b",2301\n"))
    assert build.main(["--check", "--out", str(tmp_path)]) == 1
    assert "frontier_lab_staff.csv differs" in capsys.readouterr().err


def test_mau_table_is_the_articles_four_figures():
    # Seed points 9-12: "DeepSeek ... 194 million monthly active users, followed by Doubao and
    # Tencent Yuanbao, with 116 million and 41.64 million"; "Kimi ... only 18.2 million".
    # The README quick start relies on these exact bytes (one numeric column).
    assert (DATASETS / "ai_app_mau_cn_2025-03.csv").read_bytes() == (
        b"app,company,month,mau\n"
        b"DeepSeek,DeepSeek,2025-03,194000000\n"
        b"Doubao,ByteDance,2025-03,116000000\n"
        b"Tencent Yuanbao,Tencent,2025-03,41640000\n"
        b"Kimi,Moonshot AI,2025-03,18200000\n"
    )


@pytest.mark.parametrize(
    "text, expected",
    [
        ("1000000000.0", "1000000000"),
        ("0.06", "0.06"),
        ("13.0", "13"),
        ("1.9e+21", "1.9e+21"),
        ("600000000000000000", "6e+17"),
        ("18232157622832.703", "18232157622832.703"),
        ("40", "40"),
    ],
)
def test_numbers_are_written_plain(text, expected):
    assert build.number(text) == expected


@pytest.mark.parametrize(
    "label, start, end",
    [
        ("2025", "2025-01-01", "2025-12-31"),
        ("2025-02", "2025-02-01", "2025-02-28"),
        ("2024-02", "2024-02-01", "2024-02-29"),
        ("2025-02-28", "2025-02-28", "2025-02-28"),
        ("2024-Q1", "2024-01-01", "2024-03-31"),
        ("2025-H1", "2025-01-01", "2025-06-30"),
        ("2022-11..2024-07", "2022-11-01", "2024-07-31"),
        ("2025-02 (for 2025-2027)", "2025-02-01", "2025-02-28"),
        ("earlier", "", ""),
    ],
)
def test_period_labels_become_iso_bounds(label, start, end):
    assert build.period_bounds(label) == (start, end)


def test_unknown_period_label_stops_the_build():
    with pytest.raises(ValueError, match="unknown period label"):
        build.period_bounds("last spring")


def test_raw_copies_are_present():
    for rel in [
        "SOURCES.md",
        "seed_points.csv",
        "epoch_frontier_ai_models.csv",
        "epoch_ai_companies/EPOCH_README.md",
        "epoch_ai_companies/ai_companies_funding_rounds.csv",
        "epoch_ai_companies/ai_companies_staff_reports.csv",
        "epoch_ai_companies/ai_companies_revenue_reports.csv",
        "epoch_ai_companies/ai_companies_usage_reports.csv",
    ]:
        assert (DATASETS / "raw" / rel).is_file(), rel
    assert "Creative Commons Attribution" in (DATASETS / "raw/epoch_ai_companies/EPOCH_README.md").read_text("utf-8")


# ---------------------------------------------------------------- contents


def test_row_counts():
    counts = {name: len(read_rows(name)) for name in RESOURCES}
    assert counts == {
        "ai_app_mau_cn_2025-03": 4,  # seed points 9-12
        # 36 rounds - 4 not closed (late discussions) - 4 'exclude from graph view' (Mistral)
        # - 1 undisclosed amount (2019 LP, other investors) - 4 without new equity (3 tenders, X merger)
        "frontier_lab_funding": 23,
        # 34 reports - 8 without an annualised figure (2 yearly, 4 product, 1 half-year, 1 undated)
        "frontier_lab_revenue": 26,
        # 42 reports - 17 not 'Full company' (11 division/role, 4 full AI division, 1 contractors, 1 untyped)
        "frontier_lab_staff": 25,
        # 44 reports - 11 without an active-user count - 5 excluded with a count (AI Overviews,
        # paying WAU) ... counted by the filter: 28 remain
        "frontier_lab_users": 28,
        # 137 models - 11 without a compute estimate - 8 without an organisation
        "frontier_models_compute": 118,
        # 976 notable models - 461 without a compute estimate - 15 without an organisation
        "notable_models_compute": 500,
        "industry_facts": 66,  # every seed point
    }


def test_funding_keeps_closed_equity_rounds_only():
    rows = read_rows("frontier_lab_funding")
    totals: dict[str, int] = {}
    for r in rows:
        totals[r["company"]] = totals.get(r["company"], 0) + int(r["amount_usd"])
    # OpenAI: 0.05 + 1 + 2 + 10 + 0.3 + 6.6 + 10 + 8.3 = 38.25 bn (no tender offers, no 'late discussions')
    # Anthropic: 0.124 + 0.58 + 0.45 + 2 + 0.75 + 4 + 4 + 1 + 3.5 + 13 = 29.404 bn
    # xAI: 6 + 6 + 5 = 17 bn (equity part of the June 2025 raise; the X merger raised nothing)
    # Mistral AI: 0.5 + 1.99 = 2.49 bn (the four 'exclude from graph view' rows dropped)
    assert totals == {
        "OpenAI": 38_250_000_000,
        "Anthropic": 29_404_000_000,
        "xAI": 17_000_000_000,
        "Mistral AI": 2_490_000_000,
    }
    assert all(int(r["amount_usd"]) > 0 for r in rows)
    assert "June 2024 Series B" not in {r["round"] for r in rows}  # Epoch's duplicate row


def test_staff_holds_whole_company_counts_only():
    rows = read_rows("frontier_lab_staff")
    assert {r["company"] for r in rows} == {"OpenAI", "Anthropic", "xAI", "Mistral AI", "DeepSeek"}
    xai_2025 = [r["staff_count"] for r in rows if r["company"] == "xAI" and r["date"] == "2025-03-12"]
    assert xai_2025 == ["300"]  # not the 900 contractors of the same date


def test_models_compute_keeps_exponent_numbers_exactly():
    rows = {r["model"]: r for r in read_rows("frontier_models_compute")}
    assert rows["GPT-4 (Mar 2023)"]["training_compute_flop"] == "2.1e+25"
    assert rows["Grok 4"]["organization"] == "xAI"
    assert "GPT-4o (May 2024)" not in rows  # no compute estimate
    assert [r["publication_date"] for r in rows.values()] == sorted(r["publication_date"] for r in rows.values())


# ---------------------------------------------------------------- datapackage.json


def test_every_csv_is_a_resource_and_every_resource_a_file():
    csvs = sorted(p.name for p in DATASETS.glob("*.csv"))
    assert csvs == sorted(r["path"] for r in PACKAGE["resources"])
    assert sorted(build.TABLES) == csvs


@pytest.mark.parametrize("name", sorted(RESOURCES))
def test_resource_metadata_is_complete(name):
    res = RESOURCES[name]
    assert res["path"] == f"{name}.csv" and (DATASETS / res["path"]).is_file()
    assert re.fullmatch(r"[a-z0-9_.-]+", name)
    for key in ("title", "description", "credit"):
        assert isinstance(res.get(key), str) and res[key].strip(), key
    assert res["sources"] and all(s.get("title") and s.get("path") for s in res["sources"])
    assert res["licenses"] and all(lic.get("name") or lic.get("path") for lic in res["licenses"])
    if "Epoch AI" in res["credit"]:
        assert {"name": "CC-BY-4.0", "path": "https://creativecommons.org/licenses/by/4.0/"}.items() <= res["licenses"][
            0
        ].items()
        assert all(s["path"].startswith("https://epoch.ai/data/") for s in res["sources"])
    fields = res["schema"]["fields"]
    assert all(f.get("name") and f.get("type") and f.get("description") for f in fields)
    with open(DATASETS / res["path"], encoding="utf-8", newline="") as fh:
        header = next(csv.reader(fh))
    assert header == [f["name"] for f in fields]
    assert all(re.fullmatch(r"[a-z][a-z0-9_]*", h) for h in header)
    assert set(res["schema"].get("primaryKey", [])) <= set(header)


# A small stdlib reading of Table Schema, enough for the types and constraints used here.
_TYPES = {
    "string": lambda v: True,
    "integer": lambda v: re.fullmatch(r"-?\d+", v) is not None,
    "number": lambda v: re.fullmatch(r"-?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?", v) is not None,
    "date": lambda v: re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])", v) is not None,
    "yearmonth": lambda v: re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", v) is not None,
}


def schema_errors(resource: dict, text: str) -> list[str]:
    errors = []
    rows = list(csv.DictReader(io.StringIO(text)))
    schema = resource["schema"]
    for f in schema["fields"]:
        c = f.get("constraints", {})
        seen = set()
        for n, row in enumerate(rows, start=2):
            v = row[f["name"]]
            if v == "":
                if c.get("required"):
                    errors.append(f"row {n} {f['name']}: required")
                continue
            if not _TYPES[f["type"]](v):
                errors.append(f"row {n} {f['name']}: {v!r} is not a {f['type']}")
                continue
            if f.get("format") == "uri" and not re.match(r"^https?://\S+$", v):
                errors.append(f"row {n} {f['name']}: {v!r} is not a URI")
            if "minimum" in c and float(v) < c["minimum"]:
                errors.append(f"row {n} {f['name']}: {v} < {c['minimum']}")
            if "enum" in c and v not in c["enum"]:
                errors.append(f"row {n} {f['name']}: {v!r} not in enum")
            if c.get("unique"):
                if v in seen:
                    errors.append(f"row {n} {f['name']}: {v!r} repeated")
                seen.add(v)
    key = schema.get("primaryKey", [])
    keys = [tuple(r[k] for k in key) for r in rows]
    if key and len(set(keys)) != len(keys):
        errors.append(f"primary key {key} repeats")
    return errors


@pytest.mark.parametrize("name", sorted(RESOURCES))
def test_every_value_meets_its_table_schema(name):
    text = (DATASETS / RESOURCES[name]["path"]).read_text(encoding="utf-8")
    assert schema_errors(RESOURCES[name], text) == []


def test_schema_check_catches_bad_values():
    res = RESOURCES["frontier_lab_funding"]
    text = (DATASETS / res["path"]).read_text(encoding="utf-8")
    bad = text.replace(",124000000\n", ",-5\n").replace("2021-05-28", "28/05/2021")
    errors = schema_errors(res, bad)
    assert any("-5 < 0" in e for e in errors) and any("is not a date" in e for e in errors)


# ---------------------------------------------------------------- CLI


def test_datasets_lists_every_table_with_rows_and_licence():
    r = run_cli("datasets", "--format", "json")
    assert r.code == 0, r.err
    doc = r.json()
    assert doc["command"] == "datasets"
    assert_schema(doc, "datasets")
    got = {d["name"]: (d["rows"], d["licence"], d["credit"]) for d in doc["datasets"]}
    assert got["frontier_lab_funding"] == (23, "CC-BY-4.0", EPOCH_CREDIT)
    assert got["frontier_models_compute"][0] == 118
    assert set(got) == set(RESOURCES)
    table = run_cli("datasets")
    assert table.code == 0 and "frontier_models_compute" in table.out and "118" in table.out


def test_datasets_show_prints_description_source_and_fields():
    r = run_cli("datasets", "show", "frontier_lab_staff", "--format", "json")
    assert r.code == 0, r.err
    assert_schema(r.json(), "datasets")
    d = r.json()["dataset"]
    assert d["credit"] == EPOCH_CREDIT and d["rows"] == 25
    assert [f["name"] for f in d["fields"]] == ["company", "date", "confidence", "source_url", "staff_count"]
    assert d["fields"][-1]["constraints"] == {"required": True, "minimum": 0}
    assert d["primary_key"] == ["company", "date"]
    assert d["sources"][0]["path"] == "https://epoch.ai/data/ai-companies"
    table = run_cli("datasets", "show", "frontier_lab_staff.csv")
    assert table.code == 0
    for text in ("Full company", "staff_count", "https://epoch.ai/data/ai-companies", "Creative Commons"):
        assert text in table.out


def test_unknown_dataset_exits_2_with_a_suggestion():
    r = run_cli("datasets", "show", "frontier_lab_fundng")
    assert r.code == 2
    assert "did you mean 'frontier_lab_funding'?" in r.err and "Traceback" not in r.err
    r = run_cli("concentration", "dataset:nope")
    assert r.code == 2 and "dataset:nope: no such bundled dataset" in r.err


def test_dataset_name_reads_with_credit_in_json():
    r = run_cli("concentration", "dataset:ai_app_mau_cn_2025-03", "--format", "json")
    assert r.code == 0, r.err
    doc = r.json()
    assert doc["input"]["credit"] == MAU_CREDIT
    assert doc["input"]["source"] == "dataset:ai_app_mau_cn_2025-03"
    assert "Data:" not in r.err  # JSON carries the credit itself
    # HHI = 10000 * sum(v^2) / (sum v)^2 with v = 194, 116, 41.64, 18.2 (millions) = 3886.277...
    v = [Fraction(194), Fraction(116), Fraction(4164, 100), Fraction(182, 10)]
    hhi = 10000 * sum(x * x for x in v) / sum(v) ** 2
    assert doc["results"][0]["hhi"] == pytest.approx(float(hhi), rel=1e-12)


@pytest.mark.parametrize("fmt", ["table", "csv", "markdown"])
def test_credit_goes_to_stderr_for_tables(fmt):
    r = run_cli("concentration", "dataset:frontier_lab_funding", "--format", fmt)
    assert r.code == 0, r.err
    assert f"Data: {EPOCH_CREDIT}" in r.err
    assert "Data:" not in r.out


def test_every_bundled_table_reads_by_name():
    # Each table but industry_facts has one numeric column, so the defaults need no --value.
    for name in sorted(RESOURCES):
        args = ["concentration", f"dataset:{name}", "--format", "json"]
        if name == "industry_facts":
            args += ["--value", "value", "--where", "unit = USD"]
        r = run_cli(*args)
        assert r.code == 0, f"{name}: {r.err}"
        assert r.json()["input"]["credit"] == RESOURCES[name]["credit"]


# ---------------------------------------------------------------- packaging


def _setup_module():
    """setup.py's globals, with setuptools.setup() itself not run."""
    import runpy

    import setuptools

    saved = setuptools.setup
    setuptools.setup = lambda **kwargs: None
    try:
        return runpy.run_path(str(ROOT / "setup.py"), run_name="setup_under_test")
    finally:
        setuptools.setup = saved


def test_wheel_copy_carries_the_data_and_works_installed(tmp_path):
    # The build hook (what `pip install .` runs) on a temporary build dir; a full wheel build
    # needs setuptools >= 77 and network-free build isolation, which the test venv may lack.
    setup_py = _setup_module()
    lib = tmp_path / "lib"
    shutil.copytree(ROOT / "aistruct", lib / "aistruct", ignore=shutil.ignore_patterns("__pycache__", "_data"))
    copied = setup_py["copy_datasets"](DATASETS, lib / "aistruct" / "_data")
    expected = sorted(["datapackage.json", "README.md"] + [r["path"] for r in PACKAGE["resources"]])
    assert sorted(copied) == expected
    for name in expected:
        assert (lib / "aistruct" / "_data" / name).read_bytes() == (DATASETS / name).read_bytes(), name
    # Installed layout: no datasets/ beside the package, run from another directory.
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {**os.environ, "PYTHONPATH": str(lib), "NO_COLOR": "1"}
    run = subprocess.run(
        [sys.executable, "-m", "aistruct", "concentration", "dataset:ai_app_mau_cn_2025-03", "--format", "json"],
        cwd=elsewhere,
        capture_output=True,
        text=True,
        env=env,
    )
    assert run.returncode == 0, run.stderr
    doc = json.loads(run.stdout)
    assert doc["input"]["credit"] == MAU_CREDIT
    run = subprocess.run(
        [sys.executable, "-c", "import aistruct.datasets as d; print(d.data_dir())"],
        cwd=elsewhere,
        capture_output=True,
        text=True,
        env=env,
    )
    assert run.stdout.strip() == str(lib / "aistruct" / "_data")


def test_build_hook_fails_loudly_without_datapackage(tmp_path):
    setup_py = _setup_module()
    (tmp_path / "datasets").mkdir()
    (tmp_path / "datasets" / "x.csv").write_text("a,b\n")
    with pytest.raises(SystemExit, match="datapackage.json is missing"):
        setup_py["copy_datasets"](tmp_path / "datasets", tmp_path / "out")


def test_sdist_manifest_includes_datasets():
    # A wheel built from the sdist runs the same hook, so the sdist must carry datasets/.
    lines = (ROOT / "MANIFEST.in").read_text(encoding="utf-8").splitlines()
    assert "graft datasets" in [line.strip() for line in lines]
