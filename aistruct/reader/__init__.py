"""The one reader every command uses: bytes in, a raw table out.

``load_table(source, options)`` turns a path, ``-`` (standard input), a bundled
``dataset:NAME`` or an in-memory ``pandas.DataFrame`` into a :class:`RawTable`:
a DataFrame of the file's cells plus what is needed to name rows in messages.
It never writes anything and never evaluates anything it reads.

Formats are chosen by extension or ``input_format``: csv, tsv (``.tsv``/``.tab``),
json (an array of records or ``{"data": [...]}``), jsonl (``.jsonl``/``.ndjson``),
parquet and xlsx. Compressed input (``.gz .bz2 .xz .zip``) is read only with
``decompress=True`` and never beyond ``max_bytes`` of decompressed data.

The steps are public for readers with other needs (validation reports a malformed
file instead of stopping at it):

* :mod:`~aistruct.reader.source`: bytes of a path, ``-`` or dataset, their format and
  compression (:func:`open_input`, :func:`format_for`, :func:`read_source_bytes`,
  :func:`decompress`);
* :mod:`~aistruct.reader.text`: :func:`decode` and its encoding hint;
* :mod:`~aistruct.reader.parsers`: the registry :data:`PARSERS` ``{format: Parser}``,
  the one place a format is declared, and :func:`parse` / :func:`parse_text` over it;
* :mod:`~aistruct.reader.load`: :func:`load_table` and :class:`RawTable`.
"""

from aistruct.reader.load import RawTable, load_table
from aistruct.reader.options import DEFAULT_MAX_BYTES, ReadOptions
from aistruct.reader.parsers import (
    DEFAULT_FORMAT,
    FORMATS,
    PARSERS,
    FormatName,
    Parser,
    delimiter_for,
    parse,
    parse_text,
)
from aistruct.reader.source import (
    COMPRESSIONS,
    DATASET_PREFIX,
    MAGIC,
    Input,
    SourceBuffer,
    dataset_path,
    decompress,
    format_for,
    open_input,
    read_input,
    read_source_bytes,
    sniff_compression,
)
from aistruct.reader.text import decode, has_utf16_bom, is_utf8, suggest_encoding

__all__ = [
    "COMPRESSIONS",
    "DATASET_PREFIX",
    "DEFAULT_FORMAT",
    "DEFAULT_MAX_BYTES",
    "FORMATS",
    "MAGIC",
    "PARSERS",
    "FormatName",
    "Input",
    "Parser",
    "RawTable",
    "ReadOptions",
    "SourceBuffer",
    "dataset_path",
    "decode",
    "decompress",
    "delimiter_for",
    "format_for",
    "has_utf16_bom",
    "is_utf8",
    "load_table",
    "open_input",
    "parse",
    "parse_text",
    "read_input",
    "read_source_bytes",
    "sniff_compression",
    "suggest_encoding",
]
