"""The one reader every command uses: bytes in, a raw table out.

``load_table(source, options)`` turns a path, ``-`` (standard input), a bundled
``dataset:NAME`` or an in-memory ``pandas.DataFrame`` into a :class:`RawTable`:
a DataFrame of the file's cells plus what is needed to name rows in messages.
It never writes anything and never evaluates anything it reads.

Formats are chosen by extension or ``input_format``: csv, tsv (``.tsv``/``.tab``),
json (an array of records or ``{"data": [...]}``), jsonl (``.jsonl``/``.ndjson``),
parquet and xlsx. Compressed input (``.gz .bz2 .xz .zip``) is read only with
``decompress=True`` and never beyond ``max_bytes`` of decompressed data.
"""

from __future__ import annotations

import io
import os
import stat
import sys
from dataclasses import dataclass, field
from typing import Any

from aistruct.errors import InputError, UsageError

FORMATS = ("csv", "tsv", "json", "jsonl", "parquet", "xlsx")
COMPRESSIONS = {".gz": "gzip", ".bz2": "bz2", ".xz": "xz", ".zip": "zip"}
_EXTENSIONS = {
    ".csv": "csv",
    ".txt": "csv",
    ".tsv": "tsv",
    ".tab": "tsv",
    ".json": "json",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".parquet": "parquet",
    ".pq": "parquet",
    ".xlsx": "xlsx",
    ".xlsm": "xlsx",
}
_MAGIC = {b"\x1f\x8b": "gzip", b"BZh": "bz2", b"\xfd7zXZ\x00": "xz", b"PK\x03\x04": "zip"}
DEFAULT_MAX_BYTES = 2 * 1024**3
DATASET_PREFIX = "dataset:"


@dataclass
class ReadOptions:
    """How to read the input; the same for every command."""

    input_format: str | None = None
    encoding: str | None = None
    sheet: str | None = None
    decompress: bool = False
    max_bytes: int = DEFAULT_MAX_BYTES
    delimiter: str | None = None  # csv only; default: ',' or ';' when the header has ';' and no ','
    engine: str = "default"  # "duckdb": see aistruct.engines.load_markets (load_table refuses it)


@dataclass
class RawTable:
    """The cells of one input, before any column is interpreted."""

    frame: Any  # pandas.DataFrame; cells as read (numbers stay numbers)
    source: str
    format: str
    credit: str | None = None
    header_rows: int = 1  # rows before the first record (for spreadsheet row numbers)
    warnings: list[str] = field(default_factory=list)

    def row_label(self, position: int) -> str:
        """Name a record by its 0-based position, as a spreadsheet or editor shows it."""
        if self.format in ("csv", "tsv", "xlsx"):
            return f"row {position + 1 + self.header_rows}"
        if self.format == "jsonl":
            return f"line {position + 1}"
        return f"record {position + 1}"


# ---------------------------------------------------------------- bytes


def _format_for(name: str, explicit: str | None) -> tuple[str, str | None]:
    """(format, compression) from the name's extensions, unless given."""
    lower = name.lower()
    compression = None
    for ext, comp in COMPRESSIONS.items():
        if lower.endswith(ext):
            compression = comp
            lower = lower[: -len(ext)]
            break
    if explicit:
        fmt = explicit.lower()
        if fmt == "tab":
            fmt = "tsv"
        if fmt not in FORMATS:
            raise UsageError(f"--input-format: unknown format {explicit!r}; use one of {', '.join(FORMATS)}")
        return fmt, compression
    ext = os.path.splitext(lower)[1]
    return _EXTENSIONS.get(ext, "csv"), compression


def _read_limited(stream, limit: int, what: str) -> bytes:
    """Read at most ``limit`` bytes; one more means the input is too large."""
    chunks = []
    total = 0
    while True:
        chunk = stream.read(min(1 << 20, limit + 1 - total))
        if not chunk:
            break
        chunks.append(chunk)
        total += len(chunk)
        if total > limit:
            raise InputError(
                f"{what}: more than {limit:,} bytes once decompressed; stopped (raise --max-bytes if this is expected)"
            )
    return b"".join(chunks)


