"""Frictionless Table Schema checks (https://specs.frictionlessdata.io/table-schema/).

:func:`load_schema` reads a schema (JSON or YAML file, or a dict) and refuses an
invalid one with a :class:`~aistruct.errors.UsageError` (exit 2); keys it does not
know are kept as warnings, never silently ignored. :func:`schema_checks` applies it
to the cells of a file:

* ``schema-fields``: every schema field is a column and every column a field
  (matched by name, in any order);
* ``schema-type``: each non-missing cell is a value of its field's type;
* one check per constraint family used by the schema: ``schema-required``,
  ``schema-unique``, ``schema-range`` (minimum, maximum, exclusiveMinimum,
  exclusiveMaximum), ``schema-length`` (minLength, maxLength), ``schema-pattern``,
  ``schema-enum``; and ``schema-primary-key``.

A cell that fails its type is not checked against the constraints (one problem,
one report). Types and formats follow the specification; see the README for the
exact forms accepted.
"""

from __future__ import annotations

import json
import math
import os
from dataclasses import dataclass, field
from typing import Any

from aistruct.errors import UsageError, as_options, param
from aistruct.regex import BadPattern, compile_pattern
from aistruct.validation.report import Example, make_check
from aistruct.validation.table import Cells, first_index, group_ids

TYPES = ("string", "number", "integer", "boolean", "date", "datetime", "year", "yearmonth", "any")
UNCHECKED_TYPES = ("time", "duration", "object", "array", "geopoint", "geojson")
CONSTRAINTS = (
    "required",
    "unique",
    "minimum",
    "maximum",
    "exclusiveMinimum",
    "exclusiveMaximum",
    "minLength",
    "maxLength",
    "pattern",
    "enum",
)
FIELD_KEYS = (
    "name",
    "type",
    "format",
    "constraints",
    "trueValues",
    "falseValues",
    "decimalChar",
    "groupChar",
    "bareNumber",
    "missingValues",
)
DOC_KEYS = ("title", "description", "example", "rdfType", "$schema", "name", "categories", "categoriesOrdered")
TOP_KEYS = ("fields", "primaryKey", "missingValues")
TOP_UNCHECKED = ("foreignKeys", "uniqueKeys", "fieldsMatch")
CHECK_ORDER = (
    "schema-fields",
    "schema-type",
    "schema-required",
    "schema-unique",
    "schema-range",
    "schema-length",
    "schema-pattern",
    "schema-enum",
    "schema-primary-key",
)
_FAMILY = {
    "required": "schema-required",
    "unique": "schema-unique",
    "minimum": "schema-range",
    "maximum": "schema-range",
    "exclusiveMinimum": "schema-range",
    "exclusiveMaximum": "schema-range",
    "minLength": "schema-length",
    "maxLength": "schema-length",
    "pattern": "schema-pattern",
    "enum": "schema-enum",
}
_ORDERED = ("number", "integer", "year", "yearmonth", "date", "datetime")

_NUMBER = r"^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$"
_SPECIAL = {
    "nan": math.nan,
    "inf": math.inf,
    "+inf": math.inf,
    "-inf": -math.inf,
    "infinity": math.inf,
    "+infinity": math.inf,
    "-infinity": -math.inf,
}
_INTEGER = r"^[+-]?\d+$"
_YEAR = r"^\d{4}$"
_YEARMONTH = r"^\d{4}-(?:0[1-9]|1[0-2])$"
_ISO_DATE = r"^\d{4}-\d{2}-\d{2}$"
_ISO_DATETIME = r"^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?(?:Z|[+-]\d{2}(?::?\d{2})?)?$"
_STRING_FORMATS = {
    "default": None,
    "email": r"^[^@\s]+@[^@\s]+\.[^@\s]+$",
    "uri": r"^[A-Za-z][A-Za-z0-9+.\-]*:[^\s]+$",
    "uuid": r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$",
    "binary": r"^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$",
}


@dataclass
class Field:
    name: str
    type: str = "string"
    format: str = "default"
    constraints: dict = field(default_factory=dict)
    true_values: tuple = ("true", "True", "TRUE", "1")
    false_values: tuple = ("false", "False", "FALSE", "0")
    decimal_char: str = "."
    group_char: str = ""
    bare_number: bool = True
    missing_values: tuple | None = None
    bounds: dict = field(default_factory=dict)  # constraint name -> typed bound
    enum: Any = None  # typed enum values


