"""The floor: the concentration computation written as directly as possible.

    python benchmarks/floor.py FILE [--by group] [--threads 1]

pyarrow reads the file (``read_csv`` or ``read_table``, multi-threaded, default
options), one hash group-by sums the value per (group, entity) (pyarrow's
default threads, or one thread with ``--threads 1``: on two busy cores the
single-threaded group-by is often the faster), and per group
numpy sorts the totals and takes HHI = 10,000 * sum s^2 and the Gini
coefficient sum (2i - n - 1) x_(i) / (n sum x). Nothing is checked: no number
parsing, no missing values, no errors with row numbers, no other metrics. It runs
as its own process, like aistruct, so interpreter start-up and imports count the
same way. Prints one JSON line (groups, companies, HHI and Gini of each group) so
its figures can be compared with aistruct's.
"""

import json
import sys

import numpy as np
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq


def main(path: str, by: str | None, threads: bool = True) -> None:
    table = pq.read_table(path) if path.endswith(".parquet") else pacsv.read_csv(path)
    keys = ([by] if by else []) + ["entity"]
    totals = table.group_by(keys, use_threads=threads).aggregate([("value", "sum")])
    values = totals["value_sum"].to_numpy()
    if by:
        codes = pc.dictionary_encode(totals[by]).combine_chunks()
        order = np.argsort(codes.indices.to_numpy(), kind="stable")
        bounds = np.flatnonzero(np.diff(codes.indices.to_numpy()[order])) + 1
        parts = np.split(values[order], bounds)
    else:
        parts = [values]
    out = []
    for x in parts:
        x = np.sort(x)
        n = x.size
        s = x / x.sum()
        hhi = 10_000.0 * float(np.dot(s, s))
        i = np.arange(1, n + 1, dtype=np.float64)
        gini = float(np.dot(2.0 * i - n - 1.0, x)) / (n * float(x.sum()))
        out.append({"n": n, "hhi": hhi, "gini": gini})
    print(json.dumps({"groups": len(out), "results": out[:3]}))


if __name__ == "__main__":
    args = sys.argv[1:]
    by = None
    if "--by" in args:
        k = args.index("--by")
        by = args[k + 1]
        del args[k : k + 2]
    threads = True
    if "--threads" in args:
        k = args.index("--threads")
        threads = args[k + 1] != "1"
        del args[k : k + 2]
    main(args[0], by, threads)
