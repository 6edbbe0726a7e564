"""``aistruct concentration`` through the real entry point: contract, formats, errors, hostile data."""

import hashlib
import json
import math
import subprocess
import sys
from itertools import product

import pytest
from conftest import DATASETS, FIXTURES, ROOT, assert_schema, run_cli, write

MAU = DATASETS / "ai_app_mau_cn_2025-03.csv"
INEQ_X = [541, 1463, 2445, 3438, 4437, 5401, 6392, 8304, 11904, 22261]


COLOUR = {"FORCE_COLOR": "1", "NO_COLOR": None, "TERM": "xterm-256color"}


def rel(a, b, tol=1e-9):
    return math.isclose(a, b, rel_tol=tol, abs_tol=1e-15)


# ---------------------------------------------------------------- definitions, written plainly


def by_definition(xs):
    """Every metric straight from the issue's definitions, O(n^2) where the definition is."""
    n = len(xs)
    total = sum(xs)
    s = [x / total for x in xs]
    mean = total / n
    H = sum(v * v for v in s)
    gini = sum(abs(a - b) for a in xs for b in xs) / (2 * n * n * mean)
    theil = sum((x / mean) * math.log(x / mean) for x in xs if x > 0) / n
    ent = -sum(v * math.log(v) for v in s if v > 0)
    srt = sorted(s, reverse=True)
    atk = {
        "0.5": 1 - (sum(math.sqrt(x / mean) for x in xs) / n) ** 2,
        "1": 1 - math.exp(sum(math.log(x) for x in xs) / n) / mean,
        "2": 1 - (n / sum(1 / x for x in xs)) / mean,
    }
    return {
        "n": n,
        "total": total,
        "hhi": sum((100 * v) ** 2 for v in s),
        "hhi_normalized": (H - 1 / n) / (1 - 1 / n),
        "equivalent_firms": 1 / H,
        "cr": {str(k): (1.0 if k >= n else sum(srt[:k])) for k in (1, 4, 8, 10)},
        "gini": gini,
        "gini_corrected": gini * n / (n - 1),
        "theil": theil,
        "entropy": ent,
        "entropy_normalized": ent / math.log(n),
        "atkinson": atk,
    }


def assert_matches_definitions(result, xs):
    want = by_definition(xs)
    for key, value in want.items():
        got = result[key]
        if isinstance(value, dict):
            assert set(got) == set(value), key
            for k in value:
                assert rel(got[k], value[k]), (key, k, got[k], value[k])
        else:
            assert rel(got, value), (key, got, value)


# ---------------------------------------------------------------- the bundled dataset and reference vectors


def test_quick_start_dataset_json():
    r = run_cli("concentration", MAU, "--format", "json")
    assert r.code == 0, r.err
    doc = r.json()
    assert_schema(doc, "concentration")
    assert doc["schema_version"] == 1 and doc["command"] == "concentration"
    assert doc["input"]["entity"] == "app" and doc["input"]["value"] == "mau"
    assert doc["input"]["rows_read"] == 4 and doc["input"]["rows_used"] == 4
    res = doc["results"][0]
    # MAU March 2025: 194M, 116M, 41.64M, 18.2M; total 369.84M.
    # shares .524551 .313649 .112589 .049210 -> squares .275154 + .098376 + .012676 + .002422 = .388628
    assert res["hhi"] == pytest.approx(3886.277, abs=1e-3)
    assert res["band"] == "highly concentrated"
    assert res["cr"]["1"] == pytest.approx(194 / 369.84, rel=1e-12)
    assert [t["entity"] for t in res["top"]] == ["DeepSeek", "Doubao", "Tencent Yuanbao", "Kimi"]
    assert_matches_definitions(res, [194e6, 116e6, 41.64e6, 18.2e6])


def test_ineq_reference_vector_via_cli():
    r = run_cli("concentration", FIXTURES / "ineq_reference.csv", "-f", "json")
    assert r.code == 0, r.err
    res = r.json()["results"][0]
    # R ineq documented outputs
    assert res["gini"] == pytest.approx(0.4620911, abs=5e-8)
    assert res["hhi"] == pytest.approx(1840.812, abs=5e-4)
    assert res["atkinson"]["0.5"] == pytest.approx(0.1796591, abs=5e-8)
    assert res["atkinson"]["1"] == pytest.approx(0.3518251, abs=5e-8)
    assert_matches_definitions(res, INEQ_X)


