"""Reproducible synthetic company tables for the benchmarks.

    python benchmarks/generate.py --rows 1000000            # rounds table, CSV + Parquet
    python benchmarks/generate.py --rows 1000000 --kind companies

Two kinds of table, both seeded (``--seed``, default 2026) so every run writes the
same bytes:

* ``rounds`` (columns ``entity,value,group``): one row per funding round. There
  are ``rows // 10`` companies (at least 10) whose sizes are log-normal
  (mu 13, sigma 2, i.e. a median of about 440,000); each row picks a company
  uniformly at random (so companies repeat about 10 times), a value of
  size x log-normal(0, 0.5) noise rounded to cents, and a group: one of ten
  years 2015..2024 (``--groups K``: one of K consecutive years from 2015, written
  as ``rounds_<rows>_g<K>``: the many-periods and many-markets shapes).
* ``companies`` (columns ``entity,value``): one row per company, log-normal
  sizes as above; the input of ``tiers`` on a million companies.

Files go to ``benchmarks/data/`` (git-ignored) as ``<kind>_<rows>.csv`` and
``.parquet``; existing files are kept unless ``--force``.
"""

from __future__ import annotations

import argparse
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, "data")
YEARS = 10
FIRST_YEAR = 2015


def table(rows: int, kind: str = "rounds", seed: int = 2026, groups: int = YEARS):
    import numpy as np
    import pyarrow as pa

    rng = np.random.default_rng(seed)
    n_companies = rows if kind == "companies" else max(10, rows // 10)
    width = len(str(n_companies - 1))
    names = pa.array([f"co{i:0{width}d}" for i in range(n_companies)], type=pa.string())
    sizes = rng.lognormal(mean=13.0, sigma=2.0, size=n_companies)
    if kind == "companies":
        return pa.table({"entity": names, "value": np.round(sizes, 2)})
    pick = rng.integers(0, n_companies, size=rows)
    noise = rng.lognormal(mean=0.0, sigma=0.5, size=rows)
    values = np.round(sizes[pick] * noise / 10.0, 2)
    group = (FIRST_YEAR + rng.integers(0, groups, size=rows)).astype(np.int64)
    return pa.table({"entity": names.take(pa.array(pick)), "value": values, "group": group})


def path_for(rows: int, kind: str, fmt: str, groups: int = YEARS, data: str | None = None) -> str:
    tail = "" if groups == YEARS or kind == "companies" else f"_g{groups}"
    return os.path.join(data or DATA, f"{kind}_{rows}{tail}.{fmt}")


def generate(
    rows: int, kind: str = "rounds", seed: int = 2026, force: bool = False, groups: int = YEARS, data: str | None = None
) -> dict:
    """Write the CSV and Parquet files (unless present); return {fmt: path}."""
    import pyarrow.csv as pacsv
    import pyarrow.parquet as pq

    os.makedirs(data or DATA, exist_ok=True)
    out = {fmt: path_for(rows, kind, fmt, groups, data) for fmt in ("csv", "parquet")}
    if not force and all(os.path.exists(p) for p in out.values()):
        return out
    t = table(rows, kind, seed, groups)
    tmp = out["csv"] + ".tmp"
    pacsv.write_csv(t, tmp, write_options=pacsv.WriteOptions(quoting_style="none"))
    os.replace(tmp, out["csv"])
    tmp = out["parquet"] + ".tmp"
    pq.write_table(t, tmp)
    os.replace(tmp, out["parquet"])
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=float, default=1e6, help="rows to write (1e4 .. 1e7)")
    ap.add_argument("--kind", choices=("rounds", "companies"), default="rounds")
    ap.add_argument("--seed", type=int, default=2026)
    ap.add_argument("--groups", type=int, default=YEARS, help="distinct groups (years from 2015) of a rounds table")
    ap.add_argument("--data", default=None, help="folder to write to (default benchmarks/data)")
    ap.add_argument("--force", action="store_true", help="rewrite existing files")
    args = ap.parse_args(argv)
    for fmt, path in generate(int(args.rows), args.kind, args.seed, args.force, args.groups, args.data).items():
        print(f"{fmt:8s} {path} ({os.path.getsize(path) / 1e6:,.1f} MB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
