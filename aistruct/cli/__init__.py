"""The ``aistruct`` command line: options in, core calls, rendering out.

Nothing here computes; see :mod:`aistruct.concentration` and friends. Heavy
libraries (numpy, pandas, pyarrow) are imported by the core modules, which the
commands import inside their bodies, so ``aistruct --help`` stays light.
"""

import errno
import os
import sys
from typing import Optional

import typer

from aistruct.cli.app import app, load_commands, prepare
from aistruct.errors import EXIT_UNUSABLE, AistructError, Interrupted

__all__ = ["app", "load_commands", "main", "option_name"]


def _error(message: str) -> None:
    from aistruct.sanitize import terminal_text

    if sys.stderr is None:  # closed (2>&-): the exit code still tells
        return
    sys.stderr.write(f"aistruct: error: {terminal_text(message)}\n")
    sys.stderr.flush()


def option_name(name: str) -> str:
    """The command-line spelling of a core parameter (``max_bytes`` -> ``--max-bytes``).

    Taken from the options the commands declare, so a parameter the core names in
    an error message reads as the flag the user typed; a name no option has keeps
    the plain ``--name`` form.
    """
    return _option_names().get(name, "--" + name.replace("_", "-"))


def _option_names() -> dict:
    import typer.main

    load_commands()  # every command's options: a message may name any of them
    names: dict = {}
    group = typer.main.get_command(app)
    stack = list(getattr(group, "commands", {}).values())
    while stack:
        command = stack.pop()
        stack += list(getattr(command, "commands", {}).values())
        for p in command.params:
            longs = [o for o in getattr(p, "opts", []) if o.startswith("--")]
            if p.name and longs:
                names.setdefault(p.name, longs[0])
    return names


def _tolerant_streams() -> None:
    """A terminal that is not UTF-8 (``LC_ALL=POSIX``, Latin-1) shows what it cannot as escapes, never a crash.

    Tables go through the stream's own encoding with ``backslashreplace``; the file
    formats (JSON, CSV, Markdown) are always written as UTF-8 bytes (see
    :func:`aistruct.cli.outfile.write_stdout`).
    """
    from aistruct.cli.outfile import is_utf8

    for stream in (sys.stdout, sys.stderr):
        if stream is not None and not is_utf8(stream) and hasattr(stream, "reconfigure"):
            try:
                stream.reconfigure(errors="backslashreplace")
            except (AttributeError, OSError, ValueError):  # pragma: no cover - exotic streams
                pass


def main(argv: Optional[list] = None) -> None:
    """Run the CLI: exit 0 ok, 1 a check failed, 2 unusable input or usage, 130 interrupted."""
    from aistruct.interrupt import interrupted

    _tolerant_streams()
    import importlib

    try:  # Typer >= 0.26 vendors click as typer._click; older Typer uses click itself
        click_exceptions = importlib.import_module("typer._click.exceptions")
    except ImportError:  # pragma: no cover - depends on the installed Typer
        click_exceptions = importlib.import_module("click.exceptions")
    exits = tuple({typer.Exit, getattr(click_exceptions, "Exit", typer.Exit)})
    aborts = tuple({typer.Abort, getattr(click_exceptions, "Abort", typer.Abort)})

    args = sys.argv[1:] if argv is None else list(argv)
    prepare(args)  # only the command this run names is imported
    debug = "--debug" in args or os.environ.get("AISTRUCT_DEBUG") == "1"
    import warnings

    try:
        with warnings.catch_warnings():
            if not debug:
                # Library warnings (numpy overflow notes, pandas deprecations) are not for users:
                # the core reports what matters in each document's ``warnings``.
                warnings.simplefilter("ignore")
            code = app(args=args, prog_name="aistruct", standalone_mode=False)
        if code == 130:  # Typer's silent exit for a KeyboardInterrupt
            code = interrupted()
    except exits as exc:
        # Typer turns Ctrl-C into a silent Exit(130): say what happened
        code = interrupted() if isinstance(exc.__cause__, KeyboardInterrupt) else exc.exit_code
    except aborts:
        code = interrupted()
    except click_exceptions.NoArgsIsHelpError as exc:  # bare ``aistruct``: the help, as --help shows it
        sys.stdout.write(exc.ctx.get_help() + "\n")
        code = 0
    except click_exceptions.ClickException as exc:  # usage errors: one line, exit 2
        if debug:
            import traceback

            traceback.print_exc()
        ctx = getattr(exc, "ctx", None)
        where = f" (see '{ctx.command_path} --help')" if ctx is not None else ""
        _error(f"{exc.format_message()}{where}")
        code = EXIT_UNUSABLE
    except AistructError as exc:
        if debug:
            import traceback

            traceback.print_exc()
        _error(exc.render(option_name))
        code = exc.exit_code
    except (KeyboardInterrupt, Interrupted):
        code = interrupted()
    except SystemExit as exc:
        # Typer turns a broken pipe while Rich prints (``aistruct ... | head``) into exit 1,
        # which here means "a check failed": treat it as the BrokenPipeError below.
        context = exc.__context__
        if not (exc.code == 1 and isinstance(context, OSError) and context.errno == errno.EPIPE):
            raise
        try:
            sys.stdout = None
        finally:
            os._exit(0)
    except BrokenPipeError:
        try:
            sys.stdout = None
        finally:
            os._exit(0)
    except MemoryError:
        _error("out of memory while processing the input")
        code = EXIT_UNUSABLE
    except Exception as exc:  # a bug: still one line, never a traceback unless asked
        if debug:
            import traceback

            traceback.print_exc()
        first = str(exc).splitlines()[0] if str(exc) else ""
        _error(f"internal error: {type(exc).__name__}: {first} (run with --debug for the traceback)")
        code = EXIT_UNUSABLE
    sys.exit(code if isinstance(code, int) else 0)
