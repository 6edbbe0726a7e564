"""``merge``: what an acquisition does to a market's concentration, read as the agencies read it.

For a deal (an acquirer buying one or more targets) in one market of per-company
values x_i with total T and shares s_i = x_i / T:

* ``pre_hhi`` = :func:`aistruct.metrics.hhi` of the market as it is;
* ``delta_hhi`` = 10,000 ((sum_p s_p)^2 - sum_p s_p^2) over the parties p, which
  is post - pre written out: for one target it is 2 s_a s_b 10,000 (the change
  the US guidelines describe), for several it adds 2 s_i s_j for every pair of
  parties. It is computed exactly, in rational arithmetic, from the values and
  ``math.fsum`` of the market (so 30/30/20/20 gives exactly 1,200);
* ``post_hhi`` = ``pre_hhi + delta_hhi`` (capped at 10,000);
* ``merged_share`` = sum_p s_p; ``rank_before`` (the acquirer's) and
  ``rank_after`` (the merged firm's), 1 = largest, ties share the better rank
  (1 + the number of companies strictly larger);
* ``cr4_before`` = :func:`aistruct.metrics.concentration_ratios` (k = 4) and
  ``cr4_after`` the same for the market after the deal.

Each deal is then read against three guidelines (:func:`guideline_verdict`):
the US 2023 Merger Guidelines, the US 2010 Horizontal Merger Guidelines and the
EU Horizontal Merger Guidelines (2004). Every verdict carries the band of the
post-merger HHI, a ``flag`` (a presumption or concern is triggered), a short
``finding``, the ``reason`` in numbers and the guideline ``text`` it rests on.

Boundaries follow the texts' own words: "more than", "greater than", "over",
"above" are strict; "below", "less than" are strict the other way; "between A
and B" includes both ends. HHI and ΔHHI are rounded to 1e-6 and shares to 1e-6
of a percentage point before any comparison, so a market whose exact HHI is
1,800 but whose floating-point value is 1799.9999999997 reads as 1,800.

Several deals: :func:`merger_of_markets` evaluates a list of :class:`Deal`
either each against the same baseline (``sequential=False``, sorted by ΔHHI,
largest first) or one after another (``sequential=True``), each step against the
market the previous steps left, with the cumulative change. After an O(n log n)
set-up per market each independent deal costs O(m + log n) for m parties and
each sequential step O(n) (an insertion into a sorted array).
"""

from __future__ import annotations

import difflib
import math
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any, Iterable, Sequence

from aistruct import metrics
from aistruct.report import envelope, group_text
from aistruct.errors import InputError, UsageError
from aistruct.engines import load_markets
from aistruct.markets import ENTITY, VALUE, Markets, MarketSpec, cell_label, resolve_column
from aistruct.reader import ReadOptions, load_table
from aistruct.vocabulary import STATUS_EMPTY, STATUS_OK, STATUS_ZERO

GUIDELINES = ("us-2023", "us-2010", "eu")

#: Thresholds, on the 0-10,000 HHI scale and in percent for shares.
US2023_HIGH = 1800.0
US2023_DELTA = 100.0
US2023_SHARE = 30.0
US2010_LOW, US2010_HIGH = 1500.0, 2500.0
US2010_SMALL = 100.0
US2010_PRESUME = 200.0
EU_LOW, EU_HIGH = 1000.0, 2000.0
EU_DELTA_MID, EU_DELTA_HIGH = 250.0, 150.0

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