def test_doj_example_and_guideline_switch():
    r = run_cli("concentration", FIXTURES / "doj_30_30_20_20.csv", "-f", "json")
    res = r.json()["results"][0]
    assert rel(res["hhi"], 2600.0)
    assert res["band"] == "highly concentrated"  # 2023: > 1,800
    r = run_cli("concentration", FIXTURES / "doj_30_30_20_20.csv", "-f", "json", "--guidelines", "us-2010")
    assert r.json()["results"][0]["band"] == "highly concentrated"  # 2010: > 2,500
    r = run_cli("concentration", FIXTURES / "doj_30_30_20_20.csv", "-f", "json", "--guidelines", "eu")
    assert r.json()["results"][0]["band"] == "highly concentrated"  # EU: > 2,000
    r = run_cli("concentration", FIXTURES / "doj_30_30_20_20.csv", "--guidelines", "uk")
    assert r.code == 2 and "--guidelines" in r.err


def test_band_thresholds_through_cli(tmp_path):
    # two equal firms -> 5,000; ten equal -> 1,000 (us-2023 moderately: 1,000 is not below 1,000)
    ten = write(tmp_path, "ten.csv", "c,v\n" + "".join(f"F{i},1\n" for i in range(10)))
    res = run_cli("concentration", ten, "-f", "json").json()["results"][0]
    assert rel(res["hhi"], 1000.0) and res["band"] == "moderately concentrated"
    eleven = write(tmp_path, "eleven.csv", "c,v\n" + "".join(f"F{i},1\n" for i in range(11)))
    res = run_cli("concentration", eleven, "-f", "json").json()["results"][0]
    assert res["band"] == "unconcentrated"  # 10000/11 = 909.1


# ---------------------------------------------------------------- reading rules of issue 2


def test_repeated_entities_are_aggregated():
    # A: 1+3=4, B: 2+4=6, C: 10 -> shares .2 .3 .5 -> HHI 400 + 900 + 2500 = 3800
    res = run_cli("concentration", FIXTURES / "repeated_entities.csv", "-f", "json").json()["results"][0]
    assert res["n"] == 3 and rel(res["hhi"], 3800.0)
    expected = {"sum": 3800.0, "mean": None, "max": None, "min": None, "count": None}
    # mean: A 2, B 3, C 10 -> /15: (4 + 9 + 100)/225 * 1e4 = 5022.22...
    expected["mean"] = (4 + 9 + 100) / 225 * 1e4
    # max: A 3, B 4, C 10 -> /17: (9 + 16 + 100)/289 * 1e4
    expected["max"] = 125 / 289 * 1e4
    # min: A 1, B 2, C 10 -> /13: (1 + 4 + 100)/169 * 1e4
    expected["min"] = 105 / 169 * 1e4
    # count: A 2, B 2, C 1 -> /5: (4 + 4 + 1)/25 * 1e4 = 3600
    expected["count"] = 3600.0
    for agg, want in expected.items():
        r = run_cli("concentration", FIXTURES / "repeated_entities.csv", "-f", "json", "--agg", agg)
        assert rel(r.json()["results"][0]["hhi"], want), agg


def test_missing_values_dropped_and_counted():
    r = run_cli("concentration", FIXTURES / "missing_values.csv", "-f", "json")
    assert r.code == 0
    doc = r.json()
    assert doc["input"]["rows_read"] == 4 and doc["input"]["rows_used"] == 2
    assert doc["results"][0]["n"] == 2
    assert any("2 row(s) with a missing value" in w for w in doc["warnings"])
    assert "2 row(s) with a missing value" in r.err


