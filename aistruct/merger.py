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
  ``cr4_after`` the same for the market after the deal;
* with an ownership table (:mod:`aistruct.ownership`), ``pre_mhhi`` and
  ``post_mhhi``, the modified HHI before and after, and ``delta_mhhi`` = post −
  pre (all null without one). After the deal the acquirer's owners own the
  targets: stakes in a target are bought out, and what a target held in other
  companies passes to the acquirer. ``post_mhhi`` is null when the acquirer is
  not in the market.

Each deal is then read against the guidelines of :mod:`aistruct.guidelines`
(:func:`aistruct.guidelines.guideline_verdict`): the US 2023 Merger Guidelines,
the US 2010 Horizontal Merger Guidelines and the EU Horizontal Merger Guidelines
(2004). Every verdict carries the band of the post-merger HHI, a ``flag`` (a
presumption or concern is triggered), a short ``finding``, the ``reason`` in
numbers and the guideline ``text`` it rests on; the thresholds, texts and
boundary rules live in that module. This one does the ΔHHI arithmetic, resolves
company names and reads scenario files.

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
from aistruct.engines import load_markets
from aistruct.errors import InputError, UsageError, param
from aistruct.guidelines import GUIDELINES, parse_guidelines, undefined_verdicts, verdicts
from aistruct.keywords import split_keywords, with_keywords
from aistruct.markets import ENTITY, VALUE, Markets, MarketSpec, cell_label, resolve_column
from aistruct.reader import ReadOptions, load_table
from aistruct.report import envelope, group_text, results_frame
from aistruct.vocabulary import STATUS_EMPTY, STATUS_OK, STATUS_ZERO

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


def _name_array(names: Any):
    """The names as one pyarrow ``large_string`` array (zero-copy from a pyarrow-backed column)."""
    import pyarrow as pa

    arr = None
    if isinstance(names, (pa.Array, pa.ChunkedArray)):
        arr = names
    elif hasattr(names, "dtype") and hasattr(names, "iloc"):  # a pandas column
        try:
            arr = pa.array(names)
        except (pa.ArrowInvalid, pa.ArrowTypeError):
            arr = None
    if arr is None or not (pa.types.is_string(arr.type) or pa.types.is_large_string(arr.type)):
        arr = pa.array([str(n) for n in names], type=pa.large_string())
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks() if arr.num_chunks != 1 else arr.chunk(0)
    return arr.cast(pa.large_string())


def _positions_in(queries: Sequence[str], names) -> Any:
    """Position of each query in the pyarrow array ``names`` (its first occurrence), -1 when absent.

    The few queries are hashed and every name is probed against them (one pass in C, no
    Python object per name); only the names that match are brought into Python.
    """
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    out = np.full(len(queries), -1, dtype=np.int64)
    if not len(queries):
        return out
    wanted = pa.array([str(q) for q in queries], type=pa.large_string())
    hits = np.flatnonzero(pc.is_in(names, value_set=wanted).to_numpy(zero_copy_only=False))
    first: dict[str, int] = {}
    for pos, name in zip(hits.tolist(), names.take(pa.array(hits)).to_pylist()):
        first.setdefault(name, pos)
    for k, q in enumerate(queries):
        out[k] = first.get(str(q), -1)
    return out


