"""--ownership and the modified HHI (MHHI) of O'Brien and Salop (2000), pinned to hand-worked
examples and to the formula of R ``antitrust::HHI(shares, owner, control)`` written out in loops."""

import pytest
from conftest import assert_schema, run_cli

from aistruct.concentration import concentration_report
from aistruct.ownership import OwnedMarket, Ownership, load_ownership, modified_hhi


def write(path, text):
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def market(tmp_path):
    return write(tmp_path / "market.csv", "company,value\nA,60\nB,40\n")


def mhhi_loops(shares, beta, gamma):
    """O'Brien–Salop: 10,000 Σ_j Σ_k s_j s_k (Σ_i γ_ij β_ik) / (Σ_i γ_ij β_ij), in plain loops."""
    owners, firms = len(beta), len(shares)
    total = 0.0
    for j in range(firms):
        den = sum(gamma[i][j] * beta[i][j] for i in range(owners))
        for k in range(firms):
            num = sum(gamma[i][j] * beta[i][k] for i in range(owners))
            total += shares[j] * shares[k] * num / den
    return 10_000 * total


def r_antitrust_hhi(shares, owner, control):
    """R antitrust's HHI() step by step: weights <- crossprod(control, owner);
    weights <- t(t(weights)/diag(weights)); (100 s) %*% weights %*% (100 s)."""
    n = len(shares)
    w = [[sum(control[i][j] * owner[i][k] for i in range(n)) for k in range(n)] for j in range(n)]
    d = [w[k][k] for k in range(n)]
    w = [[w[j][k] / d[k] for k in range(n)] for j in range(n)]  # t(t(W)/d): column k over d_k
    s = [100 * x for x in shares]
    return sum(s[j] * w[j][k] * s[k] for j in range(n) for k in range(n))


# ---------------------------------------------------------------- (a) a cross-stake, by hand


def test_cross_stake_without_control_by_hand(tmp_path, market):
    # A (60%) is wholly owned by its own owner, who also holds 20% of B's profits and no control
    # of B. B's own owner keeps the other 80% of B's cash flow and all of its control.
    #   j = A: controller A (γ = 1): weight on B = γ_AA β_AB / γ_AA β_AA = 0.2 / 1 = 0.2
    #   j = B: controller B (γ = 1, β = 0.8): weight on A = γ_BB β_BA / 0.8 = 0 / 0.8 = 0
    # HHI = 3600 + 1600 = 5200; ΔMHHI = 10,000 (0.6 · 0.4 · 0.2 + 0.4 · 0.6 · 0) = 480; MHHI = 5680.
    own = write(tmp_path / "own.csv", "owner,company,stake,control\nA,B,20%,0\n")
    doc = run_cli("concentration", market, "--ownership", own, "-f", "json").json()
    assert_schema(doc, "concentration")
    r = doc["results"][0]
    assert r["hhi"] == pytest.approx(5200, rel=1e-12)
    assert r["mhhi_delta"] == pytest.approx(480, rel=1e-12)
    assert r["mhhi"] == pytest.approx(5680, rel=1e-12)
    assert doc["warnings"] == []


def test_cross_stake_with_control_by_hand(tmp_path, market):
    # The same 20% of B, now with 20% of B's control. B's own owner: β = 0.8, γ = 0.8.
    #   j = A: weight on B = 0.2 (as before)
    #   j = B: Σ_i γ_iB β_iB = 0.2 · 0.2 + 0.8 · 0.8 = 0.68; weight on A = γ_AB β_AA = 0.2 · 1 = 0.2,
    #          so 0.2 / 0.68 = 5/17
    # ΔMHHI = 10,000 · 0.24 · (0.2 + 5/17) = 2400 · 0.2 + 2400 · 5/17 = 480 + 705.882... = 1185.882...
    own = write(tmp_path / "own.csv", "owner,company,stake\nA,B,0.2\n")
    r = run_cli("concentration", market, "--ownership", own, "-f", "json").json()["results"][0]
    assert r["mhhi_delta"] == pytest.approx(480 + 12000 / 17, rel=1e-12)


