"""Natural breaks (Fisher-Jenks, 3 classes on log10 size): aistruct against jenkspy and mapclassify.

    python benchmarks/bench_natural_breaks.py            # full run (jenkspy at 100k takes ~30 s a run)
    python benchmarks/bench_natural_breaks.py --quick    # one run each, no 100k comparison

Sizes are log-normal (mu = 3, sigma = 1.5 in natural-log units), the shape of
company-size data. Each figure is the median of several runs (``--runs``).
jenkspy and mapclassify are not aistruct dependencies; they are timed where
installed (``pip install jenkspy mapclassify``). Both implement the textbook
O(k n^2) dynamic programme; aistruct's is O(n log n) (divide and conquer over the
monotone optimal split, as Ckmeans.1d.dp). Each comparison also checks that
the partitions have the same within-class sum of squares.
"""

from __future__ import annotations

import argparse
import importlib.util
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from aistruct.tiers import assign_tiers, natural_breaks  # noqa: E402


def timed(fn, runs: int) -> tuple[float, object]:
    times, out = [], None
    for _ in range(runs):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), out


def ssq(lg: np.ndarray, tiers: np.ndarray) -> float:
    return float(sum(((lg[tiers == k] - lg[tiers == k].mean()) ** 2).sum() for k in range(3)))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="one run each; skip the 100k comparisons")
    ap.add_argument("--runs", type=int, default=5, help="runs per figure for aistruct (median reported)")
    ap.add_argument("--other-runs", type=int, default=3, help="runs per figure for jenkspy/mapclassify")
    ap.add_argument(
        "--mapclassify-max",
        type=int,
        default=None,
        help="largest n given to mapclassify (default 100k with numba, 2k without: its "
        "pure-Python path takes about 3 minutes at 10k)",
    )
    args = ap.parse_args()
    runs = 1 if args.quick else args.runs
    other_runs = 1 if args.quick else args.other_runs
    rng = np.random.default_rng(20260401)
    have_jenkspy = importlib.util.find_spec("jenkspy") is not None
    have_mapclassify = importlib.util.find_spec("mapclassify") is not None
    have_numba = importlib.util.find_spec("numba") is not None
    if args.mapclassify_max is None:
        args.mapclassify_max = 100_000 if have_numba else 2_000

    print(
        f"numpy {np.__version__}; jenkspy {'yes' if have_jenkspy else 'not installed'}; "
        f"mapclassify {'yes' if have_mapclassify else 'not installed'}"
        f"{' (numba)' if have_numba else ' (no numba: pure Python)' if have_mapclassify else ''}"
    )
    print(f"{'n':>10}  {'tool':<12} {'median s':>10}  {'runs':>4}  note")
    sizes = (2_000, 10_000, 100_000, 1_000_000)
    for n in sizes:
        x = rng.lognormal(3.0, 1.5, n)
        lg = np.log10(x)
        r = runs if n < 1_000_000 else max(1, min(runs, 3))
        t, b = timed(lambda x=x: natural_breaks(x), r)
        ours = assign_tiers(x, *b)
        ours_ssq = ssq(lg, ours)
        print(f"{n:>10,}  {'aistruct':<12} {t:>10.3f}  {r:>4}  counts {np.bincount(ours).tolist()}")
        if n > 100_000 or (args.quick and n > 10_000):
            continue
        if have_jenkspy:
            import jenkspy

            t, jb = timed(lambda lg=lg: jenkspy.jenks_breaks(lg, n_classes=3), other_runs)
            theirs = np.searchsorted(np.asarray(jb[1:3]), lg, side="left")
            same = abs(ssq(lg, theirs) - ours_ssq) <= 1e-9 * max(ours_ssq, 1.0)
            print(
                f"{n:>10,}  {'jenkspy':<12} {t:>10.3f}  {other_runs:>4}  "
                f"{'same partition cost' if same else 'DIFFERENT cost'}"
            )
        if have_mapclassify and n <= args.mapclassify_max:
            import warnings

            import mapclassify

            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                mruns = other_runs if have_numba else 1
                t, fj = timed(lambda lg=lg: mapclassify.FisherJenks(lg, k=3), mruns)
            theirs = np.searchsorted(np.asarray(fj.bins[:2]), lg, side="left")
            diff = ssq(lg, theirs) - ours_ssq
            print(
                f"{n:>10,}  {'mapclassify':<12} {t:>10.3f}  {mruns:>4}  "
                f"{'same partition cost' if abs(diff) <= 1e-9 * max(ours_ssq, 1) else f'cost +{diff:.3g}'}"
            )


if __name__ == "__main__":
    main()