class NameIndex:
    """Company names of a table, for exact-then-case-insensitive lookup.

    ``names`` may be a list or a column; exact matches are looked up in it by one
    vectorised membership test per batch of names (:meth:`prime`), so a million
    names cost no Python set; the full set of names is built only when an exact
    match fails (for the case-insensitive match and the suggestions).
    """

    def __init__(self, names: Iterable[str]):
        self._source = names
        self._array: Any = None
        self._known: dict[str, bool] = {}
        self._all: set[str] | None = None
        self._folded_index: dict[str, list[str]] | None = None

    def _names(self):
        if self._array is None:
            self._array = _name_array(self._source)
        return self._array

    def prime(self, queries: Iterable[str]) -> None:
        """Look the exact ``queries`` up at once (later :meth:`resolve` calls then cost no scan)."""
        todo = sorted({str(q) for q in queries} - set(self._known))
        if todo:
            for q, pos in zip(todo, _positions_in(todo, self._names()).tolist()):
                self._known[q] = pos >= 0

    def __contains__(self, name: object) -> bool:
        text = str(name)
        if text not in self._known:
            self.prime([text])
        return self._known[text]

    @property
    def names(self) -> list[str]:
        return sorted(self._every())

    def _every(self) -> set[str]:
        if self._all is None:
            self._all = set(self._names().to_pylist())
        return self._all

    @property
    def _folded(self) -> dict[str, list[str]]:
        # Built only when an exact match fails: folding a million names costs a second.
        if self._folded_index is None:
            folded: dict[str, list[str]] = {}
            for n in sorted(self._every()):
                folded.setdefault(_fold(n), []).append(n)
            self._folded_index = folded
        return self._folded_index

    def resolve(self, name: str, option: str, where: str = "") -> str:
        """The company ``name`` means: exact match, then case-insensitive; exit 2 otherwise."""
        prefix = f"{where}: " if where else ""
        text = str(name)
        if text in self:
            return text
        hits = self._folded.get(_fold(text), [])
        if len(hits) == 1:
            return hits[0]
        if len(hits) > 1:
            raise UsageError(
                f"{prefix}{option} {text!r} matches several companies: {', '.join(map(repr, hits))}; spell it exactly"
            )
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
        raise UsageError(f"{deal.where + ': ' if deal.where else ''}a deal needs at least one {param('targets')}")
    acq = index.resolve(deal.acquirer, param("acquirer") if not deal.where else "acquirer", deal.where)
    targets: list[str] = []
    for t in deal.targets:
        name = index.resolve(t, param("targets") if not deal.where else "target", deal.where)
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
    what = f"{param('scenarios')} {raw.source}"
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


def _floats(x) -> Iterable[float]:
    """The float64 array's values as Python floats one by one (a memoryview: no list of a million floats)."""
    import numpy as np

    arr: Any = np.ascontiguousarray(x, dtype=np.float64)
    return memoryview(arr)


#: How many of the largest companies a report keeps per deal (for charts of the rivals).
LARGEST_KEPT = 12


