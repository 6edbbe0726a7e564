"""The fixed words of aistruct's output: tier keys, statuses and the schema version.

Each value here appears in the JSON documents (and so in the schemas under
``aistruct/schemas/``, the CSV columns and the tables); it is written once, here,
and every module imports it. The values are plain ``str`` constants typed with
``Literal`` rather than ``Enum`` members, so a value read back from a JSON
document compares equal, and JSON, CSV, Markdown and ``repr`` in messages stay
exactly what they were. This module imports nothing from aistruct, so any
module can use it without an import cycle.
"""

from __future__ import annotations

from typing import Final, Literal

#: ``schema_version`` of every command's JSON document. Raised only on incompatible
#: changes to any command's JSON; new fields may be added.
SCHEMA_VERSION: Final = 1

# ---------------------------------------------------------------- tiers

TierKey = Literal["small", "middle", "giant"]
SMALL: Final = "small"
MIDDLE: Final = "middle"
GIANT: Final = "giant"
#: The three tiers in order, smallest first: JSON keys, ``tier`` values, CSV column prefixes.
TIER_KEYS: Final[tuple[TierKey, TierKey, TierKey]] = (SMALL, MIDDLE, GIANT)

# ---------------------------------------------------------------- statuses

#: ``status`` of a market (``concentration``, ``merge``, each period of ``trend``).
MarketStatus = Literal["ok", "zero total", "no values"]
STATUS_OK: Final = "ok"
STATUS_ZERO: Final = "zero total"
STATUS_EMPTY: Final = "no values"
MARKET_STATUSES: Final[tuple[MarketStatus, ...]] = (STATUS_OK, STATUS_ZERO, STATUS_EMPTY)

#: ``status`` of a market in ``tiers`` (its ``ok`` is :data:`STATUS_OK`).
TierStatus = Literal["ok", "too few sizes", "no companies"]
STATUS_TOO_FEW_SIZES: Final = "too few sizes"
STATUS_NO_COMPANIES: Final = "no companies"
TIER_STATUSES: Final[tuple[TierStatus, ...]] = (STATUS_OK, STATUS_TOO_FEW_SIZES, STATUS_NO_COMPANIES)

#: ``status`` of a ``validate`` check, from best to worst.
CheckStatus = Literal["pass", "warn", "fail"]
PASS: Final = "pass"
WARN: Final = "warn"
FAIL: Final = "fail"
CHECK_STATUSES: Final[tuple[CheckStatus, ...]] = (PASS, WARN, FAIL)