@dataclass
class TableSchema:
    """A checked Table Schema: its fields, primary key, missing values and warnings about it."""

    fields: list
    primary_key: list = field(default_factory=list)
    missing_values: tuple = ("",)
    warnings: list = field(default_factory=list)
    source: str = "schema"

    def uses(self) -> list:
        """Names of the checks this schema calls for, in report order."""
        used = {"schema-fields", "schema-type"}
        for f in self.fields:
            used.update(_FAMILY[c] for c in f.constraints)
        if self.primary_key:
            used.add("schema-primary-key")
        return [c for c in CHECK_ORDER if c in used]


# ---------------------------------------------------------------- loading


SCHEMA_MAX_BYTES = 8 * 1024**2
"""The largest schema file read (8 MiB; a schema of thousands of fields takes a few hundred KB)."""
YAML_MAX_NODES = 1_000_000
"""The most YAML nodes a schema may stand for once its aliases are expanded (billion laughs stops here)."""


def read_schema_file(path: str, what: str | None = None) -> Any:
    """The parsed JSON or YAML of a schema or descriptor file, read with a size cap; unreadable or invalid exits 2."""
    what = what or f"{param('schema')} {path}"
    try:
        with open(path, "rb") as fh:  # a FIFO or /dev/zero has no size: read at most the cap, plus one byte
            raw = fh.read(SCHEMA_MAX_BYTES + 1)
    except FileNotFoundError:
        raise UsageError(f"{what}: no such file") from None
    except OSError as exc:
        raise UsageError(f"{what}: cannot read ({exc.strerror or exc})") from None
    if len(raw) > SCHEMA_MAX_BYTES:
        raise UsageError(f"{what}: more than {SCHEMA_MAX_BYTES:,} bytes; not a schema")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise UsageError(f"{what}: cannot read ({exc})") from None
    if path.lower().endswith((".yaml", ".yml")):
        return _yaml(text, what)
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        if path.lower().endswith(".json"):
            raise UsageError(f"{what}: invalid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}") from None
        return _yaml(text, what)
    except RecursionError:
        raise UsageError(f"{what}: JSON nested too deeply") from None


def _expanded_nodes(root, limit: int) -> int:
    """How many nodes the YAML graph under ``root`` stands for with every alias expanded.

    Each node is counted once (its total memoised), so the count costs the size of the
    file, not of the expansion; ``limit + 1`` is returned as soon as it is passed, and
    ``-1`` when an alias refers to a node that contains it.
    """
    import yaml

    done: dict[int, int] = {}
    open_: set[int] = set()
    stack: list = [(root, False)]
    while stack:
        node, children_done = stack.pop()
        key = id(node)
        if key in done:
            continue
        if isinstance(node, yaml.ScalarNode):
            done[key] = 1
            continue
        kids = [x for pair in node.value for x in pair] if isinstance(node, yaml.MappingNode) else list(node.value)
        if children_done:
            open_.discard(key)
            done[key] = min(limit + 1, 1 + sum(done[id(k)] for k in kids))
            continue
        if key in open_:
            return -1
        open_.add(key)
        stack.append((node, True))
        for kid in kids:
            if id(kid) in open_:
                return -1
            if id(kid) not in done:
                stack.append((kid, False))
    return done[id(root)]


def _yaml(text: str, what: str) -> Any:
    try:
        import yaml
    except ImportError:  # pragma: no cover - pyyaml is a dependency
        raise UsageError(f"{what}: reading YAML needs PyYAML (pip install pyyaml)") from None
    loader = None
    try:
        loader = yaml.SafeLoader(text)  # its reader refuses control characters at once
        node = loader.get_single_node()
        if node is None:
            return None
        size = _expanded_nodes(node, YAML_MAX_NODES)
        if size < 0:
            raise UsageError(f"{what}: a YAML alias refers to a node that contains it")
        if size > YAML_MAX_NODES:
            raise UsageError(f"{what}: its YAML aliases expand to more than {YAML_MAX_NODES:,} nodes; not a schema")
        return loader.construct_document(node)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
        raise UsageError(f"{what}: invalid YAML{where}") from None
    except RecursionError:
        raise UsageError(f"{what}: YAML nested too deeply") from None
    finally:
        if loader is not None:
            loader.dispose()


