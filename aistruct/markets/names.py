"""Name maps: ``--aliases`` (one company, several spellings) and ``--parents`` (companies rolled up to their group).

A map is a table of two columns (any format the reader knows): ``alias`` and
``name`` for aliases, ``company`` and ``parent`` for parents. A name of the data is
looked up exactly first, then ignoring case and surrounding spaces; the name it
maps to is looked up again, so chains resolve (``a -> b``, ``b -> c`` makes ``a``
``c``: a parent's parent is the ultimate parent); a cycle exits 2 naming it.
Aliases apply first, then parents. Each map is applied to the distinct names of
the data, not to every row, so its cost is the number of distinct names.

>>> m = NameMap.from_pairs([("DeepMind", "Google DeepMind"), ("Google DeepMind", "Alphabet")], "m.csv", "aliases")
>>> m.resolve("deepmind "), m.resolve("Alphabet"), m.resolve("OpenAI")
('Alphabet', 'Alphabet', 'OpenAI')
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterable

from aistruct.errors import InputError, UsageError, as_options, param

#: The columns of each map: (the name found in the data, the name it becomes).
MAP_COLUMNS = {"aliases": ("alias", "name"), "parents": ("company", "parent")}
#: How many unmatched entries a warning lists by name.
SHOWN = 5


def fold(name: str) -> str:
    """The key of the second lookup: case folded, surrounding white space removed."""
    return str(name).strip().casefold()


@dataclass
class NameMap:
    """One name map, checked: exact and folded lookups, and which entries the data used."""

    source: str
    kind: str  # "aliases" or "parents"
    exact: dict = field(default_factory=dict)  # entry -> the name it becomes
    folded: dict = field(default_factory=dict)  # fold(entry) -> entry
    used: set = field(default_factory=set)
    rows_renamed: int = 0

    @classmethod
    def from_pairs(cls, pairs: Iterable[tuple[str, str]], source: str, kind: str) -> NameMap:
        """A map from (from, to) pairs; the same name mapped to two others exits 2."""
        m = cls(source=source, kind=kind)
        ambiguous: set = set()
        for a, b in pairs:
            a, b = str(a).strip(), str(b).strip()
            if a in m.exact and m.exact[a] != b:
                first, _ = MAP_COLUMNS[kind]
                raise InputError(f"{source}: {first} {a!r} maps to both {m.exact[a]!r} and {b!r}")
            m.exact[a] = b
            k = fold(a)
            if k in m.folded and m.exact[m.folded[k]] != b:
                ambiguous.add(k)
            m.folded.setdefault(k, a)  # the first spelling: the entry a folded match uses
        for k in ambiguous:  # spellings that differ only in case but map apart: exact matches only
            del m.folded[k]
        for a in list(m.exact):
            m.resolve(a, count=False)  # every chain checked now: a cycle exits 2 before any data is read
        return m

    def _step(self, name: str) -> str | None:
        if name in self.exact:
            return name
        return self.folded.get(fold(name))

    def resolve(self, name: str, count: bool = True) -> str:
        """The name ``name`` ends as after every step of its chain (itself when no entry matches)."""
        seen = [name]
        current = name
        while True:
            key = self._step(current)
            if key is None:
                return current
            if count:
                self.used.add(key)
            target = self.exact[key]
            if target == current:
                return current
            if target in seen or fold(target) in {fold(s) for s in seen[1:]}:
                chain = " -> ".join(repr(s) for s in [*seen, target])
                raise InputError(f"{self.source}: the {self.kind} form a cycle: {chain}")
            seen.append(target)
            current = target

    def unused(self) -> list[str]:
        """The entries no name of the data reached, in the file's order."""
        return [a for a in self.exact if a not in self.used]

    def to_dict(self) -> dict:
        """``input.aliases`` / ``input.parents``: the file, its entries and how many rows it renamed."""
        return {"file": self.source, "entries": len(self.exact), "rows_renamed": int(self.rows_renamed)}


