"""Reading a file for validation: bytes, text, cells, and the structural checks.

The shared reader (:mod:`aistruct.reader`) stops at the first malformed row
(exit 2). Validation must instead *report* a malformed file (exit 1, naming the
rows), so this module reuses the reader's public steps (:func:`aistruct.reader.read_input`
for the bytes, :func:`~aistruct.reader.decode`, the parser registry for records formats)
but splits delimited text itself:

* fast path: pyarrow parses the whole file with every cell as text;
* slow path, only when pyarrow refuses the file (a row with the wrong number of
  fields): Python's :mod:`csv` walks it record by record and lists every such row.

Rows are numbered as a spreadsheet shows them: the header is row 1, the first
record row 2, and a blank line is a row of its own. (A quoted cell spanning
several lines is one row, so the row can differ from the file's line number.)
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from typing import Any, Callable

from aistruct import reader
from aistruct.errors import InputError, long_option
from aistruct.validation.duplicates import column_key, first_index, group_ids  # noqa: F401  (ids: used from here)
from aistruct.validation.report import FAIL, WARN, Check, Example, make_check


@dataclass
class Cells:
    """A table as text cells: positional columns ``0..n-1``, ``""`` for an empty cell.

    ``frame`` holds only the usable rows (not blank, right number of fields);
    ``rows`` gives each one's spreadsheet row number; ``records`` counts every
    data row of the file, blank and ragged ones included.
    """

    names: list
    frame: Any
    rows: Any
    records: int
    format: str
    lines: Callable[[int], int] | None = None
    keys: dict = field(default_factory=dict, repr=False)

    def key(self, col: int) -> Any:
        """Column ``col`` prepared for :func:`~aistruct.validation.duplicates.duplicate_rows`, built once."""
        if col not in self.keys:
            self.keys[col] = column_key(self.frame[col])
        return self.keys[col]

    def line_of(self, row: int | None) -> int | None:
        """The file line where spreadsheet row ``row`` starts (None: unknown, or not a text file)."""
        if row is None or self.lines is None:
            return None
        return self.lines(int(row))


@dataclass
class Loaded:
    source: str
    format: str | None
    cells: Cells | None
    checks: list = field(default_factory=list)
    credit: str | None = None


# ---------------------------------------------------------------- helpers


def _line_of(text_or_bytes, offset: int) -> int:
    newline = b"\n" if isinstance(text_or_bytes, bytes) else "\n"
    return text_or_bytes[:offset].count(newline) + 1


def delimited_lines(text: str, delimiter: str, rows: int, raw=None) -> Callable[[int], int] | None:
    """Where each spreadsheet row of delimited ``text`` starts in the file: ``line_of(row)``.

    A quoted cell may span lines, so after one the row and the file line (lines ending
    in ``\\n``, as an editor and GitHub count them) differ. Fast path: a line break ends
    a record when an even number of quote characters precede it (doubled quotes keep
    the parity). Only the breaks after the first quote of the file can be inside a cell
    (and, when the quotes are even in number, only those before the last), so only that
    stretch is scanned, and only the breaks inside cells are kept: the memory is one number
    per break inside a cell. When the parity does not give ``rows`` records (a quote inside
    an unquoted cell), Python's :mod:`csv` walks the text
    and records where each row starts. ``raw``: the text's UTF-8 bytes, when at hand.
    """
    import numpy as np

    data = raw if raw is not None else text.encode("utf-8")
    first_quote = data.find(b'"')
    if first_quote < 0:
        return lambda row: row
    last_quote = data.rfind(b'"')
    span = np.frombuffer(data, dtype=np.uint8, count=last_quote - first_quote + 1, offset=first_quote)
    quotes = np.flatnonzero(span == 34)
    if len(quotes) % 2:  # an odd count: the breaks after the last quote count as inside too
        span = np.frombuffer(data, dtype=np.uint8, offset=first_quote)
    breaks = np.flatnonzero(span == 10)
    del span
    inside = np.searchsorted(quotes, breaks) % 2 == 1
    del quotes, breaks
    ends = data.count(b"\n") - int(np.count_nonzero(inside))
    if ends == (rows if text.endswith("\n") else rows - 1):
        # the 0-based record holding each break inside a cell (every break before the first quote ends one)
        extra = data.count(b"\n", 0, first_quote) + np.cumsum(~inside)[inside]
        return lambda row: row + int(np.searchsorted(extra, row - 1, side="left"))
    import csv

    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    starts = [1]
    for _ in reader:
        starts.append(reader.line_num + 1)
    return lambda row: starts[row - 1] if 1 <= row <= len(starts) else row


def jsonl_lines(text: str) -> Callable[[int], int]:
    """``line_of(row)`` for JSON lines: row 2 is the first non-blank line (the records have no header row)."""
    nonblank = [n for n, line in enumerate(text.splitlines(), start=1) if line.strip()]
    return lambda row: nonblank[row - 2] if 2 <= row < len(nonblank) + 2 else row


def _strip_source(message: str, what: str) -> str:
    prefix = f"{what}: "
    return message[len(prefix) :] if message.startswith(prefix) else message


# ---------------------------------------------------------------- bytes and text


def read_bytes(source: str, read) -> tuple[bytes, str, str, str | None]:
    """(bytes, format, shown name, credit) with the reader's rules; unusable input raises (exit 2)."""
    got = reader.read_input(source, read)
    return got.data, got.format, got.source, got.credit


