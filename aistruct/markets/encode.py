"""Text columns as integer codes: one dictionary encoding, partitioned when the column is large.

:func:`encode_text` is pyarrow's ``dictionary_encode`` with the same result up to
the order of the dictionary. On millions of rows with hundreds of thousands of
distinct names, one hash table of all the names no longer fits in the processor's
caches and each lookup waits on memory (10,000,000 rows of 1,000,000 names: about
6 s on a 2-core machine, against 0.3 s for 1,000 names). So a large column is
first split into partitions by a cheap function of each name's bytes (its length
and its first and last two bytes: equal names always land in the same partition),
and each partition is encoded on its own, with a table a fraction of the size,
in parallel threads (pyarrow releases the GIL). The codes of partition ``p`` are
offset by the sizes of the dictionaries before it. Cost: O(rows + bytes).
"""

from __future__ import annotations

from typing import Any

#: Below this many rows, or with few distinct names, one plain dictionary encoding is as fast.
PARTITION_ROWS = 1 << 20
#: How many rows the cardinality sample encodes, and the share of distinct names in it
#: above which the column is partitioned.
SAMPLE_ROWS = 1 << 16
SAMPLE_DISTINCT = 0.1
#: Partitions of a large column (a power of two).
PARTITIONS = 64


def encode_text(values: Any, *, partition_rows: int = PARTITION_ROWS) -> tuple[Any, Any]:
    """(codes, dictionary) of a text column: ``dictionary.take(codes)`` equals ``values``.

    ``values``: a pyarrow (chunked) string array, or anything ``pyarrow.array``
    takes (a pandas Series). ``codes`` is an int64 numpy array, -1 for a missing
    cell; ``dictionary`` a pyarrow string array of the distinct non-missing values,
    each once. ``partition_rows``: the size from which a high-cardinality column is
    partitioned (tests lower it to exercise the partitioned path on small inputs).
    """
    import numpy as np
    import pyarrow as pa

    arr = values if isinstance(values, (pa.Array, pa.ChunkedArray)) else pa.array(values, from_pandas=True)
    if not (pa.types.is_string(arr.type) or pa.types.is_large_string(arr.type)):
        arr = arr.cast(pa.string())
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks() if arr.num_chunks != 1 else arr.chunk(0)
    n = len(arr)
    if n < partition_rows or arr.null_count or not _many_distinct(arr):
        return _plain(arr)
    part = _partition_of(arr, PARTITIONS)
    if part is None:
        return _plain(arr)
    order = np.argsort(part, kind="stable")  # uint16 keys: a radix sort
    counts = np.bincount(part, minlength=PARTITIONS)
    bounds = np.concatenate(([0], np.cumsum(counts)))
    rows = [order[bounds[p] : bounds[p + 1]] for p in range(PARTITIONS) if counts[p]]
    # Each thread gathers its partition's names and encodes them (pyarrow releases the GIL).
    encoded = _map_threads(lambda idx: _plain(arr.take(pa.array(idx))), rows)
    out = np.empty(n, dtype=np.int64)
    base = 0
    for idx, (codes, dictionary) in zip(rows, encoded):
        out[idx] = codes + base
        base += len(dictionary)
    return out, pa.concat_arrays([d for _, d in encoded])


def _plain(arr) -> tuple[Any, Any]:
    import numpy as np
    import pyarrow.compute as pc

    enc = pc.dictionary_encode(arr)
    codes = enc.indices.fill_null(-1).to_numpy(zero_copy_only=False).astype(np.int64)
    return codes, enc.dictionary


def _many_distinct(arr) -> bool:
    """True when a sample of the first rows has many distinct values (partitioning pays)."""
    import pyarrow.compute as pc

    sample = arr.slice(0, SAMPLE_ROWS)
    return len(pc.unique(sample)) > SAMPLE_DISTINCT * len(sample)


def _partition_of(arr, partitions: int):
    """A partition number per row (uint16) from the value's length and edge bytes; None when the
    array holds no bytes (every value empty)."""
    import numpy as np
    import pyarrow as pa

    buffers = arr.buffers()
    if len(buffers) < 3 or buffers[2] is None or buffers[2].size == 0:
        return None
    width = np.int64 if pa.types.is_large_string(arr.type) else np.int32
    offsets = np.frombuffer(buffers[1], dtype=width, count=len(arr) + 1, offset=arr.offset * np.dtype(width).itemsize)
    data = np.frombuffer(buffers[2], dtype=np.uint8)
    starts, ends = offsets[:-1], offsets[1:]  # views: no copy
    lengths = ends - starts
    short = int(lengths.min()) < 2 if len(lengths) else False

    def byte(at, ok_from: int):  # the byte at ``at``; 0 for values shorter than ``ok_from``
        got = np.take(data, at, mode="clip").astype(np.uint32)
        if short:
            got[lengths < ok_from] = 0  # an empty value's "byte" would be its neighbour's
        return got

    key = lengths.astype(np.uint32) * np.uint32(0x9E37)
    key ^= byte(starts, 1) * np.uint32(0x85EB)
    key ^= byte(ends - 1, 1) * np.uint32(0xC2B2)
    key ^= byte(ends - 2, 2) * np.uint32(0x27D4)
    key ^= key >> np.uint32(7)
    return (key % np.uint32(partitions)).astype(np.uint16)


def _map_threads(func, items: list) -> list:
    """``[func(x) for x in items]`` on pyarrow's CPU threads' count of Python threads."""
    import pyarrow as pa

    workers = min(pa.cpu_count(), len(items))
    if workers <= 1:
        return [func(x) for x in items]
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(workers) as pool:
        return list(pool.map(func, items))
