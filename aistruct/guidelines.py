"""Merger guidelines: their HHI thresholds, quoted texts and sources, bands and verdicts.

Three guideline sets are known by name (:data:`GUIDELINES`): the US 2023 Merger
Guidelines (``us-2023``), the US 2010 Horizontal Merger Guidelines (``us-2010``)
and the EU Horizontal Merger Guidelines of 2004 (``eu``). :func:`band` reads an
HHI against one of them (``concentration`` uses it); :func:`guideline_verdict`
reads a deal's post-merger HHI, ΔHHI and merged share against one (``merge``
uses it). Every threshold is a constant below, and every ``reason`` string is
built from those constants, so a threshold is written once.

Boundaries follow the texts' own words: "more than", "greater than", "over",
"above" are strict; "below", "less than" are strict the other way; "between A
and B" includes both ends. HHI and ΔHHI are rounded to 1e-6 and shares to 1e-6
of a percentage point before any comparison, so a market whose exact HHI is
1,800 but whose floating-point value is 1799.9999999997 reads as 1,800.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal, get_args

from aistruct.errors import UsageError, param

#: The names ``--guidelines`` accepts, in canonical order.
Guideline = Literal["us-2023", "us-2010", "eu"]
GUIDELINES: tuple[Guideline, ...] = get_args(Guideline)

#: Short titles for tables.
TITLES = {"us-2023": "US 2023", "us-2010": "US 2010", "eu": "EU 2004"}

# ---------------------------------------------------------------- thresholds
# On the 0-10,000 HHI scale, and in percent for shares.

US2023_LOW, US2023_HIGH = 1000.0, 1800.0  # Guideline 1: "greater than 1,800" is highly concentrated
US2023_DELTA = 100.0  # "more than 100" is a significant increase
US2023_SHARE = 30.0  # "a share over thirty percent"
US2010_LOW, US2010_HIGH = 1500.0, 2500.0  # section 5.3
US2010_SMALL = 100.0  # "an increase in the HHI of less than 100 points"
US2010_PRESUME = 200.0  # "more than 200 points" in a highly concentrated market
EU_LOW, EU_HIGH = 1000.0, 2000.0  # paragraphs 19-20
EU_DELTA_MID, EU_DELTA_HIGH = 250.0, 150.0  # "a delta below 250" / "a delta below 150"

#: HHI thresholds of the guideline bands: (low, high). Below ``low`` is
#: unconcentrated, above ``high`` highly concentrated, anything from ``low`` to
#: ``high`` inclusive moderately concentrated.
GUIDELINE_BANDS = {
    "us-2023": (US2023_LOW, US2023_HIGH),  # 2023 Merger Guidelines, Guideline 1
    "us-2010": (US2010_LOW, US2010_HIGH),  # 2010 Horizontal Merger Guidelines, s. 5.3
    "eu": (EU_LOW, EU_HIGH),  # EU Horizontal Merger Guidelines (2004), paras 19-20
}

BANDS = ("unconcentrated", "moderately concentrated", "highly concentrated")

# ---------------------------------------------------------------- guideline texts

SOURCES = {
    "us-2023": "U.S. Department of Justice and Federal Trade Commission, Merger Guidelines "
    "(18 December 2023), Guideline 1, section 2.1",
    "us-2010": "U.S. Department of Justice and Federal Trade Commission, Horizontal Merger Guidelines "
    "(19 August 2010), section 5.3",
    "eu": "European Commission, Guidelines on the assessment of horizontal mergers (2004/C 31/03), "
    "OJ C 31, 5.2.2004, paragraphs 19-21",
}

TEXT = {
    "us-2023 hhi": (
        "Markets with an HHI greater than 1,800 are highly concentrated, and a change of more than 100 "
        "is a significant increase. A merger that creates or further consolidates a highly concentrated "
        "market that involves an increase in the HHI of more than 100 points is presumed to substantially "
        "lessen competition or tend to create a monopoly."
    ),
    "us-2023 share": (
        "The Agencies also may examine the market share of the merged firm: a merger that creates a firm "
        "with a share over thirty percent is also presumed to substantially lessen competition or to tend "
        "to create a monopoly if it also involves an increase in HHI of more than 100 points."
    ),
    "us-2010 small": (
        "Small Change in Concentration: Mergers involving an increase in the HHI of less than 100 points "
        "are unlikely to have adverse competitive effects and ordinarily require no further analysis."
    ),
    "us-2010 unconcentrated": (
        "Unconcentrated Markets: Mergers resulting in unconcentrated markets are unlikely to have adverse "
        "competitive effects and ordinarily require no further analysis."
    ),
    "us-2010 moderate": (
        "Moderately Concentrated Markets: Mergers resulting in moderately concentrated markets that "
        "involve an increase in the HHI of more than 100 points potentially raise significant competitive "
        "concerns and often warrant scrutiny."
    ),
    "us-2010 high": (
        "Highly Concentrated Markets: Mergers resulting in highly concentrated markets that involve an "
        "increase in the HHI of between 100 points and 200 points potentially raise significant "
        "competitive concerns and often warrant scrutiny."
    ),
    "us-2010 presumption": (
        "Mergers resulting in highly concentrated markets that involve an increase in the HHI of more than "
        "200 points will be presumed to be likely to enhance market power. The presumption may be rebutted "
        "by persuasive evidence showing that the merger is unlikely to enhance market power."
    ),
    "eu 19": (
        "The Commission is unlikely to identify horizontal competition concerns in a market with a "
        "post-merger HHI below 1 000. Such markets normally do not require extensive analysis."
    ),
    "eu 20": (
        "The Commission is also unlikely to identify horizontal competition concerns in a merger with a "
        "post-merger HHI between 1 000 and 2 000 and a delta below 250, or a merger with a post-merger HHI "
        "above 2 000 and a delta below 150, except where special circumstances such as, for instance, one "
        "or more of the following factors are present: [...]"
    ),
    "eu 21": (
        "Each of these HHI levels, in combination with the relevant deltas, may be used as an initial "
        "indicator of the absence of competition concerns. However, they do not give rise to a presumption "
        "of either the existence or the absence of such concerns."
    ),
}

#: ``finding`` values, and whether each raises the flag.
FINDINGS = {
    "presumption": True,  # us-2023, us-2010 (> 200 in a highly concentrated market)
    "concerns": True,  # us-2010: "potentially raise significant competitive concerns"
    "examination": True,  # eu: outside the levels of paragraphs 19-20
    "no presumption": False,  # us-2023: neither presumption triggered (not a safe harbour)
    "unlikely": False,  # us-2010 / eu: "unlikely to have adverse effects" / "unlikely to identify concerns"
    "threshold not exceeded": False,  # us-2010: ΔHHI exactly 100 in a moderately concentrated market
}


# ---------------------------------------------------------------- numbers in reasons


def _r(x: float) -> float:
    """HHI-scale numbers rounded to 1e-6 before comparing (1799.9999999997 -> 1800)."""
    return round(float(x), 6)


def _pct(share: float) -> float:
    """A share as a percentage rounded to 1e-6 of a point (0.30000000000000004 -> 30.0)."""
    return round(float(share) * 100.0, 6)


def _n(x: float) -> str:
    v = _r(x)
    return f"{v:,.0f}" if v == round(v) else f"{v:,.2f}"


def _p(pct: float) -> str:
    return f"{pct:.4f}".rstrip("0").rstrip(".") + "%"


def _between(low: float, high: float) -> str:
    return f"{_n(low)}-{_n(high)}"


# ---------------------------------------------------------------- names


def parse_guidelines(text: str | Sequence[str] | None) -> tuple[str, ...]:
    """``all`` (or None) -> all three; else one name or a comma-separated list of them, in canonical order.

    >>> parse_guidelines("eu,us-2023")
    ('us-2023', 'eu')
    """
    if text is None:
        return GUIDELINES
    parts = [p.strip() for p in (text.split(",") if isinstance(text, str) else text)]
    parts = [p for p in parts if p]
    if not parts:
        raise UsageError(f"{param('guidelines')}: empty; use us-2023, us-2010, eu or all")
    if "all" in parts:
        return GUIDELINES
    for p in parts:
        if p not in GUIDELINES:
            raise UsageError(f"{param('guidelines')}: unknown {p!r}; use us-2023, us-2010, eu or all")
    return tuple(g for g in GUIDELINES if g in parts)


# ---------------------------------------------------------------- bands


def band(hhi_value: float, guidelines: str = "us-2023") -> str:
    """Reading of an HHI against a guideline's thresholds (:data:`GUIDELINE_BANDS`).

    ``"unconcentrated"`` below the low threshold, ``"highly concentrated"`` above
    the high one ("more than" in every text), ``"moderately concentrated"`` from
    low to high inclusive. HHI is rounded to 1e-6 first so an exact 1,800 market
    computed as 1799.9999999997 reads as 1,800.

    >>> band(1800), band(1799.9999999997), band(1800.001)
    ('moderately concentrated', 'moderately concentrated', 'highly concentrated')
    >>> band(1800, "us-2010")
    'moderately concentrated'
    """
    try:
        low, high = GUIDELINE_BANDS[guidelines]
    except KeyError:
        raise ValueError(f"unknown guidelines {guidelines!r}; use one of {', '.join(GUIDELINE_BANDS)}") from None
    h = round(hhi_value, 6)
    if h < low:
        return BANDS[0]
    if h > high:
        return BANDS[2]
    return BANDS[1]


# ---------------------------------------------------------------- merger verdicts


def guideline_verdict(guideline: str, post_hhi: float, delta_hhi: float, merged_share: float) -> dict:
    """The reading of one guideline for a deal with these figures.

    ``post_hhi`` and ``delta_hhi`` on the 0-10,000 scale, ``merged_share`` a
    fraction. Returns ``{"band", "flag", "finding", "reason", "text", "source"}``.

    * ``us-2023`` (Guideline 1): presumption when post > 1,800 and Δ > 100, or
      when the merged share > 30% and Δ > 100. Exactly 1,800, 100 or 30% do not
      trigger it ("greater than", "more than", "over").
    * ``us-2010`` (section 5.3): Δ < 100 unlikely; post < 1,500 unlikely;
      1,500 <= post <= 2,500 with Δ > 100 concerns (Δ exactly 100 is neither
      "less than" nor "more than" 100: no concern is stated, finding
      ``threshold not exceeded``); post > 2,500 with 100 <= Δ <= 200 concerns
      ("between 100 points and 200 points"), Δ > 200 presumption.
    * ``eu`` (paragraphs 19-21): post < 1,000 unlikely; 1,000 <= post <= 2,000
      with Δ < 250 unlikely; post > 2,000 with Δ < 150 unlikely; otherwise the
      merger warrants examination (paragraph 21: no presumption either way).

    >>> v = guideline_verdict("us-2023", 3800, 1200, 0.5)
    >>> v["finding"], v["reason"]
    ('presumption', 'post-merger HHI 3,800 > 1,800 and ΔHHI 1,200 > 100; merged share 50% > 30% and ΔHHI 1,200 > 100')
    """
    if guideline not in GUIDELINES:
        raise ValueError(f"unknown guidelines {guideline!r}; use one of {', '.join(GUIDELINES)}")
    post, delta, pct = _r(post_hhi), _r(delta_hhi), _pct(merged_share)
    texts: list[str]
    if guideline == "us-2023":
        by_hhi = post > US2023_HIGH and delta > US2023_DELTA
        by_share = pct > US2023_SHARE and delta > US2023_DELTA
        if by_hhi or by_share:
            finding = "presumption"
            why = []
            texts = []
            if by_hhi:
                why.append(f"post-merger HHI {_n(post)} > {_n(US2023_HIGH)} and ΔHHI {_n(delta)} > {_n(US2023_DELTA)}")
                texts.append(TEXT["us-2023 hhi"])
            if by_share:
                why.append(f"merged share {_p(pct)} > {_p(US2023_SHARE)} and ΔHHI {_n(delta)} > {_n(US2023_DELTA)}")
                texts.append(TEXT["us-2023 share"])
            reason = "; ".join(why)
        else:
            finding = "no presumption"
            texts = [TEXT["us-2023 hhi"], TEXT["us-2023 share"]]
            if delta <= US2023_DELTA:
                reason = f"ΔHHI {_n(delta)} is not more than {_n(US2023_DELTA)}"
            else:
                reason = (
                    f"post-merger HHI {_n(post)} is not greater than {_n(US2023_HIGH)} and merged share "
                    f"{_p(pct)} is not over {_p(US2023_SHARE)}"
                )
    elif guideline == "us-2010":
        moderate = _between(US2010_LOW, US2010_HIGH)
        if delta < US2010_SMALL:
            finding, texts = "unlikely", [TEXT["us-2010 small"]]
            reason = f"ΔHHI {_n(delta)} < {_n(US2010_SMALL)}"
        elif post < US2010_LOW:
            finding, texts = "unlikely", [TEXT["us-2010 unconcentrated"]]
            reason = f"post-merger HHI {_n(post)} < {_n(US2010_LOW)} (unconcentrated)"
        elif post <= US2010_HIGH:
            texts = [TEXT["us-2010 moderate"]]
            if delta > US2010_SMALL:
                finding = "concerns"
                reason = f"post-merger HHI {_n(post)} in {moderate} and ΔHHI {_n(delta)} > {_n(US2010_SMALL)}"
            else:
                finding = "threshold not exceeded"
                reason = (
                    f"post-merger HHI {_n(post)} in {moderate} and ΔHHI exactly {_n(US2010_SMALL)}: neither "
                    f"less than nor more than {_n(US2010_SMALL)}"
                )
        elif delta > US2010_PRESUME:
            finding, texts = "presumption", [TEXT["us-2010 presumption"]]
            reason = f"post-merger HHI {_n(post)} > {_n(US2010_HIGH)} and ΔHHI {_n(delta)} > {_n(US2010_PRESUME)}"
        else:
            finding, texts = "concerns", [TEXT["us-2010 high"]]
            reason = (
                f"post-merger HHI {_n(post)} > {_n(US2010_HIGH)} and ΔHHI {_n(delta)} between "
                f"{_n(US2010_SMALL)} and {_n(US2010_PRESUME)}"
            )
    else:  # eu
        outside = "outside paragraphs 19-20, the merger warrants examination"
        if post < EU_LOW:
            finding, texts = "unlikely", [TEXT["eu 19"]]
            reason = f"post-merger HHI {_n(post)} < {_n(EU_LOW)} (paragraph 19)"
        elif post <= EU_HIGH:
            middle = _between(EU_LOW, EU_HIGH)
            if delta < EU_DELTA_MID:
                finding, texts = "unlikely", [TEXT["eu 20"]]
                reason = (
                    f"post-merger HHI {_n(post)} in {middle} and delta {_n(delta)} < {_n(EU_DELTA_MID)} (paragraph 20)"
                )
            else:
                finding, texts = "examination", [TEXT["eu 21"]]
                reason = (
                    f"post-merger HHI {_n(post)} in {middle} and delta {_n(delta)} not below "
                    f"{_n(EU_DELTA_MID)}: {outside}"
                )
        elif delta < EU_DELTA_HIGH:
            finding, texts = "unlikely", [TEXT["eu 20"]]
            reason = (
                f"post-merger HHI {_n(post)} > {_n(EU_HIGH)} and delta {_n(delta)} < {_n(EU_DELTA_HIGH)} (paragraph 20)"
            )
        else:
            finding, texts = "examination", [TEXT["eu 21"]]
            reason = (
                f"post-merger HHI {_n(post)} > {_n(EU_HIGH)} and delta {_n(delta)} not below "
                f"{_n(EU_DELTA_HIGH)}: {outside}"
            )
    return {
        "band": band(post, guideline),
        "flag": FINDINGS[finding],
        "finding": finding,
        "reason": reason,
        "text": " ".join(texts),
        "source": SOURCES[guideline],
    }


def verdicts(post_hhi: float, delta_hhi: float, merged_share: float, guidelines: Sequence[str] = GUIDELINES) -> dict:
    """``{guideline: guideline_verdict(...)}`` for each requested guideline."""
    return {g: guideline_verdict(g, post_hhi, delta_hhi, merged_share) for g in guidelines}


def undefined_verdicts(guidelines: Sequence[str], why: str) -> dict:
    """Verdicts for a market whose shares are undefined: every field null but ``reason`` and ``source``."""
    return {
        g: {"band": None, "flag": None, "finding": None, "reason": why, "text": None, "source": SOURCES[g]}
        for g in guidelines
    }