def decode(data: bytes, encoding: str | None, what: str) -> tuple[str | None, Check]:
    """The text, or None and a failed ``encoding`` check naming the row of the first bad byte.

    UTF-8 bytes holding a NUL are refused before they are decoded, as the reader does:
    a sparse file of gigabytes of zeros would otherwise be copied once more as text.
    """
    if reader.is_utf8(encoding) and not reader.has_utf16_bom(data):
        nul = data.find(b"\x00")
        if nul >= 0:
            at = len(data[:nul].decode("utf-8", errors="replace").removeprefix("\ufeff"))
            row = _line_of(data, nul)
            message = f"row {row}: NUL byte at character {at}; binary content, not a text table"
            ex = Example(row, None, None, message, line=row)
            return None, Check("encoding", FAIL, data.count(b"\x00"), [ex])
    try:
        text = reader.decode(data, encoding, what)
    except InputError as exc:
        try:
            data.decode(encoding or "utf-8")
            start = 0
        except UnicodeDecodeError as err:
            start = err.start
        row = _line_of(data, start)
        value = data[start : start + 8].hex(" ")
        ex = Example(row, None, value, f"row {row}: {_strip_source(exc.render(long_option), what)}", line=row)
        return None, Check("encoding", FAIL, 1, [ex])
    if "\x00" in text:
        at = text.index("\x00")
        row = _line_of(text, at)
        ex = Example(
            row, None, None, f"row {row}: NUL byte at character {at}; binary content, not a text table", line=row
        )
        return None, Check("encoding", FAIL, text.count("\x00"), [ex])
    return text, Check("encoding")


# ---------------------------------------------------------------- header


def header_checks(names: list, max_examples: int) -> tuple[list, bool]:
    """``header``, ``names-non-empty``, ``names-unique``; the bool says whether to go on."""
    from aistruct.numbers import BadNumber, parse_number

    if not names or all(not str(n).strip() for n in names):
        ex = Example(1, None, None, "row 1 is blank: the first row must hold the column names")
        return [Check("header", FAIL, 1, [ex])], False

    def is_number(name) -> bool:
        try:
            return parse_number(str(name)) is not None
        except BadNumber:
            return False

    checks = []
    if all(is_number(n) for n in names):
        shown = ", ".join(str(n) for n in names[:5])
        ex = Example(1, None, shown, "row 1 looks like data, not column names: every name is a number")
        checks.append(Check("header", FAIL, 1, [ex]))
    else:
        checks.append(Check("header"))
    blank = [Example(1, None, str(n), f"column {i + 1} has no name") for i, n in enumerate(names) if not str(n).strip()]
    checks.append(make_check("names-non-empty", len(blank), blank, max_examples=max_examples))
    seen: dict = {}
    dups = []
    for i, n in enumerate(names):
        key = str(n)
        if key.strip() and key in seen:
            dups.append(Example(1, key, key, f"column {i + 1} repeats the name of column {seen[key] + 1}"))
        seen.setdefault(key, i)
    checks.append(make_check("names-unique", len(dups), dups, max_examples=max_examples))
    return checks, True