# ---------------------------------------------------------------- (b) common ownership, by hand


def test_one_fund_holds_ten_percent_of_two_rivals(tmp_path, market):
    # Fund F holds 10% of A and of B with 10% of the control of each; each firm's own owner the
    # remaining 90% / 90%.  For j = A: Σ_i γ_iA β_iA = 0.1² + 0.9² = 0.82; weight on B =
    # γ_FA β_FB = 0.01, so 0.01 / 0.82; B the same by symmetry.
    # ΔMHHI = 10,000 · 2 · 0.6 · 0.4 · 0.01 / 0.82 = 48 / 0.82 = 58.536585...
    own = write(tmp_path / "own.csv", "owner,company,stake\nFund,A,10\nFund,B,10\n")  # 10 > 1: percent
    r = run_cli("concentration", market, "--ownership", own, "-f", "json").json()["results"][0]
    assert r["mhhi_delta"] == pytest.approx(48 / 0.82, rel=1e-12)
    assert r["mhhi"] == pytest.approx(5200 + 48 / 0.82, rel=1e-12)


def test_a_fund_owning_everything_is_a_monopoly():
    o = Ownership.from_rows([("Fund", "A", 1.0), ("Fund", "B", 1.0), ("Fund", "C", 1.0)])
    delta = OwnedMarket(["A", "B", "C"], o).mhhi_delta([50, 30, 20])
    assert 3800 + delta == pytest.approx(10_000, rel=1e-12)  # HHI 2500 + 900 + 400 = 3800


# ---------------------------------------------------------------- (c) the formulas, in loops

# R antitrust's help example (man/HHI-Functions.Rd): products 1-5, A makes 1-2, B 3-4, C 5;
# A holds 75% of product 3's profits, B 10% of product 1's. R's matrices are per product
# (row i = the owner of product i), so A's and B's rows appear twice; ours are per owner.
R_SHARES = [0.15, 0.2, 0.25, 0.35, 0.05]
R_OWNER = [
    [0.9, 1, 0.75, 0, 0],
    [0.9, 1, 0.75, 0, 0],
    [0.1, 0, 0.25, 1, 0],
    [0.1, 0, 0.25, 1, 0],
    [0, 0, 0, 0, 1],
]
R_CONTROL = [[1, 1, 0, 0, 0], [1, 1, 0, 0, 0], [0, 0, 1, 1, 0], [0, 0, 1, 1, 0], [0, 0, 0, 0, 1]]
# The same holdings, one row per owner (A, B, C) and one column per product.
BETA = [R_OWNER[0], R_OWNER[2], R_OWNER[4]]
CONTROL = [R_CONTROL[0], R_CONTROL[2], R_CONTROL[4]]


def test_r_antitrust_when_control_follows_the_stake():
    # HHI(shares, owner, owner): control equal to the cash flow, our default.
    r = r_antitrust_hhi(R_SHARES, R_OWNER, R_OWNER)
    assert modified_hhi(R_SHARES, BETA) == pytest.approx(r, rel=1e-12)
    assert mhhi_loops(R_SHARES, BETA, BETA) == pytest.approx(r, rel=1e-12)
    rows = [(o, f"p{k + 1}", BETA[i][k]) for i, o in enumerate("ABC") for k in range(5) if BETA[i][k]]
    names = [f"p{k + 1}" for k in range(5)]
    hhi = sum((100 * s) ** 2 for s in R_SHARES)
    assert hhi + OwnedMarket(names, Ownership.from_rows(rows)).mhhi_delta(R_SHARES) == pytest.approx(r, rel=1e-12)