def load_name_map(spec: Any, kind: str, read=None) -> NameMap:
    """A :class:`NameMap` from a path (read like any input), a mapping or a NameMap; bad maps exit 2."""
    if isinstance(spec, NameMap):
        return spec
    if isinstance(spec, dict):
        return NameMap.from_pairs(spec.items(), kind, kind)
    import os

    from aistruct.markets.columns import resolve_column
    from aistruct.reader import ReadOptions, load_table

    path = os.fspath(spec)
    option = param(kind)
    raw = load_table(path, ReadOptions(max_bytes=getattr(read, "max_bytes", None) or ReadOptions().max_bytes))
    frame = raw.frame
    columns = [str(c) for c in frame.columns]
    frame.columns = columns
    first, second = MAP_COLUMNS[kind]
    a_col = resolve_column(first, columns, f"{option} {raw.source}", option)
    b_col = resolve_column(second, columns, f"{option} {raw.source}", option)
    pairs = []
    for i, (a, b) in enumerate(zip(frame[a_col].tolist(), frame[b_col].tolist())):
        a_text = "" if _missing(a) else str(a).strip()
        b_text = "" if _missing(b) else str(b).strip()
        if not a_text and not b_text:
            continue
        if not a_text or not b_text:
            blank = first if not a_text else second
            raise InputError(f"{raw.source}: {raw.row_label(i)}: blank {blank!r} (each row maps one name to another)")
        pairs.append((a_text, b_text))
    return NameMap.from_pairs(pairs, raw.source, kind)


def _missing(value) -> bool:
    try:
        return value is None or value != value  # None, NaN, pandas NA
    except (TypeError, ValueError):  # pd.NA compares ambiguously
        return True


def apply_name_maps(names, maps: list[NameMap], weights=None, warnings: list | None = None):
    """``names`` (a pandas string Series) with each map applied in turn, and each map's rows counted.

    ``weights`` (optional, boolean per row): which rows count as renamed (the usable ones).
    Each map's unused entries are named in one warning.
    """
    import numpy as np
    import pandas as pd

    for m in maps:
        codes, uniques = pd.factorize(names, use_na_sentinel=True)
        final = [m.resolve(u) for u in uniques]
        changed = np.fromiter((f != u for f, u in zip(final, uniques)), dtype=bool, count=len(uniques))
        if changed.any():
            mask = codes >= 0
            hit = np.zeros(len(codes), dtype=bool)
            hit[mask] = changed[codes[mask]]
            counted = hit if weights is None else hit & np.asarray(weights, dtype=bool)
            m.rows_renamed = int(counted.sum())
            mapped = pd.array(final, dtype="string")
            new = pd.Series(mapped.take(np.where(codes >= 0, codes, 0)), index=names.index, dtype="string")
            names = new.where(codes >= 0, pd.NA)
        unused = m.unused()
        if unused and warnings is not None:
            shown = ", ".join(repr(u) for u in unused[:SHOWN]) + (", ..." if len(unused) > SHOWN else "")
            if m.kind == "aliases":
                what = "alias matches" if len(unused) == 1 else "aliases match"
                text = f"{len(unused)} {what} no company of the table"
            else:
                text = f"{len(unused)} compan{'y is' if len(unused) == 1 else 'ies are'} not in the table"
            warnings.append(as_options(f"{param(m.kind)} {m.source}: {text}: {shown}"))
    return names


def check_maps_usage(aliases, parents) -> None:
    """Exit 2 when a map is given as something that is neither a path, a mapping nor a NameMap."""
    for kind, spec in (("aliases", aliases), ("parents", parents)):
        if spec is not None and not isinstance(spec, (str, dict, NameMap)) and not hasattr(spec, "__fspath__"):
            raise UsageError(f"{param(kind)}: give a file, a mapping or a NameMap")
