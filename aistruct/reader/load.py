"""One input to a :class:`RawTable`: :func:`load_table`, the reader every command uses."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any

from aistruct.errors import InputError, UsageError, param
from aistruct.reader.options import ReadOptions
from aistruct.reader.parsers import PARSERS, UNUSABLE, parse
from aistruct.reader.source import open_input


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
    return RawTable(frame=frame, source=what, format=got.format, credit=got.credit, unusable=unusable)
