"""Fuzz suite: thousands of malformed and hostile tables through every command's real entry point.

Each generated input is written to a temporary file and run through
``concentration``, ``tiers``, ``trend``, ``merge`` and ``validate`` with
``run_cli`` (the real ``main()``, in-process). The properties, for every run:

* the exit code is 0, 1 (``validate`` only: a check failed) or 2;
* no traceback and no "internal error" anywhere in the output; every stderr
  line is an ``aistruct: error:`` / ``aistruct: warning:`` line; on exit 2
  standard output is empty (never half a document);
* ``--format json`` with a document written: strict JSON (``NaN``/``Infinity``
  rejected) that validates against the command's shipped JSON Schema;
* the input file's bytes are unchanged, ``--output`` naming the input exits 2,
  and a written ``--output`` leaves no temporary file behind;
* no output (table, CSV, Markdown, JSON, GitHub annotations, stderr) contains
  an ESC, C0/C1 control, DEL, bidi override/isolate/mark, line/paragraph
  separator or BOM; with colour forced, the only ESC sequences are Rich's own
  SGR colour codes (the text without them equals the colourless run);
* CSV output: no text cell a spreadsheet would run as a formula; Markdown: the
  data never adds or removes a column separator.

Budget: ``AISTRUCT_FUZZ_EXAMPLES`` examples per test (default 20, about 20
seconds on 2 cores); the seed is fixed (``derandomize``), so CI runs the same
cases every time. The long run (see docs/security.md, "What the tests prove")::

    AISTRUCT_FUZZ_EXAMPLES=2000 pytest -q tests/test_fuzz.py --hypothesis-show-statistics
"""

from __future__ import annotations

import bz2
import csv
import gzip
import io
import json
import lzma
import os
import re
import sys
import tempfile
import zipfile
from pathlib import Path

from conftest import Result, assert_schema, run_cli
from hypothesis import HealthCheck, Phase, event, given, note, settings
from hypothesis import strategies as st

