"""aistruct: market-structure metrics for company tables, as a library and a CLI.

The library never imports Typer or Rich. Heavy modules load on first use, so
``import aistruct`` is cheap::

    from aistruct import concentration_report, hhi, gini
    report = concentration_report("datasets/ai_app_mau_cn_2025-03.csv", entity="app")
    report.to_dict()  # the same document ``aistruct concentration --format json`` prints
    report.to_frame()  # its results as a pandas DataFrame, one row per result

The report functions take the CLI options' names as keywords (``entity=``,
``preset=``, ``encoding=`` ...); an unknown keyword is a ``TypeError`` listing
the valid ones.
"""

from aistruct._version import __version__
from aistruct.metric_registry import function_names as _metric_functions

_EXPORTS = {
    # metrics: every function the registry names, and the helpers around them
    **{name: "aistruct.metrics" for name in _metric_functions()},
    "herfindahl": "aistruct.metrics",
    "shares": "aistruct.metrics",
    "band": "aistruct.guidelines",
    # analyses
    "concentration_report": "aistruct.concentration",
    "market_metrics": "aistruct.concentration",
    "bootstrap_intervals": "aistruct.bootstrap",
    "ConcentrationReport": "aistruct.concentration",
    "merger_report": "aistruct.merger",
    "merge_values": "aistruct.merger",
    "MergerReport": "aistruct.merger",
    "Deal": "aistruct.merger",
    "guideline_verdict": "aistruct.guidelines",
    "validate_files": "aistruct.validation",
    "ValidateOptions": "aistruct.validation",
    "ValidationReport": "aistruct.validation",
    "load_schema": "aistruct.validation",
    "tiers_report": "aistruct.tiers",
    "TiersReport": "aistruct.tiers",
    "TierOptions": "aistruct.tiers",
    "natural_breaks": "aistruct.tiers",
    "headtail_breaks": "aistruct.tiers",
    "assign_tiers": "aistruct.tiers",
    "tier_bounds": "aistruct.tiers",
    "tier_shares": "aistruct.tiers",
    "trend_report": "aistruct.trend",
    "TrendReport": "aistruct.trend",
    "flows_report": "aistruct.flows",
    "FlowsReport": "aistruct.flows",
    "Acquisitions": "aistruct.flows",
    "mann_kendall": "aistruct.stats",
    "modified_hhi": "aistruct.ownership",
    "load_ownership": "aistruct.ownership",
    # reading
    "ReadOptions": "aistruct.reader",
    "load_table": "aistruct.reader",
    "MarketSpec": "aistruct.markets",
    "prepare_markets": "aistruct.markets",
    # errors
    "AistructError": "aistruct.errors",
    "InputError": "aistruct.errors",
    "UsageError": "aistruct.errors",
}

__all__ = ["__version__", *_EXPORTS]


def __dir__() -> list[str]:
    """The public names (loaded lazily, so ``dir(aistruct)`` would otherwise list none of them)."""
    return sorted(set(__all__) | {n for n in globals() if not n.startswith("_")} | {"__version__"})


def __getattr__(name: str):
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'aistruct' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value
