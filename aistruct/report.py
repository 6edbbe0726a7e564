"""What every command's JSON document shares: the envelope and how groups are named.

Each command's report object (``ConcentrationReport``, ``TiersReport`` ...) builds
its ``to_dict()`` with :func:`envelope`, so the top-level keys, their order and
``schema_version`` (:data:`aistruct.vocabulary.SCHEMA_VERSION`) are the same
everywhere by construction.
"""

from __future__ import annotations

from dataclasses import dataclass, field
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


def results_frame(results: list[dict]):
    """``results`` as a pandas DataFrame, one row per result: nested objects become
    ``parent_key`` columns (``group_year``, ``cr_4``, ``atkinson_0.5``), as the CSV view's
    columns are; lists (``top``, ``tiers`` ...) stay whole in their cell.
    """
    import pandas as pd

    if not results:
        return pd.DataFrame()
    return pd.json_normalize(results, sep="_")


def group_text(group: dict) -> str:
    """``year=2024, country=CN`` for warnings and messages."""
    return ", ".join(f"{k}={v}" for k, v in group.items())


@dataclass
class CommandReport:
    """What a command returns: its ``input``, ``results`` and ``warnings``; ``to_dict()`` is its
    JSON document (the contract, ``schema_version`` 1). A command adds its own top-level keys
    by overriding :meth:`extra`.
    """

    input: dict
    results: list[dict]
    warnings: list[str] = field(default_factory=list)
    command: str = ""

    def extra(self) -> dict:
        """Top-level keys of this command's document besides the envelope's."""
        return {}

    def to_dict(self) -> dict:
        return envelope(self.command, self.input, self.results, self.warnings, **self.extra())

    def to_frame(self):
        """The results as a pandas DataFrame (:func:`results_frame`), one row per result."""
        return results_frame(self.results)