EXAMPLES = int(os.environ.get("AISTRUCT_FUZZ_EXAMPLES", "20"))
settings.register_profile(
    "aistruct-fuzz",
    max_examples=EXAMPLES,
    derandomize=True,  # a fixed seed per test: CI runs the same cases every time
    database=None,
    deadline=None,
    print_blob=False,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.large_base_example,
        HealthCheck.filter_too_much,
    ],
    # AISTRUCT_FUZZ_SHRINK=0: report the first failing case as found (shrinking a 2 MB case takes minutes)
    phases=[p for p in Phase if os.environ.get("AISTRUCT_FUZZ_SHRINK", "1") != "0" or p is not Phase.shrink],
)
FUZZ = settings.get_profile("aistruct-fuzz")
# wide tables cost ~0.1-0.6 s per command: a tenth of the budget
FUZZ_WIDE = settings(FUZZ, max_examples=max(3, EXAMPLES // 10))

COMMANDS = ("concentration", "tiers", "trend", "merge", "validate")
FORMATS = {
    "concentration": ("table", "json", "csv", "markdown"),
    "tiers": ("table", "json", "csv", "markdown"),
    "trend": ("table", "json", "csv", "markdown"),
    "merge": ("table", "json", "csv", "markdown"),
    "validate": ("table", "json", "github"),
}
COLOUR = {"FORCE_COLOR": "1", "NO_COLOR": None, "TERM": "xterm-256color"}

# What may never reach a terminal from data: C0 (newline aside), DEL, C1, bidi
# controls, line/paragraph separators and the BOM. Tabs and CR count too.
UNSAFE = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029\ufeff]")
SGR = re.compile("\x1b\\[[0-9;]*m")
PLAIN_NUMBER = re.compile(r"-?\d+(\.\d+)?([eE][+-]?\d+)?")

# ---------------------------------------------------------------- strategies

HOSTILE = [
    "\x1b[2J\x1b[H",  # clear the screen, cursor home
    "\x1b]8;;https://evil.example\x1b\\click\x1b]8;;\x1b\\",  # OSC 8 hyperlink
    "\x1b[31m",
    "\x9b2J",
    "\x07",
    "\x08",
    "\r",
    "\n",
    "\t",
    "\x0b",
    "\x0c",
    "\x7f",
    "\x85",
    "\x9d",
    "\u202e",
    "\u202d",
    "\u2066",
    "\u2069",
    "\u200f",
    "\u061c",
    "\u2028",
    "\u2029",
    "\ufeff",
    "e\u0301",
    "\u0301\u0302\u0303",
    "😀",
    "👨‍👩‍👧",
    "🇨🇳",
    "中文",
    "字节跳动",
    "百度",
    "ｶﾀｶﾅ",
    "\u200b",
    "[bold red]X[/]",
    "[/]",
    "[link=https://evil.example]y[/link]",
    "[",
    "]",
    "\\",
    '=HYPERLINK("https://evil.example","x")',
    "+cmd|' /C calc'!A0",
    "@SUM(A1)",
    "-2+3",
    "=1+1",
    '"',
    '""',
    ",",
    ";",
    "|",
    " ",
    "  ",
    "%",
    "::error::",
    "%0A",
]
NUMBERS = [
    "1e308",
    "-1e308",
    "1.7976931348623157e308",
    "1e309",
    "-0",
    "-0.0",
    "0",
    "nan",
    "NaN",
    "-nan",
    "inf",
    "-inf",
    "Infinity",
    "1e-320",
    "5e-324",
    "2.2250738585072014e-308",
    "0x1F",
    "1_000",
    "1,234",
    "1.234,5",
    "$3.2B",
    "30亿",
    "1000万",
    "12%",
    "(5)",
    "1e15",
    "1",
    "2",
    "3",
    "10",
    "100",
    "",
    " ",
    "-",
    "N/A",
    "٣",
    "１２",
    "1.5.5",
    "e5",
    "+7",
    "--1",
]

piece = st.one_of(
    st.sampled_from(HOSTILE),
    # any Unicode scalar value but NUL (hypothesis leaves out surrogates); NUL has a damage of its own
    st.text(alphabet=st.characters(codec="utf-8", exclude_characters="\x00"), max_size=4),
    st.text(alphabet="abcXYZ 0123", min_size=1, max_size=6),
)
hostile_text = st.lists(piece, max_size=4).map("".join)
number_text = st.one_of(
    st.sampled_from(NUMBERS),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
    st.integers(min_value=0, max_value=10**6).map(str),
    hostile_text,
)
year_text = st.one_of(
    st.integers(min_value=2018, max_value=2024).map(str),
    st.integers(min_value=2018, max_value=2024).map(str),
    st.sampled_from(["", "20x1", "2024-03-01", "-5", "1e308"]),
    hostile_text,
)


def _to_csv(header, rows, delimiter=",", terminator="\n", quoting=csv.QUOTE_MINIMAL) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=delimiter, lineterminator=terminator, quoting=quoting)
    writer.writerow(header)
    writer.writerows(rows)
    return buf.getvalue()


good_number = st.one_of(
    st.integers(min_value=0, max_value=10**6).map(str),
    st.floats(min_value=0, max_value=1e308).map(repr),
    st.sampled_from(
        [
            "1e308",
            "1.7976931348623157e308",
            "-0",
            "0",
            "1e-320",
            "5e-324",
            "1e15",
            "1,234",
            "$3.2B",
            "30亿",
            "1000万",
            "1_000",
        ]
    ),
)


