"""One input to a :class:`RawTable`: :func:`load_table`, the reader every command uses."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aistruct.errors import InputError, UsageError, param
from aistruct.reader.options import ReadOptions
from aistruct.reader.parsers import PARSERS, UNUSABLE, delimiter_for, parse
from aistruct.reader.source import open_input
from aistruct.reader.text import decode


@dataclass
class RawTable:
    """The cells of one input, before any column is interpreted."""

    frame: Any  # pandas.DataFrame; cells as read (numbers stay numbers)
    source: str
    format: str
    credit: str | None = None
    header_rows: int = 1  # rows before the first record (for spreadsheet row numbers)
    warnings: list[str] = field(default_factory=list)
    #: columns of the input left out of ``frame`` because no cell of theirs can be used
    #: (binary data that is not UTF-8, lists, structs): ``{column: reason}``
    unusable: dict[str, str] = field(default_factory=dict)
    #: ``(position, column) -> text``: a cell as the input writes it, read again on demand
    #: (delimited text only; ``None`` when it cannot be recovered)
    written: Callable[[int, str], str | None] | None = field(default=None, repr=False, compare=False)

    def cell_as_written(self, position: int, column: str, cell: Any) -> str:
        """The text of the cell of ``column`` in the record at 0-based ``position`` as the input
        writes it (``0000``, 400 digits), for messages; ``str(cell)`` (the cell as read, which
        pyarrow may have turned into ``0`` or ``inf``) when it cannot be recovered."""
        text = self.written(position, column) if self.written is not None else None
        return str(cell) if text is None else text

    def row_label(self, position: int) -> str:
        """Name a record by its 0-based position, as a spreadsheet or editor shows it."""
        parser = PARSERS.get(self.format)
        record = parser.record if parser is not None else "record"
        if record == "row":
            return f"row {position + 1 + self.header_rows}"
        if record == "line":
            return f"line {position + 1}"
        return f"record {position + 1}"


def load_table(source: Any, options: ReadOptions | None = None, *, progress=None) -> RawTable:
    """Read ``source`` (path, ``-``, ``dataset:NAME`` or a DataFrame) into a :class:`RawTable`.

    ``progress``, when given, is called as ``progress("read", bytes_done, bytes_total)``
    while a CSV/TSV file is parsed (for a progress bar; the result is the same).
    """
    import pandas as pd

    opts = options or ReadOptions()
    if (opts.engine or "default") != "default":
        raise UsageError(
            f"{param('engine')} {opts.engine}: not available for this command (it needs the rows in memory); "
            "use the default engine"
        )
    if isinstance(source, pd.DataFrame):
        return RawTable(frame=source.copy(), source="<DataFrame>", format="dataframe", header_rows=0)
    with open_input(os.fspath(source), opts) as got:
        what, data = got.source, got.data
        if progress is not None:
            progress("read", 0, len(data))
        frame = parse(data, got.format, opts, what, progress)
        if progress is not None:
            progress("read", len(data), len(data))
    unusable = frame.attrs.pop(UNUSABLE, {})
    if frame.shape[1] == 0 and unusable:
        name, reason = next(iter(unusable.items()))
        raise InputError(f"{what}: no usable columns (column {name!r} {reason})")
    if frame.shape[1] == 0:
        raise InputError(f"{what}: no columns")
    if len(frame) == 0:
        raise InputError(f"{what}: has a header but no rows")
    written = _rereader(os.fspath(source), got.format, opts, what, got.data if source == "-" else None)
    return RawTable(frame=frame, source=what, format=got.format, credit=got.credit, unusable=unusable, written=written)


_KEPT_STDIN = 16 * 1024 * 1024  # standard input cannot be read twice: its bytes are kept up to this size
_REREAD = 256 * 1024 * 1024  # a larger input is not read again for a message: its cell is shown as read


def _rereader(source: str, fmt: str, opts: ReadOptions, what: str, stdin) -> Callable[[int, str], str | None] | None:
    """A function giving the cell as written of delimited ``source``, reading it again (error paths only)."""
    if PARSERS[fmt].delimiter is None or (stdin is not None and len(stdin) > _KEPT_STDIN):
        return None
    if stdin is None and not source.startswith("dataset:"):
        try:
            if os.stat(source).st_size > _REREAD:
                return None
        except OSError:
            return None

    def written(position: int, column: str) -> str | None:
        try:
            if stdin is not None:
                return written_cell(stdin, fmt, opts, what, position, column)
            with open_input(source, opts) as got:
                return written_cell(got.data, fmt, opts, what, position, column)
        except (InputError, UsageError, OSError, UnicodeError, ValueError):
            return None

    return written


def written_cell(data, fmt: str, opts: ReadOptions, what: str, position: int, column: str) -> str | None:
    """The field of ``column`` in the record at 0-based ``position`` (blank lines skipped, as
    pyarrow skips them) of delimited bytes ``data``, as written; ``None`` if there is none."""
    import csv
    import io

    text = decode(bytes(data), opts.encoding, what)
    delimiter = delimiter_for(text[: 1 << 16], fmt, opts.delimiter)
    rows = csv.reader(io.StringIO(text), delimiter=delimiter)
    try:
        header = next(rows)
        index = header.index(column)
        n = -1
        for row in rows:
            if not row:
                continue
            n += 1
            if n == position:
                return row[index] if index < len(row) else None
    except (StopIteration, csv.Error):
        return None
    return None
