"""``--plot``: every chart drawn from the bundled datasets and read back for its content.

Expected figures are hand computations or the published numbers of the docs'
examples (HHI 3,886 and Gini 0.407 of the four Chinese AI apps; the 14.2-point
middle deficit of frontier compute), never what the chart code printed.
"""

from __future__ import annotations

import re
import subprocess
import sys
import xml.etree.ElementTree as ET

import pytest
from conftest import FIXTURES, FRONTIER_COMPUTE_TREND, ROOT, run_cli

SVG = "{http://www.w3.org/2000/svg}"
MAU = "dataset:ai_app_mau_cn_2025-03"
COMPUTE = "dataset:frontier_models_compute"
TREND = ["trend", COMPUTE, *FRONTIER_COMPUTE_TREND]


def plot(tmp_path, *args, name="chart.svg"):
    path = tmp_path / name
    r = run_cli(*args, "--format", "json", "--plot", str(path))
    assert r.code == 0, r.err
    return r, path.read_bytes()


def texts(svg: bytes) -> tuple[ET.Element, list[str]]:
    """The parsed SVG and the text of every <text> element (what a reader sees)."""
    root = ET.fromstring(svg)
    assert root.tag == SVG + "svg"
    return root, ["".join(t.itertext()) for t in root.iter(SVG + "text")]


def assert_self_contained(svg: bytes) -> None:
    text = svg.decode("utf-8")
    without_ns = re.sub(r'xmlns(?::\w+)?="[^"]*"', "", text)  # namespace names are identifiers, not links
    assert "http://" not in without_ns and "https://" not in without_ns
    root = ET.fromstring(svg)
    assert list(root.iter(SVG + "image")) == []
    for el in root.iter():
        for key, value in el.attrib.items():
            if key.endswith("href"):
                assert value.startswith("#"), (key, value)
    assert root.find(SVG + "title") is not None and root.find(SVG + "desc") is not None


@pytest.fixture(scope="module")
def mau_svg(tmp_path_factory):
    return plot(tmp_path_factory.mktemp("c"), "concentration", MAU)


def test_concentration_chart_content(mau_svg):
    r, svg = mau_svg
    root, shown = texts(svg)
    assert "Concentration of mau across app" in shown
    assert "Share of companies, smallest first (%)" in shown and "Share of the total value (%)" in shown
    # the legend carries the JSON's Gini and HHI (published in docs/concentration.md: 3,886 and 0.407)
    doc = r.json()["results"][0]
    assert round(doc["hhi"]) == 3886 and round(doc["gini"], 3) == 0.407
    assert "Lorenz curve, Gini 0.407" in shown
    assert "HHI 3,886 (highly concentrated)" in shown
    assert "Line of equality" in shown
    # the top companies' bars: 194 / 369.84 = 52.5%, 116 / 369.84 = 31.4%, 41.64 / 369.84 = 11.3%, 18.2 / 369.84 = 4.9%
    for name, share in (("DeepSeek", "52.5%"), ("Doubao", "31.4%"), ("Tencent Yuanbao", "11.3%"), ("Kimi", "4.9%")):
        assert name in shown and share in shown
    assert any(t.startswith("Data: ") for t in shown)  # where the data comes from
    assert root.find(SVG + "title").text == "Concentration of mau across app"
    assert "HHI 3,886" in root.find(SVG + "desc").text
    assert_self_contained(svg)


def test_lorenz_points_by_hand():
    from aistruct.charts.concentration import lorenz_points

    xs, ys = lorenz_points([194e6, 116e6, 41.64e6, 18.2e6])
    assert xs == [0.0, 0.25, 0.5, 0.75, 1.0]
    total = 369.84
    assert ys == pytest.approx([0.0, 18.2 / total, 59.84 / total, 175.84 / total, 1.0])
    # 1 - twice the area under the curve is the Gini the legend reports (0.407)
    area = sum((xs[i] - xs[i - 1]) * (ys[i] + ys[i - 1]) / 2 for i in range(1, 5))
    assert 1 - 2 * area == pytest.approx(0.40677, abs=1e-4)