def _str_list(value, what: str) -> tuple:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise UsageError(f"{what}: expected a list of strings")
    return tuple(value)


def load_schema(spec: Any, label: str | None = None) -> TableSchema:
    """A :class:`TableSchema` from a path, a dict, or a TableSchema; an invalid schema exits 2."""
    if isinstance(spec, TableSchema):
        return spec
    if isinstance(spec, (str, os.PathLike)):
        label = label or f"{param('schema')} {os.fspath(spec)}"
        spec = read_schema_file(os.fspath(spec))
    label = label or "schema"
    if not isinstance(spec, dict):
        raise UsageError(f"{label}: a Table Schema must be an object with a 'fields' list")
    if "resources" in spec and "fields" not in spec:
        raise UsageError(
            f"{label}: a Data Package descriptor (it lists 'resources'), not a Table Schema; validate reads it "
            f"as {param('schema')} and checks each file against its resource's schema"
        )
    warnings: list = []
    for key in spec:
        if key in TOP_UNCHECKED:
            warnings.append(f"{label}: {key!r} is not checked by aistruct validate")
        elif key not in TOP_KEYS and key not in DOC_KEYS:
            warnings.append(f"{label}: unknown key {key!r} (ignored)")
    fields_spec = spec.get("fields")
    if not isinstance(fields_spec, list) or not fields_spec:
        raise UsageError(f"{label}: 'fields' must be a non-empty list of field descriptors")
    missing = _str_list(spec["missingValues"], f"{label}: missingValues") if "missingValues" in spec else ("",)
    fields = []
    seen = set()
    for i, fs in enumerate(fields_spec, start=1):
        f = _load_field(fs, f"{label}: field {i}", warnings)
        if f.name in seen:
            raise UsageError(f"{label}: field {i}: the name {f.name!r} is used twice")
        seen.add(f.name)
        fields.append(f)
    pk = spec.get("primaryKey")
    if pk is None:
        primary = []
    elif isinstance(pk, str):
        primary = [pk]
    elif isinstance(pk, list) and pk and all(isinstance(p, str) for p in pk):
        primary = list(pk)
    else:
        raise UsageError(f"{label}: primaryKey must be a field name or a list of field names")
    for p in primary:
        if p not in seen:
            raise UsageError(f"{label}: primaryKey names {p!r}, which is not a field")
    # warnings are document text, whose wording names the options: "--schema s.json: ..."
    return TableSchema(fields, primary, missing, [as_options(w) for w in warnings], as_options(label))


