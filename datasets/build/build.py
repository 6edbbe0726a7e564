#!/usr/bin/env python3
"""Rebuild the curated tables of ``datasets/`` from the raw copies in ``datasets/raw/``.

    python datasets/build/build.py            # rewrite datasets/*.csv
    python datasets/build/build.py --out DIR  # write them to DIR instead
    python datasets/build/build.py --check    # exit 1 if a table differs from what the raw files give

Standard library only (csv, argparse), so it runs anywhere Python 3.8+ runs.
Deterministic: the same raw bytes always give the same output bytes (UTF-8,
LF line ends, minimal quoting, rows in a fixed sort order, numbers written as
plain decimals, see :func:`number`). Every filtering rule below is also stated
in ``datasets/README.md`` and in the resource descriptions of
``datasets/datapackage.json``.
"""

from __future__ import annotations

import argparse
import calendar
import csv
import io
import os
import re
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
DATASETS = HERE.parent
RAW = DATASETS / "raw"
EPOCH = "epoch_ai_companies"


# ---------------------------------------------------------------- helpers


def read_csv(raw: Path, *parts: str) -> list[dict]:
    with open(raw.joinpath(*parts), encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def number(text: str) -> str:
    """A plain number: '1000000000.0' -> '1000000000', '0.06' -> '0.06', '1.9e+21' -> '1.9e+21'.

    Integer values below 1e15 are written without a decimal point; anything else
    is Python's shortest round-trip form of the float (repr), so no digit the
    source gave is lost and no thousands separator is ever written.
    """
    x = float(text)
    if x != x or x in (float("inf"), float("-inf")):
        raise ValueError(f"not a finite number: {text!r}")
    if x.is_integer() and abs(x) < 1e15:
        return str(int(x))
    return repr(x)


def clean(text: str | None) -> str:
    """Trim, and fold runs of whitespace (including newlines) into one space."""
    return re.sub(r"\s+", " ", text or "").strip()


def is_true(text: str | None) -> bool:
    return clean(text).lower() == "true"


def iso_date(text: str, what: str) -> str:
    t = clean(text)
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", t):
        raise ValueError(f"{what}: not an ISO date: {text!r}")
    return t


def to_csv(header: list[str], rows: list[list[str]]) -> bytes:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow(header)
    for row in rows:
        if len(row) != len(header):
            raise ValueError(f"row has {len(row)} fields, header {len(header)}: {row!r}")
        writer.writerow(row)
    return buf.getvalue().encode("utf-8")


def unique(rows: list[list[str]], key_idx: list[int], table: str) -> None:
    seen = set()
    for row in rows:
        key = tuple(row[i] for i in key_idx)
        if key in seen:
            raise ValueError(f"{table}: duplicate primary key {key!r}")
        seen.add(key)


# ---------------------------------------------------------------- seed_points.csv


SEED = "seed_points.csv"
APP_RE = re.compile(r"^(?P<app>.+?) \((?P<company>.+)\)$")


def ai_app_mau_cn(raw: Path):
    """China's AI-native apps by monthly active users, March 2025 (seed points 9-12).

    Rows: metric monthly_active_users, dated 2025-03, about one app or company
    (the industry-wide totals of the same month are industry_aggregate rows and
    stay out). ``Doubao (ByteDance)`` becomes app Doubao of company ByteDance;
    an entity without parentheses is both app and company.
    """
    rows = []
    for r in read_csv(raw, SEED):
        if r["metric"] != "monthly_active_users" or r["date"] != "2025-03":
            continue
        if r["entity_type"] not in ("company", "product"):
            continue
        m = APP_RE.match(clean(r["entity"]))
        app, company = (m.group("app"), m.group("company")) if m else (clean(r["entity"]),) * 2
        rows.append([app, company, r["date"], number(r["value"])])
    rows.sort(key=lambda row: (-float(row[3]), row[0]))
    unique(rows, [0], "ai_app_mau_cn_2025-03")
    return ["app", "company", "month", "mau"], rows


_QUARTER_RE = re.compile(r"^(\d{4})-([QH])([1-4])$")


def _bounds(label: str) -> tuple[str, str]:
    """First and last day of a period label: 2025, 2025-03, 2025-02-28, 2024-Q1, 2025-H1."""
    t = label.strip()
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", t):
        return t, t
    if re.fullmatch(r"\d{4}", t):
        return f"{t}-01-01", f"{t}-12-31"
    m = re.fullmatch(r"(\d{4})-(\d{2})", t)
    if m:
        y, mo = int(m.group(1)), int(m.group(2))
        return f"{y:04d}-{mo:02d}-01", f"{y:04d}-{mo:02d}-{calendar.monthrange(y, mo)[1]:02d}"
    m = _QUARTER_RE.match(t)
    if m:
        y, kind, n = int(m.group(1)), m.group(2), int(m.group(3))
        months = 3 if kind == "Q" else 6
        if kind == "H" and n > 2:
            raise ValueError(f"bad half-year: {label!r}")
        first = (n - 1) * months + 1
        last = first + months - 1
        return f"{y:04d}-{first:02d}-01", f"{y:04d}-{last:02d}-{calendar.monthrange(y, last)[1]:02d}"
    raise ValueError(f"unknown period label: {label!r}")


def period_bounds(label: str) -> tuple[str, str]:
    """ISO start and end dates of a seed-point date label; ('', '') when it has none.

    ``A..B`` spans A's first day to B's last; ``2025-02 (for 2025-2027)`` is dated
    by the month of the statement (the parenthesis stays in the label);
    ``earlier`` has no date.
    """
    t = clean(label)
    if t == "earlier":
        return "", ""
    t = re.sub(r"\s*\(.*\)$", "", t)
    if ".." in t:
        a, b = t.split("..", 1)
        return _bounds(a)[0], _bounds(b)[1]
    return _bounds(t)


FACT_FIELDS = [
    "fact_id",
    "entity",
    "entity_type",
    "metric",
    "qualifier",
    "value",
    "value_low",
    "value_high",
    "unit",
    "value_as_stated",
    "period",
    "period_start",
    "period_end",
    "kind",
    "source_article",
    "source_sentence",
    "notes",
]


def industry_facts(raw: Path):
    """Every quantitative statement of seed_points.csv, cleaned.

    Numbers become plain decimals, date labels gain ISO ``period_start`` and
    ``period_end``, text is trimmed; the verbatim sentence and the notes stay.
    """
    rows = []
    for r in read_csv(raw, SEED):
        start, end = period_bounds(r["date"])
        rows.append(
            [
                str(int(r["point_id"])),
                clean(r["entity"]),
                clean(r["entity_type"]),
                clean(r["metric"]),
                clean(r["qualifier"]),
                number(r["value"]) if clean(r["value"]) else "",
                number(r["value_low"]) if clean(r["value_low"]) else "",
                number(r["value_high"]) if clean(r["value_high"]) else "",
                clean(r["unit"]),
                clean(r["value_as_stated"]),
                clean(r["date"]),
                start,
                end,
                clean(r["kind"]),
                clean(r["source_article"]),
                clean(r["source_sentence"]),
                clean(r["notes"]),
            ]
        )
    rows.sort(key=lambda row: int(row[0]))
    unique(rows, [0], "industry_facts")
    return FACT_FIELDS, rows


# ---------------------------------------------------------------- Epoch AI: companies


def frontier_lab_funding(raw: Path):
    """Closed equity funding rounds: company, close date, round, type, amount in USD.

    Kept: Status == Closed; Epoch's ``Exclude from graph view`` rows left out
    (they duplicate other rows); rounds whose equity amount is unknown (blank)
    or zero (secondary tender offers and the all-stock xAI-X merger, which
    raise no new money) left out. ``amount_usd`` is the equity part only; the
    debt raised alongside some rounds is not counted.
    """
    rows = []
    for r in read_csv(raw, EPOCH, "ai_companies_funding_rounds.csv"):
        if clean(r["Status"]) != "Closed" or is_true(r["Exclude from graph view"]):
            continue
        equity = clean(r["Funding (equity)"])
        if not equity or float(equity) <= 0:
            continue
        rows.append(
            [
                clean(r["Company"]),
                iso_date(r["Close date"], "Close date"),
                clean(r["Id"]),
                clean(r["Type"]),
                clean(r["Confidence"]),
                clean(r["Source 1"]),
                number(equity),
            ]
        )
    rows.sort(key=lambda row: (row[0], row[1], row[2]))
    unique(rows, [0, 2], "frontier_lab_funding")
    return ["company", "close_date", "round", "round_type", "confidence", "source_url", "amount_usd"], rows


def frontier_lab_staff(raw: Path):
    """Whole-company staff counts (Epoch Type == 'Full company').

    Divisions (DeepMind, FAIR, Google DeepMind, an R&D team), contractors
    (xAI's AI tutors) and the untyped Meta lab row are left out: they are not
    counts of a whole company.
    """
    rows = []
    for r in read_csv(raw, EPOCH, "ai_companies_staff_reports.csv"):
        if clean(r["Type"]) != "Full company":
            continue
        rows.append(
            [
                clean(r["Company"]),
                iso_date(r["Date"], "Date"),
                clean(r["Confidence"]),
                clean(r["Source 1"]),
                str(int(float(r["Staff count"]))),
            ]
        )
    rows.sort(key=lambda row: (row[0], row[1]))
    unique(rows, [0, 1], "frontier_lab_staff")
    return ["company", "date", "confidence", "source_url", "staff_count"], rows


def frontier_lab_revenue(raw: Path):
    """Whole-company annualised revenue (run-rate) reports.

    Kept: rows with Epoch's ``Annualized revenue (USD)``, which Epoch fills only
    for whole-company run rates (annualised revenue, annual recurring revenue,
    a quarter times four). Calendar-year and half-year totals, product/division
    revenue and undated rows are left out, so one column holds one kind of quantity.
    """
    rows = []
    for r in read_csv(raw, EPOCH, "ai_companies_revenue_reports.csv"):
        value = clean(r["Annualized revenue (USD)"])
        if not value:
            continue
        rows.append(
            [
                clean(r["Company"]),
                iso_date(r["Date"], "Date"),
                clean(r["Type"]),
                clean(r["Confidence"]),
                clean(r["Source 1"]),
                number(value),
            ]
        )
    rows.sort(key=lambda row: (row[0], row[1], row[2]))
    unique(rows, [0, 1], "frontier_lab_revenue")
    return ["company", "date", "revenue_type", "confidence", "source_url", "annualized_revenue_usd"], rows


MEASURES = {"Daily": "DAU", "Weekly": "WAU", "Monthly": "MAU"}


def frontier_lab_users(raw: Path):
    """Active users of the labs' products: company, product, date, DAU/WAU/MAU, users.

    Kept: rows with an active-user count; Epoch's ``Exclude from graph view``
    rows left out. Token and message counts are not user counts and stay out.
    """
    rows = []
    for r in read_csv(raw, EPOCH, "ai_companies_usage_reports.csv"):
        users = clean(r["Active users"])
        if not users or is_true(r["Exclude from graph view"]):
            continue
        rows.append(
            [
                clean(r["Company"]),
                clean(r["Product"]),
                iso_date(r["Date"], "Date"),
                MEASURES[clean(r["Active users time period"])],
                clean(r["Confidence"]),
                clean(r["Source 1"]),
                number(users),
            ]
        )
    rows.sort(key=lambda row: (row[0], row[1], row[2], row[3]))
    unique(rows, [0, 1, 2, 3], "frontier_lab_users")
    return ["company", "product", "date", "measure", "confidence", "source_url", "active_users"], rows


# ---------------------------------------------------------------- Epoch AI: models


def _models_compute(raw: Path, source: str, name: str):
    """The models of one Epoch AI file with a training-compute estimate and an organisation."""
    rows = []
    for r in read_csv(raw, source):
        compute = clean(r["Training compute (FLOP)"])
        org = clean(r["Organization"])
        if not compute or not org:
            continue
        rows.append(
            [
                org,
                clean(r["Model"]),
                clean(r["Country (of organization)"]),
                iso_date(r["Publication date"], "Publication date"),
                clean(r["Domain"]),
                clean(r["Model accessibility"]),
                clean(r["Confidence"]),
                number(compute),
            ]
        )
    rows.sort(key=lambda row: (row[3], row[1]))
    unique(rows, [1], name)
    header = [
        "organization",
        "model",
        "country",
        "publication_date",
        "domain",
        "model_accessibility",
        "confidence",
        "training_compute_flop",
    ]
    return header, rows


def frontier_models_compute(raw: Path):
    """Frontier AI models with organisation, publication date and training compute (FLOP).

    Kept: models with a training-compute estimate and a named organisation
    (11 closed models of 2023-2025 whose compute Epoch has not estimated, and
    8 models of 1990-2009 without an organisation, are left out).
    ``organization`` and ``country`` are as Epoch gives them: comma-separated
    when several (read them with --split-entities ,).
    """
    return _models_compute(raw, "epoch_frontier_ai_models.csv", "frontier_models_compute")


def notable_models_compute(raw: Path):
    """Notable AI models with organisation, publication date and training compute (FLOP).

    Kept: models with a training-compute estimate and a named organisation
    (of Epoch's 976 notable models, 461 have no compute estimate and 15 more no
    organisation). Same columns and order as :func:`frontier_models_compute`.
    """
    return _models_compute(raw, "epoch_notable_ai_models.csv", "notable_models_compute")


# ---------------------------------------------------------------- main


TABLES = {
    "ai_app_mau_cn_2025-03.csv": ai_app_mau_cn,
    "frontier_lab_funding.csv": frontier_lab_funding,
    "frontier_lab_revenue.csv": frontier_lab_revenue,
    "frontier_lab_staff.csv": frontier_lab_staff,
    "frontier_lab_users.csv": frontier_lab_users,
    "frontier_models_compute.csv": frontier_models_compute,
    "notable_models_compute.csv": notable_models_compute,
    "industry_facts.csv": industry_facts,
}


def build_all(raw: Path = RAW) -> dict[str, bytes]:
    """File name -> bytes of every curated table."""
    return {name: to_csv(*fn(raw)) for name, fn in TABLES.items()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--raw", type=Path, default=RAW, help="folder of raw copies (default: datasets/raw)")
    parser.add_argument("--out", type=Path, default=DATASETS, help="folder to write to (default: datasets)")
    parser.add_argument(
        "--check", action="store_true", help="compare with --out instead of writing; exit 1 on a difference"
    )
    args = parser.parse_args(argv)
    tables = build_all(args.raw)
    if args.check:
        stale = [n for n, data in tables.items() if not (args.out / n).is_file() or (args.out / n).read_bytes() != data]
        for n in stale:
            print(f"build.py: {args.out / n} differs from what {args.raw} gives", file=sys.stderr)
        return 1 if stale else 0
    args.out.mkdir(parents=True, exist_ok=True)
    for name, data in tables.items():
        path = args.out / name
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_bytes(data)
        os.replace(tmp, path)
        rows = len(list(csv.reader(io.StringIO(data.decode("utf-8"))))) - 1
        print(f"{path}: {rows} rows")
    return 0


if __name__ == "__main__":
    sys.exit(main())
