"""``--output`` never replaces a device, FIFO or symbolic link, nor an input (issue 21, items 1 and 2).

Devices are simulated with a pseudo-terminal of the test's own and a FIFO in a
private temporary folder; the real ``/dev`` is never a target.
"""

from __future__ import annotations

import json
import os
import pty
import stat
import subprocess
import sys
import threading

import pytest
from conftest import ROOT, run_cli, write

DATA = "company,value\nA,30\nB,30\nC,20\nD,20\n"  # HHI 900 + 900 + 400 + 400 = 2600


def _data(tmp_path):
    return write(tmp_path, "m.csv", DATA)


def _hhi(text: str) -> float:
    return round(json.loads(text)["results"][0]["hhi"], 9)


def _cli(*args, stdin=None, stdout=subprocess.PIPE, umask=None):
    def pre():
        if umask is not None:
            os.umask(umask)

    return subprocess.run(
        [sys.executable, "-m", "aistruct", *map(str, args)],
        stdin=stdin,
        stdout=stdout,
        stderr=subprocess.PIPE,
        cwd=ROOT,
        timeout=60,
        preexec_fn=pre,
        env={**os.environ, "NO_COLOR": "1"},
    )


def test_a_fifo_is_written_in_place_and_stays_a_fifo(tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    got = []
    reader = threading.Thread(target=lambda: got.append(open(fifo, "rb").read()), daemon=True)
    reader.start()
    r = run_cli("concentration", _data(tmp_path), "--format", "json", "-o", fifo)
    reader.join(timeout=30)
    assert r.code == 0, r.err
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)  # not replaced by a regular file
    assert _hhi(got[0].decode()) == 2600
    assert [f for f in os.listdir(tmp_path) if f.startswith(".aistruct-")] == []


def test_a_character_device_is_written_in_place(tmp_path):
    master, slave = pty.openpty()  # a character device of this test's own
    try:
        tty = os.ttyname(slave)
        before = os.stat(tty)
        r = run_cli("concentration", _data(tmp_path), "--format", "csv", "-o", tty)
        assert r.code == 0, r.err
        after = os.stat(tty)
        assert stat.S_ISCHR(after.st_mode) and after.st_rdev == before.st_rdev
        os.set_blocking(master, False)
        written = os.read(master, 65536).decode()
        assert written.startswith("n,total,hhi,")  # the CSV header, through the terminal
    finally:
        os.close(master)
        os.close(slave)