def test_control_apart_from_stake_follows_obrien_salop_not_r():
    # With control apart from cash flow (R's help example 2), the O'Brien–Salop formula divides
    # firm j's weights by Σ_i γ_ij β_ij. R's HHI() divides column k by Σ_i γ_ik β_ik instead
    # (t(t(W)/diag(W))), which agrees only when Σ_i γ_ij β_ik is symmetric in j and k.
    ours = modified_hhi(R_SHARES, BETA, CONTROL)
    assert ours == pytest.approx(mhhi_loops(R_SHARES, BETA, CONTROL), rel=1e-12)
    assert r_antitrust_hhi(R_SHARES, R_OWNER, R_CONTROL) == pytest.approx(7575, rel=1e-12)
    assert ours == pytest.approx(7712.083333333333, rel=1e-12)
    rows = [(o, f"p{k + 1}", BETA[i][k], CONTROL[i][k]) for i, o in enumerate("ABC") for k in range(5) if BETA[i][k]]
    names = [f"p{k + 1}" for k in range(5)]
    hhi = sum((100 * s) ** 2 for s in R_SHARES)
    assert hhi + OwnedMarket(names, Ownership.from_rows(rows)).mhhi_delta(R_SHARES) == pytest.approx(ours, rel=1e-12)


def test_links_and_dense_matrices_agree_on_a_random_market():
    import random

    rng = random.Random(7)
    firms = [f"f{j}" for j in range(12)]
    rows = []
    for owner in ("Fund1", "Fund2", "Fund3", "f0", "f5"):
        for f in rng.sample(firms, 4):
            if f != owner:
                rows.append((owner, f, rng.uniform(0, 0.15), rng.uniform(0, 0.15)))
    o = Ownership.from_rows(rows)
    values = [rng.uniform(1, 100) for _ in firms]
    total = sum(values)
    shares = [v / total for v in values]
    # dense: owners = the 12 firms' own owners, then the funds; each firm's own owner holds the rest
    owners = firms + ["Fund1", "Fund2", "Fund3"]
    beta = [[0.0] * 12 for _ in owners]
    gamma = [[0.0] * 12 for _ in owners]
    for owner, f, b, g in o.rows:
        i, j = owners.index(owner), firms.index(f)
        beta[i][j] += b
        gamma[i][j] += g
    for j in range(12):
        beta[j][j] = 1 - sum(beta[i][j] for i in range(len(owners)) if i != j)
        gamma[j][j] = 1 - sum(gamma[i][j] for i in range(len(owners)) if i != j)
    hhi = sum((100 * s) ** 2 for s in shares)
    got = hhi + OwnedMarket(firms, o).mhhi_delta(values)
    assert got == pytest.approx(mhhi_loops(shares, beta, gamma), rel=1e-12)


# ---------------------------------------------------------------- (d) without, and the identity


def test_without_ownership_mhhi_is_null(market):
    doc = run_cli("concentration", market, "-f", "json").json()
    assert_schema(doc, "concentration")
    assert doc["results"][0]["mhhi"] is None and doc["results"][0]["mhhi_delta"] is None
    header = run_cli("concentration", market, "-f", "csv").out.splitlines()[0].split(",")
    assert "mhhi" not in header  # the columns come with --ownership only: a plain table's CSV is unchanged
    assert "MHHI" not in run_cli("concentration", market).out


def test_every_firm_wholly_owned_by_itself_gives_the_hhi(tmp_path):
    src = write(tmp_path / "m.csv", "company,value\nA,50\nB,30\nC,15\nD,5\n")
    own = write(tmp_path / "own.csv", "owner,company,stake\nA,A,100%\nb,B,1\n c ,C,1\n")  # folded names
    doc = run_cli("concentration", src, "--ownership", own, "-f", "json").json()
    r = doc["results"][0]
    assert r["mhhi"] == r["hhi"] and r["mhhi_delta"] == 0.0
    assert doc["warnings"] == []
    assert "MHHI" in run_cli("concentration", src, "--ownership", own).out


def test_per_group_and_unmatched_rows_warned_once(tmp_path):
    src = write(tmp_path / "m.csv", "company,value,region\nA,60,EU\nB,40,EU\nA,50,US\nC,50,US\n")
    own = write(tmp_path / "own.csv", "owner,company,stake,control\nA,B,0.2,0\nX,Nobody,0.5,0.5\n")
    doc = run_cli("concentration", src, "-b", "region", "--ownership", own, "-f", "json").json()
    assert_schema(doc, "concentration")
    eu, us = doc["results"]
    assert eu["mhhi_delta"] == pytest.approx(480, rel=1e-12)
    assert us["mhhi_delta"] == 0.0  # B is not in the US market: A and C share no owner
    warned = [w for w in doc["warnings"] if "ownership" in w]
    assert len(warned) == 1 and "'Nobody'" in warned[0] and "'B'" not in warned[0]
    assert warned[0].startswith("--ownership ") and warned[0].endswith("1 company is not in the table: 'Nobody'")


