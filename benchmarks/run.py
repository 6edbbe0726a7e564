"""The aistruct benchmark suite: one command, one table.

    python benchmarks/run.py --quick        # 1e4 .. 1e6 rows, about two minutes
    python benchmarks/run.py --full         # 1e4 .. 1e7 rows and every peer, about 25 minutes
    python benchmarks/run.py --only concentration --sizes 1e7 --repeat 5   # one target, re-measured

Every case is a fresh subprocess (interpreter start-up and imports count the
same way for aistruct, the floor and the peers), timed with a monotonic clock;
its peak memory is the child's own ``ru_maxrss`` from ``os.wait4``. Each case
runs ``--repeat`` times (default 3) and the table shows the median wall time
and the largest peak; aistruct and the floor are run in turns, so that a load
that drifts (other jobs on a shared machine) hits both alike. Input files come from ``benchmarks/generate.py`` (seeded)
under ``benchmarks/data/`` (git-ignored); the results are also written to
``benchmarks/data/results.json``.

The floor (``benchmarks/floor.py``) is the concentration computation written as
directly as possible with pyarrow and numpy, in two variants: pyarrow's default
multi-threaded group-by and a single-threaded one; the ratio uses the faster of
the two. Peers run where installed: pandas + concentrationMetrics
(``benchmarks/peers/pandas_concentration.py``), jenkspy
(``benchmarks/peers/jenkspy_natural.py``) and the ``frictionless`` command (found
on PATH, or named by ``AISTRUCT_FRICTIONLESS``).
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)

import generate  # noqa: E402

PY = sys.executable


def aistruct_cmd() -> list:
    exe = shutil.which("aistruct", path=os.path.dirname(PY) + os.pathsep + os.environ.get("PATH", ""))
    return [exe] if exe else [PY, "-m", "aistruct"]


def run_once(argv: list, timeout: float) -> tuple[float, int, int]:
    """(wall seconds, peak RSS in MiB, exit code) of one subprocess."""
    start = time.perf_counter()
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=ROOT)
    deadline = start + timeout
    while True:
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            break
        if time.perf_counter() > deadline:
            proc.kill()
            pid, status, usage = os.wait4(proc.pid, 0)
            return float("inf"), usage.ru_maxrss // 1024, -9
        time.sleep(0.002)
    wall = time.perf_counter() - start
    err = proc.stderr.read().decode("utf-8", "replace") if proc.stderr else ""
    proc.stderr.close()
    code = os.waitstatus_to_exitcode(status)
    if code != 0:  # every benchmark input is valid: anything but 0 is a failed run, not a figure
        sys.stderr.write(f"  ! {' '.join(argv[:4])} ... exited {code}: {err.strip()[:300]}\n")
    return wall, usage.ru_maxrss // 1024, code  # ru_maxrss is in KiB on Linux


def measure(argv: list, repeat: int, timeout: float) -> dict:
    walls, peaks, codes = [], [], []
    for _ in range(repeat):
        wall, peak, code = run_once(argv, timeout)
        walls.append(wall)
        peaks.append(peak)
        codes.append(code)
        if wall == float("inf"):
            break
    return {
        "median_s": statistics.median(walls),
        "min_s": min(walls),
        "runs_s": [round(w, 3) for w in walls],
        "peak_mib": max(peaks),
        "exit": codes[-1],
    }


def measure_interleaved(argvs: list, repeat: int, timeout: float) -> list:
    """``measure`` for several commands, run in turns (a, b, c, a, b, c, ...): on a shared
    machine whose load drifts, each command sees the same load on average, so their
    ratio is fairer than with all runs of one command first."""
    runs = [[] for _ in argvs]
    for _ in range(repeat):
        for i, argv in enumerate(argvs):
            runs[i].append(run_once(argv, timeout))
    out = []
    for rs in runs:
        walls = [r[0] for r in rs]
        out.append(
            {
                "median_s": statistics.median(walls),
                "min_s": min(walls),
                "runs_s": [round(w, 3) for w in walls],
                "peak_mib": max(r[1] for r in rs),
                "exit": rs[-1][2],
            }
        )
    return out


def installed(module: str) -> bool:
    return importlib.util.find_spec(module) is not None


def frictionless_cmd() -> list | None:
    exe = os.environ.get("AISTRUCT_FRICTIONLESS") or shutil.which("frictionless")
    return [exe] if exe else None


def machine() -> dict:
    """The machine and library versions. The libraries are imported in a child process:
    this process must stay small, because a child's peak memory (``ru_maxrss``) starts at
    the size of the process it was forked from."""
    versions = json.loads(
        subprocess.run(
            [
                PY,
                "-c",
                "import json, numpy, pandas, pyarrow; print(json.dumps({'numpy': numpy.__version__, "
                "'pandas': pandas.__version__, 'pyarrow': pyarrow.__version__}))",
            ],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    )

    mem = ""
    try:
        with open("/proc/meminfo") as fh:
            kib = int(fh.readline().split()[1])
            mem = f"{kib / 1024**2:.1f} GiB"
    except OSError:
        pass
    cpu = platform.processor() or ""
    try:
        with open("/proc/cpuinfo") as fh:
            for line in fh:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return {
        "cpus": os.cpu_count(),
        "cpu": cpu,
        "memory": mem,
        "os": platform.platform(),
        "python": platform.python_version(),
        **versions,
        "load_before": os.getloadavg()[0] if hasattr(os, "getloadavg") else None,
    }


def import_breakdown(tiny: str) -> dict:
    """Cumulative import time (ms) of the top-level packages a 10-row concentration run loads."""
    proc = subprocess.run(
        [
            PY,
            "-X",
            "importtime",
            "-c",
            "import sys; from aistruct.cli import main; sys.argv=['aistruct','concentration',%r,'--format','json']; "
            "main()" % tiny,
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    top: dict = {}
    for line in proc.stderr.splitlines():
        if not line.startswith("import time:") or "|" not in line:
            continue
        parts = line.split("|")
        try:
            cumulative = int(parts[1].strip())
        except ValueError:
            continue
        name = parts[2].rstrip()
        depth = (len(name) - len(name.lstrip())) // 2
        if depth == 0:  # only top-level imports, so nothing is counted twice
            pkg = name.strip().split(".")[0]
            top[pkg] = top.get(pkg, 0) + cumulative
    total = sum(top.values())
    heavy = {k: round(v / 1000, 1) for k, v in sorted(top.items(), key=lambda kv: -kv[1])[:8]}
    return {"total_ms": round(total / 1000, 1), "by_package_ms": heavy}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description="aistruct benchmark suite")
    size = ap.add_mutually_exclusive_group()
    size.add_argument("--quick", action="store_true", help="1e4 .. 1e6 rows (default)")
    size.add_argument("--full", action="store_true", help="1e4 .. 1e7 rows, every peer")
    ap.add_argument("--repeat", type=int, default=3, help="runs per case (median reported; default 3)")
    ap.add_argument("--timeout", type=float, default=900.0, help="seconds before a run is stopped")
    ap.add_argument(
        "--only", default="", help="comma list of sections: startup,concentration,ci,tiers,trend,merge,validate"
    )
    ap.add_argument("--markdown", action="store_true", help="print the table as Markdown (for the README)")
    ap.add_argument("--sizes", default="", help="comma list of row counts instead of the defaults, e.g. 1e7")
    args = ap.parse_args(argv)
    sizes = [10_000, 100_000, 1_000_000] + ([10_000_000] if args.full else [])
    if args.sizes:
        sizes = [int(float(x)) for x in args.sizes.split(",")]
    only = set(filter(None, args.only.split(",")))

    def want(s):
        return not only or s in only

    ai = aistruct_cmd()
    rows: list[dict] = []
    meta = machine()

    def case(section, name, n, argv, repeat=None, note=""):
        label = f"{section}: {name}" + (f" ({n:,} rows)" if n else "")
        sys.stderr.write(f"- {label} ...")
        sys.stderr.flush()
        res = measure(argv, repeat or args.repeat, args.timeout)
        sys.stderr.write(f" {res['median_s']:.3f} s, {res['peak_mib']} MiB\n")
        row = {"section": section, "case": name, "rows": n, "note": note, **res}
        rows.append(row)
        return row

    # Data.
    def data(n, kind="rounds"):
        # Relative paths: frictionless refuses absolute ones (exit 1 in a few milliseconds).
        paths = {fmt: os.path.relpath(generate.path_for(n, kind, fmt), ROOT) for fmt in ("csv", "parquet")}
        if not all(os.path.exists(p) for p in paths.values()):  # generated in a child: see machine()
            subprocess.run(
                [PY, os.path.join(HERE, "generate.py"), "--rows", str(n), "--kind", kind],
                check=True,
                stdout=subprocess.DEVNULL,
            )
        return paths

    files = {n: data(n) for n in sizes}
    companies = {n: data(n, "companies") for n in (10_000, 100_000, 1_000_000)}
    tiny = os.path.relpath(os.path.join(generate.DATA, "tiny_10.csv"), ROOT)
    with open(os.path.join(ROOT, tiny), "w") as fh:
        fh.write("entity,value\n" + "".join(f"co{i},{(i + 1) * 10}\n" for i in range(10)))

    if want("startup"):
        case("startup", "aistruct --help", 0, ai + ["--help"], repeat=max(args.repeat, 7))
        case(
            "startup",
            "concentration, 10 rows, --format json",
            0,
            ai + ["concentration", tiny, "--format", "json"],
            repeat=max(args.repeat, 7),
        )
        case(
            "startup",
            "python -c 'import numpy, pandas, pyarrow'",
            0,
            [PY, "-c", "import numpy, pandas, pyarrow.csv"],
            repeat=max(args.repeat, 7),
        )

    def cases(section, n, named: list, repeat=None):
        """Several cases of one size, measured in turns (see measure_interleaved)."""
        for name, _ in named:
            sys.stderr.write(f"- {section}: {name} ({n:,} rows)\n")
        results = measure_interleaved([argv for _, argv in named], repeat or args.repeat, args.timeout)
        rows_out = []
        for (name, _), res in zip(named, results):
            sys.stderr.write(f"  {name}: {res['median_s']:.3f} s, {res['peak_mib']} MiB\n")
            row = {"section": section, "case": name, "rows": n, "note": "interleaved", **res}
            rows.append(row)
            rows_out.append(row)
        return rows_out

    if want("concentration"):
        for n in sizes:
            for fmt in ("csv", "parquet"):
                path = files[n][fmt]
                named = [
                    (
                        f"aistruct {fmt}",
                        ai
                        + [
                            "concentration",
                            path,
                            "--entity",
                            "entity",
                            "--value",
                            "value",
                            "--by",
                            "group",
                            "--format",
                            "json",
                        ],
                    ),
                    (
                        f"floor {fmt} (1 thread group-by)",
                        [PY, os.path.join(HERE, "floor.py"), path, "--by", "group", "--threads", "1"],
                    ),
                    (f"floor {fmt} (default threads)", [PY, os.path.join(HERE, "floor.py"), path, "--by", "group"]),
                ]
                if fmt == "parquet" and installed("duckdb"):
                    named.append(
                        (
                            "aistruct parquet --engine duckdb",
                            ai
                            + [
                                "concentration",
                                path,
                                "--entity",
                                "entity",
                                "--value",
                                "value",
                                "--by",
                                "group",
                                "--format",
                                "json",
                                "--engine",
                                "duckdb",
                            ],
                        )
                    )
                if fmt == "parquet" and installed("distributed"):
                    # a LocalCluster sized to the machine, started and closed by the run (it counts)
                    named.append(
                        (
                            "aistruct parquet --engine dask (local cluster)",
                            ai
                            + [
                                "concentration",
                                path,
                                "--entity",
                                "entity",
                                "--value",
                                "value",
                                "--by",
                                "group",
                                "--format",
                                "json",
                                "--engine",
                                "dask",
                            ],
                        )
                    )
                got = cases("concentration", n, named)
                a, f1, f2 = got[:3]
                best = min((f1, f2), key=lambda r: r["median_s"])
                for r in [a] + got[3:]:
                    r["vs_floor_time"] = r["median_s"] / best["median_s"]
                    r["vs_floor_memory"] = r["peak_mib"] / best["peak_mib"]
                    r["floor"] = best["case"]
                if fmt == "csv" and installed("concentrationMetrics") and (n <= 1_000_000 or args.full):
                    case(
                        "concentration",
                        "peer pandas + concentrationMetrics csv",
                        n,
                        [PY, os.path.join(HERE, "peers", "pandas_concentration.py"), path, "--by", "group"],
                        repeat=1 if n >= 10_000_000 else None,
                    )

    if want("ci"):  # bootstrap intervals: 2,000 resamples (the default) of 100,000 companies
        case(
            "ci",
            "aistruct concentration --ci 0.95",
            100_000,
            ai + ["concentration", companies[100_000]["csv"], "-e", "entity", "-v", "value", "--ci", "0.95"],
            repeat=1,
            note="one run",
        )

    if want("tiers"):
        for n, paths in companies.items():
            case(
                "tiers",
                "aistruct tiers --method natural",
                n,
                ai
                + [
                    "tiers",
                    paths["csv"],
                    "--entity",
                    "entity",
                    "--value",
                    "value",
                    "--method",
                    "natural",
                    "--format",
                    "json",
                ],
            )
        if installed("jenkspy"):
            for n in (10_000, 100_000) if args.full else (10_000,):
                case(
                    "tiers",
                    "peer jenkspy (3 classes)",
                    n,
                    [PY, os.path.join(HERE, "peers", "jenkspy_natural.py"), companies[n]["csv"]],
                    repeat=1,
                    note="one run",
                )

    if want("trend"):
        for n in sizes:
            case(
                "trend",
                "aistruct trend --period group",
                n,
                ai
                + [
                    "trend",
                    files[n]["csv"],
                    "--entity",
                    "entity",
                    "--value",
                    "value",
                    "--period",
                    "group",
                    "--format",
                    "json",
                ],
            )

    if want("merge"):
        for n in sizes:
            width = len(str(max(10, n // 10) - 1))
            case(
                "merge",
                "aistruct merge (one deal)",
                n,
                ai
                + [
                    "merge",
                    files[n]["csv"],
                    "--entity",
                    "entity",
                    "--value",
                    "value",
                    "--acquirer",
                    f"co{1:0{width}d}",
                    "--target",
                    f"co{2:0{width}d}",
                    "--format",
                    "json",
                ],
            )

    if want("validate"):
        fl = frictionless_cmd()
        for n in sizes:
            case(
                "validate",
                "aistruct validate",
                n,
                ai
                + [
                    "validate",
                    files[n]["csv"],
                    "--entity",
                    "entity",
                    "--value",
                    "value",
                    "--by",
                    "group",
                    "--format",
                    "json",
                ],
            )
            if fl and (n <= 100_000 or args.full) and n <= 1_000_000:
                case(
                    "validate",
                    "peer frictionless validate",
                    n,
                    fl + ["validate", files[n]["csv"]],
                    repeat=1 if n >= 1_000_000 else None,
                )

    breakdown = import_breakdown(tiny) if want("startup") else None
    meta["load_after"] = os.getloadavg()[0] if hasattr(os, "getloadavg") else None
    os.makedirs(generate.DATA, exist_ok=True)
    with open(os.path.join(generate.DATA, "results.json"), "w") as fh:
        json.dump({"machine": meta, "imports": breakdown, "results": rows}, fh, indent=2)
    print_table(rows, meta, breakdown, args.markdown)
    return 0


def print_table(rows: list, meta: dict, breakdown: dict | None, markdown: bool) -> None:
    head = ["section", "case", "rows", "median s", "peak MiB", "runs s", "vs floor"]
    body = []
    for r in rows:
        vs = ""
        if "vs_floor_time" in r:
            vs = f"{r['vs_floor_time']:.2f}x time, {r['vs_floor_memory']:.2f}x memory"
        if r["exit"] != 0:
            vs = f"FAILED (exit {r['exit']})"
        body.append(
            [
                r["section"],
                r["case"],
                f"{r['rows']:,}" if r["rows"] else "",
                f"{r['median_s']:.3f}",
                str(r["peak_mib"]),
                " ".join(f"{w:.2f}" for w in r["runs_s"]),
                vs,
            ]
        )
    print(
        f"Machine: {meta['cpus']} CPUs ({meta['cpu']}), {meta['memory']}; Python {meta['python']}, "
        f"numpy {meta['numpy']}, pandas {meta['pandas']}, pyarrow {meta['pyarrow']}; "
        f"load average {meta['load_before']:.2f} before, {meta['load_after']:.2f} after"
    )
    if markdown:
        print("| " + " | ".join(head) + " |")
        print("|" + "|".join(" --- " for _ in head) + "|")
        for b in body:
            print("| " + " | ".join(b) + " |")
    else:
        widths = [max(len(h), *(len(b[i]) for b in body)) if body else len(h) for i, h in enumerate(head)]
        print("  ".join(h.ljust(w) for h, w in zip(head, widths)))
        print("  ".join("-" * w for w in widths))
        for b in body:
            print("  ".join(c.ljust(w) for c, w in zip(b, widths)))
    if breakdown:
        parts = ", ".join(f"{k} {v} ms" for k, v in breakdown["by_package_ms"].items())
        print(f"Imports of a 10-row concentration run: {breakdown['total_ms']} ms ({parts})")


if __name__ == "__main__":
    sys.exit(main())