def test_zeros_count_as_companies(tmp_path):
    f = write(tmp_path, "z.csv", "c,v\nA,0\nB,10\nC,10\n")
    res = run_cli("concentration", f, "-f", "json").json()["results"][0]
    # n = 3, shares 0 .5 .5 -> HHI 5000; Gini = (|0-10|*4)/(2*9*20/3) = 40/120 = 1/3
    assert res["n"] == 3 and rel(res["hhi"], 5000.0) and rel(res["gini"], 1 / 3)
    assert res["atkinson"]["1"] == 1.0 and res["atkinson"]["2"] == 1.0  # a zero income
    assert res["palma"] is not None


def test_zero_total_group_is_null_with_status():
    r = run_cli("concentration", FIXTURES / "zero_total.csv", "-f", "json")
    assert r.code == 0
    doc = r.json()
    assert_schema(doc, "concentration")
    res = doc["results"][0]
    assert res["status"] == "zero total" and res["hhi"] is None and res["gini"] is None and res["n"] == 2
    assert "total of 0" in r.err


def test_all_missing_group(tmp_path):
    f = write(tmp_path, "m.csv", "c,g,v\nA,x,1\nB,y,\nC,y,\n")
    r = run_cli("concentration", f, "--by", "g", "-f", "json")
    assert r.code == 0
    res = {x["group"]["g"]: x for x in r.json()["results"]}
    assert res["y"]["status"] == "no values" and res["y"]["n"] == 0 and res["y"]["hhi"] is None
    assert res["x"]["status"] == "ok" and rel(res["x"]["hhi"], 10000.0)


def test_single_company(tmp_path):
    f = write(tmp_path, "one.csv", "c,v\nSolo,42\n")
    res = run_cli("concentration", f, "-f", "json").json()["results"][0]
    assert rel(res["hhi"], 10000.0) and res["hhi_normalized"] is None and res["gini_corrected"] is None
    assert res["gini"] == 0.0 and res["entropy_normalized"] is None and res["equivalent_firms"] == 1.0


def test_by_groups_sorted_and_keyed():
    r = run_cli("concentration", FIXTURES / "funding_by_year.csv", "--by", "year", "-f", "json")
    doc = r.json()
    assert_schema(doc, "concentration")
    assert [x["group"] for x in doc["results"]] == [{"year": "2023"}, {"year": "2024"}]
    # 2023: OpenAI 10000, Anthropic 3250, Mistral 415 -> total 13665
    r23 = doc["results"][0]
    assert r23["n"] == 3 and rel(r23["total"], 13665.0)
    assert_matches_definitions(r23, [10000, 3250, 415])
    assert_matches_definitions(doc["results"][1], [6600, 4000, 640, 6000])


def test_top_option_and_show(tmp_path):
    r = run_cli("concentration", FIXTURES / "ineq_reference.csv", "-f", "json", "--top", "2,3", "--show", "2")
    res = r.json()["results"][0]
    assert set(res["cr"]) == {"2", "3"}
    assert rel(res["cr"]["2"], (22261 + 11904) / sum(INEQ_X))
    assert [t["entity"] for t in res["top"]] == ["F22261", "F11904"]
    for bad in ("0", "a,b", "1,-2", ""):
        r = run_cli("concentration", FIXTURES / "ineq_reference.csv", "--top", bad)
        assert r.code == 2 and "--top" in r.err, bad


# ---------------------------------------------------------------- bad input


BAD_INPUTS = [
    ("missing", None, "no such file"),
    ("empty.csv", "", "empty"),
    ("header_only.csv", "company,funding\n", "no rows"),
    ("non_numeric_value.csv", None, "row 2, column 'funding': not a number: 'ten'"),
    ("negative_values.csv", None, "negative values (row 3, row 5)"),
]


@pytest.mark.parametrize("name,content,message", BAD_INPUTS)
def test_bad_input_exits_2_with_one_line(tmp_path, name, content, message):
    if name == "missing":
        path = tmp_path / "nope.csv"
    else:
        path = FIXTURES / name
    args = ["concentration", path]
    if name == "non_numeric_value.csv":
        args += ["--value", "funding"]
    before = path.read_bytes() if path.exists() else None
    r = run_cli(*args)
    assert r.code == 2
    lines = r.err.strip().splitlines()
    assert len(lines) == 1, r.err
    assert lines[0].startswith("aistruct: error: ") and message in lines[0]
    assert str(path) in lines[0] or path.name in lines[0]
    assert "Traceback" not in r.err and r.out == ""
    if before is not None:
        assert path.read_bytes() == before


