"""Every command's table at 80 and 120 columns: no number cut, no trailing space, nothing wider
than the terminal (titles included), on the bundled datasets and the fixtures."""

from __future__ import annotations

import re

import pytest
from conftest import NOTABLE_FLOWS, run_cli

COMMANDS = {
    "concentration": ["concentration", "dataset:ai_app_mau_cn_2025-03"],
    "concentration-by-country": [
        "concentration",
        "dataset:frontier_models_compute",
        "--by",
        "country",
    ],
    "concentration-funding": ["concentration", "dataset:frontier_lab_funding", "--top", "1,2"],
    "tiers": ["tiers", "dataset:frontier_lab_funding", "--show", "2"],
    "tiers-explain": ["tiers", "dataset:frontier_models_compute", "--agg", "max", "--explain"],
    "tiers-by": [
        "tiers",
        "dataset:frontier_models_compute",
        "--entity",
        "organization",
        "--value",
        "training_compute_flop",
        "--by",
        "country",
        "--agg",
        "max",
    ],
    "tiers-staff": [
        "tiers",
        "dataset:frontier_lab_staff",
        "--agg",
        "max",
        "--preset",
        "headcount",
        "--entities",
    ],
    "trend": [
        "trend",
        "dataset:frontier_models_compute",
        "--period",
        "publication_date",
        "--freq",
        "year",
        "--entity",
        "organization",
        "--value",
        "training_compute_flop",
        "--min-n",
        "3",
    ],
    "trend-bounds": ["trend", "tests/fixtures/trend_by_year.csv", "--period", "year", "--bounds", "15,30"],
    "flows": [
        "flows",
        "tests/fixtures/flows_panel.csv",
        "--period",
        "year",
        "--bounds",
        "10,100",
        "--acquisitions",
        "tests/fixtures/flows_deals.csv",
    ],
    "flows-notable": ["flows", "dataset:notable_models_compute", *NOTABLE_FLOWS, "--summary"],
    "merge": ["merge", "datasets/ai_app_mau_cn_2025-03.csv", "--acquirer", "Doubao", "--target", "Kimi"],
    "merge-scenarios": [
        "merge",
        "datasets/ai_app_mau_cn_2025-03.csv",
        "--scenarios",
        "tests/fixtures/merge_scenarios_mau.csv",
    ],
    "merge-rollup": [
        "merge",
        "datasets/ai_app_mau_cn_2025-03.csv",
        "--scenarios",
        "tests/fixtures/merge_rollup_mau.csv",
        "--sequential",
    ],
    "merge-by": [
        "merge",
        "tests/fixtures/merge_by_market.csv",
        "--by",
        "market",
        "--entity",
        "company",
        "--value",
        "users",
        "--acquirer",
        "A",
        "--target",
        "B",
    ],
    "validate": ["validate", "dataset:ai_app_mau_cn_2025-03", "--entity", "app", "--value", "mau"],
    "validate-problems": [
        "validate",
        "tests/fixtures/validate/shares_off.csv",
        "--entity",
        "company",
        "--value",
        "share",
        "--by",
        "year",
        "--shares",
    ],
    "datasets": ["datasets"],
    "datasets-one": ["datasets", "show", "frontier_models_compute"],
}

#: A digit right before an ellipsis: a number Rich cut.
CUT_NUMBER = re.compile(r"\d[\d.,%]*…")


def table_text(args: list, width: int) -> str:
    result = run_cli(*args, env={"COLUMNS": str(width)})
    assert result.code in (0, 1), result.err
    return result.out


@pytest.mark.parametrize("width", [80, 120])
@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_table_fits(name, width):
    text = table_text(COMMANDS[name], width)
    assert text.strip()
    for line in text.splitlines():
        assert line == line.rstrip(), f"{name}: trailing space in {line!r}"
        assert len(line) <= width, f"{name}: wider than {width}: {line!r}"
        assert not CUT_NUMBER.search(line), f"{name}: a number is cut in {line!r}"


def test_long_group_label_gives_way_to_numbers():
    # issue 18, 7: a 52-character country hid every number ('5…', '7…') at 80 columns
    text = table_text(COMMANDS["concentration-by-country"], 80)
    row = next(line for line in text.splitlines() if line.lstrip().startswith("Canada"))
    assert "9,796" in row and "99.0%" in row and "0.490" in row
    uk = [line for line in text.splitlines() if line.lstrip().startswith("United K")]
    assert uk and all("…" in line.split()[1] or "…" in line for line in uk)


def test_merge_by_names_the_deal_once():
    text = table_text(COMMANDS["merge-by"], 80)
    assert text.count("A buys B") == 1
    assert text.splitlines()[0] == "Deal: A buys B"


def test_scenario_names_whole_when_they_fit():
    text = table_text(COMMANDS["merge-scenarios"], 80)
    for name in ("ByteDance buys Yuanbao", "DeepSeek buys Moonshot", "Tencent buys Moonshot"):
        assert name in text


def test_title_wraps_at_terminal_width_not_table_width():
    # the tiers table is narrow; its title used to wrap at the table's width
    text = table_text(COMMANDS["tiers"], 120)
    first = text.splitlines()[0]
    assert first.startswith("Tiers of") and len(first) > 60


# ---------------------------------------------------------------- one number formatter (issue 18, 9)


def test_compact_amounts_use_one_suffix_family():
    from aistruct.cli.render import fmt_compact

    # 38,400 = 38.4 thousand; 1,110 stays whole below 10,000; 6.3e13 = 63 trillion
    assert [fmt_compact(x) for x in (38_400, 1_110, 6.3e13, 2.1e25)] == ["38.4K", "1,110", "63T", "2.1e+25"]


@pytest.mark.parametrize("name", ["tiers", "tiers-explain", "tiers-by", "trend", "trend-bounds"])
def test_no_lowercase_thousands(name):
    assert not re.search(r"\d[k]\b", table_text(COMMANDS[name], 120))


def test_ratios_have_separators():
    from aistruct.cli.render import fmt_ratio

    assert fmt_ratio(3706682.77, 2) == "3,706,682.77"  # a Palma ratio of a market with a tiny bottom 40%
    assert fmt_ratio(0.4072, 3) == "0.407"


def test_tiny_values_in_three_significant_figures():
    from aistruct.cli.render import fmt_amount, fmt_number

    assert fmt_amount(-0.0007637) == "-7.64e-04"  # a slope, not -0.0007637
    assert fmt_number(0.0004, 2) == "4.00e-04"
    assert fmt_amount(12.5) == "12.5"


def test_p_values_below_a_thousandth():
    from aistruct.cli.render import fmt_p

    assert [fmt_p(p) for p in (0.0004, 0.001, 0.0423, None)] == ["<0.001", "0.001", "0.042", "–"]


def test_a_nonzero_share_is_never_zero_percent():
    from aistruct.cli.render import fmt_pct

    assert fmt_pct(0.0004) == "<0.1%"
    assert fmt_pct(0.0004, 0) == "<1%"
    assert fmt_pct(0.0) == "0.0%"
    assert fmt_pct(0.0005) == "0.1%"  # 0.05% rounds up
    assert fmt_pct(0.525) == "52.5%"


def test_counts_agree_with_their_noun():
    from aistruct.cli.render import plural

    assert [plural(1, "problem"), plural(2, "problem"), plural(1204, "row")] == [
        "1 problem",
        "2 problems",
        "1,204 rows",
    ]
    assert plural(1, "company", "companies") == "1 company"