def test_after_aliases_the_map_speaks_the_markets_names(tmp_path, market):
    src = write(tmp_path / "m.csv", "company,value\nA,60\nBee,40\n")
    aliases = write(tmp_path / "aliases.csv", "alias,name\nBee,B\n")
    own = write(tmp_path / "own.csv", "owner,company,stake,control\nA,B,0.2,0\n")
    doc = run_cli("concentration", src, "--aliases", aliases, "--ownership", own, "-f", "json").json()
    assert doc["results"][0]["mhhi_delta"] == pytest.approx(480, rel=1e-12)


def test_library_takes_rows(market):
    rep = concentration_report(str(market), ownership=[("A", "B", 0.2, 0.0)])
    assert rep.results[0]["mhhi"] == pytest.approx(5680, rel=1e-12)


def test_undefined_ratio_is_null_with_a_warning(tmp_path, market):
    # B's control is all with X, who holds none of B's profits; B's cash flow is all with Y.
    own = write(tmp_path / "own.csv", "owner,company,stake,control\nX,B,0,1\nY,B,1,0\n")
    doc = run_cli("concentration", market, "--ownership", own, "-f", "json").json()
    assert doc["results"][0]["mhhi"] is None
    assert any("mhhi is undefined" in w and "'B'" in w for w in doc["warnings"])


# ---------------------------------------------------------------- (e) errors: exit 2, one line


@pytest.mark.parametrize(
    "text, message",
    [
        ("owner,company,stake\nF,B,60%\nG,B,50%\n", "company 'B': its stakes sum to 110% (above 100%)"),
        ("owner,company,stake\nF,B,0.7\nG,b ,0.4\n", "company 'b': its stakes sum to 110% (above 100%)"),
        ("owner,company,stake,control\nF,B,0.1,0.7\nG,B,0.1,0.4\n", "its controls sum to 110%"),
        ("owner,company,stake\nF,B,-0.1\n", "row 2: column 'stake': negative stake -0.1"),
        ("owner,company\nF,B\n", "no column 'stake'"),
        ("owner,firm,stake\nF,B,0.1\n", "no column 'company'"),
        ("owner,company,stake\nF,B,lots\n", "'lots' is not a number"),
        ("owner,company,stake\n,B,0.1\n", "blank 'owner'"),
    ],
)
def test_bad_ownership_tables_exit_2_in_one_line(tmp_path, market, text, message):
    own = write(tmp_path / "own.csv", text)
    r = run_cli("concentration", market, "--ownership", own)
    assert r.code == 2
    lines = r.err.strip().splitlines()
    assert len(lines) == 1 and message in lines[0] and "Traceback" not in r.err


def test_percent_rule():
    o = load_ownership(__import__("pandas").DataFrame({"owner": ["F", "G"], "company": ["A", "B"], "stake": [5, 0.5]}))
    assert [r[2] for r in o.rows] == [0.05, 0.005]  # a plain number above 1: the column is percent
    o = load_ownership(
        __import__("pandas").DataFrame({"owner": ["F", "G"], "company": ["A", "B"], "stake": ["40%", 0.5]})
    )
    assert [r[2] for r in o.rows] == [0.4, 0.5]  # "%" marks one cell; the plain ones stay fractions


def test_docs_example_by_hand():
    # docs/concentration.md: Tencent holds 10% of Moonshot AI's profits, no control.
    # Tencent's manager weighs Moonshot AI at 0.1 / 1, Moonshot AI's weighs Tencent at 0 / 0.9.
    from conftest import ROOT

    rep = concentration_report(
        str(ROOT / "datasets/ai_app_mau_cn_2025-03.csv"),
        entity="company",
        ownership=str(ROOT / "tests/fixtures/ownership/mau_stakes.csv"),
    )
    total = 194_000_000 + 116_000_000 + 41_640_000 + 18_200_000
    expected = 10_000 * (41_640_000 / total) * (18_200_000 / total) * 0.1
    assert rep.results[0]["mhhi_delta"] == pytest.approx(expected, rel=1e-12)


