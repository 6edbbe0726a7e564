"""How to read one input: :class:`ReadOptions`, the same for every command."""

from __future__ import annotations

from dataclasses import dataclass

DEFAULT_MAX_BYTES = 2 * 1024**3


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
