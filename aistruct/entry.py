"""The console script's entry point: interrupts handled from the first import on.

``aistruct`` starts here rather than in :mod:`aistruct.cli`, because importing
the CLI (Typer, Rich) takes a noticeable fraction of a second and a Ctrl-C in
that window must end the run like any other: one line ``aistruct: interrupted``
on standard error and exit 130, never a traceback.
"""

from __future__ import annotations

import sys

from aistruct.interrupt import interrupted


def _raise_interrupted(signum, frame):
    from aistruct.errors import Interrupted

    raise Interrupted()


def main(argv: list | None = None) -> None:
    import signal

    from aistruct.errors import Interrupted

    try:
        if signal.getsignal(signal.SIGINT) is signal.default_int_handler:  # not when the shell ignores it (&, nohup)
            signal.signal(signal.SIGINT, _raise_interrupted)
        from aistruct.cli import main as cli_main

        cli_main(argv)
    except (KeyboardInterrupt, Interrupted):
        sys.exit(interrupted())
