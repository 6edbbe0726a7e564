"""Bytes of one input: a path, ``-`` (standard input) or ``dataset:NAME``; its format, size limit and compression.

:func:`open_input` is the whole step with the reader's rules (the format from the
name unless given, standard input sniffed for JSON, compression from the name or the magic bytes, refused without
``decompress``, never more than ``max_bytes`` once decompressed); the functions it
is made of are public for callers that need one of them.
"""

from __future__ import annotations

import io
import os
import stat
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from aistruct.errors import InputError, UsageError, param
from aistruct.reader.options import too_large
from aistruct.reader.parsers import (
    ALIASES,
    DEFAULT_FORMAT,
    EXTENSIONS,
    FORMATS,
    PARSERS,
)

if TYPE_CHECKING:
    from aistruct.reader.options import ReadOptions

DATASET_PREFIX = "dataset:"
COMPRESSIONS = {".gz": "gzip", ".bz2": "bz2", ".xz": "xz", ".zip": "zip"}
MAGIC = {b"\x1f\x8b": "gzip", b"BZh": "bz2", b"\xfd7zXZ\x00": "xz", b"PK\x03\x04": "zip"}


def format_for(name: str, explicit: str | None) -> tuple[str, str | None]:
    """(format, compression) from the name's extensions, unless the format is given (``--input-format``).

    A compression suffix (``.gz .bz2 .xz .zip``) is taken off before the format's
    extension is looked up; an unknown extension, or none (standard input), means csv.
    An unknown ``explicit`` format raises :class:`~aistruct.errors.UsageError`.
    """
    lower = name.lower()
    compression = None
    for ext, comp in COMPRESSIONS.items():
        if lower.endswith(ext):
            compression = comp
            lower = lower[: -len(ext)]
            break
    if explicit:
        fmt = explicit.lower()
        fmt = ALIASES.get(fmt, fmt)
        if fmt not in PARSERS:
            raise UsageError(f"{param('input_format')}: unknown format {explicit!r}; use one of {', '.join(FORMATS)}")
        return fmt, compression
    ext = os.path.splitext(lower)[1]
    return EXTENSIONS.get(ext, DEFAULT_FORMAT), compression


def sniff_text_format(data) -> str | None:
    """``json`` or ``jsonl`` when text starts (after a BOM and white space) with ``[`` or ``{``, else None.

    For standard input, which has no extension to go by. ``[`` is a JSON array. ``{`` is
    JSON Lines when its first line is a whole JSON object and more lines follow, or when
    that one object is a record rather than ``{"data": [...]}``; otherwise JSON (an object
    spread over several lines, such as ``{"data": [...]}`` pretty-printed).
    """
    import json

    head = bytes(data[:4096]).lstrip(b"\xef\xbb\xbf").lstrip()
    if head[:1] == b"[":
        return "json"
    if head[:1] != b"{":
        return None
    import re

    first = re.compile(rb"[^\s\xef\xbb\xbf]").search(data)  # ``{`` (found above)
    start = first.start() if first is not None else 0
    end = data.find(b"\n", start)
    end = len(data) if end < 0 else end
    try:
        obj = json.loads(bytes(data[start:end]).decode("utf-8"))
    except (ValueError, RecursionError):
        return "json"
    if not isinstance(obj, dict):
        return "json"
    if re.compile(rb"\S").search(data, end):
        return "jsonl"
    return "json" if "data" in obj else "jsonl"


def sniff_compression(data) -> str | None:
    """The compression whose magic bytes ``data`` (bytes or a buffer) starts with, if any."""
    head = bytes(data[:6])
    return next((c for m, c in MAGIC.items() if head.startswith(m)), None)


def _read_limited(stream, limit: int, what: str, how: str = "once decompressed") -> bytes:
    """Read at most ``limit`` bytes; one more means the input is too large (``how``: which bytes, for the message)."""
    chunks = []
    total = 0
    while True:
        chunk = stream.read(min(1 << 20, limit + 1 - total))
        if not chunk:
            break
        chunks.append(chunk)
        total += len(chunk)
        if total > limit:
            raise too_large(what, limit, how)
    return b"".join(chunks)


