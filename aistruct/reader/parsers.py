"""Cells from bytes: one registry :data:`PARSERS` ``{format: Parser}``, the only place a format is declared.

Each :class:`Parser` names its format, the extensions that select it, how it turns
bytes or decoded text into a ``pandas.DataFrame``, and the little the rest of the
package needs to know about it (its default field separator if it is delimited text,
how messages name one of its records). :func:`parse` is the one dispatch over it.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from aistruct.errors import InputError, UsageError
from aistruct.reader.options import check_delimiter, too_large
from aistruct.reader.text import decode, has_utf16_bom, is_utf8

if TYPE_CHECKING:
    from aistruct.reader.options import ReadOptions

FormatName = Literal["csv", "tsv", "json", "jsonl", "parquet", "xlsx"]
"""The name of an input format: a key of :data:`PARSERS` (a test keeps the two equal)."""

BytesParser = Callable[[Any, "ReadOptions", str, Any], Any]  # (data, options, what, progress) -> DataFrame
TextParser = Callable[[str, "ReadOptions", str], Any]  # (text, options, what) -> DataFrame
RecordName = Literal["row", "line", "record"]


@dataclass(frozen=True)
class Parser:
    """How one input format is recognised and read into a DataFrame.

    ``parse_text`` reads decoded text; it is ``None`` for a binary format, which
    ``parse_bytes`` reads from the bytes as they are. For a text format ``parse_bytes``
    is an optional faster path, taken when the bytes are UTF-8. ``delimiter`` is the
    default field separator of delimited text (``None``: not delimited). ``record``
    names one record in messages: ``"row"`` (a spreadsheet row, the header counted),
    ``"line"`` or ``"record"``. ``aliases`` are other names ``--input-format`` accepts.
    """

    name: str
    extensions: tuple[str, ...]
    parse_text: TextParser | None = None
    parse_bytes: BytesParser | None = None
    delimiter: str | None = None
    record: RecordName = "record"
    aliases: tuple[str, ...] = ()

    @property
    def binary(self) -> bool:
        """Read from the bytes only: never decoded, never sniffed for compression (an xlsx is a zip)."""
        return self.parse_text is None


# ---------------------------------------------------------------- Arrow tables

UNUSABLE = "aistruct_unusable"
"""The key of ``DataFrame.attrs`` under which :func:`arrow_frame` lists the columns it left out."""

_NESTED = (
    ("is_list", "lists"),
    ("is_large_list", "lists"),
    ("is_fixed_size_list", "lists"),
    ("is_struct", "structs"),
    ("is_map", "maps"),
    ("is_union", "unions"),
)
_DATE_MIN, _DATE_MAX = -719_162, 2_932_896  # 0001-01-01 and 9999-12-31, in days since 1970-01-01


def _is_binary(t) -> bool:
    import pyarrow as pa

    return pa.types.is_binary(t) or pa.types.is_large_binary(t) or pa.types.is_fixed_size_binary(t)


def _first_not_utf8(column) -> int:
    for i, cell in enumerate(column.to_pylist()):
        try:
            if cell is not None:
                cell.decode("utf-8")
        except UnicodeDecodeError:
            return i
    return 0  # pragma: no cover - the cast failed, so some cell is not UTF-8


def _outside_python_dates(column, t) -> bool:
    """Whether a date or timestamp column holds a day before year 1 or after 9999 (Python cannot hold it)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if pa.types.is_timestamp(t):
        days = pc.cast(pc.cast(column, pa.timestamp("s", t.tz)), pa.int64())
        days = pc.floor(pc.divide(pc.cast(days, pa.float64()), 86400.0))
    elif pa.types.is_date32(t) or pa.types.is_date64(t):
        days = pc.cast(pc.cast(column, pa.date32()), pa.int32())
    else:
        return False
    lo_hi = pc.min_max(days).as_py()
    return lo_hi["min"] is not None and (lo_hi["min"] < _DATE_MIN or lo_hi["max"] > _DATE_MAX)