def _load_field(fs: Any, what: str, warnings: list) -> Field:
    if not isinstance(fs, dict):
        raise UsageError(f"{what}: a field must be an object")
    name = fs.get("name")
    if not isinstance(name, str) or not name:
        raise UsageError(f"{what}: 'name' must be a non-empty string")
    what = f"{what.rsplit(':', 1)[0]}: field {name!r}"
    ftype = fs.get("type", "string")
    if not isinstance(ftype, str):
        raise UsageError(f"{what}: 'type' must be a string")
    if ftype in UNCHECKED_TYPES:
        warnings.append(f"{what}: type {ftype!r} is not checked by aistruct validate (read as 'any')")
        ftype = "any"
    elif ftype not in TYPES:
        raise UsageError(f"{what}: unknown type {ftype!r}; use one of {', '.join(TYPES + UNCHECKED_TYPES)}")
    f = Field(name=name, type=ftype)
    for key in fs:
        if key not in FIELD_KEYS and key not in DOC_KEYS:
            warnings.append(f"{what}: unknown key {key!r} (ignored)")
    fmt = fs.get("format", "default")
    if not isinstance(fmt, str):
        raise UsageError(f"{what}: 'format' must be a string")
    if fmt.startswith("fmt:"):
        fmt = fmt[4:]
    if ftype == "string" and fmt not in _STRING_FORMATS:
        warnings.append(f"{what}: string format {fmt!r} is not checked")
        fmt = "default"
    elif ftype in ("date", "datetime") and fmt not in ("default", "any") and "%" not in fmt:
        raise UsageError(f"{what}: format {fmt!r} must be default, any, or a strptime pattern such as %d/%m/%Y")
    f.format = fmt
    if "trueValues" in fs:
        f.true_values = _str_list(fs["trueValues"], f"{what}: trueValues")
    if "falseValues" in fs:
        f.false_values = _str_list(fs["falseValues"], f"{what}: falseValues")
    for key, attr in (("decimalChar", "decimal_char"), ("groupChar", "group_char")):
        if key in fs:
            if not isinstance(fs[key], str) or len(fs[key]) > 1 or (key == "decimalChar" and not fs[key]):
                raise UsageError(f"{what}: {key} must be a single character")
            setattr(f, attr, fs[key])
    if "bareNumber" in fs:
        if not isinstance(fs["bareNumber"], bool):
            raise UsageError(f"{what}: bareNumber must be true or false")
        f.bare_number = fs["bareNumber"]
    if "missingValues" in fs:
        f.missing_values = _str_list(fs["missingValues"], f"{what}: missingValues")
    cons = fs.get("constraints", {})
    if not isinstance(cons, dict):
        raise UsageError(f"{what}: 'constraints' must be an object")
    for key, val in cons.items():
        if key not in CONSTRAINTS:
            warnings.append(f"{what}: unknown constraint {key!r} (ignored)")
            continue
        cwhat = f"{what}: constraint {key}"
        if key in ("required", "unique"):
            if not isinstance(val, bool):
                raise UsageError(f"{cwhat} must be true or false")
            if val:
                f.constraints[key] = True
        elif key in ("minLength", "maxLength"):
            if not isinstance(val, int) or isinstance(val, bool) or val < 0:
                raise UsageError(f"{cwhat} must be a whole number of at least 0")
            f.constraints[key] = val
        elif key == "pattern":
            if not isinstance(val, str):
                raise UsageError(f"{cwhat} must be a string")
            try:
                f.constraints[key] = compile_pattern(val)
            except BadPattern as exc:
                raise UsageError(f"{cwhat}: invalid regular expression ({exc})") from None
        elif key == "enum":
            if not isinstance(val, list) or not val:
                raise UsageError(f"{cwhat} must be a non-empty list")
            f.constraints[key] = val
            f.enum = _typed_literals(f, val, cwhat)
        else:
            if ftype not in _ORDERED:
                warnings.append(f"{what}: {key} does not apply to type {ftype!r} (ignored)")
                continue
            f.constraints[key] = val
            f.bounds[key] = _typed_literals(f, [val], cwhat)[0]
    return f


def _typed_literals(f: Field, values: list, what: str) -> list:
    """Constraint values (bounds, enum members) as the field's typed values."""
    import pandas as pd

    if f.type in ("string", "any"):
        return [str(v) for v in values]
    if f.type == "boolean":
        out = []
        for v in values:
            if isinstance(v, bool):
                out.append(v)
            elif isinstance(v, str) and v in f.true_values + f.false_values:
                out.append(v in f.true_values)
            else:
                raise UsageError(f"{what}: {v!r} is not a boolean")
        return out
    texts = []
    for v in values:
        if isinstance(v, bool) or not isinstance(v, (int, float, str)):
            raise UsageError(f"{what}: {v!r} is not {_a(f.type)}")
        if f.type in ("date", "datetime") and not isinstance(v, str):
            raise UsageError(f"{what}: {v!r} is not {_a(f.type)} (write it as a string)")
        texts.append(str(v) if not isinstance(v, float) else repr(v))
    typed, bad = cast(f, pd.Series(texts, dtype="str"))
    if bad.any():
        raise UsageError(f"{what}: {values[int(bad.argmax())]!r} is not {_a(f.type)}")
    return typed.tolist()


# ---------------------------------------------------------------- typing cells


