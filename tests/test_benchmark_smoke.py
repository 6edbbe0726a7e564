"""The benchmark suite runs end to end at a tiny size (no timing is judged here: figures
belong to ``python benchmarks/run.py``, on a quiet machine)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_every_benchmark_case_runs(tmp_path):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "run.py"), "--smoke", "--data", str(tmp_path)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    doc = json.loads((tmp_path / "results.json").read_text())
    rows = doc["results"]
    assert all(r["exit"] == 0 for r in rows), [r for r in rows if r["exit"] != 0]
    sections = {r["section"].split(" (")[0] for r in rows}
    assert sections == {"startup", "concentration", "commands", "shapes", "ci", "peers"}
    commands = {r["case"]: r for r in rows if r["section"] == "commands"}
    assert set(commands) == {"concentration", "tiers", "trend", "merge", "validate"}
    # every command is read against concentration (the targets apply at 10,000,000 rows)
    for name in ("tiers", "trend", "merge", "validate"):
        assert commands[name]["vs_case"] == "concentration" and "target" not in commands[name]
        assert commands[name]["vs_time"] == commands[name]["median_s"] / commands["concentration"]["median_s"]
    startup = [r for r in rows if r["section"] == "startup" and "vs_time" in r]
    assert {r["case"] for r in startup} >= {"aistruct --help", "aistruct --version"}
    assert all(r["target"] == 1.3 for r in startup if r["case"].startswith("aistruct") or "10 rows" in r["case"])
    floor = [r for r in rows if r["section"] == "concentration" and r["case"].startswith("aistruct ")]
    assert {r["case"] for r in floor} >= {"aistruct csv", "aistruct parquet"}
    assert all("vs_floor_time" in r for r in floor)
    # the machine and versions are printed with the table
    assert "Machine: " in proc.stdout and "pyarrow " in proc.stdout and "Typer " in proc.stdout
    for key in ("cpus", "python", "numpy", "pandas", "pyarrow", "typer"):
        assert doc["machine"][key]