@st.composite
def tables(draw):
    """A CSV file (bytes) in the usual shape (company, value, year), then, one time in two, damaged.

    Returns (bytes, header, companies, extra_read_args). About one case in five
    survives to a computed result (exit 0); the rest test the error paths.
    """
    pool = draw(st.lists(hostile_text, min_size=1, max_size=6))
    names = ["company", "value", "year"]
    if draw(st.integers(min_value=0, max_value=3)) == 0:  # hostile, blank or duplicate headers
        names = [draw(st.one_of(st.just(n), hostile_text, st.just(""), st.sampled_from(names))) for n in names]
    extra = draw(st.lists(st.sampled_from(["note", "note", "note", "value", "", "company", "hostile"]), max_size=2))
    extra = [draw(st.lists(piece, min_size=1, max_size=3).map("".join)) if e == "hostile" else e for e in extra]
    header = names + extra
    n = draw(st.integers(min_value=1, max_value=25))
    values = draw(st.sampled_from([good_number] * 3 + [number_text]))
    rows = []
    for _ in range(n):
        entity = draw(st.sampled_from(pool)) if draw(st.integers(0, 3)) else draw(hostile_text)
        row = [entity, draw(values), draw(year_text)] + [draw(hostile_text) for _ in extra]
        rows.append(row)
    delimiter = draw(st.sampled_from([",", ",", ",", ";", "\t"]))
    text = _to_csv(
        header,
        rows,
        delimiter,
        draw(st.sampled_from(["\n", "\r\n", "\r"])),
        draw(st.sampled_from([csv.QUOTE_MINIMAL, csv.QUOTE_ALL, csv.QUOTE_NONNUMERIC])),
    )
    damages = [
        "ragged",
        "open_quote",
        "nul",
        "bom_middle",
        "truncate",
        "huge_field",
        "header_only",
        "empty",
        "blank_lines",
        "control_bytes",
    ]
    if draw(st.booleans()):
        for damage in draw(st.lists(st.sampled_from(damages), min_size=1, max_size=2, unique=True)):
            text = _damage(draw, damage, text, delimiter)
    encoding = draw(st.sampled_from(["utf-8"] * 6 + ["utf-8-sig", "utf-16", "cp1252", "gb18030"]))
    data = text.encode(encoding, errors="replace")
    read_args = []
    if encoding in ("cp1252", "gb18030") and draw(st.booleans()):
        read_args = [f"--encoding={encoding}"]
    if delimiter != "," and draw(st.booleans()):
        read_args.append("--delimiter=" + ("tab" if delimiter == "\t" else delimiter))
    companies = list(dict.fromkeys(row[0] for row in rows))
    return data, header, companies, read_args


def _damage(draw, damage: str, text: str, delimiter: str) -> str:
    at = draw(st.integers(min_value=0, max_value=max(0, len(text))))
    lines = text.splitlines(keepends=True)
    if damage == "ragged":
        if not lines:
            return text + delimiter
        i = draw(st.integers(min_value=0, max_value=len(lines) - 1))
        line = lines[i].rstrip("\r\n")
        line = line + delimiter + "x" if draw(st.booleans()) else line.rsplit(delimiter, 1)[0]
        lines[i] = line + "\n"
        return "".join(lines)
    if damage == "open_quote":
        return text[:at] + '"' + text[at:]
    if damage == "nul":
        return text[:at] + "\x00" + text[at:]
    if damage == "bom_middle":
        return text[:at] + "\ufeff" + text[at:]
    if damage == "truncate":
        return text[:at]
    if damage == "huge_field":  # a 1-2 MB field (the 50 MB one is in test_hostile.py)
        size = draw(st.sampled_from([1 << 20, 2 << 20]))
        return text[:at] + "A" * size + text[at:]
    if damage == "header_only":
        return lines[0] if lines else text
    if damage == "empty":
        return draw(st.sampled_from(["", "\n", "\n\n\n", " ", "\ufeff", delimiter]))
    if damage == "blank_lines":
        return text[:at] + "\n\n" + text[at:]
    if damage == "control_bytes":
        return text[:at] + draw(st.sampled_from(["\x1b[2J", "\x01\x02\x03", "\x1a", "\x85", "\u202e"])) + text[at:]
    raise AssertionError(damage)  # pragma: no cover


# ---------------------------------------------------------------- properties


def strict_json(text: str):
    def refuse(constant):
        raise ValueError(f"non-strict JSON constant {constant}")

    return json.loads(text, parse_constant=refuse)


def _check_csv(text: str) -> None:
    for row in csv.reader(io.StringIO(text)):
        for value in row:
            if value[:1] in ("=", "+", "-", "@", "\t", "\r"):
                assert PLAIN_NUMBER.fullmatch(value), f"CSV cell a spreadsheet would run: {value!r}"


def _check_markdown(text: str) -> None:
    """Each pipe table (a run of lines starting with ``|``) keeps one column count; data adds no table line."""
    for block in re.split(r"\n\s*\n", text):
        lines = block.splitlines()
        if not lines or not lines[0].startswith("|"):
            assert not any(line.startswith("|") for line in lines), f"data started a table line: {text!r}"
            continue
        pipes = {len(re.findall(r"(?<!\\)\|", line.replace("\\\\", ""))) for line in lines}
        assert len(pipes) == 1, f"data changed the column count of a Markdown table: {text!r}"


FILE_FORMATS = ("json", "csv", "markdown", "github")


