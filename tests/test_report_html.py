"""``aistruct report``: the page parses as HTML5, holds every section, runs nothing, fetches nothing,
embeds the commands' own JSON documents and shows hostile names only as text."""

from __future__ import annotations

import json
import re
import shlex

import html5lib
import pytest
from conftest import ROOT, run_cli

MAU = "dataset:ai_app_mau_cn_2025-03"
NOTABLE = [
    "dataset:notable_models_compute",
    *["--period", "publication_date", "--freq", "year", "--agg", "max", "--split-entities", ","],
    *["--split-mode", "full", "--bounds", "1e19,1e23", "--where", "publication_date >= 2018"],
]
HTML = "{http://www.w3.org/1999/xhtml}"
SVG = "{http://www.w3.org/2000/svg}"
HOSTILE = "\x07<script>alert(1)</script>&'q\"<b>$x$"


def page(tmp_path, *args, name="report.html"):
    path = tmp_path / name
    r = run_cli("report", *args, "-o", str(path))
    assert r.code == 0, r.err
    assert r.out == ""
    return r, path.read_text(encoding="utf-8")


def parse(text: str):
    """Strict HTML5 parse (html5lib raises on any parse error: a stray tag, a bad character, a bad nesting)."""
    return html5lib.HTMLParser(strict=True, namespaceHTMLElements=True).parse(text)


def elements(tree, tag: str, ns: str = HTML) -> list:
    return list(tree.iter(ns + tag))


def json_blocks(tree) -> dict:
    out = {}
    for s in elements(tree, "script"):
        assert s.get("type") == "application/json", s.attrib  # no executable script
        assert s.get("src") is None
        out[s.get("id")] = json.loads(s.text)
    return out


def text_of(tree) -> str:
    return "".join(tree.itertext())


@pytest.fixture(scope="module")
def mau(tmp_path_factory):
    return page(tmp_path_factory.mktemp("r"), MAU)


@pytest.fixture(scope="module")
def notable(tmp_path_factory):
    return page(tmp_path_factory.mktemp("r"), *NOTABLE)


def test_page_parses_as_html5_with_the_sections(mau, notable):
    _, text = mau
    tree = parse(text)
    assert text.startswith("<!DOCTYPE html>\n")
    ids = [s.get("id") for s in elements(tree, "section")]
    assert ids == ["provenance", "concentration", "tiers", "data"]
    meta = {m.get("name"): m.get("content") for m in elements(tree, "meta") if m.get("name")}
    assert meta["viewport"] == "width=device-width, initial-scale=1"
    assert "@media print" in text and "@media (max-width: 820px)" in text
    _, text2 = notable
    ids2 = [s.get("id") for s in elements(parse(text2), "section")]
    assert ids2 == ["provenance", "concentration", "tiers", "trend", "flows", "data"]


def test_each_section_has_its_chart_table_and_reading(mau):
    _, text = mau
    tree = parse(text)
    for section in elements(tree, "section"):
        if section.get("id") in ("concentration", "tiers"):
            svgs = list(section.iter(SVG + "svg"))
            assert len(svgs) == 1 and svgs[0].find(SVG + "title") is not None
            assert list(section.iter(HTML + "table"))
            reading = [p for p in section.iter(HTML + "p") if p.get("class") == "reading"]
            assert len(reading) == 1
    words = text_of(tree)
    # docs/concentration.md's published figures of the four apps: HHI 3,886, highly concentrated, Gini 0.407
    assert "4 companies; the HHI is 3,886, highly concentrated under the us-2023 guidelines; Gini 0.407." in words
    assert "The largest, DeepSeek, holds 52.5%." in words
    # the tiers reading is the sentence `aistruct tiers` prints under its diagnostics
    tiers = run_cli("tiers", MAU)
    sentence = next(line for line in tiers.out.splitlines() if line.startswith("The middle holds"))
    assert sentence in re.sub(r"\s+", " ", tiers.out) or sentence in words
    assert "The middle holds 25.0% of companies and 11.3% of the value" in words