def parse_guidelines(text: str | Sequence[str] | None) -> tuple[str, ...]:
    """``all`` (or None) -> all three; else one name or a comma-separated list of them, in canonical order."""
    if text is None:
        return GUIDELINES
    parts = [p.strip() for p in (text.split(",") if isinstance(text, str) else text)]
    parts = [p for p in parts if p]
    if not parts:
        raise UsageError("--guidelines: empty; use us-2023, us-2010, eu or all")
    if "all" in parts:
        return GUIDELINES
    for p in parts:
        if p not in GUIDELINES:
            raise UsageError(f"--guidelines: unknown {p!r}; use us-2023, us-2010, eu or all")
    return tuple(g for g in GUIDELINES if g in parts)


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
    """
    if guideline not in GUIDELINES:
        raise ValueError(f"unknown guidelines {guideline!r}; use one of {', '.join(GUIDELINES)}")
    post, delta, pct = _r(post_hhi), _r(delta_hhi), _pct(merged_share)
    band = metrics.band(post, guideline)
    texts: list[str]
    if guideline == "us-2023":
        by_hhi = post > US2023_HIGH and delta > US2023_DELTA
        by_share = pct > US2023_SHARE and delta > US2023_DELTA
        if by_hhi or by_share:
            finding = "presumption"
            why = []
            texts = []
            if by_hhi:
                why.append(f"post-merger HHI {_n(post)} > 1,800 and ΔHHI {_n(delta)} > 100")
                texts.append(TEXT["us-2023 hhi"])
            if by_share:
                why.append(f"merged share {_p(pct)} > 30% and ΔHHI {_n(delta)} > 100")
                texts.append(TEXT["us-2023 share"])
            reason = "; ".join(why)
        else:
            finding = "no presumption"
            texts = [TEXT["us-2023 hhi"], TEXT["us-2023 share"]]
            if delta <= US2023_DELTA:
                reason = f"ΔHHI {_n(delta)} is not more than 100"
            else:
                reason = (f"post-merger HHI {_n(post)} is not greater than 1,800 and merged share "
                          f"{_p(pct)} is not over 30%")
    elif guideline == "us-2010":
        if delta < US2010_SMALL:
            finding, texts = "unlikely", [TEXT["us-2010 small"]]
            reason = f"ΔHHI {_n(delta)} < 100"
        elif post < US2010_LOW:
            finding, texts = "unlikely", [TEXT["us-2010 unconcentrated"]]
            reason = f"post-merger HHI {_n(post)} < 1,500 (unconcentrated)"
        elif post <= US2010_HIGH:
            texts = [TEXT["us-2010 moderate"]]
            if delta > US2010_SMALL:
                finding = "concerns"
                reason = f"post-merger HHI {_n(post)} in 1,500-2,500 and ΔHHI {_n(delta)} > 100"
            else:
                finding = "threshold not exceeded"
                reason = (f"post-merger HHI {_n(post)} in 1,500-2,500 and ΔHHI exactly 100: neither "
                          "less than nor more than 100")
        elif delta > US2010_PRESUME:
            finding, texts = "presumption", [TEXT["us-2010 presumption"]]
            reason = f"post-merger HHI {_n(post)} > 2,500 and ΔHHI {_n(delta)} > 200"
        else:
            finding, texts = "concerns", [TEXT["us-2010 high"]]
            reason = f"post-merger HHI {_n(post)} > 2,500 and ΔHHI {_n(delta)} between 100 and 200"
    else:  # eu
        if post < EU_LOW:
            finding, texts = "unlikely", [TEXT["eu 19"]]
            reason = f"post-merger HHI {_n(post)} < 1,000 (paragraph 19)"
        elif post <= EU_HIGH:
            if delta < EU_DELTA_MID:
                finding, texts = "unlikely", [TEXT["eu 20"]]
                reason = f"post-merger HHI {_n(post)} in 1,000-2,000 and delta {_n(delta)} < 250 (paragraph 20)"
            else:
                finding, texts = "examination", [TEXT["eu 21"]]
                reason = (f"post-merger HHI {_n(post)} in 1,000-2,000 and delta {_n(delta)} not below 250: "
                          "outside paragraphs 19-20, the merger warrants examination")
        elif delta < EU_DELTA_HIGH:
            finding, texts = "unlikely", [TEXT["eu 20"]]
            reason = f"post-merger HHI {_n(post)} > 2,000 and delta {_n(delta)} < 150 (paragraph 20)"
        else:
            finding, texts = "examination", [TEXT["eu 21"]]
            reason = (f"post-merger HHI {_n(post)} > 2,000 and delta {_n(delta)} not below 150: "
                      "outside paragraphs 19-20, the merger warrants examination")
    return {
        "band": band,
        "flag": FINDINGS[finding],
        "finding": finding,
        "reason": reason,
        "text": " ".join(texts),
        "source": SOURCES[guideline],
    }


def verdicts(post_hhi: float, delta_hhi: float, merged_share: float,
             guidelines: Sequence[str] = GUIDELINES) -> dict:
    """``{guideline: guideline_verdict(...)}`` for each requested guideline."""
    return {g: guideline_verdict(g, post_hhi, delta_hhi, merged_share) for g in guidelines}


def _undefined_verdicts(guidelines: Sequence[str], why: str) -> dict:
    return {g: {"band": None, "flag": None, "finding": None, "reason": why, "text": None,
                "source": SOURCES[g]} for g in guidelines}


# ---------------------------------------------------------------- exact ΔHHI


def delta_hhi(party_values: Sequence[float], total: float) -> float:
    """ΔHHI = 10,000 ((sum p)^2 - sum p^2) / T^2 for the parties' values p in a market of total T.

    Exact rational arithmetic on the given floats, one rounding at the end. For two
    parties this is 2 s_a s_b 10,000 (2010 Guidelines s. 5.3, note 10; 2023
    Guidelines endnote 12 give the same identity).
    """
    if not total > 0:
        raise ValueError("total must be positive")
    ps = [Fraction(float(p)) for p in party_values]
    s = sum(ps, Fraction(0))
    q = sum((p * p for p in ps), Fraction(0))
    return float(10_000 * (s * s - q) / (Fraction(float(total)) ** 2))


# ---------------------------------------------------------------- names


def _fold(name: str) -> str:
    return str(name).strip().casefold()


class NameIndex:
    """Company names of a table, for exact-then-case-insensitive lookup."""

    def __init__(self, names: Iterable[str]):
        self._exact = {str(n) for n in names}
        self._folded_index: dict[str, list[str]] | None = None

    @property
    def names(self) -> list[str]:
        return sorted(self._exact)

    @property
    def _folded(self) -> dict[str, list[str]]:
        # Built only when an exact match fails: folding a million names costs a second.
        if self._folded_index is None:
            folded: dict[str, list[str]] = {}
            for n in sorted(self._exact):
                folded.setdefault(_fold(n), []).append(n)
            self._folded_index = folded
        return self._folded_index

    def resolve(self, name: str, option: str, where: str = "") -> str:
        """The company ``name`` means: exact match, then case-insensitive; exit 2 otherwise."""
        prefix = f"{where}: " if where else ""
        text = str(name)
        if text in self._exact:
            return text
        hits = self._folded.get(_fold(text), [])
        if len(hits) == 1:
            return hits[0]
        if len(hits) > 1:
            raise UsageError(f"{prefix}{option} {text!r} matches several companies: "
                             f"{', '.join(map(repr, hits))}; spell it exactly")
        close = difflib.get_close_matches(_fold(text), list(self._folded), n=3, cutoff=0.5)
        suggestions = [self._folded[c][0] for c in close]
        hint = f"; did you mean {', '.join(map(repr, suggestions))}?" if suggestions else ""
        raise UsageError(f"{prefix}{option}: no company {text!r}{hint}")


# ---------------------------------------------------------------- deals


@dataclass
class Deal:
    """One acquisition: ``acquirer`` buys every name in ``targets``."""

    acquirer: str
    targets: tuple
    name: str | None = None
    where: str = ""  # for messages: "scenarios.csv row 3"

    def label(self) -> str:
        return self.name or f"{self.acquirer} + {' + '.join(self.targets)}"


def resolve_deal(deal: Deal, index: NameIndex) -> Deal:
    """The deal with names as spelled in the data; exit 2 on unknown, repeated or self-acquisitions."""
    if not deal.targets:
        raise UsageError(f"{deal.where + ': ' if deal.where else ''}a deal needs at least one --target")
    acq = index.resolve(deal.acquirer, "--acquirer" if not deal.where else "acquirer", deal.where)
    targets: list[str] = []
    for t in deal.targets:
        name = index.resolve(t, "--target" if not deal.where else "target", deal.where)
        prefix = f"{deal.where}: " if deal.where else ""
        if name == acq:
            raise UsageError(f"{prefix}the acquirer and a target are the same company ({name!r})")
        if name in targets:
            raise UsageError(f"{prefix}target {name!r} is named twice")
        targets.append(name)
    return Deal(acquirer=acq, targets=tuple(targets), name=deal.name, where=deal.where)


def _cell_text(value: Any) -> str | None:
    text = cell_label(value)
    return text.strip() if text is not None else None


def read_scenarios(source: Any, read: ReadOptions | None = None) -> list[Deal]:
    """Deals from a table with columns ``acquirer``, ``target`` and optionally ``name``.

    One row is one deal with one target; column names match case-insensitively.
    A blank acquirer or target exits 2 naming the row.
    """
    raw = load_table(source, read)
    frame = raw.frame
    cols = [str(c) for c in frame.columns]
    what = f"--scenarios {raw.source}"
    acq_col = resolve_column("acquirer", cols, what, "column")
    tgt_col = resolve_column("target", cols, what, "column")
    name_col = None
    if any(_fold(c) == "name" for c in cols):
        name_col = resolve_column("name", cols, what, "column")
    deals = []
    acq_vals = frame[acq_col].tolist()
    tgt_vals = frame[tgt_col].tolist()
    name_vals = frame[name_col].tolist() if name_col else [None] * len(frame)
    for i, (a, t, n) in enumerate(zip(acq_vals, tgt_vals, name_vals)):
        where = f"{raw.source} {raw.row_label(i)}"
        a_text, t_text = _cell_text(a), _cell_text(t)
        if a_text is None or t_text is None:
            missing = "acquirer" if a_text is None else "target"
            raise InputError(f"{where}: the {missing} cell is blank")
        deals.append(Deal(acquirer=a_text, targets=(t_text,), name=_cell_text(n), where=where))
    return deals


# ---------------------------------------------------------------- one market


def _fsum(values: Iterable[float]) -> float:
    """Correctly rounded sum; ``inf`` when it overflows (fsum raises instead)."""
    try:
        return math.fsum(values)
    except OverflowError:
        return math.inf


class MarketState:
    """One market, prepared so deals can be read against it cheaply.

    ``names``/``values`` are per-company totals (non-negative). Values whose sum
    would overflow are divided by their maximum first (all figures are scale
    invariant; reported company values stay the original ones).
    """

    def __init__(self, names: Sequence[str], values: Sequence[float]):
        import numpy as np

        x = np.asarray(values, dtype=np.float64).ravel()
        self.names = [str(n) for n in names]
        self.n = int(x.size)
        self.original = {n: float(v) for n, v in zip(self.names, x)}
        if self.n == 0:
            self.status = STATUS_EMPTY
        elif float(x.max()) <= 0:
            self.status = STATUS_ZERO
        else:
            self.status = STATUS_OK
        if self.status != STATUS_OK:
            self.values: dict = {n: 0.0 for n in self.names}
            self.total = 0.0
            self.hhi = self.cr4 = None
            self.asc = np.zeros(0)
            return
        total = _fsum(x.tolist())
        if not math.isfinite(total):
            x = x / float(x.max())
            total = _fsum(x.tolist())
        self.total = total
        self.values = dict(zip(self.names, x.tolist()))
        self.hhi = metrics.hhi(x)
        self.cr4 = metrics.concentration_ratios(x, (4,))["4"]
        self.asc = np.sort(x)
        self._desc_names: list | None = None

    # -- helpers
    def _rank_of(self, v: float) -> int:
        import numpy as np

        return 1 + int(self.asc.size - np.searchsorted(self.asc, v, side="right"))

    def _top_names(self, k: int) -> list:
        """Names of the k largest companies (largest first), from one cached sort."""
        if self._desc_names is None:
            import numpy as np

            vals = np.asarray([self.values[n] for n in self.names])
            order = np.argsort(-vals, kind="stable")
            self._desc_names = [self.names[i] for i in order.tolist()]
        return self._desc_names[:k]

    def _cr4_after(self, present: list, merged: float) -> float:
        """CR4 of the market after the present parties become one firm worth ``merged``."""
        n_after = self.asc.size - len(present) + (1 if present else 0)
        if n_after <= 4:
            return 1.0  # as metrics.concentration_ratio: k >= n gives exactly 1
        skip = set(present)
        top = [self.values[n] for n in self._top_names(4 + len(present)) if n not in skip]
        if present:
            top.append(merged)
        top = sorted(top, reverse=True)[:4]
        return float(min(max(math.fsum(top) / self.total, 0.0), 1.0))

    def parties_doc(self, deal: Deal) -> list:
        out = []
        for role, name in [("acquirer", deal.acquirer)] + [("target", t) for t in deal.targets]:
            present = name in self.values
            share = (self.values[name] / self.total) if present and self.status == STATUS_OK else None
            out.append({
                "entity": name,
                "role": role,
                "present": present,
                "value": self.original.get(name) if present else None,
                "share": share,
            })
        return out

    def evaluate(self, deal: Deal, guidelines: Sequence[str] = GUIDELINES) -> dict:
        """The result of ``deal`` against this market (without ``group``)."""
        doc: dict[str, Any] = {
            "scenario": deal.name,
            "acquirer": deal.acquirer,
            "targets": list(deal.targets),
            "status": self.status,
            "n": self.n,
        }
        if self.status != STATUS_OK:
            why = "the market has no values" if self.status == STATUS_EMPTY else "the market total is 0"
            doc.update(pre_hhi=None, post_hhi=None, delta_hhi=None, merged_share=None, rank_before=None,
                       rank_after=None, cr4_before=None, cr4_after=None,
                       verdicts=_undefined_verdicts(guidelines, f"{why}; shares are undefined"),
                       parties=self.parties_doc(deal))
            return doc
        names = [deal.acquirer, *deal.targets]
        present = [n for n in names if n in self.values]
        pvals = [self.values[n] for n in present]
        merged = math.fsum(pvals)
        delta = delta_hhi(pvals, self.total) if pvals else 0.0
        post = min(self.hhi + delta, 10_000.0)
        share = float(Fraction(merged) / Fraction(self.total)) if pvals else 0.0
        doc.update(
            pre_hhi=self.hhi,
            post_hhi=post,
            delta_hhi=delta,
            merged_share=share,
            rank_before=self._rank_of(self.values[deal.acquirer]) if deal.acquirer in self.values else None,
            rank_after=self._rank_of(merged) if pvals else None,
            cr4_before=self.cr4,
            cr4_after=self._cr4_after(present, merged),
            verdicts=verdicts(post, delta, share, guidelines),
            parties=self.parties_doc(deal),
        )
        return doc

    def apply(self, deal: Deal) -> None:
        """Carry out ``deal``: the targets' values move to the acquirer (O(n))."""
        import numpy as np

        if self.status != STATUS_OK:
            return
        names = [deal.acquirer, *deal.targets]
        present = [n for n in names if n in self.values]
        if not present:
            return
        pvals = [self.values[n] for n in present]
        merged = math.fsum(pvals)
        self.hhi = min(self.hhi + delta_hhi(pvals, self.total), 10_000.0)
        asc = self.asc
        for v in pvals:
            asc = np.delete(asc, int(np.searchsorted(asc, v, side="left")))
        self.asc = np.insert(asc, int(np.searchsorted(asc, merged)), merged)
        orig_merged = _fsum(self.original.get(n, 0.0) for n in present)
        for t in deal.targets:
            if t in self.values:
                del self.values[t]
                self.original.pop(t, None)
        if deal.acquirer not in self.values:
            self.names.append(deal.acquirer)
        self.values[deal.acquirer] = merged
        self.original[deal.acquirer] = orig_merged
        self.names = [n for n in self.names if n in self.values]
        self.n = len(self.values)
        self._desc_names = None
        k = self.asc.size
        self.cr4 = 1.0 if k <= 4 else float(min(max(math.fsum(self.asc[-4:].tolist()) / self.total, 0.0), 1.0))


