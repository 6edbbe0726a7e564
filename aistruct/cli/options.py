"""Options shared by commands, declared once (in the manner of sqlite-utils' decorators).

``@shared(READ, MARKET, OUTPUT)`` appends the groups' options to a command's
signature and hands the command ready-built objects instead: ``read``
(:class:`aistruct.reader.ReadOptions`), ``spec``
(:class:`aistruct.markets.MarketSpec`) and ``out`` (:class:`OutputOptions`).
So ``--entity`` or ``--format`` mean the same in every command, by construction.
"""

import functools
import inspect
from dataclasses import dataclass
from typing import Annotated, Any, Callable, List, Optional

import typer

from aistruct.engines import engine_help
from aistruct.reader import DEFAULT_MAX_BYTES

READ_PANEL = "Reading"
MARKET_PANEL = "Columns and rows"
OUTPUT_PANEL = "Output"


@dataclass
class OutputOptions:
    format: str
    output: Optional[str]
    debug: bool = False
    csv_raw: bool = False


@dataclass
class Group:
    target: str  # keyword the command receives
    params: list  # inspect.Parameter objects (keyword-only)
    build: Callable[[dict], Any]


def _opt(name: str, annotation, default, *flags: str, help: str, panel: str, **kw) -> inspect.Parameter:
    option = typer.Option(*flags, help=help, rich_help_panel=panel, **kw)
    return inspect.Parameter(
        name, inspect.Parameter.KEYWORD_ONLY, default=default, annotation=Annotated[annotation, option]
    )


def examples(*commands: str) -> str:
    """An ``epilog`` for ``@app.command``: the command lines under "Examples:", kept unwrapped.

    tests/test_cli_output_formats.py runs every one of them.
    """
    return "\b\nExamples:\n" + "\n".join(f"  {c}" for c in commands)


def choices(values) -> str:
    """A metavar listing an option's values: ``[sum|mean|max|min|count]``."""
    return "[" + "|".join(values) + "]"


def _metavars() -> dict:
    """Each parameter's metavar in --help, by parameter name: words, and the values where they are fixed.

    Choices come from the registries that check them, so help and checks cannot drift.
    """
    from aistruct.engines import ENGINES
    from aistruct.guidelines import GUIDELINES
    from aistruct.markets.periods import FREQS
    from aistruct.markets.spec import AGGREGATIONS, BAD_VALUE_MODES, DECIMAL_MARKS, SPLIT_MODES
    from aistruct.reader.parsers import FORMATS as INPUT_FORMATS

    words = {
        "COL": ("entity", "value", "by", "id", "size", "period", "total_column"),
        "FILE": ("file", "files", "output", "plot", "schema", "scenarios", "acquisitions", "aliases", "parents"),
        "N": ("max_bytes", "show", "min_n", "carry_forward", "max_examples", "resamples"),
        "X": ("alpha", "tolerance", "outlier_factor", "max_missing", "total"),
        "ADDRESS": ("scheduler",),
        "NAME": ("encoding", "sheet", "exclude", "name", "preset", "method", "other"),
        "COMPANY": ("acquirer", "targets"),
        "PERIOD": ("from_", "to"),
        "K,K...": ("top",),
        "LOW,HIGH": ("bounds",),
        "CHAR": ("delimiter",),
        "SEP": ("split_entities",),
        '"COL OP VALUE"': ("where",),
        "SMALL,MIDDLE,GIANT": ("labels",),
        "METRIC": ("plot_metric",),
        "LEVEL": ("ci",),
        "SEED": ("seed",),
    }
    words["FILE"] += ("ownership",)
    out = {name: word for word, names in words.items() for name in names}
    out.update(
        agg=choices(AGGREGATIONS),
        split_mode=choices(SPLIT_MODES),
        on_bad_value=choices(BAD_VALUE_MODES),
        decimal=choices(DECIMAL_MARKS),
        freq=choices(FREQS),
        engine=choices(ENGINES),
        input_format=choices(INPUT_FORMATS),
        guidelines=choices(GUIDELINES),
    )
    return out


def _with_metavar(param: inspect.Parameter, metavars: dict) -> inspect.Parameter:
    """``param`` with its metavar from :func:`_metavars` when it declares none (flags need none)."""
    meta = getattr(param.annotation, "__metadata__", ())
    for info in meta:
        if getattr(info, "metavar", "absent") is None and param.name in metavars:
            info.metavar = metavars[param.name]
    return param


