"""Rows equal to an earlier row, over several columns, in O(rows log rows) without large hash tables.

Dictionary-encoding (factorising) a column of millions of nearly distinct texts builds a
hash table that does not fit in the processor's caches (10,000,000 rows: seconds per
column). :func:`duplicate_rows` instead reads each text cell's bytes as 64-bit words
(the first 32 bytes and the last 8, and the byte length unless the words alone tell the
cells apart; a column of few distinct values gives dictionary codes instead), mixes the
words of every column into one 64-bit hash per row, and sorts ``hash prefix | row position``
packed into one integer (a plain integer sort, no argsort): rows with equal prefixes are
neighbours, in file order. Only those candidates are compared exactly, part by part (and
text by text for cells longer than the words read), with the first row of their run; a run
whose rows are not all equal (a hash collision, or long texts that agree on the bytes read)
is regrouped exactly by factorising just its rows. So a collision can cost time, never a
false duplicate."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

#: Prefix words read from each text cell; a cell longer than this many bytes also
#: contributes its last 8 bytes, and is compared exactly when it is a candidate.
WORDS = 4
#: Rows per block when reading the words.
_BLOCK = 1 << 16
#: A text column whose first SAMPLE_ROWS rows hold at most SAMPLE_DISTINCT of distinct
#: values per row is dictionary-encoded instead.
SAMPLE_ROWS = 1 << 16
SAMPLE_DISTINCT = 0.1

_MASKS = None


def _masks():
    import numpy as np

    global _MASKS
    if _MASKS is None:  # the low ``r`` bytes of a little-endian word, r = 0..8
        _MASKS = np.array([(1 << (8 * r)) - 1 for r in range(9)], dtype=np.uint64)
    return _MASKS


def _as_arrow(col) -> Any:
    """A text column (pandas Series, pyarrow array, sequence) as a pyarrow (chunked) string array."""
    import numpy as np
    import pyarrow as pa

    if isinstance(col, (pa.Array, pa.ChunkedArray)):
        arr = col
    else:
        arrow = getattr(getattr(col, "array", None), "__arrow_array__", None)
        arr = arrow() if arrow is not None else pa.array(np.asarray(col, dtype=object), from_pandas=True)
    if not (pa.types.is_string(arr.type) or pa.types.is_large_string(arr.type)):
        arr = arr.cast(pa.string())
    return arr


def _offsets(arr) -> Any:
    """The int64 offsets (length + 1) of a pyarrow string array."""
    import numpy as np
    import pyarrow as pa

    width = np.int64 if pa.types.is_large_string(arr.type) else np.int32
    buffers = arr.buffers()
    if len(arr) == 0 or buffers[1] is None:
        return np.zeros(len(arr) + 1, dtype=np.int64)
    offsets = np.frombuffer(buffers[1], dtype=width, count=len(arr) + 1, offset=arr.offset * np.dtype(width).itemsize)
    return offsets.astype(np.int64)


def text_parts(col) -> tuple[list, bool, Any]:
    """(parts, exact, arrow) of a text column: integer arrays (the byte length, -1 for a missing
    cell; then the cell's bytes as little-endian 64-bit words, zero-padded) whose equality, part
    by part, follows from the cells' equality, and implies it when ``exact`` (no cell is longer
    than the words read). The length is left out when the words alone tell the cells apart:
    every cell read whole, none missing and no NUL byte (so no cell ends in the padding's
    zeros). ``arrow``: the column as a pyarrow array."""
    import numpy as np

    arr = _as_arrow(col)
    chunks = [c for c in (arr.chunks if hasattr(arr, "chunks") else [arr]) if len(c)]
    n = len(arr)
    offsets, longest, nul, missing = [], 0, False, False
    for c in chunks:
        o = _offsets(c)
        offsets.append(o)
        longest = max(longest, int((o[1:] - o[:-1]).max()))
        data = c.buffers()[2]
        if data is not None and data.size and int(o[-1]) > int(o[0]):
            nul = nul or not np.frombuffer(data, dtype=np.uint8)[int(o[0]) : int(o[-1])].all()
        missing = missing or bool(c.null_count)
    k = min(-(-longest // 8), WORDS)
    exact = longest <= 8 * WORDS
    parts = []
    if not exact or nul or missing or k == 0:
        lengths = np.empty(n, dtype=np.int64)
        pos = 0
        for c, o in zip(chunks, offsets):
            np.subtract(o[1:], o[:-1], out=lengths[pos : pos + len(c)])
            if c.null_count:
                lengths[pos : pos + len(c)][c.is_null().to_numpy(zero_copy_only=False)] = -1
            pos += len(c)
        parts.append(lengths.view(np.uint64))
    words = [np.empty(n, dtype=np.uint64) for _ in range(k + (0 if exact else 1))]
    masks = _masks()
    pos = 0
    for c, o in zip(chunks, offsets):
        data = c.buffers()[2]
        raw = np.frombuffer(data, dtype=np.uint8) if data is not None and data.size else np.zeros(0, np.uint8)
        nulls = c.is_null().to_numpy(zero_copy_only=False) if c.null_count else None
        for b0 in range(0, len(c), _BLOCK):  # blocks of rows: the temporaries stay in the caches
            b1 = min(b0 + _BLOCK, len(c))
            base, stop = int(o[b0]), int(o[b1])
            size = stop - base
            padded = np.zeros(size + 8, dtype=np.uint8)
            padded[:size] = raw[base:stop]
            # every byte position as the start of a little-endian 64-bit word (unaligned reads)
            at_word = np.ndarray(shape=(size + 1,), dtype="<u8", buffer=padded, strides=(1,))
            starts = o[b0:b1] - base
            ln = o[b0 + 1 : b1 + 1] - o[b0:b1]
            out = slice(pos + b0, pos + b1)
            for j in range(k):
                if j == 0:  # a start is at most ``size``: no clipping
                    word = at_word[starts]
                    word &= masks[np.minimum(ln, 8)]
                else:
                    word = at_word[np.minimum(starts + 8 * j, size)]
                    word &= masks[np.minimum(np.maximum(ln - 8 * j, 0), 8)]
                words[j][out] = word
            if not exact:
                tail = at_word[np.maximum(starts + ln - 8, 0)]
                tail[ln <= 8 * WORDS] = 0
                words[k][out] = tail
            if nulls is not None:
                for w in words:
                    w[out][nulls[b0:b1]] = 0
        pos += len(c)
    return parts + words, exact, arr


def _fmix(h) -> Any:
    """Murmur3's finaliser, in place: every input bit reaches every output bit."""
    import numpy as np

    h ^= h >> np.uint64(33)
    h *= np.uint64(0xFF51AFD7ED558CCD)
    h ^= h >> np.uint64(33)
    h *= np.uint64(0xC4CEB9FE1A85EC53)
    h ^= h >> np.uint64(33)
    return h


