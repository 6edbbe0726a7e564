"""Engines: the ways of turning a source into :class:`~aistruct.markets.Markets`, chosen with ``--engine``.

Each engine is a module with one function, ``prepare(source, read, spec, *,
need_size=False, progress=None)``, that returns the same
:class:`~aistruct.markets.Markets` for the same input as every other engine.
:data:`ENGINES` maps the ``--engine`` names to them; a new engine is one module
and one line there. Engine modules are imported only when used, so the
command line's ``--help`` never loads them (nor their NumPy, pyarrow, DuckDB).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable

from aistruct.errors import UsageError, param

if TYPE_CHECKING:
    from aistruct.markets import Markets, MarketSpec
    from aistruct.reader import ReadOptions


@dataclass(frozen=True)
class Engine:
    """One ``--engine``: the module that implements it, and what ``--help`` says of it after its name."""

    module: str
    help: str = ""

    def prepare(
        self,
        source: Any,
        read: ReadOptions,
        spec: MarketSpec,
        *,
        need_size: bool = False,
        progress: Callable | None = None,
    ) -> Markets:
        """The module's ``prepare``: read ``source`` and prepare its markets per ``spec``."""
        import importlib

        prepare = importlib.import_module(self.module).prepare
        return prepare(source, read, spec, need_size=need_size, progress=progress)


#: The engines by ``--engine`` name (the names are part of the command line: keep them).
ENGINES: dict[str, Engine] = {
    "default": Engine("aistruct.engines.arrow"),
    "duckdb": Engine(
        "aistruct.engines.duckdb",
        help='Parquet files, globs ("rounds/*.parquet") and folders larger than memory, read and '
        "aggregated by DuckDB (pip install 'aistruct[duckdb]')",
    ),
    "dask": Engine(
        "aistruct.engines.dask",
        help="CSV and Parquet files, globs, folders and URLs read and aggregated by the workers of a Dask "
        "cluster, a local one unless a scheduler is named (pip install 'aistruct[dask]')",
    ),
}


def engine_help() -> str:
    """The ``--engine`` help text: every engine's name, with what it is for."""
    return ", or ".join(f"{name}: {engine.help}" if engine.help else name for name, engine in ENGINES.items()) + "."


def load_markets(
    source: Any,
    read: ReadOptions | None = None,
    spec: MarketSpec | None = None,
    *,
    need_size: bool = False,
    progress: Callable | None = None,
) -> Markets:
    """Read ``source`` and prepare its markets with the engine ``read.engine`` names.

    ``default``: :func:`aistruct.reader.load_table` then :func:`aistruct.markets.prepare_markets`
    (:mod:`aistruct.engines.arrow`). ``duckdb``: :mod:`aistruct.engines.duckdb` (Parquet
    files, globs and folders larger than memory; identical results). ``dask``:
    :mod:`aistruct.engines.dask` (files on a Dask cluster at ``read.scheduler``).
    ``progress`` (optional) is called as ``progress(stage, done, total)`` with the
    stages ``read`` (bytes) and ``aggregate`` (no counts), for a progress bar.
    """
    from aistruct.markets import MarketSpec
    from aistruct.reader import ReadOptions

    read = read or ReadOptions()
    spec = spec or MarketSpec()
    engine = ENGINES.get((read.engine or "default").lower())
    if engine is None:
        raise UsageError(f"{param('engine')}: unknown engine {read.engine!r}; use one of {', '.join(ENGINES)}")
    if read.scheduler and engine.module != ENGINES["dask"].module:
        raise UsageError(f"{param('scheduler')} is for {param('engine')} dask (a Dask cluster's address)")
    markets = engine.prepare(source, read, spec, need_size=need_size, progress=progress)
    if spec.has_fringe:
        from aistruct.markets.fringe import split_fringe

        markets = split_fringe(markets, spec)  # on the per-company totals: the same for every engine
    return markets
