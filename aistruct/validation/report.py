"""The validation report: checks, their examples, and the JSON document.

A :class:`Check` is one rule (``field-count``, ``value-number`` ...) applied to one
file, with a status (``pass``, ``warn``, ``fail``), how many rows, cells, groups
or periods it flags, and the first few of them as :class:`Example` s. Row numbers
are 1-based and count the header as row 1, as a spreadsheet shows the table.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from aistruct.report import envelope, results_frame
from aistruct.sanitize import terminal_text
from aistruct.vocabulary import FAIL, PASS, WARN

_RANK = {PASS: 0, WARN: 1, FAIL: 2}
MAX_VALUE_CHARS = 200  # an example's value is cut to this many characters


def shown(value: Any) -> str | None:
    """An offending value as it may be shown: terminal-safe, at most 200 characters."""
    if value is None:
        return None
    text = terminal_text(value)  # escape first: escapes lengthen the text
    if len(text) > MAX_VALUE_CHARS:
        text = text[: MAX_VALUE_CHARS - 1] + "…"
    return text


@dataclass
class Example:
    """One offending row: ``row`` (header = 1; None when no single row is at fault) and
    ``line``, the file line it starts on (differs from ``row`` after a quoted cell that
    spans lines; None when unknown or the file is not text, such as Parquet or xlsx)."""

    row: int | None
    column: str | None
    value: Any
    message: str
    line: int | None = None

    def to_dict(self) -> dict:
        return {
            "row": None if self.row is None else int(self.row),
            "line": None if self.line is None else int(self.line),
            "column": shown(self.column),
            "value": shown(self.value),
            "message": terminal_text(self.message),
        }


@dataclass
class Check:
    """One rule applied to one file."""

    name: str
    status: str = PASS
    count: int = 0
    examples: list = field(default_factory=list)
    file: str = ""

    def to_dict(self) -> dict:
        return {
            "file": self.file,
            "name": self.name,
            "status": self.status,
            "count": int(self.count),
            "examples": [e.to_dict() for e in self.examples],
        }


def make_check(name: str, count: int, examples: list, *, severity: str = FAIL, max_examples: int = 5) -> Check:
    """A check that flags ``count`` items: ``severity`` when any, else pass."""
    count = int(count)
    return Check(name, severity if count else PASS, count, list(examples[:max_examples]) if count else [])


@dataclass
class FileReport:
    """The checks of one file, or the reason it could not be checked (``error``)."""

    file: str
    format: str | None = None
    rows: int = 0
    columns: int = 0
    seconds: float = 0.0
    checks: list = field(default_factory=list)
    warnings: list = field(default_factory=list)
    error: str | None = None
    strict: bool = False

    @property
    def worst(self) -> str:
        return max((c.status for c in self.checks), key=_RANK.__getitem__, default=PASS)

    @property
    def valid(self) -> bool | None:
        """True when no check failed (nor warned, with strict); None when the file could not be read."""
        if self.error is not None:
            return None
        return _RANK[self.worst] < (_RANK[WARN] if self.strict else _RANK[FAIL])

    @property
    def exit_code(self) -> int:
        if self.error is not None:
            return 2
        return 0 if self.valid else 1

    def summary(self) -> dict:
        return {
            "file": self.file,
            "format": self.format,
            "valid": self.valid,
            "error": self.error,
            "stats": {"rows": int(self.rows), "columns": int(self.columns), "seconds": round(self.seconds, 3)},
        }


@dataclass
class ValidationReport:
    """Every file's checks; ``to_dict()`` is the ``--format json`` document."""

    files: list = field(default_factory=list)

    @property
    def valid(self) -> bool:
        return all(f.valid is True for f in self.files)

    @property
    def exit_code(self) -> int:
        """The worst of the files: 2 unreadable, 1 a check failed, 0 all passed."""
        return max((f.exit_code for f in self.files), default=0)

    @property
    def checks(self) -> list:
        return [c for f in self.files for c in f.checks]

    def to_frame(self):
        """The checks as a pandas DataFrame (:func:`aistruct.report.results_frame`), one row per file and check."""
        return results_frame([c.to_dict() for c in self.checks])

    def to_dict(self) -> dict:
        warnings = list(dict.fromkeys(w for f in self.files for w in f.warnings))  # a shared schema's, once
        stats = {
            "files": len(self.files),
            "rows": int(sum(f.rows for f in self.files)),
            "columns": int(sum(f.columns for f in self.files)),
            "seconds": round(sum(f.seconds for f in self.files), 3),
        }
        return envelope(
            "validate",
            None,
            None,
            [terminal_text(w) for w in warnings],
            valid=self.valid,
            stats=stats,
            checks=[c.to_dict() for c in self.checks],
            files=[f.summary() for f in self.files],
        )
