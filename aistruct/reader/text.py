"""Bytes to text: :func:`decode` (UTF-8 unless told otherwise) and the hint it gives when that fails."""

from __future__ import annotations

from aistruct.errors import InputError, UsageError, param

_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
_UTF8_NAMES = {None, "utf-8", "utf8", "utf_8", "utf-8-sig", "utf_8_sig", "u8"}


def has_utf16_bom(data) -> bool:
    """Whether ``data`` (bytes or a buffer) starts with a UTF-16 byte-order mark."""
    return bytes(data[:2]) in _UTF16_BOMS


def is_utf8(encoding: str | None) -> bool:
    """Whether ``encoding`` (``None``: the default) names UTF-8, so the bytes need no re-encoding."""
    return encoding is None or encoding.lower().replace("_", "-") in _UTF8_NAMES


def suggest_encoding(data: bytes) -> str:
    """A likely encoding for bytes that are not UTF-8, for an ``--encoding`` hint."""
    if has_utf16_bom(data):
        return "utf-16"
    try:  # optional: charset-normalizer is used when installed, never required
        from charset_normalizer import from_bytes

        best = from_bytes(data[: 1 << 16]).best()
        if best is not None and best.encoding not in ("utf_8", "ascii"):
            return best.encoding.replace("_", "-")
    except Exception:  # pragma: no cover - detector optional and best-effort
        pass
    # Without a detector: GB18030 when the bytes are valid GB18030 (Chinese exports), else
    # Windows-1252 (Western European exports: é is 0xe9, € is 0x80), else Latin-1.
    sample = bytes(data[: 1 << 16])
    for candidate in ("gb18030", "cp1252"):
        try:
            sample.decode(candidate)
            return candidate
        except UnicodeDecodeError as exc:
            if exc.start >= len(sample) - 4 and len(sample) < len(data):  # cut mid-character
                return candidate
    return "latin-1"


def decode(data: bytes, encoding: str | None, what: str) -> str:
    """Text of the input: UTF-8 (BOM stripped), or UTF-16 when it starts with a UTF-16 BOM,
    unless an encoding is named.

    Undecodable bytes raise :class:`~aistruct.errors.InputError` naming the byte and its
    offset (with a suggested ``--encoding`` when none was named); an unknown encoding name
    raises :class:`~aistruct.errors.UsageError`. ``what`` names the input in messages.
    """
    if encoding is None and has_utf16_bom(data):
        encoding = "utf-16"  # a UTF-16 byte-order mark is unambiguous
    if encoding is None:
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            hint = suggest_encoding(data)
            raise InputError(
                f"{what}: not valid UTF-8 (byte 0x{data[exc.start]:02x} at offset {exc.start}); "
                f"try {param('encoding')} {hint}"
            ) from None
        return text[1:] if text.startswith("\ufeff") else text
    try:
        text = data.decode(encoding)
    except LookupError:
        raise UsageError(f"{param('encoding')}: unknown encoding {encoding!r}") from None
    except UnicodeDecodeError as exc:
        raise InputError(
            f"{what}: cannot decode as {encoding} (byte 0x{data[exc.start]:02x} at offset {exc.start})"
        ) from None
    return text[1:] if text.startswith("\ufeff") else text
