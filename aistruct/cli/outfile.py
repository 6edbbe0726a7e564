"""Where ``--output`` writes, and the rules that keep it from breaking anything.

* A regular file (new or existing, reached directly or through symbolic links)
  is written atomically: a temporary file in the *target's* folder, then a
  rename over the target. Readers see the old file or the new one, never half.
  An existing file keeps its permission bits; a new one gets ``0666 & ~umask``,
  as ``>`` in a shell would give it.
* A symbolic link is followed: its final target is written, the link stays.
* A character device (``/dev/null``, ``/dev/full``, a terminal), a FIFO or a
  socket is opened and written in place, never renamed over: run as root,
  ``-o /dev/null`` must leave the real ``/dev/null`` alone.
* ``/dev/stdout``, ``/dev/stderr``, ``/dev/fd/N`` and ``/proc/self/fd/N`` write
  to that open descriptor, at its current offset.
* A block device or a folder is refused.
* The target may never be one of the command's inputs: a data file, a side
  file (``--schema``, ``--scenarios``) or the file standard input reads,
  compared by device and inode so hard links and symbolic links count.
"""

from __future__ import annotations

import os
import re
import stat
import sys
from typing import Iterable, Optional

from aistruct.errors import UsageError

_FD_PATH = re.compile(r"^/(?:dev/fd|proc/self/fd)/(\d+)$")
_STD_PATH = {"/dev/stdin": 0, "/dev/stdout": 1, "/dev/stderr": 2}


def descriptor_of(path: str) -> Optional[int]:
    """The open descriptor a path like ``/dev/stdout`` or ``/dev/fd/3`` names, else None."""
    if path in _STD_PATH:
        return _STD_PATH[path]
    match = _FD_PATH.match(path)
    return int(match.group(1)) if match else None


def _stat(path: str) -> Optional[os.stat_result]:
    try:
        return os.stat(path)  # follows symbolic links
    except OSError:
        return None


def _input_stats(inputs: Iterable[str]) -> list:
    """(name, stat) for every input that exists: files, bundled datasets, and standard input."""
    from aistruct.reader import DATASET_PREFIX, dataset_path

    found = []
    for src in inputs:
        if not src:
            continue
        src = str(src)
        if src == "-":
            try:
                found.append(("standard input", os.fstat(0)))
            except (OSError, ValueError):
                pass
            continue
        if src.startswith(DATASET_PREFIX):  # a bundled dataset is an input file too
            try:
                src = str(dataset_path(src[len(DATASET_PREFIX) :])[0])
            except Exception:  # unknown name: reading it fails with its own message
                continue
        st = _stat(src)
        if st is not None:
            found.append((src, st))
    return found


def check_output_target(output: Optional[str], inputs: Iterable[str], option: str = "--output") -> None:
    """Refuse, in one line, an ``--output`` (or ``option``) that would replace an input, a folder or a block device."""
    if not output or output == "-":
        return
    output = str(output)
    fd = descriptor_of(output)
    target = _fd_stat(fd) if fd is not None else _stat(output)
    if target is None:
        return  # a new file cannot be an input
    for name, st in _input_stats(inputs):
        if stat.S_ISREG(st.st_mode) and (st.st_dev, st.st_ino) == (target.st_dev, target.st_ino):
            what = "the file standard input reads" if name == "standard input" else "the input file"
            raise UsageError(f"{option} {output}: refusing to overwrite {what}")
    if stat.S_ISDIR(target.st_mode):
        raise UsageError(f"{option} {output}: is a directory")
    if stat.S_ISBLK(target.st_mode):
        raise UsageError(f"{option} {output}: is a block device; refusing to write to it")


def _fd_stat(fd: int) -> Optional[os.stat_result]:
    try:
        return os.fstat(fd)
    except OSError:
        return None


def is_utf8(stream) -> bool:
    """Whether a text stream encodes UTF-8 (any spelling of the name)."""
    name = (getattr(stream, "encoding", None) or "").lower().replace("-", "").replace("_", "")
    return name in ("utf8", "utf8sig", "cp65001")


def require_stdout() -> None:
    """Refuse, in one line, to write a result nobody can receive."""
    if sys.stdout is None:
        raise UsageError("standard output is closed; give --output FILE to write the result")


def write_stdout(text: str) -> None:
    """The file formats on standard output: always UTF-8, whatever the locale says."""
    require_stdout()
    stream = sys.stdout
    buffer = getattr(stream, "buffer", None)
    if buffer is not None and not is_utf8(stream):
        stream.flush()
        buffer.write(text.encode("utf-8"))
        buffer.flush()
    else:
        stream.write(text)
        stream.flush()


def write_output(path: str, text: str | bytes, option: str = "--output") -> None:
    """Write ``text`` (UTF-8; bytes as they are) to ``path`` by the rules in this module's docstring.

    ``option`` names the option in error messages (``--plot`` writes charts the same way).
    """
    path = str(path)
    text = text.encode("utf-8") if isinstance(text, str) else bytes(text)
    name = f"{option} {path}"  # how error messages name the target
    fd = descriptor_of(path)
    if fd is not None:
        _write_descriptor(name, fd, text)
        return
    real = os.path.realpath(path)  # through every symbolic link; the link itself stays
    st = _stat(real)
    if st is not None and not stat.S_ISREG(st.st_mode):
        _write_in_place(name, real, text)
        return
    _write_atomic(name, real, text, None if st is None else stat.S_IMODE(st.st_mode))


def _cannot(name: str, exc: OSError, there: bool = False) -> UsageError:
    """``name`` is the option and the path, e.g. ``--output out.json``."""
    what = "cannot write there" if there else "cannot write"
    return UsageError(f"{name}: {what} ({exc.strerror or exc})")


def _write_descriptor(name: str, fd: int, text: bytes) -> None:
    for stream in (sys.stdout, sys.stderr):  # keep Python's own buffers in order
        try:
            if stream is not None and stream.fileno() == fd:
                stream.flush()
                buffer = getattr(stream, "buffer", None)
                if buffer is None:
                    stream.write(text.decode("utf-8"))
                    stream.flush()
                else:
                    buffer.write(text)
                    buffer.flush()
                return
        except (AttributeError, OSError, ValueError):
            continue
    try:
        with os.fdopen(os.dup(fd), "wb") as fh:
            fh.write(text)
    except OSError as exc:
        raise _cannot(name, exc) from None


def _write_in_place(name: str, real: str, text: bytes) -> None:
    """A device, FIFO or socket: open it for writing (no create, no truncate) and write."""
    try:
        fd = os.open(real, os.O_WRONLY | getattr(os, "O_NOCTTY", 0))
    except OSError as exc:
        raise _cannot(name, exc) from None
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(text)
    except OSError as exc:
        raise _cannot(name, exc) from None


def _write_atomic(name: str, real: str, text: bytes, mode: Optional[int]) -> None:
    """A temporary file beside the real target, then a rename: old or new, never half."""
    folder = os.path.dirname(real) or "."
    import secrets  # here, not at start-up: it pulls in hmac and hashlib

    tmp = os.path.join(folder, f".aistruct-{secrets.token_hex(6)}.tmp")
    try:
        # 0o666 through the umask, as a shell's '>' would create the file
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    except OSError as exc:
        raise _cannot(name, exc, there=True) from None
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(text)
        if mode is not None:
            os.chmod(tmp, mode)  # an existing file keeps its permissions
        os.replace(tmp, real)
    except BaseException as exc:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        if isinstance(exc, OSError):
            raise _cannot(name, exc) from None
        raise