def _combine(arrays: list, n: int, seed: int) -> Any:
    """One 64-bit hash per row of the uint64 ``arrays`` (each of length ``n``), computed in
    blocks of rows so that the temporaries stay in the processor's caches."""
    import numpy as np

    h = np.empty(n, dtype=np.uint64)
    mult, shift = np.uint64(0x9E3779B97F4A7C15), np.uint64(29)
    for b0 in range(0, n, _BLOCK):
        b1 = min(b0 + _BLOCK, n)
        hb = h[b0:b1]
        hb.fill(seed)
        for a in arrays:
            hb ^= a[b0:b1]
            hb *= mult
            hb ^= hb >> shift
        _fmix(hb)
    return h


@dataclass
class Key:
    """A column prepared for :func:`duplicate_rows`; build it once with :func:`column_key`
    to look for duplicates over several sets of columns."""

    parts: list  # uint64 arrays: equal cells give equal parts
    exact: bool  # equal parts also mean equal cells
    original: Any  # the column (numpy codes or a pyarrow array), for exact comparisons
    codes: Any = None  # int64 codes, equal exactly for equal cells, when the key is one such part

    def __len__(self) -> int:
        return len(self.parts[0])


def column_key(col) -> Key:
    """The :class:`Key` of an integer numpy array (codes) or of a text column.

    A text column with few distinct values in its first rows is dictionary-encoded
    (exact codes, a small hash table); any other is read as words (:func:`text_parts`).
    """
    import numpy as np

    if isinstance(col, Key):
        return col
    if isinstance(col, np.ndarray) and col.dtype.kind in "iub":
        values = np.asarray(col, dtype=np.int64)
        return Key([values.view(np.uint64)], True, values, values)
    arr = _as_arrow(col)
    if len(arr) and _few_distinct(arr):
        from aistruct.markets.encode import encode_text

        codes, _ = encode_text(arr)
        return Key([codes.view(np.uint64)], True, arr, codes)
    parts, exact, arr = text_parts(arr)
    return Key(parts, exact, arr)


def _few_distinct(arr) -> bool:
    """Whether a sample of the first rows has few distinct values (a dictionary is then cheap)."""
    import pyarrow.compute as pc

    sample = arr.slice(0, SAMPLE_ROWS)
    return len(pc.unique(sample)) <= SAMPLE_DISTINCT * len(sample)


def _mix(keys: list, n: int) -> Any:
    """One 64-bit hash per row of the keys' parts."""
    return _combine([p for k in keys for p in k.parts], n, 0x243F6A8885A308D3)


