"""The report functions' keyword arguments: the CLI options' names, checked against the option types.

``tiers_report(path, preset="headcount", entity="lab", encoding="latin-1")``
sorts each keyword into the option object it belongs to (:class:`MarketSpec`,
:class:`ReadOptions`, :class:`TierOptions` ...); a keyword none of them has is a
:class:`TypeError` that lists the valid ones, raised before anything is read.
"""

from __future__ import annotations

import dataclasses
import inspect
from typing import Any, Callable, Sequence


def keyword_names(func: Callable, types: Sequence[type]) -> list[str]:
    """Every keyword ``func`` takes: its own parameters and the fields of ``types``, sorted."""
    own = {
        name
        for name, p in inspect.signature(func).parameters.items()
        if p.kind in (p.KEYWORD_ONLY, p.POSITIONAL_OR_KEYWORD) and name != "source"
    }
    return sorted(own.union(*({f.name for f in dataclasses.fields(t)} for t in types)))


def split_keywords(func: Callable, keywords: dict[str, Any], types: Sequence[type]) -> list[dict[str, Any]]:
    """``keywords`` sorted by option type: one dict per type, of the keywords that are its fields
    (a name two types share goes to both). An unknown name raises :class:`TypeError` naming them all.

    >>> from aistruct.markets import MarketSpec
    >>> def report(source, *, show=3, **kw): ...
    >>> split_keywords(report, {"entity": "lab"}, [MarketSpec])
    [{'entity': 'lab'}]
    >>> split_keywords(report, {"prest": "headcount"}, [MarketSpec])  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    TypeError: report() got an unexpected keyword argument 'prest'; valid keywords: agg, ...
    """
    fields = [{f.name for f in dataclasses.fields(t)} for t in types]
    unknown = sorted(set(keywords).difference(*fields))
    if unknown:
        names = ", ".join(repr(u) for u in unknown)
        noun = "argument" if len(unknown) == 1 else "arguments"
        raise TypeError(
            f"{func.__name__}() got an unexpected keyword {noun} {names}; "
            f"valid keywords: {', '.join(keyword_names(func, types))}"
        )
    return [{k: v for k, v in keywords.items() if k in names} for names in fields]


def with_keywords(base: Any, cls: type, values: dict[str, Any]) -> Any:
    """``base`` (an option object or None) with ``values`` set: a new ``cls`` when there is no base."""
    if base is None:
        return cls(**values) if values else None
    return dataclasses.replace(base, **values) if values else base