def _decompress(data: bytes, compression: str, limit: int, what: str) -> bytes:
    import bz2
    import gzip
    import lzma
    import zipfile
    import zlib

    try:
        if compression == "gzip":
            return _read_limited(gzip.GzipFile(fileobj=io.BytesIO(data)), limit, what)
        if compression == "bz2":
            return _read_limited(bz2.BZ2File(io.BytesIO(data)), limit, what)
        if compression == "xz":
            return _read_limited(lzma.LZMAFile(io.BytesIO(data)), limit, what)
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            members = [m for m in zf.infolist() if not m.is_dir()]
            if len(members) != 1:
                raise InputError(f"{what}: a zip archive must hold exactly one file (it holds {len(members)})")
            with zf.open(members[0]) as fh:
                return _read_limited(fh, limit, what)
    except InputError:
        raise
    except (OSError, EOFError, lzma.LZMAError, zipfile.BadZipFile, ValueError, zlib.error, RuntimeError,
            NotImplementedError) as exc:  # zlib.error: damaged deflate data; the others: encrypted/odd zips
        raise InputError(f"{what}: cannot decompress ({compression}): {exc}") from None


def _read_source_bytes(path: str, what: str, limit: int) -> bytes:
    if path == "-":
        return _read_limited(sys.stdin.buffer, limit, what)
    try:
        st = os.stat(path)
    except FileNotFoundError:
        raise InputError(f"{what}: no such file") from None
    except PermissionError:
        raise InputError(f"{what}: permission denied") from None
    except OSError as exc:
        raise InputError(f"{what}: cannot read ({exc.strerror or exc})") from None
    if stat.S_ISDIR(st.st_mode):
        raise InputError(f"{what}: is a directory, not a file")
    try:
        with open(path, "rb") as fh:
            return fh.read() if stat.S_ISREG(st.st_mode) else _read_limited(fh, limit, what)
    except PermissionError:
        raise InputError(f"{what}: permission denied") from None
    except OSError as exc:
        raise InputError(f"{what}: cannot read ({exc.strerror or exc})") from None


def _suggest_encoding(data: bytes) -> str:
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return "utf-16"
    try:  # optional: charset-normalizer is used when installed, never required
        from charset_normalizer import from_bytes

        best = from_bytes(data[: 1 << 16]).best()
        if best is not None and best.encoding not in ("utf_8", "ascii"):
            return best.encoding.replace("_", "-")
    except Exception:  # pragma: no cover - detector optional and best-effort
        pass
    # Without a detector: GB18030 when the bytes are valid GB18030 (Chinese exports), else
    # Windows-1252 (Western European exports: é is 0xe9, € is 0x80), else Latin-1.
    sample = bytes(data[: 1 << 16])
    for candidate in ("gb18030", "cp1252"):
        try:
            sample.decode(candidate)
            return candidate
        except UnicodeDecodeError as exc:
            if exc.start >= len(sample) - 4 and len(sample) < len(data):  # cut mid-character
                return candidate
    return "latin-1"


def _decode(data: bytes, encoding: str | None, what: str) -> str:
    """Text of the input: UTF-8 (BOM stripped), or UTF-16 when it starts with a UTF-16 BOM,
    unless an encoding is named."""
    if encoding is None and data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        encoding = "utf-16"  # a UTF-16 byte-order mark is unambiguous
    if encoding is None:
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            hint = _suggest_encoding(data)
            raise InputError(
                f"{what}: not valid UTF-8 (byte 0x{data[exc.start]:02x} at offset {exc.start}); "
                f"try --encoding {hint}"
            ) from None
        return text[1:] if text.startswith("\ufeff") else text
    try:
        text = data.decode(encoding)
    except LookupError:
        raise UsageError(f"--encoding: unknown encoding {encoding!r}") from None
    except UnicodeDecodeError as exc:
        raise InputError(
            f"{what}: cannot decode as {encoding} (byte 0x{data[exc.start]:02x} at offset {exc.start})"
        ) from None
    return text[1:] if text.startswith("\ufeff") else text


# ---------------------------------------------------------------- parsers


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


def _delimiter_for(text: str, fmt: str, explicit: str | None) -> str:
    """The field separator: explicit, tab for TSV, else ',' unless the header uses ';' only.

    Spreadsheets in countries with a decimal comma write ';'-separated CSV.
    """
    if explicit is not None:
        if explicit in ("\\t", "tab"):
            return "\t"
        if len(explicit) != 1 or explicit in ('"', "\n", "\r"):
            raise UsageError(f"--delimiter: expected one character (or 'tab'), got {explicit!r}")
        return explicit
    if fmt == "tsv":
        return "\t"
    header = text[: text.find("\n")] if "\n" in text else text
    if "," not in header and ";" in header:
        return ";"
    return ","


_UTF8_NAMES = {None, "utf-8", "utf8", "utf_8", "utf-8-sig", "utf_8_sig", "u8"}


def _is_utf8(encoding: str | None) -> bool:
    return encoding is None or encoding.lower().replace("_", "-") in _UTF8_NAMES


def _header_text(buf, what: str) -> str:
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