def _read(kw: dict):
    from aistruct.reader import ReadOptions

    return ReadOptions(
        input_format=kw["input_format"],
        encoding=kw["encoding"],
        sheet=kw["sheet"],
        decompress=kw["decompress"],
        max_bytes=kw["max_bytes"],
        delimiter=kw["delimiter"],
    )


READ = Group(
    "read",
    [
        _opt(
            "input_format",
            Optional[str],
            None,
            "--input-format",
            help="csv, tsv, json, jsonl, parquet or xlsx (default: from the extension; csv for -).",
            panel=READ_PANEL,
        ),
        _opt(
            "encoding",
            Optional[str],
            None,
            "--encoding",
            help="Text encoding, e.g. gb18030, gbk, big5, shift_jis, latin-1, utf-16 (default: UTF-8, BOM allowed).",
            panel=READ_PANEL,
        ),
        _opt(
            "sheet",
            Optional[str],
            None,
            "--sheet",
            help="Worksheet of an .xlsx file (default: the first).",
            panel=READ_PANEL,
        ),
        _opt(
            "decompress",
            bool,
            False,
            "--decompress",
            help="Read .gz, .bz2, .xz and .zip input (refused without it).",
            panel=READ_PANEL,
        ),
        _opt(
            "delimiter",
            Optional[str],
            None,
            "--delimiter",
            help="Field separator of CSV input: one character or 'tab' (default: ',', or ';' when the header "
            "uses ';' and no ',').",
            panel=READ_PANEL,
        ),
        _opt(
            "max_bytes",
            int,
            DEFAULT_MAX_BYTES,
            "--max-bytes",
            help="Most bytes read from standard input or after decompression.",
            panel=READ_PANEL,
            min=1,
        ),
    ],
    _read,
)


# --engine: a separate group, for the commands that read through aistruct.engines.load_markets
# (the command sets ``read.engine = engine`` and calls load_markets instead of load_table +
# prepare_markets). Commands without it never see the option. Its values are the names of
# aistruct.engines.ENGINES, checked by load_markets (exit 2 naming them).
@dataclass
class EngineOptions:
    """``--engine`` and where it runs (``--scheduler``, for ``--engine dask``)."""

    name: str = "default"
    scheduler: Optional[str] = None


ENGINE = Group(
    "engine",
    [
        _opt("engine", str, "default", "--engine", help=engine_help(), panel=READ_PANEL),
        _opt(
            "scheduler",
            Optional[str],
            None,
            "--scheduler",
            help="Address of the Dask scheduler for --engine dask, e.g. tcp://127.0.0.1:8786 (default: "
            "$AISTRUCT_DASK_SCHEDULER, else a local cluster started for the run); an error with other engines.",
            panel=READ_PANEL,
        ),
    ],
    lambda kw: EngineOptions(kw["engine"], kw["scheduler"]),
)


def _market(kw: dict):
    from aistruct.markets import MarketSpec

    return MarketSpec(
        entity=kw["entity"],
        value=kw["value"],
        by=tuple(kw["by"] or ()),
        freq=kw["freq"],
        where=tuple(kw["where"] or ()),
        agg=kw["agg"],
        aliases=kw["aliases"],
        parents=kw["parents"],
        other=tuple(kw["other"] or ()),
        total=kw["total"],
        total_column=kw["total_column"],
        decimal=kw["decimal"],
        on_bad_value=kw["on_bad_value"],
        wide=kw["wide"],
        id=kw["id"],
        exclude=tuple(kw["exclude"] or ()),
        drop_zeros=kw["drop_zeros"],
        split_entities=kw["split_entities"],
        split_mode=kw["split_mode"],
    )


#: --freq's help; a command with --period (trend, flows) groups that column instead of --by.
FREQ_HELP = "Group dates in {column} by year, quarter or month (labels 2024, 2024Q1, 2024-03)."

