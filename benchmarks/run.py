"""The aistruct benchmark suite: one command, one table.

    python benchmarks/run.py --quick        # 1e4 .. 1e6 rows, a few minutes
    python benchmarks/run.py --full         # 1e4 .. 1e7 rows and every peer
    python benchmarks/run.py --sizes 1e6,1e7 --only startup,concentration,commands --repeat 5   # issue 19's targets
    python benchmarks/run.py --only trend --sizes 1e7                     # one command against concentration
    python benchmarks/run.py --smoke        # 2,000 rows, one run each (CI: every case runs; no timing is judged)

Sections (``--only``): ``startup`` (``aistruct --help`` and ``--version`` against
``python -c "import typer, rich"``; a 10-row ``concentration --format json`` against
importing pandas, pyarrow, numpy and Typer), ``concentration`` (CSV and Parquet
against the floor, ``--engine duckdb`` against the default engine; ``--dask`` adds
the Dask engine), ``commands`` (``tiers``, ``trend``, ``merge`` and ``validate``
against ``concentration`` on the same rounds file, and the growth of each from one
size to the next), ``shapes`` (the shapes that cost per market: 1,000 and 20,000
groups of 1,000,000 rows), ``ci`` and ``peers`` (pandas + concentrationMetrics,
jenkspy, frictionless, where installed). A command name (``trend``) runs that
command and ``concentration``.

Every case is a fresh subprocess (interpreter start-up and imports count the
same way for aistruct, the floor and the peers), timed with a monotonic clock;
its peak memory is the child's own ``ru_maxrss`` from ``os.wait4``. Each case
runs ``--repeat`` times (default 3) and the table shows the median wall time
and the largest peak; the cases compared with each other run in turns (a, b, c,
a, b, c, ...), so that a load that drifts hits them alike, and the ratio column
divides the medians. The table gives the machine and the library versions and
the targets the ratios are read against. Input files come from
``benchmarks/generate.py`` (seeded) under ``benchmarks/data/`` (git-ignored;
``--data DIR`` elsewhere); the results are also written to ``results.json`` there.

The floor (``benchmarks/floor.py``) is the concentration computation written as
directly as possible with pyarrow and numpy, in two variants: pyarrow's default
multi-threaded group-by and a single-threaded one; the ratio uses the faster of
the two. The exit status is 1 when any case failed (a non-zero exit), else 0.
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


#: The children's environment: as a user's, with bytecode caches (a PYTHONDONTWRITEBYTECODE
#: set for this process would make every run compile aistruct's modules from source).
CHILD_ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def compile_package() -> None:
    """Write aistruct's bytecode caches before any run is timed (as a first run would)."""
    subprocess.run(
        [PY, "-m", "compileall", "-q", os.path.join(ROOT, "aistruct")],
        env=CHILD_ENV,
        check=False,
        stdout=subprocess.DEVNULL,
    )


def run_once(argv: list, timeout: float) -> tuple[float, int, int]:
    """(wall seconds, peak RSS in MiB, exit code) of one subprocess."""
    import tempfile

    # Standard error goes to a file, not a pipe: a command that warns of thousands of markets
    # would fill a pipe nobody reads until it exits, and wait forever.
    with tempfile.TemporaryFile() as errfile:
        start = time.perf_counter()
        proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=errfile, cwd=ROOT, env=CHILD_ENV)
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
        proc.returncode = os.waitstatus_to_exitcode(status)  # reaped here: Popen must not wait again
        errfile.seek(0)
        err = errfile.read(4096).decode("utf-8", "replace")
    code = proc.returncode
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
                "import json, importlib.metadata as md, numpy, pandas, pyarrow\n"
                "def v(name):\n"
                "    try:\n"
                "        return md.version(name)\n"
                "    except md.PackageNotFoundError:\n"
                "        return None\n"
                "print(json.dumps({'numpy': numpy.__version__, 'pandas': pandas.__version__, "
                "'pyarrow': pyarrow.__version__, 'typer': v('typer'), 'rich': v('rich'), 'pydantic': v('pydantic'), "
                "'duckdb': v('duckdb'), 'dask': v('dask')}))",
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
        env=CHILD_ENV,
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


