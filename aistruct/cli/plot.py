"""``--plot PATH``: check the target before the work, draw and write the chart after the output.

The chart is drawn by :mod:`aistruct.charts` (matplotlib, imported only here and
only when ``--plot`` is given) and written by :func:`aistruct.cli.outfile.write_output`'s
rules: atomically, never over an input.
"""

from __future__ import annotations

import os
from typing import Callable, Iterable, Optional

from aistruct.cli.outfile import check_output_target, write_output
from aistruct.errors import UsageError


def check_plot(plot: Optional[str], inputs: Iterable[str], output: Optional[str] = None) -> Optional[str]:
    """The chart format (``svg``/``png``) of ``--plot``, or None without it; refuses a bad target early."""
    if not plot:
        return None
    from aistruct.charts import format_of

    fmt = format_of(plot)
    check_output_target(plot, inputs, option="--plot")
    if output and output != "-" and os.path.realpath(output) == os.path.realpath(plot):
        raise UsageError(f"--plot {plot}: is also the --output file; give each its own")
    return fmt


def write_plot(plot: Optional[str], fmt: Optional[str], draw: Callable[[str], bytes]) -> None:
    """Draw (``draw(fmt)`` returns the bytes) and write the chart, when ``--plot`` was given."""
    if not plot or fmt is None:
        return
    write_output(plot, draw(fmt), option="--plot")
