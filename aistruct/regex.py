"""Regular expressions written by users or schemas, compiled with RE2: matching takes time linear in the text.

Python's ``re`` backtracks: ``(a+)+b`` against 32 ``a`` runs for minutes. RE2 (the
``google-re2`` package) never backtracks; the price is that backreferences (``\\1``) and
lookaround (``(?=``, ``(?<=``) are refused as unsupported, with a message saying so.
"""

from __future__ import annotations

from typing import Any


class BadPattern(ValueError):
    """A pattern RE2 cannot compile; the message says why (in words, without the pattern)."""


def compile_pattern(pattern: str) -> Any:
    """``pattern`` compiled by RE2 (``search``, ``fullmatch`` and ``pattern`` as in ``re``).

    Raises :class:`BadPattern` for a pattern that is not valid RE2 syntax.
    """
    import re2

    options = re2.Options()
    options.log_errors = False  # RE2 would print its own line on standard error
    try:
        return re2.compile(pattern, options=options)
    except re2.error as exc:
        why = exc.args[0] if exc.args else exc
        why = why.decode("utf-8", "replace") if isinstance(why, bytes) else str(why)
        if "perl operator" in why or "escape sequence" in why:
            why += " (backreferences and lookaround are not supported: patterns are matched in linear time)"
        raise BadPattern(why) from None