def test_embedded_json_equals_the_commands_json(mau, notable):
    _, text = mau
    blocks = json_blocks(parse(text))
    assert list(blocks) == ["concentration-json", "tiers-json"]
    assert blocks["concentration-json"] == run_cli("concentration", MAU, "-f", "json").json()
    assert blocks["tiers-json"] == run_cli("tiers", MAU, "-f", "json").json()
    _, text2 = notable
    blocks2 = json_blocks(parse(text2))
    # the same reading options; --period, --freq and --bounds belong to trend, flows and tiers
    reading = ["--agg", "max", "--split-entities", ",", "--split-mode", "full", "--where", "publication_date >= 2018"]
    conc = run_cli("concentration", NOTABLE[0], *reading, "-f", "json")
    assert blocks2["concentration-json"] == conc.json()
    tiers = run_cli("tiers", NOTABLE[0], *reading, "--bounds", "1e19,1e23", "-f", "json")
    assert blocks2["tiers-json"] == tiers.json()
    assert blocks2["trend-json"] == run_cli("trend", *NOTABLE, "-f", "json").json()
    assert blocks2["flows-json"] == run_cli("flows", *NOTABLE, "-f", "json").json()


def test_merge_section_with_a_deal(tmp_path):
    _, text = page(tmp_path, MAU, "--acquirer", "Doubao", "--target", "Kimi")
    tree = parse(text)
    assert [s.get("id") for s in elements(tree, "section")] == ["provenance", "concentration", "tiers", "merge", "data"]
    blocks = json_blocks(tree)
    assert (
        blocks["merge-json"] == run_cli("merge", MAU, "--acquirer", "Doubao", "--target", "Kimi", "-f", "json").json()
    )
    merge = next(s for s in elements(tree, "section") if s.get("id") == "merge")
    words = "".join(merge.itertext())
    # docs/merge.md: HHI 3,886 -> 4,195, ΔHHI +309 (2 x 31.36% x 4.92% x 10,000 = 308.7), merged share 36.3%
    assert "the HHI goes from 3,886 to 4,195 (ΔHHI +309), the merged firm holds 36.3%" in words
    assert "us-2023: presumption (post-merger HHI 4,194.97 > 1,800" in words
    assert list(merge.iter(SVG + "svg")) and list(merge.iter(HTML + "table"))


def test_no_script_and_no_remote_url_beyond_the_credits(notable):
    _, text = notable
    tree = parse(text)
    json_blocks(tree)  # every <script> is a JSON data block
    for el in tree.iter():
        if not isinstance(el.tag, str):
            continue
        for key, value in el.attrib.items():
            assert not key.lower().startswith("on"), (el.tag, key)  # no event handler
            if key.endswith("href") or key == "src":
                assert value.startswith("#") or el.tag == HTML + "a", (el.tag, key, value)
    assert elements(tree, "link") == [] and elements(tree, "iframe") == [] and elements(tree, "img") == []
    assert "@import" not in text and "url(" not in "".join(s.text or "" for s in elements(tree, "style"))
    # every URL is a link of the provenance's credits: the dataset's source and its licence
    without_ns = re.sub(r'xmlns(?::\w+)?="[^"]*"', "", text)
    urls = set(re.findall(r"https?://[^\s\"'<>)]+", without_ns))
    provenance = next(s for s in elements(tree, "section") if s.get("id") == "provenance")
    links = {a.get("href") for a in provenance.iter(HTML + "a")}
    assert urls == links == {"https://epoch.ai/data/ai-models", "https://creativecommons.org/licenses/by/4.0/"}


def test_provenance(notable):
    _, text = notable
    tree = parse(text)
    provenance = next(s for s in elements(tree, "section") if s.get("id") == "provenance")
    terms = [dt.text for dt in provenance.iter(HTML + "dt")]
    values = ["".join(dd.itertext()) for dd in provenance.iter(HTML + "dd")]
    shown = dict(zip(terms, values))
    doc = json_blocks(tree)["concentration-json"]["input"]
    assert shown["File"] == "dataset:notable_models_compute"
    assert shown["Rows"] == f"{doc['rows_read']:,} read, {doc['rows_used']:,} used"
    assert shown["Company column"] == "organization" and shown["Value column"] == "training_compute_flop"
    assert shown["Filters"] == "publication_date >= 2018" and shown["Combine rows"] == "max"
    assert shown["Period column"] == "publication_date" and shown["Periods grouped by"] == "year"
    assert shown["Data credit"] == "Epoch AI, 'Data on AI Models', epoch.ai/data/ai-models (CC BY 4.0)"
    from aistruct._version import __version__

    assert f"Made by aistruct {__version__}" in text_of(tree)


