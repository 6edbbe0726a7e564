"""The one rendering layer: table (Rich), json, csv, tsv, jsonl, markdown (and command extras).

Each command hands :func:`emit` its JSON document plus two views of it: a
function building Rich renderables for people, and a function giving flat rows
for CSV and Markdown. Everything untrusted is sanitised here, once:
``rich.text.Text`` (never markup) and :func:`aistruct.sanitize.terminal_text`
for the terminal, formula defusing for CSV, strict JSON.
"""

from __future__ import annotations

import csv
import functools
import io
import math
import os
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable, Iterable, Optional

if TYPE_CHECKING:  # Rich is imported when something is printed for people, not for JSON
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
    from rich.console import Console

    return Console(stderr=True, highlight=False)


_quiet = [False]  # -q/--quiet of this run; set by the root callback (every run) and the output options


def set_quiet(on: bool) -> None:
    _quiet[0] = bool(on)


def is_quiet() -> bool:
    """Whether -q/--quiet was given: no warnings, credit lines or progress on stderr (errors still)."""
    return _quiet[0]


def warn(message: str) -> None:
    """One warning line on stderr, sanitised; nothing under -q/--quiet."""
    if is_quiet():
        return
    from rich.text import Text

    stderr_console().print(Text("aistruct: warning: " + terminal_text(message), style="yellow"), soft_wrap=True)


def note(message: str) -> None:
    if is_quiet():
        return
    from rich.text import Text

    stderr_console().print(Text(terminal_text(message), style="dim"), soft_wrap=True)


MAX_CELL_CHARS = 10_000  # no terminal shows more; Rich would spend seconds measuring a 50 MB cell


def cell(value: Any, style: str = "") -> Text:
    """Untrusted text as a Rich cell: escapes shown, markup never parsed, cut at 10,000 characters."""
    from rich.text import Text

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
    from rich.text import Text

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
    from rich.text import Text

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


@functools.lru_cache(maxsize=None)
def table_console_class() -> type:
    """``TableConsole``, the console results are printed on: tables' titles and captions wrap at
    the console's width, and no line carries trailing spaces (a class made on first use, so
    that Rich is imported only when something is printed for people)."""
    from rich.console import Console

    class TableConsole(Console):
        def print(self, *objects, **kwargs) -> None:
            for obj in objects:
                for r in _lifted(obj):
                    super().print(_Trimmed(r), **kwargs)

    return TableConsole


def terminal_console() -> Console:
    """The console results are printed on: Rich's width (terminal, else $COLUMNS, else 80), at least 60."""
    console = table_console_class()(highlight=False)
    if console.width < MIN_WIDTH:
        console.width = MIN_WIDTH
    return console


def _plain(c) -> str:
    from rich.text import Text

    return c.plain if isinstance(c, Text) else str(c)


def _cell_width(c) -> int:
    from rich.cells import cell_len

    return max((cell_len(line) for line in _plain(c).split("\n")), default=0)


def fit_labels(table, width: int, labels: Iterable[int]) -> None:
    """Fit ``table`` to ``width`` without cutting a number: the ``labels`` columns (by index) are
    cut with an ellipsis, every other column keeps its longest word whole (a number, a verdict;
    headers and several-word cells may wrap).
    The widest label gives way first."""
    from rich.console import Console
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


_layout_width: list = []  # set while a view is laid out for a file format with no width (Markdown)


def terminal_width() -> int:
    """Width tables are laid out for (see :func:`terminal_console`); unbounded while Markdown is built."""
    return _layout_width[-1] if _layout_width else terminal_console().width


# ---------------------------------------------------------------- flat rows


def fmt_range(pair, fmt: Callable = fmt_number) -> str:
    """A [low, high] range for a table: ``2,900–3,000``; one number when both ends read the same."""
    lo, hi = (fmt(v) for v in pair)
    return lo if lo == hi else f"{lo}–{hi}"


def hhi_cell(result: dict) -> str:
    """A result's HHI for a table: ``2,900–3,000`` when an unobserved fringe makes it a range."""
    bounds = result.get("bounds")
    return fmt_range(bounds["hhi"]) if bounds else fmt_number(result["hhi"])


def flatten(prefix: str, value: Any, into: dict) -> None:
    """Nested objects become ``prefix_key`` columns: cr_4, atkinson_0.5 ...; a [low, high] range
    becomes ``prefix_lo`` and ``prefix_hi`` (bounds_hhi_lo, bounds_hhi_hi)."""
    if isinstance(value, dict):
        for k, v in value.items():
            flatten(f"{prefix}_{k}" if prefix else str(k), v, into)
    elif isinstance(value, (list, tuple)) and len(value) == 2:
        into[f"{prefix}_lo"], into[f"{prefix}_hi"] = value
    else:
        into[prefix] = value


