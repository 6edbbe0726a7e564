"""Charts of the commands' results: the JSON document in, SVG or PNG bytes out.

One module per command (``concentration``, ``tiers``, ``trend``, ``merge``,
``flows``),
each with ``chart(doc, ..., fmt)``; ``style`` holds what they share (palette,
number formatting, deterministic rendering). matplotlib is imported only here,
and only when a chart is drawn.
"""

from aistruct.errors import UsageError, param

FORMATS = ("svg", "png")


def format_of(path: str) -> str:
    """``svg`` or ``png`` from the file name's extension; anything else is a usage error."""
    ext = str(path).rsplit(".", 1)[-1].lower() if "." in str(path) else ""
    if ext not in FORMATS:
        raise UsageError(f"{param('plot')} {path}: the file name must end in .svg or .png")
    return ext