def test_tiers_chart_marks_the_json_bounds_and_the_deficit(tmp_path):
    r, svg = plot(tmp_path, "tiers", COMPUTE, "--agg", "max")
    doc = r.json()["results"][0]
    low, high = doc["bounds"]
    assert f"{low:.2g}" == "3.3e+15" and f"{high:.3g}" == "8.43e+20"
    root, shown = texts(svg)
    assert "Tiers of organization by training_compute_flop" in shown
    assert "low bound 3.3e15" in shown and "high bound 8.43e20" in shown
    assert "training_compute_flop (log scale)" in shown and "Companies (count)" in shown
    assert round(doc["diagnostics"]["middle_deficit"] * 100, 1) == 14.2
    assert "Middle deficit: 14.2 points fewer companies in the middle than one hump predicts" in shown
    assert any(t.startswith("fitted log-normal") for t in shown)
    for label in ("small", "middle", "giant"):
        assert label in shown
    # the dashed bound lines sit at log10 of the bounds, in data units: two vertical lines
    lines = [p for p in root.iter(SVG + "path") if "stroke-dasharray" in p.get("style", "")]
    assert len(lines) >= 2
    assert_self_contained(svg)


def test_tiers_value_shares_per_tier(tmp_path):
    r, svg = plot(tmp_path, "tiers", "dataset:frontier_lab_staff", "--agg", "max", "--preset", "headcount")
    _, shown = texts(svg)
    assert "low bound 50" in shown and "high bound 500" in shown  # the preset headcount
    for t in r.json()["results"][0]["tiers"]:
        assert f"{t['value_share'] * 100:.0f}%" in shown and f"{t['count_share'] * 100:.0f}%" in shown


def test_trend_chart(tmp_path):
    r, svg = plot(tmp_path, *TREND)
    root, shown = texts(svg)
    assert "HHI of training_compute_flop across organization by publication_date" in shown
    assert "HHI (0–10,000)" in shown and "Share of the value (%)" in shown
    assert "thin period (fewer than 3 companies)" in shown
    assert [p["period"] for p in r.json()["results"][0]["periods"] if p["thin"]] == ["2018"]
    assert "Thin: 2018." in root.find(SVG + "desc").text
    for year in ("2012", "2025"):
        assert year in shown
    for tier in ("small", "middle", "giant"):
        assert tier in shown
    assert_self_contained(svg)


def test_trend_plot_metric(tmp_path):
    _, svg = plot(tmp_path, *TREND, "--plot-metric", "cr_4")
    _, shown = texts(svg)
    assert "CR4 (%)" in shown and "100%" in shown
    out = tmp_path / "out.json"
    bad = run_cli(*TREND, "--plot", str(tmp_path / "x.svg"), "--plot-metric", "nope", "-o", str(out))
    assert bad.code == 2 and "--plot-metric: unknown metric 'nope'" in bad.err
    assert not out.exists() and not (tmp_path / "x.svg").exists()


def test_merge_chart(tmp_path):
    _, svg = plot(tmp_path, "merge", MAU, "--acquirer", "Doubao", "--target", "Kimi")
    root, shown = texts(svg)
    title = root.find(SVG + "title").text
    assert title.startswith("Doubao buys Kimi") and "ΔHHI +309" in title
    joined = "\n".join(shown)
    for verdict in ("us-2023: presumption", "us-2010: presumption", "eu: examination"):
        assert verdict in joined
    # before: Doubao 116/369.84 = 31.4%, Kimi 4.9%; after: the merged firm 134.2/369.84 = 36.3%, Kimi 0
    for share in ("31.4%", "4.9%", "36.3%", "0.0%", "52.5%", "11.3%"):
        assert share in shown
    assert "DeepSeek" in shown and "Tencent Yuanbao" in shown  # the rivals
    assert "Share of the total value (%)" in shown
    assert_self_contained(svg)


def test_by_gives_panels_up_to_a_limit_with_a_note(tmp_path):
    r, svg = plot(tmp_path, "concentration", COMPUTE, "--entity", "organization", "--by", "domain", "--show", "3")
    groups = len(r.json()["results"])
    assert groups == 14
    _, shown = texts(svg)
    assert sum(t.endswith("Largest companies") for t in shown) == 12
    assert any("Showing the 12 largest of 14 groups." in t for t in shown)