def cast(f: Field, series) -> tuple[Any, Any]:
    """(typed values, bad mask) of non-missing text cells. Numbers, years, yearmonths as float64;
    dates and datetimes as int64 microseconds (UTC); booleans as bool; strings as text."""
    import numpy as np
    import pandas as pd
    import pyarrow as pa
    import pyarrow.compute as pc

    n = len(series)
    arr = pa.array(series, type=pa.string()) if n else pa.array([], type=pa.string())

    def match(a, pattern) -> Any:
        return pc.fill_null(pc.match_substring_regex(a, pattern), False).to_numpy(zero_copy_only=False)

    if f.type == "any":
        return series.to_numpy(dtype=object), np.zeros(n, dtype=bool)
    if f.type == "string":
        pattern = _STRING_FORMATS.get(f.format)
        bad = ~match(arr, pattern) if pattern else np.zeros(n, dtype=bool)
        return series.to_numpy(dtype=object), bad
    if f.type == "boolean":
        t = pc.is_in(arr, value_set=pa.array(list(f.true_values), pa.string())).to_numpy(zero_copy_only=False)
        fl = pc.is_in(arr, value_set=pa.array(list(f.false_values), pa.string())).to_numpy(zero_copy_only=False)
        return t, ~(t | fl)
    if f.type in ("number", "integer", "year"):
        a = arr
        if f.type == "number" and f.group_char:
            a = pc.replace_substring(a, f.group_char, "")
        if f.type == "number" and f.decimal_char != ".":
            a = pc.replace_substring(a, f.decimal_char, ".")
        if not f.bare_number and f.type != "year":
            inner = r"[+-]?\d+" if f.type == "integer" else _NUMBER[1:-1]
            a = pc.struct_field(pc.extract_regex(a, rf"^\D*?(?P<v>{inner})\D*$"), "v")
            a = pc.fill_null(a, "\x00")
        pattern = {"number": _NUMBER, "integer": _INTEGER, "year": _YEAR}[f.type]
        ok = match(a, pattern)
        values = pc.cast(pc.if_else(pa.array(ok), a, pa.scalar(None, a.type)), pa.float64())
        values = values.to_numpy(zero_copy_only=False).astype(np.float64, copy=True)
        if f.type == "number":
            special = pc.utf8_lower(a).to_numpy(zero_copy_only=False)
            for i in np.flatnonzero(~ok):
                v = _SPECIAL.get(special[i])
                if v is not None:
                    ok[i], values[i] = True, v
        return values, ~ok
    if f.type == "yearmonth":  # typed as months since year 0: year * 12 + month - 1
        ok = match(arr, _YEARMONTH)
        a = pc.if_else(pa.array(ok), arr, pa.scalar("0000-01", pa.string()))
        year = pc.cast(pc.utf8_slice_codeunits(a, 0, 4), pa.int64()).to_numpy(zero_copy_only=False)
        month = pc.cast(pc.utf8_slice_codeunits(a, 5, 7), pa.int64()).to_numpy(zero_copy_only=False)
        return (year * 12 + month - 1).astype(np.float64), ~ok
    # date, datetime
    text = pd.Series(series.to_numpy(dtype=object), dtype="str") if n else pd.Series([], dtype="str")
    if f.format == "default":
        pattern = _ISO_DATE if f.type == "date" else _ISO_DATETIME
        ok = match(arr, pattern)
        if f.type == "date":
            parsed = pd.to_datetime(text.where(ok), format="%Y-%m-%d", errors="coerce", utc=True)
        else:
            parsed = pd.to_datetime(text.where(ok), format="ISO8601", errors="coerce", utc=True)
    elif f.format == "any":
        parsed = pd.to_datetime(text, format="mixed", errors="coerce", utc=True)
    else:
        parsed = pd.to_datetime(text, format=f.format, errors="coerce", utc=True)
    bad = parsed.isna().to_numpy(dtype=bool)
    values = parsed.to_numpy(dtype="datetime64[us]", na_value=np.datetime64("NaT")).astype(np.int64)
    return values, bad


def _show_typed(f: Field, v: Any) -> str:
    import numpy as np

    if f.type in ("date", "datetime"):
        ts = np.datetime64(int(v), "us")
        text = str(ts)
        return text[:10] if f.type == "date" else text.replace(".000000", "")
    if f.type == "yearmonth":
        return f"{int(v) // 12:04d}-{int(v) % 12 + 1:02d}"
    if f.type in ("number", "integer", "year") and isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


# ---------------------------------------------------------------- checking


