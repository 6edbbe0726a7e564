"""Exceptions raised by the aistruct core.

Every error a user can cause is an :class:`AistructError`; its message is one line
that names the file, column or row at fault. The CLI maps them to exit codes:
``InputError`` and ``UsageError`` to 2. Anything else reaching the CLI is a bug and
is also reported as exit 2 with a one-line message (``--debug`` shows the traceback).

The core speaks in data, the CLI in flags: a message that names a parameter
writes it as :func:`param` ``("max_bytes")``, never as ``--max-bytes``. Read as a
library error (``str(exc)``) the parameter shows as the keyword, ``max_bytes``; the
CLI shows it as its option with :meth:`AistructError.render`.

>>> err = UsageError(f"{param('max_bytes')}: must be at least 1")
>>> str(err)
'max_bytes: must be at least 1'
>>> err.render(lambda name: "--" + name.replace("_", "-"))
'--max-bytes: must be at least 1'
"""

from __future__ import annotations

import re
from typing import Callable

_OPEN, _CLOSE = "\ue000", "\ue001"  # private-use characters around a parameter's name
_PARAM = re.compile(_OPEN + r"([A-Za-z_][A-Za-z0-9_]*)" + _CLOSE)


def param(name: str) -> str:
    """A parameter named in an error message: the library shows ``name``, the CLI its option."""
    return f"{_OPEN}{name}{_CLOSE}"


def params_in(message: str) -> list[str]:
    """The parameters a message names, in order."""
    return _PARAM.findall(message)


def long_option(name: str) -> str:
    """``max_bytes`` -> ``--max-bytes``: a parameter as document text spells it.

    Documents (a warning, a validation report's messages) are outputs, and their
    wording names the options; text built from the pieces of an error message, or
    an error kept in a document, is rendered with this (``exc.render(long_option)``).
    """
    return "--" + name.replace("_", "-")


def as_options(text: str) -> str:
    """``text`` with each :func:`param` written as :func:`long_option`.

    >>> as_options(f"{param('schema')} s.json: unknown key 'x' (ignored)")
    "--schema s.json: unknown key 'x' (ignored)"
    """
    return _PARAM.sub(lambda m: long_option(m.group(1)), text)


EXIT_OK = 0
EXIT_CHECK_FAILED = 1
EXIT_UNUSABLE = 2


class AistructError(Exception):
    """Base class: a one-line, user-facing message."""

    exit_code = EXIT_UNUSABLE

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message

    def render(self, name_of: Callable[[str], str] = str) -> str:
        """The message on one line, each :func:`param` shown as ``name_of(name)``."""
        text = _PARAM.sub(lambda m: name_of(m.group(1)), str(self.message))
        return text.replace("\r", "\\r").replace("\n", "\\n")  # a file or column name may hold one

    def __str__(self) -> str:  # one line, always; parameters as the library's keywords
        return self.render()


class UsageError(AistructError):
    """The options make no sense (unknown column, bad bounds, conflicting flags)."""


class InputError(AistructError):
    """The input cannot be used (missing file, undecodable bytes, negative values ...)."""


class Interrupted(BaseException):
    """Ctrl-C (SIGINT), raised by the console script's signal handler.

    A ``BaseException`` that is not ``KeyboardInterrupt``, so no library on the
    way (Typer turns ``KeyboardInterrupt`` into a silent exit 130) can swallow
    it; ``finally`` blocks still run, so no temporary file is left behind.
    """