def test_unknown_column_lists_columns_and_closest():
    r = run_cli("concentration", FIXTURES / "doj_30_30_20_20.csv", "--value", "shares")
    assert r.code == 2
    assert "no column 'shares'" in r.err and "did you mean 'share'" in r.err and "'company'" in r.err


def test_several_numeric_columns_listed():
    r = run_cli("concentration", FIXTURES / "two_numeric.csv")
    assert r.code == 2 and "'funding'" in r.err and "'users'" in r.err and "--value" in r.err
    assert run_cli("concentration", FIXTURES / "two_numeric.csv", "--value", "users").code == 0


def test_usage_errors_exit_2_one_line():
    r = run_cli("concentration")
    assert r.code == 2 and "Traceback" not in r.err
    r = run_cli("concentration", MAU, "--no-such-option")
    assert r.code == 2 and len(r.err.strip().splitlines()) == 1
    r = run_cli("concentration", MAU, "--agg", "mode")
    assert r.code == 2 and "--agg" in r.err


def test_directory_is_not_a_file(tmp_path):
    r = run_cli("concentration", tmp_path)
    assert r.code == 2 and "directory" in r.err


def test_internal_error_is_one_line_and_debug_shows_traceback(monkeypatch):
    import aistruct.concentration as conc

    def boom(*a, **k):
        raise RuntimeError("kaboom")

    monkeypatch.setattr(conc, "concentration_of_markets", boom)
    r = run_cli("concentration", MAU)
    assert r.code == 2 and "internal error: RuntimeError: kaboom" in r.err and "Traceback" not in r.err
    r = run_cli("concentration", MAU, "--debug")
    assert r.code == 2 and "Traceback" in r.err


# ---------------------------------------------------------------- output formats


def test_csv_and_markdown_columns():
    r = run_cli("concentration", FIXTURES / "funding_by_year.csv", "--by", "year", "-f", "csv")
    assert r.code == 0
    lines = r.out.splitlines()
    header = lines[0].split(",")
    assert header[:4] == ["year", "n", "total", "hhi"]
    for col in ("cr_1", "cr_4", "cr_8", "cr_10", "atkinson_0.5", "atkinson_1", "atkinson_2", "band", "status"):
        assert col in header
    assert len(lines) == 3 and lines[1].startswith("2023,3,13665.0,")
    r = run_cli("concentration", FIXTURES / "funding_by_year.csv", "--by", "year", "-f", "markdown")
    md = r.out.splitlines()  # the human table (issue 18 item 12), not 33 columns of raw floats
    assert md[0] == "**Concentration of funding by year**"
    assert md[2] == "| year | n | Total | HHI | Band | CR1 | CR4 | Gini | Largest |"
    assert md[3] == "|---|---:|---:|---:|---|---:|---:|---:|---|"
    # 2023: 10,000 / 3,250 / 415 of 13,665; 2024: 6,600 / 6,000 / 4,000 / 640 of 17,240
    assert md[4].startswith("| 2023 | 3 | 13.7K | 5,930 | high | 73.2% | 100.0% |") and md[4].endswith("| OpenAI |")
    assert md[5].startswith("| 2024 | 4 | 17.2K | 3,229 | high | 38.3% | 100.0% |")


def test_table_is_readable():
    r = run_cli("concentration", MAU)
    assert r.code == 0
    assert "3,886" in r.out and "highly concentrated" in r.out and "52.5%" in r.out
    assert "DeepSeek" in r.out and "Tencent Yuanbao" in r.out


def test_group_table_one_row_per_group():
    r = run_cli("concentration", FIXTURES / "funding_by_year.csv", "--by", "year")
    assert r.code == 0
    rows = [ln for ln in r.out.splitlines() if ln.lstrip().startswith("202")]
    assert len(rows) == 2 and "5,930" in rows[0] and "3,229" in rows[1]


def test_no_color_and_force_color():
    r = run_cli("concentration", MAU, env={"NO_COLOR": "1"})
    assert "\x1b[" not in r.out
    r = run_cli("concentration", MAU, env=COLOUR)
    assert "\x1b[" in r.out  # the band is coloured