class MarketState:
    """One market, prepared so deals can be read against it cheaply.

    ``names``/``values`` are per-company totals (non-negative). Values whose sum
    would overflow are divided by their maximum first (all figures are scale
    invariant; reported company values stay the original ones).

    The companies live in arrays (names as one pyarrow array, values in numpy, in
    the order given); a company is found by a vectorised lookup (:meth:`locate`,
    once for every party of every deal) and the largest ones by a partition, so
    setting up a market of a million companies creates no Python object per company.
    """

    #: how many of the largest companies one partition finds (more are found on demand)
    TOP_CACHED = 64

    def __init__(self, names: Sequence[str], values: Sequence[float], fringe: float | None = None):
        import numpy as np

        x = np.asarray(values, dtype=np.float64).ravel()
        #: the unobserved fringe (``--other``/``--total``), None without one; ``hhi_hi`` is the
        #: HHI's upper bound (:func:`aistruct.metrics.fringe_bounds`), ``hhi`` its lower bound
        self.fringe = None if fringe is None else float(fringe)
        self.fringe_original = self.fringe
        self.hhi_hi: float | None = None
        self._names = _name_array(names)
        self._base = len(self._names)  # slots below this are the given companies, in order
        self._added: list[str] = []  # acquirers a sequential step brought into the market (slots from _base)
        self._slot: dict[str, int] = {}  # name -> slot (-1: not in the market), filled by locate()
        self._alive = np.ones(self._base, dtype=bool)  # per slot; False once a sequential step's target
        self.n = int(x.size)
        self._orig = x.copy()  # the original values (reported)
        self._top: Any = None  # slots of the largest companies, largest first (cached)
        if self.n == 0:
            self.status = STATUS_EMPTY
        elif float(x.max()) <= 0:
            self.status = STATUS_ZERO
        else:
            self.status = STATUS_OK
        if self.status != STATUS_OK:
            self._x = np.zeros(self.n)
            self.total = 0.0
            self.hhi = self.cr4 = None
            self.asc = np.zeros(0)
            return
        f = self.fringe or 0.0
        total = _fsum(_floats(x)) + f
        if not math.isfinite(total):
            top = float(x.max())
            x = x / top
            f = f / top
            total = _fsum(_floats(x)) + f
        self.total = total
        self._x = x  # the values the shares are of (scaled when their sum overflows)
        if self.fringe is None:
            self.hhi = metrics.hhi(x)
            self.cr4 = metrics.concentration_ratios(x, (4,))["4"]
        else:
            self.fringe = f
            b = metrics.fringe_bounds(x, f, (4,))
            self.hhi, self.hhi_hi = b["hhi"]
            self.cr4 = b["cr"]["4"][0]
        self.asc = np.sort(x)

    # -- companies
    def locate(self, names: Iterable[str]) -> None:
        """Find ``names`` in the market at once (one vectorised lookup for those not looked up yet)."""
        todo = sorted({str(n) for n in names} - set(self._slot))
        if todo:
            for n, pos in zip(todo, _positions_in(todo, self._names).tolist()):
                self._slot[n] = int(pos)

    def slot(self, name: str) -> int | None:
        """The company's position in the value arrays, None when it is not in the market."""
        name = str(name)
        if name not in self._slot:
            self.locate([name])
        pos = self._slot[name]
        if pos < 0 or not self._alive[pos]:
            return None
        return pos

    def __contains__(self, name: object) -> bool:
        return self.slot(str(name)) is not None

    def value(self, name: str) -> float:
        """The company's value as the shares use it (scaled when the sum overflows)."""
        pos = self.slot(name)
        if pos is None:
            raise KeyError(name)
        return float(self._x[pos])

    def values_of(self, names: Sequence[str]) -> list[float]:
        """:meth:`value` of each name, 0.0 for a company not in the market."""
        self.locate(names)
        out = []
        for n in names:
            pos = self.slot(n)
            out.append(0.0 if pos is None else float(self._x[pos]))
        return out

    def _name_of(self, pos: int) -> str:
        return str(self._names[pos].as_py()) if pos < self._base else self._added[pos - self._base]

    # -- helpers
    def _rank_of(self, v: float) -> int:
        import numpy as np

        return 1 + int(self.asc.size - np.searchsorted(self.asc, v, side="right"))

    def _top_slots(self, k: int) -> list[int]:
        """Slots of the k largest companies, largest first, ties in market order (the order of a
        stable sort of the values, descending), from one partition; the first ``TOP_CACHED`` are cached."""
        import numpy as np

        if self._top is None or (len(self._top) < k and len(self._top) < self.n):
            want = max(k, self.TOP_CACHED)
            live = np.flatnonzero(self._alive)
            v = self._x[live]
            if live.size > want:
                cutoff = np.partition(v, live.size - want)[live.size - want]
                live = live[v >= cutoff]
                v = self._x[live]
            order = np.lexsort((live, -v))
            self._top = live[order][:want].tolist()
        return self._top[:k]

    def _top_names(self, k: int) -> list:
        """Names of the k largest companies (largest first)."""
        return [self._name_of(i) for i in self._top_slots(k)]

    def largest(self, k: int) -> list[tuple[str, float]]:
        """(name, share) of the k largest companies, largest first; empty for a market without shares."""
        if self.status != STATUS_OK:
            return []
        return [(self._name_of(i), float(self._x[i]) / self.total) for i in self._top_slots(k)]

    def _cr4_after(self, present: list, merged: float) -> float:
        """CR4 of the market after the present parties become one firm worth ``merged``."""
        n_after = self.asc.size - len(present) + (1 if present else 0)
        if n_after <= 4 and self.fringe is None:
            return 1.0  # as metrics.concentration_ratio: k >= n gives exactly 1
        skip = {self.slot(n) for n in present}
        top = [float(self._x[i]) for i in self._top_slots(4 + len(present)) if i not in skip]
        if present:
            top.append(merged)
        top = sorted(top, reverse=True)[:4]
        return float(min(max(math.fsum(top) / self.total, 0.0), 1.0))

    def parties_doc(self, deal: Deal) -> list:
        out = []
        for role, name in [("acquirer", deal.acquirer)] + [("target", t) for t in deal.targets]:
            pos = self.slot(name)
            present = pos is not None
            share = (float(self._x[pos]) / self.total) if pos is not None and self.status == STATUS_OK else None
            out.append(
                {
                    "entity": name,
                    "role": role,
                    "present": present,
                    "value": float(self._orig[pos]) if pos is not None else None,
                    "share": share,
                }
            )
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
            doc.update(
                pre_hhi=None,
                post_hhi=None,
                delta_hhi=None,
                merged_share=None,
                rank_before=None,
                rank_after=None,
                cr4_before=None,
                cr4_after=None,
                verdicts=undefined_verdicts(guidelines, f"{why}; shares are undefined"),
                parties=self.parties_doc(deal),
                bounds=None,
                fringe=None if self.fringe is None else {"value": self.fringe_original, "share": None},
                verdicts_high=None,
            )
            return doc
        names = [deal.acquirer, *deal.targets]
        self.locate(names)
        present = [n for n in names if n in self]
        pvals = [self.value(n) for n in present]
        merged = math.fsum(pvals)
        delta = delta_hhi(pvals, self.total) if pvals else 0.0
        assert self.hhi is not None  # a market with shares (the undefined case returned above)
        post = min(self.hhi + delta, 10_000.0)
        share = float(Fraction(merged) / Fraction(self.total)) if pvals else 0.0
        doc.update(
            pre_hhi=self.hhi,
            post_hhi=post,
            delta_hhi=delta,
            merged_share=share,
            rank_before=self._rank_of(self.value(deal.acquirer)) if deal.acquirer in self else None,
            rank_after=self._rank_of(merged) if pvals else None,
            cr4_before=self.cr4,
            cr4_after=self._cr4_after(present, merged),
            verdicts=verdicts(post, delta, share, guidelines),
            parties=self.parties_doc(deal),
            bounds=None,
            fringe=None,
            verdicts_high=None,
        )
        if self.fringe is not None and self.hhi_hi is not None:
            post_hi = min(self.hhi_hi + delta, 10_000.0)
            doc["bounds"] = {"pre_hhi": [self.hhi, self.hhi_hi], "post_hhi": [post, post_hi]}
            doc["fringe"] = {"value": self.fringe_original, "share": self.fringe / self.total}
            doc["verdicts_high"] = verdicts(post_hi, delta, share, guidelines)
        return doc

    def apply(self, deal: Deal) -> None:
        """Carry out ``deal``: the targets' values move to the acquirer (O(n))."""
        import numpy as np

        if self.status != STATUS_OK:
            return
        names = [deal.acquirer, *deal.targets]
        self.locate(names)
        present = [n for n in names if n in self]
        if not present:
            return
        pvals = [self.value(n) for n in present]
        merged = math.fsum(pvals)
        assert self.hhi is not None  # parties present: the market has shares
        step = delta_hhi(pvals, self.total)
        self.hhi = min(self.hhi + step, 10_000.0)
        if self.hhi_hi is not None:
            self.hhi_hi = min(self.hhi_hi + step, 10_000.0)
        asc = self.asc
        for v in pvals:
            asc = np.delete(asc, int(np.searchsorted(asc, v, side="left")))
        self.asc = np.insert(asc, int(np.searchsorted(asc, merged)), merged)
        orig_merged = _fsum(float(self._orig[p]) for p in (self.slot(n) for n in present) if p is not None)
        for t in deal.targets:
            pos = self.slot(t)
            if pos is not None:
                self._alive[pos] = False
        if not self._x.flags.writeable:  # a view of the column read (the first step copies it)
            self._x = self._x.copy()
        acq = self.slot(deal.acquirer)
        if acq is None:  # joins the market as the last company
            acq = self._x.size
            self._added.append(deal.acquirer)
            self._slot[deal.acquirer] = acq
            self._x = np.append(self._x, 0.0)
            self._orig = np.append(self._orig, 0.0)
            self._alive = np.append(self._alive, True)
        self._x[acq] = merged
        self._orig[acq] = orig_merged
        self.n = int(np.count_nonzero(self._alive))
        self._top = None
        k = self.asc.size
        if k <= 4 and self.fringe is None:
            self.cr4 = 1.0
        else:
            self.cr4 = float(min(max(math.fsum(self.asc[-4:].tolist()) / self.total, 0.0), 1.0))


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
    #: Per result, (name, share) of the largest companies before that deal, for charts; not part of the JSON.
    largest: list = field(default_factory=list, repr=False, compare=False)

    def to_dict(self) -> dict:
        return envelope(
            self.command,
            self.input,
            self.results,
            self.warnings,
            mode=self.mode,
            guidelines=list(self.guidelines),
            scenarios=self.scenarios,
        )

    def to_frame(self):
        """The results as a pandas DataFrame (:func:`aistruct.report.results_frame`), one row per deal and market."""
        return results_frame(self.results)