HOSTILE = "\x07<script>alert(1)</script>&'q\"<b>$x$"  # 39 characters as shown: never cut


def test_hostile_company_name_is_escaped_text(tmp_path):
    data = tmp_path / "hostile.csv"
    quoted = '"' + HOSTILE.replace('"', '""') + '"'
    rows = [f"{c},{v},{quoted},{y}" for y in (2023, 2024) for c, v in ((quoted, 60), ("Plain", 40), ("Third", 5))]
    data.write_text("company,users,grp,year\n" + "\n".join(rows) + "\n", encoding="utf-8")
    for args in (
        ["concentration", str(data), "--value", "users"],
        ["merge", str(data), "--value", "users", "--acquirer", "Plain", "--target", HOSTILE],
        ["tiers", str(data), "--value", "users", "--bounds", "10,50", "--by", "grp"],  # a hostile group name
        ["trend", str(data), "--value", "users", "--period", "year", "--by", "grp"],  # ... and series label
    ):
        _, svg = plot(tmp_path, *args)
        assert b"<script" not in svg and b"<b>" not in svg
        root, shown = texts(svg)
        assert [el for el in root.iter() if el.tag.split("}")[-1] in ("script", "b", "foreignObject")] == []
        visible = "\n".join(shown) + root.find(SVG + "title").text + root.find(SVG + "desc").text
        assert "\\x07<script>alert(1)</script>&'q\"<b>$x$" in visible, args  # as text, bell shown as an escape
        assert "\x07" not in svg.decode()
        assert_self_contained(svg)


def test_same_input_same_bytes(tmp_path):
    one = plot(tmp_path, "merge", MAU, "--acquirer", "Doubao", "--target", "Kimi", name="a.svg")[1]
    two = plot(tmp_path, "merge", MAU, "--acquirer", "Doubao", "--target", "Kimi", name="b.svg")[1]
    assert one == two
    png1 = plot(tmp_path, "concentration", MAU, name="a.png")[1]
    png2 = plot(tmp_path, "concentration", MAU, name="b.png")[1]
    assert png1.startswith(b"\x89PNG\r\n\x1a\n") and png1 == png2


def test_plot_leaves_the_normal_output_unchanged(tmp_path):
    plain = run_cli("concentration", MAU, "--format", "json")
    with_plot = run_cli("concentration", MAU, "--format", "json", "--plot", str(tmp_path / "c.svg"))
    assert plain.code == with_plot.code == 0
    assert plain.json()["results"] == with_plot.json()["results"]


@pytest.mark.parametrize("name", ["chart.pdf", "chart", "chart.svg.txt"])
def test_other_extensions_exit_2(tmp_path, name):
    r = run_cli("concentration", MAU, "--plot", str(tmp_path / name))
    assert r.code == 2
    assert (
        r.err.strip().splitlines()[-1]
        == f"aistruct: error: --plot {tmp_path / name}: the file name must end in .svg or .png"
    )
    assert r.out == "" and list(tmp_path.iterdir()) == []  # nothing computed, nothing written


def test_plot_never_overwrites_an_input(tmp_path):
    data = tmp_path / "data.svg"
    data.write_text("company,users\nA,3\nB,1\n", encoding="utf-8")
    r = run_cli("concentration", str(data), "--input-format", "csv", "--plot", str(data))
    assert r.code == 2 and "--plot" in r.err and "refusing to overwrite the input file" in r.err
    assert data.read_text(encoding="utf-8") == "company,users\nA,3\nB,1\n"
    same = run_cli("concentration", MAU, "--plot", str(tmp_path / "x.svg"), "-o", str(tmp_path / "x.svg"))
    assert same.code == 2 and "also the --output file" in same.err


def test_plot_replaces_an_existing_chart_atomically_keeping_its_mode(tmp_path):
    target = tmp_path / "c.svg"
    target.write_text("old", encoding="utf-8")
    target.chmod(0o640)
    plot(tmp_path, "concentration", MAU, name="c.svg")
    assert target.read_bytes().startswith(b"<?xml") and (target.stat().st_mode & 0o777) == 0o640
    assert [p.name for p in tmp_path.iterdir()] == ["c.svg"]  # no temporary file left


