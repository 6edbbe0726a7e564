"""The one rendering layer: table (Rich), json, csv, markdown (and command extras).

Each command hands :func:`emit` its JSON document plus two views of it: a
function building Rich renderables for people, and a function giving flat rows
for CSV and Markdown. Everything untrusted is sanitised here, once:
``rich.text.Text`` (never markup) and :func:`aistruct.sanitize.terminal_text`
for the terminal, formula defusing for CSV, strict JSON.
"""

import csv
import io
import math
from typing import Any, Callable, Iterable, Optional

from rich.console import Console
from rich.text import Text

from aistruct.cli.outfile import check_output_target, require_stdout, write_output, write_stdout
from aistruct.errors import UsageError
from aistruct.sanitize import dumps_json, spreadsheet_text, terminal_text

BAND_STYLE = {
    "unconcentrated": "green",
    "moderately concentrated": "yellow",
    "highly concentrated": "bold red",
}


def stderr_console() -> Console:
    return Console(stderr=True, highlight=False)


def warn(message: str) -> None:
    """One warning line on stderr, sanitised."""
    stderr_console().print(Text("aistruct: warning: " + terminal_text(message), style="yellow"), soft_wrap=True)


def note(message: str) -> None:
    stderr_console().print(Text(terminal_text(message), style="dim"), soft_wrap=True)


MAX_CELL_CHARS = 10_000  # no terminal shows more; Rich would spend seconds measuring a 50 MB cell


def cell(value: Any, style: str = "") -> Text:
    """Untrusted text as a Rich cell: escapes shown, markup never parsed, cut at 10,000 characters."""
    text = terminal_text("" if value is None else value)
    if len(text) > MAX_CELL_CHARS:
        text = text[: MAX_CELL_CHARS - 1] + "…"
    return Text(text, style=style)


