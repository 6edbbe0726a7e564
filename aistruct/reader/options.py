"""How to read one input: :class:`ReadOptions`, the same for every command."""

from __future__ import annotations

from dataclasses import dataclass

from aistruct.errors import InputError, UsageError, param

DEFAULT_MAX_BYTES = 2 * 1024**3
MAX_MAX_BYTES = 2**62
"""The largest ``max_bytes`` kept: more than any input can hold (a larger one, such as 400 digits, means no limit)."""
#: Text codecs that are not for files: domain names (punycode, idna) and the one that refuses everything.
_NOT_FOR_FILES = {"punycode", "idna", "undefined"}


def too_large(what: str, limit: int, how: str) -> InputError:
    """The one message for an input over ``max_bytes``; ``how`` says which bytes were counted
    (``"once decompressed"``, ``"once decoded"``, ``"read"``)."""
    return InputError(
        f"{what}: more than {limit:,} bytes {how}; stopped (raise {param('max_bytes')} if this is expected)"
    )


def check_encoding(encoding: str | None) -> None:
    """Exit 2 unless ``encoding`` (``None``: the default) names a codec for text files."""
    import codecs

    if encoding is None:
        return
    try:
        info = codecs.lookup(encoding)
    except LookupError:
        raise UsageError(f"{param('encoding')}: unknown encoding {encoding!r}") from None
    if info.name in _NOT_FOR_FILES or not getattr(info, "_is_text_encoding", True):
        raise UsageError(f"{param('encoding')}: {encoding!r} is not an encoding for text files")


def check_delimiter(delimiter: str | None) -> None:
    """Exit 2 unless ``delimiter`` is one ASCII character other than a quote or a line break, or ``tab``."""
    if delimiter is None or delimiter in ("\\t", "tab"):
        return
    if len(delimiter) != 1 or not delimiter.isascii() or delimiter in ('"', "\n", "\r"):
        raise UsageError(f"{param('delimiter')}: must be one ASCII character (or 'tab'), got {delimiter!r}")


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
    #: ``--engine dask`` only: the Dask scheduler's address (``tcp://host:8786``)
    scheduler: str | None = None

    def __post_init__(self) -> None:
        # Python cannot read (or allocate) past an index-sized integer: 400 digits ended in OverflowError
        self.max_bytes = min(self.max_bytes, MAX_MAX_BYTES)
        check_encoding(self.encoding)
        check_delimiter(self.delimiter)
