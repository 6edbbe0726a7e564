#!/usr/bin/env python3
"""Draw the charts the docs show, from the bundled datasets, into docs/charts/ (or OUTDIR).

    python scripts/make_doc_charts.py [OUTDIR]

Each chart is one ``aistruct ... --plot OUTDIR/NAME.svg`` invocation from the
repository root (listed in CHARTS); the output is deterministic, so
tests/test_charts.py regenerates them into a temporary folder and fails when a
committed file differs (rerun this script after changing a chart).
"""

from __future__ import annotations

import contextlib
import io
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

#: name -> the command's arguments (without --plot).
CHARTS = {
    "concentration-mau": ["concentration", "dataset:ai_app_mau_cn_2025-03"],
    "concentration-compute-by-domain": [
        "concentration",
        "dataset:frontier_models_compute",
        "--entity",
        "organization",
        "--agg",
        "max",
        "--by",
        "domain",
        "--show",
        "5",
    ],
    "tiers-compute-natural": ["tiers", "dataset:frontier_models_compute", "--agg", "max"],
    "tiers-staff-preset": ["tiers", "dataset:frontier_lab_staff", "--agg", "max", "--preset", "headcount"],
    "trend-frontier-compute": [
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
        "--where",
        "publication_date >= 2012",
        "--min-n",
        "3",
    ],
    "flows-notable-models": [
        "flows",
        "dataset:notable_models_compute",
        "--period",
        "publication_date",
        "--freq",
        "year",
        "--agg",
        "max",
        "--split-entities",
        ",",
        "--split-mode",
        "full",
        "--bounds",
        "1e19,1e23",
        "--from",
        "2018",
        "--to",
        "2025",
    ],
    "merge-doubao-kimi": ["merge", "dataset:ai_app_mau_cn_2025-03", "--acquirer", "Doubao", "--target", "Kimi"],
}


def make(outdir: Path) -> list[Path]:
    """Write every chart of CHARTS into ``outdir``; the paths written."""
    sys.path.insert(0, str(ROOT))
    from aistruct.cli import main

    outdir.mkdir(parents=True, exist_ok=True)
    written = []
    cwd = os.getcwd()
    os.chdir(ROOT)
    try:
        for name, args in CHARTS.items():
            path = outdir / f"{name}.svg"
            argv = [*args, "--format", "json", "--output", os.devnull, "--plot", str(path)]
            with contextlib.redirect_stderr(io.StringIO()):
                try:
                    main(argv)
                except SystemExit as exc:
                    if exc.code:
                        raise RuntimeError(f"aistruct {' '.join(argv)} exited {exc.code}") from None
            written.append(path)
    finally:
        os.chdir(cwd)
    return written


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "docs" / "charts"
    for p in make(target):
        print(p)