def merge_values(
    names: Sequence[str],
    values: Sequence[float],
    acquirer: str,
    targets: Sequence[str] | str,
    guidelines: Sequence[str] | str = GUIDELINES,
) -> dict:
    """One deal in one market given as lists: the JSON result entry (without ``group``).

    Names must be spelled exactly (use :class:`NameIndex` for forgiving lookup).

    >>> r = merge_values(["A", "B", "C", "D"], [30, 30, 20, 20], "A", "C")
    >>> round(r["pre_hhi"], 6), r["delta_hhi"], round(r["post_hhi"], 6)
    (2600.0, 1200.0, 3800.0)
    """
    if isinstance(targets, str):
        targets = (targets,)
    gl = parse_guidelines(guidelines) if isinstance(guidelines, str) else tuple(guidelines)
    deal = resolve_deal(Deal(acquirer, tuple(targets)), NameIndex(names))
    return MarketState(names, values).evaluate(deal, gl)


# ---------------------------------------------------------------- report


@dataclass
class MergerReport:
    """The result of ``merge``; ``to_dict()`` is the JSON contract (schema_version 1)."""

    input: dict
    results: list[dict]
    mode: str = "single"
    guidelines: tuple = GUIDELINES
    scenarios: str | None = None
    warnings: list[str] = field(default_factory=list)
    command: str = "merge"

    def to_dict(self) -> dict:
        return envelope(self.command, self.input, self.results, self.warnings,
                        mode=self.mode, guidelines=list(self.guidelines), scenarios=self.scenarios)