MARKET = Group(
    "spec",
    [
        _opt(
            "entity",
            Optional[str],
            None,
            "--entity",
            "-e",
            help="Company column (default: the first text column).",
            panel=MARKET_PANEL,
        ),
        _opt(
            "value",
            Optional[str],
            None,
            "--value",
            "-v",
            help="Value column: funding, users, revenue ... (default: the only numeric column).",
            panel=MARKET_PANEL,
        ),
        _opt(
            "by",
            Optional[List[str]],
            None,
            "--by",
            "-b",
            help="Group column; one result per group (repeatable).",
            panel=MARKET_PANEL,
        ),
        _opt(
            "freq",
            Optional[str],
            None,
            "--freq",
            help=FREQ_HELP.format(column="the (last) --by column"),
            panel=MARKET_PANEL,
        ),
        _opt(
            "where",
            Optional[List[str]],
            None,
            "--where",
            "-w",
            help='Keep rows where "COL OP VALUE" holds; OP: = != < <= > >= ~ in (repeatable).',
            panel=MARKET_PANEL,
        ),
        _opt(
            "agg",
            Optional[str],
            None,
            "--agg",
            help="Combine the rows of one company in a group: sum, mean, max, min, count, first, last (in row "
            "order, or date order with --freq), median. Default: sum, with a warning naming the companies "
            "that have several rows.",
            panel=MARKET_PANEL,
        ),
        _opt(
            "aliases",
            Optional[str],
            None,
            "--aliases",
            help="Name map (columns alias, name): each alias becomes that name before companies are "
            "combined; chains resolve.",
            panel=MARKET_PANEL,
        ),
        _opt(
            "parents",
            Optional[str],
            None,
            "--parents",
            help="Ownership map (columns company, parent): companies roll up to their ultimate parent.",
            panel=MARKET_PANEL,
        ),
        _opt(
            "other",
            Optional[List[str]],
            None,
            "--other",
            help="This company stands for the unobserved rest of the market (Other, Rest of world): its value "
            "is the fringe, not one company; HHI and CR become ranges (repeatable).",
            panel=MARKET_PANEL,
        ),
        _opt(
            "total",
            Optional[str],
            None,
            "--total",
            help="The market's known size (1.2B allowed): total minus the listed companies is the fringe.",
            panel=MARKET_PANEL,
        ),
        _opt(
            "total_column",
            Optional[str],
            None,
            "--total-column",
            help="Column holding each group's market size (one value per group): the fringe per group.",
            panel=MARKET_PANEL,
        ),
        _opt(
            "decimal", str, ".", "--decimal", help="Decimal mark of the numbers: . or , (European).", panel=MARKET_PANEL
        ),
        _opt(
            "on_bad_value",
            str,
            "error",
            "--on-bad-value",
            help="A value cell that is not a number: error (exit 2) or drop (with a warning).",
            panel=MARKET_PANEL,
        ),
        _opt(
            "wide",
            bool,
            False,
            "--wide",
            help="Wide table: one row per group, one column per company.",
            panel=MARKET_PANEL,
        ),
        _opt(
            "id",
            Optional[str],
            None,
            "--id",
            help="With --wide: the group column (default: the first).",
            panel=MARKET_PANEL,
        ),
        _opt(
            "exclude",
            Optional[List[str]],
            None,
            "--exclude",
            help="Leave out this company, e.g. Other (repeatable).",
            panel=MARKET_PANEL,
        ),
        _opt(
            "drop_zeros",
            bool,
            False,
            "--drop-zeros",
            help="Leave out companies whose value is 0 (a wide table's empty columns); otherwise each counts "
            "as a company, in n, Gini and the tiers.",
            panel=MARKET_PANEL,
        ),
        _opt(
            "split_entities",
            Optional[str],
            None,
            "--split-entities",
            help="Separator of several companies in one cell, e.g. ','.",
            panel=MARKET_PANEL,
        ),
        _opt(
            "split_mode",
            str,
            "first",
            "--split-mode",
            help="With --split-entities: credit the first company, divide equally, or credit each in full.",
            panel=MARKET_PANEL,
        ),
    ],
    _market,
)