def test_a_link_to_a_device_writes_the_device_and_keeps_the_link(tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    link = tmp_path / "null"
    os.symlink(fifo, link)
    got = []
    reader = threading.Thread(target=lambda: got.append(open(fifo, "rb").read()), daemon=True)
    reader.start()
    r = run_cli("concentration", _data(tmp_path), "--format", "json", "-o", link)
    reader.join(timeout=30)
    assert r.code == 0, r.err
    assert os.path.islink(link) and stat.S_ISFIFO(os.lstat(fifo).st_mode)
    assert _hhi(got[0].decode()) == 2600


def test_a_symbolic_link_is_followed_and_its_target_written_atomically(tmp_path):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    target = elsewhere / "result.json"
    target.write_text("OLD\n")
    link = tmp_path / "result.json"
    os.symlink(target, link)
    r = run_cli("concentration", _data(tmp_path), "--format", "json", "-o", link)
    assert r.code == 0, r.err
    assert os.path.islink(link) and os.readlink(link) == str(target)  # the link itself is kept
    assert _hhi(target.read_text()) == 2600
    assert [f for f in os.listdir(elsewhere) if f.startswith(".aistruct-")] == []


def test_a_dangling_link_creates_its_target(tmp_path):
    target = tmp_path / "new.json"
    link = tmp_path / "link.json"
    os.symlink(target, link)
    r = run_cli("concentration", _data(tmp_path), "--format", "json", "-o", link)
    assert r.code == 0, r.err
    assert os.path.islink(link) and _hhi(target.read_text()) == 2600


def test_dev_stdout_writes_the_open_descriptor_without_replacing_the_file(tmp_path):
    data = _data(tmp_path)
    sink = tmp_path / "sink.txt"
    with open(sink, "wb") as fh:
        fh.write(b"before\n")
        fh.flush()
        inode = os.fstat(fh.fileno()).st_ino
        r = _cli("concentration", data, "--format", "json", "-o", "/dev/stdout", stdout=fh)
    assert r.returncode == 0, r.stderr
    assert os.stat(sink).st_ino == inode  # the same file: written through the descriptor, not renamed over
    text = sink.read_text()
    assert text.startswith("before\n") and _hhi(text[len("before\n") :]) == 2600


def test_an_existing_file_keeps_its_mode(tmp_path):
    target = tmp_path / "out.json"
    target.write_text("OLD\n")
    os.chmod(target, 0o644)
    r = run_cli("concentration", _data(tmp_path), "--format", "json", "-o", target)
    assert r.code == 0, r.err
    assert stat.S_IMODE(os.stat(target).st_mode) == 0o644
    os.chmod(target, 0o640)
    assert run_cli("concentration", _data(tmp_path), "--format", "json", "-o", target).code == 0
    assert stat.S_IMODE(os.stat(target).st_mode) == 0o640


@pytest.mark.parametrize("umask, mode", [(0o022, 0o644), (0o077, 0o600), (0o002, 0o664)])
def test_a_new_file_honours_the_umask(tmp_path, umask, mode):
    target = tmp_path / "new.json"
    r = _cli("concentration", _data(tmp_path), "--format", "json", "-o", target, umask=umask)
    assert r.returncode == 0, r.stderr
    assert stat.S_IMODE(os.stat(target).st_mode) == mode


def test_a_folder_is_refused(tmp_path):
    r = run_cli("concentration", _data(tmp_path), "-o", tmp_path)
    assert r.code == 2 and r.err == f"aistruct: error: --output {tmp_path}: is a directory\n"


@pytest.mark.skipif(os.geteuid() != 0, reason="creating a block device node needs root")
def test_a_block_device_is_refused(tmp_path):
    node = tmp_path / "disk"
    os.mknod(node, stat.S_IFBLK | 0o600, os.makedev(7, 200))  # a loop device number, never opened
    r = run_cli("concentration", _data(tmp_path), "--format", "json", "-o", node)
    assert r.code == 2
    assert r.err == f"aistruct: error: --output {node}: is a block device; refusing to write to it\n"
    assert stat.S_ISBLK(os.lstat(node).st_mode)


# ---------------------------------------------------------------- inputs


def test_the_file_standard_input_reads_is_never_overwritten(tmp_path):
    data = _data(tmp_path)
    with open(data, "rb") as fh:
        r = _cli("concentration", "-", "-o", data, stdin=fh)
    assert r.returncode == 2
    assert r.stderr.decode() == (
        f"aistruct: error: --output {data}: refusing to overwrite the file standard input reads\n"
    )
    assert data.read_text() == DATA


def test_standard_input_from_a_pipe_is_no_obstacle(tmp_path):
    target = tmp_path / "out.json"
    proc = subprocess.run(
        [sys.executable, "-m", "aistruct", "concentration", "-", "--format", "json", "-o", str(target)],
        input=DATA.encode(),
        capture_output=True,
        cwd=ROOT,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    assert _hhi(target.read_text()) == 2600


def test_validate_never_overwrites_its_schema(tmp_path):
    data = _data(tmp_path)
    schema = write(
        tmp_path,
        "s.json",
        json.dumps({"fields": [{"name": "company", "type": "string"}, {"name": "value", "type": "number"}]}),
    )
    before = schema.read_bytes()
    r = run_cli("validate", data, "--schema", schema, "-o", schema)
    assert r.code == 2
    assert r.err == f"aistruct: error: --output {schema}: refusing to overwrite the input file\n"
    assert schema.read_bytes() == before


def test_validate_never_overwrites_a_link_to_its_schema(tmp_path):
    data = _data(tmp_path)
    schema = write(
        tmp_path,
        "s.json",
        json.dumps({"fields": [{"name": "company", "type": "string"}, {"name": "value", "type": "number"}]}),
    )
    link = tmp_path / "link.json"
    os.symlink(schema, link)
    r = run_cli("validate", data, "--schema", schema, "-o", link)
    assert r.code == 2 and "refusing to overwrite the input file" in r.err