def merger_of_markets(
    markets: Markets,
    deals: Sequence[Deal],
    *,
    sequential: bool = False,
    guidelines: Sequence[str] | str = GUIDELINES,
    mode: str | None = None,
    scenarios: str | None = None,
    ownership: Any = None,
) -> MergerReport:
    """Read ``deals`` against every market (group) of ``markets``.

    Names are resolved once against all companies of all groups. In a group where
    a party is absent it counts as 0 (with a warning): the deal changes nothing
    there unless another party is present. Independent deals are sorted by ΔHHI
    (largest first, ties in input order) within each group; sequential deals keep
    their order and carry ``step`` and ``cumulative_delta_hhi``. ``ownership`` (a path,
    rows or an :class:`aistruct.ownership.Ownership`) adds ``pre_mhhi``, ``post_mhhi`` and
    ``delta_mhhi``.
    """
    own = None
    if ownership is not None:
        from aistruct.ownership import load_ownership

        own = load_ownership(ownership)
    gl = parse_guidelines(guidelines) if isinstance(guidelines, str) or guidelines is None else tuple(guidelines)
    if not deals:
        raise UsageError(
            f"no deal to evaluate: give {param('acquirer')} and {param('targets')}, or {param('scenarios')} FILE"
        )
    index = NameIndex(markets.companies[ENTITY])
    index.prime(n for d in deals for n in (d.acquirer, *d.targets))
    resolved = [resolve_deal(d, index) for d in deals]
    if sequential:
        gone: dict[str, int] = {}
        for step, d in enumerate(resolved, start=1):
            for name in (d.acquirer, *d.targets):
                if name in gone:
                    where = f"{d.where}: " if d.where else ""
                    raise UsageError(
                        f"{where}{name!r} was already acquired in step {gone[name]}; a later step cannot name it"
                    )
            for t in d.targets:
                gone[t] = step
    warnings = list(markets.warnings)
    results: list[dict] = []
    largest: list = []
    unmatched: set | None = None
    for group, frame in markets.iter_groups():
        fringe = None if markets.fringe is None else markets.fringe.get(tuple(group[b] for b in markets.by), 0.0)
        state = MarketState(frame[ENTITY], frame[VALUE].to_numpy(), fringe)
        state.locate(n for d in resolved for n in (d.acquirer, *d.targets))
        where = f"group {group_text(group)}" if group else "the market"
        if state.status != STATUS_OK:
            why = "has no values" if state.status == STATUS_EMPTY else "has a total of 0"
            warnings.append(f"{where} {why}; its merger figures are null")
        absent: list[str] = []
        rows = []
        base = state.hhi
        owned = None
        if own is not None:
            from aistruct.ownership import OwnedMarket

            owned = OwnedMarket(frame[ENTITY].tolist(), own)
            unmatched = set(owned.unmatched) if unmatched is None else unmatched & set(owned.unmatched)
        for step, d in enumerate(resolved, start=1):
            if state.status == STATUS_OK:
                absent += [n for n in (d.acquirer, *d.targets) if n not in state and n not in absent]
            r = {"group": group}
            before = state.largest(LARGEST_KEPT)
            r.update(state.evaluate(d, gl))
            r["pre_mhhi"] = r["post_mhhi"] = r["delta_mhhi"] = None
            if owned is not None:
                owned = _add_mhhi(r, state, owned, d, where, warnings)
            if sequential:
                r["step"] = step
                state.apply(d)
                r["cumulative_delta_hhi"] = None if r["post_hhi"] is None else max(r["post_hhi"] - base, 0.0)
            else:
                r["step"] = None
                r["cumulative_delta_hhi"] = None
            rows.append((r, before))
        if absent:
            warnings.append(f"{where}: {', '.join(map(repr, absent))} not in this market; counted as 0")
        if not sequential and len(rows) > 1:
            rows = [
                rb
                for _, rb in sorted(
                    enumerate(rows),
                    key=lambda ir: (ir[1][0]["delta_hhi"] is None, -(ir[1][0]["delta_hhi"] or 0.0), ir[0]),
                )
            ]
        for r, _ in rows:
            differ = [
                g
                for g, v in (r["verdicts_high"] or {}).items()
                if (v["band"], v["flag"], v["finding"])
                != tuple(r["verdicts"][g][k] for k in ("band", "flag", "finding"))
            ]
            for g in differ:
                lo, hi = r["verdicts"][g], r["verdicts_high"][g]
                deal = r["scenario"] or f"{r['acquirer']} + {', '.join(r['targets'])}"
                warnings.append(
                    f"{where}, {deal}: {g} reads {_finding(lo)} at the low end of the HHI range and "
                    f"{_finding(hi)} at the high end (the unobserved fringe decides)"
                )
        results.extend(r for r, _ in rows)
        largest.extend(b for _, b in rows)
    if own is not None and unmatched:
        from aistruct.ownership import unmatched_warning

        warnings.append(unmatched_warning(own.source, sorted(unmatched)))
    if mode is None:
        mode = "sequential" if sequential else ("scenarios" if scenarios else "single")
    return MergerReport(
        input=markets.input_dict(),
        results=results,
        mode=mode,
        guidelines=gl,
        scenarios=scenarios,
        warnings=warnings,
        largest=largest,
    )


