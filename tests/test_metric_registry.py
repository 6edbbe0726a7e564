"""The metric registry against the JSON Schema, the docs and the outputs; the metrics it added,
pinned to exact rational arithmetic; the guideline set the concentration document records."""

import doctest
import json
import math
import re
from fractions import Fraction

import pytest
from conftest import DATASETS, ROOT, assert_schema, load_schema, run_cli

import aistruct
from aistruct import guidelines, metric_registry, metrics
from aistruct.concentration import market_metrics
from aistruct.metric_registry import KEYS, METRICS

#: Result fields that are not metrics.
NOT_METRICS = ("group", "n", "total", "band", "status", "top", "bounds", "fringe", "ci")
#: Result fields that need a side table, not only the shares (--ownership).
NOT_METRICS += ("mhhi", "mhhi_delta")
#: Registered keys whose documentation rows the lead pastes into the docs (README.md/docs/ are
#: another helper's files); empty this once the rows are in.
PENDING_DOCS: set = set()


def result_schema() -> dict:
    return load_schema("concentration")["$defs"]["result"]


def resolve(prop: dict) -> dict:
    if "$ref" in prop:
        return load_schema("concentration")["$defs"][prop["$ref"].rsplit("/", 1)[1]]
    return prop


# ---------------------------------------------------------------- registry and schema


def test_registry_keys_are_the_schemas_metric_properties():
    props = set(result_schema()["properties"]) - set(NOT_METRICS)
    assert set(KEYS) - props == set(), "registered but not in the JSON Schema"
    assert props - set(KEYS) == set(), "in the JSON Schema but not registered"
    assert set(KEYS) <= set(result_schema()["required"])
    assert len(KEYS) == len(METRICS)  # no key declared twice


@pytest.mark.parametrize("m", METRICS, ids=lambda m: m.key)
def test_registry_kind_matches_the_schema(m):
    prop = resolve(result_schema()["properties"][m.key])
    types = prop["type"] if isinstance(prop["type"], list) else [prop["type"]]
    assert "null" in types  # every metric is null when the market has no shares
    assert ("object" if m.kind == "keyed" else "number") in types
    if m.kind == "keyed" and m.param_keys is not None:
        assert prop["required"] == list(m.param_keys)
        assert list(prop["properties"]) == list(m.param_keys)
        assert prop["additionalProperties"] is False
    if m.kind == "scalar":
        assert m.params is None and m.point_function is None


@pytest.mark.parametrize("m", METRICS, ids=lambda m: m.key)
def test_registry_functions_are_public_documented_and_exported(m):
    for name in filter(None, (m.function, m.point_function)):
        f = getattr(metrics, name)
        assert not name.startswith("_") and f.__doc__
        assert name in aistruct.__all__ and getattr(aistruct, name) is f
    assert m.compute is getattr(metrics, m.function)
    assert m.label and m.reference


def test_readings_name_only_registered_metrics():
    for m in METRICS:
        fields = set(re.findall(r"\{(\w+)\}", m.reading)) - {"k", "band"}
        assert fields <= {x.key for x in METRICS if x.kind == "scalar"}, m.key
        assert ("{k}" in m.label) == (m.kind == "keyed"), m.key


def test_docs_metric_table_lists_every_registered_key():
    pages = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
    documented = set()
    for page in pages:
        if page.exists():
            documented |= set(re.findall(r"^\| `(\w+)` \|", page.read_text(encoding="utf-8"), flags=re.MULTILINE))
    assert {"hhi", "gini", "atkinson"} <= documented, "no metric table found in README.md or docs/*.md"
    assert set(KEYS) - documented - PENDING_DOCS == set()


def test_old_exports_still_there():
    for name in (
        "hhi",
        "herfindahl",
        "hhi_normalized",
        "equivalent_firms",
        "concentration_ratio",
        "concentration_ratios",
        "gini",
        "gini_corrected",
        "theil",
        "entropy",
        "entropy_normalized",
        "atkinson",
        "palma",
        "rosenbluth",
        "shares",
        "band",
        "guideline_verdict",
    ):
        assert name in aistruct.__all__ and callable(getattr(aistruct, name))
    assert metrics.ATKINSON_EPSILONS == (0.5, 1.0, 2.0)


@pytest.mark.parametrize("module", [metrics, guidelines, metric_registry], ids=lambda m: m.__name__)
def test_docstring_examples_run(module):
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert result.failed == 0 and result.attempted > 0


# ---------------------------------------------------------------- the outputs follow the registry


def test_result_entry_keys_in_registry_order():
    ok = market_metrics(["a", "b", "c"], [3, 1, 0])
    assert list(ok) == ["n", "total", *KEYS, "band", "status", "top", "bounds", "fringe"]
    for m in METRICS:
        if m.param_keys:
            assert list(ok[m.key]) == list(m.param_keys)
    for values in ([0, 0], []):
        r = market_metrics(["a", "b"][: len(values)], values)
        assert list(r) == ["n", "total", *KEYS, "band", "status", "top", "bounds", "fringe"]
        assert all(r[k] is None for k in KEYS) and r["band"] is None