def test_hostile_names_are_text(tmp_path):
    """A hostile company and group name (the group labels the trend and flows sections)."""
    data = tmp_path / "hostile.csv"
    quoted = '"' + HOSTILE.replace('"', '""') + '"'
    firms = ((quoted, 60), ("Plain", 40), ("Third", 5), ("Four", 2))
    rows = [f"{c},{v},{quoted},{y}" for y in (2023, 2024) for c, v in firms]
    data.write_text("company,users,grp,year\n" + "\n".join(rows) + "\n", encoding="utf-8")
    args = ["--value", "users", "--by", "grp", "--period", "year", "--bounds", "3,50", "--min-n", "2"]
    args += ["--acquirer", "Plain", "--target", HOSTILE]
    _, text = page(tmp_path, str(data), *args)
    tree = parse(text)
    blocks = json_blocks(tree)  # the only <script> elements; the name cannot close one
    assert blocks["concentration-json"]["results"][0]["top"][0]["entity"] == HOSTILE
    tags = [el.tag.split("}")[-1] for el in tree.iter() if isinstance(el.tag, str)]
    assert "b" not in tags and "foreignObject" not in tags
    assert "\x07" not in text and "<b>" not in text
    assert text.count("<script") == len(blocks)
    visible = text_of(tree)
    assert "\\x07<script>alert(1)</script>&'q\"<b>$x$" in visible  # in the tables, the readings and the charts
    for name in ("concentration", "tiers", "merge", "trend", "flows"):
        section = next(s for s in elements(tree, "section") if s.get("id") == name)
        assert "\\x07<script>alert(1)</script>" in "".join(section.itertext()), name


def test_json_block_cannot_be_closed_by_a_name():
    from aistruct.report_html import json_block

    doc = {"name": "</script><script>alert(1)</script><!-- & -->"}
    block = json_block("x", doc)
    inner = block[len('<script type="application/json" id="x-json">') : -len("</script>")]
    assert "<" not in inner and ">" not in inner and "&" not in inner
    assert json.loads(inner) == doc


def test_same_input_same_bytes(tmp_path):
    _, one = page(tmp_path, MAU, name="a.html")
    _, two = page(tmp_path, MAU, name="b.html")
    assert one == two


def test_without_output_the_page_goes_to_stdout(tmp_path, mau):
    r = run_cli("report", MAU)
    assert r.code == 0 and r.out == mau[1]


def test_stdin_is_refused(tmp_path):
    r = run_cli("report", "-", stdin=b"company,users\nA,1\n")
    assert r.code == 2
    assert r.err.strip().splitlines()[-1] == (
        "aistruct: error: report FILE: standard input cannot be read once per section; give a path or dataset:NAME"
    )


@pytest.mark.parametrize("option", ["--from", "--to", "--acquisitions"])
def test_flows_options_need_period(option):
    r = run_cli("report", MAU, option, "2024")
    assert (
        r.code == 2
        and r.err.strip().splitlines()[-1]
        == f"aistruct: error: {option}: needs --period (it belongs to the flows section)"
    )


def test_output_never_overwrites_the_input(tmp_path):
    data = tmp_path / "data.csv"
    data.write_text("company,users\nA,3\nB,1\nC,1\n", encoding="utf-8")
    r = run_cli("report", str(data), "-o", str(data))
    assert r.code == 2 and "refusing to overwrite the input file" in r.err
    assert data.read_text(encoding="utf-8") == "company,users\nA,3\nB,1\nC,1\n"


def test_the_docs_example_runs(tmp_path, monkeypatch):
    """docs/report.md's example command (``-o report.html``), run in a temporary folder."""
    docs = (ROOT / "docs" / "report.md").read_text(encoding="utf-8")
    line = next(x for x in docs.splitlines() if x.startswith("$ aistruct report dataset:notable_models_compute"))
    argv = shlex.split(line[2:])[1:]
    assert argv[-2:] == ["-o", "report.html"]
    monkeypatch.chdir(tmp_path)
    r = run_cli(*argv)
    assert r.code == 0, r.err
    tree = parse((tmp_path / "report.html").read_text(encoding="utf-8"))
    assert [s.get("id") for s in elements(tree, "section")][-3:] == ["trend", "flows", "data"]


def test_the_core_imports_no_cli():
    import aistruct.report_html as mod

    source = open(mod.__file__, encoding="utf-8").read()
    assert "typer" not in source and "rich" not in source.replace("enrich", "")


def test_a_fringe_shows_as_ranges_and_its_own_row(tmp_path):
    # issue 15's fringe in the page: the metrics table gives the ranges (as the terminal table does)
    _, html = page(tmp_path, str(ROOT / "tests" / "fixtures" / "fringe" / "top3_other.csv"), "--other", "Other")
    assert "2,900–3,000" in html and "90.0%–100.0%" in html
    assert "10.0% unobserved" in html and "Unobserved fringe" in html
