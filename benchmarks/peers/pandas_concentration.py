"""Peer: pandas ``read_csv``/``read_parquet`` + groupby sum + concentrationMetrics HHI and Gini per group.

    python benchmarks/peers/pandas_concentration.py FILE [--by group]

What an analyst would write without aistruct. concentrationMetrics (Open Risk)
sorts with Python's ``sorted`` inside its Gini, so it is O(n log n) but in
Python objects. Prints one JSON line.
"""

import json
import sys

import concentrationMetrics as cm
import numpy as np
import pandas as pd


def main(path: str, by: str | None) -> None:
    df = pd.read_parquet(path) if path.endswith(".parquet") else pd.read_csv(path)
    keys = ([by] if by else []) + ["entity"]
    totals = df.groupby(keys, sort=False)["value"].sum().reset_index()
    index = cm.Index()
    parts = totals.groupby(by, sort=True) if by else [((), totals)]
    out = []
    for _, part in parts:
        x = part["value"].to_numpy(dtype=np.float64)
        out.append({"n": int(x.size), "hhi": float(index.hhi(x, normalized=False)) * 10_000, "gini": float(index.gini(x))})
    print(json.dumps({"groups": len(out), "results": out[:3]}))


if __name__ == "__main__":
    args = sys.argv[1:]
    by = None
    if "--by" in args:
        k = args.index("--by")
        by = args[k + 1]
        del args[k : k + 2]
    main(args[0], by)