def arrow_frame(table, record: RecordName, first: int):
    """``table`` (a ``pyarrow.Table``) as a DataFrame, without the columns pandas cannot hold.

    Binary columns that are UTF-8 become text; those that are not, and list, struct,
    map or union columns, are left out and named with the reason in
    ``frame.attrs[UNUSABLE]`` ``{column: reason}`` (a command that uses one refuses it,
    naming it; the others never see it). Dates before year 1 or after 9999 stay text,
    as written. ``record`` and ``first`` (the number of the first record) name a cell.
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    unusable: dict[str, str] = {}
    keep, arrays = [], []
    changed = False
    for name, column in zip(table.column_names, table.columns):
        t = column.type
        nested = next((what for test, what in _NESTED if getattr(pa.types, test)(t)), None)
        if nested is not None:
            unusable[str(name)] = f"holds {nested}"
            continue
        changed = changed or _is_binary(t)
        if _is_binary(t):
            try:
                column = pc.cast(column, pa.large_string() if pa.types.is_large_binary(t) else pa.string())
            except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
                where = f"{record} {_first_not_utf8(column) + first}"
                unusable[str(name)] = f"holds binary data that is not UTF-8 text ({where})"
                continue
        elif _outside_python_dates(column, t):
            column = pc.cast(column, pa.string())
            changed = True
        keep.append(name)
        arrays.append(column)
    frame = (pa.Table.from_arrays(arrays, names=keep) if changed or unusable else table).to_pandas()
    frame.attrs[UNUSABLE] = unusable
    return frame


# ---------------------------------------------------------------- delimited text


def _first_ragged_row(text: str, delimiter: str) -> tuple[int, int, int] | None:
    """(line, expected, got) of the first record whose field count differs from the header's."""
    import csv

    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    expected = None
    try:
        for row in reader:
            if expected is None:
                expected = len(row)
                continue
            if row and len(row) != expected:
                return reader.line_num, expected, len(row)
    except csv.Error:
        return None
    return None


def delimiter_for(text: str, fmt: str, explicit: str | None) -> str:
    """The field separator of delimited ``text`` in format ``fmt``: ``explicit`` (``--delimiter``;
    ``tab`` or ``\\t`` for a tab) if given, else the format's own, except that a ``,``-separated
    format reads ``;`` when the header (first line) uses ``;`` and no ``,``.

    Spreadsheets in countries with a decimal comma write ';'-separated CSV.
    """
    if explicit is not None:
        if explicit in ("\\t", "tab"):
            return "\t"
        check_delimiter(explicit)
        return explicit
    default = PARSERS[fmt].delimiter or ","
    if default != ",":
        return default
    header = text[: text.find("\n")] if "\n" in text else text
    if "," not in header and ";" in header:
        return ";"
    return ","


def _header_text(buf) -> str:
    """The first line of UTF-8 bytes, for sniffing the delimiter (undecodable bytes replaced)."""
    head = bytes(buf[: 1 << 16])
    end = head.find(b"\n")
    return (head if end < 0 else head[:end]).decode("utf-8", errors="replace")


class _CountingReader(io.RawIOBase):
    """A read-only file over a buffer that reports how many bytes were read (for a progress bar)."""

    def __init__(self, view, progress):
        self._view = memoryview(view).cast("B")
        self._pos = 0
        self._progress = progress

    def readable(self) -> bool:
        return True

    def readinto(self, b) -> int:
        n = min(len(b), len(self._view) - self._pos)
        b[:n] = self._view[self._pos : self._pos + n]
        self._pos += n
        self._progress("read", self._pos, len(self._view))
        return n

    def close(self) -> None:
        self._view.release()
        super().close()


def may_quote_newlines(buf, start: int = 0) -> bool:
    """False when no cell can hold a line break: no quote character after the header line, and
    the header's quotes pair up. pyarrow then splits the text at every line break, in parallel,
    which is faster than tracking quotes across blocks; the parse is the same either way.
    ``start``: where the header begins (after a byte-order mark). Used by the reader and by
    ``validate``'s own parse."""
    end = buf.find(b"\n", start)
    if end < 0:
        return True
    return bytes(buf[start:end]).count(b'"') % 2 == 1 or buf.find(b'"', end) >= 0