#: The commands timed on the rounds file against ``concentration`` (issue 19: each within 1.5x).
COMMANDS = ("concentration", "tiers", "trend", "merge", "validate")
#: Sections ``--only`` takes; a command name selects that command (and concentration, its yardstick).
SECTIONS = ("startup", "concentration", "commands", "shapes", "ci", "peers")
#: Targets the table reads the ratios against (issue 19).
TARGET_FLOOR_TIME = 1.3  # concentration against the floor, wall time ...
TARGET_FLOOR_MEMORY = 1.5  # ... and peak memory
TARGET_VS_CONCENTRATION = 1.5  # tiers, trend, merge, validate against concentration on the same file
TARGET_GROWTH = 12.0  # ten times the rows
TARGET_STARTUP = 1.3  # against importing what the run needs
#: The size the floor and the concentration targets are set at (smaller files give the growth).
TARGET_ROWS = 10_000_000


def command_argv(ai: list, command: str, path: str, n: int, by_group: bool = False) -> list:
    """The benchmark's invocation of ``command`` on a rounds file of ``n`` rows (entity, value, group)."""
    common = ["--entity", "entity", "--value", "value"]
    if command == "concentration":
        return ai + ["concentration", path, *common, "--by", "group", "--format", "json"]
    if command == "tiers":  # natural breaks over the per-company totals
        return ai + [
            "tiers",
            path,
            *common,
            *(["--by", "group"] if by_group else []),
            "--method",
            "natural",
            "--format",
            "json",
        ]
    if command == "trend":  # every group a period, tiers by natural breaks pooled over the periods
        return ai + ["trend", path, *common, "--period", "group", "--format", "json"]
    if command == "merge":  # one deal: the second and third company
        width = len(str(max(10, n // 10) - 1))
        deal = ["--acquirer", f"co{1:0{width}d}", "--target", f"co{2:0{width}d}"]
        return ai + ["merge", path, *common, *(["--by", "group"] if by_group else []), *deal, "--format", "json"]
    if command == "validate":
        return ai + ["validate", path, *common, "--by", "group", "--format", "json"]
    raise ValueError(command)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description="aistruct benchmark suite")
    size = ap.add_mutually_exclusive_group()
    size.add_argument("--quick", action="store_true", help="1e4 .. 1e6 rows (default)")
    size.add_argument("--full", action="store_true", help="1e4 .. 1e7 rows, every peer")
    size.add_argument("--smoke", action="store_true", help="2,000 rows, one run each: checks that every case runs")
    ap.add_argument("--repeat", type=int, default=3, help="runs per case (median reported; default 3)")
    ap.add_argument("--timeout", type=float, default=900.0, help="seconds before a run is stopped")
    ap.add_argument(
        "--only",
        default="",
        help="comma list of sections (" + ",".join(SECTIONS) + ") or commands (" + ",".join(COMMANDS[1:]) + ")",
    )
    ap.add_argument("--markdown", action="store_true", help="print the table as Markdown (for the docs)")
    ap.add_argument("--sizes", default="", help="comma list of row counts instead of the defaults, e.g. 1e6,1e7")
    ap.add_argument("--dask", action="store_true", help="also time --engine dask (a LocalCluster per run)")
    ap.add_argument("--data", default=None, help="folder of the generated tables (default benchmarks/data)")
    args = ap.parse_args(argv)
    sizes = [10_000, 100_000, 1_000_000] + ([10_000_000] if args.full else [])
    if args.smoke:
        sizes, args.repeat = [2_000], 1
    if args.sizes:
        sizes = [int(float(x)) for x in args.sizes.split(",")]
    only = set(filter(None, args.only.split(",")))
    unknown = only - set(SECTIONS) - set(COMMANDS)
    if unknown:
        ap.error(f"--only: unknown section(s) {', '.join(sorted(unknown))}")
    picked = [c for c in COMMANDS[1:] if c in only]

    def want(section):
        return not only or section in only or (section == "commands" and bool(picked))

    ai = aistruct_cmd()
    rows: list[dict] = []
    meta = machine()
    compile_package()
    data_dir = args.data or generate.DATA

    def case(section, name, n, argv, repeat=None, note=""):
        label = f"{section}: {name}" + (f" ({n:,} rows)" if n else "")
        sys.stderr.write(f"- {label} ...")
        sys.stderr.flush()
        res = measure(argv, repeat or args.repeat, args.timeout)
        sys.stderr.write(f" {res['median_s']:.3f} s, {res['peak_mib']} MiB\n")
        row = {"section": section, "case": name, "rows": n, "note": note, **res}
        rows.append(row)
        return row

    def cases(section, n, named: list, repeat=None):
        """Several cases of one size, measured in turns (see measure_interleaved)."""
        for name, _ in named:
            sys.stderr.write(f"- {section}: {name}" + (f" ({n:,} rows)" if n else "") + "\n")
        results = measure_interleaved([argv for _, argv in named], repeat or args.repeat, args.timeout)
        rows_out = []
        for (name, _), res in zip(named, results):
            sys.stderr.write(f"  {name}: {res['median_s']:.3f} s, {res['peak_mib']} MiB\n")
            row = {"section": section, "case": name, "rows": n, "note": "interleaved", **res}
            rows.append(row)
            rows_out.append(row)
        return rows_out

    def versus(row, base, key="vs", target=None):
        """Record ``row``'s time (and memory) as a ratio of ``base``'s."""
        row[key + "_time"] = row["median_s"] / base["median_s"] if base["median_s"] else float("inf")
        row[key + "_memory"] = row["peak_mib"] / base["peak_mib"] if base["peak_mib"] else float("inf")
        row[key + "_case"] = base["case"]
        if target is not None:
            row["target"] = target

    def data(n, kind="rounds", groups=generate.YEARS):
        paths = {fmt: generate.path_for(n, kind, fmt, groups, data_dir) for fmt in ("csv", "parquet")}
        if not all(os.path.exists(p) for p in paths.values()):  # generated in a child: see machine()
            subprocess.run(
                [PY, os.path.join(HERE, "generate.py"), "--rows", str(n), "--kind", kind, "--groups", str(groups)]
                + ["--data", data_dir],
                check=True,
                stdout=subprocess.DEVNULL,
            )
        # Relative paths where possible: frictionless refuses absolute ones (exit 1 in a few milliseconds).
        return {fmt: os.path.relpath(p, ROOT) if p.startswith(ROOT + os.sep) else p for fmt, p in paths.items()}

    tiny = os.path.join(data_dir, "tiny_10.csv")
    os.makedirs(data_dir, exist_ok=True)
    with open(tiny, "w") as fh:
        fh.write("entity,value\n" + "".join(f"co{i},{(i + 1) * 10}\n" for i in range(10)))

    if want("startup"):
        reps = max(args.repeat, 15) if not args.smoke else 1
        rich_typer = [PY, "-c", "import typer, rich"]
        for name, argv_a in (("aistruct --help", ai + ["--help"]), ("aistruct --version", ai + ["--version"])):
            a, b = cases("startup", 0, [(name, argv_a), ("python -c 'import typer, rich'", rich_typer)], repeat=reps)
            versus(a, b, target=TARGET_STARTUP)
        needs = [PY, "-c", "import pandas, pyarrow, pyarrow.csv, numpy, typer"]
        needs_run = [PY, "-c", "import pandas, pyarrow, pyarrow.csv, numpy, typer, typer._adapters"]
        a, b, c = cases(
            "startup",
            0,
            [
                ("concentration, 10 rows, --format json", ai + ["concentration", tiny, "--format", "json"]),
                ("python -c 'import pandas, pyarrow, pyarrow.csv, numpy, typer'", needs),
                ("... and typer._adapters (Pydantic: Typer loads it to run any command)", needs_run),
            ],
            repeat=reps,
        )
        versus(a, b, target=TARGET_STARTUP)
        versus(c, b)

    if want("concentration"):
        for n in sizes:
            files = data(n)
            for fmt in ("csv", "parquet"):
                path = files[fmt]
                named = [
                    (f"aistruct {fmt}", command_argv(ai, "concentration", path, n)),
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
                            command_argv(ai, "concentration", path, n) + ["--engine", "duckdb"],
                        )
                    )
                if fmt == "parquet" and args.dask and installed("distributed"):
                    # a LocalCluster sized to the machine, started and closed by the run (it counts)
                    named.append(
                        (
                            "aistruct parquet --engine dask (local cluster)",
                            command_argv(ai, "concentration", path, n) + ["--engine", "dask"],
                        )
                    )
                got = cases("concentration", n, named)
                a, f1, f2 = got[:3]
                best = min((f1, f2), key=lambda r: r["median_s"])
                versus(a, best, "vs_floor", target=TARGET_FLOOR_TIME if n >= TARGET_ROWS else None)
                if n >= TARGET_ROWS:
                    a["target_memory"] = TARGET_FLOOR_MEMORY
                for r in got[3:]:
                    versus(r, best, "vs_floor")
                    versus(r, a)  # the other engines against the default engine

    if want("commands"):
        chosen = ["concentration"] + (picked or list(COMMANDS[1:]))
        timed: dict = {}
        for n in sizes:
            path = data(n)["csv"]
            got = cases("commands", n, [(c, command_argv(ai, c, path, n)) for c in chosen])
            for r in got[1:]:
                versus(r, got[0], target=TARGET_VS_CONCENTRATION if n >= TARGET_ROWS else None)
            timed[n] = {r["case"]: r for r in got}
        for small, large in zip(sizes, sizes[1:]):  # growth: ten times the rows
            for c in chosen:
                lo, hi = timed[small][c], timed[large][c]
                row = {
                    "section": "growth",
                    "case": c,
                    "rows": large,
                    "note": f"{large / small:g}x the rows of {small:,}",
                    "median_s": hi["median_s"],
                    "min_s": hi["min_s"],
                    "runs_s": [],
                    "peak_mib": hi["peak_mib"],
                    "exit": hi["exit"],
                    "growth": hi["median_s"] / lo["median_s"] if lo["median_s"] else float("inf"),
                    "target": TARGET_GROWTH * (large / small) / 10,
                }
                rows.append(row)

    if want("shapes"):  # the shapes that cost per market: many periods and many small markets
        n = min(max(sizes), 1_000_000)
        for groups in (1_000, 20_000) if not args.smoke else (50,):
            path = data(n, groups=groups)["csv"]
            named = [(c, command_argv(ai, c, path, n, by_group=True)) for c in COMMANDS]
            got = cases(
                f"shapes ({groups:,} groups)", n, [(c, argv) for c, argv in named], repeat=1 if n >= 1_000_000 else None
            )
            for r in got[1:]:
                versus(r, got[0])

    companies = {}
    if want("ci") or want("peers"):
        companies = {m: data(m, "companies") for m in ([2_000] if args.smoke else (10_000, 100_000))}

    if want("ci"):  # bootstrap intervals: 2,000 resamples (the default) of 100,000 companies
        m = max(companies)
        case(
            "ci",
            "aistruct concentration --ci 0.95",
            m,
            ai
            + ["concentration", companies[m]["csv"], "-e", "entity", "-v", "value", "--ci", "0.95"]
            + (["--resamples", "50"] if args.smoke else []),
            repeat=1,
            note="one run",
        )

    if want("peers"):
        m = min(companies)
        case(
            "peers", "aistruct tiers --method natural (companies)", m, command_argv(ai, "tiers", companies[m]["csv"], m)
        )
        if installed("jenkspy"):
            for k in sorted(companies) if args.full else (m,):
                case(
                    "peers",
                    "jenkspy (3 classes)",
                    k,
                    [PY, os.path.join(HERE, "peers", "jenkspy_natural.py"), companies[k]["csv"]],
                    repeat=1,
                    note="one run",
                )
        n = min(max(sizes), 1_000_000)
        path = data(n)["csv"]
        if installed("concentrationMetrics"):
            case(
                "peers",
                "pandas + concentrationMetrics",
                n,
                [PY, os.path.join(HERE, "peers", "pandas_concentration.py"), path, "--by", "group"],
                repeat=1,
            )
        fl = frictionless_cmd()
        if fl:
            case("peers", "frictionless validate", n, fl + ["validate", path], repeat=1)

    breakdown = import_breakdown(tiny) if want("startup") else None
    meta["load_after"] = os.getloadavg()[0] if hasattr(os, "getloadavg") else None
    with open(os.path.join(data_dir, "results.json"), "w") as fh:
        json.dump({"machine": meta, "imports": breakdown, "results": rows}, fh, indent=2)
    print_table(rows, meta, breakdown, args.markdown)
    return 1 if any(r["exit"] != 0 for r in rows) else 0


def ratio_text(r: dict) -> str:
    """The table's 'ratio' cell: against the floor, against concentration or the yardstick, or the growth."""
    parts = []
    if "vs_floor_time" in r:
        parts.append(f"{r['vs_floor_time']:.2f}x floor time, {r['vs_floor_memory']:.2f}x floor memory")
    if "vs_time" in r:
        parts.append(f"{r['vs_time']:.2f}x {r['vs_case']}")
    if "growth" in r:
        parts.append(f"{r['growth']:.2f}x ({r['note']})")
    if "target" in r and parts:
        memory = f" time, {r['target_memory']:g}x memory" if "target_memory" in r else ""
        parts.append(f"target <= {r['target']:g}x{memory}")
    return "; ".join(parts)


def print_table(rows: list, meta: dict, breakdown: dict | None, markdown: bool) -> None:
    head = ["section", "case", "rows", "median s", "peak MiB", "runs s", "ratio"]
    body = []
    for r in rows:
        vs = ratio_text(r)
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
        f"numpy {meta['numpy']}, pandas {meta['pandas']}, pyarrow {meta['pyarrow']}, Typer {meta['typer']}, "
        f"Rich {meta['rich']}, Pydantic {meta['pydantic']}, duckdb {meta['duckdb']}, dask {meta['dask']}; "
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
