"""validation.duplicates (rows equal to an earlier row) and the load helpers of validation.table,
each against a plain reference on small random inputs and edge cases."""

import csv
import io
import random

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from aistruct.reader.parsers import may_quote_newlines
from aistruct.validation import duplicates as D
from aistruct.validation.checks import stripped
from aistruct.validation.table import _arrow_cells, _blank_rows, _header, delimited_lines


def reference(cols):
    """Brute force: a dict of the rows seen so far."""
    seen, dup, first = {}, [], []
    for i, row in enumerate(zip(*cols)):
        if row in seen:
            dup.append(i)
            first.append(seen[row])
        else:
            seen[row] = i
    return dup, first


LONG = "x" * 34
CELLS = [
    "",
    "a",
    "b",
    " a",
    "a ",
    "é",
    "日本",
    "abcdefgh",  # one full word
    "abcdefghi",
    "abcdefgh\x00",  # a NUL after a full word: told apart by the length
    "x" * 40,
    "x" * 39 + "y",  # long cells differing in the last word
    "y" + "x" * 39,
    LONG + "a" + "x" * 13,  # 48 bytes: same first 32 and last 8 bytes, differ in the middle
    LONG + "b" + "x" * 13,
    None,
]


def as_column(values, kind):
    arr = pa.array(values, type=pa.large_string() if kind == "large" else pa.string())
    if kind == "chunked" and len(values) > 2:
        return pa.chunked_array([arr.slice(0, len(values) // 2), arr.slice(len(values) // 2)])
    if kind == "pandas" and None not in values:
        return pd.Series(values, dtype="str")
    return arr


def random_table(rng, n):
    cols, args = [], []
    for _ in range(rng.randint(1, 3)):
        if rng.random() < 0.3:
            values = [rng.randint(-2, 2) for _ in range(n)]
            args.append(np.array(values, dtype=np.int64))
        else:
            pool = rng.sample(CELLS, rng.randint(1, len(CELLS)))
            values = [rng.choice(pool) for _ in range(n)]
            args.append(as_column(values, rng.choice(["plain", "large", "chunked", "pandas"])))
        cols.append(values)
    return cols, args


def zero_hash(keys, n):
    return np.zeros(n, dtype=np.uint64)


@pytest.mark.parametrize("collide", [False, True])
def test_duplicate_rows_agree_with_brute_force(monkeypatch, collide):
    if collide:  # every row one hash: every run is regrouped exactly
        monkeypatch.setattr(D, "_mix", zero_hash)
    rng = random.Random(19)
    for _ in range(300):
        cols, args = random_table(rng, rng.randint(0, 50))
        dup, first = D.duplicate_rows(args)
        assert (dup.tolist(), first.tolist()) == reference(cols)


def test_duplicate_rows_partitioned_and_dictionary_paths(monkeypatch):
    # many rows with few distinct values: dictionary codes; with many distinct: words
    rng = random.Random(7)
    few = [rng.choice(["2020", "2021", " 2021"]) for _ in range(3000)]
    many = [f"co{rng.randint(0, 2500)}" for _ in range(3000)]
    dup, first = D.duplicate_rows([pa.array(few), pa.array(many)])
    assert (dup.tolist(), first.tolist()) == reference([few, many])
    monkeypatch.setattr(D, "SAMPLE_DISTINCT", 0.0)  # every text column as words
    dup, first = D.duplicate_rows([pa.array(few), pa.array(many)])
    assert (dup.tolist(), first.tolist()) == reference([few, many])


def test_duplicate_rows_keys_are_shared():
    a = pa.array(["x", "y", "x", "x"])
    g = np.array([1, 1, 1, 2])
    key = D.column_key(a)
    assert D.duplicate_rows([key])[0].tolist() == [2, 3]
    dup, first = D.duplicate_rows([g, key])
    assert (dup.tolist(), first.tolist()) == ([2], [0])


def test_duplicate_rows_edge_cases():
    assert D.duplicate_rows([])[0].tolist() == []
    assert D.duplicate_rows([pa.array([], type=pa.string())])[0].tolist() == []
    assert D.duplicate_rows([pa.array(["one"])])[0].tolist() == []
    dup, first = D.duplicate_rows([pa.array(["", "", None, None, ""])])
    assert (dup.tolist(), first.tolist()) == ([1, 3, 4], [0, 2, 0])
    dup, first = D.duplicate_rows([np.zeros(4, dtype=np.int64)])
    assert (dup.tolist(), first.tolist()) == ([1, 2, 3], [0, 0, 0])


def test_text_parts_exactness():
    parts, exact, _ = D.text_parts(pa.array(["abc", "abcdefghijk"]))
    assert exact and len(parts) == 2  # two words: no NUL, none missing, so no length
    assert parts[0].tolist()[0] == int.from_bytes(b"abc", "little")
    assert parts[1].tolist() == [0, int.from_bytes(b"ijk", "little")]
    parts, exact, _ = D.text_parts(pa.array(["a\x00", "a"]))
    assert exact and parts[0].tolist() == [2, 1] and parts[1].tolist() == [97, 97]  # the length tells them apart
    parts, exact, _ = D.text_parts(pa.array(["", None]))
    assert parts[0].view(np.int64).tolist() == [0, -1]
    parts, exact, _ = D.text_parts(pa.array(["z" * 33]))
    assert not exact  # longer than the words read: compared exactly when a candidate


@pytest.mark.parametrize(
    "cells",
    [
        ["a", " ", "", "\t", "\u00a0", " x", "y ", "\u3000", "é"],
        ["", "", ""],
        ["x", "y"],
    ],
)
def test_blank_rows_and_strip_agree_with_pyarrow(cells):
    import pyarrow.compute as pc

    rng = random.Random(3)
    table = pa.table(
        {f"c{i}": pa.array([rng.choice(cells) for _ in range(200)], type=pa.large_string()) for i in range(3)}
    )
    expected = np.ones(200, dtype=bool)
    for col in table.columns:
        expected &= pc.equal(pc.utf8_trim_whitespace(col), "").to_numpy(zero_copy_only=False)
    assert _blank_rows(table).tolist() == expected.tolist()
    series = table.column(0).to_pandas()
    assert stripped(series).tolist() == series.str.strip().tolist()


def test_stripped_is_the_series_when_nothing_changes():
    series = pd.Series(["a", "b c", "d"], dtype="str")
    assert stripped(series) is series
    assert stripped(pd.Series(["a", "b "], dtype="str")).tolist() == ["a", "b"]


@pytest.mark.parametrize(
    "text",
    [
        "a,b\n1,2\n",
        '"a","b\nc"\n1,2\n',
        ",".join(f"column{i}" for i in range(20000)) + "\n1,2\n",  # a header longer than the first prefix
        '"' + "h" * 70000 + '\nx",b\n1,2\n',  # a quoted name spanning the first prefix
        "a,b",
    ],
)
def test_header_reads_the_first_record(text):
    assert _header(text, ",") == next(csv.reader(io.StringIO(text, newline="")))


@pytest.mark.parametrize(
    "text",
    [
        '"a","b"\n1,2\n3,4\n',  # quotes only in the header
        'a,b\n1,"x\ny"\n2,3\n4,5\n',
        'a,b\n5" disk,1\n2,3\n',  # an odd count of quotes
        "a,b\n1,2\n",
    ],
)
def test_delimited_lines_with_quotes_in_part_of_the_file(text):
    reader = csv.reader(io.StringIO(text, newline=""))
    starts, previous = [], 0
    for _ in reader:
        starts.append(previous + 1)
        previous = reader.line_num
    for raw in (None, text.encode("utf-8")):
        line_of = delimited_lines(text, ",", len(starts), raw)
        assert [line_of(r) for r in range(1, len(starts) + 1)] == starts


@pytest.mark.parametrize(
    "text, may",
    [
        ('"a","b"\n1,2\n3,4\n', False),  # quotes in the header only
        ("a,b\n1,2\n", False),
        ('a,b\n1,"x\ny"\n', True),
        ('"a\nb",c\n1,2\n', True),  # the header's quote spans its first line
        ("a,b", True),
        ('a,b\n1,2\n3,"4"\n', True),
    ],
)
def test_newlines_in_values_only_when_a_quote_allows_them(text, may):
    raw = text.encode("utf-8")
    assert may_quote_newlines(raw) is may
    table = _arrow_cells(raw, ",", 2)  # None: pyarrow refuses it, and Python's csv walks it instead
    expected = list(csv.reader(io.StringIO(text, newline="")))
    assert table is None or [list(r.values()) for r in table.to_pylist()] == expected
