"""What a market is made of: the :class:`MarketSpec` a command is given, the :class:`Markets` it gets back.

Also the one home of the spec's fixed vocabularies (aggregations, split modes,
bad-value modes) and of the internal column names of a prepared companies frame.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, Mapping, Sequence, get_args

from aistruct.errors import InputError, UsageError, param

if TYPE_CHECKING:
    from aistruct.reader import RawTable

#: How the rows of one company combine (``--agg``).
Aggregation = Literal["sum", "mean", "max", "min", "count", "first", "last", "median"]
AGGREGATIONS: tuple[Aggregation, ...] = get_args(Aggregation)
#: How ``--split-entities`` credits the companies of one cell (``--split-mode``).
SplitMode = Literal["first", "equal", "full"]
SPLIT_MODES: tuple[SplitMode, ...] = get_args(SplitMode)
#: What a value cell that is not a number does (``--on-bad-value``).
BadValueMode = Literal["error", "drop"]
BAD_VALUE_MODES: tuple[BadValueMode, ...] = get_args(BadValueMode)
#: Decimal marks of ``--decimal``.
DECIMAL_MARKS = (".", ",")

#: Internal column names of :attr:`Markets.companies` (and of the frame being prepared).
ENTITY = "__entity__"
VALUE = "__value__"
SIZE = "__size__"
#: The row number in the file, kept through filtering and reshaping for messages.
ROW = "__row__"
#: The share of a split row each company is credited with (``--split-mode equal``).
SHARE = "__share__"
#: Every internal column name: a table's own column may not take one (:func:`check_columns`).
INTERNAL_NAMES = (ENTITY, VALUE, SIZE, ROW, SHARE)


@dataclass
class MarketSpec:
    """Which columns mean what, and how rows become companies. Shared by all commands."""

    entity: str | None = None
    value: str | None = None
    by: Sequence[str] = ()
    freq: str | None = None
    where: Sequence[str] = ()
    #: how the rows of one company combine; None: sum, with a warning when some company has several rows
    agg: str | None = None
    decimal: str = "."
    on_bad_value: str = "error"
    wide: bool = False
    id: str | None = None
    exclude: Sequence[str] = ()
    #: leave out the companies whose (aggregated) value is 0, such as the empty columns of a wide table
    drop_zeros: bool = False
    split_entities: str | None = None
    split_mode: str = "first"
    size: str | None = None  # tiers: the column that classifies (default: value)
    #: name maps (:mod:`aistruct.markets.names`): a file, a mapping or a NameMap
    aliases: Any = None
    parents: Any = None
    #: the unseen tail (:mod:`aistruct.markets.fringe`): companies that stand for the unobserved
    #: fringe ("Other"), the market's known total, or a column holding it per group
    other: Sequence[str] = ()
    total: float | str | None = None
    total_column: str | None = None
    #: the keyword that named a ``by`` or ``id`` column, when a command adds one (trend's ``period``)
    named_by: Mapping[str, str] = field(default_factory=dict)

    @property
    def aggregation(self) -> str:
        """``agg``, or ``sum`` when none was given."""
        return self.agg or "sum"

    def param_for(self, column: str, default: str) -> str:
        """The parameter that named ``column``, for messages (:func:`aistruct.errors.param`):
        ``default`` (``by``, ``id``) unless a command added the column under another keyword."""
        return param(self.named_by.get(column, default))

    @property
    def has_fringe(self) -> bool:
        """Whether the spec gives an unobserved fringe (``other``, ``total`` or ``total_column``)."""
        return bool(self.other) or self.total is not None or self.total_column is not None

    def named_columns(self) -> list[str]:
        """The columns this spec names (entity, value, size, id, total column, by), as given."""
        named = [self.entity, self.value, self.size, self.id, self.total_column, *self.by]
        return [str(c) for c in named if c]


def _norm(name: str) -> str:
    return "".join(str(name).split()).casefold()


def check_columns(raw: RawTable, spec: MarketSpec) -> None:
    """Exit 2 when a column of ``raw`` takes an internal name, or when ``spec`` uses a
    column the reader left out (:attr:`~aistruct.reader.RawTable.unusable`), naming it.

    A wide table uses every column it does not exclude; a long one the columns named.
    """
    for column in raw.frame.columns:
        if str(column) in INTERNAL_NAMES:
            raise InputError(
                f"{raw.source}: column {str(column)!r}: the name is reserved for aistruct's own use; rename it"
            )
    if not raw.unusable:
        return
    if spec.wide:
        excluded = {_norm(e) for e in spec.exclude}
        used = [c for c in raw.unusable if _norm(c) not in excluded]
    else:
        names = spec.named_columns()
        used = [c for c in raw.unusable if c in names] or [
            c for c in raw.unusable if _norm(c) in {_norm(n) for n in names}
        ]
    if used:
        raise InputError(f"{raw.source}: column {used[0]!r} {raw.unusable[used[0]]}; it cannot be used")


def check_agg(agg: str | None) -> None:
    """Exit 2 unless ``agg`` is one of :data:`AGGREGATIONS` (or None: sum)."""
    if agg is not None and agg not in AGGREGATIONS:
        raise UsageError(f"{param('agg')}: unknown aggregation {agg!r}; use one of {', '.join(AGGREGATIONS)}")


def check_on_bad_value(mode: str) -> None:
    """Exit 2 unless ``mode`` is one of :data:`BAD_VALUE_MODES`."""
    if mode not in BAD_VALUE_MODES:
        raise UsageError(f"{param('on_bad_value')} must be 'error' or 'drop'")


def check_split_mode(mode: str) -> None:
    """Exit 2 unless ``mode`` is one of :data:`SPLIT_MODES`."""
    if mode not in SPLIT_MODES:
        raise UsageError(f"{param('split_mode')}: unknown mode {mode!r}; use one of {', '.join(SPLIT_MODES)}")


def check_decimal(mark: str) -> None:
    """Exit 2 unless ``mark`` is one of :data:`DECIMAL_MARKS`."""
    if mark not in DECIMAL_MARKS:
        raise UsageError(f"{param('decimal')} must be '.' or ','")


@dataclass
class Markets:
    """Aggregated companies: one row per (group, company) in ``companies``."""

    companies: Any  # DataFrame: by columns..., __entity__, __value__ [, __size__]
    groups: list[tuple]  # every group key seen (sorted), even those with no usable value
    by: list[str]
    entity: str
    value: str
    size: str | None
    rows_read: int
    rows_used: int
    source: str
    credit: str | None
    warnings: list[str] = field(default_factory=list)
    #: companies on more than one row of their group, and the rows they had (``input``)
    repeated_entities: int = 0
    rows_combined: int = 0
    #: the name maps applied (``input.aliases`` / ``input.parents``), or None
    aliases: dict | None = None
    parents: dict | None = None
    #: the unobserved fringe per group key (None: no --other/--total/--total-column given)
    fringe: dict | None = None
    #: each group's known total, from --total-column (set by the engine), by group key
    totals: dict | None = None
    # (companies frame, group code per row, labels per --by column), set by prepare_markets
    # so iter_groups can split without hashing the label strings again; used only while
    # ``companies`` is still that very frame.
    group_index: Any = field(default=None, repr=False, compare=False)

    def input_dict(self) -> dict:
        """The ``input`` block of a report: source, row counts and the columns used."""
        doc = {
            "source": self.source,
            "rows_read": self.rows_read,
            "rows_used": self.rows_used,
            "entity": self.entity,
            "value": self.value,
            "by": list(self.by),
            "repeated_entities": int(self.repeated_entities),
            "rows_combined": int(self.rows_combined),
            "aliases": self.aliases,
            "parents": self.parents,
        }
        if self.size is not None:
            doc["size"] = self.size
        if self.credit:
            doc["credit"] = self.credit
        return doc

    def iter_groups(self):
        """(group dict, companies frame) for every group, in sorted order."""
        gi = self.group_index
        if self.by and gi is not None and gi[0] is self.companies and len(gi[1]) == len(self.companies):
            yield from self._iter_indexed()
            return
        if self.by:
            parts = {k if isinstance(k, tuple) else (k,): g for k, g in self.companies.groupby(self.by, sort=False)}
        else:
            parts = {(): self.companies}
        for key in self.groups:
            frame = parts.get(key)
            if frame is None:
                frame = self.companies.iloc[0:0]
            yield dict(zip(self.by, key)), frame

    def _iter_indexed(self):
        """iter_groups from the group codes: one O(n) radix sort of the codes, then slices.

        The same frames as ``groupby(sort=False)``: each group's rows in their order in
        ``companies``, with their index labels.
        """
        ordered, bounds = self._indexed_order()
        for key, (start, stop) in zip(self.groups, bounds):
            yield dict(zip(self.by, key)), ordered.iloc[start:stop]

    def _indexed_order(self):
        """(companies in group-code order, [(start, stop)] of each of ``groups``)."""
        import numpy as np

        frame, codes, labels_list = self.group_index
        order = np.argsort(codes, kind="stable")
        ordered = frame.take(order)
        sizes = [max(len(labels), 1) for labels in labels_list]
        starts = np.concatenate(([0], np.cumsum(np.bincount(codes, minlength=int(np.prod(sizes))))))
        index = [{lab: i for i, lab in enumerate(labels)} for labels in labels_list]
        bounds = []
        for key in self.groups:
            code = 0
            for pos, lab, size in zip(index, key, sizes):
                code = code * size + pos[lab]
            bounds.append((int(starts[code]), int(starts[code + 1])))
        return ordered, bounds

    def iter_group_columns(self):
        """(group dict, company names, values) for every group, in sorted order, as
        :meth:`iter_groups` gives them: names a pyarrow string array, values a float64
        numpy array, both slices of one copy of the columns (no frame per group: thousands
        of small markets would spend most of their time building frames)."""
        import numpy as np
        import pyarrow as pa

        def columns(frame):
            names = pa.array(frame[ENTITY], from_pandas=True)
            if not (pa.types.is_string(names.type) or pa.types.is_large_string(names.type)):
                names = names.cast(pa.string())
            if isinstance(names, pa.ChunkedArray):
                names = names.combine_chunks() if names.num_chunks != 1 else names.chunk(0)
            return names, frame[VALUE].to_numpy(dtype=np.float64)

        gi = self.group_index
        if self.by and gi is not None and gi[0] is self.companies and len(gi[1]) == len(self.companies):
            ordered, bounds = self._indexed_order()
            names, values = columns(ordered)
            for key, (start, stop) in zip(self.groups, bounds):
                yield dict(zip(self.by, key)), names.slice(start, stop - start), values[start:stop]
            return
        for group, frame in self.iter_groups():
            names, values = columns(frame)
            yield group, names, values