def schema_checks(cells: Cells, schema: TableSchema, max_examples: int) -> list:
    """The checks :meth:`TableSchema.uses`, on the usable rows of ``cells``."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    k = max_examples
    found: dict = {name: (0, []) for name in schema.uses()}

    def add(check: str, count: int, examples: list) -> None:
        # each call brings its own first k; the report keeps the k earliest rows of all of them
        c, ex = found[check]
        found[check] = (c + count, ex + examples[:k])

    names = cells.names
    index: dict = {}
    for i, n in enumerate(names):
        index.setdefault(n, i)
    wanted = [f.name for f in schema.fields]
    field_problems = [
        Example(1, n, None, f"the schema's field {n!r} is not a column of the file") for n in wanted if n not in index
    ]
    field_problems += [
        Example(1, n, None, f"column {i + 1} ({n!r}) is not a field of the schema")
        for i, n in enumerate(names)
        if n not in set(wanted)
    ]
    add("schema-fields", len(field_problems), field_problems)
    rows = cells.rows
    typed_cols: dict = {}
    present_cols: dict = {}
    for f in schema.fields:
        if f.name not in index:
            continue
        col = index[f.name]
        raw = cells.frame[col]
        arr = pa.array(raw, type=pa.string()) if len(raw) else pa.array([], type=pa.string())
        missing_values = f.missing_values if f.missing_values is not None else schema.missing_values
        missing = (
            pc.is_in(arr, value_set=pa.array(list(missing_values), pa.string())).to_numpy(zero_copy_only=False)
            if missing_values
            else np.zeros(len(raw), dtype=bool)
        )
        present = ~missing
        idx = np.flatnonzero(present)
        valid = np.zeros(len(raw), dtype=bool)
        if len(idx):
            typed, bad = cast(f, raw.iloc[idx].reset_index(drop=True))
            bad_idx = idx[bad]
            add(
                "schema-type",
                len(bad_idx),
                [
                    Example(
                        int(rows[i]),
                        f.name,
                        raw.iloc[i],
                        f"row {int(rows[i])}: {str(raw.iloc[i])[:60]!r} is not {_type_phrase(f)}",
                    )
                    for i in bad_idx[:k]
                ],
            )
            good = ~bad
            valid[idx[good]] = True
            typed_good = typed[good]
            gidx = idx[good]
        else:
            typed_good, gidx = np.empty(0), idx
        typed_cols[f.name] = (gidx, typed_good)
        present_cols[f.name] = present
        if f.constraints.get("required"):
            miss = np.flatnonzero(missing)
            add(
                "schema-required",
                len(miss),
                [
                    Example(
                        int(rows[i]), f.name, raw.iloc[i], f"row {int(rows[i])}: {f.name!r} is required but missing"
                    )
                    for i in miss[:k]
                ],
            )
        if f.constraints.get("unique") and len(gidx):
            ids = group_ids([typed_good])
            first = first_index(ids)
            dup = np.flatnonzero(first != np.arange(len(ids)))
            add(
                "schema-unique",
                len(dup),
                [
                    Example(
                        int(rows[gidx[j]]),
                        f.name,
                        raw.iloc[gidx[j]],
                        f"row {int(rows[gidx[j]])}: {str(raw.iloc[gidx[j]])[:60]!r} also at row "
                        f"{int(rows[gidx[first[j]]])} (the column must be unique)",
                    )
                    for j in dup[:k]
                ],
            )
        if f.bounds and len(gidx):
            _range(f, typed_good, gidx, raw, rows, k, add)
        if ("minLength" in f.constraints or "maxLength" in f.constraints) and len(gidx):
            lengths = pc.utf8_length(pa.array(raw.iloc[gidx], type=pa.string())).to_numpy(zero_copy_only=False)
            lo, hi = f.constraints.get("minLength", 0), f.constraints.get("maxLength")
            off = np.flatnonzero((lengths < lo) | ((lengths > hi) if hi is not None else False))
            add(
                "schema-length",
                len(off),
                [
                    Example(
                        int(rows[gidx[j]]),
                        f.name,
                        raw.iloc[gidx[j]],
                        f"row {int(rows[gidx[j]])}: {int(lengths[j])} characters, "
                        + (f"fewer than minLength {lo}" if lengths[j] < lo else f"more than maxLength {hi}"),
                    )
                    for j in off[:k]
                ],
            )
        if "pattern" in f.constraints and len(gidx):
            import pandas as pd

            rx = f.constraints["pattern"]
            codes, uniques = pd.factorize(raw.iloc[gidx].to_numpy(dtype=object))
            ok = np.array([rx.fullmatch(str(u)) is not None for u in uniques], dtype=bool)
            off = np.flatnonzero(~ok[codes])
            add(
                "schema-pattern",
                len(off),
                [
                    Example(
                        int(rows[gidx[j]]),
                        f.name,
                        raw.iloc[gidx[j]],
                        f"row {int(rows[gidx[j]])}: {str(raw.iloc[gidx[j]])[:60]!r} does not match the pattern "
                        f"{rx.pattern!r}",
                    )
                    for j in off[:k]
                ],
            )
        if f.enum is not None and len(gidx):
            import pandas as pd

            allowed = pd.Series(f.enum, dtype=object)
            inside = pd.Series(typed_good, dtype=object).isin(allowed).to_numpy(dtype=bool)
            off = np.flatnonzero(~inside)
            shown = ", ".join(str(v) for v in f.constraints["enum"][:10])
            add(
                "schema-enum",
                len(off),
                [
                    Example(
                        int(rows[gidx[j]]),
                        f.name,
                        raw.iloc[gidx[j]],
                        f"row {int(rows[gidx[j]])}: {str(raw.iloc[gidx[j]])[:60]!r} is not one of: {shown}",
                    )
                    for j in off[:k]
                ],
            )
    if schema.primary_key and all(p in index for p in schema.primary_key):
        _primary_key(cells, schema, index, present_cols, k, add)
    return [
        make_check(name, c, sorted(ex, key=lambda e: e.row or 0), max_examples=k) for name, (c, ex) in found.items()
    ]


def _a(word: str) -> str:
    return f"{'an' if word[0] in 'aeiou' else 'a'} {word}"


def _type_phrase(f: Field) -> str:
    if f.type == "string":
        return f"a valid {f.format} string"
    if f.type in ("date", "datetime") and f.format != "default":
        return f"{_a(f.type)} in the format {f.format!r}"
    if f.type == "date":
        return "a date (YYYY-MM-DD)"
    if f.type == "datetime":
        return "a datetime (ISO 8601, e.g. 2024-03-01T12:00:00Z)"
    if f.type == "year":
        return "a year (YYYY)"
    if f.type == "yearmonth":
        return "a year and month (YYYY-MM)"
    if f.type == "boolean":
        return f"a boolean ({', '.join(f.true_values + f.false_values)})"
    return _a(f.type)


def _range(f: Field, typed, gidx, raw, rows, k: int, add) -> None:
    import numpy as np

    typed = np.asarray(typed)
    tests = {
        "minimum": (lambda b: typed < b, "below the minimum"),
        "maximum": (lambda b: typed > b, "above the maximum"),
        "exclusiveMinimum": (lambda b: typed <= b, "not above the exclusive minimum"),
        "exclusiveMaximum": (lambda b: typed >= b, "not below the exclusive maximum"),
    }
    off = np.zeros(len(typed), dtype=bool)
    reason = np.empty(len(typed), dtype=object)
    for key, bound in f.bounds.items():
        test, words = tests[key]
        hit = test(bound) & ~off
        reason[hit] = f"{words} {_show_typed(f, bound)}"
        off |= hit
    where = np.flatnonzero(off)
    add(
        "schema-range",
        len(where),
        [
            Example(
                int(rows[gidx[j]]),
                f.name,
                raw.iloc[gidx[j]],
                f"row {int(rows[gidx[j]])}: {str(raw.iloc[gidx[j]])[:60]} is {reason[j]}",
            )
            for j in where[:k]
        ],
    )


def _primary_key(cells: Cells, schema: TableSchema, index: dict, present_cols: dict, k: int, add) -> None:
    import numpy as np

    rows = cells.rows
    cols = [index[p] for p in schema.primary_key]
    n = len(cells.frame)
    complete = np.ones(n, dtype=bool)
    for p in schema.primary_key:
        complete &= present_cols[p]
    examples = []
    incomplete = np.flatnonzero(~complete)
    for i in incomplete[:k]:
        examples.append(
            Example(
                int(rows[i]),
                None,
                None,
                f"row {int(rows[i])}: the primary key ({', '.join(schema.primary_key)}) has a missing cell",
            )
        )
    count = len(incomplete)
    idx = np.flatnonzero(complete)
    if len(idx):
        ids = group_ids([cells.frame[c].iloc[idx] for c in cols])
        first = first_index(ids)
        dup = np.flatnonzero(first != np.arange(len(ids)))
        count += len(dup)
        for j in dup[: max(k - len(examples), 0)]:
            i = idx[j]
            key = ", ".join(str(cells.frame[c].iloc[i]) for c in cols)
            examples.append(
                Example(
                    int(rows[i]),
                    None,
                    key,
                    f"row {int(rows[i])}: primary key ({key}) repeats row {int(rows[idx[first[j]]])}",
                )
            )
    add("schema-primary-key", count, examples)