def test_output_file_written_atomically_and_never_over_input(tmp_path):
    src = write(tmp_path, "in.csv", "c,v\nA,1\nB,3\n")
    before = src.read_bytes()
    out = tmp_path / "out.json"
    r = run_cli("concentration", src, "-f", "json", "-o", out)
    assert r.code == 0 and r.out == ""
    assert json.loads(out.read_text())["results"][0]["n"] == 2
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".aistruct-")]
    r = run_cli("concentration", src, "-f", "json", "-o", src)
    assert r.code == 2 and "refusing to overwrite the input" in r.err
    assert src.read_bytes() == before


def test_json_is_strict_and_deterministic(tmp_path):
    f = write(tmp_path, "z.csv", "c,g,v\nA,x,0\nB,x,0\nC,y,1e308\nD,y,1e308\n")
    r1 = run_cli("concentration", f, "--by", "g", "-f", "json")
    r2 = run_cli("concentration", f, "--by", "g", "-f", "json")
    assert r1.code == 0 and r1.out == r2.out
    doc = json.loads(r1.out, parse_constant=lambda c: pytest.fail(f"non-strict JSON constant {c}"))
    assert_schema(doc, "concentration")
    y = doc["results"][1]
    assert rel(y["hhi"], 5000.0)  # no overflow: scaled before squaring
    assert y["total"] is None  # 2e308 overflows a float: reported as null, metrics still exact


def test_library_parity():
    from aistruct import concentration_report

    cli_doc = run_cli("concentration", FIXTURES / "funding_by_year.csv", "--by", "year", "-f", "json").json()
    lib_doc = json.loads(json.dumps(concentration_report(str(FIXTURES / "funding_by_year.csv"), by=["year"]).to_dict()))
    assert cli_doc == lib_doc


# ---------------------------------------------------------------- hostile names


HOSTILE = [
    "[bold red]X[/]",
    "[link=https://evil.example]y[/link]",
    "[/]",
    "\x1b]8;;https://evil.example\x07click\x1b]8;;\x07",
    "\x1b[2J\x1b[Hcleared",
    "\u202eevil",
    '=HYPERLINK("http://evil.example","x")',
    "+cmd",
    "@SUM(A1)",
    "-2+3",
]


def _hostile_csv(tmp_path):
    import csv
    import io

    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["company", "group", "funding"])
    for i, name in enumerate(HOSTILE):
        w.writerow([name, "=1+1" if i % 2 else "[red]g[/red]", i + 1])
    return write(tmp_path, "hostile.csv", buf.getvalue())


def test_hostile_names_print_literally_in_the_table(tmp_path):
    f = _hostile_csv(tmp_path)
    r = run_cli("concentration", f, "--show", "20", env=COLOUR)
    assert r.code == 0
    assert "[bold red]X[/]" in r.out and "[link=https://evil.example]y[/link]" in r.out and "[/]" in r.out
    assert "\x1b]8;;" not in r.out and "\x1b[2J" not in r.out and "\u202e" not in r.out and "\x07" not in r.out
    assert "\\x1b]8;;https://evil.example\\x07click" in r.out and "\\u202eevil" in r.out
    # Every ESC left is Rich's own colour codes: ESC [ ... m
    import re

    assert not re.sub(r"\x1b\[[0-9;]*m", "", r.out).count("\x1b")


def test_hostile_names_defused_in_csv_and_strict_in_json(tmp_path):
    f = _hostile_csv(tmp_path)
    r = run_cli("concentration", f, "--by", "group", "-f", "csv")
    assert r.code == 0
    rows = r.out.splitlines()
    assert rows[1].startswith("'=1+1,") and rows[2].startswith("[red]g[/red],")
    r = run_cli("concentration", f, "-f", "json", "--show", "20")
    names = [t["entity"] for t in r.json()["results"][0]["top"]]
    assert sorted(names) == sorted(HOSTILE)  # JSON keeps the data exactly
    assert "\x1b" not in r.out and "\u202e" not in r.out  # escaped as \u001b, \u202e