@pytest.mark.parametrize("args", [["--help"], ["concentration", "--help"], ["concentration", MAU, "-f", "json"]])
def test_matplotlib_only_when_plotting(args):
    code = (
        "import sys\n"
        "from aistruct.cli import main\n"
        "try:\n"
        f"    main({args!r})\n"
        "except SystemExit:\n"
        "    pass\n"
        "print('MPL', 'matplotlib' in sys.modules)\n"
    )
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert "MPL False" in p.stdout, p.stdout + p.stderr


def test_docs_charts_are_up_to_date(tmp_path):
    sys.path.insert(0, str(ROOT / "scripts"))
    try:
        import make_doc_charts
    finally:
        sys.path.pop(0)
    committed = ROOT / "docs" / "charts"
    for path in make_doc_charts.make(tmp_path):
        old = committed / path.name
        assert old.exists(), f"{old} missing: run python scripts/make_doc_charts.py"
        assert old.read_bytes() == path.read_bytes(), f"{old} is stale: run python scripts/make_doc_charts.py"
    assert sorted(p.name for p in committed.glob("*.svg")) == sorted(p.name for p in tmp_path.iterdir())


# ---------------------------------------------------------------- what the reports keep for charts


def test_reports_keep_the_arrays_charts_need():
    from aistruct.concentration import concentration_report
    from aistruct.merger import merger_report
    from aistruct.tiers import lognormal_fit, tiers_report

    c = concentration_report(MAU)
    assert sorted(c.values[0].tolist()) == [18.2e6, 41.64e6, 116e6, 194e6]
    assert "values" not in c.to_dict()
    t = tiers_report("tests/fixtures/team_sizes.csv", value="funding", size="headcount", options=None)
    assert len(t.sizes) == len(t.results) == 1 and "sizes" not in t.to_dict()
    # log10 of 10 and 1000: mean 2, population standard deviation 1
    assert lognormal_fit([10.0, 1000.0]) == (2.0, 1.0) and lognormal_fit([5.0, 5.0, 0.0]) is None
    m = merger_report(MAU, acquirer="Doubao", targets=("Kimi",))
    total = 369.84
    assert [n for n, _ in m.largest[0]] == ["DeepSeek", "Doubao", "Tencent Yuanbao", "Kimi"]
    assert [s for _, s in m.largest[0]] == pytest.approx([194 / total, 116 / total, 41.64 / total, 18.2 / total])


def test_sequential_deals_chart_the_market_each_step_meets():
    from aistruct.markets import MarketSpec
    from aistruct.merger import merger_report

    m = merger_report(
        MAU,
        scenarios=str(ROOT / "tests/fixtures/merge_rollup_mau.csv"),
        sequential=True,
        spec=MarketSpec(),
    )
    assert len(m.largest) == len(m.results) == 2
    # step 2 starts from the market step 1 left: Doubao holds (116 + 18.2) / 369.84 = 36.3%
    assert dict(m.largest[1])["Doubao"] == pytest.approx(134.2 / 369.84)
    assert "Kimi" not in dict(m.largest[1])


def test_write_output_takes_bytes(tmp_path):
    from aistruct.cli.outfile import write_output

    target = tmp_path / "x.png"
    write_output(str(target), b"\x89PNG\x00\xff", option="--plot")
    assert target.read_bytes() == b"\x89PNG\x00\xff"
    from aistruct.errors import UsageError

    with pytest.raises(UsageError, match=r"^--plot .*: cannot write there"):
        write_output(str(tmp_path / "missing" / "x.png"), b"x", option="--plot")


# ---------------------------------------------------------------- flows

FLOWS_PANEL = ["flows", "tests/fixtures/flows_panel.csv", "--period", "year", "--bounds", "10,100"]


