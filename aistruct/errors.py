"""Exceptions raised by the aistruct core.

Every error a user can cause is an :class:`AistructError`; its message is one line
that names the file, column or row at fault. The CLI maps them to exit codes:
``InputError`` and ``UsageError`` to 2. Anything else reaching the CLI is a bug and
is also reported as exit 2 with a one-line message (``--debug`` shows the traceback).
"""

from __future__ import annotations

EXIT_OK = 0
EXIT_CHECK_FAILED = 1
EXIT_UNUSABLE = 2


class AistructError(Exception):
    """Base class: a one-line, user-facing message."""

    exit_code = EXIT_UNUSABLE

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:  # one line, always
        return " ".join(str(self.message).split("\n"))


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
