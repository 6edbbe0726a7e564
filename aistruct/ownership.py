"""Ownership: the modified HHI (MHHI) of O'Brien and Salop (2000) from a table of stakes.

An ownership table (``--ownership FILE``, any format the reader knows) has the
columns ``owner``, ``company``, ``stake`` (the owner's share of the company's
profits: cash flow, β) and optionally ``control`` (its share of the company's
control, γ; default: equal to the stake). With s_j the market shares,

    MHHI = 10,000 Σ_j Σ_k s_j s_k (Σ_i γ_ij β_ik) / (Σ_i γ_ij β_ij)

the manager of firm j weighs firm k's profit by its controllers' cash flow in k
relative to their cash flow in j. ``mhhi_delta`` = MHHI − HHI (the sum over
k ≠ j). Rules:

* a stake or control cell ending in ``%`` is a percentage; a plain number is a
  fraction unless some plain number of its column exceeds 1, in which case every
  plain number of that column is a percentage (``40`` = 40%, ``0.5`` = 0.5%);
* the part of a company nobody in the table holds (100% minus its stakes, and
  100% minus its controls) belongs to an owner of its own, named after the
  company; a company with no row is wholly owned by it. An owner whose name is a
  company of the market *is* that company's own owner (a company's stake in a
  rival: "Microsoft holds 49% of OpenAI");
* stakes (or controls) of one company summing above 100%, and negative ones,
  exit 2 naming the company;
* companies are matched to the market's names (after ``aliases``/``parents``)
  exactly, then ignoring case and surrounding spaces; rows naming no company of
  the market are listed in one warning;
* a firm with a positive share whose controllers hold none of its cash flow
  (Σ_i γ_ij β_ij = 0) makes the ratio undefined: ``mhhi`` is null for that
  market, with a warning naming it (R ``antitrust::HHI`` divides by 0 there and
  returns NaN or Inf).

The sum is computed over the ownership links, not over pairs of firms: with
v_i = Σ_k β_ik s_k, firm j's cross term is Σ_i γ_ij (v_i − β_ij s_j), so the cost
is O(companies + rows) and firms that share no owner add exactly nothing.

References: O'Brien, D. P. and Salop, S. C. (2000), "Competitive Effects of
Partial Ownership: Financial Interest and Corporate Control", Antitrust Law
Journal 67, 559-614; R package ``antitrust``, ``HHI(shares, owner, control)``.

>>> o = Ownership.from_rows([("A", "A", 1.0), ("A", "B", 0.2, 0.0)])
>>> round(OwnedMarket(["A", "B"], o).mhhi_delta([60, 40]), 6)
480.0
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterable, Sequence

from aistruct.errors import InputError, UsageError, as_options, param

#: The columns of an ownership table (``control`` may be left out).
OWNERSHIP_COLUMNS = ("owner", "company", "stake", "control")
#: Rounding slack of the "above 100%" check (percentages typed with decimals).
TOLERANCE = 1e-9
#: How many names a warning lists.
SHOWN = 5


def fold(name: str) -> str:
    """Case folded, surrounding white space removed (as the name maps match)."""
    return str(name).strip().casefold()


def modified_hhi(shares: Sequence[float], stake: Any, control: Any = None) -> float:
    """MHHI (O'Brien–Salop) of ``shares`` (n firms, summing to 1) from owners × firms matrices.

    ``stake[i][j]`` is owner i's share of firm j's profits (β), ``control[i][j]`` its
    share of firm j's control (γ; default: ``stake``). Returns
    10,000 Σ_j Σ_k s_j s_k (Σ_i γ_ij β_ik)/(Σ_i γ_ij β_ij); ``ValueError`` when some
    firm's Σ_i γ_ij β_ij is 0.

    >>> modified_hhi([0.5, 0.5], [[1, 0], [0, 1]])  # independent firms: the HHI
    5000.0
    >>> modified_hhi([0.5, 0.5], [[1, 1]])  # one owner of both: a monopoly
    10000.0
    """
    import numpy as np

    s = np.asarray(shares, dtype=np.float64)
    beta = np.atleast_2d(np.asarray(stake, dtype=np.float64))
    gamma = beta if control is None else np.atleast_2d(np.asarray(control, dtype=np.float64))
    if beta.shape != gamma.shape or beta.shape[1] != s.size:
        raise ValueError("stake and control must be owners x firms matrices with one column per share")
    weights = gamma.T @ beta  # [j, k] = Σ_i γ_ij β_ik
    d = np.diag(weights)
    if np.any(d <= 0):
        raise ValueError("a firm's controllers hold none of its cash flow (Σ_i γ_ij β_ij = 0)")
    return float(10_000 * (s @ (weights / d[:, None]) @ s))


def _percent_cells(values: list, column: str, source: str, row_label) -> list[float | None]:
    """The cells of ``column`` as fractions (see the module's rule); None where blank."""
    from aistruct.numbers import BadNumber, parse_number

    parsed: list[tuple[float | None, bool]] = []
    for i, v in enumerate(values):
        text = v.strip() if isinstance(v, str) else v
        percent = isinstance(text, str) and text.endswith("%")
        try:
            number = parse_number(text)
        except BadNumber:
            raise InputError(f"{source}: {row_label(i)}: column {column!r}: {v!r} is not a number") from None
        if number is not None and number < 0:
            raise InputError(f"{source}: {row_label(i)}: column {column!r}: negative {column} {v!r}")
        parsed.append((number, percent))
    plain_percent = any(n is not None and not p and n > 1 for n, p in parsed)
    return [None if n is None else (n / 100 if p or plain_percent else n) for n, p in parsed]


@dataclass
class Ownership:
    """An ownership table, checked: (owner, company, stake, control) rows as fractions."""

    source: str = "<rows>"
    rows: list = field(default_factory=list)

    @classmethod
    def from_rows(cls, rows: Iterable[Sequence], source: str = "<rows>") -> Ownership:
        """From (owner, company, stake[, control]) tuples with fractions; control defaults to the stake."""
        out = []
        for r in rows:
            owner, company, stake = str(r[0]).strip(), str(r[1]).strip(), float(r[2])
            control = float(r[3]) if len(r) > 3 and r[3] is not None else stake
            if stake < 0 or control < 0:
                raise InputError(f"{source}: company {company!r}: negative stake or control")
            out.append((owner, company, stake, control))
        o = cls(source=source, rows=out)
        o.check_sums({fold(c): c for _, c, _, _ in out}, key=fold)
        return o

    def check_sums(self, names: dict, key) -> None:
        """Exit 2 when the stakes or controls of one company (by ``key``) sum above 100%."""
        sums: dict = {}
        for _, company, stake, control in self.rows:
            k = key(company)
            if k is None:
                continue
            b, g = sums.get(k, (0.0, 0.0))
            sums[k] = (b + stake, g + control)
        for k, (b, g) in sums.items():
            for what, total in (("stakes", b), ("controls", g)):
                if total > 1 + TOLERANCE:
                    raise InputError(
                        f"{self.source}: company {names[k]!r}: its {what} sum to {total * 100:.6g}% (above 100%)"
                    )


def check_ownership_source(ownership: Any, source: Any) -> None:
    """Exit 2 when the table and the ownership table would both be read from standard input."""
    if isinstance(ownership, str) and ownership == "-" and isinstance(source, str) and source == "-":
        raise UsageError(f"the table and {param('ownership')} cannot both be read from standard input")


def load_ownership(spec: Any, read=None) -> Ownership:
    """An :class:`Ownership` from a path (read like any input), a DataFrame or rows; bad tables exit 2."""
    if isinstance(spec, Ownership):
        return spec
    if isinstance(spec, (list, tuple)):
        return Ownership.from_rows(spec)
    import os

    from aistruct.markets.columns import resolve_column
    from aistruct.reader import ReadOptions, load_table

    if hasattr(spec, "columns"):  # a DataFrame
        raw = load_table(spec)
    elif isinstance(spec, str) or hasattr(spec, "__fspath__"):
        max_bytes = getattr(read, "max_bytes", None) or ReadOptions().max_bytes
        raw = load_table(os.fspath(spec), ReadOptions(max_bytes=max_bytes))
    else:
        raise UsageError(f"{param('ownership')}: give a file, a DataFrame or (owner, company, stake) rows")
    frame = raw.frame
    columns = [str(c) for c in frame.columns]
    frame.columns = columns
    option = param("ownership")
    what = f"{option} {raw.source}"
    owner_col, company_col, stake_col = (resolve_column(c, columns, what, "column") for c in OWNERSHIP_COLUMNS[:3])
    folded = {c.strip().casefold(): c for c in columns}
    control_col = folded.get("control")
    stakes = _percent_cells(frame[stake_col].tolist(), "stake", raw.source, raw.row_label)
    controls = (
        _percent_cells(frame[control_col].tolist(), "control", raw.source, raw.row_label)
        if control_col
        else [None] * len(stakes)
    )
    rows = []
    for i, (owner, company) in enumerate(zip(frame[owner_col].tolist(), frame[company_col].tolist())):
        owner_text = "" if _missing(owner) else str(owner).strip()
        company_text = "" if _missing(company) else str(company).strip()
        stake, control = stakes[i], controls[i]
        if not owner_text and not company_text and stake is None and control is None:
            continue  # a blank row
        for name, value in (("owner", owner_text), ("company", company_text)):
            if not value:
                raise InputError(f"{raw.source}: {raw.row_label(i)}: blank {name!r}")
        if stake is None:
            raise InputError(f"{raw.source}: {raw.row_label(i)}: blank 'stake'")
        rows.append((owner_text, company_text, stake, stake if control is None else control))
    o = Ownership(source=raw.source, rows=rows)
    o.check_sums({fold(c): c for _, c, _, _ in rows}, key=fold)
    return o


def _missing(value) -> bool:
    try:
        return value is None or value != value  # None, NaN, pandas NA
    except (TypeError, ValueError):
        return True


class _Names:
    """A market's company names: exact lookup, then folded when the folded name is unique."""

    def __init__(self, names: Sequence[str]):
        self.names = names
        self.exact = {n: i for i, n in enumerate(names)}
        self._folded: dict | None = None

    def find(self, name: str) -> int | None:
        i = self.exact.get(name)
        if i is not None:
            return i
        if self._folded is None:  # built on the first miss only: folding every name costs time
            folded: dict = {}
            for j, n in enumerate(self.names):
                folded.setdefault(fold(n), []).append(j)
            self._folded = {k: v[0] for k, v in folded.items() if len(v) == 1}
        return self._folded.get(fold(name))


class OwnedMarket:
    """One market's firms with their ownership links, ready for :meth:`mhhi_delta`.

    Links are (owner, firm, β, γ) with owners numbered: firm j's own owner is j,
    outside owners (funds) come after the firms.
    """

    def __init__(self, names: Sequence[str], ownership: Ownership):
        self.names = [str(n) for n in names]
        self.source = ownership.source
        index = _Names(self.names)
        outside: dict = {}
        links: dict = {}
        #: rows whose company is not in this market (the CLI warns once over all markets)
        self.unmatched: list[str] = []
        for owner, company, stake, control in ownership.rows:
            j = index.find(company)
            if j is None:
                self.unmatched.append(company)
                continue
            i = index.find(owner)
            if i is None:
                i = len(self.names) + outside.setdefault(fold(owner), len(outside))
            b, g = links.get((i, j), (0.0, 0.0))
            links[(i, j)] = (b + stake, g + control)
        ownership.check_sums({j: self.names[j] for _, j in links}, key=lambda c: index.find(c))
        self.n_owners = len(self.names) + len(outside)
        self._build(links)

    def _build(self, links: dict) -> None:
        import numpy as np

        n = len(self.names)
        held_b = np.zeros(n)
        held_g = np.zeros(n)
        for (i, j), (b, g) in links.items():
            if i != j:
                held_b[j] += b
                held_g[j] += g
        own = {i: links.pop((i, j)) for (i, j) in list(links) if i == j}
        self_b = np.clip(1.0 - held_b, 0.0, None)
        self_g = np.clip(1.0 - held_g, 0.0, None)
        for j, (b, g) in own.items():  # an explicit row "X holds p of X": the rest is X's anyway
            self_b[j] = max(self_b[j], b)
            self_g[j] = max(self_g[j], g)
        others = list(links.items())
        self.owner = np.concatenate([np.arange(n), np.asarray([i for (i, _), _ in others], dtype=np.int64)])
        self.firm = np.concatenate([np.arange(n), np.asarray([j for (_, j), _ in others], dtype=np.int64)])
        self.beta = np.concatenate([self_b, np.asarray([b for _, (b, _) in others], dtype=np.float64)])
        self.gamma = np.concatenate([self_g, np.asarray([g for _, (_, g) in others], dtype=np.float64)])
        self.links = links

    def undefined(self, values: Any) -> list[str]:
        """Firms with a positive value whose controllers hold none of their cash flow."""
        import numpy as np

        x = np.asarray(values, dtype=np.float64)
        d = np.bincount(self.firm, weights=self.gamma * self.beta, minlength=len(self.names))
        return [self.names[j] for j in np.flatnonzero((d <= 0) & (x > 0)).tolist()]

    def mhhi_delta(self, values: Any) -> float | None:
        """MHHI − HHI of the market with these per-firm values (None when a ratio is undefined)."""
        import numpy as np

        x = np.asarray(values, dtype=np.float64)
        total = float(x.sum())
        if not total > 0 or self.undefined(x):
            return None
        s = x / total
        n = len(self.names)
        flow = self.beta * s[self.firm]
        v = np.bincount(self.owner, weights=flow, minlength=self.n_owners)  # v_i = Σ_k β_ik s_k
        cross = np.bincount(self.firm, weights=self.gamma * (v[self.owner] - flow), minlength=n)
        d = np.bincount(self.firm, weights=self.gamma * self.beta, minlength=n)
        live = s > 0
        return float(10_000 * np.sum(s[live] * cross[live] / d[live]))

    def merged(self, acquirer: str, targets: Sequence[str]) -> OwnedMarket:
        """The market after ``acquirer`` buys ``targets``: the acquirer's owners own the targets.

        Stakes in a target are bought out; what a target held in other firms now
        belongs to the acquirer. The targets stay as firms of value 0 (the caller
        moves their values to the acquirer).
        """
        pos = {n: i for i, n in enumerate(self.names)}
        a = pos[acquirer]
        gone = {pos[t] for t in targets if t in pos}
        links: dict = {}
        for (i, j), (b, g) in self.links.items():
            if j in gone:
                continue
            i = a if i in gone else i
            b0, g0 = links.get((i, j), (0.0, 0.0))
            links[(i, j)] = (b0 + b, g0 + g)
        out = OwnedMarket.__new__(OwnedMarket)
        out.names, out.source, out.unmatched, out.n_owners = self.names, self.source, [], self.n_owners
        out._build(links)
        return out


def market_mhhi(names: Sequence[str], values: Any, ownership: Ownership) -> tuple[float | None, list, list]:
    """(``mhhi_delta`` or None, the firms that make it undefined, the rows' companies not in this market)."""
    market = OwnedMarket(names, ownership)
    undefined = market.undefined(values)
    return (None if undefined else market.mhhi_delta(values)), undefined, market.unmatched


def unmatched_warning(source: str, names: Iterable[str]) -> str:
    """The one warning naming the ownership rows whose company is in no market."""
    unique = list(dict.fromkeys(names))
    shown = ", ".join(repr(u) for u in unique[:SHOWN]) + (", ..." if len(unique) > SHOWN else "")
    what = "company is" if len(unique) == 1 else "companies are"
    return as_options(f"{param('ownership')} {source}: {len(unique)} {what} not in the table: {shown}")
