"""``aistruct flows`` through the real entry point: formats, schema, exit codes, parity with the library."""

import csv
import io

from conftest import FIXTURES, NOTABLE_FLOWS, assert_schema, run_cli
from test_flows import check_identity

from aistruct.flows import flows_report

PANEL = FIXTURES / "flows_panel.csv"
DEALS = FIXTURES / "flows_deals.csv"
BASE = [PANEL, "--period", "year", "--bounds", "10,100", "--acquisitions", DEALS]
NOTABLE = ["dataset:notable_models_compute", *NOTABLE_FLOWS]


def test_json_validates_and_matches_the_library():
    r = run_cli("flows", *BASE, "--carry-forward", "1", "--format", "json")
    assert r.code == 0, r.err
    doc = r.json()
    assert doc["command"] == "flows"
    assert_schema(doc, "flows")
    check_identity(doc)
    lib = flows_report(PANEL, period="year", bounds="10,100", acquisitions=DEALS, carry_forward=1).to_dict()
    lib["input"]["source"] = doc["input"]["source"]
    lib["input"]["acquisitions"] = doc["input"]["acquisitions"]
    assert doc == lib


def test_bundled_notable_models_table_fits_80_columns_and_json_validates():
    r = run_cli("flows", *NOTABLE, env={"COLUMNS": "80"})
    assert r.code == 0, r.err
    assert "Epoch AI" in r.err  # the credit line
    assert all(len(line) <= 80 for line in r.out.splitlines()), max(r.out.splitlines(), key=len)
    assert "Step 2018 → 2019" in r.out and "Whole span 2018 → 2025" in r.out
    assert "Verdict: Of " in r.out
    j = run_cli("flows", *NOTABLE, "--format", "json")
    assert j.code == 0, j.err
    doc = j.json()
    assert_schema(doc, "flows")
    check_identity(doc)
    s = doc["results"][0]
    assert s["periods"] == [str(y) for y in range(2018, 2026)]
    assert len(s["steps"]) == 7
    assert doc["input"]["credit"].startswith("Epoch AI")


def test_summary_shows_only_the_whole_span():
    r = run_cli("flows", *BASE, "--summary")
    assert r.code == 0, r.err
    assert "Whole span 2021 → 2023" in r.out and "Step 2021" not in r.out
    assert "Of 6 middle companies in 2021" in r.out


def test_table_shows_counts_row_shares_accounting_and_sentence():
    r = run_cli("flows", *BASE)
    assert r.code == 0, r.err
    assert "Step 2021 → 2022" in r.out and "Step 2022 → 2023" in r.out
    assert "middle     1  17%  1  17%  1  17%  2  33%    1  17%      6" in r.out
    assert (
        "Middle: 6 + 1 entered + 1 from small + 1 from giant − 1 to small − 1 to giant − 2 exited − 1 acquired = 4"
        in r.out
    )
    assert "1 was acquired (1 by a giant)" in r.out


def test_csv_has_one_row_per_step_origin_destination():
    r = run_cli("flows", *BASE, "--format", "csv")
    assert r.code == 0, r.err
    rows = list(csv.DictReader(io.StringIO(r.out)))
    assert list(rows[0]) == ["from", "to", "span", "origin", "destination", "count"]
    assert len(rows) == 3 * 4 * 5  # two steps and the whole span, 4 origins x 5 destinations
    got = {(x["from"], x["to"], x["origin"], x["destination"]): int(x["count"]) for x in rows}
    assert got[("2021", "2022", "middle", "exited")] == 2
    assert got[("2021", "2022", "middle", "acquired")] == 1
    assert got[("2021", "2023", "middle", "middle")] == 2
    assert {x["span"] for x in rows if (x["from"], x["to"]) == ("2021", "2023")} == {"overall"}


def test_labels_that_do_not_order_exit_2(tmp_path):
    path = tmp_path / "p.csv"
    path.write_text("company,phase,size\nA,pilot,1\nA,launch,2\n", encoding="utf-8")
    r = run_cli("flows", path, "--period", "phase", "--bounds", "10,100")
    assert r.code == 2
    assert r.err.count("\n") == 1 and "period labels do not order in time: 'launch', 'pilot'" in r.err


def test_from_and_to_are_named_as_options():
    r = run_cli("flows", *BASE, "--from", "2023", "--to", "2021")
    assert r.code == 2
    assert "--from '2023' must come before --to '2021'" in r.err
    r = run_cli("flows", *BASE, "--carry-forward", "-1")
    assert r.code == 2


def test_markdown_output():
    r = run_cli("flows", *BASE, "--format", "markdown")
    assert r.code == 0, r.err
    md = r.out.splitlines()  # the human tables (issue 18 item 12), one per step
    assert md[0] == "**Flows between tiers of company by year**"
    assert "| from \\\\ to | small | middle | giant | exited | acquired | total |" in md
