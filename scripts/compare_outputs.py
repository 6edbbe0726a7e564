#!/usr/bin/env python3
"""Record the CLI's output over a fixed corpus of invocations, and compare two recordings.

Used to show that a refactor changes no output: record the tree before the change,
record it after, compare.

List the corpus
    python scripts/compare_outputs.py list

Record
    python scripts/compare_outputs.py record OUTDIR [--tree PATH] [--jobs 2] [--force]

    Runs every invocation of the corpus below as ``sys.executable -m aistruct ARGS``
    with ``PYTHONPATH=PATH`` and the working directory set to PATH (default: the
    checkout holding this script), so the package, its bundled datasets and the test
    fixtures all come from that tree while the interpreter and the installed
    dependencies come from the running venv. Paths in the invocations are relative
    (``tests/fixtures/team_sizes.csv``), so two trees see identical path strings.
    The environment is built from scratch for determinism: COLUMNS=120, NO_COLOR=1,
    TERM=dumb, LC_ALL=C.UTF-8, PYTHONHASHSEED=0, TZ=UTC, a throw-away HOME, no
    FORCE_COLOR and no AISTRUCT_* variables; standard input is empty unless the
    invocation feeds one. Two invocations run at a time (``--jobs``; the work is in
    the child processes, so a thread pool drives them).

    OUTDIR gets, for invocation number N, ``NNNN-COMMAND-FORMAT-SLUG.cmd`` (the
    command line), ``.out`` (stdout, raw bytes), ``.err`` (stderr) and ``.code``
    (exit status), plus ``manifest.json`` (the corpus: ids, argv, stdin; the same
    for every tree) and ``meta.json`` (tree, git revision, interpreter, timing;
    differs between trees and is never compared). ``diff -r`` of two recordings is
    readable as is; ``compare`` is the judge.

Compare
    python scripts/compare_outputs.py compare DIR_A DIR_B [--allow-json-keys K1,K2,...]
        [--allow-columns C1,C2,...] [--allow-lines REGEX]

    Pairs the invocations of the two recordings by their argv and stdin (not by file
    name), and compares exit code, stderr and stdout. For a JSON stdout, the keys
    named in --allow-json-keys are removed wherever they appear in the document (at
    any depth, on both sides), so documented new fields do not count; validate's
    stopwatch (``stats.seconds``, also per file) is zeroed. Everything else is
    compared byte for byte, except that --allow-columns removes the named columns of
    CSV and Markdown outputs and --allow-lines removes text-output lines matching a
    regular expression (new table rows), on both sides (JSON layout and key order included; with
    --allow-json-keys both documents are re-serialised the same way after the
    keys are removed, so only their layout is normalised). Prints a short unified
    diff per differing invocation (--max-lines) and a summary line
    ``N invocations, N identical, 0 differ``; exit 0 when identical, 1 when
    anything differs (or an invocation is in one recording only), 2 on a usage
    error.

Baseline of an older commit (the worktree shares the repository; nothing is checked
out in the main tree; the old commit need not contain this script, run this copy
with --tree):

    git worktree add /tmp/base <rev>
    python scripts/compare_outputs.py record /tmp/out-base --tree /tmp/base
    python scripts/compare_outputs.py record /tmp/out-new            # this checkout
    python scripts/compare_outputs.py compare /tmp/out-base /tmp/out-new
    git worktree remove /tmp/base

Cost: about 290 invocations of about 1.2 s of CPU each (mostly importing pandas),
so a record takes about 3 minutes on two idle cores.

Standard library only.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import csv
import difflib
import io
import json
import os
import re
import shlex
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

MANIFEST = "manifest.json"
META = "meta.json"
MANIFEST_VERSION = 1
DEFAULT_TREE = Path(__file__).resolve().parent.parent
TIMEOUT_SECONDS = 120

FIXED_ENV = {
    "COLUMNS": "120",
    "NO_COLOR": "1",
    "TERM": "dumb",
    "LC_ALL": "C.UTF-8",
    "LANG": "C.UTF-8",
    "PYTHONHASHSEED": "0",
    "PYTHONIOENCODING": "utf-8",
    "TZ": "UTC",
}

# ---------------------------------------------------------------------------------------------- corpus

ALL = ("table", "json", "csv", "markdown")  # concentration, tiers, trend, merge, datasets
VALIDATE_ALL = ("table", "json", "github")
T = ("table",)
J = ("json",)
TJ = ("table", "json")

FX = "tests/fixtures"
RD = f"{FX}/reader"
FM = f"{FX}/formats"
HO = f"{FX}/hostile"
VA = f"{FX}/validate"

# Every CSV at the top of tests/fixtures, and whether the default invocation succeeds there
# (successes get every format; an error is one line on stderr whatever the format).
FULL_FORMATS = ("doj_30_30_20_20.csv", "ineq_reference.csv", "merge_by_market.csv")
TOP_FIXTURES = {
    "doj_30_30_20_20.csv": True,
    "empty.csv": False,
    "funding_by_year.csv": False,  # two numeric columns: needs --value
    "header_only.csv": False,
    "ineq_reference.csv": True,
    "merge_by_market.csv": True,
    "merge_rollup_doj.csv": False,  # deal tables, no numeric column
    "merge_rollup_mau.csv": False,
    "merge_scenarios_doj.csv": False,
    "merge_scenarios_mau.csv": False,
    "missing_values.csv": True,
    "negative_values.csv": False,
    "non_numeric_value.csv": False,
    "repeated_entities.csv": True,
    "team_sizes.csv": False,
    "trend_by_year.csv": False,
    "two_numeric.csv": False,
    "zero_total.csv": True,
}

FORMAT_FIXTURES = (
    "market.csv",
    "market.bom.csv",
    "market.tsv",
    "market.utf16.csv",
    "market.gb18030.csv",
    "market.csv.gz",
    "market.json",
    "market.data.json",
    "market.jsonl",
    "market.parquet",
    "market.xlsx",
)

HOSTILE_FIXTURES = (
    "bom_in_the_middle.csv",
    "clear_screen.csv",
    "control_header.csv",
    "lone_surrogate.json",
    "nul_byte.csv",
    "osc8_hyperlink.csv",
    "rich_markup.csv",
    "rtl_override.csv",
    "spreadsheet_formulas.csv",
    "utf16.csv",
    "windows_1252.csv",
)

# Bundled datasets (aistruct datasets --format json) with their company and value columns.
DATASETS = {
    "ai_app_mau_cn_2025-03": ("app", "mau"),
    "frontier_lab_funding": ("company", "amount_usd"),
    "frontier_lab_revenue": ("company", "annualized_revenue_usd"),
    "frontier_lab_staff": ("company", "staff_count"),
    "frontier_lab_users": ("company", "active_users"),
    "frontier_models_compute": ("organization", "training_compute_flop"),
    "industry_facts": ("entity", "value"),
}
MAU = "dataset:ai_app_mau_cn_2025-03"
DOJ = f"{FX}/doj_30_30_20_20.csv"
TEAMS = (f"{FX}/team_sizes.csv", "--size", "headcount", "--value", "funding")
TREND = f"{FX}/trend_by_year.csv"
COMPUTE = ("dataset:frontier_models_compute", "-e", "organization", "-v", "training_compute_flop")
LABELS = "small teams,middle class,giants"

# tests/test_validate.py CASES: fixture, options; each trips exactly one check.
VALIDATE_CASES = (
    ("encoding_latin1.csv", ()),
    ("encoding_nul.csv", ()),
    ("broken.json", ()),
    ("header_blank.csv", ()),
    ("header_numbers.csv", ()),
    ("names_blank.csv", ()),
    ("names_duplicate.csv", ()),
    ("ragged.csv", ()),
    ("blank_row.csv", ()),
    ("duplicate_rows.csv", ()),
    ("header_only.csv", ()),
    ("entity_blank.csv", ("--entity", "company")),
    ("entity_repeated.csv", ("--entity", "company", "--by", "year")),
    ("entity_repeated.csv", ("--entity", "company", "--by", "year", "--unique")),
    ("value_not_number.csv", ("--value", "usd")),
    ("value_negative.csv", ("--value", "usd")),
    ("value_missing.csv", ("--value", "usd")),
    ("shares_off.csv", ("--entity", "company", "--value", "share", "--by", "year", "--shares")),
    ("outliers_thousands.csv", ("--value", "usd", "--outliers")),
    ("period_bad_date.csv", ("--by", "month", "--freq", "month")),
    ("period_gap.csv", ("--by", "year", "--freq", "year")),
    ("schema_fields.csv", ("--schema", f"{VA}/schema.json")),
    ("schema_type.csv", ("--schema", f"{VA}/schema.json")),
    ("schema_required.csv", ("--schema", f"{VA}/schema.json")),
    ("schema_unique.csv", ("--schema", f"{VA}/schema.json")),
    ("schema_range.csv", ("--schema", f"{VA}/schema.json")),
    ("schema_length.csv", ("--schema", f"{VA}/schema.json")),
    ("schema_pattern.csv", ("--schema", f"{VA}/schema.json")),
    ("schema_enum.csv", ("--schema", f"{VA}/schema.json")),
    ("schema_primary_key.csv", ("--schema", f"{VA}/schema.json")),
)


@dataclass(frozen=True)
class Invocation:
    id: str
    argv: tuple  # after "python -m aistruct"
    stdin: Optional[str] = None  # text fed on standard input (UTF-8)

    def key(self):
        return (list(self.argv), self.stdin)

    def command_line(self) -> str:
        line = "aistruct " + " ".join(shlex.quote(a) for a in self.argv)
        if self.stdin is not None:
            line += "  <<< " + json.dumps(self.stdin, ensure_ascii=False)
        return line


def _slug(argv) -> str:
    parts = []
    for arg in argv:
        if "/" in arg or arg.endswith((".csv", ".json", ".yaml")):
            arg = arg.rsplit("/", 1)[-1]
        elif arg.startswith("dataset:"):
            arg = arg[len("dataset:") :]
        parts.append(arg.lstrip("-"))
    slug = re.sub(r"[^A-Za-z0-9_.,=+-]+", "_", "_".join(p for p in parts if p)).strip("_.")
    return slug[:72].rstrip("_.") or "none"


def build_corpus() -> list[Invocation]:
    """The fixed list of invocations, in a fixed order."""
    rows: list[tuple] = []  # (command, fmt or None, argv, stdin)

    def add(cmd, *args, formats=ALL, stdin=None, sub=()):
        # sub: words after the command and before the arguments ("show" for datasets show)
        for fmt in formats:
            argv = [cmd, *sub, *map(str, args)]
            if fmt is not None:
                argv += ["--format", fmt]
            rows.append((cmd, fmt, argv, stdin))

    # ------------------------------------------------------------------ help and version
    add("--version", formats=(None,))
    add("--help", formats=(None,))
    for cmd in ("concentration", "tiers", "trend", "merge", "validate", "datasets"):
        add(cmd, "--help", formats=(None,))
    add("datasets", "--help", sub=("show",), formats=(None,))

    # ------------------------------------------------------------------ concentration
    for name, ok in TOP_FIXTURES.items():
        add("concentration", f"{FX}/{name}", formats=(ALL if name in FULL_FORMATS else TJ) if ok else T)
    add("concentration", f"{FX}/funding_by_year.csv", "--value", "funding", "--by", "year")
    add("concentration", TREND, "--value", "funding", "--by", "year", formats=TJ)
    add("concentration", f"{FX}/team_sizes.csv", "--value", "headcount", "--top", "1,2,3", "--show", "3", formats=J)
    add("concentration", f"{FX}/two_numeric.csv", "--value", "users", formats=J)
    add("concentration", f"{FX}/non_numeric_value.csv", "--value", "funding", formats=T)
    add("concentration", f"{FX}/non_numeric_value.csv", "--value", "funding", "--on-bad-value", "drop", formats=J)
    for guidelines in ("us-2010", "eu"):
        add("concentration", DOJ, "--guidelines", guidelines, formats=J)
    add("concentration", DOJ, "--guidelines", "uk", formats=T)
    add("concentration", DOJ, "--value", "shares", formats=T)
    add("concentration", DOJ, "--exclude", "Alpha", "--show", "0", formats=T)
    add("concentration", f"{FX}/ineq_reference.csv", "--top", "2,3", "--show", "2", formats=TJ)
    for bad in ("1,,2",):
        add("concentration", f"{FX}/ineq_reference.csv", "--top", bad, formats=T)
    for agg in ("mean", "count"):
        add("concentration", f"{FX}/repeated_entities.csv", "--agg", agg, formats=J)
    add("concentration", f"{FX}/merge_by_market.csv", "--by", "market", formats=TJ)
    add("concentration", f"{FX}/merge_by_market.csv", "--by", "market", "--where", "users >= 20", formats=T)
    add("concentration", formats=T)  # missing argument
    add("concentration", MAU, "--agg", "median", formats=T)
    add("concentration", "nope.csv", formats=T)
    for i, (name, (entity, value)) in enumerate(DATASETS.items()):
        add(
            "concentration",
            f"dataset:{name}",
            "--entity",
            entity,
            "--value",
            value,
            formats=ALL if i == 0 else ("json", "table") if i < 3 else J,
        )
    add("concentration", MAU, "--top", "1,2", "--show", "2", formats=J)
    add("concentration", "dataset:frontier_lab_funding", "--top", "1,2", formats=T)
    add("concentration", "dataset:frontier_lab_funding", "--by", "close_date", "--freq", "year", formats=J)
    add("concentration", "dataset:industry_facts", "--entity", "entity", "--value", "value", "--by", "unit", formats=T)
    for name in FORMAT_FIXTURES:
        add("concentration", f"{FM}/{name}", formats=T)
    add("concentration", f"{FM}/market.gb18030.csv", "--encoding", "gb18030", formats=T)
    add("concentration", f"{FM}/market.csv.gz", "--decompress", formats=J)
    add("concentration", f"{FM}/market.tsv", "--input-format", "csv", "--delimiter", "tab", formats=T)
    add("concentration", f"{RD}/spaced columns.csv", "--where", "'Round Status' = Closed", formats=J)
    add("concentration", f"{RD}/spaced columns.csv", "--where", "'Company Name' in OpenAI, xAI", formats=T)
    add("concentration", f"{RD}/rounds_dates.csv", "--by", "close_date", "--freq", "quarter", formats=TJ)
    add("concentration", f"{RD}/rounds_dates.csv", "--by", "close_date", "--freq", "month", formats=T)
    add("concentration", f"{RD}/shares_wide.csv", "--wide", "--exclude", "Other", formats=TJ)
    add("concentration", f"{RD}/shares_wide.csv", "--wide", formats=T)
    add(
        "concentration",
        f"{RD}/joint.csv",
        "--entity",
        "organization",
        "--split-entities",
        ",",
        "--split-mode",
        "equal",
        formats=TJ,
    )
    for mode in ("first", "full"):
        add(
            "concentration",
            f"{RD}/joint.csv",
            "--entity",
            "organization",
            "--split-entities",
            ",",
            "--split-mode",
            mode,
            formats=T,
        )
    add("concentration", f"{RD}/european.csv", formats=T)
    add("concentration", f"{RD}/european.csv", "--decimal", ",", formats=J)
    add("concentration", f"{RD}/number_forms.csv", formats=TJ)
    add("concentration", f"{RD}/shares_long.csv", "--by", "month", formats=TJ)
    add("concentration", f"{RD}/rounds_years.csv", "--value", "amount", "--by", "year", formats=T)
    for name in ("duplicate_header.csv", "nul_byte.csv", "ragged.csv"):
        add("concentration", f"{RD}/{name}", formats=T)
    for name in HOSTILE_FIXTURES:
        add("concentration", f"{HO}/{name}", formats=T)
    add("concentration", f"{HO}/spreadsheet_formulas.csv", "--by", "market", formats=("json", "csv"))
    add("concentration", f"{HO}/rich_markup.csv", formats=("csv",))
    add("concentration", f"{HO}/windows_1252.csv", "--encoding", "cp1252", formats=T)
    add("concentration", f"{HO}/gzip_bomb.csv.gz", "--decompress", "--max-bytes", "100000", formats=T)
    add("concentration", "-", "--value", "v", formats=J, stdin="company,v\nA,3\nB,1\n")

    # ------------------------------------------------------------------ tiers
    add("tiers", *TEAMS, "--bounds", "50,500")
    add("tiers", *TEAMS, "--method", "headtail", formats=TJ)
    add("tiers", *TEAMS, formats=TJ)  # natural (Fisher-Jenks) by default
    add("tiers", *TEAMS, "--preset", "headcount", formats=T)
    add("tiers", *TEAMS, "--bounds", "50,500", "--entities", formats=("table", "csv"))
    add("tiers", *TEAMS, "--bounds", "50,500", "--labels", LABELS, formats=T)
    add("tiers", *TEAMS, "--bounds", "50,500", "--explain", "--show", "1", formats=T)
    add("tiers", *TEAMS, "--bounds", "$10M,$1B", formats=J)
    for bad in (("--bounds", "abc"), ("--alpha", "2")):
        add("tiers", *TEAMS, *bad, formats=T)
    add(
        "tiers",
        f"{FX}/funding_by_year.csv",
        "--value",
        "funding",
        "--by",
        "year",
        "--bounds",
        "1000,5000",
        formats=("table", "csv"),
    )
    add("tiers", *COMPUTE, "--agg", "max", formats=TJ)
    add("tiers", "dataset:frontier_models_compute", "--agg", "max", "--explain", formats=T)
    add(
        "tiers",
        "dataset:frontier_lab_staff",
        "--agg",
        "max",
        "--preset",
        "headcount",
        "--labels",
        LABELS,
        "--show",
        "0",
        "--entities",
        formats=("table", "csv"),
    )
    add("tiers", "dataset:frontier_lab_funding", "--show", "2", formats=TJ)
    add("tiers", DOJ, formats=T)
    add("tiers", f"{FX}/ineq_reference.csv", formats=J)
    add("tiers", f"{FX}/zero_total.csv", formats=T)
    add("tiers", f"{FX}/empty.csv", formats=T)

    # ------------------------------------------------------------------ trend
    add("trend", TREND, "--period", "year", "--bounds", "15,30")
    add("trend", TREND, "--period", "year", formats=J)
    add("trend", TREND, "--period", "year", "--method", "headtail", formats=J)
    add("trend", TREND, "--period", "year", "--min-n", "1", "--top", "1,2", formats=T)
    add("trend", f"{FX}/funding_by_year.csv", "--period", "year", "--value", "funding", formats=T)
    add(
        "trend",
        *COMPUTE,
        "--period",
        "publication_date",
        "--freq",
        "year",
        "--where",
        "publication_date >= 2012",
        "--min-n",
        "3",
        formats=TJ,
    )
    add(
        "trend",
        *COMPUTE,
        "-p",
        "publication_date",
        "--freq",
        "year",
        "--by",
        "domain",
        "--method",
        "headtail",
        formats=J,
    )
    add(
        "trend",
        f"{RD}/rounds_dates.csv",
        "--period",
        "close_date",
        "--freq",
        "quarter",
        "--min-n",
        "1",
        formats=("table", "csv"),
    )
    add("trend", f"{RD}/rounds_years.csv", "--period", "year", "--value", "amount", "--min-n", "1", formats=T)
    add("trend", f"{RD}/shares_long.csv", "--period", "month", "--freq", "month", "--min-n", "1", formats=J)
    add("trend", "dataset:frontier_lab_funding", "--period", "close_date", "--freq", "quarter", formats=TJ)
    add(
        "trend",
        "dataset:frontier_lab_staff",
        "--period",
        "date",
        "--freq",
        "year",
        "--preset",
        "headcount",
        "--agg",
        "max",
        "--min-n",
        "1",
        formats=T,
    )
    add(
        "trend",
        "dataset:frontier_lab_revenue",
        "--period",
        "date",
        "--freq",
        "year",
        "--agg",
        "max",
        "--min-n",
        "1",
        formats=J,
    )
    for bad in ((), ("--period", "yeer"), ("--period", "year", "--by", "year"), ("--period", "year", "--min-n", "0")):
        add("trend", TREND, *bad, formats=T)
    add("trend", MAU, "--period", "nope", formats=T)

    # ------------------------------------------------------------------ merge
    add("merge", MAU, "--acquirer", "Doubao", "--target", "Kimi")
    add("merge", MAU, "-a", "doubao", "-t", "KIMI", formats=T)
    add("merge", MAU, "--scenarios", f"{FX}/merge_scenarios_mau.csv", formats=TJ)
    add("merge", MAU, "--scenarios", f"{FX}/merge_rollup_mau.csv", "--sequential", formats=TJ)
    add("merge", DOJ, "--scenarios", f"{FX}/merge_scenarios_doj.csv", formats=("table", "json", "csv"))
    add("merge", DOJ, "--scenarios", f"{FX}/merge_rollup_doj.csv", "--sequential", formats=("table", "json", "csv"))
    add("merge", f"{FX}/merge_by_market.csv", "--by", "market", "-a", "A", "-t", "B", formats=TJ)
    add("merge", DOJ, "-a", "Alpha", "-t", "Charlie", formats=("csv", "markdown"))
    add("merge", DOJ, "-a", "Alpha", "-t", "Charlie", "-t", "Delta", formats=TJ)
    for guidelines, formats in (("us-2010", T), ("us-2023,eu", J), ("uk", T)):
        add("merge", DOJ, "-a", "Alpha", "-t", "Bravo", "--guidelines", guidelines, formats=formats)
    for bad in (
        ("-a", "Alfa", "-t", "Bravo"),
        ("-a", "Alpha", "-t", "ALPHA"),
        ("-a", "Alpha"),
        ("-a", "Alpha", "-t", "Bravo", "--sequential"),
        ("-a", "Alpha", "--scenarios", f"{FX}/merge_rollup_doj.csv"),
    ):
        add("merge", DOJ, *bad, formats=T)
    add(
        "merge", "-", "-a", "Big", "-t", "S1", "-t", "S2", formats=J, stdin="company,v\nBig,50\nS1,10\nS2,5\nOther,35\n"
    )
    add("merge", "-", "--scenarios", "-", formats=T, stdin="company,v\nA,1\n")
    add("merge", f"{HO}/spreadsheet_formulas.csv", "-a", "@SUM(A1)", "-t", "-2+3", formats=("csv",))
    add("merge", "dataset:frontier_lab_funding", "-a", "OpenAI", "-t", "Anthropic", formats=T)

    # ------------------------------------------------------------------ validate
    for i, (name, options) in enumerate(VALIDATE_CASES):
        formats = ["json"]
        if i % 8 == 0:
            formats.append("table")
        if i % 8 == 4:
            formats.append("github")
        add("validate", f"{VA}/{name}", *options, formats=formats)
    add("validate", f"{VA}/entity_repeated.csv", "--entity", "company", "--by", "year", "--strict", formats=J)
    add(
        "validate",
        f"{VA}/clean.csv",
        "--entity",
        "company",
        "--value",
        "share",
        "--by",
        "year",
        "--freq",
        "year",
        "--shares",
        "--outliers",
        "--unique",
        "--strict",
        formats=VALIDATE_ALL,
    )
    add("validate", f"{VA}/schema_clean.csv", "--schema", f"{VA}/schema.yaml", formats=T)
    add("validate", f"{VA}/schema_clean.csv", "--schema", f"{VA}/schema.json", formats=J)
    for bad in (
        ("nope.csv",),
        (f"{VA}/clean.csv", "--freq", "week", "--by", "year"),
        (f"{VA}/clean.csv", "--format", "xml"),
        (f"{VA}/clean.csv", "--value", "usd"),
        (f"{VA}/clean.csv", "--schema", f"{VA}/schema_invalid_type.json"),
        (f"{FM}/market.csv.gz",),
    ):
        add("validate", *bad, formats=(None,))
    add("validate", f"{VA}/clean.csv", f"{VA}/duplicate_rows.csv", formats=T)
    add("validate", f"{VA}/clean.csv", f"{VA}/ragged.csv", "nope.csv", formats=("json", "github"))
    add(
        "validate",
        f"{VA}/value_negative.csv",
        f"{VA}/value_missing.csv",
        "--value",
        "usd",
        "--max-examples",
        "0",
        formats=("github",),
    )
    add("validate", MAU, formats=J)
    add("validate", MAU, "--entity", "app", "--value", "mau", formats=T)
    add(
        "validate",
        f"{VA}/shares_off.csv",
        "--entity",
        "company",
        "--value",
        "share",
        "--by",
        "year",
        "--shares",
        formats=("table", "github"),
    )
    add("validate", "-", "--value", "usd", formats=J, stdin="company,usd\nA,1\nB,-2\n")
    add("validate", f"{HO}/control_header.csv", f"{HO}/rich_markup.csv", formats=T)

    # ------------------------------------------------------------------ datasets
    add("datasets")
    for i, name in enumerate(DATASETS):
        add("datasets", name, sub=("show",), formats=("table", "json") if i == 0 else T)
    add("datasets", "nope", sub=("show",), formats=T)

    invocations = []
    for n, (cmd, fmt, argv, stdin) in enumerate(rows):
        words = [a for a in argv[1:] if a != "--format" and a != fmt]
        ident = f"{n:04d}-{cmd.lstrip('-')}-{fmt or 'default'}-{_slug(words)}"
        invocations.append(Invocation(ident, tuple(argv), stdin))
    return invocations


# ---------------------------------------------------------------------------------------------- record


def child_env(tree: Path, home: str) -> dict:
    env = dict(FIXED_ENV)
    env["PATH"] = os.environ.get("PATH", "/usr/bin:/bin")
    env["HOME"] = home
    env["PYTHONPATH"] = str(tree)
    return env


def run_one(inv: Invocation, tree: Path, env: dict, timeout: float):
    stdin = inv.stdin.encode("utf-8") if inv.stdin is not None else b""
    try:
        proc = subprocess.run(
            [sys.executable, "-m", "aistruct", *inv.argv],
            cwd=tree,
            env=env,
            input=stdin,
            capture_output=True,
            timeout=timeout,
        )
        return proc.stdout, proc.stderr, str(proc.returncode)
    except subprocess.TimeoutExpired as exc:
        return exc.stdout or b"", exc.stderr or b"", f"timeout after {timeout:g}s"


def git_describe(tree: Path) -> dict:
    def git(*args):
        try:
            proc = subprocess.run(["git", "-C", str(tree), *args], capture_output=True, text=True, timeout=30)
        except (OSError, subprocess.TimeoutExpired):
            return None
        return proc.stdout.strip() if proc.returncode == 0 else None

    status = git("status", "--porcelain")
    return {
        "rev": git("rev-parse", "HEAD"),
        "dirty": None if status is None else bool(status),
        "changes": status.splitlines() if status else [],
    }


def cmd_record(args) -> int:
    tree = Path(args.tree).resolve()
    outdir = Path(args.outdir)
    if not (tree / "aistruct" / "__init__.py").is_file():
        print(f"compare_outputs: error: {tree} has no aistruct/__init__.py", file=sys.stderr)
        return 2
    if outdir.exists() and any(outdir.iterdir()):
        if not args.force:
            print(
                f"compare_outputs: error: {outdir} is not empty (pass --force to replace a recording)", file=sys.stderr
            )
            return 2
        if not (outdir / MANIFEST).is_file():
            print(
                f"compare_outputs: error: {outdir} is not a recording (no {MANIFEST}); not touching it", file=sys.stderr
            )
            return 2
        for path in outdir.iterdir():
            if path.is_file() and (path.suffix in (".cmd", ".out", ".err", ".code") or path.name in (MANIFEST, META)):
                path.unlink()
    outdir.mkdir(parents=True, exist_ok=True)

    corpus = build_corpus()
    with tempfile.TemporaryDirectory(prefix="compare_outputs-home-") as home:
        env = child_env(tree, home)
        probe = subprocess.run(
            [sys.executable, "-c", "import aistruct; print(aistruct.__file__)"],
            cwd=tree,
            env=env,
            capture_output=True,
            text=True,
        )
        imported = Path(probe.stdout.strip()).resolve() if probe.returncode == 0 else None
        if imported is None or tree not in imported.parents:
            print(
                f"compare_outputs: error: aistruct is not imported from {tree} "
                f"(got {imported or probe.stderr.strip()})",
                file=sys.stderr,
            )
            return 2
        print(
            f"recording {len(corpus)} invocations of {imported.parent} into {outdir} ({args.jobs} at a time)",
            file=sys.stderr,
        )
        started = time.monotonic()
        codes: dict = {}
        with concurrent.futures.ThreadPoolExecutor(max_workers=args.jobs) as pool:
            futures = {pool.submit(run_one, inv, tree, env, args.timeout): inv for inv in corpus}
            for done, future in enumerate(concurrent.futures.as_completed(futures), 1):
                inv = futures[future]
                out, err, code = future.result()
                (outdir / f"{inv.id}.cmd").write_text(inv.command_line() + "\n", encoding="utf-8")
                (outdir / f"{inv.id}.out").write_bytes(out)
                (outdir / f"{inv.id}.err").write_bytes(err)
                (outdir / f"{inv.id}.code").write_text(code + "\n", encoding="utf-8")
                codes[code] = codes.get(code, 0) + 1
                if done % 50 == 0:
                    print(f"  {done}/{len(corpus)}  {time.monotonic() - started:.0f}s", file=sys.stderr)
        seconds = time.monotonic() - started

    manifest = {
        "version": MANIFEST_VERSION,
        "invocations": [{"id": i.id, "argv": list(i.argv), "stdin": i.stdin} for i in corpus],
    }
    (outdir / MANIFEST).write_text(json.dumps(manifest, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    meta = {
        "tree": str(tree),
        "aistruct": str(imported.parent),
        "git": git_describe(tree),
        "python": sys.executable,
        "python_version": sys.version,
        "env": {k: v for k, v in env.items() if k not in ("PATH", "HOME")},
        "jobs": args.jobs,
        "seconds": round(seconds, 1),
        "exit_codes": dict(sorted(codes.items())),
    }
    (outdir / META).write_text(json.dumps(meta, indent=1) + "\n", encoding="utf-8")
    summary = ", ".join(f"{n} exit {c}" for c, n in sorted(codes.items()))
    print(f"recorded {len(corpus)} invocations in {seconds:.1f}s ({summary}) into {outdir}")
    return 0


# ---------------------------------------------------------------------------------------------- compare

SECONDS = re.compile(r'("seconds"\s*:\s*)-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?')


def load_recording(path: Path):
    try:
        manifest = json.loads((path / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        print(f"compare_outputs: error: {path} is not a recording ({exc})", file=sys.stderr)
        raise SystemExit(2) from None
    entries = {}
    for entry in manifest["invocations"]:
        key = json.dumps([entry["argv"], entry["stdin"]], ensure_ascii=False)
        entries[key] = entry
    return entries


def read(directory: Path, ident: str, suffix: str) -> Optional[bytes]:
    try:
        return (directory / f"{ident}{suffix}").read_bytes()
    except OSError:
        return None


def decode(data: bytes) -> str:
    return data.decode("utf-8", errors="backslashreplace")


def strip_keys(node, keys: frozenset):
    if isinstance(node, dict):
        return {k: strip_keys(v, keys) for k, v in node.items() if k not in keys}
    if isinstance(node, list):
        return [strip_keys(v, keys) for v in node]
    return node


def normalise_stdout(data: bytes, allowed: frozenset):
    """(text used for the comparison, whether it is JSON)."""
    text = decode(data)
    try:
        doc = json.loads(text)
    except ValueError:
        return text, False
    if not isinstance(doc, dict):
        return text, True
    if doc.get("command") == "validate":
        text = SECONDS.sub(r"\g<1>0", text)  # the stopwatch: stats.seconds and files[].stats.seconds
    if allowed:
        # Re-serialise without the allowed keys; key order and values are kept, only layout is normalised
        # (both sides go through the same serialiser).
        doc = strip_keys(json.loads(text), allowed)
        text = json.dumps(doc, indent=2, ensure_ascii=False) + "\n"
    return text, True


def strip_text(text: str, lines_re, columns: frozenset) -> str:
    """A text output without the allowed added table lines (``--allow-lines``) and CSV/Markdown columns."""
    out = text.splitlines()
    if lines_re is not None:
        out = [line for line in out if not lines_re.search(line)]
    if columns and out:
        if out[0].startswith("|"):  # Markdown: | a | b |
            head = [c.strip() for c in out[0].strip().strip("|").split("|")]
            keep = [i for i, c in enumerate(head) if c not in columns]
            out = [
                "|".join(cells[i] for i in keep if i < len(cells))
                for cells in (r.strip().strip("|").split("|") for r in out)
            ]
        else:  # CSV
            rows = list(csv.reader(io.StringIO("\n".join(out) + "\n")))
            keep = [i for i, c in enumerate(rows[0]) if c not in columns] if rows else []
            out = [",".join(r[i] for i in keep if i < len(r)) for r in rows]
    return "\n".join(out) + ("\n" if text.endswith("\n") else "")


def short_diff(a: str, b: str, name_a: str, name_b: str, max_lines: int) -> list[str]:
    lines = list(difflib.unified_diff(a.splitlines(), b.splitlines(), name_a, name_b, n=2, lineterm=""))
    if len(lines) > max_lines:
        lines = lines[:max_lines] + [f"... ({len(lines) - max_lines} more diff lines)"]
    return lines


def cmd_compare(args) -> int:
    dir_a, dir_b = Path(args.dir_a), Path(args.dir_b)
    allowed = frozenset(k.strip() for k in (args.allow_json_keys or "").split(",") if k.strip())
    columns = frozenset(k.strip() for k in (args.allow_columns or "").split(",") if k.strip())
    lines_re = re.compile(args.allow_lines) if args.allow_lines else None
    rec_a, rec_b = load_recording(dir_a), load_recording(dir_b)
    identical = differ = 0
    report: list[str] = []
    for key, entry in rec_a.items():
        if key not in rec_b:
            continue
        other = rec_b[key]
        ia, ib = entry["id"], other["id"]
        problems = []
        got = {suffix: (read(dir_a, ia, suffix), read(dir_b, ib, suffix)) for suffix in (".code", ".err", ".out")}
        for suffix, (a, b) in got.items():
            for label, ident, data in (("a", ia, a), ("b", ib, b)):
                if data is None:
                    problems.append([f"{label}/{ident}{suffix}: missing"])
        if any(data is None for pair in got.values() for data in pair):
            got = {k: (a or b"", b or b"") for k, (a, b) in got.items()}
        code_a, code_b = (decode(c).strip() for c in got[".code"])
        if code_a != code_b:
            problems.append([f"exit code: {code_a} -> {code_b}"])
        err_a, err_b = got[".err"]
        if err_a != err_b:
            problems.append(
                ["stderr:"] + short_diff(decode(err_a), decode(err_b), f"a/{ia}.err", f"b/{ib}.err", args.max_lines)
            )
        out_a, out_b = got[".out"]
        if out_a != out_b:
            (text_a, json_a), (text_b, json_b) = normalise_stdout(out_a, allowed), normalise_stdout(out_b, allowed)
            if not (json_a or json_b) and (columns or lines_re is not None):
                text_a, text_b = (strip_text(t, lines_re, columns) for t in (text_a, text_b))
            if text_a != text_b:
                label = "stdout (JSON, allowed keys removed):" if json_a and json_b and allowed else "stdout:"
                problems.append([label] + short_diff(text_a, text_b, f"a/{ia}.out", f"b/{ib}.out", args.max_lines))
        if problems:
            differ += 1
            report.append(f"DIFFERS {ia}: {Invocation(ia, tuple(entry['argv']), entry['stdin']).command_line()}")
            for problem in problems:
                report.extend("    " + line for line in problem)
        else:
            identical += 1
    only_a = [rec_a[k]["id"] for k in rec_a if k not in rec_b]
    only_b = [rec_b[k]["id"] for k in rec_b if k not in rec_a]
    for label, ids in ((str(dir_a), only_a), (str(dir_b), only_b)):
        for ident in ids:
            report.append(f"ONLY IN {label}: {ident}")
    if report:
        print("\n".join(report))
    total = identical + differ
    summary = f"{total} invocations, {identical} identical, {differ} differ"
    if only_a or only_b:
        summary += f"; {len(only_a)} only in {dir_a}, {len(only_b)} only in {dir_b}"
    if allowed:
        summary += f" (JSON keys allowed: {', '.join(sorted(allowed))})"
    if columns or lines_re is not None:
        summary += f" (columns allowed: {', '.join(sorted(columns)) or '-'}; lines allowed: {args.allow_lines or '-'})"
    print(summary)
    return 1 if differ or only_a or only_b else 0


# ---------------------------------------------------------------------------------------------- main


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="See the module docstring for details: python -m pydoc " + __file__,
    )
    sub = parser.add_subparsers(dest="action", required=True)
    rec = sub.add_parser("record", help="run the corpus and store each invocation's output in OUTDIR")
    rec.add_argument("outdir")
    rec.add_argument(
        "--tree",
        default=str(DEFAULT_TREE),
        help="source checkout to run (PYTHONPATH and working directory; default: %(default)s)",
    )
    rec.add_argument("--jobs", type=int, default=2, help="invocations run at once (default: %(default)s)")
    rec.add_argument("--timeout", type=float, default=TIMEOUT_SECONDS, help="seconds per invocation")
    rec.add_argument("--force", action="store_true", help="replace an existing recording in OUTDIR")
    cmp_ = sub.add_parser("compare", help="compare two recordings; exit 0 when identical, 1 when not")
    cmp_.add_argument("dir_a")
    cmp_.add_argument("dir_b")
    cmp_.add_argument(
        "--allow-json-keys",
        default="",
        help="comma-separated JSON keys to remove at any depth before comparing (documented new fields)",
    )
    cmp_.add_argument(
        "--allow-columns",
        default="",
        help="comma-separated CSV/Markdown columns to remove before comparing text outputs (documented new fields)",
    )
    cmp_.add_argument(
        "--allow-lines",
        default="",
        help="regular expression: text-output lines matching it are removed before comparing (new table rows)",
    )
    cmp_.add_argument("--max-lines", type=int, default=40, help="diff lines shown per output (default: %(default)s)")
    sub.add_parser("list", help="print the corpus: one id and command line per invocation")
    args = parser.parse_args(argv)
    if args.action == "list":
        corpus = build_corpus()
        for inv in corpus:
            print(f"{inv.id}\t{inv.command_line()}")
        print(f"{len(corpus)} invocations", file=sys.stderr)
        return 0
    if args.action == "record":
        if args.jobs < 1:
            parser.error("--jobs must be at least 1")
        return cmd_record(args)
    return cmd_compare(args)


if __name__ == "__main__":
    sys.exit(main())