def duplicate_rows(columns: list) -> tuple[Any, Any]:
    """(dup, first): the positions of the rows equal, in every column, to an earlier row
    (ascending), and for each the position of the first row equal to it.

    ``columns``: integer numpy arrays (codes, compared as numbers), text columns (pandas
    Series or pyarrow arrays, compared as text; a missing cell equals only a missing cell),
    or their :class:`Key`, all of one length.
    """
    import numpy as np

    empty = np.zeros(0, dtype=np.int64)
    if not columns:
        return empty, empty
    keys = [column_key(c) for c in columns]
    n = len(keys[0])
    if n < 2:
        return empty, empty
    bits = max(int(n - 1).bit_length(), 1)  # the rest of the 64 bits: the hash prefix
    low = np.uint64((1 << bits) - 1)
    key = _mix(keys, n)
    high = ~low
    for b0 in range(0, n, _BLOCK):  # hash prefix | position
        kb = key[b0 : b0 + _BLOCK]
        kb &= high
        kb |= np.arange(b0, b0 + len(kb), dtype=np.uint64)
    key.sort()
    pos = np.bitwise_and(key, low).view(np.int64)
    key >>= np.uint64(bits)
    same = key[1:] == key[:-1]
    del key
    if not same.any():
        return empty, empty
    # candidates: the rows of runs of two or more equal prefixes; each run in file order
    in_run = np.zeros(n, dtype=bool)
    in_run[1:] = same
    in_run[:-1] |= same
    at = np.flatnonzero(in_run)
    del in_run
    opens = np.ones(len(at), dtype=bool)
    opens[1:] = ~same[at[1:] - 1]
    del same
    cand = pos[at]
    del pos
    # each candidate's run, named by the index of its first (its head: the run's first row)
    opener = np.where(opens, np.arange(len(at)), 0)
    del at
    np.maximum.accumulate(opener, out=opener)
    head = cand[opener]
    equal = np.ones(len(cand), dtype=bool)
    for k in keys:
        for p in k.parts:
            mine = p[cand]  # one gather per part: the head's value is its run's first
            equal &= mine == mine[opener]
        if not k.exact:
            equal &= _arrow_equal(k.original, cand, head)
    firsts = np.full(n, -1, dtype=np.int64)
    if equal.all():
        keep = ~opens
        firsts[cand[keep]] = head[keep]
    else:
        mixed = np.zeros(len(cand), dtype=bool)
        mixed[opener[~equal]] = True
        clean = ~mixed[opener]
        keep = clean & ~opens
        firsts[cand[keep]] = head[keep]
        _regroup(np.sort(cand[~clean]), [k.original for k in keys], firsts)
    dup = np.flatnonzero(firsts >= 0)
    return dup, firsts[dup]


def _arrow_equal(arr, left, right) -> Any:
    """Cell ``left[i]`` equals cell ``right[i]`` of a pyarrow array (two missing cells are equal)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    a, b = arr.take(pa.array(left)), arr.take(pa.array(right))
    same = pc.fill_null(pc.equal(a, b), False)
    both = pc.and_(pc.is_null(a), pc.is_null(b))
    return pc.or_(same, both).to_numpy(zero_copy_only=False)


def _regroup(rows, originals: list, firsts) -> None:
    """Exact groups of ``rows`` (ascending positions): set ``firsts`` of each repeated row."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    taken: list = []
    for col in originals:
        if isinstance(col, np.ndarray):
            taken.append(col[rows])
        else:
            cells = col.take(pa.array(rows))
            taken.append(np.asarray(pc.fill_null(cells, "").to_numpy(zero_copy_only=False), dtype=object))
            taken.append(cells.is_null().to_numpy(zero_copy_only=False).astype(np.int64))
    first = first_index(group_ids(taken))
    rep = first != np.arange(len(rows))
    firsts[rows[rep]] = rows[first[rep]]


# ---------------------------------------------------------------- exact ids (factorising)


def group_ids(columns: list, dense: bool = False) -> Any:
    """An int64 id per row for the combination of ``columns``: equal rows, equal ids.

    Each column becomes integer codes below the row count (pyarrow dictionary
    encoding for text); the codes are combined arithmetically, re-numbered only
    when the key would overflow. Ids are ``0..groups-1`` only with ``dense``.
    """
    import numpy as np
    import pandas as pd

    key, bound = None, 1
    for col in columns:
        values = col if hasattr(col, "dtype") else np.asarray(col, dtype=object)
        low = high = 0
        if isinstance(values, np.ndarray) and values.dtype.kind in "iu" and len(values):
            low, high = int(values.min()), int(values.max())
        if isinstance(values, np.ndarray) and values.dtype.kind in "iu" and 0 < high - low + 1 <= 2 * len(values):
            codes, card = values.astype(np.int64) - low, high - low + 1  # small range: no hashing needed
        else:
            codes, uniques = pd.factorize(values, use_na_sentinel=False)
            codes, card = np.asarray(codes, dtype=np.int64), max(len(uniques), 1)
        if key is None:
            key, bound = codes, card
            continue
        if bound * card >= 2**62:
            key, uniq = pd.factorize(key)
            key, bound = key.astype(np.int64), max(len(uniq), 1)
        key = key * card + codes
        bound *= card
    if key is None:
        return np.zeros(0, dtype=np.int64)
    if dense:
        key = pd.factorize(key)[0].astype(np.int64)
    return key


def first_index(ids) -> Any:
    """For each row, the position of the first row with the same id."""
    import numpy as np

    if len(ids) == 0:
        return np.zeros(0, dtype=np.int64)
    _, first, inverse = np.unique(ids, return_index=True, return_inverse=True)
    return first[inverse]