def _parse_delimited_bytes(buf, fmt: str, opts: ReadOptions, what: str, progress=None, block_size: int = 1 << 24):
    """Parse UTF-8 CSV/TSV bytes (``bytes`` or any buffer) with pyarrow, without copying them.

    Only on failure is the text decoded in Python, to say which byte or row is at fault.
    """
    import re

    import pyarrow as pa
    import pyarrow.csv as pacsv

    start = 3 if bytes(buf[:3]) == b"\xef\xbb\xbf" else 0
    nul = buf.find(b"\x00")
    if nul >= 0:
        raise InputError(f"{what}: binary content (NUL byte at offset {nul}); not a text table")
    if re.search(rb"\S", buf) is None:
        raise InputError(f"{what}: empty file (no header, no rows)")
    delimiter = delimiter_for(_header_text(memoryview(buf)[start:]), fmt, opts.delimiter)
    view = pa.py_buffer(buf) if start == 0 else pa.py_buffer(buf)[start:]
    try:
        stream = (
            pa.BufferReader(view)
            if progress is None
            else pa.PythonFile(io.BufferedReader(_CountingReader(view, progress), buffer_size=1 << 20), mode="r")
        )
        table = pacsv.read_csv(
            stream,
            read_options=pacsv.ReadOptions(block_size=block_size),
            parse_options=pacsv.ParseOptions(delimiter=delimiter, newlines_in_values=may_quote_newlines(buf, start)),
            convert_options=pacsv.ConvertOptions(
                null_values=[""], strings_can_be_null=True, quoted_strings_can_be_null=True
            ),
        )
        if any(pa.types.is_binary(f.type) or pa.types.is_large_binary(f.type) for f in table.schema):
            raise UnicodeDecodeError("utf-8", b"", 0, 1, "pyarrow read a column as binary")
        return arrow_frame(table, "row", 2)
    except (pa.ArrowInvalid, pa.ArrowTypeError, UnicodeDecodeError) as exc:
        if "straddl" in str(exc) and block_size < len(view) < (1 << 31) - 1:
            # one field is longer than a block (16 MiB): read again in a single block
            return _parse_delimited_bytes(buf, fmt, opts, what, None, block_size=len(view) + 1)
        text = decode(bytes(buf), opts.encoding if not is_utf8(opts.encoding) else None, what)
        ragged = _first_ragged_row(text, delimiter)
        if ragged:
            line, expected, got = ragged
            raise InputError(f"{what}: row {line} has {got} fields, the header has {expected}") from None
        msg = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise InputError(f"{what}: cannot parse as {'TSV' if delimiter == chr(9) else 'CSV'}: {msg}") from None
    finally:
        del view


def _delimited(fmt: str) -> tuple[TextParser, BytesParser]:
    """The text parser and the UTF-8 fast path of delimited format ``fmt``."""

    def from_text(text: str, opts: ReadOptions, what: str):
        return _parse_delimited_bytes(text.encode("utf-8"), fmt, opts, what)

    def from_bytes(data, opts: ReadOptions, what: str, progress=None):
        return _parse_delimited_bytes(data, fmt, opts, what, progress)

    return from_text, from_bytes


# ---------------------------------------------------------------- records