def _parse_delimited_bytes(buf, fmt: str, opts: "ReadOptions", what: str, progress=None, block_size: int = 1 << 24):
    """Parse UTF-8 CSV/TSV bytes (``bytes`` or a memory map) with pyarrow, without copying them.

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
    delimiter = _delimiter_for(_header_text(memoryview(buf)[start:], what), fmt, opts.delimiter)
    view = pa.py_buffer(buf) if start == 0 else pa.py_buffer(buf)[start:]
    try:
        stream = pa.BufferReader(view) if progress is None else pa.PythonFile(
            io.BufferedReader(_CountingReader(view, progress), buffer_size=1 << 20), mode="r")
        table = pacsv.read_csv(
            stream,
            read_options=pacsv.ReadOptions(block_size=block_size),
            parse_options=pacsv.ParseOptions(delimiter=delimiter, newlines_in_values=True),
            convert_options=pacsv.ConvertOptions(
                null_values=[""], strings_can_be_null=True, quoted_strings_can_be_null=True
            ),
        )
        if any(pa.types.is_binary(f.type) or pa.types.is_large_binary(f.type) for f in table.schema):
            raise UnicodeDecodeError("utf-8", b"", 0, 1, "pyarrow read a column as binary")
        return table.to_pandas()
    except (pa.ArrowInvalid, pa.ArrowTypeError, UnicodeDecodeError) as exc:
        if "straddl" in str(exc) and block_size < len(view) < (1 << 31) - 1:
            # one field is longer than a block (16 MiB): read again in a single block
            return _parse_delimited_bytes(buf, fmt, opts, what, None, block_size=len(view) + 1)
        text = _decode(bytes(buf), opts.encoding if not _is_utf8(opts.encoding) else None, what)
        ragged = _first_ragged_row(text, delimiter)
        if ragged:
            line, expected, got = ragged
            raise InputError(f"{what}: row {line} has {got} fields, the header has {expected}") from None
        msg = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise InputError(f"{what}: cannot parse as {'TSV' if delimiter == chr(9) else 'CSV'}: {msg}") from None
    finally:
        del view


def _no_lone_surrogates(doc: Any, text: str, what: str) -> None:
    """JSON may escape lone surrogates (\\ud800); they are not text and nothing downstream can encode them."""
    import json
    import re

    if re.search(r"\\u[dD][89a-fA-F]", text) is None:  # fast path: no surrogate escape at all
        return
    try:
        json.dumps(doc, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError as exc:
        bad = exc.object[exc.start:exc.end] if isinstance(exc.object, str) else ""
        raise InputError(f"{what}: a string holds a lone surrogate {bad!r}; not valid Unicode text") from None


def _records_frame(records: Any, what: str):
    import pandas as pd

    if isinstance(records, dict) and "data" in records:
        records = records["data"]
    if not isinstance(records, list) or not all(isinstance(r, dict) for r in records):
        raise InputError(f"{what}: JSON must be an array of objects, or an object with a 'data' array of objects")
    for i, rec in enumerate(records):
        for key, val in rec.items():
            if isinstance(val, (dict, list)):
                raise InputError(f"{what}: record {i + 1}: field {key!r} holds a nested {type(val).__name__}")
    return pd.DataFrame.from_records(records)


def _parse_json(text: str, what: str):
    import json

    if not text.strip():
        raise InputError(f"{what}: empty file")
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(f"{what}: invalid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}") from None
    except RecursionError:
        raise InputError(f"{what}: JSON nested too deeply") from None
    _no_lone_surrogates(doc, text, what)
    return _records_frame(doc, what)


def _parse_jsonl(text: str, what: str):
    import json

    records = []
    for n, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            rec = json.loads(line)
        except (json.JSONDecodeError, RecursionError) as exc:
            raise InputError(f"{what}: line {n}: invalid JSON ({getattr(exc, 'msg', 'nested too deeply')})") from None
        if not isinstance(rec, dict):
            raise InputError(f"{what}: line {n}: each line must be a JSON object")
        records.append(rec)
    if not records:
        raise InputError(f"{what}: empty file (no records)")
    _no_lone_surrogates(records, text, what)
    return _records_frame(records, what)


def _parse_parquet(data: bytes, what: str):
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        return pq.read_table(pa.BufferReader(data)).to_pandas()
    except Exception as exc:  # pyarrow raises several types for corrupt files
        raise InputError(f"{what}: not a readable Parquet file ({str(exc).splitlines()[0]})") from None


def _parse_xlsx(data: bytes, sheet: str | None, what: str):
    import pandas as pd

    try:
        import openpyxl
    except ImportError:
        raise UsageError(
            f"{what}: reading .xlsx needs openpyxl: pip install 'aistruct[xlsx]'"
        ) from None
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
    rows = [list(r) for r in ws.iter_rows(values_only=True)]
    wb.close()
    while rows and all(v is None for v in rows[-1]):
        rows.pop()
    if not rows:
        raise InputError(f"{what}: empty sheet")
    header = ["" if v is None else str(v) for v in rows[0]]
    width = len(header)
    body = [(r + [None] * width)[:width] for r in rows[1:]]
    return pd.DataFrame(body, columns=header)


# ---------------------------------------------------------------- entry point


class _source_buffer:
    """The input's bytes: a read-only memory map of a regular file (no copy), else ``bytes``."""

    def __init__(self, path: str, what: str, limit: int):
        self.path, self.what, self.limit = path, what, limit
        self._mm = self._fh = None

    def __enter__(self):
        import mmap

        if self.path != "-":
            try:
                st = os.stat(self.path)
                regular = stat.S_ISREG(st.st_mode) and st.st_size > 0
            except OSError:
                regular = False
            if regular:
                try:
                    self._fh = open(self.path, "rb")
                    self._mm = mmap.mmap(self._fh.fileno(), 0, access=mmap.ACCESS_READ)
                    return self._mm
                except PermissionError:
                    self.__exit__()
                    raise InputError(f"{self.what}: permission denied") from None
                except (OSError, ValueError):
                    self.__exit__()  # some file systems cannot map: read it instead
        return _read_source_bytes(self.path, self.what, self.limit)

    def __exit__(self, *exc):
        for thing in (self._mm, self._fh):
            if thing is not None:
                try:
                    thing.close()
                except BufferError:  # a view still points into the map; the GC closes it
                    pass
        self._mm = self._fh = None
        return False


