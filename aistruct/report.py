"""What every command's JSON document shares: the envelope and how groups are named.

Each command's report object (``ConcentrationReport``, ``TiersReport`` ...) builds
its ``to_dict()`` with :func:`envelope`, so the top-level keys, their order and
``schema_version`` (:data:`aistruct.vocabulary.SCHEMA_VERSION`) are the same
everywhere by construction.
"""

from __future__ import annotations

from typing import Any

from aistruct._version import __version__
from aistruct.vocabulary import SCHEMA_VERSION


def envelope(command: str, input: dict | None, results: list | None, warnings: list, **extra: Any) -> dict:
    """``schema_version``, ``command``, ``aistruct_version``, ``input``, the command's ``extra``
    keys in the order given, ``results`` and ``warnings``.

    ``input`` and ``results`` are left out when None: ``datasets`` reads no input and
    lists datasets, ``validate`` reports checks and files instead of results.
    """
    doc: dict[str, Any] = {
        "schema_version": SCHEMA_VERSION,
        "command": command,
        "aistruct_version": __version__,
    }
    if input is not None:
        doc["input"] = input
    doc.update(extra)
    if results is not None:
        doc["results"] = results
    doc["warnings"] = list(warnings)
    return doc


def group_text(group: dict) -> str:
    """``year=2024, country=CN`` for warnings and messages."""
    return ", ".join(f"{k}={v}" for k, v in group.items())
