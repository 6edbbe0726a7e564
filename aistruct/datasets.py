"""The bundled datasets: real, sourced tables readable as ``dataset:NAME``.

The curated tables live in ``datasets/`` at the top of the repository (the
source of truth, with ``datapackage.json`` describing them); a built wheel
carries a copy as ``aistruct/_data``. :func:`data_dir` finds whichever exists.
"""

from __future__ import annotations

import json
import os
from functools import lru_cache
from pathlib import Path

from aistruct.errors import UsageError

PACKAGE_FILE = "datapackage.json"


def data_dir() -> Path:
    """Folder holding datapackage.json: the installed copy, else the repository's datasets/."""
    here = Path(__file__).resolve().parent
    for candidate in (here / "_data", here.parent / "datasets"):
        if (candidate / PACKAGE_FILE).is_file():
            return candidate
    raise UsageError("the bundled datasets are not installed (no datapackage.json found)")


@lru_cache(maxsize=1)
def package() -> dict:
    with open(data_dir() / PACKAGE_FILE, encoding="utf-8") as fh:
        return json.load(fh)


def resources() -> list[dict]:
    return list(package().get("resources", []))


def credit_of(resource: dict) -> str | None:
    if resource.get("credit"):
        return str(resource["credit"])
    titles = [s.get("title") for s in resource.get("sources", []) if s.get("title")]
    return "; ".join(titles) or None


def find(name: str) -> dict:
    """The resource called ``name`` (``.csv`` optional); unknown names exit 2 with the list."""
    import difflib

    key = name[:-4] if name.endswith(".csv") else name
    for res in resources():
        if res.get("name") == key:
            return res
    names = [r.get("name", "") for r in resources()]
    close = difflib.get_close_matches(key, names, n=1, cutoff=0.5)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    raise UsageError(f"dataset:{name}: no such bundled dataset{hint} (see 'aistruct datasets')")


def resolve(name: str) -> tuple[str, str | None]:
    """Path and credit line of the bundled dataset ``name``."""
    res = find(name)
    return os.fspath(data_dir() / res["path"]), credit_of(res)


def row_count(resource: dict) -> int:
    """Records in the resource's CSV (a quoted field may hold a line break, so parse, don't count lines)."""
    import csv

    with open(data_dir() / resource["path"], encoding="utf-8", newline="") as fh:
        return max(sum(1 for _ in csv.reader(fh)) - 1, 0)


def licence_label(resource: dict) -> str:
    """Short licence name for listings: the identifier (CC-BY-4.0), or the title of an 'other-*' licence."""
    labels = []
    for lic in resource.get("licenses", []):
        name = lic.get("name") or ""
        labels.append(lic.get("title") or name if not name or name.startswith("other-") else name)
    return ", ".join(x for x in labels if x) or "–"