# ---------------------------------------------------------------- delimited text


def _arrow_cells(raw, delimiter: str, n: int):
    """The table parsed by pyarrow from UTF-8 bytes, every cell as text (header as row 0;
    large_string, as pandas keeps text); None if pyarrow refuses it."""
    import pyarrow as pa
    import pyarrow.csv as pacsv

    from aistruct.reader.parsers import may_quote_newlines

    try:
        return pacsv.read_csv(
            pa.BufferReader(pa.py_buffer(raw)),
            read_options=pacsv.ReadOptions(block_size=1 << 24, autogenerate_column_names=True),
            parse_options=pacsv.ParseOptions(
                delimiter=delimiter, newlines_in_values=may_quote_newlines(raw), ignore_empty_lines=False
            ),
            convert_options=pacsv.ConvertOptions(
                column_types={f"f{i}": pa.large_string() for i in range(n)},
                null_values=[],
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return None


def _python_cells(text: str, delimiter: str, n: int, max_examples: int):
    """Record by record: usable rows, their row numbers, blank rows, ragged rows (count + examples)."""
    import csv
    import sys

    # Python's csv refuses fields over 128 KiB by default; a long cell is not a structural fault.
    csv.field_size_limit(max(csv.field_size_limit(), min(len(text) + 1, sys.maxsize)))
    records = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    next(records, None)
    good, good_rows, blank_rows = [], [], []
    ragged = 0
    ragged_examples: list = []
    row = 1
    try:
        for row, rec in enumerate(records, start=2):
            if not rec or all(not f.strip() for f in rec):
                blank_rows.append(row)
            elif len(rec) != n:
                ragged += 1
                if len(ragged_examples) < max_examples:
                    ragged_examples.append(
                        Example(
                            row,
                            None,
                            delimiter.join(rec),
                            f"row {row} has {len(rec)} field{'s' if len(rec) != 1 else ''}, the header has {n}",
                        )
                    )
            else:
                good.append(rec)
                good_rows.append(row)
    except csv.Error as exc:  # pragma: no cover - only an unlimited field size could trigger it
        ragged += 1
        ragged_examples.append(Example(row + 1, None, None, f"row {row + 1}: cannot split into fields ({exc})"))
    return good, good_rows, blank_rows, ragged, ragged_examples, row - 1


def _header(text: str, delimiter: str) -> list:
    """The first record of ``text`` (the column names), read from as short a prefix as holds it."""
    import csv

    size = 1 << 16
    while True:
        prefix = text[:size]
        buffer = io.StringIO(prefix, newline="")
        first = next(csv.reader(buffer, delimiter=delimiter), [])
        if size >= len(text) or buffer.tell() < len(prefix):  # the record ended inside the prefix
            return first
        size *= 4


def _maybe_blank(col) -> Any:
    """Per cell of a pyarrow string column: False where the cell is surely not blank (its first
    byte is a visible ASCII character), True where it may be (empty, or a space, a control or a
    non-ASCII character first)."""
    import numpy as np
    import pyarrow as pa

    out = []
    for chunk in col.chunks if hasattr(col, "chunks") else [col]:
        if not len(chunk):
            continue
        width = np.int64 if pa.types.is_large_string(chunk.type) else np.int32
        buffers = chunk.buffers()
        offsets = np.frombuffer(
            buffers[1], dtype=width, count=len(chunk) + 1, offset=chunk.offset * np.dtype(width).itemsize
        )
        data = buffers[2]
        if data is None or data.size == 0:
            out.append(np.ones(len(chunk), dtype=bool))
            continue
        raw = np.frombuffer(data, dtype=np.uint8)
        starts = offsets[:-1]
        first = raw[np.minimum(starts, len(raw) - 1)]
        out.append((offsets[1:] == starts) | (first <= 0x20) | (first >= 0x7F))
    return np.concatenate(out) if out else np.zeros(0, dtype=bool)


def _blank_rows(body) -> Any:
    """A bool per row of a pyarrow table of text: every cell empty or whitespace (pyarrow's
    ``utf8_trim_whitespace``), tested exactly on the rows whose first bytes allow it."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    if body.num_columns == 0:
        return np.ones(body.num_rows, dtype=bool)
    cand = None  # the rows that may still be blank (None: every row)
    for col in body.columns:
        part = col if cand is None else col.take(pa.array(cand))
        maybe = np.flatnonzero(_maybe_blank(part))
        if len(maybe):
            cells = part.take(pa.array(maybe))
            maybe = maybe[pc.equal(pc.utf8_trim_whitespace(cells), "").to_numpy(zero_copy_only=False)]
        cand = maybe if cand is None else cand[maybe]
        if not len(cand):
            break
    blank = np.zeros(body.num_rows, dtype=bool)
    if cand is not None:
        blank[cand] = True
    return blank


def delimited_cells(text: str, delimiter: str, fmt: str, max_examples: int, raw=None) -> tuple[Cells | None, list]:
    """Cells and structural checks of CSV/TSV text (``raw``: its UTF-8 bytes, when at hand)."""
    import csv
    import sys

    import numpy as np
    import pandas as pd

    if not text or text.isspace():
        return None, [Check("header", FAIL, 1, [Example(1, None, None, "the file is empty: no header row")])]
    # Python's csv refuses fields over 128 KiB by default, the header's too.
    csv.field_size_limit(max(csv.field_size_limit(), min(len(text) + 1, sys.maxsize)))
    first = _header(text, delimiter)
    checks, go_on = header_checks(first, max_examples)
    if not go_on:
        return None, checks
    n = len(first)
    if raw is None:
        raw = text.encode("utf-8")
    table = _arrow_cells(raw, delimiter, n)
    if table is not None and table.num_columns == n:
        body = table.slice(1)
        records = body.num_rows
        blank = _blank_rows(body)
        rows = np.arange(2, records + 2, dtype=np.int64)
        blank_rows = rows[blank]
        keep = ~blank
        if blank.any():
            import pyarrow as pa

            body = body.filter(pa.array(keep))
        frame = pd.DataFrame({i: body.column(i).to_pandas() for i in range(n)})
        rows = rows[keep]
        checks.append(Check("field-count"))
    else:
        good, good_rows, blank_list, ragged, ragged_examples, records = _python_cells(text, delimiter, n, max_examples)
        frame = (
            pd.DataFrame(good, columns=range(n), dtype="str")
            if good
            else pd.DataFrame({i: pd.Series([], dtype="str") for i in range(n)})
        )
        rows = np.asarray(good_rows, dtype=np.int64)
        blank_rows = np.asarray(blank_list, dtype=np.int64)
        checks.append(make_check("field-count", ragged, ragged_examples, max_examples=max_examples))
    blank_ex = [Example(int(r), None, None, f"row {int(r)} is blank") for r in blank_rows[:max_examples]]
    checks.append(make_check("no-blank-rows", len(blank_rows), blank_ex, max_examples=max_examples))
    lines = delimited_lines(text, delimiter, int(records) + 1, raw)
    cells = Cells(names=[str(x) for x in first], frame=frame, rows=rows, records=int(records), format=fmt, lines=lines)
    return cells, checks


# ---------------------------------------------------------------- records formats


def _column_text(series):
    """A column of any dtype as text cells; missing as ''."""
    import numpy as np
    import pandas as pd

    if pd.api.types.is_bool_dtype(series):
        return series.map({True: "true", False: "false"}).fillna("").astype("str")
    if pd.api.types.is_integer_dtype(series) or pd.api.types.is_float_dtype(series):
        values = series.to_numpy(dtype=np.float64, na_value=np.nan)
        out = np.array([repr(v) for v in values.tolist()], dtype=object) if len(values) else np.array([], object)
        whole = np.isfinite(values) & (np.mod(values, 1) == 0) & (np.abs(values) < 2**53)
        out[whole] = values[whole].astype(np.int64).astype(str)
        out[np.isnan(values)] = ""
        return pd.Series(out, index=series.index, dtype="str")

    def text(v) -> str:
        if v is None or (isinstance(v, float) and np.isnan(v)) or v is pd.NaT:
            return ""
        if isinstance(v, bool):
            return "true" if v else "false"
        if isinstance(v, float) and v.is_integer() and abs(v) < 2**53:
            return str(int(v))
        if hasattr(v, "isoformat"):
            iso = v.isoformat()
            return iso[:10] if iso.endswith("T00:00:00") else iso
        return str(v)

    return series.map(text).astype("str")


def records_cells(frame, fmt: str, max_examples: int) -> tuple[Cells | None, list]:
    """Cells and structural checks of a table read from JSON, JSON lines, Parquet or xlsx."""
    import numpy as np
    import pandas as pd

    names = ["" if c is None else str(c) for c in frame.columns]
    checks, go_on = header_checks(names, max_examples)
    if not go_on:
        return None, checks
    text = pd.DataFrame({i: _column_text(frame.iloc[:, i]) for i in range(len(names))})
    records = len(text)
    rows = np.arange(2, records + 2, dtype=np.int64)
    blank = np.ones(records, dtype=bool)
    for i in text.columns:
        blank &= (text[i].str.strip() == "").to_numpy(dtype=bool)
    blank_rows = rows[blank]
    blank_ex = [Example(int(r), None, None, f"row {int(r)} is blank") for r in blank_rows[:max_examples]]
    checks.append(make_check("no-blank-rows", len(blank_rows), blank_ex, max_examples=max_examples))
    text = text[~blank].reset_index(drop=True)
    return Cells(names=names, frame=text, rows=rows[~blank], records=records, format=fmt), checks


# ---------------------------------------------------------------- row-level checks


def row_checks(cells: Cells, max_examples: int) -> list:
    """``no-duplicate-rows`` (warn) and ``has-rows`` (warn)."""
    from aistruct.validation.duplicates import duplicate_rows

    frame = cells.frame
    examples = []
    count = 0
    if len(frame):
        dup, first = duplicate_rows([cells.key(c) for c in frame.columns])
        count = len(dup)
        for i, j in zip(dup[:max_examples], first[:max_examples]):
            r, f = int(cells.rows[i]), int(cells.rows[j])
            examples.append(Example(r, None, None, f"row {r} repeats row {f} exactly"))
    checks = [make_check("no-duplicate-rows", count, examples, severity=WARN, max_examples=max_examples)]
    if cells.records == 0:
        checks.append(Check("has-rows", WARN, 1, [Example(1, None, None, "the table has a header but no rows")]))
    else:
        checks.append(Check("has-rows"))
    return checks


def load(source: str, read, max_examples: int) -> Loaded:
    """Read ``source`` and run the structural checks. Unusable input raises (exit 2)."""
    data, fmt, what, credit = read_bytes(source, read)
    parser = reader.PARSERS[fmt]
    checks: list = []
    if parser.binary:
        try:
            frame = reader.parse(data, fmt, read, what)
        except InputError as exc:
            return Loaded(
                what,
                fmt,
                None,
                [Check("format", FAIL, 1, [Example(None, None, None, _strip_source(exc.render(long_option), what))])],
                credit,
            )
        cells, more = records_cells(frame, fmt, max_examples)
        return Loaded(what, fmt, cells, more, credit)
    text, enc = decode(data, read.encoding, what)
    # the text's UTF-8 bytes are the file's when it is UTF-8 (decoding checked them): not encoded again
    raw = None
    utf8 = read.encoding is None or read.encoding.lower() in ("utf-8", "utf8", "utf_8")
    if text is not None and utf8 and not reader.has_utf16_bom(data):
        raw = data[3:] if data.startswith(b"\xef\xbb\xbf") else data
    del data
    checks.append(enc)
    if text is None:
        return Loaded(what, fmt, None, checks, credit)
    if parser.delimiter is None:
        try:
            frame = reader.parse_text(text, fmt, read, what)
        except InputError as exc:
            checks.append(
                Check("format", FAIL, 1, [Example(None, None, None, _strip_source(exc.render(long_option), what))])
            )
            return Loaded(what, fmt, None, checks, credit)
        checks.append(Check("format"))
        cells, more = records_cells(frame, fmt, max_examples)
        if cells is not None and fmt == "jsonl":
            cells.lines = jsonl_lines(text)
    else:  # delimited text is split here, into text cells, so that every ragged row is reported
        delimiter = reader.delimiter_for(text[: 1 << 16], fmt, getattr(read, "delimiter", None))
        cells, more = delimited_cells(text, delimiter, fmt, max_examples, raw)
    return Loaded(what, fmt, cells, checks + more, credit)
