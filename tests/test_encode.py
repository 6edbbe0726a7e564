"""aistruct.markets.encode: the partitioned dictionary encoding gives pyarrow's own codes' meaning."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pytest

from aistruct.markets import encode
from aistruct.markets.aggregate import most_rows


def _check(values, codes, dictionary):
    """dictionary.take(codes) is the input, and every dictionary value is distinct."""
    arr = pa.array(values, type=pa.string()) if not isinstance(values, (pa.Array, pa.ChunkedArray)) else values
    back = dictionary.take(pa.array(np.where(codes < 0, 0, codes)))
    expected = arr if not isinstance(arr, pa.ChunkedArray) else arr.combine_chunks()
    valid = codes >= 0
    assert np.array_equal(valid, expected.is_valid().to_numpy(zero_copy_only=False))
    assert back.filter(pa.array(valid)).equals(expected.filter(pa.array(valid)).cast(back.type))
    assert len(pc.unique(dictionary)) == len(dictionary)


WORDS = ["", "a", "ab", "ba", "Ab", "é", "e\u0301", "OpenAI", "OpenAI ", "日本", "x" * 300, "co1", "co01", "1oc"]


@pytest.fixture
def always_partition(monkeypatch):
    monkeypatch.setattr(encode, "SAMPLE_DISTINCT", -1.0)  # every column counts as high-cardinality


@pytest.mark.parametrize("n", [0, 1, 7, 5000])
def test_partitioned_matches_plain(always_partition, n):
    rng = np.random.default_rng(n)
    pool = WORDS + [f"co{i}" for i in range(2000)]
    values = [pool[i] for i in rng.integers(0, len(pool), n)]
    codes, dictionary = encode.encode_text(pa.array(values, type=pa.string()), partition_rows=0)
    _check(values, codes, dictionary)
    assert len(dictionary) == len(set(values))
    plain, _ = encode._plain(pa.array(values, type=pa.string()))
    # the same partition of rows into equal names (codes may be numbered differently)
    assert len(set(zip(codes.tolist(), plain.tolist()))) == len(set(values))


def test_large_string_chunked_and_sliced(always_partition):
    values = [WORDS[i % len(WORDS)] + str(i % 97) for i in range(3000)]
    chunked = pa.chunked_array([pa.array(values[:1000], pa.large_string()), pa.array(values[1000:], pa.large_string())])
    codes, dictionary = encode.encode_text(chunked, partition_rows=0)
    _check(chunked, codes, dictionary)
    sliced = pa.array(values, type=pa.string()).slice(17, 2000)  # an offset into the buffers
    codes, dictionary = encode.encode_text(sliced, partition_rows=0)
    _check(sliced, codes, dictionary)


def test_all_empty_and_missing_values(always_partition):
    codes, dictionary = encode.encode_text(pa.array([""] * 50), partition_rows=0)
    assert codes.tolist() == [0] * 50 and dictionary.to_pylist() == [""]
    codes, dictionary = encode.encode_text(pa.array(["a", None, "b", "a", None]), partition_rows=0)
    assert codes.tolist()[1] == -1 and codes.tolist()[4] == -1
    assert dictionary.take(pa.array([codes[0], codes[2], codes[3]])).to_pylist() == ["a", "b", "a"]


def test_pandas_series_input():
    pd = pytest.importorskip("pandas")
    codes, dictionary = encode.encode_text(pd.Series(["b", "a", "b"], dtype="string"))
    assert dictionary.take(pa.array(codes)).to_pylist() == ["b", "a", "b"]


def test_few_distinct_is_not_partitioned(monkeypatch):
    seen = []
    monkeypatch.setattr(encode, "_partition_of", lambda arr, p: seen.append(1))
    values = pa.array(["a", "b"] * 40_000)
    codes, dictionary = encode.encode_text(values, partition_rows=0)
    assert not seen and sorted(dictionary.to_pylist()) == ["a", "b"]


@pytest.mark.parametrize("threshold", [0, 10**9])
def test_most_rows_orders_by_count_then_name(monkeypatch, threshold):
    """The repeated-rows warning's names: most rows first, ties in code-point order, as a full sort gives."""
    import aistruct.markets.aggregate as agg

    monkeypatch.setattr(agg, "MOST_ROWS_SORTED", threshold)  # both the pyarrow and the Python tie-break
    rng = np.random.default_rng(3)
    names = [f"n{int(i)}" for i in rng.integers(0, 500, 3000)] + ["Z", "é", "a", "日本"]
    rows = np.concatenate([rng.integers(1, 4, 3000), [3, 3, 3, 3]]).astype(np.int64)
    among = rows > 1
    expected = sorted((-int(r), n) for r, n in zip(rows[among], np.asarray(names)[among]))[:5]
    got = most_rows(np.asarray(names, dtype=object), rows, among, 5)
    assert got == [(-r, n) for r, n in expected]


def test_partitioned_without_short_values(always_partition):
    # every value at least two bytes: the edge bytes are read without the short-value mask
    values = [f"co{i % 300:03d}" for i in range(7000)] + ["zz", "ZZ"]
    codes, dictionary = encode.encode_text(pa.array(values), partition_rows=0)
    _check(values, codes, dictionary)
    assert len(dictionary) == 302
