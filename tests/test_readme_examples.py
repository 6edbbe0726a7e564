"""Every README and docs/ example is rerun, and its printed numbers must match the current code.

How to add an example to README.md or a page of docs/ (any section): put a
marker line directly above a fenced code block whose first line is the command,
prompt included, and whose other lines are the output exactly as a terminal 80
columns wide shows it (standard error first, as it appears: credit lines and
warnings):

    <!-- example: NAME -->
    ```console
    $ aistruct concentration dataset:ai_app_mau_cn_2025-03
    Data: ...
    Concentration of mau across app
    ...
    ```

NAME must be unique across README.md and docs/. The test runs the command
in-process from the repository root (``COLUMNS=80``) and compares:

- for JSON output (the expected text parses as JSON): the whole document, floats
  to 1e-9 relative, ignoring ``aistruct_version``;
- otherwise: the sequence of numbers in the text (3,886 / 52.5% / 0.185 ...),
  in order. Wording and table borders may change; the numbers may not.

Options after NAME in the marker: ``exit=N`` when the command is expected to
exit with N (default 0). Output the README omits would make the numbers differ,
so paste the whole output.
"""

from __future__ import annotations

import json
import math
import re
import shlex

import pytest
from conftest import ROOT, run_cli

README = ROOT / "README.md"
PAGES = [README] + sorted((ROOT / "docs").glob("*.md"))
MARKER = re.compile(r"^<!-- example: (?P<name>[A-Za-z0-9_.-]+)(?P<opts>[^>]*?)\s*-->\s*$")
NUMBER = re.compile(r"\d+(?:[.,]\d+)*")


def parse_examples(text: str, source: str = "README.md") -> list[dict]:
    """Each marked example: name, options, command argv, expected output and where it is."""
    lines = text.splitlines()
    examples = []
    i = 0
    while i < len(lines):
        m = MARKER.match(lines[i])
        i += 1
        if not m:
            continue
        while i < len(lines) and not lines[i].strip():
            i += 1
        if i >= len(lines) or not lines[i].startswith("```"):
            raise AssertionError(f"{source} example {m.group('name')!r}: no code block after the marker")
        start = i + 1
        end = start
        while end < len(lines) and not lines[end].startswith("```"):
            end += 1
        body = lines[start:end]
        i = end + 1
        if not body or not body[0].startswith("$ aistruct "):
            raise AssertionError(f"{source} example {m.group('name')!r}: first line must be '$ aistruct ...'")
        opts = dict(o.split("=", 1) for o in m.group("opts").split() if "=" in o)
        examples.append(
            {
                "name": m.group("name"),
                "exit": int(opts.get("exit", 0)),
                "argv": shlex.split(body[0][len("$ aistruct ") :]),
                "expected": "\n".join(body[1:]),
                "line": start,
                "source": source,
            }
        )
    return examples


EXAMPLES = [e for page in PAGES for e in parse_examples(page.read_text(encoding="utf-8"), str(page.relative_to(ROOT)))]


def _json_equal(a, b, path="$"):
    if isinstance(a, dict) and isinstance(b, dict):
        keys = (set(a) | set(b)) - {"aistruct_version"}
        for k in sorted(keys):
            assert k in a and k in b, f"{path}.{k}: present in only one of README and output"
            _json_equal(a[k], b[k], f"{path}.{k}")
    elif isinstance(a, list) and isinstance(b, list):
        assert len(a) == len(b), f"{path}: {len(a)} items in README, {len(b)} in output"
        for n, (x, y) in enumerate(zip(a, b)):
            _json_equal(x, y, f"{path}[{n}]")
    elif isinstance(a, float) or isinstance(b, float):
        assert isinstance(a, (int, float)) and isinstance(b, (int, float)), f"{path}: {a!r} vs {b!r}"
        assert math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12), f"{path}: README {a!r}, output {b!r}"
    else:
        assert a == b, f"{path}: README {a!r}, output {b!r}"


def _as_json(text: str):
    try:
        return json.loads(text)
    except ValueError:
        return None


def test_readme_has_examples_with_unique_names():
    names = [e["name"] for e in EXAMPLES]
    assert len(names) == len(set(names)), f"duplicate README/docs example names: {names}"
    # The bundled-datasets section's own examples must stay in it (now docs/datasets.md).
    in_datasets = {e["name"] for e in EXAMPLES if e["source"] == "docs/datasets.md"}
    assert {"datasets-list", "datasets-concentration-mau", "datasets-concentration-funding"} <= in_datasets


def test_parser_reads_marker_command_and_output():
    text = (
        "x\n<!-- example: demo exit=1 -->\n\n```console\n$ aistruct concentration 'a b.csv' --top 1,2\nHHI 3,886\n```\n"
    )
    (ex,) = parse_examples(text)
    assert ex["name"] == "demo" and ex["exit"] == 1
    assert ex["argv"] == ["concentration", "a b.csv", "--top", "1,2"]
    assert NUMBER.findall(ex["expected"]) == ["3,886"]


def test_number_comparison_catches_a_changed_number():
    # The comparison this file relies on must see a one-digit change.
    assert NUMBER.findall("HHI 3,886 CR1 52.5%") != NUMBER.findall("HHI 3,887 CR1 52.5%")


@pytest.mark.parametrize("example", EXAMPLES, ids=[e["name"] for e in EXAMPLES])
def test_readme_example_matches_current_output(example, monkeypatch):
    monkeypatch.chdir(ROOT)
    result = run_cli(*example["argv"], env={"COLUMNS": "80"})
    where = f"{example['source']} line {example['line']} ({example['name']})"
    assert result.code == example["exit"], f"{where}: exit {result.code}\n{result.err}"
    expected_doc = _as_json(example["expected"])
    if expected_doc is not None:
        _json_equal(expected_doc, json.loads(result.out))
        return
    actual = result.err + result.out
    want, got = NUMBER.findall(example["expected"]), NUMBER.findall(actual)
    assert want == got, f"{where}: numbers differ from the current output:\n{actual}"