def _parse(data, fmt: str, opts: ReadOptions, what: str, progress=None):
    """A DataFrame from the (decompressed) bytes of one input."""
    if fmt == "parquet":
        return _parse_parquet(data, what)
    if fmt == "xlsx":
        return _parse_xlsx(bytes(data), opts.sheet, what)
    if fmt in ("csv", "tsv") and _is_utf8(opts.encoding) and bytes(data[:2]) not in (b"\xff\xfe", b"\xfe\xff"):
        return _parse_delimited_bytes(data, fmt, opts, what, progress)
    text = _decode(bytes(data), opts.encoding, what)
    if fmt == "json":
        return _parse_json(text, what)
    if fmt == "jsonl":
        return _parse_jsonl(text, what)
    return _parse_delimited_bytes(text.encode("utf-8"), fmt, opts, what)


def dataset_path(name: str) -> tuple[str, str | None]:
    """Path and credit line of a bundled dataset (``dataset:NAME``)."""
    from aistruct import datasets

    return datasets.resolve(name)


def load_table(source: Any, options: ReadOptions | None = None, *, progress=None) -> RawTable:
    """Read ``source`` (path, ``-``, ``dataset:NAME`` or a DataFrame) into a :class:`RawTable`.

    ``progress``, when given, is called as ``progress("read", bytes_done, bytes_total)``
    while a CSV/TSV file is parsed (for a progress bar; the result is the same).
    """
    import pandas as pd

    opts = options or ReadOptions()
    if (opts.engine or "default") != "default":
        raise UsageError(
            f"--engine {opts.engine}: not available for this command (it needs the rows in memory); "
            "use the default engine"
        )
    if isinstance(source, pd.DataFrame):
        return RawTable(frame=source.copy(), source="<DataFrame>", format="dataframe", header_rows=0)
    source = os.fspath(source)
    credit = None
    path = source
    if source.startswith(DATASET_PREFIX):
        path, credit = dataset_path(source[len(DATASET_PREFIX) :])
    what = "<stdin>" if source == "-" else source
    fmt, compression = _format_for("" if source == "-" else path, opts.input_format)
    with _source_buffer(path, what, opts.max_bytes) as data:
        magic = next((c for m, c in _MAGIC.items() if bytes(data[:6]).startswith(m)), None)
        if compression is None and magic is not None and fmt not in ("parquet", "xlsx"):
            compression = magic
        if compression is not None:
            if not opts.decompress:
                raise InputError(f"{what}: compressed input ({compression}); pass --decompress to read it")
            data = _decompress(bytes(data), compression, opts.max_bytes, what)
        if progress is not None:
            progress("read", 0, len(data))
        frame = _parse(data, fmt, opts, what, progress)
        if progress is not None:
            progress("read", len(data), len(data))
    if frame.shape[1] == 0:
        raise InputError(f"{what}: no columns")
    if len(frame) == 0:
        raise InputError(f"{what}: has a header but no rows")
    return RawTable(frame=frame, source=what, format=fmt, credit=credit)
