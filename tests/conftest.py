"""Shared test helpers: run the real CLI entry point in-process and capture everything."""

import io
import json
import os
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
DATASETS = ROOT / "datasets"


@dataclass
class Result:
    code: int
    out: str
    err: str

    def json(self):
        return json.loads(self.out)


class _Std(io.TextIOWrapper):
    """A text stream with a .buffer, like the real sys.stdout."""


def run_cli(*args, stdin: bytes | None = None, env: dict | None = None) -> Result:
    from aistruct.cli import main

    out_b, err_b = io.BytesIO(), io.BytesIO()
    out = io.TextIOWrapper(out_b, encoding="utf-8", newline="", write_through=True)
    err = io.TextIOWrapper(err_b, encoding="utf-8", newline="", write_through=True)
    inp = io.TextIOWrapper(io.BytesIO(stdin or b""), encoding="utf-8")
    saved = sys.stdout, sys.stderr, sys.stdin
    saved_env = dict(os.environ)
    os.environ.update({"COLUMNS": "160", "NO_COLOR": "1", "TERM": "dumb"})
    os.environ.pop("FORCE_COLOR", None)
    for key, value in (env or {}).items():  # None removes a variable
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value
    sys.stdout, sys.stderr, sys.stdin = out, err, inp
    try:
        try:
            main([str(a) for a in args])
            code = 0
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 2)
    finally:
        sys.stdout, sys.stderr, sys.stdin = saved
        os.environ.clear()
        os.environ.update(saved_env)
    return Result(code, out_b.getvalue().decode("utf-8"), err_b.getvalue().decode("utf-8"))


@pytest.fixture
def cli():
    return run_cli


def write(tmp_path: Path, name: str, content, mode: str = "w") -> Path:
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8", newline="")
    return path


def load_schema(command: str) -> dict:
    path = ROOT / "aistruct" / "schemas" / f"{command}.schema.json"
    return json.loads(path.read_text(encoding="utf-8"))


def assert_schema(doc: dict, command: str) -> None:
    import jsonschema

    jsonschema.validate(doc, load_schema(command))


#: The docs' worked examples, as the arguments after the command and its file, so the tests that
#: run them share one copy (scripts/make_doc_charts.py holds the documented charts' own list).
FRONTIER_COMPUTE_TREND = [
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
]
NOTABLE_FLOWS = [
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
]