def run_cli_encoded(*args, encoding: str, stdin: bytes | None = None) -> Result:
    """``run_cli`` with standard output and error in ``encoding`` (strict, as Python opens them
    under ``PYTHONIOENCODING=ascii`` or ``LC_ALL=POSIX PYTHONUTF8=0``): every byte written must
    be encodable, or the run says so. Standard output is returned decoded both ways: ``out``
    in ``encoding`` (tables) and ``raw`` bytes (the file formats are UTF-8 whatever the stream)."""
    from aistruct.cli import main

    out_b, err_b = io.BytesIO(), io.BytesIO()
    out = io.TextIOWrapper(out_b, encoding=encoding, newline="", write_through=True)
    err = io.TextIOWrapper(err_b, encoding=encoding, newline="", write_through=True)
    inp = io.TextIOWrapper(io.BytesIO(stdin or b""), encoding="utf-8")
    saved = sys.stdout, sys.stderr, sys.stdin
    saved_env = dict(os.environ)
    os.environ.update({"COLUMNS": "160", "NO_COLOR": "1", "TERM": "dumb"})
    os.environ.pop("FORCE_COLOR", None)
    sys.stdout, sys.stderr, sys.stdin = out, err, inp
    try:
        try:
            main([str(a) for a in args])
            code = 0
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 2)
    finally:
        sys.stdout, sys.stderr, sys.stdin = saved
        os.environ.clear()
        os.environ.update(saved_env)
    result = Result(code, out_b.getvalue().decode("utf-8", errors="replace"), err_b.getvalue().decode(encoding))
    result.raw = out_b.getvalue()  # type: ignore[attr-defined]
    return result


def check_run(
    cmd: str,
    args: list,
    fmt: str,
    *,
    stdin: bytes | None = None,
    inputs=(),
    colour: bool = False,
    encoding: str | None = None,
):
    """Run one command and assert every property; return the Result.

    ``encoding``: standard output and error in that encoding instead of UTF-8.
    """
    before = {p: Path(p).read_bytes() for p in inputs}
    full = [cmd, *args, f"--format={fmt}"]
    r = run_cli(*full, stdin=stdin) if encoding is None else run_cli_encoded(*full, stdin=stdin, encoding=encoding)
    note(f"aistruct {full!r} -> {r.code}\nstderr: {r.err!r}")
    if encoding is not None and fmt not in FILE_FORMATS:  # a table: every byte in the stream's encoding
        r.out = r.raw.decode(encoding)  # type: ignore[attr-defined]
    event(f"{cmd} exit {r.code}")  # --hypothesis-show-statistics: how deep the cases reach
    assert r.code in (0, 1, 2), r.code
    assert cmd == "validate" or r.code != 1, "only validate exits 1"
    for stream in (r.out, r.err):
        assert "Traceback" not in stream, r.err
        assert "internal error" not in stream, r.err
    for line in r.err.splitlines():
        assert line.startswith(("aistruct: error: ", "aistruct: warning: ")), f"stray stderr line: {line!r}"
    if r.code == 2:
        assert r.out == "", "exit 2 with something on standard output"
        assert "aistruct: error: " in r.err, "exit 2 without an error line"
    for stream in (r.out, r.err):
        bad = UNSAFE.search(stream)
        assert bad is None, (
            f"unsafe character {bad.group(0)!r} in output: {stream[max(0, bad.start() - 40) : bad.end() + 40]!r}"
        )
    for p, data in before.items():
        assert Path(p).read_bytes() == data, f"input file {p} changed"
    if r.out and r.code in (0, 1):
        if fmt == "json":
            assert_schema(strict_json(r.out), cmd)
        elif fmt == "csv":
            _check_csv(r.out)
        elif fmt == "markdown":
            _check_markdown(r.out)
    if colour and fmt == "table" and r.code in (0, 1):
        c = run_cli(*full, stdin=stdin, env=COLOUR)
        assert c.code == r.code
        assert SGR.sub("", c.out) == r.out, "with colour forced, ESC sequences other than SGR colours appeared"
    return r