def terminal_safe(obj: Any) -> Any:
    """A copy of a document with every string (keys too) through terminal_text.

    The table and extra views get this copy, so a title or label built from a
    column name or a company name cannot carry an escape sequence even where a
    command forgets :func:`cell`. terminal_text is idempotent on its own output.
    """
    if isinstance(obj, str):
        return terminal_text(obj)
    if isinstance(obj, dict):
        return {terminal_safe(k): terminal_safe(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [terminal_safe(v) for v in obj]
    return obj


# ---------------------------------------------------------------- numbers


def _tiny(x: float, digits: int) -> bool:
    return x != 0 and abs(x) < 10**-digits / 2


def fmt_number(x: Optional[float], digits: int = 0) -> str:
    """People's numbers, the one family every table uses: 3,886 / 3,706,682.77 with separators;
    1.25e+20 beyond 1e15; a nonzero value too small for ``digits`` in three significant
    figures (-7.64e-04), never as 0; '–' for null."""
    if x is None or (isinstance(x, float) and not math.isfinite(x)):
        return "–"
    if abs(x) >= 1e15 or _tiny(x, max(digits, 1)):
        return f"{x:.3g}" if abs(x) >= 1e15 else f"{x:.2e}"
    return f"{x:,.{digits}f}"


def fmt_amount(x: Optional[float]) -> str:
    """Totals and company values: whole numbers with separators, small ones with decimals."""
    if x is None or not math.isfinite(x):
        return "–"
    if x != 0 and abs(x) < 0.01:
        return f"{x:.2e}"
    if x != 0 and abs(x) < 100:
        return f"{x:,.4g}"
    return fmt_number(x, 0)


def fmt_compact(x: Optional[float]) -> str:
    """Short amounts for narrow columns: 694M, 1.25B, 38.3T (K, M, B, T); 2.1e+25 beyond; '–' for null."""
    if x is None or not math.isfinite(x):
        return "–"
    a = abs(x)
    if a < 1e4:
        return fmt_amount(x)
    if a >= 1e15:
        return f"{x:.3g}"
    for limit, suffix in ((1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "K")):
        if a >= limit:
            return f"{x / limit:.3g}{suffix}"
    return fmt_amount(x)  # pragma: no cover - unreachable


def fmt_pct(x: Optional[float], digits: int = 1) -> str:
    """A share as a percentage: 52.5%; a nonzero share below the last digit as <0.1% (never 0.0%)."""
    if x is None or not math.isfinite(x):
        return "–"
    if _tiny(100 * x, digits):
        return ("<" if x > 0 else ">-") + f"{10**-digits:.{digits}f}%"
    return f"{100 * x:,.{digits}f}%"


def fmt_ratio(x: Optional[float], digits: int = 3) -> str:
    """Indices, slopes and ratios: ``digits`` decimals with separators (fmt_number)."""
    return fmt_number(x, digits)


def fmt_p(p: Optional[float]) -> str:
    """A p-value: 0.042, or <0.001 below that."""
    if p is None or not math.isfinite(p):
        return "–"
    return "<0.001" if p < 0.001 else f"{p:.3f}"


def plural(n: int, noun: str, nouns: Optional[str] = None) -> str:
    """``1 problem``, ``2 problems``, ``1,204 rows``."""
    return f"{n:,} {noun if n == 1 else (nouns or noun + 's')}"


BAND_SHORT = {"unconcentrated": "low", "moderately concentrated": "moderate", "highly concentrated": "high"}


def band_text(band: Optional[str], short: bool = False) -> Text:
    """The guideline band, coloured; ``short`` gives low / moderate / high for narrow tables."""
    label = BAND_SHORT.get(band or "", band) if short else band
    return Text(label or "–", style=BAND_STYLE.get(band or "", ""))


MIN_WIDTH = 60  # COLUMNS=0 (or 3) must not lay a table out into nothing


class _Trimmed:
    """A renderable's lines without their trailing spaces (unstyled padding only)."""

    def __init__(self, renderable):
        self.renderable = renderable

    def __rich_console__(self, console, options):
        from rich.segment import Segment

        for line in console.render_lines(self.renderable, options, pad=False, new_lines=False):
            segments = list(line)
            while segments and not segments[-1].control and not (segments[-1].style and segments[-1].style.bgcolor):
                text = segments[-1].text.rstrip(" ")
                if text:
                    segments[-1] = Segment(text, segments[-1].style)
                    break
                segments.pop()
            yield from segments
            yield Segment.line()


def _lifted(renderable) -> list:
    """A table's title and caption as their own lines, so they wrap at the console's width
    (Rich wraps them at the table's)."""
    from rich.table import Table

    if not isinstance(renderable, Table) or (renderable.title is None and renderable.caption is None):
        return [renderable]
    title, caption = renderable.title, renderable.caption
    renderable.title = renderable.caption = None
    out: list = [renderable]
    if title is not None:
        text = title.copy() if isinstance(title, Text) else Text(str(title))
        text.stylize(renderable.title_style or "table.title", 0)
        out.insert(0, text)
    if caption is not None:
        text = caption.copy() if isinstance(caption, Text) else Text(str(caption))
        text.stylize(renderable.caption_style or "table.caption", 0)
        out.append(text)
    return out


class TableConsole(Console):
    """The console results are printed on: tables' titles and captions wrap at the console's
    width, and no line carries trailing spaces."""

    def print(self, *objects, **kwargs) -> None:
        for obj in objects:
            for r in _lifted(obj):
                super().print(_Trimmed(r), **kwargs)


def terminal_console() -> Console:
    """The console results are printed on: Rich's width (terminal, else $COLUMNS, else 80), at least 60."""
    console = TableConsole(highlight=False)
    if console.width < MIN_WIDTH:
        console.width = MIN_WIDTH
    return console


def _plain(c) -> str:
    return c.plain if isinstance(c, Text) else str(c)


def _cell_width(c) -> int:
    from rich.cells import cell_len

    return max((cell_len(line) for line in _plain(c).split("\n")), default=0)


def fit_labels(table, width: int, labels: Iterable[int]) -> None:
    """Fit ``table`` to ``width`` without cutting a number: the ``labels`` columns (by index) are
    cut with an ellipsis, every other column keeps its longest word whole (a number, a verdict;
    headers and several-word cells may wrap).
    The widest label gives way first."""
    from rich.measure import Measurement

    labels = list(labels)
    columns = table.columns
    for i, column in enumerate(columns):
        if i in labels:
            column.no_wrap = True
            column.overflow = "ellipsis"
            column.max_width = 1
        else:
            words = [w for c in [column.header, *column.cells] for w in _plain(c).split()]
            column.min_width = max([column.min_width or 0, *(_cell_width(w) for w in words)])
    console = Console(width=100_000)
    spare = width - Measurement.get(console, console.options, table).minimum + len(labels)
    natural = {i: max(1, *(_cell_width(c) for c in [columns[i].header, *columns[i].cells])) for i in labels}
    caps = dict.fromkeys(labels, 0)
    todo = list(labels)
    while todo and spare > 0:  # water-filling: every label still short gets an equal share of what is left
        share = max(spare // len(todo), 1)
        for i in list(todo):
            give = min(share, natural[i] - caps[i], spare)
            caps[i] += give
            spare -= give
            if caps[i] >= natural[i]:
                todo.remove(i)
            if spare <= 0:
                break
    for i in labels:
        columns[i].max_width = max(caps[i], min(natural[i], 6))
    # Rich's own layout decides; give back label width until no other column is squeezed
    free = table._calculate_column_widths(Console(width=100_000), Console(width=100_000).options)
    need = {}
    for i, c in enumerate(columns):
        if i not in labels:
            content = max(_cell_width(x) for x in [c.header, *c.cells, ""])
            need[i] = free[i] - max(content, c.min_width or 0) + (c.min_width or 0)
    console = Console(width=width)
    while labels:
        got = table._calculate_column_widths(console, console.options.update_width(width - table._extra_width))
        squeezed = sum(got) + table._extra_width > width or any(got[i] < n for i, n in need.items())
        widest = max(labels, key=lambda i: columns[i].max_width)
        if not squeezed or columns[widest].max_width <= 4:
            break
        columns[widest].max_width -= 1


def terminal_width() -> int:
    """Width tables are laid out for (see :func:`terminal_console`)."""
    return terminal_console().width


def table_width(renderable) -> int:
    """Natural width of a renderable, unconstrained."""
    from rich.measure import Measurement

    console = Console(width=100_000)
    return Measurement.get(console, console.options, renderable).maximum


def shorten(text: Text, width: int) -> Text:
    """``text`` cut to ``width`` cells with an ellipsis (0 gives an empty cell)."""
    from rich.cells import cell_len

    if width <= 0:
        return Text("")
    if cell_len(text.plain) <= width:
        return text
    out = text.copy()
    out.truncate(width, overflow="ellipsis")
    return out


# ---------------------------------------------------------------- flat rows


def flatten(prefix: str, value: Any, into: dict) -> None:
    """Nested objects become ``prefix_key`` columns: cr_4, atkinson_0.5 ..."""
    if isinstance(value, dict):
        for k, v in value.items():
            flatten(f"{prefix}_{k}" if prefix else str(k), v, into)
    else:
        into[prefix] = value


def _csv_value(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        return repr(v) if math.isfinite(v) else ""
    return spreadsheet_text(v)


def to_csv(columns: list, rows: Iterable[list]) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow([spreadsheet_text(c) for c in columns])
    for row in rows:
        writer.writerow([_csv_value(v) for v in row])
    return buf.getvalue()


def _md_value(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float):
        return repr(v) if math.isfinite(v) else ""
    text = terminal_text(v).replace("\\", "\\\\").replace("|", "\\|")
    return text


def to_markdown(columns: list, rows: Iterable[list]) -> str:
    lines = ["| " + " | ".join(_md_value(c) for c in columns) + " |"]
    lines.append("|" + "|".join(" --- " for _ in columns) + "|")
    for row in rows:
        lines.append("| " + " | ".join(_md_value(v) for v in row) + " |")
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------- output


def render_table(renderables: list, width: Optional[int] = None) -> str:
    buf = io.StringIO()
    console = TableConsole(file=buf, width=width or 120, color_system=None, highlight=False, force_terminal=False)
    for r in renderables:
        console.print(r)
    return buf.getvalue()


def emit(
    doc: dict,
    fmt: str,
    output: Optional[str],
    *,
    table: Callable[[dict], list],
    rows: Optional[Callable[[dict], tuple]] = None,
    extra: Optional[dict] = None,
    inputs: Iterable[str] = (),
    formats: tuple = ("table", "json", "csv", "markdown"),
) -> None:
    """Write ``doc`` in ``fmt`` to ``output`` (stdout when None or '-'); warnings go to stderr."""
    fmt = (fmt or "table").lower()
    extra = extra or {}
    allowed = tuple(formats) + tuple(k for k in extra if k not in formats)
    if fmt not in allowed:
        raise UsageError(f"--format: unknown format {fmt!r}; use one of {', '.join(allowed)}")
    check_output_target(output, inputs)
    to_file = bool(output) and output != "-"
    for w in doc.get("warnings", []):
        warn(w)
    credit = (doc.get("input") or {}).get("credit") if isinstance(doc.get("input"), dict) else None
    if credit and fmt != "json":
        note(f"Data: {credit}")
    if fmt == "json":
        text = dumps_json(doc) + "\n"
    elif fmt in ("csv", "markdown"):
        assert rows is not None, f"{fmt} needs a rows view"
        columns, body = rows(doc)
        text = to_csv(columns, body) if fmt == "csv" else to_markdown(columns, body)
    elif fmt in extra:
        text = extra[fmt](terminal_safe(doc))
    else:
        view = terminal_safe(doc)
        if to_file:
            text = render_table(table(view))
        else:
            require_stdout()
            console = terminal_console()
            for r in table(view):
                console.print(r)
            return
    if output and output != "-":
        write_output(output, text)
    else:
        write_stdout(text)