def _finding(v: dict) -> str:
    return repr(v["finding"] or v["band"] or "no finding")


def _add_mhhi(r: dict, state: MarketState, owned, deal: Deal, where: str, warnings: list):
    """``pre_mhhi``/``post_mhhi``/``delta_mhhi`` of one deal into ``r``; the ownership after it
    (the next step's, in sequential mode), or None once the ownership can no longer be followed."""
    if r["status"] != STATUS_OK:
        return owned
    values = state.values_of(owned.names)
    undefined = owned.undefined(values)
    if undefined:
        warnings.append(f"{where}: mhhi is undefined: no controller of {undefined[0]!r} holds any of its cash flow")
        return owned
    pre = owned.mhhi_delta(values)
    if pre is None:
        return owned
    r["pre_mhhi"] = r["pre_hhi"] + pre
    if deal.acquirer not in owned.names:
        return None
    after = owned.merged(deal.acquirer, deal.targets)
    pos = {n: i for i, n in enumerate(owned.names)}
    post = list(values)
    for t in deal.targets:
        if t in pos:
            post[pos[deal.acquirer]] += post[pos[t]]
            post[pos[t]] = 0.0
    delta = after.mhhi_delta(post)
    if delta is not None:
        r["post_mhhi"] = r["post_hhi"] + delta
        r["delta_mhhi"] = r["post_mhhi"] - r["pre_mhhi"]
    return after


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
    ownership: Any = None,
    **spec_fields: Any,
) -> MergerReport:
    """Read ``source`` and evaluate a deal (``acquirer`` + ``targets``) or ``scenarios``.

    ``scenarios`` is a path (or DataFrame) with columns acquirer, target[, name].
    ``ownership`` (see :mod:`aistruct.ownership`) adds the pre- and post-merger MHHI.

    >>> from aistruct.merger import merger_report
    >>> rep = merger_report("datasets/ai_app_mau_cn_2025-03.csv", acquirer="Doubao", targets="Kimi")
    >>> rep.results[0]["verdicts"]["us-2023"]["flag"]  # doctest: +SKIP
    """
    spec_kw, read_kw = split_keywords(merger_report, spec_fields, (MarketSpec, ReadOptions))
    if isinstance(targets, str):
        targets = (targets,)
    gl = parse_guidelines(guidelines)
    if scenarios is not None:
        if acquirer is not None or targets:
            raise UsageError(
                f"{param('scenarios')} replaces {param('acquirer')}/{param('targets')}; give one or the other"
            )
        if isinstance(scenarios, str) and scenarios == "-" and isinstance(source, str) and source == "-":
            raise UsageError(f"the table and {param('scenarios')} cannot both be read from standard input")
        deals = read_scenarios(scenarios, scenario_read)
        label = scenarios if isinstance(scenarios, str) else "<DataFrame>"
    else:
        if sequential:
            raise UsageError(f"{param('sequential')} needs {param('scenarios')} FILE")
        if acquirer is None or not targets:
            raise UsageError(
                f"give {param('acquirer')} NAME and at least one {param('targets')} NAME (or {param('scenarios')} FILE)"
            )
        deals = [Deal(acquirer=acquirer, targets=tuple(targets))]
        label = None
    spec = with_keywords(spec, MarketSpec, spec_kw) or MarketSpec()
    read = with_keywords(read, ReadOptions, read_kw)
    if ownership is not None:  # a bad ownership table exits 2 before the market is read
        from aistruct.ownership import check_ownership_source, load_ownership

        check_ownership_source(ownership, source)
        ownership = load_ownership(ownership, scenario_read or read)
    markets = load_markets(source, read, spec, progress=progress)
    return merger_of_markets(markets, deals, sequential=sequential, guidelines=gl, scenarios=label, ownership=ownership)