# ---------------------------------------------------------------- merge: pre- and post-merger MHHI


@pytest.fixture
def three(tmp_path):
    return write(tmp_path / "m3.csv", "company,value\nA,50\nB,30\nC,20\n")


def test_merge_buys_out_a_funds_stake_in_the_target(tmp_path, three):
    # Fund holds 10% of B (30%) and of C (20%) with proportional control.
    # Pre: ΔMHHI = 10,000 · 2 · 0.3 · 0.2 · 0.01 / 0.82 = 1200 · 0.01 / 0.82 = 14.634...
    # A buys B: the acquirer's owners own B, the fund's stake is bought out: no tie is left,
    # post MHHI = post HHI = 80² + 20² = 6800.
    own = write(tmp_path / "own.csv", "owner,company,stake\nFund,B,10%\nFund,C,10%\n")
    doc = run_cli("merge", three, "-a", "A", "-t", "B", "--ownership", own, "-f", "json").json()
    assert_schema(doc, "merge")
    r = doc["results"][0]
    assert r["pre_mhhi"] == pytest.approx(3800 + 12 / 0.82, rel=1e-12)
    assert r["post_mhhi"] == pytest.approx(6800, rel=1e-12)
    assert r["delta_mhhi"] == pytest.approx(3000 - 12 / 0.82, rel=1e-12)
    assert "MHHI" in run_cli("merge", three, "-a", "A", "-t", "B", "--ownership", own).out


def test_merge_passes_the_targets_holdings_to_the_acquirer(tmp_path, three):
    # B holds 20% of C's profits, no control. Pre: B's manager weighs C at 0.2:
    # ΔMHHI = 10,000 · 0.3 · 0.2 · 0.2 = 120. A buys B: A (80%) now holds B's 20% of C:
    # ΔMHHI = 10,000 · 0.8 · 0.2 · 0.2 = 320; post MHHI = 6800 + 320.
    own = write(tmp_path / "own.csv", "owner,company,stake,control\nB,C,0.2,0\n")
    r = run_cli("merge", three, "-a", "A", "-t", "B", "--ownership", own, "-f", "json").json()["results"][0]
    assert r["pre_mhhi"] == pytest.approx(3800 + 120, rel=1e-12)
    assert r["post_mhhi"] == pytest.approx(6800 + 320, rel=1e-12)
    header = run_cli("merge", three, "-a", "A", "-t", "B", "--ownership", own, "-f", "csv").out.splitlines()[0]
    assert {"pre_mhhi", "post_mhhi", "delta_mhhi"} <= set(header.split(","))


def test_merge_sequential_follows_the_ownership(tmp_path):
    # A holds 20% of D, no control. Step 1: A buys B; step 2: A buys C. Shares .4 .3 .2 .1.
    # Step 1 pre: 10,000 · 0.4 · 0.1 · 0.2 = 80; post: (A+B = .7) 10,000 · 0.7 · 0.1 · 0.2 = 140.
    # Step 2 pre = step 1 post; post (A+B+C = .9): 10,000 · 0.9 · 0.1 · 0.2 = 180.
    src = write(tmp_path / "m.csv", "company,value\nA,40\nB,30\nC,20\nD,10\n")
    deals = write(tmp_path / "deals.csv", "acquirer,target\nA,B\nA,C\n")
    own = write(tmp_path / "own.csv", "owner,company,stake,control\nA,D,0.2,0\n")
    doc = run_cli("merge", src, "--scenarios", deals, "--sequential", "--ownership", own, "-f", "json").json()
    assert_schema(doc, "merge")
    s1, s2 = doc["results"]
    assert s1["pre_mhhi"] == pytest.approx(3000 + 80, rel=1e-12)
    assert s1["post_mhhi"] == pytest.approx(4900 + 400 + 100 + 140, rel=1e-12)
    assert s2["pre_mhhi"] == pytest.approx(s1["post_mhhi"], rel=1e-12)
    assert s2["post_mhhi"] == pytest.approx(8100 + 100 + 180, rel=1e-12)


