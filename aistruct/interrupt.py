"""What an interrupted run says and returns, shared by the console script and the CLI."""

from __future__ import annotations

import sys

EXIT_INTERRUPTED = 130


def interrupted() -> int:
    """Say so in one line (if standard error is still open) and give the exit code for an interrupt."""
    try:
        if sys.stderr is not None:
            sys.stderr.write("aistruct: interrupted\n")
            sys.stderr.flush()
    except (OSError, ValueError):
        pass
    return EXIT_INTERRUPTED