def test_json_csv_and_table_carry_every_metric(tmp_path):
    src = DATASETS / "ai_app_mau_cn_2025-03.csv"
    doc = run_cli("concentration", src, "--entity", "app", "--format", "json").json()
    assert_schema(doc, "concentration")
    r = doc["results"][0]
    assert r["rosenbluth"] == pytest.approx(exact_rosenbluth(_mau()), rel=1e-12)
    header = run_cli("concentration", src, "--entity", "app", "--format", "csv").out.splitlines()[0].split(",")
    for m in METRICS:
        if m.kind == "scalar":
            assert m.key in header
        else:
            assert [c for c in header if c.startswith(m.key + "_")] == [f"{m.key}_{k}" for k in r[m.key]]
    table = run_cli("concentration", src, "--entity", "app").out
    for m in METRICS:
        if m.row:
            keys = list(r[m.key]) if m.kind == "keyed" else [""]
            for k in keys:
                assert m.label.format(k=k) in table


def _mau():
    import csv

    with open(DATASETS / "ai_app_mau_cn_2025-03.csv", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    return [int(float(row["mau"])) for row in rows]


# ---------------------------------------------------------------- rosenbluth (Hall-Tideman)


def exact_rosenbluth(values) -> Fraction:
    """1 / (2 sum_i i s_i - 1), shares sorted largest first, in rational arithmetic."""
    xs = sorted((Fraction(v) for v in values), reverse=True)
    total = sum(xs)
    return 1 / (2 * sum((i * x / total for i, x in enumerate(xs, start=1)), Fraction(0)) - 1)


def test_rosenbluth_hand_computed():
    # Shares .3 .3 .2 .2: 2 (.3 + .6 + .6 + .8) - 1 = 3.6, RB = 5/18.
    assert exact_rosenbluth([30, 30, 20, 20]) == Fraction(5, 18)
    assert metrics.rosenbluth([30, 30, 20, 20]) == pytest.approx(5 / 18, rel=1e-15)
    assert metrics.rosenbluth([20, 30, 20, 30]) == metrics.rosenbluth([30, 30, 20, 20])  # order-free
    # 3, 1, 0: shares 3/4, 1/4, 0; 2 (3/4 + 2/4 + 0) - 1 = 3/2, RB = 2/3 (the zero company counts in n only).
    assert metrics.rosenbluth([3, 1, 0]) == pytest.approx(2 / 3, rel=1e-15)


@pytest.mark.parametrize(
    "values",
    [[1, 2, 3, 4, 5], [541, 1463, 2445, 3438, 4437, 5401, 6392, 8304, 11904, 22261], [10**6, 1, 1, 1], [7, 7, 0, 0, 1]],
)
def test_rosenbluth_matches_rational_arithmetic(values):
    assert metrics.rosenbluth(values) == pytest.approx(float(exact_rosenbluth(values)), rel=1e-13)


def test_rosenbluth_is_one_over_n_times_one_minus_gini():
    # G = sum_i (2i - n - 1) x_(i) / (n sum x) (ascending); RB = 1 / (n (1 - G)), exactly.
    x = [Fraction(v) for v in sorted([5, 1, 9, 2, 2])]
    n = len(x)
    g = sum((2 * i - n - 1) * v for i, v in enumerate(x, start=1)) / (n * sum(x))
    assert exact_rosenbluth(x) == 1 / (n * (1 - g))


def test_rosenbluth_edges():
    assert metrics.rosenbluth([7]) == 1.0  # one company
    assert metrics.rosenbluth([4, 4, 4, 4, 4]) == pytest.approx(1 / 5, rel=1e-15)  # equal shares: 1/n
    assert metrics.rosenbluth([3e300, 1e300]) == pytest.approx(2 / 3, rel=1e-15)  # no overflow
    assert metrics.rosenbluth([3e-300, 1e-300]) == pytest.approx(2 / 3, rel=1e-15)
    assert metrics.rosenbluth([3 * 5e-324, 5e-324]) == pytest.approx(2 / 3, rel=1e-15)  # subnormals
    assert metrics.rosenbluth([1e300, 1e-300]) == pytest.approx(float(exact_rosenbluth([1e300, 1e-300])), rel=1e-15)
    with pytest.raises(ValueError):
        metrics.rosenbluth([0, 0])  # all zero: no shares (concentration reports null, status "zero total")


# ---------------------------------------------------------------- hannah_kay


def test_hannah_kay_hand_computed():
    # 9, 16: sqrt shares 3/5, 4/5; (7/5)^2 = 49/25.
    assert metrics.hannah_kay([9, 16], 0.5) == pytest.approx(49 / 25, rel=1e-15)
    # 1, 4, 4: sqrt shares 1/3, 2/3, 2/3; (5/3)^2 = 25/9.
    assert metrics.hannah_kay([1, 4, 4], 0.5) == pytest.approx(25 / 9, rel=1e-15)
    # 30, 30, 20, 20, a = 3: sum s^3 = 7/100 exactly; N_3 = (7/100)^(-1/2) = 10 / sqrt(7).
    cubes = sum(Fraction(v, 100) ** 3 for v in (30, 30, 20, 20))
    assert cubes == Fraction(7, 100)
    assert metrics.hannah_kay([30, 30, 20, 20], 3) == pytest.approx(10 / math.sqrt(7), rel=1e-15)
    assert metrics.hannah_kay_indices([30, 30, 20, 20]) == {
        "0.5": pytest.approx(float((sum(Fraction(math.sqrt(v / 100)) for v in (30, 30, 20, 20))) ** 2), rel=1e-15),
        "3": pytest.approx(10 / math.sqrt(7), rel=1e-15),
    }


def test_hannah_kay_special_orders():
    x = [541, 1463, 2445, 3438, 4437, 5401, 6392, 8304, 11904, 22261]
    assert metrics.hannah_kay(x, 2) == pytest.approx(metrics.equivalent_firms(x), rel=1e-13)  # N_2 = 1/H
    assert metrics.hannah_kay(x, 1 + 1e-7) == pytest.approx(math.exp(metrics.entropy(x)), rel=1e-6)  # a -> 1
    for a in (0, -1, 1):
        with pytest.raises(ValueError):
            metrics.hannah_kay(x, a)


def test_hannah_kay_edges():
    assert metrics.hannah_kay_indices([7]) == {"0.5": 1.0, "3": 1.0}  # one company
    assert metrics.hannah_kay_indices([5, 5, 5, 5]) == {"0.5": 4.0, "3": 4.0}  # equal shares: n
    assert metrics.hannah_kay([9, 16, 0, 0], 0.5) == pytest.approx(49 / 25, rel=1e-15)  # zeros add nothing
    assert metrics.hannah_kay([9e300, 16e300], 0.5) == pytest.approx(49 / 25, rel=1e-15)
    assert metrics.hannah_kay([9e-300, 16e-300], 0.5) == pytest.approx(49 / 25, rel=1e-15)
    assert metrics.hannah_kay([1e300, 1e-300], 3) == 1.0  # the small share's cube underflows; N_3 = 1
    with pytest.raises(ValueError):
        metrics.hannah_kay([0, 0], 0.5)


def test_berger_parker_is_cr1():
    # Berger-Parker (the largest share) is not a key of its own: it is cr["1"], the largest of
    # metrics.shares bit for bit, and max/sum to the last bit or so.
    for x in ([30, 30, 20, 20], [1e300, 3e299], [7], [3, 1, 0]):
        cr1 = metrics.concentration_ratios(x, (1,))["1"]
        assert cr1 == float(max(metrics.shares(x)))
        assert cr1 == pytest.approx(float(Fraction(max(x)) / sum(map(Fraction, x))), rel=1e-15)
    assert "berger_parker" not in KEYS


# ---------------------------------------------------------------- guidelines


def test_guideline_names_and_bands_are_declared_once():
    assert guidelines.GUIDELINES == ("us-2023", "us-2010", "eu")
    assert tuple(guidelines.GUIDELINE_BANDS) == guidelines.GUIDELINES == tuple(guidelines.SOURCES)
    assert guidelines.GUIDELINE_BANDS["us-2023"][1] == guidelines.US2023_HIGH
    assert guidelines.GUIDELINE_BANDS["us-2010"] == (guidelines.US2010_LOW, guidelines.US2010_HIGH)
    assert guidelines.GUIDELINE_BANDS["eu"] == (guidelines.EU_LOW, guidelines.EU_HIGH)
    assert load_schema("concentration")["properties"]["guidelines"]["enum"] == list(guidelines.GUIDELINES)


def test_reasons_are_built_from_the_thresholds(monkeypatch):
    # Move a threshold and the reason moves with it: no number is written twice.
    monkeypatch.setattr(guidelines, "US2023_HIGH", 1900.0)
    v = guidelines.guideline_verdict("us-2023", 1850, 150, 0.2)
    assert v["finding"] == "no presumption"
    assert v["reason"] == "post-merger HHI 1,850 is not greater than 1,900 and merged share 20% is not over 30%"


@pytest.mark.parametrize(
    "gl, band",
    [("us-2023", "highly concentrated"), ("us-2010", "moderately concentrated"), ("eu", "highly concentrated")],
)
def test_concentration_records_its_guidelines(gl, band):
    # Shares .3 .3 .2 .1 .1: HHI 900 + 900 + 400 + 100 + 100 = 2,400.
    doc = run_cli(
        "concentration",
        "-",
        "--entity",
        "c",
        "--value",
        "v",
        "--guidelines",
        gl,
        "--format",
        "json",
        stdin=b"c,v\na,30\nb,30\nc,20\nd,10\ne,10\n",
    ).json()
    assert_schema(doc, "concentration")
    assert doc["guidelines"] == gl
    assert list(doc)[:5] == ["schema_version", "command", "aistruct_version", "input", "guidelines"]
    assert doc["results"][0]["hhi"] == pytest.approx(2400, abs=1e-9)
    assert doc["results"][0]["band"] == band
    assert json.dumps(doc)  # plain JSON