def test_hostile_names_in_group_labels_of_the_table(tmp_path):
    f = write(tmp_path, "g.csv", 'company,group,v\nA,"[bold]B[/bold]",1\nC,"\x1b[31mred",2\n')
    r = run_cli("concentration", f, "--by", "group")
    assert "[bold]B[/bold]" in r.out and "\x1b" not in r.out


# ---------------------------------------------------------------- install and start


def test_version_and_module_entry_point():
    r = run_cli("--version")
    from aistruct import __version__

    assert r.code == 0 and r.out.strip() == f"aistruct {__version__}"
    p = subprocess.run([sys.executable, "-m", "aistruct", "--version"], capture_output=True, text=True, cwd=ROOT)
    assert p.returncode == 0 and p.stdout.strip() == f"aistruct {__version__}"


@pytest.mark.parametrize("args", [["--help"], ["--version"], ["concentration", "--help"]])
def test_fast_start_imports_no_numpy_or_pandas(args):
    code = (
        "import sys\n"
        "from aistruct.cli import main\n"
        "try:\n"
        f"    main({args!r})\n"
        "except SystemExit:\n"
        "    pass\n"
        "heavy = [m for m in ('numpy', 'pandas', 'pyarrow') if m in sys.modules]\n"
        "print('HEAVY', heavy)\n"
    )
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert "HEAVY []" in p.stdout, p.stdout + p.stderr


def test_core_imports_no_typer_or_rich():
    code = (
        "import sys\n"
        "import aistruct\n"
        "from aistruct import concentration_report, hhi, gini\n"
        "import aistruct.concentration, aistruct.reader, aistruct.markets, aistruct.engines\n"
        "import aistruct.metrics, aistruct.numbers\n"
        "r = concentration_report('datasets/ai_app_mau_cn_2025-03.csv')\n"
        "print('UI', [m for m in ('typer', 'rich', 'click') if m in sys.modules], round(r.results[0]['hhi']))\n"
    )
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert "UI [] 3886" in p.stdout, p.stdout + p.stderr


def test_help_keeps_bracketed_words():
    r = run_cli("concentration", "--help")
    assert r.code == 0
    assert '"COL OP VALUE"' in r.out and "[default: 1,4,8,10]" in r.out


def test_input_file_never_modified(tmp_path):
    f = write(tmp_path, "a.csv", "company,funding\nA,1\nB,2\n")
    digest = hashlib.sha256(f.read_bytes()).hexdigest()
    mtime = f.stat().st_mtime_ns
    for fmt, by in product(("table", "json", "csv", "markdown"), ((), ("--by", "company"))):
        run_cli("concentration", f, "-f", fmt, *by)
    assert hashlib.sha256(f.read_bytes()).hexdigest() == digest and f.stat().st_mtime_ns == mtime


# ---------------------------------------------------------------- every bundled dataset, against the definitions


def _bundled():
    resources = json.loads((DATASETS / "datapackage.json").read_text(encoding="utf-8"))["resources"]
    out = []
    for res in resources:
        fields = res["schema"]["fields"]
        numeric = [f["name"] for f in fields if f["type"] in ("number", "integer")]
        entity = next(f["name"] for f in fields if f["type"] == "string")
        out.append((res["name"], res["path"], entity, numeric[0]))
    return out


@pytest.mark.parametrize("name,path,entity,value", _bundled(), ids=lambda v: v if isinstance(v, str) else None)
def test_each_bundled_dataset_matches_the_definitions(name, path, entity, value):
    import csv

    # Aggregate independently of aistruct: the standard csv module, plain floats, sum per company.
    totals: dict = {}
    with open(DATASETS / path, encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            if row[value].strip() and row[entity].strip():
                totals[row[entity].strip()] = totals.get(row[entity].strip(), 0.0) + float(row[value])
    r = run_cli("concentration", f"dataset:{name}", "--entity", entity, "--value", value, "-f", "json")
    assert r.code == 0, r.err
    doc = r.json()
    assert_schema(doc, "concentration")
    assert doc["input"]["credit"]
    res = doc["results"][0]
    xs = list(totals.values())
    assert res["n"] == len(xs)
    assert_matches_definitions(res, xs)