def _read_streams(data: bytes, new_decompressor, limit: int, what: str) -> bytes:
    """Decompress one or more concatenated bz2/xz streams, at most ``limit`` bytes of output.

    The rule gzip follows: after the last stream only zero bytes (padding) may come;
    anything else is refused (``BZ2File``/``LZMAFile`` would silently ignore it).
    """
    chunks: list[bytes] = []
    total = 0
    rest = data
    while True:
        dec = new_decompressor()
        out = dec.decompress(rest, max_length=min(1 << 20, limit + 1 - total))
        while True:
            chunks.append(out)
            total += len(out)
            if total > limit:
                raise too_large(what, limit, "once decompressed")
            if dec.eof:
                break
            if dec.needs_input:
                raise OSError("compressed data ends before the end of its stream")
            out = dec.decompress(b"", max_length=min(1 << 20, limit + 1 - total))
        rest = dec.unused_data.lstrip(b"\0")
        if not rest:
            return b"".join(chunks)
        # another stream follows, or junk: the next decompressor refuses junk


def decompress(data: bytes, compression: str, limit: int, what: str) -> bytes:
    """The decompressed bytes (``gzip``, ``bz2``, ``xz`` or a one-file ``zip``), at most ``limit`` of them.

    Damaged or oversized data raises :class:`~aistruct.errors.InputError`; ``what`` names the input.
    """
    import bz2
    import gzip
    import lzma
    import zipfile
    import zlib

    try:
        if compression == "gzip":
            return _read_limited(gzip.GzipFile(fileobj=io.BytesIO(data)), limit, what)
        if compression == "bz2":
            return _read_streams(data, bz2.BZ2Decompressor, limit, what)
        if compression == "xz":
            return _read_streams(data, lzma.LZMADecompressor, limit, what)
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            members = [m for m in zf.infolist() if not m.is_dir()]
            if len(members) != 1:
                raise InputError(f"{what}: a zip archive must hold exactly one file (it holds {len(members)})")
            with zf.open(members[0]) as fh:
                return _read_limited(fh, limit, what)
    except InputError:
        raise
    except (
        OSError,
        EOFError,
        lzma.LZMAError,
        zipfile.BadZipFile,
        ValueError,
        zlib.error,
        RuntimeError,
        NotImplementedError,
    ) as exc:  # zlib.error: damaged deflate data; the others: encrypted/odd zips
        raise InputError(f"{what}: cannot decompress ({compression}): {exc}") from None


def read_source_bytes(path: str, what: str, limit: int) -> bytes:
    """All bytes of ``path`` (``-``: standard input), as stored (not decompressed).

    Never more than ``limit`` bytes: a regular file larger than that (its size says so before
    anything is read) is refused; standard input, a FIFO or a device stops after ``limit`` + 1
    bytes. A missing, unreadable or directory path raises :class:`~aistruct.errors.InputError`.
    """
    if path == "-":
        stdin = getattr(sys.stdin, "buffer", None)
        if stdin is None:  # started with standard input closed (<&-)
            raise InputError(f"{what}: standard input is closed")
        try:
            return _read_limited(stdin, limit, what, "read")
        except OSError as exc:
            raise InputError(f"{what}: cannot read ({exc.strerror or exc})") from None
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
    if stat.S_ISREG(st.st_mode) and st.st_size > limit:
        raise too_large(what, limit, f"(the file holds {st.st_size:,})")
    if stat.S_ISREG(st.st_mode) and st.st_size > 0:
        return read_regular_file(path, what, limit)
    try:  # a FIFO, a device, or a file whose size says nothing (/proc)
        with open(path, "rb") as fh:
            return _read_limited(fh, limit, what, "read")
    except PermissionError:
        raise InputError(f"{what}: permission denied") from None
    except OSError as exc:
        raise InputError(f"{what}: cannot read ({exc.strerror or exc})") from None


