"""Email addresses: a local part, an ``@`` and a dotted domain with a letter TLD."""

from __future__ import annotations

import re
from collections.abc import Iterator

from colloquy.data.pii.kinds import PiiKind, PiiSpan

__all__ = ["emails"]

_EMAIL = re.compile(
    r"(?<![\w.+%'-])[A-Za-z0-9](?:[A-Za-z0-9._%+'-]{0,62}[A-Za-z0-9_%+-])?"
    r"@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,24}(?![\w-])",
    re.ASCII,
)


# An address has a local-part character right before its "@"; a social-media mention does not.
_AT_AFTER_LOCAL_PART = re.compile(r"[A-Za-z0-9_%+'-]@[A-Za-z0-9]", re.ASCII)


def emails(text: str) -> Iterator[PiiSpan]:
    if "@" not in text or _AT_AFTER_LOCAL_PART.search(text) is None:
        return
    for match in _EMAIL.finditer(text):
        yield PiiSpan(PiiKind.EMAIL, match.start(), match.end())