def test_flows_chart_labels_every_node_and_band_with_the_json_counts(tmp_path):
    r, svg = plot(tmp_path, *FLOWS_PANEL, "--acquisitions", "tests/fixtures/flows_deals.csv")
    root, shown = texts(svg)
    assert_self_contained(svg)
    overall = r.json()["results"][0]["overall"]
    counts = overall["counts"]
    # tests/test_flows.py works these by hand: 2021 holds 1 small, 6 middle, 2 giant; 1 enters by 2023;
    # in 2023: 1 small, 5 middle, 2 giant, 1 exited (F) and 1 acquired (G, by B on 2022-06-01)
    assert [sum(counts[o].values()) for o in ("small", "middle", "giant", "entered")] == [1, 6, 2, 1]
    for node in ("small 1", "middle 6", "giant 2", "entered 1", "middle 5", "exited 1", "acquired 1"):
        assert node in shown, node
    assert shown.count("small 1") == 2 and shown.count("giant 2") == 2
    assert "Tier flows of company by year, 2021 → 2023" in shown
    assert "Companies by tier of size: small < 10 ≤ middle ≤ 100 < giant" in shown
    assert "2021" in shown and "2023" in shown
    assert "2 → middle" in shown and "1 → acquired" in shown  # the middle's stayers, G's deal
    desc = root.find(SVG + "desc").text
    bands = [(o, d, n) for o, row in counts.items() for d, n in row.items() if n]
    assert len(bands) == 9
    for o, d, n in bands:
        assert f"{o} → {d} {n}" in desc
    assert "The middle went from 6 to 5." in desc


def test_flows_chart_without_deals_has_no_acquired_node(tmp_path):
    _, svg = plot(tmp_path, *FLOWS_PANEL)
    _, shown = texts(svg)
    assert not any(t.startswith("acquired") for t in shown)
    assert "exited 2" in shown  # G leaves the data when no deal explains it


def test_flows_chart_of_the_docs_example(tmp_path):
    r, svg = plot(
        tmp_path,
        "flows",
        "dataset:notable_models_compute",
        *["--period", "publication_date", "--freq", "year", "--agg", "max", "--split-entities", ","],
        *["--split-mode", "full", "--bounds", "1e19,1e23", "--from", "2018", "--to", "2025"],
    )
    _, shown = texts(svg)
    # the published table of docs/flows.md: 18 small, 10 middle, 17 entered; 6 middle, 14 giant, 25 exited in 2025
    for node in ("small 18", "middle 10", "entered 17", "middle 6", "giant 14", "exited 25"):
        assert node in shown, node
    assert "16 → exited" in shown and "13 → giant" in shown
    assert "Data: Epoch AI, 'Data on AI Models', epoch.ai/data/ai-models (CC BY 4.0)" in shown


def test_flows_chart_hostile_name_is_text(tmp_path):
    data = tmp_path / "hostile.csv"
    quoted = '"' + HOSTILE.replace('"', '""') + '"'
    rows = [f"{c},{v},{quoted},{y}" for y in (2023, 2024) for c, v in ((quoted, 60), ("Plain", 40), ("Third", 5))]
    data.write_text("company,users,grp,year\n" + "\n".join(rows) + "\n", encoding="utf-8")
    args = ["flows", str(data), "--value", "users", "--period", "year", "--by", "grp", "--bounds", "10,50"]
    _, svg = plot(tmp_path, *args)
    assert b"<script" not in svg and b"<b>" not in svg
    root, shown = texts(svg)
    visible = "\n".join(shown) + root.find(SVG + "desc").text
    assert "\\x07<script>alert(1)</script>&'q\"<b>$x$" in visible
    assert_self_contained(svg)


def test_concentration_chart_draws_the_fringe_as_such(tmp_path):
    # issue 17: "the fringe drawn as such when --other/--total give one" (issue 15's fringe)
    r, svg = plot(tmp_path, "concentration", FIXTURES / "fringe" / "top3_other.csv", "--other", "Other")
    doc = r.json()
    _, words = texts(svg)
    lo, hi = doc["results"][0]["bounds"]["hhi"]
    assert "Fringe (unobserved)" in words
    assert f"{doc['results'][0]['fringe']['share'] * 100:.1f}%" in words
    assert any(f"HHI {lo:,.0f}–{hi:,.0f}" in w for w in words)
    assert_self_contained(svg)
