"""Turning a transcript file's bytes into text, and saying which encoding was chosen.

Caption files come from every kind of tool: meeting exports in UTF-8 with a BOM, Windows
subtitle editors writing UTF-16 or Windows-1252. A byte-order mark is the only certain
evidence, so it wins; then UTF-16 that lost its mark (every other byte zero, which UTF-8
would accept as text full of NULs); then strict UTF-8, which almost never decodes legacy
text by accident; only then a statistical guess by ``charset-normalizer``. Guesses are
reported as ``detected`` so that a wrong one can be spotted and the file converted.
"""

from __future__ import annotations

import codecs
import contextlib
from dataclasses import dataclass

from charset_normalizer import from_bytes

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
"""UTF-32 LE first: its mark starts with the UTF-16 LE one."""

_LATIN_GUESSES = ("cp125", "iso8859", "latin", "mac_")
"""Single-byte Latin guesses that a short text cannot tell apart: Windows-1252 is by far
the most common of them, so it is chosen whenever it decodes the file."""


@dataclass(frozen=True, slots=True)
class Decoded:
    """A file's text and how it was decoded (``method`` is ``bom``, ``utf-8`` or ``detected``)."""

    text: str
    encoding: str
    method: str


class UndecodableError(ValueError):
    """The bytes are in no encoding the detector recognises (a binary file, most likely)."""


def decode(data: bytes) -> Decoded:
    """Decode by byte-order mark, then as UTF-8, then as the detected legacy encoding."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return Decoded(data[len(bom) :].decode(encoding), encoding, "bom")
            except UnicodeDecodeError as exc:
                raise UndecodableError(
                    f"starts with a {encoding} byte-order mark but is not {encoding}: "
                    f"{exc.reason} at byte {exc.start + len(bom)}"
                ) from None
    wide = _utf16_without_bom(data) if b"\x00" in data else None
    if wide is not None:
        return wide
    try:
        return Decoded(data.decode("utf-8"), "utf-8", "utf-8")
    except UnicodeDecodeError as exc:
        failure = f"{exc.reason} at byte {exc.start}"
    if b"\x00" in data:
        raise UndecodableError(f"binary data, not text (not UTF-8: {failure})")
    best = from_bytes(data).best()
    if best is None:
        raise UndecodableError(f"not UTF-8 ({failure}) and no other text encoding fits")
    if best.encoding.startswith(_LATIN_GUESSES):
        # Windows-1252 is what a Latin guess usually is; it leaves five bytes undefined,
        # and a file holding one of them keeps the detector's own choice.
        with contextlib.suppress(UnicodeDecodeError):
            return Decoded(data.decode("cp1252"), "cp1252", "detected")
    return Decoded(str(best), best.encoding.replace("_", "-"), "detected")


def _utf16_without_bom(data: bytes) -> Decoded | None:
    """UTF-16 text that lost its mark: mostly Latin text leaves every other byte zero."""
    if len(data) < 4 or len(data) % 2:
        return None
    for encoding, zeros in (("utf-16-le", data[1::2]), ("utf-16-be", data[0::2])):
        if zeros.count(0) >= 0.9 * len(zeros):
            try:
                return Decoded(data.decode(encoding), encoding, "detected")
            except UnicodeDecodeError:
                return None
    return None


__all__ = ["Decoded", "UndecodableError", "decode"]
