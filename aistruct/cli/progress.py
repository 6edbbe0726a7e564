"""A Rich progress indicator on standard error, for work longer than a second.

``with progress_reporter(out) as progress:`` gives a callback for the core
(``progress(stage, done, total)``; stages ``read`` in bytes, ``aggregate``,
``compute`` in groups) or ``None`` when nothing may be shown. It is shown only
when standard error is a terminal, the output is not JSON, and the output does
not go down a pipe (standard output is a terminal, or ``--output`` names a file),
and only once the work has taken more than a second; it is transient (erased
when the work ends), so it never mixes with the result. ``AISTRUCT_PROGRESS=0``
(or ``-q``) turns it off, ``=1`` forces it on a terminal even when standard output is piped.
"""

from __future__ import annotations

import os
import sys
import threading
from contextlib import contextmanager
from typing import Optional

DELAY_SECONDS = 1.0
_STAGES = {"read": "Reading", "aggregate": "Aggregating companies", "compute": "Computing metrics"}


def wanted(fmt: Optional[str], output: Optional[str]) -> bool:
    """Whether a progress indicator may be shown for this run."""
    from aistruct.cli.render import is_quiet

    setting = os.environ.get("AISTRUCT_PROGRESS", "").strip()
    if setting == "0" or is_quiet():
        return False
    stderr_tty = bool(getattr(sys.stderr, "isatty", lambda: False)())
    if not stderr_tty or (fmt or "table").lower() == "json":
        return False
    if setting == "1":
        return True
    to_file = bool(output) and output != "-"
    stdout_tty = bool(getattr(sys.stdout, "isatty", lambda: False)())
    return to_file or stdout_tty


class _Reporter:
    def __init__(self):
        from rich.console import Console
        from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

        self.progress = Progress(
            SpinnerColumn(),
            TextColumn("{task.description}"),
            BarColumn(),
            TextColumn("{task.fields[amount]}"),
            TimeElapsedColumn(),
            console=Console(stderr=True, highlight=False),
            transient=True,
        )
        self.task = self.progress.add_task("Starting", total=None, amount="")
        self.lock = threading.Lock()
        self.started = False
        self.closed = False
        self.timer = threading.Timer(DELAY_SECONDS, self._start)
        self.timer.daemon = True
        self.timer.start()

    def _start(self) -> None:
        with self.lock:
            if not self.closed:
                self.progress.start()
                self.started = True

    def __call__(self, stage: str, done=None, total=None) -> None:
        label = _STAGES.get(stage, stage)
        amount = ""
        if stage == "read" and total:
            amount = f"{(done or 0) / 1e6:,.0f} / {total / 1e6:,.0f} MB"
        elif total:
            amount = f"{done or 0:,} / {total:,}"
        self.progress.update(self.task, description=label, completed=done or 0, total=total or None, amount=amount)

    def close(self) -> None:
        self.timer.cancel()
        with self.lock:
            self.closed = True
            if self.started:
                self.progress.stop()


@contextmanager
def progress_reporter(fmt: Optional[str], output: Optional[str]):
    """A progress callback for the core, or None when no indicator may be shown."""
    if not wanted(fmt, output):
        yield None
        return
    reporter = _Reporter()
    try:
        yield reporter
    finally:
        reporter.close()


@contextmanager
def core_run(out, read, engine=None):
    """What every analysis command does around its core call: set the engine, maybe show progress.

    ``with core_run(out, read, engine) as progress: report = x_report(..., progress=progress)``
    """
    if read is not None and engine is not None:
        read.engine = getattr(engine, "name", engine)  # EngineOptions, or a bare engine name
        read.scheduler = getattr(engine, "scheduler", None)
    with progress_reporter(out.format, out.output) as progress:
        yield progress