def command_args(cmd: str, path: str, header: list, companies: list, draw) -> list:
    """Arguments reaching deep into ``cmd`` for a table with (company, value, year) columns."""
    entity, value, year = (header + ["company", "value", "year"])[:3]
    named = draw(st.integers(0, 3)) > 0
    cols = [f"--entity={entity}", f"--value={value}"] if named else []
    if draw(st.booleans()):
        cols.append("--on-bad-value=drop")
    if cmd == "concentration":
        return [path, *cols] + draw(st.sampled_from([[], [f"--by={year}"], ["--top=1,2", "--show=1"]]))
    if cmd == "tiers":
        return [path, *cols] + draw(
            st.sampled_from(
                [[], ["--entities"], ["--bounds=1,100"], ["--method=headtail"], [f"--by={year}"], ["--explain"]]
            )
        )
    if cmd == "trend":
        return [path, *cols, f"--period={year}"] + draw(st.sampled_from([[], ["--min-n=1"], ["--bounds=1,100"]]))
    if cmd == "merge":
        a = draw(st.sampled_from(companies))
        t = draw(st.sampled_from([c for c in companies if c != a] or companies))
        return [path, *cols, f"--acquirer={a}", f"--target={t}"] + draw(
            st.sampled_from([[], [f"--by={year}"], ["--guidelines=us-2023"]])
        )
    if cmd == "validate":
        args = [path, f"--entity={entity}", f"--value={value}"] if named else [path]
        return args + draw(
            st.sampled_from(
                [[], [f"--by={year}"], ["--outliers", "--unique"], ["--shares"], ["--strict", "--max-missing=0.5"]]
            )
        )
    raise AssertionError(cmd)  # pragma: no cover


def run_every_command(data: bytes, header, companies, read_args, draw, suffix: str = ".csv") -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "input" + suffix)
        Path(path).write_bytes(data)
        use_stdin = draw(st.integers(min_value=0, max_value=9)) == 0
        for cmd in COMMANDS:
            fmt = draw(st.sampled_from(FORMATS[cmd]))
            args = command_args(cmd, "-" if use_stdin else path, header, companies, draw) + read_args
            output = draw(st.sampled_from([None] * 6 + ["out", "input"]))
            if output == "out":
                args.append("--output=" + os.path.join(tmp, "out.txt"))
            elif output == "input" and not use_stdin:
                args.append("--output=" + path)
            r = check_run(
                cmd,
                args,
                fmt,
                stdin=data if use_stdin else None,
                inputs=[path],
                colour=draw(st.integers(min_value=0, max_value=4)) == 0,
            )
            if output == "input" and not use_stdin:
                assert r.code == 2
            if output == "out":
                if r.code in (0, 1):
                    assert r.out == "", "--output given, yet standard output was written"
                    assert os.path.exists(os.path.join(tmp, "out.txt"))
                leftovers = [f for f in os.listdir(tmp) if f.startswith(".aistruct-")]
                assert not leftovers, leftovers


# ---------------------------------------------------------------- the tests


@FUZZ
@given(st.data())
def test_fuzz_damaged_tables(data):
    """Valid-looking CSV with hostile Unicode, extreme numbers, then damaged: ragged, open quotes, NUL ..."""
    content, header, companies, read_args = data.draw(tables())
    run_every_command(content, header, companies, read_args, data.draw)


@FUZZ
@given(st.data())
def test_fuzz_hostile_names_clean_numbers(data):
    """Hostile column names, company names and group labels over clean numbers: every case reaches the renderers."""
    names = data.draw(
        st.lists(
            st.lists(piece, min_size=1, max_size=3).map("".join).filter(lambda x: x.strip() and "\x00" not in x),
            min_size=3,
            max_size=3,
            unique_by=lambda x: x.strip().casefold(),
        )
    )
    companies = data.draw(
        st.lists(hostile_text.filter(lambda x: x.strip() and "\x00" not in x), min_size=2, max_size=8, unique=True)
    )
    years = data.draw(st.lists(st.integers(min_value=2019, max_value=2024), min_size=1, max_size=3, unique=True))
    rows = [
        [c, data.draw(good_number.filter(lambda v: not v.startswith("-"))), str(y)] for y in years for c in companies
    ]
    text = _to_csv(names, rows)
    run_every_command(text.encode("utf-8"), names, companies, [], data.draw)


