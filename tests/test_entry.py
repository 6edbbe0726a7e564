"""The console script's edges: Ctrl-C, closed and non-UTF-8 streams, absurd widths (issue 21, items 4–6)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import pytest
from conftest import ROOT, run_cli, write

DATA = "company,value\nA,30\nB,30\nC,20\nD,20\n"


def _env(**extra):
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONIOENCODING", "LC_ALL", "LANG", "PYTHONUTF8")}
    env.update({"NO_COLOR": "1", **extra})
    return env


@pytest.mark.parametrize("after", [0.4, 2.0])  # during the imports, and while waiting for input
def test_ctrl_c_exits_130_with_one_line_and_leaves_the_output_intact(tmp_path, after):
    target = tmp_path / "result.json"
    target.write_text("OLD\n")
    proc = subprocess.Popen(
        [sys.executable, "-m", "aistruct", "concentration", "-", "--format", "json", "-o", str(target)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=ROOT,
        env=_env(),
    )
    try:
        time.sleep(after)  # standard input stays open and empty: the run waits for it
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=30)
    finally:
        proc.kill()
        proc.wait()
    assert proc.returncode == 130
    assert err.decode() == "aistruct: interrupted\n"
    assert out == b""
    assert target.read_text() == "OLD\n"
    assert [f for f in os.listdir(tmp_path) if f.startswith(".aistruct-")] == []


def test_a_shell_that_ignores_ctrl_c_is_respected(tmp_path):
    """Started with SIGINT ignored (``cmd &`` in a script, nohup), the run goes on and finishes."""
    data = write(tmp_path, "m.csv", DATA)
    code = (
        "import signal, sys; signal.signal(signal.SIGINT, signal.SIG_IGN); sys.argv = ['aistruct'] + sys.argv[1:];"
        "from aistruct.entry import main; import os; os.kill(os.getpid(), signal.SIGINT); main()"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code, "concentration", str(data), "--format", "json"],
        capture_output=True,
        cwd=ROOT,
        env=_env(),
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    assert round(json.loads(proc.stdout)["results"][0]["hhi"], 6) == 2600  # 30² + 30² + 20² + 20²


@pytest.mark.parametrize(
    "env", [{"PYTHONIOENCODING": "ascii"}, {"LC_ALL": "POSIX", "PYTHONUTF8": "0"}, {"PYTHONIOENCODING": "latin-1"}]
)
@pytest.mark.parametrize(
    "command, last",
    [
        (["concentration", "--value", "value"], "\\u5b57\\u8282"),  # 字节 in the largest-companies table
        (["trend", "--value", "value", "--period", "year", "--min-n", "1"], "Mann\\u2013Kendall"),
        (["tiers", "--value", "value"], "log-normal market of this spread would."),
    ],
)
def test_a_stream_that_is_not_utf8_gets_the_whole_table(tmp_path, env, command, last):
    rows = (("A", 300), ("B", 120), ("字节", 40), ("D", 9), ("E", 2), ("F", 1))
    data = write(
        tmp_path,
        "m.csv",
        "company,value,year\n" + "".join(f"{c},{v * (1 + y % 3)},{y}\n" for y in range(2015, 2023) for c, v in rows),
    )
    proc = subprocess.run(
        [sys.executable, "-m", "aistruct", command[0], str(data), *command[1:]],
        capture_output=True,
        cwd=ROOT,
        env=_env(**env),
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    assert b"internal error" not in proc.stderr
    text = proc.stdout.decode("latin-1" if env.get("PYTHONIOENCODING") == "latin-1" else "ascii")
    assert last in text  # the text that could not be encoded is there as escapes, the table whole


@pytest.mark.parametrize("fmt", ["json", "csv", "markdown"])
def test_file_formats_on_a_stream_that_is_not_utf8_are_utf8(tmp_path, fmt):
    data = write(tmp_path, "m.csv", "company,value\n字节,30\nB,30\nC,20\nD,20\n")
    proc = subprocess.run(
        [sys.executable, "-m", "aistruct", "concentration", str(data), "--format", fmt, "--show", "4"],
        capture_output=True,
        cwd=ROOT,
        env=_env(PYTHONIOENCODING="ascii"),
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    text = proc.stdout.decode("utf-8")
    if fmt == "json":
        assert json.loads(text)["results"][0]["top"][0]["entity"] in ("字节", "B")


def test_closed_standard_output_is_an_error_not_a_silent_success(tmp_path):
    data = write(tmp_path, "m.csv", DATA)
    for fmt in ("table", "json"):
        proc = subprocess.run(
            [sys.executable, "-m", "aistruct", "concentration", str(data), "--format", fmt],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            cwd=ROOT,
            env=_env(),
            timeout=60,
            preexec_fn=lambda: os.close(1),
        )
        assert proc.returncode == 2
        assert proc.stderr.decode() == (
            "aistruct: error: standard output is closed; give --output FILE to write the result\n"
        )


def test_closed_standard_error_still_gives_the_exit_code(tmp_path):
    proc = subprocess.run(
        [sys.executable, "-m", "aistruct", "concentration", str(tmp_path / "missing.csv")],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        cwd=ROOT,
        env=_env(),
        timeout=60,
        preexec_fn=lambda: os.close(2),
    )
    assert proc.returncode == 2 and proc.stdout == b""


@pytest.mark.parametrize("columns", ["0", "1", "12"])
def test_a_tiny_columns_setting_still_prints_the_result(tmp_path, columns):
    data = write(tmp_path, "m.csv", DATA)
    r = run_cli("concentration", data, env={"COLUMNS": columns})
    assert r.code == 0
    assert "2,600" in r.out  # HHI 30² + 30² + 20² + 20², readable at the 40-column minimum


def test_no_arguments_prints_the_help_as_help_does():
    # issue 18 item 10: was one escaped error line ("Usage: ...\x0a\x0a ...") and exit 2
    bare = run_cli()
    helped = run_cli("--help")
    assert bare.code == 0 and bare.err == ""
    assert bare.out == helped.out
    assert bare.out.startswith("Usage: aistruct [OPTIONS] COMMAND [ARGS]...\n")
    assert "\\x0a" not in bare.out


def test_root_help_and_version_import_no_command_module():
    # issue 19: `aistruct --help` and `--version` load only what they print (no command module,
    # no rendering layer); the help lists every command with the help its module declares
    import subprocess
    import sys

    code = (
        "import sys\n"
        "from aistruct.cli import main\n"
        "try:\n"
        "    main([sys.argv[1]])\n"
        "except SystemExit:\n"
        "    pass\n"
        "allowed = ('aistruct.cli.app', 'aistruct.cli.outfile')\n"
        "loaded = sorted(m for m in sys.modules if m.startswith('aistruct.cli.') and m not in allowed)\n"
        "heavy = sorted(m for m in ('numpy', 'pandas', 'pyarrow', 'rich.table') if m in sys.modules)\n"
        "print('LOADED', loaded, heavy)\n"
    )
    for flag in ("--help", "--version"):
        out = subprocess.run([sys.executable, "-c", code, flag], capture_output=True, text=True, timeout=60).stdout
        assert out.splitlines()[-1] == "LOADED [] []", (flag, out)


def test_root_help_lists_the_same_commands_before_and_after_they_load():
    from aistruct.cli import load_commands
    from aistruct.cli.app import COMMANDS

    before = run_cli("--help").out
    load_commands()
    after = run_cli("--help").out
    assert before == after
    for name in COMMANDS:
        assert f"  {name} " in after


def test_a_json_run_imports_no_rich(tmp_path):
    # issue 19: Rich is imported when something is drawn for people; a script's JSON run
    # (no warning to print) loads none of it, and a table run does
    import subprocess
    import sys

    table = tmp_path / "t.csv"
    table.write_text("entity,value\nA,1\nB,2\n")
    code = (
        "import sys, io, contextlib\n"
        "from aistruct.cli import main\n"
        "try:\n"
        "    with contextlib.redirect_stdout(io.StringIO()):\n"
        "        main(['concentration', sys.argv[1], '--format', sys.argv[2]])\n"
        "except SystemExit:\n"
        "    pass\n"
        "print('RICH', sorted(m for m in sys.modules if m == 'rich' or m.startswith('rich.')) != [])\n"
    )
    for fmt, expected in (("json", "RICH False"), ("csv", "RICH False"), ("table", "RICH True")):
        out = subprocess.run(
            [sys.executable, "-c", code, str(table), fmt], capture_output=True, text=True, timeout=60
        ).stdout
        assert out.splitlines()[-1] == expected, (fmt, out)
