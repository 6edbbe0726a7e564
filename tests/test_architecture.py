"""The package's shape (issue 14): no import cycles, no reaching into another module's
underscore names, and a core that knows nothing of Typer or Rich.

The import graph is read from the source with :mod:`ast` (every import, also those
inside functions), so the test fails as soon as a change adds a forbidden edge.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "aistruct"


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES = {_module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def _resolve(node: ast.ImportFrom, here: str, is_package: bool) -> str:
    if not node.level:
        return node.module or ""
    base = here.split(".")
    if not is_package:
        base = base[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def _imports(name: str) -> list[tuple[str, list[str], int]]:
    """(imported module, names taken from it, line) for every import in module ``name``."""
    path = MODULES[name]
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(alias.name, [], node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            target = _resolve(node, name, path.name == "__init__.py")
            found.append((target, [a.name for a in node.names], node.lineno))
    return found


def _edges() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {m: set() for m in MODULES}
    for name in MODULES:
        for target, names, _ in _imports(name):
            # ``from aistruct import metrics`` imports the submodule aistruct.metrics
            subs = [f"{target}.{n}" for n in names if f"{target}.{n}" in MODULES]
            for dep in subs or ([target] if target in MODULES else []):
                if dep != name and not name.startswith(dep + "."):  # a package's own parents load first anyway
                    graph[name].add(dep)
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    out: list[list[str]] = []
    counter = [0]

    def visit(v: str) -> None:
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def test_the_cycle_finder_finds_a_cycle():
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert _cycles({"a": {"b"}, "b": set()}) == []


def test_no_import_cycle_in_the_package():
    assert _cycles(_edges()) == []


def test_no_module_imports_another_modules_underscore_names():
    offences = []
    for name, path in MODULES.items():
        for target, names, line in _imports(name):
            if not target.startswith("aistruct"):
                continue
            own = target == name
            for n in names:
                if n.startswith("_") and not n.startswith("__") and not own:
                    offences.append(f"{path.name}:{line} imports {target}.{n}")
        tree = ast.parse(path.read_text(encoding="utf-8"))
        imported = {
            a.asname or a.name
            for node in ast.walk(tree)
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("aistruct")
            for a in node.names
        }
        for node in ast.walk(tree):  # module._private through an imported aistruct module
            if (
                isinstance(node, ast.Attribute)
                and isinstance(node.value, ast.Name)
                and node.value.id in imported
                and node.attr.startswith("_")
                and not node.attr.startswith("__")
            ):
                offences.append(f"{path.name}:{node.lineno} uses {node.value.id}.{node.attr}")
    assert offences == []


@pytest.mark.parametrize("name", [m for m in MODULES if not m.startswith("aistruct.cli")])
def test_the_core_imports_neither_typer_nor_rich(name):
    heavy_ui = [t for t, _, _ in _imports(name) if t.split(".")[0] in ("typer", "rich", "click")]
    assert heavy_ui == [], f"{name} imports {heavy_ui}"


_FLAG = re.compile(r"--[a-z]")
_CORE = {name: path for name, path in MODULES.items() if not name.startswith("aistruct.cli")}


def _flags_in_raises(tree: ast.AST) -> list[tuple[int, str]]:
    """(line, text) of every string constant (f-string parts too) inside a ``raise`` that spells a flag."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Raise) and node.exc is not None:
            for sub in ast.walk(node.exc):
                if isinstance(sub, ast.Constant) and isinstance(sub.value, str) and _FLAG.search(sub.value):
                    found.append((sub.lineno, sub.value))
    return found


def _bare_flags(tree: ast.AST) -> list[tuple[int, str]]:
    """(line, text) of every string constant that is a flag and nothing else (``"--by"``): an option
    handed around to end up in a message."""
    return [
        (node.lineno, node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and re.fullmatch(r"--[a-z][a-z-]*", node.value)
    ]


def test_the_flag_finders_find_flags():
    tree = ast.parse(
        'def f(x):\n    if x:\n        raise UsageError(f"--alpha must be positive (got {x})")\n'
        '    g(x, "--by")\n    raise ValueError("no flag here")\n'
    )
    assert _flags_in_raises(tree) == [(3, "--alpha must be positive (got ")]
    assert _bare_flags(tree) == [(4, "--by")]


@pytest.mark.parametrize("name", sorted(_CORE))
def test_core_error_messages_name_parameters_not_flags(name):
    """Core errors speak data (issue 14, item 5): a parameter is ``errors.param("alpha")``, which the
    CLI renders as ``--alpha``; a literal flag in a ``raise`` (or handed to one) is a CLI spelling
    the library user never typed."""
    tree = ast.parse(_CORE[name].read_text(encoding="utf-8"))
    assert _flags_in_raises(tree) == []
    assert _bare_flags(tree) == []