@FUZZ
@given(st.data())
def test_fuzz_random_bytes(data):
    """Arbitrary bytes under every name and --input-format; some start with a compression or Parquet magic."""
    prefix = data.draw(
        st.sampled_from(
            [
                b"",
                b"",
                b"\x1f\x8b\x08",
                b"PK\x03\x04",
                b"BZh9",
                b"\xfd7zXZ\x00",
                b"PAR1",
                b"\xff\xfe",
                b"\xef\xbb\xbf",
                b"[",
                b'{"data":',
            ]
        )
    )
    content = prefix + data.draw(st.binary(max_size=3000))
    suffix = data.draw(
        st.sampled_from(
            [".csv", ".tsv", ".json", ".jsonl", ".parquet", ".xlsx", ".gz", ".zip", ".bz2", ".xz", ".bin", ""]
        )
    )
    read_args = []
    fmt = data.draw(st.sampled_from([None, None, "csv", "tsv", "json", "jsonl", "parquet", "xlsx"]))
    if fmt:
        read_args.append(f"--input-format={fmt}")
    if data.draw(st.booleans()):
        read_args += ["--decompress", f"--max-bytes={data.draw(st.sampled_from([1, 100, 10_000, 1 << 30]))}"]
    run_every_command(content, ["company", "value", "year"], ["a", "b"], read_args, data.draw, suffix)


@FUZZ
@given(st.data())
def test_fuzz_json_input(data):
    """JSON and JSON Lines records with hostile keys and values of every JSON type."""
    scalar = st.one_of(
        st.none(),
        st.booleans(),
        st.integers(min_value=-(10**20), max_value=10**20),
        st.floats(allow_nan=False),
        hostile_text,
        st.sampled_from(NUMBERS),
        st.sampled_from(["\ud800", "x\udfff"]),
    )  # lone surrogates: JSON can escape them
    key = st.one_of(st.sampled_from(["company", "value", "year"]), hostile_text)
    record = st.dictionaries(key, st.one_of(scalar, st.lists(scalar, max_size=2)), max_size=5)
    records = data.draw(st.lists(record, max_size=12))
    ascii_only = data.draw(st.booleans()) or "\\ud" in json.dumps(records)  # a surrogate needs its escape
    if data.draw(st.booleans()):
        content = json.dumps(records if data.draw(st.booleans()) else {"data": records}, ensure_ascii=ascii_only)
        suffix = ".json"
    else:
        content = "\n".join(json.dumps(r, ensure_ascii=ascii_only) for r in records)
        suffix = ".jsonl"
    companies = [str(r.get("company")) for r in records if "company" in r] or ["a"]
    run_every_command(content.encode("utf-8"), ["company", "value", "year"], companies, [], data.draw, suffix)


@FUZZ
@given(st.data())
def test_fuzz_numbers(data):
    """Two clean columns, every number form: strict JSON, shares in [0, 1], HHI in [0, 10000], Gini in [0, 1]."""
    values = data.draw(
        st.lists(
            st.one_of(
                st.sampled_from(NUMBERS[:24]),
                st.floats(min_value=0, allow_infinity=False).map(repr),
                st.floats(min_value=0, max_value=1e-300).map(repr),
            ),
            min_size=1,
            max_size=30,
        )
    )
    text = _to_csv(["company", "value"], [[f"c{i % 20}", v] for i, v in enumerate(values)])
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "numbers.csv")
        Path(path).write_text(text, encoding="utf-8")
        r = check_run("concentration", [path, "--on-bad-value=drop"], "json", inputs=[path])
        if r.code == 0:
            doc = strict_json(r.out)
            for res in doc["results"]:
                if res["status"] != "ok":
                    continue
                assert 0 <= res["hhi"] <= 10000 * (1 + 1e-9), res["hhi"]
                assert 0 <= res["gini"] <= 1 + 1e-12, res["gini"]
                assert all(0 <= v <= 1 + 1e-12 for v in res["cr"].values()), res["cr"]
                assert all(0 <= c["share"] <= 1 + 1e-12 for c in res["top"]), res["top"]
        for cmd in ("tiers", "merge", "validate"):
            args = [path, "--on-bad-value=drop"] if cmd != "validate" else [path, "--value=value"]
            if cmd == "merge":
                args += ["--acquirer=c0", "--target=c1"]
            check_run(cmd, args, data.draw(st.sampled_from(FORMATS[cmd])), inputs=[path])


