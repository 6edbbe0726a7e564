"""``--engine default``: the table is read into memory (pyarrow, pandas) and prepared with numpy.

Every input format :func:`aistruct.reader.load_table` reads; the preparation is
:func:`aistruct.markets.prepare_markets`.
"""

from __future__ import annotations

from typing import Any, Callable

from aistruct.markets import Markets, MarketSpec, prepare_markets
from aistruct.reader import ReadOptions, load_table


def prepare(
    source: Any, read: ReadOptions, spec: MarketSpec, *, need_size: bool = False, progress: Callable | None = None
) -> Markets:
    """Read ``source`` with :func:`~aistruct.reader.load_table`, then :func:`~aistruct.markets.prepare_markets`."""
    raw = load_table(source, read, progress=progress)
    if progress is not None:
        progress("aggregate", None, None)
    return prepare_markets(raw, spec, need_size=need_size)