def merger_of_markets(
    markets: Markets,
    deals: Sequence[Deal],
    *,
    sequential: bool = False,
    guidelines: Sequence[str] | str = GUIDELINES,
    mode: str | None = None,
    scenarios: str | None = None,
) -> MergerReport:
    """Read ``deals`` against every market (group) of ``markets``.

    Names are resolved once against all companies of all groups. In a group where
    a party is absent it counts as 0 (with a warning): the deal changes nothing
    there unless another party is present. Independent deals are sorted by ΔHHI
    (largest first, ties in input order) within each group; sequential deals keep
    their order and carry ``step`` and ``cumulative_delta_hhi``.
    """
    gl = parse_guidelines(guidelines) if isinstance(guidelines, str) or guidelines is None else tuple(guidelines)
    if not deals:
        raise UsageError("no deal to evaluate: give --acquirer and --target, or --scenarios FILE")
    index = NameIndex(markets.companies[ENTITY].tolist())
    resolved = [resolve_deal(d, index) for d in deals]
    if sequential:
        gone: dict[str, int] = {}
        for step, d in enumerate(resolved, start=1):
            for name in (d.acquirer, *d.targets):
                if name in gone:
                    where = f"{d.where}: " if d.where else ""
                    raise UsageError(f"{where}{name!r} was already acquired in step {gone[name]}; "
                                     "a later step cannot name it")
            for t in d.targets:
                gone[t] = step
    warnings = list(markets.warnings)
    results: list[dict] = []
    for group, frame in markets.iter_groups():
        state = MarketState(frame[ENTITY].tolist(), frame[VALUE].to_numpy())
        where = f"group {group_text(group)}" if group else "the market"
        if state.status != STATUS_OK:
            why = "has no values" if state.status == STATUS_EMPTY else "has a total of 0"
            warnings.append(f"{where} {why}; its merger figures are null")
        absent: list[str] = []
        rows = []
        base = state.hhi
        for step, d in enumerate(resolved, start=1):
            if state.status == STATUS_OK:
                absent += [n for n in (d.acquirer, *d.targets) if n not in state.values and n not in absent]
            r = {"group": group}
            r.update(state.evaluate(d, gl))
            if sequential:
                r["step"] = step
                state.apply(d)
                r["cumulative_delta_hhi"] = (
                    None if r["post_hhi"] is None else max(r["post_hhi"] - base, 0.0)
                )
            else:
                r["step"] = None
                r["cumulative_delta_hhi"] = None
            rows.append(r)
        if absent:
            warnings.append(f"{where}: {', '.join(map(repr, absent))} not in this market; counted as 0")
        if not sequential and len(rows) > 1:
            rows = [r for _, r in sorted(
                enumerate(rows),
                key=lambda ir: (ir[1]["delta_hhi"] is None, -(ir[1]["delta_hhi"] or 0.0), ir[0]),
            )]
        results.extend(rows)
    if mode is None:
        mode = "sequential" if sequential else ("scenarios" if scenarios else "single")
    return MergerReport(input=markets.input_dict(), results=results, mode=mode, guidelines=gl,
                        scenarios=scenarios, warnings=warnings)