@FUZZ
@given(st.data())
def test_fuzz_compressed(data):
    """A generated table compressed (gzip, bz2, xz, zip), read with --decompress and a random --max-bytes."""
    content, header, companies, read_args = data.draw(tables())
    kind = data.draw(st.sampled_from(["gz", "bz2", "xz", "zip"]))
    if kind == "gz":
        packed = gzip.compress(content, mtime=0)
    elif kind == "bz2":
        packed = bz2.compress(content)
    elif kind == "xz":
        packed = lzma.compress(content)
    else:
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w") as zf:
            for i in range(data.draw(st.integers(min_value=0, max_value=2))):
                zf.writestr(f"member{i}.csv", content)
        packed = buf.getvalue()
    if data.draw(st.booleans()) and packed:  # a damaged archive
        at = data.draw(st.integers(min_value=0, max_value=len(packed) - 1))
        packed = packed[:at] + bytes([packed[at] ^ 0xFF]) + packed[at + 1 :]
    read_args = (
        read_args
        + ["--decompress"]
        + data.draw(
            st.sampled_from(
                [
                    [],
                    ["--max-bytes=1"],
                    [f"--max-bytes={max(1, len(content) - 1)}"],
                    [f"--max-bytes={len(content) or 1}"],
                ]
            )
        )
    )
    run_every_command(packed, header, companies, read_args, data.draw, ".csv." + kind)


@FUZZ_WIDE
@given(st.data())
def test_fuzz_thousands_of_columns(data):
    """1,000 to 5,000 columns, hostile or duplicate names, a few rows."""
    ncols = data.draw(st.integers(min_value=1000, max_value=5000))
    name = data.draw(st.sampled_from(["c{}", "{}", "\x1b[2J{}", "[bold]{}[/]", "同{}"]))
    header = ["company", "value"] + [name.format(i) for i in range(ncols - 2)]
    if data.draw(st.booleans()):
        header[-1] = header[2]  # a duplicate far to the right
    nrows = data.draw(st.integers(min_value=0, max_value=4))
    cell = data.draw(number_text)
    rows = [[f"co{r}", str(r + 1)] + [cell] * (ncols - 2) for r in range(nrows)]
    text = _to_csv(header, rows)
    run_every_command(text.encode("utf-8"), header, [f"co{r}" for r in range(max(nrows, 1))], [], data.draw)


@FUZZ
@given(st.data())
def test_fuzz_scenarios_and_schema_files(data):
    """The second files commands read: merge --scenarios and validate --schema, hostile and malformed."""
    content, header, companies, read_args = data.draw(tables())
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "input.csv")
        Path(path).write_bytes(content)
        side = os.path.join(tmp, "side" + data.draw(st.sampled_from([".csv", ".json", ".yaml"])))
        side_text = data.draw(
            st.one_of(
                st.builds(
                    lambda a, t, n: _to_csv(["acquirer", "target", "name"], [[a, t, n]]),
                    st.sampled_from(companies),
                    st.sampled_from(companies),
                    hostile_text,
                ),
                st.builds(
                    lambda f: json.dumps({"fields": f}),
                    st.lists(
                        st.fixed_dictionaries(
                            {
                                "name": st.one_of(st.sampled_from(header), hostile_text),
                                "type": st.sampled_from(["string", "number", "integer", "year", "x"]),
                            },
                            optional={
                                "constraints": st.dictionaries(
                                    st.sampled_from(["required", "unique", "minimum", "maximum", "enum", "pattern"]),
                                    st.one_of(
                                        st.booleans(), st.integers(), hostile_text, st.lists(hostile_text, max_size=2)
                                    ),
                                )
                            },
                        ),
                        max_size=4,
                    ),
                ),
                hostile_text,
                st.just("fields: [\n"),
                st.just("!!python/object/apply:os.system ['echo pwned']\n"),
            )
        )
        Path(side).write_text(side_text, encoding="utf-8")
        entity, value = (header + ["company", "value"])[:2]
        check_run(
            "merge",
            [path, f"--entity={entity}", f"--value={value}", f"--scenarios={side}", *read_args],
            data.draw(st.sampled_from(FORMATS["merge"])),
            inputs=[path, side],
        )
        check_run(
            "validate",
            [path, f"--schema={side}", *read_args],
            data.draw(st.sampled_from(FORMATS["validate"])),
            inputs=[path, side],
        )


# ---------------------------------------------------------------- output streams that are not UTF-8

STREAM_ENCODINGS = ["ascii", "latin-1", "ANSI_X3.4-1968", "cp1252"]  # ANSI_X3.4-1968: LC_ALL=POSIX PYTHONUTF8=0