def test_merge_without_ownership_has_null_mhhi(three):
    doc = run_cli("merge", three, "-a", "A", "-t", "B", "-f", "json").json()
    assert_schema(doc, "merge")
    r = doc["results"][0]
    assert r["pre_mhhi"] is None and r["post_mhhi"] is None and r["delta_mhhi"] is None


def test_table_and_ownership_not_both_from_standard_input():
    r = run_cli("concentration", "-", "--ownership", "-", stdin=b"company,value\nA,1\n")
    assert r.code == 2 and "cannot both be read from standard input" in r.err


def test_module_examples_run():
    import doctest

    from aistruct import ownership

    result = doctest.testmod(ownership)
    assert result.failed == 0 and result.attempted > 0


# ---------------------------------------------------------------- trend: per period


def test_trend_gives_mhhi_per_period(tmp_path):
    # A holds 20% of B, no control. 2023: shares .6/.4, ΔMHHI = 10,000 · 0.6 · 0.4 · 0.2 = 480;
    # 2024: .5/.5, ΔMHHI = 10,000 · 0.5 · 0.5 · 0.2 = 500.
    src = write(tmp_path / "t.csv", "company,value,year\nA,60,2023\nB,40,2023\nA,50,2024\nB,50,2024\n")
    own = write(tmp_path / "own.csv", "owner,company,stake,control\nA,B,0.2,0\n")
    args = ("trend", src, "--period", "year", "--min-n", "1")
    doc = run_cli(*args, "--ownership", own, "-f", "json").json()
    assert_schema(doc, "trend")
    p23, p24 = doc["results"][0]["periods"]
    assert p23["mhhi"] == pytest.approx(5680, rel=1e-12) and p23["mhhi_delta"] == pytest.approx(480, rel=1e-12)
    assert p24["mhhi"] == pytest.approx(5500, rel=1e-12)
    assert "MHHI" in run_cli(*args, "--ownership", own).out
    plain = run_cli(*args, "-f", "json").json()
    assert_schema(plain, "trend")
    assert all(p["mhhi"] is None for p in plain["results"][0]["periods"])
    assert "mhhi" not in run_cli(*args, "-f", "csv").out.splitlines()[0].split(",")
    assert "mhhi" in run_cli(*args, "--ownership", own, "-f", "csv").out.splitlines()[0].split(",")


def test_merge_where_the_acquirer_is_absent_has_no_post_mhhi(tmp_path):
    # Region US has no A: the deal A + B there leaves B as it is; MHHI after is not followed (null).
    src = write(tmp_path / "m.csv", "company,value,region\nA,60,EU\nB,40,EU\nB,50,US\nC,50,US\n")
    own = write(tmp_path / "own.csv", "owner,company,stake\nFund,B,10%\nFund,C,10%\nX,Nobody,0.5\n")
    doc = run_cli("merge", src, "-b", "region", "-a", "A", "-t", "B", "--ownership", own, "-f", "json").json()
    assert_schema(doc, "merge")
    eu, us = doc["results"]
    assert eu["pre_mhhi"] == pytest.approx(eu["pre_hhi"], rel=1e-12)  # Fund holds B only there
    assert eu["post_mhhi"] == pytest.approx(10_000, rel=1e-12)
    # US: B and C at .5/.5, Fund 10% of each: ΔMHHI = 10,000 · 2 · 0.25 · 0.01 / 0.82
    assert us["pre_mhhi"] == pytest.approx(5000 + 50 / 0.82, rel=1e-12)
    assert us["post_mhhi"] is None and us["delta_mhhi"] is None
    warned = [w for w in doc["warnings"] if "ownership" in w]
    assert len(warned) == 1 and "'Nobody'" in warned[0] and warned[0].startswith("--ownership ")