def _no_lone_surrogates(doc: Any, text: str, what: str) -> None:
    """JSON may escape lone surrogates (\\ud800); they are not text and nothing downstream can encode them."""
    import json
    import re

    if re.search(r"\\u[dD][89a-fA-F]", text) is None:  # fast path: no surrogate escape at all
        return
    try:
        json.dumps(doc, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError as exc:
        bad = exc.object[exc.start : exc.end] if isinstance(exc.object, str) else ""
        raise InputError(f"{what}: a string holds a lone surrogate {bad!r}; not valid Unicode text") from None


class _Repeated(dict):
    """A JSON object in which ``key`` appears more than once (the last value kept, as json does)."""

    key = ""


def _json_object(pairs: list) -> dict:
    """``object_pairs_hook``: a dict, marked :class:`_Repeated` when a key repeats."""
    obj = dict(pairs)
    if len(obj) == len(pairs):
        return obj
    seen: set = set()
    marked = _Repeated(obj)
    for key, _ in pairs:
        if key in seen:
            marked.key = key
            break
        seen.add(key)
    return marked


def _json_int(text: str):
    """``parse_int``: an int, or the digits as written when Python refuses to convert that many."""
    import sys

    limit = sys.get_int_max_str_digits() if hasattr(sys, "get_int_max_str_digits") else 0
    return text if limit and len(text.lstrip("-")) > limit else int(text)


def _json_float(text: str):
    """``parse_float``: a float, or the number as written when it overflows (``1e999``), so a
    value column refuses it showing what the file says rather than ``inf``."""
    import math

    value = float(text)
    return text if math.isinf(value) else value


def _json_loads(text: str):
    import json

    return json.loads(text, object_pairs_hook=_json_object, parse_int=_json_int, parse_float=_json_float)


def _no_repeated_key(obj: Any, where: str, what: str) -> None:
    if isinstance(obj, _Repeated):
        raise InputError(f"{what}: {where}: key {obj.key!r} appears more than once")


def _records_frame(records: Any, what: str):
    import pandas as pd

    if isinstance(records, dict) and "data" in records:
        _no_repeated_key(records, "the top-level object", what)
        records = records["data"]
    if not isinstance(records, list) or not all(isinstance(r, dict) for r in records):
        raise InputError(f"{what}: JSON must be an array of objects, or an object with a 'data' array of objects")
    for i, rec in enumerate(records):
        _no_repeated_key(rec, f"record {i + 1}", what)
        for key, val in rec.items():
            if isinstance(val, (dict, list)):
                raise InputError(f"{what}: record {i + 1}: field {key!r} holds a nested {type(val).__name__}")
    return pd.DataFrame.from_records(records)


def _parse_json(text: str, opts: ReadOptions, what: str):
    import json

    if not text.strip():
        raise InputError(f"{what}: empty file")
    try:
        doc = _json_loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(f"{what}: invalid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}") from None
    except RecursionError:
        raise InputError(f"{what}: JSON nested too deeply") from None
    _no_lone_surrogates(doc, text, what)
    return _records_frame(doc, what)


def _parse_jsonl(text: str, opts: ReadOptions, what: str):
    import json

    records = []
    for n, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            rec = _json_loads(line)
        except (json.JSONDecodeError, RecursionError) as exc:
            raise InputError(f"{what}: line {n}: invalid JSON ({getattr(exc, 'msg', 'nested too deeply')})") from None
        if not isinstance(rec, dict):
            raise InputError(f"{what}: line {n}: each line must be a JSON object")
        _no_repeated_key(rec, f"line {n}", what)
        rec = dict(rec)
        records.append(rec)
    if not records:
        raise InputError(f"{what}: empty file (no records)")
    _no_lone_surrogates(records, text, what)
    return _records_frame(records, what)


# ---------------------------------------------------------------- binary


_PARQUET_WIDTH = {"BOOLEAN": 1, "INT32": 4, "FLOAT": 4, "INT64": 8, "DOUBLE": 8, "INT96": 12, "BYTE_ARRAY": 4}


def _parquet_floor(metadata) -> int:
    """The fewest bytes the columns of a Parquet file take once decoded, from its footer alone.

    Per column chunk: its uncompressed pages, or its values times the width of one value
    (a string: its 4-byte offset), whichever is larger; dictionary encoding makes the pages
    tiny, never the values.
    """
    total = 0
    for g in range(metadata.num_row_groups):
        group = metadata.row_group(g)
        for c in range(group.num_columns):
            chunk = group.column(c)
            width = _PARQUET_WIDTH.get(chunk.physical_type, 1)
            total += max(chunk.total_uncompressed_size, chunk.num_values * width)
    return total


def _read_parquet_bounded(pf, limit: int, what: str):
    """The table of ``pf`` (a ``pyarrow.parquet.ParquetFile``), decoded in batches and refused
    as soon as more than ``limit`` bytes are decoded.

    The first 64 rows give the width of a row; batches are then sized to take about an
    eighth of ``limit`` each (at most 65,536 rows), so a file of few rows of huge cells
    stops near the limit rather than after one enormous batch.
    """
    import pyarrow as pa

    floor = _parquet_floor(pf.metadata)
    if floor > limit:
        raise too_large(what, limit, f"once decoded (its metadata says at least {floor:,})")
    first = next(pf.iter_batches(batch_size=64), None)
    if first is None:
        return pf.schema_arrow.empty_table()
    width = max(1, first.nbytes // max(1, len(first)))
    size = max(1, min(1 << 16, limit // (8 * width)))
    batches, total = [], 0
    for batch in pf.iter_batches(batch_size=size):
        total += batch.nbytes
        if total > limit:
            raise too_large(what, limit, "once decoded")
        batches.append(batch)
    return pa.Table.from_batches(batches, schema=pf.schema_arrow)


def _parse_parquet(data, opts: ReadOptions, what: str, progress=None):
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        table = _read_parquet_bounded(pq.ParquetFile(pa.BufferReader(data)), opts.max_bytes, what)
    except InputError:
        raise
    except Exception as exc:  # pyarrow raises several types for corrupt files
        raise InputError(f"{what}: not a readable Parquet file ({str(exc).splitlines()[0]})") from None
    return arrow_frame(table, "record", 1)


_SHARED_STRINGS = "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"
_STRING_COST = 57  # bytes a shared string takes besides its text: a Python str (49) and its slot in the table (8)
_CELL_COST = 16  # bytes a cell takes at least: its slot in its row and in the DataFrame's column


def _shared_string_parts(zf) -> list[str]:
    """The zip members holding shared strings: those ``[Content_Types].xml`` says are, as openpyxl finds them."""
    import xml.etree.ElementTree as ET

    names = {m.filename for m in zf.infolist()}
    parts = [n for n in names if n.lower().endswith("sharedstrings.xml")]
    if "[Content_Types].xml" in names:
        try:
            root = ET.fromstring(zf.read("[Content_Types].xml"))
        except ET.ParseError:
            return parts
        for node in root.iter():
            if node.tag.endswith("Override") and node.get("ContentType") == _SHARED_STRINGS:
                name = (node.get("PartName") or "").lstrip("/")
                if name in names and name not in parts:
                    parts.append(name)
    return parts


def _count_shared_strings(zf, name: str, stop: int) -> int:
    """The ``<si>`` elements of part ``name``, decompressed 1 MiB at a time; counting stops past ``stop``.

    Text cannot hold ``<``, so each ``<si`` opens one (no other element of the table starts
    with ``si``); a prefixed ``<x:si>`` counts twice with its ``</x:si>``, erring on the safe side.
    """
    count, tail = 0, b""
    with zf.open(name) as fh:
        while count <= stop:
            chunk = fh.read(1 << 20)
            if not chunk:
                break
            window = tail + chunk  # a tag cut in two; the 2 bytes kept cannot hold a whole one
            count += window.count(b"<si") + window.count(b":si")
            tail = window[-2:]
    return count


def _xlsx_cost(data, limit: int, what: str) -> int:
    """The fewest bytes the workbook ``data`` takes once decoded, refused past ``limit``, from the zip alone.

    A workbook is a zip of XML: a few MB can hold hundreds of MB of XML, and tens of millions
    of shared strings, which openpyxl builds whole (one Python string each, minutes of work)
    before the first row. The sizes the zip directory declares are the most ``zipfile`` will
    produce; each shared string counts :data:`_STRING_COST` bytes more. The strings are
    counted by streaming their part, never built.
    """
    import zipfile
    import zlib

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            declared = sum(m.file_size for m in zf.infolist())
            if declared > limit:
                raise too_large(what, limit, f"once decompressed (its parts declare {declared:,})")
            strings = 0
            for name in _shared_string_parts(zf):
                strings += _count_shared_strings(zf, name, (limit - declared) // _STRING_COST - strings)
    except InputError:
        raise
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, RuntimeError, NotImplementedError, zlib.error):
        return 0  # openpyxl says what is wrong with it
    cost = declared + strings * _STRING_COST
    if cost > limit:
        raise too_large(
            what, limit, f"once decoded (its parts declare {declared:,} and at least {strings:,} shared strings)"
        )
    return cost


def _parse_xlsx(data, opts: ReadOptions, what: str, progress=None):
    import pandas as pd

    try:
        import openpyxl
    except ImportError:
        raise UsageError(f"{what}: reading .xlsx needs openpyxl: pip install 'aistruct[xlsx]'") from None
    sheet = opts.sheet
    data = bytes(data)
    spent = _xlsx_cost(data, opts.max_bytes, what)
    try:
        wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:
        raise InputError(f"{what}: not a readable .xlsx workbook ({str(exc).splitlines()[0]})") from None
    if sheet is None:
        ws = wb.worksheets[0]
    elif sheet in wb.sheetnames:
        ws = wb[sheet]
    else:
        raise UsageError(f"{what}: no sheet {sheet!r}; sheets: {', '.join(wb.sheetnames)}")
    # A sheet's rows are padded to the width its <dimension> declares: a few KB of XML can
    # stand for billions of empty cells. Count them as they come, against what is left.
    budget = max(0, opts.max_bytes - spent) // _CELL_COST
    rows, cells = [], 0
    for r in ws.iter_rows(values_only=True):
        cells += len(r)
        if cells > budget:
            wb.close()
            raise too_large(what, opts.max_bytes, f"once decoded (more than {cells:,} cells in sheet {ws.title!r})")
        rows.append(list(r))
    wb.close()
    while rows and all(v is None for v in rows[-1]):
        rows.pop()
    if not rows:
        raise InputError(f"{what}: empty sheet")
    header = ["" if v is None else str(v) for v in rows[0]]
    width = len(header)
    body = [(r + [None] * width)[:width] for r in rows[1:]]
    return pd.DataFrame(body, columns=header)


# ---------------------------------------------------------------- the registry

PARSERS: dict[str, Parser] = {
    p.name: p
    for p in (
        Parser("csv", (".csv", ".txt"), *_delimited("csv"), delimiter=",", record="row"),
        Parser("tsv", (".tsv", ".tab"), *_delimited("tsv"), delimiter="\t", record="row", aliases=("tab",)),
        Parser("json", (".json",), _parse_json),
        Parser("jsonl", (".jsonl", ".ndjson"), _parse_jsonl, record="line"),
        Parser("parquet", (".parquet", ".pq"), parse_bytes=_parse_parquet),
        Parser("xlsx", (".xlsx", ".xlsm"), parse_bytes=_parse_xlsx, record="row"),
    )
}
"""Every input format, by name: the one declaration of each."""

FORMATS: tuple[str, ...] = tuple(PARSERS)
DEFAULT_FORMAT = "csv"  # for standard input and unknown extensions
EXTENSIONS: dict[str, str] = {ext: p.name for p in PARSERS.values() for ext in p.extensions}
ALIASES: dict[str, str] = {alias: p.name for p in PARSERS.values() for alias in p.aliases}


def parse(data, fmt: str, options: ReadOptions, what: str, progress=None):
    """A DataFrame of the cells in ``data``, the (decompressed) bytes of one input in format ``fmt``.

    Binary formats read the bytes; text formats read them directly when they are UTF-8
    and the format has a fast path, else decode them first (:func:`~aistruct.reader.decode`).
    ``progress``, when given, is called as ``progress("read", bytes_done, bytes_total)``
    by parsers that can report it. Unreadable input raises :class:`~aistruct.errors.InputError`.
    """
    parser = PARSERS[fmt]
    if parser.parse_bytes is not None and (parser.binary or (is_utf8(options.encoding) and not has_utf16_bom(data))):
        return parser.parse_bytes(data, options, what, progress)
    return parse_text(decode(bytes(data), options.encoding, what), fmt, options, what)


def parse_text(text: str, fmt: str, options: ReadOptions, what: str):
    """A DataFrame of the cells in already decoded ``text`` of a text format ``fmt`` (not binary)."""
    parser = PARSERS[fmt]
    if parser.parse_text is None:
        raise ValueError(f"{fmt} is a binary format: parse its bytes")
    return parser.parse_text(text, options, what)