def _timeless(fmt: str, text: str):
    """The document without validate's stopwatch (``stats.seconds``, also per file), the one field that differs."""
    if fmt != "json":
        return text
    doc = json.loads(text)
    for part in [doc, *doc.get("files", [])]:
        part.get("stats", {}).pop("seconds", None)
    return doc


@FUZZ
@given(st.data())
def test_fuzz_output_streams_that_are_not_utf8(data):
    """Hostile tables through every command and format on an ASCII / Latin-1 / POSIX-locale stream.

    Besides every property of ``check_run``: the exit code is the one a UTF-8 stream gets, a
    table is whole in the stream's own encoding (what it cannot hold shown as escapes), and
    the file formats are the same UTF-8 bytes as on a UTF-8 stream.
    """
    content, header, companies, read_args = data.draw(tables())
    encoding = data.draw(st.sampled_from(STREAM_ENCODINGS))
    event(f"stream {encoding}")
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "input.csv")
        Path(path).write_bytes(content)
        for cmd in COMMANDS:
            fmt = data.draw(st.sampled_from(FORMATS[cmd]))
            args = command_args(cmd, path, header, companies, data.draw) + read_args
            r = check_run(cmd, args, fmt, inputs=[path], encoding=encoding)
            u = run_cli(cmd, *args, f"--format={fmt}")
            assert r.code == u.code, (r.err, u.err)
            if fmt in FILE_FORMATS and r.code in (0, 1):
                assert _timeless(fmt, r.raw.decode("utf-8")) == _timeless(fmt, u.out), (
                    "a file format differs on a stream that is not UTF-8"
                )
            if r.code == 2:
                assert r.err.encode(encoding) == u.err.encode(encoding, errors="backslashreplace")


# ---------------------------------------------------------------- hostile option values

NUMBER_OPTIONS = ["--max-bytes", "--top", "--show", "--min-n", "--max-missing"]
option_value = st.one_of(
    st.sampled_from(HOSTILE),
    st.sampled_from(
        [
            "",
            "-",
            "--",
            "--help",
            "-h",
            "=",
            "0",
            "-1",
            "1e999",
            "nan",
            "inf",
            "9" * 400,
            "0x10",
            "1_000",
            "\udcff",  # an undecodable byte of a command-line argument
            "company",
            "value",
            "year",
            "company,value",
            "value ~ (a+)+b",
            "value > 1 and",
            "company == 'A' or value >= 1e999",
            "year ~ [",
            "utf-16",
            "punycode",
            "rot13",
            "tab",
            "\\t",
            "é",
            "../../etc/passwd",
            "dataset:",
            "%s%n%x",
        ]
    ),
    st.text(max_size=12).filter(lambda x: "\x00" not in x),  # a command line cannot hold NUL
)


@FUZZ
@given(st.data())
def test_fuzz_option_values(data):
    """Hostile strings as the values of --by, --entity, --value, --where, --delimiter, --encoding,
    --period and the number options, over a clean table: a usage error or a result, never a
    traceback, always exit 0, 1 or 2, and nothing on standard output when it fails."""
    rows = "".join(f"{c},{v},{y}\n" for y in (2022, 2023) for c, v in (("A", 50), ("B", 30), ("C", 15), ("D", 5)))
    content = ("company,value,year\n" + rows).encode("utf-8")
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "input.csv")
        Path(path).write_bytes(content)
        for cmd in data.draw(st.lists(st.sampled_from(COMMANDS), min_size=1, max_size=3, unique=True)):
            options = ["--entity", "--value", "--where", "--delimiter", "--encoding", "--by"]
            options += ["--period"] if cmd == "trend" else []
            options += [o for o in NUMBER_OPTIONS if o != "--top" or cmd == "concentration"]
            chosen = data.draw(st.lists(st.sampled_from(options), min_size=1, max_size=3, unique=True))
            args = [path]
            if cmd == "trend" and "--period" not in chosen:
                args.append("--period=year")
            if cmd == "merge":
                args += ["--acquirer=A", "--target=B"]
            for option in chosen:
                value = data.draw(option_value)
                event(f"option {option}")
                args += [option, value] if data.draw(st.booleans()) else [f"{option}={value}"]
            fmt = data.draw(st.sampled_from(FORMATS[cmd]))
            check_run(cmd, args, fmt, inputs=[path])