def output_group(formats: Optional[tuple] = None) -> Group:
    """--format/--output/--debug; ``formats`` lists what this command can write (default: every registered format).

    Without --format the format comes from the --output extension (``.csv``, ``.json`` ...), else table.
    """
    from aistruct.cli.render import FORMAT_NAMES, OUTPUT_FORMATS, resolve_format, set_quiet

    formats = tuple(formats or FORMAT_NAMES)
    implied = [f"{ext} -> {n}" for n in formats if n in OUTPUT_FORMATS for ext in OUTPUT_FORMATS[n].extensions[:1]]

    def build(kw: dict) -> OutputOptions:
        if kw["quiet"]:  # also ``aistruct -q CMD``: the root callback set it already
            set_quiet(True)
        fmt = resolve_format(kw["format"], kw["output"], formats)
        return OutputOptions(format=fmt, output=kw["output"], debug=kw["debug"], csv_raw=kw.get("csv_raw", False))

    csv_raw = [
        _opt(
            "csv_raw",
            bool,
            False,
            "--csv-raw",
            help="CSV/TSV: write names as they are; by default a cell starting with = + - @ gets a ' so "
            "spreadsheets cannot run it as a formula.",
            panel=OUTPUT_PANEL,
        )
    ]
    return Group(
        "out",
        [
            _opt(
                "format",
                Optional[str],
                None,
                "--format",
                "-f",
                metavar=choices(formats),
                help=f"Output format: {', '.join(formats)} (default: from the --output extension, "
                f"{', '.join(implied)}; else table).",
                panel=OUTPUT_PANEL,
            ),
            _opt(
                "output",
                Optional[str],
                None,
                "--output",
                "-o",
                help="Write to this file instead of standard output (atomically).",
                panel=OUTPUT_PANEL,
            ),
            *(csv_raw if {"csv", "tsv"} & set(formats) else []),
            _opt(
                "quiet",
                bool,
                False,
                "--quiet",
                "-q",
                help="No warnings, data credits or progress on standard error (errors are still shown).",
                panel=OUTPUT_PANEL,
            ),
            _opt("debug", bool, False, "--debug", help="Show the Python traceback of an error.", panel=OUTPUT_PANEL),
        ],
        build,
    )


OUTPUT = output_group()


def _with_help(param: inspect.Parameter, help: str) -> inspect.Parameter:
    """A copy of a group's option with another help text (the group's own stays for other commands)."""
    import copy

    meta = [copy.copy(m) for m in param.annotation.__metadata__]
    for m in meta:
        m.help = help
    args = (param.annotation.__origin__, *meta)
    return param.replace(annotation=Annotated[args])


def shared(*groups: Group):
    """Add the groups' options to a Typer command; it receives one object per group.

    Every parameter without a metavar gets one from :func:`_metavars` (``COL``, ``FILE``,
    ``N``, ``[sum|mean|...]``), so --help reads as words, not ``<str>``.
    """
    metavars = _metavars()

    def decorate(func):
        sig = inspect.signature(func)
        own = [p for p in sig.parameters.values() if p.name not in {g.target for g in groups}]
        extra = [p for g in groups for p in g.params]
        own = [_with_metavar(p, metavars) for p in own]
        extra = [_with_metavar(p, metavars) for p in extra]
        if any(p.name == "period" for p in own):
            extra = [
                _with_help(p, FREQ_HELP.format(column="the --period column")) if p.name == "freq" else p for p in extra
            ]
        params = [p for p in own if p.kind != inspect.Parameter.KEYWORD_ONLY]
        params += [p for p in own if p.kind == inspect.Parameter.KEYWORD_ONLY] + extra
        params = [p.replace(kind=inspect.Parameter.KEYWORD_ONLY) for p in params]

        @functools.wraps(func)
        def wrapper(**kwargs):
            for g in groups:
                kwargs[g.target] = g.build({p.name: kwargs.pop(p.name) for p in g.params})
            return func(**kwargs)

        wrapper.__signature__ = sig.replace(parameters=params)
        wrapper.__annotations__ = {p.name: p.annotation for p in params}
        del wrapper.__wrapped__  # Typer must see the new signature, not the original
        return wrapper

    return decorate


def parse_int_list(text: str, option: str) -> list:
    """``1,4,8,10`` -> [1, 4, 8, 10]; anything else is a usage error."""
    from aistruct.errors import UsageError

    out = []
    for part in text.split(","):
        part = part.strip()
        if not part.isdigit() or int(part) < 1:
            raise UsageError(f"{option}: expected whole numbers of at least 1 separated by commas, got {text!r}")
        out.append(int(part))
    return out


# ---------------------------------------------------------------- tiering (tiers, trend)
# --size/--bounds/--preset/--method, shared by `aistruct tiers` and `aistruct trend`.
# The command receives ``tiering``: an :class:`aistruct.tiers.TierOptions`
# (fields size, bounds, preset, method; ``.bounds_for(sizes)`` -> (low, high) | None;
# ``.validate()`` raises UsageError for bad options). Set ``spec.size = tiering.size``
# (or call ``prepare_markets(..., need_size=True)`` with it) before reading.

