"""Markets: from a table to per-company values per market, the step every analysis command shares.

Modules, each one job:

- :mod:`~aistruct.markets.spec`: :class:`MarketSpec` (what the user asked for),
  :class:`Markets` (what comes back), the option vocabularies and internal column names;
- :mod:`~aistruct.markets.columns`: resolving column names, default columns, cell labels;
- :mod:`~aistruct.markets.values`: numeric columns and their parsed values;
- :mod:`~aistruct.markets.where`: the ``--where`` language;
- :mod:`~aistruct.markets.periods`: dates as periods (``--freq``), period labels in time order;
- :mod:`~aistruct.markets.groups`: group labels as integer codes;
- :mod:`~aistruct.markets.shape`: wide tables and joint entities;
- :mod:`~aistruct.markets.aggregate`: one row per (group, company);
- :mod:`~aistruct.markets.stocks`: stocks over time (carry-forward, sums to date);
- :mod:`~aistruct.markets.prepare`: :func:`prepare_markets`, the steps in order.

Reading a source and preparing it with an engine (``--engine``) is
:func:`aistruct.engines.load_markets`.
"""

from aistruct.markets.aggregate import combined_rows, drop_zero_companies, finish_companies, finish_markets
from aistruct.markets.columns import cell_label, resolve_column
from aistruct.markets.groups import label_codes, present_combos, present_groups
from aistruct.markets.names import NameMap, load_name_map
from aistruct.markets.periods import FREQS, order_periods, parse_date_cell, period_codes, period_label
from aistruct.markets.prepare import prepare_markets
from aistruct.markets.spec import (
    AGGREGATIONS,
    ENTITY,
    ROW,
    SIZE,
    SPLIT_MODES,
    VALUE,
    Markets,
    MarketSpec,
)
from aistruct.markets.where import WHERE_OPS, Condition, parse_where

__all__ = [
    "combined_rows",
    "NameMap",
    "load_name_map",
    "AGGREGATIONS",
    "ENTITY",
    "FREQS",
    "ROW",
    "SIZE",
    "SPLIT_MODES",
    "VALUE",
    "WHERE_OPS",
    "Condition",
    "Markets",
    "MarketSpec",
    "cell_label",
    "drop_zero_companies",
    "finish_companies",
    "finish_markets",
    "label_codes",
    "order_periods",
    "parse_date_cell",
    "parse_where",
    "period_codes",
    "period_label",
    "prepare_markets",
    "present_combos",
    "present_groups",
    "resolve_column",
]
