"""The engine registry: every ``--engine`` name has a module with the one engine function."""

import importlib
import inspect

from aistruct.cli.options import ENGINE
from aistruct.engines import ENGINES, engine_help


def test_names_are_the_command_line_contract():
    assert list(ENGINES) == ["default", "duckdb", "dask"]


def test_every_engine_has_the_same_prepare_signature():
    expected = inspect.signature(importlib.import_module(ENGINES["default"].module).prepare)
    for name, engine in ENGINES.items():
        prepare = importlib.import_module(engine.module).prepare
        assert inspect.signature(prepare) == expected, name


def test_engine_option_help_names_every_engine():
    text = engine_help()
    assert all(name in text for name in ENGINES)
    assert ENGINE.params[0].annotation.__metadata__[0].help == text
