"""``validate``: dataset sanity checks with exit codes a CI pipeline can trust.

Library use (the CLI ``aistruct validate`` is a thin layer over this)::

    from aistruct.validation import ValidateOptions, validate_files
    report = validate_files(["data/funding.csv"], ValidateOptions(entity="company", value="usd"))
    report.valid, report.exit_code   # False, 1 when a check failed
    report.to_dict()                 # the --format json document

Every file gets the structural checks (``encoding``, ``header``,
``names-non-empty``, ``names-unique``, ``field-count``, ``no-blank-rows``,
``no-duplicate-rows``, ``has-rows``); the options add the column checks of
:mod:`aistruct.validation.checks` and a Table Schema adds those of
:mod:`aistruct.validation.tableschema`. A file that cannot be read at all (missing,
compressed without ``decompress``, too large) is not a failed check but an
error: exit 2.
"""

from __future__ import annotations

import os
import time
from typing import Any, Iterable

from aistruct.errors import AistructError, UsageError, long_option, param
from aistruct.validation.checks import ValidateOptions, parse_values
from aistruct.validation.datapackage import DataPackage, load_schema_or_package
from aistruct.validation.report import FAIL, PASS, WARN, Check, Example, FileReport, ValidationReport
from aistruct.validation.table import load, row_checks
from aistruct.validation.tableschema import TableSchema, load_schema

__all__ = [
    "Check",
    "Example",
    "FileReport",
    "ValidationReport",
    "ValidateOptions",
    "TableSchema",
    "DataPackage",
    "load_schema",
    "load_schema_or_package",
    "parse_values",
    "validate",
    "validate_files",
    "dataset_schema",
    "PASS",
    "WARN",
    "FAIL",
]


def dataset_schema(source: str) -> TableSchema | None:
    """The Table Schema that ``datasets/datapackage.json`` gives the bundled ``dataset:NAME``, if any."""
    from aistruct import datasets
    from aistruct.reader import DATASET_PREFIX

    if not source.startswith(DATASET_PREFIX):
        return None
    name = source[len(DATASET_PREFIX) :]
    res = datasets.find(name)
    spec = res.get("schema")
    if spec is None:
        return None
    label = f"{source}: schema in datapackage.json"
    if isinstance(spec, str):
        return load_schema(os.fspath(datasets.data_dir() / spec), label=label)
    return load_schema(spec, label=label)


def validate(source: Any, options: ValidateOptions | None = None, read=None) -> FileReport:
    """Check one file. Raises :class:`~aistruct.errors.AistructError` only when it cannot be read (exit 2)."""
    from aistruct.markets import resolve_column
    from aistruct.reader import ReadOptions
    from aistruct.validation import checks as col_checks
    from aistruct.validation.tableschema import schema_checks

    opts = options or ValidateOptions()
    opts.check()
    read = read or ReadOptions()
    found_schema = load_schema_or_package(opts.schema) if opts.schema is not None else None
    source = os.fspath(source)
    package_warnings: list = []
    if isinstance(found_schema, DataPackage):  # the schema of the resource this file is
        package_warnings = found_schema.warnings
        schema = found_schema.schema_for(source)
    else:
        schema = found_schema
    if schema is None and found_schema is None:
        schema = dataset_schema(source)
    import numpy  # noqa: F401  (import time is not validation time)
    import pandas  # noqa: F401
    import pyarrow.compute  # noqa: F401
    import pyarrow.csv  # noqa: F401

    started = time.perf_counter()
    loaded = load(source, read, opts.max_examples)
    report = FileReport(file=loaded.source, format=loaded.format, strict=opts.strict)
    report.warnings.extend(package_warnings)
    if schema is not None:
        report.warnings.extend(schema.warnings)
    found: list = list(loaded.checks)
    cells = loaded.cells
    if cells is not None:
        report.rows, report.columns = cells.records, len(cells.names)
        found += row_checks(cells, opts.max_examples)

        def column(name: str, option: str) -> int:
            return cells.names.index(resolve_column(name, cells.names, loaded.source, option))

        by_idx = [column(b, param("by")) for b in opts.by]
        entity_idx = column(opts.entity, param("entity")) if opts.entity else None
        value_idx = column(opts.value, param("value")) if opts.value else None
        groups = col_checks.make_groups(cells, by_idx, opts.freq)
        if entity_idx is not None:
            found += col_checks.entity_checks(cells, entity_idx, groups, opts)
        if value_idx is not None:
            found += col_checks.value_checks(cells, value_idx, groups, opts)
        if opts.freq:
            found += col_checks.period_checks(cells, by_idx[-1], groups, opts)
        if schema is not None:
            found += schema_checks(cells, schema, opts.max_examples)
    for c in found:
        c.file = loaded.source
        if cells is not None:
            for e in c.examples:
                if e.line is None:
                    e.line = cells.line_of(e.row)
    report.checks = found
    report.seconds = time.perf_counter() - started
    return report


def validate_files(
    sources: Iterable[Any] | None, options: ValidateOptions | None = None, read=None, on_error=None, **keywords: Any
) -> ValidationReport:
    """Check every file. A file that cannot be read is kept with its ``error`` (exit 2 for the run);
    ``on_error(message)`` is told at once. Bad options or an invalid schema raise before any file is read.
    With a Data Package descriptor as ``schema``, each file is checked against its resource's schema,
    and no ``sources`` (None or empty) means every local file of the package.
    The options may be given as keywords too (``entity="app", shares=True, encoding="latin-1"``:
    the fields of :class:`ValidateOptions` and :class:`aistruct.reader.ReadOptions`)."""
    from aistruct.keywords import split_keywords, with_keywords
    from aistruct.reader import ReadOptions

    opts_kw, read_kw = split_keywords(validate_files, keywords, (ValidateOptions, ReadOptions))
    opts = with_keywords(options, ValidateOptions, opts_kw) or ValidateOptions()
    read = with_keywords(read, ReadOptions, read_kw)
    opts.check()
    if opts.schema is not None:
        opts.schema = load_schema_or_package(opts.schema)
    sources = list(sources or ())
    if not sources:
        if not isinstance(opts.schema, DataPackage):
            raise UsageError(f"no file to check: name one, or give a Data Package descriptor as {param('schema')}")
        sources = opts.schema.files()
    report = ValidationReport()
    for source in sources:
        try:
            report.files.append(validate(source, opts, read))
        except AistructError as exc:  # this file only: missing, unreadable, no such column ...
            message = exc.render(long_option)  # kept in the document, whose wording names the options
            if on_error is not None:
                on_error(message)
            name = "<stdin>" if os.fspath(source) == "-" else os.fspath(source)
            report.files.append(FileReport(file=name, error=message, strict=opts.strict))
    return report