def _csv_value(v: Any, defuse: bool = True) -> str:
    if v is None:
        return ""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        return repr(v) if math.isfinite(v) else ""
    return spreadsheet_text(v) if defuse else terminal_text(v)


def to_csv(columns: list, rows: Iterable[list], delimiter: str = ",", defuse: bool = True) -> str:
    """CSV text; ``defuse`` (the default) puts ``'`` before a cell starting ``= + - @`` (tab, CR) so
    spreadsheets show it as text; ``defuse=False`` (``--csv-raw``) writes names as they are."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n", delimiter=delimiter)
    writer.writerow([_csv_value(c, defuse) for c in columns])
    for row in rows:
        writer.writerow([_csv_value(v, defuse) for v in row])
    return buf.getvalue()


_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>|~&])")


def _md_text(value: Any) -> str:
    """Cell or line text for GitHub Markdown: terminal-safe, one line, punctuation backslash-escaped.

    Escaping ``* _ [ ] < > ` ~ & |`` and ``\\`` keeps a company name literal: no emphasis,
    link, HTML or column break can come from the data.
    """
    from rich.text import Text

    text = value.plain if isinstance(value, Text) else ("" if value is None else str(value))
    text = " ".join(terminal_text(text).split())
    return _MD_SPECIAL.sub(r"\\\1", text)


def _md_table(table) -> list:
    lines = []
    if table.title:
        lines += [f"**{_md_text(table.title)}**", ""]
    columns = table.columns
    align = {"right": "---:", "center": ":---:"}
    lines.append("| " + " | ".join(_md_text(c.header) if table.show_header else " " for c in columns) + " |")
    lines.append("|" + "|".join(align.get(c.justify, "---") for c in columns) + "|")
    cells = [list(c.cells) for c in columns]
    for i in range(table.row_count):
        lines.append("| " + " | ".join(_md_text(col[i]) if i < len(col) else "" for col in cells) + " |")
    if table.caption:
        lines += ["", _md_text(table.caption)]
    return lines


def to_markdown(renderables: Iterable) -> str:
    """The people's view (the same tables, labels and numbers as the terminal) as GitHub Markdown.

    Each Rich table becomes a pipe table (its title in bold above, its caption below,
    right-aligned columns ``---:``); each line of text a paragraph, bold where the
    terminal shows it bold.
    """
    from rich.table import Table
    from rich.text import Text

    blocks = []
    for r in renderables:
        if isinstance(r, Table):
            blocks.append("\n".join(_md_table(r)))
        elif isinstance(r, Text):
            text = re.sub(r"^([#+-]|\d+(?=[.)]))", r"\\\1", _md_text(r))  # no heading or list from a line
            if text:
                bold = "bold" in str(r.style)
                blocks.append(f"**{text}**" if bold else text)
        else:  # pragma: no cover - every view is tables and text today
            blocks.append(_md_text(render_table([r]).strip()))
    return "\n\n".join(blocks) + "\n"


# ---------------------------------------------------------------- output


def render_table(renderables: list, width: Optional[int] = None) -> str:
    buf = io.StringIO()
    console = table_console_class()(
        file=buf, width=width or 120, color_system=None, highlight=False, force_terminal=False
    )
    for r in renderables:
        console.print(r)
    return buf.getvalue()


# ---------------------------------------------------------------- the format registry


@dataclass(frozen=True)
class Views:
    """What a command hands a renderer: its document and its people's and flat views of it."""

    doc: dict
    table: Callable[[dict], list]
    rows: Optional[Callable[[dict], tuple]]
    to_file: bool
    csv_raw: bool = False  # --csv-raw: no formula defusing


@dataclass(frozen=True)
class OutputFormat:
    """One ``--format``: its name, the ``--output`` extensions that imply it, and its renderer.

    The renderer returns the text to write, or None when it printed to the terminal itself.
    """

    name: str
    extensions: tuple
    render: Callable[[Views], Optional[str]]
    description: str


def _render_table(v: Views) -> Optional[str]:
    view = terminal_safe(v.doc)
    if v.to_file:
        return render_table(v.table(view))
    require_stdout()
    console = terminal_console()
    for r in v.table(view):
        console.print(r)
    return None


def _flat(v: Views, name: str) -> tuple:
    assert v.rows is not None, f"{name} needs a rows view"
    return v.rows(v.doc)


def _render_markdown(v: Views) -> str:
    _layout_width.append(100_000)  # names are never shortened to fit a terminal
    try:
        return to_markdown(v.table(terminal_safe(v.doc)))
    finally:
        _layout_width.pop()


def _render_jsonl(v: Views) -> str:
    """One JSON object per result, each carrying the envelope's ``schema_version`` and ``command``."""
    head = {"schema_version": v.doc.get("schema_version"), "command": v.doc.get("command")}
    lines = []
    for r in v.doc.get("results") or []:
        record = {**head, "group": r.get("group", {}), **{k: x for k, x in r.items() if k != "group"}}
        lines.append(dumps_json(record, indent=None))
    return "".join(line + "\n" for line in lines)


def _render_delimited(view, fmt: str, delimiter: str) -> str:
    columns, rows = _flat(view, fmt)
    return to_csv(columns, rows, delimiter=delimiter, defuse=not view.csv_raw)


OUTPUT_FORMATS: dict = {
    f.name: f
    for f in (
        OutputFormat("table", (), _render_table, "Rich table, for people"),
        OutputFormat("json", (".json",), lambda v: dumps_json(v.doc) + "\n", "the versioned JSON document"),
        OutputFormat("csv", (".csv",), lambda v: _render_delimited(v, "csv", ","), "one row per group"),
        OutputFormat(
            "tsv",
            (".tsv", ".tab"),
            lambda v: _render_delimited(v, "tsv", "\t"),
            "CSV with tabs",
        ),
        OutputFormat("jsonl", (".jsonl", ".ndjson"), _render_jsonl, "one JSON object per result"),
        OutputFormat("markdown", (".md", ".markdown"), _render_markdown, "the table, as GitHub Markdown"),
    )
}
#: What ``--format`` offers by default (every registered format).
FORMAT_NAMES: tuple = tuple(OUTPUT_FORMATS)


def format_for_output(output: Optional[str], formats: Iterable[str] = FORMAT_NAMES) -> Optional[str]:
    """The format an ``--output`` path's extension implies, among ``formats``; None when it implies none."""
    if not output or output == "-":
        return None
    suffix = os.path.splitext(str(output))[1].lower()
    for name in formats:
        fmt = OUTPUT_FORMATS.get(name)
        if fmt is not None and suffix in fmt.extensions:
            return name
    return None


def resolve_format(fmt: Optional[str], output: Optional[str], formats: Iterable[str] = FORMAT_NAMES) -> str:
    """``--format`` when given, else the ``--output`` extension's format, else ``table``."""
    if fmt:
        return fmt.lower()
    return format_for_output(output, formats) or "table"


def emit(
    doc: dict,
    fmt: Optional[str],
    output: Optional[str],
    *,
    table: Callable[[dict], list],
    rows: Optional[Callable[[dict], tuple]] = None,
    extra: Optional[dict] = None,
    inputs: Iterable[str] = (),
    formats: tuple = FORMAT_NAMES,
    csv_raw: bool = False,
) -> None:
    """Write ``doc`` in ``fmt`` to ``output`` (stdout when None or '-'); warnings go to stderr.

    ``fmt`` None takes the format from ``output``'s extension (table when it names none);
    ``csv_raw`` writes CSV/TSV cells without formula defusing.
    """
    extra = extra or {}
    allowed = tuple(formats) + tuple(k for k in extra if k not in formats)
    fmt = resolve_format(fmt, output, allowed)
    if fmt not in allowed:
        raise UsageError(f"--format: unknown format {fmt!r}; use one of {', '.join(allowed)}")
    inp: dict = doc["input"] if isinstance(doc.get("input"), dict) else {}
    maps = [(kind, inp[kind]) for kind in ("aliases", "parents") if isinstance(inp.get(kind), dict)]
    check_output_target(output, [*inputs, *(m["file"] for _, m in maps)])  # a name map is an input too
    to_file = bool(output) and output != "-"
    for w in doc.get("warnings", []):
        warn(w)
    credit = inp.get("credit")
    if credit and fmt not in ("json", "jsonl"):
        note(f"Data: {credit}")
    if maps and fmt not in ("json", "jsonl"):
        note(
            "Names: "
            + "; ".join(f"--{kind} {m['file']} renamed {plural(m['rows_renamed'], 'row')}" for kind, m in maps)
        )
    if fmt in extra:
        text = extra[fmt](terminal_safe(doc))
    else:
        text = OUTPUT_FORMATS[fmt].render(Views(doc, table, rows, to_file, csv_raw))
        if text is None:
            return
    if output and output != "-":
        write_output(output, text)
    else:
        write_stdout(text)
