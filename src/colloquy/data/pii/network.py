"""Network addresses: IPv4, IPv6 (IPv4-mapped and zone ids included) and MAC addresses.

Only the address is personal: a CIDR suffix (``/24``), a zone id (``%eth0``), a port or the
brackets of a URL stay outside the mask, so a log line keeps its shape.

Version numbers: ``1.2.3.4`` is a valid IPv4 address, so a dotted quad counts as an IP unless
it directly follows a version word (``version``, ``build``, ``firmware``, ``iOS``, ``updated
to`` …) or a ``v`` (``v1.2.3.4``). Masking errs on the side of privacy otherwise.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterator

from colloquy.data.pii.context import ascii_alnum
from colloquy.data.pii.kinds import PiiKind, PiiSpan

__all__ = ["ips", "macs"]

_OCTET = r"(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)"
_IPV4 = re.compile(rf"(?<![\w.]){_OCTET}(?:\.{_OCTET}){{3}}(?!\w|\.\d)", re.ASCII)
_VERSION_BEFORE = re.compile(
    r"\b(?:version|ver|build|firmware|fw|ios|ipados|macos|android|os|release|patch|driver|bios"
    r"|app|software|(?:up|down)grade[ds]?|updated?|updating|upgrading|downgrading)\b\.?"
    r"(?:\s+(?:is|was|no\.?|number|to|from))?\s*[:#]?\s*$",
    re.IGNORECASE,
)
_IPV6_CANDIDATE = re.compile(
    r"(?<![\w:.])(?=[0-9A-Fa-f]{0,4}:[0-9A-Fa-f]{0,4}:)[0-9A-Fa-f:]+(?:\.\d{1,3}){0,3}", re.ASCII
)
_HEX2 = "[0-9A-Fa-f]{2}"
_HEX4 = "[0-9A-Fa-f]{4}"
_MAC = re.compile(
    rf"(?<![\w:.-])(?:{_HEX2}([:-]){_HEX2}(?:\1{_HEX2}){{4}}|{_HEX4}\.{_HEX4}\.{_HEX4})"
    r"(?![\w]|[:.-]\w)",
    re.ASCII,
)


_DOTTED_DIGITS = re.compile(r"\d\.\d", re.ASCII)


def _ipv4s(text: str) -> Iterator[PiiSpan]:
    if _DOTTED_DIGITS.search(text) is None:
        return
    for match in _IPV4.finditer(text):
        if not _VERSION_BEFORE.search(text, max(0, match.start() - 40), match.start()):
            yield PiiSpan(PiiKind.IP, match.start(), match.end())


def _ipv6_end(text: str, start: int, end: int) -> int | None:
    candidate = text[start:end]
    for trimmed in (candidate, candidate[:-1] if candidate.endswith(":") else ""):
        if not trimmed or not any(c not in ":." for c in trimmed):
            continue
        try:
            ipaddress.IPv6Address(trimmed)
        except ValueError:
            continue
        return start + len(trimmed)
    return None


def _ipv6s(text: str) -> Iterator[PiiSpan]:
    if "::" not in text and text.count(":") < 7:
        return
    for match in _IPV6_CANDIDATE.finditer(text):
        end = _ipv6_end(text, match.start(), match.end())
        if end is not None and not ascii_alnum(text[end : end + 1]):
            yield PiiSpan(PiiKind.IP, match.start(), end)


def ips(text: str) -> Iterator[PiiSpan]:
    yield from _ipv4s(text)
    if ":" in text:
        yield from _ipv6s(text)


def macs(text: str) -> Iterator[PiiSpan]:
    if ":" not in text and "-" not in text and "." not in text:
        return
    for match in _MAC.finditer(text):
        yield PiiSpan(PiiKind.MAC, match.start(), match.end())