TIERING_PANEL = "Tiers"


def _tiering(kw: dict):
    from aistruct.tiers import TierOptions

    return TierOptions(size=kw["size"], bounds=kw["bounds"], preset=kw["preset"], method=kw["method"])


TIERING = Group(
    "tiering",
    [
        _opt(
            "size",
            Optional[str],
            None,
            "--size",
            help="Column that classifies companies, e.g. headcount (default: the value column).",
            panel=TIERING_PANEL,
        ),
        _opt(
            "bounds",
            Optional[str],
            None,
            "--bounds",
            help="Fixed tiers LOW,HIGH on the size column: small < LOW <= middle <= HIGH < giant "
            "(e.g. 50,500 or $10M,$1B or 1000万,10亿).",
            panel=TIERING_PANEL,
        ),
        _opt("preset", Optional[str], None, "--preset", help="Named bounds: headcount (50,500).", panel=TIERING_PANEL),
        _opt(
            "method",
            Optional[str],
            None,
            "--method",
            help="Data-driven tiers when no bounds are given: natural (Fisher-Jenks on log10 size, the "
            "default) or headtail (Jiang 2013).",
            panel=TIERING_PANEL,
        ),
    ],
    _tiering,
)
# ---------------------------------------------------------------- end tiering


# ---------------------------------------------------------------- charts (concentration, tiers, trend, merge, flows)
# --plot PATH: the command receives ``plot`` (the path or None) and hands it to
# aistruct.cli.plot (checked before the computation, written after the output).

PLOT_PANEL = "Chart"

PLOT = Group(
    "plot",
    [
        _opt(
            "plot",
            Optional[str],
            None,
            "--plot",
            help="Also draw the result's chart to this file: .svg or .png (written atomically).",
            panel=PLOT_PANEL,
        ),
    ],
    lambda kw: kw["plot"],
)
# ---------------------------------------------------------------- end charts


# ---------------------------------------------------------------- ownership (concentration, merge)
# --ownership FILE: the command receives ``ownership`` (the path or None) and hands it to the
# core (aistruct.ownership), which adds mhhi / mhhi_delta.

OWNERSHIP = Group(
    "ownership",
    [
        _opt(
            "ownership",
            Optional[str],
            None,
            "--ownership",
            help="Stakes (columns owner, company, stake, optional control; fractions or percentages): adds "
            "the modified HHI (MHHI) of O'Brien and Salop. A company with no row owns itself.",
            panel=MARKET_PANEL,
        ),
    ],
    lambda kw: kw["ownership"],
)
# ---------------------------------------------------------------- end ownership

# ---------------------------------------------------------------- sampling intervals (concentration, trend)
# --ci/--resamples/--seed: the command receives ``ci``, a dict with the library's keywords
# (``ci``, ``resamples``, ``seed``) to pass on as ``**ci`` to concentration_report / trend_report;
# the core checks them (aistruct.bootstrap.check_options, exit 2).

CI_PANEL = "Sampling intervals"


def _ci_group():
    from aistruct.bootstrap import DEFAULT_RESAMPLES, DEFAULT_SEED

    return Group(
        "ci",
        [
            _opt(
                "ci",
                Optional[float],
                None,
                "--ci",
                help="Bootstrap intervals at this level, e.g. 0.95, for HHI, CR-k, Gini, Theil and entropy: "
                "companies resampled with replacement within each group. Meaningful when the table is a "
                "sample of firms, not a census of the market.",
                panel=CI_PANEL,
            ),
            _opt(
                "resamples",
                int,
                DEFAULT_RESAMPLES,
                "--resamples",
                help="Bootstrap resamples for --ci (a warning below 200).",
                panel=CI_PANEL,
            ),
            _opt(
                "seed",
                int,
                DEFAULT_SEED,
                "--seed",
                help="Seed of the resampling for --ci: the same seed gives the same intervals.",
                panel=CI_PANEL,
            ),
        ],
        lambda kw: {"ci": kw["ci"], "resamples": kw["resamples"], "seed": kw["seed"]},
    )


CI = _ci_group()
# ---------------------------------------------------------------- end sampling intervals