def _changed(what: str, before: os.stat_result, after: os.stat_result) -> InputError:
    return InputError(
        f"{what}: the file changed while being read ({before.st_size:,} bytes, then {after.st_size:,}); "
        "read it again once it is complete"
    )


def read_regular_file(path: str, what: str, limit: int | None = None) -> bytes:
    """All bytes of the regular file ``path``, refused if it changes while being read
    (or, given ``limit``, if it holds more than ``limit`` bytes).

    The file is copied into memory rather than memory-mapped: a mapped file truncated by
    another process kills the reader with SIGBUS when it touches the lost pages, where a
    copy can only come out short, and its size and modification time, taken before and
    after, show that it changed (:class:`~aistruct.errors.InputError`).
    """
    try:
        with open(path, "rb") as fh:
            before = os.fstat(fh.fileno())
            # one byte past what it holds (or the limit) shows a file that grew; never a read of 2**62
            data = fh.read() if limit is None else fh.read(min(limit, before.st_size) + 1)
            after = os.fstat(fh.fileno())
    except PermissionError:
        raise InputError(f"{what}: permission denied") from None
    except OSError as exc:
        raise InputError(f"{what}: cannot read ({exc.strerror or exc})") from None
    if (before.st_size, before.st_mtime_ns) != (after.st_size, after.st_mtime_ns):
        raise _changed(what, before, after)
    if limit is not None and len(data) > limit:
        raise too_large(what, limit, f"(the file holds {after.st_size:,})")
    return data


class SourceBuffer:
    """Context manager for the bytes of ``path`` (``-``: standard input), as :func:`read_source_bytes` reads them.

    Files are read, never memory-mapped: see :func:`read_regular_file`.
    """

    def __init__(self, path: str, what: str, limit: int):
        self.path, self.what, self.limit = path, what, limit

    def __enter__(self):
        return read_source_bytes(self.path, self.what, self.limit)

    def __exit__(self, *exc):
        return False


def dataset_path(name: str) -> tuple[str, str | None]:
    """Path and credit line of a bundled dataset (``dataset:NAME``)."""
    from aistruct import datasets

    return datasets.resolve(name)


@dataclass
class Input:
    """One input's bytes, decompressed, and what was learnt reading them."""

    data: Any  # bytes
    format: str
    source: str  # the input as messages name it: its path, ``dataset:NAME`` or ``<stdin>``
    credit: str | None = None  # a bundled dataset's credit line


@contextmanager
def open_input(source: str, options: ReadOptions) -> Iterator[Input]:
    """The :class:`Input` of ``source`` (a path, ``-`` or ``dataset:NAME``) with the reader's rules.

    ``data`` is ``bytes``: a file is read (:func:`read_regular_file`), never memory-mapped,
    so one that changes meanwhile is refused rather than fatal. Compressed input
    (by suffix, or by magic bytes for a text format) needs ``options.decompress``.
    Unusable input raises :class:`~aistruct.errors.InputError` or ``UsageError``.
    """
    credit = None
    path = source
    if source.startswith(DATASET_PREFIX):
        path, credit = dataset_path(source[len(DATASET_PREFIX) :])
    what = "<stdin>" if source == "-" else source
    fmt, compression = format_for("" if source == "-" else path, options.input_format)
    with SourceBuffer(path, what, options.max_bytes) as data:
        magic = sniff_compression(data)
        if compression is None and magic is not None and not PARSERS[fmt].binary:
            compression = magic
        if compression is not None:
            if not options.decompress:
                raise InputError(f"{what}: compressed input ({compression}); pass {param('decompress')} to read it")
            data = decompress(bytes(data), compression, options.max_bytes, what)
        if source == "-" and not options.input_format:  # no extension to go by: JSON says so itself
            fmt = sniff_text_format(data) or fmt
        yield Input(data, fmt, what, credit)


def read_input(source: str, options: ReadOptions) -> Input:
    """The :class:`Input` of ``source`` (:func:`open_input` outside a ``with`` block)."""
    with open_input(source, options) as got:
        return got
