"""Making untrusted text safe to show: terminals, spreadsheets and JSON consumers.

Company names come from files strangers wrote. Before any name reaches an
output:

* :func:`terminal_text` replaces every C0/C1 control character, DEL, and every
  bidirectional override/isolate/mark with a visible escape (``\\x1b``,
  ``\\u202e``), so nothing in a cell can move the cursor, clear the screen, plant
  an OSC 8 hyperlink or reorder the line. Rich markup is not interpreted at all
  (the CLI wraps cells in ``rich.text.Text``).
* :func:`spreadsheet_text` additionally prefixes a ``'`` to any text cell that a
  spreadsheet would run as a formula (leading ``= + - @``, tab or CR).
* :func:`json_safe` turns NaN/inf into ``None`` and numpy scalars into Python
  numbers, so ``json.dumps(..., allow_nan=False)`` always succeeds;
  :func:`dumps_json` writes strict JSON with the same characters escaped.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

# C0 controls, DEL, C1 controls; bidi embeddings/overrides/isolates and marks;
# line/paragraph separators and the BOM / zero-width no-break space; lone
# surrogates (undecodable bytes of a command-line argument), which no UTF-8
# stream can carry.
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029\ufeff\ud800-\udfff]")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _escape(match: re.Match) -> str:
    ch = match.group(0)
    code = ord(ch)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def terminal_text(value: Any) -> str:
    """``value`` as text with every control and bidi character shown as an escape."""
    return _UNSAFE.sub(_escape, str(value))


def cell_excerpt(text: Any, limit: int = 40) -> str:
    """A cell for a message: its first ``limit`` characters quoted and escaped as Python writes
    them (``repr``), with ``…`` inside the quotes when it was cut.

    >>> cell_excerpt("0000")
    "'0000'"
    >>> cell_excerpt("9" * 50)
    "'9999999999999999999999999999999999999999…'"
    """
    text = str(text)
    return repr(text[:limit] + "…") if len(text) > limit else repr(text)


def spreadsheet_text(value: Any) -> str:
    """Text for a CSV cell: terminal-safe and defused against formula injection."""
    text = str(value)
    if text.startswith(_FORMULA_START):
        text = "'" + text
    return terminal_text(text)


def json_safe(obj: Any) -> Any:
    """A copy of ``obj`` with only JSON types: NaN/inf become None, numpy scalars Python ones."""
    if obj is None or isinstance(obj, (bool, str)):
        return obj
    if isinstance(obj, int):
        return obj
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    if isinstance(obj, dict):
        return {str(k): json_safe(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [json_safe(v) for v in obj]
    # numpy scalars and anything number-like, without importing numpy here
    if hasattr(obj, "item") and callable(obj.item):
        return json_safe(obj.item())
    if hasattr(obj, "isoformat"):
        return obj.isoformat()
    return str(obj)


_JSON_UNSAFE = re.compile("[\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029\ufeff\ud800-\udfff]")


def dumps_json(doc: Any, indent: int | None = 2) -> str:
    """Strict JSON (no NaN), UTF-8 text kept readable, terminal-unsafe characters escaped.

    json.dumps already escapes C0 controls; DEL, C1 and bidi characters can only
    occur inside strings, where ``\\uXXXX`` is the same character to a parser.
    """
    text = json.dumps(json_safe(doc), ensure_ascii=False, allow_nan=False, indent=indent)
    return _JSON_UNSAFE.sub(lambda m: f"\\u{ord(m.group(0)):04x}", text)