def merger_report(
    source: Any,
    *,
    acquirer: str | None = None,
    targets: Sequence[str] | str = (),
    scenarios: Any = None,
    sequential: bool = False,
    guidelines: Sequence[str] | str = "all",
    spec: MarketSpec | None = None,
    read: ReadOptions | None = None,
    scenario_read: ReadOptions | None = None,
    progress=None,
    **spec_fields: Any,
) -> MergerReport:
    """Read ``source`` and evaluate a deal (``acquirer`` + ``targets``) or ``scenarios``.

    ``scenarios`` is a path (or DataFrame) with columns acquirer, target[, name].

    >>> from aistruct.merger import merger_report
    >>> rep = merger_report("datasets/ai_app_mau_cn_2025-03.csv", acquirer="Doubao", targets="Kimi")
    >>> rep.results[0]["verdicts"]["us-2023"]["flag"]  # doctest: +SKIP
    """
    if isinstance(targets, str):
        targets = (targets,)
    gl = parse_guidelines(guidelines)
    if scenarios is not None:
        if acquirer is not None or targets:
            raise UsageError("--scenarios replaces --acquirer/--target; give one or the other")
        if isinstance(scenarios, str) and scenarios == "-" and isinstance(source, str) and source == "-":
            raise UsageError("the table and --scenarios cannot both be read from standard input")
        deals = read_scenarios(scenarios, scenario_read)
        label = scenarios if isinstance(scenarios, str) else "<DataFrame>"
    else:
        if sequential:
            raise UsageError("--sequential needs --scenarios FILE")
        if acquirer is None or not targets:
            raise UsageError("give --acquirer NAME and at least one --target NAME (or --scenarios FILE)")
        deals = [Deal(acquirer=acquirer, targets=tuple(targets))]
        label = None
    spec = spec or MarketSpec(**spec_fields)
    markets = load_markets(source, read, spec, progress=progress)
    return merger_of_markets(markets, deals, sequential=sequential, guidelines=gl, scenarios=label)
