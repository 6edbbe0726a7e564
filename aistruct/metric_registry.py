"""The concentration metrics ``aistruct concentration`` reports, each declared once.

Every :class:`Metric` names its JSON key, its table label and short reading, the
function of :mod:`aistruct.metrics` that computes it, whether it is a scalar or
an object keyed by a parameter (``cr`` by k, ``atkinson`` by ε, ``hannah_kay``
by α), how the table shows it and a reference. :data:`METRICS` drives the
``results`` entries of the JSON document (``aistruct.concentration``), the
CSV/Markdown columns and the table rows (``aistruct.cli.concentration``), the
package's exports (``aistruct.__init__``), and the tests that hold the JSON
Schema and the documentation's metric table to it.

This module imports nothing heavy (``aistruct --help`` and ``import aistruct``
read it); the functions are looked up in :mod:`aistruct.metrics` on first use.

Adding a metric: write its function in :mod:`aistruct.metrics` (with a
docstring giving the definition, a reference and a doctest), add one
:class:`Metric` here, its property in ``schemas/concentration.schema.json`` and a
row in the documentation's metric table.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

#: The ε of the Atkinson indices reported (JSON keys "0.5", "1", "2").
ATKINSON_EPSILONS = (0.5, 1.0, 2.0)
#: The orders α of the Hannah-Kay numbers-equivalents reported (JSON keys "0.5", "3").
#: α = 2 is 1/H (``equivalent_firms``) and α -> 1 is exp(entropy), so neither is repeated;
#: 0.5 weighs the small companies more than 1/H does, 3 the large ones.
HANNAH_KAY_ALPHAS = (0.5, 3.0)

Kind = Literal["scalar", "keyed"]
Display = Literal["number", "ratio", "percent"]


def param_key(value: float) -> str:
    """The JSON key of a parameter: ``1.0`` -> ``"1"``, ``0.5`` -> ``"0.5"``, ``4`` -> ``"4"``.

    >>> [param_key(e) for e in ATKINSON_EPSILONS]
    ['0.5', '1', '2']
    """
    return str(int(value)) if float(value).is_integer() else str(value)


@dataclass(frozen=True)
class Metric:
    """One reported metric.

    ``kind`` is ``"scalar"`` (a number or null) or ``"keyed"`` (an object
    ``{param_key(p): number}``, null when the market has no shares). For a keyed
    metric ``function`` returns that object and ``point_function`` computes one
    entry; ``params`` is the fixed parameter set (``None`` for ``cr``, whose k
    come from ``--top``). ``label`` and ``reading`` are the table's text;
    ``{k}`` in them stands for the parameter, ``{band}`` for the HHI's band and
    ``{other_key}`` in ``reading`` for another (scalar) metric's formatted value.
    ``row=False``: no row of its own in the single-market table (a metric shown
    in another's reading).
    ``display`` and ``digits`` say how the table formats the value.
    """

    key: str
    label: str
    reading: str
    function: str
    kind: Kind
    reference: str
    display: Display = "ratio"
    digits: int | None = None
    row: bool = True
    point_function: str | None = None
    params: tuple[float, ...] | None = None

    @property
    def compute(self) -> Callable:
        """The function of :mod:`aistruct.metrics` (imported on first use)."""
        return getattr(importlib.import_module("aistruct.metrics"), self.function)

    @property
    def param_keys(self) -> tuple[str, ...] | None:
        """The fixed keys of a keyed metric's object (``None`` for scalars and ``cr``)."""
        return None if self.params is None else tuple(param_key(p) for p in self.params)


METRICS: tuple[Metric, ...] = (
    Metric(
        "hhi", "HHI", "{band}", "hhi", "scalar", "Herfindahl (1950), Hirschman (1945); US DOJ/FTC", display="number"
    ),
    Metric(
        "hhi_normalized",
        "HHI normalised",
        "0 = equal shares, 1 = monopoly",
        "hhi_normalized",
        "scalar",
        "(H - 1/n) / (1 - 1/n)",
    ),
    Metric(
        "equivalent_firms",
        "Equivalent firms",
        "equal-sized firms with this HHI",
        "equivalent_firms",
        "scalar",
        "Adelman (1969)",
        display="number",
        digits=1,
    ),
    Metric(
        "cr",
        "CR{k}",
        "share of the top {k}",
        "concentration_ratios",
        "keyed",
        "concentration ratio",
        display="percent",
        point_function="concentration_ratio",
    ),
    Metric("gini", "Gini", "corrected {gini_corrected}", "gini", "scalar", "Gini (1912); R ineq::Gini"),
    Metric(
        "gini_corrected",
        "Gini corrected",
        "small-sample Gini, G n/(n - 1)",
        "gini_corrected",
        "scalar",
        "Gini (1912)",
        row=False,
    ),
    Metric("theil", "Theil", "", "theil", "scalar", "Theil (1967)"),
    Metric("entropy", "Entropy", "normalised {entropy_normalized}", "entropy", "scalar", "Shannon (1948)"),
    Metric(
        "entropy_normalized",
        "Entropy normalised",
        "entropy / ln n",
        "entropy_normalized",
        "scalar",
        "Shannon (1948)",
        row=False,
    ),
    Metric(
        "atkinson",
        "Atkinson ε={k}",
        "",
        "atkinson_indices",
        "keyed",
        "Atkinson (1970); R ineq::Atkinson",
        point_function="atkinson",
        params=ATKINSON_EPSILONS,
    ),
    Metric("palma", "Palma", "top 10% / bottom 40%", "palma", "scalar", "Palma (2011)", digits=2),
    Metric(
        "rosenbluth",
        "Rosenbluth",
        "1/n = equal, 1 = monopoly",
        "rosenbluth",
        "scalar",
        "Rosenbluth (1955); Hall & Tideman (1967); R ineq::conc",
    ),
    Metric(
        "hannah_kay",
        "Hannah–Kay α={k}",
        "numbers equivalent of order {k}",
        "hannah_kay_indices",
        "keyed",
        "Hannah & Kay (1977)",
        display="number",
        digits=1,
        point_function="hannah_kay",
        params=HANNAH_KAY_ALPHAS,
    ),
)

BY_KEY: dict[str, Metric] = {m.key: m for m in METRICS}
KEYS: tuple[str, ...] = tuple(BY_KEY)


def function_names() -> tuple[str, ...]:
    """Every function of :mod:`aistruct.metrics` the registry names, in registry order."""
    names: list[str] = []
    for m in METRICS:
        for f in (m.function, m.point_function):
            if f and f not in names:
                names.append(f)
    return tuple(names)
