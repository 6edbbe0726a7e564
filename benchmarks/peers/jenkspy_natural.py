"""Peer: jenkspy natural breaks (3 classes) on log10 company size.

    python benchmarks/peers/jenkspy_natural.py FILE

The computation behind ``aistruct tiers --method natural`` (Fisher-Jenks on
log10 size), done by jenkspy after a pandas read. Prints the two inner breaks.
"""

import json
import sys

import jenkspy
import numpy as np
import pandas as pd


def main(path: str) -> None:
    df = pd.read_parquet(path) if path.endswith(".parquet") else pd.read_csv(path)
    x = df.groupby("entity", sort=False)["value"].sum().to_numpy(dtype=np.float64)
    x = np.log10(x[x > 0])
    breaks = jenkspy.jenks_breaks(x, n_classes=3)
    print(json.dumps({"n": int(x.size), "breaks": [10 ** b for b in breaks[1:-1]]}))


if __name__ == "__main__":
    main(sys.argv[1])
