"""Frictionless Data Package descriptors (https://specs.frictionlessdata.io/data-package/) as ``--schema``.

A ``datapackage.json`` lists resources, each a file (``path``) with its own Table
Schema (``schema``, inline or a path). Given as ``--schema``, each file checked is
matched to its resource and checked against that resource's schema; with no files
given, every local resource of the package is checked.

Matching a file to a resource: first by the path (the resource's ``path`` taken
relative to the descriptor's folder, as the specification says, compared as the
same file on disk), then, when that finds none, by file name, if exactly one
resource has that name. A file that matches no resource is not checked (exit 2,
naming the resources). Paths are untrusted: a resource path that is absolute or
climbs out of the package's folder (``..``) is refused, as the specification asks;
remote resources (``https://...``) and resources without a schema are warned about.
"""

from __future__ import annotations

import os
import posixpath
from dataclasses import dataclass, field
from typing import Any

from aistruct.errors import UsageError, as_options, param
from aistruct.validation.tableschema import TableSchema, load_schema, read_schema_file

#: Paths that are URLs: not read (aistruct reads nothing from the network).
_REMOTE = ("http://", "https://", "ftp://", "s3://", "gs://", "file://")


@dataclass
class Resource:
    """One resource of a package: its name, its local files (as given and as found on disk) and its schema."""

    name: str
    paths: list  # as the descriptor's folder joined with each path gives them
    schema: TableSchema | None


@dataclass
class DataPackage:
    """A checked Data Package descriptor: its local resources, and warnings about it."""

    source: str
    resources: list = field(default_factory=list)
    warnings: list = field(default_factory=list)
    schema_files: list = field(default_factory=list)  # the resources' schemas given as paths (inputs too)

    def files(self) -> list:
        """Every local file of every resource, in the descriptor's order (the files checked when none are given)."""
        return [p for r in self.resources for p in r.paths]

    def resource_for(self, source: str) -> Resource:
        """The resource ``source`` is a file of; none raises :class:`UsageError` (exit 2) naming the resources."""
        for r in self.resources:
            for p in r.paths:
                if _same_file(p, source):
                    return r
        base = os.path.basename(source)
        by_name = [r for r in self.resources if any(os.path.basename(p) == base for p in r.paths)]
        if len(by_name) == 1:
            return by_name[0]
        names = ", ".join(f"{r.name} ({', '.join(os.path.basename(p) for p in r.paths)})" for r in self.resources)
        why = "several resources have that file name" if by_name else "not a resource of the package"
        raise UsageError(f"{source}: {why} {param('schema')} {self.source} describes; its resources: {names}")

    def schema_for(self, source: str) -> TableSchema | None:
        """The Table Schema of the resource ``source`` is a file of (None: the resource has none)."""
        return self.resource_for(source).schema


def _same_file(a: str, b: str) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return os.path.normpath(os.path.abspath(a)) == os.path.normpath(os.path.abspath(b))


def is_data_package(spec: Any) -> bool:
    """A descriptor with ``resources`` and no ``fields``: a Data Package, not a Table Schema."""
    return isinstance(spec, dict) and "resources" in spec and "fields" not in spec


def _safe_path(path: Any, what: str) -> str:
    if not isinstance(path, str) or not path:
        raise UsageError(f"{what}: 'path' must be a non-empty string or a list of them")
    if path.lower().startswith(_REMOTE):
        return path
    parts = path.replace("\\", "/").split("/")
    if posixpath.isabs(path) or os.path.isabs(path) or ".." in parts or (len(path) > 1 and path[1] == ":"):
        raise UsageError(
            f"{what}: path {path!r} is absolute or leaves the package's folder, which a Data Package "
            f"may not do; give the file on the command line with its own {param('schema')}"
        )
    return path


def load_package(spec: dict, source: str) -> DataPackage:
    """A :class:`DataPackage` from a parsed descriptor read from the file ``source``; invalid ones exit 2."""
    label = f"{param('schema')} {source}"
    folder = os.path.dirname(source)
    resources = spec.get("resources")
    if not isinstance(resources, list) or not resources:
        raise UsageError(f"{label}: a Data Package's 'resources' must be a non-empty list")
    package = DataPackage(source=source)
    warnings: list = []
    for i, res in enumerate(resources, start=1):
        if not isinstance(res, dict):
            raise UsageError(f"{label}: resource {i} must be an object")
        given = res.get("name")
        name: str = given if isinstance(given, str) and given else f"resource {i}"
        what = f"{label}: resource {name!r}"
        raw = res.get("path")
        if raw is None:
            if "data" in res:
                warnings.append(f"{what}: inline data is not checked (only files are)")
                continue
            raise UsageError(f"{what}: no 'path'")
        paths = [_safe_path(p, what) for p in (raw if isinstance(raw, list) else [raw])]
        remote = [p for p in paths if p.lower().startswith(_REMOTE)]
        if remote:
            warnings.append(f"{what}: remote paths are not read ({', '.join(remote)})")
        local = [os.path.join(folder, p) if folder else p for p in paths if p not in remote]
        if not local:
            continue
        schema_spec = res.get("schema")
        schema: TableSchema | None
        if schema_spec is None:
            schema = None
            warnings.append(f"{what}: no schema; its files get the structural checks only")
        elif isinstance(schema_spec, str):
            schema_path = _safe_path(schema_spec, f"{what}: schema")
            if schema_path.lower().startswith(_REMOTE):
                raise UsageError(f"{what}: schema {schema_path!r} is remote; aistruct reads local schemas only")
            full = os.path.join(folder, schema_path) if folder else schema_path
            package.schema_files.append(full)
            schema = load_schema(read_schema_file(full, f"{what}: schema {schema_path}"), label=f"{what}: schema")
        else:
            schema = load_schema(schema_spec, label=f"{what}: schema")
        package.resources.append(Resource(name=name, paths=local, schema=schema))
    if not package.resources:
        raise UsageError(f"{label}: the Data Package has no local file resources to check")
    package.warnings = [as_options(w) for w in warnings]
    return package


def load_schema_or_package(spec: Any) -> TableSchema | DataPackage:
    """``--schema``'s value: a Table Schema, or a Data Package descriptor (a path, a dict, or either object)."""
    if isinstance(spec, (TableSchema, DataPackage)):
        return spec
    if isinstance(spec, (str, os.PathLike)):
        path = os.fspath(spec)
        parsed = read_schema_file(path)
        if is_data_package(parsed):
            return load_package(parsed, path)
        return load_schema(parsed, label=f"{param('schema')} {path}")
    if is_data_package(spec):
        return load_package(spec, "datapackage")
    return load_schema(spec)
